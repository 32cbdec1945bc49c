/* view_draw.c - safe cell drawing and colours. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "esc.h"
#include "tui_app.h"
#include "view_draw.h"

/* Longest untrusted string escaped for one draw call. */
#define DRAW_ESC_MAX 8192

static int draw_ncolors;

/* Define the colour pairs for 8 or 256 colours. */
int
draw_colors_init(bool want)
{
	static const short tags256[TUI_TAG_COLORS] = { 39, 171, 214, 77, 204,
		123 };
	static const short tags8[TUI_TAG_COLORS] = { COLOR_CYAN,
		COLOR_MAGENTA, COLOR_YELLOW, COLOR_GREEN, COLOR_BLUE,
		COLOR_RED };
	const char *nc = getenv("NO_COLOR");
	bool c256;
	int i;

	draw_ncolors = 0;
	if (!want || (nc != NULL && *nc != '\0') || !has_colors() ||
	    start_color() == ERR)
		return 0;
	use_default_colors();
	c256 = COLORS >= 256;
	init_pair(COL_TRACE, c256 ? 244 : COLOR_BLUE, -1);
	init_pair(COL_DEBUG, COLOR_CYAN, -1);
	init_pair(COL_INFO, COLOR_GREEN, -1);
	init_pair(COL_WARN, COLOR_YELLOW, -1);
	init_pair(COL_ERROR, COLOR_RED, -1);
	init_pair(COL_FATAL, COLOR_WHITE, COLOR_RED);
	init_pair(COL_MATCH, COLOR_BLACK, COLOR_YELLOW);
	init_pair(COL_CURRENT, c256 ? 255 : COLOR_WHITE,
	    c256 ? 24 : COLOR_BLUE);
	init_pair(COL_FAILED, COLOR_RED, -1);
	init_pair(COL_FRAME, COLOR_CYAN, -1);
	init_pair(COL_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(COL_ALERT, COLOR_WHITE, COLOR_RED);
	for (i = 0; i < TUI_TAG_COLORS; i++)
		init_pair(COL_TAG0 + i, c256 ? tags256[i] : tags8[i], -1);
	draw_ncolors = c256 ? 256 : 8;
	return draw_ncolors;
}

/* Map a role to attributes; monochrome uses bold, dim, reverse. */
attr_t
draw_attr(int c)
{
	if (draw_ncolors > 0) {
		switch (c) {
		case COL_NONE:
			return A_NORMAL;
		case COL_ERROR:
		case COL_FATAL:
		case COL_FAILED:
		case COL_FRAME:
		case COL_ALERT:
			return COLOR_PAIR(c) | A_BOLD;
		default:
			return COLOR_PAIR(c);
		}
	}
	switch (c) {
	case COL_TRACE:
	case COL_DEBUG:
		return A_DIM;
	case COL_WARN:
	case COL_FRAME:
		return A_BOLD;
	case COL_ERROR:
	case COL_FATAL:
	case COL_FAILED:
		return A_BOLD | A_UNDERLINE;
	case COL_MATCH:
		return A_UNDERLINE | A_BOLD;
	case COL_CURRENT:
	case COL_STATUS:
	case COL_ALERT:
		return A_REVERSE;
	default:
		return A_NORMAL;
	}
}

/* One screen cell being assembled: a base character and its marks. */
struct draw_cell {
	wchar_t wc[CCHARW_MAX + 1];
	int n;
	int width;
	attr_t attr;
};

/* Put the cell at column *col (relative to the start of the text),
 * honouring the skip and the width. */
static void
draw_flush(WINDOW *w, int y, int x, int width, int skip, int *col,
    struct draw_cell *c)
{
	cchar_t cc;
	int k, pos;

	if (c->n == 0)
		return;
	pos = *col - skip;
	c->wc[c->n] = L'\0';
	if (pos >= 0 && pos + c->width <= width) {
		setcchar(&cc, c->wc, c->attr & ~A_COLOR, PAIR_NUMBER(c->attr),
		    NULL);
		mvwadd_wch(w, y, x + pos, &cc);
	} else {
		/* A wide character cut by the left edge or the right edge:
		 * show the columns it would cover as blanks. */
		for (k = 0; k < c->width; k++) {
			if (pos + k >= 0 && pos + k < width)
				mvwaddch(w, y, x + pos + k, ' ' | c->attr);
		}
	}
	*col += c->width;
	c->n = 0;
}

/* The attribute of byte offset off. */
static attr_t
draw_attr_at(const struct draw_hl *hl, size_t off, attr_t attr)
{
	int i;

	if (hl == NULL)
		return attr;
	for (i = 0; i < hl->n; i++) {
		if (off >= hl->so[i] && off < hl->eo[i])
			return hl->attr;
	}
	return attr;
}

/* Draw safe text into cells. */
size_t
draw_text(WINDOW *w, int y, int x, int width, const char *s, size_t n,
    int skip, attr_t attr, const struct draw_hl *hl)
{
	struct draw_cell c = { .n = 0 };
	size_t i = 0, l;
	uint32_t cp;
	int col = 0, cw;

	while (i < n) {
		l = esc_utf8_next(s + i, n - i, &cp);
		if (l == 0) {
			cp = 0xfffd;
			l = 1;
		}
		cw = cp < 0x20 || cp == 0x7f ? -1 : wcwidth((wchar_t)cp);
		if (cw == 0 && c.n > 0 && c.n < CCHARW_MAX) {
			c.wc[c.n++] = (wchar_t)cp;
			i += l;
			continue;
		}
		if (cw <= 0) {
			cp = cw == 0 ? 0x25cc : 0xfffd; /* lone mark: dotted */
			cw = 1;
		}
		draw_flush(w, y, x, width, skip, &col, &c);
		if (col - skip + cw > width)
			return i;
		c.wc[0] = (wchar_t)cp;
		c.n = 1;
		c.width = cw;
		c.attr = draw_attr_at(hl, i, attr);
		i += l;
	}
	draw_flush(w, y, x, width, skip, &col, &c);
	return i;
}

/* Escape then draw. */
int
draw_untrusted(WINDOW *w, int y, int x, int width, const char *s, size_t n,
    attr_t attr)
{
	struct buf b;
	int cols;

	buf_init(&b, DRAW_ESC_MAX);
	if (esc_text(&b, s, n) == -1 && b.len == 0) {
		buf_free(&b);
		return 0;
	}
	if (b.p == NULL) {
		buf_free(&b);
		return 0;
	}
	draw_text(w, y, x, width, b.p, b.len, 0, attr, NULL);
	cols = draw_width(b.p, b.len);
	buf_free(&b);
	return cols < width ? cols : width;
}

/* Width of one code point as drawn: marks 0, bad or control 1. */
static int
draw_cp_width(uint32_t cp)
{
	int cw = cp < 0x20 || cp == 0x7f ? 1 : wcwidth((wchar_t)cp);

	return cw < 0 ? 1 : cw;
}

/* Bytes that fit in width columns. */
size_t
draw_fit(const char *s, size_t n, int width)
{
	size_t i = 0, l;
	uint32_t cp;
	int cols = 0, cw;

	while (i < n) {
		l = esc_utf8_next(s + i, n - i, &cp);
		cw = l == 0 ? 1 : draw_cp_width(cp);
		if (l == 0)
			l = 1;
		if (cols + cw > width && i > 0)
			break;
		cols += cw;
		i += l;
	}
	return i;
}

/* Column width of safe text. */
int
draw_width(const char *s, size_t n)
{
	size_t i = 0, l;
	uint32_t cp;
	int cols = 0;

	while (i < n) {
		l = esc_utf8_next(s + i, n - i, &cp);
		if (l == 0) {
			cols++;
			i++;
			continue;
		}
		cols += draw_cp_width(cp);
		i += l;
	}
	return cols;
}

/* Blank a stretch of a row. */
void
draw_blank(WINDOW *w, int y, int x, int width, attr_t attr)
{
	int i;

	for (i = 0; i < width; i++)
		mvwaddch(w, y, x + i, ' ' | attr);
}

/* Frame a pane; the focused one in double lines and colour. */
void
draw_frame(WINDOW *w, int y, int x, int h, int wd, bool focused,
    const char *title)
{
	attr_t a = focused ? draw_attr(COL_FRAME) : A_NORMAL;
	const cchar_t *hz = focused ? WACS_D_HLINE : WACS_HLINE;
	const cchar_t *vt = focused ? WACS_D_VLINE : WACS_VLINE;
	int i;

	if (h < 2 || wd < 2)
		return;
	wattron(w, a);
	mvwadd_wch(w, y, x, focused ? WACS_D_ULCORNER : WACS_ULCORNER);
	mvwadd_wch(w, y, x + wd - 1, focused ? WACS_D_URCORNER : WACS_URCORNER);
	mvwadd_wch(w, y + h - 1, x,
	    focused ? WACS_D_LLCORNER : WACS_LLCORNER);
	mvwadd_wch(w, y + h - 1, x + wd - 1,
	    focused ? WACS_D_LRCORNER : WACS_LRCORNER);
	for (i = 1; i < wd - 1; i++) {
		mvwadd_wch(w, y, x + i, hz);
		mvwadd_wch(w, y + h - 1, x + i, hz);
	}
	for (i = 1; i < h - 1; i++) {
		mvwadd_wch(w, y + i, x, vt);
		mvwadd_wch(w, y + i, x + wd - 1, vt);
	}
	wattroff(w, a);
	if (title != NULL && wd > 6) {
		mvwaddch(w, y, x + 1, ' ' | a);
		i = draw_untrusted(w, y, x + 2, wd - 5, title, strlen(title),
		    a | (focused ? A_BOLD : 0));
		mvwaddch(w, y, x + 2 + i, ' ' | a);
	}
}
