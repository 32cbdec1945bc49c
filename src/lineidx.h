/* lineidx.h - the seqs of the stored lines one pane shows, in order,
 * built by scanning the store in bounded slices so that re-filtering a
 * million lines never stalls input (model layer). */
#ifndef LOGDECK_LINEIDX_H
#define LOGDECK_LINEIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "scrollback.h"

struct lineidx {
	uint64_t *v; /* sorted seqs; live entries are v[off .. off+len) */
	size_t off, len, cap;
	uint64_t next;   /* next store seq to test */
	uint64_t start;  /* where the current rebuild began (progress) */
	bool rebuilding; /* a re-filter is in progress */
};

/* Set up an empty index that will scan the store from its first line. */
void lineidx_init(struct lineidx *li, const struct scrollback *sb);
/* Free the index storage. */
void lineidx_free(struct lineidx *li);
/* Forget everything and rescan the store from its first retained line. */
void lineidx_rebuild(struct lineidx *li, const struct scrollback *sb);
/* Test up to budget store lines against f; returns how many were tested
 * (0 when caught up). -1 on allocation failure. */
long lineidx_scan(struct lineidx *li, const struct scrollback *sb,
    const struct filter *f, size_t budget);
/* True while lines are waiting to be tested. */
bool lineidx_pending(const struct lineidx *li, const struct scrollback *sb);
/* Percent of a rebuild done (100 when none is running). */
int lineidx_progress(const struct lineidx *li, const struct scrollback *sb);
/* Drop entries the store has evicted. */
void lineidx_trim(struct lineidx *li, const struct scrollback *sb);
/* Number of lines shown. */
size_t lineidx_count(const struct lineidx *li);
/* The seq at position i (< count). */
uint64_t lineidx_at(const struct lineidx *li, size_t i);
/* The first position whose seq is >= seq (count when none). */
size_t lineidx_lower(const struct lineidx *li, uint64_t seq);

#endif
