# nts-pcap: decode, verify and decrypt NTS in packet captures (issue 5).
bin_PROGRAMS += nts-pcap/nts-pcap
dist_man_MANS += nts-pcap/nts-pcap.1
# Everything but main.c, shared with the unit tests.
NTS_PCAP_CORE = \
	nts-pcap/np.h nts-pcap/capture.h nts-pcap/ke.h nts-pcap/tls13.h \
	nts-pcap/ctx.c nts-pcap/frame.c nts-pcap/capture.c nts-pcap/tcp.c nts-pcap/ntp_decode.c \
	nts-pcap/pair.c nts-pcap/verify.c nts-pcap/keys_file.c nts-pcap/findings.c \
	nts-pcap/output.c nts-pcap/stats.c nts-pcap/keylog.c nts-pcap/tls13.c \
	nts-pcap/ke_decode.c nts-pcap/ke_records.c nts-pcap/ke_out.c
nts_pcap_nts_pcap_SOURCES = nts-pcap/main.c $(NTS_PCAP_CORE)
nts_pcap_nts_pcap_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(PCAP_CFLAGS) $(JANSSON_CFLAGS)
nts_pcap_nts_pcap_LDADD = $(LIBNTS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm
nts_pcap_nts_pcap_LDFLAGS = $(AM_LDFLAGS) -static
# Unit tests: decoders, KE rules, TLS record opening, stored finding captures.
check_PROGRAMS += nts-pcap/tests/check_nts_pcap
TESTS += nts-pcap/tests/check_nts_pcap
nts_pcap_tests_check_nts_pcap_SOURCES = \
	nts-pcap/tests/check_nts_pcap.c nts-pcap/tests/test_decode.c \
	nts-pcap/tests/test_pipeline.c nts-pcap/tests/ptest.h libnts/tests/tv.c $(NTS_PCAP_CORE)
nts_pcap_tests_check_nts_pcap_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
nts_pcap_tests_check_nts_pcap_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GNUTLS_CFLAGS) $(PCAP_CFLAGS) \
	$(JANSSON_CFLAGS)
nts_pcap_tests_check_nts_pcap_LDADD = $(LIBNTS) $(PCAP_LIBS) $(CHECK_LIBS) $(JANSSON_LIBS) -lm
nts_pcap_tests_check_nts_pcap_LDFLAGS = $(AM_LDFLAGS) -static
# The program on the stored captures: options, key files, exit statuses, JSON schema.
TESTS += nts-pcap/tests/test-cli.sh
EXTRA_DIST += nts-pcap/tests/test-cli.sh nts-pcap/json-schema.json
# Agreement with tshark on the stored captures (skips without tshark).
TESTS += nts-pcap/tests/tshark-stored.sh
EXTRA_DIST += nts-pcap/tests/tshark-stored.sh
