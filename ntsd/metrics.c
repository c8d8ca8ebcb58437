/* ntsd metrics endpoint: the status report (report.h) as OpenMetrics or
 * Prometheus text at GET /metrics, served by libmicrohttpd from its own
 * thread. libmicrohttpd rather than hand-written HTTP: it brings a tested
 * request parser, per-connection timeouts and a connection limit, so a slow
 * or hostile scraper can neither stall the main loop nor grow memory, at the
 * cost of one Debian library. Names follow Prometheus conventions: an
 * ntsd_ prefix, base units (seconds), _total on counters. */
#include <config.h>

#include <microhttpd.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"
#include "report.h"
#include "status.h"

#define METRICS_CONN_LIMIT 8
#define METRICS_TIMEOUT_S 5

struct ntsd_metrics {
	struct MHD_Daemon *mhd;
};

/* A growing text buffer; on allocation failure it stays failed. */
struct out {
	char *buf;
	size_t len, cap;
	bool fail;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	for (int tries = 0; tries < 2 && !o->fail; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->fail = true;
			return;
		}
		if (o->buf && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = (o->cap ? o->cap * 2 : 8192) + (size_t)n + 1;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->fail = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
}

/* Label values: backslash, double quote and newline are escaped. */
static void label(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	for (; *src && n + 3 < cap; src++) {
		char ch = *src;
		if (ch == '\\' || ch == '"') {
			dst[n++] = '\\';
			dst[n++] = ch;
		} else if (ch == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else if ((unsigned char)ch >= 0x20) {
			dst[n++] = ch;
		}
	}
	dst[n] = '\0';
}

/* HELP and TYPE lines. OpenMetrics names a counter family without its
 * _total suffix; the Prometheus text format names it with. */
static void family(struct out *o, bool om, const char *name, const char *type, const char *help)
{
	size_t nl = strlen(name);
	bool strip = om && strcmp(type, "counter") == 0 && nl > 6 && strcmp(name + nl - 6, "_total") == 0;
	int fl = (int)(strip ? nl - 6 : nl);
	put(o, "# HELP %.*s %s\n# TYPE %.*s %s\n", fl, name, help, fl, name, type);
}

static void sample(struct out *o, const char *name, const char *labels, double v)
{
	if (isnan(v))
		put(o, "%s%s NaN\n", name, labels ? labels : "");
	else if (v == floor(v) && fabs(v) < 1e15)
		put(o, "%s%s %.0f\n", name, labels ? labels : "", v);
	else
		put(o, "%s%s %.9g\n", name, labels ? labels : "", v);
}

static void counter(struct out *o, bool om, const char *name, const char *help, uint64_t v)
{
	family(o, om, name, "counter", help);
	put(o, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(struct out *o, bool om, const char *name, const char *help, double v)
{
	family(o, om, name, "gauge", help);
	sample(o, name, NULL, v);
}

static void server_metrics(struct out *o, bool om, const struct ntsd_server_report *r)
{
	const struct nts_counters *c = &r->c;
	family(o, om, "ntsd_build_info", "gauge", "ntsd version; always 1.");
	put(o, "ntsd_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	gauge(o, om, "ntsd_start_time_seconds", "When ntsd started, Unix seconds.", (double)r->started);
	counter(o, om, "ntsd_nts_server_requests_good_total",
		"NTS-protected NTP requests that authenticated.", c->server_recvs_good);
	counter(o, om, "ntsd_nts_server_requests_bad_total",
		"NTS NTP requests refused (bad cookie, authenticator or fields).", c->server_recvs_bad);
	counter(o, om, "ntsd_nts_server_responses_total", "NTS-protected NTP responses sent.",
		c->server_sends);
	counter(o, om, "ntsd_nts_naks_sent_total", "NTS NAKs sent (RFC 8915 section 5.7).", r->naks_sent);
	counter(o, om, "ntsd_nts_cookies_made_total", "Cookies sealed for clients.", c->cookie_make);
	counter(o, om, "ntsd_nts_cookies_decoded_total", "Cookies opened.", c->cookie_decode);
	counter(o, om, "ntsd_nts_cookies_decoded_old_key_total",
		"Cookies opened with a retained, not the current, master key.", c->cookie_decode_old);
	counter(o, om, "ntsd_nts_cookies_too_old_total",
		"Cookies whose master key had left the ring.", c->cookie_decode_too_old);
	counter(o, om, "ntsd_nts_cookie_errors_total", "Cookies malformed or failing to verify.",
		c->cookie_decode_error);
	counter(o, om, "ntsd_nts_ke_sessions_good_total", "NTS-KE sessions that gave cookies.",
		c->ke_serves_good);
	counter(o, om, "ntsd_nts_ke_sessions_bad_total", "NTS-KE sessions that failed.", c->ke_serves_bad);
	family(o, om, "ntsd_nts_ke_failures_total", "counter", "Failed NTS-KE sessions by reason.");
	for (int i = 0; i < NTSD_KE_FAIL_MAX; i++)
		put(o, "ntsd_nts_ke_failures_total{reason=\"%s\"} %llu\n",
		    ntsd_ke_fail_name((enum ntsd_ke_fail)i), (unsigned long long)r->ke_fail[i]);
	counter(o, om, "ntsd_ntp_plain_requests_total", "NTP requests answered without NTS.",
		r->plain_requests);
	counter(o, om, "ntsd_ntp_datagrams_sent_total", "NTP datagrams sent.", r->datagrams_sent);
	counter(o, om, "ntsd_nts_client_requests_total", "NTS requests sent by ntsd's client side.",
		c->client_sends);
	counter(o, om, "ntsd_nts_client_responses_good_total",
		"NTS responses to ntsd's client side that authenticated.", c->client_recvs_good);
	counter(o, om, "ntsd_nts_client_responses_bad_total",
		"NTS responses to ntsd's client side that were refused.", c->client_recvs_bad);
	if (r->nts) {
		gauge(o, om, "ntsd_nts_cookie_keys", "Cookie master keys in the ring.", (double)r->nkeys);
		family(o, om, "ntsd_nts_cookie_key_age_seconds", "gauge",
		       "Age of each cookie master key; current=\"1\" marks the key that seals.");
		for (size_t i = 0; i < r->nkeys; i++)
			put(o, "ntsd_nts_cookie_key_age_seconds{id=\"%08x\",current=\"%d\"} %lld\n", r->keys[i].id,
			    i + 1 == r->nkeys, (long long)(r->now - r->keys[i].created));
		if (r->next_rotation)
			gauge(o, om, "ntsd_nts_cookie_key_next_rotation_timestamp_seconds",
			      "When the next master key is made, Unix seconds.", (double)r->next_rotation);
	}
	if (r->have_cert) {
		gauge(o, om, "ntsd_nts_certificate_expiry_timestamp_seconds",
		      "notAfter of the NTS-KE certificate, Unix seconds.", (double)r->cert_not_after);
		gauge(o, om, "ntsd_nts_certificate_start_timestamp_seconds",
		      "notBefore of the NTS-KE certificate, Unix seconds.", (double)r->cert_not_before);
	}
}

/* One gauge family over every source, labelled by name and address. */
static void per_source(struct out *o, bool om, const struct ntsd_source_status *s, size_t n,
		       const char *name, const char *help, bool nts_only,
		       double (*get)(const struct ntsd_source_status *))
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (nts_only && !s[i].nts)
			continue;
		if (!any)
			family(o, om, name, "gauge", help);
		any = true;
		char sn[300], sa[160], labels[512];
		label(sn, sizeof sn, s[i].name);
		label(sa, sizeof sa, s[i].addr);
		snprintf(labels, sizeof labels, "{source=\"%s\",addr=\"%s\"}", sn, sa);
		sample(o, name, labels, get(&s[i]));
	}
}

static double g_offset(const struct ntsd_source_status *s) { return s->offset; }
static double g_delay(const struct ntsd_source_status *s) { return s->delay; }
static double g_jitter(const struct ntsd_source_status *s) { return s->jitter; }
static double g_reach(const struct ntsd_source_status *s) { return s->reach; }
static double g_stratum(const struct ntsd_source_status *s) { return s->stratum; }
static double g_selected(const struct ntsd_source_status *s) { return s->tally == '*'; }
static double g_cookies(const struct ntsd_source_status *s) { return s->cookies; }
static double g_naks(const struct ntsd_source_status *s) { return (double)s->naks; }
static double g_certdays(const struct ntsd_source_status *s) { return s->cert_days_left * 86400.0; }

char *ntsd_metrics_text(const struct ntsd *d, bool om, size_t *len)
{
	static __thread struct ntsd_server_report r;
	static __thread struct ntsd_source_status src[NTSD_STATUS_MAX_SOURCES];
	struct out o = { NULL, 0, 0, false };
	ntsd_report_server(d, &r);
	server_metrics(&o, om, &r);
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	gauge(&o, om, "ntsd_system_synchronised", "1 when ntsd's clock is synchronised to a source.",
	      sys.synchronised);
	gauge(&o, om, "ntsd_system_stratum", "Stratum ntsd serves.",
	      sys.synchronised ? (double)sys.stratum : d->cfg.stratum >= 16 ? 16.0 : (double)d->cfg.stratum);
	if (sys.synchronised)
		gauge(&o, om, "ntsd_system_offset_seconds", "Last offset applied to the clock.", sys.offset);
	size_t n = ntsd_status_sources(src, NTSD_STATUS_MAX_SOURCES);
	if (n > NTSD_STATUS_MAX_SOURCES)
		n = NTSD_STATUS_MAX_SOURCES;
	per_source(&o, om, src, n, "ntsd_source_offset_seconds", "Offset of each time source.", false, g_offset);
	per_source(&o, om, src, n, "ntsd_source_delay_seconds", "Round-trip delay to each source.", false, g_delay);
	per_source(&o, om, src, n, "ntsd_source_jitter_seconds", "Jitter of each source.", false, g_jitter);
	per_source(&o, om, src, n, "ntsd_source_reach", "8-bit reach register of each source.", false, g_reach);
	per_source(&o, om, src, n, "ntsd_source_stratum", "Stratum of each source.", false, g_stratum);
	per_source(&o, om, src, n, "ntsd_source_selected", "1 for the selected source.", false, g_selected);
	per_source(&o, om, src, n, "ntsd_source_nts_cookies", "NTS cookies held for each source.", true, g_cookies);
	per_source(&o, om, src, n, "ntsd_source_nts_naks", "NTS NAKs received from each source.", true, g_naks);
	per_source(&o, om, src, n, "ntsd_source_nts_certificate_remaining_seconds",
		   "Validity left on each source's NTS-KE certificate.", true, g_certdays);
	if (om)
		put(&o, "# EOF\n");
	if (o.fail) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
			       char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	enum MHD_Result rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_size, void **req_cls)
{
	(void)version;
	(void)upload_data;
	const struct ntsd *d = cls;
	/* the first call for a request only announces it: reject bodies then */
	if (*req_cls == NULL) {
		static int marker;
		*req_cls = &marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;   /* discard; answered below once the body ended */
	}
	static char not_found[] = "not found: try /metrics\n", bad_method[] = "only GET\n";
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			       sizeof bad_method - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1,
			       MHD_RESPMEM_PERSISTENT);
	/* Prometheus asks for OpenMetrics first in Accept; curl gets the
	 * classic text format that promtool and older tools read */
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
	bool om = accept && strstr(accept, "application/openmetrics-text") != NULL;
	size_t len = 0;
	char *text = ntsd_metrics_text(d, om, &len);
	if (!text)
		return MHD_NO;
	return respond(conn, MHD_HTTP_OK,
		       om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			  : "text/plain; version=0.0.4; charset=utf-8",
		       text, len, MHD_RESPMEM_MUST_FREE);
}

int ntsd_metrics_start(struct ntsd *d)
{
	if (!d->cfg.metrics_on)
		return NTS_OK;
	struct ntsd_metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NTS_E_NOMEM;
	const struct ntsd_addr *a = &d->cfg.metrics;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (a->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->mhd = MHD_start_daemon(flags, ntsd_addr_port(a), NULL, NULL, handler, d, MHD_OPTION_SOCK_ADDR,
				  (const struct sockaddr *)&a->ss, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned)METRICS_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)METRICS_TIMEOUT_S, MHD_OPTION_END);
	if (!m->mhd) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "metrics endpoint %s: cannot listen", a->text);
		free(m);
		return NTS_E_IO;
	}
	d->metrics = m;
	nts_log(NTS_LOG_INFO, NTS_TAG_SHARED, "metrics endpoint on http://%s/metrics", a->text);
	return NTS_OK;
}

void ntsd_metrics_stop(struct ntsd *d)
{
	if (!d->metrics)
		return;
	MHD_stop_daemon(d->metrics->mhd);
	free(d->metrics);
	d->metrics = NULL;
}
