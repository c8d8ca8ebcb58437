/* The clock discipline (nts/discipline.h): regression over recent offsets
 * in the frame of an uncorrected clock, as chrony's sourcestats.c does. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "nts/discipline.h"

#define MIN_FIT 3            /* fewer points fit any line: no frequency from them */
#define SLEW_RATIO 3.0       /* a phase error at noise level is slewed over 3 updates */
#define MIN_SLEW_TIME 0.5    /* s */
#define POLL_UP_SCORE 3      /* calm updates in a row before the poll interval doubles */
#define MAX_TOTAL_FREQ 0.09  /* what the clock driver can set: tick +-10 %, with a margin */

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
	double var;              /* residual variance */
	double stt;
	size_t runs;
};

static void fit_line(const struct nts_disc *d, size_t first, struct fit *f)
{
	size_t m = d->n - first;
	double ts = 0, rs = 0;
	for (size_t i = first; i < d->n; i++) {
		ts += d->t[i];
		rs += d->r[i];
	}
	f->m = m;
	f->tbar = ts / (double)m;
	f->a = rs / (double)m;
	double stt = 0, str = 0;
	for (size_t i = first; i < d->n; i++) {
		stt += (d->t[i] - f->tbar) * (d->t[i] - f->tbar);
		str += (d->t[i] - f->tbar) * (d->r[i] - f->a);
	}
	f->stt = stt;
	f->b = stt > 0 ? str / stt : 0;
	double ss = 0;
	size_t runs = 0;
	int last = 0;
	for (size_t i = first; i < d->n; i++) {
		double e = d->r[i] - (f->a + f->b * (d->t[i] - f->tbar));
		ss += e * e;
		int sign = e >= 0 ? 1 : -1;
		if (sign != last)
			runs++;
		last = sign;
	}
	f->var = m > 2 ? ss / (double)(m - 2) : 0;
	f->runs = runs;
}

/* The longest recent run of samples a straight line describes: too few
 * sign changes of the residuals mean the frequency wandered within the
 * window, so older samples go (chrony's runs test, simplified). */
static void best_fit(struct nts_disc *d, struct fit *f)
{
	size_t first = 0;
	for (;;) {
		fit_line(d, first, f);
		size_t m = f->m;
		double need = (double)m / 2.0 + 1.0 - sqrt((double)m - 1.0);
		if ((double)f->runs >= need || m <= MIN_FIT + 1)
			break;
		size_t drop = m / 4 ? m / 4 : 1;
		if (m - drop < MIN_FIT)
			drop = m - MIN_FIT;
		first += drop;
	}
	/* forget what the fit no longer needs */
	if (first > 0) {
		memmove(d->t, d->t + first, (d->n - first) * sizeof d->t[0]);
		memmove(d->r, d->r + first, (d->n - first) * sizeof d->r[0]);
		d->n -= first;
	}
}

static void add_sample(struct nts_disc *d, double t, double r)
{
	if (d->n == NTS_DISC_MAX_SAMPLES) {
		memmove(d->t, d->t + 1, (d->n - 1) * sizeof d->t[0]);
		memmove(d->r, d->r + 1, (d->n - 1) * sizeof d->r[0]);
		d->n--;
	}
	d->t[d->n] = t;
	d->r[d->n] = r;
	d->n++;
}

static void advise_poll(struct nts_disc *d, double offset, double sd)
{
	if (d->used >= MIN_FIT + 1 && fabs(offset) < 3 * sd) {
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

void nts_disc_update(struct nts_disc *d, double now, double offset, double noise,
		     struct nts_disc_action *act)
{
	memset(act, 0, sizeof *act);
	const struct nts_disc_config *c = &d->cfg;
	bool first = d->updates == 0;
	d->updates++;
	d->last_update = now;
	if (!isfinite(offset))
		return;
	double big = fabs(offset);
	if (!c->observe_only && c->panic_threshold > 0 && big > c->panic_threshold &&
	    !(first && c->big_first_step)) {
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
			command(d, now, d->base_freq);
			d->cum += offset;
			d->n = 0;
			d->used = 0;
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

	add_sample(d, now, offset + nts_disc_correction(d, now));
	double est = offset, sd = noise > 1e-9 ? noise : 1e-9;
	if (d->n >= MIN_FIT) {
		struct fit f;
		best_fit(d, &f);
		d->used = f.m;
		double sigma = sqrt(f.var);
		if (sigma < 1e-9)
			sigma = 1e-9;
		double dt = now - f.tbar;
		est = f.a + f.b * dt - nts_disc_correction(d, now);
		sd = sigma * sqrt(1.0 / (double)f.m + (f.stt > 0 ? dt * dt / f.stt : 0));
		d->freq_sd = f.stt > 0 ? sigma / sqrt(f.stt) : c->max_freq;
		double fr = f.b;
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
	advise_poll(d, est, sd > noise ? sd : noise);
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
