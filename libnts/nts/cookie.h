/* Server cookies (RFC 8915 section 6) under a rotating master-key ring. */
#ifndef NTS_COOKIE_H
#define NTS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nts/aead.h"

struct nts_counters;

/* Cookie layout: key id (u32) || nonce (16) || AES-SIV-CMAC-256 under the
 * master key of [aead id (u16) || key length (u16) || C2S || S2C], with the
 * key id as associated data. 104 octets for AEAD 15, 168 for AEAD 17. */
#define NTS_COOKIE_NONCE_LEN 16
#define NTS_MASTER_KEY_LEN 32
#define NTS_RING_MAX_KEYS 64

struct nts_ring_config {
	uint32_t rotate_secs;   /* new current key after this long; default 86400 */
	unsigned retain;        /* old keys kept besides the current; default 7 */
};
#define NTS_RING_CONFIG_DEFAULT { 86400, 7 }

struct nts_cookie_ring;

/* A ring with no keys; call nts_cookie_ring_rotate() or _load() next.
 * counters may be NULL; when set, cookie_* counters are updated there (one
 * block for every thread: servers pass NULL and count in nts_server's
 * per-worker counters instead). seal and open take no lock (cookie.c). */
int nts_cookie_ring_new(const struct nts_ring_config *cfg, struct nts_counters *counters,
			struct nts_cookie_ring **out);
void nts_cookie_ring_free(struct nts_cookie_ring *r);

/* Make a fresh current key when the ring is empty, when the current key is
 * rotate_secs old at 'now', or when force is set; drop keys past 'retain'.
 * Returns 1 if a key was added, 0 if not, negative on error. Thread-safe
 * against concurrent seal/open. */
int nts_cookie_ring_rotate(struct nts_cookie_ring *r, time_t now, bool force);
/* When the next rotation is due (0 for an empty ring). */
time_t nts_cookie_ring_next_rotation(const struct nts_cookie_ring *r);
size_t nts_cookie_ring_size(const struct nts_cookie_ring *r);
uint32_t nts_cookie_ring_current_id(const struct nts_cookie_ring *r);

/* One master key as it is saved and loaded. */
struct nts_ring_key {
	uint32_t id;
	time_t created;
	uint8_t key[NTS_MASTER_KEY_LEN];
};
/* Copy the ring's keys, oldest first (the current key last), into out[cap]. */
int nts_cookie_ring_export(const struct nts_cookie_ring *r, struct nts_ring_key *out, size_t cap,
			   size_t *n);
/* Replace every key by keys[0..n-1] (oldest first, last becomes current).
 * n must be 1..NTS_RING_MAX_KEYS with distinct ids; on error nothing changes. */
int nts_cookie_ring_import(struct nts_cookie_ring *r, const struct nts_ring_key *keys, size_t n);

/* The keys _rotate made that were not saved since (nts_cookie_ring_mark_saved
 * after a successful save), oldest first; _import keeps this mark on keys it
 * already held. */
int nts_cookie_ring_export_unsaved(const struct nts_cookie_ring *r, struct nts_ring_key *out,
				   size_t cap, size_t *n);
void nts_cookie_ring_mark_saved(struct nts_cookie_ring *r);
/* Date every key created after 'now' at 'now', so a key file dated in the
 * future (a clock that was wrong when it was written) cannot keep its
 * current key from rotating for that long. Returns how many were changed. */
int nts_cookie_ring_clamp_future(struct nts_cookie_ring *r, time_t now);

/* The key file format is nts/keyfile.h; reading and writing the file is
 * the programs' (common/keystore.h). */

/* Length of a cookie carrying keys for this AEAD (0 if unsupported). */
size_t nts_cookie_len(uint16_t aead);

/* Seal C2S/S2C (key_len each) for 'aead' under the current master key. */
int nts_cookie_seal(struct nts_cookie_ring *r, uint16_t aead, const uint8_t *c2s,
		    const uint8_t *s2c, size_t key_len, uint8_t *out, size_t cap, size_t *len);

struct nts_cookie_keys {
	uint16_t aead;
	size_t key_len;
	uint8_t c2s[NTS_AEAD_MAX_KEY];
	uint8_t s2c[NTS_AEAD_MAX_KEY];
	uint32_t key_id;
	bool old;               /* opened with a retained, not the current, key */
};

/* Open a cookie: NTS_E_COOKIE_SHORT, NTS_E_COOKIE_UNKNOWN_KEY (too old or
 * foreign), NTS_E_COOKIE_AUTH or NTS_E_COOKIE_CONTENT (a length no cookie of
 * ours has, or decrypted content that is not a supported AEAD's keys). */
int nts_cookie_open(struct nts_cookie_ring *r, const uint8_t *cookie, size_t len,
		    struct nts_cookie_keys *keys);

#endif
