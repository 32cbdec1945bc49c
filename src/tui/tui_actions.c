/* tui_actions.c - what each named action does when no mode is open: one
 * function per action in a table indexed by enum action (htop's Action.c,
 * tmux's window_copy_cmd_table[]), each returning what to redraw. The key
 * table (keys.c) names the actions; this file gives them their work. */
#include <curses.h>
#include <string.h>

#include "net/loop.h"
#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"

/* How long the list keeps its order after a key in it: the rows do not
 * re-sort under an operator moving and watching. */
#define TUI_LIST_HOLD_MS 5000

/* An action on t; i is the pane keys act on, list true when the list
 * pane has focus. Returns TUI_KEEP, TUI_REDRAW or TUI_REDRAW_FULL. */
typedef unsigned (*tui_action_fn)(
    struct tui *t, enum action a, int i, bool list);

/* Move the list selection by delta rows of the display order. */
static void
act_list_move(struct tui *t, int delta)
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
}

/* Move by lines in the focused pane, or by rows in the list: a line, a
 * page or half of one. */
static unsigned
act_move(struct tui *t, enum action a, int i, bool list)
{
	int rows = t->pane[i].r.rows, page = rows > 1 ? rows - 1 : 1;
	int dir =
	    a == ACT_DOWN || a == ACT_PAGE_DOWN || a == ACT_HALF_DOWN ? 1 : -1;
	int n;

	if (a == ACT_DOWN || a == ACT_UP)
		n = 1;
	else if (a == ACT_PAGE_DOWN || a == ACT_PAGE_UP)
		n = list ? t->lay.list.h - 2 : page;
	else
		n = list ? t->lay.list.h / 2 : (page / 2 > 0 ? page / 2 : 1);
	if (list)
		act_list_move(t, dir * n);
	else
		reader_move(&t->pane[i].r, dir * n);
	return TUI_REDRAW;
}

/* The first or the last line (row in the list). */
static unsigned
act_edge(struct tui *t, enum action a, int i, bool list)
{
	if (list)
		act_list_move(
		    t, a == ACT_TOP ? -FILTER_SOURCES_MAX : FILTER_SOURCES_MAX);
	else if (a == ACT_TOP)
		reader_first(&t->pane[i].r);
	else
		reader_last(&t->pane[i].r);
	return TUI_REDRAW;
}

/* Pause, resume, or follow. */
static unsigned
act_follow(struct tui *t, enum action a, int i, bool list)
{
	struct reader *r = &t->pane[i].r;

	if (a == ACT_PAUSE && r->follow)
		reader_pause(r);
	else
		reader_follow(r);
	return TUI_REDRAW;
}

/* Scroll sideways by 8 columns (wrapping off). */
static unsigned
act_sideways(struct tui *t, enum action a, int i, bool list)
{
	int *h = &t->pane[i].hscroll;

	if (!t->wrap)
		*h = a == ACT_RIGHT ? *h + 8 : *h - (*h >= 8 ? 8 : *h);
	return TUI_REDRAW;
}

/* Wrap long lines or not. */
static unsigned
act_wrap(struct tui *t, enum action a, int i, bool list)
{
	t->wrap = !t->wrap;
	for (int k = 0; k < t->npanes; k++)
		t->pane[k].hscroll = 0;
	return TUI_REDRAW;
}

/* Timestamps: absolute, relative, off. */
static unsigned
act_timestamps(struct tui *t, enum action a, int i, bool list)
{
	t->ts = (t->ts + 1) % 3;
	return TUI_REDRAW;
}

/* The level floor of the pane. */
static unsigned
act_floor(struct tui *t, enum action a, int i, bool list)
{
	uint8_t lv = (uint8_t)(LEVEL_TRACE + (a - ACT_FLOOR_TRACE));

	if (t->pane[i].r.f.floor != lv) {
		t->pane[i].r.f.floor = lv;
		tui_pane_refilter(t, i);
	}
	return TUI_REDRAW;
}

/* The next or previous ERROR (and above) line, or the next WARN line. */
static unsigned
act_jump(struct tui *t, enum action a, int i, bool list)
{
	int dir = a == ACT_PREV_ERROR ? -1 : 1;
	uint8_t lv = a == ACT_NEXT_WARN ? LEVEL_WARN : LEVEL_ERROR;

	if (lineidx_count(&t->pane[i].r.li) > 0 &&
	    !reader_jump_level(&t->pane[i].r, dir, lv, lv == LEVEL_ERROR))
		tui_msg(t, false, "no %s %s line",
		    dir > 0 ? "next" : "previous", level_name(lv));
	return TUI_REDRAW;
}

/* The next match in the search's direction, or against it. */
static unsigned
act_match(struct tui *t, enum action a, int i, bool list)
{
	struct reader *r = &t->pane[i].r;
	bool same = a == ACT_MATCH_NEXT;
	bool fwd = r->s.backward ? !same : same;

	switch (reader_match(r, same)) {
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
	return TUI_REDRAW;
}

/* Open the prompt the action asks for. */
static unsigned
act_prompt(struct tui *t, enum action a, int i, bool list)
{
	static const enum tui_prompt kind[ACT_COUNT] = {
	    [ACT_SEARCH_FWD] = PROMPT_SEARCH_FWD,
	    [ACT_SEARCH_BACK] = PROMPT_SEARCH_BACK,
	    [ACT_FILTER_KEEP] = PROMPT_KEEP,
	    [ACT_FILTER_HIDE] = PROMPT_HIDE,
	    [ACT_SAVE] = PROMPT_SAVE,
	    [ACT_LIST_FILTER] = PROMPT_LIST,
	};

	view_prompt_open(t, kind[a]);
	if (a == ACT_SEARCH_FWD || a == ACT_SEARCH_BACK)
		tui_watch_search_opens(t, i);
	return TUI_REDRAW;
}

/* Fold the pane's repeats, or unfold them. */
static unsigned
act_fold(struct tui *t, enum action a, int i, bool list)
{
	tui_watch_fold_toggle(t, i);
	tui_msg(t, false, "%s", t->pane[i].fold ? "folded repeats" : "unfolded");
	return TUI_REDRAW;
}

/* The next or previous line of a new error pattern. */
static unsigned
act_new_error(struct tui *t, enum action a, int i, bool list)
{
	if (!tui_watch_jump_new(t, i, a == ACT_PREV_NEW ? -1 : 1))
		tui_msg(t, false, "no %s new ERROR or WARN line",
		    a == ACT_PREV_NEW ? "previous" : "next");
	return TUI_REDRAW;
}

/* Open a mode over the panes: help, the filter list, an event's detail,
 * the runs of the pane's automation (or the list's selection). */
static unsigned
act_mode(struct tui *t, enum action a, int i, bool list)
{
	struct tui_pane *p = &t->pane[i];
	uint64_t seq;

	if (a == ACT_HELP)
		view_help_open(t);
	else if (a == ACT_FILTER_LIST)
		view_filters_open(t, i);
	else if (a == ACT_DETAIL) {
		if (!reader_cur_seq(&p->r, &seq))
			return TUI_KEEP;
		view_detail_open(t, seq);
	} else if (!list && p->src >= 0 && !p->merged)
		view_runs_open(t, p->src);
	else if (t->sel >= 0)
		view_runs_open(t, t->sel);
	return TUI_REDRAW;
}

/* Clear the pane's filters and search. */
static unsigned
act_filter_clear(struct tui *t, enum action a, int i, bool list)
{
	filter_clear(&t->pane[i].r.f);
	search_clear(&t->pane[i].r.s);
	tui_pane_refilter(t, i);
	return TUI_REDRAW;
}

/* Focus the next or previous pane, the list among them when shown. */
static unsigned
act_focus(struct tui *t, enum action a, int i, bool list)
{
	int k = t->focus + (a == ACT_FOCUS_NEXT ? 1 : -1);

	if (k >= t->npanes)
		k = -1;
	if (k < -1)
		k = t->npanes - 1;
	if (k == -1 && !t->list_shown)
		k = a == ACT_FOCUS_NEXT ? 0 : t->npanes - 1;
	t->focus = k;
	if (k >= 0)
		t->target = k;
	return TUI_REDRAW;
}

/* Focus the list: its Enter then fills the pane that had focus. */
static unsigned
act_choose(struct tui *t, enum action a, int i, bool list)
{
	t->target = i;
	t->focus = -1;
	t->list_shown = true;
	return TUI_REDRAW;
}

/* The merged view of the watched sources, or back to one. */
static unsigned
act_merged(struct tui *t, enum action a, int i, bool list)
{
	bool merged = t->pane[i].merged;

	tui_pane_show(t, i, merged ? t->sel : -1, !merged);
	return TUI_REDRAW;
}

/* One more pane (back to one after the last), or the other direction. */
static unsigned
act_split(struct tui *t, enum action a, int i, bool list)
{
	if (a == ACT_SPLIT_DIR)
		t->side_by_side = !t->side_by_side;
	else
		tui_split(t);
	return TUI_REDRAW;
}

/* The list's watch keys: watch or unwatch the selection, show it in
 * the target pane, watch every running automation. */
static unsigned
act_watch(struct tui *t, enum action a, int i, bool list)
{
	if (a == ACT_WATCH_ALL) {
		for (int k = 0; k < t->nsrcs; k++) {
			if (t->srcs[k].run == RUN_RUNNING)
				tui_watch(t, k, true);
		}
	} else if (a == ACT_WATCH && t->sel >= 0)
		tui_watch(t, t->sel, t->srcs[t->sel].stream == NULL);
	else if (a == ACT_SHOW && t->sel >= 0) {
		tui_pane_show(t, t->target, t->sel, false);
		tui_watch(t, t->sel, true);
	}
	return TUI_REDRAW;
}

/* The list pane: fetch again, change kind, hide, widen, narrow. */
static unsigned
act_list(struct tui *t, enum action a, int i, bool list)
{
	switch (a) {
	case ACT_REFRESH:
		tui_lists_refresh(t);
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
	default:
		/* From the width on screen: a wish the screen cuts is
		 * forgotten once the operator changes it. */
		t->list_w =
		    layout_list_width(layout_list_width(t->list_w, COLS) +
		                          (a == ACT_LIST_WIDER ? 4 : -4),
		        COLS);
		break;
	}
	return TUI_REDRAW;
}

/* Esc: leave a pane's context, drop the notice and the list's name
 * filter. */
static unsigned
act_close(struct tui *t, enum action a, int i, bool list)
{
	if (!list && tui_context_leave(t, i))
		return TUI_REDRAW;
	t->msg[0] = '\0';
	t->list_filter[0] = '\0';
	return TUI_REDRAW;
}

/* Mouse wheel: scroll the pane under the pointer (or the focused one). */
static unsigned
act_mouse(struct tui *t, enum action a, int i, bool list)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return TUI_REDRAW;
	for (int k = 0; k < t->npanes; k++) {
		struct rect r = t->lay.pane[k];

		if (ev.y >= r.y && ev.y < r.y + r.h && ev.x >= r.x &&
		    ev.x < r.x + r.w)
			i = k;
	}
	if (ev.bstate & BUTTON4_PRESSED)
		reader_move(&t->pane[i].r, -3);
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		reader_move(&t->pane[i].r, 3);
#endif
	return TUI_REDRAW;
}

/* Quit, suspend, repaint: the terminal's actions (tui.c). */
static unsigned
act_terminal(struct tui *t, enum action a, int i, bool list)
{
	if (a == ACT_QUIT) {
		tui_quit(t);
		return TUI_KEEP;
	}
	if (a == ACT_SUSPEND)
		tui_suspend(t);
	return TUI_REDRAW_FULL;
}

/* Marks, go to time, context (tui_marks.c). */
static unsigned
act_marks(struct tui *t, enum action a, int i, bool list)
{
	return tui_marks_action(t, a, i, list);
}

/* Every action's function, by enum action. */
static const tui_action_fn tui_actions[ACT_COUNT] = {
    [ACT_QUIT] = act_terminal,
    [ACT_HELP] = act_mode,
    [ACT_FOCUS_NEXT] = act_focus,
    [ACT_FOCUS_PREV] = act_focus,
    [ACT_FOCUS_LIST] = act_choose,
    [ACT_DOWN] = act_move,
    [ACT_UP] = act_move,
    [ACT_PAGE_DOWN] = act_move,
    [ACT_PAGE_UP] = act_move,
    [ACT_HALF_DOWN] = act_move,
    [ACT_HALF_UP] = act_move,
    [ACT_TOP] = act_edge,
    [ACT_BOTTOM] = act_edge,
    [ACT_PAUSE] = act_follow,
    [ACT_FOLLOW] = act_follow,
    [ACT_LEFT] = act_sideways,
    [ACT_RIGHT] = act_sideways,
    [ACT_WRAP] = act_wrap,
    [ACT_TIMESTAMPS] = act_timestamps,
    [ACT_FLOOR_TRACE] = act_floor,
    [ACT_FLOOR_DEBUG] = act_floor,
    [ACT_FLOOR_INFO] = act_floor,
    [ACT_FLOOR_WARN] = act_floor,
    [ACT_FLOOR_ERROR] = act_floor,
    [ACT_NEXT_ERROR] = act_jump,
    [ACT_PREV_ERROR] = act_jump,
    [ACT_NEXT_WARN] = act_jump,
    [ACT_SEARCH_FWD] = act_prompt,
    [ACT_SEARCH_BACK] = act_prompt,
    [ACT_MATCH_NEXT] = act_match,
    [ACT_MATCH_PREV] = act_match,
    [ACT_FILTER_KEEP] = act_prompt,
    [ACT_FILTER_HIDE] = act_prompt,
    [ACT_FILTER_CLEAR] = act_filter_clear,
    [ACT_FILTER_LIST] = act_mode,
    [ACT_SAVE] = act_prompt,
    [ACT_MERGED] = act_merged,
    [ACT_SPLIT] = act_split,
    [ACT_SPLIT_DIR] = act_split,
    [ACT_DETAIL] = act_mode,
    [ACT_WATCH] = act_watch,
    [ACT_SHOW] = act_watch,
    [ACT_WATCH_ALL] = act_watch,
    [ACT_REFRESH] = act_list,
    [ACT_LIST_TOGGLE] = act_list,
    [ACT_LIST_WIDER] = act_list,
    [ACT_LIST_NARROWER] = act_list,
    [ACT_LIST_FILTER] = act_prompt,
    [ACT_CLOSE] = act_close,
    [ACT_SUSPEND] = act_terminal,
    [ACT_REDRAW] = act_terminal,
    [ACT_RUNS] = act_mode,
    [ACT_KIND] = act_list,
    [ACT_FOLD] = act_fold,
    [ACT_NEXT_NEW] = act_new_error,
    [ACT_PREV_NEW] = act_new_error,
    [ACT_MOUSE] = act_mouse,
    [ACT_MARK] = act_marks,
    [ACT_NEXT_MARK] = act_marks,
    [ACT_PREV_MARK] = act_marks,
    [ACT_MARKS] = act_marks,
    [ACT_GOTO_TIME] = act_marks,
    [ACT_CONTEXT] = act_marks,
};

/* Do what key means with no mode open. */
unsigned
tui_action(struct tui *t, int key)
{
	bool list = t->focus < 0;
	enum action a = keys_lookup(key, list ? KEYS_LIST : KEYS_LOG);

	if (a == ACT_NONE || tui_actions[a] == NULL)
		return TUI_KEEP;
	if (list) {
		view_list_hold(t, loop_now() + TUI_LIST_HOLD_MS);
		loop_timer_in(t->loop, &t->list_hold_timer, TUI_LIST_HOLD_MS);
	}
	return tui_actions[a](t, a, tui_pane_index(t), list);
}
