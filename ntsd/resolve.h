/* ntsd: name resolution off the main loop. getaddrinfo() may wait seconds
 * for a resolver; a name runs in a short-lived thread that reports through
 * a socket pair watched by the scheduler, so other sources and timers go on. An
 * address literal is resolved in place (no thread: clknetsim, which fakes
 * one thread only, needs nothing else). */
#ifndef NTSD_RESOLVE_H
#define NTSD_RESOLVE_H

#include <netdb.h>

struct ntsd_resolve;
/* rc: 0 or a getaddrinfo() error; ai: the caller's to freeaddrinfo() (NULL
 * on error); took: seconds the lookup took. */
typedef void (*ntsd_resolve_fn)(void *arg, int rc, struct addrinfo *ai, double took);

/* Look up host:port (socktype SOCK_STREAM or SOCK_DGRAM); fn is called
 * once from the loop, never before this returns. NULL when nothing could be
 * started (fn is then not called). */
struct ntsd_resolve *ntsd_resolve_start(const char *host, const char *port, int socktype,
					ntsd_resolve_fn fn, void *arg);
/* Forget a lookup still running; fn is not called. */
void ntsd_resolve_cancel(struct ntsd_resolve *r);

#endif
