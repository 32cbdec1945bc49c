/* tui_app.h - the viewer's state, shared by the app (tui*.c) and the view
 * files (view_*.c) that draw it. Not for use outside the TUI. */
#ifndef LOGDECK_TUI_APP_H
#define LOGDECK_TUI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/event.h"
#include "tui/filter.h"
#include "tui/layout.h"
#include "tui/lineidx.h"
#include "tui/marks.h"
#include "tui/prompt.h"
#include "net/loop.h"
#include "net/srclist.h"
#include "tui/rate.h"
#include "tui/reader.h"
#include "tui/scrollback.h"
#include "tui/search.h"
#include "core/source.h"
#include "tui/timeline.h"
#include "tui/tui.h"
#include "tui/tui_stats.h"

struct stream;
struct stream_mgr;
struct stream_handlers;

/* Longest name filter of the list pane. */
#define TUI_LIST_FILTER_MAX 64

/* One automation (or command-line source) in the list pane. Its index in
 * tui.srcs is the src number its lines carry in the store. */
struct tui_src {
	struct source src;
	enum run_status run;
	bool has_exit_code;
	int exit_code;
	struct stream *stream;     /* non-NULL while watched */
	bool auto_watched;         /* --all opened it once; never again */
	unsigned long long unread; /* lines that arrived while not on screen */
	unsigned long long errors, warnings;
	struct rate rate;
	/* The newest run as the server's list tells it (run 0: none yet). */
	long long run_no;
	char run_id[64];
	enum run_status run_status; /* running, or how the run ended */
	bool run_has_exit_code;
	int run_exit_code;
	int64_t run_started_ms; /* epoch ms, INT64_MIN when unknown */
	int64_t run_ended_ms;   /* epoch ms, INT64_MIN while open or unknown */
	/* How the run before the current one ended (RUN_UNKNOWN: none). */
	enum run_status last_outcome;
	bool last_has_exit_code;
	int last_exit_code;
	long long last_id_held; /* newest event id held in the scrollback */
	long long bound_key;    /* last run boundary marked: run*2 (+1 end) */
	bool seen;              /* named by the list being received */
	bool gone;              /* the server no longer lists it: hidden */
	bool from_cmdline;      /* named on the command line: never gone */
	/* Watch (1), unwatch (-1) or watch anew (2) at the end of this loop
	 * pass: the lists decide it from inside a transfer's callback, where
	 * no transfer may be added to or taken off the multi handle. */
	int pending_watch;
	long long first_run; /* --all: its newest run when first listed at
	                        start-up (runs before the viewer are not new) */
	/* A past run opened from the runs view: this entry streams only that
	 * run (run=RUN) and is not listed; "" for an ordinary source. */
	char run_sel[32];
	/* What the view watches for in it (tui_watch.c): folds, quiet,
	 * rules fired, new error patterns. Owned; NULL until first used. */
	struct tui_wsrc *watch;
};

/* Kinds of source the list follows (enum source_kind). */
#define TUI_KINDS 3

struct srclist;
struct tui_wsrc;
struct alert;
struct fetch;
struct tui_save;

/* One live list of sources (srclist callbacks get this). */
struct tui_kind {
	struct tui *t;
	enum source_kind kind;
	struct srclist *list;
	bool primed; /* the first whole list has come */
};


enum tui_ts { TUI_TS_ABSOLUTE, TUI_TS_RELATIVE, TUI_TS_OFF };

/* One log pane: what it shows (the reader: its lines and where the
 * reader is in them) and which sources feed it. */
struct tui_pane {
	struct reader r;
	bool merged; /* every watched source, else only src */
	int src;     /* -1: none yet */
	int hscroll;
	bool fold; /* folded repeats asked for (tui_watch.c) */
	/* Context (tui_marks.c): the pane shows every line of its sources
	 * around line ctx_seq; its own filter waits in ctx_saved. */
	bool ctx;
	uint64_t ctx_seq;
	int ctx_row; /* the line's row in the filtered view */
	struct filter ctx_saved;
	struct timeline tl; /* lines per minute for the header */
};

/* What a key handler asks of the loop (htop's Action.c): the loop turns
 * it into one redraw in its pass. */
#define TUI_KEEP 0x0        /* nothing on screen changed */
#define TUI_REDRAW 0x1      /* redraw at the next chance */
#define TUI_REDRAW_FULL 0x2 /* repaint the whole terminal (clearok) */

struct tui;

/* A mode over the panes (tmux's struct window_mode): while t->mode points
 * at one it takes every key, and draws over the log area. A mode closes
 * itself by setting t->mode to NULL. */
struct tui_mode {
	const char *name;
	void (*draw)(struct tui *t); /* NULL: nothing over the panes */
	unsigned (*key)(struct tui *t, int key); /* TUI_KEEP, TUI_REDRAW.. */
};

/* The modes, one file each (view_*.c). */
extern const struct tui_mode view_detail_mode;
extern const struct tui_mode view_help_mode;
extern const struct tui_mode view_filters_mode;
extern const struct tui_mode view_runs_mode;
extern const struct tui_mode view_prompt_mode;
extern const struct tui_mode view_marks_mode;

enum tui_prompt {
	PROMPT_SEARCH_FWD,
	PROMPT_SEARCH_BACK,
	PROMPT_KEEP,
	PROMPT_HIDE,
	PROMPT_SAVE,
	PROMPT_LIST,
	PROMPT_TIME, /* go to a time (tui_marks.c) */
};

struct tui {
	const struct tui_opts *o;
	struct loop *loop;
	struct stream_mgr *mgr;
	struct scrollback *sb;

	struct tui_src *srcs;
	int nsrcs, srcs_cap;
	struct tui_kind kinds[TUI_KINDS];
	enum source_kind list_kind; /* the kind the list pane shows */
	bool watch_pending;         /* some tui_src.pending_watch is set */
	int sel;      /* selected source index in the list (-1: none) */
	int list_top; /* first displayed row of the list */
	char list_filter[TUI_LIST_FILTER_MAX + 1];
	/* The display order held while the operator moves in the list, so
	 * rows do not re-sort under the keys (view_list_hold). */
	int list_held[FILTER_SOURCES_MAX];
	int list_nheld;
	uint64_t list_hold_until;          /* loop_now(); 0: not held */
	struct loop_timer list_hold_timer; /* re-sorts when the hold ends */

	struct tui_pane pane[LAYOUT_PANES_MAX];
	int npanes;
	bool side_by_side;
	int focus;  /* -1: list pane, else a log pane */
	int target; /* the log pane the list selection drives */
	bool list_shown;
	int list_w;
	struct layout lay;

	bool wrap;
	enum tui_ts ts;
	bool utf8;

	const struct tui_mode *mode; /* NULL: the panes take the keys */
	enum tui_prompt prompt;      /* what the prompt is for */
	struct prompt pline;         /* the prompt's line */
	bool save_all;               /* the save prompt writes every line */
	uint64_t detail_seq;
	int detail_top;
	int help_top;
	/* The runs view: the runs of source runs_src, newest last. */
	int runs_src;
	struct fetch *runs_fetch; /* the look-up under way, or NULL */
	struct srclist_run *runs; /* the runs view's rows (net/srclist.h) */
	int nruns;
	int runs_sel, runs_top;
	int filters_pane; /* the pane the filter list shows */

	struct tui_save *save; /* the save under way (owned), or NULL */
	struct alert *alert;   /* the rules at work (owned), or NULL */
	struct loop_timer stall_timer; /* the next quiet check (tui_watch) */

	struct marks marks;    /* the marked lines, of every pane */
	int marks_sel, marks_top; /* the marks list's cursor and top row */
	uint64_t timeline_at;  /* loop_now() of the last timeline update */

	char msg[256]; /* last error or notice, one line */
	bool msg_error;
	uint64_t msg_until;          /* loop_now() when msg expires */
	struct loop_timer msg_timer; /* clears msg at msg_until */
	struct rate total;
	uint64_t evicted_seen;
	uint64_t last_event; /* loop_now() of the newest line */
	bool dirty;
	bool key_pending;               /* a key came in since the last draw */
	struct loop_timer redraw_timer; /* the throttled redraw */
	struct loop_timer work_timer;   /* no sleep while scans are left */
	struct loop_timer tick_timer;   /* time-dependent parts, 1 s */
	bool full_redraw;
	uint64_t last_draw;
	bool quit;
	struct tui_stats stats; /* the pass instrument (LOGDECK_PASS_STATS) */
};

/* What an element of the screen is drawn as; draw_attr maps each to the
 * theme's element (theme.h). */
enum tui_color {
	COL_NONE,
	COL_TRACE,
	COL_DEBUG,
	COL_INFO,
	COL_WARN,
	COL_ERROR,
	COL_FATAL,
	COL_MATCH,
	COL_CURRENT,
	COL_FAILED,
	COL_FRAME,
	COL_STATUS,
	COL_ALERT,
	COL_BORDER,
	COL_TITLE,
	COL_MODE,
	COL_QUEUED,
	COL_RUNNING,
	COL_CANCELLED,
	COL_DETAIL,
	COL_DETAIL_KEY,
	COL_HELP,
	COL_HELP_KEY,
	COL_TAG0, /* COL_TAG0 + i for source tags */
};
#define TUI_TAG_COLORS 6

/* Shared by the app's files (tui.c, tui_panes.c, tui_actions.c,
 * tui_list.c, tui_save.c and the modes). */
/* Ask for a redraw at the next chance. */
void tui_dirty(struct tui *t);
/* Show a one-line notice (error true: in the error colour). */
void tui_msg(struct tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Open or close the stream of source i. */
void tui_watch(struct tui *t, int i, bool on);
/* Add a source to the list (copied); returns its index or -1. */
int tui_src_add(struct tui *t, const struct source *src);
/* Record the status of source i as the list or a stream tells it. */
void tui_src_run(
    struct tui *t, int i, enum run_status run, bool has_exit, int exit_code);
/* With nothing selected yet, select the list's first row. */
void tui_list_first_selection(struct tui *t);
/* Make pane i show source src alone (or merged when merged). */
void tui_pane_show(struct tui *t, int i, int src, bool merged);
/* Set up pane i showing src (-1: none) or the merged view, following,
 * at level floor; tui_pane_free releases it. */
void tui_pane_init(struct tui *t, int i, int src, bool merged, uint8_t floor);
void tui_pane_free(struct tui *t, int i);
/* One more pane (back to one after the last). */
void tui_split(struct tui *t);
/* What the streams bring, stored and counted (tui_panes.c). */
extern const struct stream_handlers tui_stream_handlers;
/* The pane keys act on: the focused one, or the list's target. */
int tui_pane_index(const struct tui *t);
/* Pane i's filter changed: scan its lines again. */
void tui_pane_refilter(struct tui *t, int i);
/* Leave the viewer at the end of this loop pass (exit status 0). */
void tui_quit(struct tui *t);
/* Stop for the shell (C-z) until continued; the caller repaints. */
void tui_suspend(struct tui *t);

/* tui_actions.c: do what key means with no mode open (the action the
 * key table names); returns TUI_KEEP, TUI_REDRAW or TUI_REDRAW_FULL. */
unsigned tui_action(struct tui *t, int key);

/* tui_marks.c: marks, go to time, context and the timelines. */
/* The actions mark, next-mark, prev-mark, marks, goto-time and context
 * on pane i (tui_actions.c's table calls it). */
unsigned tui_marks_action(struct tui *t, int a, int i, bool list);
/* Go to the time text names in the pane keys act on (the prompt). */
void tui_goto_time(struct tui *t, const char *text);
/* Leave pane i's context for its filtered view, at the same line; false
 * when it was not in context. */
bool tui_context_leave(struct tui *t, int i);
/* Drop marks of evicted lines; count new lines into the panes'
 * timelines, at most once a second (TUI_TIMELINE_MS). Once per pass. */
void tui_marks_work(struct tui *t);
/* Open the marks list. */
void view_marks_open(struct tui *t);

/* tui_save.c: saving a pane's view (or every line) to a file. */
/* Start saving to path (copied) the view of the pane keys act on, or
 * every line held (all); written in slices by tui_save_step. */
void tui_save_start(struct tui *t, const char *path, bool all);
/* Write the next slice of the save under way until loop_now() reaches
 * deadline; true while some is left. Once per loop pass. */
bool tui_save_step(struct tui *t, uint64_t deadline);
/* Write what is left of a save (the viewer is ending). */
void tui_save_finish(struct tui *t);

/* The modes' entries. */
/* Open the prompt of kind k on the status bar. */
void view_prompt_open(struct tui *t, enum tui_prompt k);
/* Open the detail view of stored line seq. */
void view_detail_open(struct tui *t, uint64_t seq);
/* Open the help overlay. */
void view_help_open(struct tui *t);
/* Open the filter list of pane i. */
void view_filters_open(struct tui *t, int i);
/* The keys of a scrolled text (detail, help): scroll *top over rows
 * rows, or close the mode. */
unsigned view_scroll_key(struct tui *t, int key, int *top, int rows);

/* tui_list.c: the live lists of sources and the run model. */
/* Open one live list per kind; 0 or -1 (out of memory). */
int tui_lists_open(struct tui *t);
/* Fetch every list again now (the refresh key). */
void tui_lists_refresh(struct tui *t);
/* Stop the lists. */
void tui_lists_close(struct tui *t);
/* Open and close the streams the lists asked for (once per loop pass). */
void tui_lists_apply(struct tui *t);
/* Record what is known of source i's newest run. */
void tui_src_set_run(struct tui *t, int i, long long run, const char *run_id,
    enum run_status st, bool has_exit, int exit_code, int64_t started_ms,
    int64_t ended_ms);
/* A gap in source i's log: a marker line (why, terminal-safe) with the
 * time it was noticed, kept through every filter. */
void tui_gap(struct tui *t, int i, const char *why);
/* The server numbers source i anew (restarted): forget the ids and runs
 * held, so watching resumes from its start; say why with a gap marker. */
void tui_src_forget_ids(struct tui *t, int i, const char *why);
/* A run boundary on source i's stream: the run, and a marker line. */
void tui_run_boundary(struct tui *t, int i, const struct status_event *se);

/* view_runs.c: the runs view of a source. */
/* Open the runs view of source i (fetches its runs). */
void view_runs_open(struct tui *t, int i);
/* Forget it (closing, or the viewer ends). */
void view_runs_close(struct tui *t);

/* The reader-facing name of source i. */
const char *tui_src_name(const struct tui *t, int i);
/* True when source i is on screen in some pane. */
bool tui_src_visible(const struct tui *t, int i);

#endif
