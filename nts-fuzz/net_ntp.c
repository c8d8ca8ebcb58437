/* nts-fuzz net --proto ntp: a real NTS-KE, then mutated NTS requests sealed
 * with the real C2S key (so mutations reach the server's parsing behind
 * authentication), plus raw garbage datagrams. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "common/mono.h"
#include "fuzz.h"
#include "netfuzz.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include <sys/socket.h>

#define PKT_CAP 4096

/* Refill the cookie pool with a new KE when it runs dry. */
static bool need_cookie(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
			uint16_t ntp_port)
{
	char err[256];
	if (s->ncookies > 0)
		return true;
	netfuzz_session_free(s);
	return netfuzz_session_new(s, ke, ntp_port, creds, 3.0, err, sizeof err) == NTS_OK;
}

/* What came back: drop, reply (authenticated), nak, or why it is bad. */
static void classify(struct netfuzz_session *s, const uint8_t *resp, long n, char *out, size_t cap)
{
	static struct nts_client_response cr;
	if (n <= 0) {
		snprintf(out, cap, n < 0 ? "socket-error" : "drop");
		return;
	}
	memset(&cr, 0, sizeof cr);
	int rc = nts_client_parse_response(resp, (size_t)n, fuzz_uid, sizeof fuzz_uid, s->s2c_aead, &cr);
	if (rc == NTS_OK) {
		for (size_t i = 0; i < cr.ncookies; i++)
			netfuzz_session_add(s, cr.cookies[i], cr.cookie_len[i]);
		snprintf(out, cap, "reply");
	} else if (rc == NTS_E_NTS_NAK) {
		snprintf(out, cap, "nak");
	} else if (rc == NTS_E_NTS_NOT_NTS) {
		snprintf(out, cap, "plain-ntp-reply");
	} else {
		snprintf(out, cap, "reply-%s", nts_errname(rc));
	}
}

/* Turn a case into a datagram; 0 and a reason in out when it cannot be. */
static size_t prepare(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
		      uint16_t ntp_port, const uint8_t *c, size_t n, uint8_t *pkt, size_t cap,
		      char *out, size_t outcap)
{
	uint8_t cookie[NTS_COOKIE_MAX];
	size_t len, clen = 0, inner_len;
	if (n < 1) {
		snprintf(out, outcap, "empty-case");
		return 0;
	}
	if ((c[0] & FZ_RAW) || n < 5) {
		len = n - 1 < cap ? n - 1 : cap;
		memcpy(pkt, c + 1, len);
		if (len == 0)
			snprintf(out, outcap, "empty-datagram");
		return len;
	}
	const uint8_t *ck = NULL;
	if (!(c[0] & FZ_NOCOOKIE)) {
		/* NTS servers keep no per-cookie state, so when the pool is dry the
		 * last cookie is sent again rather than paying for a new KE */
		if ((c[0] & FZ_OLD) || (s->ncookies == 0 && s->used_len)) {
			ck = s->used_cookie;
			clen = s->used_len;
		} else if (need_cookie(s, ke, creds, ntp_port) && netfuzz_session_take(s, cookie, &clen)) {
			ck = cookie;
		} else {
			snprintf(out, outcap, "ke-failed");
			return 0;
		}
	}
	len = fuzz_build_request(c, n, ck, clen, s->c2s_aead, pkt, cap, &inner_len);
	if (len == 0)
		snprintf(out, outcap, "unbuildable");
	return len;
}

void netfuzz_ntp_case(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
		  uint16_t ntp_port, const uint8_t *c, size_t n, unsigned timeout_ms, char *out,
		  size_t cap)
{
	static uint8_t pkt[PKT_CAP], resp[PKT_CAP];
	size_t len = prepare(s, ke, creds, ntp_port, c, n, pkt, sizeof pkt, out, cap);
	if (len == 0)
		return;
	long got = udp_exchange(&s->ntp, pkt, len, resp, sizeof resp, timeout_ms);
	classify(s, resp, got, out, cap);
}

void netfuzz_ntp_burst(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
		   uint16_t ntp_port, uint8_t *const *cases, const size_t *lens, size_t n,
		   unsigned timeout_ms, char (*outs)[96])
{
	static uint8_t pkt[PKT_CAP], resp[PKT_CAP];
	int fds[1024];
	size_t open_n = 0;
	if (n > 1024)
		n = 1024;
	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		size_t len = prepare(s, ke, creds, ntp_port, cases[i], lens[i], pkt, sizeof pkt, outs[i], 96);
		if (len == 0)
			continue;
		int fd = socket(s->ntp.sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (const struct sockaddr *)&s->ntp.sa, s->ntp.len) != 0) {
			snprintf(outs[i], 96, "socket-error");
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (send(fd, pkt, len, 0) < 0 && errno != EMSGSIZE) {
			snprintf(outs[i], 96, "send-error");
			close(fd);
			continue;
		}
		snprintf(outs[i], 96, "drop");
		fds[i] = fd;
		open_n++;
	}
	double deadline = mono_now() + timeout_ms / 1000.0;
	while (open_n > 0) {
		struct pollfd p[1024];
		size_t idx[1024], np = 0;
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0) {
				p[np] = (struct pollfd){ fds[i], POLLIN, 0 };
				idx[np++] = i;
			}
		int ms = (int)((deadline - mono_now()) * 1000.0);
		if (ms <= 0 || poll(p, np, ms) <= 0)
			break;
		for (size_t k = 0; k < np; k++) {
			if (!(p[k].revents & (POLLIN | POLLERR)))
				continue;
			size_t i = idx[k];
			ssize_t r = recv(fds[i], resp, sizeof resp, 0);
			if (r < 0 && (errno == ECONNREFUSED || errno == EAGAIN))
				continue;
			classify(s, resp, r, outs[i], 96);
			close(fds[i]);
			fds[i] = -1;
			open_n--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

bool netfuzz_ntp_alive(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
	       uint16_t ntp_port, double wait_s)
{
	static const uint8_t valid[5] = { FZ_TEMPLATE | FZ_UID, 16, 0, 0, 0 };
	char out[64];
	double end = mono_now() + wait_s;
	do {
		netfuzz_ntp_case(s, ke, creds, ntp_port, valid, sizeof valid, 1000, out, sizeof out);
		if (strcmp(out, "reply") == 0)
			return true;
		sleep_ms(200);
	} while (mono_now() < end);
	return false;
}
