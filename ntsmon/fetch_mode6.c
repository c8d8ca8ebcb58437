/* ntsmon: a target read over mode 6 (RFC 9327) the way NTPsec's ntpq does:
 * READVAR of the system and of NTPsec's NTS counters, READSTAT for the
 * associations and their selection codes, READVAR of each association.
 * The wire format is libnts's mode6.c. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "fetch.h"
#include "nts/err.h"
#include "nts/mode6.h"

#define NTP_UNIX_OFFSET 2208988800.0

struct m6 {
	int fd;
	uint16_t seq;
	int timeout_ms;
	struct nts_m6_reasm r;
};

/* One request and its (possibly fragmented) answer in q->r. Returns 1,
 * NTS_E_M6_SERVER (code in q->r.cerr), or a negative error / 0 on timeout. */
static int query(struct m6 *q, uint8_t op, uint16_t assoc, const char *names)
{
	uint8_t pkt[NTS_M6_FRAG_MAX + 8];
	struct nts_m6_msg m = { .version = 2, .op = op, .seq = ++q->seq, .assoc = assoc,
				.count = (uint16_t)(names ? strlen(names) : 0),
				.data = (const uint8_t *)names };
	size_t len = nts_m6_encode(&m, pkt, sizeof pkt);
	if (len == 0 || send(q->fd, pkt, len, 0) != (ssize_t)len)
		return NTS_E_INVAL;
	nts_m6_reasm_init(&q->r, m.seq, op, assoc);
	int64_t deadline = mono_ms() + q->timeout_ms;
	for (int n = 0; n < 2 * NTS_M6_MAX_FRAGS; n++) {
		int left = (int)(deadline - mono_ms());
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		uint8_t in[2048];
		ssize_t r = recv(q->fd, in, sizeof in, 0);
		if (r < 0)
			return errno == ECONNREFUSED ? NTS_E_IO : 0;
		int rc = nts_m6_reasm_add(&q->r, in, (size_t)r);
		if (rc == 1 || rc == NTS_E_M6_SERVER)
			return rc;
		/* stale or foreign datagrams are skipped; broken fragments too */
	}
	return 0;
}

/* Truncating string copy (values from the wire can be longer than fields). */
static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memmove(dst, src, n);
	dst[n] = '\0';
}

static double lfp_unix(const char *v)
{
	unsigned long hi = 0, lo = 0;
	if (sscanf(v, "0x%lx.%lx", &hi, &lo) != 2)
		return NAN;
	return (double)hi + (double)lo / 4294967296.0 - NTP_UNIX_OFFSET;
}

static void apply_sys(struct mon_snapshot *s, const struct nts_m6_var *v)
{
	if (strcmp(v->name, "version") == 0)
		copy(s->version, sizeof s->version, v->value);
	else if (strcmp(v->name, "stratum") == 0)
		s->stratum = atoi(v->value);
	else if (strcmp(v->name, "leap") == 0)
		s->leap = (int)strtol(v->value, NULL, 2);
	else if (strcmp(v->name, "refid") == 0)
		copy(s->refid, sizeof s->refid, v->value);
	else if (strcmp(v->name, "offset") == 0)
		s->offset = atof(v->value) / 1e3;
	for (int i = 0; i < MON_C_MAX; i++)
		if (strcmp(v->name, mon_counter_var((enum mon_counter)i)) == 0) {
			s->have_c[i] = true;
			s->c[i] = strtoull(v->value, NULL, 10);
		}
}

static void apply_peer(struct mon_source *p, const struct nts_m6_var *v, double now)
{
	const char *n = v->name, *x = v->value;
	if (strcmp(n, "srcadr") == 0)
		copy(p->addr, sizeof p->addr, x);
	else if (strcmp(n, "srchost") == 0)
		copy(p->name, sizeof p->name, x);
	else if (strcmp(n, "refid") == 0)
		copy(p->refid, sizeof p->refid, x);
	else if (strcmp(n, "stratum") == 0)
		p->stratum = atoi(x);
	else if (strcmp(n, "reach") == 0)
		p->reach = (unsigned)strtoul(x, NULL, 0);   /* shipped as hex */
	else if (strcmp(n, "hpoll") == 0 || strcmp(n, "ppoll") == 0) {
		int v2 = atoi(x);
		if (p->poll == 0 || v2 < p->poll)
			p->poll = v2;
	} else if (strcmp(n, "delay") == 0)
		p->delay = atof(x) / 1e3;   /* ntpd sends milliseconds */
	else if (strcmp(n, "offset") == 0)
		p->offset = atof(x) / 1e3;
	else if (strcmp(n, "jitter") == 0)
		p->jitter = atof(x) / 1e3;
	else if (strcmp(n, "rec") == 0) {
		double t = lfp_unix(x);
		p->when = isnan(t) || t <= 0 ? -1 : now - t;
	} else if (strcmp(n, "ntscookies") == 0) {
		p->cookies = atoi(x);
		p->nts = true;
	} else if (strcmp(n, "ntske_age") == 0)
		p->ke_age = atof(x);
	else if (strcmp(n, "ntsaead") == 0)
		p->aead = (unsigned)atoi(x);
	else if (strcmp(n, "ntsnaks") == 0)
		p->naks = atoll(x);
	else if (strcmp(n, "ntscertdays") == 0)
		p->cert_days = atof(x);
	else if (strcmp(n, "ntserror") == 0)
		copy(p->last_error, sizeof p->last_error, x);
}

static void each_var(const struct nts_m6_reasm *r, void (*fn)(void *ctx, const struct nts_m6_var *v),
		     void *ctx)
{
	struct nts_m6_vr rd;
	struct nts_m6_var v;
	nts_m6_vr_init(&rd, r->data, r->total);
	for (size_t guard = 0; guard < r->total + 1 && nts_m6_vr_next(&rd, &v); guard++)
		fn(ctx, &v);
}

static void sys_cb(void *ctx, const struct nts_m6_var *v) { apply_sys(ctx, v); }

struct peer_ctx {
	struct mon_source *p;
	double now;
};
static void peer_cb(void *ctx, const struct nts_m6_var *v)
{
	struct peer_ctx *c = ctx;
	apply_peer(c->p, v, c->now);
}

static bool fail(struct mon_snapshot *s, int fd, const char *a, const char *b)
{
	snprintf(s->error, sizeof s->error, "%.80s: %.70s", a, b);
	s->up = false;
	if (fd >= 0)
		close(fd);
	return false;
}

bool mon_fetch_mode6(const char *host, const char *port, struct mon_snapshot *s, int timeout_ms)
{
	memset(s, 0, sizeof *s);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return fail(s, -1, host, gai_strerror(rc));
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		return fail(s, fd, host, strerror(errno));
	}
	freeaddrinfo(ai);
	static struct m6 q;
	q.fd = fd;
	q.timeout_ms = timeout_ms;
	q.seq = (uint16_t)(q.seq + 100);
	rc = query(&q, NTS_M6_OP_READVAR, 0, NULL);
	if (rc != 1)
		return fail(s, fd, host,
			    rc == 0 ? "no mode 6 answer" : rc == NTS_E_M6_SERVER ? "mode 6 refused" : "unreachable");
	s->up = true;
	s->stratum = 16;
	s->offset = NAN;
	each_var(&q.r, sys_cb, s);
	s->synchronised = s->leap != 3 && s->stratum < 16;
	s->time = (int64_t)time(NULL);
	/* NTPsec's NTS counters, by the names its ntpq -c nts asks for; a
	 * server without them answers UNKNOWNVAR and shows none */
	char names[512] = "";
	for (int i = 0; i < MON_C_MAX; i++) {
		if (i == MON_C_NAKS || i == MON_C_PLAIN)
			continue;   /* ntsd's own: not mode 6 variables */
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "%s%s", l ? "," : "", mon_counter_var((enum mon_counter)i));
	}
	if (query(&q, NTS_M6_OP_READVAR, 0, names) == 1)
		each_var(&q.r, sys_cb, s);
	if (query(&q, NTS_M6_OP_READSTAT, 0, NULL) != 1) {
		close(fd);
		return true;   /* the system is up; no association list */
	}
	struct nts_m6_assoc a[MON_MAX_SOURCES];
	int n = nts_m6_assoc_list(q.r.data, q.r.total, a, MON_MAX_SOURCES);
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	double now = (double)wall.tv_sec + wall.tv_nsec / 1e9;
	for (int i = 0; i < n; i++) {
		struct mon_source *p = &s->src[s->nsrc];
		memset(p, 0, sizeof *p);
		p->associd = a[i].assoc;
		p->tally = nts_m6_tally(nts_m6_peer_sel(a[i].status));
		p->type = 'u';
		p->offset = p->delay = p->jitter = p->cert_days = NAN;
		p->cookies = -1;
		p->ke_age = -1;
		p->naks = -1;
		p->when = -1;
		if (query(&q, NTS_M6_OP_READVAR, a[i].assoc, NULL) != 1)
			continue;
		/* the tally of the moment, from this answer's status word */
		p->tally = nts_m6_tally(nts_m6_peer_sel(q.r.status));
		struct peer_ctx c = { p, now };
		each_var(&q.r, peer_cb, &c);
		if (!p->name[0])
			copy(p->name, sizeof p->name, p->addr);
		if (strchr(p->name, '('))
			p->type = 'l';   /* ntpq's test for a refclock */
		s->nsrc++;
	}
	close(fd);
	return true;
}
