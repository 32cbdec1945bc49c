/* marks.c - the marked lines: a sorted array of seqs (see marks.h). */
#include <string.h>

#include "tui/marks.h"

/* Set up an empty set. */
void
marks_init(struct marks *m)
{
	m->n = 0;
}

/* The first index of m->seq whose seq is >= seq. */
static size_t
marks_lower(const struct marks *m, uint64_t seq)
{
	size_t lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->seq[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Mark or unmark. */
int
marks_toggle(struct marks *m, uint64_t seq)
{
	size_t k = marks_lower(m, seq);

	if (k < m->n && m->seq[k] == seq) {
		memmove(m->seq + k, m->seq + k + 1,
		    (m->n - k - 1) * sizeof m->seq[0]);
		m->n--;
		return 0;
	}
	if (m->n == MARKS_MAX)
		return -1;
	memmove(m->seq + k + 1, m->seq + k, (m->n - k) * sizeof m->seq[0]);
	m->seq[k] = seq;
	m->n++;
	return 1;
}

/* Is seq marked? */
bool
marks_has(const struct marks *m, uint64_t seq)
{
	size_t k = marks_lower(m, seq);

	return k < m->n && m->seq[k] == seq;
}

/* Drop the marks of evicted lines. */
size_t
marks_trim(struct marks *m, uint64_t first)
{
	size_t k = marks_lower(m, first);

	if (k > 0) {
		memmove(m->seq, m->seq + k, (m->n - k) * sizeof m->seq[0]);
		m->n -= k;
	}
	return k;
}

/* True when li holds line seq. */
static bool
marks_held(const struct lineidx *li, uint64_t seq)
{
	size_t k = lineidx_lower(li, seq);

	return k < lineidx_count(li) && lineidx_at(li, k) == seq;
}

/* a before b in li's order (its sort key: by seq, or time then seq). */
static bool
marks_before(const struct lineidx_ent *a, const struct lineidx_ent *b)
{
	return a->ms < b->ms || (a->ms == b->ms && a->seq < b->seq);
}

/* The next mark in li's order. */
bool
marks_next(const struct marks *m, const struct lineidx *li, uint64_t from,
    int dir, uint64_t *out, bool *wrapped)
{
	struct lineidx_ent at, k, best = {0, 0}, edge = {0, 0};
	bool have_best = false, have_edge = false;
	size_t i;

	*wrapped = false;
	lineidx_key(li, from, &at);
	for (i = 0; i < m->n; i++) {
		if (!marks_held(li, m->seq[i]))
			continue;
		lineidx_key(li, m->seq[i], &k);
		/* The nearest one past from, in the direction. */
		if (dir > 0 ? marks_before(&at, &k) : marks_before(&k, &at)) {
			if (!have_best || (dir > 0 ? marks_before(&k, &best)
			                           : marks_before(&best, &k)))
				best = k;
			have_best = true;
		}
		/* The one at the far end, for wrapping round. */
		if (!have_edge || (dir > 0 ? marks_before(&k, &edge)
		                           : marks_before(&edge, &k)))
			edge = k;
		have_edge = true;
	}
	if (have_best) {
		*out = best.seq;
		return true;
	}
	if (!have_edge)
		return false;
	*wrapped = edge.seq != from;
	*out = edge.seq;
	return true;
}

/* Count the marks li holds. */
size_t
marks_in(const struct marks *m, const struct lineidx *li)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		n += marks_held(li, m->seq[i]);
	return n;
}
