# ntske-probe: NTS-KE prober, NTS-protected time query and conformance battery.
bin_PROGRAMS += ntske-probe/ntske-probe
ntske_probe_ntske_probe_SOURCES = \
	ntske-probe/probe.h ntske-probe/main.c ntske-probe/net.c ntske-probe/ke.c \
	ntske-probe/ntp.c ntske-probe/check.c ntske-probe/report.c ntske-probe/json.c
ntske_probe_ntske_probe_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
ntske_probe_ntske_probe_LDADD = $(LIBNTS) -lm
ntske_probe_ntske_probe_LDFLAGS = $(AM_LDFLAGS) -static
dist_man_MANS += ntske-probe/ntske-probe.1
EXTRA_DIST += ntske-probe/json-schema.md ntske-probe/json-schema.json \
	ntske-probe/validate-json.py ntske-probe/README.section.md
