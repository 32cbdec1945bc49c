/* json.h - strict JSON checking and minifying for ingested events (server
 * protocol layer). cJSON is not used on this path because it re-encodes
 * numbers as doubles, stops strings at \u0000 and accepts raw control
 * characters, so events would neither stay verbatim nor stay one line. */
#ifndef LOGDECK_SERVER_JSON_H
#define LOGDECK_SERVER_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of arrays and objects accepted. */
#define JSON_DEPTH_MAX 64
/* Most characters a number may take when written out in full, without an
 * exponent, as PostgreSQL's jsonb writes it back (1e5 as 100000): this
 * bounds both its digits and its exponent, so a short number cannot make
 * every read of its event huge (1e131071 would be 131072 characters). */
#define JSON_NUMBER_RENDER_MAX 64

/* Check that in (len bytes) is exactly one JSON value (RFC 8259: valid UTF-8,
 * no raw control characters in strings, no leading zeros, no number longer than
 * JSON_NUMBER_RENDER_MAX written out in full) with optional
 * whitespace around it, and write it to out without whitespace outside
 * strings; out needs room for len bytes. Returns the length written, or -1
 * with a one-line reason naming the byte offset in err. */
long json_minify(
    const char *in, size_t len, char *out, char *err, size_t errlen);
/* True when the string at p (n bytes, quotes included, as json_minify wrote
 * it) is name once its escapes are decoded ("\u0069d" is "id"). */
bool json_string_is(const char *p, size_t n, const char *name);
/* True when a string of the JSON text s (n bytes) holds \u0000, which
 * cJSON's NUL-terminated strings would silently cut there. */
bool json_has_nul_escape(const char *s, size_t n);
/* The length of the value that starts at p in text json_minify wrote. */
size_t json_value_len(const char *p);

#endif
