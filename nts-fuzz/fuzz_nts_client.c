/* Fuzz target: NTS response processing on the client (libnts/nts_ef.c) with
 * known S2C keys. Structure-aware like fuzz_nts_server.c: the input supplies
 * the header, outer fields and the plaintext of the encrypted fields (the new
 * cookies), and the harness seals a real authenticator. Input layout:
 *   flags(1) nonce_len(1) pad(1) outer_len(2) outer inner
 * With FL_RAW the octets after the flags are the packet as it is. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"

enum {
	FL_RAW = 1 << 0,       /* the rest is the packet, unmodified */
	FL_AEAD512 = 1 << 1,   /* AEAD 17 instead of 15 */
	FL_UID = 1 << 2,       /* harness echoes the Unique Identifier first */
	FL_NOAUTH = 1 << 3,    /* no authenticator */
	FL_TAMPER = 1 << 4,    /* flip a tag bit after sealing */
	FL_TEMPLATE = 1 << 5,  /* harness header; outer holds fields only */
	FL_NAK = 1 << 6,       /* the template header is an NTS NAK */
	FL_TRAIL = 1 << 7,     /* a field after the authenticator */
};

#define PKT_CAP 4096

static size_t build(const uint8_t *data, size_t size, uint8_t *pkt)
{
	uint8_t flags = data[0], nonce_len = data[1] % 40, pad = data[2];
	size_t rest = size - 5;
	size_t outer_len = nts_get16(data + 3) % (rest + 1);
	const uint8_t *outer = data + 5, *inner = outer + outer_len;
	size_t inner_len = rest - outer_len;
	uint16_t aead = flags & FL_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	struct nts_wr w;
	nts_wr_init(&w, pkt, PKT_CAP);

	if (flags & FL_TEMPLATE)
		fuzz_write_header(&w, NTP_MODE_SERVER, flags & FL_NAK);
	if (flags & FL_UID)
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, fuzz_uid, sizeof fuzz_uid);
	nts_wr_bytes(&w, outer, outer_len);
	if (!(flags & FL_NOAUTH) &&
	    !fuzz_append_auth(&w, fuzz_aead(aead, 1), nonce_len, (pad & 7) * 4, inner, inner_len,
			      flags & FL_TAMPER))
		return 0;
	if (flags & FL_TRAIL) {
		static const uint8_t zero[12];
		ntp_ef_write(&w, 0x2000, zero, sizeof zero);
	}
	return w.err ? 0 : w.pos;
}

static void check(const uint8_t *pkt, size_t len, const uint8_t *data, size_t size, uint16_t aead)
{
	static struct nts_client_response resp;
	memset(&resp, 0, sizeof resp);
	int rc = nts_client_parse_response(pkt, len, fuzz_uid, sizeof fuzz_uid, fuzz_aead(aead, 1), &resp);
	fuzz_debug_rc(rc);
	FUZZ_CHECK(rc <= 0);
	FUZZ_CHECK(resp.ncookies <= NTS_MAX_COOKIES);
	for (size_t i = 0; i < resp.ncookies; i++)
		FUZZ_CHECK(resp.cookie_len[i] > 0 && resp.cookie_len[i] <= NTS_COOKIE_MAX);
	if (rc == NTS_E_NTS_NAK) {
		/* only a NAK-shaped header for our UID counts as a NAK */
		FUZZ_CHECK(resp.nak && nts_is_nak(&resp.hdr));
		FUZZ_CHECK(memmem(pkt, len, fuzz_uid, sizeof fuzz_uid) != NULL);
	}
	if (rc != NTS_OK)
		return;
	FUZZ_CHECK(!resp.nak);
	FUZZ_CHECK(resp.hdr.mode == NTP_MODE_SERVER);
	/* authenticated data always carries our UID */
	FUZZ_CHECK(memmem(pkt, len, fuzz_uid, sizeof fuzz_uid) != NULL);
	if (data) {
		/* a forged, tampered or missing authenticator is never accepted */
		FUZZ_CHECK(!(data[0] & (FL_TAMPER | FL_NOAUTH)));
		size_t nlen = data[1] % 40, extra = (data[2] & 7) * 4;
		/* nonce plus Additional Padding reach 16 octets (RFC 8915 section 5.6) */
		FUZZ_CHECK(nlen > 0 && ((nlen + 3) & ~(size_t)3) + extra >= NTS_NONCE_LEN);
		/* every cookie came out of the sealed plaintext */
		size_t rest = size - 5, outer_len = nts_get16(data + 3) % (rest + 1);
		const uint8_t *inner = data + 5 + outer_len;
		for (size_t i = 0; i < resp.ncookies; i++)
			FUZZ_CHECK(memmem(inner, rest - outer_len, resp.cookies[i], resp.cookie_len[i]) != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[PKT_CAP];
	if (size < 1)
		return 0;
	uint16_t aead = data[0] & FL_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	const uint8_t *src = data + 1;
	size_t len = size - 1;
	const uint8_t *structured = NULL;
	if (!(data[0] & FL_RAW) && size >= 5) {
		len = build(data, size, pkt);
		if (len == 0)
			return 0;
		src = pkt;
		structured = data;
	}
	/* copy so a read past the packet end is a heap overflow */
	uint8_t *copy = malloc(len ? len : 1);
	FUZZ_SETUP(copy != NULL);
	memcpy(copy, src, len);
	check(copy, len, structured, size, aead);
	free(copy);
	return 0;
}
