/* search.c - the match list of a pane's search. */
#include <stdlib.h>
#include <string.h>

#include "search.h"

/* The first allocation of a match list, in entries. */
#define SEARCH_MIN 256

/* An inactive search. */
void
search_init(struct search *s)
{
	memset(s, 0, sizeof *s);
}

/* Free storage and the pattern. */
void
search_free(struct search *s)
{
	search_clear(s);
	free(s->m);
	s->m = NULL;
	s->cap = 0;
}

/* Compile the pattern and reset the matches. */
int
search_start(
    struct search *s, const char *text, bool backward, char *err, size_t errlen)
{
	struct pattern p;

	if (pattern_compile(&p, text, err, errlen) == -1)
		return -1;
	search_clear(s);
	s->pat = p;
	s->active = true;
	s->backward = backward;
	return 0;
}

/* Forget the pattern and matches. */
void
search_clear(struct search *s)
{
	pattern_free(&s->pat);
	s->active = false;
	s->off = s->len = 0;
	s->next = 0;
}

/* Recount from the start of the line index. */
void
search_restart(struct search *s)
{
	s->off = s->len = 0;
	s->next = 0;
}

/* Append a match; -1 on allocation failure. */
static int
search_push(struct search *s, uint64_t seq)
{
	uint64_t *n;
	size_t ncap;

	if (s->off + s->len == s->cap) {
		if (s->off > s->len) {
			memmove(s->m, s->m + s->off, s->len * sizeof *s->m);
			s->off = 0;
		} else {
			ncap = s->cap ? s->cap * 2 : SEARCH_MIN;
			n = realloc(s->m, ncap * sizeof *n);
			if (n == NULL)
				return -1;
			s->m = n;
			s->cap = ncap;
		}
	}
	s->m[s->off + s->len++] = seq;
	return 0;
}

/* Test a slice of the pane's lines. */
long
search_scan(struct search *s, const struct lineidx *li,
    const struct scrollback *sb, size_t budget)
{
	size_t i = lineidx_lower(li, s->next), n = lineidx_count(li);
	struct sb_line line;
	long done = 0;
	uint64_t seq;

	if (!s->active)
		return 0;
	for (; i < n && (size_t)done < budget; i++) {
		seq = lineidx_at(li, i);
		done++;
		s->next = seq + 1;
		if (sb_get(sb, seq, &line) &&
		    pattern_match(&s->pat, line.msg) &&
		    search_push(s, seq) == -1)
			return -1;
	}
	return done;
}

/* True while lines wait. */
bool
search_pending(const struct search *s, const struct lineidx *li)
{
	size_t n = lineidx_count(li);

	return s->active && n > 0 && lineidx_at(li, n - 1) >= s->next;
}

/* First match position >= seq. */
static size_t
search_lower(const struct search *s, uint64_t seq)
{
	size_t lo = 0, hi = s->len, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->m[s->off + mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Drop evicted matches. */
void
search_trim(struct search *s, const struct scrollback *sb)
{
	size_t n = search_lower(s, sb_first(sb));

	s->off += n;
	s->len -= n;
	if (s->len == 0)
		s->off = 0;
}

/* Matches found. */
size_t
search_count(const struct search *s)
{
	return s->len;
}

/* Neighbouring match. */
bool
search_next(const struct search *s, uint64_t seq, bool forward, uint64_t *out)
{
	size_t i;

	if (forward) {
		i = search_lower(s, seq + 1);
		if (i == s->len)
			return false;
	} else {
		i = search_lower(s, seq);
		if (i == 0)
			return false;
		i--;
	}
	*out = s->m[s->off + i];
	return true;
}

/* The first or last match. */
bool
search_edge(const struct search *s, bool first, uint64_t *out)
{
	if (s->len == 0)
		return false;
	*out = s->m[s->off + (first ? 0 : s->len - 1)];
	return true;
}

/* 1-based position of seq among matches. */
size_t
search_pos(const struct search *s, uint64_t seq)
{
	size_t i = search_lower(s, seq);

	if (i < s->len && s->m[s->off + i] == seq)
		return i + 1;
	return 0;
}
