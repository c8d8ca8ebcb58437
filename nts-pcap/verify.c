/* Key sets, the cookie map, and verification of NTS authenticators (RFC 8915 section 5.6). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keystore.h"
#include "nts/aead.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "np.h"

#define MAX_KEYS 65536
#define MAX_FLOATING 16
#define COOKIE_MAP_MIN 4096u
#define COOKIE_MAP_MAX (1u << 21)

struct keyset {
	struct np_keys k;
	struct nts_aead *c2s, *s2c;
	bool broken;            /* AEAD unsupported or key rejected */
	int src;                /* --keys file number, -1 for other origins */
	bool used;              /* verified an authenticator */
};

/* Cookie map: fingerprint -> key set and first use, open addressing. */
struct cookie_ent {
	uint64_t fp;            /* 0 marks an empty slot */
	uint64_t first_frame;   /* first request that sent it, 0 if none yet */
	uint64_t uid_hash;      /* that request's UID */
	int32_t keys;
};

struct np_verify {
	struct keyset *keys;
	size_t nkeys;
	int floating[MAX_FLOATING];   /* --keys sets with no cookie list */
	size_t nfloating;
	struct cookie_ent *map;
	size_t map_cap, map_used;
	struct nts_cookie_ring *ring;
	uint64_t ring_opened, ring_failed;
	uint64_t map_full;
};

int np_verify_new(struct np_verify **out)
{
	struct np_verify *v = calloc(1, sizeof *v);
	if (!v)
		return NTS_E_NOMEM;
	v->map_cap = COOKIE_MAP_MIN;
	v->map = calloc(v->map_cap, sizeof *v->map);
	v->keys = calloc(64, sizeof *v->keys);
	if (!v->map || !v->keys) {
		np_verify_free(v);
		return NTS_E_NOMEM;
	}
	*out = v;
	return NTS_OK;
}

void np_verify_free(struct np_verify *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nkeys; i++) {
		if (v->keys[i].c2s)
			nts_aead_free(v->keys[i].c2s);
		if (v->keys[i].s2c)
			nts_aead_free(v->keys[i].s2c);
	}
	if (v->ring)
		nts_cookie_ring_free(v->ring);
	free(v->keys);
	free(v->map);
	free(v);
}

int np_verify_add_keys(struct np_verify *v, const struct np_keys *k)
{
	/* the same keys arrive once per cookie with --server-key: reuse the
	 * newest identical set (scan bounded to the last few) */
	for (size_t i = v->nkeys, n = 0; i > 0 && n < 8; i--, n++) {
		const struct np_keys *o = &v->keys[i - 1].k;
		if (o->aead == k->aead && o->key_len == k->key_len &&
		    memcmp(o->c2s, k->c2s, k->key_len) == 0 && memcmp(o->s2c, k->s2c, k->key_len) == 0)
			return (int)(i - 1);
	}
	if (v->nkeys >= MAX_KEYS)
		return -1;
	if (v->nkeys >= 64 && (v->nkeys & (v->nkeys - 1)) == 0) {
		struct keyset *n = realloc(v->keys, 2 * v->nkeys * sizeof *n);
		if (!n)
			return -1;
		v->keys = n;
	}
	struct keyset *s = &v->keys[v->nkeys];
	memset(s, 0, sizeof *s);
	s->k = *k;
	s->src = -1;
	return (int)v->nkeys++;
}

void np_verify_set_src(struct np_verify *v, int idx, int src)
{
	if (idx >= 0 && (size_t)idx < v->nkeys)
		v->keys[idx].src = src;
}

void np_verify_src_use(const struct np_verify *v, int src, size_t *sets, size_t *used)
{
	*sets = *used = 0;
	for (size_t i = 0; i < v->nkeys; i++)
		if (v->keys[i].src == src) {
			(*sets)++;
			*used += v->keys[i].used;
		}
}

void np_verify_ring_use(const struct np_verify *v, uint64_t *opened, uint64_t *failed)
{
	*opened = v->ring_opened;
	*failed = v->ring_failed;
}

void np_verify_float(struct np_verify *v, int idx)
{
	if (idx >= 0 && v->nfloating < MAX_FLOATING)
		v->floating[v->nfloating++] = idx;
}

const struct np_keys *np_verify_keys(const struct np_verify *v, int idx)
{
	return idx >= 0 && (size_t)idx < v->nkeys ? &v->keys[idx].k : NULL;
}

static bool map_grow(struct np_verify *v)
{
	if (v->map_cap >= COOKIE_MAP_MAX)
		return false;
	size_t cap = v->map_cap * 2;
	struct cookie_ent *m = calloc(cap, sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < v->map_cap; i++) {
		if (!v->map[i].fp)
			continue;
		size_t j = v->map[i].fp & (cap - 1);
		while (m[j].fp)
			j = (j + 1) & (cap - 1);
		m[j] = v->map[i];
	}
	free(v->map);
	v->map = m;
	v->map_cap = cap;
	return true;
}

/* Find or create the entry for a fingerprint; NULL when the map is full. */
static struct cookie_ent *map_get(struct np_verify *v, uint64_t fp, bool create)
{
	fp |= 1;   /* keep 0 free as the empty marker */
	size_t j = fp & (v->map_cap - 1);
	for (size_t n = 0; n < v->map_cap; n++, j = (j + 1) & (v->map_cap - 1)) {
		if (v->map[j].fp == fp)
			return &v->map[j];
		if (!v->map[j].fp)
			break;
	}
	if (!create)
		return NULL;
	if (2 * (v->map_used + 1) > v->map_cap && !map_grow(v)) {
		v->map_full++;
		return NULL;
	}
	j = fp & (v->map_cap - 1);
	while (v->map[j].fp)
		j = (j + 1) & (v->map_cap - 1);
	v->map[j].fp = fp;
	v->map[j].keys = -1;
	v->map_used++;
	return &v->map[j];
}

void np_verify_bind_cookie(struct np_verify *v, const uint8_t *cookie, size_t len, int keys)
{
	struct cookie_ent *e = map_get(v, np_fp(cookie, len), true);
	if (e && keys >= 0)
		e->keys = keys;
}

static struct nts_aead *handle(struct keyset *s, bool c2s)
{
	struct nts_aead **h = c2s ? &s->c2s : &s->s2c;
	if (!*h && !s->broken &&
	    nts_aead_new(s->k.aead, c2s ? s->k.c2s : s->k.s2c, s->k.key_len, h) != NTS_OK)
		s->broken = true;
	return *h;
}

/* Open the authenticator of n with one direction's key. */
static int open_auth(struct keyset *s, bool c2s, const struct np_ntp *n, uint8_t *pt,
		     size_t cap, size_t *pt_len)
{
	struct nts_aead *h = handle(s, c2s);
	if (!h)
		return NTS_E_AEAD_UNSUPP;
	return nts_aead_open(h, n->nonce, n->nonce_len, n->pkt, n->auth_offset, n->ct, n->ct_len,
			     pt, cap, pt_len);
}

/* Decrypted plaintext: a sequence of fields, new cookies among them. */
static void inner_fields(struct np_verify *v, const uint8_t *pt, size_t len, int keys,
			 struct np_ann *a)
{
	struct ntp_ef_iter it;
	struct ntp_ef e;
	int rc;
	ntp_ef_iter_init(&it, pt, len, 0);
	while ((rc = ntp_ef_next(&it, &e)) == 1) {
		a->inner_fields++;
		if (e.type != NTP_EF_NTS_COOKIE)
			continue;
		if (a->inner_cookies < 8) {
			a->inner_cookie_len[a->inner_cookies] = (uint16_t)e.body_len;
			a->inner_cookie_fp[a->inner_cookies] = np_fp(e.body, e.body_len);
		}
		a->inner_cookies++;
		if (v)
			np_verify_bind_cookie(v, e.body, e.body_len, keys);
	}
	if (rc < 0 || it.mac)
		a->inner_err = rc < 0 ? rc : NTS_E_NTS_INNER_MALFORMED;
}

static int keys_from_ring(struct np_verify *v, const struct np_ntp *n, struct np_ann *a)
{
	struct nts_cookie_keys ck;
	int rc = nts_cookie_open(v->ring, n->cookie, n->cookie_len, &ck);
	if (rc != NTS_OK) {
		a->cookie_err = rc;
		v->ring_failed++;
		return -1;
	}
	v->ring_opened++;
	a->cookie_opened = true;
	a->cookie_key_id = ck.key_id;
	struct np_keys k = { .aead = ck.aead, .key_len = ck.key_len };
	memcpy(k.c2s, ck.c2s, ck.key_len);
	memcpy(k.s2c, ck.s2c, ck.key_len);
	snprintf(k.origin, sizeof k.origin, "cookie (--server-key)");
	return np_verify_add_keys(v, &k);
}

void np_verify_request(struct np_verify *v, const struct np_ntp *n, uint64_t frame,
		       struct np_ann *a)
{
	if (!n->cookie)
		return;
	uint64_t uid_hash = n->uid_hash;
	struct cookie_ent *e = map_get(v, np_fp(n->cookie, n->cookie_len), true);
	if (e && e->first_frame && e->uid_hash != uid_hash)
		a->reused_frame = e->first_frame;   /* RFC 8915 section 5.7 */
	else if (e && !e->first_frame) {
		e->first_frame = frame;
		e->uid_hash = uid_hash;
	}
	int keys = e ? e->keys : -1;
	if (keys < 0 && v->ring)
		keys = keys_from_ring(v, n, a);
	if (!n->nauth || n->auth_err)
		return;
	uint8_t pt[NTP_MAX_PACKET];
	size_t pt_len;
	if (keys < 0) {
		/* --keys without cookies: the first set that verifies owns it */
		for (size_t i = 0; i < v->nfloating && keys < 0; i++)
			if (open_auth(&v->keys[v->floating[i]], true, n, pt, sizeof pt, &pt_len) == NTS_OK)
				keys = v->floating[i];
	}
	if (keys < 0)
		return;
	if (e)
		e->keys = keys;
	a->keys = keys;
	a->keys_origin = v->keys[keys].k.origin;
	a->verified = open_auth(&v->keys[keys], true, n, pt, sizeof pt, &pt_len) == NTS_OK;
	if (a->verified) {
		v->keys[keys].used = true;
		inner_fields(NULL, pt, pt_len, keys, a);
	}
}

void np_verify_response(struct np_verify *v, const struct np_ntp *n, int keys, struct np_ann *a)
{
	if (keys < 0 || (size_t)keys >= v->nkeys || !n->nauth || n->auth_err)
		return;
	uint8_t pt[NTP_MAX_PACKET];
	size_t pt_len;
	a->keys = keys;
	a->keys_origin = v->keys[keys].k.origin;
	a->verified = open_auth(&v->keys[keys], false, n, pt, sizeof pt, &pt_len) == NTS_OK;
	if (a->verified) {
		v->keys[keys].used = true;
		inner_fields(v, pt, pt_len, keys, a);
	}
}

int np_verify_load_server_key(struct np_verify *v, const char *path, char *err, size_t errlen)
{
	struct nts_ring_config cfg = NTS_RING_CONFIG_DEFAULT;
	int rc = nts_cookie_ring_new(&cfg, NULL, &v->ring);
	if (rc == NTS_OK)
		rc = keystore_load(v->ring, path);
	if (rc != NTS_OK)
		snprintf(err, errlen, "%s: %s", path, rc == NTS_E_IO ? strerror(errno) : nts_strerror(rc));
	return rc;
}
