/* view_detail.c - the whole of one event over the log area: its fields,
 * the message wrapped, and the event JSON pretty-printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/esc.h"
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
int
view_detail_rows(struct tui *t)
{
	struct buf text;
	int rows = 0, w = COLS - 2;

	buf_init(&text, DETAIL_MAX);
	if (detail_build(t, &text))
		rows = detail_layout(&text, 0, 0, w, 0, 0, false);
	buf_free(&text);
	return rows;
}

/* Draw the detail view over everything above the status bar. */
void
view_detail_draw(struct tui *t)
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
