/* Build NTS requests from structured cases, for the in-process server target
 * and the network fuzzer alike (so a network finding replays in-process). */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/buf.h"
#include "nts/ntp.h"

size_t fuzz_build_request(const uint8_t *data, size_t size, const uint8_t *cookie, size_t clen,
			  struct nts_aead *c2s, uint8_t *pkt, size_t cap, size_t *inner_len_out)
{
	if (size < 5)
		return 0;
	uint8_t flags = data[0], nonce_len = data[1] % 40, pp = data[2];
	size_t rest = size - 5;
	size_t outer_len = nts_get16(data + 3) % (rest + 1);
	const uint8_t *outer = data + 5, *inner = outer + outer_len;
	size_t inner_len = rest - outer_len;
	struct nts_wr w;
	nts_wr_init(&w, pkt, cap);

	if (flags & FZ_TEMPLATE)
		fuzz_write_header(&w, NTP_MODE_CLIENT, false);
	if (flags & FZ_UID)
		ntp_ef_write(&w, NTP_EF_UNIQUE_ID, fuzz_uid, sizeof fuzz_uid);
	nts_wr_bytes(&w, outer, outer_len);
	if (cookie) {
		ntp_ef_write(&w, NTP_EF_NTS_COOKIE, cookie, clen);
		/* placeholders as long as the cookie, as RFC 8915 section 5.5 asks */
		for (unsigned i = 0; i < (unsigned)((pp >> 4) & 7); i++) {
			uint8_t *p;
			if (!nts_wr_u16(&w, NTP_EF_NTS_PLACEHOLDER) || !nts_wr_u16(&w, (uint16_t)(clen + 4)) ||
			    !nts_wr_reserve(&w, clen, &p))
				break;
			memset(p, 0, clen);
		}
	}
	if (!fuzz_append_auth(&w, c2s, nonce_len, (pp & 3) * 4, inner, inner_len, flags & FZ_TAMPER))
		return 0;
	if (flags & FZ_TRAIL) {
		static const uint8_t zero[12];
		ntp_ef_write(&w, 0x2000, zero, sizeof zero);
	}
	*inner_len_out = inner_len;
	return w.err ? 0 : w.pos;
}
