/* Unit tests: common/jsonv.c (untrusted text into JSON, numbers, failures). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonv.h"
#include "common/tests/suites.h"

/* jsonv_text(in) dumped as a JSON document */
static char *dump_text(const char *in, size_t len)
{
	json_t *v = jsonv_text(in, len);
	ck_assert(v != NULL);
	char *s = json_dumps(v, JSON_ENCODE_ANY);
	ck_assert(s != NULL);
	json_decref(v);
	return s;
}

static const struct {
	const char *name;
	const char *in;
	size_t len;
	const char *out;         /* cleaned, as octets */
} clean_cases[] = {
	{"ASCII", "ntp.example", 11, "ntp.example"},
	{"valid 2, 3 and 4 octets", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x95\x90", 9,
	 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x95\x90"},
	{"lone 0xff", "a\xff" "b", 3, "a\xef\xbf\xbd" "b"},
	{"stray continuation", "\x80x", 2, "\xef\xbf\xbdx"},
	{"overlong 2 (C0 80)", "\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
	{"overlong 3 (E0 80 80)", "\xe0\x80\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	{"overlong 4 (F0 80 80 80)", "\xf0\x80\x80\x80", 4,
	 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	{"surrogate (ED A0 80)", "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	{"above U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80", 4,
	 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	{"F5 lead", "\xf5\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
	{"sequence cut by the end", "ok\xe2\x82", 4, "ok\xef\xbf\xbd\xef\xbf\xbd"},
	{"sequence cut by ASCII", "\xc3(", 2, "\xef\xbf\xbd("},
	{"largest code point kept", "\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf"},
};

START_TEST(jsonv_clean_cases)
{
	char out[64];
	size_t n = jsonv_utf8_clean(clean_cases[_i].in, clean_cases[_i].len, out);
	ck_assert_msg(n == strlen(clean_cases[_i].out) && memcmp(out, clean_cases[_i].out, n) == 0,
		      "%s", clean_cases[_i].name);
	ck_assert_int_eq(out[n], 0);
	/* and jansson takes the result: never NULL for network text */
	json_t *v = jsonv_text(clean_cases[_i].in, clean_cases[_i].len);
	ck_assert_msg(v != NULL, "%s", clean_cases[_i].name);
	ck_assert_uint_eq(json_string_length(v), n);
	ck_assert_mem_eq(json_string_value(v), clean_cases[_i].out, n);
	json_decref(v);
}
END_TEST

START_TEST(jsonv_text_nul_and_controls)
{
	/* an embedded NUL stays (as \u0000), so text after it is not lost */
	char *s = dump_text("a\0b", 3);
	ck_assert_str_eq(s, "\"a\\u0000b\"");
	free(s);
	/* controls, quote and backslash: escaped, never raw in the output */
	s = dump_text("\x1b[31m\"\\\n\t\x01\x7f", 11);
	ck_assert_str_eq(s, "\"\\u001B[31m\\\"\\\\\\n\\t\\u0001\x7f\"");
	free(s);
	/* invalid octets next to a NUL and controls, and it loads back */
	static const char hostile[] = "x\xff\0\x01\xc3\"y";
	json_t *v = jsonv_text(hostile, sizeof hostile - 1);
	ck_assert(v != NULL);
	char *doc = json_dumps(v, JSON_ENCODE_ANY);
	json_decref(v);
	json_error_t e;
	v = json_loads(doc, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	ck_assert_msg(v != NULL, "%s: %s", doc, e.text);
	static const char want[] = "x\xef\xbf\xbd\0\x01\xef\xbf\xbd\"y";
	ck_assert_uint_eq(json_string_length(v), sizeof want - 1);
	ck_assert_mem_eq(json_string_value(v), want, sizeof want - 1);
	json_decref(v);
	free(doc);
}
END_TEST

START_TEST(jsonv_str_null_and_valid)
{
	json_t *v = jsonv_str(NULL);
	ck_assert(json_is_null(v));
	json_decref(v);
	v = jsonv_str("CN=evil\x1b[31mred\xff");
	ck_assert(v != NULL);
	ck_assert_str_eq(json_string_value(v), "CN=evil\x1b[31mred\xef\xbf\xbd");
	json_decref(v);
	/* what jansson alone does with the same text: the reason for jsonv */
	ck_assert(json_string("CN=evil\x1b[31mred\xff") == NULL);
}
END_TEST

START_TEST(jsonv_numbers)
{
	json_t *v = jsonv_num(NAN);
	ck_assert(json_is_null(v));
	json_decref(v);
	v = jsonv_num(-INFINITY);
	ck_assert(json_is_null(v));
	json_decref(v);
	v = jsonv_fixed(INFINITY, 3);
	ck_assert(json_is_null(v));
	json_decref(v);
	v = jsonv_fixed(0.0001234567891234, 9);
	ck_assert(json_is_real(v));
	ck_assert(json_real_value(v) == 0.000123457);
	json_decref(v);
	v = jsonv_fixed(-12.3456, 3);
	ck_assert(json_real_value(v) == -12.346);
	json_decref(v);
	/* too large to round: kept as it is */
	v = jsonv_fixed(1e300, 9);
	ck_assert(json_real_value(v) == 1e300);
	json_decref(v);
}
END_TEST

/* a document printed by jsonv_print into a string */
static char *print(const json_t *doc, bool bad, int precision, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert(f != NULL);
	*rc = jsonv_print(f, doc, bad, precision);
	fclose(f);
	return buf;
}

START_TEST(jsonv_build_and_print)
{
	bool bad = false;
	json_t *root = json_object();
	jsonv_add(root, "schema", jsonv_str("x/1"), &bad);
	jsonv_add(root, "n", json_integer(-3), &bad);
	jsonv_add(root, "ms", jsonv_num(1.0 / 3.0), &bad);
	json_t *a = jsonv_add(root, "list", json_array(), &bad);
	jsonv_add(a, NULL, jsonv_str("b\xff"), &bad);
	jsonv_add(a, NULL, json_null(), &bad);
	jsonv_add(root, "ok", json_true(), &bad);
	ck_assert(!bad);
	int rc;
	/* members in insertion order, compact, one line */
	char *s = print(root, bad, 9, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "{\"schema\":\"x/1\",\"n\":-3,\"ms\":0.333333333,"
			    "\"list\":[\"b\xef\xbf\xbd\",null],\"ok\":true}\n");
	free(s);
	s = print(root, bad, 0, &rc);
	ck_assert(strstr(s, "\"ms\":0.33333333333333331,") != NULL);
	free(s);
	json_decref(root);
}
END_TEST

START_TEST(jsonv_failures_are_remembered)
{
	bool bad = false;
	json_t *root = json_object();
	/* a value whose allocation failed */
	ck_assert(jsonv_add(root, "lost", NULL, &bad) == NULL);
	ck_assert(bad);
	/* a container whose allocation failed: its members go nowhere, no crash */
	bad = false;
	json_t *sub = jsonv_add(root, "sub", NULL, &bad);
	ck_assert(sub == NULL);
	ck_assert(jsonv_add(sub, "x", json_integer(1), &bad) == NULL);
	ck_assert(jsonv_add(sub, NULL, jsonv_str("y"), &bad) == NULL);
	ck_assert(bad);
	/* an incomplete document is not printed as if it were whole */
	int rc;
	char *s = print(root, bad, 0, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(s, "");
	free(s);
	s = print(NULL, false, 0, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(s, "");
	free(s);
	/* adding a value to a value that is not a container */
	bad = false;
	json_t *n = jsonv_add(root, "n", json_integer(1), &bad);
	ck_assert(jsonv_add(n, "x", json_integer(2), &bad) == NULL);
	ck_assert(bad);
	json_decref(root);
}
END_TEST

Suite *jsonv_suite(void)
{
	Suite *s = suite_create("jsonv");
	TCase *tc = tcase_create("jsonv");
	tcase_add_loop_test(tc, jsonv_clean_cases, 0, (int)(sizeof clean_cases / sizeof clean_cases[0]));
	tcase_add_test(tc, jsonv_text_nul_and_controls);
	tcase_add_test(tc, jsonv_str_null_and_valid);
	tcase_add_test(tc, jsonv_numbers);
	tcase_add_test(tc, jsonv_build_and_print);
	tcase_add_test(tc, jsonv_failures_are_remembered);
	suite_add_tcase(s, tc);
	return s;
}
