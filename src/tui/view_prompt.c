/* view_prompt.c - the prompt mode: a line typed on the status bar for a
 * search (incremental: the reader moves as the text grows, Esc goes back),
 * a keep or hide filter, the save path, the list's name filter, or a
 * time to go to. The
 * line editing is prompt.c's; this file opens the prompt, acts on its
 * text and draws it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* The incremental step: a search moves as typed, the list's name filter
 * narrows the list as typed. */
static void
prompt_changed(struct tui *t)
{
	switch (t->prompt) {
	case PROMPT_SEARCH_FWD:
	case PROMPT_SEARCH_BACK:
		reader_isearch(&t->pane[tui_pane_index(t)].r, t->pline.text,
		    t->prompt == PROMPT_SEARCH_BACK);
		break;
	case PROMPT_LIST:
		/* The list prompt stops at TUI_LIST_FILTER_MAX bytes. */
		memcpy(t->list_filter, t->pline.text, t->pline.len + 1);
		break;
	default:
		break;
	}
}

/* Enter at the prompt: act on the text. */
static void
prompt_commit(struct tui *t)
{
	int i = tui_pane_index(t);
	struct prompt *pl = &t->pline;
	char err[160];

	t->mode = NULL;
	switch (t->prompt) {
	case PROMPT_KEEP:
	case PROMPT_HIDE:
		if (pl->len == 0)
			break;
		if (filter_push(&t->pane[i].r.f, pl->text,
		        t->prompt == PROMPT_KEEP, err, sizeof err) == -1)
			tui_msg(t, true, "%s", err);
		else
			tui_pane_refilter(t, i);
		break;
	case PROMPT_SAVE:
		if (pl->len > 0)
			tui_save_start(t, pl->text, t->save_all);
		break;
	case PROMPT_TIME:
		if (pl->len > 0)
			tui_goto_time(t, pl->text);
		break;
	case PROMPT_SEARCH_FWD:
	case PROMPT_SEARCH_BACK:
		/* The incremental search already runs this very search:
		 * starting it again would drop the matches counted so far, and
		 * a key typed right after Enter (n) would act before they are
		 * counted again. */
		if (t->pane[i].r.s.active &&
		    strcmp(t->pane[i].r.s.pat.text, pl->text) == 0 &&
		    t->pane[i].r.s.backward ==
		        (t->prompt == PROMPT_SEARCH_BACK))
			break;
		if (pl->len > 0 &&
		    search_start(&t->pane[i].r.s, pl->text,
		        t->prompt == PROMPT_SEARCH_BACK, err, sizeof err) == -1)
			tui_msg(t, true, "%s", err);
		break;
	default:
		break;
	}
}

/* Esc at the prompt: undo what the incremental prompt did. */
static void
prompt_cancel(struct tui *t)
{
	t->mode = NULL;
	if (t->prompt == PROMPT_SEARCH_FWD || t->prompt == PROMPT_SEARCH_BACK)
		reader_isearch_cancel(&t->pane[tui_pane_index(t)].r);
	else if (t->prompt == PROMPT_LIST)
		t->list_filter[0] = '\0';
}

/* tui_mode key: a key while the prompt is open. */
static unsigned
prompt_mode_key(struct tui *t, int key)
{
	switch (prompt_key(&t->pline, key)) {
	case PROMPT_ENTER:
		prompt_commit(t);
		break;
	case PROMPT_CANCEL:
		prompt_cancel(t);
		break;
	case PROMPT_TAB:
		/* In the save prompt: the filtered view or every line. */
		if (t->prompt != PROMPT_SAVE)
			return TUI_KEEP;
		t->save_all = !t->save_all;
		break;
	case PROMPT_EDITED:
		prompt_changed(t);
		break;
	case PROMPT_IGNORED:
		return TUI_KEEP;
	}
	return TUI_REDRAW;
}

const struct tui_mode view_prompt_mode = {
    .name = "prompt",
    .draw = NULL, /* on the status bar: view_prompt_draw */
    .key = prompt_mode_key,
};

/* Open the prompt of kind k. */
void
view_prompt_open(struct tui *t, enum tui_prompt k)
{
	char text[PROMPT_TEXT_MAX + 1] = "";
	struct tm tm;
	time_t now;

	t->mode = &view_prompt_mode;
	t->prompt = k;
	reader_isearch_begin(&t->pane[tui_pane_index(t)].r);
	if (k == PROMPT_SAVE) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(text, sizeof text, "logdeck-%Y%m%d-%H%M%S.log", &tm);
	} else if (k == PROMPT_LIST)
		snprintf(text, sizeof text, "%s", t->list_filter);
	prompt_reset(&t->pline, text,
	    k == PROMPT_LIST ? TUI_LIST_FILTER_MAX : PROMPT_TEXT_MAX);
}

/* Draw the prompt on row y of the status bar, the cursor after it. */
void
view_prompt_draw(struct tui *t, int y, int w)
{
	static const char *labels[] = {"/", "?", "keep: &", "hide: !", "",
	    "list: /",
	    "go to time (14:02, -5m, 2024-05-01T14:02, run start, run end): "};
	char label[96];
	int lw;

	if (t->prompt == PROMPT_SAVE)
		snprintf(label, sizeof label, "save %s (Tab toggles) to: ",
		    t->save_all ? "ALL lines" : "the filtered view");
	else
		snprintf(label, sizeof label, "%s", labels[t->prompt]);
	lw = draw_width(label, strlen(label));
	draw_text(stdscr, y, 0, w, label, strlen(label), 0, A_BOLD, NULL);
	lw += draw_untrusted(
	    stdscr, y, lw, w - lw - 1, t->pline.text, t->pline.len, A_NORMAL);
	move(y, lw < w ? lw : w - 1);
}
