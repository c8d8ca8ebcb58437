/* ntsd: reference clocks. Each driver is a file of its own behind one
 * table of {init, poll, fini} (DESIGN.md rule 6); refclock.c runs them on
 * the scheduler, filters their samples once per poll interval, keeps the
 * counters and hands one measurement per poll to the sources code
 * (sources.c), where a refclock is a source like a server: clock filter,
 * selection, discipline, and what the NTP server says about itself. */
#ifndef NTSD_REFCLOCK_H
#define NTSD_REFCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nts/rcfilter.h"
#include "status.h"

#define NTSD_MAX_REFCLOCKS 8
#define NTSD_REFCLOCK_MAX_SAMPLES 128   /* per poll interval (2^7 s at 1/s) */

/* One "refclock" line (ntsd.conf(5), REFERENCE CLOCKS). */
struct ntsd_refclock_conf {
	char driver[8];          /* "shm", "pps", "nmea", "sock" */
	int unit;                /* SHM key offset, /dev/ppsN, display unit */
	char path[256];          /* device (pps, nmea) or socket (sock) */
	char refid[5];           /* "GPS", "PPS", ...; NUL-terminated */
	char lock[5];            /* pps: refid of the refclock numbering the seconds */
	double time1;            /* added to every offset (fixed delay, e.g. cable) */
	double time2;            /* nmea: end-of-line delay after the second it names */
	unsigned baud;           /* nmea */
	int poll;                /* log2 s between measurements */
	bool prefer, noselect;
	bool clear;              /* pps: the clear edge instead of assert */
	unsigned line;           /* where configured, for messages */
};

struct ntsd_refclock;

struct ntsd_refclock_driver {
	const char *name;        /* config name: "shm" */
	const char *display;     /* ntpq's remote column: "SHM" -> "SHM(0)" */
	/* Open the device or segment; 0, or -1 with a reason given to
	 * ntsd_refclock_fail() (init is retried every poll interval). */
	int (*init)(struct ntsd_refclock *rc);
	/* Called every sample_interval seconds (drivers that are driven by a
	 * file descriptor leave it NULL). */
	void (*poll)(struct ntsd_refclock *rc);
	void (*fini)(struct ntsd_refclock *rc);
	double sample_interval;
};

extern const struct ntsd_refclock_driver ntsd_refclock_shm;
extern const struct ntsd_refclock_driver ntsd_refclock_pps;
extern const struct ntsd_refclock_driver ntsd_refclock_nmea;
extern const struct ntsd_refclock_driver ntsd_refclock_sock;

/* A filtered measurement: what a refclock gives the sources code. */
struct ntsd_refclock_meas {
	double time;             /* monotonic seconds (scheduler clock): the mean time of the
	                          * readings averaged, when the measurement is valid */
	double r;                /* their mean offset plus the discipline's corrections when
	                          * taken (an uncorrected clock's offset), at time */
	double offset;           /* true minus local (time1/time2 applied), brought to the
	                          * end of the poll interval: what status shows */
	double dispersion;       /* precision plus the standard error of r */
	double jitter;           /* spread of one reading (winsorized standard deviation) */
	int leap;
	unsigned nsamples;       /* readings in the interval */
	unsigned used;           /* of them averaged */
	struct timespec when;    /* local realtime of the newest sample */
};

struct ntsd_refclock {
	const struct ntsd_refclock_driver *drv;
	struct ntsd_refclock_conf conf;
	char name[32];           /* "SHM(0)" */
	uint16_t associd;
	bool in_use;
	void *priv;              /* the driver's state */
	bool up;                 /* init succeeded and not failed since */
	/* samples of the current poll interval, each as offset + the
	 * discipline's correction when taken (a frame that slewing does not
	 * move) with its time */
	struct nts_rcfilter_reading rd[NTSD_REFCLOCK_MAX_SAMPLES];
	size_t n;
	struct nts_rcfilter_noise noise;   /* long-term spread of its readings */
	int leap;
	struct timespec newest;
	/* the last raw sample, for a PPS locked to this one */
	double last_offset, last_mono;
	/* the last measurement */
	bool have_meas;
	struct ntsd_refclock_meas meas;
	double meas_mono;
	uint8_t reach;
	char tally;              /* what selection made of it (sources.c) */
	bool was_fresh;          /* for the log line when that changes */
	/* counters */
	uint64_t samples, bad_samples;
	char bad_reason[64];
	double bad_logged_mono;  /* bad input is logged once a minute at most */
	uint64_t bad_unlogged;
	uint64_t poll_timer, sample_timer, stale_timer;
};

/* ---- for drivers */
/* One sample: offset = true minus local time at local realtime instant
 * 'at' (before time1). leap as in the NTP header. */
void ntsd_refclock_sample(struct ntsd_refclock *rc, const struct timespec *at, double offset,
			  int leap);
/* Bad input: counted, remembered as the reason, logged once a minute. */
void ntsd_refclock_bad(struct ntsd_refclock *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The device failed (vanished, EOF): count it as bad, call fini, retry
 * init at the next poll. */
void ntsd_refclock_fail(struct ntsd_refclock *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The newest raw offset of the refclock with this refid, if it is under
 * max_age seconds old (a PPS numbers its seconds with it). */
bool ntsd_refclock_coarse(const char *refid, double max_age, double *offset);

/* ---- for the daemon */
/* Parse one "refclock ..." line (argv[0] == "refclock") into conf; on an
 * error writes "FILE:LINE: reason" to err and returns NTS_E_CONF. Accepts
 * NTPsec's "refclock shm unit 0 refid GPS ..." and chrony's
 * "refclock SHM 0 refid GPS ..." forms. */
struct nts_conf_line;
int ntsd_refclock_conf_parse(const struct nts_conf_line *l, struct ntsd_refclock_conf *conf,
			     char *err, size_t errlen);

/* Where a refclock's news goes: the sources code, which runs the same
 * filter, selection and discipline for it as for a server. */
struct ntsd_refclock_sink {
	/* A poll interval closed, or the refclock went silent: fresh is true
	 * when rc->meas is a new measurement. */
	void (*update)(void *arg, struct ntsd_refclock *rc, bool fresh);
	/* The discipline's total correction at monotonic time now (NULL: 0). */
	double (*correction)(void *arg, double now);
	/* The clock's own frequency error the discipline believes in, s/s:
	 * in the uncorrected frame an offset grows by it (NULL: 0). */
	double (*frequency)(void *arg);
	void *arg;
};
void ntsd_refclock_set_sink(const struct ntsd_refclock_sink *sink);

/* Start one configured refclock on the scheduler (init now, then retried
 * every poll interval while it fails). NULL when all NTSD_MAX_REFCLOCKS
 * are in use or the driver is unknown. */
struct ntsd_refclock *ntsd_refclock_new(const struct ntsd_refclock_conf *conf, uint16_t associd);
void ntsd_refclock_free(struct ntsd_refclock *rc);

/* Reachable: measured in its last poll interval and its newest sample is
 * at most one poll interval old, on the scheduler's clock. A refclock that
 * is not is no source. */
bool ntsd_refclock_reachable(const struct ntsd_refclock *rc);

/* The status entry of a refclock (type 'l', stratum 0, its counters). */
void ntsd_refclock_status(const struct ntsd_refclock *rc, struct ntsd_source_status *st);

#endif
