/* The monotonic clock, for timeouts, deadlines and rates (never wall time). */
#ifndef COMMON_MONO_H
#define COMMON_MONO_H

#include <stdint.h>

/* CLOCK_MONOTONIC in seconds, milliseconds, microseconds. */
double mono_now(void);
int64_t mono_ms(void);
int64_t mono_us(void);

#endif
