/* NTS client association: cookie jar, keys, NAK hints and KE back-off (RFC 8915 sections 4, 5.7). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "nts/nts_assoc.h"
#include "nts/nts_ef.h"

struct cookie {
	uint16_t len;
	uint8_t data[NTS_COOKIE_MAX];
};

struct nts_assoc {
	/* configuration */
	char ke_host[NTSKE_MAX_SERVER + 1];
	uint16_t ke_port;
	uint16_t aeads[NTS_ASSOC_MAX_AEADS];
	size_t naeads;
	double backoff_min, backoff_max;
	int64_t refresh;
	struct nts_counters *counters;

	/* from the last successful NTS-KE */
	bool have_keys;
	uint16_t aead;
	size_t key_len;
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	struct nts_aead *c2s_h, *s2c_h;
	int64_t ke_wall;
	char ntp_host[NTSKE_MAX_SERVER + 1];
	uint16_t ntp_port;
	bool ntp_from_record;

	/* the jar: a FIFO, oldest first; a taken cookie is gone */
	struct cookie jar[NTS_ASSOC_JAR];
	size_t jar_head, jar_n;

	/* the outstanding request */
	bool outstanding;
	uint8_t uid[NTS_UID_LEN];
	uint64_t seq;                 /* requests built so far */

	/* NAK hint (section 5.7) */
	bool nak_pending;
	uint64_t nak_seq;             /* the request the first NAK answered */
	uint64_t naks;

	/* NTS-KE */
	bool ke_running;
	unsigned streak;              /* KE attempts since an authentic NTP answer */
	unsigned fails_in_row;
	double ke_next;
	uint64_t ke_ok, ke_fail;

	struct nts_client_response resp;   /* scratch: large, kept off the stack */
};

static void count(struct nts_assoc *a, uint64_t *field)
{
	if (a->counters)
		nts_count(field);
}

#define CTR(a, f) ((a)->counters ? &(a)->counters->f : NULL)

int nts_assoc_new(const struct nts_assoc_params *p, struct nts_assoc **out)
{
	if (!p || !out || !p->ke_host || !p->ke_host[0] || strlen(p->ke_host) > NTSKE_MAX_SERVER ||
	    p->naeads > NTS_ASSOC_MAX_AEADS)
		return NTS_E_INVAL;
	for (size_t i = 0; i < p->naeads; i++)
		if (!nts_aead_supported(p->aeads[i]))
			return NTS_E_INVAL;
	struct nts_assoc *a = calloc(1, sizeof *a);
	if (!a)
		return NTS_E_NOMEM;
	strcpy(a->ke_host, p->ke_host);
	a->ke_port = p->ke_port ? p->ke_port : NTSKE_PORT;
	if (p->naeads) {
		memcpy(a->aeads, p->aeads, p->naeads * sizeof a->aeads[0]);
		a->naeads = p->naeads;
	} else {
		/* section 5.1: AEAD_AES_SIV_CMAC_256 is mandatory to implement */
		a->aeads[0] = NTS_AEAD_AES_SIV_CMAC_256;
		a->naeads = 1;
	}
	a->backoff_min = p->backoff_min > 0 ? p->backoff_min : NTS_ASSOC_BACKOFF_MIN;
	a->backoff_max = p->backoff_max > 0 ? p->backoff_max : NTS_ASSOC_BACKOFF_MAX;
	if (a->backoff_max < a->backoff_min)
		a->backoff_max = a->backoff_min;
	a->refresh = p->refresh ? p->refresh : NTS_ASSOC_REFRESH;
	a->counters = p->counters;
	*out = a;
	return NTS_OK;
}

static void drop_keys(struct nts_assoc *a)
{
	nts_aead_free(a->c2s_h);
	nts_aead_free(a->s2c_h);
	a->c2s_h = a->s2c_h = NULL;
	explicit_bzero(a->c2s, sizeof a->c2s);
	explicit_bzero(a->s2c, sizeof a->s2c);
	a->have_keys = false;
}

void nts_assoc_free(struct nts_assoc *a)
{
	if (!a)
		return;
	drop_keys(a);
	explicit_bzero(a, sizeof *a);
	free(a);
}

const char *nts_assoc_ke_why_str(enum nts_assoc_ke_why why)
{
	switch (why) {
	case NTS_ASSOC_KE_NONE: return "not needed";
	case NTS_ASSOC_KE_INITIAL: return "no keys yet";
	case NTS_ASSOC_KE_NO_COOKIES: return "out of cookies";
	case NTS_ASSOC_KE_NAK: return "NTS NAK and no authentic answer since";
	case NTS_ASSOC_KE_REFRESH: return "keys due for refresh";
	}
	return "unknown";
}

/* ---- the jar */

static void jar_clear(struct nts_assoc *a)
{
	explicit_bzero(a->jar, sizeof a->jar);
	a->jar_head = a->jar_n = 0;
}

/* Add at the tail; past 8 the newcomer is dropped (the jar is full of
 * cookies just as fresh). */
static void jar_put(struct nts_assoc *a, const uint8_t *c, size_t len)
{
	if (a->jar_n >= NTS_ASSOC_JAR || len == 0 || len > NTS_COOKIE_MAX)
		return;
	struct cookie *k = &a->jar[(a->jar_head + a->jar_n++) % NTS_ASSOC_JAR];
	memcpy(k->data, c, len);
	k->len = (uint16_t)len;
}

static const struct cookie *jar_oldest(const struct nts_assoc *a)
{
	return a->jar_n ? &a->jar[a->jar_head] : NULL;
}

static const struct cookie *jar_at(const struct nts_assoc *a, size_t i)
{
	return &a->jar[(a->jar_head + i) % NTS_ASSOC_JAR];
}

static void jar_pop(struct nts_assoc *a)
{
	if (!a->jar_n)
		return;
	explicit_bzero(&a->jar[a->jar_head], sizeof a->jar[0]);
	a->jar_head = (a->jar_head + 1) % NTS_ASSOC_JAR;
	a->jar_n--;
}

/* ---- planning */

static enum nts_assoc_ke_why ke_wanted(const struct nts_assoc *a, int64_t wall)
{
	if (!a->have_keys)
		return NTS_ASSOC_KE_INITIAL;
	if (a->jar_n == 0)
		return NTS_ASSOC_KE_NO_COOKIES;
	/* Section 5.7: a NAK is unauthenticated, so never act on it alone;
	 * wait one poll for an authentic answer, and only if none came (a
	 * request went out after the NAKed one and still nothing) renegotiate. */
	if (a->nak_pending && a->seq > a->nak_seq)
		return NTS_ASSOC_KE_NAK;
	if (a->refresh > 0 && (wall - a->ke_wall >= a->refresh || wall < a->ke_wall - 86400))
		return NTS_ASSOC_KE_REFRESH;
	return NTS_ASSOC_KE_NONE;
}

void nts_assoc_plan(struct nts_assoc *a, double mono, int64_t wall, struct nts_assoc_plan *p)
{
	memset(p, 0, sizeof *p);
	p->can_send = a->have_keys && a->jar_n > 0;
	p->ke = ke_wanted(a, wall);
	if (p->ke == NTS_ASSOC_KE_NONE || a->ke_running)
		return;
	if (mono >= a->ke_next)
		p->ke_now = true;
	else
		p->ke_at = a->ke_next;
}

/* ---- NTS-KE */

int nts_assoc_ke_begin(struct nts_assoc *a, uint8_t *out, size_t cap, size_t *len)
{
	struct ntske_request req;
	if (!a || a->ke_running)
		return NTS_E_INVAL;
	memset(&req, 0, sizeof req);
	req.protos[0] = NTSKE_PROTO_NTPV4;
	req.nprotos = 1;
	memcpy(req.aeads, a->aeads, a->naeads * sizeof req.aeads[0]);
	req.naeads = a->naeads;
	int rc = ntske_request_build(&req, out, cap, len);
	if (rc == NTS_OK)
		a->ke_running = true;
	return rc;
}

bool nts_assoc_ke_running(const struct nts_assoc *a)
{
	return a->ke_running;
}

/* Doubling back-off from backoff_min, capped. It counts every attempt
 * since the last authentic NTP answer, successful or not: a server whose
 * fresh cookies are NAKed again must not get a handshake every other poll. */
static double backoff(struct nts_assoc *a, double mono)
{
	double d = a->backoff_min;
	for (unsigned i = 1; i < a->streak && d < a->backoff_max; i++)
		d *= 2;
	if (d > a->backoff_max)
		d = a->backoff_max;
	a->ke_next = mono + d;
	return d;
}

double nts_assoc_ke_failed(struct nts_assoc *a, double mono)
{
	a->ke_running = false;
	a->streak++;
	a->fails_in_row++;
	a->ke_fail++;
	count(a, CTR(a, ke_probes_bad));
	return backoff(a, mono);
}

static bool offered(const struct nts_assoc *a, uint16_t aead)
{
	for (size_t i = 0; i < a->naeads; i++)
		if (a->aeads[i] == aead)
			return true;
	return false;
}

static int take_ke(struct nts_assoc *a, const struct ntske_response *r, nts_assoc_exporter exporter,
		   void *ctx, int64_t wall)
{
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	struct nts_aead *hc = NULL, *hs = NULL;
	size_t klen = nts_aead_key_len(r->aead);
	int rc;

	/* Section 4.1.5: the server picks from our list; anything else
	 * means it did not read the request or is not an NTS server. */
	if (!offered(a, r->aead) || klen == 0)
		return NTS_E_KE_AEAD_NOT_OFFERED;
	if ((rc = exporter(ctx, r->aead, c2s, s2c, klen)) != NTS_OK)
		goto out;
	if ((rc = nts_aead_new(r->aead, c2s, klen, &hc)) != NTS_OK ||
	    (rc = nts_aead_new(r->aead, s2c, klen, &hs)) != NTS_OK) {
		nts_aead_free(hc);
		goto out;
	}
	/* Section 5.7: after a successful KE, discard all old cookies and
	 * parameters. */
	drop_keys(a);
	jar_clear(a);
	a->have_keys = true;
	a->aead = r->aead;
	a->key_len = klen;
	memcpy(a->c2s, c2s, klen);
	memcpy(a->s2c, s2c, klen);
	a->c2s_h = hc;
	a->s2c_h = hs;
	a->ke_wall = wall;
	for (size_t i = 0; i < r->ncookies; i++)
		jar_put(a, r->cookies[i], r->cookie_len[i]);
	/* Section 4.1.7/4.1.8: Server and Port records name the NTP server;
	 * without them it is the KE server on port 123. */
	a->ntp_from_record = r->has_server;
	strcpy(a->ntp_host, r->has_server ? r->server : a->ke_host);
	a->ntp_port = r->has_port ? r->port : NTP_PORT;
	a->outstanding = false;
	a->nak_pending = false;
out:
	explicit_bzero(c2s, sizeof c2s);
	explicit_bzero(s2c, sizeof s2c);
	return rc;
}

int nts_assoc_ke_response(struct nts_assoc *a, const uint8_t *msg, size_t len,
			  nts_assoc_exporter exporter, void *ctx, double mono, int64_t wall,
			  struct nts_assoc_ke_result *res)
{
	static const struct nts_assoc_ke_result zero;
	struct ntske_response *r;
	int rc;

	if (!a || !exporter || !res)
		return NTS_E_INVAL;
	*res = zero;
	r = malloc(sizeof *r);
	if (!r) {
		res->retry_in = nts_assoc_ke_failed(a, mono);
		return NTS_E_NOMEM;
	}
	rc = ntske_response_parse(msg, len, r);
	if (rc == NTS_E_KE_ERROR_RECORD)
		res->error_code = r->error_code;
	if (rc == NTS_OK)
		rc = take_ke(a, r, exporter, ctx, wall);
	if (rc == NTS_OK) {
		a->ke_running = false;
		a->streak++;
		a->fails_in_row = 0;
		a->ke_ok++;
		count(a, CTR(a, ke_probes_good));
		backoff(a, mono);
		res->aead = a->aead;
		res->ncookies = a->jar_n;
		res->cookie_len = a->jar_n ? jar_oldest(a)->len : 0;
		strcpy(res->ntp_host, a->ntp_host);
		res->ntp_port = a->ntp_port;
		res->server_record = r->has_server;
		res->port_record = r->has_port;
	} else {
		res->retry_in = nts_assoc_ke_failed(a, mono);
	}
	explicit_bzero(r, sizeof *r);
	free(r);
	return rc;
}

/* ---- NTP */

int nts_assoc_wrap(struct nts_assoc *a, uint8_t *pkt, size_t cap, size_t *len)
{
	struct nts_client_request req;
	uint8_t uid[NTS_UID_LEN];
	int rc;

	if (!a || !pkt || !len || !a->have_keys || a->jar_n == 0 || cap < NTP_HEADER_LEN)
		return NTS_E_INVAL;
	memset(&req, 0, sizeof req);
	if ((rc = ntp_hdr_parse(pkt, NTP_HEADER_LEN, &req.hdr)) != NTS_OK)
		return rc;
	/* Section 5.7: a fresh, unpredictable UID per request; it is what
	 * binds the answer to this request. */
	if ((rc = nts_random(uid, sizeof uid)) != NTS_OK)
		return rc;
	const struct cookie *c = jar_oldest(a);
	req.uid = uid;
	req.uid_len = sizeof uid;
	req.cookie = c->data;
	req.cookie_len = c->len;
	/* One cookie goes out and each placeholder brings one back: ask for
	 * enough to refill the jar, fewer if the packet would get too big. */
	unsigned ph = NTS_ASSOC_JAR - (unsigned)a->jar_n;
	if (ph > NTS_MAX_PLACEHOLDERS)
		ph = NTS_MAX_PLACEHOLDERS;
	for (;;) {
		req.placeholders = ph;
		rc = nts_client_build_request(&req, a->c2s_h, pkt, cap, len);
		if (rc != NTS_E_NOSPACE || ph == 0)
			break;
		ph--;
	}
	if (rc != NTS_OK)
		return rc;
	/* Section 5.7: never use a cookie twice (it would link requests). */
	jar_pop(a);
	memcpy(a->uid, uid, sizeof uid);
	a->outstanding = true;
	a->seq++;
	count(a, CTR(a, client_sends));
	return NTS_OK;
}

int nts_assoc_unwrap(struct nts_assoc *a, const uint8_t *pkt, size_t len)
{
	int rc;

	if (!a || !pkt)
		return NTS_E_INVAL;
	if (!a->have_keys || !a->outstanding) {
		/* nothing asked: a replay, a duplicate or a stray */
		count(a, CTR(a, client_recvs_bad));
		return NTS_E_NTS_UID_MISMATCH;
	}
	rc = nts_client_parse_response(pkt, len, a->uid, sizeof a->uid, a->s2c_h, &a->resp);
	if (rc == NTS_OK) {
		a->outstanding = false;
		a->nak_pending = false;
		a->streak = 0;
		a->ke_next = 0;
		for (size_t i = 0; i < a->resp.ncookies; i++)
			jar_put(a, a->resp.cookies[i], a->resp.cookie_len[i]);
		count(a, CTR(a, client_recvs_good));
	} else {
		if (rc == NTS_E_NTS_NAK) {
			/* it echoes the UID of our outstanding request, so it
			 * is at least on-path; still only a hint */
			a->outstanding = false;
			a->naks++;
			if (!a->nak_pending) {
				a->nak_pending = true;
				a->nak_seq = a->seq;
			}
		}
		count(a, CTR(a, client_recvs_bad));
	}
	explicit_bzero(&a->resp, sizeof a->resp);
	return rc;
}

void nts_assoc_info(const struct nts_assoc *a, struct nts_assoc_info *info)
{
	memset(info, 0, sizeof *info);
	info->have_keys = a->have_keys;
	info->aead = a->have_keys ? a->aead : 0;
	info->ncookies = a->jar_n;
	info->cookie_len = a->jar_n ? jar_at(a, a->jar_n - 1)->len : 0;
	info->ke_wall = a->ke_wall;
	info->naks = a->naks;
	info->ke_ok = a->ke_ok;
	info->ke_fail = a->ke_fail;
	info->ke_fails_in_row = a->fails_in_row;
	info->ke_running = a->ke_running;
	info->ke_next = a->ke_next;
	info->nak_pending = a->nak_pending;
	strcpy(info->ntp_host, a->have_keys ? a->ntp_host : a->ke_host);
	info->ntp_port = a->have_keys ? a->ntp_port : NTP_PORT;
	info->ntp_from_record = a->have_keys && a->ntp_from_record;
}

/* ---- persistence
 *
 * Version 1, all integers big-endian:
 *   "NTSA" u16 version
 *   u8 len, KE host; u16 KE port            (whose state this is)
 *   u16 AEAD; u16 key length; C2S; S2C
 *   u64 KE time (Unix seconds, two's complement)
 *   u8 Server-record flag; u8 len, NTP host; u16 NTP port
 *   u8 cookie count (<= 8); per cookie: u16 len (1..512), octets
 * and nothing after. Every length is checked against its limit; a file
 * that is cut short or has stray octets is refused as a whole. */

#define STATE_MAGIC "NTSA"
#define STATE_VERSION 1

static bool wr_str(struct nts_wr *w, const char *s)
{
	size_t n = strlen(s);
	return n <= 255 && nts_wr_u8(w, (uint8_t)n) && nts_wr_bytes(w, s, n);
}

int nts_assoc_save(const struct nts_assoc *a, uint8_t *out, size_t cap, size_t *len)
{
	struct nts_wr w;
	if (!a || !out || !len)
		return NTS_E_INVAL;
	if (!a->have_keys || a->jar_n == 0)
		return NTS_E_INVAL;
	nts_wr_init(&w, out, cap);
	nts_wr_bytes(&w, STATE_MAGIC, 4);
	nts_wr_u16(&w, STATE_VERSION);
	wr_str(&w, a->ke_host);
	nts_wr_u16(&w, a->ke_port);
	nts_wr_u16(&w, a->aead);
	nts_wr_u16(&w, (uint16_t)a->key_len);
	nts_wr_bytes(&w, a->c2s, a->key_len);
	nts_wr_bytes(&w, a->s2c, a->key_len);
	nts_wr_u64(&w, (uint64_t)a->ke_wall);
	nts_wr_u8(&w, a->ntp_from_record ? 1 : 0);
	wr_str(&w, a->ntp_host);
	nts_wr_u16(&w, a->ntp_port);
	nts_wr_u8(&w, (uint8_t)a->jar_n);
	for (size_t i = 0; i < a->jar_n; i++) {
		const struct cookie *c = jar_at(a, i);
		nts_wr_u16(&w, c->len);
		nts_wr_bytes(&w, c->data, c->len);
	}
	if (w.err)
		return NTS_E_NOSPACE;
	*len = w.pos;
	return NTS_OK;
}

/* A length-prefixed host name: printable ASCII without spaces, as a
 * Server record must be (section 4.1.7). */
static bool rd_host(struct nts_rd *r, char *out, bool allow_empty)
{
	uint8_t n;
	const uint8_t *p;
	if (!nts_rd_u8(r, &n) || !nts_rd_view(r, n, &p) || (n == 0 && !allow_empty))
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

struct saved {
	char ke_host[256], ntp_host[256];
	uint16_t ke_port, aead, key_len, ntp_port;
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	uint64_t ke_wall;
	uint8_t from_record, ncookies;
	struct cookie cookies[NTS_ASSOC_JAR];
};

static int decode(const uint8_t *buf, size_t len, struct saved *s)
{
	struct nts_rd r;
	uint8_t magic[4];
	uint16_t version;

	nts_rd_init(&r, buf, len);
	if (!nts_rd_bytes(&r, magic, 4) || memcmp(magic, STATE_MAGIC, 4) != 0 ||
	    !nts_rd_u16(&r, &version) || version != STATE_VERSION)
		return NTS_E_STATE_FORMAT;
	if (!rd_host(&r, s->ke_host, false) || !nts_rd_u16(&r, &s->ke_port) ||
	    !nts_rd_u16(&r, &s->aead) || !nts_rd_u16(&r, &s->key_len))
		return NTS_E_STATE_FORMAT;
	if (s->key_len == 0 || s->key_len != nts_aead_key_len(s->aead) ||
	    !nts_rd_bytes(&r, s->c2s, s->key_len) || !nts_rd_bytes(&r, s->s2c, s->key_len) ||
	    !nts_rd_u64(&r, &s->ke_wall) || !nts_rd_u8(&r, &s->from_record) || s->from_record > 1 ||
	    !rd_host(&r, s->ntp_host, false) || !nts_rd_u16(&r, &s->ntp_port) || s->ntp_port == 0 ||
	    !nts_rd_u8(&r, &s->ncookies) || s->ncookies == 0 || s->ncookies > NTS_ASSOC_JAR)
		return NTS_E_STATE_FORMAT;
	for (size_t i = 0; i < s->ncookies; i++) {
		uint16_t n;
		if (!nts_rd_u16(&r, &n) || n == 0 || n > NTS_COOKIE_MAX ||
		    !nts_rd_bytes(&r, s->cookies[i].data, n))
			return NTS_E_STATE_FORMAT;
		s->cookies[i].len = n;
	}
	return nts_rd_left(&r) == 0 ? NTS_OK : NTS_E_STATE_FORMAT;
}

int nts_assoc_load(struct nts_assoc *a, const uint8_t *buf, size_t len)
{
	struct nts_aead *hc = NULL, *hs = NULL;
	struct saved *s;
	int rc;

	if (!a || (!buf && len))
		return NTS_E_INVAL;
	if (a->ke_running)
		return NTS_E_INVAL;
	if (!(s = calloc(1, sizeof *s)))
		return NTS_E_NOMEM;
	rc = decode(buf, len, s);
	/* State for another server (the config changed) or for an AEAD we no
	 * longer offer must not be used. */
	if (rc == NTS_OK && (strcmp(s->ke_host, a->ke_host) != 0 || s->ke_port != a->ke_port ||
			     !offered(a, s->aead)))
		rc = NTS_E_STATE_OTHER;
	if (rc == NTS_OK && ((rc = nts_aead_new(s->aead, s->c2s, s->key_len, &hc)) != NTS_OK ||
			     (rc = nts_aead_new(s->aead, s->s2c, s->key_len, &hs)) != NTS_OK))
		nts_aead_free(hc);
	if (rc == NTS_OK) {
		drop_keys(a);
		jar_clear(a);
		a->have_keys = true;
		a->aead = s->aead;
		a->key_len = s->key_len;
		memcpy(a->c2s, s->c2s, s->key_len);
		memcpy(a->s2c, s->s2c, s->key_len);
		a->c2s_h = hc;
		a->s2c_h = hs;
		a->ke_wall = (int64_t)s->ke_wall;
		a->ntp_from_record = s->from_record;
		strcpy(a->ntp_host, s->ntp_host);
		a->ntp_port = s->ntp_port;
		for (size_t i = 0; i < s->ncookies; i++)
			jar_put(a, s->cookies[i].data, s->cookies[i].len);
		a->outstanding = false;
		a->nak_pending = false;
	}
	explicit_bzero(s, sizeof *s);
	free(s);
	return rc;
}
