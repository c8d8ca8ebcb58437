/* The clock filter of one time source (RFC 5905 section 10): a shift
 * register of the last samples; the one with the lowest delay is the best
 * estimate, because the delay bounds the error of its offset (section 8).
 * No I/O: times are the caller's monotonic seconds. */
#ifndef NTS_FILTER_H
#define NTS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#define NTS_FILTER_STAGES 8     /* RFC 5905 NSTAGE */
#define NTS_PHI 15e-6           /* RFC 5905 PHI: frequency tolerance, s/s */
#define NTS_MAXDISP 16.0        /* RFC 5905 MAXDISP, s */

/* One measurement (section 8): offset = server - local, seconds. */
struct nts_sample {
	double offset, delay, disp;
	double time;             /* local monotonic seconds when it was taken */
	double corr;             /* the discipline's total correction then (nts_disc_correction),
	                          * so a later reader can bring the offset up to date */
};

struct nts_filter {
	struct nts_sample s[NTS_FILTER_STAGES];
	size_t n;                /* valid stages, newest first */
	size_t stages;           /* register length in use, 1..NTS_FILTER_STAGES */
	double used_time;        /* time of the last sample handed on (-inf: none) */
	/* the filter's output (valid once nts_filter_add() returned true) */
	struct nts_sample best;
	double jitter;           /* RMS of the register's offsets about best (section 10) */
};

/* Empty the register; stages = 0 means NTS_FILTER_STAGES. */
void nts_filter_init(struct nts_filter *f, size_t stages);
/* Shift a sample in. True when the lowest-delay sample is newer than the
 * last one handed on: best and jitter are then a fresh estimate for the
 * discipline (an older best would be used twice, section 10). */
bool nts_filter_add(struct nts_filter *f, const struct nts_sample *s);
/* The filter's dispersion at time now (section 10: the stages' dispersions
 * grown by PHI with age, weighted 1/2^(i+1), over the stages held). */
double nts_filter_dispersion(const struct nts_filter *f, double now);

#endif
