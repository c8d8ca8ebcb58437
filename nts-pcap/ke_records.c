/* NTS-KE record decoding with the RFC 8915 section 4 checks, keeping on after a bad record. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "ke.h"

static void ids(struct np_ke_rec *r, const uint8_t *body, size_t len, uint16_t *all, size_t *nall)
{
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint16_t id = nts_get16(body + i);
		if (r->nids < 4)
			r->ids[r->nids] = id;
		r->nids++;
		if (all && *nall < NTSKE_MAX_IDS)
			all[(*nall)++] = id;
	}
}

/* RFC 8915 section 4.1: which records must (or must not) be critical. */
static bool critical_ok(const struct ntske_record *r)
{
	switch (r->type) {
	case NTSKE_REC_EOM:
	case NTSKE_REC_NEXT_PROTO:
	case NTSKE_REC_ERROR:
	case NTSKE_REC_WARNING:
		return r->critical;
	case NTSKE_REC_COOKIE:
		return !r->critical;
	default:
		/* a receiver must reject an unknown critical record (4.1) */
		return !(r->critical && ntske_record_name(r->type) == NULL);
	}
}

static void one(struct np_ke_msg *m, const struct ntske_record *r, bool response)
{
	struct np_ke_rec *o = m->nrec < NP_KE_MAX_RECORDS ? &m->rec[m->nrec++] : NULL;
	struct np_ke_rec scratch;
	if (!o) {
		m->rec_dropped++;
		o = &scratch;
	}
	memset(o, 0, sizeof *o);
	o->critical = r->critical;
	o->type = r->type;
	o->len = r->body_len;
	o->offset = r->offset;
	if (m->eom)
		m->after_eom = true;
	if (!critical_ok(r))
		m->findings |= 1u << NP_F_KE_CRITICAL;
	switch (r->type) {
	case NTSKE_REC_EOM:
		m->eom = true;
		if (r->body_len)
			m->findings |= 1u << NP_F_MALFORMED;
		break;
	case NTSKE_REC_NEXT_PROTO:
		m->n_proto_rec++;
		ids(o, r->body, r->body_len, m->protos, &m->nprotos);
		break;
	case NTSKE_REC_AEAD:
		m->n_aead_rec++;
		ids(o, r->body, r->body_len, m->aeads, &m->naeads);
		break;
	case NTSKE_REC_ERROR:
		m->has_error = true;
		ids(o, r->body, r->body_len, NULL, NULL);
		m->error = o->nids ? o->ids[0] : 0xffff;
		if (!response)
			m->findings |= 1u << NP_F_MALFORMED;   /* only servers send Error */
		break;
	case NTSKE_REC_WARNING:
		m->nwarn++;
		ids(o, r->body, r->body_len, NULL, NULL);
		break;
	case NTSKE_REC_COOKIE:
		o->fp = np_fp(r->body, r->body_len);
		if (m->ncookies < NTS_MAX_COOKIES) {
			m->cookies[m->ncookies] = r->body;
			m->cookie_len[m->ncookies] = r->body_len;
		}
		m->ncookies++;
		break;
	case NTSKE_REC_SERVER:
		m->has_server = true;
		snprintf(m->server, sizeof m->server, "%.*s", (int)r->body_len, (const char *)r->body);
		snprintf(o->text, sizeof o->text, "%.*s", (int)r->body_len, (const char *)r->body);
		np_printable(m->server);
		np_printable(o->text);
		break;
	case NTSKE_REC_PORT:
		ids(o, r->body, r->body_len, NULL, NULL);
		m->has_port = o->nids > 0;
		m->port = o->nids ? o->ids[0] : 0;
		break;
	default:
		break;
	}
	/* bodies that must be whole u16 lists */
	if ((r->type == NTSKE_REC_NEXT_PROTO || r->type == NTSKE_REC_AEAD) && (r->body_len & 1))
		m->findings |= 1u << NP_F_MALFORMED;
	if ((r->type == NTSKE_REC_ERROR || r->type == NTSKE_REC_WARNING ||
	     r->type == NTSKE_REC_PORT) && r->body_len != 2)
		m->findings |= 1u << NP_F_MALFORMED;
}

void np_ke_msg_decode(const uint8_t *p, size_t n, bool response, struct np_ke_msg *m)
{
	struct nts_rd r;
	struct ntske_record rec;
	memset(m, 0, sizeof *m);
	m->len = n;
	nts_rd_init(&r, p, n);
	/* every record consumes at least its 4-octet header: bounded by n/4 */
	while (nts_rd_left(&r) > 0) {
		if (ntske_record_read(&r, &rec) != NTS_OK) {
			m->trunc = true;
			m->findings |= 1u << NP_F_MALFORMED;
			break;
		}
		one(m, &rec, response);
	}
	if (m->after_eom)
		m->findings |= 1u << NP_F_MALFORMED;
	if (!m->eom)
		m->findings |= 1u << NP_F_KE_NO_EOM;
	/* RFC 8915 section 4.1.2 and 4.1.5: a response carries exactly one
	 * Next Protocol record with one id and one AEAD record with one id,
	 * unless it is an Error */
	if (response && !m->has_error &&
	    (m->n_proto_rec != 1 || m->nprotos != 1 || m->n_aead_rec != 1 || m->naeads != 1))
		m->findings |= 1u << NP_F_KE_PROTO_AEAD;
}
