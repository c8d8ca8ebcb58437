/* Unit tests: mode 6 control messages (libnts/mode6.c, RFC 9327). */
#include <config.h>

#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/mode6.h"
#include "suites.h"

/* A READVAR request as NTPsec's ntpq sends it, bytes written by hand. */
START_TEST(decode_request)
{
	static const uint8_t pkt[] = {
		0x26, 0x02, 0x00, 0x05, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x07,
		'r', 'e', 'f', 'i', 'd', ',', 'x', 0, 0, 0, 0, 0,
	};
	struct nts_m6_msg m;
	ck_assert_int_eq(nts_m6_decode(pkt, sizeof pkt, &m), NTS_OK);
	ck_assert_uint_eq(m.version, 4);
	ck_assert_uint_eq(m.op, NTS_M6_OP_READVAR);
	ck_assert(!m.response && !m.error && !m.more);
	ck_assert_uint_eq(m.seq, 5);
	ck_assert_uint_eq(m.assoc, 0x1234);
	ck_assert_uint_eq(m.count, 7);
	ck_assert(memcmp(m.data, "refid,x", 7) == 0);
	/* truncations and wrong shapes each have their code */
	ck_assert_int_eq(nts_m6_decode(pkt, 11, &m), NTS_E_M6_SHORT);
	ck_assert_int_eq(nts_m6_decode(pkt, 18, &m), NTS_E_M6_COUNT);
	uint8_t bad[sizeof pkt];
	memcpy(bad, pkt, sizeof pkt);
	bad[0] = 0x23;   /* mode 3 */
	ck_assert_int_eq(nts_m6_decode(bad, sizeof bad, &m), NTS_E_M6_MODE);
	bad[0] = 0x06;   /* version 0 */
	ck_assert_int_eq(nts_m6_decode(bad, sizeof bad, &m), NTS_E_M6_MODE);
	ck_assert_int_eq(nts_m6_decode(NULL, 0, &m), NTS_E_M6_SHORT);
}
END_TEST

START_TEST(encode_roundtrip_and_padding)
{
	uint8_t out[NTS_M6_FRAG_MAX];
	struct nts_m6_msg m = { .version = 2, .op = NTS_M6_OP_READVAR, .seq = 9, .assoc = 3,
				.count = 5, .data = (const uint8_t *)"abcde" };
	size_t n = nts_m6_encode(&m, out, sizeof out);
	ck_assert_uint_eq(n, 24);   /* requests pad to 8 like ntpq */
	ck_assert_uint_eq(out[0], (2 << 3) | 6);
	m.response = m.more = true;
	n = nts_m6_encode(&m, out, sizeof out);
	ck_assert_uint_eq(n, 20);   /* responses to 4 */
	ck_assert_uint_eq(out[1], 0x80 | 0x20 | 2);
	struct nts_m6_msg d;
	ck_assert_int_eq(nts_m6_decode(out, n, &d), NTS_OK);
	ck_assert(d.response && d.more && !d.error);
	ck_assert_uint_eq(d.seq, 9);
	ck_assert_uint_eq(d.assoc, 3);
	ck_assert(memcmp(d.data, "abcde", 5) == 0);
	ck_assert_uint_eq(nts_m6_encode(&m, out, 19), 0);
	m.count = NTS_M6_DATA_MAX + 1;
	ck_assert_uint_eq(nts_m6_encode(&m, out, sizeof out), 0);
	/* errors carry the code in the status word's high octet */
	struct nts_m6_msg req = { .version = 4, .op = 2, .seq = 1, .assoc = 7 };
	n = nts_m6_error(&req, NTS_M6_CERR_UNKNOWNVAR, out, sizeof out);
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(out[1], 0x80 | 0x40 | 2);
	ck_assert_uint_eq(out[4], 5);
}
END_TEST

static uint8_t frags[NTS_M6_MAX_FRAGS][NTS_M6_FRAG_MAX];
static uint8_t big[NTS_M6_MAX_DATA];

/* Fragments reassemble in any order; More is clear on the last only. */
START_TEST(fragment_and_reassemble)
{
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)('a' + i % 26);
	size_t lens[NTS_M6_MAX_FRAGS];
	struct nts_m6_msg t = { .version = 4, .op = 2, .seq = 44, .status = 0x0615, .assoc = 0 };
	size_t len = 3 * NTS_M6_DATA_MAX + 10;
	size_t n = nts_m6_fragment(&t, big, len, frags, lens, NTS_M6_MAX_FRAGS);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(!!(frags[i][1] & NTS_M6_MORE), i + 1 < n);
	/* more than max fragments: refused, never cut with More set */
	ck_assert_uint_eq(nts_m6_fragment(&t, big, len, frags, lens, 3), 0);

	static struct nts_m6_reasm r;
	nts_m6_reasm_init(&r, 44, 2, 0);
	static const size_t order[] = { 3, 1, 0, 2 };
	for (size_t k = 0; k < 4; k++) {
		int rc = nts_m6_reasm_add(&r, frags[order[k]], lens[order[k]]);
		ck_assert_int_eq(rc, k == 3 ? 1 : 0);
	}
	ck_assert_uint_eq(r.total, len);
	ck_assert(memcmp(r.data, big, len) == 0);
	ck_assert_uint_eq(r.status, 0x0615);
	/* repeats, other sequence numbers and requests are refused */
	nts_m6_reasm_init(&r, 44, 2, 0);
	ck_assert_int_eq(nts_m6_reasm_add(&r, frags[0], lens[0]), 0);
	ck_assert_int_eq(nts_m6_reasm_add(&r, frags[0], lens[0]), NTS_E_M6_FRAGMENT);
	nts_m6_reasm_init(&r, 45, 2, 0);
	ck_assert_int_eq(nts_m6_reasm_add(&r, frags[0], lens[0]), NTS_E_M6_MISMATCH);
	nts_m6_reasm_init(&r, 44, 2, 9);
	ck_assert_int_eq(nts_m6_reasm_add(&r, frags[0], lens[0]), NTS_E_M6_MISMATCH);
	/* a last fragment that ends before data already received */
	nts_m6_reasm_init(&r, 44, 2, 0);
	ck_assert_int_eq(nts_m6_reasm_add(&r, frags[2], lens[2]), 0);
	struct nts_m6_msg last = t;
	last.response = true;
	last.count = 4;
	last.data = big;
	uint8_t one[NTS_M6_FRAG_MAX];
	size_t ol = nts_m6_encode(&last, one, sizeof one);
	ck_assert_int_eq(nts_m6_reasm_add(&r, one, ol), NTS_E_M6_FRAGMENT);
	/* a server error ends the exchange with its code */
	struct nts_m6_msg req = { .version = 4, .op = 2, .seq = 44 };
	ol = nts_m6_error(&req, NTS_M6_CERR_BADASSOC, one, sizeof one);
	nts_m6_reasm_init(&r, 44, 2, 0);
	ck_assert_int_eq(nts_m6_reasm_add(&r, one, ol), NTS_E_M6_SERVER);
	ck_assert_int_eq(r.cerr, NTS_M6_CERR_BADASSOC);
	/* an empty answer is one fragment */
	ck_assert_uint_eq(nts_m6_fragment(&t, big, 0, frags, lens, 1), 1);
	ck_assert_uint_eq(lens[0], NTS_M6_HDR_LEN);
}
END_TEST

START_TEST(assoc_list_and_tally)
{
	static const uint8_t d[] = { 0x00, 0x01, 0x96, 0x14, 0x00, 0x02, 0x94, 0x00 };
	struct nts_m6_assoc a[4];
	ck_assert_int_eq(nts_m6_assoc_list(d, sizeof d, a, 4), 2);
	ck_assert_uint_eq(a[0].assoc, 1);
	ck_assert_uint_eq(a[1].status, 0x9400);
	ck_assert_int_eq(nts_m6_assoc_list(d, 6, a, 4), NTS_E_M6_COUNT);
	ck_assert_int_eq(nts_m6_assoc_list(d, sizeof d, a, 1), 1);
	ck_assert_int_eq(nts_m6_tally(nts_m6_peer_sel(a[0].status)), '*');
	ck_assert_int_eq(nts_m6_tally(nts_m6_peer_sel(a[1].status)), '+');
	for (unsigned s = 0; s < 8; s++)
		ck_assert_uint_eq(nts_m6_tally_sel(nts_m6_tally(s)), s);
	ck_assert_uint_eq(nts_m6_tally_sel('?'), 0);
}
END_TEST

/* Writer: whole items only, then CRLF; the reader takes the text back. */
START_TEST(varlist_write_read)
{
	char buf[64];
	struct nts_m6_vw w;
	nts_m6_vw_init(&w, buf, sizeof buf);
	ck_assert(nts_m6_vw_put(&w, "stratum", "%d", 2));
	ck_assert(nts_m6_vw_str(&w, "version", "ntsd \"x\", 1\n"));
	ck_assert(nts_m6_vw_put(&w, "offset", "%.6f", -0.25));
	ck_assert(!nts_m6_vw_put(&w, "toolong", "%s", "0123456789012345678901234567890123456789"));
	ck_assert(w.full);
	ck_assert_uint_eq(nts_m6_vw_end(&w), strlen(buf));
	ck_assert_str_eq(buf, "stratum=2, version=\"ntsd ?x?, 1?\", offset=-0.250000\r\n");

	struct nts_m6_vr r;
	struct nts_m6_var v;
	nts_m6_vr_init(&r, buf, strlen(buf));
	ck_assert(nts_m6_vr_next(&r, &v));
	ck_assert_str_eq(v.name, "stratum");
	ck_assert_str_eq(v.value, "2");
	ck_assert(nts_m6_vr_next(&r, &v));
	ck_assert_str_eq(v.name, "version");
	ck_assert_str_eq(v.value, "ntsd ?x?, 1?");   /* the comma inside quotes stays */
	ck_assert(v.quoted);
	ck_assert(nts_m6_vr_next(&r, &v));
	ck_assert_str_eq(v.value, "-0.250000");
	ck_assert(!nts_m6_vr_next(&r, &v));
	/* request names: no values, empty items and blanks skipped */
	static const char names[] = " refid,, stratum ,\r\n";
	nts_m6_vr_init(&r, names, sizeof names - 1);
	ck_assert(nts_m6_vr_next(&r, &v) && strcmp(v.name, "refid") == 0 && !v.has_value);
	ck_assert(nts_m6_vr_next(&r, &v) && strcmp(v.name, "stratum") == 0);
	ck_assert(!nts_m6_vr_next(&r, &v));
	/* a NUL ends the text, as in some ntpd replies */
	nts_m6_vr_init(&r, "a=1\0b=2", 7);
	ck_assert(nts_m6_vr_next(&r, &v) && strcmp(v.name, "a") == 0);
	ck_assert(!nts_m6_vr_next(&r, &v));
	/* a tiny buffer never overflows */
	char tiny[4];
	nts_m6_vw_init(&w, tiny, sizeof tiny);
	ck_assert(!nts_m6_vw_put(&w, "a", "1"));
	ck_assert_uint_eq(nts_m6_vw_end(&w), 2);
}
END_TEST

Suite *mode6_suite(void)
{
	Suite *s = suite_create("mode6");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, decode_request);
	tcase_add_test(tc, encode_roundtrip_and_padding);
	tcase_add_test(tc, fragment_and_reassemble);
	tcase_add_test(tc, assoc_list_and_tally);
	tcase_add_test(tc, varlist_write_read);
	suite_add_tcase(s, tc);
	return s;
}
