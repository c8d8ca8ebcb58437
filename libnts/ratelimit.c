/* Per-client-address limits in fixed memory (see nts/ratelimit.h).
 *
 * Each address has a generic cell rate algorithm state (GCRA): the
 * "theoretical arrival time" tat advances by one emission interval per
 * answered request; a request that comes more than (burst - 1) intervals
 * before tat is over the limit. One int64 per address gives the token
 * bucket of chrony's ratelimit (interval, burst) without floating point.
 * The table is set-associative (4 ways): a new address takes a free way or
 * the one seen least recently, so memory is fixed whatever the traffic. */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nts/err.h"
#include "nts/ratelimit.h"

#define WAYS 4
#define LOCKS 64            /* stripes: sets map onto them by index */
#define MAX_ENTRIES (1u << 24)

struct entry {
	uint8_t addr[16];
	bool used;
	uint32_t conns;
	int64_t tat;            /* GCRA theoretical arrival time, us */
	int64_t kod_at;         /* no RATE KoD before this, us */
	int64_t last;           /* last request, us (eviction order) */
	int64_t last_pass;      /* last answered request, us (min_gap) */
};

struct nts_rl {
	struct nts_rl_config cfg;
	int64_t t_us, tau_us, gap_us;
	uint64_t k0, k1;        /* hash key */
	uint64_t prng;          /* xorshift state for the leak, under locks[0] */
	size_t nsets;
	struct entry *e;
	pthread_mutex_t locks[LOCKS];
	pthread_mutex_t prng_lock;
	struct nts_rl_stats st;
};

static uint64_t mix(uint64_t h)
{
	/* the 64-bit finaliser of MurmurHash3: full avalanche */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

int nts_rl_new(const struct nts_rl_config *cfg, uint64_t seed, struct nts_rl **out)
{
	*out = NULL;
	if (cfg->interval < -6 || cfg->interval > 12 || cfg->burst < 1 || cfg->burst > 65536 ||
	    cfg->leak > 16 || cfg->min_gap > 3600 || cfg->entries < WAYS ||
	    cfg->entries > MAX_ENTRIES || cfg->v6_prefix < 1 || cfg->v6_prefix > 128)
		return NTS_E_CONF;
	struct nts_rl *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NTS_E_NOMEM;
	rl->cfg = *cfg;
	size_t n = WAYS;
	while (n < cfg->entries)
		n <<= 1;
	rl->nsets = n / WAYS;
	rl->e = calloc(n, sizeof *rl->e);
	if (!rl->e) {
		free(rl);
		return NTS_E_NOMEM;
	}
	rl->t_us = cfg->interval >= 0 ? (int64_t)1000000 << cfg->interval
				      : (int64_t)1000000 >> -cfg->interval;
	rl->tau_us = rl->t_us * (int64_t)(cfg->burst - 1);
	rl->gap_us = (int64_t)cfg->min_gap * 1000000;
	rl->k0 = mix(seed ^ 0x6a09e667f3bcc908ULL);
	rl->k1 = mix(seed + 0xbb67ae8584caa73bULL);
	rl->prng = rl->k0 | 1;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	pthread_mutex_init(&rl->prng_lock, NULL);
	*out = rl;
	return NTS_OK;
}

void nts_rl_free(struct nts_rl *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	pthread_mutex_destroy(&rl->prng_lock);
	free(rl->e);
	free(rl);
}

/* The table key: IPv4 as ::ffff:a.b.c.d; IPv6 cut to v6_prefix bits, since
 * one host usually owns a whole /64 and could rotate through it. */
static bool make_key(const struct nts_rl *rl, const uint8_t *addr, size_t alen, uint8_t key[16])
{
	memset(key, 0, 16);
	if (alen == 4) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, addr, 4);
		return true;
	}
	if (alen != 16)
		return false;
	memcpy(key, addr, 16);
	unsigned p = rl->cfg.v6_prefix;
	if (p < 128) {
		key[p / 8] &= (uint8_t)(0xff00 >> (p % 8));
		for (unsigned i = p / 8 + 1; i < 16; i++)
			key[i] = 0;
	}
	return true;
}

static size_t set_of(const struct nts_rl *rl, const uint8_t key[16])
{
	uint64_t a, b;
	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	uint64_t h = mix(a ^ rl->k0) ^ mix(b ^ rl->k1);
	return (size_t)(mix(h) & (rl->nsets - 1));
}

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* The entry of key in its set, taking a free or the stalest way when
 * create is set; NULL when every way holds open connections. Called with
 * the set's lock held. */
static struct entry *find(struct nts_rl *rl, size_t set, const uint8_t key[16], bool create,
			  int64_t now)
{
	struct entry *ways = rl->e + set * WAYS, *victim = NULL;
	for (int i = 0; i < WAYS; i++)
		if (ways[i].used && memcmp(ways[i].addr, key, 16) == 0)
			return &ways[i];
	if (!create)
		return NULL;
	for (int i = 0; i < WAYS; i++) {
		if (!ways[i].used) {
			victim = &ways[i];
			break;
		}
		/* an address with open connections keeps its count */
		if (ways[i].conns == 0 && (!victim || ways[i].last < victim->last))
			victim = &ways[i];
	}
	if (!victim) {
		count(&rl->st.untracked);
		return NULL;
	}
	if (victim->used)
		count(&rl->st.evicted);
	memset(victim, 0, sizeof *victim);
	victim->used = true;
	memcpy(victim->addr, key, 16);
	victim->tat = now;
	victim->kod_at = now;
	victim->last_pass = now - rl->gap_us - 1;
	return victim;
}

/* GCRA: true (and the state advanced) when a request at now is within the
 * rate; an entry idle for long starts again from now with its full burst. */
static bool gcra_take(const struct nts_rl *rl, struct entry *e, int64_t now)
{
	int64_t tat = e->tat > now ? e->tat : now;
	if (tat - now > rl->tau_us)
		return false;
	if (rl->gap_us > 0 && now - e->last_pass < rl->gap_us)
		return false;
	e->tat = tat + rl->t_us;
	e->last_pass = now;
	return true;
}

static bool leak_pick(struct nts_rl *rl)
{
	if (rl->cfg.leak == 0)
		return false;
	pthread_mutex_lock(&rl->prng_lock);
	uint64_t x = rl->prng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rl->prng = x;
	pthread_mutex_unlock(&rl->prng_lock);
	return (x >> 20 & ((1u << rl->cfg.leak) - 1)) == 0;
}

/* Lock the set that holds addr's entry and look the entry up (made when
 * create): the held lock, or NULL when the address cannot be keyed. */
static pthread_mutex_t *enter(struct nts_rl *rl, const uint8_t *addr, size_t alen, bool create,
			      int64_t now_us, struct entry **e)
{
	uint8_t key[16];
	if (!make_key(rl, addr, alen, key))
		return NULL;
	size_t set = set_of(rl, key);
	pthread_mutex_t *lk = &rl->locks[set % LOCKS];
	pthread_mutex_lock(lk);
	*e = find(rl, set, key, create, now_us);
	return lk;
}

enum nts_rl_verdict nts_rl_check(struct nts_rl *rl, const uint8_t *addr, size_t alen,
				 int64_t now_us)
{
	struct entry *e;
	pthread_mutex_t *lk = enter(rl, addr, alen, true, now_us, &e);
	if (!lk)
		return NTS_RL_DROP;
	enum nts_rl_verdict v = NTS_RL_PASS;
	if (e) {
		e->last = now_us;
		if (!gcra_take(rl, e, now_us)) {
			v = NTS_RL_DROP;
			/* RFC 5905 section 7.4: a RATE kiss tells the client to back
			 * off; send at most one per interval so the kisses cannot be
			 * used as a reflector either */
			if (rl->cfg.kod && now_us >= e->kod_at) {
				e->kod_at = now_us + rl->t_us;
				v = NTS_RL_KOD;
			}
		}
	}
	pthread_mutex_unlock(lk);
	/* the leak keeps a client whose address is forged by a flooder from
	 * being cut off entirely (chrony's leak) */
	if (v == NTS_RL_DROP && leak_pick(rl)) {
		count(&rl->st.leaked);
		return NTS_RL_PASS;
	}
	count(v == NTS_RL_PASS ? &rl->st.passed : v == NTS_RL_KOD ? &rl->st.kod : &rl->st.dropped);
	return v;
}

enum nts_rl_verdict nts_rl_conn_open(struct nts_rl *rl, const uint8_t *addr, size_t alen,
				     int64_t now_us)
{
	struct entry *e;
	pthread_mutex_t *lk = enter(rl, addr, alen, true, now_us, &e);
	if (!lk)
		return NTS_RL_DROP;
	enum nts_rl_verdict v = NTS_RL_DROP;
	if (e) {
		e->last = now_us;
		bool room = rl->cfg.max_conns == 0 || e->conns < rl->cfg.max_conns;
		if (room && gcra_take(rl, e, now_us)) {
			e->conns++;
			v = NTS_RL_PASS;
		}
	}
	pthread_mutex_unlock(lk);
	count(v == NTS_RL_PASS ? &rl->st.passed : &rl->st.conn_refused);
	return v;
}

void nts_rl_conn_close(struct nts_rl *rl, const uint8_t *addr, size_t alen)
{
	struct entry *e;
	pthread_mutex_t *lk = enter(rl, addr, alen, false, 0, &e);
	if (!lk)
		return;
	if (e && e->conns > 0)
		e->conns--;
	pthread_mutex_unlock(lk);
}

unsigned nts_rl_conns(struct nts_rl *rl, const uint8_t *addr, size_t alen)
{
	struct entry *e;
	pthread_mutex_t *lk = enter(rl, addr, alen, false, 0, &e);
	if (!lk)
		return 0;
	unsigned n = e ? e->conns : 0;
	pthread_mutex_unlock(lk);
	return n;
}

void nts_rl_get_stats(const struct nts_rl *rl, struct nts_rl_stats *out)
{
	const uint64_t *src = &rl->st.passed;
	uint64_t *dst = &out->passed;
	for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
