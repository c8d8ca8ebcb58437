/* Pulse-per-second edges (RFC 2783 timestamps) turned into clock offsets:
 * a pulse marks the start of a second, but not which second; that comes
 * from a coarse source (NMEA, SHM) or, alone, from the local clock. */
#ifndef NTS_PPS_H
#define NTS_PPS_H

#include <stdbool.h>
#include <stdint.h>

struct nts_pps_ts {
	int64_t sec;
	int32_t nsec;
};

/* What RFC 2783 time_pps_fetch() returns (section 3.4.3, pps_info_t):
 * the last assert and clear timestamps, each with its sequence number. */
struct nts_pps_info {
	struct nts_pps_ts assert_ts, clear_ts;
	uint32_t assert_seq, clear_seq;
};

enum nts_pps_edge {
	NTS_PPS_ASSERT = 0,   /* RFC 2783 PPS_CAPTUREASSERT: the usual on-time edge */
	NTS_PPS_CLEAR = 1,    /* PPS_CAPTURECLEAR: receivers whose pulse is inverted */
};

/* Per device: the sequence number of the last edge used. */
struct nts_pps_state {
	bool have_seq;
	uint32_t last_seq;
};

struct nts_pps_result {
	struct nts_pps_ts edge;   /* local time of the pulse */
	double offset;            /* true minus local at the pulse, seconds */
};

/* Pulses older than this are not paired with the present (the device
 * stopped and this is the last edge it caught long ago). */
#define NTS_PPS_MAX_AGE 1.5
/* The coarse time must put the pulse within this of a whole second. */
#define NTS_PPS_MAX_FRACTION 0.4

/* One fetch: take the chosen edge if its sequence moved since the last
 * call. now is the local time of the fetch. coarse is true minus local
 * time from the source that numbers the seconds (0 when the local clock
 * does, i.e. it is known to be within NTS_PPS_MAX_FRACTION). The pulse is
 * taken to start the second nearest to edge + coarse.
 * Returns NTS_OK (state advanced), NTS_E_PPS_NOEDGE, NTS_E_PPS_RANGE,
 * NTS_E_PPS_STALE or NTS_E_PPS_AMBIGUOUS (state advanced past the edge
 * in these three too, so a bad edge is reported once). */
int nts_pps_edge_offset(struct nts_pps_state *st, const struct nts_pps_info *info,
			enum nts_pps_edge edge, struct nts_pps_ts now, double coarse,
			struct nts_pps_result *out);

#endif
