/* Unit tests of ntsd's reference clock core and its configuration
 * (refclock.c, refclock_conf.c) with the real sources code (sources.c:
 * selection, discipline in -x mode, the server's system variables) on a
 * fake scheduler, a fake driver, fake associations and a fake clock:
 * filtering, reach, silence, selection among refclocks and servers,
 * bad-input counting, status. */
#include <config.h>

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/conf.h"
#include "nts/err.h"
#include "assoc.h"
#include "clock.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "ntsd.h"
#include "refclock.h"
#include "sched.h"
#include "sources.h"
#include "status.h"

/* ---- a fake scheduler: timers fire when the test advances the time */
#define FAKE_TIMERS 64
static struct {
	double due;
	ntsd_sched_timer_fn fn;
	void *arg;
	uint64_t id;
} timers[FAKE_TIMERS];
static double fake_now = 1000.0;
static uint64_t next_id = 1;

void ntsd_sched_init(void)
{
	memset(timers, 0, sizeof timers);
}
double ntsd_sched_now(void)
{
	return fake_now;
}
uint64_t ntsd_sched_timer(double delay, ntsd_sched_timer_fn fn, void *arg)
{
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (!timers[i].fn) {
			timers[i].due = fake_now + (delay > 0 ? delay : 0);
			timers[i].fn = fn;
			timers[i].arg = arg;
			timers[i].id = next_id++;
			return timers[i].id;
		}
	return 0;
}
void ntsd_sched_cancel(uint64_t id)
{
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (timers[i].fn && timers[i].id == id)
			timers[i].fn = NULL;
}
int ntsd_sched_fd(int fd, short events, ntsd_sched_fd_fn fn, void *arg)
{
	(void)fd, (void)events, (void)fn, (void)arg;
	return 0;
}
void ntsd_sched_fd_remove(int fd)
{
	(void)fd;
}
void ntsd_sched_quit(void)
{
}

/* ---- the clock driver: -x, so sources.c never asks for more than this */
int ntsd_clock_init(bool no_clock, double *freq)
{
	(void)no_clock;
	*freq = 0;
	return 0;
}
int ntsd_clock_set_freq(double freq)
{
	(void)freq;
	return 0;
}
int ntsd_clock_step(double offset)
{
	(void)offset;
	return 0;
}
int ntsd_clock_set_status(bool synchronised, int leap, double est_error, double max_error)
{
	(void)synchronised, (void)leap, (void)est_error, (void)max_error;
	return 0;
}

/* ---- server associations: one fake server whose estimate the test sets */
static double fake_server_offset;
static bool fake_server_up;
static struct ntsd_assoc *fake_assoc;
static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}
struct ntsd_assoc *ntsd_assoc_new(struct ntsd *d, const struct ntsd_server_conf *sc,
				  const struct sockaddr *addr, socklen_t len, uint16_t associd)
{
	struct ntsd_assoc *a = calloc(1, sizeof *a);
	ck_assert_ptr_nonnull(a);
	a->d = d;
	a->sc = sc;
	a->associd = associd;
	snprintf(a->name, sizeof a->name, "%.127s", sc->host);
	if (addr && len <= sizeof a->addr) {
		memcpy(&a->addr, addr, len);
		a->addrlen = len;
	}
	a->fd = -1;
	a->stratum = 1;
	a->leap = 0;
	a->refid = 0x47505300u;
	a->root_delay = 0.0001;
	a->root_disp = 0.0001;
	nts_filter_init(&a->filt, 0);
	struct nts_sample smp = { .offset = fake_server_offset, .delay = 0.0002, .disp = 1e-6,
				  .time = mono_now() };
	a->have_est = fake_server_up && nts_filter_add(&a->filt, &smp);
	a->reach = fake_server_up ? 0xff : 0;
	fake_assoc = a;
	return a;
}
void ntsd_assoc_free(struct ntsd_assoc *a)
{
	if (a == fake_assoc)
		fake_assoc = NULL;
	free(a);
}
void ntsd_assoc_status(const struct ntsd_assoc *a, struct ntsd_source_status *st, double now)
{
	(void)now;
	memset(st, 0, sizeof *st);
	st->associd = a->associd;
	snprintf(st->name, sizeof st->name, "%s", a->name);
	st->type = 'u';
	st->tally = a->tally;
	st->stratum = a->stratum;
	st->reachable = a->reach != 0;
}
void ntsd_assoc_set_poll(struct ntsd_assoc *a, int poll)
{
	a->poll = poll;
}

/* Run every timer due up to t, in order. */
static void advance(double t)
{
	for (int guard = 0; guard < 10000; guard++) {
		size_t best = FAKE_TIMERS;
		for (size_t i = 0; i < FAKE_TIMERS; i++)
			if (timers[i].fn && timers[i].due <= t &&
			    (best == FAKE_TIMERS || timers[i].due < timers[best].due))
				best = i;
		if (best == FAKE_TIMERS)
			break;
		fake_now = timers[best].due;
		ntsd_sched_timer_fn fn = timers[best].fn;
		timers[best].fn = NULL;
		fn(timers[best].arg);
	}
	fake_now = t;
}

/* ---- the drivers the core links: a fake one under every name */
static double fake_offset[4];
static bool fake_silent[4], fake_bad[4], fake_open_fails[4];
static int fake_inits[4];

static int unit_of(const struct ntsd_refclock *rc)
{
	return rc->conf.unit & 3;
}
static int fake_init(struct ntsd_refclock *rc)
{
	fake_inits[unit_of(rc)]++;
	if (fake_open_fails[unit_of(rc)]) {
		ntsd_refclock_fail(rc, "cannot open fake: No such device");
		return -1;
	}
	return 0;
}
static void fake_poll(struct ntsd_refclock *rc)
{
	int u = unit_of(rc);
	if (fake_silent[u])
		return;
	if (fake_bad[u]) {
		ntsd_refclock_bad(rc, "NMEA checksum missing or wrong");
		return;
	}
	struct timespec at = { .tv_sec = (time_t)fake_now, .tv_nsec = 0 };
	ntsd_refclock_sample(rc, &at, fake_offset[u], 0);
}
static void fake_fini(struct ntsd_refclock *rc)
{
	(void)rc;
}
const struct ntsd_refclock_driver ntsd_refclock_shm = { "shm", "SHM", fake_init, fake_poll, fake_fini, 1.0 };
const struct ntsd_refclock_driver ntsd_refclock_pps = { "pps", "PPS", fake_init, fake_poll, fake_fini, 1.0 };
const struct ntsd_refclock_driver ntsd_refclock_nmea = { "nmea", "NMEA", fake_init, fake_poll, fake_fini, 1.0 };
const struct ntsd_refclock_driver ntsd_refclock_sock = { "sock", "SOCK", fake_init, fake_poll, fake_fini, 1.0 };

static int warnings;
static char last_warning[256];
static void count_sink(void *ctx, int level, const char *tag, const char *msg)
{
	(void)ctx, (void)tag;
	if (level <= NTS_LOG_WARNING) {
		warnings++;
		snprintf(last_warning, sizeof last_warning, "%s", msg);
	}
}

static struct ntsd daemon;

static void reset(void)
{
	ntsd_sources_stop();
	ntsd_sched_init();
	fake_server_offset = 0;
	fake_server_up = false;
	memset(fake_offset, 0, sizeof fake_offset);
	memset(fake_silent, 0, sizeof fake_silent);
	memset(fake_bad, 0, sizeof fake_bad);
	memset(fake_open_fails, 0, sizeof fake_open_fails);
	memset(fake_inits, 0, sizeof fake_inits);
	warnings = 0;
	nts_log_set_sink(count_sink, NULL);
}

/* Parse a config text into cfg; returns the error count, last error in err. */
static char conf_err[512];
static void errf(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(conf_err, sizeof conf_err, "%s", msg);
}
static int parse(struct ntsd_config *cfg, const char *text)
{
	ntsd_config_defaults(cfg);
	conf_err[0] = '\0';
	return ntsd_config_parse(cfg, "t.conf", text, strlen(text), errf, NULL);
}

static struct ntsd_config cfg;

/* Start the sources of a config text, as ntsd -x would. */
static void start(const char *text)
{
	ck_assert_int_eq(parse(&daemon.cfg, text), 0);
	daemon.cfg.no_adjust = true;
	ck_assert_int_eq(ntsd_sources_start(&daemon), NTS_OK);
}

/* What the NTP server would answer with (RFC 5905 section 9.2 fields). */
static struct ntp_hdr served(void)
{
	struct ntp_hdr h = { 0 };
	ntsd_sources_server_vars(&daemon.cfg, &h);
	return h;
}

/* ---- configuration */

START_TEST(conf_ntpsec_forms)
{
	ck_assert_int_eq(parse(&cfg, "refclock shm unit 0 refid GPS time1 -0.2 prefer\n"
				     "refclock pps unit 0 path /dev/pps0 lock GPS clear\n"
				     "refclock nmea unit 1 path /dev/ttyS0 baud 4800 time2 0.35 noselect\n"
				     "refclock sock /run/chrony.ttyS0.sock refid NMEA minpoll 3\n"),
			 0);
	ck_assert_uint_eq(cfg.nrefclock, 4);
	const struct ntsd_refclock_conf *c = cfg.refclock;
	ck_assert_str_eq(c[0].driver, "shm");
	ck_assert_int_eq(c[0].unit, 0);
	ck_assert_str_eq(c[0].refid, "GPS");
	ck_assert(c[0].time1 == -0.2 && c[0].prefer && !c[0].noselect);
	ck_assert_int_eq(c[0].poll, 4);
	ck_assert_str_eq(c[1].driver, "pps");
	ck_assert_str_eq(c[1].path, "/dev/pps0");
	ck_assert_str_eq(c[1].lock, "GPS");
	ck_assert_str_eq(c[1].refid, "PPS");
	ck_assert(c[1].clear);
	ck_assert_str_eq(c[2].path, "/dev/ttyS0");
	ck_assert_uint_eq(c[2].baud, 4800);
	ck_assert(c[2].time2 == 0.35 && c[2].noselect);
	ck_assert_str_eq(c[2].refid, "GPS");
	ck_assert_str_eq(c[3].driver, "sock");
	ck_assert_str_eq(c[3].path, "/run/chrony.ttyS0.sock");
	ck_assert_str_eq(c[3].refid, "NMEA");
	ck_assert_int_eq(c[3].poll, 3);
	ck_assert_uint_eq(c[3].line, 4);
}
END_TEST

START_TEST(conf_chrony_forms)
{
	ck_assert_int_eq(parse(&cfg, "refclock SHM 0 refid GPS offset 0.5 poll 2\n"
				     "refclock PPS /dev/pps1 lock GPS\n"
				     "refclock SOCK /run/chrony.pps0.sock refid PPS\n"),
			 0);
	ck_assert_uint_eq(cfg.nrefclock, 3);
	ck_assert_str_eq(cfg.refclock[0].driver, "shm");
	ck_assert(cfg.refclock[0].time1 == 0.5);
	ck_assert_int_eq(cfg.refclock[0].poll, 2);
	ck_assert_str_eq(cfg.refclock[1].path, "/dev/pps1");
	ck_assert_str_eq(cfg.refclock[2].refid, "PPS");
}
END_TEST

static const struct {
	const char *line;
	const char *want;   /* substring of the error */
} bad_conf[] = {
	{ "refclock\n", "t.conf:1: usage: refclock" },
	{ "refclock gps unit 0\n", "unknown driver 'gps'" },
	{ "refclock shm refid GPS\n", "'unit N' is required" },
	{ "refclock shm unit 100\n", "unit '100' is not 0..99" },
	{ "refclock shm unit 0 refid TOOLONG\n", "must be 1-4 letters" },
	{ "refclock shm unit 0 time1\n", "'time1' needs a value" },
	{ "refclock shm unit 0 time1 fast\n", "time1 'fast' is not seconds" },
	{ "refclock shm unit 0 time1 nan\n", "is not seconds" },
	{ "refclock shm unit 0 fudge 1\n", "unknown option 'fudge'" },
	{ "refclock shm unit 0 time2 0.1\n", "'time2' is for nmea only" },
	{ "refclock shm unit 0 clear\n", "'clear' is for pps only" },
	{ "refclock shm unit 0 path /dev/x\n", "takes no path" },
	{ "refclock nmea unit 0 path /dev/ttyS0 baud 1200\n", "baud '1200' is not one of" },
	{ "refclock nmea unit 0 path dev/ttyS0\n", "must be absolute" },
	{ "refclock sock\n", "a socket PATH is required" },
	{ "refclock pps unit 0 lock PPS\n", "cannot lock to itself" },
	{ "refclock shm unit 0 lock GPS\n", "'lock' is for pps and sock only" },
	{ "refclock shm unit 0 minpoll 11\n", "minpoll '11' is not 0..10" },
	{ "refclock shm unit 0\nrefclock shm unit 0\n", "t.conf:2: refclock shm unit 0 already configured on line 1" },
	{ "refclock SHM x\n", "SHM unit 'x' is not 0..99" },
};

START_TEST(conf_errors)
{
	ck_assert_int_eq(parse(&cfg, bad_conf[_i].line), 1);
	ck_assert_msg(strstr(conf_err, bad_conf[_i].want) != NULL, "%s: got '%s', want '%s'",
		      bad_conf[_i].line, conf_err, bad_conf[_i].want);
	ck_assert_msg(strncmp(conf_err, "t.conf:", 7) == 0, "no FILE:LINE in '%s'", conf_err);
}
END_TEST

START_TEST(conf_too_many)
{
	char text[2048] = "";
	for (int i = 0; i <= NTSD_MAX_REFCLOCKS; i++) {
		size_t n = strlen(text);
		snprintf(text + n, sizeof text - n, "refclock shm unit %d\n", i);
	}
	ck_assert_int_eq(parse(&cfg, text), 1);
	ck_assert_ptr_nonnull(strstr(conf_err, "more than"));
}
END_TEST

/* ---- the core */

/* The published snapshot, which is refreshed every second. */
static size_t status(struct ntsd_source_status *st)
{
	return ntsd_status_sources(st, NTSD_STATUS_MAX_SOURCES);
}

START_TEST(core_reach_and_silence)
{
	reset();
	fake_offset[0] = -0.05;
	start("local stratum 10 refid LOCL\nrefclock shm unit 0 refid GPS time1 0.1 minpoll 2\n");
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	struct ntsd_system_status sys;
	ck_assert_uint_eq(status(st), 1);
	ck_assert_str_eq(st[0].name, "SHM(0)");
	ck_assert_str_eq(st[0].refid, ".GPS.");
	ck_assert_int_eq(st[0].type, 'l');
	ck_assert_int_eq(st[0].stratum, 0);
	ck_assert_uint_eq(st[0].associd, 1);
	ck_assert(!st[0].reachable);
	/* before a measurement: the local fallback */
	struct ntp_hdr h = served();
	ck_assert_uint_eq(h.stratum, 10);
	ck_assert_uint_eq(h.refid, 0x4c4f434cu);
	advance(fake_now + 4.5);   /* one poll interval of 4 s */
	status(st);
	ck_assert(st[0].reachable);
	ck_assert_uint_eq(st[0].reach, 1);
	ck_assert(fabs(st[0].offset - 0.05) < 1e-9);   /* time1 applied */
	ck_assert_uint_eq(st[0].samples, 4);
	ck_assert_int_eq(st[0].tally, '*');
	/* selected through sources.c: a stratum 1 server with the refid */
	ntsd_status_system(&sys);
	ck_assert(sys.synchronised);
	ck_assert_int_eq(sys.stratum, 1);
	ck_assert_str_eq(sys.refid, "GPS");
	ck_assert_uint_eq(sys.sys_peer, 1);
	ck_assert(fabs(sys.offset - 0.05) < 1e-6);   /* the discipline saw it */
	h = served();
	ck_assert_uint_eq(h.stratum, 1);
	ck_assert_uint_eq(h.leap, 0);
	ck_assert_uint_eq(h.refid, 0x47505300u);
	advance(fake_now + 8);
	status(st);
	ck_assert_uint_eq(st[0].reach, 7);
	/* the writer goes silent: unreachable within the poll, not later */
	fake_silent[0] = true;
	advance(fake_now + 4.6);
	status(st);
	ck_assert(!st[0].reachable);
	ck_assert_int_eq(st[0].tally, ' ');
	ntsd_status_system(&sys);
	ck_assert(!sys.synchronised);
	h = served();
	ck_assert_uint_eq(h.stratum, 10);
	ck_assert_uint_eq(h.refid, 0x4c4f434cu);
	/* and back */
	fake_silent[0] = false;
	advance(fake_now + 4);
	ntsd_status_system(&sys);
	ck_assert(sys.synchronised);
	ck_assert_uint_eq(served().stratum, 1);
}
END_TEST

START_TEST(core_silent_mid_interval)
{
	/* silent just after a poll that still had samples: unreachable once the
	 * newest sample is a poll interval old, not a whole interval later */
	reset();
	start("local stratum 9\nrefclock shm unit 0 refid GPS minpoll 2\n");
	double t0 = fake_now;
	advance(t0 + 5.2);   /* samples at +1..+5, a measurement at +4 */
	fake_silent[0] = true;
	advance(t0 + 8.5);   /* the poll at +8 still saw the sample of +5 */
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	struct ntsd_system_status sys;
	status(st);
	ck_assert(st[0].reachable);
	ntsd_status_system(&sys);
	ck_assert(sys.synchronised);
	advance(t0 + 9.7);   /* newest sample (+5) more than the 4 s poll old,
	                      * before the poll of +12 */
	status(st);
	ck_assert(!st[0].reachable);
	ntsd_status_system(&sys);
	ck_assert(!sys.synchronised);
	ck_assert_uint_eq(served().stratum, 9);
}
END_TEST

START_TEST(core_bad_input_logged_once_a_minute)
{
	reset();
	fake_bad[0] = true;
	start("refclock nmea unit 0 path /dev/ttyS0\n");
	advance(fake_now + 180.5);   /* 180 bad sentences over three minutes */
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	status(st);
	ck_assert_uint_eq(st[0].bad_samples, 180);
	ck_assert_uint_eq(st[0].samples, 0);
	ck_assert_str_eq(st[0].bad_reason, "NMEA checksum missing or wrong");
	ck_assert_int_ge(warnings, 3);
	ck_assert_int_le(warnings, 4);
	ck_assert_ptr_nonnull(strstr(last_warning, "more bad samples"));
	ck_assert(!st[0].reachable);
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	ck_assert(!sys.synchronised);
	ck_assert_uint_eq(served().leap, NTP_LEAP_UNSYNC);   /* no local fallback */
}
END_TEST

START_TEST(core_select_pps_lock_noselect_prefer)
{
	reset();
	fake_offset[0] = 0.1;
	fake_offset[1] = 0.001;
	fake_offset[2] = 0.001;
	start("refclock shm unit 0 refid GPS noselect\n"
	      "refclock pps unit 1 lock GPS\n"
	      "refclock shm unit 2 refid XTRA\n");
	advance(fake_now + 16.5);
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	ck_assert_uint_eq(status(st), 3);
	/* noselect is never selected (100 ms off, it would be a falseticker);
	 * the PPS numbered by it and XTRA agree */
	ck_assert_int_eq(st[0].tally, ' ');
	ck_assert(st[0].reachable);
	ck_assert(st[1].tally == '*' || st[2].tally == '*');
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	ck_assert_int_eq(sys.stratum, 1);
	/* the coarse offset is the lock source's newest sample */
	double coarse;
	ck_assert(ntsd_refclock_coarse("GPS", 4.0, &coarse));
	ck_assert(coarse == 0.1);
	ck_assert(!ntsd_refclock_coarse("NONE", 4.0, &coarse));
	fake_silent[0] = true;
	advance(fake_now + 5);
	ck_assert(!ntsd_refclock_coarse("GPS", 4.0, &coarse));
	/* two that agree: prefer names the system peer */
	reset();
	start("refclock shm unit 0 refid GPS\nrefclock pps unit 1 prefer\n");
	advance(fake_now + 16.5);
	ntsd_status_system(&sys);
	ck_assert_str_eq(sys.refid, "PPS");
	status(st);
	ck_assert_int_eq(st[0].tally, '+');
	ck_assert_int_eq(st[1].tally, '*');
}
END_TEST

START_TEST(core_refclock_and_server)
{
	/* a refclock with two plain servers that agree: all take part, the
	 * refclock (stratum 0) is the system peer; when it jumps 0.5 s (a
	 * receiver gone wrong) the servers outvote it; when it goes silent
	 * they keep the time, and ntsd answers stratum 2 with the address of
	 * a server as refid */
	reset();
	fake_server_up = true;
	fake_server_offset = 0.0002;
	fake_offset[0] = 0.0001;
	start("refclock shm unit 0 refid GPS minpoll 2\nserver 127.0.0.1 iburst\nserver 127.0.0.2\n");
	ck_assert_ptr_nonnull(fake_assoc);
	advance(fake_now + 4.5);
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	ck_assert_uint_eq(status(st), 3);
	ck_assert_str_eq(st[0].name, "SHM(0)");
	ck_assert_int_eq(st[0].tally, '*');
	ck_assert_int_eq(st[1].tally, '+');
	ck_assert_int_eq(st[2].tally, '+');
	struct ntp_hdr h = served();
	ck_assert_uint_eq(h.stratum, 1);
	ck_assert_uint_eq(h.refid, 0x47505300u);
	fake_offset[0] = 0.5;
	advance(fake_now + 4);
	status(st);
	ck_assert_int_eq(st[0].tally, 'x');
	ck_assert(st[1].tally == '*' || st[2].tally == '*');
	ck_assert_uint_eq(served().stratum, 2);
	/* the falseticker's next measurements do not feed the servers'
	 * unchanged estimate to the discipline again (no clock update) */
	struct ntsd_system_status sys0, sys1;
	ntsd_status_system(&sys0);
	advance(fake_now + 8);
	ntsd_status_system(&sys1);
	ck_assert(sys1.reftime == sys0.reftime);
	ck_assert_int_eq(st[0].tally, 'x');
	fake_offset[0] = 0.0001;
	fake_silent[0] = true;
	advance(fake_now + 8);
	status(st);
	ck_assert_int_eq(st[0].tally, ' ');
	ck_assert(st[1].tally == '*' || st[2].tally == '*');
	h = served();
	ck_assert_uint_eq(h.stratum, 2);
	ck_assert(h.refid == 0x7f000001u || h.refid == 0x7f000002u);
}
END_TEST

/* The discipline corrects a 100 ppm clock: corrections grow at 100 ppm and
 * the clock's own drift cancels them, so a refclock that reads a constant
 * offset must measure that constant, not the mean age of its samples times
 * 100 ppm (0.8 ms at poll 4, as clknetsim's bench-refclock first showed). */
static struct ntsd_refclock *sink_rc;
static bool sink_fresh;
static void sink_update(void *arg, struct ntsd_refclock *rc, bool fresh)
{
	(void)arg;
	sink_rc = rc;
	sink_fresh = fresh;
}
static double sink_corr(void *arg, double now)
{
	(void)arg;
	return 1e-4 * (now - 1000.0);
}
static double sink_freq(void *arg)
{
	(void)arg;
	return 1e-4;
}

START_TEST(core_frame_of_a_corrected_clock)
{
	reset();
	ck_assert_int_eq(parse(&cfg, "refclock shm unit 0 refid GPS\n"), 0);
	struct ntsd_refclock_sink sk = { .update = sink_update, .correction = sink_corr,
					 .frequency = sink_freq, .arg = NULL };
	ntsd_refclock_set_sink(&sk);
	fake_offset[0] = 0.001;
	sink_rc = NULL;
	struct ntsd_refclock *rc = ntsd_refclock_new(&cfg.refclock[0], 5);
	ck_assert_ptr_nonnull(rc);
	advance(fake_now + 16.5);
	ck_assert_ptr_eq(sink_rc, rc);
	ck_assert(sink_fresh);
	ck_assert_uint_eq(rc->meas.nsamples, 16);
	ck_assert_msg(fabs(rc->meas.offset - 0.001) < 1e-9, "offset %.9f", rc->meas.offset);
	/* the middle 60 % averaged, valid at their mean time, seconds before
	 * the interval closed, where r (offset + corrections) is what an
	 * uncorrected clock showed then */
	ck_assert_uint_eq(rc->meas.used, 10);
	ck_assert_msg(rc->meas.time > 1003.0 && rc->meas.time < fake_now - 4.0, "time %.3f now %.3f",
		      rc->meas.time, fake_now);
	double r_then = 0.001 + 1e-4 * (rc->meas.time - 1000.0);
	ck_assert_msg(fabs(rc->meas.r - r_then) < 1e-9, "r %.9f, want %.9f", rc->meas.r, r_then);
	/* steady readings: a precision's dispersion, no spread */
	ck_assert_msg(rc->meas.dispersion < 2e-6 && rc->meas.jitter < 1e-9, "disp %g jitter %g",
		      rc->meas.dispersion, rc->meas.jitter);
	ntsd_refclock_free(rc);
	ntsd_refclock_set_sink(NULL);
}
END_TEST

START_TEST(core_device_retry)
{
	reset();
	fake_open_fails[0] = true;
	start("refclock pps unit 0 minpoll 1\n");
	advance(fake_now + 6.5);
	struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	status(st);
	ck_assert_int_eq(fake_inits[0], 4);   /* at start, then once per 2 s poll */
	ck_assert_ptr_nonnull(strstr(st[0].last_error, "cannot open fake"));
	ck_assert(!st[0].reachable);
	fake_open_fails[0] = false;
	advance(fake_now + 4);
	status(st);
	ck_assert(st[0].reachable);
	ck_assert_str_eq(st[0].last_error, "");
}
END_TEST

START_TEST(refid_word)
{
	ck_assert_uint_eq(ntsd_status_refid_word("GPS"), 0x47505300u);
	ck_assert_uint_eq(ntsd_status_refid_word("PPS"), 0x50505300u);
	ck_assert_uint_eq(ntsd_status_refid_word("LOCL"), 0x4c4f434cu);
	ck_assert_uint_eq(ntsd_status_refid_word("192.0.2.1"), 0xc0000201u);
	ck_assert_uint_eq(ntsd_status_refid_word(""), 0);
}
END_TEST

static Suite *refclock_suite(void)
{
	Suite *s = suite_create("ntsd-refclock");
	TCase *t = tcase_create("conf");
	tcase_add_test(t, conf_ntpsec_forms);
	tcase_add_test(t, conf_chrony_forms);
	tcase_add_loop_test(t, conf_errors, 0, (int)(sizeof bad_conf / sizeof bad_conf[0]));
	tcase_add_test(t, conf_too_many);
	suite_add_tcase(s, t);
	t = tcase_create("core");
	tcase_add_test(t, core_reach_and_silence);
	tcase_add_test(t, core_silent_mid_interval);
	tcase_add_test(t, core_bad_input_logged_once_a_minute);
	tcase_add_test(t, core_select_pps_lock_noselect_prefer);
	tcase_add_test(t, core_refclock_and_server);
	tcase_add_test(t, core_device_retry);
	tcase_add_test(t, core_frame_of_a_corrected_clock);
	tcase_add_test(t, refid_word);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(refclock_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
