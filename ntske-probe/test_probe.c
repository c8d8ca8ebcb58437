/* Unit tests for ntske-probe: command line, record dump, key export format. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/rules.h"
#include "probe.h"

/* ---- command line */

static const struct arg_case {
	const char *args[6];
	int rc;
	const char *host;
	unsigned port;
} arg_cases[] = {
	{{"time.example"}, 0, "time.example", 4460},
	{{"time.example:1234"}, 0, "time.example", 1234},
	{{"[::1]:4461"}, 0, "::1", 4461},
	{{"::1"}, 0, "::1", 4460},
	{{"[::1]"}, 0, "::1", 4460},
	{{"-4", "--timeout", "0.5", "127.0.0.1:9"}, 0, "127.0.0.1", 9},
	{{"h:0"}, -1, NULL, 0},
	{{"h:65536"}, -1, NULL, 0},
	{{"h:99999"}, -1, NULL, 0},
	{{"-4", "-6", "h"}, -1, NULL, 0},
	{{"--json", "--nagios", "h"}, -1, NULL, 0},
	{{"--sni", "", "h"}, -1, NULL, 0},
	{{"--sni", "n.example", "h"}, 0, "h", 4460},
	{{"--aead", "16", "h"}, -1, NULL, 0},
	{{"--aead", "16", "--ke-only", "h"}, 0, "h", 4460},
	{{"--aead", "30,15", "--ke-only", "h"}, 0, "h", 4460},
	{{"h:x"}, -1, NULL, 0},
	{{"[::1"}, -1, NULL, 0},
	{{":123"}, -1, NULL, 0},
	{{"--count", "0", "h"}, -1, NULL, 0},
	{{"--count", "101", "h"}, -1, NULL, 0},
	{{"--placeholders", "8", "h"}, -1, NULL, 0},
	{{"--aead", "15,x", "h"}, -1, NULL, 0},
	{{"--timeout", "abc", "h"}, -1, NULL, 0},
	{{"a", "b"}, -1, NULL, 0},
	{{"--no-such-option", "h"}, -1, NULL, 0},
	{{NULL}, -1, NULL, 0},
};

static int parse(const char *const *args, struct probe_opts *o)
{
	static char store[8][64];
	char *argv[8] = {store[0]};
	int argc = 1;
	snprintf(store[0], sizeof store[0], "ntske-probe");
	for (size_t i = 0; i < 6 && args[i]; i++, argc++) {
		snprintf(store[argc], sizeof store[0], "%s", args[i]);
		argv[argc] = store[argc];
	}
	optind = 1;
	opterr = 0;
	probe_defaults(o);
	/* usage errors print to stderr: keep the test log readable */
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	int rc = probe_parse_args(argc, argv, o);
	fclose(stderr);
	stderr = saved;
	return rc;
}

START_TEST(args_table)
{
	const struct arg_case *c = &arg_cases[_i];
	struct probe_opts o;
	int rc = parse(c->args, &o);
	ck_assert_msg(rc == c->rc, "case %d (%s): rc %d", _i, c->args[0] ? c->args[0] : "-", rc);
	if (rc == 0) {
		ck_assert_str_eq(o.host, c->host);
		ck_assert_uint_eq(o.port, c->port);
	}
}
END_TEST

START_TEST(args_values)
{
	struct probe_opts o;
	const char *args[6] = {"--aead", "30,15", "--count", "3", "--ke-only", "h"};
	ck_assert_int_eq(parse(args, &o), 0);
	ck_assert_uint_eq(o.naeads, 2);
	ck_assert_uint_eq(o.aeads[0], 30);
	ck_assert_uint_eq(o.aeads[1], 15);
	ck_assert_uint_eq(o.count, 3);
	ck_assert(o.ke_only);
	const char *a2[6] = {"h"};
	ck_assert_int_eq(parse(a2, &o), 0);
	ck_assert_uint_eq(o.naeads, 2);   /* defaults: 15, 17 */
	ck_assert_uint_eq(o.aeads[0], 15);
	ck_assert_uint_eq(o.aeads[1], 17);
	ck_assert_uint_eq(o.count, 1);
	ck_assert(!o.insecure && o.out == OUT_TEXT);
}
END_TEST

/* ---- record dump */

START_TEST(dump_records)
{
	uint8_t msg[256];
	struct nts_wr w;
	nts_wr_init(&w, msg, sizeof msg);
	const uint8_t proto[2] = {0, 0}, aead[2] = {0, 15}, port[2] = {0x11, 0x5c};
	const uint8_t err1[2] = {0, 1}, cookie[10] = {1, 2, 3};
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_NEXT_PROTO, proto, 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_AEAD, aead, 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_PORT, port, 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_ERROR, err1, 2), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, NTSKE_REC_COOKIE, cookie, 10), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, NTSKE_REC_SERVER, "ntp.example", 11), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, false, 1000, "x", 1), NTS_OK);
	ck_assert_int_eq(ntske_record_write(&w, true, NTSKE_REC_EOM, NULL, 0), NTS_OK);
	size_t len = w.pos;
	msg[len++] = 0x80;   /* a truncated record header after End of Message */
	struct probe_rec recs[PROBE_MAX_RECORDS];
	size_t n = probe_ke_dump(msg, len, recs, PROBE_MAX_RECORDS);
	ck_assert_uint_eq(n, 9);
	ck_assert(recs[0].critical && recs[0].type == NTSKE_REC_NEXT_PROTO);
	ck_assert(strstr(recs[1].decoded, "AEAD_AES_SIV_CMAC_256 (15)") != NULL);
	ck_assert_str_eq(recs[2].decoded, "4444");
	ck_assert(strstr(recs[3].decoded, "Bad Request (1)") != NULL);
	ck_assert(!recs[4].critical);
	ck_assert_str_eq(recs[4].decoded, "10 octets");
	ck_assert_str_eq(recs[4].hex, "01020300000000000000");
	ck_assert_str_eq(recs[5].decoded, "ntp.example");
	ck_assert_str_eq(recs[6].name, "Unassigned");
	ck_assert_str_eq(recs[7].name, "End of Message");
	ck_assert_str_eq(recs[8].name, "(truncated)");
	/* the dump never writes past max */
	ck_assert_uint_eq(probe_ke_dump(msg, len, recs, 3), 3);
}
END_TEST

/* ---- --export-keys format (read by nts-pcap) */

START_TEST(export_format)
{
	static struct probe_result r;
	memset(&r, 0, sizeof r);
	snprintf(r.host, sizeof r.host, "ke.example");
	snprintf(r.target.addr, sizeof r.target.addr, "192.0.2.1");
	r.target.port = 4460;
	snprintf(r.ntp_host, sizeof r.ntp_host, "ntp.example");
	snprintf(r.ntp_target.addr, sizeof r.ntp_target.addr, "192.0.2.2");
	r.ntp_port = 123;
	r.resp.aead = 15;
	r.key_len = 32;
	memset(r.c2s, 0xab, 32);
	memset(r.s2c, 0xcd, 32);
	r.resp.ncookies = 2;
	r.resp.cookie_len[0] = r.resp.cookie_len[1] = 4;
	memcpy(r.resp.cookies[1], "\x01\x02\x03\x04", 4);
	r.nntp_cookies = 1;
	r.ntp_cookie_len[0] = 2;
	char path[] = "/tmp/ntske-probe-export.XXXXXX";
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	close(fd);
	char err[256];
	ck_assert_int_eq(report_export_keys(path, &r, err, sizeof err), 0);
	ck_assert_int_eq(report_export_keys(path, &r, err, sizeof err), 0);   /* appends */
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	char line[512];
	int versions = 0, ends = 0, cookies = 0, keys = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		ck_assert_msg(strcmp(line, "end") == 0 || strchr(line, '=') != NULL, "line %s", line);
		versions += strcmp(line, "version=1") == 0;
		ends += strcmp(line, "end") == 0;
		cookies += strncmp(line, "cookie=", 7) == 0;
		keys += strcmp(line, "c2s=" "abababababababababababababababababababababababababababababababab") == 0;
		keys += strcmp(line, "s2c=" "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd") == 0;
		if (strncmp(line, "ntp_address=", 12) == 0)
			ck_assert_str_eq(line, "ntp_address=192.0.2.2");
		if (strncmp(line, "aead=", 5) == 0)
			ck_assert_str_eq(line, "aead=15");
	}
	fclose(f);
	unlink(path);
	ck_assert_int_eq(versions, 2);
	ck_assert_int_eq(ends, 2);
	ck_assert_int_eq(cookies, 6);
	ck_assert_int_eq(keys, 4);
	ck_assert_int_eq(report_export_keys("/nonexistent-dir/x", &r, err, sizeof err), -1);
	ck_assert(strstr(err, "/nonexistent-dir/x") != NULL);
}
END_TEST

/* ---- text from servers is escaped */

START_TEST(escape_text)
{
	char out[64];
	ck_assert_str_eq(probe_esc(out, sizeof out, "CN=a b"), "CN=a b");
	ck_assert_str_eq(probe_esc(out, sizeof out, "x\033[2J\nverify ok\xff"),
			 "x\\x1b[2J\\x0averify ok\\xff");
	ck_assert_str_eq(probe_esc(out, sizeof out, "\x7f\xc3\xa9"), "\\x7f\\xc3\\xa9");
	/* never an escape cut in half, always terminated */
	ck_assert_str_eq(probe_esc(out, 8, "ab\001cd"), "ab\\x01c");
	ck_assert_str_eq(probe_esc(out, 8, "abcde\001"), "abcde");
	ck_assert_str_eq(probe_esc(out, 8, "abcdefghij"), "abcdefg");
}
END_TEST

START_TEST(exit_names)
{
	ck_assert_str_eq(probe_exit_name(PX_CERT), "certificate");
	ck_assert_str_eq(probe_exit_name(PX_ALPN), "alpn");
	ck_assert_str_eq(probe_exit_name(PX_LOCAL), "local");
	ck_assert_str_eq(probe_exit_name(PX_UNSYNC), "unsynchronised");
	ck_assert_str_eq(probe_exit_name(99), "unknown");
	ck_assert_str_eq(probe_exit_name(-1), "unknown");
	struct probe_result *r = calloc(1, sizeof *r);
	ck_assert(r != NULL);
	probe_fail(r, PX_TLS, "tls", "first %d", 1);
	probe_fail(r, PX_KE, "ke", "second");
	ck_assert_int_eq(r->exit_code, PX_TLS);   /* the first failure wins */
	ck_assert_str_eq(r->fail_msg, "first 1");
	free(r);
}
END_TEST

/* ---- --check judges a server's KE answer by libnts's RFC 8915 rules
 * (the same verdicts as the parsers and nts-pcap: libnts/tests/test_rules.c) */

static uint8_t *load_hex(const char *name, size_t *len)
{
	char path[4096];
	const char *dir = getenv("NTS_TESTVECTORS");
	snprintf(path, sizeof path, "%s/ntske/%s", dir ? dir : "testvectors", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	uint8_t *out = malloc(32768);
	size_t n = 0;
	int c, hi = -1;
	bool comment = false;
	while ((c = fgetc(f)) != EOF && n < 32768) {
		comment = c == '#' ? true : c == '\n' ? false : comment;
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (comment || v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	fclose(f);
	*len = n;
	return out;
}

static const struct {
	const char *file;
	const char *rule;        /* first MUST broken, NULL for none */
	enum probe_ke_answer_kind kind;
} answers[] = {
	{ "resp-valid.hex", NULL, KA_RESPONSE },
	{ "resp-error.hex", NULL, KA_ERROR },
	{ "resp-empty-proto.hex", NULL, KA_RESPONSE },
	{ "resp-cookie-critical.hex", NULL, KA_RESPONSE },
	{ "resp-error-not-critical.hex", "ke-error-critical", KA_ERROR },
	{ "resp-warning-not-critical.hex", "ke-warning-critical", KA_RESPONSE },
	{ "resp-eom-not-critical.hex", "ke-eom-critical", KA_RESPONSE },
	{ "resp-no-cookie.hex", "ke-cookie-missing", KA_RESPONSE },
	{ "resp-two-aeads.hex", "ke-aead-dup", KA_RESPONSE },
	{ "resp-unknown-critical.hex", "ke-unknown-critical", KA_RESPONSE },
};

START_TEST(judge_answers)
{
	size_t len;
	uint8_t *msg = load_hex(answers[_i].file, &len);
	struct probe_ke_answer a;
	memset(&a, 0, sizeof a);
	a.kind = KA_RESPONSE;
	probe_ke_judge_answer(msg, len, &a);
	const struct nts_rule_info *r = nts_rule_get((enum nts_rule)a.rule);
	ck_assert_msg(answers[_i].rule ? r && strcmp(r->name, answers[_i].rule) == 0 : !r,
		      "%s: %s", answers[_i].file, a.text);
	ck_assert_int_eq(a.kind, answers[_i].kind);
	if (r)
		ck_assert_msg(strstr(a.text, r->section) && strstr(a.text, r->name), "%s", a.text);
	free(msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ntske-probe");
	TCase *tc = tcase_create("probe");
	tcase_add_loop_test(tc, args_table, 0, sizeof arg_cases / sizeof arg_cases[0]);
	tcase_add_test(tc, args_values);
	tcase_add_test(tc, dump_records);
	tcase_add_test(tc, export_format);
	tcase_add_test(tc, exit_names);
	tcase_add_test(tc, escape_text);
	tcase_add_loop_test(tc, judge_answers, 0, sizeof answers / sizeof answers[0]);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
