/* Test driver (not installed): ntsd's mode 6 responder on a UDP port with
 * published fixture sources, so NTPsec's ntpq (-p, -c as, rv ASSOCID) and
 * ntsmon can be checked against it before ntsd's client side publishes real
 * ones. The answers are ntsd_mode6_answer()'s, as in the daemon.
 * Usage: test_m6serve ADDR PORT SECONDS */
#include <config.h>

#include <arpa/inet.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntsd.h"
#include "status.h"

static void fixtures(void)
{
	static struct ntsd_source_status s[3];
	memset(s, 0, sizeof s);
	for (int i = 0; i < 3; i++) {
		s[i].associd = (uint16_t)(40001 + i);
		s[i].type = 'u';
		s[i].reachable = true;
		s[i].reach = 0377;
		s[i].poll_log2 = 6;
		s[i].when = 5 + i;
		s[i].cert_days_left = NAN;
		s[i].ke_age = -1;
	}
	snprintf(s[0].name, sizeof s[0].name, "nts.example.net");
	snprintf(s[0].addr, sizeof s[0].addr, "192.0.2.10:123");
	snprintf(s[0].refid, sizeof s[0].refid, "GPS");
	s[0].tally = '*';
	s[0].nts = true;
	s[0].cookies = 7;
	s[0].stratum = 1;
	s[0].offset = -0.000512;
	s[0].delay = 0.0123;
	s[0].jitter = 0.0002;
	s[0].ke_age = 3600;
	s[0].aead = 15;
	s[0].cert_days_left = 42.5;
	snprintf(s[1].name, sizeof s[1].name, "192.0.2.11");
	snprintf(s[1].addr, sizeof s[1].addr, "192.0.2.11:123");
	snprintf(s[1].refid, sizeof s[1].refid, "192.0.2.99");
	s[1].tally = '+';
	s[1].stratum = 2;
	s[1].offset = 0.0021;
	s[1].delay = 0.0301;
	s[1].jitter = 0.0011;
	snprintf(s[2].name, sizeof s[2].name, "[2001:db8::12]");
	snprintf(s[2].addr, sizeof s[2].addr, "[2001:db8::12]:123");
	snprintf(s[2].refid, sizeof s[2].refid, "PPS");
	s[2].tally = 'x';
	s[2].stratum = 1;
	s[2].offset = 0.25;
	s[2].delay = 0.05;
	s[2].jitter = 0.01;
	struct ntsd_system_status sys = { .synchronised = true, .stratum = 2, .leap = 0,
					  .refid = "192.0.2.10", .sys_peer = 40001, .offset = -0.0005 };
	ntsd_status_publish(s, 3, &sys);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_m6serve ADDR PORT SECONDS\n");
		return 2;
	}
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	d.counters.ke_serves_good = 3;
	fixtures();
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		perror("test_m6serve: bind");
		return 1;
	}
	time_t end = time(NULL) + atoi(argv[3]);
	static uint8_t frags[NTSD_MODE6_MAX_FRAGS][NTSD_MODE6_FRAG];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		uint8_t in[2048];
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		ssize_t r = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&peer, &pl);
		if (r <= 0)
			continue;
		size_t n = ntsd_mode6_answer(&d, in, (size_t)r, frags, lens, NTSD_MODE6_MAX_FRAGS);
		for (size_t i = 0; i < n; i++)
			sendto(fd, frags[i], lens[i], 0, (struct sockaddr *)&peer, pl);
	}
	close(fd);
	return 0;
}
