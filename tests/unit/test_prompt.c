/* test_prompt.c - the prompt's line editor: typing up to the limit,
 * Backspace by whole characters, and what each key means. */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/prompt.h"

START_TEST(typed_characters_append_and_backspace_removes_one)
{
	struct prompt p;

	prompt_reset(&p, "ab", PROMPT_TEXT_MAX);
	ck_assert_int_eq(prompt_key(&p, 'c'), PROMPT_EDITED);
	ck_assert_str_eq(p.text, "abc");
	ck_assert_int_eq(prompt_key(&p, 0xe9), PROMPT_EDITED); /* é */
	ck_assert_str_eq(p.text, "abc\xc3\xa9");
	ck_assert_int_eq(prompt_key(&p, 0x7f), PROMPT_EDITED);
	ck_assert_str_eq(p.text, "abc");
	ck_assert_int_eq(
	    prompt_key(&p, KEYS_FN | KEY_BACKSPACE), PROMPT_EDITED);
	ck_assert_str_eq(p.text, "ab");
	ck_assert_int_eq(prompt_key(&p, KEYS_CTRL('u')), PROMPT_EDITED);
	ck_assert_str_eq(p.text, "");
	ck_assert_uint_eq(p.len, 0);
}
END_TEST

START_TEST(keys_that_are_not_text_say_what_they_mean)
{
	struct prompt p;

	prompt_reset(&p, "", PROMPT_TEXT_MAX);
	ck_assert_int_eq(prompt_key(&p, '\r'), PROMPT_ENTER);
	ck_assert_int_eq(prompt_key(&p, KEYS_FN | KEY_ENTER), PROMPT_ENTER);
	ck_assert_int_eq(prompt_key(&p, 0x1b), PROMPT_CANCEL);
	ck_assert_int_eq(prompt_key(&p, KEYS_CTRL('g')), PROMPT_CANCEL);
	ck_assert_int_eq(prompt_key(&p, '\t'), PROMPT_TAB);
	ck_assert_int_eq(prompt_key(&p, KEYS_FN | KEY_UP), PROMPT_IGNORED);
	ck_assert_int_eq(prompt_key(&p, 0x85), PROMPT_IGNORED);
	ck_assert_int_eq(prompt_key(&p, 0x01), PROMPT_IGNORED);
	ck_assert_str_eq(p.text, "");
}
END_TEST

START_TEST(text_stops_at_the_prompts_limit)
{
	struct prompt p;
	int k;

	prompt_reset(&p, "", 4);
	for (k = 0; k < 10; k++)
		prompt_key(&p, 'x');
	ck_assert_str_eq(p.text, "xxxx");
	/* A two-byte character does not fit in the one byte left. */
	prompt_key(&p, 0x7f);
	ck_assert_int_eq(prompt_key(&p, 0xe9), PROMPT_IGNORED);
	ck_assert_str_eq(p.text, "xxx");
	/* Text given at the start is cut to the limit too. */
	prompt_reset(&p, "abcdefgh", 4);
	ck_assert_str_eq(p.text, "abcd");
	prompt_reset(&p, "", 100000);
	ck_assert_uint_eq(p.max, PROMPT_TEXT_MAX);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prompt");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 77; /* skip: no UTF-8 locale to encode with */
	tcase_add_test(tc, typed_characters_append_and_backspace_removes_one);
	tcase_add_test(tc, keys_that_are_not_text_say_what_they_mean);
	tcase_add_test(tc, text_stops_at_the_prompts_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
