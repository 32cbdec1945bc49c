/* test_mstore.c - the in-memory store: the shared store suite plus its own
 * limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "server/mstore.h"
#include "server/store.h"
#include "store_suite.h"

/* store_factory for the in-memory store. */
static struct store *
make_mstore(size_t ring)
{
	return mstore_new(ring);
}

START_TEST(sources_past_the_limit_are_refused_but_old_ones_still_work)
{
	struct store *st = mstore_new(4);
	struct store_line l = {"\"message\":\"x\"", 13};
	char id[32];
	bool created;
	int i;

	for (i = 0; i < MSTORE_SOURCES_MAX; i++) {
		snprintf(id, sizeof id, "s%d", i);
		ck_assert_int_eq(
		    store_append(st, SOURCE_AUTOMATION, id, &l, 1, 0, &created),
		    STORE_OK);
	}
	ck_assert_int_eq(
	    store_append(st, SOURCE_PIPELINE, "one-more", &l, 1, 0, &created),
	    STORE_EFULL);
	ck_assert_int_eq(
	    store_append(st, SOURCE_AUTOMATION, "s0", &l, 1, 0, &created),
	    STORE_OK);
	store_free(st);
}
END_TEST

START_TEST(event_text_past_the_byte_limit_evicts_the_oldest)
{
	const size_t size = 200 * 1024;
	struct store *st = mstore_new(100000);
	struct store_line l;
	struct store_info info;
	char *big = malloc(size);
	size_t kept, i, n = MSTORE_SOURCE_BYTES_MAX / size + 10;
	bool created;

	memset(big, 'a', size);
	memcpy(big, "\"message\":\"", 11);
	big[size - 1] = '"';
	l.members = big;
	l.len = size;
	for (i = 0; i < n; i++)
		ck_assert_int_eq(store_append(st, SOURCE_AUTOMATION, "big", &l,
		                     1, 0, &created),
		    STORE_OK);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "big", &info), 0);
	kept = (size_t)(info.last_id - info.oldest_id + 1);
	ck_assert_int_eq(info.last_id, (int64_t)n);
	ck_assert_uint_lt(kept, n);
	ck_assert_uint_le(kept * size, MSTORE_SOURCE_BYTES_MAX);
	ck_assert_uint_gt((kept + 1) * (size + 20), MSTORE_SOURCE_BYTES_MAX);
	free(big);
	store_free(st);
}
END_TEST

START_TEST(one_event_larger_than_the_byte_limit_is_refused)
{
	struct store *st = mstore_new(10);
	struct store_line l = {NULL, MSTORE_SOURCE_BYTES_MAX};
	struct store_info info;
	bool created;

	l.members = calloc(1, l.len);
	ck_assert_int_eq(
	    store_append(st, SOURCE_AUTOMATION, "x", &l, 1, 0, &created),
	    STORE_ETOOBIG);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "x", &info), STORE_ENOENT);
	free((void *)l.members);
	store_free(st);
}
END_TEST

int
main(void)
{
	SRunner *sr = srunner_create(store_suite("mstore", make_mstore));
	Suite *s = suite_create("mstore limits");
	TCase *tc = tcase_create("limits");
	int failed;

	srunner_add_suite(sr, store_runs_suite("mstore runs", make_mstore));
	tcase_set_timeout(tc, 30);
	tcase_add_test(
	    tc, sources_past_the_limit_are_refused_but_old_ones_still_work);
	tcase_add_test(tc, event_text_past_the_byte_limit_evicts_the_oldest);
	tcase_add_test(tc, one_event_larger_than_the_byte_limit_is_refused);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
