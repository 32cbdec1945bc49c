/* test_view_draw.c - untrusted text into curses cells: columns stay
 * aligned with wide and combining characters, rows wrap where they
 * should. Runs curses on a screen that writes to /dev/null. */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "theme.h"
#include "tui/view_draw.h"

static SCREEN *scr;
static FILE *out, *in;
static struct theme *th;

/* A curses screen on /dev/null. */
static void
setup(void)
{
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", out, in);
	ck_assert_ptr_nonnull(scr);
	resizeterm(10, 40);
	th = theme_builtin();
	draw_colors_init(false, th);
}

/* Close the screen. */
static void
teardown(void)
{
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	theme_free(th);
}

/* The character drawn at y, x (the first of the cell). */
static wchar_t
cell(int y, int x, int *nchars)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a;
	short pair;

	mvwin_wch(stdscr, y, x, &cc);
	getcchar(&cc, wc, &a, &pair, NULL);
	if (nchars != NULL)
		*nchars = (int)wcslen(wc);
	return wc[0];
}

START_TEST(wide_and_combining_characters_take_their_columns)
{
	ck_assert_int_eq(draw_width("a\xf0\x9f\x98\x80"
	                            "b",
	                     6),
	    4);
	ck_assert_int_eq(draw_width("e\xcc\x81", 3), 1);
	ck_assert_int_eq(draw_width("\xe7\x95\x8c", 3), 2); /* CJK */
}
END_TEST

START_TEST(a_wide_character_that_does_not_fit_is_left_for_the_next_row)
{
	/* "abc" + emoji: only 3 columns fit in 4. */
	ck_assert_uint_eq(draw_fit("abc\xf0\x9f\x98\x80"
	                           "d",
	                      8, 4),
	    3);
	/* One character always fits, so wrapping cannot stall. */
	ck_assert_uint_eq(draw_fit("\xf0\x9f\x98\x80", 4, 1), 4);
}
END_TEST

START_TEST(wrapping_prefers_a_space_in_the_second_half)
{
	const char *s = "hello world foo";

	ck_assert_uint_eq(draw_wrap_fit(s, strlen(s), 13), 12);
	ck_assert_uint_eq(draw_wrap_fit("abcdefghij", 10, 4), 4);
	ck_assert_int_eq(draw_wrap_rows(s, strlen(s), 13), 2);
	ck_assert_int_eq(draw_wrap_rows(s, strlen(s), 40), 1);
}
END_TEST

START_TEST(cells_line_up_after_wide_and_combining_text)
{
	const char *s = "a\xf0\x9f\x98\x80"
	                "e\xcc\x81z";
	int n;

	erase();
	draw_text(stdscr, 0, 0, 10, s, strlen(s), 0, A_NORMAL, NULL);
	ck_assert_int_eq(cell(0, 0, NULL), L'a');
	ck_assert_int_eq(cell(0, 1, NULL), 0x1f600);
	ck_assert_int_eq(cell(0, 3, &n), L'e');
	ck_assert_int_eq(n, 2); /* the accent joined the e */
	ck_assert_int_eq(cell(0, 4, NULL), L'z');
}
END_TEST

START_TEST(a_wide_character_cut_by_the_edge_is_blank)
{
	const char *s = "x\xf0\x9f\x98\x80"
	                "y";

	erase();
	mvaddstr(0, 2, "#");
	draw_text(stdscr, 0, 0, 2, s, strlen(s), 0, A_NORMAL, NULL);
	ck_assert_int_eq(cell(0, 0, NULL), L'x');
	ck_assert_int_eq(cell(0, 1, NULL), L' ');
	ck_assert_int_eq(cell(0, 2, NULL), L'#'); /* nothing spilled */
	/* Scrolled one column: the emoji's second half is a blank too. */
	erase();
	draw_text(stdscr, 0, 0, 3, s, strlen(s), 2, A_NORMAL, NULL);
	ck_assert_int_eq(cell(0, 0, NULL), L' ');
	ck_assert_int_eq(cell(0, 1, NULL), L'y');
}
END_TEST

START_TEST(untrusted_text_is_escaped_before_it_reaches_a_cell)
{
	const char *s = "\x1b[2J\x07ok\xff";
	int x;

	erase();
	draw_untrusted(stdscr, 1, 0, 30, s, strlen(s), A_NORMAL);
	for (x = 0; x < 30; x++) {
		wchar_t c = cell(1, x, NULL);

		ck_assert_msg(c >= 0x20 && c != 0x7f, "control at %d", x);
	}
	ck_assert_int_eq(cell(1, 0, NULL), L'\\');
}
END_TEST

START_TEST(untrusted_text_past_the_escape_limit_draws_its_start)
{
	static char big[9000 + 2];
	int cols;

	memset(big, 'a', 9000);
	big[9000] = '\x1b'; /* beyond DRAW_ESC_MAX (8 KiB) */
	erase();
	cols = draw_untrusted(stdscr, 2, 0, 30, big, sizeof big - 1, A_NORMAL);
	ck_assert_int_eq(cols, 30);
	ck_assert_int_eq(cell(2, 0, NULL), L'a');
	ck_assert_int_eq(cell(2, 29, NULL), L'a');
}
END_TEST

/* Drawing tests. */
static Suite *
view_draw_suite(void)
{
	Suite *s = suite_create("view_draw");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, wide_and_combining_characters_take_their_columns);
	tcase_add_test(
	    tc, a_wide_character_that_does_not_fit_is_left_for_the_next_row);
	tcase_add_test(tc, wrapping_prefers_a_space_in_the_second_half);
	tcase_add_test(tc, cells_line_up_after_wide_and_combining_text);
	tcase_add_test(tc, a_wide_character_cut_by_the_edge_is_blank);
	tcase_add_test(tc, untrusted_text_is_escaped_before_it_reaches_a_cell);
	tcase_add_test(
	    tc, untrusted_text_past_the_escape_limit_draws_its_start);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_view_draw: no C.UTF-8 locale\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(view_draw_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
