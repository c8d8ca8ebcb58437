/* Text and JSON output of NTP packets and exchanges. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonv.h"
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

json_t *np_json_new(const char *type, uint64_t frame, const struct timespec *ts, bool *bad)
{
	json_t *o = json_object();
	jsonv_add(o, "type", jsonv_str(type), bad);
	jsonv_add(o, "schema", jsonv_str(NP_JSON_SCHEMA), bad);
	if (frame)
		jsonv_add(o, "frame", json_integer((json_int_t)frame), bad);
	if (ts) {
		char t[40];
		np_time_str(ts, t, sizeof t);
		jsonv_add(o, "time", jsonv_str(t), bad);
	}
	return o;
}

void np_json_findings(json_t *o, uint32_t set, bool *bad)
{
	json_t *a = jsonv_add(o, "findings", json_array(), bad);
	for (int f = 0; f < NP_F_COUNT; f++)
		if (set & (1u << f))
			jsonv_add(a, NULL, jsonv_str(np_finding_name((enum np_finding)f)), bad);
}

void np_json_emit(struct np_ctx *c, json_t *o, bool bad)
{
	if (jsonv_print(c->out, o, bad, NP_JSON_PRECISION) != 0) {
		/* a line missing members would pass for a complete record */
		if (!c->out_failed)
			fprintf(c->err ? c->err : stderr, "nts-pcap: cannot write JSON output (out "
				"of memory or output error); records are missing\n");
		c->out_failed = true;
	}
	json_decref(o);
}

void np_json_addr(json_t *o, const char *key, const char *port_key, const struct np_addr *a,
		  bool *bad)
{
	char s[64];
	np_addr_str(a, false, s, sizeof s);
	jsonv_add(o, key, jsonv_str(s), bad);
	jsonv_add(o, port_key, json_integer(a->port), bad);
}

/* -1 (no keys), 0, 1 as null, false, true */
static json_t *tri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static json_t *hex64(uint64_t v)
{
	char h[17];
	snprintf(h, sizeof h, "%016" PRIx64, v);
	return jsonv_str(h);
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

static void json_field(json_t *list, const struct np_ntp *n, const struct np_ef *ef, bool *bad)
{
	char hex[2 * NP_UID_JSON_MAX + 1];
	json_t *o = jsonv_add(list, NULL, json_object(), bad);
	jsonv_add(o, "type", json_integer(ef->type), bad);
	jsonv_add(o, "name", jsonv_str(ef_name(ef->type)), bad);
	jsonv_add(o, "len", json_integer(ef->len), bad);
	jsonv_add(o, "offset", json_integer((json_int_t)ef->offset), bad);
	switch (ef->type) {
	case NTP_EF_UNIQUE_ID:
		nts_hex_encode(ef->body, ef->body_len < NP_UID_JSON_MAX ? ef->body_len : NP_UID_JSON_MAX,
			       hex, sizeof hex);
		jsonv_add(o, "uid", jsonv_str(hex), bad);
		break;
	case NTP_EF_NTS_COOKIE:
		jsonv_add(o, "cookie_len", json_integer((json_int_t)ef->body_len), bad);
		jsonv_add(o, "cookie_fp", hex64(np_fp(ef->body, ef->body_len)), bad);
		break;
	case NTP_EF_NTS_PLACEHOLDER:
		jsonv_add(o, "placeholder_len", json_integer((json_int_t)ef->body_len), bad);
		break;
	case NTP_EF_NTS_AUTH:
		if (&n->ef[n->auth_index] == ef && !n->auth_err) {
			jsonv_add(o, "nonce_len", json_integer((json_int_t)n->nonce_len), bad);
			jsonv_add(o, "ciphertext_len", json_integer((json_int_t)n->ct_len), bad);
		}
		break;
	default:
		break;
	}
}

static void json_header(json_t *o, const struct np_ntp *n, bool *bad)
{
	const struct ntp_hdr *h = &n->hdr;
	char r[32], refid[9];
	np_refid_str(h, r, sizeof r);
	snprintf(refid, sizeof refid, "%08x", h->refid);
	jsonv_add(o, "leap", json_integer(h->leap), bad);
	jsonv_add(o, "version", json_integer(h->version), bad);
	jsonv_add(o, "mode", json_integer(h->mode), bad);
	jsonv_add(o, "stratum", json_integer(h->stratum), bad);
	jsonv_add(o, "poll", json_integer(h->poll), bad);
	jsonv_add(o, "precision", json_integer(h->precision), bad);
	jsonv_add(o, "root_delay", jsonv_fixed(ntp_short_to_double(h->root_delay), 9), bad);
	jsonv_add(o, "root_dispersion", jsonv_fixed(ntp_short_to_double(h->root_disp), 9), bad);
	jsonv_add(o, "refid", jsonv_str(r), bad);
	jsonv_add(o, "refid_hex", jsonv_str(refid), bad);
	jsonv_add(o, "reftime", hex64(h->reftime), bad);
	jsonv_add(o, "org", hex64(h->org), bad);
	jsonv_add(o, "rec", hex64(h->rec), bad);
	jsonv_add(o, "xmt", hex64(h->xmt), bad);
	json_t *list = jsonv_add(o, "extensions", json_array(), bad);
	for (size_t i = 0; i < n->nef; i++)
		json_field(list, n, &n->ef[i], bad);
	jsonv_add(o, "nts", json_boolean(n->nts), bad);
	jsonv_add(o, "nak", json_boolean(n->nak), bad);
	if (n->walk_err) {
		jsonv_add(o, "error_offset", json_integer((json_int_t)n->walk_err_off), bad);
		jsonv_add(o, "error", jsonv_str(nts_strerror(n->walk_err)), bad);
	}
	if (n->mac)
		jsonv_add(o, "mac_len", json_integer((json_int_t)n->mac_len), bad);
}

static void json_packet(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
			const struct np_ann *a)
{
	bool bad = false;
	json_t *o = np_json_new("ntp", c->frame, &c->ts, &bad);
	np_json_addr(o, "src", "sport", &f->src, &bad);
	np_json_addr(o, "dst", "dport", &f->dst, &bad);
	jsonv_add(o, "len", json_integer((json_int_t)n->len), &bad);
	if (f->cut)
		jsonv_add(o, "snaplen", json_integer(c->snaplen), &bad);
	if (n->hdr_err) {
		jsonv_add(o, "error", jsonv_str(nts_strerror(n->hdr_err)), &bad);
	} else if (n->control) {
		jsonv_add(o, "control", json_true(), &bad);
		jsonv_add(o, "leap", json_integer(n->hdr.leap), &bad);
		jsonv_add(o, "version", json_integer(n->hdr.version), &bad);
		jsonv_add(o, "mode", json_integer(n->hdr.mode), &bad);
	} else {
		json_header(o, n, &bad);
	}
	jsonv_add(o, "verified", tri(a->verified), &bad);
	if (a->keys_origin)
		jsonv_add(o, "keys", jsonv_str(a->keys_origin), &bad);
	if (a->verified == 1) {
		json_t *list = jsonv_add(o, "new_cookies", json_array(), &bad);
		for (unsigned i = 0; i < a->inner_cookies && i < 8; i++)
			jsonv_add(list, NULL, json_pack("{s:i, s:o}", "len", a->inner_cookie_len[i],
							"fp", hex64(a->inner_cookie_fp[i])), &bad);
	}
	if (a->reused_frame)
		jsonv_add(o, "cookie_first_frame", json_integer((json_int_t)a->reused_frame), &bad);
	np_json_findings(o, n->findings, &bad);
	np_json_emit(c, o, bad);
}

void np_out_bad_frame(struct np_ctx *c, const char *why)
{
	char t[40];
	if (c->opts.quiet)
		return;
	if (c->opts.json) {
		bool bad = false;
		json_t *o = np_json_new("malformed", c->frame, &c->ts, &bad);
		jsonv_add(o, "error", jsonv_str(why), &bad);
		np_json_emit(c, o, bad);
		return;
	}
	np_time_str(&c->ts, t, sizeof t);
	fprintf(c->out, "%s malformed frame: %s (frame %" PRIu64 ")\n", t, why, c->frame);
}

void np_out_cut_frame(struct np_ctx *c, size_t caplen, size_t wirelen)
{
	char t[40];
	if (c->opts.quiet)
		return;
	if (c->opts.json) {
		bool bad = false;
		json_t *o = np_json_new("truncated", c->frame, &c->ts, &bad);
		jsonv_add(o, "caplen", json_integer((json_int_t)caplen), &bad);
		jsonv_add(o, "len", json_integer((json_int_t)wirelen), &bad);
		jsonv_add(o, "snaplen", json_integer(c->snaplen), &bad);
		np_json_emit(c, o, bad);
		return;
	}
	np_time_str(&c->ts, t, sizeof t);
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

static void json_exchange(struct np_ctx *c, const struct np_exchange *x)
{
	bool bad = false;
	json_t *o = np_json_new("exchange", 0, x->have_req ? &x->req_ts : &x->resp_ts, &bad);
	np_json_addr(o, "client", "client_port", &x->client, &bad);
	np_json_addr(o, "server", "server_port", &x->server, &bad);
	if (x->have_req || x->late)
		jsonv_add(o, "request_frame", json_integer((json_int_t)x->req_frame), &bad);
	if (x->have_req)
		jsonv_add(o, "request_len", json_integer((json_int_t)x->req_len), &bad);
	else if (x->late)
		jsonv_add(o, "late", json_true(), &bad);
	if (x->cut)
		jsonv_add(o, "snaplen", json_integer(x->cut), &bad);
	if (x->have_resp) {
		jsonv_add(o, "response_frame", json_integer((json_int_t)x->resp_frame), &bad);
		jsonv_add(o, "response_len", json_integer((json_int_t)x->resp_len), &bad);
	}
	jsonv_add(o, "nts", json_boolean(x->nts), &bad);
	jsonv_add(o, "cookies_sent", json_integer(x->cookies_sent), &bad);
	jsonv_add(o, "placeholders", json_integer(x->placeholders), &bad);
	jsonv_add(o, "cookies_returned", json_integer(x->cookies_back), &bad);
	jsonv_add(o, "cookies_estimated", json_boolean(x->cookies_estimated), &bad);
	jsonv_add(o, "nak", json_boolean(x->nak), &bad);
	if (x->have_times) {
		jsonv_add(o, "offset", jsonv_fixed(x->offset, 9), &bad);
		jsonv_add(o, "delay", jsonv_fixed(x->delay, 9), &bad);
	}
	if (x->kiss[0])
		jsonv_add(o, "kiss", jsonv_str(x->kiss), &bad);
	jsonv_add(o, "request_verified", tri(x->req_verified), &bad);
	jsonv_add(o, "response_verified", tri(x->resp_verified), &bad);
	jsonv_add(o, "verdict", jsonv_str(x->verdict), &bad);
	np_json_findings(o, x->findings, &bad);
	np_json_emit(c, o, bad);
}

void np_out_exchange(struct np_ctx *c, const struct np_exchange *x)
{
	if (c->opts.quiet)
		return;
	if (c->opts.json) {
		json_exchange(c, x);
		return;
	}
	FILE *out = c->out;
	char t[40], cl[64], sv[64], fs[256];
	np_time_str(x->have_req ? &x->req_ts : &x->resp_ts, t, sizeof t);
	np_findings_str(x->findings, fs, sizeof fs);
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
