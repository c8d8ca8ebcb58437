/* The NTP shared-memory reference clock segment (ntpd's refclock_shm.c
 * layout, written by gpsd and others): decoded from a byte copy, so the
 * decoder is pure and the caller alone touches the live segment. */
#ifndef NTS_SHM_H
#define NTS_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* SysV IPC key of unit N is NTS_SHM_KEY + N ("NTP0", "NTP1", ...). */
#define NTS_SHM_KEY 0x4e545030

/* The segment as writers lay it out on this host (native types and
 * padding, as ntpd, gpsd and chrony all compile it). Only sizeof and
 * offsetof are used: fields are copied out of bytes, never cast onto. */
struct nts_shm_time {
	int mode;                 /* 0: valid only; 1: count/valid protocol */
	int count;                /* bumped by the writer around each update (mode 1) */
	time_t clockTimeStampSec; /* reference time of the sample */
	int clockTimeStampUSec;
	time_t receiveTimeStampSec; /* system time when it was taken */
	int receiveTimeStampUSec;
	int leap;                 /* 0 none, 1 insert, 2 delete, 3 not synchronised */
	int precision;            /* log2 seconds */
	int nsamples;
	int valid;                /* set by the writer, cleared by the reader */
	unsigned clockTimeStampNSec;   /* later addition: same instant in ns */
	unsigned receiveTimeStampNSec;
	int dummy[8];
};

#define NTS_SHM_SIZE sizeof(struct nts_shm_time)

struct nts_shm_sample {
	int64_t clock_sec;    /* reference (true) time */
	int32_t clock_nsec;
	int64_t recv_sec;     /* local system time of the same instant */
	int32_t recv_nsec;
	double offset;        /* reference minus local, seconds */
	int leap;             /* 0..3 as in the NTP header */
	int precision;
	int mode;
	bool nsec_used;       /* the nanosecond fields agreed with the microseconds */
};

/* Decode a copy of the segment (len >= NTS_SHM_SIZE). count_after is the
 * segment's count read again after the copy was taken: in mode 1 a
 * different value means the writer was active and the copy may be torn.
 * Returns NTS_OK, NTS_E_SHM_EMPTY (valid clear: nothing new, not an
 * error), NTS_E_SHM_TORN, NTS_E_SHM_MODE, NTS_E_SHM_RANGE, NTS_E_SHM_SHORT.
 * The caller clears the live valid flag after NTS_OK or a bad sample. */
int nts_shm_decode(const void *copy, size_t len, int count_after, struct nts_shm_sample *out);

/* Fill a segment image as a mode-1 writer would (for tests and tools). */
void nts_shm_encode(void *seg, int mode, int count, int64_t clock_sec, int32_t clock_nsec,
		    int64_t recv_sec, int32_t recv_nsec, int leap, int precision);

#endif
