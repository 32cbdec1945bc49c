/* view_detail.c - the whole of one event over the log area: its fields,
 * the message wrapped, and the event JSON pretty-printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/esc.h"
#include "tui/keys.h"
#include "tui/tui_app.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Largest detail text built for one event. */
#define DETAIL_MAX (1024 * 1024)

/* Copy raw JSON into out with every \u0000 escape turned into the text
 * "\\u0000", so cJSON keeps the rest of the string instead of stopping. */
static void
detail_protect_nul(const char *raw, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (raw[i] == '\\' && i + 1 < n) {
			if (raw[i + 1] == 'u' && i + 5 < n &&
			    memcmp(raw + i + 2, "0000", 4) == 0) {
				buf_puts(out, "\\\\u0000");
				i += 5;
			} else {
				buf_append(out, raw + i, 2);
				i++;
			}
		} else
			buf_putc(out, raw[i]);
	}
}

/* Build the detail text of the event: one line per row, terminal-safe.
 * Returns false when the line is gone. */
static bool
detail_build(struct tui *t, struct buf *out)
{
	struct sb_line l;
	struct buf prot;
	cJSON *j;
	char *pretty, tbuf[64];
	bool utc_save;

	if (!sb_get_raw(t->sb, t->detail_seq, &l))
		return false;
	buf_printf(out, "source:  ");
	esc_text(out, tui_src_name(t, l.src), strlen(tui_src_name(t, l.src)));
	buf_printf(
	    out, "\nid:      %lld\nlevel:   %s\n", l.id, level_name(l.level));
	if (l.ts_ms != INT64_MIN) {
		utc_save = t->ts;
		t->ts = TUI_TS_ABSOLUTE;
		view_log_time(t, l.ts_ms, tbuf, sizeof tbuf);
		t->ts = utc_save;
		buf_printf(
		    out, "time:    %s%s\n", tbuf, t->o->utc ? " UTC" : "");
	}
	if (l.flags & SB_CUT_EVENT)
		buf_printf(out, "note:    the event was longer than the size "
		                "cap (--max-event) and was cut\n");
	if (l.flags & SB_CUT_RAW)
		buf_printf(out,
		    "note:    only the start of the event was kept "
		    "(the scrollback keeps at most a chunk per line)\n");
	buf_printf(out, "message:\n%s\n\nevent:\n", l.msg);
	buf_init(&prot, DETAIL_MAX);
	detail_protect_nul(l.raw, l.raw_len, &prot);
	j = prot.p ? cJSON_ParseWithLength(prot.p, prot.len) : NULL;
	pretty = j ? cJSON_Print(j) : NULL;
	if (pretty != NULL) {
		/* Keep the line breaks of the pretty print; escape the rest
		 * line by line. */
		char *line = pretty, *nl;

		/* cJSON indents with tabs; JSON strings carry none raw. */
		for (nl = pretty; *nl != '\0'; nl++) {
			if (*nl == '\t')
				*nl = ' ';
		}
		while (line != NULL) {
			nl = strchr(line, '\n');
			esc_text(
			    out, line, nl ? (size_t)(nl - line) : strlen(line));
			buf_putc(out, '\n');
			line = nl ? nl + 1 : NULL;
		}
	} else {
		esc_text(out, l.raw, l.raw_len);
		buf_putc(out, '\n');
	}
	free(pretty);
	cJSON_Delete(j);
	buf_free(&prot);
	return true;
}

/* Draw (or only count when draw is false) the text wrapped to width w
 * from row top; returns the total rows. */
static int
detail_layout(
    const struct buf *text, int y0, int x0, int w, int h, int top, bool draw)
{
	size_t off = 0, end, used;
	int row = 0;
	const char *s = text->p;

	while (s != NULL && off < text->len) {
		end = off;
		while (end < text->len && s[end] != '\n')
			end++;
		do {
			used = draw_wrap_fit(s + off, end - off, w);
			if (draw && row >= top && row - top < h)
				draw_text(stdscr, y0 + row - top, x0, w,
				    s + off, used, 0, A_NORMAL, NULL);
			off += used;
			row++;
		} while (off < end);
		off = end + 1;
	}
	return row;
}

/* Rows of detail text at the current width. */
static int
detail_rows(struct tui *t)
{
	struct buf text;
	int rows = 0, w = COLS - 2;

	buf_init(&text, DETAIL_MAX);
	if (detail_build(t, &text))
		rows = detail_layout(&text, 0, 0, w, 0, 0, false);
	buf_free(&text);
	return rows;
}

/* tui_mode draw: the detail view over everything above the status bar. */
static void
detail_draw(struct tui *t)
{
	struct buf text;
	int h = t->lay.status.y, w = COLS;

	for (int y = 0; y < h; y++)
		draw_blank(stdscr, y, 0, w, A_NORMAL);
	draw_frame(stdscr, 0, 0, h, w, true, "event (Esc closes, j/k scroll)");
	buf_init(&text, DETAIL_MAX);
	if (!detail_build(t, &text))
		mvaddstr(1, 2, "(this line has been evicted)");
	else
		detail_layout(&text, 1, 1, w - 2, h - 2, t->detail_top, true);
	buf_free(&text);
}

/* Scroll *top by delta rows within rows. */
static void
scroll_by(int *top, int delta, int rows)
{
	*top += delta;
	if (*top > rows - 1)
		*top = rows - 1;
	if (*top < 0)
		*top = 0;
}

/* The keys of a scrolled text: what closes the mode or opened it closes
 * it (C-c quits too), the moves scroll. */
unsigned
view_scroll_key(struct tui *t, int key, int *top, int rows)
{
	int page = t->lay.status.y - 2;

	switch (keys_lookup(key, KEYS_LOG)) {
	case ACT_CLOSE:
	case ACT_QUIT:
	case ACT_HELP:
	case ACT_DETAIL:
	case ACT_SEARCH_BACK: /* "?" closes the help it opened */
		if (key == KEYS_CTRL('c'))
			tui_quit(t);
		t->mode = NULL;
		break;
	case ACT_DOWN:
		scroll_by(top, 1, rows);
		break;
	case ACT_UP:
		scroll_by(top, -1, rows);
		break;
	case ACT_PAGE_DOWN:
	case ACT_HALF_DOWN:
	case ACT_PAUSE:
		scroll_by(top, page, rows);
		break;
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
		scroll_by(top, -page, rows);
		break;
	case ACT_TOP:
		*top = 0;
		break;
	default:
		return TUI_KEEP;
	}
	return TUI_REDRAW;
}

/* tui_mode key: scroll the event, or close it. */
static unsigned
detail_key(struct tui *t, int key)
{
	return view_scroll_key(t, key, &t->detail_top, detail_rows(t));
}

const struct tui_mode view_detail_mode = {
    .name = "detail",
    .draw = detail_draw,
    .key = detail_key,
};

/* Open the detail view of line seq. */
void
view_detail_open(struct tui *t, uint64_t seq)
{
	t->detail_seq = seq;
	t->detail_top = 0;
	t->mode = &view_detail_mode;
}
