/* test_keys.c - the key table the dispatcher and the help share. */
#include <check.h>
#include <curses.h>
#include <stdlib.h>

#include "tui/keys.h"

START_TEST(every_action_has_a_key_and_a_help_line)
{
	const struct key_binding *tab;
	size_t n, i;
	int a;
	bool found;

	tab = keys_table(&n);
	ck_assert(tab[0].help != NULL);
	for (a = ACT_NONE + 1; a < ACT_COUNT; a++) {
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
}
END_TEST

START_TEST(enter_in_the_list_fills_the_pane_o_in_a_pane_chooses)
{
	ck_assert_int_eq(keys_lookup('\r', KEYS_LIST), ACT_SHOW);
	ck_assert_int_eq(keys_lookup('o', KEYS_LIST), ACT_SHOW);
	ck_assert_int_eq(keys_lookup('o', KEYS_LOG), ACT_FOCUS_LIST);
	ck_assert_str_eq(keys_action_name(ACT_SHOW), "show");
	ck_assert_str_eq(keys_action_name(ACT_FOCUS_LIST), "choose");
}
END_TEST

START_TEST(issue_keys_are_bound)
{
	ck_assert_int_eq(keys_lookup('F', KEYS_LOG), ACT_FOLLOW);
	ck_assert_int_eq(keys_lookup(KEY_END | KEYS_FN, KEYS_LOG), ACT_FOLLOW);
	ck_assert_int_eq(keys_lookup(KEYS_CTRL('u'), KEYS_LOG), ACT_HALF_UP);
	ck_assert_int_eq(keys_lookup(KEYS_CTRL('d'), KEYS_LOG), ACT_HALF_DOWN);
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

START_TEST(rebinding_replaces_the_default_keys_of_that_action)
{
	char names[64];

	keys_unbind_all();
	ck_assert_int_eq(keys_bind("pause", 'p', "p"), 0);
	ck_assert_int_eq(keys_lookup('p', KEYS_LOG), ACT_PAUSE);
	ck_assert_int_eq(keys_lookup(' ', KEYS_LOG), ACT_NONE);
	ck_assert_int_eq(keys_lookup(' ', KEYS_LIST), ACT_WATCH);
	keys_names(ACT_PAUSE, KEYS_LOG, names, sizeof names);
	ck_assert_str_eq(names, "p");
	keys_unbind_all();
	ck_assert_int_eq(keys_lookup(' ', KEYS_LOG), ACT_PAUSE);
}
END_TEST

START_TEST(rebinding_wins_over_another_actions_default_key)
{
	char names[64];

	keys_unbind_all();
	ck_assert_int_eq(keys_bind("quit", 'w', "w"), 0);
	ck_assert_int_eq(keys_lookup('w', KEYS_LOG), ACT_QUIT);
	/* wrap lost its only key, and the help says so. */
	keys_names(ACT_WRAP, KEYS_ANY, names, sizeof names);
	ck_assert_str_eq(names, "");
	keys_names(ACT_DOWN, KEYS_ANY, names, sizeof names);
	ck_assert_str_eq(names, "j Down");
	keys_unbind_all();
}
END_TEST

START_TEST(unknown_action_and_too_many_bindings_are_refused)
{
	int i;

	keys_unbind_all();
	ck_assert_int_eq(keys_bind("fly", 'x', "x"), -1);
	for (i = 0; i < KEYS_BIND_MAX; i++)
		ck_assert_int_eq(keys_bind("quit", 0x100 + i, "k"), 0);
	ck_assert_int_eq(keys_bind("quit", 'x', "x"), -1);
	keys_unbind_all();
}
END_TEST

START_TEST(every_action_has_a_configuration_name)
{
	int a;

	for (a = ACT_NONE + 1; a < ACT_COUNT; a++) {
		if (a == ACT_MOUSE)
			continue;
		ck_assert_msg(keys_action_name(a) != NULL, "action %d", a);
	}
	ck_assert_str_eq(keys_action_name(ACT_SPLIT_DIR), "split-direction");
}
END_TEST

/* Key table tests. */
START_TEST(key_names_parse_into_codes)
{
	ck_assert_int_eq(keys_parse_name("q"), 'q');
	ck_assert_int_eq(keys_parse_name("Space"), ' ');
	ck_assert_int_eq(keys_parse_name("enter"), '\r');
	ck_assert_int_eq(keys_parse_name("C-u"), 0x15);
	ck_assert_int_eq(keys_parse_name("Ctrl-D"), 0x04);
	ck_assert_int_eq(keys_parse_name("PgDn"), KEYS_FN | KEY_NPAGE);
	ck_assert_int_eq(keys_parse_name("F12"), KEYS_FN | KEY_F(12));
	ck_assert_int_eq(keys_parse_name("\xc3\xa9"), 0xe9);
	ck_assert_int_eq(keys_parse_name("F13"), -1);
	ck_assert_int_eq(keys_parse_name("qq"), -1);
	ck_assert_int_eq(keys_parse_name(""), -1);
	ck_assert_int_eq(keys_parse_name("C-1"), -1);
	ck_assert_int_eq(keys_parse_name("\x1b"), -1);
}
END_TEST

START_TEST(every_action_name_maps_back_to_its_action)
{
	const char *const *names = keys_action_names();
	size_t n = 0;

	for (; names[n] != NULL; n++)
		ck_assert_int_eq(
		    keys_action_by_name(names[n]), ACT_NONE + 1 + (int)n);
	ck_assert_uint_eq(n, ACT_MOUSE - ACT_NONE - 1);
	ck_assert_str_eq(keys_action_name(ACT_FOCUS_LIST), "choose");
	ck_assert_int_eq(keys_action_by_name("filter-list"), ACT_FILTER_LIST);
	ck_assert_int_eq(keys_action_by_name("mouse"), ACT_NONE);
	ck_assert_int_eq(keys_action_by_name("pasue"), ACT_NONE);
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_action_has_a_key_and_a_help_line);
	tcase_add_test(
	    tc, question_mark_is_help_in_the_list_and_search_in_a_log);
	tcase_add_test(tc, space_pauses_a_log_and_watches_in_the_list);
	tcase_add_test(
	    tc, enter_in_the_list_fills_the_pane_o_in_a_pane_chooses);
	tcase_add_test(tc, issue_keys_are_bound);
	tcase_add_test(tc, rebinding_replaces_the_default_keys_of_that_action);
	tcase_add_test(tc, rebinding_wins_over_another_actions_default_key);
	tcase_add_test(tc, unknown_action_and_too_many_bindings_are_refused);
	tcase_add_test(tc, every_action_has_a_configuration_name);
	tcase_add_test(tc, key_names_parse_into_codes);
	tcase_add_test(tc, every_action_name_maps_back_to_its_action);
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
