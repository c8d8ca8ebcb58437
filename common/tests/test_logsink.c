/* Unit tests: common/logsink.c (the stderr sink of the log API). */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/logsink.h"
#include "common/tests/suites.h"
#include "nts/log.h"

/* Run the logging calls with stderr sent to a file; return what was written. */
static void capture_stderr(void (*body)(void), char *got, size_t cap)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/stderr", tv_tmpdir());
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	ck_assert(freopen(path, "w", stderr) != NULL);
	body();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	size_t n = fread(got, 1, cap - 1, f);
	fclose(f);
	got[n] = '\0';
}

static void log_three(void)
{
	nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "bad %s", "cookie");
	nts_log(NTS_LOG_ERR, NULL, "untagged");
	nts_log(NTS_LOG_DEBUG, NTS_TAG_SERVER, "filtered");
}

static void log_installed(void)
{
	logsink_stderr_install();
	log_three();
	nts_log_set_sink(NULL, NULL);
}

/* "TAG: msg\n", one line per message, the level filter in front. */
START_TEST(stderr_format)
{
	char got[256];
	nts_log_set_level(NTS_LOG_INFO);
	capture_stderr(log_installed, got, sizeof got);
	ck_assert_str_eq(got, "NTSs: bad cookie\nuntagged\n");
}
END_TEST

/* Without a sink libnts writes nothing anywhere. */
START_TEST(no_sink_no_output)
{
	char got[256];
	nts_log_set_sink(NULL, NULL);
	capture_stderr(log_three, got, sizeof got);
	ck_assert_str_eq(got, "");
}
END_TEST

static void log_long(void)
{
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	logsink_stderr(NULL, NTS_LOG_ERR, "NTS", big);
}

/* An over-long line is cut and still ends in a newline. */
START_TEST(long_line_cut)
{
	char got[4096];
	capture_stderr(log_long, got, sizeof got);
	size_t n = strlen(got);
	ck_assert_uint_gt(n, 1000);
	ck_assert_uint_lt(n, 2000);
	ck_assert_int_eq(got[n - 1], '\n');
	ck_assert_ptr_eq(strchr(got, '\n'), got + n - 1);
}
END_TEST

Suite *logsink_suite(void)
{
	Suite *s = suite_create("logsink");
	TCase *tc = tcase_create("stderr");
	tcase_add_test(tc, stderr_format);
	tcase_add_test(tc, no_sink_no_output);
	tcase_add_test(tc, long_line_cut);
	suite_add_tcase(s, tc);
	return s;
}
