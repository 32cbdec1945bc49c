/* fold.c - folded repeats of one source (see fold.h). */
#include "core/fold.h"

#include <stdlib.h>
#include <string.h>

#include "core/pattern.h"

/* Entries fold_find_near steps forward from its hint before it falls
 * back to the binary search. */
#define FOLD_NEAR_STEPS 8

struct fold {
	struct fold_entry *ring; /* entry i lives at ring[i % cap] */
	size_t cap;
	uint64_t total;  /* entries opened */
	uint64_t oldest; /* first entry still held */
};

struct fold *
fold_new(size_t cap)
{
	struct fold *f;

	if (cap == 0 || cap > FOLD_MAX_ENTRIES)
		cap = FOLD_MAX_ENTRIES;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	if ((f->ring = malloc(cap * sizeof *f->ring)) == NULL) {
		free(f);
		return NULL;
	}
	f->cap = cap;
	return f;
}

void
fold_free(struct fold *f)
{
	if (f == NULL)
		return;
	free(f->ring);
	free(f);
}

/* The lines after the first in msg: newlines not at its very end. */
static uint64_t
fold_hidden_lines(const char *msg, size_t n)
{
	const char *p = msg, *end = msg + n;
	uint64_t lines = 0;

	while (n > 0 && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (++p < end)
			lines++;
	}
	return lines;
}

uint64_t
fold_add(struct fold *f, uint64_t seq, int64_t ms, int level,
    const char *msg, size_t n, bool *opened)
{
	/* Level mixed in: a WARN never folds into an INFO of one shape. */
	uint64_t h = pattern_hash(msg, n) ^ ((uint64_t)(level + 1) << 56);
	uint64_t hidden = fold_hidden_lines(msg, n);
	struct fold_entry *e;

	if (f->total > f->oldest) {
		e = &f->ring[(f->total - 1) % f->cap];
		if (e->hash == h) {
			e->last_seq = seq;
			e->count++;
			e->hidden += hidden;
			e->last_ms = ms;
			if (opened != NULL)
				*opened = false;
			return f->total - 1;
		}
	}
	if (f->total - f->oldest == f->cap)
		f->oldest++;
	e = &f->ring[f->total % f->cap];
	e->hash = h;
	e->first_seq = e->last_seq = seq;
	e->count = 1;
	e->hidden = hidden;
	e->first_ms = e->last_ms = ms;
	if (opened != NULL)
		*opened = true;
	return f->total++;
}

uint64_t
fold_total(const struct fold *f)
{
	return f->total;
}

uint64_t
fold_oldest(const struct fold *f)
{
	return f->oldest;
}

const struct fold_entry *
fold_entry(const struct fold *f, uint64_t i)
{
	if (i < f->oldest || i >= f->total)
		return NULL;
	return &f->ring[i % f->cap];
}

int64_t
fold_find(const struct fold *f, uint64_t seq)
{
	uint64_t lo = f->oldest, hi = f->total, mid;
	const struct fold_entry *e;

	/* The newest entry first: a folded index scans the lines as they
	 * come, so nearly every question is about it. */
	if (hi > lo) {
		e = &f->ring[(hi - 1) % f->cap];
		if (e->first_seq <= seq)
			return seq <= e->last_seq ? (int64_t)(hi - 1) : -1;
	}
	/* Entries are in seq order: the last one starting at or before seq. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->ring[mid % f->cap].first_seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->oldest)
		return -1;
	e = &f->ring[(lo - 1) % f->cap];
	return seq <= e->last_seq ? (int64_t)(lo - 1) : -1;
}

int64_t
fold_find_near(const struct fold *f, uint64_t seq, uint64_t *hint)
{
	uint64_t i = *hint, steps;
	const struct fold_entry *e;
	int64_t k;

	if (i >= f->oldest && i < f->total &&
	    f->ring[i % f->cap].first_seq <= seq) {
		for (steps = 0; steps <= FOLD_NEAR_STEPS; steps++) {
			if (i + 1 == f->total ||
			    f->ring[(i + 1) % f->cap].first_seq > seq) {
				*hint = i;
				e = &f->ring[i % f->cap];
				return seq <= e->last_seq ? (int64_t)i : -1;
			}
			i++;
		}
	}
	if ((k = fold_find(f, seq)) >= 0)
		*hint = (uint64_t)k;
	return k;
}
