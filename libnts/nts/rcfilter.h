/* The sample filter of a reference clock: the raw readings of one poll
 * interval (often one a second) become one measurement for the sources
 * code, as a server's exchange does. A trimmed mean, about the idea of
 * chrony's refclock median filter (our own formulation): the readings are
 * sorted by offset, the outer ones on both sides dropped and the middle
 * NTS_RCFILTER_KEEP of them averaged, offset and time alike, so the
 * measurement belongs to the mean time of the readings used and needs no
 * frequency to be brought anywhere. Its standard error, from the spread of
 * all the readings, is what the discipline weighs it by; a long-term
 * average of that spread keeps the weights from following the noise of a
 * 16-reading estimate. No I/O: times are the caller's monotonic seconds. */
#ifndef NTS_RCFILTER_H
#define NTS_RCFILTER_H

#include <stdbool.h>
#include <stddef.h>

#define NTS_RCFILTER_KEEP 0.6   /* share of a poll interval's readings averaged */
#define NTS_RCFILTER_MAX 256    /* readings one call looks at */

/* One raw reading. r is the offset (true minus local time) plus the
 * discipline's total correction when it was taken: the offset an
 * uncorrected clock would have shown, which only the clock's own
 * frequency error moves, never our slews. */
struct nts_rcfilter_reading {
	double t;                /* monotonic seconds when taken */
	double r;
};

struct nts_rcfilter_result {
	double t;                /* mean time of the readings used */
	double r;                /* their mean: valid at t, in the frame of the readings */
	double sd;               /* spread of one reading (winsorized standard deviation), s */
	double se;               /* standard error of r, s */
	size_t used;             /* readings averaged */
	size_t n;                /* readings in the interval */
};

/* Combine n readings. freq is the clock's frequency error believed in (the
 * slope of r over t): the readings are compared with it removed, so a
 * drifting clock does not make the oldest or newest ones look like
 * outliers. Reorders v (sorted by that comparison); of more than
 * NTS_RCFILTER_MAX readings only the first NTS_RCFILTER_MAX count. False
 * when n == 0. */
bool nts_rcfilter_combine(struct nts_rcfilter_reading *v, size_t n, double freq,
			  struct nts_rcfilter_result *res);

/* The long-term noise of one reference clock: an average of the variance
 * of its readings, weighted by their degrees of freedom. */
struct nts_rcfilter_noise {
	double var;              /* s^2 */
	double dof;              /* degrees of freedom behind it (capped) */
	double held;             /* the standard error last passed on, s */
	bool have_held;
};

/* Take res into the long-term average and return the standard error to
 * use for it: the one from the average (readings per interval scaled in),
 * unless this interval's spread is significantly larger (the clock got
 * noisier: believe it at once). The value returned stays the same until
 * that moves by more than half (or a third down) and by more than
 * precision (s): the discipline's weights stay steady while the noise is. */
double nts_rcfilter_noise_se(struct nts_rcfilter_noise *ns, const struct nts_rcfilter_result *res,
			     double precision);

#endif
