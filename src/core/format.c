/* format.c - one log event as a line of text, JSON or CSV.
 *
 * Text:  [2024-12-07 14:23:45] INFO: message\n, optionally prefixed with
 *        "SOURCE | " and coloured by level; every piece of event text goes
 *        through esc_text, so a line never carries raw control bytes.
 * JSON:  the event's own object re-emitted member by member (compacted,
 *        strings sanitised) with "source" (and "truncated") added first.
 * CSV:   source,id,timestamp,level,task,runId,message with RFC 4180
 *        quoting; fields are rendered by esc_text first, so no field holds
 *        a raw CR or LF, and records end in a single LF. A field that a
 *        spreadsheet would run as a formula gets a leading apostrophe. */
#include "core/format.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/esc.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/json.h"

/* First characters that make a spreadsheet cell a formula (OWASP, "CSV
 * Injection"); a field starting with one is prefixed with an apostrophe.
 * Tab and CR cannot start a field here (esc_text renders them as \t, \r)
 * and are listed for the rule's sake. */
#define FORMAT_CSV_FORMULA_START "=+-@\t\r"

/* Input bytes rendered per buffer reservation in JSON strings. */
#define FORMAT_JSON_CHUNK 4096
/* Most output bytes one input byte can turn into ("\u001b"). */
#define FORMAT_JSON_MAX_OUT 6
/* Longest item of an escaped string body (a surrogate pair escape). */
#define FORMAT_JSON_MAX_ITEM 12
/* Room for a converted time ("2024-12-07 14:23:45"; wider when the year
 * is out of the 4-digit range). */
#define FORMAT_WHEN_MAX 80

#define COLOR_RED "\033[31m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_DIM "\033[2m"
#define COLOR_RESET "\033[0m"

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

struct formatter {
	struct format_opts o;
	bool have_sec;
	long long sec;              /* the second the cache holds */
	char when[FORMAT_WHEN_MAX]; /* that second, converted */
	size_t when_len;
};

static const char format_hex[] = "0123456789abcdef";

/* Colours for source names: none of them is a level's colour. */
static const char *const format_source_colors[] = {
    "\033[36m",
    "\033[32m",
    "\033[34m",
    "\033[35m",
    "\033[96m",
    "\033[94m",
};

/* Create a formatter with an empty time cache. */
struct formatter *
formatter_new(const struct format_opts *o)
{
	struct formatter *f;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->o = *o;
	return f;
}

/* Free a formatter. */
void
formatter_free(struct formatter *f)
{
	free(f);
}

/* Convert sec into f->when (local time, or UTC with opts.utc), reusing the
 * last conversion when the second is the same; false when out of range. */
static bool
format_when(struct formatter *f, long long sec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	int n;

	if (f->have_sec && f->sec == sec)
		return true;
	if ((f->o.utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL)
		return false;
	n = snprintf(f->when, sizeof f->when, "%04d-%02d-%02d %02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	if (n < 0 || (size_t)n >= sizeof f->when)
		return false;
	f->when_len = (size_t)n;
	f->sec = sec;
	f->have_sec = true;
	return true;
}

/* The colour of a source name: the same name always gets the same one. */
static const char *
format_source_color(const char *s)
{
	uint32_t h = hash_fnv1a_str(HASH_FNV1A_INIT, s);

	return format_source_colors[h % (sizeof format_source_colors /
	                                    sizeof *format_source_colors)];
}

/* The colour of a whole line at level l, or NULL for none. */
static const char *
format_level_color(enum level l)
{
	switch (l) {
	case LEVEL_ERROR:
	case LEVEL_FATAL:
		return COLOR_RED;
	case LEVEL_WARN:
		return COLOR_YELLOW;
	case LEVEL_TRACE:
	case LEVEL_DEBUG:
		return COLOR_DIM;
	default:
		return NULL;
	}
}

/* Append the decimal digits of u, with a minus before them when neg. */
static int
format_digits(struct buf *out, unsigned long long u, bool neg)
{
	char d[24];
	size_t i = sizeof d;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (neg)
		d[--i] = '-';
	return buf_append(out, d + i, sizeof d - i);
}

/* Append the decimal digits of v. */
static int
format_int(struct buf *out, long long v)
{
	return format_digits(out,
	    v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/* Append the " [truncated N bytes]" marker when the event was cut. */
static int
format_truncated(struct buf *out, const struct log_event *ev)
{
	if (ev->truncated == 0)
		return 0;
	if (buf_append(out, " [truncated ", 12) != 0 ||
	    format_digits(out, ev->truncated, false) != 0)
		return -1;
	return buf_append(out, " bytes]", 7);
}

/* Append ev as a text line. */
static int
format_text(struct formatter *f, struct buf *out, const char *source,
    const struct log_event *ev)
{
	const char *color = f->o.color ? format_level_color(ev->level) : NULL;
	long long sec;
	int rc = 0;

	/* The event's time, parsed once by event_decode; floor to the
	 * second (before 1970 too). */
	sec = ev->ts_ms == INT64_MIN ? 0
	      : ev->ts_ms >= 0   ? ev->ts_ms / 1000
	                         : (ev->ts_ms - 999) / 1000;
	if (f->o.with_source && source != NULL) {
		if (f->o.color)
			rc |= buf_puts(out, format_source_color(source));
		rc |= esc_text(out, source, strlen(source));
		if (f->o.color)
			rc |= buf_puts(out, COLOR_RESET);
		rc |= buf_append(out, " | ", 3);
	}
	if (color != NULL)
		rc |= buf_puts(out, color);
	if (ev->timestamp.n == 0)
		rc |= buf_append(out, "[-] ", 4);
	else {
		rc |= buf_putc(out, '[');
		if (ev->ts_ms != INT64_MIN && format_when(f, sec))
			rc |= buf_append(out, f->when, f->when_len);
		else
			rc |= esc_text(out, ev->timestamp.p, ev->timestamp.n);
		rc |= buf_append(out, "] ", 2);
	}
	if (ev->level == LEVEL_OTHER)
		rc |= esc_text(out, ev->level_name.p, ev->level_name.n);
	else
		rc |= buf_puts(out, level_name(ev->level));
	rc |= buf_append(out, ": ", 2);
	rc |= esc_text(out, ev->message.p, ev->message.n);
	rc |= format_truncated(out, ev);
	if (color != NULL)
		rc |= buf_puts(out, COLOR_RESET);
	rc |= buf_putc(out, '\n');
	return rc;
}

/* Nonzero when one of the eight bytes of w must not be copied into a JSON
 * string as is: a control, DEL, a non-ASCII byte, a quote or a backslash. */
static inline unsigned long long
format_json_special8(unsigned long long w)
{
	unsigned long long q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return ((((w - ONES * 0x20) & ~w) | (w + ONES) | w) |
	           ((q - ONES) & ~q) | ((b - ONES) & ~b)) &
	       HIGHS;
}

/* Write the escape \uXXXX for cp at d; returns 6. */
static size_t
format_json_u(char *d, uint32_t cp)
{
	d[0] = '\\';
	d[1] = 'u';
	d[2] = format_hex[(cp >> 12) & 15];
	d[3] = format_hex[(cp >> 8) & 15];
	d[4] = format_hex[(cp >> 4) & 15];
	d[5] = format_hex[cp & 15];
	return 6;
}

/* Render the string content s (n bytes) for a JSON string literal, the
 * items starting before limit, into d (room for FORMAT_JSON_MAX_OUT *
 * (limit + FORMAT_JSON_MAX_ITEM) bytes). With escaped, s is a scanned
 * JSON string body: its escapes are kept, except that lone surrogate
 * escapes become \ufffd. Sets *used; returns the bytes written. */
static size_t
format_json_render(
    char *d, const char *s, size_t n, size_t limit, bool escaped, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long long w;
	size_t i = 0, j, o = 0, len;
	uint32_t cp;
	long hi, lo;

	while (i < limit) {
		j = i;
		while (limit - j >= 8) {
			memcpy(&w, s + j, 8);
			if (format_json_special8(w))
				break;
			j += 8;
		}
		while (j < limit && u[j] >= 0x20 && u[j] < 0x7f &&
		       u[j] != '"' && u[j] != '\\')
			j++;
		memcpy(d + o, s + i, j - i);
		o += j - i;
		i = j;
		if (i >= limit)
			break;
		if (u[i] == '\\' && escaped && n - i >= 2 && u[i + 1] != 'u') {
			d[o++] = '\\';
			d[o++] = s[i + 1];
			i += 2;
		} else if (u[i] == '\\' && escaped && n - i >= 6 &&
		           (hi = json_hex4(s + i + 2)) >= 0) {
			if (hi >= 0xd800 && hi <= 0xdbff && n - i >= 12 &&
			    u[i + 6] == '\\' && u[i + 7] == 'u' &&
			    (lo = json_hex4(s + i + 8)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				memcpy(d + o, s + i, 12);
				o += 12;
				i += 12;
			} else if (hi >= 0xd800 && hi <= 0xdfff) {
				o += format_json_u(d + o, 0xfffd);
				i += 6;
			} else {
				memcpy(d + o, s + i, 6);
				o += 6;
				i += 6;
			}
		} else if (u[i] == '"' || u[i] == '\\') {
			d[o++] = '\\';
			d[o++] = s[i++];
		} else if (u[i] < 0x80) {
			switch (u[i]) {
			case '\b':
				d[o++] = '\\';
				d[o++] = 'b';
				break;
			case '\f':
				d[o++] = '\\';
				d[o++] = 'f';
				break;
			case '\n':
				d[o++] = '\\';
				d[o++] = 'n';
				break;
			case '\r':
				d[o++] = '\\';
				d[o++] = 'r';
				break;
			case '\t':
				d[o++] = '\\';
				d[o++] = 't';
				break;
			default: /* other C0 controls and DEL */
				o += format_json_u(d + o, u[i]);
				break;
			}
			i++;
		} else if ((len = esc_utf8_next(s + i, n - i, &cp)) == 0) {
			o += format_json_u(d + o, 0xfffd);
			i++;
		} else if (cp < 0x80 || esc_unsafe_cp(cp)) {
			o += format_json_u(d + o, cp);
			i += len;
		} else {
			memcpy(d + o, s + i, len);
			o += len;
			i += len;
		}
	}
	*used = i;
	return o;
}

/* Append the content of a JSON string literal for s (see
 * format_json_render), without the quotes. */
static int
format_json_content(struct buf *out, const char *s, size_t n, bool escaped)
{
	char tmp[FORMAT_JSON_MAX_OUT * (1 + FORMAT_JSON_MAX_ITEM)];
	size_t i = 0, chunk, o, used;
	char *d;

	while (i < n) {
		chunk = n - i < FORMAT_JSON_CHUNK ? n - i : FORMAT_JSON_CHUNK;
		d = buf_reserve(
		    out, FORMAT_JSON_MAX_OUT * (chunk + FORMAT_JSON_MAX_ITEM));
		if (d == NULL) {
			/* Nearly full: one item at a time, for a clean
			 * prefix. */
			o = format_json_render(
			    tmp, s + i, n - i, 1, escaped, &used);
			if (buf_append(out, tmp, o) != 0)
				return -1;
		} else {
			o = format_json_render(
			    d, s + i, n - i, chunk, escaped, &used);
			buf_commit(out, o);
		}
		i += used;
	}
	return 0;
}

/* Append a sanitised JSON string literal. */
int
format_json_string(struct buf *out, const char *s, size_t n)
{
	if (buf_putc(out, '"') != 0 ||
	    format_json_content(out, s, n, false) != 0)
		return -1;
	return buf_putc(out, '"');
}

/* Append a validated JSON value compacted, with its strings sanitised. */
static int
format_json_value(struct buf *out, const struct json_value *v)
{
	const char *p = v->p, *end = v->p + v->n, *q;
	struct json_value s;
	int rc = 0;

	if (v->type == JSON_STRING) {
		rc |= buf_putc(out, '"');
		rc |= format_json_content(out, v->s, v->sn, true);
		return rc | buf_putc(out, '"');
	}
	while (p < end && rc == 0) {
		if (*p == '"') {
			q = json_value(p, end, &s);
			if (q == NULL)
				return -1;
			rc |= format_json_value(out, &s);
			p = q;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		else {
			/* Structure, numbers and literals: plain ASCII. */
			for (q = p; q < end && *q != '"' && *q != ' ' &&
			            *q != '\t' && *q != '\n' && *q != '\r';
			     q++)
				;
			rc |= buf_append(out, p, (size_t)(q - p));
			p = q;
		}
	}
	return rc;
}

/* True when the n bytes at s are all printable ASCII (0x20 to 0x7e),
 * which format_json_render copies as they are (quotes and backslashes
 * stand in escapes of a plain event's strings). */
static bool
format_printable(const char *s, size_t n)
{
	unsigned long long w;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		/* A byte below 0x20, or one of 0x7f and up. */
		if ((((w - ONES * 0x20) & ~w) | (w + ONES) | w) & HIGHS)
			return false;
	}
	for (; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	}
	return true;
}

/* Append a member "key": of the output object, after a comma if not the
 * first. */
static int
format_json_key(struct buf *out, bool *first, const char *key)
{
	int rc = 0;

	if (!*first)
		rc |= buf_putc(out, ',');
	*first = false;
	rc |= buf_putc(out, '"');
	rc |= buf_puts(out, key);
	return rc | buf_append(out, "\":", 2);
}

/* Append ev as one JSON object line. */
static int
format_json(struct buf *out, const char *source, const struct log_event *ev)
{
	struct json_iter it;
	struct json_value k, v;
	bool first = true;
	int rc = 0;

	rc |= buf_putc(out, '{');
	if (source != NULL) {
		rc |= format_json_key(out, &first, "source");
		rc |= format_json_string(out, source, strlen(source));
	}
	if (ev->truncated > 0) {
		rc |= format_json_key(out, &first, "truncated");
		rc |= format_digits(out, ev->truncated, false);
	}
	if (ev->json && ev->plain && format_printable(ev->raw.p, ev->raw.n)) {
		/* Member by member it would come out unchanged: copy it. */
		if (!first)
			rc |= buf_putc(out, ',');
		rc |= buf_append(out, ev->raw.p + 1, ev->raw.n - 2);
	} else if (ev->json &&
	    json_iter_begin(&it, ev->raw.p, ev->raw.p + ev->raw.n, '{') == 0) {
		while (rc == 0 && json_iter_next(&it, &k, &v) == 1) {
			if (!first)
				rc |= buf_putc(out, ',');
			first = false;
			/* The original "source" must not shadow ours. */
			if (source != NULL &&
			    json_body_eq(k.s, k.sn, k.escaped, "source", 6))
				rc |= buf_append(out, "\"_source\"", 9);
			else
				rc |= format_json_value(out, &k);
			rc |= buf_putc(out, ':');
			rc |= format_json_value(out, &v);
		}
	} else {
		rc |= format_json_key(out, &first, "id");
		if (ev->id >= 0)
			rc |= format_int(out, ev->id);
		else
			rc |= buf_append(out, "null", 4);
		rc |= format_json_key(out, &first, "timestamp");
		rc |= format_json_string(out, ev->timestamp.p, ev->timestamp.n);
		rc |= format_json_key(out, &first, "level");
		rc |=
		    format_json_string(out, ev->level_name.p, ev->level_name.n);
		if (ev->task.n > 0) {
			rc |= format_json_key(out, &first, "task");
			rc |= format_json_string(out, ev->task.p, ev->task.n);
		}
		if (ev->run_id.n > 0) {
			rc |= format_json_key(out, &first, "runId");
			rc |=
			    format_json_string(out, ev->run_id.p, ev->run_id.n);
		}
		rc |= format_json_key(out, &first, "message");
		rc |= format_json_string(out, ev->message.p, ev->message.n);
	}
	return rc | buf_append(out, "}\n", 2);
}

/* Nonzero when one of the eight bytes of w is a quote, a comma, LF or CR
 * (what makes a CSV field need quotes). */
static inline unsigned long long
format_csv_special8(unsigned long long w)
{
	unsigned long long q = w ^ (ONES * '"'), c = w ^ (ONES * ','),
	                   n = w ^ (ONES * '\n'), r = w ^ (ONES * '\r');

	return (((q - ONES) & ~q) | ((c - ONES) & ~c) | ((n - ONES) & ~n) |
	           ((r - ONES) & ~r)) &
	       HIGHS;
}

/* Quote the CSV field that starts at out->p + start if it holds a comma or
 * a quote (esc_text output never holds CR or LF), doubling its quotes. */
static int
format_csv_quote(struct buf *out, size_t start)
{
	size_t len = out->len - start, q = 0, i, src, dst;
	unsigned long long w;
	bool need = false;
	char *b;

	/* Most fields need no quotes: find that out eight bytes a time. */
	for (i = start; out->len - i >= 8; i += 8) {
		memcpy(&w, out->p + i, 8);
		if (format_csv_special8(w))
			break;
	}
	for (; i < out->len; i++) {
		if (out->p[i] == '"')
			q++;
		if (out->p[i] == '"' || out->p[i] == ',' || out->p[i] == '\n' ||
		    out->p[i] == '\r')
			need = true;
	}
	if (!need)
		return 0;
	if (buf_reserve(out, q + 2) == NULL)
		return -1;
	b = out->p + start;
	src = len;
	dst = len + q + 2;
	b[--dst] = '"';
	while (src > 0) {
		b[--dst] = b[--src];
		if (b[dst] == '"')
			b[--dst] = '"';
	}
	b[--dst] = '"';
	buf_commit(out, q + 2);
	return 0;
}

/* True when a field starting with c would run as a formula (one of
 * FORMAT_CSV_FORMULA_START; a NUL is none): a loop over a constant the
 * compiler turns into compares, not a memchr call per field. */
static inline bool
format_csv_formula_start(char c)
{
	size_t i;

	for (i = 0; i < sizeof FORMAT_CSV_FORMULA_START - 1; i++)
		if (c == FORMAT_CSV_FORMULA_START[i])
			return true;
	return false;
}

/* Guard the CSV field that starts at out->p + start against formula
 * injection (OWASP): a spreadsheet runs a cell that starts with = + - @
 * (or a tab or CR) as a formula, so such a field gets a leading
 * apostrophe, which the spreadsheet shows as text. */
static int
format_csv_guard(struct buf *out, size_t start)
{
	char *b;

	if (out->len == start || !format_csv_formula_start(out->p[start]))
		return 0;
	if (buf_reserve(out, 1) == NULL)
		return -1;
	b = out->p + start;
	memmove(b + 1, b, out->len - start);
	b[0] = '\'';
	buf_commit(out, 1);
	return 0;
}

/* True when the n bytes at s come out of esc_text, format_csv_guard and
 * format_csv_quote unchanged: all printable ASCII without a quote or a
 * comma, and not starting as a formula. Eight bytes at a time. */
static bool
format_csv_plain(const char *s, size_t n)
{
	unsigned long long w;
	size_t i = 0;

	if (n > 0 && format_csv_formula_start(s[0]))
		return false;
	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		if (((((w - ONES * 0x20) & ~w) | (w + ONES) | w) & HIGHS) ||
		    format_csv_special8(w))
			return false;
	}
	for (; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == ',')
			return false;
	}
	return true;
}

/* Append one escaped, quoted CSV field and the separator sep. */
static int
format_csv_field(struct buf *out, const char *s, size_t n, char sep)
{
	size_t start = out->len;

	if (format_csv_plain(s, n)) {
		/* The usual field: copied as it is, in one append. */
		if (buf_append(out, s, n) != 0)
			return -1;
		return buf_putc(out, sep);
	}
	if (esc_text(out, s, n) != 0 || format_csv_guard(out, start) != 0 ||
	    format_csv_quote(out, start) != 0)
		return -1;
	return buf_putc(out, sep);
}

/* Append ev as one CSV record. */
static int
format_csv(struct buf *out, const char *source, const struct log_event *ev)
{
	size_t start;
	int rc = 0;

	if (source != NULL)
		rc |= format_csv_field(out, source, strlen(source), ',');
	else
		rc |= buf_putc(out, ',');
	if (ev->id >= 0)
		rc |= format_int(out, ev->id);
	rc |= buf_putc(out, ',');
	rc |= format_csv_field(out, ev->timestamp.p, ev->timestamp.n, ',');
	rc |= format_csv_field(out, ev->level_name.p, ev->level_name.n, ',');
	rc |= format_csv_field(out, ev->task.p, ev->task.n, ',');
	rc |= format_csv_field(out, ev->run_id.p, ev->run_id.n, ',');
	if (ev->truncated == 0)
		return rc | format_csv_field(
		                out, ev->message.p, ev->message.n, '\n');
	/* The marker goes inside the message's field. */
	start = out->len;
	rc |= esc_text(out, ev->message.p, ev->message.n);
	rc |= format_truncated(out, ev);
	if (rc == 0)
		rc |= format_csv_guard(out, start);
	if (rc == 0)
		rc |= format_csv_quote(out, start);
	return rc | buf_putc(out, '\n');
}

/* Append the CSV header row (nothing for other formats). */
int
formatter_begin(struct formatter *f, struct buf *out)
{
	if (f->o.format != OUTPUT_CSV)
		return 0;
	return buf_puts(out, "source,id,timestamp,level,task,runId,message\n");
}

/* Append one event in the chosen format, all or nothing. */
int
formatter_event(struct formatter *f, struct buf *out, const char *source,
    const struct log_event *ev)
{
	size_t start = out->len;
	int rc;

	switch (f->o.format) {
	case OUTPUT_JSON:
		rc = format_json(out, source, ev);
		break;
	case OUTPUT_CSV:
		rc = format_csv(out, source, ev);
		break;
	default:
		rc = format_text(f, out, source, ev);
		break;
	}
	if (rc != 0) {
		/* No partial line: drop what this event appended. */
		out->len = start;
		if (out->p != NULL)
			out->p[start] = '\0';
		return -1;
	}
	return 0;
}

void
format_duration(char *out, size_t len, int64_t ms)
{
	long long s;

	if (ms < 0)
		ms = 0;
	s = ms / 1000;
	if (ms < 1000)
		snprintf(out, len, "%lldms", (long long)ms);
	else if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

long
format_parse_duration(const char *s, long max)
{
	char *end;
	long n, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0')
			return -1;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return -1;
		}
	}
	if (n < 0 || n > max / mul)
		return -1;
	return n * mul;
}
