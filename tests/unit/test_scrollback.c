/* test_scrollback.c - the bounded line store. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scrollback.h"
#include "tui_testutil.h"

START_TEST(appended_line_reads_back_with_all_fields)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct log_event ev = mkev(LEVEL_WARN, "disk almost full");
	struct sb_line l;
	int64_t seq;

	ev.id = 42;
	ev.timestamp.p = "2024-05-01T12:00:01.250Z";
	ev.timestamp.n = strlen(ev.timestamp.p);
	ev.raw.p = "{\"message\":\"disk almost full\"}";
	ev.raw.n = strlen(ev.raw.p);
	seq = sb_append(sb, 3, &ev);
	ck_assert_int_eq(seq, 0);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_str_eq(l.msg, "disk almost full");
	ck_assert_uint_eq(l.msg_len, 16);
	ck_assert_int_eq(l.level, LEVEL_WARN);
	ck_assert_int_eq(l.src, 3);
	ck_assert_int_eq(l.id, 42);
	ck_assert_int_eq(l.ts_ms, 1714564801250LL);
	ck_assert_uint_eq(l.raw_len, ev.raw.n);
	ck_assert(memcmp(l.raw, ev.raw.p, ev.raw.n) == 0);
	ck_assert_uint_eq(l.lvname_len, 4);
	ck_assert(memcmp(l.lvname, "WARN", 4) == 0);
	ck_assert_uint_eq(l.flags, 0);
	ck_assert(!sb_get(sb, 1, &l));
	sb_free(sb);
}
END_TEST

START_TEST(control_bytes_are_stored_as_visible_escapes)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct log_event ev = mkev(LEVEL_INFO, "a\x1b[2Jb\x07");
	struct sb_line l;

	sb_append(sb, 0, &ev);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_ptr_null(strchr(l.msg, '\x1b'));
	ck_assert_ptr_null(strchr(l.msg, '\x07'));
	ck_assert_ptr_nonnull(strstr(l.msg, "[2Jb"));
	sb_free(sb);
}
END_TEST

START_TEST(message_with_nul_keeps_the_rest)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct log_event ev = mkev(LEVEL_INFO, "x");
	struct sb_line l;

	ev.message.p = "before\0after";
	ev.message.n = 12;
	sb_append(sb, 0, &ev);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_ptr_nonnull(strstr(l.msg, "after"));
	sb_free(sb);
}
END_TEST

START_TEST(cap_evicts_oldest_lines_and_counts_them)
{
	size_t cap = 256 * 1024;
	struct scrollback *sb = sb_new(cap);
	char msg[200];
	struct log_event ev;
	struct sb_line l;
	uint64_t i, n = 20000;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "line %06llu %0150d",
		    (unsigned long long)i, 0);
		ev = mkev(LEVEL_INFO, msg);
		ck_assert_int_eq(sb_append(sb, 0, &ev), (int64_t)i);
		ck_assert_uint_le(sb_used(sb), cap);
	}
	ck_assert_uint_eq(sb_end(sb), n);
	ck_assert_uint_gt(sb_first(sb), 0);
	ck_assert_uint_eq(sb_evicted(sb), sb_first(sb));
	ck_assert(!sb_get(sb, sb_first(sb) - 1, &l));
	ck_assert(sb_get(sb, sb_first(sb), &l));
	snprintf(
	    msg, sizeof msg, "line %06llu ", (unsigned long long)sb_first(sb));
	ck_assert(strncmp(l.msg, msg, strlen(msg)) == 0);
	ck_assert(sb_get(sb, n - 1, &l));
	sb_free(sb);
}
END_TEST

START_TEST(tiny_lines_cannot_push_the_index_past_the_cap)
{
	size_t cap = 64 * 1024;
	struct scrollback *sb = sb_new(cap);
	struct log_event ev = mkev(LEVEL_INFO, "");
	int i;

	ev.raw.n = 0;
	ev.level_name.n = 0;
	for (i = 0; i < 100000; i++) {
		sb_append(sb, 0, &ev);
		ck_assert_uint_le(sb_used(sb), cap);
	}
	ck_assert_uint_gt(sb_evicted(sb), 0);
	sb_free(sb);
}
END_TEST

START_TEST(message_past_the_limit_is_cut_and_marked)
{
	struct scrollback *sb = sb_new(1 << 20);
	size_t n = 100 * 1024;
	char *big = malloc(n + 1);
	struct log_event ev;
	struct sb_line l;

	memset(big, 'x', n);
	big[n] = '\0';
	ev = mkev(LEVEL_INFO, big);
	ck_assert_int_eq(sb_append(sb, 0, &ev), 0);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_uint_lt(l.msg_len, n);
	ck_assert_str_eq(l.msg + l.msg_len - 3, "\xe2\x80\xa6");
	ck_assert_uint_eq(strlen(l.msg), l.msg_len);
	free(big);
	sb_free(sb);
}
END_TEST

START_TEST(long_level_name_and_raw_event_are_cut_to_fit)
{
	struct scrollback *sb = sb_new(64 * 1024); /* 8 KiB chunks */
	struct log_event ev = mkev(LEVEL_OTHER, "short");
	static char raw[20000];
	struct sb_line l;

	memset(raw, '{', sizeof raw);
	ev.level_name.p = "A-VERY-LONG-CUSTOM-LEVEL-NAME";
	ev.level_name.n = strlen(ev.level_name.p);
	ev.raw.p = raw;
	ev.raw.n = sizeof raw;
	ck_assert_int_eq(sb_append(sb, 0, &ev), 0);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_uint_eq(l.lvname_len, 15);
	ck_assert(memcmp(l.lvname, "A-VERY-LONG-CUS", 15) == 0);
	ck_assert_uint_gt(l.raw_len, 0);
	ck_assert_uint_lt(l.raw_len, 8192);
	ck_assert_uint_eq(l.flags, SB_CUT_RAW);
	ck_assert_str_eq(l.msg, "short");
	sb_free(sb);
}
END_TEST

START_TEST(timestamps_parse_with_offsets_and_fractions)
{
	const char *a = "1970-01-01T00:00:01Z";
	const char *b = "2024-02-29T23:59:59.5+01:00";
	const char *c = "2024-02-29T22:59:59.500000Z";
	const char *bad = "2024-13-01T00:00:00Z";

	ck_assert_int_eq(sb_parse_time(a, strlen(a)), 1000);
	ck_assert_int_eq(
	    sb_parse_time(b, strlen(b)), sb_parse_time(c, strlen(c)));
	ck_assert_int_eq(sb_parse_time(bad, strlen(bad)), INT64_MIN);
	ck_assert_int_eq(sb_parse_time("", 0), INT64_MIN);
	ck_assert_int_eq(sb_parse_time("2024-01-01", 10), INT64_MIN);
}
END_TEST

/* The store's tests. */
static Suite *
scrollback_suite(void)
{
	Suite *s = suite_create("scrollback");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, appended_line_reads_back_with_all_fields);
	tcase_add_test(tc, control_bytes_are_stored_as_visible_escapes);
	tcase_add_test(tc, message_with_nul_keeps_the_rest);
	tcase_add_test(tc, cap_evicts_oldest_lines_and_counts_them);
	tcase_add_test(tc, tiny_lines_cannot_push_the_index_past_the_cap);
	tcase_add_test(tc, message_past_the_limit_is_cut_and_marked);
	tcase_add_test(tc, long_level_name_and_raw_event_are_cut_to_fit);
	tcase_add_test(tc, timestamps_parse_with_offsets_and_fractions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scrollback_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
