/* fuzz_filter.c - libFuzzer target for the filter expressions of a log
 * pane (tui/filter.c: field filters, numbers, smart-case regexes) run
 * over stored lines. Input: lines; "&TEXT" pushes a keep pattern, "!TEXT"
 * a hide pattern, "~N" switches pattern N off or on, "<N" sets the level
 * floor, anything else is an event's data, decoded and stored (source:
 * its line number mod 3, named "src0".."src2" for "source" filters).
 * Properties beyond no crash: a push that fails leaves the filter as it
 * was and says why; a push that succeeds never lets a line through that
 * was hidden before (every pattern narrows); switching a pattern off
 * never hides a line; switching it back on restores the lines shown
 * before; the description fits its buffer and ends in a NUL; a pattern
 * on the message answers for every line as regexec does (the literal
 * scan before it decides most lines), in C.UTF-8 where there is one. */
#include <locale.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "fuzzutil.h"
#include "tui/filter.h"
#include "tui/scrollback.h"

/* Most event lines one input stores (the pass sets are 64-bit masks). */
#define FUZZ_LINES_MAX 64
/* Bytes of scrollback for them. */
#define FUZZ_SB_CAP (4 * 1024 * 1024)

/* Source names for "source" filters. */
static const char *
fuzz_src_name(const void *arg, uint16_t src)
{
	static const char *names[] = {"src0", "src1", "src2"};

	(void)arg;
	return names[src % 3];
}

/* The lines of sb that f passes, as a mask by their order. */
static uint64_t
fuzz_pass(const struct filter *f, const struct scrollback *sb)
{
	struct sb_line line;
	uint64_t seq, mask = 0;
	unsigned i = 0;

	for (seq = sb_first(sb); seq < sb_end(sb) && i < FUZZ_LINES_MAX;
	     seq++, i++) {
		if (!sb_get(sb, seq, &line))
			fuzz_fail("stored line %llu missing",
			    (unsigned long long)seq);
		if (filter_pass(f, &line))
			mask |= 1ULL << i;
	}
	return mask;
}

/* Pattern i of f, on the message, answers as regexec on every line. */
static void
fuzz_same_as_regexec(const struct filter *f, int i, const struct scrollback *sb)
{
	struct sb_line line;
	uint64_t seq;
	bool want;

	if (f->fld[i].op != FILTER_MESSAGE)
		return;
	for (seq = sb_first(sb); seq < sb_end(sb); seq++) {
		if (!sb_get(sb, seq, &line))
			continue;
		want = regexec(&f->pat[i].re, line.msg, 0, NULL, 0) == 0;
		if (filter_regex_match_len(&f->pat[i], line.msg,
		        line.msg_len) != want ||
		    filter_regex_match(&f->pat[i], line.msg) != want)
			fuzz_fail("'%s' on line %llu: regexec says %d",
			    f->pat[i].text, (unsigned long long)seq, want);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct scrollback *sb = sb_new(FUZZ_SB_CAP);
	struct event_decoder *d = event_decoder_new();
	struct filter f;
	struct log_event ev;
	char *text = fuzz_strndup(in, size), *line, *next, err[256];
	char desc[64];
	uint64_t before, after, off;
	unsigned nlines = 0;
	int npat, i;

	static bool utf8;

	if (!utf8) {
		/* Before any pattern is compiled: regcomp reads it. */
		setlocale(LC_ALL, "C.UTF-8");
		utf8 = true;
	}
	if (sb == NULL || d == NULL)
		fuzz_fail("out of memory");
	filter_init(&f);
	f.src_name = fuzz_src_name;
	/* Events first, so every pattern is checked over all of them. */
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strchr("&!~<", line[0]) != NULL || line[0] == '\0' ||
		    nlines == FUZZ_LINES_MAX)
			continue;
		event_decode(d, line, strlen(line), &ev);
		if (sb_append(sb, (uint16_t)(nlines % 3), &ev) < 0)
			fuzz_fail("sb_append failed");
		nlines++;
	}
	/* The text is now NUL-separated lines; walk them again. */
	for (line = text; line < text + size; line += strlen(line) + 1) {
		before = fuzz_pass(&f, sb);
		switch (line[0]) {
		case '&':
		case '!':
			npat = f.npat;
			err[0] = '\0';
			if (filter_push(&f, line + 1, line[0] == '&', err,
			        sizeof err) != 0) {
				if (f.npat != npat || err[0] == '\0')
					fuzz_fail(
					    "a failed push changed "
					    "the filter or gave no reason");
				if (fuzz_pass(&f, sb) != before)
					fuzz_fail("a failed push changed "
					          "what passes");
				break;
			}
			if (f.npat != npat + 1)
				fuzz_fail("a push did not count");
			fuzz_same_as_regexec(&f, f.npat - 1, sb);
			after = fuzz_pass(&f, sb);
			if (after & ~before)
				fuzz_fail(
				    "a pattern let a hidden line through");
			/* Off shows what showed before it; on again, what
			 * showed with it. */
			filter_toggle(&f, f.npat - 1);
			off = fuzz_pass(&f, sb);
			if (off != before)
				fuzz_fail("switched off, a pattern still acts");
			filter_toggle(&f, f.npat - 1);
			if (fuzz_pass(&f, sb) != after)
				fuzz_fail(
				    "switched on again, it acts otherwise");
			break;
		case '~':
			i = atoi(line + 1);
			if (filter_toggle(&f, i) != 0) {
				if (i >= 0 && i < f.npat)
					fuzz_fail("toggle %d refused", i);
				break;
			}
			if (!f.off[i] && (fuzz_pass(&f, sb) & ~before))
				fuzz_fail("switched on, a pattern widened");
			if (f.off[i] && (before & ~fuzz_pass(&f, sb)))
				fuzz_fail("switched off, a pattern narrowed");
			break;
		case '<':
			f.floor = (uint8_t)(atoi(line + 1) % LEVEL_COUNT);
			break;
		}
		memset(desc, 'x', sizeof desc);
		filter_describe(&f, desc, sizeof desc);
		if (memchr(desc, '\0', sizeof desc) == NULL)
			fuzz_fail("description without a NUL");
		filter_cheap(&f);
	}
	filter_free(&f);
	free(text);
	event_decoder_free(d);
	sb_free(sb);
	return 0;
}
