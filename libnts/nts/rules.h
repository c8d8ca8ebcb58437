/* The RFC 8915 rule table, and a lenient walker that reports every rule a
 * NTS-KE message or an NTS NTP packet breaks (no I/O). The strict parsers
 * (ntske.c, nts_ef.c) refuse a message by the first rejecting rule this
 * walker reports, so each rule is written once. */
#ifndef NTS_RULES_H
#define NTS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Stable rule ids; the numbers never change meaning (append new ones). */
enum nts_rule {
	NTS_R_NONE = 0,
	/* NTS-KE messages (RFC 8915 section 4) */
	NTS_R_KE_TRUNC,             /* record header or body cut short */
	NTS_R_KE_TOO_LONG,          /* message longer than we accept */
	NTS_R_KE_NO_EOM,            /* 4.1.1 End of Message missing */
	NTS_R_KE_EOM_BODY,          /* 4.1.1 End of Message with a body */
	NTS_R_KE_EOM_CRITICAL,      /* 4.1.1 End of Message not critical */
	NTS_R_KE_AFTER_EOM,         /* 4.1.1 records after End of Message */
	NTS_R_KE_PROTO_DUP,         /* 4.1.2 more than one Next Protocol */
	NTS_R_KE_PROTO_CRITICAL,    /* 4.1.2 Next Protocol not critical */
	NTS_R_KE_PROTO_BODY,        /* 4.1.2 body not a list of u16 (request: non-empty) */
	NTS_R_KE_PROTO_COUNT,       /* 4.1.2 response names more than one protocol */
	NTS_R_KE_PROTO_MISSING,     /* 4.1.2 Next Protocol missing */
	NTS_R_KE_ERROR_CRITICAL,    /* 4.1.3 Error not critical */
	NTS_R_KE_ERROR_BODY,        /* 4.1.3 Error body not one u16 */
	NTS_R_KE_ERROR_IN_REQUEST,  /* 4.1.3 a client sent Error */
	NTS_R_KE_WARNING_CRITICAL,  /* 4.1.4 Warning not critical */
	NTS_R_KE_WARNING_BODY,      /* 4.1.4 Warning body not one u16 */
	NTS_R_KE_WARNING_IN_REQUEST,/* 4.1.4 a client sent Warning */
	NTS_R_KE_WARNING_UNKNOWN,   /* 4.1.4 unrecognised warning code: an error */
	NTS_R_KE_AEAD_DUP,          /* 4.1.5 more than one AEAD record */
	NTS_R_KE_AEAD_BODY,         /* 4.1.5 body not a list of u16 (request: non-empty) */
	NTS_R_KE_AEAD_COUNT,        /* 4.1.5 response names more than one AEAD */
	NTS_R_KE_AEAD_MISSING,      /* 4.1.5 AEAD missing although NTPv4 is negotiated */
	NTS_R_KE_COOKIE_CRITICAL,   /* 4.1.6 New Cookie critical (SHOULD NOT) */
	NTS_R_KE_COOKIE_IN_REQUEST, /* 4.1.6 a client sent New Cookie */
	NTS_R_KE_COOKIE_SIZE,       /* 4.1.6 cookie empty or larger than we keep */
	NTS_R_KE_COOKIE_MISSING,    /* 4.1.6 NTPv4 negotiated without a cookie */
	NTS_R_KE_SERVER_DUP,        /* 4.1.7 more than one Server record */
	NTS_R_KE_SERVER_BODY,       /* 4.1.7 Server not a printable ASCII name */
	NTS_R_KE_PORT_DUP,          /* 4.1.8 more than one Port record */
	NTS_R_KE_PORT_BODY,         /* 4.1.8 Port body not one u16 */
	NTS_R_KE_UNKNOWN_CRITICAL,  /* 4 unknown record type with the critical bit */
	NTS_R_KE_EXPORT_BODY,       /* record 1024 with a body */
	/* NTS extension fields in NTPv4 (RFC 8915 section 5, RFC 7822) */
	NTS_R_NTP_HEADER,           /* not an NTPv4 header (RFC 5905) */
	NTS_R_NTP_EF_WALK,          /* RFC 7822 7.5 extension fields do not walk */
	NTS_R_NTS_UID_MISSING,      /* 5.3 Unique Identifier missing */
	NTS_R_NTS_UID_DUP,          /* 5.3 more than one Unique Identifier */
	NTS_R_NTS_UID_SHORT,        /* 5.3 Unique Identifier under 32 octets */
	NTS_R_NTS_COOKIE_MISSING,   /* 5.7 request without a cookie */
	NTS_R_NTS_COOKIE_DUP,       /* 5.7 request with more than one cookie */
	NTS_R_NTS_PLACEHOLDER_SIZE, /* 5.5 placeholder not as long as the cookie */
	NTS_R_NTS_AUTH_MISSING,     /* 5.7 authenticator missing (not a NAK) */
	NTS_R_NTS_AUTH_NOT_LAST,    /* 5.6 fields (or a MAC) after the authenticator */
	NTS_R_NTS_AUTH_MALFORMED,   /* 5.6 nonce/ciphertext lengths do not fit */
	NTS_R_NTS_NONCE_SHORT,      /* 5.6 nonce under 16 octets not made up by padding */
	NTS_R_COUNT
};

enum nts_rule_level {
	NTS_RULE_MUST,              /* a MUST: the message is refused */
	NTS_RULE_SHOULD,            /* a SHOULD: reported, the message is kept */
};

struct nts_rule_info {
	enum nts_rule id;
	const char *name;           /* stable text id, e.g. "ke-eom-critical" */
	const char *section;        /* RFC 8915 section, e.g. "4.1.1" */
	const char *text;
	enum nts_rule_level level;
	int err;                    /* what a strict parser returns for it */
};

/* The table entry of a rule (NULL for an id out of range or NTS_R_NONE). */
const struct nts_rule_info *nts_rule_get(enum nts_rule id);
/* The rule of a stable name, or NTS_R_NONE. */
enum nts_rule nts_rule_by_name(const char *name);

#define NTS_RULES_MAX_HITS 64

struct nts_rule_hit {
	uint16_t rule;
	int err;                    /* the rule's err, or the precise walk error */
	size_t offset;              /* of the record or field it concerns */
};

/* Every violation, in the order a strict parser would meet it: framing,
 * then records or fields in order, then the message as a whole. */
struct nts_rules_report {
	uint64_t set;               /* bit (1 << rule) for rules < 64 */
	size_t n, dropped;
	struct nts_rule_hit hits[NTS_RULES_MAX_HITS];
};

static inline bool nts_rules_has(const struct nts_rules_report *r, enum nts_rule id)
{
	return (unsigned)id < 64 && (r->set >> id & 1);
}

/* Walk a whole NTS-KE message (request or response); never fails. */
void nts_rules_ke(const uint8_t *msg, size_t len, bool response, struct nts_rules_report *rep);
/* Walk an NTPv4 packet; its mode says request (3) or response (4). Only the
 * NTS rules of section 5 are judged (a packet without NTS fields breaks
 * none). Never fails. */
void nts_rules_ntp(const uint8_t *pkt, size_t len, struct nts_rules_report *rep);
/* NTS_OK, or the err of the first MUST rule the report holds. */
int nts_rules_verdict(const struct nts_rules_report *rep);

/* One rule each, for callers that meet the thing on its own: */
/* 4.1.x: the critical-bit rule a record of this type breaks, or NTS_R_NONE. */
enum nts_rule nts_rules_ke_critical(uint16_t type, bool critical, bool known);
/* 5.6: an Authenticator body's layout; fills the nonce and ciphertext
 * offsets (into body) and lengths when it returns NTS_R_NONE. */
enum nts_rule nts_rules_auth(const uint8_t *body, size_t body_len, size_t *nonce_off,
			     size_t *nonce_len, size_t *ct_off, size_t *ct_len);

#endif
