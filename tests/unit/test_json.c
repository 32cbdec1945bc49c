/* test_json.c - the zero-allocation JSON scanner. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

/* True when s is one valid JSON text (whitespace around allowed). */
static bool
valid(const char *s)
{
	struct json_value v;
	const char *end = s + strlen(s), *p;

	p = json_value(s, end, &v);
	return p != NULL && json_skip_ws(p, end) == end;
}

/* A text of depth nested arrays: [[[...]]]. */
static char *
nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);

	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

START_TEST(grammar_accepts_every_value_kind)
{
	ck_assert(valid("{\"a\":[1,-2.5e+3,0,true,false,null,\"x\",{}],"
	                "\"b\":{\"c\":[]}}"));
	ck_assert(valid(" \t\r\n42 \n"));
	ck_assert(valid("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\""));
	ck_assert(valid("-0.0E-7"));
}
END_TEST

START_TEST(grammar_rejects_structural_errors)
{
	ck_assert(!valid(""));
	ck_assert(!valid("{"));
	ck_assert(!valid("{\"a\":1,}"));
	ck_assert(!valid("[1,]"));
	ck_assert(!valid("[,1]"));
	ck_assert(!valid("{\"a\" 1}"));
	ck_assert(!valid("{a:1}"));
	ck_assert(!valid("[1 2]"));
	ck_assert(!valid("[1}"));
	ck_assert(!valid("{\"a\":1]"));
	ck_assert(!valid("01"));
	ck_assert(!valid("1."));
	ck_assert(!valid(".5"));
	ck_assert(!valid("1e"));
	ck_assert(!valid("-"));
	ck_assert(!valid("+1"));
	ck_assert(!valid("tru"));
	ck_assert(!valid("nul"));
	ck_assert(!valid("True"));
	ck_assert(!valid("{} {}"));
	ck_assert(!valid("\"open"));
	ck_assert(!valid("\"bad \\x escape\""));
	ck_assert(!valid("\"short \\u12\""));
	ck_assert(!valid("\"bad hex \\u12g4\""));
	ck_assert(!valid("\"ends in backslash\\"));
}
END_TEST

START_TEST(strings_may_hold_raw_controls_and_bad_utf8)
{
	ck_assert(valid("\"tab\there\x1b[31m\x01\""));
	ck_assert(valid("\"\xff\xfe\xc0\x80\xed\xa0\x80\""));
	ck_assert(valid("[\"a\nb\"]"));
}
END_TEST

START_TEST(nesting_up_to_max_depth_is_accepted)
{
	char *s = nested(JSON_MAX_DEPTH);

	ck_assert(valid(s));
	free(s);
}
END_TEST

START_TEST(nesting_past_max_depth_is_rejected)
{
	char *s = nested(JSON_MAX_DEPTH + 1);

	ck_assert(!valid(s));
	free(s);
}
END_TEST

START_TEST(hostile_nesting_does_not_exhaust_the_stack)
{
	char *s = nested(1000000);

	ck_assert(!valid(s));
	free(s);
}
END_TEST

/* Walk "{"a": <depth nested arrays>}" and return json_iter_next's answer
 * for its member. */
static int
member_at_depth(int depth)
{
	char *inner = nested(depth), *obj;
	size_t n = strlen(inner) + 8;
	struct json_iter it;
	struct json_value k, v;
	int r;

	obj = malloc(n);
	snprintf(obj, n, "{\"a\":%s}", inner);
	ck_assert_int_eq(json_iter_begin(&it, obj, obj + strlen(obj), '{'), 0);
	r = json_iter_next(&it, &k, &v);
	free(inner);
	free(obj);
	return r;
}

START_TEST(object_member_nesting_counts_the_object_itself)
{
	ck_assert_int_eq(member_at_depth(JSON_MAX_DEPTH - 1), 1);
	ck_assert_int_eq(member_at_depth(JSON_MAX_DEPTH), -1);
}
END_TEST

START_TEST(iterator_walks_members_in_order)
{
	const char *s = " { \"a\" : 1 , \"b\\u0062\":\"x\\ty\", \"c\":[{}] } ";
	const char *end = s + strlen(s);
	struct json_iter it;
	struct json_value k, v;

	ck_assert_int_eq(json_iter_begin(&it, s, end, '{'), 0);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), 1);
	ck_assert(json_body_eq(k.s, k.sn, k.escaped, "a", 1));
	ck_assert_int_eq(v.type, JSON_NUMBER);
	ck_assert_int_eq((int)v.n, 1);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), 1);
	ck_assert(k.escaped);
	ck_assert(json_body_eq(k.s, k.sn, k.escaped, "bb", 2));
	ck_assert_int_eq(v.type, JSON_STRING);
	ck_assert(v.escaped);
	ck_assert_int_eq((int)v.sn, 4);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), 1);
	ck_assert_int_eq(v.type, JSON_ARRAY);
	ck_assert_int_eq((int)v.n, 4);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), 0);
	ck_assert(json_skip_ws(it.p, end) == end);
}
END_TEST

START_TEST(iterator_reports_errors_mid_object)
{
	const char *s = "{\"a\":1,\"b\":tru}";
	struct json_iter it;
	struct json_value k, v;

	ck_assert_int_eq(json_iter_begin(&it, s, s + strlen(s), '{'), 0);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), 1);
	ck_assert_int_eq(json_iter_next(&it, &k, &v), -1);
	ck_assert_int_eq(json_iter_begin(&it, s, s + strlen(s), '['), -1);
}
END_TEST

/* Unescape the body b into a fresh string; *n gets its length. */
static char *
unescape(const char *b, size_t *n)
{
	size_t len = strlen(b), used;
	char *d = malloc(len + 1);

	*n = json_unescape(d, len, b, len, &used);
	ck_assert_uint_eq(used, len);
	d[*n] = '\0';
	return d;
}

START_TEST(unescape_handles_simple_escapes)
{
	size_t n;
	char *d = unescape("a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti", &n);

	ck_assert_str_eq(d, "a\"b\\c/d\be\ff\ng\rh\ti");
	free(d);
}
END_TEST

START_TEST(unescape_keeps_nul_and_what_follows)
{
	size_t n;
	char *d = unescape("before\\u0000after", &n);

	ck_assert_uint_eq(n, 12);
	ck_assert_mem_eq(d, "before\0after", 12);
	free(d);
}
END_TEST

START_TEST(unescape_joins_surrogate_pairs)
{
	size_t n;
	char *d = unescape("\\ud83d\\ude00|\\u00e9|\\u4e2d", &n);

	ck_assert_str_eq(d, "\xf0\x9f\x98\x80|\xc3\xa9|\xe4\xb8\xad");
	free(d);
}
END_TEST

START_TEST(unescape_replaces_lone_surrogates)
{
	size_t n;
	char *d = unescape("a\\ud800b\\udc00c\\ud83d\\u0041", &n);

	ck_assert_str_eq(d, "a\xef\xbf\xbd"
	                    "b\xef\xbf\xbd"
	                    "c\xef\xbf\xbd"
	                    "A");
	free(d);
}
END_TEST

START_TEST(unescape_copies_raw_bytes)
{
	size_t n;
	char *d = unescape("\x1b[2J\xff", &n);

	ck_assert_str_eq(d, "\x1b[2J\xff");
	free(d);
}
END_TEST

START_TEST(unescape_stops_before_an_item_past_cap)
{
	char d[8];
	size_t n, used;

	n = json_unescape(d, 5, "abcd\\u00e9xyz", 13, &used);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(used, 4);
	n = json_unescape(d, 3, "abcdef", 6, &used);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(used, 3);
	ck_assert_mem_eq(d, "abc", 3);
}
END_TEST

START_TEST(int_parses_digits_only_without_overflow)
{
	long long v = 0;

	ck_assert(json_int("1042", 4, &v));
	ck_assert_int_eq(v, 1042);
	ck_assert(json_int("-7", 2, &v));
	ck_assert_int_eq(v, -7);
	ck_assert(json_int("9223372036854775807", 19, &v));
	ck_assert(v == 9223372036854775807LL);
	ck_assert(json_int("-9223372036854775808", 20, &v));
	ck_assert(v == -9223372036854775807LL - 1);
	ck_assert(!json_int("9223372036854775808", 19, &v));
	ck_assert(!json_int("", 0, &v));
	ck_assert(!json_int("-", 1, &v));
	ck_assert(!json_int("1.5", 3, &v));
	ck_assert(!json_int("1e3", 3, &v));
	ck_assert(!json_int(" 1", 2, &v));
	/* Up to 18 digits are read without a bound check; 19 with one. */
	ck_assert(json_int("999999999999999999", 18, &v));
	ck_assert(v == 999999999999999999LL);
	ck_assert(json_int("-999999999999999999", 19, &v));
	ck_assert(v == -999999999999999999LL);
	ck_assert(json_int("9999999999999999999", 19, &v) == false);
	ck_assert(json_int("00000000000000000009", 20, &v));
	ck_assert_int_eq(v, 9);
	ck_assert(json_int("-0", 2, &v));
	ck_assert_int_eq(v, 0);
	ck_assert(!json_int("12345678901234567x", 18, &v));
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, grammar_accepts_every_value_kind);
	tcase_add_test(tc, grammar_rejects_structural_errors);
	tcase_add_test(tc, strings_may_hold_raw_controls_and_bad_utf8);
	tcase_add_test(tc, nesting_up_to_max_depth_is_accepted);
	tcase_add_test(tc, nesting_past_max_depth_is_rejected);
	tcase_add_test(tc, hostile_nesting_does_not_exhaust_the_stack);
	tcase_add_test(tc, object_member_nesting_counts_the_object_itself);
	tcase_add_test(tc, iterator_walks_members_in_order);
	tcase_add_test(tc, iterator_reports_errors_mid_object);
	tcase_add_test(tc, unescape_handles_simple_escapes);
	tcase_add_test(tc, unescape_keeps_nul_and_what_follows);
	tcase_add_test(tc, unescape_joins_surrogate_pairs);
	tcase_add_test(tc, unescape_replaces_lone_surrogates);
	tcase_add_test(tc, unescape_copies_raw_bytes);
	tcase_add_test(tc, unescape_stops_before_an_item_past_cap);
	tcase_add_test(tc, int_parses_digits_only_without_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
