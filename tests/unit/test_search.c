/* test_search.c - incremental search over a pane's lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "search.h"
#include "tui_testutil.h"

/* A store of n lines; every 10th says "needle". */
static struct scrollback *
mkstore(int n)
{
	struct scrollback *sb = sb_new(64 << 20);
	char msg[64];
	struct log_event ev;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "%d %s", i,
		    i % 10 == 3 ? "Needle here" : "hay");
		ev = mkev(i % 5, msg);
		sb_append(sb, 0, &ev);
	}
	return sb;
}

/* Bring li and s up to date. */
static void
catch_up(struct lineidx *li, struct search *s, struct scrollback *sb,
    struct filter *f)
{
	int guard = 0;

	while ((lineidx_pending(li, sb) || search_pending(s, li)) &&
	       guard++ < 100000) {
		lineidx_scan(li, sb, f, 13);
		search_scan(s, li, sb, 5);
	}
}

START_TEST(matches_are_counted_and_ordered)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];
	uint64_t m;

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	ck_assert_int_eq(search_start(&s, "needle", false, err, sizeof err), 0);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	ck_assert(search_next(&s, 0, true, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(search_next(&s, 3, true, &m));
	ck_assert_uint_eq(m, 13);
	ck_assert(search_next(&s, 13, false, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(!search_next(&s, 3, false, &m));
	ck_assert(!search_next(&s, 93, true, &m));
	ck_assert_uint_eq(search_pos(&s, 13), 2);
	ck_assert_uint_eq(search_pos(&s, 14), 0);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(edges_give_the_first_and_last_match_for_wrapping)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];
	uint64_t m;

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	ck_assert(!search_edge(&s, true, &m));
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert(search_edge(&s, true, &m));
	ck_assert_uint_eq(m, 3);
	ck_assert(search_edge(&s, false, &m));
	ck_assert_uint_eq(m, 93);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(count_grows_as_lines_arrive)
{
	struct scrollback *sb = mkstore(20);
	struct filter f;
	struct lineidx li;
	struct search s;
	struct log_event ev = mkev(LEVEL_INFO, "another needle");
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 2);
	sb_append(sb, 0, &ev);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 3);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(search_only_counts_lines_the_filter_shows)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "needle", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	/* i % 10 == 3 means level i % 5 == 3 (WARN): all survive WARN... */
	f.floor = LEVEL_ERROR;
	lineidx_rebuild(&li, sb);
	search_restart(&s);
	catch_up(&li, &s, sb, &f);
	/* ...but none survives ERROR. */
	ck_assert_uint_eq(search_count(&s), 0);
	ck_assert_uint_eq(lineidx_count(&li), 20);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(search_text_with_uppercase_is_case_sensitive)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct search s;
	char err[64];

	filter_init(&f);
	lineidx_init(&li, sb);
	search_init(&s);
	search_start(&s, "NEEDLE", false, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 0);
	search_start(&s, "Needle h[a-z]+", true, err, sizeof err);
	catch_up(&li, &s, sb, &f);
	ck_assert_uint_eq(search_count(&s), 10);
	ck_assert(s.backward);
	search_free(&s);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(match_range_is_found_for_highlighting)
{
	struct pattern p;
	char err[64];
	size_t so, eo;

	pattern_compile(&p, "o+", err, sizeof err);
	ck_assert(pattern_find(&p, "foo boo", 0, &so, &eo));
	ck_assert_uint_eq(so, 1);
	ck_assert_uint_eq(eo, 3);
	ck_assert(pattern_find(&p, "foo boo", eo, &so, &eo));
	ck_assert_uint_eq(so, 5);
	ck_assert(!pattern_find(&p, "foo boo", eo, &so, &eo));
	pattern_free(&p);
}
END_TEST

/* Search tests. */
static Suite *
search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, matches_are_counted_and_ordered);
	tcase_add_test(tc, edges_give_the_first_and_last_match_for_wrapping);
	tcase_add_test(tc, count_grows_as_lines_arrive);
	tcase_add_test(tc, search_only_counts_lines_the_filter_shows);
	tcase_add_test(tc, search_text_with_uppercase_is_case_sensitive);
	tcase_add_test(tc, match_range_is_found_for_highlighting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(search_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
