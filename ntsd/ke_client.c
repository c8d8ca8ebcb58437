/* ntsd: the NTS-KE client, one exchange at a time per source, never blocking the loop
 * (RFC 8915 section 4). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keylog.h"
#include "common/tls_fd.h"
#include "ke_client.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/nts_assoc.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "ntsd.h"
#include "resolve.h"
#include "sched.h"

enum ke_state { ST_DNS, ST_CONNECT, ST_HANDSHAKE, ST_SEND, ST_RECV };

static const char *const state_names[] = {
	[ST_DNS] = "resolving the name", [ST_CONNECT] = "connecting", [ST_HANDSHAKE] = "in the TLS handshake",
	[ST_SEND] = "sending the request", [ST_RECV] = "waiting for the response",
};

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
	enum ke_state st;
	struct ntsd_resolve *dns;    /* the lookup in flight */
	struct addrinfo *ai, *cur;
	int fd;
	struct nts_tls *tls;
	char addr[80];
	char connect_err[128];
	uint8_t req[256];
	size_t req_len, req_sent;
	uint8_t resp[NTSKE_MAX_MESSAGE];
	size_t resp_len;
	struct ntsd_kec_outcome out;
	bool assoc_told;             /* nts_assoc already knows the result */
};

static void step(struct ntsd_kec *k);

static void cleanup(struct ntsd_kec *k)
{
	if (k->timer)
		ntsd_sched_cancel(k->timer);
	k->timer = 0;
	if (k->tls)
		nts_tls_free(k->tls);
	k->tls = NULL;
	if (k->fd >= 0) {
		ntsd_sched_fd_remove(k->fd);
		close(k->fd);
	}
	k->fd = -1;
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
		if (k->tls)
			nts_tls_bye(k->tls);
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

static void on_timeout(void *arg)
{
	struct ntsd_kec *k = arg;
	k->timer = 0;
	finish(k, NTS_E_TLS_AGAIN, "timed out %s", state_names[k->st]);
}

static void on_fd(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	step(arg);
}

static bool wait_for(struct ntsd_kec *k, short events)
{
	if (ntsd_sched_fd(k->fd, events, on_fd, k) != 0) {
		finish(k, NTS_E_NOMEM, "scheduler full");
		return false;
	}
	return true;
}

/* ---- connect: each resolved address in turn */

static void connect_next(struct ntsd_kec *k);

static void connect_failed(struct ntsd_kec *k, int err)
{
	if (!k->connect_err[0])
		snprintf(k->connect_err, sizeof k->connect_err, "connect to %s: %s", k->addr,
			 strerror(err));
	ntsd_sched_fd_remove(k->fd);
	close(k->fd);
	k->fd = -1;
	k->cur = k->cur->ai_next;
	connect_next(k);
}

static void start_tls(struct ntsd_kec *k)
{
	const char *keylog = getenv("SSLKEYLOGFILE");
	struct nts_tls_client_opts o = { .sni = k->host, .verify = !k->noval,
					 .keylog = keylog && keylog[0] ? keylog_append : NULL,
					 .keylog_ctx = keylog };
	int rc = nts_tls_client_new(k->creds, tls_fd_transport(k->fd), &o, &k->tls);
	if (rc != NTS_OK) {
		finish(k, rc, "TLS session: %s", nts_strerror(rc));
		return;
	}
	memcpy(&k->out.peer, k->cur->ai_addr, k->cur->ai_addrlen);
	k->out.peer_len = k->cur->ai_addrlen;
	k->st = ST_HANDSHAKE;
	step(k);
}

static void connect_next(struct ntsd_kec *k)
{
	for (; k->cur; k->cur = k->cur->ai_next) {
		ntsd_addr_format(k->cur->ai_addr, k->addr, sizeof k->addr);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "connecting to %s:%u => %s", k->host,
			(unsigned)k->port, k->addr);
		/* flags by fcntl, not in socket()'s type: the simulator of
		 * ci/bench-clock (clknetsim) knows only the plain types; ntsd
		 * starts no program, so the moment without CLOEXEC is harmless */
		k->fd = socket(k->cur->ai_family, SOCK_STREAM, 0);
		if (k->fd < 0) {
			snprintf(k->connect_err, sizeof k->connect_err, "socket: %s", strerror(errno));
			continue;
		}
		int fl = fcntl(k->fd, F_GETFL);
		if (fl < 0 || fcntl(k->fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(k->fd, F_SETFD, FD_CLOEXEC) != 0) {
			snprintf(k->connect_err, sizeof k->connect_err, "fcntl: %s", strerror(errno));
			close(k->fd);
			k->fd = -1;
			continue;
		}
		/* even a connect that returned at once is handed to the loop: its
		 * socket is writable by the next poll, and the simulator (clknetsim)
		 * completes connections only there */
		if (connect(k->fd, k->cur->ai_addr, k->cur->ai_addrlen) == 0 || errno == EINPROGRESS) {
			wait_for(k, POLLOUT);
			return;
		}
		int err = errno;
		if (!k->connect_err[0])
			snprintf(k->connect_err, sizeof k->connect_err, "connect to %s: %s", k->addr,
				 strerror(err));
		close(k->fd);
		k->fd = -1;
	}
	finish(k, NTS_E_IO, "%s", k->connect_err[0] ? k->connect_err : "no address to connect to");
}

static void connected(struct ntsd_kec *k)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0)
		start_tls(k);
	else
		connect_failed(k, err);
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
	struct nts_tls_info info;
	struct nts_tls_cert cert;
	struct nts_tls_verify v;
	char nb[32], na[32], words[128];

	nts_tls_get_info(k->tls, &info);
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "Using %s, %s (%s)", info.version, info.cipher,
		info.group);
	if (nts_tls_peer_chain(k->tls, &cert, 1) == 1) {
		fmt_time(cert.not_before, nb, sizeof nb);
		fmt_time(cert.not_after, na, sizeof na);
		k->out.cert_not_after = (double)cert.not_after;
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate subject name: %s", cert.subject);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate issuer name: %s", cert.issuer);
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "certificate valid from %s until %s", nb, na);
	}
	nts_tls_get_verify(k->tls, &v);
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
	struct nts_tls_verify v;
	char words[128];
	if (rc == NTS_E_TLS_CERT) {
		nts_tls_get_verify(k->tls, &v);
		nts_tls_verify_str(v.flags, words, sizeof words);
		finish(k, rc, "certificate verification failed for %s: %s", k->host, words);
	} else if (rc == NTS_E_TLS_ALPN) {
		finish(k, rc, "TLS handshake with %s: no ALPN %s (not an NTS-KE server?): %s", k->addr,
		       NTSKE_ALPN, nts_tls_error(k->tls));
	} else {
		finish(k, rc, "TLS handshake with %s: %s", k->addr, nts_tls_error(k->tls));
	}
}

static int exporter(void *ctx, uint16_t aead, uint8_t *c2s, uint8_t *s2c, size_t key_len)
{
	return nts_tls_export_keys(ctx, NTSKE_PROTO_NTPV4, aead, c2s, s2c, key_len);
}

static void take_response(struct ntsd_kec *k, size_t mlen)
{
	struct nts_assoc_ke_result res;
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "read %zu bytes", mlen);
	int rc = nts_assoc_ke_response(k->a, k->resp, mlen, exporter, k->tls, ntsd_sched_now(),
				       (int64_t)time(NULL), &res);
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
	nts_tls_bye(k->tls);
	finish(k, NTS_OK, "%s", "");
}

/* Advance as far as the socket allows, then wait for it. */
static void step(struct ntsd_kec *k)
{
	int rc;
	long n;

	switch (k->st) {
	case ST_DNS:
		return;   /* not a socket event */
	case ST_CONNECT:
		connected(k);
		return;
	case ST_HANDSHAKE:
		rc = nts_tls_handshake(k->tls);
		if (rc == NTS_E_TLS_AGAIN) {
			wait_for(k, nts_tls_want_write(k->tls) ? POLLOUT : POLLIN);
			return;
		}
		if (rc != NTS_OK) {
			handshake_failed(k, rc);
			return;
		}
		log_session(k);
		k->st = ST_SEND;
		/* fall through */
	case ST_SEND:
		while (k->req_sent < k->req_len) {
			n = nts_tls_send(k->tls, k->req + k->req_sent, k->req_len - k->req_sent);
			if (n == NTS_E_TLS_AGAIN) {
				wait_for(k, POLLOUT);
				return;
			}
			if (n < 0) {
				finish(k, (int)n, "sending the request: %s", nts_tls_error(k->tls));
				return;
			}
			k->req_sent += (size_t)n;
		}
		k->st = ST_RECV;
		/* fall through */
	case ST_RECV:
		for (;;) {
			size_t mlen = 0;
			int c = ntske_message_complete(k->resp, k->resp_len, &mlen);
			if (c == 1) {
				take_response(k, mlen);
				return;
			}
			if (c < 0) {
				finish(k, c, "response: %s", nts_strerror(c));
				return;
			}
			n = nts_tls_recv(k->tls, k->resp + k->resp_len, sizeof k->resp - k->resp_len);
			if (n == NTS_E_TLS_AGAIN) {
				wait_for(k, POLLIN);
				return;
			}
			if (n == NTS_E_TLS_EOF) {
				finish(k, NTS_E_KE_NO_EOM, "server closed the connection after %zu octets, "
				       "before End of Message", k->resp_len);
				return;
			}
			if (n < 0) {
				finish(k, (int)n, "reading the response: %s", nts_tls_error(k->tls));
				return;
			}
			k->resp_len += (size_t)n;
		}
	}
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
	k->st = ST_CONNECT;
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
