/* The named findings nts-pcap reports: RFC 8915 rules broken on the wire. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "np.h"

static const struct {
	const char *name;
	const char *text;
} findings[NP_F_COUNT] = {
	[NP_F_MALFORMED] = { "malformed", "packet or record is not well formed" },
	[NP_F_UID_MISMATCH] = { "uid-mismatch",
				"response answers an NTS request but does not echo its Unique Identifier (RFC 8915 5.3)" },
	[NP_F_DOWNGRADE] = { "downgrade",
			     "unauthenticated response to an NTS request (RFC 8915 5.7)" },
	[NP_F_AUTH_NOT_LAST] = { "auth-not-last",
				 "fields follow the NTS Authenticator, outside its protection (RFC 8915 5.6)" },
	[NP_F_COOKIE_REUSE] = { "cookie-reuse",
				"a cookie sent in more than one request links them (RFC 8915 5.7)" },
	[NP_F_PLACEHOLDER] = { "placeholder-mismatch",
			       "placeholders not as long as the cookie, or not answered by as many cookies (RFC 8915 5.5)" },
	[NP_F_AMPLIFICATION] = { "amplification",
				 "response longer than its request (RFC 8915 5.7)" },
	[NP_F_NAK_UNMATCHED] = { "nak-unmatched",
				 "NTS NAK whose Unique Identifier matches no request (RFC 8915 5.7)" },
	[NP_F_KE_PROTO_AEAD] = { "ke-proto-aead",
				 "KE response without exactly one Next Protocol and one AEAD (RFC 8915 4.1.2, 4.1.5)" },
	[NP_F_KE_NO_EOM] = { "ke-no-eom", "KE message without End of Message (RFC 8915 4.1.1)" },
	[NP_F_KE_CRITICAL] = { "ke-critical",
			       "KE record critical bit wrong, or unknown critical record (RFC 8915 4.1)" },
	[NP_F_AUTH_FAIL] = { "auth-fail", "NTS authenticator did not verify with the known keys" },
	[NP_F_NO_COOKIE] = { "no-cookie", "NTS request without an NTS Cookie (RFC 8915 5.7)" },
	[NP_F_NO_AUTH] = { "no-authenticator",
			   "NTS request without an NTS Authenticator (RFC 8915 5.7)" },
};

const char *np_finding_name(enum np_finding f)
{
	return (unsigned)f < NP_F_COUNT ? findings[f].name : "?";
}

const char *np_finding_text(enum np_finding f)
{
	return (unsigned)f < NP_F_COUNT ? findings[f].text : "?";
}

void np_findings_str(uint32_t set, char *buf, size_t len)
{
	size_t p = 0;
	if (len)
		buf[0] = 0;
	for (int f = 0; f < NP_F_COUNT && p < len; f++)
		if (set & (1u << f))
			p += (size_t)snprintf(buf + p, len - p, "%s%s", p ? "," : "", findings[f].name);
}
