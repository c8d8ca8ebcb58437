/* NTPv4 header (RFC 5905), timestamps, and the extension-field walker (RFC 7822). */
#ifndef NTS_NTP_H
#define NTS_NTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NTP_HEADER_LEN 48
#define NTP_PORT 123
#define NTP_MAX_PACKET 1280   /* largest NTP datagram we build or accept */

enum ntp_mode {
	NTP_MODE_SYMACTIVE = 1,
	NTP_MODE_SYMPASSIVE = 2,
	NTP_MODE_CLIENT = 3,
	NTP_MODE_SERVER = 4,
	NTP_MODE_BROADCAST = 5,
	NTP_MODE_CONTROL = 6,
	NTP_MODE_PRIVATE = 7,
};

#define NTP_LEAP_NONE 0
#define NTP_LEAP_ADD 1
#define NTP_LEAP_DEL 2
#define NTP_LEAP_UNSYNC 3

/* refid of an NTS NAK kiss-o'-death (RFC 8915 section 5.7): "NTSN" */
#define NTP_REFID_NTSN 0x4E54534Eu

/* The 48-octet header, fields in host order. Timestamps are raw 32.32
 * NTP-format values; root delay/dispersion are raw 16.16 values. */
struct ntp_hdr {
	uint8_t leap;       /* 0..3 */
	uint8_t version;    /* 1..7 on the wire; we accept 1..4 */
	uint8_t mode;       /* enum ntp_mode */
	uint8_t stratum;
	int8_t poll;
	int8_t precision;
	uint32_t root_delay;
	uint32_t root_disp;
	uint32_t refid;
	uint64_t reftime;
	uint64_t org;
	uint64_t rec;
	uint64_t xmt;
};

/* Parse the header of pkt; NTS_E_NTP_SHORT if len < 48, NTS_E_NTP_VERSION
 * for version 0 or > 4. Extension fields are not looked at. */
int ntp_hdr_parse(const uint8_t *pkt, size_t len, struct ntp_hdr *h);
/* Write the 48-octet header into out (cap >= 48). */
int ntp_hdr_write(const struct ntp_hdr *h, uint8_t *out, size_t cap);

/* NTP timestamps: 32.32 fixed point seconds since 1900-01-01 (era 0). */
uint64_t ntp_ts_from_timespec(const struct timespec *ts);
/* Convert back, choosing the era that puts the result nearest 'pivot'
 * (a Unix time, e.g. the local clock), so 2036 and later work. */
void ntp_ts_to_timespec(uint64_t ntp, time_t pivot, struct timespec *ts);
/* NTP timestamp as floating seconds relative to another (b - a), era-safe. */
double ntp_ts_diff(uint64_t a, uint64_t b);
/* 16.16 short format <-> seconds. */
double ntp_short_to_double(uint32_t v);
uint32_t ntp_short_from_double(double s);

/* On-wire offset and delay from the four timestamps (RFC 5905 section 8):
 * t1 client xmt, t2 server rec, t3 server xmt, t4 client rec. */
void ntp_offset_delay(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4,
		      double *offset, double *delay);

/* ---- extension fields (RFC 7822; NTS rules from RFC 8915 section 5) */

/* IANA "NTP Extension Field Types" used by NTS */
#define NTP_EF_UNIQUE_ID     0x0104
#define NTP_EF_NTS_COOKIE    0x0204
#define NTP_EF_NTS_PLACEHOLDER 0x0304
#define NTP_EF_NTS_AUTH      0x0404

#define NTP_EF_MIN_LEN 16    /* RFC 7822 section 3 */

/* One extension field found by the walker. */
struct ntp_ef {
	uint16_t type;
	uint16_t len;           /* whole field, header included */
	size_t offset;          /* offset of the field from the packet start */
	const uint8_t *body;    /* len - 4 octets */
	size_t body_len;
};

/* Walker over the fields that follow a 48-octet header (or over a bare
 * sequence of fields, e.g. decrypted NTS plaintext, with start 0). */
struct ntp_ef_iter {
	const uint8_t *pkt;
	size_t len;
	size_t pos;
	int err;              /* first violation seen, NTS_OK if none */
	bool mac;             /* a legacy MAC (key id + digest) ended the packet */
	size_t mac_offset;
};

void ntp_ef_iter_init(struct ntp_ef_iter *it, const uint8_t *pkt, size_t len, size_t start);
/* Return 1 and fill ef for the next field, 0 at a clean end, or a negative
 * nts_err naming the violation (also kept in it->err). A trailing 20- or
 * 24-octet block that does not parse as a field is taken as a legacy MAC
 * (it->mac set) and ends the walk cleanly. */
int ntp_ef_next(struct ntp_ef_iter *it, struct ntp_ef *ef);

/* Append one field (type, body, zero-padded to a multiple of 4 and to at
 * least 16 octets). Returns NTS_OK or NTS_E_NOSPACE. */
struct nts_wr;
int ntp_ef_write(struct nts_wr *w, uint16_t type, const void *body, size_t body_len);

/* IANA name of an extension field type ("Unique Identifier", ...), or NULL. */
const char *ntp_ef_type_name(uint16_t type);

#endif
