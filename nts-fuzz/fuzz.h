/* Shared declarations for the in-process fuzz targets and their replay driver. */
#ifndef NTS_FUZZ_H
#define NTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry point every fuzz_<name>.c defines; replay_main.c
 * calls the same function for each corpus file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle: a property that must hold for every input. A failure aborts,
 * which libFuzzer (and the replay driver under ASan) report as a crash, so
 * a logic bug is saved as a reproducer just like a memory bug. */
#define FUZZ_CHECK(cond)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "fuzz oracle failed: %s (%s:%d)\n", #cond,  \
				__FILE__, __LINE__);                              \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* A failure of the harness itself (out of memory, GnuTLS init): stop loudly
 * rather than quietly fuzzing nothing. */
#define FUZZ_SETUP(cond)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "fuzz harness setup failed: %s (%s:%d)\n",  \
				#cond, __FILE__, __LINE__);                       \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* ---- helpers for the structure-aware NTS targets (fuzz_keys.c, fuzz_pkt.c) */

/* Flags octet of a structured NTS request case (fuzz_nts_server.c; the
 * network fuzzer generates and saves cases in the same format). */
enum fuzz_req_flags {
	FZ_RAW = 1 << 0,       /* the rest is the packet, unmodified */
	FZ_AEAD512 = 1 << 1,   /* AEAD 17 instead of 15 (in-process only) */
	FZ_OLD = 1 << 2,       /* a cookie sealed under a retained key / already used */
	FZ_NOCOOKIE = 1 << 3,  /* no harness cookie (only what outer holds) */
	FZ_TAMPER = 1 << 4,    /* flip a tag bit after sealing */
	FZ_TEMPLATE = 1 << 5,  /* harness header; outer holds fields only */
	FZ_UID = 1 << 6,       /* harness Unique Identifier before outer fields */
	FZ_TRAIL = 1 << 7,     /* a field after the authenticator */
};

#include <stdbool.h>

struct nts_aead;
struct nts_cookie_ring;
struct nts_wr;

/* The known keys the harnesses seal with: C2S and S2C for AEAD 15 and 17,
 * and the Unique Identifier the client harness sent. */
extern const uint8_t fuzz_c2s[64];
extern const uint8_t fuzz_s2c[64];
extern const uint8_t fuzz_uid[32];

/* A process-wide cookie ring with a fixed layout: one retained key, under
 * which fuzz_old_cookie() was sealed, and a current key. */
struct nts_cookie_ring *fuzz_ring(void);
/* A cookie for aead (15 or 17) carrying fuzz_c2s/fuzz_s2c under the old key. */
const uint8_t *fuzz_old_cookie(uint16_t aead, size_t *len);
/* A keyed AEAD handle for aead 15 or 17 and direction 0 (C2S) or 1 (S2C). */
struct nts_aead *fuzz_aead(uint16_t aead, int s2c);

/* Append an NTS Authenticator (RFC 8915 section 5.6) that seals 'inner' with
 * 'a' over everything already in w. nonce_len 0 cannot be sealed (GnuTLS
 * refuses an empty SIV nonce), so the field then carries an all-zero tag
 * that a correct parser must reject before any AEAD call. tamper flips one
 * tag bit after sealing. Returns false when w is full. */
bool fuzz_append_auth(struct nts_wr *w, struct nts_aead *a, size_t nonce_len,
		      size_t extra_pad, const uint8_t *inner, size_t inner_len, bool tamper);

/* True when NTS_FUZZ_STRICT is set: open findings (nts-fuzz/findings/)
 * then fail instead of being tolerated. */
bool fuzz_strict(void);

/* With NTS_FUZZ_DEBUG set, print the result code of each input (to see
 * which seeds reach which outcome). */
void fuzz_debug_rc(int rc);

/* Build an NTS request from a structured case (not FZ_RAW; size >= 5):
 * header, UID, outer octets, the cookie (NULL: none) and placeholders as
 * long as it, then an Authenticator sealing the inner octets with c2s.
 * Returns the packet length, 0 when it did not fit. */
size_t fuzz_build_request(const uint8_t *data, size_t size, const uint8_t *cookie, size_t clen,
			  struct nts_aead *c2s, uint8_t *pkt, size_t cap, size_t *inner_len);

/* The flags octet of a structured NTS response case (fuzz_nts_client,
 * fuzz_nts_assoc). Input layout: flags(1) nonce_len(1) pad(1)
 * outer_len(2) outer inner. */
enum {
	FZR_RAW = 1 << 0,       /* outer and inner are the answer, unmodified */
	FZR_AEAD512 = 1 << 1,   /* AEAD 17 instead of 15 (where the target chooses) */
	FZR_UID = 1 << 2,       /* the harness puts the Unique Identifier first */
	FZR_NOAUTH = 1 << 3,    /* no authenticator */
	FZR_TAMPER = 1 << 4,    /* flip a tag bit after sealing */
	FZR_TEMPLATE = 1 << 5,  /* harness header; outer holds fields only */
	FZR_NAK = 1 << 6,       /* the template header is an NTS NAK */
	FZR_TRAIL = 1 << 7,     /* a field after the authenticator */
};

/* Build a server answer from a structured case (size >= 5): header, the
 * 32-octet uid when FZR_UID, the outer octets, an Authenticator sealing the
 * inner octets with the S2C key of aead, a trailing field when FZR_TRAIL.
 * With FZR_RAW the octets after the header fields are the answer as they
 * are. *inner and *inner_len point at the inner octets of data. Returns the
 * packet length, 0 when it did not fit. */
size_t fuzz_build_response(const uint8_t *data, size_t size, const uint8_t *uid, uint16_t aead,
			   uint8_t *pkt, size_t cap, const uint8_t **inner, size_t *inner_len);

/* Write a plausible 48-octet NTPv4 header of mode 3 or 4. */
bool fuzz_write_header(struct nts_wr *w, int mode, bool nak);

#endif
