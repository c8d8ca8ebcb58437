/* Unit tests of ntsd's pure parts: configuration directives, listen
 * addresses, and mode 6 answers (Check). */
#include <config.h>

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keystore.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/ntske.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"
#include "report.h"
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

START_TEST(config_access)
{
	static struct ntsd_config c;
	struct errs e;
	const char *text =
		"ratelimit interval -2 burst 16 leak 3 kod\n"
		"discard minimum 2 monitor 3000\n"
		"allow 192.0.2.0/24\n"
		"deny 10.0.0.0/8\n"
		"restrict 10.1.0.0 mask 255.255.0.0 limited kod nomodify\n"
		"restrict -6 default ignore\n"
		"restrict default limited\n"
		"nts ke-limit conns 4 interval 1 burst 2\n"
		"user ntsd:ntsd\n"
		"seccomp yes\n";
	ck_assert_int_eq(parse(&c, text, &e), 0);
	ck_assert_int_eq(c.ntp_rl.interval, -2);
	ck_assert_uint_eq(c.ntp_rl.burst, 16);
	ck_assert_uint_eq(c.ntp_rl.leak, 3);
	ck_assert_uint_eq(c.ntp_rl.min_gap, 2);
	ck_assert(c.ratelimit_all && c.ratelimit_kod);
	ck_assert_uint_eq(c.ke_rl.max_conns, 4);
	ck_assert_int_eq(c.ke_rl.interval, 1);
	ck_assert_uint_eq(c.ke_rl.burst, 2);
	ck_assert_str_eq(c.user, "ntsd:ntsd");
	ck_assert_uint_eq(c.user_line, 9);
	ck_assert(c.seccomp);
	const uint8_t a192[4] = { 192, 0, 2, 9 }, a10[4] = { 10, 2, 0, 1 }, a101[4] = { 10, 1, 0, 1 },
		      other[4] = { 198, 51, 100, 1 }, v6[16] = { 0x20, 1, 0x0d, 0xb8 };
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, a192, 4), NTS_ACL_INHERIT);
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, a10, 4), NTS_ACL_DENY);
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, a101, 4), NTS_ACL_LIMITED | NTS_ACL_KOD);
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, other, 4), NTS_ACL_LIMITED);
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, v6, 16), NTS_ACL_DENY);
	/* the defaults: everyone served, nobody limited */
	ck_assert_int_eq(parse(&c, "", &e), 0);
	ck_assert_uint_eq(nts_acl_lookup(&c.acl, other, 4), NTS_ACL_INHERIT);
	ck_assert(!c.ratelimit_all);
	ck_assert_str_eq(c.user, "");
}
END_TEST

/* Each bad line must give exactly one error naming its line. */
static const struct {
	const char *line;
	const char *why;
} bad[] = {
	{ "nts cert", "takes 1 argument, got 0" },
	{ "listen", "'listen' is incomplete: see ntsd.conf(5)" },
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
	{ "threads 65", "not a number from 0 to 64" },
	{ "server", "needs a host name" },
	{ "server 192.0.2.1 iburst frob", "unknown server option 'frob'" },
	{ "server 192.0.2.1 minpoll", "'minpoll' needs a value" },
	{ "server 192.0.2.1 minpoll 18", "want a log2 interval from 0 to 17" },
	{ "server 192.0.2.1 minpoll 8 maxpoll 7", "minpoll 8 is above maxpoll 7" },
	{ "server 192.0.2.1 noval", "need 'nts'" },
	{ "server 192.0.2.1:0", "bad server" },
	{ "server [2001:db8::1", "bad server" },
	{ "server ts.example nts aead 30", "unsupported AEAD '30'" },
	{ "pool pool.example prefer", "unknown pool option 'prefer'" },
	{ "tinker step", "usage: tinker" },
	{ "tinker step -1", "not a number of seconds" },
	{ "tinker jitter 1", "unknown tinker variable" },
	{ "loglevel loud", "unknown log level" },
	{ "driftfile", "'driftfile' takes 1 argument, got 0" },
	{ "statedir", "takes 1 argument, got 0" },
	{ "x \"unterminated", "unterminated quote" },
	{ "ratelimit interval 13", "not a number from 0 to 12" },
	{ "ratelimit interval -7", "not a number from 0 to 6" },
	{ "ratelimit burst 0", "not a number from 1" },
	{ "ratelimit burst", "usage: ratelimit" },
	{ "ratelimit often 3", "unknown option 'often'" },
	{ "discard average 3 kod", "usage: discard" },
	{ "discard average 3 kod 1", "unknown option 'kod'" },
	{ "nts ke-limit", "usage: nts ke-limit" },
	{ "nts ke-limit conns x", "not a number" },
	{ "allow 10.1.2.3/8", "bad prefix '10.1.2.3/8'" },
	{ "deny 10.0.0.0/8 more", "takes 0 to 1 arguments" },
	{ "restrict", "usage: restrict" },
	{ "restrict 10.0.0.0 mask 255.0.255.0", "bad address" },
	{ "restrict default frobnicate", "unknown restrict flag 'frobnicate'" },
	{ "restrict default mask 255.0.0.0", "takes no mask" },
	{ "user", "takes 1 argument, got 0" },
	{ "user :grp", "bad user name" },
	{ "seccomp maybe", "wants yes or no" },
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
	ck_assert_int_eq(parse(&c, "bogus\nthreads 99\nnts enable\nlisten x y\n", &e), 3);
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
	/* the shared block plus the workers' blocks (NTP and NTS-KE) */
	d.counters.ke_serves_good = 30;
	d.wc[NTSD_WCOUNT_KE].nts.ke_serves_good = 10;
	d.wc[NTSD_MAX_WCOUNT - 1].nts.ke_serves_good = 2;
	d.wc[0].nts.cookie_decode_old = 3;
	d.wc[1].nts.cookie_decode_old = 4;
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

/* An answer longer than the fragments allowed ends cleanly (issue 13
 * item 17): the last fragment clears More and the data stops at a whole
 * variable, so ntpq never waits for a fragment that will not come. */
START_TEST(mode6_too_many_fragments)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	static uint8_t req[2048];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	char many[1024] = "";
	for (int i = 0; i < 140; i++)   /* ~3800 octets of answer: over 8 x 468 */
		strcat(many, "clock,");
	for (size_t max = 2; max <= NTSD_MODE6_MAX_FRAGS; max += 6) {
		size_t len = m6_request(req, sizeof req, 2, 0, many);
		size_t n = ntsd_mode6_answer(&d, req, len, frags, lens, max);
		ck_assert_uint_ge(n, 1);
		ck_assert_uint_le(n, max);
		size_t total = 0;
		static char text[NTSD_MODE6_MAX_FRAGS * NTSD_MODE6_DATA + 1];
		for (size_t i = 0; i < n; i++) {
			size_t c = nts_get16(frags[i] + 10);
			ck_assert_uint_eq(nts_get16(frags[i] + 8), total);
			ck_assert_uint_eq(!!(frags[i][1] & 0x20), i + 1 < n);
			memcpy(text + total, frags[i] + 12, c);
			total += c;
		}
		text[total] = '\0';
		/* whole variables only: every "clock=" has its full value */
		ck_assert_uint_gt(total, 0);
		const char *last = strrchr(text, '=');
		ck_assert_ptr_nonnull(last);
		ck_assert_uint_ge(strlen(last), 1 + 19);   /* =0x%08x.%08x */
		ck_assert(total >= 2 && text[total - 2] == '\r' && text[total - 1] == '\n');
	}
}
END_TEST

/* Sources from the published snapshot: READSTAT lists them with the
 * selection code ntpq turns into its tally, READVAR ASSOC gives what
 * ntpq -p reads (times in ms, reach in hex, ntscookies for 't'). */
START_TEST(mode6_sources)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	static struct ntsd_source_status src[2];
	memset(src, 0, sizeof src);
	src[0].associd = 101;
	snprintf(src[0].name, sizeof src[0].name, "nts.example");
	snprintf(src[0].addr, sizeof src[0].addr, "192.0.2.1:123");
	snprintf(src[0].refid, sizeof src[0].refid, "GPS");
	src[0].tally = '*';
	src[0].nts = src[0].reachable = true;
	src[0].reach = 0377;
	src[0].stratum = 1;
	src[0].poll_log2 = 6;
	src[0].offset = -0.0015;
	src[0].delay = 0.0205;
	src[0].cookies = 7;
	src[0].when = 3;
	src[0].cert_days_left = NAN;
	src[1].associd = 102;
	snprintf(src[1].addr, sizeof src[1].addr, "[2001:db8::1]:123");
	src[1].tally = '+';
	src[1].stratum = 2;
	src[1].cert_days_left = NAN;
	struct ntsd_system_status sys = { .synchronised = true, .stratum = 2, .leap = 0, .refid = "192.0.2.1",
					  .sys_peer = 101 };
	ntsd_status_publish(src, 2, &sys);
	uint8_t req[256];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	size_t len = m6_request(req, sizeof req, 1, 0, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(nts_get16(frags[0] + 10), 8);
	struct nts_m6_assoc a[2];
	ck_assert_int_eq(nts_m6_assoc_list(frags[0] + 12, 8, a, 2), 2);
	ck_assert_uint_eq(a[0].assoc, 101);
	ck_assert_int_eq(nts_m6_tally(nts_m6_peer_sel(a[0].status)), '*');
	ck_assert_uint_eq(a[0].status >> 8 & 0xf0, 0x80 | 0x40 | 0x20 | 0x10);
	ck_assert_int_eq(nts_m6_tally(nts_m6_peer_sel(a[1].status)), '+');

	len = m6_request(req, sizeof req, 2, 101, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_int_eq(nts_m6_tally(nts_m6_peer_sel(nts_get16(frags[0] + 4))), '*');
	char text[NTSD_MODE6_DATA + 1];
	size_t c = nts_get16(frags[0] + 10);
	memcpy(text, frags[0] + 12, c);
	text[c] = '\0';
	ck_assert_ptr_nonnull(strstr(text, "srcadr=192.0.2.1, srcport=123, srchost=\"nts.example\""));
	ck_assert_ptr_nonnull(strstr(text, "reach=0xff"));
	ck_assert_ptr_nonnull(strstr(text, "offset=-1.500000"));
	ck_assert_ptr_nonnull(strstr(text, "delay=20.500000"));
	ck_assert_ptr_nonnull(strstr(text, "ntscookies=7"));
	ck_assert_ptr_nonnull(strstr(text, "rec=0x"));
	ck_assert_ptr_null(strstr(text, "ntscertdays"));   /* unknown: left out */
	len = m6_request(req, sizeof req, 2, 102, "srcadr,ntscookies");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(frags[0][4], 5);   /* no cookies on a plain source: UNKNOWNVAR */
	len = m6_request(req, sizeof req, 2, 102, "srcadr");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert(memmem(frags[0] + 12, nts_get16(frags[0] + 10), "srcadr=2001:db8::1\r\n", 20) != NULL);
	/* the system: synchronised to the published peer */
	len = m6_request(req, sizeof req, 2, 0, "stratum,refid,peer");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert(memmem(frags[0] + 12, nts_get16(frags[0] + 10), "stratum=2, refid=192.0.2.1, peer=101", 36));
	len = m6_request(req, sizeof req, 2, 103, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert_uint_eq(frags[0][4], 4);   /* BADASSOC */
}
END_TEST

/* A reference clock's association: NTPsec's look (srchost "SHM(0)",
 * refid .GPS., stratum 0) and the driver counters. */
START_TEST(mode6_refclock)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	static struct ntsd_source_status src[1];
	memset(src, 0, sizeof src);
	src[0].associd = 3;
	snprintf(src[0].name, sizeof src[0].name, "SHM(0)");
	snprintf(src[0].addr, sizeof src[0].addr, "shm:0x4e545030");
	snprintf(src[0].refid, sizeof src[0].refid, ".GPS.");
	src[0].type = 'l';
	src[0].tally = '*';
	src[0].reachable = true;
	src[0].reach = 0377;
	src[0].stratum = 0;
	src[0].poll_log2 = 4;
	src[0].when = 0.5;
	src[0].samples = 1234;
	src[0].bad_samples = 7;
	snprintf(src[0].bad_reason, sizeof src[0].bad_reason, "NMEA checksum missing or wrong");
	src[0].cert_days_left = NAN;
	struct ntsd_system_status sys = { .synchronised = true, .stratum = 1, .leap = 0, .refid = "GPS",
					  .sys_peer = 3 };
	ntsd_status_publish(src, 1, &sys);
	uint8_t req[256];
	size_t lens[NTSD_MODE6_MAX_FRAGS];
	size_t len = m6_request(req, sizeof req, 2, 3, NULL);
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	char text[NTSD_MODE6_DATA + 1];
	size_t c = nts_get16(frags[0] + 10);
	memcpy(text, frags[0] + 12, c);
	text[c] = '\0';
	ck_assert_ptr_nonnull(strstr(text, "srchost=\"SHM(0)\""));
	/* NTPsec's address for a refclock: ntpq shows srchost only for it */
	ck_assert_ptr_nonnull(strstr(text, "srcadr=127.127.28.0,"));
	ck_assert_ptr_nonnull(strstr(text, "refid=.GPS."));
	ck_assert_ptr_nonnull(strstr(text, "stratum=0"));
	ck_assert_ptr_nonnull(strstr(text, "rcsamples=1234"));
	ck_assert_ptr_nonnull(strstr(text, "rcbad=7"));
	ck_assert_ptr_nonnull(strstr(text, "rcage=0.5"));
	ck_assert_ptr_nonnull(strstr(text, "rcbadreason=\"NMEA checksum missing or wrong\""));
	ck_assert_ptr_null(strstr(text, "ntscookies"));
	len = m6_request(req, sizeof req, 2, 0, "stratum,refid,peer");
	ck_assert_uint_eq(ntsd_mode6_answer(&d, req, len, frags, lens, 4), 1);
	ck_assert(memmem(frags[0] + 12, nts_get16(frags[0] + 10), "stratum=1, refid=GPS, peer=3", 28));
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

/* The exposition: counters named _total in the Prometheus text format and
 * as their family without it in OpenMetrics, which ends in # EOF; source
 * labels escaped; the 'metrics' directive defaults to loopback. */
/* Per-worker counters are summed on read: the totals (control socket text,
 * report, metrics, mode 6) are the shared block plus every worker's block. */
START_TEST(counters_summed)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	d.plain_requests = 1;
	for (int i = 0; i < NTSD_MAX_WCOUNT; i++) {
		d.wc[i].plain_requests = 2;
		d.wc[i].nts.server_sends = (uint64_t)i;
		d.wc[i].naks_sent = i == 5;
		d.wc[i].datagrams_sent = 3;
	}
	ntsd_bump(&d.wc[7].datagrams_sent, 10);
	struct ntsd_totals t;
	ntsd_totals(&d, &t);
	ck_assert_uint_eq(t.plain_requests, 1 + 2 * NTSD_MAX_WCOUNT);
	ck_assert_uint_eq(t.c.server_sends, NTSD_MAX_WCOUNT * (NTSD_MAX_WCOUNT - 1) / 2);
	ck_assert_uint_eq(t.naks_sent, 1);
	ck_assert_uint_eq(t.datagrams_sent, 3 * NTSD_MAX_WCOUNT + 10);
	/* the report (control socket JSON, metrics) carries the same totals */
	static struct ntsd_server_report r;
	ntsd_report_server(&d, &r);
	ck_assert_uint_eq(r.plain_requests, t.plain_requests);
	ck_assert_uint_eq(r.c.server_sends, t.c.server_sends);
	ck_assert_uint_eq(r.naks_sent, 1);
	ck_assert_uint_eq(r.datagrams_sent, t.datagrams_sent);
}
END_TEST

/* Source names, refids and errors may hold any octet (a server's refid, a
 * KE error text): the JSON report keeps the source, with U+FFFD for what is
 * not UTF-8, where json_pack("s") returned NULL and lost the source. */
START_TEST(report_json_hostile_text)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	static struct ntsd_source_status src[1];
	memset(src, 0, sizeof src);
	src[0].associd = 7;
	snprintf(src[0].name, sizeof src[0].name, "bad\xffname");
	snprintf(src[0].addr, sizeof src[0].addr, "192.0.2.9:123");
	snprintf(src[0].refid, sizeof src[0].refid, "\xc3X");
	src[0].nts = true;
	snprintf(src[0].last_error, sizeof src[0].last_error, "KE: \xe2\x82 cut");
	ntsd_status_publish(src, 1, NULL);
	json_t *j = ntsd_report_json(&d);
	ck_assert_ptr_nonnull(j);
	json_t *a = json_object_get(j, "sources");
	ck_assert_uint_eq(json_array_size(a), 1);
	json_t *o = json_array_get(a, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "associd")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "bad\xef\xbf\xbdname");
	ck_assert_str_eq(json_string_value(json_object_get(o, "refid")), "\xef\xbf\xbdX");
	ck_assert_str_eq(json_string_value(json_object_get(o, "last_error")),
			 "KE: \xef\xbf\xbd\xef\xbf\xbd cut");
	json_decref(j);
	ntsd_status_publish(NULL, 0, NULL);
}
END_TEST

START_TEST(metrics_text)
{
	static struct ntsd d;
	ntsd_config_defaults(&d.cfg);
	d.counters.ke_serves_good = 4;
	d.wc[NTSD_WCOUNT_KE + 1].nts.ke_serves_good = 1;
	d.ke_fail[NTSD_KE_FAIL_TIMEOUT] = 1;
	d.wc[NTSD_WCOUNT_KE].ke_fail[NTSD_KE_FAIL_TIMEOUT] = 1;
	static struct ntsd_source_status src[1];
	memset(src, 0, sizeof src);
	src[0].associd = 1;
	snprintf(src[0].name, sizeof src[0].name, "a\"b\\c");
	snprintf(src[0].addr, sizeof src[0].addr, "192.0.2.9:123");
	src[0].nts = true;
	src[0].cookies = 6;
	src[0].offset = 0.25;
	src[0].cert_days_left = NAN;
	ntsd_status_publish(src, 1, NULL);
	size_t len = 0;
	char *t = ntsd_metrics_text(&d, false, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE ntsd_nts_ke_sessions_good_total counter\nntsd_nts_ke_sessions_good_total 5\n"));
	ck_assert_ptr_nonnull(strstr(t, "ntsd_nts_ke_failures_total{reason=\"timeout\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "ntsd_source_nts_cookies{source=\"a\\\"b\\\\c\",addr=\"192.0.2.9:123\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(t, "ntsd_source_offset_seconds{source=\"a\\\"b\\\\c\",addr=\"192.0.2.9:123\"} 0.25\n"));
	ck_assert_ptr_nonnull(strstr(t, "ntsd_source_nts_certificate_remaining_seconds{source=\"a\\\"b\\\\c\",addr=\"192.0.2.9:123\"} NaN\n"));
	ck_assert_ptr_null(strstr(t, "# EOF"));
	free(t);
	t = ntsd_metrics_text(&d, true, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE ntsd_nts_ke_sessions_good counter\nntsd_nts_ke_sessions_good_total 5\n"));
	ck_assert(len > 6 && strcmp(t + len - 6, "# EOF\n") == 0);
	free(t);

	struct ntsd_config c;
	struct errs e;
	ck_assert_int_eq(parse(&c, "metrics 9100\n", &e), 0);
	ck_assert(c.metrics_on);
	ck_assert_str_eq(c.metrics.text, "127.0.0.1:9100");
	ck_assert_int_eq(parse(&c, "metrics [::1]:9101\n", &e), 0);
	ck_assert_str_eq(c.metrics.text, "[::1]:9101");
	ck_assert_int_eq(parse(&c, "metrics *:9100\n", &e), 1);
	ck_assert_ptr_nonnull(strstr(e.all, "t.conf:1: bad metrics address"));
	ck_assert_int_eq(parse(&c, "listen ntp 127.0.0.1:1\n", &e), 0);
	ck_assert(!c.metrics_on);
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

/* Issue 13 item 15: after a key-file failure the ring is retried 60 s
 * later (not at the next rotation, a day away), and the good sync then
 * keeps the key made in memory meanwhile, so its cookies stay valid. */
START_TEST(ring_retry_keeps_cookies)
{
	static struct ntsd d;
	char dir[] = "/tmp/ntsd-ring.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ntsd_config_defaults(&d.cfg);
	snprintf(d.cfg.cookie_file, sizeof d.cfg.cookie_file, "%s/keys", dir);
	ck_assert_int_eq(nts_cookie_ring_new(&d.cfg.ring, NULL, &d.ring), NTS_OK);
	FILE *f = fopen(d.cfg.cookie_file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not a key file\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(d.cfg.cookie_file, 0600), 0);
	const time_t t0 = 1700000000;
	int rc = 0;
	ck_assert_int_eq(ntsd_ring_tick(&d, t0, true, &rc), t0 + NTSD_RING_RETRY_SECS);
	ck_assert_int_eq(rc, NTS_E_KEYFILE_FORMAT);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 1);   /* rotated in memory */
	uint8_t k[32] = { 7 }, cookie[NTS_COOKIE_MAX];
	size_t clen;
	struct nts_cookie_keys keys;
	ck_assert_int_eq(nts_cookie_seal(d.ring, 15, k, k, 32, cookie, sizeof cookie, &clen), NTS_OK);
	/* still broken a minute later: again in a minute, same key */
	ck_assert_int_eq(ntsd_ring_tick(&d, t0 + 60, false, &rc), t0 + 120);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 1);
	/* repaired (removed): the next try writes the ring, cookie intact */
	ck_assert_int_eq(unlink(d.cfg.cookie_file), 0);
	ck_assert_int_eq(ntsd_ring_tick(&d, t0 + 120, false, &rc), t0 + (time_t)d.cfg.ring.rotate_secs);
	ck_assert_int_ge(rc, 0);
	ck_assert_int_eq(nts_cookie_open(d.ring, cookie, clen, &keys), NTS_OK);
	struct nts_cookie_ring *fresh;
	ck_assert_int_eq(nts_cookie_ring_new(&d.cfg.ring, NULL, &fresh), NTS_OK);
	ck_assert_int_eq(keystore_load(fresh, d.cfg.cookie_file), NTS_OK);
	ck_assert_int_eq(nts_cookie_open(fresh, cookie, clen, &keys), NTS_OK);
	nts_cookie_ring_free(fresh);
	nts_cookie_ring_free(d.ring);
	d.ring = NULL;
	char lock[NTSD_PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", d.cfg.cookie_file);
	unlink(d.cfg.cookie_file);
	unlink(lock);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The control socket's `rotate`: a new current key at once, written to the
 * key file; cookies under retained keys still open (as old), and those
 * under a key rotated past 'retain' no longer do. */
START_TEST(ring_rotate_now)
{
	static struct ntsd d;
	char dir[] = "/tmp/ntsd-rot.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ntsd_config_defaults(&d.cfg);
	d.cfg.ring.retain = 2;
	snprintf(d.cfg.cookie_file, sizeof d.cfg.cookie_file, "%s/keys", dir);
	ck_assert_int_eq(nts_cookie_ring_new(&d.cfg.ring, NULL, &d.ring), NTS_OK);
	const time_t t0 = 1700000000;
	ntsd_ring_tick(&d, t0, true, NULL);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 1);
	uint32_t first = nts_cookie_ring_current_id(d.ring);
	uint8_t k[32] = { 9 }, cookie[NTS_COOKIE_MAX];
	size_t clen;
	struct nts_cookie_keys keys;
	ck_assert_int_eq(nts_cookie_seal(d.ring, 15, k, k, 32, cookie, sizeof cookie, &clen), NTS_OK);

	/* a second later, long before the day is up */
	ck_assert_int_eq(ntsd_ring_rotate_now(&d, t0 + 1), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 2);
	ck_assert_uint_ne(nts_cookie_ring_current_id(d.ring), first);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(d.ring), t0 + 1 + (time_t)d.cfg.ring.rotate_secs);
	ck_assert_int_eq(nts_cookie_open(d.ring, cookie, clen, &keys), NTS_OK);
	ck_assert(keys.old);
	/* the file has the new current key */
	struct nts_cookie_ring *fresh;
	ck_assert_int_eq(nts_cookie_ring_new(&d.cfg.ring, NULL, &fresh), NTS_OK);
	ck_assert_int_eq(keystore_load(fresh, d.cfg.cookie_file), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_current_id(fresh), nts_cookie_ring_current_id(d.ring));
	nts_cookie_ring_free(fresh);
	/* and the scheduled tick finds nothing due */
	ck_assert_int_eq(ntsd_ring_tick(&d, t0 + 2, false, NULL), t0 + 1 + (time_t)d.cfg.ring.rotate_secs);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 2);

	/* retain 2: the first key survives one more rotation, not two */
	ck_assert_int_eq(ntsd_ring_rotate_now(&d, t0 + 3), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 3);
	ck_assert_int_eq(nts_cookie_open(d.ring, cookie, clen, &keys), NTS_OK);
	ck_assert_int_eq(ntsd_ring_rotate_now(&d, t0 + 4), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(d.ring), 3);
	ck_assert_int_eq(nts_cookie_open(d.ring, cookie, clen, &keys), NTS_E_COOKIE_UNKNOWN_KEY);

	/* no ring (NTS off): refused */
	struct nts_cookie_ring *ring = d.ring;
	d.ring = NULL;
	ck_assert_int_eq(ntsd_ring_rotate_now(&d, t0 + 5), NTS_E_INVAL);
	nts_cookie_ring_free(ring);
	char lock[NTSD_PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", d.cfg.cookie_file);
	unlink(d.cfg.cookie_file);
	unlink(lock);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(config_servers)
{
	static struct ntsd_config c;
	struct errs e;
	ntsd_config_defaults(&c);
	ck_assert_int_eq(parse(&c,
			       "server 192.0.2.1 iburst prefer minpoll 4\n"
			       "server ts.example:1234 nts ca /etc/ca.pem noval aead AES_SIV_CMAC_512\n"
			       "server [2001:db8::1]:1123 noselect maxpoll 3\n"
			       "pool pool.example nts\n"
			       "nts ca /etc/ssl/certs\n"
			       "driftfile /var/lib/ntsd/drift\n"
			       "tinker step 0.5 panic 0\n", &e), 0);
	ck_assert_uint_eq(c.nservers, 4);
	const struct ntsd_server_conf *s = c.servers;
	ck_assert_str_eq(s[0].host, "192.0.2.1");
	ck_assert_uint_eq(s[0].port, 123);
	ck_assert(s[0].iburst && s[0].prefer && !s[0].nts);
	ck_assert_int_eq(s[0].minpoll, 4);
	ck_assert_int_eq(s[0].maxpoll, 10);
	ck_assert_str_eq(s[1].host, "ts.example");
	ck_assert(s[1].nts && s[1].noval && s[1].ke_fallback && s[1].port_given);
	ck_assert_uint_eq(s[1].port, 1234);
	ck_assert_str_eq(s[1].ca, "/etc/ca.pem");
	ck_assert_uint_eq(s[1].aead, 17);
	ck_assert_str_eq(s[2].host, "2001:db8::1");
	ck_assert_uint_eq(s[2].port, 1123);
	ck_assert(s[2].noselect);
	ck_assert_int_eq(s[2].minpoll, 3);   /* follows a lower maxpoll */
	ck_assert(s[3].pool && s[3].nts);
	ck_assert_uint_eq(s[3].port, 4460);  /* with nts, the port is NTS-KE's */
	ck_assert_uint_eq(s[3].line, 4);
	ck_assert_str_eq(c.nts_ca, "/etc/ssl/certs");
	ck_assert_str_eq(c.driftfile, "/var/lib/ntsd/drift");
	ck_assert(fabs(c.step_threshold - 0.5) < 1e-12 && c.panic_threshold == 0);
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
	tcase_add_test(tc, report_json_hostile_text);
	tcase_add_test(tc, config_access);
	tcase_add_test(tc, config_servers);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, mode6_readvar);
	tcase_add_test(tc, mode6_errors_and_drops);
	tcase_add_test(tc, mode6_too_many_fragments);
	tcase_add_test(tc, mode6_sources);
	tcase_add_test(tc, mode6_refclock);
	tcase_add_test(tc, metrics_text);
	tcase_add_test(tc, status_publish_read);
	tcase_add_test(tc, ring_retry_keeps_cookies);
	tcase_add_test(tc, ring_rotate_now);
	tcase_add_test(tc, counters_summed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
