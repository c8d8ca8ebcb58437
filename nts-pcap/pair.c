/* Pairs NTP requests with responses (by Unique Identifier, else origin timestamp) and judges each exchange. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "np.h"

/* Requests wait in a FIFO ring (arrival order is expiry order) indexed by
 * two chained hash tables: UID and origin timestamp. Memory is bounded by
 * the ring size; the oldest request is evicted when it is full. */
#define RING_BITS 16
#define RING_SIZE (1u << RING_BITS)
/* Answered requests leave the index at once, so the chains hold only
 * outstanding ones: a small head table stays in cache. */
#define BUCKETS (1u << 14)
/* Requests that timed out unanswered, remembered a while longer so that a
 * late response is named as such: direct-mapped, newest wins a slot. */
#define LATE_SLOTS (1u << 12)

struct req {
	uint64_t uid_key, org_key;
	uint64_t uid_hash;
	uint64_t frame;
	struct timespec ts;
	struct np_addr client, server;
	uint64_t xmt;
	size_t len;
	bool nts, auth;
	unsigned cut;
	unsigned ncookies, nplaceholders;
	size_t cookie_len;
	int keys;
	int verified;
	uint32_t findings;
	unsigned responses;
	bool unlinked;          /* answered: out of the index, waiting to age out */
	int32_t next_uid, next_org;
};

struct late {
	uint64_t key;           /* uid_key or org_key of the request, 0 if empty */
	uint64_t frame;
	bool nts;
};

struct np_pending {
	struct late late_uid[LATE_SLOTS], late_org[LATE_SLOTS];
	struct req ring[RING_SIZE];
	int32_t head_uid[BUCKETS], head_org[BUCKETS];
	uint32_t first, count;  /* oldest slot and number held */
};

int np_pending_new(struct np_pending **out)
{
	struct np_pending *p = calloc(1, sizeof *p);
	if (!p)
		return NTS_E_NOMEM;
	for (uint32_t i = 0; i < BUCKETS; i++)
		p->head_uid[i] = p->head_org[i] = -1;
	*out = p;
	return NTS_OK;
}

void np_pending_free(struct np_pending *p)
{
	free(p);
}

void np_count_findings(struct np_ctx *c, uint32_t set)
{
	for (int f = 0; f < NP_F_COUNT; f++)
		if (set & (1u << f))
			c->n_findings[f]++;
}

/* Hash of the client and server addresses and ports, once per packet. */
static uint64_t addr_hash(const struct np_addr *client, const struct np_addr *server)
{
	uint8_t b[2 * 18];
	memcpy(b, client->ip, 16);
	nts_put16(b + 16, client->port);
	memcpy(b + 18, server->ip, 16);
	nts_put16(b + 34, server->port);
	return np_fp(b, sizeof b);
}

/* Index key: the address hash mixed with a UID hash or a timestamp
 * (the 64-bit finaliser of MurmurHash3). */
static uint64_t pair_key(uint64_t ah, uint64_t v)
{
	uint64_t h = ah ^ (v * 0x9E3779B97F4A7C15ull);
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

static void unlink_chain(int32_t *head, int32_t slot, struct np_pending *p, bool uid)
{
	int32_t *pp = head;
	for (uint32_t n = 0; *pp >= 0 && n < RING_SIZE; n++) {
		struct req *r = &p->ring[*pp];
		if (*pp == slot) {
			*pp = uid ? r->next_uid : r->next_org;
			return;
		}
		pp = uid ? &r->next_uid : &r->next_org;
	}
}

static void fill_from_req(struct np_exchange *x, const struct req *r)
{
	x->have_req = true;
	x->req_frame = r->frame;
	x->req_ts = r->ts;
	x->client = r->client;
	x->server = r->server;
	x->nts = r->nts;
	x->req_auth = r->auth;
	if (r->cut)
		x->cut = r->cut;
	x->req_len = r->len;
	x->cookies_sent = r->ncookies;
	x->placeholders = r->nplaceholders;
	x->req_verified = r->verified;
	x->findings |= r->findings;
}

static void emit(struct np_ctx *c, struct np_exchange *x)
{
	np_stats_exchange(c->stats, x);
	np_out_exchange(c, x);
}

static void unindex(struct np_pending *p, struct req *r)
{
	int32_t slot = (int32_t)(r - p->ring);
	if (r->unlinked)
		return;
	unlink_chain(&p->head_uid[r->uid_key & (BUCKETS - 1)], slot, p, true);
	unlink_chain(&p->head_org[r->org_key & (BUCKETS - 1)], slot, p, false);
	r->unlinked = true;
}

static void evict_oldest(struct np_ctx *c)
{
	struct np_pending *p = c->pend;
	struct req *r = &p->ring[p->first];
	unindex(p, r);
	if (r->responses == 0) {
		struct late *l = &p->late_uid[r->uid_key & (LATE_SLOTS - 1)];
		*l = (struct late){ r->uid_key, r->frame, r->nts };
		l = &p->late_org[r->org_key & (LATE_SLOTS - 1)];
		*l = (struct late){ r->org_key, r->frame, r->nts };
		struct np_exchange x;
		memset(&x, 0, sizeof x);
		fill_from_req(&x, r);
		/* request-level findings were counted with its packet */
		x.req_verified = r->verified;
		x.resp_verified = -1;
		x.verdict = "no-response";
		np_stats_exchange(c->stats, &x);
		np_out_exchange(c, &x);
	}
	p->first = (p->first + 1) & (RING_SIZE - 1);
	p->count--;
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void expire(struct np_ctx *c)
{
	struct np_pending *p = c->pend;
	/* whole seconds first: the common case needs no floating point */
	while (p->count && (double)(c->ts.tv_sec - p->ring[p->first].ts.tv_sec) > c->opts.timeout - 1 &&
	       ts_diff(&p->ring[p->first].ts, &c->ts) > c->opts.timeout)
		evict_oldest(c);
}

/* A fresh annotation; the cookie arrays are read only up to inner_cookies,
 * so they are left unset (this runs for every packet). */
static void ann_init(struct np_ann *a)
{
	memset(a, 0, offsetof(struct np_ann, inner_cookie_len));
	a->verified = -1;
	a->keys = -1;
	a->inner_err = 0;
	a->reused_frame = 0;
}

void np_pending_flush(struct np_ctx *c)
{
	while (c->pend->count)
		evict_oldest(c);
}

static void add_request(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
			const struct np_ann *a)
{
	struct np_pending *p = c->pend;
	if (p->count == RING_SIZE)
		evict_oldest(c);
	int32_t slot = (int32_t)((p->first + p->count) & (RING_SIZE - 1));
	struct req *r = &p->ring[slot];
	memset(r, 0, sizeof *r);
	r->frame = c->frame;
	r->ts = c->ts;
	r->client = f->src;
	r->server = f->dst;
	r->xmt = n->hdr.xmt;
	r->len = n->len;
	r->nts = n->nts;
	r->auth = n->nauth > 0;
	r->cut = f->cut ? (c->snaplen ? c->snaplen : (unsigned)f->len) : 0;
	r->ncookies = n->ncookies;
	r->nplaceholders = n->nplaceholders;
	r->cookie_len = n->cookie_len;
	r->keys = a->keys;
	r->verified = a->verified;
	r->findings = n->findings;
	if (a->reused_frame)
		r->findings |= 1u << NP_F_COOKIE_REUSE;
	r->uid_hash = n->uid_hash;
	uint64_t ah = addr_hash(&r->client, &r->server);
	r->uid_key = pair_key(ah, r->uid_hash);
	r->org_key = pair_key(ah, r->xmt);
	uint32_t bu = r->uid_key & (BUCKETS - 1), bo = r->org_key & (BUCKETS - 1);
	r->next_uid = p->head_uid[bu];
	p->head_uid[bu] = slot;
	r->next_org = p->head_org[bo];
	p->head_org[bo] = slot;
	p->count++;
}

static struct req *find(struct np_pending *p, uint64_t key, bool uid)
{
	int32_t s = uid ? p->head_uid[key & (BUCKETS - 1)] : p->head_org[key & (BUCKETS - 1)];
	for (uint32_t n = 0; s >= 0 && n < RING_SIZE; n++) {
		struct req *r = &p->ring[s];
		if ((uid ? r->uid_key : r->org_key) == key)
			return r;
		s = uid ? r->next_uid : r->next_org;
	}
	return NULL;
}

static const char *verdict(const struct np_exchange *x)
{
	if (x->late)
		return "late";
	if (!x->have_req)
		return x->nak ? "nak-unmatched" : "no-request";
	if (!x->have_resp)
		return "no-response";
	if (x->nak)
		return "nak";
	if (x->kiss[0])
		return "kiss";   /* RATE, DENY, ... (RFC 5905 section 7.4) */
	if (x->cut)
		return "truncated";   /* the capture holds too little to judge */
	if (x->findings & (1u << NP_F_UID_MISMATCH))
		return "uid-mismatch";
	if (x->findings & (1u << NP_F_DOWNGRADE))
		return "downgrade";
	if (x->req_verified == 0 || x->resp_verified == 0)
		return "auth-fail";
	if (!x->nts)
		return "ok";
	if (x->req_verified == 1 && x->resp_verified == 1)
		return "verified";
	if (x->resp_verified == 1)
		return "verified-response";
	return "unverified";
}

static void judge(struct np_ctx *c, struct req *r, const struct np_ntp *n,
		  const struct np_frame *f, struct np_ann *a, struct np_exchange *x)
{
	x->have_resp = true;
	x->resp_frame = c->frame;
	x->resp_ts = c->ts;
	x->resp_len = n->len;
	x->resp_auth = n->nauth > 0;
	x->nak = n->nak;
	x->stratum = n->hdr.stratum;
	if (n->hdr.stratum == 0 && !n->nak) {
		char code[32];
		np_refid_str(&n->hdr, code, sizeof code);
		snprintf(x->kiss, sizeof x->kiss, "%.4s", code[0] ? code : "?");
	}
	x->findings |= n->findings;
	if (f->cut)
		x->cut = c->snaplen ? c->snaplen : (unsigned)f->len;
	if (!r) {
		x->client = f->dst;
		x->server = f->src;
		x->resp_verified = -1;
		x->req_verified = -1;
		/* an NTS response stays NTS without its request */
		x->nts = x->nts || n->nts;
		if (n->nak && !x->late)
			x->findings |= 1u << NP_F_NAK_UNMATCHED;
		return;
	}
	r->responses++;
	fill_from_req(x, r);
	x->findings |= n->findings;
	if (x->cut) {
		/* part of a packet is missing: nothing to verify or count */
		x->resp_verified = -1;
		return;
	}
	if (r->nts && !n->nak) {
		if (n->nauth == 0)
			x->findings |= 1u << NP_F_DOWNGRADE;
		else if (r->keys >= 0)
			np_verify_response(c->ver, n, r->keys, a);
	}
	x->resp_verified = a->verified;
	if (a->verified == 0)
		x->findings |= 1u << NP_F_AUTH_FAIL;
	if (n->len > r->len)
		x->findings |= 1u << NP_F_AMPLIFICATION;
	if (a->verified == 1) {
		x->cookies_back = a->inner_cookies;
	} else if (n->nauth && n->auth_err == NTS_OK) {
		x->cookies_back = np_estimate_cookies(n->ct_len, r->cookie_len);
		x->cookies_estimated = true;
	}
	/* RFC 8915 section 5.7: one new cookie per cookie and placeholder
	 * sent; judged only on a decrypted response with placeholders (the
	 * cookie count is known, and there were placeholders to answer) */
	if (r->nts && r->nplaceholders && !n->nak && a->verified == 1 &&
	    x->cookies_back < r->ncookies + r->nplaceholders)
		x->findings |= 1u << NP_F_PLACEHOLDER;
	if (!n->nak && n->hdr.stratum != 0) {
		struct timespec t1 = r->ts, t4 = c->ts;
		ntp_offset_delay(ntp_ts_from_timespec(&t1), n->hdr.rec, n->hdr.xmt,
				 ntp_ts_from_timespec(&t4), &x->offset, &x->delay);
		x->have_times = true;
	}
}

/* A response to a request that already timed out: say so, with the
 * request's frame, instead of calling it a response to nothing. */
static void late_match(struct np_pending *p, uint64_t ah, const struct np_ntp *n,
		       struct np_exchange *x)
{
	const struct late *l = NULL;
	if (n->uid) {
		uint64_t k = pair_key(ah, n->uid_hash);
		l = &p->late_uid[k & (LATE_SLOTS - 1)];
		if (l->key != k)
			l = NULL;
	}
	if (!l && !n->nak) {
		uint64_t k = pair_key(ah, n->hdr.org);
		l = &p->late_org[k & (LATE_SLOTS - 1)];
		if (l->key != k)
			l = NULL;
	}
	if (!l)
		return;
	x->late = true;
	x->nts = l->nts;
	x->req_frame = l->frame;
}

static void response(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n)
{
	struct np_ann a;
	struct np_exchange x;
	ann_init(&a);
	memset(&x, 0, sizeof x);
	struct req *r = NULL;
	uint64_t ah = addr_hash(&f->dst, &f->src);
	if (n->uid)
		r = find(c->pend, pair_key(ah, n->uid_hash), true);
	/* a NAK counts only when its UID matches (RFC 8915 section 5.7) */
	if (!r && !n->nak) {
		r = find(c->pend, pair_key(ah, n->hdr.org), false);
		/* RFC 8915 section 5.7: an NTS client takes only a response that
		 * echoes its Unique Identifier; one with no UID at all is a
		 * downgrade, judged below */
		if (r && r->nts && n->uid)
			x.findings |= 1u << NP_F_UID_MISMATCH;
	}
	if (!r)
		late_match(c->pend, ah, n, &x);
	uint32_t before = r ? r->findings : 0;
	judge(c, r, n, f, &a, &x);
	/* answered: a repeated response then shows as one to no request */
	if (r)
		unindex(c->pend, r);
	/* each packet's findings once: the request's were counted with it */
	np_count_findings(c, n->findings | (x.findings & ~before));
	np_out_packet(c, f, n, &a);
	x.verdict = verdict(&x);
	emit(c, &x);
}

void np_ntp_packet(struct np_ctx *c, const struct np_frame *f)
{
	struct np_ntp n;
	c->n_ntp++;
	expire(c);
	np_ntp_decode(f->payload, f->len, &n);
	if (f->cut) {
		n.findings = 0;   /* the snap length cut it: a part proves nothing */
		n.nts = n.nts || n.broken_nts;
	}
	if (n.hdr_err == NTS_OK && n.hdr.mode == NTP_MODE_CLIENT) {
		struct np_ann a;
		ann_init(&a);
		if (n.nts && !f->cut)
			np_verify_request(c->ver, &n, c->frame, &a);
		if (a.verified == 0)
			n.findings |= 1u << NP_F_AUTH_FAIL;
		if (a.reused_frame)
			n.findings |= 1u << NP_F_COOKIE_REUSE;
		np_count_findings(c, n.findings);
		np_out_packet(c, f, &n, &a);
		add_request(c, f, &n, &a);
		return;
	}
	if (n.hdr_err == NTS_OK && n.hdr.mode == NTP_MODE_SERVER) {
		response(c, f, &n);
		return;
	}
	struct np_ann a;
	ann_init(&a);
	np_count_findings(c, n.findings);
	np_out_packet(c, f, &n, &a);
}
