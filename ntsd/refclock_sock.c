/* ntsd refclock driver: chrony's SOCK protocol. ntsd creates a datagram
 * Unix socket at the configured path; gpsd (as root it tries
 * /run/chrony.DEVICE.sock) or ntp-refclock writes one struct sock_sample
 * per measurement (libnts/refsock.c decodes it). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/refsock.h"
#include "refclock.h"
#include "sched.h"

/* A measurement taken further than this from our clock's now is stale. */
#define SOCK_MAX_AGE 10.0

struct sock_state {
	int fd;
};

static void sock_readable(int fd, short revents, void *arg)
{
	(void)revents;
	struct ntsd_refclock *rc = arg;
	/* one larger than a sample, so an oversized datagram is seen as such */
	uint8_t buf[NTS_REFSOCK_SIZE + 1];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0)
			return;
		struct nts_refsock_sample s;
		int e = nts_refsock_decode(buf, (size_t)n, &s);
		if (e != NTS_OK) {
			ntsd_refclock_bad(rc, "%s (%zd octets)", nts_strerror(e), n);
			continue;
		}
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double age = ((double)now.tv_sec - (double)s.sec) + (now.tv_nsec - s.nsec) * 1e-9;
		if (fabs(age) > SOCK_MAX_AGE) {
			ntsd_refclock_bad(rc, "sample taken %.0f s from now", age);
			continue;
		}
		double offset = s.offset;
		if (s.pulse) {
			/* a bare pulse: its second is the nearest one, numbered by
			 * the lock refclock if configured, else our clock */
			double coarse = 0;
			if (rc->conf.lock[0] && !ntsd_refclock_coarse(rc->conf.lock, 4.0, &coarse))
				continue;
			double k = nearbyint(offset - coarse);
			offset -= k;
			if (fabs(offset - coarse) > 0.4) {
				ntsd_refclock_bad(rc, "%s", nts_strerror(NTS_E_PPS_AMBIGUOUS));
				continue;
			}
		}
		struct timespec at = { .tv_sec = (time_t)s.sec, .tv_nsec = s.nsec };
		ntsd_refclock_sample(rc, &at, offset, s.leap);
	}
}

static void sock_fini(struct ntsd_refclock *rc);

static int sock_init(struct ntsd_refclock *rc)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(rc->conf.path) >= sizeof sa.sun_path) {
		ntsd_refclock_fail(rc, "socket path too long");
		return -1;
	}
	strcpy(sa.sun_path, rc->conf.path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ntsd_refclock_fail(rc, "socket: %s", strerror(errno));
		return -1;
	}
	/* a socket left by an earlier run is ours to replace; anything else
	 * at that path is not */
	struct stat stb;
	if (lstat(rc->conf.path, &stb) == 0 && S_ISSOCK(stb.st_mode))
		unlink(rc->conf.path);
	if (bind(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		ntsd_refclock_fail(rc, "bind %s: %s", rc->conf.path, strerror(errno));
		close(fd);
		return -1;
	}
	struct sock_state *st = calloc(1, sizeof *st);
	if (!st) {
		close(fd);
		unlink(rc->conf.path);
		return -1;
	}
	st->fd = fd;
	rc->priv = st;
	if (ntsd_sched_fd(fd, POLLIN, sock_readable, rc) != 0) {
		sock_fini(rc);
		ntsd_refclock_fail(rc, "scheduler full");
		return -1;
	}
	return 0;
}

static void sock_fini(struct ntsd_refclock *rc)
{
	struct sock_state *st = rc->priv;
	if (st) {
		ntsd_sched_fd_remove(st->fd);
		close(st->fd);
		unlink(rc->conf.path);
		free(st);
	}
	rc->priv = NULL;
}

const struct ntsd_refclock_driver ntsd_refclock_sock = {
	.name = "sock",
	.display = "SOCK",
	.init = sock_init,
	.poll = NULL,
	.fini = sock_fini,
	.sample_interval = 0,
};
