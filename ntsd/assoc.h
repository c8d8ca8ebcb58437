/* ntsd: one client association (RFC 5905 section 9): polls a server on the
 * scheduler, checks and times the answers, and keeps the source's clock
 * filter. With `nts` in its server line, the NTS hook (ntsc.h) wraps and
 * unwraps each packet; a plain association never calls it. */
#ifndef NTSD_ASSOC_H
#define NTSD_ASSOC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "nts/filter.h"

struct ntsd;
struct ntsd_server_conf;
struct ntsd_source_status;
struct ntsd_ntsc;

struct ntsd_assoc {
	struct ntsd *d;
	const struct ntsd_server_conf *sc;
	uint16_t associd;
	char name[128];
	struct sockaddr_storage addr;    /* where requests go (from DNS, or NTS-KE) */
	socklen_t addrlen;
	char addr_text[64];
	int fd;
	struct ntsd_ntsc *ntsc;          /* NULL unless sc->nts */
	struct nts_filter filt;
	bool have_est;                   /* filt.best is valid */
	uint8_t reach;
	int poll;                        /* log2 s */
	int burst;                       /* iburst packets still to send quickly */
	unsigned polls;                  /* polls since start or last replacement */
	uint64_t timer;
	/* the request in flight */
	bool outstanding;
	uint64_t xmt_sent;               /* random transmit timestamp we sent (origin check) */
	uint64_t t1;                     /* real local send time, NTP format */
	/* from the last good answer */
	int stratum, leap;
	uint32_t refid;
	double root_delay, root_disp;
	double last_rx;                  /* monotonic time of the last good answer, < 0 none */
	char tally;
	uint64_t sent, received, dropped, naks;
};

/* Start an association; addr is the server's NTP address for a plain
 * server (NULL with nts: NTS-KE says where). */
struct ntsd_assoc *ntsd_assoc_new(struct ntsd *d, const struct ntsd_server_conf *sc,
				  const struct sockaddr *addr, socklen_t len, uint16_t associd);
void ntsd_assoc_free(struct ntsd_assoc *a);
/* The fields of st that the association knows. */
void ntsd_assoc_status(const struct ntsd_assoc *a, struct ntsd_source_status *st, double now);
/* Stop polling sooner than maxpoll lets it: the system asks for a new interval. */
void ntsd_assoc_set_poll(struct ntsd_assoc *a, int poll);

#endif
