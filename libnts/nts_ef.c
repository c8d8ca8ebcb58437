/* NTS extension fields in NTPv4 (RFC 8915 section 5): requests, responses, NAKs. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/rules.h"

#define PAD4(n) (((n) + 3) & ~(size_t)3)

/* Length of an extension field carrying body_len octets (RFC 7822). */
static size_t ef_size(size_t body_len)
{
	size_t n = PAD4(4 + body_len);
	return n < NTP_EF_MIN_LEN ? NTP_EF_MIN_LEN : n;
}

/* RFC 8915 section 5.6: body = nonce length, ciphertext length, nonce
 * (padded to 4), ciphertext (padded to 4), Additional Padding. The nonce
 * plus Additional Padding must reach N_REQ = min(16, the AEAD's largest
 * nonce), which is 16 for the AES-SIV algorithms we support. */
static size_t auth_body_len(size_t nonce_len, size_t ct_len)
{
	size_t n = PAD4(nonce_len);
	if (n < NTS_NONCE_LEN)
		n = NTS_NONCE_LEN;
	return 4 + n + PAD4(ct_len);
}

/* Append the Authenticator: AEAD over pkt[0..w->pos) with the nonce, the
 * plaintext pt (encoded extension fields) encrypted inside. */
static int write_auth(struct nts_wr *w, struct nts_aead *a, const uint8_t *nonce,
		      size_t nonce_len, const uint8_t *pt, size_t pt_len)
{
	uint8_t body[NTP_MAX_PACKET];
	size_t ct_len;

	if (!a || nonce_len < 1 || nonce_len > 0xffff || pt_len > 0xffff - NTS_AEAD_TAG_LEN)
		return NTS_E_INVAL;
	size_t blen = auth_body_len(nonce_len, pt_len + NTS_AEAD_TAG_LEN);
	if (blen > sizeof body)
		return NTS_E_NOSPACE;
	if (w->err || ef_size(blen) > nts_wr_left(w))
		return NTS_E_NOSPACE;

	memset(body, 0, blen);
	size_t ct_off = 4 + PAD4(nonce_len);
	int rc = nts_aead_seal(a, nonce, nonce_len, w->buf, w->pos, pt, pt_len,
			       body + ct_off, sizeof body - ct_off, &ct_len);
	if (rc != NTS_OK)
		return rc;
	nts_put16(body, (uint16_t)nonce_len);
	nts_put16(body + 2, (uint16_t)ct_len);
	memcpy(body + 4, nonce, nonce_len);
	return ntp_ef_write(w, NTP_EF_NTS_AUTH, body, blen);
}

/* The parts of an Authenticator body. */
struct auth_view {
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *ct;
	size_t ct_len;
};

/* The layout rule of section 5.6 lives in nts_rules.c, shared with the
 * lenient walker. */
static int parse_auth(const struct ntp_ef *ef, struct auth_view *v)
{
	size_t no, co;
	enum nts_rule r = nts_rules_auth(ef->body, ef->body_len, &no, &v->nonce_len, &co,
					 &v->ct_len);
	if (r != NTS_R_NONE)
		return nts_rule_get(r)->err;
	v->nonce = ef->body + no;
	v->ct = ef->body + co;
	return NTS_OK;
}

/* Constant-time comparison, so a forged response learns nothing about the
 * Unique Identifier from timing. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* ---- client side */

int nts_client_build_request(const struct nts_client_request *req, struct nts_aead *c2s,
			     uint8_t *out, size_t cap, size_t *len)
{
	uint8_t nonce[NTS_NONCE_LEN];
	const uint8_t *n = req ? req->nonce : NULL;
	size_t nlen = req ? req->nonce_len : 0;
	struct nts_wr w;
	int rc;

	if (!req || !c2s || !out || !len || !req->uid || req->uid_len < NTS_UID_LEN ||
	    req->uid_len > NTS_UID_MAX || !req->cookie || req->cookie_len == 0 ||
	    req->cookie_len > NTS_COOKIE_MAX || req->placeholders > NTS_MAX_PLACEHOLDERS ||
	    (req->inner_len && !req->inner))
		return NTS_E_INVAL;
	if (!n) {
		if ((rc = nts_random(nonce, sizeof nonce)) != NTS_OK)
			return rc;
		n = nonce;
		nlen = sizeof nonce;
	} else if (nlen == 0) {
		return NTS_E_INVAL;
	}

	if ((rc = ntp_hdr_write(&req->hdr, out, cap)) != NTS_OK)
		return rc;
	nts_wr_init(&w, out, cap);
	w.pos = NTP_HEADER_LEN;   /* ntp_hdr_write checked cap */
	if ((rc = ntp_ef_write(&w, NTP_EF_UNIQUE_ID, req->uid, req->uid_len)) != NTS_OK ||
	    (rc = ntp_ef_write(&w, NTP_EF_NTS_COOKIE, req->cookie, req->cookie_len)) != NTS_OK)
		return rc;
	/* RFC 8915 section 5.5: a placeholder body is as long as the cookie's
	 * and its contents are ignored; zeros. */
	for (unsigned i = 0; i < req->placeholders; i++) {
		if (nts_wr_left(&w) < ef_size(req->cookie_len))
			return NTS_E_NOSPACE;
		nts_wr_u16(&w, NTP_EF_NTS_PLACEHOLDER);
		nts_wr_u16(&w, (uint16_t)ef_size(req->cookie_len));
		nts_wr_zero(&w, ef_size(req->cookie_len) - 4);
	}
	if ((rc = write_auth(&w, c2s, n, nlen, req->inner, req->inner_len)) != NTS_OK)
		return rc;
	*len = w.pos;
	return NTS_OK;
}

/* What one walk over a packet's fields found. */
struct ef_scan {
	struct ntp_ef uid, cookie, auth, placeholder;
	unsigned nuid, ncookie, nauth, nplaceholder, nother;
	bool after_auth;             /* a field or MAC follows the authenticator */
};

static int scan_fields(const uint8_t *pkt, size_t len, struct ef_scan *sc)
{
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	int rc;

	memset(sc, 0, sizeof *sc);
	ntp_ef_iter_init(&it, pkt, len, NTP_HEADER_LEN);
	while ((rc = ntp_ef_next(&it, &ef)) == 1) {
		if (sc->nauth)
			sc->after_auth = true;
		switch (ef.type) {
		case NTP_EF_UNIQUE_ID:
			if (sc->nuid++ == 0)
				sc->uid = ef;
			break;
		case NTP_EF_NTS_COOKIE:
			if (sc->ncookie++ == 0)
				sc->cookie = ef;
			break;
		case NTP_EF_NTS_PLACEHOLDER:
			if (sc->nplaceholder++ == 0)
				sc->placeholder = ef;
			break;
		case NTP_EF_NTS_AUTH:
			if (sc->nauth++ == 0)
				sc->auth = ef;
			break;
		default:
			sc->nother++;
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (it.mac && sc->nauth)
		sc->after_auth = true;
	return NTS_OK;
}

static bool scan_is_nts(const struct ef_scan *sc)
{
	return sc->nuid || sc->ncookie || sc->nplaceholder || sc->nauth;
}

/* Keep the NTS Cookie fields of the decrypted plaintext (RFC 8915 section
 * 5.7: new cookies travel only inside the ciphertext). */
static int collect_cookies(const uint8_t *pt, size_t len, struct nts_client_response *resp)
{
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	int rc;

	ntp_ef_iter_init(&it, pt, len, 0);
	while ((rc = ntp_ef_next(&it, &ef)) == 1) {
		if (ef.type != NTP_EF_NTS_COOKIE) {
			resp->inner_other++;
		} else if (resp->ncookies < NTS_MAX_COOKIES && ef.body_len <= NTS_COOKIE_MAX) {
			memcpy(resp->cookies[resp->ncookies], ef.body, ef.body_len);
			resp->cookie_len[resp->ncookies++] = (uint16_t)ef.body_len;
		} else {
			resp->cookies_ignored++;
		}
	}
	return rc == 0 && !it.mac ? NTS_OK : NTS_E_NTS_INNER_MALFORMED;
}

int nts_client_parse_response(const uint8_t *pkt, size_t len, const uint8_t *uid,
			      size_t uid_len, struct nts_aead *s2c,
			      struct nts_client_response *resp)
{
	uint8_t pt[NTP_MAX_PACKET];
	struct ef_scan sc;
	struct auth_view av;
	size_t pt_len;
	int rc;

	if (!pkt || !uid || !uid_len || !s2c || !resp)
		return NTS_E_INVAL;
	memset(resp, 0, sizeof *resp);
	if ((rc = ntp_hdr_parse(pkt, len, &resp->hdr)) != NTS_OK)
		return rc;
	if (resp->hdr.mode != NTP_MODE_SERVER)
		return NTS_E_NTP_MODE;
	if ((rc = scan_fields(pkt, len, &sc)) != NTS_OK)
		return rc;
	resp->outer_other = sc.nother + sc.ncookie + sc.nplaceholder;
	/* the shape rules of section 5 (UID, authenticator, its layout) */
	struct nts_rules_report rep;
	nts_rules_ntp(pkt, len, &rep);
	if (!scan_is_nts(&sc))
		return NTS_E_NTS_NO_UID;
	if ((rc = nts_rules_verdict(&rep)) != NTS_OK)
		return rc;
	/* The echo must be exactly the body we sent (ours is a multiple of 4,
	 * so padding cannot make an honest echo differ). */
	if (sc.uid.body_len != PAD4(uid_len) || !same_bytes(sc.uid.body, uid, uid_len))
		return NTS_E_NTS_UID_MISMATCH;
	/* RFC 8915 section 5.7: a NAK is an unauthenticated kiss-o'-death that
	 * echoes our UID; the caller decides what to do with it. */
	if (sc.nauth == 0 && nts_is_nak(&resp->hdr)) {
		resp->nak = true;
		return NTS_E_NTS_NAK;
	}
	if ((rc = parse_auth(&sc.auth, &av)) != NTS_OK)
		return rc;
	if (av.ct_len - NTS_AEAD_TAG_LEN > sizeof pt)
		return NTS_E_NTS_AUTH_MALFORMED;
	rc = nts_aead_open(s2c, av.nonce, av.nonce_len, pkt, sc.auth.offset, av.ct, av.ct_len,
			   pt, sizeof pt, &pt_len);
	if (rc != NTS_OK)
		return rc == NTS_E_AEAD_VERIFY ? NTS_E_NTS_AUTH_FAIL : rc;
	if ((rc = collect_cookies(pt, pt_len, resp)) != NTS_OK)
		return rc;
	/* RFC 8915 section 5.7 with RFC 5905 section 7.4: a stratum 0 answer
	 * with kiss code NTSN says "NTS NAK" whether or not it is
	 * authenticated, and a kiss-o'-death never carries time. Reporting it
	 * as a NAK keeps every caller from taking a sample from it. */
	if (nts_is_nak(&resp->hdr)) {
		resp->nak = true;
		return NTS_E_NTS_NAK;
	}
	return NTS_OK;
}

bool nts_is_nak(const struct ntp_hdr *h)
{
	return h && h->stratum == 0 && h->refid == NTP_REFID_NTSN;
}

/* ---- server side */

/* AEAD ids whose handles a server keeps; the handle is made on first use
 * and re-keyed per request afterwards. */
static const uint16_t server_aeads[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };
#define SERVER_NAEAD (sizeof server_aeads / sizeof server_aeads[0])

struct nts_server {
	struct nts_cookie_ring *ring;
	struct nts_counters *counters;
	struct nts_aead *aead[SERVER_NAEAD];
};

int nts_server_new(struct nts_cookie_ring *ring, struct nts_counters *counters,
		   struct nts_server **out)
{
	if (!ring || !out)
		return NTS_E_INVAL;
	struct nts_server *s = calloc(1, sizeof *s);
	if (!s)
		return NTS_E_NOMEM;
	s->ring = ring;
	s->counters = counters;
	*out = s;
	return NTS_OK;
}

void nts_server_free(struct nts_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < SERVER_NAEAD; i++)
		nts_aead_free(s->aead[i]);
	free(s);
}

/* A handle for 'id' keyed with key. */
static int server_aead(struct nts_server *s, uint16_t id, const uint8_t *key, size_t key_len,
		       struct nts_aead **out)
{
	for (size_t i = 0; i < SERVER_NAEAD; i++) {
		if (server_aeads[i] != id)
			continue;
		int rc = s->aead[i] ? nts_aead_set_key(s->aead[i], key, key_len)
				    : nts_aead_new(id, key, key_len, &s->aead[i]);
		if (rc == NTS_OK)
			*out = s->aead[i];
		return rc;
	}
	return NTS_E_AEAD_UNSUPP;
}

/* The structural rules of RFC 8915 section 5 for a request (nts_rules.c),
 * before any cryptography; then the parts the request is made of. */
static int check_request_shape(const uint8_t *pkt, size_t len, const struct ef_scan *sc,
			       struct nts_server_request *req)
{
	struct nts_rules_report rep;
	nts_rules_ntp(pkt, len, &rep);
	int rc = nts_rules_verdict(&rep);
	if (rc != NTS_OK)
		return rc;
	req->uid = sc->uid.body;
	req->uid_len = sc->uid.body_len;
	req->cookie = sc->cookie.body;
	req->cookie_len = sc->cookie.body_len;
	/* More placeholders than we would ever fill are harmless: we answer
	 * with at most NTS_MAX_COOKIES cookies. */
	req->placeholders = sc->nplaceholder < NTS_MAX_PLACEHOLDERS ? sc->nplaceholder
								     : NTS_MAX_PLACEHOLDERS;
	return NTS_OK;
}

static int server_verify(struct nts_server *s, const uint8_t *pkt, const struct ef_scan *sc,
			 struct nts_server_request *req)
{
	struct nts_cookie_keys keys;
	struct auth_view av;
	struct nts_aead *a = NULL;
	int rc;

	if ((rc = parse_auth(&sc->auth, &av)) != NTS_OK)
		return rc;
	if (av.ct_len - NTS_AEAD_TAG_LEN > sizeof req->inner)
		return NTS_E_NOSPACE;
	if ((rc = nts_cookie_open(s->ring, req->cookie, req->cookie_len, &keys)) != NTS_OK)
		return rc;
	req->aead = keys.aead;
	req->key_len = keys.key_len;
	memcpy(req->c2s, keys.c2s, sizeof req->c2s);
	memcpy(req->s2c, keys.s2c, sizeof req->s2c);
	req->cookie_old = keys.old;
	explicit_bzero(&keys, sizeof keys);
	if ((rc = server_aead(s, req->aead, req->c2s, req->key_len, &a)) != NTS_OK)
		return rc;
	rc = nts_aead_open(a, av.nonce, av.nonce_len, pkt, sc->auth.offset, av.ct, av.ct_len,
			   req->inner, sizeof req->inner, &req->inner_len);
	if (rc != NTS_OK) {
		/* keys from a cookie whose request failed are of no further use */
		explicit_bzero(req->c2s, sizeof req->c2s);
		explicit_bzero(req->s2c, sizeof req->s2c);
		return rc == NTS_E_AEAD_VERIFY ? NTS_E_NTS_AUTH_FAIL : rc;
	}
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	ntp_ef_iter_init(&it, req->inner, req->inner_len, 0);
	while ((rc = ntp_ef_next(&it, &ef)) == 1)
		;
	return rc == 0 && !it.mac ? NTS_OK : NTS_E_NTS_INNER_MALFORMED;
}

int nts_server_parse_request(struct nts_server *s, const uint8_t *pkt, size_t len,
			     struct nts_server_request *req)
{
	struct ef_scan sc;
	int rc;

	if (!s || !pkt || !req)
		return NTS_E_INVAL;
	memset(req, 0, sizeof *req);
	req->len = len;
	if ((rc = ntp_hdr_parse(pkt, len, &req->hdr)) != NTS_OK)
		return rc;
	if ((rc = scan_fields(pkt, len, &sc)) == NTS_OK && !scan_is_nts(&sc))
		return NTS_E_NTS_NOT_NTS;
	if (rc == NTS_OK && req->hdr.mode != NTP_MODE_CLIENT)
		rc = NTS_E_NTP_MODE;
	if (rc == NTS_OK)
		rc = check_request_shape(pkt, len, &sc, req);
	if (rc == NTS_OK)
		rc = server_verify(s, pkt, &sc, req);
	if (s->counters)
		nts_count(rc == NTS_OK ? &s->counters->server_recvs_good
				       : &s->counters->server_recvs_bad);
	return rc;
}

/* Encode n fresh cookies as NTS Cookie fields into pt. */
static int seal_cookies(struct nts_server *s, const struct nts_server_request *req, size_t n,
			uint8_t *pt, size_t cap, size_t *pt_len)
{
	uint8_t cookie[NTS_COOKIE_MAX];
	struct nts_wr w;
	size_t clen;
	int rc = NTS_OK;

	nts_wr_init(&w, pt, cap);
	for (size_t i = 0; i < n && rc == NTS_OK; i++) {
		rc = nts_cookie_seal(s->ring, req->aead, req->c2s, req->s2c, req->key_len, cookie,
				     sizeof cookie, &clen);
		if (rc == NTS_OK)
			rc = ntp_ef_write(&w, NTP_EF_NTS_COOKIE, cookie, clen);
	}
	*pt_len = w.pos;
	return rc;
}

int nts_server_build_response(struct nts_server *s, const struct nts_server_request *req,
			      const struct ntp_hdr *hdr, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t nonce[NTS_NONCE_LEN];
	uint8_t pt[NTP_MAX_PACKET];
	struct nts_aead *a = NULL;
	struct nts_wr w;
	size_t pt_len;
	int rc;

	if (!s || !req || !hdr || !out || !len || !req->uid || !req->key_len)
		return NTS_E_INVAL;
	if (nts_cookie_len(req->aead) == 0)
		return NTS_E_AEAD_UNSUPP;
	size_t cookie_ef = ef_size(nts_cookie_len(req->aead));
	/* RFC 8915 section 5.7: never answer with more octets than the request
	 * had (no amplification), so drop cookies until the response fits.
	 * The response is also held to NTP_MAX_PACKET and to the caller's
	 * buffer: a request larger than that (AEAD 17 cookies with seven
	 * placeholders) gets fewer cookies rather than no answer. */
	size_t limit = req->len < NTP_MAX_PACKET ? req->len : NTP_MAX_PACKET;
	if (cap < limit)
		limit = cap;
	size_t fixed = NTP_HEADER_LEN + ef_size(req->uid_len);
	size_t n = 1 + (size_t)req->placeholders;
	while (n > 0 && fixed + ef_size(auth_body_len(NTS_NONCE_LEN,
						      n * cookie_ef + NTS_AEAD_TAG_LEN)) > limit)
		n--;
	if (fixed + ef_size(auth_body_len(NTS_NONCE_LEN, n * cookie_ef + NTS_AEAD_TAG_LEN)) >
	    limit)
		return NTS_E_NOSPACE;

	if ((rc = ntp_hdr_write(hdr, out, cap)) != NTS_OK)
		return rc;
	nts_wr_init(&w, out, cap);
	w.pos = NTP_HEADER_LEN;
	if ((rc = ntp_ef_write(&w, NTP_EF_UNIQUE_ID, req->uid, req->uid_len)) != NTS_OK)
		return rc;
	if ((rc = seal_cookies(s, req, n, pt, sizeof pt, &pt_len)) != NTS_OK ||
	    (rc = nts_random(nonce, sizeof nonce)) != NTS_OK ||
	    (rc = server_aead(s, req->aead, req->s2c, req->key_len, &a)) != NTS_OK ||
	    (rc = write_auth(&w, a, nonce, sizeof nonce, pt, pt_len)) != NTS_OK)
		return rc;
	*len = w.pos;
	if (s->counters)
		nts_count(&s->counters->server_sends);
	return NTS_OK;
}

/* RFC 8915 section 5.7: the NAK is a kiss-o'-death (RFC 5905 section 7.4)
 * with code NTSN that echoes the UID and carries nothing else. */
int nts_server_build_nak(const struct nts_server_request *req, uint8_t *out, size_t cap,
			 size_t *len)
{
	struct nts_wr w;
	int rc;

	if (!req || !req->uid || !out || !len)
		return NTS_E_INVAL;
	struct ntp_hdr h = {
		.leap = NTP_LEAP_UNSYNC,
		.version = req->hdr.version,
		.mode = NTP_MODE_SERVER,
		.stratum = 0,
		.poll = req->hdr.poll,
		.refid = NTP_REFID_NTSN,
		.org = req->hdr.xmt,
	};
	if ((rc = ntp_hdr_write(&h, out, cap)) != NTS_OK)
		return rc;
	nts_wr_init(&w, out, cap);
	w.pos = NTP_HEADER_LEN;
	if ((rc = ntp_ef_write(&w, NTP_EF_UNIQUE_ID, req->uid, req->uid_len)) != NTS_OK)
		return rc;
	*len = w.pos;
	return NTS_OK;
}
