/* Fuzz target: NTS request processing on the server (libnts/nts_ef.c) and the
 * server's decisions (libnts/serve.c) with a fixed master-key ring. Structure-aware: the input supplies the header,
 * outer fields and the plaintext of the encrypted fields, and the harness
 * adds a real cookie and seals a real authenticator with the known C2S key,
 * so mutations reach the code behind authentication. Input layout:
 *   flags(1) nonce_len(1) pad_placeholders(1) outer_len(2) outer inner
 * pad_placeholders: bits 0-1 Additional Padding / 4, bit 2 PP_CLIENT_BUILD
 * (build the request with nts_client_build_request() instead, so both
 * sides of libnts are checked against each other), bits 4-6 placeholders.
 * With FZ_RAW the octets after the flags are the packet as it is. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/serve.h"


#define PKT_CAP 4096
#define PP_CLIENT_BUILD (1 << 2)

static struct nts_server *server(void)
{
	static struct nts_server *srv;
	static struct nts_counters counters;
	if (!srv)
		FUZZ_SETUP(nts_server_new(fuzz_ring(), &counters, &srv) == NTS_OK);
	return srv;
}

/* The request our own client would send: header, the harness UID and
 * cookie, placeholders, and 'inner' sealed; 0 if the builder refused. */
static size_t client_build(const uint8_t *data, size_t size, uint8_t *pkt, size_t *inner_len_out)
{
	uint8_t flags = data[0], nonce[64];
	size_t rest = size - 5, outer_len = nts_get16(data + 3) % (rest + 1);
	uint16_t aead = flags & FZ_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	uint8_t fresh[NTS_COOKIE_MAX];
	size_t clen, len = 0;
	const uint8_t *cookie = fresh;
	if (flags & FZ_OLD)
		cookie = fuzz_old_cookie(aead, &clen);
	else
		FUZZ_SETUP(nts_cookie_seal(fuzz_ring(), aead, fuzz_c2s, fuzz_s2c, nts_aead_key_len(aead),
					   fresh, sizeof fresh, &clen) == NTS_OK);
	for (size_t i = 0; i < sizeof nonce; i++)
		nonce[i] = (uint8_t)(0x30 + i);
	struct nts_client_request req = {
		.hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 6, .precision = -20,
			 .xmt = 0xe9a0000200000000ull },
		.uid = fuzz_uid,
		.uid_len = sizeof fuzz_uid,
		.cookie = cookie,
		.cookie_len = clen,
		.placeholders = (data[2] >> 4) & 7,
		.inner = data + 5 + outer_len,
		.inner_len = rest - outer_len,
		.nonce = data[1] % 40 ? nonce : NULL,
		.nonce_len = data[1] % 40,
	};
	if (nts_client_build_request(&req, fuzz_aead(aead, 0), pkt, PKT_CAP, &len) != NTS_OK)
		return 0;
	*inner_len_out = req.inner_len;
	return len;
}

/* Build the request packet from the structured input; 0 if it did not fit. */
static size_t build(const uint8_t *data, size_t size, uint8_t *pkt, size_t *inner_len_out)
{
	uint8_t flags = data[0];
	uint16_t aead = flags & FZ_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	uint8_t fresh[NTS_COOKIE_MAX];
	size_t clen = 0;
	const uint8_t *cookie = NULL;
	if (flags & FZ_OLD) {
		cookie = fuzz_old_cookie(aead, &clen);
	} else if (!(flags & FZ_NOCOOKIE)) {
		FUZZ_SETUP(nts_cookie_seal(fuzz_ring(), aead, fuzz_c2s, fuzz_s2c, nts_aead_key_len(aead),
					   fresh, sizeof fresh, &clen) == NTS_OK);
		cookie = fresh;
	}
	if (flags & FZ_NOCOOKIE)
		cookie = NULL;
	return fuzz_build_request(data, size, cookie, clen, fuzz_aead(aead, 0), pkt, PKT_CAP, inner_len_out);
}

/* The server's decisions (libnts/serve.c) over the same ring and keys. */
static struct nts_serve *serve(void)
{
	static struct nts_serve *sv;
	static struct nts_counters counters;
	static const struct nts_serve_config cfg = { .stratum = 2, .refid = 0x7f000001u,
						     .precision = -20 };
	if (!sv)
		FUZZ_SETUP(nts_serve_new(fuzz_ring(), &counters, &cfg, &sv) == NTS_OK);
	return sv;
}

/* An NTS answer must be one our own client accepts, whose cookies open to
 * the request's keys. */
static void check_answer(const struct nts_server_request *req, const uint8_t *out, size_t rlen)
{
	static struct nts_client_response cresp;
	struct nts_aead *s2c = NULL;
	FUZZ_CHECK(req->uid_len >= NTS_UID_LEN);
	FUZZ_CHECK(req->inner_len <= sizeof req->inner);
	FUZZ_SETUP(nts_aead_new(req->aead, req->s2c, req->key_len, &s2c) == NTS_OK);
	memset(&cresp, 0, sizeof cresp);
	int rc = nts_client_parse_response(out, rlen, req->uid, req->uid_len, s2c, &cresp);
	nts_aead_free(s2c);
	FUZZ_CHECK(rc == NTS_OK);
	FUZZ_CHECK(cresp.hdr.org == req->hdr.xmt && cresp.hdr.stratum == 2);
	FUZZ_CHECK(cresp.ncookies >= 1 && cresp.ncookies <= 1u + req->placeholders);
	for (size_t i = 0; i < cresp.ncookies; i++) {
		struct nts_cookie_keys k;
		FUZZ_CHECK(nts_cookie_open(fuzz_ring(), cresp.cookies[i], cresp.cookie_len[i], &k) == NTS_OK);
		FUZZ_CHECK(k.aead == req->aead && k.key_len == req->key_len && !k.old);
		FUZZ_CHECK(memcmp(k.c2s, req->c2s, k.key_len) == 0 && memcmp(k.s2c, req->s2c, k.key_len) == 0);
	}
}

/* A NAK must be one our client recognises (RFC 8915 section 5.7). */
static void check_nak(const struct nts_server_request *req, const uint8_t *out, size_t nlen)
{
	static struct nts_client_response cresp;
	memset(&cresp, 0, sizeof cresp);
	int rc = nts_client_parse_response(out, nlen, req->uid, req->uid_len, fuzz_aead(15, 1), &cresp);
	FUZZ_CHECK(rc == NTS_E_NTS_NAK && cresp.nak);
}

/* The parser's verdict and the server's action must agree, and no answer
 * may be larger than the request (RFC 8915 section 5.7). */
static int process(const uint8_t *pkt, size_t len, const uint8_t *data, size_t inner_len)
{
	static struct nts_server_request req;
	static uint8_t out[PKT_CAP];
	memset(&req, 0, sizeof req);
	int rc = nts_server_parse_request(server(), pkt, len, &req);
	fuzz_debug_rc(rc);
	if (rc == NTS_OK && data) {
		uint8_t flags = data[0];
		uint16_t aead = flags & FZ_AEAD512 ? 17 : 15;
		size_t nlen = data[1] % 40, extra = (data[2] & 3) * 4;
		/* no forged cookie or tag is ever accepted, nor an empty nonce,
		 * nor a short one without Additional Padding (RFC 8915 section 5.6) */
		FUZZ_CHECK(!(flags & (FZ_TAMPER | FZ_NOCOOKIE)));
		FUZZ_CHECK(nlen > 0 && ((nlen + 3) & ~(size_t)3) + extra >= NTS_NONCE_LEN);
		FUZZ_CHECK(req.aead == aead && req.key_len == nts_aead_key_len(aead));
		FUZZ_CHECK(memcmp(req.c2s, fuzz_c2s, req.key_len) == 0);
		FUZZ_CHECK(memcmp(req.s2c, fuzz_s2c, req.key_len) == 0);
		FUZZ_CHECK(req.cookie_old == !!(flags & FZ_OLD));
		FUZZ_CHECK(req.inner_len == inner_len || inner_len > NTS_MAX_INNER);
	}
	FUZZ_CHECK(rc <= 0);
	if (rc == NTS_OK)
		FUZZ_CHECK(req.uid >= pkt && req.uid + req.uid_len <= pkt + len);

	struct nts_serve_in in = { .pkt = pkt, .len = len, .rx = 0xe9a0000300000000ull };
	struct nts_serve_result res;
	FUZZ_CHECK(nts_serve_ntp(serve(), &in, out, sizeof out, &res) == NTS_OK);
	FUZZ_CHECK(res.len <= len);
	bool client = len >= NTP_HEADER_LEN && (pkt[0] & 7) == NTP_MODE_CLIENT;
	switch (res.action) {
	case NTS_SERVE_NTS:
		if (res.err != NTS_OK && fuzz_strict())
			fprintf(stderr, "serve: %s (request %zu octets)\n", nts_errname(res.err), len);
		FUZZ_CHECK(rc == NTS_OK && res.err == NTS_OK);
		check_answer(&req, out, res.len);
		break;
	case NTS_SERVE_NAK:
		FUZZ_CHECK(nts_serve_err_naks(rc) && req.uid && res.err == rc);
		check_nak(&req, out, res.len);
		break;
	case NTS_SERVE_PLAIN:
		FUZZ_CHECK(rc == NTS_E_NTS_NOT_NTS && client && res.len == NTP_HEADER_LEN);
		break;
	case NTS_SERVE_DROP:
		/* every request our parser accepts is answered (a large AEAD 17
		 * request with fewer cookies), and every plain one */
		FUZZ_CHECK(rc != NTS_OK && !(nts_serve_err_naks(rc) && req.uid));
		FUZZ_CHECK(!(rc == NTS_E_NTS_NOT_NTS && client));
		break;
	default:
		FUZZ_CHECK(0);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[PKT_CAP];
	if (size < 1)
		return 0;
	if ((data[0] & FZ_RAW) || size < 5) {
		/* copy so a read past the packet end is a heap overflow */
		uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
		FUZZ_SETUP(copy != NULL);
		memcpy(copy, data + 1, size - 1);
		process(copy, size - 1, NULL, 0);
		free(copy);
		return 0;
	}
	size_t inner_len = 0;
	bool by_client = data[2] & PP_CLIENT_BUILD;
	size_t len = by_client ? client_build(data, size, pkt, &inner_len) : build(data, size, pkt, &inner_len);
	if (len == 0)
		return 0;
	uint8_t *copy = malloc(len);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, pkt, len);
	int rc = process(copy, len, by_client ? NULL : data, inner_len);
	/* what our client builds, our server accepts, unless the caller's
	 * encrypted fields are malformed or more than the server keeps
	 * (NTS_MAX_INNER) */
	if (by_client)
		FUZZ_CHECK(rc == NTS_OK || rc == NTS_E_NTS_INNER_MALFORMED ||
			   (rc == NTS_E_NOSPACE && inner_len > NTS_MAX_INNER));
	free(copy);
	return 0;
}
