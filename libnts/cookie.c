/* Server cookies (RFC 8915 section 6) sealed under a rotating ring of master keys. */
#include <config.h>

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"

/* RFC 8915 section 6 leaves the cookie format to the server; ours (see
 * cookie.h) follows the suggested one: key id, nonce, then AES-SIV of the
 * negotiated AEAD and both keys, with the key id bound as associated data. */
#define COOKIE_HDR (4 + NTS_COOKIE_NONCE_LEN)
#define CONTENT_MAX (4 + 2 * NTS_AEAD_MAX_KEY)

/* The hot path (seal/open from every NTP and NTS-KE worker) takes no lock
 * and writes no shared cache line; rotation never waits for it.
 *
 * Key sets. The keys in use form an immutable key set: rotate and import
 * build a new set and publish it with one atomic pointer swap; seal and
 * open read the pointer and use that set as it was. (A key's id and
 * material never change; `created` and `unsaved` are bookkeeping for the
 * key file, read and written only under the writer mutex.) Writers (rotate,
 * import, the key-file bookkeeping and the management queries) serialise on
 * a mutex that seal and open never take.
 *
 * Reclamation: hazard pointers. A reader announces the set it uses in a
 * hazard slot (compare-and-swap from NULL, so a slot has one holder), then
 * checks the set is still the published one, and clears the slot when done.
 * A writer retires the set it replaced and frees it once no slot names it;
 * a set still named stays on the retired list until a later write or
 * nts_cookie_ring_free. Why not the alternatives: a reference count on the
 * set is an atomic add on one shared line per request (the contention the
 * rwlock had); keeping retired sets for N rotations is unsafe when a reader
 * is descheduled across N forced rotations (the control socket's `rotate`);
 * epochs need every reader thread registered and a writer that waits, which
 * is the starvation we remove. Hazard slots need neither: a thread starts at
 * its own slot (assigned on first use) and takes the next free one when it is
 * busy, so with up to HAZ_SLOTS concurrent readers each touches only its own
 * cache line.
 *
 * AEAD handles: gnutls handles are not documented as safe for concurrent
 * use, and a fresh handle per call costs twice a reused one (key schedule +
 * malloc: 550 vs 260 ns per 68-octet seal on the 2-CPU build box). So each
 * key keeps one handle per hazard slot, made on first use by the slot's
 * holder: whoever holds slot i is the only user of every key's handle i, so
 * no mutex. Handles die with their key, when the last set holding it is
 * freed, so no handle outlives its key material. */
#define HAZ_SLOTS 64

struct ring_key {
	uint32_t id;
	time_t created;         /* writer mutex */
	bool unsaved;           /* made here and not yet in the key file; writer mutex */
	unsigned sets;          /* key sets holding this key; writer mutex */
	uint8_t key[NTS_MASTER_KEY_LEN];
	struct nts_aead *aead[HAZ_SLOTS];   /* handle i: only the holder of slot i */
};

struct key_set {
	size_t n;
	struct ring_key *keys[NTS_RING_MAX_KEYS];   /* oldest first; current last */
	struct key_set *next_retired;
};

struct hazard {
	_Alignas(64) struct key_set *set;   /* atomic; NULL: free */
};

struct nts_cookie_ring {
	struct key_set *cur;                /* atomic; never NULL */
	pthread_mutex_t *wlock;             /* through a pointer so const queries can lock */
	pthread_mutex_t wlock_store;
	struct nts_ring_config cfg;
	struct nts_counters *counters;
	struct key_set *retired;            /* writer mutex */
	struct hazard haz[HAZ_SLOTS];
};

#define COUNT(r, f) do { if ((r)->counters) nts_count(&(r)->counters->f); } while (0)

static struct ring_key *key_new(uint32_t id, time_t created, const uint8_t *key)
{
	struct ring_key *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->id = id;
	k->created = created;
	memcpy(k->key, key, NTS_MASTER_KEY_LEN);
	return k;
}

static void key_free(struct ring_key *k)
{
	if (!k)
		return;
	for (int i = 0; i < HAZ_SLOTS; i++)
		nts_aead_free(k->aead[i]);
	explicit_bzero(k->key, sizeof k->key);
	free(k);
}

/* A set is freed only when no hazard slot names it; a key when no set
 * holds it. Caller holds the writer mutex (or owns the ring). */
static void set_free(struct key_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (--s->keys[i]->sets == 0)
			key_free(s->keys[i]);
	free(s);
}

static bool set_named(const struct nts_cookie_ring *r, const struct key_set *s)
{
	for (int i = 0; i < HAZ_SLOTS; i++)
		if (__atomic_load_n(&r->haz[i].set, __ATOMIC_SEQ_CST) == s)
			return true;
	return false;
}

/* Free every retired set no reader names any more. */
static void reclaim(struct nts_cookie_ring *r)
{
	struct key_set **pp = &r->retired;
	while (*pp) {
		struct key_set *s = *pp;
		if (set_named(r, s)) {
			pp = &s->next_retired;
		} else {
			*pp = s->next_retired;
			set_free(s);
		}
	}
}

/* Make s (keys[0..n) referenced) the published set; the old one retires.
 * Caller holds the writer mutex. The swap is sequentially consistent, like
 * the readers' slot write and re-check, so either a reader sees the new set
 * on its re-check or reclaim() sees the reader's slot. */
static void publish(struct nts_cookie_ring *r, struct key_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->keys[i]->sets++;
	struct key_set *old = __atomic_exchange_n(&r->cur, s, __ATOMIC_SEQ_CST);
	old->next_retired = r->retired;
	r->retired = old;
	reclaim(r);
}

/* The published set, for the writer (under the mutex). */
static struct key_set *cur_set(const struct nts_cookie_ring *r)
{
	return __atomic_load_n(&r->cur, __ATOMIC_ACQUIRE);
}

/* Take a hazard slot naming the published set; *slot is the slot to give
 * back with set_leave(). Lock-free: it retries only when a writer published
 * a new set meanwhile, and yields only when more than HAZ_SLOTS readers are
 * inside seal/open at once. */
static struct key_set *set_enter(struct nts_cookie_ring *r, unsigned *slot)
{
	static unsigned next_thread;
	static _Thread_local unsigned my_slot;   /* 0 = not yet assigned */
	if (!my_slot)
		my_slot = __atomic_add_fetch(&next_thread, 1, __ATOMIC_RELAXED) % HAZ_SLOTS + 1;
	for (;;) {
		struct key_set *s = __atomic_load_n(&r->cur, __ATOMIC_SEQ_CST);
		for (unsigned i = 0; i < HAZ_SLOTS; i++) {
			unsigned k = (my_slot - 1 + i) % HAZ_SLOTS;
			struct key_set *expect = NULL;
			if (!__atomic_compare_exchange_n(&r->haz[k].set, &expect, s, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				continue;
			if (__atomic_load_n(&r->cur, __ATOMIC_SEQ_CST) == s) {
				*slot = k;
				return s;
			}
			/* a writer published meanwhile: s may be freed, start over */
			__atomic_store_n(&r->haz[k].set, NULL, __ATOMIC_RELEASE);
			s = NULL;
			break;
		}
		if (s)
			sched_yield();   /* every slot busy */
	}
}

static void set_leave(struct nts_cookie_ring *r, unsigned slot)
{
	__atomic_store_n(&r->haz[slot].set, NULL, __ATOMIC_RELEASE);
}

/* Key k's handle for hazard slot i, keyed on first use; caller holds slot i. */
static int key_aead(struct ring_key *k, unsigned i, struct nts_aead **out)
{
	if (!k->aead[i]) {
		int rc = nts_aead_new(NTS_AEAD_AES_SIV_CMAC_256, k->key, sizeof k->key, &k->aead[i]);
		if (rc != NTS_OK)
			return rc;
	}
	*out = k->aead[i];
	return NTS_OK;
}

int nts_cookie_ring_new(const struct nts_ring_config *cfg, struct nts_counters *counters,
			struct nts_cookie_ring **out)
{
	static const struct nts_ring_config def = NTS_RING_CONFIG_DEFAULT;
	if (!out)
		return NTS_E_INVAL;
	*out = NULL;
	if (!cfg)
		cfg = &def;
	if (cfg->rotate_secs == 0 || cfg->retain >= NTS_RING_MAX_KEYS)
		return NTS_E_INVAL;
	/* the hazard slots are cache-line aligned: so is the ring */
	struct nts_cookie_ring *r = aligned_alloc(_Alignof(struct nts_cookie_ring), sizeof *r);
	if (!r)
		return NTS_E_NOMEM;
	memset(r, 0, sizeof *r);
	r->cur = calloc(1, sizeof *r->cur);   /* the empty set */
	if (!r->cur || pthread_mutex_init(&r->wlock_store, NULL) != 0) {
		free(r->cur);
		free(r);
		return NTS_E_NOMEM;
	}
	r->wlock = &r->wlock_store;
	r->cfg = *cfg;
	r->counters = counters;
	*out = r;
	return NTS_OK;
}

void nts_cookie_ring_free(struct nts_cookie_ring *r)
{
	if (!r)
		return;
	/* no reader may be inside seal/open any more: free everything */
	while (r->retired) {
		struct key_set *s = r->retired;
		r->retired = s->next_retired;
		set_free(s);
	}
	set_free(r->cur);
	pthread_mutex_destroy(r->wlock);
	free(r);
}

static struct ring_key *find_key(const struct key_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i]->id == id)
			return s->keys[i];
	return NULL;
}

static bool rotation_due(const struct nts_cookie_ring *r, const struct key_set *s, time_t now)
{
	if (s->n == 0)
		return true;
	time_t created = s->keys[s->n - 1]->created;
	/* A clock stepped back never makes a key due; see next_rotation(). */
	return now >= created && (uint64_t)(now - created) >= r->cfg.rotate_secs;
}

int nts_cookie_ring_rotate(struct nts_cookie_ring *r, time_t now, bool force)
{
	if (!r)
		return NTS_E_INVAL;
	/* Randomness and allocation before taking the mutex: it is held only
	 * to build and publish the new set, and readers never wait on it. */
	uint8_t key[NTS_MASTER_KEY_LEN];
	uint32_t first_id;
	if (nts_random_key(key, sizeof key) != NTS_OK || nts_random(&first_id, sizeof first_id) != NTS_OK)
		return NTS_E_RANDOM;
	struct key_set *ns = calloc(1, sizeof *ns);
	if (!ns) {
		explicit_bzero(key, sizeof key);
		return NTS_E_NOMEM;
	}
	int added = 0;
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	memcpy(ns->keys, s->keys, s->n * sizeof s->keys[0]);
	ns->n = s->n;
	if (force || rotation_due(r, s, now)) {
		/* Ids increase from a random start; skip any id still in the ring
		 * (only possible after importing someone else's ids). */
		uint32_t id = s->n ? s->keys[s->n - 1]->id + 1 : first_id;
		for (size_t i = 0; i <= s->n && find_key(s, id); i++)
			id++;
		struct ring_key *k = key_new(id, now, key);
		if (!k) {
			added = NTS_E_NOMEM;
		} else {
			k->unsaved = true;
			if (ns->n == NTS_RING_MAX_KEYS) {
				memmove(ns->keys, ns->keys + 1, (ns->n - 1) * sizeof ns->keys[0]);
				ns->n--;
			}
			ns->keys[ns->n++] = k;
			added = 1;
		}
	}
	/* keep the current key and 'retain' old ones */
	size_t keep = (size_t)r->cfg.retain + 1, drop = ns->n > keep ? ns->n - keep : 0;
	memmove(ns->keys, ns->keys + drop, (ns->n - drop) * sizeof ns->keys[0]);
	ns->n -= drop;
	if (added == 1 || ns->n != s->n)
		publish(r, ns);
	else
		free(ns);   /* nothing changed */
	pthread_mutex_unlock(r->wlock);
	explicit_bzero(key, sizeof key);
	return added;
}

time_t nts_cookie_ring_next_rotation(const struct nts_cookie_ring *r)
{
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	time_t t = s->n ? s->keys[s->n - 1]->created + (time_t)r->cfg.rotate_secs : 0;
	pthread_mutex_unlock(r->wlock);
	return t;
}

size_t nts_cookie_ring_size(const struct nts_cookie_ring *r)
{
	/* the writer mutex keeps the set from being freed while we look */
	pthread_mutex_lock(r->wlock);
	size_t n = cur_set(r)->n;
	pthread_mutex_unlock(r->wlock);
	return n;
}

uint32_t nts_cookie_ring_current_id(const struct nts_cookie_ring *r)
{
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	uint32_t id = s->n ? s->keys[s->n - 1]->id : 0;
	pthread_mutex_unlock(r->wlock);
	return id;
}

int nts_cookie_ring_export(const struct nts_cookie_ring *r, struct nts_ring_key *out, size_t cap,
			   size_t *n)
{
	if (!r || !n || (!out && cap))
		return NTS_E_INVAL;
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	int rc = NTS_OK;
	if (s->n > cap) {
		rc = NTS_E_NOSPACE;
	} else {
		for (size_t i = 0; i < s->n; i++) {
			out[i].id = s->keys[i]->id;
			out[i].created = s->keys[i]->created;
			memcpy(out[i].key, s->keys[i]->key, NTS_MASTER_KEY_LEN);
		}
		*n = s->n;
	}
	pthread_mutex_unlock(r->wlock);
	return rc;
}

int nts_cookie_ring_import(struct nts_cookie_ring *r, const struct nts_ring_key *keys, size_t n)
{
	if (!r || !keys || n == 0 || n > NTS_RING_MAX_KEYS)
		return NTS_E_INVAL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (keys[i].id == keys[j].id)
				return NTS_E_INVAL;
	/* Build the whole new set first so a failure changes nothing. */
	struct key_set *ns = calloc(1, sizeof *ns);
	if (!ns)
		return NTS_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		ns->keys[i] = key_new(keys[i].id, keys[i].created, keys[i].key);
		if (!ns->keys[i]) {
			while (i--)
				key_free(ns->keys[i]);
			free(ns);
			return NTS_E_NOMEM;
		}
	}
	ns->n = n;
	pthread_mutex_lock(r->wlock);
	/* a key we made and never saved stays so, whoever hands it back */
	const struct key_set *s = cur_set(r);
	for (size_t i = 0; i < n; i++) {
		const struct ring_key *o = find_key(s, ns->keys[i]->id);
		ns->keys[i]->unsaved = o && o->unsaved &&
				       memcmp(o->key, ns->keys[i]->key, NTS_MASTER_KEY_LEN) == 0;
	}
	/* the old keys go when no reader names a set holding them */
	publish(r, ns);
	pthread_mutex_unlock(r->wlock);
	return NTS_OK;
}

int nts_cookie_ring_export_unsaved(const struct nts_cookie_ring *r, struct nts_ring_key *out,
				   size_t cap, size_t *n)
{
	if (!r || !n || (!out && cap))
		return NTS_E_INVAL;
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	size_t got = 0;
	int rc = NTS_OK;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->keys[i]->unsaved)
			continue;
		if (got == cap) {
			rc = NTS_E_NOSPACE;
			break;
		}
		out[got].id = s->keys[i]->id;
		out[got].created = s->keys[i]->created;
		memcpy(out[got].key, s->keys[i]->key, NTS_MASTER_KEY_LEN);
		got++;
	}
	pthread_mutex_unlock(r->wlock);
	*n = got;
	return rc;
}

void nts_cookie_ring_mark_saved(struct nts_cookie_ring *r)
{
	if (!r)
		return;
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	for (size_t i = 0; i < s->n; i++)
		s->keys[i]->unsaved = false;   /* bookkeeping: readers never look */
	pthread_mutex_unlock(r->wlock);
}

int nts_cookie_ring_clamp_future(struct nts_cookie_ring *r, time_t now)
{
	if (!r)
		return NTS_E_INVAL;
	int n = 0;
	pthread_mutex_lock(r->wlock);
	const struct key_set *s = cur_set(r);
	for (size_t i = 0; i < s->n; i++) {
		if (s->keys[i]->created > now) {
			s->keys[i]->created = now;   /* bookkeeping: readers never look */
			n++;
		}
	}
	pthread_mutex_unlock(r->wlock);
	return n;
}

size_t nts_cookie_len(uint16_t aead)
{
	if (!nts_aead_supported(aead))
		return 0;
	return COOKIE_HDR + NTS_AEAD_TAG_LEN + 4 + 2 * nts_aead_key_len(aead);
}

int nts_cookie_seal(struct nts_cookie_ring *r, uint16_t aead, const uint8_t *c2s,
		    const uint8_t *s2c, size_t key_len, uint8_t *out, size_t cap, size_t *len)
{
	if (!r || !c2s || !s2c || !out || !len)
		return NTS_E_INVAL;
	if (!nts_aead_supported(aead))
		return NTS_E_AEAD_UNSUPP;
	if (key_len != nts_aead_key_len(aead))
		return NTS_E_INVAL;
	size_t need = nts_cookie_len(aead);
	if (cap < need)
		return NTS_E_NOSPACE;

	uint8_t content[CONTENT_MAX];
	struct nts_wr w;
	nts_wr_init(&w, content, sizeof content);
	nts_wr_u16(&w, aead);
	nts_wr_u16(&w, (uint16_t)key_len);
	nts_wr_bytes(&w, c2s, key_len);
	nts_wr_bytes(&w, s2c, key_len);
	if (w.err)
		return NTS_E_INVAL;
	uint8_t nonce[NTS_COOKIE_NONCE_LEN];
	if (nts_random(nonce, sizeof nonce) != NTS_OK)
		return NTS_E_RANDOM;

	int rc;
	unsigned slot;
	const struct key_set *s = set_enter(r, &slot);
	if (s->n == 0) {
		rc = NTS_E_RING_EMPTY;
	} else {
		struct ring_key *k = s->keys[s->n - 1];
		struct nts_aead *aead_h;
		nts_put32(out, k->id);
		memcpy(out + 4, nonce, sizeof nonce);
		rc = key_aead(k, slot, &aead_h);
		if (rc == NTS_OK) {
			size_t sealed;
			/* AD = the key id octets, so an id cannot be swapped. */
			rc = nts_aead_seal(aead_h, nonce, sizeof nonce, out, 4, content, w.pos,
					   out + COOKIE_HDR, cap - COOKIE_HDR, &sealed);
			if (rc == NTS_OK)
				*len = COOKIE_HDR + sealed;
		}
	}
	set_leave(r, slot);
	explicit_bzero(content, sizeof content);
	if (rc == NTS_OK)
		COUNT(r, cookie_make);
	return rc;
}

/* Check the decrypted [aead || key length || C2S || S2C] and copy it out. */
static int parse_content(const uint8_t *p, size_t n, struct nts_cookie_keys *keys)
{
	struct nts_rd rd;
	uint16_t aead, klen;
	nts_rd_init(&rd, p, n);
	if (!nts_rd_u16(&rd, &aead) || !nts_rd_u16(&rd, &klen))
		return NTS_E_COOKIE_CONTENT;
	if (!nts_aead_supported(aead) || klen != nts_aead_key_len(aead) ||
	    nts_rd_left(&rd) != 2u * klen)
		return NTS_E_COOKIE_CONTENT;
	keys->aead = aead;
	keys->key_len = klen;
	nts_rd_bytes(&rd, keys->c2s, klen);
	nts_rd_bytes(&rd, keys->s2c, klen);
	return NTS_OK;
}

/* Decrypt with key k, holding hazard slot 'slot'; fills keys on success. */
static int open_with(struct ring_key *k, unsigned slot, const uint8_t *cookie, const uint8_t *ct,
		     size_t ct_len, struct nts_cookie_keys *keys)
{
	uint8_t content[CONTENT_MAX];
	size_t n = 0;
	struct nts_aead *aead_h;
	int rc = key_aead(k, slot, &aead_h);
	if (rc != NTS_OK)
		return rc;
	rc = nts_aead_open(aead_h, cookie + 4, NTS_COOKIE_NONCE_LEN, cookie, 4, ct, ct_len,
			   content, sizeof content, &n);
	if (rc == NTS_E_AEAD_VERIFY)
		rc = NTS_E_COOKIE_AUTH;
	else if (rc == NTS_OK)
		rc = parse_content(content, n, keys);
	explicit_bzero(content, sizeof content);
	return rc;
}

int nts_cookie_open(struct nts_cookie_ring *r, const uint8_t *cookie, size_t len,
		    struct nts_cookie_keys *keys)
{
	if (!r || !keys || (!cookie && len))
		return NTS_E_INVAL;
	struct nts_rd rd;
	uint32_t id;
	nts_rd_init(&rd, cookie, len);
	if (!nts_rd_u32(&rd, &id) || !nts_rd_skip(&rd, NTS_COOKIE_NONCE_LEN) ||
	    nts_rd_left(&rd) < NTS_AEAD_TAG_LEN) {
		COUNT(r, cookie_decode_error);
		return NTS_E_COOKIE_SHORT;
	}
	const uint8_t *ct = nts_rd_ptr(&rd);
	size_t ct_len = nts_rd_left(&rd);

	int rc;
	bool old = false;
	unsigned slot;
	const struct key_set *s = set_enter(r, &slot);
	struct ring_key *k = find_key(s, id);
	if (!k) {
		rc = NTS_E_COOKIE_UNKNOWN_KEY;
	} else if (ct_len > NTS_AEAD_TAG_LEN + CONTENT_MAX) {
		rc = NTS_E_COOKIE_CONTENT;   /* longer than any cookie we make */
	} else {
		old = k != s->keys[s->n - 1];
		rc = open_with(k, slot, cookie, ct, ct_len, keys);
	}
	set_leave(r, slot);

	if (rc == NTS_E_COOKIE_UNKNOWN_KEY) {
		COUNT(r, cookie_decode_too_old);
	} else if (rc != NTS_OK) {
		COUNT(r, cookie_decode_error);
	} else {
		keys->key_id = id;
		keys->old = old;
		COUNT(r, cookie_decode);
		if (old)
			COUNT(r, cookie_decode_old);
	}
	return rc;
}
