/* json.h - zero-allocation JSON scanner: validates and walks one JSON text
 * in place, without building a tree (protocol layer, no I/O). The server's
 * strict validator and minifier of ingested events is another thing
 * (server/jsoncheck.h says why): this one reads what any server sends.
 *
 * Grammar is RFC 8259 with two tolerances, both about string content, never
 * structure: raw control bytes and invalid UTF-8 inside strings are accepted
 * and kept (log text is what it is; the output layers escape it). */
#ifndef LOGDECK_JSON_H
#define LOGDECK_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of arrays and objects accepted, counting the outermost
 * value as 1; deeper text is invalid. Bounds the scanner's stack use. */
#define JSON_MAX_DEPTH 512

enum json_type {
	JSON_STRING,
	JSON_NUMBER,
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

/* One scanned value. Pointers point into the scanned text. */
struct json_value {
	enum json_type type;
	const char *p; /* the value's JSON text */
	size_t n;
	const char *s; /* JSON_STRING: the body between the quotes */
	size_t sn;
	bool escaped; /* JSON_STRING: the body holds backslash escapes */
};

/* Walks the members of one object or the elements of one array. */
struct json_iter {
	const char *p;
	const char *end;
	char close; /* '}' or ']' */
	bool first;
};

/* Skip JSON whitespace; returns the first other byte or end. */
const char *json_skip_ws(const char *p, const char *end);
/* Scan and fully validate one value at p (leading whitespace skipped).
 * Returns the byte after it, or NULL when the text is not a valid value. */
const char *json_value(const char *p, const char *end, struct json_value *v);
/* Scan and validate the value at p (no whitespace before it) as a member
 * of an object or an element of an array: as json_value, but one level of
 * nesting is its container's, as in json_iter_next. Returns the byte after
 * it, or NULL. */
const char *json_member_value(
    const char *p, const char *end, struct json_value *v);
/* Scan the string whose opening quote is at p: returns the byte after its
 * closing quote, or NULL when it does not close before end or holds an
 * invalid escape; *escaped says whether it holds any escape. The string
 * scan of json_value, for callers that walk a text themselves. */
const char *json_string_end(const char *p, const char *end, bool *escaped);
/* Scan the number at p (JSON's grammar: no '+', no leading zeros): the
 * byte after it, or NULL when p holds none. */
const char *json_number_end(const char *p, const char *end);
/* Start walking the container at p (leading whitespace skipped) if it opens
 * with open ('{' or '['); returns 0, or -1 when it does not. */
int json_iter_begin(
    struct json_iter *it, const char *p, const char *end, char open);
/* Scan and validate the next member (key set; objects) or element (key
 * NULL; arrays). Returns 1, 0 after the closing bracket (it->p then points
 * past it), or -1 when the text is invalid. */
int json_iter_next(
    struct json_iter *it, struct json_value *key, struct json_value *val);
/* Undo the escapes of a string body (s, n from a scanned JSON_STRING) into
 * dst, writing at most cap bytes; never writes more than n bytes in all.
 * \u0000 becomes a NUL byte, a lone surrogate escape becomes U+FFFD, raw
 * bytes are copied. Stops before an item that would not fit; *used gets the
 * body bytes consumed. Returns the bytes written. */
size_t json_unescape(
    char *dst, size_t cap, const char *s, size_t n, size_t *used);
/* Parse n bytes of optional '-' and decimal digits (nothing else) into *v;
 * false on anything else or overflow. */
bool json_int(const char *s, size_t n, long long *v);
/* The value of the four hex digits at s (a \\u escape), or -1. */
long json_hex4(const char *s);
/* Longest literal json_body_eq compares an escaped body with (member
 * names); a longer one never matches a body that holds escapes. */
#define JSON_BODY_EQ_MAX 64
/* True when the n bytes of a string body equal the C string lit (at most
 * JSON_BODY_EQ_MAX bytes) once unescaped (keys like "mess\u0061ge" match
 * "message"). */
bool json_body_eq(
    const char *s, size_t n, bool escaped, const char *lit, size_t litlen);

#endif
