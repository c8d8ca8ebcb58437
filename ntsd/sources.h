/* ntsd: the time sources together: the associations of the server and pool
 * lines, selection and the discipline (libnts), the clock driver, the
 * driftfile, the published status, and what the NTP server says about its
 * own synchronisation. One instance, on the main loop. */
#ifndef NTSD_SOURCES_H
#define NTSD_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ntsd;
struct ntp_hdr;
struct ntsd_config;

/* Start the clock driver and every association of d->cfg. */
int ntsd_sources_start(struct ntsd *d);
/* True when an offset over the panic threshold stopped the loop. */
bool ntsd_sources_panicked(void);
/* Stop them and save the driftfile. */
void ntsd_sources_stop(void);
struct ntsd_assoc;
struct nts_sample;
/* An association changed (reach, state): select again. */
void ntsd_sources_changed(void);
/* Association a measured sample s (already in its filter): select again,
 * and when a survived selection, the sample goes to the discipline. */
void ntsd_sources_sample(const struct ntsd_assoc *a, const struct nts_sample *s);
/* The discipline's total correction at monotonic time now (for samples). */
double ntsd_sources_correction(double now);
/* The system variables of a mode 4 answer (RFC 5905 section 9.2): the
 * selected source's stratum + 1, refid, root delay and dispersion, leap;
 * the `local stratum` fallback or leap 3 / stratum 16 when unsynchronised.
 * Thread-safe (reads the published snapshot). */
void ntsd_sources_server_vars(const struct ntsd_config *c, struct ntp_hdr *h);
/* refid as text for status: kiss code or ".XXX." for stratum 0/1, else an address. */
void ntsd_refid_text(int stratum, uint32_t refid, char *buf, size_t len);

#endif
