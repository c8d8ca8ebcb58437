/* Unit tests of the main loop's scheduler (sched.c): timer order and
 * cancellation, fd handlers, signals through the self-pipe, quit. */
#include <config.h>

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched.h"

static char order[32];
static size_t norder;

static void mark(void *arg)
{
	if (norder < sizeof order - 1)
		order[norder++] = *(const char *)arg;
	if (*(const char *)arg == 'Q')
		ntsd_sched_quit();
}

START_TEST(timers_fire_in_order_and_cancel)
{
	ntsd_sched_init();
	norder = 0;
	memset(order, 0, sizeof order);
	static char a = 'a', b = 'b', c = 'c', x = 'x', q = 'Q', z = 'z';
	ck_assert_uint_ne(ntsd_sched_timer(0.03, mark, &c), 0);
	ck_assert_uint_ne(ntsd_sched_timer(0.01, mark, &a), 0);
	uint64_t id = ntsd_sched_timer(0.02, mark, &x);
	ck_assert_uint_ne(ntsd_sched_timer(0.02, mark, &b), 0);
	ck_assert_uint_ne(ntsd_sched_timer(0.05, mark, &q), 0);
	ck_assert_uint_ne(ntsd_sched_timer(5.0, mark, &z), 0);
	ntsd_sched_cancel(id);
	ntsd_sched_cancel(id);          /* twice: ignored */
	ntsd_sched_cancel(987654);      /* unknown: ignored */
	double t0 = ntsd_sched_now();
	ck_assert_int_eq(ntsd_sched_run(), 0);
	ck_assert_str_eq(order, "abcQ");
	double took = ntsd_sched_now() - t0;
	ck_assert(took >= 0.045 && took < 2.0);
}
END_TEST

static int fd_calls;
static void on_fd(int fd, short revents, void *arg)
{
	char buf[8];
	ck_assert(revents & POLLIN);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 1);
	ck_assert_int_eq(buf[0], 'k');
	fd_calls++;
	ntsd_sched_fd_remove(fd);
	*(int *)arg = 1;
	ntsd_sched_quit();
}

static void write_pipe(void *arg)
{
	ck_assert_int_eq(write(*(int *)arg, "k", 1), 1);
}

START_TEST(fd_handler_runs_when_readable)
{
	ntsd_sched_init();
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	int seen = 0;
	fd_calls = 0;
	ck_assert_int_eq(ntsd_sched_fd(p[0], POLLIN, on_fd, &seen), 0);
	ntsd_sched_timer(0.01, write_pipe, &p[1]);
	static char z = 'z';
	norder = 0;
	ntsd_sched_timer(3.0, mark, &z);   /* must not be reached */
	ck_assert_int_eq(ntsd_sched_run(), 0);
	ck_assert_int_eq(seen, 1);
	ck_assert_int_eq(fd_calls, 1);
	ck_assert_uint_eq(norder, 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

static int got_signo;
static void on_sig(int signo, void *arg)
{
	(void)arg;
	got_signo = signo;
	ntsd_sched_quit();
}

static void send_usr1(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
}

START_TEST(signals_reach_the_loop)
{
	ntsd_sched_init();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);   /* as main does before threads start */
	static const int sigs[] = { SIGUSR1, SIGHUP };
	ck_assert_int_eq(ntsd_sched_signals(sigs, 2, on_sig, NULL), 0);
	got_signo = 0;
	ntsd_sched_timer(0.01, send_usr1, NULL);
	static char z = 'z';
	norder = 0;
	ntsd_sched_timer(3.0, mark, &z);
	ck_assert_int_eq(ntsd_sched_run(), 0);
	ck_assert_int_eq(got_signo, SIGUSR1);
	ck_assert_uint_eq(norder, 0);
}
END_TEST

static int rearms;
static void rearm(void *arg)
{
	(void)arg;
	if (++rearms < 100)
		ntsd_sched_timer(0, rearm, NULL);
	else
		ntsd_sched_quit();
}

START_TEST(zero_delay_timers_do_not_starve_the_loop)
{
	ntsd_sched_init();
	rearms = 0;
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "k", 1), 1);
	int seen = 0;
	fd_calls = 0;
	ntsd_sched_fd(p[0], POLLIN, on_fd, &seen);
	ntsd_sched_timer(0, rearm, NULL);
	ck_assert_int_eq(ntsd_sched_run(), 0);
	/* the fd handler ran (and quit) before 100 re-armed turns */
	ck_assert_int_eq(seen, 1);
	ck_assert_int_lt(rearms, 100);
	close(p[0]);
	close(p[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, timers_fire_in_order_and_cancel);
	tcase_add_test(tc, fd_handler_runs_when_readable);
	tcase_add_test(tc, signals_reach_the_loop);
	tcase_add_test(tc, zero_delay_timers_do_not_starve_the_loop);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
