/* Unit tests: the NTP server's decisions (serve.c), one per action. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/ntske.h"
#include "nts/serve.h"
#include "suites.h"

#define RX 0xEC2F5A2C00000000ull
#define XMT 0xEC2F5A2C80000000ull
#define REQ_XMT 0xEC2F5A2B12345678ull

static const struct nts_serve_config cfg = {
	.stratum = 2, .refid = 0x47505300u, .precision = -22, .root_disp = 0x41,
};

struct fx {
	struct nts_cookie_ring *ring;
	struct nts_serve *sv;
	struct nts_counters ctr;
	struct nts_aead *c2s, *s2c;
	uint16_t aead;
	uint8_t cookie[NTS_COOKIE_MAX];
	size_t cookie_len;
	uint8_t uid[NTS_UID_LEN];
};

static void fx_init(struct fx *f, uint16_t aead)
{
	struct nts_ring_config rc = NTS_RING_CONFIG_DEFAULT;
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	size_t klen = nts_aead_key_len(aead);
	memset(f, 0, sizeof *f);
	f->aead = aead;
	memset(c2s, 0x11, sizeof c2s);
	memset(s2c, 0x22, sizeof s2c);
	memset(f->uid, 0xa5, sizeof f->uid);
	ck_assert_int_eq(nts_cookie_ring_new(&rc, NULL, &f->ring), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_rotate(f->ring, 1700000000, true), 1);
	ck_assert_int_eq(nts_serve_new(f->ring, &f->ctr, &cfg, &f->sv), NTS_OK);
	ck_assert_int_eq(nts_aead_new(aead, c2s, klen, &f->c2s), NTS_OK);
	ck_assert_int_eq(nts_aead_new(aead, s2c, klen, &f->s2c), NTS_OK);
	ck_assert_int_eq(nts_cookie_seal(f->ring, aead, c2s, s2c, klen, f->cookie, sizeof f->cookie,
					 &f->cookie_len), NTS_OK);
}

static void fx_free(struct fx *f)
{
	nts_serve_free(f->sv);
	nts_cookie_ring_free(f->ring);
	nts_aead_free(f->c2s);
	nts_aead_free(f->s2c);
}

static size_t fx_request(const struct fx *f, unsigned placeholders, struct nts_aead *key,
			 uint8_t *out, size_t cap)
{
	struct nts_client_request req = {
		.hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 6, .xmt = REQ_XMT },
		.uid = f->uid, .uid_len = sizeof f->uid,
		.cookie = f->cookie, .cookie_len = f->cookie_len,
		.placeholders = placeholders,
	};
	size_t len = 0;
	ck_assert_int_eq(nts_client_build_request(&req, key, out, cap, &len), NTS_OK);
	return len;
}

static uint64_t fixed_xmt(void *ctx)
{
	(*(int *)ctx)++;
	return XMT;
}

static struct nts_serve_result serve(struct fx *f, const uint8_t *pkt, size_t len, uint8_t *out,
				     size_t cap)
{
	static int calls;
	struct nts_serve_in in = { .pkt = pkt, .len = len, .rx = RX, .xmt = fixed_xmt, .ctx = &calls };
	struct nts_serve_result res;
	ck_assert_int_eq(nts_serve_ntp(f->sv, &in, out, cap, &res), NTS_OK);
	ck_assert_uint_le(res.len, len);
	ck_assert_uint_le(res.len, cap);
	return res;
}

/* A request without NTS fields gets the plain header with our clock. */
START_TEST(plain)
{
	struct fx f;
	uint8_t pkt[NTP_HEADER_LEN] = { 0x23 }, out[NTP_MAX_PACKET];
	struct ntp_hdr h;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	nts_put32(pkt + 40, 0xdeadbeef);
	struct nts_serve_result r = serve(&f, pkt, sizeof pkt, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_PLAIN);
	ck_assert_uint_eq(r.len, NTP_HEADER_LEN);
	ck_assert_int_eq(ntp_hdr_parse(out, r.len, &h), NTS_OK);
	ck_assert_uint_eq(h.mode, NTP_MODE_SERVER);
	ck_assert_uint_eq(h.version, 4);
	ck_assert_uint_eq(h.stratum, 2);
	ck_assert_uint_eq(h.leap, NTP_LEAP_NONE);
	ck_assert_uint_eq(h.refid, cfg.refid);
	ck_assert_int_eq(h.precision, cfg.precision);
	ck_assert_uint_eq(h.root_disp, cfg.root_disp);
	ck_assert_uint_eq(h.org, 0xdeadbeef00000000ull);
	ck_assert_uint_eq(h.rec, RX);
	ck_assert_uint_eq(h.xmt, XMT);
	ck_assert_uint_eq(h.reftime, XMT & 0xFFFFFFFF00000000ull);
	/* unsynchronised: stratum 16 and leap 3 */
	struct nts_serve_config c16 = cfg;
	c16.stratum = 20;
	nts_serve_set_config(f.sv, &c16);
	r = serve(&f, pkt, sizeof pkt, out, sizeof out);
	ck_assert_int_eq(ntp_hdr_parse(out, r.len, &h), NTS_OK);
	ck_assert_uint_eq(h.stratum, 16);
	ck_assert_uint_eq(h.leap, NTP_LEAP_UNSYNC);
	fx_free(&f);
}
END_TEST

/* A server without a ring serves NTS requests as plain ones. */
START_TEST(plain_only_server)
{
	struct fx f;
	struct nts_serve *p;
	uint8_t pkt[NTP_MAX_PACKET], out[NTP_MAX_PACKET];
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	ck_assert_int_eq(nts_serve_new(NULL, NULL, &cfg, &p), NTS_OK);
	size_t len = fx_request(&f, 0, f.c2s, pkt, sizeof pkt);
	struct nts_serve_in in = { .pkt = pkt, .len = len, .rx = RX };
	struct nts_serve_result r;
	ck_assert_int_eq(nts_serve_ntp(p, &in, out, sizeof out, &r), NTS_OK);
	ck_assert_int_eq(r.action, NTS_SERVE_PLAIN);
	ck_assert_uint_eq(r.len, NTP_HEADER_LEN);
	nts_serve_free(p);
	fx_free(&f);
}
END_TEST

/* A valid request gets an authenticated answer our client accepts. */
START_TEST(nts_answer)
{
	struct fx f;
	uint8_t pkt[NTP_MAX_PACKET], out[NTP_MAX_PACKET];
	struct nts_client_response cr;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_request(&f, 2, f.c2s, pkt, sizeof pkt);
	struct nts_serve_result r = serve(&f, pkt, len, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_NTS);
	ck_assert_int_eq(r.err, NTS_OK);
	ck_assert_int_eq(nts_client_parse_response(out, r.len, f.uid, sizeof f.uid, f.s2c, &cr), NTS_OK);
	ck_assert_uint_eq(cr.ncookies, 3);
	ck_assert_uint_eq(cr.hdr.org, REQ_XMT);
	ck_assert_uint_eq(cr.hdr.rec, RX);
	ck_assert_uint_eq(cr.hdr.xmt, XMT);
	ck_assert_uint_eq(f.ctr.server_recvs_good, 1);
	ck_assert_uint_eq(f.ctr.server_sends, 1);
	fx_free(&f);
}
END_TEST

/* RFC 8915 section 5.7 and issue 13 item 14: AEAD 17 cookies are 168
 * octets, so 5 placeholders make a 1156-octet request and 6 a 1328-octet
 * one, over NTP_MAX_PACKET. Both sides of that boundary are answered, the
 * large one with as many cookies as NTP_MAX_PACKET holds. */
START_TEST(large_request_boundary)
{
	struct fx f;
	uint8_t pkt[2048], out[2048];
	struct nts_client_response cr;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_512);
	static const struct { unsigned ph; size_t len; size_t cookies; } rows[] = {
		{ 5, 1156, 6 }, { 6, 1328, 6 }, { 7, 1500, 6 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = fx_request(&f, rows[i].ph, f.c2s, pkt, sizeof pkt);
		ck_assert_uint_eq(len, rows[i].len);
		struct nts_serve_result r = serve(&f, pkt, len, out, sizeof out);
		ck_assert_msg(r.action == NTS_SERVE_NTS, "%u placeholders (%zu octets): action %d, %s",
			      rows[i].ph, len, r.action, nts_strerror(r.err));
		ck_assert_uint_le(r.len, NTP_MAX_PACKET);
		ck_assert_int_eq(nts_client_parse_response(out, r.len, f.uid, sizeof f.uid, f.s2c, &cr),
				 NTS_OK);
		ck_assert_uint_eq(cr.ncookies, rows[i].cookies);
	}
	fx_free(&f);
}
END_TEST

/* A cookie of a key we do not hold, or an authenticator that fails under
 * the cookie's key, gets a NAK; the same without a UID is dropped. */
START_TEST(nak_and_drop)
{
	struct fx f, other;
	uint8_t pkt[NTP_MAX_PACKET], out[NTP_MAX_PACKET];
	struct nts_client_response cr;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	fx_init(&other, NTS_AEAD_AES_SIV_CMAC_256);
	/* other's cookie, under a ring f's server never had */
	memcpy(other.uid, f.uid, sizeof f.uid);
	size_t len = fx_request(&other, 0, other.c2s, pkt, sizeof pkt);
	struct nts_serve_result r = serve(&f, pkt, len, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_NAK);
	ck_assert_int_eq(r.err, NTS_E_COOKIE_UNKNOWN_KEY);
	ck_assert_int_eq(nts_client_parse_response(out, r.len, f.uid, sizeof f.uid, f.s2c, &cr),
			 NTS_E_NTS_NAK);
	/* our cookie, an authenticator under the wrong key */
	len = fx_request(&f, 0, f.s2c, pkt, sizeof pkt);
	r = serve(&f, pkt, len, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_NAK);
	ck_assert_int_eq(r.err, NTS_E_NTS_AUTH_FAIL);
	/* a malformed request (no authenticator) is dropped, not NAKed */
	len = fx_request(&f, 0, f.c2s, pkt, sizeof pkt);
	size_t cut = NTP_HEADER_LEN + 36 + f.cookie_len + 4;
	r = serve(&f, pkt, cut, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_DROP);
	ck_assert_int_eq(r.err, NTS_E_NTS_NO_AUTH);
	ck_assert_uint_eq(r.len, 0);
	/* not a client request */
	pkt[0] = (uint8_t)((pkt[0] & ~7) | NTP_MODE_SERVER);
	r = serve(&f, pkt, len, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_DROP);
	ck_assert_int_eq(r.err, NTS_E_NTP_MODE);
	/* too short for a header */
	r = serve(&f, pkt, 47, out, sizeof out);
	ck_assert_int_eq(r.action, NTS_SERVE_DROP);
	fx_free(&f);
	fx_free(&other);
}
END_TEST

/* The caller's rate limiter drops before any work, plain or NTS. */
START_TEST(limited)
{
	struct fx f;
	uint8_t pkt[NTP_MAX_PACKET], out[NTP_MAX_PACKET];
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_request(&f, 0, f.c2s, pkt, sizeof pkt);
	struct nts_serve_in in = { .pkt = pkt, .len = len, .rx = RX, .limited = true };
	struct nts_serve_result r;
	ck_assert_int_eq(nts_serve_ntp(f.sv, &in, out, sizeof out, &r), NTS_OK);
	ck_assert_int_eq(r.action, NTS_SERVE_DROP);
	ck_assert_int_eq(r.err, NTS_E_RATE_LIMITED);
	ck_assert_uint_eq(f.ctr.server_recvs_good + f.ctr.server_recvs_bad, 0);
	in.len = NTP_HEADER_LEN;
	ck_assert_int_eq(nts_serve_ntp(f.sv, &in, out, sizeof out, &r), NTS_OK);
	ck_assert_int_eq(r.action, NTS_SERVE_DROP);
	fx_free(&f);
}
END_TEST

/* The NAK decision is a list of codes, not a range of the enum. */
START_TEST(nak_codes)
{
	static const int naks[] = { NTS_E_NTS_AUTH_FAIL, NTS_E_COOKIE_SHORT,
				    NTS_E_COOKIE_UNKNOWN_KEY, NTS_E_COOKIE_AUTH,
				    NTS_E_COOKIE_CONTENT };
	for (size_t i = 0; i < sizeof naks / sizeof naks[0]; i++)
		ck_assert_msg(nts_serve_err_naks(naks[i]), "%s", nts_errname(naks[i]));
	for (int e = 0; e > -200; e--) {
		bool want = false;
		for (size_t i = 0; i < sizeof naks / sizeof naks[0]; i++)
			want = want || e == naks[i];
		ck_assert_msg(nts_serve_err_naks(e) == want, "%s", nts_errname(e));
	}
}
END_TEST

START_TEST(bad_args)
{
	struct nts_serve *s;
	struct nts_serve_result r;
	uint8_t out[64];
	ck_assert_int_eq(nts_serve_new(NULL, NULL, NULL, &s), NTS_E_INVAL);
	ck_assert_int_eq(nts_serve_new(NULL, NULL, &cfg, &s), NTS_OK);
	ck_assert_int_eq(nts_serve_ntp(s, NULL, out, sizeof out, &r), NTS_E_INVAL);
	struct nts_serve_in in = { .pkt = NULL };
	ck_assert_int_eq(nts_serve_ntp(s, &in, out, sizeof out, &r), NTS_E_INVAL);
	nts_serve_free(s);
	nts_serve_free(NULL);
}
END_TEST

/* ---- NTS-KE */

static int export_fixed(void *ctx, uint16_t proto, uint16_t aead, uint8_t *c2s, uint8_t *s2c,
			size_t key_len)
{
	(void)proto;
	(void)aead;
	if (ctx)
		return *(const int *)ctx;
	memset(c2s, 0x11, key_len);
	memset(s2c, 0x22, key_len);
	return NTS_OK;
}

static const uint16_t ours[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };

static size_t ke_request(const uint16_t *aeads, size_t naeads, uint16_t proto, uint8_t *out,
			 size_t cap)
{
	struct ntske_request req = { .protos = { proto }, .nprotos = 1, .naeads = naeads };
	memcpy(req.aeads, aeads, naeads * sizeof aeads[0]);
	size_t len = 0;
	ck_assert_int_eq(ntske_request_build(&req, out, cap, &len), NTS_OK);
	return len;
}

/* The client's first AEAD we support is chosen; eight cookies carry the
 * exported keys; Port and Server records as configured (RFC 8915 4.1). */
START_TEST(ke_cookies)
{
	struct fx f;
	static uint8_t msg[1024], out[NTSKE_MAX_MESSAGE];
	static struct ntske_response resp;
	struct nts_serve_ke_result res;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	const uint16_t want[] = { 30, NTS_AEAD_AES_SIV_CMAC_512, NTS_AEAD_AES_SIV_CMAC_256 };
	size_t len = ke_request(want, 3, NTSKE_PROTO_NTPV4, msg, sizeof msg);
	struct nts_serve_ke_config kc = { ours, 2, 11123, "time.example" };
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, NULL, out, sizeof out, &res),
			 NTS_OK);
	ck_assert_int_eq(res.outcome, NTS_SERVE_KE_COOKIES);
	ck_assert_uint_eq(res.aead, NTS_AEAD_AES_SIV_CMAC_512);
	ck_assert_int_eq(ntske_response_parse(out, res.len, &resp), NTS_OK);
	ck_assert_uint_eq(resp.aead, NTS_AEAD_AES_SIV_CMAC_512);
	ck_assert_uint_eq(resp.ncookies, NTS_MAX_COOKIES);
	ck_assert(resp.has_port);
	ck_assert_uint_eq(resp.port, 11123);
	ck_assert(resp.has_server);
	ck_assert_str_eq(resp.server, "time.example");
	struct nts_cookie_keys k;
	uint8_t c2s[64];
	memset(c2s, 0x11, sizeof c2s);
	ck_assert_int_eq(nts_cookie_open(f.ring, resp.cookies[7], resp.cookie_len[7], &k), NTS_OK);
	ck_assert_uint_eq(k.aead, NTS_AEAD_AES_SIV_CMAC_512);
	ck_assert_mem_eq(k.c2s, c2s, k.key_len);
	/* the standard port and no name: neither record */
	kc.ntp_port = NTP_PORT;
	kc.server = "";
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, NULL, out, sizeof out, &res),
			 NTS_OK);
	ck_assert_int_eq(ntske_response_parse(out, res.len, &resp), NTS_OK);
	ck_assert(!resp.has_port && !resp.has_server);
	fx_free(&f);
}
END_TEST

/* Nothing in common: an empty AEAD (or Next Protocol) record, no cookies. */
START_TEST(ke_no_common)
{
	struct fx f;
	static uint8_t msg[1024], out[NTSKE_MAX_MESSAGE];
	struct nts_serve_ke_result res;
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	const uint16_t only30[] = { 30 };
	size_t len = ke_request(only30, 1, NTSKE_PROTO_NTPV4, msg, sizeof msg);
	struct nts_serve_ke_config kc = { ours, 2, 0, NULL };
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, NULL, out, sizeof out, &res),
			 NTS_OK);
	ck_assert_int_eq(res.outcome, NTS_SERVE_KE_NO_COMMON);
	ck_assert_int_eq(res.err, NTS_E_KE_AEAD_UNSUPP);
	static struct ntske_response resp;
	ck_assert_int_ne(ntske_response_parse(out, res.len, &resp), NTS_OK);
	ck_assert_uint_eq(resp.ncookies, 0);
	len = ke_request(ours, 2, 0x7fff, msg, sizeof msg);
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, NULL, out, sizeof out, &res),
			 NTS_OK);
	ck_assert_int_eq(res.outcome, NTS_SERVE_KE_NO_COMMON);
	ck_assert_int_eq(res.err, NTS_E_KE_PROTO_UNSUPP);
	fx_free(&f);
}
END_TEST

/* Error records: 0 for an unknown critical record, 1 for a bad request, 2
 * when the server fails (RFC 8915 section 4.1.3). */
START_TEST(ke_errors)
{
	struct fx f;
	static uint8_t msg[1024], out[NTSKE_MAX_MESSAGE];
	static struct ntske_response resp;
	struct nts_serve_ke_result res;
	struct nts_serve_ke_config kc = { ours, 2, 0, NULL };
	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	static const uint8_t no_eom[] = { 0x80, 1, 0, 2, 0, 0 };
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, no_eom, sizeof no_eom, export_fixed, NULL, out,
				      sizeof out, &res), NTS_OK);
	ck_assert_int_eq(res.outcome, NTS_SERVE_KE_ERROR);
	ck_assert_uint_eq(res.error_code, NTSKE_ERR_BAD_REQUEST);
	ck_assert_int_eq(ntske_response_parse(out, res.len, &resp), NTS_E_KE_ERROR_RECORD);
	ck_assert_uint_eq(resp.error_code, NTSKE_ERR_BAD_REQUEST);
	static const uint8_t crit[] = { 0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15,
					0xc0, 0x99, 0, 0, 0x80, 0, 0, 0 };
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, crit, sizeof crit, export_fixed, NULL, out,
				      sizeof out, &res), NTS_OK);
	ck_assert_uint_eq(res.error_code, NTSKE_ERR_UNRECOGNIZED_CRITICAL);
	size_t len = ke_request(ours, 2, NTSKE_PROTO_NTPV4, msg, sizeof msg);
	int fail = NTS_E_TLS;
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, &fail, out, sizeof out,
				      &res), NTS_OK);
	ck_assert_int_eq(res.outcome, NTS_SERVE_KE_ERROR);
	ck_assert_uint_eq(res.error_code, NTSKE_ERR_INTERNAL);
	ck_assert_int_eq(res.err, NTS_E_TLS);
	ck_assert_int_eq(ntske_response_parse(out, res.len, &resp), NTS_E_KE_ERROR_RECORD);
	ck_assert_uint_eq(resp.error_code, NTSKE_ERR_INTERNAL);
	/* an output buffer too small for eight cookies is the caller's bug */
	ck_assert_int_eq(nts_serve_ke(f.ring, &kc, msg, len, export_fixed, NULL, out, 200, &res),
			 NTS_E_NOSPACE);
	ck_assert_int_eq(nts_serve_ke(NULL, &kc, msg, len, export_fixed, NULL, out, sizeof out, &res),
			 NTS_E_INVAL);
	fx_free(&f);
}
END_TEST

Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("decisions");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain);
	tcase_add_test(tc, plain_only_server);
	tcase_add_test(tc, nts_answer);
	tcase_add_test(tc, large_request_boundary);
	tcase_add_test(tc, nak_and_drop);
	tcase_add_test(tc, limited);
	tcase_add_test(tc, nak_codes);
	tcase_add_test(tc, bad_args);
	tcase_add_test(tc, ke_cookies);
	tcase_add_test(tc, ke_no_common);
	tcase_add_test(tc, ke_errors);
	suite_add_tcase(s, tc);
	return s;
}
