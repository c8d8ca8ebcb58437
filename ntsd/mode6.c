/* ntsd mode 6 (RFC 9327) read-only answers, so NTPsec's `ntpq -c nts`,
 * `ntpq -c rv` and `ntpq -p` read ntsd. Only READSTAT and READVAR of the
 * system association; answered to loopback peers only, because responses
 * are larger than requests. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/ntp.h"
#include "ntsd.h"

#define CTL_HDR 12
#define CTL_OP_READSTAT 1
#define CTL_OP_READVAR 2
#define CTL_RESPONSE 0x80
#define CTL_ERROR 0x40
#define CTL_MORE 0x20
/* error codes, sent in the status word's high octet (RFC 9327 section 2) */
#define CERR_BADOP 3
#define CERR_BADASSOC 4
#define CERR_UNKNOWNVAR 5
#define VARS_MAX 2048

/* Counter variables under NTPsec's names (ntpq's ntsinfo table). */
static uint64_t counter(const struct ntsd *d, const char *name, bool *found)
{
	struct nts_counters c;
	nts_counters_snapshot(&d->counters, &c);
	const struct {
		const char *name;
		uint64_t v;
	} vars[] = {
		{ "nts_client_send", c.client_sends },
		{ "nts_client_recv_good", c.client_recvs_good },
		{ "nts_client_recv_bad", c.client_recvs_bad },
		{ "nts_server_recv_good", c.server_recvs_good },
		{ "nts_server_recv_bad", c.server_recvs_bad },
		{ "nts_server_send", c.server_sends },
		{ "nts_cookie_make", c.cookie_make },
		{ "nts_cookie_decode", c.cookie_decode },
		{ "nts_cookie_decode_old", c.cookie_decode_old },
		/* NTPsec splits "old" by age; our ring does not, so these stay 0 */
		{ "nts_cookie_decode_old2", 0 },
		{ "nts_cookie_decode_older", 0 },
		{ "nts_cookie_decode_too_old", c.cookie_decode_too_old },
		{ "nts_cookie_decode_error", c.cookie_decode_error },
		{ "nts_ke_probes_good", c.ke_probes_good },
		{ "nts_ke_probes_bad", c.ke_probes_bad },
		{ "nts_ke_serves_good", c.ke_serves_good },
		{ "nts_ke_serves_bad", c.ke_serves_bad },
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (strcmp(name, vars[i].name) == 0) {
			*found = true;
			return vars[i].v;
		}
	}
	*found = false;
	return 0;
}

static const char *const system_vars[] = {
	"version", "leap", "stratum", "precision", "rootdelay", "rootdisp", "refid", "reftime", "clock",
};

/* Format one variable as name=value; false if we do not know it. */
static bool format_var(const struct ntsd *d, const char *name, char *out, size_t cap)
{
	const struct ntsd_config *c = &d->cfg;
	bool found = false;
	uint64_t v = counter(d, name, &found);
	if (found) {
		snprintf(out, cap, "%s=%llu", name, (unsigned long long)v);
		return true;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t ts = ntp_ts_from_timespec(&now);
	char refid[5] = { 0 };
	nts_put32((uint8_t *)refid, c->refid);
	for (int i = 0; i < 4; i++)
		if (refid[i] && (refid[i] < 0x20 || refid[i] > 0x7e || refid[i] == '"' || refid[i] == ','))
			refid[i] = '?';
	if (strcmp(name, "version") == 0)
		snprintf(out, cap, "version=\"ntsd %s\"", PACKAGE_VERSION);
	else if (strcmp(name, "leap") == 0)
		snprintf(out, cap, "leap=%s", c->stratum >= 16 ? "11" : "00");
	else if (strcmp(name, "stratum") == 0)
		snprintf(out, cap, "stratum=%u", c->stratum >= 16 ? 16 : c->stratum);
	else if (strcmp(name, "precision") == 0)
		snprintf(out, cap, "precision=-25");
	else if (strcmp(name, "rootdelay") == 0)
		snprintf(out, cap, "rootdelay=0.000");
	else if (strcmp(name, "rootdisp") == 0)
		snprintf(out, cap, "rootdisp=1.000");
	else if (strcmp(name, "refid") == 0)
		snprintf(out, cap, "refid=%s", refid);
	else if (strcmp(name, "reftime") == 0)
		snprintf(out, cap, "reftime=0x%08x.00000000", (unsigned)(ts >> 32));
	else if (strcmp(name, "clock") == 0)
		snprintf(out, cap, "clock=0x%08x.%08x", (unsigned)(ts >> 32), (unsigned)ts);
	else
		return false;
	return true;
}

/* Append "name=value" for each requested name (all system variables and
 * counters when none are named); CERR_UNKNOWNVAR on a name we lack. */
static int build_vars(const struct ntsd *d, const uint8_t *q, size_t qlen, char *out, size_t cap,
		      size_t *len)
{
	char names[VARS_MAX + 1];
	size_t n = 0;
	if (qlen > VARS_MAX)
		return CERR_UNKNOWNVAR;
	memcpy(names, q, qlen);
	names[qlen] = '\0';
	*len = 0;
	out[0] = '\0';
	char *save = NULL, var[128];
	bool any = false;
	for (char *tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\r' || *tok == '\n')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\n'))
			*--end = '\0';
		if (!*tok)
			continue;
		any = true;
		if (!format_var(d, tok, var, sizeof var))
			return CERR_UNKNOWNVAR;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", var);
		if (n >= cap)
			return CERR_UNKNOWNVAR;
	}
	if (!any) {
		for (size_t i = 0; i < sizeof system_vars / sizeof system_vars[0]; i++) {
			format_var(d, system_vars[i], var, sizeof var);
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", var);
		}
	}
	n += (size_t)snprintf(out + n, cap - n, "\r\n");
	*len = n < cap ? n : cap - 1;
	return 0;
}

/* Write one response fragment. */
static size_t fragment(uint8_t *out, size_t cap, uint8_t vn, uint8_t op, uint16_t seq,
		       uint16_t status, uint16_t assoc, size_t off, const char *data, size_t count,
		       bool more)
{
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	nts_wr_u8(&w, (uint8_t)((vn << 3) | NTP_MODE_CONTROL));
	nts_wr_u8(&w, (uint8_t)(CTL_RESPONSE | (more ? CTL_MORE : 0) | op));
	nts_wr_u16(&w, seq);
	nts_wr_u16(&w, status);
	nts_wr_u16(&w, assoc);
	nts_wr_u16(&w, (uint16_t)off);
	nts_wr_u16(&w, (uint16_t)count);
	nts_wr_bytes(&w, data, count);
	nts_wr_pad(&w, 4);
	return w.err ? 0 : w.pos;
}

size_t ntsd_mode6_answer(const struct ntsd *d, const uint8_t *pkt, size_t len,
			 uint8_t (*out)[NTSD_MODE6_FRAG], size_t *lens, size_t max_frags)
{
	struct nts_rd r;
	uint8_t b0, b1;
	uint16_t seq, status, assoc, off, count;
	nts_rd_init(&r, pkt, len);
	if (!(nts_rd_u8(&r, &b0) && nts_rd_u8(&r, &b1) && nts_rd_u16(&r, &seq) &&
	      nts_rd_u16(&r, &status) && nts_rd_u16(&r, &assoc) && nts_rd_u16(&r, &off) &&
	      nts_rd_u16(&r, &count)))
		return 0;
	const uint8_t *q = NULL;
	/* responses and fragments of requests are not ours to answer */
	if ((b0 & 7) != NTP_MODE_CONTROL || (b1 & (CTL_RESPONSE | CTL_MORE)) || off != 0 ||
	    !nts_rd_view(&r, count, &q) || max_frags == 0)
		return 0;
	uint8_t vn = (b0 >> 3) & 7, op = b1 & 0x1f;
	const struct ntsd_config *c = &d->cfg;
	uint16_t sys_status = (uint16_t)((c->stratum >= 16 ? 3u : 0u) << 14);
	char data[VARS_MAX * 2];
	size_t dlen = 0;
	int err = 0;
	if (op == CTL_OP_READSTAT && assoc == 0)
		dlen = 0;   /* no associations: ntsd has no client side yet */
	else if (op == CTL_OP_READVAR && assoc == 0)
		err = build_vars(d, q, count, data, sizeof data, &dlen);
	else
		err = op == CTL_OP_READSTAT || op == CTL_OP_READVAR ? CERR_BADASSOC : CERR_BADOP;
	if (err) {
		size_t n = fragment(out[0], NTSD_MODE6_FRAG, vn, op, seq, (uint16_t)(err << 8), assoc, 0,
				    "", 0, false);
		if (n)
			out[0][1] |= CTL_ERROR;
		lens[0] = n;
		return n ? 1 : 0;
	}
	size_t nfr = 0, pos = 0;
	do {
		size_t chunk = dlen - pos > NTSD_MODE6_DATA ? NTSD_MODE6_DATA : dlen - pos;
		bool more = pos + chunk < dlen;
		size_t n = fragment(out[nfr], NTSD_MODE6_FRAG, vn, op, seq, sys_status, assoc, pos,
				    data + pos, chunk, more);
		if (n == 0)
			return 0;
		lens[nfr++] = n;
		pos += chunk;
	} while (pos < dlen && nfr < max_frags);
	return nfr;
}
