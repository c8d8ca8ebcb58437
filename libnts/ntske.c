/* NTS-KE records, stream framing, and the request/response rules of RFC 8915 section 4. */
#include <config.h>

#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/rules.h"

#define REC_HDR_LEN 4
#define CRIT_BIT 0x8000u
#define TYPE_MASK 0x7fffu

/* ---- records (RFC 8915 section 4: 1 bit C, 15 bits type, u16 length) ---- */

int ntske_record_read(struct nts_rd *r, struct ntske_record *rec)
{
	size_t start = r->pos;
	uint16_t word, blen;
	const uint8_t *body;

	if (!nts_rd_u16(r, &word) || !nts_rd_u16(r, &blen) || !nts_rd_view(r, blen, &body)) {
		r->pos = start; /* a failed read consumes nothing */
		return NTS_E_KE_TRUNC;
	}
	rec->critical = (word & CRIT_BIT) != 0;
	rec->type = (uint16_t)(word & TYPE_MASK);
	rec->body_len = blen;
	rec->body = body;
	rec->offset = start;
	return NTS_OK;
}

int ntske_record_write(struct nts_wr *w, bool critical, uint16_t type,
		       const void *body, size_t body_len)
{
	if (type > TYPE_MASK || body_len > UINT16_MAX || (body_len > 0 && !body))
		return NTS_E_INVAL;
	/* Check first so a record is written whole or not at all. */
	if (nts_wr_left(w) < REC_HDR_LEN + body_len)
		return NTS_E_NOSPACE;
	nts_wr_u16(w, (uint16_t)(type | (critical ? CRIT_BIT : 0)));
	nts_wr_u16(w, (uint16_t)body_len);
	if (body_len > 0)
		nts_wr_bytes(w, body, body_len);
	return w->err ? NTS_E_NOSPACE : NTS_OK;
}

/* ---- IANA names ---- */

struct name_entry {
	uint16_t value;
	const char *name;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* IANA "Network Time Security Key Establishment Record Types" */
static const struct name_entry record_names[] = {
	{ NTSKE_REC_EOM, "End of Message" },
	{ NTSKE_REC_NEXT_PROTO, "NTS Next Protocol Negotiation" },
	{ NTSKE_REC_ERROR, "Error" },
	{ NTSKE_REC_WARNING, "Warning" },
	{ NTSKE_REC_AEAD, "AEAD Algorithm Negotiation" },
	{ NTSKE_REC_COOKIE, "New Cookie for NTPv4" },
	{ NTSKE_REC_SERVER, "NTPv4 Server Negotiation" },
	{ NTSKE_REC_PORT, "NTPv4 Port Negotiation" },
	{ NTSKE_REC_COMPLIANT_128GCM_EXPORT, "Compliant AES-128-GCM-SIV Exporter Context" },
};

/* IANA "Network Time Security Error Codes" */
static const struct name_entry error_names[] = {
	{ NTSKE_ERR_UNRECOGNIZED_CRITICAL, "Unrecognized Critical Record" },
	{ NTSKE_ERR_BAD_REQUEST, "Bad Request" },
	{ NTSKE_ERR_INTERNAL, "Internal Server Error" },
};

/* IANA "Network Time Security Warning Codes": none assigned yet. */

/* IANA "Network Time Security Next Protocols" */
static const struct name_entry proto_names[] = {
	{ NTSKE_PROTO_NTPV4, "Network Time Protocol version 4 (NTPv4)" },
};

static const char *lookup(const struct name_entry *tab, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].value == v)
			return tab[i].name;
	return NULL;
}

const char *ntske_record_name(uint16_t type)
{
	return lookup(record_names, NELEM(record_names), type);
}

const char *ntske_error_name(uint16_t code)
{
	return lookup(error_names, NELEM(error_names), code);
}

const char *ntske_warning_name(uint16_t code)
{
	(void)code; /* the registry is empty */
	return NULL;
}

const char *ntske_proto_name(uint16_t id)
{
	return lookup(proto_names, NELEM(proto_names), id);
}

/* ---- stream framing ---- */

int ntske_message_complete(const uint8_t *buf, size_t len, size_t *msg_len)
{
	struct nts_rd r;
	nts_rd_init(&r, buf, len);
	/* Each pass consumes at least a 4-octet header and pos stays within
	 * NTSKE_MAX_MESSAGE, so the loop is bounded. */
	for (;;) {
		size_t start = r.pos;
		uint16_t word, blen;
		/* Not even an End of Message header fits under the limit. */
		if (start + REC_HDR_LEN > NTSKE_MAX_MESSAGE)
			return NTS_E_KE_TOO_LONG;
		if (!nts_rd_u16(&r, &word) || !nts_rd_u16(&r, &blen))
			return 0;
		size_t end = start + REC_HDR_LEN + blen;
		/* Known as soon as the header arrives: waiting for the body
		 * would only let the peer make us buffer more. */
		if (end > NTSKE_MAX_MESSAGE)
			return NTS_E_KE_TOO_LONG;
		if (!nts_rd_skip(&r, blen))
			return 0;
		if ((word & TYPE_MASK) == NTSKE_REC_EOM) {
			*msg_len = end;
			return 1;
		}
	}
}

/* ---- shared message walk ---- */

/* Every rule of section 4 is judged once, by the walker in nts_rules.c;
 * once it finds nothing to refuse, these functions only take the
 * accepted records apart. */

/* A record handler returns NTS_OK to go on or WALK_STOP to stop. */
#define WALK_STOP 1
typedef int (*rec_fn)(void *ctx, const struct ntske_record *rec);

/* Call fn for every record before End of Message, in order (the framing
 * was checked by the rules walker). */
static void walk(const uint8_t *msg, size_t len, rec_fn fn, void *ctx)
{
	struct nts_rd r;
	struct ntske_record rec;

	nts_rd_init(&r, msg, len);
	while (ntske_record_read(&r, &rec) == NTS_OK && rec.type != NTSKE_REC_EOM)
		if (fn(ctx, &rec) == WALK_STOP)
			return;
}

/* Read a list of u16 ids, keeping at most NTSKE_MAX_IDS. */
static size_t read_ids(const struct ntske_record *rec, uint16_t *ids)
{
	struct nts_rd r;
	size_t n = 0;
	uint16_t v;

	nts_rd_init(&r, rec->body, rec->body_len);
	while (n < NTSKE_MAX_IDS && nts_rd_u16(&r, &v))
		ids[n++] = v;
	return n;
}

/* RFC 8915 section 4.1.7: an IPv4/IPv6 address or a host name in ASCII.
 * The builders hold our own names to the rule the walker applies. */
static bool server_name_ok(const uint8_t *s, size_t n)
{
	if (n < 1 || n > NTSKE_MAX_SERVER)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static void read_server(const struct ntske_record *rec, bool *has, char *out)
{
	memcpy(out, rec->body, rec->body_len);
	out[rec->body_len] = '\0';
	*has = true;
}

static void read_port(const struct ntske_record *rec, bool *has, uint16_t *port)
{
	*port = nts_get16(rec->body);
	*has = true;
}

/* ---- request (client -> server) ---- */

static int req_record(void *arg, const struct ntske_record *rec)
{
	struct ntske_request *req = arg;

	switch (rec->type) {
	case NTSKE_REC_NEXT_PROTO:
		req->nprotos = read_ids(rec, req->protos);
		break;
	case NTSKE_REC_AEAD:
		req->naeads = read_ids(rec, req->aeads);
		break;
	case NTSKE_REC_SERVER:
		read_server(rec, &req->has_server, req->server);
		break;
	case NTSKE_REC_PORT:
		read_port(rec, &req->has_port, &req->port);
		break;
	case NTSKE_REC_COMPLIANT_128GCM_EXPORT:
		req->compliant_128gcm = true;
		break;
	default:
		break;   /* unknown non-critical records are ignored (section 4) */
	}
	return NTS_OK;
}

int ntske_request_parse(const uint8_t *msg, size_t len, struct ntske_request *req,
			uint16_t *ke_error)
{
	struct nts_rules_report rep;
	int rc;

	if ((!msg && len > 0) || !req || !ke_error)
		return NTS_E_INVAL;
	memset(req, 0, sizeof *req);
	nts_rules_ke(msg, len, false, &rep);
	rc = nts_rules_verdict(&rep);
	if (rc == NTS_OK)
		walk(msg, len, req_record, req);
	else
		*ke_error = rc == NTS_E_KE_CRIT_UNKNOWN ? NTSKE_ERR_UNRECOGNIZED_CRITICAL
							: NTSKE_ERR_BAD_REQUEST;
	return rc;
}

/* ---- building ---- */

static int write_ids(struct nts_wr *w, bool critical, uint16_t type, const uint16_t *ids, size_t n)
{
	uint8_t body[2 * NTSKE_MAX_IDS];

	if (n > NTSKE_MAX_IDS)
		return NTS_E_INVAL;
	for (size_t i = 0; i < n; i++)
		nts_put16(body + 2 * i, ids[i]);
	return ntske_record_write(w, critical, type, body, 2 * n);
}

static int write_u16(struct nts_wr *w, bool critical, uint16_t type, uint16_t v)
{
	uint8_t body[2];
	nts_put16(body, v);
	return ntske_record_write(w, critical, type, body, sizeof body);
}

static int write_server_port(struct nts_wr *w, bool critical, bool has_server,
			     const char *server, bool has_port, uint16_t port)
{
	int rc = NTS_OK;

	if (has_server) {
		size_t n = strnlen(server, NTSKE_MAX_SERVER + 1);
		if (!server_name_ok((const uint8_t *)server, n))
			return NTS_E_INVAL;
		rc = ntske_record_write(w, critical, NTSKE_REC_SERVER, server, n);
	}
	if (rc == NTS_OK && has_port)
		rc = write_u16(w, critical, NTSKE_REC_PORT, port);
	return rc;
}

static int finish(struct nts_wr *w, int rc, size_t *len)
{
	if (rc == NTS_OK)
		rc = ntske_record_write(w, true, NTSKE_REC_EOM, NULL, 0);
	if (rc == NTS_OK && w->pos > NTSKE_MAX_MESSAGE)
		rc = NTS_E_KE_TOO_LONG;
	if (rc == NTS_OK)
		*len = w->pos;
	return rc;
}

int ntske_request_build(const struct ntske_request *req, uint8_t *out, size_t cap, size_t *len)
{
	struct nts_wr w;
	int rc;

	if (!req || !out || !len || req->nprotos == 0 || req->naeads == 0)
		return NTS_E_INVAL;
	nts_wr_init(&w, out, cap);
	rc = write_ids(&w, true, NTSKE_REC_NEXT_PROTO, req->protos, req->nprotos);
	/* Critical although 4.1.5 makes it optional: every server knows it. */
	if (rc == NTS_OK)
		rc = write_ids(&w, true, NTSKE_REC_AEAD, req->aeads, req->naeads);
	/* Non-critical: honouring the client's wish is optional (4.1.7). */
	if (rc == NTS_OK)
		rc = write_server_port(&w, false, req->has_server, req->server,
				       req->has_port, req->port);
	if (rc == NTS_OK && req->compliant_128gcm)
		rc = ntske_record_write(&w, false, NTSKE_REC_COMPLIANT_128GCM_EXPORT, NULL, 0);
	return finish(&w, rc, len);
}

int ntske_select(const struct ntske_request *req, const uint16_t *ours, size_t nours,
		 uint16_t *proto, uint16_t *aead)
{
	bool ntpv4 = false;

	if (!req || (!ours && nours > 0) || !proto || !aead)
		return NTS_E_INVAL;
	for (size_t i = 0; i < req->nprotos && i < NTSKE_MAX_IDS; i++)
		ntpv4 = ntpv4 || req->protos[i] == NTSKE_PROTO_NTPV4;
	if (!ntpv4)
		return NTS_E_KE_PROTO_UNSUPP;
	*proto = NTSKE_PROTO_NTPV4;
	/* 4.1.5 lets the server pick any offered AEAD; we honour the
	 * client's order. */
	for (size_t i = 0; i < req->naeads && i < NTSKE_MAX_IDS; i++)
		for (size_t j = 0; j < nours; j++)
			if (req->aeads[i] == ours[j]) {
				*aead = ours[j];
				return NTS_OK;
			}
	return NTS_E_KE_AEAD_UNSUPP;
}

static int write_cookies(struct nts_wr *w, const struct ntske_response *resp)
{
	int rc = NTS_OK;

	if (resp->ncookies > NTS_MAX_COOKIES)
		return NTS_E_INVAL;
	for (size_t i = 0; rc == NTS_OK && i < resp->ncookies; i++) {
		if (resp->cookie_len[i] == 0 || resp->cookie_len[i] > NTS_COOKIE_MAX)
			return NTS_E_INVAL;
		/* 4.1.6: the critical bit SHOULD NOT be set. */
		rc = ntske_record_write(w, false, NTSKE_REC_COOKIE, resp->cookies[i],
					resp->cookie_len[i]);
	}
	return rc;
}

static int write_response_body(struct nts_wr *w, const struct ntske_response *resp)
{
	int rc;

	if (resp->nwarnings > NTSKE_MAX_WARNINGS)
		return NTS_E_INVAL;
	rc = write_ids(w, true, NTSKE_REC_NEXT_PROTO, &resp->proto, resp->has_proto ? 1 : 0);
	if (rc == NTS_OK)
		rc = write_ids(w, true, NTSKE_REC_AEAD, &resp->aead, resp->has_aead ? 1 : 0);
	for (size_t i = 0; rc == NTS_OK && i < resp->nwarnings; i++)
		rc = write_u16(w, true, NTSKE_REC_WARNING, resp->warnings[i]);
	/* Critical: a client that cannot follow a redirection must not use
	 * the keys against the wrong server. */
	if (rc == NTS_OK)
		rc = write_server_port(w, true, resp->has_server, resp->server,
				       resp->has_port, resp->port);
	if (rc == NTS_OK && resp->compliant_128gcm)
		rc = ntske_record_write(w, false, NTSKE_REC_COMPLIANT_128GCM_EXPORT, NULL, 0);
	if (rc == NTS_OK)
		rc = write_cookies(w, resp);
	return rc;
}

int ntske_response_build(const struct ntske_response *resp, uint8_t *out, size_t cap, size_t *len)
{
	struct nts_wr w;
	int rc;

	if (!resp || !out || !len)
		return NTS_E_INVAL;
	nts_wr_init(&w, out, cap);
	if (resp->has_error)
		rc = write_u16(&w, true, NTSKE_REC_ERROR, resp->error_code);
	else
		rc = write_response_body(&w, resp);
	return finish(&w, rc, len);
}

/* ---- response (server -> client) ---- */

static void resp_cookie(struct ntske_response *resp, const struct ntske_record *rec)
{
	if (resp->ncookies >= NTS_MAX_COOKIES) {
		resp->cookies_ignored++;
		return;
	}
	memcpy(resp->cookies[resp->ncookies], rec->body, rec->body_len);
	resp->cookie_len[resp->ncookies++] = rec->body_len;
}

static int resp_record(void *arg, const struct ntske_record *rec)
{
	struct ntske_response *resp = arg;

	switch (rec->type) {
	case NTSKE_REC_NEXT_PROTO:
		/* 4.1.2: an empty list means the server accepted none of ours */
		resp->has_proto = rec->body_len == 2;
		if (resp->has_proto)
			resp->proto = nts_get16(rec->body);
		break;
	case NTSKE_REC_AEAD:
		resp->has_aead = rec->body_len == 2;
		if (resp->has_aead)
			resp->aead = nts_get16(rec->body);
		break;
	case NTSKE_REC_ERROR:
		/* 4.1.3: the keys are void and nothing else matters */
		resp->error_code = nts_get16(rec->body);
		resp->has_error = true;
		return WALK_STOP;
	case NTSKE_REC_WARNING:
		if (resp->nwarnings < NTSKE_MAX_WARNINGS)
			resp->warnings[resp->nwarnings++] = nts_get16(rec->body);
		break;
	case NTSKE_REC_COOKIE:
		resp_cookie(resp, rec);
		break;
	case NTSKE_REC_SERVER:
		read_server(rec, &resp->has_server, resp->server);
		break;
	case NTSKE_REC_PORT:
		read_port(rec, &resp->has_port, &resp->port);
		break;
	case NTSKE_REC_COMPLIANT_128GCM_EXPORT:
		resp->compliant_128gcm = true;
		break;
	default:
		break;
	}
	return NTS_OK;
}

/* What a well-formed response says: an error, or no protocol or AEAD we
 * can use. Everything that makes it ill-formed is a rule of nts_rules.c. */
static int resp_verdict(const struct ntske_response *resp)
{
	if (resp->has_error)
		return NTS_E_KE_ERROR_RECORD;
	if (!resp->has_proto || resp->proto != NTSKE_PROTO_NTPV4)
		return NTS_E_KE_PROTO_UNSUPP;
	if (!resp->has_aead)
		return NTS_E_KE_AEAD_UNSUPP;
	return NTS_OK;
}

int ntske_response_parse(const uint8_t *msg, size_t len, struct ntske_response *resp)
{
	struct nts_rules_report rep;
	int rc;

	if ((!msg && len > 0) || !resp)
		return NTS_E_INVAL;
	memset(resp, 0, sizeof *resp);
	nts_rules_ke(msg, len, true, &rep);
	rc = nts_rules_verdict(&rep);
	if (rc != NTS_OK) {
		/* the Warning codes are still of interest to the caller */
		if (rc == NTS_E_KE_WARNING)
			walk(msg, len, resp_record, resp);
		return rc;
	}
	walk(msg, len, resp_record, resp);
	return resp_verdict(resp);
}
