/* Fuzz target: NTS-KE request parsing on the server side (libnts/ntske.c),
 * with a build/parse round trip as the oracle for every accepted request,
 * and the server's answer (libnts/serve.c) checked against the verdict. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/serve.h"

static void check_request(const struct ntske_request *req)
{
	FUZZ_CHECK(req->nprotos <= NTSKE_MAX_IDS && req->naeads <= NTSKE_MAX_IDS);
	FUZZ_CHECK(!req->has_server || memchr(req->server, '\0', sizeof req->server) != NULL);
}

static void round_trip(const struct ntske_request *req)
{
	uint8_t out[NTSKE_MAX_MESSAGE];
	size_t len = 0;
	if (ntske_request_build(req, out, sizeof out, &len) != NTS_OK)
		return;
	FUZZ_CHECK(len <= sizeof out);
	struct ntske_request again;
	uint16_t kerr = 0;
	memset(&again, 0, sizeof again);
	FUZZ_CHECK(ntske_request_parse(out, len, &again, &kerr) == NTS_OK);
	FUZZ_CHECK(again.nprotos == req->nprotos && again.naeads == req->naeads);
	FUZZ_CHECK(memcmp(again.protos, req->protos, req->nprotos * sizeof req->protos[0]) == 0);
	FUZZ_CHECK(memcmp(again.aeads, req->aeads, req->naeads * sizeof req->aeads[0]) == 0);
	FUZZ_CHECK(again.has_server == req->has_server && again.has_port == req->has_port);
	FUZZ_CHECK(!req->has_server || strcmp(again.server, req->server) == 0);
	FUZZ_CHECK(!req->has_port || again.port == req->port);
	FUZZ_CHECK(again.compliant_128gcm == req->compliant_128gcm);
	size_t mlen = 0;
	FUZZ_CHECK(ntske_message_complete(out, len, &mlen) == 1 && mlen == len);
}

static int fake_export(void *ctx, uint16_t proto, uint16_t aead, uint8_t *c2s, uint8_t *s2c,
		       size_t key_len)
{
	(void)ctx;
	(void)proto;
	(void)aead;
	memcpy(c2s, fuzz_c2s, key_len);
	memcpy(s2c, fuzz_s2c, key_len);
	return NTS_OK;
}

/* The answer nts_serve_ke() gives agrees with the parser and parses as a
 * valid response whose cookies open to the exported keys. */
static void serve(const uint8_t *data, size_t size, int rc, uint16_t kerr, int sel, uint16_t aead)
{
	static const uint16_t ours[] = { NTS_AEAD_AES_SIV_CMAC_512, NTS_AEAD_AES_SIV_CMAC_256 };
	static uint8_t out[NTSKE_MAX_MESSAGE];
	static struct ntske_response resp;
	struct nts_serve_ke_config cfg = { ours, 2, 11123, "ntp.example" };
	struct nts_serve_ke_result res;
	FUZZ_CHECK(nts_serve_ke(fuzz_ring(), &cfg, data, size, fake_export, NULL, out, sizeof out,
				&res) == NTS_OK);
	memset(&resp, 0, sizeof resp);
	int prc = ntske_response_parse(out, res.len, &resp);
	if (rc != NTS_OK) {
		FUZZ_CHECK(res.outcome == NTS_SERVE_KE_ERROR && res.error_code == kerr);
		FUZZ_CHECK(prc == NTS_E_KE_ERROR_RECORD && resp.error_code == kerr);
		return;
	}
	if (sel != NTS_OK) {
		FUZZ_CHECK(res.outcome == NTS_SERVE_KE_NO_COMMON && res.err == sel);
		return;
	}
	FUZZ_CHECK(res.outcome == NTS_SERVE_KE_COOKIES && res.aead == aead);
	FUZZ_CHECK(prc == NTS_OK && resp.aead == aead && resp.ncookies == NTS_MAX_COOKIES);
	FUZZ_CHECK(resp.has_port && resp.port == 11123 && resp.has_server);
	struct nts_cookie_keys k;
	FUZZ_CHECK(nts_cookie_open(fuzz_ring(), resp.cookies[0], resp.cookie_len[0], &k) == NTS_OK);
	FUZZ_CHECK(k.aead == aead && memcmp(k.c2s, fuzz_c2s, k.key_len) == 0);
}

/* Walk the raw records the way a decoder would. */
static void records(const uint8_t *data, size_t size)
{
	struct nts_rd r;
	struct ntske_record rec;
	nts_rd_init(&r, data, size);
	while (nts_rd_left(&r) > 0) {
		size_t before = r.pos;
		int rc = ntske_record_read(&r, &rec);
		if (rc != NTS_OK) {
			FUZZ_CHECK(rc == NTS_E_KE_TRUNC);
			FUZZ_CHECK(r.pos == before);
			break;
		}
		FUZZ_CHECK(rec.offset == before && r.pos == before + 4 + rec.body_len);
		FUZZ_CHECK(rec.type < 0x8000);
		FUZZ_CHECK(rec.body == data + before + 4);
		(void)ntske_record_name(rec.type);
		if (rec.body_len >= 2) {
			uint16_t code = nts_get16(rec.body);
			(void)ntske_error_name(code);
			(void)ntske_warning_name(code);
			(void)ntske_proto_name(code);
		}
		/* writing the record back gives its octets */
		uint8_t buf[4 + 65535];
		struct nts_wr w;
		nts_wr_init(&w, buf, sizeof buf);
		FUZZ_CHECK(ntske_record_write(&w, rec.critical, rec.type, rec.body, rec.body_len) == NTS_OK);
		FUZZ_CHECK(w.pos == 4u + rec.body_len && memcmp(buf, data + before, w.pos) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ours[] = { NTS_AEAD_AES_SIV_CMAC_512, NTS_AEAD_AES_SIV_CMAC_256 };
	struct ntske_request req;
	uint16_t kerr = 0xffff;
	memset(&req, 0, sizeof req);
	int rc = ntske_request_parse(data, size, &req, &kerr);
	if (rc == NTS_OK) {
		check_request(&req);
		uint16_t proto = 0xffff, aead = 0;
		int sel = ntske_select(&req, ours, 2, &proto, &aead);
		if (sel == NTS_OK)
			FUZZ_CHECK(proto == NTSKE_PROTO_NTPV4 &&
				   (aead == ours[0] || aead == ours[1]));
		else
			FUZZ_CHECK(sel == NTS_E_KE_PROTO_UNSUPP || sel == NTS_E_KE_AEAD_UNSUPP);
		round_trip(&req);
	} else {
		FUZZ_CHECK(rc < 0);
		/* the Error record to send: 0 unrecognized critical, 1 bad request */
		FUZZ_CHECK(kerr == NTSKE_ERR_UNRECOGNIZED_CRITICAL || kerr == NTSKE_ERR_BAD_REQUEST);
		FUZZ_CHECK((kerr == NTSKE_ERR_UNRECOGNIZED_CRITICAL) == (rc == NTS_E_KE_CRIT_UNKNOWN));
	}
	if (rc == NTS_OK) {
		uint16_t proto = 0, aead = 0;
		int sel = ntske_select(&req, ours, 2, &proto, &aead);
		serve(data, size, rc, kerr, sel, aead);
	} else {
		serve(data, size, rc, kerr, rc, 0);
	}
	size_t mlen = 0;
	int c = ntske_message_complete(data, size, &mlen);
	FUZZ_CHECK(c <= 0 || (c == 1 && mlen >= 4 && mlen <= size));
	records(data, size);
	return 0;
}
