/* ntsd: the NTS hook of a client association (RFC 8915 sections 4-5).
 * assoc.c calls these only for a server line with `nts`; a plain NTP
 * association never does. The association owns the socket, timers and
 * the clock filter; this module owns NTS-KE, the cookie jar, keys and the
 * extension fields, and says where the NTP requests must go (the NTS-KE
 * Server and Port records, section 4.1.7-4.1.8). Implemented in ntsc.c. */
#ifndef NTSD_NTSC_H
#define NTSD_NTSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ntsd;
struct ntsd_server_conf;
struct ntsd_source_status;

/* Per-source NTS state. */
struct ntsd_ntsc;

/* Create the state for one `server HOST nts ...` line (sc stays valid for
 * the life of the daemon); NULL when out of memory. May schedule NTS-KE on
 * the scheduler (sched.h) right away. */
struct ntsd_ntsc *ntsd_ntsc_new(struct ntsd *d, const struct ntsd_server_conf *sc);
void ntsd_ntsc_free(struct ntsd_ntsc *c);

/* True when a request can go now, with *to / *tolen the NTP address to send
 * it to. False when it cannot (no cookies, no keys, KE running or backing
 * off): it has then started or scheduled NTS-KE itself, and the association
 * just counts a missed poll. */
bool ntsd_ntsc_ready(struct ntsd_ntsc *c, struct sockaddr_storage *to, socklen_t *tolen);

/* Append the NTS extension fields (Unique Identifier, Cookie, Placeholders,
 * Authenticator) to the request whose 48-octet header is in pkt[0..*len);
 * cap is the buffer size. On NTS_OK *len is the full request length. */
int ntsd_ntsc_wrap(struct ntsd_ntsc *c, uint8_t *pkt, size_t cap, size_t *len);

/* Check a response to the last wrapped request: NTS_OK when it is
 * authentic (UID echo, authenticator; new cookies taken into the jar). A
 * NTS_E_NTS_NAK (an NTSN kiss-o'-death, RFC 8915 section 5.7) means: do not
 * use the packet for time; NTS-KE will be redone. Any other error: drop it. */
int ntsd_ntsc_unwrap(struct ntsd_ntsc *c, const uint8_t *pkt, size_t len);

/* Fill the NTS fields of st (cookies, ke_age, aead, naks, cert_days_left,
 * last_error); the association fills the rest. */
void ntsd_ntsc_status(const struct ntsd_ntsc *c, struct ntsd_source_status *st);

/* The same from explicit parameters, for callers without a server line
 * (ntsc-try, the NTS client test driver); ntsd_ntsc_new maps sc onto it. */
struct ntsd_ntsc_params {
	const char *host;            /* NTS-KE server name, verified in its certificate */
	uint16_t ke_port;            /* 0: 4460 */
	bool ke_fallback;            /* ke_port failing: fall back to 4460 (port 1234 of old guides) */
	const char *ca;              /* trust anchors; NULL: the system store */
	bool noval;
	const uint16_t *aeads;       /* offered in order; none: AEAD 15 */
	size_t naeads;
	const char *state_dir;       /* NULL or "": cookies and keys are not kept */
};
struct ntsd_ntsc *ntsd_ntsc_new_params(struct ntsd *d, const struct ntsd_ntsc_params *p);

#endif
