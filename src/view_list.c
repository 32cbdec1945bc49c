/* view_list.c - the automation list pane: one row per automation with
 * its status glyph, watch mark, unread and error counts and a rate
 * sparkline; running ones first. */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "loop.h"
#include "stream.h"
#include "tui_app.h"
#include "view.h"
#include "view_draw.h"

/* The display rank of a run status: running first. */
static int
view_list_rank(enum run_status s)
{
	switch (s) {
	case RUN_RUNNING:
		return 0;
	case RUN_QUEUED:
		return 1;
	case RUN_FAILED:
		return 2;
	default:
		return 3;
	}
}

/* True when source i passes the list's name filter. */
static bool
view_list_passes(const struct tui *t, int i)
{
	const struct tui_src *s = &t->srcs[i];

	if (s->gone || s->run_sel[0] != '\0' || s->src.kind != t->list_kind)
		return false;
	if (t->list_filter[0] == '\0')
		return true;
	return strcasestr(tui_src_name(t, i), t->list_filter) != NULL ||
	       strcasestr(s->src.id, t->list_filter) != NULL;
}

/* Sources in display order. */
int
view_list_order(const struct tui *t, int *order, int max)
{
	int n = 0, rank, i;

	for (rank = 0; rank < 4; rank++) {
		for (i = 0; i < t->nsrcs; i++) {
			if (view_list_rank(t->srcs[i].run) != rank ||
			    !view_list_passes(t, i))
				continue;
			if (order != NULL && n < max)
				order[n] = i;
			n++;
		}
	}
	return n;
}

/* The glyph of a run status. */
static const char *
view_list_glyph(enum run_status s, bool utf8)
{
	switch (s) {
	case RUN_QUEUED:
		return utf8 ? "\u25cb" : "q";
	case RUN_RUNNING:
		return utf8 ? "\u25b6" : ">";
	case RUN_COMPLETED:
		return utf8 ? "\u2713" : "+";
	case RUN_FAILED:
		return utf8 ? "\u2717" : "x";
	case RUN_CANCELLED:
		return utf8 ? "\u2298" : "-";
	default:
		return "?";
	}
}

/* Draw one row of source i at y. */
static void
view_list_row(struct tui *t, int i, int y, int x, int w, bool selected)
{
	struct tui_src *s = &t->srcs[i];
	attr_t base = A_NORMAL, a;
	char right[96], spark[64], part[32];
	const char *name = tui_src_name(t, i);
	int rw, cx;

	if (s->run == RUN_FAILED)
		base = draw_attr(COL_FAILED);
	if (selected)
		base =
		    draw_attr(s->run == RUN_FAILED ? COL_ALERT : COL_CURRENT);
	draw_blank(stdscr, y, x, w, base);
	draw_text(stdscr, y, x, 1, view_list_glyph(s->run, t->utf8),
	    strlen(view_list_glyph(s->run, t->utf8)), 0, base, NULL);
	if (s->stream != NULL)
		draw_text(stdscr, y, x + 2, 1, t->utf8 ? "\u25c9" : "*",
		    t->utf8 ? 3 : 1, 0, base, NULL);

	/* The right-hand counters, then the name in what is left. */
	right[0] = '\0';
	if (s->unread > 0 && !tui_src_visible(t, i)) {
		snprintf(part, sizeof part, "+%llu ", s->unread);
		strcat(right, part);
	}
	rw = draw_width(right, strlen(right));
	rate_spark(&s->rate, loop_now(), t->utf8, spark, sizeof spark);
	cx = x + w - RATE_SECONDS;
	if (w > 24)
		draw_text(stdscr, y, cx, RATE_SECONDS, spark, strlen(spark), 0,
		    selected ? base : draw_attr(COL_DEBUG), NULL);
	else
		cx = x + w;
	if (s->warnings > 0) {
		snprintf(part, sizeof part, "W%llu ", s->warnings);
		cx -= (int)strlen(part);
		a = selected ? base : draw_attr(COL_WARN);
		draw_text(stdscr, y, cx, (int)strlen(part), part, strlen(part),
		    0, a, NULL);
	}
	if (s->errors > 0) {
		snprintf(part, sizeof part, "E%llu ", s->errors);
		cx -= (int)strlen(part);
		a = selected ? base : draw_attr(COL_ERROR);
		draw_text(stdscr, y, cx, (int)strlen(part), part, strlen(part),
		    0, a, NULL);
	}
	cx -= rw;
	if (rw > 0 && cx > x + 6)
		draw_text(stdscr, y, cx, rw, right, strlen(right), 0,
		    base | A_BOLD, NULL);
	if (cx - 1 > x + 4)
		draw_untrusted(stdscr, y, x + 4, cx - 1 - (x + 4), name,
		    strlen(name), base);
}

/* Draw the list pane. */
void
view_list_draw(struct tui *t)
{
	struct rect r = t->lay.list;
	int order[FILTER_SOURCES_MAX], n, h = r.h - 2, k, sel_row = -1;
	char title[128];

	if (t->list_filter[0] != '\0')
		snprintf(
		    title, sizeof title, "automations /%s", t->list_filter);
	else
		snprintf(title, sizeof title, "automations (%d)", t->nsrcs);
	draw_frame(stdscr, r.y, r.x, r.h, r.w, t->focus == -1, title);
	n = view_list_order(t, order, FILTER_SOURCES_MAX);
	if (n > FILTER_SOURCES_MAX)
		n = FILTER_SOURCES_MAX;
	for (k = 0; k < n; k++) {
		if (order[k] == t->sel)
			sel_row = k;
	}
	if (sel_row >= 0) {
		if (sel_row < t->list_top)
			t->list_top = sel_row;
		if (sel_row >= t->list_top + h)
			t->list_top = sel_row - h + 1;
	}
	if (t->list_top > n - 1)
		t->list_top = n > 0 ? n - 1 : 0;
	if (n == 0)
		mvaddstr(r.y + 1, r.x + 2,
		    t->nsrcs ? "(no match)" : "(no automations)");
	for (k = t->list_top; k < n && k - t->list_top < h; k++)
		view_list_row(t, order[k], r.y + 1 + k - t->list_top, r.x + 1,
		    r.w - 2, order[k] == t->sel);
}
