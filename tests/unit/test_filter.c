/* test_filter.c - level floor, keep/hide patterns and the sliced line
 * index a pane is drawn from. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "lineidx.h"
#include "tui_testutil.h"

/* A store with n lines cycling through the five levels and two sources;
 * line i says "msg i <level>". */
static struct scrollback *
mkstore(int n)
{
	struct scrollback *sb = sb_new(64 << 20);
	static const char *lv[] = {"trace", "debug", "info", "warn", "error"};
	char msg[64];
	struct log_event ev;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "msg %d %s", i, lv[i % 5]);
		ev = mkev(i % 5, msg);
		sb_append(sb, i % 2, &ev);
	}
	return sb;
}

/* Scan until caught up, in slices of 7 lines. */
static void
scan_all(struct lineidx *li, struct scrollback *sb, struct filter *f)
{
	int guard = 0;

	while (lineidx_pending(li, sb) && guard++ < 1000000)
		ck_assert_int_ge(lineidx_scan(li, sb, f, 7), 0);
}

START_TEST(level_floor_hides_lower_levels)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct sb_line l;
	size_t i;

	filter_init(&f);
	f.floor = LEVEL_WARN;
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 40);
	for (i = 0; i < lineidx_count(&li); i++) {
		ck_assert(sb_get(sb, lineidx_at(&li, i), &l));
		ck_assert_int_ge(l.level, LEVEL_WARN);
	}
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(other_level_ranks_as_info)
{
	struct filter f;

	filter_init(&f);
	f.floor = LEVEL_INFO;
	ck_assert(filter_pass_meta(&f, LEVEL_OTHER, 0));
	f.floor = LEVEL_WARN;
	ck_assert(!filter_pass_meta(&f, LEVEL_OTHER, 0));
	ck_assert(filter_pass_meta(&f, LEVEL_FATAL, 0));
}
END_TEST

START_TEST(keep_and_hide_patterns_stack)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	char err[128];

	filter_init(&f);
	ck_assert_int_eq(
	    filter_push(&f, "error|warn", true, err, sizeof err), 0);
	ck_assert_int_eq(
	    filter_push(&f, "msg 1[0-9] ", false, err, sizeof err), 0);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	/* 40 warn/error lines, minus msg 13, 14, 18, 19. */
	ck_assert_uint_eq(lineidx_count(&li), 36);
	filter_describe(&f, err, sizeof err);
	ck_assert_str_eq(err, "&error|warn !msg 1[0-9] ");
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(patterns_use_smart_case)
{
	struct pattern p;
	char err[128];

	ck_assert_int_eq(pattern_compile(&p, "timeout", err, sizeof err), 0);
	ck_assert(pattern_match(&p, "Connection TIMEOUT"));
	pattern_free(&p);
	ck_assert_int_eq(pattern_compile(&p, "Timeout", err, sizeof err), 0);
	ck_assert(!pattern_match(&p, "connection timeout"));
	ck_assert(pattern_match(&p, "Timeout after 5s"));
	pattern_free(&p);
}
END_TEST

START_TEST(bad_regex_is_refused_with_a_reason)
{
	struct filter f;
	char err[128] = "";

	filter_init(&f);
	ck_assert_int_eq(filter_push(&f, "a(b", true, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad pattern"));
	ck_assert_int_eq(f.npat, 0);
}
END_TEST

START_TEST(pattern_stack_stops_at_its_limit)
{
	struct filter f;
	char err[128] = "";
	int i;

	filter_init(&f);
	for (i = 0; i < FILTER_PATTERNS_MAX; i++)
		ck_assert_int_eq(
		    filter_push(&f, "x", false, err, sizeof err), 0);
	ck_assert_int_eq(filter_push(&f, "x", false, err, sizeof err), -1);
	ck_assert_int_eq(f.npat, FILTER_PATTERNS_MAX);
	filter_free(&f);
}
END_TEST

START_TEST(overlong_pattern_is_refused)
{
	struct pattern p;
	char text[FILTER_PATTERN_LEN + 2], err[128];

	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	ck_assert_int_eq(pattern_compile(&p, text, err, sizeof err), -1);
}
END_TEST

START_TEST(source_set_selects_streams)
{
	struct scrollback *sb = mkstore(10);
	struct filter f;
	struct lineidx li;

	filter_init(&f);
	f.all_sources = false;
	filter_set_source(&f, 1, true);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 5);
	ck_assert_uint_eq(lineidx_at(&li, 0), 1);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(scan_is_bounded_by_its_budget_and_reports_progress)
{
	struct scrollback *sb = mkstore(1000);
	struct filter f;
	struct lineidx li;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_rebuild(&li, sb);
	ck_assert_int_eq(lineidx_scan(&li, sb, &f, 250), 250);
	ck_assert_int_eq(lineidx_progress(&li, sb), 25);
	ck_assert(lineidx_pending(&li, sb));
	scan_all(&li, sb, &f);
	ck_assert_int_eq(lineidx_progress(&li, sb), 100);
	ck_assert_uint_eq(lineidx_count(&li), 1000);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(rebuild_after_floor_change_finds_the_same_event)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	uint64_t anchor;

	filter_init(&f);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	anchor = lineidx_at(&li, 54); /* msg 54: error */
	f.floor = LEVEL_ERROR;
	lineidx_rebuild(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 20);
	ck_assert_uint_eq(lineidx_at(&li, lineidx_lower(&li, anchor)), anchor);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(lines_arriving_later_are_filtered_too)
{
	struct scrollback *sb = mkstore(10);
	struct filter f;
	struct lineidx li;
	struct log_event ev;
	char err[64];

	filter_init(&f);
	filter_push(&f, "keep", true, err, sizeof err);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 0);
	ev = mkev(LEVEL_INFO, "please keep me");
	sb_append(sb, 0, &ev);
	ev = mkev(LEVEL_INFO, "drop me");
	sb_append(sb, 0, &ev);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 1);
	ck_assert_uint_eq(lineidx_at(&li, 0), 10);
	filter_free(&f);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(trim_drops_evicted_lines)
{
	struct scrollback *sb = sb_new(64 * 1024);
	struct filter f;
	struct lineidx li;
	struct log_event ev = mkev(LEVEL_INFO,
	    "a line long enough to fill the small store quickly............");
	int i;

	filter_init(&f);
	lineidx_init(&li, sb);
	for (i = 0; i < 5000; i++) {
		sb_append(sb, 0, &ev);
		scan_all(&li, sb, &f);
		lineidx_trim(&li, sb);
	}
	ck_assert_uint_gt(sb_first(sb), 0);
	ck_assert_uint_eq(lineidx_at(&li, 0), sb_first(sb));
	ck_assert_uint_eq(lineidx_count(&li), sb_end(sb) - sb_first(sb));
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

/* Filter tests. */
static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, level_floor_hides_lower_levels);
	tcase_add_test(tc, other_level_ranks_as_info);
	tcase_add_test(tc, keep_and_hide_patterns_stack);
	tcase_add_test(tc, patterns_use_smart_case);
	tcase_add_test(tc, bad_regex_is_refused_with_a_reason);
	tcase_add_test(tc, pattern_stack_stops_at_its_limit);
	tcase_add_test(tc, overlong_pattern_is_refused);
	tcase_add_test(tc, source_set_selects_streams);
	tcase_add_test(tc, scan_is_bounded_by_its_budget_and_reports_progress);
	tcase_add_test(tc, rebuild_after_floor_change_finds_the_same_event);
	tcase_add_test(tc, lines_arriving_later_are_filtered_too);
	tcase_add_test(tc, trim_drops_evicted_lines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
