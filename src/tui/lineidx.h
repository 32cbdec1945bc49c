/* lineidx.h - the seqs of the stored lines one pane shows, in order,
 * built by scanning the store in bounded slices so that re-filtering a
 * million lines never stalls input (model layer).
 *
 * Two orders. LINEIDX_BY_SEQ (the default) is arrival order. LINEIDX_BY_TIME
 * is for merged panes, where each source's history arrives as one block
 * and live lines can step back in time: entries are sorted by the store's
 * order time (sb_line.order_ms), then by seq, so lines of one millisecond
 * keep their arrival order.
 *
 * Marker lines (sb_append_mark) of a shown source are always in the index,
 * whatever the filter's level floor and patterns; they are hidden only with
 * their source.
 *
 * Positions (0 .. lineidx_count) are only valid until the next call that
 * changes the index (scan, trim, rebuild, set_order): by time, a late line
 * lands in the middle and moves every position after it. Keep a seq, not a
 * position, and find it again with lineidx_lower. */
#ifndef LOGDECK_LINEIDX_H
#define LOGDECK_LINEIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/filter.h"
#include "tui/scrollback.h"

/* Folding (core/fold.h): the fold entry a stored line belongs to, or -1
 * when it is in none (not added to a fold, or dropped from its ring). */
typedef int64_t (*lineidx_fold_fn)(void *arg, uint64_t seq, uint16_t src);

/* Lines of one scan that go before the newest entry (by time) are sorted
 * and merged into the side run in batches of at most this many. */
#define LINEIDX_LATE_MAX 8192
/* The side run of late lines is merged into the main by-time array once
 * it holds more than max(LINEIDX_RUN_MIN, LINEIDX_RUN_FACTOR * sqrt(main
 * entries)) of them: a late line then costs O(sqrt n) moves amortised
 * instead of moving every newer entry at each scan. */
#define LINEIDX_RUN_MIN 16384
#define LINEIDX_RUN_FACTOR 32

enum lineidx_order {
	LINEIDX_BY_SEQ,  /* arrival order */
	LINEIDX_BY_TIME, /* (order_ms, seq) */
};

/* One entry of a by-time index, and the sort key of a line in either
 * order (by seq, ms is 0). Search keeps its matches in the same order. */
struct lineidx_ent {
	int64_t ms; /* the line's order time, copied from the store */
	uint64_t seq;
};

struct lineidx {
	const struct scrollback *sb; /* the store it indexes (not owned) */
	enum lineidx_order order;
	uint64_t *v; /* the seqs shown, by seq: v[off .. off+len) (both
	                orders; by seq it is the index itself) */
	size_t off, len, cap;
	/* BY_TIME: the same lines by time, as two sorted runs whose union is
	 * the index: the main one e[0..len-nrun-nlate) and the side run of
	 * late lines run[0..nrun); late[0..nlate) are this scan's late lines,
	 * not yet sorted (counted in len, shown only once merged). */
	struct lineidx_ent *e;
	size_t ecap;
	struct lineidx_ent *run;
	size_t nrun, runcap;
	struct lineidx_ent *late;
	size_t nlate;
	uint64_t next;   /* next store seq to test */
	uint64_t start;  /* where the current rebuild began (progress) */
	bool rebuilding; /* a re-filter is in progress */
	/* Folded (lineidx_set_fold): of the log lines of one source that
	 * pass the filter and belong to one fold entry, only the first is
	 * added; the rest stay in the store, where filters tested them. */
	lineidx_fold_fn fold;
	void *fold_arg;
	uint64_t *fold_last; /* per source: 1 + the entry of its last line
	                        added; 0: none (FILTER_SOURCES_MAX, owned) */
};

/* Set up an empty index by seq of store sb (which must outlive it; every
 * call taking sb must pass the same one) that will scan from its first
 * line. Allocates nothing. */
void lineidx_init(struct lineidx *li, const struct scrollback *sb);
/* Free the index storage (the index is then empty; init again to reuse). */
void lineidx_free(struct lineidx *li);
/* Forget every entry and rescan the store from its first retained line,
 * in the same order. O(1); the memory is kept for the rescan. */
void lineidx_rebuild(struct lineidx *li, const struct scrollback *sb);
/* Switch to order and rebuild (as lineidx_rebuild), even when the order
 * is unchanged. Switching to BY_SEQ frees the by-time arrays. */
void lineidx_set_order(
    struct lineidx *li, const struct scrollback *sb, enum lineidx_order order);
/* Fold the index (fn non-NULL: fn names each line's fold entry, arg is
 * passed to it) or unfold it (fn NULL), and rebuild. 0, or -1 when out of
 * memory (the index is then left unfolded). */
int lineidx_set_fold(struct lineidx *li, const struct scrollback *sb,
    lineidx_fold_fn fn, void *arg);
/* Test up to budget store lines against f (markers: only their source)
 * and add those that pass; returns how many were tested (0 when caught
 * up), or -1 on allocation failure (what was added stays, and the next
 * call goes on from the first line not added). Cost per line: the filter,
 * plus O(1) amortised for a line that sorts last. By time, lines that go
 * before the newest entry are sorted and merged into a side run at the
 * end of the scan (or per LINEIDX_LATE_MAX of them), and the side run
 * into the main array when it outgrows its bound (LINEIDX_RUN_MIN): a
 * late line costs O(log n + sqrt n) amortised, however far back it goes. */
long lineidx_scan(struct lineidx *li, const struct scrollback *sb,
    const struct filter *f, size_t budget);
/* True while lines are waiting to be tested. */
bool lineidx_pending(const struct lineidx *li, const struct scrollback *sb);
/* Percent of a rebuild done (100 when none is running). */
int lineidx_progress(const struct lineidx *li, const struct scrollback *sb);
/* Drop the entries the store has evicted. By seq O(log n); by time O(log n)
 * when none is held, else one O(n) pass (they can sit anywhere). */
void lineidx_trim(struct lineidx *li, const struct scrollback *sb);
/* Number of lines shown. O(1). */
size_t lineidx_count(const struct lineidx *li);
/* The seq at position i (< count). By seq O(1); by time O(log n) while a
 * side run of late lines is pending, else O(1). */
uint64_t lineidx_at(const struct lineidx *li, size_t i);
/* The i-th shown seq in seq (arrival) order (i < count), whatever the
 * order: with lineidx_count_since it walks the lines that came after a
 * given seq, as search must in a by-time pane. O(1). */
uint64_t lineidx_seq_at(const struct lineidx *li, size_t i);
/* The position of line seq, or where it would go when the index does not
 * hold it (count when it sorts after every entry). O(log n). By time the
 * line's order time is read from the index's store: a seq not written yet
 * gives count, an evicted one 0 (the start, as by seq once trimmed). */
size_t lineidx_lower(const struct lineidx *li, uint64_t seq);
/* Entries whose seq is >= seq, wherever they sit: the "+N new" count of a
 * paused pane, right even when new lines land above the reader. O(log n),
 * both orders. */
size_t lineidx_count_since(const struct lineidx *li, uint64_t seq);
/* The sort key of line seq in li's order: (0, seq) by seq; by time
 * (order time, seq), a seq not written yet sorting after every line and
 * an evicted one before every line held. O(1). */
void lineidx_key(
    const struct lineidx *li, uint64_t seq, struct lineidx_ent *out);

/* Arrays sorted by (ms, seq), as a by-time index and a search's matches
 * keep them. The first of the n entries of e that sorts at or after key.
 * O(log n). */
size_t lineidx_ent_lower(
    const struct lineidx_ent *e, size_t n, const struct lineidx_ent *key);
/* Sort the nlate entries of late and merge them into the n sorted ones of
 * e, which has room for n + nlate: only the entries after the earliest
 * late one move, each once. O(nlate log n + moved). */
void lineidx_ent_merge(
    struct lineidx_ent *e, size_t n, struct lineidx_ent *late, size_t nlate);
/* As lineidx_ent_merge for nlate entries already sorted. */
void lineidx_ent_merge_sorted(struct lineidx_ent *e, size_t n,
    const struct lineidx_ent *late, size_t nlate);
/* How many late entries a side run may hold beside n in its main run
 * before it is merged into them: max(LINEIDX_RUN_MIN, LINEIDX_RUN_FACTOR
 * * sqrt(n)). The index by time and a search's matches both keep their
 * late ones so. */
size_t lineidx_ent_run_max(size_t n);
/* True when entry a sorts before entry b (by time, then by seq). */
bool lineidx_ent_before(
    const struct lineidx_ent *a, const struct lineidx_ent *b);

#endif
