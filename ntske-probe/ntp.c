/* ntske-probe: NTS-protected NTP queries, with cookie refresh over --count. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "probe.h"

int probe_ntp_resolve_server(const struct probe_opts *o, struct probe_result *r)
{
	char err[256];
	if (!r->resp.has_server) {
		/* RFC 8915 section 4.1.7: no Server record means the KE server's address */
		r->ntp_target = r->target;
		if (r->target.ss.ss_family == AF_INET)
			((struct sockaddr_in *)&r->ntp_target.ss)->sin_port = htons(r->ntp_port);
		else
			((struct sockaddr_in6 *)&r->ntp_target.ss)->sin6_port = htons(r->ntp_port);
		r->ntp_target.port = r->ntp_port;
		return 0;
	}
	int fam = o->family != AF_UNSPEC ? o->family : r->target.ss.ss_family;
	if (probe_resolve(r->ntp_host, r->ntp_port, fam, o->timeout, &r->ntp_target, err,
			  sizeof err) == 0 ||
	    probe_resolve(r->ntp_host, r->ntp_port, o->family, o->timeout, &r->ntp_target, err,
			  sizeof err) == 0)
		return 0;
	probe_fail(r, PX_NTP, "ntp", "cannot resolve the NTP server from the Server record: %s", err);
	return -1;
}

long probe_ntp_exchange(const struct probe_target *t, const uint8_t *req, size_t req_len,
		  uint8_t *resp, size_t cap, double timeout, char *err, size_t errlen)
{
	int fd = socket(t->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* connected: replies from elsewhere are filtered, ICMP errors reported */
	if (connect(fd, (const struct sockaddr *)&t->ss, t->sslen) != 0 ||
	    send(fd, req, req_len, 0) != (ssize_t)req_len) {
		snprintf(err, errlen, "%s port %u: %s", t->addr, (unsigned)t->port, strerror(errno));
		close(fd);
		return -1;
	}
	double deadline = mono_now() + timeout;
	long got = 0;
	for (;;) {
		double left = deadline - mono_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) == 0)
			break;
		ssize_t n = recv(fd, resp, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s port %u: %s", t->addr, (unsigned)t->port,
				 strerror(errno));
			got = -1;
		} else {
			got = (long)n;
		}
		break;
	}
	close(fd);
	return got;
}

/* Cookies on hand: those from KE first, then those from replies, newest used first. */
struct cookie_jar {
	size_t n;
	uint16_t len[PROBE_MAX_QUERIES + NTS_MAX_COOKIES];
	uint8_t data[PROBE_MAX_QUERIES + NTS_MAX_COOKIES][NTS_COOKIE_MAX];
	char from[PROBE_MAX_QUERIES + NTS_MAX_COOKIES][16];
};

static void jar_put(struct cookie_jar *j, const uint8_t *c, size_t len, const char *from)
{
	if (j->n >= sizeof j->len / sizeof j->len[0] || len > NTS_COOKIE_MAX)
		return;
	memcpy(j->data[j->n], c, len);
	j->len[j->n] = (uint16_t)len;
	snprintf(j->from[j->n], sizeof j->from[0], "%s", from);
	j->n++;
}

static void refid_text(const struct ntp_hdr *h, char *out, size_t cap)
{
	uint8_t b[4];
	nts_put32(b, h->refid);
	/* stratum 0 and 16: a kiss code (RFC 5905 section 7.4, "INIT", "RATE");
	 * stratum 1: a source name ("GPS"); others: an IPv4 address or hash */
	bool text = h->stratum <= 1 || h->stratum >= PROBE_STRATUM_UNSYNC;
	bool ascii = b[0] >= 32 && b[0] < 127;
	for (int i = 1; i < 4 && ascii; i++)
		ascii = b[i] == 0 || (b[i] >= 32 && b[i] < 127);
	if (text && ascii)
		snprintf(out, cap, "%.4s", (const char *)b);
	else if (text && h->refid == 0)
		snprintf(out, cap, "(none)");
	else
		snprintf(out, cap, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* RFC 5905 section 7.3: leap 3 is "clock unsynchronized"; stratum 0 is a kiss
 * and 16 unsynchronised: time from such a reply must not be used. */
static bool unsynchronised(const struct ntp_hdr *h)
{
	return h->leap == 3 || h->stratum == 0 || h->stratum >= PROBE_STRATUM_UNSYNC;
}

static uint64_t now_ntp(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ts_from_timespec(&ts);
}

static void fill_reply(struct probe_query *q, const struct nts_client_response *cr, uint64_t t1,
		       uint64_t t4)
{
	const struct ntp_hdr *h = &cr->hdr;
	ntp_offset_delay(t1, h->rec, h->xmt, t4, &q->offset, &q->delay);
	q->stratum = h->stratum;
	q->leap = h->leap;
	q->version = h->version;
	q->mode = h->mode;
	q->precision = h->precision;
	q->root_delay = ntp_short_to_double(h->root_delay);
	q->root_disp = ntp_short_to_double(h->root_disp);
	refid_text(h, q->refid, sizeof q->refid);
	q->unsync = unsynchronised(h);
	q->ncookies = cr->ncookies;
	q->cookie_len = cr->ncookies ? cr->cookie_len[0] : 0;
}

struct probe_ntp_ctx {
	const struct probe_opts *o;
	struct probe_result *r;
	struct nts_aead *c2s, *s2c;
	struct cookie_jar jar;
};

static int one_query(struct probe_ntp_ctx *x, size_t i)
{
	struct probe_query *q = &x->r->q[i];
	struct cookie_jar *j = &x->jar;
	if (j->n == 0) {
		snprintf(q->error, sizeof q->error, "no cookie left");
		return PX_NTP;
	}
	size_t ci = --j->n;    /* the newest: a cookie from the last reply if any */
	snprintf(q->cookie_from, sizeof q->cookie_from, "%s", j->from[ci]);
	uint8_t uid[NTS_UID_LEN], pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	if (nts_random(uid, sizeof uid) != NTS_OK)
		return PX_LOCAL;
	struct nts_client_request req = {
		.hdr = {.version = 4, .mode = NTP_MODE_CLIENT, .xmt = now_ntp()},
		.uid = uid, .uid_len = sizeof uid, .cookie = j->data[ci], .cookie_len = j->len[ci],
		.placeholders = x->o->placeholders,
	};
	int rc = nts_client_build_request(&req, x->c2s, pkt, sizeof pkt, &q->req_len);
	if (rc != NTS_OK) {
		snprintf(q->error, sizeof q->error, "cannot build request: %s", nts_strerror(rc));
		return PX_LOCAL;
	}
	char err[160] = "";
	double t0 = mono_now();
	q->sent = true;
	long n = probe_ntp_exchange(&x->r->ntp_target, pkt, q->req_len, resp, sizeof resp,
			      x->o->timeout, err, sizeof err);
	uint64_t t4 = now_ntp();
	q->rtt_ms = (mono_now() - t0) * 1e3;
	if (n <= 0) {
		snprintf(q->error, sizeof q->error, "%s", n == 0 ? "no response" : err);
		if (n == 0)
			snprintf(q->error, sizeof q->error, "no response within %.1f s",
				 x->o->timeout);
		return PX_NTP;
	}
	q->resp_len = (size_t)n;
	struct nts_client_response cr;
	rc = nts_client_parse_response(resp, (size_t)n, uid, sizeof uid, x->s2c, &cr);
	q->nak = rc == NTS_E_NTS_NAK;
	if (q->nak) {
		snprintf(q->error, sizeof q->error, "NTS NAK (kiss code NTSN): cookie refused");
		return PX_NAK;
	}
	if (rc != NTS_OK) {
		q->uid_echo = rc != NTS_E_NTS_UID_MISMATCH && rc != NTS_E_NTS_NO_UID;
		snprintf(q->error, sizeof q->error, "response rejected: %s (%s)", nts_strerror(rc),
			 nts_errname(rc));
		return PX_NTP;
	}
	q->uid_echo = q->authenticated = true;
	fill_reply(q, &cr, req.hdr.xmt, t4);
	if (cr.hdr.org != req.hdr.xmt) {
		snprintf(q->error, sizeof q->error, "origin timestamp does not match our transmit");
		return PX_NTP;
	}
	char from[16];
	snprintf(from, sizeof from, "ntp#%zu", i + 1);
	struct probe_result *r = x->r;
	for (size_t k = 0; k < cr.ncookies; k++) {
		jar_put(j, cr.cookies[k], cr.cookie_len[k], from);
		if (r->nntp_cookies < PROBE_MAX_QUERIES) {
			memcpy(r->ntp_cookies[r->nntp_cookies], cr.cookies[k], cr.cookie_len[k]);
			r->ntp_cookie_len[r->nntp_cookies++] = cr.cookie_len[k];
		}
	}
	q->ok = true;
	return PX_OK;
}

static void pause_interval(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void refresh_verdict(struct probe_result *r)
{
	r->refresh_tested = false;
	r->refresh_ok = true;
	for (size_t i = 0; i < r->nq; i++) {
		if (strncmp(r->q[i].cookie_from, "ntp#", 4) != 0)
			continue;
		r->refresh_tested = true;
		r->refresh_ok = r->refresh_ok && r->q[i].ok;
	}
	if (!r->refresh_tested)
		r->refresh_ok = false;
}

int probe_ntp_run(const struct probe_opts *o, struct probe_result *r)
{
	if (probe_ntp_resolve_server(o, r) != 0)
		return -1;
	static struct probe_ntp_ctx x;
	memset(&x, 0, sizeof x);
	x.o = o;
	x.r = r;
	for (size_t k = r->resp.ncookies; k-- > 0;)
		jar_put(&x.jar, r->resp.cookies[k], r->resp.cookie_len[k], "ke");
	if (nts_aead_new(r->resp.aead, r->c2s, r->key_len, &x.c2s) != NTS_OK ||
	    nts_aead_new(r->resp.aead, r->s2c, r->key_len, &x.s2c) != NTS_OK) {
		nts_aead_free(x.c2s);
		probe_fail(r, PX_LOCAL, "ntp", "cannot key AEAD %u", (unsigned)r->resp.aead);
		return -1;
	}
	double t0 = mono_now();
	r->ntp.run = true;
	int code = PX_OK;
	for (size_t i = 0; i < o->count && i < PROBE_MAX_QUERIES; i++) {
		if (i > 0)
			pause_interval(o->interval);
		r->nq = i + 1;
		code = one_query(&x, i);
		if (code != PX_OK)
			break;
	}
	r->ntp.ms = (mono_now() - t0) * 1e3;
	nts_aead_free(x.c2s);
	nts_aead_free(x.s2c);
	refresh_verdict(r);
	for (size_t i = 0; i < r->nq && code == PX_OK; i++) {
		const struct probe_query *q = &r->q[i];
		if (q->ok && q->unsync) {
			probe_fail(r, PX_UNSYNC, "ntp", "query %zu: the server is not synchronised "
				   "(leap %u, stratum %u, refid %s): do not take time from it", i + 1,
				   q->leap, q->stratum, q->refid);
			return -1;
		}
	}
	if (code != PX_OK) {
		const struct probe_query *q = &r->q[r->nq - 1];
		probe_fail(r, code, "ntp", "query %zu to %s port %u (cookie from %s): %s", r->nq,
			   r->ntp_target.addr, (unsigned)r->ntp_target.port, q->cookie_from, q->error);
		return -1;
	}
	return 0;
}
