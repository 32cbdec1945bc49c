/* tui.c - the full-screen viewer's app: the terminal (set-up, restore on
 * every path out, fatal signals included, suspend), the loop wiring (keys
 * to the open mode or the action table, signals, timers), the slices of
 * work per loop pass and the draw scheduling: one redraw per pass at most,
 * throttled. What the keys do is tui_actions.c, what feeds the panes
 * tui_panes.c, the reader model reader.c, drawing view_*.c. */
#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "conf.h"
#include "net/loop.h"
#include "net/stream.h"
#include "theme.h"
#include "tui/keys.h"
#include "tui/tui.h"
#include "tui/tui_app.h"
#include "tui/tui_stats.h"
#include "tui/tui_watch.h"
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

/* True while something on screen changes with time alone: relative
 * timestamps, sparklines of recent events, reconnect countdowns, the
 * durations of open runs in the list. */
static bool
tui_needs_tick(const struct tui *t)
{
	const struct stream_status *st;
	int k;

	if (t->ts == TUI_TS_RELATIVE ||
	    loop_now() - t->last_event < (RATE_SECONDS + 1) * 1000 ||
	    tui_watch_ticking(t))
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

/* Suspend to the shell (Ctrl-Z); the caller repaints everything. */
void
tui_suspend(struct tui *t)
{
	tui_restore();
	raise(SIGSTOP);
	refresh();
}

/* A key: the open mode's, else the action the key table names. */
static void
tui_key(struct tui *t, int key)
{
	unsigned r =
	    t->mode != NULL ? t->mode->key(t, key) : tui_action(t, key);

	if (r & TUI_REDRAW_FULL)
		t->full_redraw = true;
	if (r != TUI_KEEP)
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
	tui_stats_key(&t->stats);
	/* This pass answers the key: it parses no stream data and goes
	 * straight to the redraw (the throttle allowing). */
	loop_slice_yield(t->loop);
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

	tui_marks_work(t);
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
			if (lineidx_scan(&p->r.li, t->sb, &p->r.f,
			        TUI_SLICE_LINES) < 0 ||
			    search_scan(&p->r.s, &p->r.li, t->sb,
			        TUI_SLICE_LINES) < 0) {
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

/* Microseconds since *mark, which moves to now (the instrument's laps). */
static uint32_t
tui_stats_lap(uint64_t *mark)
{
	uint64_t now = loop_now_us(), d = now - *mark;

	*mark = now;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Once per loop pass: scan, then redraw if something changed and the
 * last redraw is long enough ago. */
static void
tui_before_sleep(void *arg)
{
	struct tui *t = arg;
	uint64_t now, gap, mark = t->stats.on ? loop_now_us() : 0;

	if (t->quit)
		return;
	tui_lists_apply(t);
	if (t->stats.on)
		t->stats.cur.lists_us = tui_stats_lap(&mark);
	tui_watch_pass(t);
	if (t->stats.on)
		t->stats.cur.watch_us = tui_stats_lap(&mark);
	now = loop_now();
	if (tui_work(t) | tui_save_step(t, loop_now() + TUI_SLICE_MS)) {
		tui_dirty(t);
		loop_timer_in(t->loop, &t->work_timer, 0);
	}
	if (t->stats.on)
		t->stats.cur.work_us = tui_stats_lap(&mark);
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
		/* A key waits only for the throttle, not for a slice of
		 * stream data parsed meanwhile. */
		if (t->key_pending)
			loop_slice_yield(t->loop);
		return;
	}
	t->dirty = false;
	t->key_pending = false;
	t->last_draw = now;
	tui_draw(t);
	if (t->stats.on)
		tui_stats_drawn(&t->stats, tui_stats_lap(&mark));
}

/* The loop's pass hook while the instrument is on. */
static void
tui_on_pass(const struct loop_pass *p, void *arg)
{
	struct tui *t = arg;

	tui_stats_pass(&t->stats, p, sb_end(t->sb));
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

/* Free everything the viewer holds (streams first). */
static void
tui_free(struct tui *t)
{
	int k;

	tui_save_finish(t);
	view_runs_close(t);
	tui_lists_close(t);
	tui_watch_close(t);
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
	    (t.mgr = stream_mgr_new(
	         t.loop, o->client, &tui_stream_handlers, &t)) == NULL) {
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
	/* Bell and notifications go straight to the terminal between
	 * screen updates (curses has flushed; they move no cursor). */
	tui_watch_open(&t, isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1);
	loop_add_fd(t.loop, STDIN_FILENO, tui_on_stdin, &t);
	loop_add_signal(t.loop, SIGWINCH, tui_on_winch, &t);
	loop_add_signal(t.loop, SIGCONT, tui_on_cont, &t);
	loop_add_signal(t.loop, SIGINT, tui_on_quit_signal, &t);
	loop_add_signal(t.loop, SIGTERM, tui_on_quit_signal, &t);
	loop_add_signal(t.loop, SIGHUP, tui_on_quit_signal, &t);
	loop_set_before_sleep(t.loop, tui_before_sleep, &t);
	if (tui_stats_init(&t.stats, sb_end(t.sb)))
		loop_set_pass_hook(t.loop, tui_on_pass, &t);
	if (tui_lists_open(&t) == -1)
		tui_msg(&t, true, "out of memory: the lists are not followed");
	t.dirty = true;
	tui_before_sleep(&t);

	rc = loop_run(t.loop);
	tui_restore();
	tui_curses_on = false;
	tui_stats_finish(&t.stats);
	tui_free(&t);
	theme_free(th);
	return rc < 0 ? 1 : rc;
}
