/* ntsd: the cookie master-key ring and its key file, kept current. */
#include <config.h>

#include "common/keystore.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"

/* Keep the ring current: load/rotate/save through the key file when there
 * is one, so a restart (or a second server) keeps every issued cookie valid.
 * If the file cannot be used, rotate in memory so cookies stay fresh, and
 * try the file again NTSD_RING_RETRY_SECS later; the keys made meanwhile are
 * merged into the file then (keystore_sync), so the cookies issued
 * under them stay valid. Returns when to call again; *rc_out gets the
 * sync's result. */
time_t ntsd_ring_tick(struct ntsd *d, time_t now, bool initial, int *rc_out)
{
	int rc = 1;
	bool file_failed = false;
	if (d->cfg.cookie_file[0]) {
		rc = keystore_sync(d->ring, d->cfg.cookie_file, now);
		if (rc < 0) {
			file_failed = true;
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cookie key file %s: %s; trying again in %d s",
				d->cfg.cookie_file, nts_strerror(rc), NTSD_RING_RETRY_SECS);
		}
	}
	if (rc_out)
		*rc_out = rc;
	if (rc < 0 || !d->cfg.cookie_file[0])
		rc = nts_cookie_ring_rotate(d->ring, now, false);
	if (rc < 0)
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cookie key ring: %s", nts_strerror(rc));
	else if (rc > 0 || initial)
		nts_log(initial ? NTS_LOG_INFO : NTS_LOG_NOTICE, NTS_TAG_SERVER,
			"cookie master key %08x current, %zu key(s) held, next rotation in %lld s",
			nts_cookie_ring_current_id(d->ring), nts_cookie_ring_size(d->ring),
			(long long)(nts_cookie_ring_next_rotation(d->ring) - now));
	time_t next = nts_cookie_ring_next_rotation(d->ring);
	if (next <= now || (file_failed && next > now + NTSD_RING_RETRY_SECS))
		next = now + NTSD_RING_RETRY_SECS;
	return next;
}

/* The operator's `ntsd -Q SOCKET rotate`: a new current key now, whatever
 * the schedule (a suspected key leak, or a test of rotation that should not
 * wait for it). With a key file the key goes through it like a key made
 * while the file was unusable (keystore_sync merges keys never
 * saved), so servers sharing the file pick it up at their next sync; if the
 * file fails the key stays in memory and the next tick merges it. Keys past
 * 'retain' are dropped as at a scheduled rotation: their cookies get NAKs.
 * The pending ring timer stays: when it fires early the tick finds nothing
 * due and schedules the next rotation from the new key. */
int ntsd_ring_rotate_now(struct ntsd *d, time_t now)
{
	if (!d->ring)
		return NTS_E_INVAL;
	int rc = nts_cookie_ring_rotate(d->ring, now, true);
	if (rc < 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cookie key ring: %s", nts_strerror(rc));
		return rc;
	}
	if (d->cfg.cookie_file[0]) {
		int s = keystore_sync(d->ring, d->cfg.cookie_file, now);
		if (s < 0)
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER,
				"cookie key file %s: %s; the new key is kept in memory until it works",
				d->cfg.cookie_file, nts_strerror(s));
	}
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER,
		"cookie master key %08x current (rotated on request), %zu key(s) held, next rotation in %lld s",
		nts_cookie_ring_current_id(d->ring), nts_cookie_ring_size(d->ring),
		(long long)(nts_cookie_ring_next_rotation(d->ring) - now));
	return NTS_OK;
}
