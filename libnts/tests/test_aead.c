/* Unit tests: aead.c against RFC 5297 vectors and an independent reference S2V/CTR. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "nts/aead.h"
#include "nts/err.h"
#include "suites.h"

/* ---- reference AES-SIV (RFC 5297 section 2.4 and 2.6), written from the
 * RFC's pseudocode on top of GnuTLS's plain AES and AES-CMAC so it shares no
 * code with the nettle SIV behind gnutls_aead_cipher_*. Slow and simple. */

struct ref_siv {
	size_t half;                      /* K1 (CMAC) and K2 (CTR) length */
	gnutls_mac_algorithm_t cmac;
	gnutls_cipher_algorithm_t cbc;    /* CBC with a zero IV, one block = ECB */
};

struct comp {
	const uint8_t *p;
	size_t n;
};

static struct ref_siv ref_for(size_t key_len)
{
	if (key_len == 32)
		return (struct ref_siv){ 16, GNUTLS_MAC_AES_CMAC_128, GNUTLS_CIPHER_AES_128_CBC };
	ck_assert_uint_eq(key_len, 64);
	return (struct ref_siv){ 32, GNUTLS_MAC_AES_CMAC_256, GNUTLS_CIPHER_AES_256_CBC };
}

static void ref_cmac(const struct ref_siv *s, const uint8_t *k1, const uint8_t *m, size_t n,
		     uint8_t out[16])
{
	ck_assert_int_eq(gnutls_hmac_fast(s->cmac, k1, s->half, n ? (const void *)m : "", n, out), 0);
}

/* dbl(): multiply by x in GF(2^128), RFC 5297 section 2.3. */
static void ref_dbl(uint8_t b[16])
{
	uint8_t carry = b[0] >> 7;
	for (int i = 0; i < 15; i++)
		b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (uint8_t)(b[15] << 1);
	if (carry)
		b[15] ^= 0x87;
}

/* S2V over components c[0..n-1]; the last one is the plaintext. */
static void ref_s2v(const struct ref_siv *s, const uint8_t *k1, const struct comp *c, size_t n,
		    uint8_t v[16])
{
	static const uint8_t zero[16];
	uint8_t d[16], t[16];
	ck_assert(n >= 1);
	ref_cmac(s, k1, zero, 16, d);
	for (size_t i = 0; i + 1 < n; i++) {
		ref_dbl(d);
		ref_cmac(s, k1, c[i].p, c[i].n, t);
		for (int j = 0; j < 16; j++)
			d[j] ^= t[j];
	}
	const struct comp *last = &c[n - 1];
	if (last->n >= 16) {
		/* T = Sn xorend D */
		uint8_t *x = malloc(last->n);
		ck_assert(x != NULL);
		memcpy(x, last->p, last->n);
		for (int j = 0; j < 16; j++)
			x[last->n - 16 + j] ^= d[j];
		ref_cmac(s, k1, x, last->n, v);
		free(x);
	} else {
		/* T = dbl(D) xor pad(Sn) */
		ref_dbl(d);
		memset(t, 0, sizeof t);
		if (last->n)
			memcpy(t, last->p, last->n);
		t[last->n] = 0x80;
		for (int j = 0; j < 16; j++)
			t[j] ^= d[j];
		ref_cmac(s, k1, t, 16, v);
	}
}

/* AES-CTR from Q = V with the two 31st bits cleared (RFC 5297 section 2.6). */
static void ref_ctr(const struct ref_siv *s, const uint8_t *k2, const uint8_t v[16],
		    const uint8_t *in, size_t n, uint8_t *out)
{
	uint8_t key[32], iv[16] = { 0 }, q[16], ks[16];
	memcpy(key, k2, s->half);
	gnutls_datum_t kd = { key, (unsigned)s->half }, ivd = { iv, 16 };
	gnutls_cipher_hd_t hd;
	ck_assert_int_eq(gnutls_cipher_init(&hd, s->cbc, &kd, &ivd), 0);
	memcpy(q, v, 16);
	q[8] &= 0x7f;
	q[12] &= 0x7f;
	for (size_t off = 0; off < n; off += 16) {
		gnutls_cipher_set_iv(hd, iv, 16);
		ck_assert_int_eq(gnutls_cipher_encrypt2(hd, q, 16, ks, 16), 0);
		for (size_t j = 0; j < 16 && off + j < n; j++)
			out[off + j] = in[off + j] ^ ks[j];
		for (int j = 15; j >= 0 && ++q[j] == 0; j--)
			;
	}
	gnutls_cipher_deinit(hd);
}

/* out = V || C for components c[0..n-1] (plaintext last); returns its length. */
static size_t ref_seal(const uint8_t *key, size_t key_len, const struct comp *c, size_t n,
		       uint8_t *out)
{
	struct ref_siv s = ref_for(key_len);
	ref_s2v(&s, key, c, n, out);
	ref_ctr(&s, key + s.half, out, c[n - 1].p, c[n - 1].n, out + 16);
	return 16 + c[n - 1].n;
}

/* ---- deterministic pseudo-random inputs (xorshift64*), so failures repeat */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng() >> 56);
}

static void load_tv(const char *dir, const char *part, uint8_t **p, size_t *n)
{
	char name[256];
	snprintf(name, sizeof name, "aead/%s/%s", dir, part);
	*p = tv_load_hex(name, n);
}

/* ---- reference against RFC 5297 Appendix A */

static const struct { const char *dir; size_t n_ad; } rfc_vectors[] = {
	{ "rfc5297-a1", 1 },  /* deterministic: S2V(AD, P) */
	{ "rfc5297-a2", 3 },  /* nonce-based: S2V(AD1, AD2, nonce, P) */
};

START_TEST(test_ref_rfc5297)
{
	const char *dir = rfc_vectors[_i].dir;
	size_t n_ad = rfc_vectors[_i].n_ad, key_len, out_len, siv_len;
	uint8_t *key, *want, *siv, *ad[4];
	struct comp c[4];
	load_tv(dir, "key", &key, &key_len);
	load_tv(dir, "out", &want, &out_len);
	load_tv(dir, "siv", &siv, &siv_len);
	for (size_t i = 0; i < n_ad; i++) {
		char part[32];
		snprintf(part, sizeof part, "ad%zu", i + 1);
		load_tv(dir, part, &ad[i], &c[i].n);
		c[i].p = ad[i];
	}
	load_tv(dir, "pt", &ad[n_ad], &c[n_ad].n);
	c[n_ad].p = ad[n_ad];
	ck_assert_uint_eq(out_len, c[n_ad].n + 16);
	ck_assert_uint_eq(siv_len, 16);

	uint8_t got[256];
	ck_assert_uint_eq(ref_seal(key, key_len, c, n_ad + 1, got), out_len);
	ck_assert_mem_eq(got, siv, 16);
	ck_assert_mem_eq(got, want, out_len);
	for (size_t i = 0; i <= n_ad; i++)
		free(ad[i]);
	free(key);
	free(want);
	free(siv);
}
END_TEST

/* ---- fixed vectors for AEAD 15 and 17 (generated by gen-siv.py with an
 * unrelated implementation) checked against both our code and the reference */

static const struct { const char *dir; uint16_t aead; } fixed_vectors[] = {
	{ "siv256-ntp", NTS_AEAD_AES_SIV_CMAC_256 },
	{ "siv256-cookie", NTS_AEAD_AES_SIV_CMAC_256 },
	{ "siv256-noad", NTS_AEAD_AES_SIV_CMAC_256 },
	{ "siv512-ntp", NTS_AEAD_AES_SIV_CMAC_512 },
	{ "siv512-cookie", NTS_AEAD_AES_SIV_CMAC_512 },
	{ "siv512-longnonce", NTS_AEAD_AES_SIV_CMAC_512 },
};

START_TEST(test_fixed_vectors)
{
	const char *dir = fixed_vectors[_i].dir;
	uint8_t *key, *ad, *nonce, *pt, *want;
	size_t key_len, ad_len, nonce_len, pt_len, want_len;
	load_tv(dir, "key", &key, &key_len);
	load_tv(dir, "ad", &ad, &ad_len);
	load_tv(dir, "nonce", &nonce, &nonce_len);
	load_tv(dir, "pt", &pt, &pt_len);
	load_tv(dir, "out", &want, &want_len);
	ck_assert_uint_eq(key_len, nts_aead_key_len(fixed_vectors[_i].aead));
	ck_assert_uint_eq(want_len, pt_len + NTS_AEAD_TAG_LEN);

	struct nts_aead *a;
	ck_assert_int_eq(nts_aead_new(fixed_vectors[_i].aead, key, key_len, &a), NTS_OK);
	uint8_t out[512], back[512];
	size_t len = 0;
	ck_assert_int_eq(nts_aead_seal(a, nonce, nonce_len, ad, ad_len, pt, pt_len, out, sizeof out,
				       &len), NTS_OK);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(out, want, want_len);   /* tag first, then ciphertext */

	struct comp c[3] = { { ad, ad_len }, { nonce, nonce_len }, { pt, pt_len } };
	uint8_t ref[512];
	ck_assert_uint_eq(ref_seal(key, key_len, c, 3, ref), want_len);
	ck_assert_mem_eq(ref, want, want_len);

	size_t blen = 99;
	ck_assert_int_eq(nts_aead_open(a, nonce, nonce_len, ad, ad_len, want, want_len, back,
				       sizeof back, &blen), NTS_OK);
	ck_assert_uint_eq(blen, pt_len);
	if (pt_len)
		ck_assert_mem_eq(back, pt, pt_len);
	nts_aead_free(a);
	free(key);
	free(ad);
	free(nonce);
	free(pt);
	free(want);
}
END_TEST

/* ---- random cross-check: nts_aead_seal == reference for S2V(AD, nonce, P) */

static const uint16_t siv_ids[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };

START_TEST(test_random_vs_reference)
{
	uint16_t id = siv_ids[_i];
	size_t key_len = nts_aead_key_len(id);
	uint8_t key[NTS_AEAD_MAX_KEY], ad[200], nonce[80], pt[200], out[216], ref[216], back[200];
	struct nts_aead *a = NULL;
	rng_state = 0x243f6a8885a308d3u + id;
	for (int iter = 0; iter < 400; iter++) {
		rng_fill(key, key_len);
		size_t ad_len = rng() % (iter % 8 == 0 ? 1 : sizeof ad + 1);
		size_t nonce_len = 1 + rng() % sizeof nonce;
		size_t pt_len = rng() % (sizeof pt + 1);
		rng_fill(ad, ad_len);
		rng_fill(nonce, nonce_len);
		rng_fill(pt, pt_len);
		/* Alternate fresh handles and rekeyed ones. */
		if (!a || iter % 3 == 0) {
			nts_aead_free(a);
			ck_assert_int_eq(nts_aead_new(id, key, key_len, &a), NTS_OK);
		} else {
			ck_assert_int_eq(nts_aead_set_key(a, key, key_len), NTS_OK);
		}
		size_t len = 0;
		ck_assert_int_eq(nts_aead_seal(a, nonce, nonce_len, ad, ad_len, pt, pt_len, out,
					       sizeof out, &len), NTS_OK);
		struct comp c[3] = { { ad, ad_len }, { nonce, nonce_len }, { pt, pt_len } };
		ck_assert_uint_eq(ref_seal(key, key_len, c, 3, ref), len);
		ck_assert_msg(memcmp(out, ref, len) == 0,
			      "AEAD %u iteration %d (ad %zu, nonce %zu, pt %zu) differs from reference",
			      id, iter, ad_len, nonce_len, pt_len);
		size_t blen = 0;
		ck_assert_int_eq(nts_aead_open(a, nonce, nonce_len, ad, ad_len, out, len, back,
					       sizeof back, &blen), NTS_OK);
		ck_assert_uint_eq(blen, pt_len);
		ck_assert(memcmp(back, pt, pt_len) == 0);
	}
	nts_aead_free(a);
}
END_TEST

/* ---- tampering, wrong keys, bounds */

static struct nts_aead *new_random(uint16_t id, uint8_t *key)
{
	struct nts_aead *a;
	rng_fill(key, nts_aead_key_len(id));
	ck_assert_int_eq(nts_aead_new(id, key, nts_aead_key_len(id), &a), NTS_OK);
	return a;
}

START_TEST(test_tamper)
{
	uint16_t id = siv_ids[_i];
	uint8_t key[NTS_AEAD_MAX_KEY], ad[40], nonce[16], pt[30], out[46], back[30];
	rng_fill(ad, sizeof ad);
	rng_fill(nonce, sizeof nonce);
	rng_fill(pt, sizeof pt);
	struct nts_aead *a = new_random(id, key);
	size_t len, blen;
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, ad, sizeof ad, pt, sizeof pt, out,
				       sizeof out, &len), NTS_OK);
	/* Every single-bit change to tag, ciphertext, AD or nonce must fail. */
	uint8_t *parts[] = { out, ad, nonce };
	size_t sizes[] = { sizeof out, sizeof ad, sizeof nonce };
	for (size_t p = 0; p < 3; p++) {
		for (size_t i = 0; i < sizes[p]; i++) {
			parts[p][i] ^= (uint8_t)(1u << (i % 8));
			memset(back, 0xaa, sizeof back);
			ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad, out,
						       len, back, sizeof back, &blen),
					 NTS_E_AEAD_VERIFY);
			/* no unauthenticated plaintext is left behind */
			for (size_t j = 0; j < sizeof back; j++)
				ck_assert_uint_eq(back[j], 0);
			parts[p][i] ^= (uint8_t)(1u << (i % 8));
		}
	}
	/* Shortened AD, nonce or ciphertext fail too. */
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad - 1, out, len, back,
				       sizeof back, &blen), NTS_E_AEAD_VERIFY);
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce - 1, ad, sizeof ad, out, len, back,
				       sizeof back, &blen), NTS_E_AEAD_VERIFY);
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad, out, len - 1, back,
				       sizeof back, &blen), NTS_E_AEAD_VERIFY);
	/* The untouched message still opens. */
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad, out, len, back,
				       sizeof back, &blen), NTS_OK);
	ck_assert_mem_eq(back, pt, sizeof pt);
	nts_aead_free(a);
}
END_TEST

START_TEST(test_wrong_key)
{
	uint16_t id = siv_ids[_i];
	uint8_t k1[NTS_AEAD_MAX_KEY], k2[NTS_AEAD_MAX_KEY], nonce[16] = { 1 }, pt[20] = { 2 };
	uint8_t out[36], back[20];
	struct nts_aead *a = new_random(id, k1), *b = new_random(id, k2);
	size_t len, blen;
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, NULL, 0, pt, sizeof pt, out,
				       sizeof out, &len), NTS_OK);
	ck_assert_int_eq(nts_aead_open(b, nonce, sizeof nonce, NULL, 0, out, len, back, sizeof back,
				       &blen), NTS_E_AEAD_VERIFY);
	/* The same key with the other SIV variant is wrong too. */
	uint16_t other = id == NTS_AEAD_AES_SIV_CMAC_256 ? NTS_AEAD_AES_SIV_CMAC_512
							 : NTS_AEAD_AES_SIV_CMAC_256;
	uint8_t big[NTS_AEAD_MAX_KEY * 2];
	memcpy(big, k1, nts_aead_key_len(id));
	memcpy(big + nts_aead_key_len(id), k1, nts_aead_key_len(id));
	struct nts_aead *c;
	ck_assert_int_eq(nts_aead_new(other, big, nts_aead_key_len(other), &c), NTS_OK);
	ck_assert_int_eq(nts_aead_open(c, nonce, sizeof nonce, NULL, 0, out, len, back, sizeof back,
				       &blen), NTS_E_AEAD_VERIFY);
	nts_aead_free(a);
	nts_aead_free(b);
	nts_aead_free(c);
}
END_TEST

START_TEST(test_bounds)
{
	uint16_t id = siv_ids[_i];
	uint8_t key[NTS_AEAD_MAX_KEY], nonce[16] = { 3 }, pt[32] = { 4 }, out[64], back[32];
	struct nts_aead *a = new_random(id, key);
	size_t len = 7, blen = 7;
	/* out_cap one short of pt + tag */
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, NULL, 0, pt, sizeof pt, out,
				       sizeof pt + 15, &len), NTS_E_NOSPACE);
	/* an empty nonce would abort inside nettle: it must be refused first */
	ck_assert_int_eq(nts_aead_seal(a, nonce, 0, NULL, 0, pt, sizeof pt, out, sizeof out, &len),
			 NTS_E_INVAL);
	ck_assert_int_eq(nts_aead_seal(a, NULL, 16, NULL, 0, pt, sizeof pt, out, sizeof out, &len),
			 NTS_E_INVAL);
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, NULL, 5, pt, sizeof pt, out,
				       sizeof out, &len), NTS_E_INVAL);
	/* output overlapping the input */
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, NULL, 0, out + 8, 16, out,
				       sizeof out, &len), NTS_E_INVAL);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, NULL, 0, pt, sizeof pt, out,
				       sizeof pt + 16, &len), NTS_OK);
	ck_assert_uint_eq(len, sizeof pt + 16);

	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, NULL, 0, out, len, back,
				       sizeof pt - 1, &blen), NTS_E_NOSPACE);
	ck_assert_int_eq(nts_aead_open(a, nonce, 0, NULL, 0, out, len, back, sizeof back, &blen),
			 NTS_E_INVAL);
	for (size_t n = 0; n < NTS_AEAD_TAG_LEN; n++)
		ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, NULL, 0, out, n, back,
					       sizeof back, &blen), NTS_E_SHORT);
	ck_assert_uint_eq(blen, 7);
	nts_aead_free(a);
}
END_TEST

START_TEST(test_empty_plaintext)
{
	uint16_t id = siv_ids[_i];
	uint8_t key[NTS_AEAD_MAX_KEY], nonce[16], ad[48], out[16], ref[16];
	rng_fill(nonce, sizeof nonce);
	rng_fill(ad, sizeof ad);
	struct nts_aead *a = new_random(id, key);
	size_t len = 0, blen = 9;
	ck_assert_int_eq(nts_aead_seal(a, nonce, sizeof nonce, ad, sizeof ad, NULL, 0, out,
				       sizeof out, &len), NTS_OK);
	ck_assert_uint_eq(len, 16);
	struct comp c[3] = { { ad, sizeof ad }, { nonce, sizeof nonce }, { NULL, 0 } };
	ref_seal(key, nts_aead_key_len(id), c, 3, ref);
	ck_assert_mem_eq(out, ref, 16);
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad, out, len, NULL, 0,
				       &blen), NTS_OK);
	ck_assert_uint_eq(blen, 0);
	out[3] ^= 0x10;
	ck_assert_int_eq(nts_aead_open(a, nonce, sizeof nonce, ad, sizeof ad, out, len, NULL, 0,
				       &blen), NTS_E_AEAD_VERIFY);
	nts_aead_free(a);
}
END_TEST

START_TEST(test_set_key_reuse)
{
	uint16_t id = siv_ids[_i];
	size_t kl = nts_aead_key_len(id);
	uint8_t k1[NTS_AEAD_MAX_KEY], k2[NTS_AEAD_MAX_KEY], nonce[16] = { 5 }, pt[40] = { 6 };
	uint8_t o1[56], o2[56], o3[56];
	struct nts_aead *a = new_random(id, k1), *fresh = new_random(id, k2);
	size_t l1, l2, l3;
	ck_assert_int_eq(nts_aead_seal(a, nonce, 16, NULL, 0, pt, sizeof pt, o1, sizeof o1, &l1), 0);
	ck_assert_int_eq(nts_aead_set_key(a, k2, kl), NTS_OK);
	ck_assert_int_eq(nts_aead_seal(a, nonce, 16, NULL, 0, pt, sizeof pt, o2, sizeof o2, &l2), 0);
	ck_assert_int_eq(nts_aead_seal(fresh, nonce, 16, NULL, 0, pt, sizeof pt, o3, sizeof o3, &l3),
			 0);
	ck_assert_mem_eq(o2, o3, l3);
	ck_assert(memcmp(o1, o2, l1) != 0);
	/* A wrong key length is refused and leaves the handle keyed as before. */
	ck_assert_int_eq(nts_aead_set_key(a, k1, kl - 1), NTS_E_INVAL);
	ck_assert_int_eq(nts_aead_seal(a, nonce, 16, NULL, 0, pt, sizeof pt, o3, sizeof o3, &l3), 0);
	ck_assert_mem_eq(o2, o3, l3);
	/* And back to the first key. */
	ck_assert_int_eq(nts_aead_set_key(a, k1, kl), NTS_OK);
	ck_assert_int_eq(nts_aead_seal(a, nonce, 16, NULL, 0, pt, sizeof pt, o3, sizeof o3, &l3), 0);
	ck_assert_mem_eq(o1, o3, l3);
	ck_assert_uint_eq(nts_aead_id(a), id);
	nts_aead_free(a);
	nts_aead_free(fresh);
}
END_TEST

START_TEST(test_registry)
{
	static const struct { uint16_t id; size_t key_len; bool ok; const char *name; } t[] = {
		{ 15, 32, true, "AEAD_AES_SIV_CMAC_256" },
		{ 16, 48, false, "AEAD_AES_SIV_CMAC_384" },
		{ 17, 64, true, "AEAD_AES_SIV_CMAC_512" },
		{ 30, 16, false, "AEAD_AES_128_GCM_SIV" },
		{ 0, 0, false, NULL },
		{ 1, 0, false, NULL },
		{ 65535, 0, false, NULL },
	};
	uint8_t key[NTS_AEAD_MAX_KEY] = { 0 };
	static char sentinel;   /* nts_aead_new must reset *out to NULL on failure */
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_uint_eq(nts_aead_key_len(t[i].id), t[i].key_len);
		ck_assert(nts_aead_supported(t[i].id) == t[i].ok);
		if (t[i].name)
			ck_assert_str_eq(nts_aead_name(t[i].id), t[i].name);
		else
			ck_assert_ptr_null(nts_aead_name(t[i].id));
		struct nts_aead *a = (struct nts_aead *)(void *)&sentinel;
		int rc = nts_aead_new(t[i].id, key, t[i].key_len ? t[i].key_len : 16, &a);
		ck_assert_int_eq(rc, t[i].ok ? NTS_OK : NTS_E_AEAD_UNSUPP);
		if (!t[i].ok)
			ck_assert_ptr_null(a);
		nts_aead_free(a);
		if (t[i].ok) {
			a = (struct nts_aead *)(void *)&sentinel;
			ck_assert_int_eq(nts_aead_new(t[i].id, key, t[i].key_len + 1, &a), NTS_E_INVAL);
			ck_assert_ptr_null(a);
		}
	}
	nts_aead_free(NULL);
}
END_TEST

START_TEST(test_random)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };
	ck_assert_int_eq(nts_random(a, sizeof a), NTS_OK);
	ck_assert_int_eq(nts_random(b, sizeof b), NTS_OK);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert(memcmp(a, zero, sizeof a) != 0);
	ck_assert_int_eq(nts_random_key(a, sizeof a), NTS_OK);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert_int_eq(nts_random(NULL, 0), NTS_OK);
	ck_assert_int_eq(nts_random(NULL, 1), NTS_E_INVAL);
	ck_assert_int_eq(nts_random_key(NULL, 1), NTS_E_INVAL);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *aead_suite(void)
{
	Suite *s = suite_create("aead");
	TCase *kat = tcase_create("known-answer");
	tcase_add_loop_test(kat, test_ref_rfc5297, 0, N(rfc_vectors));
	tcase_add_loop_test(kat, test_fixed_vectors, 0, N(fixed_vectors));
	tcase_add_loop_test(kat, test_random_vs_reference, 0, N(siv_ids));
	suite_add_tcase(s, kat);
	TCase *use = tcase_create("use");
	tcase_add_loop_test(use, test_tamper, 0, N(siv_ids));
	tcase_add_loop_test(use, test_wrong_key, 0, N(siv_ids));
	tcase_add_loop_test(use, test_bounds, 0, N(siv_ids));
	tcase_add_loop_test(use, test_empty_plaintext, 0, N(siv_ids));
	tcase_add_loop_test(use, test_set_key_reuse, 0, N(siv_ids));
	tcase_add_test(use, test_registry);
	tcase_add_test(use, test_random);
	suite_add_tcase(s, use);
	return s;
}
