/* ntsbench: the load generator of ci/bench-server (not installed). It does
 * one NTS-KE, grows a pool of server-issued cookies through NTS requests
 * with placeholders, pre-builds one valid request per cookie, then replays
 * them with sendmmsg/recvmmsg under a bounded window and counts answers.
 * Servers are stateless, so a replayed request is as costly as a new one,
 * and every request in the cycle carries a different cookie. Also: plain
 * NTP load, and NTS-KE handshakes in a loop. Loopback only. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/opt.h"
#include "common/mono.h"
#include "common/tls_fd.h"
#include "common/tlscreds.h"
#include "nts/aead.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "nts/nts_ef.h"
#include "nts/ntske.h"
#include "nts/tls.h"

#define BATCH 64
#define WINDOW 512
#define MAX_POOL 8192
#define REQ_MAX 512

struct opts {
	const char *mode;        /* nts, plain, ke */
	uint16_t ke_port, ntp_port;
	const char *ca;
	const char *sni;
	double secs;
	size_t pool;
	unsigned threads;
	uint16_t aead;
};

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	/* no Nagle: a KE is a few small writes each way */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int udp_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int buf = 4 << 20;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One NTS-KE exchange on a blocking socket. */
static int bench_ke_once(struct nts_tls_creds *cc, const struct opts *o, struct ntske_response *resp,
		   uint8_t *c2s, uint8_t *s2c)
{
	int fd = tcp_connect(o->ke_port);
	if (fd < 0)
		return NTS_E_IO;
	struct nts_tls_client_opts to = { .sni = o->sni, .verify = true };
	struct nts_tls *t = NULL;
	int rc = nts_tls_client_new(cc, tls_fd_transport(fd), &to, &t);
	for (int i = 0; rc == NTS_OK && i < 1000; i++) {
		rc = nts_tls_handshake(t);
		if (rc != NTS_E_TLS_AGAIN)
			break;
		struct pollfd p = { .fd = fd, .events = nts_tls_want_write(t) ? POLLOUT : POLLIN };
		poll(&p, 1, 1000);
		rc = NTS_OK;
	}
	struct ntske_request req = { .nprotos = 1, .naeads = 1 };
	req.protos[0] = NTSKE_PROTO_NTPV4;
	req.aeads[0] = o->aead;
	uint8_t buf[NTSKE_MAX_MESSAGE];
	size_t len = 0, have = 0, mlen = 0;
	if (rc == NTS_OK)
		rc = ntske_request_build(&req, buf, sizeof buf, &len);
	if (rc == NTS_OK && nts_tls_send(t, buf, len) != (long)len)
		rc = NTS_E_TLS;
	while (rc == NTS_OK && have < sizeof buf) {
		long n = nts_tls_recv(t, buf + have, sizeof buf - have);
		if (n == NTS_E_TLS_AGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 5000) <= 0)
				rc = NTS_E_TLS;
			continue;
		}
		if (n <= 0) {
			rc = NTS_E_TLS;
			break;
		}
		have += (size_t)n;
		if (ntske_message_complete(buf, have, &mlen) == 1)
			break;
	}
	if (rc == NTS_OK)
		rc = ntske_response_parse(buf, mlen, resp);
	size_t klen = nts_aead_key_len(o->aead);
	if (rc == NTS_OK && c2s)
		rc = nts_tls_export_keys(t, NTSKE_PROTO_NTPV4, o->aead, c2s, s2c, klen);
	if (t) {
		nts_tls_bye(t);
		nts_tls_free(t);
	}
	close(fd);
	return rc;
}

struct pool {
	size_t n;
	uint16_t len[MAX_POOL];
	uint8_t (*cookie)[NTS_COOKIE_MAX];
};

/* Grow the pool: spend one cookie, ask for 8 back, until it holds 'want'. */
static int grow_pool(int fd, struct nts_aead *c2s, struct nts_aead *s2c, struct pool *p,
		     size_t want)
{
	static struct nts_client_response resp;
	uint8_t out[NTP_MAX_PACKET], in[NTP_MAX_PACKET], uid[NTS_UID_LEN];
	for (int guard = 0; p->n < want && p->n > 0 && guard < 100000; guard++) {
		struct nts_client_request req = { 0 };
		req.hdr.version = 4;
		req.hdr.mode = NTP_MODE_CLIENT;
		nts_random(&req.hdr.xmt, sizeof req.hdr.xmt);
		nts_random(uid, sizeof uid);
		req.uid = uid;
		req.uid_len = sizeof uid;
		p->n--;
		req.cookie = p->cookie[p->n];
		req.cookie_len = p->len[p->n];
		req.placeholders = NTS_MAX_PLACEHOLDERS;
		size_t len = 0;
		if (nts_client_build_request(&req, c2s, out, sizeof out, &len) != NTS_OK)
			return -1;
		if (send(fd, out, len, 0) < 0)
			return -1;
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 1000) <= 0)
			continue;   /* lost: the cookie is gone, try the next */
		ssize_t r = recv(fd, in, sizeof in, 0);
		if (r <= 0 || nts_client_parse_response(in, (size_t)r, uid, sizeof uid, s2c, &resp) != NTS_OK)
			continue;
		for (size_t i = 0; i < resp.ncookies && p->n < MAX_POOL; i++) {
			memcpy(p->cookie[p->n], resp.cookies[i], resp.cookie_len[i]);
			p->len[p->n++] = resp.cookie_len[i];
		}
	}
	return p->n >= want ? 0 : -1;
}

struct reqs {
	size_t n;
	uint16_t len[MAX_POOL];
	uint8_t (*pkt)[REQ_MAX];
};

/* Replay the requests under a window for o->secs; returns answers/s. */
static double blast(int fd, const struct reqs *q, double secs, unsigned long *naks,
		    unsigned long *answers)
{
	struct mmsghdr sm[BATCH], rm[BATCH];
	struct iovec siov[BATCH], riov[BATCH];
	static uint8_t rbuf[BATCH][NTP_MAX_PACKET];
	for (int i = 0; i < BATCH; i++) {
		riov[i].iov_base = rbuf[i];
		riov[i].iov_len = sizeof rbuf[i];
	}
	size_t next = 0;
	long inflight = 0;
	unsigned long got = 0, nak = 0;
	double t0 = mono_now(), end = t0 + secs;
	while (mono_now() < end) {
		if (inflight + BATCH <= WINDOW) {
			for (int i = 0; i < BATCH; i++) {
				siov[i].iov_base = (void *)(uintptr_t)q->pkt[next];
				siov[i].iov_len = q->len[next];
				memset(&sm[i].msg_hdr, 0, sizeof sm[i].msg_hdr);
				sm[i].msg_hdr.msg_iov = &siov[i];
				sm[i].msg_hdr.msg_iovlen = 1;
				next = (next + 1) % q->n;
			}
			int s = sendmmsg(fd, sm, BATCH, MSG_DONTWAIT);
			if (s > 0)
				inflight += s;
		}
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (inflight + BATCH > WINDOW && poll(&pf, 1, 2) <= 0) {
			inflight = 0;   /* answers lost (queue overflow): reopen the window */
			continue;
		}
		for (;;) {
			for (int i = 0; i < BATCH; i++) {
				memset(&rm[i].msg_hdr, 0, sizeof rm[i].msg_hdr);
				rm[i].msg_hdr.msg_iov = &riov[i];
				rm[i].msg_hdr.msg_iovlen = 1;
			}
			int r = recvmmsg(fd, rm, BATCH, MSG_DONTWAIT, NULL);
			if (r <= 0)
				break;
			for (int i = 0; i < r; i++)
				if (rm[i].msg_len >= NTP_HEADER_LEN && rbuf[i][1] == 0)
					nak++;
			got += (unsigned long)r;
			inflight -= r;
			if (inflight < 0)
				inflight = 0;
		}
	}
	double el = mono_now() - t0;
	*naks = nak;
	*answers = got;
	return (double)got / el;
}

static int run_nts(const struct opts *o)
{
	char err[256] = "";
	struct nts_tls_creds *cc = NULL;
	static struct ntske_response resp;
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	if (tlscreds_client(o->ca, &cc, err, sizeof err) != NTS_OK) {
		fprintf(stderr, "ntsbench: CA: %s\n", err);
		return 1;
	}
	int rc = bench_ke_once(cc, o, &resp, c2s, s2c);
	if (rc != NTS_OK || resp.ncookies == 0) {
		fprintf(stderr, "ntsbench: NTS-KE failed: %s\n", nts_strerror(rc));
		return 1;
	}
	uint16_t port = resp.has_port ? resp.port : (o->ntp_port ? o->ntp_port : NTP_PORT);
	size_t klen = nts_aead_key_len(o->aead);
	struct nts_aead *ac = NULL, *as = NULL;
	nts_aead_new(o->aead, c2s, klen, &ac);
	nts_aead_new(o->aead, s2c, klen, &as);
	struct pool *p = calloc(1, sizeof *p);
	struct reqs *q = calloc(1, sizeof *q);
	p->cookie = calloc(MAX_POOL, NTS_COOKIE_MAX);
	q->pkt = calloc(MAX_POOL, REQ_MAX);
	for (size_t i = 0; i < resp.ncookies; i++) {
		memcpy(p->cookie[i], resp.cookies[i], resp.cookie_len[i]);
		p->len[i] = resp.cookie_len[i];
	}
	p->n = resp.ncookies;
	int fd = udp_connect(port);
	if (fd < 0 || grow_pool(fd, ac, as, p, o->pool) != 0) {
		fprintf(stderr, "ntsbench: could not collect %zu cookies (have %zu)\n", o->pool, p->n);
		return 1;
	}
	/* one request per cookie, each with its own UID, no placeholders:
	 * what a client holding 8 cookies sends */
	for (size_t i = 0; i < p->n; i++) {
		uint8_t uid[NTS_UID_LEN];
		struct nts_client_request req = { 0 };
		req.hdr.version = 4;
		req.hdr.mode = NTP_MODE_CLIENT;
		nts_random(&req.hdr.xmt, sizeof req.hdr.xmt);
		nts_random(uid, sizeof uid);
		req.uid = uid;
		req.uid_len = sizeof uid;
		req.cookie = p->cookie[i];
		req.cookie_len = p->len[i];
		size_t len = 0;
		if (nts_client_build_request(&req, ac, q->pkt[i], REQ_MAX, &len) != NTS_OK)
			return 1;
		q->len[i] = (uint16_t)len;
	}
	q->n = p->n;
	unsigned long naks = 0, answers = 0;
	double rate = blast(fd, q, o->secs, &naks, &answers);
	printf("mode=nts rate=%.0f answers=%lu naks=%lu cookies=%zu cookie_len=%u secs=%.1f\n", rate,
	       answers, naks, q->n, p->len[0], o->secs);
	return naks > answers / 100 ? 1 : 0;
}

static int run_plain(const struct opts *o)
{
	struct reqs *q = calloc(1, sizeof *q);
	q->pkt = calloc(MAX_POOL, REQ_MAX);
	q->n = 1024;
	for (size_t i = 0; i < q->n; i++) {
		memset(q->pkt[i], 0, NTP_HEADER_LEN);
		q->pkt[i][0] = 0x23;
		nts_random(q->pkt[i] + 40, 8);
		q->len[i] = NTP_HEADER_LEN;
	}
	int fd = udp_connect(o->ntp_port);
	if (fd < 0)
		return 1;
	unsigned long naks = 0, answers = 0;
	double rate = blast(fd, q, o->secs, &naks, &answers);
	printf("mode=plain rate=%.0f answers=%lu secs=%.1f\n", rate, answers, o->secs);
	return 0;
}

struct ke_thread {
	const struct opts *o;
	struct nts_tls_creds *cc;
	double end;
	unsigned long ok, bad;
	pthread_t th;
};

static void *bench_ke_loop(void *arg)
{
	struct ke_thread *k = arg;
	static __thread struct ntske_response resp;
	while (mono_now() < k->end) {
		if (bench_ke_once(k->cc, k->o, &resp, NULL, NULL) == NTS_OK && resp.ncookies == 8)
			k->ok++;
		else
			k->bad++;
	}
	return NULL;
}

static int run_ke(const struct opts *o)
{
	char err[256] = "";
	struct nts_tls_creds *cc = NULL;
	if (tlscreds_client(o->ca, &cc, err, sizeof err) != NTS_OK) {
		fprintf(stderr, "ntsbench: CA: %s\n", err);
		return 1;
	}
	struct ke_thread k[16];
	unsigned n = o->threads > 16 ? 16 : o->threads;
	double t0 = mono_now();
	for (unsigned i = 0; i < n; i++) {
		k[i] = (struct ke_thread){ .o = o, .cc = cc, .end = t0 + o->secs };
		pthread_create(&k[i].th, NULL, bench_ke_loop, &k[i]);
	}
	unsigned long ok = 0, bad = 0;
	for (unsigned i = 0; i < n; i++) {
		pthread_join(k[i].th, NULL);
		ok += k[i].ok;
		bad += k[i].bad;
	}
	double el = mono_now() - t0;
	printf("mode=ke rate=%.0f handshakes=%lu failed=%lu secs=%.2f\n", (double)ok / el, ok, bad, el);
	return ok > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o = { .sni = "localhost", .secs = 3, .pool = 2048, .threads = 2,
			  .aead = NTS_AEAD_AES_SIV_CMAC_256 };
	if (argc < 2) {
		fprintf(stderr, "usage: ntsbench nts|plain|ke [--ke PORT] [--ntp PORT] [--ca FILE]\n"
				"       [--sni NAME] [--secs S] [--pool N] [--threads N] [--aead ID]\n");
		return 2;
	}
	o.mode = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		bool ok = true;
		unsigned u = 0;
		if (strcmp(k, "--ke") == 0)
			ok = opt_port("ntsbench", k, v, &o.ke_port);
		else if (strcmp(k, "--ntp") == 0)
			ok = opt_port("ntsbench", k, v, &o.ntp_port);
		else if (strcmp(k, "--ca") == 0)
			o.ca = v;
		else if (strcmp(k, "--sni") == 0)
			o.sni = v;
		else if (strcmp(k, "--secs") == 0)
			ok = opt_double("ntsbench", k, v, 0.001, 600, &o.secs);
		else if (strcmp(k, "--pool") == 0) {
			ok = opt_unsigned("ntsbench", k, v, 8, MAX_POOL, &u);
			o.pool = u;
		} else if (strcmp(k, "--threads") == 0)
			ok = opt_unsigned("ntsbench", k, v, 1, 1024, &o.threads);
		else if (strcmp(k, "--aead") == 0) {
			int id = nts_aead_from_name(v);
			if (id < 0)
				fprintf(stderr, "ntsbench: --aead: unknown AEAD \"%s\"\n", v);
			ok = id >= 0;
			o.aead = (uint16_t)(id < 0 ? 0 : id);
		} else {
			fprintf(stderr, "ntsbench: unknown option %s\n", k);
			return 2;
		}
		if (!ok)
			return 2;
	}
	if (o.pool < 8 || o.pool > MAX_POOL || o.secs <= 0 || o.secs > 600 || o.threads == 0)
		return 2;
	if (strcmp(o.mode, "nts") == 0)
		return run_nts(&o);
	if (strcmp(o.mode, "plain") == 0)
		return run_plain(&o);
	if (strcmp(o.mode, "ke") == 0)
		return run_ke(&o);
	fprintf(stderr, "ntsbench: unknown mode %s\n", o.mode);
	return 2;
}
