/* Log throttling: at most `burst` lines of one kind per interval, then one
 * summary line saying how many were held back (a flood of failed
 * handshakes must not become a flood of log lines). No clock of its own:
 * the caller passes monotonic milliseconds. One instance per thread. */
#ifndef NTS_THROTTLE_H
#define NTS_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

struct nts_throttle {
	int64_t interval_ms;
	unsigned burst;
	int64_t window_start;   /* start of the current window; 0 before the first line */
	unsigned logged;        /* lines let through in this window */
	uint64_t held;          /* lines held back in this window */
};

void nts_throttle_init(struct nts_throttle *t, int64_t interval_ms, unsigned burst);
/* May a line be logged at now? *held_before gets the number of lines held
 * back in a window that has just ended (log the summary first), else 0. */
bool nts_throttle_allow(struct nts_throttle *t, int64_t now, uint64_t *held_before);
/* Call now and then: the number of lines held back in a window that has
 * ended (0 if none or the window is still open); the count is reset. */
uint64_t nts_throttle_flush(struct nts_throttle *t, int64_t now);

#endif
