/* Unit tests: reference clock decoders (nmea.c, shm.c, refsock.c, pps.c). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nts/err.h"
#include "nts/nmea.h"
#include "nts/pps.h"
#include "nts/refsock.h"
#include "nts/shm.h"
#include "suites.h"

/* "$" BODY "*hh" with the right checksum. */
static const char *nmea(const char *body)
{
	static char buf[4][256];
	static int k;
	char *out = buf[k++ & 3];
	uint8_t sum = 0;
	for (const char *p = body; *p; p++)
		sum ^= (uint8_t)*p;
	snprintf(out, 256, "$%s*%02X", body, sum);
	return out;
}

static int parse(const char *s, struct nts_nmea *m)
{
	return nts_nmea_parse(s, strlen(s), m);
}

/* ---- NMEA */

START_TEST(nmea_known_sentences)
{
	/* the textbook examples, checksums as published with them */
	struct nts_nmea m;
	ck_assert_int_eq(parse("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A", &m),
			 NTS_OK);
	ck_assert_int_eq(m.kind, NTS_NMEA_RMC);
	ck_assert_str_eq(m.talker, "GP");
	ck_assert(m.has_date);
	ck_assert_int_eq(m.year, 1994);
	ck_assert_int_eq(m.month, 3);
	ck_assert_int_eq(m.day, 23);
	ck_assert_int_eq(m.hour, 12);
	ck_assert_int_eq(m.min, 35);
	ck_assert_int_eq(m.sec, 19);
	ck_assert_int_eq(m.nsec, 0);
	ck_assert_int_eq(parse("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", &m),
			 NTS_OK);
	ck_assert_int_eq(m.kind, NTS_NMEA_GGA);
	ck_assert(!m.has_date);
	ck_assert_int_eq(m.hour * 10000 + m.min * 100 + m.sec, 123519);
}
END_TEST

START_TEST(nmea_fractions_and_talkers)
{
	struct nts_nmea m;
	ck_assert_int_eq(parse(nmea("GNRMC,235959.25,A,,,,,,,311224,,,A"), &m), NTS_OK);
	ck_assert_str_eq(m.talker, "GN");
	ck_assert_int_eq(m.nsec, 250000000);
	ck_assert_int_eq(m.year, 2024);
	ck_assert_int_eq(parse(nmea("GPZDA,010203.123456789,29,02,2028,00,00"), &m), NTS_OK);
	ck_assert_int_eq(m.kind, NTS_NMEA_ZDA);
	ck_assert_int_eq(m.nsec, 123456789);
	ck_assert_int_eq(m.year * 10000 + m.month * 100 + m.day, 20280229);
	/* lower-case hex checksum is accepted too */
	char lc[128];
	snprintf(lc, sizeof lc, "%s", nmea("GPZDA,010203,01,01,2030,00,00"));
	for (char *p = strchr(lc, '*'); *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	ck_assert_int_eq(parse(lc, &m), NTS_OK);
}
END_TEST

static const struct {
	const char *line;   /* NULL body marker: use raw */
	bool raw;
	int want;
} bad_nmea[] = {
	{ "GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A", true, NTS_E_NMEA_SYNTAX },
	{ "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B", true, NTS_E_NMEA_CHECKSUM },
	{ "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", true, NTS_E_NMEA_CHECKSUM },
	{ "$GPRMC,123519,A,,,,,,,230394,,*G1", true, NTS_E_NMEA_CHECKSUM },
	{ "$GPRMC,1*23519,A,,,,,,,230394,,*00", true, NTS_E_NMEA_SYNTAX },
	{ "GPRMC,123519,A,,,,,,,230394,,*00", true, NTS_E_NMEA_SYNTAX },
	{ "$GP\x01RMC*00", true, NTS_E_NMEA_SYNTAX },
	{ "$*00", true, NTS_E_NMEA_SYNTAX },
	{ "", true, NTS_E_NMEA_SYNTAX },
	{ "GPRMC,123519,V,,,,,,,230394,,", false, NTS_E_NMEA_NOFIX },
	{ "GPRMC,123519,A,,,,,,,230394,,,N", false, NTS_E_NMEA_NOFIX },
	{ "GPRMC,,A,,,,,,,230394,,", false, NTS_E_NMEA_NOFIX },
	{ "GPRMC,123519,X,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,123519,A,,,,,,,300294,,", false, NTS_E_NMEA_FIELD },   /* 30 February */
	{ "GPRMC,123519,A,,,,,,,290223,,", false, NTS_E_NMEA_FIELD },   /* 2023 is not leap */
	{ "GPRMC,123519,A,,,,,,,23039,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,243519,A,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,126019,A,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,123561,A,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,12351,A,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,123519.,A,,,,,,,230394,,", false, NTS_OK },   /* empty fraction: 0 */
	{ "GPRMC,123519.1234567890,A,,,,,,,230394,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,123519,A,,,,,,", false, NTS_E_NMEA_FIELD },
	{ "GPRMC,235960,A,,,,,,,311216,,", false, NTS_E_NMEA_LEAP },
	{ "GPGGA,123519,,,,,0,,,,,,,,", false, NTS_E_NMEA_NOFIX },
	{ "GPGGA,123519,,,,,,,,,,,,,", false, NTS_E_NMEA_NOFIX },
	{ "GPGGA,123519,,,,,x,,,,,,,,", false, NTS_E_NMEA_FIELD },
	{ "GPZDA,123519,,,,,", false, NTS_E_NMEA_NOFIX },
	{ "GPZDA,123519,1,1,2024,,", false, NTS_E_NMEA_FIELD },
	{ "GPZDA,123519,01,01,1970,,", false, NTS_E_NMEA_FIELD },
	{ "GPGSV,3,1,11,03,03,111,00", false, NTS_E_NMEA_UNSUPP },
	{ "PGRMZ,246,f,3", false, NTS_E_NMEA_UNSUPP },
	{ "GPRM,123519", false, NTS_E_NMEA_SYNTAX },
	{ "gprmc,123519,A,,,,,,,230394,,", false, NTS_E_NMEA_SYNTAX },
	{ "GPRMC,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", false, NTS_E_NMEA_SYNTAX },   /* too many fields */
};

START_TEST(nmea_rejects)
{
	struct nts_nmea m;
	const char *line = bad_nmea[_i].raw ? bad_nmea[_i].line : nmea(bad_nmea[_i].line);
	int rc = parse(line, &m);
	ck_assert_msg(rc == bad_nmea[_i].want, "%s: got %s, want %s", line, nts_errname(rc),
		      nts_errname(bad_nmea[_i].want));
}
END_TEST

START_TEST(nmea_too_long)
{
	char big[10240];
	memset(big, 'A', sizeof big);
	big[0] = '$';
	struct nts_nmea m;
	ck_assert_int_eq(nts_nmea_parse(big, sizeof big, &m), NTS_E_NMEA_LONG);
	ck_assert_int_eq(nts_nmea_parse(big, NTS_NMEA_MAX_LINE + 1, &m), NTS_E_NMEA_LONG);
}
END_TEST

START_TEST(nmea_time)
{
	struct nts_nmea m;
	int64_t s;
	int32_t ns;
	ck_assert_int_eq(nts_nmea_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(nts_nmea_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(nts_nmea_days_from_civil(1969, 12, 31), -1);
	/* 2024-12-31 23:59:59.25 UTC = 1735689599.25 */
	ck_assert_int_eq(parse(nmea("GNRMC,235959.25,A,,,,,,,311224,,,A"), &m), NTS_OK);
	ck_assert_int_eq(nts_nmea_time(&m, 0, &s, &ns), NTS_OK);
	ck_assert_int_eq(s, 1735689599);
	ck_assert_int_eq(ns, 250000000);
	/* 2028-02-29 01:02:03 = 1835398923 */
	ck_assert_int_eq(parse(nmea("GPZDA,010203,29,02,2028,00,00"), &m), NTS_OK);
	ck_assert_int_eq(nts_nmea_time(&m, 0, &s, &ns), NTS_OK);
	ck_assert_int_eq(s, 1835398923);
	/* GGA has no date: nearest day to the local clock, across midnight
	 * both ways */
	ck_assert_int_eq(parse(nmea("GPGGA,235959.5,,,,,1,,,,,,,,"), &m), NTS_OK);
	ck_assert_int_eq(nts_nmea_time(&m, 1735689600 + 1, &s, &ns), NTS_OK);   /* local just past midnight */
	ck_assert_int_eq(s, 1735689599);
	ck_assert_int_eq(ns, 500000000);
	ck_assert_int_eq(parse(nmea("GPGGA,000001,,,,,2,,,,,,,,"), &m), NTS_OK);
	ck_assert_int_eq(nts_nmea_time(&m, 1735689599, &s, &ns), NTS_OK);       /* local just before */
	ck_assert_int_eq(s, 1735689601);
	ck_assert_int_eq(nts_nmea_time(&m, 1735689600 + 3600, &s, &ns), NTS_OK);
	ck_assert_int_eq(s, 1735689601);
}
END_TEST

struct lines {
	char text[16][NTS_NMEA_MAX_LINE + 1];
	int err[16];
	int n;
};

static void on_line(void *arg, const char *line, size_t len, int err)
{
	struct lines *l = arg;
	ck_assert_int_lt(l->n, 16);
	ck_assert_uint_le(len, NTS_NMEA_MAX_LINE);
	memcpy(l->text[l->n], line, len);
	l->text[l->n][len] = '\0';
	l->err[l->n++] = err;
}

START_TEST(nmea_framer)
{
	struct nts_nmea_framer f;
	struct lines l = { .n = 0 };
	nts_nmea_framer_init(&f);
	const char *in = "$A,1*00\r\n$B,2*00\n\n$C,3";
	/* one octet at a time: framing must not depend on read boundaries */
	for (const char *p = in; *p; p++)
		nts_nmea_framer_feed(&f, (const uint8_t *)p, 1, on_line, &l);
	ck_assert_int_eq(l.n, 2);
	nts_nmea_framer_feed(&f, (const uint8_t *)"*00\r", 4, on_line, &l);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.text[0], "$A,1*00");
	ck_assert_str_eq(l.text[1], "$B,2*00");
	ck_assert_str_eq(l.text[2], "$C,3*00");

	/* 10 kB of garbage is reported once, then a good line follows */
	static uint8_t big[10240];
	memset(big, 'x', sizeof big);
	l.n = 0;
	nts_nmea_framer_feed(&f, big, sizeof big, on_line, &l);
	nts_nmea_framer_feed(&f, big, sizeof big, on_line, &l);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.err[0], NTS_E_NMEA_LONG);
	nts_nmea_framer_feed(&f, (const uint8_t *)"\n$D*00\n", 7, on_line, &l);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.text[1], "$D*00");
	ck_assert_int_eq(l.err[1], NTS_OK);

	/* "$" resynchronises inside a line and inside an overlong one */
	l.n = 0;
	nts_nmea_framer_feed(&f, (const uint8_t *)"noise$E*00\n", 11, on_line, &l);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.text[0], "noise");
	ck_assert_str_eq(l.text[1], "$E*00");
	l.n = 0;
	nts_nmea_framer_feed(&f, big, 500, on_line, &l);
	nts_nmea_framer_feed(&f, (const uint8_t *)"$F*00\n", 6, on_line, &l);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.err[0], NTS_E_NMEA_LONG);
	ck_assert_str_eq(l.text[1], "$F*00");
}
END_TEST

/* ---- SHM */

START_TEST(shm_decode_modes)
{
	uint8_t seg[NTS_SHM_SIZE];
	struct nts_shm_sample s;
	nts_shm_encode(seg, 1, 7, 1700000000, 250000123, 1700000000, 249000000, 0, -20);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_OK);
	ck_assert(s.nsec_used);
	ck_assert_int_eq(s.clock_nsec, 250000123);
	ck_assert(fabs(s.offset - 0.001000123) < 1e-12);
	ck_assert_int_eq(s.precision, -20);
	/* mode 1: count moved while reading */
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 8, &s), NTS_E_SHM_TORN);
	/* mode 0 ignores count */
	nts_shm_encode(seg, 0, 7, 1700000001, 0, 1700000000, 500000000, 1, -10);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 99, &s), NTS_OK);
	ck_assert(fabs(s.offset - 0.5) < 1e-12);
	ck_assert_int_eq(s.leap, 1);
	ck_assert_int_eq(s.mode, 0);
	/* too short a copy */
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg - 1, 7, &s), NTS_E_SHM_SHORT);
}
END_TEST

static void put_int(uint8_t *seg, size_t off, int v)
{
	memcpy(seg + off, &v, sizeof v);
}

START_TEST(shm_decode_nonsense)
{
	uint8_t seg[NTS_SHM_SIZE];
	struct nts_shm_sample s;
	const size_t valid = offsetof(struct nts_shm_time, valid);
	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 0, -20);
	put_int(seg, valid, 0);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_EMPTY);

	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 0, -20);
	put_int(seg, offsetof(struct nts_shm_time, mode), 2);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_MODE);

	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 0, -20);
	put_int(seg, offsetof(struct nts_shm_time, clockTimeStampUSec), 1000000);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_RANGE);

	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 0, -20);
	put_int(seg, offsetof(struct nts_shm_time, receiveTimeStampUSec), -1);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_RANGE);

	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 4, -20);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_RANGE);

	nts_shm_encode(seg, 1, 7, 0, 0, 1700000000, 0, 0, -20);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_E_SHM_RANGE);

	/* nanoseconds that disagree with the microseconds (an old writer
	 * leaving stale values) are ignored in favour of the microseconds */
	nts_shm_encode(seg, 1, 7, 1700000000, 123456000, 1700000000, 0, 0, -20);
	put_int(seg, offsetof(struct nts_shm_time, clockTimeStampNSec), 999999999);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_OK);
	ck_assert(!s.nsec_used);
	ck_assert_int_eq(s.clock_nsec, 123456000);
	/* a nonsense precision is replaced, not trusted */
	nts_shm_encode(seg, 1, 7, 1700000000, 0, 1700000000, 0, 0, 77);
	ck_assert_int_eq(nts_shm_decode(seg, sizeof seg, 7, &s), NTS_OK);
	ck_assert_int_eq(s.precision, -20);
}
END_TEST

/* ---- chrony SOCK */

START_TEST(refsock_decode)
{
	uint8_t d[NTS_REFSOCK_SIZE + 1];
	struct nts_refsock_sample s;
	ck_assert_uint_eq(NTS_REFSOCK_SIZE, sizeof(struct timeval) + sizeof(double) + 4 * sizeof(int));
	nts_refsock_encode(d, 1700000000, 999999, -0.125, false, 1);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_OK);
	ck_assert_int_eq(s.sec, 1700000000);
	ck_assert_int_eq(s.nsec, 999999000);
	ck_assert(s.offset == -0.125);
	ck_assert_int_eq(s.leap, 1);
	ck_assert(!s.pulse);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE - 1, &s), NTS_E_SOCK_SIZE);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE + 1, &s), NTS_E_SOCK_SIZE);
	nts_refsock_encode(d, 1700000000, 0, 0.5, true, 0);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_OK);
	ck_assert(s.pulse);
	d[offsetof(struct nts_refsock_wire, magic)] ^= 1;
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_E_SOCK_MAGIC);
	nts_refsock_encode(d, 1700000000, 1000000, 0.5, false, 0);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_E_SOCK_RANGE);
	nts_refsock_encode(d, 1700000000, 0, NAN, false, 0);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_E_SOCK_RANGE);
	nts_refsock_encode(d, 1700000000, 0, 2e6, false, 0);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_E_SOCK_RANGE);
	nts_refsock_encode(d, 1700000000, 0, 0.0, false, 3);
	ck_assert_int_eq(nts_refsock_decode(d, NTS_REFSOCK_SIZE, &s), NTS_E_SOCK_RANGE);
}
END_TEST

/* ---- PPS */

START_TEST(pps_edges)
{
	struct nts_pps_state st = { 0 };
	struct nts_pps_info in = { .assert_ts = { 1700000000, 999000000 }, .assert_seq = 5,
				   .clear_ts = { 1700000001, 100000000 }, .clear_seq = 9 };
	struct nts_pps_ts now = { 1700000001, 200000000 };
	struct nts_pps_result r;
	/* local clock 1 ms slow: the edge at .999 is second ...001 */
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_OK);
	ck_assert(fabs(r.offset - 0.001) < 1e-12);
	/* the same edge again is not a new pulse */
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_E_PPS_NOEDGE);
	/* a coarse source 0.3 s off still numbers the right second */
	in.assert_seq = 6;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, -0.3, &r), NTS_OK);
	ck_assert(fabs(r.offset - 0.001) < 1e-12);
	/* a coarse source that is 5 s off moves the whole seconds */
	in.assert_seq = 7;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 5.002, &r), NTS_OK);
	ck_assert(fabs(r.offset - 5.001) < 1e-9);
	/* half a second off: cannot tell which second */
	in.assert_seq = 8;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.5, &r), NTS_E_PPS_AMBIGUOUS);
	/* the clear edge at .1: local clock 100 ms fast */
	struct nts_pps_state st2 = { 0 };
	ck_assert_int_eq(nts_pps_edge_offset(&st2, &in, NTS_PPS_CLEAR, now, 0.0, &r), NTS_OK);
	ck_assert(fabs(r.offset + 0.1) < 1e-12);
	ck_assert_int_eq(r.edge.sec, 1700000001);
}
END_TEST

START_TEST(pps_bad_edges)
{
	struct nts_pps_state st = { 0 };
	struct nts_pps_info in = { .assert_ts = { 0, 0 }, .assert_seq = 0 };
	struct nts_pps_ts now = { 1700000010, 0 };
	struct nts_pps_result r;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_E_PPS_RANGE);
	/* an old edge: the pulse stopped */
	in.assert_ts = (struct nts_pps_ts){ 1700000005, 0 };
	in.assert_seq = 1;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_E_PPS_STALE);
	/* an edge in the future */
	in.assert_ts = (struct nts_pps_ts){ 1700000011, 0 };
	in.assert_seq = 2;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_E_PPS_RANGE);
	in.assert_ts = (struct nts_pps_ts){ 1700000009, 1000000000 };
	in.assert_seq = 3;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, 0.0, &r), NTS_E_PPS_RANGE);
	in.assert_ts = (struct nts_pps_ts){ 1700000009, 500000000 };
	in.assert_seq = 4;
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, NTS_PPS_ASSERT, now, NAN, &r), NTS_E_PPS_RANGE);
	ck_assert_int_eq(nts_pps_edge_offset(&st, &in, (enum nts_pps_edge)7, now, 0.0, &r), NTS_E_INVAL);
}
END_TEST

Suite *refclock_suite(void)
{
	Suite *s = suite_create("refclock");
	TCase *t = tcase_create("nmea");
	tcase_add_test(t, nmea_known_sentences);
	tcase_add_test(t, nmea_fractions_and_talkers);
	tcase_add_loop_test(t, nmea_rejects, 0, (int)(sizeof bad_nmea / sizeof bad_nmea[0]));
	tcase_add_test(t, nmea_too_long);
	tcase_add_test(t, nmea_time);
	tcase_add_test(t, nmea_framer);
	suite_add_tcase(s, t);
	t = tcase_create("shm");
	tcase_add_test(t, shm_decode_modes);
	tcase_add_test(t, shm_decode_nonsense);
	suite_add_tcase(s, t);
	t = tcase_create("sock");
	tcase_add_test(t, refsock_decode);
	suite_add_tcase(s, t);
	t = tcase_create("pps");
	tcase_add_test(t, pps_edges);
	tcase_add_test(t, pps_bad_edges);
	suite_add_tcase(s, t);
	return s;
}
