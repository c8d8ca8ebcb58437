/* The named findings nts-pcap reports: RFC 8915 rules broken on the wire. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/rules.h"
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

/* Which finding names each RFC 8915 rule of libnts's table; the rules not
 * listed are malformed (a response without authenticator is judged with its
 * request, as a downgrade; an unassigned Warning code is the client's
 * business, not the server's fault). */
static enum np_finding of_rule(enum nts_rule r, bool request)
{
	switch (r) {
	case NTS_R_KE_NO_EOM:
		return NP_F_KE_NO_EOM;
	case NTS_R_KE_EOM_CRITICAL:
	case NTS_R_KE_PROTO_CRITICAL:
	case NTS_R_KE_ERROR_CRITICAL:
	case NTS_R_KE_WARNING_CRITICAL:
	case NTS_R_KE_COOKIE_CRITICAL:
	case NTS_R_KE_UNKNOWN_CRITICAL:
		return NP_F_KE_CRITICAL;
	case NTS_R_KE_PROTO_DUP:
	case NTS_R_KE_PROTO_COUNT:
	case NTS_R_KE_PROTO_MISSING:
	case NTS_R_KE_AEAD_DUP:
	case NTS_R_KE_AEAD_COUNT:
	case NTS_R_KE_AEAD_MISSING:
		return NP_F_KE_PROTO_AEAD;
	case NTS_R_KE_WARNING_UNKNOWN:
		return NP_F_COUNT;
	case NTS_R_NTS_AUTH_NOT_LAST:
		return NP_F_AUTH_NOT_LAST;
	case NTS_R_NTS_PLACEHOLDER_SIZE:
		return NP_F_PLACEHOLDER;
	case NTS_R_NTS_COOKIE_MISSING:
		return NP_F_NO_COOKIE;
	case NTS_R_NTS_AUTH_MISSING:
		return request ? NP_F_NO_AUTH : NP_F_COUNT;
	default:
		return NP_F_MALFORMED;
	}
}

static uint32_t of_report(const struct nts_rules_report *rep, bool request)
{
	uint32_t set = 0;
	for (size_t i = 0; i < rep->n; i++) {
		enum np_finding f = of_rule((enum nts_rule)rep->hits[i].rule, request);
		if (f != NP_F_COUNT)
			set |= 1u << f;
	}
	return set;
}

uint32_t np_findings_of_ntp(const struct nts_rules_report *rep, bool request)
{
	return of_report(rep, request);
}

uint32_t np_findings_of_ke(const struct nts_rules_report *rep)
{
	return of_report(rep, false);
}

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
