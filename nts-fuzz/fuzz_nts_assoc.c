/* Fuzz target: the NTS client association (libnts/nts_assoc.c): its saved
 * state decoder and its response path with the jar and NAK bookkeeping.
 * First octet: bit 0 clear = the rest is a state file for nts_assoc_load();
 * bit 0 set = a response case. A response case loads a state holding the
 * fuzz keys and n cookies, wraps a real request, and answers it with a
 * packet built like fuzz_nts_client.c's (the harness echoes the request's
 * random UID and seals the inner octets with S2C when asked):
 *   mode(1) flags(1) nonce_len(1) pad(1) outer_len(2) outer inner */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_assoc.h"
#include "nts/nts_ef.h"

#define HOST "fuzz.example.net"

enum {
	M_RESPONSE = 1 << 0,
	M_AEAD512 = 1 << 1,
	M_JAR_SHIFT = 2,       /* bits 2..4: cookies held before the request, 1..8 */
};


static struct nts_assoc *new_assoc(void)
{
	struct nts_assoc_params p = { .ke_host = HOST, .naeads = 2,
				      .aeads = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 } };
	struct nts_assoc *a = NULL;
	FUZZ_SETUP(nts_assoc_new(&p, &a) == NTS_OK);
	return a;
}

/* A valid state with the fuzz keys and n distinct 100-octet cookies. */
static size_t make_state(uint16_t aead, unsigned n, uint8_t *out, size_t cap)
{
	size_t klen = nts_aead_key_len(aead);
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	nts_wr_bytes(&w, "NTSA", 4);
	nts_wr_u16(&w, 1);
	nts_wr_u8(&w, (uint8_t)strlen(HOST));
	nts_wr_bytes(&w, HOST, strlen(HOST));
	nts_wr_u16(&w, 4460);
	nts_wr_u16(&w, aead);
	nts_wr_u16(&w, (uint16_t)klen);
	nts_wr_bytes(&w, fuzz_c2s, klen);
	nts_wr_bytes(&w, fuzz_s2c, klen);
	nts_wr_u64(&w, 1700000000);
	nts_wr_u8(&w, 0);
	nts_wr_u8(&w, (uint8_t)strlen(HOST));
	nts_wr_bytes(&w, HOST, strlen(HOST));
	nts_wr_u16(&w, 123);
	nts_wr_u8(&w, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t c[100];
		memset(c, (int)(0x10 + i), sizeof c);
		nts_wr_u16(&w, sizeof c);
		nts_wr_bytes(&w, c, sizeof c);
	}
	return w.err ? 0 : w.pos;
}

static void state_case(const uint8_t *data, size_t size)
{
	static uint8_t again[NTS_ASSOC_STATE_MAX];
	struct nts_assoc *a = new_assoc();
	struct nts_assoc_info info;
	size_t len;
	int rc = nts_assoc_load(a, data, size);
	fuzz_debug_rc(rc);
	FUZZ_CHECK(rc == NTS_OK || rc == NTS_E_STATE_FORMAT || rc == NTS_E_STATE_OTHER);
	nts_assoc_info(a, &info);
	if (rc != NTS_OK) {
		/* a refused file leaves nothing behind */
		FUZZ_CHECK(!info.have_keys && info.ncookies == 0);
	} else {
		FUZZ_CHECK(info.have_keys && info.ncookies >= 1 && info.ncookies <= NTS_ASSOC_JAR);
		FUZZ_CHECK(info.ntp_port != 0 && info.ntp_host[0]);
		/* the format is canonical: what loads saves back octet for octet */
		FUZZ_CHECK(nts_assoc_save(a, again, sizeof again, &len) == NTS_OK);
		FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
	}
	nts_assoc_free(a);
}

/* NTS Cookie fields in the sealed plaintext, as the parser would keep them. */
static size_t inner_cookies(const uint8_t *inner, size_t len)
{
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	size_t n = 0;
	ntp_ef_iter_init(&it, inner, len, 0);
	while (ntp_ef_next(&it, &ef) == 1)
		if (ef.type == NTP_EF_NTS_COOKIE && ef.body_len <= NTS_COOKIE_MAX)
			n++;
	return n;
}

static void response_case(uint8_t mode, const uint8_t *data, size_t size)
{
	static uint8_t state[NTS_ASSOC_STATE_MAX], req[NTP_MAX_PACKET], pkt[4096];
	uint16_t aead = mode & M_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	unsigned held = 1 + ((mode >> M_JAR_SHIFT) & 7);
	struct nts_assoc_info before, after;
	const uint8_t *inner;
	size_t inner_len, rlen;

	if (size < 5)
		return;
	struct nts_assoc *a = new_assoc();
	size_t slen = make_state(aead, held, state, sizeof state);
	FUZZ_SETUP(slen && nts_assoc_load(a, state, slen) == NTS_OK);
	struct ntp_hdr h = { .version = 4, .mode = NTP_MODE_CLIENT, .xmt = 1 };
	FUZZ_SETUP(ntp_hdr_write(&h, req, sizeof req) == NTS_OK);
	FUZZ_SETUP(nts_assoc_wrap(a, req, sizeof req, &rlen) == NTS_OK);
	/* the UID is the first field after the header */
	FUZZ_CHECK(nts_get16(req + 48) == NTP_EF_UNIQUE_ID);
	size_t len = fuzz_build_response(data, size, req + 52, aead, pkt, sizeof pkt, &inner, &inner_len);
	if (len == 0) {
		nts_assoc_free(a);
		return;
	}
	uint8_t *copy = malloc(len ? len : 1);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, pkt, len);
	nts_assoc_info(a, &before);
	FUZZ_CHECK(before.ncookies == held - 1);
	int rc = nts_assoc_unwrap(a, copy, len);
	fuzz_debug_rc(rc);
	FUZZ_CHECK(rc <= 0);
	nts_assoc_info(a, &after);
	FUZZ_CHECK(after.ncookies <= NTS_ASSOC_JAR);
	if (rc == NTS_OK) {
		/* only a sealed, untampered answer is authentic */
		FUZZ_CHECK(!(data[0] & (FZR_RAW | FZR_NOAUTH | FZR_TAMPER)));
		size_t want = before.ncookies + inner_cookies(inner, inner_len);
		FUZZ_CHECK(after.ncookies == (want < NTS_ASSOC_JAR ? want : NTS_ASSOC_JAR));
		FUZZ_CHECK(after.naks == before.naks && !after.nak_pending);
	} else {
		/* nothing unauthenticated reaches the jar */
		FUZZ_CHECK(after.ncookies == before.ncookies);
		FUZZ_CHECK(after.naks == before.naks + (rc == NTS_E_NTS_NAK ? 1u : 0u));
		if (rc == NTS_E_NTS_NAK)
			FUZZ_CHECK(after.nak_pending);
	}
	/* whatever happened, the same packet is never taken twice */
	if (rc == NTS_OK || rc == NTS_E_NTS_NAK)
		FUZZ_CHECK(nts_assoc_unwrap(a, copy, len) == NTS_E_NTS_UID_MISMATCH);
	free(copy);
	nts_assoc_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & M_RESPONSE) {
		response_case(data[0], data + 1, size - 1);
	} else {
		/* exact-size copy so an over-read is caught */
		uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
		FUZZ_SETUP(copy != NULL);
		memcpy(copy, data + 1, size - 1);
		state_case(copy, size - 1);
		free(copy);
	}
	return 0;
}
