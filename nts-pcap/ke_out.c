/* Text and JSON output of NTS-KE sessions and their records. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonv.h"
#include "nts/hex.h"
#include "nts/aead.h"
#include "ke.h"

static const char *version_name(uint16_t v)
{
	switch (v) {
	case 0x0304: return "TLS1.3";
	case 0x0303: return "TLS1.2";
	case 0x0302: return "TLS1.1";
	case 0x0301: return "TLS1.0";
	default: return "?";
	}
}

static double ms(const struct timespec *a, const struct timespec *b)
{
	if (!a->tv_sec || !b->tv_sec)
		return -1;
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Every verdict below, in the order it tests them (nts-pcap(1) lists them). */
const char *const np_ke_verdicts[] = {
	"no-data", "truncated", "no-clienthello", "client-alert", "server-alert", "no-serverhello",
	"encrypted", "incomplete", "undecrypted", "error", "bad-response", "no-cookies", "ok", NULL,
};

static void date_str(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *verdict(const struct np_ke *k)
{
	const struct np_ke_msg *r = &k->km[1];
	if (!k->records[0] && !k->records[1])
		return k->cut ? "truncated" : "no-data";   /* e.g. a port probe */
	if (!k->have_ch)
		return "no-clienthello";
	if (k->alert[0] >= 0 && (k->alert[0] >> 8) == 2)
		return "client-alert";
	if (k->alert[1] >= 0 && (k->alert[1] >> 8) == 2)
		return "server-alert";
	if (!k->have_sh)
		return "no-serverhello";
	if (!k->keylog_hit)
		return k->enc_records[1] ? "encrypted" : k->cut ? "truncated" : "incomplete";
	if (!k->msg_len[1])
		return k->cut ? "truncated" : k->enc_records[1] ? "undecrypted" : "incomplete";
	if (r->has_error)
		return "error";
	if (r->findings & ~(1u << NP_F_KE_CRITICAL))
		return "bad-response";
	return r->ncookies ? "ok" : "no-cookies";
}

static void rec_summary(const struct np_ke_rec *r, char *buf, size_t len)
{
	const char *name = ntske_record_name(r->type);
	size_t o = (size_t)snprintf(buf, len, "%s%s (%u), %u octets", r->critical ? "C " : "",
				    name ? name : "Unassigned", r->type, r->len);
	for (unsigned i = 0; i < r->nids && i < 4 && o < len; i++) {
		const char *n = NULL;
		if (r->type == NTSKE_REC_NEXT_PROTO)
			n = ntske_proto_name(r->ids[i]);
		else if (r->type == NTSKE_REC_AEAD)
			n = nts_aead_name(r->ids[i]);
		else if (r->type == NTSKE_REC_ERROR)
			n = ntske_error_name(r->ids[i]);
		else if (r->type == NTSKE_REC_WARNING)
			n = ntske_warning_name(r->ids[i]);
		o += (size_t)snprintf(buf + o, len - o, "%s%u%s%s%s", i ? ", " : ": ", r->ids[i],
				      n ? " (" : "", n ? n : "", n ? ")" : "");
	}
	if (r->type == NTSKE_REC_COOKIE && o < len)
		snprintf(buf + o, len - o, ": fp %016" PRIx64, r->fp);
	else if (r->type == NTSKE_REC_SERVER && o < len)
		snprintf(buf + o, len - o, ": \"%s\"", r->text);
}

static void text_tree(FILE *out, const struct np_ke *k)
{
	char buf[256];
	for (int d = 0; d < 2; d++) {
		const struct np_ke_msg *m = &k->km[d];
		fprintf(out, "  %s: %u TLS records (%u encrypted, %u decrypted)%s\n",
			d ? "server" : "client", k->records[d], k->enc_records[d], k->decrypted[d],
			k->gap[d] ? ", stream has a gap" : "");
		if (k->alert[d] >= 0)
			fprintf(out, "    alert level %d description %d\n", k->alert[d] >> 8,
				k->alert[d] & 0xff);
		if (!k->msg_len[d])
			continue;
		fprintf(out, "    NTS-KE %s, %zu octets\n", d ? "response" : "request", m->len);
		for (size_t i = 0; i < m->nrec; i++) {
			rec_summary(&m->rec[i], buf, sizeof buf);
			fprintf(out, "      %s\n", buf);
		}
		if (m->trunc)
			fprintf(out, "      (truncated record)\n");
	}
	if (k->key_len) {
		char h1[130], h2[130];
		nts_hex_encode(k->c2s, k->key_len, h1, sizeof h1);
		nts_hex_encode(k->s2c, k->key_len, h2, sizeof h2);
		fprintf(out, "  C2S %s\n  S2C %s\n", h1, h2);
	}
}

static void text(struct np_ctx *c, const struct np_ke *k)
{
	FILE *out = c->out;
	char t[40], cl[64], sv[64], fs[256];
	const struct np_ke_msg *r = &k->km[1];
	np_time_str(&k->t_start, t, sizeof t);
	np_addr_str(&k->cli, true, cl, sizeof cl);
	np_addr_str(&k->srv, true, sv, sizeof sv);
	fprintf(out, "%s %s -> %s NTS-KE", t, cl, sv);
	if (k->have_sh) {
		const char *sn = np_tls13_suite_name(k->suite);
		fprintf(out, " %s %s", version_name(k->version), sn ? sn : "?");
	}
	if (k->have_ch)
		fprintf(out, " sni=%s alpn=%s", k->sni[0] ? k->sni : "-", k->alpn[0] ? k->alpn : "-");
	double hs = ms(&k->t_ch, &k->t_app[0]);
	if (hs >= 0)
		fprintf(out, " handshake %.3f ms", hs);
	if (k->msg_len[1]) {
		const char *a = r->naeads ? nts_aead_name(r->aeads[0]) : NULL;
		fprintf(out, " aead=%s cookies=%u", a ? a : "-", r->ncookies);
		if (r->ncookies)
			fprintf(out, "x%u", r->cookie_len[0]);
		if (r->has_server)
			fprintf(out, " server=%s", r->server);
		if (r->has_port)
			fprintf(out, " port=%u", r->port);
		if (r->has_error)
			fprintf(out, " error=%u", r->error);
	}
	if (k->have_cert) {
		char nb[64], na[64];
		date_str(k->cert.not_before, nb, sizeof nb);
		date_str(k->cert.not_after, na, sizeof na);
		fprintf(out, " cert \"%s\" issuer \"%s\" valid %.10s..%.10s", k->cert.subject,
			k->cert.issuer, nb, na);
	}
	const char *v = verdict(k);
	if (strcmp(v, "truncated") == 0)
		fprintf(out, " truncated by capture (snaplen %u)", k->cut);
	else
		fprintf(out, " %s", v);
	np_findings_str(k->findings, fs, sizeof fs);
	if (fs[0])
		fprintf(out, " [%s]", fs);
	fprintf(out, " (frame %" PRIu64, k->first_frame);
	if (k->req_frame)
		fprintf(out, "; request frame %" PRIu64, k->req_frame);
	if (k->resp_frame)
		fprintf(out, ", response frame %" PRIu64, k->resp_frame);
	fputs(")\n", out);
	if (c->opts.verbose)
		text_tree(out, k);
}

static void json_msg(json_t *parent, const char *key, const struct np_ke_msg *m, bool *bad)
{
	json_t *o = jsonv_add(parent, key, json_object(), bad);
	jsonv_add(o, "len", json_integer((json_int_t)m->len), bad);
	jsonv_add(o, "eom", json_boolean(m->eom), bad);
	json_t *list = jsonv_add(o, "records", json_array(), bad);
	for (size_t i = 0; i < m->nrec; i++) {
		const struct np_ke_rec *r = &m->rec[i];
		const char *n = ntske_record_name(r->type);
		json_t *rec = jsonv_add(list, NULL, json_object(), bad);
		jsonv_add(rec, "type", json_integer(r->type), bad);
		jsonv_add(rec, "name", jsonv_str(n ? n : "Unassigned"), bad);
		jsonv_add(rec, "critical", json_boolean(r->critical), bad);
		jsonv_add(rec, "len", json_integer(r->len), bad);
		if (r->nids) {
			json_t *v = jsonv_add(rec, "values", json_array(), bad);
			for (unsigned j = 0; j < r->nids && j < 4; j++)
				jsonv_add(v, NULL, json_integer(r->ids[j]), bad);
		}
		if (r->type == NTSKE_REC_COOKIE) {
			char fp[17];
			snprintf(fp, sizeof fp, "%016" PRIx64, r->fp);
			jsonv_add(rec, "cookie_fp", jsonv_str(fp), bad);
		}
		if (r->type == NTSKE_REC_SERVER)
			jsonv_add(rec, "server", jsonv_str(r->text), bad);
	}
}

static void json_tls(json_t *o, const struct np_ke *k, bool *bad)
{
	if (k->have_cert) {
		char nb[64], na[64];
		date_str(k->cert.not_before, nb, sizeof nb);
		date_str(k->cert.not_after, na, sizeof na);
		json_t *cert = jsonv_add(o, "certificate", json_object(), bad);
		jsonv_add(cert, "subject", jsonv_str(k->cert.subject), bad);
		jsonv_add(cert, "issuer", jsonv_str(k->cert.issuer), bad);
		jsonv_add(cert, "not_before", jsonv_str(nb), bad);
		jsonv_add(cert, "not_after", jsonv_str(na), bad);
	}
	jsonv_add(o, "sni", jsonv_str(k->sni), bad);
	jsonv_add(o, "alpn_offered", jsonv_str(k->alpn), bad);
	jsonv_add(o, "alpn_selected", jsonv_str(k->alpn_sel), bad);
	json_t *vers = jsonv_add(o, "versions_offered", json_array(), bad);
	for (size_t i = 0; i < k->nversions; i++)
		jsonv_add(vers, NULL, jsonv_str(version_name(k->versions[i])), bad);
	const char *sn = np_tls13_suite_name(k->suite);
	jsonv_add(o, "version", jsonv_str(k->have_sh ? version_name(k->version) : ""), bad);
	jsonv_add(o, "cipher_suite", jsonv_str(sn ? sn : ""), bad);
	double hs = ms(&k->t_ch, &k->t_app[0]), tot = ms(&k->t_ch, &k->t_last);
	if (hs >= 0)
		jsonv_add(o, "handshake_ms", jsonv_fixed(hs, 3), bad);
	if (tot >= 0)
		jsonv_add(o, "duration_ms", jsonv_fixed(tot, 3), bad);
	/* [client, server] */
	jsonv_add(o, "tls_records",
		  json_pack("[II]", (json_int_t)k->records[0], (json_int_t)k->records[1]), bad);
	jsonv_add(o, "tls_decrypted",
		  json_pack("[II]", (json_int_t)k->decrypted[0], (json_int_t)k->decrypted[1]), bad);
	jsonv_add(o, "keylog", json_boolean(k->keylog_hit), bad);
}

static void json(struct np_ctx *c, const struct np_ke *k)
{
	bool bad = false;
	json_t *o = np_json_new("ke", k->first_frame, &k->t_start, &bad);
	np_json_addr(o, "client", "client_port", &k->cli, &bad);
	np_json_addr(o, "server", "server_port", &k->srv, &bad);
	if (k->req_frame)
		jsonv_add(o, "request_frame", json_integer((json_int_t)k->req_frame), &bad);
	if (k->resp_frame)
		jsonv_add(o, "response_frame", json_integer((json_int_t)k->resp_frame), &bad);
	if (k->cut)
		jsonv_add(o, "snaplen", json_integer(k->cut), &bad);
	json_tls(o, k, &bad);
	if (k->msg_len[0])
		json_msg(o, "request", &k->km[0], &bad);
	if (k->msg_len[1])
		json_msg(o, "response", &k->km[1], &bad);
	if (k->key_len) {
		char h[130];
		nts_hex_encode(k->c2s, k->key_len, h, sizeof h);
		jsonv_add(o, "c2s", jsonv_str(h), &bad);
		nts_hex_encode(k->s2c, k->key_len, h, sizeof h);
		jsonv_add(o, "s2c", jsonv_str(h), &bad);
	}
	jsonv_add(o, "verdict", jsonv_str(verdict(k)), &bad);
	np_json_findings(o, k->findings, &bad);
	np_json_emit(c, o, bad);
}

void np_ke_print(struct np_ctx *c, const struct np_ke *k)
{
	if (c->opts.quiet)
		return;
	if (c->opts.json)
		json(c, k);
	else
		text(c, k);
}
