/* test_recost.c - which regex texts may go to glibc's regcomp: stacked
 * repetitions, too many copies and deep groups are refused with a reason;
 * long literals and everyday patterns pass; brackets are read as regcomp
 * reads them. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recost.h"

START_TEST(everyday_patterns_and_long_literals_pass)
{
	static const char *ok[] = {"timeout after [0-9]+s",
	    "[0-9]{1,3}(\\.[0-9]{1,3}){3}", "(a*)*[*+]+\\*+", "err(or)? on",
	    "[[:alpha:][=e=]]+", "((((((((a+)+)+)+)+)+)+)+)"};
	char err[128], big[4 * RECOST_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ck_assert_msg(recost_check(ok[i], err, sizeof err) == 0,
		    "%s refused: %s", ok[i], err);
	/* A literal longer than RECOST_MAX is one piece a byte. */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(recost_check(big, err, sizeof err), 0);
}
END_TEST

START_TEST(what_would_take_gigabytes_or_minutes_is_refused)
{
	char err[128], text[64];

	ck_assert_int_eq(recost_check("row+++", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot follow another"));
	ck_assert_int_eq(
	    recost_check("r$x**y***+**********+++++", err, sizeof err), -1);
	ck_assert_int_eq(recost_check("a*?", err, sizeof err), -1);
	/* Back-references: regexec backtracks, seconds on 80 bytes. A
	 * backslash in a bracket is itself; an escaped backslash is one. */
	ck_assert_int_eq(
	    recost_check("((a*)*)\\2\\1\\2\\1b", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "back-references"));
	ck_assert_int_eq(recost_check("(x)\\1", err, sizeof err), -1);
	ck_assert_int_eq(recost_check("[\\1]x", err, sizeof err), 0);
	ck_assert_int_eq(recost_check("a\\\\1", err, sizeof err), 0);
	/* Only ".]" closes "[.": the '+'s stack on one bracket (fuzz_search
	 * found 23 of them taking regcomp 2.3 GB). */
	ck_assert_int_eq(recost_check("[[.].]a[]++", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot follow another"));
	ck_assert_int_eq(
	    recost_check("((((((((((a+)+)+)+)+)+)+)+)+)+", err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "repeats too much"));
	ck_assert_int_eq(
	    recost_check("(a{1,100}){1,100}", err, sizeof err), -1);
	/* x{1,N} is 1 + (N - 1) copies + its own node. */
	snprintf(text, sizeof text, "x{1,%d}", RECOST_MAX - 1);
	ck_assert_int_eq(recost_check(text, err, sizeof err), 0);
	snprintf(text, sizeof text, "x{1,%d}", RECOST_MAX);
	ck_assert_int_eq(recost_check(text, err, sizeof err), -1);
}
END_TEST

START_TEST(groups_nest_at_most_the_depth_limit)
{
	char err[128], text[2 * RECOST_DEPTH_MAX + 8];
	int i, n;

	for (n = RECOST_DEPTH_MAX; n <= RECOST_DEPTH_MAX + 1; n++) {
		for (i = 0; i < n; i++)
			text[i] = '(';
		text[n] = 'a';
		for (i = 0; i < n; i++)
			text[n + 1 + i] = ')';
		text[2 * n + 1] = '\0';
		ck_assert_int_eq(recost_check(text, err, sizeof err),
		    n > RECOST_DEPTH_MAX ? -1 : 0);
	}
	ck_assert_ptr_nonnull(strstr(err, "nested more than"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("recost");
	TCase *tc = tcase_create("recost");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, everyday_patterns_and_long_literals_pass);
	tcase_add_test(tc, what_would_take_gigabytes_or_minutes_is_refused);
	tcase_add_test(tc, groups_nest_at_most_the_depth_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
