/* Fuzz target: chrony SOCK refclock datagrams (libnts/refsock.c), as gpsd
 * writes them to the socket ntsd creates. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/refsock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nts_refsock_sample s;
	int rc = nts_refsock_decode(data, size, &s);
	if (size != NTS_REFSOCK_SIZE) {
		FUZZ_CHECK(rc == NTS_E_SOCK_SIZE);
		return 0;
	}
	if (rc != NTS_OK) {
		FUZZ_CHECK(rc == NTS_E_SOCK_MAGIC || rc == NTS_E_SOCK_RANGE);
		return 0;
	}
	FUZZ_CHECK(isfinite(s.offset) && fabs(s.offset) <= NTS_REFSOCK_MAX_OFFSET);
	FUZZ_CHECK(s.nsec >= 0 && s.nsec < 1000000000 && s.nsec % 1000 == 0);
	FUZZ_CHECK(s.sec > 0 && s.leap >= 0 && s.leap <= 2);
	uint8_t again[NTS_REFSOCK_SIZE];
	struct nts_refsock_sample t;
	nts_refsock_encode(again, s.sec, s.nsec / 1000, s.offset, s.pulse, s.leap);
	FUZZ_CHECK(nts_refsock_decode(again, sizeof again, &t) == NTS_OK);
	FUZZ_CHECK(t.sec == s.sec && t.nsec == s.nsec && t.offset == s.offset && t.pulse == s.pulse);
	return 0;
}
