/* The cookie master-key file format: encode, decode and the merge rules of
 * a shared file, all on bytes in memory. Reading, writing and locking the
 * file is the programs' job (common/keystore.c). */
#ifndef NTS_KEYFILE_H
#define NTS_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "nts/cookie.h"

/* Far above NTS_RING_MAX_KEYS keys of ~110 octets: a larger file is not ours. */
#define NTS_KEYFILE_MAX 65536

/* Format (text, every line ends in '\n'; lines starting with '#' are comments):
 *   nts-cookie-keys 1
 *   key <id> <created, unix seconds> <64 hex digits>     (oldest first)
 *   end <number of keys> <CRC-32 of every byte before this line, 8 hex>   */

/* Write the ring's keys as key file text into buf[cap]; *len gets its length.
 * NTS_E_RING_EMPTY for a ring without keys, NTS_E_NOSPACE if cap is short. */
int nts_keyfile_encode(const struct nts_cookie_ring *r, char *buf, size_t cap, size_t *len);

/* Parse key file text into keys[NTS_RING_MAX_KEYS]: NTS_E_KEYFILE_FORMAT for
 * anything but a whole, valid file (truncation breaks the count or CRC). */
int nts_keyfile_decode(const char *text, size_t len, struct nts_ring_key *keys, size_t *n);

/* Replace the ring's keys by those of text[len]; on any error the ring is
 * left as it was. */
int nts_keyfile_load(struct nts_cookie_ring *r, const char *text, size_t len);

/* One step of several servers sharing a file, done by the caller under the
 * file's lock: text is the file's content, or NULL when it is missing. The
 * file's keys replace the ring's, except keys this ring made that were never
 * saved (kept, so cookies issued while the file could not be used stay
 * valid); keys dated after 'now' are dated 'now'; the current key rotates if
 * due. *save is set when the file must be rewritten (then call
 * nts_cookie_ring_mark_saved() after a good write). Returns like
 * nts_cookie_ring_rotate(); a damaged file is an error and changes nothing. */
int nts_keyfile_sync(struct nts_cookie_ring *r, const char *text, size_t len, time_t now,
		     bool *save);

#endif
