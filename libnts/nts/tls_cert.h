/* Certificate diagnostics of TLS sessions and credentials (the probe's
 * report, the daemon's expiry warning): decoded into plain strings and our
 * own verification flags, never GnuTLS types. */
#ifndef NTS_TLS_CERT_H
#define NTS_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nts_tls;
struct nts_tls_creds;

#define NTS_TLS_MAX_CHAIN 8
#define NTS_TLS_MAX_SANS 8

/* One certificate of the chain the peer sent, decoded into plain strings. */
struct nts_tls_cert {
	char subject[256];        /* RFC 4514 DN */
	char issuer[256];
	size_t nsans;
	char sans[NTS_TLS_MAX_SANS][128]; /* "DNS:localhost", "IP:127.0.0.1", ... */
	int64_t not_before;       /* Unix time */
	int64_t not_after;
	char key_type[32];        /* "ECDSA P-256" / "RSA" / "EdDSA (Ed25519)" */
	unsigned key_bits;
	char sig_alg[48];         /* the issuer's signature algorithm */
	char sha256[65];          /* SHA-256 fingerprint of the DER, hex */
	bool is_ca;
};

/* Decode up to max certificates of the peer's chain (leaf first) and return
 * how many were written; 0 when the peer sent none. Also valid after a
 * handshake that failed certificate verification. */
size_t nts_tls_peer_chain(const struct nts_tls *t, struct nts_tls_cert *out, size_t max);

/* The first certificate of server credentials (the leaf), decoded; so a
 * server can say when it expires. */
int nts_tls_creds_leaf(const struct nts_tls_creds *c, struct nts_tls_cert *out);

/* Reasons a certificate failed verification (our flags, not GnuTLS's). */
enum nts_tls_verify_flag {
	NTS_TLS_V_EXPIRED = 1u << 0,
	NTS_TLS_V_NOT_YET_VALID = 1u << 1,
	NTS_TLS_V_UNKNOWN_ISSUER = 1u << 2,
	NTS_TLS_V_NAME_MISMATCH = 1u << 3,
	NTS_TLS_V_BAD_SIGNATURE = 1u << 4,
	NTS_TLS_V_ISSUER_NOT_CA = 1u << 5,
	NTS_TLS_V_INSECURE_ALG = 1u << 6,
	NTS_TLS_V_REVOKED = 1u << 7,
	NTS_TLS_V_PURPOSE = 1u << 8,      /* key usage does not allow TLS server */
	NTS_TLS_V_NO_CERT = 1u << 9,      /* peer sent no certificate */
	NTS_TLS_V_OTHER = 1u << 10,
};

struct nts_tls_verify {
	bool checked;             /* a verification ran (client sessions only) */
	unsigned flags;           /* 0 when it passed */
	char name[256];           /* the host name or address checked, or "" */
};
/* The client's verification result: from the handshake when verify was on,
 * or from a verification run after it when verify was off (--insecure). */
void nts_tls_get_verify(const struct nts_tls *t, struct nts_tls_verify *v);
/* Flags in words, comma separated ("expired, name mismatch"), "ok" for 0. */
const char *nts_tls_verify_str(unsigned flags, char *buf, size_t len);

#endif
