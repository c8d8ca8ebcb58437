/* Log throttling by fixed windows (see nts/throttle.h). */
#include <config.h>

#include "nts/throttle.h"

void nts_throttle_init(struct nts_throttle *t, int64_t interval_ms, unsigned burst)
{
	t->interval_ms = interval_ms > 0 ? interval_ms : 1;
	t->burst = burst;
	t->window_start = 0;
	t->logged = 0;
	t->held = 0;
}

uint64_t nts_throttle_flush(struct nts_throttle *t, int64_t now)
{
	if (t->logged == 0 && t->held == 0)
		return 0;
	if (now - t->window_start < t->interval_ms)
		return 0;
	uint64_t held = t->held;
	t->logged = 0;
	t->held = 0;
	t->window_start = now;
	return held;
}

bool nts_throttle_allow(struct nts_throttle *t, int64_t now, uint64_t *held_before)
{
	*held_before = nts_throttle_flush(t, now);
	if (t->logged == 0 && t->held == 0)
		t->window_start = now;
	if (t->logged < t->burst) {
		t->logged++;
		return true;
	}
	t->held++;
	return false;
}
