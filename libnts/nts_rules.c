/* The RFC 8915 rule table and the lenient walker over NTS-KE messages and NTS NTP packets. */
#include <config.h>

#include <string.h>

#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "nts/ntske.h"
#include "nts/nts_ef.h"
#include "nts/rules.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PAD4(n) (((n) + 3) & ~(size_t)3)
#define MUST NTS_RULE_MUST
#define SHOULD NTS_RULE_SHOULD

/* One line per rule: what a walker reports and what a strict parser
 * returns. The critical bits of section 4.1.x: MUST be set for End of
 * Message, Next Protocol, Error and Warning; SHOULD NOT be set for New
 * Cookie; MAY for AEAD, Server and Port. */
static const struct nts_rule_info rules[NTS_R_COUNT] = {
	[NTS_R_KE_TRUNC] = { NTS_R_KE_TRUNC, "ke-truncated", "4",
		"record header or body cut short", MUST, NTS_E_KE_TRUNC },
	[NTS_R_KE_TOO_LONG] = { NTS_R_KE_TOO_LONG, "ke-too-long", "4",
		"message longer than 16384 octets", MUST, NTS_E_KE_TOO_LONG },
	[NTS_R_KE_NO_EOM] = { NTS_R_KE_NO_EOM, "ke-no-eom", "4.1.1",
		"End of Message missing", MUST, NTS_E_KE_NO_EOM },
	[NTS_R_KE_EOM_BODY] = { NTS_R_KE_EOM_BODY, "ke-eom-body", "4.1.1",
		"End of Message has a body", MUST, NTS_E_KE_EOM_BODY },
	[NTS_R_KE_EOM_CRITICAL] = { NTS_R_KE_EOM_CRITICAL, "ke-eom-critical", "4.1.1",
		"End of Message without the critical bit", MUST, NTS_E_KE_CRIT_MISSING },
	[NTS_R_KE_AFTER_EOM] = { NTS_R_KE_AFTER_EOM, "ke-after-eom", "4.1.1",
		"records after End of Message", MUST, NTS_E_KE_AFTER_EOM },
	[NTS_R_KE_PROTO_DUP] = { NTS_R_KE_PROTO_DUP, "ke-proto-dup", "4.1.2",
		"more than one Next Protocol record", MUST, NTS_E_KE_DUP_PROTO },
	[NTS_R_KE_PROTO_CRITICAL] = { NTS_R_KE_PROTO_CRITICAL, "ke-proto-critical", "4.1.2",
		"Next Protocol without the critical bit", MUST, NTS_E_KE_CRIT_MISSING },
	[NTS_R_KE_PROTO_BODY] = { NTS_R_KE_PROTO_BODY, "ke-proto-body", "4.1.2",
		"Next Protocol body not a list of 16-bit ids", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_KE_PROTO_COUNT] = { NTS_R_KE_PROTO_COUNT, "ke-proto-count", "4.1.2",
		"response names more than one protocol", MUST, NTS_E_KE_PROTO_COUNT },
	[NTS_R_KE_PROTO_MISSING] = { NTS_R_KE_PROTO_MISSING, "ke-proto-missing", "4.1.2",
		"Next Protocol record missing", MUST, NTS_E_KE_NO_PROTO },
	[NTS_R_KE_ERROR_CRITICAL] = { NTS_R_KE_ERROR_CRITICAL, "ke-error-critical", "4.1.3",
		"Error without the critical bit", MUST, NTS_E_KE_CRIT_MISSING },
	[NTS_R_KE_ERROR_BODY] = { NTS_R_KE_ERROR_BODY, "ke-error-body", "4.1.3",
		"Error body not one 16-bit code", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_KE_ERROR_IN_REQUEST] = { NTS_R_KE_ERROR_IN_REQUEST, "ke-error-in-request", "4.1.3",
		"a client sent an Error record", MUST, NTS_E_KE_UNEXPECTED },
	[NTS_R_KE_WARNING_CRITICAL] = { NTS_R_KE_WARNING_CRITICAL, "ke-warning-critical", "4.1.4",
		"Warning without the critical bit", MUST, NTS_E_KE_CRIT_MISSING },
	[NTS_R_KE_WARNING_BODY] = { NTS_R_KE_WARNING_BODY, "ke-warning-body", "4.1.4",
		"Warning body not one 16-bit code", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_KE_WARNING_IN_REQUEST] = { NTS_R_KE_WARNING_IN_REQUEST, "ke-warning-in-request",
		"4.1.4", "a client sent a Warning record", MUST, NTS_E_KE_UNEXPECTED },
	[NTS_R_KE_WARNING_UNKNOWN] = { NTS_R_KE_WARNING_UNKNOWN, "ke-warning-unknown", "4.1.4",
		"Warning with an unrecognised code, which is an error", MUST, NTS_E_KE_WARNING },
	[NTS_R_KE_AEAD_DUP] = { NTS_R_KE_AEAD_DUP, "ke-aead-dup", "4.1.5",
		"more than one AEAD Algorithm record", MUST, NTS_E_KE_DUP_AEAD },
	[NTS_R_KE_AEAD_BODY] = { NTS_R_KE_AEAD_BODY, "ke-aead-body", "4.1.5",
		"AEAD body not a list of 16-bit ids", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_KE_AEAD_COUNT] = { NTS_R_KE_AEAD_COUNT, "ke-aead-count", "4.1.5",
		"response names more than one AEAD algorithm", MUST, NTS_E_KE_AEAD_COUNT },
	[NTS_R_KE_AEAD_MISSING] = { NTS_R_KE_AEAD_MISSING, "ke-aead-missing", "4.1.5",
		"AEAD record missing although NTPv4 is negotiated", MUST, NTS_E_KE_NO_AEAD },
	[NTS_R_KE_COOKIE_CRITICAL] = { NTS_R_KE_COOKIE_CRITICAL, "ke-cookie-critical", "4.1.6",
		"New Cookie with the critical bit, which it should not have", SHOULD, NTS_OK },
	[NTS_R_KE_COOKIE_IN_REQUEST] = { NTS_R_KE_COOKIE_IN_REQUEST, "ke-cookie-in-request",
		"4.1.6", "a client sent a New Cookie record", MUST, NTS_E_KE_UNEXPECTED },
	[NTS_R_KE_COOKIE_SIZE] = { NTS_R_KE_COOKIE_SIZE, "ke-cookie-size", "4.1.6",
		"New Cookie empty or longer than 512 octets", MUST, NTS_E_KE_COOKIE_SIZE },
	[NTS_R_KE_COOKIE_MISSING] = { NTS_R_KE_COOKIE_MISSING, "ke-cookie-missing", "4.1.6",
		"NTPv4 negotiated without a New Cookie", MUST, NTS_E_KE_NO_COOKIE },
	[NTS_R_KE_SERVER_DUP] = { NTS_R_KE_SERVER_DUP, "ke-server-dup", "4.1.7",
		"more than one Server record", MUST, NTS_E_KE_DUP_RECORD },
	[NTS_R_KE_SERVER_BODY] = { NTS_R_KE_SERVER_BODY, "ke-server-body", "4.1.7",
		"Server record not 1-255 printable ASCII octets", MUST, NTS_E_KE_BAD_SERVER },
	[NTS_R_KE_PORT_DUP] = { NTS_R_KE_PORT_DUP, "ke-port-dup", "4.1.8",
		"more than one Port record", MUST, NTS_E_KE_DUP_RECORD },
	[NTS_R_KE_PORT_BODY] = { NTS_R_KE_PORT_BODY, "ke-port-body", "4.1.8",
		"Port body not one 16-bit port", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_KE_UNKNOWN_CRITICAL] = { NTS_R_KE_UNKNOWN_CRITICAL, "ke-unknown-critical", "4",
		"unrecognised record type with the critical bit", MUST, NTS_E_KE_CRIT_UNKNOWN },
	[NTS_R_KE_EXPORT_BODY] = { NTS_R_KE_EXPORT_BODY, "ke-export-body", "IANA 1024",
		"Compliant AES-128-GCM-SIV Exporter Context with a body", MUST, NTS_E_KE_BAD_BODY },
	[NTS_R_NTP_HEADER] = { NTS_R_NTP_HEADER, "ntp-header", "RFC 5905 7.3",
		"not a valid NTP header", MUST, NTS_E_NTP_SHORT },
	[NTS_R_NTP_EF_WALK] = { NTS_R_NTP_EF_WALK, "ntp-ef-walk", "RFC 7822 7.5",
		"extension fields do not walk to the end of the packet", MUST, NTS_E_EF_OVERRUN },
	[NTS_R_NTS_UID_MISSING] = { NTS_R_NTS_UID_MISSING, "nts-uid-missing", "5.3",
		"Unique Identifier missing", MUST, NTS_E_NTS_NO_UID },
	[NTS_R_NTS_UID_DUP] = { NTS_R_NTS_UID_DUP, "nts-uid-dup", "5.3",
		"more than one Unique Identifier", MUST, NTS_E_NTS_DUP_UID },
	[NTS_R_NTS_UID_SHORT] = { NTS_R_NTS_UID_SHORT, "nts-uid-short", "5.3",
		"Unique Identifier under 32 octets", MUST, NTS_E_NTS_UID_SHORT },
	[NTS_R_NTS_COOKIE_MISSING] = { NTS_R_NTS_COOKIE_MISSING, "nts-cookie-missing", "5.7",
		"request without an NTS Cookie", MUST, NTS_E_NTS_NO_COOKIE },
	[NTS_R_NTS_COOKIE_DUP] = { NTS_R_NTS_COOKIE_DUP, "nts-cookie-dup", "5.7",
		"request with more than one NTS Cookie", MUST, NTS_E_NTS_DUP_COOKIE },
	[NTS_R_NTS_PLACEHOLDER_SIZE] = { NTS_R_NTS_PLACEHOLDER_SIZE, "nts-placeholder-size", "5.5",
		"placeholder not as long as the cookie", MUST, NTS_E_NTS_PLACEHOLDER_SIZE },
	[NTS_R_NTS_AUTH_MISSING] = { NTS_R_NTS_AUTH_MISSING, "nts-auth-missing", "5.7",
		"NTS Authenticator missing (and not an NTS NAK)", MUST, NTS_E_NTS_NO_AUTH },
	[NTS_R_NTS_AUTH_NOT_LAST] = { NTS_R_NTS_AUTH_NOT_LAST, "nts-auth-not-last", "5.6",
		"fields or a MAC follow the NTS Authenticator, or more than one", MUST,
		NTS_E_NTS_AUTH_NOT_LAST },
	[NTS_R_NTS_AUTH_MALFORMED] = { NTS_R_NTS_AUTH_MALFORMED, "nts-auth-malformed", "5.6",
		"nonce and ciphertext lengths do not fit the field", MUST, NTS_E_NTS_AUTH_MALFORMED },
	[NTS_R_NTS_NONCE_SHORT] = { NTS_R_NTS_NONCE_SHORT, "nts-nonce-short", "5.6",
		"nonce under 16 octets and not made up by Additional Padding", MUST,
		NTS_E_NTS_NONCE_SHORT },
};

const struct nts_rule_info *nts_rule_get(enum nts_rule id)
{
	return id > NTS_R_NONE && id < NTS_R_COUNT ? &rules[id] : NULL;
}

enum nts_rule nts_rule_by_name(const char *name)
{
	for (int i = 1; i < NTS_R_COUNT; i++)
		if (strcmp(rules[i].name, name) == 0)
			return (enum nts_rule)i;
	return NTS_R_NONE;
}

static void hit(struct nts_rules_report *rep, enum nts_rule id, int err, size_t offset)
{
	if ((unsigned)id < 64)
		rep->set |= 1ull << id;
	if (rep->n >= NTS_RULES_MAX_HITS) {
		rep->dropped++;
		return;
	}
	rep->hits[rep->n++] = (struct nts_rule_hit){ (uint16_t)id, err ? err : rules[id].err, offset };
}

int nts_rules_verdict(const struct nts_rules_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rules[rep->hits[i].rule].level == NTS_RULE_MUST)
			return rep->hits[i].err;
	return NTS_OK;
}

/* ---- NTS-KE (section 4) */

enum nts_rule nts_rules_ke_critical(uint16_t type, bool critical, bool known)
{
	switch (type) {
	case NTSKE_REC_EOM:
		return critical ? NTS_R_NONE : NTS_R_KE_EOM_CRITICAL;
	case NTSKE_REC_NEXT_PROTO:
		return critical ? NTS_R_NONE : NTS_R_KE_PROTO_CRITICAL;
	case NTSKE_REC_ERROR:
		return critical ? NTS_R_NONE : NTS_R_KE_ERROR_CRITICAL;
	case NTSKE_REC_WARNING:
		return critical ? NTS_R_NONE : NTS_R_KE_WARNING_CRITICAL;
	case NTSKE_REC_COOKIE:
		return critical ? NTS_R_KE_COOKIE_CRITICAL : NTS_R_NONE;
	default:
		/* section 4: a receiver rejects a critical record it does not know */
		return critical && !known ? NTS_R_KE_UNKNOWN_CRITICAL : NTS_R_NONE;
	}
}

/* Section 4.1.1 first: End of Message once, last, critical, empty. */
static void ke_framing(const uint8_t *msg, size_t len, struct nts_rules_report *rep,
		       size_t *body_end)
{
	struct nts_rd r;
	struct ntske_record rec;
	*body_end = 0;
	if (len > NTSKE_MAX_MESSAGE)
		hit(rep, NTS_R_KE_TOO_LONG, 0, NTSKE_MAX_MESSAGE);
	nts_rd_init(&r, msg, len);
	/* every record takes at least its 4-octet header: bounded by len / 4 */
	while (nts_rd_left(&r) > 0) {
		size_t at = r.pos;
		if (ntske_record_read(&r, &rec) != NTS_OK) {
			/* cut short: and so without its End of Message too */
			hit(rep, NTS_R_KE_TRUNC, 0, at);
			hit(rep, NTS_R_KE_NO_EOM, 0, len);
			*body_end = at;
			return;
		}
		if (rec.type != NTSKE_REC_EOM)
			continue;
		*body_end = at;
		if (rec.body_len)
			hit(rep, NTS_R_KE_EOM_BODY, 0, at);
		if (nts_rules_ke_critical(rec.type, rec.critical, true))
			hit(rep, NTS_R_KE_EOM_CRITICAL, 0, at);
		if (nts_rd_left(&r) > 0)
			hit(rep, NTS_R_KE_AFTER_EOM, 0, r.pos);
		return;
	}
	*body_end = len;
	hit(rep, NTS_R_KE_NO_EOM, 0, len);
}

static bool server_name_ok(const uint8_t *s, size_t n)
{
	if (n < 1 || n > NTSKE_MAX_SERVER)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

struct ke_walk {
	bool response;
	unsigned nproto, naead, nserver, nport, ncookies;
	size_t proto_ids, aead_ids;
	bool ntpv4;             /* request: offered; response: the one chosen */
	bool error;
	size_t warn_unknown_at;
	bool warn_unknown;
};

/* A list of u16 ids: in a request at least one (4.1.2, 4.1.5), in a
 * response at most one. */
static void ke_ids(struct ke_walk *w, const struct ntske_record *rec, enum nts_rule body,
		   enum nts_rule count, struct nts_rules_report *rep, size_t *nids)
{
	if (rec->body_len % 2 || (!w->response && rec->body_len == 0))
		hit(rep, body, 0, rec->offset);
	else if (w->response && rec->body_len > 2)
		hit(rep, count, 0, rec->offset);
	*nids = rec->body_len / 2;
}

static bool ke_has_id(const struct ntske_record *rec, uint16_t id)
{
	for (size_t i = 0; i + 1 < rec->body_len; i += 2)
		if (nts_get16(rec->body + i) == id)
			return true;
	return false;
}

static void ke_record(struct ke_walk *w, const struct ntske_record *rec,
		      struct nts_rules_report *rep)
{
	size_t at = rec->offset, n;
	enum nts_rule crit = nts_rules_ke_critical(rec->type, rec->critical,
						   ntske_record_name(rec->type) != NULL);
	switch (rec->type) {
	case NTSKE_REC_NEXT_PROTO:
		if (w->nproto++)
			hit(rep, NTS_R_KE_PROTO_DUP, 0, at);
		if (crit)
			hit(rep, crit, 0, at);
		ke_ids(w, rec, NTS_R_KE_PROTO_BODY, NTS_R_KE_PROTO_COUNT, rep, &n);
		if (w->nproto == 1) {
			w->proto_ids = n;
			w->ntpv4 = ke_has_id(rec, NTSKE_PROTO_NTPV4);
		}
		return;
	case NTSKE_REC_AEAD:
		if (w->naead++)
			hit(rep, NTS_R_KE_AEAD_DUP, 0, at);
		ke_ids(w, rec, NTS_R_KE_AEAD_BODY, NTS_R_KE_AEAD_COUNT, rep, &n);
		if (w->naead == 1)
			w->aead_ids = n;
		return;
	case NTSKE_REC_ERROR:
		if (!w->response)
			hit(rep, NTS_R_KE_ERROR_IN_REQUEST, 0, at);
		else if (rec->body_len != 2)
			hit(rep, NTS_R_KE_ERROR_BODY, 0, at);
		if (crit)
			hit(rep, crit, 0, at);
		w->error = w->response;
		return;
	case NTSKE_REC_WARNING:
		if (!w->response)
			hit(rep, NTS_R_KE_WARNING_IN_REQUEST, 0, at);
		else if (rec->body_len != 2)
			hit(rep, NTS_R_KE_WARNING_BODY, 0, at);
		if (crit)
			hit(rep, crit, 0, at);
		if (w->response && rec->body_len == 2 && !ntske_warning_name(nts_get16(rec->body)) &&
		    !w->warn_unknown) {
			w->warn_unknown = true;
			w->warn_unknown_at = at;
		}
		return;
	case NTSKE_REC_COOKIE:
		if (!w->response)
			hit(rep, NTS_R_KE_COOKIE_IN_REQUEST, 0, at);
		else if (rec->body_len == 0 || rec->body_len > NTS_COOKIE_MAX)
			hit(rep, NTS_R_KE_COOKIE_SIZE, 0, at);
		if (crit)
			hit(rep, crit, 0, at);
		w->ncookies++;
		return;
	case NTSKE_REC_SERVER:
		if (w->nserver++)
			hit(rep, NTS_R_KE_SERVER_DUP, 0, at);
		else if (!server_name_ok(rec->body, rec->body_len))
			hit(rep, NTS_R_KE_SERVER_BODY, 0, at);
		return;
	case NTSKE_REC_PORT:
		if (w->nport++)
			hit(rep, NTS_R_KE_PORT_DUP, 0, at);
		else if (rec->body_len != 2)
			hit(rep, NTS_R_KE_PORT_BODY, 0, at);
		return;
	case NTSKE_REC_COMPLIANT_128GCM_EXPORT:
		if (rec->body_len)
			hit(rep, NTS_R_KE_EXPORT_BODY, 0, at);
		return;
	default:
		if (crit)
			hit(rep, crit, 0, at);
		return;
	}
}

void nts_rules_ke(const uint8_t *msg, size_t len, bool response, struct nts_rules_report *rep)
{
	struct nts_rd r;
	struct ntske_record rec;
	struct ke_walk w = { .response = response };
	size_t end;
	memset(rep, 0, sizeof *rep);
	if (!msg)
		len = 0;
	ke_framing(msg, len, rep, &end);
	/* the records before End of Message (or before the cut) */
	nts_rd_init(&r, msg, end);
	while (nts_rd_left(&r) > 0 && ntske_record_read(&r, &rec) == NTS_OK) {
		ke_record(&w, &rec, rep);
		/* 4.1.3: after an Error the rest of a response means nothing */
		if (w.error)
			return;
	}
	/* the message as a whole */
	if (response && w.warn_unknown)
		hit(rep, NTS_R_KE_WARNING_UNKNOWN, 0, w.warn_unknown_at);
	if (!w.nproto) {
		hit(rep, NTS_R_KE_PROTO_MISSING, 0, end);
		return;
	}
	if (!response) {
		/* 4.1.5: required when NTPv4 is offered */
		if (w.ntpv4 && !w.naead)
			hit(rep, NTS_R_KE_AEAD_MISSING, 0, end);
		return;
	}
	/* a response that chose NTPv4 carries the AEAD it chose and cookies;
	 * one that chose nothing (an empty list) is a refusal, not a fault */
	if (!w.ntpv4 || w.proto_ids != 1)
		return;
	if (!w.naead)
		hit(rep, NTS_R_KE_AEAD_MISSING, 0, end);
	else if (w.aead_ids == 1 && !w.ncookies)
		hit(rep, NTS_R_KE_COOKIE_MISSING, 0, end);
}

/* ---- NTS extension fields (section 5) */

enum nts_rule nts_rules_auth(const uint8_t *body, size_t body_len, size_t *nonce_off,
			     size_t *nonce_len, size_t *ct_off, size_t *ct_len)
{
	if (body_len < 4)
		return NTS_R_NTS_AUTH_MALFORMED;
	size_t nl = nts_get16(body), cl = nts_get16(body + 2);
	/* an empty nonce must never reach the AEAD (GnuTLS aborts on it) */
	if (nl == 0)
		return NTS_R_NTS_NONCE_SHORT;
	if (PAD4(nl) + PAD4(cl) > body_len - 4 || cl < NTS_AEAD_TAG_LEN)
		return NTS_R_NTS_AUTH_MALFORMED;
	/* 5.6: a nonce under N_REQ (16 for the AES-SIV algorithms) is fine
	 * when Additional Padding makes up the difference */
	size_t nspace = PAD4(nl) < NTS_NONCE_LEN ? NTS_NONCE_LEN : PAD4(nl);
	if (4 + nspace + PAD4(cl) > body_len)
		return NTS_R_NTS_NONCE_SHORT;
	*nonce_off = 4;
	*nonce_len = nl;
	*ct_off = 4 + PAD4(nl);
	*ct_len = cl;
	return NTS_R_NONE;
}

struct ntp_walk {
	unsigned nuid, ncookie, nplaceholder, nauth;
	struct ntp_ef uid, cookie, auth;
	size_t placeholder_bad_at;
	bool placeholder_bad, after_auth;
	size_t after_auth_at;
};

void nts_rules_ntp(const uint8_t *pkt, size_t len, struct nts_rules_report *rep)
{
	struct ntp_hdr h;
	struct ntp_ef_iter it;
	struct ntp_ef ef;
	struct ntp_walk w;
	int rc;
	memset(rep, 0, sizeof *rep);
	memset(&w, 0, sizeof w);
	if (!pkt || (rc = ntp_hdr_parse(pkt, len, &h)) != NTS_OK) {
		hit(rep, NTS_R_NTP_HEADER, pkt ? rc : NTS_E_NTP_SHORT, 0);
		return;
	}
	ntp_ef_iter_init(&it, pkt, len, NTP_HEADER_LEN);
	/* bounded: each field is at least 16 octets of the packet */
	while ((rc = ntp_ef_next(&it, &ef)) == 1) {
		if (w.nauth && !w.after_auth) {
			w.after_auth = true;
			w.after_auth_at = ef.offset;
		}
		switch (ef.type) {
		case NTP_EF_UNIQUE_ID:
			if (w.nuid++ == 0)
				w.uid = ef;
			break;
		case NTP_EF_NTS_COOKIE:
			if (w.ncookie++ == 0)
				w.cookie = ef;
			break;
		case NTP_EF_NTS_PLACEHOLDER:
			w.nplaceholder++;
			/* 5.5: as long as the cookie (checked below for those before it) */
			if (w.ncookie && ef.len != w.cookie.len && !w.placeholder_bad) {
				w.placeholder_bad = true;
				w.placeholder_bad_at = ef.offset;
			}
			break;
		case NTP_EF_NTS_AUTH:
			if (w.nauth++ == 0)
				w.auth = ef;
			break;
		default:
			break;
		}
	}
	if (rc < 0) {
		hit(rep, NTS_R_NTP_EF_WALK, rc, it.pos);
		return;
	}
	if (it.mac && w.nauth && !w.after_auth) {
		w.after_auth = true;
		w.after_auth_at = it.mac_offset;
	}
	if (!(w.nuid || w.ncookie || w.nplaceholder || w.nauth))
		return;   /* plain NTP: section 5 does not apply */
	bool request = h.mode == NTP_MODE_CLIENT;
	if (!request && h.mode != NTP_MODE_SERVER)
		return;
	if (!w.nuid)
		hit(rep, NTS_R_NTS_UID_MISSING, 0, NTP_HEADER_LEN);
	else if (w.nuid > 1)
		hit(rep, NTS_R_NTS_UID_DUP, 0, w.uid.offset);
	else if (request && w.uid.body_len < NTS_UID_LEN)
		hit(rep, NTS_R_NTS_UID_SHORT, 0, w.uid.offset);
	if (request) {
		if (!w.ncookie)
			hit(rep, NTS_R_NTS_COOKIE_MISSING, 0, NTP_HEADER_LEN);
		else if (w.ncookie > 1)
			hit(rep, NTS_R_NTS_COOKIE_DUP, 0, w.cookie.offset);
		/* placeholders before the cookie are compared once it is known */
		if (w.ncookie && !w.placeholder_bad) {
			struct ntp_ef_iter it2;
			ntp_ef_iter_init(&it2, pkt, len, NTP_HEADER_LEN);
			while (ntp_ef_next(&it2, &ef) == 1)
				if (ef.type == NTP_EF_NTS_PLACEHOLDER && ef.len != w.cookie.len) {
					w.placeholder_bad = true;
					w.placeholder_bad_at = ef.offset;
					break;
				}
		}
		if (w.placeholder_bad)
			hit(rep, NTS_R_NTS_PLACEHOLDER_SIZE, 0, w.placeholder_bad_at);
	}
	/* 5.7: an NTS NAK is the one response without an authenticator */
	if (!w.nauth) {
		if (request || !nts_is_nak(&h))
			hit(rep, NTS_R_NTS_AUTH_MISSING, 0, len);
		return;
	}
	if (w.nauth > 1 || w.after_auth)
		hit(rep, NTS_R_NTS_AUTH_NOT_LAST, 0, w.after_auth ? w.after_auth_at : w.auth.offset);
	size_t no, nl, co, cl;
	enum nts_rule a = nts_rules_auth(w.auth.body, w.auth.body_len, &no, &nl, &co, &cl);
	if (a)
		hit(rep, a, 0, w.auth.offset);
}
