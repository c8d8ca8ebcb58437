/* Shared by libnts's TLS files only (never installed): the session and
 * credential structs and the helpers the files share. GnuTLS types live
 * here and in aead.c, never in a public header (DESIGN.md rule 4). */
#ifndef NTS_TLS_INT_H
#define NTS_TLS_INT_H

#include <stdbool.h>

#include <gnutls/gnutls.h>

#include "nts/tls.h"

/* not exported from the shared library */
#define NTS_TLS_INTERNAL __attribute__((visibility("hidden")))

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

/* "ntske/1" (RFC 8915 section 4) as GnuTLS wants it. */
extern const gnutls_datum_t nts_tls_alpn_ntske NTS_TLS_INTERNAL;

/* The GnuTLS priority strings, parsed once (tls_session.c). */
enum nts_tls_prio { NTS_TLS_PRIO_SERVER, NTS_TLS_PRIO_TLS13, NTS_TLS_PRIO_TLS12, NTS_TLS_PRIO_COUNT };

/* tls_session.c: a session on the caller's transport, with its priorities. */
NTS_TLS_INTERNAL int nts_tls_session_new(struct nts_tls_creds *c, struct nts_tls_transport io,
					 unsigned flags, enum nts_tls_prio prio, struct nts_tls **out);
/* t->err = "what: GnuTLS's words for gerr" */
NTS_TLS_INTERNAL void nts_tls_set_err(struct nts_tls *t, const char *what, int gerr);
/* A caller's error buffer (err may be NULL). */
NTS_TLS_INTERNAL void nts_tls_put_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* snprintf "%s" that takes NULL as "". */
NTS_TLS_INTERNAL void nts_tls_copy(char *dst, size_t n, const char *src);

/* tls_client.c: the client's verification record once the handshake is done. */
NTS_TLS_INTERNAL void nts_tls_client_handshake_done(struct nts_tls *t);

/* tls_cert.c: GnuTLS's certificate status bits as our NTS_TLS_V_* flags. */
NTS_TLS_INTERNAL unsigned nts_tls_map_status(unsigned gnutls_status);

#endif
