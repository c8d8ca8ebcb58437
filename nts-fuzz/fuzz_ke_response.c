/* Fuzz target: NTS-KE response parsing on the client side (libnts/ntske.c),
 * with a build/parse round trip as the oracle for every accepted response. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/ntske.h"

static void check_response(const struct ntske_response *resp)
{
	FUZZ_CHECK(resp->ncookies <= NTS_MAX_COOKIES);
	FUZZ_CHECK(resp->nwarnings <= NTSKE_MAX_WARNINGS);
	for (size_t i = 0; i < resp->ncookies; i++)
		FUZZ_CHECK(resp->cookie_len[i] > 0 && resp->cookie_len[i] <= NTS_COOKIE_MAX);
	FUZZ_CHECK(!resp->has_server || memchr(resp->server, '\0', sizeof resp->server) != NULL);
}

/* What a client needs from a successful response survives build and parse. */
static void round_trip(const struct ntske_response *resp)
{
	static uint8_t out[NTSKE_MAX_MESSAGE];
	size_t len = 0;
	if (ntske_response_build(resp, out, sizeof out, &len) != NTS_OK)
		return;
	FUZZ_CHECK(len <= sizeof out);
	static struct ntske_response again;
	memset(&again, 0, sizeof again);
	FUZZ_CHECK(ntske_response_parse(out, len, &again) == NTS_OK);
	FUZZ_CHECK(again.has_proto == resp->has_proto && again.has_aead == resp->has_aead);
	FUZZ_CHECK(!resp->has_proto || again.proto == resp->proto);
	FUZZ_CHECK(!resp->has_aead || again.aead == resp->aead);
	FUZZ_CHECK(again.ncookies == resp->ncookies);
	for (size_t i = 0; i < resp->ncookies; i++) {
		FUZZ_CHECK(again.cookie_len[i] == resp->cookie_len[i]);
		FUZZ_CHECK(memcmp(again.cookies[i], resp->cookies[i], resp->cookie_len[i]) == 0);
	}
	FUZZ_CHECK(again.has_server == resp->has_server && again.has_port == resp->has_port);
	FUZZ_CHECK(!resp->has_server || strcmp(again.server, resp->server) == 0);
	FUZZ_CHECK(!resp->has_port || again.port == resp->port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* static: the struct holds 4 KiB of cookies */
	static struct ntske_response resp;
	memset(&resp, 0, sizeof resp);
	int rc = ntske_response_parse(data, size, &resp);
	if (rc == NTS_OK) {
		check_response(&resp);
		FUZZ_CHECK(!resp.has_error);
		FUZZ_CHECK(resp.ncookies > 0);
		round_trip(&resp);
	} else {
		FUZZ_CHECK(rc < 0);
		if (rc == NTS_E_KE_ERROR_RECORD)
			FUZZ_CHECK(resp.has_error);
		check_response(&resp);
	}
	return 0;
}
