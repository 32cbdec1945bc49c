/* view_draw.h - drawing untrusted text into curses cells safely, and the
 * colour scheme (view layer). */
#ifndef LOGDECK_VIEW_DRAW_H
#define LOGDECK_VIEW_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* Most highlighted ranges drawn on one row. */
#define DRAW_HL_MAX 32

/* Byte ranges of the text to draw with another attribute. */
struct draw_hl {
	size_t so[DRAW_HL_MAX], eo[DRAW_HL_MAX];
	int n;
	attr_t attr;
};

struct theme;

/* Set up colours from theme th (borrowed until the viewer ends): 256, 8
 * or none (want false, NO_COLOR, or a terminal without colours, where
 * the theme's monochrome attributes apply). Returns 0, 8 or 256. */
int draw_colors_init(bool want, const struct theme *th);
/* The attributes of screen element c (enum tui_color). */
attr_t draw_attr(int c);

/* Draw n bytes of terminal-safe UTF-8 text s (already through esc_text)
 * at y, x of w, at most width columns, skipping the first skip columns.
 * Wide characters keep the columns aligned, combining characters join
 * the previous cell, invalid bytes show U+FFFD. hl may be NULL. Returns
 * the number of bytes consumed (less than n when the row filled). */
size_t draw_text(WINDOW *w, int y, int x, int width, const char *s, size_t n,
    int skip, attr_t attr, const struct draw_hl *hl);
/* Like draw_text for text straight from outside (names, level names,
 * pretty-printed JSON): it is escaped first. Returns columns used. */
int draw_untrusted(
    WINDOW *w, int y, int x, int width, const char *s, size_t n, attr_t attr);
/* Columns untrusted text s would take as draw_untrusted draws it. */
int draw_untrusted_width(const char *s, size_t n);
/* Bytes of safe text s that fit in width columns (at least one
 * character, so wrapping always advances). */
size_t draw_fit(const char *s, size_t n, int width);
/* Bytes of s for one wrapped row of width columns: like draw_fit, but
 * breaking after a space when one falls in the row's second half. */
size_t draw_wrap_fit(const char *s, size_t n, int width);
/* Rows s takes when wrapped at width columns (at least 1). */
int draw_wrap_rows(const char *s, size_t n, int width);
/* Columns the safe text s would take. */
int draw_width(const char *s, size_t n);
/* Fill width columns at y, x with spaces in attr. */
void draw_blank(WINDOW *w, int y, int x, int width, attr_t attr);
/* Draw a frame around r (double lines when focused) with a title. */
void draw_frame(
    WINDOW *w, int y, int x, int h, int wd, bool focused, const char *title);

#endif
