/* The cookie master-key file on disk: private reads, atomic writes, and
 * sharing one file between servers under a lock. The format and the merge
 * rules are libnts's (nts/keyfile.h); this module only moves the bytes. */
#ifndef COMMON_KEYSTORE_H
#define COMMON_KEYSTORE_H

#include <time.h>

struct nts_cookie_ring;

/* Write the ring's keys to PATH atomically: PATH.tmp.XXXXXX (mode 0600) is
 * written, fsync()ed and renamed over PATH, then the directory is fsync()ed,
 * so a crash leaves the old or the new file, never a mix. NTS_E_IO with
 * errno on a failed write. */
int keystore_save(const struct nts_cookie_ring *r, const char *path);

/* Replace the ring's keys by PATH's, only if the whole file is valid: a
 * missing file gives NTS_E_IO with errno ENOENT, a truncated or corrupt one
 * NTS_E_KEYFILE_FORMAT, one with any group/other permission bit
 * NTS_E_KEYFILE_PERM (readable keys let anyone forge cookies); on error the
 * ring is left as it was. */
int keystore_load(struct nts_cookie_ring *r, const char *path);

/* For several servers sharing one key file: under flock(LOCK_EX) on
 * PATH.lock (PATH itself is replaced by rename on every save), read PATH,
 * let nts_keyfile_sync() merge and rotate, and save if it says so. Returns
 * like nts_cookie_ring_rotate(); a damaged file is an error and is left
 * alone. Waits at most 10 s for the lock (NTS_E_IO, errno EWOULDBLOCK). */
int keystore_sync(struct nts_cookie_ring *r, const char *path, time_t now);

#endif
