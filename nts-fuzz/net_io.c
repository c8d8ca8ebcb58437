/* nts-fuzz: loopback-only addressing, bounded TLS/TCP/UDP I/O, a real KE
 * session (keys and cookies) for NTP mode, and the seeded PRNG. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nts/hostport.h"
#include "common/keclient.h"
#include "common/mono.h"
#include "common/tls_fd.h"
#include "netfuzz.h"
#include "nts/aead.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/tls.h"

/* ---- PRNG */

void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

bool rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

void rng_bytes(struct rng *r, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)rng_next(r);
}

/* ---- time */

void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int ms_until(double deadline)
{
	double left = deadline - mono_now();
	return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

/* ---- loopback endpoints */

bool endpoint_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

static void endpoint_text(struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (ep->sa.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ep->sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(ep->text, sizeof ep->text, "%s:%u", host, ntohs(in->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ep->sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(ep->text, sizeof ep->text, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

void endpoint_set_port(struct endpoint *ep, uint16_t port)
{
	if (ep->sa.ss_family == AF_INET)
		((struct sockaddr_in *)&ep->sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ep->sa)->sin6_port = htons(port);
	endpoint_text(ep);
}

uint16_t endpoint_port(const struct endpoint *ep)
{
	if (ep->sa.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&ep->sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&ep->sa)->sin6_port);
}

/* Only literals (and "localhost") are accepted: no DNS lookup can ever
 * turn a name into an address off this machine. */
bool endpoint_parse(const char *s, struct endpoint *ep, char *err, size_t errlen)
{
	char host[64];
	uint16_t port;
	memset(ep, 0, sizeof *ep);
	if (nts_hostport_parse(s, host, sizeof host, &port, err, errlen) != NTS_OK)
		return false;
	if (port == 0) {
		snprintf(err, errlen, "%s: expected HOST:PORT or [ADDRESS]:PORT", s);
		return false;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	struct sockaddr_in *in = (struct sockaddr_in *)&ep->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ep->sa;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		ep->len = sizeof *in;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		ep->len = sizeof *in6;
	} else {
		snprintf(err, errlen, "%s: not an address literal (only loopback targets are allowed)", host);
		return false;
	}
	if (!endpoint_is_loopback((struct sockaddr *)&ep->sa)) {
		snprintf(err, errlen, "%s: refusing a target outside 127.0.0.0/8 and ::1", host);
		return false;
	}
	endpoint_set_port(ep, (uint16_t)port);
	return true;
}

/* ---- TCP + TLS */

int tcp_connect(const struct endpoint *ep, double deadline)
{
	int fd = socket(ep->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&ep->sa, ep->len) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t el = sizeof err;
	if (poll(&p, 1, ms_until(deadline)) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
	    err != 0) {
		close(fd);
		errno = err ? err : ETIMEDOUT;
		return -1;
	}
	return fd;
}

static bool wait_fd(int fd, bool write, double deadline)
{
	struct pollfd p = { fd, (short)(write ? POLLOUT : POLLIN), 0 };
	int ms = ms_until(deadline);
	return ms > 0 && poll(&p, 1, ms) == 1;
}

struct keclient *netfuzz_ke_connect(const struct endpoint *ep, struct nts_tls_creds *creds,
				    double deadline, size_t resp_cap, char *err, size_t errlen)
{
	struct keclient_opts o = {.addr = (const struct sockaddr *)&ep->sa, .addr_len = ep->len,
				  .creds = creds, .tls = {.sni = NULL, .verify = false},
				  .resp_cap = resp_cap, .nodelay = true};
	struct keclient *k = keclient_start(&o);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = keclient_run(k, KECLIENT_READY, deadline);
	if (rc == NTS_OK)
		return k;
	if (keclient_phase(k) == KECLIENT_CONNECT || rc == NTS_E_IO)
		snprintf(err, errlen, "connect %s: %s", ep->text,
			 strerror(rc == NTS_E_TLS_AGAIN ? ETIMEDOUT : keclient_errno(k)));
	else
		snprintf(err, errlen, "TLS handshake with %s: %s", ep->text,
			 rc == NTS_E_TLS_AGAIN ? "timed out" : keclient_error(k));
	keclient_free(k, false);
	return NULL;
}

enum netfuzz_end netfuzz_ke_end(int rc)
{
	switch (rc) {
	case NTS_OK:
		return KE_END_MESSAGE;
	case NTS_E_KE_NO_EOM:
	case NTS_E_KE_TRUNC:
		return KE_END_EOF;
	case NTS_E_TLS_AGAIN:
		return KE_END_TIMEOUT;
	case NTS_E_KE_TOO_LONG:
		return KE_END_FULL;
	default:
		return KE_END_ERROR;
	}
}

void netfuzz_tls_close(struct netfuzz_tls_conn *c, bool bye)
{
	if (c->tls && bye)
		nts_tls_bye(c->tls);
	nts_tls_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* GnuTLS wants the same buffer again after AGAIN, so retry in place. */
static int send_piece(struct netfuzz_tls_conn *c, const uint8_t *p, size_t n, double deadline)
{
	while (n > 0) {
		long w = nts_tls_send(c->tls, p, n);
		if (w == NTS_E_TLS_AGAIN) {
			if (!wait_fd(c->fd, true, deadline))
				return NTS_E_TLS_AGAIN;
			continue;
		}
		if (w < 0)
			return (int)w;
		p += w;
		n -= (size_t)w;
	}
	return NTS_OK;
}

int netfuzz_tls_send(struct netfuzz_tls_conn *c, const uint8_t *buf, size_t len, unsigned drip_ms, double deadline)
{
	if (!drip_ms)
		return send_piece(c, buf, len, deadline);
	for (size_t i = 0; i < len; i++) {
		int rc = send_piece(c, buf + i, 1, deadline);
		if (rc != NTS_OK)
			return rc;
		if (mono_now() + drip_ms / 1000.0 > deadline)
			return NTS_E_TLS_AGAIN;
		sleep_ms(drip_ms);
	}
	return NTS_OK;
}

long netfuzz_tls_recv_message(struct netfuzz_tls_conn *c, uint8_t *buf, size_t cap, double deadline, enum netfuzz_end *end)
{
	size_t got = 0, mlen;
	for (;;) {
		if (got > 0 && ntske_message_complete(buf, got, &mlen) == 1) {
			*end = KE_END_MESSAGE;
			return (long)got;
		}
		if (got == cap) {
			*end = KE_END_FULL;
			return (long)got;
		}
		long n = nts_tls_recv(c->tls, buf + got, cap - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == NTS_E_TLS_AGAIN) {
			if (!wait_fd(c->fd, false, deadline)) {
				*end = KE_END_TIMEOUT;
				return (long)got;
			}
			continue;
		}
		*end = n == NTS_E_TLS_EOF ? KE_END_EOF : KE_END_ERROR;
		return (long)got;
	}
}

/* ---- UDP */

long udp_exchange(const struct endpoint *ep, const uint8_t *pkt, size_t len, uint8_t *resp,
		  size_t cap, unsigned timeout_ms)
{
	int fd = socket(ep->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&ep->sa, ep->len) != 0 || send(fd, pkt, len, 0) < 0) {
		close(fd);
		/* a datagram larger than the socket allows is a case, not an error */
		return errno == EMSGSIZE ? 0 : -1;
	}
	double deadline = mono_now() + timeout_ms / 1000.0;
	long n = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, ms_until(deadline)) != 1)
			break;
		ssize_t r = recv(fd, resp, cap, 0);
		if (r >= 0) {
			n = (long)r;
			break;
		}
		/* ICMP port unreachable from an earlier send: keep waiting */
		if (errno != ECONNREFUSED && errno != EINTR)
			break;
	}
	close(fd);
	return n;
}

/* ---- a valid KE session */

static void session_aeads(struct netfuzz_session *s)
{
	nts_aead_free(s->c2s_aead);
	nts_aead_free(s->s2c_aead);
	s->c2s_aead = s->s2c_aead = NULL;
	if (nts_aead_new(s->aead, s->c2s, s->key_len, &s->c2s_aead) != NTS_OK ||
	    nts_aead_new(s->aead, s->s2c, s->key_len, &s->s2c_aead) != NTS_OK) {
		nts_aead_free(s->c2s_aead);
		s->c2s_aead = NULL;
	}
}

int netfuzz_session_new(struct netfuzz_session *s, const struct endpoint *ke, uint16_t ntp_port,
		   struct nts_tls_creds *creds, double timeout, char *err, size_t errlen)
{
	double deadline = mono_now() + timeout;
	uint8_t req[256];
	size_t rlen;
	static struct ntske_response resp;
	struct ntske_request q = { .protos = { NTSKE_PROTO_NTPV4 }, .nprotos = 1,
				   .aeads = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 },
				   .naeads = 2 };
	int rc = ntske_request_build(&q, req, sizeof req, &rlen);
	if (rc != NTS_OK) {
		snprintf(err, errlen, "building the KE request: %s", nts_strerror(rc));
		return rc;
	}
	struct keclient *c = netfuzz_ke_connect(ke, creds, deadline, 0, err, errlen);
	if (!c)
		return NTS_E_IO;
	rc = keclient_send(c, req, rlen, true);
	if (rc == NTS_OK)
		rc = keclient_run(c, KECLIENT_DONE, deadline);
	size_t n;
	const uint8_t *msg = keclient_data(c, &n);
	if (rc != NTS_OK) {
		snprintf(err, errlen, "KE with %s: %s after %zu octets", ke->text,
			 rc == NTS_E_TLS_AGAIN ? "timed out" : keclient_error(c), n);
		keclient_free(c, false);
		return rc == NTS_E_TLS_AGAIN ? NTS_E_KE_NO_EOM : rc;
	}
	memset(&resp, 0, sizeof resp);
	int prc = ntske_response_parse(msg, n, &resp);
	if (prc != NTS_OK || !resp.has_aead || !nts_aead_supported(resp.aead)) {
		keclient_free(c, false);
		snprintf(err, errlen, "KE response from %s: %s", ke->text,
			 prc != NTS_OK ? nts_strerror(prc) : "no usable AEAD");
		return prc != NTS_OK ? prc : NTS_E_KE_AEAD_UNSUPP;
	}
	s->aead = resp.aead;
	s->key_len = nts_aead_key_len(resp.aead);
	/* RFC 8915 section 5.1: keys come from the exporter of this session */
	rc = nts_tls_export_keys(keclient_tls(c), NTSKE_PROTO_NTPV4, s->aead, s->c2s, s->s2c,
				 s->key_len);
	keclient_free(c, true);
	if (rc != NTS_OK) {
		snprintf(err, errlen, "exporting keys: %s", nts_strerror(rc));
		return rc;
	}
	session_aeads(s);
	if (!s->c2s_aead)
		return NTS_E_CRYPTO;
	s->ntp = *ke;
	endpoint_set_port(&s->ntp, ntp_port ? ntp_port : resp.has_port ? resp.port : 123);
	s->ncookies = 0;
	for (size_t i = 0; i < resp.ncookies; i++)
		netfuzz_session_add(s, resp.cookies[i], resp.cookie_len[i]);
	s->kes++;
	return NTS_OK;
}

void netfuzz_session_free(struct netfuzz_session *s)
{
	nts_aead_free(s->c2s_aead);
	nts_aead_free(s->s2c_aead);
	s->c2s_aead = s->s2c_aead = NULL;
}

bool netfuzz_session_take(struct netfuzz_session *s, uint8_t *cookie, size_t *len)
{
	if (s->ncookies == 0)
		return false;
	s->ncookies--;
	*len = s->cookie_len[s->ncookies];
	memcpy(cookie, s->cookies[s->ncookies], *len);
	memcpy(s->used_cookie, cookie, *len);
	s->used_len = (uint16_t)*len;
	return true;
}

void netfuzz_session_add(struct netfuzz_session *s, const uint8_t *cookie, size_t len)
{
	if (s->ncookies >= sizeof s->cookie_len / sizeof s->cookie_len[0] || len == 0 ||
	    len > NTS_COOKIE_MAX)
		return;
	s->cookie_len[s->ncookies] = (uint16_t)len;
	memcpy(s->cookies[s->ncookies], cookie, len);
	s->ncookies++;
}
