/* ntske-probe: --json output, schema "ntske-probe/1" (ntske-probe/json-schema.md). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nts/aead.h"
#include "probe.h"

/* A minimal streaming writer: the comma state lives in a small stack. */
struct jw {
	int depth;
	bool first[16];
};

static void jw_sep(struct jw *w)
{
	if (!w->first[w->depth])
		fputc(',', stdout);
	w->first[w->depth] = false;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Strings from servers (certificate names) may hold any octet: JSON must
 * be UTF-8, so an invalid octet becomes U+FFFD. */
static void jw_str_raw(const char *s)
{
	fputc('"', stdout);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", stdout);
			p++;
		} else if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, stdout);
			p += n;
		}
	}
	fputc('"', stdout);
}

static void jw_key(struct jw *w, const char *k)
{
	jw_sep(w);
	if (k) {
		jw_str_raw(k);
		fputc(':', stdout);
	}
}

static void jw_open(struct jw *w, const char *k, char c)
{
	jw_key(w, k);
	fputc(c, stdout);
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	fputc(c, stdout);
}

static void jw_str(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	if (v)
		jw_str_raw(v);
	else
		fputs("null", stdout);
}

static void jw_int(struct jw *w, const char *k, long long v)
{
	jw_key(w, k);
	printf("%lld", v);
}

static void jw_num(struct jw *w, const char *k, double v)
{
	jw_key(w, k);
	if (isfinite(v))
		printf("%.9g", v);
	else
		fputs("null", stdout);
}

static void jw_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	fputs(v ? "true" : "false", stdout);
}

static void jw_null(struct jw *w, const char *k)
{
	jw_key(w, k);
	fputs("null", stdout);
}

static void iso(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "?");
}

static void json_phases(struct jw *w, const struct probe_result *r)
{
	const struct {
		const char *name;
		const struct probe_phase *p;
	} ph[] = {{"resolve", &r->resolve}, {"connect", &r->connect}, {"tls", &r->tls},
		  {"ke", &r->ke}, {"ntp", &r->ntp}};
	jw_open(w, "phases_ms", '{');
	for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++) {
		if (ph[i].p->run)
			jw_num(w, ph[i].name, ph[i].p->ms);
		else
			jw_null(w, ph[i].name);
	}
	jw_close(w, '}');
}

static void json_cert(struct jw *w, const struct nts_tls_cert *c)
{
	char t[32];
	jw_open(w, NULL, '{');
	jw_str(w, "subject", c->subject);
	jw_str(w, "issuer", c->issuer);
	jw_open(w, "sans", '[');
	for (size_t k = 0; k < c->nsans; k++)
		jw_str(w, NULL, c->sans[k]);
	jw_close(w, ']');
	iso(t, sizeof t, c->not_before);
	jw_str(w, "not_before", t);
	iso(t, sizeof t, c->not_after);
	jw_str(w, "not_after", t);
	jw_int(w, "days_left", (long long)floor((double)(c->not_after - (int64_t)time(NULL)) / 86400.0));
	jw_str(w, "key_type", c->key_type);
	jw_int(w, "key_bits", c->key_bits);
	jw_str(w, "signature_algorithm", c->sig_alg);
	jw_str(w, "sha256", c->sha256);
	jw_bool(w, "ca", c->is_ca);
	jw_close(w, '}');
}

static void json_tls(struct jw *w, const struct probe_opts *o, const struct probe_result *r)
{
	if (!r->tls.run || !r->tls_info.version[0]) {
		jw_null(w, "tls");
		return;
	}
	const struct nts_tls_info *i = &r->tls_info;
	jw_open(w, "tls", '{');
	jw_str(w, "version", i->version);
	jw_str(w, "cipher", i->cipher);
	jw_str(w, "group", i->group);
	jw_str(w, "signature_algorithm", i->sigalg);
	jw_str(w, "alpn", i->alpn[0] ? i->alpn : NULL);
	jw_bool(w, "alpn_ok", strcmp(i->alpn, NTSKE_ALPN) == 0);
	jw_open(w, "verify", '{');
	jw_bool(w, "checked", r->verify.checked);
	jw_bool(w, "ok", r->verify.checked && !r->verify.flags);
	jw_bool(w, "insecure", o->insecure);
	jw_str(w, "name", r->verify.name);
	jw_open(w, "reasons", '[');
	char words[160];
	if (r->verify.flags) {
		nts_tls_verify_str(r->verify.flags, words, sizeof words);
		for (char *tok = strtok(words, ","); tok; tok = strtok(NULL, ","))
			jw_str(w, NULL, tok[0] == ' ' ? tok + 1 : tok);
	}
	jw_close(w, ']');
	jw_close(w, '}');
	jw_open(w, "chain", '[');
	for (size_t k = 0; k < r->nchain; k++)
		json_cert(w, &r->chain[k]);
	jw_close(w, ']');
	jw_close(w, '}');
}

static void json_ke(struct jw *w, const struct probe_result *r)
{
	if (!r->ke.run) {
		jw_null(w, "ke");
		return;
	}
	const struct ntske_response *s = &r->resp;
	jw_open(w, "ke", '{');
	jw_int(w, "request_octets", (long long)r->ke_req_len);
	jw_int(w, "response_octets", (long long)r->ke_resp_len);
	jw_open(w, "records", '[');
	for (size_t k = 0; k < r->nrecs; k++) {
		const struct probe_rec *p = &r->recs[k];
		jw_open(w, NULL, '{');
		jw_int(w, "type", p->type);
		jw_str(w, "name", p->name);
		jw_bool(w, "critical", p->critical);
		jw_int(w, "length", p->len);
		jw_str(w, "decoded", p->decoded);
		jw_str(w, "body_hex", p->hex);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_bool(w, "complete", r->ke_done);
	if (r->ke_done) {
		jw_int(w, "next_protocol", s->proto);
		jw_int(w, "aead", s->aead);
		jw_str(w, "aead_name", nts_aead_name(s->aead));
		jw_int(w, "cookies", (long long)s->ncookies);
		jw_open(w, "cookie_lengths", '[');
		for (size_t k = 0; k < s->ncookies; k++)
			jw_int(w, NULL, s->cookie_len[k]);
		jw_close(w, ']');
		jw_str(w, "server_record", s->has_server ? s->server : NULL);
		if (s->has_port)
			jw_int(w, "port_record", s->port);
		else
			jw_null(w, "port_record");
		jw_str(w, "ntp_server", r->ntp_host);
		jw_int(w, "ntp_port", r->ntp_port);
	}
	if (s->has_error)
		jw_int(w, "error_code", s->error_code);
	else
		jw_null(w, "error_code");
	jw_open(w, "warnings", '[');
	for (size_t k = 0; k < s->nwarnings; k++)
		jw_int(w, NULL, s->warnings[k]);
	jw_close(w, ']');
	jw_close(w, '}');
}

static void json_query(struct jw *w, size_t i, const struct probe_query *q)
{
	jw_open(w, NULL, '{');
	jw_int(w, "seq", (long long)i + 1);
	jw_bool(w, "ok", q->ok);
	jw_str(w, "error", q->error[0] ? q->error : NULL);
	jw_str(w, "cookie_from", q->cookie_from);
	jw_int(w, "request_octets", (long long)q->req_len);
	jw_int(w, "response_octets", (long long)q->resp_len);
	jw_bool(w, "nak", q->nak);
	jw_bool(w, "uid_echoed", q->uid_echo);
	jw_bool(w, "authenticated", q->authenticated);
	jw_num(w, "rtt_ms", q->rtt_ms);
	if (q->authenticated) {
		jw_num(w, "offset", q->offset);
		jw_num(w, "delay", q->delay);
		jw_int(w, "stratum", q->stratum);
		jw_str(w, "refid", q->refid);
		jw_int(w, "leap", q->leap);
		jw_bool(w, "synchronised", !q->unsync);
		jw_num(w, "root_delay", q->root_delay);
		jw_num(w, "root_dispersion", q->root_disp);
		jw_int(w, "precision", q->precision);
		jw_int(w, "new_cookies", (long long)q->ncookies);
	}
	jw_close(w, '}');
}

static void json_ntp(struct jw *w, const struct probe_result *r)
{
	if (!r->ntp.run) {
		jw_null(w, "ntp");
		return;
	}
	jw_open(w, "ntp", '{');
	jw_str(w, "address", r->ntp_target.addr);
	jw_int(w, "port", r->ntp_target.port);
	jw_open(w, "queries", '[');
	for (size_t i = 0; i < r->nq; i++)
		json_query(w, i, &r->q[i]);
	jw_close(w, ']');
	jw_bool(w, "cookie_refresh_tested", r->refresh_tested);
	jw_bool(w, "cookie_refresh_ok", r->refresh_ok);
	jw_close(w, '}');
}

static void json_lists(struct jw *w, const struct probe_result *r)
{
	static const char *const verdict[] = {"PASS", "FAIL", "INFO", "SKIP"};
	jw_open(w, "aead_scan", '[');
	for (size_t i = 0; i < r->nscan; i++) {
		jw_open(w, NULL, '{');
		jw_int(w, "aead", r->scan[i].aead);
		jw_str(w, "name", nts_aead_name(r->scan[i].aead));
		jw_bool(w, "accepted", r->scan[i].accepted);
		jw_str(w, "answer", r->scan[i].answer);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "checks", '[');
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct probe_check *c = &r->checks[i];
		jw_open(w, NULL, '{');
		jw_str(w, "id", c->id);
		jw_str(w, "description", c->what);
		jw_str(w, "result", verdict[c->verdict]);
		jw_str(w, "evidence", c->evidence);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void report_json(const struct probe_opts *o, const struct probe_result *r)
{
	struct jw w = {.depth = 0, .first = {true}};
	jw_open(&w, NULL, '{');
	jw_str(&w, "schema", "ntske-probe/1");
	jw_str(&w, "host", r->host);
	jw_int(&w, "port", r->target.port ? r->target.port : o->port);
	jw_str(&w, "address", r->target.addr[0] ? r->target.addr : NULL);
	jw_open(&w, "addresses", '[');
	for (size_t i = 0; i < r->naddrs; i++)
		jw_str(&w, NULL, r->addrs[i].addr);
	jw_close(&w, ']');
	jw_bool(&w, "ok", r->exit_code == PX_OK);
	jw_int(&w, "exit_code", r->exit_code);
	jw_str(&w, "exit_name", probe_exit_name(r->exit_code));
	if (r->exit_code != PX_OK && r->fail_phase[0]) {
		jw_open(&w, "failure", '{');
		jw_str(&w, "phase", r->fail_phase);
		jw_str(&w, "message", r->fail_msg);
		jw_close(&w, '}');
	} else {
		jw_null(&w, "failure");
	}
	jw_str(&w, "hint", r->hint[0] ? r->hint : NULL);
	json_phases(&w, r);
	json_tls(&w, o, r);
	json_ke(&w, r);
	json_ntp(&w, r);
	json_lists(&w, r);
	jw_close(&w, '}');
	fputc('\n', stdout);
}
