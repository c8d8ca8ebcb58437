# common: the program library. What the programs share that libnts must not
# do (files, sockets, clocks, stderr): linked into every in-tree program,
# never installed. libnts stays the sans-I/O core.
noinst_LTLIBRARIES += common/libntscommon.la
common_libntscommon_la_SOURCES = \
	common/keystore.c common/keystore.h common/slurp.c common/slurp.h \
	common/tlscreds.c common/tlscreds.h common/tls_fd.c common/tls_fd.h \
	common/keylog.c common/keylog.h common/logsink.c common/logsink.h \
	common/mono.c common/mono.h common/opt.c common/opt.h \
	common/keclient.c common/keclient.h
common_libntscommon_la_CFLAGS = $(AM_CFLAGS)
# Check unit tests of the program library (the scratch-directory helpers of
# libnts's tests are shared).
check_PROGRAMS += common/tests/check_common
TESTS += common/tests/check_common
common_tests_check_common_SOURCES = \
	common/tests/check_common.c common/tests/suites.h libnts/tests/tv.c \
	common/tests/test_keystore.c common/tests/test_logsink.c common/tests/test_opt.c \
	common/tests/test_keclient.c
common_tests_check_common_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
common_tests_check_common_LDADD = $(LIBNTS) $(CHECK_LIBS)
common_tests_check_common_LDFLAGS = $(AM_LDFLAGS) -static
