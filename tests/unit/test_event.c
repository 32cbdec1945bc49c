/* test_event.c - tolerant decoding of log, status and reset payloads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

static struct event_decoder *dec;
static struct log_event ev;

static void
setup(void)
{
	dec = event_decoder_new();
	ck_assert_ptr_nonnull(dec);
}

static void
teardown(void)
{
	event_decoder_free(dec);
	dec = NULL;
}

/* Decode the NUL-terminated s into ev. */
static void
decode(const char *s)
{
	event_decode(dec, s, strlen(s), &ev);
}

/* True when sp holds exactly the n bytes at s. */
static bool
span_is(struct span sp, const char *s, size_t n)
{
	return sp.n == n && memcmp(sp.p, s, n) == 0;
}

#define SPAN_IS(sp, lit) span_is((sp), (lit), sizeof(lit) - 1)

START_TEST(full_event_decodes_every_field)
{
	const char *s =
	    "{\"id\": 1042, \"timestamp\": \"2024-12-07T14:23:45."
	    "123Z\", \"level\": \"INFO\", \"message\": \"Starting automation "
	    "execution\", \"task\": \"data_sync\", \"runId\": \"r-17\"}";

	decode(s);
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, 1042);
	ck_assert(SPAN_IS(ev.timestamp, "2024-12-07T14:23:45.123Z"));
	ck_assert_int_eq(ev.ts_ms, 1733581425123LL);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	ck_assert(SPAN_IS(ev.level_name, "INFO"));
	ck_assert(SPAN_IS(ev.message, "Starting automation execution"));
	ck_assert(SPAN_IS(ev.task, "data_sync"));
	ck_assert(SPAN_IS(ev.run_id, "r-17"));
	ck_assert(ev.raw.p == s && ev.raw.n == strlen(s));
	ck_assert_uint_eq(ev.truncated, 0);
}
END_TEST

START_TEST(missing_fields_get_defaults)
{
	decode("{}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	ck_assert_uint_eq(ev.timestamp.n, 0);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	ck_assert(SPAN_IS(ev.level_name, "INFO"));
	ck_assert_uint_eq(ev.message.n, 0);
	ck_assert_uint_eq(ev.task.n, 0);
	ck_assert_uint_eq(ev.run_id.n, 0);
}
END_TEST

START_TEST(null_members_count_as_absent)
{
	decode("{\"id\":null,\"timestamp\":null,\"level\":null,\"message\":"
	       "null,\"msg\":\"fallback\",\"task\":null,\"runId\":null}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	ck_assert_uint_eq(ev.timestamp.n, 0);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	ck_assert(SPAN_IS(ev.message, "fallback"));
	ck_assert_uint_eq(ev.task.n, 0);
}
END_TEST

/* The level decoded from a "level" member with the JSON value v; ev's
 * spans stay valid until the next call (they point into s). */
static enum level
level_of(const char *v)
{
	static char s[128];

	snprintf(s, sizeof s, "{\"level\":%s}", v);
	decode(s);
	return ev.level;
}

START_TEST(decoded_level_names_are_whole_canonical_names)
{
	static const char *const names[] = {
	    "trace", "debug", "info", "warn", "error", "fatal"};
	char data[64];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(data, sizeof data, "{\"level\":\"%s\"}", names[i]);
		decode(data);
		ck_assert_int_eq(ev.level, (int)(LEVEL_TRACE + i));
		ck_assert_uint_eq(
		    ev.level_name.n, strlen(level_name(ev.level)));
		ck_assert(memcmp(ev.level_name.p, level_name(ev.level),
		              ev.level_name.n) == 0);
	}
}
END_TEST

START_TEST(levels_map_case_insensitively)
{
	ck_assert_int_eq(level_of("\"trace\""), LEVEL_TRACE);
	ck_assert_int_eq(level_of("\"Debug\""), LEVEL_DEBUG);
	ck_assert_int_eq(level_of("\"info\""), LEVEL_INFO);
	ck_assert_int_eq(level_of("\"WARN\""), LEVEL_WARN);
	ck_assert_int_eq(level_of("\"eRRoR\""), LEVEL_ERROR);
	ck_assert_int_eq(level_of("\"FATAL\""), LEVEL_FATAL);
	ck_assert(SPAN_IS(ev.level_name, "FATAL"));
	ck_assert_int_eq(level_of("\"error\""), LEVEL_ERROR);
	ck_assert(SPAN_IS(ev.level_name, "ERROR"));
}
END_TEST

START_TEST(warning_is_warn)
{
	ck_assert_int_eq(level_of("\"Warning\""), LEVEL_WARN);
	ck_assert(SPAN_IS(ev.level_name, "WARN"));
}
END_TEST

START_TEST(unknown_level_is_kept_as_written)
{
	ck_assert_int_eq(level_of("\"Notice\""), LEVEL_OTHER);
	ck_assert(SPAN_IS(ev.level_name, "Notice"));
	ck_assert_int_eq(level_of("\"warn \""), LEVEL_OTHER);
	ck_assert(SPAN_IS(ev.level_name, "warn "));
	ck_assert_int_eq(level_of("\"cr\\u0069t\""), LEVEL_OTHER);
	ck_assert(SPAN_IS(ev.level_name, "crit"));
}
END_TEST

START_TEST(non_string_level_is_other_with_its_json_text)
{
	ck_assert_int_eq(level_of("30"), LEVEL_OTHER);
	ck_assert(SPAN_IS(ev.level_name, "30"));
}
END_TEST

START_TEST(empty_level_means_info)
{
	ck_assert_int_eq(level_of("\"\""), LEVEL_INFO);
	ck_assert(SPAN_IS(ev.level_name, "INFO"));
}
END_TEST

START_TEST(level_names_are_canonical)
{
	ck_assert_str_eq(level_name(LEVEL_TRACE), "TRACE");
	ck_assert_str_eq(level_name(LEVEL_WARN), "WARN");
	ck_assert_str_eq(level_name(LEVEL_OTHER), "OTHER");
	ck_assert_int_eq(level_parse("WARNING", 7), LEVEL_WARN);
	ck_assert_int_eq(level_parse("warnin", 6), LEVEL_OTHER);
	ck_assert_int_eq(level_parse("", 0), LEVEL_OTHER);
}
END_TEST

START_TEST(nul_in_message_is_kept_with_everything_after)
{
	decode("{\"message\":\"before\\u0000after \\\"quoted\\\"\"}");
	ck_assert(ev.json);
	ck_assert(SPAN_IS(ev.message, "before\0after \"quoted\""));
}
END_TEST

START_TEST(surrogate_pair_decodes_to_one_character)
{
	decode("{\"message\":\"smile \\ud83d\\ude00!\"}");
	ck_assert(SPAN_IS(ev.message, "smile \xf0\x9f\x98\x80!"));
}
END_TEST

START_TEST(lone_surrogate_becomes_replacement_character)
{
	decode("{\"message\":\"a\\udead b\\ud83d\"}");
	ck_assert(SPAN_IS(ev.message, "a\xef\xbf\xbd b\xef\xbf\xbd"));
}
END_TEST

START_TEST(invalid_utf8_and_raw_controls_are_kept)
{
	decode("{\"message\":\"bad \xff\xc0\x80 esc \x1b[2J tab\t\"}");
	ck_assert(ev.json);
	ck_assert(SPAN_IS(ev.message, "bad \xff\xc0\x80 esc \x1b[2J tab\t"));
}
END_TEST

/* event_decode parses the timestamp once into ts_ms, for every consumer:
 * INT64_MIN when absent, null, not a string that parses, or a date that
 * does not exist; escapes are undone before the parse. */
START_TEST(the_timestamp_is_parsed_once_into_ts_ms)
{
	static const struct {
		const char *data;
		int64_t ms;
	} cases[] = {
	    {"{\"timestamp\":\"1970-01-01T00:00:01.5Z\"}", 1500},
	    {"{\"timestamp\":\"2024-12-07T15:23:45+01:00\"}",
	        1733581425000LL},
	    {"{\"timestamp\":\"2024\\u002d12-07T14:23:45Z\"}",
	        1733581425000LL},
	    {"{\"timestamp\":\"1969-12-31T23:59:59.999Z\"}", -1},
	    {"{\"timestamp\":\"2024-02-30T00:00:00Z\"}", INT64_MIN},
	    {"{\"timestamp\":\"yesterday\"}", INT64_MIN},
	    {"{\"timestamp\":1733581425}", INT64_MIN},
	    {"{\"timestamp\":null}", INT64_MIN},
	    {"{\"message\":\"none\"}", INT64_MIN},
	    {"not json", INT64_MIN},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		decode(cases[i].data);
		ck_assert_msg(ev.ts_ms == cases[i].ms, "case %zu: %lld", i,
		    (long long)ev.ts_ms);
	}
}
END_TEST

START_TEST(every_escaped_field_keeps_its_own_text)
{
	decode("{\"timestamp\":\"2024\\u002d01\",\"level\":\"W\\u0041RN\","
	       "\"message\":\"line1\\nline2\",\"task\":\"t\\/1\",\"runId\":"
	       "\"r\\t2\"}");
	ck_assert(SPAN_IS(ev.timestamp, "2024-01"));
	ck_assert_int_eq(ev.level, LEVEL_WARN);
	ck_assert(SPAN_IS(ev.message, "line1\nline2"));
	ck_assert(SPAN_IS(ev.task, "t/1"));
	ck_assert(SPAN_IS(ev.run_id, "r\t2"));
}
END_TEST

START_TEST(id_may_be_a_numeric_string)
{
	decode("{\"id\":\"1042\"}");
	ck_assert_int_eq(ev.id, 1042);
}
END_TEST

START_TEST(unusable_id_is_minus_one)
{
	decode("{\"id\":\"abc\"}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":1.5}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":99999999999999999999}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":[1]}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":true}");
	ck_assert_int_eq(ev.id, -1);
}
END_TEST

/* Found by fuzz_event: a negative id passed for an id. */
START_TEST(negative_id_is_minus_one)
{
	decode("{\"id\":-5}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":\"-999999999999999999\"}");
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":-0}");
	ck_assert_int_eq(ev.id, 0);
}
END_TEST

START_TEST(msg_is_used_when_message_is_absent)
{
	decode("{\"msg\":\"from msg\"}");
	ck_assert(SPAN_IS(ev.message, "from msg"));
}
END_TEST

START_TEST(message_wins_over_msg_in_any_order)
{
	decode("{\"message\":\"m\",\"msg\":\"x\"}");
	ck_assert(SPAN_IS(ev.message, "m"));
	decode("{\"msg\":\"x\",\"message\":\"m\"}");
	ck_assert(SPAN_IS(ev.message, "m"));
}
END_TEST

START_TEST(non_string_message_becomes_its_json_text)
{
	decode("{\"message\":42}");
	ck_assert(SPAN_IS(ev.message, "42"));
	decode("{\"message\": {\"k\": [1, \"v\"]} }");
	ck_assert(SPAN_IS(ev.message, "{\"k\": [1, \"v\"]}"));
	decode("{\"msg\":false}");
	ck_assert(SPAN_IS(ev.message, "false"));
}
END_TEST

START_TEST(nested_extra_fields_stay_in_raw)
{
	const char *s =
	    "{\"id\":7,\"ctx\":{\"a\":[1,{\"b\":\"c\"}],\"d\":null},"
	    "\"message\":\"m\",\"n\":-1.5e3}";

	decode(s);
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, 7);
	ck_assert(SPAN_IS(ev.message, "m"));
	ck_assert(ev.raw.p == s && ev.raw.n == strlen(s));
}
END_TEST

START_TEST(escaped_key_matches_known_member)
{
	decode("{\"mess\\u0061ge\":\"hi\",\"\\u0069d\":3}");
	ck_assert(SPAN_IS(ev.message, "hi"));
	ck_assert_int_eq(ev.id, 3);
}
END_TEST

START_TEST(last_duplicate_key_wins)
{
	decode("{\"message\":\"first\",\"message\":\"se\\u0063ond\"}");
	ck_assert(SPAN_IS(ev.message, "second"));
}
END_TEST

/* Assert that s decodes as a plain-text INFO event carrying s itself. */
static void
assert_text_event(const char *s, size_t n)
{
	event_decode(dec, s, n, &ev);
	ck_assert(!ev.json);
	ck_assert_int_eq(ev.id, -1);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	ck_assert(SPAN_IS(ev.level_name, "INFO"));
	ck_assert_uint_eq(ev.timestamp.n, 0);
	ck_assert(ev.message.p == s && ev.message.n == n);
	ck_assert(ev.raw.p == s && ev.raw.n == n);
}

START_TEST(keys_that_start_like_known_ones_are_other_members)
{
	/* Known keys are told by their first byte and length: a longer or
	 * shorter key with the same start is some other member. */
	decode("{\"ids\":1,\"i\":2,\"timestamps\":\"x\",\"tas\":\"t\","
	       "\"levels\":\"ERROR\",\"m\":\"a\",\"messages\":\"b\","
	       "\"msgs\":\"c\",\"runIds\":\"r\",\"run\":\"q\"}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	ck_assert_uint_eq(ev.timestamp.n, 0);
	ck_assert_uint_eq(ev.task.n, 0);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	ck_assert_uint_eq(ev.message.n, 0);
	ck_assert_uint_eq(ev.run_id.n, 0);
}
END_TEST

START_TEST(a_known_key_cut_by_the_data_end_is_no_member)
{
	/* The data ends inside a key that starts like a known one. */
	assert_text_event("{\"id", 4);
	assert_text_event("{\"id\"", 5);
	assert_text_event("{\"timestamp", 11);
	assert_text_event("{\"id\":1,\"message", 17);
}
END_TEST

START_TEST(known_members_in_any_order_with_whitespace_decode_alike)
{
	decode(
	    " { \"runId\" : \"r-1\" ,\n\t\"task\":\"t\", \"msg\" : \"m\","
	    "\"level\" :\"warning\", \"timestamp\": \"2024-05-01T12:00:00Z\","
	    " \"id\" : 12 } ");
	ck_assert(ev.json);
	ck_assert(!ev.plain);
	ck_assert_int_eq(ev.id, 12);
	ck_assert_int_eq(ev.level, LEVEL_WARN);
	ck_assert(SPAN_IS(ev.message, "m"));
	ck_assert(SPAN_IS(ev.task, "t"));
	ck_assert(SPAN_IS(ev.run_id, "r-1"));
	ck_assert(ev.ts_ms == 1714564800000LL);
}
END_TEST

START_TEST(number_ids_follow_the_json_grammar)
{
	/* -0 is 0; a fraction, an exponent or a huge number is no id;
	 * leading zeros or a plus are no JSON at all. */
	decode("{\"id\":-0}");
	ck_assert_int_eq(ev.id, 0);
	decode("{\"id\":999999999999999999}");
	ck_assert_int_eq(ev.id, 999999999999999999LL);
	decode("{\"id\":9223372036854775807}");
	ck_assert_int_eq(ev.id, 9223372036854775807LL);
	decode("{\"id\":9223372036854775808}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":1.0}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":1e3}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	decode("{\"id\":07}");
	ck_assert(!ev.json);
	decode("{\"id\":+7}");
	ck_assert(!ev.json);
	decode("{\"id\":-}");
	ck_assert(!ev.json);
}
END_TEST

START_TEST(literal_values_must_be_whole)
{
	decode("{\"id\":true,\"task\":false,\"runId\":null}");
	ck_assert(ev.json);
	ck_assert_int_eq(ev.id, -1);
	ck_assert(SPAN_IS(ev.task, "false"));
	ck_assert_uint_eq(ev.run_id.n, 0);
	decode("{\"a\":tru}");
	ck_assert(!ev.json);
	decode("{\"a\":nul");
	ck_assert(!ev.json);
	decode("{\"a\":falsey}");
	ck_assert(!ev.json);
}
END_TEST

START_TEST(key_matching_is_case_sensitive)
{
	decode("{\"Message\":\"x\",\"ID\":4}");
	ck_assert(ev.json);
	ck_assert_uint_eq(ev.message.n, 0);
	ck_assert_int_eq(ev.id, -1);
}
END_TEST

START_TEST(plain_text_becomes_info_message)
{
	assert_text_event("Starting automation execution", 29);
}
END_TEST

START_TEST(invalid_json_becomes_info_message_whole)
{
	/* Even after known members were seen, nothing of them remains. */
	const char *s = "{\"id\":5,\"level\":\"ERROR\",\"message\":\"cut";

	assert_text_event(s, strlen(s));
	s = "{\"level\":\"ERROR\",\"message\":\"x\"} trailing";
	assert_text_event(s, strlen(s));
	s = "{\"message\":\"bad \\q escape\"}";
	assert_text_event(s, strlen(s));
}
END_TEST

START_TEST(json_non_object_becomes_info_message)
{
	assert_text_event("[1,2]", 5);
	assert_text_event("\"just a string\"", 15);
	assert_text_event("42", 2);
	assert_text_event("null", 4);
}
END_TEST

START_TEST(empty_data_is_an_empty_info_event)
{
	assert_text_event("", 0);
}
END_TEST

START_TEST(text_with_nul_bytes_is_kept_whole)
{
	assert_text_event("a\0b\0c", 5);
}
END_TEST

START_TEST(nesting_past_the_limit_becomes_text)
{
	size_t depth = 600, n = depth * 2 + 16, i, o = 0;
	char *s = malloc(n);

	o += (size_t)snprintf(s, n, "{\"x\":");
	for (i = 0; i < depth; i++)
		s[o++] = '[';
	for (i = 0; i < depth; i++)
		s[o++] = ']';
	s[o++] = '}';
	assert_text_event(s, o);
	free(s);
}
END_TEST

START_TEST(scratch_cap_cuts_field_text_and_counts_it)
{
	/* An escaped message bigger than the scratch area. */
	size_t body = EVENT_SCRATCH_MAX + 4096, n = body + 32, o, i;
	char *s = malloc(n);

	o = (size_t)snprintf(s, n, "{\"message\":\"\\n");
	for (i = 0; i < body; i++)
		s[o++] = 'a';
	s[o++] = '"';
	s[o++] = '}';
	event_decode(dec, s, o, &ev);
	ck_assert(ev.json);
	ck_assert_uint_eq(ev.message.n, EVENT_SCRATCH_MAX);
	ck_assert_int_eq(ev.message.p[0], '\n');
	ck_assert_int_eq(ev.message.p[1], 'a');
	/* Input: 2 bytes of escape + body; consumed: 2 + (MAX - 1). */
	ck_assert_uint_eq(ev.truncated, body + 1 - EVENT_SCRATCH_MAX);
	/* The next event is whole again. */
	decode("{\"message\":\"x\\ty\"}");
	ck_assert(SPAN_IS(ev.message, "x\ty"));
	ck_assert_uint_eq(ev.truncated, 0);
	free(s);
}
END_TEST

START_TEST(decoder_is_reusable_across_many_events)
{
	char s[128];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(s, sizeof s, "{\"id\":%d,\"message\":\"n\\u00e9%d\"}",
		    i, i);
		decode(s);
		ck_assert_int_eq(ev.id, i);
		snprintf(s, sizeof s, "n\xc3\xa9%d", i);
		ck_assert(span_is(ev.message, s, strlen(s)));
	}
}
END_TEST

struct collected {
	int count;
	long long ids[8];
	bool json[8];
	char messages[8][32];
};

/* Array callback: record what arrived. */
static void
collect(const struct log_event *e, void *arg)
{
	struct collected *c = arg;

	if (c->count < 8) {
		c->ids[c->count] = e->id;
		c->json[c->count] = e->json;
		snprintf(c->messages[c->count], 32, "%.*s", (int)e->message.n,
		    e->message.p);
	}
	c->count++;
}

START_TEST(array_delivers_every_element_in_order)
{
	const char *s =
	    " [ {\"id\":1,\"message\":\"a\"}, {\"id\":2,\"message\":"
	    "\"b\\nc\"},\n{\"id\":3} ] ";
	struct collected c = {0};

	ck_assert_int_eq(event_decode_array(dec, s, strlen(s), collect, &c), 3);
	ck_assert_int_eq(c.count, 3);
	ck_assert_int_eq(c.ids[0], 1);
	ck_assert_int_eq(c.ids[2], 3);
	ck_assert_str_eq(c.messages[1], "b\nc");
	ck_assert(c.json[0] && c.json[1] && c.json[2]);
}
END_TEST

START_TEST(empty_array_delivers_nothing)
{
	struct collected c = {0};

	ck_assert_int_eq(event_decode_array(dec, "[]", 2, collect, &c), 0);
	ck_assert_int_eq(c.count, 0);
}
END_TEST

START_TEST(array_element_that_is_not_an_object_is_a_text_event)
{
	struct collected c = {0};

	ck_assert_int_eq(
	    event_decode_array(dec, "[\"x\",7]", 7, collect, &c), 2);
	ck_assert(!c.json[0]);
	ck_assert_str_eq(c.messages[0], "\"x\"");
	ck_assert_str_eq(c.messages[1], "7");
}
END_TEST

START_TEST(broken_array_is_rejected_without_callbacks)
{
	const char *bad[] = {
	    "{\"id\":1}", "[{\"id\":1},{\"id\":", "[{}] x", "", "not json"};
	struct collected c = {0};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_int_eq(event_decode_array(
		                     dec, bad[i], strlen(bad[i]), collect, &c),
		    -1);
	ck_assert_int_eq(c.count, 0);
}
END_TEST

START_TEST(status_completed_with_exit_code)
{
	const char *s = "{\"status\":\"completed\",\"timestamp\":"
	                "\"2024-12-07T14:25:00Z\",\"exitCode\":0}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.status, RUN_COMPLETED);
	ck_assert(st.has_exit_code);
	ck_assert_int_eq(st.exit_code, 0);
	ck_assert(SPAN_IS(st.timestamp, "2024-12-07T14:25:00Z"));
	ck_assert_int_eq(st.ts_ms, 1733581500000LL);
	ck_assert(run_status_terminal(st.status));
}
END_TEST

START_TEST(status_without_exit_code)
{
	const char *s = "{\"status\":\"Running\",\"exitCode\":null}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.status, RUN_RUNNING);
	ck_assert(!st.has_exit_code);
	ck_assert_uint_eq(st.timestamp.n, 0);
	ck_assert(st.ts_ms == INT64_MIN);
	ck_assert(!run_status_terminal(st.status));
}
END_TEST

START_TEST(status_failed_keeps_negative_exit_code)
{
	const char *s = "{\"exitCode\":-9,\"status\":\"failed\"}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.status, RUN_FAILED);
	ck_assert_int_eq(st.exit_code, -9);
}
END_TEST

START_TEST(unknown_status_name_is_run_unknown)
{
	const char *s = "{\"status\":\"paused\"}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.status, RUN_UNKNOWN);
}
END_TEST

START_TEST(unusable_status_is_rejected)
{
	const char *bad[] = {"", "completed", "{\"status\":1}", "{}",
	    "{\"status\":\"completed\"", "[\"completed\"]"};
	struct status_event st;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_int_eq(
		    event_decode_status(bad[i], strlen(bad[i]), &st), -1);
}
END_TEST

START_TEST(run_status_names_round_trip)
{
	enum run_status s;

	for (s = RUN_QUEUED; s <= RUN_CANCELLED; s++)
		ck_assert_int_eq(run_status_parse(run_status_name(s),
		                     strlen(run_status_name(s))),
		    s);
	ck_assert_int_eq(run_status_parse("canceled", 8), RUN_CANCELLED);
	ck_assert_str_eq(run_status_name(RUN_UNKNOWN), "unknown");
}
END_TEST

START_TEST(status_run_boundary_decodes_its_run_fields)
{
	const char *s = "{\"status\":\"failed\",\"exitCode\":1,\"run\":7,"
	                "\"runId\":\"nightly-sync-run-7\","
	                "\"startedAt\":\"2024-12-07T14:02:11.000Z\","
	                "\"endedAt\":\"2024-12-07T14:05:23.500Z\"}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.status, RUN_FAILED);
	ck_assert_int_eq(st.run, 7);
	ck_assert(SPAN_IS(st.run_id, "nightly-sync-run-7"));
	ck_assert_int_eq(st.started_ms, 1733580131000LL);
	ck_assert_int_eq(st.ended_ms - st.started_ms, 192500);
}
END_TEST

START_TEST(status_without_run_fields_has_their_defaults)
{
	const char *s = "{\"status\":\"running\"}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.run, 0);
	ck_assert_uint_eq(st.run_id.n, 0);
	ck_assert(st.started_ms == INT64_MIN);
	ck_assert(st.ended_ms == INT64_MIN);
}
END_TEST

START_TEST(unusable_run_fields_count_as_absent)
{
	const char *s = "{\"status\":\"running\",\"run\":-2,\"runId\":5,"
	                "\"startedAt\":\"yesterday\",\"endedAt\":17}";
	struct status_event st;

	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.run, 0);
	ck_assert_uint_eq(st.run_id.n, 0);
	ck_assert(st.started_ms == INT64_MIN);
	ck_assert(st.ended_ms == INT64_MIN);
	s = "{\"status\":\"running\",\"run\":\"3\",\"run\":1.5}";
	ck_assert_int_eq(event_decode_status(s, strlen(s), &st), 0);
	ck_assert_int_eq(st.run, 0);
}
END_TEST

START_TEST(times_parse_with_offsets_and_fractions)
{
	const char *a = "2024-12-07T14:02:11Z";
	const char *b = "2024-12-07T16:02:11.25+02:00";

	ck_assert_int_eq(event_parse_time(a, strlen(a)), 1733580131000LL);
	ck_assert_int_eq(event_parse_time(b, strlen(b)), 1733580131250LL);
	ck_assert(event_parse_time("2024-12-07", 10) == INT64_MIN);
	ck_assert(event_parse_time("", 0) == INT64_MIN);
}
END_TEST

START_TEST(a_time_memo_parses_as_without_one)
{
	/* Lines of one second reuse the memo; another second, a broken
	 * head or a broken tail after a known head give what the memo-less
	 * parser gives, and a broken head leaves the memo as it was. */
	static const char *const ts[] = {"2024-12-07T14:02:11.001Z",
	    "2024-12-07T14:02:11.002Z", "2024-12-07T14:02:11",
	    "2024-12-07T14:02:11.5+02:00", "2024-12-07T14:02:11.5+99:00",
	    "2024-12-07T14:02:11Q", "2024-12-07T14:02:12.000Z",
	    "2024-02-30T14:02:12.000Z", "2024-12-07T14:02:12,25z",
	    "2024-12-07 14:02:12.1", "2024-12-07T14:02:12.000Z",
	    "2024-12-07T14:02:1", "", "2024-12-07T14:02:12x"};
	struct event_time_memo m;
	size_t i, k;

	memset(&m, 0, sizeof m);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof ts / sizeof *ts; i++)
			ck_assert_int_eq(
			    event_parse_time_memo(&m, ts[i], strlen(ts[i])),
			    event_parse_time(ts[i], strlen(ts[i])));
	}
	ck_assert(m.valid);
	ck_assert(memcmp(m.head, "2024-12-07T14:02:12", EVENT_TIME_HEAD) == 0);
}
END_TEST

START_TEST(a_time_memo_formats_as_without_one)
{
	/* Steps across seconds, days and 1970 in both directions, and the
	 * ends of the range, against the memo-less writer. */
	static const int64_t starts[] = {1733580131000LL - 2500, -2500,
	    86400000LL - 1500, -62167219200000LL, 253402300800000LL - 1500};
	char a[EVENT_TIME_LEN], b[EVENT_TIME_LEN];
	struct event_time_memo m;
	size_t i;
	int64_t ms;

	memset(&m, 0, sizeof m);
	for (i = 0; i < sizeof starts / sizeof *starts; i++) {
		for (ms = starts[i]; ms < starts[i] + 3000; ms += 7) {
			ck_assert(event_format_time_memo(&m, ms, a) ==
			          event_format_time(ms, b));
			if (event_format_time(ms, b) &&
			    memcmp(a, b, EVENT_TIME_LEN) != 0)
				ck_abort_msg("ms %lld: %.24s, not %.24s",
				    (long long)ms, a, b);
		}
	}
	ck_assert(!event_format_time_memo(&m, -62167219200001LL, a));
}
END_TEST

START_TEST(formatted_times_parse_back_to_the_same_ms)
{
	static const int64_t ms[] = {0, 1, 999, 1733580131250LL, -1,
	    -86400001LL, 951868799999LL, -62167219200000LL, 253402300799999LL};
	char out[EVENT_TIME_LEN];
	size_t i;

	for (i = 0; i < sizeof ms / sizeof *ms; i++) {
		ck_assert(event_format_time(ms[i], out));
		ck_assert_int_eq(event_parse_time(out, EVENT_TIME_LEN), ms[i]);
	}
	ck_assert(event_format_time(1733580131250LL, out));
	ck_assert(memcmp(out, "2024-12-07T14:02:11.250Z", EVENT_TIME_LEN) == 0);
	ck_assert(!event_format_time(-62167219200001LL, out));
	ck_assert(!event_format_time(253402300800000LL, out));
}
END_TEST

/* Found by fuzz_event: February 31 was read as March 2, and an offset of
 * +99:99 was applied as given. */
START_TEST(times_that_do_not_exist_are_refused)
{
	static const char *bad[] = {"2024-02-30T00:00:00Z",
	    "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
	    "1900-02-29T00:00:00Z", "2024-12-07T14:02:11+24:00",
	    "2024-12-07T14:02:11-05:60"};
	const char *leap = "2000-02-29T00:00:00Z";
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(
		    event_parse_time(bad[i], strlen(bad[i])) == INT64_MIN,
		    "%s accepted", bad[i]);
	ck_assert_int_eq(event_parse_time(leap, strlen(leap)), 951782400000LL);
}
END_TEST

START_TEST(reset_gives_oldest_id)
{
	const char *s = "{\"reason\":\"retention\",\"oldestId\":5000}";

	ck_assert_int_eq(event_decode_reset(s, strlen(s)), 5000);
	s = "{\"oldestId\":\"77\"}";
	ck_assert_int_eq(event_decode_reset(s, strlen(s)), 77);
}
END_TEST

START_TEST(reset_tells_a_renumbering_server_from_lost_lines)
{
	const char *s = "{\"reason\":\"unknown\",\"oldestId\":1}";

	ck_assert(event_reset_renumbered(s, strlen(s)));
	s = "{\"oldestId\":1,\"reason\":\"unkn\\u006fwn\"}";
	ck_assert(event_reset_renumbered(s, strlen(s)));
	s = "{\"reason\":\"retention\",\"oldestId\":5000}";
	ck_assert(!event_reset_renumbered(s, strlen(s)));
	s = "{\"oldestId\":5000}";
	ck_assert(!event_reset_renumbered(s, strlen(s)));
	s = "{\"reason\":7}";
	ck_assert(!event_reset_renumbered(s, strlen(s)));
	ck_assert(!event_reset_renumbered("", 0));
}
END_TEST

START_TEST(unusable_reset_is_minus_one)
{
	const char *bad[] = {"", "5000", "{\"reason\":\"retention\"}",
	    "{\"oldestId\":-3}", "{\"oldestId\":\"x\"}", "{\"oldestId\":1"};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_int_eq(
		    event_decode_reset(bad[i], strlen(bad[i])), -1);
}
END_TEST

START_TEST(free_accepts_null)
{
	event_decoder_free(NULL);
	ck_assert_ptr_nonnull(dec);
}
END_TEST

/* Decode the NUL-terminated s as the kept part of a cut event. */
static void
decode_cut(const char *s)
{
	event_decode_cut(dec, s, strlen(s), &ev);
}

START_TEST(cut_event_keeps_the_members_before_the_cut)
{
	decode_cut(
	    "{\"id\": 7, \"timestamp\": \"2024-12-07T14:23:45Z\", "
	    "\"level\": \"warning\", \"message\": \"abc\\n\\u00e9d\\u00");
	ck_assert_int_eq(ev.id, 7);
	ck_assert(SPAN_IS(ev.timestamp, "2024-12-07T14:23:45Z"));
	ck_assert_int_eq(ev.level, LEVEL_WARN);
	/* Whole characters only: the escape cut in its middle is dropped. */
	ck_assert(SPAN_IS(ev.message, "abc\n\xc3\xa9"
	                              "d"));
	ck_assert(!ev.json);
}
END_TEST

START_TEST(cut_event_in_a_later_member_keeps_a_whole_message)
{
	decode_cut("{\"id\": 8, \"msg\": \"whole\", \"extra\": [1, 2, {\"a\":");
	ck_assert_int_eq(ev.id, 8);
	ck_assert(SPAN_IS(ev.message, "whole"));
	decode_cut("{\"id\": 9, \"message\": \"done\"");
	ck_assert(SPAN_IS(ev.message, "done"));
	decode_cut("{\"id\": 10, \"message\": \"x\\");
	ck_assert(SPAN_IS(ev.message, "x"));
}
END_TEST

START_TEST(cut_event_before_any_member_has_no_id_and_cut_text_stays_text)
{
	decode_cut("{\"i");
	ck_assert_int_eq(ev.id, -1);
	ck_assert_int_eq(ev.message.n, 0);
	ck_assert_int_eq(ev.level, LEVEL_INFO);
	decode_cut("plain text cut");
	ck_assert(SPAN_IS(ev.message, "plain text cut"));
}
END_TEST

static Suite *
event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, full_event_decodes_every_field);
	tcase_add_test(tc, missing_fields_get_defaults);
	tcase_add_test(tc, null_members_count_as_absent);
	tcase_add_test(tc, levels_map_case_insensitively);
	tcase_add_test(tc, decoded_level_names_are_whole_canonical_names);
	tcase_add_test(tc, warning_is_warn);
	tcase_add_test(tc, unknown_level_is_kept_as_written);
	tcase_add_test(tc, non_string_level_is_other_with_its_json_text);
	tcase_add_test(tc, empty_level_means_info);
	tcase_add_test(tc, level_names_are_canonical);
	tcase_add_test(tc, nul_in_message_is_kept_with_everything_after);
	tcase_add_test(tc, surrogate_pair_decodes_to_one_character);
	tcase_add_test(tc, lone_surrogate_becomes_replacement_character);
	tcase_add_test(tc, invalid_utf8_and_raw_controls_are_kept);
	tcase_add_test(tc, every_escaped_field_keeps_its_own_text);
	tcase_add_test(tc, id_may_be_a_numeric_string);
	tcase_add_test(tc, unusable_id_is_minus_one);
	tcase_add_test(tc, negative_id_is_minus_one);
	tcase_add_test(tc, msg_is_used_when_message_is_absent);
	tcase_add_test(tc, message_wins_over_msg_in_any_order);
	tcase_add_test(tc, non_string_message_becomes_its_json_text);
	tcase_add_test(tc, nested_extra_fields_stay_in_raw);
	tcase_add_test(tc, escaped_key_matches_known_member);
	tcase_add_test(tc, last_duplicate_key_wins);
	tcase_add_test(tc, key_matching_is_case_sensitive);
	tcase_add_test(tc, keys_that_start_like_known_ones_are_other_members);
	tcase_add_test(tc, a_known_key_cut_by_the_data_end_is_no_member);
	tcase_add_test(
	    tc, known_members_in_any_order_with_whitespace_decode_alike);
	tcase_add_test(tc, number_ids_follow_the_json_grammar);
	tcase_add_test(tc, literal_values_must_be_whole);
	tcase_add_test(tc, plain_text_becomes_info_message);
	tcase_add_test(tc, invalid_json_becomes_info_message_whole);
	tcase_add_test(tc, json_non_object_becomes_info_message);
	tcase_add_test(tc, empty_data_is_an_empty_info_event);
	tcase_add_test(tc, text_with_nul_bytes_is_kept_whole);
	tcase_add_test(tc, nesting_past_the_limit_becomes_text);
	tcase_add_test(tc, scratch_cap_cuts_field_text_and_counts_it);
	tcase_add_test(tc, decoder_is_reusable_across_many_events);
	tcase_add_test(tc, array_delivers_every_element_in_order);
	tcase_add_test(tc, empty_array_delivers_nothing);
	tcase_add_test(tc, array_element_that_is_not_an_object_is_a_text_event);
	tcase_add_test(tc, broken_array_is_rejected_without_callbacks);
	tcase_add_test(tc, status_completed_with_exit_code);
	tcase_add_test(tc, status_without_exit_code);
	tcase_add_test(tc, status_failed_keeps_negative_exit_code);
	tcase_add_test(tc, unknown_status_name_is_run_unknown);
	tcase_add_test(tc, unusable_status_is_rejected);
	tcase_add_test(tc, run_status_names_round_trip);
	tcase_add_test(tc, status_run_boundary_decodes_its_run_fields);
	tcase_add_test(tc, status_without_run_fields_has_their_defaults);
	tcase_add_test(tc, unusable_run_fields_count_as_absent);
	tcase_add_test(tc, times_parse_with_offsets_and_fractions);
	tcase_add_test(tc, times_that_do_not_exist_are_refused);
	tcase_add_test(tc, a_time_memo_parses_as_without_one);
	tcase_add_test(tc, a_time_memo_formats_as_without_one);
	tcase_add_test(tc, reset_gives_oldest_id);
	tcase_add_test(tc, reset_tells_a_renumbering_server_from_lost_lines);
	tcase_add_test(tc, unusable_reset_is_minus_one);
	tcase_add_test(tc, free_accepts_null);
	tcase_add_test(tc, formatted_times_parse_back_to_the_same_ms);
	tcase_add_test(tc, the_timestamp_is_parsed_once_into_ts_ms);
	tcase_add_test(tc, cut_event_keeps_the_members_before_the_cut);
	tcase_add_test(tc, cut_event_in_a_later_member_keeps_a_whole_message);
	tcase_add_test(
	    tc, cut_event_before_any_member_has_no_id_and_cut_text_stays_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(event_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
