/* filter.h - which stored lines a log pane shows: a level floor, a set of
 * sources, and a stack of keep/hide patterns (model layer). */
#ifndef LOGDECK_FILTER_H
#define LOGDECK_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/field.h"
#include "core/litscan.h"
#include "core/recost.h"
#include "tui/scrollback.h"

/* How many keep/hide patterns may stack on one pane. */
#define FILTER_PATTERNS_MAX 8
/* Longest pattern text accepted. */
#define FILTER_PATTERN_LEN 256
/* Most pieces a pattern may stand for: core/recost.h's bound. */
#define FILTER_REGEX_COST_MAX RECOST_MAX
/* Source indexes a filter can name (the store's src field). */
#define FILTER_SOURCES_MAX 1024
/* The limits of field filters are core/field.h's. */
#define FILTER_FIELD_LEN FIELD_NAME_LEN
#define FILTER_VALUE_MAX FIELD_VALUE_MAX
#define FILTER_NUMBER_LEN FIELD_NUMBER_LEN

/* A compiled regular expression with smart case: it ignores case unless
 * the pattern holds an upper-case letter. Its required literal (as grep
 * finds one) decides most lines before the regex engine: a line without
 * it cannot match, and a pattern that is a plain literal matches a line
 * that holds it without regexec at all. */
struct filter_regex {
	char text[FILTER_PATTERN_LEN + 1];
	regex_t re;
	struct litscan lit; /* the pattern's required literal */
	bool compiled;
};

/* Compile text into p; 0, or -1 with a one-line reason in err. */
int filter_regex_compile(
    struct filter_regex *p, const char *text, char *err, size_t errlen);
/* Release p (harmless when not compiled). */
void filter_regex_free(struct filter_regex *p);
/* True when s (NUL-terminated) matches. */
bool filter_regex_match(const struct filter_regex *p, const char *s);
/* As filter_regex_match for s of n bytes, NUL-ended at n with no NUL
 * before it (a stored message: sb_line.msg, msg_len): no strlen. */
bool filter_regex_match_len(
    const struct filter_regex *p, const char *s, size_t n);
/* Find the first match in s at or after byte off; its byte range in
 * *so, *eo. False when there is none. */
bool filter_regex_find(
    const struct filter_regex *p, const char *s, size_t off, size_t *so,
    size_t *eo);

/* How a pattern tests a line: the message against a regex (plain
 * patterns), or a member of the event's JSON (field filters: "rows>1000",
 * "task:load", "level=warn"; "source" is the automation's name). */
enum filter_op {
	FILTER_MESSAGE = -1,         /* regex on the message */
	FILTER_MATCH = FIELD_MATCH, /* field:REGEX, on the value's text */
	FILTER_EQ = FIELD_EQ,       /* field=V: equal numbers, else text */
	FILTER_LT = FIELD_LT,
	FILTER_GT = FIELD_GT,
	FILTER_LE = FIELD_LE,
	FILTER_GE = FIELD_GE,
};

/* What a field filter compares with. */
struct filter_field {
	enum filter_op op;
	char name[FILTER_FIELD_LEN + 1];
	bool is_num; /* the value is a number (always for < > <= >=) */
	double num;
	char text[FILTER_PATTERN_LEN + 1]; /* FILTER_EQ: the value */
	bool icase;                        /* FILTER_EQ text: no capitals */
};

/* The automation name of source src (for "source" filters); arg is the
 * filter's src_arg. */
typedef const char *(*filter_src_name_fn)(const void *arg, uint16_t src);

struct filter {
	uint8_t floor; /* lowest enum level shown (OTHER ranks as INFO) */
	bool all_sources;
	uint8_t sources[FILTER_SOURCES_MAX / 8]; /* bitmap when !all */
	struct filter_regex pat[FILTER_PATTERNS_MAX]; /* text: as typed */
	struct filter_field fld[FILTER_PATTERNS_MAX];
	bool keep[FILTER_PATTERNS_MAX]; /* true: keep matches; false: hide */
	bool off[FILTER_PATTERNS_MAX];  /* switched off: not applied */
	int npat;
	filter_src_name_fn src_name; /* NULL: "source" names no member */
	const void *src_arg;
};

/* Set up a filter that passes everything. */
void filter_init(struct filter *f);
/* Release the patterns (the filter stays usable and passes all levels). */
void filter_free(struct filter *f);
/* Show only source src (true) or stop showing it (false). */
void filter_set_source(struct filter *f, uint16_t src, bool on);
/* True when src is shown. */
bool filter_has_source(const struct filter *f, uint16_t src);
/* Push a keep (keep=true) or hide pattern; 0, or -1 with a reason (bad
 * regex or number, a name past FILTER_FIELD_LEN, or FILTER_PATTERNS_MAX
 * reached). Text that starts with a member name ([A-Za-z_][A-Za-z0-9_.-]*)
 * followed by one of : = < > <= >= is a field filter ("status=5[0-9]+"
 * tests a member "status"); any other text is a regex on the message.
 * "message:REGEX" is the same test as REGEX (write "message:a: b" for a
 * message with a colon after a word). */
int filter_push(
    struct filter *f, const char *text, bool keep, char *err, size_t errlen);
/* Switch pattern i off or back on; 0, or -1 when there is no pattern i. */
int filter_toggle(struct filter *f, int i);
/* Drop every pattern. */
void filter_clear(struct filter *f);
/* The rank a level is compared with the floor at. */
uint8_t filter_level_rank(uint8_t level);
/* True when only level and source matter (no pattern to run). */
bool filter_cheap(const struct filter *f);
/* True when a pattern that is on reads a member of the event data (so
 * filter_pass needs the line's raw: sb_get_raw). */
bool filter_reads_event(const struct filter *f);
/* True when the level and source pass (no pattern test). */
bool filter_pass_meta(const struct filter *f, uint8_t level, uint16_t src);
/* True when line passes the whole filter. */
bool filter_pass(const struct filter *f, const struct sb_line *line);
/* A short description of the patterns switched on ("&db !rows>9") into
 * out. */
void filter_describe(const struct filter *f, char *out, size_t outlen);

#endif
