/* Unit tests of ntsd's pure parts: configuration directives, listen
 * addresses, and mode 6 answers (Check). */
#include <config.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"
#include "status.h"

struct errs {
	int n;
	char all[4096];
};

static void collect(void *ctx, const char *msg)
{
	struct errs *e = ctx;
	e->n++;
	size_t len = strlen(e->all);
	snprintf(e->all + len, sizeof e->all - len, "%s\n", msg);
}

static int parse(struct ntsd_config *c, const char *text, struct errs *e)
{
	memset(e, 0, sizeof *e);
	ntsd_config_defaults(c);
	return ntsd_config_parse(c, "t.conf", text, strlen(text), collect, e);
}

START_TEST(config_good)
{
	static struct ntsd_config c;
	struct errs e;
	const char *text =
		"# a full server\n"
		"nts enable\n"
		"nts cert /c.pem\n"
		"nts key \"/k dir/k.pem\"\n"
		"nts cookie /var/lib/ntsd/keys\n"
		"nts rotate 3600\n"
		"nts retain 3\n"
		"nts aead AES_SIV_CMAC_512 15\n"
		"nts server time.example.com\n"
		"nts ketimeout 7\n"
		"nts maxconn 99\n"
		"nts kethreads 2\n"
		"nts certcheck 30\n"
		"listen ntp 127.0.0.1:11123\n"
		"listen ntp [::1]:11123\n"
		"listen nts-ke *:14460\n"
		"local stratum 2 refid GPS\n"
		"threads 3\n"
		"pidfile /run/ntsd.pid\n"
		"control /run/ntsd.sock\n"
		"loglevel notice\n"
		"statedir /nonexistent/ntsd\n";
	ck_assert_int_eq(parse(&c, text, &e), 0);
	ck_assert_str_eq(c.state_dir, "/nonexistent/ntsd");
	ck_assert(c.nts_enable);
	ck_assert_str_eq(c.cert_file, "/c.pem");
	ck_assert_str_eq(c.key_file, "/k dir/k.pem");
	ck_assert_uint_eq(c.cert_line, 3);
	ck_assert_uint_eq(c.ring.rotate_secs, 3600);
	ck_assert_uint_eq(c.ring.retain, 3);
	ck_assert_uint_eq(c.naeads, 2);
	ck_assert_uint_eq(c.aeads[0], 17);
	ck_assert_uint_eq(c.aeads[1], 15);
	ck_assert_str_eq(c.server_name, "time.example.com");
	ck_assert_uint_eq(c.ke_timeout_ms, 7000);
	ck_assert_uint_eq(c.ke_max_conns, 99);
	ck_assert_uint_eq(c.ke_threads, 2);
	ck_assert_uint_eq(c.cert_check_secs, 30);
	ck_assert_uint_eq(c.nntp, 2);
	ck_assert_str_eq(c.ntp[0].text, "127.0.0.1:11123");
	ck_assert_str_eq(c.ntp[1].text, "[::1]:11123");
	ck_assert_uint_eq(c.nke, 2);   /* '*' is both wildcards */
	ck_assert_str_eq(c.ke[0].text, "0.0.0.0:14460");
	ck_assert_str_eq(c.ke[1].text, "[::]:14460");
	ck_assert_uint_eq(c.stratum, 2);
	ck_assert_uint_eq(c.refid, 0x47505300u);   /* "GPS\0" */
	ck_assert_uint_eq(c.threads, 3);
	ck_assert_int_eq(c.loglevel, NTS_LOG_NOTICE);
	/* cert, key, the key file's directory and the state directory do not exist */
	ck_assert_int_eq(ntsd_config_check(&c, collect, &e), 4);
	ck_assert(strstr(e.all, "t.conf:22: statedir /nonexistent/ntsd: not a directory"));
	ck_assert(strstr(e.all, "t.conf:5: nts cookie /var/lib/ntsd/keys: directory /var/lib/ntsd does not exist"));
}
END_TEST

/* Each bad line must give exactly one error naming its line. */
static const struct {
	const char *line;
	const char *why;
} bad[] = {
	{ "nts cert", "takes 1 argument, got 0" },
	{ "nts cert a b", "takes 1 argument, got 2" },
	{ "nts enable now", "takes 0 arguments" },
	{ "nts frobnicate x", "unknown 'nts' subcommand" },
	{ "nts", "needs a subcommand" },
	{ "nts rotate 0", "not a number from 1" },
	{ "nts rotate 1h", "not a number" },
	{ "nts retain 64", "not a number from 0 to 63" },
	{ "nts aead 30", "unsupported AEAD '30'" },
	{ "nts aead", "takes 1 to" },
	{ "nts server \"two words\"", "printable ASCII" },
	{ "listen ntp 127.0.0.1:0", "bad address" },
	{ "listen ntp 127.0.0.1:65536", "bad address" },
	{ "listen ntp localhost", "bad address" },
	{ "listen ntp [::1", "bad address" },
	{ "listen smtp 127.0.0.1", "wants 'ntp' or 'nts-ke'" },
	{ "local stratum 0", "not a number from 1 to 15" },
	{ "local stratum 16", "not a number from 1 to 15" },
	{ "local stratum 1 refid TOOLONG", "refid must be" },
	{ "local stratum 1 id X", "usage: local stratum" },
	{ "local clock 1", "usage: local stratum" },
	{ "threads 0", "not a number from 1" },
	{ "loglevel loud", "unknown log level" },
	{ "statedir", "takes 1 argument, got 0" },
	{ "driftfile /x", "unknown directive 'driftfile'" },
	{ "x \"unterminated", "unterminated quote" },
};

START_TEST(config_bad_lines)
{
	static struct ntsd_config c;
	struct errs e;
	char text[256], want[256];
	snprintf(text, sizeof text, "nts enable\n%s\n", bad[_i].line);
	ck_assert_int_eq(parse(&c, text, &e), 1);
	snprintf(want, sizeof want, "t.conf:2: ");
	ck_assert_msg(strncmp(e.all, want, strlen(want)) == 0, "'%s': %s", bad[_i].line, e.all);
	ck_assert_msg(strstr(e.all, bad[_i].why) != NULL, "'%s': got %s", bad[_i].line, e.all);
}
END_TEST

START_TEST(config_every_error_reported)
{
	static struct ntsd_config c;
	struct errs e;
	ck_assert_int_eq(parse(&c, "bogus\nthreads 0\nnts enable\nlisten x y\n", &e), 3);
	ck_assert(strstr(e.all, "t.conf:1:") && strstr(e.all, "t.conf:2:") && strstr(e.all, "t.conf:4:"));
	ck_assert(!strstr(e.all, "t.conf:3:"));
	/* nts enable without files is caught by the cross-directive check */
	ck_assert_int_eq(parse(&c, "nts enable\n", &e), 0);
	ck_assert_int_eq(ntsd_config_check(&c, collect, &e), 1);
}
END_TEST

START_TEST(addresses)
{
	struct ntsd_addr a[NTSD_MAX_LISTEN];
	size_t n = 0;
	ck_assert_int_eq(ntsd_parse_addr("10.1.2.3", 123, a, 4, &n), 0);
	ck_assert_str_eq(a[0].text, "10.1.2.3:123");
	ck_assert_int_eq(ntsd_parse_addr("::1", 4460, a, 4, &n), 0);
	ck_assert_str_eq(a[1].text, "[::1]:4460");
	ck_assert_uint_eq(ntsd_addr_port(&a[1]), 4460);
	ck_assert_int_eq(ntsd_parse_addr("[fe80::1]:99", 4460, a, 4, &n), 0);
	ck_assert_str_eq(a[2].text, "[fe80::1]:99");
	ck_assert_int_eq(ntsd_parse_addr("*:5", 4460, a, 4, &n), NTS_E_NOSPACE);   /* needs two slots */
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ntsd_parse_addr("1.2.3.4:", 123, a, 4, &n), NTS_E_CONF);
	ck_assert_int_eq(ntsd_parse_addr("[::1]x", 123, a, 4, &n), NTS_E_CONF);
	ck_assert_int_eq(ntsd_parse_addr("1.2.3.4.5", 123, a, 4, &n), NTS_E_CONF);
	ck_assert_uint_eq(n, 3);
}
END_TEST

/* ---- mode 6 */

static size_t m6_request(uint8_t *out, size_t cap, uint8_t op, uint16_t assoc, const char *vars)
{
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	size_t n = vars ? strlen(vars) : 0;
	nts_wr_u8(&w, (4 << 3) | 6);
	nts_wr_u8(&w, op);
	nts_wr_u16(&w, 77);   /* sequence */
	nts_wr_u16(&w, 0);
	nts_wr_u16(&w, assoc);
	nts_wr_u16(&w, 0);
	nts_wr_u16(&w, (uint16_t)n);
	nts_wr_bytes(&w, vars, n);
	nts_wr_pad(&w, 4);
	ck_assert(!w.err);
	return w.pos;
}

static uint8_t frags[NTSD_MODE6_MAX_FRAGS][NTSD_MODE6_FRAG];

START_TEST(mode6_readvar)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	d.cfg.stratum = 1;
	d.counters.ke_serves_good = 42;
	d.counters.cookie_decode_old = 7;
	uint8_t req[2048];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	size_t len = m6_request(req, sizeof req, 2, 0, "nts_ke_serves_good,nts_cookie_decode_old, stratum");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, NTSD_MODE6_MAX_FRAGS), 1);
	ck_assert_uint_eq(frags[0][0], (4 << 3) | 6);
	ck_assert_uint_eq(frags[0][1], 0x80 | 2);   /* response, no error, no more */
	ck_assert_uint_eq(nts_get16(frags[0] + 2), 77);
	uint16_t count = nts_get16(frags[0] + 10);
	ck_assert_uint_eq(lens[0] % 4, 0);
	ck_assert_uint_ge(lens[0], 12u + count);
	char text[600];
	memcpy(text, frags[0] + 12, count);
	text[count] = '\0';
	ck_assert_str_eq(text, "nts_ke_serves_good=42, nts_cookie_decode_old=7, stratum=1\r\n");

	/* a long list is split into fragments with offsets and the More bit */
	char many[2000] = "";
	for (int i = 0; i < 40; i++)
		strcat(many, "nts_cookie_decode_too_old,");
	len = m6_request(req, sizeof req, 2, 0, many);
	size_t n = ntsd_mode6_answer(&d, req, len, frags, lens, NTSD_MODE6_MAX_FRAGS);
	ck_assert_uint_ge(n, 2);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(nts_get16(frags[i] + 8), total);   /* offset */
		ck_assert_uint_eq(!!(frags[i][1] & 0x20), i + 1 < n);
		ck_assert_uint_le(nts_get16(frags[i] + 10), NTSD_MODE6_DATA);
		total += nts_get16(frags[i] + 10);
	}
	ck_assert_uint_gt(total, NTSD_MODE6_DATA);
}
END_TEST

START_TEST(mode6_errors_and_drops)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	uint8_t req[256];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	size_t len = m6_request(req, sizeof req, 2, 0, "nosuchvar");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(frags[0][1], 0x80 | 0x40 | 2);
	ck_assert_uint_eq(frags[0][4], 5);   /* CERR_UNKNOWNVAR */
	len = m6_request(req, sizeof req, 9, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(frags[0][4], 3);   /* CERR_BADOP */
	len = m6_request(req, sizeof req, 2, 5, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(frags[0][4], 4);   /* CERR_BADASSOC */
	/* READSTAT: no associations */
	len = m6_request(req, sizeof req, 1, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(nts_get16(frags[0] + 10), 0);
	/* no variables: the system variables, leap 11 while unsynchronised */
	len = m6_request(req, sizeof req, 2, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert(memmem(frags[0] + 12, nts_get16(frags[0] + 10), "leap=11", 7) != NULL);
	/* dropped: a response, a request fragment, a short header, count past the end */
	len = m6_request(req, sizeof req, 0x82, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 0);
	len = m6_request(req, sizeof req, 0x22, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 0);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, 11, frags, lens, 4), 0);
	len = m6_request(req, sizeof req, 2, 0, "stratum");
	nts_put16(req + 10, 200);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 0);
}
END_TEST

/* The published snapshot is what readers get, capped at the table size. */
START_TEST(status_publish_read)
{
	struct ntsd_system_status sys;
	ntsd_status_system(&sys);
	ck_assert(!sys.synchronised);
	ck_assert_int_eq(sys.stratum, 16);
	static struct ntsd_source_status in[NTSD_STATUS_MAX_SOURCES + 1], out[4];
	for (size_t i = 0; i < NTSD_STATUS_MAX_SOURCES + 1; i++)
		in[i].associd = (uint16_t)(i + 1);
	snprintf(in[1].name, sizeof in[1].name, "ntp.example");
	struct ntsd_system_status set = { .synchronised = true, .stratum = 2, .sys_peer = 2 };
	ntsd_status_publish(in, NTSD_STATUS_MAX_SOURCES + 1, &set);
	ck_assert_uint_eq(ntsd_status_sources(out, 4), NTSD_STATUS_MAX_SOURCES);
	ck_assert_uint_eq(out[3].associd, 4);
	ck_assert_str_eq(out[1].name, "ntp.example");
	ntsd_status_system(&sys);
	ck_assert(sys.synchronised);
	ck_assert_uint_eq(sys.sys_peer, 2);
	ntsd_status_publish(NULL, 0, NULL);   /* keeps the system variables */
	ck_assert_uint_eq(ntsd_status_sources(NULL, 0), 0);
	ntsd_status_system(&sys);
	ck_assert_int_eq(sys.stratum, 2);
}
END_TEST

int main(void)
{
	nts_log_set_level(NTS_LOG_ERR);
	Suite *s = suite_create("ntsd");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, config_good);
	tcase_add_loop_test(tc, config_bad_lines, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, config_every_error_reported);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, mode6_readvar);
	tcase_add_test(tc, mode6_errors_and_drops);
	tcase_add_test(tc, status_publish_read);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
