/* Fuzz target: the NTP header parser and the extension-field walker (libnts/ntp.c),
 * with round-trip oracles: every field found re-encodes to the same octets. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"

/* Walk the fields from 'start' and check what the walker promises. */
static void walk(const uint8_t *data, size_t size, size_t start)
{
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	uint8_t *copy = malloc(size ? size : 1);
	FUZZ_SETUP(copy != NULL);
	struct nts_wr w;
	nts_wr_init(&w, copy, size);
	size_t expect = start;
	int rc;
	/* each field is at least 16 octets, so this bound is never the one that stops */
	unsigned guard = (unsigned)(size / NTP_EF_MIN_LEN) + 2;

	ntp_ef_iter_init(&it, data, size, start);
	while ((rc = ntp_ef_next(&it, &ef)) == 1) {
		FUZZ_CHECK(guard-- > 0);
		/* fields are contiguous, well formed and inside the packet */
		FUZZ_CHECK(ef.offset == expect);
		FUZZ_CHECK(ef.len >= NTP_EF_MIN_LEN && ef.len % 4 == 0);
		FUZZ_CHECK(ef.offset + ef.len <= size);
		FUZZ_CHECK(ef.body == data + ef.offset + 4);
		FUZZ_CHECK(ef.body_len == (size_t)ef.len - 4);
		FUZZ_CHECK(nts_get16(data + ef.offset) == ef.type);
		FUZZ_CHECK(nts_get16(data + ef.offset + 2) == ef.len);
		(void)ntp_ef_type_name(ef.type);
		/* a parsed field written back gives the same octets */
		size_t at = w.pos;
		FUZZ_CHECK(ntp_ef_write(&w, ef.type, ef.body, ef.body_len) == NTS_OK);
		FUZZ_CHECK(w.pos - at == ef.len);
		FUZZ_CHECK(memcmp(copy + at, data + ef.offset, ef.len) == 0);
		expect += ef.len;
	}
	if (rc == 0) {
		FUZZ_CHECK(it.err == NTS_OK);
		if (it.mac) {
			/* a legacy MAC is 4 octets of key id and a 16- or 20-octet digest */
			FUZZ_CHECK(it.mac_offset == expect);
			FUZZ_CHECK(size - it.mac_offset == 20 || size - it.mac_offset == 24);
		} else {
			FUZZ_CHECK(expect == size || size <= start);
		}
	} else {
		FUZZ_CHECK(rc < 0 && it.err == rc);
		FUZZ_CHECK(rc == NTS_E_EF_TRUNC_HDR || rc == NTS_E_EF_LEN_SMALL ||
			   rc == NTS_E_EF_LEN_ALIGN || rc == NTS_E_EF_OVERRUN ||
			   rc == NTS_E_NTP_TRAILING || rc == NTS_E_NTP_SHORT);
		/* the walker stays stopped after a violation */
		FUZZ_CHECK(ntp_ef_next(&it, &ef) == rc);
	}
	free(copy);
}

static void header(const uint8_t *data, size_t size)
{
	struct ntp_hdr h;
	int rc = ntp_hdr_parse(data, size, &h);
	if (size < NTP_HEADER_LEN) {
		FUZZ_CHECK(rc == NTS_E_NTP_SHORT);
		return;
	}
	if (rc != NTS_OK) {
		FUZZ_CHECK(rc == NTS_E_NTP_VERSION);
		return;
	}
	FUZZ_CHECK(h.version >= 1 && h.version <= 4);
	FUZZ_CHECK(h.leap <= 3 && h.mode <= 7);
	/* every header bit is kept, so writing it back gives the input */
	uint8_t out[NTP_HEADER_LEN];
	FUZZ_CHECK(ntp_hdr_write(&h, out, sizeof out) == NTS_OK);
	FUZZ_CHECK(memcmp(out, data, NTP_HEADER_LEN) == 0);

	/* timestamp helpers must not trip UBSan on any value */
	struct timespec ts;
	double off, delay;
	ntp_ts_to_timespec(h.xmt, (time_t)(h.refid & 0x7fffffff), &ts);
	FUZZ_CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	(void)ntp_ts_from_timespec(&ts);
	(void)ntp_ts_diff(h.org, h.rec);
	ntp_offset_delay(h.org, h.rec, h.xmt, h.reftime, &off, &delay);
	double d = ntp_short_to_double(h.root_delay);
	if (h.root_delay < 0xffff0000u)
		FUZZ_CHECK(ntp_short_from_double(d) == h.root_delay);
	(void)ntp_short_from_double((double)(int32_t)h.root_disp / 1024.0);
	/* out-of-range nanoseconds are normalised, not trusted */
	ts.tv_sec = (time_t)(int32_t)h.refid;
	ts.tv_nsec = (long)(int32_t)h.root_disp;
	(void)ntp_ts_from_timespec(&ts);
	uint8_t small[NTP_HEADER_LEN - 1];
	FUZZ_CHECK(ntp_hdr_write(&h, small, sizeof small) < 0);
}

/* The writer pads short bodies to the 16-octet minimum and refuses to
 * overflow its buffer. */
static void write_fields(const uint8_t *data, size_t size)
{
	uint8_t out[256];
	struct nts_wr w;
	size_t cap = size ? data[0] : 0;
	nts_wr_init(&w, out, cap < sizeof out ? cap : sizeof out);
	for (size_t i = 1; i + 3 <= size; i += 3) {
		size_t blen = data[i + 2] % 40;
		if (blen > size - i - 3)
			blen = size - i - 3;
		size_t before = w.pos;
		int rc = ntp_ef_write(&w, nts_get16(data + i), data + i + 3, blen);
		if (rc != NTS_OK) {
			FUZZ_CHECK(rc == NTS_E_NOSPACE && w.pos == before);
			break;
		}
		size_t flen = w.pos - before;
		FUZZ_CHECK(flen % 4 == 0 && flen >= NTP_EF_MIN_LEN && flen >= blen + 4 && flen < blen + 4 + 16);
		FUZZ_CHECK(nts_get16(out + before + 2) == flen);
		FUZZ_CHECK(memcmp(out + before + 4, data + i + 3, blen) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	header(data, size);
	if (size >= NTP_HEADER_LEN)
		walk(data, size, NTP_HEADER_LEN);
	/* a bare field sequence, as in decrypted NTS plaintext */
	walk(data, size, 0);
	write_fields(data, size);
	return 0;
}
