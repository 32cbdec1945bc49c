/* test_server_json.c - strict JSON minifying and the ingest of POSTed
 * events and status changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "server/ingest.h"
#include "server/jsoncheck.h"
#include "server/store.h"

/* Minify s; returns the result (static) or NULL with the reason in err. */
static const char *
minify(const char *s, char *err)
{
	static char out[4096];
	long n = jsoncheck_minify(s, strlen(s), out, err, 128);

	if (n < 0)
		return NULL;
	out[n] = '\0';
	return out;
}

START_TEST(whitespace_goes_only_outside_strings)
{
	char err[128];

	ck_assert_str_eq(
	    minify(" {\n \"a b\" : [ 1 ,\t2 ] ,\r\n\"c\":\" x \"} ", err),
	    "{\"a b\":[1,2],\"c\":\" x \"}");
}
END_TEST

START_TEST(numbers_and_escapes_stay_byte_for_byte)
{
	char err[128];

	ck_assert_str_eq(minify("[12345678901234567890, -0.5e+07, 1E3]", err),
	    "[12345678901234567890,-0.5e+07,1E3]");
	ck_assert_str_eq(
	    minify("\"a\\u0000b\\n\\\"\\/\"", err), "\"a\\u0000b\\n\\\"\\/\"");
	ck_assert_str_eq(minify("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", err),
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}
END_TEST

/* Found by fuzz_ingest: "\udddd" was stored, which PostgreSQL (and cJSON)
 * refuse, so the in-memory store kept what the PostgreSQL one cannot. */
START_TEST(a_lone_surrogate_escape_is_refused)
{
	static const char *const bad[] = {"\"\\ud800\"", "\"\\udc00\"",
	    "\"\\ud800\\u0041\"", "\"\\ud800x\"", "\"\\udbff\\ud800\"",
	    "\"\\ud800\\"};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(
		    minify(bad[i], err) == NULL, "accepted %s", bad[i]);
		ck_assert_msg(strstr(err, "surrogate") != NULL ||
		                  strstr(err, "unterminated") != NULL,
		    "%s: %s", bad[i], err);
	}
	ck_assert_str_eq(minify("\"\\ud83d\\ude00 \\uDBFF\\uDFFF\"", err),
	    "\"\\ud83d\\ude00 \\uDBFF\\uDFFF\"");
}
END_TEST

START_TEST(malformed_json_is_refused_with_the_byte_offset)
{
	static const char *const bad[] = {"", "   ", "{", "[1,]", "{\"a\"}",
	    "{\"a\":1,}", "01", "-", "1.", ".5", "+1", "1e", "tru", "nul",
	    "\"a\nb\"", "\"\\x\"", "\"\\u12g4\"", "\"\xc3\"", "\"\xc0\xaf\"",
	    "\"\xed\xa0\x80\"", "{} {}", "[1] x", "{1:2}", "\"abc"};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(
		    minify(bad[i], err) == NULL, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(err, "at byte ") != NULL, "%s", err);
	}
	ck_assert_ptr_null(minify("{\"a\": 01}", err));
	ck_assert_str_eq(err, "number with a leading zero at byte 6");
}
END_TEST

/* Numbers are measured as PostgreSQL writes them back: in full, without
 * an exponent (1e3 is "1000", 1e-3 is "0.001"). */
/* A string of 'a's long enough to be checked a word at a time, with c at
 * offset at. */
static const char *
string_with(char c, size_t at)
{
	static char s[64];

	memset(s, 'a', 41);
	s[0] = '"';
	s[1 + at] = c;
	s[41] = '"';
	s[42] = '\0';
	return s;
}

START_TEST(every_byte_of_a_long_string_is_checked)
{
	char err[128];
	size_t at;

	/* At each offset of a word: what must stop the string or be
	 * refused is found, what may stand is kept. */
	for (at = 0; at < 24; at++) {
		ck_assert_ptr_null(minify(string_with('\x01', at), err));
		ck_assert_ptr_null(minify(string_with('\x1f', at), err));
		ck_assert_ptr_null(minify(string_with('\xff', at), err));
		ck_assert_ptr_null(minify(string_with('\x80', at), err));
		ck_assert_ptr_null(minify(string_with('\\', at), err));
		ck_assert_ptr_null(minify(string_with('"', at), err));
		ck_assert_str_eq(minify(string_with('\x7f', at), err),
		    string_with('\x7f', at));
		ck_assert_str_eq(
		    minify(string_with(' ', at), err), string_with(' ', at));
		ck_assert_str_eq(
		    minify(string_with('~', at), err), string_with('~', at));
	}
}
END_TEST

START_TEST(numbers_longer_than_the_render_limit_written_out_are_refused)
{
	char in[64], err[128];

	ck_assert_str_eq(
	    minify("[1.5e10, -0.25, 12345678901234567890, 1e-5]", err),
	    "[1.5e10,-0.25,12345678901234567890,1e-5]");
	/* 1e63 is 64 characters written out; 1e64 is 65. */
	snprintf(in, sizeof in, "1e%d", JSONCHECK_NUMBER_RENDER_MAX - 1);
	ck_assert_ptr_nonnull(minify(in, err));
	snprintf(in, sizeof in, "1e%d", JSONCHECK_NUMBER_RENDER_MAX);
	ck_assert_ptr_null(minify(in, err));
	ck_assert_msg(strstr(err, "64 characters") != NULL, "%s", err);
	/* -1e62 is 64 with its sign; 1e-62 is "0." and 62 digits. */
	snprintf(in, sizeof in, "-1e%d", JSONCHECK_NUMBER_RENDER_MAX - 2);
	ck_assert_ptr_nonnull(minify(in, err));
	snprintf(in, sizeof in, "-1e%d", JSONCHECK_NUMBER_RENDER_MAX - 1);
	ck_assert_ptr_null(minify(in, err));
	snprintf(in, sizeof in, "1e-%d", JSONCHECK_NUMBER_RENDER_MAX - 2);
	ck_assert_ptr_nonnull(minify(in, err));
	snprintf(in, sizeof in, "1e-%d", JSONCHECK_NUMBER_RENDER_MAX - 1);
	ck_assert_ptr_null(minify(in, err));
	ck_assert_ptr_null(minify("{\"x\":[1e131071]}", err));
	ck_assert_ptr_null(minify("1e99999999999999999999999999", err));
	ck_assert_ptr_null(minify("1e-99999999999999999999999999", err));
}
END_TEST

START_TEST(an_escaped_nul_in_a_string_is_found)
{
	static const char *const with[] = {
	    "\"\\u0000\"", "{\"a\":\"s\\u0000x\"}", "{\"\\\\\":\"\\u0000\"}"};
	static const char *const without[] = {
	    "\"\\\\u0000\"", "\"u0000\"", "\"\\u0001\"", "\"\\u000\""};
	size_t i;

	for (i = 0; i < sizeof with / sizeof with[0]; i++)
		ck_assert_msg(jsoncheck_has_nul_escape(with[i], strlen(with[i])),
		    "%s", with[i]);
	for (i = 0; i < sizeof without / sizeof without[0]; i++)
		ck_assert_msg(
		    !jsoncheck_has_nul_escape(without[i], strlen(without[i])), "%s",
		    without[i]);
}
END_TEST

START_TEST(nesting_is_accepted_up_to_the_depth_limit_only)
{
	char deep[2 * JSONCHECK_DEPTH_MAX + 8], err[128];
	int i;

	for (i = 0; i < JSONCHECK_DEPTH_MAX; i++) {
		deep[i] = '[';
		deep[JSONCHECK_DEPTH_MAX + i] = ']';
	}
	deep[2 * JSONCHECK_DEPTH_MAX] = '\0';
	ck_assert_ptr_nonnull(minify(deep, err));
	memmove(deep + 1, deep, strlen(deep) + 1);
	deep[0] = '[';
	strcat(deep, "]");
	ck_assert_ptr_null(minify(deep, err));
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
}
END_TEST

/* Ingest body; returns the HTTP-ish result and fills b. */
static int
ingest(const char *body, struct ingest_batch *b, char *err)
{
	return ingest_logs(body, strlen(body), 1733580225123LL, b, err, 256);
}

/* Line i of batch b as a string (static). */
static const char *
line(const struct ingest_batch *b, size_t i)
{
	static char out[1024];

	memcpy(out, b->lines[i].members, b->lines[i].len);
	out[b->lines[i].len] = '\0';
	return out;
}

START_TEST(an_event_without_timestamp_and_level_gets_defaults)
{
	struct ingest_batch b;
	char err[256];

	ck_assert_int_eq(ingest("{\"message\": \"hi\"}", &b, err), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(line(&b, 0),
	    "\"timestamp\":\"2024-12-07T14:03:45.123Z"
	    "\",\"level\":\"INFO\",\"message\":\"hi\"");
	ingest_batch_free(&b);
}
END_TEST

START_TEST(producer_fields_are_kept_in_order_and_a_producer_id_is_dropped)
{
	struct ingest_batch b;
	char err[256];

	ck_assert_int_eq(
	    ingest("{\"id\": 7, \"task\": \"load\", \"message\": "
	           "\"x\", \"level\": \"WARN\", \"big\": 12345678901234567890, "
	           "\"nested\": {\"a\": [1, 2]}, \"timestamp\": \"2024-01-01 "
	           "00:00:00+01\"}",
	        &b, err),
	    0);
	ck_assert_str_eq(line(&b, 0),
	    "\"timestamp\":\"2024-01-01 00:00:00+01\",\"level\":"
	    "\"WARN\",\"task\":\"load\",\"message\":\"x\",\"big\":"
	    "12345678901234567890,\"nested\":{\"a\":[1,2]}");
	ingest_batch_free(&b);
}
END_TEST

START_TEST(member_names_are_compared_with_their_escapes_decoded)
{
	struct ingest_batch b;
	char err[256];

	ck_assert_int_eq(ingest("{\"\\u0069d\": 1, \"\\u0069\\u0064\": 2, "
	                        "\"mess\\u0061ge\": \"x\", \"l\\u0065vel\": "
	                        "\"WARN\", \"i\\u0000d\": 3, \"\\u00edd\": 4}",
	                     &b, err),
	    0);
	ck_assert_str_eq(line(&b, 0),
	    "\"timestamp\":\"2024-12-07T14:03:45.123Z\",\"level\":\"WARN\","
	    "\"mess\\u0061ge\":\"x\",\"i\\u0000d\":3,\"\\u00edd\":4");
	ingest_batch_free(&b);
	ck_assert_int_eq(
	    ingest("{\"message\": \"a\", \"mess\\u0061ge\": 5}", &b, err), 400);
	ck_assert_str_eq(err, "event 1: \"message\" must be a string");
	ck_assert_int_eq(ingest("{\"mess\\u0061g\": \"a\"}", &b, err), 400);
	ck_assert_int_eq(
	    ingest("{\"message\": \"a\", \"\\u0074ask\": [1]}", &b, err), 400);
	ck_assert_str_eq(err, "event 1: \"task\" must be a string");
	ck_assert(jsoncheck_string_is("\"a\\n\\\"\\/\"", 9, "a\n\"/"));
	ck_assert(!jsoncheck_string_is("\"id\"", 4, "i"));
	ck_assert(!jsoncheck_string_is("\"i\"", 3, "id"));
}
END_TEST

START_TEST(timestamps_are_iso_times_of_years_1_to_9999)
{
	static const char *const bad[] = {"yesterday", "infinity", "-infinity",
	    "10000-01-01T00:00:00Z", "0000-12-31T23:59:59.999Z",
	    "0001-01-01T00:00:00Z BC", "0001-01-01T00:59:59+01:00",
	    "9999-12-31T23:59:59-00:01", "2024-01-01",
	    "\\u0032024-01-01T00:00:00Z", "2024-02-30T00:00:00Z",
	    "2024-12-07T14:23:45+24:00"};
	static const char *const good[] = {"0001-01-01T00:00:00.000Z",
	    "9999-12-31T23:59:59.999Z", "0001-01-01T01:00:00+01:00",
	    "2024-12-07 14:23:45.123-05:30"};
	struct ingest_batch b;
	char body[128], err[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body,
		    "{\"message\":\"x\",\"timestamp\":\"%s\"}", bad[i]);
		ck_assert_msg(
		    ingest(body, &b, err) == 400, "accepted %s", bad[i]);
		ck_assert_msg(
		    strstr(err, "years 1 to 9999") != NULL, "%s", err);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(body, sizeof body,
		    "{\"message\":\"x\",\"timestamp\":\"%s\"}", good[i]);
		ck_assert_msg(
		    ingest(body, &b, err) == 0, "%s: %s", good[i], err);
		ingest_batch_free(&b);
	}
}
END_TEST

START_TEST(an_array_is_one_batch_of_events)
{
	struct ingest_batch b;
	char err[256];

	ck_assert_int_eq(ingest("[{\"message\":\"a\"},{\"message\":\"b\","
	                        "\"runId\":\"r1\"}]",
	                     &b, err),
	    0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_ptr_nonnull(strstr(line(&b, 0), "\"message\":\"a\""));
	ck_assert_ptr_nonnull(strstr(line(&b, 1), "\"runId\":\"r1\""));
	ingest_batch_free(&b);
}
END_TEST

START_TEST(a_large_batch_keeps_every_event_in_order)
{
	/* Far more events than the first guesses of room, some with escaped
	 * quotes and backslashes before the end of a string, some without
	 * defaults to add. */
	enum { N = 3000 };
	static char body[N * 96 + 2];
	struct ingest_batch b;
	char err[256], want[96];
	size_t i, len = 0;

	body[len++] = '[';
	for (i = 0; i < N; i++)
		len += (size_t)sprintf(body + len,
		    i % 3 == 0 ? "%s{\"message\":\"m%zu \\\\\\\"q\\\\\"}"
		    : i % 3 == 1
		        ? "%s{\"level\":\"WARN\",\"timestamp\":"
		          "\"2024-12-07T14:23:45Z\",\"message\":\"m%zu\"}"
		        : "%s {\"message\" : \"m%zu\" , \"n\" : [1, "
		          "{\"a\":\"}\"}]}",
		    i ? "," : "", i);
	body[len++] = ']';
	body[len] = '\0';
	ck_assert_int_eq(ingest(body, &b, err), 0);
	ck_assert_uint_eq(b.n, N);
	for (i = 0; i < N; i++) {
		snprintf(want, sizeof want, "\"message\":\"m%zu%s", i,
		    i % 3 == 0 ? " \\\\\\\"q\\\\\"" : "\"");
		ck_assert_msg(strstr(line(&b, i), want) != NULL, "%zu: %s", i,
		    line(&b, i));
	}
	ck_assert_ptr_nonnull(strstr(line(&b, 2), ",\"n\":[1,{\"a\":\"}\"}]"));
	ingest_batch_free(&b);
}
END_TEST

START_TEST(one_bad_event_refuses_the_whole_batch)
{
	struct ingest_batch b;
	char err[256];

	ck_assert_int_eq(
	    ingest("[{\"message\":\"a\"},{\"msg\":\"b\"}]", &b, err), 400);
	ck_assert_str_eq(err, "event 2: \"message\" is missing");
	ck_assert_uint_eq(b.n, 0);
	ck_assert_ptr_null(b.lines);
	ck_assert_int_eq(ingest("[{\"message\":\"a\"}, 3]", &b, err), 400);
	ck_assert_str_eq(err, "event 2 is not a JSON object");
	ck_assert_int_eq(
	    ingest("{\"message\":\"a\",\"level\":5}", &b, err), 400);
	ck_assert_str_eq(err, "event 1: \"level\" must be a string");
	ck_assert_int_eq(ingest("\"just text\"", &b, err), 400);
	ck_assert_int_eq(ingest("[{\"message\":\"a\"", &b, err), 400);
	ck_assert_ptr_nonnull(strstr(err, "malformed JSON: "));
}
END_TEST

START_TEST(an_event_over_the_line_limit_is_too_large)
{
	struct ingest_batch b;
	char err[256], *body = malloc(INGEST_LINE_MAX + 100);
	size_t fill = INGEST_LINE_MAX - 100;

	strcpy(body, "{\"message\":\"");
	memset(body + 12, 'x', fill);
	strcpy(body + 12 + fill, "\"}");
	ck_assert_int_eq(ingest(body, &b, err), 0);
	ingest_batch_free(&b);
	memset(body + 12, 'x', fill + 50);
	strcpy(body + 12 + fill + 50, "\"}");
	ck_assert_int_eq(ingest(body, &b, err), 413);
	ck_assert_ptr_nonnull(strstr(err, "limit"));
	free(body);
}
END_TEST

/* Where status() copies a runId. */
static char status_run_id[STORE_RUN_ID_MAX + 1];

/* Parse a status body; returns the result. */
static int
status(const char *body, struct store_status *st, char *name, char *err)
{
	return ingest_status(
	    body, strlen(body), 42, st, name, status_run_id, err, 256);
}

START_TEST(a_status_body_sets_status_name_and_exit_code)
{
	struct store_status st;
	char name[INGEST_NAME_MAX + 1], err[256];

	ck_assert_int_eq(status("{\"status\":\"failed\",\"name\":\"Job\","
	                        "\"exitCode\":2}",
	                     &st, name, err),
	    0);
	ck_assert_int_eq(st.status, RUN_FAILED);
	ck_assert_str_eq(st.name, "Job");
	ck_assert(st.has_exit_code);
	ck_assert_int_eq(st.exit_code, 2);
	ck_assert_int_eq(st.at_ms, 42);
	ck_assert_int_eq(status("{\"status\":\"queued\"}", &st, name, err), 0);
	ck_assert_ptr_null(st.name);
	ck_assert(!st.has_exit_code);
	ck_assert_ptr_null(st.run_id);
}
END_TEST

START_TEST(a_run_id_is_a_string_up_to_its_limit)
{
	struct store_status st;
	char name[INGEST_NAME_MAX + 1], err[256], body[STORE_RUN_ID_MAX + 64];

	snprintf(body, sizeof body,
	    "{\"status\":\"running\",\"runId\":\"%0*d\"}", STORE_RUN_ID_MAX, 7);
	ck_assert_int_eq(status(body, &st, name, err), 0);
	ck_assert_uint_eq(strlen(st.run_id), STORE_RUN_ID_MAX);
	ck_assert(st.run_id[STORE_RUN_ID_MAX - 1] == '7');
	snprintf(body, sizeof body,
	    "{\"status\":\"running\",\"runId\":\"%0*d\"}", STORE_RUN_ID_MAX + 1,
	    7);
	ck_assert_int_eq(status(body, &st, name, err), 400);
	ck_assert_ptr_nonnull(strstr(err, "\"runId\" must be a string"));
	ck_assert_int_eq(
	    status("{\"status\":\"running\",\"runId\":7}", &st, name, err),
	    400);
	ck_assert_int_eq(
	    status("{\"status\":\"running\",\"runId\":\"\"}", &st, name, err),
	    400);
}
END_TEST

START_TEST(a_bad_status_body_is_refused)
{
	struct store_status st;
	char name[INGEST_NAME_MAX + 1], err[256], body[INGEST_NAME_MAX + 64];

	ck_assert_int_eq(status("{\"status\":\"done\"}", &st, name, err), 400);
	ck_assert_ptr_nonnull(strstr(err, "\"status\" must be one of"));
	ck_assert_int_eq(status("{\"name\":\"x\"}", &st, name, err), 400);
	ck_assert_int_eq(
	    status("{\"status\":\"failed\",\"exitCode\":1.5}", &st, name, err),
	    400);
	ck_assert_str_eq(err, "\"exitCode\" must be an integer");
	ck_assert_int_eq(status("[]", &st, name, err), 400);
	ck_assert_int_eq(status("{\"status\":", &st, name, err), 400);
	snprintf(body, sizeof body,
	    "{\"status\":\"running\",\"name\":\"%0*d\"}", INGEST_NAME_MAX, 0);
	ck_assert_int_eq(status(body, &st, name, err), 0);
	ck_assert_uint_eq(strlen(st.name), INGEST_NAME_MAX);
	snprintf(body, sizeof body,
	    "{\"status\":\"running\",\"name\":\"%0*d\"}", INGEST_NAME_MAX + 1,
	    0);
	ck_assert_int_eq(status(body, &st, name, err), 400);
}
END_TEST

/* Found by fuzz_ingest: cJSON cut "a\u0000b" to "a" and the status
 * stored a name (or runId) the producer never sent. */
START_TEST(a_status_string_with_an_escaped_nul_is_refused)
{
	struct store_status st;
	char name[INGEST_NAME_MAX + 1], err[256];

	ck_assert_int_eq(
	    status("{\"status\":\"running\",\"name\":\"a\\u0000b\"}", &st, name,
	        err),
	    400);
	ck_assert_ptr_nonnull(strstr(err, "\\u0000"));
	ck_assert_int_eq(status("{\"status\":\"running\",\"runId\":"
	                        "\"r\\u0000x\"}",
	                     &st, name, err),
	    400);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("server json and ingest");
	TCase *tj = tcase_create("json"), *ti = tcase_create("ingest");
	SRunner *sr;
	int failed;

	tcase_add_test(tj, whitespace_goes_only_outside_strings);
	tcase_add_test(tj, every_byte_of_a_long_string_is_checked);
	tcase_add_test(tj, numbers_and_escapes_stay_byte_for_byte);
	tcase_add_test(tj, malformed_json_is_refused_with_the_byte_offset);
	tcase_add_test(tj, nesting_is_accepted_up_to_the_depth_limit_only);
	tcase_add_test(tj, an_escaped_nul_in_a_string_is_found);
	tcase_add_test(tj, a_lone_surrogate_escape_is_refused);
	tcase_add_test(
	    tj, numbers_longer_than_the_render_limit_written_out_are_refused);
	tcase_add_test(ti, an_event_without_timestamp_and_level_gets_defaults);
	tcase_add_test(ti, a_run_id_is_a_string_up_to_its_limit);
	tcase_add_test(
	    ti, producer_fields_are_kept_in_order_and_a_producer_id_is_dropped);
	tcase_add_test(
	    ti, member_names_are_compared_with_their_escapes_decoded);
	tcase_add_test(ti, timestamps_are_iso_times_of_years_1_to_9999);
	tcase_add_test(ti, an_array_is_one_batch_of_events);
	tcase_add_test(ti, one_bad_event_refuses_the_whole_batch);
	tcase_add_test(ti, a_large_batch_keeps_every_event_in_order);
	tcase_add_test(ti, an_event_over_the_line_limit_is_too_large);
	tcase_add_test(ti, a_status_body_sets_status_name_and_exit_code);
	tcase_add_test(ti, a_bad_status_body_is_refused);
	tcase_add_test(ti, a_status_string_with_an_escaped_nul_is_refused);
	suite_add_tcase(s, tj);
	suite_add_tcase(s, ti);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
