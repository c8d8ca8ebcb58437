/* ntsmon: reading one target into a snapshot, from ntsd's control socket
 * (its JSON status report) or over mode 6 (RFC 9327, as ntpq does). Both
 * are bounded by timeout_ms per exchange; a failure leaves s->up false
 * and says why in s->error. */
#ifndef NTSMON_FETCH_H
#define NTSMON_FETCH_H

#include "model.h"

bool mon_fetch_ctl(const char *path, struct mon_snapshot *s, int timeout_ms);
bool mon_fetch_mode6(const char *host, const char *port, struct mon_snapshot *s, int timeout_ms);

#endif
