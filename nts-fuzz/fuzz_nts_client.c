/* Fuzz target: NTS response processing on the client (libnts/nts_ef.c) with
 * known S2C keys. Structure-aware like fuzz_nts_server.c: the input supplies
 * the header, outer fields and the plaintext of the encrypted fields (the new
 * cookies), and the harness seals a real authenticator. Input layout:
 *   flags(1) nonce_len(1) pad(1) outer_len(2) outer inner
 * With FZR_RAW the octets after the flags are the packet as it is. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"


#define PKT_CAP 4096

static size_t build(const uint8_t *data, size_t size, uint8_t *pkt)
{
	uint16_t aead = data[0] & FZR_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	const uint8_t *inner;
	size_t inner_len;
	return fuzz_build_response(data, size, fuzz_uid, aead, pkt, PKT_CAP, &inner, &inner_len);
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
		FUZZ_CHECK(!(data[0] & (FZR_TAMPER | FZR_NOAUTH)));
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
	uint16_t aead = data[0] & FZR_AEAD512 ? NTS_AEAD_AES_SIV_CMAC_512 : NTS_AEAD_AES_SIV_CMAC_256;
	const uint8_t *src = data + 1;
	size_t len = size - 1;
	const uint8_t *structured = NULL;
	if (!(data[0] & FZR_RAW) && size >= 5) {
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
