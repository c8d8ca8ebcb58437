/* ntsd: the clock driver: the only code allowed to adjust the system clock.
 * Frequencies are total corrections in s/s (positive: the clock runs
 * faster). After ntsd_clock_init(true, ...) (-x) every setter does nothing. */
#ifndef NTSD_CLOCK_H
#define NTSD_CLOCK_H

#include <stdbool.h>

/* Remember the mode; *freq = the correction the kernel has now. 0 or -1. */
int ntsd_clock_init(bool no_clock, double *freq);
/* Set the frequency correction (the tick takes what exceeds +-500 ppm). */
int ntsd_clock_set_freq(double freq);
/* Step the clock by offset seconds (ADJ_SETOFFSET). */
int ntsd_clock_step(double offset);
/* Tell the kernel whether it is synchronised, the leap to insert (1) or
 * delete (2) at the next midnight, and its error bounds (for adjtimex users). */
int ntsd_clock_set_status(bool synchronised, int leap, double est_error, double max_error);

#endif
