/* ntsd: the NTS-KE client (RFC 8915 section 4) on the main loop: DNS,
 * non-blocking TCP connect, TLS 1.3 handshake with certificate checks, the
 * request and the response, each step driven by ntsd_sched_fd callbacks
 * under one overall timeout. The protocol decisions are libnts's
 * (nts_assoc); this module only moves bytes and logs with the NTSc tag. */
#ifndef NTSD_KE_CLIENT_H
#define NTSD_KE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct nts_assoc;
struct nts_counters;
struct nts_tls_creds;

struct ntsd_kec_opts {
	const char *host;             /* KE server name: connected to and verified */
	uint16_t port;                /* 4460 unless configured */
	struct nts_tls_creds *creds;  /* trust anchors (ca FILE, nts ca, or the system store) */
	bool noval;                   /* do not verify the certificate (loudly) */
	double timeout;               /* seconds for the whole exchange */
};

/* What the caller learns when the exchange ends. */
struct ntsd_kec_outcome {
	int rc;                       /* NTS_OK or why it failed */
	char error[192];              /* one line, "" on success */
	double retry_in;              /* on failure: the back-off nts_assoc chose */
	struct sockaddr_storage peer; /* the KE server's address (the NTP server's unless a */
	socklen_t peer_len;           /* Server record names another) */
	double cert_not_after;        /* Unix time the server certificate expires, 0 if unknown */
};

struct ntsd_kec;
typedef void (*ntsd_kec_done_fn)(void *arg, const struct ntsd_kec_outcome *out);

/* Begin an exchange for a (nts_assoc_ke_begin must be allowed); done is
 * called exactly once, from the loop, unless ntsd_kec_abort comes first.
 * Returns NULL (and calls nothing) only when out of memory. */
struct ntsd_kec *ntsd_kec_start(struct nts_assoc *a, const struct ntsd_kec_opts *o,
			      ntsd_kec_done_fn done, void *arg);
/* Stop an exchange and forget it; done is not called. */
void ntsd_kec_abort(struct ntsd_kec *k);

#endif
