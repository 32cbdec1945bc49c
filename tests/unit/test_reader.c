/* test_reader.c - a log pane's reader without a terminal: following,
 * pausing, moving, goto, level jumps, matches, the incremental search and
 * the frame the view draws. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/reader.h"
#include "tui_testutil.h"

static struct scrollback *sb;
static struct reader r;

/* Scan the reader's lines and matches to the end, as the loop does in
 * slices. */
static void
scan(void)
{
	while (lineidx_pending(&r.li, sb))
		ck_assert_int_ge(lineidx_scan(&r.li, sb, &r.f, 1 << 20), 0);
	while (search_pending(&r.s, &r.li))
		ck_assert_int_ge(search_scan(&r.s, &r.li, sb, 1 << 20), 0);
}

/* n lines "line K"; every 10th (K % 10 == 7) at ERROR, the rest INFO. */
static void
setup_n(int n)
{
	char msg[32];

	sb = sb_new(16 << 20);
	for (int k = 0; k < n; k++) {
		snprintf(msg, sizeof msg, "line %d", k);
		test_add(sb, 0, k % 10 == 7 ? LEVEL_ERROR : LEVEL_INFO, k, msg);
	}
	reader_init(&r, sb);
	scan();
}

static void
setup(void)
{
	setup_n(100);
}

static void
teardown(void)
{
	reader_free(&r);
	sb_free(sb);
}

/* The seq of the reader's line. */
static uint64_t
cur(void)
{
	uint64_t seq = 0;

	ck_assert(reader_cur_seq(&r, &seq));
	return seq;
}

/* reader_height_fn: line "line 50" takes 4 rows, the others one. */
static int
tall_fifty(void *arg, const struct sb_line *l)
{
	(void)arg;
	return strcmp(l->msg, "line 50") == 0 ? 4 : 1;
}

START_TEST(following_frame_shows_the_newest_lines)
{
	reader_frame(&r, 10, NULL, NULL);
	ck_assert(r.follow);
	ck_assert_uint_eq(r.top, 90);
	ck_assert_uint_eq(r.shown, 10);
	ck_assert_uint_eq(cur(), 99);
}
END_TEST

START_TEST(pause_holds_the_last_line_at_its_row_and_counts_new_ones)
{
	reader_frame(&r, 10, NULL, NULL);
	reader_pause(&r);
	ck_assert(!r.follow);
	ck_assert_uint_eq(cur(), 99);
	ck_assert_int_eq(r.cur_row, 9);
	test_add(sb, 0, LEVEL_INFO, 100, "line 100");
	test_add(sb, 0, LEVEL_INFO, 101, "line 101");
	scan();
	/* Held: the same lines on screen, two new ones counted. */
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_uint_eq(r.top, 90);
	ck_assert_uint_eq(lineidx_count_since(&r.li, r.pause_end), 2);
	reader_follow(&r);
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_uint_eq(r.top, 92);
}
END_TEST

START_TEST(moving_up_pauses_and_the_row_moves_with_the_line)
{
	reader_frame(&r, 10, NULL, NULL);
	reader_move(&r, 1); /* down while following: nothing to do */
	ck_assert(r.follow);
	reader_move(&r, -1);
	ck_assert(!r.follow);
	ck_assert_uint_eq(cur(), 98);
	ck_assert_int_eq(r.cur_row, 8);
	reader_move(&r, -20); /* past the top row: the screen scrolls */
	ck_assert_uint_eq(cur(), 78);
	ck_assert_int_eq(r.cur_row, 0);
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_uint_eq(r.top, 78);
	reader_move(&r, 1000); /* stops at the last line, bottom row */
	ck_assert_uint_eq(cur(), 99);
	ck_assert_int_eq(r.cur_row, 9);
}
END_TEST

START_TEST(first_and_last_line)
{
	reader_frame(&r, 10, NULL, NULL);
	reader_first(&r);
	ck_assert_uint_eq(cur(), 0);
	ck_assert_int_eq(r.cur_row, 0);
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_uint_eq(r.top, 0);
	reader_last(&r);
	ck_assert(!r.follow);
	ck_assert_uint_eq(cur(), 99);
	ck_assert_int_eq(r.cur_row, 9);
}
END_TEST

START_TEST(goto_keeps_a_line_on_screen_at_its_row_else_the_middle)
{
	reader_frame(&r, 10, NULL, NULL);
	reader_goto(&r, 95);
	ck_assert_uint_eq(cur(), 95);
	ck_assert_int_eq(r.cur_row, 5);
	reader_frame(&r, 10, NULL, NULL);
	reader_goto(&r, 20);
	ck_assert_int_eq(r.cur_row, 5);
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_uint_eq(r.top, 15);
	/* Near the first line the row cannot be below the line's index. */
	reader_goto(&r, 2);
	ck_assert_int_eq(r.cur_row, 2);
}
END_TEST

START_TEST(level_jumps_find_the_next_and_previous_error)
{
	reader_frame(&r, 10, NULL, NULL);
	ck_assert(!reader_jump_level(&r, 1, LEVEL_ERROR, true));
	ck_assert(reader_jump_level(&r, -1, LEVEL_ERROR, true));
	ck_assert_uint_eq(cur(), 97);
	ck_assert(reader_jump_level(&r, -1, LEVEL_ERROR, true));
	ck_assert_uint_eq(cur(), 87);
	ck_assert(reader_jump_level(&r, 1, LEVEL_ERROR, true));
	ck_assert_uint_eq(cur(), 97);
	ck_assert(!reader_jump_level(&r, 1, LEVEL_WARN, false));
	/* At least WARN: ERROR counts. */
	ck_assert(reader_jump_level(&r, -1, LEVEL_WARN, true));
	ck_assert_uint_eq(cur(), 87);
}
END_TEST

START_TEST(match_moves_between_hits_and_wraps_around)
{
	char err[128];

	ck_assert_int_eq(reader_match(&r, true), READER_NO_SEARCH);
	ck_assert_int_eq(
	    search_start(&r.s, "line [13]0$", false, err, sizeof err), 0);
	scan();
	reader_frame(&r, 10, NULL, NULL);
	reader_first(&r);
	ck_assert_int_eq(reader_match(&r, true), READER_FOUND);
	ck_assert_uint_eq(cur(), 10);
	ck_assert_int_eq(reader_match(&r, true), READER_FOUND);
	ck_assert_uint_eq(cur(), 30);
	ck_assert_int_eq(reader_match(&r, true), READER_WRAPPED);
	ck_assert_uint_eq(cur(), 10);
	ck_assert_int_eq(reader_match(&r, false), READER_WRAPPED);
	ck_assert_uint_eq(cur(), 30);
	ck_assert_int_eq(
	    search_start(&r.s, "nothing", false, err, sizeof err), 0);
	scan();
	ck_assert_int_eq(reader_match(&r, true), READER_NONE);
	ck_assert_uint_eq(cur(), 30);
}
END_TEST

START_TEST(match_backward_from_following_takes_the_last_line)
{
	char err[128];

	ck_assert_int_eq(
	    search_start(&r.s, "line 99", true, err, sizeof err), 0);
	scan();
	reader_frame(&r, 10, NULL, NULL);
	ck_assert_int_eq(reader_match(&r, true), READER_FOUND);
	ck_assert_uint_eq(cur(), 99);
}
END_TEST

START_TEST(incremental_search_moves_as_typed_and_cancel_goes_back)
{
	reader_frame(&r, 10, NULL, NULL);
	reader_goto(&r, 40);
	reader_frame(&r, 10, NULL, NULL);
	reader_isearch_begin(&r);
	reader_isearch(&r, "line 6", false);
	ck_assert(r.s.active);
	ck_assert_uint_eq(cur(), 60);
	reader_isearch(&r, "line 66", false);
	ck_assert_uint_eq(cur(), 66);
	/* A half-typed regex keeps the last good search. */
	reader_isearch(&r, "line 6(", false);
	ck_assert_str_eq(r.s.pat.text, "line 66");
	/* Backward from where it began wraps past the first line. */
	reader_isearch(&r, "line 5", true);
	ck_assert_uint_eq(cur(), 5);
	reader_isearch(&r, "line 9[0-9]", true);
	ck_assert_uint_eq(cur(), 99);
	reader_isearch_cancel(&r);
	ck_assert(!r.s.active);
	ck_assert_uint_eq(cur(), 40);
	ck_assert_int_eq(r.cur_row, 5);
	reader_isearch(&r, "", false);
	ck_assert(!r.s.active);
}
END_TEST

START_TEST(refilter_keeps_the_current_line)
{
	char err[128];

	reader_frame(&r, 10, NULL, NULL);
	reader_goto(&r, 57);
	ck_assert_int_eq(filter_push(&r.f, "line 5", true, err, sizeof err), 0);
	reader_refilter(&r);
	scan();
	ck_assert_uint_eq(lineidx_count(&r.li), 11);
	ck_assert_uint_eq(cur(), 57);
	reader_move(&r, 1);
	ck_assert_uint_eq(cur(), 58);
}
END_TEST

START_TEST(a_tall_wrapped_line_keeps_the_current_line_in_the_frame)
{
	reader_frame(&r, 10, tall_fifty, NULL);
	reader_goto(&r, 52);
	ck_assert_int_eq(r.cur_row, 5);
	/* 47..52 would be 9 rows with line 50's four: still fits. */
	reader_frame(&r, 10, tall_fifty, NULL);
	ck_assert_uint_eq(r.top, 47);
	ck_assert_int_eq(r.cur_row, 5);
	reader_move(&r, 3); /* row 8: 47..55 is 12 rows, two too many */
	reader_frame(&r, 10, tall_fifty, NULL);
	ck_assert_uint_eq(r.top, 49);
	ck_assert_uint_eq(r.top + r.shown - 1, 55);
}
END_TEST

START_TEST(following_frame_counts_wrapped_rows)
{
	reader_free(&r);
	sb_free(sb);
	setup_n(51);
	reader_frame(&r, 10, tall_fifty, NULL);
	/* Line 50 takes four rows: six more fit above it. */
	ck_assert_uint_eq(r.top, 44);
	ck_assert_uint_eq(r.shown, 7);
}
END_TEST

START_TEST(empty_pane_has_no_current_line)
{
	uint64_t seq;

	reader_free(&r);
	sb_free(sb);
	setup_n(0);
	reader_frame(&r, 10, NULL, NULL);
	ck_assert(!reader_cur_seq(&r, &seq));
	ck_assert_uint_eq(r.shown, 0);
	reader_pause(&r);
	reader_move(&r, -5);
	ck_assert(!reader_jump_level(&r, 1, LEVEL_ERROR, true));
	ck_assert_int_eq(reader_match(&r, true), READER_NO_SEARCH);
	/* The first line to come is the first new one. */
	test_add(sb, 0, LEVEL_INFO, 0, "first");
	scan();
	ck_assert_uint_eq(lineidx_count_since(&r.li, r.pause_end), 1);
}
END_TEST

static Suite *
reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, following_frame_shows_the_newest_lines);
	tcase_add_test(
	    tc, pause_holds_the_last_line_at_its_row_and_counts_new_ones);
	tcase_add_test(tc, moving_up_pauses_and_the_row_moves_with_the_line);
	tcase_add_test(tc, first_and_last_line);
	tcase_add_test(
	    tc, goto_keeps_a_line_on_screen_at_its_row_else_the_middle);
	tcase_add_test(tc, level_jumps_find_the_next_and_previous_error);
	tcase_add_test(tc, match_moves_between_hits_and_wraps_around);
	tcase_add_test(tc, match_backward_from_following_takes_the_last_line);
	tcase_add_test(
	    tc, incremental_search_moves_as_typed_and_cancel_goes_back);
	tcase_add_test(tc, refilter_keeps_the_current_line);
	tcase_add_test(
	    tc, a_tall_wrapped_line_keeps_the_current_line_in_the_frame);
	tcase_add_test(tc, following_frame_counts_wrapped_rows);
	tcase_add_test(tc, empty_pane_has_no_current_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
