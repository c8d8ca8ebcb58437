/* ntsd: the status report (report.h) as a struct and as JSON. */
#include <config.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/jsonv.h"
#include "nts/err.h"
#include "report.h"
#include "status.h"

const char *ntsd_ke_fail_name(enum ntsd_ke_fail f)
{
	static const char *const names[NTSD_KE_FAIL_MAX] = {
		[NTSD_KE_FAIL_HANDSHAKE] = "tls_handshake",
		[NTSD_KE_FAIL_TIMEOUT] = "timeout",
		[NTSD_KE_FAIL_CLOSED] = "closed_early",
		[NTSD_KE_FAIL_TOO_LONG] = "request_too_long",
		[NTSD_KE_FAIL_TLS_IO] = "tls_io",
		[NTSD_KE_FAIL_EVICTED] = "evicted",
		[NTSD_KE_FAIL_REFUSED] = "refused",
		[NTSD_KE_FAIL_INTERNAL] = "internal",
	};
	return (unsigned)f < NTSD_KE_FAIL_MAX ? names[f] : "unknown";
}

/* The validity of the first certificate of the PEM file (the leaf): read
 * here rather than kept from the load, so a renewal on disk shows at once. */
static bool read_cert(const char *path, struct ntsd_server_report *r)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0;
	bool ok = false;
	if (!path[0] || gnutls_load_file(path, &pem) < 0)
		return false;
	if (gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM, 0) >= 0 && n > 0) {
		r->cert_not_before = gnutls_x509_crt_get_activation_time(crts[0]);
		r->cert_not_after = gnutls_x509_crt_get_expiration_time(crts[0]);
		size_t len = sizeof r->cert_subject;
		if (gnutls_x509_crt_get_dn(crts[0], r->cert_subject, &len) < 0)
			r->cert_subject[0] = '\0';
		ok = r->cert_not_after > 0;
	}
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	gnutls_free(pem.data);
	return ok;
}

void ntsd_report_server(const struct ntsd *d, struct ntsd_server_report *r)
{
	memset(r, 0, sizeof *r);
	r->now = (int64_t)time(NULL);
	r->started = (int64_t)d->started;
	r->nts = d->cfg.nts_enable;
	struct ntsd_totals t;
	ntsd_totals(d, &t);
	r->c = t.c;
	r->naks_sent = t.naks_sent;
	r->plain_requests = t.plain_requests;
	r->datagrams_sent = t.datagrams_sent;
	for (int i = 0; i < NTSD_KE_FAIL_MAX; i++)
		r->ke_fail[i] = t.ke_fail[i];
	if (d->ring) {
		static __thread struct nts_ring_key keys[NTS_RING_MAX_KEYS];
		size_t n = 0;
		if (nts_cookie_ring_export(d->ring, keys, NTS_RING_MAX_KEYS, &n) == NTS_OK) {
			for (size_t i = 0; i < n; i++) {
				r->keys[i].id = keys[i].id;
				r->keys[i].created = (int64_t)keys[i].created;
			}
			r->nkeys = n;
		}
		/* only ids and dates leave this function; not the key octets */
		memset(keys, 0, sizeof keys);
		r->next_rotation = (int64_t)nts_cookie_ring_next_rotation(d->ring);
	}
	if (d->cfg.nts_enable)
		r->have_cert = read_cert(d->cfg.cert_file, r);
}

/* NAN and infinities are not JSON: they become null. */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *counters_json(const struct ntsd_server_report *r)
{
	const struct nts_counters *c = &r->c;
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "nts_client_send", (json_int_t)c->client_sends,
			 "nts_client_recv_good", (json_int_t)c->client_recvs_good,
			 "nts_client_recv_bad", (json_int_t)c->client_recvs_bad,
			 "nts_server_recv_good", (json_int_t)c->server_recvs_good,
			 "nts_server_recv_bad", (json_int_t)c->server_recvs_bad,
			 "nts_server_send", (json_int_t)c->server_sends,
			 "nts_cookie_make", (json_int_t)c->cookie_make,
			 "nts_cookie_decode", (json_int_t)c->cookie_decode,
			 "nts_cookie_decode_old", (json_int_t)c->cookie_decode_old,
			 "nts_cookie_decode_too_old", (json_int_t)c->cookie_decode_too_old,
			 "nts_cookie_decode_error", (json_int_t)c->cookie_decode_error,
			 "nts_ke_probes_good", (json_int_t)c->ke_probes_good,
			 "nts_ke_probes_bad", (json_int_t)c->ke_probes_bad,
			 "nts_ke_serves_good", (json_int_t)c->ke_serves_good,
			 "nts_ke_serves_bad", (json_int_t)c->ke_serves_bad,
			 "nts_naks_sent", (json_int_t)r->naks_sent,
			 "ntp_plain_requests", (json_int_t)r->plain_requests,
			 "ntp_datagrams_sent", (json_int_t)r->datagrams_sent);
}

static json_t *keys_json(const struct ntsd_server_report *r)
{
	json_t *list = json_array();
	for (size_t i = 0; i < r->nkeys; i++) {
		char id[16];
		snprintf(id, sizeof id, "%08x", r->keys[i].id);
		json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:b}", "id", id, "created",
						      (json_int_t)r->keys[i].created, "age",
						      (json_int_t)(r->now - r->keys[i].created), "current",
						      i + 1 == r->nkeys));
	}
	return json_pack("{s:o,s:o}", "keys", list, "next_rotation",
			 r->next_rotation ? json_integer(r->next_rotation) : json_null());
}

static json_t *cert_json(const struct ntsd_server_report *r)
{
	if (!r->have_cert)
		return json_null();
	/* a certificate name may hold any octet: json_pack's s would refuse
	 * invalid UTF-8 and lose the whole object */
	return json_pack("{s:o,s:I,s:I,s:f}", "subject", jsonv_str(r->cert_subject), "not_before",
			 (json_int_t)r->cert_not_before, "not_after", (json_int_t)r->cert_not_after,
			 "days_left", (double)(r->cert_not_after - r->now) / 86400.0);
}

static json_t *source_json(const struct ntsd_source_status *s)
{
	char tally[2] = { s->tally ? s->tally : ' ', 0 }, type[2] = { s->type ? s->type : 'u', 0 };
	/* names, refids and errors come from configuration and the network:
	 * through jsonv_str, valid UTF-8 whatever they hold */
	json_t *o = json_pack("{s:i,s:o,s:o,s:s,s:s,s:b,s:b,s:i,s:i,s:o,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			      "associd", s->associd, "name", jsonv_str(s->name), "addr", jsonv_str(s->addr),
			      "type", type, "tally", tally, "nts", s->nts, "reachable", s->reachable,
			      "reach", s->reach, "stratum", s->stratum, "refid", jsonv_str(s->refid),
			      "leap", s->leap, "poll", s->poll_log2,
			      "when", s->when >= 0 ? num(s->when) : json_null(), "offset", num(s->offset),
			      "delay", num(s->delay), "jitter", num(s->jitter), "dispersion",
			      num(s->dispersion), "root_delay", num(s->root_delay), "root_dispersion",
			      num(s->root_dispersion));
	if (!o)
		return json_object();
	if (s->nts) {
		json_object_set_new(o, "cookies", json_integer(s->cookies));
		json_object_set_new(o, "ke_age", s->ke_age >= 0 ? num(s->ke_age) : json_null());
		json_object_set_new(o, "aead", json_integer(s->aead));
		json_object_set_new(o, "naks", json_integer((json_int_t)s->naks));
		json_object_set_new(o, "cert_days_left", num(s->cert_days_left));
		json_object_set_new(o, "last_error", jsonv_str(s->last_error));
	}
	if (s->type == 'l') {
		json_object_set_new(o, "samples", json_integer((json_int_t)s->samples));
		json_object_set_new(o, "bad_samples", json_integer((json_int_t)s->bad_samples));
		json_object_set_new(o, "bad_reason", jsonv_str(s->bad_reason));
	}
	return o;
}

json_t *ntsd_report_json(const struct ntsd *d)
{
	static __thread struct ntsd_server_report r;
	static __thread struct ntsd_source_status src[NTSD_STATUS_MAX_SOURCES];
	ntsd_report_server(d, &r);
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	size_t n = ntsd_status_sources(src, NTSD_STATUS_MAX_SOURCES);
	if (n > NTSD_STATUS_MAX_SOURCES)
		n = NTSD_STATUS_MAX_SOURCES;
	json_t *fails = json_object();
	for (int i = 0; i < NTSD_KE_FAIL_MAX; i++)
		json_object_set_new(fails, ntsd_ke_fail_name((enum ntsd_ke_fail)i),
				    json_integer((json_int_t)r.ke_fail[i]));
	json_t *sources = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(sources, source_json(&src[i]));
	/* before the client side synchronises, the configured local stratum */
	int stratum = sys.synchronised ? sys.stratum : (int)(d->cfg.stratum >= 16 ? 16 : d->cfg.stratum);
	if (!sys.synchronised) {
		uint32_t id = d->cfg.refid;
		char raw[5] = { (char)(id >> 24), (char)(id >> 16), (char)(id >> 8), (char)id, 0 };
		for (int i = 0; i < 4; i++)
			if (raw[i] && (raw[i] < 0x20 || raw[i] > 0x7e))
				raw[i] = '?';
		snprintf(sys.refid, sizeof sys.refid, "%s", raw);
	}
	json_t *system = json_pack("{s:b,s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:i}", "synchronised", sys.synchronised,
				   "stratum", stratum, "leap",
				   sys.synchronised ? sys.leap : d->cfg.stratum >= 16 ? 3 : 0, "refid",
				   sys.refid, "root_delay", num(sys.root_delay), "root_dispersion",
				   num(sys.root_dispersion), "offset", num(sys.offset), "frequency_ppm",
				   num(sys.frequency_ppm), "sys_peer", sys.sys_peer);
	if (system && sys.synchronised) {
		json_object_set_new(system, "jitter", num(sys.jitter));
		json_object_set_new(system, "reftime", sys.reftime > 0 ? num(sys.reftime) : json_null());
		json_object_set_new(system, "poll", json_integer(sys.poll_log2));
	}
	return json_pack("{s:s,s:s,s:I,s:I,s:b,s:o,s:o,s:o,s:o,s:o,s:o}", "schema", NTSD_REPORT_SCHEMA,
			 "version", "ntsd " PACKAGE_VERSION, "time", (json_int_t)r.now, "started",
			 (json_int_t)r.started, "nts", r.nts, "system", system ? system : json_object(),
			 "counters", counters_json(&r), "ke_failures", fails, "key_ring", keys_json(&r),
			 "certificate", cert_json(&r), "sources", sources);
}
