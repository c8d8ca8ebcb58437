/* The NTP server's decisions (answer, NAK, plain, drop) without I/O. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/counters.h"
#include "nts/err.h"
#include "nts/ntp.h"
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
	h->leap = c->stratum >= 16 ? NTP_LEAP_UNSYNC : NTP_LEAP_NONE;
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
