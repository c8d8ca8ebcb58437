/* NTP datagram decoding: header, every extension field, and the NTS fields (RFC 8915 section 5). */
#include <config.h>

#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/nts_ef.h"
#include "nts/rules.h"
#include "np.h"

const char *np_ntp_mode_name(unsigned mode)
{
	static const char *const names[8] = { "reserved", "symmetric-active", "symmetric-passive",
					      "client", "server", "broadcast", "control", "private" };
	return names[mode & 7];
}

void np_refid_str(const struct ntp_hdr *h, char *buf, size_t len)
{
	uint8_t b[4];
	nts_put32(b, h->refid);
	bool ascii = true;
	for (int i = 0; i < 4; i++)
		if (b[i] ? b[i] < 0x20 || b[i] >= 0x7f : (i < 3 && b[i + 1]))
			ascii = false;
	if (h->stratum <= 1 && ascii) {
		/* kiss code or reference source: up to four ASCII letters (RFC 5905 7.3) */
		snprintf(buf, len, "%.4s", (const char *)b);
	} else {
		snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	}
}

/* A fast non-cryptographic 64-bit hash, eight octets a step (loaded with
 * memcpy, never a cast onto the buffer), with a final avalanche so that
 * cookies sharing a key-id prefix still spread over the tables. */
uint64_t np_fp(const uint8_t *p, size_t len)
{
	const uint64_t m = 0x9E3779B97F4A7C15ull;
	uint64_t h = 0x243F6A8885A308D3ull ^ (len * m);
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ le64toh(w)) * m;   /* same fingerprints on every host */
		h ^= h >> 29;
	}
	uint64_t t = 0;
	for (size_t k = 0; i < len; i++, k += 8)
		t |= (uint64_t)p[i] << k;
	h = (h ^ t) * m;
	h ^= h >> 32;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

unsigned np_estimate_cookies(size_t ct_len, size_t cookie_len)
{
	/* plaintext = one Cookie field per returned cookie, each as long as the
	 * one the client sent when the server keeps its cookie size */
	size_t per = 4 + pad4(cookie_len);
	if (ct_len < 16 || cookie_len == 0)
		return 0;
	if (per < NTP_EF_MIN_LEN)
		per = NTP_EF_MIN_LEN;
	return (unsigned)((ct_len - 16) / per);
}

/* Authenticator body (RFC 8915 section 5.6): nonce length, ciphertext
 * length, nonce padded to 4, ciphertext padded to 4, optional padding. */
static int parse_auth(struct np_ntp *n, const struct np_ef *ef)
{
	/* the layout rule is libnts's (nts_rules.c): a nonce under 16 octets
	 * made up by Additional Padding is fine (RFC 8915 section 5.6) */
	size_t no, co;
	enum nts_rule r = nts_rules_auth(ef->body, ef->body_len, &no, &n->nonce_len, &co, &n->ct_len);
	if (r != NTS_R_NONE) {
		n->nonce_len = n->ct_len = 0;
		return nts_rule_get(r)->err;
	}
	n->nonce = ef->body + no;
	n->ct = ef->body + co;
	return NTS_OK;
}

static void np_nts_field(struct np_ntp *n, const struct np_ef *ef, size_t idx)
{
	switch (ef->type) {
	case NTP_EF_UNIQUE_ID:
		n->nts = true;
		if (n->nuid++ == 0) {
			n->uid = ef->body;
			n->uid_len = ef->body_len;
		}
		break;
	case NTP_EF_NTS_COOKIE:
		n->nts = true;
		if (n->ncookies++ == 0) {
			n->cookie = ef->body;
			n->cookie_len = ef->body_len;
		}
		break;
	case NTP_EF_NTS_PLACEHOLDER:
		n->nts = true;
		n->nplaceholders++;
		break;
	case NTP_EF_NTS_AUTH:
		n->nts = true;
		if (n->nauth++ == 0) {
			n->auth_index = idx;
			n->auth_offset = ef->offset;
			n->auth_err = parse_auth(n, ef);
		}
		break;
	default:
		break;
	}
}

static void walk(struct np_ntp *n)
{
	struct ntp_ef_iter it;
	struct ntp_ef e;
	int rc;
	ntp_ef_iter_init(&it, n->pkt, n->len, NTP_HEADER_LEN);
	/* bounded: every field is at least 16 octets of a packet we hold */
	while ((rc = ntp_ef_next(&it, &e)) == 1) {
		if (n->nef >= NP_MAX_EF) {
			n->ef_dropped++;
			continue;
		}
		struct np_ef *ef = &n->ef[n->nef];
		ef->type = e.type;
		ef->len = e.len;
		ef->offset = e.offset;
		ef->body = e.body;
		ef->body_len = e.body_len;
		if (n->nauth)
			n->auth_not_last = true;
		np_nts_field(n, ef, n->nef);
		n->nef++;
	}
	if (rc < 0) {
		n->walk_err = rc;
		n->walk_err_off = it.pos;
		n->findings |= 1u << NP_F_MALFORMED;
		/* a broken (or cut) field whose type still shows */
		if (it.pos + 2 <= n->len) {
			uint16_t t = nts_get16(n->pkt + it.pos);
			n->broken_nts = t == NTP_EF_UNIQUE_ID || t == NTP_EF_NTS_COOKIE ||
					t == NTP_EF_NTS_PLACEHOLDER || t == NTP_EF_NTS_AUTH;
		}
	}
	if (it.mac) {
		n->mac = true;
		n->mac_len = n->len - it.mac_offset;
		if (n->nauth)
			n->auth_not_last = true;   /* a MAC after the authenticator is a field it does not cover */
	}
}

unsigned np_ntp_nts_shape(const uint8_t *pkt, size_t len)
{
	if (len < NTP_HEADER_LEN + NTP_EF_MIN_LEN || ((pkt[0] >> 3) & 7) != 4)
		return 0;
	unsigned mode = pkt[0] & 7;
	if (mode != NTP_MODE_CLIENT && mode != NTP_MODE_SERVER)
		return 0;
	struct ntp_ef_iter it;
	struct ntp_ef e;
	int rc;
	bool uid = false;
	ntp_ef_iter_init(&it, pkt, len, NTP_HEADER_LEN);
	/* bounded: each field is at least 16 octets of the datagram */
	while ((rc = ntp_ef_next(&it, &e)) == 1)
		if (e.type == NTP_EF_UNIQUE_ID)
			uid = true;
	/* every NTS packet (request, response, NAK) has a Unique Identifier */
	return rc == 0 && !it.mac && uid ? mode : 0;
}

void np_ntp_decode(const uint8_t *pkt, size_t len, struct np_ntp *n)
{
	/* the field array is read only up to nef: clearing it per packet
	 * would cost more than the decoding */
	memset(n, 0, offsetof(struct np_ntp, ef));
	n->pkt = pkt;
	n->len = len;
	/* mode 6/7 (RFC 9327 control, ntpdc private) have a 12-octet header and
	 * no extension fields: show the first octet, not a short-packet error */
	if (len >= 1 && ((pkt[0] & 7) == NTP_MODE_CONTROL || (pkt[0] & 7) == NTP_MODE_PRIVATE)) {
		n->control = true;
		n->hdr.leap = pkt[0] >> 6;
		n->hdr.version = (pkt[0] >> 3) & 7;
		n->hdr.mode = pkt[0] & 7;
		return;
	}
	n->hdr_err = ntp_hdr_parse(pkt, len, &n->hdr);
	if (n->hdr_err) {
		n->findings |= 1u << NP_F_MALFORMED;
		return;
	}
	walk(n);
	/* the RFC 8915 section 5 rules are libnts's (nts_rules.c): its
	 * walker reports each, and they are named here for operators */
	struct nts_rules_report rep;
	nts_rules_ntp(pkt, len, &rep);
	n->findings |= np_findings_of_ntp(&rep, n->hdr.mode == NTP_MODE_CLIENT);
	n->placeholder_len_bad = nts_rules_has(&rep, NTS_R_NTS_PLACEHOLDER_SIZE);
	if (n->uid)
		n->uid_hash = np_fp(n->uid, n->uid_len);
	n->nak = n->hdr.mode == NTP_MODE_SERVER && n->hdr.stratum == 0 &&
		 n->hdr.refid == NTP_REFID_NTSN;
}
