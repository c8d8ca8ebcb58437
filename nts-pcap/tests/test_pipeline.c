/* End-to-end tests: stored captures through the whole decoder, pairing, findings, a mutation corpus. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts-pcap/capture.h"
#include "nts-pcap/ke.h"
#include "nts-pcap/np.h"
#include "ptest.h"

struct run {
	struct np_ctx c;
	char *text;
	size_t len;
};

/* Decode files with the findings key sources; output kept in r->text. */
static void run_files(struct run *r, const char *const *files, size_t n, bool json, bool keys)
{
	char err[512], kl[4096], kf[4096];
	memset(r, 0, sizeof *r);
	r->c.out = open_memstream(&r->text, &r->len);
	r->c.opts.json = json;
	r->c.opts.verbose = true;
	struct np_inputs in = { 0 };
	if (keys) {
		snprintf(kl, sizeof kl, "%s", tv_path("pcap/findings/keylog.txt"));
		snprintf(kf, sizeof kf, "%s", tv_path("pcap/findings/keys.txt"));
		in.keylogs[in.nkeylogs++] = kl;
		in.keys[in.nkeys++] = kf;
	}
	ck_assert_msg(np_ctx_init(&r->c, &in, err, sizeof err) == NTS_OK, "%s", err);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(np_read_file(&r->c, tv_path(files[i]), err, sizeof err) == 0, "%s", err);
	np_ctx_end(&r->c);
	fflush(r->c.out);
}

static void run_free(struct run *r)
{
	np_ctx_fini(&r->c);
	fclose(r->c.out);
	free(r->text);
}

static const char *const finding_names[] = {
	"uid-mismatch", "downgrade", "auth-not-last", "cookie-reuse", "placeholder-mismatch",
	"amplification", "nak-unmatched", "ke-proto-aead", "ke-no-eom", "ke-critical",
	"malformed", "auth-fail",
};

static int finding_id(const char *name)
{
	for (int f = 0; f < NP_F_COUNT; f++)
		if (strcmp(np_finding_name((enum np_finding)f), name) == 0)
			return f;
	return -1;
}

/* Each finding: its -yes capture raises it (and only it), -no is clean. */
START_TEST(test_finding_captures)
{
	const char *name = finding_names[_i];
	int f = finding_id(name);
	char yes[256], no[256];
	ck_assert_msg(f >= 0, "no finding named %s", name);
	snprintf(yes, sizeof yes, "pcap/findings/%s-yes.pcap", name);
	snprintf(no, sizeof no, "pcap/findings/%s-no.pcap", name);
	struct run r;
	const char *files[1] = { yes };
	run_files(&r, files, 1, false, true);
	ck_assert_msg(r.c.n_findings[f] >= 1, "%s not raised:\n%s", name, r.text);
	ck_assert_msg(np_ctx_findings(&r.c) == r.c.n_findings[f], "%s: other findings too:\n%s",
		      name, r.text);
	ck_assert_msg(strstr(r.text, name) != NULL, "%s not named in the output", name);
	run_free(&r);
	files[0] = no;
	run_files(&r, files, 1, false, true);
	ck_assert_msg(np_ctx_findings(&r.c) == 0, "%s: clean twin has findings:\n%s", name, r.text);
	run_free(&r);
}
END_TEST

/* The clean twins verify with the keys they were made with; without keys
 * the same exchanges are NTS but unverified. */
START_TEST(test_verification)
{
	struct run r;
	const char *files[] = { "pcap/findings/placeholder-mismatch-no.pcap",
				"pcap/findings/ke-critical-no.pcap" };
	run_files(&r, files, 2, false, true);
	ck_assert_msg(strstr(r.text, "cookies 1/2/3") && strstr(r.text, " verified "), "%s", r.text);
	ck_assert_msg(strstr(r.text, "NTS-KE TLS1.3 TLS_AES_128_GCM_SHA256 sni=ke.test alpn=ntske/1"),
		      "%s", r.text);
	ck_assert_msg(strstr(r.text, "cookies=8x100") && strstr(r.text, " ok "), "%s", r.text);
	run_free(&r);
	run_files(&r, files, 2, false, false);
	ck_assert_msg(strstr(r.text, "cookies 1/2/~3") && strstr(r.text, " unverified "), "%s",
		      r.text);
	ck_assert_msg(strstr(r.text, " encrypted "), "%s", r.text);
	run_free(&r);
}
END_TEST

START_TEST(test_json_objects)
{
	struct run r;
	const char *files[] = { "pcap/findings/cookie-reuse-yes.pcap" };
	run_files(&r, files, 1, true, true);
	/* one object per line: 4 packets and 2 exchanges */
	size_t lines = 0;
	for (const char *p = r.text; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_uint_eq(lines, 6);
	ck_assert(strstr(r.text, "{\"type\":\"ntp\",\"schema\":\"nts-pcap/1\",\"frame\":1,"));
	ck_assert(strstr(r.text, "\"name\":\"Unique Identifier\",\"len\":36"));
	ck_assert(strstr(r.text, "\"cookie_first_frame\":1"));
	ck_assert(strstr(r.text, "\"verdict\":\"verified\",\"findings\":[\"cookie-reuse\"]"));
	run_free(&r);
}
END_TEST

/* ---- cases/: one behaviour per capture (issue 13 items 8 to 10) */

static const struct {
	const char *file;
	bool keys;             /* cases/keylog.txt and findings/keys.txt */
	uint32_t findings;     /* exactly these are raised */
	const char *want[4];   /* in the output */
	const char *never[3];  /* not in the output */
} cases[] = {
	/* NTS-KE on TCP 14460 found by ALPN, NTP followed to the port the KE
	 * negotiated, TLS with another ALPN left alone */
	{ "ports-ke", true, 0,
	  { "10.0.0.2:45000 -> 10.0.0.1:14460 NTS-KE TLS1.3",
	    "cookies=8x100 port=11123 ok (frame 1; request frame 3, response frame 4)",
	    "-> 10.0.0.1:11123 NTS cookies 1/0/1 offset", "-> 10.0.0.1:11123 plain offset" },
	  { ":443", NULL, NULL } },
	/* without keys: the KE still by ALPN, the NTS exchange by its shape */
	{ "ports-ke", false, 0,
	  { "-> 10.0.0.1:14460 NTS-KE TLS1.3 TLS_AES_128_GCM_SHA256 sni=ke.test alpn=ntske/1 "
	    "handshake 0.400 ms encrypted", "-> 10.0.0.1:11123 NTS cookies 1/0/~1", NULL, NULL },
	  { ":443", NULL, NULL } },
	{ "ports-shape", true, 0,
	  { "10.0.0.2:40000 -> 10.0.0.1:11124 NTS cookies 1/1/2 offset", " verified (frames 1,2)",
	    NULL, NULL }, { NULL, NULL, NULL } },
	/* a 17-octet nonce, padded (RFC 8915 5.6): verifies; no cookie came
	 * back, but no placeholder was sent either: nothing to say */
	{ "nonce17", true, 0, { "NTS cookies 1/0/0 ", " verified (frames 1,2)", NULL, NULL },
	  { "placeholder", NULL, NULL } },
	/* unpadded it cannot verify; there were no placeholders to miss */
	{ "nonce17-unpadded", true, 1u << NP_F_AUTH_FAIL, { "[auth-fail]", NULL, NULL, NULL },
	  { "placeholder", NULL, NULL } },
	{ "request-incomplete", true, (1u << NP_F_NO_COOKIE) | (1u << NP_F_NO_AUTH),
	  { "NTS cookies 0/0/0 no-response [no-cookie] (frame 1)",
	    "NTS cookies 1/0/0 no-response [no-authenticator] (frame 2)", NULL, NULL },
	  { NULL, NULL, NULL } },
	{ "snaplen", true, 0,
	  { "10.0.0.2:40000 -> 10.0.0.1:123 NTS truncated by capture (snaplen 100) (frames 1,2)",
	    "NTP 58 octets (truncated by capture (snaplen 100))", NULL, NULL },
	  { "plain", "malformed", NULL } },
	{ "late", true, 0,
	  { "NTS cookies 1/0/0 no-response (frame 1)",
	    "-> 10.0.0.1:123 NTS late: response after its request (frame 1) timed out (frame 2)",
	    NULL, NULL }, { "plain", "no-request", NULL } },
};

START_TEST(test_cases)
{
	char err[512], kl[4096], kf[4096], cap[256];
	struct run r;
	memset(&r, 0, sizeof r);
	r.c.out = open_memstream(&r.text, &r.len);
	r.c.err = fopen("/dev/null", "w");
	struct np_inputs in = { .nkeylogs = 0 };
	if (cases[_i].keys) {
		snprintf(kl, sizeof kl, "%s", tv_path("pcap/cases/keylog.txt"));
		snprintf(kf, sizeof kf, "%s", tv_path("pcap/findings/keys.txt"));
		in.keylogs[in.nkeylogs++] = kl;
		in.keys[in.nkeys++] = kf;
	}
	ck_assert_msg(np_ctx_init(&r.c, &in, err, sizeof err) == NTS_OK, "%s", err);
	/* the packet trees too: they say where a capture cut a packet */
	r.c.opts.verbose = strcmp(cases[_i].file, "snaplen") == 0;
	snprintf(cap, sizeof cap, "pcap/cases/%s.pcap", cases[_i].file);
	ck_assert_msg(np_read_file(&r.c, tv_path(cap), err, sizeof err) == 0, "%s", err);
	np_ctx_end(&r.c);
	fflush(r.c.out);
	fclose(r.c.err);
	for (int f = 0; f < NP_F_COUNT; f++)
		ck_assert_msg(!!r.c.n_findings[f] == !!(cases[_i].findings & (1u << f)),
			      "%s: finding %s %s:\n%s", cases[_i].file, np_finding_name((enum np_finding)f),
			      r.c.n_findings[f] ? "raised" : "missing", r.text);
	ck_assert_uint_eq(r.c.n_bad_frames, 0);
	for (int i = 0; i < 4 && cases[_i].want[i]; i++)
		ck_assert_msg(strstr(r.text, cases[_i].want[i]), "%s: no \"%s\" in:\n%s",
			      cases[_i].file, cases[_i].want[i], r.text);
	for (int i = 0; i < 3 && cases[_i].never[i]; i++)
		ck_assert_msg(!strstr(r.text, cases[_i].never[i]), "%s: \"%s\" in:\n%s",
			      cases[_i].file, cases[_i].never[i], r.text);
	run_free(&r);
}
END_TEST

/* Nothing to decode is counted as such (nts-pcap exits 3 on it). */
START_TEST(test_nothing_found)
{
	struct run r;
	const char *files[] = { "pcap/cases/nothing.pcap" };
	run_files(&r, files, 1, false, false);
	ck_assert_uint_eq(r.c.n_frames, 10);
	ck_assert_uint_eq(r.c.n_ntp, 0);
	ck_assert_uint_eq(r.c.n_ke_sessions, 0);
	run_free(&r);
	files[0] = "pcap/cases/ports-ke.pcap";
	run_files(&r, files, 1, false, false);
	ck_assert_uint_eq(r.c.n_ke_sessions, 1);
	run_free(&r);
}
END_TEST

/* nts-pcap(1) lists every verdict a KE line can carry, as a .B or .BR item. */
START_TEST(test_man_ke_verdicts)
{
	char path[4096], buf[1 << 16];
	snprintf(path, sizeof path, "%s", tv_path("../nts-pcap/nts-pcap.1"));
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	unsigned count = 0;
	for (const char *const *v = np_ke_verdicts; *v; v++, count++) {
		char esc[64], b1[80], b2[80];
		size_t o = 0;
		for (const char *p = *v; *p && o + 2 < sizeof esc; p++) {
			if (*p == '-')
				esc[o++] = '\\';
			esc[o++] = *p;
		}
		esc[o] = 0;
		snprintf(b1, sizeof b1, "\n.B %s\n", esc);
		snprintf(b2, sizeof b2, "\n.BR %s ", esc);
		ck_assert_msg(strstr(buf, b1) || strstr(buf, b2), "KE verdict %s not in nts-pcap.1", *v);
	}
	ck_assert_uint_ge(count, 13);
}
END_TEST

/* --stats counts authenticators: eight verified exchanges hold sixteen. */
START_TEST(test_stats_authenticators)
{
	char err[512], kf[4096];
	struct run r;
	memset(&r, 0, sizeof r);
	r.c.out = open_memstream(&r.text, &r.len);
	r.c.opts.stats = true;
	r.c.opts.quiet = true;
	snprintf(kf, sizeof kf, "%s", tv_path("pcap/findings/keys.txt"));
	struct np_inputs in = { .nkeys = 1, .keys = { kf } };
	ck_assert_msg(np_ctx_init(&r.c, &in, err, sizeof err) == NTS_OK, "%s", err);
	ck_assert(np_read_file(&r.c, tv_path("pcap/cases/stats.pcap"), err, sizeof err) == 0);
	ck_assert(np_read_file(&r.c, tv_path("pcap/cases/late.pcap"), err, sizeof err) == 0);
	np_ctx_end(&r.c);
	fflush(r.c.out);
	/* plus the late response: one more request, NTS, one more verified
	 * authenticator (the request's) and one that could not be (its request
	 * had timed out); a late response is no extra NTS request */
	ck_assert_msg(strstr(r.text, "9 requests (9 NTS), 9 responses, 0 NAKs, 1 unanswered") &&
		      strstr(r.text, "authenticators 17 verified, 0 failed, 1 unverified"), "%s", r.text);
	run_free(&r);
}
END_TEST

/* ---- captures of real peers (made by interop/test-pcap-interop.sh) */

static const struct {
	const char *name;
	uint16_t ntp, ke;
	const char *keys;    /* key log, or --keys file when it ends in .keys */
	unsigned min_nts;
	const char *ke_line;
} real[] = {
	/* once the handshake decrypts, the server certificate shows (issue 13 item 11) */
	{ "chrony-chrony", 11123, 14460, "chrony-chrony.keylog", 3,
	  "cookies=8x100 port=11123 cert \"CN=localhost\" issuer \"CN=NTS toolkit test CA\" "
	  "valid 2026-11-26..2026-12-26 ok (frame 9; request frame 20, response frame 22)" },
	{ "chrony-ntpsec", 123, 4460, "chrony-ntpsec.keylog", 3,
	  "cookies=8x104 cert \"CN=localhost\" issuer \"CN=NTS toolkit test CA\" "
	  "valid 2026-11-26..2026-12-26 ok (frame 29; request frame 38, response frame 41)" },
	{ "ntpsec-chrony", 12123, 15460, "ntpsec-chrony.keylog", 2,
	  "cookies=8x100 port=12123 cert \"CN=localhost\" issuer" },
	{ "probe-chrony", 13123, 16460, "probe-chrony.keys", 3, "NTS-KE TLS1.3" },
	{ "chrony-ntsd", 17123, 18460, "chrony-ntsd.nts-keys", 3, "NTS-KE TLS1.3" },
	{ "chrony-chrony-ipv6", 19123, 19460, "chrony-chrony-ipv6.keylog", 3,
	  "[::1]:19460 NTS-KE TLS1.3" },
};

/* The key file loader wants mode 0600; git checks files out 0644. */
static void private_copy(const char *src, char *dst, size_t len)
{
	snprintf(dst, len, "/tmp/np-key-XXXXXX");
	int fd = mkstemp(dst);
	FILE *in = fopen(src, "r");
	ck_assert(fd >= 0 && in != NULL);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert(write(fd, buf, n) == (ssize_t)n);
	fclose(in);
	close(fd);
}

START_TEST(test_real_captures)
{
	char err[512], cap[128], keys[4096];
	struct run r;
	memset(&r, 0, sizeof r);
	r.c.out = open_memstream(&r.text, &r.len);
	r.c.opts.ntp_ports[r.c.opts.n_ntp_ports++] = real[_i].ntp;
	r.c.opts.ke_ports[r.c.opts.n_ke_ports++] = real[_i].ke;
	snprintf(cap, sizeof cap, "pcap/real/%s.pcap", real[_i].name);
	snprintf(keys, sizeof keys, "%s", tv_path("pcap/real/"));
	snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s", real[_i].keys);
	struct np_inputs in = { 0 };
	char priv[64] = "";
	if (strstr(real[_i].keys, ".nts-keys")) {
		private_copy(keys, priv, sizeof priv);
		in.server_key = priv;
	} else if (strstr(real[_i].keys, ".keys")) {
		in.keys[in.nkeys++] = keys;
	} else {
		in.keylogs[in.nkeylogs++] = keys;
	}
	ck_assert_msg(np_ctx_init(&r.c, &in, err, sizeof err) == NTS_OK, "%s", err);
	ck_assert_msg(np_read_file(&r.c, tv_path(cap), err, sizeof err) == 0, "%s", err);
	np_ctx_end(&r.c);
	fflush(r.c.out);
	if (priv[0])
		unlink(priv);
	unsigned nts = 0, verified = 0;
	for (const char *p = r.text; (p = strstr(p, " NTS cookies ")); p++) {
		nts++;
		const char *eol = strchr(p, '\n');
		const char *v = strstr(p, " verified (frames");
		verified += v && v < eol;
	}
	ck_assert_msg(nts >= real[_i].min_nts && nts == verified, "%s: %u NTS, %u verified:\n%s",
		      real[_i].name, nts, verified, r.text);
	ck_assert_msg(np_ctx_findings(&r.c) == 0, "%s:\n%s", real[_i].name, r.text);
	ck_assert_msg(strstr(r.text, real[_i].ke_line), "%s:\n%s", real[_i].name, r.text);
	run_free(&r);
}
END_TEST

/* ---- pairing of plain NTP by origin timestamp, fed as raw IP frames */

/* kiss: a refid makes the response a stratum 0 kiss-o'-death */
static void feed(struct np_ctx *c, double t, bool to_server, uint8_t mode, uint64_t org,
		 uint64_t rec, uint64_t xmt, uint32_t kiss)
{
	uint8_t b[28 + NTP_HEADER_LEN] = { 0x45, 0, 0, 28 + NTP_HEADER_LEN, 0, 0, 0, 0, 64, 17, 0, 0,
					   192, 0, 2, 1, 192, 0, 2, 2 };
	if (!to_server) {
		b[15] = 2;
		b[19] = 1;
	}
	nts_put16(b + 20, to_server ? 40000 : 123);
	nts_put16(b + 22, to_server ? 123 : 40000);
	nts_put16(b + 24, 8 + NTP_HEADER_LEN);
	struct ntp_hdr h = { .version = 4, .mode = mode, .stratum = mode == 4 && !kiss ? 2 : 0,
			     .refid = kiss, .org = org, .rec = rec, .xmt = xmt };
	ntp_hdr_write(&h, b + 28, NTP_HEADER_LEN);
	struct timespec ts = { (time_t)t, (long)((t - (double)(time_t)t) * 1e9) };
	np_dispatch(c, 12, &ts, b, sizeof b, sizeof b);
}

START_TEST(test_plain_pairing)
{
	struct run r;
	char err[128];
	struct np_inputs in = { 0 };
	memset(&r, 0, sizeof r);
	r.c.out = open_memstream(&r.text, &r.len);
	r.c.opts.stats = true;
	ck_assert_int_eq(np_ctx_init(&r.c, &in, err, sizeof err), NTS_OK);
	double t0 = 1767225600.0;
	struct timespec ts = { (time_t)t0 + 1, 0 };
	uint64_t n1 = ntp_ts_from_timespec(&ts);   /* server clock one second ahead */
	feed(&r.c, t0, true, 3, 0, 0, 0xabcdef, 0);
	feed(&r.c, t0 + 0.010, false, 4, 0xabcdef, n1, n1 + (1ull << 32) / 1000, 0);
	feed(&r.c, t0 + 1, true, 3, 0, 0, 0x1234, 0);                 /* never answered */
	feed(&r.c, t0 + 2, false, 4, 0x9999, n1, n1, 0);               /* answers nothing */
	feed(&r.c, t0 + 3, true, 3, 0, 0, 0x5555, 0);
	feed(&r.c, t0 + 3.001, false, 4, 0x5555, 0, 0, 0x52415445);   /* RATE */
	np_ctx_end(&r.c);
	fflush(r.c.out);
	ck_assert_msg(strstr(r.text, "192.0.2.1:40000 -> 192.0.2.2:123 plain offset +0.995"),
		      "%s", r.text);
	ck_assert_msg(strstr(r.text, "delay 0.009000 ok (frames 1,2)"), "%s", r.text);
	ck_assert_msg(strstr(r.text, "no-response (frame 3)"), "%s", r.text);
	ck_assert_msg(strstr(r.text, "no-request (frame 4)"), "%s", r.text);
	ck_assert_msg(strstr(r.text, " plain kiss RATE (frames 5,6)"), "%s", r.text);
	ck_assert_msg(strstr(r.text, "3 requests (0 NTS), 3 responses, 0 NAKs, 1 unanswered"),
		      "%s", r.text);
	run_free(&r);
}
END_TEST

/* ---- a mutation corpus: every frame of the stored captures, with octets
 * flipped and cut, goes through the whole decoder (ASan catches overreads) */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

START_TEST(test_mutation_corpus)
{
	static const char *const caps[] = { "pcap/findings/placeholder-mismatch-no.pcap",
					    "pcap/findings/ke-proto-aead-no.pcap",
					    "pcap/findings/auth-not-last-yes.pcap",
					    "pcap/real/chrony-ntpsec.pcap",
					    "pcap/malformed.pcap" };
	struct run r;
	char err[512], ebuf[PCAP_ERRBUF_SIZE];
	FILE *null = fopen("/dev/null", "w");
	struct np_inputs in = { .nkeylogs = 0 };
	memset(&r, 0, sizeof r);
	r.c.out = null;
	r.c.opts.verbose = true;
	ck_assert_int_eq(np_ctx_init(&r.c, &in, err, sizeof err), NTS_OK);
	unsigned frames = 0;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		pcap_t *p = pcap_open_offline(tv_path(caps[i]), ebuf);
		ck_assert_msg(p != NULL, "%s", ebuf);
		struct pcap_pkthdr *h;
		const u_char *data;
		uint8_t m[2048];
		while (pcap_next_ex(p, &h, &data) == 1) {
			size_t n = h->caplen < sizeof m ? h->caplen : sizeof m;
			struct timespec ts = { h->ts.tv_sec, h->ts.tv_usec * 1000L };
			for (int k = 0; k < 200; k++) {
				memcpy(m, data, n);
				size_t len = n;
				for (unsigned flips = 1 + next_rand() % 4; flips; flips--)
					m[14 + next_rand() % (n - 14)] ^= (uint8_t)(1u << (next_rand() % 8));
				if (k % 3 == 0)
					len = 14 + next_rand() % (n - 14);
				uint8_t *heap = malloc(len);   /* exact size: overreads are caught */
				memcpy(heap, m, len);
				np_dispatch(&r.c, pcap_datalink(p), &ts, heap, len, n);
				free(heap);
				frames++;
			}
			np_dispatch(&r.c, pcap_datalink(p), &ts, data, h->caplen, h->len);
		}
		pcap_close(p);
	}
	np_ctx_end(&r.c);
	np_ctx_fini(&r.c);
	fclose(null);
	ck_assert_uint_gt(frames, 1000);
	ck_assert_uint_gt(r.c.n_findings[NP_F_MALFORMED], 0);
}
END_TEST

Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *t = tcase_create("pipeline");
	tcase_add_loop_test(t, test_finding_captures, 0,
			    (int)(sizeof finding_names / sizeof finding_names[0]));
	tcase_add_test(t, test_verification);
	tcase_add_loop_test(t, test_real_captures, 0, (int)(sizeof real / sizeof real[0]));
	tcase_add_test(t, test_json_objects);
	tcase_add_test(t, test_plain_pairing);
	tcase_add_loop_test(t, test_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(t, test_nothing_found);
	tcase_add_test(t, test_stats_authenticators);
	tcase_add_test(t, test_man_ke_verdicts);
	tcase_add_test(t, test_mutation_corpus);
	suite_add_tcase(s, t);
	return s;
}
