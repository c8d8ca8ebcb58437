/* nts-loadgen: declarations shared by the load generator's files (a benchmark, not a test). */
#ifndef BENCH_LOADGEN_H
#define BENCH_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "nts/aead.h"
#include "nts/ntske.h"
#include "nts/tls.h"

enum lg_mode { LG_NTS, LG_PLAIN, LG_KE };

struct lg_opts {
	enum lg_mode mode;
	const char *host;         /* numeric IPv4 or IPv6 address */
	uint16_t ke_port;
	uint16_t ntp_port;        /* 0: the KE Port record, else 123 */
	const char *ca;           /* trust anchor for NTS-KE */
	const char *sni;          /* name checked against the certificate */
	double duration;          /* measured seconds */
	double warmup;            /* seconds of load before measuring */
	double timeout;           /* a request or KE connection older than this is lost */
	unsigned window;          /* requests in flight (or slots, open loop) */
	double rate;              /* > 0: open loop at this many requests/s */
	unsigned sockets;
	unsigned kes;             /* KEs that seed the cookie pool */
	unsigned pool;            /* cookies to hold before measuring */
	unsigned verify_every;    /* NTS: open and verify 1 of N responses */
	unsigned conns;           /* KE mode: parallel connections */
	uint16_t aead;
	pid_t server_pid;         /* 0: no server CPU figures */
	bool per_second;          /* print a line per second */
	bool spin;                /* nts, plain: poll sockets without sleeping */
	bool gso;                 /* nts, plain: send runs of requests with UDP_SEGMENT */
};

/* Figures of one measured run, printed by main.c. */
struct lg_result {
	double seconds;           /* measured wall time */
	uint64_t sent;
	uint64_t ok;              /* valid responses (verified ones for NTS) */
	uint64_t unverified;      /* NTS: matched by UID only (sampling) */
	uint64_t lost;            /* no answer within the timeout, or a later one answered */
	uint64_t late;            /* answers that came after their request was lost */
	double mean_window;       /* requests in flight on average (nts, plain) */
	uint64_t bad;             /* answers that failed parsing or verification */
	uint64_t naks;
	uint64_t refills;         /* NTS requests that carried placeholders */
	uint64_t starved;         /* sends skipped: no cookie or no free slot */
	uint64_t failed;          /* KE: connections that did not complete */
	double server_cpu;        /* server CPU seconds used, < 0 if unknown */
	double gen_cpu;           /* our own CPU seconds */
	double sys_busy;          /* CPU seconds the whole machine was busy, < 0 if unknown */
	char info[256];           /* mode specific detail (TLS parameters, cookie size) */
};

/* ---- an NTS-KE session's keys, shared by the cookies it produced */

#define LG_MAX_SESSIONS 64

struct lg_session {
	struct nts_aead *c2s;
	struct nts_aead *s2c;
	uint16_t ntp_port;        /* from the Port record, 0 when absent */
};

/* ---- ke.c: non-blocking NTS-KE connections */

struct lg_ke;
struct lg_ke_done {
	const struct ntske_response *resp;
	struct nts_tls *tls;      /* for the exporter */
};
typedef void (*lg_ke_cb)(void *arg, const struct lg_ke_done *d);

/* Run up to o->conns KE connections in parallel until 'want' complete (0: no
 * bound) or 'until' (monotonic seconds) passes; each success calls cb. */
int lg_ke_run(const struct lg_opts *o, struct nts_tls_creds *creds, unsigned conns,
	      uint64_t want, double until, lg_ke_cb cb, void *arg, struct lg_result *r);
/* The KE benchmark: handshakes per second and per server CPU-second. */
int lg_ke_bench(const struct lg_opts *o, struct nts_tls_creds *creds, struct lg_result *r);
/* Make a session (AEAD handles) from a completed KE; NTS_OK or an error. */
int lg_session_from_ke(const struct lg_ke_done *d, uint16_t aead, struct lg_session *s);

/* ---- udp.c: the NTS and plain NTP request loops */

int lg_udp_bench(const struct lg_opts *o, struct nts_tls_creds *creds, struct lg_result *r);

/* ---- util (main.c) */

/* CPU seconds (user + system) of pid and its descendants, < 0 on error. */
double lg_proc_cpu(pid_t pid);
/* Busy CPU seconds of the whole machine so far (/proc/stat), < 0 on error. */
double lg_system_busy(void);
/* Our own CPU seconds. */
double lg_self_cpu(void);
/* The server address with the given port; false if host is not numeric. */
bool lg_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);
void lg_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
