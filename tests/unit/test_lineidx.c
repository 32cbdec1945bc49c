/* test_lineidx.c - a pane's line index: markers through every filter, and
 * the by-time order of merged panes against a sorted reference. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui/scrollback.h"
#include "tui_testutil.h"

/* Scan until caught up, in slices of budget. */
static void
scan_all(
    struct lineidx *li, struct scrollback *sb, struct filter *f, size_t budget)
{
	int guard = 0;

	while (lineidx_pending(li, sb) && guard++ < 10000000)
		ck_assert_int_ge(lineidx_scan(li, sb, f, budget), 0);
}

/* A store line as the reference sorts it. */
struct ref {
	int64_t ms;
	uint64_t seq;
};

/* Reference order: time, then seq. */
static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The lines of sb that f shows (markers: by source only), in the order
 * of li; their number in *n. The caller frees the array. */
static struct ref *
reference(struct scrollback *sb, const struct filter *f,
    enum lineidx_order order, size_t *n)
{
	uint64_t seq;
	struct ref *r = malloc((sb_end(sb) - sb_first(sb) + 1) * sizeof *r);
	struct sb_line l;
	bool pass;

	*n = 0;
	for (seq = sb_first(sb); seq < sb_end(sb); seq++) {
		if (!sb_get(sb, seq, &l))
			ck_abort_msg("retained line %llu unreadable",
			    (unsigned long long)seq);
		pass = l.kind != SB_KIND_LOG ? filter_has_source(f, l.src)
		                             : filter_pass(f, &l);
		if (!pass)
			continue;
		r[*n].ms = order == LINEIDX_BY_TIME ? l.order_ms : 0;
		r[(*n)++].seq = seq;
	}
	qsort(r, *n, sizeof *r, ref_cmp);
	return r;
}

/* Ascending seqs for qsort. */
static int
seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Check every entry, position and count of li against the reference. */
static void
check_against_reference(
    const struct lineidx *li, struct scrollback *sb, const struct filter *f)
{
	size_t n, i, lo;
	struct ref *r = reference(sb, f, li->order, &n);
	uint64_t seq, *by_seq = malloc((n + 1) * sizeof *by_seq);

	/* Asserting only on a mismatch: Check writes to a pipe per assert. */
	ck_assert_uint_eq(lineidx_count(li), n);
	for (i = 0; i < n; i++) {
		if (lineidx_at(li, i) != r[i].seq)
			ck_assert_uint_eq(lineidx_at(li, i), r[i].seq);
		if (lineidx_lower(li, r[i].seq) != i)
			ck_assert_uint_eq(lineidx_lower(li, r[i].seq), i);
		by_seq[i] = r[i].seq;
	}
	/* count_since at every few seqs, shown or not, against a count. */
	qsort(by_seq, n, sizeof *by_seq, seq_cmp);
	for (seq = sb_first(sb), lo = 0; seq <= sb_end(sb);
	     seq += 1 + seq % 7) {
		while (lo < n && by_seq[lo] < seq)
			lo++;
		if (lineidx_count_since(li, seq) != n - lo)
			ck_assert_uint_eq(lineidx_count_since(li, seq), n - lo);
	}
	for (i = 0; i < n; i++) {
		if (lineidx_seq_at(li, i) != by_seq[i])
			ck_assert_uint_eq(lineidx_seq_at(li, i), by_seq[i]);
	}
	free(by_seq);
	free(r);
}

START_TEST(markers_pass_a_fatal_floor_and_a_hide_pattern_that_matches_them)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct filter f;
	char err[128];
	int order;
	uint64_t run, gap, hidden_src;

	test_add(sb, 0, LEVEL_INFO, 1000, "run step one");
	run = sb_append_mark(sb, 0, SB_KIND_RUN, TEST_T0 + 1500,
	    "\xe2\x94\x80\xe2\x94\x80 run 7 started 12:00:01", 28);
	test_add(sb, 0, LEVEL_FATAL, 2000, "disk gone");
	test_add(sb, 0, LEVEL_FATAL, 2100, "run aborted");
	gap = sb_append_mark(sb, 1, SB_KIND_GAP, TEST_T0 + 500,
	    "run lines before id 4 are no longer held", 40);
	hidden_src = sb_append_mark(sb, 2, SB_KIND_RUN, TEST_T0, "run 1", 5);
	filter_init(&f);
	f.floor = LEVEL_FATAL;
	ck_assert_int_eq(filter_push(&f, "run", false, err, sizeof err), 0);
	f.all_sources = false;
	filter_set_source(&f, 0, true);
	filter_set_source(&f, 1, true);
	for (order = LINEIDX_BY_SEQ; order <= LINEIDX_BY_TIME; order++) {
		lineidx_init(&li, sb);
		lineidx_set_order(&li, sb, (enum lineidx_order)order);
		scan_all(&li, sb, &f, 2);
		ck_assert_uint_eq(lineidx_count(&li), 3);
		if (order == LINEIDX_BY_SEQ) {
			ck_assert_uint_eq(lineidx_at(&li, 0), run);
			ck_assert_uint_eq(lineidx_at(&li, 1), 2);
			ck_assert_uint_eq(lineidx_at(&li, 2), gap);
		} else {
			ck_assert_uint_eq(lineidx_at(&li, 0), gap);
			ck_assert_uint_eq(lineidx_at(&li, 1), run);
			ck_assert_uint_eq(lineidx_at(&li, 2), 2);
		}
		/* A hidden line would go where its seq or time puts it. */
		ck_assert_uint_eq(lineidx_lower(&li, hidden_src),
		    order == LINEIDX_BY_SEQ ? 3 : 0);
		check_against_reference(&li, sb, &f);
		lineidx_free(&li);
	}
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(member_filters_read_compact_lines)
{
	static const char *ev[] = {
	    "{\"id\":1,\"timestamp\":\"2024-05-01T12:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"a\",\"task\":\"load\",\"runId\":\"r1\","
	    "\"rows\":5}",
	    "{\"id\":2,\"timestamp\":\"2024-05-01T12:00:00.001Z\",\"level\":"
	    "\"INFO\",\"message\":\"b\",\"task\":\"save\",\"runId\":\"r1\","
	    "\"rows\":5000}",
	    "{\"id\":3,\"timestamp\":\"2024-05-01T12:00:00.002Z\",\"level\":"
	    "\"INFO\",\"message\":\"c\",\"task\":\"load\",\"runId\":\"r2\"}",
	};
	struct event_decoder *d = event_decoder_new();
	struct scrollback *sb = sb_new(1 << 20);
	struct log_event e;
	struct lineidx li;
	struct filter f;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof ev / sizeof *ev; i++) {
		event_decode(d, ev[i], strlen(ev[i]), &e);
		ck_assert_int_eq(sb_append(sb, 0, &e), (int64_t)i);
	}
	filter_init(&f);
	ck_assert(!filter_reads_event(&f));
	ck_assert_int_eq(
	    filter_push(&f, "task:load", true, err, sizeof err), 0);
	ck_assert(filter_reads_event(&f));
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f, 2);
	ck_assert_uint_eq(lineidx_count(&li), 2);
	ck_assert_uint_eq(lineidx_at(&li, 0), 0);
	ck_assert_uint_eq(lineidx_at(&li, 1), 2);
	lineidx_free(&li);
	filter_clear(&f);
	ck_assert_int_eq(filter_push(&f, "rows>100", true, err, sizeof err), 0);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f, 2);
	ck_assert_uint_eq(lineidx_count(&li), 1);
	ck_assert_uint_eq(lineidx_at(&li, 0), 1);
	lineidx_free(&li);
	filter_clear(&f);
	ck_assert_int_eq(filter_push(&f, "runId=r2", true, err, sizeof err), 0);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f, 2);
	ck_assert_uint_eq(lineidx_count(&li), 1);
	ck_assert_uint_eq(lineidx_at(&li, 0), 2);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
	event_decoder_free(d);
}
END_TEST

START_TEST(merged_history_of_three_sources_comes_out_in_time_order)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct filter f;
	uint64_t prev;
	int64_t ms, last = INT64_MIN;
	struct sb_line l;
	size_t i;
	int s, k;

	/* Each source's history arrives as one block, newest source first,
	 * and their times interleave. */
	for (s = 2; s >= 0; s--) {
		for (k = 0; k < 50; k++)
			test_add(
			    sb, (uint16_t)s, LEVEL_INFO, k * 30 + s * 10, "h");
	}
	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	scan_all(&li, sb, &f, 16);
	ck_assert_uint_eq(lineidx_count(&li), 150);
	for (i = 0; i < 150; i++) {
		ck_assert(sb_get(sb, lineidx_at(&li, i), &l));
		ck_assert_int_eq(l.src, i % 3);
		ms = l.ts_ms;
		ck_assert_int_gt(ms, last);
		last = ms;
	}
	prev = lineidx_at(&li, 0);
	ck_assert_uint_eq(prev, 100); /* source 0's first line, stored last */
	check_against_reference(&li, sb, &f);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(late_line_lands_at_its_place)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct filter f;
	int64_t late;
	int k;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	for (k = 0; k < 10; k++)
		test_add(sb, 0, LEVEL_INFO, k * 1000, "live");
	scan_all(&li, sb, &f, 100);
	late = test_add(sb, 1, LEVEL_INFO, 4500, "late");
	ck_assert_uint_eq(lineidx_lower(&li, (uint64_t)late), 5);
	ck_assert_uint_eq(lineidx_count_since(&li, (uint64_t)late), 0);
	scan_all(&li, sb, &f, 100);
	ck_assert_uint_eq(lineidx_count(&li), 11);
	ck_assert_uint_eq(lineidx_at(&li, 5), (uint64_t)late);
	ck_assert_uint_eq(lineidx_at(&li, 4), 4);
	ck_assert_uint_eq(lineidx_at(&li, 6), 5);
	ck_assert_uint_eq(lineidx_lower(&li, (uint64_t)late), 5);
	/* The new line sits above the end, and it is still one new line. */
	ck_assert_uint_eq(lineidx_count_since(&li, (uint64_t)late), 1);
	ck_assert_uint_eq(lineidx_lower(&li, sb_end(sb)), 11);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(lines_of_one_millisecond_keep_their_arrival_order)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct filter f;

	test_add(sb, 0, LEVEL_INFO, 1000, "a");
	test_add(sb, 1, LEVEL_INFO, 2000, "b");
	test_add(sb, 2, LEVEL_INFO, 1000, "c");
	test_add(sb, 0, LEVEL_INFO, 1000, "d");
	test_add(sb, 1, LEVEL_INFO, -1, "e: no time, takes b's");
	test_add(sb, 2, LEVEL_INFO, 1000, "f");
	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	scan_all(&li, sb, &f, 1);
	ck_assert_uint_eq(lineidx_count(&li), 6);
	ck_assert_uint_eq(lineidx_at(&li, 0), 0);
	ck_assert_uint_eq(lineidx_at(&li, 1), 2);
	ck_assert_uint_eq(lineidx_at(&li, 2), 3);
	ck_assert_uint_eq(lineidx_at(&li, 3), 5);
	ck_assert_uint_eq(lineidx_at(&li, 4), 1);
	ck_assert_uint_eq(lineidx_at(&li, 5), 4);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(late_run_past_the_merge_limit_lands_in_order)
{
	struct scrollback *sb = sb_new(64 << 20);
	struct lineidx li;
	struct filter f;
	int k, n = 2 * LINEIDX_LATE_MAX + 5;

	for (k = 0; k < 100; k++)
		test_add(sb, 0, LEVEL_INFO, 1000000 + k, "newer");
	/* An older history block, itself slightly out of order. */
	for (k = 0; k < n; k++)
		test_add(sb, 1, LEVEL_INFO, (k * 7919) % n, "history");
	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	ck_assert_int_eq(lineidx_scan(&li, sb, &f, (size_t)n + 100), n + 100);
	ck_assert(!lineidx_pending(&li, sb));
	ck_assert_uint_eq(lineidx_count(&li), (size_t)n + 100);
	ck_assert_uint_eq(lineidx_at(&li, (size_t)n), 0);
	check_against_reference(&li, sb, &f);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(bursts_of_many_sources_at_unequal_speeds_keep_time_order)
{
	/* As 20 burst streams into a merged pane: event i of each source has
	 * time i, and the sources run at speeds 1..20, so nearly every line
	 * goes far back. Scanned in short slices (one per loop pass), late
	 * lines gather in the side run, which is merged into the main array
	 * several times; positions are checked while it is pending. */
	struct scrollback *sb = sb_new(64 << 20);
	struct lineidx li;
	struct filter f;
	int64_t clk[20] = {0};
	int k, s, r, checks = 0, merges = 0, n = 6 * LINEIDX_RUN_MIN;
	size_t nrun = 0;

	srand(7);
	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	for (k = 0; k < n; k++) {
		r = rand() % 210;
		for (s = 0; r >= s + 1; s++)
			r -= s + 1;
		test_add(sb, (uint16_t)s, LEVEL_INFO, clk[s]++, "burst");
		if (k % 500 == 499) {
			scan_all(&li, sb, &f, 1 + (size_t)(rand() % 700));
			merges += li.nrun < nrun;
			nrun = li.nrun;
			if (k % 9000 == 8999 && li.nrun > 0) {
				check_against_reference(&li, sb, &f);
				checks++;
			}
		}
	}
	scan_all(&li, sb, &f, 100);
	check_against_reference(&li, sb, &f);
	ck_assert_int_gt(checks, 3);
	ck_assert_int_gt(merges, 1);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(eviction_while_late_lines_wait_in_the_side_run)
{
	/* A small store under a lagging source: lines are evicted while the
	 * side run holds late ones, from both runs; what stays is in order. */
	struct scrollback *sb = sb_new(256 * 1024);
	struct lineidx li;
	struct filter f;
	char msg[120];
	int k, trims = 0;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	for (k = 0; k < 40000; k++) {
		snprintf(msg, sizeof msg, "line %d %060d", k, 0);
		/* Source 1 lags 5 s behind source 0, source 2 1 s. */
		test_add(sb, (uint16_t)(k % 3), LEVEL_INFO,
		    k * 3 -
		        (k % 3 == 1      ? 5000
		            : k % 3 == 2 ? 1000
		                         : 0) +
		        9000,
		    msg);
		if (k % 211 == 0) {
			if (li.nrun > 0 && sb_first(sb) > 0)
				trims++;
			lineidx_trim(&li, sb);
			scan_all(&li, sb, &f, 1 + (size_t)(k % 97));
			if (k % 2110 == 0)
				check_against_reference(&li, sb, &f);
		}
	}
	ck_assert_uint_gt(sb_evicted(sb), 20000);
	ck_assert_int_gt(trims, 10);
	lineidx_trim(&li, sb);
	scan_all(&li, sb, &f, 13);
	check_against_reference(&li, sb, &f);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(changing_the_order_rebuilds_in_the_new_one)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct lineidx li;
	struct filter f;

	test_add(sb, 0, LEVEL_INFO, 3000, "c");
	test_add(sb, 1, LEVEL_INFO, 1000, "a");
	test_add(sb, 2, LEVEL_INFO, 2000, "b");
	filter_init(&f);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f, 10);
	ck_assert_uint_eq(lineidx_at(&li, 0), 0);
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	ck_assert_uint_eq(lineidx_count(&li), 0);
	scan_all(&li, sb, &f, 10);
	ck_assert_uint_eq(lineidx_at(&li, 0), 1);
	ck_assert_uint_eq(lineidx_at(&li, 2), 0);
	/* A rebuild (a new filter) keeps the order. */
	lineidx_rebuild(&li, sb);
	scan_all(&li, sb, &f, 10);
	ck_assert_uint_eq(lineidx_at(&li, 0), 1);
	lineidx_set_order(&li, sb, LINEIDX_BY_SEQ);
	ck_assert_ptr_null(li.e);
	scan_all(&li, sb, &f, 10);
	ck_assert_uint_eq(lineidx_at(&li, 0), 0);
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(lower_trim_and_count_since_hold_under_eviction_in_both_orders)
{
	int order, k;
	struct scrollback *sb;
	struct lineidx li;
	struct filter f;
	char msg[300];
	uint64_t since;
	size_t i, n;

	for (order = LINEIDX_BY_SEQ; order <= LINEIDX_BY_TIME; order++) {
		sb = sb_new(64 * 1024);
		filter_init(&f);
		f.floor = LEVEL_INFO;
		lineidx_init(&li, sb);
		lineidx_set_order(&li, sb, (enum lineidx_order)order);
		since = 0;
		for (k = 0; k < 3000; k++) {
			snprintf(msg, sizeof msg, "line %d %0200d", k, 0);
			/* Four sources; one lags two seconds behind. */
			test_add(sb, (uint16_t)(k % 4), (enum level)(k % 5),
			    k * 10 - (k % 4 == 3 ? 2000 : 0) + 5000, msg);
			if (k % 40 == 0)
				sb_append_mark(sb, (uint16_t)(k % 4),
				    SB_KIND_GAP, INT64_MIN, "gap", 3);
			if (k % 97 == 0) {
				lineidx_trim(&li, sb);
				scan_all(&li, sb, &f, 13);
				check_against_reference(&li, sb, &f);
				if (sb_first(sb) > 0)
					ck_assert_uint_eq(lineidx_lower(&li,
					                      sb_first(sb) - 1),
					    0);
				for (i = 0, n = 0; i < lineidx_count(&li); i++)
					n += lineidx_at(&li, i) >= since;
				ck_assert_uint_eq(
				    lineidx_count_since(&li, since), n);
				since = sb_end(sb);
			}
		}
		ck_assert_uint_gt(sb_evicted(sb), 1000);
		/* Evicted entries go, even unscanned lines waiting. */
		lineidx_trim(&li, sb);
		for (i = 0; i < lineidx_count(&li); i++) {
			if (lineidx_at(&li, i) < sb_first(sb))
				ck_assert_uint_ge(
				    lineidx_at(&li, i), sb_first(sb));
		}
		scan_all(&li, sb, &f, 13);
		check_against_reference(&li, sb, &f);
		lineidx_free(&li);
		filter_free(&f);
		sb_free(sb);
	}
}
END_TEST

START_TEST(random_streams_match_a_sorted_reference)
{
	unsigned seed = 1 + (unsigned)_i;
	struct scrollback *sb = sb_new(256 * 1024);
	struct lineidx li[2];
	struct filter f;
	char err[128], msg[200];
	int64_t clock[8] = {0}, ms;
	int k, o, src, n = 20000;

	srand(seed);
	filter_init(&f);
	f.floor = (uint8_t)(rand() % 4);
	if (seed % 2)
		ck_assert_int_eq(
		    filter_push(&f, "7", seed % 4 == 1, err, sizeof err), 0);
	if (seed % 3 == 0) {
		f.all_sources = false;
		filter_set_source(&f, 0, true);
		filter_set_source(&f, 2, true);
	}
	for (o = 0; o < 2; o++) {
		lineidx_init(&li[o], sb);
		lineidx_set_order(&li[o], sb, (enum lineidx_order)o);
	}
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
		if (rand() % 500 == 0) {
			for (o = 0; o < 2; o++) {
				lineidx_trim(&li[o], sb);
				scan_all(&li[o], sb, &f, 1 + rand() % 3000);
				check_against_reference(&li[o], sb, &f);
			}
		} else if (rand() % 10 == 0) {
			o = rand() % 2;
			lineidx_trim(&li[o], sb);
			ck_assert_int_ge(
			    lineidx_scan(&li[o], sb, &f, 1 + rand() % 50), 0);
		}
	}
	ck_assert_uint_gt(sb_evicted(sb), 0);
	for (o = 0; o < 2; o++) {
		lineidx_trim(&li[o], sb);
		scan_all(&li[o], sb, &f, 100000);
		check_against_reference(&li[o], sb, &f);
		lineidx_free(&li[o]);
	}
	filter_free(&f);
	sb_free(sb);
}
END_TEST

/* The line index's tests. */
static Suite *
lineidx_suite(void)
{
	Suite *s = suite_create("lineidx");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    markers_pass_a_fatal_floor_and_a_hide_pattern_that_matches_them);
	tcase_add_test(
	    tc, merged_history_of_three_sources_comes_out_in_time_order);
	tcase_add_test(tc, member_filters_read_compact_lines);
	tcase_add_test(tc, late_line_lands_at_its_place);
	tcase_add_test(tc, lines_of_one_millisecond_keep_their_arrival_order);
	tcase_add_test(tc, late_run_past_the_merge_limit_lands_in_order);
	tcase_add_test(
	    tc, bursts_of_many_sources_at_unequal_speeds_keep_time_order);
	tcase_add_test(tc, eviction_while_late_lines_wait_in_the_side_run);
	tcase_add_test(tc, changing_the_order_rebuilds_in_the_new_one);
	tcase_add_test(
	    tc, lower_trim_and_count_since_hold_under_eviction_in_both_orders);
	tcase_add_loop_test(tc, random_streams_match_a_sorted_reference, 0, 12);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(lineidx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
