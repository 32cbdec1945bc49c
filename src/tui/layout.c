/* layout.c - splitting the terminal into list, log panes and status bar. */
#include <string.h>

#include "tui/layout.h"

/* Clamp the list width between its minimum and half the screen. */
int
layout_list_width(int want, int cols)
{
	int max = cols / 2;

	if (want > max)
		want = max;
	if (want < LAYOUT_LIST_MIN)
		want = LAYOUT_LIST_MIN;
	return want;
}

/* Split length len into n parts as evenly as possible; part i's start
 * and size. The first parts get the remainder. */
static void
layout_split(int len, int n, int i, int *start, int *size)
{
	int base = len / n, extra = len % n;

	*start = i * base + (i < extra ? i : extra);
	*size = base + (i < extra ? 1 : 0);
}

/* Compute where everything goes. */
void
layout_compute(const struct layout_req *req, struct layout *out)
{
	int n = req->npanes, body, lw = 0, ax, aw, i, s, z;

	memset(out, 0, sizeof *out);
	if (n < 1)
		n = 1;
	if (n > LAYOUT_PANES_MAX)
		n = LAYOUT_PANES_MAX;
	out->npanes = n;
	if (req->cols < LAYOUT_MIN_COLS || req->rows < LAYOUT_MIN_ROWS) {
		out->too_small = true;
		return;
	}
	body = req->rows - LAYOUT_STATUS_ROWS;
	out->status = (struct rect){body, 0, LAYOUT_STATUS_ROWS, req->cols};
	if (req->list_shown) {
		lw = layout_list_width(req->list_w, req->cols);
		out->list = (struct rect){0, 0, body, lw};
		out->list_shown = true;
	}
	ax = lw;
	aw = req->cols - lw;
	if (req->side_by_side) {
		if (aw / n < LAYOUT_PANE_MIN_COLS) {
			out->too_small = true;
			return;
		}
		for (i = 0; i < n; i++) {
			layout_split(aw, n, i, &s, &z);
			out->pane[i] = (struct rect){0, ax + s, body, z};
		}
	} else {
		if (body / n < LAYOUT_PANE_MIN_ROWS ||
		    aw < LAYOUT_PANE_MIN_COLS) {
			out->too_small = true;
			return;
		}
		for (i = 0; i < n; i++) {
			layout_split(body, n, i, &s, &z);
			out->pane[i] = (struct rect){s, ax, z, aw};
		}
	}
}
