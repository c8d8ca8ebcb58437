/* NTS event counters, named after what NTPsec's `ntpq -c nts` shows. */
#ifndef NTS_COUNTERS_H
#define NTS_COUNTERS_H

#include <stdint.h>

/* Increment from any thread with nts_count(&c->field). */
struct nts_counters {
	uint64_t client_sends;
	uint64_t client_recvs_good;
	uint64_t client_recvs_bad;
	uint64_t server_recvs_good;
	uint64_t server_recvs_bad;
	uint64_t server_sends;
	uint64_t cookie_make;
	uint64_t cookie_decode;
	uint64_t cookie_decode_old;      /* opened with a retained (not current) key */
	uint64_t cookie_decode_too_old;  /* key id no longer in the ring */
	uint64_t cookie_decode_error;    /* malformed or failed to verify */
	uint64_t ke_probes_good;
	uint64_t ke_probes_bad;
	uint64_t ke_serves_good;
	uint64_t ke_serves_bad;
};

static inline void nts_count(uint64_t *c) { __atomic_fetch_add(c, 1, __ATOMIC_RELAXED); }
static inline uint64_t nts_counter_get(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }
/* Copy a consistent-enough snapshot (each field read atomically). */
void nts_counters_snapshot(const struct nts_counters *src, struct nts_counters *dst);
/* dst += src, each field of src read atomically: per-thread counters are
 * summed this way when they are read. */
void nts_counters_add(struct nts_counters *dst, const struct nts_counters *src);

#endif
