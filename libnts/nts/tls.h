/* NTS-KE over TLS 1.3 (GnuTLS) and the key exporter (RFC 8915 sections 4 and 5.1).
 * GnuTLS types stay in tls.c: callers see opaque handles and our own structs.
 * The caller owns the socket: handshake/send/recv return NTS_E_TLS_AGAIN on
 * a non-blocking socket that would block, and the caller polls. */
#ifndef NTS_TLS_H
#define NTS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gnutls_session_int;
struct nts_tls_creds;
struct nts_tls;

/* Derive C2S and S2C keys from an established session: exporter label
 * "EXPORTER-network-time-security", context proto(u16) || aead(u16) || 0/1. */
int nts_tls_export_keys_session(struct gnutls_session_int *session, uint16_t proto,
				uint16_t aead, uint8_t *c2s, uint8_t *s2c, size_t key_len);

/* Server credentials from PEM certificate chain and key files. On failure a
 * reason naming the file is written to err. */
int nts_tls_server_creds_new(const char *cert_file, const char *key_file,
			     struct nts_tls_creds **out, char *err, size_t errlen);
/* Client trust anchors: a CA file or directory, or NULL for the system store. */
int nts_tls_client_creds_new(const char *ca_path, struct nts_tls_creds **out,
			     char *err, size_t errlen);
void nts_tls_creds_free(struct nts_tls_creds *c);

struct nts_tls_client_opts {
	const char *sni;          /* server name to send and verify; NULL for none */
	bool verify;              /* verify the chain and name (default true) */
	const char *alpn;         /* NULL: "ntske/1"; "" sends no ALPN */
	bool tls12_only;          /* conformance testing: offer only TLS 1.2 */
	const char *keylog_path;  /* NSS key log file to append to, or NULL */
};

int nts_tls_client_new(struct nts_tls_creds *c, int fd, const struct nts_tls_client_opts *o,
		       struct nts_tls **out);
/* A server session: TLS 1.3 only, ALPN "ntske/1" required. */
int nts_tls_server_new(struct nts_tls_creds *c, int fd, struct nts_tls **out);
void nts_tls_free(struct nts_tls *t);

/* NTS_OK when complete, NTS_E_TLS_AGAIN to call again when the socket is
 * ready (nts_tls_want_write tells which way), NTS_E_TLS_ALPN when ntske/1
 * was not agreed, NTS_E_TLS_CERT on a failed verification, NTS_E_TLS. */
int nts_tls_handshake(struct nts_tls *t);
bool nts_tls_want_write(const struct nts_tls *t);
/* Octets moved (> 0), or NTS_E_TLS_AGAIN, NTS_E_TLS_EOF, NTS_E_TLS. */
long nts_tls_send(struct nts_tls *t, const void *buf, size_t len);
long nts_tls_recv(struct nts_tls *t, void *buf, size_t len);
/* Send close_notify (best effort). */
void nts_tls_bye(struct nts_tls *t);
/* Why the last call failed, in words (never NULL). */
const char *nts_tls_error(const struct nts_tls *t);

int nts_tls_export_keys(struct nts_tls *t, uint16_t proto, uint16_t aead,
			uint8_t *c2s, uint8_t *s2c, size_t key_len);

struct nts_tls_info {
	char version[16];         /* "TLS1.3" */
	char cipher[64];          /* "AES-256-GCM", with the MAC where relevant */
	char group[32];           /* key exchange group, "X25519" */
	char alpn[32];            /* negotiated ALPN or "" */
	bool resumed;
};
void nts_tls_get_info(const struct nts_tls *t, struct nts_tls_info *info);

#endif
