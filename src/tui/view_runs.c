/* view_runs.c - the runs of one automation over the log area: number,
 * outcome, start, duration; Enter opens a past run in the focused pane
 * (a stream of that run alone), or the automation itself for the current
 * run. The runs are fetched on the shared multi handle, never blocking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/client.h"
#include "net/fetch.h"
#include "net/srclist.h"
#include "core/format.h"
#include "tui/keys.h"
#include "tui/scrollback.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Most runs the view asks for (the newest). */
#define RUNS_VIEW_MAX 200

/* fetch_done_fn: the runs arrived (or did not). */
static void
runs_fetched(
    long status, const char *body, size_t len, const char *err, void *arg)
{
	struct tui *t = arg;
	long n;

	t->runs_fetch = NULL;
	free(t->runs);
	t->runs = NULL;
	t->nruns = 0;
	if (err != NULL || status != 200) {
		if (err != NULL)
			tui_msg(t, true, "runs: %s", err);
		else
			tui_msg(t, true, "runs: HTTP %ld%s", status,
			    status == 404 ? " (the server keeps no runs)" : "");
		t->mode = NULL;
		tui_dirty(t);
		return;
	}
	if ((n = srclist_decode_runs(body, len, &t->runs)) < 0) {
		tui_msg(t, true, "runs: not a JSON array");
		t->mode = NULL;
	} else {
		t->nruns = (int)n;
		t->runs_sel = n > 0 ? (int)n - 1 : 0;
		t->runs_top = 0;
	}
	tui_dirty(t);
}

void
view_runs_open(struct tui *t, int i)
{
	struct tui_src *s;
	char suffix[32], *url;

	if (i < 0 || i >= t->nsrcs)
		return;
	s = &t->srcs[i];
	if (s->run_sel[0] != '\0') {
		/* A past run's pane: its automation's runs. */
		for (int k = 0; k < t->nsrcs; k++) {
			if (t->srcs[k].run_sel[0] == '\0' &&
			    t->srcs[k].src.kind == s->src.kind &&
			    strcmp(t->srcs[k].src.id, s->src.id) == 0) {
				i = k;
				break;
			}
		}
	}
	view_runs_close(t);
	snprintf(suffix, sizeof suffix, "/runs?limit=%d", RUNS_VIEW_MAX);
	url = client_url(t->o->client, source_kind_path(t->srcs[i].src.kind),
	    t->srcs[i].src.id, suffix);
	if (url == NULL)
		return;
	t->runs_fetch = fetch_get(t->loop, t->o->client, url, runs_fetched, t);
	free(url);
	if (t->runs_fetch == NULL) {
		tui_msg(t, true, "runs: out of memory");
		return;
	}
	t->runs_src = i;
	t->mode = &view_runs_mode;
}

void
view_runs_close(struct tui *t)
{
	fetch_cancel(t->runs_fetch);
	t->runs_fetch = NULL;
	free(t->runs);
	t->runs = NULL;
	t->nruns = 0;
	if (t->mode == &view_runs_mode)
		t->mode = NULL;
}

/* The entry that streams run row of source i alone (made on first use);
 * -1 when the list is full. */
static int
runs_entry(struct tui *t, int i, const struct srclist_run *row)
{
	struct source src;
	char name[160], sel[32];
	int k;

	snprintf(sel, sizeof sel, "%lld", row->run);
	for (k = 0; k < t->nsrcs; k++) {
		if (strcmp(t->srcs[k].run_sel, sel) == 0 &&
		    t->srcs[k].src.kind == t->srcs[i].src.kind &&
		    strcmp(t->srcs[k].src.id, t->srcs[i].src.id) == 0)
			return k;
	}
	snprintf(
	    name, sizeof name, "%s, run %lld", tui_src_name(t, i), row->run);
	memset(&src, 0, sizeof src);
	src.kind = t->srcs[i].src.kind;
	src.id = t->srcs[i].src.id;
	src.name = name;
	if ((k = tui_src_add(t, &src)) < 0)
		return -1;
	snprintf(t->srcs[k].run_sel, sizeof t->srcs[k].run_sel, "%s", sel);
	tui_watch(t, k, true);
	return k;
}

/* Open the selected run in the focused pane. */
static void
runs_open_selected(struct tui *t)
{
	const struct srclist_run *row;
	int i = t->runs_src, k, pane = t->focus >= 0 ? t->focus : t->target;

	if (t->nruns == 0)
		return;
	row = &t->runs[t->runs_sel];
	if (row->run == t->srcs[i].run_no &&
	    t->srcs[i].run_status == RUN_RUNNING) {
		/* The current run is the automation itself. */
		if (t->srcs[i].stream == NULL)
			tui_watch(t, i, true);
		k = i;
	} else if ((k = runs_entry(t, i, row)) < 0)
		return;
	tui_pane_show(t, pane, k, false);
	t->focus = pane;
	t->target = pane;
	view_runs_close(t);
}

/* tui_mode key: move in the runs, open one, or close. */
static unsigned
runs_key(struct tui *t, int key)
{
	enum action a = keys_lookup(key, KEYS_LOG);
	int page = t->lay.status.y - 4;

	if (key == '\r' || key == '\n' || key == (KEYS_FN | KEY_ENTER)) {
		runs_open_selected(t);
		return TUI_REDRAW;
	}
	switch (a) {
	case ACT_CLOSE:
	case ACT_RUNS:
		view_runs_close(t);
		break;
	case ACT_QUIT:
		view_runs_close(t);
		if (key == KEYS_CTRL('c'))
			tui_quit(t);
		break;
	case ACT_DOWN:
		t->runs_sel++;
		break;
	case ACT_UP:
		t->runs_sel--;
		break;
	case ACT_PAGE_DOWN:
		t->runs_sel += page;
		break;
	case ACT_PAGE_UP:
		t->runs_sel -= page;
		break;
	case ACT_TOP:
		t->runs_sel = 0;
		break;
	case ACT_BOTTOM:
	case ACT_FOLLOW:
		t->runs_sel = t->nruns - 1;
		break;
	default:
		break;
	}
	if (t->runs_sel >= t->nruns)
		t->runs_sel = t->nruns - 1;
	if (t->runs_sel < 0)
		t->runs_sel = 0;
	return TUI_REDRAW;
}

/* The colour of a run status. */
static int
runs_color(enum run_status st)
{
	switch (st) {
	case RUN_RUNNING:
		return COL_RUNNING;
	case RUN_FAILED:
		return COL_FAILED;
	case RUN_CANCELLED:
		return COL_CANCELLED;
	case RUN_QUEUED:
		return COL_QUEUED;
	default:
		return COL_NONE;
	}
}

/* tui_mode draw: the runs over the panes. */
static void
runs_draw(struct tui *t)
{
	int h = t->lay.status.y, w = COLS, rows = h - 3, y, k;
	char title[200], line[256], when[32], dur[32], code[24];

	for (y = 0; y < h; y++)
		draw_blank(stdscr, y, 0, w, A_NORMAL);
	snprintf(title, sizeof title, "runs of %s (Enter opens, Esc closes)",
	    tui_src_name(t, t->runs_src));
	draw_frame(stdscr, 0, 0, h, w, true, title);
	if (t->runs_fetch != NULL) {
		mvaddstr(1, 2, "fetching the runs...");
		return;
	}
	if (t->nruns == 0) {
		mvaddstr(1, 2, "no runs yet");
		return;
	}
	snprintf(line, sizeof line, "%s",
	    "  run    outcome               started              duration");
	draw_untrusted(
	    stdscr, 1, 2, w - 4, line, strlen(line), draw_attr(COL_TITLE));
	if (t->runs_sel < t->runs_top)
		t->runs_top = t->runs_sel;
	if (rows > 1 && t->runs_sel >= t->runs_top + rows - 1)
		t->runs_top = t->runs_sel - rows + 2;
	for (k = t->runs_top, y = 2; k < t->nruns && y < h - 1; k++, y++) {
		const struct srclist_run *r = &t->runs[k];
		time_t secs = (time_t)(r->started_ms / 1000);
		struct tm tm;
		int64_t end = r->ended_ms;
		attr_t at = draw_attr(runs_color(r->status));

		when[0] = '\0';
		if (r->started_ms != INT64_MIN &&
		    (t->o->utc ? gmtime_r(&secs, &tm)
		               : localtime_r(&secs, &tm)))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		if (end == INT64_MIN && r->status == RUN_RUNNING)
			end = (int64_t)time(NULL) * 1000;
		dur[0] = '\0';
		if (r->started_ms != INT64_MIN && end != INT64_MIN)
			format_duration(dur, sizeof dur, end - r->started_ms);
		code[0] = '\0';
		if (r->has_exit_code)
			snprintf(code, sizeof code, " (exit %d)", r->exit_code);
		snprintf(line, sizeof line, "%c #%-5lld %-21s %-20s %s",
		    k == t->runs_sel ? '>' : ' ', r->run, "", when, dur);
		if (k == t->runs_sel)
			at |= A_REVERSE;
		draw_blank(
		    stdscr, y, 1, w - 2, k == t->runs_sel ? A_REVERSE : 0);
		draw_untrusted(stdscr, y, 2, w - 4, line, strlen(line),
		    k == t->runs_sel ? A_REVERSE : A_NORMAL);
		snprintf(line, sizeof line, "%s%s", run_status_name(r->status),
		    code);
		draw_untrusted(stdscr, y, 2 + 9, 21, line, strlen(line), at);
	}
}

const struct tui_mode view_runs_mode = {
    .name = "runs",
    .draw = runs_draw,
    .key = runs_key,
};
