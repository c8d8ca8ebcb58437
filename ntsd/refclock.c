/* ntsd: the reference clock core. Drivers deliver raw samples (often one a
 * second); once per poll interval the samples are filtered into one
 * measurement, the reach register shifts, and the result goes to the
 * sources code (the sink). A refclock that delivered nothing for a poll
 * interval is unreachable at once: a stale refclock must never steer the
 * clock. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nts/log.h"
#include "refclock.h"
#include "sched.h"

#define BAD_LOG_INTERVAL 60.0   /* seconds between log lines about bad input */
#define STALE_GRACE 0.5         /* s past a poll interval of silence before saying so */
#define PRECISION 1e-6          /* s: what a refclock's time is good to, at best */

static struct ntsd_refclock clocks[NTSD_MAX_REFCLOCKS];
static struct ntsd_refclock_sink sink;

static double poll_secs(const struct ntsd_refclock *rc)
{
	return ldexp(1.0, rc->conf.poll);
}

static double correction(double now)
{
	return sink.correction ? sink.correction(sink.arg, now) : 0;
}

static double frequency(void)
{
	return sink.frequency ? sink.frequency(sink.arg) : 0;
}

void ntsd_refclock_set_sink(const struct ntsd_refclock_sink *s)
{
	if (s)
		sink = *s;
	else
		memset(&sink, 0, sizeof sink);
}

static void vnote_bad(struct ntsd_refclock *rc, const char *fmt, va_list ap)
{
	rc->bad_samples++;
	vsnprintf(rc->bad_reason, sizeof rc->bad_reason, fmt, ap);
	double now = ntsd_sched_now();
	if (rc->bad_logged_mono == 0 || now - rc->bad_logged_mono >= BAD_LOG_INTERVAL) {
		if (rc->bad_unlogged)
			nts_log(NTS_LOG_WARNING, NTS_TAG_SHARED,
				"refclock %s: %s (and %llu more bad samples since the last report)",
				rc->name, rc->bad_reason, (unsigned long long)rc->bad_unlogged);
		else
			nts_log(NTS_LOG_WARNING, NTS_TAG_SHARED, "refclock %s: %s", rc->name,
				rc->bad_reason);
		rc->bad_logged_mono = now;
		rc->bad_unlogged = 0;
	} else {
		rc->bad_unlogged++;
	}
}

void ntsd_refclock_bad(struct ntsd_refclock *rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote_bad(rc, fmt, ap);
	va_end(ap);
}

static void sample_timer(void *arg);
static void stale_timer(void *arg);

static void stop_driver(struct ntsd_refclock *rc)
{
	if (rc->sample_timer)
		ntsd_sched_cancel(rc->sample_timer);
	rc->sample_timer = 0;
	if (rc->up && rc->drv->fini)
		rc->drv->fini(rc);
	rc->up = false;
}

void ntsd_refclock_fail(struct ntsd_refclock *rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote_bad(rc, fmt, ap);
	va_end(ap);
	stop_driver(rc);
	/* what it delivered before failing stays in this interval's filter */
}

static double realtime_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void ntsd_refclock_sample(struct ntsd_refclock *rc, const struct timespec *at, double offset,
			  int leap)
{
	if (!isfinite(offset)) {
		ntsd_refclock_bad(rc, "offset not a number");
		return;
	}
	offset += rc->conf.time1;
	double now = ntsd_sched_now();
	rc->samples++;
	rc->last_offset = offset;
	rc->last_mono = now;
	rc->leap = leap;
	rc->newest = *at;
	/* the discipline's correction when the sample was taken (at may lie
	 * a little in the past: a SHM writer's or a serial line's time) */
	double age = realtime_now() - ((double)at->tv_sec + at->tv_nsec * 1e-9);
	if (!(age >= 0 && age < 10))
		age = 0;
	if (rc->n < NTSD_REFCLOCK_MAX_SAMPLES) {
		rc->rd[rc->n].t = now - age;
		rc->rd[rc->n++].r = offset + correction(now - age);
	}
	if (!rc->stale_timer)
		rc->stale_timer = ntsd_sched_timer(poll_secs(rc) + STALE_GRACE, stale_timer, rc);
}

bool ntsd_refclock_coarse(const char *refid, double max_age, double *offset)
{
	double now = ntsd_sched_now();
	for (size_t i = 0; i < NTSD_MAX_REFCLOCKS; i++) {
		const struct ntsd_refclock *rc = &clocks[i];
		if (!rc->in_use || strcmp(rc->conf.refid, refid) != 0 || rc->last_mono == 0)
			continue;
		if (now - rc->last_mono <= max_age) {
			*offset = rc->last_offset;
			return true;
		}
	}
	return false;
}

static bool reachable_at(const struct ntsd_refclock *rc, double now)
{
	return rc->have_meas && (rc->reach & 1) && now - rc->meas_mono <= poll_secs(rc) + 1.0 &&
	       now - rc->last_mono <= poll_secs(rc);
}

bool ntsd_refclock_reachable(const struct ntsd_refclock *rc)
{
	return reachable_at(rc, ntsd_sched_now());
}

/* Log when reachability changes; true when it did. */
static bool note_reach(struct ntsd_refclock *rc, double now)
{
	bool f = reachable_at(rc, now);
	if (f == rc->was_fresh)
		return false;
	if (f)
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: reachable", rc->name);
	else
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: unreachable, newest sample %.1f s old",
			rc->name, rc->last_mono > 0 ? now - rc->last_mono : -1.0);
	rc->was_fresh = f;
	return true;
}

/* A poll interval of silence after the last sample: unreachable now, not
 * at the end of the next interval. */
static void stale_timer(void *arg)
{
	struct ntsd_refclock *rc = arg;
	rc->stale_timer = 0;
	double now = ntsd_sched_now();
	double silent = now - rc->last_mono;
	if (silent <= poll_secs(rc)) {
		rc->stale_timer = ntsd_sched_timer(poll_secs(rc) - silent + STALE_GRACE, stale_timer, rc);
		return;
	}
	if (note_reach(rc, now) && sink.update)
		sink.update(sink.arg, rc, false);
}

static void try_init(struct ntsd_refclock *rc)
{
	if (rc->up || rc->drv->init(rc) != 0)
		return;
	rc->up = true;
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: refid %s, poll %d, %s opened", rc->name,
		rc->conf.refid, rc->conf.poll, rc->conf.path[0] ? rc->conf.path : "segment");
	if (rc->drv->poll)
		rc->sample_timer = ntsd_sched_timer(rc->drv->sample_interval, sample_timer, rc);
}

static void poll_timer(void *arg)
{
	struct ntsd_refclock *rc = arg;
	rc->poll_timer = ntsd_sched_timer(poll_secs(rc), poll_timer, rc);
	double now = ntsd_sched_now();
	/* one measurement of the interval's readings, valid at their mean
	 * time (nts/rcfilter.h); the discipline's frequency only orders them */
	double freq = frequency();
	struct nts_rcfilter_result res;
	bool fresh = nts_rcfilter_combine(rc->rd, rc->n, freq, &res);
	if (fresh) {
		rc->reach = (uint8_t)(rc->reach << 1 | 1);
		rc->meas.time = res.t;
		rc->meas.r = res.r;
		rc->meas.offset = res.r + freq * (now - res.t) - correction(now);
		rc->meas.jitter = res.sd;
		/* RFC 5905 section 7.3: a reference clock's dispersion starts at
		 * its precision; add the standard error of the mean, from the
		 * long-term spread unless this interval was clearly noisier */
		rc->meas.dispersion = nts_rcfilter_noise_se(&rc->noise, &res, PRECISION) + PRECISION;
		rc->meas.leap = rc->leap;
		rc->meas.nsamples = (unsigned)res.n;
		rc->meas.used = (unsigned)res.used;
		rc->meas.when = rc->newest;
		rc->have_meas = true;
		rc->meas_mono = now;
		nts_log(NTS_LOG_DEBUG, NTS_TAG_SHARED,
			"refclock %s: offset %+.9f at %.3f s ago, jitter %.9f, dispersion %.9f "
			"(%u of %u samples)", rc->name, rc->meas.offset, now - res.t, res.sd,
			rc->meas.dispersion, rc->meas.used, rc->meas.nsamples);
		rc->n = 0;
	} else {
		rc->reach = (uint8_t)(rc->reach << 1);
	}
	note_reach(rc, now);
	try_init(rc);
	if (sink.update)
		sink.update(sink.arg, rc, fresh);
}

static void sample_timer(void *arg)
{
	struct ntsd_refclock *rc = arg;
	rc->sample_timer = ntsd_sched_timer(rc->drv->sample_interval, sample_timer, rc);
	if (rc->up)
		rc->drv->poll(rc);
}

static const struct ntsd_refclock_driver *find_driver(const char *name)
{
	static const struct ntsd_refclock_driver *const drivers[] = {
		&ntsd_refclock_shm, &ntsd_refclock_pps, &ntsd_refclock_nmea, &ntsd_refclock_sock,
	};
	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

struct ntsd_refclock *ntsd_refclock_new(const struct ntsd_refclock_conf *conf, uint16_t associd)
{
	const struct ntsd_refclock_driver *drv = find_driver(conf->driver);
	if (!drv)
		return NULL;   /* the parser only lets known names through */
	struct ntsd_refclock *rc = NULL;
	for (size_t i = 0; i < NTSD_MAX_REFCLOCKS && !rc; i++)
		if (!clocks[i].in_use)
			rc = &clocks[i];
	if (!rc)
		return NULL;
	memset(rc, 0, sizeof *rc);
	rc->in_use = true;
	rc->drv = drv;
	rc->conf = *conf;
	rc->associd = associd;
	rc->tally = ' ';
	snprintf(rc->name, sizeof rc->name, "%s(%d)", drv->display, rc->conf.unit);
	try_init(rc);
	rc->poll_timer = ntsd_sched_timer(poll_secs(rc), poll_timer, rc);
	return rc;
}

void ntsd_refclock_free(struct ntsd_refclock *rc)
{
	if (!rc || !rc->in_use)
		return;
	stop_driver(rc);
	if (rc->poll_timer)
		ntsd_sched_cancel(rc->poll_timer);
	if (rc->stale_timer)
		ntsd_sched_cancel(rc->stale_timer);
	memset(rc, 0, sizeof *rc);
}

void ntsd_refclock_status(const struct ntsd_refclock *rc, struct ntsd_source_status *s)
{
	double now = ntsd_sched_now();
	memset(s, 0, sizeof *s);
	s->associd = rc->associd;
	snprintf(s->name, sizeof s->name, "%s", rc->name);
	if (rc->drv == &ntsd_refclock_shm)
		snprintf(s->addr, sizeof s->addr, "shm:0x%08x", 0x4e545030u + (unsigned)rc->conf.unit);
	else
		snprintf(s->addr, sizeof s->addr, "%.63s", rc->conf.path);
	s->type = 'l';
	s->reachable = reachable_at(rc, now);
	s->reach = rc->reach;
	s->stratum = 0;
	snprintf(s->refid, sizeof s->refid, ".%s.", rc->conf.refid);
	s->leap = rc->have_meas ? rc->meas.leap : 3;
	s->poll_log2 = rc->conf.poll;
	s->when = rc->last_mono > 0 ? now - rc->last_mono : -1;
	s->offset = rc->have_meas ? rc->meas.offset : 0;
	s->jitter = rc->have_meas ? rc->meas.jitter : 0;
	s->dispersion = rc->have_meas ? rc->meas.dispersion : 16;
	s->delay = 0;
	s->tally = s->reachable ? rc->tally : ' ';
	s->cert_days_left = NAN;
	s->ke_age = -1;
	s->samples = rc->samples;
	s->bad_samples = rc->bad_samples;
	snprintf(s->bad_reason, sizeof s->bad_reason, "%s", rc->bad_reason);
	if (!rc->up)
		snprintf(s->last_error, sizeof s->last_error, "not open: %s", rc->bad_reason);
}
