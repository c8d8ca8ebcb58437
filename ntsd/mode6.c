/* ntsd mode 6 (RFC 9327) read-only answers, so NTPsec's ntpq (-p, -c as,
 * -c rv, -c "rv ASSOCID", -c nts) and ntsmon read ntsd. READSTAT and
 * READVAR of the system and of each published source (status.h);
 * answered to loopback peers only, because responses are larger than
 * requests. The wire format is libnts's mode6.c. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nts/hostport.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/mode6.h"
#include "nts/ntp.h"
#include "ntsd.h"
#include "status.h"

/* Counter variables under NTPsec's names (ntpq's ntsinfo table). */
static void put_counters(const struct ntsd *d, struct nts_m6_vw *w, const char *only, bool *found)
{
	struct ntsd_totals t;
	ntsd_totals(d, &t);
	const struct nts_counters c = t.c;
	const struct {
		const char *name;
		uint64_t v;
	} vars[] = {
		{ "nts_client_send", c.client_sends },
		{ "nts_client_recv_good", c.client_recvs_good },
		{ "nts_client_recv_bad", c.client_recvs_bad },
		{ "nts_server_recv_good", c.server_recvs_good },
		{ "nts_server_recv_bad", c.server_recvs_bad },
		{ "nts_server_send", c.server_sends },
		{ "nts_cookie_make", c.cookie_make },
		{ "nts_cookie_decode", c.cookie_decode },
		{ "nts_cookie_decode_old", c.cookie_decode_old },
		/* NTPsec splits "old" by age; our ring does not, so these stay 0 */
		{ "nts_cookie_decode_old2", 0 },
		{ "nts_cookie_decode_older", 0 },
		{ "nts_cookie_decode_too_old", c.cookie_decode_too_old },
		{ "nts_cookie_decode_error", c.cookie_decode_error },
		{ "nts_ke_probes_good", c.ke_probes_good },
		{ "nts_ke_probes_bad", c.ke_probes_bad },
		{ "nts_ke_serves_good", c.ke_serves_good },
		{ "nts_ke_serves_bad", c.ke_serves_bad },
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (only && strcmp(only, vars[i].name) != 0)
			continue;
		*found = true;
		nts_m6_vw_put(w, vars[i].name, "%llu", (unsigned long long)vars[i].v);
	}
}

/* Text that may sit unquoted in the list (refids): no separators. */
static void clean_token(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; in[n] && n + 1 < cap; n++) {
		unsigned char ch = (unsigned char)in[n];
		out[n] = ch <= 0x20 || ch > 0x7e || ch == '"' || ch == ',' || ch == '=' ? '?' : (char)ch;
	}
	out[n] = '\0';
}

static uint64_t now_ntp(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return ntp_ts_from_timespec(&now);
}

/* One variable if 'only' is NULL or names it. */
#define WANT(name) (!only || (strcmp(only, (name)) == 0 && (*found = true)))

/* The system variables (ntpq -c rv): the published system status once the
 * client side has synchronised ntsd, the configured local stratum before. */
static void put_system(const struct ntsd *d, struct nts_m6_vw *w, const char *only, bool *found)
{
	const struct ntsd_config *c = &d->cfg;
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	char refid[16];
	unsigned stratum, leap;
	if (sys.synchronised) {
		clean_token(sys.refid, refid, sizeof refid);
		stratum = sys.stratum < 0 || sys.stratum > 16 ? 16u : (unsigned)sys.stratum;
		leap = (unsigned)sys.leap & 3u;
	} else {
		char raw[5] = { 0 };
		nts_put32((uint8_t *)raw, c->refid);
		clean_token(raw, refid, sizeof refid);
		stratum = c->stratum >= 16 ? 16 : c->stratum;
		leap = c->stratum >= 16 ? 3 : 0;
	}
	uint64_t ts = now_ntp();
	if (WANT("version"))
		nts_m6_vw_str(w, "version", "ntsd " PACKAGE_VERSION);
	if (WANT("leap"))
		nts_m6_vw_put(w, "leap", "%u%u", leap >> 1, leap & 1);
	if (WANT("stratum"))
		nts_m6_vw_put(w, "stratum", "%u", stratum);
	if (WANT("precision"))
		nts_m6_vw_put(w, "precision", "-25");
	if (WANT("rootdelay"))
		nts_m6_vw_put(w, "rootdelay", "%.3f", sys.synchronised ? sys.root_delay * 1e3 : 0.0);
	if (WANT("rootdisp"))
		nts_m6_vw_put(w, "rootdisp", "%.3f", sys.synchronised ? sys.root_dispersion * 1e3 : 1.0);
	if (WANT("refid"))
		nts_m6_vw_put(w, "refid", "%s", refid);
	/* the last clock update once synchronised (as mode 4 answers say) */
	uint64_t ref = ts;
	if (sys.synchronised && sys.reftime > 0) {
		struct timespec rt = { .tv_sec = (time_t)sys.reftime,
				       .tv_nsec = (long)((sys.reftime - (double)(time_t)sys.reftime) * 1e9) };
		ref = ntp_ts_from_timespec(&rt);
	}
	if (WANT("reftime"))
		nts_m6_vw_put(w, "reftime", "0x%08x.%08x", (unsigned)(ref >> 32),
			      sys.synchronised ? (unsigned)ref : 0u);
	if (WANT("clock"))
		nts_m6_vw_put(w, "clock", "0x%08x.%08x", (unsigned)(ts >> 32), (unsigned)ts);
	if (WANT("peer"))
		nts_m6_vw_put(w, "peer", "%u", sys.sys_peer);
	if (WANT("offset"))
		nts_m6_vw_put(w, "offset", "%.6f", sys.offset * 1e3);
	if (WANT("frequency"))
		nts_m6_vw_put(w, "frequency", "%.3f", sys.frequency_ppm);
	if (WANT("sys_jitter"))
		nts_m6_vw_put(w, "sys_jitter", "%.6f", sys.synchronised ? sys.jitter * 1e3 : 0.0);
	if (WANT("tc"))
		nts_m6_vw_put(w, "tc", "%d", sys.synchronised && sys.poll_log2 > 0 ? sys.poll_log2 : 6);
}

/* Split "192.0.2.1:123" or "[2001:db8::1]:123" into address and port. */
static void split_addr(const char *in, char *addr, size_t cap, unsigned *port)
{
	uint16_t p = 0;
	/* status text, not input: anything unparsable is shown as it is */
	if (nts_hostport_parse(in, addr, cap, &p, NULL, 0) != NTS_OK)
		snprintf(addr, cap, "%s", in);
	*port = p;
	char clean[64];
	clean_token(addr, clean, sizeof clean);
	memcpy(addr, clean, strlen(clean) + 1);
}

/* The peer status word: configured, authentication and reach flags above
 * the selection code that ntpq turns into its tally character. */
static uint16_t peer_status(const struct ntsd_source_status *s)
{
	unsigned hi = NTS_M6_PST_CONFIG;
	if (s->nts)
		hi |= NTS_M6_PST_AUTHENABLE | (s->reachable ? NTS_M6_PST_AUTHENTIC : 0);
	if (s->reachable)
		hi |= NTS_M6_PST_REACH;
	hi |= nts_m6_tally_sel(s->tally);
	return (uint16_t)(hi << 8);
}

/* NTPsec numbers a reference clock 127.127.TYPE.UNIT, and its ntpq shows
 * srchost ("SHM(0)") only for such an address: a device path or segment
 * key as srcadr reads as a host name whose lookup failed ("DNSFAIL:").
 * TYPE is NTPsec's driver number (SHM 28, PPS 22, NMEA 20, GPSD 46 for
 * the gpsd socket, LOCAL 1); the unit is the name's "(N)". */
static void refclock_srcadr(const char *name, char *out, size_t cap)
{
	static const struct {
		const char *prefix;
		int type;
	} drivers[] = { { "SHM(", 28 }, { "PPS(", 22 }, { "NMEA(", 20 }, { "SOCK(", 46 },
			{ "LOCAL(", 1 } };
	int type = 0;
	unsigned unit = 0;
	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
		size_t n = strlen(drivers[i].prefix);
		if (strncmp(name, drivers[i].prefix, n) == 0) {
			type = drivers[i].type;
			if (sscanf(name + n, "%u", &unit) != 1 || unit > 255)
				unit = 0;
			break;
		}
	}
	snprintf(out, cap, "127.127.%d.%u", type, unit);
}

/* The variables of one association (ntpq -p reads them all): times in
 * milliseconds as ntpd sends them, reach in hex, the time of the last
 * sample as an NTP timestamp ('rec'), ntscookies for NTPsec's 't' column,
 * then ntsd's own NTS client state. */
static void put_peer(const struct ntsd_source_status *s, struct nts_m6_vw *w, const char *only,
		     bool *found)
{
	char addr[64], refid[16];
	unsigned port;
	split_addr(s->addr, addr, sizeof addr, &port);
	if (s->type == 'l') {
		refclock_srcadr(s->name, addr, sizeof addr);
		port = 0;
	}
	clean_token(s->refid, refid, sizeof refid);
	if (WANT("srcadr"))
		nts_m6_vw_put(w, "srcadr", "%s", addr[0] ? addr : "0.0.0.0");
	if (WANT("srcport"))
		nts_m6_vw_put(w, "srcport", "%u", port);
	/* ntpq shows srchost for names and takes "(...)" as a refclock */
	if (WANT("srchost"))
		nts_m6_vw_str(w, "srchost", s->name);
	if (WANT("refid"))
		nts_m6_vw_put(w, "refid", "%s", refid[0] ? refid : "INIT");
	if (WANT("stratum"))
		nts_m6_vw_put(w, "stratum", "%d", s->stratum < 0 || s->stratum > 16 ? 16 : s->stratum);
	if (WANT("hmode"))
		nts_m6_vw_put(w, "hmode", "3");   /* client */
	if (WANT("pmode"))
		nts_m6_vw_put(w, "pmode", "4");
	if (WANT("leap"))
		nts_m6_vw_put(w, "leap", "%d%d", (s->leap >> 1) & 1, s->leap & 1);
	if (WANT("reach"))
		nts_m6_vw_put(w, "reach", "0x%02x", s->reach);
	if (WANT("unreach"))
		nts_m6_vw_put(w, "unreach", "%d", s->reachable ? 0 : 1);
	if (WANT("hpoll"))
		nts_m6_vw_put(w, "hpoll", "%d", s->poll_log2);
	if (WANT("ppoll"))
		nts_m6_vw_put(w, "ppoll", "%d", s->poll_log2);
	if (WANT("rootdelay"))
		nts_m6_vw_put(w, "rootdelay", "%.3f", s->root_delay * 1e3);
	if (WANT("rootdisp"))
		nts_m6_vw_put(w, "rootdisp", "%.3f", s->root_dispersion * 1e3);
	if (WANT("delay"))
		nts_m6_vw_put(w, "delay", "%.6f", s->delay * 1e3);
	if (WANT("offset"))
		nts_m6_vw_put(w, "offset", "%.6f", s->offset * 1e3);
	if (WANT("jitter"))
		nts_m6_vw_put(w, "jitter", "%.6f", s->jitter * 1e3);
	if (WANT("dispersion"))
		nts_m6_vw_put(w, "dispersion", "%.6f", s->dispersion * 1e3);
	if (WANT("flash"))
		nts_m6_vw_put(w, "flash", "0x0");
	if (s->when >= 0 && WANT("rec")) {
		uint64_t rec = now_ntp() - (uint64_t)(s->when * 4294967296.0);
		nts_m6_vw_put(w, "rec", "0x%08x.%08x", (unsigned)(rec >> 32), (unsigned)rec);
	}
	if (s->type == 'l') {
		/* a reference clock's driver counters (ntsd's own names) */
		if (WANT("rcsamples"))
			nts_m6_vw_put(w, "rcsamples", "%llu", (unsigned long long)s->samples);
		if (WANT("rcbad"))
			nts_m6_vw_put(w, "rcbad", "%llu", (unsigned long long)s->bad_samples);
		if (s->when >= 0 && WANT("rcage"))
			nts_m6_vw_put(w, "rcage", "%.1f", s->when);
		if (s->bad_reason[0] && WANT("rcbadreason"))
			nts_m6_vw_str(w, "rcbadreason", s->bad_reason);
		if (s->last_error[0] && WANT("rcerror"))
			nts_m6_vw_str(w, "rcerror", s->last_error);
	}
	if (!s->nts)
		return;
	if (WANT("ntscookies"))
		nts_m6_vw_put(w, "ntscookies", "%d", s->cookies);
	if (WANT("ntske_age"))
		nts_m6_vw_put(w, "ntske_age", "%.0f", s->ke_age);
	if (WANT("ntsaead"))
		nts_m6_vw_put(w, "ntsaead", "%u", s->aead);
	if (WANT("ntsnaks"))
		nts_m6_vw_put(w, "ntsnaks", "%llu", (unsigned long long)s->naks);
	if (!isnan(s->cert_days_left) && WANT("ntscertdays"))
		nts_m6_vw_put(w, "ntscertdays", "%.1f", s->cert_days_left);
	if (s->last_error[0] && WANT("ntserror"))
		nts_m6_vw_str(w, "ntserror", s->last_error);
}

/* Build the READVAR text for assoc (0: the system) into w; a named
 * variable we do not have is CERR_UNKNOWNVAR, as ntpd answers. */
static int build_vars(const struct ntsd *d, const struct ntsd_source_status *peer,
		      const struct nts_m6_msg *req, struct nts_m6_vw *w)
{
	struct nts_m6_vr r;
	struct nts_m6_var v;
	bool any = false, found;
	nts_m6_vr_init(&r, req->data, req->count);
	while (nts_m6_vr_next(&r, &v)) {
		any = found = false;
		any = true;
		if (peer) {
			put_peer(peer, w, v.name, &found);
		} else {
			put_system(d, w, v.name, &found);
			put_counters(d, w, v.name, &found);
		}
		if (!found)
			return NTS_M6_CERR_UNKNOWNVAR;
	}
	if (!any) {
		found = false;
		if (peer)
			put_peer(peer, w, NULL, &found);
		else
			put_system(d, w, NULL, &found);
	}
	nts_m6_vw_end(w);
	return 0;
}

static const struct ntsd_source_status *find_source(struct ntsd_source_status *all, size_t n,
						    uint16_t assoc)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].associd == assoc)
			return &all[i];
	return NULL;
}

size_t ntsd_mode6_answer(const struct ntsd *d, const uint8_t *pkt, size_t len,
			 uint8_t (*out)[NTSD_MODE6_FRAG], size_t *lens, size_t max_frags)
{
	struct nts_m6_msg req;
	/* responses and fragments of requests are not ours to answer */
	if (max_frags == 0 || nts_m6_decode(pkt, len, &req) != NTS_OK || req.response || req.more ||
	    req.offset != 0)
		return 0;
	if (max_frags > NTS_M6_MAX_FRAGS)
		max_frags = NTS_M6_MAX_FRAGS;
	static __thread struct ntsd_source_status src[NTSD_STATUS_MAX_SOURCES];
	size_t nsrc = ntsd_status_sources(src, NTSD_STATUS_MAX_SOURCES);
	if (nsrc > NTSD_STATUS_MAX_SOURCES)
		nsrc = NTSD_STATUS_MAX_SOURCES;
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	const struct ntsd_config *c = &d->cfg;
	unsigned li = sys.synchronised ? (unsigned)sys.leap & 3u : c->stratum >= 16 ? 3u : 0u;
	/* system status word: leap, clock source (6: NTP once a peer is selected) */
	struct nts_m6_msg tmpl = req;
	tmpl.status = (uint16_t)(li << 14 | (sys.sys_peer ? 6u << 8 : 0u));

	static __thread char text[NTS_M6_MAX_DATA];
	/* whole variables only, within the fragments we may send: an answer
	 * never ends with More set (issue 13 item 17) */
	size_t budget = max_frags * NTS_M6_DATA_MAX;
	size_t dlen = 0;
	int err = 0;
	const struct ntsd_source_status *peer = NULL;
	if (req.op == NTS_M6_OP_READSTAT && req.assoc == 0) {
		size_t fit = budget / 4 < nsrc ? budget / 4 : nsrc;
		for (size_t i = 0; i < fit; i++) {
			nts_put16((uint8_t *)text + 4 * i, src[i].associd);
			nts_put16((uint8_t *)text + 4 * i + 2, peer_status(&src[i]));
		}
		dlen = 4 * fit;
	} else if (req.op == NTS_M6_OP_READSTAT || req.op == NTS_M6_OP_READVAR) {
		if (req.assoc != 0 && !(peer = find_source(src, nsrc, req.assoc))) {
			err = NTS_M6_CERR_BADASSOC;
		} else {
			struct nts_m6_vw w;
			nts_m6_vw_init(&w, text, budget + 1 < sizeof text ? budget + 1 : sizeof text);
			err = build_vars(d, peer, &req, &w);
			dlen = w.len;
			if (peer)
				tmpl.status = peer_status(peer);
		}
	} else {
		err = NTS_M6_CERR_BADOP;
	}
	if (err) {
		lens[0] = nts_m6_error(&req, (enum nts_m6_cerr)err, out[0], NTSD_MODE6_FRAG);
		return lens[0] ? 1 : 0;
	}
	return nts_m6_fragment(&tmpl, (const uint8_t *)text, dlen, out, lens, max_frags);
}
