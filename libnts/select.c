/* Selection, clustering and combining (nts/select.h), after RFC 5905
 * section 11.2 and Appendix A.5.5. */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "nts/select.h"

struct endpoint {
	double val;
	int type;          /* -1 lower end, 0 midpoint, +1 upper end */
};

static int cmp_endpoint(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;
	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return x->type - y->type;   /* lower ends first on ties: intervals that touch intersect */
}

/* Section 11.2.1: find the smallest interval [low, high] that contains the
 * midpoints of the majority, allowing f falsetickers, f < n/2. */
static bool intersect(const struct nts_select_cand *c, const size_t *idx, size_t m, double *low,
		      double *high)
{
	struct endpoint e[3 * NTS_SELECT_MAX];
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		const struct nts_select_cand *p = &c[idx[i]];
		e[k++] = (struct endpoint){ p->offset - p->root_distance, -1 };
		e[k++] = (struct endpoint){ p->offset, 0 };
		e[k++] = (struct endpoint){ p->offset + p->root_distance, 1 };
	}
	qsort(e, k, sizeof e[0], cmp_endpoint);
	for (size_t f = 0; 2 * f < m; f++) {
		size_t found = 0;
		long chime = 0;
		*low = INFINITY;
		*high = -INFINITY;
		for (size_t j = 0; j < k; j++) {
			chime -= e[j].type;
			if (chime >= (long)(m - f)) {
				*low = e[j].val;
				break;
			}
			if (e[j].type == 0)
				found++;
		}
		chime = 0;
		for (size_t j = k; j-- > 0;) {
			chime += e[j].type;
			if (chime >= (long)(m - f)) {
				*high = e[j].val;
				break;
			}
			if (e[j].type == 0)
				found++;
		}
		if (found <= f && *low < *high)
			return true;
	}
	return false;
}

double nts_select_distance(double root_delay, double delay, double root_disp, double disp,
			   double jitter)
{
	double rtt = root_delay + delay;
	return (rtt > NTS_MINDISP ? rtt : NTS_MINDISP) / 2 + root_disp + disp + jitter;
}

size_t nts_select_run(struct nts_select_cand *c, size_t n, struct nts_select_result *r)
{
	r->sys_peer = -1;
	r->survivors = 0;
	r->offset = 0;
	r->jitter = 0;
	if (n > NTS_SELECT_MAX)
		n = NTS_SELECT_MAX;
	bool any_auth = false;
	for (size_t i = 0; i < n; i++) {
		c[i].tally = ' ';
		if (c[i].usable && c[i].root_distance < NTS_MAXDIST && c[i].authenticated)
			any_auth = true;
	}
	size_t idx[NTS_SELECT_MAX], m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].usable || !(c[i].root_distance < NTS_MAXDIST) || !isfinite(c[i].offset))
			continue;
		if (any_auth && !c[i].authenticated) {
			c[i].tally = '#';
			continue;
		}
		idx[m++] = i;
	}
	if (m == 0)
		return 0;
	double low, high;
	if (!intersect(c, idx, m, &low, &high)) {
		/* no majority agrees: everybody is suspect */
		for (size_t i = 0; i < m; i++)
			c[idx[i]].tally = 'x';
		return 0;
	}
	/* truechimers: their whole correctness interval meets [low, high] */
	size_t s[NTS_SELECT_MAX], ns = 0;
	for (size_t i = 0; i < m; i++) {
		const struct nts_select_cand *p = &c[idx[i]];
		if (p->offset + p->root_distance < low || p->offset - p->root_distance > high)
			c[idx[i]].tally = 'x';
		else
			s[ns++] = idx[i];
	}
	/* Section 11.2.2: order by merit (stratum, then root distance) and
	 * prune the survivor whose selection jitter is the largest while it is
	 * larger than the smallest peer jitter and more than NMIN remain. */
	for (size_t i = 1; i < ns; i++)
		for (size_t j = i; j > 0; j--) {
			const struct nts_select_cand *a = &c[s[j - 1]], *b = &c[s[j]];
			double ma = a->stratum * NTS_MAXDIST + a->root_distance;
			double mb = b->stratum * NTS_MAXDIST + b->root_distance;
			if (mb >= ma)
				break;
			size_t t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	while (ns > 1) {
		size_t worst = 0;
		double maxsel = -1, minpeer = INFINITY;
		for (size_t i = 0; i < ns; i++) {
			double sum = 0;
			for (size_t j = 0; j < ns; j++) {
				double d = c[s[j]].offset - c[s[i]].offset;
				sum += d * d;
			}
			double sel = sqrt(sum / (double)(ns - 1));
			if (sel > maxsel) {
				maxsel = sel;
				worst = i;
			}
			if (c[s[i]].jitter < minpeer)
				minpeer = c[s[i]].jitter;
		}
		if (ns <= NTS_NMIN || maxsel <= minpeer)
			break;
		c[s[worst]].tally = '-';
		for (size_t j = worst; j + 1 < ns; j++)
			s[j] = s[j + 1];
		ns--;
	}
	/* the system peer: the first by merit, unless a survivor is prefer */
	size_t peer = s[0];
	for (size_t i = 0; i < ns; i++)
		if (c[s[i]].prefer) {
			peer = s[i];
			break;
		}
	/* Section 11.2.3: weight each survivor by the inverse of its root distance */
	double wsum = 0, osum = 0, jsum = 0;
	for (size_t i = 0; i < ns; i++) {
		double w = 1.0 / (c[s[i]].root_distance > 1e-9 ? c[s[i]].root_distance : 1e-9);
		wsum += w;
		osum += w * c[s[i]].offset;
		c[s[i]].tally = '+';
	}
	double combined = osum / wsum;
	for (size_t i = 0; i < ns; i++) {
		double w = 1.0 / (c[s[i]].root_distance > 1e-9 ? c[s[i]].root_distance : 1e-9);
		jsum += w * (c[s[i]].offset - c[peer].offset) * (c[s[i]].offset - c[peer].offset);
	}
	c[peer].tally = '*';
	r->sys_peer = (int)peer;
	r->survivors = ns;
	r->offset = combined;
	r->jitter = sqrt(jsum / wsum + c[peer].jitter * c[peer].jitter);
	return ns;
}
