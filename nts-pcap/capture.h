/* nts-pcap input (capture.c), TCP reassembly (tcp.c) and the NTS-KE decoder (ke_*.c). */
#ifndef NP_CAPTURE_H
#define NP_CAPTURE_H

#include "np.h"

struct np_capture_run {
	struct np_ctx *ctx;
	int dlt;
	bool nano;
};

/* One captured frame: decode it and hand it to the NTP or KE path. */
void np_dispatch(struct np_ctx *c, int dlt, const struct timespec *ts, const uint8_t *data,
		 size_t caplen, size_t wirelen);
/* Read a pcap or pcapng file to its end; -1 with err set on failure. */
int np_read_file(struct np_ctx *c, const char *path, char *err, size_t errlen);
/* Capture live on iface with a BPF filter for the configured ports until
 * SIGINT/SIGTERM or count packets (0: no limit). */
int np_live(struct np_ctx *c, const char *iface, long count, char *err, size_t errlen);

#define NP_KEYLOG_MAX_FILES 8

/* ---- ctx.c */
struct np_inputs {
	const char *keylogs[NP_KEYLOG_MAX_FILES];
	size_t nkeylogs;
	const char *server_key;
	const char *keys[8];
	size_t nkeys;
};
/* Open a key source file for reading; NULL with "PATH: reason" in err when
 * it cannot be opened or is a directory ("is a directory, not a WHAT"). */
FILE *np_open_input(const char *path, const char *what, char *err, size_t errlen);
/* Fill defaults in c->opts, make the tables, load the key sources. */
int np_ctx_init(struct np_ctx *c, const struct np_inputs *in, char *err, size_t errlen);
/* End of input: finish connections, report unanswered requests, --stats. */
void np_ctx_end(struct np_ctx *c);
void np_ctx_fini(struct np_ctx *c);
/* Findings plus malformed frames seen so far. */
uint64_t np_ctx_findings(const struct np_ctx *c);

/* ---- tcp.c */
int np_tcp_new(struct np_tcp **out);
void np_tcp_free(struct np_tcp *t);
/* One TCP segment on a KE port. */
void np_tcp_segment(struct np_ctx *c, const struct np_frame *f);
/* End of input: finish every open flow. */
void np_tcp_flush(struct np_ctx *c);

/* ---- ke_decode.c: one TCP connection carrying NTS-KE over TLS */
struct np_ke;
struct np_ke *np_ke_new(const struct np_addr *client, const struct np_addr *server,
			uint64_t frame, const struct timespec *ts);
/* In-order stream octets of one direction (0 client->server, 1 back);
 * returns how many were consumed (whole TLS records). */
size_t np_ke_stream(struct np_ctx *c, struct np_ke *k, int dir, const uint8_t *p, size_t n);
/* Is this the start of a TLS ClientHello that offers ALPN "ntske/1"? */
bool np_ke_is_ntske_hello(const uint8_t *p, size_t n);
/* A snap length cut a segment of this connection: its streams stop there. */
void np_ke_cut(struct np_ke *k, unsigned snaplen);
/* A hole in a direction's stream: decoding of that direction stops. */
void np_ke_gap(struct np_ke *k, int dir);
/* Connection over (or input ended): print it and free it. */
void np_ke_finish(struct np_ctx *c, struct np_ke *k);

/* ---- keylog.c: NSS key log (SSLKEYLOGFILE) */
enum np_secret {
	NP_S_CHTS,              /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	NP_S_SHTS,              /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	NP_S_CTS0,              /* CLIENT_TRAFFIC_SECRET_0 */
	NP_S_STS0,              /* SERVER_TRAFFIC_SECRET_0 */
	NP_S_EXPORTER,          /* EXPORTER_SECRET */
	NP_S_COUNT
};
struct np_secrets {
	uint8_t len[NP_S_COUNT];        /* 0 when not in the log */
	uint8_t s[NP_S_COUNT][64];
};
/* Add a key log file to *kl (made on the first call); the file stays open
 * so that a live capture reads on after dropping privileges. Refuses
 * directories. */
int np_keylog_load(struct np_keylog **kl, const char *path, char *err, size_t errlen);
size_t np_keylog_files(const struct np_keylog *kl);
/* File i: its path, key log lines read, lines that were not key log lines,
 * and the captured sessions it unlocked so far. */
void np_keylog_file_use(const struct np_keylog *kl, size_t i, const char **path, size_t *lines,
			size_t *bad_lines, size_t *used);
void np_keylog_free(struct np_keylog *kl);
/* Secrets of the session with this ClientHello random, or NULL. A miss
 * reads lines appended to the file since (live captures). */
const struct np_secrets *np_keylog_find(struct np_keylog *kl, const uint8_t random[32]);

#endif
