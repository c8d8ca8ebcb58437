/* ntsmon: the terminal. The only part of ntsmon that knows ncurses. */
#ifndef NTSMON_TUI_H
#define NTSMON_TUI_H

#include <stdbool.h>

#include "view.h"

enum tui_key { TUI_NONE = -1, TUI_UP = 0x1000, TUI_DOWN, TUI_ENTER, TUI_TAB, TUI_RESIZE };

/* Take over the terminal; colours unless NO_COLOR is set or the terminal
 * has none. False when there is no usable terminal. */
bool tui_start(void);
void tui_stop(void);
/* Does the terminal take UTF-8 (for sparkline glyphs)? */
bool tui_utf8(void);
void tui_size(int *width, int *height);
void tui_draw(const struct view_screen *s);
/* Wait up to timeout_ms for a key: a character, a TUI_* code or TUI_NONE. */
int tui_key(int timeout_ms);

#endif
