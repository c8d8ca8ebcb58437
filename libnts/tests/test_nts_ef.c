/* Unit tests: NTS extension fields, client and server (nts_ef.c). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "suites.h"

#define REQ_XMT 0xEC2F5A2B12345678ull

/* One client/server pair sharing keys from a cookie of the server's ring. */
struct fixture {
	struct nts_cookie_ring *ring;
	struct nts_server *srv;
	struct nts_counters ctr;
	struct nts_aead *c2s, *s2c;
	uint16_t aead;
	size_t key_len;
	uint8_t c2s_key[NTS_AEAD_MAX_KEY], s2c_key[NTS_AEAD_MAX_KEY];
	uint8_t cookie[NTS_COOKIE_MAX];
	size_t cookie_len;
	uint8_t uid[NTS_UID_LEN];
};

static struct nts_cookie_ring *new_ring(void)
{
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	struct nts_cookie_ring *r;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &r), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1700000000, true), 1);
	return r;
}

static void fx_init(struct fixture *f, uint16_t aead)
{
	memset(f, 0, sizeof *f);
	f->aead = aead;
	f->key_len = nts_aead_key_len(aead);
	for (size_t i = 0; i < f->key_len; i++) {
		f->c2s_key[i] = (uint8_t)i;
		f->s2c_key[i] = (uint8_t)(0x80 + i);
	}
	for (size_t i = 0; i < sizeof f->uid; i++)
		f->uid[i] = (uint8_t)(0xa0 + i);
	f->ring = new_ring();
	ck_assert_int_eq(nts_server_new(f->ring, &f->ctr, &f->srv), NTS_OK);
	ck_assert_int_eq(nts_aead_new(aead, f->c2s_key, f->key_len, &f->c2s), NTS_OK);
	ck_assert_int_eq(nts_aead_new(aead, f->s2c_key, f->key_len, &f->s2c), NTS_OK);
	ck_assert_int_eq(nts_cookie_seal(f->ring, aead, f->c2s_key, f->s2c_key, f->key_len,
					 f->cookie, sizeof f->cookie, &f->cookie_len), NTS_OK);
}

static void fx_free(struct fixture *f)
{
	nts_server_free(f->srv);
	nts_cookie_ring_free(f->ring);
	nts_aead_free(f->c2s);
	nts_aead_free(f->s2c);
}

static struct nts_client_request fx_request(const struct fixture *f, unsigned placeholders)
{
	struct nts_client_request req = {
		.hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 6, .xmt = REQ_XMT },
		.uid = f->uid, .uid_len = sizeof f->uid,
		.cookie = f->cookie, .cookie_len = f->cookie_len,
		.placeholders = placeholders,
	};
	return req;
}

static size_t fx_build(const struct fixture *f, unsigned placeholders, uint8_t *out)
{
	struct nts_client_request req = fx_request(f, placeholders);
	size_t len = 0;
	ck_assert_int_eq(nts_client_build_request(&req, f->c2s, out, NTP_MAX_PACKET, &len), NTS_OK);
	return len;
}

static const struct ntp_hdr resp_hdr = {
	.version = 4, .mode = NTP_MODE_SERVER, .stratum = 2, .refid = 0x7f000001u,
	.org = REQ_XMT, .rec = 1, .xmt = 2,
};

/* ---- round trips */

static const uint16_t aeads[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };

START_TEST(round_trip)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	unsigned ph = (unsigned)_i % 8;
	size_t rlen;

	fx_init(&f, aeads[_i / 8]);
	/* AEAD 17 cookies are 168 octets: 6 or 7 placeholders would pass
	 * NTP_MAX_PACKET, which the builder refuses */
	if (48 + 36 + (1 + ph) * (f.cookie_len + 4) + 40 > NTP_MAX_PACKET) {
		struct nts_client_request req = fx_request(&f, ph);
		size_t len;
		ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len),
				 NTS_E_NOSPACE);
		fx_free(&f);
		return;
	}
	size_t len = fx_build(&f, ph, pkt);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_uint_eq(sreq.len, len);
	ck_assert_uint_eq(sreq.uid_len, sizeof f.uid);
	ck_assert_mem_eq(sreq.uid, f.uid, sizeof f.uid);
	ck_assert_uint_eq(sreq.cookie_len, f.cookie_len);
	ck_assert_mem_eq(sreq.cookie, f.cookie, f.cookie_len);
	ck_assert_uint_eq(sreq.placeholders, ph);
	ck_assert_uint_eq(sreq.aead, f.aead);
	ck_assert_uint_eq(sreq.key_len, f.key_len);
	ck_assert_mem_eq(sreq.c2s, f.c2s_key, f.key_len);
	ck_assert_mem_eq(sreq.s2c, f.s2c_key, f.key_len);
	ck_assert_uint_eq(sreq.inner_len, 0);
	ck_assert_uint_eq(sreq.hdr.xmt, REQ_XMT);

	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
						   &rlen), NTS_OK);
	ck_assert_uint_le(rlen, len);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_OK);
	ck_assert(!cresp.nak);
	ck_assert_uint_eq(cresp.ncookies, 1 + ph);
	ck_assert_uint_eq(cresp.hdr.org, REQ_XMT);
	ck_assert_uint_eq(cresp.hdr.stratum, 2);
	/* every new cookie opens to the session's keys */
	for (size_t i = 0; i < cresp.ncookies; i++) {
		struct nts_cookie_keys k;
		ck_assert_uint_eq(cresp.cookie_len[i], f.cookie_len);
		ck_assert_int_eq(nts_cookie_open(f.ring, cresp.cookies[i], cresp.cookie_len[i], &k),
				 NTS_OK);
		ck_assert_uint_eq(k.aead, f.aead);
		ck_assert_mem_eq(k.c2s, f.c2s_key, f.key_len);
		ck_assert_mem_eq(k.s2c, f.s2c_key, f.key_len);
		if (i > 0)
			ck_assert_mem_ne(cresp.cookies[i], cresp.cookies[0], f.cookie_len);
	}
	ck_assert_uint_eq(f.ctr.server_recvs_good, 1);
	ck_assert_uint_eq(f.ctr.server_recvs_bad, 0);
	ck_assert_uint_eq(f.ctr.server_sends, 1);
	fx_free(&f);
}
END_TEST

/* A request larger than NTP_MAX_PACKET (AEAD 17 cookies with seven
 * placeholders) still gets an answer: as many cookies as fit in
 * NTP_MAX_PACKET and in the caller's buffer (found by nts-fuzz). */
START_TEST(large_request_fewer_cookies)
{
	struct fixture f;
	uint8_t pkt[2048], resp[2048];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t len = 0, rlen = 0;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_512);
	struct nts_client_request req = fx_request(&f, 7);
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_OK);
	ck_assert_uint_gt(len, NTP_MAX_PACKET);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
						   &rlen), NTS_OK);
	ck_assert_uint_le(rlen, NTP_MAX_PACKET);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_OK);
	ck_assert_uint_ge(cresp.ncookies, 6);
	ck_assert_uint_lt(cresp.ncookies, 8);
	/* a small output buffer bounds the answer the same way */
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, 400, &rlen),
			 NTS_OK);
	ck_assert_uint_le(rlen, 400);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_OK);
	ck_assert_uint_eq(cresp.ncookies, 1);
	fx_free(&f);
}
END_TEST

/* Encrypted client fields reach the server intact. */
START_TEST(inner_fields)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], inner[64];
	struct nts_server_request sreq;
	struct nts_wr w;
	size_t len;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	nts_wr_init(&w, inner, sizeof inner);
	ck_assert_int_eq(ntp_ef_write(&w, 0x7777, "hello", 5), NTS_OK);
	ck_assert_int_eq(ntp_ef_write(&w, 0x7778, NULL, 0), NTS_OK);
	struct nts_client_request req = fx_request(&f, 2);
	req.inner = inner;
	req.inner_len = w.pos;
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_OK);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_uint_eq(sreq.inner_len, 32);
	ck_assert_mem_eq(sreq.inner, inner, 32);
	fx_free(&f);
}
END_TEST

/* ---- tampering: every single-bit change of either packet is caught */

START_TEST(tamper_request)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET];
	struct nts_server_request sreq;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 1, pkt);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			pkt[i] ^= (uint8_t)(1u << bit);
			int rc = nts_server_parse_request(f.srv, pkt, len, &sreq);
			ck_assert_msg(rc != NTS_OK, "flip of octet %zu bit %d not detected", i, bit);
			pkt[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	/* truncation is caught too */
	for (size_t cut = 1; cut < len; cut += 4)
		ck_assert_int_ne(nts_server_parse_request(f.srv, pkt, len - cut, &sreq), NTS_OK);
	fx_free(&f);
}
END_TEST

START_TEST(tamper_response)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t rlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 2, pkt);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
						   &rlen), NTS_OK);
	for (size_t i = 0; i < rlen; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			resp[i] ^= (uint8_t)(1u << bit);
			int rc = nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c,
							   &cresp);
			ck_assert_msg(rc != NTS_OK, "flip of octet %zu bit %d not detected", i, bit);
			resp[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_OK);
	/* the wrong key (C2S instead of S2C) does not verify */
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.c2s, &cresp),
			 NTS_E_NTS_AUTH_FAIL);
	fx_free(&f);
}
END_TEST

START_TEST(uid_mismatch)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET], other[NTS_UID_LEN];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t rlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 0, pkt);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
						   &rlen), NTS_OK);
	memcpy(other, f.uid, sizeof other);
	other[31] ^= 1;
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, other, sizeof other, f.s2c, &cresp),
			 NTS_E_NTS_UID_MISMATCH);
	other[31] ^= 1;
	other[0] ^= 0x80;
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, other, sizeof other, f.s2c, &cresp),
			 NTS_E_NTS_UID_MISMATCH);
	/* a UID of another length never matches */
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, 28, f.s2c, &cresp),
			 NTS_E_NTS_UID_MISMATCH);
	fx_free(&f);
}
END_TEST

/* ---- NAK (RFC 8915 section 5.7) */

static void check_nak(const uint8_t *nak, size_t nlen, const struct fixture *f)
{
	struct nts_client_response cresp;
	uint8_t other[NTS_UID_LEN];

	ck_assert_int_eq(nts_client_parse_response(nak, nlen, f->uid, sizeof f->uid, f->s2c, &cresp),
			 NTS_E_NTS_NAK);
	ck_assert(cresp.nak);
	ck_assert_uint_eq(cresp.ncookies, 0);
	ck_assert_uint_eq(cresp.hdr.leap, NTP_LEAP_UNSYNC);
	ck_assert_uint_eq(cresp.hdr.mode, NTP_MODE_SERVER);
	ck_assert_uint_eq(cresp.hdr.version, 4);
	ck_assert_uint_eq(cresp.hdr.stratum, 0);
	ck_assert_uint_eq(cresp.hdr.refid, NTP_REFID_NTSN);
	ck_assert_uint_eq(cresp.hdr.org, REQ_XMT);
	ck_assert(nts_is_nak(&cresp.hdr));
	/* a NAK for someone else's request is not ours to act on */
	memcpy(other, f->uid, sizeof other);
	other[5] ^= 0x10;
	ck_assert_int_eq(nts_client_parse_response(nak, nlen, other, sizeof other, f->s2c, &cresp),
			 NTS_E_NTS_UID_MISMATCH);
	ck_assert(!cresp.nak);
}

/* An authenticated answer shaped as a NAK (stratum 0, kiss code NTSN) is
 * still a NAK (RFC 8915 section 5.7, RFC 5905 section 7.4): the caller must
 * never take time from it, so it is not returned as a normal reply. */
START_TEST(nak_authenticated_shape)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t rlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 0, pkt);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	struct ntp_hdr h = resp_hdr;
	h.stratum = 0;
	h.refid = NTP_REFID_NTSN;
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &h, resp, sizeof resp, &rlen),
			 NTS_OK);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTS_NAK);
	ck_assert(cresp.nak);
	/* stratum 0 alone, or NTSN at a real stratum, is no NAK */
	h.refid = 0x52415445u;   /* RATE */
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &h, resp, sizeof resp, &rlen),
			 NTS_OK);
	ck_assert_int_ne(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTS_NAK);
	ck_assert(!cresp.nak);
	h.stratum = 2;
	h.refid = NTP_REFID_NTSN;
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &h, resp, sizeof resp, &rlen),
			 NTS_OK);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_OK);
	ck_assert(!cresp.nak);
	fx_free(&f);
}
END_TEST

/* A cookie sealed under a key this server never had gets a NAK. */
START_TEST(nak_unknown_key)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], nak[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	size_t nlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 3, pkt);
	struct nts_cookie_ring *foreign = new_ring();
	struct nts_server *srv2;
	ck_assert_int_eq(nts_server_new(foreign, &f.ctr, &srv2), NTS_OK);
	int rc = nts_server_parse_request(srv2, pkt, len, &sreq);
	ck_assert_msg(rc == NTS_E_COOKIE_UNKNOWN_KEY || rc == NTS_E_COOKIE_AUTH, "got %s",
		      nts_errname(rc));
	ck_assert_ptr_nonnull(sreq.uid);
	ck_assert_uint_eq(f.ctr.server_recvs_bad, 1);
	ck_assert_int_eq(nts_server_build_nak(&sreq, nak, sizeof nak, &nlen), NTS_OK);
	ck_assert_uint_le(nlen, len);
	check_nak(nak, nlen, &f);
	nts_server_free(srv2);
	nts_cookie_ring_free(foreign);
	fx_free(&f);
}
END_TEST

/* A request sealed with the wrong C2S key also gets a NAK. */
START_TEST(nak_bad_authenticator)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], nak[NTP_MAX_PACKET], wrong_key[32];
	struct nts_server_request sreq;
	struct nts_aead *wrong;
	size_t len, nlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	memset(wrong_key, 0x5a, sizeof wrong_key);
	ck_assert_int_eq(nts_aead_new(f.aead, wrong_key, sizeof wrong_key, &wrong), NTS_OK);
	struct nts_client_request req = fx_request(&f, 0);
	ck_assert_int_eq(nts_client_build_request(&req, wrong, pkt, sizeof pkt, &len), NTS_OK);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_E_NTS_AUTH_FAIL);
	ck_assert_ptr_nonnull(sreq.uid);
	ck_assert_int_eq(nts_server_build_nak(&sreq, nak, sizeof nak, &nlen), NTS_OK);
	check_nak(nak, nlen, &f);
	nts_aead_free(wrong);
	fx_free(&f);
}
END_TEST

/* ---- anti-amplification (RFC 8915 section 5.7) */

/* Shrink the request length the server saw by 'cut' octets: the response
 * must still fit, dropping whole cookies. */
static const size_t cuts[] = { 0, 1, 4, 103, 104, 108, 109, 200, 3 * 108, 8 * 108 + 1 };

START_TEST(never_amplify)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t rlen;

	fx_init(&f, aeads[_i % 2]);
	size_t cookie_ef = (f.cookie_len + 4 + 3) / 4 * 4;
	for (unsigned ph = 0; ph <= NTS_MAX_PLACEHOLDERS; ph++) {
		if (48 + 36 + (1 + ph) * cookie_ef + 40 > NTP_MAX_PACKET)
			break;
		size_t len = fx_build(&f, ph, pkt);
		for (size_t c = 0; c < sizeof cuts / sizeof cuts[0] && cuts[c] < len; c++) {
			ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
			sreq.len = len - cuts[c];
			/* our request and full response have the same size, so each
			 * started cookie field's worth of shortfall costs one cookie */
			long want = (long)(1 + ph) - (long)((cuts[c] + cookie_ef - 1) / cookie_ef);
			int rc = nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
							   &rlen);
			if (want < 0) {
				ck_assert_int_eq(rc, NTS_E_NOSPACE);
				continue;
			}
			ck_assert_int_eq(rc, NTS_OK);
			ck_assert_uint_le(rlen, sreq.len);
			ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid,
								   f.s2c, &cresp), NTS_OK);
			ck_assert_int_eq((long)cresp.ncookies, want);
		}
	}
	fx_free(&f);
}
END_TEST

/* ---- malformed requests, one code per class */

static const struct {
	const char *file;
	int code;
} bad_rows[] = {
	{ "nts/bad-no-uid.hex", NTS_E_NTS_NO_UID },
	{ "nts/bad-uid-short.hex", NTS_E_NTS_UID_SHORT },
	{ "nts/bad-uid-dup.hex", NTS_E_NTS_DUP_UID },
	{ "nts/bad-no-cookie.hex", NTS_E_NTS_NO_COOKIE },
	{ "nts/bad-cookie-dup.hex", NTS_E_NTS_DUP_COOKIE },
	{ "nts/bad-no-auth.hex", NTS_E_NTS_NO_AUTH },
	{ "nts/bad-auth-not-last.hex", NTS_E_NTS_AUTH_NOT_LAST },
	{ "nts/bad-nonce-short.hex", NTS_E_NTS_NONCE_SHORT },
	{ "nts/bad-nonce-zero.hex", NTS_E_NTS_NONCE_SHORT },
	{ "nts/bad-auth-ct-overrun.hex", NTS_E_NTS_AUTH_MALFORMED },
	{ "nts/bad-auth-ct-short.hex", NTS_E_NTS_AUTH_MALFORMED },
	{ "nts/bad-placeholder-size.hex", NTS_E_NTS_PLACEHOLDER_SIZE },
};

START_TEST(malformed_vectors)
{
	struct fixture f;
	struct nts_server_request sreq;
	size_t len;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	uint8_t *pkt = tv_load_hex(bad_rows[_i].file, &len);
	int rc = nts_server_parse_request(f.srv, pkt, len, &sreq);
	ck_assert_msg(rc == bad_rows[_i].code, "%s: got %s, want %s", bad_rows[_i].file,
		      nts_errname(rc), nts_errname(bad_rows[_i].code));
	ck_assert_uint_eq(f.ctr.server_recvs_bad, 1);
	ck_assert_uint_eq(f.ctr.server_recvs_good, 0);
	free(pkt);
	fx_free(&f);
}
END_TEST

START_TEST(not_nts_and_mode)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	size_t len;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	uint8_t *plain = tv_load_hex("ntp/mode3-request.hex", &len);
	ck_assert_int_eq(nts_server_parse_request(f.srv, plain, len, &sreq), NTS_E_NTS_NOT_NTS);
	free(plain);
	/* unknown fields alone do not make a packet NTS */
	plain = tv_load_hex("ntp/ef-then-mac.hex", &len);
	plain[48] = 0x77;
	ck_assert_int_eq(nts_server_parse_request(f.srv, plain, len, &sreq), NTS_E_NTS_NOT_NTS);
	free(plain);
	plain = tv_load_hex("ntp/ef-overrun.hex", &len);
	ck_assert_int_eq(nts_server_parse_request(f.srv, plain, len, &sreq), NTS_E_EF_OVERRUN);
	free(plain);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, 40, &sreq), NTS_E_NTP_SHORT);

	struct nts_client_request req = fx_request(&f, 0);
	req.hdr.mode = NTP_MODE_SERVER;
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_OK);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_E_NTP_MODE);
	/* and a client refuses a "response" that is not mode 4 */
	struct nts_client_response cresp;
	len = fx_build(&f, 0, pkt);
	ck_assert_int_eq(nts_client_parse_response(pkt, len, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTP_MODE);
	fx_free(&f);
}
END_TEST

/* Responses the client must drop, each for its own reason. */
START_TEST(client_rejects)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET], resp[NTP_MAX_PACKET];
	struct nts_server_request sreq;
	struct nts_client_response cresp;
	size_t rlen;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	size_t len = fx_build(&f, 0, pkt);
	ck_assert_int_eq(nts_server_parse_request(f.srv, pkt, len, &sreq), NTS_OK);
	ck_assert_int_eq(nts_server_build_response(f.srv, &sreq, &resp_hdr, resp, sizeof resp,
						   &rlen), NTS_OK);
	/* no authenticator: cut the response after the UID echo */
	ck_assert_int_eq(nts_client_parse_response(resp, 48 + 36, f.uid, sizeof f.uid, f.s2c,
						   &cresp), NTS_E_NTS_NO_AUTH);
	/* no UID: header only */
	ck_assert_int_eq(nts_client_parse_response(resp, 48, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTS_NO_UID);
	/* a field after the authenticator */
	struct nts_wr w;
	nts_wr_init(&w, resp, sizeof resp);
	w.pos = rlen;
	ck_assert_int_eq(ntp_ef_write(&w, 0x7777, NULL, 0), NTS_OK);
	ck_assert_int_eq(nts_client_parse_response(resp, w.pos, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTS_AUTH_NOT_LAST);
	/* a NAK-shaped header that still carries an authenticator is verified,
	 * not taken as a NAK: changing the header breaks the AEAD */
	resp[1] = 0;
	nts_put32(resp + 12, NTP_REFID_NTSN);
	ck_assert_int_eq(nts_client_parse_response(resp, rlen, f.uid, sizeof f.uid, f.s2c, &cresp),
			 NTS_E_NTS_AUTH_FAIL);
	ck_assert(!cresp.nak);
	fx_free(&f);
}
END_TEST

START_TEST(build_args)
{
	struct fixture f;
	uint8_t pkt[NTP_MAX_PACKET];
	size_t len;

	fx_init(&f, NTS_AEAD_AES_SIV_CMAC_256);
	struct nts_client_request req = fx_request(&f, 0);
	req.uid_len = NTS_UID_LEN - 1;
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_E_INVAL);
	req = fx_request(&f, NTS_MAX_PLACEHOLDERS + 1);
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_E_INVAL);
	req = fx_request(&f, 0);
	req.cookie_len = 0;
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_E_INVAL);
	req = fx_request(&f, 0);
	req.nonce = f.uid;
	req.nonce_len = 0;
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, sizeof pkt, &len), NTS_E_INVAL);
	/* every capacity short of the full request fails cleanly */
	req = fx_request(&f, 2);
	size_t full = fx_build(&f, 2, pkt);
	for (size_t cap = 0; cap < full; cap += 7)
		ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, cap, &len), NTS_E_NOSPACE);
	ck_assert_int_eq(nts_client_build_request(&req, f.c2s, pkt, full, &len), NTS_OK);
	ck_assert_uint_eq(len, full);
	/* two requests differ in their random nonce, hence in every SIV octet */
	uint8_t again[NTP_MAX_PACKET];
	ck_assert_uint_eq(fx_build(&f, 2, again), full);
	ck_assert_mem_ne(again + full - 32, pkt + full - 32, 16);
	fx_free(&f);
}
END_TEST

/* ---- known-answer vectors made by testvectors/nts/gen.py */

static const uint8_t tv_uid[32] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

static void seq(uint8_t *out, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(first + i);
}

/* A server whose ring holds gen.py's master key. */
static struct nts_cookie_ring *tv_ring(void)
{
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	struct nts_cookie_ring *r;
	struct nts_ring_key k = { .id = 0x01020304, .created = 1700000000 };
	seq(k.key, sizeof k.key, 0x40);
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &r), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_import(r, &k, 1), NTS_OK);
	return r;
}

START_TEST(vector_request)
{
	uint8_t c2s_key[32], s2c_key[32], nonce[16], out[NTP_MAX_PACKET];
	struct nts_aead *c2s;
	struct nts_server_request sreq;
	struct nts_server *srv;
	size_t len, olen;

	seq(c2s_key, 32, 0x00);
	seq(s2c_key, 32, 0x20);
	seq(nonce, 16, 0x60);
	uint8_t *pkt = tv_load_hex("nts/request.hex", &len);
	ck_assert_uint_eq(len, 48 + 36 + 108 + 108 + 40);
	/* the cookie is opaque to the client: take it from the vector */
	struct nts_client_request req = {
		.hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 6, .precision = -20,
			 .xmt = REQ_XMT },
		.uid = tv_uid, .uid_len = sizeof tv_uid,
		.cookie = pkt + 48 + 36 + 4, .cookie_len = 104,
		.placeholders = 1,
		.nonce = nonce, .nonce_len = sizeof nonce,
	};
	ck_assert_int_eq(nts_aead_new(NTS_AEAD_AES_SIV_CMAC_256, c2s_key, 32, &c2s), NTS_OK);
	ck_assert_int_eq(nts_client_build_request(&req, c2s, out, sizeof out, &olen), NTS_OK);
	ck_assert_uint_eq(olen, len);
	ck_assert_mem_eq(out, pkt, len);

	/* the server side opens gen.py's cookie and verifies the request */
	struct nts_cookie_ring *ring = tv_ring();
	ck_assert_int_eq(nts_server_new(ring, NULL, &srv), NTS_OK);
	ck_assert_int_eq(nts_server_parse_request(srv, pkt, len, &sreq), NTS_OK);
	ck_assert_uint_eq(sreq.aead, NTS_AEAD_AES_SIV_CMAC_256);
	ck_assert_mem_eq(sreq.c2s, c2s_key, 32);
	ck_assert_mem_eq(sreq.s2c, s2c_key, 32);
	ck_assert_uint_eq(sreq.placeholders, 1);

	/* and the NAK it would send is gen.py's, octet for octet */
	size_t nlen;
	uint8_t *want = tv_load_hex("nts/nak.hex", &nlen);
	ck_assert_int_eq(nts_server_build_nak(&sreq, out, sizeof out, &olen), NTS_OK);
	ck_assert_uint_eq(olen, nlen);
	ck_assert_mem_eq(out, want, nlen);
	free(want);

	/* the padded 12-octet nonce variant is valid too, and the builder puts
	 * the Additional Padding where gen.py does: after the ciphertext */
	uint8_t cookie[104];
	memcpy(cookie, pkt + 48 + 36 + 4, sizeof cookie);
	free(pkt);
	pkt = tv_load_hex("nts/request-nonce12-padded.hex", &len);
	ck_assert_int_eq(nts_server_parse_request(srv, pkt, len, &sreq), NTS_OK);
	req.cookie = cookie;
	req.placeholders = 0;
	req.nonce_len = 12;
	ck_assert_int_eq(nts_client_build_request(&req, c2s, out, sizeof out, &olen), NTS_OK);
	ck_assert_uint_eq(olen, len);
	ck_assert_mem_eq(out, pkt, len);
	free(pkt);
	nts_server_free(srv);
	nts_cookie_ring_free(ring);
	nts_aead_free(c2s);
}
END_TEST

START_TEST(vector_response)
{
	uint8_t c2s_key[32], s2c_key[32];
	struct nts_aead *s2c;
	struct nts_client_response cresp;
	size_t len, rlen;

	seq(c2s_key, 32, 0x00);
	seq(s2c_key, 32, 0x20);
	uint8_t *req = tv_load_hex("nts/request.hex", &rlen);
	uint8_t *pkt = tv_load_hex("nts/response.hex", &len);
	ck_assert_uint_le(len, rlen);
	ck_assert_int_eq(nts_aead_new(NTS_AEAD_AES_SIV_CMAC_256, s2c_key, 32, &s2c), NTS_OK);
	ck_assert_int_eq(nts_client_parse_response(pkt, len, tv_uid, sizeof tv_uid, s2c, &cresp),
			 NTS_OK);
	ck_assert_uint_eq(cresp.hdr.org, REQ_XMT);
	ck_assert_uint_eq(cresp.hdr.stratum, 2);
	ck_assert_uint_eq(cresp.ncookies, 2);
	struct nts_cookie_ring *ring = tv_ring();
	for (size_t i = 0; i < 2; i++) {
		struct nts_cookie_keys k;
		ck_assert_uint_eq(cresp.cookie_len[i], 104);
		/* cookie nonces 81.. and 82.. as gen.py chose them */
		ck_assert_uint_eq(cresp.cookies[i][4], 0x81 + i);
		ck_assert_int_eq(nts_cookie_open(ring, cresp.cookies[i], 104, &k), NTS_OK);
		ck_assert_mem_eq(k.c2s, c2s_key, 32);
		ck_assert_mem_eq(k.s2c, s2c_key, 32);
	}
	uint8_t *nak = tv_load_hex("nts/nak.hex", &len);
	ck_assert_int_eq(nts_client_parse_response(nak, len, tv_uid, sizeof tv_uid, s2c, &cresp),
			 NTS_E_NTS_NAK);
	ck_assert(cresp.nak);
	free(nak);
	free(pkt);
	free(req);
	nts_cookie_ring_free(ring);
	nts_aead_free(s2c);
}
END_TEST

Suite *nts_ef_suite(void)
{
	Suite *s = suite_create("nts_ef");
	TCase *tc = tcase_create("exchange");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, round_trip, 0, 16);
	tcase_add_test(tc, inner_fields);
	tcase_add_test(tc, tamper_request);
	tcase_add_test(tc, tamper_response);
	tcase_add_test(tc, uid_mismatch);
	tcase_add_test(tc, nak_unknown_key);
	tcase_add_test(tc, nak_bad_authenticator);
	tcase_add_test(tc, nak_authenticated_shape);
	tcase_add_loop_test(tc, never_amplify, 0, 2);
	tcase_add_test(tc, large_request_fewer_cookies);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, malformed_vectors, 0, (int)(sizeof bad_rows / sizeof bad_rows[0]));
	tcase_add_test(tc, not_nts_and_mode);
	tcase_add_test(tc, client_rejects);
	tcase_add_test(tc, build_args);
	suite_add_tcase(s, tc);
	tc = tcase_create("vectors");
	tcase_add_test(tc, vector_request);
	tcase_add_test(tc, vector_response);
	suite_add_tcase(s, tc);
	return s;
}
