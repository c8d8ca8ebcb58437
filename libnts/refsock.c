/* chrony's SOCK reference clock samples, as gpsd writes them: a struct of
 * native types, checked field by field before it becomes a sample. */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nts/err.h"
#include "nts/refsock.h"

#define AT(p, field) ((const uint8_t *)(p) + offsetof(struct nts_refsock_wire, field))

int nts_refsock_decode(const void *dgram, size_t len, struct nts_refsock_sample *out)
{
	if (!dgram || !out)
		return NTS_E_INVAL;
	memset(out, 0, sizeof *out);
	if (len != NTS_REFSOCK_SIZE)
		return NTS_E_SOCK_SIZE;
	struct timeval tv;
	double offset;
	int pulse, leap, magic;
	memcpy(&tv, AT(dgram, tv), sizeof tv);
	memcpy(&offset, AT(dgram, offset), sizeof offset);
	memcpy(&pulse, AT(dgram, pulse), sizeof pulse);
	memcpy(&leap, AT(dgram, leap), sizeof leap);
	memcpy(&magic, AT(dgram, magic), sizeof magic);
	if (magic != NTS_REFSOCK_MAGIC)
		return NTS_E_SOCK_MAGIC;
	if (tv.tv_sec <= 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return NTS_E_SOCK_RANGE;
	if (!isfinite(offset) || fabs(offset) > NTS_REFSOCK_MAX_OFFSET)
		return NTS_E_SOCK_RANGE;
	if (leap < 0 || leap > 2)
		return NTS_E_SOCK_RANGE;
	out->sec = (int64_t)tv.tv_sec;
	out->nsec = (int32_t)tv.tv_usec * 1000;
	out->offset = offset;
	out->pulse = pulse != 0;
	out->leap = leap;
	return NTS_OK;
}

void nts_refsock_encode(void *dgram, int64_t sec, int32_t usec, double offset, bool pulse, int leap)
{
	struct nts_refsock_wire w;
	memset(&w, 0, sizeof w);
	w.tv.tv_sec = (time_t)sec;
	w.tv.tv_usec = usec;
	w.offset = offset;
	w.pulse = pulse;
	w.leap = leap;
	w.magic = NTS_REFSOCK_MAGIC;
	memcpy(dgram, &w, sizeof w);
}
