/* PPS edges to offsets (RFC 2783 section 3: the kernel timestamps each
 * edge and counts them; we read the pair and number the second). */
#include <config.h>

#include <math.h>
#include <string.h>

#include "nts/err.h"
#include "nts/pps.h"

int nts_pps_edge_offset(struct nts_pps_state *st, const struct nts_pps_info *info,
			enum nts_pps_edge edge, struct nts_pps_ts now, double coarse,
			struct nts_pps_result *out)
{
	if (!st || !info || !out || (edge != NTS_PPS_ASSERT && edge != NTS_PPS_CLEAR))
		return NTS_E_INVAL;
	memset(out, 0, sizeof *out);
	uint32_t seq = edge == NTS_PPS_ASSERT ? info->assert_seq : info->clear_seq;
	struct nts_pps_ts ts = edge == NTS_PPS_ASSERT ? info->assert_ts : info->clear_ts;
	/* RFC 2783 section 3.4.3: the sequence number counts edges; an
	 * unchanged one means the timestamp is the one we already used */
	if (st->have_seq && seq == st->last_seq)
		return NTS_E_PPS_NOEDGE;
	st->have_seq = true;
	st->last_seq = seq;
	/* a device that never saw an edge reports zeros */
	if ((ts.sec == 0 && ts.nsec == 0) || ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return NTS_E_PPS_RANGE;
	if (!isfinite(coarse) || fabs(coarse) > 1e9)
		return NTS_E_PPS_RANGE;
	/* in doubles: a hostile now.sec must not overflow a subtraction */
	double age = ((double)now.sec - (double)ts.sec) + (now.nsec - ts.nsec) * 1e-9;
	if (age < -0.001)
		return NTS_E_PPS_RANGE;
	if (age > NTS_PPS_MAX_AGE)
		return NTS_E_PPS_STALE;
	/* Only the fraction matters for numbering: whole seconds of the edge
	 * cancel out, which keeps the arithmetic exact in doubles. */
	double x = ts.nsec * 1e-9 + coarse;
	double k = nearbyint(x);
	if (fabs(x - k) > NTS_PPS_MAX_FRACTION)
		return NTS_E_PPS_AMBIGUOUS;
	out->edge = ts;
	out->offset = k - ts.nsec * 1e-9;
	return NTS_OK;
}
