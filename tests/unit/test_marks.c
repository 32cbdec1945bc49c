/* test_marks.c - the models behind the reader's own places, without a
 * terminal: marks (a bounded set kept through filters, dropped with
 * evicted lines, walked in a pane's order), the go-to-time text and the
 * lines it finds (a time, a run's start and end), and the per-minute
 * timeline of a pane. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/jump.h"
#include "tui/marks.h"
#include "tui/timeline.h"
#include "tui_testutil.h"

#define MIN_MS 60000LL

static struct scrollback *sb;
static struct lineidx li;
static struct filter f;

/* Scan li to the end. */
static void
scan(void)
{
	while (lineidx_pending(&li, sb))
		ck_assert_int_ge(lineidx_scan(&li, sb, &f, 1 << 20), 0);
}

static void
setup(void)
{
	sb = sb_new(16 << 20);
	filter_init(&f);
	lineidx_init(&li, sb);
}

static void
teardown(void)
{
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}

/* A run marker of src at TEST_T0 + ms. */
static int64_t
add_mark(uint16_t src, int64_t ms, const char *text)
{
	return sb_append_mark(
	    sb, src, SB_KIND_RUN, TEST_T0 + ms, text, strlen(text));
}

/* ---- marks ---- */

START_TEST(toggle_marks_and_unmarks_in_order)
{
	struct marks m;

	marks_init(&m);
	ck_assert_int_eq(marks_toggle(&m, 30), 1);
	ck_assert_int_eq(marks_toggle(&m, 10), 1);
	ck_assert_int_eq(marks_toggle(&m, 20), 1);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_uint_eq(m.seq[0], 10);
	ck_assert_uint_eq(m.seq[2], 30);
	ck_assert(marks_has(&m, 20));
	ck_assert_int_eq(marks_toggle(&m, 20), 0);
	ck_assert(!marks_has(&m, 20));
	ck_assert_uint_eq(m.n, 2);
}
END_TEST

START_TEST(marks_stop_at_marks_max)
{
	struct marks *m = malloc(sizeof *m);

	marks_init(m);
	for (uint64_t k = 0; k < MARKS_MAX; k++)
		ck_assert_int_eq(marks_toggle(m, k * 2), 1);
	ck_assert_int_eq(marks_toggle(m, 1), -1);
	ck_assert(!marks_has(m, 1));
	ck_assert_uint_eq(m->n, MARKS_MAX);
	/* Unmarking makes room again. */
	ck_assert_int_eq(marks_toggle(m, 0), 0);
	ck_assert_int_eq(marks_toggle(m, 1), 1);
	free(m);
}
END_TEST

START_TEST(marks_of_evicted_lines_go)
{
	struct scrollback *small = sb_new(256 << 10);
	struct marks m;
	char msg[600];
	int64_t first, later = -1;

	marks_init(&m);
	memset(msg, 'x', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	first = test_add(small, 0, LEVEL_INFO, 0, msg);
	marks_toggle(&m, (uint64_t)first);
	for (int k = 0; k < 2000; k++) {
		int64_t s = test_add(small, 0, LEVEL_INFO, k, msg);

		if (k == 1999)
			later = s;
	}
	marks_toggle(&m, (uint64_t)later);
	ck_assert_uint_gt(sb_first(small), (uint64_t)first);
	ck_assert_uint_eq(marks_trim(&m, sb_first(small)), 1);
	ck_assert(!marks_has(&m, (uint64_t)first));
	ck_assert(marks_has(&m, (uint64_t)later));
	sb_free(small);
}
END_TEST

START_TEST(next_mark_wraps_and_skips_lines_filtered_out)
{
	struct marks m;
	uint64_t to;
	bool wrapped;

	for (int k = 0; k < 10; k++)
		test_add(
		    sb, 0, k == 5 ? LEVEL_DEBUG : LEVEL_INFO, k * 1000, "l");
	scan();
	marks_init(&m);
	marks_toggle(&m, 2);
	marks_toggle(&m, 5);
	marks_toggle(&m, 8);
	ck_assert(marks_next(&m, &li, 0, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 2);
	ck_assert(!wrapped);
	ck_assert(marks_next(&m, &li, 2, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 5);
	ck_assert(marks_next(&m, &li, 8, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 2);
	ck_assert(wrapped);
	ck_assert(marks_next(&m, &li, 2, -1, &to, &wrapped));
	ck_assert_uint_eq(to, 8);
	ck_assert(wrapped);
	ck_assert_uint_eq(marks_in(&m, &li), 3);
	/* A floor hides line 5: it is skipped, and still marked. */
	f.floor = LEVEL_INFO;
	lineidx_rebuild(&li, sb);
	scan();
	ck_assert(marks_next(&m, &li, 2, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 8);
	ck_assert_uint_eq(marks_in(&m, &li), 2);
	f.floor = LEVEL_TRACE;
	lineidx_rebuild(&li, sb);
	scan();
	ck_assert(marks_next(&m, &li, 2, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 5);
	/* None held: nothing to go to. */
	marks_init(&m);
	ck_assert(!marks_next(&m, &li, 2, 1, &to, &wrapped));
	/* The only mark, from itself: itself. */
	marks_toggle(&m, 4);
	ck_assert(marks_next(&m, &li, 4, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 4);
	ck_assert(!wrapped);
}
END_TEST

START_TEST(next_mark_follows_time_order_in_a_merged_pane)
{
	struct marks m;
	uint64_t to;
	bool wrapped;

	/* seq 0..3 at times 30, 10, 20, 0 (two sources' histories). */
	test_add(sb, 0, LEVEL_INFO, 30, "a");
	test_add(sb, 1, LEVEL_INFO, 10, "b");
	test_add(sb, 1, LEVEL_INFO, 20, "c");
	test_add(sb, 2, LEVEL_INFO, 0, "d");
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	scan();
	marks_init(&m);
	marks_toggle(&m, 0);
	marks_toggle(&m, 1);
	marks_toggle(&m, 3);
	ck_assert(marks_next(&m, &li, 3, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 1); /* time 10 */
	ck_assert(marks_next(&m, &li, 1, 1, &to, &wrapped));
	ck_assert_uint_eq(to, 0); /* time 30, past line 2 at 20 */
	ck_assert(marks_next(&m, &li, 0, -1, &to, &wrapped));
	ck_assert_uint_eq(to, 1);
}
END_TEST

/* ---- go to time ---- */

/* 2024-05-01T22:30:00Z */
#define NOW (TEST_T0 + 10 * 3600 * 1000LL + 30 * MIN_MS)

/* Parse text with utc; the kind and time. */
static int
parse(const char *text, bool utc, enum jump_kind *kind, int64_t *ms)
{
	char err[160] = "";
	int rc = jump_parse(text, NOW, utc, kind, ms, err, sizeof err);

	if (rc == -1) {
		ck_assert_str_ne(err, "");
		/* The text typed is never echoed. */
		ck_assert_ptr_null(strstr(err, "banana"));
	}
	return rc;
}

/* The ms of an ISO UTC time (test_iso's inverse). */
static int64_t
at(const char *iso)
{
	return event_parse_time(iso, strlen(iso));
}

START_TEST(clock_times_are_today_or_yesterday)
{
	enum jump_kind k;
	int64_t ms;

	ck_assert_int_eq(parse("14:02", true, &k, &ms), 0);
	ck_assert_int_eq(k, JUMP_TIME);
	ck_assert_int_eq(ms, at("2024-05-01T14:02:00Z"));
	ck_assert_int_eq(parse(" 9:05:30 ", true, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T09:05:30Z"));
	ck_assert_int_eq(parse("14:02:30.250", true, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T14:02:30.250Z"));
	/* Later than now today: yesterday's. */
	ck_assert_int_eq(parse("23:00", true, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-04-30T23:00:00Z"));
	ck_assert_int_eq(parse("22:30", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW);
	/* Local time: two hours east of UTC in May. */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	ck_assert_int_eq(parse("14:02", false, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T12:02:00Z"));
	/* 00:30 local is 22:30Z: now exactly. */
	ck_assert_int_eq(parse("00:30", false, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW);
	ck_assert_int_eq(parse("2024-05-01T14:02", false, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T12:02:00Z"));
	setenv("TZ", "UTC0", 1);
	tzset();
}
END_TEST

START_TEST(relative_iso_and_run_times)
{
	enum jump_kind k;
	int64_t ms;

	ck_assert_int_eq(parse("-5m", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW - 5 * MIN_MS);
	ck_assert_int_eq(parse("-90s", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW - 90000);
	ck_assert_int_eq(parse("-2h", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW - 120 * MIN_MS);
	ck_assert_int_eq(parse("-1h30M", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW - 90 * MIN_MS);
	ck_assert_int_eq(parse("-1d", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW - 1440 * MIN_MS);
	ck_assert_int_eq(parse("now", true, &k, &ms), 0);
	ck_assert_int_eq(ms, NOW);
	ck_assert_int_eq(parse("2024-05-01T14:02Z", false, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T14:02:00Z"));
	ck_assert_int_eq(parse("2024-05-01 14:02:30+02:00", false, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T12:02:30Z"));
	ck_assert_int_eq(parse("2024-05-01T14:02:30.5-0130", true, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-05-01T15:32:30.500Z"));
	ck_assert_int_eq(parse("2024-04-30", true, &k, &ms), 0);
	ck_assert_int_eq(ms, at("2024-04-30T00:00:00Z"));
	ck_assert_int_eq(parse("run start", true, &k, &ms), 0);
	ck_assert_int_eq(k, JUMP_RUN_START);
	ck_assert_int_eq(parse("RUN  End", true, &k, &ms), 0);
	ck_assert_int_eq(k, JUMP_RUN_END);
}
END_TEST

START_TEST(bad_times_are_refused)
{
	static const char *bad[] = {"", "   ", "banana", "25:00", "14:2",
	    "14:60", "14:02:", "14:02:30.", "-", "-5", "-5x", "-m", "5m",
	    "-401d", "-99999999999999h", "2024-02-30T10:00", "2024-13-01",
	    "2024-05-01T14", "2024-05-01T14:02+25", "2024-05-01T14:02 x", "run",
	    "run middle", "runstart",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4"};
	enum jump_kind k;
	int64_t ms;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(bad[i], true, &k, &ms) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(time_index_is_the_first_line_at_or_after)
{
	/* By seq, times step back: 0, 50, 20, 60 s, after a marker at 99 s
	 * that the scan passes over. */
	add_mark(0, 99000, "── run 1 started ──");
	test_add(sb, 0, LEVEL_INFO, 0, "a");
	test_add(sb, 0, LEVEL_INFO, 50000, "b");
	test_add(sb, 0, LEVEL_INFO, 20000, "c");
	test_add(sb, 0, LEVEL_INFO, 60000, "d");
	scan();
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 - 1), 1);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 10000), 2);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 55000), 4);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 60001), 5);
	/* By time: 0, 20, 50, 60, the marker at 99. */
	lineidx_set_order(&li, sb, LINEIDX_BY_TIME);
	scan();
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 10000), 1);
	ck_assert_uint_eq(lineidx_at(&li, 1), 3);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 20000), 1);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 20001), 2);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 61000), 4);
	ck_assert_uint_eq(jump_time_index(&li, sb, TEST_T0 + 99001), 5);
}
END_TEST

START_TEST(run_edges_of_the_current_line)
{
	int64_t s1, e1, s2, r1, r2, last2, b0, b1;
	uint64_t seq;

	ck_assert(jump_run_started("── run 7 started 14:02:11 ──"));
	ck_assert(!jump_run_started("── run 7 failed (exit 1) at 14:05 ──"));
	ck_assert(!jump_run_started("a line that started"));
	s1 = add_mark(0, 0, "── run 1 started 12:00:00 ──");
	r1 = test_add(sb, 0, LEVEL_INFO, 1000, "run 1 work");
	b0 = test_add(sb, 1, LEVEL_INFO, 1500, "other source");
	test_add(sb, 0, LEVEL_INFO, 2000, "run 1 more");
	e1 = add_mark(0, 3000, "── run 1 completed (exit 0) at 12:00:03 ──");
	s2 = add_mark(0, 4000, "── run 2 started 12:00:04 ──");
	r2 = test_add(sb, 0, LEVEL_INFO, 5000, "run 2 work");
	b1 = test_add(sb, 1, LEVEL_INFO, 5500, "other source again");
	last2 = test_add(sb, 0, LEVEL_INFO, 6000, "run 2 more");
	scan();
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)r1, false, &seq), JUMP_EDGE_FOUND);
	ck_assert_uint_eq(seq, (uint64_t)s1);
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)r1, true, &seq), JUMP_EDGE_FOUND);
	ck_assert_uint_eq(seq, (uint64_t)e1);
	/* On the start marker itself, its run; on the end marker, too. */
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)s1, true, &seq), JUMP_EDGE_FOUND);
	ck_assert_uint_eq(seq, (uint64_t)e1);
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)e1, false, &seq), JUMP_EDGE_FOUND);
	ck_assert_uint_eq(seq, (uint64_t)s1);
	/* Run 2 is open: its last line. */
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)r2, false, &seq), JUMP_EDGE_FOUND);
	ck_assert_uint_eq(seq, (uint64_t)s2);
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)r2, true, &seq), JUMP_EDGE_OPEN);
	ck_assert_uint_eq(seq, (uint64_t)last2);
	/* A source without markers: its first and last lines. */
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)b1, false, &seq), JUMP_EDGE_GONE);
	ck_assert_uint_eq(seq, (uint64_t)b0);
	ck_assert_int_eq(
	    jump_run_edge(&li, sb, (size_t)b0, true, &seq), JUMP_EDGE_OPEN);
	ck_assert_uint_eq(seq, (uint64_t)b1);
	lineidx_free(&li);
	lineidx_init(&li, sb);
	ck_assert_int_eq(jump_run_edge(&li, sb, 0, true, &seq), JUMP_EDGE_NONE);
}
END_TEST

/* ---- timeline ---- */

START_TEST(timeline_counts_lines_errors_and_warns_per_minute)
{
	struct timeline *tl = malloc(sizeof *tl);
	char out[64];
	uint64_t e, w;
	int64_t m0 = TEST_T0 / MIN_MS;

	timeline_reset(tl);
	test_add(sb, 0, LEVEL_INFO, 1000, "a");
	test_add(sb, 0, LEVEL_ERROR, 2000, "b");
	test_add(sb, 0, LEVEL_INFO, 3000, "c");
	test_add(sb, 0, LEVEL_WARN, MIN_MS + 5, "d");
	add_mark(0, MIN_MS + 6, "── run 1 started ──"); /* not a line */
	for (int k = 0; k < 8; k++)
		test_add(sb, 0, LEVEL_INFO, 3 * MIN_MS + k, "e");
	scan();
	ck_assert(timeline_update(tl, &li, sb));
	ck_assert(!timeline_update(tl, &li, sb)); /* nothing new */
	ck_assert_int_eq(tl->newest, m0 + 3);
	ck_assert_uint_eq(timeline_at(tl, m0).lines, 3);
	ck_assert_uint_eq(timeline_at(tl, m0).errors, 1);
	ck_assert_uint_eq(timeline_at(tl, m0 + 1).lines, 1);
	ck_assert_uint_eq(timeline_at(tl, m0 + 1).warns, 1);
	ck_assert_uint_eq(timeline_at(tl, m0 + 2).lines, 0);
	timeline_render(tl, m0 + 3, 4, true, out, sizeof out, &e, &w);
	ck_assert_str_eq(out, "\u2583\u2581 \u2588");
	ck_assert_uint_eq(e, 1);
	ck_assert_uint_eq(w, 1);
	timeline_render(tl, m0 + 3, 4, false, out, sizeof out, &e, &w);
	ck_assert_str_eq(out, "-. @");
	/* The window: the last two minutes only. */
	timeline_render(tl, m0 + 3, 2, true, out, sizeof out, &e, &w);
	ck_assert_uint_eq(e, 0);
	/* Live lines count once, at the next update. */
	test_add(sb, 0, LEVEL_ERROR, 3 * MIN_MS + 50, "f");
	scan();
	ck_assert(timeline_update(tl, &li, sb));
	ck_assert_uint_eq(timeline_at(tl, m0 + 3).lines, 9);
	ck_assert_uint_eq(timeline_at(tl, m0 + 3).errors, 1);
	/* Where it ends: now when the lines are recent, else the newest. */
	ck_assert_int_eq(timeline_end(tl, TEST_T0 + 5 * MIN_MS, 10), m0 + 5);
	ck_assert_int_eq(timeline_end(tl, TEST_T0 + 50 * MIN_MS, 10), m0 + 3);
	/* Only what the pane shows: an ERROR floor. */
	f.floor = LEVEL_ERROR;
	lineidx_rebuild(&li, sb);
	scan();
	timeline_reset(tl);
	timeline_update(tl, &li, sb);
	ck_assert_uint_eq(timeline_at(tl, m0).lines, 1);
	ck_assert_uint_eq(timeline_at(tl, m0 + 3).lines, 1);
	free(tl);
}
END_TEST

START_TEST(timeline_is_bounded_in_minutes_and_per_update)
{
	struct timeline *tl = malloc(sizeof *tl);
	int64_t m0 = TEST_T0 / MIN_MS;
	size_t n = TIMELINE_SCAN_MAX + 10;

	timeline_reset(tl);
	test_add(sb, 0, LEVEL_INFO, 0, "old");
	test_add(sb, 0, LEVEL_INFO, (TIMELINE_MINUTES + 5) * MIN_MS, "new");
	/* Older than what is kept: not counted. */
	test_add(sb, 0, LEVEL_INFO, MIN_MS, "late");
	scan();
	timeline_update(tl, &li, sb);
	ck_assert_uint_eq(timeline_at(tl, m0).lines, 0);
	ck_assert_uint_eq(timeline_at(tl, m0 + 1).lines, 0);
	ck_assert_uint_eq(timeline_at(tl, m0 + TIMELINE_MINUTES + 5).lines, 1);
	/* One update counts at most TIMELINE_SCAN_MAX lines. */
	for (size_t k = 0; k < n; k++)
		test_add(
		    sb, 0, LEVEL_INFO, (TIMELINE_MINUTES + 6) * MIN_MS, "x");
	scan();
	ck_assert(timeline_update(tl, &li, sb));
	ck_assert_uint_eq(timeline_at(tl, m0 + TIMELINE_MINUTES + 6).lines,
	    TIMELINE_SCAN_MAX);
	ck_assert(timeline_update(tl, &li, sb));
	ck_assert_uint_eq(timeline_at(tl, m0 + TIMELINE_MINUTES + 6).lines, n);
	free(tl);
}
END_TEST

static Suite *
marks_suite(void)
{
	Suite *s = suite_create("marks");
	TCase *tm = tcase_create("marks");
	TCase *tj = tcase_create("jump");
	TCase *tt = tcase_create("timeline");

	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_add_test(tm, toggle_marks_and_unmarks_in_order);
	tcase_add_test(tm, marks_stop_at_marks_max);
	tcase_add_test(tm, marks_of_evicted_lines_go);
	tcase_add_test(tm, next_mark_wraps_and_skips_lines_filtered_out);
	tcase_add_test(tm, next_mark_follows_time_order_in_a_merged_pane);
	suite_add_tcase(s, tm);
	tcase_add_checked_fixture(tj, setup, teardown);
	tcase_add_test(tj, clock_times_are_today_or_yesterday);
	tcase_add_test(tj, relative_iso_and_run_times);
	tcase_add_test(tj, bad_times_are_refused);
	tcase_add_test(tj, time_index_is_the_first_line_at_or_after);
	tcase_add_test(tj, run_edges_of_the_current_line);
	suite_add_tcase(s, tj);
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, timeline_counts_lines_errors_and_warns_per_minute);
	tcase_add_test(tt, timeline_is_bounded_in_minutes_and_per_update);
	tcase_set_timeout(tt, 60);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(marks_suite());
	int failed;

	setenv("TZ", "UTC0", 1);
	tzset();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
