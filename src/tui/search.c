/* search.c - the match list of a pane's search. */
#include <stdlib.h>
#include <string.h>

#include "tui/search.h"

/* The first allocation of a match list, in entries. */
#define SEARCH_MIN 256

/* An inactive search. */
void
search_init(struct search *s)
{
	memset(s, 0, sizeof *s);
	s->order = LINEIDX_BY_SEQ;
}

/* Free storage and the pattern. */
void
search_free(struct search *s)
{
	search_clear(s);
	free(s->m);
	free(s->late);
	s->m = s->late = NULL;
	s->cap = 0;
}

/* Compile the pattern and reset the matches. */
int
search_start(
    struct search *s, const char *text, bool backward, char *err, size_t errlen)
{
	struct filter_regex p;

	if (filter_regex_compile(&p, text, err, errlen) == -1)
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
	filter_regex_free(&s->pat);
	s->active = false;
	search_restart(s);
}

/* Recount from the start of the line index. */
void
search_restart(struct search *s)
{
	s->off = s->len = s->nlate = 0;
	s->next = 0;
}

/* Make room for one more match, so that adding it and merging the late
 * ones cannot fail; -1 on failure. */
static int
search_reserve(struct search *s)
{
	struct lineidx_ent *n;
	size_t ncap;

	if (s->off + s->len == s->cap) {
		if (s->off > s->len) {
			/* Only the sorted ones: the late wait apart. */
			memmove(s->m, s->m + s->off,
			    (s->len - s->nlate) * sizeof *s->m);
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
	if (s->order == LINEIDX_BY_TIME && s->late == NULL &&
	    (s->late = malloc(SEARCH_LATE_MAX * sizeof *s->late)) == NULL)
		return -1;
	return 0;
}

/* Merge this scan's late matches into the sorted ones. Nothing to merge
 * returns at once: before the first match s->m is NULL, and s->m + s->off
 * would be arithmetic on a null pointer (undefined, UBSan says). */
static void
search_merge(struct search *s)
{
	if (s->nlate == 0)
		return;
	lineidx_ent_merge(s->m + s->off, s->len - s->nlate, s->late, s->nlate);
	s->nlate = 0;
}

/* Add the match with key k, newer by seq than every match held; -1 on
 * allocation failure. */
static int
search_push(struct search *s, const struct lineidx_ent *k)
{
	size_t ns = s->len - s->nlate; /* sorted matches */

	if (search_reserve(s) == -1)
		return -1;
	if (s->len++ == 0)
		s->low = k->seq;
	/* By seq ms is always 0: every match sorts last. */
	if (ns == 0 || k->ms >= s->m[s->off + ns - 1].ms) {
		s->m[s->off + ns] = *k;
		return 0;
	}
	s->late[s->nlate] = *k;
	if (++s->nlate == SEARCH_LATE_MAX)
		search_merge(s);
	return 0;
}

/* Test a slice of the pane's lines, in arrival order from s->next: by
 * time, new lines may sit anywhere in the pane, and this still finds
 * each once. */
long
search_scan(struct search *s, const struct lineidx *li,
    const struct scrollback *sb, size_t budget)
{
	size_t n = lineidx_count(li), i;
	struct lineidx_ent k;
	struct sb_key key;
	const char *msg;
	uint32_t len;
	long done = 0;

	if (!s->active)
		return 0;
	if (s->order != li->order) {
		search_restart(s);
		s->order = li->order;
	}
	for (i = n - lineidx_count_since(li, s->next);
	     i < n && (size_t)done < budget; i++) {
		k.seq = lineidx_seq_at(li, i);
		msg = sb_msg(sb, k.seq, &len);
		if (msg == NULL || !filter_regex_match_len(&s->pat, msg, len)) {
			done++;
			continue;
		}
		k.ms = 0;
		if (s->order == LINEIDX_BY_TIME && sb_key(sb, k.seq, &key))
			k.ms = key.order_ms;
		if (search_push(s, &k) == -1) {
			search_merge(s);
			s->next = k.seq;
			return -1;
		}
		done++;
	}
	search_merge(s);
	if (done > 0)
		s->next = lineidx_seq_at(li, i - 1) + 1;
	return done;
}

/* True while lines wait: the newest seq of li is not tested yet. */
bool
search_pending(const struct search *s, const struct lineidx *li)
{
	size_t n = lineidx_count(li);

	return s->active && n > 0 && lineidx_seq_at(li, n - 1) >= s->next;
}

/* Lines waiting. */
size_t
search_left(const struct search *s, const struct lineidx *li)
{
	return s->active ? lineidx_count_since(li, s->next) : 0;
}

/* Drop evicted matches: the front by seq; by time, wherever they sit. */
void
search_trim(struct search *s, const struct scrollback *sb)
{
	struct lineidx_ent key = {0, sb_first(sb)};
	size_t n, i, kept = 0;

	if (s->len == 0 || s->low >= key.seq)
		return;
	if (s->order == LINEIDX_BY_SEQ) {
		n = lineidx_ent_lower(s->m + s->off, s->len, &key);
		s->off += n;
		s->len -= n;
	} else {
		for (i = 0; i < s->len; i++) {
			if (s->m[s->off + i].seq >= key.seq)
				s->m[s->off + kept++] = s->m[s->off + i];
		}
		s->len = kept;
	}
	if (s->len == 0) {
		s->off = 0;
		return;
	}
	s->low = s->m[s->off].seq;
	for (i = 1; s->order == LINEIDX_BY_TIME && i < s->len; i++) {
		if (s->m[s->off + i].seq < s->low)
			s->low = s->m[s->off + i].seq;
	}
}

/* Matches found. */
size_t
search_count(const struct search *s)
{
	return s->len;
}

/* Neighbouring match in the pane's order. */
bool
search_next(const struct search *s, const struct lineidx *li, uint64_t seq,
    bool forward, uint64_t *out)
{
	struct lineidx_ent key;
	size_t i;

	if (s->order != li->order)
		return false;
	lineidx_key(li, seq, &key);
	if (forward) {
		/* (ms, seq + 1) is the first key after (ms, seq). */
		key.seq++;
		i = lineidx_ent_lower(s->m + s->off, s->len, &key);
		if (i == s->len)
			return false;
	} else {
		i = lineidx_ent_lower(s->m + s->off, s->len, &key);
		if (i == 0)
			return false;
		i--;
	}
	*out = s->m[s->off + i].seq;
	return true;
}

/* The first or last match. */
bool
search_edge(const struct search *s, bool first, uint64_t *out)
{
	if (s->len == 0)
		return false;
	*out = s->m[s->off + (first ? 0 : s->len - 1)].seq;
	return true;
}

/* 1-based number of seq among matches, in the pane's order. */
size_t
search_pos(const struct search *s, const struct lineidx *li, uint64_t seq)
{
	struct lineidx_ent key;
	size_t i;

	if (s->order != li->order)
		return 0;
	lineidx_key(li, seq, &key);
	i = lineidx_ent_lower(s->m + s->off, s->len, &key);
	if (i < s->len && s->m[s->off + i].seq == seq)
		return i + 1;
	return 0;
}
