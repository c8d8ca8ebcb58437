/* probe-test-server: an NTS-KE and NTP server on loopback that misbehaves in
 * one chosen way, for ntske-probe's program tests (interop/test-probe-server.sh).
 * It does a real TLS 1.3 handshake, a real exporter and real cookies, so
 * the probe gets as far as the misbehaviour under test. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/opt.h"
#include "common/mono.h"
#include "common/tls_fd.h"
#include "common/tlscreds.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/tls.h"

enum srv_ke_mode {
	KM_GOOD,          /* a correct answer */
	KM_AEAD15,        /* AEAD 15 whatever the client offered */
	KM_PORT0,         /* a Port record of 0 */
	KM_HUGE_HEADER,   /* a record header announcing 65535 octets, then a close */
	KM_HUGE,          /* 65000 octets without End of Message */
	KM_COOKIES_BAD,   /* cookies, then a record cut short and a close */
};

static const char *const mode_names[] = {"good", "aead15", "port0", "huge-header", "huge",
					 "cookies-bad"};

struct srv {
	enum srv_ke_mode mode;
	unsigned leap, stratum;
	uint32_t refid;
	uint16_t ntp_port;
	struct nts_tls_creds *creds;
	struct nts_cookie_ring *ring;
	struct nts_server *ntp;
	struct nts_counters counters;
};

static int wait_fd(int fd, bool write, double deadline)
{
	struct pollfd p = {.fd = fd, .events = write ? POLLOUT : POLLIN};
	double left = deadline - mono_now();
	return left > 0 && poll(&p, 1, (int)(left * 1000) + 1) > 0;
}

static int send_all(struct nts_tls *t, int fd, const uint8_t *p, size_t len, double deadline)
{
	size_t off = 0;
	while (off < len) {
		long n = nts_tls_send(t, p + off, len - off);
		if (n == NTS_E_TLS_AGAIN) {
			if (!wait_fd(fd, nts_tls_want_write(t), deadline))
				return -1;
			continue;
		}
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static long recv_request(struct nts_tls *t, int fd, uint8_t *buf, size_t cap, double deadline)
{
	size_t len = 0, msg_len = 0;
	while (ntske_message_complete(buf, len, &msg_len) == 0 && len < cap) {
		long n = nts_tls_recv(t, buf + len, cap - len);
		if (n == NTS_E_TLS_AGAIN) {
			if (!wait_fd(fd, nts_tls_want_write(t), deadline))
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	return ntske_message_complete(buf, len, &msg_len) == 1 ? (long)msg_len : -1;
}

/* The answer for one request; *len 0 means close without answering. */
static void answer(struct srv *s, struct nts_tls *t, const uint8_t *req, size_t req_len,
		   uint8_t *out, size_t cap, size_t *len)
{
	static const uint16_t ours[] = {NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512};
	static struct ntske_request q;
	static struct ntske_response r;
	uint16_t kerr = 1, proto = 0, aead = 0;
	memset(&r, 0, sizeof r);
	*len = 0;
	int rc = ntske_request_parse(req, req_len, &q, &kerr);
	if (rc == NTS_OK && s->mode == KM_AEAD15) {
		proto = NTSKE_PROTO_NTPV4;
		aead = NTS_AEAD_AES_SIV_CMAC_256;
	} else if (rc == NTS_OK) {
		rc = ntske_select(&q, ours, 2, &proto, &aead);
	}
	if (rc != NTS_OK && s->mode != KM_COOKIES_BAD) {
		r.has_error = true;
		r.error_code = kerr;
		ntske_response_build(&r, out, cap, len);
		return;
	}
	if (rc != NTS_OK)
		aead = NTS_AEAD_AES_SIV_CMAC_256;   /* answers even a bad request */
	uint8_t c2s[64], s2c[64];
	size_t klen = nts_aead_key_len(aead);
	if (nts_tls_export_keys(t, NTSKE_PROTO_NTPV4, aead, c2s, s2c, klen) != NTS_OK)
		return;
	r.has_proto = r.has_aead = true;
	r.proto = NTSKE_PROTO_NTPV4;
	r.aead = aead;
	r.has_port = true;
	r.port = s->mode == KM_PORT0 ? 0 : s->ntp_port;
	for (size_t i = 0; i < NTS_MAX_COOKIES; i++) {
		size_t cl = 0;
		if (nts_cookie_seal(s->ring, aead, c2s, s2c, klen, r.cookies[i], sizeof r.cookies[i],
				    &cl) != NTS_OK)
			return;
		r.cookie_len[i] = (uint16_t)cl;
		r.ncookies++;
	}
	if (ntske_response_build(&r, out, cap, len) != NTS_OK) {
		*len = 0;
		return;
	}
	if (s->mode == KM_COOKIES_BAD) {
		/* drop End of Message; a Port record header whose body never comes */
		*len -= 4;
		static const uint8_t cut[] = {0x80, 0x07, 0x00, 0x02, 0x11};
		memcpy(out + *len, cut, sizeof cut);
		*len += sizeof cut;
	}
}

static void serve_ke(struct srv *s, int lfd)
{
	static uint8_t req[NTSKE_MAX_MESSAGE], out[70000];
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	double deadline = mono_now() + 5;
	struct nts_tls *t = NULL;
	int rc = nts_tls_server_new(s->creds, tls_fd_transport(fd), &t);
	while (rc == NTS_OK && (rc = nts_tls_handshake(t)) == NTS_E_TLS_AGAIN)
		rc = wait_fd(fd, nts_tls_want_write(t), deadline) ? NTS_OK : NTS_E_TLS_AGAIN;
	long n = rc == NTS_OK ? recv_request(t, fd, req, sizeof req, deadline) : -1;
	size_t len = 0;
	if (n > 0) {
		if (s->mode == KM_HUGE_HEADER) {
			static const uint8_t hdr[] = {0x40, 0x00, 0xff, 0xff};
			memcpy(out, hdr, sizeof hdr);
			len = sizeof hdr;
		} else if (s->mode == KM_HUGE) {
			/* 65 unassigned non-critical records of 996 octets: 65000 octets */
			struct nts_wr w;
			static const uint8_t body[996];
			nts_wr_init(&w, out, sizeof out);
			for (int i = 0; i < 65; i++)
				ntske_record_write(&w, false, 0x4000, body, sizeof body);
			len = w.pos;
		} else {
			answer(s, t, req, (size_t)n, out, sizeof out, &len);
		}
	}
	if (len)
		send_all(t, fd, out, len, deadline);
	if (t) {
		nts_tls_bye(t);
		nts_tls_free(t);
	}
	close(fd);
}

static void serve_ntp(struct srv *s, int fd)
{
	static uint8_t pkt[2048], out[2048];
	static struct nts_server_request q;
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return;
	memset(&q, 0, sizeof q);
	if (nts_server_parse_request(s->ntp, pkt, (size_t)n, &q) != NTS_OK)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct ntp_hdr h = {
		.leap = (uint8_t)s->leap, .version = 4, .mode = NTP_MODE_SERVER,
		.stratum = (uint8_t)s->stratum, .precision = -20, .refid = s->refid,
		.org = q.hdr.xmt,
	};
	h.rec = h.xmt = h.reftime = ntp_ts_from_timespec(&ts);
	size_t len = 0;
	if (nts_server_build_response(s->ntp, &q, &h, out, sizeof out, &len) == NTS_OK)
		sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
}

static int listen_on(uint16_t port, int type)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe-test-server CERT KEY KEPORT NTPPORT MODE [LEAP STRATUM REFID] "
		"[SECONDS]\n  MODE: good aead15 port0 huge-header huge cookies-bad\n"
		"  REFID: four characters (a kiss code) or a dotted quad\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct srv s = {.leap = 0, .stratum = 1, .refid = 0x47505300 /* "GPS" */};
	if (argc != 6 && argc != 9 && argc != 10)
		return usage();
	size_t m = 0;
	while (m < sizeof mode_names / sizeof mode_names[0] && strcmp(argv[5], mode_names[m]) != 0)
		m++;
	if (m == sizeof mode_names / sizeof mode_names[0])
		return usage();
	s.mode = (enum srv_ke_mode)m;
	const char *P = "probe-test-server";
	uint16_t ke_port;
	unsigned leap, stratum;
	double seconds = 60;
	if (!opt_port(P, "KE-PORT", argv[3], &ke_port) || !opt_port(P, "NTP-PORT", argv[4], &s.ntp_port))
		return 2;
	if (argc >= 9) {
		if (!opt_unsigned(P, "LEAP", argv[6], 0, 3, &leap) ||
		    !opt_unsigned(P, "STRATUM", argv[7], 0, 255, &stratum))
			return 2;
		s.leap = leap;
		s.stratum = stratum;
		struct in_addr ia;
		if (inet_pton(AF_INET, argv[8], &ia) == 1)
			s.refid = ntohl(ia.s_addr);
		else {
			uint8_t b[4] = {0};
			memcpy(b, argv[8], strnlen(argv[8], 4));
			s.refid = nts_get32(b);
		}
	}
	if (argc == 10 && !opt_double(P, "SECONDS", argv[9], 0.001, 86400, &seconds))
		return 2;
	char err[256];
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	if (tlscreds_server(argv[1], argv[2], &s.creds, err, sizeof err) != NTS_OK) {
		fprintf(stderr, "probe-test-server: %s\n", err);
		return 1;
	}
	if (nts_cookie_ring_new(&cfg, NULL, &s.ring) != NTS_OK ||
	    nts_cookie_ring_rotate(s.ring, time(NULL), true) < 0 ||
	    nts_server_new(s.ring, &s.counters, &s.ntp) != NTS_OK) {
		fprintf(stderr, "probe-test-server: cannot set up cookies\n");
		return 1;
	}
	int kfd = listen_on(ke_port, SOCK_STREAM), ufd = listen_on(s.ntp_port, SOCK_DGRAM);
	if (kfd < 0 || ufd < 0) {
		fprintf(stderr, "probe-test-server: cannot listen: %s\n", strerror(errno));
		return 1;
	}
	/* bounded: a test that forgets to stop us does not leave us behind */
	double end = mono_now() + seconds;
	while (mono_now() < end) {
		struct pollfd p[2] = {{kfd, POLLIN, 0}, {ufd, POLLIN, 0}};
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			serve_ntp(&s, ufd);
		if (p[0].revents & POLLIN)
			serve_ke(&s, kfd);
	}
	close(kfd);
	close(ufd);
	nts_server_free(s.ntp);
	nts_cookie_ring_free(s.ring);
	nts_tls_creds_free(s.creds);
	return 0;
}
