/* Access control by address prefix (see nts/acl.h). A linear scan: lists
 * are short (a few rules), and the lookup runs once per request before any
 * cryptography. */
#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/acl.h"
#include "nts/conf.h"
#include "nts/err.h"

void nts_acl_init(struct nts_acl *acl, unsigned dflt)
{
	acl->n = 0;
	acl->dflt = dflt;
}

static void to_key(const uint8_t *addr, size_t alen, uint8_t key[16])
{
	if (alen == 4) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, addr, 4);
	} else {
		memcpy(key, addr, 16);
	}
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = (uint8_t)(0xff00 >> rest);
	return (a[full] & m) == (b[full] & m);
}

int nts_acl_parse(const char *text, const char *mask, uint8_t addr[16], unsigned *prefix)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hl = slash ? (size_t)(slash - text) : strlen(text);
	if (hl == 0 || hl >= sizeof host || (slash && mask))
		return NTS_E_CONF;
	memcpy(host, text, hl);
	host[hl] = '\0';
	uint8_t v4[4];
	bool is4 = inet_pton(AF_INET, host, v4) == 1;
	if (is4)
		to_key(v4, 4, addr);
	else if (inet_pton(AF_INET6, host, addr) != 1)
		return NTS_E_CONF;
	unsigned max = is4 ? 32 : 128, len = max;
	if (slash) {
		uint64_t v;
		if (!nts_conf_uint(slash + 1, 0, max, &v))
			return NTS_E_CONF;
		len = (unsigned)v;
	} else if (mask) {
		/* NTPsec's "restrict ADDR mask MASK": a contiguous IPv4 netmask */
		uint8_t m[4];
		if (!is4 || inet_pton(AF_INET, mask, m) != 1)
			return NTS_E_CONF;
		uint32_t mm = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		len = 0;
		while (len < 32 && (mm & (0x80000000u >> len)))
			len++;
		if (len < 32 && (mm << len) != 0)
			return NTS_E_CONF;
	}
	*prefix = is4 ? 96 + len : len;
	/* bits beyond the prefix are a typo more often than intent
	 * ("10.1.2.3/8"): refuse them as chrony does */
	uint8_t probe[16];
	memcpy(probe, addr, 16);
	for (unsigned b = *prefix; b < 128; b++)
		probe[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	return memcmp(probe, addr, 16) == 0 ? NTS_OK : NTS_E_CONF;
}

int nts_acl_add(struct nts_acl *acl, const uint8_t addr[16], unsigned prefix, unsigned flags)
{
	if (prefix > 128)
		return NTS_E_CONF;
	for (size_t i = 0; i < acl->n; i++) {
		struct nts_acl_rule *r = &acl->rules[i];
		if (r->prefix == prefix && memcmp(r->addr, addr, 16) == 0) {
			r->flags = flags;
			return NTS_OK;
		}
	}
	if (acl->n >= NTS_ACL_MAX)
		return NTS_E_NOSPACE;
	struct nts_acl_rule *r = &acl->rules[acl->n++];
	memcpy(r->addr, addr, 16);
	r->prefix = prefix;
	r->flags = flags;
	return NTS_OK;
}

unsigned nts_acl_lookup(const struct nts_acl *acl, const uint8_t *addr, size_t alen)
{
	if (alen != 4 && alen != 16)
		return NTS_ACL_DENY;
	uint8_t key[16];
	to_key(addr, alen, key);
	const struct nts_acl_rule *best = NULL;
	for (size_t i = 0; i < acl->n; i++) {
		const struct nts_acl_rule *r = &acl->rules[i];
		/* an IPv6 rule shorter than the mapped prefix (::/0, "restrict -6
		 * default") is about IPv6 clients only */
		if (alen == 4 && r->prefix < 96)
			continue;
		if ((!best || r->prefix > best->prefix) && prefix_match(key, r->addr, r->prefix))
			best = r;
	}
	return best ? best->flags : acl->dflt;
}
