/* jump.h - the go-to-time prompt's model (model layer, no curses): what
 * the typed time means, the first line of a pane at or after a time, and
 * the start and end of the run a line belongs to. */
#ifndef LOGDECK_JUMP_H
#define LOGDECK_JUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/lineidx.h"
#include "tui/scrollback.h"

/* Longest go-to-time text read. */
#define JUMP_TEXT_MAX 64
/* Largest relative time ("-5m"): 400 days. */
#define JUMP_REL_MAX_MS (400LL * 86400 * 1000)

enum jump_kind {
	JUMP_TIME,      /* a moment: *ms */
	JUMP_RUN_START, /* the start of the current line's run */
	JUMP_RUN_END,   /* its end */
};

/* Read text as a time, now_ms being the wall clock and utc saying how a
 * time without a zone is read (else local time):
 *   HH:MM, HH:MM:SS[.mmm]    today, or yesterday when that is later
 *                            than now (the most recent such time)
 *   -5m, -90s, -2h, -1d, -1h30m   relative to now; now
 *   YYYY-MM-DD[T ]HH:MM[:SS[.mmm]][Z|+hh:mm|-hh:mm], YYYY-MM-DD
 *   run start, run end
 * 0 with *kind (and *ms for JUMP_TIME), or -1 with a one-line reason in
 * err (the text itself is never copied into it). */
int jump_parse(const char *text, int64_t now_ms, bool utc, enum jump_kind *kind,
    int64_t *ms, char *err, size_t errlen);

/* The position in li (in its order) of the first line whose order time
 * is at or after ms; lineidx_count when there is none. By time a binary
 * search over every line; by seq a scan of the lines' keys (no text), as
 * lines of one source can step back in time, that passes over the
 * viewer's marker lines (a run's start marker comes before its lines in
 * arrival order, with the server's time, which may be later than theirs). */
size_t jump_time_index(
    const struct lineidx *li, const struct scrollback *sb, int64_t ms);

/* What jump_run_edge found. */
enum jump_edge {
	JUMP_EDGE_FOUND, /* the run's start (or end) line */
	JUMP_EDGE_GONE,  /* start: not held; *seq is the source's first line */
	JUMP_EDGE_OPEN,  /* end: not yet (or not held); *seq is the run's
	                    last line held */
	JUMP_EDGE_NONE,  /* the pane is empty */
};

/* The run marker line (SB_KIND_RUN) that starts (end false) or ends the
 * run of the line at position k of li, looking among the lines of that
 * line's source. */
enum jump_edge jump_run_edge(const struct lineidx *li,
    const struct scrollback *sb, size_t k, bool end, uint64_t *seq);

/* True when msg is a run marker's text for a start ("── run 7 started
 * 14:02:11 ──", as tui_list.c writes it). */
bool jump_run_started(const char *msg);

#endif
