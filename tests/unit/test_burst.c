/* test_burst.c - burst benchmark sources: events computed from their id,
 * and every other source passed through to the wrapped store. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "server/burst.h"
#include "server/mstore.h"
#include "server/store.h"
#include "store_suite.h"

/* store_factory: a burst store around an in-memory one, so the shared
 * suite proves the pass-through. */
static struct store *
make_wrapped(size_t ring)
{
	return burst_store_new(mstore_new(ring), 0, 100);
}

START_TEST(an_event_is_a_pure_function_of_its_id)
{
	struct burst_clock c1 = {0}, c2 = {0};
	char a[BURST_LINE_MAX], b[BURST_LINE_MAX];
	size_t la, lb;

	la = burst_render(a, 1, 123456, &c1);
	burst_render(b, 1, 999999999, &c2);
	burst_render(b, 1, 5, &c2);
	lb = burst_render(b, 1, 123456, &c2);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	lb = burst_render(b, 2, 123456, &c2);
	ck_assert(la != lb || memcmp(a, b, la) != 0);
}
END_TEST

START_TEST(events_are_one_line_json_of_about_150_bytes_with_mixed_levels)
{
	struct burst_clock clk = {0};
	char line[BURST_LINE_MAX + 1];
	int levels[4] = {0};
	int64_t i;
	size_t len;

	for (i = 1; i <= 2000; i++) {
		cJSON *v, *lv;

		len = burst_render(line, 1, i, &clk);
		line[len] = '\0';
		ck_assert_uint_ge(len, 120);
		ck_assert_uint_le(len, 220);
		ck_assert_ptr_null(strchr(line, '\n'));
		v = cJSON_Parse(line);
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(
		    (int64_t)cJSON_GetObjectItem(v, "id")->valuedouble, i);
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(v, "timestamp"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(v, "task"));
		lv = cJSON_GetObjectItem(v, "level");
		if (strcmp(lv->valuestring, "INFO") == 0)
			levels[0]++;
		else if (strcmp(lv->valuestring, "DEBUG") == 0)
			levels[1]++;
		else if (strcmp(lv->valuestring, "WARN") == 0)
			levels[2]++;
		else if (strcmp(lv->valuestring, "ERROR") == 0)
			levels[3]++;
		cJSON_Delete(v);
	}
	ck_assert_int_gt(levels[0], 1400);
	ck_assert_int_gt(levels[1], 0);
	ck_assert_int_gt(levels[2], 0);
	ck_assert_int_gt(levels[3], 0);
}
END_TEST

/* store_line_fn counting and checking order. */
static int
count_line(int64_t id, const char *json, size_t len, void *arg)
{
	int64_t *last = arg;

	ck_assert_int_eq(id, *last + 1);
	*last = id;
	return 0;
}

START_TEST(a_burst_source_is_completed_and_reads_count_events)
{
	struct store *st = burst_store_new(mstore_new(10), 3, 1000);
	struct store_info info;
	int64_t last = 997, after;

	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "burst-3", &info), 0);
	ck_assert_int_eq(info.status, RUN_COMPLETED);
	ck_assert(info.has_exit_code);
	ck_assert_int_eq(info.oldest_id, 1);
	ck_assert_int_eq(info.last_id, 1000);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "burst-4", &info), STORE_ENOENT);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "burst-03", &info), STORE_ENOENT);
	ck_assert_int_eq(store_read(st, SOURCE_AUTOMATION, "burst-3", 997, 50,
	                     count_line, &last),
	    3);
	ck_assert_int_eq(last, 1000);
	ck_assert_int_eq(
	    store_tail(st, SOURCE_AUTOMATION, "burst-1", 10, &after), 0);
	ck_assert_int_eq(after, 990);
	store_free(st);
}
END_TEST

START_TEST(a_burst_source_refuses_writes)
{
	struct store *st = burst_store_new(mstore_new(10), 1, 10);
	struct store_line l = {"\"message\":\"x\"", 13};
	struct store_status ch = {.status = RUN_RUNNING};
	bool created;

	ck_assert_int_eq(
	    store_append(st, SOURCE_AUTOMATION, "burst-1", &l, 1, 0, &created),
	    STORE_EREADONLY);
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "burst-1", &ch, &created),
	    STORE_EREADONLY);
	store_free(st);
}
END_TEST

/* store_run_fn keeping the run handed over (its runId is not kept). */
static int
keep_run(const struct store_run *r, void *arg)
{
	*(struct store_run *)arg = *r;
	return 0;
}

START_TEST(a_burst_source_is_one_completed_run_of_every_event)
{
	struct store *st = burst_store_new(mstore_new(10), 2, 1000);
	struct store_info info;
	struct store_run run = {0};
	int64_t after;

	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "burst-2", &info), 0);
	ck_assert(info.has_run);
	ck_assert_str_eq(info.run.run_id, "burst-2-run-1");
	ck_assert_int_eq(
	    store_runs(st, SOURCE_AUTOMATION, "burst-2", 0, 10, keep_run, &run),
	    1);
	ck_assert_int_eq(run.run, 1);
	ck_assert_int_eq(run.status, RUN_COMPLETED);
	ck_assert_int_eq(run.first_id, 1);
	ck_assert_int_eq(run.last_id, 1000);
	ck_assert_int_eq(run.end_after, 1000);
	ck_assert_int_eq(
	    store_runs(st, SOURCE_AUTOMATION, "burst-2", 1, 10, keep_run, &run),
	    0);
	/* Event i is stamped 2024-12-07T14:00:00.000Z plus i ms. */
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "burst-2",
	                     1733580000000LL + 500, &after),
	    0);
	ck_assert_int_eq(after, 499);
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "burst-2",
	                     1733580000000LL + 5000, &after),
	    0);
	ck_assert_int_eq(after, 1000);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "burst-2", 0, &after), 0);
	ck_assert_int_eq(after, 0);
	store_free(st);
}
END_TEST

int
main(void)
{
	SRunner *sr =
	    srunner_create(store_suite("burst pass-through", make_wrapped));
	Suite *s = suite_create("burst");
	TCase *tc = tcase_create("burst");
	int failed;

	srunner_add_suite(
	    sr, store_runs_suite("burst runs pass-through", make_wrapped));
	tcase_add_test(tc, an_event_is_a_pure_function_of_its_id);
	tcase_add_test(
	    tc, events_are_one_line_json_of_about_150_bytes_with_mixed_levels);
	tcase_add_test(tc, a_burst_source_is_completed_and_reads_count_events);
	tcase_add_test(tc, a_burst_source_refuses_writes);
	tcase_add_test(tc, a_burst_source_is_one_completed_run_of_every_event);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
