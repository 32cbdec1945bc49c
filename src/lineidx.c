/* lineidx.c - a pane's filtered view of the store, scanned in slices. */
#include <stdlib.h>
#include <string.h>

#include "lineidx.h"

/* The first allocation of an index, in entries. */
#define LINEIDX_MIN 1024

/* An empty index starting at the store's first line. */
void
lineidx_init(struct lineidx *li, const struct scrollback *sb)
{
	memset(li, 0, sizeof *li);
	li->next = li->start = sb_first(sb);
}

/* Free storage. */
void
lineidx_free(struct lineidx *li)
{
	free(li->v);
	li->v = NULL;
	li->off = li->len = li->cap = 0;
}

/* Start over from the first retained line. */
void
lineidx_rebuild(struct lineidx *li, const struct scrollback *sb)
{
	li->off = li->len = 0;
	li->next = li->start = sb_first(sb);
	li->rebuilding = li->next < sb_end(sb);
}

/* Append one seq, compacting or growing the array; -1 on failure. */
static int
lineidx_push(struct lineidx *li, uint64_t seq)
{
	uint64_t *n;
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
	li->v[li->off + li->len++] = seq;
	return 0;
}

/* Test a slice of store lines. */
long
lineidx_scan(struct lineidx *li, const struct scrollback *sb,
    const struct filter *f, size_t budget)
{
	uint64_t end = sb_end(sb), seq;
	struct sb_line line;
	uint16_t src;
	uint8_t level;
	long done = 0;
	bool cheap = filter_cheap(f);

	if (li->next < sb_first(sb))
		li->next = sb_first(sb);
	for (seq = li->next; seq < end && (size_t)done < budget; seq++) {
		done++;
		if (cheap) {
			if (!sb_meta(sb, seq, &level, &src) ||
			    !filter_pass_meta(f, level, src))
				continue;
		} else if (!sb_get(sb, seq, &line) || !filter_pass(f, &line))
			continue;
		if (lineidx_push(li, seq) == -1) {
			li->next = seq;
			return -1;
		}
	}
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

/* Drop evicted entries from the front. */
void
lineidx_trim(struct lineidx *li, const struct scrollback *sb)
{
	uint64_t first = sb_first(sb);
	size_t n = lineidx_lower(li, first);

	li->off += n;
	li->len -= n;
	if (li->len == 0)
		li->off = 0;
}

/* Entries shown. */
size_t
lineidx_count(const struct lineidx *li)
{
	return li->len;
}

/* Entry i. */
uint64_t
lineidx_at(const struct lineidx *li, size_t i)
{
	return li->v[li->off + i];
}

/* Binary search for the first entry >= seq. */
size_t
lineidx_lower(const struct lineidx *li, uint64_t seq)
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
