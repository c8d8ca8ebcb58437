/* The clock discipline (nts/discipline.h): weighted regression over recent
 * samples in the frame of an uncorrected clock, in the manner of chrony's
 * sourcestats.c (our own formulation). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nts/discipline.h"

#define RUNS_RATIO 2         /* the runs test looks at twice the fit's samples */
#define MIN_WINDOW 8         /* the shortest of the competing fit windows */
#define WINDOW_MEMORY 32.0   /* samples over which a window's prediction misses decay */
#define WINDOW_TRUST 16      /* scored samples before the best window replaces the longest */
#define MIN_FIT 3            /* fewer points fit any line: no frequency from them */
#define SLEW_RATIO 1.0       /* a phase error at noise level is slewed over one update */
#define MIN_SLEW_TIME 0.5    /* s */
#define POLL_UP_SCORE 3      /* calm updates in a row before the poll interval doubles */
#define POLL_TARGET 12       /* samples the fit should hold before the poll may grow */
#define MAX_SLOPE_SD 1e-3    /* a fitted frequency this uncertain is not used */
#define MAX_TOTAL_FREQ 0.09  /* what the clock driver can set: tick +-10 %, with a margin */
#define DIST_WEIGHT 0.7      /* how fast a sample's weight falls with its excess delay */
#define MAX_DELAY_DEV 3.0   /* excess distance, in noise units, that drops a sample */
#define MIN_DELAY_TEST 6     /* samples in the fit before the delay test applies */
#define ASYM_MIN_SAMPLES 10  /* a source's samples before its asymmetry is estimated */
#define ASYM_T 3.0           /* |slope| / its standard error that counts as significant */
#define ASYM_RUN 5           /* significant fits of one sign before the slope is applied */
#define ASYM_MAX_RUN 1000
#define ASYM_MAX 1.0         /* all the excess on one direction */

void nts_disc_config_default(struct nts_disc_config *c)
{
	memset(c, 0, sizeof *c);
	c->step_threshold = 0.128;
	c->panic_threshold = 1000;
	c->stepout = 300;
	c->max_freq = 0.05;
	c->max_slew = 0.083;   /* Linux: tick may move 10 %; keep a margin */
	c->minpoll = 6;
	c->maxpoll = 10;
}

void nts_disc_init(struct nts_disc *d, const struct nts_disc_config *cfg, double freq, double now)
{
	memset(d, 0, sizeof *d);
	d->cfg = *cfg;
	if (!(fabs(freq) <= cfg->max_freq))
		freq = 0;
	d->base_freq = cfg->observe_only ? 0 : freq;
	d->freq_cmd = d->base_freq;
	d->t_cmd = now;
	d->slew_end = -1;
	d->large_since = -1;
	d->poll = cfg->minpoll;
	d->freq_sd = cfg->max_freq;
	d->window = (size_t)MIN_WINDOW << (NTS_DISC_WINDOWS - 1);
}

double nts_disc_correction(const struct nts_disc *d, double now)
{
	/* now is read from the corrected clock, which runs 1 + f + freq_cmd
	 * times as fast as true time (f: its own error, about -base_freq): over
	 * a local interval l we gained freq_cmd * l / (1 + f + freq_cmd) on an
	 * uncorrected clock. Without the divisor 8 % of a fast slew is lost. */
	return d->cum + d->freq_cmd * (now - d->t_cmd) / (1.0 + d->freq_cmd - d->base_freq);
}

/* Change the commanded frequency from now on, keeping cum exact. */
static void command(struct nts_disc *d, double now, double freq)
{
	if (d->cfg.observe_only)
		return;
	if (freq > MAX_TOTAL_FREQ)
		freq = MAX_TOTAL_FREQ;
	if (freq < -MAX_TOTAL_FREQ)
		freq = -MAX_TOTAL_FREQ;
	d->cum = nts_disc_correction(d, now);
	d->t_cmd = now;
	d->freq_cmd = freq;
}

struct fit {
	size_t m;
	double tbar, a, b;       /* r(t) = a + b (t - tbar) */
	double var;              /* residual variance of a weight-1 sample */
	double wsum, stt;        /* sum of weights, weighted sum of (t - tbar)^2 */
};

/* The lowest and the median distance of source src among the samples. */
static double min_dist(const struct nts_disc *d, unsigned src, double *median)
{
	double v[NTS_DISC_MAX_SAMPLES];
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->src[i] == src)
			v[k++] = d->dist[i];
	if (k == 0) {
		if (median)
			*median = INFINITY;
		return INFINITY;
	}
	/* insertion sort: at most 64 values */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	if (median)
		*median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	return v[0];
}

static double asym_slope(const struct nts_disc *d, unsigned src)
{
	for (size_t i = 0; i < NTS_DISC_MAX_ASYM; i++)
		if (d->asym[i].valid && d->asym[i].src == src)
			return d->asym[i].slope;
	return 0;
}

/* The slot of src, taking the longest unused one for a new source. */
static struct nts_disc_asym *asym_of(struct nts_disc *d, unsigned src, double now)
{
	struct nts_disc_asym *old = &d->asym[0];
	for (size_t i = 0; i < NTS_DISC_MAX_ASYM; i++) {
		struct nts_disc_asym *a = &d->asym[i];
		if (a->valid && a->src == src)
			return a;
		if (!a->valid || (old->valid && a->last_seen < old->last_seen))
			old = a;
	}
	*old = (struct nts_disc_asym){ .src = src, .valid = true, .last_seen = now };
	return old;
}

/* Path asymmetry of source src (after chrony's idea; our own test): fit
 * r = a + b t + c x over its samples, x the excess distance. Queueing on
 * one direction only makes the offset fall (or rise) with the delay, which
 * c measures; once c is significant with one sign for ASYM_RUN fits, the
 * samples are corrected to what they would have been at the lowest delay. */
static void asym_update(struct nts_disc *d, unsigned src, double now)
{
	struct nts_disc_asym *as = asym_of(d, src, now);
	as->last_seen = now;
	double lo = min_dist(d, src, NULL);
	size_t k = 0;
	double st = 0, sx = 0, sr = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->src[i] == src) {
			st += d->t[i];
			sx += d->dist[i] - lo;
			sr += d->r[i];
			k++;
		}
	if (k < ASYM_MIN_SAMPLES)
		return;
	double mt = st / (double)k, mx = sx / (double)k, mr = sr / (double)k;
	double stt = 0, stx = 0, sxx = 0, str = 0, sxr = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->src[i] == src) {
			double t = d->t[i] - mt, x = d->dist[i] - lo - mx, r = d->r[i] - mr;
			stt += t * t;
			stx += t * x;
			sxx += x * x;
			str += t * r;
			sxr += x * r;
		}
	double det = stt * sxx - stx * stx;
	if (!(det > 0) || !(stt > 0)) {
		as->run = 0;
		as->slope = 0;
		return;
	}
	double b = (sxx * str - stx * sxr) / det;
	double c = (stt * sxr - stx * str) / det;
	double ss = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->src[i] == src) {
			double e = (d->r[i] - mr) - b * (d->t[i] - mt) - c * (d->dist[i] - lo - mx);
			ss += e * e;
		}
	double se = sqrt(ss / (double)(k - 3) * stt / det);
	bool significant = fabs(c) > ASYM_T * se;
	if (!significant || c * as->run < 0) {
		as->run = 0;
		as->slope = 0;
		return;
	}
	if (as->run > -ASYM_MAX_RUN && as->run < ASYM_MAX_RUN)
		as->run += c > 0 ? 1 : -1;
	if (abs(as->run) >= ASYM_RUN)
		as->slope = c > ASYM_MAX ? ASYM_MAX : c < -ASYM_MAX ? -ASYM_MAX : c;
}

/* Each sample's weight and its offset corrected for its path's asymmetry:
 * weight 1 for the lowest distance of its source, falling with the square
 * of its excess (its error may be as large as the excess, section 8, but
 * usually is not). The excess is counted in units of the source's median
 * excess, at most its lowest distance: units taken from the fit's own noise
 * would feed back into the weights. */
static void prepare(const struct nts_disc *d, double *w, double *rc)
{
	struct {
		unsigned src;
		double lo, unit, slope;
	} c[NTS_DISC_MAX_ASYM];
	size_t nc = 0;
	for (size_t i = 0; i < d->n; i++) {
		size_t k = 0;
		while (k < nc && c[k].src != d->src[i])
			k++;
		if (k == nc) {
			double median, lo = min_dist(d, d->src[i], &median);
			double unit = (median - lo) / DIST_WEIGHT;
			if (!(unit > 0) || unit > lo)
				unit = lo;
			if (nc < NTS_DISC_MAX_ASYM)
				nc++;
			else
				k = nc - 1;   /* more sources than slots: recompute in the last */
			c[k].src = d->src[i];
			c[k].lo = lo;
			c[k].unit = unit;
			c[k].slope = asym_slope(d, d->src[i]);
		}
		double excess = d->dist[i] - c[k].lo;
		double x = c[k].unit > 0 ? 1.0 + excess / c[k].unit : 1.0;
		w[i] = 1.0 / (x * x);
		rc[i] = d->r[i] - c[k].slope * excess;
	}
}

static void fit_line(const struct nts_disc *d, const double *w, const double *rc, size_t first,
		     size_t end, struct fit *f)
{
	double ws = 0, ts = 0, rs = 0;
	for (size_t i = first; i < end; i++) {
		ws += w[i];
		ts += w[i] * d->t[i];
		rs += w[i] * rc[i];
	}
	f->m = end - first;
	f->wsum = ws;
	f->tbar = ts / ws;
	f->a = rs / ws;
	double stt = 0, str = 0;
	for (size_t i = first; i < end; i++) {
		stt += w[i] * (d->t[i] - f->tbar) * (d->t[i] - f->tbar);
		str += w[i] * (d->t[i] - f->tbar) * (rc[i] - f->a);
	}
	f->stt = stt;
	f->b = stt > 0 ? str / stt : 0;
	double ss = 0;
	for (size_t i = first; i < end; i++) {
		double e = rc[i] - (f->a + f->b * (d->t[i] - f->tbar));
		ss += w[i] * e * e;
	}
	f->var = f->m > 2 ? ss / (double)(f->m - 2) : 0;
}

/* Sign changes of the residuals about f over the samples from first on. */
static size_t runs_from(const struct nts_disc *d, const double *rc, size_t first,
			const struct fit *f)
{
	size_t runs = 0;
	int last = 0;
	for (size_t i = first; i < d->n; i++) {
		int sign = rc[i] - (f->a + f->b * (d->t[i] - f->tbar)) >= 0 ? 1 : -1;
		runs += sign != last;
		last = sign;
	}
	return runs;
}

/* The longest recent run of samples a straight line describes (chrony's
 * runs test, our own formulation): the line through the newest m samples
 * is checked against up to RUNS_RATIO * m of them, older ones included, so
 * a bend is seen even where the window alone is too short to show it. Too
 * few sign changes of the residuals mean the frequency wandered: the
 * window shrinks by a quarter. The critical number of runs is the normal
 * approximation at about 5 %. m starts at the window that predicted best
 * (window_score). True when the runs test cut it. */
static bool best_fit(struct nts_disc *d, const double *w, const double *rc, struct fit *f)
{
	size_t m = d->n < d->window ? d->n : d->window;
	size_t full = m;
	for (;;) {
		fit_line(d, w, rc, d->n - m, d->n, f);
		size_t k = RUNS_RATIO * m < d->n ? RUNS_RATIO * m : d->n;
		size_t runs = runs_from(d, rc, d->n - k, f);
		double need = (double)k / 2.0 + 1.0 - sqrt((double)k - 1.0);
		if ((double)runs >= need || m <= MIN_FIT + 1)
			break;
		size_t drop = m / 4 ? m / 4 : 1;
		m = m - drop < MIN_FIT ? MIN_FIT : m - drop;
	}
	return m < full;
}

/* Before the newest sample is used, each window size predicts it from the
 * samples before it; the squared misses (weighted like the sample, so a
 * slow path counts little) decay over about WINDOW_MEMORY samples. The
 * window that misses least wins: a long one where the noise dominates, a
 * short one where the frequency wanders. The bias-variance balance is
 * measured instead of assumed. */
static void window_score(struct nts_disc *d, const double *w, const double *rc)
{
	size_t last = d->n - 1;
	bool scored = false;
	for (size_t k = 0; k < NTS_DISC_WINDOWS; k++) {
		size_t m = (size_t)MIN_WINDOW << k;
		if (last < MIN_WINDOW)
			break;
		size_t first = last > m ? last - m : 0;
		struct fit f;
		fit_line(d, w, rc, first, last, &f);
		double e = rc[last] - (f.a + f.b * (d->t[last] - f.tbar));
		double a = 1.0 / WINDOW_MEMORY;
		d->window_err[k] = d->window_scored ? (1 - a) * d->window_err[k] + a * w[last] * e * e :
						     w[last] * e * e;
		scored = true;
	}
	if (scored)
		d->window_scored++;
	size_t best = NTS_DISC_WINDOWS - 1;
	if (d->window_scored >= WINDOW_TRUST)
		for (size_t k = 0; k < NTS_DISC_WINDOWS; k++)
			if (d->window_err[k] < d->window_err[best])
				best = k;
	d->window = (size_t)MIN_WINDOW << best;
}

static void add_sample(struct nts_disc *d, double t, double r, double dist, unsigned src)
{
	if (d->n == NTS_DISC_MAX_SAMPLES) {
		size_t k = d->n - 1;
		memmove(d->t, d->t + 1, k * sizeof d->t[0]);
		memmove(d->r, d->r + 1, k * sizeof d->r[0]);
		memmove(d->dist, d->dist + 1, k * sizeof d->dist[0]);
		memmove(d->src, d->src + 1, k * sizeof d->src[0]);
		d->n = k;
	}
	d->t[d->n] = t;
	d->r[d->n] = r;
	d->dist[d->n] = dist;
	d->src[d->n] = src;
	d->n++;
}

/* A sample that came by a much slower path than its source's best is
 * mostly path noise: drop it, unless the fit is so far off that even the
 * slow path cannot explain the difference (then the clock changed and the
 * fit must learn it). */
static bool delay_outlier(const struct nts_disc *d, double t, double r, double dist, unsigned src)
{
	if (d->n < MIN_DELAY_TEST || !(d->sd > 0))
		return false;
	double best = min_dist(d, src, NULL);
	if (!isfinite(best))
		return false;   /* a source new to the fit */
	double age = t - d->t[d->n - 1];
	double allowed = MAX_DELAY_DEV * d->sd + (age > 0 ? age : 0) * (d->freq_sd + NTS_PHI);
	double excess = dist - best;
	if (excess <= allowed)
		return false;
	double dev = r - asym_slope(d, src) * excess - (d->fit_a + d->fit_b * (t - d->fit_t));
	return fabs(dev) <= excess + allowed;
}

/* Poll faster while the fit holds few samples (the clock wanders, or we
 * just started), slower once it holds enough and the phase is within the
 * noise: the number of samples in the fit is what makes the estimate good,
 * as chrony's poll target argues. */
static void advise_poll(struct nts_disc *d, double offset, double sd, bool cut)
{
	if (d->used < POLL_TARGET) {
		d->poll_score = 0;
		if (cut && d->poll > d->cfg.minpoll)
			d->poll--;   /* the runs test cut the window short: the clock moved */
	} else if (fabs(offset) < 3 * sd) {
		if (++d->poll_score >= POLL_UP_SCORE && d->poll < d->cfg.maxpoll) {
			d->poll++;
			d->poll_score = 0;
		}
	} else if (fabs(offset) > 10 * sd) {
		d->poll_score = 0;
		if (d->poll > d->cfg.minpoll)
			d->poll--;
	}
	if (d->poll < d->cfg.minpoll)
		d->poll = d->cfg.minpoll;
	if (d->poll > d->cfg.maxpoll)
		d->poll = d->cfg.maxpoll;
}

void nts_disc_update(struct nts_disc *d, double now, const struct nts_sample *s, unsigned src,
		     struct nts_disc_action *act)
{
	memset(act, 0, sizeof *act);
	const struct nts_disc_config *c = &d->cfg;
	if (!isfinite(s->offset) || !isfinite(s->time) || !isfinite(s->corr) || !(s->delay >= 0))
		return;
	bool first = d->updates == 0;
	/* the sample's offset brought up to now: the frequency error we believe
	 * in ran on since, and so did our own corrections */
	double r = s->offset + s->corr;
	double offset = r + d->base_freq * (now - s->time) - nts_disc_correction(d, now);
	double big = fabs(offset);
	if (!c->observe_only && c->panic_threshold > 0 && big > c->panic_threshold &&
	    !(first && c->big_first_step)) {
		d->updates++;
		act->kind = NTS_DISC_PANIC;
		act->step = offset;
		return;
	}
	if (!c->observe_only && c->step_threshold > 0 && big > c->step_threshold) {
		if (d->large_since < 0)
			d->large_since = now;
		if (first || now - d->large_since >= c->stepout) {
			/* RFC 5905 section 10: step at start, or once the offset has stayed
			 * large for stepout; what came before no longer describes the clock */
			d->updates++;
			d->last_update = now;
			command(d, now, d->base_freq);
			d->cum += offset;
			d->n = 0;
			d->window_scored = 0;
			d->used = 0;
			d->sd = 0;
			d->slew_end = -1;
			d->large_since = -1;
			d->offset = 0;
			d->synced = true;
			d->poll = c->minpoll;
			d->poll_score = 0;
			act->kind = NTS_DISC_STEP;
			act->step = offset;
			act->freq = d->base_freq;
			return;
		}
	} else {
		d->large_since = -1;
	}

	double dist = s->delay / 2 + s->disp;
	if (delay_outlier(d, s->time, r, dist, src)) {
		d->rejected++;
		return;
	}
	d->updates++;
	d->last_update = now;
	add_sample(d, s->time, r, dist, src);
	asym_update(d, src, now);
	double w[NTS_DISC_MAX_SAMPLES], rc[NTS_DISC_MAX_SAMPLES];
	prepare(d, w, rc);
	window_score(d, w, rc);
	double est = offset, sd = s->delay / 2 > 1e-9 ? s->delay / 2 : 1e-9;
	bool cut = false;
	if (d->n >= MIN_FIT) {
		struct fit f;
		cut = best_fit(d, w, rc, &f);
		d->used = f.m;
		double sigma = sqrt(f.var);
		if (sigma < 1e-9)
			sigma = 1e-9;
		d->sd = sigma;
		d->fit_t = f.tbar;
		d->fit_a = f.a;
		d->fit_b = f.b;
		double dt = now - f.tbar;
		sd = sigma * sqrt(1.0 / f.wsum + (f.stt > 0 ? dt * dt / f.stt : 0));
		/* A slope needs time between its samples: several sources
		 * answering within milliseconds of each other give a line whose
		 * slope is pure noise (3 samples at start-up once set 5 %). The
		 * error of a sample is at least that of the best path in the fit,
		 * a residual of a few points can be small by chance. */
		double floor_err = INFINITY;
		for (size_t i = d->n - f.m; i < d->n; i++)
			floor_err = fmin(floor_err, d->dist[i]);
		double slope_sd = f.stt > 0 ? fmax(sigma, floor_err) / sqrt(f.stt) : INFINITY;
		bool slope_ok = slope_sd <= MAX_SLOPE_SD;
		d->freq_sd = slope_ok ? sigma / sqrt(f.stt) : c->max_freq;
		double fr = slope_ok ? f.b : d->base_freq;
		est = f.a + fr * dt - nts_disc_correction(d, now);
		if (fr > c->max_freq)
			fr = c->max_freq;
		if (fr < -c->max_freq)
			fr = -c->max_freq;
		/* close the running interval first: its divisor used the old estimate */
		d->cum = nts_disc_correction(d, now);
		d->t_cmd = now;
		d->base_freq = fr;   /* with -x only reported: command() applies nothing */
	} else {
		d->used = d->n;
	}
	d->offset = est;
	d->offset_sd = sd;
	d->synced = true;
	advise_poll(d, est, d->sd > sd ? d->sd : sd, cut);
	if (c->observe_only)
		return;

	/* Slew the phase error out: fast when it stands far above the noise
	 * (it is real), over a few updates when it is near it (it may be noise) */
	double interval = ldexp(1.0, d->poll);
	double tau = SLEW_RATIO * interval;
	if (fabs(est) > 0)
		tau = fmin(tau, SLEW_RATIO * interval * sd / fabs(est));
	tau = fmax(tau, fabs(est) / c->max_slew);
	tau = fmax(tau, MIN_SLEW_TIME);
	command(d, now, d->base_freq + est / tau);
	d->slew_end = now + tau;
	act->kind = NTS_DISC_FREQ;
	act->freq = d->freq_cmd;
	act->recheck = tau;
}

void nts_disc_tick(struct nts_disc *d, double now, struct nts_disc_action *act)
{
	memset(act, 0, sizeof *act);
	if (d->cfg.observe_only || d->slew_end < 0 || now < d->slew_end - 1e-6)
		return;
	/* the slew ran (about) its time; what it missed, the next fit sees */
	command(d, now, d->base_freq);
	d->slew_end = -1;
	act->kind = NTS_DISC_FREQ;
	act->freq = d->freq_cmd;
}
