/* ntsd: a snapshot of every time source, for mode 6 (ntpq -p, -c as,
 * rv ASSOCID), the control socket (ntsd -Q ... --json), the metrics
 * endpoint and ntsmon. Filled by the sources code on the main loop and
 * copied under a lock, so NTP worker threads may read it. This struct is
 * the contract between the client, refclock and monitor work: add fields,
 * do not change the meaning of existing ones. */
#ifndef NTSD_STATUS_H
#define NTSD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTSD_STATUS_MAX_SOURCES 64

struct ntsd_source_status {
	uint16_t associd;           /* mode 6 association id, stable for the source's life */
	char name[128];             /* what ntpq shows as remote: "time.example.com", "SHM(0)" */
	char addr[64];              /* "192.0.2.1:123", or a device/segment for refclocks */
	char type;                  /* ntpq 't' column meaning of NTPsec: 'u' unicast, 'l' local/refclock,
	                             * 'p' pool; */
	char tally;                 /* selection character: '*' sys peer, '+' candidate, '-' outlier,
	                             * 'x' falseticker, '#' backup, '.' excess, ' ' rejected/unreachable */
	bool nts;                   /* NTS-authenticated association */
	bool reachable;
	uint8_t reach;              /* 8-bit reach register */
	int stratum;                /* 16 when unknown */
	char refid[16];             /* ".GPS.", "192.0.2.1", "INIT" (kiss codes as text) */
	int leap;                   /* 0..3 */
	int poll_log2;              /* current poll interval, log2 s */
	double when;                /* seconds since the last sample, -1 if none */
	double offset, delay, jitter, dispersion;   /* seconds */
	double root_delay, root_dispersion;         /* seconds */
	/* NTS client state (only when nts) */
	int cookies;                /* cookies held: ntpq's 't' column in NTPsec */
	double ke_age;              /* seconds since the last successful NTS-KE, -1 if none */
	uint16_t aead;              /* IANA AEAD id in use, 0 if none */
	uint64_t naks;              /* NTS NAKs received */
	double cert_days_left;      /* certificate of the KE server, NAN if unknown */
	char last_error[128];       /* "" when fine */
	/* refclock state (only when type == 'l') */
	uint64_t samples, bad_samples;
	char bad_reason[64];
};

struct ntsd_system_status {
	bool synchronised;
	int stratum, leap;
	char refid[16];
	double root_delay, root_dispersion;
	double offset, frequency_ppm;  /* last applied correction, frequency */
	uint16_t sys_peer;             /* associd of the selected source, 0 if none */
	uint32_t refid_wire;           /* refid as sent in mode 4 answers (RFC 5905 section 7.3) */
	double reftime;                /* Unix time of the last clock update, 0 if none */
	double jitter;                 /* system jitter, s */
	int poll_log2;                 /* the poll interval the discipline asks for */
};

/* Replace the published snapshot (main loop only); n <= NTSD_STATUS_MAX_SOURCES,
 * sys may be NULL to keep the system variables. */
void ntsd_status_publish(const struct ntsd_source_status *src, size_t n,
			 const struct ntsd_system_status *sys);
/* Copy up to max sources into out; returns how many there are. Thread-safe. */
size_t ntsd_status_sources(struct ntsd_source_status *out, size_t max);
/* The system variables; thread-safe. */
void ntsd_status_system(struct ntsd_system_status *out);
/* The 32-bit reference ID of a refid text: an IPv4 address, or up to four
 * ASCII characters ("GPS" -> 'G' 'P' 'S' 0), as RFC 5905 section 7.3. */
uint32_t ntsd_status_refid_word(const char *text);

#endif
