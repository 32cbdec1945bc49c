/* test_policy.c - the stream policy as tables: one row per case of what
 * a stream does with a finished transfer, the backoff and Retry-After
 * arithmetic, and the exit status of a stopped stream. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/policy.h"

/* Shorthands for the rows. */
#define OK POLICY_NET_OK
#define FATAL POLICY_NET_FATAL
#define NETERR POLICY_NET_ERROR
#define STREAM POLICY_REQ_STREAM
#define LOGS POLICY_REQ_POLL_LOGS
#define STATE POLICY_REQ_POLL_STATE

static const struct decide_row {
	const char *what;
	struct policy_facts f;
	enum policy_action action;
	enum policy_why why;
} decide_rows[] = {
    {"a terminal status on the stream ends it",
        {.net = OK, .status = 200, .is_sse = true, .terminal = true},
        POLICY_ENDED, POLICY_WHY_NONE},
    {"a terminal status wins over an expired token",
        {.net = OK, .status = 200, .is_sse = true, .terminal = true,
            .token_expired = true, .renewable = true},
        POLICY_ENDED, POLICY_WHY_NONE},
    {"a terminal status cut by a reset still ends it",
        {.net = NETERR, .status = 200, .is_sse = true, .terminal = true},
        POLICY_ENDED, POLICY_WHY_NONE},
    {"a polling answer past the limit fails (asking again fetches it "
     "again)",
        {.net = NETERR, .status = 200, .req = LOGS, .is_json = true,
            .too_big = true},
        POLICY_FAILED, POLICY_WHY_TOO_BIG},
    {"the server ended the stream for an expired token: renew",
        {.net = OK, .status = 200, .is_sse = true, .token_expired = true,
            .renewable = true},
        POLICY_RENEW, POLICY_WHY_UNAUTHORIZED},
    {"an expired token that cannot be renewed: resume, the next answer "
     "tells",
        {.net = OK, .status = 200, .is_sse = true, .token_expired = true},
        POLICY_RETRY, POLICY_WHY_CLOSED},
    {"a JSON answer to the stream request: the server has no streams",
        {.net = OK, .status = 200, .req = STREAM, .is_json = true},
        POLICY_POLL, POLICY_WHY_NONE},
    {"a page of the polling API",
        {.net = OK, .status = 200, .req = LOGS, .is_json = true},
        POLICY_POLL, POLICY_WHY_NONE},
    {"the run object of the polling API",
        {.net = OK, .status = 200, .req = STATE, .is_json = true},
        POLICY_POLL, POLICY_WHY_NONE},
    {"polling answered with something other than JSON",
        {.net = OK, .status = 200, .req = LOGS},
        POLICY_FAILED, POLICY_WHY_NOT_JSON},
    {"a JSON page cut short is asked again",
        {.net = NETERR, .status = 200, .req = LOGS, .is_json = true},
        POLICY_RETRY, POLICY_WHY_TRANSPORT},
    {"an untrusted certificate or a bad URL: waiting will not fix it",
        {.net = FATAL, .status = 0}, POLICY_FAILED, POLICY_WHY_TRANSPORT},
    {"a refused or reset connection is retried",
        {.net = NETERR, .status = 0}, POLICY_RETRY, POLICY_WHY_TRANSPORT},
    {"an answer without a status is retried",
        {.net = OK, .status = 0}, POLICY_RETRY, POLICY_WHY_TRANSPORT},
    {"a 503 cut mid-answer is a transport error",
        {.net = NETERR, .status = 503}, POLICY_RETRY,
        POLICY_WHY_TRANSPORT},
    {"a clean end without a terminal status resumes (HTTP/2 reset)",
        {.net = OK, .status = 200, .is_sse = true}, POLICY_RETRY,
        POLICY_WHY_CLOSED},
    {"204: the server has no more logs for the source",
        {.net = OK, .status = 204}, POLICY_GONE, POLICY_WHY_NO_MORE_LOGS},
    {"404 on the run object: a server without runs, poll the source",
        {.net = OK, .status = 404, .req = STATE, .uses_runs = true},
        POLICY_RUNS_FALLBACK, POLICY_WHY_NONE},
    {"404 on the source object once runs are known missing",
        {.net = OK, .status = 404, .req = STATE, .uses_runs = true,
            .no_runs = true},
        POLICY_GONE, POLICY_WHY_NOT_FOUND},
    {"404 naming the run: the run is missing, not the source",
        {.net = OK, .status = 404, .has_run = true, .uses_runs = true,
            .body_names_run = true},
        POLICY_GONE, POLICY_WHY_NO_RUN},
    {"404 with a run that does not name it: the source is missing",
        {.net = OK, .status = 404, .has_run = true, .uses_runs = true},
        POLICY_GONE, POLICY_WHY_NOT_FOUND},
    {"404: the source is missing",
        {.net = OK, .status = 404}, POLICY_GONE, POLICY_WHY_NOT_FOUND},
    {"401 with a renewable token: renew",
        {.net = OK, .status = 401, .renewable = true}, POLICY_RENEW,
        POLICY_WHY_UNAUTHORIZED},
    {"403 with a renewable token: renew",
        {.net = OK, .status = 403, .renewable = true}, POLICY_RENEW,
        POLICY_WHY_UNAUTHORIZED},
    {"401 that cannot be renewed stops",
        {.net = OK, .status = 401}, POLICY_UNAUTHORIZED,
        POLICY_WHY_UNAUTHORIZED},
    {"403 that cannot be renewed stops",
        {.net = OK, .status = 403}, POLICY_UNAUTHORIZED,
        POLICY_WHY_UNAUTHORIZED},
    {"an expired token that cannot be renewed, then an error status",
        {.net = OK, .status = 500, .token_expired = true},
        POLICY_UNAUTHORIZED, POLICY_WHY_UNAUTHORIZED},
    {"429: the server is busy, wait",
        {.net = OK, .status = 429}, POLICY_RETRY, POLICY_WHY_BUSY},
    {"503: the server is busy, wait",
        {.net = OK, .status = 503}, POLICY_RETRY, POLICY_WHY_BUSY},
    {"500 is retried",
        {.net = OK, .status = 500}, POLICY_RETRY, POLICY_WHY_BUSY},
    {"408 is retried",
        {.net = OK, .status = 408}, POLICY_RETRY, POLICY_WHY_BUSY},
    {"400 is refused for good",
        {.net = OK, .status = 400}, POLICY_FAILED, POLICY_WHY_REFUSED},
    {"410 is refused for good",
        {.net = OK, .status = 410}, POLICY_FAILED, POLICY_WHY_REFUSED},
};

START_TEST(every_row_of_the_decision_table)
{
	const struct decide_row *r = &decide_rows[_i];
	struct policy_decision d = policy_decide(&r->f);

	ck_assert_msg(d.action == r->action && d.why == r->why,
	    "%s: got action %d why %d, want %d %d", r->what, d.action, d.why,
	    r->action, r->why);
}
END_TEST

static const struct backoff_row {
	const char *what;
	long base, cap, retry_after;
	unsigned attempt;
	uint64_t rnd, delay, ceiling;
} backoff_rows[] = {
    {"no retry field: 1 s base, the floor on top", 0, 30000, -1, 0, 0, 100,
        1000},
    {"the ceiling doubles per attempt; jitter is rnd mod it", 1000, 30000,
        -1, 3, 12345, 4445, 8000},
    {"the server's retry is the base", 250, 30000, -1, 2, 0, 100, 1000},
    {"the cap bounds the ceiling", 1000, 30000, -1, 10, 7, 107, 30000},
    {"doubling stops at 16 even past it", 1, 1L << 30, -1, 100, 0, 100,
        65536},
    {"Retry-After is a lower bound", 1000, 30000, 5000, 0, 0, 5000, 1000},
    {"a short Retry-After does not shorten the backoff", 1000, 30000, 50,
        2, 999, 1099, 4000},
    {"Retry-After 0 keeps the floor", 1000, 30000, 0, 0, 0, 100, 1000},
};

START_TEST(every_row_of_the_backoff_table)
{
	const struct backoff_row *r = &backoff_rows[_i];
	struct policy_wait w = policy_backoff(
	    r->base, r->attempt, r->cap, r->retry_after, r->rnd);

	ck_assert_msg(w.delay_ms == r->delay && w.ceiling_ms == r->ceiling,
	    "%s: got delay %llu ceiling %llu", r->what,
	    (unsigned long long)w.delay_ms, (unsigned long long)w.ceiling_ms);
}
END_TEST

START_TEST(retry_after_is_clamped_to_ten_minutes)
{
	ck_assert_int_eq(policy_retry_after_ms(-5), -1);
	ck_assert_int_eq(policy_retry_after_ms(0), 0);
	ck_assert_int_eq(policy_retry_after_ms(30), 30000);
	ck_assert_int_eq(policy_retry_after_ms(600), POLICY_MAX_RETRY_AFTER_MS);
	ck_assert_int_eq(policy_retry_after_ms(601), POLICY_MAX_RETRY_AFTER_MS);
	ck_assert_int_eq(policy_retry_after_ms(1LL << 40),
	    POLICY_MAX_RETRY_AFTER_MS);
}
END_TEST

static const struct exit_row {
	const char *what;
	enum policy_action stop;
	long http;
	enum run_status run;
	bool has_code;
	int code;
	int want;
} exit_rows[] = {
    {"a completed run", POLICY_ENDED, 200, RUN_COMPLETED, true, 0, 0},
    {"a completed run without a code", POLICY_ENDED, 200, RUN_COMPLETED,
        false, 0, 0},
    {"a failed run", POLICY_ENDED, 200, RUN_FAILED, true, 1, 1},
    {"a cancelled run", POLICY_ENDED, 200, RUN_CANCELLED, false, 0, 1},
    {"completed with a non-zero code", POLICY_ENDED, 200, RUN_COMPLETED,
        true, 2, 1},
    {"204 is the server's stop, not an error", POLICY_GONE, 204,
        RUN_UNKNOWN, false, 0, 0},
    {"404 after start", POLICY_GONE, 404, RUN_UNKNOWN, false, 0, 3},
    {"refused token", POLICY_UNAUTHORIZED, 401, RUN_RUNNING, false, 0, 3},
    {"any other failure", POLICY_FAILED, 0, RUN_RUNNING, false, 0, 3},
    {"a retry does not stop", POLICY_RETRY, 503, RUN_RUNNING, false, 0,
        -1},
};

START_TEST(every_row_of_the_exit_status_table)
{
	const struct exit_row *r = &exit_rows[_i];

	ck_assert_msg(policy_exit_status(r->stop, r->http, r->run, r->has_code,
	                  r->code) == r->want,
	    "%s", r->what);
}
END_TEST

#define ROWS(a) (int)(sizeof(a) / sizeof((a)[0]))

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(
	    tc, every_row_of_the_decision_table, 0, ROWS(decide_rows));
	tcase_add_loop_test(
	    tc, every_row_of_the_backoff_table, 0, ROWS(backoff_rows));
	tcase_add_test(tc, retry_after_is_clamped_to_ten_minutes);
	tcase_add_loop_test(
	    tc, every_row_of_the_exit_status_table, 0, ROWS(exit_rows));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
