/* Fuzz target: PPS edge numbering (libnts/pps.c). The input is a sequence
 * of fetches, each a struct fetch of raw integers: sequence numbers and
 * timestamps of both edges, the coarse offset and the fetch's delay after
 * the edge in microseconds; which edge is used follows the first
 * input octet. Struct padding octets are simply ignored. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/pps.h"

struct fetch {
	uint32_t aseq, cseq;
	int64_t asec, csec;
	int32_t ansec, cnsec;
	int32_t coarse_us;
	int32_t age_us;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum nts_pps_edge edge = data[0] & 1 ? NTS_PPS_CLEAR : NTS_PPS_ASSERT;
	struct nts_pps_state st = { 0 };
	for (size_t off = 1; off + sizeof(struct fetch) <= size && off < 64 * sizeof(struct fetch);
	     off += sizeof(struct fetch)) {
		struct fetch f;
		memcpy(&f, data + off, sizeof f);
		struct nts_pps_info in = {
			.assert_ts = { f.asec, f.ansec }, .clear_ts = { f.csec, f.cnsec },
			.assert_seq = f.aseq, .clear_seq = f.cseq,
		};
		struct nts_pps_ts e = edge == NTS_PPS_ASSERT ? in.assert_ts : in.clear_ts;
		/* the fetch happens a little after the edge (age may be hostile);
		 * edges outside a sane range are fetched "at" themselves */
		struct nts_pps_ts now = e;
		if (e.sec >= 0 && e.sec < ((int64_t)1 << 32) && e.nsec >= 0 && e.nsec < 1000000000) {
			int64_t t = e.sec * 1000000000 + e.nsec + (int64_t)f.age_us * 1000;
			now.sec = t / 1000000000;
			now.nsec = (int32_t)(t % 1000000000);
			if (now.nsec < 0) {
				now.nsec += 1000000000;
				now.sec -= 1;
			}
		}
		double coarse = f.coarse_us * 1e-6;
		uint32_t before = st.last_seq;
		bool had = st.have_seq;
		struct nts_pps_result r;
		int rc = nts_pps_edge_offset(&st, &in, edge, now, coarse, &r);
		uint32_t seq = edge == NTS_PPS_ASSERT ? f.aseq : f.cseq;
		if (had && before == seq) {
			FUZZ_CHECK(rc == NTS_E_PPS_NOEDGE);
			continue;
		}
		FUZZ_CHECK(st.have_seq && st.last_seq == seq);
		if (rc != NTS_OK) {
			FUZZ_CHECK(rc == NTS_E_PPS_RANGE || rc == NTS_E_PPS_STALE || rc == NTS_E_PPS_AMBIGUOUS);
			continue;
		}
		/* the offset puts the edge on a whole second, within the
		 * allowed distance of where the coarse time put it */
		FUZZ_CHECK(isfinite(r.offset));
		double frac = r.edge.nsec * 1e-9 + r.offset;
		FUZZ_CHECK(fabs(frac - nearbyint(frac)) < 1e-6);
		FUZZ_CHECK(fabs(r.offset - coarse) <= NTS_PPS_MAX_FRACTION + 1e-9);
	}
	return 0;
}
