/* Unit tests: NTP header, timestamps and the extension-field walker (ntp.c). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "suites.h"

/* 2036-02-07T06:28:16Z: NTP era 1 begins (NTP seconds wrap to 0). */
#define ERA1_UNIX 2085978496LL
#define NTP_UNIX_OFFSET 2208988800LL

/* ---- header */

START_TEST(hdr_parse_vector)
{
	size_t len;
	uint8_t *pkt = tv_load_hex("ntp/mode3-request.hex", &len);
	struct ntp_hdr h;
	ck_assert_uint_eq(len, 48);
	ck_assert_int_eq(ntp_hdr_parse(pkt, len, &h), NTS_OK);
	ck_assert_uint_eq(h.leap, 0);
	ck_assert_uint_eq(h.version, 4);
	ck_assert_uint_eq(h.mode, NTP_MODE_CLIENT);
	ck_assert_uint_eq(h.stratum, 0);
	ck_assert_int_eq(h.poll, 6);
	ck_assert_int_eq(h.precision, -20);
	ck_assert_uint_eq(h.root_delay, 0x00010000);
	ck_assert_uint_eq(h.root_disp, 0x00020000);
	ck_assert_uint_eq(h.xmt, 0xEC2F5A2B12345678ull);
	ck_assert_uint_eq(h.org, 0);
	/* writing it back gives the same octets */
	uint8_t out[48];
	ck_assert_int_eq(ntp_hdr_write(&h, out, sizeof out), NTS_OK);
	ck_assert_mem_eq(out, pkt, 48);
	free(pkt);
}
END_TEST

static const struct ntp_hdr hdr_rows[] = {
	{ 0, 4, 3, 0, 6, -20, 0, 0, 0, 0, 0, 0, 0x0102030405060708ull },
	{ 3, 4, 4, 0, 4, -24, 0xffffffffu, 0x12345678u, NTP_REFID_NTSN, 1, 2, 3, 4 },
	{ 1, 3, 4, 2, -6, 0, 0x00008000u, 1, 0x7f000001u, ~0ull, ~0ull - 1, 0x8000000000000000ull, 5 },
	{ 2, 1, 1, 16, 17, -1, 5, 6, 7, 8, 9, 10, 11 },
	{ 0, 2, 7, 255, -128, 127, 0, 0, 0, 0, 0, 0, 0 },
};

START_TEST(hdr_round_trip)
{
	const struct ntp_hdr *in = &hdr_rows[_i];
	uint8_t buf[64];
	struct ntp_hdr out;
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(ntp_hdr_write(in, buf, 48), NTS_OK);
	ck_assert_uint_eq(buf[48], 0xaa);
	ck_assert_int_eq(ntp_hdr_parse(buf, 48, &out), NTS_OK);
	ck_assert_uint_eq(out.leap, in->leap);
	ck_assert_uint_eq(out.version, in->version);
	ck_assert_uint_eq(out.mode, in->mode);
	ck_assert_uint_eq(out.stratum, in->stratum);
	ck_assert_int_eq(out.poll, in->poll);
	ck_assert_int_eq(out.precision, in->precision);
	ck_assert_uint_eq(out.root_delay, in->root_delay);
	ck_assert_uint_eq(out.root_disp, in->root_disp);
	ck_assert_uint_eq(out.refid, in->refid);
	ck_assert_uint_eq(out.reftime, in->reftime);
	ck_assert_uint_eq(out.org, in->org);
	ck_assert_uint_eq(out.rec, in->rec);
	ck_assert_uint_eq(out.xmt, in->xmt);
}
END_TEST

START_TEST(hdr_errors)
{
	uint8_t buf[48] = { 0 };
	struct ntp_hdr h = { 0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(ntp_hdr_write(&h, buf, 47), NTS_E_NOSPACE);
	ck_assert_int_eq(ntp_hdr_write(&h, buf, 48), NTS_OK);
	ck_assert_int_eq(ntp_hdr_parse(buf, 47, &h), NTS_E_NTP_SHORT);
	ck_assert_int_eq(ntp_hdr_parse(buf, 0, &h), NTS_E_NTP_SHORT);
	/* versions: 0 and 5..7 rejected, 1..4 accepted */
	for (unsigned v = 0; v < 8; v++) {
		buf[0] = (uint8_t)(v << 3 | 3);
		ck_assert_int_eq(ntp_hdr_parse(buf, 48, &h),
				 v >= 1 && v <= 4 ? NTS_OK : NTS_E_NTP_VERSION);
	}
	h.leap = 4;
	ck_assert_int_eq(ntp_hdr_write(&h, buf, 48), NTS_E_INVAL);
	h.leap = 0;
	h.mode = 8;
	ck_assert_int_eq(ntp_hdr_write(&h, buf, 48), NTS_E_INVAL);
}
END_TEST

/* ---- timestamps */

static const struct {
	int64_t unix_sec;
	long nsec;
	uint32_t ntp_sec;      /* expected on-wire seconds */
} ts_rows[] = {
	{ 0, 0, 2208988800u },                            /* Unix epoch */
	{ 946684800, 500000000, 3155673600u },            /* 2000-01-01 */
	{ 1700000000, 123456789, 3908988800u },
	{ ERA1_UNIX - 1, 999999999, 0xffffffffu },        /* last second of era 0 */
	{ ERA1_UNIX, 0, 0 },                              /* era 1 begins */
	{ ERA1_UNIX + 1, 1, 1 },
	{ 4102444800LL, 999999999, (uint32_t)(4102444800LL + NTP_UNIX_OFFSET - 4294967296LL) }, /* 2100 */
	{ -2208988800LL, 0, 0 },                          /* 1900-01-01, era 0 start */
};

START_TEST(ts_round_trip)
{
	struct timespec in = { (time_t)ts_rows[_i].unix_sec, ts_rows[_i].nsec }, out;
	uint64_t ntp = ntp_ts_from_timespec(&in);
	ck_assert_uint_eq(ntp >> 32, ts_rows[_i].ntp_sec);
	/* any pivot within decades of the time resolves the right era */
	static const int64_t shift[] = { 0, 1, -1, 86400, -86400, 30LL * 365 * 86400,
					 -30LL * 365 * 86400, 60LL * 365 * 86400 };
	for (size_t k = 0; k < sizeof shift / sizeof shift[0]; k++) {
		ntp_ts_to_timespec(ntp, (time_t)(ts_rows[_i].unix_sec + shift[k]), &out);
		ck_assert_int_eq((int64_t)out.tv_sec, ts_rows[_i].unix_sec);
		ck_assert_int_eq(out.tv_nsec, ts_rows[_i].nsec);
	}
}
END_TEST

/* The era is resolved by the pivot: NTP second 0 is 1900 or 2036. */
START_TEST(ts_era_by_pivot)
{
	struct timespec out;
	ntp_ts_to_timespec(0, (time_t)1700000000, &out);        /* pivot 2023 */
	ck_assert_int_eq((int64_t)out.tv_sec, ERA1_UNIX);
	ntp_ts_to_timespec(0, (time_t)-2000000000LL, &out);      /* pivot 1906 */
	ck_assert_int_eq((int64_t)out.tv_sec, -NTP_UNIX_OFFSET);
	ntp_ts_to_timespec(0xffffffffull << 32, (time_t)(ERA1_UNIX + 10), &out);
	ck_assert_int_eq((int64_t)out.tv_sec, ERA1_UNIX - 1);
	/* fraction 0x80000000 is exactly half a second */
	ntp_ts_to_timespec(0x80000000ull, (time_t)ERA1_UNIX, &out);
	ck_assert_int_eq(out.tv_nsec, 500000000);
}
END_TEST

START_TEST(ts_nsec_exact)
{
	/* every sampled nanosecond value survives the 32.32 round trip */
	for (long ns = 0; ns < 1000000000L; ns += 999983) {
		struct timespec in = { 1700000000, ns }, out;
		ntp_ts_to_timespec(ntp_ts_from_timespec(&in), in.tv_sec, &out);
		ck_assert_int_eq(out.tv_nsec, ns);
		ck_assert_int_eq((int64_t)out.tv_sec, 1700000000);
	}
}
END_TEST

START_TEST(ts_diff_across_era)
{
	struct timespec a = { (time_t)(ERA1_UNIX - 1), 250000000 };
	struct timespec b = { (time_t)(ERA1_UNIX + 1), 750000000 };
	uint64_t ta = ntp_ts_from_timespec(&a), tb = ntp_ts_from_timespec(&b);
	ck_assert(tb < ta);   /* raw values wrapped */
	ck_assert_double_eq_tol(ntp_ts_diff(ta, tb), 2.5, 1e-9);
	ck_assert_double_eq_tol(ntp_ts_diff(tb, ta), -2.5, 1e-9);
	ck_assert_double_eq(ntp_ts_diff(ta, ta), 0.0);
	ck_assert_double_eq(ntp_ts_diff(0, 1ull << 32), 1.0);
	ck_assert_double_eq(ntp_ts_diff(0, 1ull << 31), 0.5);
}
END_TEST

/* RFC 5905 section 8 examples, with t1 placed before, at and after the
 * 2036 era boundary. Times are seconds relative to t1. */
static const struct {
	double t2, t3, t4, offset, delay;
} od_rows[] = {
	{ 0.010, 0.011, 0.020, 0.0005, 0.019 },
	{ 5.010, 5.011, 0.020, 5.0005, 0.019 },      /* server 5 s ahead */
	{ -3.0, -2.999, 0.002, -3.0005, 0.001 },     /* server 3 s behind */
	{ 0.0, 0.0, 0.0, 0.0, 0.0 },
	{ 100.5, 100.5, 1.0, 100.0, 1.0 },
};

static uint64_t ntp_plus(uint64_t base, double s)
{
	return base + (uint64_t)(int64_t)llround(s * 4294967296.0);
}

START_TEST(offset_delay)
{
	static const int64_t bases[] = { 1700000000, ERA1_UNIX - 1, ERA1_UNIX - 50, ERA1_UNIX };
	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		struct timespec t = { (time_t)bases[b], 900000000 };
		uint64_t t1 = ntp_ts_from_timespec(&t);
		double off, del;
		ntp_offset_delay(t1, ntp_plus(t1, od_rows[_i].t2), ntp_plus(t1, od_rows[_i].t3),
				 ntp_plus(t1, od_rows[_i].t4), &off, &del);
		ck_assert_double_eq_tol(off, od_rows[_i].offset, 1e-8);
		ck_assert_double_eq_tol(del, od_rows[_i].delay, 1e-8);
	}
}
END_TEST

START_TEST(short_format)
{
	ck_assert_uint_eq(ntp_short_from_double(1.5), 0x00018000u);
	ck_assert_uint_eq(ntp_short_from_double(0.0), 0);
	ck_assert_uint_eq(ntp_short_from_double(-1.0), 0);
	ck_assert_uint_eq(ntp_short_from_double(NAN), 0);
	ck_assert_uint_eq(ntp_short_from_double(1e9), 0xffffffffu);
	ck_assert_uint_eq(ntp_short_from_double(1.0 / 65536), 1);
	ck_assert_double_eq(ntp_short_to_double(0x00018000u), 1.5);
	ck_assert_double_eq(ntp_short_to_double(0xffffffffu), 65535.0 + 65535.0 / 65536);
	for (uint32_t v = 0; v < 0x00100000u; v += 0x1357)
		ck_assert_uint_eq(ntp_short_from_double(ntp_short_to_double(v)), v);
}
END_TEST

/* ---- extension fields */

struct ef_expect {
	uint16_t type, len;
};

static const struct {
	const char *file;
	int result;                 /* last ntp_ef_next() return */
	size_t nfields;
	struct ef_expect fields[3];
	bool mac;
	size_t mac_offset;
} walk_rows[] = {
	{ "ntp/mode3-request.hex", 0, 0, { { 0, 0 } }, false, 0 },
	{ "ntp/ef-valid.hex", 0, 2, { { 0x0104, 36 }, { 0x7777, 16 } }, false, 0 },
	{ "ntp/ef-trunc-hdr.hex", NTS_E_EF_TRUNC_HDR, 1, { { 0x0104, 16 } }, false, 0 },
	{ "ntp/ef-len-small.hex", NTS_E_EF_LEN_SMALL, 0, { { 0, 0 } }, false, 0 },
	{ "ntp/ef-len-align.hex", NTS_E_EF_LEN_ALIGN, 0, { { 0, 0 } }, false, 0 },
	{ "ntp/ef-overrun.hex", NTS_E_EF_OVERRUN, 0, { { 0, 0 } }, false, 0 },
	{ "ntp/mac-20.hex", 0, 0, { { 0, 0 } }, true, 48 },
	{ "ntp/mac-24.hex", 0, 0, { { 0, 0 } }, true, 48 },
	{ "ntp/ef-then-mac.hex", 0, 1, { { 0x0104, 28 } }, true, 76 },
	{ "ntp/single-ef-24.hex", 0, 1, { { 0x0204, 24 } }, false, 0 },
};

START_TEST(ef_walk_vectors)
{
	size_t len;
	uint8_t *pkt = tv_load_hex(walk_rows[_i].file, &len);
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	size_t n = 0;
	int rc;

	ntp_ef_iter_init(&it, pkt, len, NTP_HEADER_LEN);
	while ((rc = ntp_ef_next(&it, &ef)) == 1) {
		ck_assert_msg(n < walk_rows[_i].nfields, "%s: extra field", walk_rows[_i].file);
		ck_assert_uint_eq(ef.type, walk_rows[_i].fields[n].type);
		ck_assert_uint_eq(ef.len, walk_rows[_i].fields[n].len);
		ck_assert_uint_eq(ef.body_len, ef.len - 4u);
		ck_assert_ptr_eq(ef.body, pkt + ef.offset + 4);
		ck_assert_uint_le(ef.offset + ef.len, len);
		n++;
	}
	ck_assert_msg(rc == walk_rows[_i].result, "%s: got %s", walk_rows[_i].file, nts_errname(rc));
	ck_assert_int_eq(it.err, walk_rows[_i].result);
	ck_assert_uint_eq(n, walk_rows[_i].nfields);
	ck_assert_int_eq(it.mac, walk_rows[_i].mac);
	if (it.mac)
		ck_assert_uint_eq(it.mac_offset, walk_rows[_i].mac_offset);
	/* the walk is over: errors are sticky, a clean end stays clean */
	ck_assert_int_eq(ntp_ef_next(&it, &ef), rc);
	free(pkt);
}
END_TEST

START_TEST(ef_walk_bounds)
{
	uint8_t buf[64] = { 0 };
	struct ntp_ef_iter it;
	struct ntp_ef ef;

	/* start beyond the packet: a short packet, not a crash */
	ntp_ef_iter_init(&it, buf, 40, NTP_HEADER_LEN);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), NTS_E_NTP_SHORT);
	/* a bare sequence of fields (decrypted plaintext) from offset 0 */
	nts_put16(buf, 0x0204);
	nts_put16(buf + 2, 16);
	nts_put16(buf + 16, 0x0304);
	nts_put16(buf + 18, 16);
	ntp_ef_iter_init(&it, buf, 32, 0);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 1);
	ck_assert_uint_eq(ef.type, 0x0204);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 1);
	ck_assert_uint_eq(ef.offset, 16);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 0);
	/* 1..3 octets after a field: truncated header; 4..15 more: bad length;
	 * except that 20 or 24 octets in all that are not one field are a MAC */
	for (size_t extra = 1; extra < 16; extra++) {
		ntp_ef_iter_init(&it, buf, 16 + extra, 0);
		if (extra == 4 || extra == 8) {
			ck_assert_int_eq(ntp_ef_next(&it, &ef), 0);
			ck_assert(it.mac && it.mac_offset == 0);
			continue;
		}
		ck_assert_int_eq(ntp_ef_next(&it, &ef), 1);
		int rc = ntp_ef_next(&it, &ef);
		ck_assert_int_lt(rc, 0);
		if (extra < 4)
			ck_assert_int_eq(rc, NTS_E_EF_TRUNC_HDR);
	}
	/* empty input is a clean end */
	ntp_ef_iter_init(&it, NULL, 0, 0);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 0);
}
END_TEST

/* Field length from body length: padded to 4, at least 16. */
static const struct {
	size_t body, total;
} efw_rows[] = {
	{ 0, 16 }, { 1, 16 }, { 11, 16 }, { 12, 16 }, { 13, 20 }, { 16, 20 },
	{ 17, 24 }, { 32, 36 }, { 100, 104 }, { 101, 108 },
};

START_TEST(ef_write_pads)
{
	uint8_t body[128], buf[160];
	struct nts_wr w;
	struct ntp_ef_iter it;
	struct ntp_ef ef;

	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i + 1);
	memset(buf, 0xcc, sizeof buf);
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntp_ef_write(&w, 0x0104, body, efw_rows[_i].body), NTS_OK);
	ck_assert_uint_eq(w.pos, efw_rows[_i].total);
	ck_assert_uint_eq(buf[w.pos], 0xcc);
	for (size_t k = 4 + efw_rows[_i].body; k < efw_rows[_i].total; k++)
		ck_assert_uint_eq(buf[k], 0);
	ntp_ef_iter_init(&it, buf, w.pos, 0);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 1);
	ck_assert_uint_eq(ef.type, 0x0104);
	ck_assert_uint_eq(ef.len, efw_rows[_i].total);
	ck_assert_mem_eq(ef.body, body, efw_rows[_i].body);
	ck_assert_int_eq(ntp_ef_next(&it, &ef), 0);

	/* one octet too little room: an error and nothing written */
	memset(buf, 0xcc, sizeof buf);
	nts_wr_init(&w, buf, efw_rows[_i].total - 1);
	ck_assert_int_eq(ntp_ef_write(&w, 0x0104, body, efw_rows[_i].body), NTS_E_NOSPACE);
	ck_assert(w.err);
	ck_assert_uint_eq(w.pos, 0);
	ck_assert_uint_eq(buf[0], 0xcc);
}
END_TEST

START_TEST(ef_write_limits)
{
	uint8_t buf[16];
	struct nts_wr w;
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntp_ef_write(&w, 1, NULL, 4), NTS_E_INVAL);
	ck_assert_int_eq(ntp_ef_write(&w, 1, buf, 70000), NTS_E_INVAL);
	ck_assert_int_eq(ntp_ef_write(&w, 1, NULL, 0), NTS_OK);
	ck_assert_uint_eq(w.pos, 16);
}
END_TEST

START_TEST(ef_type_names)
{
	ck_assert_str_eq(ntp_ef_type_name(NTP_EF_UNIQUE_ID), "Unique Identifier");
	ck_assert_str_eq(ntp_ef_type_name(NTP_EF_NTS_COOKIE), "NTS Cookie");
	ck_assert_str_eq(ntp_ef_type_name(NTP_EF_NTS_PLACEHOLDER), "NTS Cookie Placeholder");
	ck_assert_ptr_nonnull(ntp_ef_type_name(NTP_EF_NTS_AUTH));
	ck_assert_ptr_nonnull(ntp_ef_type_name(0x0000));
	ck_assert_str_eq(ntp_ef_type_name(0x2005), "Checksum Complement");
	/* Autokey types in all three forms: request, response, error response */
	for (unsigned code = 0; code <= 9; code++)
		for (unsigned form = 0; form < 3; form++) {
			uint16_t t = (uint16_t)((form == 0 ? 0 : form == 1 ? 0x8000 : 0xC000) |
						code << 8 | 0x02);
			ck_assert_msg(ntp_ef_type_name(t) != NULL, "no name for 0x%04x", t);
		}
	ck_assert_ptr_null(ntp_ef_type_name(0x1234));
	ck_assert_ptr_null(ntp_ef_type_name(0x7777));
}
END_TEST

Suite *ntp_suite(void)
{
	Suite *s = suite_create("ntp");
	TCase *tc = tcase_create("header");
	tcase_add_test(tc, hdr_parse_vector);
	tcase_add_loop_test(tc, hdr_round_trip, 0, (int)(sizeof hdr_rows / sizeof hdr_rows[0]));
	tcase_add_test(tc, hdr_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("time");
	tcase_add_loop_test(tc, ts_round_trip, 0, (int)(sizeof ts_rows / sizeof ts_rows[0]));
	tcase_add_test(tc, ts_era_by_pivot);
	tcase_add_test(tc, ts_nsec_exact);
	tcase_add_test(tc, ts_diff_across_era);
	tcase_add_loop_test(tc, offset_delay, 0, (int)(sizeof od_rows / sizeof od_rows[0]));
	tcase_add_test(tc, short_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("ef");
	tcase_add_loop_test(tc, ef_walk_vectors, 0, (int)(sizeof walk_rows / sizeof walk_rows[0]));
	tcase_add_test(tc, ef_walk_bounds);
	tcase_add_loop_test(tc, ef_write_pads, 0, (int)(sizeof efw_rows / sizeof efw_rows[0]));
	tcase_add_test(tc, ef_write_limits);
	tcase_add_test(tc, ef_type_names);
	suite_add_tcase(s, tc);
	return s;
}
