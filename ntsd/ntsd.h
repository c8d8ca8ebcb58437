/* ntsd: shared daemon state, configuration and the module entry points. */
#ifndef NTSD_NTSD_H
#define NTSD_NTSD_H

#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "nts/acl.h"
#include "nts/cookie.h"
#include "nts/counters.h"
#include "refclock.h"
#include "nts/mode6.h"
#include "nts/ratelimit.h"

#define NTSD_MAX_LISTEN 16
#define NTSD_MAX_THREADS 64
#define NTSD_MAX_AEADS 4
#define NTSD_PATH_MAX 1024
#define NTSD_METRICS_PORT 9975    /* 'metrics ADDR' without a port */

struct nts_tls_creds;
struct nts_conf_line;

struct ntsd_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[80];            /* "127.0.0.1:123", "[::1]:4460" */
};

#define NTSD_MAX_SERVERS 32

/* One `server` or `pool` line (ntsd.conf(5)); every option is parsed here,
 * the NTS ones are read by ntsc.c. */
struct ntsd_server_conf {
	char host[256];           /* name or address, without the port */
	uint16_t port;            /* NTP port, or with nts the NTS-KE port */
	bool port_given;
	bool ke_fallback;         /* nts with :1234 (the drafts' port): 4460 if 1234 fails */
	bool pool;                /* a `pool` line: several addresses, replaced when unreachable */
	bool nts, iburst, prefer, noselect, noval;
	int minpoll, maxpoll;     /* log2 s */
	char ca[NTSD_PATH_MAX];   /* per-server CA file or dir; "" = `nts ca` or the system store */
	uint16_t aead;            /* 0 = default preference (15, then 17) */
	unsigned line;            /* where it was configured, for messages */
};

struct ntsd_config {
	char path[NTSD_PATH_MAX];
	bool nts_enable;
	char key_file[NTSD_PATH_MAX];
	char cert_file[NTSD_PATH_MAX];
	char cookie_file[NTSD_PATH_MAX];
	unsigned cert_line, key_line, cookie_line;   /* where set, for -n messages */
	char server_name[256];    /* Server record to send; "" for none */
	uint16_t aeads[NTSD_MAX_AEADS];
	size_t naeads;
	struct nts_ring_config ring;
	struct ntsd_addr ntp[NTSD_MAX_LISTEN];
	size_t nntp;
	struct ntsd_addr ke[NTSD_MAX_LISTEN];
	size_t nke;
	unsigned stratum;
	uint32_t refid;
	unsigned threads;         /* NTP workers */
	unsigned ke_threads;
	unsigned ke_timeout_ms;
	unsigned ke_max_conns;
	unsigned cert_check_secs; /* how often the cert/key mtimes are compared */
	char pidfile[NTSD_PATH_MAX];
	char control[NTSD_PATH_MAX];
	bool metrics_on;          /* 'metrics' given: serve OpenMetrics there */
	struct ntsd_addr metrics;
	char state_dir[NTSD_PATH_MAX];   /* statedir: NTS client cookies and keys; "" none */
	unsigned state_dir_line;
	int loglevel;
	/* access.c: allow/deny/restrict rules and the limits of ntsd.conf(5) */
	struct nts_acl acl;
	struct nts_rl_config ntp_rl;  /* ratelimit / discard */
	bool ratelimit_all;           /* 'ratelimit' limits every allowed client */
	bool ratelimit_kod;           /* ... with RATE kisses */
	struct nts_rl_config ke_rl;   /* nts ke-limit: per-address connections and rate */
	/* privs.c: who to run as after start-up */
	char user[64];                /* "USER[:GROUP]"; "" keeps root */
	unsigned user_line;
	bool seccomp;
	bool no_adjust;               /* -x: never adjust the clock, keep no CAP_SYS_TIME */
	/* time client (config_client.c) */
	struct ntsd_server_conf servers[NTSD_MAX_SERVERS];
	size_t nservers;
	char nts_ca[NTSD_PATH_MAX];   /* `nts ca FILE|DIR`; "" = system trust store */
	char driftfile[NTSD_PATH_MAX];
	double step_threshold;    /* `tinker step S`: larger offsets are stepped (0: never) */
	double panic_threshold;   /* `tinker panic S`: larger offsets stop ntsd (0: never) */
	bool local_set;           /* `local stratum N` given: the fallback while unsynchronised */
	bool allow_big_step;      /* -g: the first correction may be a step of any size */
	struct ntsd_refclock_conf refclock[NTSD_MAX_REFCLOCKS];
	size_t nrefclock;
};

/* Defaults: nothing enabled, stratum 16 until configured, 1 worker each. */
void ntsd_config_defaults(struct ntsd_config *cfg);
/* Parse config text from 'name'. Every error is written to errf (one
 * "FILE:LINE: reason" line each) and counted; returns that count. */
int ntsd_config_parse(struct ntsd_config *cfg, const char *name, const char *text, size_t len,
		      void (*errf)(void *ctx, const char *msg), void *ctx);
/* Read FILE and parse it; a file that cannot be read counts as one error. */
int ntsd_config_load(struct ntsd_config *cfg, const char *path,
		     void (*errf)(void *ctx, const char *msg), void *ctx);
/* Checks across directives (e.g. nts enable without cert); returns errors. */
int ntsd_config_check(const struct ntsd_config *cfg, void (*errf)(void *ctx, const char *msg),
		      void *ctx);
/* refclock_conf.c: one "refclock" line into cfg->refclock[]. */
struct nts_conf_line;
int ntsd_config_refclock(struct ntsd_config *cfg, const struct nts_conf_line *l, char *err,
			 size_t errlen);
/* Parse "ADDR", "ADDR:PORT", "[V6]:PORT", "*:PORT" into one or two addresses. */
int ntsd_parse_addr(const char *s, uint16_t default_port, struct ntsd_addr *out, size_t max,
		    size_t *n);
void ntsd_addr_format(const struct sockaddr *sa, char *buf, size_t len);
uint16_t ntsd_addr_port(const struct ntsd_addr *a);

/* An AEAD name ("AES_SIV_CMAC_256") or IANA number; -1 if unknown. */
int ntsd_aead_from_word(const char *w);
/* config_client.c: `server`, `pool`, `driftfile`, `tinker` (and `nts ca`). */
int ntsd_config_client(struct ntsd_config *cfg, const struct nts_conf_line *l, char *err,
		       size_t errlen);

/* Certificate and key, shared by KE workers; reference counted so a reload
 * never frees credentials a session still uses. */
struct ntsd_creds {
	struct nts_tls_creds *tls;
	int refs;
};

/* What tells us a file changed: certbot renews by replacing files and
 * symlinks, so the inode counts as much as the mtime. */
struct ntsd_filesig {
	int64_t sec, nsec;
	uint64_t ino, size;
};

/* Why an NTS-KE session failed, counted for the control socket, the
 * metrics endpoint and ntsmon (names in ntsd_ke_fail_name()). */
enum ntsd_ke_fail {
	NTSD_KE_FAIL_HANDSHAKE,   /* TLS handshake failed (version, ALPN, alert) */
	NTSD_KE_FAIL_TIMEOUT,     /* the session outlived 'nts timeout' */
	NTSD_KE_FAIL_CLOSED,      /* client closed before End of Message */
	NTSD_KE_FAIL_TOO_LONG,    /* request over the size limit */
	NTSD_KE_FAIL_TLS_IO,      /* TLS record error after the handshake */
	NTSD_KE_FAIL_EVICTED,     /* dropped at the connection limit */
	NTSD_KE_FAIL_REFUSED,     /* answered with an Error or no common algorithm */
	NTSD_KE_FAIL_INTERNAL,    /* out of memory, epoll, TLS session set-up */
	NTSD_KE_FAIL_MAX
};
const char *ntsd_ke_fail_name(enum ntsd_ke_fail f);

/* What one NTP or NTS-KE worker counts on every request. Each block is
 * written by its worker only and sits on its own cache lines, so no request
 * writes a line another thread writes; readers (control socket, mode 6,
 * metrics) sum the blocks with ntsd_totals(). */
struct ntsd_wcount {
	_Alignas(64) struct nts_counters nts;   /* server_*, cookie_*, ke_serves_* */
	uint64_t plain_requests, naks_sent, datagrams_sent, ke_evicted;
	uint64_t ke_fail[NTSD_KE_FAIL_MAX];
};
/* NTP workers use blocks [0, NTSD_MAX_THREADS), NTS-KE workers the rest. */
#define NTSD_WCOUNT_KE NTSD_MAX_THREADS
#define NTSD_MAX_WCOUNT (2 * NTSD_MAX_THREADS)

/* A counter only its own thread writes: a plain load and store (atomic, so
 * readers on other threads see whole values), no locked read-modify-write. */
static inline void ntsd_bump(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

struct ntsd {
	struct ntsd_config cfg;
	struct nts_counters counters;   /* the client side's, and shared rare events */
	uint64_t plain_requests;  /* answered as plain NTPv4 */
	uint64_t naks_sent;       /* NTS NAKs (RFC 8915 section 5.7) */
	uint64_t datagrams_sent;  /* every NTP answer sendmmsg() delivered */
	struct nts_cookie_ring *ring;
	time_t ring_due;          /* next rotation or key file retry */
	pthread_mutex_t creds_lock;
	struct ntsd_creds *creds;
	struct ntsd_filesig cert_sig, key_sig;
	int stop;                 /* set atomically: workers leave their loops */
	struct ntpsrv_workers *ntp;
	struct kesrv_workers *ke;
	int ctl_fd;
	uint64_t ke_fail[NTSD_KE_FAIL_MAX];   /* by reason; counted atomically */
	struct ntsd_ctl *ctl;     /* control socket clients (control.c) */
	struct ntsd_metrics *metrics;   /* metrics endpoint (metrics.c) */
	time_t started;
	struct nts_rl *ntp_rl, *ke_rl;
	uint64_t ntp_denied;      /* dropped by a deny/restrict ignore rule */
	uint64_t ke_evicted;      /* connections closed to make room at nts maxconn */
	struct ntsd_wcount wc[NTSD_MAX_WCOUNT];   /* per worker, summed by ntsd_totals() */
};

/* Every counter: the shared ones plus each worker's block. */
struct ntsd_totals {
	struct nts_counters c;
	uint64_t naks_sent, plain_requests, datagrams_sent, ke_evicted;
	uint64_t ke_fail[NTSD_KE_FAIL_MAX];
};
static inline void ntsd_totals(const struct ntsd *d, struct ntsd_totals *t)
{
	nts_counters_snapshot(&d->counters, &t->c);
	t->naks_sent = nts_counter_get(&d->naks_sent);
	t->plain_requests = nts_counter_get(&d->plain_requests);
	t->datagrams_sent = nts_counter_get(&d->datagrams_sent);
	t->ke_evicted = nts_counter_get(&d->ke_evicted);
	for (int k = 0; k < NTSD_KE_FAIL_MAX; k++)
		t->ke_fail[k] = nts_counter_get(&d->ke_fail[k]);
	for (int i = 0; i < NTSD_MAX_WCOUNT; i++) {
		const struct ntsd_wcount *w = &d->wc[i];
		nts_counters_add(&t->c, &w->nts);
		t->naks_sent += nts_counter_get(&w->naks_sent);
		t->plain_requests += nts_counter_get(&w->plain_requests);
		t->datagrams_sent += nts_counter_get(&w->datagrams_sent);
		t->ke_evicted += nts_counter_get(&w->ke_evicted);
		for (int k = 0; k < NTSD_KE_FAIL_MAX; k++)
			t->ke_fail[k] += nts_counter_get(&w->ke_fail[k]);
	}
}

/* creds.c */
int ntsd_creds_load(struct ntsd *d, bool initial);
struct ntsd_creds *ntsd_creds_get(struct ntsd *d);
void ntsd_creds_put(struct ntsd *d, struct ntsd_creds *c);
/* The certificate's validity in words into msg ("valid from .. until ..:
 * N days left", or EXPIRED / NOT YET VALID with the dates); returns the log
 * level it deserves: NTS_LOG_ERR when clients will refuse it, NTS_LOG_WARNING
 * under NTSD_CERT_WARN_DAYS days left, else NTS_LOG_INFO. */
#define NTSD_CERT_WARN_DAYS 14
int ntsd_creds_describe(const struct nts_tls_creds *tls, const char *cert_file, time_t now,
			char *msg, size_t len);
/* For -n: load and match certificate and key as the daemon will, and check
 * the certificate's dates and the key file's mode; each problem is one
 * "FILE:LINE: reason" line to errf. Returns the number of errors. */
int ntsd_creds_check(const struct ntsd_config *c, time_t now,
		     void (*errf)(void *ctx, const char *msg), void *ctx);
/* Reload when the certificate or key file changed on disk; true if it did. */
bool ntsd_creds_check_mtime(struct ntsd *d);
void ntsd_creds_fini(struct ntsd *d);

/* ring.c: sync the cookie key ring with its file (or rotate it in memory)
 * at 'now'; returns when to call again: the next rotation, or
 * NTSD_RING_RETRY_SECS after a key file failure. *rc gets the sync's
 * result (1 when there is no file); rc may be NULL. */
#define NTSD_RING_RETRY_SECS 60
time_t ntsd_ring_tick(struct ntsd *d, time_t now, bool initial, int *rc);
/* A new current key now (the control socket's `rotate`), saved to the key
 * file when there is one; NTS_OK or a negative error. */
int ntsd_ring_rotate_now(struct ntsd *d, time_t now);

/* ntp_server.c: bind the NTP sockets (as root), then start the workers
 * (after the privilege drop: capabilities and seccomp are per thread). */
int ntsd_ntp_start(struct ntsd *d);
int ntsd_ntp_run(struct ntsd *d);
void ntsd_ntp_stop(struct ntsd *d);

/* ke_server.c: bind the NTS-KE sockets, then start the workers. */
int ntsd_ke_start(struct ntsd *d);
int ntsd_ke_run(struct ntsd *d);
void ntsd_ke_stop(struct ntsd *d);

/* access.c: access rules and per-client limits in front of the servers. */
int ntsd_access_start(struct ntsd *d);
void ntsd_access_stop(struct ntsd *d);
/* Before answering an NTP request from peer: 0 to answer it, -1 to send
 * nothing, N > 0 when a RATE kiss-o'-death of N octets is in out. */
int ntsd_access_ntp(struct ntsd *d, const struct sockaddr_storage *peer, const uint8_t *pkt,
		    size_t len, uint8_t *out, size_t cap);
/* A new NTS-KE connection from peer: true if it may go on (then call
 * ntsd_access_ke_close when it ends). */
bool ntsd_access_ke_open(struct ntsd *d, const struct sockaddr_storage *peer);
void ntsd_access_ke_close(struct ntsd *d, const struct sockaddr_storage *peer);
unsigned ntsd_access_ke_conns(struct ntsd *d, const struct sockaddr_storage *peer);

/* privs.c: the user to run as, checks of the key files, the drop. */
struct ntsd_privs {
	bool active;
	uid_t uid;
	gid_t gid;
	char name[64];
};
/* "USER[:GROUP]" to ids; NTS_E_CONF (logged) when unknown. */
int ntsd_privs_resolve(const char *spec, struct ntsd_privs *p);
/* Owner, mode and symlink checks of the key files (as root, at start). */
int ntsd_privs_check_files(const struct ntsd_config *c, const struct ntsd_privs *p);
/* Switch to p's user keeping CAP_SYS_TIME only if keep_sys_time; then
 * check that the certificate, key and cookie directory stay usable. */
int ntsd_privs_drop(const struct ntsd_config *c, const struct ntsd_privs *p, bool keep_sys_time);
/* seccomp.c: allow only the system calls ntsd makes. */
int ntsd_seccomp_load(void);

/* notify.c: sd_notify READY=1 / RELOADING=1 / STOPPING=1 with a STATUS. */
void ntsd_notify_ready(const struct ntsd *d);
void ntsd_notify_reloading(void);
void ntsd_notify_stopping(void);

/* mode6.c: answer an ntpq mode 6 request (READSTAT, READVAR of the system
 * and of each published source) in up to max_frags fragments; returns how
 * many (0: drop). An answer longer than max_frags allow is cut at a whole
 * variable, and its last fragment never has More set. */
#define NTSD_MODE6_DATA NTS_M6_DATA_MAX
#define NTSD_MODE6_FRAG NTS_M6_FRAG_MAX
#define NTSD_MODE6_MAX_FRAGS NTS_M6_MAX_FRAGS
size_t ntsd_mode6_answer(const struct ntsd *d, const uint8_t *pkt, size_t len,
			 uint8_t (*out)[NTSD_MODE6_FRAG], size_t *lens, size_t max_frags);

/* control.c: counters as text, the control socket, and the -Q client. */
size_t ntsd_counters_text(const struct ntsd *d, char *buf, size_t len);
/* Listen, and serve clients from the scheduler's loop (sched.h): call
 * after ntsd_sched_init(). */
int ntsd_control_open(struct ntsd *d);
void ntsd_control_close(struct ntsd *d);
int ntsd_control_query(const char *path, const char *cmd);

/* metrics.c: the OpenMetrics/Prometheus endpoint (libmicrohttpd, its own
 * thread); nothing when 'metrics' is not configured. */
int ntsd_metrics_start(struct ntsd *d);
void ntsd_metrics_stop(struct ntsd *d);
/* The exposition text (OpenMetrics when openmetrics is set, else the
 * Prometheus 0.0.4 text format) in a malloc'ed string. */
char *ntsd_metrics_text(const struct ntsd *d, bool openmetrics, size_t *len);

/* Monotonic milliseconds, for deadlines. */
static inline bool ntsd_stopping(const struct ntsd *d)
{
	return __atomic_load_n(&d->stop, __ATOMIC_RELAXED) != 0;
}

#endif
