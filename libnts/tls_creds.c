/* tls_creds: TLS credentials from PEM bytes (the programs read the files). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "nts/err.h"
#include "nts/tls.h"
#include "tls_int.h"

/* Parse the chain and key separately first so an error names the right one. */
static int check_cert_key(const char *cert_file, const gnutls_datum_t *cert, const char *key_file,
			  const gnutls_datum_t *key, char *err, size_t errlen)
{
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrts = 0;
	int r = gnutls_x509_crt_list_import2(&crts, &ncrts, cert, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		nts_tls_put_err(err, errlen, "%s: no usable PEM certificate: %s", cert_file, gnutls_strerror(r));
		return NTS_E_CONF;
	}
	for (unsigned i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);

	gnutls_x509_privkey_t pk;
	if (gnutls_x509_privkey_init(&pk) < 0)
		return NTS_E_NOMEM;
	r = gnutls_x509_privkey_import2(pk, key, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(pk);
	if (r < 0) {
		nts_tls_put_err(err, errlen, "%s: no usable PEM private key: %s", key_file, gnutls_strerror(r));
		return NTS_E_CONF;
	}
	return NTS_OK;
}

int nts_tls_server_creds_from_pem(const struct nts_tls_pem *cert, const struct nts_tls_pem *key,
				  struct nts_tls_creds **out, char *err, size_t errlen)
{
	if (!cert || !key || !out || !cert->data || !key->data)
		return NTS_E_INVAL;
	*out = NULL;
	const char *cert_name = cert->name ? cert->name : "certificate";
	const char *key_name = key->name ? key->name : "private key";
	gnutls_datum_t cd = {(unsigned char *)(uintptr_t)cert->data, (unsigned)cert->len};
	gnutls_datum_t kd = {(unsigned char *)(uintptr_t)key->data, (unsigned)key->len};
	if (cert->len > UINT32_MAX || key->len > UINT32_MAX)
		return NTS_E_INVAL;
	int r = check_cert_key(cert_name, &cd, key_name, &kd, err, errlen);
	struct nts_tls_creds *c = NULL;
	if (r == NTS_OK) {
		c = calloc(1, sizeof *c);
		if (!c || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
			free(c);
			c = NULL;
			r = NTS_E_NOMEM;
		}
	}
	if (r == NTS_OK) {
		int g = gnutls_certificate_set_x509_key_mem2(c->cred, &cd, &kd, GNUTLS_X509_FMT_PEM,
							     NULL, 0);
		if (g < 0) {
			nts_tls_put_err(err, errlen, "%s does not match its key: %s", cert_name,
				gnutls_strerror(g));
			r = NTS_E_CONF;
		}
	}
	if (r != NTS_OK) {
		nts_tls_creds_free(c);
		return r;
	}
	*out = c;
	return NTS_OK;
}

int nts_tls_client_creds_from_pem(const struct nts_tls_pem *ca, struct nts_tls_creds **out,
				  char *err, size_t errlen)
{
	if (!ca || !ca->data || !out || ca->len > UINT32_MAX)
		return NTS_E_INVAL;
	*out = NULL;
	const char *name = ca->name ? ca->name : "trust anchors";
	struct nts_tls_creds *c = calloc(1, sizeof *c);
	if (!c || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		free(c);
		return NTS_E_NOMEM;
	}
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)ca->data, (unsigned)ca->len};
	int n = gnutls_certificate_set_x509_trust_mem(c->cred, &d, GNUTLS_X509_FMT_PEM);
	if (n <= 0) {
		nts_tls_put_err(err, errlen, "%s: %s", name,
			n < 0 ? gnutls_strerror(n) : "no CA certificates found");
		nts_tls_creds_free(c);
		return NTS_E_CONF;
	}
	*out = c;
	return NTS_OK;
}

void nts_tls_creds_free(struct nts_tls_creds *c)
{
	if (!c)
		return;
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}
