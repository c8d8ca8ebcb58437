/* Fuzz target: the NTP SHM segment decoder (libnts/shm.c). The input is a
 * segment image (short inputs are padded with zeros, as a fresh segment
 * is); the count read "after" the copy is the image's own count, or that
 * plus one when the first octet is odd (a writer racing the reader). */
#include <config.h>

#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t seg[NTS_SHM_SIZE];
	memset(seg, 0, sizeof seg);
	size_t n = size - 1 < sizeof seg ? size - 1 : sizeof seg;
	memcpy(seg, data + 1, n);
	int count;
	memcpy(&count, seg + offsetof(struct nts_shm_time, count), sizeof count);
	bool race = data[0] & 1;
	int after = race ? (int)((unsigned)count + 1u) : count;
	struct nts_shm_sample s;
	/* the decoder reads exactly the segment: a short copy is refused */
	size_t len = (data[0] & 2) ? n : sizeof seg;
	int rc = nts_shm_decode(seg, len, after, &s);
	if (len < sizeof seg) {
		FUZZ_CHECK(rc == NTS_E_SHM_SHORT);
		return 0;
	}
	if (rc != NTS_OK) {
		FUZZ_CHECK(rc == NTS_E_SHM_MODE || rc == NTS_E_SHM_EMPTY || rc == NTS_E_SHM_TORN ||
			   rc == NTS_E_SHM_RANGE);
		return 0;
	}
	FUZZ_CHECK(!(race && s.mode == 1));
	FUZZ_CHECK(s.mode == 0 || s.mode == 1);
	FUZZ_CHECK(s.leap >= 0 && s.leap <= 3);
	FUZZ_CHECK(s.clock_nsec >= 0 && s.clock_nsec < 1000000000);
	FUZZ_CHECK(s.recv_nsec >= 0 && s.recv_nsec < 1000000000);
	FUZZ_CHECK(s.clock_sec > 0 && s.recv_sec > 0);
	FUZZ_CHECK(isfinite(s.offset));
	FUZZ_CHECK(s.precision <= 0 && s.precision >= -30);
	/* re-encoding the decoded sample decodes to the same sample */
	uint8_t again[NTS_SHM_SIZE];
	struct nts_shm_sample t;
	nts_shm_encode(again, s.mode, 3, s.clock_sec, s.clock_nsec, s.recv_sec, s.recv_nsec, s.leap,
		       s.precision);
	FUZZ_CHECK(nts_shm_decode(again, sizeof again, 3, &t) == NTS_OK);
	FUZZ_CHECK(t.offset == s.offset && t.clock_nsec == s.clock_nsec && t.recv_nsec == s.recv_nsec);
	return 0;
}
