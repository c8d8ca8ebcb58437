/* nts-fuzz serve: a hostile NTS-KE and NTP server for fuzzing clients. It
 * does a real KE (so clients get working keys and cookies) and then, for a
 * share of the answers set by --rate, sends mutated KE responses and NTP
 * responses mutated behind a valid S2C authenticator, garbage, NAKs, drops
 * and stalls. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/tls_fd.h"
#include "common/tlscreds.h"
#include "fuzz.h"
#include "netfuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/serve.h"
#include "nts/tls.h"

#define PKT_CAP 4096

struct serve {
	struct fuzz_opts *o;
	struct rng r;
	struct nts_tls_creds *creds;
	struct nts_cookie_ring *ring;
	struct nts_server *srv;
	struct nts_counters counters;
	struct hist ke_req, ke_act, ntp_req, ntp_act;
	unsigned long ke_conns, ntp_pkts;
};

static int listen_socket(const struct endpoint *ep, int type)
{
	int fd = socket(ep->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&ep->sa, ep->len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- NTS-KE */

/* A real response for the client's request: keys from this session's
 * exporter, eight cookies from our ring, our NTP port. */
static size_t serve_ke_answer(struct serve *sv, struct netfuzz_tls_conn *c, const uint8_t *req, size_t len,
			uint8_t *out, size_t cap)
{
	static const uint16_t ours[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };
	static struct ntske_request q;
	static struct ntske_response resp;
	uint16_t kerr = 1, proto, aead;
	size_t olen = 0;
	memset(&q, 0, sizeof q);
	memset(&resp, 0, sizeof resp);
	int rc = ntske_request_parse(req, len, &q, &kerr);
	hist_add(&sv->ke_req, rc == NTS_OK ? "request-ok" : nts_errname(rc));
	if (rc == NTS_OK)
		rc = ntske_select(&q, ours, 2, &proto, &aead);
	if (rc != NTS_OK) {
		resp.has_error = true;
		resp.error_code = kerr;
	} else {
		uint8_t c2s[64], s2c[64];
		size_t klen = nts_aead_key_len(aead);
		if (nts_tls_export_keys(c->tls, proto, aead, c2s, s2c, klen) != NTS_OK)
			return 0;
		resp.has_proto = resp.has_aead = true;
		resp.proto = proto;
		resp.aead = aead;
		resp.has_port = true;
		resp.port = endpoint_port(&sv->o->listen_ntp);
		for (size_t i = 0; i < NTS_MAX_COOKIES; i++) {
			size_t cl = 0;
			if (nts_cookie_seal(sv->ring, aead, c2s, s2c, klen, resp.cookies[i],
					    sizeof resp.cookies[i], &cl) != NTS_OK)
				return 0;
			resp.cookie_len[i] = (uint16_t)cl;
			resp.ncookies++;
		}
	}
	return ntske_response_build(&resp, out, cap, &olen) == NTS_OK ? olen : 0;
}

static void serve_ke(struct serve *sv, int lfd)
{
	static uint8_t req[NTSKE_MAX_MESSAGE + 1024], out[NTSKE_MAX_MESSAGE * 2];
	struct netfuzz_tls_conn c = { -1, NULL };
	c.fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c.fd < 0)
		return;
	sv->ke_conns++;
	double deadline = mono_now() + 3.0;
	int rc = nts_tls_server_new(sv->creds, tls_fd_transport(c.fd), &c.tls);
	while (rc == NTS_OK || rc == NTS_E_TLS_AGAIN) {
		if ((rc = nts_tls_handshake(c.tls)) != NTS_E_TLS_AGAIN)
			break;
		struct pollfd p = { c.fd, (short)(nts_tls_want_write(c.tls) ? POLLOUT : POLLIN), 0 };
		if (mono_now() > deadline || poll(&p, 1, 100) < 0)
			break;
	}
	if (rc != NTS_OK) {
		if (sv->o->verbose)
			fprintf(stderr, "serve: handshake: %s: %s\n", nts_errname(rc),
				c.tls ? nts_tls_error(c.tls) : "");
		hist_add(&sv->ke_req, "handshake-failed");
		netfuzz_tls_close(&c, false);
		return;
	}
	enum netfuzz_end end;
	long n = netfuzz_tls_recv_message(&c, req, sizeof req, deadline, &end);
	if (end != KE_END_MESSAGE) {
		hist_add(&sv->ke_req, "no-whole-request");
		netfuzz_tls_close(&c, false);
		return;
	}
	size_t len = serve_ke_answer(sv, &c, req, (size_t)n, out, sizeof out);
	/* the first exchange is always valid, so the client reaches NTP */
	if (sv->ke_conns == 1 || !rng_chance(&sv->r, sv->o->ke_rate)) {
		hist_add(&sv->ke_act, "valid");
		netfuzz_tls_send(&c, out, len, 0, mono_now() + 2.0);
		netfuzz_tls_close(&c, true);
		return;
	}
	char act[96];
	switch (rng_below(&sv->r, 10)) {
	case 0:
		hist_add(&sv->ke_act, "close-without-answer");
		break;
	case 1:
		/* stall: the client must time out on its own */
		hist_add(&sv->ke_act, "stall-2s");
		sleep_ms(2000);
		break;
	case 2:
		hist_add(&sv->ke_act, "drip");
		netfuzz_tls_send(&c, out, len, 20, mono_now() + 2.0);
		break;
	case 3:
		hist_add(&sv->ke_act, "garbage");
		rng_bytes(&sv->r, out, 64 + rng_below(&sv->r, 512));
		netfuzz_tls_send(&c, out, 64, 0, mono_now() + 2.0);
		break;
	default:
		len = netfuzz_ke_mutate_message(&sv->r, out, len, sizeof out);
		snprintf(act, sizeof act, "mutated:%s", netfuzz_mutation_name());
		hist_add(&sv->ke_act, act);
		netfuzz_tls_send(&c, out, len, 0, mono_now() + 2.0);
		break;
	}
	netfuzz_tls_close(&c, rng_chance(&sv->r, 50));
}

/* ---- NTP */

/* A response to an authenticated request, built field by field so each
 * part can be wrong while the S2C authenticator still verifies. */
static size_t serve_ntp_mutated(struct serve *sv, const struct nts_server_request *q, uint8_t *out,
			  char *act, size_t actlen)
{
	struct rng *r = &sv->r;
	struct ntp_hdr h = q->hdr;
	struct nts_wr w;
	struct nts_aead *s2c = NULL;
	uint8_t inner[2048];
	struct nts_wr iw;
	size_t ncookies = 1 + q->placeholders;
	const char *what = "ok";
	h.mode = NTP_MODE_SERVER;
	h.stratum = 2;
	h.org = q->hdr.xmt;
	h.rec = h.xmt = q->hdr.xmt + (1ull << 32);
	h.refid = 0x7f000001;
	nts_wr_init(&iw, inner, sizeof inner);
	unsigned op = rng_below(r, 14);
	switch (op) {
	case 0: h.mode = (uint8_t)rng_below(r, 8); what = "header-mode"; break;
	case 1: h.stratum = 0; h.refid = 0x52415445; what = "kod-rate"; break;
	case 2: h.org ^= 1; what = "origin-mismatch"; break;
	case 3: h.leap = 3; h.stratum = 16; what = "unsynchronised"; break;
	case 4: ncookies = rng_below(r, 13); what = "cookie-count"; break;
	case 5: ncookies = 0; what = "no-cookies"; break;
	default: break;
	}
	nts_wr_init(&w, out, PKT_CAP);
	uint8_t *hp;
	nts_wr_reserve(&w, NTP_HEADER_LEN, &hp);
	ntp_hdr_write(&h, hp, NTP_HEADER_LEN);
	if (op == 6) {
		uint8_t uid[32];
		rng_bytes(r, uid, sizeof uid);
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, uid, sizeof uid);
		what = "wrong-uid";
	} else if (op != 7) {
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, q->uid, q->uid_len);
	} else {
		what = "no-uid";
	}
	if (op == 8) {
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, q->uid, q->uid_len);
		what = "duplicate-uid";
	}
	for (size_t i = 0; i < ncookies; i++) {
		uint8_t ck[NTS_COOKIE_MAX];
		size_t cl = 0;
		if (op == 9) {
			cl = 1 + rng_below(r, NTS_COOKIE_MAX + 100);
			rng_bytes(r, ck, cl < sizeof ck ? cl : sizeof ck);
			what = "cookie-sizes";
		} else if (nts_cookie_seal(sv->ring, q->aead, q->c2s, q->s2c, q->key_len, ck, sizeof ck, &cl) != NTS_OK) {
			continue;
		}
		if (cl > sizeof ck) {
			nts_wr_u16(&iw, NTP_EF_NTS_COOKIE);
			nts_wr_u16(&iw, (uint16_t)(cl + 4));
			nts_wr_zero(&iw, cl);
		} else {
			ntp_ef_write(&iw, NTP_EF_NTS_COOKIE, ck, cl);
		}
	}
	if (op == 10) {
		uint8_t junk[8];
		rng_bytes(r, junk, sizeof junk);
		nts_wr_bytes(&iw, junk, 1 + rng_below(r, 8));
		what = "inner-malformed";
	}
	if (op == 11) {
		uint8_t body[40];
		rng_bytes(r, body, sizeof body);
		ntp_ef_write(&iw, (uint16_t)rng_next(r), body, rng_below(r, 40));
		what = "inner-unknown-field";
	}
	size_t nonce_len = 16, pad = 0;
	if (op == 12) {
		nonce_len = rng_below(r, 40);
		pad = 4 * rng_below(r, 5);
		what = "nonce-length";
	}
	if (nts_aead_new(q->aead, q->s2c, q->key_len, &s2c) != NTS_OK)
		return 0;
	bool ok = fuzz_append_auth(&w, s2c, nonce_len, pad, inner, iw.err ? 0 : iw.pos, op == 13);
	nts_aead_free(s2c);
	if (op == 13)
		what = "tampered-tag";
	snprintf(act, actlen, "mutated:%s", what);
	return ok ? w.pos : 0;
}

static void serve_ntp(struct serve *sv, int fd)
{
	static uint8_t pkt[PKT_CAP], out[PKT_CAP];
	static struct nts_server_request q;
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return;
	sv->ntp_pkts++;
	memset(&q, 0, sizeof q);
	int rc = nts_server_parse_request(sv->srv, pkt, (size_t)n, &q);
	hist_add(&sv->ntp_req, rc == NTS_OK ? "request-ok" : nts_errname(rc));
	size_t len = 0;
	char act[96] = "drop";
	if (rc == NTS_OK) {
		struct ntp_hdr h = q.hdr;
		h.mode = NTP_MODE_SERVER;
		h.stratum = 2;
		h.org = q.hdr.xmt;
		h.rec = h.xmt = q.hdr.xmt;
		if (!rng_chance(&sv->r, sv->o->rate)) {
			if (nts_server_build_response(sv->srv, &q, &h, out, sizeof out, &len) == NTS_OK)
				snprintf(act, sizeof act, "valid");
		} else {
			/* a NAK or a drop sends most clients back to a slow NTS-KE
			 * retry, so they are rare: mutations behind a valid tag
			 * keep the client polling */
			unsigned pick = rng_below(&sv->r, 100);
			if (pick < 4) {
				len = 0;
				snprintf(act, sizeof act, "drop");
			} else if (pick < 6) {
				nts_server_build_nak(&q, out, sizeof out, &len);
				snprintf(act, sizeof act, "nak");
			} else if (pick < 14) {
				len = 48 + rng_below(&sv->r, 200);
				rng_bytes(&sv->r, out, len);
				snprintf(act, sizeof act, "garbage");
			} else {
				len = serve_ntp_mutated(sv, &q, out, act, sizeof act);
			}
		}
	} else if (q.uid && nts_serve_err_naks(rc)) {
		nts_server_build_nak(&q, out, sizeof out, &len);
		snprintf(act, sizeof act, "nak");
	}
	hist_add(&sv->ntp_act, act);
	if (len > 0)
		sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
	/* sometimes answer twice: a client must ignore the replay */
	if (len > 0 && rng_chance(&sv->r, 3)) {
		sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
		hist_add(&sv->ntp_act, "sent-twice");
	}
}

int cmd_serve(struct fuzz_opts *o)
{
	static struct serve sv;
	char err[256];
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	sv.o = o;
	rng_seed(&sv.r, o->seed);
	if (tlscreds_server(o->cert, o->key, &sv.creds, err, sizeof err) != NTS_OK) {
		fprintf(stderr, "nts-fuzz serve: %s\n", err);
		return 2;
	}
	if (nts_cookie_ring_new(&cfg, NULL, &sv.ring) != NTS_OK ||
	    nts_cookie_ring_rotate(sv.ring, time(NULL), true) < 0 ||
	    nts_server_new(sv.ring, &sv.counters, &sv.srv) != NTS_OK) {
		fprintf(stderr, "nts-fuzz serve: cannot set up the cookie ring\n");
		return 2;
	}
	int kfd = listen_socket(&o->listen_ke, SOCK_STREAM);
	int ufd = listen_socket(&o->listen_ntp, SOCK_DGRAM);
	if (kfd < 0 || ufd < 0) {
		fprintf(stderr, "nts-fuzz serve: cannot listen on %s / %s: %s\n", o->listen_ke.text,
			o->listen_ntp.text, strerror(errno));
		return 2;
	}
	printf("nts-fuzz serve: NTS-KE %s, NTP %s, seed %" PRIu64 ", %u%% of KE and %u%% of NTP answers"
	       " mutated, %.0fs\n", o->listen_ke.text, o->listen_ntp.text, o->seed, o->ke_rate, o->rate,
	       o->duration);
	fflush(stdout);
	double start = mono_now(), end = start + o->duration;
	while (mono_now() < end) {
		struct pollfd p[2] = { { kfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			serve_ntp(&sv, ufd);
		if (p[0].revents & POLLIN)
			serve_ke(&sv, kfd);
	}
	double secs = mono_now() - start;
	printf("nts-fuzz serve report: seed %" PRIu64 ", %.0fs\n", o->seed, secs);
	printf("  NTS-KE connections %lu\n  requests seen:\n", sv.ke_conns);
	hist_print(&sv.ke_req, "    ");
	printf("  answers sent:\n");
	hist_print(&sv.ke_act, "    ");
	printf("  NTP datagrams %lu (%.1f/s)\n  requests seen:\n", sv.ntp_pkts, secs > 0 ? sv.ntp_pkts / secs : 0.0);
	hist_print(&sv.ntp_req, "    ");
	printf("  answers sent:\n");
	hist_print(&sv.ntp_act, "    ");
	close(kfd);
	close(ufd);
	nts_server_free(sv.srv);
	nts_cookie_ring_free(sv.ring);
	nts_tls_creds_free(sv.creds);
	return 0;
}
