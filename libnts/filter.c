/* The clock filter (nts/filter.h), after RFC 5905 section 10 and its
 * Appendix A.5.2 clock_filter(). */
#include <config.h>

#include <math.h>
#include <string.h>

#include "nts/filter.h"

void nts_filter_init(struct nts_filter *f, size_t stages)
{
	memset(f, 0, sizeof *f);
	f->stages = stages == 0 || stages > NTS_FILTER_STAGES ? NTS_FILTER_STAGES : stages;
	f->used_time = -INFINITY;
}

double nts_filter_dispersion(const struct nts_filter *f, double now)
{
	/* Section 10 counts empty stages as MAXDISP, which keeps a new source
	 * out of selection until the register is half full (ntpd needs iburst
	 * for that). We weight the stages held, so one sample can select it;
	 * its jitter and the cluster algorithm still judge its quality. */
	double disp = 0, w = 0.5, wsum = 0;
	for (size_t i = 0; i < f->n; i++, w /= 2) {
		double e = f->s[i].disp + NTS_PHI * (now - f->s[i].time);
		disp += (e > NTS_MAXDISP ? NTS_MAXDISP : e) * w;
		wsum += w;
	}
	return wsum > 0 ? disp / wsum : NTS_MAXDISP;
}

bool nts_filter_add(struct nts_filter *f, const struct nts_sample *s)
{
	if (!(s->delay >= 0) || !isfinite(s->offset) || !isfinite(s->time))
		return false;
	memmove(&f->s[1], &f->s[0], (f->stages - 1) * sizeof f->s[0]);
	f->s[0] = *s;
	if (f->n < f->stages)
		f->n++;
	/* Section 10 sorts by delay, using delay + dispersion so an old sample
	 * loses against a fresh one of nearly the same delay. */
	size_t bi = 0;
	double bkey = INFINITY;
	for (size_t i = 0; i < f->n; i++) {
		double key = f->s[i].delay + f->s[i].disp + NTS_PHI * (s->time - f->s[i].time);
		if (key < bkey) {
			bkey = key;
			bi = i;
		}
	}
	const struct nts_sample *b = &f->s[bi];
	double sum = 0;
	for (size_t i = 0; i < f->n; i++)
		sum += (f->s[i].offset - b->offset) * (f->s[i].offset - b->offset);
	/* jitter over the other stages; one sample has no spread to measure */
	f->jitter = f->n > 1 ? sqrt(sum / (double)(f->n - 1)) : 0;
	if (b->time <= f->used_time)
		return false;
	f->best = *b;
	f->used_time = b->time;
	return true;
}
