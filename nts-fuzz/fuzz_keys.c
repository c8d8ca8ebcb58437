/* Fixed keys, a fixed cookie ring and authenticator sealing for the
 * structure-aware NTS targets: mutated fields get past the AEAD check. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/crc32.h"
#include "nts/keyfile.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/ntp.h"
#include "nts/nts_ef.h"

const uint8_t fuzz_c2s[64] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
const uint8_t fuzz_s2c[64] = {
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
};
const uint8_t fuzz_uid[32] = {
	'n', 't', 's', '-', 'f', 'u', 'z', 'z', ' ', 'u', 'n', 'i', 'q', 'u', 'e', ' ',
	'i', 'd', 'e', 'n', 't', 'i', 'f', 'i', 'e', 'r', ' ', '0', '0', '0', '1', '.',
};

/* The ring is loaded from a key file with fixed master keys (written to a
 * temporary file once per process), so a cookie sealed in one run opens in
 * every later run and raw cookies in the corpus stay meaningful. */
static struct nts_cookie_ring *ring;
static uint8_t old15[NTS_COOKIE_MAX], old17[NTS_COOKIE_MAX];
static size_t old15_len, old17_len;
static struct nts_aead *aeads[2][2];

/* CRC-32 (IEEE) as the key file's end line carries it. */
static void load_fixed_keys(unsigned n)
{
	char text[1024];
	size_t len = (size_t)snprintf(text, sizeof text, "nts-cookie-keys 1\n");
	for (unsigned i = 1; i <= n; i++) {
		len += (size_t)snprintf(text + len, sizeof text - len, "key %u 1700000000 ", i);
		for (unsigned j = 0; j < NTS_MASTER_KEY_LEN; j++)
			len += (size_t)snprintf(text + len, sizeof text - len, "%02x", (16 * i + j) & 0xff);
		text[len++] = '\n';
	}
	uint32_t crc = nts_crc32(text, len);
	len += (size_t)snprintf(text + len, sizeof text - len, "end %u %08x\n", n, (unsigned)crc);
	int rc = nts_keyfile_load(ring, text, len);
	FUZZ_SETUP(rc == NTS_OK);
}

static void ring_init(void)
{
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	FUZZ_SETUP(nts_cookie_ring_new(&cfg, NULL, &ring) == NTS_OK);
	load_fixed_keys(1);
	FUZZ_SETUP(nts_cookie_seal(ring, NTS_AEAD_AES_SIV_CMAC_256, fuzz_c2s, fuzz_s2c, 32, old15,
				   sizeof old15, &old15_len) == NTS_OK);
	FUZZ_SETUP(nts_cookie_seal(ring, NTS_AEAD_AES_SIV_CMAC_512, fuzz_c2s, fuzz_s2c, 64, old17,
				   sizeof old17, &old17_len) == NTS_OK);
	/* a second key makes the first one "old" */
	load_fixed_keys(2);
	FUZZ_SETUP(nts_cookie_ring_size(ring) == 2 && nts_cookie_ring_current_id(ring) == 2);
}

struct nts_cookie_ring *fuzz_ring(void)
{
	if (!ring)
		ring_init();
	return ring;
}

const uint8_t *fuzz_old_cookie(uint16_t aead, size_t *len)
{
	fuzz_ring();
	*len = aead == NTS_AEAD_AES_SIV_CMAC_512 ? old17_len : old15_len;
	return aead == NTS_AEAD_AES_SIV_CMAC_512 ? old17 : old15;
}

struct nts_aead *fuzz_aead(uint16_t aead, int s2c)
{
	int i = aead == NTS_AEAD_AES_SIV_CMAC_512;
	if (!aeads[i][s2c]) {
		size_t klen = nts_aead_key_len(aead);
		FUZZ_SETUP(nts_aead_new(aead, s2c ? fuzz_s2c : fuzz_c2s, klen, &aeads[i][s2c]) == NTS_OK);
	}
	return aeads[i][s2c];
}

bool fuzz_append_auth(struct nts_wr *w, struct nts_aead *a, size_t nonce_len,
		      size_t extra_pad, const uint8_t *inner, size_t inner_len, bool tamper)
{
	uint8_t nonce[256];
	uint8_t ct[NTP_MAX_PACKET + NTS_AEAD_TAG_LEN];
	size_t ct_len = 0;
	if (w->err || nonce_len > sizeof nonce || inner_len > NTP_MAX_PACKET)
		return false;
	for (size_t i = 0; i < nonce_len; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	if (nonce_len > 0) {
		if (nts_aead_seal(a, nonce, nonce_len, w->buf, w->pos, inner, inner_len, ct,
				  sizeof ct, &ct_len) != NTS_OK)
			return false;
	} else {
		memset(ct, 0, NTS_AEAD_TAG_LEN);
		memcpy(ct + NTS_AEAD_TAG_LEN, inner, inner_len);
		ct_len = inner_len + NTS_AEAD_TAG_LEN;
	}
	if (tamper)
		ct[0] ^= 0x01;
	size_t npad = (nonce_len + 3) & ~(size_t)3, cpad = (ct_len + 3) & ~(size_t)3;
	size_t body = 4 + npad + cpad + extra_pad;
	if (body + 4 > 0xffff)
		return false;
	nts_wr_u16(w, NTP_EF_NTS_AUTH);
	nts_wr_u16(w, (uint16_t)(body + 4));
	nts_wr_u16(w, (uint16_t)nonce_len);
	nts_wr_u16(w, (uint16_t)ct_len);
	nts_wr_bytes(w, nonce, nonce_len);
	nts_wr_zero(w, npad - nonce_len);
	nts_wr_bytes(w, ct, ct_len);
	nts_wr_zero(w, cpad - ct_len + extra_pad);
	return !w->err;
}

bool fuzz_write_header(struct nts_wr *w, int mode, bool nak)
{
	struct ntp_hdr h = {
		.leap = nak ? NTP_LEAP_UNSYNC : NTP_LEAP_NONE,
		.version = 4,
		.mode = (uint8_t)mode,
		.stratum = nak ? 0 : 2,
		.poll = 6,
		.precision = -20,
		.root_delay = 0x00000100,
		.root_disp = 0x00000200,
		.refid = nak ? NTP_REFID_NTSN : 0x7f000001,
		.reftime = 0xe9a0000000000000ull,
		.org = mode == NTP_MODE_SERVER ? 0x0123456789abcdefull : 0,
		.rec = 0xe9a0000100000000ull,
		.xmt = 0xe9a0000200000000ull,
	};
	uint8_t *p;
	if (!nts_wr_reserve(w, NTP_HEADER_LEN, &p))
		return false;
	return ntp_hdr_write(&h, p, NTP_HEADER_LEN) == NTS_OK;
}

void fuzz_debug_rc(int rc)
{
	static int on = -1;
	if (on < 0)
		on = getenv("NTS_FUZZ_DEBUG") != NULL;
	if (on)
		fprintf(stderr, "  -> %s\n", nts_errname(rc));
}

bool fuzz_strict(void)
{
	static int on = -1;
	if (on < 0)
		on = getenv("NTS_FUZZ_STRICT") != NULL;
	return on;
}

size_t fuzz_build_response(const uint8_t *data, size_t size, const uint8_t *uid, uint16_t aead,
			   uint8_t *pkt, size_t cap, const uint8_t **inner_out, size_t *inner_len_out)
{
	uint8_t flags = data[0], nonce_len = data[1] % 40, pad = data[2];
	size_t rest = size - 5;
	size_t outer_len = nts_get16(data + 3) % (rest + 1);
	const uint8_t *outer = data + 5, *inner = outer + outer_len;
	size_t inner_len = rest - outer_len;
	struct nts_wr w;

	*inner_out = inner;
	*inner_len_out = inner_len;
	if (flags & FZR_RAW) {
		if (rest > cap)
			return 0;
		memcpy(pkt, outer, rest);
		return rest;
	}
	nts_wr_init(&w, pkt, cap);
	if (flags & FZR_TEMPLATE)
		fuzz_write_header(&w, NTP_MODE_SERVER, flags & FZR_NAK);
	if (flags & FZR_UID)
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, uid, NTS_UID_LEN);
	nts_wr_bytes(&w, outer, outer_len);
	if (!(flags & FZR_NOAUTH) &&
	    !fuzz_append_auth(&w, fuzz_aead(aead, 1), nonce_len, (pad & 7) * 4, inner, inner_len,
			      flags & FZR_TAMPER))
		return 0;
	if (flags & FZR_TRAIL) {
		static const uint8_t zero[12];
		ntp_ef_write(&w, 0x2000, zero, sizeof zero);
	}
	return w.err ? 0 : w.pos;
}
