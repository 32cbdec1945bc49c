/* filter.c - smart-case patterns and the per-pane line filter: plain
 * patterns test the message, field filters a member of the event's JSON
 * (read in place with the json.c scanner, nothing allocated per line). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/filter.h"
#include "core/json.h"
#include "core/recost.h"

/* Compile a smart-case extended regular expression. */
int
filter_regex_compile(
    struct filter_regex *p, const char *text, char *err, size_t errlen)
{
	int flags = REG_EXTENDED | REG_NEWLINE, rc;
	const char *c;

	p->compiled = false;
	if (strlen(text) > FILTER_PATTERN_LEN) {
		snprintf(err, errlen, "pattern longer than %d bytes",
		    FILTER_PATTERN_LEN);
		return -1;
	}
	if (recost_check(text, err, errlen) != 0)
		return -1;
	flags |= REG_ICASE;
	for (c = text; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z') {
			flags &= ~REG_ICASE;
			break;
		}
	}
	rc = regcomp(&p->re, text, flags);
	if (rc != 0) {
		char msg[128];

		regerror(rc, &p->re, msg, sizeof msg);
		snprintf(err, errlen, "bad pattern: %s", msg);
		return -1;
	}
	strcpy(p->text, text);
	litscan_init(&p->lit, text, (flags & REG_ICASE) != 0);
	p->compiled = true;
	return 0;
}

/* Release a compiled pattern. */
void
filter_regex_free(struct filter_regex *p)
{
	if (p->compiled)
		regfree(&p->re);
	p->compiled = false;
}

/* True when s matches p. */
bool
filter_regex_match(const struct filter_regex *p, const char *s)
{
	return p->compiled && filter_regex_match_len(p, s, strlen(s));
}

/* True when s (n bytes) matches p: the literal scan first, the regex
 * engine only for the lines it cannot decide. */
bool
filter_regex_match_len(const struct filter_regex *p, const char *s, size_t n)
{
	if (!p->compiled)
		return false;
	switch (litscan_test(&p->lit, s, n)) {
	case LITSCAN_NO:
		return false;
	case LITSCAN_YES:
		return true;
	default:
		return regexec(&p->re, s, 0, NULL, 0) == 0;
	}
}

/* Find the next match at or after off. */
bool
filter_regex_find(
    const struct filter_regex *p, const char *s, size_t off, size_t *so,
    size_t *eo)
{
	regmatch_t m;

	if (!p->compiled)
		return false;
	if (regexec(&p->re, s + off, 1, &m, off > 0 ? REG_NOTBOL : 0) != 0)
		return false;
	*so = off + m.rm_so;
	*eo = off + m.rm_eo;
	return true;
}

/* A filter that passes everything. */
void
filter_init(struct filter *f)
{
	memset(f, 0, sizeof *f);
	f->all_sources = true;
}

/* Drop patterns. */
void
filter_free(struct filter *f)
{
	filter_clear(f);
}

/* Add or remove one source. */
void
filter_set_source(struct filter *f, uint16_t src, bool on)
{
	if (src >= FILTER_SOURCES_MAX)
		return;
	if (on)
		f->sources[src / 8] |= 1u << (src % 8);
	else
		f->sources[src / 8] &= ~(1u << (src % 8));
}

/* True when src passes. */
bool
filter_has_source(const struct filter *f, uint16_t src)
{
	if (f->all_sources)
		return true;
	if (src >= FILTER_SOURCES_MAX)
		return false;
	return (f->sources[src / 8] >> (src % 8)) & 1;
}

/* Parse text into pattern slot i (not yet counted). */
static int
filter_parse(
    struct filter *f, int i, const char *text, char *err, size_t errlen)
{
	struct filter_field *fld = &f->fld[i];
	struct filter_regex *p = &f->pat[i];
	const char *value, *c;
	enum field_op fop;
	size_t namelen;

	memset(fld, 0, sizeof *fld);
	if (strlen(text) > FILTER_PATTERN_LEN) {
		snprintf(err, errlen, "pattern longer than %d bytes",
		    FILTER_PATTERN_LEN);
		return -1;
	}
	if (!field_split(text, &namelen, &fop, &value)) {
		fld->op = FILTER_MESSAGE;
		return filter_regex_compile(p, text, err, errlen);
	}
	fld->op = (enum filter_op)fop;
	if (namelen > FILTER_FIELD_LEN) {
		snprintf(err, errlen, "field name longer than %d bytes",
		    FILTER_FIELD_LEN);
		return -1;
	}
	memcpy(fld->name, text, namelen);
	fld->name[namelen] = '\0';
	fld->is_num = field_number(value, strlen(value), &fld->num);
	switch (fld->op) {
	case FILTER_MATCH:
		if (filter_regex_compile(p, value, err, errlen) == -1)
			return -1;
		/* "message:REGEX" is the plain pattern REGEX, written so for
		 * a message that starts like a field test: the same test on
		 * the whole message, without copying it per line. */
		if (strcmp(fld->name, "message") == 0)
			fld->op = FILTER_MESSAGE;
		break;
	case FILTER_EQ:
		snprintf(fld->text, sizeof fld->text, "%s", value);
		fld->icase = true;
		for (c = value; *c != '\0'; c++) {
			if (*c >= 'A' && *c <= 'Z')
				fld->icase = false;
		}
		p->compiled = false;
		break;
	default:
		if (!fld->is_num) {
			snprintf(err, errlen, "%s: not a number after the %s",
			    text,
			    fld->op == FILTER_LT || fld->op == FILTER_LE ? "<"
			                                                 : ">");
			return -1;
		}
		p->compiled = false;
	}
	/* The whole text, for the descriptions. */
	strcpy(p->text, text);
	return 0;
}

/* Push a pattern. */
int
filter_push(
    struct filter *f, const char *text, bool keep, char *err, size_t errlen)
{
	if (f->npat == FILTER_PATTERNS_MAX) {
		snprintf(
		    err, errlen, "at most %d filters", FILTER_PATTERNS_MAX);
		return -1;
	}
	if (filter_parse(f, f->npat, text, err, errlen) == -1)
		return -1;
	f->keep[f->npat] = keep;
	f->off[f->npat++] = false;
	return 0;
}

/* Switch one pattern off or on. */
int
filter_toggle(struct filter *f, int i)
{
	if (i < 0 || i >= f->npat)
		return -1;
	f->off[i] = !f->off[i];
	return 0;
}

/* Drop every pattern. */
void
filter_clear(struct filter *f)
{
	int i;

	for (i = 0; i < f->npat; i++)
		filter_regex_free(&f->pat[i]);
	f->npat = 0;
}

/* OTHER is ranked like INFO and FATAL above ERROR. */
uint8_t
filter_level_rank(uint8_t level)
{
	return level == LEVEL_OTHER ? LEVEL_INFO : level;
}

/* True when no pattern has to run. */
bool
filter_cheap(const struct filter *f)
{
	int i;

	for (i = 0; i < f->npat; i++) {
		if (!f->off[i])
			return false;
	}
	return true;
}

/* True when a pattern that is on looks up a member of the event data:
 * a field other than those filter_field_value takes from the store. */
bool
filter_reads_event(const struct filter *f)
{
	const char *name;
	int i;

	for (i = 0; i < f->npat; i++) {
		name = f->fld[i].name;
		if (f->off[i] || f->fld[i].op == FILTER_MESSAGE ||
		    strcmp(name, "level") == 0 || strcmp(name, "message") == 0 ||
		    (strcmp(name, "source") == 0 && f->src_name != NULL))
			continue;
		return true;
	}
	return false;
}

/* Level and source test. */
bool
filter_pass_meta(const struct filter *f, uint8_t level, uint16_t src)
{
	return filter_level_rank(level) >= f->floor &&
	       filter_has_source(f, src);
}

/* Read field name of line into v (source and level come from the store
 * and the caller, message is the shown text); false when absent. */
static bool
filter_field_value(const struct filter *f, const struct sb_line *line,
    const char *name, struct field_value *v)
{
	const char *s;

	if (strcmp(name, "source") == 0 && f->src_name != NULL) {
		s = f->src_name(f->src_arg, line->src);
		field_value_set(v, s, strlen(s));
		return true;
	}
	if (strcmp(name, "level") == 0) {
		field_value_set(v, line->lvname, line->lvname_len);
		return true;
	}
	if (strcmp(name, "message") == 0) {
		field_value_set(v, line->msg, line->msg_len);
		return true;
	}
	return field_member(line->raw, line->raw_len, name, v);
}

/* True when pattern i matches line. */
static bool
filter_match(const struct filter *f, int i, const struct sb_line *line)
{
	const struct filter_field *fld = &f->fld[i];
	struct field_value v;

	if (fld->op == FILTER_MESSAGE)
		return filter_regex_match_len(
		    &f->pat[i], line->msg, line->msg_len);
	if (!filter_field_value(f, line, fld->name, &v))
		return false;
	if (fld->op == FILTER_MATCH)
		return filter_regex_match(&f->pat[i], v.text);
	return field_compare((enum field_op)fld->op, fld->is_num, fld->num,
	    fld->text, fld->icase, &v);
}

/* The whole test: every keep pattern that is on must match, no hide
 * pattern that is on may. */
bool
filter_pass(const struct filter *f, const struct sb_line *line)
{
	int i;

	if (!filter_pass_meta(f, line->level, line->src))
		return false;
	for (i = 0; i < f->npat; i++) {
		if (!f->off[i] && filter_match(f, i, line) != f->keep[i])
			return false;
	}
	return true;
}

/* Describe the pattern stack, e.g. "&db !health". */
void
filter_describe(const struct filter *f, char *out, size_t outlen)
{
	size_t len = 0;
	int i, n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < f->npat && len < outlen; i++) {
		if (f->off[i])
			continue;
		n = snprintf(out + len, outlen - len, "%s%c%s", len ? " " : "",
		    f->keep[i] ? '&' : '!', f->pat[i].text);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}
