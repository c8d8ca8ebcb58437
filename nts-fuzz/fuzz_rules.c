/* Fuzz target: the RFC 8915 rules walker (libnts/nts_rules.c). The first
 * octet picks what the rest is: a KE request, a KE response or an NTP
 * packet. Oracles: the report stays in bounds, and the strict parsers
 * refuse exactly what the walker refuses (with the same code). */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/nts_ef.h"
#include "nts/rules.h"

static void check_report(const struct nts_rules_report *rep, size_t len)
{
	FUZZ_CHECK(rep->n <= NTS_RULES_MAX_HITS);
	for (size_t i = 0; i < rep->n; i++) {
		const struct nts_rule_info *r = nts_rule_get((enum nts_rule)rep->hits[i].rule);
		FUZZ_CHECK(r != NULL);
		FUZZ_CHECK(nts_rules_has(rep, r->id));
		FUZZ_CHECK(rep->hits[i].offset <= len || r->id == NTS_R_KE_TOO_LONG);
		FUZZ_CHECK(r->level == NTS_RULE_SHOULD || rep->hits[i].err < 0);
	}
}

static void ke(const uint8_t *msg, size_t len, bool response)
{
	static struct nts_rules_report rep;
	static struct ntske_response resp;
	nts_rules_ke(msg, len, response, &rep);
	check_report(&rep, len);
	int walker = nts_rules_verdict(&rep), strict;
	if (response) {
		strict = ntske_response_parse(msg, len, &resp);
	} else {
		struct ntske_request req;
		uint16_t code;
		strict = ntske_request_parse(msg, len, &req, &code);
	}
	if (walker != NTS_OK)
		FUZZ_CHECK(strict == walker);
	else
		FUZZ_CHECK(strict == NTS_OK || strict == NTS_E_KE_ERROR_RECORD ||
			   strict == NTS_E_KE_PROTO_UNSUPP || strict == NTS_E_KE_AEAD_UNSUPP);
}

static void ntp(const uint8_t *pkt, size_t len)
{
	static struct nts_rules_report rep;
	static struct nts_cookie_ring *ring;
	static struct nts_server *srv;
	struct nts_server_request req;
	if (!ring) {
		struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
		FUZZ_SETUP(nts_cookie_ring_new(&cfg, NULL, &ring) == NTS_OK);
		FUZZ_SETUP(nts_server_new(ring, NULL, &srv) == NTS_OK);
	}
	nts_rules_ntp(pkt, len, &rep);
	check_report(&rep, len);
	int walker = nts_rules_verdict(&rep);
	if (len < NTP_HEADER_LEN || (pkt[0] & 7) != NTP_MODE_CLIENT)
		return;
	/* the server refuses a request for the walker's reason, or (with an
	 * empty key ring) at its cookie; a packet without NTS fields is no
	 * NTS request at all */
	int strict = nts_server_parse_request(srv, pkt, len, &req);
	if (walker != NTS_OK && !nts_rules_has(&rep, NTS_R_NTP_HEADER))
		FUZZ_CHECK(strict == walker);
	else if (walker == NTS_OK)
		FUZZ_CHECK(strict == NTS_E_NTS_NOT_NTS || strict == NTS_E_COOKIE_UNKNOWN_KEY ||
			   strict == NTS_E_RING_EMPTY || strict == NTS_E_COOKIE_SHORT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* an exact-size copy, so any overread is caught */
	size_t len = size - 1;
	uint8_t *copy = malloc(len ? len : 1);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, data + 1, len);
	switch (data[0] % 3) {
	case 0: ke(copy, len, false); break;
	case 1: ke(copy, len, true); break;
	default: ntp(copy, len); break;
	}
	free(copy);
	return 0;
}
