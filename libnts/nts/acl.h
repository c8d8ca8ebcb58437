/* Access control by address prefix: an ordered list of rules whose most
 * specific match decides (chrony's allow/deny, NTPsec's restrict). */
#ifndef NTS_ACL_H
#define NTS_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_ACL_MAX 256

/* What a rule says about its clients. */
enum {
	NTS_ACL_DENY = 1,      /* ignore their requests */
	NTS_ACL_LIMITED = 2,   /* rate-limit them */
	NTS_ACL_KOD = 4,       /* a limited request may get a RATE kiss-o'-death */
	NTS_ACL_INHERIT = 8,   /* take LIMITED/KOD from the global ratelimit */
};

struct nts_acl_rule {
	uint8_t addr[16];      /* IPv4 as ::ffff:a.b.c.d */
	unsigned prefix;       /* bits of addr that must match (0..128) */
	unsigned flags;
};

struct nts_acl {
	struct nts_acl_rule rules[NTS_ACL_MAX];
	size_t n;
	unsigned dflt;         /* flags when no rule matches */
};

/* An empty list whose default is dflt. */
void nts_acl_init(struct nts_acl *acl, unsigned dflt);
/* Parse "ADDR", "ADDR/LEN", "ADDR mask MASK" parts: text is "ADDR[/LEN]";
 * mask (may be NULL) a dotted IPv4 netmask. NTS_E_CONF when malformed or
 * when the address has bits set beyond the prefix. */
int nts_acl_parse(const char *text, const char *mask, uint8_t addr[16], unsigned *prefix);
/* Add a rule; an identical prefix replaces the earlier rule's flags.
 * NTS_E_NOSPACE when the list is full. */
int nts_acl_add(struct nts_acl *acl, const uint8_t addr[16], unsigned prefix, unsigned flags);
/* The flags for addr (4 or 16 octets): the longest matching prefix wins;
 * rules shorter than /96 (::/0) apply to IPv6 clients only. */
unsigned nts_acl_lookup(const struct nts_acl *acl, const uint8_t *addr, size_t alen);

#endif
