# ntske-probe: NTS-KE prober, NTS-protected time query and conformance battery.
bin_PROGRAMS += ntske-probe/ntske-probe
NTSKE_PROBE_SRC = \
	ntske-probe/probe.h ntske-probe/options.c ntske-probe/net.c ntske-probe/ke.c \
	ntske-probe/ntp.c ntske-probe/check.c ntske-probe/report.c ntske-probe/json.c
ntske_probe_ntske_probe_SOURCES = ntske-probe/main.c $(NTSKE_PROBE_SRC)
ntske_probe_ntske_probe_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
ntske_probe_ntske_probe_LDADD = $(LIBNTS) $(JANSSON_LIBS) -lm
ntske_probe_ntske_probe_LDFLAGS = $(AM_LDFLAGS) -static
dist_man_MANS += ntske-probe/ntske-probe.1

# unit tests of its parts, and the program run without a peer
check_PROGRAMS += ntske-probe/test_probe
ntske_probe_test_probe_SOURCES = ntske-probe/test_probe.c libnts/tests/tv.c $(NTSKE_PROBE_SRC)
ntske_probe_test_probe_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
ntske_probe_test_probe_LDADD = $(LIBNTS) $(CHECK_LIBS) $(JANSSON_LIBS) -lm
ntske_probe_test_probe_LDFLAGS = $(AM_LDFLAGS) -static
TESTS += ntske-probe/test_probe ntske-probe/test-offline.sh
EXTRA_DIST += ntske-probe/json-schema.md ntske-probe/json-schema.json \
	ntske-probe/probe-testlib.sh ntske-probe/test-offline.sh

# a misbehaving NTS-KE/NTP server for interop/test-probe-server.sh
noinst_PROGRAMS += ntske-probe/probe-test-server
ntske_probe_probe_test_server_SOURCES = ntske-probe/test-server.c
ntske_probe_probe_test_server_LDADD = $(LIBNTS)
