/* NTS-KE over TLS: record layer, ClientHello/ServerHello, decryption with a key log, key export. */
#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "ke.h"

#define TLS_CCS 20
#define TLS_ALERT 21
#define TLS_HANDSHAKE 22
#define TLS_APPDATA 23
#define TLS_MAX_RECORD (16384 + 256)

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_ENC_EXT 8
#define HS_CERTIFICATE 11
#define HS_BUF_MAX (64 * 1024)
#define HS_FINISHED 20

#define EXT_SNI 0
#define EXT_ALPN 16
#define EXT_VERSIONS 43

struct np_ke *np_ke_new(const struct np_addr *client, const struct np_addr *server,
			uint64_t frame, const struct timespec *ts)
{
	struct np_ke *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->cli = *client;
	k->srv = *server;
	k->first_frame = frame;
	k->t_start = *ts;
	k->alert[0] = k->alert[1] = -1;
	k->keys = -1;
	return k;
}

static void np_ke_free(struct np_ke *k)
{
	for (int d = 0; d < 2; d++) {
		np_tls13_dir_free(k->hs[d]);
		np_tls13_dir_free(k->app[d]);
		free(k->msg[d]);
		free(k->hs_buf[d]);
	}
	memset(k->exporter, 0, sizeof k->exporter);
	free(k);
}

void np_ke_gap(struct np_ke *k, int dir)
{
	if (k)
		k->gap[dir] = true;
}

void np_ke_cut(struct np_ke *k, unsigned snaplen)
{
	if (k && !k->cut)
		k->cut = snaplen ? snaplen : 1;
}

/* A lenient look at the first segment of a connection: a TLS handshake
 * record holding a ClientHello whose ALPN extension lists "ntske/1". A
 * ClientHello longer than the segment is read as far as it goes. */
bool np_ke_is_ntske_hello(const uint8_t *p, size_t n)
{
	struct nts_rd r, ext, e;
	uint8_t type, sid, comp, l3[3];
	uint16_t len, ver, suites, total, et, el, list;
	if (n < 9 || p[0] != TLS_HANDSHAKE || p[1] != 3 || p[5] != HS_CLIENT_HELLO)
		return false;
	nts_rd_init(&r, p + 5, n - 5);
	if (!(nts_rd_u8(&r, &type) && nts_rd_bytes(&r, l3, 3) && nts_rd_u16(&r, &ver) &&
	      nts_rd_skip(&r, 32) && nts_rd_u8(&r, &sid) && nts_rd_skip(&r, sid) &&
	      nts_rd_u16(&r, &suites) && nts_rd_skip(&r, suites) && nts_rd_u8(&r, &comp) &&
	      nts_rd_skip(&r, comp) && nts_rd_u16(&r, &total)))
		return false;
	size_t have = nts_rd_left(&r);
	if (!nts_rd_sub(&r, total < have ? total : have, &ext))
		return false;
	while (nts_rd_u16(&ext, &et) && nts_rd_u16(&ext, &el) && nts_rd_sub(&ext, el, &e)) {
		if (et != EXT_ALPN)
			continue;
		uint8_t l;
		const uint8_t *name;
		if (!nts_rd_u16(&e, &list))
			return false;
		(void)len;
		while (nts_rd_u8(&e, &l) && nts_rd_view(&e, l, &name))
			if (l == strlen(NTSKE_ALPN) && memcmp(name, NTSKE_ALPN, l) == 0)
				return true;
		return false;
	}
	return false;
}

/* ---- ClientHello / ServerHello / EncryptedExtensions (RFC 8446 section 4) */

static void ext_sni(struct np_ke *k, struct nts_rd *e)
{
	uint16_t list, nlen;
	uint8_t type;
	const uint8_t *name;
	if (nts_rd_u16(e, &list) && nts_rd_u8(e, &type) && type == 0 && nts_rd_u16(e, &nlen) &&
	    nts_rd_view(e, nlen, &name)) {
		snprintf(k->sni, sizeof k->sni, "%.*s", (int)nlen, (const char *)name);
		np_printable(k->sni);
	}
}

static void ext_alpn(char *out, size_t outlen, struct nts_rd *e)
{
	uint16_t list;
	uint8_t l;
	const uint8_t *p;
	size_t o = 0;
	if (!nts_rd_u16(e, &list))
		return;
	while (nts_rd_u8(e, &l) && nts_rd_view(e, l, &p) && o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "%s%.*s", o ? "," : "", (int)l,
				      (const char *)p);
	np_printable(out);
}

static void extensions(struct np_ke *k, struct nts_rd *r, int hs_type)
{
	uint16_t total, type, len;
	struct nts_rd all, e;
	if (!nts_rd_u16(r, &total) || !nts_rd_sub(r, total, &all))
		return;
	while (nts_rd_u16(&all, &type) && nts_rd_u16(&all, &len) && nts_rd_sub(&all, len, &e)) {
		if (type == EXT_SNI && hs_type == HS_CLIENT_HELLO)
			ext_sni(k, &e);
		else if (type == EXT_ALPN && hs_type == HS_CLIENT_HELLO)
			ext_alpn(k->alpn, sizeof k->alpn, &e);
		else if (type == EXT_ALPN && hs_type == HS_ENC_EXT)
			ext_alpn(k->alpn_sel, sizeof k->alpn_sel, &e);
		else if (type == EXT_VERSIONS && hs_type == HS_CLIENT_HELLO) {
			uint8_t l;
			uint16_t v;
			if (nts_rd_u8(&e, &l))
				for (unsigned i = 0; i < l / 2u && nts_rd_u16(&e, &v); i++)
					if (k->nversions < 8)
						k->versions[k->nversions++] = v;
		} else if (type == EXT_VERSIONS && hs_type == HS_SERVER_HELLO) {
			nts_rd_u16(&e, &k->version);
		}
	}
}

/* HelloRetryRequest carries this fixed "random" (RFC 8446 section 4.1.3). */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static void keys_from_log(struct np_ctx *c, struct np_ke *k);

static void hello(struct np_ctx *c, struct np_ke *k, int type, struct nts_rd *r)
{
	uint16_t ver, suites;
	uint8_t sid;
	const uint8_t *rnd;
	if (!(nts_rd_u16(r, &ver) && nts_rd_view(r, 32, &rnd) && nts_rd_u8(r, &sid) &&
	      nts_rd_skip(r, sid))) {
		k->bad[type == HS_SERVER_HELLO] = true;
		return;
	}
	if (type == HS_CLIENT_HELLO) {
		uint8_t comp;
		k->have_ch = true;
		k->t_ch = c->ts;
		memcpy(k->random, rnd, 32);
		if (!(nts_rd_u16(r, &suites) && nts_rd_skip(r, suites) && nts_rd_u8(r, &comp) &&
		      nts_rd_skip(r, comp)))
			return;
		extensions(k, r, type);
		return;
	}
	if (memcmp(rnd, hrr_random, 32) == 0) {
		k->hrr = true;   /* the real ServerHello follows a second ClientHello */
		return;
	}
	k->have_sh = true;
	k->t_sh = c->ts;
	k->version = ver;
	if (!(nts_rd_u16(r, &k->suite) && nts_rd_skip(r, 1)))
		return;
	extensions(k, r, type);
	keys_from_log(c, k);
}

/* TLS 1.3 Certificate (RFC 8446 section 4.4.2): request context, then the
 * list; the first entry is the server's own certificate. */
static void certificate(struct np_ke *k, struct nts_rd *r)
{
	uint8_t ctx, l3[3];
	const uint8_t *der;
	if (k->have_cert || !(nts_rd_u8(r, &ctx) && nts_rd_skip(r, ctx) && nts_rd_bytes(r, l3, 3) &&
			      nts_rd_bytes(r, l3, 3)))
		return;
	size_t len = (size_t)l3[0] << 16 | (size_t)l3[1] << 8 | l3[2];
	if (nts_rd_view(r, len, &der) && np_tls13_cert_info(der, len, &k->cert) == NTS_OK)
		k->have_cert = true;
}

/* Handshake messages in one record (plaintext or decrypted). */
static void handshake(struct np_ctx *c, struct np_ke *k, int dir, const uint8_t *p, size_t n)
{
	struct nts_rd r, body;
	uint8_t type;
	uint8_t l3[3];
	nts_rd_init(&r, p, n);
	while (nts_rd_u8(&r, &type) && nts_rd_bytes(&r, l3, 3)) {
		size_t len = (size_t)l3[0] << 16 | (size_t)l3[1] << 8 | l3[2];
		if (!nts_rd_sub(&r, len, &body))
			return;   /* spans records: only its start was here */
		if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO)
			hello(c, k, type, &body);
		else if (type == HS_ENC_EXT)
			extensions(k, &body, type);
		else if (type == HS_CERTIFICATE && dir == 1)
			certificate(k, &body);
		else if (type == HS_FINISHED)
			k->t_fin[dir] = c->ts;
	}
}

/* ---- decryption */

/* Idempotent: makes whatever decryptors and secrets are still missing, so
 * it can be called again when a live program has written more of its log. */
static void keys_from_log(struct np_ctx *c, struct np_ke *k)
{
	if (!k->have_sh || !np_tls13_suite_supported(k->suite))
		return;
	const struct np_secrets *s = np_keylog_find(c->keylog, k->random);
	if (!s)
		return;
	k->keylog_hit = true;
	static const int hs[2] = { NP_S_CHTS, NP_S_SHTS }, app[2] = { NP_S_CTS0, NP_S_STS0 };
	for (int d = 0; d < 2; d++) {
		if (!k->hs[d] && s->len[hs[d]])
			np_tls13_dir_new(k->suite, s->s[hs[d]], s->len[hs[d]], &k->hs[d]);
		if (!k->app[d] && s->len[app[d]])
			np_tls13_dir_new(k->suite, s->s[app[d]], s->len[app[d]], &k->app[d]);
	}
	if (!k->exporter_len && s->len[NP_S_EXPORTER]) {
		k->exporter_len = s->len[NP_S_EXPORTER];
		memcpy(k->exporter, s->s[NP_S_EXPORTER], k->exporter_len);
	}
}

static void app_data(struct np_ke *k, int dir, const uint8_t *p, size_t n)
{
	if (!k->msg[dir] && !(k->msg[dir] = malloc(NP_KE_MSG_MAX)))
		return;
	if (k->msg_len[dir] + n > NP_KE_MSG_MAX) {
		k->msg_over[dir] = true;
		n = NP_KE_MSG_MAX - k->msg_len[dir];
	}
	memcpy(k->msg[dir] + k->msg_len[dir], p, n);
	k->msg_len[dir] += n;
}

static void export_keys(struct np_ctx *c, struct np_ke *k);
static void follow(struct np_ctx *c, struct np_ke *k);

/* Encrypted handshake messages may span records (a certificate chain
 * often does): gather them, then walk the whole messages. */
static void enc_handshake(struct np_ctx *c, struct np_ke *k, int dir, const uint8_t *p, size_t n)
{
	if (k->hs_len[dir] + n > HS_BUF_MAX)
		return;
	if (!k->hs_buf[dir] && !(k->hs_buf[dir] = malloc(HS_BUF_MAX)))
		return;
	memcpy(k->hs_buf[dir] + k->hs_len[dir], p, n);
	k->hs_len[dir] += n;
	size_t used = 0;
	uint8_t *b = k->hs_buf[dir];
	while (k->hs_len[dir] - used >= 4) {
		size_t len = (size_t)b[used + 1] << 16 | (size_t)b[used + 2] << 8 | b[used + 3];
		if (k->hs_len[dir] - used - 4 < len)
			break;
		handshake(c, k, dir, b + used, 4 + len);
		used += 4 + len;
	}
	memmove(b, b + used, k->hs_len[dir] - used);
	k->hs_len[dir] -= used;
}

static void encrypted(struct np_ctx *c, struct np_ke *k, int dir, const uint8_t *hdr,
		      const uint8_t *ct, size_t n)
{
	static uint8_t pt[TLS_MAX_RECORD];
	size_t len;
	uint8_t type;
	k->enc_records[dir]++;
	if (!k->t_app[dir].tv_sec && k->have_sh)
		k->t_app[dir] = c->ts;
	int rc = NTS_E_AEAD_VERIFY;
	if (c->keylog && (!k->app[dir] || !k->exporter_len))
		keys_from_log(c, k);
	if (!k->app_on[dir] && k->hs[dir] &&
	    np_tls13_open(k->hs[dir], hdr, ct, n, pt, sizeof pt, &len, &type) == NTS_OK) {
		k->decrypted[dir]++;
		if (type == TLS_HANDSHAKE)
			enc_handshake(c, k, dir, pt, len);
		return;
	}
	/* the first record the application keys open ends the handshake;
	 * without handshake secrets, handshake records simply fail here */
	if (k->app[dir])
		rc = np_tls13_open(k->app[dir], hdr, ct, n, pt, sizeof pt, &len, &type);
	if (rc != NTS_OK)
		return;
	k->app_on[dir] = true;
	k->decrypted[dir]++;
	if (type == TLS_APPDATA) {
		size_t ml;
		if (!k->msg_len[dir]) {
			if (dir == 0)
				k->req_frame = c->frame;
			else
				k->resp_frame = c->frame;
		}
		app_data(k, dir, pt, len);
		/* derive keys as soon as the response is whole: the NTP exchanges
		 * may start before the connection closes */
		if (dir == 1 && !k->exported &&
		    ntske_message_complete(k->msg[1], k->msg_len[1], &ml) == 1) {
			np_ke_msg_decode(k->msg[1], k->msg_len[1], true, &k->km[1]);
			export_keys(c, k);
			follow(c, k);
		}
	} else if (type == TLS_ALERT && len >= 2)
		k->alert[dir] = pt[0] << 8 | pt[1];
}

size_t np_ke_stream(struct np_ctx *c, struct np_ke *k, int dir, const uint8_t *p, size_t n)
{
	size_t used = 0;
	if (!k || k->bad[dir])
		return n;
	k->t_last = c->ts;
	/* RFC 8446 section 5.1: type, legacy version, u16 length, fragment */
	while (n - used >= 5) {
		const uint8_t *h = p + used;
		size_t len = nts_get16(h + 3);
		if (h[0] < TLS_CCS || h[0] > TLS_APPDATA || h[1] != 3 || len > TLS_MAX_RECORD) {
			k->bad[dir] = true;   /* not TLS, or we lost sync */
			return n;
		}
		if (n - used < 5 + len)
			break;
		k->records[dir]++;
		if (h[0] == TLS_HANDSHAKE)
			handshake(c, k, dir, h + 5, len);
		else if (h[0] == TLS_ALERT && len >= 2)
			k->alert[dir] = h[5] << 8 | h[6];
		else if (h[0] == TLS_APPDATA)
			encrypted(c, k, dir, h, h + 5, len);
		used += 5 + len;
	}
	return used;
}

/* ---- end of connection: KE records, exported keys */

static void export_keys(struct np_ctx *c, struct np_ke *k)
{
	const struct np_ke_msg *m = &k->km[1];
	if (k->exported)
		return;
	k->exported = true;
	if (!k->exporter_len || m->has_error || m->nprotos != 1 || m->naeads != 1)
		return;
	size_t kl = nts_aead_key_len(m->aeads[0]);
	if (!kl)
		return;
	/* RFC 8915 section 5.1: context = protocol id || AEAD id || 0 (C2S) / 1 (S2C) */
	uint8_t ctx[5];
	nts_put16(ctx, m->protos[0]);
	nts_put16(ctx + 2, m->aeads[0]);
	ctx[4] = 0;
	if (np_tls13_exporter(k->suite, k->exporter, k->exporter_len, NTSKE_EXPORTER_LABEL, ctx, 5,
			      k->c2s, kl))
		return;
	ctx[4] = 1;
	if (np_tls13_exporter(k->suite, k->exporter, k->exporter_len, NTSKE_EXPORTER_LABEL, ctx, 5,
			      k->s2c, kl))
		return;
	k->key_len = kl;
	if (!c)
		return;
	struct np_keys keys = { .aead = m->aeads[0], .key_len = kl };
	memcpy(keys.c2s, k->c2s, kl);
	memcpy(keys.s2c, k->s2c, kl);
	snprintf(keys.origin, sizeof keys.origin, "NTS-KE frame %llu",
		 (unsigned long long)k->first_frame);
	k->keys = np_verify_add_keys(c->ver, &keys);
	for (size_t i = 0; i < m->ncookies && i < NTS_MAX_COOKIES; i++)
		np_verify_bind_cookie(c->ver, m->cookies[i], m->cookie_len[i], k->keys);
}

/* RFC 8915 section 4.1.7 and 4.1.8: the NTP server the KE negotiated (the
 * Server record when it is an address, else the KE server) and its port
 * (the Port record, else 123): follow NTP there whatever the port. */
static void follow(struct np_ctx *c, struct np_ke *k)
{
	const struct np_ke_msg *m = &k->km[1];
	if (!c || k->followed || m->has_error)
		return;
	k->followed = true;
	struct np_addr a = k->srv;
	a.port = m->has_port ? m->port : NTP_PORT;
	if (m->has_server) {
		uint8_t ip[16];
		if (inet_pton(AF_INET, m->server, ip) == 1) {
			a.family = 4;
			memset(a.ip, 0, sizeof a.ip);
			memcpy(a.ip, ip, 4);
		} else if (inet_pton(AF_INET6, m->server, ip) == 1) {
			a.family = 6;
			memcpy(a.ip, ip, 16);
		}
	}
	if (a.port)
		np_learn_ntp(c, &a);
}

void np_ke_finish(struct np_ctx *c, struct np_ke *k)
{
	if (!k)
		return;
	for (int d = 0; d < 2; d++)
		if (k->msg_len[d]) {
			np_ke_msg_decode(k->msg[d], k->msg_len[d], d == 1, &k->km[d]);
			k->findings |= k->km[d].findings;
			k->decoded = true;
		}
	/* a stream the snap length cut is the capture's fault, not the peers' */
	if (k->msg_over[0] || k->msg_over[1] ||
	    (!k->cut && (k->bad[0] || k->bad[1] || k->gap[0] || k->gap[1])))
		k->findings |= 1u << NP_F_MALFORMED;
	if (c) {
		export_keys(c, k);
		if (k->msg_len[1])
			follow(c, k);
		if (k->records[0] || k->records[1])
			c->n_ke_sessions++;
		np_count_findings(c, k->findings);
		/* connections that carried nothing (port probes) are not KE attempts */
		if (k->records[0] || k->records[1])
			np_stats_ke(c->stats, &k->cli, &k->srv, k->km[1].ncookies > 0 ||
				    (k->enc_records[1] > 0 && !k->decoded));
		np_ke_print(c, k);
	}
	np_ke_free(k);
}
