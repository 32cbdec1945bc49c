/* test_scrollback.c - the bounded line store. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tui/scrollback.h"
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

/* An INFO line from src with ISO timestamp ts (NULL: none). */
static int64_t
append_at(struct scrollback *sb, uint16_t src, const char *ts)
{
	struct log_event ev = mkev(LEVEL_INFO, "x");

	if (ts != NULL) {
		ev.timestamp.p = ts;
		ev.timestamp.n = strlen(ts);
	}
	return sb_append(sb, src, &ev);
}

START_TEST(marker_reads_back_with_its_kind_and_time)
{
	struct scrollback *sb = sb_new(1 << 20);
	const char *text = "\xe2\x94\x80\xe2\x94\x80 run 7 started 14:02:11 "
	                   "\xe2\x94\x80\xe2\x94\x80";
	struct sb_line l;
	struct sb_key k;

	append_at(sb, 0, "2024-05-01T12:00:00Z");
	ck_assert_int_eq(sb_append_mark(sb, 4, SB_KIND_RUN, 1714564931000LL,
	                     text, strlen(text)),
	    1);
	ck_assert(sb_get(sb, 1, &l));
	ck_assert_int_eq(l.kind, SB_KIND_RUN);
	ck_assert_str_eq(l.msg, text);
	ck_assert_int_eq(l.ts_ms, 1714564931000LL);
	ck_assert_int_eq(l.order_ms, 1714564931000LL);
	ck_assert_int_eq(l.src, 4);
	ck_assert_int_eq(l.level, LEVEL_INFO);
	ck_assert_int_eq(l.id, -1);
	ck_assert_uint_eq(l.lvname_len, 0);
	ck_assert_uint_eq(l.raw_len, 0);
	ck_assert(sb_key(sb, 1, &k));
	ck_assert_int_eq(k.kind, SB_KIND_RUN);
	ck_assert_int_eq(k.src, 4);
	ck_assert_int_eq(k.order_ms, 1714564931000LL);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_int_eq(l.kind, SB_KIND_LOG);
	ck_assert_int_eq(sb_append_mark(sb, 4, SB_KIND_GAP, INT64_MIN,
	                     "lines before id 9 are no longer held", 36),
	    2);
	ck_assert(sb_get(sb, 2, &l));
	ck_assert_int_eq(l.kind, SB_KIND_GAP);
	ck_assert_int_eq(l.ts_ms, INT64_MIN);
	ck_assert_int_eq(l.order_ms, 1714564931000LL);
	sb_free(sb);
}
END_TEST

START_TEST(marker_of_another_kind_is_refused)
{
	struct scrollback *sb = sb_new(1 << 20);

	ck_assert_int_eq(sb_append_mark(sb, 0, SB_KIND_LOG, 0, "x", 1), -1);
	ck_assert_int_eq(sb_append_mark(sb, 0, 9, 0, "x", 1), -1);
	ck_assert_uint_eq(sb_end(sb), 0);
	sb_free(sb);
}
END_TEST

START_TEST(marker_text_with_controls_is_escaped)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;

	sb_append_mark(sb, 0, SB_KIND_RUN, 0, "run \x1b]0;pwned\x07", 14);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_ptr_null(strchr(l.msg, '\x1b'));
	ck_assert_ptr_null(strchr(l.msg, '\x07'));
	ck_assert_ptr_nonnull(strstr(l.msg, "pwned"));
	sb_free(sb);
}
END_TEST

START_TEST(marker_text_past_the_limit_is_cut_and_marked)
{
	struct scrollback *sb = sb_new(1 << 20);
	size_t n = 100 * 1024;
	char *big = malloc(n);
	struct sb_line l;

	memset(big, '-', n);
	ck_assert_int_eq(sb_append_mark(sb, 0, SB_KIND_GAP, 0, big, n), 0);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_uint_lt(l.msg_len, n);
	ck_assert_str_eq(l.msg + l.msg_len - 3, "\xe2\x80\xa6");
	ck_assert_int_eq(l.kind, SB_KIND_GAP);
	free(big);
	sb_free(sb);
}
END_TEST

START_TEST(line_without_time_sorts_at_its_sources_last_time)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;

	append_at(sb, 1, "2024-05-01T12:00:00.100Z");
	append_at(sb, 2, "2024-05-01T12:00:09Z");
	append_at(sb, 1, NULL);
	append_at(sb, 1, "garbage");
	ck_assert(sb_get(sb, 2, &l));
	ck_assert_int_eq(l.ts_ms, INT64_MIN);
	ck_assert_int_eq(l.order_ms, 1714564800100LL);
	ck_assert(sb_get(sb, 3, &l));
	ck_assert_int_eq(l.ts_ms, INT64_MIN);
	ck_assert_int_eq(l.order_ms, 1714564800100LL);
	ck_assert(sb_get(sb, 1, &l));
	ck_assert_int_eq(l.order_ms, l.ts_ms);
	sb_free(sb);
}
END_TEST

/* Wall clock in Unix ms. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(first_line_without_time_sorts_at_its_arrival)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;
	int64_t before, after;

	append_at(sb, 1, "2024-05-01T12:00:00Z");
	before = now_ms();
	append_at(sb, 2, NULL);
	after = now_ms();
	ck_assert(sb_get(sb, 1, &l));
	ck_assert_int_eq(l.ts_ms, INT64_MIN);
	ck_assert_int_ge(l.order_ms, before);
	ck_assert_int_le(l.order_ms, after);
	sb_free(sb);
}
END_TEST

START_TEST(highest_source_index_keeps_its_time)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;

	append_at(sb, SB_SOURCES - 1, "2024-05-01T12:00:00Z");
	append_at(sb, 0, "2025-05-01T12:00:00Z");
	append_at(sb, SB_SOURCES - 1, NULL);
	ck_assert(sb_get(sb, 2, &l));
	ck_assert_int_eq(l.src, SB_SOURCES - 1);
	ck_assert_int_eq(l.order_ms, 1714564800000LL);
	sb_free(sb);
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
	tcase_add_test(tc, marker_reads_back_with_its_kind_and_time);
	tcase_add_test(tc, marker_of_another_kind_is_refused);
	tcase_add_test(tc, marker_text_with_controls_is_escaped);
	tcase_add_test(tc, marker_text_past_the_limit_is_cut_and_marked);
	tcase_add_test(tc, line_without_time_sorts_at_its_sources_last_time);
	tcase_add_test(tc, first_line_without_time_sorts_at_its_arrival);
	tcase_add_test(tc, highest_source_index_keeps_its_time);
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
