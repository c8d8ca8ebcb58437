/* ntske-probe: options, results and the functions shared by its source files. */
#ifndef NTSKE_PROBE_H
#define NTSKE_PROBE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nts/ntske.h"
#include "nts/tls.h"

/* Exit codes (documented in ntske-probe(1); --nagios uses 0..3 instead). */
enum probe_exit {
	PX_OK = 0,
	PX_CHECK_FAIL = 1,   /* --check: at least one case FAILed */
	PX_USAGE = 2,        /* bad command line */
	PX_RESOLVE = 3,      /* name did not resolve */
	PX_CONNECT = 4,      /* TCP connect refused, unreachable or timed out */
	PX_TLS = 5,          /* TLS handshake failed */
	PX_CERT = 6,         /* certificate verification failed */
	PX_ALPN = 7,         /* server did not agree to ALPN ntske/1: not NTS-KE */
	PX_KE = 8,           /* NTS-KE exchange failed (Error record, malformed, timeout) */
	PX_NTP = 9,          /* NTS-protected NTP exchange failed */
	PX_NAK = 10,         /* the NTP server answered with an NTS NAK */
	PX_LOCAL = 11,       /* local problem: CA file, key log or export file */
	PX_UNSYNC = 12,      /* authenticated replies say the server is not synchronised */
};

enum probe_output { OUT_TEXT, OUT_JSON, OUT_NAGIOS };

#define PROBE_MAX_QUERIES 100
#define PROBE_MAX_RECORDS 64
#define PROBE_MAX_CHECKS 32
#define PROBE_MAX_SCAN 8
#define PROBE_HEX_MAX 64     /* record body octets kept as hex */
#define PROBE_MAX_ADDRS 4    /* addresses connect tries in turn */
#define PROBE_DRAFT_PORT 1234   /* the NTS-KE port of the drafts, still in old guides */
#define PROBE_STRATUM_UNSYNC 16  /* RFC 5905 section 7.3: 16 = unsynchronised */

struct probe_opts {
	const char *host;
	uint16_t port;
	bool port_given;
	int family;               /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *sni;          /* NULL: the host name (no SNI for a literal) */
	const char *ca;           /* NULL: system trust store */
	bool insecure;
	double timeout;           /* seconds per phase */
	bool ke_only, aead_scan, check, fallback_port;
	unsigned count;
	double interval;
	unsigned placeholders;
	uint16_t aeads[NTSKE_MAX_IDS];
	size_t naeads;
	enum probe_output out;
	const char *keylog;
	bool keylog_given;        /* --keylog, not $SSLKEYLOGFILE */
	const char *export_keys;
	double warn_expiry, crit_expiry;  /* days */
	double warn_offset, crit_offset;  /* seconds */
	bool unsync_critical;     /* --nagios: an unsynchronised server is CRITICAL */
};

struct probe_target {
	struct sockaddr_storage ss;
	socklen_t sslen;
	char addr[64];            /* numeric address */
	uint16_t port;
};

/* One decoded NTS-KE record of the server's response. */
struct probe_rec {
	uint16_t type;
	bool critical;
	uint16_t len;
	char name[64];
	char decoded[160];
	char hex[2 * PROBE_HEX_MAX + 1];
};

struct probe_query {
	bool sent, ok, nak, authenticated, uid_echo;
	char error[160];
	char cookie_from[16];     /* "ke" or "ntp#N" */
	double offset, delay, rtt_ms;
	unsigned stratum, leap, version, mode;
	bool unsync;              /* leap 3, or stratum 0 or 16: not synchronised */
	int precision;
	char refid[40];
	double root_delay, root_disp;
	size_t req_len, resp_len;
	size_t ncookies;
	size_t cookie_len;
};

enum check_verdict { CV_PASS, CV_FAIL, CV_INFO, CV_SKIP };

struct probe_check {
	const char *id;
	const char *what;
	enum check_verdict verdict;
	char evidence[200];
};

struct probe_scan {
	uint16_t aead;
	bool accepted;
	char answer[200];
};

struct probe_phase {
	bool run;
	double ms;
};

struct probe_result {
	char host[256];
	struct probe_target target;     /* the address in use */
	size_t naddrs;                  /* all addresses the name resolved to */
	struct probe_target addrs[PROBE_MAX_ADDRS];
	struct probe_phase resolve, connect, tls, ke, ntp;
	/* TLS */
	bool tls_done;
	struct nts_tls_info tls_info;
	struct nts_tls_verify verify;
	size_t nchain;
	struct nts_tls_cert chain[NTS_TLS_MAX_CHAIN];
	char connect_error[256];        /* why the last connect failed */
	/* KE */
	bool ke_done;
	size_t nrecs;
	struct probe_rec recs[PROBE_MAX_RECORDS];
	size_t ke_req_len, ke_resp_len;
	struct ntske_response resp;
	char ntp_host[NTSKE_MAX_SERVER + 1];
	uint16_t ntp_port;
	struct probe_target ntp_target;
	size_t key_len;
	uint8_t c2s[64], s2c[64];
	/* NTP */
	size_t nq;
	struct probe_query q[PROBE_MAX_QUERIES];
	bool refresh_tested, refresh_ok;
	size_t nntp_cookies;      /* cookies received in NTP replies (for --export-keys) */
	uint16_t ntp_cookie_len[PROBE_MAX_QUERIES];
	uint8_t ntp_cookies[PROBE_MAX_QUERIES][NTS_COOKIE_MAX];
	/* --aead-scan and --check */
	size_t nscan;
	struct probe_scan scan[PROBE_MAX_SCAN];
	size_t nchecks;
	struct probe_check checks[PROBE_MAX_CHECKS];
	/* outcome */
	int exit_code;
	char fail_phase[16];
	char fail_msg[512];
	char hint[512];
};

struct keclient;

/* options.c: the command line. probe_parse_args() returns 0 to run, -1 for a
 * usage error (message printed), 1 when --help or --version was answered. */
void probe_defaults(struct probe_opts *o);
int probe_parse_args(int argc, char **argv, struct probe_opts *o);

/* net.c: resolving, connecting, TLS and KE I/O, all bounded by deadlines. */
int probe_resolve(const char *host, uint16_t port, int family, double timeout,
		  struct probe_target *out, char *err, size_t errlen);
/* Up to max addresses in getaddrinfo's order (*n of them). */
int probe_resolve_all(const char *host, uint16_t port, int family, double timeout,
		      struct probe_target *out, size_t max, size_t *n, char *err, size_t errlen);
/* Start an exchange with t (common/keclient.h) and wait up to timeout for the
 * TCP connect: 0 with *k set (its handshake goes on in probe_ke_handshake),
 * -1 with err ("ADDR port P: why") when the connect failed or timed out. */
int probe_ke_connect(const struct probe_target *t, struct nts_tls_creds *creds,
		     const struct nts_tls_client_opts *topts, double timeout, struct keclient **k,
		     char *err, size_t errlen);
/* The TLS handshake until the deadline: NTS_OK, NTS_E_TLS_AGAIN on timeout,
 * or why it failed (also when the session could not be made). */
int probe_ke_handshake(struct keclient *k, double deadline);
/* Connect and handshake, each within o->timeout: NTS_E_IO when the connect
 * failed, another nts_err for the handshake; *k is set unless the connect
 * failed (free it with keclient_free). */
int probe_ke_open(const struct probe_opts *o, struct nts_tls_creds *creds,
		  const struct probe_target *t, const struct nts_tls_client_opts *topts,
		  struct keclient **k, char *err, size_t errlen);
void probe_tls_client_opts(const struct probe_opts *o, struct nts_tls_client_opts *t);

/* What a server answered to one KE request (for --aead-scan and --check). */
enum probe_ke_answer_kind { KA_RESPONSE, KA_ERROR, KA_CLOSED, KA_TIMEOUT, KA_TLS_FAIL, KA_CONNECT_FAIL,
		      KA_MALFORMED };
struct probe_ke_answer {
	enum probe_ke_answer_kind kind;
	int tls_rc;               /* handshake result for KA_TLS_FAIL */
	uint16_t error_code;
	int aead_count;           /* ids in the AEAD record, -1 when absent */
	uint16_t aead;
	int proto_count;
	size_t ncookies;
	bool half_closed;         /* we sent close_notify after silence */
	int rule;                 /* first RFC 8915 MUST the answer breaks (nts/rules.h), 0 if none */
	char text[200];           /* the answer in words */
};
struct probe_ke_try_opts {
	const char *alpn;         /* NULL: ntske/1 */
	bool tls12_only;
	unsigned trickle_ms;      /* > 0: send one octet at a time */
	bool close_on_silence;    /* no answer: send close_notify, wait again */
};
void probe_ke_try(const struct probe_opts *o, struct nts_tls_creds *creds, const struct probe_target *t,
	    const struct probe_ke_try_opts *k, const uint8_t *req, size_t req_len, struct probe_ke_answer *a);

/* ke.c: the NTS-KE exchange and the record dump. */
/* Judge a server's KE answer for the --check battery: kind, Error code,
 * AEAD and cookies, and the first RFC 8915 rule it breaks (libnts's rules
 * walker, the same judge as the parsers and nts-pcap). */
void probe_ke_judge_answer(const uint8_t *msg, size_t len, struct probe_ke_answer *a);
void probe_ke_default_request(const struct probe_opts *o, struct ntske_request *req);
size_t probe_ke_dump(const uint8_t *msg, size_t len, struct probe_rec *recs, size_t max);
void probe_draft_port_hint(struct probe_result *r);
int probe_ke_run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r);
void probe_ke_aead_scan(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r);

/* ntp.c: NTS-protected queries. */
int probe_ntp_run(const struct probe_opts *o, struct probe_result *r);
/* Send one NTP packet and wait for a reply from the same peer: the reply
 * length, 0 on timeout, or -1 with err set. */
long probe_ntp_exchange(const struct probe_target *t, const uint8_t *req, size_t req_len,
		  uint8_t *resp, size_t cap, double timeout, char *err, size_t errlen);
int probe_ntp_resolve_server(const struct probe_opts *o, struct probe_result *r);

/* check.c: the conformance battery. */
void check_run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r);

/* report.c: output. */
void report_text(const struct probe_opts *o, const struct probe_result *r);
void report_json(const struct probe_opts *o, const struct probe_result *r);
int report_nagios(const struct probe_opts *o, const struct probe_result *r);
int report_export_keys(const char *path, const struct probe_result *r, char *err, size_t errlen);
const char *probe_exit_name(int code);

/* Mark the run as failed in phase with exit code and a message (first wins). */
void probe_fail(struct probe_result *r, int code, const char *phase, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* in with every byte outside printable ASCII as \xNN (text from servers
 * cannot move the cursor or fake a line); returns out. */
const char *probe_esc(char *out, size_t cap, const char *in);

#endif
