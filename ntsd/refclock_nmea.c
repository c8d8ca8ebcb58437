/* ntsd refclock driver: NMEA 0183 sentences straight from a serial line
 * (a GNSS receiver on /dev/ttyS0, a USB receiver, a pty in tests). Read
 * when the line is readable; the first valid RMC/ZDA/GGA of each second is
 * a sample, its delay after the second corrected by time2. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/nmea.h"
#include "refclock.h"
#include "sched.h"

#define NMEA_READ_MAX 512     /* octets per read; at 115200 baud ~45 ms of data */

struct nmea_state {
	int fd;
	struct nts_nmea_framer framer;
	struct timespec rx;        /* when the current read returned */
	int64_t last_sec;          /* second of the last sample */
	struct ntsd_refclock *rc;
};

static speed_t baud_speed(unsigned baud)
{
	static const struct {
		unsigned baud;
		speed_t speed;
	} t[] = { { 4800, B4800 },   { 9600, B9600 },   { 19200, B19200 },  { 38400, B38400 },
		  { 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].baud == baud)
			return t[i].speed;
	return B0;
}

static void on_line(void *arg, const char *line, size_t len, int err)
{
	struct nmea_state *st = arg;
	struct ntsd_refclock *rc = st->rc;
	struct nts_nmea m;
	int e = err != NTS_OK ? err : nts_nmea_parse(line, len, &m);
	if (e == NTS_E_NMEA_UNSUPP || e == NTS_E_NMEA_LEAP)
		return;   /* other sentence types; a leap second is skipped */
	if (e != NTS_OK) {
		ntsd_refclock_bad(rc, "%s", nts_strerror(e));
		return;
	}
	int64_t sec;
	int32_t nsec;
	if (nts_nmea_time(&m, (int64_t)st->rx.tv_sec, &sec, &nsec) != NTS_OK) {
		ntsd_refclock_bad(rc, "%s", nts_strerror(NTS_E_NMEA_FIELD));
		return;
	}
	/* receivers send several sentences per second, all about the same
	 * second and later ones arriving later: take the first */
	if (sec == st->last_sec)
		return;
	st->last_sec = sec;
	/* the line names the second it started at; it ends here, time2 later */
	double offset = ((double)sec - (double)st->rx.tv_sec) + (nsec - st->rx.tv_nsec) * 1e-9 +
			rc->conf.time2;
	ntsd_refclock_sample(rc, &st->rx, offset, 0);
}

static void nmea_readable(int fd, short revents, void *arg)
{
	struct ntsd_refclock *rc = arg;
	struct nmea_state *st = rc->priv;
	uint8_t buf[NMEA_READ_MAX];
	ssize_t n = read(fd, buf, sizeof buf);
	clock_gettime(CLOCK_REALTIME, &st->rx);
	if (n > 0) {
		nts_nmea_framer_feed(&st->framer, buf, (size_t)n, on_line, st);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF or an error (a USB receiver unplugged, the pty master closed):
	 * close and let the core reopen it at the next poll */
	if (n == 0 || (revents & (POLLHUP | POLLERR)))
		ntsd_refclock_fail(rc, "%s: %s", rc->conf.path, n == 0 ? "end of input" : "hang-up");
	else
		ntsd_refclock_fail(rc, "%s: read: %s", rc->conf.path, strerror(errno));
}

static void nmea_fini(struct ntsd_refclock *rc);

static int nmea_init(struct ntsd_refclock *rc)
{
	int fd = open(rc->conf.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ntsd_refclock_fail(rc, "cannot open %s: %s", rc->conf.path, strerror(errno));
		return -1;
	}
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		/* raw 8N1 input at the configured speed, no modem control */
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~(tcflag_t)CRTSCTS;
		speed_t sp = baud_speed(rc->conf.baud);
		if (sp != B0) {
			cfsetispeed(&t, sp);
			cfsetospeed(&t, sp);
		}
		if (tcsetattr(fd, TCSANOW, &t) != 0) {
			ntsd_refclock_fail(rc, "%s: cannot set line: %s", rc->conf.path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	/* what the line buffered before we opened it is old: its sentences
	 * would be stamped now, seconds late */
	tcflush(fd, TCIFLUSH);
	/* not a terminal (a FIFO, a file in tests): read it as it is */
	struct nmea_state *st = calloc(1, sizeof *st);
	if (!st) {
		close(fd);
		return -1;
	}
	st->fd = fd;
	st->rc = rc;
	st->last_sec = -1;
	nts_nmea_framer_init(&st->framer);
	rc->priv = st;
	if (ntsd_sched_fd(fd, POLLIN, nmea_readable, rc) != 0) {
		nmea_fini(rc);
		ntsd_refclock_fail(rc, "scheduler full");
		return -1;
	}
	return 0;
}

static void nmea_fini(struct ntsd_refclock *rc)
{
	struct nmea_state *st = rc->priv;
	if (st) {
		ntsd_sched_fd_remove(st->fd);
		close(st->fd);
		free(st);
	}
	rc->priv = NULL;
}

const struct ntsd_refclock_driver ntsd_refclock_nmea = {
	.name = "nmea",
	.display = "NMEA",
	.init = nmea_init,
	.poll = NULL,
	.fini = nmea_fini,
	.sample_interval = 0,
};
