/* Link, IP and transport headers of captured frames, down to the UDP/TCP payload. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/buf.h"
#include "np.h"

/* libpcap DLT numbers, spelled out so this file needs no pcap headers and
 * the unit tests can feed it frames directly. */
#define DLT_NULL_ 0
#define DLT_EN10MB_ 1
#define DLT_RAW_ 12
#define DLT_RAW_ALT_ 14
#define DLT_RAW_LT_ 101
#define DLT_LOOP_ 108
#define DLT_LINUX_SLL_ 113
#define DLT_IPV4_ 228
#define DLT_IPV6_ 229
#define DLT_LINUX_SLL2_ 276

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8

void np_addr_str(const struct np_addr *a, bool with_port, char *buf, size_t len)
{
	char ip[48];
	if (a->family == 4) {
		/* by hand: this runs twice per output line */
		char tmp[32];
		size_t n = 0;
		for (int i = 0; i < 4 + with_port; i++) {
			unsigned v = i < 4 ? a->ip[i] : a->port;
			char d[6];
			int k = 0;
			do {
				d[k++] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			if (i)
				tmp[n++] = i < 4 ? '.' : ':';
			while (k)
				tmp[n++] = d[--k];
		}
		tmp[n] = 0;
		snprintf(buf, len, "%s", tmp);
		return;
	}
	/* RFC 5952 text: longest run of zero groups becomes "::" */
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = nts_get16(a->ip + 2 * i);
	int best = -1, bestn = 0;
	for (int i = 0; i < 8;) {
		int n = 0;
		while (i + n < 8 && g[i + n] == 0)
			n++;
		if (n > bestn && n > 1) {
			best = i;
			bestn = n;
		}
		i += n ? n : 1;
	}
	size_t p = 0;
	for (int i = 0; i < 8 && p < sizeof ip; i++) {
		if (i == best) {
			p += (size_t)snprintf(ip + p, sizeof ip - p, "::");
			i += bestn - 1;
			continue;
		}
		bool colon = i > 0 && i != best + bestn;
		p += (size_t)snprintf(ip + p, sizeof ip - p, "%s%x", colon ? ":" : "", g[i]);
	}
	if (with_port)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s", ip);
}

bool np_addr_eq(const struct np_addr *a, const struct np_addr *b, bool with_port)
{
	size_t n = a->family == 4 ? 4 : 16;
	return a->family == b->family && memcmp(a->ip, b->ip, n) == 0 &&
	       (!with_port || a->port == b->port);
}

static int transport(struct nts_rd *r, uint8_t proto, size_t l4len, struct np_frame *f,
		     const char **why)
{
	/* l4len: what the IP header says; the capture may hold less */
	size_t have = nts_rd_left(r);
	const uint8_t *start = nts_rd_ptr(r);
	if (proto == NP_L4_UDP) {
		/* the hot path: one bounds check, then direct loads */
		if (have < 8) {
			*why = "UDP header truncated";
			return NP_FRAME_BAD;
		}
		f->src.port = nts_get16(start);
		f->dst.port = nts_get16(start + 2);
		uint16_t ulen = nts_get16(start + 4);
		if (ulen < 8 || ulen > l4len) {
			*why = "UDP length inconsistent with IP length";
			return NP_FRAME_BAD;
		}
		f->l4 = NP_L4_UDP;
		f->payload = start + 8;
		f->len = ulen - 8u;
		if (f->len > have - 8) {
			f->len = have - 8;
			f->truncated = f->cut = true;
		}
		return NP_FRAME_OK;
	}
	if (proto == NP_L4_TCP) {
		uint8_t off, flags;
		if (!(nts_rd_u16(r, &f->src.port) && nts_rd_u16(r, &f->dst.port) &&
		      nts_rd_u32(r, &f->seq) && nts_rd_skip(r, 4) && nts_rd_u8(r, &off) &&
		      nts_rd_u8(r, &flags))) {
			*why = "TCP header truncated";
			return NP_FRAME_BAD;
		}
		size_t hlen = (size_t)(off >> 4) * 4;
		if (hlen < 20 || hlen > l4len || hlen > have) {
			*why = "TCP data offset out of range";
			return NP_FRAME_BAD;
		}
		f->l4 = NP_L4_TCP;
		f->tcp_flags = flags;
		f->payload = start + hlen;
		f->len = l4len - hlen;
		if (f->len > have - hlen) {
			f->len = have - hlen;
			f->truncated = f->cut = true;
		}
		return NP_FRAME_OK;
	}
	return NP_FRAME_SKIP;
}

static int ipv4(struct nts_rd *r, struct np_frame *f, const char **why)
{
	const uint8_t *start = nts_rd_ptr(r);
	size_t have = nts_rd_left(r);
	if (have < 20) {
		*why = "IPv4 header truncated";
		return NP_FRAME_BAD;
	}
	uint8_t vihl = start[0], proto = start[9];
	uint16_t total = nts_get16(start + 2), frag = nts_get16(start + 6);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || ihl < 20 || total < ihl || ihl > have) {
		*why = "IPv4 header length or version invalid";
		return NP_FRAME_BAD;
	}
	if (frag & 0x1fff)
		return NP_FRAME_SKIP;   /* a later fragment: no transport header */
	f->src.family = f->dst.family = 4;
	memcpy(f->src.ip, start + 12, 4);
	memcpy(f->dst.ip, start + 16, 4);
	struct nts_rd l4;
	size_t caplen = have < total ? have : total;
	nts_rd_init(&l4, start + ihl, caplen - ihl);
	int rc = transport(&l4, proto, total - ihl, f, why);
	if (rc == NP_FRAME_OK && (frag & 0x2000))
		f->truncated = true;    /* first fragment of several */
	return rc;
}

static int ipv6(struct nts_rd *r, struct np_frame *f, const char **why)
{
	const uint8_t *start = nts_rd_ptr(r);
	size_t have = nts_rd_left(r);
	uint32_t vtc;
	uint16_t plen;
	uint8_t next;
	if (!(nts_rd_u32(r, &vtc) && nts_rd_u16(r, &plen) && nts_rd_u8(r, &next) &&
	      nts_rd_skip(r, 33))) {
		*why = "IPv6 header truncated";
		return NP_FRAME_BAD;
	}
	if (vtc >> 28 != 6) {
		*why = "IPv6 version field not 6";
		return NP_FRAME_BAD;
	}
	f->src.family = f->dst.family = 6;
	memcpy(f->src.ip, start + 8, 16);
	memcpy(f->dst.ip, start + 24, 16);
	size_t caplen = have - 40 < plen ? have - 40 : plen;
	struct nts_rd p;
	nts_rd_init(&p, start + 40, caplen);
	size_t l4len = plen;
	/* walk the extension headers (RFC 8200 section 4); bounded count */
	for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60 || next == 44); i++) {
		uint8_t nx, hl;
		uint16_t fo;
		if (!(nts_rd_u8(&p, &nx) && nts_rd_u8(&p, &hl))) {
			*why = "IPv6 extension header truncated";
			return NP_FRAME_BAD;
		}
		size_t len = next == 44 ? 8 : ((size_t)hl + 1) * 8;
		if (next == 44) {
			if (!nts_rd_u16(&p, &fo)) {
				*why = "IPv6 fragment header truncated";
				return NP_FRAME_BAD;
			}
			if (fo & 0xfff8)
				return NP_FRAME_SKIP;
			p.pos -= 2;
		}
		if (len > l4len || !nts_rd_skip(&p, len - 2)) {
			*why = "IPv6 extension header overruns the packet";
			return NP_FRAME_BAD;
		}
		l4len -= len;
		next = nx;
	}
	return transport(&p, next, l4len, f, why);
}

static int ethertype(uint16_t et, struct nts_rd *r, struct np_frame *f, const char **why)
{
	if (et == ETH_IPV4)
		return ipv4(r, f, why);
	if (et == ETH_IPV6)
		return ipv6(r, f, why);
	return NP_FRAME_SKIP;
}

/* BSD loopback: address family in host order of the capturing machine. */
static int null_family(struct nts_rd *r, bool network_order, struct np_frame *f, const char **why)
{
	uint32_t v;
	if (!nts_rd_u32(r, &v)) {
		*why = "loopback header truncated";
		return NP_FRAME_BAD;
	}
	uint32_t sw = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
	uint32_t fam = network_order ? v : (v < 0x10000 ? v : sw);
	if (fam == 2)
		return ipv4(r, f, why);
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return ipv6(r, f, why);
	return NP_FRAME_SKIP;
}

static int raw_ip(struct nts_rd *r, struct np_frame *f, const char **why)
{
	if (nts_rd_left(r) < 1) {
		*why = "empty raw IP frame";
		return NP_FRAME_BAD;
	}
	unsigned v = nts_rd_ptr(r)[0] >> 4;
	if (v == 4)
		return ipv4(r, f, why);
	if (v == 6)
		return ipv6(r, f, why);
	*why = "raw frame is neither IPv4 nor IPv6";
	return NP_FRAME_BAD;
}

int np_frame_decode(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
		    struct np_frame *f, const char **why)
{
	struct nts_rd r;
	uint16_t et;
	memset(f, 0, sizeof *f);
	*why = "";
	nts_rd_init(&r, data, caplen);
	(void)wirelen;
	switch (dlt) {
	case DLT_EN10MB_:
		if (!(nts_rd_skip(&r, 12) && nts_rd_u16(&r, &et)))
			break;
		/* up to two VLAN tags (802.1Q, 802.1ad) */
		for (int i = 0; i < 2 && (et == ETH_VLAN || et == ETH_QINQ); i++)
			if (!(nts_rd_skip(&r, 2) && nts_rd_u16(&r, &et)))
				goto trunc;
		return ethertype(et, &r, f, why);
	case DLT_LINUX_SLL_:
		if (!(nts_rd_skip(&r, 14) && nts_rd_u16(&r, &et)))
			break;
		return ethertype(et, &r, f, why);
	case DLT_LINUX_SLL2_:
		if (!(nts_rd_u16(&r, &et) && nts_rd_skip(&r, 18)))
			break;
		return ethertype(et, &r, f, why);
	case DLT_NULL_:
		return null_family(&r, false, f, why);
	case DLT_LOOP_:
		return null_family(&r, true, f, why);
	case DLT_RAW_:
	case DLT_RAW_ALT_:
	case DLT_RAW_LT_:
	case DLT_IPV4_:
	case DLT_IPV6_:
		return raw_ip(&r, f, why);
	default:
		*why = "unsupported link type";
		return NP_FRAME_SKIP;
	}
trunc:
	*why = "link-layer header truncated";
	return NP_FRAME_BAD;
}
