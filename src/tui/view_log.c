/* view_log.c - a log pane: time, level, source tag and message per line,
 * following the newest line or held still while the reader looks. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Width of the source tag column in the merged view. */
#define VIEW_LOG_TAG_W 12
/* Narrowest message column wrapped rows line up under; narrower panes
 * wrap onto nearly their whole width instead. */
#define VIEW_LOG_MSG_MIN 16
/* Indent of such wrapped rows. */
#define VIEW_LOG_INDENT 2
/* Longest fold row drawn (x214, the times, the shape, hidden lines). */
#define VIEW_LOG_FOLD_MAX 512
/* Most minutes the header's timeline shows, and fewest worth drawing. */
#define VIEW_LOG_TIMELINE_MAX 60
#define VIEW_LOG_TIMELINE_MIN 8

/* Unix time now in ms. */
static int64_t
view_log_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Format a timestamp: HH:MM:SS.mmm, -1m05s, or nothing. */
void
view_log_time(const struct tui *t, int64_t ts_ms, char *out, size_t outlen)
{
	struct tm tm;
	time_t sec;
	int64_t d;

	if (t->ts == TUI_TS_OFF) {
		out[0] = '\0';
		return;
	}
	if (ts_ms == INT64_MIN) {
		snprintf(out, outlen, "%s",
		    t->ts == TUI_TS_ABSOLUTE ? "--:--:--.---" : "      ?");
		return;
	}
	if (t->ts == TUI_TS_RELATIVE) {
		d = (view_log_now() - ts_ms) / 1000;
		if (d < 0)
			d = 0;
		if (d < 60)
			snprintf(out, outlen, "%6llds", (long long)d);
		else if (d < 3600)
			snprintf(out, outlen, "%3lldm%02llds",
			    (long long)(d / 60), (long long)(d % 60));
		else if (d < 100 * 3600)
			snprintf(out, outlen, "%3lldh%02lldm",
			    (long long)(d / 3600), (long long)(d / 60 % 60));
		else if (d < 1000LL * 86400)
			snprintf(out, outlen, "%3lldd%02lldh",
			    (long long)(d / 86400), (long long)(d / 3600 % 24));
		else
			snprintf(out, outlen, "%6lldd",
			    (long long)(d / 86400 % 1000000));
		return;
	}
	sec = (time_t)(ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000);
	if (t->o->utc)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	snprintf(out, outlen, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ts_ms - (int64_t)sec * 1000));
}

/* A count in at most 5 columns: 1234, 12k, 1.2M. */
static void
view_log_count(uint64_t n, char *out, size_t outlen)
{
	if (n < 100000)
		snprintf(out, outlen, "%llu", (unsigned long long)n);
	else if (n < 10000000)
		snprintf(out, outlen, "%lluk", (unsigned long long)(n / 1000));
	else
		snprintf(out, outlen, "%lluM",
		    (unsigned long long)(n / 1000000 % 100000));
}

/* The colour role of a level. */
static int
view_log_level_color(uint8_t level)
{
	switch (level) {
	case LEVEL_TRACE:
		return COL_TRACE;
	case LEVEL_DEBUG:
		return COL_DEBUG;
	case LEVEL_WARN:
		return COL_WARN;
	case LEVEL_ERROR:
		return COL_ERROR;
	case LEVEL_FATAL:
		return COL_FATAL;
	default:
		return COL_INFO;
	}
}

/* Columns before the message: time, level, tag. */
static int
view_log_prefix_w(const struct tui *t, const struct tui_pane *p)
{
	int w = 6;

	if (t->ts == TUI_TS_ABSOLUTE)
		w += 13;
	else if (t->ts == TUI_TS_RELATIVE)
		w += 8;
	if (p->merged)
		w += VIEW_LOG_TAG_W + 1;
	return w;
}

/* Where wrapped rows go in a pane w columns wide: the first row after
 * the prefix, the rest under the message, or nearly the whole width when
 * the prefix leaves the message less than VIEW_LOG_MSG_MIN columns. */
static void
view_log_geom(const struct tui *t, const struct tui_pane *p, int w,
    int *first_w, int *cont_x, int *cont_w)
{
	int pw = view_log_prefix_w(t, p);

	*first_w = w - pw;
	if (*first_w >= VIEW_LOG_MSG_MIN) {
		*cont_x = pw;
		*cont_w = *first_w;
	} else {
		*cont_x = VIEW_LOG_INDENT < w ? VIEW_LOG_INDENT : 0;
		*cont_w = w - *cont_x;
	}
}

/* Bytes of the message on the wrapped row that starts at off. */
static size_t
view_log_chunk(
    const struct sb_line *l, size_t off, bool first, int first_w, int cont_w)
{
	size_t fit;

	if (first) {
		/* A narrow first row takes the message only when all of it
		 * fits: "a" + "lpha" would be worse than starting below. */
		if (first_w <= 0)
			return 0;
		fit = draw_wrap_fit(l->msg, l->msg_len, first_w);
		return fit == l->msg_len || first_w >= VIEW_LOG_MSG_MIN ? fit
		                                                        : 0;
	}
	return draw_wrap_fit(l->msg + off, l->msg_len - off, cont_w);
}

/* Rows line takes in pane p, w columns wide. */
static int
view_log_height(const struct tui *t, const struct tui_pane *p,
    const struct sb_line *l, int w)
{
	int first_w, cont_x, cont_w, rows = 1;
	size_t off;

	char fold[VIEW_LOG_FOLD_MAX];

	if (!t->wrap || l->kind != SB_KIND_LOG ||
	    tui_watch_fold_text(t, (int)(p - t->pane), l, fold, sizeof fold))
		return 1;
	view_log_geom(t, p, w, &first_w, &cont_x, &cont_w);
	if (cont_w <= 0)
		return 1;
	off = view_log_chunk(l, 0, true, first_w, cont_w);
	while (off < l->msg_len) {
		off += view_log_chunk(l, off, false, first_w, cont_w);
		rows++;
	}
	return rows;
}

/* Collect the search matches of a line for highlighting. */
static void
view_log_matches(
    const struct tui_pane *p, const struct sb_line *l, struct draw_hl *hl)
{
	size_t off = 0, so, eo;

	hl->n = 0;
	hl->attr = draw_attr(COL_MATCH);
	if (!p->r.s.active)
		return;
	while (hl->n < DRAW_HL_MAX && off <= l->msg_len &&
	       filter_regex_find(&p->r.s.pat, l->msg, off, &so, &eo)) {
		hl->so[hl->n] = so;
		hl->eo[hl->n++] = eo;
		off = eo > so ? eo : eo + 1;
	}
}

/* Draw one line from row y, highlighted in colour col (COL_NONE: not);
 * returns rows used (at most maxrows). */
static int
view_log_line(struct tui *t, struct tui_pane *p, const struct sb_line *l, int y,
    int x, int w, int maxrows, int col)
{
	bool current = col != COL_NONE;
	attr_t base = current ? draw_attr(col) : A_NORMAL;
	char tbuf[32], lv[8], sign[2] = "", fold[VIEW_LOG_FOLD_MAX];
	struct draw_hl hl;
	int cx = x, msgw = w - view_log_prefix_w(t, p), rows = 1;
	int first_w, cont_x, cont_w;
	size_t used, off;
	const char *name;

	if (current)
		draw_blank(stdscr, y, x, w, base);
	if (t->ts != TUI_TS_OFF) {
		view_log_time(t, l->ts_ms, tbuf, sizeof tbuf);
		draw_text(stdscr, y, cx, w - (cx - x), tbuf, strlen(tbuf), 0,
		    base, NULL);
		cx += t->ts == TUI_TS_ABSOLUTE ? 13 : 8;
	}
	if (l->kind != SB_KIND_LOG) {
		/* A marker the viewer inserted (run boundary, gap): its own
		 * colour, no level, one row. */
		cx += 6;
		if (p->merged) {
			name = tui_src_name(t, l->src);
			draw_untrusted(stdscr, y, cx, VIEW_LOG_TAG_W, name,
			    strlen(name),
			    base |
			        draw_attr(COL_TAG0 + l->src % TUI_TAG_COLORS));
			cx += VIEW_LOG_TAG_W + 1;
		}
		if (msgw > 0)
			draw_text(stdscr, y, cx, msgw, l->msg, l->msg_len, 0,
			    current ? base
			            : draw_attr(l->kind == SB_KIND_GAP
			                            ? COL_WARN
			                            : COL_TITLE) |
			                  A_BOLD,
			    NULL);
		return 1;
	}
	if (l->level == LEVEL_OTHER && l->lvname_len > 0)
		draw_untrusted(stdscr, y, cx, 5, l->lvname, l->lvname_len,
		    base | draw_attr(view_log_level_color(l->level)));
	else {
		snprintf(lv, sizeof lv, "%-5s", level_name(l->level));
		draw_text(stdscr, y, cx, w - (cx - x), lv, 5, 0,
		    current ? base : draw_attr(view_log_level_color(l->level)),
		    NULL);
	}
	/* The gutter after the level: '!' a rule fired on the line, '*'
	 * its pattern is new since the last successful run. */
	if ((sign[0] = tui_watch_sign(t, l)) != 0 && cx + 5 < x + w)
		draw_text(stdscr, y, cx + 5, 1, sign, 1, 0,
		    current ? base : draw_attr(COL_ALERT) | A_BOLD, NULL);
	cx += 6;
	if (p->merged) {
		name = tui_src_name(t, l->src);
		draw_untrusted(stdscr, y, cx, VIEW_LOG_TAG_W, name,
		    strlen(name),
		    current ? base
		            : draw_attr(COL_TAG0 + l->src % TUI_TAG_COLORS));
		cx += VIEW_LOG_TAG_W + 1;
	}
	if (tui_watch_fold_text(t, (int)(p - t->pane), l, fold, sizeof fold)) {
		/* A fold row: one row, no search highlight (a search unfolds
		 * the pane). */
		if (msgw > 0)
			draw_untrusted(
			    stdscr, y, cx, msgw, fold, strlen(fold), base);
		return 1;
	}
	view_log_matches(p, l, &hl);
	if (!t->wrap) {
		if (msgw > 0)
			draw_text(stdscr, y, cx, msgw, l->msg, l->msg_len,
			    p->hscroll, base, &hl);
		return 1;
	}
	view_log_geom(t, p, w, &first_w, &cont_x, &cont_w);
	if (cont_w <= 0)
		return 1;
	off = 0;
	for (;;) {
		used = view_log_chunk(
		    l, off, off == 0 && rows == 1, first_w, cont_w);
		if (used > 0)
			draw_text(stdscr, y, rows == 1 ? cx : x + cont_x,
			    rows == 1 ? first_w : cont_w, l->msg + off, used, 0,
			    base, &hl);
		/* Highlights are byte offsets of the whole message. */
		for (int k = 0; k < hl.n; k++) {
			hl.so[k] = hl.so[k] > used ? hl.so[k] - used : 0;
			hl.eo[k] = hl.eo[k] > used ? hl.eo[k] - used : 0;
		}
		off += used;
		if (off >= l->msg_len || rows >= maxrows)
			break;
		y++;
		rows++;
		if (current)
			draw_blank(stdscr, y, x, w, base);
	}
	return rows;
}

/* The first key name bound to action a in where into out ("-": none). */
static void
view_log_key(enum action a, unsigned where, char *out, size_t outlen)
{
	char *sp;

	keys_names(a, where, out, outlen);
	if ((sp = strchr(out, ' ')) != NULL)
		*sp = '\0';
	if (out[0] == '\0')
		snprintf(out, outlen, "-");
}

/* The pane's title: what it follows and how. */
static void
view_log_title(struct tui *t, int i, char *out, size_t outlen)
{
	struct tui_pane *p = &t->pane[i];
	char filters[FILTER_PATTERN_LEN * 2], key[64];
	size_t len;
	int n = 0, k;

	/* With the list focused and panes split, the pane Enter fills. */
	const char *mark = t->focus < 0 && t->npanes > 1 && t->target == i
	                       ? (t->utf8 ? "\u25b8 " : "> ")
	                       : "";

	if (p->merged) {
		for (k = 0; k < t->nsrcs; k++)
			n += t->srcs[k].stream != NULL;
		snprintf(out, outlen, "%smerged: %d watched", mark, n);
	} else if (p->src >= 0)
		snprintf(out, outlen, "%s%s%s", mark, tui_src_name(t, p->src),
		    t->srcs[p->src].stream == NULL
		        ? " (not watched: Space in the list watches it)"
		        : "");
	else
		snprintf(out, outlen, "%sempty pane", mark);
	if (p->ctx) {
		view_log_key(ACT_CONTEXT, KEYS_LOG, key, sizeof key);
		len = strlen(out);
		snprintf(out + len, outlen - len,
		    " | CONTEXT: every line (%s or Esc goes back)", key);
		return;
	}
	if ((n = (int)marks_in(&t->marks, &p->r.li)) > 0) {
		len = strlen(out);
		snprintf(out + len, outlen - len, " | %d mark%s", n,
		    n == 1 ? "" : "s");
	}
	/* The filters switched on, so a narrowed pane says why. */
	filter_describe(&p->r.f, filters, sizeof filters);
	if (filters[0] != '\0') {
		view_log_key(ACT_FILTER_LIST, KEYS_LOG, key, sizeof key);
		len = strlen(out);
		snprintf(
		    out + len, outlen - len, " | %s (%s lists)", filters, key);
	}
}

/* Tell an empty pane's reader how to fill it, with the keys in force. */
static void
view_log_empty_hint(int y, int x, int w)
{
	char choose[64], show[64], merged[64], hint[320];

	view_log_key(ACT_FOCUS_LIST, KEYS_LOG, choose, sizeof choose);
	view_log_key(ACT_SHOW, KEYS_LIST, show, sizeof show);
	view_log_key(ACT_MERGED, KEYS_LOG, merged, sizeof merged);
	snprintf(hint, sizeof hint,
	    "empty: %s, then %s on an automation in the list shows it here "
	    "(%s: merged)",
	    choose, show, merged);
	draw_untrusted(stdscr, y, x, w, hint, strlen(hint), A_NORMAL);
}

/* A marked line (or the line context shows) says so on the pane's left
 * border, row y. */
static void
view_log_gutter(const struct tui *t, const struct tui_pane *p, uint64_t seq,
    int y, int x)
{
	const char *g;

	if (p->ctx && seq == p->ctx_seq)
		g = t->utf8 ? "\u25b6" : ">";
	else if (marks_has(&t->marks, seq))
		g = t->utf8 ? "\u25c6" : "*";
	else
		return;
	draw_text(stdscr, y, x, 1, g, strlen(g), 0,
	    draw_attr(COL_ALERT) | A_BOLD, NULL);
}

/* The timeline on the pane's top border, right of a title tw columns
 * wide: lines per minute (one cell a minute, the newest right), the
 * busiest minute's count and the ERROR and WARN lines of the window. */
static void
view_log_timeline(const struct tui *t, const struct tui_pane *p,
    struct rect r, int tw)
{
	char spark[VIEW_LOG_TIMELINE_MAX * 4 + 1], tail[64], peak[16];
	uint64_t errors, warns;
	uint32_t max = 0, c;
	int cells, tailw, x;
	int64_t end;

	snprintf(tail, sizeof tail, " 99999/min E99999 W99999 ");
	tailw = (int)strlen(tail);
	cells = r.w - 4 - tw - 2 - tailw;
	if (cells > VIEW_LOG_TIMELINE_MAX)
		cells = VIEW_LOG_TIMELINE_MAX;
	if (cells < VIEW_LOG_TIMELINE_MIN || p->tl.newest == INT64_MIN)
		return;
	end = timeline_end(&p->tl, view_log_now(), cells);
	timeline_render(&p->tl, end, cells, t->utf8, spark, sizeof spark,
	    &errors, &warns);
	for (int k = 0; k < cells; k++) {
		c = timeline_at(&p->tl, end - k).lines;
		max = c > max ? c : max;
	}
	view_log_count(max, peak, sizeof peak);
	snprintf(tail, sizeof tail, " %s/min E%llu W%llu ", peak,
	    (unsigned long long)errors, (unsigned long long)warns);
	tailw = (int)strlen(tail);
	x = r.x + r.w - 1 - tailw - cells - 1;
	mvaddch(r.y, x, ' ');
	draw_text(stdscr, r.y, x + 1, cells, spark, strlen(spark), 0,
	    draw_attr(COL_TITLE), NULL);
	draw_text(stdscr, r.y, x + 1 + cells, tailw, tail, strlen(tail), 0,
	    draw_attr(COL_TITLE), NULL);
}

/* What reader_frame asks: rows of line l in the pane being drawn. */
struct view_log_geo {
	const struct tui *t;
	const struct tui_pane *p;
	int w;
};

/* reader_height_fn: rows line l takes when wrapped. */
static int
view_log_row_height(void *arg, const struct sb_line *l)
{
	const struct view_log_geo *g = arg;

	return view_log_height(g->t, g->p, l, g->w);
}

/* Draw log pane i: the reader lays out the frame, this draws it. */
void
view_log_draw(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];
	struct rect r = t->lay.pane[i];
	int y0 = r.y + 1, x0 = r.x + 1, h = r.h - 2, w = r.w - 2, y;
	size_t cur, k;
	struct view_log_geo geo = {t, p, w};
	struct sb_line l;
	char title[FILTER_PATTERN_LEN * 3];
	uint64_t seq;
	int hl;

	view_log_title(t, i, title, sizeof title);
	draw_frame(stdscr, r.y, r.x, r.h, r.w, t->focus == i, title);
	view_log_timeline(t, p, r, draw_width(title, strlen(title)));
	reader_frame(&p->r, h, t->wrap ? view_log_row_height : NULL, &geo);
	if (h <= 0 || w <= 0)
		return;
	if (lineidx_count(&p->r.li) == 0) {
		if (lineidx_pending(&p->r.li, t->sb))
			mvaddstr(y0, x0, "filtering...");
		else if (!p->merged && p->src < 0)
			view_log_empty_hint(y0, x0, w);
		return;
	}
	cur = reader_cur_index(&p->r);
	y = 0;
	for (k = p->r.top; k < p->r.top + p->r.shown && y < h; k++) {
		seq = lineidx_at(&p->r.li, k);
		if (!sb_get(t->sb, seq, &l))
			continue;
		hl = p->ctx && seq == p->ctx_seq ? COL_MATCH
		     : !p->r.follow && k == cur ? COL_CURRENT
		                                 : COL_NONE;
		view_log_gutter(t, p, seq, y0 + y, r.x);
		y += view_log_line(t, p, &l, y0 + y, x0, w, h - y, hl);
	}
}
