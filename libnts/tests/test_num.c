/* Unit tests: num.c (checked number parsing) and hostport.c (HOST[:PORT]). */
#include <config.h>

#include <string.h>

#include "nts/err.h"
#include "nts/hostport.h"
#include "nts/num.h"
#include "suites.h"

START_TEST(uint_good)
{
	uint64_t v = 0;
	ck_assert_int_eq(nts_num_uint("0", 0, 10, &v, NULL, 0), NTS_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nts_num_uint("65535", 1, 65535, &v, NULL, 0), NTS_OK);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(nts_num_uint("0x1f", 0, 100, &v, NULL, 0), NTS_OK);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(nts_num_uint("18446744073709551615", 0, UINT64_MAX, &v, NULL, 0), NTS_OK);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(nts_num_uint("007", 0, 10, &v, NULL, 0), NTS_OK);
	ck_assert_uint_eq(v, 7);
}
END_TEST

/* Garbage, signs, blanks and overflow are refused with a reason, and *out
 * is left alone. */
START_TEST(uint_bad)
{
	static const struct {
		const char *s;
		const char *why;
	} bad[] = {
		{ "", "is not a number" }, { "12x", "is not a number" }, { "-1", "is not a number" },
		{ "+5", "is not a number" }, { " 5", "is not a number" }, { "5 ", "is not a number" },
		{ "x", "is not a number" }, { "0x", "is not a number" }, { "1.5", "is not a number" },
		{ "0xg", "is not a number" },
		{ "65536", "is out of range (1 to 65535)" }, { "0", "is out of range (1 to 65535)" },
		{ "18446744073709551616", "is out of range" },
		{ "99999999999999999999999", "is out of range" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 42;
		char why[128] = "";
		ck_assert_msg(nts_num_uint(bad[i].s, 1, 65535, &v, why, sizeof why) == NTS_E_INVAL,
			      "\"%s\" accepted", bad[i].s);
		ck_assert_uint_eq(v, 42);
		ck_assert_msg(strstr(why, bad[i].why) != NULL, "\"%s\": %s", bad[i].s, why);
		ck_assert_msg(strstr(why, bad[i].s) != NULL, "\"%s\" not named: %s", bad[i].s, why);
	}
	uint64_t v;
	ck_assert_int_eq(nts_num_uint(NULL, 0, 1, &v, NULL, 0), NTS_E_INVAL);
}
END_TEST

START_TEST(double_parse)
{
	double d = 0;
	ck_assert_int_eq(nts_num_double("0.25", 0, 1, &d, NULL, 0), NTS_OK);
	ck_assert(d == 0.25);
	ck_assert_int_eq(nts_num_double("-1.5", -2, 0, &d, NULL, 0), NTS_OK);
	ck_assert(d == -1.5);
	ck_assert_int_eq(nts_num_double("1e3", 0, 1e4, &d, NULL, 0), NTS_OK);
	ck_assert(d == 1000);
	ck_assert_int_eq(nts_num_double(".5", 0, 1, &d, NULL, 0), NTS_OK);
	static const char *const bad[] = { "", "abc", "1.5s", "inf", "nan", "0x10", " 1", "1e999",
					   "-", "2", "-0.5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char why[128] = "";
		d = 7;
		ck_assert_msg(nts_num_double(bad[i], 0, 1.5, &d, why, sizeof why) == NTS_E_INVAL,
			      "\"%s\" accepted", bad[i]);
		ck_assert(d == 7);
		ck_assert(why[0] != '\0');
	}
}
END_TEST

START_TEST(hostport_good)
{
	static const struct {
		const char *s, *host;
		uint16_t port;
	} good[] = {
		{ "example.org", "example.org", 0 },
		{ "example.org:4460", "example.org", 4460 },
		{ "192.0.2.1:123", "192.0.2.1", 123 },
		{ "[2001:db8::1]:4460", "2001:db8::1", 4460 },
		{ "[::1]", "::1", 0 },
		{ "2001:db8::1", "2001:db8::1", 0 },
		{ "::1", "::1", 0 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char host[64];
		uint16_t port = 99;
		ck_assert_msg(nts_hostport_parse(good[i].s, host, sizeof host, &port, NULL, 0) == NTS_OK,
			      "%s refused", good[i].s);
		ck_assert_str_eq(host, good[i].host);
		ck_assert_uint_eq(port, good[i].port);
	}
}
END_TEST

START_TEST(hostport_bad)
{
	static const char *const bad[] = {
		"", ":123", "host:", "host:0", "host:65536", "host:12x", "host:-1", "[::1", "[::1]x",
		"[]:123", "[::1]:", "a b:1", "host]:1", "tab\there",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char host[64], why[256] = "";
		uint16_t port;
		ck_assert_msg(nts_hostport_parse(bad[i], host, sizeof host, &port, why, sizeof why) ==
				      NTS_E_INVAL, "\"%s\" accepted", bad[i]);
		ck_assert_msg(strstr(why, "bad address") != NULL || strstr(why, "bad port") != NULL,
			      "%s: %s", bad[i], why);
		ck_assert_msg(strstr(why, bad[i]) != NULL, "%s not named: %s", bad[i], why);
	}
	char h[16], why[256];
	uint16_t p;
	ck_assert_int_eq(nts_hostport_parse("h:70000", h, sizeof h, &p, why, sizeof why), NTS_E_INVAL);
	ck_assert_str_eq(why, "bad port \"70000\" in \"h:70000\" (want 1 to 65535)");
	char small[4];
	uint16_t port;
	ck_assert_int_eq(nts_hostport_parse("example.org", small, sizeof small, &port, NULL, 0),
			 NTS_E_INVAL);
}
END_TEST

Suite *num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("num");
	tcase_add_test(tc, uint_good);
	tcase_add_test(tc, uint_bad);
	tcase_add_test(tc, double_parse);
	tcase_add_test(tc, hostport_good);
	tcase_add_test(tc, hostport_bad);
	suite_add_tcase(s, tc);
	return s;
}
