/* view_filters.c - the filter list of the focused pane, over the log
 * area: each keep/hide pattern with its number and whether it is on, so
 * each can be switched off alone. */
#include <stdio.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Columns of the overlay box (narrower screens get their width). */
#define FILTERS_BOX_W 72

/* tui_mode draw: the filter list of pane t->filters_pane. */
static void
filters_draw(struct tui *t)
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

/* tui_mode key: a digit switches that filter off or on, anything that
 * closes or quits closes the list (C-c quits too). */
static unsigned
filters_key(struct tui *t, int key)
{
	int i = t->filters_pane;
	enum action a = keys_lookup(key, KEYS_LOG);

	if (key >= '1' && key < '1' + FILTER_PATTERNS_MAX) {
		if (filter_toggle(&t->pane[i].r.f, key - '1') == 0)
			tui_pane_refilter(t, i);
	} else if (a == ACT_CLOSE || a == ACT_QUIT || a == ACT_FILTER_LIST) {
		t->mode = NULL;
		if (key == KEYS_CTRL('c'))
			tui_quit(t);
	}
	return TUI_REDRAW;
}

const struct tui_mode view_filters_mode = {
    .name = "filters",
    .draw = filters_draw,
    .key = filters_key,
};

/* Open the filter list of pane i. */
void
view_filters_open(struct tui *t, int i)
{
	t->filters_pane = i;
	t->mode = &view_filters_mode;
}
