/* ntske-probe: --json output, schema "ntske-probe/1" (ntske-probe/json-schema.md),
 * built as jansson values (common/jsonv.h). Every string goes through
 * jsonv_str: certificate names, records and messages carry the server's
 * octets, which need not be UTF-8. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/jsonv.h"
#include "nts/aead.h"
#include "probe.h"

/* Reals as "%.9g" showed them: nine significant digits. */
#define PROBE_JSON_PRECISION 9

static json_t *str_or_null(const char *s)
{
	return jsonv_str(s && s[0] ? s : NULL);
}

static json_t *iso(int64_t t)
{
	char out[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, sizeof out, "?");
	return jsonv_str(out);
}

static void json_phases(json_t *root, const struct probe_result *r, bool *bad)
{
	const struct {
		const char *name;
		const struct probe_phase *p;
	} ph[] = {{"resolve", &r->resolve}, {"connect", &r->connect}, {"tls", &r->tls},
		  {"ke", &r->ke}, {"ntp", &r->ntp}};
	json_t *o = jsonv_add(root, "phases_ms", json_object(), bad);
	for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++)
		jsonv_add(o, ph[i].name, ph[i].p->run ? jsonv_num(ph[i].p->ms) : json_null(), bad);
}

static void json_cert(json_t *chain, const struct nts_tls_cert *c, bool *bad)
{
	json_t *o = jsonv_add(chain, NULL, json_object(), bad);
	jsonv_add(o, "subject", jsonv_str(c->subject), bad);
	jsonv_add(o, "issuer", jsonv_str(c->issuer), bad);
	json_t *sans = jsonv_add(o, "sans", json_array(), bad);
	for (size_t k = 0; k < c->nsans; k++)
		jsonv_add(sans, NULL, jsonv_str(c->sans[k]), bad);
	jsonv_add(o, "not_before", iso(c->not_before), bad);
	jsonv_add(o, "not_after", iso(c->not_after), bad);
	double days = floor((double)(c->not_after - (int64_t)time(NULL)) / 86400.0);
	jsonv_add(o, "days_left", json_integer((json_int_t)days), bad);
	jsonv_add(o, "key_type", jsonv_str(c->key_type), bad);
	jsonv_add(o, "key_bits", json_integer(c->key_bits), bad);
	jsonv_add(o, "signature_algorithm", jsonv_str(c->sig_alg), bad);
	jsonv_add(o, "sha256", jsonv_str(c->sha256), bad);
	jsonv_add(o, "ca", json_boolean(c->is_ca), bad);
}

static void json_tls(json_t *root, const struct probe_opts *opt, const struct probe_result *r,
		     bool *bad)
{
	if (!r->tls.run || !r->tls_info.version[0]) {
		jsonv_add(root, "tls", json_null(), bad);
		return;
	}
	const struct nts_tls_info *i = &r->tls_info;
	json_t *o = jsonv_add(root, "tls", json_object(), bad);
	jsonv_add(o, "version", jsonv_str(i->version), bad);
	jsonv_add(o, "cipher", jsonv_str(i->cipher), bad);
	jsonv_add(o, "group", jsonv_str(i->group), bad);
	jsonv_add(o, "signature_algorithm", jsonv_str(i->sigalg), bad);
	jsonv_add(o, "alpn", str_or_null(i->alpn), bad);
	jsonv_add(o, "alpn_ok", json_boolean(strcmp(i->alpn, NTSKE_ALPN) == 0), bad);
	json_t *v = jsonv_add(o, "verify", json_object(), bad);
	jsonv_add(v, "checked", json_boolean(r->verify.checked), bad);
	jsonv_add(v, "ok", json_boolean(r->verify.checked && !r->verify.flags), bad);
	jsonv_add(v, "insecure", json_boolean(opt->insecure), bad);
	jsonv_add(v, "name", jsonv_str(r->verify.name), bad);
	json_t *reasons = jsonv_add(v, "reasons", json_array(), bad);
	char words[160];
	if (r->verify.flags) {
		nts_tls_verify_str(r->verify.flags, words, sizeof words);
		char *save = NULL;
		for (char *tok = strtok_r(words, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			jsonv_add(reasons, NULL, jsonv_str(tok[0] == ' ' ? tok + 1 : tok), bad);
	}
	json_t *chain = jsonv_add(o, "chain", json_array(), bad);
	for (size_t k = 0; k < r->nchain; k++)
		json_cert(chain, &r->chain[k], bad);
}

static void json_records(json_t *ke, const struct probe_result *r, bool *bad)
{
	json_t *recs = jsonv_add(ke, "records", json_array(), bad);
	/* json_pack fails as a whole (NULL) when an "o" value is NULL */
	for (size_t k = 0; k < r->nrecs; k++) {
		const struct probe_rec *p = &r->recs[k];
		jsonv_add(recs, NULL,
			  json_pack("{s:i, s:o, s:b, s:i, s:o, s:o}", "type", p->type,
				    "name", jsonv_str(p->name), "critical", p->critical,
				    "length", p->len, "decoded", jsonv_str(p->decoded),
				    "body_hex", jsonv_str(p->hex)),
			  bad);
	}
}

static void json_ke(json_t *root, const struct probe_result *r, bool *bad)
{
	if (!r->ke.run) {
		jsonv_add(root, "ke", json_null(), bad);
		return;
	}
	const struct ntske_response *s = &r->resp;
	json_t *o = jsonv_add(root, "ke", json_object(), bad);
	jsonv_add(o, "request_octets", json_integer((json_int_t)r->ke_req_len), bad);
	jsonv_add(o, "response_octets", json_integer((json_int_t)r->ke_resp_len), bad);
	json_records(o, r, bad);
	jsonv_add(o, "complete", json_boolean(r->ke_done), bad);
	if (r->ke_done) {
		jsonv_add(o, "next_protocol", json_integer(s->proto), bad);
		jsonv_add(o, "aead", json_integer(s->aead), bad);
		jsonv_add(o, "aead_name", jsonv_str(nts_aead_name(s->aead)), bad);
		jsonv_add(o, "cookies", json_integer((json_int_t)s->ncookies), bad);
		json_t *lens = jsonv_add(o, "cookie_lengths", json_array(), bad);
		for (size_t k = 0; k < s->ncookies; k++)
			jsonv_add(lens, NULL, json_integer(s->cookie_len[k]), bad);
		jsonv_add(o, "server_record", jsonv_str(s->has_server ? s->server : NULL), bad);
		jsonv_add(o, "port_record", s->has_port ? json_integer(s->port) : json_null(), bad);
		jsonv_add(o, "ntp_server", jsonv_str(r->ntp_host), bad);
		jsonv_add(o, "ntp_port", json_integer(r->ntp_port), bad);
	}
	jsonv_add(o, "error_code", s->has_error ? json_integer(s->error_code) : json_null(), bad);
	json_t *warn = jsonv_add(o, "warnings", json_array(), bad);
	for (size_t k = 0; k < s->nwarnings; k++)
		jsonv_add(warn, NULL, json_integer(s->warnings[k]), bad);
}

static void json_query(json_t *queries, size_t i, const struct probe_query *q, bool *bad)
{
	json_t *o = jsonv_add(queries, NULL, json_object(), bad);
	jsonv_add(o, "seq", json_integer((json_int_t)i + 1), bad);
	jsonv_add(o, "ok", json_boolean(q->ok), bad);
	jsonv_add(o, "error", str_or_null(q->error), bad);
	jsonv_add(o, "cookie_from", jsonv_str(q->cookie_from), bad);
	jsonv_add(o, "request_octets", json_integer((json_int_t)q->req_len), bad);
	jsonv_add(o, "response_octets", json_integer((json_int_t)q->resp_len), bad);
	jsonv_add(o, "nak", json_boolean(q->nak), bad);
	jsonv_add(o, "uid_echoed", json_boolean(q->uid_echo), bad);
	jsonv_add(o, "authenticated", json_boolean(q->authenticated), bad);
	jsonv_add(o, "rtt_ms", jsonv_num(q->rtt_ms), bad);
	if (!q->authenticated)
		return;
	jsonv_add(o, "offset", jsonv_num(q->offset), bad);
	jsonv_add(o, "delay", jsonv_num(q->delay), bad);
	jsonv_add(o, "stratum", json_integer(q->stratum), bad);
	jsonv_add(o, "refid", jsonv_str(q->refid), bad);
	jsonv_add(o, "leap", json_integer(q->leap), bad);
	jsonv_add(o, "synchronised", json_boolean(!q->unsync), bad);
	jsonv_add(o, "root_delay", jsonv_num(q->root_delay), bad);
	jsonv_add(o, "root_dispersion", jsonv_num(q->root_disp), bad);
	jsonv_add(o, "precision", json_integer(q->precision), bad);
	jsonv_add(o, "new_cookies", json_integer((json_int_t)q->ncookies), bad);
}

static void json_ntp(json_t *root, const struct probe_result *r, bool *bad)
{
	if (!r->ntp.run) {
		jsonv_add(root, "ntp", json_null(), bad);
		return;
	}
	json_t *o = jsonv_add(root, "ntp", json_object(), bad);
	jsonv_add(o, "address", jsonv_str(r->ntp_target.addr), bad);
	jsonv_add(o, "port", json_integer(r->ntp_target.port), bad);
	json_t *queries = jsonv_add(o, "queries", json_array(), bad);
	for (size_t i = 0; i < r->nq; i++)
		json_query(queries, i, &r->q[i], bad);
	jsonv_add(o, "cookie_refresh_tested", json_boolean(r->refresh_tested), bad);
	jsonv_add(o, "cookie_refresh_ok", json_boolean(r->refresh_ok), bad);
}

static void json_lists(json_t *root, const struct probe_result *r, bool *bad)
{
	static const char *const verdict[] = {"PASS", "FAIL", "INFO", "SKIP"};
	json_t *scan = jsonv_add(root, "aead_scan", json_array(), bad);
	for (size_t i = 0; i < r->nscan; i++)
		jsonv_add(scan, NULL,
			  json_pack("{s:i, s:o, s:b, s:o}", "aead", r->scan[i].aead,
				    "name", jsonv_str(nts_aead_name(r->scan[i].aead)),
				    "accepted", r->scan[i].accepted,
				    "answer", jsonv_str(r->scan[i].answer)),
			  bad);
	json_t *checks = jsonv_add(root, "checks", json_array(), bad);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct probe_check *c = &r->checks[i];
		jsonv_add(checks, NULL,
			  json_pack("{s:o, s:o, s:o, s:o}", "id", jsonv_str(c->id),
				    "description", jsonv_str(c->what),
				    "result", jsonv_str(verdict[c->verdict]),
				    "evidence", jsonv_str(c->evidence)),
			  bad);
	}
}

int report_json(FILE *out, const struct probe_opts *o, const struct probe_result *r)
{
	bool bad = false;
	json_t *root = json_object();
	jsonv_add(root, "schema", jsonv_str("ntske-probe/1"), &bad);
	jsonv_add(root, "host", jsonv_str(r->host), &bad);
	jsonv_add(root, "port", json_integer(r->target.port ? r->target.port : o->port), &bad);
	jsonv_add(root, "address", str_or_null(r->target.addr), &bad);
	json_t *addrs = jsonv_add(root, "addresses", json_array(), &bad);
	for (size_t i = 0; i < r->naddrs; i++)
		jsonv_add(addrs, NULL, jsonv_str(r->addrs[i].addr), &bad);
	jsonv_add(root, "ok", json_boolean(r->exit_code == PX_OK), &bad);
	jsonv_add(root, "exit_code", json_integer(r->exit_code), &bad);
	jsonv_add(root, "exit_name", jsonv_str(probe_exit_name(r->exit_code)), &bad);
	if (r->exit_code != PX_OK && r->fail_phase[0]) {
		json_t *f = jsonv_add(root, "failure", json_object(), &bad);
		jsonv_add(f, "phase", jsonv_str(r->fail_phase), &bad);
		jsonv_add(f, "message", jsonv_str(r->fail_msg), &bad);
	} else {
		jsonv_add(root, "failure", json_null(), &bad);
	}
	jsonv_add(root, "hint", str_or_null(r->hint), &bad);
	json_phases(root, r, &bad);
	json_tls(root, o, r, &bad);
	json_ke(root, r, &bad);
	json_ntp(root, r, &bad);
	json_lists(root, r, &bad);
	int rc = jsonv_print(out, root, bad, PROBE_JSON_PRECISION);
	json_decref(root);
	return rc;
}
