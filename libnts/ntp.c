/* NTPv4 header codec, timestamp arithmetic, and the extension-field walker. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (the Unix epoch). */
#define NTP_UNIX_OFFSET 2208988800LL
#define TWO32 4294967296.0

int ntp_hdr_parse(const uint8_t *pkt, size_t len, struct ntp_hdr *h)
{
	struct nts_rd r;
	uint8_t b0, stratum, poll, prec;

	if (!pkt || !h)
		return NTS_E_INVAL;
	if (len < NTP_HEADER_LEN)
		return NTS_E_NTP_SHORT;
	nts_rd_init(&r, pkt, len);
	if (!(nts_rd_u8(&r, &b0) && nts_rd_u8(&r, &stratum) && nts_rd_u8(&r, &poll) &&
	      nts_rd_u8(&r, &prec) && nts_rd_u32(&r, &h->root_delay) &&
	      nts_rd_u32(&r, &h->root_disp) && nts_rd_u32(&r, &h->refid) &&
	      nts_rd_u64(&r, &h->reftime) && nts_rd_u64(&r, &h->org) &&
	      nts_rd_u64(&r, &h->rec) && nts_rd_u64(&r, &h->xmt)))
		return NTS_E_NTP_SHORT;
	h->leap = b0 >> 6;
	h->version = (b0 >> 3) & 7;
	h->mode = b0 & 7;
	h->stratum = stratum;
	h->poll = (int8_t)poll;
	h->precision = (int8_t)prec;
	if (h->version < 1 || h->version > 4)
		return NTS_E_NTP_VERSION;
	return NTS_OK;
}

int ntp_hdr_write(const struct ntp_hdr *h, uint8_t *out, size_t cap)
{
	struct nts_wr w;

	if (!h || !out)
		return NTS_E_INVAL;
	if (h->leap > 3 || h->version > 7 || h->mode > 7)
		return NTS_E_INVAL;
	if (cap < NTP_HEADER_LEN)
		return NTS_E_NOSPACE;
	nts_wr_init(&w, out, cap);
	nts_wr_u8(&w, (uint8_t)(h->leap << 6 | h->version << 3 | h->mode));
	nts_wr_u8(&w, h->stratum);
	nts_wr_u8(&w, (uint8_t)h->poll);
	nts_wr_u8(&w, (uint8_t)h->precision);
	nts_wr_u32(&w, h->root_delay);
	nts_wr_u32(&w, h->root_disp);
	nts_wr_u32(&w, h->refid);
	nts_wr_u64(&w, h->reftime);
	nts_wr_u64(&w, h->org);
	nts_wr_u64(&w, h->rec);
	nts_wr_u64(&w, h->xmt);
	return w.err ? NTS_E_NOSPACE : NTS_OK;
}

/* The seconds wrap modulo 2^32 (RFC 5905 section 6: era numbers are not on
 * the wire). The fraction is rounded up so that converting back, which
 * truncates, gives the same nanoseconds. */
uint64_t ntp_ts_from_timespec(const struct timespec *ts)
{
	int64_t sec = (int64_t)ts->tv_sec;
	long nsec = ts->tv_nsec;

	if (nsec < 0 || nsec >= 1000000000L) {
		sec += nsec / 1000000000L;
		nsec %= 1000000000L;
		if (nsec < 0) {
			nsec += 1000000000L;
			sec--;
		}
	}
	uint32_t s = (uint32_t)(uint64_t)(sec + NTP_UNIX_OFFSET);
	uint64_t frac = (((uint64_t)nsec << 32) + 999999999u) / 1000000000u;
	return (uint64_t)s << 32 | frac;
}

/* The era is chosen as the one whose seconds lie within +-2^31 s (68 years)
 * of the pivot, so a clock that is roughly right resolves 2036 and later. */
void ntp_ts_to_timespec(uint64_t ntp, time_t pivot, struct timespec *ts)
{
	uint32_t s = (uint32_t)(ntp >> 32);
	uint32_t pivot_ntp = (uint32_t)(uint64_t)((int64_t)pivot + NTP_UNIX_OFFSET);
	int32_t delta = (int32_t)(s - pivot_ntp);

	ts->tv_sec = (time_t)((int64_t)pivot + delta);
	ts->tv_nsec = (long)(((ntp & 0xffffffffu) * 1000000000u) >> 32);
}

/* Unsigned subtraction then a signed view: correct across the era boundary
 * as long as the two stamps are within 68 years of each other. */
double ntp_ts_diff(uint64_t a, uint64_t b)
{
	return (double)(int64_t)(b - a) / TWO32;
}

double ntp_short_to_double(uint32_t v)
{
	return v / 65536.0;
}

uint32_t ntp_short_from_double(double s)
{
	if (!(s > 0))   /* also catches NaN */
		return 0;
	if (s >= 65536.0)
		return 0xffffffffu;
	double v = s * 65536.0 + 0.5;
	return v >= 4294967295.0 ? 0xffffffffu : (uint32_t)v;
}

/* RFC 5905 section 8: offset = ((T2 - T1) + (T3 - T4)) / 2,
 * delay = (T4 - T1) - (T3 - T2); differences first, so era-safe. */
void ntp_offset_delay(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4,
		      double *offset, double *delay)
{
	double d21 = ntp_ts_diff(t1, t2);
	double d34 = ntp_ts_diff(t4, t3);
	double d41 = ntp_ts_diff(t1, t4);
	double d32 = ntp_ts_diff(t2, t3);

	if (offset)
		*offset = (d21 + d34) / 2;
	if (delay)
		*delay = d41 - d32;
}

/* ---- extension fields */

void ntp_ef_iter_init(struct ntp_ef_iter *it, const uint8_t *pkt, size_t len, size_t start)
{
	it->pkt = pkt;
	it->len = pkt ? len : 0;
	it->pos = start;
	it->err = NTS_OK;
	it->mac = false;
	it->mac_offset = 0;
}

static int ef_fail(struct ntp_ef_iter *it, int err)
{
	it->err = err;
	return err;
}

/* Check one field header at it->pos against RFC 7822 section 3 (length at
 * least 16, a multiple of 4) and against the end of the packet. */
static int ef_check(const struct ntp_ef_iter *it, uint16_t *type, uint16_t *flen)
{
	struct nts_rd r;
	size_t left = it->len - it->pos;

	nts_rd_init(&r, it->pkt + it->pos, left);
	if (!(nts_rd_u16(&r, type) && nts_rd_u16(&r, flen)))
		return NTS_E_EF_TRUNC_HDR;
	if (*flen < NTP_EF_MIN_LEN)
		return NTS_E_EF_LEN_SMALL;
	if (*flen % 4 != 0)
		return NTS_E_EF_LEN_ALIGN;
	if (*flen > left)
		return NTS_E_EF_OVERRUN;
	return NTS_OK;
}

int ntp_ef_next(struct ntp_ef_iter *it, struct ntp_ef *ef)
{
	uint16_t type = 0, flen = 0;

	if (it->err != NTS_OK)
		return it->err;
	if (it->mac)
		return 0;
	if (it->pos > it->len)
		return ef_fail(it, NTS_E_NTP_SHORT);
	size_t left = it->len - it->pos;
	if (left == 0)
		return 0;

	int rc = ef_check(it, &type, &flen);
	/* RFC 7822 section 7.5: a legacy MAC (key id + 128- or 160-bit digest)
	 * may end the packet. Fields are at least 16 octets, so 20 or 24
	 * remaining octets hold fields only if they hold exactly one; any other
	 * reading makes them the MAC. */
	if ((left == 20 || left == 24) && (rc != NTS_OK || flen != left)) {
		it->mac = true;
		it->mac_offset = it->pos;
		it->pos = it->len;
		return 0;
	}
	if (rc != NTS_OK)
		return ef_fail(it, rc);

	ef->type = type;
	ef->len = flen;
	ef->offset = it->pos;
	ef->body = it->pkt + it->pos + 4;
	ef->body_len = (size_t)flen - 4;
	it->pos += flen;
	return 1;
}

int ntp_ef_write(struct nts_wr *w, uint16_t type, const void *body, size_t body_len)
{
	if (!w || (body_len && !body))
		return NTS_E_INVAL;
	if (body_len > 0xffff - 4 - 3)
		return NTS_E_INVAL;
	size_t total = (4 + body_len + 3) & ~(size_t)3;
	if (total < NTP_EF_MIN_LEN)
		total = NTP_EF_MIN_LEN;
	/* Check the whole field first so a failure writes no partial field. */
	if (nts_wr_left(w) < total) {
		w->err = true;
		return NTS_E_NOSPACE;
	}
	nts_wr_u16(w, type);
	nts_wr_u16(w, (uint16_t)total);
	nts_wr_bytes(w, body, body_len);
	nts_wr_zero(w, total - 4 - body_len);
	return w->err ? NTS_E_NOSPACE : NTS_OK;
}

/* IANA "NTP Extension Field Types" registry (RFC 5906 Autokey, RFC 7821,
 * RFC 8915). Autokey types come in request, response (0x80..) and error
 * response (0xC0..) forms; 0x0000 is Autokey's crypto-NAK. */
static const struct {
	uint16_t type;
	const char *name;
} ef_types[] = {
	{ 0x0000, "Crypto-NAK" },
	{ 0x0002, "No-Operation Request" },
	{ 0x8002, "No-Operation Response" },
	{ 0xC002, "No-Operation Error Response" },
	{ 0x0102, "Association Message Request" },
	{ 0x8102, "Association Message Response" },
	{ 0xC102, "Association Message Error Response" },
	{ 0x0202, "Certificate Message Request" },
	{ 0x8202, "Certificate Message Response" },
	{ 0xC202, "Certificate Message Error Response" },
	{ 0x0302, "Cookie Message Request" },
	{ 0x8302, "Cookie Message Response" },
	{ 0xC302, "Cookie Message Error Response" },
	{ 0x0402, "Autokey Message Request" },
	{ 0x8402, "Autokey Message Response" },
	{ 0xC402, "Autokey Message Error Response" },
	{ 0x0502, "Leapseconds Message Request" },
	{ 0x8502, "Leapseconds Message Response" },
	{ 0xC502, "Leapseconds Message Error Response" },
	{ 0x0602, "Sign Message Request" },
	{ 0x8602, "Sign Message Response" },
	{ 0xC602, "Sign Message Error Response" },
	{ 0x0702, "IFF Identity Message Request" },
	{ 0x8702, "IFF Identity Message Response" },
	{ 0xC702, "IFF Identity Message Error Response" },
	{ 0x0802, "GQ Identity Message Request" },
	{ 0x8802, "GQ Identity Message Response" },
	{ 0xC802, "GQ Identity Message Error Response" },
	{ 0x0902, "MV Identity Message Request" },
	{ 0x8902, "MV Identity Message Response" },
	{ 0xC902, "MV Identity Message Error Response" },
	{ 0x2005, "Checksum Complement" },
	{ NTP_EF_UNIQUE_ID, "Unique Identifier" },
	{ NTP_EF_NTS_COOKIE, "NTS Cookie" },
	{ NTP_EF_NTS_PLACEHOLDER, "NTS Cookie Placeholder" },
	{ NTP_EF_NTS_AUTH, "NTS Authenticator and Encrypted Extension Fields" },
	/* experimental types seen in chrony's traffic */
	{ 0xF323, "Monotonic Timestamp & Root Delay/Dispersion (experimental)" },
	{ 0xF324, "Network PTP Time Correction (experimental)" },
};

const char *ntp_ef_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof ef_types / sizeof ef_types[0]; i++)
		if (ef_types[i].type == type)
			return ef_types[i].name;
	return NULL;
}
