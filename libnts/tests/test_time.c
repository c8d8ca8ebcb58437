/* Timekeeping core (filter, select, discipline) on a deterministic virtual
 * clock and network: a local clock with an initial phase and frequency
 * error and a random-walk wander, sources with exponential path delays,
 * loss and optional bias (falsetickers). Nothing here reads a real clock. */
#include <config.h>

#include <check.h>
#include <math.h>
#include <string.h>

#include "nts/discipline.h"
#include "nts/filter.h"
#include "nts/select.h"
#include "suites.h"

/* ---- deterministic randomness (xorshift64*) */
struct rng {
	uint64_t s;
};

static double uniform(struct rng *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return ((g->s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double expo(struct rng *g)
{
	return -log(1.0 - uniform(g));
}

static double normal(struct rng *g)
{
	double u = uniform(g), v = uniform(g);
	return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* ---- the virtual world */
#define MAX_SRC 4

struct world {
	struct rng g;
	double T;               /* true time */
	double L;               /* local clock reading */
	double f_int;           /* the clock's own frequency error */
	double f_cmd;           /* the discipline's correction */
	double wander;          /* random walk of f_int per sqrt(s) */
	size_t nsrc;
	double bias[MAX_SRC];   /* a falseticker's error */
	double base_delay, jitter, loss;
	struct nts_filter filt[MAX_SRC];
	bool have[MAX_SRC];
	struct nts_disc disc;
	double next_tick;       /* true time of the requested recheck, or -1 */
	int panics, steps;
	char last_tally[MAX_SRC];
	int sys_peer;
};

static void advance(struct world *w, double dt)
{
	while (dt > 0) {
		double h = dt > 1.0 ? 1.0 : dt;
		w->L += h * (1.0 + w->f_int + w->f_cmd);
		w->f_int += w->wander * sqrt(h) * normal(&w->g);
		w->T += h;
		dt -= h;
	}
}

static void apply(struct world *w, const struct nts_disc_action *a)
{
	switch (a->kind) {
	case NTS_DISC_STEP:
		w->L += a->step;
		w->steps++;
		w->f_cmd = a->freq;
		break;
	case NTS_DISC_FREQ:
		w->f_cmd = a->freq;
		break;
	case NTS_DISC_PANIC:
		w->panics++;
		break;
	case NTS_DISC_NONE:
		break;
	}
	if (a->recheck > 0)
		w->next_tick = w->T + a->recheck;
}

static void world_init(struct world *w, uint64_t seed, double offset, double freq, size_t nsrc,
		       const struct nts_disc_config *cfg)
{
	memset(w, 0, sizeof *w);
	w->g.s = seed;
	w->T = 1000;
	w->L = 1000 - offset;   /* offset = true - local */
	w->f_int = freq;
	w->nsrc = nsrc;
	w->base_delay = 1e-4;
	w->jitter = 1e-4;
	w->next_tick = -1;
	w->sys_peer = -1;
	for (size_t i = 0; i < nsrc; i++)
		nts_filter_init(&w->filt[i], 0);
	nts_disc_init(&w->disc, cfg, 0, w->L);
}

/* One exchange with source i: the four timestamps of RFC 5905 section 8. */
static bool exchange(struct world *w, size_t i, struct nts_sample *s)
{
	if (uniform(&w->g) < w->loss)
		return false;
	double d1 = w->base_delay / 2 + w->jitter * expo(&w->g);
	double d2 = w->base_delay / 2 + w->jitter * expo(&w->g);
	double t1 = w->L;
	double t2 = w->T + d1 + w->bias[i];
	double t3 = t2 + 1e-5;
	advance(w, d1 + 1e-5 + d2);
	double t4 = w->L;
	s->offset = ((t2 - t1) + (t3 - t4)) / 2;
	s->delay = (t4 - t1) - (t3 - t2);
	s->disp = 1e-6;
	s->time = t4;
	return true;
}

/* One poll of every source, then selection, and the new samples of the
 * survivors to the discipline (as ntsd's sources.c does). */
static void poll_once(struct world *w)
{
	struct nts_select_cand c[MAX_SRC];
	struct nts_sample got[MAX_SRC];
	bool have_new[MAX_SRC] = { false };
	for (size_t i = 0; i < w->nsrc; i++) {
		if (exchange(w, i, &got[i])) {
			got[i].corr = nts_disc_correction(&w->disc, got[i].time);
			nts_filter_add(&w->filt[i], &got[i]);
			w->have[i] = true;
			have_new[i] = true;
		}
		const struct nts_filter *f = &w->filt[i];
		c[i] = (struct nts_select_cand){
			.usable = w->have[i], .stratum = 1, .offset = f->best.offset, .jitter = f->jitter,
			.root_distance = nts_select_distance(0, f->best.delay, 0,
							     nts_filter_dispersion(f, w->L), f->jitter),
		};
	}
	struct nts_select_result r;
	size_t n = nts_select_run(c, w->nsrc, &r);
	for (size_t i = 0; i < w->nsrc; i++)
		w->last_tally[i] = c[i].tally;
	w->sys_peer = r.sys_peer;
	if (n == 0)
		return;
	for (size_t i = 0; i < w->nsrc; i++) {
		if (!have_new[i] || (c[i].tally != '*' && c[i].tally != '+'))
			continue;
		struct nts_disc_action a;
		nts_disc_update(&w->disc, w->L, &got[i], (unsigned)i, &a);
		apply(w, &a);
	}
}

/* Run for secs of true time; returns the largest |true - local| seen after
 * settle seconds, and the RMS in *rms. */
static double run(struct world *w, double secs, double settle, double *rms)
{
	double end = w->T + secs, from = w->T + settle, max = 0, ss = 0;
	size_t n = 0;
	double next_poll = w->T;
	for (unsigned guard = 0; w->T < end && guard < 1000000; guard++) {
		double next = next_poll;
		if (w->next_tick >= 0 && w->next_tick < next)
			next = w->next_tick;
		if (next > w->T)
			advance(w, next - w->T);
		if (w->next_tick >= 0 && w->T >= w->next_tick) {
			w->next_tick = -1;
			struct nts_disc_action a;
			nts_disc_tick(&w->disc, w->L, &a);
			apply(w, &a);
		}
		if (w->T >= next_poll) {
			poll_once(w);
			next_poll = w->T + ldexp(1.0, w->disc.poll);
			if (w->T >= from) {
				double e = fabs(w->T - w->L);
				max = e > max ? e : max;
				ss += e * e;
				n++;
			}
		}
	}
	if (rms)
		*rms = n ? sqrt(ss / (double)n) : INFINITY;
	return max;
}

static void cfg_sim(struct nts_disc_config *c)
{
	nts_disc_config_default(c);
	c->minpoll = 4;
	c->maxpoll = 6;
}

START_TEST(converge_from_100ms_100ppm)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 1, 0.1, 100e-6, 1, &cfg);
	w.wander = 1e-9;
	double rms, max = run(&w, 3 * 3600, 3600, &rms);
	ck_assert_int_eq(w.steps, 0);   /* 0.1 s is under the step threshold: slewed */
	ck_assert_msg(max < 200e-6 && rms < 100e-6, "max %g rms %g", max, rms);
	/* the frequency error is found: correction + own error near zero */
	ck_assert_msg(fabs(w.f_cmd + w.f_int) < 1e-6 || w.disc.slew_end >= 0, "freq left %g",
		      w.f_cmd + w.f_int);
	ck_assert_msg(fabs(w.disc.base_freq + w.f_int) < 1e-6, "base %g own %g", w.disc.base_freq,
		      w.f_int);
	ck_assert_int_gt(w.disc.poll, cfg.minpoll);   /* calm: the poll interval grew */
}
END_TEST

START_TEST(large_frequency_error_found)
{
	/* 5000 ppm: through the kernel tick, and our corrections must be
	 * integrated in true time, not in the corrected clock's time */
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 7, 0.02, 5e-3, 1, &cfg);
	double rms, max = run(&w, 3 * 3600, 3600, &rms);
	ck_assert_msg(max < 200e-6 && rms < 100e-6, "max %g rms %g", max, rms);
	ck_assert_msg(fabs(w.disc.base_freq + w.f_int) < 1e-6, "base %g own %g", w.disc.base_freq,
		      w.f_int);
}
END_TEST

START_TEST(falseticker_of_four_rejected)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 2, 0.05, -30e-6, 4, &cfg);
	w.bias[2] = 0.25;   /* 250 ms off: far outside everyone's correctness interval */
	double rms, max = run(&w, 2 * 3600, 3600, &rms);
	ck_assert_int_eq(w.last_tally[2], 'x');
	ck_assert(w.sys_peer >= 0 && w.sys_peer != 2);
	for (size_t i = 0; i < 4; i++)
		if (i != 2)
			ck_assert_msg(strchr("*+", w.last_tally[i]) != NULL, "tally %zu '%c'", i,
				      w.last_tally[i]);
	ck_assert_msg(max < 200e-6, "max %g rms %g", max, rms);
}
END_TEST

START_TEST(thirty_percent_loss)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 3, 0.1, 100e-6, 1, &cfg);
	w.loss = 0.3;
	double rms, max = run(&w, 3 * 3600, 3600, &rms);
	ck_assert_msg(max < 300e-6 && rms < 150e-6, "max %g rms %g", max, rms);
}
END_TEST

START_TEST(large_offset_is_stepped_once)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 4, 2.5, 20e-6, 1, &cfg);
	double rms, max = run(&w, 2 * 3600, 1800, &rms);
	ck_assert_int_eq(w.steps, 1);
	ck_assert_int_eq(w.panics, 0);
	ck_assert_msg(max < 200e-6, "max %g rms %g", max, rms);
}
END_TEST

START_TEST(panic_unless_first_step_allowed)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	world_init(&w, 5, 5000, 0, 1, &cfg);
	poll_once(&w);
	ck_assert_int_eq(w.panics, 1);
	ck_assert_int_eq(w.steps, 0);
	cfg.big_first_step = true;   /* -g */
	world_init(&w, 5, 5000, 0, 1, &cfg);
	poll_once(&w);
	ck_assert_int_eq(w.panics, 0);
	ck_assert_int_eq(w.steps, 1);
	ck_assert(fabs(w.T - w.L) < 1e-3);
}
END_TEST

START_TEST(observe_only_never_corrects)
{
	struct world w;
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	cfg.observe_only = true;   /* -x */
	world_init(&w, 6, 0.2, 50e-6, 1, &cfg);
	run(&w, 1800, 0, NULL);
	ck_assert_int_eq(w.steps, 0);
	ck_assert(w.f_cmd == 0);
	/* but it measured: the estimated offset follows the real one */
	ck_assert_msg(fabs(w.disc.offset - (w.T - w.L)) < 1e-3, "est %g real %g", w.disc.offset,
		      w.T - w.L);
	ck_assert_msg(fabs(w.disc.base_freq + 50e-6) < 2e-6, "freq %g", w.disc.base_freq);
}
END_TEST

START_TEST(simultaneous_sources_set_no_frequency)
{
	/* three servers answering the first poll within a millisecond: a line
	 * through them has a slope of pure noise, which once set 5 % and sent
	 * the clock 0.7 s the wrong way before the next poll */
	struct nts_disc_config cfg;
	cfg_sim(&cfg);
	struct nts_disc d;
	nts_disc_init(&d, &cfg, 0, 1000);
	const double off[3] = { -0.099992, -0.100012, -0.099963 };
	struct nts_disc_action act;
	for (unsigned i = 0; i < 3; i++) {
		double t = 1000.1 + 3e-4 * i;
		struct nts_sample s = { .offset = off[i], .delay = 2.6e-4, .disp = 1e-6, .time = t,
					.corr = nts_disc_correction(&d, t) };
		nts_disc_update(&d, t, &s, i + 1, &act);
	}
	ck_assert_msg(fabs(d.base_freq) < 1e-9, "frequency %g from samples 0.6 ms apart", d.base_freq);
	ck_assert_msg(fabs(d.offset + 0.1) < 1e-4, "offset estimate %g", d.offset);
	/* the phase is slewed out no faster than the driver allows */
	ck_assert_int_eq(act.kind, NTS_DISC_FREQ);
	ck_assert_msg(fabs(act.freq) <= cfg.max_slew + 1e-12, "slew %g", act.freq);
}
END_TEST

START_TEST(lan_sources_intersect)
{
	/* three servers on a LAN, 0.2 ms round trips, offsets 0.15 ms apart
	 * and no jitter yet (one sample each), and a falseticker at 300 ms:
	 * intervals of 0.1 ms have midpoints outside each other's overlap and
	 * selection found no majority; RFC 5905's MINDISP floor keeps them */
	struct nts_select_cand c[4];
	const double off[4] = { 0.0, -0.00015, 0.00012, 0.3 };
	for (int i = 0; i < 4; i++)
		c[i] = (struct nts_select_cand){ .usable = true, .stratum = 1, .offset = off[i],
						 .root_distance = nts_select_distance(0, 2e-4, 0, 1e-6, 0) };
	struct nts_select_result r;
	ck_assert_uint_eq(nts_select_run(c, 4, &r), 3);
	ck_assert_int_eq(c[3].tally, 'x');
	ck_assert(r.sys_peer >= 0 && r.sys_peer < 3);
	ck_assert_double_eq_tol(nts_select_distance(0, 2e-4, 0, 1e-6, 0), NTS_MINDISP / 2 + 1e-6, 1e-12);
	ck_assert_double_eq_tol(nts_select_distance(0.05, 0.03, 0.002, 0.001, 0.0005), 0.0435, 1e-12);
}
END_TEST

START_TEST(filter_prefers_low_delay_and_newer)
{
	struct nts_filter f;
	nts_filter_init(&f, 0);
	struct nts_sample a = { .offset = 0.010, .delay = 0.050, .time = 1 };
	struct nts_sample b = { .offset = 0.001, .delay = 0.002, .time = 2 };
	struct nts_sample c = { .offset = 0.020, .delay = 0.080, .time = 3 };
	ck_assert(nts_filter_add(&f, &a));
	ck_assert(nts_filter_add(&f, &b));
	ck_assert(fabs(f.best.offset - 0.001) < 1e-12);
	/* c is worse: b stays best and is not handed on twice */
	ck_assert(!nts_filter_add(&f, &c));
	ck_assert(f.jitter > 0.005);
	struct nts_sample bad = { .offset = NAN, .delay = 0.001, .time = 4 };
	ck_assert(!nts_filter_add(&f, &bad));
	ck_assert(nts_filter_dispersion(&f, 4) < nts_filter_dispersion(&f, 1000));
}
END_TEST

START_TEST(select_prefers_authenticated_and_needs_majority)
{
	struct nts_select_cand c[3] = {
		{ .usable = true, .authenticated = true, .stratum = 2, .offset = 0.001, .root_distance = 0.01 },
		{ .usable = true, .stratum = 1, .offset = 0.0012, .root_distance = 0.005 },
		{ .usable = false },
	};
	struct nts_select_result r;
	ck_assert_uint_eq(nts_select_run(c, 3, &r), 1);
	ck_assert_int_eq(r.sys_peer, 0);
	ck_assert_int_eq(c[1].tally, '#');
	ck_assert_int_eq(c[2].tally, ' ');
	/* two that disagree completely: no majority, no time */
	struct nts_select_cand d[2] = {
		{ .usable = true, .stratum = 1, .offset = 0, .root_distance = 0.01 },
		{ .usable = true, .stratum = 1, .offset = 1, .root_distance = 0.01 },
	};
	ck_assert_uint_eq(nts_select_run(d, 2, &r), 0);
	ck_assert_int_eq(r.sys_peer, -1);
	/* root distance over MAXDIST: not a candidate */
	struct nts_select_cand e[1] = { { .usable = true, .stratum = 1, .root_distance = 2.0 } };
	ck_assert_uint_eq(nts_select_run(e, 1, &r), 0);
}
END_TEST

Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_prefers_low_delay_and_newer);
	tcase_add_test(tc, select_prefers_authenticated_and_needs_majority);
	tcase_add_test(tc, converge_from_100ms_100ppm);
	tcase_add_test(tc, large_frequency_error_found);
	tcase_add_test(tc, falseticker_of_four_rejected);
	tcase_add_test(tc, simultaneous_sources_set_no_frequency);
	tcase_add_test(tc, lan_sources_intersect);
	tcase_add_test(tc, thirty_percent_loss);
	tcase_add_test(tc, large_offset_is_stepped_once);
	tcase_add_test(tc, panic_unless_first_step_allowed);
	tcase_add_test(tc, observe_only_never_corrects);
	suite_add_tcase(s, tc);
	return s;
}
