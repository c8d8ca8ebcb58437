/* TLS 1.3 key schedule pieces (RFC 8446 sections 7.1, 7.3, 7.5) and record decryption via GnuTLS crypto. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "nts/err.h"
#include "tls13.h"

/* TLS 1.3 cipher suites (IANA TLS Cipher Suites registry) we can open. */
static const struct suite {
	uint16_t id;
	const char *name;
	gnutls_cipher_algorithm_t cipher;
	gnutls_mac_algorithm_t mac;
	gnutls_digest_algorithm_t dig;
	size_t key_len, hash_len;
} suites[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256", GNUTLS_CIPHER_AES_128_GCM, GNUTLS_MAC_SHA256,
	  GNUTLS_DIG_SHA256, 16, 32 },
	{ 0x1302, "TLS_AES_256_GCM_SHA384", GNUTLS_CIPHER_AES_256_GCM, GNUTLS_MAC_SHA384,
	  GNUTLS_DIG_SHA384, 32, 48 },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256", GNUTLS_CIPHER_CHACHA20_POLY1305, GNUTLS_MAC_SHA256,
	  GNUTLS_DIG_SHA256, 32, 32 },
};

static const struct suite *find(uint16_t id)
{
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const char *np_tls13_suite_name(uint16_t id)
{
	const struct suite *s = find(id);
	return s ? s->name : NULL;
}

bool np_tls13_suite_supported(uint16_t id)
{
	return find(id) != NULL;
}

/* HKDF-Expand-Label (RFC 8446 section 7.1): info = length(u16) ||
 * "tls13 " + label (u8-prefixed) || context (u8-prefixed). */
int np_hkdf_expand_label(uint16_t suite, const uint8_t *secret, size_t slen, const char *label,
			 const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen)
{
	const struct suite *s = find(suite);
	size_t ll = 6 + strlen(label);
	uint8_t info[2 + 1 + 255 + 1 + 255], sec[64];
	if (!s || ll > 255 || clen > 255 || slen > sizeof sec || olen > 255 * s->hash_len)
		return NTS_E_INVAL;
	size_t p = 0;
	info[p++] = (uint8_t)(olen >> 8);
	info[p++] = (uint8_t)olen;
	info[p++] = (uint8_t)ll;
	memcpy(info + p, "tls13 ", 6);
	memcpy(info + p + 6, label, ll - 6);
	p += ll;
	info[p++] = (uint8_t)clen;
	if (clen)
		memcpy(info + p, ctx, clen);
	p += clen;
	memcpy(sec, secret, slen);
	gnutls_datum_t key = { sec, (unsigned)slen }, inf = { info, (unsigned)p };
	int rc = gnutls_hkdf_expand(s->mac, &key, &inf, out, olen);
	gnutls_memset(sec, 0, sizeof sec);
	return rc < 0 ? NTS_E_CRYPTO : NTS_OK;
}

/* TLS-Exporter (RFC 8446 section 7.5): HKDF-Expand-Label(Derive-Secret(
 * exporter_secret, label, ""), "exporter", Hash(context), length). */
int np_tls13_exporter(uint16_t suite, const uint8_t *exp, size_t elen, const char *label,
		      const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen)
{
	const struct suite *s = find(suite);
	uint8_t empty_hash[64], ctx_hash[64], derived[64];
	if (!s)
		return NTS_E_INVAL;
	if (gnutls_hash_fast(s->dig, "", 0, empty_hash) < 0 ||
	    gnutls_hash_fast(s->dig, ctx, clen, ctx_hash) < 0)
		return NTS_E_CRYPTO;
	int rc = np_hkdf_expand_label(suite, exp, elen, label, empty_hash, s->hash_len, derived,
				      s->hash_len);
	if (rc == NTS_OK)
		rc = np_hkdf_expand_label(suite, derived, s->hash_len, "exporter", ctx_hash,
					  s->hash_len, out, olen);
	gnutls_memset(derived, 0, sizeof derived);
	return rc;
}

struct np_tls13_dir {
	gnutls_aead_cipher_hd_t hd;
	uint8_t iv[12];
	uint64_t seq;
};

int np_tls13_dir_new(uint16_t suite, const uint8_t *secret, size_t slen, struct np_tls13_dir **out)
{
	const struct suite *s = find(suite);
	uint8_t key[32];
	if (!s)
		return NTS_E_AEAD_UNSUPP;
	struct np_tls13_dir *d = calloc(1, sizeof *d);
	if (!d)
		return NTS_E_NOMEM;
	/* RFC 8446 section 7.3: traffic key and IV from the traffic secret */
	int rc = np_hkdf_expand_label(suite, secret, slen, "key", NULL, 0, key, s->key_len);
	if (rc == NTS_OK)
		rc = np_hkdf_expand_label(suite, secret, slen, "iv", NULL, 0, d->iv, sizeof d->iv);
	if (rc == NTS_OK) {
		gnutls_datum_t k = { key, (unsigned)s->key_len };
		if (gnutls_aead_cipher_init(&d->hd, s->cipher, &k) < 0)
			rc = NTS_E_CRYPTO;
	}
	gnutls_memset(key, 0, sizeof key);
	if (rc != NTS_OK) {
		free(d);
		return rc;
	}
	*out = d;
	return NTS_OK;
}

void np_tls13_dir_free(struct np_tls13_dir *d)
{
	if (!d)
		return;
	gnutls_aead_cipher_deinit(d->hd);
	free(d);
}

/* RFC 8446 section 5.3: nonce = IV xor the 64-bit record sequence number,
 * left-padded; the 5-octet record header is the associated data. On
 * success the sequence advances and *type is the inner content type. */
int np_tls13_open(struct np_tls13_dir *d, const uint8_t hdr[5], const uint8_t *ct, size_t ct_len,
		  uint8_t *pt, size_t cap, size_t *pt_len, uint8_t *type)
{
	uint8_t nonce[12];
	size_t n = cap;
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
	if (ct_len < 17 || gnutls_aead_cipher_decrypt(d->hd, nonce, 12, hdr, 5, 16, ct, ct_len, pt,
						      &n) < 0)
		return NTS_E_AEAD_VERIFY;
	d->seq++;
	/* TLSInnerPlaintext: content || type || zeros (section 5.2) */
	while (n > 0 && pt[n - 1] == 0)
		n--;
	if (n == 0)
		return NTS_E_TLS;
	*type = pt[n - 1];
	*pt_len = n - 1;
	return NTS_OK;
}

static void dn(gnutls_x509_crt_t crt, bool issuer, char *out, size_t len)
{
	gnutls_datum_t d = { NULL, 0 };
	int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) : gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (rc < 0 || !d.data) {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, "%.*s", (int)d.size, (const char *)d.data);
	gnutls_free(d.data);
	/* the names come from the wire: no terminal control in our output */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '.';
}

int np_tls13_cert_info(const uint8_t *der, size_t len, struct np_cert *out)
{
	gnutls_x509_crt_t crt;
	memset(out, 0, sizeof *out);
	if (len == 0 || len > UINT32_MAX || gnutls_x509_crt_init(&crt) < 0)
		return NTS_E_TLS;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)der, (unsigned)len };
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return NTS_E_TLS;
	}
	dn(crt, false, out->subject, sizeof out->subject);
	dn(crt, true, out->issuer, sizeof out->issuer);
	out->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
	out->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
	gnutls_x509_crt_deinit(crt);
	return NTS_OK;
}
