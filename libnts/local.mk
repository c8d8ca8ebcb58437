# libnts: the protocol core (no I/O; see DESIGN.md rule 1).
lib_LTLIBRARIES += libnts/libnts.la
libnts_libnts_la_SOURCES = \
	libnts/err.c libnts/buf.c libnts/log.c libnts/counters.c \
	libnts/ntp.c libnts/ntske.c libnts/nts_ef.c libnts/serve.c libnts/nts_assoc.c libnts/nts_rules.c \
	libnts/aead.c libnts/cookie.c libnts/keyfile.c \
	libnts/tls_int.h libnts/tls_creds.c libnts/tls_session.c libnts/tls_client.c libnts/tls_cert.c \
	libnts/tls_export.c libnts/hex.c libnts/crc32.c libnts/num.c libnts/hostport.c \
	libnts/conf.c libnts/mode6.c libnts/ratelimit.c libnts/acl.c libnts/throttle.c \
	libnts/filter.c libnts/select.c libnts/discipline.c \
	libnts/nmea.c libnts/shm.c libnts/refsock.c libnts/pps.c libnts/rcfilter.c
libnts_libnts_la_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
libnts_libnts_la_LIBADD = $(GNUTLS_LIBS) $(PTHREAD_LIBS) -lm
libnts_libnts_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0
libntsincludedir = $(includedir)/nts
libntsinclude_HEADERS = \
	libnts/nts/err.h libnts/nts/buf.h libnts/nts/log.h libnts/nts/counters.h \
	libnts/nts/ntp.h libnts/nts/ntske.h libnts/nts/nts_ef.h libnts/nts/serve.h \
	libnts/nts/nts_assoc.h libnts/nts/rules.h \
	libnts/nts/aead.h libnts/nts/cookie.h libnts/nts/keyfile.h libnts/nts/tls.h libnts/nts/tls_cert.h \
	libnts/nts/hex.h libnts/nts/crc32.h libnts/nts/num.h libnts/nts/hostport.h \
	libnts/nts/conf.h libnts/nts/mode6.h libnts/nts/ratelimit.h libnts/nts/acl.h libnts/nts/throttle.h \
	libnts/nts/filter.h libnts/nts/select.h libnts/nts/discipline.h \
	libnts/nts/nmea.h libnts/nts/shm.h libnts/nts/refsock.h libnts/nts/pps.h libnts/nts/rcfilter.h
# In-tree programs link the library statically, after the program library
# (common/local.mk) that does their file, socket and clock work.
LIBNTS = common/libntscommon.la libnts/libnts.la $(GNUTLS_LIBS) $(PTHREAD_LIBS) -lm
