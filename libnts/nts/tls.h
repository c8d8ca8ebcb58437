/* NTS-KE over TLS 1.3 (GnuTLS) and the key exporter (RFC 8915 sections 4 and 5.1).
 * GnuTLS types stay in libnts's tls_*.c files: callers see opaque handles and
 * our own structs.
 * No I/O here: GnuTLS reads and writes through the caller's transport
 * (struct nts_tls_transport; common/tls_fd.c has one over a socket), and
 * credentials come from PEM bytes the caller read (common/tlscreds.c).
 * handshake/send/recv return NTS_E_TLS_AGAIN when the transport would block,
 * and the caller polls. */
#ifndef NTS_TLS_H
#define NTS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "nts/tls_cert.h"

struct nts_tls_creds;
struct nts_tls;

/* PEM text and the name to give it in error messages (a file name). */
struct nts_tls_pem {
	const uint8_t *data;
	size_t len;
	const char *name;
};

/* Server credentials from a PEM certificate chain and its private key. On
 * failure (NTS_E_CONF) a reason naming the right one is written to err. */
int nts_tls_server_creds_from_pem(const struct nts_tls_pem *cert, const struct nts_tls_pem *key,
				  struct nts_tls_creds **out, char *err, size_t errlen);
/* Client trust anchors: every CERTIFICATE block of the PEM text; NTS_E_CONF
 * when there is none. */
int nts_tls_client_creds_from_pem(const struct nts_tls_pem *ca, struct nts_tls_creds **out,
				  char *err, size_t errlen);
void nts_tls_creds_free(struct nts_tls_creds *c);

struct nts_tls_client_opts {
	const char *sni;          /* server name to send and verify; NULL for none */
	bool verify;              /* verify the chain and name (default true) */
	const char *alpn;         /* NULL: "ntske/1"; "" sends no ALPN */
	bool tls12_only;          /* conformance testing: offer only TLS 1.2 */
	/* NSS key log sink, or NULL: called with one line (no newline) per
	 * secret; the line holds session secrets, so keep it private. */
	void (*keylog)(const void *ctx, const char *line);
	const void *keylog_ctx;
};
/* An IP literal given as sni is not sent (RFC 6066 section 3) but is still
 * verified against the certificate's IP addresses. */

/* How a session moves bytes: pull reads up to len octets, push writes the
 * iovecs; both return the count moved, 0 for end of stream (pull), or -1
 * with errno set (EAGAIN/EWOULDBLOCK when it would block, EINTR). */
struct nts_tls_transport {
	long (*pull)(void *ctx, void *buf, size_t len);
	long (*push)(void *ctx, const struct iovec *iov, int iovcnt);
	void *ctx;
};

int nts_tls_client_new(struct nts_tls_creds *c, struct nts_tls_transport io,
		       const struct nts_tls_client_opts *o, struct nts_tls **out);
/* A server session: TLS 1.3 only, ALPN "ntske/1" required. */
int nts_tls_server_new(struct nts_tls_creds *c, struct nts_tls_transport io, struct nts_tls **out);
void nts_tls_free(struct nts_tls *t);

/* NTS_OK when complete, NTS_E_TLS_AGAIN to call again when the socket is
 * ready (nts_tls_want_write tells which way), NTS_E_TLS_ALPN when ntske/1
 * was not agreed, NTS_E_TLS_CERT on a failed verification, NTS_E_TLS_VERSION
 * when the peer wants a version we refuse, NTS_E_TLS_EOF when it hung up,
 * NTS_E_TLS otherwise; nts_tls_error() has the details. */
int nts_tls_handshake(struct nts_tls *t);
bool nts_tls_want_write(const struct nts_tls *t);
/* Octets moved (> 0), or NTS_E_TLS_AGAIN, NTS_E_TLS_EOF, NTS_E_TLS. */
long nts_tls_send(struct nts_tls *t, const void *buf, size_t len);
long nts_tls_recv(struct nts_tls *t, void *buf, size_t len);
/* Send close_notify (best effort). */
void nts_tls_bye(struct nts_tls *t);
/* Why the last call failed, in words (never NULL). */
const char *nts_tls_error(const struct nts_tls *t);

/* RFC 8915 section 5.1: C2S and S2C keys of key_len octets each from an
 * established session: exporter label "EXPORTER-network-time-security",
 * context proto(u16) || aead(u16) || 0x00 (C2S) or 0x01 (S2C). */
int nts_tls_export_keys(struct nts_tls *t, uint16_t proto, uint16_t aead,
			uint8_t *c2s, uint8_t *s2c, size_t key_len);

struct nts_tls_info {
	char version[16];         /* "TLS1.3" */
	char cipher[64];          /* "AES-256-GCM", with the MAC where relevant */
	char group[32];           /* key exchange group, "X25519" */
	char alpn[32];            /* negotiated ALPN or "" */
	bool resumed;
	char sigalg[48];          /* handshake signature algorithm, or "" */
};
/* Negotiated parameters; all fields empty when nothing was negotiated yet. */
void nts_tls_get_info(const struct nts_tls *t, struct nts_tls_info *info);

#endif
