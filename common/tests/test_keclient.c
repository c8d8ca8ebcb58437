/* Unit tests: common/keclient.c against a tiny NTS-KE server in a thread on
 * loopback (real TLS 1.3 with a throwaway certtool PKI from interop/lib.sh). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keclient.h"
#include "common/mono.h"
#include "common/tls_fd.h"
#include "common/tlscreds.h"
#include "common/tests/suites.h"
#include "nts/aead.h"
#include "nts/err.h"
#include "nts/ntske.h"

enum srv_mode {
	SRV_GOOD,        /* the whole response in one write */
	SRV_SPLIT,       /* the response in small pieces, records cut across reads */
	SRV_EARLY,       /* one record, then close_notify and close */
	SRV_SILENT,      /* never answers */
	SRV_HUGE_HEADER, /* a record announcing 65535 octets, then a close */
	SRV_NO_EOM,      /* records without End of Message, more than the client's buffer */
};

static char pki[4096];
static struct nts_tls_creds *srv_creds, *cli_creds;

struct server {
	enum srv_mode mode;
	int lfd;
	struct sockaddr_in addr;
	pthread_t th;
	size_t req_len;      /* the request as the server read it */
};

/* NextProtocol NTPv4, AEAD 15, one 16-octet cookie, End of Message. */
static const uint8_t good_resp[] = {
	0x80, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x80, 0x04, 0x00, 0x02, 0x00, 0x0f,
	0x00, 0x05, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	0x80, 0x00, 0x00, 0x00,
};

static void pki_setup(void)
{
	snprintf(pki, sizeof pki, "%s/pki", tv_tmpdir());
	const char *src = getenv("NTS_SRCDIR");
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "bash -c '. \"$0\"/interop/lib.sh && nts_mkpki \"$1\"' '%s' '%s'",
		 src ? src : ".", pki);
	ck_assert_int_eq(system(cmd), 0);
	char cert[4200], key[4200], ca[4200], err[256];
	snprintf(cert, sizeof cert, "%s/server.pem", pki);
	snprintf(key, sizeof key, "%s/server.key", pki);
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	ck_assert_msg(tlscreds_server(cert, key, &srv_creds, err, sizeof err) == NTS_OK, "%s", err);
	ck_assert_msg(tlscreds_client(ca, &cli_creds, err, sizeof err) == NTS_OK, "%s", err);
}

static void pki_teardown(void)
{
	nts_tls_creds_free(srv_creds);
	nts_tls_creds_free(cli_creds);
	srv_creds = cli_creds = NULL;
}

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void send_all(struct nts_tls *t, const uint8_t *p, size_t n)
{
	while (n > 0) {
		long w = nts_tls_send(t, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One connection, served on a blocking socket. */
static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	struct nts_tls *t = NULL;
	if (nts_tls_server_new(srv_creds, tls_fd_transport(fd), &t) != NTS_OK ||
	    nts_tls_handshake(t) != NTS_OK)
		goto out;
	uint8_t req[1024];
	size_t got = 0, mlen = 0;
	while (ntske_message_complete(req, got, &mlen) != 1 && got < sizeof req) {
		long n = nts_tls_recv(t, req + got, sizeof req - got);
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	s->req_len = mlen;
	switch (s->mode) {
	case SRV_GOOD:
		send_all(t, good_resp, sizeof good_resp);
		break;
	case SRV_SPLIT:
		/* 3 octets (half a header), then 7 (into a body), then the rest */
		send_all(t, good_resp, 3);
		nap_ms(30);
		send_all(t, good_resp + 3, 7);
		nap_ms(30);
		send_all(t, good_resp + 10, sizeof good_resp - 10);
		break;
	case SRV_EARLY:
		send_all(t, good_resp, 6);
		nts_tls_bye(t);
		break;
	case SRV_SILENT: {
		/* until the client gives up and closes */
		uint8_t b[16];
		while (nts_tls_recv(t, b, sizeof b) > 0)
			;
		break;
	}
	case SRV_HUGE_HEADER: {
		static const uint8_t hdr[] = {0x00, 0x05, 0xff, 0xff, 1, 2, 3, 4};
		send_all(t, hdr, sizeof hdr);
		nts_tls_bye(t);
		break;
	}
	case SRV_NO_EOM:
		for (int i = 0; i < 64; i++)
			send_all(t, good_resp + 12, 20);   /* cookie records, no End of Message */
		nts_tls_bye(t);
		break;
	}
out:
	nts_tls_free(t);
	close(fd);
	return NULL;
}

static void server_start(struct server *s, enum srv_mode mode)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->lfd, 0);
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&s->addr, sizeof s->addr), 0);
	socklen_t len = sizeof s->addr;
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&s->addr, &len), 0);
	ck_assert_int_eq(listen(s->lfd, 4), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static uint8_t req[256];
static size_t req_len;

static struct keclient *client(const struct server *s, size_t cap, bool with_req)
{
	struct ntske_request q = {.protos = {NTSKE_PROTO_NTPV4}, .nprotos = 1,
				  .aeads = {NTS_AEAD_AES_SIV_CMAC_256}, .naeads = 1};
	ck_assert_int_eq(ntske_request_build(&q, req, sizeof req, &req_len), NTS_OK);
	struct keclient_opts o = {.addr = (const struct sockaddr *)&s->addr,
				  .addr_len = sizeof s->addr, .creds = cli_creds,
				  .tls = {.sni = "localhost", .verify = true},
				  .req = with_req ? req : NULL, .req_len = with_req ? req_len : 0,
				  .resp_cap = cap, .nodelay = true};
	struct keclient *k = keclient_start(&o);
	ck_assert(k != NULL);
	return k;
}

static void check_good_response(struct keclient *k)
{
	size_t len;
	const uint8_t *msg = keclient_data(k, &len);
	ck_assert_uint_eq(len, sizeof good_resp);
	ck_assert_mem_eq(msg, good_resp, len);
	static struct ntske_response r;
	ck_assert_int_eq(ntske_response_parse(msg, len, &r), NTS_OK);
	ck_assert_uint_eq(r.ncookies, 1);
	uint8_t c2s[32], s2c[32];
	ck_assert_int_eq(nts_tls_export_keys(keclient_tls(k), NTSKE_PROTO_NTPV4,
					     NTS_AEAD_AES_SIV_CMAC_256, c2s, s2c, 32), NTS_OK);
}

/* Run one blocking exchange against a server in mode; the exchange's
 * result must be want. The caller checks more, then frees and stops. */
static struct keclient *blocking(struct server *s, enum srv_mode mode, size_t cap, int want)
{
	server_start(s, mode);
	struct keclient *k = client(s, cap, true);
	ck_assert_int_eq(keclient_run(k, KECLIENT_DONE, mono_now() + 10), want);
	ck_assert_int_eq(keclient_rc(k), want);
	return k;
}

static void finish(struct server *s, struct keclient *k, bool bye)
{
	keclient_free(k, bye);
	server_stop(s);
}

/* A good exchange: the whole response, keys, and the server read the whole request. */
static void finish_good(struct server *s, struct keclient *k)
{
	ck_assert_int_eq(keclient_phase(k), KECLIENT_DONE);
	check_good_response(k);
	finish(s, k, true);
	ck_assert_uint_eq(s->req_len, req_len);
}

START_TEST(keclient_success_blocking)
{
	struct server s;
	finish_good(&s, blocking(&s, SRV_GOOD, 0, NTS_OK));
}
END_TEST

/* The way ntsd's loop drives it: step only when poll says the socket is
 * ready, the request given in pieces after the handshake. */
START_TEST(keclient_success_stepped)
{
	struct server s;
	server_start(&s, SRV_GOOD);
	struct keclient *k = client(&s, 0, false);
	ck_assert_int_eq(keclient_phase(k), KECLIENT_CONNECT);
	ck_assert_int_eq(keclient_events(k), POLLOUT);   /* even for loopback */
	size_t sent = 0;
	double end = mono_now() + 10;
	while (keclient_phase(k) < KECLIENT_DONE && mono_now() < end) {
		if (keclient_phase(k) == KECLIENT_READY) {
			/* half, then the rest */
			size_t n = sent ? req_len - sent : req_len / 2;
			ck_assert_int_eq(keclient_send(k, req + sent, n, sent + n == req_len), NTS_OK);
			sent += n;
			keclient_step(k);
			continue;
		}
		struct pollfd p = {.fd = keclient_fd(k), .events = keclient_events(k)};
		ck_assert(p.events != 0);
		if (poll(&p, 1, 1000) == 1)
			keclient_step(k);
	}
	ck_assert_int_eq(keclient_send(k, req, 1, true), NTS_E_INVAL);
	finish_good(&s, k);
}
END_TEST

START_TEST(keclient_split_records)
{
	struct server s;
	finish_good(&s, blocking(&s, SRV_SPLIT, 0, NTS_OK));
}
END_TEST

START_TEST(keclient_closed_early)
{
	struct server s;
	struct keclient *k = blocking(&s, SRV_EARLY, 0, NTS_E_KE_NO_EOM);
	ck_assert_int_eq(keclient_phase(k), KECLIENT_FAILED);
	ck_assert_int_eq(keclient_failed_in(k), KECLIENT_RECV);
	size_t len;
	keclient_data(k, &len);
	ck_assert_uint_eq(len, 6);   /* what arrived before the close */
	ck_assert_str_eq(keclient_error(k), "closed before End of Message");
	finish(&s, k, false);
}
END_TEST

START_TEST(keclient_deadline)
{
	struct server s;
	server_start(&s, SRV_SILENT);
	struct keclient *k = client(&s, 0, true);
	double t0 = mono_now();
	ck_assert_int_eq(keclient_run(k, KECLIENT_DONE, t0 + 0.3), NTS_E_TLS_AGAIN);
	double took = mono_now() - t0;
	ck_assert_msg(took >= 0.25 && took < 5, "took %.3f s", took);
	ck_assert_int_eq(keclient_phase(k), KECLIENT_RECV);   /* still waiting, can go on */
	ck_assert_int_eq(keclient_rc(k), NTS_OK);
	ck_assert_int_eq(keclient_events(k), POLLIN);
	finish(&s, k, false);
}
END_TEST

START_TEST(keclient_oversized)
{
	/* a header past the limit, then EOF: cut short inside it */
	struct server s;
	struct keclient *k = blocking(&s, SRV_HUGE_HEADER, 0, NTS_E_KE_TRUNC);
	ck_assert_int_eq(keclient_failed_in(k), KECLIENT_RECV);
	finish(&s, k, false);
	/* more than the buffer holds without End of Message */
	k = blocking(&s, SRV_NO_EOM, 256, NTS_E_KE_TOO_LONG);
	size_t len;
	keclient_data(k, &len);
	ck_assert_uint_eq(len, 256);
	finish(&s, k, false);
}
END_TEST

START_TEST(keclient_connect_refused)
{
	struct server s;
	memset(&s, 0, sizeof s);
	/* a port bound but not listening refuses */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	s.addr.sin_family = AF_INET;
	s.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s.addr, sizeof s.addr), 0);
	socklen_t len = sizeof s.addr;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&s.addr, &len), 0);
	struct keclient *k = client(&s, 0, true);
	ck_assert_int_eq(keclient_run(k, KECLIENT_DONE, mono_now() + 10), NTS_E_IO);
	ck_assert_int_eq(keclient_failed_in(k), KECLIENT_CONNECT);
	ck_assert_int_eq(keclient_errno(k), ECONNREFUSED);
	ck_assert(keclient_tls(k) == NULL);
	keclient_free(k, false);
	close(fd);
}
END_TEST

Suite *keclient_suite(void)
{
	Suite *s = suite_create("keclient");
	TCase *tc = tcase_create("exchange");
	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_add_test(tc, keclient_success_blocking);
	tcase_add_test(tc, keclient_success_stepped);
	tcase_add_test(tc, keclient_split_records);
	tcase_add_test(tc, keclient_closed_early);
	tcase_add_test(tc, keclient_deadline);
	tcase_add_test(tc, keclient_oversized);
	tcase_add_test(tc, keclient_connect_refused);
	suite_add_tcase(s, tc);
	return s;
}
