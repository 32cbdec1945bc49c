/* reader.c - one log pane's reader: where it is in the lines its filter
 * passes and how it moves (model layer, no curses; see reader.h). */
#include <string.h>

#include "tui/reader.h"

/* Set up a reader. */
void
reader_init(struct reader *r, const struct scrollback *sb)
{
	memset(r, 0, sizeof *r);
	r->sb = sb;
	filter_init(&r->f);
	lineidx_init(&r->li, sb);
	search_init(&r->s);
	r->follow = true;
}

/* Free what a reader holds. */
void
reader_free(struct reader *r)
{
	filter_free(&r->f);
	lineidx_free(&r->li);
	search_free(&r->s);
}

/* Scan again from the first line. */
void
reader_refilter(struct reader *r)
{
	lineidx_rebuild(&r->li, r->sb);
	search_restart(&r->s);
}

/* Index of the reader's line. */
size_t
reader_cur_index(const struct reader *r)
{
	size_t n = lineidx_count(&r->li), k;

	if (n == 0)
		return 0;
	if (r->follow)
		return n - 1;
	k = lineidx_lower(&r->li, r->cur);
	return k < n ? k : n - 1;
}

/* Seq of the reader's line. */
bool
reader_cur_seq(const struct reader *r, uint64_t *seq)
{
	if (lineidx_count(&r->li) == 0)
		return false;
	*seq = lineidx_at(&r->li, reader_cur_index(r));
	return true;
}

/* Stop following: the last line shown becomes the current line, at the
 * row the last frame put it. */
void
reader_pause(struct reader *r)
{
	size_t n = lineidx_count(&r->li), last;

	if (!r->follow)
		return;
	r->follow = false;
	r->pause_end = sb_end(r->sb);
	if (n == 0) {
		r->cur = sb_end(r->sb);
		r->cur_row = 0;
		return;
	}
	last = n - 1;
	r->cur = lineidx_at(&r->li, last);
	r->cur_row = last >= r->top ? (int)(last - r->top) : 0;
	if (r->rows > 0 && r->cur_row >= r->rows)
		r->cur_row = r->rows - 1;
}

/* Follow again. */
void
reader_follow(struct reader *r)
{
	r->follow = true;
}

/* Move by delta lines, the row moving with the line within the screen. */
void
reader_move(struct reader *r, long delta)
{
	size_t n = lineidx_count(&r->li), idx;
	long to, row;

	if (n == 0)
		return;
	if (r->follow) {
		if (delta >= 0)
			return;
		reader_pause(r);
	}
	idx = reader_cur_index(r);
	to = (long)idx + delta;
	if (to < 0)
		to = 0;
	if (to > (long)n - 1)
		to = (long)n - 1;
	row = r->cur_row + (to - (long)idx);
	if (row < 0)
		row = 0;
	if (r->rows > 0 && row > r->rows - 1)
		row = r->rows - 1;
	if (row > to)
		row = to;
	r->cur = lineidx_at(&r->li, (size_t)to);
	r->cur_row = (int)row;
}

/* The first line at the top. */
void
reader_first(struct reader *r)
{
	if (lineidx_count(&r->li) == 0)
		return;
	reader_pause(r);
	r->cur = lineidx_at(&r->li, 0);
	r->cur_row = 0;
}

/* The last line. */
void
reader_last(struct reader *r)
{
	if (lineidx_count(&r->li) == 0)
		return;
	reader_pause(r);
	reader_move(r, (long)lineidx_count(&r->li));
}

/* Go to seq, keeping its row when it is in the frame. */
void
reader_goto(struct reader *r, uint64_t seq)
{
	size_t idx;

	reader_pause(r);
	idx = lineidx_lower(&r->li, seq);
	if (idx >= r->top && idx < r->top + r->shown)
		r->cur_row = (int)(idx - r->top);
	else
		r->cur_row = r->rows / 2;
	if ((size_t)r->cur_row > idx)
		r->cur_row = (int)idx;
	r->cur = seq;
}

/* The next line at a level. */
bool
reader_jump_level(struct reader *r, int dir, uint8_t lv, bool at_least)
{
	size_t n = lineidx_count(&r->li), idx;
	uint8_t level;
	uint16_t src;
	long k;

	if (n == 0)
		return false;
	idx = reader_cur_index(r);
	for (k = (long)idx + dir; k >= 0 && k < (long)n; k += dir) {
		if (!sb_meta(r->sb, lineidx_at(&r->li, k), &level, &src))
			continue;
		if (level == lv ||
		    (at_least && level >= lv && level != LEVEL_OTHER)) {
			reader_goto(r, lineidx_at(&r->li, k));
			return true;
		}
	}
	return false;
}

/* The next match. */
enum reader_found
reader_match(struct reader *r, bool same_dir)
{
	bool fwd = r->s.backward ? !same_dir : same_dir;
	size_t n = lineidx_count(&r->li);
	enum reader_found how = READER_FOUND;
	uint64_t from, to;
	bool found;

	if (!r->s.active)
		return READER_NO_SEARCH;
	if (n == 0)
		return READER_NONE;
	from = lineidx_at(&r->li, reader_cur_index(r));
	/* Following, going back, the last line itself counts: the last match
	 * in the pane's order. */
	if (r->follow && !fwd)
		found = search_edge(&r->s, false, &to);
	else
		found = search_next(&r->s, &r->li, from, fwd, &to);
	if (!found) {
		/* Wrap around, as less and vi do. */
		if (!search_edge(&r->s, fwd, &to))
			return READER_NONE;
		how = READER_WRAPPED;
	}
	reader_goto(r, to);
	return how;
}

/* Remember the place an incremental search starts from. */
void
reader_isearch_begin(struct reader *r)
{
	r->is_cur = r->cur;
	r->is_follow = r->follow;
	r->is_row = r->cur_row;
}

/* The incremental step: from where the search began, in its direction,
 * wrapping around the ends, the first line that matches. */
void
reader_isearch(struct reader *r, const char *text, bool backward)
{
	size_t n = lineidx_count(&r->li), idx, k, looked = 0;
	struct sb_line l;
	char err[128];

	if (*text == '\0') {
		search_clear(&r->s);
		return;
	}
	if (search_start(&r->s, text, backward, err, sizeof err) == -1)
		return; /* half-typed regex: keep the last good one */
	if (n == 0)
		return;
	idx = r->is_follow ? n - 1 : lineidx_lower(&r->li, r->is_cur);
	if (idx >= n)
		idx = n - 1;
	for (k = idx; looked < READER_ISEARCH_LINES && looked < n; looked++) {
		if (sb_get(r->sb, lineidx_at(&r->li, k), &l) &&
		    filter_regex_match_len(&r->s.pat, l.msg, l.msg_len)) {
			reader_goto(r, lineidx_at(&r->li, k));
			return;
		}
		k = backward ? (k == 0 ? n - 1 : k - 1)
		             : (k + 1 == n ? 0 : k + 1);
	}
}

/* Put the reader back where the search began. */
void
reader_isearch_cancel(struct reader *r)
{
	search_clear(&r->s);
	r->follow = r->is_follow;
	r->cur = r->is_cur;
	r->cur_row = r->is_row;
}

/* Rows of line seq, 0 when it is gone from the store (*ok false). */
static int
reader_height(const struct reader *r, size_t k, reader_height_fn height,
    void *arg, bool *ok)
{
	struct sb_line l;

	*ok = sb_get(r->sb, lineidx_at(&r->li, k), &l);
	if (!*ok)
		return 0;
	return height != NULL ? height(arg, &l) : 1;
}

/* Lay out the frame. */
void
reader_frame(struct reader *r, int rows, reader_height_fn height, void *arg)
{
	size_t n = lineidx_count(&r->li), top, cur, k;
	int used, y;
	bool ok;

	r->rows = rows;
	r->top = r->shown = 0;
	if (n == 0 || rows <= 0)
		return;
	if (r->follow) {
		/* Fill from the newest line upwards. */
		y = 0;
		top = n;
		while (top > 0) {
			used = reader_height(r, top - 1, height, arg, &ok);
			if (!ok || (y + used > rows && y > 0))
				break;
			y += used;
			top--;
		}
	} else {
		cur = reader_cur_index(r);
		top = cur > (size_t)r->cur_row ? cur - r->cur_row : 0;
		/* With wrapping, long lines can push the reader's line off:
		 * drop lines from the top until it fits. */
		while (height != NULL && top < cur) {
			y = 0;
			for (k = top; k <= cur && y <= rows; k++)
				y += reader_height(r, k, height, arg, &ok);
			if (y <= rows)
				break;
			top++;
		}
	}
	/* What fits from there: a tall last line is cut at the bottom. */
	y = 0;
	for (k = top; k < n && y < rows; k++) {
		used = reader_height(r, k, height, arg, &ok);
		if (ok)
			y += used < rows - y ? used : rows - y;
	}
	r->top = top;
	r->shown = k - top;
}
