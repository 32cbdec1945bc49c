/* test_view_list.c - rows of the automation list: the whole name before
 * any counter, the run number, its duration and the last outcome within
 * the row's width. Runs curses on a screen that writes to /dev/null; the
 * two lookups tui_panes.c provides are given here. */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "theme.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"
#include "tui/view_draw.h"

static SCREEN *scr;
static FILE *out, *in;
static struct theme *th;
static struct tui *t;

/* The display name of source i (tui_panes.c's, for the test's sources). */
const char *
tui_src_name(const struct tui *tt, int i)
{
	return tt->srcs[i].src.name;
}

/* No pane shows anything in these tests. */
bool
tui_src_visible(const struct tui *tt, int i)
{
	(void)tt;
	(void)i;
	return false;
}

/* Nothing watched for in these tests (tui_watch.c's). */
int
tui_watch_list_parts(
    const struct tui *tt, int i, char out[][24], char *what, int max)
{
	(void)tt;
	(void)i;
	(void)out;
	(void)what;
	(void)max;
	return 0;
}

/* Unix time now in ms. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A curses screen on /dev/null and a viewer with one automation. */
static void
setup(void)
{
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", out, in);
	ck_assert_ptr_nonnull(scr);
	resizeterm(10, 80);
	th = theme_builtin();
	draw_colors_init(false, th);
	t = calloc(1, sizeof *t);
	t->srcs = calloc(1, sizeof *t->srcs);
	t->nsrcs = 1;
	t->sel = -1;
	t->utf8 = true;
	t->srcs[0].src.name = "Nightly sync";
	t->srcs[0].src.id = "nightly";
	t->srcs[0].run = RUN_RUNNING;
	t->srcs[0].run_started_ms = INT64_MIN;
	t->srcs[0].run_ended_ms = INT64_MIN;
}

/* Close the screen. */
static void
teardown(void)
{
	free(t->srcs);
	free(t);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	theme_free(th);
}

/* Draw the list w columns wide; the first row's inside into row. */
static void
draw_row(int w, char *row, size_t rowlen)
{
	wchar_t wide[128];
	int n;

	erase();
	t->lay.list = (struct rect){.y = 0, .x = 0, .h = 5, .w = w};
	view_list_draw(t);
	n = mvinnwstr(1, 1, wide, w - 2);
	ck_assert_int_ge(n, 0);
	wide[n] = L'\0';
	ck_assert_int_ge((int)wcstombs(row, wide, rowlen), 0);
}

START_TEST(the_run_number_duration_and_last_outcome_follow_the_name)
{
	char row[512];

	t->srcs[0].run_no = 7;
	t->srcs[0].run_started_ms = now_ms() - (3 * 60 + 12) * 1000 - 300;
	t->srcs[0].last_outcome = RUN_FAILED;
	draw_row(40, row, sizeof row);
	ck_assert_msg(strstr(row, "Nightly sync") != NULL, "%s", row);
	ck_assert_msg(strstr(row, "#7 3m12s \u2717") != NULL, "%s", row);
	/* An ended run shows how long it took. */
	t->srcs[0].run_ended_ms = t->srcs[0].run_started_ms + 42000;
	draw_row(40, row, sizeof row);
	ck_assert_msg(strstr(row, "#7 42s") != NULL, "%s", row);
}
END_TEST

START_TEST(no_run_fields_before_the_list_tells_a_run)
{
	char row[512];

	t->srcs[0].errors = 3;
	draw_row(40, row, sizeof row);
	ck_assert_msg(strstr(row, "#") == NULL, "%s", row);
	ck_assert_msg(strstr(row, "E3") != NULL, "%s", row);
}
END_TEST

START_TEST(narrow_rows_drop_counters_before_the_name)
{
	char row[512];

	t->srcs[0].run_no = 123456;
	t->srcs[0].run_started_ms = now_ms() - 5000;
	t->srcs[0].last_outcome = RUN_COMPLETED;
	t->srcs[0].errors = 27;
	t->srcs[0].warnings = 312;
	t->srcs[0].unread = 40;
	/* Wide: everything but the sparkline's room is used. */
	draw_row(60, row, sizeof row);
	ck_assert_msg(strstr(row, "Nightly sync") && strstr(row, "#123456") &&
	                  strstr(row, "E27") && strstr(row, "W312"),
	    "%s", row);
	/* 4 + 12 name + gap leaves 4 columns: only the errors stay. */
	draw_row(23, row, sizeof row);
	ck_assert_msg(strstr(row, "Nightly sync") && strstr(row, "E27") &&
	                  !strstr(row, "W312") && !strstr(row, "#"),
	    "%s", row);
	/* Narrower than the name: the name is cut, nothing else shows. */
	draw_row(14, row, sizeof row);
	ck_assert_msg(strstr(row, "Nightly") && !strstr(row, "E27"), "%s", row);
}
END_TEST

START_TEST(counts_past_list_count_exact_shorten)
{
	char row[512];

	t->srcs[0].errors = 9999;
	t->srcs[0].warnings = 10000;
	draw_row(40, row, sizeof row);
	ck_assert_msg(strstr(row, "E9999 W10k") != NULL, "%s", row);
	t->srcs[0].errors = 12345678;
	draw_row(40, row, sizeof row);
	ck_assert_msg(strstr(row, "E12M") != NULL, "%s", row);
}
END_TEST

/* The list-row suite. */
static Suite *
view_list_suite(void)
{
	Suite *s = suite_create("view_list");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, the_run_number_duration_and_last_outcome_follow_the_name);
	tcase_add_test(tc, no_run_fields_before_the_list_tells_a_run);
	tcase_add_test(tc, narrow_rows_drop_counters_before_the_name);
	tcase_add_test(tc, counts_past_list_count_exact_shorten);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_view_list: no C.UTF-8 locale\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(view_list_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
