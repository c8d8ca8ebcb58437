/* Unit tests: the NTS client association (nts_assoc.c) against libnts's own
 * server side, one decision per test. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_assoc.h"
#include "nts/nts_ef.h"
#include "suites.h"

#define HOST "ke.example.net"
#define WALL 1700000000

/* A KE server's view: the ring that seals cookies and the session keys the
 * exporter hands out. */
struct srv {
	struct nts_cookie_ring *ring;
	struct nts_server *ntp;
	struct nts_counters ctr;
	uint16_t aead;
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	unsigned exports;
	bool export_fails;
};

static void srv_init(struct srv *s, uint16_t aead, uint8_t key_seed)
{
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	memset(s, 0, sizeof *s);
	s->aead = aead;
	for (size_t i = 0; i < NTS_AEAD_MAX_KEY; i++) {
		s->c2s[i] = (uint8_t)(key_seed + i);
		s->s2c[i] = (uint8_t)(key_seed + 0x80 + i);
	}
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &s->ring), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_rotate(s->ring, WALL, true), 1);
	ck_assert_int_eq(nts_server_new(s->ring, &s->ctr, &s->ntp), NTS_OK);
}

static void srv_free(struct srv *s)
{
	nts_server_free(s->ntp);
	nts_cookie_ring_free(s->ring);
}

static int exporter(void *ctx, uint16_t aead, uint8_t *c2s, uint8_t *s2c, size_t key_len)
{
	struct srv *s = ctx;
	s->exports++;
	if (s->export_fails)
		return NTS_E_TLS;
	ck_assert_uint_eq(aead, s->aead);
	ck_assert_uint_eq(key_len, nts_aead_key_len(aead));
	memcpy(c2s, s->c2s, key_len);
	memcpy(s2c, s->s2c, key_len);
	return NTS_OK;
}

struct ke_opts {
	size_t ncookies;
	const char *server;
	int port;
	uint16_t aead;       /* 0: the server's */
	bool error;
};

/* A KE response message with ncookies fresh cookies of the server. */
static size_t ke_msg(struct srv *s, const struct ke_opts *o, uint8_t *out, size_t cap)
{
	static struct ntske_response r;
	size_t len;
	memset(&r, 0, sizeof r);
	if (o->error) {
		r.has_error = true;
		r.error_code = NTSKE_ERR_BAD_REQUEST;
	} else {
		r.has_proto = r.has_aead = true;
		r.proto = NTSKE_PROTO_NTPV4;
		r.aead = o->aead ? o->aead : s->aead;
		for (size_t i = 0; i < o->ncookies; i++) {
			size_t cl;
			ck_assert_int_eq(nts_cookie_seal(s->ring, s->aead, s->c2s, s->s2c,
							 nts_aead_key_len(s->aead), r.cookies[i],
							 NTS_COOKIE_MAX, &cl), NTS_OK);
			r.cookie_len[i] = (uint16_t)cl;
		}
		r.ncookies = o->ncookies;
		if (o->server) {
			r.has_server = true;
			strcpy(r.server, o->server);
		}
		if (o->port) {
			r.has_port = true;
			r.port = (uint16_t)o->port;
		}
	}
	ck_assert_int_eq(ntske_response_build(&r, out, cap, &len), NTS_OK);
	return len;
}

static struct nts_assoc *new_assoc(struct nts_counters *ctr, uint16_t aead)
{
	struct nts_assoc_params p = { .ke_host = HOST, .counters = ctr };
	struct nts_assoc *a;
	if (aead) {
		p.aeads[0] = aead;
		p.naeads = 1;
	}
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_OK);
	return a;
}

/* Run a whole KE against s: begin, then the response. */
static int do_ke(struct nts_assoc *a, struct srv *s, const struct ke_opts *o, double mono,
		 struct nts_assoc_ke_result *res)
{
	uint8_t req[256], msg[8192];
	size_t rlen;
	ck_assert_int_eq(nts_assoc_ke_begin(a, req, sizeof req, &rlen), NTS_OK);
	size_t len = ke_msg(s, o, msg, sizeof msg);
	return nts_assoc_ke_response(a, msg, len, exporter, s, mono, WALL, res);
}

static struct nts_assoc *ready_assoc(struct srv *s, struct nts_counters *ctr)
{
	struct nts_assoc *a = new_assoc(ctr, s->aead);
	struct nts_assoc_ke_result res;
	struct ke_opts o = { .ncookies = 8 };
	ck_assert_int_eq(do_ke(a, s, &o, 10.0, &res), NTS_OK);
	return a;
}

static size_t client_pkt(uint8_t *pkt)
{
	struct ntp_hdr h = { .version = 4, .mode = NTP_MODE_CLIENT, .xmt = 0x1122334455667788ull };
	memset(pkt, 0, NTP_MAX_PACKET);
	ck_assert_int_eq(ntp_hdr_write(&h, pkt, NTP_HEADER_LEN), NTS_OK);
	return NTP_HEADER_LEN;
}

/* Wrap a request and have the server parse it. */
static size_t request(struct nts_assoc *a, struct srv *s, uint8_t *pkt,
		      struct nts_server_request *sreq)
{
	size_t len;
	client_pkt(pkt);
	ck_assert_int_eq(nts_assoc_wrap(a, pkt, NTP_MAX_PACKET, &len), NTS_OK);
	ck_assert_int_eq(nts_server_parse_request(s->ntp, pkt, len, sreq), NTS_OK);
	return len;
}

static const struct ntp_hdr resp_hdr = {
	.version = 4, .mode = NTP_MODE_SERVER, .stratum = 1, .refid = 0x47505300u,
	.rec = 1, .xmt = 2,
};

static size_t answer(struct srv *s, const struct nts_server_request *sreq, uint8_t *out)
{
	size_t len;
	ck_assert_int_eq(nts_server_build_response(s->ntp, sreq, &resp_hdr, out, NTP_MAX_PACKET,
						   &len), NTS_OK);
	return len;
}

static size_t nak(const struct nts_server_request *sreq, uint8_t *out)
{
	size_t len;
	ck_assert_int_eq(nts_server_build_nak(sreq, out, NTP_MAX_PACKET, &len), NTS_OK);
	return len;
}

static size_t jar(const struct nts_assoc *a)
{
	struct nts_assoc_info i;
	nts_assoc_info(a, &i);
	return i.ncookies;
}

/* ---- construction */

START_TEST(new_rejects)
{
	struct nts_assoc *a;
	struct nts_assoc_params p = { .ke_host = "" };
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_E_INVAL);
	p.ke_host = NULL;
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_E_INVAL);
	p.ke_host = HOST;
	p.aeads[0] = NTS_AEAD_AES_128_GCM_SIV;   /* not in this build */
	p.naeads = 1;
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_E_INVAL);
	p.naeads = NTS_ASSOC_MAX_AEADS + 1;
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_E_INVAL);
}
END_TEST

/* No keys: KE now, nothing to send; the request offers NTPv4 and AEAD 15
 * by default, 17 first when configured so. */
START_TEST(initial_plan_and_request)
{
	struct nts_assoc_params p = { .ke_host = HOST };
	struct nts_assoc *a;
	struct nts_assoc_plan plan;
	struct ntske_request req;
	uint8_t msg[256];
	size_t len;
	uint16_t kerr;

	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_OK);
	nts_assoc_plan(a, 0, WALL, &plan);
	ck_assert(!plan.can_send);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_INITIAL);
	ck_assert(plan.ke_now);
	ck_assert_int_eq(nts_assoc_ke_begin(a, msg, sizeof msg, &len), NTS_OK);
	ck_assert_int_eq(ntske_request_parse(msg, len, &req, &kerr), NTS_OK);
	ck_assert_uint_eq(req.nprotos, 1);
	ck_assert_uint_eq(req.protos[0], NTSKE_PROTO_NTPV4);
	ck_assert_uint_eq(req.naeads, 1);
	ck_assert_uint_eq(req.aeads[0], NTS_AEAD_AES_SIV_CMAC_256);
	/* one exchange at a time; while it runs the plan does not start another */
	ck_assert_int_eq(nts_assoc_ke_begin(a, msg, sizeof msg, &len), NTS_E_INVAL);
	nts_assoc_plan(a, 0, WALL, &plan);
	ck_assert(!plan.ke_now);
	ck_assert(nts_assoc_ke_running(a));
	nts_assoc_free(a);

	p.aeads[0] = NTS_AEAD_AES_SIV_CMAC_512;
	p.aeads[1] = NTS_AEAD_AES_SIV_CMAC_256;
	p.naeads = 2;
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_OK);
	ck_assert_int_eq(nts_assoc_ke_begin(a, msg, sizeof msg, &len), NTS_OK);
	ck_assert_int_eq(ntske_request_parse(msg, len, &req, &kerr), NTS_OK);
	ck_assert_uint_eq(req.naeads, 2);
	ck_assert_uint_eq(req.aeads[0], NTS_AEAD_AES_SIV_CMAC_512);
	ck_assert_uint_eq(req.aeads[1], NTS_AEAD_AES_SIV_CMAC_256);
	nts_assoc_free(a);
}
END_TEST

/* ---- NTS-KE results */

static const uint16_t both[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };

START_TEST(ke_success_fills_jar)
{
	struct srv s;
	struct nts_counters ctr = { 0 };
	struct nts_assoc_ke_result res;
	struct nts_assoc_info info;
	struct nts_assoc_plan plan;
	struct ke_opts o = { .ncookies = 8 };

	srv_init(&s, both[_i], 1);
	struct nts_assoc *a = new_assoc(&ctr, s.aead);
	ck_assert_int_eq(do_ke(a, &s, &o, 10.0, &res), NTS_OK);
	ck_assert_uint_eq(res.aead, s.aead);
	ck_assert_uint_eq(res.ncookies, 8);
	ck_assert_uint_gt(res.cookie_len, 0);
	/* no Server/Port records: the KE host on port 123 (section 4.1.7) */
	ck_assert_str_eq(res.ntp_host, HOST);
	ck_assert_uint_eq(res.ntp_port, 123);
	ck_assert(!res.server_record && !res.port_record);
	nts_assoc_info(a, &info);
	ck_assert(info.have_keys);
	ck_assert_uint_eq(info.aead, s.aead);
	ck_assert_uint_eq(info.ncookies, 8);
	ck_assert_int_eq(info.ke_wall, WALL);
	ck_assert(!info.ke_running);
	ck_assert_uint_eq(ctr.ke_probes_good, 1);
	ck_assert_uint_eq(ctr.ke_probes_bad, 0);
	nts_assoc_plan(a, 11.0, WALL + 1, &plan);
	ck_assert(plan.can_send);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

START_TEST(ke_server_port_records)
{
	struct srv s;
	struct nts_assoc_ke_result res;
	struct nts_assoc_info info;
	struct ke_opts o = { .ncookies = 3, .server = "ntp1.example.net", .port = 12345 };

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = new_assoc(NULL, 0);
	ck_assert_int_eq(do_ke(a, &s, &o, 0, &res), NTS_OK);
	ck_assert_str_eq(res.ntp_host, "ntp1.example.net");
	ck_assert_uint_eq(res.ntp_port, 12345);
	ck_assert(res.server_record && res.port_record);
	nts_assoc_info(a, &info);
	ck_assert_str_eq(info.ntp_host, "ntp1.example.net");
	ck_assert_uint_eq(info.ntp_port, 12345);
	ck_assert(info.ntp_from_record);
	ck_assert_uint_eq(info.ncookies, 3);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* More cookies than a jar holds: the first eight are kept. */
START_TEST(ke_too_many_cookies)
{
	uint8_t msg[8192], req[256];
	size_t len, rlen;
	struct srv s;
	struct nts_assoc_ke_result res;
	struct ke_opts o = { .ncookies = 8 };

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = new_assoc(NULL, 0);
	len = ke_msg(&s, &o, msg, sizeof msg);
	/* append two more New Cookie records before End of Message */
	struct nts_wr w;
	uint8_t extra[8192];
	nts_wr_init(&w, extra, sizeof extra);
	nts_wr_bytes(&w, msg, len - 4);
	ntske_record_write(&w, false, NTSKE_REC_COOKIE, "0123456789", 10);
	ntske_record_write(&w, false, NTSKE_REC_COOKIE, "abcdefghij", 10);
	ntske_record_write(&w, true, NTSKE_REC_EOM, NULL, 0);
	ck_assert(!w.err);
	ck_assert_int_eq(nts_assoc_ke_begin(a, req, sizeof req, &rlen), NTS_OK);
	ck_assert_int_eq(nts_assoc_ke_response(a, extra, w.pos, exporter, &s, 0, WALL, &res), NTS_OK);
	ck_assert_uint_eq(res.ncookies, 8);
	ck_assert_uint_eq(jar(a), 8);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Failures keep the old state, count a bad probe and arm back-off. */
START_TEST(ke_failures)
{
	struct srv s;
	struct nts_counters ctr = { 0 };
	struct nts_assoc_ke_result res;
	struct nts_assoc_info info;
	uint8_t msg[8192], req[256];
	size_t len;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, &ctr);

	/* the server chose an AEAD we did not offer */
	struct ke_opts o = { .ncookies = 8, .aead = NTS_AEAD_AES_SIV_CMAC_512 };
	ck_assert_int_eq(do_ke(a, &s, &o, 20, &res), NTS_E_KE_AEAD_NOT_OFFERED);
	ck_assert_double_gt(res.retry_in, 0);
	/* an Error record */
	struct ke_opts e = { .error = true };
	ck_assert_int_eq(do_ke(a, &s, &e, 21, &res), NTS_E_KE_ERROR_RECORD);
	ck_assert_uint_eq(res.error_code, NTSKE_ERR_BAD_REQUEST);
	/* no cookies at all */
	struct ke_opts none = { .ncookies = 0 };
	ck_assert_int_eq(do_ke(a, &s, &none, 22, &res), NTS_E_KE_NO_COOKIE);
	/* the exporter failed */
	s.export_fails = true;
	ck_assert_int_eq(do_ke(a, &s, &(struct ke_opts){ .ncookies = 8 }, 23, &res), NTS_E_TLS);
	s.export_fails = false;
	/* garbage */
	ck_assert_int_eq(nts_assoc_ke_begin(a, req, sizeof req, &len), NTS_OK);
	memset(msg, 0xff, 40);
	ck_assert_int_lt(nts_assoc_ke_response(a, msg, 40, exporter, &s, 24, WALL, &res), 0);

	nts_assoc_info(a, &info);
	ck_assert(info.have_keys);
	ck_assert_uint_eq(info.ncookies, 8);
	ck_assert_uint_eq(info.ke_fail, 5);
	ck_assert_uint_eq(info.ke_fails_in_row, 5);
	ck_assert(!info.ke_running);
	ck_assert_uint_eq(ctr.ke_probes_bad, 5);
	ck_assert_uint_eq(ctr.ke_probes_good, 1);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Back-off doubles from 2 s to the cap, and the plan waits it out. */
START_TEST(ke_backoff)
{
	struct nts_assoc_params p = { .ke_host = HOST, .backoff_min = 2, .backoff_max = 60 };
	struct nts_assoc *a;
	struct nts_assoc_plan plan;
	uint8_t msg[256];
	size_t len;
	double now = 100, expect[] = { 2, 4, 8, 16, 32, 60, 60, 60 };

	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_OK);
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		nts_assoc_plan(a, now, WALL, &plan);
		ck_assert(plan.ke_now);
		ck_assert_int_eq(nts_assoc_ke_begin(a, msg, sizeof msg, &len), NTS_OK);
		double d = nts_assoc_ke_failed(a, now);
		ck_assert_double_eq(d, expect[i]);
		nts_assoc_plan(a, now + d - 0.5, WALL, &plan);
		ck_assert(!plan.ke_now);
		ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_INITIAL);
		ck_assert_double_eq(plan.ke_at, now + d);
		now += d;
	}
	nts_assoc_free(a);

	/* defaults: 2 s up to 1024 s */
	p.backoff_min = p.backoff_max = 0;
	ck_assert_int_eq(nts_assoc_new(&p, &a), NTS_OK);
	double d = 0;
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(nts_assoc_ke_begin(a, msg, sizeof msg, &len), NTS_OK);
		d = nts_assoc_ke_failed(a, 0);
		if (i == 0)
			ck_assert_double_eq(d, NTS_ASSOC_BACKOFF_MIN);
	}
	ck_assert_double_eq(d, NTS_ASSOC_BACKOFF_MAX);
	nts_assoc_free(a);
}
END_TEST

/* A successful KE discards every old cookie and key (section 5.7). */
START_TEST(ke_replaces_everything)
{
	struct srv s1, s2;
	struct nts_assoc_ke_result res;
	struct nts_server_request sreq;
	uint8_t pkt[NTP_MAX_PACKET];

	srv_init(&s1, NTS_AEAD_AES_SIV_CMAC_256, 1);
	srv_init(&s2, NTS_AEAD_AES_SIV_CMAC_256, 99);
	struct nts_assoc *a = ready_assoc(&s1, NULL);
	ck_assert_int_eq(do_ke(a, &s2, &(struct ke_opts){ .ncookies = 2 }, 50, &res), NTS_OK);
	ck_assert_uint_eq(jar(a), 2);
	/* the request now carries s2's cookie under s2's keys; s1 refuses it */
	size_t len = request(a, &s2, pkt, &sreq);
	ck_assert_mem_eq(sreq.c2s, s2.c2s, 32);
	ck_assert_int_lt(nts_server_parse_request(s1.ntp, pkt, len, &sreq), 0);
	nts_assoc_free(a);
	srv_free(&s1);
	srv_free(&s2);
}
END_TEST

/* ---- NTP exchanges */

/* Each request takes the oldest cookie, never sends one twice, carries a
 * fresh UID, and the answers keep the jar at 8. */
START_TEST(exchange_cycle)
{
	struct srv s;
	struct nts_counters ctr = { 0 };
	struct nts_server_request sreq;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	static uint8_t sent[40][NTS_COOKIE_MAX];
	static uint8_t uids[40][NTS_UID_LEN];
	size_t sent_len[40];

	srv_init(&s, both[_i], 1);
	struct nts_assoc *a = ready_assoc(&s, &ctr);
	for (int i = 0; i < 40; i++) {
		request(a, &s, pkt, &sreq);
		ck_assert_uint_eq(jar(a), 7);
		/* jar was full: no placeholders needed */
		ck_assert_uint_eq(sreq.placeholders, 0);
		ck_assert_uint_eq(sreq.uid_len, NTS_UID_LEN);
		memcpy(sent[i], sreq.cookie, sreq.cookie_len);
		memcpy(uids[i], sreq.uid, NTS_UID_LEN);
		sent_len[i] = sreq.cookie_len;
		for (int j = 0; j < i; j++) {
			ck_assert(sent_len[j] != sent_len[i] ||
				  memcmp(sent[j], sent[i], sent_len[i]) != 0);
			ck_assert(memcmp(uids[j], uids[i], NTS_UID_LEN) != 0);
		}
		size_t rl = answer(&s, &sreq, resp);
		ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
		ck_assert_uint_eq(jar(a), 8);
	}
	ck_assert_uint_eq(ctr.client_sends, 40);
	ck_assert_uint_eq(ctr.client_recvs_good, 40);
	ck_assert_uint_eq(ctr.client_recvs_bad, 0);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* FIFO: the cookie sent is the oldest one held. */
START_TEST(oldest_cookie_first)
{
	struct srv s;
	struct nts_assoc_ke_result res;
	struct nts_server_request sreq;
	uint8_t msg[8192], req[256], pkt[NTP_MAX_PACKET];
	size_t len, rlen;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = new_assoc(NULL, 0);
	len = ke_msg(&s, &(struct ke_opts){ .ncookies = 3 }, msg, sizeof msg);
	ck_assert_int_eq(nts_assoc_ke_begin(a, req, sizeof req, &rlen), NTS_OK);
	ck_assert_int_eq(nts_assoc_ke_response(a, msg, len, exporter, &s, 0, WALL, &res), NTS_OK);
	struct ntske_response parsed;
	ck_assert_int_eq(ntske_response_parse(msg, len, &parsed), NTS_OK);
	for (size_t i = 0; i < 3; i++) {
		request(a, &s, pkt, &sreq);
		ck_assert_uint_eq(sreq.cookie_len, parsed.cookie_len[i]);
		ck_assert_mem_eq(sreq.cookie, parsed.cookies[i], sreq.cookie_len);
	}
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Lost answers: the jar shrinks, placeholders ask for the difference, and
 * one answer fills it to 8 again. */
START_TEST(placeholders_refill)
{
	struct srv s;
	struct nts_server_request sreq;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	for (unsigned lost = 0; lost < 3; lost++) {
		request(a, &s, pkt, &sreq);
		ck_assert_uint_eq(sreq.placeholders, lost);
	}
	ck_assert_uint_eq(jar(a), 5);
	request(a, &s, pkt, &sreq);
	ck_assert_uint_eq(sreq.placeholders, 3);
	ck_assert_uint_eq(jar(a), 4);
	size_t rl = answer(&s, &sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
	ck_assert_uint_eq(jar(a), 8);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* AEAD 17 cookies are big: placeholders are cut so the request stays
 * within NTP_MAX_PACKET, instead of failing. */
START_TEST(placeholders_fit_packet)
{
	struct srv s;
	struct nts_server_request sreq;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_512, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	for (int i = 0; i < 7; i++)
		request(a, &s, pkt, &sreq);
	ck_assert_uint_eq(jar(a), 1);
	size_t len = request(a, &s, pkt, &sreq);
	ck_assert_uint_le(len, NTP_MAX_PACKET);
	ck_assert_uint_lt(sreq.placeholders, 7);
	ck_assert_uint_gt(sreq.placeholders, 3);
	size_t rl = answer(&s, &sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
	ck_assert_uint_eq(jar(a), 1 + sreq.placeholders);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Answers that must not be taken: another request's, a replay, forged or
 * unauthenticated ones; none of them changes the jar. */
START_TEST(unwrap_rejects)
{
	struct srv s;
	struct nts_counters ctr = { 0 };
	struct nts_server_request sreq, sreq2;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET], old[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, &ctr);
	/* before any request: nothing is outstanding */
	request(a, &s, pkt, &sreq);
	size_t ol = answer(&s, &sreq, old);
	/* a newer request makes the answer to the older one stale */
	request(a, &s, pkt, &sreq2);
	ck_assert_int_eq(nts_assoc_unwrap(a, old, ol), NTS_E_NTS_UID_MISMATCH);
	size_t rl = answer(&s, &sreq2, resp);
	/* tampered: one bit of the timestamps (covered as associated data) */
	resp[40] ^= 1;
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_AUTH_FAIL);
	resp[40] ^= 1;
	/* the authenticator cut off */
	ck_assert_int_lt(nts_assoc_unwrap(a, resp, rl - 40), 0);
	/* only the header: unauthenticated */
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, NTP_HEADER_LEN), NTS_E_NTS_NO_UID);
	ck_assert_uint_eq(jar(a), 6);
	/* two requests, one placeholder in the second: the jar is full again */
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
	ck_assert_uint_eq(jar(a), 8);
	/* the same answer again: a replay */
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_UID_MISMATCH);
	ck_assert_uint_eq(jar(a), 8);
	ck_assert_uint_eq(ctr.client_recvs_good, 1);
	ck_assert_uint_eq(ctr.client_recvs_bad, 5);
	/* no keys at all */
	struct nts_assoc *b = new_assoc(NULL, 0);
	ck_assert_int_eq(nts_assoc_unwrap(b, resp, rl), NTS_E_NTS_UID_MISMATCH);
	client_pkt(pkt);
	size_t len;
	ck_assert_int_eq(nts_assoc_wrap(b, pkt, sizeof pkt, &len), NTS_E_INVAL);
	nts_assoc_free(b);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Section 5.7: a NAK alone changes nothing but a counter; after one more
 * poll without an authentic answer, KE is wanted (while cookies remain,
 * requests still go). */
START_TEST(nak_then_silence)
{
	struct srv s;
	struct nts_server_request sreq;
	struct nts_assoc_plan plan;
	struct nts_assoc_info info;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	request(a, &s, pkt, &sreq);
	size_t rl = nak(&sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_NAK);
	/* a second copy: the request is no longer outstanding */
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_UID_MISMATCH);
	nts_assoc_info(a, &info);
	ck_assert_uint_eq(info.naks, 1);
	ck_assert(info.nak_pending);
	nts_assoc_plan(a, 100, WALL, &plan);
	ck_assert(plan.can_send);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	/* the next poll goes out and gets nothing back */
	request(a, &s, pkt, &sreq);
	nts_assoc_plan(a, 200, WALL, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NAK);
	ck_assert(plan.ke_now);
	ck_assert(plan.can_send);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* A NAK followed by an authentic answer was noise: no KE. */
START_TEST(nak_then_authentic)
{
	struct srv s;
	struct nts_server_request sreq;
	struct nts_assoc_plan plan;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	request(a, &s, pkt, &sreq);
	size_t rl = nak(&sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_NAK);
	request(a, &s, pkt, &sreq);
	rl = answer(&s, &sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
	request(a, &s, pkt, &sreq);
	nts_assoc_plan(a, 100, WALL, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* A NAK for someone else's UID (or a stale request) is ignored. */
START_TEST(nak_wrong_uid)
{
	struct srv s;
	struct nts_server_request sreq, sreq2;
	struct nts_assoc_info info;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	request(a, &s, pkt, &sreq);
	size_t rl = nak(&sreq, resp);
	request(a, &s, pkt, &sreq2);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_UID_MISMATCH);
	nts_assoc_info(a, &info);
	ck_assert_uint_eq(info.naks, 0);
	ck_assert(!info.nak_pending);
	for (int i = 0; i < 5; i++) {
		request(a, &s, pkt, &sreq);
		ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_UID_MISMATCH);
	}
	struct nts_assoc_plan plan;
	nts_assoc_plan(a, 100, WALL, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* A server that keeps NAKing fresh cookies gets KE at a growing interval,
 * not every other poll; an authentic answer resets the back-off. */
START_TEST(nak_loop_backs_off)
{
	struct srv s;
	struct nts_server_request sreq;
	struct nts_assoc_plan plan;
	struct nts_assoc_ke_result res;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	double now = 1000, last_gap = 0;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	double last_ke = 10;
	for (int round = 0; round < 4; round++) {
		/* poll every 1 s until KE is allowed again */
		for (int i = 0; i < 2000; i++) {
			nts_assoc_plan(a, now, WALL, &plan);
			if (plan.ke_now)
				break;
			if (plan.can_send) {
				request(a, &s, pkt, &sreq);
				size_t rl = nak(&sreq, resp);
				ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_E_NTS_NAK);
			}
			now += 1;
		}
		ck_assert(plan.ke_now);
		if (round > 0) {
			ck_assert_double_gt(now - last_ke, last_gap);
			last_gap = now - last_ke;
		}
		last_ke = now;
		ck_assert_int_eq(do_ke(a, &s, &(struct ke_opts){ .ncookies = 8 }, now, &res), NTS_OK);
	}
	/* an authentic answer: back to normal */
	request(a, &s, pkt, &sreq);
	size_t rl = answer(&s, &sreq, resp);
	ck_assert_int_eq(nts_assoc_unwrap(a, resp, rl), NTS_OK);
	struct nts_assoc_info info;
	nts_assoc_info(a, &info);
	ck_assert_double_eq(info.ke_next, 0);
	ck_assert(!info.nak_pending);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* With every answer lost the jar runs dry after 8 requests: KE. */
START_TEST(cookies_run_out)
{
	struct srv s;
	struct nts_server_request sreq;
	struct nts_assoc_plan plan;
	uint8_t pkt[NTP_MAX_PACKET];

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	for (int i = 0; i < 8; i++) {
		nts_assoc_plan(a, 100 + i, WALL, &plan);
		ck_assert(plan.can_send);
		ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
		request(a, &s, pkt, &sreq);
	}
	nts_assoc_plan(a, 200, WALL, &plan);
	ck_assert(!plan.can_send);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NO_COOKIES);
	ck_assert(plan.ke_now);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

START_TEST(refresh_due)
{
	struct srv s;
	struct nts_assoc_plan plan;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	nts_assoc_plan(a, 100, WALL + NTS_ASSOC_REFRESH - 1, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	nts_assoc_plan(a, 100, WALL + NTS_ASSOC_REFRESH, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_REFRESH);
	ck_assert(plan.can_send);
	ck_assert(plan.ke_now);
	/* a clock far behind the KE time: the saved age means nothing */
	nts_assoc_plan(a, 100, WALL - 2 * 86400, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_REFRESH);
	ck_assert_str_eq(nts_assoc_ke_why_str(NTS_ASSOC_KE_NAK), "NTS NAK and no authentic answer since");
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* ---- persistence */

START_TEST(save_load_round_trip)
{
	struct srv s;
	struct nts_server_request sreq;
	struct nts_assoc_info i1, i2;
	uint8_t buf[NTS_ASSOC_STATE_MAX], pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	size_t len;

	srv_init(&s, both[_i], 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	request(a, &s, pkt, &sreq);          /* 7 left */
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_OK);
	ck_assert_uint_le(len, NTS_ASSOC_STATE_MAX);
	struct nts_assoc *b = new_assoc(NULL, s.aead);
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_OK);
	nts_assoc_info(a, &i1);
	nts_assoc_info(b, &i2);
	ck_assert_uint_eq(i2.ncookies, 7);
	ck_assert_uint_eq(i2.aead, i1.aead);
	ck_assert_int_eq(i2.ke_wall, WALL);
	ck_assert_str_eq(i2.ntp_host, HOST);
	ck_assert_uint_eq(i2.ntp_port, 123);
	/* both now hold the same next cookie; the restored one works */
	struct nts_server_request sa, sb;
	request(a, &s, pkt, &sa);
	request(b, &s, pkt, &sb);
	ck_assert_uint_eq(sa.cookie_len, sb.cookie_len);
	ck_assert_mem_eq(sa.cookie, sb.cookie, sa.cookie_len);
	size_t rl = answer(&s, &sb, resp);
	ck_assert_int_eq(nts_assoc_unwrap(b, resp, rl), NTS_OK);
	ck_assert_uint_eq(jar(b), 8);
	/* no new KE is wanted after a restore */
	struct nts_assoc_plan plan;
	nts_assoc_plan(b, 0, WALL + 60, &plan);
	ck_assert_int_eq(plan.ke, NTS_ASSOC_KE_NONE);
	ck_assert(plan.can_send);
	nts_assoc_free(a);
	nts_assoc_free(b);
	srv_free(&s);
}
END_TEST

START_TEST(save_load_records)
{
	struct srv s;
	struct nts_assoc_ke_result res;
	struct nts_assoc_info info;
	uint8_t buf[NTS_ASSOC_STATE_MAX];
	size_t len;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = new_assoc(NULL, 0);
	ck_assert_int_eq(do_ke(a, &s, &(struct ke_opts){ .ncookies = 8, .server = "192.0.2.7",
							 .port = 1123 }, 0, &res), NTS_OK);
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_OK);
	struct nts_assoc *b = new_assoc(NULL, 0);
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_OK);
	nts_assoc_info(b, &info);
	ck_assert_str_eq(info.ntp_host, "192.0.2.7");
	ck_assert_uint_eq(info.ntp_port, 1123);
	ck_assert(info.ntp_from_record);
	nts_assoc_free(a);
	nts_assoc_free(b);
	srv_free(&s);
}
END_TEST

START_TEST(save_needs_state)
{
	uint8_t buf[NTS_ASSOC_STATE_MAX];
	size_t len;
	struct srv s;
	struct nts_server_request sreq;
	uint8_t pkt[NTP_MAX_PACKET];
	struct nts_assoc *a = new_assoc(NULL, 0);
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_E_INVAL);
	nts_assoc_free(a);
	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	a = ready_assoc(&s, NULL);
	ck_assert_int_eq(nts_assoc_save(a, buf, 100, &len), NTS_E_NOSPACE);
	for (int i = 0; i < 8; i++)
		request(a, &s, pkt, &sreq);
	/* keys without cookies are worth nothing */
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_E_INVAL);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* State of another server or AEAD is not used; the association keeps
 * what it had. */
START_TEST(load_other)
{
	struct srv s;
	uint8_t buf[NTS_ASSOC_STATE_MAX];
	size_t len;
	struct nts_assoc_info info;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_OK);

	struct nts_assoc_params p = { .ke_host = "other.example.net" };
	struct nts_assoc *b;
	ck_assert_int_eq(nts_assoc_new(&p, &b), NTS_OK);
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_E_STATE_OTHER);
	nts_assoc_info(b, &info);
	ck_assert(!info.have_keys);
	nts_assoc_free(b);

	p.ke_host = HOST;
	p.ke_port = 4461;
	ck_assert_int_eq(nts_assoc_new(&p, &b), NTS_OK);
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_E_STATE_OTHER);
	nts_assoc_free(b);

	p.ke_port = 0;
	p.aeads[0] = NTS_AEAD_AES_SIV_CMAC_512;
	p.naeads = 1;
	ck_assert_int_eq(nts_assoc_new(&p, &b), NTS_OK);
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_E_STATE_OTHER);
	nts_assoc_free(b);
	nts_assoc_free(a);
	srv_free(&s);
}
END_TEST

/* Every truncation, a trailing octet, a wrong magic or version, and
 * out-of-range fields are refused, leaving the association as it was. */
START_TEST(load_malformed)
{
	struct srv s;
	uint8_t buf[NTS_ASSOC_STATE_MAX], bad[NTS_ASSOC_STATE_MAX + 1];
	size_t len;
	struct nts_assoc_info info;

	srv_init(&s, NTS_AEAD_AES_SIV_CMAC_256, 1);
	struct nts_assoc *a = ready_assoc(&s, NULL);
	ck_assert_int_eq(nts_assoc_save(a, buf, sizeof buf, &len), NTS_OK);
	struct nts_assoc *b = new_assoc(NULL, 0);
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_int_eq(nts_assoc_load(b, buf, cut), NTS_E_STATE_FORMAT);
	memcpy(bad, buf, len);
	bad[len] = 0;
	ck_assert_int_eq(nts_assoc_load(b, bad, len + 1), NTS_E_STATE_FORMAT);
	/* field offsets: magic 0, version 4, host len 6, host 7.. */
	size_t host_len = strlen(HOST), o_port = 7 + host_len, o_aead = o_port + 2,
	       o_klen = o_aead + 2, o_keys = o_klen + 2, o_wall = o_keys + 64,
	       o_rec = o_wall + 8, o_nhost = o_rec + 1, o_nport = o_nhost + 1 + host_len,
	       o_ncook = o_nport + 2, o_clen = o_ncook + 1;
	struct { size_t at; uint8_t v; } edits[] = {
		{ 0, 'X' }, { 5, 2 }, { 6, 0 }, { 7, ' ' }, { o_aead + 1, 30 },
		{ o_klen + 1, 33 }, { o_rec, 2 }, { o_nhost, 0 }, { o_nhost + 1, 0x7f },
		{ o_nport, 0 }, { o_ncook, 0 }, { o_ncook, 9 }, { o_clen, 0x02 },
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		memcpy(bad, buf, len);
		if (edits[i].at == o_nport) {
			bad[o_nport] = 0;
			bad[o_nport + 1] = 0;
		} else if (edits[i].at == o_clen) {
			bad[o_clen] = 0x02;   /* 0x02xx: over 512 */
			bad[o_clen + 1] = 0x01;
		} else {
			bad[edits[i].at] = edits[i].v;
		}
		ck_assert_msg(nts_assoc_load(b, bad, len) != NTS_OK, "edit %zu accepted", i);
	}
	nts_assoc_info(b, &info);
	ck_assert(!info.have_keys);
	ck_assert_uint_eq(info.ncookies, 0);
	/* the untouched buffer still loads */
	ck_assert_int_eq(nts_assoc_load(b, buf, len), NTS_OK);
	nts_assoc_free(a);
	nts_assoc_free(b);
	srv_free(&s);
}
END_TEST

Suite *nts_assoc_suite(void)
{
	Suite *s = suite_create("nts_assoc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, new_rejects);
	tcase_add_test(tc, initial_plan_and_request);
	tcase_add_loop_test(tc, ke_success_fills_jar, 0, 2);
	tcase_add_test(tc, ke_server_port_records);
	tcase_add_test(tc, ke_too_many_cookies);
	tcase_add_test(tc, ke_failures);
	tcase_add_test(tc, ke_backoff);
	tcase_add_test(tc, ke_replaces_everything);
	tcase_add_loop_test(tc, exchange_cycle, 0, 2);
	tcase_add_test(tc, oldest_cookie_first);
	tcase_add_test(tc, placeholders_refill);
	tcase_add_test(tc, placeholders_fit_packet);
	tcase_add_test(tc, unwrap_rejects);
	tcase_add_test(tc, nak_then_silence);
	tcase_add_test(tc, nak_then_authentic);
	tcase_add_test(tc, nak_wrong_uid);
	tcase_add_test(tc, nak_loop_backs_off);
	tcase_add_test(tc, cookies_run_out);
	tcase_add_test(tc, refresh_due);
	tcase_add_loop_test(tc, save_load_round_trip, 0, 2);
	tcase_add_test(tc, save_load_records);
	tcase_add_test(tc, save_needs_state);
	tcase_add_test(tc, load_other);
	tcase_add_test(tc, load_malformed);
	suite_add_tcase(s, tc);
	return s;
}
