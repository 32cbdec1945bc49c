/* test_fold.c - folded repeats: counts, times, hidden lines, the cap, and
 * every original line still addressable. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/fold.h"

#define SYN_LINES 100000
#define SYN_PATTERNS 20

/* The synthetic stream: line i has pattern syn_pat[i]; runs of one
 * pattern are 1..40 lines long, the next run always another pattern. */
static int syn_pat[SYN_LINES];
static uint64_t syn_runs; /* runs in the stream */

/* Message of line i: pattern p with numbers, ids and durations that
 * change on every line. */
static size_t
syn_message(char *out, size_t cap, int p, unsigned i)
{
	switch (p % 4) {
	case 0:
		return (size_t)snprintf(out, cap,
		    "pattern %c: retrying upload of chunk %u (attempt %u)",
		    'a' + p, i, i % 7);
	case 1:
		return (size_t)snprintf(out, cap,
		    "pattern %c: step %u finished in %ums for user%u", 'a' + p,
		    i, i % 900, i * 7);
	case 2:
		return (size_t)snprintf(out, cap,
		    "pattern %c: object 0x%x of \"file %u.csv\"", 'a' + p,
		    i * 16 + 1, i);
	default:
		return (size_t)snprintf(out, cap,
		    "pattern %c: trace %u\n  at frame %u\n  at frame %u",
		    'a' + p, i, i + 1, i + 2);
	}
}

/* Lay out the stream (deterministic). */
static void
syn_layout(void)
{
	unsigned seed = 7, i = 0, len, k;
	int p = -1, q;

	syn_runs = 0;
	while (i < SYN_LINES) {
		seed = seed * 1103515245u + 12345u;
		do {
			q = (int)((seed >> 8) % SYN_PATTERNS);
			seed = seed * 1103515245u + 12345u;
		} while (q == p);
		p = q;
		len = 1 + (seed >> 10) % 40;
		for (k = 0; k < len && i < SYN_LINES; k++)
			syn_pat[i++] = p;
		syn_runs++;
	}
}

/* Feed the whole stream into f; line i is seq i+1 at time 1000*i. */
static void
syn_feed(struct fold *f)
{
	char msg[256];
	unsigned i;
	size_t n;

	for (i = 0; i < SYN_LINES; i++) {
		n = syn_message(msg, sizeof msg, syn_pat[i], i);
		fold_add(f, i + 1, 1000LL * i, LEVEL_INFO, msg, n, NULL);
	}
}

START_TEST(hundred_thousand_lines_of_twenty_patterns_fold_to_their_runs)
{
	struct fold *f = fold_new(0);
	const struct fold_entry *e;
	uint64_t i, lines = 0, hidden = 0;
	unsigned line;
	int64_t at;

	syn_layout();
	syn_feed(f);
	ck_assert_uint_eq(fold_total(f), syn_runs);
	ck_assert_uint_eq(fold_oldest(f), 0);
	for (i = 0; i < fold_total(f); i++) {
		e = fold_entry(f, i);
		ck_assert_ptr_nonnull(e);
		/* Each entry is one run: same pattern throughout, another
		 * one right before and after. */
		ck_assert_uint_eq(e->count, e->last_seq - e->first_seq + 1);
		ck_assert_uint_eq(e->first_seq, lines + 1);
		for (line = (unsigned)e->first_seq - 1; line < e->last_seq;
		     line++)
			ck_assert_int_eq(
			    syn_pat[line], syn_pat[e->first_seq - 1]);
		if (e->last_seq < SYN_LINES)
			ck_assert_int_ne(syn_pat[e->last_seq],
			    syn_pat[e->first_seq - 1]);
		ck_assert_int_eq(e->first_ms, 1000LL * (e->first_seq - 1));
		ck_assert_int_eq(e->last_ms, 1000LL * (e->last_seq - 1));
		/* Pattern 3 mod 4 is a three-line trace: two hidden. */
		ck_assert_uint_eq(e->hidden,
		    syn_pat[e->first_seq - 1] % 4 == 3 ? 2 * e->count : 0);
		lines += e->count;
		hidden += e->hidden;
	}
	ck_assert_uint_eq(lines, SYN_LINES);
	/* The original line 73,412 is still addressable: the entry that
	 * holds it starts at or before it, ends at or after it, and has its
	 * pattern. */
	at = fold_find(f, 73412);
	ck_assert_int_ge(at, 0);
	e = fold_entry(f, (uint64_t)at);
	ck_assert_uint_le(e->first_seq, 73412);
	ck_assert_uint_ge(e->last_seq, 73412);
	ck_assert_int_eq(syn_pat[73411], syn_pat[e->first_seq - 1]);
	/* Every line maps into an entry; beyond the stream none. */
	for (line = 1; line <= SYN_LINES; line += 997)
		ck_assert_int_ge(fold_find(f, line), 0);
	ck_assert_int_eq(fold_find(f, SYN_LINES + 1), -1);
	ck_assert_int_eq(fold_find(f, 0), -1);
	fold_free(f);
}
END_TEST

START_TEST(a_full_ring_drops_its_oldest_entries_and_counts_them)
{
	struct fold *f = fold_new(100);
	int64_t at;

	syn_layout();
	syn_feed(f);
	ck_assert_uint_eq(fold_total(f), syn_runs);
	ck_assert_uint_eq(fold_oldest(f), syn_runs - 100);
	ck_assert_ptr_null(fold_entry(f, syn_runs - 101));
	ck_assert_ptr_nonnull(fold_entry(f, syn_runs - 100));
	ck_assert_ptr_null(fold_entry(f, syn_runs));
	/* Old lines are gone, the newest still found. */
	ck_assert_int_eq(fold_find(f, 73412), -1);
	at = fold_find(f, SYN_LINES);
	ck_assert_int_eq(at, (int64_t)syn_runs - 1);
	fold_free(f);
	/* The cap is named and enforced. */
	f = fold_new(FOLD_MAX_ENTRIES + 1);
	ck_assert_ptr_nonnull(f);
	fold_free(f);
}
END_TEST

START_TEST(levels_sources_and_shapes_break_a_fold)
{
	struct fold *f = fold_new(16);
	bool opened;

	fold_add(f, 1, 0, LEVEL_INFO, "chunk 1", 7, &opened);
	ck_assert(opened);
	fold_add(f, 2, 5, LEVEL_INFO, "chunk 22", 8, &opened);
	ck_assert(!opened);
	/* Same shape, other level: a new entry. */
	fold_add(f, 3, 6, LEVEL_WARN, "chunk 3", 7, &opened);
	ck_assert(opened);
	/* Other shape. */
	fold_add(f, 4, 7, LEVEL_WARN, "block 3", 7, &opened);
	ck_assert(opened);
	/* A gap in seq (another source's line) leaves a hole. */
	fold_add(f, 9, 8, LEVEL_WARN, "block 4", 7, &opened);
	ck_assert(!opened);
	ck_assert_uint_eq(fold_total(f), 3);
	ck_assert_uint_eq(fold_entry(f, 0)->count, 2);
	ck_assert_int_eq(fold_entry(f, 0)->last_ms, 5);
	ck_assert_uint_eq(fold_entry(f, 2)->count, 2);
	ck_assert_int_eq(fold_find(f, 10), -1);
	ck_assert_int_eq(fold_find(f, 9), 2);
	fold_free(f);
	fold_free(NULL);
}
END_TEST

START_TEST(finding_near_a_hint_answers_as_the_binary_search)
{
	struct fold *f = fold_new(1000);
	uint64_t hint = 0, line;
	unsigned seed = 7;
	int k;

	syn_layout();
	syn_feed(f);
	/* Rising (the scan's order), falling, random, past the end and
	 * before the oldest entry held: the same answers. */
	for (line = 0; line <= SYN_LINES + 2; line++)
		ck_assert_int_eq(
		    fold_find_near(f, line, &hint), fold_find(f, line));
	for (line = SYN_LINES + 2; line > 0; line -= 7)
		ck_assert_int_eq(
		    fold_find_near(f, line, &hint), fold_find(f, line));
	for (k = 0; k < 100000; k++) {
		seed = seed * 1103515245u + 12345u;
		line = (seed >> 4) % (SYN_LINES + 3);
		if (k % 3 == 0)
			hint = seed;
		ck_assert_int_eq(
		    fold_find_near(f, line, &hint), fold_find(f, line));
	}
	fold_free(f);
}
END_TEST

static Suite *
fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("core");

	tcase_add_test(
	    tc, hundred_thousand_lines_of_twenty_patterns_fold_to_their_runs);
	tcase_add_test(tc, a_full_ring_drops_its_oldest_entries_and_counts_them);
	tcase_add_test(tc, levels_sources_and_shapes_break_a_fold);
	tcase_add_test(tc, finding_near_a_hint_answers_as_the_binary_search);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fold_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
