/* ntske-probe: text and Nagios output, the key export file, and failure bookkeeping. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nts/hex.h"
#include "nts/aead.h"
#include "probe.h"

void probe_fail(struct probe_result *r, int code, const char *phase, const char *fmt, ...)
{
	if (r->exit_code != PX_OK)
		return;   /* the first failure is the one to report */
	r->exit_code = code;
	snprintf(r->fail_phase, sizeof r->fail_phase, "%s", phase);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
	va_end(ap);
}

const char *probe_esc(char *out, size_t cap, const char *in)
{
	static const char d[] = "0123456789abcdef";
	size_t k = 0;
	if (!cap)
		return out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = *p >= 0x20 && *p < 0x7f;
		if (k + (plain ? 1 : 4) >= cap)
			break;
		if (plain) {
			out[k++] = (char)*p;
		} else {
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = d[*p >> 4];
			out[k++] = d[*p & 15];
		}
	}
	out[k] = '\0';
	return out;
}

const char *probe_exit_name(int code)
{
	static const char *const names[] = {
		[PX_OK] = "ok", [PX_CHECK_FAIL] = "check-failed", [PX_USAGE] = "usage",
		[PX_RESOLVE] = "resolve", [PX_CONNECT] = "connect", [PX_TLS] = "tls",
		[PX_CERT] = "certificate", [PX_ALPN] = "alpn", [PX_KE] = "ke", [PX_NTP] = "ntp",
		[PX_NAK] = "nts-nak", [PX_LOCAL] = "local", [PX_UNSYNC] = "unsynchronised",
	};
	if (code < 0 || (size_t)code >= sizeof names / sizeof names[0] || !names[code])
		return "unknown";
	return names[code];
}

/* ---- text */

static void utc(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(out, cap, "?");
}

static double days_left(const struct nts_tls_cert *c)
{
	return (double)(c->not_after - (int64_t)time(NULL)) / 86400.0;
}

static void text_phase(const char *name, const struct probe_phase *p, const char *what)
{
	if (p->run)
		printf("%-9s %s (%.1f ms)\n", name, what, p->ms);
}

static void text_cert(size_t i, const struct nts_tls_cert *c)
{
	char from[32], to[32], e1[4 * sizeof c->subject + 1], e2[4 * sizeof c->issuer + 1];
	utc(from, sizeof from, c->not_before);
	utc(to, sizeof to, c->not_after);
	/* names come from the server: escaped, so they cannot fake our lines */
	printf("cert %-4zu subject %s; issuer %s\n", i, probe_esc(e1, sizeof e1, c->subject),
	       probe_esc(e2, sizeof e2, c->issuer));
	if (c->nsans) {
		printf("          SAN");
		for (size_t k = 0; k < c->nsans; k++)
			printf("%s %s", k ? "," : "", probe_esc(e1, sizeof e1, c->sans[k]));
		printf("\n");
	}
	printf("          valid %s .. %s (%.0f days left); %s %u bits; %s\n", from, to,
	       floor(days_left(c)), c->key_type, c->key_bits, c->sig_alg);
}

static void text_tls(const struct probe_opts *o, const struct probe_result *r)
{
	const struct nts_tls_info *i = &r->tls_info;
	char alpn[4 * sizeof i->alpn + 1], name[4 * sizeof r->verify.name + 1];
	if (r->tls.run && i->version[0]) {
		char what[512];
		snprintf(what, sizeof what, "%s, %s, group %s, sig %s, ALPN %s%s%s", i->version,
			 i->cipher, i->group[0] ? i->group : "-", i->sigalg[0] ? i->sigalg : "-",
			 i->alpn[0] ? "\"" : "none", probe_esc(alpn, sizeof alpn, i->alpn),
			 i->alpn[0] ? "\"" : "");
		text_phase("tls", &r->tls, what);
	} else if (r->tls.run) {
		text_phase("tls", &r->tls, "handshake failed before a cipher was agreed");
	}
	for (size_t k = 0; k < r->nchain; k++)
		text_cert(k, &r->chain[k]);
	if (r->verify.checked) {
		char words[128];
		nts_tls_verify_str(r->verify.flags, words, sizeof words);
		if (!r->verify.flags)
			printf("verify    ok (chain and name %s)\n",
			       r->verify.name[0] ? probe_esc(name, sizeof name, r->verify.name) : "-");
		else if (o->insecure)
			printf("verify    FAILED: %s -- INSECURE: continuing because of --insecure\n",
			       words);
		else
			printf("verify    FAILED: %s\n", words);
	}
}

static void text_ke(const struct probe_result *r)
{
	char what[128];
	if (!r->ke.run)
		return;
	snprintf(what, sizeof what, "sent %zu octets, received %zu octets in %zu records",
		 r->ke_req_len, r->ke_resp_len, r->nrecs);
	text_phase("ke", &r->ke, what);
	for (size_t k = 0; k < r->nrecs; k++) {
		const struct probe_rec *p = &r->recs[k];
		char dec[4 * sizeof p->decoded + 1];
		printf("  record  %c %s (%u) len %u%s%s\n", p->critical ? 'C' : '-', p->name,
		       (unsigned)p->type, (unsigned)p->len, p->decoded[0] ? ": " : "",
		       probe_esc(dec, sizeof dec, p->decoded));
	}
	if (!r->ke_done)
		return;
	const struct ntske_response *s = &r->resp;
	const char *an = nts_aead_name(s->aead);
	printf("ke        next protocol %s, %s (%u), %zu cookies of %u octets; NTP server "
	       "%s port %u%s\n", ntske_proto_name(s->proto) ? ntske_proto_name(s->proto) : "?",
	       an ? an : "?", (unsigned)s->aead, s->ncookies,
	       s->ncookies ? (unsigned)s->cookie_len[0] : 0, r->ntp_host, (unsigned)r->ntp_port,
	       s->has_server || s->has_port ? (s->has_server ? " (Server record)" : " (Port record)")
					   : " (defaults)");
	for (size_t k = 0; k < s->nwarnings; k++)
		printf("ke        Warning record %u\n", (unsigned)s->warnings[k]);
}

static void text_ntp(const struct probe_result *r)
{
	for (size_t i = 0; i < r->nq; i++) {
		const struct probe_query *q = &r->q[i];
		printf("ntp %-5zu %s port %u, cookie from %s, %zu octets: ", i + 1, r->ntp_target.addr,
		       (unsigned)r->ntp_target.port, q->cookie_from, q->req_len);
		if (!q->authenticated) {
			printf("%s\n", q->error);
			continue;
		}
		printf("offset %+.6f s, delay %.6f s (%.1f ms)\n", q->offset, q->delay, q->rtt_ms);
		printf("          stratum %u, refid %s, leap %u, root delay %.6f s, root disp %.6f s, "
		       "precision %d%s\n", q->stratum, q->refid, q->leap, q->root_delay, q->root_disp,
		       q->precision, q->unsync ? "; NOT SYNCHRONISED" : "");
		printf("          authenticated, UID echoed, %zu new cookie%s (%zu octets), "
		       "response %zu octets%s%s\n", q->ncookies, q->ncookies == 1 ? "" : "s",
		       q->cookie_len, q->resp_len, q->error[0] ? "; " : "", q->error);
	}
	if (r->refresh_tested)
		printf("cookies   refresh %s: queries using cookies from NTP replies %s\n",
		       r->refresh_ok ? "works" : "FAILED", r->refresh_ok ? "succeeded" : "failed");
	else if (r->nq == 1 && r->q[0].ok)
		printf("cookies   refresh not tested (use --count 2 or more)\n");
}

static const char *verdict_name(enum check_verdict v)
{
	static const char *const n[] = {"PASS", "FAIL", "INFO", "SKIP"};
	return n[v];
}

static void text_check(const struct probe_result *r)
{
	if (!r->nchecks)
		return;
	unsigned cnt[4] = {0};
	printf("check     %-22s %-4s %s\n", "case", "", "what: evidence");
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct probe_check *c = &r->checks[i];
		cnt[c->verdict]++;
		printf("check     %-22s %-4s %s: %s\n", c->id, verdict_name(c->verdict), c->what,
		       c->evidence);
	}
	printf("check     %u PASS, %u FAIL, %u INFO, %u SKIP\n", cnt[CV_PASS], cnt[CV_FAIL],
	       cnt[CV_INFO], cnt[CV_SKIP]);
}

void report_text(const struct probe_opts *o, const struct probe_result *r)
{
	char what[512];
	size_t k = (size_t)snprintf(what, sizeof what, "%s ->", r->host);
	for (size_t i = 0; i < r->naddrs && k < sizeof what; i++)
		k += (size_t)snprintf(what + k, sizeof what - k, "%s %s", i ? "," : "", r->addrs[i].addr);
	if (!r->naddrs)
		snprintf(what + k, sizeof what - k, " ?");
	text_phase("resolve", &r->resolve, what);
	if (r->connect.run && !r->tls.run && r->connect_error[0])
		snprintf(what, sizeof what, "FAILED: %s", r->connect_error);
	else
		snprintf(what, sizeof what, "%s port %u", r->target.addr, (unsigned)r->target.port);
	text_phase("connect", &r->connect, what);
	text_tls(o, r);
	text_ke(r);
	for (size_t i = 0; i < r->nscan; i++)
		printf("aead %-4u %-26s %s: %s\n", (unsigned)r->scan[i].aead,
		       nts_aead_name(r->scan[i].aead) ? nts_aead_name(r->scan[i].aead) : "(unassigned)",
		       r->scan[i].accepted ? "accepted" : "refused", r->scan[i].answer);
	text_ntp(r);
	text_check(r);
	char e[4 * sizeof r->fail_msg + 1];
	if (r->hint[0])
		printf("hint      %s\n", probe_esc(e, sizeof e, r->hint));
	if (r->exit_code == PX_OK || r->exit_code == PX_CHECK_FAIL)
		printf("result    %s\n", r->exit_code == PX_OK ? "OK" : "check found failures");
	else if (r->exit_code == PX_UNSYNC)
		printf("result    NOT SYNCHRONISED (exit %d): %s\n", r->exit_code,
		       probe_esc(e, sizeof e, r->fail_msg));
	else
		printf("result    FAILED in %s (exit %d): %s\n", r->fail_phase, r->exit_code,
		       probe_esc(e, sizeof e, r->fail_msg));
}

/* ---- Nagios plugin output */

static int worse(int a, int b)
{
	/* 2 CRITICAL > 1 WARNING > 3 UNKNOWN > 0 OK */
	static const int rank[] = {0, 2, 3, 1};
	return rank[b] > rank[a] ? b : a;
}

/* Append one part of the status text; parts are joined by "; ". */
__attribute__((format(printf, 4, 5)))
static void why_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	if (*n + 3 >= cap)
		return;
	if (*n) {
		memcpy(buf + *n, "; ", 3);
		*n += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

int report_nagios(const struct probe_opts *o, const struct probe_result *r)
{
	static const char *const word[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	int st = 0;
	char why[768] = "";
	size_t n = 0;
#define WHY(...) why_add(why, sizeof why, &n, __VA_ARGS__)
	char esc[4 * sizeof r->fail_msg + 1];
	if (r->exit_code == PX_UNSYNC) {
		/* the server answers and authenticates, but its time is not usable */
		st = o->unsync_critical ? 2 : 1;
		WHY("%s", probe_esc(esc, sizeof esc, r->fail_msg));
	} else if (r->exit_code != PX_OK && r->exit_code != PX_CHECK_FAIL) {
		st = r->exit_code == PX_USAGE || r->exit_code == PX_LOCAL ? 3 : 2;
		WHY("%s: %s", r->fail_phase, probe_esc(esc, sizeof esc, r->fail_msg));
	} else if (r->verify.checked && r->verify.flags) {
		char words[128];
		st = worse(st, 2);
		WHY("certificate verification FAILED (%s), ignored by --insecure",
		    nts_tls_verify_str(r->verify.flags, words, sizeof words));
	}
	if (r->exit_code == PX_CHECK_FAIL) {
		st = worse(st, 2);
		WHY("conformance check failures");
	}
	double days = r->nchain ? days_left(&r->chain[0]) : NAN;
	if (r->nchain && days < o->crit_expiry)
		st = worse(st, 2);
	else if (r->nchain && days < o->warn_expiry)
		st = worse(st, 1);
	double off = r->nq && r->q[r->nq - 1].ok && !r->q[r->nq - 1].unsync ? r->q[r->nq - 1].offset
									  : NAN;
	if (!isnan(off) && fabs(off) >= o->crit_offset)
		st = worse(st, 2);
	else if (!isnan(off) && fabs(off) >= o->warn_offset)
		st = worse(st, 1);
	if (r->ke_done)
		WHY("%s AEAD %u, %zu cookies", r->tls_info.version, (unsigned)r->resp.aead,
		    r->resp.ncookies);
	if (!isnan(off))
		WHY("offset %+.6f s", off);
	if (r->nchain)
		WHY("certificate expires in %.0f days", floor(days));
	printf("NTS %s - %s port %u: %s |", word[st], r->host, (unsigned)r->target.port, why);
	if (r->ke.run)
		printf(" ke_time=%.6fs", r->ke.ms / 1e3);
	if (!isnan(off))
		printf(" offset=%.6fs;%g;%g delay=%.6fs", off, o->warn_offset, o->crit_offset,
		       r->q[r->nq - 1].delay);
	if (r->nchain)
		printf(" cert_days=%.2f;%g;%g", days, o->warn_expiry, o->crit_expiry);
	printf("\n");
#undef WHY
	return st;
}

/* ---- --export-keys: see ntske-probe(1), "KEY EXPORT FORMAT" */

static void put_hex_line(FILE *f, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * NTS_COOKIE_MAX + 1];
	nts_hex_encode(p, n, hex, sizeof hex);
	fprintf(f, "%s=%s\n", key, hex);
}

int report_export_keys(const char *path, const struct probe_result *r, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const struct ntske_response *s = &r->resp;
	fprintf(f, "# ntske-probe key export: session keys for one NTS-KE exchange\n");
	fprintf(f, "version=1\n");
	fprintf(f, "time=%lld\n", (long long)time(NULL));
	fprintf(f, "ke_host=%s\nke_address=%s\nke_port=%u\n", r->host, r->target.addr,
		(unsigned)r->target.port);
	fprintf(f, "ntp_server=%s\nntp_address=%s\nntp_port=%u\n", r->ntp_host,
		r->ntp_target.addr[0] ? r->ntp_target.addr : r->ntp_host, (unsigned)r->ntp_port);
	fprintf(f, "next_protocol=%u\naead=%u\n", (unsigned)s->proto, (unsigned)s->aead);
	put_hex_line(f, "c2s", r->c2s, r->key_len);
	put_hex_line(f, "s2c", r->s2c, r->key_len);
	for (size_t i = 0; i < s->ncookies; i++)
		put_hex_line(f, "cookie", s->cookies[i], s->cookie_len[i]);
	for (size_t i = 0; i < r->nntp_cookies; i++)
		put_hex_line(f, "cookie", r->ntp_cookies[i], r->ntp_cookie_len[i]);
	fprintf(f, "end\n");
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
