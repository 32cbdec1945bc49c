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
	ev.ts_ms = event_parse_time(ev.timestamp.p, ev.timestamp.n);
	ev.raw.p = "{\"message\":\"disk almost full\"}";
	ev.raw.n = strlen(ev.raw.p);
	seq = sb_append(sb, 3, &ev);
	ck_assert_int_eq(seq, 0);
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_uint_eq(l.raw_len, 0);
	ck_assert(sb_get_raw(sb, 0, &l));
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

/* The index lives in blocks of 4,096 records: many blocks filled and
 * evicted, every line still held reads back as itself, on both sides of
 * each block boundary. */
START_TEST(index_blocks_fill_and_evict_keeping_every_line)
{
	size_t cap = 1024 * 1024;
	struct scrollback *sb = sb_new(cap);
	char msg[200], want[32];
	struct log_event ev;
	struct sb_line l;
	uint64_t i, n = 60000;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "line %07llu %040d",
		    (unsigned long long)i, 0);
		ev = mkev(LEVEL_INFO, msg);
		ck_assert_int_eq(sb_append(sb, 0, &ev), (int64_t)i);
		ck_assert_uint_le(sb_used(sb), cap);
	}
	/* Far more lines went through than the cap holds: many blocks. */
	ck_assert_uint_gt(sb_first(sb), 10 * 4096);
	ck_assert_uint_gt(sb_end(sb) - sb_first(sb), 4096);
	for (i = sb_first(sb); i < sb_end(sb); i++) {
		ck_assert(sb_get(sb, i, &l));
		snprintf(want, sizeof want, "line %07llu ", (unsigned long long)i);
		ck_assert(strncmp(l.msg, want, strlen(want)) == 0);
	}
	ck_assert(!sb_get(sb, sb_first(sb) - 1, &l));
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
	ck_assert(sb_get_raw(sb, 0, &l));
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

	ck_assert_int_eq(event_parse_time(a, strlen(a)), 1000);
	ck_assert_int_eq(
	    event_parse_time(b, strlen(b)), event_parse_time(c, strlen(c)));
	ck_assert_int_eq(event_parse_time(bad, strlen(bad)), INT64_MIN);
	ck_assert_int_eq(event_parse_time("", 0), INT64_MIN);
	ck_assert_int_eq(event_parse_time("2024-01-01", 10), INT64_MIN);
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
		ev.ts_ms = event_parse_time(ts, ev.timestamp.n);
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

/* Decode data as the viewer does and append it from source src; its seq. */
static int64_t
append_json(struct scrollback *sb, uint16_t src, const char *data)
{
	struct event_decoder *d = event_decoder_new();
	struct log_event ev;
	int64_t seq;

	event_decode(d, data, strlen(data), &ev);
	seq = sb_append(sb, src, &ev);
	event_decoder_free(d);
	return seq;
}

/* True when line seq gives back data exactly, by sb_get_raw. */
static bool
raw_is(struct scrollback *sb, uint64_t seq, const char *data)
{
	struct sb_line l;

	return sb_get_raw(sb, seq, &l) && l.raw_len == strlen(data) &&
	       memcmp(l.raw, data, l.raw_len) == 0;
}

/* The event the reference server sends, in its member order. */
#define EV_PLAIN                                                          \
	"{\"id\":7,\"timestamp\":\"2024-12-07T14:00:00.001Z\",\"level\":"  \
	"\"WARN\",\"message\":\"processed record 1 of batch 0 in 56 ms\","    \
	"\"task\":\"extract\",\"runId\":\"burst-1-run-1\"}"

START_TEST(compact_event_without_extras_rebuilds_exactly)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;
	size_t before;

	ck_assert_int_eq(append_json(sb, 2, EV_PLAIN), 0);
	before = sb_used(sb);
	/* Kept compactly: the record, the message and its NUL, no raw. */
	ck_assert(sb_get(sb, 0, &l));
	ck_assert_str_eq(l.msg, "processed record 1 of batch 0 in 56 ms");
	ck_assert_int_eq(l.id, 7);
	ck_assert_int_eq(l.level, LEVEL_WARN);
	ck_assert_uint_eq(l.lvname_len, 4);
	ck_assert(memcmp(l.lvname, "WARN", 4) == 0);
	ck_assert_int_eq(l.src, 2);
	ck_assert_int_eq(l.ts_ms, 1733580000001LL);
	ck_assert_uint_eq(l.raw_len, 0);
	ck_assert(raw_is(sb, 0, EV_PLAIN));
	/* A second event of the same run costs no more for task and runId. */
	ck_assert_int_eq(append_json(sb, 2, EV_PLAIN), 1);
	ck_assert_uint_le(sb_used(sb) - before, 40 + l.msg_len + 1);
	ck_assert(raw_is(sb, 1, EV_PLAIN));
	sb_free(sb);
}
END_TEST

START_TEST(compact_event_with_extras_rebuilds_exactly)
{
	static const char *ev[] = {
	    /* Extra members after the known ones, nested, escaped. */
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"loaded\",\"task\":\"t\",\"runId\":\"r\","
	    "\"rows\":512,\"tags\":{\"a\":[1,2,\"x\\ny\"]}}",
	    /* PostgreSQL's order: runId among the extras, after rows. */
	    "{\"id\":2,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"loaded\",\"task\":\"t\",\"rows\":512,"
	    "\"runId\":\"r\"}",
	    /* No task, a runId. */
	    "{\"id\":3,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"DEBUG\",\"message\":\"\",\"runId\":\"r\"}",
	    /* Neither, and an id past 32 bits. */
	    "{\"id\":12345678901,\"timestamp\":\"1969-12-31T23:59:59.999Z\","
	    "\"level\":\"FATAL\",\"message\":\"m\",\"x\":null}",
	};
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;
	size_t i;

	for (i = 0; i < sizeof ev / sizeof *ev; i++) {
		ck_assert_int_eq(append_json(sb, 0, ev[i]), (int64_t)i);
		ck_assert(raw_is(sb, i, ev[i]));
	}
	/* Each raw read rebuilds into the store's buffer: the last one. */
	ck_assert(sb_get_raw(sb, 0, &l));
	ck_assert(raw_is(sb, 3, ev[3]));
	sb_free(sb);
}
END_TEST

START_TEST(events_the_rebuild_would_change_are_kept_whole)
{
	static const char *ev[] = {
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00Z\",\"level\":"
	    "\"INFO\",\"message\":\"no millis\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"info\",\"message\":\"lower-case level\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"a\\u0041 escape\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"tab\\tin it\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"m\",\"task\":\"t\\u00e9\"}",
	    "{\"id\": 1, \"timestamp\": \"2024-12-07T14:00:00.000Z\"}",
	    "{\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"id\":1,\"level\":"
	    "\"INFO\",\"message\":\"m\"}",
	    "{\"id\":\"1\",\"timestamp\":\"2024-12-07T14:00:00.000Z\","
	    "\"level\":\"INFO\",\"message\":\"m\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"NOTICE\",\"message\":\"m\"}",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"msg\":\"m\"}",
	    "plain text \x1b[31m with a control",
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.000Z\",\"level\":"
	    "\"INFO\",\"message\":\"m\"} ",
	};
	struct scrollback *sb = sb_new(1 << 20);
	size_t i;

	for (i = 0; i < sizeof ev / sizeof *ev; i++) {
		ck_assert_int_eq(append_json(sb, 0, ev[i]), (int64_t)i);
		ck_assert(raw_is(sb, i, ev[i]));
	}
	sb_free(sb);
}
END_TEST

START_TEST(text_event_is_its_own_data)
{
	struct scrollback *sb = sb_new(1 << 20);
	struct sb_line l;
	size_t before;

	ck_assert_int_eq(append_json(sb, 0, "just a line of text"), 0);
	before = sb_used(sb);
	ck_assert_int_eq(append_json(sb, 0, "just a line of text"), 1);
	/* The message is the data: stored once. */
	ck_assert_uint_le(sb_used(sb) - before, 40 + 19 + 1);
	ck_assert(sb_get(sb, 1, &l));
	ck_assert_str_eq(l.msg, "just a line of text");
	ck_assert_int_eq(l.level, LEVEL_INFO);
	ck_assert(raw_is(sb, 1, "just a line of text"));
	sb_free(sb);
}
END_TEST

/* The reference server's event i of run "run-i" into data. */
static const char *
run_event(char *data, size_t len, int i)
{
	snprintf(data, len,
	    "{\"id\":%d,\"timestamp\":\"2024-12-07T14:00:00.000Z\","
	    "\"level\":\"INFO\",\"message\":\"m\",\"task\":\"t\","
	    "\"runId\":\"run-%d\"}",
	    i, i);
	return data;
}

START_TEST(full_intern_table_keeps_new_runs_in_the_members)
{
	struct scrollback *sb = sb_new(64 << 20);
	char data[256];
	int i, n = 20000; /* past the table's SB_INTERN_MAX of 16383 */

	for (i = 0; i < n; i++)
		ck_assert_int_eq(
		    append_json(sb, 0, run_event(data, sizeof data, i)), i);
	for (i = 0; i < n; i += 997)
		ck_assert(raw_is(sb, (uint64_t)i, run_event(data, sizeof data, i)));
	ck_assert(raw_is(sb, (uint64_t)n - 1, run_event(data, sizeof data, n - 1)));
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
	tcase_add_test(tc, compact_event_without_extras_rebuilds_exactly);
	tcase_add_test(tc, compact_event_with_extras_rebuilds_exactly);
	tcase_add_test(tc, events_the_rebuild_would_change_are_kept_whole);
	tcase_add_test(tc, text_event_is_its_own_data);
	tcase_add_test(tc, index_blocks_fill_and_evict_keeping_every_line);
	tcase_add_test(tc, full_intern_table_keeps_new_runs_in_the_members);
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
