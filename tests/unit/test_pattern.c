/* test_pattern.c - the shape of a message: placeholders and the hash. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pattern.h"

/* The shape of s (a C string), in a static buffer. */
static const char *
shape(const char *s)
{
	static char out[PATTERN_TEXT_MAX + 1];

	pattern_norm(s, strlen(s), out, sizeof out);
	return out;
}

START_TEST(numbers_in_a_retry_line_become_n)
{
	ck_assert_str_eq(shape("retrying upload of chunk 17 (attempt 3)"),
	    "retrying upload of chunk <n> (attempt <n>)");
	ck_assert_str_eq(shape("extract: reading 18,204 rows from orders"),
	    "extract: reading <n>,<n> rows from orders");
	ck_assert_str_eq(shape("took 3.25 s at 2024-12-07 14:02:11."),
	    "took <n> s at <n> <n>:<n>:<n>.");
}
END_TEST

START_TEST(ids_hex_durations_and_quotes_get_their_placeholders)
{
	ck_assert_str_eq(shape("step finished in 331ms"),
	    "step finished in <dur>");
	ck_assert_str_eq(shape("waited 1m30s then 2.5s"),
	    "waited <dur> then <dur>");
	ck_assert_str_eq(shape("object 0x7ffd1c freed"), "object <hex> freed");
	ck_assert_str_eq(shape("commit 3f9a2b1c9d pushed"),
	    "commit <hex> pushed");
	ck_assert_str_eq(
	    shape("request 123e4567-e89b-12d3-a456-426614174000 done"),
	    "request <hex> done");
	ck_assert_str_eq(shape("user42 in run-7f3a9 of ord_8f3a2"),
	    "<id> in <id> of <id>");
	ck_assert_str_eq(shape("user \"bob smith\" and 'x 1' not found"),
	    "user <q> and <q> not found");
}
END_TEST

START_TEST(words_without_digits_and_apostrophes_stay_text)
{
	ck_assert_str_eq(shape("don't retry the added facade"),
	    "don't retry the added facade");
	/* A quote that does not close stays text. */
	ck_assert_str_eq(shape("a \"b 12"), "a \"b <n>");
	ck_assert_str_eq(shape(""), "");
}
END_TEST

START_TEST(only_the_first_line_counts)
{
	const char *a = "Traceback 1\n  File \"x.py\", line 3";
	const char *b = "Traceback 2\n  File \"y.py\", line 9\nmore";

	ck_assert_str_eq(shape(a), "Traceback <n>");
	ck_assert(pattern_hash(a, strlen(a)) == pattern_hash(b, strlen(b)));
}
END_TEST

START_TEST(same_shape_same_hash_other_shape_other_hash)
{
	const char *a = "retrying upload of chunk 17 (attempt 3)";
	const char *b = "retrying upload of chunk 9000 (attempt 12)";
	const char *c = "retrying download of chunk 17 (attempt 3)";
	char t[PATTERN_TEXT_MAX + 1];

	ck_assert(pattern_hash(a, strlen(a)) == pattern_hash(b, strlen(b)));
	ck_assert(pattern_hash(a, strlen(a)) != pattern_hash(c, strlen(c)));
	/* pattern_norm returns the same hash as pattern_hash, and it is
	 * stable: hash_words64 of the shape text, the same on every run
	 * and machine. */
	ck_assert(pattern_norm(a, strlen(a), t, sizeof t) ==
	          pattern_hash(a, strlen(a)));
	ck_assert(pattern_hash("x", 1) == 0x37a8d2f3df046728ULL);
}
END_TEST

START_TEST(messages_with_nuls_and_bytes_are_shaped_by_length)
{
	const char m[] = "a\0b 12\xff";

	ck_assert(pattern_hash(m, sizeof m - 1) ==
	          pattern_hash("a\0b 99\xff", sizeof m - 1));
	ck_assert(pattern_hash(m, sizeof m - 1) != pattern_hash(m, 1));
}
END_TEST

START_TEST(long_messages_are_read_up_to_the_scan_limit)
{
	size_t n = PATTERN_SCAN_MAX + 100;
	char *a = malloc(n), *b = malloc(n), out[PATTERN_TEXT_MAX + 1];

	memset(a, 'a', n);
	memcpy(b, a, n);
	b[PATTERN_SCAN_MAX + 10] = 'b';
	/* Differences past the scan limit do not count, before it they do. */
	ck_assert(pattern_hash(a, n) == pattern_hash(b, n));
	b[PATTERN_SCAN_MAX - 1] = 'b';
	ck_assert(pattern_hash(a, n) != pattern_hash(b, n));
	/* The text is cut at PATTERN_TEXT_MAX and NUL-ended. */
	pattern_norm(a, n, out, sizeof out);
	ck_assert_uint_eq(strlen(out), PATTERN_TEXT_MAX);
	/* A quote longer than PATTERN_QUOTE_MAX is no <q>. */
	memset(a, 'q', n);
	a[0] = '"';
	a[PATTERN_QUOTE_MAX + 5] = '"';
	pattern_norm(a, PATTERN_QUOTE_MAX + 6, out, sizeof out);
	ck_assert(strcmp(out, "<q>") != 0);
	a[PATTERN_QUOTE_MAX] = '"';
	pattern_norm(a, PATTERN_QUOTE_MAX + 1, out, sizeof out);
	ck_assert_str_eq(out, "<q>");
	free(a);
	free(b);
}
END_TEST

static Suite *
pattern_suite(void)
{
	Suite *s = suite_create("pattern");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, numbers_in_a_retry_line_become_n);
	tcase_add_test(tc, ids_hex_durations_and_quotes_get_their_placeholders);
	tcase_add_test(tc, words_without_digits_and_apostrophes_stay_text);
	tcase_add_test(tc, only_the_first_line_counts);
	tcase_add_test(tc, same_shape_same_hash_other_shape_other_hash);
	tcase_add_test(tc, messages_with_nuls_and_bytes_are_shaped_by_length);
	tcase_add_test(tc, long_messages_are_read_up_to_the_scan_limit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pattern_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
