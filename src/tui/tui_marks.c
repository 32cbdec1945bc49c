/* tui_marks.c - the reader's own places in the log: marked lines (m, ]
 * and [, the list of marks), going to a time (T: 14:02, -5m, run start),
 * a filtered line in its full context and back (C), and the per-minute
 * timelines of the pane headers. The models are marks.c, jump.c and
 * timeline.c; this file ties them to the panes and the status line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/loop.h"
#include "tui/jump.h"
#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/view.h"

/* How often the timelines count new lines (and so change on screen). */
#define TUI_TIMELINE_MS 1000

/* Unix time now in ms. */
static int64_t
marks_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A moment as "2024-05-01 14:02:00" (UTC with --utc, else local). */
static void
marks_when(const struct tui *t, int64_t ms, char *out, size_t outlen)
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (t->o->utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}

/* m: mark the reader's line, or unmark it. */
static void
marks_toggle_cur(struct tui *t, struct reader *r)
{
	uint64_t seq;

	if (!reader_cur_seq(r, &seq))
		return;
	switch (marks_toggle(&t->marks, seq)) {
	case 1:
		tui_msg(t, false, "marked (%zu marks)", t->marks.n);
		break;
	case 0:
		tui_msg(t, false, "unmarked (%zu marks)", t->marks.n);
		break;
	default:
		tui_msg(t, true,
		    "%d lines are marked, the most kept: unmark one "
		    "first",
		    MARKS_MAX);
		break;
	}
}

/* ] and [: the next or previous marked line of the pane. */
static void
marks_jump(struct tui *t, struct reader *r, int dir)
{
	uint64_t seq = 0, to;
	bool wrapped;

	if (!reader_cur_seq(r, &seq))
		return;
	if (!marks_next(&t->marks, &r->li, seq, dir, &to, &wrapped)) {
		tui_msg(t, false, "no marked line in this pane (m marks one)");
		return;
	}
	reader_goto(r, to);
	if (wrapped)
		tui_msg(t, false, "marks wrapped around to the %s",
		    dir > 0 ? "first" : "last");
}

/* The filter shows every line of its sources. */
static bool
marks_unfiltered(const struct filter *f)
{
	for (int k = 0; k < f->npat; k++) {
		if (!f->off[k])
			return false;
	}
	return f->floor <= LEVEL_TRACE;
}

/* C: show the reader's line among every line of the pane's sources. */
static void
context_enter(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];
	uint64_t seq;

	if (!reader_cur_seq(&p->r, &seq))
		return;
	if (marks_unfiltered(&p->r.f)) {
		tui_msg(t, false, "nothing is filtered here: every line shows");
		return;
	}
	/* The pane's filter waits (the context owns no patterns); the
	 * sources stay the pane's. */
	p->ctx_saved = p->r.f;
	filter_init(&p->r.f);
	p->r.f.all_sources = p->ctx_saved.all_sources;
	memcpy(p->r.f.sources, p->ctx_saved.sources, sizeof p->r.f.sources);
	p->r.f.src_name = p->ctx_saved.src_name;
	p->r.f.src_arg = p->ctx_saved.src_arg;
	p->ctx = true;
	p->ctx_seq = seq;
	if (p->r.follow)
		reader_pause(&p->r);
	p->ctx_row = p->r.cur_row;
	tui_pane_refilter(t, i);
	reader_goto(&p->r, seq);
	p->r.cur_row = p->r.rows / 2; /* lines before and after it */
}

/* Back to the filtered view at the line context was opened on. */
bool
tui_context_leave(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];

	if (!p->ctx)
		return false;
	/* The sources may have changed meanwhile (merged panes). */
	p->ctx_saved.all_sources = p->r.f.all_sources;
	memcpy(p->ctx_saved.sources, p->r.f.sources, sizeof p->r.f.sources);
	filter_free(&p->r.f);
	p->r.f = p->ctx_saved;
	p->ctx = false;
	tui_pane_refilter(t, i);
	reader_goto(&p->r, p->ctx_seq);
	p->r.cur_row = p->ctx_row;
	return true;
}

/* The marks' and context's actions. */
unsigned
tui_marks_action(struct tui *t, int a, int i, bool list)
{
	struct reader *r = &t->pane[i].r;

	switch (a) {
	case ACT_MARK:
		marks_toggle_cur(t, r);
		break;
	case ACT_NEXT_MARK:
	case ACT_PREV_MARK:
		marks_jump(t, r, a == ACT_NEXT_MARK ? 1 : -1);
		break;
	case ACT_MARKS:
		view_marks_open(t);
		break;
	case ACT_GOTO_TIME:
		view_prompt_open(t, PROMPT_TIME);
		break;
	case ACT_CONTEXT:
		if (!tui_context_leave(t, i))
			context_enter(t, i);
		break;
	default:
		return TUI_KEEP;
	}
	return TUI_REDRAW;
}

/* Go to the time typed. */
void
tui_goto_time(struct tui *t, const char *text)
{
	struct reader *r = &t->pane[tui_pane_index(t)].r;
	enum jump_kind kind;
	enum jump_edge edge;
	char err[160], when[32];
	int64_t ms;
	uint64_t seq;
	size_t k, n = lineidx_count(&r->li);

	if (jump_parse(text, marks_now(), t->o->utc, &kind, &ms, err,
	        sizeof err) == -1) {
		tui_msg(t, true, "%s", err);
		return;
	}
	if (n == 0) {
		tui_msg(t, true, "no lines in this pane");
		return;
	}
	if (kind == JUMP_TIME) {
		marks_when(t, ms, when, sizeof when);
		k = jump_time_index(&r->li, t->sb, ms);
		if (k == n) {
			tui_msg(t, true, "no line at or after %s in this pane",
			    when);
			return;
		}
		reader_goto(r, lineidx_at(&r->li, k));
		tui_msg(t, false, "the first line at or after %s", when);
		return;
	}
	edge = jump_run_edge(
	    &r->li, t->sb, reader_cur_index(r), kind == JUMP_RUN_END, &seq);
	if (edge == JUMP_EDGE_NONE)
		return;
	reader_goto(r, seq);
	if (edge == JUMP_EDGE_GONE)
		tui_msg(t, false,
		    "the run's start is not held: its first line held");
	else if (edge == JUMP_EDGE_OPEN)
		tui_msg(t, false, "the run has not ended: its last line held");
}

/* Once per pass: marks of evicted lines go; the timelines count. */
void
tui_marks_work(struct tui *t)
{
	bool counted = false;
	int k;

	marks_trim(&t->marks, sb_first(t->sb));
	if (loop_now() - t->timeline_at < TUI_TIMELINE_MS)
		return;
	t->timeline_at = loop_now();
	for (k = 0; k < t->npanes; k++)
		counted |=
		    timeline_update(&t->pane[k].tl, &t->pane[k].r.li, t->sb);
	if (counted)
		tui_dirty(t);
}
