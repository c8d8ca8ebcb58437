/* Per-client-address limits in fixed memory: NTP response rate limiting
 * (RATE kiss-o'-death, RFC 5905 section 7.4) and NTS-KE connection and
 * handshake limits. A hashed, set-associative table whose least recently
 * seen entry is evicted, as chrony's clientlog. No I/O: the caller passes
 * the address bytes and a monotonic time. Thread-safe (striped locks). */
#ifndef NTS_RATELIMIT_H
#define NTS_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nts_rl_verdict {
	NTS_RL_PASS = 0,   /* answer (or accept the connection) */
	NTS_RL_KOD,        /* limited: answer with a RATE kiss-o'-death */
	NTS_RL_DROP,       /* limited: send nothing */
};

struct nts_rl_config {
	int interval;        /* log2 seconds between requests on average (-6..12) */
	unsigned burst;      /* requests allowed back to back after a quiet time (>= 1) */
	unsigned leak;       /* answer 1 in 2^leak limited requests anyway (0: never) */
	unsigned min_gap;    /* seconds that must separate two answers (0: no minimum) */
	bool kod;            /* a limited request may get a RATE KoD (one per interval) */
	unsigned max_conns;  /* concurrent connections per address (0: unlimited) */
	unsigned entries;    /* table size in addresses (rounded up to a power of two) */
	unsigned v6_prefix;  /* IPv6 addresses are one client per this prefix (1..128) */
};

/* chrony's NTP defaults: interval 3 (one request per 8 s), burst 8, leak 2. */
#define NTS_RL_CONFIG_DEFAULT { 3, 8, 2, 0, false, 0, 16384, 64 }

/* Counts, read with nts_rl_get_stats(). */
struct nts_rl_stats {
	uint64_t passed;       /* within the limit */
	uint64_t leaked;       /* over the limit but let through (leak) */
	uint64_t kod;          /* answered with RATE */
	uint64_t dropped;      /* over the limit, nothing sent */
	uint64_t conn_refused; /* connections over the per-address bound */
	uint64_t evicted;      /* entries reused for another address */
	uint64_t untracked;    /* no slot free (all held by open connections) */
};

struct nts_rl;

/* A table for cfg; seed keys the hash (and the leak) so that an attacker
 * cannot aim addresses at one set. NTS_E_CONF on a bad cfg. */
int nts_rl_new(const struct nts_rl_config *cfg, uint64_t seed, struct nts_rl **out);
void nts_rl_free(struct nts_rl *rl);

/* One request from addr (4 or 16 octets, network order) at now_us
 * (monotonic microseconds). */
enum nts_rl_verdict nts_rl_check(struct nts_rl *rl, const uint8_t *addr, size_t alen,
				 int64_t now_us);

/* A new connection from addr: NTS_RL_PASS (counted until nts_rl_conn_close)
 * or NTS_RL_DROP when the address is over its handshake rate or already
 * holds max_conns connections. */
enum nts_rl_verdict nts_rl_conn_open(struct nts_rl *rl, const uint8_t *addr, size_t alen,
				     int64_t now_us);
void nts_rl_conn_close(struct nts_rl *rl, const uint8_t *addr, size_t alen);
/* Connections addr holds now. */
unsigned nts_rl_conns(struct nts_rl *rl, const uint8_t *addr, size_t alen);

void nts_rl_get_stats(const struct nts_rl *rl, struct nts_rl_stats *out);

#endif
