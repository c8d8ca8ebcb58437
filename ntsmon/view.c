/* ntsmon: the view (view.h): model to lines of text. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

const struct view_key view_keys[] = {
	{ "Up/Down, k/j", "select a source" },
	{ "Enter", "show or hide the selected source's details" },
	{ "Tab", "next target" },
	{ "v", "switch between the sources and the server page" },
	{ "s", "sort: as listed, name, |offset|, delay, stratum" },
	{ "f", "filter: all, NTS only, problems" },
	{ "p", "pause or resume refreshing" },
	{ "?", "this help" },
	{ "q", "quit" },
};
const size_t view_nkeys = sizeof view_keys / sizeof view_keys[0];

/* Append a line cut to width columns (every glyph we emit is one column;
 * text from servers was made printable ASCII by clean()). */
__attribute__((format(printf, 4, 5))) static void line(struct view_screen *o, int width,
							enum view_attr a, const char *fmt, ...)
{
	if (o->n >= VIEW_MAX_LINES)
		return;
	struct view_line *l = &o->lines[o->n++];
	l->attr = a;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	int cols = 0;
	for (char *p = l->text; *p; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;   /* UTF-8 continuation octet */
		if (cols++ == width) {
			*p = '\0';
			break;
		}
	}
}

/* Server-supplied text: printable ASCII only, so no escape reaches the terminal. */
static const char *clean(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; in[n] && n + 1 < cap; n++)
		out[n] = in[n] >= 0x20 && in[n] < 0x7f ? in[n] : '?';
	out[n] = '\0';
	return out;
}

static void dur(char *out, size_t cap, double s)
{
	if (s < 0 || isnan(s))
		snprintf(out, cap, "-");
	else if (s < 120)
		snprintf(out, cap, "%.0fs", s);
	else if (s < 7200)
		snprintf(out, cap, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(out, cap, "%.0fh", s / 3600);
	else
		snprintf(out, cap, "%.0fd", s / 86400);
}

static void ms(char *out, size_t cap, double s)
{
	if (isnan(s))
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%.3f", s * 1e3);
}

/* A sparkline of the last w rates, scaled to their maximum. */
static void spark(char *out, size_t cap, const double *h, size_t n, size_t w, bool utf8)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=+*#@";
	size_t start = n > w ? n - w : 0, pos = 0;
	double max = 0;
	for (size_t i = start; i < n; i++)
		if (!isnan(h[i]) && h[i] > max)
			max = h[i];
	out[0] = '\0';
	for (size_t i = start; i < n && pos + 4 < cap; i++) {
		int lvl = isnan(h[i]) || max <= 0 ? 0 : (int)lround(h[i] / max * 7);
		if (utf8) {
			size_t l = strlen(blocks[lvl]);
			memcpy(out + pos, blocks[lvl], l);
			pos += l;
		} else {
			out[pos++] = isnan(h[i]) ? ' ' : ascii[lvl];
		}
		out[pos] = '\0';
	}
}

static char t_column(const struct mon_source *s)
{
	/* NTPsec's ntpq: the cookie count for NTS associations */
	if (s->nts && s->cookies >= 0)
		return s->cookies > 9 ? '+' : (char)('0' + s->cookies);
	return s->type ? s->type : 'u';
}

static void source_row(struct view_screen *o, int width, enum view_attr a, const struct mon_source *s,
		       bool wide)
{
	char name[17], refid[13], when[8], dl[12], of[12], jt[12];
	clean(s->name, name, sizeof name);
	clean(s->refid, refid, sizeof refid);
	dur(when, sizeof when, s->when);
	ms(dl, sizeof dl, s->delay);
	ms(of, sizeof of, s->offset);
	ms(jt, sizeof jt, s->jitter);
	char nts[96] = "";
	if (wide && s->nts) {
		char age[8], cert[12];
		dur(age, sizeof age, s->ke_age);
		if (isnan(s->cert_days))
			snprintf(cert, sizeof cert, "-");
		else
			snprintf(cert, sizeof cert, "%.0fd", s->cert_days);
		char aead[12] = "-", naks[24] = "-";
		if (s->aead)
			snprintf(aead, sizeof aead, "%u", s->aead);
		if (s->naks >= 0)
			snprintf(naks, sizeof naks, "%lld", s->naks);
		snprintf(nts, sizeof nts, " %5s %4s %4s %5s%s", age, aead, naks, cert, s->last_error[0] ? " !" : "");
	}
	line(o, width, a, "%c%-16s %-12s %2d %c %4s %4d %4o %8s %8s %7s%s", s->tally ? s->tally : ' ', name,
	     refid, s->stratum, t_column(s), when, s->poll > 0 && s->poll < 31 ? 1 << s->poll : 0, s->reach,
	     dl, of, jt, nts);
}

static void source_detail(struct view_screen *o, int width, const struct mon_source *s)
{
	char buf[160], age[8];
	line(o, width, VA_HEADER, " %s (%s), association %u", clean(s->name, buf, sizeof buf), s->addr,
	     s->associd);
	line(o, width, VA_NORMAL, "  stratum %d  refid %s  reach %03o  poll %ds", s->stratum, s->refid,
	     s->reach, s->poll > 0 && s->poll < 31 ? 1 << s->poll : 0);
	line(o, width, VA_NORMAL, "  offset %.6f s  delay %.6f s  jitter %.6f s", s->offset, s->delay,
	     s->jitter);
	if (!s->nts) {
		line(o, width, VA_NORMAL, "  not NTS-authenticated");
		return;
	}
	char aead[12] = "-", naks[24] = "-", cert[24] = "unknown";
	dur(age, sizeof age, s->ke_age);
	if (s->aead)
		snprintf(aead, sizeof aead, "%u", s->aead);
	if (s->naks >= 0)
		snprintf(naks, sizeof naks, "%lld", s->naks);
	if (!isnan(s->cert_days))
		snprintf(cert, sizeof cert, "%.1f days left", s->cert_days);
	line(o, width, VA_NORMAL, "  NTS: cookies %d  KE age %s  AEAD %s  NAKs %s  certificate %s", s->cookies,
	     age, aead, naks, cert);
	if (s->last_error[0])
		line(o, width, VA_WARN, "  last error: %s", clean(s->last_error, buf, sizeof buf));
}

static void sources_page(struct view_screen *o, const struct mon_target *t, struct view_state *st,
			 int width, int rows)
{
	const struct mon_snapshot *s = &t->snap;
	bool wide = width >= 100;
	line(o, width, VA_HEADER, " remote           refid        st t when poll reach   delay   offset  jitter%s",
	     wide ? " keage aead naks  cert" : "");
	size_t idx[MON_MAX_SOURCES];
	size_t n = mon_rows(s, st->sort, st->filter, idx, MON_MAX_SOURCES);
	if (n == 0) {
		line(o, width, VA_NORMAL, "  (no sources%s)", st->filter ? " match the filter" : "");
		return;
	}
	if (st->sel >= n)
		st->sel = n - 1;
	int detail = st->detail ? 6 : 0;
	int room = rows - 1 - detail;
	if (room < 1)
		room = 1;
	/* scroll so the selected row stays visible */
	size_t first = st->sel >= (size_t)room ? st->sel - (size_t)room + 1 : 0;
	for (size_t i = first; i < n && i < first + (size_t)room; i++)
		source_row(o, width, i == st->sel ? VA_SELECTED : VA_NORMAL, &s->src[idx[i]], wide);
	if (st->detail)
		source_detail(o, width, &s->src[idx[st->sel]]);
}

static void server_page(struct view_screen *o, const struct mon_target *t, bool utf8, int width)
{
	const struct mon_snapshot *s = &t->snap;
	size_t w = width > 60 ? (size_t)(width - 44) : 16;
	if (w > MON_HIST)
		w = MON_HIST;
	line(o, width, VA_HEADER, " %-20s %12s %9s  history", "counter", "total", "per s");
	bool any = false;
	for (int i = 0; i < MON_C_MAX; i++) {
		if (!s->have_c[i])
			continue;
		any = true;
		char rate[16], sp[MON_HIST * 4 + 1];
		if (isnan(t->rate[i]))
			snprintf(rate, sizeof rate, "-");
		else
			snprintf(rate, sizeof rate, "%.1f", t->rate[i]);
		spark(sp, sizeof sp, t->hist[i], t->nhist, w, utf8);
		line(o, width, VA_NORMAL, " %-20s %12llu %9s  %s", mon_counter_label((enum mon_counter)i),
		     (unsigned long long)s->c[i], rate, sp);
	}
	if (!any)
		line(o, width, VA_NORMAL, "  (this server reports no NTS counters)");
	if (s->have_ring && s->nkeys) {
		char next[16], age[16];
		dur(next, sizeof next, s->next_rotation ? (double)(s->next_rotation - s->time) : -1);
		line(o, width, VA_HEADER, " cookie key ring: %zu key%s, next rotation in %s", s->nkeys,
		     s->nkeys == 1 ? "" : "s", next);
		char keys[VIEW_LINE_MAX] = "";
		for (size_t i = s->nkeys; i-- > 0;) {
			size_t l = strlen(keys);
			dur(age, sizeof age, (double)s->keys[i].age);
			snprintf(keys + l, sizeof keys - l, " %s %s%s", s->keys[i].id, age,
				 s->keys[i].current ? " (current)" : "");
		}
		line(o, width, VA_NORMAL, " %s", keys);
	}
	if (s->have_cert) {
		char buf[160];
		line(o, width, s->cert_days < 14 ? VA_WARN : VA_NORMAL, " certificate: %.1f days left  %s",
		     s->cert_days, clean(s->cert_subject, buf, sizeof buf));
	}
	if (s->nfails) {
		char f[VIEW_LINE_MAX] = "";
		for (size_t i = 0; i < s->nfails; i++) {
			size_t l = strlen(f);
			snprintf(f + l, sizeof f - l, "%s%s %llu", i ? ", " : "", s->fails[i].reason,
				 (unsigned long long)s->fails[i].n);
		}
		line(o, width, VA_HEADER, " NTS-KE/TLS failures by reason:");
		line(o, width, VA_NORMAL, "  %s", f);
	}
}

static void system_line(struct view_screen *o, const struct mon_target *t, int width)
{
	const struct mon_snapshot *s = &t->snap;
	char buf[160];
	if (!s->up) {
		line(o, width, VA_DOWN, " DOWN: %s", clean(s->error, buf, sizeof buf));
		return;
	}
	line(o, width, VA_NORMAL, " %s  stratum %d  refid %s  %s  %zu source%s", clean(s->version, buf, sizeof buf),
	     s->stratum, s->refid, s->synchronised ? "synchronised" : "unsynchronised", s->nsrc,
	     s->nsrc == 1 ? "" : "s");
}

void view_render(const struct mon_target *t, size_t nt, struct view_state *st, int width, int height,
		 struct view_screen *o)
{
	o->n = 0;
	if (width < 20 || height < 4 || nt == 0) {
		line(o, width > 0 ? width : 1, VA_NORMAL, "too small");
		return;
	}
	if (st->target >= nt)
		st->target = 0;
	const struct mon_target *c = &t[st->target];
	line(o, width, VA_TITLE, "ntsmon  [%zu/%zu] %s  %s  sort:%s filter:%s%s", st->target + 1, nt, c->label,
	     st->page == VIEW_SOURCES ? "sources" : "server", mon_sort_name(st->sort),
	     mon_filter_name(st->filter), st->paused ? "  PAUSED" : "");
	if (st->help) {
		line(o, width, VA_HEADER, " keys");
		for (size_t i = 0; i < view_nkeys; i++)
			line(o, width, VA_NORMAL, "  %-14s %s", view_keys[i].keys, view_keys[i].what);
		line(o, width, VA_NORMAL, "  (any key closes this help)");
	} else {
		system_line(o, c, width);
		if (c->snap.up) {
			if (st->page == VIEW_SOURCES)
				sources_page(o, c, st, width, height - 3);
			else
				server_page(o, c, st->utf8, width);
		}
	}
	if (o->n > (size_t)height - 1)
		o->n = (size_t)height - 1;
	while (o->n < (size_t)height - 1)
		line(o, width, VA_NORMAL, "%s", "");
	line(o, width, VA_STATUS, "jk/arrows move  Enter detail  Tab target  v view  s sort  f filter  p pause  ? help  q quit");
}

void view_report(const struct mon_target *t, bool utf8, int width, struct view_screen *o)
{
	struct view_state st = { .utf8 = utf8, .sel = (size_t)-1 };
	o->n = 0;
	line(o, width, VA_TITLE, "== %s", t->label);
	system_line(o, t, width);
	if (!t->snap.up)
		return;
	sources_page(o, t, &st, width, VIEW_MAX_LINES / 2);
	/* no row is selected in a report */
	for (size_t i = 0; i < o->n; i++)
		if (o->lines[i].attr == VA_SELECTED)
			o->lines[i].attr = VA_NORMAL;
	server_page(o, t, utf8, width);
}
