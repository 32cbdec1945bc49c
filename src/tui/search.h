/* search.h - incremental search over a pane's lines: a smart-case regex,
 * the list of matching lines in the pane's order, kept up to date in
 * slices as lines arrive (model layer). Search moves to matches; it hides
 * nothing.
 *
 * Lines are tested in arrival (seq) order, each once, whatever the pane's
 * order: in a pane by time a late line lands above lines already tested,
 * and it is still tested, once, when it arrives. The matches are kept
 * sorted as the pane shows them (lineidx_key), so next, previous, the
 * edges and a match's number follow the screen in both orders. By time
 * they are kept as a by-time index keeps its lines (lineidx.h): a main
 * sorted run and a side run of late matches, merged into the main one
 * only once it outgrows lineidx_ent_run_max, so a late match does not
 * move every later match at each scan. */
#ifndef LOGDECK_SEARCH_H
#define LOGDECK_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui/scrollback.h"

/* Matches of one scan that sort before the last match (by time) are
 * sorted into the side run in batches of at most this many. */
#define SEARCH_LATE_MAX 4096

struct search {
	struct filter_regex pat;
	bool active;
	bool backward;            /* the direction / or ? started */
	enum lineidx_order order; /* the order the matches are sorted in */
	/* The matches by lineidx_key, as two sorted runs whose union is the
	 * list: the main one m[off..off+nmain) and (by time only) the side
	 * run of late matches run[0..nrun); late[0..nlate) are this scan's
	 * late ones, not yet sorted (0 between scans). */
	struct lineidx_ent *m;
	size_t off, nmain, cap;
	struct lineidx_ent *run;
	size_t nrun, runcap;
	struct lineidx_ent *late;
	size_t nlate;
	uint64_t low;  /* the lowest seq of any match, when there is one */
	uint64_t next; /* next seq of the line index to test */
};

/* Set up an inactive search. */
void search_init(struct search *s);
/* Free the search's storage. */
void search_free(struct search *s);
/* Start searching for text (replacing any search); 0, or -1 with a
 * reason. The match list is rebuilt by search_scan. */
int search_start(struct search *s, const char *text, bool backward, char *err,
    size_t errlen);
/* Stop searching. */
void search_clear(struct search *s);
/* Start counting again from the first line (after a re-filter). */
void search_restart(struct search *s);
/* Test up to budget lines of li that have not been tested, in seq order;
 * returns how many were tested, or -1 on allocation failure (the next call
 * goes on from the first line not tested). When li's order is not the one
 * the matches are kept in, counting starts again in li's order. Cost per
 * line: the match (filter_regex_match_len: the literal scan, and regexec
 * only where it cannot decide), plus O(1) amortised for a match that
 * sorts last; by time, a late match costs O(log n + sqrt n) amortised
 * (the side run, as lineidx). */
long search_scan(struct search *s, const struct lineidx *li,
    const struct scrollback *sb, size_t budget);
/* True while lines of li wait to be tested. O(1). */
bool search_pending(const struct search *s, const struct lineidx *li);
/* How many lines of li wait to be tested (0 when inactive). O(log n). */
size_t search_left(const struct search *s, const struct lineidx *li);
/* Drop matches the store has evicted. By seq O(log n); by time O(1) when
 * none is held, else one O(matches) pass over both runs (they can sit
 * anywhere). */
void search_trim(struct search *s, const struct scrollback *sb);
/* Number of matches found so far. */
size_t search_count(const struct search *s);
/* The next match after line seq (forward) or before it (!forward) in li's
 * order; false when there is none, or when the matches were counted in
 * another order than li's (until search_scan recounts). O(log n): a
 * search in each run. */
bool search_next(const struct search *s, const struct lineidx *li, uint64_t seq,
    bool forward, uint64_t *out);
/* The first (first true) or last match found in the pane's order; false
 * when there is none. */
bool search_edge(const struct search *s, bool first, uint64_t *out);
/* 1-based number of the match at line seq in li's order, or 0 when seq is
 * no match (or the orders differ, as for search_next). O(log n). */
size_t search_pos(
    const struct search *s, const struct lineidx *li, uint64_t seq);

#endif
