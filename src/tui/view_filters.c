/* view_filters.c - the filter list of the focused pane, over the log
 * area: each keep/hide pattern with its number and whether it is on, so
 * each can be switched off alone. */
#include <stdio.h>
#include <string.h>

#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Columns of the overlay box (narrower screens get their width). */
#define FILTERS_BOX_W 72

/* Draw the filter list of pane t->filters_pane. */
void
view_filters_draw(struct tui *t)
{
	struct filter *f = &t->pane[t->filters_pane].r.f;
	int w = COLS < FILTERS_BOX_W ? COLS : FILTERS_BOX_W;
	int h = f->npat + 4, x = (COLS - w) / 2, y = 1, k;
	char line[FILTER_PATTERN_LEN + 32];

	if (h > t->lay.status.y - 1)
		h = t->lay.status.y - 1;
	for (k = 0; k < h; k++)
		draw_blank(stdscr, y + k, x, w, A_NORMAL);
	draw_frame(stdscr, y, x, h, w, true,
	    "filters (1-8 switch one off/on, Esc closes)");
	if (f->npat == 0) {
		snprintf(line, sizeof line,
		    "no filters: & keeps, ! hides (field:regex, field>N, ...)");
		draw_untrusted(
		    stdscr, y + 1, x + 2, w - 4, line, strlen(line), A_NORMAL);
		return;
	}
	for (k = 0; k < f->npat && k < h - 3; k++) {
		snprintf(line, sizeof line, "%d  %-3s  %c%s", k + 1,
		    f->off[k] ? "off" : "on", f->keep[k] ? '&' : '!',
		    f->pat[k].text);
		draw_untrusted(stdscr, y + 1 + k, x + 2, w - 4, line,
		    strlen(line), f->off[k] ? draw_attr(COL_DEBUG) : A_BOLD);
	}
	snprintf(line, sizeof line, "c in the pane clears them all");
	draw_untrusted(
	    stdscr, y + h - 2, x + 2, w - 4, line, strlen(line), A_NORMAL);
}
