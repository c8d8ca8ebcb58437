/* ntsd: the clock driver, the only code that adjusts the system clock
 * (clock_adjtime on CLOCK_REALTIME). Frequencies beyond the kernel's
 * +-500 ppm go through the tick length, as chronyd's sys_linux.c does, so
 * a large phase error can be slewed quickly. With -x nothing is changed. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define SCALED_PPM 65536.0       /* timex.freq units per ppm */
#define MAX_KERNEL_PPM 500.0

static bool read_only;
static long nominal_tick = 10000;  /* us per USER_HZ tick */
static double ppm_per_tick = 100.0;

int ntsd_clock_init(bool no_clock, double *freq)
{
	read_only = no_clock;
	struct timex t;
	memset(&t, 0, sizeof t);
	int rc = clock_adjtime(CLOCK_REALTIME, &t);
	long hz = sysconf(_SC_CLK_TCK);
	if (hz > 0) {
		nominal_tick = 1000000 / hz;
		ppm_per_tick = 1e6 / (double)nominal_tick;
	}
	if (rc < 0) {
		*freq = 0;
		return -1;
	}
	*freq = ((double)(t.tick - nominal_tick) * ppm_per_tick + (double)t.freq / SCALED_PPM) * 1e-6;
	return 0;
}

int ntsd_clock_set_freq(double freq)
{
	if (read_only)
		return 0;
	double ppm = freq * 1e6;
	/* the tick carries whole steps, the frequency the rest (within +-500 ppm) */
	long ticks = lround(ppm / ppm_per_tick);
	if (ticks > nominal_tick / 10)
		ticks = nominal_tick / 10;
	if (ticks < -nominal_tick / 10)
		ticks = -nominal_tick / 10;
	double rest = ppm - (double)ticks * ppm_per_tick;
	if (rest > MAX_KERNEL_PPM)
		rest = MAX_KERNEL_PPM;
	if (rest < -MAX_KERNEL_PPM)
		rest = -MAX_KERNEL_PPM;
	struct timex t;
	memset(&t, 0, sizeof t);
	t.modes = ADJ_FREQUENCY | ADJ_TICK;
	t.freq = lround(rest * SCALED_PPM);
	t.tick = nominal_tick + ticks;
	return clock_adjtime(CLOCK_REALTIME, &t) < 0 ? -1 : 0;
}

int ntsd_clock_step(double offset)
{
	if (read_only)
		return 0;
	struct timex t;
	memset(&t, 0, sizeof t);
	t.modes = ADJ_SETOFFSET | ADJ_NANO;
	double whole = floor(offset);
	t.time.tv_sec = (time_t)whole;
	t.time.tv_usec = (suseconds_t)lround((offset - whole) * 1e9);   /* ns with ADJ_NANO */
	if (t.time.tv_usec >= 1000000000) {
		t.time.tv_sec++;
		t.time.tv_usec -= 1000000000;
	}
	return clock_adjtime(CLOCK_REALTIME, &t) < 0 ? -1 : 0;
}

int ntsd_clock_set_status(bool synchronised, int leap, double est_error, double max_error)
{
	if (read_only)
		return 0;
	struct timex t;
	memset(&t, 0, sizeof t);
	if (clock_adjtime(CLOCK_REALTIME, &t) < 0)
		return -1;
	int status = t.status & ~(STA_UNSYNC | STA_INS | STA_DEL | STA_PLL | STA_FLL);
	if (!synchronised)
		status |= STA_UNSYNC;
	/* the kernel inserts or deletes the second at the next UTC midnight */
	if (synchronised && leap == 1)
		status |= STA_INS;
	if (synchronised && leap == 2)
		status |= STA_DEL;
	memset(&t, 0, sizeof t);
	t.modes = ADJ_STATUS | ADJ_ESTERROR | ADJ_MAXERROR;
	t.status = status;
	t.esterror = (long)fmin(est_error * 1e6, 16e6);
	t.maxerror = (long)fmin(max_error * 1e6, 16e6);
	return clock_adjtime(CLOCK_REALTIME, &t) < 0 ? -1 : 0;
}
