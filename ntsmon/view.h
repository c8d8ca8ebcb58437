/* ntsmon: the view. Turns the model into lines of text with one attribute
 * each (title, header, selected, down, ...) for a given screen size. No
 * terminal library here: tui.c draws the lines, --once prints them. */
#ifndef NTSMON_VIEW_H
#define NTSMON_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum view_attr { VA_NORMAL, VA_TITLE, VA_HEADER, VA_SELECTED, VA_DOWN, VA_WARN, VA_STATUS };

#define VIEW_MAX_LINES 256
#define VIEW_LINE_MAX 512

struct view_line {
	enum view_attr attr;
	char text[VIEW_LINE_MAX];     /* UTF-8; at most width columns */
};

struct view_screen {
	size_t n;
	struct view_line lines[VIEW_MAX_LINES];
};

enum view_page { VIEW_SOURCES, VIEW_SERVER };

/* What the user chose with the keys; the view keeps sel within the rows. */
struct view_state {
	size_t target;
	enum view_page page;
	size_t sel;                   /* selected row of the sources table */
	bool detail, help, paused;
	enum mon_sort sort;
	enum mon_filter filter;
	bool utf8;                    /* sparklines in block glyphs, else ASCII */
};

/* The whole screen for width x height (height lines at most). */
void view_render(const struct mon_target *t, size_t nt, struct view_state *st, int width, int height,
		 struct view_screen *out);
/* One target's sources and server pages without interaction (--once). */
void view_report(const struct mon_target *t, bool utf8, int width, struct view_screen *out);

/* The key bindings, for the help page and the man page. */
struct view_key {
	const char *keys, *what;
};
extern const struct view_key view_keys[];
extern const size_t view_nkeys;

#endif
