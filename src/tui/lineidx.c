/* lineidx.c - a pane's filtered view of the store, scanned in slices. */
#include <stdlib.h>
#include <string.h>

#include "tui/lineidx.h"

/* The first allocation of an index, in entries. */
#define LINEIDX_MIN 1024

/* An empty index by seq starting at the store's first line. */
void
lineidx_init(struct lineidx *li, const struct scrollback *sb)
{
	memset(li, 0, sizeof *li);
	li->sb = sb;
	li->order = LINEIDX_BY_SEQ;
	li->next = li->start = sb_first(sb);
}

/* Free storage. */
void
lineidx_free(struct lineidx *li)
{
	free(li->v);
	free(li->e);
	free(li->run);
	free(li->late);
	free(li->fold_last);
	li->fold_last = NULL;
	li->fold = NULL;
	li->v = NULL;
	li->e = li->run = li->late = NULL;
	li->off = li->len = li->cap = li->ecap = li->nlate = 0;
	li->nrun = li->runcap = 0;
}

/* Start over from the first retained line. */
void
lineidx_rebuild(struct lineidx *li, const struct scrollback *sb)
{
	li->off = li->len = li->nlate = li->nrun = 0;
	li->next = li->start = sb_first(sb);
	li->rebuilding = li->next < sb_end(sb);
	if (li->fold_last != NULL)
		memset(li->fold_last, 0,
		    FILTER_SOURCES_MAX * sizeof *li->fold_last);
}

/* Fold or unfold, and start over. */
int
lineidx_set_fold(struct lineidx *li, const struct scrollback *sb,
    lineidx_fold_fn fn, void *arg)
{
	int rc = 0;

	if (fn != NULL && li->fold_last == NULL &&
	    (li->fold_last = calloc(
	         FILTER_SOURCES_MAX, sizeof *li->fold_last)) == NULL) {
		fn = NULL;
		rc = -1;
	}
	if (fn == NULL) {
		free(li->fold_last);
		li->fold_last = NULL;
	}
	li->fold = fn;
	li->fold_arg = arg;
	lineidx_rebuild(li, sb);
	return rc;
}

/* Folded: true when line seq (a log line that passed) is not the first
 * passing line of its source's fold entry, so it stays out. */
static bool
lineidx_folded_away(struct lineidx *li, uint64_t seq, const struct sb_key *k)
{
	int64_t e;

	if (li->fold == NULL || k->kind != SB_KIND_LOG ||
	    k->src >= FILTER_SOURCES_MAX)
		return false;
	if ((e = li->fold(li->fold_arg, seq, k->src)) < 0) {
		li->fold_last[k->src] = 0;
		return false;
	}
	if (li->fold_last[k->src] == (uint64_t)e + 1)
		return true;
	li->fold_last[k->src] = (uint64_t)e + 1;
	return false;
}

/* Change the order and start over. */
void
lineidx_set_order(
    struct lineidx *li, const struct scrollback *sb, enum lineidx_order order)
{
	if (order == LINEIDX_BY_SEQ) {
		free(li->e);
		free(li->run);
		free(li->late);
		li->e = li->run = li->late = NULL;
		li->ecap = li->runcap = 0;
	}
	li->order = order;
	lineidx_rebuild(li, sb);
}

/* Order of two by-time entries: by time, then by seq (arrival). */
static int
lineidx_cmp(const struct lineidx_ent *a, const struct lineidx_ent *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

/* a before b. */
bool
lineidx_ent_before(const struct lineidx_ent *a, const struct lineidx_ent *b)
{
	return lineidx_cmp(a, b) < 0;
}

/* lineidx_cmp for qsort. */
static int
lineidx_qcmp(const void *a, const void *b)
{
	return lineidx_cmp(a, b);
}

/* The first of the n entries of e that sorts at or after key. */
size_t
lineidx_ent_lower(
    const struct lineidx_ent *e, size_t n, const struct lineidx_ent *key)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (lineidx_cmp(&e[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first position of v (by seq) whose seq is >= seq. */
static size_t
lineidx_seq_lower(const struct lineidx *li, uint64_t seq)
{
	size_t lo = 0, hi = li->len, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (li->v[li->off + mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make room for one more entry in every array the order uses, so that
 * adding it and merging the late ones cannot fail; -1 on failure. */
static int
lineidx_reserve(struct lineidx *li)
{
	uint64_t *n;
	struct lineidx_ent *ne;
	size_t ncap;

	if (li->off + li->len == li->cap) {
		if (li->off > li->len) {
			memmove(
			    li->v, li->v + li->off, li->len * sizeof *li->v);
			li->off = 0;
		} else {
			ncap = li->cap ? li->cap * 2 : LINEIDX_MIN;
			n = realloc(li->v, ncap * sizeof *n);
			if (n == NULL)
				return -1;
			li->v = n;
			li->cap = ncap;
		}
	}
	if (li->order != LINEIDX_BY_TIME)
		return 0;
	if (li->len + 1 > li->ecap) {
		ncap = li->ecap ? li->ecap * 2 : LINEIDX_MIN;
		ne = realloc(li->e, ncap * sizeof *ne);
		if (ne == NULL)
			return -1;
		li->e = ne;
		li->ecap = ncap;
	}
	if (li->nrun + li->nlate + 1 > li->runcap) {
		ncap = li->runcap ? li->runcap * 2 : LINEIDX_MIN;
		ne = realloc(li->run, ncap * sizeof *ne);
		if (ne == NULL)
			return -1;
		li->run = ne;
		li->runcap = ncap;
	}
	if (li->late == NULL &&
	    (li->late = malloc(LINEIDX_LATE_MAX * sizeof *li->late)) == NULL)
		return -1;
	return 0;
}

/* The first of the i sorted entries of e that sorts at or after key,
 * searched from the end (galloping): O(log(i - result)), so placing
 * late entries that sit close together costs little however long e is. */
static size_t
lineidx_gallop(
    const struct lineidx_ent *e, size_t i, const struct lineidx_ent *key)
{
	size_t step = 1, lo;

	while (step <= i && lineidx_cmp(&e[i - step], key) >= 0)
		step *= 2;
	/* e[i - step/2 ..) sorts at or after key; e[i - step] (if any)
	 * before it. */
	lo = step <= i ? i - step + 1 : 0;
	return lo + lineidx_ent_lower(e + lo, i - step / 2 - lo, key);
}

/* Merge the nlate sorted entries of late into the n sorted ones of e,
 * which has room for n + nlate, from the back: each is placed by a
 * galloping search and only the entries after the earliest of them
 * move, each once. */
void
lineidx_ent_merge_sorted(struct lineidx_ent *e, size_t n,
    const struct lineidx_ent *late, size_t nlate)
{
	size_t i = n, j, p;

	for (j = nlate; j-- > 0;) {
		p = lineidx_gallop(e, i, &late[j]);
		memmove(e + p + j + 1, e + p, (i - p) * sizeof *e);
		e[p + j] = late[j];
		i = p;
	}
}

/* Sort the late entries and merge them into the sorted ones. */
void
lineidx_ent_merge(
    struct lineidx_ent *e, size_t n, struct lineidx_ent *late, size_t nlate)
{
	if (nlate == 0)
		return;
	qsort(late, nlate, sizeof *late, lineidx_qcmp);
	lineidx_ent_merge_sorted(e, n, late, nlate);
}

/* Entries in the main by-time array e. */
static size_t
lineidx_nmain(const struct lineidx *li)
{
	return li->len - li->nrun - li->nlate;
}

/* How many late entries the side run may hold beside n main ones before
 * it is merged into them: max(LINEIDX_RUN_MIN, LINEIDX_RUN_FACTOR *
 * sqrt(n)), which balances the moves within the run at every scan against
 * the moves of the main array at every merge. */
size_t
lineidx_ent_run_max(size_t n)
{
	size_t x = n, y = (n + 1) / 2; /* Newton's integer square root */

	while (y < x) {
		x = y;
		y = (x + n / x) / 2;
	}
	x *= LINEIDX_RUN_FACTOR;
	return x > LINEIDX_RUN_MIN ? x : LINEIDX_RUN_MIN;
}

/* Sort this scan's late entries into the side run, and the side run into
 * e once it outgrows lineidx_ent_run_max. Cannot fail: lineidx_reserve made
 * room in both. */
static void
lineidx_merge(struct lineidx *li)
{
	if (li->nlate > 0) {
		lineidx_ent_merge(li->run, li->nrun, li->late, li->nlate);
		li->nrun += li->nlate;
		li->nlate = 0;
	}
	if (li->nrun > lineidx_ent_run_max(lineidx_nmain(li))) {
		lineidx_ent_merge_sorted(
		    li->e, lineidx_nmain(li), li->run, li->nrun);
		li->nrun = 0;
	}
}

/* Add line seq (order time ms), the newest seq so far; -1 on failure. */
static int
lineidx_add(struct lineidx *li, uint64_t seq, int64_t ms)
{
	size_t ne = lineidx_nmain(li); /* entries in e */

	if (lineidx_reserve(li) == -1)
		return -1;
	li->v[li->off + li->len++] = seq;
	if (li->order != LINEIDX_BY_TIME)
		return 0;
	if (ne == 0 || ms >= li->e[ne - 1].ms) {
		/* In order: the seq is newer than every entry. */
		li->e[ne].ms = ms;
		li->e[ne].seq = seq;
		return 0;
	}
	li->late[li->nlate].ms = ms;
	li->late[li->nlate].seq = seq;
	if (++li->nlate == LINEIDX_LATE_MAX)
		lineidx_merge(li);
	return 0;
}

/* Whether the line with key k passes f: markers need only their source. */
static bool
lineidx_pass(const struct scrollback *sb, uint64_t seq, const struct sb_key *k,
    const struct filter *f, bool cheap, bool raw)
{
	struct sb_line line;

	if (k->kind != SB_KIND_LOG)
		return filter_has_source(f, k->src);
	if (cheap)
		return filter_pass_meta(f, k->level, k->src);
	if (!filter_pass_meta(f, k->level, k->src))
		return false;
	return (raw ? sb_get_raw(sb, seq, &line) : sb_get(sb, seq, &line)) &&
	       filter_pass(f, &line);
}

/* Test a slice of store lines. */
long
lineidx_scan(struct lineidx *li, const struct scrollback *sb,
    const struct filter *f, size_t budget)
{
	uint64_t end = sb_end(sb), seq;
	struct sb_key k;
	long done = 0;
	bool cheap = filter_cheap(f), raw = filter_reads_event(f);

	if (li->next < sb_first(sb))
		li->next = sb_first(sb);
	for (seq = li->next; seq < end && (size_t)done < budget; seq++) {
		done++;
		if (!sb_key(sb, seq, &k) ||
		    !lineidx_pass(sb, seq, &k, f, cheap, raw) ||
		    lineidx_folded_away(li, seq, &k))
			continue;
		if (lineidx_add(li, seq, k.order_ms) == -1) {
			/* Tried again from this line: not folded away then. */
			if (li->fold_last != NULL && k.src < FILTER_SOURCES_MAX)
				li->fold_last[k.src] = 0;
			lineidx_merge(li);
			li->next = seq;
			return -1;
		}
	}
	lineidx_merge(li);
	li->next = seq;
	if (seq == end)
		li->rebuilding = false;
	return done;
}

/* Lines left to test. */
bool
lineidx_pending(const struct lineidx *li, const struct scrollback *sb)
{
	return li->next < sb_end(sb);
}

/* Rebuild progress in percent. */
int
lineidx_progress(const struct lineidx *li, const struct scrollback *sb)
{
	uint64_t start = li->start, end = sb_end(sb);

	if (!li->rebuilding || end <= start)
		return 100;
	if (start < sb_first(sb))
		start = sb_first(sb);
	if (li->next <= start)
		return 0;
	return (int)((li->next - start) * 100 / (end - start));
}

/* Keep the entries of e[0..n) whose seq is >= first; returns how many. */
static size_t
lineidx_ent_keep(struct lineidx_ent *e, size_t n, uint64_t first)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++) {
		if (e[i].seq >= first)
			e[kept++] = e[i];
	}
	return kept;
}

/* Drop evicted entries: the front of v; by time, wherever they sit in e
 * and in the side run. */
void
lineidx_trim(struct lineidx *li, const struct scrollback *sb)
{
	uint64_t first = sb_first(sb);
	size_t n = lineidx_seq_lower(li, first), ne;

	if (n == 0)
		return;
	if (li->order == LINEIDX_BY_TIME)
		lineidx_merge(li); /* no unsorted late entries from here on */
	ne = lineidx_nmain(li);
	li->off += n;
	li->len -= n;
	if (li->len == 0)
		li->off = 0;
	if (li->order != LINEIDX_BY_TIME)
		return;
	/* What is kept of e is li->len - nrun: each dropped entry was in v. */
	li->nrun = lineidx_ent_keep(li->run, li->nrun, first);
	lineidx_ent_keep(li->e, ne, first);
}

/* Entries shown. */
size_t
lineidx_count(const struct lineidx *li)
{
	return li->len;
}

/* Entry i of the union of the two sorted by-time runs (e and the side
 * run): j, the number of side-run entries before position i, is found by
 * binary search, as in a merge of the two. */
static const struct lineidx_ent *
lineidx_time_at(const struct lineidx *li, size_t i)
{
	const struct lineidx_ent *a = li->e, *b = li->run;
	size_t na = lineidx_nmain(li), nb = li->nrun;
	size_t lo = i > na ? i - na : 0, hi = i < nb ? i : nb, mid;

	/* The smallest j with b[j] after a[i - j - 1]: then b[0..j) and
	 * a[0..i-j) are the first i entries. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (lineidx_cmp(&b[mid], &a[i - mid - 1]) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nb && (i - lo >= na || lineidx_cmp(&b[lo], &a[i - lo]) < 0))
		return &b[lo];
	return &a[i - lo];
}

/* Entry i. */
uint64_t
lineidx_at(const struct lineidx *li, size_t i)
{
	if (li->order != LINEIDX_BY_TIME)
		return li->v[li->off + i];
	if (li->nrun == 0)
		return li->e[i].seq;
	return lineidx_time_at(li, i)->seq;
}

/* Entry i in seq order. */
uint64_t
lineidx_seq_at(const struct lineidx *li, size_t i)
{
	return li->v[li->off + i];
}

/* The sort key of line seq in li's order. */
void
lineidx_key(const struct lineidx *li, uint64_t seq, struct lineidx_ent *out)
{
	struct sb_key k;

	out->seq = seq;
	if (li->order != LINEIDX_BY_TIME)
		out->ms = 0;
	else if (seq >= sb_end(li->sb))
		out->ms = INT64_MAX; /* after every line written */
	else if (!sb_key(li->sb, seq, &k))
		out->ms = INT64_MIN; /* evicted: before every line held */
	else
		out->ms = k.order_ms;
}

/* Where line seq is or would go. */
size_t
lineidx_lower(const struct lineidx *li, uint64_t seq)
{
	struct lineidx_ent key;

	if (li->order != LINEIDX_BY_TIME)
		return lineidx_seq_lower(li, seq);
	lineidx_key(li, seq, &key);
	return lineidx_ent_lower(li->e, lineidx_nmain(li), &key) +
	       lineidx_ent_lower(li->run, li->nrun, &key);
}

/* Entries with a seq >= seq. */
size_t
lineidx_count_since(const struct lineidx *li, uint64_t seq)
{
	return li->len - lineidx_seq_lower(li, seq);
}
