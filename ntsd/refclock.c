/* ntsd: the reference clock core. Drivers deliver raw samples (often one a
 * second); once per poll interval the samples are filtered into one
 * measurement, the reach register shifts, and the result goes to the
 * sources code. A refclock that delivered nothing in its last interval is
 * unreachable at once: a stale refclock must never steer the clock. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/log.h"
#include "refclock.h"
#include "sched.h"

#define BAD_LOG_INTERVAL 60.0   /* seconds between log lines about bad input */

static struct ntsd_refclock clocks[NTSD_MAX_REFCLOCKS];
static size_t nclocks;
static uint64_t publish_timer;
static ntsd_refclock_sink sink_fn;
static void *sink_arg;
static int local_stratum = 16;
static char local_refid[5] = "INIT";

static double poll_secs(const struct ntsd_refclock *rc)
{
	return ldexp(1.0, rc->conf.poll);
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

void ntsd_refclock_sample(struct ntsd_refclock *rc, const struct timespec *at, double offset,
			  int leap)
{
	if (!isfinite(offset)) {
		ntsd_refclock_bad(rc, "offset not a number");
		return;
	}
	offset += rc->conf.time1;
	rc->samples++;
	rc->last_offset = offset;
	rc->last_mono = ntsd_sched_now();
	rc->leap = leap;
	rc->newest = *at;
	if (rc->n < NTSD_REFCLOCK_MAX_SAMPLES)
		rc->off[rc->n++] = offset;
}

bool ntsd_refclock_coarse(const char *refid, double max_age, double *offset)
{
	double now = ntsd_sched_now();
	for (size_t i = 0; i < nclocks; i++) {
		const struct ntsd_refclock *rc = &clocks[i];
		if (strcmp(rc->conf.refid, refid) != 0 || rc->last_mono == 0)
			continue;
		if (now - rc->last_mono <= max_age) {
			*offset = rc->last_offset;
			return true;
		}
	}
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

bool ntsd_refclock_filter(double *off, size_t n, double *offset, double *jitter)
{
	if (n == 0)
		return false;
	qsort(off, n, sizeof *off, cmp_double);
	/* the middle half: a few wild samples (a late serial line, a torn
	 * read the protocol did not catch) cannot pull the mean */
	size_t lo = n / 4, hi = n - n / 4;
	double sum = 0;
	for (size_t i = lo; i < hi; i++)
		sum += off[i];
	double mean = sum / (double)(hi - lo);
	double var = 0;
	for (size_t i = lo; i < hi; i++)
		var += (off[i] - mean) * (off[i] - mean);
	*offset = mean;
	*jitter = sqrt(var / (double)(hi - lo));
	return true;
}

static void publish(void);

static void poll_timer(void *arg)
{
	struct ntsd_refclock *rc = arg;
	rc->poll_timer = ntsd_sched_timer(poll_secs(rc), poll_timer, rc);
	double offset, jitter;
	if (ntsd_refclock_filter(rc->off, rc->n, &offset, &jitter)) {
		rc->reach = (uint8_t)(rc->reach << 1 | 1);
		rc->meas.offset = offset;
		rc->meas.jitter = jitter;
		/* RFC 5905 section 7.3: a reference clock's dispersion starts at
		 * its precision; add the spread the filter saw */
		rc->meas.dispersion = jitter + 1e-6;
		rc->meas.leap = rc->leap;
		rc->meas.nsamples = (unsigned)rc->n;
		rc->meas.when = rc->newest;
		rc->have_meas = true;
		rc->meas_mono = ntsd_sched_now();
		nts_log(NTS_LOG_DEBUG, NTS_TAG_SHARED, "refclock %s: offset %+.6f jitter %.6f (%u samples)",
			rc->name, offset, jitter, rc->meas.nsamples);
		rc->n = 0;
		if (sink_fn)
			sink_fn(sink_arg, rc, &rc->meas);
	} else {
		rc->reach = (uint8_t)(rc->reach << 1);
	}
	if (!rc->up && rc->drv->init(rc) == 0) {
		rc->up = true;
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: %s opened", rc->name,
			rc->conf.path[0] ? rc->conf.path : "segment");
		if (rc->drv->poll)
			rc->sample_timer = ntsd_sched_timer(rc->drv->sample_interval, sample_timer, rc);
	}
	publish();
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

/* Counters and ages move every second; so does the snapshot. */
static void publish_tick(void *arg)
{
	(void)arg;
	publish_timer = ntsd_sched_timer(1.0, publish_tick, NULL);
	publish();
}

size_t ntsd_refclock_start(const struct ntsd_refclock_conf *confs, size_t n, uint16_t first_associd)
{
	ntsd_refclock_stop();
	for (size_t i = 0; i < n && nclocks < NTSD_MAX_REFCLOCKS; i++) {
		const struct ntsd_refclock_driver *drv = find_driver(confs[i].driver);
		if (!drv)
			continue;   /* the parser only lets known names through */
		struct ntsd_refclock *rc = &clocks[nclocks];
		memset(rc, 0, sizeof *rc);
		rc->drv = drv;
		rc->conf = confs[i];
		rc->associd = (uint16_t)(first_associd + nclocks);
		snprintf(rc->name, sizeof rc->name, "%s(%d)", drv->display, rc->conf.unit);
		nclocks++;
		if (drv->init(rc) == 0) {
			rc->up = true;
			nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: refid %s, poll %d, %s", rc->name,
				rc->conf.refid, rc->conf.poll, rc->conf.path[0] ? rc->conf.path : "segment");
			if (drv->poll)
				rc->sample_timer = ntsd_sched_timer(drv->sample_interval, sample_timer, rc);
		}
		rc->poll_timer = ntsd_sched_timer(poll_secs(rc), poll_timer, rc);
	}
	publish();
	if (nclocks)
		publish_timer = ntsd_sched_timer(1.0, publish_tick, NULL);
	return nclocks;
}

void ntsd_refclock_stop(void)
{
	for (size_t i = 0; i < nclocks; i++) {
		struct ntsd_refclock *rc = &clocks[i];
		stop_driver(rc);
		if (rc->poll_timer)
			ntsd_sched_cancel(rc->poll_timer);
		rc->poll_timer = 0;
	}
	nclocks = 0;
	if (publish_timer)
		ntsd_sched_cancel(publish_timer);
	publish_timer = 0;
}

void ntsd_refclock_set_sink(ntsd_refclock_sink fn, void *arg)
{
	sink_fn = fn;
	sink_arg = arg;
}

/* Reachable: measured in the last interval, and its newest sample is
 * younger than one poll interval, so a refclock that went silent stops
 * being a source within its poll (the publish tick re-checks every second). */
static bool fresh(const struct ntsd_refclock *rc, double now)
{
	return rc->have_meas && (rc->reach & 1) && now - rc->meas_mono <= poll_secs(rc) + 1.0 &&
	       now - rc->last_mono <= poll_secs(rc);
}

static bool usable(const struct ntsd_refclock *rc, double now)
{
	return !rc->conf.noselect && fresh(rc, now);
}

struct ntsd_refclock *ntsd_refclock_select(void)
{
	double now = ntsd_sched_now();
	struct ntsd_refclock *best = NULL;
	for (size_t i = 0; i < nclocks; i++) {
		struct ntsd_refclock *rc = &clocks[i];
		rc->selected = false;
		if (!usable(rc, now))
			continue;
		if (!best) {
			best = rc;
			continue;
		}
		bool rc_pps = rc->drv == &ntsd_refclock_pps, best_pps = best->drv == &ntsd_refclock_pps;
		if (rc->conf.prefer != best->conf.prefer) {
			if (rc->conf.prefer)
				best = rc;
		} else if (rc_pps != best_pps) {
			if (rc_pps)
				best = rc;
		} else if (rc->meas.jitter < best->meas.jitter) {
			best = rc;
		}
	}
	if (best)
		best->selected = true;
	return best;
}

size_t ntsd_refclock_status(struct ntsd_source_status *out, size_t max)
{
	double now = ntsd_sched_now();
	size_t k = 0;
	for (size_t i = 0; i < nclocks && k < max; i++) {
		const struct ntsd_refclock *rc = &clocks[i];
		struct ntsd_source_status *s = &out[k++];
		memset(s, 0, sizeof *s);
		s->associd = rc->associd;
		snprintf(s->name, sizeof s->name, "%s", rc->name);
		if (rc->drv == &ntsd_refclock_shm)
			snprintf(s->addr, sizeof s->addr, "shm:0x%08x", 0x4e545030u + (unsigned)rc->conf.unit);
		else
			snprintf(s->addr, sizeof s->addr, "%s", rc->conf.path);
		s->type = 'l';
		s->reachable = fresh(rc, now);
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
		if (rc->selected)
			s->tally = '*';
		else if (usable(rc, now))
			s->tally = '+';
		else if (s->reachable)
			s->tally = '#';
		else
			s->tally = ' ';
		s->cert_days_left = NAN;
		s->ke_age = -1;
		s->samples = rc->samples;
		s->bad_samples = rc->bad_samples;
		snprintf(s->bad_reason, sizeof s->bad_reason, "%s", rc->bad_reason);
		if (!rc->up)
			snprintf(s->last_error, sizeof s->last_error, "not open: %s", rc->bad_reason);
	}
	return k;
}

void ntsd_refclock_local(int stratum, const char *refid)
{
	local_stratum = stratum;
	snprintf(local_refid, sizeof local_refid, "%s", refid);
}

/* Without the sources code (no sink), the refclocks are the only sources:
 * publish them and the system variables they give (a selected refclock
 * makes this a stratum 1 server with its refid; none leaves the local
 * fallback). */
static void publish(void)
{
	double now = ntsd_sched_now();
	for (size_t i = 0; i < nclocks; i++) {
		struct ntsd_refclock *rc = &clocks[i];
		bool f = fresh(rc, now);
		if (f != rc->was_fresh) {
			if (f)
				nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "refclock %s: reachable", rc->name);
			else
				nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED,
					"refclock %s: unreachable, newest sample %.1f s old", rc->name,
					rc->last_mono > 0 ? now - rc->last_mono : -1.0);
			rc->was_fresh = f;
		}
	}
	if (sink_fn)
		return;
	struct ntsd_source_status st[NTSD_MAX_REFCLOCKS];
	struct ntsd_refclock *best = ntsd_refclock_select();
	size_t n = ntsd_refclock_status(st, NTSD_MAX_REFCLOCKS);
	struct ntsd_system_status sys;
	memset(&sys, 0, sizeof sys);
	if (best) {
		sys.synchronised = true;
		sys.stratum = 1;
		sys.leap = best->meas.leap;
		snprintf(sys.refid, sizeof sys.refid, "%s", best->conf.refid);
		sys.root_delay = 0;
		sys.root_dispersion = best->meas.dispersion;
		sys.offset = best->meas.offset;
		sys.sys_peer = best->associd;
	} else {
		sys.synchronised = false;
		sys.stratum = local_stratum;
		sys.leap = local_stratum >= 16 ? 3 : 0;
		snprintf(sys.refid, sizeof sys.refid, "%s", local_refid);
	}
	ntsd_status_publish(st, n, &sys);
}
