/* ntsd: readiness for systemd (Type=notify, sd_notify(3)). Without
 * NOTIFY_SOCKET (not started by systemd) every call is a no-op. */
#include <config.h>

#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "common/mono.h"
#include "nts/log.h"
#include "ntsd.h"

static void status_line(const struct ntsd *d, const char *state, char *buf, size_t len)
{
	snprintf(buf, len, "%s: NTP on %zu address%s, NTS-KE on %zu%s%s", state, d->cfg.nntp,
		 d->cfg.nntp == 1 ? "" : "es", d->cfg.nts_enable ? d->cfg.nke : 0,
		 d->cfg.user[0] ? ", user " : "", d->cfg.user);
}

void ntsd_notify_ready(const struct ntsd *d)
{
	char st[256];
	status_line(d, "serving", st, sizeof st);
	/* called once every socket is bound and the workers run */
	if (sd_notifyf(0, "READY=1\nSTATUS=%s", st) < 0)
		nts_log(NTS_LOG_WARNING, NTS_TAG_SHARED, "sd_notify READY failed");
}

void ntsd_notify_reloading(void)
{
	/* MONOTONIC_USEC lets systemd >= 253 match the reload to this message */
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the certificate and key\nMONOTONIC_USEC=%llu",
		   (unsigned long long)mono_us());
}

void ntsd_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
