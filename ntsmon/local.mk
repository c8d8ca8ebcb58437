# ntsmon: live NTS view of ntsd and NTPsec (issue 11). model.c knows no
# terminal, view.c formats lines, tui.c is the one file that uses ncurses.
bin_PROGRAMS += ntsmon/ntsmon
ntsmon_ntsmon_SOURCES = \
	ntsmon/main.c ntsmon/model.h ntsmon/model.c ntsmon/fetch.h ntsmon/fetch_ctl.c \
	ntsmon/fetch_mode6.c ntsmon/view.h ntsmon/view.c ntsmon/tui.h ntsmon/tui.c \
	ntsmon/jsonout.h ntsmon/jsonout.c
ntsmon_ntsmon_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(JANSSON_CFLAGS)
ntsmon_ntsmon_LDADD = $(LIBNTS) $(NCURSES_LIBS) $(JANSSON_LIBS) -lm
ntsmon_ntsmon_LDFLAGS = $(AM_LDFLAGS) -static
dist_man_MANS += ntsmon/ntsmon.1
dist_pkgdata_DATA += ntsmon/ntsmon.schema.json
