# ntsd: the NTS server daemon (issue 4).
sbin_PROGRAMS += ntsd/ntsd
ntsd_ntsd_SOURCES = \
	ntsd/ntsd.h ntsd/main.c ntsd/config.c ntsd/config_client.c ntsd/creds.c \
	ntsd/ntp_server.c ntsd/ke_server.c ntsd/control.c ntsd/mode6.c \
	ntsd/sched.h ntsd/sched.c ntsd/status.h ntsd/status.c ntsd/ring.c \
	ntsd/ntsc.h ntsd/ntsc.c ntsd/ke_client.h ntsd/ke_client.c ntsd/resolve.h ntsd/resolve.c \
	ntsd/access.c ntsd/privs.c ntsd/seccomp.c ntsd/notify.c \
	ntsd/assoc.h ntsd/assoc.c ntsd/sources.h ntsd/sources.c ntsd/clock.h ntsd/clock.c \
	ntsd/report.h ntsd/report.c ntsd/metrics.c \
	ntsd/refclock.h ntsd/refclock.c ntsd/refclock_conf.c ntsd/refclock_shm.c \
	ntsd/refclock_pps.c ntsd/refclock_nmea.c ntsd/refclock_sock.c
ntsd_ntsd_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GNUTLS_CFLAGS) $(MHD_CFLAGS) $(CAPNG_CFLAGS) $(SECCOMP_CFLAGS) $(SYSTEMD_CFLAGS)
ntsd_ntsd_LDADD = $(LIBNTS) $(JANSSON_LIBS) $(MHD_LIBS) $(CAPNG_LIBS) $(SECCOMP_LIBS) $(SYSTEMD_LIBS) -lm
# a real executable (not a libtool wrapper) so tests can pin and trace it
ntsd_ntsd_LDFLAGS = $(AM_LDFLAGS) -static
dist_man_MANS += ntsd/ntsd.8 ntsd/ntsd.conf.5
# one NTS client source on the scheduler against a real server, for
# interop/test-ntsd-client-*.sh (not installed)
noinst_PROGRAMS += ntsd/ntsc-try
ntsd_ntsc_try_SOURCES = ntsd/ntsc_try.c ntsd/ntsc.c ntsd/ntsc.h ntsd/ke_client.c ntsd/ke_client.h \
	ntsd/resolve.c ntsd/resolve.h ntsd/sched.c ntsd/sched.h ntsd/config.c ntsd/config_client.c ntsd/ntsd.h \
	ntsd/refclock_conf.c ntsd/refclock.h
ntsd_ntsc_try_LDADD = $(LIBNTS) $(PTHREAD_LIBS) -lm
ntsd_ntsc_try_LDFLAGS = $(AM_LDFLAGS) -static
# unit tests of ntsd's pure parts (config, addresses, mode 6)
check_PROGRAMS += ntsd/test_ntsd
TESTS += ntsd/test_ntsd
ntsd_test_ntsd_SOURCES = ntsd/test_ntsd.c ntsd/config.c ntsd/config_client.c ntsd/mode6.c ntsd/ntsd.h \
	ntsd/status.c ntsd/status.h ntsd/report.c ntsd/report.h ntsd/metrics.c ntsd/ring.c \
	ntsd/refclock_conf.c ntsd/refclock.h
ntsd_test_ntsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) $(GNUTLS_CFLAGS) $(MHD_CFLAGS)
ntsd_test_ntsd_LDADD = $(LIBNTS) $(CHECK_LIBS) $(JANSSON_LIBS) $(MHD_LIBS) -lm
ntsd_test_ntsd_LDFLAGS = $(AM_LDFLAGS) -static
# the real ntsd and ntske-probe on loopback (throwaway PKI, free ports),
# so the server path runs under every build's sanitizers
TESTS += ntsd/test-loopback.sh
EXTRA_DIST += ntsd/test-loopback.sh
# the documented schema of `ntsd -Q SOCKET --json`
dist_pkgdata_DATA = ntsd/ntsd-status.schema.json
# unit tests of the reference clock core and its config with the real
# sources code, on a fake scheduler, clock and associations
check_PROGRAMS += ntsd/test_refclock
TESTS += ntsd/test_refclock
ntsd_test_refclock_SOURCES = ntsd/test_refclock.c ntsd/refclock.c ntsd/refclock_conf.c ntsd/refclock.h \
	ntsd/sources.c ntsd/sources.h ntsd/assoc.h ntsd/clock.h \
	ntsd/config.c ntsd/config_client.c ntsd/ntsd.h ntsd/status.c ntsd/status.h ntsd/sched.h
ntsd_test_refclock_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GNUTLS_CFLAGS)
ntsd_test_refclock_LDADD = $(LIBNTS) $(CHECK_LIBS) -lm
ntsd_test_refclock_LDFLAGS = $(AM_LDFLAGS) -static
# unit tests of the main loop's scheduler
check_PROGRAMS += ntsd/test_sched
TESTS += ntsd/test_sched
ntsd_test_sched_SOURCES = ntsd/test_sched.c ntsd/sched.c ntsd/sched.h
ntsd_test_sched_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
ntsd_test_sched_LDADD = $(LIBNTS) $(CHECK_LIBS) -lm
# mode 6 responder with fixture sources, for ntpq and ntsmon program tests
noinst_PROGRAMS += ntsd/test_m6serve
ntsd_test_m6serve_SOURCES = ntsd/test_m6serve.c ntsd/config.c ntsd/config_client.c ntsd/mode6.c ntsd/ntsd.h ntsd/status.c ntsd/status.h \
	ntsd/refclock_conf.c ntsd/refclock.h
ntsd_test_m6serve_LDADD = $(LIBNTS) -lm
ntsd_test_m6serve_LDFLAGS = $(AM_LDFLAGS) -static
# the seccomp filter of ntsd -S stops a process making a forbidden call
check_PROGRAMS += ntsd/test_seccomp
TESTS += ntsd/test_seccomp
ntsd_test_seccomp_SOURCES = ntsd/test_seccomp.c ntsd/seccomp.c ntsd/ntsd.h
ntsd_test_seccomp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GNUTLS_CFLAGS) $(SECCOMP_CFLAGS)
ntsd_test_seccomp_LDADD = $(LIBNTS) $(CHECK_LIBS) $(SECCOMP_LIBS) $(PTHREAD_LIBS)
# unit tests of the off-loop name lookup
check_PROGRAMS += ntsd/test_resolve
TESTS += ntsd/test_resolve
ntsd_test_resolve_SOURCES = ntsd/test_resolve.c ntsd/resolve.c ntsd/resolve.h ntsd/sched.c ntsd/sched.h
ntsd_test_resolve_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
ntsd_test_resolve_LDADD = $(LIBNTS) $(CHECK_LIBS) $(PTHREAD_LIBS) -lm
# Installed with ntsd: the systemd unit (configure --with-systemdsystemunitdir)
# and a commented example configuration in $(sysconfdir)/ntsd; the state
# directory the example names is created empty (the ntsd user must own it).
EXTRA_DIST += ntsd/ntsd.service.in ntsd/ntsd.conf.example.in
CLEANFILES += ntsd/ntsd.service ntsd/ntsd.conf.example
ntsd/ntsd.service: ntsd/ntsd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) ntsd && $(edit_paths) $(srcdir)/ntsd/ntsd.service.in > $@.tmp && mv $@.tmp $@
ntsd/ntsd.conf.example: ntsd/ntsd.conf.example.in Makefile
	$(AM_V_GEN)$(MKDIR_P) ntsd && $(edit_paths) $(srcdir)/ntsd/ntsd.conf.example.in > $@.tmp && mv $@.tmp $@
if INSTALL_UNIT
systemdsystemunit_DATA = ntsd/ntsd.service
endif
ntsdconfdir = $(sysconfdir)/ntsd
ntsdconf_DATA = ntsd/ntsd.conf.example
install-data-local: install-ntsd-statedir
install-ntsd-statedir:
	$(MKDIR_P) '$(DESTDIR)$(localstatedir)/lib/ntsd'
.PHONY: install-ntsd-statedir
