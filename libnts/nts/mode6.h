/* NTP mode 6 control messages (RFC 9327): the header, fragments and their
 * reassembly, READSTAT association lists, status words and the READVAR
 * variable-list text. No I/O: ntsd's responder and ntsmon's client carry
 * the datagrams and share this code. */
#ifndef NTS_MODE6_H
#define NTS_MODE6_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_M6_HDR_LEN 12
#define NTS_M6_DATA_MAX 468      /* data octets per fragment, as ntpd sends */
#define NTS_M6_FRAG_MAX (NTS_M6_HDR_LEN + NTS_M6_DATA_MAX)
/* Fragments a reassembler accepts: NTPsec's ntpq takes up to 32 (its
 * MAXFRAGS), so a responder may send that many. */
#define NTS_M6_MAX_FRAGS 32
#define NTS_M6_MAX_DATA (NTS_M6_MAX_FRAGS * NTS_M6_DATA_MAX)

/* RFC 9327 section 2: the R, E and M bits and the opcodes we use. */
#define NTS_M6_RESPONSE 0x80
#define NTS_M6_ERROR 0x40
#define NTS_M6_MORE 0x20
#define NTS_M6_OP_READSTAT 1
#define NTS_M6_OP_READVAR 2

/* Error codes carried in the high octet of an error response's status. */
enum nts_m6_cerr {
	NTS_M6_CERR_UNSPEC = 0,
	NTS_M6_CERR_PERMISSION = 1,
	NTS_M6_CERR_BADFMT = 2,
	NTS_M6_CERR_BADOP = 3,
	NTS_M6_CERR_BADASSOC = 4,
	NTS_M6_CERR_UNKNOWNVAR = 5,
	NTS_M6_CERR_BADVALUE = 6,
};

/* Peer status word (RFC 9327 section 2.3, NTPsec's CTL_PST_*): flag bits
 * of the high octet, the 3-bit selection code below them. */
#define NTS_M6_PST_CONFIG 0x80
#define NTS_M6_PST_AUTHENABLE 0x40
#define NTS_M6_PST_AUTHENTIC 0x20
#define NTS_M6_PST_REACH 0x10

/* One control message (one fragment). data points into the datagram. */
struct nts_m6_msg {
	uint8_t version;         /* 1..4 */
	uint8_t op;              /* 5-bit opcode */
	bool response, error, more;
	uint16_t seq, status, assoc, offset, count;
	const uint8_t *data;     /* count octets */
};

/* Parse one datagram; checks mode, version and that count fits. */
int nts_m6_decode(const uint8_t *pkt, size_t len, struct nts_m6_msg *m);
/* Write header and data, zero-padded to 4 octets (8 for requests, as
 * ntpq pads them). Returns the length, 0 if cap is too small or count is
 * over NTS_M6_DATA_MAX. */
size_t nts_m6_encode(const struct nts_m6_msg *m, uint8_t *out, size_t cap);
/* Split len octets of response data into fragments with tmpl's header
 * fields; only the last clears More. Returns the fragment count, 0 when
 * the data needs more than max fragments (then nothing is usable: the
 * caller shortens the data, see nts_m6_vars_*). */
size_t nts_m6_fragment(const struct nts_m6_msg *tmpl, const uint8_t *data, size_t len,
		       uint8_t (*out)[NTS_M6_FRAG_MAX], size_t *lens, size_t max);
/* An error response to req with code cerr; returns its length or 0. */
size_t nts_m6_error(const struct nts_m6_msg *req, enum nts_m6_cerr cerr, uint8_t *out, size_t cap);

/* Client side: collect the fragments of one response, in any order. */
struct nts_m6_reasm {
	uint16_t seq, assoc;
	uint8_t op;
	bool have_last, done;
	uint16_t status;         /* of the last fragment (the peer or system status) */
	int cerr;                /* server error code when it answered with one, else -1 */
	size_t total;            /* data length, known once the last fragment is in */
	size_t nfrags;
	struct { uint16_t off, count; } frags[NTS_M6_MAX_FRAGS];
	uint8_t data[NTS_M6_MAX_DATA];
};
void nts_m6_reasm_init(struct nts_m6_reasm *r, uint16_t seq, uint8_t op, uint16_t assoc);
/* Add one datagram. Returns 1 when the response is complete (data[0..total)),
 * 0 when more fragments are needed, NTS_E_M6_SERVER when the server sent an
 * error (code in cerr), NTS_E_M6_MISMATCH for a datagram of another
 * exchange (ignore it and keep waiting), or another NTS_E_M6_* error. */
int nts_m6_reasm_add(struct nts_m6_reasm *r, const uint8_t *pkt, size_t len);

/* READSTAT: the association list is (associd, status) pairs of u16. */
struct nts_m6_assoc {
	uint16_t assoc, status;
};
/* Parse up to max pairs; returns how many, or NTS_E_M6_COUNT if len is not
 * a multiple of 4. */
int nts_m6_assoc_list(const uint8_t *data, size_t len, struct nts_m6_assoc *out, size_t max);

/* The selection code of a peer status word and ntpq's tally character for
 * it (" x.-+#*o"); tally_sel maps a tally character back (0 if unknown). */
static inline unsigned nts_m6_peer_sel(uint16_t status) { return (status >> 8) & 7u; }
char nts_m6_tally(unsigned sel);
unsigned nts_m6_tally_sel(char tally);

/* The variable-list text (RFC 9327 section 3): "name=value" items
 * separated by ", ", string values in double quotes, ending in CRLF.
 * The writer adds whole items only: an item that does not fit is left out
 * and 'full' set, so a response cut to its fragment budget still ends at a
 * variable boundary. */
struct nts_m6_vw {
	char *buf;
	size_t cap, len;
	bool full;
};
void nts_m6_vw_init(struct nts_m6_vw *w, char *buf, size_t cap);
/* name=VALUE with VALUE from printf; false (nothing written) if it does not
 * fit in cap less the 2 octets kept for the final CRLF. */
bool nts_m6_vw_put(struct nts_m6_vw *w, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* name="TEXT"; quotes and non-printable octets in TEXT become '?'. */
bool nts_m6_vw_str(struct nts_m6_vw *w, const char *name, const char *text);
/* Terminate with CRLF; returns the text length. */
size_t nts_m6_vw_end(struct nts_m6_vw *w);

/* Reader over request names or response items: each call returns the next
 * item (name, and value with its quotes removed) and false at the end.
 * Items longer than the fields are cut; empty items are skipped. Commas
 * inside quoted values do not split (ntpq does the same). */
struct nts_m6_var {
	char name[64];
	char value[256];
	bool has_value, quoted;
};
struct nts_m6_vr {
	const char *text;
	size_t len, pos;
};
void nts_m6_vr_init(struct nts_m6_vr *r, const void *text, size_t len);
bool nts_m6_vr_next(struct nts_m6_vr *r, struct nts_m6_var *v);

#endif
