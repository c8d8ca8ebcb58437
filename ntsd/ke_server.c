/* ntsd NTS-KE server (RFC 8915 section 4): TLS 1.3 + ALPN ntske/1 in worker
 * threads of their own, so handshakes never delay NTP answers. Each worker
 * runs an epoll loop over the shared listening sockets and its connections;
 * connections have a deadline, and a worker at its connection bound evicts
 * the oldest connection of the address holding the most rather than leave
 * new clients waiting. Per-address bounds are in access.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/tls_fd.h"
#include "nts/aead.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "nts/ntske.h"
#include "nts/serve.h"
#include "nts/throttle.h"
#include "nts/tls.h"
#include "ntsd.h"

#define KE_OUT_MAX 4096
#define KE_EVENTS 64

enum kesrv_state { KE_HANDSHAKE, KE_READ, KE_WRITE };

struct kesrv_conn {
	struct kesrv_conn *prev, *next;   /* oldest first */
	int fd;
	enum kesrv_state state;
	uint32_t events;               /* what epoll waits for now */
	struct nts_tls *tls;
	struct ntsd_creds *creds;
	int64_t start_ms, deadline_ms;
	struct timespec start;
	uint16_t aead;                 /* 0 until chosen */
	bool good;                     /* response carried cookies */
	bool dead;                     /* closed; freed after this event batch */
	size_t inlen, outlen, outpos;
	char peer[80];
	struct sockaddr_storage ss;
	uint8_t in[NTSKE_MAX_MESSAGE];
	uint8_t out[KE_OUT_MAX];
};

struct kesrv_worker {
	struct ntsd *d;
	struct ntsd_wcount *wc;        /* this worker's counters */
	pthread_t th;
	bool started;
	int ep;
	unsigned nconns, max_conns;
	bool accept_paused;            /* out of descriptors: listeners off */
	int64_t resume_ms;             /* when to listen again */
	int backoff_ms;                /* doubles while accept keeps failing */
	int64_t warned_ms;
	struct kesrv_conn *head, *tail;
	struct kesrv_conn *dead;          /* closed in this batch, linked by next */
	struct nts_throttle logs;      /* failed connections: a few lines, then a summary */
};

#define LOG_WINDOW_MS 10000
#define LOG_BURST 10

/* Log one failure unless this window has had its share; the lines held
 * back are counted in one summary (a flood must not become a log flood). */
static void fail_log(struct kesrv_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_log(struct kesrv_worker *w, const char *fmt, ...)
{
	uint64_t held = 0;
	bool ok = nts_throttle_allow(&w->logs, mono_ms(), &held);
	if (held)
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER,
			"%llu more failed NTS-KE connections not logged in the last %d s",
			(unsigned long long)held, LOG_WINDOW_MS / 1000);
	if (!ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	nts_vlog(NTS_LOG_INFO, NTS_TAG_SERVER, fmt, ap);
	va_end(ap);
}

struct kesrv_workers {
	size_t n, nlisten;
	int listen_fds[NTSD_MAX_LISTEN];
	int wake_fd;
	struct kesrv_worker *w[NTSD_MAX_THREADS];
};

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void conn_close(struct kesrv_worker *w, struct kesrv_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->tail = c->prev;
	/* close() takes the fd out of the epoll set: the fd is never dup'ed */
	nts_tls_free(c->tls);
	c->tls = NULL;
	ntsd_creds_put(w->d, c->creds);
	c->creds = NULL;
	close(c->fd);
	ntsd_access_ke_close(w->d, &c->ss);
	w->nconns--;
	/* later events of this epoll batch may still name c: keep the memory
	 * until the batch is done (see reap()) */
	c->dead = true;
	c->next = w->dead;
	w->dead = c;
}

static void reap(struct kesrv_worker *w)
{
	while (w->dead) {
		struct kesrv_conn *c = w->dead;
		w->dead = c->next;
		free(c);
	}
}

static void conn_fail(struct kesrv_worker *w, struct kesrv_conn *c, enum ntsd_ke_fail f, const char *why)
{
	ntsd_bump(&w->wc->nts.ke_serves_bad, 1);
	ntsd_bump(&w->wc->ke_fail[f], 1);
	if (c->state == KE_HANDSHAKE)
		fail_log(w, "TLS accept from %s failed, %.3f sec: %s", c->peer, since(&c->start), why);
	else
		fail_log(w, "NTS-KE with %s failed, %.3f sec: %s", c->peer, since(&c->start), why);
	conn_close(w, c);
}

static void conn_wait(struct kesrv_worker *w, struct kesrv_conn *c, bool write)
{
	uint32_t want = write ? EPOLLOUT : EPOLLIN;
	if (c->events == want)
		return;   /* level-triggered and unchanged: no syscall */
	struct epoll_event ev = { .events = want, .data.ptr = c };
	if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

static int export_keys(void *ctx, uint16_t proto, uint16_t aead, uint8_t *c2s, uint8_t *s2c,
		       size_t key_len)
{
	return nts_tls_export_keys(ctx, proto, aead, c2s, s2c, key_len);
}

/* Build the answer to a complete request in c->in[0..msg_len): the
 * decisions are libnts's (nts_serve_ke); this logs them and queues bytes. */
static void build_response(struct kesrv_worker *w, struct kesrv_conn *c, size_t msg_len)
{
	const struct ntsd_config *cfg = &w->d->cfg;
	struct nts_serve_ke_config kc = {
		.aeads = cfg->aeads,
		.naeads = cfg->naeads,
		.ntp_port = cfg->nntp > 0 ? ntsd_addr_port(&cfg->ntp[0]) : 0,
		.server = cfg->server_name,
	};
	struct nts_serve_ke_result res;
	int rc = nts_serve_ke(w->d->ring, &kc, c->in, msg_len, export_keys, c->tls, c->out,
			      sizeof c->out, &res);
	c->good = rc == NTS_OK && res.outcome == NTS_SERVE_KE_COOKIES;
	if (rc == NTS_OK && res.ncookies)
		ntsd_bump(&w->wc->nts.cookie_make, res.ncookies);
	c->aead = c->good ? res.aead : 0;
	c->outlen = rc == NTS_OK ? res.len : 0;
	if (rc != NTS_OK)
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "NTS-KE answer for %s: %s", c->peer,
			nts_strerror(rc));
	else if (res.outcome == NTS_SERVE_KE_NO_COMMON)
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "NTS-KE request from %s: %s", c->peer,
			nts_strerror(res.err));
	else if (res.outcome == NTS_SERVE_KE_ERROR && res.error_code == NTSKE_ERR_INTERNAL)
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "making cookies for %s: %s", c->peer,
			nts_strerror(res.err));
	else if (res.outcome == NTS_SERVE_KE_ERROR)
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "bad NTS-KE request from %s: %s", c->peer,
			nts_strerror(res.err));
	c->outpos = 0;
	c->state = KE_WRITE;
}

static void finish(struct kesrv_worker *w, struct kesrv_conn *c)
{
	nts_tls_bye(c->tls);
	if (c->good) {
		ntsd_bump(&w->wc->nts.ke_serves_good, 1);
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "Read %zu, wrote %zu bytes.  AEAD=%u", c->inlen,
			c->outlen, c->aead);
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "NTS-KE server took %.3f sec", since(&c->start));
	} else {
		ntsd_bump(&w->wc->nts.ke_serves_bad, 1);
		ntsd_bump(&w->wc->ke_fail[NTSD_KE_FAIL_REFUSED], 1);
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "NTS-KE with %s refused: read %zu, wrote %zu bytes, %.3f sec",
			c->peer, c->inlen, c->outlen, since(&c->start));
	}
	conn_close(w, c);
}

/* Advance one connection as far as the socket allows. */
static void conn_step(struct kesrv_worker *w, struct kesrv_conn *c)
{
	for (int guard = 0; guard < 64; guard++) {
		if (c->state == KE_HANDSHAKE) {
			int rc = nts_tls_handshake(c->tls);
			if (rc == NTS_E_TLS_AGAIN)
				return conn_wait(w, c, nts_tls_want_write(c->tls));
			if (rc != NTS_OK)
				return conn_fail(w, c, NTSD_KE_FAIL_HANDSHAKE, nts_tls_error(c->tls));
			if (nts_log_get_level() >= NTS_LOG_INFO) {
				struct nts_tls_info info;
				nts_tls_get_info(c->tls, &info);
				/* NTPsec's wording: "Using TLSv1.3, <cipher>" */
				bool tls = strncmp(info.version, "TLS", 3) == 0 && info.version[3] != 'v';
				nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "Using %s%s, %s (%s)", tls ? "TLSv" : "",
					tls ? info.version + 3 : info.version, info.cipher, info.group);
			}
			c->state = KE_READ;
		} else if (c->state == KE_READ) {
			if (c->inlen >= sizeof c->in)
				return conn_fail(w, c, NTSD_KE_FAIL_TOO_LONG, "request too long");
			long n = nts_tls_recv(c->tls, c->in + c->inlen, sizeof c->in - c->inlen);
			if (n == NTS_E_TLS_AGAIN)
				return conn_wait(w, c, nts_tls_want_write(c->tls));
			if (n == NTS_E_TLS_EOF)
				return conn_fail(w, c, NTSD_KE_FAIL_CLOSED, "client closed before End of Message");
			if (n < 0)
				return conn_fail(w, c, NTSD_KE_FAIL_TLS_IO, nts_tls_error(c->tls));
			c->inlen += (size_t)n;
			size_t mlen = 0;
			int rc = ntske_message_complete(c->in, c->inlen, &mlen);
			/* parse everything received so far: RFC 8915 section 4 makes
			 * End of Message the final record, so octets after it make the
			 * request bad; a message over the limit is answered with an Error */
			if (rc == 1 || rc < 0)
				build_response(w, c, c->inlen);
		} else {
			if (c->outpos >= c->outlen)
				return finish(w, c);
			long n = nts_tls_send(c->tls, c->out + c->outpos, c->outlen - c->outpos);
			if (n == NTS_E_TLS_AGAIN)
				return conn_wait(w, c, nts_tls_want_write(c->tls));
			if (n < 0)
				return conn_fail(w, c, NTSD_KE_FAIL_TLS_IO, nts_tls_error(c->tls));
			c->outpos += (size_t)n;
		}
	}
}

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000

static void listeners_ctl(struct kesrv_worker *w, int op)
{
	struct kesrv_workers *ws = w->d->ke;
	for (size_t k = 0; k < ws->nlisten; k++) {
		/* EPOLLEXCLUSIVE: one worker wakes per new connection */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
					  .data.ptr = (void *)(uintptr_t)k };
		if (epoll_ctl(w->ep, op, ws->listen_fds[k], &ev) != 0 && op == EPOLL_CTL_ADD)
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "NTS-KE listener: epoll: %s", strerror(errno));
	}
}

/* accept() failed for want of descriptors or memory: the connection stays
 * queued and the listener stays readable, so level-triggered epoll would
 * wake us at once, forever. Stop listening for a while (doubling up to
 * BACKOFF_MAX_MS) and let connections finish or time out meanwhile. */
static void accept_pause(struct kesrv_worker *w, int err)
{
	int64_t now = mono_ms();
	w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (w->backoff_ms > BACKOFF_MAX_MS)
		w->backoff_ms = BACKOFF_MAX_MS;
	w->resume_ms = now + w->backoff_ms;
	if (!w->accept_paused)
		listeners_ctl(w, EPOLL_CTL_DEL);
	w->accept_paused = true;
	ntsd_bump(&w->wc->nts.ke_serves_bad, 1);
	if (now - w->warned_ms >= 10000 || !w->warned_ms) {
		w->warned_ms = now;
		nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER,
			"NTS-KE accept: %s (%u connections open): not accepting for %d ms; "
			"raise the open-file limit or lower 'nts maxconn'", strerror(err), w->nconns,
			w->backoff_ms);
	}
}

static void accept_resume(struct kesrv_worker *w)
{
	if (!w->accept_paused || mono_ms() < w->resume_ms)
		return;
	w->accept_paused = false;
	listeners_ctl(w, EPOLL_CTL_ADD);
}

/* Whom to evict at the connection bound: the oldest connection of the
 * address that holds the most, so one address holding connections open
 * cannot push out the clients of others; with one connection per address
 * this is the oldest, which has had the longest chance. */
static struct kesrv_conn *victim(struct kesrv_worker *w)
{
	struct kesrv_conn *best = w->head;
	unsigned most = 0;
	for (struct kesrv_conn *c = w->head; c; c = c->next) {
		unsigned n = ntsd_access_ke_conns(w->d, &c->ss);
		if (n > most) {
			most = n;
			best = c;
		}
	}
	return best;
}

/* Accept one connection; false when there was none to accept. */
static bool accept_one(struct kesrv_worker *w, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (w->accept_paused)
		return false;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
			accept_pause(w, e);
			return false;
		}
		return e == ECONNABORTED || e == EINTR;
	}
	w->backoff_ms = 0;
	if (!ntsd_access_ke_open(w->d, &ss)) {
		char peer[80];
		ntsd_addr_format((const struct sockaddr *)&ss, peer, sizeof peer);
		fail_log(w, "NTS-KE connection from %s refused: over the per-address limit", peer);
		ntsd_bump(&w->wc->nts.ke_serves_bad, 1);
		close(fd);
		return true;
	}
	if (w->nconns >= w->max_conns && w->head) {
		/* at the bound: evict the connection victim() picks */
		struct kesrv_conn *v = victim(w);
		fail_log(w, "connection limit reached, dropping %s", v->peer);
		ntsd_bump(&w->wc->ke_evicted, 1);
		conn_fail(w, v, NTSD_KE_FAIL_EVICTED, "evicted at the connection limit");
	}
	struct kesrv_conn *c = calloc(1, sizeof *c);
	struct ntsd_creds *cr = ntsd_creds_get(w->d);
	if (!c || !cr || nts_tls_server_new(cr->tls, tls_fd_transport(fd), &c->tls) != NTS_OK) {
		ntsd_access_ke_close(w->d, &ss);
		ntsd_creds_put(w->d, cr);
		free(c);
		close(fd);
		ntsd_bump(&w->wc->nts.ke_serves_bad, 1);
		ntsd_bump(&w->wc->ke_fail[NTSD_KE_FAIL_INTERNAL], 1);
		return true;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->creds = cr;
	c->state = KE_HANDSHAKE;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	c->start_ms = mono_ms();
	c->deadline_ms = c->start_ms + w->d->cfg.ke_timeout_ms;
	ntsd_addr_format((const struct sockaddr *)&ss, c->peer, sizeof c->peer);
	c->ss = ss;
	c->prev = w->tail;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->nconns++;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	c->events = EPOLLIN;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		conn_fail(w, c, NTSD_KE_FAIL_INTERNAL, "epoll");
		return true;
	}
	nts_log(NTS_LOG_DEBUG, NTS_TAG_SERVER, "TCP accept-ed from %s", c->peer);
	conn_step(w, c);
	return true;
}

static void expire(struct kesrv_worker *w)
{
	int64_t now = mono_ms();
	/* oldest first: every connection has the same timeout */
	while (w->head && w->head->deadline_ms <= now)
		conn_fail(w, w->head, NTSD_KE_FAIL_TIMEOUT, "timed out");
}

/* Listening sockets are tagged with small integers, connections with pointers. */
#define TAG_WAKE ((uintptr_t)NTSD_MAX_LISTEN)

static void *worker_main(void *arg)
{
	struct kesrv_worker *w = arg;
	struct kesrv_workers *ws = w->d->ke;
	struct epoll_event evs[KE_EVENTS];
	while (!ntsd_stopping(w->d)) {
		int timeout = 1000;
		if (w->head) {
			int64_t left = w->head->deadline_ms - mono_ms();
			timeout = left < 0 ? 0 : left < 1000 ? (int)left + 1 : 1000;
		}
		if (w->accept_paused) {
			int64_t left = w->resume_ms - mono_ms();
			int t = left < 0 ? 0 : (int)left + 1;
			timeout = t < timeout ? t : timeout;
		}
		int n = epoll_wait(w->ep, evs, KE_EVENTS, timeout);
		for (int i = 0; i < n; i++) {
			uintptr_t tag = (uintptr_t)evs[i].data.ptr;
			if (tag == TAG_WAKE)
				goto out;
			if (tag < NTSD_MAX_LISTEN) {
				/* a few per wake-up, so one worker does not take them all */
				for (int k = 0; k < 16; k++)
					if (!accept_one(w, ws->listen_fds[tag]))
						break;
				continue;
			}
			struct kesrv_conn *c = evs[i].data.ptr;
			if (!c->dead)   /* evicted by an accept earlier in this batch */
				conn_step(w, c);
		}
		expire(w);
		reap(w);
		accept_resume(w);
		uint64_t held = nts_throttle_flush(&w->logs, mono_ms());
		if (held)
			nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER,
				"%llu more failed NTS-KE connections not logged in the last %d s",
				(unsigned long long)held, LOG_WINDOW_MS / 1000);
	}
out:
	while (w->head)
		conn_close(w, w->head);
	reap(w);
	return NULL;
}

static int open_listener(const struct ntsd_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Descriptors kept for everything but KE connections: NTP sockets per
 * worker, listeners, epoll and event fds, the key file, logs, control. */
#define FD_RESERVE 64

/* How many KE connections the open-file limit allows: raise the soft limit
 * towards 'nts maxconn' if the hard limit lets us, else say so and bound
 * the connections, so accept() does not run out of descriptors. */
static unsigned fd_budget(const struct ntsd *d)
{
	const struct ntsd_config *c = &d->cfg;
	rlim_t need = (rlim_t)c->ke_max_conns + FD_RESERVE + (rlim_t)c->threads * c->nntp;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return c->ke_max_conns;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	if (want > rl.rlim_cur) {
		struct rlimit nl = { want, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			rl.rlim_cur = want;
	}
	if (rl.rlim_cur >= need)
		return c->ke_max_conns;
	rlim_t other = FD_RESERVE + (rlim_t)c->threads * c->nntp;
	unsigned fit = rl.rlim_cur > other + c->ke_threads ? (unsigned)(rl.rlim_cur - other)
							   : c->ke_threads;
	nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER,
		"nts maxconn %u needs about %llu open files but the limit is %llu (ulimit -n): "
		"serving at most %u NTS-KE connections at once", c->ke_max_conns,
		(unsigned long long)need, (unsigned long long)rl.rlim_cur, fit);
	return fit;
}

int ntsd_ke_start(struct ntsd *d)
{
	struct kesrv_workers *ws = calloc(1, sizeof *ws);
	if (!ws)
		return NTS_E_NOMEM;
	d->ke = ws;
	ws->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ws->wake_fd < 0)
		return NTS_E_IO;
	for (size_t i = 0; i < d->cfg.nke; i++) {
		int fd = open_listener(&d->cfg.ke[i]);
		if (fd < 0) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cannot listen for NTS-KE on %s: %s",
				d->cfg.ke[i].text, strerror(errno));
			return NTS_E_IO;
		}
		ws->listen_fds[ws->nlisten++] = fd;
		nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "starting NTS-KE server listening on %s",
			d->cfg.ke[i].text);
	}
	unsigned per = fd_budget(d) / d->cfg.ke_threads;
	for (unsigned i = 0; i < d->cfg.ke_threads; i++) {
		struct kesrv_worker *w = calloc(1, sizeof *w);
		if (!w)
			return NTS_E_NOMEM;
		w->d = d;
		w->wc = &d->wc[NTSD_WCOUNT_KE + ws->n];
		ws->w[ws->n++] = w;
		w->max_conns = per ? per : 1;
		nts_throttle_init(&w->logs, LOG_WINDOW_MS, LOG_BURST);
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0)
			return NTS_E_IO;
		for (size_t k = 0; k < ws->nlisten; k++) {
			/* EPOLLEXCLUSIVE: one worker wakes per new connection */
			struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
						  .data.ptr = (void *)(uintptr_t)k };
			if (epoll_ctl(w->ep, EPOLL_CTL_ADD, ws->listen_fds[k], &ev) != 0)
				return NTS_E_IO;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = (void *)TAG_WAKE };
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, ws->wake_fd, &ev) != 0)
			return NTS_E_IO;
	}
	return NTS_OK;
}

int ntsd_ke_run(struct ntsd *d)
{
	struct kesrv_workers *ws = d->ke;
	for (size_t i = 0; ws && i < ws->n; i++) {
		if (pthread_create(&ws->w[i]->th, NULL, worker_main, ws->w[i]) != 0)
			return NTS_E_NOMEM;
		ws->w[i]->started = true;
	}
	return NTS_OK;
}

void ntsd_ke_stop(struct ntsd *d)
{
	struct kesrv_workers *ws = d->ke;
	if (!ws)
		return;
	uint64_t one = 1;
	if (ws->wake_fd >= 0 && write(ws->wake_fd, &one, sizeof one) < 0)
		nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER, "waking NTS-KE workers: %s", strerror(errno));
	for (size_t i = 0; i < ws->n; i++) {
		struct kesrv_worker *w = ws->w[i];
		if (w->started)
			pthread_join(w->th, NULL);
		if (w->ep >= 0)
			close(w->ep);
		free(w);
	}
	for (size_t i = 0; i < ws->nlisten; i++)
		close(ws->listen_fds[i]);
	if (ws->wake_fd >= 0)
		close(ws->wake_fd);
	free(ws);
	d->ke = NULL;
}
