/* The cookie master-key ring's file format, on bytes in memory.
 *
 * File format (text, one record per line, every line ends in '\n'):
 *
 *   # any comment line
 *   nts-cookie-keys 1
 *   key <id> <created> <key>
 *   ...
 *   end <count> <crc>
 *
 * "1" is the format version. Each key line holds the key id (decimal u32),
 * its creation time (decimal unix seconds) and the 32-octet master key (64
 * hex digits); keys are listed oldest first, so the last one is current.
 * The end line gives the number of key lines and the CRC-32 (IEEE, 8 hex
 * digits) of every byte before the end line. A file cut short loses its end
 * line or breaks the count/CRC, so truncation and stray edits are caught
 * rather than silently dropping keys. The CRC is not a MAC: the file's
 * secrecy and integrity come from its 0600 mode, which the reader
 * (common/keystore.c) enforces.
 *
 * Sharing: servers behind one name (anycast, load balancer) must accept each
 * other's cookies, so they must hold the same keys. They all point at one
 * file and sync it periodically under a lock (common/keystore.c does the
 * locking, reading and atomic writing); nts_keyfile_sync() is the decision in
 * the middle: the file wins over the in-memory ring, rotate if the current
 * key is due, save if it rotated or the file was missing. Because
 * load-rotate-save happens under one lock, exactly one server makes each new
 * key and the others pick it up on their next sync. Keys a server made in
 * memory while the file could not be used (and so never saved) are merged
 * into the file at the next good sync rather than dropped, so the cookies
 * issued under them stay valid; keys dated in the future are dated 'now'
 * (and saved so), so they rotate on time.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/cookie.h"
#include "nts/crc32.h"
#include "nts/err.h"
#include "nts/hex.h"
#include "nts/keyfile.h"

#define KEYFILE_MAGIC "nts-cookie-keys"
#define KEYFILE_VERSION 1

/* Render keys into buf; returns the length, 0 if it does not fit. */
static size_t format_keys(const struct nts_ring_key *k, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	int w = snprintf(buf, cap, "# NTS cookie master keys: keep secret (mode 0600)\n%s %d\n",
			 KEYFILE_MAGIC, KEYFILE_VERSION);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	len = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		w = snprintf(buf + len, cap - len, "key %" PRIu32 " %lld ", k[i].id,
			     (long long)k[i].created);
		if (w < 0 || (size_t)w >= cap - len || cap - len - (size_t)w < 2 * NTS_MASTER_KEY_LEN + 2)
			return 0;
		len += (size_t)w;
		len += nts_hex_encode(k[i].key, NTS_MASTER_KEY_LEN, buf + len, cap - len);
		buf[len++] = '\n';
	}
	w = snprintf(buf + len, cap - len, "end %zu %08" PRIx32 "\n", n, nts_crc32(buf, len));
	if (w < 0 || (size_t)w >= cap - len)
		return 0;
	return len + (size_t)w;
}

int nts_keyfile_encode(const struct nts_cookie_ring *r, char *buf, size_t cap, size_t *len)
{
	if (!r || !buf || !len)
		return NTS_E_INVAL;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	size_t n = 0;
	int rc = nts_cookie_ring_export(r, keys, NTS_RING_MAX_KEYS, &n);
	if (rc == NTS_OK && n == 0)
		rc = NTS_E_RING_EMPTY;
	if (rc == NTS_OK) {
		*len = format_keys(keys, n, buf, cap);
		if (*len == 0) {
			explicit_bzero(buf, cap);
			rc = NTS_E_NOSPACE;
		}
	}
	explicit_bzero(keys, sizeof keys);
	return rc;
}

/* ---- reading: a strict line parser over [p, end) */

struct line {
	const char *p, *end;
};

static bool take_lit(struct line *l, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(l->end - l->p) < n || memcmp(l->p, lit, n) != 0)
		return false;
	l->p += n;
	return true;
}

static bool take_dec(struct line *l, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *start = l->p;
	while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
		unsigned d = (unsigned)(*l->p - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
		l->p++;
	}
	*v = x;
	return l->p > start;
}

/* Exactly 2n hex digits into out[n]. */
static bool take_hex(struct line *l, uint8_t *out, size_t n)
{
	if ((size_t)(l->end - l->p) < 2 * n)
		return false;
	if (!nts_hex_decode(l->p, n, out))
		return false;
	l->p += 2 * n;
	return true;
}

static bool parse_key_line(struct line l, struct nts_ring_key *k)
{
	uint64_t id, created;
	bool neg;
	if (!take_lit(&l, "key ") || !take_dec(&l, UINT32_MAX, &id) || !take_lit(&l, " "))
		return false;
	neg = take_lit(&l, "-");
	if (!take_dec(&l, INT64_MAX, &created) || !take_lit(&l, " "))
		return false;
	if (!take_hex(&l, k->key, NTS_MASTER_KEY_LEN) || l.p != l.end)
		return false;
	k->id = (uint32_t)id;
	k->created = neg ? -(time_t)created : (time_t)created;
	return true;
}

/* Check the end line against the body [0, body_len); returns the count. */
static bool parse_end_line(const char *text, size_t body_len, struct line l, uint64_t *count)
{
	uint8_t crc[4];
	if (!take_lit(&l, "end ") || !take_dec(&l, NTS_RING_MAX_KEYS, count) || !take_lit(&l, " ") ||
	    !take_hex(&l, crc, 4) || l.p != l.end)
		return false;
	uint32_t want = (uint32_t)crc[0] << 24 | (uint32_t)crc[1] << 16 | (uint32_t)crc[2] << 8 | crc[3];
	return nts_crc32(text, body_len) == want;
}

int nts_keyfile_decode(const char *text, size_t len, struct nts_ring_key *keys, size_t *n)
{
	if (!text || !keys || !n)
		return NTS_E_INVAL;
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return NTS_E_KEYFILE_FORMAT;
	/* The last line must be the end line; everything before it is the body. */
	size_t last = len - 1;
	while (last > 0 && text[last - 1] != '\n')
		last--;
	uint64_t count;
	if (!parse_end_line(text, last, (struct line){ text + last, text + len - 1 }, &count))
		return NTS_E_KEYFILE_FORMAT;
	bool header = false;
	size_t got = 0;
	for (const char *p = text; p < text + last;) {
		const char *nl = memchr(p, '\n', (size_t)(text + last - p));
		struct line l = { p, nl };
		p = nl + 1;
		if (l.p < l.end && *l.p == '#')
			continue;
		if (!header) {
			uint64_t version;
			if (!take_lit(&l, KEYFILE_MAGIC " ") || !take_dec(&l, 1000, &version) ||
			    l.p != l.end || version != KEYFILE_VERSION)
				return NTS_E_KEYFILE_FORMAT;
			header = true;
			continue;
		}
		if (got == NTS_RING_MAX_KEYS || !parse_key_line(l, &keys[got]))
			return NTS_E_KEYFILE_FORMAT;
		for (size_t j = 0; j < got; j++)
			if (keys[j].id == keys[got].id)
				return NTS_E_KEYFILE_FORMAT;
		got++;
	}
	if (!header || got == 0 || got != count)
		return NTS_E_KEYFILE_FORMAT;
	*n = got;
	return NTS_OK;
}

int nts_keyfile_load(struct nts_cookie_ring *r, const char *text, size_t len)
{
	if (!r)
		return NTS_E_INVAL;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	size_t n = 0;
	int rc = nts_keyfile_decode(text, len, keys, &n);
	if (rc == NTS_OK)
		rc = nts_cookie_ring_import(r, keys, n);
	explicit_bzero(keys, sizeof keys);
	return rc;
}

/* Add to the file's keys f[0..*nf) the ring's keys that were never saved
 * (made while the file could not be used: cookies under them are out), in
 * order of creation, the oldest dropped past NTS_RING_MAX_KEYS. A key whose
 * id the file already uses is left out: two keys cannot share an id.
 * Returns how many were added. */
static size_t merge_unsaved(const struct nts_cookie_ring *r, struct nts_ring_key *f, size_t *nf)
{
	struct nts_ring_key mine[NTS_RING_MAX_KEYS];
	size_t nm = 0, added = 0;
	if (nts_cookie_ring_export_unsaved(r, mine, NTS_RING_MAX_KEYS, &nm) != NTS_OK)
		return 0;
	for (size_t i = 0; i < nm; i++) {
		bool taken = false;
		for (size_t j = 0; j < *nf && !taken; j++)
			taken = f[j].id == mine[i].id;
		if (taken)
			continue;
		if (*nf == NTS_RING_MAX_KEYS) {
			memmove(f, f + 1, (*nf - 1) * sizeof f[0]);
			(*nf)--;
		}
		/* insert by creation time, after keys of the same time */
		size_t at = *nf;
		while (at > 0 && f[at - 1].created > mine[i].created)
			at--;
		memmove(f + at + 1, f + at, (*nf - at) * sizeof f[0]);
		f[at] = mine[i];
		(*nf)++;
		added++;
	}
	explicit_bzero(mine, sizeof mine);
	return added;
}

int nts_keyfile_sync(struct nts_cookie_ring *r, const char *text, size_t len, time_t now,
		     bool *save)
{
	if (!r || !save)
		return NTS_E_INVAL;
	*save = false;
	bool changed = false;
	int rc = NTS_OK;
	if (!text) {
		changed = true;   /* missing: write what we have */
	} else {
		struct nts_ring_key keys[NTS_RING_MAX_KEYS];
		size_t n = 0;
		rc = nts_keyfile_decode(text, len, keys, &n);
		if (rc == NTS_OK) {
			changed = merge_unsaved(r, keys, &n) > 0;
			rc = nts_cookie_ring_import(r, keys, n);
		}
		explicit_bzero(keys, sizeof keys);
	}
	if (rc == NTS_OK && nts_cookie_ring_clamp_future(r, now) > 0)
		changed = true;
	if (rc == NTS_OK)
		rc = nts_cookie_ring_rotate(r, now, false);
	*save = rc >= 0 && (rc == 1 || changed);
	return rc;
}
