/* filter.c - smart-case patterns and the per-pane line filter. */
#include <stdio.h>
#include <string.h>

#include "filter.h"

/* Compile a smart-case extended regular expression. */
int
pattern_compile(struct pattern *p, const char *text, char *err, size_t errlen)
{
	int flags = REG_EXTENDED | REG_NEWLINE, rc;
	const char *c;

	p->compiled = false;
	if (strlen(text) > FILTER_PATTERN_LEN) {
		snprintf(err, errlen, "pattern longer than %d bytes",
		    FILTER_PATTERN_LEN);
		return -1;
	}
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
	p->compiled = true;
	return 0;
}

/* Release a compiled pattern. */
void
pattern_free(struct pattern *p)
{
	if (p->compiled)
		regfree(&p->re);
	p->compiled = false;
}

/* True when s matches p. */
bool
pattern_match(const struct pattern *p, const char *s)
{
	return p->compiled && regexec(&p->re, s, 0, NULL, 0) == 0;
}

/* Find the next match at or after off. */
bool
pattern_find(
    const struct pattern *p, const char *s, size_t off, size_t *so, size_t *eo)
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
	if (pattern_compile(&f->pat[f->npat], text, err, errlen) == -1)
		return -1;
	f->keep[f->npat++] = keep;
	return 0;
}

/* Drop every pattern. */
void
filter_clear(struct filter *f)
{
	int i;

	for (i = 0; i < f->npat; i++)
		pattern_free(&f->pat[i]);
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
	return f->npat == 0;
}

/* Level and source test. */
bool
filter_pass_meta(const struct filter *f, uint8_t level, uint16_t src)
{
	return filter_level_rank(level) >= f->floor &&
	       filter_has_source(f, src);
}

/* The whole test: every keep pattern must match, no hide pattern may. */
bool
filter_pass(const struct filter *f, const struct sb_line *line)
{
	int i;

	if (!filter_pass_meta(f, line->level, line->src))
		return false;
	for (i = 0; i < f->npat; i++) {
		if (pattern_match(&f->pat[i], line->msg) != f->keep[i])
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
		n = snprintf(out + len, outlen - len, "%s%c%s", i ? " " : "",
		    f->keep[i] ? '&' : '!', f->pat[i].text);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}
