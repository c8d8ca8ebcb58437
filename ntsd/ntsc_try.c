/* ntsc-try: drive one NTS client source (ntsc.c, ke_client.c, libnts's
 * nts_assoc) on the scheduler against a real server, as ntsd's
 * associations do, and report. A test driver for interop/test-ntsd-client-*.sh
 * (not installed): it never touches the clock.
 *   ntsc-try [-c CA] [-k] [-F] [-a AEAD] [-s STATEDIR] [-n GOOD] [-t SECONDS] [-i INTERVAL] HOST[:PORT]
 * Exit 0 when GOOD authentic answers came before the deadline, 1 if not. */
#include <config.h>

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nts/aead.h"
#include "nts/hostport.h"
#include "common/opt.h"
#include "common/logsink.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "ntsc.h"
#include "ntsd.h"
#include "sched.h"
#include "status.h"

static struct ntsd d;
static struct ntsd_ntsc *c;
static int fd4 = -1, fd6 = -1;
static unsigned want = 1, good, naks, bad, sent, missed;
static double interval = 1.0;
static uint64_t last_xmt;

static void on_recv(int fd, short revents, void *arg)
{
	uint8_t pkt[NTP_MAX_PACKET];
	(void)revents;
	(void)arg;
	ssize_t n = recv(fd, pkt, sizeof pkt, 0);
	if (n <= 0)
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int rc = ntsd_ntsc_unwrap(c, pkt, (size_t)n);
	struct ntp_hdr h;
	if (rc == NTS_OK && ntp_hdr_parse(pkt, (size_t)n, &h) == NTS_OK && h.org == last_xmt) {
		double off, delay;
		ntp_offset_delay(h.org, h.rec, h.xmt, ntp_ts_from_timespec(&now), &off, &delay);
		good++;
		printf("answer %u: authentic, stratum %u, offset %+.6f s, delay %.6f s\n", good,
		       (unsigned)h.stratum, off, delay);
		fflush(stdout);
		if (good >= want)
			ntsd_sched_quit();
	} else if (rc == NTS_E_NTS_NAK) {
		naks++;
		printf("answer: NTS NAK\n");
	} else {
		bad++;
		printf("answer: dropped (%s)\n", rc == NTS_OK ? "origin timestamp mismatch" : nts_errname(rc));
	}
	fflush(stdout);
}

static void poll_once(void *arg)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t pkt[NTP_MAX_PACKET];
	size_t len;
	(void)arg;
	ntsd_sched_timer(interval, poll_once, NULL);
	if (!ntsd_ntsc_ready(c, &to, &tolen)) {
		missed++;
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct ntp_hdr h = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 0 };
	h.xmt = last_xmt = ntp_ts_from_timespec(&now);
	if (ntp_hdr_write(&h, pkt, sizeof pkt) != NTS_OK || ntsd_ntsc_wrap(c, pkt, sizeof pkt, &len) != NTS_OK)
		return;
	int fd = to.ss_family == AF_INET6 ? fd6 : fd4;
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, tolen) == (ssize_t)len)
		sent++;
}

static void deadline(void *arg)
{
	(void)arg;
	printf("deadline reached\n");
	ntsd_sched_quit();
}

static int udp(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		ntsd_sched_fd(fd, POLLIN, on_recv, NULL);
	return fd;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *state = NULL;
	bool noval = false, fallback = false;
	double secs = 20;
	uint16_t aeads[2];
	size_t naeads = 0;
	int opt;
	while ((opt = getopt(argc, argv, "c:kFa:s:n:t:i:")) != -1) {
		switch (opt) {
		case 'F': fallback = true; break;
		case 'c': ca = optarg; break;
		case 'k': noval = true; break;
		case 'a': {
			int id = nts_aead_from_name(optarg);
			if (id < 0) {
				fprintf(stderr, "ntsc-try: -a: unknown AEAD \"%s\"\n", optarg);
				return 2;
			}
			if (naeads < 2)
				aeads[naeads++] = (uint16_t)id;
			break;
		}
		case 's': state = optarg; break;
		case 'n':
			if (!opt_unsigned("ntsc-try", "-n", optarg, 0, 1000000, &want))
				return 2;
			break;
		case 't':
			if (!opt_double("ntsc-try", "-t", optarg, 0.001, 86400, &secs))
				return 2;
			break;
		case 'i':
			if (!opt_double("ntsc-try", "-i", optarg, 0.001, 3600, &interval))
				return 2;
			break;
		default:
			fprintf(stderr, "usage: ntsc-try [-c CA] [-k] [-F] [-a AEAD] [-s STATEDIR] [-n GOOD] "
					"[-t SECONDS] [-i INTERVAL] HOST[:PORT]\n");
			return 2;
		}
	}
	if (optind + 1 != argc)
		return 2;
	char host[256], why[256];
	uint16_t port = 0;
	if (nts_hostport_parse(argv[optind], host, sizeof host, &port, why, sizeof why) != NTS_OK) {
		fprintf(stderr, "ntsc-try: %s\n", why);
		return 2;
	}
	logsink_stderr_install();
	nts_log_set_level(NTS_LOG_DEBUG);
	ntsd_sched_init();
	fd4 = udp(AF_INET);
	fd6 = udp(AF_INET6);
	struct ntsd_ntsc_params p = { .host = host, .ke_port = port, .ke_fallback = fallback,
				      .ca = ca, .noval = noval,
				      .aeads = aeads, .naeads = naeads, .state_dir = state };
	c = ntsd_ntsc_new_params(&d, &p);
	if (!c)
		return 1;
	ntsd_sched_timer(0, poll_once, NULL);
	ntsd_sched_timer(secs, deadline, NULL);
	ntsd_sched_run();

	struct ntsd_source_status st;
	memset(&st, 0, sizeof st);
	ntsd_ntsc_status(c, &st);
	printf("status: cookies %d, aead %u, naks %llu, ke_age %.0f, cert_days_left %.1f, "
	       "last_error \"%s\"\n", st.cookies, (unsigned)st.aead, (unsigned long long)st.naks,
	       st.ke_age, st.cert_days_left, st.last_error);
	printf("counters: sends %llu, recvs good %llu, recvs bad %llu, ke good %llu, ke bad %llu\n",
	       (unsigned long long)d.counters.client_sends,
	       (unsigned long long)d.counters.client_recvs_good,
	       (unsigned long long)d.counters.client_recvs_bad,
	       (unsigned long long)d.counters.ke_probes_good,
	       (unsigned long long)d.counters.ke_probes_bad);
	printf("result: %u good, %u NAK, %u dropped, %u sent, %u polls without a request\n", good,
	       naks, bad, sent, missed);
	ntsd_ntsc_free(c);
	close(fd4);
	close(fd6);
	return good >= want ? 0 : 1;
}
