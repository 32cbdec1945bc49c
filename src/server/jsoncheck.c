/* jsoncheck.c - strict JSON checking and minifying of ingested events
 * (recursive descent). */
#include "jsoncheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

struct jsoncheck_parser {
	const char *in;
	size_t len;
	size_t pos;
	char *out;
	size_t olen;
	int depth;
	char *err;
	size_t errlen;
};

static int jsoncheck_value(struct jsoncheck_parser *p);

/* Record why parsing stopped, at the current offset; returns -1. */
static int
jsoncheck_fail(struct jsoncheck_parser *p, const char *what)
{
	snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
	return -1;
}

/* Skip JSON whitespace. */
static void
jsoncheck_ws(struct jsoncheck_parser *p)
{
	while (p->pos < p->len &&
	       (p->in[p->pos] == ' ' || p->in[p->pos] == '\n' ||
	           p->in[p->pos] == '\r' || p->in[p->pos] == '\t'))
		p->pos++;
}

/* The next byte, or -1 at the end. */
static int
jsoncheck_peek(const struct jsoncheck_parser *p)
{
	return p->pos < p->len ? (unsigned char)p->in[p->pos] : -1;
}

/* Copy n input bytes to the output. */
static void
jsoncheck_copy(struct jsoncheck_parser *p, size_t n)
{
	memcpy(p->out + p->olen, p->in + p->pos, n);
	p->olen += n;
	p->pos += n;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
jsoncheck_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Whether the eight bytes at s are all printable ASCII other than '"'
 * and '\\' (bytes that a string takes as they are); the usual tests for
 * a zero byte and a byte under a value, on a 64-bit word. */
static bool
jsoncheck_plain8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t v, q, b, d;

	memcpy(&v, s, 8);
	q = v ^ (ones * '"');
	b = v ^ (ones * '\\');
	d = v ^ (ones * 0x7f);
	return ((v | ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) |
	            ((b - ones) & ~b) | ((d - ones) & ~d)) &
	           high) == 0;
}

/* The value of the \\uXXXX escape at in[at] (its backslash), or -1 when
 * it is none or runs past the input. */
static long
jsoncheck_escape_value(const struct jsoncheck_parser *p, size_t at)
{
	long v = 0;
	size_t i;
	int c;

	if (at + 6 > p->len || p->in[at + 1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		c = (unsigned char)p->in[at + i];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return -1;
	}
	return v;
}

/* A string, quotes included. */
static int
jsoncheck_string(struct jsoncheck_parser *p)
{
	size_t n;
	long u;
	int c;

	jsoncheck_copy(p, 1);
	for (;;) {
		/* The common bytes (printable ASCII but '"' and '\\') need no
		 * check of their own: take the whole run at once, eight bytes
		 * at a time while they are all such. */
		for (n = p->pos;
		     n + 8 <= p->len &&
		     jsoncheck_plain8((const unsigned char *)p->in + n);
		     n += 8)
			;
		for (; n < p->len; n++) {
			c = (unsigned char)p->in[n];
			if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
				break;
		}
		if (n > p->pos)
			jsoncheck_copy(p, n - p->pos);
		if ((c = jsoncheck_peek(p)) < 0)
			return jsoncheck_fail(p, "unterminated string");
		if (c == '"') {
			jsoncheck_copy(p, 1);
			return 0;
		}
		if (c < 0x20)
			return jsoncheck_fail(p, "control character in string");
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				return jsoncheck_fail(p, "unterminated string");
			c = (unsigned char)p->in[p->pos + 1];
			if (c == 'u') {
				if ((u = jsoncheck_escape_value(p, p->pos)) < 0)
					return jsoncheck_fail(
					    p, "bad \\u escape");
				/* A surrogate only as the first half of a pair:
				 * PostgreSQL refuses a lone one, cJSON too. */
				if (u >= 0xdc00 && u <= 0xdfff)
					return jsoncheck_fail(
					    p, "lone surrogate in \\u escape");
				if (u >= 0xd800 && u <= 0xdbff) {
					u = p->pos + 12 <= p->len &&
					            p->in[p->pos + 6] == '\\'
					        ? jsoncheck_escape_value(
					              p, p->pos + 6)
					        : -1;
					if (u < 0xdc00 || u > 0xdfff)
						return jsoncheck_fail(p,
						    "lone surrogate in \\u "
						    "escape");
					jsoncheck_copy(p, 6);
				}
				jsoncheck_copy(p, 6);
				continue;
			}
			if (c == 0 || strchr("\"\\/bfnrt", c) == NULL)
				return jsoncheck_fail(p, "bad escape in string");
			jsoncheck_copy(p, 2);
			continue;
		}
		n = jsoncheck_utf8_len(
		    (const unsigned char *)p->in + p->pos, p->len - p->pos);
		if (n == 0)
			return jsoncheck_fail(p, "invalid UTF-8 in string");
		jsoncheck_copy(p, n);
	}
}

/* Count the digits at the current offset. */
static size_t
jsoncheck_digits(const struct jsoncheck_parser *p, size_t from)
{
	size_t n = 0;

	while (from + n < p->len && p->in[from + n] >= '0' &&
	       p->in[from + n] <= '9')
		n++;
	return n;
}

/* The value of the n exponent digits at from, saturated at limit. */
static long
jsoncheck_exponent(const struct jsoncheck_parser *p, size_t from, size_t n, long limit)
{
	long e = 0;
	size_t i;

	for (i = 0; i < n && e <= limit; i++)
		e = e * 10 + (p->in[from + i] - '0');
	return e > limit ? limit + 1 : e;
}

/* An upper bound of the characters of a number written out in full (as
 * PostgreSQL's numeric does): int_n integer and frac_n fraction digits
 * times 10^exp, with a sign and a point. */
static long
jsoncheck_render_len(size_t int_n, size_t frac_n, long exp, bool neg)
{
	long before = (long)int_n + exp, after = (long)frac_n - exp;

	return (before > 1 ? before : 1) + (after > 0 ? after + 1 : 0) +
	       (neg ? 1 : 0);
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, at most
 * JSONCHECK_NUMBER_RENDER_MAX characters when written out in full. */
static int
jsoncheck_number(struct jsoncheck_parser *p)
{
	/* Past this the exponent alone makes the number too long. */
	const long exp_limit = JSONCHECK_NUMBER_RENDER_MAX + (long)p->len;
	size_t q = p->pos, n, int_n, frac_n = 0;
	bool neg = false, exp_neg = false;
	long exp = 0;
	char why[80];

	if (q < p->len && p->in[q] == '-') {
		neg = true;
		q++;
	}
	if ((n = jsoncheck_digits(p, q)) == 0)
		return jsoncheck_fail(p, "bad number");
	if (n > 1 && p->in[q] == '0')
		return jsoncheck_fail(p, "number with a leading zero");
	int_n = n;
	q += n;
	if (q < p->len && p->in[q] == '.') {
		if ((n = jsoncheck_digits(p, q + 1)) == 0)
			return jsoncheck_fail(p, "bad number");
		frac_n = n;
		q += 1 + n;
	}
	if (q < p->len && (p->in[q] == 'e' || p->in[q] == 'E')) {
		q++;
		if (q < p->len && (p->in[q] == '+' || p->in[q] == '-'))
			exp_neg = p->in[q++] == '-';
		if ((n = jsoncheck_digits(p, q)) == 0)
			return jsoncheck_fail(p, "bad number");
		exp = jsoncheck_exponent(p, q, n, exp_limit);
		if (exp_neg)
			exp = -exp;
		q += n;
	}
	if (jsoncheck_render_len(int_n, frac_n, exp, neg) > JSONCHECK_NUMBER_RENDER_MAX) {
		snprintf(why, sizeof why,
		    "number longer than %d characters written out in full",
		    JSONCHECK_NUMBER_RENDER_MAX);
		return jsoncheck_fail(p, why);
	}
	jsoncheck_copy(p, q - p->pos);
	return 0;
}

/* An array or object; open is '[' or '{'. */
static int
jsoncheck_container(struct jsoncheck_parser *p, char open)
{
	char close = open == '[' ? ']' : '}';
	bool first = true;

	if (++p->depth > JSONCHECK_DEPTH_MAX)
		return jsoncheck_fail(p, "nested too deeply");
	jsoncheck_copy(p, 1);
	jsoncheck_ws(p);
	if (jsoncheck_peek(p) == close) {
		jsoncheck_copy(p, 1);
		p->depth--;
		return 0;
	}
	for (;;) {
		if (!first) {
			jsoncheck_ws(p);
			if (jsoncheck_peek(p) == close)
				break;
			if (jsoncheck_peek(p) != ',')
				return jsoncheck_fail(
				    p, open == '[' ? "expected ',' or ']'"
				                   : "expected ',' or '}'");
			jsoncheck_copy(p, 1);
		}
		first = false;
		jsoncheck_ws(p);
		if (open == '{') {
			if (jsoncheck_peek(p) != '"')
				return jsoncheck_fail(p, "expected a member name");
			if (jsoncheck_string(p) != 0)
				return -1;
			jsoncheck_ws(p);
			if (jsoncheck_peek(p) != ':')
				return jsoncheck_fail(p, "expected ':'");
			jsoncheck_copy(p, 1);
			jsoncheck_ws(p);
		}
		if (jsoncheck_value(p) != 0)
			return -1;
	}
	jsoncheck_copy(p, 1);
	p->depth--;
	return 0;
}

/* Any value, at a non-whitespace byte. */
static int
jsoncheck_value(struct jsoncheck_parser *p)
{
	static const char *const words[] = {"true", "false", "null"};
	int c = jsoncheck_peek(p);
	size_t i, n;

	if (c == '"')
		return jsoncheck_string(p);
	if (c == '{' || c == '[')
		return jsoncheck_container(p, (char)c);
	if (c == '-' || (c >= '0' && c <= '9'))
		return jsoncheck_number(p);
	for (i = 0; i < 3; i++) {
		n = strlen(words[i]);
		if (p->len - p->pos >= n &&
		    memcmp(p->in + p->pos, words[i], n) == 0) {
			jsoncheck_copy(p, n);
			return 0;
		}
	}
	return jsoncheck_fail(
	    p, c < 0 ? "unexpected end of input" : "unexpected character");
}

long
jsoncheck_minify(const char *in, size_t len, char *out, char *err, size_t errlen)
{
	struct jsoncheck_parser p = {
	    .in = in, .len = len, .out = out, .err = err, .errlen = errlen};

	jsoncheck_ws(&p);
	if (jsoncheck_value(&p) != 0)
		return -1;
	jsoncheck_ws(&p);
	if (p.pos != len) {
		jsoncheck_fail(&p, "trailing characters after the JSON value");
		return -1;
	}
	return (long)p.olen;
}

bool
jsoncheck_string_is(const char *p, size_t n, const char *name)
{
	static const char plain[] = "\"\\/bfnrt", real[] = "\"\\/\b\f\n\r\t";
	const char *end = p + n - 1;
	unsigned c;

	for (p++; p < end; name++) {
		if (*p != '\\')
			c = (unsigned char)*p++;
		else if (p[1] == 'u') {
			/* Checked by jsoncheck_minify: never -1 here. */
			c = (unsigned)json_hex4(p + 2);
			p += 6;
		} else {
			c = (unsigned char)real[strchr(plain, p[1]) - plain];
			p += 2;
		}
		/* A NUL or a character past ASCII never matches a name. */
		if (c == 0 || c != (unsigned char)*name)
			return false;
	}
	return *name == '\0';
}

bool
jsoncheck_has_nul_escape(const char *s, size_t n)
{
	bool in_string = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			in_string = !in_string;
		else if (in_string && s[i] == '\\') {
			if (n - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
				return true;
			i++;
		}
	}
	return false;
}

size_t
jsoncheck_value_len(const char *p)
{
	size_t n = 0;
	int depth = 0;
	bool in_string = false;

	if (*p == '"') {
		/* A string alone: its end is the first quote after an even
		 * number of backslashes (the text is valid and NUL-ended). */
		const char *q = p, *b;

		for (;;) {
			q = strchr(q + 1, '"');
			for (b = q; b[-1] == '\\'; b--)
				;
			if ((q - b) % 2 == 0)
				return (size_t)(q - p) + 1;
		}
	}
	for (;;) {
		char c = p[n++];

		if (in_string) {
			if (c == '\\')
				n++;
			else if (c == '"') {
				in_string = false;
				if (depth == 0)
					return n;
			}
		} else if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0)
				return n;
		} else if (depth == 0 &&
		           (p[n] == ',' || p[n] == '}' || p[n] == ']' ||
		               p[n] == ':' || p[n] == '\0'))
			return n;
	}
}
