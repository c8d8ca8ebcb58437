/* ntsd: who gets an answer. The allow/deny/restrict rules and the
 * per-client limits (libnts acl.c, ratelimit.c) in front of the NTP and
 * NTS-KE servers; the servers call in once per request or connection. */
#include <config.h>

#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/mono.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "ntsd.h"

/* The address octets of peer; an IPv4-mapped IPv6 peer counts as IPv4. */
static bool addr_bytes(const struct sockaddr_storage *ss, const uint8_t **p, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*p = (const uint8_t *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr;
		*len = 4;
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		*p = a->s6_addr;
		*len = 16;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*p += 12;
			*len = 4;
		}
		return true;
	}
	return false;
}

int ntsd_access_start(struct ntsd *d)
{
	uint64_t seed[2];
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		return NTS_E_IO;
	struct nts_rl_config c = d->cfg.ntp_rl;
	c.kod = true;   /* the matching rule decides whether a kiss is sent */
	int rc = nts_rl_new(&c, seed[0], &d->ntp_rl);
	struct nts_rl_config k = d->cfg.ke_rl;
	/* an address with open connections is never evicted: room for every
	 * connection nts maxconn allows, with sets to spare */
	if (k.entries < 8 * d->cfg.ke_max_conns)
		k.entries = 8 * d->cfg.ke_max_conns;
	if (rc == NTS_OK && d->cfg.nts_enable)
		rc = nts_rl_new(&k, seed[1], &d->ke_rl);
	if (rc != NTS_OK)
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "rate limit tables: %s", nts_strerror(rc));
	return rc;
}

void ntsd_access_stop(struct ntsd *d)
{
	nts_rl_free(d->ntp_rl);
	nts_rl_free(d->ke_rl);
	d->ntp_rl = d->ke_rl = NULL;
}

/* RFC 5905 section 7.4: a RATE kiss is a mode 4 packet with stratum 0 and
 * the kiss code as reference ID. It echoes the client's transmit time as
 * origin (RFC 5905 section 8) and tells nothing of our clock. It is never
 * longer than the request, so it cannot amplify a forged flood. */
static int build_kod(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct ntp_hdr q, h;
	if (ntp_hdr_parse(pkt, len, &q) != NTS_OK || q.mode != NTP_MODE_CLIENT)
		return -1;
	memset(&h, 0, sizeof h);
	h.leap = NTP_LEAP_UNSYNC;
	h.version = q.version;
	h.mode = NTP_MODE_SERVER;
	h.stratum = 0;
	h.poll = q.poll;
	h.refid = (uint32_t)'R' << 24 | (uint32_t)'A' << 16 | (uint32_t)'T' << 8 | 'E';
	h.org = q.xmt;
	h.xmt = q.xmt;
	if (ntp_hdr_write(&h, out, cap) != NTS_OK)
		return -1;
	return NTP_HEADER_LEN;
}

int ntsd_access_ntp(struct ntsd *d, const struct sockaddr_storage *peer, const uint8_t *pkt,
		    size_t len, uint8_t *out, size_t cap)
{
	const uint8_t *a;
	size_t alen;
	if (!addr_bytes(peer, &a, &alen))
		return -1;
	unsigned flags = nts_acl_lookup(&d->cfg.acl, a, alen);
	if (flags & NTS_ACL_INHERIT)
		flags = d->cfg.ratelimit_all ? NTS_ACL_LIMITED | (d->cfg.ratelimit_kod ? NTS_ACL_KOD : 0) : 0;
	if (flags & NTS_ACL_DENY) {
		nts_count(&d->ntp_denied);
		return -1;
	}
	if (!(flags & NTS_ACL_LIMITED) || !d->ntp_rl)
		return 0;
	/* before any parsing or cryptography: a flood of forged cookies costs
	 * a table look-up, and the NTS NAKs it would earn count as answers */
	enum nts_rl_verdict v = nts_rl_check(d->ntp_rl, a, alen, mono_us());
	if (v == NTS_RL_PASS)
		return 0;
	if (v == NTS_RL_KOD && (flags & NTS_ACL_KOD))
		return build_kod(pkt, len, out, cap);
	return -1;
}

bool ntsd_access_ke_open(struct ntsd *d, const struct sockaddr_storage *peer)
{
	const uint8_t *a;
	size_t alen;
	if (!d->ke_rl || !addr_bytes(peer, &a, &alen))
		return true;
	return nts_rl_conn_open(d->ke_rl, a, alen, mono_us()) == NTS_RL_PASS;
}

void ntsd_access_ke_close(struct ntsd *d, const struct sockaddr_storage *peer)
{
	const uint8_t *a;
	size_t alen;
	if (d->ke_rl && addr_bytes(peer, &a, &alen))
		nts_rl_conn_close(d->ke_rl, a, alen);
}

unsigned ntsd_access_ke_conns(struct ntsd *d, const struct sockaddr_storage *peer)
{
	const uint8_t *a;
	size_t alen;
	if (!d->ke_rl || !addr_bytes(peer, &a, &alen))
		return 0;
	return nts_rl_conns(d->ke_rl, a, alen);
}
