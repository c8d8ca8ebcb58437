/* tls: NTS-KE TLS sessions over a caller-owned socket, and the NTS key exporter (GnuTLS). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "nts/err.h"
#include "nts/hex.h"
#include "nts/ntske.h"
#include "nts/tls.h"

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
enum { PRIO_IX_SERVER, PRIO_IX_TLS13, PRIO_IX_TLS12, PRIO_COUNT };
static gnutls_priority_t prio_cache[PRIO_COUNT];
static int prio_cache_err;
static pthread_once_t prio_once = PTHREAD_ONCE_INIT;

static void prio_init(void)
{
	static const char *const strs[PRIO_COUNT] = {PRIO_SERVER, PRIO_TLS13, PRIO_TLS12};
	for (int i = 0; i < PRIO_COUNT; i++)
		if (gnutls_priority_init(&prio_cache[i], strs[i], NULL) < 0)
			prio_cache_err = 1;
}

struct nts_tls_creds {
	gnutls_certificate_credentials_t cred;
};

struct nts_tls {
	gnutls_session_t s;
	bool server;
	bool verify;              /* verification requested in the handshake */
	bool want_ntske;          /* client offered ntske/1 and requires it */
	bool ip_name;             /* the verify name is an IP literal */
	char name[256];           /* name to verify against, "" for none */
	gnutls_typed_vdata_st vd[2];  /* GnuTLS keeps a pointer to these */
	struct nts_tls_transport io;
	void (*keylog)(const void *ctx, const char *line);
	const void *keylog_ctx;
	struct nts_tls_verify v;
	char err[256];
};

static void set_err(struct nts_tls *t, const char *what, int gerr)
{
	snprintf(t->err, sizeof t->err, "%s: %s", what, gnutls_strerror(gerr));
}

__attribute__((format(printf, 3, 4)))
static void put_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- credentials */

/* Parse the chain and key separately first so an error names the right file. */
static int check_cert_key(const char *cert_file, const gnutls_datum_t *cert, const char *key_file,
			  const gnutls_datum_t *key, char *err, size_t errlen)
{
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrts = 0;
	int r = gnutls_x509_crt_list_import2(&crts, &ncrts, cert, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		put_err(err, errlen, "%s: no usable PEM certificate: %s", cert_file, gnutls_strerror(r));
		return NTS_E_CONF;
	}
	for (unsigned i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);

	gnutls_x509_privkey_t pk;
	if (gnutls_x509_privkey_init(&pk) < 0)
		return NTS_E_NOMEM;
	r = gnutls_x509_privkey_import2(pk, key, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(pk);
	if (r < 0) {
		put_err(err, errlen, "%s: no usable PEM private key: %s", key_file, gnutls_strerror(r));
		return NTS_E_CONF;
	}
	return NTS_OK;
}

int nts_tls_server_creds_from_pem(const struct nts_tls_pem *cert, const struct nts_tls_pem *key,
				  struct nts_tls_creds **out, char *err, size_t errlen)
{
	if (!cert || !key || !out || !cert->data || !key->data)
		return NTS_E_INVAL;
	*out = NULL;
	const char *cert_name = cert->name ? cert->name : "certificate";
	const char *key_name = key->name ? key->name : "private key";
	gnutls_datum_t cd = {(unsigned char *)(uintptr_t)cert->data, (unsigned)cert->len};
	gnutls_datum_t kd = {(unsigned char *)(uintptr_t)key->data, (unsigned)key->len};
	if (cert->len > UINT32_MAX || key->len > UINT32_MAX)
		return NTS_E_INVAL;
	int r = check_cert_key(cert_name, &cd, key_name, &kd, err, errlen);
	struct nts_tls_creds *c = NULL;
	if (r == NTS_OK) {
		c = calloc(1, sizeof *c);
		if (!c || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
			free(c);
			c = NULL;
			r = NTS_E_NOMEM;
		}
	}
	if (r == NTS_OK) {
		int g = gnutls_certificate_set_x509_key_mem2(c->cred, &cd, &kd, GNUTLS_X509_FMT_PEM,
							     NULL, 0);
		if (g < 0) {
			put_err(err, errlen, "%s does not match its key: %s", cert_name,
				gnutls_strerror(g));
			r = NTS_E_CONF;
		}
	}
	if (r != NTS_OK) {
		nts_tls_creds_free(c);
		return r;
	}
	*out = c;
	return NTS_OK;
}

int nts_tls_client_creds_from_pem(const struct nts_tls_pem *ca, struct nts_tls_creds **out,
				  char *err, size_t errlen)
{
	if (!ca || !ca->data || !out || ca->len > UINT32_MAX)
		return NTS_E_INVAL;
	*out = NULL;
	const char *name = ca->name ? ca->name : "trust anchors";
	struct nts_tls_creds *c = calloc(1, sizeof *c);
	if (!c || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		free(c);
		return NTS_E_NOMEM;
	}
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)ca->data, (unsigned)ca->len};
	int n = gnutls_certificate_set_x509_trust_mem(c->cred, &d, GNUTLS_X509_FMT_PEM);
	if (n <= 0) {
		put_err(err, errlen, "%s: %s", name,
			n < 0 ? gnutls_strerror(n) : "no CA certificates found");
		nts_tls_creds_free(c);
		return NTS_E_CONF;
	}
	*out = c;
	return NTS_OK;
}

void nts_tls_creds_free(struct nts_tls_creds *c)
{
	if (!c)
		return;
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}

/* ---- sessions */

static const gnutls_datum_t alpn_ntske = {(unsigned char *)(uintptr_t)NTSKE_ALPN,
					   sizeof NTSKE_ALPN - 1};

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

static int session_new(struct nts_tls_creds *c, struct nts_tls_transport io, unsigned flags,
		       int prio, struct nts_tls **out)
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
	int r = session_new(c, io, GNUTLS_SERVER, PRIO_IX_SERVER, out);
	if (r != NTS_OK)
		return r;
	struct nts_tls *t = *out;
	t->server = true;
	t->want_ntske = true;
	/* RFC 8915 section 4: a server must refuse a client that does not offer
	 * ntske/1; MANDATORY covers a wrong offer, handshake() a missing one. */
	if (gnutls_alpn_set_protocols(t->s, &alpn_ntske, 1, GNUTLS_ALPN_MANDATORY) < 0) {
		nts_tls_free(t);
		*out = NULL;
		return NTS_E_TLS;
	}
	return NTS_OK;
}

/* NSS key log line: LABEL <client_random hex> <secret hex>, handed to the
 * caller's sink (the caller decides where it goes and who may read it). */
static int keylog_cb(gnutls_session_t s, const char *label, const gnutls_datum_t *secret)
{
	const struct nts_tls *t = gnutls_session_get_ptr(s);
	gnutls_datum_t crand, srand;
	if (!t || !t->keylog || secret->size > 64)
		return 0;
	gnutls_session_get_random(s, &crand, &srand);
	if (crand.size != 32)
		return 0;
	char cr[65], sec[129], line[256];
	nts_hex_encode(crand.data, 32, cr, sizeof cr);
	nts_hex_encode(secret->data, secret->size, sec, sizeof sec);
	snprintf(line, sizeof line, "%s %s %s", label, cr, sec);
	t->keylog(t->keylog_ctx, line);
	return 0;   /* a key log is a debugging aid; never fail the handshake */
}

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* What the peer's certificate must match: the name, when there is one, and
 * the TLS server key purpose (a certificate with an Extended Key Usage
 * must list serverAuth; one without is accepted, as browsers do). */
static unsigned verify_data(const struct nts_tls *t, gnutls_typed_vdata_st vd[2])
{
	unsigned n = 0;
	memset(vd, 0, 2 * sizeof vd[0]);
	if (t->name[0]) {
		vd[n].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[n++].data = (unsigned char *)(uintptr_t)t->name;
	}
	vd[n].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[n++].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	return n;
}

static int client_setup(struct nts_tls *t, const struct nts_tls_client_opts *o)
{
	if (o->sni && o->sni[0]) {
		snprintf(t->name, sizeof t->name, "%s", o->sni);
		t->ip_name = is_ip_literal(o->sni);
		/* RFC 6066 section 3: literal addresses are not sent as SNI. */
		if (!t->ip_name &&
		    gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, o->sni, strlen(o->sni)) < 0)
			return NTS_E_TLS;
	}
	if (o->verify) {
		t->verify = true;
		gnutls_session_set_verify_cert2(t->s, t->vd, verify_data(t, t->vd), 0);
	}
	if (!o->alpn || o->alpn[0]) {
		gnutls_datum_t p = alpn_ntske;
		if (o->alpn) {
			p.data = (unsigned char *)(uintptr_t)o->alpn;
			p.size = (unsigned)strlen(o->alpn);
		}
		if (gnutls_alpn_set_protocols(t->s, &p, 1, 0) < 0)
			return NTS_E_TLS;
		t->want_ntske = !o->alpn || strcmp(o->alpn, NTSKE_ALPN) == 0;
	}
	if (o->keylog) {
		t->keylog = o->keylog;
		t->keylog_ctx = o->keylog_ctx;
		gnutls_session_set_keylog_function(t->s, keylog_cb);
	}
	return NTS_OK;
}

int nts_tls_client_new(struct nts_tls_creds *c, struct nts_tls_transport io,
		       const struct nts_tls_client_opts *o, struct nts_tls **out)
{
	static const struct nts_tls_client_opts defaults = {.verify = true};
	if (!c || !out || !io.push || !io.pull)
		return NTS_E_INVAL;
	if (!o)
		o = &defaults;
	int r = session_new(c, io, GNUTLS_CLIENT, o->tls12_only ? PRIO_IX_TLS12 : PRIO_IX_TLS13, out);
	if (r != NTS_OK)
		return r;
	r = client_setup(*out, o);
	if (r != NTS_OK) {
		nts_tls_free(*out);
		*out = NULL;
	}
	return r;
}

void nts_tls_free(struct nts_tls *t)
{
	if (!t)
		return;
	gnutls_deinit(t->s);
	free(t);
}

/* Map GnuTLS's status bits onto ours. */
static unsigned map_status(unsigned st)
{
	static const struct {
		unsigned g, ours;
	} map[] = {
		{GNUTLS_CERT_EXPIRED, NTS_TLS_V_EXPIRED},
		{GNUTLS_CERT_NOT_ACTIVATED, NTS_TLS_V_NOT_YET_VALID},
		{GNUTLS_CERT_SIGNER_NOT_FOUND, NTS_TLS_V_UNKNOWN_ISSUER},
		{GNUTLS_CERT_UNEXPECTED_OWNER, NTS_TLS_V_NAME_MISMATCH},
		{GNUTLS_CERT_SIGNATURE_FAILURE, NTS_TLS_V_BAD_SIGNATURE},
		{GNUTLS_CERT_SIGNER_NOT_CA, NTS_TLS_V_ISSUER_NOT_CA},
		{GNUTLS_CERT_INSECURE_ALGORITHM, NTS_TLS_V_INSECURE_ALG},
		{GNUTLS_CERT_REVOKED, NTS_TLS_V_REVOKED},
		{GNUTLS_CERT_PURPOSE_MISMATCH, NTS_TLS_V_PURPOSE},
	};
	unsigned ours = 0, known = GNUTLS_CERT_INVALID;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		known |= map[i].g;
		if (st & map[i].g)
			ours |= map[i].ours;
	}
	if ((st & ~known) || (st && !ours))
		ours |= NTS_TLS_V_OTHER;
	return ours;
}

/* With verify off, still verify after the handshake so the caller can report
 * what would have failed. */
static void verify_after(struct nts_tls *t)
{
	unsigned st = 0;
	t->v.checked = true;
	snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
	gnutls_typed_vdata_st vd[2];
	int r = gnutls_certificate_verify_peers(t->s, vd, verify_data(t, vd), &st);
	if (r == GNUTLS_E_NO_CERTIFICATE_FOUND)
		t->v.flags = NTS_TLS_V_NO_CERT;
	else if (r < 0)
		t->v.flags = NTS_TLS_V_OTHER;
	else
		t->v.flags = map_status(st);
}

static int handshake_failed(struct nts_tls *t, int g, int saved_errno)
{
	if (g == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		char why[128];
		t->v.checked = true;
		snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
		t->v.flags = map_status(gnutls_session_get_verify_cert_status(t->s));
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
		set_err(t, "handshake", g);
	if (g == GNUTLS_E_UNSUPPORTED_VERSION_PACKET)
		return NTS_E_TLS_VERSION;
	if (g == GNUTLS_E_NO_APPLICATION_PROTOCOL)
		return NTS_E_TLS_ALPN;
	return g == GNUTLS_E_PREMATURE_TERMINATION ? NTS_E_TLS_EOF : NTS_E_TLS;
}

static bool alpn_is_ntske(gnutls_session_t s)
{
	gnutls_datum_t p;
	return gnutls_alpn_get_selected_protocol(s, &p) == 0 && p.size == alpn_ntske.size &&
	       memcmp(p.data, alpn_ntske.data, p.size) == 0;
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
	if (!t->server) {
		if (t->verify) {
			t->v.checked = true;
			snprintf(t->v.name, sizeof t->v.name, "%s", t->name);
			t->v.flags = 0;
		} else {
			verify_after(t);
		}
	}
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
		set_err(t, what, (int)n);
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
	set_err(t, what, (int)n);
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

/* ---- exporter (RFC 8915 section 5.1) */

int nts_tls_export_keys_session(struct gnutls_session_int *session, uint16_t proto,
				uint16_t aead, uint8_t *c2s, uint8_t *s2c, size_t key_len)
{
	if (!session || !c2s || !s2c || key_len == 0)
		return NTS_E_INVAL;
	/* Context: Protocol ID (u16), AEAD ID (u16), then 0x00 for the
	 * client-to-server key or 0x01 for server-to-client. */
	uint8_t ctx[5] = {(uint8_t)(proto >> 8), (uint8_t)proto, (uint8_t)(aead >> 8),
			  (uint8_t)aead, 0};
	const size_t label_len = sizeof NTSKE_EXPORTER_LABEL - 1;
	if (gnutls_prf_rfc5705(session, label_len, NTSKE_EXPORTER_LABEL, sizeof ctx,
			       (const char *)ctx, key_len, (char *)c2s) < 0)
		return NTS_E_CRYPTO;
	ctx[4] = 1;
	if (gnutls_prf_rfc5705(session, label_len, NTSKE_EXPORTER_LABEL, sizeof ctx,
			       (const char *)ctx, key_len, (char *)s2c) < 0)
		return NTS_E_CRYPTO;
	return NTS_OK;
}

int nts_tls_export_keys(struct nts_tls *t, uint16_t proto, uint16_t aead, uint8_t *c2s,
			uint8_t *s2c, size_t key_len)
{
	if (!t)
		return NTS_E_INVAL;
	return nts_tls_export_keys_session(t->s, proto, aead, c2s, s2c, key_len);
}

/* ---- session details */

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
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
	copy(info->version, sizeof info->version,
	     gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
	gnutls_cipher_algorithm_t ci = gnutls_cipher_get(s);
	gnutls_mac_algorithm_t mac = gnutls_mac_get(s);
	if (mac == GNUTLS_MAC_AEAD || mac == GNUTLS_MAC_UNKNOWN)
		copy(info->cipher, sizeof info->cipher, gnutls_cipher_get_name(ci));
	else
		snprintf(info->cipher, sizeof info->cipher, "%s-%s", gnutls_cipher_get_name(ci),
			 gnutls_mac_get_name(mac));
	copy(info->group, sizeof info->group, gnutls_group_get_name(gnutls_group_get(s)));
	gnutls_datum_t p;
	if (gnutls_alpn_get_selected_protocol(s, &p) == 0) {
		size_t n = p.size < sizeof info->alpn - 1 ? p.size : sizeof info->alpn - 1;
		memcpy(info->alpn, p.data, n);
		info->alpn[n] = '\0';
	}
	info->resumed = gnutls_session_is_resumed(s) != 0;
	copy(info->sigalg, sizeof info->sigalg, gnutls_sign_get_name(gnutls_sign_algorithm_get(s)));
}

void nts_tls_get_verify(const struct nts_tls *t, struct nts_tls_verify *v)
{
	memset(v, 0, sizeof *v);
	if (t)
		*v = t->v;
}

const char *nts_tls_verify_str(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *word;
	} words[] = {
		{NTS_TLS_V_EXPIRED, "expired"},
		{NTS_TLS_V_NOT_YET_VALID, "not yet valid"},
		{NTS_TLS_V_UNKNOWN_ISSUER, "unknown issuer"},
		{NTS_TLS_V_NAME_MISMATCH, "name mismatch"},
		{NTS_TLS_V_BAD_SIGNATURE, "bad signature"},
		{NTS_TLS_V_ISSUER_NOT_CA, "issuer is not a CA"},
		{NTS_TLS_V_INSECURE_ALG, "insecure algorithm"},
		{NTS_TLS_V_REVOKED, "revoked"},
		{NTS_TLS_V_PURPOSE, "not for TLS servers"},
		{NTS_TLS_V_NO_CERT, "no certificate"},
		{NTS_TLS_V_OTHER, "other failure"},
	};
	if (!buf || !len)
		return "";
	buf[0] = '\0';
	if (!flags) {
		copy(buf, len, "ok");
		return buf;
	}
	size_t pos = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (!(flags & words[i].flag))
			continue;
		int n = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", words[i].word);
		if (n < 0 || (size_t)n >= len - pos) {
			buf[pos] = '\0';   /* drop a word cut short */
			break;
		}
		pos += (size_t)n;
	}
	return buf;
}

/* ---- peer chain */

static void cert_sans(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	for (unsigned seq = 0; c->nsans < NTS_TLS_MAX_SANS && seq < 64; seq++) {
		char name[96];
		size_t size = sizeof name - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &size, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			continue;
		char *dst = c->sans[c->nsans];
		if (type == GNUTLS_SAN_IPADDRESS) {
			char ip[INET6_ADDRSTRLEN];
			int af = size == 4 ? AF_INET : size == 16 ? AF_INET6 : 0;
			if (!af || !inet_ntop(af, name, ip, sizeof ip))
				continue;
			snprintf(dst, sizeof c->sans[0], "IP:%s", ip);
		} else {
			name[size] = '\0';
			const char *tag = type == GNUTLS_SAN_DNSNAME ? "DNS" :
					  type == GNUTLS_SAN_URI ? "URI" :
					  type == GNUTLS_SAN_RFC822NAME ? "email" : "other";
			snprintf(dst, sizeof c->sans[0], "%s:%s", tag, name);
		}
		c->nsans++;
	}
}

static void cert_key(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	c->key_bits = bits;
	const char *name = pk >= 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : NULL;
	copy(c->key_type, sizeof c->key_type, name ? name : "unknown");
	if (pk == GNUTLS_PK_ECDSA) {
		gnutls_ecc_curve_t curve;
		gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) == 0) {
			const char *cn = gnutls_ecc_curve_get_name(curve);
			snprintf(c->key_type, sizeof c->key_type, "ECDSA %s", cn ? cn : "");
			gnutls_free(x.data);
			gnutls_free(y.data);
		}
	}
}

static void cert_decode(gnutls_x509_crt_t crt, struct nts_tls_cert *c)
{
	size_t n = sizeof c->subject;
	if (gnutls_x509_crt_get_dn(crt, c->subject, &n) < 0)
		c->subject[0] = '\0';
	n = sizeof c->issuer;
	if (gnutls_x509_crt_get_issuer_dn(crt, c->issuer, &n) < 0)
		c->issuer[0] = '\0';
	cert_sans(crt, c);
	c->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
	c->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
	cert_key(crt, c);
	int sa = gnutls_x509_crt_get_signature_algorithm(crt);
	copy(c->sig_alg, sizeof c->sig_alg,
	     sa >= 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sa) : NULL);
	uint8_t fp[32];
	n = sizeof fp;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) == 0 && n == 32)
		nts_hex_encode(fp, 32, c->sha256, sizeof c->sha256);
	unsigned crit;
	c->is_ca = gnutls_x509_crt_get_basic_constraints(crt, &crit, NULL, NULL) > 0;
}

size_t nts_tls_peer_chain(const struct nts_tls *t, struct nts_tls_cert *out, size_t max)
{
	if (!t || !out)
		return 0;
	unsigned n = 0;
	const gnutls_datum_t *der = gnutls_certificate_get_peers(t->s, &n);
	if (!der)
		return 0;
	size_t got = 0;
	for (unsigned i = 0; i < n && got < max; i++) {
		gnutls_x509_crt_t crt;
		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		if (gnutls_x509_crt_import(crt, &der[i], GNUTLS_X509_FMT_DER) == 0) {
			memset(&out[got], 0, sizeof out[got]);
			cert_decode(crt, &out[got]);
			got++;
		}
		gnutls_x509_crt_deinit(crt);
	}
	return got;
}

int nts_tls_creds_leaf(const struct nts_tls_creds *c, struct nts_tls_cert *out)
{
	if (!c || !out)
		return NTS_E_INVAL;
	gnutls_datum_t der = {NULL, 0};
	/* the raw DER stays owned by the credentials */
	if (gnutls_certificate_get_crt_raw(c->cred, 0, 0, &der) < 0)
		return NTS_E_TLS;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		return NTS_E_NOMEM;
	int rc = NTS_E_TLS;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0) {
		memset(out, 0, sizeof *out);
		cert_decode(crt, out);
		rc = NTS_OK;
	}
	gnutls_x509_crt_deinit(crt);
	return rc;
}
