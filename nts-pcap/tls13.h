/* TLS 1.3 key schedule and record decryption for captured NTS-KE sessions (GnuTLS stays in tls13.c). */
#ifndef NP_TLS13_H
#define NP_TLS13_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA name of a TLS 1.3 cipher suite we can decrypt, or NULL. */
const char *np_tls13_suite_name(uint16_t id);
bool np_tls13_suite_supported(uint16_t id);

/* HKDF-Expand-Label with the suite's hash (RFC 8446 section 7.1). */
int np_hkdf_expand_label(uint16_t suite, const uint8_t *secret, size_t slen, const char *label,
			 const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen);
/* TLS-Exporter from the exporter master secret (RFC 8446 section 7.5). */
int np_tls13_exporter(uint16_t suite, const uint8_t *exp, size_t elen, const char *label,
		      const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen);

/* One direction's record protection from a traffic secret. */
struct np_tls13_dir;
int np_tls13_dir_new(uint16_t suite, const uint8_t *secret, size_t slen, struct np_tls13_dir **out);
void np_tls13_dir_free(struct np_tls13_dir *d);
/* Decrypt one TLSCiphertext body (hdr: its 5-octet header); sets the inner
 * content type. NTS_E_AEAD_VERIFY when it does not open (sequence kept). */
int np_tls13_open(struct np_tls13_dir *d, const uint8_t hdr[5], const uint8_t *ct, size_t ct_len,
		  uint8_t *pt, size_t cap, size_t *pt_len, uint8_t *type);

/* What nts-pcap shows of the server's certificate (RFC 8446 section 4.4.2). */
struct np_cert {
	char subject[256];      /* RFC 4514 distinguished names, printable */
	char issuer[256];
	int64_t not_before, not_after;   /* Unix time */
};
/* Decode one DER X.509 certificate; NTS_E_TLS when it does not parse. */
int np_tls13_cert_info(const uint8_t *der, size_t len, struct np_cert *out);

#endif
