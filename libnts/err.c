/* Names and English descriptions of every nts_err code. */
#include <config.h>

#include <stddef.h>

#include "nts/err.h"

struct err_desc {
	int code;
	const char *name;
	const char *text;
};

#define E(code, text) { code, #code, text }

/* Keep in the order of err.h; test_err_log.c checks that every code in the
 * header has an entry here. */
static const struct err_desc errs[] = {
	E(NTS_OK, "success"),
	E(NTS_E_INVAL, "invalid argument"),
	E(NTS_E_NOMEM, "out of memory"),
	E(NTS_E_SHORT, "input ended too early"),
	E(NTS_E_NOSPACE, "output buffer too small"),
	E(NTS_E_CRYPTO, "cryptographic library call failed"),
	E(NTS_E_IO, "file input/output failed"),
	E(NTS_E_RANDOM, "random number generator failed"),
	E(NTS_E_AEAD_VERIFY, "AEAD tag did not verify"),
	E(NTS_E_AEAD_UNSUPP, "AEAD algorithm not supported"),

	E(NTS_E_NTP_SHORT, "NTP packet shorter than its 48-octet header"),
	E(NTS_E_NTP_VERSION, "NTP version outside 1..4"),
	E(NTS_E_NTP_MODE, "unexpected NTP mode"),
	E(NTS_E_EF_TRUNC_HDR, "extension field header truncated"),
	E(NTS_E_EF_LEN_SMALL, "extension field shorter than 16 octets"),
	E(NTS_E_EF_LEN_ALIGN, "extension field length not a multiple of 4"),
	E(NTS_E_EF_OVERRUN, "extension field runs past the end of the packet"),
	E(NTS_E_NTP_TRAILING, "trailing octets are neither extension field nor MAC"),

	E(NTS_E_KE_TRUNC, "NTS-KE record truncated"),
	E(NTS_E_KE_TOO_LONG, "NTS-KE message too long"),
	E(NTS_E_KE_NO_EOM, "NTS-KE End of Message missing"),
	E(NTS_E_KE_AFTER_EOM, "NTS-KE data after End of Message"),
	E(NTS_E_KE_EOM_BODY, "NTS-KE End of Message has a body"),
	E(NTS_E_KE_CRIT_UNKNOWN, "NTS-KE unknown critical record"),
	E(NTS_E_KE_CRIT_MISSING, "NTS-KE record lacks the critical bit"),
	E(NTS_E_KE_NO_PROTO, "NTS-KE Next Protocol record missing"),
	E(NTS_E_KE_DUP_PROTO, "NTS-KE Next Protocol record repeated"),
	E(NTS_E_KE_NO_AEAD, "NTS-KE AEAD record missing"),
	E(NTS_E_KE_DUP_AEAD, "NTS-KE AEAD record repeated"),
	E(NTS_E_KE_BAD_BODY, "NTS-KE record body has a bad length"),
	E(NTS_E_KE_DUP_RECORD, "NTS-KE Server or Port record repeated"),
	E(NTS_E_KE_PROTO_UNSUPP, "NTS-KE no supported next protocol"),
	E(NTS_E_KE_AEAD_UNSUPP, "NTS-KE no supported AEAD algorithm"),
	E(NTS_E_KE_ERROR_RECORD, "NTS-KE server sent an Error record"),
	E(NTS_E_KE_NO_COOKIE, "NTS-KE response has no cookie"),
	E(NTS_E_KE_COOKIE_SIZE, "NTS-KE cookie empty or too large"),
	E(NTS_E_KE_PROTO_COUNT, "NTS-KE response must name exactly one protocol"),
	E(NTS_E_KE_AEAD_COUNT, "NTS-KE response must name exactly one AEAD"),
	E(NTS_E_KE_BAD_SERVER, "NTS-KE Server record is not a valid host name"),
	E(NTS_E_KE_TOO_MANY_COOKIES, "NTS-KE response has too many cookies"),
	E(NTS_E_KE_UNEXPECTED, "NTS-KE record not allowed from this sender"),
	E(NTS_E_KE_WARNING, "NTS-KE server sent an unrecognized Warning"),

	E(NTS_E_NTS_NO_UID, "NTS Unique Identifier missing"),
	E(NTS_E_NTS_UID_SHORT, "NTS Unique Identifier shorter than 32 octets"),
	E(NTS_E_NTS_DUP_UID, "NTS Unique Identifier repeated"),
	E(NTS_E_NTS_NO_COOKIE, "NTS request has no cookie"),
	E(NTS_E_NTS_DUP_COOKIE, "NTS request has more than one cookie"),
	E(NTS_E_NTS_NO_AUTH, "NTS Authenticator missing"),
	E(NTS_E_NTS_AUTH_NOT_LAST, "extension fields follow the NTS Authenticator"),
	E(NTS_E_NTS_AUTH_MALFORMED, "NTS Authenticator lengths inconsistent"),
	E(NTS_E_NTS_NONCE_SHORT, "NTS nonce shorter than 16 octets"),
	E(NTS_E_NTS_AUTH_FAIL, "NTS Authenticator did not verify"),
	E(NTS_E_NTS_UID_MISMATCH, "NTS Unique Identifier does not match the request"),
	E(NTS_E_NTS_PLACEHOLDER_SIZE, "NTS Cookie Placeholder not the size of the cookie"),
	E(NTS_E_NTS_NAK, "NTS NAK received"),
	E(NTS_E_NTS_NOT_NTS, "packet has no NTS extension fields"),
	E(NTS_E_NTS_TOO_MANY, "too many NTS cookies or placeholders"),
	E(NTS_E_NTS_INNER_MALFORMED, "encrypted extension fields malformed"),
	E(NTS_E_NTS_ORIGIN, "origin timestamp does not match the request"),
	E(NTS_E_RATE_LIMITED, "client over its rate limit"),

	E(NTS_E_COOKIE_SHORT, "cookie too short"),
	E(NTS_E_COOKIE_UNKNOWN_KEY, "cookie key unknown or expired"),
	E(NTS_E_COOKIE_AUTH, "cookie failed to verify"),
	E(NTS_E_COOKIE_CONTENT, "cookie content malformed"),
	E(NTS_E_KEYFILE_FORMAT, "key file malformed"),
	E(NTS_E_KEYFILE_PERM, "key file permissions too open"),
	E(NTS_E_RING_EMPTY, "no master key available"),

	E(NTS_E_TLS, "TLS error"),
	E(NTS_E_TLS_AGAIN, "TLS operation would block"),
	E(NTS_E_TLS_ALPN, "TLS peer did not negotiate ALPN ntske/1"),
	E(NTS_E_TLS_VERSION, "TLS version below 1.3"),
	E(NTS_E_TLS_CERT, "TLS certificate verification failed"),
	E(NTS_E_TLS_EOF, "TLS peer closed the connection"),

	E(NTS_E_NMEA_SYNTAX, "not an NMEA sentence"),
	E(NTS_E_NMEA_LONG, "NMEA line too long"),
	E(NTS_E_NMEA_CHECKSUM, "NMEA checksum missing or wrong"),
	E(NTS_E_NMEA_UNSUPP, "NMEA sentence type carries no time"),
	E(NTS_E_NMEA_FIELD, "NMEA time or date field malformed"),
	E(NTS_E_NMEA_NOFIX, "NMEA receiver reports no valid fix"),
	E(NTS_E_NMEA_LEAP, "NMEA time in a leap second"),
	E(NTS_E_SHM_SHORT, "SHM segment too small"),
	E(NTS_E_SHM_MODE, "SHM mode neither 0 nor 1"),
	E(NTS_E_SHM_EMPTY, "SHM holds no new sample"),
	E(NTS_E_SHM_TORN, "SHM sample changed while being read"),
	E(NTS_E_SHM_RANGE, "SHM field out of range"),
	E(NTS_E_SOCK_SIZE, "SOCK sample has the wrong size"),
	E(NTS_E_SOCK_MAGIC, "SOCK sample has a bad magic number"),
	E(NTS_E_SOCK_RANGE, "SOCK sample field out of range"),
	E(NTS_E_PPS_NOEDGE, "PPS no new pulse"),
	E(NTS_E_PPS_RANGE, "PPS timestamp missing or out of range"),
	E(NTS_E_PPS_STALE, "PPS pulse too old"),
	E(NTS_E_PPS_AMBIGUOUS, "PPS second cannot be numbered from the coarse time"),

	E(NTS_E_CONF, "configuration error"),

	E(NTS_E_STATE_FORMAT, "saved NTS client state malformed"),
	E(NTS_E_STATE_OTHER, "saved NTS client state belongs to another server"),
	E(NTS_E_KE_AEAD_NOT_OFFERED, "NTS-KE server chose an AEAD we did not offer"),
	E(NTS_E_M6_SHORT, "mode 6 datagram shorter than its header"),
	E(NTS_E_M6_MODE, "not a mode 6 control message"),
	E(NTS_E_M6_COUNT, "mode 6 count runs past the datagram"),
	E(NTS_E_M6_FRAGMENT, "mode 6 fragment overlaps or lies past the limit"),
	E(NTS_E_M6_SERVER, "mode 6 server answered with an error"),
	E(NTS_E_M6_MISMATCH, "mode 6 response to another request"),
};

#undef E

static const struct err_desc *find(int err)
{
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (errs[i].code == err)
			return &errs[i];
	return NULL;
}

const char *nts_strerror(int err)
{
	const struct err_desc *d = find(err);
	return d ? d->text : "unknown error";
}

const char *nts_errname(int err)
{
	const struct err_desc *d = find(err);
	return d ? d->name : "unknown error";
}
