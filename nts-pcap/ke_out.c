/* Text and JSON output of NTS-KE sessions and their records. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

static void json_msg(FILE *out, const struct np_ke_msg *m)
{
	fprintf(out, "{\"len\":%zu,\"eom\":%s,\"records\":[", m->len, m->eom ? "true" : "false");
	for (size_t i = 0; i < m->nrec; i++) {
		const struct np_ke_rec *r = &m->rec[i];
		const char *n = ntske_record_name(r->type);
		fprintf(out, "%s{\"type\":%u,\"name\":", i ? "," : "", r->type);
		np_json_str(out, n ? n : "Unassigned");
		fprintf(out, ",\"critical\":%s,\"len\":%u", r->critical ? "true" : "false", r->len);
		if (r->nids) {
			fputs(",\"values\":[", out);
			for (unsigned j = 0; j < r->nids && j < 4; j++)
				fprintf(out, "%s%u", j ? "," : "", r->ids[j]);
			fputc(']', out);
		}
		if (r->type == NTSKE_REC_COOKIE)
			fprintf(out, ",\"cookie_fp\":\"%016" PRIx64 "\"", r->fp);
		if (r->type == NTSKE_REC_SERVER) {
			fputs(",\"server\":", out);
			np_json_str(out, r->text);
		}
		fputc('}', out);
	}
	fputs("]}", out);
}

static void json(struct np_ctx *c, const struct np_ke *k)
{
	FILE *out = c->out;
	char t[40], cl[64], sv[64];
	np_time_str(&k->t_start, t, sizeof t);
	np_addr_str(&k->cli, false, cl, sizeof cl);
	np_addr_str(&k->srv, false, sv, sizeof sv);
	fprintf(out, "{\"type\":\"ke\",\"schema\":\"" NP_JSON_SCHEMA "\",\"frame\":%" PRIu64
		",\"time\":\"%s\",\"client\":\"%s\",\"client_port\":%u,\"server\":\"%s\","
		"\"server_port\":%u", k->first_frame, t, cl, k->cli.port, sv, k->srv.port);
	if (k->req_frame)
		fprintf(out, ",\"request_frame\":%" PRIu64, k->req_frame);
	if (k->resp_frame)
		fprintf(out, ",\"response_frame\":%" PRIu64, k->resp_frame);
	if (k->cut)
		fprintf(out, ",\"snaplen\":%u", k->cut);
	if (k->have_cert) {
		char nb[64], na[64];
		date_str(k->cert.not_before, nb, sizeof nb);
		date_str(k->cert.not_after, na, sizeof na);
		fputs(",\"certificate\":{\"subject\":", out);
		np_json_str(out, k->cert.subject);
		fputs(",\"issuer\":", out);
		np_json_str(out, k->cert.issuer);
		fprintf(out, ",\"not_before\":\"%s\",\"not_after\":\"%s\"}", nb, na);
	}
	fputs(",\"sni\":", out);
	np_json_str(out, k->sni);
	fputs(",\"alpn_offered\":", out);
	np_json_str(out, k->alpn);
	fputs(",\"alpn_selected\":", out);
	np_json_str(out, k->alpn_sel);
	fputs(",\"versions_offered\":[", out);
	for (size_t i = 0; i < k->nversions; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", version_name(k->versions[i]));
	const char *sn = np_tls13_suite_name(k->suite);
	fprintf(out, "],\"version\":\"%s\",\"cipher_suite\":", k->have_sh ? version_name(k->version) : "");
	np_json_str(out, sn ? sn : "");
	double hs = ms(&k->t_ch, &k->t_app[0]), tot = ms(&k->t_ch, &k->t_last);
	if (hs >= 0)
		fprintf(out, ",\"handshake_ms\":%.3f", hs);
	if (tot >= 0)
		fprintf(out, ",\"duration_ms\":%.3f", tot);
	fprintf(out, ",\"tls_records\":[%u,%u],\"tls_decrypted\":[%u,%u],\"keylog\":%s", k->records[0],
		k->records[1], k->decrypted[0], k->decrypted[1], k->keylog_hit ? "true" : "false");
	if (k->msg_len[0]) {
		fputs(",\"request\":", out);
		json_msg(out, &k->km[0]);
	}
	if (k->msg_len[1]) {
		fputs(",\"response\":", out);
		json_msg(out, &k->km[1]);
	}
	if (k->key_len) {
		char h[130];
		nts_hex_encode(k->c2s, k->key_len, h, sizeof h);
		fprintf(out, ",\"c2s\":\"%s\"", h);
		nts_hex_encode(k->s2c, k->key_len, h, sizeof h);
		fprintf(out, ",\"s2c\":\"%s\"", h);
	}
	fprintf(out, ",\"verdict\":\"%s\",\"findings\":[", verdict(k));
	bool first = true;
	for (int f = 0; f < NP_F_COUNT; f++)
		if (k->findings & (1u << f)) {
			fprintf(out, "%s\"%s\"", first ? "" : ",", np_finding_name((enum np_finding)f));
			first = false;
		}
	fputs("]}\n", out);
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
