/* keclient: the I/O of one NTS-KE client exchange (RFC 8915 section 4) as a
 * state machine: TCP connect, TLS handshake (ALPN ntske/1, libnts's
 * session), the request, and the response read until End of Message. The
 * protocol stays in libnts (the request is bytes the caller built with
 * ntske_request_build or nts_assoc_ke_begin; the caller parses the answer
 * and exports the keys from keclient_tls); this module only moves bytes.
 *
 * keclient_step never blocks, so a poll loop (ntsd's scheduler, the load
 * generator) drives it through keclient_fd/keclient_events; keclient_run is
 * the blocking driver for one-shot programs (ntske-probe, nts-fuzz). The
 * module keeps no clock: a loop enforces its own timeout, keclient_run takes
 * a deadline on mono_now()'s clock.
 *
 * Socket calls stay within what clknetsim (ci/bench-clock) fakes, since
 * ntsd's KE client runs in simulation: a plain SOCK_STREAM socket made
 * non-blocking with fcntl, and the connect completes only through a wait
 * for POLLOUT, even when connect() returned 0. */
#ifndef COMMON_KECLIENT_H
#define COMMON_KECLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nts/tls.h"

/* In order: a phase is passed when the machine is in a later one. */
enum keclient_phase {
	KECLIENT_CONNECT,     /* TCP connect in progress */
	KECLIENT_HANDSHAKE,   /* TLS handshake */
	KECLIENT_READY,       /* handshake done; waiting for the caller's keclient_send */
	KECLIENT_SEND,        /* writing the request */
	KECLIENT_RECV,        /* reading the response */
	KECLIENT_DONE,        /* a whole message arrived (keclient_data) */
	KECLIENT_FAILED,      /* keclient_rc, keclient_failed_in, keclient_error say why */
};

struct keclient_opts {
	const struct sockaddr *addr;     /* the KE server */
	socklen_t addr_len;
	struct nts_tls_creds *creds;     /* trust anchors */
	struct nts_tls_client_opts tls;  /* SNI, verification, ALPN, key log: its
					  * strings must outlive the exchange */
	const uint8_t *req;              /* the whole request, or NULL to send with */
	size_t req_len;                  /* keclient_send after the handshake; kept, not copied */
	size_t resp_cap;                 /* response buffer: 0 is NTSKE_MAX_MESSAGE */
	bool nodelay;                    /* TCP_NODELAY (not under clknetsim) */
};

struct keclient;

/* Create the socket and start the connect. NULL only when out of memory;
 * any other failure is a handle in KECLIENT_FAILED. */
struct keclient *keclient_start(const struct keclient_opts *o);
/* Close the connection (with close_notify when bye) and free. NULL is fine. */
void keclient_free(struct keclient *k, bool bye);

/* Advance as far as the socket allows without blocking; the phase reached. */
enum keclient_phase keclient_step(struct keclient *k);
/* Blocking driver: step and poll until the phase reaches 'until', the
 * machine waits in KECLIENT_READY, or it ends. NTS_OK then (or the
 * failure's keclient_rc), NTS_E_TLS_AGAIN when the deadline (mono_now()
 * clock) passed first; the exchange can be continued after that. */
int keclient_run(struct keclient *k, enum keclient_phase until, double deadline);

/* Queue len octets of request (kept, not copied, until sent), in
 * KECLIENT_READY; last moves on to the response after them (len may be 0).
 * NTS_E_INVAL in any other phase. */
int keclient_send(struct keclient *k, const uint8_t *buf, size_t len, bool last);

enum keclient_phase keclient_phase(const struct keclient *k);
/* The socket and what to poll it for (0 when the machine is not waiting on it). */
int keclient_fd(const struct keclient *k);
short keclient_events(const struct keclient *k);
/* The session, NULL before the connect completed or if it could not be made. */
struct nts_tls *keclient_tls(const struct keclient *k);

/* How the exchange ended: NTS_OK while running and when done; else
 * NTS_E_IO (socket/connect: keclient_errno), a TLS error (nts_tls_error),
 * NTS_E_KE_NO_EOM (closed before End of Message), NTS_E_KE_TOO_LONG (the
 * buffer filled without End of Message), NTS_E_KE_TRUNC (closed inside a
 * record that announced more than a message may hold), or another nts_err
 * of ntske_message_complete. */
int keclient_rc(const struct keclient *k);
enum keclient_phase keclient_failed_in(const struct keclient *k);
int keclient_errno(const struct keclient *k);
/* The failure in words ("" when none). */
const char *keclient_error(const struct keclient *k);
/* The response when done (exactly the message), else what arrived so far. */
const uint8_t *keclient_data(const struct keclient *k, size_t *len);

#endif
