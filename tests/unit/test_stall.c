/* test_stall.c - quiet automations on a simulated clock. */
#include <check.h>
#include <stdint.h>

#include "core/stall.h"

START_TEST(a_source_that_goes_quiet_is_flagged_once_within_the_window)
{
	struct stall s;
	int64_t now = 1000000, silent, t;
	int i;

	stall_init(&s, 60000); /* floor: 1 minute */
	/* A line every 2 s for a while: usual gap 2 s. */
	for (i = 0; i < 100; i++, now += 2000)
		stall_line(&s, now, INT64_MIN);
	now -= 2000;
	ck_assert_int_eq(stall_usual(&s), 2000);
	/* 10 x 2 s is below the floor: quiet after the floor. */
	ck_assert_int_eq(stall_due(&s), now + 60000);
	for (t = now; t < now + 60000; t += 1000)
		ck_assert(!stall_check(&s, t, &silent));
	ck_assert(stall_check(&s, now + 60000, &silent));
	ck_assert_int_eq(silent, 60000);
	/* Said once per silence. */
	ck_assert(!stall_check(&s, now + 600000, &silent));
	ck_assert_int_eq(stall_due(&s), -1);
	/* A line ends the silence; the next one is told again. */
	stall_line(&s, now + 700000, INT64_MIN);
	ck_assert(stall_check(&s, now + 700000 + 60000, &silent));
}
END_TEST

START_TEST(a_slow_source_gets_ten_times_its_usual_gap)
{
	struct stall s;
	int64_t now = 0, silent;
	int i;

	stall_init(&s, 1000);
	/* Mostly 30 s apart, with bursts: the 90th percentile is 30 s. */
	for (i = 0; i < 64; i++) {
		now += i % 3 == 0 ? 30000 : 10;
		stall_line(&s, now, INT64_MIN);
	}
	ck_assert_int_eq(stall_usual(&s), 30000);
	ck_assert(!stall_check(&s, now + 299999, &silent));
	ck_assert(stall_check(&s, now + 300000, &silent));
}
END_TEST

START_TEST(history_in_one_burst_is_learned_from_its_timestamps)
{
	struct stall s;
	int64_t silent;
	int i;

	stall_init(&s, 1000);
	/* 50 lines of the job 5 s apart arrive together at t=0. */
	for (i = 0; i < 50; i++)
		stall_line(&s, 0, 1700000000000LL + i * 5000LL);
	ck_assert_int_eq(stall_usual(&s), 5000);
	ck_assert(!stall_check(&s, 49999, &silent));
	ck_assert(stall_check(&s, 50000, &silent));
}
END_TEST

START_TEST(unlearned_and_paused_sources_use_the_floor_or_nothing)
{
	struct stall s;
	int64_t silent;

	stall_init(&s, 0);
	ck_assert_int_eq(s.floor_ms, STALL_FLOOR_DEFAULT_MS);
	/* No line yet: not watched. */
	ck_assert_int_eq(stall_due(&s), -1);
	stall_line(&s, 10, INT64_MIN);
	ck_assert_int_eq(stall_usual(&s), -1);
	ck_assert_int_eq(stall_due(&s), 10 + STALL_FLOOR_DEFAULT_MS);
	/* A run that ended is not quiet. */
	stall_pause(&s);
	ck_assert(!stall_check(&s, 10 + 10 * STALL_FLOOR_DEFAULT_MS, &silent));
}
END_TEST

static Suite *
stall_suite(void)
{
	Suite *s = suite_create("stall");
	TCase *tc = tcase_create("core");

	tcase_add_test(
	    tc, a_source_that_goes_quiet_is_flagged_once_within_the_window);
	tcase_add_test(tc, a_slow_source_gets_ten_times_its_usual_gap);
	tcase_add_test(tc, history_in_one_burst_is_learned_from_its_timestamps);
	tcase_add_test(
	    tc, unlearned_and_paused_sources_use_the_floor_or_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stall_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
