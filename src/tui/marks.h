/* marks.h - the lines the operator marked (model layer): a small sorted
 * set of store seqs. A mark belongs to the line, not to a pane or its
 * filter: a marked line filtered out and shown again is still marked, and
 * every pane showing it shows the mark. A mark goes when its line is
 * evicted from the store (marks_trim). */
#ifndef LOGDECK_MARKS_H
#define LOGDECK_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/lineidx.h"

/* Most lines marked at once (a mark past it is refused, said on the
 * status line): 8 bytes each, held in struct tui. */
#define MARKS_MAX 1000

struct marks {
	uint64_t seq[MARKS_MAX]; /* ascending */
	size_t n;
};

/* Set up an empty set. */
void marks_init(struct marks *m);
/* Mark line seq, or unmark it when marked: 1 marked, 0 unmarked, -1
 * refused (MARKS_MAX lines are marked already). */
int marks_toggle(struct marks *m, uint64_t seq);
/* True when line seq is marked. O(log n). */
bool marks_has(const struct marks *m, uint64_t seq);
/* Forget the marks of lines before first (evicted); returns how many
 * went. */
size_t marks_trim(struct marks *m, uint64_t first);
/* The marked line next after line from (dir 1) or before it (dir -1) in
 * li's order, among the lines li holds, wrapping round the ends (then
 * *wrapped is true); from itself counts only when it is the sole mark.
 * False when li holds no marked line. O(marks log n). */
bool marks_next(const struct marks *m, const struct lineidx *li, uint64_t from,
    int dir, uint64_t *out, bool *wrapped);
/* How many of the marks li holds (the title's count). O(marks log n). */
size_t marks_in(const struct marks *m, const struct lineidx *li);

#endif
