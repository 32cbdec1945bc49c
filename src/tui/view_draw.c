/* view_draw.c - safe cell drawing and colours. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/esc.h"
#include "theme.h"
#include "tui/tui_app.h"
#include "tui/view_draw.h"

/* Longest untrusted string escaped for one draw call. */
#define DRAW_ESC_MAX 8192

static const struct theme *draw_theme;

/* Start colours (when wanted and possible) and apply the theme. */
int
draw_colors_init(bool want, const struct theme *th)
{
	const char *nc = getenv("NO_COLOR");
	int colors = 0;

	draw_theme = th;
	if (want && (nc == NULL || *nc == '\0') && has_colors() &&
	    start_color() != ERR)
		colors = COLORS >= 256 ? 256 : 8;
	theme_apply(th, colors);
	return colors;
}

/* The theme element of each screen element. */
static const enum theme_elem draw_elems[] = {
    [COL_NONE] = THEME_NORMAL,
    [COL_TRACE] = THEME_LEVEL_TRACE,
    [COL_DEBUG] = THEME_LEVEL_DEBUG,
    [COL_INFO] = THEME_LEVEL_INFO,
    [COL_WARN] = THEME_LEVEL_WARN,
    [COL_ERROR] = THEME_LEVEL_ERROR,
    [COL_FATAL] = THEME_LEVEL_FATAL,
    [COL_MATCH] = THEME_MATCH,
    [COL_CURRENT] = THEME_SELECTION,
    [COL_FAILED] = THEME_LIST_FAILED,
    [COL_FRAME] = THEME_BORDER_FOCUS,
    [COL_STATUS] = THEME_STATUS,
    [COL_ALERT] = THEME_STATUS_ALERT,
    [COL_BORDER] = THEME_BORDER,
    [COL_TITLE] = THEME_TITLE,
    [COL_MODE] = THEME_STATUS_MODE,
    [COL_QUEUED] = THEME_LIST_QUEUED,
    [COL_RUNNING] = THEME_LIST_RUNNING,
    [COL_CANCELLED] = THEME_LIST_CANCELLED,
    [COL_DETAIL] = THEME_DETAIL,
    [COL_DETAIL_KEY] = THEME_DETAIL_KEY,
    [COL_HELP] = THEME_HELP,
    [COL_HELP_KEY] = THEME_HELP_KEY,
    [COL_TAG0] = THEME_TAG0,
};

/* The theme's attributes for screen element c. */
attr_t
draw_attr(int c)
{
	if (draw_theme == NULL || c < 0)
		return A_NORMAL;
	if (c >= COL_TAG0)
		return theme_attr(
		    draw_theme, THEME_TAG0 + (c - COL_TAG0) % THEME_TAG_COUNT);
	return theme_attr(draw_theme, draw_elems[c]);
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
draw_flush(
    WINDOW *w, int y, int x, int width, int skip, int *col, struct draw_cell *c)
{
	cchar_t cc;
	int k, pos;

	if (c->n == 0)
		return;
	pos = *col - skip;
	c->wc[c->n] = L'\0';
	if (pos >= 0 && pos + c->width <= width) {
		setcchar(
		    &cc, c->wc, c->attr & ~A_COLOR, PAIR_NUMBER(c->attr), NULL);
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
draw_text(WINDOW *w, int y, int x, int width, const char *s, size_t n, int skip,
    attr_t attr, const struct draw_hl *hl)
{
	struct draw_cell c = {.n = 0};
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
draw_untrusted(
    WINDOW *w, int y, int x, int width, const char *s, size_t n, attr_t attr)
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

/* Columns untrusted text takes once escaped (as draw_untrusted draws
 * it, up to DRAW_ESC_MAX bytes of the escaped form). */
int
draw_untrusted_width(const char *s, size_t n)
{
	struct buf b;
	int cols = 0;

	buf_init(&b, DRAW_ESC_MAX);
	if ((esc_text(&b, s, n) == 0 || b.len > 0) && b.p != NULL)
		cols = draw_width(b.p, b.len);
	buf_free(&b);
	return cols;
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

/* One wrapped row, broken at a space when that does not waste more
 * than half the row. */
size_t
draw_wrap_fit(const char *s, size_t n, int width)
{
	size_t fit = draw_fit(s, n, width), k;

	if (fit >= n)
		return fit;
	for (k = fit; k > fit / 2; k--) {
		if (s[k - 1] == ' ')
			return k;
	}
	return fit;
}

/* Rows of wrapped text. */
int
draw_wrap_rows(const char *s, size_t n, int width)
{
	size_t off = 0;
	int rows = 0;

	if (width <= 0)
		return 1;
	do {
		off += draw_wrap_fit(s + off, n - off, width);
		rows++;
	} while (off < n);
	return rows;
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
draw_frame(
    WINDOW *w, int y, int x, int h, int wd, bool focused, const char *title)
{
	attr_t a = draw_attr(focused ? COL_FRAME : COL_BORDER);
	const cchar_t *hz = focused ? WACS_D_HLINE : WACS_HLINE;
	const cchar_t *vt = focused ? WACS_D_VLINE : WACS_VLINE;
	int i;

	if (h < 2 || wd < 2)
		return;
	wattron(w, a);
	mvwadd_wch(w, y, x, focused ? WACS_D_ULCORNER : WACS_ULCORNER);
	mvwadd_wch(w, y, x + wd - 1, focused ? WACS_D_URCORNER : WACS_URCORNER);
	mvwadd_wch(w, y + h - 1, x, focused ? WACS_D_LLCORNER : WACS_LLCORNER);
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
		    focused ? a | A_BOLD : draw_attr(COL_TITLE));
		mvwaddch(w, y, x + 2 + i, ' ' | a);
	}
}
