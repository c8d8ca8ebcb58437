/* Unit tests: common/opt.c (option values, messages) and common/mono.c. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/opt.h"
#include "common/tests/suites.h"

static char captured[512];

/* stderr of one call, into captured */
#define CAPTURE(expr)                                                            \
	do {                                                                     \
		char path_[4200];                                                \
		snprintf(path_, sizeof path_, "%s/stderr", tv_tmpdir());         \
		fflush(stderr);                                                  \
		int saved_ = dup(STDERR_FILENO);                                 \
		ck_assert(freopen(path_, "w", stderr) != NULL);                  \
		expr;                                                            \
		fflush(stderr);                                                  \
		dup2(saved_, STDERR_FILENO);                                     \
		close(saved_);                                                   \
		FILE *f_ = fopen(path_, "r");                                    \
		ck_assert(f_ != NULL);                                           \
		size_t n_ = fread(captured, 1, sizeof captured - 1, f_);         \
		fclose(f_);                                                      \
		captured[n_] = '\0';                                             \
	} while (0)

START_TEST(opt_messages)
{
	uint16_t port = 7;
	bool ok = true;
	CAPTURE(ok = opt_port("prog", "--port", "70000", &port));
	ck_assert(!ok);
	ck_assert_uint_eq(port, 7);
	ck_assert_str_eq(captured, "prog: --port: \"70000\" is out of range (1 to 65535)\n");
	unsigned u = 3;
	CAPTURE(ok = opt_unsigned("prog", "-n", "4x", 0, 10, &u));
	ck_assert(!ok);
	ck_assert_uint_eq(u, 3);
	ck_assert_str_eq(captured, "prog: -n: \"4x\" is not a number\n");
	double d = 0;
	CAPTURE(ok = opt_double("prog", "--timeout", "0.5", 0.1, 60, &d));
	ck_assert(ok);
	ck_assert(d == 0.5);
	ck_assert_str_eq(captured, "");
	ck_assert(opt_port("prog", "-p", "4460", &port));
	ck_assert_uint_eq(port, 4460);
	ck_assert(opt_unsigned("prog", "-n", "10", 0, 10, &u));
	ck_assert_uint_eq(u, 10);
}
END_TEST

START_TEST(mono_moves_forward)
{
	double a = mono_now();
	int64_t ms = mono_ms(), us = mono_us();
	nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	ck_assert(mono_now() - a >= 0.019);
	ck_assert_int_ge(mono_ms() - ms, 19);
	ck_assert_int_ge(mono_us() - us, 19000);
	/* the three units read the same clock */
	double s = mono_now();
	ck_assert(s * 1000 - (double)mono_ms() < 2 && (double)mono_ms() - s * 1000 < 2);
}
END_TEST

Suite *opt_suite(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("opt");
	tcase_add_test(tc, opt_messages);
	tcase_add_test(tc, mono_moves_forward);
	suite_add_tcase(s, tc);
	return s;
}
