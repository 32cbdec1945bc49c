/* search.h - incremental search over a pane's lines: a smart-case regex,
 * the sorted list of matching seqs, kept up to date in slices as lines
 * arrive (model layer). Search moves to matches; it hides nothing. */
#ifndef LOGDECK_SEARCH_H
#define LOGDECK_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "lineidx.h"
#include "scrollback.h"

struct search {
	struct pattern pat;
	bool active;
	bool backward; /* the direction / or ? started */
	uint64_t *m;   /* matching seqs, sorted: m[off .. off+len) */
	size_t off, len, cap;
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
/* Test up to budget lines of li; returns how many were tested. */
long search_scan(struct search *s, const struct lineidx *li,
    const struct scrollback *sb, size_t budget);
/* True while lines of li wait to be tested. */
bool search_pending(const struct search *s, const struct lineidx *li);
/* Drop matches the store has evicted. */
void search_trim(struct search *s, const struct scrollback *sb);
/* Number of matches found so far. */
size_t search_count(const struct search *s);
/* The next match after seq (forward) or before it (!forward); false when
 * there is none. */
bool search_next(
    const struct search *s, uint64_t seq, bool forward, uint64_t *out);
/* The first (first true) or last match found; false when there is none. */
bool search_edge(const struct search *s, bool first, uint64_t *out);
/* 1-based position of the match at seq, or 0 when seq is no match. */
size_t search_pos(const struct search *s, uint64_t seq);

#endif
