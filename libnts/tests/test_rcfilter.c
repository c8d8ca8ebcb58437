/* Unit tests: the sample filter of a reference clock (rcfilter.c). */
#include <config.h>

#include <math.h>
#include <string.h>

#include "nts/rcfilter.h"
#include "suites.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Readings one second apart from t = 100, offsets r[]. */
static void readings(struct nts_rcfilter_reading *v, const double *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].t = 100.0 + (double)i;
		v[i].r = r[i];
	}
}

START_TEST(rcfilter_middle_share)
{
	/* ten readings, two wild: 20 % go on each side, the middle six are
	 * averaged (the median half of before would have taken four) */
	double r[] = { 0.010, 0.013, 5.0, 0.012, -3.0, 0.009, 0.011, 0.014, 0.008, 0.010 };
	struct nts_rcfilter_reading v[N(r)];
	readings(v, r, N(r));
	struct nts_rcfilter_result res;
	ck_assert(nts_rcfilter_combine(v, N(r), 0, &res));
	ck_assert_uint_eq(res.n, 10);
	ck_assert_uint_eq(res.used, 6);
	/* sorted: -3 .008 | .009 .010 .010 .011 .012 .013 | .014 5 */
	double want = (0.009 + 0.010 + 0.010 + 0.011 + 0.012 + 0.013) / 6;
	ck_assert_msg(fabs(res.r - want) < 1e-12, "r %.12f want %.12f", res.r, want);
	/* v is sorted by offset now: the wild ones at the ends */
	ck_assert(v[0].r == -3.0 && v[9].r == 5.0);
}
END_TEST

START_TEST(rcfilter_trim_counts)
{
	/* readings kept of n: all of one or two, at least one dropped on each
	 * side from three on, 60 % of 16 (a poll interval of 16 s at 1/s) */
	static const size_t n[] = { 1, 2, 3, 4, 5, 8, 10, 16, 64, 128 };
	static const size_t used[] = { 1, 2, 1, 2, 3, 6, 6, 10, 40, 78 };
	double r[128];
	for (size_t i = 0; i < N(r); i++)
		r[i] = (double)((i * 37) % 128) * 1e-6;
	for (size_t k = 0; k < N(n); k++) {
		struct nts_rcfilter_reading v[128];
		readings(v, r, n[k]);
		struct nts_rcfilter_result res;
		ck_assert(nts_rcfilter_combine(v, n[k], 0, &res));
		ck_assert_msg(res.used == used[k], "n %zu: used %zu, want %zu", n[k], res.used, used[k]);
	}
	struct nts_rcfilter_result res;
	ck_assert(!nts_rcfilter_combine(NULL, 0, 0, &res));
}
END_TEST

START_TEST(rcfilter_one_reading)
{
	struct nts_rcfilter_reading v = { .t = 7.5, .r = 0.25 };
	struct nts_rcfilter_result res;
	ck_assert(nts_rcfilter_combine(&v, 1, 1e-4, &res));
	ck_assert(res.r == 0.25 && res.t == 7.5 && res.sd == 0 && res.se == 0 && res.used == 1);
}
END_TEST

START_TEST(rcfilter_mean_time)
{
	/* a clock 100 ppm off, without noise: r = a + f t. The measurement is
	 * r at the mean time of the readings used, exactly, whatever frequency
	 * the caller believes in (it only orders them) */
	const double a = 0.002, f = 1e-4;
	struct nts_rcfilter_reading v[16];
	for (size_t i = 0; i < N(v); i++) {
		v[i].t = 500.0 + (double)i;
		v[i].r = a + f * v[i].t;
	}
	static const double believed[] = { 1e-4, 0, -3e-4 };
	for (size_t k = 0; k < N(believed); k++) {
		struct nts_rcfilter_reading w[16];
		memcpy(w, v, sizeof v);
		struct nts_rcfilter_result res;
		ck_assert(nts_rcfilter_combine(w, 16, believed[k], &res));
		ck_assert_uint_eq(res.used, 10);
		ck_assert_msg(fabs(res.r - (a + f * res.t)) < 1e-12, "freq %g: r %.12f at %.6f",
			      believed[k], res.r, res.t);
	}
	/* with the right frequency the readings are all equal: the spread is 0
	 * and the readings used are a set of the middle ones in time */
	struct nts_rcfilter_result res;
	ck_assert(nts_rcfilter_combine(v, 16, f, &res));
	ck_assert_msg(res.sd < 1e-12 && res.se < 1e-12, "sd %g se %g", res.sd, res.se);
	ck_assert(res.t > 500.0 && res.t < 515.0);
}
END_TEST

START_TEST(rcfilter_ordered_without_drift)
{
	/* 16 readings of a clock 1000 ppm off (16 ms over the interval) with
	 * one wild reading of +4 ms in the middle: with the drift taken out
	 * it is the outlier and is dropped; compared raw, the oldest and
	 * newest readings would go and the wild one would stay */
	const double f = 1e-3;
	struct nts_rcfilter_reading v[16], w[16];
	for (size_t i = 0; i < N(v); i++) {
		v[i].t = (double)i;
		v[i].r = f * v[i].t;
	}
	v[8].r += 0.004;
	memcpy(w, v, sizeof v);
	struct nts_rcfilter_result res;
	ck_assert(nts_rcfilter_combine(v, 16, f, &res));
	ck_assert_msg(fabs(res.r - f * res.t) < 1e-12, "with the drift: off the line by %g",
		      res.r - f * res.t);
	ck_assert(nts_rcfilter_combine(w, 16, 0, &res));
	ck_assert(fabs(res.r - f * res.t) > 1e-4);
}
END_TEST

START_TEST(rcfilter_standard_error)
{
	/* 1 2 3 4 100 (ms): one dropped on each side, mean of 2 3 4 = 3; the
	 * winsorized set 2 2 3 4 4 has the variance 4 / 4 = 1, so sd 1 and
	 * the trimmed mean's standard error sqrt(5) / 3 (Tukey-McLaughlin) */
	double r[] = { 0.001, 0.100, 0.003, 0.002, 0.004 };
	struct nts_rcfilter_reading v[N(r)];
	readings(v, r, N(r));
	struct nts_rcfilter_result res;
	ck_assert(nts_rcfilter_combine(v, N(r), 0, &res));
	ck_assert_uint_eq(res.used, 3);
	ck_assert(fabs(res.r - 0.003) < 1e-12);
	ck_assert_msg(fabs(res.sd - 0.001) < 1e-12, "sd %.12f", res.sd);
	ck_assert_msg(fabs(res.se - 0.001 * sqrt(5.0) / 3.0) < 1e-12, "se %.12f", res.se);
	/* the mean time is that of the readings used: t of 3, 2 and 4 ms */
	ck_assert(fabs(res.t - (102.0 + 103.0 + 104.0) / 3.0) < 1e-9);
}
END_TEST

/* An interval of 16 readings alternating +-s about 0 (sd about s). */
static void interval(struct nts_rcfilter_result *res, double s)
{
	struct nts_rcfilter_reading v[16];
	for (size_t i = 0; i < N(v); i++) {
		v[i].t = (double)i;
		v[i].r = i % 2 ? s : -s;
	}
	ck_assert(nts_rcfilter_combine(v, 16, 0, res));
}

START_TEST(rcfilter_noise_average)
{
	struct nts_rcfilter_noise ns;
	memset(&ns, 0, sizeof ns);
	struct nts_rcfilter_result res;
	/* the first interval has nothing to average with: its own */
	interval(&res, 100e-6);
	double first = nts_rcfilter_noise_se(&ns, &res, 1e-6);
	ck_assert(fabs(first - res.se) < 1e-15);
	/* the same noise: the same value every time, exactly (the
	 * discipline's weights follow any difference) */
	for (int i = 0; i < 20; i++) {
		interval(&res, 100e-6);
		ck_assert(nts_rcfilter_noise_se(&ns, &res, 1e-6) == first);
	}
	/* a calm interval (half the spread, within what 16 readings can
	 * show by chance): still the long-term value, not its own */
	interval(&res, 50e-6);
	double se = nts_rcfilter_noise_se(&ns, &res, 1e-6);
	ck_assert_msg(se == first && se > 1.5 * res.se, "calm: se %g own %g first %g", se, res.se,
		      first);
	/* a clearly noisier one (10x) is believed at once */
	interval(&res, 1e-3);
	se = nts_rcfilter_noise_se(&ns, &res, 1e-6);
	ck_assert_msg(fabs(se - res.se) < 1e-15, "noisy: se %g own %g", se, res.se);
	/* and stays until the noise moves again */
	double noisy = se;
	interval(&res, 1e-3);
	ck_assert(nts_rcfilter_noise_se(&ns, &res, 1e-6) == noisy);
	/* a single reading has no spread of its own: it is as good as one
	 * reading of the long-term spread, worse than a mean of 16 */
	memset(&ns, 0, sizeof ns);
	for (int i = 0; i < 20; i++) {
		interval(&res, 100e-6);
		nts_rcfilter_noise_se(&ns, &res, 1e-6);
	}
	struct nts_rcfilter_reading one = { .t = 0, .r = 0 };
	ck_assert(nts_rcfilter_combine(&one, 1, 0, &res));
	se = nts_rcfilter_noise_se(&ns, &res, 1e-6);
	ck_assert_msg(se == sqrt(ns.var) && se > 90e-6, "one reading: se %g", se);
}
END_TEST

START_TEST(rcfilter_noise_precision)
{
	/* a PPS: nanoseconds of spread next to a microsecond of precision.
	 * Tripling them is no news worth a weight */
	struct nts_rcfilter_noise ns;
	memset(&ns, 0, sizeof ns);
	struct nts_rcfilter_result res;
	interval(&res, 1e-9);
	double first = nts_rcfilter_noise_se(&ns, &res, 1e-6);
	interval(&res, 3e-9);
	ck_assert(nts_rcfilter_noise_se(&ns, &res, 1e-6) == first);
	interval(&res, 0);
	ck_assert(nts_rcfilter_noise_se(&ns, &res, 1e-6) == first);
	/* without the floor the tripled spread would have moved it */
	memset(&ns, 0, sizeof ns);
	interval(&res, 1e-9);
	first = nts_rcfilter_noise_se(&ns, &res, 0);
	interval(&res, 3e-9);
	ck_assert(nts_rcfilter_noise_se(&ns, &res, 0) > 2 * first);
}
END_TEST

Suite *rcfilter_suite(void)
{
	Suite *s = suite_create("rcfilter");
	TCase *t = tcase_create("rcfilter");
	tcase_add_test(t, rcfilter_middle_share);
	tcase_add_test(t, rcfilter_trim_counts);
	tcase_add_test(t, rcfilter_one_reading);
	tcase_add_test(t, rcfilter_mean_time);
	tcase_add_test(t, rcfilter_ordered_without_drift);
	tcase_add_test(t, rcfilter_standard_error);
	tcase_add_test(t, rcfilter_noise_average);
	tcase_add_test(t, rcfilter_noise_precision);
	suite_add_tcase(s, t);
	return s;
}
