/* hostport: one parser for HOST[:PORT], [IPV6]:PORT and bare IPv6 literals. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nts/err.h"
#include "nts/hostport.h"
#include "nts/num.h"

static int bad(char *why, size_t whylen, const char *s, const char *what)
{
	if (why && whylen)
		snprintf(why, whylen, "bad address \"%s\": %s (want HOST, HOST:PORT or [IPV6]:PORT)",
			 s, what);
	return NTS_E_INVAL;
}

int nts_hostport_parse(const char *s, char *host, size_t hostcap, uint16_t *port, char *why,
		       size_t whylen)
{
	if (!s || !host || !hostcap || !port)
		return NTS_E_INVAL;
	*port = 0;
	host[0] = '\0';
	const char *h = s, *portstr = NULL;
	size_t hl;
	const char *first = strchr(s, ':'), *last = strrchr(s, ':');
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return bad(why, whylen, s, "no closing ']'");
		if (close[1] != '\0' && close[1] != ':')
			return bad(why, whylen, s, "text after ']'");
		h = s + 1;
		hl = (size_t)(close - h);
		portstr = close[1] == ':' ? close + 2 : NULL;
	} else if (first && first == last) {
		hl = (size_t)(first - s);
		portstr = first + 1;
	} else {
		hl = strlen(s);   /* a name, an IPv4 address or a bare IPv6 literal */
	}
	if (hl == 0)
		return bad(why, whylen, s, "empty host");
	if (hl >= hostcap)
		return bad(why, whylen, s, "host too long");
	for (size_t i = 0; i < hl; i++)
		if (h[i] <= 0x20 || h[i] >= 0x7f || (s[0] != '[' && (h[i] == '[' || h[i] == ']')))
			return bad(why, whylen, s, "a blank or a character not allowed in a host");
	if (portstr) {
		uint64_t v;
		if (nts_num_uint(portstr, 1, 65535, &v, NULL, 0) != NTS_OK) {
			if (why && whylen)
				snprintf(why, whylen, "bad port \"%s\" in \"%s\" (want 1 to 65535)",
					 portstr, s);
			return NTS_E_INVAL;
		}
		*port = (uint16_t)v;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	return NTS_OK;
}
