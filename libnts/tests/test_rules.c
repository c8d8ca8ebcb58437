/* Unit tests: the RFC 8915 rule table and walker (libnts/nts_rules.c), and the
 * matrix that holds the strict parsers to the walker's verdicts. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/nts_ef.h"
#include "nts/rules.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(table)
{
	for (int i = 1; i < NTS_R_COUNT; i++) {
		const struct nts_rule_info *r = nts_rule_get((enum nts_rule)i);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->id, i);
		ck_assert_msg(r->name && r->section && r->text && *r->text, "rule %d incomplete", i);
		ck_assert_int_eq(nts_rule_by_name(r->name), i);
		/* a MUST names the error a strict parser refuses with */
		ck_assert(r->level == NTS_RULE_SHOULD ? r->err == NTS_OK : r->err < 0);
	}
	ck_assert_ptr_null(nts_rule_get(NTS_R_NONE));
	ck_assert_ptr_null(nts_rule_get(NTS_R_COUNT));
	ck_assert_int_eq(nts_rule_by_name("no-such-rule"), NTS_R_NONE);
	ck_assert_int_lt(NTS_R_COUNT, 64);   /* the report's bit set holds every rule */
}
END_TEST

/* Section 4.1.x: one critical-bit rule per record type. */
START_TEST(critical_bits)
{
	ck_assert_int_eq(nts_rules_ke_critical(NTSKE_REC_EOM, false, true), NTS_R_KE_EOM_CRITICAL);
	ck_assert_int_eq(nts_rules_ke_critical(NTSKE_REC_NEXT_PROTO, false, true),
			 NTS_R_KE_PROTO_CRITICAL);
	ck_assert_int_eq(nts_rules_ke_critical(NTSKE_REC_ERROR, false, true), NTS_R_KE_ERROR_CRITICAL);
	ck_assert_int_eq(nts_rules_ke_critical(NTSKE_REC_WARNING, false, true),
			 NTS_R_KE_WARNING_CRITICAL);
	ck_assert_int_eq(nts_rules_ke_critical(NTSKE_REC_COOKIE, true, true), NTS_R_KE_COOKIE_CRITICAL);
	for (uint16_t t = NTSKE_REC_EOM; t <= NTSKE_REC_PORT; t++) {
		bool must = t <= NTSKE_REC_WARNING;
		ck_assert_int_eq(nts_rules_ke_critical(t, must, true), NTS_R_NONE);
		if (t >= NTSKE_REC_AEAD)   /* AEAD, Server, Port: MAY; New Cookie: not set */
			ck_assert_int_eq(nts_rules_ke_critical(t, false, true), NTS_R_NONE);
	}
	ck_assert_int_eq(nts_rules_ke_critical(0x4000, true, false), NTS_R_KE_UNKNOWN_CRITICAL);
	ck_assert_int_eq(nts_rules_ke_critical(0x4000, false, false), NTS_R_NONE);
}
END_TEST

/* Section 5.6: a short nonce made up by Additional Padding is fine. */
START_TEST(auth_layout)
{
	uint8_t b[64] = { 0 };
	size_t no, nl, co, cl;
	b[1] = 12;    /* nonce 12, ciphertext 16, 4 octets of padding: 36 */
	b[3] = 16;
	ck_assert_int_eq(nts_rules_auth(b, 36, &no, &nl, &co, &cl), NTS_R_NONE);
	ck_assert_uint_eq(nl, 12);
	ck_assert_uint_eq(co, 16);
	ck_assert_uint_eq(cl, 16);
	ck_assert_int_eq(nts_rules_auth(b, 32, &no, &nl, &co, &cl), NTS_R_NTS_NONCE_SHORT);
	b[1] = 17;    /* padded to 20: 4 + 20 + 16 */
	ck_assert_int_eq(nts_rules_auth(b, 40, &no, &nl, &co, &cl), NTS_R_NONE);
	ck_assert_uint_eq(co, 24);
	ck_assert_int_eq(nts_rules_auth(b, 39, &no, &nl, &co, &cl), NTS_R_NTS_AUTH_MALFORMED);
	b[1] = 0;
	ck_assert_int_eq(nts_rules_auth(b, 40, &no, &nl, &co, &cl), NTS_R_NTS_NONCE_SHORT);
	b[1] = 16;
	b[3] = 15;    /* shorter than the SIV tag */
	ck_assert_int_eq(nts_rules_auth(b, 40, &no, &nl, &co, &cl), NTS_R_NTS_AUTH_MALFORMED);
	ck_assert_int_eq(nts_rules_auth(b, 3, &no, &nl, &co, &cl), NTS_R_NTS_AUTH_MALFORMED);
}
END_TEST

/* ---- the matrix: every KE vector through the walker and the strict parser */

static const struct {
	const char *file;
	bool response;
	int strict;              /* what ntske_*_parse returns */
	const char *first;       /* the walker's first rule, NULL for none */
	const char *also;        /* another rule it must report, or NULL */
} ke[] = {
	{ "req-valid.hex", false, NTS_OK, NULL, NULL },
	{ "req-valid-server-port.hex", false, NTS_OK, NULL, NULL },
	{ "req-unknown-noncritical.hex", false, NTS_OK, NULL, NULL },
	{ "req-missing-proto.hex", false, NTS_E_KE_NO_PROTO, "ke-proto-missing", NULL },
	{ "req-dup-proto.hex", false, NTS_E_KE_DUP_PROTO, "ke-proto-dup", NULL },
	{ "req-proto-not-critical.hex", false, NTS_E_KE_CRIT_MISSING, "ke-proto-critical", NULL },
	{ "req-missing-aead.hex", false, NTS_E_KE_NO_AEAD, "ke-aead-missing", NULL },
	{ "req-dup-aead.hex", false, NTS_E_KE_DUP_AEAD, "ke-aead-dup", NULL },
	{ "req-missing-eom.hex", false, NTS_E_KE_NO_EOM, "ke-no-eom", NULL },
	{ "req-after-eom.hex", false, NTS_E_KE_AFTER_EOM, "ke-after-eom", NULL },
	{ "req-eom-body.hex", false, NTS_E_KE_EOM_BODY, "ke-eom-body", NULL },
	{ "req-unknown-critical.hex", false, NTS_E_KE_CRIT_UNKNOWN, "ke-unknown-critical", NULL },
	{ "req-trunc-header.hex", false, NTS_E_KE_TRUNC, "ke-truncated", "ke-no-eom" },
	{ "req-trunc-body.hex", false, NTS_E_KE_TRUNC, "ke-truncated", "ke-no-eom" },
	{ "req-aead-odd.hex", false, NTS_E_KE_BAD_BODY, "ke-aead-body", NULL },
	{ "req-port-len.hex", false, NTS_E_KE_BAD_BODY, "ke-port-body", NULL },
	{ "req-dup-server.hex", false, NTS_E_KE_DUP_RECORD, "ke-server-dup", NULL },
	{ "req-new-cookie.hex", false, NTS_E_KE_UNEXPECTED, "ke-cookie-in-request", NULL },
	{ "req-error-record.hex", false, NTS_E_KE_UNEXPECTED, "ke-error-in-request", NULL },
	{ "req-error-not-critical.hex", false, NTS_E_KE_UNEXPECTED, "ke-error-in-request",
	  "ke-error-critical" },
	{ "req-too-long.hex", false, NTS_E_KE_TOO_LONG, "ke-too-long", NULL },
	{ "resp-valid.hex", true, NTS_OK, NULL, NULL },
	{ "resp-valid-server-port.hex", true, NTS_OK, NULL, NULL },
	{ "resp-nine-cookies.hex", true, NTS_OK, NULL, NULL },
	/* what a well-formed response says is the parser's: no rule broken */
	{ "resp-error.hex", true, NTS_E_KE_ERROR_RECORD, NULL, NULL },
	{ "resp-empty-proto.hex", true, NTS_E_KE_PROTO_UNSUPP, NULL, NULL },
	{ "resp-no-cookie.hex", true, NTS_E_KE_NO_COOKIE, "ke-cookie-missing", NULL },
	{ "resp-two-protos.hex", true, NTS_E_KE_DUP_PROTO, "ke-proto-dup", NULL },
	{ "resp-proto-two-ids.hex", true, NTS_E_KE_PROTO_COUNT, "ke-proto-count", NULL },
	{ "resp-two-aeads.hex", true, NTS_E_KE_DUP_AEAD, "ke-aead-dup", NULL },
	{ "resp-aead-two-ids.hex", true, NTS_E_KE_AEAD_COUNT, "ke-aead-count", NULL },
	{ "resp-oversize-cookie.hex", true, NTS_E_KE_COOKIE_SIZE, "ke-cookie-size", NULL },
	{ "resp-bad-server.hex", true, NTS_E_KE_BAD_SERVER, "ke-server-body", NULL },
	{ "resp-warning.hex", true, NTS_E_KE_WARNING, "ke-warning-unknown", NULL },
	{ "resp-unknown-critical.hex", true, NTS_E_KE_CRIT_UNKNOWN, "ke-unknown-critical", NULL },
	{ "resp-error-not-critical.hex", true, NTS_E_KE_CRIT_MISSING, "ke-error-critical", NULL },
	{ "resp-warning-not-critical.hex", true, NTS_E_KE_CRIT_MISSING, "ke-warning-critical",
	  "ke-warning-unknown" },
	{ "resp-eom-not-critical.hex", true, NTS_E_KE_CRIT_MISSING, "ke-eom-critical", NULL },
	/* a SHOULD NOT: reported, and the response is used */
	{ "resp-cookie-critical.hex", true, NTS_OK, "ke-cookie-critical", NULL },
};

START_TEST(ke_matrix)
{
	char name[128];
	size_t len;
	struct nts_rules_report rep;
	snprintf(name, sizeof name, "ntske/%s", ke[_i].file);
	uint8_t *msg = tv_load_hex(name, &len);
	nts_rules_ke(msg, len, ke[_i].response, &rep);
	const struct nts_rule_info *first = rep.n ? nts_rule_get(rep.hits[0].rule) : NULL;
	ck_assert_msg(ke[_i].first ? first && strcmp(first->name, ke[_i].first) == 0 : !first,
		      "%s: walker's first rule %s, want %s", ke[_i].file, first ? first->name : "none",
		      ke[_i].first ? ke[_i].first : "none");
	if (ke[_i].also)
		ck_assert_msg(nts_rules_has(&rep, nts_rule_by_name(ke[_i].also)), "%s: no %s",
			      ke[_i].file, ke[_i].also);
	int strict, walker = nts_rules_verdict(&rep);
	if (ke[_i].response) {
		static struct ntske_response resp;
		strict = ntske_response_parse(msg, len, &resp);
	} else {
		struct ntske_request req;
		uint16_t code = 0xffff;
		strict = ntske_request_parse(msg, len, &req, &code);
		ck_assert(strict == NTS_OK || code == (strict == NTS_E_KE_CRIT_UNKNOWN ? 0 : 1));
	}
	ck_assert_msg(strict == ke[_i].strict, "%s: strict %s, want %s", ke[_i].file,
		      nts_errname(strict), nts_errname(ke[_i].strict));
	/* the same verdict: the walker's refusal is the parser's, and when the
	 * walker finds nothing the parser refuses only for what the message
	 * says (an Error record, no protocol or AEAD in common) */
	if (walker != NTS_OK)
		ck_assert_int_eq(strict, walker);
	else
		ck_assert(strict == NTS_OK || strict == NTS_E_KE_ERROR_RECORD ||
			  strict == NTS_E_KE_PROTO_UNSUPP || strict == NTS_E_KE_AEAD_UNSUPP);
	free(msg);
}
END_TEST

/* ---- the matrix for NTS NTP packets: walker and server-side parser */

static const struct {
	const char *file;
	int verdict;             /* the walker's, and the parser's before any crypto */
} ntp[] = {
	{ "request.hex", NTS_OK },
	{ "request-nonce12-padded.hex", NTS_OK },
	{ "response.hex", NTS_OK },
	{ "nak.hex", NTS_OK },
	{ "bad-no-uid.hex", NTS_E_NTS_NO_UID },
	{ "bad-uid-short.hex", NTS_E_NTS_UID_SHORT },
	{ "bad-uid-dup.hex", NTS_E_NTS_DUP_UID },
	{ "bad-no-cookie.hex", NTS_E_NTS_NO_COOKIE },
	{ "bad-cookie-dup.hex", NTS_E_NTS_DUP_COOKIE },
	{ "bad-no-auth.hex", NTS_E_NTS_NO_AUTH },
	{ "bad-auth-not-last.hex", NTS_E_NTS_AUTH_NOT_LAST },
	{ "bad-nonce-short.hex", NTS_E_NTS_NONCE_SHORT },
	{ "bad-nonce-zero.hex", NTS_E_NTS_NONCE_SHORT },
	{ "bad-auth-ct-overrun.hex", NTS_E_NTS_AUTH_MALFORMED },
	{ "bad-auth-ct-short.hex", NTS_E_NTS_AUTH_MALFORMED },
	{ "bad-placeholder-size.hex", NTS_E_NTS_PLACEHOLDER_SIZE },
};

START_TEST(ntp_matrix)
{
	char name[128];
	size_t len;
	struct nts_rules_report rep;
	snprintf(name, sizeof name, "nts/%s", ntp[_i].file);
	uint8_t *pkt = tv_load_hex(name, &len);
	nts_rules_ntp(pkt, len, &rep);
	int walker = nts_rules_verdict(&rep);
	ck_assert_msg(walker == ntp[_i].verdict, "%s: walker %s, want %s", ntp[_i].file,
		      nts_errname(walker), nts_errname(ntp[_i].verdict));
	if ((pkt[0] & 7) == NTP_MODE_CLIENT) {
		/* a server with an empty key ring: the rules decide first, then
		 * an acceptable request fails only at its cookie */
		struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
		struct nts_cookie_ring *ring;
		struct nts_server *srv;
		struct nts_server_request req;
		ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &ring), NTS_OK);
		ck_assert_int_eq(nts_server_new(ring, NULL, &srv), NTS_OK);
		int strict = nts_server_parse_request(srv, pkt, len, &req);
		if (walker != NTS_OK)
			ck_assert_msg(strict == walker, "%s: strict %s, walker %s", ntp[_i].file,
				      nts_errname(strict), nts_errname(walker));
		else
			ck_assert_msg(strict == NTS_E_COOKIE_UNKNOWN_KEY || strict == NTS_E_RING_EMPTY,
				      "%s: strict %s", ntp[_i].file, nts_errname(strict));
		nts_server_free(srv);
		nts_cookie_ring_free(ring);
	}
	free(pkt);
}
END_TEST

/* Every rule the walker reports is at a place inside the message, and a
 * clean message reports none, whatever is cut off it. */
START_TEST(cuts)
{
	size_t len;
	struct nts_rules_report rep;
	uint8_t *msg = tv_load_hex("ntske/resp-valid.hex", &len);
	nts_rules_ke(msg, len, true, &rep);
	ck_assert_uint_eq(rep.n, 0);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, msg, cut);
		nts_rules_ke(c, cut, true, &rep);
		ck_assert_msg(nts_rules_verdict(&rep) != NTS_OK, "cut at %zu accepted", cut);
		for (size_t i = 0; i < rep.n; i++)
			ck_assert_uint_le(rep.hits[i].offset, cut);
		free(c);
	}
	free(msg);
}
END_TEST

Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *t = tcase_create("rules");
	tcase_add_test(t, table);
	tcase_add_test(t, critical_bits);
	tcase_add_test(t, auth_layout);
	tcase_add_loop_test(t, ke_matrix, 0, (int)NELEM(ke));
	tcase_add_loop_test(t, ntp_matrix, 0, (int)NELEM(ntp));
	tcase_add_test(t, cuts);
	suite_add_tcase(s, t);
	return s;
}
