/* esc.h - terminal-safe rendering of untrusted text (model layer). */
#ifndef LOGDECK_ESC_H
#define LOGDECK_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* Append a rendering of n bytes of untrusted text that cannot act on a
 * terminal: C0 controls, DEL and C1 controls (raw or UTF-8 encoded) become
 * visible escapes (\n, \t, \x1b, \u0085), bidi overrides become \u202e,
 * invalid UTF-8 becomes one U+FFFD per bad byte; everything else is copied,
 * a backslash included (the rendering is for display, not reversible).
 * Returns 0, or -1 when out is full (out then holds a prefix of the
 * rendering). */
int esc_text(struct buf *out, const char *s, size_t n);

/* Render the NUL-terminated untrusted string s as esc_text does into dst
 * (size bytes, NUL included), cut before the first item that does not
 * fit: for one-line messages such as a server's error text. Rendering a
 * rendering changes nothing, so text escaped twice reads the same. */
void esc_line(char *dst, size_t size, const char *s);

/* True for a code point past ASCII that must not reach a terminal as
 * is: C1 controls and bidi overrides or isolates. */
bool esc_unsafe_cp(uint32_t cp);

/* Decode one UTF-8 sequence at s (n > 0 bytes available). Sets *cp and
 * returns its length, or returns 0 for an invalid or incomplete sequence
 * (the caller shows U+FFFD and skips one byte). */
size_t esc_utf8_next(const char *s, size_t n, uint32_t *cp);

#endif
