/* Fuzz target: the cookie master-key file parser (libnts/keyfile.c) through
 * nts_cookie_ring_load(). Structure-aware: when the first octet is odd the
 * harness appends a correct "end COUNT CRC" line for the text, so mutations
 * get past the CRC into the key lines. A loaded ring must seal and open. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/ntske.h"

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nts_cookie_ring *ring;
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	if (size < 1)
		return 0;
	if (!ring)
		FUZZ_SETUP(nts_cookie_ring_new(&cfg, NULL, &ring) == NTS_OK);
	int fd = memfd_create("nts-fuzz-keyfile", MFD_CLOEXEC);
	FUZZ_SETUP(fd >= 0);
	FUZZ_SETUP(fchmod(fd, 0600) == 0);
	const uint8_t *text = data + 1;
	size_t len = size - 1;
	if (len)
		FUZZ_SETUP(write(fd, text, len) == (ssize_t)len);
	if (data[0] & 1) {
		/* count the key lines the way a writer would */
		unsigned keys = 0;
		for (size_t i = 0; i + 4 <= len; i++)
			if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "key ", 4) == 0)
				keys++;
		char end[64];
		int n = snprintf(end, sizeof end, "end %u %08x\n", keys, (unsigned)crc32_ieee(text, len));
		FUZZ_SETUP(write(fd, end, (size_t)n) == n);
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	size_t before = nts_cookie_ring_size(ring);
	int rc = nts_cookie_ring_load(ring, path);
	close(fd);
	if (rc != NTS_OK) {
		FUZZ_CHECK(rc == NTS_E_KEYFILE_FORMAT || rc == NTS_E_IO || rc == NTS_E_KEYFILE_PERM);
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
