/* Fuzz target: the cookie master-key file parser (libnts/keyfile.c) through
 * nts_keyfile_load(), on bytes (no file: libnts does no I/O). Structure-aware: when the first octet is odd the
 * harness appends a correct "end COUNT CRC" line for the text, so mutations
 * get past the CRC into the key lines. A loaded ring must seal and open. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "nts/cookie.h"
#include "nts/crc32.h"
#include "nts/err.h"
#include "nts/keyfile.h"
#include "nts/ntske.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nts_cookie_ring *ring;
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	if (size < 1)
		return 0;
	if (!ring)
		FUZZ_SETUP(nts_cookie_ring_new(&cfg, NULL, &ring) == NTS_OK);
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	static char buf[NTS_KEYFILE_MAX + 64];
	if (len > NTS_KEYFILE_MAX)
		return 0;
	memcpy(buf, text, len);
	if (data[0] & 1) {
		/* count the key lines the way a writer would */
		unsigned keys = 0;
		for (size_t i = 0; i + 4 <= len; i++)
			if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "key ", 4) == 0)
				keys++;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "end %u %08x\n", keys,
					(unsigned)nts_crc32(text, len));
	}
	size_t before = nts_cookie_ring_size(ring);
	int rc = nts_keyfile_load(ring, buf, len);
	if (rc != NTS_OK) {
		FUZZ_CHECK(rc == NTS_E_KEYFILE_FORMAT);
		/* a failed load leaves the ring as it was */
		FUZZ_CHECK(nts_cookie_ring_size(ring) == before);
		return 0;
	}
	FUZZ_CHECK(nts_cookie_ring_size(ring) <= NTS_RING_MAX_KEYS);
	if (nts_cookie_ring_size(ring) == 0)
		return 0;
	/* the loaded current key works */
	uint8_t k[32] = { 1 }, cookie[NTS_COOKIE_MAX];
	size_t clen;
	struct nts_cookie_keys out;
	FUZZ_CHECK(nts_cookie_seal(ring, 15, k, k, 32, cookie, sizeof cookie, &clen) == NTS_OK);
	FUZZ_CHECK(nts_cookie_open(ring, cookie, clen, &out) == NTS_OK && !out.old);
	return 0;
}
