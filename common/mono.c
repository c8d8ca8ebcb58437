/* mono: CLOCK_MONOTONIC in the units the programs want. */
#include <config.h>

#include <time.h>

#include "common/mono.h"

static struct timespec mono_ts(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

double mono_now(void)
{
	struct timespec ts = mono_ts();
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int64_t mono_ms(void)
{
	struct timespec ts = mono_ts();
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_us(void)
{
	struct timespec ts = mono_ts();
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
