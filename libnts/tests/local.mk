# Check unit tests for libnts: one runner, one suite per module.
check_PROGRAMS += libnts/tests/check_libnts
TESTS += libnts/tests/check_libnts
libnts_tests_check_libnts_SOURCES = \
	libnts/tests/check_main.c libnts/tests/tv.c libnts/tests/suites.h \
	libnts/tests/test_buf.c libnts/tests/test_err_log.c libnts/tests/test_ntp.c \
	libnts/tests/test_ntske.c libnts/tests/test_aead.c libnts/tests/test_cookie.c \
	libnts/tests/test_keyfile.c libnts/tests/test_nts_ef.c libnts/tests/test_tls.c \
	libnts/tests/test_conf.c libnts/tests/test_mode6.c libnts/tests/test_serve.c \
	libnts/tests/test_nts_assoc.c libnts/tests/test_rules.c libnts/tests/test_ratelimit.c \
	libnts/tests/test_time.c libnts/tests/test_hex.c libnts/tests/test_num.c \
	libnts/tests/test_refclock.c libnts/tests/test_rcfilter.c
libnts_tests_check_libnts_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GNUTLS_CFLAGS)
libnts_tests_check_libnts_LDADD = $(LIBNTS) $(CHECK_LIBS)
libnts_tests_check_libnts_LDFLAGS = $(AM_LDFLAGS) -static
# DESIGN.md rule 1 checked on the built objects
TESTS += libnts/tests/no-io.sh
EXTRA_DIST += libnts/tests/no-io.sh
# DESIGN.md rule 4 on the public headers
TESTS += libnts/tests/headers.sh
EXTRA_DIST += libnts/tests/headers.sh
