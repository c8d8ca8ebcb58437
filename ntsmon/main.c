/* ntsmon: live NTS view of ntsd and NTPsec ntpd. Options, targets, and
 * the refresh loop that ties model, view and terminal together. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nts/err.h"
#include "nts/hostport.h"
#include "common/opt.h"
#include "common/mono.h"
#include "fetch.h"
#include "jsonout.h"
#include "model.h"
#include "tui.h"
#include "view.h"

/* the control socket of the installed ntsd.conf (configure --runstatedir) */
#define DEFAULT_SOCKET NTSD_CONTROL_SOCKET
#define MAX_TARGETS 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ntsmon [--once | --json] [-i SECS] [-t MS] [TARGET...]\n"
		"Live view of NTS time sources and server counters (see ntsmon(1)).\n"
		"  TARGET     a control socket (a path with '/', or unix:PATH) of ntsd,\n"
		"             or HOST, HOST:PORT, [V6]:PORT read over mode 6 (ntpd, ntsd);\n"
		"             default: " DEFAULT_SOCKET "\n"
		"  --once     print one snapshot as text and exit\n"
		"  --json     print one snapshot as JSON (schema ntsmon/1) and exit\n"
		"  -i SECS    refresh interval (default 1)\n"
		"  -t MS      timeout per exchange (default 800)\n"
		"exit: 0 when at least one target answered, 1 when none did, 2 usage\n");
}

/* "unix:/p", "/p", "./p": a socket; "[v6]:port", "host:port", "host": mode 6. */
static bool parse_target(const char *arg, struct mon_target *t)
{
	memset(t, 0, sizeof *t);
	const char *path = strncmp(arg, "unix:", 5) == 0 ? arg + 5 : strchr(arg, '/') ? arg : NULL;
	if (path) {
		t->kind = MON_CTL;
		snprintf(t->where, sizeof t->where, "%s", path);
		snprintf(t->label, sizeof t->label, "ntsd %s", path);
		return path[0] != '\0';
	}
	t->kind = MON_MODE6;
	uint16_t port;
	if (nts_hostport_parse(arg, t->where, sizeof t->where, &port, NULL, 0) != NTS_OK)
		return false;
	snprintf(t->port, sizeof t->port, "%u", port ? port : 123u);
	snprintf(t->label, sizeof t->label, "%s (mode 6)", arg);
	return true;
}

static void refresh_all(struct mon_target *t, size_t n, int timeout_ms)
{
	static struct mon_snapshot s;
	for (size_t i = 0; i < n; i++) {
		if (t[i].kind == MON_CTL)
			mon_fetch_ctl(t[i].where, &s, timeout_ms);
		else
			mon_fetch_mode6(t[i].where, t[i].port, &s, timeout_ms);
		mon_target_update(&t[i], &s, mono_now());
	}
}

static int any_up(const struct mon_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].snap.up)
			return 0;
	return 1;
}

static bool handle_key(int k, struct view_state *st, size_t ntargets)
{
	if (st->help) {
		st->help = false;
		return k != 'q';
	}
	switch (k) {
	case 'q': case 'Q': return false;
	case TUI_UP: case 'k': if (st->sel > 0) st->sel--; break;
	case TUI_DOWN: case 'j': st->sel++; break;   /* the view clamps it */
	case TUI_ENTER: st->detail = !st->detail; break;
	case TUI_TAB: st->target = (st->target + 1) % ntargets; st->sel = 0; break;
	case 'v': st->page = st->page == VIEW_SOURCES ? VIEW_SERVER : VIEW_SOURCES; break;
	case 's': st->sort = (enum mon_sort)((st->sort + 1) % MON_SORT_MAX); break;
	case 'f': st->filter = (enum mon_filter)((st->filter + 1) % MON_FILTER_MAX); st->sel = 0; break;
	case 'p': st->paused = !st->paused; break;
	case '?': case 'h': st->help = true; break;
	default: break;
	}
	return true;
}

static int run_tui(struct mon_target *t, size_t n, double interval, int timeout_ms)
{
	if (!tui_start()) {
		fprintf(stderr, "ntsmon: no usable terminal (try --once)\n");
		return 2;
	}
	static struct view_screen scr;
	struct view_state st = { .utf8 = tui_utf8() };
	double next = 0;
	/* bounded only by the user's q: each turn waits for a key or the next refresh */
	for (;;) {
		double now = mono_now();
		if (!st.paused && now >= next) {
			refresh_all(t, n, timeout_ms);
			next = mono_now() + interval;
		}
		int w, h;
		tui_size(&w, &h);
		view_render(t, n, &st, w, h, &scr);
		tui_draw(&scr);
		double wait = st.paused ? 1.0 : next - mono_now();
		int k = tui_key(wait > 0 ? (int)(wait * 1000) + 1 : 0);
		if (k == TUI_NONE || k == TUI_RESIZE)
			continue;
		if (!handle_key(k, &st, n))
			break;
	}
	tui_stop();
	return 0;
}

int main(int argc, char **argv)
{
	static struct mon_target targets[MAX_TARGETS];
	bool once = false, json = false;
	double interval = 1.0;
	int timeout_ms = 800, opt;
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(argc, argv, "i:t:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': once = true; break;
		case 'j': json = true; break;
		case 'i':
			if (!opt_double("ntsmon", "-i (seconds)", optarg, 0.2, 3600, &interval))
				return 2;
			break;
		case 't': {
			unsigned ms;
			if (!opt_unsigned("ntsmon", "-t (milliseconds)", optarg, 10, 60000, &ms))
				return 2;
			timeout_ms = (int)ms;
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("ntsmon %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (once && json) {
		fprintf(stderr, "ntsmon: --once and --json exclude each other\n");
		return 2;
	}
	size_t n = 0;
	if (optind == argc)
		parse_target(DEFAULT_SOCKET, &targets[n++]);
	for (int i = optind; i < argc; i++) {
		if (n == MAX_TARGETS) {
			fprintf(stderr, "ntsmon: at most %d targets\n", MAX_TARGETS);
			return 2;
		}
		if (!parse_target(argv[i], &targets[n++])) {
			fprintf(stderr, "ntsmon: bad target '%s' (want PATH, HOST, HOST:PORT or [V6]:PORT)\n",
				argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (json) {
		refresh_all(targets, n, timeout_ms);
		mon_json_print(stdout, targets, n);
		return any_up(targets, n);
	}
	if (once) {
		setlocale(LC_ALL, "");
		const char *cs = nl_langinfo(CODESET);
		bool utf8 = cs && strcmp(cs, "UTF-8") == 0;
		static struct view_screen scr;
		refresh_all(targets, n, timeout_ms);
		for (size_t i = 0; i < n; i++) {
			view_report(&targets[i], utf8, 120, &scr);
			for (size_t k = 0; k < scr.n; k++)
				printf("%s\n", scr.lines[k].text);
		}
		return any_up(targets, n);
	}
	return run_tui(targets, n, interval, timeout_ms);
}
