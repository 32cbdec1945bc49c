/* test_layout.c - layout arithmetic and the rate counters. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tui/layout.h"
#include "tui/rate.h"

START_TEST(one_pane_fills_the_right_of_the_list)
{
	struct layout_req r = {120, 40, true, 30, 1, false};
	struct layout l;

	layout_compute(&r, &l);
	ck_assert(!l.too_small);
	ck_assert_int_eq(l.list.w, 30);
	ck_assert_int_eq(l.list.h, 38);
	ck_assert_int_eq(l.pane[0].x, 30);
	ck_assert_int_eq(l.pane[0].w, 90);
	ck_assert_int_eq(l.pane[0].h, 38);
	ck_assert_int_eq(l.status.y, 38);
	ck_assert_int_eq(l.status.h, LAYOUT_STATUS_ROWS);
}
END_TEST

START_TEST(hidden_list_gives_the_log_the_whole_width)
{
	struct layout_req r = {120, 40, false, 30, 1, false};
	struct layout l;

	layout_compute(&r, &l);
	ck_assert(!l.list_shown);
	ck_assert_int_eq(l.pane[0].x, 0);
	ck_assert_int_eq(l.pane[0].w, 120);
}
END_TEST

START_TEST(stacked_split_covers_every_row_once)
{
	struct layout_req r = {120, 40, true, 30, 3, false};
	struct layout l;
	int i, y = 0;

	layout_compute(&r, &l);
	ck_assert_int_eq(l.npanes, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(l.pane[i].y, y);
		ck_assert_int_eq(l.pane[i].w, 90);
		y += l.pane[i].h;
	}
	ck_assert_int_eq(y, 38);
	ck_assert_int_eq(l.pane[0].h - l.pane[2].h, 1);
}
END_TEST

START_TEST(side_by_side_split_covers_every_column_once)
{
	struct layout_req r = {120, 40, true, 30, 4, true};
	struct layout l;
	int i, x = 30;

	layout_compute(&r, &l);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(l.pane[i].x, x);
		ck_assert_int_eq(l.pane[i].h, 38);
		x += l.pane[i].w;
	}
	ck_assert_int_eq(x, 120);
}
END_TEST

START_TEST(list_width_is_clamped_to_half_the_screen)
{
	ck_assert_int_eq(layout_list_width(100, 120), 60);
	ck_assert_int_eq(layout_list_width(2, 120), LAYOUT_LIST_MIN);
}
END_TEST

START_TEST(tiny_terminal_is_too_small)
{
	struct layout_req r = {30, 5, true, 30, 1, false};
	struct layout l;

	layout_compute(&r, &l);
	ck_assert(l.too_small);
	r = (struct layout_req){60, 10, true, 30, 4, false};
	layout_compute(&r, &l);
	ck_assert(l.too_small);
	r.npanes = 2;
	layout_compute(&r, &l);
	ck_assert(!l.too_small);
}
END_TEST

START_TEST(rate_averages_complete_seconds)
{
	struct rate r;

	memset(&r, 0, sizeof r);
	rate_add(&r, 10000, 10);
	rate_add(&r, 11500, 30);
	rate_add(&r, 12100, 99); /* the current, partial second */
	ck_assert(rate_per_sec(&r, 12200) > 5.7 &&
	          rate_per_sec(&r, 12200) < 5.8); /* 40 / 7 */
	ck_assert(rate_per_sec(&r, 100000) == 0);
}
END_TEST

START_TEST(sparkline_scales_to_its_maximum)
{
	struct rate r;
	char out[64];

	memset(&r, 0, sizeof r);
	rate_add(&r, 10000, 4);
	rate_add(&r, 11000, 8);
	rate_spark(&r, 11000, 0, out, sizeof out);
	ck_assert_str_eq(out, "      =@");
	rate_spark(&r, 11000, 1, out, sizeof out);
	ck_assert(strstr(out, "\u2588") != NULL);
	rate_spark(&r, 11000, 1, out, 4);
	ck_assert_uint_le(strlen(out), 3);
}
END_TEST

/* Layout tests. */
static Suite *
layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_pane_fills_the_right_of_the_list);
	tcase_add_test(tc, hidden_list_gives_the_log_the_whole_width);
	tcase_add_test(tc, stacked_split_covers_every_row_once);
	tcase_add_test(tc, side_by_side_split_covers_every_column_once);
	tcase_add_test(tc, list_width_is_clamped_to_half_the_screen);
	tcase_add_test(tc, tiny_terminal_is_too_small);
	tcase_add_test(tc, rate_averages_complete_seconds);
	tcase_add_test(tc, sparkline_scales_to_its_maximum);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(layout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
