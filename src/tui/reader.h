/* reader.h - one log pane's reader, without curses (model layer): which
 * lines the pane shows (its filter, line index and search) and where the
 * reader is among them, either following the newest line or paused on a
 * current line held at a row of the screen. Pause, move, goto, the jumps
 * to a level, the next match and the incremental search all move it; the
 * frame (which line is at the top, how many fit) is computed here from
 * the heights the view gives, so the view only draws what it is told. */
#ifndef LOGDECK_READER_H
#define LOGDECK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui/scrollback.h"
#include "tui/search.h"

/* Lines an incremental search looks through at once for the first hit
 * (it runs inside a key press, so it must stay short). */
#define READER_ISEARCH_LINES 200000

struct reader {
	const struct scrollback *sb; /* the store (not owned) */
	struct filter f;
	struct lineidx li;
	struct search s;
	bool follow;        /* on the newest line, moving with it */
	uint64_t cur;       /* the current line's seq when not following */
	int cur_row;        /* its row on screen, in lines from the top */
	uint64_t pause_end; /* store end when paused: later lines are new */
	/* The frame, set by reader_frame: rows on screen, index of the top
	 * line, lines that fit. */
	int rows;
	size_t top, shown;
	/* Where the reader was when an incremental search began. */
	uint64_t is_cur;
	bool is_follow;
	int is_row;
};

/* What reader_match found. */
enum reader_found {
	READER_FOUND,
	READER_WRAPPED,   /* found past an end, from the other end */
	READER_NONE,      /* no line matches */
	READER_NO_SEARCH, /* no search is active */
};

/* Rows line l takes on screen (the view's wrapping). */
typedef int (*reader_height_fn)(void *arg, const struct sb_line *l);

/* Set up r over sb (borrowed: it must outlive r), following, showing
 * every line; reader_free releases it. */
void reader_init(struct reader *r, const struct scrollback *sb);
void reader_free(struct reader *r);
/* The filter changed: scan the lines again from the first, keeping the
 * current line's seq (the same event stays on screen if it passes). */
void reader_refilter(struct reader *r);

/* The index (in r->li) of the reader's line; 0 when there is none. */
size_t reader_cur_index(const struct reader *r);
/* The seq of the reader's line into *seq; false when the pane is empty. */
bool reader_cur_seq(const struct reader *r, uint64_t *seq);

/* Stop following, holding the screen where the last frame left it. */
void reader_pause(struct reader *r);
/* Follow the newest line again. */
void reader_follow(struct reader *r);
/* Move by delta lines (negative: up; up from following pauses). */
void reader_move(struct reader *r, long delta);
/* The first line, paused, at the top row. */
void reader_first(struct reader *r);
/* The last line, paused. */
void reader_last(struct reader *r);
/* Put the reader on line seq (pausing): at its row when it is in the
 * frame, else in the middle of the screen. */
void reader_goto(struct reader *r, uint64_t seq);
/* Go to the next (dir 1) or previous (dir -1) line at level lv exactly,
 * or at lv and above when at_least; false when there is none. */
bool reader_jump_level(struct reader *r, int dir, uint8_t lv, bool at_least);
/* Go to the next match in the search's direction (same_dir) or against
 * it, wrapping around the ends as less does. */
enum reader_found reader_match(struct reader *r, bool same_dir);

/* Remember where the reader is: an incremental search starts here. */
void reader_isearch_begin(struct reader *r);
/* The search text is now text (backward: a ? search): search for it and
 * go to the first hit from where the search began, looking through at
 * most READER_ISEARCH_LINES lines. A half-typed regex keeps the last good
 * one; "" clears the search. */
void reader_isearch(struct reader *r, const char *text, bool backward);
/* Undo the incremental search: no search, the reader back where it was. */
void reader_isearch_cancel(struct reader *r);

/* Lay out a screen of rows rows: sets r->rows, r->top and r->shown, the
 * lines from the newest upwards when following, else the current line at
 * its row (moved up so a tall wrapped line still shows it). height gives
 * each line's rows; NULL: one row each. */
void reader_frame(
    struct reader *r, int rows, reader_height_fn height, void *arg);

#endif
