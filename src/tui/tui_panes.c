/* tui_panes.c - what feeds the panes: the sources (one per automation
 * or command-line source), their streams and the handlers that store what
 * the streams bring, and which sources each pane shows (one alone, or
 * every watched one merged, in time order). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/stream.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"

/* The display name of source i. */
const char *
tui_src_name(const struct tui *t, int i)
{
	const struct source *s;

	if (i < 0 || i >= t->nsrcs)
		return "?";
	s = &t->srcs[i].src;
	return s->name != NULL && *s->name != '\0' ? s->name : s->id;
}

/* True when some pane shows source i. */
bool
tui_src_visible(const struct tui *t, int i)
{
	int k;

	for (k = 0; k < t->npanes; k++) {
		if (t->pane[k].merged ? filter_has_source(&t->pane[k].r.f, i)
		                      : t->pane[k].src == i)
			return true;
	}
	return false;
}

/* Start re-filtering pane i from the first line, keeping the reader's
 * place (the current line's seq stays, so the same event stays on screen
 * when it still passes). */
void
tui_pane_refilter(struct tui *t, int i)
{
	reader_refilter(&t->pane[i].r);
	timeline_reset(&t->pane[i].tl);
	tui_dirty(t);
}

/* The merged panes follow the set of watched sources. */
static void
tui_merged_sources(struct tui *t, struct tui_pane *p)
{
	int k;

	p->r.f.all_sources = false;
	memset(p->r.f.sources, 0, sizeof p->r.f.sources);
	for (k = 0; k < t->nsrcs; k++) {
		if (t->srcs[k].stream != NULL)
			filter_set_source(&p->r.f, k, true);
	}
}

/* Make pane i show source src alone (or merged when merged). */
void
tui_pane_show(struct tui *t, int i, int src, bool merged)
{
	struct tui_pane *p = &t->pane[i];

	p->merged = merged;
	if (merged)
		tui_merged_sources(t, p);
	else {
		p->src = src;
		p->r.f.all_sources = false;
		memset(p->r.f.sources, 0, sizeof p->r.f.sources);
		if (src >= 0)
			filter_set_source(&p->r.f, src, true);
	}
	if (src >= 0 && src < t->nsrcs) {
		t->srcs[src].unread = 0;
		tui_watch_seen(t, src);
	}
	if (merged) {
		for (int k = 0; k < t->nsrcs; k++) {
			if (filter_has_source(&p->r.f, k)) {
				t->srcs[k].unread = 0;
				tui_watch_seen(t, k);
			}
		}
	}
	/* Several sources in one pane are read in time order, one in the
	 * order it was written. */
	if (p->r.li.order != (merged ? LINEIDX_BY_TIME : LINEIDX_BY_SEQ))
		lineidx_set_order(
		    &p->r.li, t->sb, merged ? LINEIDX_BY_TIME : LINEIDX_BY_SEQ);
	tui_pane_refilter(t, i);
}

/* The name "source" field filters compare with. */
static const char *
tui_filter_src_name(const void *arg, uint16_t src)
{
	return tui_src_name(arg, src);
}

/* Set up pane i showing src, following, at level floor. */
void
tui_pane_init(struct tui *t, int i, int src, bool merged, uint8_t floor)
{
	struct tui_pane *p = &t->pane[i];

	memset(p, 0, sizeof *p);
	reader_init(&p->r, t->sb);
	p->r.f.floor = floor;
	p->r.f.src_name = tui_filter_src_name;
	p->r.f.src_arg = t;
	p->src = -1;
	tui_pane_show(t, i, src, merged);
	if (t->o->fold)
		tui_watch_fold_toggle(t, i);
}

/* Free what pane i holds. */
void
tui_pane_free(struct tui *t, int i)
{
	reader_free(&t->pane[i].r);
	if (t->pane[i].ctx)
		filter_free(&t->pane[i].ctx_saved);
}

/* Update every merged pane after the watched set changed. */
static void
tui_watch_changed(struct tui *t)
{
	int k;

	for (k = 0; k < t->npanes; k++) {
		if (t->pane[k].merged)
			tui_pane_show(t, k, -1, true);
	}
}

/* Split the log area into one more pane (back to one after the last). */
void
tui_split(struct tui *t)
{
	int k, n = t->npanes + 1;

	if (n > LAYOUT_PANES_MAX) {
		for (k = 1; k < t->npanes; k++)
			tui_pane_free(t, k);
		t->npanes = 1;
		if (t->focus > 0)
			t->focus = 0;
		t->target = 0;
	} else {
		/* Empty until an automation is chosen for it in the list. */
		tui_pane_init(t, t->npanes, -1, false,
		    t->pane[tui_pane_index(t)].r.f.floor);
		t->npanes = n;
		t->focus = t->target = n - 1;
	}
	tui_dirty(t);
}

/* Open or close the stream of source i. */
void
tui_watch(struct tui *t, int i, bool on)
{
	struct tui_src *s = &t->srcs[i];

	if (on == (s->stream != NULL))
		return;
	if (on) {
		/* A past run is streamed alone; an automation run after run,
		 * from its current run, or after what is held already, so
		 * watching again shows nothing twice. */
		struct stream_start start = {.tail = -1, .after = -1};

		if (s->run_sel[0] != '\0')
			start.run = s->run_sel;
		else {
			start.all_runs = true;
			if (s->last_id_held > 0)
				start.after = s->last_id_held;
			else if (t->o->tail >= 0)
				start.tail = t->o->tail;
			else if (t->o->since != NULL && s->from_cmdline)
				start.since = t->o->since;
			else
				start.run = "current";
		}
		s->stream = stream_open(t->mgr, &s->src, &start);
		if (s->stream == NULL) {
			tui_msg(t, true, "cannot open a stream: out of memory");
			return;
		}
		stream_set_data(s->stream, (void *)(intptr_t)i);
		if (t->pane[t->target].src < 0 && !t->pane[t->target].merged)
			tui_pane_show(t, t->target, i, false);
	} else {
		stream_close(s->stream);
		s->stream = NULL;
	}
	tui_watch_stream(t, i, on);
	tui_watch_changed(t);
	tui_dirty(t);
}

/* Add a source to the list (copied); returns its index or -1. */
int
tui_src_add(struct tui *t, const struct source *src)
{
	struct tui_src *n;
	int cap;

	if (t->nsrcs == FILTER_SOURCES_MAX) {
		tui_msg(t, true,
		    "more than %d automations: the rest are not "
		    "listed",
		    FILTER_SOURCES_MAX);
		return -1;
	}
	if (t->nsrcs == t->srcs_cap) {
		cap = t->srcs_cap ? t->srcs_cap * 2 : 16;
		n = realloc(t->srcs, (size_t)cap * sizeof *n);
		if (n == NULL)
			return -1;
		t->srcs = n;
		t->srcs_cap = cap;
	}
	memset(&t->srcs[t->nsrcs], 0, sizeof t->srcs[0]);
	source_copy(&t->srcs[t->nsrcs].src, src);
	return t->nsrcs++;
}

/* Record the run state of source i (the status bar names the failed
 * ones from it). An exit code belongs to the state it came with: a new
 * state without one drops the last run's. */
void
tui_src_run(
    struct tui *t, int i, enum run_status run, bool has_exit, int exit_code)
{
	struct tui_src *s = &t->srcs[i];

	if (run != RUN_UNKNOWN && s->run != run) {
		s->run = run;
		s->has_exit_code = false;
		tui_dirty(t);
	}
	if (has_exit) {
		s->has_exit_code = true;
		s->exit_code = exit_code;
		tui_dirty(t);
	}
}

/* A line arrived on a stream: store it and count it. */
static void
tui_on_log(struct stream *st, const struct log_event *ev, void *arg)
{
	struct tui *t = arg;
	int i = (int)(intptr_t)stream_data(st);
	struct tui_src *s = &t->srcs[i];
	uint64_t now = loop_pass_now(t->loop);
	int64_t seq;

	if ((seq = sb_append(t->sb, (uint16_t)i, ev)) < 0) {
		tui_msg(t, true, "out of memory: a line was not stored");
		return;
	}
	tui_watch_line(t, i, (uint64_t)seq, ev);
	if (ev->id > s->last_id_held)
		s->last_id_held = ev->id;
	if (ev->level >= LEVEL_ERROR && ev->level != LEVEL_OTHER)
		s->errors++;
	else if (ev->level == LEVEL_WARN)
		s->warnings++;
	if (!tui_src_visible(t, i))
		s->unread++;
	rate_add(&s->rate, now, 1);
	rate_add(&t->total, now, 1);
	t->last_event = now;
	tui_dirty(t);
}

/* A run-state change on a stream. */
static void
tui_on_status(struct stream *st, const struct status_event *se, void *arg)
{
	struct tui *t = arg;
	int i = (int)(intptr_t)stream_data(st);

	if (se->run > 0)
		tui_run_boundary(t, i, se);
	if (t->srcs[i].run_sel[0] == '\0')
		tui_src_run(t, i, se->status, se->has_exit_code, se->exit_code);
}

/* A stream's connection state changed. */
static void
tui_on_state(struct stream *st, void *arg)
{
	struct tui *t = arg;
	const struct stream_status *ss = stream_status(st);
	int i = (int)(intptr_t)stream_data(st);

	if ((ss->state == STREAM_UNAUTHORIZED || ss->state == STREAM_FAILED ||
	        ss->state == STREAM_GONE) &&
	    ss->error[0] != '\0')
		tui_msg(t, true, "%s: %s", tui_src_name(t, i), ss->error);
	tui_dirty(t);
}

/* The server dropped lines we had not received: say so in the log. */
static void
tui_on_reset(struct stream *st, long long oldest_id, bool renumbered, void *arg)
{
	struct tui *t = arg;
	int i = (int)(intptr_t)stream_data(st);
	char msg[200];

	if (renumbered) {
		tui_src_forget_ids(t, i,
		    "the server numbers its lines anew (restarted?): going on "
		    "from its oldest line");
		return;
	}
	snprintf(msg, sizeof msg,
	    "lines before id %lld were lost: the server no longer holds them",
	    oldest_id);
	tui_gap(t, i, msg);
}

/* With nothing selected yet, select the list's first row and show it
 * in the target pane, so the first screen is not empty. */
void
tui_list_first_selection(struct tui *t)
{
	int first;

	if (t->sel >= 0 || view_list_order(t, &first, 1) == 0)
		return;
	t->sel = first;
	if (t->pane[t->target].src < 0 && !t->pane[t->target].merged)
		tui_pane_show(t, t->target, first, false);
}

const struct stream_handlers tui_stream_handlers = {
    .on_log = tui_on_log,
    .on_status = tui_on_status,
    .on_state = tui_on_state,
    .on_reset = tui_on_reset,
};
