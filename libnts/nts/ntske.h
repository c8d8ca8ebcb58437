/* NTS Key Establishment records and messages (RFC 8915 section 4). */
#ifndef NTS_NTSKE_H
#define NTS_NTSKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nts_rd;
struct nts_wr;

#define NTSKE_PORT 4460
#define NTSKE_ALPN "ntske/1"
#define NTSKE_EXPORTER_LABEL "EXPORTER-network-time-security"
/* Largest KE message we build or accept; a peer sending more is cut off. */
#define NTSKE_MAX_MESSAGE 16384
#define NTSKE_MAX_IDS 16          /* protocol/AEAD ids kept from one record */
#define NTSKE_MAX_WARNINGS 8
#define NTSKE_MAX_SERVER 255      /* longest Server record body we accept */

/* IANA "Network Time Security Key Establishment Record Types" */
enum ntske_rec_type {
	NTSKE_REC_EOM = 0,
	NTSKE_REC_NEXT_PROTO = 1,
	NTSKE_REC_ERROR = 2,
	NTSKE_REC_WARNING = 3,
	NTSKE_REC_AEAD = 4,
	NTSKE_REC_COOKIE = 5,
	NTSKE_REC_SERVER = 6,
	NTSKE_REC_PORT = 7,
	NTSKE_REC_COMPLIANT_128GCM_EXPORT = 1024,
};

/* IANA "Network Time Security Error Codes" */
enum ntske_error_code {
	NTSKE_ERR_UNRECOGNIZED_CRITICAL = 0,
	NTSKE_ERR_BAD_REQUEST = 1,
	NTSKE_ERR_INTERNAL = 2,
};

/* IANA "Network Time Security Next Protocols" */
#define NTSKE_PROTO_NTPV4 0

/* Cookies are opaque; we accept up to this many octets each. */
#define NTS_COOKIE_MAX 512
#define NTS_MAX_COOKIES 8

struct ntske_record {
	bool critical;
	uint16_t type;        /* 15 bits */
	uint16_t body_len;
	const uint8_t *body;  /* points into the message */
	size_t offset;        /* of the record header within the message */
};

/* Read one record; NTS_E_KE_TRUNC if the header or body is cut short. */
int ntske_record_read(struct nts_rd *r, struct ntske_record *rec);
/* Append one record; NTS_E_NOSPACE if it does not fit. */
int ntske_record_write(struct nts_wr *w, bool critical, uint16_t type,
		       const void *body, size_t body_len);

/* IANA names, or NULL for an unassigned value. */
const char *ntske_record_name(uint16_t type);
const char *ntske_error_name(uint16_t code);
const char *ntske_warning_name(uint16_t code);
const char *ntske_proto_name(uint16_t id);

/* Framing for a stream: 1 and *msg_len when buf holds a whole message up to
 * and including End of Message, 0 when more octets are needed, or
 * NTS_E_KE_TOO_LONG once NTSKE_MAX_MESSAGE octets pass without one. */
int ntske_message_complete(const uint8_t *buf, size_t len, size_t *msg_len);

struct ntske_request {
	uint16_t protos[NTSKE_MAX_IDS];
	size_t nprotos;
	uint16_t aeads[NTSKE_MAX_IDS];
	size_t naeads;
	bool has_server;
	char server[NTSKE_MAX_SERVER + 1];
	bool has_port;
	uint16_t port;
	/* Record 1024 seen/sent: the client asks for the corrected exporter
	 * context with AES-128-GCM-SIV (chrony sends it, non-critical, empty). */
	bool compliant_128gcm;
};

/* Build Next Protocol, AEAD, optional Server and Port, End of Message. */
int ntske_request_build(const struct ntske_request *req, uint8_t *out, size_t cap, size_t *len);

/* Validate a client's request (server side, RFC 8915 section 4.1). On error
 * returns the specific reason and sets *ke_error to the Error record code
 * to send: 0 for an unknown critical record, 1 for anything else. Unknown
 * non-critical records are ignored; Error, Warning and New Cookie records
 * (which clients MUST NOT send) give NTS_E_KE_UNEXPECTED. The AEAD record is
 * required only when NTPv4 is offered (4.1.5); its critical bit is optional. */
int ntske_request_parse(const uint8_t *msg, size_t len, struct ntske_request *req,
			uint16_t *ke_error);

/* Choose the next protocol (NTPv4) and the first AEAD of the client's list
 * that appears in 'ours'. NTS_E_KE_PROTO_UNSUPP / NTS_E_KE_AEAD_UNSUPP. */
int ntske_select(const struct ntske_request *req, const uint16_t *ours, size_t nours,
		 uint16_t *proto, uint16_t *aead);

struct ntske_response {
	bool has_error;
	uint16_t error_code;
	size_t nwarnings;
	uint16_t warnings[NTSKE_MAX_WARNINGS];
	bool has_proto;          /* false: server accepted none (empty record) */
	uint16_t proto;
	bool has_aead;
	uint16_t aead;
	size_t ncookies;
	uint16_t cookie_len[NTS_MAX_COOKIES];
	uint8_t cookies[NTS_MAX_COOKIES][NTS_COOKIE_MAX];
	size_t cookies_ignored;  /* cookies past NTS_MAX_COOKIES */
	bool has_server;
	char server[NTSKE_MAX_SERVER + 1];
	bool has_port;
	uint16_t port;
	bool compliant_128gcm;   /* record 1024: server uses the corrected context */
};

/* Build a response: an Error record alone if has_error, else Next Protocol,
 * AEAD, optional Server/Port, the cookies, End of Message. */
int ntske_response_build(const struct ntske_response *resp, uint8_t *out, size_t cap, size_t *len);

/* Validate a server's response (client side, RFC 8915 section 4.1). An Error
 * record gives NTS_E_KE_ERROR_RECORD with resp->error_code set (records after
 * it are only framed); a Warning with an unassigned code gives
 * NTS_E_KE_WARNING (4.1.4) with resp->warnings filled. */
int ntske_response_parse(const uint8_t *msg, size_t len, struct ntske_response *resp);

#endif
