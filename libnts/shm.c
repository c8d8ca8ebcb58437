/* Decoder of the NTP SHM reference clock segment from a byte copy. The
 * live segment is shared with a writer in another process that may be
 * half-way through an update, or may write nonsense: every field is range
 * checked before it becomes a sample. */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nts/err.h"
#include "nts/shm.h"

#define GET(dst, copy, field) \
	memcpy(&(dst), (const uint8_t *)(copy) + offsetof(struct nts_shm_time, field), sizeof(dst))
#define PUT(seg, field, val)                                                              \
	do {                                                                              \
		__typeof__(((struct nts_shm_time *)0)->field) v_ = (val);                 \
		memcpy((uint8_t *)(seg) + offsetof(struct nts_shm_time, field), &v_, sizeof v_); \
	} while (0)

int nts_shm_decode(const void *copy, size_t len, int count_after, struct nts_shm_sample *out)
{
	if (!copy || !out)
		return NTS_E_INVAL;
	memset(out, 0, sizeof *out);
	if (len < NTS_SHM_SIZE)
		return NTS_E_SHM_SHORT;
	int mode, count, cusec, rusec, leap, precision, valid;
	unsigned cnsec, rnsec;
	time_t csec, rsec;
	GET(mode, copy, mode);
	GET(count, copy, count);
	GET(valid, copy, valid);
	GET(csec, copy, clockTimeStampSec);
	GET(cusec, copy, clockTimeStampUSec);
	GET(rsec, copy, receiveTimeStampSec);
	GET(rusec, copy, receiveTimeStampUSec);
	GET(leap, copy, leap);
	GET(precision, copy, precision);
	GET(cnsec, copy, clockTimeStampNSec);
	GET(rnsec, copy, receiveTimeStampNSec);
	if (mode != 0 && mode != 1)
		return NTS_E_SHM_MODE;
	out->mode = mode;
	if (!valid)
		return NTS_E_SHM_EMPTY;
	/* mode 1: the writer bumps count before and after an update, so a
	 * count that moved while we copied marks a possibly torn sample */
	if (mode == 1 && count != count_after)
		return NTS_E_SHM_TORN;
	if (cusec < 0 || cusec >= 1000000 || rusec < 0 || rusec >= 1000000)
		return NTS_E_SHM_RANGE;
	if (csec <= 0 || rsec <= 0)
		return NTS_E_SHM_RANGE;
	if (leap < 0 || leap > 3)
		return NTS_E_SHM_RANGE;
	/* The nanosecond fields came later: writers that predate them leave
	 * whatever was there, so use them only when they round to the
	 * microseconds written next to them (the convention ntpd and chrony
	 * follow too). */
	bool ns = cnsec < 1000000000u && rnsec < 1000000000u && cnsec / 1000 == (unsigned)cusec &&
		  rnsec / 1000 == (unsigned)rusec;
	out->clock_sec = (int64_t)csec;
	out->recv_sec = (int64_t)rsec;
	out->clock_nsec = ns ? (int32_t)cnsec : cusec * 1000;
	out->recv_nsec = ns ? (int32_t)rnsec : rusec * 1000;
	out->nsec_used = ns;
	out->leap = leap;
	out->precision = precision < -30 || precision > 0 ? -20 : precision;
	/* integer difference first: doubles of whole epoch times lose ns */
	out->offset = (double)(out->clock_sec - out->recv_sec) +
		      (out->clock_nsec - out->recv_nsec) * 1e-9;
	if (!isfinite(out->offset))
		return NTS_E_SHM_RANGE;
	return NTS_OK;
}

void nts_shm_encode(void *seg, int mode, int count, int64_t clock_sec, int32_t clock_nsec,
		    int64_t recv_sec, int32_t recv_nsec, int leap, int precision)
{
	memset(seg, 0, NTS_SHM_SIZE);
	PUT(seg, mode, mode);
	PUT(seg, count, count);
	PUT(seg, clockTimeStampSec, (time_t)clock_sec);
	PUT(seg, clockTimeStampUSec, clock_nsec / 1000);
	PUT(seg, clockTimeStampNSec, (unsigned)clock_nsec);
	PUT(seg, receiveTimeStampSec, (time_t)recv_sec);
	PUT(seg, receiveTimeStampUSec, recv_nsec / 1000);
	PUT(seg, receiveTimeStampNSec, (unsigned)recv_nsec);
	PUT(seg, leap, leap);
	PUT(seg, precision, precision);
	PUT(seg, nsamples, 3);
	PUT(seg, valid, 1);
}
