/* ntsd: the time sources together (sources.h). Associations and reference
 * clocks report here; selection and the discipline run in libnts; the clock
 * driver applies. A refclock is a source like a server: stratum 0, its
 * measurements through a clock filter into the same selection. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assoc.h"
#include "common/mono.h"
#include "clock.h"
#include "nts/discipline.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "nts/select.h"
#include "ntsd.h"
#include "refclock.h"
#include "sched.h"
#include "sources.h"
#include "status.h"

#define POOL_SIZE 4              /* associations per pool line */
#define RESOLVE_RETRY 60.0       /* s, after a failed lookup */
#define POOL_CHECK 64.0          /* s between looks for unreachable pool members */
#define POOL_GIVE_UP_POLLS 8     /* polls without an answer before a member is replaced */
#define DRIFT_SAVE 3600.0        /* s */
#define REFCLOCK_PUBLISH 1.0     /* s: refclock counters and ages move every second */
#define REFCLOCK_SLEW_POLLS 2    /* the discipline's poll may rise this far above a refclock's */

/* A source: a server association, or a reference clock with its filter. */
struct slot {
	struct ntsd_assoc *a;
	size_t conf;                 /* index into cfg.servers */
	struct ntsd_refclock *rc;
	struct nts_filter filt;      /* refclock: one stage, each poll's measurement */
	bool have_est;
};

/* What selection and the system variables need of a source, whatever it is. */
struct src {
	uint16_t associd;
	const char *name;
	bool usable;                 /* reachable, has an estimate, may be selected */
	bool authenticated, prefer;
	int stratum, leap;
	double root_delay, root_disp;
	const struct nts_filter *filt;
};

static struct {
	struct ntsd *d;
	struct slot s[NTSD_STATUS_MAX_SOURCES];
	size_t n;
	uint16_t next_associd;
	struct nts_disc disc;
	uint64_t disc_timer;
	struct ntsd_system_status sys;
	bool panicked;
	bool resolved[NTSD_MAX_SERVERS];
	uint64_t publish_timer;
} S;

double ntsd_sources_correction(double now)
{
	return nts_disc_correction(&S.disc, now);
}

bool ntsd_sources_panicked(void)
{
	return S.panicked;
}

void ntsd_refid_text(int stratum, uint32_t refid, char *buf, size_t len)
{
	if (stratum <= 1) {
		char t[5];
		for (int i = 0; i < 4; i++) {
			char c = (char)(refid >> (24 - 8 * i));
			t[i] = c >= 0x20 && c < 0x7f ? c : '\0';
		}
		t[4] = '\0';
		snprintf(buf, len, ".%s.", t);
		return;
	}
	struct in_addr in = { .s_addr = htonl(refid) };
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &in, a, sizeof a);
	snprintf(buf, len, "%s", a);
}

/* RFC 5905 section 7.3: an IPv4 upstream is named by its address, an IPv6
 * one by the first four octets of the MD5 hash of its address. */
static uint32_t refid_of(const struct slot *sl)
{
	if (sl->rc)   /* a reference clock: its refid text, e.g. "GPS" */
		return ntsd_status_refid_word(sl->rc->conf.refid);
	const struct ntsd_assoc *a = sl->a;
	if (a->addr.ss_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr.s_addr);
	uint8_t md[16];
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&a->addr;
	if (gnutls_hash_fast(GNUTLS_DIG_MD5, &in6->sin6_addr, 16, md) != 0)
		return 0;
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

/* ---- the driftfile: one number, the frequency correction in ppm (as ntpd) */

static bool drift_read(const char *path, double *freq)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	double ppm;
	bool ok = fscanf(f, "%lf", &ppm) == 1 && fabs(ppm) <= 50000;
	fclose(f);
	if (ok)
		*freq = ppm * 1e-6;
	return ok;
}

static void drift_write(void)
{
	const char *path = S.d->cfg.driftfile;
	if (!path[0] || S.d->cfg.no_adjust || S.disc.updates < 4)
		return;
	char tmp[NTSD_PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "driftfile %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "%.3f\n", S.disc.base_freq * 1e6);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "driftfile %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

static void drift_timer(void *arg)
{
	(void)arg;
	drift_write();
	ntsd_sched_timer(DRIFT_SAVE, drift_timer, NULL);
}

/* ---- status */

static void publish(void)
{
	static struct ntsd_source_status st[NTSD_STATUS_MAX_SOURCES];
	double now = mono_now();
	size_t k = 0;
	for (size_t i = 0; i < S.n; i++) {
		if (S.s[i].a)
			ntsd_assoc_status(S.s[i].a, &st[k++], now);
		else if (S.s[i].rc)
			ntsd_refclock_status(S.s[i].rc, &st[k++]);
	}
	ntsd_status_publish(st, k, &S.sys);
}

static void publish_timer(void *arg)
{
	(void)arg;
	S.publish_timer = ntsd_sched_timer(REFCLOCK_PUBLISH, publish_timer, NULL);
	publish();
}

static void src_of(const struct slot *sl, struct src *o)
{
	memset(o, 0, sizeof *o);
	if (sl->a) {
		const struct ntsd_assoc *a = sl->a;
		o->associd = a->associd;
		o->name = a->name;
		o->usable = a->have_est && a->reach != 0 && !a->sc->noselect &&
			    a->leap != NTP_LEAP_UNSYNC && a->stratum < 16;
		o->authenticated = a->sc->nts;
		o->prefer = a->sc->prefer;
		o->stratum = a->stratum;
		o->leap = a->leap;
		o->root_delay = a->root_delay;
		o->root_disp = a->root_disp;
		o->filt = &a->filt;
		return;
	}
	const struct ntsd_refclock *rc = sl->rc;
	o->associd = rc->associd;
	o->name = rc->name;
	o->usable = sl->have_est && !rc->conf.noselect && ntsd_refclock_reachable(rc) &&
		    rc->meas.leap != NTP_LEAP_UNSYNC;
	/* our own hardware, not the network: no one can forge it, so it takes
	 * part with whichever group selection uses (the NTS sources while one
	 * is usable, else the plain ones), never alone against the others: a
	 * receiver gone wrong must be outvoted (set in reselect) */
	o->prefer = rc->conf.prefer;
	o->stratum = 0;
	o->leap = rc->meas.leap;
	o->filt = &sl->filt;
}

/* ---- applying the discipline's actions */

static void disc_tick(void *arg);

static void apply(const struct nts_disc_action *act)
{
	switch (act->kind) {
	case NTS_DISC_PANIC:
		nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT,
			"offset %.3f s is over the panic threshold (tinker panic): set the clock by hand, "
			"or start with -g; exiting", act->step);
		S.panicked = true;
		ntsd_sched_quit();
		return;
	case NTS_DISC_STEP:
		nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "stepping the clock by %+.6f s", act->step);
		if (ntsd_clock_step(act->step) != 0)
			nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "clock step: %s", strerror(errno));
		/* the frequency is set too */
		__attribute__((fallthrough));
	case NTS_DISC_FREQ:
		if (ntsd_clock_set_freq(act->freq) != 0)
			nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "clock frequency: %s", strerror(errno));
		break;
	case NTS_DISC_NONE:
		break;
	}
	if (act->recheck > 0) {
		ntsd_sched_cancel(S.disc_timer);
		S.disc_timer = ntsd_sched_timer(act->recheck, disc_tick, NULL);
	}
}

static void disc_tick(void *arg)
{
	(void)arg;
	S.disc_timer = 0;
	struct nts_disc_action act;
	nts_disc_tick(&S.disc, mono_now(), &act);
	apply(&act);
}

/* ---- selection */

static void set_unsynchronised(void)
{
	S.sys.synchronised = false;
	S.sys.sys_peer = 0;
	S.sys.stratum = 16;
	S.sys.leap = NTP_LEAP_UNSYNC;
	snprintf(S.sys.refid, sizeof S.sys.refid, "INIT");
}

/* Select again; with a new sample of slot from, the sample goes to the
 * discipline when from survived selection. */
static void reselect(const struct slot *from, const struct nts_sample *sample)
{
	double now = mono_now();
	struct nts_select_cand c[NTSD_STATUS_MAX_SOURCES];
	struct src v[NTSD_STATUS_MAX_SOURCES];
	for (size_t i = 0; i < S.n; i++) {
		memset(&c[i], 0, sizeof c[i]);
		if (!S.s[i].a && !S.s[i].rc) {
			memset(&v[i], 0, sizeof v[i]);
			continue;
		}
		const struct src *o = &v[i];
		src_of(&S.s[i], &v[i]);
		const struct nts_sample *b = &o->filt->best;
		c[i].usable = o->usable;
		c[i].authenticated = o->authenticated;
		c[i].prefer = o->prefer;
		c[i].stratum = o->stratum;
		/* bring the offset up to now: our corrections since it was taken,
		 * and the frequency error the discipline believes in */
		c[i].offset = b->offset + S.disc.base_freq * (now - b->time) -
			      (nts_disc_correction(&S.disc, now) - b->corr);
		c[i].jitter = o->filt->jitter;
		if (S.s[i].rc)   /* one stage: the spread is the refclock filter's */
			c[i].jitter = S.s[i].rc->meas.jitter;
		c[i].root_distance = nts_select_distance(o->root_delay, b->delay, o->root_disp,
							 nts_filter_dispersion(o->filt, now), c[i].jitter);
	}
	bool nts_usable = false;
	for (size_t i = 0; i < S.n; i++)
		nts_usable |= S.s[i].a && c[i].usable && c[i].authenticated;
	for (size_t i = 0; i < S.n; i++)
		if (S.s[i].rc)
			c[i].authenticated = nts_usable;
	struct nts_select_result r;
	size_t ns = nts_select_run(c, S.n, &r);
	for (size_t i = 0; i < S.n; i++) {
		if (S.s[i].a)
			S.s[i].a->tally = c[i].tally;
		else if (S.s[i].rc)
			S.s[i].rc->tally = c[i].tally;
	}
	if (ns == 0 || r.sys_peer < 0) {
		if (S.sys.synchronised)
			nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "no selectable source: unsynchronised");
		set_unsynchronised();
		ntsd_clock_set_status(false, 0, 0, 16);
		publish();
		return;
	}
	const struct slot *psl = &S.s[r.sys_peer];
	const struct src *peer = &v[r.sys_peer];
	char ft = from ? c[from - S.s].tally : ' ';
	if (ft == '*' || ft == '+') {
		/* every sample of every survivor: the discipline weighs them by
		 * their delay, so more samples mean less noise */
		const struct src *o = &v[from - S.s];
		struct nts_disc_action act;
		nts_disc_update(&S.disc, now, sample, o->associd, &act);
		/* the sample as an offset now (a refclock's is valid at the mean
		 * time of its readings, seconds ago) */
		double soff = sample->offset + S.disc.base_freq * (now - sample->time) -
			      (nts_disc_correction(&S.disc, now) - sample->corr);
		nts_log(NTS_LOG_DEBUG, NTS_TAG_CLIENT,
			"%s: sample %+.9f delay %.6f; estimate %+.9f sd %.9f freq %+.4f ppm sd %.4f, "
			"%zu samples, poll %d", o->name, soff, sample->delay, S.disc.offset,
			S.disc.offset_sd, S.disc.base_freq * 1e6, S.disc.freq_sd * 1e6, S.disc.used,
			S.disc.poll);
		apply(&act);
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		S.sys.reftime = (double)rt.tv_sec + rt.tv_nsec * 1e-9;
		for (size_t i = 0; i < S.n; i++)
			if (S.s[i].a)
				ntsd_assoc_set_poll(S.s[i].a, S.disc.poll);
	}
	if (S.sys.sys_peer != peer->associd || !S.sys.synchronised)
		nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "selected %s (stratum %d)", peer->name,
			peer->stratum);
	/* leap: what the majority of the survivors announce */
	int ins = 0, del = 0;
	for (size_t i = 0; i < S.n; i++)
		if ((S.s[i].a || S.s[i].rc) && (c[i].tally == '*' || c[i].tally == '+')) {
			ins += v[i].leap == NTP_LEAP_ADD;
			del += v[i].leap == NTP_LEAP_DEL;
		}
	int leap = 2 * (size_t)ins > ns ? NTP_LEAP_ADD : 2 * (size_t)del > ns ? NTP_LEAP_DEL : 0;
	S.sys.synchronised = true;
	S.sys.sys_peer = peer->associd;
	S.sys.stratum = peer->stratum + 1 > 15 ? 15 : peer->stratum + 1;
	S.sys.leap = leap;
	S.sys.refid_wire = refid_of(psl);
	if (psl->rc)   /* stratum 1: the refclock's refid as text, "GPS" */
		snprintf(S.sys.refid, sizeof S.sys.refid, "%s", psl->rc->conf.refid);
	else
		ntsd_refid_text(2, S.sys.refid_wire, S.sys.refid, sizeof S.sys.refid);
	S.sys.root_delay = peer->root_delay + peer->filt->best.delay;
	/* RFC 5905 section 11.3: what the path and our own estimate add */
	S.sys.root_dispersion = peer->root_disp + nts_filter_dispersion(peer->filt, now) + r.jitter +
				fabs(S.disc.offset) + S.disc.offset_sd;
	S.sys.jitter = r.jitter;
	S.sys.offset = S.disc.offset;
	S.sys.frequency_ppm = S.disc.base_freq * 1e6;
	S.sys.poll_log2 = S.disc.poll;
	ntsd_clock_set_status(true, leap, S.sys.root_dispersion, S.sys.root_dispersion + S.sys.root_delay / 2);
	publish();
}

/* ---- reference clocks */

/* A poll interval closed (fresh: a new measurement) or the refclock went
 * silent: its one-stage filter takes the measurement, then selection runs
 * as for an answer from a server. */
static void refclock_update(void *arg, struct ntsd_refclock *rc, bool fresh)
{
	(void)arg;
	struct slot *sl = NULL;
	for (size_t i = 0; i < S.n && !sl; i++)
		if (S.s[i].rc == rc)
			sl = &S.s[i];
	if (!sl)
		return;
	if (!fresh) {
		reselect(NULL, NULL);
		return;
	}
	/* the measurement is valid at the mean time of its readings; only its
	 * r (offset plus our corrections) matters to the discipline, so the
	 * pair offset/corr is taken at now, where the correction is known */
	double now = mono_now();
	double corr = nts_disc_correction(&S.disc, now);
	struct nts_sample s = {
		.offset = rc->meas.r - corr,
		.delay = 0,
		.disp = rc->meas.dispersion,
		.time = rc->meas.time,
		.corr = corr,
	};
	sl->have_est |= nts_filter_add(&sl->filt, &s);
	reselect(sl, &s);
}

void ntsd_sources_changed(void)
{
	if (S.d)
		reselect(NULL, NULL);
}

void ntsd_sources_sample(const struct ntsd_assoc *a, const struct nts_sample *s)
{
	if (!S.d)
		return;
	for (size_t i = 0; i < S.n; i++)
		if (S.s[i].a == a) {
			reselect(&S.s[i], s);
			return;
		}
	reselect(NULL, NULL);
}

static double refclock_correction(void *arg, double now)
{
	(void)arg;
	return nts_disc_correction(&S.disc, now);
}

static double refclock_frequency(void *arg)
{
	(void)arg;
	return S.disc.base_freq;
}

static void start_refclocks(void)
{
	const struct ntsd_config *cfg = &S.d->cfg;
	if (cfg->nrefclock == 0)
		return;
	struct ntsd_refclock_sink sink = {
		.update = refclock_update, .correction = refclock_correction,
		.frequency = refclock_frequency, .arg = NULL,
	};
	ntsd_refclock_set_sink(&sink);
	for (size_t i = 0; i < cfg->nrefclock && S.n < NTSD_STATUS_MAX_SOURCES; i++) {
		struct slot *sl = &S.s[S.n];
		memset(sl, 0, sizeof *sl);
		nts_filter_init(&sl->filt, 1);
		sl->rc = ntsd_refclock_new(&cfg->refclock[i], S.next_associd);
		if (!sl->rc)
			continue;
		S.next_associd++;
		S.n++;
	}
	S.publish_timer = ntsd_sched_timer(REFCLOCK_PUBLISH, publish_timer, NULL);
}

/* ---- associations from the configuration */

static int resolve(const struct ntsd_server_conf *sc, struct sockaddr_storage *out, size_t max,
		   socklen_t *lens)
{
	char port[8];
	snprintf(port, sizeof port, "%u", sc->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(sc->host, port, &hints, &res);
	if (rc != 0) {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "%s: cannot resolve: %s", sc->host,
			gai_strerror(rc));
		return 0;
	}
	size_t n = 0;
	for (struct addrinfo *p = res; p && n < max; p = p->ai_next) {
		if (p->ai_addrlen > sizeof out[0])
			continue;
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= lens[i] == p->ai_addrlen && memcmp(&out[i], p->ai_addr, p->ai_addrlen) == 0;
		if (dup)
			continue;
		memcpy(&out[n], p->ai_addr, p->ai_addrlen);
		lens[n++] = p->ai_addrlen;
	}
	freeaddrinfo(res);
	return (int)n;
}

static bool in_use(const struct sockaddr_storage *ss, socklen_t len)
{
	for (size_t i = 0; i < S.n; i++)
		if (S.s[i].a && S.s[i].a->addrlen == len && memcmp(&S.s[i].a->addr, ss, len) == 0)
			return true;
	return false;
}

static bool add_assoc(size_t conf, const struct sockaddr *addr, socklen_t len)
{
	if (S.n >= NTSD_STATUS_MAX_SOURCES)
		return false;
	struct ntsd_assoc *a = ntsd_assoc_new(S.d, &S.d->cfg.servers[conf], addr, len, S.next_associd);
	if (!a)
		return false;
	S.next_associd++;
	S.s[S.n++] = (struct slot){ .a = a, .conf = conf };
	return true;
}

static void start_conf(size_t i)
{
	const struct ntsd_server_conf *sc = &S.d->cfg.servers[i];
	if (sc->nts) {
		S.resolved[i] = add_assoc(i, NULL, 0);
		return;
	}
	struct sockaddr_storage ss[POOL_SIZE];
	socklen_t lens[POOL_SIZE];
	int n = resolve(sc, ss, sc->pool ? POOL_SIZE : 1, lens);
	for (int k = 0; k < n; k++)
		if (!in_use(&ss[k], lens[k]) && add_assoc(i, (const struct sockaddr *)&ss[k], lens[k]))
			S.resolved[i] = true;
}

static void resolve_timer(void *arg)
{
	(void)arg;
	bool pending = false;
	for (size_t i = 0; i < S.d->cfg.nservers; i++)
		if (!S.resolved[i]) {
			start_conf(i);
			pending |= !S.resolved[i];
		}
	if (pending)
		ntsd_sched_timer(RESOLVE_RETRY, resolve_timer, NULL);
	publish();
}

/* A pool member that stopped answering makes room for another address. */
static void pool_timer(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < S.n; i++) {
		struct ntsd_assoc *a = S.s[i].a;
		const struct ntsd_server_conf *sc = a ? a->sc : NULL;
		if (!a || !sc->pool || sc->nts || a->reach != 0 || a->polls < POOL_GIVE_UP_POLLS)
			continue;
		struct sockaddr_storage ss[8];
		socklen_t lens[8];
		int n = resolve(sc, ss, 8, lens);
		for (int k = 0; k < n; k++) {
			if (in_use(&ss[k], lens[k]))
				continue;
			struct ntsd_assoc *b = ntsd_assoc_new(S.d, sc, (const struct sockaddr *)&ss[k],
							      lens[k], a->associd);
			if (!b)
				break;
			nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "pool %s: replacing unreachable %s with %s",
				sc->host, a->addr_text, b->addr_text);
			ntsd_assoc_free(a);
			S.s[i].a = b;
			break;
		}
	}
	ntsd_sched_timer(POOL_CHECK, pool_timer, NULL);
}

int ntsd_sources_start(struct ntsd *d)
{
	memset(&S, 0, sizeof S);
	S.d = d;
	S.next_associd = 1;
	set_unsynchronised();
	const struct ntsd_config *cfg = &d->cfg;
	double freq = 0;
	if (ntsd_clock_init(cfg->no_adjust, &freq) != 0 && !cfg->no_adjust)
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "cannot read the clock's state: %s",
			strerror(errno));
	if (cfg->driftfile[0] && drift_read(cfg->driftfile, &freq)) {
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "frequency %.3f ppm from %s", freq * 1e6,
			cfg->driftfile);
		if (!cfg->no_adjust)
			ntsd_clock_set_freq(freq);
	}
	struct nts_disc_config dc;
	nts_disc_config_default(&dc);
	dc.step_threshold = cfg->step_threshold;
	dc.panic_threshold = cfg->panic_threshold;
	dc.big_first_step = cfg->allow_big_step;
	dc.observe_only = cfg->no_adjust;
	int minp = 17, maxp = 0;
	for (size_t i = 0; i < cfg->nservers; i++) {
		minp = cfg->servers[i].minpoll < minp ? cfg->servers[i].minpoll : minp;
		maxp = cfg->servers[i].maxpoll > maxp ? cfg->servers[i].maxpoll : maxp;
	}
	/* A refclock measures at its own poll whatever the discipline
	 * advises; the advice then only sets how long a phase error takes to
	 * slew out. Up to REFCLOCK_SLEW_POLLS above the refclock's poll, a
	 * correction spreads over a few of its measurements instead of
	 * chasing the noise of each (as chrony's correction time ratio). */
	for (size_t i = 0; i < cfg->nrefclock; i++) {
		int p = cfg->refclock[i].poll;
		minp = p < minp ? p : minp;
		maxp = p + REFCLOCK_SLEW_POLLS > maxp ? p + REFCLOCK_SLEW_POLLS : maxp;
	}
	if (cfg->nservers || cfg->nrefclock) {
		dc.minpoll = minp;
		dc.maxpoll = maxp;
	}
	nts_disc_init(&S.disc, &dc, freq, mono_now());
	if (cfg->nservers == 0 && cfg->nrefclock == 0) {
		publish();
		return NTS_OK;
	}
	if (cfg->no_adjust)
		nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "-x: the clock is measured, never adjusted");
	start_refclocks();
	bool pending = false;
	for (size_t i = 0; i < cfg->nservers; i++) {
		start_conf(i);
		pending |= !S.resolved[i];
	}
	if (pending)
		ntsd_sched_timer(RESOLVE_RETRY, resolve_timer, NULL);
	ntsd_sched_timer(POOL_CHECK, pool_timer, NULL);
	ntsd_sched_timer(DRIFT_SAVE, drift_timer, NULL);
	publish();
	return NTS_OK;
}

void ntsd_sources_stop(void)
{
	if (!S.d)
		return;
	drift_write();
	for (size_t i = 0; i < S.n; i++) {
		ntsd_assoc_free(S.s[i].a);
		ntsd_refclock_free(S.s[i].rc);
	}
	ntsd_refclock_set_sink(NULL);
	if (S.publish_timer)
		ntsd_sched_cancel(S.publish_timer);
	S.publish_timer = 0;
	S.n = 0;
	S.d = NULL;
}

void ntsd_sources_server_vars(const struct ntsd_config *c, struct ntp_hdr *h)
{
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	if (sys.synchronised) {
		h->leap = (uint8_t)sys.leap;
		h->stratum = (uint8_t)sys.stratum;
		h->refid = sys.refid_wire;
		h->root_delay = ntp_short_from_double(sys.root_delay);
		h->root_disp = ntp_short_from_double(sys.root_dispersion);
		struct timespec ts = { .tv_sec = (time_t)sys.reftime,
				       .tv_nsec = (long)((sys.reftime - floor(sys.reftime)) * 1e9) };
		h->reftime = ntp_ts_from_timespec(&ts);
		return;
	}
	if (c->stratum < 16) {
		/* `local stratum N`: the fallback while no source is selected */
		h->leap = NTP_LEAP_NONE;
		h->stratum = (uint8_t)c->stratum;
		h->refid = c->refid;
		h->root_delay = 0;
		h->root_disp = ntp_short_from_double(0.001);
		h->reftime = h->xmt & 0xFFFFFFFF00000000ull;
		return;
	}
	h->leap = NTP_LEAP_UNSYNC;
	h->stratum = 16;
	h->refid = c->refid;
	h->root_delay = 0;
	h->root_disp = ntp_short_from_double(0.001);
	h->reftime = 0;
}
