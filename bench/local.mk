# bench: load generators for ci/bench-* (benchmarks, not tests).
# nts-loadgen: NTS, plain NTP and NTS-KE load for ci/bench-server.
noinst_PROGRAMS += bench/nts-loadgen
bench_nts_loadgen_SOURCES = bench/loadgen.h bench/main.c bench/ke.c bench/udp.c
bench_nts_loadgen_LDADD = $(LIBNTS) -lm
# a real executable (not a libtool wrapper) so ci/bench-server can pin it
bench_nts_loadgen_LDFLAGS = $(AM_LDFLAGS) -static
