/* Unit tests of the off-loop name lookup (resolve.c): literals without a
 * thread, names through the thread and the socket pair, never a callback
 * before start returns, and cancellation at any point. */
#include <config.h>

#include <check.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "resolve.h"
#include "sched.h"

struct got {
	int calls, rc;
	int family;
	double took;
	bool in_start;
};

static void done(void *arg, int rc, struct addrinfo *ai, double took)
{
	struct got *g = arg;
	ck_assert(!g->in_start);
	g->calls++;
	g->rc = rc;
	g->took = took;
	g->family = ai ? ai->ai_family : -1;
	if (ai)
		freeaddrinfo(ai);
	ntsd_sched_quit();
}

static void give_up(void *arg)
{
	(void)arg;
	ntsd_sched_quit();
}

static void run(struct got *g, const char *host)
{
	g->in_start = true;
	struct ntsd_resolve *r = ntsd_resolve_start(host, "4460", SOCK_STREAM, done, g);
	g->in_start = false;
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(g->calls, 0);
	ntsd_sched_timer(10, give_up, NULL);
	ntsd_sched_run();
}

START_TEST(literal_and_name)
{
	struct got g;
	ntsd_sched_init();
	memset(&g, 0, sizeof g);
	run(&g, "127.0.0.1");
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_int_eq(g.family, AF_INET);

	ntsd_sched_init();
	memset(&g, 0, sizeof g);
	run(&g, "localhost");           /* through the thread */
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.rc, 0);
	ck_assert(g.family == AF_INET || g.family == AF_INET6);
	ck_assert(g.took >= 0);

	ntsd_sched_init();
	memset(&g, 0, sizeof g);
	run(&g, "no-such-host.invalid");   /* RFC 6761: never resolves */
	if (g.calls == 1) {                /* (a resolver without network may be slower than 10 s) */
		ck_assert_int_ne(g.rc, 0);
		ck_assert_int_eq(g.family, -1);
	}
}
END_TEST

/* Cancelled before or after the thread finished: no callback, no leak
 * (ASan) and no write into freed memory. */
START_TEST(cancel)
{
	struct got g;
	for (int i = 0; i < 20; i++) {
		ntsd_sched_init();
		memset(&g, 0, sizeof g);
		struct ntsd_resolve *r = ntsd_resolve_start(i % 2 ? "localhost" : "::1", "123",
							     SOCK_DGRAM, done, &g);
		ck_assert_ptr_nonnull(r);
		if (i >= 10) {
			/* let the thread finish first sometimes */
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
		ntsd_resolve_cancel(r);
		ntsd_sched_timer(0.05, give_up, NULL);
		ntsd_sched_run();
		ck_assert_int_eq(g.calls, 0);
	}
	ntsd_resolve_cancel(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, literal_and_name);
	tcase_add_test(tc, cancel);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
