/* Splitting "HOST[:PORT]" as every program and configuration line writes it. */
#ifndef NTS_HOSTPORT_H
#define NTS_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

/* Accepts "HOST", "HOST:PORT", "[IPV6]", "[IPV6]:PORT" and a bare IPv6
 * literal (more than one colon and no brackets: no port). The host is
 * copied into host[hostcap] (without brackets) and must be non-empty
 * printable ASCII without blanks; *port is 1..65535, or 0 when none was
 * given. NTS_OK, or NTS_E_INVAL with a reason naming the text in why. */
int nts_hostport_parse(const char *s, char *host, size_t hostcap, uint16_t *port, char *why,
		       size_t whylen);

#endif
