/* The server's decisions without I/O: NTP (answer, NAK, plain, drop) and
 * NTS-KE (records, errors, AEAD choice, Port/Server). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "nts/ntske.h"
#include "nts/nts_ef.h"
#include "nts/serve.h"

struct nts_serve {
	struct nts_server *nts;           /* NULL: plain NTP only */
	struct nts_serve_config cfg;
	struct nts_server_request req;    /* scratch, too large for the stack of a hot path */
};

int nts_serve_new(struct nts_cookie_ring *ring, struct nts_counters *counters,
		  const struct nts_serve_config *cfg, struct nts_serve **out)
{
	if (!cfg || !out)
		return NTS_E_INVAL;
	*out = NULL;
	struct nts_serve *s = calloc(1, sizeof *s);
	if (!s)
		return NTS_E_NOMEM;
	s->cfg = *cfg;
	if (ring) {
		int rc = nts_server_new(ring, counters, &s->nts);
		if (rc != NTS_OK) {
			free(s);
			return rc;
		}
	}
	*out = s;
	return NTS_OK;
}

void nts_serve_free(struct nts_serve *s)
{
	if (!s)
		return;
	nts_server_free(s->nts);
	explicit_bzero(&s->req, sizeof s->req);
	free(s);
}

void nts_serve_set_config(struct nts_serve *s, const struct nts_serve_config *cfg)
{
	if (s && cfg)
		s->cfg = *cfg;
}

bool nts_serve_err_naks(int err)
{
	switch (err) {
	case NTS_E_NTS_AUTH_FAIL:        /* authenticator failed under the cookie's C2S */
	case NTS_E_COOKIE_SHORT:
	case NTS_E_COOKIE_UNKNOWN_KEY:   /* too old, or another server's */
	case NTS_E_COOKIE_AUTH:
	case NTS_E_COOKIE_CONTENT:
		return true;
	default:
		return false;
	}
}

/* The fields every mode 4 answer carries (RFC 5905 section 9.2). */
static void answer_header(const struct nts_serve *s, const struct ntp_hdr *q,
			  const struct nts_serve_in *in, struct ntp_hdr *h)
{
	const struct nts_serve_config *c = &s->cfg;
	memset(h, 0, sizeof *h);
	h->leap = c->stratum >= 16 ? NTP_LEAP_UNSYNC : (uint8_t)(c->leap & 3);
	h->version = q->version;
	h->mode = NTP_MODE_SERVER;
	h->stratum = c->stratum >= 16 ? 16 : c->stratum;
	h->poll = q->poll;
	h->precision = c->precision;
	h->root_delay = c->root_delay;
	h->root_disp = c->root_disp;
	h->refid = c->refid;
	h->org = q->xmt;
	h->rec = in->rx;
	h->xmt = in->xmt ? in->xmt(in->ctx) : in->rx;
	h->reftime = c->reftime ? c->reftime : h->xmt & 0xFFFFFFFF00000000ull;
}

static void result(struct nts_serve_result *res, enum nts_serve_action a, int err, size_t len)
{
	res->action = a;
	res->err = err;
	res->len = a == NTS_SERVE_DROP ? 0 : len;
}

int nts_serve_ntp(struct nts_serve *s, const struct nts_serve_in *in, uint8_t *out, size_t cap,
		  struct nts_serve_result *res)
{
	struct ntp_hdr q, h;
	size_t olen = 0;
	int rc;

	if (!s || !in || !in->pkt || !out || !res)
		return NTS_E_INVAL;
	result(res, NTS_SERVE_DROP, NTS_OK, 0);
	if ((rc = ntp_hdr_parse(in->pkt, in->len, &q)) != NTS_OK) {
		res->err = rc;
		return NTS_OK;
	}
	if (q.mode != NTP_MODE_CLIENT) {
		res->err = NTS_E_NTP_MODE;
		return NTS_OK;
	}
	if (in->limited) {
		res->err = NTS_E_RATE_LIMITED;
		return NTS_OK;
	}
	rc = s->nts ? nts_server_parse_request(s->nts, in->pkt, in->len, &s->req)
		    : NTS_E_NTS_NOT_NTS;
	if (rc == NTS_E_NTS_NOT_NTS) {
		/* RFC 5905: a request without NTS fields gets the plain header;
		 * its extension fields, if any, are not echoed */
		answer_header(s, &q, in, &h);
		if ((rc = ntp_hdr_write(&h, out, cap)) != NTS_OK)
			res->err = rc;
		else
			result(res, NTS_SERVE_PLAIN, NTS_OK, NTP_HEADER_LEN);
		return NTS_OK;
	}
	if (rc == NTS_OK) {
		answer_header(s, &q, in, &h);
		rc = nts_server_build_response(s->nts, &s->req, &h, out, cap, &olen);
		explicit_bzero(s->req.c2s, sizeof s->req.c2s);
		explicit_bzero(s->req.s2c, sizeof s->req.s2c);
		if (rc != NTS_OK)
			res->err = rc;
		else
			result(res, NTS_SERVE_NTS, NTS_OK, olen);
		return NTS_OK;
	}
	res->err = rc;
	/* RFC 8915 section 5.7: a cookie we cannot open or a request that fails
	 * authentication gets an NTS NAK, if it has a UID to echo; anything
	 * malformed is dropped */
	if (nts_serve_err_naks(rc) && s->req.uid &&
	    nts_server_build_nak(&s->req, out, cap, &olen) == NTS_OK)
		result(res, NTS_SERVE_NAK, rc, olen);
	return NTS_OK;
}

/* ---- NTS-KE */

int nts_serve_ke(struct nts_cookie_ring *ring, const struct nts_serve_ke_config *cfg,
		 const uint8_t *msg, size_t len, nts_serve_export_fn export_keys, void *ctx,
		 uint8_t *out, size_t cap, struct nts_serve_ke_result *res)
{
	if (!ring || !cfg || (!msg && len) || !export_keys || !out || !res)
		return NTS_E_INVAL;
	memset(res, 0, sizeof *res);
	/* a response holds eight cookies: too large for a worker's stack */
	struct ke_scratch {
		struct ntske_request req;
		struct ntske_response resp;
	} *k = calloc(1, sizeof *k);
	if (!k)
		return NTS_E_NOMEM;
	uint16_t ke_error = NTSKE_ERR_BAD_REQUEST;
	int rc = ntske_request_parse(msg, len, &k->req, &ke_error);
	if (rc != NTS_OK) {
		/* RFC 8915 section 4.1.3: a request we cannot accept gets an Error
		 * record (0 for an unknown critical record, 1 otherwise) */
		res->outcome = NTS_SERVE_KE_ERROR;
		res->err = rc;
		res->error_code = ke_error;
		k->resp.has_error = true;
		k->resp.error_code = ke_error;
		goto build;
	}
	uint16_t proto = 0, aead = 0;
	rc = ntske_select(&k->req, cfg->aeads, cfg->naeads, &proto, &aead);
	/* RFC 8915 sections 4.1.2 and 4.1.5: nothing in common gives an empty
	 * Next Protocol or AEAD record and no cookies */
	k->resp.has_proto = rc != NTS_E_KE_PROTO_UNSUPP;
	k->resp.proto = proto;
	k->resp.has_aead = rc == NTS_OK;
	k->resp.aead = aead;
	if (rc != NTS_OK) {
		res->outcome = NTS_SERVE_KE_NO_COMMON;
		res->err = rc;
	} else {
		size_t klen = nts_aead_key_len(aead);
		uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
		rc = export_keys(ctx, proto, aead, c2s, s2c, klen);
		for (size_t i = 0; rc == NTS_OK && i < NTS_MAX_COOKIES; i++) {
			size_t clen = 0;
			rc = nts_cookie_seal(ring, aead, c2s, s2c, klen, k->resp.cookies[i],
					     sizeof k->resp.cookies[i], &clen);
			k->resp.cookie_len[i] = (uint16_t)clen;
			k->resp.ncookies = i + 1;
		}
		explicit_bzero(c2s, sizeof c2s);
		explicit_bzero(s2c, sizeof s2c);
		if (rc != NTS_OK) {
			/* RFC 8915 section 4.1.3: Internal Server Error */
			memset(&k->resp, 0, sizeof k->resp);
			k->resp.has_error = true;
			k->resp.error_code = NTSKE_ERR_INTERNAL;
			res->outcome = NTS_SERVE_KE_ERROR;
			res->err = rc;
			res->error_code = NTSKE_ERR_INTERNAL;
			goto build;
		}
		res->outcome = NTS_SERVE_KE_COOKIES;
		res->aead = aead;
	}
	if (cfg->ntp_port && cfg->ntp_port != NTP_PORT) {
		/* RFC 8915 section 4.1.8: tell the client our NTP port */
		k->resp.has_port = true;
		k->resp.port = cfg->ntp_port;
	}
	if (cfg->server && cfg->server[0]) {
		size_t n = strlen(cfg->server);
		if (n > NTSKE_MAX_SERVER) {
			explicit_bzero(k, sizeof *k);
			free(k);
			return NTS_E_INVAL;
		}
		/* RFC 8915 section 4.1.7 */
		k->resp.has_server = true;
		memcpy(k->resp.server, cfg->server, n + 1);
	}
build:
	rc = ntske_response_build(&k->resp, out, cap, &res->len);
	explicit_bzero(k, sizeof *k);
	free(k);
	if (rc != NTS_OK)
		res->len = 0;
	return rc;
}
