/* tui.c - the full-screen viewer: terminal set-up and restore, the loop
 * wiring (keys, signals, timers, streams, the automation list), and the
 * actions the key table names. Drawing lives in view_*.c. */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "net/auth.h"
#include "core/buf.h"
#include "net/client.h"
#include "conf.h"
#include "core/format.h"
#include "tui/keys.h"
#include "net/loop.h"
#include "net/stream.h"
#include "theme.h"
#include "tui/tui.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Fewest ms between two redraws (about 30 a second). */
#define TUI_REDRAW_MS 33
/* Fewest ms between two redraws answering a key: keys skip the throttle
 * (a held-down key still cannot redraw more than this often). */
#define TUI_KEY_REDRAW_MS 8
/* Time-dependent parts (sparklines, countdowns) are redrawn this often. */
#define TUI_TICK_MS 1000
/* Time spent re-filtering or searching per loop pass. */
#define TUI_SLICE_MS 8
/* Lines scanned between two looks at the clock. */
#define TUI_SLICE_LINES 4096
/* How long the list keeps its order after a key in it: the rows do not
 * re-sort under an operator moving and watching. */
#define TUI_LIST_HOLD_MS 5000
/* How long a notice stays on the status bar; errors stay longer. */
#define TUI_MSG_MS 4000
#define TUI_MSG_ERROR_MS 8000

/* Whether curses owns the terminal: the exit and fatal-signal paths
 * (which cannot reach the viewer's state) restore it when true. */
static bool tui_curses_on;

/* Leave curses if it is on; safe to call more than once. */
static void
tui_restore(void)
{
	if (tui_curses_on && !isendwin()) {
		endwin();
		fflush(stdout);
	}
}

/* What the fatal-signal handler needs, prepared while it is safe to call
 * curses: endwin() is not async-signal-safe, write() and tcsetattr() are. */
static struct termios tui_saved_tio;
static bool tui_have_tio;
static char tui_fatal_seq[512];
static size_t tui_fatal_len;

/* Append v to the fatal sequence when it fits. */
static void
tui_fatal_put(const char *v)
{
	size_t n = strlen(v);

	if (tui_fatal_len + n < sizeof tui_fatal_seq) {
		memcpy(tui_fatal_seq + tui_fatal_len, v, n);
		tui_fatal_len += n;
	}
}

/* Append terminfo capability cap to the fatal sequence, if it exists. */
static void
tui_fatal_add(const char *cap)
{
	char *v = tigetstr(cap);

	if (v != NULL && v != (char *)-1)
		tui_fatal_put(v);
}

/* A fatal signal: put the terminal back as it was with nothing but
 * async-signal-safe calls, then die of the same signal. */
static void
tui_fatal(int sig)
{
	if (tui_curses_on) {
		if (tui_fatal_len > 0 &&
		    write(STDOUT_FILENO, tui_fatal_seq, tui_fatal_len) < 0) {
			/* Nothing more can be done for the terminal. */
		}
		if (tui_have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_tio);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

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

/* Ask for a redraw at the next chance. */
void
tui_dirty(struct tui *t)
{
	t->dirty = true;
}

/* Show a one-line notice (error true: in the error colour). */
void
tui_msg(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_error = error;
	t->msg_until = loop_now() + (error ? TUI_MSG_ERROR_MS : TUI_MSG_MS);
	tui_dirty(t);
}

/* Timer: the notice has been up long enough (tui_before_sleep arms it,
 * and it arms itself again when a newer notice came meanwhile). */
static void
tui_on_msg_timer(void *arg)
{
	struct tui *t = arg;

	if (t->msg[0] != '\0' && loop_now() >= t->msg_until) {
		t->msg[0] = '\0';
		tui_dirty(t);
	} else if (t->msg[0] != '\0')
		loop_timer_in(
		    t->loop, &t->msg_timer, t->msg_until - loop_now());
}

/* The pane keys act on: the focused one, or the list's target. */
int
tui_pane_index(const struct tui *t)
{
	return t->focus >= 0 ? t->focus : t->target;
}

/* Start re-filtering pane i from the first line, keeping the reader's
 * place (the current line's seq stays, so the same event stays on screen
 * when it still passes). */
void
tui_pane_refilter(struct tui *t, int i)
{
	reader_refilter(&t->pane[i].r);
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
	if (src >= 0 && src < t->nsrcs)
		t->srcs[src].unread = 0;
	if (merged) {
		for (int k = 0; k < t->nsrcs; k++) {
			if (filter_has_source(&p->r.f, k))
				t->srcs[k].unread = 0;
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
static void
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
}

/* Free what pane i holds. */
static void
tui_pane_free(struct tui *t, int i)
{
	reader_free(&t->pane[i].r);
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

/* Move the reader of pane i by delta lines (negative: up). */
static void
tui_move(struct tui *t, int i, long delta)
{
	reader_move(&t->pane[i].r, delta);
	tui_dirty(t);
}

/* Go to the next (dir 1) or previous line at level lv (or above, with
 * at_least) in pane i, or say there is none. */
static void
tui_jump_level(struct tui *t, int i, int dir, uint8_t lv, bool at_least)
{
	if (lineidx_count(&t->pane[i].r.li) > 0 &&
	    !reader_jump_level(&t->pane[i].r, dir, lv, at_least))
		tui_msg(t, false, "no %s %s line",
		    dir > 0 ? "next" : "previous", level_name(lv));
}

/* Move to the next match in pane i, saying when it wrapped or failed. */
static void
tui_match(struct tui *t, int i, bool same_dir)
{
	struct reader *r = &t->pane[i].r;
	bool fwd = r->s.backward ? !same_dir : same_dir;

	switch (reader_match(r, same_dir)) {
	case READER_NO_SEARCH:
		tui_msg(t, false, "no search: / or ? starts one");
		break;
	case READER_NONE:
		if (lineidx_count(&r->li) > 0)
			tui_msg(t, false, "no match for %s", r->s.pat.text);
		break;
	case READER_WRAPPED:
		tui_msg(t, false, "search wrapped around to the %s",
		    fwd ? "first line" : "last line");
		break;
	case READER_FOUND:
		break;
	}
}

/* Set the level floor of the pane keys act on. */
static void
tui_floor(struct tui *t, uint8_t lv)
{
	int i = tui_pane_index(t);

	if (t->pane[i].r.f.floor == lv)
		return;
	t->pane[i].r.f.floor = lv;
	tui_pane_refilter(t, i);
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
	uint64_t now = loop_now();

	if (sb_append(t->sb, (uint16_t)i, ev) < 0) {
		tui_msg(t, true, "out of memory: a line was not stored");
		return;
	}
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

/* Watch every running automation (the `a` key and --all). */
static void
tui_watch_running(struct tui *t)
{
	int k;

	for (k = 0; k < t->nsrcs; k++) {
		if (t->srcs[k].run == RUN_RUNNING)
			tui_watch(t, k, true);
	}
}

/* True while something on screen changes with time alone: relative
 * timestamps, sparklines of recent events, reconnect countdowns, the
 * durations of open runs in the list. */
static bool
tui_needs_tick(const struct tui *t)
{
	const struct stream_status *st;
	int k;

	if (t->ts == TUI_TS_RELATIVE ||
	    loop_now() - t->last_event < (RATE_SECONDS + 1) * 1000)
		return true;
	for (k = 0; k < t->nsrcs; k++) {
		if (t->list_shown && t->srcs[k].run_no > 0 &&
		    t->srcs[k].run_started_ms != INT64_MIN &&
		    t->srcs[k].run_ended_ms == INT64_MIN)
			return true;
		if (t->srcs[k].stream == NULL)
			continue;
		st = stream_status(t->srcs[k].stream);
		if (st->state == STREAM_WAITING ||
		    st->state == STREAM_CONNECTING)
			return true;
	}
	return false;
}

/* Timer: redraw the time-dependent parts once a second. */
static void
tui_on_tick(void *arg)
{
	tui_dirty(arg);
}

/* Timer: the list's hold ended; draw it re-sorted. */
static void
tui_on_list_hold(void *arg)
{
	tui_dirty(arg);
}

/* Timer used only to wake the loop (throttled redraw, pending scans). */
static void
tui_on_wake(void *arg)
{
}

/* Move the list selection by delta rows of the display order. */
static void
tui_list_move(struct tui *t, int delta)
{
	int order[FILTER_SOURCES_MAX], n, k, at = 0;

	n = view_list_order(t, order, FILTER_SOURCES_MAX);
	if (n == 0)
		return;
	for (k = 0; k < n; k++) {
		if (order[k] == t->sel)
			at = k;
	}
	at += delta;
	if (at < 0)
		at = 0;
	if (at >= n)
		at = n - 1;
	if (order[at] == t->sel)
		return;
	t->sel = order[at];
	/* One pane shows what the cursor is on; split panes each keep the
	 * automation chosen for them (ACT_SHOW). */
	if (t->npanes == 1 && !t->pane[t->target].merged)
		tui_pane_show(t, t->target, t->sel, false);
	tui_dirty(t);
}

/* Split the log area into one more pane (back to one after the last). */
static void
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

/* Suspend to the shell (Ctrl-Z) and come back with a clean screen. */
static void
tui_suspend(struct tui *t)
{
	tui_restore();
	raise(SIGSTOP);
	refresh();
	t->full_redraw = true;
	tui_dirty(t);
}

/* Mouse wheel: scroll the pane under the pointer (or the focused one). */
static void
tui_mouse(struct tui *t)
{
	MEVENT ev;
	int k, i = tui_pane_index(t);

	if (getmouse(&ev) != OK)
		return;
	for (k = 0; k < t->npanes; k++) {
		struct rect r = t->lay.pane[k];

		if (ev.y >= r.y && ev.y < r.y + r.h && ev.x >= r.x &&
		    ev.x < r.x + r.w)
			i = k;
	}
	if (ev.bstate & BUTTON4_PRESSED)
		tui_move(t, i, -3);
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		tui_move(t, i, 3);
#endif
}

/* Do what a key means in the normal mode. */
static void
tui_key(struct tui *t, int key)
{
	unsigned where = t->focus < 0 ? KEYS_LIST : KEYS_LOG;
	enum action a = keys_lookup(key, where);
	int i = tui_pane_index(t), k;
	struct tui_pane *p = &t->pane[i];
	int page = p->r.rows > 1 ? p->r.rows - 1 : 1;
	bool list = t->focus < 0;
	uint64_t seq;

	if (t->mode != NULL) {
		if (t->mode->key(t, key) != TUI_KEEP)
			tui_dirty(t);
		return;
	}
	if (list && a != ACT_NONE) {
		view_list_hold(t, loop_now() + TUI_LIST_HOLD_MS);
		loop_timer_in(t->loop, &t->list_hold_timer, TUI_LIST_HOLD_MS);
	}
	switch (a) {
	case ACT_NONE:
	case ACT_COUNT:
		return;
	case ACT_QUIT:
		tui_quit(t);
		return;
	case ACT_HELP:
		view_help_open(t);
		break;
	case ACT_FOCUS_NEXT:
	case ACT_FOCUS_PREV:
		k = t->focus + (a == ACT_FOCUS_NEXT ? 1 : -1);
		if (k >= t->npanes)
			k = -1;
		if (k < -1)
			k = t->npanes - 1;
		if (k == -1 && !t->list_shown)
			k = a == ACT_FOCUS_NEXT ? 0 : t->npanes - 1;
		t->focus = k;
		if (k >= 0)
			t->target = k;
		break;
	case ACT_FOCUS_LIST:
		/* The list's Enter then fills the pane that had focus. */
		t->target = i;
		t->focus = -1;
		t->list_shown = true;
		break;
	case ACT_DOWN:
	case ACT_UP:
		if (list)
			tui_list_move(t, a == ACT_DOWN ? 1 : -1);
		else
			tui_move(t, i, a == ACT_DOWN ? 1 : -1);
		break;
	case ACT_PAGE_DOWN:
	case ACT_PAGE_UP:
		if (list)
			tui_list_move(t, (a == ACT_PAGE_DOWN ? 1 : -1) *
			                     (t->lay.list.h - 2));
		else
			tui_move(t, i, a == ACT_PAGE_DOWN ? page : -page);
		break;
	case ACT_HALF_DOWN:
	case ACT_HALF_UP:
		if (list)
			tui_list_move(t, (a == ACT_HALF_DOWN ? 1 : -1) *
			                     (t->lay.list.h / 2));
		else
			tui_move(t, i,
			    (a == ACT_HALF_DOWN ? 1 : -1) *
			        (page / 2 > 0 ? page / 2 : 1));
		break;
	case ACT_TOP:
		if (list)
			tui_list_move(t, -FILTER_SOURCES_MAX);
		else
			reader_first(&p->r);
		break;
	case ACT_BOTTOM:
		if (list)
			tui_list_move(t, FILTER_SOURCES_MAX);
		else
			reader_last(&p->r);
		break;
	case ACT_PAUSE:
		if (p->r.follow)
			reader_pause(&p->r);
		else
			reader_follow(&p->r);
		break;
	case ACT_FOLLOW:
		reader_follow(&p->r);
		break;
	case ACT_LEFT:
		if (!t->wrap) {
			p->hscroll -= p->hscroll >= 8 ? 8 : p->hscroll;
		}
		break;
	case ACT_RIGHT:
		if (!t->wrap)
			p->hscroll += 8;
		break;
	case ACT_WRAP:
		t->wrap = !t->wrap;
		for (k = 0; k < t->npanes; k++)
			t->pane[k].hscroll = 0;
		break;
	case ACT_TIMESTAMPS:
		t->ts = (t->ts + 1) % 3;
		break;
	case ACT_FLOOR_TRACE:
	case ACT_FLOOR_DEBUG:
	case ACT_FLOOR_INFO:
	case ACT_FLOOR_WARN:
	case ACT_FLOOR_ERROR:
		tui_floor(t, (uint8_t)(LEVEL_TRACE + (a - ACT_FLOOR_TRACE)));
		break;
	case ACT_NEXT_ERROR:
		tui_jump_level(t, i, 1, LEVEL_ERROR, true);
		break;
	case ACT_PREV_ERROR:
		tui_jump_level(t, i, -1, LEVEL_ERROR, true);
		break;
	case ACT_NEXT_WARN:
		tui_jump_level(t, i, 1, LEVEL_WARN, false);
		break;
	case ACT_SEARCH_FWD:
		view_prompt_open(t, PROMPT_SEARCH_FWD);
		break;
	case ACT_SEARCH_BACK:
		view_prompt_open(t, PROMPT_SEARCH_BACK);
		break;
	case ACT_MATCH_NEXT:
	case ACT_MATCH_PREV:
		tui_match(t, i, a == ACT_MATCH_NEXT);
		break;
	case ACT_FILTER_KEEP:
		view_prompt_open(t, PROMPT_KEEP);
		break;
	case ACT_FILTER_HIDE:
		view_prompt_open(t, PROMPT_HIDE);
		break;
	case ACT_FILTER_LIST:
		view_filters_open(t, i);
		break;
	case ACT_FILTER_CLEAR:
		filter_clear(&p->r.f);
		search_clear(&p->r.s);
		tui_pane_refilter(t, i);
		break;
	case ACT_SAVE:
		view_prompt_open(t, PROMPT_SAVE);
		break;
	case ACT_MERGED:
		tui_pane_show(t, i, p->merged ? t->sel : -1, !p->merged);
		break;
	case ACT_SPLIT:
		tui_split(t);
		break;
	case ACT_SPLIT_DIR:
		t->side_by_side = !t->side_by_side;
		break;
	case ACT_DETAIL:
		if (!reader_cur_seq(&p->r, &seq))
			return;
		view_detail_open(t, seq);
		break;
	case ACT_WATCH:
		if (t->sel >= 0)
			tui_watch(t, t->sel, t->srcs[t->sel].stream == NULL);
		break;
	case ACT_SHOW:
		if (t->sel >= 0) {
			tui_pane_show(t, t->target, t->sel, false);
			tui_watch(t, t->sel, true);
		}
		break;
	case ACT_WATCH_ALL:
		tui_watch_running(t);
		break;
	case ACT_REFRESH:
		tui_lists_refresh(t);
		break;
	case ACT_RUNS:
		if (!list && p->src >= 0 && !p->merged)
			view_runs_open(t, p->src);
		else if (t->sel >= 0)
			view_runs_open(t, t->sel);
		break;
	case ACT_KIND:
		t->list_kind = (t->list_kind + 1) % TUI_KINDS;
		t->sel = -1;
		t->list_top = 0;
		tui_list_first_selection(t);
		break;
	case ACT_LIST_TOGGLE:
		t->list_shown = !t->list_shown;
		if (!t->list_shown && t->focus < 0)
			t->focus = t->target;
		break;
	case ACT_LIST_WIDER:
	case ACT_LIST_NARROWER:
		/* From the width on screen: a wish the screen cuts is
		 * forgotten once the operator changes it. */
		t->list_w =
		    layout_list_width(layout_list_width(t->list_w, COLS) +
		                          (a == ACT_LIST_WIDER ? 4 : -4),
		        COLS);
		break;
	case ACT_LIST_FILTER:
		view_prompt_open(t, PROMPT_LIST);
		break;
	case ACT_CLOSE:
		t->msg[0] = '\0';
		t->list_filter[0] = '\0';
		break;
	case ACT_MOUSE:
		tui_mouse(t);
		break;
	case ACT_SUSPEND:
		tui_suspend(t);
		break;
	case ACT_REDRAW:
		t->full_redraw = true;
		break;
	}
	tui_dirty(t);
}

/* The terminal has input: read every key waiting. */
static void
tui_on_stdin(int fd, void *arg)
{
	struct tui *t = arg;
	wint_t wc;
	int rc;

	t->key_pending = true;
	while (!t->quit && (rc = get_wch(&wc)) != ERR) {
		if (rc == KEY_CODE_YES) {
			if (wc == KEY_RESIZE)
				continue;
			tui_key(t, (int)wc | KEYS_FN);
		} else
			tui_key(t, (int)wc);
	}
}

/* SIGWINCH: take the new size at once. */
static void
tui_on_winch(int sig, void *arg)
{
	struct tui *t = arg;
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	/* t->list_w stays what the operator chose: the layout clamps it to
	 * each size, so a small window and back gives the same list. */
	t->full_redraw = true;
	tui_dirty(t);
}

/* SIGCONT: back from a stop we did not start; repaint everything. */
static void
tui_on_cont(int sig, void *arg)
{
	struct tui *t = arg;

	t->full_redraw = true;
	tui_dirty(t);
}

/* Leave through the normal path, exit status 0. */
void
tui_quit(struct tui *t)
{
	t->quit = true;
	loop_stop(t->loop, 0);
}

/* SIGINT, SIGTERM, SIGHUP: leave through the normal path. */
static void
tui_on_quit_signal(int sig, void *arg)
{
	struct tui *t = arg;

	t->quit = true;
	loop_stop(t->loop, sig == SIGINT ? 0 : 128 + sig);
}

/* Draw everything. */
static void
tui_draw(struct tui *t)
{
	struct layout_req req = {
	    .cols = COLS,
	    .rows = LINES,
	    .list_shown = t->list_shown,
	    .list_w = t->list_w,
	    .npanes = t->npanes,
	    .side_by_side = t->side_by_side,
	};
	int k;

	if (t->full_redraw) {
		clearok(curscr, TRUE);
		t->full_redraw = false;
	}
	layout_compute(&req, &t->lay);
	erase();
	if (t->lay.too_small) {
		curs_set(0);
		view_too_small(t);
		refresh();
		return;
	}
	if (t->lay.list_shown)
		view_list_draw(t);
	for (k = 0; k < t->lay.npanes; k++)
		view_log_draw(t, k);
	if (t->mode != NULL && t->mode->draw != NULL)
		t->mode->draw(t);
	curs_set(t->mode == &view_prompt_mode ? 1 : 0);
	view_status_draw(t);
	refresh();
}

/* Scan pending lines of every pane for a bounded time; true when work
 * is left for the next pass. */
static bool
tui_work(struct tui *t)
{
	uint64_t deadline = loop_now() + TUI_SLICE_MS;
	bool left = false;
	int k;

	if (sb_evicted(t->sb) != t->evicted_seen) {
		t->evicted_seen = sb_evicted(t->sb);
		for (k = 0; k < t->npanes; k++) {
			lineidx_trim(&t->pane[k].r.li, t->sb);
			search_trim(&t->pane[k].r.s, t->sb);
		}
	}
	for (k = 0; k < t->npanes; k++) {
		struct tui_pane *p = &t->pane[k];

		while (lineidx_pending(&p->r.li, t->sb) ||
		       search_pending(&p->r.s, &p->r.li)) {
			if (lineidx_scan(
			        &p->r.li, t->sb, &p->r.f, TUI_SLICE_LINES) < 0 ||
			    search_scan(&p->r.s, &p->r.li, t->sb, TUI_SLICE_LINES) <
			        0) {
				tui_msg(t, true,
				    "out of memory while "
				    "filtering");
				break;
			}
			if (loop_now() >= deadline) {
				left = true;
				break;
			}
		}
		if (left)
			break;
	}
	return left;
}

/* Once per loop pass: scan, then redraw if something changed and the
 * last redraw is long enough ago. */
static void
tui_before_sleep(void *arg)
{
	struct tui *t = arg;
	uint64_t now, gap;

	if (t->quit)
		return;
	tui_lists_apply(t);
	now = loop_now();
	if (tui_work(t) | tui_save_step(t, loop_now() + TUI_SLICE_MS)) {
		tui_dirty(t);
		loop_timer_in(t->loop, &t->work_timer, 0);
	}
	if (!t->tick_timer.armed && tui_needs_tick(t))
		loop_timer_in(t->loop, &t->tick_timer, TUI_TICK_MS);
	if (!t->msg_timer.armed && t->msg[0] != '\0')
		loop_timer_in(t->loop, &t->msg_timer,
		    t->msg_until > now ? t->msg_until - now : 0);
	if (!t->dirty)
		return;
	now = loop_now();
	gap = t->key_pending ? TUI_KEY_REDRAW_MS : TUI_REDRAW_MS;
	if (now - t->last_draw < gap) {
		if (!t->redraw_timer.armed ||
		    t->redraw_timer.when > t->last_draw + gap)
			loop_timer_in(t->loop, &t->redraw_timer,
			    gap - (now - t->last_draw));
		return;
	}
	t->dirty = false;
	t->key_pending = false;
	t->last_draw = now;
	tui_draw(t);
}

/* Put the terminal into the viewer's mode, colours from theme th. */
static int
tui_curses_init(struct tui *t, const struct theme *th)
{
	tui_have_tio = tcgetattr(STDIN_FILENO, &tui_saved_tio) == 0;
	if (initscr() == NULL)
		return -1;
	tui_curses_on = true;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	              | BUTTON5_PRESSED
#endif
	    ,
	    NULL);
	mouseinterval(0);
	draw_colors_init(t->o->color, th);
	/* Undo attributes, the hidden cursor, mouse reporting (as ncurses
	 * turns it on for xterm-like terminals) and the alternate screen. */
	tui_fatal_len = 0;
	tui_fatal_add("sgr0");
	tui_fatal_add("cnorm");
	if (tigetstr("kmous") != NULL && tigetstr("kmous") != (char *)-1)
		tui_fatal_put("\033[?1000l\033[?1006l");
	tui_fatal_add("rmcup");
	return 0;
}

static const struct stream_handlers tui_handlers = {
    .on_log = tui_on_log,
    .on_status = tui_on_status,
    .on_state = tui_on_state,
    .on_reset = tui_on_reset,
};

/* Free everything the viewer holds (streams first). */
static void
tui_free(struct tui *t)
{
	int k;

	tui_save_finish(t);
	view_runs_close(t);
	tui_lists_close(t);
	stream_mgr_free(t->mgr);
	for (k = 0; k < t->npanes; k++)
		tui_pane_free(t, k);
	for (k = 0; k < t->nsrcs; k++)
		source_clear(&t->srcs[k].src);
	free(t->srcs);
	sb_free(t->sb);
	if (t->loop != NULL) {
		loop_timer_stop(t->loop, &t->redraw_timer);
		loop_timer_stop(t->loop, &t->work_timer);
		loop_timer_stop(t->loop, &t->tick_timer);
		loop_timer_stop(t->loop, &t->msg_timer);
		loop_timer_stop(t->loop, &t->list_hold_timer);
	}
	loop_free(t->loop);
}

/* Run the viewer. */
int
tui_run(const struct tui_opts *o)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct theme *th = NULL;
	char err[256];
	struct tui t;
	size_t k;
	int rc, i;

	memset(&t, 0, sizeof t);
	/* Before anything can call tui_msg, which arms it. */
	loop_timer_init(&t.msg_timer, tui_on_msg_timer, &t);
	t.o = o;
	t.sel = -1;
	t.list_shown = true;
	t.list_w = o->list_width > 0 ? o->list_width : LAYOUT_LIST_DEFAULT;
	t.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	t.wrap = o->wrap;
	t.ts = o->timestamps == CONF_TS_RELATIVE ? TUI_TS_RELATIVE
	       : o->timestamps == CONF_TS_OFF    ? TUI_TS_OFF
	                                         : TUI_TS_ABSOLUTE;
	/* main checked the theme already; a broken one falls back to the
	 * built-in theme, and the key table takes the rebindings. */
	if (theme_load(o->theme, &th, err, sizeof err) == -1)
		tui_msg(&t, true, "%s", err);
	keys_unbind_all();
	for (k = 0; k < o->nkeys; k++) {
		if (keys_bind(o->keys[k].action, o->keys[k].code,
		        o->keys[k].key) == -1)
			tui_msg(&t, true, "keys: cannot bind %s to %s",
			    o->keys[k].key, o->keys[k].action);
	}
	t.sb =
	    sb_new(o->scrollback_cap ? o->scrollback_cap : (size_t)256 << 20);
	t.loop = loop_new();
	if (t.sb == NULL || t.loop == NULL || th == NULL ||
	    (t.mgr = stream_mgr_new(t.loop, o->client, &tui_handlers, &t)) ==
	        NULL) {
		fprintf(stderr, "logdeck: out of memory\n");
		tui_free(&t);
		theme_free(th);
		return 1;
	}
	for (k = 0; k < o->nwatch; k++) {
		if ((i = tui_src_add(&t, &o->watch[k])) < 0)
			continue;
		t.srcs[i].from_cmdline = true;
		if (o->run != NULL) {
			/* --run: that run alone, named so in the pane. */
			char name[200];

			snprintf(name, sizeof name, "%s, run %s",
			    tui_src_name(&t, i), o->run);
			source_set_name(&t.srcs[i].src, name);
			snprintf(t.srcs[i].run_sel, sizeof t.srcs[i].run_sel,
			    "%s", o->run);
		}
	}
	t.npanes = 1;
	t.sel = t.nsrcs > 0 ? 0 : -1;
	tui_pane_init(&t, 0, t.sel, o->merged, (uint8_t)o->floor);
	for (i = 0; i < t.nsrcs; i++)
		tui_watch(&t, i, true);
	t.focus = t.nsrcs > 0 ? 0 : -1;

	/* From here on the terminal is ours: give it back on every path. */
	for (k = 0; k < sizeof fatal / sizeof fatal[0]; k++)
		signal(fatal[k], tui_fatal);
	atexit(tui_restore);
	if (tui_curses_init(&t, th) == -1) {
		fprintf(stderr, "logdeck: cannot set up the terminal\n");
		tui_free(&t);
		theme_free(th);
		return 1;
	}
	loop_timer_init(&t.redraw_timer, tui_on_wake, &t);
	loop_timer_init(&t.work_timer, tui_on_wake, &t);
	loop_timer_init(&t.tick_timer, tui_on_tick, &t);
	loop_timer_init(&t.list_hold_timer, tui_on_list_hold, &t);
	loop_add_fd(t.loop, STDIN_FILENO, tui_on_stdin, &t);
	loop_add_signal(t.loop, SIGWINCH, tui_on_winch, &t);
	loop_add_signal(t.loop, SIGCONT, tui_on_cont, &t);
	loop_add_signal(t.loop, SIGINT, tui_on_quit_signal, &t);
	loop_add_signal(t.loop, SIGTERM, tui_on_quit_signal, &t);
	loop_add_signal(t.loop, SIGHUP, tui_on_quit_signal, &t);
	loop_set_before_sleep(t.loop, tui_before_sleep, &t);
	if (tui_lists_open(&t) == -1)
		tui_msg(&t, true, "out of memory: the lists are not followed");
	t.dirty = true;
	tui_before_sleep(&t);

	rc = loop_run(t.loop);
	tui_restore();
	tui_curses_on = false;
	tui_free(&t);
	theme_free(th);
	return rc < 0 ? 1 : rc;
}
