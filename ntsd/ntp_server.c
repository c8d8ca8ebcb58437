/* ntsd NTP server: SO_REUSEPORT workers, recvmmsg/sendmmsg batches, kernel
 * receive timestamps, plain NTPv4 and stateless NTS (RFC 8915 section 5). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "nts/serve.h"
#include "ntsd.h"
#include "sources.h"
#include "status.h"

#define BATCH 32
#define RX_BUF 2048            /* requests may exceed NTP_MAX_PACKET (AEAD 17, 7 placeholders) */
#define ROUNDS_PER_WAKE 8      /* batches from one socket before looking at the others */

union ctlbuf {
	char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		 CMSG_SPACE(sizeof(struct in_pktinfo)) + 64];
	struct cmsghdr align;
};

struct ntpsrv_worker {
	struct ntsd *d;
	struct ntsd_wcount *wc;   /* this worker's counters (d->wc[index]) */
	pthread_t th;
	bool started;
	int wake_fd;
	size_t nfds;
	int fds[NTSD_MAX_LISTEN];
	bool wildcard[NTSD_MAX_LISTEN];
	struct nts_serve *serve;
	uint64_t status_gen;      /* ntsd_status_generation() of the vars in serve; 0 none */
	uint8_t rx[BATCH][RX_BUF];
	uint8_t tx[BATCH][NTP_MAX_PACKET];
	struct sockaddr_storage peer[BATCH];
	union ctlbuf rxctl[BATCH], txctl[BATCH];
	struct iovec riov[BATCH], siov[BATCH];
	struct mmsghdr rmsg[BATCH], smsg[BATCH];
};

struct ntpsrv_workers {
	size_t n;
	int wake_fd;
	int8_t precision;
	struct ntpsrv_worker *w[NTSD_MAX_THREADS];
};

/* Where the request was addressed, to answer from the same address when
 * the socket is bound to a wildcard. */
struct dst_info {
	int family;             /* 0 when unknown */
	struct in_pktinfo v4;
	struct in6_pktinfo v6;
};

static int8_t measure_precision(void)
{
	/* the smallest step between clock readings, as a power of two */
	long best = 1000000000L;
	for (int i = 0; i < 64; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_REALTIME, &a);
		do
			clock_gettime(CLOCK_REALTIME, &b);
		while (b.tv_sec == a.tv_sec && b.tv_nsec == a.tv_nsec);
		long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
		if (ns > 0 && ns < best)
			best = ns;
	}
	return (int8_t)ceil(log2((double)best * 1e-9));
}

static bool is_wildcard(const struct ntsd_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr == INADDR_ANY;
	const struct in6_addr *v6 = &((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr;
	return IN6_IS_ADDR_UNSPECIFIED(v6);
}

static int open_socket(const struct ntsd_addr *a, bool reuseport, bool wildcard)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, rcvbuf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	if (a->ss.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (wildcard)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
	} else if (wildcard) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The transmit timestamp, read after the request was verified. */
static uint64_t xmt_now(void *ctx)
{
	(void)ctx;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return ntp_ts_from_timespec(&now);
}

/* Leap, stratum, refid, root delay/dispersion and reference time come from
 * the selected source, the `local` fallback, or say unsynchronised. */
static void clock_vars(struct ntpsrv_worker *w)
{
	/* the copy is redone only when the main loop published new variables:
	 * no lock (status.c's mutex) taken per request */
	uint64_t gen = ntsd_status_generation();
	if (gen == w->status_gen)
		return;
	w->status_gen = gen;
	struct ntp_hdr h = { 0 };
	ntsd_sources_server_vars(&w->d->cfg, &h);
	struct nts_serve_config sc = {
		.stratum = h.stratum, .leap = h.leap, .refid = h.refid, .precision = w->d->ntp->precision,
		.root_delay = h.root_delay, .root_disp = h.root_disp, .reftime = h.reftime,
	};
	if (h.leap == NTP_LEAP_UNSYNC)
		sc.stratum = 16;
	nts_serve_set_config(w->serve, &sc);
}

/* Answer one datagram into out; returns the length, 0 to send nothing. The
 * decision is libnts's (nts_serve_ntp); this only moves bytes and times. */
static size_t handle(struct ntpsrv_worker *w, const struct sockaddr_storage *peer,
		     const uint8_t *pkt, size_t len, const struct timespec *rx, uint8_t *out)
{
	struct nts_serve_in in = {
		.pkt = pkt, .len = len, .rx = ntp_ts_from_timespec(rx), .xmt = xmt_now,
	};
	(void)peer;   /* access rules and rate limits ran before (access.c) */
	clock_vars(w);
	struct nts_serve_result res;
	if (nts_serve_ntp(w->serve, &in, out, NTP_MAX_PACKET, &res) != NTS_OK)
		return 0;
	switch (res.action) {
	case NTS_SERVE_PLAIN:
		/* nts_server_parse_request() and _build_response() keep the NTS
		 * server counters; the plain ones are ours */
		ntsd_bump(&w->wc->plain_requests, 1);
		break;
	case NTS_SERVE_NAK:
		ntsd_bump(&w->wc->naks_sent, 1);
		break;
	case NTS_SERVE_NTS:
		break;
	case NTS_SERVE_DROP:
		if (res.err != NTS_E_NTP_MODE && res.err != NTS_E_NTP_SHORT)
			nts_log(NTS_LOG_DEBUG, NTS_TAG_SERVER, "dropped NTS request: %s",
				nts_strerror(res.err));
		break;
	}
	return res.len;
}

static void read_cmsgs(struct msghdr *m, struct timespec *rx, struct dst_info *dst)
{
	bool have_ts = false;
	dst->family = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof *rx)) {
			memcpy(rx, CMSG_DATA(cm), sizeof *rx);
			have_ts = true;
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof dst->v4)) {
			memcpy(&dst->v4, CMSG_DATA(cm), sizeof dst->v4);
			dst->family = AF_INET;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof dst->v6)) {
			memcpy(&dst->v6, CMSG_DATA(cm), sizeof dst->v6);
			dst->family = AF_INET6;
		}
	}
	if (!have_ts) {
		static int warned;
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER,
				"no kernel receive timestamp (SO_TIMESTAMPNS); using the time of reading");
		clock_gettime(CLOCK_REALTIME, rx);
	}
}

static void set_reply_source(struct msghdr *m, union ctlbuf *ctl, const struct dst_info *dst)
{
	m->msg_control = NULL;
	m->msg_controllen = 0;
	if (dst->family == 0)
		return;
	memset(ctl, 0, sizeof *ctl);
	m->msg_control = ctl->buf;
	m->msg_controllen = sizeof ctl->buf;
	struct cmsghdr *cm = CMSG_FIRSTHDR(m);
	if (dst->family == AF_INET) {
		struct in_pktinfo pi = { 0 };
		pi.ipi_spec_dst = dst->v4.ipi_addr;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
		m->msg_controllen = CMSG_SPACE(sizeof pi);
	} else {
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof dst->v6);
		memcpy(CMSG_DATA(cm), &dst->v6, sizeof dst->v6);
		m->msg_controllen = CMSG_SPACE(sizeof dst->v6);
	}
}

static void send_batch(struct ntpsrv_worker *w, int fd, unsigned count)
{
	unsigned done = 0;
	for (int tries = 0; done < count && tries < BATCH * 2; tries++) {
		int r = sendmmsg(fd, w->smsg + done, count - done, 0);
		if (r > 0) {
			ntsd_bump(&w->wc->datagrams_sent, (uint64_t)r);
			done += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			done++;   /* this one failed (e.g. unreachable peer): skip it */
		}
	}
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
	return false;
}

/* Mode 6 (ntpq) is rare and answered outside the batch, to loopback only:
 * its answers are larger than its requests. */
static void serve_mode6(struct ntpsrv_worker *w, int fd, size_t idx, size_t i,
			const struct dst_info *dst)
{
	static __thread uint8_t frags[NTSD_MODE6_MAX_FRAGS][NTSD_MODE6_FRAG];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	if (!is_loopback(&w->peer[i]))
		return;
	size_t n = ntsd_mode6_answer(w->d, w->rx[i], w->rmsg[i].msg_len, frags, lens,
				     NTSD_MODE6_MAX_FRAGS);
	for (size_t k = 0; k < n; k++) {
		struct iovec iov = { .iov_base = frags[k], .iov_len = lens[k] };
		struct msghdr m = { .msg_name = &w->peer[i], .msg_namelen = w->rmsg[i].msg_hdr.msg_namelen,
				    .msg_iov = &iov, .msg_iovlen = 1 };
		union ctlbuf ctl;
		set_reply_source(&m, &ctl, w->wildcard[idx] ? dst : &(struct dst_info){ 0 });
		if (sendmsg(fd, &m, 0) < 0)
			break;
	}
}

/* One recvmmsg batch from fd; returns the number of datagrams read. */
static int serve_batch(struct ntpsrv_worker *w, size_t idx)
{
	int fd = w->fds[idx];
	for (int i = 0; i < BATCH; i++) {
		w->riov[i].iov_base = w->rx[i];
		w->riov[i].iov_len = RX_BUF;
		struct msghdr *m = &w->rmsg[i].msg_hdr;
		memset(m, 0, sizeof *m);
		m->msg_name = &w->peer[i];
		m->msg_namelen = sizeof w->peer[i];
		m->msg_iov = &w->riov[i];
		m->msg_iovlen = 1;
		m->msg_control = w->rxctl[i].buf;
		m->msg_controllen = sizeof w->rxctl[i].buf;
	}
	int n = recvmmsg(fd, w->rmsg, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	unsigned out = 0;
	for (int i = 0; i < n; i++) {
		struct msghdr *m = &w->rmsg[i].msg_hdr;
		struct timespec rx;
		struct dst_info dst;
		read_cmsgs(m, &rx, &dst);
		if (m->msg_flags & MSG_TRUNC)
			continue;
		if (w->rmsg[i].msg_len >= 12 && (w->rx[i][0] & 7) == NTP_MODE_CONTROL) {
			serve_mode6(w, fd, idx, (size_t)i, &dst);
			continue;
		}
		/* access rules and rate limits first (access.c): a RATE kiss or nothing */
		int acc = ntsd_access_ntp(w->d, &w->peer[i], w->rx[i], w->rmsg[i].msg_len, w->tx[out],
					  NTP_MAX_PACKET);
		size_t len = acc == 0 ? handle(w, &w->peer[i], w->rx[i], w->rmsg[i].msg_len, &rx,
					       w->tx[out])
				      : acc > 0 ? (size_t)acc : 0;
		if (len == 0)
			continue;
		struct msghdr *s = &w->smsg[out].msg_hdr;
		memset(s, 0, sizeof *s);
		w->siov[out].iov_base = w->tx[out];
		w->siov[out].iov_len = len;
		s->msg_name = &w->peer[i];
		s->msg_namelen = m->msg_namelen;
		s->msg_iov = &w->siov[out];
		s->msg_iovlen = 1;
		set_reply_source(s, &w->txctl[out], w->wildcard[idx] ? &dst : &(struct dst_info){ 0 });
		out++;
	}
	if (out > 0)
		send_batch(w, fd, out);
	return n;
}

static void *worker_main(void *arg)
{
	struct ntpsrv_worker *w = arg;
	struct pollfd pfd[NTSD_MAX_LISTEN + 1];
	for (size_t i = 0; i < w->nfds; i++)
		pfd[i] = (struct pollfd){ .fd = w->fds[i], .events = POLLIN };
	pfd[w->nfds] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	while (!ntsd_stopping(w->d)) {
		int n = poll(pfd, w->nfds + 1, 1000);
		if (n <= 0)
			continue;
		if (pfd[w->nfds].revents)
			break;
		for (size_t i = 0; i < w->nfds; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (int r = 0; r < ROUNDS_PER_WAKE; r++)
				if (serve_batch(w, i) < BATCH)
					break;
		}
	}
	return NULL;
}

static void worker_free(struct ntpsrv_worker *w)
{
	for (size_t i = 0; i < w->nfds; i++)
		close(w->fds[i]);
	nts_serve_free(w->serve);
	free(w);
}

static int worker_new(struct ntsd *d, size_t index, int wake_fd, int8_t precision,
		      struct ntpsrv_worker **out)
{
	struct ntpsrv_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NTS_E_NOMEM;
	w->d = d;
	w->wc = &d->wc[index];
	w->wake_fd = wake_fd;
	bool reuse = d->cfg.threads > 1;
	for (size_t i = 0; i < d->cfg.nntp; i++) {
		const struct ntsd_addr *a = &d->cfg.ntp[i];
		w->wildcard[i] = is_wildcard(a);
		int fd = open_socket(a, reuse, w->wildcard[i]);
		if (fd < 0) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cannot listen for NTP on %s: %s", a->text,
				strerror(errno));
			worker_free(w);
			return NTS_E_IO;
		}
		w->fds[w->nfds++] = fd;
		if (index == 0)
			nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "listening for NTP on %s%s", a->text,
				reuse ? " (SO_REUSEPORT)" : "");
	}
	/* RFC 5905 section 9.2: the local clock is its own reference */
	struct nts_serve_config sc = {
		.stratum = (uint8_t)(d->cfg.stratum >= 16 ? 16 : d->cfg.stratum),
		.refid = d->cfg.refid,
		.precision = precision,
		.root_disp = ntp_short_from_double(0.001),
	};
	int rc = nts_serve_new(d->ring, &w->wc->nts, &sc, &w->serve);
	if (rc != NTS_OK) {
		worker_free(w);
		return rc;
	}
	*out = w;
	return NTS_OK;
}

int ntsd_ntp_start(struct ntsd *d)
{
	if (d->cfg.threads == 0)
		return NTS_OK;   /* `threads 0`: a client only, no NTP server */
	struct ntpsrv_workers *ws = calloc(1, sizeof *ws);
	if (!ws)
		return NTS_E_NOMEM;
	d->ntp = ws;
	ws->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ws->wake_fd < 0)
		return NTS_E_IO;
	int8_t precision = measure_precision();
	for (unsigned i = 0; i < d->cfg.threads; i++) {
		int rc = worker_new(d, i, ws->wake_fd, precision, &ws->w[i]);
		if (rc != NTS_OK)
			return rc;
		ws->n++;
	}
	ws->precision = precision;
	return NTS_OK;
}

int ntsd_ntp_run(struct ntsd *d)
{
	struct ntpsrv_workers *ws = d->ntp;
	if (!ws)        /* `threads 0`: a client only, no NTP server */
		return NTS_OK;
	for (size_t i = 0; i < ws->n; i++) {
		if (pthread_create(&ws->w[i]->th, NULL, worker_main, ws->w[i]) != 0)
			return NTS_E_NOMEM;
		ws->w[i]->started = true;
	}
	nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "%zu NTP worker(s) started, precision 2^%d s", ws->n,
		ws->precision);
	return NTS_OK;
}

void ntsd_ntp_stop(struct ntsd *d)
{
	struct ntpsrv_workers *ws = d->ntp;
	if (!ws)
		return;
	uint64_t one = 1;
	if (ws->wake_fd >= 0 && write(ws->wake_fd, &one, sizeof one) < 0)
		nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER, "waking NTP workers: %s", strerror(errno));
	for (size_t i = 0; i < ws->n; i++) {
		if (ws->w[i]->started)
			pthread_join(ws->w[i]->th, NULL);
		worker_free(ws->w[i]);
	}
	if (ws->wake_fd >= 0)
		close(ws->wake_fd);
	free(ws);
	d->ntp = NULL;
}
