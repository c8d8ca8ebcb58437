/* ntsd refclock driver: a pulse per second through the kernel's RFC 2783
 * interface (/dev/ppsN, the Linux PPS ioctls that <sys/timepps.h> wraps).
 * Polled once a second with a zero timeout; the edge becomes an offset in
 * libnts/pps.c, its second numbered by the "lock" refclock or, alone, by
 * the local clock. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/pps.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/pps.h"
#include "refclock.h"

/* How fresh the lock source's last sample must be to number a pulse. */
#define PPS_LOCK_MAX_AGE 4.0

struct pps_state {
	int fd;
	struct nts_pps_state edge;
};

static int pps_init(struct ntsd_refclock *rc)
{
	int fd = open(rc->conf.path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ntsd_refclock_fail(rc, "cannot open %s: %s", rc->conf.path, strerror(errno));
		return -1;
	}
	/* RFC 2783 section 3.4.2: ask for the edge we use, timestamps as
	 * timespec. Setting needs CAP_SYS_TIME; without it the device's
	 * current mode must already capture that edge. */
	int want = rc->conf.clear ? PPS_CAPTURECLEAR : PPS_CAPTUREASSERT;
	int caps = 0;
	if (ioctl(fd, PPS_GETCAP, &caps) < 0) {
		ntsd_refclock_fail(rc, "%s is not a PPS device: %s", rc->conf.path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!(caps & want)) {
		ntsd_refclock_fail(rc, "%s cannot capture the %s edge", rc->conf.path,
				   rc->conf.clear ? "clear" : "assert");
		close(fd);
		return -1;
	}
	struct pps_kparams params;
	memset(&params, 0, sizeof params);
	if (ioctl(fd, PPS_GETPARAMS, &params) < 0) {
		ntsd_refclock_fail(rc, "%s: PPS_GETPARAMS: %s", rc->conf.path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((params.mode & (want | PPS_TSFMT_TSPEC)) != (want | PPS_TSFMT_TSPEC)) {
		params.mode = want | PPS_TSFMT_TSPEC;
		if (ioctl(fd, PPS_SETPARAMS, &params) < 0) {
			ntsd_refclock_fail(rc, "%s: cannot enable %s capture: %s", rc->conf.path,
					   rc->conf.clear ? "clear" : "assert", strerror(errno));
			close(fd);
			return -1;
		}
	}
	struct pps_state *st = calloc(1, sizeof *st);
	if (!st) {
		close(fd);
		return -1;
	}
	st->fd = fd;
	rc->priv = st;
	return 0;
}

static void pps_poll(struct ntsd_refclock *rc)
{
	struct pps_state *st = rc->priv;
	struct pps_fdata fd;
	memset(&fd, 0, sizeof fd);   /* timeout 0: return the last edge now */
	if (ioctl(st->fd, PPS_FETCH, &fd) < 0) {
		ntsd_refclock_fail(rc, "%s: PPS_FETCH: %s", rc->conf.path, strerror(errno));
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double coarse = 0;
	if (rc->conf.lock[0] && !ntsd_refclock_coarse(rc->conf.lock, PPS_LOCK_MAX_AGE, &coarse))
		return;   /* nothing numbers this pulse: no sample, not bad input */
	struct nts_pps_info in = {
		.assert_ts = { fd.info.assert_tu.sec, fd.info.assert_tu.nsec },
		.clear_ts = { fd.info.clear_tu.sec, fd.info.clear_tu.nsec },
		.assert_seq = fd.info.assert_sequence,
		.clear_seq = fd.info.clear_sequence,
	};
	struct nts_pps_result r;
	int e = nts_pps_edge_offset(&st->edge, &in, rc->conf.clear ? NTS_PPS_CLEAR : NTS_PPS_ASSERT,
				    (struct nts_pps_ts){ now.tv_sec, (int32_t)now.tv_nsec }, coarse, &r);
	if (e == NTS_E_PPS_NOEDGE)
		return;
	if (e != NTS_OK) {
		ntsd_refclock_bad(rc, "%s", nts_strerror(e));
		return;
	}
	struct timespec at = { .tv_sec = (time_t)r.edge.sec, .tv_nsec = r.edge.nsec };
	ntsd_refclock_sample(rc, &at, r.offset, 0);
}

static void pps_fini(struct ntsd_refclock *rc)
{
	struct pps_state *st = rc->priv;
	if (st) {
		close(st->fd);
		free(st);
	}
	rc->priv = NULL;
}

const struct ntsd_refclock_driver ntsd_refclock_pps = {
	.name = "pps",
	.display = "PPS",
	.init = pps_init,
	.poll = pps_poll,
	.fini = pps_fini,
	.sample_interval = 1.0,
};
