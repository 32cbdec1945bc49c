/* jsoncheck.h - strict JSON checking and minifying for ingested events (server
 * protocol layer). cJSON is not used on this path because it re-encodes
 * numbers as doubles, stops strings at \u0000 and accepts raw control
 * characters, so events would neither stay verbatim nor stay one line.
 *
 * Why this is not core/json.c's scanner with a strict mode: that scanner
 * is the client's, tolerant on purpose (raw control bytes and bad UTF-8
 * in strings are log text to show, escaped), validates a value before it
 * is walked (walking nested members scans them again), and says only
 * "invalid". Here the server refuses what it would store: one pass that
 * checks UTF-8, controls, leading zeros, a number's written-out length
 * (JSONCHECK_NUMBER_RENDER_MAX) and depth (JSONCHECK_DEPTH_MAX) while it
 * writes the minified copy, and names the byte where it failed. A strict
 * mode would put those checks and a writer into the client's hot loop
 * for nothing. What both need is shared: the \uXXXX digits are
 * json_hex4's (core/json.h). */
#ifndef LOGDECK_SERVER_JSONCHECK_H
#define LOGDECK_SERVER_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of arrays and objects accepted in an ingested event
 * (the client's decoder has its own, larger JSON_MAX_DEPTH: it reads what
 * any server sends). */
#define JSONCHECK_DEPTH_MAX 64
/* Most characters a number may take when written out in full, without an
 * exponent, as PostgreSQL's jsonb writes it back (1e5 as 100000): this
 * bounds both its digits and its exponent, so a short number cannot make
 * every read of its event huge (1e131071 would be 131072 characters). */
#define JSONCHECK_NUMBER_RENDER_MAX 64

/* Check that in (len bytes) is exactly one JSON value (RFC 8259: valid UTF-8,
 * no raw control characters in strings, no leading zeros, no number longer than
 * JSONCHECK_NUMBER_RENDER_MAX written out in full) with optional
 * whitespace around it, and write it to out without whitespace outside
 * strings; out needs room for len bytes. Returns the length written, or -1
 * with a one-line reason naming the byte offset in err. */
long jsoncheck_minify(
    const char *in, size_t len, char *out, char *err, size_t errlen);
/* True when the string at p (n bytes, quotes included, as jsoncheck_minify wrote
 * it) is name once its escapes are decoded ("\u0069d" is "id"). */
bool jsoncheck_string_is(const char *p, size_t n, const char *name);
/* True when a string of the JSON text s (n bytes) holds \u0000, which
 * cJSON's NUL-terminated strings would silently cut there. */
bool jsoncheck_has_nul_escape(const char *s, size_t n);
/* The length of the value that starts at p in text jsoncheck_minify wrote
 * (and that a NUL ends). */
size_t jsoncheck_value_len(const char *p);

#endif
