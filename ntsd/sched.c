/* ntsd: the main loop's scheduler (sched.h): a binary heap of timers on
 * the monotonic clock, a table of file descriptors for poll(2), and
 * signals brought onto the loop through a self-pipe. One thread; nothing
 * here blocks except poll itself. chrony's sched.c is the model: the
 * timekeeping code must run on a loop clknetsim can fake (poll, not epoll
 * or signalfd). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "sched.h"

#define MAX_TIMERS 4096
#define MAX_FDS 256
#define MAX_SIGNO 65
/* The longest single poll: keeps a wrong clock from stalling the loop. */
#define MAX_WAIT_MS 60000
/* A self-pipe that poll calls readable but read finds empty, this many
 * times in a row, is a faked poll (clknetsim treats unknown fds as always
 * ready); from then on signals are seen through EINTR and flags alone. */
#define SPURIOUS_LIMIT 8

struct timer {
	double due;
	uint64_t id;
	ntsd_sched_timer_fn fn;
	void *arg;
};

struct fdent {
	int fd;
	short events;
	ntsd_sched_fd_fn fn;
	void *arg;
};

static struct timer heap[MAX_TIMERS];
static size_t nheap;
static uint64_t next_id;
static struct fdent fds[MAX_FDS];
static size_t nfds;
static double now_cache;
static volatile sig_atomic_t quit_flag;

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_pending[MAX_SIGNO];
static volatile sig_atomic_t sig_any;
static void (*sig_fn)(int signo, void *arg);
static void *sig_arg;
static bool sig_pipe_polled;
static unsigned sig_spurious;

void ntsd_sched_init(void)
{
	nheap = 0;
	nfds = 0;
	next_id = 0;
	quit_flag = 0;
	now_cache = mono_now();
}

double ntsd_sched_now(void)
{
	return now_cache;
}

/* Earlier due first; equal due times fire in the order they were set. */
static bool before(const struct timer *a, const struct timer *b)
{
	return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void swap(size_t i, size_t j)
{
	struct timer t = heap[i];
	heap[i] = heap[j];
	heap[j] = t;
}

static void sift_up(size_t i)
{
	while (i > 0 && before(&heap[i], &heap[(i - 1) / 2])) {
		swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < nheap && before(&heap[l], &heap[m]))
			m = l;
		if (r < nheap && before(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			return;
		swap(i, m);
		i = m;
	}
}

static void heap_remove(size_t i)
{
	heap[i] = heap[--nheap];
	if (i < nheap) {
		sift_up(i);
		sift_down(i);
	}
}

uint64_t ntsd_sched_timer(double delay, ntsd_sched_timer_fn fn, void *arg)
{
	if (nheap >= MAX_TIMERS || !fn)
		return 0;
	if (!(delay > 0))   /* also NaN */
		delay = 0;
	heap[nheap] = (struct timer){ .due = mono_now() + delay, .id = ++next_id, .fn = fn, .arg = arg };
	sift_up(nheap++);
	return next_id;
}

void ntsd_sched_cancel(uint64_t id)
{
	if (id == 0)
		return;
	for (size_t i = 0; i < nheap; i++)
		if (heap[i].id == id) {
			heap_remove(i);
			return;
		}
}

int ntsd_sched_fd(int fd, short events, ntsd_sched_fd_fn fn, void *arg)
{
	if (fd < 0 || !fn)
		return -1;
	for (size_t i = 0; i < nfds; i++)
		if (fds[i].fd == fd) {
			fds[i] = (struct fdent){ fd, events, fn, arg };
			return 0;
		}
	if (nfds >= MAX_FDS)
		return -1;
	fds[nfds++] = (struct fdent){ fd, events, fn, arg };
	return 0;
}

void ntsd_sched_fd_remove(int fd)
{
	for (size_t i = 0; i < nfds; i++)
		if (fds[i].fd == fd) {
			memmove(&fds[i], &fds[i + 1], (nfds - i - 1) * sizeof fds[0]);
			nfds--;
			return;
		}
}

void ntsd_sched_quit(void)
{
	quit_flag = 1;
}

static void on_signal(int signo)
{
	int saved = errno;
	if (signo > 0 && signo < MAX_SIGNO)
		sig_pending[signo] = 1;
	sig_any = 1;
	if (sig_pipe[1] >= 0) {
		char c = (char)signo;
		if (write(sig_pipe[1], &c, 1) < 0) {
			/* pipe full: the flags above still carry the signal */
		}
	}
	errno = saved;
}

int ntsd_sched_signals(const int *signals, int n, void (*fn)(int signo, void *arg), void *arg)
{
	if (sig_pipe[0] < 0) {
		if (pipe(sig_pipe) != 0)
			return -1;
		for (int i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
		sig_pipe_polled = true;
		sig_spurious = 0;
	}
	sig_fn = fn;
	sig_arg = arg;
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < n; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		/* no SA_RESTART: poll must return EINTR so a signal is seen at once */
		if (signals[i] <= 0 || signals[i] >= MAX_SIGNO || sigaction(signals[i], &sa, NULL) != 0)
			return -1;
		sigaddset(&set, signals[i]);
	}
	/* main may have blocked them so worker threads never take them */
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* Deliver what the handler recorded. The flags, not the pipe bytes, say
 * which signals came: a full pipe or a faked one loses nothing. */
static void dispatch_signals(void)
{
	if (sig_pipe[0] >= 0 && sig_pipe_polled) {
		char buf[64];
		ssize_t r = read(sig_pipe[0], buf, sizeof buf);
		if (r <= 0 && !sig_any && ++sig_spurious >= SPURIOUS_LIMIT)
			sig_pipe_polled = false;
		else if (r > 0)
			sig_spurious = 0;
	}
	if (!sig_any)
		return;
	sig_any = 0;
	for (int s = 1; s < MAX_SIGNO; s++)
		if (sig_pending[s]) {
			sig_pending[s] = 0;
			if (sig_fn)
				sig_fn(s, sig_arg);
		}
}

static int wait_ms(void)
{
	if (nheap == 0)
		return MAX_WAIT_MS;
	double d = heap[0].due - mono_now();
	if (d <= 0)
		return 0;
	/* round up: waking early would spin until the timer is due */
	double ms = ceil(d * 1000.0);
	return ms > MAX_WAIT_MS ? MAX_WAIT_MS : (int)ms;
}

static void run_timers(void)
{
	/* Only timers due now; ones a handler sets with delay 0 wait for the
	 * next turn, so a timer that re-arms itself cannot starve the fds. */
	double t = mono_now();
	uint64_t last = next_id;
	while (nheap > 0 && heap[0].due <= t && heap[0].id <= last && !quit_flag) {
		struct timer tm = heap[0];
		heap_remove(0);
		tm.fn(tm.arg);
	}
}

int ntsd_sched_run(void)
{
	struct pollfd p[MAX_FDS + 1];
	struct fdent snap[MAX_FDS];
	while (!quit_flag) {
		size_t n = 0;
		bool with_pipe = sig_pipe[0] >= 0 && sig_pipe_polled;
		if (with_pipe)
			p[n++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		size_t nsnap = nfds;
		memcpy(snap, fds, nsnap * sizeof snap[0]);
		for (size_t i = 0; i < nsnap; i++)
			p[n++] = (struct pollfd){ .fd = snap[i].fd, .events = snap[i].events };
		int timeout = sig_any ? 0 : wait_ms();
		int r = poll(p, (nfds_t)n, timeout);
		now_cache = mono_now();
		if (r < 0 && errno != EINTR)
			return -1;
		if (sig_any || (with_pipe && r > 0 && (p[0].revents & POLLIN)))
			dispatch_signals();
		if (r > 0) {
			size_t off = with_pipe ? 1 : 0;
			for (size_t i = 0; i < nsnap && !quit_flag; i++) {
				short rev = p[off + i].revents;
				if (!rev)
					continue;
				/* a handler earlier in this turn may have removed or
				 * replaced this fd: call whoever holds it now */
				for (size_t j = 0; j < nfds; j++)
					if (fds[j].fd == snap[i].fd) {
						fds[j].fn(fds[j].fd, rev, fds[j].arg);
						break;
					}
			}
		}
		run_timers();
	}
	return 0;
}
