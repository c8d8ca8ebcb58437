/* AES-SIV-CMAC (RFC 5297) for NTS through GnuTLS; with the tls_*.c files, the only ones that see GnuTLS. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "nts/aead.h"
#include "nts/err.h"
#include "nts/num.h"

/* IANA "AEAD Algorithms" entries NTS may negotiate (RFC 8915 section 5.1).
 * Only the two SIV-CMAC variants have a GnuTLS backend: 384 has no GnuTLS
 * cipher, and GCM-SIV (RFC 8452) is not in GnuTLS 3.7. */
static const struct aead_info {
	uint16_t id;
	size_t key_len;
	const char *name;
	bool supported;
	gnutls_cipher_algorithm_t alg;
} aead_table[] = {
	{ NTS_AEAD_AES_SIV_CMAC_256, 32, "AEAD_AES_SIV_CMAC_256", true, GNUTLS_CIPHER_AES_128_SIV },
	{ NTS_AEAD_AES_SIV_CMAC_384, 48, "AEAD_AES_SIV_CMAC_384", false, GNUTLS_CIPHER_UNKNOWN },
	{ NTS_AEAD_AES_SIV_CMAC_512, 64, "AEAD_AES_SIV_CMAC_512", true, GNUTLS_CIPHER_AES_256_SIV },
	{ NTS_AEAD_AES_128_GCM_SIV, 16, "AEAD_AES_128_GCM_SIV", false, GNUTLS_CIPHER_UNKNOWN },
};

struct nts_aead {
	const struct aead_info *info;
	gnutls_aead_cipher_hd_t hd;
};

static const struct aead_info *aead_lookup(uint16_t id)
{
	for (size_t i = 0; i < sizeof aead_table / sizeof aead_table[0]; i++)
		if (aead_table[i].id == id)
			return &aead_table[i];
	return NULL;
}

size_t nts_aead_key_len(uint16_t id)
{
	const struct aead_info *i = aead_lookup(id);
	return i ? i->key_len : 0;
}

bool nts_aead_supported(uint16_t id)
{
	const struct aead_info *i = aead_lookup(id);
	return i && i->supported;
}

const char *nts_aead_name(uint16_t id)
{
	const struct aead_info *i = aead_lookup(id);
	return i ? i->name : NULL;
}

int nts_aead_from_name(const char *s)
{
	uint64_t id;
	if (!s)
		return -1;
	if (nts_num_uint(s, 0, 65535, &id, NULL, 0) == NTS_OK)
		return (int)id;
	/* the registry's name, with or without its "AEAD_" */
	const char *bare = strncasecmp(s, "AEAD_", 5) == 0 ? s + 5 : s;
	for (size_t i = 0; i < sizeof aead_table / sizeof aead_table[0]; i++)
		if (strcasecmp(bare, aead_table[i].name + 5) == 0)
			return aead_table[i].id;
	return -1;
}

uint16_t nts_aead_id(const struct nts_aead *a)
{
	return a->info->id;
}

/* gnutls_datum_t wants a mutable pointer, so keys pass through a local copy
 * (wiped afterwards) rather than casting const away. */
static int aead_key(const struct aead_info *info, gnutls_aead_cipher_hd_t *hd, bool fresh,
		    const uint8_t *key, size_t key_len)
{
	uint8_t copy[NTS_AEAD_MAX_KEY];
	memcpy(copy, key, key_len);
	gnutls_datum_t d = { copy, (unsigned)key_len };
	int rc;
	if (fresh)
		rc = gnutls_aead_cipher_init(hd, info->alg, &d);
	else
		rc = gnutls_aead_cipher_set_key(*hd, &d);
	gnutls_memset(copy, 0, sizeof copy);
	return rc < 0 ? NTS_E_CRYPTO : NTS_OK;
}

int nts_aead_new(uint16_t id, const uint8_t *key, size_t key_len, struct nts_aead **out)
{
	if (!out || !key)
		return NTS_E_INVAL;
	*out = NULL;
	const struct aead_info *info = aead_lookup(id);
	if (!info || !info->supported)
		return NTS_E_AEAD_UNSUPP;
	if (key_len != info->key_len)
		return NTS_E_INVAL;
	struct nts_aead *a = calloc(1, sizeof *a);
	if (!a)
		return NTS_E_NOMEM;
	a->info = info;
	int rc = aead_key(info, &a->hd, true, key, key_len);
	if (rc != NTS_OK) {
		free(a);
		return rc;
	}
	*out = a;
	return NTS_OK;
}

int nts_aead_set_key(struct nts_aead *a, const uint8_t *key, size_t key_len)
{
	if (!a || !key || key_len != a->info->key_len)
		return NTS_E_INVAL;
#ifdef HAVE_GNUTLS_AEAD_CIPHER_SET_KEY
	return aead_key(a->info, &a->hd, false, key, key_len);
#else
	/* Older GnuTLS cannot rekey a handle: build a new one first so a
	 * failure leaves the old key in place. */
	gnutls_aead_cipher_hd_t hd;
	int rc = aead_key(a->info, &hd, true, key, key_len);
	if (rc != NTS_OK)
		return rc;
	gnutls_aead_cipher_deinit(a->hd);
	a->hd = hd;
	return NTS_OK;
#endif
}

void nts_aead_free(struct nts_aead *a)
{
	if (!a)
		return;
	gnutls_aead_cipher_deinit(a->hd);
	free(a);
}

static bool overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
	return alen && blen && pa < pb + blen && pb < pa + alen;
}

/* Argument checks shared by seal and open. Nettle (under GnuTLS 3.7.9)
 * asserts, i.e. aborts the process, on an empty SIV nonce, so a short nonce
 * must never reach GnuTLS. */
static int check_args(const struct nts_aead *a, const uint8_t *nonce, size_t nonce_len,
		      const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t in_len,
		      const uint8_t *out, size_t out_need, const size_t *out_len)
{
	if (!a || !out_len || (!out && out_need))
		return NTS_E_INVAL;
	if (!nonce || nonce_len < NTS_AEAD_MIN_NONCE)
		return NTS_E_INVAL;
	if ((!ad && ad_len) || (!in && in_len))
		return NTS_E_INVAL;
	return NTS_OK;
}

int nts_aead_seal(struct nts_aead *a, const uint8_t *nonce, size_t nonce_len,
		  const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
		  uint8_t *out, size_t out_cap, size_t *out_len)
{
	if (pt_len > SIZE_MAX - NTS_AEAD_TAG_LEN)
		return NTS_E_INVAL;
	int rc = check_args(a, nonce, nonce_len, ad, ad_len, pt, pt_len, out,
			    pt_len + NTS_AEAD_TAG_LEN, out_len);
	if (rc != NTS_OK)
		return rc;
	if (out_cap < pt_len + NTS_AEAD_TAG_LEN)
		return NTS_E_NOSPACE;
	if (overlaps(out, pt_len + NTS_AEAD_TAG_LEN, pt, pt_len))
		return NTS_E_INVAL;
	size_t len = out_cap;
	/* GnuTLS's SIV writes the synthetic IV first, then the ciphertext: the
	 * RFC 5297 section 2.6 output order, which RFC 8915 section 5.6 uses. */
	if (gnutls_aead_cipher_encrypt(a->hd, nonce, nonce_len, ad ? (const void *)ad : "", ad_len,
				       NTS_AEAD_TAG_LEN, pt ? (const void *)pt : "", pt_len,
				       out, &len) < 0)
		return NTS_E_CRYPTO;
	if (len != pt_len + NTS_AEAD_TAG_LEN)
		return NTS_E_CRYPTO;
	*out_len = len;
	return NTS_OK;
}

int nts_aead_open(struct nts_aead *a, const uint8_t *nonce, size_t nonce_len,
		  const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
		  uint8_t *out, size_t out_cap, size_t *out_len)
{
	if (ct_len < NTS_AEAD_TAG_LEN)
		return ct ? NTS_E_SHORT : NTS_E_INVAL;
	size_t pt_len = ct_len - NTS_AEAD_TAG_LEN;
	int rc = check_args(a, nonce, nonce_len, ad, ad_len, ct, ct_len, out, pt_len, out_len);
	if (rc != NTS_OK)
		return rc;
	if (out_cap < pt_len)
		return NTS_E_NOSPACE;
	if (overlaps(out, pt_len, ct, ct_len))
		return NTS_E_INVAL;
	/* GnuTLS wants somewhere to write even for an empty plaintext. */
	uint8_t dummy[1];
	uint8_t *dst = pt_len ? out : dummy;
	size_t len = pt_len ? out_cap : sizeof dummy;
	int g = gnutls_aead_cipher_decrypt(a->hd, nonce, nonce_len, ad ? (const void *)ad : "",
					   ad_len, NTS_AEAD_TAG_LEN, ct, ct_len, dst, &len);
	if (g < 0 || len != pt_len) {
		/* Never leave unauthenticated plaintext behind for the caller. */
		if (pt_len)
			gnutls_memset(out, 0, pt_len);
		return g == GNUTLS_E_DECRYPTION_FAILED ? NTS_E_AEAD_VERIFY : NTS_E_CRYPTO;
	}
	*out_len = pt_len;
	return NTS_OK;
}

int nts_random(void *buf, size_t len)
{
	if (!buf && len)
		return NTS_E_INVAL;
	if (len && gnutls_rnd(GNUTLS_RND_NONCE, buf, len) < 0)
		return NTS_E_RANDOM;
	return NTS_OK;
}

int nts_random_key(void *buf, size_t len)
{
	if (!buf && len)
		return NTS_E_INVAL;
	if (len && gnutls_rnd(GNUTLS_RND_KEY, buf, len) < 0)
		return NTS_E_RANDOM;
	return NTS_OK;
}
