/* ntsmon: the data model. Targets, their last snapshot, counter rates and
 * their history. Knows nothing of terminals (view.c formats, tui.c draws)
 * nor of sockets (fetch_ctl.c and fetch_mode6.c fill snapshots). */
#ifndef NTSMON_MODEL_H
#define NTSMON_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MON_MAX_SOURCES 64
#define MON_MAX_KEYS 16
#define MON_MAX_FAILS 16
#define MON_HIST 60               /* one rate sample per refresh */

struct mon_source {
	unsigned associd;
	char name[128];               /* host name, or the address */
	char addr[64];
	char tally;                   /* ntpq's selection character */
	char type;                    /* 'u', 'l', 'p' */
	bool nts;
	unsigned reach;
	int stratum;
	char refid[16];
	int poll;                     /* log2 s */
	double when;                  /* s since last sample, <0 unknown */
	double offset, delay, jitter; /* seconds; NAN unknown */
	int cookies;                  /* -1 unknown */
	double ke_age;                /* s, <0 unknown */
	unsigned aead;
	long long naks;               /* -1 unknown */
	double cert_days;             /* NAN unknown */
	char last_error[128];
};

/* Server-side counters ntsmon shows rates for; the index is the order. */
enum mon_counter {
	MON_C_REQ_GOOD, MON_C_REQ_BAD, MON_C_RESP, MON_C_NAKS, MON_C_COOKIE_MAKE,
	MON_C_COOKIE_DECODE, MON_C_COOKIE_OLD, MON_C_COOKIE_TOO_OLD, MON_C_COOKIE_ERR,
	MON_C_KE_GOOD, MON_C_KE_BAD, MON_C_PLAIN, MON_C_MAX
};
/* Short label for the screen ("KE good"), and the variable name in both
 * ntsd's JSON and mode 6 (NTPsec's ntsinfo names where there is one). */
const char *mon_counter_label(enum mon_counter c);
const char *mon_counter_var(enum mon_counter c);

struct mon_snapshot {
	bool up;
	char error[160];              /* why the target is down */
	char version[64];
	bool synchronised;
	int stratum, leap;
	char refid[16];
	double offset;                /* system offset, s */
	size_t nsrc;
	struct mon_source src[MON_MAX_SOURCES];
	bool have_c[MON_C_MAX];
	uint64_t c[MON_C_MAX];
	/* only from ntsd's control socket */
	bool have_ring;
	size_t nkeys;
	struct { char id[12]; int64_t age; bool current; } keys[MON_MAX_KEYS];
	int64_t next_rotation;        /* Unix s, 0 unknown */
	bool have_cert;
	double cert_days;
	char cert_subject[160];
	size_t nfails;
	struct { char reason[32]; uint64_t n; } fails[MON_MAX_FAILS];
	int64_t time;                 /* when taken, Unix s */
};

enum mon_kind { MON_CTL, MON_MODE6 };

struct mon_target {
	char label[160];              /* "ntsd (/run/ntsd/ntsd.sock)", "host:123" */
	enum mon_kind kind;
	char where[256];              /* socket path, or host */
	char port[16];                /* mode 6 port */
	struct mon_snapshot snap;
	/* rates per second from the last two snapshots, and their history */
	bool have_prev;
	uint64_t prev[MON_C_MAX];
	double prev_t;
	double rate[MON_C_MAX];
	double hist[MON_C_MAX][MON_HIST];
	size_t nhist;                 /* samples in hist (oldest first), <= MON_HIST */
};

/* Take a new snapshot at monotonic time now (s): rates against the
 * previous one (a counter that went back, e.g. a restart, starts over). */
void mon_target_update(struct mon_target *t, const struct mon_snapshot *s, double now);

/* Sort keys and filters for the sources table (keys s and f). */
enum mon_sort { MON_SORT_NONE, MON_SORT_NAME, MON_SORT_OFFSET, MON_SORT_DELAY, MON_SORT_STRATUM, MON_SORT_MAX };
enum mon_filter { MON_FILTER_ALL, MON_FILTER_NTS, MON_FILTER_PROBLEMS, MON_FILTER_MAX };
const char *mon_sort_name(enum mon_sort s);
const char *mon_filter_name(enum mon_filter f);
/* Indices into snap->src of the rows to show, in order; returns how many. */
size_t mon_rows(const struct mon_snapshot *s, enum mon_sort sort, enum mon_filter filter,
		size_t *idx, size_t max);

/* Parse ntsd's status report (ntsd-status/1 JSON) into s; false with
 * s->error set when it is not one. */
bool mon_parse_status_json(const char *text, size_t len, struct mon_snapshot *s);

#endif
