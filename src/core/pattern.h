/* pattern.h - the shape of a log message: its first line with the parts
 * that change from line to line (numbers, ids, hex, durations, quoted
 * values) replaced by placeholders, and a stable 64-bit hash of that shape
 * (model layer, no I/O). Folding, rules and new-versus-seen errors all
 * compare messages by this one normalisation.
 *
 *   "retrying upload of chunk 17 (attempt 3)"
 *       -> "retrying upload of chunk <n> (attempt <n>)"
 *   "step finished in 331ms"     -> "step finished in <dur>"
 *   "user 'bob' not found"       -> "user <q> not found"
 *   "object 0x7ffd1c, run-7f3a9" -> "object <hex>, <id>"
 *
 * (Not the regex "pattern" of tui/filter.h: that one is a filter the
 * operator types; this one is derived from the message.) */
#ifndef LOGDECK_PATTERN_H
#define LOGDECK_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the message read: a longer first line is shaped by its first
 * PATTERN_SCAN_MAX bytes, so two long lines that differ only after them
 * share a shape. Bounds the work per message. */
#define PATTERN_SCAN_MAX 1024
/* Most bytes of shape text written (placeholders included), NUL not
 * counted; the hash covers the whole shape even when the text is cut. */
#define PATTERN_TEXT_MAX 256
/* Longest quoted value recognised as one (<q>); a quote without its
 * closing quote within this many bytes is kept as text. */
#define PATTERN_QUOTE_MAX 256

/* Shape the message msg (n bytes, may hold NULs; only up to its first
 * newline counts) into out (cap bytes, NUL-ended when cap > 0; NULL with
 * cap 0 for the hash alone). Returns the shape's hash, which depends only
 * on the shape (core/hash.h hash_words64 of the shape text, 64 bits:
 * stable across runs and machines). */
uint64_t pattern_norm(const char *msg, size_t n, char *out, size_t cap);
/* The hash pattern_norm would return, without writing the text. */
uint64_t pattern_hash(const char *msg, size_t n);

#endif
