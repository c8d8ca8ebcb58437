/* ntske-probe: TCP connect, TLS handshake and the NTS-KE exchange, with a decoded record dump. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/mono.h"
#include "nts/hex.h"
#include "common/keclient.h"
#include "nts/rules.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "probe.h"

#define NTSKE_DEFAULT_PORT 4460

void probe_ke_default_request(const struct probe_opts *o, struct ntske_request *req)
{
	memset(req, 0, sizeof *req);
	req->protos[0] = NTSKE_PROTO_NTPV4;
	req->nprotos = 1;
	for (size_t i = 0; i < o->naeads; i++)
		req->aeads[i] = o->aeads[i];
	req->naeads = o->naeads;
}

static void ids_text(char *out, size_t cap, const uint8_t *body, size_t len, bool aead)
{
	size_t pos = 0;
	out[0] = '\0';
	if (len == 0)
		snprintf(out, cap, "(empty)");
	for (size_t i = 0; i + 1 < len && pos < cap; i += 2) {
		uint16_t id = nts_get16(body + i);
		const char *n = aead ? nts_aead_name(id) : ntske_proto_name(id);
		int k = snprintf(out + pos, cap - pos, "%s%s (%u)", pos ? ", " : "",
				 n ? n : "unassigned", (unsigned)id);
		if (k < 0)
			break;
		pos += (size_t)k;
	}
	if (len % 2 && pos < cap)
		snprintf(out + pos, cap - pos, "%s odd length", pos ? ";" : "");
}

static void decode_body(struct probe_rec *p, const uint8_t *body, size_t len)
{
	const char *n;
	switch (p->type) {
	case NTSKE_REC_EOM:
		snprintf(p->decoded, sizeof p->decoded, "%s", len ? "non-empty body" : "");
		break;
	case NTSKE_REC_NEXT_PROTO:
		ids_text(p->decoded, sizeof p->decoded, body, len, false);
		break;
	case NTSKE_REC_AEAD:
		ids_text(p->decoded, sizeof p->decoded, body, len, true);
		break;
	case NTSKE_REC_ERROR:
	case NTSKE_REC_WARNING:
		if (len != 2) {
			snprintf(p->decoded, sizeof p->decoded, "bad length %zu", len);
			break;
		}
		n = p->type == NTSKE_REC_ERROR ? ntske_error_name(nts_get16(body))
					      : ntske_warning_name(nts_get16(body));
		snprintf(p->decoded, sizeof p->decoded, "%s (%u)", n ? n : "unassigned",
			 (unsigned)nts_get16(body));
		break;
	case NTSKE_REC_COOKIE:
		snprintf(p->decoded, sizeof p->decoded, "%zu octets", len);
		break;
	case NTSKE_REC_SERVER: {
		size_t k = 0;
		for (size_t i = 0; i < len && k + 2 < sizeof p->decoded; i++)
			p->decoded[k++] = isprint(body[i]) ? (char)body[i] : '?';
		p->decoded[k] = '\0';
		break;
	}
	case NTSKE_REC_PORT:
		if (len == 2)
			snprintf(p->decoded, sizeof p->decoded, "%u", (unsigned)nts_get16(body));
		else
			snprintf(p->decoded, sizeof p->decoded, "bad length %zu", len);
		break;
	default:
		snprintf(p->decoded, sizeof p->decoded, "%zu octets", len);
	}
}

size_t probe_ke_dump(const uint8_t *msg, size_t len, struct probe_rec *recs, size_t max)
{
	struct nts_rd rd;
	nts_rd_init(&rd, msg, len);
	size_t n = 0;
	while (nts_rd_left(&rd) > 0 && n < max) {
		struct ntske_record rec;
		struct probe_rec *p = &recs[n++];
		memset(p, 0, sizeof *p);
		if (ntske_record_read(&rd, &rec) != NTS_OK) {
			snprintf(p->name, sizeof p->name, "(truncated)");
			snprintf(p->decoded, sizeof p->decoded, "%zu octets left", nts_rd_left(&rd));
			break;
		}
		p->type = rec.type;
		p->critical = rec.critical;
		p->len = rec.body_len;
		const char *name = ntske_record_name(rec.type);
		snprintf(p->name, sizeof p->name, "%s", name ? name : "Unassigned");
		decode_body(p, rec.body, rec.body_len);
		nts_hex_encode(rec.body, rec.body_len < PROBE_HEX_MAX ? rec.body_len : PROBE_HEX_MAX,
			       p->hex, sizeof p->hex);
	}
	return n;
}

/* ---- the main exchange */

void probe_draft_port_hint(struct probe_result *r)
{
	snprintf(r->hint, sizeof r->hint,
		 "port %u comes from the NTS drafts (old guides still give it); the standard "
		 "NTS-KE port is %u: try %s:%u or --fallback-port", PROBE_DRAFT_PORT,
		 NTSKE_DEFAULT_PORT, r->host, NTSKE_DEFAULT_PORT);
}

static void set_port(struct probe_target *t, uint16_t port)
{
	if (t->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&t->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&t->ss)->sin6_port = htons(port);
	t->port = port;
}

/* Try each resolved address in turn; the first error is the one reported. */
static int connect_any(const struct probe_opts *o, struct nts_tls_creds *creds,
		       struct probe_result *r, uint16_t port, struct keclient **k, char *err,
		       size_t errlen)
{
	char other[256];
	struct nts_tls_client_opts topts;
	probe_tls_client_opts(o, &topts);
	size_t n = r->naddrs ? r->naddrs : 1;
	for (size_t i = 0; i < n; i++) {
		struct probe_target t = r->naddrs ? r->addrs[i] : r->target;
		set_port(&t, port);
		if (probe_ke_connect(&t, creds, &topts, o->timeout, k, i ? other : err,
				     i ? sizeof other : errlen) == 0) {
			r->target = t;
			return 0;
		}
	}
	if (n > 1) {
		size_t len = strlen(err);
		snprintf(err + len, errlen - len, " (and %zu more addresses failed)", n - 1);
	}
	return -1;
}

static int connect_phase(const struct probe_opts *o, struct nts_tls_creds *creds,
			 struct probe_result *r, struct keclient **k)
{
	char err[256];
	double t0 = mono_now();
	r->connect.run = true;
	int rc = connect_any(o, creds, r, r->target.port, k, err, sizeof err);
	r->connect.ms = (mono_now() - t0) * 1e3;
	if (rc == 0)
		return 0;
	if (r->target.port != NTSKE_DEFAULT_PORT) {
		if (r->target.port == PROBE_DRAFT_PORT)
			probe_draft_port_hint(r);
		else
			snprintf(r->hint, sizeof r->hint,
				 "the standard NTS-KE port is %u: try %s:%u or --fallback-port",
				 NTSKE_DEFAULT_PORT, r->host, NTSKE_DEFAULT_PORT);
		if (o->fallback_port) {
			char err2[256];
			uint16_t tried = r->target.port;
			if (connect_any(o, creds, r, NTSKE_DEFAULT_PORT, k, err2, sizeof err2) == 0) {
				snprintf(r->hint, sizeof r->hint, "port %u failed (%s); fell back to %u",
					 (unsigned)tried, err, NTSKE_DEFAULT_PORT);
				r->connect.ms = (mono_now() - t0) * 1e3;
				return 0;
			}
		}
	}
	snprintf(r->connect_error, sizeof r->connect_error, "%s", err);
	probe_fail(r, PX_CONNECT, "connect", "%s", err);
	return -1;
}

static void tls_failed(struct probe_result *r, struct keclient *k, int rc, double timeout)
{
	char words[128];
	struct nts_tls *tls = keclient_tls(k);
	if (rc == NTS_E_TLS_AGAIN) {
		probe_fail(r, PX_TLS, "tls", "handshake timed out after %.1f s", timeout);
	} else if (rc == NTS_E_TLS_CERT) {
		nts_tls_verify_str(r->verify.flags, words, sizeof words);
		probe_fail(r, PX_CERT, "tls", "certificate verification failed for %s: %s",
			   r->verify.name[0] ? r->verify.name : "(no name)", words);
	} else if (rc == NTS_E_TLS_ALPN && tls &&
		   strncmp(nts_tls_error(tls), "handshake", 9) == 0) {
		/* refused during the handshake (alert no_application_protocol) */
		probe_fail(r, PX_ALPN, "tls", "server refused ALPN \"%s\" (%s): not an NTS-KE server",
			   NTSKE_ALPN, nts_tls_error(tls));
	} else if (rc == NTS_E_TLS_ALPN) {
		probe_fail(r, PX_ALPN, "tls",
			   "server did not agree to ALPN \"%s\" (answered %s%s%s): not an NTS-KE "
			   "server", NTSKE_ALPN, r->tls_info.alpn[0] ? "\"" : "no ALPN",
			   r->tls_info.alpn, r->tls_info.alpn[0] ? "\"" : "");
	} else {
		probe_fail(r, PX_TLS, "tls", "%s", tls ? nts_tls_error(tls) : nts_strerror(rc));
	}
}

static int tls_phase(const struct probe_opts *o, struct probe_result *r, struct keclient *k)
{
	double t0 = mono_now();
	r->tls.run = true;
	int rc = probe_ke_handshake(k, t0 + o->timeout);
	r->tls.ms = (mono_now() - t0) * 1e3;
	struct nts_tls *tls = keclient_tls(k);
	if (tls) {
		nts_tls_get_info(tls, &r->tls_info);
		nts_tls_get_verify(tls, &r->verify);
		r->nchain = nts_tls_peer_chain(tls, r->chain, NTS_TLS_MAX_CHAIN);
	}
	if (rc != NTS_OK) {
		tls_failed(r, k, rc, o->timeout);
		return -1;
	}
	r->tls_done = true;
	return 0;
}

static void probe_ke_parse_failed(struct probe_result *r, int rc)
{
	if (rc == NTS_E_KE_ERROR_RECORD) {
		const char *n = ntske_error_name(r->resp.error_code);
		probe_fail(r, PX_KE, "ke", "server sent Error record: %s (%u)",
			   n ? n : "unassigned", (unsigned)r->resp.error_code);
	} else {
		probe_fail(r, PX_KE, "ke", "invalid response: %s (%s)", nts_strerror(rc),
			   nts_errname(rc));
	}
}

static int probe_ke_phase(const struct probe_opts *o, struct probe_result *r, struct keclient *k)
{
	struct ntske_request req;
	uint8_t out[1024];
	size_t out_len = 0, len = 0;
	probe_ke_default_request(o, &req);
	if (ntske_request_build(&req, out, sizeof out, &out_len) != NTS_OK) {
		probe_fail(r, PX_LOCAL, "ke", "cannot build the request");
		return -1;
	}
	r->ke_req_len = out_len;
	double t0 = mono_now();
	r->ke.run = true;
	int rc = keclient_send(k, out, out_len, true);
	if (rc == NTS_OK)
		rc = keclient_run(k, KECLIENT_DONE, t0 + o->timeout);
	r->ke.ms = (mono_now() - t0) * 1e3;
	const uint8_t *msg = keclient_data(k, &len);
	r->ke_resp_len = len;
	r->nrecs = probe_ke_dump(msg, len, r->recs, PROBE_MAX_RECORDS);
	if (rc == NTS_E_TLS_AGAIN) {
		probe_fail(r, PX_KE, "ke", "no complete response within %.1f s (%zu octets)",
			   o->timeout, len);
		return -1;
	}
	if (rc == NTS_E_KE_NO_EOM) {
		probe_fail(r, PX_KE, "ke", "server closed the connection before End of Message "
			   "(%zu octets received)", len);
		return -1;
	}
	if (rc == NTS_E_KE_TOO_LONG) {
		probe_fail(r, PX_KE, "ke", "reply too large: more than %zu octets without End of "
			   "Message (the limit of this client)", (size_t)NTSKE_MAX_MESSAGE);
		return -1;
	}
	if (rc == NTS_E_KE_TRUNC) {
		probe_fail(r, PX_KE, "ke", "reply truncated: a record announces more octets than "
			   "came before the server closed the connection (%zu octets received)", len);
		return -1;
	}
	if (rc < 0) {
		probe_fail(r, PX_KE, "ke", "%s", keclient_error(k));
		return -1;
	}
	rc = ntske_response_parse(msg, len, &r->resp);
	if (rc != NTS_OK) {
		probe_ke_parse_failed(r, rc);
		return -1;
	}
	return 0;
}

static bool offered(const struct probe_opts *o, uint16_t aead)
{
	for (size_t i = 0; i < o->naeads; i++)
		if (o->aeads[i] == aead)
			return true;
	return false;
}

static int keys_phase(const struct probe_opts *o, struct probe_result *r, struct keclient *k)
{
	/* RFC 8915 section 4.1.5: the server picks one of the client's AEADs */
	if (r->resp.has_aead && !offered(o, r->resp.aead)) {
		char list[128];
		size_t n = 0;
		list[0] = '\0';
		for (size_t i = 0; i < o->naeads && n < sizeof list; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%u", i ? "," : "",
					      (unsigned)o->aeads[i]);
		probe_fail(r, PX_KE, "ke", "server chose AEAD %u, which was not offered (offered %s)",
			   (unsigned)r->resp.aead, list);
		return -1;
	}
	/* RFC 8915 section 4.1.8: a Port record names the UDP port; 0 is none */
	if (r->resp.has_port && r->resp.port == 0) {
		probe_fail(r, PX_KE, "ke", "invalid response: Port record 0 (no NTP port)");
		return -1;
	}
	snprintf(r->ntp_host, sizeof r->ntp_host, "%s",
		 r->resp.has_server ? r->resp.server : r->target.addr);
	r->ntp_port = r->resp.has_port ? r->resp.port : 123;
	if (!r->resp.has_aead || !nts_aead_supported(r->resp.aead)) {
		if (o->ke_only && r->resp.has_aead) {
			/* options.c allows an AEAD we cannot use only with --ke-only */
			r->ke_done = true;
			return 0;
		}
		probe_fail(r, PX_KE, "ke", "server chose AEAD %u, which this build cannot use",
			   (unsigned)r->resp.aead);
		return -1;
	}
	r->key_len = nts_aead_key_len(r->resp.aead);
	if (nts_tls_export_keys(keclient_tls(k), NTSKE_PROTO_NTPV4, r->resp.aead, r->c2s, r->s2c,
				r->key_len) != NTS_OK) {
		probe_fail(r, PX_KE, "ke", "TLS exporter failed");
		return -1;
	}
	r->ke_done = true;
	return 0;
}

int probe_ke_run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r)
{
	struct keclient *k = NULL;
	int rc = -1;
	if (connect_phase(o, creds, r, &k) == 0 && tls_phase(o, r, k) == 0 &&
	    probe_ke_phase(o, r, k) == 0 && keys_phase(o, r, k) == 0)
		rc = 0;
	keclient_free(k, true);
	return rc;
}

/* ---- one request, one answer (the scan and the battery) */

void probe_ke_judge_answer(const uint8_t *msg, size_t len, struct probe_ke_answer *a)
{
	struct nts_rd rd;
	nts_rd_init(&rd, msg, len);
	a->aead_count = -1;
	a->proto_count = -1;
	struct ntske_record rec;
	while (nts_rd_left(&rd) && ntske_record_read(&rd, &rec) == NTS_OK) {
		if (rec.type == NTSKE_REC_ERROR && rec.body_len == 2) {
			a->kind = KA_ERROR;
			a->error_code = nts_get16(rec.body);
		} else if (rec.type == NTSKE_REC_AEAD) {
			a->aead_count = rec.body_len / 2;
			if (rec.body_len >= 2)
				a->aead = nts_get16(rec.body);
		} else if (rec.type == NTSKE_REC_NEXT_PROTO) {
			a->proto_count = rec.body_len / 2;
		} else if (rec.type == NTSKE_REC_COOKIE) {
			a->ncookies++;
		}
	}
	/* the rules of RFC 8915 section 4 that the answer breaks */
	struct nts_rules_report rep;
	nts_rules_ke(msg, len, true, &rep);
	a->rule = NTS_R_NONE;
	for (size_t i = 0; i < rep.n && !a->rule; i++)
		if (nts_rule_get(rep.hits[i].rule)->level == NTS_RULE_MUST)
			a->rule = rep.hits[i].rule;
	if (a->rule) {
		const struct nts_rule_info *ri = nts_rule_get(a->rule);
		snprintf(a->text, sizeof a->text, "answer breaks RFC 8915 %s (%s): %s", ri->section,
			 ri->name, ri->text);
	} else if (a->kind == KA_ERROR) {
		const char *n = ntske_error_name(a->error_code);
		snprintf(a->text, sizeof a->text, "Error record %u (%s)", (unsigned)a->error_code,
			 n ? n : "unassigned");
	} else if (a->aead_count == 0) {
		snprintf(a->text, sizeof a->text, "empty AEAD record, %zu cookies", a->ncookies);
	} else if (a->aead_count > 0) {
		snprintf(a->text, sizeof a->text, "AEAD %u, %zu cookies", (unsigned)a->aead,
			 a->ncookies);
	} else {
		snprintf(a->text, sizeof a->text, "response without AEAD record, %zu cookies",
			 a->ncookies);
	}
}

/* What an answer cut short held: true when it had cookies (text set). */
static bool partial_cookies(const uint8_t *msg, size_t len, struct probe_ke_answer *a)
{
	struct probe_ke_answer part;
	memset(&part, 0, sizeof part);
	probe_ke_judge_answer(msg, len, &part);
	if (part.ncookies == 0)
		return false;
	a->ncookies = part.ncookies;
	a->aead = part.aead;
	a->aead_count = part.aead_count;
	a->proto_count = part.proto_count;
	snprintf(a->text, sizeof a->text, "%zu cookies, then the response broke off after %zu "
		 "octets", part.ncookies, len);
	return true;
}

/* Only a failure while sending counts here: one met reading on after the
 * last octet is the answer's, which receive_answer reports. */
static int send_request(struct keclient *c, const struct probe_ke_try_opts *k, const uint8_t *req,
			size_t len, double deadline)
{
	size_t step = k->trickle_ms && len ? 1 : len;
	for (size_t i = 0; i < len || i == 0; i += step) {
		size_t n = len - i < step ? len - i : step;
		int rc = keclient_send(c, req + i, n, i + n == len);
		if (rc == NTS_OK)
			rc = keclient_run(c, KECLIENT_RECV, deadline);
		if (rc != NTS_OK && keclient_phase(c) != KECLIENT_FAILED)
			return rc;   /* timed out */
		if (rc != NTS_OK)
			return keclient_failed_in(c) <= KECLIENT_SEND ? rc : NTS_OK;
		if (i + n == len)
			break;
		usleep(k->trickle_ms * 1000);
	}
	return NTS_OK;
}

static void receive_answer(const struct probe_opts *o, struct keclient *c,
			   const struct probe_ke_try_opts *k, struct probe_ke_answer *a)
{
	size_t len = 0;
	double wait = o->timeout < 3 ? o->timeout : 3;
	int rc = keclient_run(c, KECLIENT_DONE, mono_now() + wait);
	if (rc == NTS_E_TLS_AGAIN && k->close_on_silence) {
		a->half_closed = true;
		nts_tls_bye(keclient_tls(c));
		rc = keclient_run(c, KECLIENT_DONE, mono_now() + wait);
	}
	const uint8_t *msg = keclient_data(c, &len);
	if (rc == NTS_OK) {
		a->kind = KA_RESPONSE;
		probe_ke_judge_answer(msg, len, a);
	} else if (rc != NTS_E_TLS_AGAIN && len > 0 && partial_cookies(msg, len, a)) {
		/* cookies sent before the answer broke off: the server accepted */
		a->kind = KA_MALFORMED;
	} else if (rc == NTS_E_TLS_AGAIN) {
		a->kind = KA_TIMEOUT;
		snprintf(a->text, sizeof a->text, "no answer within %.1f s", wait);
	} else if (rc == NTS_E_KE_NO_EOM || rc == NTS_E_KE_TRUNC) {
		a->kind = KA_CLOSED;
		snprintf(a->text, sizeof a->text, "connection closed without a whole response "
			 "(%zu octets)", len);
	} else {
		a->kind = KA_CLOSED;
		snprintf(a->text, sizeof a->text, "connection ended: %s",
			 rc == NTS_E_KE_TOO_LONG ? nts_strerror(rc) : keclient_error(c));
	}
	if (a->half_closed) {
		size_t n = strlen(a->text);
		snprintf(a->text + n, sizeof a->text - n, " (after our close_notify)");
	}
}

void probe_ke_try(const struct probe_opts *o, struct nts_tls_creds *creds, const struct probe_target *t,
	    const struct probe_ke_try_opts *k, const uint8_t *req, size_t req_len, struct probe_ke_answer *a)
{
	memset(a, 0, sizeof *a);
	a->aead_count = a->proto_count = -1;
	struct nts_tls_client_opts topts;
	probe_tls_client_opts(o, &topts);
	topts.alpn = k->alpn;
	topts.tls12_only = k->tls12_only;
	struct keclient *c = NULL;
	char err[160];
	int rc = probe_ke_open(o, creds, t, &topts, &c, err, sizeof err);
	if (rc == NTS_E_IO) {
		a->kind = KA_CONNECT_FAIL;
		snprintf(a->text, sizeof a->text, "connect: %s", err);
	} else if (rc != NTS_OK) {
		a->kind = KA_TLS_FAIL;
		a->tls_rc = rc;
		snprintf(a->text, sizeof a->text, "handshake refused: %s", err);
	} else {
		rc = send_request(c, k, req, req_len, mono_now() + o->timeout + req_len *
				  (k->trickle_ms / 1000.0));
		if (rc != NTS_OK) {
			a->kind = KA_CLOSED;
			snprintf(a->text, sizeof a->text, "sending failed: %s",
				 rc == NTS_E_TLS_AGAIN ? "timed out" : keclient_error(c));
		} else {
			receive_answer(o, c, k, a);
		}
	}
	keclient_free(c, true);
}

void probe_ke_aead_scan(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r)
{
	/* 15, 16, 17 (AES-SIV-CMAC), 30 (AES-128-GCM-SIV), 1000 (unassigned) */
	static const uint16_t ids[] = {15, 16, 17, 30, 1000};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0] && r->nscan < PROBE_MAX_SCAN; i++) {
		struct probe_opts one = *o;
		one.aeads[0] = ids[i];
		one.naeads = 1;
		struct ntske_request req;
		uint8_t buf[256];
		size_t len;
		probe_ke_default_request(&one, &req);
		struct probe_scan *s = &r->scan[r->nscan++];
		s->aead = ids[i];
		if (ntske_request_build(&req, buf, sizeof buf, &len) != NTS_OK) {
			snprintf(s->answer, sizeof s->answer, "cannot build request");
			continue;
		}
		struct probe_ke_try_opts k = {0};
		struct probe_ke_answer a;
		probe_ke_try(o, creds, &r->target, &k, buf, len, &a);
		s->accepted = a.kind == KA_RESPONSE && a.aead_count == 1 && a.aead == ids[i] &&
			      a.ncookies > 0;
		if (a.kind == KA_RESPONSE && a.aead_count > 0 && a.aead != ids[i])
			snprintf(s->answer, sizeof s->answer, "chose AEAD %u, which was not offered "
				 "(%zu cookies)", (unsigned)a.aead, a.ncookies);
		else
			snprintf(s->answer, sizeof s->answer, "%s", a.text);
	}
}
