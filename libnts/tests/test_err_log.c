/* Unit tests: error names (err.c), the log API (log.c) and counters. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nts/counters.h"
#include "nts/err.h"
#include "nts/log.h"
#include "suites.h"

/* Read the codes straight from err.h so a code added there without a name
 * in err.c fails here. Returns the count; fills codes[] and names[]. */
#define MAX_CODES 256
static size_t header_codes(int *codes, char (*names)[64])
{
	const char *path = tv_path("../libnts/nts/err.h");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof line, f) && n < MAX_CODES) {
		char name[64];
		int val;
		if (sscanf(line, " %63[A-Z0-9_] = %d ,", name, &val) == 2 &&
		    strncmp(name, "NTS_", 4) == 0) {
			codes[n] = val;
			memcpy(names[n], name, sizeof name);
			n++;
		}
	}
	fclose(f);
	return n;
}

START_TEST(every_code_named)
{
	int codes[MAX_CODES];
	char names[MAX_CODES][64];
	size_t n = header_codes(codes, names);
	ck_assert_uint_gt(n, 60);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(nts_errname(codes[i]), names[i]);
		const char *t = nts_strerror(codes[i]);
		ck_assert_msg(t && *t && strcmp(t, "unknown error") != 0,
			      "%s has no description", names[i]);
		for (size_t j = 0; j < i; j++) {
			ck_assert_int_ne(codes[i], codes[j]);
			ck_assert_str_ne(nts_strerror(codes[i]), nts_strerror(codes[j]));
		}
	}
}
END_TEST

/* Codes not in err.h: described as unknown, never NULL. */
START_TEST(unknown_codes)
{
	static const int bad[] = { 1, 42, -19, -1000, -200, 2147483647, -2147483647 - 1 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_str_eq(nts_strerror(bad[i]), "unknown error");
		ck_assert_ptr_nonnull(nts_errname(bad[i]));
	}
	ck_assert_str_eq(nts_errname(NTS_E_EF_LEN_SMALL), "NTS_E_EF_LEN_SMALL");
}
END_TEST

struct capture {
	int calls;
	int level;
	char tag[16];
	char msg[2048];
};

static void capture_sink(void *ctx, int level, const char *tag, const char *msg)
{
	struct capture *c = ctx;
	c->calls++;
	c->level = level;
	snprintf(c->tag, sizeof c->tag, "%s", tag ? tag : "(null)");
	snprintf(c->msg, sizeof c->msg, "%s", msg);
}

START_TEST(sink_sees_message)
{
	struct capture c = { 0 };
	nts_log_set_sink(capture_sink, &c);
	nts_log_set_level(NTS_LOG_INFO);
	nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "cookie %d of %s\n", 3, "eight");
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.level, NTS_LOG_WARNING);
	ck_assert_str_eq(c.tag, "NTSc");
	ck_assert_str_eq(c.msg, "cookie 3 of eight");
	nts_log(NTS_LOG_ERR, NULL, "x");
	ck_assert_str_eq(c.tag, "(null)");
	nts_log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(level_filter)
{
	static const int levels[] = { NTS_LOG_ERR, NTS_LOG_WARNING, NTS_LOG_NOTICE,
				      NTS_LOG_INFO, NTS_LOG_DEBUG };
	struct capture c = { 0 };
	nts_log_set_sink(capture_sink, &c);
	for (size_t i = 0; i < 5; i++) {
		nts_log_set_level(levels[i]);
		ck_assert_int_eq(nts_log_get_level(), levels[i]);
		for (size_t j = 0; j < 5; j++) {
			c.calls = 0;
			nts_log(levels[j], NTS_TAG_SERVER, "m");
			ck_assert_int_eq(c.calls, j <= i ? 1 : 0);
		}
	}
	nts_log_set_level(NTS_LOG_INFO);
	nts_log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(long_message_truncated)
{
	struct capture c = { 0 };
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	nts_log_set_sink(capture_sink, &c);
	nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "%s", big);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_uint_gt(strlen(c.msg), 500);
	ck_assert_uint_lt(strlen(c.msg), sizeof big - 1);
	nts_log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(level_names)
{
	ck_assert_int_eq(nts_log_level_from_name("err"), NTS_LOG_ERR);
	ck_assert_int_eq(nts_log_level_from_name("warning"), NTS_LOG_WARNING);
	ck_assert_int_eq(nts_log_level_from_name("notice"), NTS_LOG_NOTICE);
	ck_assert_int_eq(nts_log_level_from_name("info"), NTS_LOG_INFO);
	ck_assert_int_eq(nts_log_level_from_name("DEBUG"), NTS_LOG_DEBUG);
	ck_assert_int_eq(nts_log_level_from_name("loud"), -1);
	ck_assert_int_eq(nts_log_level_from_name(""), -1);
	ck_assert_int_eq(nts_log_level_from_name(NULL), -1);
}
END_TEST

START_TEST(counters_snapshot)
{
	struct nts_counters c, snap;
	memset(&c, 0, sizeof c);
	uint64_t *f = (uint64_t *)&c;
	size_t nf = sizeof c / sizeof(uint64_t);
	for (size_t i = 0; i < nf; i++)
		for (size_t k = 0; k <= i; k++)
			nts_count(&f[i]);
	nts_counters_snapshot(&c, &snap);
	const uint64_t *g = (const uint64_t *)&snap;
	for (size_t i = 0; i < nf; i++)
		ck_assert_uint_eq(g[i], i + 1);
	ck_assert_uint_eq(nts_counter_get(&snap.server_sends), 6);
}
END_TEST

Suite *err_log_suite(void)
{
	Suite *s = suite_create("err_log");
	TCase *tc = tcase_create("err");
	tcase_add_test(tc, every_code_named);
	tcase_add_test(tc, unknown_codes);
	suite_add_tcase(s, tc);
	tc = tcase_create("log");
	tcase_add_test(tc, sink_sees_message);
	tcase_add_test(tc, level_filter);
	tcase_add_test(tc, long_message_truncated);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, counters_snapshot);
	suite_add_tcase(s, tc);
	return s;
}
