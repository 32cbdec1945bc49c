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
/* Lines an incremental search looks through at once for the first hit. */
#define TUI_ISEARCH_LINES 200000
/* Largest formatted line a save writes: a stored event is at most
 * EVENT_SCRATCH_MAX bytes (the stream's cap), and a formatter makes at
 * most FORMAT_MAX_GROWTH bytes of each, plus its slack. */
#define TUI_SAVE_LINE_MAX                                                      \
	((size_t)FORMAT_MAX_GROWTH * (EVENT_SCRATCH_MAX + 1024) +              \
	    FORMAT_LINE_SLACK)
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
		if (t->pane[k].merged ? filter_has_source(&t->pane[k].f, i)
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
static int
tui_pane_index(const struct tui *t)
{
	return t->focus >= 0 ? t->focus : t->target;
}

/* Start re-filtering pane i from the first line, keeping the reader's
 * place (the current line's seq stays, so the same event stays on screen
 * when it still passes). */
static void
tui_pane_refilter(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];

	lineidx_rebuild(&p->li, t->sb);
	search_restart(&p->s);
	tui_dirty(t);
}

/* The merged panes follow the set of watched sources. */
static void
tui_merged_sources(struct tui *t, struct tui_pane *p)
{
	int k;

	p->f.all_sources = false;
	memset(p->f.sources, 0, sizeof p->f.sources);
	for (k = 0; k < t->nsrcs; k++) {
		if (t->srcs[k].stream != NULL)
			filter_set_source(&p->f, k, true);
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
		p->f.all_sources = false;
		memset(p->f.sources, 0, sizeof p->f.sources);
		if (src >= 0)
			filter_set_source(&p->f, src, true);
	}
	if (src >= 0 && src < t->nsrcs)
		t->srcs[src].unread = 0;
	if (merged) {
		for (int k = 0; k < t->nsrcs; k++) {
			if (filter_has_source(&p->f, k))
				t->srcs[k].unread = 0;
		}
	}
	/* Several sources in one pane are read in time order, one in the
	 * order it was written. */
	if (p->li.order != (merged ? LINEIDX_BY_TIME : LINEIDX_BY_SEQ))
		lineidx_set_order(
		    &p->li, t->sb, merged ? LINEIDX_BY_TIME : LINEIDX_BY_SEQ);
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
	filter_init(&p->f);
	p->f.floor = floor;
	p->f.src_name = tui_filter_src_name;
	p->f.src_arg = t;
	lineidx_init(&p->li, t->sb);
	search_init(&p->s);
	p->follow = true;
	p->src = -1;
	tui_pane_show(t, i, src, merged);
}

/* Free what pane i holds. */
static void
tui_pane_free(struct tui *t, int i)
{
	filter_free(&t->pane[i].f);
	lineidx_free(&t->pane[i].li);
	search_free(&t->pane[i].s);
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

/* Stop following in pane i, holding the screen where it is. */
static void
tui_pause(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];
	size_t n = lineidx_count(&p->li), last;

	if (!p->follow)
		return;
	p->follow = false;
	p->pause_end = sb_end(t->sb);
	if (n == 0) {
		p->cur = sb_end(t->sb);
		p->cur_row = 0;
		return;
	}
	last = n - 1;
	p->cur = lineidx_at(&p->li, last);
	p->cur_row = last >= p->drawn_top ? (int)(last - p->drawn_top) : 0;
	if (p->rows > 0 && p->cur_row >= p->rows)
		p->cur_row = p->rows - 1;
}

/* Resume following in pane i. */
static void
tui_follow(struct tui *t, int i)
{
	t->pane[i].follow = true;
	tui_dirty(t);
}

/* Move the reader of pane i by delta lines (negative: up). */
static void
tui_move(struct tui *t, int i, long delta)
{
	struct tui_pane *p = &t->pane[i];
	size_t n = lineidx_count(&p->li), idx;
	long to, row;

	if (n == 0)
		return;
	if (p->follow) {
		if (delta >= 0)
			return;
		tui_pause(t, i);
	}
	idx = view_log_cur_index(t, i);
	to = (long)idx + delta;
	if (to < 0)
		to = 0;
	if (to > (long)n - 1)
		to = (long)n - 1;
	row = p->cur_row + (to - (long)idx);
	if (row < 0)
		row = 0;
	if (p->rows > 0 && row > p->rows - 1)
		row = p->rows - 1;
	if (row > to)
		row = to;
	p->cur = lineidx_at(&p->li, (size_t)to);
	p->cur_row = (int)row;
	tui_dirty(t);
}

/* Put the reader of pane i on line seq: where it is when it is on
 * screen, else in the middle. */
static void
tui_goto(struct tui *t, int i, uint64_t seq)
{
	struct tui_pane *p = &t->pane[i];
	size_t idx;

	tui_pause(t, i);
	idx = lineidx_lower(&p->li, seq);
	if (idx >= p->drawn_top && idx < p->drawn_top + p->drawn_n)
		p->cur_row = (int)(idx - p->drawn_top);
	else
		p->cur_row = p->rows / 2;
	if ((size_t)p->cur_row > idx)
		p->cur_row = (int)idx;
	p->cur = seq;
	tui_dirty(t);
}

/* Find the next (dir 1) or previous (dir -1) line at exactly level lv,
 * or at lv and above when at_least. */
static void
tui_jump_level(struct tui *t, int i, int dir, uint8_t lv, bool at_least)
{
	struct tui_pane *p = &t->pane[i];
	size_t n = lineidx_count(&p->li), idx;
	uint8_t level;
	uint16_t src;
	long k;

	if (n == 0)
		return;
	idx = view_log_cur_index(t, i);
	for (k = (long)idx + dir; k >= 0 && k < (long)n; k += dir) {
		if (!sb_meta(t->sb, lineidx_at(&p->li, k), &level, &src))
			continue;
		if (level == lv ||
		    (at_least && level >= lv && level != LEVEL_OTHER)) {
			tui_goto(t, i, lineidx_at(&p->li, k));
			return;
		}
	}
	tui_msg(t, false, "no %s %s line", dir > 0 ? "next" : "previous",
	    level_name(lv));
}

/* Move to the next match in the search's direction (forward true) or
 * against it. */
static void
tui_match(struct tui *t, int i, bool same_dir)
{
	struct tui_pane *p = &t->pane[i];
	bool fwd = p->s.backward ? !same_dir : same_dir;
	size_t n = lineidx_count(&p->li);
	uint64_t from, to;
	bool found;

	if (!p->s.active) {
		tui_msg(t, false, "no search: / or ? starts one");
		return;
	}
	if (n == 0)
		return;
	from = lineidx_at(&p->li, p->follow ? n - 1 : view_log_cur_index(t, i));
	/* Following, going back, the last line itself counts: the last match
	 * in the pane's order. */
	if (p->follow && !fwd)
		found = search_edge(&p->s, false, &to);
	else
		found = search_next(&p->s, &p->li, from, fwd, &to);
	if (!found) {
		/* Wrap around, as less and vi do, and say so. */
		if (!search_edge(&p->s, fwd, &to)) {
			tui_msg(t, false, "no match for %s", p->s.pat.text);
			return;
		}
		tui_msg(t, false, "search wrapped around to the %s",
		    fwd ? "first line" : "last line");
	}
	tui_goto(t, i, to);
}

/* The incremental step of a search prompt: match what is typed so far
 * and move to the first hit from where the search began. */
static void
tui_isearch(struct tui *t)
{
	int i = tui_pane_index(t);
	struct tui_pane *p = &t->pane[i];
	bool back = t->prompt == PROMPT_SEARCH_BACK;
	size_t n = lineidx_count(&p->li), idx, k, looked = 0;
	struct sb_line l;
	char err[128];

	if (t->plen == 0) {
		search_clear(&p->s);
		tui_dirty(t);
		return;
	}
	if (search_start(&p->s, t->ptext, back, err, sizeof err) == -1)
		return; /* half-typed regex: keep the last good one */
	if (n == 0)
		return;
	idx = t->pstart_follow ? n - 1 : lineidx_lower(&p->li, t->pstart_cur);
	if (idx >= n)
		idx = n - 1;
	/* From where the search began, in its direction, wrapping around
	 * the ends, for at most TUI_ISEARCH_LINES lines. */
	for (k = idx; looked < TUI_ISEARCH_LINES && looked < n; looked++) {
		if (sb_get(t->sb, lineidx_at(&p->li, k), &l) &&
		    pattern_match(&p->s.pat, l.msg)) {
			tui_goto(t, i, lineidx_at(&p->li, k));
			return;
		}
		k = back ? (k == 0 ? n - 1 : k - 1) : (k + 1 == n ? 0 : k + 1);
	}
	tui_dirty(t);
}

/* Set the level floor of the pane keys act on. */
static void
tui_floor(struct tui *t, uint8_t lv)
{
	int i = tui_pane_index(t);

	if (t->pane[i].f.floor == lv)
		return;
	t->pane[i].f.floor = lv;
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

/* The event of stored line l, for the --output formatters: its raw
 * data decoded again when the store kept all of it, else rebuilt from
 * what the store kept (when is scratch room for the timestamp). */
static void
tui_save_event(struct event_decoder *d, const struct sb_line *l,
    struct log_event *ev, char *when, size_t whenlen)
{
	struct tm tm;
	time_t sec;

	if (!(l->flags & SB_CUT_RAW)) {
		event_decode(d, l->raw, l->raw_len, ev);
	} else {
		memset(ev, 0, sizeof *ev);
		ev->level = l->level;
		ev->level_name.p = l->lvname;
		ev->level_name.n = l->lvname_len;
		ev->message.p = l->msg;
		ev->message.n = l->msg_len;
		ev->raw = ev->message;
		when[0] = '\0';
		if (l->ts_ms != INT64_MIN) {
			sec = (time_t)(l->ts_ms / 1000);
			gmtime_r(&sec, &tm);
			snprintf(when, whenlen,
			    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec,
			    (int)(l->ts_ms % 1000));
		}
		ev->timestamp.p = when;
		ev->timestamp.n = strlen(when);
		ev->truncated = 1;
	}
	ev->id = l->id;
	if (l->flags & SB_CUT_EVENT)
		ev->truncated = ev->truncated ? ev->truncated : 1;
}

/* The output shape a save path asks for by its extension: .json and
 * .jsonl JSON lines, .csv CSV, anything else text. */
static enum output_format
tui_save_format(const char *path)
{
	size_t len = strlen(path);

	if ((len > 5 && strcmp(path + len - 5, ".json") == 0) ||
	    (len > 6 && strcmp(path + len - 6, ".jsonl") == 0))
		return OUTPUT_JSON;
	if (len > 4 && strcmp(path + len - 4, ".csv") == 0)
		return OUTPUT_CSV;
	return OUTPUT_TEXT;
}

/* Format stored line seq into out and write it to f; true when it was
 * an event (a marker is written only to text files, and not counted).
 * *failed is set on a write error. */
static bool
tui_save_one(struct tui *t, struct formatter *fmt, struct event_decoder *d,
    struct buf *out, FILE *f, uint64_t seq, bool text, bool *failed)
{
	struct log_event ev;
	struct sb_line l;
	char when[80];

	if (!sb_get_raw(t->sb, seq, &l))
		return false;
	if (l.kind != SB_KIND_LOG) {
		/* A run boundary or gap: a line of its own in a text file,
		 * nothing in JSON or CSV, where every line is an event. */
		if (text && (fwrite(l.msg, 1, l.msg_len, f) != l.msg_len ||
		                fputc('\n', f) == EOF))
			*failed = true;
		return false;
	}
	tui_save_event(d, &l, &ev, when, sizeof when);
	buf_clear(out);
	if (formatter_event(fmt, out, tui_src_name(t, l.src), &ev) != 0 ||
	    fwrite(out->p, 1, out->len, f) != out->len)
		*failed = true;
	return true;
}

/* Save the focused pane's view (or every line) to path, in the shape
 * follow mode's --output gives (source named on every line). */
static void
tui_save(struct tui *t, const char *path)
{
	struct tui_pane *p = &t->pane[tui_pane_index(t)];
	struct format_opts fo = {
	    .format = tui_save_format(path),
	    .utc = t->o->utc,
	    .with_source = true,
	};
	static const char *shape[] = {
	    [OUTPUT_TEXT] = "text",
	    [OUTPUT_JSON] = "JSON lines",
	    [OUTPUT_CSV] = "CSV",
	};
	struct formatter *fmt = formatter_new(&fo);
	struct event_decoder *d = event_decoder_new();
	bool failed = false;
	size_t n = 0, k;
	struct buf out;
	uint64_t seq;
	FILE *f;

	buf_init(&out, TUI_SAVE_LINE_MAX);
	if (fmt == NULL || d == NULL) {
		tui_msg(t, true, "cannot save: out of memory");
		goto done;
	}
	/* Keys typed ahead (a floor, then S) can come before the pane's
	 * scan: finish it, so the file holds the whole view. */
	while (!t->save_all && lineidx_pending(&p->li, t->sb)) {
		if (lineidx_scan(&p->li, t->sb, &p->f, TUI_SLICE_LINES) < 0) {
			tui_msg(t, true, "cannot save: out of memory");
			goto done;
		}
	}
	f = fopen(path, "w");
	if (f == NULL) {
		tui_msg(t, true, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	/* Only CSV has a header: an empty buffer has no storage to write. */
	if (formatter_begin(fmt, &out) == 0 && out.len > 0 &&
	    fwrite(out.p, 1, out.len, f) != out.len)
		failed = true;
	if (t->save_all) {
		for (seq = sb_first(t->sb); seq < sb_end(t->sb); seq++)
			n += tui_save_one(t, fmt, d, &out, f, seq,
			    fo.format == OUTPUT_TEXT, &failed);
	} else {
		for (k = 0; k < lineidx_count(&p->li); k++)
			n += tui_save_one(t, fmt, d, &out, f,
			    lineidx_at(&p->li, k), fo.format == OUTPUT_TEXT,
			    &failed);
	}
	if (fclose(f) != 0 || failed)
		tui_msg(t, true, "writing %s: %s", path, strerror(errno));
	else
		tui_msg(t, false, "wrote %zu lines (%s) to %s", n,
		    shape[fo.format], path);
done:
	buf_free(&out);
	formatter_free(fmt);
	event_decoder_free(d);
}

/* Open the prompt of kind k. */
static void
tui_prompt_open(struct tui *t, enum tui_prompt k)
{
	struct tui_pane *p = &t->pane[tui_pane_index(t)];
	struct tm tm;
	time_t now;

	t->mode = TUI_PROMPT;
	t->prompt = k;
	t->ptext[0] = '\0';
	t->plen = 0;
	t->pstart_cur = p->cur;
	t->pstart_follow = p->follow;
	t->pstart_row = p->cur_row;
	if (k == PROMPT_SAVE) {
		now = time(NULL);
		localtime_r(&now, &tm);
		t->plen = strftime(t->ptext, sizeof t->ptext,
		    "logdeck-%Y%m%d-%H%M%S.log", &tm);
	} else if (k == PROMPT_LIST) {
		snprintf(t->ptext, sizeof t->ptext, "%s", t->list_filter);
		t->plen = strlen(t->ptext);
	}
	tui_dirty(t);
}

/* The prompt's text changed. */
static void
tui_prompt_changed(struct tui *t)
{
	switch (t->prompt) {
	case PROMPT_SEARCH_FWD:
	case PROMPT_SEARCH_BACK:
		tui_isearch(t);
		break;
	case PROMPT_LIST:
		/* The list prompt stops at TUI_LIST_FILTER_MAX bytes. */
		memcpy(t->list_filter, t->ptext, t->plen + 1);
		break;
	default:
		break;
	}
	tui_dirty(t);
}

/* Enter at the prompt: act on the text. */
static void
tui_prompt_commit(struct tui *t)
{
	int i = tui_pane_index(t);
	char err[160];

	t->mode = TUI_NORMAL;
	switch (t->prompt) {
	case PROMPT_KEEP:
	case PROMPT_HIDE:
		if (t->plen == 0)
			break;
		if (filter_push(&t->pane[i].f, t->ptext,
		        t->prompt == PROMPT_KEEP, err, sizeof err) == -1)
			tui_msg(t, true, "%s", err);
		else
			tui_pane_refilter(t, i);
		break;
	case PROMPT_SAVE:
		if (t->plen > 0)
			tui_save(t, t->ptext);
		break;
	case PROMPT_SEARCH_FWD:
	case PROMPT_SEARCH_BACK:
		if (t->plen > 0 &&
		    search_start(&t->pane[i].s, t->ptext,
		        t->prompt == PROMPT_SEARCH_BACK, err, sizeof err) == -1)
			tui_msg(t, true, "%s", err);
		break;
	default:
		break;
	}
	tui_dirty(t);
}

/* Esc at the prompt: undo what the incremental prompt did. */
static void
tui_prompt_cancel(struct tui *t)
{
	struct tui_pane *p = &t->pane[tui_pane_index(t)];

	t->mode = TUI_NORMAL;
	if (t->prompt == PROMPT_SEARCH_FWD || t->prompt == PROMPT_SEARCH_BACK) {
		search_clear(&p->s);
		p->follow = t->pstart_follow;
		p->cur = t->pstart_cur;
		p->cur_row = t->pstart_row;
	} else if (t->prompt == PROMPT_LIST)
		t->list_filter[0] = '\0';
	tui_dirty(t);
}

/* A key while the prompt is open. */
static void
tui_prompt_key(struct tui *t, int key)
{
	char enc[8];
	int n;

	if (key == '\r' || key == '\n' || key == (KEY_ENTER | KEYS_FN)) {
		tui_prompt_commit(t);
		return;
	}
	if (key == 0x1b || key == KEYS_CTRL('c') || key == KEYS_CTRL('g')) {
		tui_prompt_cancel(t);
		return;
	}
	if (key == '\t' && t->prompt == PROMPT_SAVE) {
		t->save_all = !t->save_all;
		tui_dirty(t);
		return;
	}
	if (key == 0x7f || key == 0x08 || key == (KEY_BACKSPACE | KEYS_FN)) {
		while (t->plen > 0 &&
		       ((unsigned char)t->ptext[--t->plen] & 0xc0) == 0x80)
			;
		t->ptext[t->plen] = '\0';
		tui_prompt_changed(t);
		return;
	}
	if (key == KEYS_CTRL('u')) {
		t->plen = 0;
		t->ptext[0] = '\0';
		tui_prompt_changed(t);
		return;
	}
	if ((key & KEYS_FN) || key < 0x20 || key == 0x7f ||
	    (key >= 0x80 && key < 0xa0))
		return;
	n = wctomb(enc, (wchar_t)key);
	if (n <= 0 || t->plen + (size_t)n > (t->prompt == PROMPT_LIST
	                                            ? TUI_LIST_FILTER_MAX
	                                            : TUI_PROMPT_MAX))
		return;
	memcpy(t->ptext + t->plen, enc, (size_t)n);
	t->plen += (size_t)n;
	t->ptext[t->plen] = '\0';
	tui_prompt_changed(t);
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
		    t->pane[tui_pane_index(t)].f.floor);
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

/* Scroll a modal view (detail, help) by delta rows. */
static void
tui_modal_scroll(int *top, int delta, int rows)
{
	*top += delta;
	if (*top > rows - 1)
		*top = rows - 1;
	if (*top < 0)
		*top = 0;
}

/* A key in the detail view or help overlay. */
static void
tui_modal_key(struct tui *t, int key)
{
	enum action a = keys_lookup(key, KEYS_LOG);
	int *top = t->mode == TUI_DETAIL ? &t->detail_top : &t->help_top;
	int rows =
	    t->mode == TUI_DETAIL ? view_detail_rows(t) : view_help_rows();
	int page = t->lay.status.y - 2;

	switch (a) {
	case ACT_CLOSE:
	case ACT_QUIT:
	case ACT_HELP:
	case ACT_DETAIL:
	case ACT_SEARCH_BACK: /* "?" closes the help it opened */
		if (key == KEYS_CTRL('c')) {
			t->quit = true;
			loop_stop(t->loop, 0);
		}
		t->mode = TUI_NORMAL;
		break;
	case ACT_DOWN:
		tui_modal_scroll(top, 1, rows);
		break;
	case ACT_UP:
		tui_modal_scroll(top, -1, rows);
		break;
	case ACT_PAGE_DOWN:
	case ACT_HALF_DOWN:
	case ACT_PAUSE:
		tui_modal_scroll(top, page, rows);
		break;
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
		tui_modal_scroll(top, -page, rows);
		break;
	case ACT_TOP:
		*top = 0;
		break;
	default:
		return;
	}
	tui_dirty(t);
}

/* A key in the filter list: a digit switches that filter off or on,
 * anything that closes or quits closes it. */
static void
tui_filters_key(struct tui *t, int key)
{
	int i = t->filters_pane;
	enum action a = keys_lookup(key, KEYS_LOG);

	if (key >= '1' && key < '1' + FILTER_PATTERNS_MAX) {
		if (filter_toggle(&t->pane[i].f, key - '1') == 0)
			tui_pane_refilter(t, i);
	} else if (a == ACT_CLOSE || a == ACT_QUIT || a == ACT_FILTER_LIST) {
		t->mode = TUI_NORMAL;
		if (key == KEYS_CTRL('c')) {
			t->quit = true;
			loop_stop(t->loop, 0);
		}
	}
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
	int page = p->rows > 1 ? p->rows - 1 : 1;
	bool list = t->focus < 0;

	if (t->mode == TUI_PROMPT) {
		tui_prompt_key(t, key);
		return;
	}
	if (t->mode == TUI_DETAIL || t->mode == TUI_HELP) {
		tui_modal_key(t, key);
		return;
	}
	if (t->mode == TUI_RUNS) {
		view_runs_key(t, key);
		tui_dirty(t);
		return;
	}
	if (t->mode == TUI_FILTERS) {
		tui_filters_key(t, key);
		return;
	}
	if (list && a != ACT_NONE) {
		view_list_hold(t, loop_now() + TUI_LIST_HOLD_MS);
		loop_timer_in(t->loop, &t->list_hold_timer, TUI_LIST_HOLD_MS);
	}
	switch (a) {
	case ACT_NONE:
		return;
	case ACT_QUIT:
		t->quit = true;
		loop_stop(t->loop, 0);
		return;
	case ACT_HELP:
		t->mode = TUI_HELP;
		t->help_top = 0;
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
		else if (lineidx_count(&p->li) > 0) {
			tui_pause(t, i);
			p->cur = lineidx_at(&p->li, 0);
			p->cur_row = 0;
		}
		break;
	case ACT_BOTTOM:
		if (list)
			tui_list_move(t, FILTER_SOURCES_MAX);
		else if (lineidx_count(&p->li) > 0) {
			tui_pause(t, i);
			tui_move(t, i, (long)lineidx_count(&p->li));
		}
		break;
	case ACT_PAUSE:
		if (p->follow)
			tui_pause(t, i);
		else
			tui_follow(t, i);
		break;
	case ACT_FOLLOW:
		tui_follow(t, i);
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
		tui_prompt_open(t, PROMPT_SEARCH_FWD);
		break;
	case ACT_SEARCH_BACK:
		tui_prompt_open(t, PROMPT_SEARCH_BACK);
		break;
	case ACT_MATCH_NEXT:
	case ACT_MATCH_PREV:
		tui_match(t, i, a == ACT_MATCH_NEXT);
		break;
	case ACT_FILTER_KEEP:
		tui_prompt_open(t, PROMPT_KEEP);
		break;
	case ACT_FILTER_HIDE:
		tui_prompt_open(t, PROMPT_HIDE);
		break;
	case ACT_FILTER_LIST:
		t->mode = TUI_FILTERS;
		t->filters_pane = i;
		break;
	case ACT_FILTER_CLEAR:
		filter_clear(&p->f);
		search_clear(&p->s);
		tui_pane_refilter(t, i);
		break;
	case ACT_SAVE:
		tui_prompt_open(t, PROMPT_SAVE);
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
		if (lineidx_count(&p->li) == 0)
			return;
		t->detail_seq = lineidx_at(&p->li, view_log_cur_index(t, i));
		t->detail_top = 0;
		t->mode = TUI_DETAIL;
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
		tui_prompt_open(t, PROMPT_LIST);
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
	if (t->mode == TUI_DETAIL)
		view_detail_draw(t);
	else if (t->mode == TUI_HELP)
		view_help_draw(t);
	else if (t->mode == TUI_RUNS)
		view_runs_draw(t);
	else if (t->mode == TUI_FILTERS)
		view_filters_draw(t);
	curs_set(t->mode == TUI_PROMPT ? 1 : 0);
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
			lineidx_trim(&t->pane[k].li, t->sb);
			search_trim(&t->pane[k].s, t->sb);
		}
	}
	for (k = 0; k < t->npanes; k++) {
		struct tui_pane *p = &t->pane[k];

		while (lineidx_pending(&p->li, t->sb) ||
		       search_pending(&p->s, &p->li)) {
			if (lineidx_scan(
			        &p->li, t->sb, &p->f, TUI_SLICE_LINES) < 0 ||
			    search_scan(&p->s, &p->li, t->sb, TUI_SLICE_LINES) <
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
	if (tui_work(t)) {
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
