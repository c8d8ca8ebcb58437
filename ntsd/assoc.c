/* ntsd: a client association (assoc.h). Every answer is checked as RFC
 * 5905 section 8 asks (mode, origin timestamp against the one we sent,
 * synchronised server, sane delay) before its timestamps are used. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/mono.h"
#include "assoc.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "ntsc.h"
#include "ntsd.h"
#include "sched.h"
#include "sources.h"
#include "status.h"

#define IBURST_COUNT 4       /* as chronyd: 4 quick requests while unreachable */
#define IBURST_INTERVAL 2.0  /* s */
#define MAX_DELAY 3.0        /* s: answers slower than this are not time */

static void poll_timer(void *arg);

static double real_now_ntp(uint64_t *ts)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	*ts = ntp_ts_from_timespec(&t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void close_socket(struct ntsd_assoc *a)
{
	if (a->fd >= 0) {
		ntsd_sched_fd_remove(a->fd);
		close(a->fd);
		a->fd = -1;
	}
}

static void on_readable(int fd, short revents, void *arg);

static bool open_socket(struct ntsd_assoc *a)
{
	if (a->fd >= 0)
		return true;
	a->fd = socket(a->addr.ss_family, SOCK_DGRAM, 0);
	if (a->fd < 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "%s: socket: %s", a->name, strerror(errno));
		return false;
	}
	fcntl(a->fd, F_SETFL, fcntl(a->fd, F_GETFL) | O_NONBLOCK);
	fcntl(a->fd, F_SETFD, FD_CLOEXEC);
	if (ntsd_sched_fd(a->fd, POLLIN, on_readable, a) != 0) {
		close(a->fd);
		a->fd = -1;
		return false;
	}
	return true;
}

static void schedule(struct ntsd_assoc *a)
{
	double delay;
	if (a->burst > 0) {
		delay = IBURST_INTERVAL;
	} else {
		int p = a->poll;
		/* RFC 5905 section 13: a little randomness keeps clients apart */
		uint32_t r = 0;
		if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
			r = 0;
		delay = ldexp(1.0, p) * (0.95 + 0.05 * (double)r / 4294967296.0);
	}
	a->timer = ntsd_sched_timer(delay, poll_timer, a);
}

static void send_request(struct ntsd_assoc *a)
{
	if (a->sc->nts) {
		socklen_t len = sizeof a->addr;
		struct sockaddr_storage to;
		if (!ntsd_ntsc_ready(a->ntsc, &to, &len))
			return;   /* NTS-KE started or backing off; this poll is missed */
		if (len != a->addrlen || memcmp(&to, &a->addr, len) != 0) {
			close_socket(a);
			memcpy(&a->addr, &to, len);
			a->addrlen = len;
			ntsd_addr_format((const struct sockaddr *)&a->addr, a->addr_text,
					 sizeof a->addr_text);
		}
	}
	if (!a->addrlen || !open_socket(a))
		return;
	uint8_t pkt[NTP_MAX_PACKET];
	struct ntp_hdr h;
	memset(&h, 0, sizeof h);
	h.leap = NTP_LEAP_UNSYNC;
	h.version = 4;
	h.mode = NTP_MODE_CLIENT;
	h.poll = (int8_t)a->poll;
	/* a random transmit timestamp: it cannot leak our clock and a forged
	 * answer must echo it (draft-ietf-ntp-data-minimization) */
	if (getrandom(&h.xmt, sizeof h.xmt, GRND_NONBLOCK) != sizeof h.xmt)
		real_now_ntp(&h.xmt);
	ntp_hdr_write(&h, pkt, sizeof pkt);
	size_t len = NTP_HEADER_LEN;
	if (a->sc->nts) {
		int rc = ntsd_ntsc_wrap(a->ntsc, pkt, sizeof pkt, &len);
		if (rc != NTS_OK) {
			nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "%s: cannot build NTS request: %s",
				a->name, nts_strerror(rc));
			return;
		}
	}
	real_now_ntp(&a->t1);
	ssize_t n = sendto(a->fd, pkt, len, 0, (const struct sockaddr *)&a->addr, a->addrlen);
	if (n != (ssize_t)len) {
		nts_log(NTS_LOG_DEBUG, NTS_TAG_CLIENT, "%s: send: %s", a->name, strerror(errno));
		return;
	}
	a->xmt_sent = h.xmt;
	a->outstanding = true;
	a->sent++;
}

static void poll_timer(void *arg)
{
	struct ntsd_assoc *a = arg;
	a->timer = 0;
	/* RFC 5905 section 13: the reach register shifts at every poll */
	a->reach = (uint8_t)(a->reach << 1);
	a->polls++;
	a->outstanding = false;
	if (a->burst > 0)
		a->burst--;
	if (a->reach == 0 && a->have_est) {
		a->have_est = false;
		nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "%s: unreachable", a->name);
	}
	send_request(a);
	schedule(a);
	ntsd_sources_changed();
}

/* Check one answer and turn it into a sample. */
static void handle(struct ntsd_assoc *a, const uint8_t *pkt, size_t len, uint64_t t4)
{
	struct ntp_hdr h;
	if (!a->outstanding || ntp_hdr_parse(pkt, len, &h) != NTS_OK || h.mode != NTP_MODE_SERVER ||
	    h.org != a->xmt_sent) {
		a->dropped++;   /* not an answer to the request in flight (RFC 5905 section 8) */
		return;
	}
	if (a->sc->nts) {
		int rc = ntsd_ntsc_unwrap(a->ntsc, pkt, len);
		if (rc == NTS_E_NTS_NAK) {
			/* RFC 8915 section 5.7: a NAK is unauthenticated; ntsc re-runs KE */
			a->naks++;
			a->outstanding = false;
			nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "%s: NTS NAK", a->name);
			return;
		}
		if (rc != NTS_OK) {
			a->dropped++;
			nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "%s: response not authentic: %s", a->name,
				nts_strerror(rc));
			return;
		}
	}
	a->outstanding = false;
	if (h.stratum == 0) {
		/* kiss-o'-death (RFC 5905 section 7.4): RATE slows us down, DENY and
		 * RSTR stop the time from this server */
		char kiss[5];
		for (int i = 0; i < 4; i++) {
			char ch = (char)(h.refid >> (24 - 8 * i));
			kiss[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
		}
		kiss[4] = '\0';
		nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "%s: kiss-o'-death %s", a->name, kiss);
		if (a->poll < a->sc->maxpoll)
			a->poll++;
		a->dropped++;
		return;
	}
	if (h.leap == NTP_LEAP_UNSYNC || h.stratum >= 16 || h.xmt == 0 || h.rec == 0) {
		a->dropped++;   /* the server has no time to give */
		return;
	}
	double offset, delay;
	ntp_offset_delay(a->t1, h.rec, h.xmt, t4, &offset, &delay);
	if (!(delay >= 0) || delay > MAX_DELAY) {
		a->dropped++;
		return;
	}
	a->received++;
	a->reach |= 1;
	a->stratum = h.stratum;
	a->leap = h.leap;
	a->refid = h.refid;
	a->root_delay = ntp_short_to_double(h.root_delay);
	a->root_disp = ntp_short_to_double(h.root_disp);
	double now = mono_now();
	a->last_rx = now;
	/* dispersion of one sample: both clocks' precision plus the drift
	 * allowance over the round trip (RFC 5905 section 8) */
	struct nts_sample s = {
		.offset = offset,
		.delay = delay < 1e-7 ? 1e-7 : delay,
		.disp = ldexp(1.0, h.precision) + 2e-9 + NTS_PHI * delay,
		.time = now,
		.corr = ntsd_sources_correction(now),
	};
	bool fresh = nts_filter_add(&a->filt, &s);
	if (fresh)
		a->have_est = true;
	if (a->burst > 0 && a->reach == 0xff)
		a->burst = 0;
	ntsd_sources_sample(a, &s);
}

static void on_readable(int fd, short revents, void *arg)
{
	struct ntsd_assoc *a = arg;
	(void)revents;
	for (int i = 0; i < 8; i++) {
		uint8_t buf[NTP_MAX_PACKET + 1];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		uint64_t t4;
		real_now_ntp(&t4);
		if (n < 0)
			return;
		char ft[64];
		ntsd_addr_format((const struct sockaddr *)&from, ft, sizeof ft);
		if ((size_t)n > NTP_MAX_PACKET || strcmp(ft, a->addr_text) != 0) {
			a->dropped++;
			continue;
		}
		handle(a, buf, (size_t)n, t4);
	}
}

/* The NTS state of a `server HOST nts` line: the server line's options,
 * `nts ca` as the default trust anchors, statedir for the saved cookies. */
static struct ntsd_ntsc *ntsc_for(struct ntsd *d, const struct ntsd_server_conf *sc)
{
	static const uint16_t none[1];
	const char *ca = sc->ca[0] ? sc->ca : d->cfg.nts_ca[0] ? d->cfg.nts_ca : NULL;
	struct ntsd_ntsc_params p = {
		.host = sc->host,
		.ke_port = sc->port,
		.ke_fallback = sc->ke_fallback,   /* :1234 of old guides: 4460 if it fails */
		.ca = ca,
		.noval = sc->noval,
		.aeads = sc->aead ? &sc->aead : none,
		.naeads = sc->aead ? 1 : 0,
		.state_dir = d->cfg.state_dir,
	};
	return ntsd_ntsc_new_params(d, &p);
}

struct ntsd_assoc *ntsd_assoc_new(struct ntsd *d, const struct ntsd_server_conf *sc,
				  const struct sockaddr *addr, socklen_t len, uint16_t associd)
{
	struct ntsd_assoc *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->d = d;
	a->sc = sc;
	a->associd = associd;
	a->fd = -1;
	a->poll = sc->minpoll;
	a->stratum = 16;
	a->leap = NTP_LEAP_UNSYNC;
	a->last_rx = -1;
	a->tally = ' ';
	nts_filter_init(&a->filt, 0);
	snprintf(a->name, sizeof a->name, "%.127s", sc->host);
	if (addr && len <= sizeof a->addr) {
		memcpy(&a->addr, addr, len);
		a->addrlen = len;
		ntsd_addr_format(addr, a->addr_text, sizeof a->addr_text);
		if (sc->pool)
			snprintf(a->name, sizeof a->name, "%s", a->addr_text);
	}
	if (sc->nts) {
		a->ntsc = ntsc_for(d, sc);
		if (!a->ntsc) {
			free(a);
			return NULL;
		}
	}
	a->burst = sc->iburst ? IBURST_COUNT : 0;
	/* the first request goes out on the next loop turn */
	a->timer = ntsd_sched_timer(0, poll_timer, a);
	return a;
}

void ntsd_assoc_free(struct ntsd_assoc *a)
{
	if (!a)
		return;
	ntsd_sched_cancel(a->timer);
	close_socket(a);
	if (a->ntsc)
		ntsd_ntsc_free(a->ntsc);
	free(a);
}

void ntsd_assoc_set_poll(struct ntsd_assoc *a, int poll)
{
	if (poll < a->sc->minpoll)
		poll = a->sc->minpoll;
	if (poll > a->sc->maxpoll)
		poll = a->sc->maxpoll;
	a->poll = poll;
}

void ntsd_assoc_status(const struct ntsd_assoc *a, struct ntsd_source_status *st, double now)
{
	memset(st, 0, sizeof *st);
	st->associd = a->associd;
	snprintf(st->name, sizeof st->name, "%s", a->name);
	snprintf(st->addr, sizeof st->addr, "%s", a->addr_text);
	st->type = a->sc->pool ? 'p' : 'u';
	st->tally = a->tally;
	st->nts = a->sc->nts;
	st->reach = a->reach;
	st->reachable = a->reach != 0;
	st->stratum = a->stratum;
	st->leap = a->leap;
	st->poll_log2 = a->poll;
	st->when = a->last_rx >= 0 ? now - a->last_rx : -1;
	ntsd_refid_text(a->stratum, a->refid, st->refid, sizeof st->refid);
	if (a->have_est) {
		st->offset = a->filt.best.offset;
		st->delay = a->filt.best.delay;
		st->jitter = a->filt.jitter;
		st->dispersion = nts_filter_dispersion(&a->filt, now);
	}
	st->root_delay = a->root_delay;
	st->root_dispersion = a->root_disp;
	st->cert_days_left = NAN;
	st->ke_age = -1;
	if (a->ntsc)
		ntsd_ntsc_status(a->ntsc, st);
}
