/* fuzz_search.c - libFuzzer target for incremental search (tui/search.c:
 * the smart-case regex a reader types after / or ?, run in slices over a
 * pane's line index). Input: byte 0 picks the pane's order (bit 0) and
 * the scan budget (the rest), then lines: the first is the search text,
 * the others are events' data, stored in two halves with a scan between.
 * Properties beyond no crash: once caught up, the matches are exactly the
 * shown lines whose message matches the pattern; walking them with
 * search_next from the first gives them in the pane's order, each
 * numbered by search_pos 1, 2, 3...; search_edge names the first and the
 * last; a text that does not compile leaves the search inactive. "Match"
 * is regexec's answer, so the literal scan that decides most lines
 * before it (filter_regex_match_len) is checked against it, in C.UTF-8
 * where there is one (ignoring case then folds more than ASCII). */
#include <locale.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "fuzzutil.h"
#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui/scrollback.h"
#include "tui/search.h"

/* Bytes of scrollback: small enough that long inputs evict lines. */
#define FUZZ_SB_CAP (256 * 1024)
/* Most scan passes before the index must have caught up. */
#define FUZZ_PASSES_MAX 100000

/* Scan the index and the search until neither has lines waiting. */
static void
fuzz_catch_up(struct lineidx *li, struct search *s, const struct scrollback *sb,
    const struct filter *f, size_t budget)
{
	long guard = 0;

	while (lineidx_pending(li, sb) || search_pending(s, li)) {
		if (lineidx_scan(li, sb, f, budget) < 0 ||
		    search_scan(s, li, sb, budget) < 0)
			fuzz_fail("scan failed");
		if (++guard > FUZZ_PASSES_MAX)
			fuzz_fail("scans do not catch up");
	}
}

/* Check the matches against a direct test of every shown line. */
static void
fuzz_check(const struct search *s, const struct lineidx *li,
    const struct scrollback *sb)
{
	size_t n = lineidx_count(li), i, want = 0;
	struct sb_line line;
	uint64_t seq, m, first = 0, last = 0;
	bool have = false;

	for (i = 0; i < n; i++) {
		seq = lineidx_at(li, i);
		if (!sb_get(sb, seq, &line))
			fuzz_fail("shown line %llu not stored",
			    (unsigned long long)seq);
		if (regexec(&s->pat.re, line.msg, 0, NULL, 0) != 0)
			continue;
		want++;
		if (!have) {
			first = seq;
			if (!search_edge(s, true, &m) || m != seq)
				fuzz_fail("first match is not the edge");
		} else {
			if (!search_next(s, li, last, true, &m) || m != seq)
				fuzz_fail("next after %llu is not %llu",
				    (unsigned long long)last,
				    (unsigned long long)seq);
			if (!search_next(s, li, seq, false, &m) || m != last)
				fuzz_fail("previous is not the last one");
		}
		if (search_pos(s, li, seq) != want)
			fuzz_fail("match %zu numbered %zu", want,
			    search_pos(s, li, seq));
		last = seq;
		have = true;
	}
	if (search_count(s) != want)
		fuzz_fail("%zu matches counted, %zu lines match",
		    search_count(s), want);
	if (have && (!search_edge(s, false, &m) || m != last ||
	                search_next(s, li, last, true, &m)))
		fuzz_fail("last match is not the edge");
	if (have && search_next(s, li, first, false, &m))
		fuzz_fail("a match before the first");
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct scrollback *sb;
	struct event_decoder *d;
	struct lineidx li;
	struct search s;
	struct filter f;
	struct log_event ev;
	char *text, *line, *next, err[256];
	size_t budget, nev = 0, half, i;
	bool active;

	static bool utf8;

	if (!utf8) {
		setlocale(LC_ALL, "C.UTF-8");
		utf8 = true;
	}
	if (size < 1)
		return 0;
	if ((sb = sb_new(FUZZ_SB_CAP)) == NULL ||
	    (d = event_decoder_new()) == NULL)
		fuzz_fail("out of memory");
	budget = 1 + (in[0] >> 1);
	text = fuzz_strndup(in + 1, size - 1);
	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(
	    &li, sb, in[0] & 1 ? LINEIDX_BY_TIME : LINEIDX_BY_SEQ);
	search_init(&s);
	next = strchr(text, '\n');
	if (next != NULL)
		*next++ = '\0';
	err[0] = '\0';
	active = search_start(&s, text, in[0] & 2, err, sizeof err) == 0;
	if (!active && (s.active || err[0] == '\0'))
		fuzz_fail("a refused search is active or says nothing");
	for (i = 0, line = next; line != NULL; line = next, i++) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		nev++;
	}
	half = nev / 2;
	for (i = 0, line = next = text + strlen(text) + 1;
	     i < nev && line < text + size; i++, line += strlen(line) + 1) {
		event_decode(d, line, strlen(line), &ev);
		if (sb_append(sb, (uint16_t)(i % 4), &ev) < 0)
			fuzz_fail("sb_append failed");
		if (i == half && active) {
			fuzz_catch_up(&li, &s, sb, &f, budget);
			fuzz_check(&s, &li, sb);
		}
	}
	if (active) {
		lineidx_trim(&li, sb);
		search_trim(&s, sb);
		fuzz_catch_up(&li, &s, sb, &f, budget);
		fuzz_check(&s, &li, sb);
	}
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	free(text);
	event_decoder_free(d);
	sb_free(sb);
	return 0;
}
