/* tls_cert: certificate diagnostics: verification flags in words, the peer's chain decoded. */
#include <config.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "nts/err.h"
#include "nts/hex.h"
#include "nts/tls.h"
#include "tls_int.h"

/* Map GnuTLS's status bits onto ours. */
unsigned nts_tls_map_status(unsigned st)
{
	static const struct {
		unsigned g, ours;
	} map[] = {
		{GNUTLS_CERT_EXPIRED, NTS_TLS_V_EXPIRED},
		{GNUTLS_CERT_NOT_ACTIVATED, NTS_TLS_V_NOT_YET_VALID},
		{GNUTLS_CERT_SIGNER_NOT_FOUND, NTS_TLS_V_UNKNOWN_ISSUER},
		{GNUTLS_CERT_UNEXPECTED_OWNER, NTS_TLS_V_NAME_MISMATCH},
		{GNUTLS_CERT_SIGNATURE_FAILURE, NTS_TLS_V_BAD_SIGNATURE},
		{GNUTLS_CERT_SIGNER_NOT_CA, NTS_TLS_V_ISSUER_NOT_CA},
		{GNUTLS_CERT_INSECURE_ALGORITHM, NTS_TLS_V_INSECURE_ALG},
		{GNUTLS_CERT_REVOKED, NTS_TLS_V_REVOKED},
		{GNUTLS_CERT_PURPOSE_MISMATCH, NTS_TLS_V_PURPOSE},
	};
	unsigned ours = 0, known = GNUTLS_CERT_INVALID;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		known |= map[i].g;
		if (st & map[i].g)
			ours |= map[i].ours;
	}
	if ((st & ~known) || (st && !ours))
		ours |= NTS_TLS_V_OTHER;
	return ours;
}

void nts_tls_get_verify(const struct nts_tls *t, struct nts_tls_verify *v)
{
	memset(v, 0, sizeof *v);
	if (t)
		*v = t->v;
}

const char *nts_tls_verify_str(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *word;
	} words[] = {
		{NTS_TLS_V_EXPIRED, "expired"},
		{NTS_TLS_V_NOT_YET_VALID, "not yet valid"},
		{NTS_TLS_V_UNKNOWN_ISSUER, "unknown issuer"},
		{NTS_TLS_V_NAME_MISMATCH, "name mismatch"},
		{NTS_TLS_V_BAD_SIGNATURE, "bad signature"},
		{NTS_TLS_V_ISSUER_NOT_CA, "issuer is not a CA"},
		{NTS_TLS_V_INSECURE_ALG, "insecure algorithm"},
		{NTS_TLS_V_REVOKED, "revoked"},
		{NTS_TLS_V_PURPOSE, "not for TLS servers"},
		{NTS_TLS_V_NO_CERT, "no certificate"},
		{NTS_TLS_V_OTHER, "other failure"},
	};
	if (!buf || !len)
		return "";
	buf[0] = '\0';
	if (!flags) {
		nts_tls_copy(buf, len, "ok");
		return buf;
	}
	size_t pos = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (!(flags & words[i].flag))
			continue;
		int n = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", words[i].word);
		if (n < 0 || (size_t)n >= len - pos) {
			buf[pos] = '\0';   /* drop a word cut short */
			break;
		}
		pos += (size_t)n;
	}
	return buf;
}

static void cert_sans(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	for (unsigned seq = 0; c->nsans < NTS_TLS_MAX_SANS && seq < 64; seq++) {
		char name[96];
		size_t size = sizeof name - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &size, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			continue;
		char *dst = c->sans[c->nsans];
		if (type == GNUTLS_SAN_IPADDRESS) {
			char ip[INET6_ADDRSTRLEN];
			int af = size == 4 ? AF_INET : size == 16 ? AF_INET6 : 0;
			if (!af || !inet_ntop(af, name, ip, sizeof ip))
				continue;
			snprintf(dst, sizeof c->sans[0], "IP:%s", ip);
		} else {
			name[size] = '\0';
			const char *tag = type == GNUTLS_SAN_DNSNAME ? "DNS" :
					  type == GNUTLS_SAN_URI ? "URI" :
					  type == GNUTLS_SAN_RFC822NAME ? "email" : "other";
			snprintf(dst, sizeof c->sans[0], "%s:%s", tag, name);
		}
		c->nsans++;
	}
}

static void cert_key(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	c->key_bits = bits;
	const char *name = pk >= 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : NULL;
	nts_tls_copy(c->key_type, sizeof c->key_type, name ? name : "unknown");
	if (pk == GNUTLS_PK_ECDSA) {
		gnutls_ecc_curve_t curve;
		gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) == 0) {
			const char *cn = gnutls_ecc_curve_get_name(curve);
			snprintf(c->key_type, sizeof c->key_type, "ECDSA %s", cn ? cn : "");
			gnutls_free(x.data);
			gnutls_free(y.data);
		}
	}
}

static void cert_decode(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	size_t n = sizeof c->subject;
	if (gnutls_x509_crt_get_dn(crt, c->subject, &n) < 0)
		c->subject[0] = '\0';
	n = sizeof c->issuer;
	if (gnutls_x509_crt_get_issuer_dn(crt, c->issuer, &n) < 0)
		c->issuer[0] = '\0';
	cert_sans(crt, c);
	c->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
	c->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
	cert_key(crt, c);
	int sa = gnutls_x509_crt_get_signature_algorithm(crt);
	nts_tls_copy(c->sig_alg, sizeof c->sig_alg,
	     sa >= 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sa) : NULL);
	uint8_t fp[32];
	n = sizeof fp;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) == 0 && n == 32)
		nts_hex_encode(fp, 32, c->sha256, sizeof c->sha256);
	unsigned crit;
	c->is_ca = gnutls_x509_crt_get_basic_constraints(crt, &crit, NULL, NULL) > 0;
}

size_t nts_tls_peer_chain(const struct nts_tls *t, struct nts_tls_cert *out, size_t max)
{
	if (!t || !out)
		return 0;
	unsigned n = 0;
	const gnutls_datum_t *der = gnutls_certificate_get_peers(t->s, &n);
	if (!der)
		return 0;
	size_t got = 0;
	for (unsigned i = 0; i < n && got < max; i++) {
		gnutls_x509_crt_t crt;
		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		if (gnutls_x509_crt_import(crt, &der[i], GNUTLS_X509_FMT_DER) == 0) {
			memset(&out[got], 0, sizeof out[got]);
			cert_decode(crt, &out[got]);
			got++;
		}
		gnutls_x509_crt_deinit(crt);
	}
	return got;
}

int nts_tls_creds_leaf(const struct nts_tls_creds *c, struct nts_tls_cert *out)
{
	if (!c || !out)
		return NTS_E_INVAL;
	gnutls_datum_t der = {NULL, 0};
	/* the raw DER stays owned by the credentials */
	if (gnutls_certificate_get_crt_raw(c->cred, 0, 0, &der) < 0)
		return NTS_E_TLS;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		return NTS_E_NOMEM;
	int rc = NTS_E_TLS;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0) {
		memset(out, 0, sizeof *out);
		cert_decode(crt, out);
		rc = NTS_OK;
	}
	gnutls_x509_crt_deinit(crt);
	return rc;
}
