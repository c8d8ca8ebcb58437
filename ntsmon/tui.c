/* ntsmon: the terminal (tui.h), on ncursesw. Everything else is plain C. */
#include <config.h>

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static bool color;

bool tui_start(void)
{
	setlocale(LC_ALL, "");
	if (!initscr())
		return false;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* https://no-color.org: any non-empty NO_COLOR turns colour off */
	const char *nc = getenv("NO_COLOR");
	color = has_colors() && !(nc && nc[0]);
	if (color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);    /* title */
		init_pair(2, COLOR_RED, -1);     /* down */
		init_pair(3, COLOR_YELLOW, -1);  /* warning */
	}
	return true;
}

void tui_stop(void)
{
	endwin();
}

bool tui_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && strcmp(cs, "UTF-8") == 0;
}

void tui_size(int *width, int *height)
{
	getmaxyx(stdscr, *height, *width);
}

/* Without colour, attributes alone tell the kinds apart (monochrome). */
static attr_t attr_of(enum view_attr a)
{
	switch (a) {
	case VA_TITLE: return A_BOLD | (color ? COLOR_PAIR(1) : 0);
	case VA_HEADER: return A_BOLD;
	case VA_SELECTED: return A_REVERSE;
	case VA_DOWN: return A_BOLD | (color ? COLOR_PAIR(2) : A_UNDERLINE);
	case VA_WARN: return color ? COLOR_PAIR(3) : A_UNDERLINE;
	case VA_STATUS: return A_REVERSE;
	default: return A_NORMAL;
	}
}

void tui_draw(const struct view_screen *s)
{
	int w, h;
	getmaxyx(stdscr, h, w);
	erase();
	for (size_t i = 0; i < s->n && (int)i < h; i++) {
		attr_t a = attr_of(s->lines[i].attr);
		attron(a);
		mvaddnstr((int)i, 0, s->lines[i].text, -1);
		if (s->lines[i].attr == VA_SELECTED || s->lines[i].attr == VA_STATUS ||
		    s->lines[i].attr == VA_TITLE) {
			/* fill the bar to the edge */
			int y, x;
			getyx(stdscr, y, x);
			if (y == (int)i)
				for (; x < w; x++)
					addch(' ');
		}
		attroff(a);
	}
	refresh();
}

int tui_key(int timeout_ms)
{
	timeout(timeout_ms);
	int c = getch();
	switch (c) {
	case ERR: return TUI_NONE;
	case KEY_UP: return TUI_UP;
	case KEY_DOWN: return TUI_DOWN;
	case KEY_ENTER: case '\n': case '\r': return TUI_ENTER;
	case '\t': return TUI_TAB;
	case KEY_RESIZE: return TUI_RESIZE;
	default: return c;
	}
}
