/* The sample filter of a reference clock (nts/rcfilter.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "nts/rcfilter.h"

#define NOISE_MEMORY 50.0   /* degrees of freedom the long-term variance remembers */
#define NOISE_SIGMAS 3.0    /* how far above the average a variance is significant */
#define HOLD_RATIO 1.5      /* how far the standard error moves before it is passed on */

struct keyed {
	double key;
	struct nts_rcfilter_reading v;
};

static int cmp_key(const void *a, const void *b)
{
	double x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
	return (x > y) - (x < y);
}

/* How many readings to drop on each side of n sorted ones: the share
 * outside NTS_RCFILTER_KEEP, but at least one once there are three (a
 * single wild reading, a torn read or a late serial line, must never
 * reach the mean), and never the middle one. */
static size_t trim_of(size_t n)
{
	if (n < 3)
		return 0;
	size_t g = (size_t)((double)n * (1.0 - NTS_RCFILTER_KEEP) / 2.0);
	if (g < 1)
		g = 1;
	if (g > (n - 1) / 2)
		g = (n - 1) / 2;
	return g;
}

bool nts_rcfilter_combine(struct nts_rcfilter_reading *v, size_t n, double freq,
			  struct nts_rcfilter_result *res)
{
	if (n == 0)
		return false;
	/* sorted by what they say with the clock's drift taken out (t0 keeps
	 * the products small); ties keep no particular order, which is fine:
	 * equal keys are equal offsets */
	struct keyed k[NTS_RCFILTER_MAX];
	if (n > NTS_RCFILTER_MAX)
		n = NTS_RCFILTER_MAX;
	double t0 = v[0].t;
	for (size_t i = 0; i < n; i++) {
		k[i].v = v[i];
		k[i].key = v[i].r - freq * (v[i].t - t0);
	}
	qsort(k, n, sizeof k[0], cmp_key);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].v;
	size_t g = trim_of(n), lo = g, hi = n - g;
	/* the mean of r and of t over the same readings: on a straight r(t)
	 * that is r at the mean time exactly, whatever freq was */
	double st = 0, sr = 0;
	for (size_t i = lo; i < hi; i++) {
		st += v[i].t - t0;
		sr += v[i].r;
	}
	double h = (double)(hi - lo);
	res->t = t0 + st / h;
	res->r = sr / h;
	res->used = hi - lo;
	res->n = n;
	/* Tukey and McLaughlin: the standard error of a trimmed mean is the
	 * winsorized standard deviation (the dropped readings counted as the
	 * outermost kept ones) over (h / n) sqrt(n). The spread of the kept
	 * readings alone would claim the trimmed mean is twice as good as it is. */
	if (n < 2) {
		res->sd = 0;
		res->se = 0;
		return true;
	}
	double wlo = k[lo].key, whi = k[hi - 1].key, sw = 0;
	for (size_t i = 0; i < n; i++)
		sw += k[i].key < wlo ? wlo : k[i].key > whi ? whi : k[i].key;
	double wmean = sw / (double)n, ss = 0;
	for (size_t i = 0; i < n; i++) {
		double w = k[i].key < wlo ? wlo : k[i].key > whi ? whi : k[i].key;
		ss += (w - wmean) * (w - wmean);
	}
	res->sd = sqrt(ss / (double)(n - 1));
	res->se = res->sd * sqrt((double)n) / h;
	return true;
}

double nts_rcfilter_noise_se(struct nts_rcfilter_noise *ns, const struct nts_rcfilter_result *res,
			     double precision)
{
	double se;
	if (res->n < 2 || res->used == 0) {
		/* no spread of its own: one reading is as good as the average one */
		se = ns->dof > 0 ? sqrt(ns->var) : res->se;
	} else {
		double dof = (double)(res->n - 1);
		double var = res->sd * res->sd;
		double prev = ns->var, prev_dof = ns->dof;
		if (ns->dof < NOISE_MEMORY) {
			ns->var = (ns->var * ns->dof + var * dof) / (ns->dof + dof);
			ns->dof += dof;
		} else {
			ns->var += dof / (dof + NOISE_MEMORY) * (var - ns->var);
		}
		/* significantly noisier than the average (chi-squared with dof
		 * degrees of freedom, in its normal approximation): this
		 * interval's own, at once */
		if (prev_dof == 0 || var > prev * (1.0 + NOISE_SIGMAS * sqrt(2.0 / dof)))
			se = res->se;
		else
			se = sqrt(ns->var) * sqrt((double)res->n) / (double)res->used;
	}
	/* The discipline weighs a source's samples by how far their distance
	 * exceeds the lowest, in units of the spread of those excesses: any
	 * difference counts, however small, so an estimate that wanders
	 * within its own uncertainty would turn into weights that wander by
	 * a factor of ten. The value passed on moves only when the noise has
	 * clearly changed, and never by less than the clock's precision (a
	 * PPS's nanoseconds next to its microsecond of precision). */
	bool moved = se > ns->held * HOLD_RATIO || se < ns->held / HOLD_RATIO;
	if (!ns->have_held || (moved && fabs(se - ns->held) > precision)) {
		ns->held = se;
		ns->have_held = true;
	}
	return ns->held;
}
