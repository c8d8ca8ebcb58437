/* NTS client association: what one NTS source keeps between NTS-KE and its
 * NTP exchanges (RFC 8915 sections 4, 5.7 and 6), sans-I/O. The caller
 * moves the bytes (TLS, UDP, the state file) and passes the time in; this
 * module decides: when NTS-KE must run and when it may be retried, which
 * cookie goes out, how many placeholders ask for more, whether a response is
 * authentic, what a NAK means. */
#ifndef NTS_NTS_ASSOC_H
#define NTS_NTS_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nts/ntske.h"

struct nts_counters;
struct nts_assoc;

#define NTS_ASSOC_JAR 8               /* cookies a client holds (RFC 8915 section 5.7) */
#define NTS_ASSOC_MAX_AEADS 4
#define NTS_ASSOC_BACKOFF_MIN 2.0     /* s before the first KE retry */
#define NTS_ASSOC_BACKOFF_MAX 1024.0  /* s, the cap of the doubling */
#define NTS_ASSOC_REFRESH (14 * 86400) /* s: new keys even when all goes well */
#define NTS_ASSOC_STATE_MAX 8192      /* largest encoded state (8 x 512-octet cookies) */

struct nts_assoc_params {
	const char *ke_host;          /* the KE server's name; the NTP server unless a Server record says otherwise */
	uint16_t ke_port;             /* 0: 4460 */
	uint16_t aeads[NTS_ASSOC_MAX_AEADS]; /* offered in this order; none: AEAD 15 */
	size_t naeads;
	double backoff_min, backoff_max;     /* 0: the defaults above */
	int64_t refresh;              /* 0: NTS_ASSOC_REFRESH; < 0: never */
	struct nts_counters *counters; /* client sends/recvs, KE probes; may be NULL */
};

/* NTS_E_INVAL for a missing host or an AEAD this build cannot use. */
int nts_assoc_new(const struct nts_assoc_params *p, struct nts_assoc **out);
/* Wipes the keys. */
void nts_assoc_free(struct nts_assoc *a);

/* ---- what to do next */

enum nts_assoc_ke_why {
	NTS_ASSOC_KE_NONE = 0,
	NTS_ASSOC_KE_INITIAL,        /* never had keys */
	NTS_ASSOC_KE_NO_COOKIES,     /* the jar ran dry */
	NTS_ASSOC_KE_NAK,            /* a NAK, then a poll without an authentic answer */
	NTS_ASSOC_KE_REFRESH,        /* keys older than the refresh interval */
};
const char *nts_assoc_ke_why_str(enum nts_assoc_ke_why why);

struct nts_assoc_plan {
	bool can_send;               /* keys and a cookie: an NTP request may go now */
	enum nts_assoc_ke_why ke;    /* NTS-KE is wanted, and why */
	bool ke_now;                 /* ... and may start now (not running, back-off over) */
	double ke_at;                /* when wanted but backing off: monotonic time it may start */
};
/* Decide at a poll. mono: monotonic seconds; wall: Unix time (key age).
 * While KE is wanted but cookies remain, requests still go (RFC 8915
 * section 5.7: keep polling with what you have until KE succeeds). */
void nts_assoc_plan(struct nts_assoc *a, double mono, int64_t wall, struct nts_assoc_plan *p);

/* ---- NTS-KE */

/* Start an exchange: the request (Next Protocol NTPv4, our AEAD list, End
 * of Message) to send once TLS is up. NTS_E_INVAL if one is running. */
int nts_assoc_ke_begin(struct nts_assoc *a, uint8_t *out, size_t cap, size_t *len);

/* The TLS exporter of the session (RFC 8915 section 5.1), for the AEAD the
 * server chose; the caller wraps nts_tls_export_keys(). */
typedef int (*nts_assoc_exporter)(void *ctx, uint16_t aead, uint8_t *c2s, uint8_t *s2c,
				  size_t key_len);

struct nts_assoc_ke_result {
	uint16_t aead;
	size_t ncookies;
	size_t cookie_len;            /* of the first cookie */
	char ntp_host[NTSKE_MAX_SERVER + 1];
	uint16_t ntp_port;
	bool server_record, port_record;
	uint16_t error_code;          /* with NTS_E_KE_ERROR_RECORD */
	double retry_in;              /* on failure: seconds until the next attempt */
};

/* The server's complete response message: validated (ntske_response_parse,
 * then the AEAD must be one we offered), keys exported, and on success all
 * old cookies, keys and NAK state replaced (RFC 8915 section 5.7). On
 * failure nothing of the old state changes and back-off is armed. */
int nts_assoc_ke_response(struct nts_assoc *a, const uint8_t *msg, size_t len,
			  nts_assoc_exporter exporter, void *ctx, double mono, int64_t wall,
			  struct nts_assoc_ke_result *res);
/* The exchange failed before a response (DNS, connect, TLS, timeout):
 * count it and arm back-off; returns seconds until the next attempt. */
double nts_assoc_ke_failed(struct nts_assoc *a, double mono);
bool nts_assoc_ke_running(const struct nts_assoc *a);

/* ---- NTP */

/* pkt[0..48) holds the client's header. Append a fresh Unique Identifier,
 * the oldest cookie (gone from the jar for good: a cookie is never sent
 * twice, section 5.7), placeholders so the answer refills the jar to 8
 * (as many as fit the packet), and the Authenticator under C2S. NTS_E_INVAL
 * without keys or cookies. The request becomes the outstanding one. */
int nts_assoc_wrap(struct nts_assoc *a, uint8_t *pkt, size_t cap, size_t *len);

/* Check an answer against the outstanding request. NTS_OK: authentic (UID
 * echo and authenticator), new cookies in the jar, the header may be used
 * for time. NTS_E_NTS_NAK: an NTS NAK echoing our UID: no time, and only a
 * hint (see plan). Anything else: drop it. After NTS_OK or a NAK the
 * request is no longer outstanding, so a replay is refused. */
int nts_assoc_unwrap(struct nts_assoc *a, const uint8_t *pkt, size_t len);

/* ---- state for status, logs and the NTP socket */

struct nts_assoc_info {
	bool have_keys;
	uint16_t aead;
	size_t ncookies;
	size_t cookie_len;            /* of the newest cookie, 0 if none */
	int64_t ke_wall;              /* Unix time of the last successful KE, 0 if none */
	uint64_t naks;                /* NAKs matching our UID */
	uint64_t ke_ok, ke_fail;
	unsigned ke_fails_in_row;
	bool ke_running;
	double ke_next;               /* monotonic time KE may be retried */
	bool nak_pending;             /* a NAK with no authentic answer since */
	char ntp_host[NTSKE_MAX_SERVER + 1];   /* Server record, else the KE host */
	uint16_t ntp_port;            /* Port record, else 123 */
	bool ntp_from_record;         /* ntp_host came from a Server record */
};
void nts_assoc_info(const struct nts_assoc *a, struct nts_assoc_info *info);

/* ---- persistence: cookies, keys, AEAD, NTP server/port and KE time, so a
 * restart needs no new NTS-KE. The caller owns the file (0600: it holds
 * keys). Format: "NTSA" magic, version, length-checked fields (nts_assoc.c). */

/* NTS_E_INVAL when there are no keys or no cookies (nothing worth keeping). */
int nts_assoc_save(const struct nts_assoc *a, uint8_t *out, size_t cap, size_t *len);
/* Replace the state with a saved one. NTS_E_STATE_FORMAT for anything
 * malformed, NTS_E_STATE_OTHER when it belongs to another KE host/port or
 * an AEAD not offered now; the association is unchanged on error. */
int nts_assoc_load(struct nts_assoc *a, const uint8_t *buf, size_t len);

#endif
