/* test_search.c - incremental search over a pane's lines, in both orders
 * of a pane, against a brute-force reference. */
#include <check.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/search.h"
#include "tui_testutil.h"

/* A store of n lines; every 10th says "needle". */
static struct scrollback *
mkstore(int n)
{
	struct scrollback *sb = sb_new(64 << 20);
	char msg[64];
	struct log_event ev;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "%d %s", i,
		    i % 10 == 3 ? "Needle here" : "hay");
		ev = mkev(i % 5, msg);
		sb_append(sb, 0, &ev);
	}
	return sb;
}

/* Bring li and s up to date. */
static void
catch_up(struct lineidx *li, struct search *s, struct scrollback *sb,
    struct filter *f)
{
	int guard = 0;

	while ((lineidx_pending(li, sb) || search_pending(s, li)) &&
	       guard++ < 100000) {
		lineidx_scan(li, sb, f, 13);
		search_scan(s, li, sb, 5);
	}
}

/* Scan li and s in small slices until both are caught up, each test of a
 * line checked against the budget. */
static void
catch_up_by(struct lineidx *li, struct search *s, struct scrollback *sb,
    struct filter *f, size_t li_budget, size_t s_budget)
{
	int guard = 0;
	long got;

	while ((lineidx_pending(li, sb) || search_pending(s, li)) &&
	       guard++ < 10000000) {
		ck_assert_int_ge(lineidx_scan(li, sb, f, li_budget), 0);
		got = search_scan(s, li, sb, s_budget);
		ck_assert_int_ge(got, 0);
		ck_assert_int_le(got, (long)s_budget);
	}
	ck_assert(!search_pending(s, li));
	ck_assert_uint_eq(search_left(s, li), 0);
}

/* Whether line seq of sb matches s's pattern (the brute-force test). */
static bool
line_matches(const struct search *s, struct scrollback *sb, uint64_t seq)
{
	struct sb_line l;

	/* regexec itself: the search's literal scan is what is tested. */
	return sb_get(sb, seq, &l) && regexec(&s->pat.re, l.msg, 0, NULL, 0) == 0;
}

/* Check the match list of s against every line li shows, tested one by
 * one in li's order: the count, the edges, both walks, the number of
 * each match, and next/previous from every line. */
static void
check_against_reference(
    const struct search *s, const struct lineidx *li, struct scrollback *sb)
{
	size_t n = lineidx_count(li), nr = 0, i, j;
	uint64_t *r = malloc((n + 1) * sizeof *r), m = 0, seq;

	/* Asserting only on a mismatch: Check writes to a pipe per assert. */
	for (i = 0; i < n; i++) {
		if (line_matches(s, sb, lineidx_at(li, i)))
			r[nr++] = lineidx_at(li, i);
	}
	ck_assert_uint_eq(search_count(s), nr);
	ck_assert(search_edge(s, true, &m) == (nr > 0));
	if (nr > 0) {
		ck_assert_uint_eq(m, r[0]);
		ck_assert(search_edge(s, false, &m));
		ck_assert_uint_eq(m, r[nr - 1]);
	}
	for (j = 0; j < nr; j++) {
		if (search_pos(s, li, r[j]) != j + 1)
			ck_assert_uint_eq(search_pos(s, li, r[j]), j + 1);
	}
	/* From every line: the next match after it and the one before. */
	for (i = 0, j = 0; i < n; i++) {
		seq = lineidx_at(li, i);
		if (j < nr && r[j] == seq)
			j++; /* r[j] is now the first match after line i */
		else if (search_pos(s, li, seq) != 0)
			ck_assert_uint_eq(search_pos(s, li, seq), 0);
		if (search_next(s, li, seq, true, &m) != (j < nr) ||
		    (j < nr && m != r[j]))
			ck_abort_msg("next after line %zu (seq %llu): got %llu",
			    i, (unsigned long long)seq, (unsigned long long)m);
		/* Matches before line i: j, less i itself when it matches. */
		if (j > 0 && r[j - 1] == seq) {
			if (search_next(s, li, seq, false, &m) != (j > 1) ||
			    (j > 1 && m != r[j - 2]))
				ck_abort_msg("previous of match seq %llu",
				    (unsigned long long)seq);
		} else if (search_next(s, li, seq, false, &m) != (j > 0) ||
		           (j > 0 && m != r[j - 1]))
			ck_abort_msg("previous of line seq %llu",
			    (unsigned long long)seq);
	}
	free(r);
}

/* A pane of order over sb that shows every line, with a search for
 * text; the caller frees both. */
static void
pane_open(struct lineidx *li, struct search *s, struct scrollback *sb,
    enum lineidx_order order, const char *text)
{
	char err[128];

	lineidx_init(li, sb);
	lineidx_set_order(li, sb, order);
	search_init(s);
	ck_assert_int_eq(search_start(s, text, false, err, sizeof err), 0);
}

START_TEST(matches_are_counted_and_ordered)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];
	uint64_t m;

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	ck_assert_int_eq(search_start(&s, "needle", false, err, sizeof err), 0);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	ck_assert(search_next(&s, &li, 0, true, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(search_next(&s, &li, 3, true, &m));
	ck_assert_uint_eq(m, 13);
	ck_assert(search_next(&s, &li, 13, false, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(!search_next(&s, &li, 3, false, &m));
	ck_assert(!search_next(&s, &li, 93, true, &m));
	ck_assert_uint_eq(search_pos(&s, &li, 13), 2);
	ck_assert_uint_eq(search_pos(&s, &li, 14), 0);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(edges_give_the_first_and_last_match_for_wrapping)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];
	uint64_t m;

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	ck_assert(!search_edge(&s, true, &m));
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert(search_edge(&s, true, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(search_edge(&s, false, &m));
	ck_assert_uint_eq(m, 93);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(count_grows_as_lines_arrive)
{
	struct scrollback *sb = mkstore(20);
	struct filter f;
	struct lineidx li;
	struct search s;
	struct log_event ev = mkev(LEVEL_INFO, "another needle");
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 2);
	sb_append(sb, 0, &ev);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 3);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(search_only_counts_lines_the_filter_shows)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	/* i % 10 == 3 means level i % 5 == 3 (WARN): all survive WARN... */
	f.floor = LEVEL_ERROR;
	lineidx_rebuild(&li, sb);
	search_restart(&s);
	catch_up(&li, &s, sb, &f);
	/* ...but none survives ERROR. */
	ck_assert_uint_eq(search_count(&s), 0);
	ck_assert_uint_eq(lineidx_count(&li), 20);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(search_text_with_uppercase_is_case_sensitive)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "NEEDLE", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 0);
	search_start(&s, "Needle h[a-z]+", true, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	ck_assert(s.backward);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(match_range_is_found_for_highlighting)
{
	struct filter_regex p;
	char err[64];
	size_t so, eo;

	filter_regex_compile(&p, "o+", err, sizeof err);
	ck_assert(filter_regex_find(&p, "foo boo", 0, &so, &eo));
	ck_assert_uint_eq(so, 1);
	ck_assert_uint_eq(eo, 3);
	ck_assert(filter_regex_find(&p, "foo boo", eo, &so, &eo));
	ck_assert_uint_eq(so, 5);
	ck_assert(!filter_regex_find(&p, "foo boo", eo, &so, &eo));
	filter_regex_free(&p);
}
END_TEST

START_TEST(history_blocks_of_three_sources_are_walked_in_time_order)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct search s;
	struct filter f;
	struct sb_line l;
	uint64_t m, prev;
	int64_t last = INT64_MIN;
	size_t found = 0;
	char msg[32];
	int src, k;

	/* Each source's history arrives as one block, newest source first,
	 * while the pane scans; times interleave across the blocks. */
	filter_init(&f);
	pane_open(&li, &s, sb, LINEIDX_BY_TIME, "needle");
	for (src = 2; src >= 0; src--) {
		for (k = 0; k < 60; k++) {
			snprintf(msg, sizeof msg, "%d %d %s", src, k,
			    k % 4 == src ? "needle" : "hay");
			test_add(sb, (uint16_t)src, LEVEL_INFO,
			    k * 30 + src * 10, msg);
		}
		catch_up_by(&li, &s, sb, &f, 7, 5);
	}
	ck_assert_uint_eq(search_count(&s), 45);
	/* Forward from the first: every match once, times rising. */
	ck_assert(search_edge(&s, true, &m));
	do {
		ck_assert(sb_get(sb, m, &l));
		ck_assert_int_gt(l.order_ms, last);
		last = l.order_ms;
		found++;
		prev = m;
	} while (search_next(&s, &li, prev, true, &m));
	ck_assert_uint_eq(found, 45);
	ck_assert(search_edge(&s, false, &m));
	ck_assert_uint_eq(m, prev);
	/* Backward from the last: the same, times falling. */
	for (found = 1; search_next(&s, &li, prev, false, &m); found++) {
		ck_assert(sb_get(sb, m, &l));
		ck_assert_int_lt(l.order_ms, last);
		last = l.order_ms;
		prev = m;
	}
	ck_assert_uint_eq(found, 45);
	check_against_reference(&s, &li, sb);
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(late_line_above_the_cursor_after_the_scan_caught_up_is_found)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct search s;
	struct filter f;
	uint64_t m;
	int64_t late;
	int k;

	filter_init(&f);
	pane_open(&li, &s, sb, LINEIDX_BY_TIME, "needle");
	for (k = 0; k < 10; k++)
		test_add(
		    sb, 0, LEVEL_INFO, k * 1000, k % 3 == 0 ? "needle" : "hay");
	catch_up_by(&li, &s, sb, &f, 100, 100);
	ck_assert_uint_eq(search_count(&s), 4); /* lines 0, 3, 6, 9 */
	/* Another source's line, 4.5 s: it lands between lines 4 and 5, far
	 * above the scan's cursor (the end). */
	late = test_add(sb, 1, LEVEL_INFO, 4500, "late needle");
	ck_assert(search_pending(&s, &li) || lineidx_pending(&li, sb));
	catch_up_by(&li, &s, sb, &f, 100, 100);
	ck_assert_uint_eq(lineidx_at(&li, 5), (uint64_t)late);
	ck_assert_uint_eq(search_count(&s), 5);
	ck_assert(search_next(&s, &li, 3, true, &m));
	ck_assert_uint_eq(m, (uint64_t)late);
	ck_assert(search_next(&s, &li, (uint64_t)late, true, &m));
	ck_assert_uint_eq(m, 6);
	ck_assert(search_next(&s, &li, 6, false, &m));
	ck_assert_uint_eq(m, (uint64_t)late);
	ck_assert_uint_eq(search_pos(&s, &li, (uint64_t)late), 3);
	ck_assert_uint_eq(search_pos(&s, &li, 9), 5);
	check_against_reference(&s, &li, sb);
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(late_matches_past_the_merge_limit_land_in_order)
{
	struct scrollback *sb = sb_new(16 << 20);
	struct lineidx li;
	struct search s;
	struct filter f;
	int k, n = SEARCH_LATE_MAX * 2 + 100;

	/* A live line at the end of time, then a history block of more
	 * matches than one merge takes, all tested in one scan call. */
	filter_init(&f);
	pane_open(&li, &s, sb, LINEIDX_BY_TIME, "needle");
	test_add(sb, 0, LEVEL_INFO, 10000000, "live needle");
	catch_up_by(&li, &s, sb, &f, 100, 100);
	for (k = 0; k < n; k++)
		test_add(sb, 1, LEVEL_INFO, k, k % 2 ? "needle" : "needle 2");
	while (lineidx_pending(&li, sb))
		ck_assert_int_ge(lineidx_scan(&li, sb, &f, (size_t)n), 0);
	ck_assert_int_eq(search_scan(&s, &li, sb, (size_t)n), n);
	ck_assert(!search_pending(&s, &li));
	ck_assert_uint_eq(search_count(&s), (size_t)n + 1);
	check_against_reference(&s, &li, sb);
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(late_matches_wait_in_a_side_run_merged_only_when_it_outgrows)
{
	/* As 20 burst streams into a merged pane (test_lineidx's case):
	 * event i of each source has time i, the sources run at speeds
	 * 1..20, so nearly every match goes far back. Searched in short
	 * slices, the late matches gather in the side run, which is merged
	 * into the main one a few times, not at every scan; the list is
	 * checked while the run is pending. */
	struct scrollback *sb = sb_new(64 << 20);
	struct lineidx li;
	struct search s;
	struct filter f;
	int64_t clk[20] = {0};
	int k, src, r, checks = 0, merges = 0, scans = 0;
	int n = 6 * LINEIDX_RUN_MIN;
	size_t nrun = 0;

	srand(11);
	filter_init(&f);
	pane_open(&li, &s, sb, LINEIDX_BY_TIME, "burst");
	for (k = 0; k < n; k++) {
		r = rand() % 210;
		for (src = 0; r >= src + 1; src++)
			r -= src + 1;
		test_add(sb, (uint16_t)src, LEVEL_INFO, clk[src]++,
		    k % 3 ? "burst" : "hay");
		if (k % 500 == 499) {
			catch_up_by(&li, &s, sb, &f, 4096,
			    1 + (size_t)(rand() % 700));
			scans++;
			merges += s.nrun < nrun;
			nrun = s.nrun;
			if (k % 9000 == 8999 && s.nrun > 0) {
				check_against_reference(&s, &li, sb);
				checks++;
			}
		}
	}
	catch_up_by(&li, &s, sb, &f, 4096, 100);
	check_against_reference(&s, &li, sb);
	ck_assert_int_gt(checks, 3);
	ck_assert_int_gt(merges, 1);
	ck_assert_int_lt(merges, scans / 4);
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(matches_survive_eviction_trimming_in_both_orders)
{
	int order, k;
	struct scrollback *sb;
	struct lineidx li;
	struct search s;
	struct filter f;
	char msg[300];
	uint64_t m;

	for (order = LINEIDX_BY_SEQ; order <= LINEIDX_BY_TIME; order++) {
		sb = sb_new(64 * 1024);
		filter_init(&f);
		pane_open(&li, &s, sb, (enum lineidx_order)order, "needle");
		for (k = 0; k < 3000; k++) {
			snprintf(msg, sizeof msg, "line %d %s %0200d", k,
			    k % 7 == 0 ? "needle" : "hay", 0);
			/* Four sources; one lags two seconds behind. */
			test_add(sb, (uint16_t)(k % 4), LEVEL_INFO,
			    k * 10 - (k % 4 == 3 ? 2000 : 0) + 5000, msg);
			if (k % 97 == 0) {
				lineidx_trim(&li, sb);
				search_trim(&s, sb);
				catch_up_by(&li, &s, sb, &f, 13, 11);
				check_against_reference(&s, &li, sb);
			}
		}
		ck_assert_uint_gt(sb_evicted(sb), 1000);
		/* Evicted matches go before anything is scanned again. */
		lineidx_trim(&li, sb);
		search_trim(&s, sb);
		ck_assert(search_edge(&s, true, &m));
		ck_assert_uint_ge(s.low, sb_first(sb));
		for (k = 0; k < (int)s.nmain; k++) {
			if (s.m[s.off + k].seq < sb_first(sb))
				ck_assert_uint_ge(
				    s.m[s.off + k].seq, sb_first(sb));
		}
		for (k = 0; k < (int)s.nrun; k++)
			ck_assert_uint_ge(s.run[k].seq, sb_first(sb));
		catch_up_by(&li, &s, sb, &f, 13, 11);
		check_against_reference(&s, &li, sb);
		search_free(&s);
		lineidx_free(&li);
		filter_free(&f);
		sb_free(sb);
	}
}
END_TEST

START_TEST(a_new_order_of_the_pane_counts_again_in_it)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct search s;
	struct filter f;
	int k;

	filter_init(&f);
	pane_open(&li, &s, sb, LINEIDX_BY_SEQ, "needle");
	for (k = 0; k < 200; k++)
		test_add(sb, (uint16_t)(k % 2), LEVEL_INFO,
		    k % 2 ? k : 1000 - k, k % 3 ? "hay" : "needle");
	catch_up_by(&li, &s, sb, &f, 17, 19);
	check_against_reference(&s, &li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	catch_up_by(&li, &s, sb, &f, 17, 19);
	check_against_reference(&s, &li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_SEQ);
	catch_up_by(&li, &s, sb, &f, 17, 19);
	check_against_reference(&s, &li, sb);
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(random_streams_match_a_brute_force_reference_in_both_orders)
{
	unsigned seed = 1 + (unsigned)_i;
	struct scrollback *sb = sb_new(256 * 1024);
	struct lineidx li[2];
	struct search s[2];
	struct filter f;
	char err[128], msg[200];
	int64_t clock[8] = {0}, ms;
	int k, o, src, n = 20000;

	srand(seed);
	filter_init(&f);
	f.floor = (uint8_t)(rand() % 3);
	if (seed % 2)
		ck_assert_int_eq(
		    filter_push(&f, "7", seed % 4 == 1, err, sizeof err), 0);
	for (o = 0; o < 2; o++)
		pane_open(&li[o], &s[o], sb, (enum lineidx_order)o,
		    seed % 3 ? "[0-9]1 " : "^m 1");
	for (k = 0; k < n; k++) {
		src = rand() % 5;
		/* Time mostly moves on; sometimes a source replays its past
		 * or another one's (a history block), or has no time. */
		clock[src] += rand() % 50;
		ms = clock[src];
		if (rand() % 50 == 0)
			clock[src] = clock[rand() % 5] - rand() % 5000;
		if (ms < 0)
			ms = 0;
		snprintf(msg, sizeof msg, "m %d %d", k, rand() % 100);
		if (rand() % 40 == 0)
			sb_append_mark(sb, (uint16_t)src,
			    rand() % 2 ? SB_KIND_RUN : SB_KIND_GAP,
			    rand() % 2 ? TEST_T0 + ms : INT64_MIN, msg,
			    strlen(msg));
		else
			test_add(sb, (uint16_t)src, (enum level)(rand() % 7),
			    rand() % 20 == 0 ? -1 : ms, msg);
		o = rand() % 2;
		if (rand() % 500 == 0) {
			lineidx_trim(&li[o], sb);
			search_trim(&s[o], sb);
			catch_up_by(&li[o], &s[o], sb, &f, 1 + rand() % 3000,
			    1 + rand() % 3000);
			check_against_reference(&s[o], &li[o], sb);
		} else if (rand() % 10 == 0) {
			/* The index runs ahead of the search, or not. */
			lineidx_trim(&li[o], sb);
			search_trim(&s[o], sb);
			ck_assert_int_ge(
			    lineidx_scan(&li[o], sb, &f, 1 + rand() % 50), 0);
			ck_assert_int_ge(
			    search_scan(&s[o], &li[o], sb, 1 + rand() % 50), 0);
		}
	}
	ck_assert_uint_gt(sb_evicted(sb), 0);
	for (o = 0; o < 2; o++) {
		lineidx_trim(&li[o], sb);
		search_trim(&s[o], sb);
		catch_up_by(&li[o], &s[o], sb, &f, 100000, 100000);
		ck_assert_uint_gt(search_count(&s[o]), 0);
		check_against_reference(&s[o], &li[o], sb);
		search_free(&s[o]);
		lineidx_free(&li[o]);
	}
	filter_free(&f);
	sb_free(sb);
}
END_TEST

/* Search tests. */
static Suite *
search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("core");

	/* The side-run case checks 100k lines several times (as lineidx's). */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, matches_are_counted_and_ordered);
	tcase_add_test(tc, edges_give_the_first_and_last_match_for_wrapping);
	tcase_add_test(tc, count_grows_as_lines_arrive);
	tcase_add_test(tc, search_only_counts_lines_the_filter_shows);
	tcase_add_test(tc, search_text_with_uppercase_is_case_sensitive);
	tcase_add_test(tc, match_range_is_found_for_highlighting);
	tcase_add_test(
	    tc, history_blocks_of_three_sources_are_walked_in_time_order);
	tcase_add_test(
	    tc, late_line_above_the_cursor_after_the_scan_caught_up_is_found);
	tcase_add_test(tc, late_matches_past_the_merge_limit_land_in_order);
	tcase_add_test(tc, matches_survive_eviction_trimming_in_both_orders);
	tcase_add_test(
	    tc, late_matches_wait_in_a_side_run_merged_only_when_it_outgrows);
	tcase_add_test(tc, a_new_order_of_the_pane_counts_again_in_it);
	tcase_add_loop_test(tc,
	    random_streams_match_a_brute_force_reference_in_both_orders, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(search_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
