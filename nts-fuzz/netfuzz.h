/* nts-fuzz network modes: shared types for net, serve, diff and replay. */
#ifndef NTS_NETFUZZ_H
#define NTS_NETFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nts/ntske.h"

struct nts_tls;
struct nts_tls_creds;
struct nts_aead;

/* ---- reproducible randomness (splitmix64): every case follows from --seed */
struct rng {
	uint64_t s;
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
bool rng_chance(struct rng *r, unsigned percent);
void rng_bytes(struct rng *r, uint8_t *out, size_t n);

/* ---- addresses: loopback only (127.0.0.0/8 and ::1) */
struct endpoint {
	struct sockaddr_storage sa;
	socklen_t len;
	char text[64];        /* "127.0.0.1:4460" or "[::1]:4460" */
};
/* Parse HOST:PORT (HOST a loopback literal, [::1], or "localhost"). Returns
 * false with a reason in err for any address outside loopback. */
bool endpoint_parse(const char *s, struct endpoint *ep, char *err, size_t errlen);
bool endpoint_is_loopback(const struct sockaddr *sa);
void endpoint_set_port(struct endpoint *ep, uint16_t port);
uint16_t endpoint_port(const struct endpoint *ep);

void sleep_ms(unsigned ms);

/* ---- KE over TLS, bounded by deadlines */
struct keclient;
/* The client side (common/keclient.h): TCP connect and TLS handshake, no
 * certificate verification (the peer is ours, on loopback); resp_cap 0 is
 * a message's limit. NULL with the reason in err. */
struct keclient *netfuzz_ke_connect(const struct endpoint *ep, struct nts_tls_creds *creds,
				    double deadline, size_t resp_cap, char *err, size_t errlen);
/* A plain non-blocking TCP connection, or -1 with errno. */
int tcp_connect(const struct endpoint *ep, double deadline);
/* Why reading a KE message stopped. */
enum netfuzz_end { KE_END_MESSAGE, KE_END_EOF, KE_END_TIMEOUT, KE_END_ERROR, KE_END_FULL };
/* ... for a keclient_run result. */
enum netfuzz_end netfuzz_ke_end(int rc);

/* The server side (serve mode): an accepted connection and its session. */
struct netfuzz_tls_conn {
	int fd;
	struct nts_tls *tls;
};
void netfuzz_tls_close(struct netfuzz_tls_conn *c, bool bye);
/* Send all of buf; drip_ms > 0 sends one octet at a time with that pause. */
int netfuzz_tls_send(struct netfuzz_tls_conn *c, const uint8_t *buf, size_t len, unsigned drip_ms,
		     double deadline);
/* Read until a whole KE message, EOF, error, cap or the deadline. Returns
 * the octets read (>= 0) and sets *end to why reading stopped. */
long netfuzz_tls_recv_message(struct netfuzz_tls_conn *c, uint8_t *buf, size_t cap, double deadline,
			      enum netfuzz_end *end);

/* ---- a real KE session for NTP mode: keys and a cookie pool */
struct netfuzz_session {
	uint16_t aead;
	size_t key_len;
	uint8_t c2s[64], s2c[64];
	struct nts_aead *c2s_aead, *s2c_aead;
	struct endpoint ntp;            /* where to send NTP (from Server/Port records) */
	size_t ncookies;
	uint16_t cookie_len[64];
	uint8_t cookies[64][NTS_COOKIE_MAX];
	uint8_t used_cookie[NTS_COOKIE_MAX];  /* the last cookie sent, for "old cookie" cases */
	uint16_t used_len;
	unsigned kes;                   /* KE exchanges done */
};
/* Do a valid KE with target (AEAD preference list 15, 17) and fill s. The
 * NTP endpoint is the KE host with the port from the response, or
 * ntp_port when non-zero, or 123. */
int netfuzz_session_new(struct netfuzz_session *s, const struct endpoint *ke, uint16_t ntp_port,
		   struct nts_tls_creds *creds, double timeout, char *err, size_t errlen);
void netfuzz_session_free(struct netfuzz_session *s);
/* Take a cookie from the pool (false when empty). */
bool netfuzz_session_take(struct netfuzz_session *s, uint8_t *cookie, size_t *len);
void netfuzz_session_add(struct netfuzz_session *s, const uint8_t *cookie, size_t len);

/* ---- one UDP exchange */
/* Send pkt and wait up to timeout_ms for one datagram from the peer;
 * returns its length, 0 for no answer, -1 on a socket error. */
long udp_exchange(const struct endpoint *ep, const uint8_t *pkt, size_t len, uint8_t *resp,
		  size_t cap, unsigned timeout_ms);

/* ---- KE mutations */
#define KE_CASE_MAX (NTSKE_MAX_MESSAGE + 8192)
/* A KE case: delivery octet then the payload sent over TLS. */
enum netfuzz_delivery {
	KE_DELIVER_WHOLE = 0,
	KE_DELIVER_CHUNKS = 1,    /* random small writes */
	KE_DELIVER_DRIP = 2,      /* one octet every few ms (slow loris) */
	KE_DELIVER_BYE = 3,       /* send, then close_notify at once */
	KE_DELIVER_SILENT = 4,    /* handshake, then send nothing */
	KE_DELIVER_PARALLEL = 5,  /* payload[0] connections at once, all silent */
	KE_DELIVER_NOTLS = 6,     /* the payload as raw TCP, no TLS at all */
	KE_DELIVER_COUNT
};
/* A mutated KE request case (delivery octet first) into out. */
size_t netfuzz_ke_mutate_request(struct rng *r, uint8_t *out, size_t cap);
/* Mutate a well-formed KE message (a response, for serve mode) in place;
 * returns the new length (<= cap). */
size_t netfuzz_ke_mutate_message(struct rng *r, uint8_t *msg, size_t len, size_t cap);
/* Name of the mutations applied by the last call, for the report. */
const char *netfuzz_mutation_name(void);

/* ---- NTP cases: the structured format of fuzz_nts_server.c */
#define NTP_CASE_MAX 2048
/* Generate a mutated structured NTS request case. */
size_t netfuzz_ntp_mutate_request(struct rng *r, uint8_t *out, size_t cap);

/* ---- outcome classes (for reports and the differential mode) */
const char *netfuzz_ke_classify(const uint8_t *resp, size_t len, enum netfuzz_end end, char *buf, size_t cap);

/* ---- options and the run report */
struct fuzz_opts {
	struct endpoint targets[4];
	size_t ntargets;
	bool proto_ntp;             /* --proto ntp (else ke) */
	double duration;            /* seconds */
	uint64_t seed;
	unsigned burst;             /* cases between liveness checks */
	unsigned timeout_ms;        /* wait for one answer */
	unsigned long max_cases;    /* 0: until the duration ends */
	uint16_t ntp_port;          /* 0: from the KE response */
	const char *findings;       /* directory for findings */
	const char *ca;             /* unused for verification; loads creds */
	bool verbose;
	unsigned jobs;              /* KE cases in flight at once */
	/* serve mode */
	struct endpoint listen_ke, listen_ntp;
	const char *cert, *key;
	unsigned rate;              /* percent of NTP answers mutated */
	unsigned ke_rate;           /* percent of KE answers mutated */
	char **paths;               /* replay: case files or directories */
	int npaths;
};

/* Outcome histogram: name -> count. */
#define HIST_MAX 96
struct hist {
	size_t n;
	char name[HIST_MAX][112];
	unsigned long count[HIST_MAX];
};
void hist_add(struct hist *h, const char *name);
void hist_print(const struct hist *h, const char *indent);

struct nts_tls_creds *client_creds(const struct fuzz_opts *o);

/* One KE case against ep; the outcome class goes to out. */
void netfuzz_ke_case(const struct endpoint *ep, struct nts_tls_creds *creds, const uint8_t *c,
		 size_t n, unsigned timeout_ms, char *out, size_t cap);
/* Run n KE cases on 'jobs' threads; outcome i goes to outs[i]. */
void netfuzz_ke_burst(const struct endpoint *ep, struct nts_tls_creds *creds, uint8_t *const *cases,
		  const size_t *lens, size_t n, unsigned timeout_ms, unsigned jobs, char (*outs)[96]);
/* Liveness oracle: a valid KE exchange completes (a few tries). */
bool netfuzz_ke_alive(const struct endpoint *ep, struct nts_tls_creds *creds, double wait_s);

/* One structured NTP case with session s; the outcome class goes to out. */
void netfuzz_ntp_case(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
		  uint16_t ntp_port, const uint8_t *c, size_t n, unsigned timeout_ms, char *out,
		  size_t cap);
/* Send n NTP cases at once, each from its own socket, and wait up to
 * timeout_ms for the answers; outcome i goes to outs[i]. */
void netfuzz_ntp_burst(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
		   uint16_t ntp_port, uint8_t *const *cases, const size_t *lens, size_t n,
		   unsigned timeout_ms, char (*outs)[96]);
/* Liveness oracle: a valid NTS request is answered and authenticates. */
bool netfuzz_ntp_alive(struct netfuzz_session *s, const struct endpoint *ke, struct nts_tls_creds *creds,
	       uint16_t ntp_port, double wait_s);

int cmd_net(struct fuzz_opts *o);
int cmd_diff(struct fuzz_opts *o);
int cmd_replay(struct fuzz_opts *o);
int cmd_serve(struct fuzz_opts *o);

/* ---- findings */
/* Save the cases of a failed burst under dir; prints where. */
void findings_save(const char *dir, const char *proto, const char *target, uint64_t seed,
		   unsigned burst, uint8_t *const *cases, const size_t *lens, size_t n,
		   const char *why);

#endif
