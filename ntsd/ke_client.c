/* ntsd: the NTS-KE client, one exchange at a time per source, never blocking the loop
 * (RFC 8915 section 4). */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keclient.h"
#include "common/keylog.h"
#include "ke_client.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/nts_assoc.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "ntsd.h"
#include "resolve.h"
#include "sched.h"

enum kec_state { ST_DNS, ST_EXCHANGE };

struct ntsd_kec {
	struct nts_assoc *a;
	char host[NTSKE_MAX_SERVER + 1];
	uint16_t port;
	struct nts_tls_creds *creds;
	bool noval;
	double timeout;
	ntsd_kec_done_fn done;
	void *arg;

	double t0;
	uint64_t timer;
	enum kec_state st;
	struct ntsd_resolve *dns;    /* the lookup in flight */
	struct addrinfo *ai, *cur;
	struct keclient *kc;         /* the exchange with the current address */
	int fd;                      /* kc's socket while the loop watches it */
	bool logged;                 /* the session lines are out */
	char addr[80];
	char connect_err[128];
	uint8_t req[256];
	size_t req_len;
	struct ntsd_kec_outcome out;
	bool assoc_told;             /* nts_assoc already knows the result */
};

static void cleanup(struct ntsd_kec *k)
{
	if (k->timer)
		ntsd_sched_cancel(k->timer);
	k->timer = 0;
	if (k->fd >= 0)
		ntsd_sched_fd_remove(k->fd);
	k->fd = -1;
	keclient_free(k->kc, false);
	k->kc = NULL;
	if (k->ai)
		freeaddrinfo(k->ai);
	k->ai = k->cur = NULL;
	ntsd_resolve_cancel(k->dns);
	k->dns = NULL;
}

static void finish(struct ntsd_kec *k, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* End the exchange: tell nts_assoc (which arms back-off), log one line for
 * a failure, and hand the outcome to the caller. */
static void finish(struct ntsd_kec *k, int rc, const char *fmt, ...)
{
	k->out.rc = rc;
	if (rc != NTS_OK) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(k->out.error, sizeof k->out.error, fmt, ap);
		va_end(ap);
		if (k->kc && keclient_tls(k->kc))
			nts_tls_bye(keclient_tls(k->kc));
		if (!k->assoc_told)
			k->out.retry_in = nts_assoc_ke_failed(k->a, ntsd_sched_now());
		nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "NTS-KE req to %s:%u failed after %.3f sec: %s; next try in %.0f s",
			k->host, (unsigned)k->port, ntsd_sched_now() - k->t0, k->out.error,
			k->out.retry_in);
	}
	cleanup(k);
	k->done(k->arg, &k->out);
	free(k);
}

static const char *phase_words(const struct ntsd_kec *k)
{
	if (k->st == ST_DNS || !k->kc)
		return "resolving the name";
	switch (keclient_phase(k->kc)) {
	case KECLIENT_CONNECT:
		return "connecting";
	case KECLIENT_HANDSHAKE:
		return "in the TLS handshake";
	case KECLIENT_READY:
	case KECLIENT_SEND:
		return "sending the request";
	default:
		return "waiting for the response";
	}
}

static void on_timeout(void *arg)
{
	struct ntsd_kec *k = arg;
	k->timer = 0;
	finish(k, NTS_E_TLS_AGAIN, "timed out %s", phase_words(k));
}

static void step(struct ntsd_kec *k);

static void on_fd(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	step(arg);
}

/* ---- connect: each resolved address in turn */

/* The first address's failure is the one reported. */
static void connect_error(struct ntsd_kec *k)
{
	if (k->connect_err[0])
		return;
	if (strncmp(keclient_error(k->kc), "connect", 7) == 0)
		snprintf(k->connect_err, sizeof k->connect_err, "connect to %s: %s", k->addr,
			 strerror(keclient_errno(k->kc)));
	else
		snprintf(k->connect_err, sizeof k->connect_err, "%s", keclient_error(k->kc));
}

static void connect_next(struct ntsd_kec *k)
{
	const char *keylog = getenv("SSLKEYLOGFILE");
	for (; k->cur; k->cur = k->cur->ai_next) {
		ntsd_addr_format(k->cur->ai_addr, k->addr, sizeof k->addr);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "connecting to %s:%u => %s", k->host,
			(unsigned)k->port, k->addr);
		struct keclient_opts o = {
			.addr = k->cur->ai_addr, .addr_len = k->cur->ai_addrlen, .creds = k->creds,
			.tls = {.sni = k->host, .verify = !k->noval,
				.keylog = keylog && keylog[0] ? keylog_append : NULL,
				.keylog_ctx = keylog},
			.req = k->req, .req_len = k->req_len,
		};
		if (!(k->kc = keclient_start(&o))) {
			finish(k, NTS_E_NOMEM, "out of memory");
			return;
		}
		if (keclient_phase(k->kc) != KECLIENT_FAILED) {
			memcpy(&k->out.peer, k->cur->ai_addr, k->cur->ai_addrlen);
			k->out.peer_len = k->cur->ai_addrlen;
			k->fd = keclient_fd(k->kc);
			if (ntsd_sched_fd(k->fd, keclient_events(k->kc), on_fd, k) != 0) {
				k->fd = -1;
				finish(k, NTS_E_NOMEM, "scheduler full");
			}
			return;
		}
		connect_error(k);
		keclient_free(k->kc, false);
		k->kc = NULL;
	}
	finish(k, NTS_E_IO, "%s", k->connect_err[0] ? k->connect_err : "no address to connect to");
}

/* ---- TLS */

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* The lines NTPsec's quick start shows: version and cipher, then the
 * certificate's subject, issuer and validity. */
static void log_session(struct ntsd_kec *k)
{
	struct nts_tls *tls = keclient_tls(k->kc);
	struct nts_tls_info info;
	struct nts_tls_cert cert;
	struct nts_tls_verify v;
	char nb[32], na[32], words[128];

	k->logged = true;
	nts_tls_get_info(tls, &info);
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "Using %s, %s (%s)", info.version, info.cipher,
		info.group);
	if (nts_tls_peer_chain(tls, &cert, 1) == 1) {
		fmt_time(cert.not_before, nb, sizeof nb);
		fmt_time(cert.not_after, na, sizeof na);
		k->out.cert_not_after = (double)cert.not_after;
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate subject name: %s", cert.subject);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate issuer name: %s", cert.issuer);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate valid from %s until %s", nb, na);
	}
	nts_tls_get_verify(tls, &v);
	if (!k->noval) {
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate is valid for %s.", k->host);
	} else {
		nts_tls_verify_str(v.flags, words, sizeof words);
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
			"certificate of %s NOT VERIFIED (noval): it would have been: %s", k->host,
			words);
	}
}

static void handshake_failed(struct ntsd_kec *k, int rc)
{
	struct nts_tls *tls = keclient_tls(k->kc);
	struct nts_tls_verify v;
	char words[128];
	if (!tls) {
		finish(k, rc, "TLS session: %s", nts_strerror(rc));
	} else if (rc == NTS_E_TLS_CERT) {
		nts_tls_get_verify(tls, &v);
		nts_tls_verify_str(v.flags, words, sizeof words);
		finish(k, rc, "certificate verification failed for %s: %s", k->host, words);
	} else if (rc == NTS_E_TLS_ALPN) {
		finish(k, rc, "TLS handshake with %s: no ALPN %s (not an NTS-KE server?): %s", k->addr,
		       NTSKE_ALPN, nts_tls_error(tls));
	} else {
		finish(k, rc, "TLS handshake with %s: %s", k->addr, nts_tls_error(tls));
	}
}

static int exporter(void *ctx, uint16_t aead, uint8_t *c2s, uint8_t *s2c, size_t key_len)
{
	return nts_tls_export_keys(ctx, NTSKE_PROTO_NTPV4, aead, c2s, s2c, key_len);
}

static void take_response(struct ntsd_kec *k)
{
	struct nts_assoc_ke_result res;
	size_t mlen;
	const uint8_t *msg = keclient_data(k->kc, &mlen);
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "read %zu bytes", mlen);
	int rc = nts_assoc_ke_response(k->a, msg, mlen, exporter, keclient_tls(k->kc),
				       ntsd_sched_now(), (int64_t)time(NULL), &res);
	k->assoc_told = true;
	if (rc == NTS_E_KE_ERROR_RECORD) {
		const char *n = ntske_error_name(res.error_code);
		k->out.retry_in = res.retry_in;
		finish(k, rc, "server sent Error %u (%s)", (unsigned)res.error_code,
		       n ? n : "unassigned");
		return;
	}
	if (rc != NTS_OK) {
		k->out.retry_in = res.retry_in;
		finish(k, rc, "bad response: %s", nts_strerror(rc));
		return;
	}
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "Got %zu cookies, length %zu, aead=%u.", res.ncookies,
		res.cookie_len, (unsigned)res.aead);
	if (res.server_record || res.port_record)
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "NTP server from the KE response: %s:%u",
			res.ntp_host, (unsigned)res.ntp_port);
	nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT, "NTS-KE req to %s took %.3f sec, OK", k->host,
		ntsd_sched_now() - k->t0);
	nts_tls_bye(keclient_tls(k->kc));
	finish(k, NTS_OK, "%s", "");
}

/* A failure of the exchange with the current address, in words. */
static void exchange_failed(struct ntsd_kec *k)
{
	int rc = keclient_rc(k->kc);
	size_t got;
	switch (keclient_failed_in(k->kc)) {
	case KECLIENT_CONNECT:
		if (rc == NTS_E_IO) {
			/* the next address, if any */
			connect_error(k);
			ntsd_sched_fd_remove(k->fd);
			k->fd = -1;
			keclient_free(k->kc, false);
			k->kc = NULL;
			k->cur = k->cur->ai_next;
			connect_next(k);
			return;
		}
		/* the TLS session could not be made */
		/* fall through */
	case KECLIENT_HANDSHAKE:
		handshake_failed(k, rc);
		return;
	case KECLIENT_READY:
	case KECLIENT_SEND:
		finish(k, rc, "sending the request: %s", keclient_error(k->kc));
		return;
	default:
		break;
	}
	keclient_data(k->kc, &got);
	if (rc == NTS_E_KE_NO_EOM)
		finish(k, rc, "server closed the connection after %zu octets, before End of Message",
		       got);
	else if (rc == NTS_E_TLS || rc == NTS_E_TLS_EOF)
		finish(k, rc, "reading the response: %s", keclient_error(k->kc));
	else
		finish(k, rc, "response: %s", nts_strerror(rc));
}

/* Advance as far as the socket allows, then wait for it. */
static void step(struct ntsd_kec *k)
{
	enum keclient_phase ph = keclient_step(k->kc);
	if (!k->logged && (ph > KECLIENT_HANDSHAKE ||
			   (ph == KECLIENT_FAILED && keclient_failed_in(k->kc) > KECLIENT_HANDSHAKE)))
		log_session(k);
	if (ph == KECLIENT_DONE) {
		take_response(k);
		return;
	}
	if (ph == KECLIENT_FAILED) {
		exchange_failed(k);
		return;
	}
	if (ntsd_sched_fd(k->fd, keclient_events(k->kc), on_fd, k) != 0)
		finish(k, NTS_E_NOMEM, "scheduler full");
}

static void resolved(void *arg, int rc, struct addrinfo *ai, double took);

/* The first step, on the loop's next turn, so ntsd_kec_start never calls
 * done before it returns. */
static void kick(void *arg)
{
	struct ntsd_kec *k = arg;
	k->timer = 0;
	if (k->out.rc != NTS_OK) {
		finish(k, k->out.rc, "%s", k->connect_err);
		return;
	}
	/* one timeout covers the lookup too */
	if (!(k->timer = ntsd_sched_timer(k->timeout, on_timeout, k))) {
		finish(k, NTS_E_NOMEM, "scheduler full");
		return;
	}
	/* the lookup runs off the loop (resolve.c); NTPsec logs its time too */
	k->st = ST_DNS;
	char port[8];
	snprintf(port, sizeof port, "%u", (unsigned)k->port);
	if (!(k->dns = ntsd_resolve_start(k->host, port, SOCK_STREAM, resolved, k)))
		finish(k, NTS_E_NOMEM, "cannot start the DNS lookup of %s", k->host);
}

static void resolved(void *arg, int rc, struct addrinfo *ai, double took)
{
	struct ntsd_kec *k = arg;
	k->dns = NULL;
	k->ai = ai;
	if (rc != 0) {
		finish(k, NTS_E_IO, "DNS lookup of %s failed: %s", k->host, gai_strerror(rc));
		return;
	}
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "DNS lookup of %s took %.3f sec", k->host, took);
	k->st = ST_EXCHANGE;
	k->cur = k->ai;
	connect_next(k);
}

struct ntsd_kec *ntsd_kec_start(struct nts_assoc *a, const struct ntsd_kec_opts *o,
			      ntsd_kec_done_fn done, void *arg)
{
	struct ntsd_kec *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->a = a;
	snprintf(k->host, sizeof k->host, "%s", o->host);
	k->port = o->port ? o->port : NTSKE_PORT;
	k->creds = o->creds;
	k->noval = o->noval;
	k->timeout = o->timeout > 0 ? o->timeout : 10.0;
	k->done = done;
	k->arg = arg;
	k->fd = -1;
	k->t0 = ntsd_sched_now();

	int rc = nts_assoc_ke_begin(a, k->req, sizeof k->req, &k->req_len);
	if (rc != NTS_OK) {
		/* nothing started in nts_assoc: report without touching it */
		k->assoc_told = true;
		k->out.rc = rc;
		snprintf(k->connect_err, sizeof k->connect_err, "request: %s", nts_strerror(rc));
	} else if (!k->creds) {
		k->out.rc = NTS_E_CONF;
		snprintf(k->connect_err, sizeof k->connect_err, "no trust anchors loaded");
	}
	if (!(k->timer = ntsd_sched_timer(0, kick, k))) {
		if (!k->assoc_told)
			nts_assoc_ke_failed(a, ntsd_sched_now());
		free(k);
		return NULL;
	}
	return k;
}

void ntsd_kec_abort(struct ntsd_kec *k)
{
	if (!k)
		return;
	if (!k->assoc_told)
		nts_assoc_ke_failed(k->a, ntsd_sched_now());
	cleanup(k);
	free(k);
}
