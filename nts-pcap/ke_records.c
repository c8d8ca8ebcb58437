/* NTS-KE record decoding with the RFC 8915 section 4 checks, keeping on after a bad record. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/rules.h"
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

static void one(struct np_ke_msg *m, const struct ntske_record *r)
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
	switch (r->type) {
	case NTSKE_REC_EOM:
		m->eom = true;
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
			break;
		}
		one(m, &rec);
	}
	/* the RFC 8915 section 4 rules are libnts's walker's (nts_rules.c) */
	struct nts_rules_report rep;
	nts_rules_ke(p, n, response, &rep);
	m->findings = np_findings_of_ke(&rep);
}
