/* Tests of the NTP/NTS field decoder, the KE record checks, TLS 1.3 record opening and key files. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/rules.h"
#include "nts-pcap/capture.h"
#include "nts-pcap/ke.h"
#include "nts-pcap/np.h"
#include "nts-pcap/tls13.h"
#include "ptest.h"

/* ---- NTP packets built with the core's writers */

struct pkt {
	uint8_t b[1024];
	struct nts_wr w;
};

static void pkt_hdr(struct pkt *p, uint8_t mode, uint8_t stratum, uint32_t refid)
{
	struct ntp_hdr h = { .version = 4, .mode = mode, .stratum = stratum, .refid = refid,
			     .xmt = 0x1122334455667788ull };
	nts_wr_init(&p->w, p->b, sizeof p->b);
	nts_wr_zero(&p->w, NTP_HEADER_LEN);
	ck_assert_int_eq(ntp_hdr_write(&h, p->b, sizeof p->b), NTS_OK);
}

static void pkt_ef(struct pkt *p, uint16_t type, size_t body_len, uint8_t fill)
{
	uint8_t body[512];
	memset(body, fill, sizeof body);
	ck_assert_int_eq(ntp_ef_write(&p->w, type, body, body_len), NTS_OK);
}

static void pkt_auth(struct pkt *p, uint16_t nonce_len, uint16_t ct_len)
{
	uint8_t body[256] = { 0 };
	nts_put16(body, nonce_len);
	nts_put16(body + 2, ct_len);
	size_t n = 4 + ((nonce_len + 3u) & ~3u) + ((ct_len + 3u) & ~3u);
	ck_assert_int_eq(ntp_ef_write(&p->w, NTP_EF_NTS_AUTH, body, n), NTS_OK);
}

static void nts_request(struct pkt *p, unsigned placeholders, size_t ph_len)
{
	pkt_hdr(p, NTP_MODE_CLIENT, 0, 0);
	pkt_ef(p, NTP_EF_UNIQUE_ID, 32, 0xaa);
	pkt_ef(p, NTP_EF_NTS_COOKIE, 100, 0xcc);
	for (unsigned i = 0; i < placeholders; i++)
		pkt_ef(p, NTP_EF_NTS_PLACEHOLDER, ph_len, 0);
	pkt_auth(p, 16, 16);
}

START_TEST(test_plain)
{
	struct pkt p;
	struct np_ntp n;
	pkt_hdr(&p, NTP_MODE_CLIENT, 0, 0);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert_int_eq(n.hdr_err, NTS_OK);
	ck_assert_uint_eq(n.hdr.mode, 3);
	ck_assert_uint_eq(n.hdr.xmt, 0x1122334455667788ull);
	ck_assert_uint_eq(n.nef, 0);
	ck_assert(!n.nts);
	ck_assert_uint_eq(n.findings, 0);
}
END_TEST

START_TEST(test_nts_request)
{
	struct pkt p;
	struct np_ntp n;
	nts_request(&p, 2, 100);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert(n.nts);
	ck_assert_uint_eq(n.nef, 5);
	ck_assert_uint_eq(n.nuid, 1);
	ck_assert_uint_eq(n.uid_len, 32);
	ck_assert_uint_eq(n.ncookies, 1);
	ck_assert_uint_eq(n.cookie_len, 100);
	ck_assert_uint_eq(n.nplaceholders, 2);
	ck_assert_uint_eq(n.nauth, 1);
	ck_assert_int_eq(n.auth_err, NTS_OK);
	ck_assert_uint_eq(n.nonce_len, 16);
	ck_assert_uint_eq(n.ct_len, 16);
	ck_assert_uint_eq(n.auth_offset, n.ef[4].offset);
	ck_assert_uint_eq(n.findings, 0);
	ck_assert_uint_eq(n.ef[0].type, NTP_EF_UNIQUE_ID);
	ck_assert_uint_eq(n.ef[0].len, 36);
}
END_TEST

START_TEST(test_findings_in_packet)
{
	struct pkt p;
	struct np_ntp n;
	/* a field after the authenticator */
	nts_request(&p, 0, 0);
	pkt_ef(&p, 0x2005, 12, 0);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert(n.auth_not_last);
	ck_assert(n.findings & (1u << NP_F_AUTH_NOT_LAST));
	/* a placeholder shorter than the cookie (RFC 8915 section 5.5) */
	nts_request(&p, 1, 96);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert(n.findings & (1u << NP_F_PLACEHOLDER));
	/* a nonce under 16 octets */
	pkt_hdr(&p, NTP_MODE_CLIENT, 0, 0);
	pkt_ef(&p, NTP_EF_UNIQUE_ID, 32, 1);
	pkt_auth(&p, 8, 16);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert_int_eq(n.auth_err, NTS_E_NTS_NONCE_SHORT);
	ck_assert(n.findings & (1u << NP_F_MALFORMED));
	/* ciphertext length running past the field */
	pkt_hdr(&p, NTP_MODE_CLIENT, 0, 0);
	uint8_t body[28] = { 0, 16, 0, 200 };
	ck_assert_int_eq(ntp_ef_write(&p.w, NTP_EF_NTS_AUTH, body, sizeof body), NTS_OK);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert_int_eq(n.auth_err, NTS_E_NTS_AUTH_MALFORMED);
	/* a UID shorter than 32 octets */
	pkt_hdr(&p, NTP_MODE_CLIENT, 0, 0);
	pkt_ef(&p, NTP_EF_UNIQUE_ID, 16, 1);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert(n.findings & (1u << NP_F_MALFORMED));
}
END_TEST

START_TEST(test_malformed_walk)
{
	struct pkt p;
	struct np_ntp n;
	nts_request(&p, 0, 0);
	nts_put16(p.b + NTP_HEADER_LEN + 2, 38);   /* UID length not a multiple of 4 */
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert_int_eq(n.walk_err, NTS_E_EF_LEN_ALIGN);
	ck_assert_uint_eq(n.walk_err_off, NTP_HEADER_LEN);
	ck_assert(n.findings & (1u << NP_F_MALFORMED));
	np_ntp_decode(p.b, 20, &n);
	ck_assert_int_eq(n.hdr_err, NTS_E_NTP_SHORT);
	/* every truncation decodes without reading past the end */
	nts_request(&p, 3, 100);
	for (size_t len = 0; len <= p.w.pos; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, p.b, len);
		np_ntp_decode(copy, len, &n);
		ck_assert(len >= NTP_HEADER_LEN || n.hdr_err == NTS_E_NTP_SHORT);
		ck_assert(n.nef <= 6);
		free(copy);
	}
}
END_TEST

START_TEST(test_nak_refid_estimate)
{
	struct pkt p;
	struct np_ntp n;
	char r[32];
	pkt_hdr(&p, NTP_MODE_SERVER, 0, NTP_REFID_NTSN);
	pkt_ef(&p, NTP_EF_UNIQUE_ID, 32, 1);
	np_ntp_decode(p.b, p.w.pos, &n);
	ck_assert(n.nak);
	np_refid_str(&n.hdr, r, sizeof r);
	ck_assert_str_eq(r, "NTSN");
	struct ntp_hdr h = { .stratum = 1, .refid = 0x47505300 };
	np_refid_str(&h, r, sizeof r);
	ck_assert_str_eq(r, "GPS");
	h.stratum = 2;
	h.refid = 0xC0000201;
	np_refid_str(&h, r, sizeof r);
	ck_assert_str_eq(r, "192.0.2.1");
	h.stratum = 1;
	h.refid = 0x7F7F0101;   /* chrony's local reference: not letters */
	np_refid_str(&h, r, sizeof r);
	ck_assert_str_eq(r, "127.127.1.1");
	ck_assert_uint_eq(np_estimate_cookies(120, 100), 1);
	ck_assert_uint_eq(np_estimate_cookies(16 + 8 * 104, 100), 8);
	ck_assert_uint_eq(np_estimate_cookies(16, 100), 0);
	ck_assert_uint_eq(np_estimate_cookies(10, 100), 0);
	ck_assert_uint_eq(np_estimate_cookies(120, 0), 0);
}
END_TEST

/* ---- the rule matrix: the libnts vectors through nts-pcap's decoders,
 * which must agree with libnts's rules walker (and so with its parsers) */

static const char *const ke_vectors[] = {
	"req-valid", "req-valid-server-port", "req-unknown-noncritical", "req-missing-proto",
	"req-dup-proto", "req-proto-not-critical", "req-missing-aead", "req-dup-aead",
	"req-missing-eom", "req-after-eom", "req-eom-body", "req-unknown-critical",
	"req-trunc-header", "req-trunc-body", "req-aead-odd", "req-port-len", "req-dup-server",
	"req-new-cookie", "req-error-record", "req-error-not-critical", "req-too-long",
	"resp-valid", "resp-valid-server-port", "resp-nine-cookies", "resp-error", "resp-empty-proto",
	"resp-no-cookie", "resp-two-protos", "resp-proto-two-ids", "resp-two-aeads",
	"resp-aead-two-ids", "resp-oversize-cookie", "resp-bad-server", "resp-warning",
	"resp-unknown-critical", "resp-error-not-critical", "resp-warning-not-critical",
	"resp-eom-not-critical", "resp-cookie-critical",
};

START_TEST(test_ke_rule_matrix)
{
	char name[128];
	size_t len;
	struct nts_rules_report rep;
	static struct np_ke_msg km;
	bool response = strncmp(ke_vectors[_i], "resp", 4) == 0;
	snprintf(name, sizeof name, "ntske/%s.hex", ke_vectors[_i]);
	uint8_t *msg = tv_load_hex(name, &len);
	nts_rules_ke(msg, len, response, &rep);
	np_ke_msg_decode(msg, len, response, &km);
	/* every rule the walker reports is a finding, except an unassigned
	 * Warning code (the client's to refuse, not the server's fault) */
	bool rules = rep.n > (nts_rules_has(&rep, NTS_R_KE_WARNING_UNKNOWN) ? 1u : 0u);
	ck_assert_msg(!!km.findings == rules, "%s: findings %x, %zu rules", ke_vectors[_i],
		      km.findings, rep.n);
	/* the critical bits of section 4.1.x, one rule each */
	bool crit = false;
	for (size_t i = 0; i < rep.n; i++)
		crit = crit || strstr(nts_rule_get(rep.hits[i].rule)->name, "critical") != NULL;
	ck_assert_msg(!!(km.findings & (1u << NP_F_KE_CRITICAL)) == crit, "%s", ke_vectors[_i]);
	free(msg);
}
END_TEST

static const char *const nts_vectors[] = {
	"request", "request-nonce12-padded", "response", "nak", "bad-no-uid", "bad-uid-short",
	"bad-uid-dup", "bad-no-cookie", "bad-cookie-dup", "bad-no-auth", "bad-auth-not-last",
	"bad-nonce-short", "bad-nonce-zero", "bad-auth-ct-overrun", "bad-auth-ct-short",
	"bad-placeholder-size",
};

START_TEST(test_ntp_rule_matrix)
{
	char name[128];
	size_t len;
	struct nts_rules_report rep;
	struct np_ntp n;
	snprintf(name, sizeof name, "nts/%s.hex", nts_vectors[_i]);
	uint8_t *pkt = tv_load_hex(name, &len);
	nts_rules_ntp(pkt, len, &rep);
	np_ntp_decode(pkt, len, &n);
	ck_assert_msg(!!n.findings == (nts_rules_verdict(&rep) != NTS_OK), "%s: findings %x, %s",
		      nts_vectors[_i], n.findings, nts_errname(nts_rules_verdict(&rep)));
	/* the authenticator parses wherever the walker accepts its layout: a
	 * 12-octet nonce with 4 octets of Additional Padding (RFC 8915 5.6) */
	if (!nts_rules_has(&rep, NTS_R_NTS_NONCE_SHORT) && !nts_rules_has(&rep, NTS_R_NTS_AUTH_MALFORMED))
		ck_assert_int_eq(n.auth_err, NTS_OK);
	free(pkt);
}
END_TEST

Suite *ntp_decode_suite(void)
{
	Suite *s = suite_create("ntp_decode");
	TCase *t = tcase_create("ntp");
	tcase_add_test(t, test_plain);
	tcase_add_test(t, test_nts_request);
	tcase_add_test(t, test_findings_in_packet);
	tcase_add_test(t, test_malformed_walk);
	tcase_add_test(t, test_nak_refid_estimate);
	suite_add_tcase(s, t);
	return s;
}

/* ---- NTS-KE records */

struct kmsg {
	uint8_t b[2048];
	struct nts_wr w;
};

static void rec(struct kmsg *m, bool crit, uint16_t type, const void *body, size_t n)
{
	ck_assert_int_eq(ntske_record_write(&m->w, crit, type, body, n), NTS_OK);
}

/* variant: which rule to break in an otherwise good response */
static void response(struct kmsg *m, const char *variant)
{
	static const uint8_t ntp[2] = { 0, 0 }, siv[2] = { 0, 15 }, two[4] = { 0, 15, 0, 17 };
	uint8_t cookie[100];
	memset(cookie, 7, sizeof cookie);
	nts_wr_init(&m->w, m->b, sizeof m->b);
	rec(m, strcmp(variant, "proto-noncrit") != 0, NTSKE_REC_NEXT_PROTO, ntp, 2);
	if (strcmp(variant, "aead-two-ids") == 0)
		rec(m, true, NTSKE_REC_AEAD, two, 4);
	else
		rec(m, true, NTSKE_REC_AEAD, siv, 2);
	if (strcmp(variant, "two-aead") == 0)
		rec(m, true, NTSKE_REC_AEAD, siv, 2);
	if (strcmp(variant, "unknown-crit") == 0)
		rec(m, true, 0x3fff, NULL, 0);
	if (strcmp(variant, "unknown") == 0)
		rec(m, false, 0x3fff, NULL, 0);
	rec(m, strcmp(variant, "cookie-crit") == 0, NTSKE_REC_COOKIE, cookie, sizeof cookie);
	rec(m, false, NTSKE_REC_COOKIE, cookie, sizeof cookie);
	if (strcmp(variant, "no-eom") != 0)
		rec(m, true, NTSKE_REC_EOM, NULL, 0);
	if (strcmp(variant, "after-eom") == 0)
		rec(m, false, NTSKE_REC_COOKIE, cookie, 4);
}

static const struct {
	const char *variant;
	uint32_t want;
} ke_cases[] = {
	{ "good", 0 },
	{ "unknown", 0 },
	{ "no-eom", 1u << NP_F_KE_NO_EOM },
	{ "two-aead", 1u << NP_F_KE_PROTO_AEAD },
	{ "aead-two-ids", 1u << NP_F_KE_PROTO_AEAD },
	{ "proto-noncrit", 1u << NP_F_KE_CRITICAL },
	{ "cookie-crit", 1u << NP_F_KE_CRITICAL },
	{ "unknown-crit", 1u << NP_F_KE_CRITICAL },
	{ "after-eom", 1u << NP_F_MALFORMED },
};

START_TEST(test_ke_rules)
{
	struct kmsg m;
	struct np_ke_msg km;
	response(&m, ke_cases[_i].variant);
	np_ke_msg_decode(m.b, m.w.pos, true, &km);
	ck_assert_msg(km.findings == ke_cases[_i].want, "%s: findings %#x, want %#x",
		      ke_cases[_i].variant, km.findings, ke_cases[_i].want);
	ck_assert_uint_eq(km.ncookies, strcmp(ke_cases[_i].variant, "after-eom") == 0 ? 3 : 2);
	ck_assert_uint_eq(km.cookie_len[0], 100);
}
END_TEST

START_TEST(test_ke_request_error_trunc)
{
	static const uint8_t ntp[2] = { 0, 0 }, two[4] = { 0, 15, 0, 17 }, bad[2] = { 0, 1 };
	struct kmsg m;
	struct np_ke_msg km;
	/* a request may offer several AEADs */
	nts_wr_init(&m.w, m.b, sizeof m.b);
	rec(&m, true, NTSKE_REC_NEXT_PROTO, ntp, 2);
	rec(&m, true, NTSKE_REC_AEAD, two, 4);
	rec(&m, true, NTSKE_REC_EOM, NULL, 0);
	np_ke_msg_decode(m.b, m.w.pos, false, &km);
	ck_assert_uint_eq(km.findings, 0);
	ck_assert_uint_eq(km.naeads, 2);
	/* an Error response needs no protocol or AEAD */
	nts_wr_init(&m.w, m.b, sizeof m.b);
	rec(&m, true, NTSKE_REC_ERROR, bad, 2);
	rec(&m, true, NTSKE_REC_EOM, NULL, 0);
	np_ke_msg_decode(m.b, m.w.pos, true, &km);
	ck_assert_uint_eq(km.findings, 0);
	ck_assert(km.has_error);
	ck_assert_uint_eq(km.error, 1);
	/* a Server record with a terminal escape comes out harmless */
	nts_wr_init(&m.w, m.b, sizeof m.b);
	rec(&m, false, NTSKE_REC_SERVER, "\x1b[2Jevil.example", 16);
	rec(&m, true, NTSKE_REC_EOM, NULL, 0);
	np_ke_msg_decode(m.b, m.w.pos, false, &km);
	ck_assert(km.has_server);
	ck_assert_str_eq(km.server, ".[2Jevil.example");
	/* cut mid-record: reported, records before it kept */
	response(&m, "good");
	np_ke_msg_decode(m.b, 20, true, &km);
	ck_assert(km.trunc);
	ck_assert(km.findings & (1u << NP_F_MALFORMED));
	ck_assert(km.findings & (1u << NP_F_KE_NO_EOM));
	ck_assert_uint_eq(km.nrec, 2);
}
END_TEST

/* A record sealed here with GnuTLS opens through np_tls13_open, once. */
START_TEST(test_tls13_open)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303 };
	uint16_t suite = suites[_i];
	uint8_t secret[48], key[32], iv[12], pt[64], ct[128], out[128], type;
	size_t klen = suite == 0x1301 ? 16 : 32, n = sizeof ct, out_len;
	memset(secret, 0x5a, sizeof secret);
	size_t slen = suite == 0x1302 ? 48 : 32;
	ck_assert_int_eq(np_hkdf_expand_label(suite, secret, slen, "key", NULL, 0, key, klen), NTS_OK);
	ck_assert_int_eq(np_hkdf_expand_label(suite, secret, slen, "iv", NULL, 0, iv, 12), NTS_OK);
	memcpy(pt, "\x80\x01\x00\x02\x00\x00\x80\x00\x00\x00", 10);
	pt[10] = 23;   /* inner content type, then padding */
	pt[11] = pt[12] = 0;
	uint8_t hdr[5] = { 23, 3, 3, 0, 13 + 16 };
	gnutls_aead_cipher_hd_t h;
	gnutls_datum_t k = { key, (unsigned)klen };
	gnutls_cipher_algorithm_t alg = suite == 0x1301 ? GNUTLS_CIPHER_AES_128_GCM
				      : suite == 0x1302 ? GNUTLS_CIPHER_AES_256_GCM
							: GNUTLS_CIPHER_CHACHA20_POLY1305;
	ck_assert_int_eq(gnutls_aead_cipher_init(&h, alg, &k), 0);
	ck_assert_int_eq(gnutls_aead_cipher_encrypt(h, iv, 12, hdr, 5, 16, pt, 13, ct, &n), 0);
	gnutls_aead_cipher_deinit(h);
	struct np_tls13_dir *d;
	ck_assert_int_eq(np_tls13_dir_new(suite, secret, slen, &d), NTS_OK);
	ct[0] ^= 1;
	ck_assert_int_eq(np_tls13_open(d, hdr, ct, n, out, sizeof out, &out_len, &type),
			 NTS_E_AEAD_VERIFY);
	ct[0] ^= 1;
	ck_assert_int_eq(np_tls13_open(d, hdr, ct, n, out, sizeof out, &out_len, &type), NTS_OK);
	ck_assert_uint_eq(type, 23);
	ck_assert_uint_eq(out_len, 10);
	ck_assert(memcmp(out, pt, 10) == 0);
	/* the sequence number moved on: the same record does not open twice */
	ck_assert_int_eq(np_tls13_open(d, hdr, ct, n, out, sizeof out, &out_len, &type),
			 NTS_E_AEAD_VERIFY);
	np_tls13_dir_free(d);
	ck_assert_int_eq(np_tls13_dir_new(0x1304, secret, 32, &d), NTS_E_AEAD_UNSUPP);
}
END_TEST

static const char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/np-test-XXXXXX");
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_keylog_and_keys_file)
{
	char err[256], line[512];
	struct np_keylog *kl = NULL;
	uint8_t rnd[32];
	memset(rnd, 0xab, sizeof rnd);
	snprintf(line, sizeof line, "# comment\nCLIENT_RANDOM %s 00\nEXPORTER_SECRET %s %s\n"
		 "CLIENT_TRAFFIC_SECRET_0 %s %s\nJUNK\n",
		 "abababababababababababababababababababababababababababababababab",
		 "abababababababababababababababababababababababababababababababab",
		 "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		 "abababababababababababababababababababababababababababababababab",
		 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	const char *p = write_tmp(line);
	ck_assert_int_eq(np_keylog_load(&kl, p, err, sizeof err), NTS_OK);
	unlink(p);
	const struct np_secrets *s = np_keylog_find(kl, rnd);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len[NP_S_EXPORTER], 32);
	ck_assert_uint_eq(s->s[NP_S_EXPORTER][31], 0x20);
	ck_assert_uint_eq(s->len[NP_S_CTS0], 48);
	ck_assert_uint_eq(s->len[NP_S_STS0], 0);
	rnd[0] = 0;
	ck_assert_ptr_null(np_keylog_find(kl, rnd));
	np_keylog_free(kl);

	struct np_verify *v;
	ck_assert_int_eq(np_verify_new(&v), NTS_OK);
	p = write_tmp("# ntske-probe key export\nversion=1\nke_host=localhost\naead=15\n"
		      "c2s=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		      "s2c=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
		      "cookie=0102030405060708\nend\n");
	ck_assert_int_eq(np_verify_load_keys(v, p, err, sizeof err), NTS_OK);
	unlink(p);
	const struct np_keys *k = np_verify_keys(v, 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->aead, 15);
	ck_assert_uint_eq(k->key_len, 32);
	ck_assert_uint_eq(k->s2c[31], 0x3f);
	p = write_tmp("aead=15\nc2s=0001\ns2c=zz\nend\n");
	ck_assert_int_eq(np_verify_load_keys(v, p, err, sizeof err), NTS_E_KEYFILE_FORMAT);
	unlink(p);
	p = write_tmp("aead=15\nc2s=0001\nend\n");
	ck_assert_int_eq(np_verify_load_keys(v, p, err, sizeof err), NTS_E_KEYFILE_FORMAT);
	unlink(p);
	np_verify_free(v);
}
END_TEST

Suite *ke_suite(void)
{
	Suite *s = suite_create("ke");
	TCase *t = tcase_create("ke");
	tcase_add_loop_test(t, test_ke_rules, 0, (int)(sizeof ke_cases / sizeof ke_cases[0]));
	tcase_add_test(t, test_ke_request_error_trunc);
	tcase_add_loop_test(t, test_tls13_open, 0, 3);
	tcase_add_test(t, test_keylog_and_keys_file);
	tcase_add_loop_test(t, test_ke_rule_matrix, 0, (int)(sizeof ke_vectors / sizeof ke_vectors[0]));
	tcase_add_loop_test(t, test_ntp_rule_matrix, 0,
			    (int)(sizeof nts_vectors / sizeof nts_vectors[0]));
	suite_add_tcase(s, t);
	return s;
}
