/* The NTP server's decisions, sans I/O: request bytes in, an action and the
 * bytes to send out (RFC 5905 section 9.2, RFC 8915 section 5.7). */
#ifndef NTS_SERVE_H
#define NTS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nts_cookie_ring;
struct nts_counters;

/* What the server does with one datagram. */
enum nts_serve_action {
	NTS_SERVE_DROP = 0,   /* send nothing (malformed, not a client, limited) */
	NTS_SERVE_PLAIN,      /* plain NTPv4 answer: the request had no NTS fields */
	NTS_SERVE_NTS,        /* authenticated NTS answer with fresh cookies */
	NTS_SERVE_NAK,        /* NTS NAK: cookie or authenticator refused */
};

/* How the server describes its clock in every answer. */
struct nts_serve_config {
	uint8_t stratum;        /* 16 (or more): unsynchronised, leap 3 */
	uint8_t leap;           /* leap indicator while synchronised (0..2; 3 = unsynchronised) */
	uint32_t refid;
	int8_t precision;       /* log2 seconds */
	uint32_t root_delay;    /* 16.16 seconds */
	uint32_t root_disp;     /* 16.16 seconds */
	uint64_t reftime;       /* 0: the transmit second (a local clock is its own reference) */
};

/* One received datagram and the times the caller measured. */
struct nts_serve_in {
	const uint8_t *pkt;
	size_t len;             /* any length the caller received */
	uint64_t rx;            /* receive timestamp (NTP format), ideally the kernel's */
	/* The transmit timestamp, read as late as possible (after the request is
	 * verified, before the answer is sealed); NULL: use rx. */
	uint64_t (*xmt)(void *ctx);
	void *ctx;
	/* Set by the caller's per-client rate limiter: the request is dropped
	 * before any cryptography is spent on it. */
	bool limited;
};

struct nts_serve_result {
	enum nts_serve_action action;
	int err;                /* NTS_OK for an answer, else why it was refused */
	size_t len;             /* octets written to out (0 for DROP) */
};

struct nts_serve;   /* one per worker thread: not shared between threads */

/* ring may be NULL for a server of plain NTP only; counters may be NULL. */
int nts_serve_new(struct nts_cookie_ring *ring, struct nts_counters *counters,
		  const struct nts_serve_config *cfg, struct nts_serve **out);
void nts_serve_free(struct nts_serve *s);
/* Replace the clock description (e.g. after the clock was synchronised). */
void nts_serve_set_config(struct nts_serve *s, const struct nts_serve_config *cfg);

/* Decide and build the answer to one datagram into out[cap]. The answer
 * never exceeds the request, NTP_MAX_PACKET or cap: a large request (AEAD 17
 * cookies with six or seven placeholders, over NTP_MAX_PACKET) is answered
 * with as many cookies as fit. Returns NTS_OK with res filled, or
 * NTS_E_INVAL for a caller bug. */
int nts_serve_ntp(struct nts_serve *s, const struct nts_serve_in *in, uint8_t *out, size_t cap,
		  struct nts_serve_result *res);

/* True when a request refused with err gets an NTS NAK (RFC 8915 section
 * 5.7: a cookie the server cannot open, or an authenticator that fails with
 * the cookie's key); every other refusal is dropped. */
bool nts_serve_err_naks(int err);

/* ---- NTS-KE (RFC 8915 section 4) */

/* How the server answers a key establishment. */
struct nts_serve_ke_config {
	const uint16_t *aeads;  /* ours, in the order we prefer them */
	size_t naeads;
	uint16_t ntp_port;      /* 0 or 123: no Port record (4.1.8) */
	const char *server;     /* NULL or "": no Server record (4.1.7) */
};

/* The caller's TLS exporter (RFC 8915 section 5.1): C2S and S2C keys of
 * key_len octets for this protocol and AEAD; NTS_OK or an error. */
typedef int (*nts_serve_export_fn)(void *ctx, uint16_t proto, uint16_t aead, uint8_t *c2s,
				   uint8_t *s2c, size_t key_len);

enum nts_serve_ke_outcome {
	NTS_SERVE_KE_COOKIES = 0,  /* protocol and AEAD chosen, eight cookies */
	NTS_SERVE_KE_NO_COMMON,    /* nothing in common: empty records, no cookies */
	NTS_SERVE_KE_ERROR,        /* an Error record (bad request or internal) */
};

struct nts_serve_ke_result {
	enum nts_serve_ke_outcome outcome;
	int err;                /* why, for NO_COMMON and ERROR */
	uint16_t error_code;    /* the Error record's code, for ERROR */
	uint16_t aead;          /* chosen, for COOKIES */
	size_t len;             /* octets written to out */
};

/* Answer one complete KE request msg[0..len) into out[cap]: which records,
 * which errors, which AEAD, the Port and Server records, and cookies sealed
 * under ring with keys from export(). Returns NTS_OK with res filled (the
 * answer may be an Error record), or NTS_E_INVAL / NTS_E_NOSPACE / NTS_E_NOMEM
 * when no answer could be built. */
int nts_serve_ke(struct nts_cookie_ring *ring, const struct nts_serve_ke_config *cfg,
		 const uint8_t *msg, size_t len, nts_serve_export_fn export_keys, void *ctx,
		 uint8_t *out, size_t cap, struct nts_serve_ke_result *res);

#endif
