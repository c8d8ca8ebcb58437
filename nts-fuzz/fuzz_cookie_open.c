/* Fuzz target: cookie open under the master-key ring (libnts/cookie.c).
 * FL_RAW opens the input as a cookie; otherwise the input gives an AEAD id
 * and keys, the harness seals a cookie, checks it opens to the same keys,
 * then checks that a flipped bit or a truncation never opens. Layout:
 *   flags(1) aead_sel(1) flip(2) cut(1) keylen(1) keys... */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/ntske.h"

#define FL_RAW 1

static bool is_cookie_error(int rc)
{
	return rc == NTS_E_COOKIE_SHORT || rc == NTS_E_COOKIE_UNKNOWN_KEY ||
	       rc == NTS_E_COOKIE_AUTH || rc == NTS_E_COOKIE_CONTENT;
}

static void open_raw(const uint8_t *data, size_t size)
{
	struct nts_cookie_keys k;
	uint8_t *copy = malloc(size ? size : 1);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, data, size);
	int rc = nts_cookie_open(fuzz_ring(), copy, size, &k);
	free(copy);
	if (rc == NTS_OK)
		FUZZ_CHECK(k.key_len <= NTS_AEAD_MAX_KEY && k.key_len == nts_aead_key_len(k.aead));
	else
		FUZZ_CHECK(is_cookie_error(rc));
}

static void seal_open(const uint8_t *data, size_t size)
{
	static const uint16_t ids[] = { 15, 17, 16, 30, 0, 0xffff };
	uint16_t aead = ids[data[1] % (sizeof ids / sizeof ids[0])];
	size_t flip = nts_get16(data + 2), cut = data[4], klen = data[5] % (NTS_AEAD_MAX_KEY + 2);
	uint8_t c2s[NTS_AEAD_MAX_KEY + 1] = { 0 }, s2c[NTS_AEAD_MAX_KEY + 1] = { 0 };
	size_t have = size - 6;
	memcpy(c2s, data + 6, have < sizeof c2s ? have : sizeof c2s);
	if (have > sizeof c2s)
		memcpy(s2c, data + 6 + sizeof c2s, have - sizeof c2s < sizeof s2c ? have - sizeof c2s : sizeof s2c);

	uint8_t cookie[NTS_COOKIE_MAX];
	size_t len = 0;
	int rc = nts_cookie_seal(fuzz_ring(), aead, c2s, s2c, klen, cookie, sizeof cookie, &len);
	if (rc != NTS_OK) {
		/* only a known AEAD with its own key length seals */
		FUZZ_CHECK(rc < 0);
		return;
	}
	FUZZ_CHECK(klen == nts_aead_key_len(aead) && nts_cookie_len(aead) == len);
	struct nts_cookie_keys k;
	FUZZ_CHECK(nts_cookie_open(fuzz_ring(), cookie, len, &k) == NTS_OK);
	FUZZ_CHECK(k.aead == aead && k.key_len == klen && !k.old);
	FUZZ_CHECK(memcmp(k.c2s, c2s, klen) == 0 && memcmp(k.s2c, s2c, klen) == 0);
	FUZZ_CHECK(k.key_id == nts_cookie_ring_current_id(fuzz_ring()));

	/* a cookie is authenticated as a whole: no changed bit and no prefix opens */
	uint8_t bad[NTS_COOKIE_MAX];
	memcpy(bad, cookie, len);
	bad[(flip / 8) % len] ^= (uint8_t)(1u << (flip % 8));
	FUZZ_CHECK(is_cookie_error(nts_cookie_open(fuzz_ring(), bad, len, &k)));
	FUZZ_CHECK(is_cookie_error(nts_cookie_open(fuzz_ring(), cookie, cut % len, &k)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if ((data[0] & FL_RAW) || size < 6)
		open_raw(data + 1, size - 1);
	else
		seal_open(data, size);
	return 0;
}
