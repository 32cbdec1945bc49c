/* view_marks.c - the list of marked lines over the log area: time,
 * source and message of each, oldest first; Enter goes to one in the
 * pane keys act on, m unmarks it. */
#include <stdio.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Columns of the box (narrower screens get their width). */
#define MARKS_BOX_W 100
/* Width of the source column. */
#define MARKS_SRC_W 14

/* Rows of marks the box shows. */
static int
marks_rows(const struct tui *t)
{
	int h = t->lay.status.y - 1 - 4;

	return h > 1 ? h : 1;
}

/* tui_mode draw: the marks, the cursor's row highlighted. */
static void
marks_draw(struct tui *t)
{
	int w = COLS < MARKS_BOX_W ? COLS : MARKS_BOX_W, x = (COLS - w) / 2;
	int rows = marks_rows(t), n = (int)t->marks.n, h, k, y = 1, cx;
	char title[128], when[32];
	struct sb_line l;
	const char *name;
	attr_t a;

	h = (n > 0 ? (n < rows ? n : rows) : 1) + 3;
	for (k = 0; k < h; k++)
		draw_blank(stdscr, y + k, x, w, A_NORMAL);
	snprintf(title, sizeof title,
	    "marks: %d (Enter goes to one, m unmarks, Esc closes)", n);
	draw_frame(stdscr, y, x, h, w, true, title);
	if (n == 0) {
		snprintf(title, sizeof title, "no marks: m marks a line");
		draw_text(stdscr, y + 1, x + 2, w - 4, title, strlen(title), 0,
		    A_NORMAL, NULL);
		return;
	}
	for (k = 0; k < rows && t->marks_top + k < n; k++) {
		uint64_t seq = t->marks.seq[t->marks_top + k];

		a = t->marks_top + k == t->marks_sel ? draw_attr(COL_CURRENT)
		                                     : A_NORMAL;
		cx = x + 2;
		draw_blank(stdscr, y + 1 + k, cx, w - 4, a);
		if (!sb_get(t->sb, seq, &l))
			continue;
		if (l.ts_ms == INT64_MIN)
			snprintf(when, sizeof when, "--:--:--.---");
		else {
			enum tui_ts save = t->ts;

			t->ts = TUI_TS_ABSOLUTE;
			view_log_time(t, l.ts_ms, when, sizeof when);
			t->ts = save;
		}
		draw_text(
		    stdscr, y + 1 + k, cx, 13, when, strlen(when), 0, a, NULL);
		cx += 13;
		name = tui_src_name(t, l.src);
		draw_untrusted(
		    stdscr, y + 1 + k, cx, MARKS_SRC_W, name, strlen(name), a);
		cx += MARKS_SRC_W + 1;
		if (x + w - 2 - cx > 0)
			draw_text(stdscr, y + 1 + k, cx, x + w - 2 - cx, l.msg,
			    l.msg_len, 0, a, NULL);
	}
}

/* Keep the cursor on a mark and in the box. */
static void
marks_clamp(struct tui *t)
{
	int n = (int)t->marks.n, rows = marks_rows(t);

	if (t->marks_sel >= n)
		t->marks_sel = n - 1;
	if (t->marks_sel < 0)
		t->marks_sel = 0;
	if (t->marks_top > t->marks_sel)
		t->marks_top = t->marks_sel;
	if (t->marks_sel >= t->marks_top + rows)
		t->marks_top = t->marks_sel - rows + 1;
	if (t->marks_top < 0)
		t->marks_top = 0;
}

/* Enter: the pane keys act on goes to the mark under the cursor. */
static void
marks_go(struct tui *t)
{
	struct reader *r = &t->pane[tui_pane_index(t)].r;
	uint64_t seq;
	size_t k;

	if (t->marks_sel >= (int)t->marks.n)
		return;
	seq = t->marks.seq[t->marks_sel];
	k = lineidx_lower(&r->li, seq);
	if (k >= lineidx_count(&r->li) || lineidx_at(&r->li, k) != seq) {
		tui_msg(t, true,
		    "that line is not in this pane's view "
		    "(another source, or filtered out)");
		return;
	}
	t->mode = NULL;
	reader_goto(r, seq);
}

/* tui_mode key: move, go, unmark, close. */
static unsigned
marks_key(struct tui *t, int key)
{
	enum action a = keys_lookup(key, KEYS_LOG);
	int rows = marks_rows(t);

	switch (a) {
	case ACT_DOWN:
	case ACT_UP:
		t->marks_sel += a == ACT_DOWN ? 1 : -1;
		break;
	case ACT_PAGE_DOWN:
	case ACT_PAGE_UP:
		t->marks_sel += a == ACT_PAGE_DOWN ? rows : -rows;
		break;
	case ACT_TOP:
		t->marks_sel = 0;
		break;
	case ACT_BOTTOM:
		t->marks_sel = (int)t->marks.n - 1;
		break;
	case ACT_DETAIL:
		marks_go(t);
		break;
	case ACT_MARK:
		if (t->marks_sel < (int)t->marks.n)
			marks_toggle(&t->marks, t->marks.seq[t->marks_sel]);
		break;
	case ACT_QUIT:
	case ACT_CLOSE:
	case ACT_MARKS:
		t->mode = NULL;
		if (key == KEYS_CTRL('c'))
			tui_quit(t);
		break;
	default:
		return TUI_KEEP;
	}
	marks_clamp(t);
	return TUI_REDRAW;
}

const struct tui_mode view_marks_mode = {
    .name = "marks",
    .draw = marks_draw,
    .key = marks_key,
};

/* Open the marks list, the cursor on the newest mark. */
void
view_marks_open(struct tui *t)
{
	t->marks_sel = (int)t->marks.n - 1;
	t->marks_top = 0;
	marks_clamp(t);
	t->mode = &view_marks_mode;
}
