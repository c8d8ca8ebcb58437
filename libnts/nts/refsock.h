/* chrony's SOCK reference clock protocol: one struct sock_sample per
 * datagram on a Unix socket the time daemon creates and gpsd (or
 * ntp-refclock) writes to. Decoded from the datagram's bytes. */
#ifndef NTS_REFSOCK_H
#define NTS_REFSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define NTS_REFSOCK_MAGIC 0x534f434b   /* "SOCK" */

/* The datagram as writers lay it out on this host (native types): only
 * sizeof and offsetof are used, fields are copied out of the bytes. */
struct nts_refsock_wire {
	struct timeval tv;   /* system time of the measurement */
	double offset;       /* true time minus system time, seconds */
	int pulse;           /* nonzero: a PPS edge, seconds numbered elsewhere */
	int leap;            /* 0 none, 1 insert, 2 delete */
	int pad;
	int magic;           /* NTS_REFSOCK_MAGIC */
};

#define NTS_REFSOCK_SIZE sizeof(struct nts_refsock_wire)

struct nts_refsock_sample {
	int64_t sec;         /* system time of the measurement */
	int32_t nsec;
	double offset;       /* true minus system, seconds */
	bool pulse;
	int leap;            /* 0..2 */
};

/* Largest offset accepted: more than a few days means the writer has no
 * idea of the time (a receiver before its first fix, a broken clock). */
#define NTS_REFSOCK_MAX_OFFSET (1e6)

/* Decode one datagram. Returns NTS_OK, NTS_E_SOCK_SIZE (not exactly
 * NTS_REFSOCK_SIZE octets), NTS_E_SOCK_MAGIC or NTS_E_SOCK_RANGE. */
int nts_refsock_decode(const void *dgram, size_t len, struct nts_refsock_sample *out);

/* Write a datagram image of NTS_REFSOCK_SIZE octets (for tests and tools). */
void nts_refsock_encode(void *dgram, int64_t sec, int32_t usec, double offset, bool pulse, int leap);

#endif
