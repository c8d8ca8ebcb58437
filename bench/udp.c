/* nts-loadgen: NTS and plain NTPv4 request loops over batched UDP (sendmmsg/recvmmsg).
 * Every NTS request carries a cookie used once: the pool starts from NTS-KE,
 * is grown with Placeholder requests before measuring, and is kept full with
 * the fresh cookie each verified response brings (RFC 8915 section 5.7). */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mono.h"
#include "loadgen.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"

#define LG_BATCH 64
#define LG_MAX_SOCKETS 64
#define LG_COOKIE_CAP 256
#define LG_PKT 1280
#define LG_MIN_WINDOW 32     /* the window is never cut below this */
#ifndef LG_GROWTH
#define LG_GROWTH 0.5        /* window growth per answer, times the window */
#endif

struct lg_cookie {
	uint16_t sess;
	uint16_t len;
	uint8_t data[LG_COOKIE_CAP];
};

/* First in, first out, so every cookie waits as long as possible before use. */
struct lg_pool {
	struct lg_cookie *c;
	size_t cap, head, count;
};

struct lg_slot {
	uint64_t xmt;             /* slot index << 32 | sequence: also the UID's head */
	uint64_t order;           /* position in its socket's send order */
	double sent;
	uint16_t sess;
	uint8_t sock;
	bool busy;
	bool refill;
};

/* A socket's requests in send order. Each socket's flow reaches one server
 * thread, which answers in order, so an answer to a later request means the
 * earlier ones were dropped (a full socket queue): they are lost at once
 * instead of holding their window slots until the timeout. */
struct lg_order {
	uint32_t slot;
	uint32_t seq;             /* low half of the slot's xmt when sent */
};

struct lg_sock {
	int fd;
	unsigned inflight;
	struct lg_order *order;   /* ring of order_cap entries */
	uint64_t order_head, order_tail;
	struct mmsghdr smsg[LG_BATCH], rmsg[LG_BATCH];
	struct iovec siov[LG_BATCH], riov[LG_BATCH];
	uint8_t sbuf[LG_BATCH][LG_PKT], rbuf[LG_BATCH][LG_PKT];
};

struct udp_ctx {
	const struct lg_opts *o;
	bool nts;
	struct lg_sock *socks;
	unsigned nsock;
	struct lg_slot *slots;
	uint32_t *freelist;
	unsigned nslots, nfree;
	size_t order_cap;
	/* The window in use: additive increase per answer, multiplicative
	 * decrease on a loss (as TCP does), so a server whose socket queue is
	 * shorter than o->window is not fed drops it would have to be timed out of. */
	double cwnd;
	double cwnd_sum;          /* for the mean window of the measured phase */
	uint64_t cwnd_n;
	double last_cut;
	double now;               /* of the current loop iteration */
	uint32_t seq;
	uint8_t uid_tail[NTS_UID_LEN - 8];
	struct lg_pool pool;
	struct lg_session sess[LG_MAX_SESSIONS];
	unsigned nsess;
	size_t low_water;         /* below this, requests ask for 7 more cookies */
	uint64_t rx_seen;         /* responses matched, for sampling */
	uint64_t late;            /* answers to requests already counted lost */
	uint64_t unsent;
	unsigned cookie_len;
	bool gso;                 /* send with UDP_SEGMENT */
	struct lg_result c;       /* running counters of the current phase */
};

static bool pool_push(struct lg_pool *p, uint16_t sess, const uint8_t *data, size_t len)
{
	if (p->count == p->cap || len > LG_COOKIE_CAP)
		return false;
	struct lg_cookie *e = &p->c[(p->head + p->count) % p->cap];
	e->sess = sess;
	e->len = (uint16_t)len;
	memcpy(e->data, data, len);
	p->count++;
	return true;
}

static const struct lg_cookie *pool_pop(struct lg_pool *p)
{
	if (p->count == 0)
		return NULL;
	const struct lg_cookie *e = &p->c[p->head];
	p->head = (p->head + 1) % p->cap;
	p->count--;
	return e;
}

static void uid_of(const struct udp_ctx *u, uint64_t xmt, uint8_t *uid)
{
	for (int i = 0; i < 8; i++)
		uid[i] = (uint8_t)(xmt >> (56 - 8 * i));
	memcpy(uid + 8, u->uid_tail, sizeof u->uid_tail);
}

/* ---- building requests */

static int build_nts(struct udp_ctx *u, struct lg_slot *s, uint8_t *out, size_t *len)
{
	bool refill = u->pool.count < u->low_water;
	const struct lg_cookie *ck = pool_pop(&u->pool);
	if (!ck)
		return NTS_E_INVAL;
	uint8_t uid[NTS_UID_LEN];
	uid_of(u, s->xmt, uid);
	struct nts_client_request rq = {
		.hdr = {.version = 4, .mode = NTP_MODE_CLIENT, .xmt = s->xmt},
		.uid = uid, .uid_len = sizeof uid,
		.cookie = ck->data, .cookie_len = ck->len,
		.placeholders = refill ? NTS_MAX_PLACEHOLDERS : 0,
	};
	s->sess = ck->sess;
	s->refill = refill;
	return nts_client_build_request(&rq, u->sess[ck->sess].c2s, out, LG_PKT, len);
}

static int build_plain(struct lg_slot *s, uint8_t *out, size_t *len)
{
	struct ntp_hdr h = {.version = 4, .mode = NTP_MODE_CLIENT, .xmt = s->xmt};
	*len = NTP_HEADER_LEN;
	return ntp_hdr_write(&h, out, LG_PKT);
}

static void slot_free(struct udp_ctx *u, struct lg_slot *s)
{
	s->busy = false;
	u->socks[s->sock].inflight--;
	u->freelist[u->nfree++] = (uint32_t)(s - u->slots);
}

/* Send b built requests with UDP segmentation offload: runs of equal-sized
 * datagrams go down in one sendmsg each, which the kernel splits again, so the
 * server sees ordinary datagrams and the generator saves per-datagram work.
 * Returns how many went out, or -1 (and turns GSO off) if the kernel refuses. */
static int send_gso(struct udp_ctx *u, struct lg_sock *k, unsigned b)
{
	unsigned done = 0;
	while (done < b) {
		size_t seg = k->siov[done].iov_len;
		unsigned n = 1;
		while (done + n < b && k->siov[done + n].iov_len == seg)
			n++;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(uint16_t))];
		} c;
		memset(&c, 0, sizeof c);
		struct msghdr mh = {.msg_iov = &k->siov[done], .msg_iovlen = n,
				    .msg_control = c.buf, .msg_controllen = sizeof c.buf};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		uint16_t segsz = (uint16_t)seg;
		memcpy(CMSG_DATA(cm), &segsz, sizeof segsz);
		if (n == 1)
			mh.msg_controllen = 0;
		if (sendmsg(k->fd, &mh, MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				return (int)done;
			if (done == 0) {
				lg_msg("UDP GSO refused (%s): sending with sendmmsg", strerror(errno));
				u->gso = false;
				return -1;
			}
			return (int)done;
		}
		done += n;
	}
	return (int)done;
}

/* Build and send up to n requests on socket si; returns how many went out. */
static unsigned send_batch(struct udp_ctx *u, unsigned si, unsigned n, double now)
{
	struct lg_sock *k = &u->socks[si];
	struct lg_slot *used[LG_BATCH];
	unsigned b = 0;
	if (n > LG_BATCH)
		n = LG_BATCH;
	while (b < n) {
		if (u->nfree == 0 || (u->nts && u->pool.count == 0))
			break;
		struct lg_slot *s = &u->slots[u->freelist[--u->nfree]];
		s->xmt = ((uint64_t)(s - u->slots) << 32) | ++u->seq;
		s->busy = true;
		s->sock = (uint8_t)si;
		s->sent = now;
		k->inflight++;
		size_t len = 0;
		int rc = u->nts ? build_nts(u, s, k->sbuf[b], &len) : build_plain(s, k->sbuf[b], &len);
		if (rc != NTS_OK) {
			slot_free(u, s);
			u->c.bad++;
			continue;
		}
		k->siov[b].iov_len = len;
		used[b++] = s;
	}
	if (b == 0)
		return 0;
	int m = u->gso ? send_gso(u, k, b) : -1;
	if (m < 0 && !u->gso)
		m = sendmmsg(k->fd, k->smsg, b, MSG_DONTWAIT);
	unsigned sent = m > 0 ? (unsigned)m : 0;
	for (unsigned i = sent; i < b; i++) {
		/* socket buffer full: the cookie is lost, the slot is not */
		slot_free(u, used[i]);
		u->unsent++;
	}
	for (unsigned i = 0; i < sent; i++) {
		if (k->order_tail - k->order_head == u->order_cap)
			k->order_head++;   /* forget the oldest: the timeout covers it */
		used[i]->order = k->order_tail;
		k->order[k->order_tail++ % u->order_cap] =
			(struct lg_order){.slot = (uint32_t)(used[i] - u->slots), .seq = (uint32_t)used[i]->xmt};
	}
	u->c.sent += sent;
	if (u->nts)
		for (unsigned i = 0; i < sent; i++)
			u->c.refills += used[i]->refill;
	return sent;
}

/* ---- receiving */

static bool uid_echoed(const uint8_t *pkt, size_t len, const uint8_t *uid)
{
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	ntp_ef_iter_init(&it, pkt, len, NTP_HEADER_LEN);
	while (ntp_ef_next(&it, &ef) == 1)
		if (ef.type == NTP_EF_UNIQUE_ID)
			return ef.body_len >= NTS_UID_LEN && memcmp(ef.body, uid, NTS_UID_LEN) == 0;
	return false;
}

static void handle_nts(struct udp_ctx *u, struct lg_slot *s, const uint8_t *pkt, size_t len)
{
	static struct nts_client_response resp;
	uint8_t uid[NTS_UID_LEN];
	uid_of(u, s->xmt, uid);
	bool verify = s->refill || u->o->verify_every <= 1 ||
		      u->rx_seen++ % u->o->verify_every == 0;
	if (!verify) {
		if (uid_echoed(pkt, len, uid))
			u->c.unverified++;
		else
			u->c.bad++;
		return;
	}
	int rc = nts_client_parse_response(pkt, len, uid, sizeof uid, u->sess[s->sess].s2c, &resp);
	if (rc == NTS_E_NTS_NAK) {
		u->c.naks++;
		return;
	}
	if (rc != NTS_OK) {
		u->c.bad++;
		return;
	}
	u->c.ok++;
	for (size_t i = 0; i < resp.ncookies; i++) {
		u->cookie_len = resp.cookie_len[i];
		pool_push(&u->pool, s->sess, resp.cookies[i], resp.cookie_len[i]);
	}
}

static void on_loss(struct udp_ctx *u)
{
	u->c.lost++;
	/* one cut per burst: a full queue drops many requests at once */
	if (u->now - u->last_cut > 0.01) {
		u->cwnd = u->cwnd * 0.7 < LG_MIN_WINDOW ? LG_MIN_WINDOW : u->cwnd * 0.7;
		u->last_cut = u->now;
	}
}

/* Requests sent on s's socket before s that are still unanswered are lost. */
static void lost_before(struct udp_ctx *u, struct lg_slot *s)
{
	struct lg_sock *k = &u->socks[s->sock];
	if (s->order < k->order_head)
		return;
	while (k->order_head < s->order) {
		struct lg_order e = k->order[k->order_head++ % u->order_cap];
		struct lg_slot *o = &u->slots[e.slot];
		if (o->busy && (uint32_t)o->xmt == e.seq) {
			on_loss(u);
			slot_free(u, o);
		}
	}
	k->order_head++;
}

static void handle(struct udp_ctx *u, const uint8_t *pkt, size_t len)
{
	if (len < NTP_HEADER_LEN) {
		u->c.bad++;
		return;
	}
	uint64_t org = ((uint64_t)nts_get32(pkt + 24) << 32) | nts_get32(pkt + 28);
	uint64_t idx = org >> 32;
	if (idx >= u->nslots || !u->slots[idx].busy || u->slots[idx].xmt != org) {
		u->late++;
		return;
	}
	struct lg_slot *s = &u->slots[idx];
	lost_before(u, s);
	if (u->cwnd < u->o->window)
		u->cwnd += LG_GROWTH / u->cwnd;
	if (u->nts)
		handle_nts(u, s, pkt, len);
	else if ((pkt[0] & 7) == NTP_MODE_SERVER && pkt[1] != 0)
		u->c.ok++;
	else
		u->c.bad++;
	slot_free(u, s);
}

static unsigned recv_batch(struct udp_ctx *u, unsigned si)
{
	struct lg_sock *k = &u->socks[si];
	int n = recvmmsg(k->fd, k->rmsg, LG_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		handle(u, k->rbuf[i], k->rmsg[i].msg_len);
	return (unsigned)n;
}

static void expire(struct udp_ctx *u, double now)
{
	for (unsigned i = 0; i < u->nslots; i++) {
		struct lg_slot *s = &u->slots[i];
		if (s->busy && now - s->sent > u->o->timeout) {
			on_loss(u);
			slot_free(u, s);
		}
	}
}

/* ---- the loop */

/* Run the load until 'until'; stop early once the pool holds 'pool_goal'
 * cookies (0: no early stop). Paced: open loop at o->rate when it is set. */
static void run(struct udp_ctx *u, double until, size_t pool_goal, bool paced)
{
	const struct lg_opts *o = u->o;
	double next_expire = mono_now() + 0.05;
	double scheduled = 0, start = mono_now();
	for (;;) {
		double now = u->now = mono_now();
		if (now >= until || (pool_goal && u->pool.count >= pool_goal))
			return;
		unsigned per_sock = (unsigned)(u->cwnd / u->nsock) ? (unsigned)(u->cwnd / u->nsock) : 1;
		u->cwnd_sum += u->cwnd;
		u->cwnd_n++;
		unsigned moved = 0;
		for (unsigned i = 0; i < u->nsock; i++)
			moved += recv_batch(u, i);
		if (o->rate > 0 && paced) {
			/* open loop: a request that cannot go at its time is skipped, not
			 * sent late, so a slow server cannot slow the offered load */
			double due = o->rate * (now - start) - scheduled;
			for (unsigned i = 0; due >= 1 && i < u->nsock; i++) {
				unsigned n = due > LG_BATCH ? LG_BATCH : (unsigned)due;
				unsigned m = send_batch(u, i, n, now);
				moved += m;
				u->c.starved += n - m;
				scheduled += n;
				due -= n;
			}
		} else {
			for (unsigned i = 0; i < u->nsock; i++)
				if (u->socks[i].inflight < per_sock)
					moved += send_batch(u, i, per_sock - u->socks[i].inflight, now);
		}
		if (now >= next_expire) {
			expire(u, now);
			next_expire = now + 0.05;
		}
		if (moved == 0 && !o->spin) {
			struct pollfd pfd[LG_MAX_SOCKETS];
			for (unsigned i = 0; i < u->nsock; i++)
				pfd[i] = (struct pollfd){.fd = u->socks[i].fd, .events = POLLIN};
			poll(pfd, u->nsock, 1);
		}
	}
}

static int socks_open(struct udp_ctx *u, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!lg_addr(u->o->host, port, &ss, &sl))
		return NTS_E_INVAL;
	u->nsock = u->o->sockets < 1 ? 1 : u->o->sockets > LG_MAX_SOCKETS ? LG_MAX_SOCKETS
									  : u->o->sockets;
	u->socks = calloc(u->nsock, sizeof *u->socks);
	if (!u->socks)
		return NTS_E_NOMEM;
	for (unsigned i = 0; i < u->nsock; i++) {
		struct lg_sock *k = &u->socks[i];
		k->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		k->order = calloc(u->order_cap, sizeof *k->order);
		if (k->fd < 0 || !k->order)
			return NTS_E_IO;
		int big = 4 << 20;
		/* a burst of a whole window must not overflow our own queue */
		if (setsockopt(k->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
			setsockopt(k->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
		if (setsockopt(k->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
			setsockopt(k->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
		if (connect(k->fd, (const struct sockaddr *)&ss, sl) != 0)
			return NTS_E_IO;
		for (unsigned b = 0; b < LG_BATCH; b++) {
			k->siov[b] = (struct iovec){.iov_base = k->sbuf[b], .iov_len = 0};
			k->riov[b] = (struct iovec){.iov_base = k->rbuf[b], .iov_len = LG_PKT};
			k->smsg[b].msg_hdr = (struct msghdr){.msg_iov = &k->siov[b], .msg_iovlen = 1};
			k->rmsg[b].msg_hdr = (struct msghdr){.msg_iov = &k->riov[b], .msg_iovlen = 1};
		}
	}
	return NTS_OK;
}

static int slots_init(struct udp_ctx *u)
{
	u->nslots = u->o->window ? u->o->window : 1;
	u->order_cap = (size_t)u->nslots * 2 + LG_BATCH;
	u->cwnd = u->nslots;
	if (u->nslots < LG_MIN_WINDOW)
		lg_msg("window %u is below %u: losses will not shrink it", u->nslots, LG_MIN_WINDOW);
	u->slots = calloc(u->nslots, sizeof *u->slots);
	u->freelist = calloc(u->nslots, sizeof *u->freelist);
	if (!u->slots || !u->freelist)
		return NTS_E_NOMEM;
	for (unsigned i = 0; i < u->nslots; i++)
		u->freelist[u->nfree++] = u->nslots - 1 - i;
	return nts_random(u->uid_tail, sizeof u->uid_tail);
}

static void on_ke(void *arg, const struct lg_ke_done *d)
{
	struct udp_ctx *u = arg;
	if (u->nsess == LG_MAX_SESSIONS)
		return;
	struct lg_session *s = &u->sess[u->nsess];
	if (lg_session_from_ke(d, u->o->aead, s) != NTS_OK)
		return;
	for (size_t i = 0; i < d->resp->ncookies; i++)
		pool_push(&u->pool, (uint16_t)u->nsess, d->resp->cookies[i], d->resp->cookie_len[i]);
	u->cookie_len = d->resp->cookie_len[0];
	u->nsess++;
}

/* NTS-KE for the first cookies, then Placeholder requests until the pool is full. */
static int seed_pool(struct udp_ctx *u, struct nts_tls_creds *creds)
{
	const struct lg_opts *o = u->o;
	size_t goal = o->pool > o->window * 2 ? o->pool : o->window * 2;
	u->pool.cap = goal * 2 + (size_t)o->window * (NTS_MAX_PLACEHOLDERS + 1) + 64;
	u->pool.c = calloc(u->pool.cap, sizeof *u->pool.c);
	if (!u->pool.c)
		return NTS_E_NOMEM;
	struct lg_result ke = {0};
	unsigned kes = o->kes ? o->kes : 1;
	if (kes > LG_MAX_SESSIONS)
		kes = LG_MAX_SESSIONS;
	lg_ke_run(o, creds, kes < 4 ? kes : 4, kes, mono_now() + 10 * o->timeout + 5, on_ke, u, &ke);
	if (u->nsess == 0) {
		lg_msg("no usable NTS-KE session");
		return NTS_E_TLS;
	}
	lg_msg("%u NTS-KE session(s): %s; %zu cookies of %u octets", u->nsess, ke.info,
	       u->pool.count, u->cookie_len);
	snprintf(u->c.info, sizeof u->c.info, "cookies of %u octets", u->cookie_len);
	uint16_t port = o->ntp_port ? o->ntp_port : u->sess[0].ntp_port ? u->sess[0].ntp_port : 123;
	int rc = socks_open(u, port);
	if (rc != NTS_OK)
		return rc;
	u->low_water = goal;
	run(u, mono_now() + 20, goal, false);
	lg_msg("cookie pool: %zu cookies after %llu Placeholder requests (%llu lost, %llu bad)",
	       u->pool.count, (unsigned long long)u->c.refills, (unsigned long long)u->c.lost,
	       (unsigned long long)u->c.bad);
	if (u->pool.count < goal / 2)
		return NTS_E_NTS_NO_AUTH;
	u->low_water = goal / 2;
	return NTS_OK;
}

int lg_udp_bench(const struct lg_opts *o, struct nts_tls_creds *creds, struct lg_result *r)
{
	static struct udp_ctx u;
	memset(&u, 0, sizeof u);
	u.o = o;
	u.nts = o->mode == LG_NTS;
	u.gso = o->gso;
	int rc = slots_init(&u);
	if (rc == NTS_OK)
		rc = u.nts ? seed_pool(&u, creds) : socks_open(&u, o->ntp_port ? o->ntp_port : 123);
	if (rc != NTS_OK)
		return rc;
	char info[sizeof u.c.info];
	memcpy(info, u.c.info, sizeof info);
	double t = mono_now();
	if (o->warmup > 0)
		run(&u, t + o->warmup, 0, true);
	memset(&u.c, 0, sizeof u.c);
	u.late = u.unsent = 0;
	u.cwnd_sum = 0;
	u.cwnd_n = 0;
	double cpu0 = o->server_pid ? lg_proc_cpu(o->server_pid) : -1;
	double self0 = lg_self_cpu(), busy0 = lg_system_busy();
	double t0 = mono_now(), end = t0 + o->duration;
	uint64_t last = 0;
	for (int sec = 1; mono_now() < end; sec++) {
		double until = t0 + sec < end ? t0 + sec : end;
		run(&u, until, 0, true);
		if (o->per_second)
			lg_msg("  %d s: %llu responses", sec, (unsigned long long)(u.c.ok + u.c.unverified - last));
		last = u.c.ok + u.c.unverified;
	}
	r->seconds = mono_now() - t0;
	double cpu1 = o->server_pid ? lg_proc_cpu(o->server_pid) : -1;
	r->gen_cpu = lg_self_cpu() - self0;
	r->sys_busy = busy0 >= 0 ? lg_system_busy() - busy0 : -1;
	r->server_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	memcpy(r->info, info, sizeof info);
	r->sent = u.c.sent;
	r->ok = u.c.ok;
	r->unverified = u.c.unverified;
	r->lost = u.c.lost;
	r->bad = u.c.bad;
	r->naks = u.c.naks;
	r->refills = u.c.refills;
	r->starved = u.c.starved;
	r->late = u.late;
	r->mean_window = u.cwnd_n ? u.cwnd_sum / (double)u.cwnd_n : 0;
	if (u.unsent)
		lg_msg("requests our socket refused: %llu", (unsigned long long)u.unsent);
	for (unsigned i = 0; i < u.nsock; i++) {
		close(u.socks[i].fd);
		free(u.socks[i].order);
	}
	for (unsigned i = 0; i < u.nsess; i++) {
		nts_aead_free(u.sess[i].c2s);
		nts_aead_free(u.sess[i].s2c);
	}
	free(u.socks);
	free(u.slots);
	free(u.freelist);
	free(u.pool.c);
	return NTS_OK;
}
