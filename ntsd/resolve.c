/* ntsd: getaddrinfo() in a detached thread, reported through a socket pair on the scheduler. */
#include <config.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "resolve.h"
#include "sched.h"

enum { RUNNING, DONE, ABANDONED };

/* Shared with the thread until one side hands it over through 'state':
 * the thread sets DONE (the loop then owns it) unless the loop already set
 * ABANDONED (the thread then frees it). */
struct ntsd_resolve {
	char host[256], port[8];
	int socktype;
	ntsd_resolve_fn fn;
	void *arg;
	int rfd, wfd;
	uint64_t timer;
	int state;
	int rc;
	struct addrinfo *ai;
	double took;
};

static void lookup(struct ntsd_resolve *r, int flags)
{
	struct addrinfo hints = { .ai_socktype = r->socktype, .ai_flags = AI_ADDRCONFIG | flags };
	double t0 = mono_now();
	r->rc = getaddrinfo(r->host, r->port, &hints, &r->ai);
	if (r->rc != 0)
		r->ai = NULL;
	r->took = mono_now() - t0;
}

static void deliver(struct ntsd_resolve *r)
{
	ntsd_resolve_fn fn = r->fn;
	void *arg = r->arg;
	int rc = r->rc;
	struct addrinfo *ai = r->ai;
	double took = r->took;
	free(r);
	fn(arg, rc, ai, took);
}

static void *thread_main(void *arg)
{
	struct ntsd_resolve *r = arg;
	int wfd = r->wfd;    /* after the hand-over r may be gone */
	lookup(r, 0);
	if (__atomic_exchange_n(&r->state, DONE, __ATOMIC_ACQ_REL) == ABANDONED) {
		if (r->ai)
			freeaddrinfo(r->ai);
		free(r);
	} else {
		/* MSG_NOSIGNAL: the loop may have closed its end meanwhile */
		char b = 1;
		if (send(wfd, &b, 1, MSG_NOSIGNAL) != 1) {
			/* nobody listens any more, or the close below wakes the loop */
		}
	}
	close(wfd);
	return NULL;
}

static void pipe_ready(int fd, short revents, void *arg)
{
	struct ntsd_resolve *r = arg;
	(void)revents;
	if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != DONE)
		return;   /* woken early; the thread's byte is still to come */
	ntsd_sched_fd_remove(fd);
	close(fd);
	deliver(r);
}

static void literal_ready(void *arg)
{
	deliver(arg);
}

struct ntsd_resolve *ntsd_resolve_start(const char *host, const char *port, int socktype,
					ntsd_resolve_fn fn, void *arg)
{
	struct ntsd_resolve *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	snprintf(r->host, sizeof r->host, "%s", host);
	snprintf(r->port, sizeof r->port, "%s", port);
	r->socktype = socktype;
	r->fn = fn;
	r->arg = arg;
	r->rfd = r->wfd = -1;

	/* an address needs no resolver */
	lookup(r, AI_NUMERICHOST);
	if (r->rc == 0) {
		if ((r->timer = ntsd_sched_timer(0, literal_ready, r)))
			return r;
		freeaddrinfo(r->ai);
		free(r);
		return NULL;
	}
	int p[2];
	pthread_t t;
	pthread_attr_t attr;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p) != 0) {
		free(r);
		return NULL;
	}
	r->rfd = p[0];
	r->wfd = p[1];
	r->state = RUNNING;
	if (ntsd_sched_fd(r->rfd, POLLIN, pipe_ready, r) != 0)
		goto fail;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int e = pthread_create(&t, &attr, thread_main, r);
	pthread_attr_destroy(&attr);
	if (e == 0)
		return r;
	ntsd_sched_fd_remove(r->rfd);
fail:
	close(p[0]);
	close(p[1]);
	free(r);
	return NULL;
}

void ntsd_resolve_cancel(struct ntsd_resolve *r)
{
	if (!r)
		return;
	if (r->timer) {
		/* a literal, not yet delivered */
		ntsd_sched_cancel(r->timer);
		freeaddrinfo(r->ai);
		free(r);
		return;
	}
	ntsd_sched_fd_remove(r->rfd);
	close(r->rfd);
	if (__atomic_exchange_n(&r->state, ABANDONED, __ATOMIC_ACQ_REL) == DONE) {
		/* finished before we looked: ours to free */
		if (r->ai)
			freeaddrinfo(r->ai);
		free(r);
	}
}
