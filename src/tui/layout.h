/* layout.h - where the list pane, the log panes and the status bar go on a
 * terminal of a given size: pure arithmetic (view layer, no curses). */
#ifndef LOGDECK_LAYOUT_H
#define LOGDECK_LAYOUT_H

#include <stdbool.h>

/* Most log panes the log area splits into. */
#define LAYOUT_PANES_MAX 4
/* Smallest terminal the layout draws on. */
#define LAYOUT_MIN_COLS 40
#define LAYOUT_MIN_ROWS 8
/* Smallest framed log pane (inside the frame: 1 line, 10 columns). */
#define LAYOUT_PANE_MIN_ROWS 3
#define LAYOUT_PANE_MIN_COLS 12
/* List pane width limits; it never takes more than half the screen. */
#define LAYOUT_LIST_MIN 16
#define LAYOUT_LIST_DEFAULT 40
/* Rows of the status bar at the bottom. */
#define LAYOUT_STATUS_ROWS 2

struct rect {
	int y, x, h, w;
};

struct layout_req {
	int cols, rows;
	bool list_shown;
	int list_w;        /* wanted width, clamped */
	int npanes;        /* 1 .. LAYOUT_PANES_MAX */
	bool side_by_side; /* split columns instead of rows */
};

struct layout {
	bool too_small; /* show a message instead of the panes */
	bool list_shown;
	struct rect list;
	struct rect pane[LAYOUT_PANES_MAX];
	int npanes;
	struct rect status;
};

/* Compute the layout of req into out. */
void layout_compute(const struct layout_req *req, struct layout *out);
/* Clamp a wanted list width to what a terminal of cols allows. */
int layout_list_width(int want, int cols);

#endif
