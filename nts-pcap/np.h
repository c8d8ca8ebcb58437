/* nts-pcap internals: the types shared by capture, decoders, pairing and output. */
#ifndef NP_H
#define NP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "nts/ntp.h"

/* ---- addresses and frames (capture.c) */

struct np_addr {
	uint8_t family;         /* 4 or 6 */
	uint8_t ip[16];
	uint16_t port;
};

/* "127.0.0.1:123" or "[::1]:123"; with_port false leaves the port out. */
void np_addr_str(const struct np_addr *a, bool with_port, char *buf, size_t len);
bool np_addr_eq(const struct np_addr *a, const struct np_addr *b, bool with_port);

#define NP_L4_TCP 6
#define NP_L4_UDP 17

#define NP_TCP_FIN 0x01
#define NP_TCP_SYN 0x02
#define NP_TCP_RST 0x04
#define NP_TCP_ACK 0x10

/* One IP packet taken apart down to its UDP or TCP payload. */
struct np_frame {
	struct np_addr src, dst;
	uint8_t l4;             /* NP_L4_UDP or NP_L4_TCP */
	uint8_t tcp_flags;
	uint32_t seq;
	const uint8_t *payload;
	size_t len;
	bool truncated;         /* the payload is not whole (snap length or IP fragment) */
	bool cut;               /* the capture's snap length cut it (not a fragment) */
};

enum np_frame_rc {
	NP_FRAME_OK = 0,
	NP_FRAME_SKIP = 1,      /* not IPv4/IPv6 UDP/TCP (ARP, ICMP, ...) */
	NP_FRAME_BAD = -1,      /* malformed link, IP or transport header */
};

/* Take a link-layer frame of a libpcap DLT apart. On NP_FRAME_BAD, *why
 * names the broken layer. Fragments other than the first are skipped. */
int np_frame_decode(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
		    struct np_frame *f, const char **why);

/* ---- findings (findings.c): the checks of RFC 8915 named for operators */

enum np_finding {
	NP_F_MALFORMED,         /* packet or record not well formed */
	NP_F_UID_MISMATCH,
	NP_F_DOWNGRADE,
	NP_F_AUTH_NOT_LAST,
	NP_F_COOKIE_REUSE,
	NP_F_PLACEHOLDER,
	NP_F_AMPLIFICATION,
	NP_F_NAK_UNMATCHED,
	NP_F_KE_PROTO_AEAD,
	NP_F_KE_NO_EOM,
	NP_F_KE_CRITICAL,
	NP_F_AUTH_FAIL,
	NP_F_NO_COOKIE,         /* NTS request without a cookie */
	NP_F_NO_AUTH,           /* NTS request without an authenticator */
	NP_F_COUNT
};

const char *np_finding_name(enum np_finding f);
const char *np_finding_text(enum np_finding f);
/* The findings that the RFC 8915 rules libnts's walker reported stand for
 * (nts/rules.h); request: the NTP packet is a client request. */
struct nts_rules_report;
uint32_t np_findings_of_ntp(const struct nts_rules_report *rep, bool request);
uint32_t np_findings_of_ke(const struct nts_rules_report *rep);
/* Comma-separated names of the set bits, "" when none. */
void np_findings_str(uint32_t set, char *buf, size_t len);

/* ---- NTP decoding (ntp_decode.c) */

#define NP_MAX_EF 24

struct np_ef {
	uint16_t type;
	uint16_t len;
	size_t offset;
	const uint8_t *body;
	size_t body_len;
};

/* Everything one NTP datagram says, pointing into the datagram. */
struct np_ntp {
	const uint8_t *pkt;
	size_t len;
	int hdr_err;            /* NTS_OK or why the header did not parse */
	bool control;           /* mode 6/7 (ntpq, ntpdc): their own format */
	struct ntp_hdr hdr;
	size_t nef;
	size_t ef_dropped;      /* fields past NP_MAX_EF, counted only */
	int walk_err;           /* first EF violation, NTS_OK if none */
	size_t walk_err_off;
	bool mac;               /* legacy MAC at the end */
	size_t mac_len;
	/* NTS view (RFC 8915 section 5) */
	bool nts;               /* any NTS field present */
	bool broken_nts;        /* the walk stopped at a field of an NTS type */
	unsigned nuid;
	const uint8_t *uid;
	size_t uid_len;
	uint64_t uid_hash;      /* np_fp of the first UID, 0 without one */
	unsigned ncookies;
	const uint8_t *cookie;  /* the first cookie */
	size_t cookie_len;
	unsigned nplaceholders;
	bool placeholder_len_bad; /* a placeholder not as long as the cookie */
	unsigned nauth;
	size_t auth_index;      /* index into ef[] */
	size_t auth_offset;     /* associated data ends here */
	int auth_err;           /* NTS_OK or the authenticator's shape error */
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *ct;
	size_t ct_len;
	bool auth_not_last;
	bool nak;               /* mode 4, stratum 0, refid NTSN */
	uint32_t findings;      /* packet-level findings */
	struct np_ef ef[NP_MAX_EF];   /* last: only the first nef are set */
};

/* Decode header, every extension field, and the NTS fields; never fails:
 * problems land in hdr_err, walk_err, auth_err and findings. */
void np_ntp_decode(const uint8_t *pkt, size_t len, struct np_ntp *n);
/* Does this UDP payload look like NTPv4 carrying NTS extension fields (a
 * client request or a server response whose fields all walk cleanly)?
 * Finds NTS on ports nobody named. Returns the mode (3 or 4) or 0. */
unsigned np_ntp_nts_shape(const uint8_t *pkt, size_t len);
/* "client", "server", ... for an NTP mode. */
const char *np_ntp_mode_name(unsigned mode);
/* Refid as text: kiss code / four letters for stratum 0-1, else address. */
void np_refid_str(const struct ntp_hdr *h, char *buf, size_t len);
/* Short fingerprint of a cookie (a fast 64-bit hash), also the cookie map key. */
uint64_t np_fp(const uint8_t *p, size_t len);
/* Estimated cookies inside an unverified response authenticator, given the
 * length of the cookie the request carried (RFC 8915 section 5.7). */
unsigned np_estimate_cookies(size_t ct_len, size_t cookie_len);

/* ---- keys and verification (verify.c) */

struct np_keys {
	uint16_t aead;
	size_t key_len;
	uint8_t c2s[64];
	uint8_t s2c[64];
	char origin[48];        /* "KE frame 12", "--keys", "--server-key" */
};

/* ---- options */

#define NP_MAX_PORTS 16
#define NP_MAX_LEARNED 64
#define NP_MAX_KEYS_FILES 8

struct np_opts {
	uint16_t ntp_ports[NP_MAX_PORTS];
	size_t n_ntp_ports;
	uint16_t ke_ports[NP_MAX_PORTS];
	size_t n_ke_ports;
	bool verbose;
	bool json;
	bool stats;
	bool quiet;             /* no per-exchange lines (with --stats) */
	const char *user;       /* live capture: run as this user once open (-Z) */
	double timeout;         /* seconds a request waits for its response */
};

/* ---- verification results attached to one packet */

struct np_ann {
	int verified;           /* -1: no keys, 0: failed, 1: verified */
	int keys;               /* index of the key set used, -1 for none */
	const char *keys_origin;
	int cookie_err;         /* --server-key: why the cookie did not open */
	uint32_t cookie_key_id; /* --server-key: master key id of the cookie */
	bool cookie_opened;
	unsigned inner_fields;  /* decrypted fields */
	unsigned inner_cookies;
	uint16_t inner_cookie_len[8];
	uint64_t inner_cookie_fp[8];
	int inner_err;          /* decrypted fields malformed */
	uint64_t reused_frame;  /* cookie-reuse: the earlier request's frame */
};

/* ---- one request/response exchange (pair.c) */

struct np_exchange {
	bool have_req, have_resp;
	uint64_t req_frame, resp_frame;
	struct timespec req_ts, resp_ts;
	struct np_addr client, server;
	bool nts;               /* the request carried NTS fields */
	bool req_auth, resp_auth;   /* an authenticator in the request / response */
	bool late;              /* the response came after its request timed out */
	unsigned cut;           /* snap length that cut a packet of it, 0 if none */
	size_t req_len, resp_len;
	unsigned cookies_sent, placeholders, cookies_back;
	bool cookies_estimated;
	bool nak;
	bool have_times;
	double offset, delay;   /* server clock minus capture clock; wire RTT */
	int req_verified, resp_verified;   /* like np_ann.verified */
	uint8_t stratum;
	char kiss[5];           /* kiss code of a stratum 0 response other than NTSN */
	uint32_t findings;
	const char *verdict;
};

/* ---- program context */

struct np_pending;
struct np_verify;
struct np_tcp;
struct np_keylog;
struct np_stats;

struct np_ctx {
	struct np_opts opts;
	FILE *out;
	FILE *err;              /* warnings (stderr unless set) */
	uint64_t frame;         /* current frame number, 1-based over all files */
	struct timespec ts;     /* its capture time */
	struct np_pending *pend;
	struct np_verify *ver;
	struct np_tcp *tcp;
	struct np_keylog *keylog;
	struct np_stats *stats;
	char keys_path[NP_MAX_KEYS_FILES][256];   /* --keys files, for the use report */
	size_t keys_paths;
	bool server_key;
	uint64_t n_frames, n_ntp, n_ke_segments, n_bad_frames, n_skipped;
	uint64_t n_ke_sessions; /* TCP connections that carried TLS records */
	uint64_t n_cut;         /* frames the snap length cut before their payload */
	unsigned snaplen;       /* of the capture being read, 0 if unknown */
	/* endpoints learned from the traffic (RFC 8915 4.1.7 Port records,
	 * ALPN ntske/1 in ClientHellos, NTS-shaped NTP): a ring, oldest replaced */
	struct np_addr ke_eps[NP_MAX_LEARNED], ntp_eps[NP_MAX_LEARNED];
	size_t n_ke_eps, n_ntp_eps;
	uint64_t n_findings[NP_F_COUNT];
	bool out_failed;        /* a --json record could not be written */
};

/* capture.c: endpoints that carry NTS-KE (TCP) or NTP (UDP), configured or learned. */
bool np_is_ke_endpoint(const struct np_ctx *c, const struct np_addr *a);
bool np_is_ntp_endpoint(const struct np_ctx *c, const struct np_addr *a);
void np_learn_ke(struct np_ctx *c, const struct np_addr *server);
void np_learn_ntp(struct np_ctx *c, const struct np_addr *server);

/* pair.c: feed one NTP datagram; emits packets and exchanges to output. */
int np_pending_new(struct np_pending **out);
void np_pending_free(struct np_pending *p);
void np_ntp_packet(struct np_ctx *c, const struct np_frame *f);
/* Emit every request still waiting as unanswered (end of input). */
void np_pending_flush(struct np_ctx *c);
/* Count findings into the totals. */
void np_count_findings(struct np_ctx *c, uint32_t set);

/* verify.c */
int np_verify_new(struct np_verify **out);
void np_verify_free(struct np_verify *v);
/* Add a key set; returns its index or -1 when the table is full. */
int np_verify_add_keys(struct np_verify *v, const struct np_keys *k);
const struct np_keys *np_verify_keys(const struct np_verify *v, int idx);
/* Try this key set on requests whose cookie maps to no keys (--keys). */
void np_verify_float(struct np_verify *v, int idx);
/* Key sets loaded from --keys file number src, and how many of them verified
 * at least one authenticator so far. */
void np_verify_set_src(struct np_verify *v, int idx, int src);
void np_verify_src_use(const struct np_verify *v, int src, size_t *sets, size_t *used);
/* --server-key: cookies opened so far and cookies that did not open. */
void np_verify_ring_use(const struct np_verify *v, uint64_t *opened, uint64_t *failed);
/* Tie a cookie (sent by a KE server or inside a response) to a key set. */
void np_verify_bind_cookie(struct np_verify *v, const uint8_t *cookie, size_t len, int keys);
/* --keys FILE (ntske-probe --export-keys) and --server-key FILE (ntsd). */
int np_verify_load_keys(struct np_verify *v, const char *path, char *err, size_t errlen);
/* The same, with the sets tagged as coming from --keys file number src. */
int np_verify_load_keys_src(struct np_verify *v, const char *path, int src, char *err,
			    size_t errlen);
int np_verify_load_server_key(struct np_verify *v, const char *path, char *err, size_t errlen);
/* Verify a request with C2S; fills a (keys, verified, reuse). */
void np_verify_request(struct np_verify *v, const struct np_ntp *n, uint64_t frame,
		       struct np_ann *a);
/* Verify a response with S2C of key set 'keys'; binds the new cookies. */
void np_verify_response(struct np_verify *v, const struct np_ntp *n, int keys, struct np_ann *a);

/* output.c */
/* The "schema" member of every JSON object (nts-pcap/json-schema.json). */
#define NP_JSON_SCHEMA "nts-pcap/1"
void np_out_packet(struct np_ctx *c, const struct np_frame *f, const struct np_ntp *n,
		   const struct np_ann *a);
void np_out_exchange(struct np_ctx *c, const struct np_exchange *x);
/* A frame whose link, IP or transport header is broken. */
void np_out_bad_frame(struct np_ctx *c, const char *why);
/* A frame the snap length cut before its UDP/TCP payload. */
void np_out_cut_frame(struct np_ctx *c, size_t caplen, size_t wirelen);
/* --json: one object per line, built with jansson (common/jsonv.h). A new
 * object with its "type" and "schema" members, then "frame" (unless 0) and
 * "time" (unless ts is NULL); the "findings" array of a set; the object
 * written as a line and freed (bad: a member could not be added, so nothing
 * is written and out_failed is set). */
json_t *np_json_new(const char *type, uint64_t frame, const struct timespec *ts, bool *bad);
void np_json_findings(json_t *o, uint32_t set, bool *bad);
/* An address (without port) under key and its port under port_key. */
void np_json_addr(json_t *o, const char *key, const char *port_key, const struct np_addr *a,
		  bool *bad);
void np_json_emit(struct np_ctx *c, json_t *o, bool bad);
/* Reals with up to 15 significant digits (DBL_DIG: the decimal a value was
 * rounded to, read back unchanged); jsonv_fixed rounds them to the decimals
 * the text output shows. */
#define NP_JSON_PRECISION 15
/* ISO 8601 UTC time with microseconds. */
void np_time_str(const struct timespec *ts, char *buf, size_t len);
/* Replace control and non-ASCII octets of wire text (SNI, ALPN, Server
 * records) with '.', so a hostile capture cannot drive the terminal. */
void np_printable(char *s);

/* stats.c */
int np_stats_new(struct np_stats **out);
void np_stats_free(struct np_stats *s);
void np_stats_exchange(struct np_stats *s, const struct np_exchange *x);
void np_stats_ke(struct np_stats *s, const struct np_addr *client, const struct np_addr *server,
		 bool ok);
void np_stats_print(struct np_ctx *c);

#endif
