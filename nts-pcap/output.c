/* Text and JSON output of NTP packets and exchanges. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nts/hex.h"
#include "nts/err.h"
#include "np.h"

#define NP_UID_JSON_MAX 64

void np_time_str(const struct timespec *ts, char *buf, size_t len)
{
	/* captures are in time order: format the date and time once per second */
	static time_t last = -1;
	static char head[80];
	if (ts->tv_sec != last) {
		struct tm tm;
		time_t t = ts->tv_sec;
		gmtime_r(&t, &tm);
		snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last = ts->tv_sec;
	}
	long us = ts->tv_nsec / 1000;
	char frac[9] = { '.', 0, 0, 0, 0, 0, 0, 'Z', 0 };
	for (int i = 6; i >= 1; i--, us /= 10)
		frac[i] = (char)('0' + us % 10);
	snprintf(buf, len, "%s%s", head, frac);
}

void np_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '.';
}

void np_json_str(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(out, "\\u%04x", ch);
		else
			putc(ch, out);
	}
	putc('"', out);
}

static void json_findings(FILE *out, uint32_t set)
{
	fputs(",\"findings\":[", out);
	bool first = true;
	for (int f = 0; f < NP_F_COUNT; f++) {
		if (!(set & (1u << f)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", np_finding_name((enum np_finding)f));
		first = false;
	}
	fputc(']', out);
}

static const char *tri(int v)
{
	return v < 0 ? "null" : v ? "true" : "false";
}

static void np_ntp_time(uint64_t ts, time_t pivot, char *buf, size_t len)
{
	if (ts == 0) {
		snprintf(buf, len, "0");
		return;
	}
	struct timespec t;
	ntp_ts_to_timespec(ts, pivot, &t);
	np_time_str(&t, buf, len);
}

static const char *ef_name(uint16_t type)
{
	const char *n = ntp_ef_type_name(type);
	return n ? n : "Unassigned";
}

/* ---- text */

/* A line buffer for hot output paths; truncates silently at its size,
 * which no exchange line reaches (addresses and names are bounded). */
struct lb {
	char b[768];
	size_t n;
};

static void lb_str(struct lb *l, const char *s)
{
	size_t k = strlen(s);
	if (k > sizeof l->b - l->n)
		k = sizeof l->b - l->n;
	memcpy(l->b + l->n, s, k);
	l->n += k;
}

static void lb_u64(struct lb *l, uint64_t v)
{
	char d[24];
	int i = 0;
	do {
		d[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i > 0 && l->n < sizeof l->b)
		l->b[l->n++] = d[--i];
}

/* seconds with six decimals, like %.6f (or %+.6f with plus) */
static void lb_fix6(struct lb *l, double v, bool plus)
{
	bool neg = v < 0;
	double a = neg ? -v : v;
	if (a >= 1e12) {   /* absurd values: leave them to printf */
		char buf[64];
		snprintf(buf, sizeof buf, plus ? "%+.6f" : "%.6f", v);
		lb_str(l, buf);
		return;
	}
	uint64_t us = (uint64_t)(a * 1e6 + 0.5);
	if (neg && us)
		lb_str(l, "-");
	else if (plus)
		lb_str(l, "+");
	lb_u64(l, us / 1000000);
	char frac[8] = { '.', 0, 0, 0, 0, 0, 0, 0 };
	uint64_t f = us % 1000000;
	for (int i = 6; i >= 1; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	lb_str(l, frac);
}

static void text_field(FILE *out, const struct np_ntp *n, const struct np_ef *ef)
{
	char hex[80];
	fprintf(out, "  field 0x%04x %s, %u octets", ef->type, ef_name(ef->type), ef->len);
	switch (ef->type) {
	case NTP_EF_UNIQUE_ID:
		nts_hex_encode(ef->body, ef->body_len < 16 ? ef->body_len : 16, hex, sizeof hex);
		fprintf(out, ": UID %zu octets %s%s", ef->body_len, hex, ef->body_len > 16 ? "..." : "");
		break;
	case NTP_EF_NTS_COOKIE:
		fprintf(out, ": cookie %zu octets, fp %016" PRIx64, ef->body_len,
			np_fp(ef->body, ef->body_len));
		break;
	case NTP_EF_NTS_PLACEHOLDER:
		fprintf(out, ": placeholder %zu octets", ef->body_len);
		break;
	case NTP_EF_NTS_AUTH:
		if (n->auth_err && &n->ef[n->auth_index] == ef)
			fprintf(out, ": malformed (%s)", nts_strerror(n->auth_err));
		else
			fprintf(out, ": nonce %zu octets, ciphertext %zu octets", n->nonce_len, n->ct_len);
		break;
	default:
		break;
	}
	fputc('\n', out);
}

static void text_packet(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
			const struct np_ann *a)
{
	FILE *out = c->out;
	char t[40], s[64], d[64], fs[256], r[32], t1[40], t2[40], t3[40], t4[40];
	np_time_str(&c->ts, t, sizeof t);
	np_addr_str(&f->src, true, s, sizeof s);
	np_addr_str(&f->dst, true, d, sizeof d);
	fprintf(out, "#%" PRIu64 " %s %s -> %s NTP %zu octets", c->frame, t, s, d, n->len);
	if (f->cut)
		fprintf(out, " (truncated by capture (snaplen %u))", c->snaplen);
	else if (f->truncated)
		fprintf(out, " (first IP fragment only)");
	fputc('\n', out);
	if (n->hdr_err) {
		fprintf(out, "  malformed header: %s\n", nts_strerror(n->hdr_err));
		return;
	}
	const struct ntp_hdr *h = &n->hdr;
	if (n->control) {
		fprintf(out, "  leap %u version %u mode %u (%s), not decoded further\n", h->leap,
			h->version, h->mode, np_ntp_mode_name(h->mode));
		return;
	}
	np_refid_str(h, r, sizeof r);
	fprintf(out, "  leap %u version %u mode %u (%s) stratum %u poll %d precision %d\n", h->leap,
		h->version, h->mode, np_ntp_mode_name(h->mode), h->stratum, h->poll, h->precision);
	fprintf(out, "  root delay %.6f root dispersion %.6f refid %s%s\n",
		ntp_short_to_double(h->root_delay), ntp_short_to_double(h->root_disp), r,
		n->nak ? " (NTS NAK)" : "");
	np_ntp_time(h->reftime, c->ts.tv_sec, t1, sizeof t1);
	np_ntp_time(h->org, c->ts.tv_sec, t2, sizeof t2);
	np_ntp_time(h->rec, c->ts.tv_sec, t3, sizeof t3);
	np_ntp_time(h->xmt, c->ts.tv_sec, t4, sizeof t4);
	fprintf(out, "  reference %s\n  origin    %s\n  receive   %s\n  transmit  %s\n", t1, t2, t3, t4);
	for (size_t i = 0; i < n->nef; i++)
		text_field(out, n, &n->ef[i]);
	if (n->ef_dropped)
		fprintf(out, "  ... %zu more fields\n", n->ef_dropped);
	if (n->walk_err && f->cut)
		fprintf(out, "  the capture ends inside the field at offset %zu\n", n->walk_err_off);
	else if (n->walk_err)
		fprintf(out, "  malformed at offset %zu: %s\n", n->walk_err_off, nts_strerror(n->walk_err));
	if (n->mac)
		fprintf(out, "  legacy MAC, %zu octets\n", n->mac_len);
	if (a->cookie_opened)
		fprintf(out, "  cookie opened with master key %08x\n", a->cookie_key_id);
	else if (a->cookie_err)
		fprintf(out, "  cookie not opened: %s\n", nts_strerror(a->cookie_err));
	if (a->verified >= 0)
		fprintf(out, "  authenticator %s with %s keys from %s\n",
			a->verified ? "verified" : "FAILED", h->mode == NTP_MODE_CLIENT ? "C2S" : "S2C",
			a->keys_origin ? a->keys_origin : "?");
	for (unsigned i = 0; a->verified == 1 && i < a->inner_cookies && i < 8; i++)
		fprintf(out, "    new cookie %u octets, fp %016" PRIx64 "\n", a->inner_cookie_len[i],
			a->inner_cookie_fp[i]);
	if (a->reused_frame)
		fprintf(out, "  cookie first sent in frame %" PRIu64 "\n", a->reused_frame);
	np_findings_str(n->findings, fs, sizeof fs);
	if (fs[0])
		fprintf(out, "  findings: %s\n", fs);
}

/* ---- JSON */

static void json_field(FILE *out, const struct np_ntp *n, const struct np_ef *ef, bool first)
{
	char hex[2 * NP_UID_JSON_MAX + 1];
	fprintf(out, "%s{\"type\":%u,\"name\":", first ? "" : ",", ef->type);
	np_json_str(out, ef_name(ef->type));
	fprintf(out, ",\"len\":%u,\"offset\":%zu", ef->len, ef->offset);
	switch (ef->type) {
	case NTP_EF_UNIQUE_ID:
		nts_hex_encode(ef->body, ef->body_len < NP_UID_JSON_MAX ? ef->body_len : NP_UID_JSON_MAX, hex,
		       sizeof hex);
		fprintf(out, ",\"uid\":\"%s\"", hex);
		break;
	case NTP_EF_NTS_COOKIE:
		fprintf(out, ",\"cookie_len\":%zu,\"cookie_fp\":\"%016" PRIx64 "\"", ef->body_len,
			np_fp(ef->body, ef->body_len));
		break;
	case NTP_EF_NTS_PLACEHOLDER:
		fprintf(out, ",\"placeholder_len\":%zu", ef->body_len);
		break;
	case NTP_EF_NTS_AUTH:
		if (&n->ef[n->auth_index] == ef && !n->auth_err)
			fprintf(out, ",\"nonce_len\":%zu,\"ciphertext_len\":%zu", n->nonce_len, n->ct_len);
		break;
	default:
		break;
	}
	fputc('}', out);
}

static void json_packet(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
			const struct np_ann *a)
{
	FILE *out = c->out;
	char t[40], s[64], d[64], r[32];
	np_time_str(&c->ts, t, sizeof t);
	np_addr_str(&f->src, false, s, sizeof s);
	np_addr_str(&f->dst, false, d, sizeof d);
	fprintf(out, "{\"type\":\"ntp\",\"schema\":\"" NP_JSON_SCHEMA "\",\"frame\":%" PRIu64
		",\"time\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,\"len\":%zu",
		c->frame, t, s, f->src.port, d, f->dst.port, n->len);
	if (f->cut)
		fprintf(out, ",\"snaplen\":%u", c->snaplen);
	if (n->hdr_err) {
		fputs(",\"error\":", out);
		np_json_str(out, nts_strerror(n->hdr_err));
	} else if (n->control) {
		fprintf(out, ",\"control\":true,\"leap\":%u,\"version\":%u,\"mode\":%u", n->hdr.leap,
			n->hdr.version, n->hdr.mode);
	} else {
		const struct ntp_hdr *h = &n->hdr;
		np_refid_str(h, r, sizeof r);
		fprintf(out, ",\"leap\":%u,\"version\":%u,\"mode\":%u,\"stratum\":%u,\"poll\":%d,"
			"\"precision\":%d,\"root_delay\":%.9f,\"root_dispersion\":%.9f,\"refid\":",
			h->leap, h->version, h->mode, h->stratum, h->poll, h->precision,
			ntp_short_to_double(h->root_delay), ntp_short_to_double(h->root_disp));
		np_json_str(out, r);
		fprintf(out, ",\"refid_hex\":\"%08x\",\"reftime\":\"%016" PRIx64 "\",\"org\":\"%016" PRIx64
			"\",\"rec\":\"%016" PRIx64 "\",\"xmt\":\"%016" PRIx64 "\"", h->refid, h->reftime,
			h->org, h->rec, h->xmt);
		fputs(",\"extensions\":[", out);
		for (size_t i = 0; i < n->nef; i++)
			json_field(out, n, &n->ef[i], i == 0);
		fprintf(out, "],\"nts\":%s,\"nak\":%s", n->nts ? "true" : "false",
			n->nak ? "true" : "false");
		if (n->walk_err) {
			fprintf(out, ",\"error_offset\":%zu,\"error\":", n->walk_err_off);
			np_json_str(out, nts_strerror(n->walk_err));
		}
		if (n->mac)
			fprintf(out, ",\"mac_len\":%zu", n->mac_len);
	}
	fprintf(out, ",\"verified\":%s", tri(a->verified));
	if (a->keys_origin) {
		fputs(",\"keys\":", out);
		np_json_str(out, a->keys_origin);
	}
	if (a->verified == 1) {
		fputs(",\"new_cookies\":[", out);
		for (unsigned i = 0; i < a->inner_cookies && i < 8; i++)
			fprintf(out, "%s{\"len\":%u,\"fp\":\"%016" PRIx64 "\"}", i ? "," : "",
				a->inner_cookie_len[i], a->inner_cookie_fp[i]);
		fputc(']', out);
	}
	if (a->reused_frame)
		fprintf(out, ",\"cookie_first_frame\":%" PRIu64, a->reused_frame);
	json_findings(out, n->findings);
	fputs("}\n", out);
}

void np_out_bad_frame(struct np_ctx *c, const char *why)
{
	char t[40];
	if (c->opts.quiet)
		return;
	np_time_str(&c->ts, t, sizeof t);
	if (c->opts.json) {
		fprintf(c->out, "{\"type\":\"malformed\",\"schema\":\"" NP_JSON_SCHEMA "\",\"frame\":%"
			PRIu64 ",\"time\":\"%s\",\"error\":", c->frame, t);
		np_json_str(c->out, why);
		fputs("}\n", c->out);
	} else {
		fprintf(c->out, "%s malformed frame: %s (frame %" PRIu64 ")\n", t, why, c->frame);
	}
}

void np_out_cut_frame(struct np_ctx *c, size_t caplen, size_t wirelen)
{
	char t[40];
	if (c->opts.quiet)
		return;
	np_time_str(&c->ts, t, sizeof t);
	if (c->opts.json)
		fprintf(c->out, "{\"type\":\"truncated\",\"schema\":\"" NP_JSON_SCHEMA "\",\"frame\":%"
			PRIu64 ",\"time\":\"%s\",\"caplen\":%zu,\"len\":%zu,\"snaplen\":%u}\n", c->frame, t,
			caplen, wirelen, c->snaplen);
	else
		fprintf(c->out, "%s frame truncated by capture (snaplen %u): %zu of %zu octets, no "
			"payload (frame %" PRIu64 ")\n", t, c->snaplen, caplen, wirelen, c->frame);
}

void np_out_packet(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
		   const struct np_ann *a)
{
	if (c->opts.quiet)
		return;
	/* without -v a packet shows up in its exchange line, unless it is
	 * broken before it could be part of one */
	if (!c->opts.verbose && !n->hdr_err)
		return;
	if (!c->opts.verbose) {
		char t[40], s[64], d[64];
		np_time_str(&c->ts, t, sizeof t);
		np_addr_str(&f->src, true, s, sizeof s);
		np_addr_str(&f->dst, true, d, sizeof d);
		if (c->opts.json)
			json_packet(c, f, n, a);
		else if (f->cut)
			fprintf(c->out, "%s %s -> %s NTP truncated by capture (snaplen %u): %zu octets "
				"(frame %" PRIu64 ")\n", t, s, d, c->snaplen, n->len, c->frame);
		else
			fprintf(c->out, "%s %s -> %s NTP malformed: %s (frame %" PRIu64 ")\n", t, s, d,
				nts_strerror(n->hdr_err), c->frame);
		return;
	}
	if (c->opts.json)
		json_packet(c, f, n, a);
	else
		text_packet(c, f, n, a);
}

void np_out_exchange(struct np_ctx *c, const struct np_exchange *x)
{
	if (c->opts.quiet)
		return;
	FILE *out = c->out;
	char t[40], cl[64], sv[64], fs[256];
	np_time_str(x->have_req ? &x->req_ts : &x->resp_ts, t, sizeof t);
	np_findings_str(x->findings, fs, sizeof fs);
	if (c->opts.json) {
		np_addr_str(&x->client, false, cl, sizeof cl);
		np_addr_str(&x->server, false, sv, sizeof sv);
		fprintf(out, "{\"type\":\"exchange\",\"schema\":\"" NP_JSON_SCHEMA "\",\"time\":\"%s\","
			"\"client\":\"%s\",\"client_port\":%u,\"server\":\"%s\",\"server_port\":%u", t, cl,
			x->client.port, sv, x->server.port);
		if (x->have_req)
			fprintf(out, ",\"request_frame\":%" PRIu64 ",\"request_len\":%zu", x->req_frame,
				x->req_len);
		else if (x->late)
			fprintf(out, ",\"request_frame\":%" PRIu64 ",\"late\":true", x->req_frame);
		if (x->cut)
			fprintf(out, ",\"snaplen\":%u", x->cut);
		if (x->have_resp)
			fprintf(out, ",\"response_frame\":%" PRIu64 ",\"response_len\":%zu", x->resp_frame,
				x->resp_len);
		fprintf(out, ",\"nts\":%s,\"cookies_sent\":%u,\"placeholders\":%u,\"cookies_returned\":%u,"
			"\"cookies_estimated\":%s,\"nak\":%s", x->nts ? "true" : "false", x->cookies_sent,
			x->placeholders, x->cookies_back, x->cookies_estimated ? "true" : "false",
			x->nak ? "true" : "false");
		if (x->have_times)
			fprintf(out, ",\"offset\":%.9f,\"delay\":%.9f", x->offset, x->delay);
		if (x->kiss[0]) {
			fputs(",\"kiss\":", out);
			np_json_str(out, x->kiss);
		}
		fprintf(out, ",\"request_verified\":%s,\"response_verified\":%s,\"verdict\":\"%s\"",
			tri(x->req_verified), tri(x->resp_verified), x->verdict);
		json_findings(out, x->findings);
		fputs("}\n", out);
		return;
	}
	/* the default output, once per exchange: built by hand, printf is
	 * most of the run time otherwise */
	struct lb l = { .n = 0 };
	np_addr_str(&x->client, true, cl, sizeof cl);
	np_addr_str(&x->server, true, sv, sizeof sv);
	lb_str(&l, t);
	lb_str(&l, " ");
	lb_str(&l, cl);
	lb_str(&l, " -> ");
	lb_str(&l, sv);
	/* cookie counts only when the request is in view */
	bool counts = x->nts && x->have_req && !x->cut;
	lb_str(&l, counts ? " NTS cookies " : x->nts ? " NTS" : " plain");
	if (counts) {
		lb_u64(&l, x->cookies_sent);
		lb_str(&l, "/");
		lb_u64(&l, x->placeholders);
		lb_str(&l, x->cookies_estimated ? "/~" : "/");
		lb_u64(&l, x->cookies_back);
	}
	if (x->have_times) {
		lb_str(&l, " offset ");
		lb_fix6(&l, x->offset, true);
		lb_str(&l, " delay ");
		lb_fix6(&l, x->delay, false);
	}
	lb_str(&l, " ");
	if (x->cut && strcmp(x->verdict, "truncated") == 0) {
		lb_str(&l, "truncated by capture (snaplen ");
		lb_u64(&l, x->cut);
		lb_str(&l, ")");
	} else {
		lb_str(&l, x->verdict);
	}
	if (x->late) {
		lb_str(&l, ": response after its request (frame ");
		lb_u64(&l, x->req_frame);
		lb_str(&l, ") timed out");
	}
	if (x->kiss[0]) {
		lb_str(&l, " ");
		lb_str(&l, x->kiss);
	}
	if (fs[0]) {
		lb_str(&l, " [");
		lb_str(&l, fs);
		lb_str(&l, "]");
	}
	lb_str(&l, x->have_req && x->have_resp ? " (frames " : " (frame ");
	lb_u64(&l, x->have_req ? x->req_frame : x->resp_frame);
	if (x->have_req && x->have_resp) {
		lb_str(&l, ",");
		lb_u64(&l, x->resp_frame);
	}
	lb_str(&l, ")\n");
	fwrite(l.b, 1, l.n, out);
}
