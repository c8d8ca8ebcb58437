/* ntsd refclock driver: the NTP shared-memory segment (key "NTP0" + unit)
 * that gpsd and other time sources write. Polled once a second: copy the
 * segment, read count again, decode the copy (libnts/shm.c), clear valid. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

#include "nts/err.h"
#include "nts/shm.h"
#include "refclock.h"

/* A sample whose receive time is further than this from our clock was not
 * taken now: a writer that stopped long ago left it, or its clock is not
 * ours. */
#define SHM_MAX_AGE 10.0

struct shm_state {
	volatile struct nts_shm_time *seg;
};

static int shm_init(struct ntsd_refclock *rc)
{
	/* units 0 and 1 are root-only by convention (gpsd as root writes
	 * them), so create those 0600 and others 0666 as ntpd does */
	int perm = rc->conf.unit <= 1 ? 0600 : 0666;
	int id = shmget((key_t)(NTS_SHM_KEY + rc->conf.unit), NTS_SHM_SIZE, IPC_CREAT | perm);
	if (id < 0) {
		ntsd_refclock_fail(rc, "shmget(0x%08x): %s", NTS_SHM_KEY + rc->conf.unit, strerror(errno));
		return -1;
	}
	void *p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		ntsd_refclock_fail(rc, "shmat(0x%08x): %s", NTS_SHM_KEY + rc->conf.unit, strerror(errno));
		return -1;
	}
	struct shm_state *st = calloc(1, sizeof *st);
	if (!st) {
		shmdt(p);
		return -1;
	}
	st->seg = p;
	rc->priv = st;
	return 0;
}

static void shm_poll(struct ntsd_refclock *rc)
{
	struct shm_state *st = rc->priv;
	uint8_t copy[NTS_SHM_SIZE];
	/* field by field, each an acquire load: the writer is another process
	 * and may be mid-update; no later read moves before an earlier one, so
	 * the copy lies between the two reads of count (acquire loads rather
	 * than fences, which ThreadSanitizer cannot model) */
#define SHM_LOAD(f) __atomic_load_n(&st->seg->f, __ATOMIC_ACQUIRE)
	struct nts_shm_time tmp;
	tmp.mode = SHM_LOAD(mode);
	tmp.count = SHM_LOAD(count);
	tmp.clockTimeStampSec = SHM_LOAD(clockTimeStampSec);
	tmp.clockTimeStampUSec = SHM_LOAD(clockTimeStampUSec);
	tmp.receiveTimeStampSec = SHM_LOAD(receiveTimeStampSec);
	tmp.receiveTimeStampUSec = SHM_LOAD(receiveTimeStampUSec);
	tmp.leap = SHM_LOAD(leap);
	tmp.precision = SHM_LOAD(precision);
	tmp.nsamples = SHM_LOAD(nsamples);
	tmp.valid = SHM_LOAD(valid);
	tmp.clockTimeStampNSec = SHM_LOAD(clockTimeStampNSec);
	tmp.receiveTimeStampNSec = SHM_LOAD(receiveTimeStampNSec);
	memset(tmp.dummy, 0, sizeof tmp.dummy);
	int count_after = SHM_LOAD(count);
#undef SHM_LOAD
	memcpy(copy, &tmp, sizeof copy);
	struct nts_shm_sample s;
	int rc_ = nts_shm_decode(copy, sizeof copy, count_after, &s);
	if (rc_ == NTS_E_SHM_EMPTY)
		return;   /* nothing new since the last read */
	if (rc_ == NTS_E_SHM_TORN)
		return;   /* the writer was busy: the next poll gets it whole */
	/* consumed, good or bad: clear valid so it is not read again */
	__atomic_store_n(&st->seg->valid, 0, __ATOMIC_RELEASE);
	if (rc_ != NTS_OK) {
		ntsd_refclock_bad(rc, "%s", nts_strerror(rc_));
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double age = ((double)now.tv_sec - (double)s.recv_sec) + (now.tv_nsec - s.recv_nsec) * 1e-9;
	if (age > SHM_MAX_AGE || age < -SHM_MAX_AGE) {
		ntsd_refclock_bad(rc, "sample taken %.0f s from now", age);
		return;
	}
	if (s.leap == 3) {
		ntsd_refclock_bad(rc, "writer is not synchronised (leap 3)");
		return;
	}
	struct timespec at = { .tv_sec = (time_t)s.recv_sec, .tv_nsec = s.recv_nsec };
	ntsd_refclock_sample(rc, &at, s.offset, s.leap);
}

static void shm_fini(struct ntsd_refclock *rc)
{
	struct shm_state *st = rc->priv;
	if (st) {
		shmdt((const void *)(uintptr_t)st->seg);
		free(st);
	}
	rc->priv = NULL;
}

const struct ntsd_refclock_driver ntsd_refclock_shm = {
	.name = "shm",
	.display = "SHM",
	.init = shm_init,
	.poll = shm_poll,
	.fini = shm_fini,
	.sample_interval = 1.0,
};
