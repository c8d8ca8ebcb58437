/* NTS extension fields in NTPv4 packets, client and server side (RFC 8915 section 5). */
#ifndef NTS_NTS_EF_H
#define NTS_NTS_EF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nts/aead.h"
#include "nts/ntp.h"
#include "nts/ntske.h"

struct nts_cookie_ring;
struct nts_counters;

#define NTS_UID_LEN 32          /* we send 32; we accept 32 or more */
#define NTS_UID_MAX 256
#define NTS_NONCE_LEN 16        /* RFC 8915 section 5.6: at least 16 */
#define NTS_MAX_PLACEHOLDERS 7  /* one cookie + 7 placeholders = 8 back */
#define NTS_MAX_INNER 512       /* encrypted extension fields we keep */

/* ---- client side */

struct nts_client_request {
	struct ntp_hdr hdr;          /* mode 3; xmt as the caller wants it */
	const uint8_t *uid;          /* uid_len >= 32 */
	size_t uid_len;
	const uint8_t *cookie;
	size_t cookie_len;
	unsigned placeholders;       /* 0..NTS_MAX_PLACEHOLDERS */
	const uint8_t *inner;        /* encoded extension fields to encrypt, or NULL */
	size_t inner_len;
	const uint8_t *nonce;        /* NULL: a fresh random 16-octet nonce */
	size_t nonce_len;
};

/* Build header, Unique Identifier, Cookie, Placeholders and the
 * Authenticator sealed with C2S over everything before it. A nonce under 16
 * octets gets Additional Padding (RFC 8915 section 5.6); NTS_E_NOSPACE if
 * the packet would not fit cap (or NTP_MAX_PACKET). */
int nts_client_build_request(const struct nts_client_request *req, struct nts_aead *c2s,
			     uint8_t *out, size_t cap, size_t *len);

struct nts_client_response {
	struct ntp_hdr hdr;
	bool nak;                     /* NTS NAK for our UID */
	size_t ncookies;
	uint16_t cookie_len[NTS_MAX_COOKIES];
	uint8_t cookies[NTS_MAX_COOKIES][NTS_COOKIE_MAX];
	size_t cookies_ignored;
	unsigned inner_other;         /* other encrypted fields (ignored) */
	unsigned outer_other;         /* unauthenticated fields other than UID */
};

/* Parse and verify the server's answer to the request that carried uid.
 * NTS_E_NTS_NAK (resp->nak) for a matching NTS NAK, and also for an
 * authenticated answer with a NAK's header (stratum 0, kiss code NTSN):
 * no time may be taken from either; NTS_E_NTS_UID_MISMATCH,
 * NTS_E_NTS_NO_AUTH, NTS_E_NTS_AUTH_FAIL, ... for a response to drop. */
int nts_client_parse_response(const uint8_t *pkt, size_t len, const uint8_t *uid,
			      size_t uid_len, struct nts_aead *s2c,
			      struct nts_client_response *resp);

/* ---- server side */

struct nts_server;   /* per-worker: ring reference and reusable AEAD handles */

int nts_server_new(struct nts_cookie_ring *ring, struct nts_counters *counters,
		   struct nts_server **out);
void nts_server_free(struct nts_server *s);

struct nts_server_request {
	struct ntp_hdr hdr;
	size_t len;                  /* request length (responses never exceed it) */
	const uint8_t *uid;          /* into the packet; set before cookie checks */
	size_t uid_len;
	const uint8_t *cookie;
	size_t cookie_len;
	unsigned placeholders;
	uint16_t aead;               /* from the cookie */
	size_t key_len;
	uint8_t c2s[NTS_AEAD_MAX_KEY];
	uint8_t s2c[NTS_AEAD_MAX_KEY];
	bool cookie_old;
	size_t inner_len;            /* decrypted client fields */
	uint8_t inner[NTS_MAX_INNER];
};

/* Parse an NTS request, open its cookie and verify its authenticator.
 * A nonce under 16 octets is accepted only with Additional Padding making up
 * the difference (RFC 8915 section 5.6), else NTS_E_NTS_NONCE_SHORT; more than
 * NTS_MAX_PLACEHOLDERS placeholders are tolerated but not filled.
 * NTS_OK: answer with nts_server_build_response().
 * NTS_E_NTS_NOT_NTS: no NTS fields; serve it as plain NTP.
 * a cookie error (NTS_E_COOKIE_*) or NTS_E_NTS_AUTH_FAIL with req->uid set:
 *   answer with nts_server_build_nak() (RFC 8915 section 5.7);
 * anything else: malformed, drop it. nts_serve_ntp() (serve.h) makes this
 * decision; use it rather than repeating it. */
int nts_server_parse_request(struct nts_server *s, const uint8_t *pkt, size_t len,
			     struct nts_server_request *req);

/* Build the response: hdr (mode 4, filled by the caller), UID echo, and an
 * Authenticator sealed with S2C holding one fresh cookie per cookie and
 * placeholder, fewer if the response would outgrow the request. */
int nts_server_build_response(struct nts_server *s, const struct nts_server_request *req,
			      const struct ntp_hdr *hdr, uint8_t *out, size_t cap, size_t *len);

/* Build an NTS NAK: hdr with stratum 0 and refid NTSN is set here from the
 * request; it carries the UID echo and no authenticator. */
int nts_server_build_nak(const struct nts_server_request *req, uint8_t *out, size_t cap,
			 size_t *len);

/* True when pkt (a mode 4 response) is an NTS NAK shape: stratum 0, NTSN. */
bool nts_is_nak(const struct ntp_hdr *h);

#endif
