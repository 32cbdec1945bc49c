/* view_help.c - the help overlay, generated from the key table so it
 * lists exactly what the dispatcher does. */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "tui_app.h"
#include "view.h"
#include "view_draw.h"

/* Width of the key column. */
#define HELP_KEYS_W 18

/* Build help line k (0-based) into out; false past the last one. */
static bool
help_line(int k, char *out, size_t outlen)
{
	const struct key_binding *tab;
	char keys[64] = "";
	size_t n, i;
	int line = -1;
	const char *help = NULL;

	tab = keys_table(&n);
	for (i = 0; i < n; i++) {
		if (tab[i].help != NULL) {
			if (line == k)
				break;
			line++;
			if (line == k) {
				snprintf(keys, sizeof keys, "%s", tab[i].name);
				help = tab[i].help;
			}
		} else if (line == k && strstr(keys, tab[i].name) == NULL) {
			size_t len = strlen(keys);

			snprintf(keys + len, sizeof keys - len, " %s",
			    tab[i].name);
		}
	}
	if (help == NULL)
		return false;
	snprintf(out, outlen, "%-*s %s", HELP_KEYS_W, keys, help);
	return true;
}

/* Lines of help. */
int
view_help_rows(void)
{
	char tmp[160];
	int n = 0;

	while (help_line(n, tmp, sizeof tmp))
		n++;
	return n;
}

/* Draw the overlay in the middle of the screen. */
void
view_help_draw(struct tui *t)
{
	int rows = view_help_rows(), h, w = 64, y0, x0, k;
	char line[160];

	h = t->lay.status.y;
	if (w > COLS)
		w = COLS;
	y0 = 0;
	x0 = (COLS - w) / 2;
	for (k = 0; k < h; k++)
		draw_blank(stdscr, y0 + k, x0, w, A_NORMAL);
	draw_frame(stdscr, y0, x0, h, w, true,
	    "keys (Esc closes, j/k scroll)");
	if (t->help_top > rows - (h - 2))
		t->help_top = rows - (h - 2) > 0 ? rows - (h - 2) : 0;
	for (k = 0; k < h - 2 && help_line(t->help_top + k, line, sizeof line);
	     k++)
		draw_text(stdscr, y0 + 1 + k, x0 + 2, w - 4, line, strlen(line),
		    0, A_NORMAL, NULL);
}

/* The message a terminal too small gets. */
void
view_too_small(struct tui *t)
{
	char msg[96];

	snprintf(msg, sizeof msg, "terminal too small (%dx%d): need %dx%d",
	    COLS, LINES, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	draw_text(stdscr, 0, 0, COLS, msg, strlen(msg), 0, A_BOLD, NULL);
}
