/* ntske-probe --check: a conformance battery against RFC 8915, each case PASS/FAIL/INFO. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "probe.h"

#define REC_UNASSIGNED 1000   /* an unassigned KE record type */
#define AEAD_UNASSIGNED 1000  /* an unassigned AEAD id */

struct rec {
	bool crit;
	uint16_t type;
	uint16_t v;               /* a u16 body, or ... */
	size_t len;               /* ... len octets of filler when len != 2 */
};

static size_t build(uint8_t *out, size_t cap, const struct rec *recs, size_t n)
{
	static uint8_t filler[20000];
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[2];
		nts_put16(b, recs[i].v);
		const void *body = recs[i].len == 2 ? b : filler;
		if (ntske_record_write(&w, recs[i].crit, recs[i].type, body, recs[i].len) != NTS_OK)
			return 0;
	}
	return w.pos;
}

static struct probe_check *add(struct probe_result *r, const char *id, const char *what)
{
	if (r->nchecks >= PROBE_MAX_CHECKS)
		return NULL;
	struct probe_check *c = &r->checks[r->nchecks++];
	memset(c, 0, sizeof *c);
	c->id = id;
	c->what = what;
	return c;
}

__attribute__((format(printf, 3, 4)))
static void verdict(struct probe_check *c, enum check_verdict v, const char *fmt, ...)
{
	if (!c)
		return;
	c->verdict = v;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->evidence, sizeof c->evidence, fmt, ap);
	va_end(ap);
}

static bool got_cookies(const struct probe_ke_answer *a)
{
	return (a->kind == KA_RESPONSE || a->kind == KA_MALFORMED) && a->ncookies > 0;
}

static bool refused(const struct probe_ke_answer *a)
{
	return a->kind == KA_TLS_FAIL || a->kind == KA_CLOSED ||
	       (a->kind == KA_ERROR) || (a->kind == KA_RESPONSE && a->ncookies == 0);
}

/* ---- KE side */

struct probe_ke_case {
	const char *id, *what;
	struct rec recs[6];
	size_t nrecs;
	struct probe_ke_try_opts k;
	/* how to grade: expect an Error with this code (-1: any refusal), or
	 * a normal answer (cookies) when want_cookies */
	int want_error;
	bool want_cookies;
};

#define NP {true, NTSKE_REC_NEXT_PROTO, NTSKE_PROTO_NTPV4, 2}
#define AE {true, NTSKE_REC_AEAD, 0, 2}     /* v filled with the first AEAD offered */
#define EOM {true, NTSKE_REC_EOM, 0, 0}

static const struct probe_ke_case probe_ke_cases[] = {
	{"ke.tls12-refused", "a TLS 1.2-only client is refused", {NP, AE, EOM}, 3,
	 {.tls12_only = true}, -1, false},
	{"ke.alpn-missing", "a client without ALPN is refused", {NP, AE, EOM}, 3,
	 {.alpn = ""}, -1, false},
	{"ke.alpn-wrong", "a client offering ALPN http/1.1 is refused", {NP, AE, EOM}, 3,
	 {.alpn = "http/1.1"}, -1, false},
	{"ke.unknown-critical", "an unknown critical record gets Error 0",
	 {NP, AE, {true, REC_UNASSIGNED, 0, 4}, EOM}, 4, {0}, NTSKE_ERR_UNRECOGNIZED_CRITICAL, false},
	{"ke.unknown-noncritical", "an unknown non-critical record is ignored",
	 {NP, AE, {false, REC_UNASSIGNED, 0, 4}, EOM}, 4, {0}, 0, true},
	{"ke.no-next-protocol", "a request without Next Protocol gets Error 1", {AE, EOM}, 2, {0},
	 NTSKE_ERR_BAD_REQUEST, false},
	{"ke.no-aead", "a request without AEAD gets Error 1", {NP, EOM}, 2, {0},
	 NTSKE_ERR_BAD_REQUEST, false},
	{"ke.no-end-of-message", "a request without End of Message gets Error 1 or a close",
	 {NP, AE}, 2, {.close_on_silence = true}, NTSKE_ERR_BAD_REQUEST, false},
	{"ke.duplicate-records", "duplicated Next Protocol and AEAD records are refused",
	 {NP, NP, AE, AE, EOM}, 5, {0}, NTSKE_ERR_BAD_REQUEST, false},
	{"ke.record-after-eom", "a record after End of Message is refused",
	 {NP, AE, EOM, {false, REC_UNASSIGNED, 0, 4}}, 4, {0}, NTSKE_ERR_BAD_REQUEST, false},
	{"ke.oversized", "an oversized (20 kB) request is refused",
	 {NP, AE, {false, REC_UNASSIGNED, 0, 10000}, {false, REC_UNASSIGNED, 0, 10000}, EOM}, 5, {0},
	 -1, false},
	{"ke.trickle", "a request sent one octet per 30 ms is answered", {NP, AE, EOM}, 3,
	 {.trickle_ms = 30}, 0, true},
};

static void grade_ke(struct probe_check *c, const struct probe_ke_case *kc, const struct probe_ke_answer *a)
{
	/* an answer that breaks a MUST of RFC 8915 fails, whatever it says */
	if (a->kind != KA_TIMEOUT && a->rule) {
		verdict(c, CV_FAIL, "%s", a->text);
		return;
	}
	if (kc->want_cookies) {
		/* an Error record, or a close before answering, is a failure; silence may be
		 * a deliberate limit on slow clients */
		verdict(c, got_cookies(a) ? CV_PASS : (a->kind == KA_TIMEOUT ? CV_INFO : CV_FAIL),
			"%s", a->text);
		return;
	}
	if (got_cookies(a)) {
		verdict(c, CV_FAIL, "accepted: %s", a->text);
		return;
	}
	if (kc->want_error >= 0 && a->kind == KA_ERROR) {
		verdict(c, a->error_code == kc->want_error ? CV_PASS : CV_INFO, "%s", a->text);
		return;
	}
	if (refused(a)) {
		/* RFC 8915 section 4 allows closing instead of an Error record */
		verdict(c, kc->want_error == NTSKE_ERR_UNRECOGNIZED_CRITICAL ? CV_INFO : CV_PASS, "%s",
			a->text);
		return;
	}
	verdict(c, CV_INFO, "%s", a->text);
}

static void probe_ke_battery(const struct probe_opts *o, struct nts_tls_creds *creds,
		       struct probe_result *r)
{
	for (size_t i = 0; i < sizeof probe_ke_cases / sizeof probe_ke_cases[0]; i++) {
		const struct probe_ke_case *kc = &probe_ke_cases[i];
		struct probe_check *c = add(r, kc->id, kc->what);
		struct rec recs[6];
		memcpy(recs, kc->recs, sizeof recs);
		for (size_t k = 0; k < kc->nrecs; k++)
			if (recs[k].type == NTSKE_REC_AEAD)
				recs[k].v = o->aeads[0];
		static uint8_t req[24000];
		size_t len = build(req, sizeof req, recs, kc->nrecs);
		struct probe_ke_answer a;
		probe_ke_try(o, creds, &r->target, &kc->k, req, len, &a);
		grade_ke(c, kc, &a);
	}
	/* only unsupported AEADs: RFC 8915 section 4.1.5 wants an empty AEAD record */
	struct probe_check *c = add(r, "ke.aead-unsupported", "only unassigned AEADs get an empty AEAD record");
	struct rec recs[] = {NP, {true, NTSKE_REC_AEAD, AEAD_UNASSIGNED, 2}, EOM};
	uint8_t req[64];
	size_t len = build(req, sizeof req, recs, 3);
	struct probe_ke_answer a;
	probe_ke_try(o, creds, &r->target, &(struct probe_ke_try_opts){0}, req, len, &a);
	if (a.kind == KA_RESPONSE && a.aead_count == 0 && a.ncookies == 0)
		verdict(c, CV_PASS, "%s", a.text);
	else if (got_cookies(&a) || (a.kind == KA_RESPONSE && a.aead_count > 0))
		verdict(c, CV_FAIL, "%s", a.text);
	else
		verdict(c, CV_INFO, "%s", a.text);
	/* the server still works after all that */
	c = add(r, "ke.still-serving", "a normal request after the battery is answered");
	struct ntske_request nreq;
	probe_ke_default_request(o, &nreq);
	if (ntske_request_build(&nreq, req, sizeof req, &len) == NTS_OK) {
		probe_ke_try(o, creds, &r->target, &(struct probe_ke_try_opts){0}, req, len, &a);
		verdict(c, got_cookies(&a) ? CV_PASS : CV_FAIL, "%s", a.text);
	}
}

/* ---- NTP side: a fresh KE gives keys and cookies for the packet tests */

struct probe_ntp_kit {
	struct probe_result *k;
	struct nts_aead *c2s, *s2c;
	size_t next_cookie;
};

/* Send one NTS request; returns the parse result or 1 for no reply. */
static int probe_nts_query(const struct probe_opts *o, struct probe_ntp_kit *kit, const uint8_t *cookie,
		     size_t cookie_len, unsigned placeholders, bool tamper, size_t *req_len,
		     size_t *resp_len, struct nts_client_response *cr, char *err, size_t errlen)
{
	uint8_t uid[NTS_UID_LEN], pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (nts_random(uid, sizeof uid) != NTS_OK)
		return NTS_E_RANDOM;
	struct nts_client_request req = {
		.hdr = {.version = 4, .mode = NTP_MODE_CLIENT, .xmt = ntp_ts_from_timespec(&ts)},
		.uid = uid, .uid_len = sizeof uid, .cookie = cookie, .cookie_len = cookie_len,
		.placeholders = placeholders,
	};
	int rc = nts_client_build_request(&req, kit->c2s, pkt, sizeof pkt, req_len);
	if (rc != NTS_OK)
		return rc;
	if (tamper)
		pkt[*req_len - 1] ^= 0x01;   /* last octet: inside the authenticator */
	double wait = o->timeout < 2 ? o->timeout : 2;
	long n = probe_ntp_exchange(&kit->k->ntp_target, pkt, *req_len, resp, sizeof resp, wait, err,
			      errlen);
	if (n <= 0)
		return 1;
	*resp_len = (size_t)n;
	return nts_client_parse_response(resp, (size_t)n, uid, sizeof uid, kit->s2c, cr);
}

static const uint8_t *kit_cookie(struct probe_ntp_kit *kit, size_t *len)
{
	const struct ntske_response *s = &kit->k->resp;
	size_t i = kit->next_cookie++ % (s->ncookies ? s->ncookies : 1);
	*len = s->cookie_len[i];
	return s->cookies[i];
}

static void grade_nts(struct probe_check *c, int rc, bool want_reject, const char *extra)
{
	if (rc == 1)
		verdict(c, want_reject ? CV_PASS : CV_FAIL, "no reply%s", extra);
	else if (rc == NTS_E_NTS_NAK)
		verdict(c, want_reject ? CV_PASS : CV_FAIL, "NTS NAK%s", extra);
	else if (rc == NTS_OK)
		verdict(c, want_reject ? CV_FAIL : CV_PASS, "authenticated reply%s", extra);
	else
		verdict(c, want_reject ? CV_INFO : CV_FAIL, "reply rejected: %s%s", nts_strerror(rc),
			extra);
}

static void probe_ntp_packet_checks(const struct probe_opts *o, struct probe_ntp_kit *kit, struct probe_result *r)
{
	static struct nts_client_response cr;
	size_t ql = 0, rl = 0, clen;
	char err[160], extra[96];
	const uint8_t *ck = kit_cookie(kit, &clen);
	struct probe_check *c = add(r, "ntp.uid-echo", "the reply echoes the Unique Identifier");
	int rc = probe_nts_query(o, kit, ck, clen, 0, false, &ql, &rl, &cr, err, sizeof err);
	grade_nts(c, rc, false, rc == NTS_OK ? ", UID matched" : "");
	c = add(r, "ntp.not-longer", "the reply is not longer than the request");
	if (rc == NTS_OK)
		verdict(c, rl <= ql ? CV_PASS : CV_FAIL, "request %zu octets, reply %zu octets", ql, rl);
	else
		verdict(c, CV_SKIP, "no authenticated reply to measure");

	c = add(r, "ntp.placeholders", "7 placeholders bring 8 cookies");
	ck = kit_cookie(kit, &clen);
	rc = probe_nts_query(o, kit, ck, clen, 7, false, &ql, &rl, &cr, err, sizeof err);
	if (rc == NTS_OK)
		verdict(c, cr.ncookies == 8 ? CV_PASS : CV_INFO, "%zu cookies in a %zu-octet reply",
			cr.ncookies, rl);
	else
		grade_nts(c, rc, false, "");

	c = add(r, "ntp.unknown-cookie", "an unknown cookie gets an NTS NAK");
	uint8_t fake[NTS_COOKIE_MAX];
	ck = kit_cookie(kit, &clen);
	if (nts_random(fake, clen) == NTS_OK) {
		rc = probe_nts_query(o, kit, fake, clen, 0, false, &ql, &rl, &cr, err, sizeof err);
		snprintf(extra, sizeof extra, " to a random %zu-octet cookie", clen);
		if (rc == 1)   /* the RFC wants a NAK; silence is a weaker refusal */
			verdict(c, CV_INFO, "no reply%s", extra);
		else
			grade_nts(c, rc, true, extra);
	}

	c = add(r, "ntp.tampered-auth", "a tampered authenticator gets no reply or a NAK");
	ck = kit_cookie(kit, &clen);
	rc = probe_nts_query(o, kit, ck, clen, 0, true, &ql, &rl, &cr, err, sizeof err);
	grade_nts(c, rc, true, "");
}

static void probe_ntp_plain_check(const struct probe_opts *o, struct probe_result *k, struct probe_result *r)
{
	struct probe_check *c = add(r, "ntp.plain", "a plain (unauthenticated) NTP request is served");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct ntp_hdr h = {.version = 4, .mode = NTP_MODE_CLIENT, .xmt = ntp_ts_from_timespec(&ts)};
	uint8_t pkt[NTP_HEADER_LEN], resp[NTP_MAX_PACKET];
	char err[160] = "";
	ntp_hdr_write(&h, pkt, sizeof pkt);
	double wait = o->timeout < 2 ? o->timeout : 2;
	long n = probe_ntp_exchange(&k->ntp_target, pkt, sizeof pkt, resp, sizeof resp, wait, err, sizeof err);
	struct ntp_hdr rh;
	if (n <= 0)
		verdict(c, CV_FAIL, "%s", n == 0 ? "no reply" : err);
	else if (ntp_hdr_parse(resp, (size_t)n, &rh) != NTS_OK || rh.mode != NTP_MODE_SERVER)
		verdict(c, CV_FAIL, "reply is not an NTP server packet");
	else
		verdict(c, rh.org == h.xmt ? CV_PASS : CV_FAIL, "mode 4 reply, stratum %u, %ld octets%s",
			rh.stratum, n, rh.org == h.xmt ? "" : ", origin mismatch");
}

static void probe_ntp_battery(const struct probe_opts *o, struct nts_tls_creds *creds,
			struct probe_result *r)
{
	static struct probe_result k;
	memset(&k, 0, sizeof k);
	snprintf(k.host, sizeof k.host, "%s", r->host);
	k.target = r->target;
	struct probe_opts ko = *o;
	ko.keylog = NULL;
	struct probe_ntp_kit kit = {.k = &k};
	if (probe_ke_run(&ko, creds, &k) != 0 || probe_ntp_resolve_server(&ko, &k) != 0) {
		struct probe_check *c = add(r, "ntp.setup", "a fresh NTS-KE for the NTP cases");
		verdict(c, CV_SKIP, "%s: %s", k.fail_phase, k.fail_msg);
		return;
	}
	if (nts_aead_new(k.resp.aead, k.c2s, k.key_len, &kit.c2s) == NTS_OK &&
	    nts_aead_new(k.resp.aead, k.s2c, k.key_len, &kit.s2c) == NTS_OK)
		probe_ntp_packet_checks(o, &kit, r);
	nts_aead_free(kit.c2s);
	nts_aead_free(kit.s2c);
	probe_ntp_plain_check(o, &k, r);
}

void check_run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r)
{
	struct probe_check *c = add(r, "ke.eight-cookies", "the server returns 8 cookies");
	if (r->ke_done)
		verdict(c, r->resp.ncookies == 8 ? CV_PASS : CV_FAIL, "%zu cookies of %u octets",
			r->resp.ncookies, r->resp.ncookies ? (unsigned)r->resp.cookie_len[0] : 0);
	else
		verdict(c, CV_SKIP, "the main KE exchange failed");
	probe_ke_battery(o, creds, r);
	if (!o->ke_only)
		probe_ntp_battery(o, creds, r);
}
