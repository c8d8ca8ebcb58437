/* Unit tests: ntp.conf-style tokenizer (libnts/conf.c). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/conf.h"
#include "nts/err.h"
#include "suites.h"

/* Join a directive's words with '|' so a table can state the expectation. */
static void join(const struct nts_conf_line *l, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < l->argc; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "|" : "", l->argv[i]);
}

/* Run the tokenizer over text; record "LINE:words" per directive and "E:msg"
 * per error, separated by ';'. */
static void run(const char *text, size_t len, char *out, size_t cap)
{
	static struct nts_conf c;   /* large: keep it off the stack */
	struct nts_conf_line l;
	nts_conf_init(&c, "t.conf", text, len);
	size_t n = 0;
	out[0] = '\0';
	for (int guard = 0; guard < 100; guard++) {
		int rc = nts_conf_next(&c, &l);
		if (rc == 0)
			return;
		char words[512];
		if (rc == 1) {
			join(&l, words, sizeof words);
			n += (size_t)snprintf(out + n, cap - n, "%u:%s;", l.lineno, words);
		} else {
			ck_assert_int_eq(rc, NTS_E_CONF);
			n += (size_t)snprintf(out + n, cap - n, "E:%s;", c.err);
		}
	}
	ck_abort_msg("tokenizer did not end");
}

static const struct {
	const char *text;
	const char *want;
} cases[] = {
	{ "", "" },
	{ "\n\n   \n# only a comment\n", "" },
	{ "nts enable\n", "1:nts|enable;" },
	{ "nts enable", "1:nts|enable;" },                       /* no final newline */
	{ "  nts\tkey   /etc/k.pem  # trailing\n", "1:nts|key|/etc/k.pem;" },
	{ "a\n\nb c\n", "1:a;3:b|c;" },
	{ "x \"two words\" y\n", "1:x|two words|y;" },
	{ "x \"\" y\n", "1:x||y;" },
	{ "x \"a\\\"b\\\\c\"\n", "1:x|a\"b\\c;" },
	{ "x \"has # hash\"\n", "1:x|has # hash;" },
	{ "x a#b\n", "1:x|a;" },
	{ "listen ntp \\\n  127.0.0.1:123\nnext\n", "1:listen|ntp|127.0.0.1:123;3:next;" },
	{ "a\r\nb\r\n", "1:a;2:b;" },
	{ "x \"open\nnext\n", "E:t.conf:1: unterminated quote;2:next;" },
	{ "x \"open", "E:t.conf:1: unterminated quote;" },
	{ "ok\nx\\y\n", "1:ok;2:x\\y;" },
};

START_TEST(tokenize_table)
{
	char got[2048];
	run(cases[_i].text, strlen(cases[_i].text), got, sizeof got);
	ck_assert_msg(strcmp(got, cases[_i].want) == 0, "case %d: got '%s' want '%s'", _i, got,
		      cases[_i].want);
}
END_TEST

START_TEST(nul_octet_is_an_error)
{
	static const char text[] = "a\nb\0c\nd\n";
	char got[512];
	run(text, sizeof text - 1, got, sizeof got);
	ck_assert_str_eq(got, "1:a;E:t.conf:2: NUL octet in configuration text;3:d;");
}
END_TEST

START_TEST(limits)
{
	static char text[NTS_CONF_MAX_LINE * 2];
	char got[2048];
	/* too many words, then a good line: the error names line 1 only */
	size_t n = 0;
	for (int i = 0; i < NTS_CONF_MAX_ARGS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "w%d ", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "\nfine\n");
	run(text, n, got, sizeof got);
	ck_assert_str_eq(got, "E:t.conf:1: too many words on one line;2:fine;");

	/* exactly the maximum number of words is fine */
	n = 0;
	for (int i = 0; i < NTS_CONF_MAX_ARGS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s", i ? " w" : "w");
	struct nts_conf c;
	struct nts_conf_line l;
	nts_conf_init(&c, "t.conf", text, n);
	ck_assert_int_eq(nts_conf_next(&c, &l), 1);
	ck_assert_int_eq(l.argc, NTS_CONF_MAX_ARGS);

	/* one word longer than a line may be */
	memset(text, 'a', NTS_CONF_MAX_LINE + 10);
	memcpy(text + NTS_CONF_MAX_LINE + 10, "\nz\n", 3);
	run(text, NTS_CONF_MAX_LINE + 13, got, sizeof got);
	ck_assert_str_eq(got, "E:t.conf:1: line too long;2:z;");
}
END_TEST

START_TEST(error_format_and_numbers)
{
	struct nts_conf_line l = { .file = "/etc/ntsd.conf", .lineno = 42 };
	char buf[128];
	ck_assert_int_eq(nts_conf_error(&l, buf, sizeof buf, "bad %s", "thing"), NTS_E_CONF);
	ck_assert_str_eq(buf, "/etc/ntsd.conf:42: bad thing");
	/* truncation stays terminated */
	char small[10];
	nts_conf_error(&l, small, sizeof small, "xxxxxxxxxxxxxxxx");
	ck_assert_uint_lt(strlen(small), sizeof small);

	uint64_t v = 99;
	ck_assert(nts_conf_uint("0", 0, 10, &v) && v == 0);
	ck_assert(nts_conf_uint("10", 0, 10, &v) && v == 10);
	ck_assert(!nts_conf_uint("11", 0, 10, &v));
	ck_assert(!nts_conf_uint("-1", 0, 10, &v));
	ck_assert(!nts_conf_uint("+1", 0, 10, &v));
	ck_assert(!nts_conf_uint("1x", 0, 10, &v));
	ck_assert(!nts_conf_uint("", 0, 10, &v));
	ck_assert(!nts_conf_uint("99999999999999999999999", 0, UINT64_MAX, &v));
	ck_assert(nts_conf_uint("18446744073709551615", 0, UINT64_MAX, &v) && v == UINT64_MAX);
	ck_assert(!nts_conf_uint("5", 6, 10, &v));

	bool b = false;
	ck_assert(nts_conf_bool("Yes", &b) && b);
	ck_assert(nts_conf_bool("off", &b) && !b);
	ck_assert(!nts_conf_bool("maybe", &b));
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, tokenize_table, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, nul_octet_is_an_error);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, error_format_and_numbers);
	suite_add_tcase(s, tc);
	return s;
}
