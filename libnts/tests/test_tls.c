/* Unit tests: tls (client and server sessions over a socketpair, certificates made here). */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "common/keylog.h"
#include "common/tls_fd.h"
#include "common/tlscreds.h"
#include "nts/aead.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/tls.h"
#include "suites.h"

/* ---- a throwaway PKI made with GnuTLS's x509 API */

static char pki[4096];

static const char *pki_file(const char *name)
{
	static char path[4][4200];
	static unsigned next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", pki, name);
	return p;
}

static gnutls_x509_privkey_t new_key(void)
{
	gnutls_x509_privkey_t k;
	ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	return k;
}

static gnutls_x509_crt_t new_crt(gnutls_x509_privkey_t key, const char *cn, time_t from,
				 time_t to, unsigned serial)
{
	gnutls_x509_crt_t c;
	uint8_t ser[2] = {(uint8_t)(serial >> 8), (uint8_t)serial};
	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c, 3), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_serial(c, ser, sizeof ser), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(c, from), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(c, to), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						       (unsigned)strlen(cn)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(c, key), 0);
	return c;
}

static void write_pem(const char *name, const gnutls_datum_t *d)
{
	FILE *f = fopen(pki_file(name), "w");
	ck_assert(f != NULL);
	ck_assert_uint_eq(fwrite(d->data, 1, d->size, f), d->size);
	fclose(f);
}

static void save_crt(const char *name, gnutls_x509_crt_t c)
{
	gnutls_datum_t d;
	ck_assert_int_eq(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d), 0);
	write_pem(name, &d);
	gnutls_free(d.data);
}

static void save_key(const char *name, gnutls_x509_privkey_t k)
{
	gnutls_datum_t d;
	ck_assert_int_eq(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &d), 0);
	write_pem(name, &d);
	gnutls_free(d.data);
}

static void make_ca(const char *name, const char *cn, gnutls_x509_crt_t *crt,
		    gnutls_x509_privkey_t *key)
{
	time_t now = time(NULL);
	*key = new_key();
	*crt = new_crt(*key, cn, now - 3600, now + 86400 * 30, 1);
	ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(*crt, 1, -1), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key_usage(*crt, GNUTLS_KEY_KEY_CERT_SIGN), 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(*crt, *crt, *key, GNUTLS_DIG_SHA256, 0), 0);
	save_crt(name, *crt);
}

/* A server certificate for localhost and 127.0.0.1 signed by the CA. */
static void make_leaf(const char *base, gnutls_x509_crt_t ca, gnutls_x509_privkey_t cakey,
		      time_t from, time_t to, unsigned serial)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};
	gnutls_x509_privkey_t k = new_key();
	gnutls_x509_crt_t c = new_crt(k, "localhost", from, to, serial);
	ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, "localhost", 9,
							      GNUTLS_FSAN_APPEND), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, lo, 4,
							      GNUTLS_FSAN_APPEND), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(c, 0, -1), 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(c, ca, cakey, GNUTLS_DIG_SHA256, 0), 0);
	char name[64];
	snprintf(name, sizeof name, "%s.pem", base);
	save_crt(name, c);
	snprintf(name, sizeof name, "%s.key", base);
	save_key(name, k);
	gnutls_x509_crt_deinit(c);
	gnutls_x509_privkey_deinit(k);
}

/* Files: ca.pem, server.pem/.key, expired.pem/.key, other-ca.pem. */
static void pki_setup(void)
{
	snprintf(pki, sizeof pki, "%s", tv_tmpdir());
	gnutls_x509_crt_t ca, other;
	gnutls_x509_privkey_t cakey, otherkey;
	make_ca("ca.pem", "NTS test CA", &ca, &cakey);
	make_ca("other-ca.pem", "Unrelated CA", &other, &otherkey);
	time_t now = time(NULL);
	make_leaf("server", ca, cakey, now - 3600, now + 86400 * 10, 2);
	make_leaf("expired", ca, cakey, now - 86400 * 10, now - 86400, 3);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(other);
	gnutls_x509_privkey_deinit(cakey);
	gnutls_x509_privkey_deinit(otherkey);
}

/* ---- one handshake between our client and our server, in two threads */

struct side {
	int fd;
	bool server;
	const char *cert, *key, *ca;
	struct nts_tls_client_opts opts;
	int creds_rc, rc;
	uint8_t c2s15[32], s2c15[32], c2s17[64], s2c17[64];
	struct nts_tls_info info;
	struct nts_tls_verify verify;
	size_t nchain;
	struct nts_tls_cert chain[NTS_TLS_MAX_CHAIN];
	char err[256];
};

static void *side_run(void *arg)
{
	struct side *s = arg;
	struct nts_tls_creds *creds = NULL;
	struct nts_tls *t = NULL;
	s->creds_rc = s->server ? tlscreds_server(s->cert, s->key, &creds, s->err, sizeof s->err)
				: tlscreds_client(s->ca, &creds, s->err, sizeof s->err);
	s->rc = s->creds_rc;
	if (s->rc == NTS_OK)
		s->rc = s->server ? nts_tls_server_new(creds, tls_fd_transport(s->fd), &t)
				  : nts_tls_client_new(creds, tls_fd_transport(s->fd), &s->opts, &t);
	for (int i = 0; s->rc == NTS_OK && i < 10000; i++) {
		s->rc = nts_tls_handshake(t);
		if (s->rc != NTS_E_TLS_AGAIN)
			break;
		usleep(1000);
	}
	if (t) {
		snprintf(s->err, sizeof s->err, "%s", nts_tls_error(t));
		nts_tls_get_info(t, &s->info);
		nts_tls_get_verify(t, &s->verify);
		s->nchain = nts_tls_peer_chain(t, s->chain, NTS_TLS_MAX_CHAIN);
	}
	if (s->rc == NTS_OK) {
		ck_assert_int_eq(nts_tls_export_keys(t, 0, 15, s->c2s15, s->s2c15, 32), NTS_OK);
		ck_assert_int_eq(nts_tls_export_keys(t, 0, 17, s->c2s17, s->s2c17, 64), NTS_OK);
		/* one round trip of application data proves the keys on the wire
		 * (a client offering another ALPN is refused: nothing to send) */
		char buf[8] = "ping";
		if (s->opts.alpn) {
			/* nothing */
		} else if (s->server) {
			long n = 0;
			for (int i = 0; i < 5000 && (n = nts_tls_recv(t, buf, sizeof buf)) == NTS_E_TLS_AGAIN; i++)
				usleep(1000);
			ck_assert_int_eq(n, 4);
			ck_assert_int_eq(nts_tls_send(t, "pong", 4), 4);
		} else {
			ck_assert_int_eq(nts_tls_send(t, buf, 4), 4);
			long n = 0;
			for (int i = 0; i < 5000 && (n = nts_tls_recv(t, buf, sizeof buf)) == NTS_E_TLS_AGAIN; i++)
				usleep(1000);
			ck_assert_int_eq(n, 4);
			ck_assert(memcmp(buf, "pong", 4) == 0);
		}
		nts_tls_bye(t);
	}
	nts_tls_free(t);
	nts_tls_creds_free(creds);
	close(s->fd);
	return NULL;
}

static void run_pair(struct side *cli, struct side *srv)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cli->fd = sv[0];
	srv->fd = sv[1];
	srv->server = true;
	if (!srv->cert)
		srv->cert = pki_file("server.pem");
	if (!srv->key)
		srv->key = pki_file("server.key");
	if (!cli->ca)
		cli->ca = pki_file("ca.pem");
	pthread_t a, b;
	ck_assert_int_eq(pthread_create(&a, NULL, side_run, srv), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, side_run, cli), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static struct side client_side(const char *sni, bool verify)
{
	struct side s = {0};
	s.opts.sni = sni;
	s.opts.verify = verify;
	return s;
}

START_TEST(handshake_ok)
{
	struct side cli = client_side("localhost", true), srv = {0};
	run_pair(&cli, &srv);
	ck_assert_msg(srv.rc == NTS_OK, "server: %s (%s)", nts_errname(srv.rc), srv.err);
	ck_assert_msg(cli.rc == NTS_OK, "client: %s (%s)", nts_errname(cli.rc), cli.err);
	ck_assert_str_eq(cli.info.alpn, NTSKE_ALPN);
	ck_assert_str_eq(srv.info.alpn, NTSKE_ALPN);
	ck_assert_str_eq(cli.info.version, "TLS1.3");
	ck_assert(cli.info.cipher[0] && cli.info.group[0]);
	/* the server's cheaper choices win (server precedence) */
	ck_assert_str_eq(srv.info.group, "X25519");
	ck_assert_str_eq(cli.info.group, "X25519");
	ck_assert_msg(strncmp(cli.info.cipher, "AES-128-GCM", 11) == 0, "cipher %s", cli.info.cipher);
	ck_assert(cli.verify.checked);
	ck_assert_uint_eq(cli.verify.flags, 0);
	ck_assert_str_eq(cli.verify.name, "localhost");
}
END_TEST

START_TEST(exporter_keys)
{
	struct side cli = client_side("localhost", true), srv = {0};
	run_pair(&cli, &srv);
	ck_assert_int_eq(srv.rc, NTS_OK);
	ck_assert_int_eq(cli.rc, NTS_OK);
	/* both ends derive the same keys (RFC 8915 section 5.1) */
	ck_assert(memcmp(cli.c2s15, srv.c2s15, 32) == 0);
	ck_assert(memcmp(cli.s2c15, srv.s2c15, 32) == 0);
	ck_assert(memcmp(cli.c2s17, srv.c2s17, 64) == 0);
	ck_assert(memcmp(cli.s2c17, srv.s2c17, 64) == 0);
	/* ... which differ by direction and by AEAD id in the context */
	ck_assert(memcmp(cli.c2s15, cli.s2c15, 32) != 0);
	ck_assert(memcmp(cli.c2s17, cli.s2c17, 64) != 0);
	ck_assert(memcmp(cli.c2s15, cli.c2s17, 32) != 0);
	ck_assert(memcmp(cli.s2c15, cli.s2c17, 32) != 0);
}
END_TEST

START_TEST(exporter_bad_args)
{
	uint8_t k[32];
	ck_assert_int_eq(nts_tls_export_keys(NULL, 0, 15, k, k, 32), NTS_E_INVAL);
	ck_assert_int_eq(nts_tls_export_keys(NULL, 0, 15, k, k, 32), NTS_E_INVAL);
}
END_TEST

/* Table of refusals: what the client offers and what each side must see. */
static const struct refusal {
	const char *name;
	const char *alpn;
	bool tls12;
	int server_rc;
} refusals[] = {
	{"no ALPN", "", false, NTS_E_TLS_ALPN},
	{"wrong ALPN", "http/1.1", false, NTS_E_TLS_ALPN},
	{"TLS 1.2 only", NULL, true, 0},   /* 0: any failure */
};

START_TEST(server_refuses)
{
	const struct refusal *r = &refusals[_i];
	struct side cli = client_side("localhost", true), srv = {0};
	cli.opts.alpn = r->alpn;
	cli.opts.tls12_only = r->tls12;
	run_pair(&cli, &srv);
	ck_assert_msg(r->server_rc ? srv.rc == r->server_rc : srv.rc != NTS_OK,
		      "%s: server got %s (%s)", r->name, nts_errname(srv.rc), srv.err);
	/* the client is never left believing it has an NTS-KE session */
	if (cli.rc == NTS_OK)
		ck_assert_str_ne(cli.info.alpn, NTSKE_ALPN);
	if (r->tls12)
		ck_assert_msg(cli.rc != NTS_OK, "client got %s (%s)", nts_errname(cli.rc), cli.err);
}
END_TEST

START_TEST(unknown_ca_reported)
{
	struct side cli = client_side("localhost", true), srv = {0};
	cli.ca = pki_file("other-ca.pem");
	run_pair(&cli, &srv);
	ck_assert_msg(cli.rc == NTS_E_TLS_CERT, "client got %s", nts_errname(cli.rc));
	ck_assert(srv.rc != NTS_OK);
	ck_assert(cli.verify.checked);
	ck_assert(cli.verify.flags & NTS_TLS_V_UNKNOWN_ISSUER);
	ck_assert(strstr(cli.err, "unknown issuer") != NULL);
	/* the chain is still there to report */
	ck_assert_uint_ge(cli.nchain, 1);
	ck_assert(strstr(cli.chain[0].subject, "CN=localhost") != NULL);
}
END_TEST

/* With verify off the handshake completes and the reason is still known. */
static const struct insecure_case {
	const char *sni;
	const char *ca;
	const char *cert;
	unsigned flag;
} insecure_cases[] = {
	{"localhost", "other-ca.pem", "server", NTS_TLS_V_UNKNOWN_ISSUER},
	{"other.invalid", "ca.pem", "server", NTS_TLS_V_NAME_MISMATCH},
	{"localhost", "ca.pem", "expired", NTS_TLS_V_EXPIRED},
	{"127.0.0.1", "ca.pem", "server", 0},
	{"127.0.0.2", "ca.pem", "server", NTS_TLS_V_NAME_MISMATCH},
};

START_TEST(insecure_reports_reason)
{
	const struct insecure_case *c = &insecure_cases[_i];
	char cert[64], key[64];
	snprintf(cert, sizeof cert, "%s.pem", c->cert);
	snprintf(key, sizeof key, "%s.key", c->cert);
	struct side cli = client_side(c->sni, false), srv = {0};
	cli.ca = pki_file(c->ca);
	srv.cert = pki_file(cert);
	srv.key = pki_file(key);
	run_pair(&cli, &srv);
	ck_assert_msg(cli.rc == NTS_OK, "client: %s (%s)", nts_errname(cli.rc), cli.err);
	ck_assert(cli.verify.checked);
	char words[128];
	ck_assert_msg(cli.verify.flags == c->flag, "%s: got %s", c->sni,
		      nts_tls_verify_str(cli.verify.flags, words, sizeof words));
	/* and with verify on the same case fails with NTS_E_TLS_CERT unless ok */
	struct side cli2 = client_side(c->sni, true), srv2 = {0};
	cli2.ca = pki_file(c->ca);
	srv2.cert = srv.cert;
	srv2.key = srv.key;
	run_pair(&cli2, &srv2);
	ck_assert_int_eq(cli2.rc, c->flag ? NTS_E_TLS_CERT : NTS_OK);
	ck_assert_uint_eq(cli2.verify.flags, c->flag);
}
END_TEST

START_TEST(peer_chain_details)
{
	struct side cli = client_side("localhost", true), srv = {0};
	run_pair(&cli, &srv);
	ck_assert_int_eq(cli.rc, NTS_OK);
	ck_assert_uint_eq(cli.nchain, 1);
	const struct nts_tls_cert *c = &cli.chain[0];
	ck_assert_str_eq(c->subject, "CN=localhost");
	ck_assert_str_eq(c->issuer, "CN=NTS test CA");
	ck_assert_uint_eq(c->nsans, 2);
	ck_assert_str_eq(c->sans[0], "DNS:localhost");
	ck_assert_str_eq(c->sans[1], "IP:127.0.0.1");
	ck_assert_uint_eq(c->key_bits, 256);
	ck_assert(strncmp(c->key_type, "ECDSA", 5) == 0);
	ck_assert(c->not_after > c->not_before);
	ck_assert(c->not_after > time(NULL));
	ck_assert_uint_eq(strlen(c->sha256), 64);
	ck_assert(!c->is_ca);
}
END_TEST

START_TEST(keylog_written)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/keylog.txt", pki);
	unlink(path);
	struct side cli = client_side("localhost", true), srv = {0};
	cli.opts.keylog = keylog_append;
	cli.opts.keylog_ctx = path;
	run_pair(&cli, &srv);
	ck_assert_int_eq(cli.rc, NTS_OK);
	/* the log holds secrets: never readable by others, whatever the umask */
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	char line[512], label[64], cr[128], sec[256];
	int lines = 0, traffic = 0;
	while (fgets(line, sizeof line, f)) {
		ck_assert_int_eq(sscanf(line, "%63s %127s %255s", label, cr, sec), 3);
		ck_assert_uint_eq(strlen(cr), 64);
		ck_assert_uint_ge(strlen(sec), 64);
		if (strcmp(label, "CLIENT_TRAFFIC_SECRET_0") == 0 ||
		    strcmp(label, "SERVER_TRAFFIC_SECRET_0") == 0)
			traffic++;
		lines++;
	}
	fclose(f);
	ck_assert_int_ge(lines, 4);
	ck_assert_int_eq(traffic, 2);
}
END_TEST

START_TEST(creds_errors_name_file)
{
	struct nts_tls_creds *c = NULL;
	char err[256] = "";
	char missing[4200];
	snprintf(missing, sizeof missing, "%s", pki_file("missing.pem"));
	ck_assert_int_eq(tlscreds_server(missing, pki_file("server.key"), &c, err, sizeof err),
			 NTS_E_IO);
	ck_assert(strstr(err, "missing.pem") != NULL);
	/* a key where the certificate belongs */
	ck_assert_int_eq(tlscreds_server(pki_file("server.key"), pki_file("server.key"), &c,
						  err, sizeof err), NTS_E_CONF);
	ck_assert(strstr(err, "server.key") != NULL);
	/* certificate and key that do not belong together */
	ck_assert_int_eq(tlscreds_server(pki_file("server.pem"), pki_file("expired.key"), &c,
						  err, sizeof err), NTS_E_CONF);
	ck_assert(strstr(err, "server.pem") != NULL);
	ck_assert(c == NULL);
	ck_assert_int_eq(tlscreds_client(missing, &c, err, sizeof err), NTS_E_IO);
	ck_assert(strstr(err, "missing.pem") != NULL);
	ck_assert_int_eq(tlscreds_client(pki_file("server.key"), &c, err, sizeof err),
			 NTS_E_CONF);
	/* a directory of CA files works */
	ck_assert_int_eq(tlscreds_client(pki, &c, err, sizeof err), NTS_OK);
	nts_tls_creds_free(c);
	/* libnts takes bytes: PEM text without a certificate is refused by name */
	const char junk[] = "-----BEGIN NOTHING-----\nabcd\n-----END NOTHING-----\n";
	struct nts_tls_pem pem = {(const uint8_t *)junk, sizeof junk - 1, "junk.pem"};
	c = NULL;
	ck_assert_int_eq(nts_tls_client_creds_from_pem(&pem, &c, err, sizeof err), NTS_E_CONF);
	ck_assert(strstr(err, "junk.pem") != NULL);
	ck_assert(c == NULL);
	/* the system store is the distribution's bundle, read by the program */
	struct stat st;
	if (stat("/etc/ssl/certs/ca-certificates.crt", &st) == 0) {
		ck_assert_int_eq(tlscreds_client(NULL, &c, err, sizeof err), NTS_OK);
		nts_tls_creds_free(c);
	}
}
END_TEST

START_TEST(verify_words)
{
	char buf[128];
	ck_assert_str_eq(nts_tls_verify_str(0, buf, sizeof buf), "ok");
	ck_assert_str_eq(nts_tls_verify_str(NTS_TLS_V_EXPIRED | NTS_TLS_V_NAME_MISMATCH, buf,
					    sizeof buf), "expired, name mismatch");
	ck_assert_str_eq(nts_tls_verify_str(NTS_TLS_V_UNKNOWN_ISSUER, buf, sizeof buf),
			 "unknown issuer");
	char small[10];
	nts_tls_verify_str(NTS_TLS_V_EXPIRED | NTS_TLS_V_NOT_YET_VALID, small, sizeof small);
	ck_assert_str_eq(small, "expired");
}
END_TEST

Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");
	tcase_add_unchecked_fixture(tc, pki_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, handshake_ok);
	tcase_add_test(tc, exporter_keys);
	tcase_add_test(tc, exporter_bad_args);
	tcase_add_loop_test(tc, server_refuses, 0, sizeof refusals / sizeof refusals[0]);
	tcase_add_test(tc, unknown_ca_reported);
	tcase_add_loop_test(tc, insecure_reports_reason, 0,
			    sizeof insecure_cases / sizeof insecure_cases[0]);
	tcase_add_test(tc, peer_chain_details);
	tcase_add_test(tc, keylog_written);
	tcase_add_test(tc, creds_errors_name_file);
	tcase_add_test(tc, verify_words);
	suite_add_tcase(s, tc);
	return s;
}
