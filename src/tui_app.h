/* tui_app.h - the viewer's state, shared by the app (tui.c) and the view
 * files (view_*.c) that draw it. Not for use outside the TUI. */
#ifndef LOGDECK_TUI_APP_H
#define LOGDECK_TUI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "buf.h"
#include "event.h"
#include "filter.h"
#include "layout.h"
#include "lineidx.h"
#include "loop.h"
#include "rate.h"
#include "scrollback.h"
#include "search.h"
#include "source.h"
#include "tui.h"

struct stream;
struct stream_mgr;

/* Longest text typed at a prompt. */
#define TUI_PROMPT_MAX FILTER_PATTERN_LEN
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
};

enum tui_ts { TUI_TS_ABSOLUTE, TUI_TS_RELATIVE, TUI_TS_OFF };

/* One log pane: what it shows and where its reader is. */
struct tui_pane {
	struct filter f;
	struct lineidx li;
	struct search s;
	bool merged; /* every watched source, else only src */
	int src;     /* -1: none yet */
	bool follow;
	uint64_t cur;       /* the current line's seq when not following */
	int cur_row;        /* its row on screen, in lines from the top */
	uint64_t pause_end; /* store end when paused: later lines are new */
	int hscroll;
	int rows;         /* inner height at the last draw */
	size_t drawn_top; /* index of the top line at the last draw */
	size_t drawn_n;   /* lines the last draw showed */
};

enum tui_mode { TUI_NORMAL, TUI_PROMPT, TUI_DETAIL, TUI_HELP, TUI_FILTERS };

enum tui_prompt {
	PROMPT_SEARCH_FWD,
	PROMPT_SEARCH_BACK,
	PROMPT_KEEP,
	PROMPT_HIDE,
	PROMPT_SAVE,
	PROMPT_LIST,
};

struct tui {
	const struct tui_opts *o;
	struct loop *loop;
	struct stream_mgr *mgr;
	struct scrollback *sb;

	struct tui_src *srcs;
	int nsrcs, srcs_cap;
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

	enum tui_mode mode;
	enum tui_prompt prompt;
	char ptext[TUI_PROMPT_MAX + 1];
	size_t plen;
	bool save_all;       /* the save prompt writes every line */
	uint64_t pstart_cur; /* where the reader was when a search began */
	bool pstart_follow;
	int pstart_row;
	uint64_t detail_seq;
	int detail_top;
	int help_top;
	int filters_pane; /* the pane the filter list shows */

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
	struct loop_timer list_timer;   /* the next automation list fetch */
	struct loop_timer tick_timer;   /* time-dependent parts, 1 s */
	CURL *list_easy;                /* the list fetch under way, or NULL */
	unsigned list_auth_gen;         /* auth generation of the last 401 */
	struct curl_slist *list_hdrs;
	struct buf list_body;
	bool full_redraw;
	uint64_t last_draw;
	bool quit;
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

/* The reader-facing name of source i. */
const char *tui_src_name(const struct tui *t, int i);
/* True when source i is on screen in some pane. */
bool tui_src_visible(const struct tui *t, int i);

#endif
