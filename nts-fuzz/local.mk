# nts-fuzz: in-process fuzz targets over libnts, their corpus replay programs,
# and (later in this file) the network fuzzer.
#
# Each target nts-fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput(). It is
# always linked with replay_main.c into nts-fuzz/replay-<name>, which replays
# nts-fuzz/corpus/<name>/ in `make check` on any compiler. Under
# --enable-fuzzing (clang) it is also linked with libFuzzer into
# nts-fuzz/fuzz-<name>; ci/fuzz runs those.

FUZZ_REPLAY_CC = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
FUZZ_REPLAY_LD = $(AM_LDFLAGS) -static
FUZZ_LIBFUZZER_CC = $(AM_CFLAGS) $(GNUTLS_CFLAGS) -DNTS_LIBFUZZER
FUZZ_LIBFUZZER_LD = $(AM_LDFLAGS) -static -fsanitize=fuzzer
FUZZ_KEYS = nts-fuzz/fuzz_keys.c nts-fuzz/fuzz_pkt.c nts-fuzz/fuzz.h

FUZZ_REPLAYS = \
	nts-fuzz/replay-conf nts-fuzz/replay-ntp_ef nts-fuzz/replay-ke_request \
	nts-fuzz/replay-ke_response nts-fuzz/replay-cookie_open \
	nts-fuzz/replay-nts_server nts-fuzz/replay-nts_client nts-fuzz/replay-nts_assoc \
	nts-fuzz/replay-pcap nts-fuzz/replay-pcap_keys nts-fuzz/replay-keyfile \
	nts-fuzz/replay-nmea nts-fuzz/replay-shm nts-fuzz/replay-refsock nts-fuzz/replay-pps \
	nts-fuzz/replay-mode6 \
	nts-fuzz/replay-rules
noinst_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

nts_fuzz_replay_conf_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_conf.c
nts_fuzz_replay_conf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"conf"'
nts_fuzz_replay_conf_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_conf_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_conf_LDADD = $(LIBNTS)

nts_fuzz_replay_ntp_ef_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_ntp_ef.c
nts_fuzz_replay_ntp_ef_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"ntp_ef"'
nts_fuzz_replay_ntp_ef_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_ntp_ef_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_ntp_ef_LDADD = $(LIBNTS)

nts_fuzz_replay_ke_request_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_ke_request.c $(FUZZ_KEYS)
nts_fuzz_replay_ke_request_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"ke_request"'
nts_fuzz_replay_ke_request_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_ke_request_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_ke_request_LDADD = $(LIBNTS)

nts_fuzz_replay_ke_response_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_ke_response.c
nts_fuzz_replay_ke_response_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"ke_response"'
nts_fuzz_replay_ke_response_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_ke_response_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_ke_response_LDADD = $(LIBNTS)

nts_fuzz_replay_rules_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_rules.c
nts_fuzz_replay_rules_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"rules"'
nts_fuzz_replay_rules_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_rules_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_rules_LDADD = $(LIBNTS)

nts_fuzz_replay_cookie_open_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz_cookie_open.c $(FUZZ_KEYS)
nts_fuzz_replay_cookie_open_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"cookie_open"'
nts_fuzz_replay_cookie_open_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_cookie_open_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_cookie_open_LDADD = $(LIBNTS)

nts_fuzz_replay_nts_server_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz_nts_server.c $(FUZZ_KEYS)
nts_fuzz_replay_nts_server_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"nts_server"'
nts_fuzz_replay_nts_server_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_nts_server_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_nts_server_LDADD = $(LIBNTS)

nts_fuzz_replay_nts_client_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz_nts_client.c $(FUZZ_KEYS)
nts_fuzz_replay_nts_client_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"nts_client"'
nts_fuzz_replay_nts_client_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_nts_client_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_nts_client_LDADD = $(LIBNTS)

nts_fuzz_replay_nts_assoc_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz_nts_assoc.c $(FUZZ_KEYS)
nts_fuzz_replay_nts_assoc_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"nts_assoc"'
nts_fuzz_replay_nts_assoc_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_nts_assoc_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_nts_assoc_LDADD = $(LIBNTS)

nts_fuzz_replay_keyfile_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_keyfile.c
nts_fuzz_replay_keyfile_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"keyfile"'
nts_fuzz_replay_keyfile_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_keyfile_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_keyfile_LDADD = $(LIBNTS)

# reference clock decoders (libnts/nmea.c shm.c refsock.c pps.c)
nts_fuzz_replay_nmea_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_nmea.c
nts_fuzz_replay_nmea_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"nmea"'
nts_fuzz_replay_nmea_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_nmea_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_nmea_LDADD = $(LIBNTS)

nts_fuzz_replay_shm_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_shm.c
nts_fuzz_replay_shm_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"shm"'
nts_fuzz_replay_shm_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_shm_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_shm_LDADD = $(LIBNTS)

nts_fuzz_replay_refsock_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_refsock.c
nts_fuzz_replay_refsock_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"refsock"'
nts_fuzz_replay_refsock_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_refsock_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_refsock_LDADD = $(LIBNTS)

nts_fuzz_replay_pps_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_pps.c
nts_fuzz_replay_pps_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"pps"'
nts_fuzz_replay_pps_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_pps_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_pps_LDADD = $(LIBNTS)
nts_fuzz_replay_mode6_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_mode6.c
nts_fuzz_replay_mode6_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"mode6"'
nts_fuzz_replay_mode6_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_mode6_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_mode6_LDADD = $(LIBNTS)

# nts-pcap's decoders and file parsers, linked from its sources.
FUZZ_PCAP_CPP = -I$(top_srcdir)/nts-pcap $(PCAP_CFLAGS) $(JANSSON_CFLAGS)
nts_fuzz_replay_pcap_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_pcap.c $(NTS_PCAP_CORE)
nts_fuzz_replay_pcap_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_PCAP_CPP) -DFUZZ_TARGET_NAME='"pcap"'
nts_fuzz_replay_pcap_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_pcap_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_pcap_LDADD = $(LIBNTS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm

nts_fuzz_replay_pcap_keys_SOURCES = nts-fuzz/replay_main.c nts-fuzz/fuzz.h nts-fuzz/fuzz_pcap_keys.c $(NTS_PCAP_CORE)
nts_fuzz_replay_pcap_keys_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_PCAP_CPP) -DFUZZ_TARGET_NAME='"pcap_keys"'
nts_fuzz_replay_pcap_keys_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_replay_pcap_keys_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_replay_pcap_keys_LDADD = $(LIBNTS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm

if FUZZING
noinst_PROGRAMS += \
	nts-fuzz/fuzz-conf nts-fuzz/fuzz-ntp_ef nts-fuzz/fuzz-ke_request \
	nts-fuzz/fuzz-ke_response nts-fuzz/fuzz-cookie_open \
	nts-fuzz/fuzz-nts_server nts-fuzz/fuzz-nts_client nts-fuzz/fuzz-nts_assoc \
	nts-fuzz/fuzz-pcap nts-fuzz/fuzz-pcap_keys nts-fuzz/fuzz-keyfile \
	nts-fuzz/fuzz-nmea nts-fuzz/fuzz-shm nts-fuzz/fuzz-refsock nts-fuzz/fuzz-pps \
	nts-fuzz/fuzz-mode6 \
	nts-fuzz/fuzz-rules

nts_fuzz_fuzz_conf_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_conf.c
nts_fuzz_fuzz_conf_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_conf_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_conf_LDADD = $(LIBNTS)

nts_fuzz_fuzz_ntp_ef_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_ntp_ef.c
nts_fuzz_fuzz_ntp_ef_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_ntp_ef_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_ntp_ef_LDADD = $(LIBNTS)

nts_fuzz_fuzz_ke_request_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_ke_request.c $(FUZZ_KEYS)
nts_fuzz_fuzz_ke_request_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_ke_request_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_ke_request_LDADD = $(LIBNTS)

nts_fuzz_fuzz_rules_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_rules.c
nts_fuzz_fuzz_rules_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_rules_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_rules_LDADD = $(LIBNTS)
nts_fuzz_fuzz_ke_response_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_ke_response.c
nts_fuzz_fuzz_ke_response_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_ke_response_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_ke_response_LDADD = $(LIBNTS)

nts_fuzz_fuzz_cookie_open_SOURCES = nts-fuzz/fuzz_cookie_open.c $(FUZZ_KEYS)
nts_fuzz_fuzz_cookie_open_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_cookie_open_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_cookie_open_LDADD = $(LIBNTS)

nts_fuzz_fuzz_nts_server_SOURCES = nts-fuzz/fuzz_nts_server.c $(FUZZ_KEYS)
nts_fuzz_fuzz_nts_server_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_nts_server_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_nts_server_LDADD = $(LIBNTS)

nts_fuzz_fuzz_nts_client_SOURCES = nts-fuzz/fuzz_nts_client.c $(FUZZ_KEYS)
nts_fuzz_fuzz_nts_client_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_nts_client_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_nts_client_LDADD = $(LIBNTS)
nts_fuzz_fuzz_nts_assoc_SOURCES = nts-fuzz/fuzz_nts_assoc.c $(FUZZ_KEYS)
nts_fuzz_fuzz_nts_assoc_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_nts_assoc_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_nts_assoc_LDADD = $(LIBNTS)
nts_fuzz_fuzz_keyfile_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_keyfile.c
nts_fuzz_fuzz_keyfile_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_keyfile_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_keyfile_LDADD = $(LIBNTS)

nts_fuzz_fuzz_mode6_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_mode6.c
nts_fuzz_fuzz_mode6_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_mode6_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_mode6_LDADD = $(LIBNTS)

nts_fuzz_fuzz_pcap_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_pcap.c $(NTS_PCAP_CORE)
nts_fuzz_fuzz_pcap_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_PCAP_CPP)
nts_fuzz_fuzz_pcap_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_pcap_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_pcap_LDADD = $(LIBNTS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm

nts_fuzz_fuzz_pcap_keys_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_pcap_keys.c $(NTS_PCAP_CORE)
nts_fuzz_fuzz_pcap_keys_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_PCAP_CPP)
nts_fuzz_fuzz_pcap_keys_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_pcap_keys_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_pcap_keys_LDADD = $(LIBNTS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm

nts_fuzz_fuzz_nmea_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_nmea.c
nts_fuzz_fuzz_nmea_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_nmea_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_nmea_LDADD = $(LIBNTS)

nts_fuzz_fuzz_shm_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_shm.c
nts_fuzz_fuzz_shm_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_shm_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_shm_LDADD = $(LIBNTS)

nts_fuzz_fuzz_refsock_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_refsock.c
nts_fuzz_fuzz_refsock_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_refsock_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_refsock_LDADD = $(LIBNTS)

nts_fuzz_fuzz_pps_SOURCES = nts-fuzz/fuzz.h nts-fuzz/fuzz_pps.c
nts_fuzz_fuzz_pps_CFLAGS = $(FUZZ_LIBFUZZER_CC)
nts_fuzz_fuzz_pps_LDFLAGS = $(FUZZ_LIBFUZZER_LD)
nts_fuzz_fuzz_pps_LDADD = $(LIBNTS)
endif

EXTRA_DIST += nts-fuzz/corpus nts-fuzz/dict

# The network fuzzer (net, serve, diff, replay); loopback targets only.
# Built and tested always, installed only with --enable-install-nts-fuzz:
# it is a developer's tool, not something an operator's system needs.
if INSTALL_NTS_FUZZ
bin_PROGRAMS += nts-fuzz/nts-fuzz
man_MANS += nts-fuzz/nts-fuzz.1
else
noinst_PROGRAMS += nts-fuzz/nts-fuzz
endif
nts_fuzz_nts_fuzz_SOURCES = \
	nts-fuzz/net_main.c nts-fuzz/net_io.c nts-fuzz/net_ke.c nts-fuzz/net_ntp.c \
	nts-fuzz/serve.c nts-fuzz/mutate.c nts-fuzz/netfuzz.h $(FUZZ_KEYS)
nts_fuzz_nts_fuzz_CFLAGS = $(FUZZ_REPLAY_CC)
nts_fuzz_nts_fuzz_LDFLAGS = $(FUZZ_REPLAY_LD)
nts_fuzz_nts_fuzz_LDADD = $(LIBNTS) $(PTHREAD_LIBS)
TESTS += nts-fuzz/test-net-selftest.sh
EXTRA_DIST += nts-fuzz/test-net-selftest.sh nts-fuzz/mkcorpus.py nts-fuzz/findings
EXTRA_DIST += nts-fuzz/nts-fuzz.1
