/* view_list.c - the automation list pane: one row per automation with
 * its status glyph, watch mark, unread and error counts and a rate
 * sparkline; running ones first. */
#define _GNU_SOURCE /* strcasestr */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/client.h"
#include "core/format.h"
#include "net/loop.h"
#include "net/stream.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Column of the name in a row: glyph, space, watch mark, space. */
#define LIST_NAME_X 4

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

/* True when source i is in the held order. */
static bool
view_list_is_held(const struct tui *t, int i)
{
	int k;

	for (k = 0; k < t->list_nheld; k++) {
		if (t->list_held[k] == i)
			return true;
	}
	return false;
}

/* Sources in display order: the held rows first while the hold lasts,
 * then by rank. */
int
view_list_order(const struct tui *t, int *order, int max)
{
	bool held = t->list_hold_until > loop_now();
	int n = 0, rank, i, k;

	for (k = 0; held && k < t->list_nheld; k++) {
		i = t->list_held[k];
		if (i >= t->nsrcs || !view_list_passes(t, i))
			continue;
		if (order != NULL && n < max)
			order[n] = i;
		n++;
	}
	for (rank = 0; rank < 4; rank++) {
		for (i = 0; i < t->nsrcs; i++) {
			if (view_list_rank(t->srcs[i].run) != rank ||
			    !view_list_passes(t, i) ||
			    (held && view_list_is_held(t, i)))
				continue;
			if (order != NULL && n < max)
				order[n] = i;
			n++;
		}
	}
	return n;
}

/* Hold the order on screen (every source, not only those the name filter
 * passes, so changing the filter keeps it too). */
void
view_list_hold(struct tui *t, uint64_t until)
{
	int order[FILTER_SOURCES_MAX], n;
	char saved = t->list_filter[0];

	t->list_filter[0] = '\0';
	n = view_list_order(t, order, FILTER_SOURCES_MAX);
	t->list_filter[0] = saved;
	t->list_nheld = n < FILTER_SOURCES_MAX ? n : FILTER_SOURCES_MAX;
	memcpy(t->list_held, order, (size_t)t->list_nheld * sizeof order[0]);
	t->list_hold_until = until;
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

/* Most parts a row shows right of the name. */
#define LIST_PARTS_MAX 10
/* Longest part ("#123456789 12h34m", a sparkline of RATE_SECONDS cells). */
#define LIST_PART_LEN 48
/* Counts past this are shown shortened (12k, 3M) so they stay narrow. */
#define LIST_COUNT_EXACT 9999

/* One piece of a row right of the name: its text, colour and how soon it
 * goes when the row is too narrow (a higher drop goes first). */
struct list_part {
	char text[LIST_PART_LEN];
	int w;
	int drop;
	attr_t attr;
};

/* Unix time now in ms (run durations are wall-clock times). */
static int64_t
view_list_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Format a count, shortened past LIST_COUNT_EXACT ("12k", "3M"). */
static void
view_list_count(unsigned long long n, char *out, size_t outlen)
{
	if (n <= LIST_COUNT_EXACT)
		snprintf(out, outlen, "%llu", n);
	else if (n < 1000000ULL)
		snprintf(out, outlen, "%lluk", n / 1000);
	else if (n < 1000000000ULL)
		snprintf(out, outlen, "%lluM", n / 1000000);
	else
		snprintf(out, outlen, "%lluG", n / 1000000000);
}

/* Add a part to parts (text is terminal-safe ASCII or glyphs). */
static void
view_list_part(
    struct list_part *parts, int *n, const char *text, int drop, attr_t attr)
{
	struct list_part *p;

	if (*n == LIST_PARTS_MAX)
		return;
	p = &parts[(*n)++];
	snprintf(p->text, sizeof p->text, "%s", text);
	p->w = draw_width(p->text, strlen(p->text));
	p->drop = drop;
	p->attr = attr;
}

/* The parts of source i's row, in the order they are drawn. */
static int
view_list_parts(
    struct tui *t, int i, bool selected, attr_t base, struct list_part *parts)
{
	struct tui_src *s = &t->srcs[i];
	char num[32], text[LIST_PART_LEN], watch[3][24], what[3];
	int64_t end;
	int n = 0, k, nw;

	if (s->run_no > 0) {
		snprintf(text, sizeof text, "#%lld", s->run_no);
		view_list_part(parts, &n, text, 4, base);
		if (s->run_started_ms != INT64_MIN) {
			end = s->run_ended_ms != INT64_MIN ? s->run_ended_ms
			                                   : view_list_now();
			format_duration(
			    text, sizeof text, end - s->run_started_ms);
			view_list_part(parts, &n, text, 3, base);
		}
		if (s->last_outcome != RUN_UNKNOWN)
			view_list_part(parts, &n,
			    view_list_glyph(s->last_outcome, t->utf8), 2,
			    selected ? base
			    : s->last_outcome == RUN_FAILED
			        ? draw_attr(COL_ERROR)
			        : base);
	}
	if (s->unread > 0 && !tui_src_visible(t, i)) {
		view_list_count(s->unread, num, sizeof num);
		snprintf(text, sizeof text, "+%s", num);
		view_list_part(parts, &n, text, 5, base | A_BOLD);
	}
	/* Quiet, rules fired while not on screen, new error patterns of
	 * the run (tui_watch.c): kept longest after the name. */
	nw = tui_watch_list_parts(t, i, watch, what, 3);
	for (k = 0; k < nw; k++)
		view_list_part(parts, &n, watch[k], what[k] == 'n' ? 2 : 0,
		    selected       ? base | A_BOLD
		    : what[k] == 'q' ? draw_attr(COL_WARN) | A_BOLD
		                     : draw_attr(COL_ALERT) | A_BOLD);
	if (s->errors > 0) {
		view_list_count(s->errors, num, sizeof num);
		snprintf(text, sizeof text, "E%s", num);
		view_list_part(
		    parts, &n, text, 1, selected ? base : draw_attr(COL_ERROR));
	}
	if (s->warnings > 0) {
		view_list_count(s->warnings, num, sizeof num);
		snprintf(text, sizeof text, "W%s", num);
		view_list_part(
		    parts, &n, text, 2, selected ? base : draw_attr(COL_WARN));
	}
	rate_spark(&s->rate, loop_now(), t->utf8, text, sizeof text);
	view_list_part(
	    parts, &n, text, 6, selected ? base : draw_attr(COL_DEBUG));
	return n;
}

/* Draw one row of source i at y: the glyphs, the whole name, then the
 * parts right-aligned as far as the width left over holds them (the
 * least important go first, so counters never eat the name). */
static void
view_list_row(struct tui *t, int i, int y, int x, int w, bool selected)
{
	struct tui_src *s = &t->srcs[i];
	struct list_part parts[LIST_PARTS_MAX];
	bool keep[LIST_PARTS_MAX];
	attr_t base = A_NORMAL;
	const char *name = tui_src_name(t, i);
	int n, k, worst, used, namew, room, cx;

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
	if (w <= LIST_NAME_X)
		return;

	/* The name's columns as drawn (escaped), capped by the row. */
	namew = draw_untrusted_width(name, strlen(name));
	if (namew > w - LIST_NAME_X)
		namew = w - LIST_NAME_X;
	draw_untrusted(
	    stdscr, y, x + LIST_NAME_X, namew, name, strlen(name), base);

	/* Drop the least important parts until the rest fit after a gap. */
	room = w - LIST_NAME_X - namew - 1;
	n = view_list_parts(t, i, selected, base, parts);
	for (k = 0; k < n; k++)
		keep[k] = true;
	for (;;) {
		used = 0;
		worst = -1;
		for (k = 0; k < n; k++) {
			if (!keep[k])
				continue;
			used += parts[k].w + (used > 0);
			if (worst < 0 || parts[k].drop > parts[worst].drop)
				worst = k;
		}
		if (used <= room || worst < 0)
			break;
		keep[worst] = false;
	}
	cx = x + w - used;
	for (k = 0; k < n; k++) {
		if (!keep[k])
			continue;
		draw_text(stdscr, y, cx, parts[k].w, parts[k].text,
		    strlen(parts[k].text), 0, parts[k].attr, NULL);
		cx += parts[k].w + 1;
	}
}

/* Name the server (and profile) the list comes from on the list's bottom
 * border, so an operator with several profiles knows which one is open. */
static void
view_list_server(struct tui *t, struct rect r)
{
	const char *url, *host;
	char label[160];

	if (t->o == NULL || t->o->client == NULL ||
	    (url = t->o->client->server) == NULL)
		return;
	host = strstr(url, "://");
	host = host != NULL ? host + 3 : url;
	if (t->o->profile != NULL)
		snprintf(label, sizeof label, " %s: %s ", t->o->profile, host);
	else
		snprintf(label, sizeof label, " %s ", host);
	if (r.w > 6)
		draw_untrusted(stdscr, r.y + r.h - 1, r.x + 2, r.w - 4, label,
		    strlen(label), draw_attr(COL_TITLE));
}

/* Draw the list pane. */
void
view_list_draw(struct tui *t)
{
	struct rect r = t->lay.list;
	int order[FILTER_SOURCES_MAX], n, h = r.h - 2, k, sel_row = -1;
	char title[128];

	n = view_list_order(t, order, FILTER_SOURCES_MAX);
	if (t->list_filter[0] != '\0')
		snprintf(title, sizeof title, "%s /%s",
		    source_kind_path(t->list_kind), t->list_filter);
	else
		snprintf(title, sizeof title, "%s (%d)",
		    source_kind_path(t->list_kind), n);
	draw_frame(stdscr, r.y, r.x, r.h, r.w, t->focus == -1, title);
	view_list_server(t, r);
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
	if (n == 0) {
		if (t->list_filter[0] != '\0')
			snprintf(title, sizeof title, "(no match)");
		else
			snprintf(title, sizeof title, "(no %s)",
			    source_kind_path(t->list_kind));
		mvaddstr(r.y + 1, r.x + 2, title);
	}
	for (k = t->list_top; k < n && k - t->list_top < h; k++)
		view_list_row(t, order[k], r.y + 1 + k - t->list_top, r.x + 1,
		    r.w - 2, order[k] == t->sel);
}
