/* tui_watch.h - what the full-screen view watches for the operator, per
 * source (view layer, on core/fold.h, core/stall.h, core/rule.h through
 * alert.h, and newerr.h): folded repeats, quiet automations, rules that
 * fire, and ERROR/WARN lines of patterns new since the last successful
 * run. The app feeds it every line and run event; the views ask it how
 * to draw a line, a list row and the status bar. */
#ifndef LOGDECK_TUI_WATCH_H
#define LOGDECK_TUI_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct tui;
struct sb_line;

/* Fold entries kept per source (48 bytes each: 768 KiB once a source has
 * lines). Past them the oldest entries are dropped and their lines show
 * unfolded. */
#define TUI_FOLD_ENTRIES 16384
/* Marked lines (a rule fired on it, a new error pattern) kept per source
 * and kind of mark (8 bytes each); past them the oldest marks go. */
#define TUI_MARKS_MAX 4096
/* New error patterns counted per run and source (8 bytes each); past
 * them the count shows as at least this many ("1024+"). */
#define TUI_NEW_PATTERNS_MAX 1024

/* Set up the rules (alert.h) with bell and notification to tty_fd (-1:
 * none); call once the loop runs. */
void tui_watch_open(struct tui *t, int tty_fd);
/* Free every source's watch state and the rules' actions. */
void tui_watch_close(struct tui *t);

/* Line seq (ev, stored from source i) arrived. */
void tui_watch_line(struct tui *t, int i, uint64_t seq,
    const struct log_event *ev);
/* Marker seq of source i (run boundary, gap) was stored: folds break. */
void tui_watch_mark(struct tui *t, int i, uint64_t seq);
/* A run event of source i: run started or ended (status). */
void tui_watch_run(struct tui *t, int i, long long run, enum run_status st,
    bool has_exit, int exit_code);
/* Source i's stream opened (on) or closed. */
void tui_watch_stream(struct tui *t, int i, bool on);
/* Source i is on screen now: its fired count is seen. */
void tui_watch_seen(struct tui *t, int i);

/* Once per loop pass: fold or unfold each pane as asked (a pane is
 * unfolded while a search is typed or active), arm the quiet timer. */
void tui_watch_pass(struct tui *t);
/* True while something it shows changes with time (a quiet duration). */
bool tui_watch_ticking(const struct tui *t);
/* Fold pane i or unfold it (the fold key). */
void tui_watch_fold_toggle(struct tui *t, int i);
/* Pane i's search prompt opens: unfold it now (before the first key). */
void tui_watch_search_opens(struct tui *t, int i);
/* Go to the next (dir 1) or previous (dir -1) line of a new error
 * pattern in pane i; false when there is none. */
bool tui_watch_jump_new(struct tui *t, int i, int dir);

/* How line l (of pane i) is drawn folded: the fold row's text (×N, the
 * times, the shape, hidden lines) into out, true; false when it is an
 * ordinary row. */
bool tui_watch_fold_text(const struct tui *t, int i, const struct sb_line *l,
    char *out, size_t outlen);
/* The gutter sign of line l: '!' a rule fired on it, '*' its pattern is
 * new since the last successful run, 0 none. */
char tui_watch_sign(const struct tui *t, const struct sb_line *l);
/* Source i's list parts into out (space-separated, terminal-safe):
 * "quiet 4m", "!2" (rules fired, unseen), "new 3" (new error patterns of
 * its run); the index of each in *what: 'q', '!', 'n'. Returns how many. */
int tui_watch_list_parts(const struct tui *t, int i, char out[][24],
    char *what, int max);
/* Source i is quiet: how long it has been silent (ms) into *ms. */
bool tui_watch_quiet(const struct tui *t, int i, int64_t *ms);
/* Pane i's status words ("folded", "quiet 4m: name") into out. */
void tui_watch_status(const struct tui *t, int i, char *out, size_t outlen);
/* Format a duration the list's way ("4m", "2h", "35s") into out. */
void tui_watch_ago(int64_t ms, char *out, size_t outlen);

#endif
