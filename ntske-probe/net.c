/* ntske-probe: name resolution, TCP connect and KE I/O, each bounded by a deadline. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/keylog.h"
#include "common/tls_fd.h"
#include "nts/err.h"
#include "probe.h"

static int ms_left(double deadline)
{
	double left = deadline - mono_now();
	if (left <= 0)
		return 0;
	return (int)(left * 1000.0) + 1;
}

/* getaddrinfo cannot be given a timeout, so it runs in a detached thread;
 * whoever finishes last (the thread or the waiter) frees the job. */
struct resolve_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, abandoned;
	char host[256], port[8];
	int family, rc;
	struct addrinfo *res;
};

static void job_free(struct resolve_job *j)
{
	if (j->res)
		freeaddrinfo(j->res);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	struct addrinfo hints = {.ai_family = j->family, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(j->host, j->port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
		/* AI_ADDRCONFIG hides ::1 on hosts with no global IPv6; retry without */
		hints.ai_flags = 0;
		rc = getaddrinfo(j->host, j->port, &hints, &res);
	}
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->res = res;
	j->done = true;
	bool abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned)
		job_free(j);
	return NULL;
}

static void target_from(struct probe_target *t, const struct sockaddr *sa, socklen_t len)
{
	memset(t, 0, sizeof *t);
	memcpy(&t->ss, sa, len);
	t->sslen = len;
	char host[64], serv[16];
	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
			NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		snprintf(t->addr, sizeof t->addr, "%s", host);
		t->port = (uint16_t)atoi(serv);
	}
}

static int resolve_wait(struct resolve_job *j, double timeout)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	double end = (double)until.tv_sec + (double)until.tv_nsec / 1e9 + timeout;
	until.tv_sec = (time_t)end;
	until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
	pthread_mutex_lock(&j->mu);
	int w = 0;
	while (!j->done && w != ETIMEDOUT)
		w = pthread_cond_timedwait(&j->cv, &j->mu, &until);
	bool done = j->done;
	if (!done)
		j->abandoned = true;
	pthread_mutex_unlock(&j->mu);
	return done ? 0 : -1;
}

int probe_resolve(const char *host, uint16_t port, int family, double timeout,
		  struct probe_target *out, char *err, size_t errlen)
{
	size_t n;
	return probe_resolve_all(host, port, family, timeout, out, 1, &n, err, errlen);
}

int probe_resolve_all(const char *host, uint16_t port, int family, double timeout,
		      struct probe_target *out, size_t max, size_t *n, char *err, size_t errlen)
{
	*n = 0;
	struct resolve_job *j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	snprintf(j->host, sizeof j->host, "%s", host);
	snprintf(j->port, sizeof j->port, "%u", (unsigned)port);
	j->family = family;
	pthread_t th;
	if (pthread_create(&th, NULL, resolve_thread, j) != 0) {
		job_free(j);
		snprintf(err, errlen, "cannot start resolver thread");
		return -1;
	}
	pthread_detach(th);
	if (resolve_wait(j, timeout) != 0) {
		snprintf(err, errlen, "%s: no answer within %.1f s", host, timeout);
		return -1;   /* the thread frees the job when it returns */
	}
	int rc = -1;
	if (j->rc != 0)
		snprintf(err, errlen, "%s: %s", host, gai_strerror(j->rc));
	else if (!j->res)
		snprintf(err, errlen, "%s: no addresses", host);
	else {
		for (const struct addrinfo *a = j->res; a && *n < max; a = a->ai_next)
			target_from(&out[(*n)++], a->ai_addr, a->ai_addrlen);
		rc = 0;
	}
	job_free(j);
	return rc;
}

int probe_tcp_connect(const struct probe_target *t, double timeout, int *fd, char *err,
		      size_t errlen)
{
	int s = socket(t->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	/* KE messages are small: do not let Nagle hold them back */
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	int e = 0;
	if (connect(s, (const struct sockaddr *)&t->ss, t->sslen) != 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd p = {.fd = s, .events = POLLOUT};
			int n = poll(&p, 1, (int)(timeout * 1000.0));
			socklen_t el = sizeof e;
			if (n == 0)
				e = ETIMEDOUT;
			else if (n < 0)
				e = errno;
			else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
				e = errno;
		}
	}
	if (e != 0) {
		snprintf(err, errlen, "%s port %u: %s", t->addr, (unsigned)t->port,
			 e == ETIMEDOUT ? "timed out" : strerror(e));
		close(s);
		return -1;
	}
	*fd = s;
	return 0;
}

/* Wait for the socket in the direction the TLS layer asks; false on timeout. */
static bool wait_io(const struct ke_conn *c, bool write, double deadline)
{
	struct pollfd p = {.fd = c->fd, .events = write ? POLLOUT : POLLIN};
	int ms = ms_left(deadline);
	if (ms == 0)
		return false;
	int n;
	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	return n > 0;
}

int probe_tls_handshake(struct ke_conn *c, double deadline)
{
	for (;;) {
		int rc = nts_tls_handshake(c->tls);
		if (rc != NTS_E_TLS_AGAIN)
			return rc;
		if (!wait_io(c, nts_tls_want_write(c->tls), deadline))
			return NTS_E_TLS_AGAIN;
	}
}

void probe_tls_client_opts(const struct probe_opts *o, struct nts_tls_client_opts *t)
{
	memset(t, 0, sizeof *t);
	t->sni = o->sni ? o->sni : o->host;
	t->verify = !o->insecure;
	if (o->keylog) {
		t->keylog = keylog_append;
		t->keylog_ctx = o->keylog;
	}
}

int probe_ke_open(const struct probe_opts *o, struct nts_tls_creds *creds,
		  const struct probe_target *t, const struct nts_tls_client_opts *topts,
		  struct ke_conn *c, char *err, size_t errlen)
{
	c->fd = -1;
	c->tls = NULL;
	if (probe_tcp_connect(t, o->timeout, &c->fd, err, errlen) != 0)
		return NTS_E_IO;
	int rc = nts_tls_client_new(creds, tls_fd_transport(c->fd), topts, &c->tls);
	if (rc == NTS_OK)
		rc = probe_tls_handshake(c, mono_now() + o->timeout);
	if (rc == NTS_E_TLS_AGAIN)
		snprintf(err, errlen, "TLS handshake timed out");
	else if (rc != NTS_OK)
		snprintf(err, errlen, "%s", c->tls ? nts_tls_error(c->tls) : nts_strerror(rc));
	return rc;
}

void probe_ke_close(struct ke_conn *c)
{
	if (c->tls) {
		nts_tls_bye(c->tls);
		nts_tls_free(c->tls);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->tls = NULL;
	c->fd = -1;
}

int probe_ke_send(struct ke_conn *c, const uint8_t *buf, size_t len, double deadline)
{
	size_t off = 0;
	while (off < len) {
		long n = nts_tls_send(c->tls, buf + off, len - off);
		if (n == NTS_E_TLS_AGAIN) {
			if (!wait_io(c, nts_tls_want_write(c->tls), deadline))
				return NTS_E_TLS_AGAIN;
			continue;
		}
		if (n < 0)
			return (int)n;
		off += (size_t)n;
	}
	return NTS_OK;
}

int probe_ke_recv(struct ke_conn *c, uint8_t *buf, size_t cap, size_t *len, double deadline)
{
	*len = 0;
	/* Once a record header announces more than a message may hold, keep
	 * reading only to tell a reply cut short (EOF) from one too large
	 * (the buffer fills). */
	bool oversized = false;
	for (;;) {
		size_t msg_len;
		int done = oversized ? 0 : ntske_message_complete(buf, *len, &msg_len);
		if (done == 1) {
			*len = msg_len;
			return 1;
		}
		if (done == NTS_E_KE_TOO_LONG)
			oversized = true;
		else if (done < 0)
			return done;
		if (*len == cap)
			return NTS_E_KE_TOO_LONG;
		long n = nts_tls_recv(c->tls, buf + *len, cap - *len);
		if (n == NTS_E_TLS_AGAIN) {
			if (!wait_io(c, nts_tls_want_write(c->tls), deadline))
				return NTS_E_TLS_AGAIN;
			continue;
		}
		if (n == NTS_E_TLS_EOF || (n < 0 && oversized))
			return oversized ? NTS_E_KE_TRUNC : 0;
		if (n < 0)
			return (int)n;
		*len += (size_t)n;
	}
}
