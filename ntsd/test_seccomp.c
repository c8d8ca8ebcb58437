/* The seccomp filter of ntsd -S (seccomp.c) really stops the process: a
 * child loads the very filter ntsd loads and makes one system call ntsd
 * never needs; the parent asserts that the child ended through the SIGSYS
 * handler (exit status 3 and the line naming the call) and never got past
 * the call. A thread started before the filter is caught as well (the
 * filter is synchronised to every thread), and a child that makes only the
 * calls ntsd makes while serving runs to its end, so the filter does not
 * simply stop everything. No test-only hook sits in ntsd itself. */
#include <config.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/logsink.h"
#include "ntsd.h"

/* What a child did, as the parent sees it. */
struct outcome {
	int status;        /* from waitpid */
	char err[512];     /* the child's standard error */
};

/* Runs fn in a child whose standard error goes to a pipe; waits at most
 * 20 s for it (Check's own timeout is longer). */
static void run_child(void (*fn)(void), struct outcome *o)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		fn();
		_exit(100);     /* fn never returns */
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n < sizeof o->err - 1 && (r = read(p[0], o->err + n, sizeof o->err - 1 - n)) > 0)
		n += (size_t)r;
	o->err[n] = '\0';
	close(p[0]);
	int waited = 0;
	pid_t w;
	while ((w = waitpid(pid, &o->status, WNOHANG)) == 0 && waited++ < 2000)
		usleep(10000);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &o->status, 0);
		ck_abort_msg("child did not end within 20 s");
	}
}

static void expect_stopped_at(const struct outcome *o, long nr)
{
	char want[96];
	snprintf(want, sizeof want, "ntsd: seccomp: forbidden system call %ld, exiting\n", nr);
	ck_assert_msg(WIFEXITED(o->status) && WEXITSTATUS(o->status) == 3,
		      "child not stopped by the filter: status 0x%x, stderr: %s", (unsigned)o->status,
		      o->err);
	ck_assert_msg(strstr(o->err, want) != NULL, "no '%.60s' in: %s", want, o->err);
	ck_assert_msg(strstr(o->err, "got past") == NULL, "the call went through: %s", o->err);
}

static void load_or_die(void)
{
	if (ntsd_seccomp_load() != 0) {
		fprintf(stderr, "ntsd_seccomp_load failed\n");
		_exit(101);
	}
}

/* execve: what an exploit of the TLS parser would want first */
static void child_execve(void)
{
	load_or_die();
	char *argv[] = { (char *)"true", NULL };
	char *envp[] = { NULL };
	syscall(SYS_execve, "/bin/true", argv, envp);
	fprintf(stderr, "got past execve\n");
	_exit(0);
}

/* ptrace: not on the list either; any call off the list ends the same way */
static void child_ptrace(void)
{
	load_or_die();
	syscall(SYS_ptrace, 0L /* PTRACE_TRACEME */, 0L, 0L, 0L);
	fprintf(stderr, "got past ptrace\n");
	_exit(0);
}

static int go_pipe[2];

static void *thread_execve(void *arg)
{
	(void)arg;
	char c;
	if (read(go_pipe[0], &c, 1) != 1)
		_exit(102);
	char *argv[] = { (char *)"true", NULL };
	char *envp[] = { NULL };
	syscall(SYS_execve, "/bin/true", argv, envp);
	fprintf(stderr, "got past execve in a thread\n");
	_exit(0);
}

/* a worker started before the filter, as a library's thread could be */
static void child_thread(void)
{
	if (pipe(go_pipe) != 0)
		_exit(103);
	pthread_t t;
	if (pthread_create(&t, NULL, thread_execve, NULL) != 0)
		_exit(104);
	load_or_die();
	if (write(go_pipe[1], "g", 1) != 1)
		_exit(105);
	pthread_join(t, NULL);
	_exit(106);
}

/* what ntsd does while serving: time, a UDP socket on loopback, files */
static void child_allowed(void)
{
	load_or_die();
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		_exit(110);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0)
		_exit(111);
	socklen_t al = sizeof a;
	if (getsockname(s, (struct sockaddr *)&a, &al) != 0 ||
	    sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof a) != 1)
		_exit(112);
	char b;
	if (recvfrom(s, &b, 1, 0, NULL, NULL) != 1 || b != 'x')
		_exit(113);
	close(s);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		_exit(114);
	fclose(f);
	_exit(0);
}

START_TEST(forbidden_execve_stops_the_process)
{
	struct outcome o;
	run_child(child_execve, &o);
	expect_stopped_at(&o, SYS_execve);
}
END_TEST

START_TEST(forbidden_ptrace_stops_the_process)
{
	struct outcome o;
	run_child(child_ptrace, &o);
	expect_stopped_at(&o, SYS_ptrace);
}
END_TEST

START_TEST(thread_started_before_the_filter_is_stopped)
{
	struct outcome o;
	run_child(child_thread, &o);
	expect_stopped_at(&o, SYS_execve);
}
END_TEST

START_TEST(allowed_calls_run)
{
	struct outcome o;
	run_child(child_allowed, &o);
	ck_assert_msg(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
		      "allowed calls stopped: status 0x%x, stderr: %s", (unsigned)o.status, o.err);
	ck_assert_msg(strstr(o.err, "seccomp filter loaded") != NULL, "no load line in: %s", o.err);
	ck_assert_msg(strstr(o.err, "forbidden") == NULL, "%s", o.err);
}
END_TEST

int main(void)
{
	logsink_stderr_install();   /* the children's log lines are what the tests read */
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("filter");
	tcase_add_test(tc, forbidden_execve_stops_the_process);
	tcase_add_test(tc, forbidden_ptrace_stops_the_process);
	tcase_add_test(tc, thread_started_before_the_filter_is_stopped);
	tcase_add_test(tc, allowed_calls_run);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
