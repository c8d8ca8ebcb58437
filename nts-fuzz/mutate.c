/* nts-fuzz: seeded mutations of NTS-KE record sequences (critical-bit flips,
 * wrong lengths, unknown types, duplicates, truncation, reordering, floods)
 * and of structured NTS request cases. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "netfuzz.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "nts/ntske.h"

#define MAX_RECS 2200
#define MAX_BODY 600

struct krec {
	bool crit;
	uint16_t type;
	int len_override;     /* -1: the real body length */
	uint16_t blen;
	uint8_t body[MAX_BODY];
};

struct kmsg {
	size_t n;
	struct krec r[MAX_RECS];
};

static char last_ops[128];

const char *netfuzz_mutation_name(void)
{
	return last_ops;
}

static void note(const char *op)
{
	size_t l = strlen(last_ops);
	snprintf(last_ops + l, sizeof last_ops - l, "%s%s", l ? "+" : "", op);
}

static void add(struct kmsg *m, bool crit, uint16_t type, const void *body, size_t blen)
{
	if (m->n >= MAX_RECS)
		return;
	struct krec *k = &m->r[m->n++];
	k->crit = crit;
	k->type = type & 0x7fff;
	k->len_override = -1;
	k->blen = (uint16_t)(blen < MAX_BODY ? blen : MAX_BODY);
	if (k->blen)
		memcpy(k->body, body, k->blen);
}

static void add16(struct kmsg *m, bool crit, uint16_t type, const uint16_t *v, size_t n)
{
	uint8_t b[64];
	for (size_t i = 0; i < n && i < 32; i++)
		nts_put16(b + 2 * i, v[i]);
	add(m, crit, type, b, 2 * (n < 32 ? n : 32));
}

/* One of the valid request shapes real clients send. */
static void base_request(struct rng *r, struct kmsg *m)
{
	static const uint16_t ntpv4[] = { NTSKE_PROTO_NTPV4 };
	static const uint16_t aeads[][4] = { { 15 }, { 30, 15 }, { 17, 15 }, { 15, 16, 17, 30 } };
	static const size_t naeads[] = { 1, 2, 2, 4 };
	unsigned which = rng_below(r, 4);
	m->n = 0;
	add16(m, true, NTSKE_REC_NEXT_PROTO, ntpv4, 1);
	add16(m, true, NTSKE_REC_AEAD, aeads[which], naeads[which]);
	if (which == 1)   /* chrony asks for the corrected GCM-SIV exporter context */
		add(m, false, NTSKE_REC_COMPLIANT_128GCM_EXPORT, NULL, 0);
	if (rng_chance(r, 30)) {
		add(m, false, NTSKE_REC_SERVER, "127.0.0.1", 9);
		uint16_t port = 123;
		add16(m, false, NTSKE_REC_PORT, &port, 1);
	}
	add(m, true, NTSKE_REC_EOM, NULL, 0);
}

/* Parse a well-formed message back into records (serve mode mutates the
 * responses it built). */
static void from_bytes(struct kmsg *m, const uint8_t *msg, size_t len)
{
	struct nts_rd rd;
	struct ntske_record rec;
	nts_rd_init(&rd, msg, len);
	m->n = 0;
	while (nts_rd_left(&rd) > 0 && ntske_record_read(&rd, &rec) == 0)
		add(m, rec.critical, rec.type, rec.body, rec.body_len);
}

static size_t to_bytes(const struct kmsg *m, uint8_t *out, size_t cap)
{
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	for (size_t i = 0; i < m->n && !w.err; i++) {
		const struct krec *k = &m->r[i];
		nts_wr_u16(&w, (uint16_t)((k->crit ? 0x8000 : 0) | k->type));
		nts_wr_u16(&w, (uint16_t)(k->len_override >= 0 ? k->len_override : k->blen));
		nts_wr_bytes(&w, k->body, k->blen);
	}
	return w.err ? w.pos : w.pos;
}

static const uint16_t interesting_types[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 1024, 0x4000, 0x7fff };

/* Apply one mutation operator to m. */
static void mutate_once(struct rng *r, struct kmsg *m)
{
	size_t i = m->n ? rng_below(r, (uint32_t)m->n) : 0;
	struct krec *k = m->n ? &m->r[i] : NULL;
	switch (rng_below(r, 12)) {
	case 0:
		if (k) {
			k->crit = !k->crit;
			note("crit-flip");
		}
		break;
	case 1:
		if (k) {
			static const int lens[] = { 0, 1, 2, 3, 0xffff, 0x4000, 0x8000 };
			k->len_override = rng_chance(r, 50) ? lens[rng_below(r, 7)]
							    : (int)((k->blen + rng_below(r, 9) + 0xfffc) & 0xffff);
			note("wrong-len");
		}
		break;
	case 2: {
		uint8_t b[32];
		size_t n = rng_below(r, 33);
		rng_bytes(r, b, n);
		uint16_t t = rng_chance(r, 50) ? (uint16_t)(9 + rng_below(r, 0x7ff7))
					       : interesting_types[rng_below(r, 12)];
		if (m->n < MAX_RECS) {
			memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof m->r[0]);
			m->n++;
			m->r[i].crit = rng_chance(r, 50);
			m->r[i].type = t & 0x7fff;
			m->r[i].len_override = -1;
			m->r[i].blen = (uint16_t)n;
			memcpy(m->r[i].body, b, n);
		}
		note("insert-type");
		break;
	}
	case 3:
		if (k && m->n < MAX_RECS) {
			memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof m->r[0]);
			m->n++;
			note("duplicate");
		}
		break;
	case 4:
		if (k) {
			memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof m->r[0]);
			m->n--;
			note("delete");
		}
		break;
	case 5:
		if (m->n > 1) {
			size_t j = rng_below(r, (uint32_t)m->n);
			struct krec t = m->r[i];
			m->r[i] = m->r[j];
			m->r[j] = t;
			note("swap");
		}
		break;
	case 6:
		if (k && k->blen) {
			for (unsigned n = 1 + rng_below(r, 4); n > 0; n--)
				k->body[rng_below(r, k->blen)] ^= (uint8_t)(1u << rng_below(r, 8));
			note("body-bits");
		}
		break;
	case 7:
		if (k) {
			if (rng_chance(r, 50) && k->blen) {
				k->blen = (uint16_t)rng_below(r, k->blen);
			} else {
				size_t add_n = rng_below(r, 64);
				if (k->blen + add_n > MAX_BODY)
					add_n = MAX_BODY - k->blen;
				rng_bytes(r, k->body + k->blen, add_n);
				k->blen = (uint16_t)(k->blen + add_n);
			}
			note("body-len");
		}
		break;
	case 8:
		if (k) {
			k->type = interesting_types[rng_below(r, 12)];
			note("retype");
		}
		break;
	case 9: {
		/* flood: many copies of one record, often past NTSKE_MAX_MESSAGE */
		size_t copies = 10 + rng_below(r, 2000);
		for (size_t c = 0; c < copies && k && m->n < MAX_RECS; c++)
			m->r[m->n++] = *k;
		note("flood");
		break;
	}
	case 10:
		if (m->n < MAX_RECS) {
			memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof m->r[0]);
			m->n++;
			m->r[i] = (struct krec){ .crit = true, .type = 0, .len_override = -1 };
			note("early-eom");
		}
		break;
	default:
		if (k && k->blen >= 2) {
			static const uint16_t vals[] = { 0, 1, 2, 15, 16, 17, 30, 0x7fff, 0x8000, 0xffff };
			nts_put16(k->body + 2 * rng_below(r, k->blen / 2), vals[rng_below(r, 10)]);
			note("value");
		}
		break;
	}
}

/* Serialise, then sometimes cut the octets short or add trailing junk. */
static size_t finish(struct rng *r, const struct kmsg *m, uint8_t *out, size_t cap)
{
	size_t len = to_bytes(m, out, cap);
	if (len && rng_chance(r, 12)) {
		len = rng_below(r, (uint32_t)len);
		note("truncate");
	} else if (rng_chance(r, 6) && len + 16 <= cap) {
		size_t extra = 1 + rng_below(r, 16);
		rng_bytes(r, out + len, extra);
		len += extra;
		note("trailing");
	}
	return len;
}

size_t netfuzz_ke_mutate_request(struct rng *r, uint8_t *out, size_t cap)
{
	static struct kmsg m;
	last_ops[0] = '\0';
	if (cap < 2)
		return 0;
	unsigned d = rng_below(r, 100);
	/* mostly whole messages; the slow and silent ones cost seconds each */
	enum netfuzz_delivery del = d < 60 ? KE_DELIVER_WHOLE : d < 78 ? KE_DELIVER_CHUNKS :
			       d < 88 ? KE_DELIVER_BYE : d < 92 ? KE_DELIVER_DRIP :
			       d < 94 ? KE_DELIVER_SILENT : d < 96 ? KE_DELIVER_PARALLEL :
			       KE_DELIVER_NOTLS;
	out[0] = (uint8_t)del;
	if (del == KE_DELIVER_PARALLEL) {
		out[1] = (uint8_t)(8 + rng_below(r, 120));
		note("parallel");
		return 2;
	}
	if (del == KE_DELIVER_SILENT) {
		note("silent");
		return 1;
	}
	if (rng_chance(r, 3)) {
		size_t n = rng_below(r, 512);
		rng_bytes(r, out + 1, n < cap - 1 ? n : cap - 1);
		note("garbage");
		return 1 + (n < cap - 1 ? n : cap - 1);
	}
	base_request(r, &m);
	for (unsigned n = 1 + rng_below(r, 3); n > 0; n--)
		mutate_once(r, &m);
	return 1 + finish(r, &m, out + 1, cap - 1);
}

size_t netfuzz_ke_mutate_message(struct rng *r, uint8_t *msg, size_t len, size_t cap)
{
	static struct kmsg m;
	last_ops[0] = '\0';
	from_bytes(&m, msg, len);
	for (unsigned n = 1 + rng_below(r, 3); n > 0; n--)
		mutate_once(r, &m);
	return finish(r, &m, msg, cap);
}

/* ---- structured NTS request cases (the fuzz_nts_server.c input format) */

static size_t put_ef(uint8_t *out, size_t cap, uint16_t type, size_t body, struct rng *r)
{
	size_t len = (body + 4 + 3) & ~(size_t)3;
	if (len < 16)
		len = 16;
	if (len > cap)
		return 0;
	nts_put16(out, type);
	nts_put16(out + 2, (uint16_t)len);
	rng_bytes(r, out + 4, len - 4);
	return len;
}

size_t netfuzz_ntp_mutate_request(struct rng *r, uint8_t *out, size_t cap)
{
	if (cap < 64)
		return 0;
	if (rng_chance(r, 8)) {
		/* raw garbage, or a plain NTP header with random fields */
		size_t n = rng_chance(r, 50) ? 48 + 4 * rng_below(r, 40) : rng_below(r, 200);
		n = n < cap - 1 ? n : cap - 1;
		out[0] = FZ_RAW;
		rng_bytes(r, out + 1, n);
		if (n >= 48 && rng_chance(r, 50))
			out[1] = 0x23;
		return 1 + n;
	}
	/* start valid: template header, UID, fresh cookie, 16-octet nonce */
	uint8_t flags = FZ_TEMPLATE | FZ_UID;
	uint8_t nonce = 16, pp = (uint8_t)(rng_below(r, 8) << 4);
	size_t outer_len = 0, inner_len = 0;
	uint8_t outer[1024], inner[512];
	unsigned ops = 1 + rng_below(r, 3);
	while (ops--) {
		switch (rng_below(r, 12)) {
		case 0: flags ^= (uint8_t)(1u << (1 + rng_below(r, 7))); break;
		case 1: nonce = (uint8_t)rng_below(r, 40); break;
		case 2: pp = (uint8_t)((pp & 0xf0) | rng_below(r, 4)); break;
		case 3: outer_len += put_ef(outer + outer_len, sizeof outer - outer_len,
					    (uint16_t)(rng_chance(r, 50) ? 0x0104 + 0x100 * rng_below(r, 4)
									 : rng_next(r)),
					    rng_below(r, 120), r); break;
		case 4: inner_len += put_ef(inner + inner_len, sizeof inner - inner_len,
					    (uint16_t)(rng_chance(r, 50) ? 0x0204 : rng_next(r)),
					    rng_below(r, 120), r); break;
		case 5:
			/* a field with a lying length */
			if (outer_len + 8 <= sizeof outer) {
				nts_put16(outer + outer_len, (uint16_t)rng_next(r));
				nts_put16(outer + outer_len + 2, (uint16_t)rng_next(r));
				rng_bytes(r, outer + outer_len + 4, 4);
				outer_len += 8;
			}
			break;
		case 6: flags = (uint8_t)(flags & ~FZ_TEMPLATE);
			/* own header: random but plausible */
			if (outer_len + 48 <= sizeof outer) {
				memmove(outer + 48, outer, outer_len);
				rng_bytes(r, outer, 48);
				outer[0] = (uint8_t)(rng_chance(r, 70) ? 0x23 : outer[0]);
				outer_len += 48;
			}
			break;
		case 7: if (inner_len + 3 <= sizeof inner) {
				rng_bytes(r, inner + inner_len, 3);
				inner_len += 3;
			}
			break;
		case 8: flags |= FZ_TAMPER; break;
		case 9: flags |= FZ_TRAIL; break;
		case 10: flags |= FZ_OLD; break;
		default: flags |= FZ_NOCOOKIE; break;
		}
	}
	flags &= (uint8_t)~FZ_RAW;
	size_t need = 5 + outer_len + inner_len;
	if (need > cap)
		return 0;
	out[0] = flags;
	out[1] = nonce;
	out[2] = pp;
	nts_put16(out + 3, (uint16_t)outer_len);
	memcpy(out + 5, outer, outer_len);
	memcpy(out + 5 + outer_len, inner, inner_len);
	return need;
}

const char *netfuzz_ke_classify(const uint8_t *resp, size_t len, enum netfuzz_end end, char *buf, size_t cap)
{
	if (end == KE_END_MESSAGE) {
		struct ntske_response *pr = calloc(1, sizeof *pr);
		if (!pr) {
			snprintf(buf, cap, "out-of-memory");
			return buf;
		}
		int rc = ntske_response_parse(resp, len, pr);
		if (rc == 0)
			snprintf(buf, cap, "response");
		else if (pr->has_error)
			snprintf(buf, cap, "error-record(%u)", pr->error_code);
		else
			snprintf(buf, cap, "bad-response(%s)", nts_errname(rc));
		free(pr);
	} else if (end == KE_END_EOF) {
		snprintf(buf, cap, len ? "partial+close" : "close");
	} else if (end == KE_END_TIMEOUT) {
		snprintf(buf, cap, len ? "partial+timeout" : "timeout");
	} else if (end == KE_END_FULL) {
		snprintf(buf, cap, "oversize");
	} else {
		snprintf(buf, cap, len ? "partial+tls-error" : "tls-error");
	}
	return buf;
}
