/* NTS-KE session state shared by the TLS decoder (ke_decode.c), the record decoder (ke_records.c) and ke_out.c. */
#ifndef NP_KE_H
#define NP_KE_H

#include "capture.h"
#include "nts/ntske.h"
#include "tls13.h"

#define NP_KE_MAX_RECORDS 48
#define NP_KE_MSG_MAX (NTSKE_MAX_MESSAGE + 4)

struct np_ke_rec {
	bool critical;
	uint16_t type;
	uint16_t len;
	size_t offset;
	uint16_t ids[4];        /* first ids of a Next Protocol / AEAD / Error / Warning / Port body */
	unsigned nids;
	uint64_t fp;            /* cookie fingerprint */
	char text[64];          /* Server record */
};

/* One direction's KE message, decoded (RFC 8915 section 4). */
struct np_ke_msg {
	size_t len;
	size_t nrec, rec_dropped;
	struct np_ke_rec rec[NP_KE_MAX_RECORDS];
	bool eom, after_eom, trunc;
	unsigned n_proto_rec, n_aead_rec;
	uint16_t protos[NTSKE_MAX_IDS], aeads[NTSKE_MAX_IDS];
	size_t nprotos, naeads;
	bool has_error;
	uint16_t error;
	unsigned nwarn, ncookies;
	const uint8_t *cookies[NTS_MAX_COOKIES];
	uint16_t cookie_len[NTS_MAX_COOKIES];
	bool has_server, has_port;
	char server[NTSKE_MAX_SERVER + 1];
	uint16_t port;
	uint32_t findings;
};

/* Walk every record of a KE message and apply the RFC 8915 rules for a
 * request (response false) or a response. Never fails; see findings. */
void np_ke_msg_decode(const uint8_t *p, size_t n, bool response, struct np_ke_msg *m);

struct np_ke {
	struct np_addr cli, srv;
	uint64_t first_frame;
	struct timespec t_start, t_ch, t_sh, t_fin[2], t_app[2], t_last;
	bool have_ch, have_sh, hrr;
	uint8_t random[32];
	char sni[128];
	char alpn[64];          /* offered, comma separated */
	char alpn_sel[32];      /* chosen by the server (EncryptedExtensions) */
	uint16_t versions[8];
	size_t nversions;
	uint16_t version, suite;
	int alert[2];           /* level << 8 | description, -1 none */
	unsigned records[2], enc_records[2], decrypted[2];
	bool gap[2], bad[2];
	bool keylog_hit;
	struct np_tls13_dir *hs[2], *app[2];
	bool app_on[2];
	uint8_t exporter[64];
	size_t exporter_len;
	uint8_t *msg[2];
	size_t msg_len[2];
	bool msg_over[2];
	struct np_ke_msg km[2];
	bool decoded;
	bool exported;          /* keys derived once the response was whole */
	int keys;               /* key set derived from the exporter, -1 */
	uint8_t c2s[64], s2c[64];
	size_t key_len;
	uint32_t findings;
	uint64_t req_frame, resp_frame;   /* first frame of the KE request / response */
	uint8_t *hs_buf[2];     /* decrypted handshake octets not yet a whole message */
	size_t hs_len[2];
	bool have_cert;
	struct np_cert cert;    /* the server's end-entity certificate */
	unsigned cut;           /* snap length that cut a segment of it, 0 if none */
	bool followed;          /* the negotiated NTP endpoint was learned */
};

/* ke_out.c: the session line, -v tree and JSON object. */
void np_ke_print(struct np_ctx *c, const struct np_ke *k);
/* Every verdict np_ke_print can give, NULL-terminated (the man page lists them). */
extern const char *const np_ke_verdicts[];


#endif
