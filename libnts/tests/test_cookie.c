/* Unit tests: cookie.c (sealing, opening, rotation, counters, threads). */
#include <config.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "nts/err.h"
#include "suites.h"

static const uint16_t aeads[] = { NTS_AEAD_AES_SIV_CMAC_256, NTS_AEAD_AES_SIV_CMAC_512 };

static struct nts_cookie_ring *ring_with_key(uint32_t rotate, unsigned retain,
					     struct nts_counters *c, time_t now)
{
	struct nts_ring_config cfg = { rotate, retain };
	struct nts_cookie_ring *r;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, c, &r), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, now, false), 1);
	return r;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* Seal keys derived from seed; returns the cookie length. */
static size_t seal(struct nts_cookie_ring *r, uint16_t aead, uint8_t seed, uint8_t *out)
{
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	size_t kl = nts_aead_key_len(aead), len = 0;
	fill(c2s, kl, seed);
	fill(s2c, kl, (uint8_t)(seed + 100));
	ck_assert_int_eq(nts_cookie_seal(r, aead, c2s, s2c, kl, out, 200, &len), NTS_OK);
	ck_assert_uint_eq(len, nts_cookie_len(aead));
	return len;
}

/* Open and check the keys match what seal() put in. */
static void open_ok(struct nts_cookie_ring *r, const uint8_t *ck, size_t len, uint16_t aead,
		    uint8_t seed, bool old)
{
	struct nts_cookie_keys k;
	uint8_t want[NTS_AEAD_MAX_KEY];
	size_t kl = nts_aead_key_len(aead);
	ck_assert_int_eq(nts_cookie_open(r, ck, len, &k), NTS_OK);
	ck_assert_uint_eq(k.aead, aead);
	ck_assert_uint_eq(k.key_len, kl);
	fill(want, kl, seed);
	ck_assert_mem_eq(k.c2s, want, kl);
	fill(want, kl, (uint8_t)(seed + 100));
	ck_assert_mem_eq(k.s2c, want, kl);
	ck_assert_uint_eq(k.key_id, nts_get32(ck));
	ck_assert(k.old == old);
}

START_TEST(test_lengths)
{
	static const struct { uint16_t aead; size_t len; } t[] = {
		{ 15, 104 }, { 17, 168 }, { 16, 0 }, { 30, 0 }, { 0, 0 }, { 9999, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_uint_eq(nts_cookie_len(t[i].aead), t[i].len);
}
END_TEST

START_TEST(test_round_trip)
{
	uint16_t aead = aeads[_i];
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(86400, 7, &c, 1000);
	uint8_t a[200], b[200];
	size_t la = seal(r, aead, 1, a), lb = seal(r, aead, 1, b);
	ck_assert_uint_eq(nts_get32(a), nts_cookie_ring_current_id(r));
	/* fresh nonce each time: equal keys never give equal cookies */
	ck_assert(memcmp(a + 4, b + 4, la - 4) != 0);
	open_ok(r, a, la, aead, 1, false);
	open_ok(r, b, lb, aead, 1, false);
	ck_assert_uint_eq(c.cookie_make, 2);
	ck_assert_uint_eq(c.cookie_decode, 2);
	ck_assert_uint_eq(c.cookie_decode_old + c.cookie_decode_error + c.cookie_decode_too_old, 0);
	nts_cookie_ring_free(r);
}
END_TEST

START_TEST(test_tamper)
{
	uint16_t aead = aeads[_i];
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(86400, 7, &c, 1000);
	uint8_t ck[200];
	size_t len = seal(r, aead, 2, ck);
	struct nts_cookie_keys k;
	for (size_t i = 0; i < len; i++) {
		ck[i] ^= 0x04;
		int want = i < 4 ? NTS_E_COOKIE_UNKNOWN_KEY : NTS_E_COOKIE_AUTH;
		ck_assert_int_eq(nts_cookie_open(r, ck, len, &k), want);
		ck[i] ^= 0x04;
	}
	ck_assert_uint_eq(c.cookie_decode_too_old, 4);
	ck_assert_uint_eq(c.cookie_decode_error, len - 4);
	ck_assert_uint_eq(c.cookie_decode, 0);
	open_ok(r, ck, len, aead, 2, false);

	/* Relabelling a cookie with another key id in the ring fails. */
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1001, true), 1);
	nts_put32(ck, nts_cookie_ring_current_id(r));
	ck_assert_int_eq(nts_cookie_open(r, ck, len, &k), NTS_E_COOKIE_AUTH);

	/* ... even when both ids carry the same key bytes: the key id is the
	 * AEAD's associated data, so the id itself is authenticated. */
	struct nts_ring_key twins[2] = { { 500, 1000, { 0 } }, { 501, 1000, { 0 } } };
	fill(twins[0].key, NTS_MASTER_KEY_LEN, 42);
	fill(twins[1].key, NTS_MASTER_KEY_LEN, 42);
	ck_assert_int_eq(nts_cookie_ring_import(r, twins, 2), NTS_OK);
	len = seal(r, aead, 2, ck);
	ck_assert_uint_eq(nts_get32(ck), 501);
	open_ok(r, ck, len, aead, 2, false);
	nts_put32(ck, 500);
	ck_assert_int_eq(nts_cookie_open(r, ck, len, &k), NTS_E_COOKIE_AUTH);
	nts_cookie_ring_free(r);
}
END_TEST

START_TEST(test_short_and_long)
{
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(86400, 7, &c, 1000);
	uint8_t ck[400] = { 0 };
	size_t len = seal(r, NTS_AEAD_AES_SIV_CMAC_256, 3, ck);
	struct nts_cookie_keys k;
	/* id (4) + nonce (16) + tag (16) is the least that can be opened */
	for (size_t n = 0; n < 36; n++)
		ck_assert_int_eq(nts_cookie_open(r, ck, n, &k), NTS_E_COOKIE_SHORT);
	ck_assert_int_eq(nts_cookie_open(r, NULL, 0, &k), NTS_E_COOKIE_SHORT);
	for (size_t n = 36; n < len; n++)
		ck_assert_int_eq(nts_cookie_open(r, ck, n, &k), NTS_E_COOKIE_AUTH);
	ck_assert_int_eq(nts_cookie_open(r, ck, len + 1, &k), NTS_E_COOKIE_AUTH);
	memset(ck + len, 0, sizeof ck - len);
	ck_assert_int_eq(nts_cookie_open(r, ck, sizeof ck, &k), NTS_E_COOKIE_CONTENT);
	ck_assert_uint_eq(c.cookie_decode_error, 36 + (len - 36) + 1 + 1 + 1);
	ck_assert_uint_eq(c.cookie_decode + c.cookie_decode_too_old, 0);
	nts_cookie_ring_free(r);
}
END_TEST

/* Authentic cookies (sealed with the master key itself) whose content is
 * wrong must give NTS_E_COOKIE_CONTENT. */
START_TEST(test_content)
{
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(86400, 7, &c, 1000);
	struct nts_ring_key mk;
	size_t n;
	ck_assert_int_eq(nts_cookie_ring_export(r, &mk, 1, &n), NTS_OK);
	struct nts_aead *a;
	ck_assert_int_eq(nts_aead_new(NTS_AEAD_AES_SIV_CMAC_256, mk.key, sizeof mk.key, &a), NTS_OK);
	static const struct { uint16_t aead, klen; size_t body; } t[] = {
		{ 15, 32, 63 },   /* one octet short */
		{ 15, 32, 65 },   /* one octet extra */
		{ 15, 64, 128 },  /* key length not the AEAD's */
		{ 16, 48, 96 },   /* AEAD we do not support */
		{ 0, 0, 0 },      /* no keys at all */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0] + 1; i++) {
		uint8_t content[200] = { 0 }, ck[300];
		size_t clen = 1;   /* last round: content of one octet, too short for a header */
		if (i < sizeof t / sizeof t[0]) {
			nts_put16(content, t[i].aead);
			nts_put16(content + 2, t[i].klen);
			clen = 4 + t[i].body;
		}
		nts_put32(ck, mk.id);
		fill(ck + 4, 16, (uint8_t)i);
		size_t sl;
		ck_assert_int_eq(nts_aead_seal(a, ck + 4, 16, ck, 4, content, clen, ck + 20,
					       sizeof ck - 20, &sl), NTS_OK);
		struct nts_cookie_keys k;
		ck_assert_int_eq(nts_cookie_open(r, ck, 20 + sl, &k), NTS_E_COOKIE_CONTENT);
	}
	/* ... and the same path with valid content opens. */
	uint8_t content[68], ck[104];
	size_t sl;
	nts_put16(content, 15);
	nts_put16(content + 2, 32);
	fill(content + 4, 32, 9);
	fill(content + 36, 32, 109);
	nts_put32(ck, mk.id);
	fill(ck + 4, 16, 77);
	ck_assert_int_eq(nts_aead_seal(a, ck + 4, 16, ck, 4, content, sizeof content, ck + 20, 84, &sl),
			 NTS_OK);
	open_ok(r, ck, sizeof ck, 15, 9, false);
	ck_assert_uint_eq(c.cookie_decode_error, sizeof t / sizeof t[0] + 1);
	nts_aead_free(a);
	nts_cookie_ring_free(r);
}
END_TEST

START_TEST(test_unknown_key)
{
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(86400, 7, &c, 1000);
	struct nts_cookie_ring *other = ring_with_key(86400, 7, NULL, 1000);
	uint8_t ck[200];
	size_t len = seal(other, NTS_AEAD_AES_SIV_CMAC_256, 4, ck);
	/* Make sure the foreign id is not ours by chance. */
	if (nts_get32(ck) == nts_cookie_ring_current_id(r))
		nts_put32(ck, nts_get32(ck) + 1);
	struct nts_cookie_keys k;
	ck_assert_int_eq(nts_cookie_open(r, ck, len, &k), NTS_E_COOKIE_UNKNOWN_KEY);
	ck_assert_uint_eq(c.cookie_decode_too_old, 1);
	ck_assert_uint_eq(c.cookie_decode_error, 0);
	nts_cookie_ring_free(other);
	nts_cookie_ring_free(r);
}
END_TEST

START_TEST(test_empty_ring_and_args)
{
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r;
	struct nts_ring_config bad1 = { 0, 7 }, bad2 = { 10, NTS_RING_MAX_KEYS };
	ck_assert_int_eq(nts_cookie_ring_new(&bad1, NULL, &r), NTS_E_INVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(nts_cookie_ring_new(&bad2, NULL, &r), NTS_E_INVAL);
	ck_assert_int_eq(nts_cookie_ring_new(NULL, &c, &r), NTS_OK);   /* defaults */
	ck_assert_uint_eq(nts_cookie_ring_size(r), 0);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), 0);
	uint8_t k[64] = { 0 }, out[200];
	size_t len = 0;
	ck_assert_int_eq(nts_cookie_seal(r, 15, k, k, 32, out, sizeof out, &len), NTS_E_RING_EMPTY);
	struct nts_cookie_keys keys;
	memset(out, 0, 104);
	ck_assert_int_eq(nts_cookie_open(r, out, 104, &keys), NTS_E_COOKIE_UNKNOWN_KEY);

	ck_assert_int_eq(nts_cookie_ring_rotate(r, 5000, false), 1);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), 5000 + 86400);
	ck_assert_int_eq(nts_cookie_seal(r, 16, k, k, 48, out, sizeof out, &len), NTS_E_AEAD_UNSUPP);
	ck_assert_int_eq(nts_cookie_seal(r, 30, k, k, 16, out, sizeof out, &len), NTS_E_AEAD_UNSUPP);
	ck_assert_int_eq(nts_cookie_seal(r, 15, k, k, 64, out, sizeof out, &len), NTS_E_INVAL);
	ck_assert_int_eq(nts_cookie_seal(r, 17, k, k, 32, out, sizeof out, &len), NTS_E_INVAL);
	ck_assert_int_eq(nts_cookie_seal(r, 15, k, k, 32, out, 103, &len), NTS_E_NOSPACE);
	ck_assert_int_eq(nts_cookie_seal(r, 17, k, k, 64, out, 167, &len), NTS_E_NOSPACE);
	ck_assert_int_eq(nts_cookie_seal(r, 15, NULL, k, 32, out, sizeof out, &len), NTS_E_INVAL);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(nts_cookie_seal(r, 17, k, k, 64, out, 168, &len), NTS_OK);
	ck_assert_uint_eq(c.cookie_make, 1);
	ck_assert_uint_eq(c.cookie_decode_too_old, 1);
	nts_cookie_ring_free(r);
	nts_cookie_ring_free(NULL);
}
END_TEST

/* Rotation under a fake clock: rotate 100 s, retain 2 (so 3 keys live). */
START_TEST(test_rotation)
{
	struct nts_counters c = { 0 };
	struct nts_cookie_ring *r = ring_with_key(100, 2, &c, 1000);
	uint32_t id0 = nts_cookie_ring_current_id(r);
	uint8_t c0[200], c1[200];
	size_t l0 = seal(r, 15, 10, c0);

	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), 1100);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1099, false), 0);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 500, false), 0);   /* clock stepped back */
	ck_assert_uint_eq(nts_cookie_ring_size(r), 1);
	open_ok(r, c0, l0, 15, 10, false);

	/* period 2: c0 is now an old (retained) key's cookie */
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1100, false), 1);
	ck_assert_uint_eq(nts_cookie_ring_current_id(r), id0 + 1);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), 1200);
	size_t l1 = seal(r, 17, 11, c1);
	ck_assert_uint_eq(nts_get32(c1), id0 + 1);
	open_ok(r, c0, l0, 15, 10, true);
	open_ok(r, c1, l1, 17, 11, false);

	/* Several periods skipped at once still add a single key. */
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1750, false), 1);
	ck_assert_uint_eq(nts_cookie_ring_size(r), 3);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), 1850);
	open_ok(r, c0, l0, 15, 10, true);
	open_ok(r, c1, l1, 17, 11, true);

	/* retain + 1 = 3 rotations after c0's key: it is too old now */
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1850, false), 1);
	ck_assert_uint_eq(nts_cookie_ring_size(r), 3);
	struct nts_cookie_keys k;
	ck_assert_int_eq(nts_cookie_open(r, c0, l0, &k), NTS_E_COOKIE_UNKNOWN_KEY);
	open_ok(r, c1, l1, 17, 11, true);
	/* force rotates regardless of age; c1 goes too after one more */
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1851, true), 1);
	ck_assert_uint_eq(nts_cookie_ring_current_id(r), id0 + 4);
	ck_assert_int_eq(nts_cookie_open(r, c1, l1, &k), NTS_E_COOKIE_UNKNOWN_KEY);

	/* exact counters for everything above */
	ck_assert_uint_eq(c.cookie_make, 2);
	ck_assert_uint_eq(c.cookie_decode, 6);
	ck_assert_uint_eq(c.cookie_decode_old, 4);
	ck_assert_uint_eq(c.cookie_decode_too_old, 2);
	ck_assert_uint_eq(c.cookie_decode_error, 0);
	ck_assert_uint_eq(c.server_recvs_good + c.client_sends + c.ke_serves_good, 0);
	nts_cookie_ring_free(r);
}
END_TEST

START_TEST(test_export_import)
{
	struct nts_cookie_ring *a = ring_with_key(100, 3, NULL, 1000), *b;
	ck_assert_int_eq(nts_cookie_ring_rotate(a, 1100, false), 1);
	uint8_t ck[200];
	size_t len = seal(a, 15, 20, ck);
	struct nts_ring_key keys[NTS_RING_MAX_KEYS], back[NTS_RING_MAX_KEYS];
	size_t n = 0, m = 0;
	ck_assert_int_eq(nts_cookie_ring_export(a, keys, 1, &n), NTS_E_NOSPACE);
	ck_assert_int_eq(nts_cookie_ring_export(a, keys, NTS_RING_MAX_KEYS, &n), NTS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(keys[1].created, 1100);
	ck_assert_uint_eq(keys[1].id, keys[0].id + 1);

	b = ring_with_key(100, 3, NULL, 5000);
	uint32_t bid = nts_cookie_ring_current_id(b);
	/* invalid sets change nothing */
	ck_assert_int_eq(nts_cookie_ring_import(b, keys, 0), NTS_E_INVAL);
	struct nts_ring_key dup[2] = { keys[0], keys[0] };
	ck_assert_int_eq(nts_cookie_ring_import(b, dup, 2), NTS_E_INVAL);
	ck_assert_uint_eq(nts_cookie_ring_current_id(b), bid);
	ck_assert_uint_eq(nts_cookie_ring_size(b), 1);

	ck_assert_int_eq(nts_cookie_ring_import(b, keys, n), NTS_OK);
	open_ok(b, ck, len, 15, 20, false);
	ck_assert_int_eq(nts_cookie_ring_export(b, back, NTS_RING_MAX_KEYS, &m), NTS_OK);
	ck_assert_uint_eq(m, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(back[i].id, keys[i].id);
		ck_assert_int_eq(back[i].created, keys[i].created);
		ck_assert_mem_eq(back[i].key, keys[i].key, NTS_MASTER_KEY_LEN);
	}
	/* the next key continues the imported ids */
	ck_assert_int_eq(nts_cookie_ring_rotate(b, 1200, false), 1);
	ck_assert_uint_eq(nts_cookie_ring_current_id(b), keys[1].id + 1);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(b);
}
END_TEST

/* Worker threads seal and open while the main thread rotates. */
struct worker {
	struct nts_cookie_ring *r;
	uint8_t seed;
	int failures;
};

#define THREAD_OPS 3000

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint8_t ck[200], c2s[64], s2c[64];
	fill(c2s, 64, w->seed);
	fill(s2c, 64, (uint8_t)(w->seed + 1));
	for (int i = 0; i < THREAD_OPS; i++) {
		uint16_t aead = aeads[i % 2];
		size_t kl = nts_aead_key_len(aead), len;
		struct nts_cookie_keys k;
		if (nts_cookie_seal(w->r, aead, c2s, s2c, kl, ck, sizeof ck, &len) != NTS_OK ||
		    nts_cookie_open(w->r, ck, len, &k) != NTS_OK || k.aead != aead ||
		    memcmp(k.c2s, c2s, kl) != 0 || memcmp(k.s2c, s2c, kl) != 0)
			w->failures++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct nts_counters c = { 0 };
	/* retain is larger than the number of rotations, so nothing expires */
	struct nts_cookie_ring *r = ring_with_key(100, 40, &c, 1000);
	enum { NT = 4 };
	pthread_t t[NT];
	struct worker w[NT];
	for (int i = 0; i < NT; i++) {
		w[i] = (struct worker){ r, (uint8_t)(i * 31), 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 30; i++)
		ck_assert_int_eq(nts_cookie_ring_rotate(r, 1001 + i, true), 1);
	for (int i = 0; i < NT; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	ck_assert_uint_eq(nts_cookie_ring_size(r), 31);
	ck_assert_uint_eq(c.cookie_make, NT * THREAD_OPS);
	ck_assert_uint_eq(c.cookie_decode, NT * THREAD_OPS);
	ck_assert_uint_eq(c.cookie_decode_error + c.cookie_decode_too_old, 0);
	nts_cookie_ring_free(r);
}
END_TEST

/* Readers that never pause cannot hold rotation off: seal and open take no
 * lock, so a writer publishing new key sets (rotate, and import as the key
 * file sync does) finishes while every reader runs flat out, and no reader
 * ever sees anything but a whole set (a cookie sealed a moment ago opens,
 * or its key was rotated out: never a wrong or torn key). */
struct spinner {
	struct nts_cookie_ring *r;
	const int *stop;
	uint8_t seed;
	long ops, expired, failures;
};

static void *spinner_run(void *arg)
{
	struct spinner *w = arg;
	uint8_t ck[200], c2s[32], s2c[32];
	fill(c2s, 32, w->seed);
	fill(s2c, 32, (uint8_t)(w->seed + 7));
	/* bounded: the main thread sets stop; 10 M operations at most */
	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE) && w->ops < 10000000) {
		size_t len;
		struct nts_cookie_keys k;
		int rc = nts_cookie_seal(w->r, 15, c2s, s2c, 32, ck, sizeof ck, &len);
		if (rc == NTS_OK)
			rc = nts_cookie_open(w->r, ck, len, &k);
		if (rc == NTS_E_COOKIE_UNKNOWN_KEY)
			w->expired++;   /* rotated past retain between seal and open */
		else if (rc != NTS_OK || memcmp(k.c2s, c2s, 32) != 0 || memcmp(k.s2c, s2c, 32) != 0)
			w->failures++;
		__atomic_store_n(&w->ops, w->ops + 1, __ATOMIC_RELAXED);   /* read by the main thread */
#ifdef __SANITIZE_THREAD__
		if (w->ops % 16 == 0)
			sched_yield();   /* TSan: let the writer's slow atomics through */
#endif
	}
	return NULL;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ThreadSanitizer runs every atomic operation on one object through its own
 * lock: with dozens of readers spinning on the published pointer a rotation
 * waits for TSan's bookkeeping, not for ours. Looser bounds and fewer
 * rotations there; the race detection is what that build is for. */
#ifdef __SANITIZE_THREAD__
#define TSAN_SLOWDOWN 10
#else
#define TSAN_SLOWDOWN 1
#endif

static void rotate_under_readers(int nreaders, int rotations)
{
	struct nts_cookie_ring *r = ring_with_key(86400, 2, NULL, 1000);
	int stop = 0;
	pthread_t *t = calloc((size_t)nreaders, sizeof *t);
	struct spinner *w = calloc((size_t)nreaders, sizeof *w);
	ck_assert(t && w);
	for (int i = 0; i < nreaders; i++) {
		w[i] = (struct spinner){ .r = r, .stop = &stop, .seed = (uint8_t)(i * 13) };
		ck_assert_int_eq(pthread_create(&t[i], NULL, spinner_run, &w[i]), 0);
	}
	/* the readers are running before the first rotation */
	for (int i = 0; i < 100000 && __atomic_load_n(&w[0].ops, __ATOMIC_RELAXED) == 0; i++)
		sched_yield();
	double t0 = mono_now(), worst = 0;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	for (int i = 0; i < rotations; i++) {
		double a = mono_now();
		ck_assert_int_eq(nts_cookie_ring_rotate(r, 1001 + i, true), 1);
		if (i % 10 == 4) {
			/* a key file sync: the same keys again, as new objects */
			size_t n;
			ck_assert_int_eq(nts_cookie_ring_export(r, keys, NTS_RING_MAX_KEYS, &n), NTS_OK);
			ck_assert_int_eq(nts_cookie_ring_import(r, keys, n), NTS_OK);
		}
		double d = mono_now() - a;
		worst = d > worst ? d : worst;
	}
	double took = mono_now() - t0;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	long ops = 0, expired = 0;
	for (int i = 0; i < nreaders; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
		ops += w[i].ops;
		expired += w[i].expired;
	}
	/* generous bounds: sanitizer builds on a shared 2-CPU box; a rotation
	 * takes microseconds, a starved one would take the whole run */
	ck_assert_msg(took < 20.0 * TSAN_SLOWDOWN, "%d rotations took %.3f s with %d readers", rotations, took, nreaders);
	ck_assert_msg(worst < 2.0 * TSAN_SLOWDOWN, "one rotation took %.3f s with %d readers", worst, nreaders);
	ck_assert_msg(ops > 0, "the readers never ran");
	ck_assert_msg(expired <= ops / 2, "%ld of %ld round trips expired", expired, ops);
	ck_assert_uint_eq(nts_cookie_ring_size(r), 3);
	free(t);
	free(w);
	nts_cookie_ring_free(r);
}

START_TEST(test_rotation_not_starved)
{
	rotate_under_readers(4, 300 / TSAN_SLOWDOWN);
}
END_TEST

/* More readers than hazard slots (64): the extra ones wait for a free slot
 * and nothing breaks. */
START_TEST(test_more_readers_than_slots)
{
	rotate_under_readers(TSAN_SLOWDOWN > 1 ? 66 : 80, 50 / TSAN_SLOWDOWN);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *cookie_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("cookie");
	tcase_add_test(tc, test_lengths);
	tcase_add_loop_test(tc, test_round_trip, 0, N(aeads));
	tcase_add_loop_test(tc, test_tamper, 0, N(aeads));
	tcase_add_test(tc, test_short_and_long);
	tcase_add_test(tc, test_content);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_empty_ring_and_args);
	suite_add_tcase(s, tc);
	TCase *ring = tcase_create("ring");
	tcase_add_test(ring, test_rotation);
	tcase_add_test(ring, test_rotation_not_starved);
	tcase_add_test(ring, test_more_readers_than_slots);
	tcase_add_test(ring, test_export_import);
	tcase_add_test(ring, test_threads);
	suite_add_tcase(s, ring);
	return s;
}
