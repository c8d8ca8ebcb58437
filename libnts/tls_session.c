/* tls_session: NTS-KE TLS sessions (GnuTLS) moving bytes through the caller's transport. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <gnutls/gnutls.h>

#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "tls_int.h"

/* RFC 8915 section 3: TLS 1.3 or later only. The TLS 1.2 string exists so
 * the probe can check that servers refuse older clients. */
#define PRIO_TLS13 "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define PRIO_TLS12 "NORMAL:-VERS-ALL:+VERS-TLS1.2"
/* The server picks the cheapest strong options itself rather than following
 * the client's order: X25519 costs less than P-256 per handshake and
 * AES-128-GCM less than AES-256-GCM, and NTS-KE handshakes are the server's
 * main CPU cost under load. */
#define PRIO_SERVER "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:" \
	"+GROUP-SECP256R1:+GROUP-SECP384R1:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
	"+CHACHA20-POLY1305:%SERVER_PRECEDENCE"

/* Parsed once: parsing a priority string per handshake is measurable. */
static gnutls_priority_t prio_cache[NTS_TLS_PRIO_COUNT];
static int prio_cache_err;
static pthread_once_t prio_once = PTHREAD_ONCE_INIT;

static void prio_init(void)
{
	static const char *const strs[NTS_TLS_PRIO_COUNT] = {PRIO_SERVER, PRIO_TLS13, PRIO_TLS12};
	for (int i = 0; i < NTS_TLS_PRIO_COUNT; i++)
		if (gnutls_priority_init(&prio_cache[i], strs[i], NULL) < 0)
			prio_cache_err = 1;
}

const gnutls_datum_t nts_tls_alpn_ntske = {(unsigned char *)(uintptr_t)NTSKE_ALPN,
					 sizeof NTSKE_ALPN - 1};

void nts_tls_set_err(struct nts_tls *t, const char *what, int gerr)
{
	snprintf(t->err, sizeof t->err, "%s: %s", what, gnutls_strerror(gerr));
}

void nts_tls_put_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void nts_tls_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* GnuTLS moves bytes only through these: the caller's transport does the I/O.
 * errno is handed back to GnuTLS so EAGAIN and EINTR mean what they should. */
static ssize_t transport_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct nts_tls *t = p;
	errno = 0;
	long n = t->io.pull(t->io.ctx, buf, len);
	if (n < 0)
		gnutls_transport_set_errno(t->s, errno ? errno : EIO);
	return (ssize_t)n;
}

static ssize_t transport_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct nts_tls *t = p;
	errno = 0;
	/* giovec_t is struct iovec on POSIX systems (gnutls.h) */
	long n = t->io.push(t->io.ctx, (const struct iovec *)iov, iovcnt);
	if (n < 0)
		gnutls_transport_set_errno(t->s, errno ? errno : EIO);
	return (ssize_t)n;
}

int nts_tls_session_new(struct nts_tls_creds *c, struct nts_tls_transport io, unsigned flags,
			enum nts_tls_prio prio, struct nts_tls **out)
{
	pthread_once(&prio_once, prio_init);
	if (prio_cache_err)
		return NTS_E_TLS;
	struct nts_tls *t = calloc(1, sizeof *t);
	if (!t)
		return NTS_E_NOMEM;
	if (gnutls_init(&t->s, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0) {
		free(t);
		return NTS_E_NOMEM;
	}
	if (gnutls_priority_set(t->s, prio_cache[prio]) < 0 ||
	    gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->cred) < 0) {
		nts_tls_free(t);
		return NTS_E_TLS;
	}
	t->io = io;
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_pull_function(t->s, transport_pull);
	gnutls_transport_set_vec_push_function(t->s, transport_push);
	gnutls_session_set_ptr(t->s, t);
	*out = t;
	return NTS_OK;
}

int nts_tls_server_new(struct nts_tls_creds *c, struct nts_tls_transport io, struct nts_tls **out)
{
	if (!c || !out || !io.push || !io.pull)
		return NTS_E_INVAL;
	int r = nts_tls_session_new(c, io, GNUTLS_SERVER, NTS_TLS_PRIO_SERVER, out);
	if (r != NTS_OK)
		return r;
	struct nts_tls *t = *out;
	t->server = true;
	t->want_ntske = true;
	/* RFC 8915 section 4: a server must refuse a client that does not offer
	 * ntske/1; MANDATORY covers a wrong offer, handshake() a missing one. */
	if (gnutls_alpn_set_protocols(t->s, &nts_tls_alpn_ntske, 1, GNUTLS_ALPN_MANDATORY) < 0) {
		nts_tls_free(t);
		*out = NULL;
		return NTS_E_TLS;
	}
	return NTS_OK;
}

void nts_tls_free(struct nts_tls *t)
{
	if (!t)
		return;
	gnutls_deinit(t->s);
	free(t);
}

static int handshake_failed(struct nts_tls *t, int g, int saved_errno)
{
	if (g == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		char why[128];
		t->v.checked = true;
		snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
		t->v.flags = nts_tls_map_status(gnutls_session_get_verify_cert_status(t->s));
		snprintf(t->err, sizeof t->err, "certificate verification failed: %s",
			 nts_tls_verify_str(t->v.flags, why, sizeof why));
		return NTS_E_TLS_CERT;
	}
	if (g == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		gnutls_alert_description_t a = gnutls_alert_get(t->s);
		const char *an = gnutls_alert_get_name(a);
		snprintf(t->err, sizeof t->err, "handshake: peer sent alert: %s",
			 an ? an : "unknown");
		if (a == GNUTLS_A_PROTOCOL_VERSION)
			return NTS_E_TLS_VERSION;
		if (a == GNUTLS_A_NO_APPLICATION_PROTOCOL)
			return NTS_E_TLS_ALPN;
		return NTS_E_TLS;
	}
	if (g == GNUTLS_E_PREMATURE_TERMINATION)
		snprintf(t->err, sizeof t->err, "handshake: peer closed the connection");
	else if ((g == GNUTLS_E_PULL_ERROR || g == GNUTLS_E_PUSH_ERROR) && saved_errno)
		snprintf(t->err, sizeof t->err, "handshake: %s", strerror(saved_errno));
	else
		nts_tls_set_err(t, "handshake", g);
	if (g == GNUTLS_E_UNSUPPORTED_VERSION_PACKET)
		return NTS_E_TLS_VERSION;
	if (g == GNUTLS_E_NO_APPLICATION_PROTOCOL)
		return NTS_E_TLS_ALPN;
	return g == GNUTLS_E_PREMATURE_TERMINATION ? NTS_E_TLS_EOF : NTS_E_TLS;
}

static bool alpn_is_ntske(gnutls_session_t s)
{
	gnutls_datum_t p;
	return gnutls_alpn_get_selected_protocol(s, &p) == 0 && p.size == nts_tls_alpn_ntske.size &&
	       memcmp(p.data, nts_tls_alpn_ntske.data, p.size) == 0;
}

int nts_tls_handshake(struct nts_tls *t)
{
	if (!t)
		return NTS_E_INVAL;
	int g;
	errno = 0;
	do {
		g = gnutls_handshake(t->s);
	} while (g == GNUTLS_E_INTERRUPTED);
	if (g == GNUTLS_E_AGAIN)
		return NTS_E_TLS_AGAIN;
	if (g < 0)
		return handshake_failed(t, g, errno);
	if (gnutls_protocol_get_version(t->s) < GNUTLS_TLS1_3 && t->server) {
		snprintf(t->err, sizeof t->err, "peer negotiated a TLS version below 1.3");
		return NTS_E_TLS_VERSION;
	}
	if (!t->server)
		nts_tls_client_handshake_done(t);
	/* RFC 8915 section 4: both sides refuse a connection without ntske/1. */
	if (t->want_ntske && !alpn_is_ntske(t->s)) {
		snprintf(t->err, sizeof t->err, "%s did not agree to ALPN \"%s\"",
			 t->server ? "client" : "server", NTSKE_ALPN);
		if (t->server)
			gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_NO_APPLICATION_PROTOCOL);
		return NTS_E_TLS_ALPN;
	}
	return NTS_OK;
}

bool nts_tls_want_write(const struct nts_tls *t)
{
	return t && gnutls_record_get_direction(t->s) == 1;
}

/* saved_errno: errno right after the GnuTLS call, which names a socket error
 * that GnuTLS reports only as a pull/push failure. */
static long io_result(struct nts_tls *t, ssize_t n, const char *what, int saved_errno)
{
	if (n > 0)
		return (long)n;
	if (n == 0)
		return NTS_E_TLS_EOF;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return NTS_E_TLS_AGAIN;
	if (n == GNUTLS_E_PREMATURE_TERMINATION) {
		nts_tls_set_err(t, what, (int)n);
		return NTS_E_TLS_EOF;
	}
	if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		const char *an = gnutls_alert_get_name(gnutls_alert_get(t->s));
		snprintf(t->err, sizeof t->err, "%s: peer sent alert: %s", what, an ? an : "unknown");
		return NTS_E_TLS;
	}
	if ((n == GNUTLS_E_PULL_ERROR || n == GNUTLS_E_PUSH_ERROR) && saved_errno) {
		snprintf(t->err, sizeof t->err, "%s: %s", what, strerror(saved_errno));
		return saved_errno == ECONNRESET || saved_errno == EPIPE ? NTS_E_TLS_EOF : NTS_E_TLS;
	}
	nts_tls_set_err(t, what, (int)n);
	return NTS_E_TLS;
}

long nts_tls_send(struct nts_tls *t, const void *buf, size_t len)
{
	if (!t || (!buf && len))
		return NTS_E_INVAL;
	errno = 0;
	ssize_t n = gnutls_record_send(t->s, buf, len);
	return io_result(t, n, "send", errno);
}

long nts_tls_recv(struct nts_tls *t, void *buf, size_t len)
{
	if (!t || !buf || !len)
		return NTS_E_INVAL;
	ssize_t n;
	/* A TLS 1.3 client may receive post-handshake messages (session
	 * tickets) that yield no data; GnuTLS reports them as AGAIN/REHANDSHAKE. */
	errno = 0;
	n = gnutls_record_recv(t->s, buf, len);
	int saved_errno = errno;
	if (n == GNUTLS_E_REHANDSHAKE)
		return NTS_E_TLS_AGAIN;
	return io_result(t, n, "receive", saved_errno);
}

void nts_tls_bye(struct nts_tls *t)
{
	if (t)
		(void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
}

const char *nts_tls_error(const struct nts_tls *t)
{
	if (!t)
		return "no session";
	return t->err[0] ? t->err : "no error";
}

void nts_tls_get_info(const struct nts_tls *t, struct nts_tls_info *info)
{
	memset(info, 0, sizeof *info);
	if (!t)
		return;
	gnutls_session_t s = t->s;
	/* a handshake that failed before ServerHello negotiated nothing */
	if (gnutls_cipher_get(s) == GNUTLS_CIPHER_NULL)
		return;
	nts_tls_copy(info->version, sizeof info->version,
	     gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
	gnutls_cipher_algorithm_t ci = gnutls_cipher_get(s);
	gnutls_mac_algorithm_t mac = gnutls_mac_get(s);
	if (mac == GNUTLS_MAC_AEAD || mac == GNUTLS_MAC_UNKNOWN)
		nts_tls_copy(info->cipher, sizeof info->cipher, gnutls_cipher_get_name(ci));
	else
		snprintf(info->cipher, sizeof info->cipher, "%s-%s", gnutls_cipher_get_name(ci),
			 gnutls_mac_get_name(mac));
	nts_tls_copy(info->group, sizeof info->group, gnutls_group_get_name(gnutls_group_get(s)));
	gnutls_datum_t p;
	if (gnutls_alpn_get_selected_protocol(s, &p) == 0) {
		size_t n = p.size < sizeof info->alpn - 1 ? p.size : sizeof info->alpn - 1;
		memcpy(info->alpn, p.data, n);
		info->alpn[n] = '\0';
	}
	info->resumed = gnutls_session_is_resumed(s) != 0;
	nts_tls_copy(info->sigalg, sizeof info->sigalg, gnutls_sign_get_name(gnutls_sign_algorithm_get(s)));
}
