/* litscan.h - a required literal of a regular expression, to skip the
 * regex engine on lines that cannot match (the way grep looks for a
 * fixed string first). glibc's regexec costs ~1 us a line, and with
 * REG_ICASE in a UTF-8 locale it case-folds every byte first; a literal
 * scan rejects most lines in a few ns. Core layer: no I/O. */
#ifndef LOGDECK_LITSCAN_H
#define LOGDECK_LITSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Longest literal kept (a longer run is cut: a prefix is required too). */
#define LITSCAN_MAX 64

struct litscan {
	char lit[LITSCAN_MAX]; /* lower case when icase */
	size_t n;              /* 0: no literal, always run the regex */
	bool icase;
	bool whole; /* the pattern is this ASCII literal and nothing else
	               (no operator, no escape): holding it is matching */
};

/* What the literal scan says of a line. */
enum litscan_verdict {
	LITSCAN_NO,    /* the regex cannot match */
	LITSCAN_MAYBE, /* the regex engine must decide */
	LITSCAN_YES,   /* the regex matches (a whole literal was found) */
};

/* Find the longest run of ordinary characters that every match of the
 * POSIX extended regex pattern must contain, outside groups and
 * brackets; none (n = 0) when the pattern has an alternation at its top
 * level, or for a literal shorter than 2 bytes. icase as the regex is
 * compiled; with icase, a literal holding a non-ASCII byte is dropped. */
void litscan_init(struct litscan *ls, const char *pattern, bool icase);
/* False when the n bytes at p surely cannot match (the literal is not
 * among them); true when they may. With icase, text holding a non-ASCII
 * byte may always match (Unicode case folding is the regex engine's). */
bool litscan_may_match(const struct litscan *ls, const char *p, size_t n);
/* As litscan_may_match, and also says LITSCAN_YES when the pattern is a
 * whole literal (ls->whole) and the n bytes at p hold it, wherever a
 * non-ASCII byte sits (ASCII bytes are whole characters in UTF-8): then
 * the regex matches there too, in any locale whose case folding of ASCII
 * letters stays ASCII (all but Turkish ones, where I folds to dotless i;
 * LITSCAN_NO holds in every locale). The scan reads 16 bytes at a time
 * where SSE2 is there (the way grep finds a fixed string), so a line
 * that cannot match costs about what reading it does. */
enum litscan_verdict litscan_test(
    const struct litscan *ls, const char *p, size_t n);
/* The byte after the bracket expression that opens at s (*s == '['), read
 * as glibc's regcomp reads it: a ']' first (after an optional '^') is a
 * character, and "[:", "[." and "[=" open a name that only ":]", ".]" or
 * "=]" closes, so "[[.].]x]" holds ']' and 'x'. The end of s when the
 * expression never closes (regcomp refuses it). Every reader of a
 * pattern's structure (the literal, filter.c's cost) skips brackets with
 * this one, so none of them can disagree with regcomp on where one ends. */
const char *litscan_bracket_end(const char *s);

#endif
