/* format.h - one log event as a line of text, JSON or CSV (model layer). */
#ifndef LOGDECK_FORMAT_H
#define LOGDECK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct log_event;

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
	OUTPUT_CSV,
};

struct format_opts {
	enum output_format format;
	bool color;       /* ANSI colours by level (text only) */
	bool utc;         /* timestamps in UTC instead of local time */
	bool with_source; /* prefix/add the source name */
};

/* A formatted line is at most FORMAT_MAX_GROWTH times the bytes of the
 * event data and source name it shows (\u001b for one control byte is the
 * worst case), plus FORMAT_LINE_SLACK for brackets, colours and markers. */
#define FORMAT_MAX_GROWTH 6
#define FORMAT_LINE_SLACK 4096

struct formatter;

/* Create a formatter (it caches timestamp conversions). */
struct formatter *formatter_new(const struct format_opts *o);
/* Free a formatter; NULL is fine. */
void formatter_free(struct formatter *f);
/* Append what comes before the first event (the CSV header row). */
int formatter_begin(struct formatter *f, struct buf *out);
/* Append one event as one line ending in \n; source may be NULL. Returns 0,
 * or -1 when out is full (out is then left as it was: no partial line).
 * Text output never carries raw control bytes. JSON output re-emits the
 * event's object (an original member named "source" becomes "_source" when
 * source is given) with "source" and, when cut, "truncated" first. CSV
 * shows the timestamp as sent. */
int formatter_event(struct formatter *f, struct buf *out, const char *source,
    const struct log_event *ev);
/* Append s as a JSON string literal (quotes included), escaping controls,
 * DEL, C1 and bidi characters and replacing invalid UTF-8 with \ufffd.
 * Returns 0, or -1 when out is full (out then holds a prefix). */
int format_json_string(struct buf *out, const char *s, size_t n);
/* A duration of ms as people read it: "850ms", "45s", "3m12s", "2h05m",
 * "3d04h" (negative counts as 0). The one writer of durations. */
void format_duration(char *out, size_t len, int64_t ms);
/* Seconds from a duration written by people: decimal digits, then s, m,
 * h or d, or no unit for seconds ("90", "90s", "10m", "2h", "1d"); -1
 * when it is none or above max seconds. The one reader of durations:
 * rules (every, timeout, quiet), --quiet, stall_floor, --since. */
long format_parse_duration(const char *s, long max);

#endif
