/* Error codes shared by every libnts module, with nts_strerror(). */
#ifndef NTS_ERR_H
#define NTS_ERR_H

/* Every fallible libnts function returns NTS_OK (0) or a negative code below.
 * Each malformed-input class has its own code so tests and decoders can name
 * exactly what was wrong. */
enum nts_err {
	NTS_OK = 0,
	/* generic */
	NTS_E_INVAL = -1,          /* invalid argument (caller bug) */
	NTS_E_NOMEM = -2,          /* allocation failed */
	NTS_E_SHORT = -3,          /* read past the end of the input */
	NTS_E_NOSPACE = -4,        /* output buffer too small */
	NTS_E_CRYPTO = -5,         /* GnuTLS crypto call failed */
	NTS_E_IO = -6,             /* file I/O failed (key file module only) */
	NTS_E_RANDOM = -7,         /* random number generator failed */
	NTS_E_AEAD_VERIFY = -8,    /* AEAD authentication tag did not verify */
	NTS_E_AEAD_UNSUPP = -9,    /* AEAD algorithm not implemented here */

	/* NTP header and extension fields (RFC 5905, RFC 7822) */
	NTS_E_NTP_SHORT = -20,       /* packet shorter than the 48-octet header */
	NTS_E_NTP_VERSION = -21,     /* version not 1..4 */
	NTS_E_NTP_MODE = -22,        /* unexpected mode */
	NTS_E_EF_TRUNC_HDR = -23,    /* fewer than 4 octets left for an EF header */
	NTS_E_EF_LEN_SMALL = -24,    /* EF length below 16 octets */
	NTS_E_EF_LEN_ALIGN = -25,    /* EF length not a multiple of 4 */
	NTS_E_EF_OVERRUN = -26,      /* EF length runs past the end of the packet */
	NTS_E_NTP_TRAILING = -27,    /* leftover octets that are neither EF nor MAC */

	/* NTS-KE records and messages (RFC 8915 section 4) */
	NTS_E_KE_TRUNC = -40,          /* record header or body truncated */
	NTS_E_KE_TOO_LONG = -41,       /* message exceeds NTSKE_MAX_MESSAGE */
	NTS_E_KE_NO_EOM = -42,         /* End of Message missing */
	NTS_E_KE_AFTER_EOM = -43,      /* data after End of Message */
	NTS_E_KE_EOM_BODY = -44,       /* End of Message with a non-empty body */
	NTS_E_KE_CRIT_UNKNOWN = -45,   /* unknown record type with critical bit */
	NTS_E_KE_CRIT_MISSING = -46,   /* record that must be critical is not */
	NTS_E_KE_NO_PROTO = -47,       /* Next Protocol record missing */
	NTS_E_KE_DUP_PROTO = -48,      /* more than one Next Protocol record */
	NTS_E_KE_NO_AEAD = -49,        /* AEAD record missing */
	NTS_E_KE_DUP_AEAD = -50,       /* more than one AEAD record */
	NTS_E_KE_BAD_BODY = -51,       /* body length not valid for its type */
	NTS_E_KE_DUP_RECORD = -52,     /* Server/Port record repeated */
	NTS_E_KE_PROTO_UNSUPP = -53,   /* no Next Protocol we support */
	NTS_E_KE_AEAD_UNSUPP = -54,    /* no AEAD we support */
	NTS_E_KE_ERROR_RECORD = -55,   /* server answered with an Error record */
	NTS_E_KE_NO_COOKIE = -56,      /* response carries no cookie */
	NTS_E_KE_COOKIE_SIZE = -57,    /* cookie empty or larger than NTS_COOKIE_MAX */
	NTS_E_KE_PROTO_COUNT = -58,    /* response Next Protocol not exactly one id */
	NTS_E_KE_AEAD_COUNT = -59,     /* response AEAD not exactly one id */
	NTS_E_KE_BAD_SERVER = -60,     /* Server record not a printable host name */
	NTS_E_KE_TOO_MANY_COOKIES = -61,
	NTS_E_KE_UNEXPECTED = -62,     /* record type the sender must not send (e.g. Error in a request) */
	NTS_E_KE_WARNING = -63,        /* server sent a Warning with a code we do not know */

	/* NTS extension fields in NTP (RFC 8915 section 5) */
	NTS_E_NTS_NO_UID = -80,        /* Unique Identifier missing */
	NTS_E_NTS_UID_SHORT = -81,     /* Unique Identifier body under 32 octets */
	NTS_E_NTS_DUP_UID = -82,       /* more than one Unique Identifier */
	NTS_E_NTS_NO_COOKIE = -83,     /* request without a cookie */
	NTS_E_NTS_DUP_COOKIE = -84,    /* request with more than one cookie */
	NTS_E_NTS_NO_AUTH = -85,       /* authenticator missing */
	NTS_E_NTS_AUTH_NOT_LAST = -86, /* fields follow the authenticator */
	NTS_E_NTS_AUTH_MALFORMED = -87,/* nonce/ciphertext lengths inconsistent */
	NTS_E_NTS_NONCE_SHORT = -88,   /* nonce under 16 octets */
	NTS_E_NTS_AUTH_FAIL = -89,     /* Authenticator did not verify under the session key */
	NTS_E_NTS_UID_MISMATCH = -90,  /* response UID does not match request */
	NTS_E_NTS_PLACEHOLDER_SIZE = -91, /* placeholder body not as long as cookie */
	NTS_E_NTS_NAK = -92,           /* response is an NTS NAK (kiss code NTSN) */
	NTS_E_NTS_NOT_NTS = -93,       /* packet carries no NTS fields at all */
	NTS_E_NTS_TOO_MANY = -94,      /* more cookies/placeholders than we accept */
	NTS_E_NTS_INNER_MALFORMED = -95, /* decrypted extension fields malformed */
	NTS_E_NTS_ORIGIN = -96,        /* response origin timestamp mismatch */
	NTS_E_RATE_LIMITED = -97,      /* the caller's rate limiter refused the client */

	/* cookies and the master-key ring (RFC 8915 section 6) */
	NTS_E_COOKIE_SHORT = -110,     /* cookie too short to hold its header */
	NTS_E_COOKIE_UNKNOWN_KEY = -111, /* key id not in the ring (too old or foreign) */
	NTS_E_COOKIE_AUTH = -112,      /* cookie ciphertext failed to verify */
	NTS_E_COOKIE_CONTENT = -113,   /* decrypted cookie content malformed */
	NTS_E_KEYFILE_FORMAT = -114,   /* key file malformed or truncated */
	NTS_E_KEYFILE_PERM = -115,     /* key file readable by others */
	NTS_E_RING_EMPTY = -116,       /* no master key in the ring */

	/* TLS (tls_*.c) */
	NTS_E_TLS = -130,              /* GnuTLS session error */
	NTS_E_TLS_AGAIN = -131,        /* would block; call again when ready */
	NTS_E_TLS_ALPN = -132,         /* ALPN ntske/1 not negotiated */
	NTS_E_TLS_VERSION = -133,      /* protocol below TLS 1.3 */
	NTS_E_TLS_CERT = -134,         /* certificate verification failed */
	NTS_E_TLS_EOF = -135,          /* peer closed the connection */

	/* reference clocks: NMEA, SHM, chrony SOCK, PPS (nmea.c shm.c refsock.c pps.c) */
	NTS_E_NMEA_SYNTAX = -230,      /* not an NMEA sentence ($, fields, printable) */
	NTS_E_NMEA_LONG = -231,        /* line longer than NTS_NMEA_MAX_LINE */
	NTS_E_NMEA_CHECKSUM = -232,    /* checksum missing or wrong */
	NTS_E_NMEA_UNSUPP = -233,      /* a sentence type that carries no time for us */
	NTS_E_NMEA_FIELD = -234,       /* time or date field malformed or out of range */
	NTS_E_NMEA_NOFIX = -235,       /* receiver says its data is not valid */
	NTS_E_NMEA_LEAP = -236,        /* second 60: a leap second, not numbered here */
	NTS_E_SHM_SHORT = -237,        /* segment copy smaller than struct shmTime */
	NTS_E_SHM_MODE = -238,         /* mode neither 0 nor 1 */
	NTS_E_SHM_EMPTY = -239,        /* valid flag clear: no new sample */
	NTS_E_SHM_TORN = -240,         /* count changed while reading (mode 1) */
	NTS_E_SHM_RANGE = -241,        /* a field out of range (usec, nsec, leap, seconds) */
	NTS_E_SOCK_SIZE = -242,        /* datagram not the size of struct sock_sample */
	NTS_E_SOCK_MAGIC = -243,       /* magic is not "SOCK" */
	NTS_E_SOCK_RANGE = -244,       /* a field out of range (usec, offset, leap) */
	NTS_E_PPS_NOEDGE = -245,       /* sequence unchanged: no new pulse */
	NTS_E_PPS_RANGE = -246,        /* timestamp missing, malformed or in the future */
	NTS_E_PPS_STALE = -247,        /* edge too old to pair with the present */
	NTS_E_PPS_AMBIGUOUS = -248,    /* coarse time too far off to number the second */

	/* configuration */
	NTS_E_CONF = -150,             /* configuration error (see message) */

	/* NTS client association (nts_assoc.c) */
	NTS_E_STATE_FORMAT = -170,     /* saved client state malformed or truncated */
	NTS_E_STATE_OTHER = -171,      /* saved client state is for another server or AEAD */
	NTS_E_KE_AEAD_NOT_OFFERED = -172, /* KE server chose an AEAD we did not offer */

	/* NTP mode 6 control messages (RFC 9327; mode6.c) */
	NTS_E_M6_SHORT = -190,         /* datagram shorter than the 12-octet header */
	NTS_E_M6_MODE = -191,          /* not mode 6, or version not 1..4 */
	NTS_E_M6_COUNT = -192,         /* count runs past the end of the datagram */
	NTS_E_M6_FRAGMENT = -193,      /* fragment overlaps, repeats or lies past the limit */
	NTS_E_M6_SERVER = -194,        /* the server answered with an error code */
	NTS_E_M6_MISMATCH = -195,      /* response to another request (seq, op or assoc) */
};

/* A short English description of an nts_err code; never NULL. */
const char *nts_strerror(int err);

/* The symbolic name of a code ("NTS_E_EF_LEN_SMALL"); never NULL. */
const char *nts_errname(int err);

#endif
