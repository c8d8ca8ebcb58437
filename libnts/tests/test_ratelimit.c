/* Unit tests: per-address rate limits (ratelimit.c), prefix access control
 * (acl.c) and log throttling (throttle.c). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/acl.h"
#include "nts/err.h"
#include "nts/ratelimit.h"
#include "nts/throttle.h"
#include "suites.h"

#define SEC 1000000LL

static const uint8_t A[4] = { 127, 0, 0, 2 }, B[4] = { 127, 0, 0, 3 };

static struct nts_rl *mk(int interval, unsigned burst, unsigned leak, bool kod, unsigned entries)
{
	struct nts_rl_config c = NTS_RL_CONFIG_DEFAULT;
	c.interval = interval;
	c.burst = burst;
	c.leak = leak;
	c.kod = kod;
	c.entries = entries;
	struct nts_rl *rl = NULL;
	ck_assert_int_eq(nts_rl_new(&c, 42, &rl), NTS_OK);
	return rl;
}

START_TEST(rl_burst_then_rate)
{
	/* interval 0 (1/s), burst 4: four at once, then one per second */
	struct nts_rl *rl = mk(0, 4, 0, false, 64);
	int64_t t = 1000 * SEC;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(nts_rl_check(rl, A, 4, t), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, t), NTS_RL_DROP);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, t + SEC / 2), NTS_RL_DROP);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, t + SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, t + SEC), NTS_RL_DROP);
	/* another address is not affected */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(nts_rl_check(rl, B, 4, t + SEC), NTS_RL_PASS);
	/* quiet for long: the whole burst again */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(nts_rl_check(rl, A, 4, t + 100 * SEC), NTS_RL_PASS);
	struct nts_rl_stats st;
	nts_rl_get_stats(rl, &st);
	ck_assert_uint_eq(st.passed, 13);
	ck_assert_uint_eq(st.dropped, 3);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_flood_share)
{
	/* a flood of 1000 requests per second for 10 s from one address gets
	 * burst + 10 answers at interval 0; a polite neighbour gets all */
	struct nts_rl *rl = mk(0, 8, 0, true, 64);
	int64_t t = 5 * SEC;
	unsigned pass = 0, kod = 0, polite = 0;
	for (int i = 0; i < 10000; i++) {
		int64_t now = t + i * (SEC / 1000);
		enum nts_rl_verdict v = nts_rl_check(rl, A, 4, now);
		pass += v == NTS_RL_PASS;
		kod += v == NTS_RL_KOD;
		if (i % 1000 == 0)
			polite += nts_rl_check(rl, B, 4, now) == NTS_RL_PASS;
	}
	ck_assert_uint_le(pass, 8 + 10);
	ck_assert_uint_ge(pass, 8 + 9);
	/* one kiss per interval, not one per request */
	ck_assert_uint_ge(kod, 9);
	ck_assert_uint_le(kod, 11);
	ck_assert_uint_eq(polite, 10);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_leak)
{
	/* leak 2: about one in four limited requests passes */
	struct nts_rl *rl = mk(3, 1, 2, false, 64);
	unsigned pass = 0;
	for (int i = 0; i < 4000; i++)
		pass += nts_rl_check(rl, A, 4, 10 * SEC) == NTS_RL_PASS;
	ck_assert_uint_gt(pass, 800);
	ck_assert_uint_lt(pass, 1200);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_min_gap)
{
	struct nts_rl_config c = NTS_RL_CONFIG_DEFAULT;
	c.interval = 0;
	c.burst = 8;
	c.leak = 0;
	c.min_gap = 2;
	struct nts_rl *rl = NULL;
	ck_assert_int_eq(nts_rl_new(&c, 1, &rl), NTS_OK);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, 10 * SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, 11 * SEC), NTS_RL_DROP);
	ck_assert_int_eq(nts_rl_check(rl, A, 4, 12 * SEC), NTS_RL_PASS);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_fixed_memory_eviction)
{
	/* 16 entries, 10000 addresses: the table never grows, the stalest
	 * entry is reused, and a returning address starts fresh */
	struct nts_rl *rl = mk(0, 1, 0, false, 16);
	uint8_t a[4] = { 10, 0, 0, 0 };
	for (int i = 0; i < 10000; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		ck_assert_int_eq(nts_rl_check(rl, a, 4, SEC + i), NTS_RL_PASS);
	}
	struct nts_rl_stats st;
	nts_rl_get_stats(rl, &st);
	ck_assert_uint_ge(st.evicted, 10000 - 16);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_ipv6_prefix)
{
	/* two addresses in one /64 are one client */
	struct nts_rl *rl = mk(0, 1, 0, false, 64);
	uint8_t x[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t y[16];
	memcpy(y, x, 16);
	y[15] = 2;
	ck_assert_int_eq(nts_rl_check(rl, x, 16, SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_check(rl, y, 16, SEC), NTS_RL_DROP);
	y[7] = 2;   /* another /64 */
	ck_assert_int_eq(nts_rl_check(rl, y, 16, SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_check(rl, x, 3, SEC), NTS_RL_DROP);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_bad_config)
{
	struct nts_rl_config c = NTS_RL_CONFIG_DEFAULT;
	struct nts_rl *rl = (struct nts_rl *)&c;
	c.burst = 0;
	ck_assert_int_eq(nts_rl_new(&c, 1, &rl), NTS_E_CONF);
	ck_assert_ptr_null(rl);
	c.burst = 1;
	c.interval = 13;
	ck_assert_int_eq(nts_rl_new(&c, 1, &rl), NTS_E_CONF);
}
END_TEST

START_TEST(rl_conns)
{
	struct nts_rl_config c = NTS_RL_CONFIG_DEFAULT;
	c.interval = -6;
	c.burst = 1000;
	c.max_conns = 3;
	c.entries = 4;
	struct nts_rl *rl = NULL;
	ck_assert_int_eq(nts_rl_new(&c, 7, &rl), NTS_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_DROP);
	ck_assert_uint_eq(nts_rl_conns(rl, A, 4), 3);
	nts_rl_conn_close(rl, A, 4);
	ck_assert_uint_eq(nts_rl_conns(rl, A, 4), 2);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_PASS);
	/* an address with open connections is never evicted: other addresses
	 * churn through the remaining ways */
	uint8_t o[4] = { 10, 1, 0, 0 };
	for (int i = 0; i < 100; i++) {
		o[3] = (uint8_t)i;
		nts_rl_check(rl, o, 4, SEC + i);
	}
	ck_assert_uint_eq(nts_rl_conns(rl, A, 4), 3);
	struct nts_rl_stats st;
	nts_rl_get_stats(rl, &st);
	ck_assert_uint_eq(st.conn_refused, 1);
	nts_rl_free(rl);
}
END_TEST

START_TEST(rl_conn_rate)
{
	/* 2 handshakes per second (interval -1), burst 2 */
	struct nts_rl_config c = NTS_RL_CONFIG_DEFAULT;
	c.interval = -1;
	c.burst = 2;
	c.leak = 0;
	struct nts_rl *rl = NULL;
	ck_assert_int_eq(nts_rl_new(&c, 7, &rl), NTS_OK);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_PASS);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC), NTS_RL_DROP);
	ck_assert_int_eq(nts_rl_conn_open(rl, A, 4, SEC + SEC / 2), NTS_RL_PASS);
	nts_rl_free(rl);
}
END_TEST

START_TEST(acl_rules)
{
	struct nts_acl acl;
	uint8_t a[16];
	unsigned p;
	nts_acl_init(&acl, 0);
	ck_assert_int_eq(nts_acl_parse("10.0.0.0/8", NULL, a, &p), NTS_OK);
	ck_assert_uint_eq(p, 104);
	ck_assert_int_eq(nts_acl_add(&acl, a, p, NTS_ACL_DENY), NTS_OK);
	ck_assert_int_eq(nts_acl_parse("10.1.0.0", "255.255.0.0", a, &p), NTS_OK);
	ck_assert_uint_eq(p, 112);
	ck_assert_int_eq(nts_acl_add(&acl, a, p, NTS_ACL_LIMITED | NTS_ACL_KOD), NTS_OK);
	ck_assert_int_eq(nts_acl_parse("2001:db8::/32", NULL, a, &p), NTS_OK);
	ck_assert_int_eq(nts_acl_add(&acl, a, p, NTS_ACL_DENY), NTS_OK);
	const uint8_t in10[4] = { 10, 9, 9, 9 }, in101[4] = { 10, 1, 2, 3 }, other[4] = { 192, 0, 2, 1 };
	ck_assert_uint_eq(nts_acl_lookup(&acl, in10, 4), NTS_ACL_DENY);
	ck_assert_uint_eq(nts_acl_lookup(&acl, in101, 4), NTS_ACL_LIMITED | NTS_ACL_KOD);
	ck_assert_uint_eq(nts_acl_lookup(&acl, other, 4), 0);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1 };
	ck_assert_uint_eq(nts_acl_lookup(&acl, v6, 16), NTS_ACL_DENY);
	v6[3] = 0xb9;
	ck_assert_uint_eq(nts_acl_lookup(&acl, v6, 16), 0);
	/* the same prefix again replaces the rule */
	ck_assert_int_eq(nts_acl_parse("10.0.0.0/8", NULL, a, &p), NTS_OK);
	ck_assert_int_eq(nts_acl_add(&acl, a, p, 0), NTS_OK);
	ck_assert_uint_eq(nts_acl_lookup(&acl, in10, 4), 0);
	ck_assert_uint_eq(acl.n, 3);
}
END_TEST

START_TEST(acl_parse_errors)
{
	uint8_t a[16];
	unsigned p;
	const char *bad[] = { "", "10.0.0.0/33", "10.1.2.3/8", "foo", "10.0.0.0/", "::1/129",
			      "10.0.0.0/x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(nts_acl_parse(bad[i], NULL, a, &p) == NTS_E_CONF, "%s accepted", bad[i]);
	ck_assert_int_eq(nts_acl_parse("10.0.0.0", "255.0.255.0", a, &p), NTS_E_CONF);
	ck_assert_int_eq(nts_acl_parse("10.0.0.0/8", "255.0.0.0", a, &p), NTS_E_CONF);
	ck_assert_int_eq(nts_acl_parse("::1", "255.0.0.0", a, &p), NTS_E_CONF);
	ck_assert_int_eq(nts_acl_parse("::/0", NULL, a, &p), NTS_OK);
	ck_assert_uint_eq(p, 0);
	/* ::/0 is every IPv6 client, not the IPv4 ones */
	struct nts_acl acl;
	nts_acl_init(&acl, NTS_ACL_LIMITED);
	ck_assert_int_eq(nts_acl_add(&acl, a, p, NTS_ACL_DENY), NTS_OK);
	const uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 1 };
	ck_assert_uint_eq(nts_acl_lookup(&acl, v4, 4), NTS_ACL_LIMITED);
	ck_assert_uint_eq(nts_acl_lookup(&acl, v6, 16), NTS_ACL_DENY);
}
END_TEST

START_TEST(throttle_summary)
{
	struct nts_throttle t;
	uint64_t held;
	nts_throttle_init(&t, 10000, 3);
	unsigned logged = 0;
	for (int i = 0; i < 1000; i++) {
		logged += nts_throttle_allow(&t, 1000 + i, &held);
		ck_assert_uint_eq(held, 0);
	}
	ck_assert_uint_eq(logged, 3);
	ck_assert_uint_eq(nts_throttle_flush(&t, 5000), 0);   /* window still open */
	ck_assert_uint_eq(nts_throttle_flush(&t, 11000), 997);
	ck_assert_uint_eq(nts_throttle_flush(&t, 30000), 0);
	/* the next window: the summary comes with the first line */
	for (int i = 0; i < 5; i++)
		nts_throttle_allow(&t, 40000, &held);
	ck_assert(nts_throttle_allow(&t, 60000, &held));
	ck_assert_uint_eq(held, 2);
}
END_TEST

Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, rl_burst_then_rate);
	tcase_add_test(tc, rl_flood_share);
	tcase_add_test(tc, rl_leak);
	tcase_add_test(tc, rl_min_gap);
	tcase_add_test(tc, rl_fixed_memory_eviction);
	tcase_add_test(tc, rl_ipv6_prefix);
	tcase_add_test(tc, rl_bad_config);
	tcase_add_test(tc, rl_conns);
	tcase_add_test(tc, rl_conn_rate);
	tcase_add_test(tc, acl_rules);
	tcase_add_test(tc, acl_parse_errors);
	tcase_add_test(tc, throttle_summary);
	suite_add_tcase(s, tc);
	return s;
}
