/* test_keys.c - the key table the dispatcher and the help share. */
#include <check.h>
#include <curses.h>
#include <stdlib.h>

#include "keys.h"

START_TEST(every_action_has_a_key_and_a_help_line)
{
	const struct key_binding *tab;
	size_t n, i;
	int a;
	bool found;

	tab = keys_table(&n);
	ck_assert(tab[0].help != NULL);
	for (a = ACT_NONE + 1; a <= ACT_REDRAW; a++) {
		found = false;
		for (i = 0; i < n; i++) {
			if (tab[i].action == (enum action)a)
				found = true;
		}
		ck_assert_msg(found, "action %d has no key", a);
	}
}
END_TEST

START_TEST(question_mark_is_help_in_the_list_and_search_in_a_log)
{
	ck_assert_int_eq(keys_lookup('?', KEYS_LIST), ACT_HELP);
	ck_assert_int_eq(keys_lookup('?', KEYS_LOG), ACT_SEARCH_BACK);
	ck_assert_int_eq(keys_lookup(KEY_F(1) | KEYS_FN, KEYS_LOG), ACT_HELP);
	ck_assert_int_eq(keys_lookup(KEY_F(1) | KEYS_FN, KEYS_LIST), ACT_HELP);
}
END_TEST

START_TEST(space_pauses_a_log_and_watches_in_the_list)
{
	ck_assert_int_eq(keys_lookup(' ', KEYS_LOG), ACT_PAUSE);
	ck_assert_int_eq(keys_lookup(' ', KEYS_LIST), ACT_WATCH);
	ck_assert_int_eq(keys_lookup('\r', KEYS_LOG), ACT_DETAIL);
	ck_assert_int_eq(keys_lookup('\r', KEYS_LIST), ACT_WATCH);
}
END_TEST

START_TEST(issue_keys_are_bound)
{
	ck_assert_int_eq(keys_lookup('F', KEYS_LOG), ACT_FOLLOW);
	ck_assert_int_eq(keys_lookup(KEY_END | KEYS_FN, KEYS_LOG), ACT_FOLLOW);
	ck_assert_int_eq(keys_lookup(KEYS_CTRL('u'), KEYS_LOG), ACT_HALF_UP);
	ck_assert_int_eq(keys_lookup(KEYS_CTRL('d'), KEYS_LOG),
	    ACT_HALF_DOWN);
	ck_assert_int_eq(keys_lookup('1', KEYS_LOG), ACT_FLOOR_TRACE);
	ck_assert_int_eq(keys_lookup('5', KEYS_LOG), ACT_FLOOR_ERROR);
	ck_assert_int_eq(keys_lookup('W', KEYS_LOG), ACT_NEXT_WARN);
	ck_assert_int_eq(keys_lookup('&', KEYS_LOG), ACT_FILTER_KEEP);
	ck_assert_int_eq(keys_lookup('!', KEYS_LOG), ACT_FILTER_HIDE);
	ck_assert_int_eq(keys_lookup('q', KEYS_LIST), ACT_QUIT);
	ck_assert_int_eq(keys_lookup(KEYS_CTRL('c'), KEYS_LOG), ACT_QUIT);
	ck_assert_int_eq(keys_lookup('x', KEYS_LOG), ACT_NONE);
}
END_TEST

/* Key table tests. */
static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_action_has_a_key_and_a_help_line);
	tcase_add_test(tc, question_mark_is_help_in_the_list_and_search_in_a_log);
	tcase_add_test(tc, space_pauses_a_log_and_watches_in_the_list);
	tcase_add_test(tc, issue_keys_are_bound);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keys_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
