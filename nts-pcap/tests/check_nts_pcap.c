/* Unit tests of nts-pcap's decoders: frames, NTP/NTS fields, KE records, pairing, findings. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts-pcap/capture.h"
#include "nts-pcap/ke.h"
#include "nts-pcap/np.h"
#include "nts-pcap/tls13.h"
#include "ptest.h"

/* ---- frames: one UDP datagram under every link type we read */

static size_t ipv4_udp(uint8_t *p, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t h[28] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2 };
	nts_put16(h + 2, (uint16_t)(28 + n));
	nts_put16(h + 20, sport);
	nts_put16(h + 22, dport);
	nts_put16(h + 24, (uint16_t)(8 + n));
	memcpy(p, h, 28);
	memcpy(p + 28, pl, n);
	return 28 + n;
}

static size_t ipv6_udp(uint8_t *p, bool ext, const uint8_t *pl, size_t n)
{
	size_t o = 40, e = ext ? 8 : 0;
	memset(p, 0, 40 + e + 8);
	p[0] = 0x60;
	nts_put16(p + 4, (uint16_t)(e + 8 + n));
	p[6] = ext ? 0 : 17;   /* hop-by-hop options first when ext */
	p[23] = 1;
	p[39] = 1;             /* ::1 -> ::1 */
	if (ext) {
		p[40] = 17;
		o += 8;
	}
	nts_put16(p + o, 5555);
	nts_put16(p + o + 2, 123);
	nts_put16(p + o + 4, (uint16_t)(8 + n));
	memcpy(p + o + 8, pl, n);
	return o + 8 + n;
}

struct link_case {
	const char *name;
	int dlt;
	uint8_t prefix[24];
	size_t plen;
	bool v6;
	int want;
};

static const struct link_case links[] = {
	{ "ethernet", 1, { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00 }, 14, false, NP_FRAME_OK },
	{ "ethernet+vlan", 1, { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 5, 0x08, 0x00 }, 18,
	  false, NP_FRAME_OK },
	{ "ethernet ipv6", 1, { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x86, 0xdd }, 14, true, NP_FRAME_OK },
	{ "ethernet arp", 1, { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x06 }, 14, false, NP_FRAME_SKIP },
	{ "linux sll", 113, { 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00 }, 16, false,
	  NP_FRAME_OK },
	{ "linux sll2", 276, { 0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6 }, 20, true, NP_FRAME_OK },
	{ "bsd null le", 0, { 2, 0, 0, 0 }, 4, false, NP_FRAME_OK },
	{ "bsd null ipv6", 0, { 30, 0, 0, 0 }, 4, true, NP_FRAME_OK },
	{ "openbsd loop", 108, { 0, 0, 0, 2 }, 4, false, NP_FRAME_OK },
	{ "raw", 12, { 0 }, 0, false, NP_FRAME_OK },
	{ "raw v6", 101, { 0 }, 0, true, NP_FRAME_OK },
	{ "ipv4 dlt", 228, { 0 }, 0, false, NP_FRAME_OK },
};

START_TEST(test_frame_links)
{
	const struct link_case *lc = &links[_i];
	uint8_t buf[256], pl[8] = "payload";
	memcpy(buf, lc->prefix, lc->plen);
	size_t n = lc->plen + (lc->v6 ? ipv6_udp(buf + lc->plen, _i % 2, pl, 7)
				      : ipv4_udp(buf + lc->plen, 5555, 123, pl, 7));
	struct np_frame f;
	const char *why;
	int rc = np_frame_decode(lc->dlt, buf, n, n, &f, &why);
	ck_assert_msg(rc == lc->want, "%s: rc %d (%s)", lc->name, rc, why);
	if (rc != NP_FRAME_OK)
		return;
	ck_assert_int_eq(f.l4, NP_L4_UDP);
	ck_assert_uint_eq(f.src.port, 5555);
	ck_assert_uint_eq(f.dst.port, 123);
	ck_assert_uint_eq(f.len, 7);
	ck_assert(memcmp(f.payload, "payload", 7) == 0);
	ck_assert_int_eq(f.src.family, lc->v6 ? 6 : 4);
	/* every shorter capture is rejected or marked truncated, never overread */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		rc = np_frame_decode(lc->dlt, copy, cut, n, &f, &why);
		ck_assert(rc != NP_FRAME_OK || f.truncated || f.len < 7);
		free(copy);
	}
}
END_TEST

START_TEST(test_frame_tcp_and_fragments)
{
	uint8_t b[80] = { 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	nts_put16(b + 20, 40000);
	nts_put16(b + 22, 4460);
	nts_put32(b + 24, 0x01020304);
	b[32] = 0x50;
	b[33] = NP_TCP_SYN | NP_TCP_ACK;
	memcpy(b + 40, "0123456789abcdefghij", 20);
	struct np_frame f;
	const char *why;
	ck_assert_int_eq(np_frame_decode(12, b, 60, 60, &f, &why), NP_FRAME_OK);
	ck_assert_int_eq(f.l4, NP_L4_TCP);
	ck_assert_uint_eq(f.seq, 0x01020304);
	ck_assert_uint_eq(f.tcp_flags, NP_TCP_SYN | NP_TCP_ACK);
	ck_assert_uint_eq(f.len, 20);
	ck_assert(memcmp(f.payload, "0123", 4) == 0);
	b[32] = 0x30;   /* data offset 12: below the minimum header */
	ck_assert_int_eq(np_frame_decode(12, b, 60, 60, &f, &why), NP_FRAME_BAD);
	b[32] = 0x50;
	b[6] = 0x20;    /* a later fragment carries no transport header */
	b[7] = 0x10;
	ck_assert_int_eq(np_frame_decode(12, b, 60, 60, &f, &why), NP_FRAME_SKIP);
	b[6] = 0x40;
	b[7] = 0;
	b[0] = 0x44;    /* IHL 16 octets */
	ck_assert_int_eq(np_frame_decode(12, b, 60, 60, &f, &why), NP_FRAME_BAD);
}
END_TEST

START_TEST(test_addr_str)
{
	static const struct {
		uint8_t ip[16];
		const char *want;
	} cases[] = {
		{ { [15] = 1 }, "[::1]:123" },
		{ { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, "[2001:db8::1]:123" },
		{ { 0xfe, 0x80, [8] = 0, 0, 0, 0, 0, 1, 0, 0 }, "[fe80::1:0]:123" },
		{ { 0x20, 0x01, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7 }, "[2001:1:2:3:4:5:6:7]:123" },
	};
	char buf[64];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct np_addr a = { .family = 6, .port = 123 };
		memcpy(a.ip, cases[i].ip, 16);
		np_addr_str(&a, true, buf, sizeof buf);
		ck_assert_str_eq(buf, cases[i].want);
	}
	struct np_addr v4 = { .family = 4, .ip = { 192, 0, 2, 7 }, .port = 4460 };
	np_addr_str(&v4, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.7:4460");
}
END_TEST

Suite *frame_suite(void);
Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *t = tcase_create("frame");
	tcase_add_loop_test(t, test_frame_links, 0, (int)(sizeof links / sizeof links[0]));
	tcase_add_test(t, test_frame_tcp_and_fragments);
	tcase_add_test(t, test_addr_str);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	srunner_add_suite(sr, ntp_decode_suite());
	srunner_add_suite(sr, ke_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
