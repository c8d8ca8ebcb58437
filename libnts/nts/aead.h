/* AEAD for NTS (RFC 8915 section 5.1; AES-SIV per RFC 5297) through GnuTLS. */
#ifndef NTS_AEAD_H
#define NTS_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA "AEAD Algorithms" */
#define NTS_AEAD_AES_SIV_CMAC_256 15
#define NTS_AEAD_AES_SIV_CMAC_384 16
#define NTS_AEAD_AES_SIV_CMAC_512 17
#define NTS_AEAD_AES_128_GCM_SIV 30

#define NTS_AEAD_MAX_KEY 64
#define NTS_AEAD_TAG_LEN 16   /* the SIV, prepended to the ciphertext */
#define NTS_AEAD_MIN_NONCE 1  /* GnuTLS aborts on an empty SIV nonce */

/* Key length for an IANA AEAD id, 0 if we do not know the id. */
size_t nts_aead_key_len(uint16_t id);
/* True when this build can seal and open with the id (15 and 17). */
bool nts_aead_supported(uint16_t id);
/* The IANA "AEAD Algorithms" registry name ("AEAD_AES_SIV_CMAC_256"), or
 * NULL: the one table every program prints and parses names from. */
const char *nts_aead_name(uint16_t id);
/* An id from a number (0..65535) or a registry name, case-insensitive, with
 * or without "AEAD_" ("AES_SIV_CMAC_512"); -1 if neither. */
int nts_aead_from_name(const char *s);

struct nts_aead;

/* A keyed handle; reuse it with nts_aead_set_key() to avoid reallocating. */
int nts_aead_new(uint16_t id, const uint8_t *key, size_t key_len, struct nts_aead **out);
int nts_aead_set_key(struct nts_aead *a, const uint8_t *key, size_t key_len);
void nts_aead_free(struct nts_aead *a);
uint16_t nts_aead_id(const struct nts_aead *a);

/* Seal: out = SIV tag (16) || ciphertext; *out_len = pt_len + 16. The nonce
 * is the last associated-data component, as RFC 8915 section 5.6 uses it.
 * nonce_len must be at least NTS_AEAD_MIN_NONCE. out must not overlap pt. */
int nts_aead_seal(struct nts_aead *a, const uint8_t *nonce, size_t nonce_len,
		  const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
		  uint8_t *out, size_t out_cap, size_t *out_len);
/* Open: NTS_E_AEAD_VERIFY when the tag does not verify. */
int nts_aead_open(struct nts_aead *a, const uint8_t *nonce, size_t nonce_len,
		  const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
		  uint8_t *out, size_t out_cap, size_t *out_len);

/* Cryptographically strong random octets (GnuTLS nonce-level RNG). */
int nts_random(void *buf, size_t len);
/* Key-level random octets (for master keys). */
int nts_random_key(void *buf, size_t len);

#endif
