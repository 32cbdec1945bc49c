/* view_help.c - the help overlay, generated from the key table so it
 * lists exactly what the dispatcher does. */
#include <stdio.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Width of the key column. */
#define HELP_KEYS_W 12
/* Narrowest help column; narrower screens get one column. */
#define HELP_COL_MIN 52

/* Build help line k (0-based) into out; false past the last one. Line k
 * is the k-th binding with a help text; its keys are whatever triggers
 * that action now (the configuration may have rebound it). */
static bool
help_line(int k, char *out, size_t outlen)
{
	const struct key_binding *tab;
	char names[64];
	size_t n, i, j;
	unsigned where;
	int line = -1;

	tab = keys_table(&n);
	for (i = 0; i < n; i++) {
		if (tab[i].help != NULL && ++line == k)
			break;
	}
	if (i == n)
		return false;
	where = tab[i].where;
	for (j = i + 1; j < n && tab[j].help == NULL; j++)
		where |= tab[j].where;
	keys_names(tab[i].action, where, names, sizeof names);
	snprintf(out, outlen, "%-*s %s", HELP_KEYS_W, names[0] ? names : "-",
	    tab[i].help);
	return true;
}

/* Lines of help. */
static int
help_rows(void)
{
	char tmp[160];
	int n = 0;

	while (help_line(n, tmp, sizeof tmp))
		n++;
	return n;
}

/* tui_mode draw: the overlay over the panes, two columns when the screen
 * is wide enough, scrolled by help_top rows. */
static void
help_draw(struct tui *t)
{
	int rows = help_rows(), h = t->lay.status.y, w = COLS, ncol, per,
	    colw, k, c, y;
	char line[160];

	ncol = w >= 2 * HELP_COL_MIN + 2 ? 2 : 1;
	colw = (w - 2) / ncol;
	per = (rows + ncol - 1) / ncol;
	for (y = 0; y < h; y++)
		draw_blank(stdscr, y, 0, w, A_NORMAL);
	draw_frame(stdscr, 0, 0, h, w, true, "keys (Esc closes, j/k scroll)");
	if (t->help_top > per - (h - 2))
		t->help_top = per - (h - 2) > 0 ? per - (h - 2) : 0;
	for (c = 0; c < ncol; c++) {
		for (k = 0; k < h - 2; k++) {
			if (t->help_top + k >= per ||
			    !help_line(
			        c * per + t->help_top + k, line, sizeof line))
				break;
			draw_text(stdscr, 1 + k, 2 + c * colw, colw - 2, line,
			    strlen(line), 0, A_NORMAL, NULL);
		}
	}
}

/* tui_mode key: scroll the help, or close it. */
static unsigned
help_key(struct tui *t, int key)
{
	return view_scroll_key(t, key, &t->help_top, help_rows());
}

const struct tui_mode view_help_mode = {
    .name = "help",
    .draw = help_draw,
    .key = help_key,
};

/* Open the help at its first line. */
void
view_help_open(struct tui *t)
{
	t->help_top = 0;
	t->mode = &view_help_mode;
}

/* The message a terminal too small gets. */
void
view_too_small(struct tui *t)
{
	char msg[96];

	snprintf(msg, sizeof msg, "terminal too small (%dx%d) for this layout",
	    COLS, LINES);
	draw_text(stdscr, 0, 0, COLS, msg, strlen(msg), 0, A_BOLD, NULL);
}
