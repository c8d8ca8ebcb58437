/* tls_client: client sessions: SNI, name and purpose verification, ALPN, key log. */
#include <config.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "nts/err.h"
#include "nts/hex.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "tls_int.h"

/* NSS key log line: LABEL <client_random hex> <secret hex>, handed to the
 * caller's sink (the caller decides where it goes and who may read it). */
static int keylog_cb(gnutls_session_t s, const char *label, const gnutls_datum_t *secret)
{
	const struct nts_tls *t = gnutls_session_get_ptr(s);
	gnutls_datum_t crand, srand;
	if (!t || !t->keylog || secret->size > 64)
		return 0;
	gnutls_session_get_random(s, &crand, &srand);
	if (crand.size != 32)
		return 0;
	char cr[65], sec[129], line[256];
	nts_hex_encode(crand.data, 32, cr, sizeof cr);
	nts_hex_encode(secret->data, secret->size, sec, sizeof sec);
	snprintf(line, sizeof line, "%s %s %s", label, cr, sec);
	t->keylog(t->keylog_ctx, line);
	return 0;   /* a key log is a debugging aid; never fail the handshake */
}

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* What the peer's certificate must match: the name, when there is one, and
 * the TLS server key purpose (a certificate with an Extended Key Usage
 * must list serverAuth; one without is accepted, as browsers do). */
static unsigned verify_data(const struct nts_tls *t, gnutls_typed_vdata_st vd[2])
{
	unsigned n = 0;
	memset(vd, 0, 2 * sizeof vd[0]);
	if (t->name[0]) {
		vd[n].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[n++].data = (unsigned char *)(uintptr_t)t->name;
	}
	vd[n].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[n++].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	return n;
}

static int client_setup(struct nts_tls *t, const struct nts_tls_client_opts *o)
{
	if (o->sni && o->sni[0]) {
		snprintf(t->name, sizeof t->name, "%s", o->sni);
		t->ip_name = is_ip_literal(o->sni);
		/* RFC 6066 section 3: literal addresses are not sent as SNI. */
		if (!t->ip_name &&
		    gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, o->sni, strlen(o->sni)) < 0)
			return NTS_E_TLS;
	}
	if (o->verify) {
		t->verify = true;
		gnutls_session_set_verify_cert2(t->s, t->vd, verify_data(t, t->vd), 0);
	}
	if (!o->alpn || o->alpn[0]) {
		gnutls_datum_t p = nts_tls_alpn_ntske;
		if (o->alpn) {
			p.data = (unsigned char *)(uintptr_t)o->alpn;
			p.size = (unsigned)strlen(o->alpn);
		}
		if (gnutls_alpn_set_protocols(t->s, &p, 1, 0) < 0)
			return NTS_E_TLS;
		t->want_ntske = !o->alpn || strcmp(o->alpn, NTSKE_ALPN) == 0;
	}
	if (o->keylog) {
		t->keylog = o->keylog;
		t->keylog_ctx = o->keylog_ctx;
		gnutls_session_set_keylog_function(t->s, keylog_cb);
	}
	return NTS_OK;
}

int nts_tls_client_new(struct nts_tls_creds *c, struct nts_tls_transport io,
		       const struct nts_tls_client_opts *o, struct nts_tls **out)
{
	static const struct nts_tls_client_opts defaults = {.verify = true};
	if (!c || !out || !io.push || !io.pull)
		return NTS_E_INVAL;
	if (!o)
		o = &defaults;
	int r = nts_tls_session_new(c, io, GNUTLS_CLIENT, o->tls12_only ? NTS_TLS_PRIO_TLS12 : NTS_TLS_PRIO_TLS13, out);
	if (r != NTS_OK)
		return r;
	r = client_setup(*out, o);
	if (r != NTS_OK) {
		nts_tls_free(*out);
		*out = NULL;
	}
	return r;
}

/* With verify off, still verify after the handshake so the caller can report
 * what would have failed. */
static void verify_after(struct nts_tls *t)
{
	unsigned st = 0;
	t->v.checked = true;
	snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
	gnutls_typed_vdata_st vd[2];
	int r = gnutls_certificate_verify_peers(t->s, vd, verify_data(t, vd), &st);
	if (r == GNUTLS_E_NO_CERTIFICATE_FOUND)
		t->v.flags = NTS_TLS_V_NO_CERT;
	else if (r < 0)
		t->v.flags = NTS_TLS_V_OTHER;
	else
		t->v.flags = nts_tls_map_status(st);
}

void nts_tls_client_handshake_done(struct nts_tls *t)
{
	if (t->verify) {
		t->v.checked = true;
		snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
		t->v.flags = 0;
	} else {
		verify_after(t);
	}
}
