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
	free(s->run);
	free(s->late);
	s->m = s->run = s->late = NULL;
	s->cap = s->runcap = 0;
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
	s->off = s->nmain = s->nrun = s->nlate = 0;
	s->next = 0;
}

/* Make room for one more match, so that adding it and merging the late
 * ones into the side run, and the side run into the main one, cannot
 * fail; -1 on failure. */
static int
search_reserve(struct search *s)
{
	size_t need = s->nmain + s->nrun + s->nlate + 1, ncap;
	struct lineidx_ent *n;

	if (s->off + need > s->cap && s->off > 0 && s->off >= s->nmain) {
		/* The front was trimmed away: move back rather than grow
		 * (amortised: each entry moved was preceded by one dropped).
		 * Not before the first match: s->m is NULL then, and NULL +
		 * 0 is undefined (UBSan, fuzz_search). */
		memmove(s->m, s->m + s->off, s->nmain * sizeof *s->m);
		s->off = 0;
	}
	if (s->off + need > s->cap) {
		for (ncap = s->cap ? s->cap * 2 : SEARCH_MIN;
		     ncap < s->off + need; ncap *= 2)
			;
		n = realloc(s->m, ncap * sizeof *n);
		if (n == NULL)
			return -1;
		s->m = n;
		s->cap = ncap;
	}
	if (s->order != LINEIDX_BY_TIME)
		return 0;
	if (s->nrun + s->nlate + 1 > s->runcap) {
		ncap = s->runcap ? s->runcap * 2 : SEARCH_MIN;
		n = realloc(s->run, ncap * sizeof *n);
		if (n == NULL)
			return -1;
		s->run = n;
		s->runcap = ncap;
	}
	if (s->late == NULL &&
	    (s->late = malloc(SEARCH_LATE_MAX * sizeof *s->late)) == NULL)
		return -1;
	return 0;
}

/* Sort this scan's late matches into the side run, and the side run into
 * the main one once it outgrows lineidx_ent_run_max. Cannot fail:
 * search_reserve made room in both. */
static void
search_merge(struct search *s)
{
	if (s->nlate > 0) {
		lineidx_ent_merge(s->run, s->nrun, s->late, s->nlate);
		s->nrun += s->nlate;
		s->nlate = 0;
	}
	if (s->nrun > 0 && s->nrun > lineidx_ent_run_max(s->nmain)) {
		lineidx_ent_merge_sorted(s->m + s->off, s->nmain, s->run, s->nrun);
		s->nmain += s->nrun;
		s->nrun = 0;
	}
}

/* Add the match with key k, newer by seq than every match held; -1 on
 * allocation failure. */
static int
search_push(struct search *s, const struct lineidx_ent *k)
{
	if (search_reserve(s) == -1)
		return -1;
	if (s->nmain + s->nrun + s->nlate == 0)
		s->low = k->seq;
	/* By seq ms is always 0: every match sorts last. */
	if (s->nmain == 0 || k->ms >= s->m[s->off + s->nmain - 1].ms) {
		s->m[s->off + s->nmain++] = *k;
		return 0;
	}
	s->late[s->nlate] = *k;
	if (++s->nlate == SEARCH_LATE_MAX)
		search_merge(s);
	return 0;
}

/* Test a slice of the pane's lines, in arrival order from s->next: by
 * time, new lines may sit anywhere in the pane, and this still finds
 * each once. Only the message is read, and only a match's key. */
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

/* Keep the entries of e[0..n) whose seq is >= first, lowering *low to
 * the least seq kept; returns how many. */
static size_t
search_keep(struct lineidx_ent *e, size_t n, uint64_t first, uint64_t *low)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++) {
		if (e[i].seq < first)
			continue;
		if (e[i].seq < *low)
			*low = e[i].seq;
		e[kept++] = e[i];
	}
	return kept;
}

/* Drop evicted matches: the front by seq; by time, wherever they sit in
 * either run. */
void
search_trim(struct search *s, const struct scrollback *sb)
{
	struct lineidx_ent key = {0, sb_first(sb)};
	size_t n;

	if (search_count(s) == 0 || s->low >= key.seq)
		return;
	if (s->order == LINEIDX_BY_SEQ) {
		n = lineidx_ent_lower(s->m + s->off, s->nmain, &key);
		s->off += n;
		s->nmain -= n;
		if (s->nmain > 0)
			s->low = s->m[s->off].seq;
	} else {
		s->low = UINT64_MAX;
		s->nmain = search_keep(s->m + s->off, s->nmain, key.seq, &s->low);
		s->nrun = search_keep(s->run, s->nrun, key.seq, &s->low);
	}
	if (s->nmain == 0)
		s->off = 0;
}

/* Matches found. */
size_t
search_count(const struct search *s)
{
	return s->nmain + s->nrun;
}

/* The first match at or after key in the union of both runs (forward),
 * or the last one before it (!forward); false when there is none. */
static bool
search_near(const struct search *s, const struct lineidx_ent *key,
    bool forward, struct lineidx_ent *out)
{
	const struct lineidx_ent *m, *a, *b;
	size_t i, j;

	/* Before the first match s->m is NULL: no arithmetic on it. */
	if (search_count(s) == 0)
		return false;
	m = s->m + s->off;
	i = lineidx_ent_lower(m, s->nmain, key);
	j = lineidx_ent_lower(s->run, s->nrun, key);
	if (forward) {
		a = i < s->nmain ? &m[i] : NULL;
		b = j < s->nrun ? &s->run[j] : NULL;
		if (a == NULL || (b != NULL && lineidx_ent_before(b, a)))
			a = b;
	} else {
		a = i > 0 ? &m[i - 1] : NULL;
		b = j > 0 ? &s->run[j - 1] : NULL;
		if (a == NULL || (b != NULL && lineidx_ent_before(a, b)))
			a = b;
	}
	if (a == NULL)
		return false;
	*out = *a;
	return true;
}

/* Neighbouring match in the pane's order. */
bool
search_next(const struct search *s, const struct lineidx *li, uint64_t seq,
    bool forward, uint64_t *out)
{
	struct lineidx_ent key, e;

	if (s->order != li->order)
		return false;
	lineidx_key(li, seq, &key);
	/* (ms, seq + 1) is the first key after (ms, seq). */
	if (forward)
		key.seq++;
	if (!search_near(s, &key, forward, &e))
		return false;
	*out = e.seq;
	return true;
}

/* The first or last match. */
bool
search_edge(const struct search *s, bool first, uint64_t *out)
{
	struct lineidx_ent key = {first ? INT64_MIN : INT64_MAX,
	    first ? 0 : UINT64_MAX}, e;

	if (search_count(s) == 0)
		return false;
	if (!search_near(s, &key, first, &e))
		return false;
	*out = e.seq;
	return true;
}

/* 1-based number of seq among matches, in the pane's order: the matches
 * before it in either run, plus one. */
size_t
search_pos(const struct search *s, const struct lineidx *li, uint64_t seq)
{
	const struct lineidx_ent *m;
	struct lineidx_ent key;
	size_t i, j;

	if (s->order != li->order || search_count(s) == 0)
		return 0;
	m = s->m + s->off;
	lineidx_key(li, seq, &key);
	i = lineidx_ent_lower(m, s->nmain, &key);
	j = lineidx_ent_lower(s->run, s->nrun, &key);
	if ((i < s->nmain && m[i].seq == seq) ||
	    (j < s->nrun && s->run[j].seq == seq))
		return i + j + 1;
	return 0;
}
