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
#include <time.h>

#include "nts/cookie.h"
#include "nts/counters.h"
#include "refclock.h"

#define NTSD_MAX_LISTEN 16
#define NTSD_MAX_THREADS 64
#define NTSD_MAX_AEADS 4
#define NTSD_PATH_MAX 1024

struct nts_tls_creds;

struct ntsd_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[80];            /* "127.0.0.1:123", "[::1]:4460" */
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
	char state_dir[NTSD_PATH_MAX];   /* statedir: NTS client cookies and keys; "" none */
	unsigned state_dir_line;
	int loglevel;
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

struct ntsd {
	struct ntsd_config cfg;
	struct nts_counters counters;
	uint64_t plain_requests;  /* answered as plain NTPv4 */
	uint64_t naks_sent;       /* NTS NAKs (RFC 8915 section 5.7) */
	uint64_t datagrams_sent;  /* every NTP answer sendmmsg() delivered */
	struct nts_cookie_ring *ring;
	time_t ring_due;          /* next rotation or key file retry */
	pthread_mutex_t creds_lock;
	struct ntsd_creds *creds;
	struct ntsd_filesig cert_sig, key_sig;
	int stop;                 /* set atomically: workers leave their loops */
	struct ntp_workers *ntp;
	struct ke_workers *ke;
	int ctl_fd;
};

/* creds.c */
int ntsd_creds_load(struct ntsd *d, bool initial);
struct ntsd_creds *ntsd_creds_get(struct ntsd *d);
void ntsd_creds_put(struct ntsd *d, struct ntsd_creds *c);
/* Reload when the certificate or key file changed on disk; true if it did. */
bool ntsd_creds_check_mtime(struct ntsd *d);
void ntsd_creds_fini(struct ntsd *d);

/* ntp_server.c: bind the NTP sockets and start the workers. */
int ntsd_ntp_start(struct ntsd *d);
void ntsd_ntp_stop(struct ntsd *d);

/* ke_server.c: bind the NTS-KE sockets and start the workers. */
int ntsd_ke_start(struct ntsd *d);
void ntsd_ke_stop(struct ntsd *d);

/* mode6.c: answer an ntpq mode 6 request (READSTAT, READVAR of the system
 * association) in up to max_frags fragments; returns how many (0: drop). */
#define NTSD_MODE6_DATA 468   /* data octets per fragment, as ntpd sends */
#define NTSD_MODE6_FRAG (12 + NTSD_MODE6_DATA)
#define NTSD_MODE6_MAX_FRAGS 8
size_t ntsd_mode6_answer(const struct ntsd *d, const uint8_t *pkt, size_t len,
			 uint8_t (*out)[NTSD_MODE6_FRAG], size_t *lens, size_t max_frags);

/* control.c: counters as text, the control socket, and the -Q client. */
size_t ntsd_counters_text(const struct ntsd *d, char *buf, size_t len);
int ntsd_control_open(struct ntsd *d);
void ntsd_control_serve(struct ntsd *d);
void ntsd_control_close(struct ntsd *d);
int ntsd_control_query(const char *path, const char *cmd);

/* Monotonic milliseconds, for deadlines. */
int64_t ntsd_now_ms(void);
static inline bool ntsd_stopping(const struct ntsd *d)
{
	return __atomic_load_n(&d->stop, __ATOMIC_RELAXED) != 0;
}

#endif
