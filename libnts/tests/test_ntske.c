/* Unit tests: NTS-KE records, framing, requests and responses (libnts/ntske.c). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Check the error by name so a failure message says which code came back. */
#define ck_err(got, want) ck_assert_str_eq(nts_errname(got), nts_errname(want))

/* ---- records ---- */

static const struct {
	bool critical;
	uint16_t type;
	size_t body_len;
} rec_tab[] = {
	{ true, NTSKE_REC_EOM, 0 },
	{ false, NTSKE_REC_COOKIE, 100 },
	{ true, 0x7fff, 3 },
	{ false, 0x4000, 65535 },
};

START_TEST(record_roundtrip)
{
	static uint8_t buf[8 + 65535 + 4], body[65535];
	struct nts_wr w;
	struct nts_rd r;
	struct ntske_record rec;

	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i * 7 + _i);
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntske_record_write(&w, true, 1, "\x00\x00", 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, rec_tab[_i].critical, rec_tab[_i].type, body,
					    rec_tab[_i].body_len), NTS_OK);
	ck_assert_uint_eq(w.pos, 6 + 4 + rec_tab[_i].body_len);
	/* the critical bit is the top bit of the first octet */
	ck_assert_uint_eq(buf[6] >> 7, rec_tab[_i].critical);

	nts_rd_init(&r, buf, w.pos);
	ck_assert_int_eq(ntske_record_read(&r, &rec), NTS_OK);
	ck_assert_int_eq(ntske_record_read(&r, &rec), NTS_OK);
	ck_assert_uint_eq(rec.offset, 6);
	ck_assert_int_eq(rec.critical, rec_tab[_i].critical);
	ck_assert_uint_eq(rec.type, rec_tab[_i].type);
	ck_assert_uint_eq(rec.body_len, rec_tab[_i].body_len);
	ck_assert(rec.body == buf + 10);
	ck_assert_mem_eq(rec.body, body, rec_tab[_i].body_len);
	ck_assert_uint_eq(nts_rd_left(&r), 0);
	ck_err(ntske_record_read(&r, &rec), NTS_E_KE_TRUNC);
}
END_TEST

START_TEST(record_write_limits)
{
	uint8_t buf[16];
	struct nts_wr w;

	nts_wr_init(&w, buf, sizeof buf);
	ck_err(ntske_record_write(&w, false, 0x8000, NULL, 0), NTS_E_INVAL);
	ck_err(ntske_record_write(&w, false, 5, NULL, 3), NTS_E_INVAL);
	ck_err(ntske_record_write(&w, false, 5, buf, 65536), NTS_E_INVAL);
	ck_assert_uint_eq(w.pos, 0);
	/* 13 octets do not fit in 12: nothing is written */
	nts_wr_init(&w, buf, 12);
	ck_err(ntske_record_write(&w, false, 5, "123456789", 9), NTS_E_NOSPACE);
	ck_assert_uint_eq(w.pos, 0);
	ck_assert_int_eq(ntske_record_write(&w, false, 5, "12345678", 8), NTS_OK);
	ck_assert_uint_eq(w.pos, 12);
	ck_err(ntske_record_write(&w, true, 0, NULL, 0), NTS_E_NOSPACE);
}
END_TEST

/* Every cut of a 7-octet record reads as truncated and consumes nothing. */
START_TEST(record_read_truncated)
{
	static const uint8_t full[] = { 0x80, 0x04, 0x00, 0x03, 0x00, 0x0f, 0x00 };
	struct nts_rd r;
	struct ntske_record rec;

	for (size_t n = 0; n < sizeof full; n++) {
		nts_rd_init(&r, full, n);
		ck_err(ntske_record_read(&r, &rec), NTS_E_KE_TRUNC);
		ck_assert_uint_eq(r.pos, 0);
	}
	nts_rd_init(&r, full, sizeof full);
	ck_assert_int_eq(ntske_record_read(&r, &rec), NTS_OK);
}
END_TEST

static const struct {
	const char *(*fn)(uint16_t);
	uint16_t value;
	const char *name;   /* NULL: unassigned */
} name_tab[] = {
	{ ntske_record_name, 0, "End of Message" },
	{ ntske_record_name, 1, "NTS Next Protocol Negotiation" },
	{ ntske_record_name, 4, "AEAD Algorithm Negotiation" },
	{ ntske_record_name, 5, "New Cookie for NTPv4" },
	{ ntske_record_name, 7, "NTPv4 Port Negotiation" },
	{ ntske_record_name, 1024, "Compliant AES-128-GCM-SIV Exporter Context" },
	{ ntske_record_name, 8, NULL },
	{ ntske_record_name, 0x4000, NULL },
	{ ntske_error_name, 0, "Unrecognized Critical Record" },
	{ ntske_error_name, 1, "Bad Request" },
	{ ntske_error_name, 2, "Internal Server Error" },
	{ ntske_error_name, 3, NULL },
	{ ntske_warning_name, 0, NULL },
	{ ntske_warning_name, 1, NULL },
	{ ntske_proto_name, 0, "Network Time Protocol version 4 (NTPv4)" },
	{ ntske_proto_name, 1, NULL },
	{ ntske_proto_name, 0x8000, NULL },
};

START_TEST(iana_names)
{
	const char *got = name_tab[_i].fn(name_tab[_i].value);
	if (name_tab[_i].name)
		ck_assert_pstr_eq(got, name_tab[_i].name);
	else
		ck_assert_ptr_null(got);
}
END_TEST

/* ---- requests ---- */

static const struct {
	size_t nprotos;
	uint16_t protos[3];
	size_t naeads;
	uint16_t aeads[4];
	const char *server;   /* NULL: none */
	int port;             /* -1: none */
	bool compliant;
} req_tab[] = {
	{ 1, { 0 }, 1, { 15 }, NULL, -1, false },
	{ 1, { 0 }, 4, { 30, 17, 16, 15 }, NULL, -1, true },
	{ 2, { 0x8001, 0 }, 1, { 15 }, "ntp.example.net", -1, false },
	{ 1, { 0 }, 2, { 15, 17 }, NULL, 123, false },
	{ 3, { 0, 1, 2 }, 1, { 15 }, "2001:db8::1", 65535, false },
};

static void fill_request(struct ntske_request *req, size_t i)
{
	memset(req, 0, sizeof *req);
	req->nprotos = req_tab[i].nprotos;
	memcpy(req->protos, req_tab[i].protos, sizeof req_tab[i].protos);
	req->naeads = req_tab[i].naeads;
	memcpy(req->aeads, req_tab[i].aeads, sizeof req_tab[i].aeads);
	if (req_tab[i].server) {
		req->has_server = true;
		strcpy(req->server, req_tab[i].server);
	}
	if (req_tab[i].port >= 0) {
		req->has_port = true;
		req->port = (uint16_t)req_tab[i].port;
	}
	req->compliant_128gcm = req_tab[i].compliant;
}

START_TEST(request_roundtrip)
{
	struct ntske_request in, out;
	uint8_t buf[512];
	size_t len = 0;
	uint16_t ke_error = 0xffff;

	fill_request(&in, (size_t)_i);
	ck_assert_int_eq(ntske_request_build(&in, buf, sizeof buf, &len), NTS_OK);
	ck_assert_int_eq(ntske_request_parse(buf, len, &out, &ke_error), NTS_OK);
	ck_assert_uint_eq(ke_error, 0xffff);
	ck_assert_uint_eq(out.nprotos, in.nprotos);
	ck_assert_mem_eq(out.protos, in.protos, in.nprotos * 2);
	ck_assert_uint_eq(out.naeads, in.naeads);
	ck_assert_mem_eq(out.aeads, in.aeads, in.naeads * 2);
	ck_assert_int_eq(out.has_server, in.has_server);
	ck_assert_str_eq(out.server, in.server);
	ck_assert_int_eq(out.has_port, in.has_port);
	ck_assert_uint_eq(out.port, in.port);
	ck_assert_int_eq(out.compliant_128gcm, in.compliant_128gcm);
	/* the last record is a critical, empty End of Message */
	ck_assert_mem_eq(buf + len - 4, "\x80\x00\x00\x00", 4);
	/* every shorter buffer fails cleanly */
	for (size_t cap = 0; cap < len; cap++)
		ck_err(ntske_request_build(&in, buf, cap, &len), NTS_E_NOSPACE);
}
END_TEST

START_TEST(request_build_invalid)
{
	struct ntske_request req;
	uint8_t buf[512];
	size_t len;

	fill_request(&req, 0);
	req.nprotos = 0;
	ck_err(ntske_request_build(&req, buf, sizeof buf, &len), NTS_E_INVAL);
	fill_request(&req, 0);
	req.naeads = NTSKE_MAX_IDS + 1;
	ck_err(ntske_request_build(&req, buf, sizeof buf, &len), NTS_E_INVAL);
	fill_request(&req, 0);
	req.has_server = true;
	strcpy(req.server, "two words");
	ck_err(ntske_request_build(&req, buf, sizeof buf, &len), NTS_E_INVAL);
	req.server[0] = '\0';
	ck_err(ntske_request_build(&req, buf, sizeof buf, &len), NTS_E_INVAL);
}
END_TEST

/* A request offering more ids than NTSKE_MAX_IDS keeps the first ones. */
START_TEST(request_many_ids)
{
	uint8_t buf[256], body[2 * (NTSKE_MAX_IDS + 4)];
	struct nts_wr w;
	struct ntske_request req;
	uint16_t ke_error;

	for (size_t i = 0; i < NTSKE_MAX_IDS + 4; i++)
		nts_put16(body + 2 * i, (uint16_t)(100 + i));
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_NEXT_PROTO, "\x00\x00", 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, NTSKE_REC_AEAD, body, sizeof body), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_EOM, NULL, 0), NTS_OK);
	ck_assert_int_eq(ntske_request_parse(buf, w.pos, &req, &ke_error), NTS_OK);
	ck_assert_uint_eq(req.naeads, NTSKE_MAX_IDS);
	ck_assert_uint_eq(req.aeads[0], 100);
	ck_assert_uint_eq(req.aeads[NTSKE_MAX_IDS - 1], 100 + NTSKE_MAX_IDS - 1);
}
END_TEST

static void check_req_valid(const struct ntske_request *req)
{
	ck_assert_uint_eq(req->nprotos, 1);
	ck_assert_uint_eq(req->protos[0], NTSKE_PROTO_NTPV4);
	ck_assert_uint_eq(req->naeads, 2);
	ck_assert_uint_eq(req->aeads[0], 30);
	ck_assert_uint_eq(req->aeads[1], 15);
}

static void check_req_server_port(const struct ntske_request *req)
{
	check_req_valid(req);
	ck_assert(req->has_server && req->has_port);
	ck_assert_str_eq(req->server, "ntp1.example.org");
	ck_assert_uint_eq(req->port, 4123);
}

static const struct {
	const char *file;
	int err;
	uint16_t ke_error;     /* meaningful when err != NTS_OK */
	void (*check)(const struct ntske_request *);
} req_vec[] = {
	{ "ntske/req-valid.hex", NTS_OK, 0, check_req_valid },
	{ "ntske/req-valid-server-port.hex", NTS_OK, 0, check_req_server_port },
	{ "ntske/req-unknown-noncritical.hex", NTS_OK, 0, check_req_valid },
	{ "ntske/req-missing-proto.hex", NTS_E_KE_NO_PROTO, 1, NULL },
	{ "ntske/req-dup-proto.hex", NTS_E_KE_DUP_PROTO, 1, NULL },
	{ "ntske/req-proto-not-critical.hex", NTS_E_KE_CRIT_MISSING, 1, NULL },
	{ "ntske/req-missing-aead.hex", NTS_E_KE_NO_AEAD, 1, NULL },
	{ "ntske/req-dup-aead.hex", NTS_E_KE_DUP_AEAD, 1, NULL },
	{ "ntske/req-missing-eom.hex", NTS_E_KE_NO_EOM, 1, NULL },
	{ "ntske/req-after-eom.hex", NTS_E_KE_AFTER_EOM, 1, NULL },
	{ "ntske/req-eom-body.hex", NTS_E_KE_EOM_BODY, 1, NULL },
	{ "ntske/req-unknown-critical.hex", NTS_E_KE_CRIT_UNKNOWN, 0, NULL },
	{ "ntske/req-trunc-header.hex", NTS_E_KE_TRUNC, 1, NULL },
	{ "ntske/req-trunc-body.hex", NTS_E_KE_TRUNC, 1, NULL },
	{ "ntske/req-aead-odd.hex", NTS_E_KE_BAD_BODY, 1, NULL },
	{ "ntske/req-port-len.hex", NTS_E_KE_BAD_BODY, 1, NULL },
	{ "ntske/req-dup-server.hex", NTS_E_KE_DUP_RECORD, 1, NULL },
	{ "ntske/req-new-cookie.hex", NTS_E_KE_UNEXPECTED, 1, NULL },
	{ "ntske/req-error-record.hex", NTS_E_KE_UNEXPECTED, 1, NULL },
	{ "ntske/req-too-long.hex", NTS_E_KE_TOO_LONG, 1, NULL },
};

START_TEST(request_vectors)
{
	size_t len;
	uint8_t *msg = tv_load_hex(req_vec[_i].file, &len);
	struct ntske_request req;
	uint16_t ke_error = 0xffff;
	int rc = ntske_request_parse(msg, len, &req, &ke_error);

	ck_assert_msg(rc == req_vec[_i].err, "%s: got %s, want %s", req_vec[_i].file,
		      nts_errname(rc), nts_errname(req_vec[_i].err));
	if (rc != NTS_OK)
		ck_assert_uint_eq(ke_error, req_vec[_i].ke_error);
	else
		ck_assert_uint_eq(ke_error, 0xffff);
	if (req_vec[_i].check)
		req_vec[_i].check(&req);
	free(msg);
}
END_TEST

static const uint16_t ours_siv[] = { 15, 17 };

static const struct {
	size_t nprotos;
	uint16_t protos[2];
	size_t naeads;
	uint16_t aeads[3];
	int err;
	uint16_t aead;
} sel_tab[] = {
	{ 1, { 0 }, 1, { 15 }, NTS_OK, 15 },
	{ 1, { 0 }, 3, { 30, 17, 15 }, NTS_OK, 17 },   /* client's order, not ours */
	{ 2, { 0x8000, 0 }, 2, { 16, 15 }, NTS_OK, 15 },
	{ 1, { 0 }, 2, { 30, 16 }, NTS_E_KE_AEAD_UNSUPP, 0 },
	{ 1, { 1 }, 1, { 15 }, NTS_E_KE_PROTO_UNSUPP, 0 },
	{ 0, { 0 }, 1, { 15 }, NTS_E_KE_PROTO_UNSUPP, 0 },
};

START_TEST(select_table)
{
	struct ntske_request req;
	uint16_t proto = 0xffff, aead = 0xffff;

	memset(&req, 0, sizeof req);
	req.nprotos = sel_tab[_i].nprotos;
	memcpy(req.protos, sel_tab[_i].protos, sizeof sel_tab[_i].protos);
	req.naeads = sel_tab[_i].naeads;
	memcpy(req.aeads, sel_tab[_i].aeads, sizeof sel_tab[_i].aeads);
	ck_err(ntske_select(&req, ours_siv, NELEM(ours_siv), &proto, &aead), sel_tab[_i].err);
	if (sel_tab[_i].err == NTS_OK) {
		ck_assert_uint_eq(proto, NTSKE_PROTO_NTPV4);
		ck_assert_uint_eq(aead, sel_tab[_i].aead);
	}
}
END_TEST

/* ---- responses ---- */

static const struct {
	const char *server;
	int port;
	size_t ncookies;
	uint16_t cookie_size;
	bool compliant;
} resp_tab[] = {
	{ NULL, -1, 8, 100, false },
	{ NULL, -1, 8, 104, false },
	{ "ntp.example.org", -1, 8, 100, false },
	{ NULL, 4123, 8, 104, true },
	{ "192.0.2.1", 123, 1, 1, false },
	{ "2001:db8::7", 1, 8, NTS_COOKIE_MAX, false },
};

static void fill_response(struct ntske_response *resp, size_t i)
{
	memset(resp, 0, sizeof *resp);
	resp->has_proto = true;
	resp->proto = NTSKE_PROTO_NTPV4;
	resp->has_aead = true;
	resp->aead = 15;
	resp->ncookies = resp_tab[i].ncookies;
	for (size_t c = 0; c < resp->ncookies; c++) {
		resp->cookie_len[c] = resp_tab[i].cookie_size;
		for (size_t k = 0; k < resp_tab[i].cookie_size; k++)
			resp->cookies[c][k] = (uint8_t)(c * 31 + k);
	}
	if (resp_tab[i].server) {
		resp->has_server = true;
		strcpy(resp->server, resp_tab[i].server);
	}
	if (resp_tab[i].port >= 0) {
		resp->has_port = true;
		resp->port = (uint16_t)resp_tab[i].port;
	}
	resp->compliant_128gcm = resp_tab[i].compliant;
}

START_TEST(response_roundtrip)
{
	static struct ntske_response in, out;
	static uint8_t buf[NTSKE_MAX_MESSAGE];
	size_t len = 0;

	fill_response(&in, (size_t)_i);
	ck_assert_int_eq(ntske_response_build(&in, buf, sizeof buf, &len), NTS_OK);
	ck_assert_int_eq(ntske_response_parse(buf, len, &out), NTS_OK);
	ck_assert(out.has_proto && out.proto == NTSKE_PROTO_NTPV4);
	ck_assert(out.has_aead && out.aead == 15);
	ck_assert(!out.has_error);
	ck_assert_uint_eq(out.ncookies, in.ncookies);
	ck_assert_uint_eq(out.cookies_ignored, 0);
	for (size_t c = 0; c < in.ncookies; c++) {
		ck_assert_uint_eq(out.cookie_len[c], in.cookie_len[c]);
		ck_assert_mem_eq(out.cookies[c], in.cookies[c], in.cookie_len[c]);
	}
	ck_assert_int_eq(out.has_server, in.has_server);
	ck_assert_str_eq(out.server, in.server);
	ck_assert_int_eq(out.has_port, in.has_port);
	ck_assert_uint_eq(out.port, in.port);
	ck_assert_int_eq(out.compliant_128gcm, in.compliant_128gcm);
	ck_err(ntske_response_build(&in, buf, len - 1, &len), NTS_E_NOSPACE);
}
END_TEST

/* Responses whose parse is expected to fail, built by us. */
START_TEST(response_roundtrip_special)
{
	static struct ntske_response in, out;
	uint8_t buf[2048];
	size_t len;

	/* Error: one Error record and End of Message, nothing else */
	fill_response(&in, 0);
	in.has_error = true;
	in.error_code = NTSKE_ERR_INTERNAL;
	ck_assert_int_eq(ntske_response_build(&in, buf, sizeof buf, &len), NTS_OK);
	ck_assert_uint_eq(len, 10);
	ck_err(ntske_response_parse(buf, len, &out), NTS_E_KE_ERROR_RECORD);
	ck_assert(out.has_error);
	ck_assert_uint_eq(out.error_code, NTSKE_ERR_INTERNAL);

	/* no common AEAD: empty AEAD record, no cookies */
	fill_response(&in, 0);
	in.has_aead = false;
	in.ncookies = 0;
	ck_assert_int_eq(ntske_response_build(&in, buf, sizeof buf, &len), NTS_OK);
	ck_err(ntske_response_parse(buf, len, &out), NTS_E_KE_AEAD_UNSUPP);
	ck_assert(out.has_proto && !out.has_aead);

	/* a warning survives the round trip and stops the client */
	fill_response(&in, 0);
	in.nwarnings = 2;
	in.warnings[0] = 7;
	in.warnings[1] = 0x8001;
	ck_assert_int_eq(ntske_response_build(&in, buf, sizeof buf, &len), NTS_OK);
	ck_err(ntske_response_parse(buf, len, &out), NTS_E_KE_WARNING);
	ck_assert_uint_eq(out.nwarnings, 2);
	ck_assert_uint_eq(out.warnings[1], 0x8001);

	/* builder refuses what the parser would refuse */
	fill_response(&in, 0);
	in.cookie_len[3] = 0;
	ck_err(ntske_response_build(&in, buf, sizeof buf, &len), NTS_E_INVAL);
	fill_response(&in, 0);
	in.ncookies = NTS_MAX_COOKIES + 1;
	ck_err(ntske_response_build(&in, buf, sizeof buf, &len), NTS_E_INVAL);
}
END_TEST

static void check_resp_valid(const struct ntske_response *resp)
{
	ck_assert_uint_eq(resp->ncookies, 8);
	ck_assert_uint_eq(resp->cookie_len[7], 100);
	ck_assert_uint_eq(resp->cookies[7][0], 0x70);   /* cookie i starts at 16*i */
	ck_assert(!resp->has_server && !resp->has_port);
}

static void check_resp_server_port(const struct ntske_response *resp)
{
	ck_assert_uint_eq(resp->ncookies, 2);
	ck_assert_uint_eq(resp->cookie_len[1], 104);
	ck_assert_str_eq(resp->server, "192.0.2.7");
	ck_assert_uint_eq(resp->port, 123);
}

static void check_resp_error(const struct ntske_response *resp)
{
	ck_assert(resp->has_error);
	ck_assert_uint_eq(resp->error_code, NTSKE_ERR_BAD_REQUEST);
}

static void check_resp_empty_proto(const struct ntske_response *resp)
{
	ck_assert(!resp->has_proto && !resp->has_aead);
}

static void check_resp_nine(const struct ntske_response *resp)
{
	ck_assert_uint_eq(resp->ncookies, NTS_MAX_COOKIES);
	ck_assert_uint_eq(resp->cookies_ignored, 1);
}

static void check_resp_warning(const struct ntske_response *resp)
{
	ck_assert_uint_eq(resp->nwarnings, 1);
	ck_assert_uint_eq(resp->warnings[0], 5);
}

static const struct {
	const char *file;
	int err;
	void (*check)(const struct ntske_response *);
} resp_vec[] = {
	{ "ntske/resp-valid.hex", NTS_OK, check_resp_valid },
	{ "ntske/resp-valid-server-port.hex", NTS_OK, check_resp_server_port },
	{ "ntske/resp-nine-cookies.hex", NTS_OK, check_resp_nine },
	{ "ntske/resp-error.hex", NTS_E_KE_ERROR_RECORD, check_resp_error },
	{ "ntske/resp-no-cookie.hex", NTS_E_KE_NO_COOKIE, NULL },
	{ "ntske/resp-two-protos.hex", NTS_E_KE_DUP_PROTO, NULL },
	{ "ntske/resp-proto-two-ids.hex", NTS_E_KE_PROTO_COUNT, NULL },
	{ "ntske/resp-empty-proto.hex", NTS_E_KE_PROTO_UNSUPP, check_resp_empty_proto },
	{ "ntske/resp-two-aeads.hex", NTS_E_KE_DUP_AEAD, NULL },
	{ "ntske/resp-aead-two-ids.hex", NTS_E_KE_AEAD_COUNT, NULL },
	{ "ntske/resp-oversize-cookie.hex", NTS_E_KE_COOKIE_SIZE, NULL },
	{ "ntske/resp-bad-server.hex", NTS_E_KE_BAD_SERVER, NULL },
	{ "ntske/resp-warning.hex", NTS_E_KE_WARNING, check_resp_warning },
	{ "ntske/resp-unknown-critical.hex", NTS_E_KE_CRIT_UNKNOWN, NULL },
};

START_TEST(response_vectors)
{
	static struct ntske_response resp;
	size_t len;
	uint8_t *msg = tv_load_hex(resp_vec[_i].file, &len);
	int rc = ntske_response_parse(msg, len, &resp);

	ck_assert_msg(rc == resp_vec[_i].err, "%s: got %s, want %s", resp_vec[_i].file,
		      nts_errname(rc), nts_errname(resp_vec[_i].err));
	if (resp_vec[_i].check)
		resp_vec[_i].check(&resp);
	free(msg);
}
END_TEST

/* ---- stream framing ---- */

/* Each valid vector is complete only once its last octet has arrived. */
static const char *const complete_vec[] = {
	"ntske/req-valid.hex", "ntske/req-valid-server-port.hex",
	"ntske/resp-valid.hex", "ntske/resp-error.hex",
};

START_TEST(message_complete_prefixes)
{
	size_t len, msg_len = 0;
	uint8_t *msg = tv_load_hex(complete_vec[_i], &len);

	for (size_t n = 0; n < len; n++)
		ck_assert_int_eq(ntske_message_complete(msg, n, &msg_len), 0);
	ck_assert_int_eq(ntske_message_complete(msg, len, &msg_len), 1);
	ck_assert_uint_eq(msg_len, len);
	free(msg);
}
END_TEST

START_TEST(message_complete_too_long)
{
	size_t len, msg_len = 0;
	uint8_t *msg = tv_load_hex("ntske/req-too-long.hex", &len);

	/* the oversized record is refused as soon as its header is in */
	ck_assert_int_eq(ntske_message_complete(msg, 14, &msg_len), 0);
	ck_err(ntske_message_complete(msg, 18, &msg_len), NTS_E_KE_TOO_LONG);
	ck_err(ntske_message_complete(msg, len, &msg_len), NTS_E_KE_TOO_LONG);
	free(msg);
}
END_TEST

/* Two messages back to back, as a pipelining peer would send them: the
 * first call frames only the first; the rest frames the second. */
START_TEST(message_complete_back_to_back)
{
	size_t la, lb, msg_len = 0;
	uint8_t *a = tv_load_hex("ntske/req-valid.hex", &la);
	uint8_t *b = tv_load_hex("ntske/req-valid-server-port.hex", &lb);
	uint8_t *both = malloc(la + lb);

	ck_assert_ptr_nonnull(both);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	ck_assert_int_eq(ntske_message_complete(both, la + lb, &msg_len), 1);
	ck_assert_uint_eq(msg_len, la);
	/* a partial second message does not disturb the first */
	ck_assert_int_eq(ntske_message_complete(both, la + 3, &msg_len), 1);
	ck_assert_uint_eq(msg_len, la);
	ck_assert_int_eq(ntske_message_complete(both + la, lb - 1, &msg_len), 0);
	ck_assert_int_eq(ntske_message_complete(both + la, lb, &msg_len), 1);
	ck_assert_uint_eq(msg_len, lb);
	free(a);
	free(b);
	free(both);
}
END_TEST

/* Feed a response in chunks of several sizes, as reads off a TLS stream
 * would arrive; completion is reported on exactly the chunk that brings the
 * last octet, and the buffered length is never reported short. */
static const size_t chunk_sizes[] = { 1, 2, 3, 4, 5, 7, 64, 1000 };

START_TEST(message_complete_chunked)
{
	size_t len, msg_len = 0, have = 0, calls = 0;
	uint8_t *msg = tv_load_hex("ntske/resp-valid-server-port.hex", &len);
	int rc = 0;

	while (rc == 0 && have < len && calls++ < len + 1) {
		size_t step = chunk_sizes[_i];
		have = have + step > len ? len : have + step;
		rc = ntske_message_complete(msg, have, &msg_len);
		ck_assert_int_eq(rc, have == len ? 1 : 0);
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(msg_len, len);
	free(msg);
}
END_TEST

/* Framing follows the length fields, not byte patterns: an End of Message
 * look-alike inside a cookie body does not end the message, while a type-0
 * record without the critical bit does (the parser then rejects it). */
START_TEST(message_complete_eom_lookalike)
{
	static const uint8_t cookie_body[8] = { 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00 };
	uint8_t buf[64];
	struct nts_wr w;
	size_t msg_len = 0, before_eom;
	struct ntske_response resp;

	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_NEXT_PROTO, "\x00\x00", 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_AEAD, "\x00\x0f", 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, NTSKE_REC_COOKIE, cookie_body,
					    sizeof cookie_body), NTS_OK);
	before_eom = w.pos;
	for (size_t n = 0; n <= before_eom; n++)
		ck_assert_int_eq(ntske_message_complete(buf, n, &msg_len), 0);
	ck_assert_int_eq(ntske_record_write(&w, false, NTSKE_REC_EOM, NULL, 0), NTS_OK);
	ck_assert_int_eq(ntske_message_complete(buf, w.pos, &msg_len), 1);
	ck_assert_uint_eq(msg_len, w.pos);
	ck_err(ntske_response_parse(buf, w.pos, &resp), NTS_E_KE_CRIT_MISSING);
	buf[before_eom] |= 0x80;
	ck_assert_int_eq(ntske_response_parse(buf, w.pos, &resp), NTS_OK);
	ck_assert_mem_eq(resp.cookies[0], cookie_body, sizeof cookie_body);
}
END_TEST

/* The limit is inclusive: a message of exactly NTSKE_MAX_MESSAGE octets is
 * whole, one octet more is refused, and a stream that reaches the limit
 * without End of Message is refused rather than waited on. */
START_TEST(message_complete_limit)
{
	static uint8_t buf[NTSKE_MAX_MESSAGE + 8], zeros[NTSKE_MAX_MESSAGE];
	struct nts_wr w;
	size_t msg_len = 0;
	const size_t pad = NTSKE_MAX_MESSAGE - 4 - 4 - 6; /* header, EOM, Next Protocol */

	ck_assert_int_eq(ntske_message_complete(NULL, 0, &msg_len), 0);
	memset(buf, 0, sizeof buf);
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_NEXT_PROTO, "\x00\x00", 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, 0x4001, zeros, pad), NTS_OK);
	ck_assert_int_eq(ntske_message_complete(buf, w.pos, &msg_len), 0);
	ck_assert_int_eq(ntske_message_complete(buf, w.pos + 3, &msg_len), 0);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_EOM, NULL, 0), NTS_OK);
	ck_assert_uint_eq(w.pos, NTSKE_MAX_MESSAGE);
	ck_assert_int_eq(ntske_message_complete(buf, w.pos, &msg_len), 1);
	ck_assert_uint_eq(msg_len, NTSKE_MAX_MESSAGE);

	/* three octets more padding: the record still fits, but no room is
	 * left for End of Message, so the full buffer is refused */
	nts_put16(buf + 6 + 2, (uint16_t)(pad + 3));
	ck_assert_int_eq(ntske_message_complete(buf, 6 + 4, &msg_len), 0);
	ck_err(ntske_message_complete(buf, NTSKE_MAX_MESSAGE, &msg_len), NTS_E_KE_TOO_LONG);
	/* a record ending past the limit is refused from its header alone */
	nts_put16(buf + 6 + 2, (uint16_t)(pad + 5));
	ck_err(ntske_message_complete(buf, 6 + 4, &msg_len), NTS_E_KE_TOO_LONG);
}
END_TEST

Suite *ntske_suite(void)
{
	Suite *s = suite_create("ntske");
	TCase *tc = tcase_create("records");
	tcase_add_loop_test(tc, record_roundtrip, 0, (int)NELEM(rec_tab));
	tcase_add_test(tc, record_write_limits);
	tcase_add_test(tc, record_read_truncated);
	tcase_add_loop_test(tc, iana_names, 0, (int)NELEM(name_tab));
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_loop_test(tc, request_roundtrip, 0, (int)NELEM(req_tab));
	tcase_add_test(tc, request_build_invalid);
	tcase_add_test(tc, request_many_ids);
	tcase_add_loop_test(tc, request_vectors, 0, (int)NELEM(req_vec));
	tcase_add_loop_test(tc, select_table, 0, (int)NELEM(sel_tab));
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_loop_test(tc, response_roundtrip, 0, (int)NELEM(resp_tab));
	tcase_add_test(tc, response_roundtrip_special);
	tcase_add_loop_test(tc, response_vectors, 0, (int)NELEM(resp_vec));
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_loop_test(tc, message_complete_prefixes, 0, (int)NELEM(complete_vec));
	tcase_add_test(tc, message_complete_too_long);
	tcase_add_test(tc, message_complete_back_to_back);
	tcase_add_loop_test(tc, message_complete_chunked, 0, (int)NELEM(chunk_sizes));
	tcase_add_test(tc, message_complete_eom_lookalike);
	tcase_add_test(tc, message_complete_limit);
	suite_add_tcase(s, tc);
	return s;
}
