/* Source selection (RFC 5905 section 11.2): the intersection algorithm
 * drops falsetickers, the cluster algorithm prunes outliers, and the
 * survivors are combined into one offset. No I/O. */
#ifndef NTS_SELECT_H
#define NTS_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#define NTS_SELECT_MAX 64
#define NTS_MAXDIST 1.5        /* RFC 5905 MAXDIST: root distance limit, s */
#define NTS_NMIN 3             /* RFC 5905 NMIN: the cluster keeps at least this many */
#define NTS_MINDISP 0.01       /* RFC 5905 MINDISP: the least round trip a distance counts, s */

struct nts_select_cand {
	/* input */
	bool usable;               /* reachable, has a sample, not noselect, leap != 3 */
	bool authenticated;        /* NTS: preferred over plain sources (see below) */
	bool prefer;
	int stratum;
	double offset;             /* filtered offset, s */
	double jitter;             /* filter jitter, s */
	double root_distance;      /* lambda of section 11.2: half the round trip + dispersions */
	/* output: '*' system peer, '+' survivor, '-' pruned by clustering,
	 * 'x' falseticker, '#' plain source held back while authenticated ones
	 * are usable, ' ' not usable */
	char tally;
};

struct nts_select_result {
	int sys_peer;              /* index of the system peer, -1 when none */
	size_t survivors;
	double offset;             /* combined offset of the survivors (section 11.2.3) */
	double jitter;             /* system jitter: selection jitter and peer jitter */
};

/* Run intersection, clustering and combining over c[0..n) (n <= NTS_SELECT_MAX).
 * Policy for authentication (chrony's authselectmode "prefer"): when any
 * authenticated candidate is usable, plain ones take no part, so a forged
 * plain source cannot outvote NTS ones; with none, plain sources are used.
 * Returns the number of survivors (0: no time). */
size_t nts_select_run(struct nts_select_cand *c, size_t n, struct nts_select_result *r);

/* The root distance (lambda) of RFC 5905 section 11.2 and Appendix
 * A.5.5.2: half the round trip to the primary, counted as at least
 * MINDISP, plus the dispersions and the jitter. Without the floor, sources
 * on a LAN or loopback have intervals of a tenth of a millisecond whose
 * midpoints miss each other's intersection, and selection flaps. */
double nts_select_distance(double root_delay, double delay, double root_disp, double disp,
			   double jitter);

#endif
