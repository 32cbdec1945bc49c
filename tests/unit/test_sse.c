/* test_sse.c - the event-stream parser against the WHATWG rules, chunk
 * splits, its caps and its memory bound. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "fuzz_sse.h"
#include "core/sse.h"

/* Cap on a recorder's log; the biggest test logs about 1 MiB. */
#define REC_LOG_MAX (16 * 1024 * 1024)
/* Bytes fed by the hostile no-newline test. */
#define HOSTILE_TOTAL (100 * 1024 * 1024)
/* Chunk size the hostile tests feed with. */
#define HOSTILE_CHUNK (64 * 1024)
/* Bytes fed per line kind by the every-kind-of-line bound test. */
#define HOSTILE_KIND_TOTAL (8 * 1024 * 1024)

/* The UTF-8 byte order mark. */
#define BOM "\xef\xbb\xbf"

/* What a callback does besides recording. */
enum rec_action {
	REC_RECORD,
	REC_FREE_ON_EVENT,
	REC_RECONNECT_ON_EVENT,
};

/* Records every callback as one escaped text line in log. */
struct rec {
	struct sse_parser *p;
	struct buf log;
	enum rec_action action;
	int events;
	size_t last_data_len;
	size_t last_truncated;
};

/* The recorder most tests use, made by the fixture. */
static struct rec *R;

/* Append s to the log with every byte that is not plain printable ASCII
 * escaped, so expectations can be written as C strings. */
static void
rec_escape(struct rec *r, const char *s, size_t n)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\n')
			buf_puts(&r->log, "\\n");
		else if (c == '\r')
			buf_puts(&r->log, "\\r");
		else if (c == '\t')
			buf_puts(&r->log, "\\t");
		else if (c == '"' || c == '\\')
			buf_printf(&r->log, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(&r->log, "\\x%02x", c);
		else
			buf_putc(&r->log, (char)c);
	}
}

/* Log an event as: event TYPE "DATA" id="ID" cut=N */
static void
rec_on_event(const struct sse_event *ev, void *arg)
{
	struct rec *r = arg;

	buf_puts(&r->log, "event ");
	rec_escape(r, ev->type, ev->type_len);
	buf_puts(&r->log, " \"");
	rec_escape(r, ev->data, ev->data_len);
	buf_puts(&r->log, "\" id=\"");
	rec_escape(r, ev->id, ev->id_len);
	buf_printf(&r->log, "\" cut=%zu\n", ev->truncated);
	r->events++;
	r->last_data_len = ev->data_len;
	r->last_truncated = ev->truncated;
	if (r->action == REC_FREE_ON_EVENT) {
		sse_free(r->p);
		r->p = NULL;
	} else if (r->action == REC_RECONNECT_ON_EVENT)
		sse_reconnect(r->p);
}

/* Log a comment as: comment "TEXT" */
static void
rec_on_comment(const char *text, size_t len, void *arg)
{
	struct rec *r = arg;

	buf_puts(&r->log, "comment \"");
	rec_escape(r, text, len);
	buf_puts(&r->log, "\"\n");
}

/* Log a retry as: retry MS */
static void
rec_on_retry(long ms, void *arg)
{
	struct rec *r = arg;

	buf_printf(&r->log, "retry %ld\n", ms);
}

static const struct sse_callbacks rec_callbacks = {
    rec_on_event, rec_on_comment, rec_on_retry};

/* A recorder with a parser capped at max (0: the default). */
static struct rec *
rec_new(size_t max)
{
	struct rec *r = calloc(1, sizeof *r);

	ck_assert_ptr_nonnull(r);
	buf_init(&r->log, REC_LOG_MAX);
	r->p = sse_new(&rec_callbacks, r, max);
	ck_assert_ptr_nonnull(r->p);
	return r;
}

/* Free a recorder and its parser. */
static void
rec_free(struct rec *r)
{
	sse_free(r->p);
	buf_free(&r->log);
	free(r);
}

/* Feed n bytes as one chunk. */
static void
feedn(struct rec *r, const char *s, size_t n)
{
	sse_feed(r->p, s, n);
}

/* Feed a C string as one chunk. */
static void
feed(struct rec *r, const char *s)
{
	feedn(r, s, strlen(s));
}

/* Feed a C string one byte at a time. */
static void
feed_bytewise(struct rec *r, const char *s)
{
	for (; *s != '\0'; s++)
		feedn(r, s, 1);
}

/* End the stream and log the state that outlives it. */
static void
rec_end(struct rec *r)
{
	const char *id;
	size_t len;

	sse_reconnect(r->p);
	id = sse_last_id(r->p, &len);
	buf_puts(&r->log, "end id=\"");
	rec_escape(r, id, len);
	buf_printf(&r->log, "\" retry=%ld\n", sse_retry(r->p));
}

/* The log so far as a C string. */
static const char *
rec_log(const struct rec *r)
{
	return r->log.p != NULL ? r->log.p : "";
}

/* The parser's last event id as a C string (test ids hold no NUL). */
static const char *
last_id(const struct rec *r)
{
	static char copy[SSE_MAX_FIELD + 1];
	const char *id;
	size_t len;

	id = sse_last_id(r->p, &len);
	memcpy(copy, id, len);
	copy[len] = '\0';
	return copy;
}

/* Fixture: a fresh default recorder in R. */
static void
setup(void)
{
	R = rec_new(0);
}

/* Fixture: free R. */
static void
teardown(void)
{
	rec_free(R);
	R = NULL;
}

/* --- line ends --- */

START_TEST(lf_ends_lines)
{
	feed(R, "data: a\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\\nb\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(crlf_ends_lines)
{
	feed(R, "data: a\r\ndata: b\r\n\r\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\\nb\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(cr_alone_ends_lines)
{
	feed(R, "data: a\rdata: b\r\r");
	ck_assert_str_eq(rec_log(R), "event message \"a\\nb\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(mixed_line_ends_in_one_stream)
{
	feed(R, "data: a\rdata: b\r\ndata: c\n\r\ndata: d\n\r");
	ck_assert_str_eq(rec_log(R),
	    "event message \"a\\nb\\nc\" id=\"\" cut=0\n"
	    "event message \"d\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(crlf_split_across_chunks_is_one_line_end)
{
	/* Were the LF a second line end, "a" would fire on its own. */
	feed(R, "data: a\r");
	feed(R, "\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\\nb\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(cr_at_chunk_end_ends_the_line_at_once)
{
	feed(R, "data: a\n\r");
	ck_assert_int_eq(R->events, 1);
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(only_one_lf_is_skipped_after_a_chunk_ending_in_cr)
{
	feed(R, "data: a\r");
	feed(R, "\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(lf_skip_is_forgotten_when_next_chunk_starts_otherwise)
{
	feed(R, "data: a\r");
	feed(R, "data: b\r");
	feed(R, "\r\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\\nb\" id=\"\" cut=0\n");
}
END_TEST

/* --- byte order mark --- */

START_TEST(leading_bom_is_stripped)
{
	feed(R, BOM "data: a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(bom_split_one_byte_at_a_time_is_stripped)
{
	feed_bytewise(R, BOM "data: a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(second_bom_is_not_stripped)
{
	/* The second BOM is part of the field name, so the line is ignored. */
	feed(R, BOM BOM "data: a\n\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"b\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(bom_after_the_first_line_is_not_stripped)
{
	feed(R, "data: a\n\n" BOM "data: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(partial_bom_is_kept_as_stream_text)
{
	/* Two BOM bytes then "data": the name is "\xef\xbb" "data". */
	feed(R, "\xef");
	feed(R, "\xbb");
	feed(R, "data: a\n\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"b\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(reconnect_allows_a_bom_again)
{
	feed(R, BOM "data: a\n\n");
	sse_reconnect(R->p);
	feed(R, "\xef\xbb");
	feed(R, "\xbf"
	        "data: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n"
	                             "event message \"b\" id=\"\" cut=0\n");
}
END_TEST

/* --- comments and fields --- */

START_TEST(comment_line_goes_to_on_comment_without_its_colon)
{
	feed(R, ": keepalive\n:\n");
	ck_assert_str_eq(rec_log(R), "comment \" keepalive\"\ncomment \"\"\n");
	ck_assert_int_eq(R->events, 0);
}
END_TEST

START_TEST(optional_callbacks_may_be_null)
{
	static const struct sse_callbacks only_event = {
	    rec_on_event, NULL, NULL};
	struct rec *r = rec_new(0);

	sse_free(r->p);
	r->p = sse_new(&only_event, r, 0);
	feed(r, ": hi\nretry: 10\ndata: a\n\n");
	ck_assert_str_eq(rec_log(r), "event message \"a\" id=\"\" cut=0\n");
	ck_assert_int_eq(sse_retry(r->p), 10);
	rec_free(r);
}
END_TEST

START_TEST(parser_without_on_event_is_refused)
{
	static const struct sse_callbacks none = {NULL, rec_on_comment, NULL};

	ck_assert_ptr_null(sse_new(&none, NULL, 0));
	ck_assert_ptr_null(sse_new(NULL, NULL, 0));
}
END_TEST

START_TEST(field_without_colon_has_empty_value)
{
	feed(R, "data\ndata\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"\\n\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(lone_data_line_fires_event_with_empty_data)
{
	feed(R, "data\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(exactly_one_space_after_colon_is_removed)
{
	feed(R, "data: a\ndata:  b\ndata:c\ndata:\n\n");
	ck_assert_str_eq(
	    rec_log(R), "event message \"a\\n b\\nc\\n\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(tab_after_colon_is_kept)
{
	feed(R, "data:\ta\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"\\ta\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(space_after_colon_split_across_chunks_is_removed)
{
	feed(R, "data:");
	feed(R, " a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(field_names_are_case_sensitive)
{
	feed(R, "Data: a\nDATA: b\nEvent: x\nID: 3\n\n");
	ck_assert_str_eq(rec_log(R), "");
	ck_assert_str_eq(last_id(R), "");
}
END_TEST

START_TEST(field_name_with_leading_space_is_unknown)
{
	feed(R, " data: a\n\n");
	ck_assert_str_eq(rec_log(R), "");
}
END_TEST

START_TEST(field_name_with_nul_is_unknown)
{
	static const char s[] = "data\0: a\n\n";

	feedn(R, s, sizeof s - 1);
	ck_assert_str_eq(rec_log(R), "");
}
END_TEST

START_TEST(unknown_fields_are_ignored)
{
	feed(R, "foo: bar\nbaz\ndata: a\nlongfieldname: x\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(value_keeps_later_colons)
{
	feed(R, "data: a: b:c\n\n");
	ck_assert_str_eq(
	    rec_log(R), "event message \"a: b:c\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(data_keeps_nul_bytes)
{
	static const char s[] = "data: a\0b\n\n";

	feedn(R, s, sizeof s - 1);
	ck_assert_str_eq(
	    rec_log(R), "event message \"a\\x00b\" id=\"\" cut=0\n");
}
END_TEST

/* --- dispatch --- */

START_TEST(data_lines_are_joined_with_lf)
{
	feed(R, "data: one\ndata: two\ndata: three\n\n");
	ck_assert_str_eq(
	    rec_log(R), "event message \"one\\ntwo\\nthree\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(only_one_trailing_lf_is_removed)
{
	feed(R, "data: a\ndata\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\\n\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(event_field_sets_the_type)
{
	feed(R, "event: log\ndata: a\n\n");
	ck_assert_str_eq(rec_log(R), "event log \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(empty_event_field_means_message)
{
	feed(R, "event: log\nevent\ndata: a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(event_type_resets_after_dispatch)
{
	feed(R, "event: log\ndata: a\n\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event log \"a\" id=\"\" cut=0\n"
	                             "event message \"b\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(event_without_data_fires_nothing_and_resets_type)
{
	feed(R, "event: x\n\n");
	ck_assert_int_eq(R->events, 0);
	feed(R, "data: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"b\" id=\"\" cut=0\n");
}
END_TEST

START_TEST(blank_lines_alone_fire_nothing)
{
	feed(R, "\n\n\r\n\r\r");
	ck_assert_int_eq(R->events, 0);
}
END_TEST

START_TEST(blank_line_commits_id_without_firing)
{
	feed(R, "id: 5\n\n");
	ck_assert_int_eq(R->events, 0);
	ck_assert_str_eq(last_id(R), "5");
}
END_TEST

/* --- ids --- */

START_TEST(event_carries_its_id)
{
	feed(R, "id: 42\ndata: a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"42\" cut=0\n");
	ck_assert_str_eq(last_id(R), "42");
}
END_TEST

START_TEST(id_containing_nul_is_ignored)
{
	static const char s[] = "id: 1\n\nid: 2\0x\ndata: a\n\n";

	feedn(R, s, sizeof s - 1);
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"1\" cut=0\n");
}
END_TEST

START_TEST(empty_id_resets_last_id)
{
	feed(R, "id: 1\ndata: a\n\nid\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"1\" cut=0\n"
	                             "event message \"b\" id=\"\" cut=0\n");
	ck_assert_str_eq(last_id(R), "");
}
END_TEST

START_TEST(last_id_survives_events_without_id)
{
	feed(R, "id: 1\ndata: a\n\ndata: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"1\" cut=0\n"
	                             "event message \"b\" id=\"1\" cut=0\n");
}
END_TEST

START_TEST(last_id_survives_reconnect)
{
	feed(R, "id: 7\ndata: a\n\n");
	sse_reconnect(R->p);
	feed(R, "data: b\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"7\" cut=0\n"
	                             "event message \"b\" id=\"7\" cut=0\n");
}
END_TEST

START_TEST(set_last_id_seeds_the_stream)
{
	ck_assert_int_eq(sse_set_last_id(R->p, "99", 2), 0);
	ck_assert_str_eq(last_id(R), "99");
	feed(R, "data: a\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"99\" cut=0\n");
}
END_TEST

START_TEST(set_last_id_refuses_nul_and_overlong_ids)
{
	static char big[SSE_MAX_FIELD + 1];

	memset(big, '1', sizeof big);
	ck_assert_int_eq(sse_set_last_id(R->p, "5", 1), 0);
	ck_assert_int_eq(sse_set_last_id(R->p, "1\0002", 3), -1);
	ck_assert_int_eq(sse_set_last_id(R->p, big, sizeof big), -1);
	ck_assert_str_eq(last_id(R), "5");
	ck_assert_int_eq(sse_set_last_id(R->p, big, SSE_MAX_FIELD), 0);
}
END_TEST

/* --- retry --- */

START_TEST(retry_with_digits_is_reported)
{
	ck_assert_int_eq(sse_retry(R->p), -1);
	feed(R, "retry: 2500\n");
	ck_assert_str_eq(rec_log(R), "retry 2500\n");
	ck_assert_int_eq(sse_retry(R->p), 2500);
}
END_TEST

START_TEST(retry_is_read_in_base_ten)
{
	feed(R, "retry: 02000\n");
	ck_assert_int_eq(sse_retry(R->p), 2000);
}
END_TEST

START_TEST(retry_with_anything_but_digits_is_ignored)
{
	feed(R, "retry: 10\nretry: 2000ms\nretry:  3\nretry: -1\nretry: +5\n"
	        "retry: 1.5\nretry:\nretry\nretry: \xd9\xa3\n");
	ck_assert_str_eq(rec_log(R), "retry 10\n");
	ck_assert_int_eq(sse_retry(R->p), 10);
}
END_TEST

START_TEST(retry_too_large_for_a_long_is_ignored)
{
	feed(R, "retry: 10\nretry: 99999999999999999999999999999\n");
	ck_assert_int_eq(sse_retry(R->p), 10);
}
END_TEST

/* --- end of stream --- */

START_TEST(unfinished_event_is_dropped_with_its_id_at_reconnect)
{
	feed(R, "id: 1\ndata: a\n\nid: 2\nevent: x\ndata: b\n");
	sse_reconnect(R->p);
	ck_assert_str_eq(last_id(R), "1");
	feed(R, "\ndata: c\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"1\" cut=0\n"
	                             "event message \"c\" id=\"1\" cut=0\n");
}
END_TEST

START_TEST(unfinished_line_is_dropped_at_reconnect)
{
	feed(R, "data: a\ndata: b");
	sse_reconnect(R->p);
	feed(R, "\n\ndata: c\r");
	sse_reconnect(R->p);
	feed(R, "\ndata: d\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"d\" id=\"\" cut=0\n");
}
END_TEST

/* --- arbitrary chunk splits --- */

/* A stream that touches every rule, parsed with max_event SPLIT_MAX. */
static const char varied[] = BOM
    ": hello\r\n"
    "retry: 1500\n"
    "id: 1\r"
    "event: log\r\n"
    "data: {\"msg\":\"caf\xc3\xa9 \xe2\x82\xac\"}\n"
    "\n"
    "data:first\rdata: second\r\ndata\n\r\n"
    "id\n"
    "event: x\n\n"
    "data:  two spaces\n:\n\n"
    "Data: no\n data: no\nfoo: bar\nfoo\n"
    "id: 7\0nul\n"
    "data: after the nul id\n\n"
    "retry: 12x\nretry: 0200\n"
    "data: a line well over the sixty-four byte cap, so that the cap must cut "
    "it\n"
    "data: more\n\n" BOM "data: a second bom\n\n"
    ": a comment well over the sixty-four byte cap, cut to fit the cap!\n"
    "id: an id well over the sixty-four byte cap, which is ignored entirely\n"
    "event: a type well over the sixty-four byte cap, which is cut to fit it "
    "in\n"
    "data: tail\r\r"
    "id: 3\ndata: unfinished";
#define SPLIT_MAX 64
/* Random-split runs of the split test. */
#define SPLIT_RUNS 500

/* Parse varied (twice in a row) in chunks ending at cuts, a byte at a time
 * when cuts is NULL; returns the log (caller frees). */
static char *
parse_varied(const size_t *cuts, size_t ncuts)
{
	const size_t len = 2 * (sizeof varied - 1);
	char *stream = malloc(len), *log;
	struct rec *r = rec_new(SPLIT_MAX);
	size_t pos = 0, next, i = 0;

	ck_assert_ptr_nonnull(stream);
	memcpy(stream, varied, sizeof varied - 1);
	memcpy(stream + sizeof varied - 1, varied, sizeof varied - 1);
	while (pos < len) {
		next = cuts == NULL ? pos + 1 : i < ncuts ? cuts[i++] : len;
		feedn(r, stream + pos, next - pos);
		pos = next;
	}
	rec_end(r);
	log = strdup(rec_log(r));
	ck_assert_ptr_nonnull(log);
	rec_free(r);
	free(stream);
	return log;
}

START_TEST(any_chunk_split_gives_the_same_callbacks)
{
	const size_t len = 2 * (sizeof varied - 1);
	size_t cuts[2 * sizeof varied] = {0}, ncuts, pos, run;
	unsigned long seed = 0x2545f491UL;
	char *whole, *got;

	whole = parse_varied(cuts, 0);
	/* The stream really exercises what it claims to. */
	ck_assert_ptr_nonnull(strstr(whole, "event log \"{\\\"msg\\\":"));
	ck_assert_ptr_nonnull(strstr(whole, "cut=10\n"));
	ck_assert_ptr_nonnull(strstr(whole, "which is cut to fit it \"tail\""));
	ck_assert_ptr_nonnull(strstr(whole, "comment \" a comment"));
	ck_assert_ptr_nonnull(strstr(whole, "retry 200\n"));
	ck_assert_ptr_nonnull(strstr(whole, "end id=\"\" retry=200\n"));

	/* One chunk against a byte at a time. */
	got = parse_varied(NULL, 0);
	ck_assert_str_eq(got, whole);
	free(got);

	/* Two chunks, at every split point. */
	for (pos = 0; pos <= len; pos++) {
		cuts[0] = pos;
		got = parse_varied(cuts, 1);
		ck_assert_msg(strcmp(got, whole) == 0, "split at %zu", pos);
		free(got);
	}

	/* Many chunks of random sizes. */
	for (run = 0; run < SPLIT_RUNS; run++) {
		ncuts = 0;
		pos = 0;
		while (pos < len) {
			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			pos += 1 + (seed >> 33) % 40;
			cuts[ncuts++] = pos < len ? pos : len;
		}
		got = parse_varied(cuts, ncuts);
		ck_assert_msg(strcmp(got, whole) == 0, "random run %zu", run);
		free(got);
	}
	free(whole);
}
END_TEST

/* --- caps and memory --- */

START_TEST(data_line_over_the_cap_is_cut_and_counted)
{
	struct rec *r = rec_new(8);

	feed(r, "data: 123456789abc\n\n");
	ck_assert_str_eq(
	    rec_log(r), "event message \"12345678\" id=\"\" cut=4\n");
	rec_free(r);
}
END_TEST

START_TEST(data_exactly_at_the_cap_is_not_cut)
{
	struct rec *r = rec_new(8);

	feed(r, "data: 12345678\n\ndata: 1234\ndata: 567\n\n");
	ck_assert_str_eq(rec_log(r),
	    "event message \"12345678\" id=\"\" cut=0\n"
	    "event message \"1234\\n567\" id=\"\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(event_data_over_the_cap_is_cut_across_lines)
{
	struct rec *r = rec_new(8);

	feed(r, "data: 12345\ndata: 6789\ndata: more\n\n");
	ck_assert_str_eq(
	    rec_log(r), "event message \"12345\\n67\" id=\"\" cut=7\n");
	rec_free(r);
}
END_TEST

START_TEST(stream_goes_on_correctly_after_a_cut)
{
	struct rec *r = rec_new(8);

	feed(r, "id: 1\ndata: 123456789abc\nevent: x\n\nid: 2\ndata: ok\n\n");
	ck_assert_str_eq(rec_log(r), "event x \"12345678\" id=\"1\" cut=4\n"
	                             "event message \"ok\" id=\"2\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(long_comment_is_cut_at_the_field_cap)
{
	struct rec *r = rec_new(8);

	feed(r, ":123456789\n");
	ck_assert_str_eq(rec_log(r), "comment \"12345678\"\n");
	rec_free(r);
}
END_TEST

START_TEST(long_event_type_is_cut_at_the_field_cap)
{
	struct rec *r = rec_new(8);

	feed(r, "event: 123456789\ndata: a\n\n");
	ck_assert_str_eq(rec_log(r), "event 12345678 \"a\" id=\"\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(id_over_the_field_cap_is_ignored)
{
	struct rec *r = rec_new(8);

	feed(r, "id: 12345678\n\nid: 123456789\ndata: a\n\n");
	ck_assert_str_eq(
	    rec_log(r), "event message \"a\" id=\"12345678\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(retry_over_the_field_cap_is_ignored)
{
	struct rec *r = rec_new(8);

	/* Cut to eight digits it would read as 0. */
	feed(r, "retry: 000000001\n");
	ck_assert_str_eq(rec_log(r), "");
	ck_assert_int_eq(sse_retry(r->p), -1);
	rec_free(r);
}
END_TEST

START_TEST(huge_max_event_is_clamped_not_wrapped)
{
	struct rec *r = rec_new((size_t)-1);

	feed(r, "data: a\n\n");
	ck_assert_str_eq(rec_log(r), "event message \"a\" id=\"\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(field_cap_is_sse_max_field_under_the_default_cap)
{
	static char line[SSE_MAX_FIELD + 16];
	size_t n;

	n = (size_t)snprintf(line, sizeof line, ":");
	memset(line + n, 'c', SSE_MAX_FIELD + 5);
	line[n + SSE_MAX_FIELD + 5] = '\n';
	feedn(R, line, n + SSE_MAX_FIELD + 6);
	ck_assert_uint_eq(R->log.len, strlen("comment \"\"\n") + SSE_MAX_FIELD);
}
END_TEST

/* Feed prefix, then total bytes of filler in HOSTILE_CHUNK chunks with no
 * line end, checking the memory bound after every chunk. */
static void
feed_hostile(
    struct rec *r, size_t max, const char *prefix, char filler, size_t total)
{
	static char chunk[HOSTILE_CHUNK];
	size_t fed;

	memset(chunk, filler, sizeof chunk);
	feed(r, prefix);
	for (fed = 0; fed < total; fed += sizeof chunk) {
		feedn(r, chunk, sizeof chunk);
		ck_assert_uint_le(sse_memory(r->p), SSE_MEMORY_MAX(max));
	}
}

START_TEST(memory_stays_bounded_on_100mb_without_a_newline)
{
	feed_hostile(R, SSE_DEFAULT_MAX_EVENT, "data: ", 'x', HOSTILE_TOTAL);
	feed(R, "\n\n");
	ck_assert_int_eq(R->events, 1);
	ck_assert_uint_eq(R->last_data_len, SSE_DEFAULT_MAX_EVENT);
	ck_assert_uint_eq(
	    R->last_truncated, HOSTILE_TOTAL - SSE_DEFAULT_MAX_EVENT);
	/* The buffer is reused, not grown, by the next event. */
	feed(R, "data: ok\n\n");
	ck_assert_uint_eq(R->last_data_len, 2);
	ck_assert_uint_le(
	    sse_memory(R->p), SSE_MEMORY_MAX(SSE_DEFAULT_MAX_EVENT));
}
END_TEST

START_TEST(memory_stays_bounded_on_every_kind_of_endless_line)
{
	static const char *const prefixes[] = {
	    "",
	    ":",
	    "id: ",
	    "event: ",
	    "retry: ",
	    "foo: ",
	    "data: ",
	};
	const size_t max = 4096;
	size_t i;
	struct rec *r;

	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		r = rec_new(max);
		/* A huge data event first, so two big buffers are full. */
		feed_hostile(r, max, "data: ", 'y', 2 * max);
		feed(r, "\n");
		feed_hostile(r, max, prefixes[i], '7', HOSTILE_KIND_TOTAL);
		feed(r, "\n\n");
		ck_assert_int_eq(r->events, 1);
		ck_assert_uint_le(sse_memory(r->p), SSE_MEMORY_MAX(max));
		rec_free(r);
	}
}
END_TEST

/* --- callbacks that end the parse --- */

START_TEST(free_from_a_callback_is_safe)
{
	struct rec *r = rec_new(0);

	r->action = REC_FREE_ON_EVENT;
	feed(r, "data: a\n\ndata: b\n\n");
	ck_assert_ptr_null(r->p);
	ck_assert_str_eq(rec_log(r), "event message \"a\" id=\"\" cut=0\n");
	rec_free(r);
}
END_TEST

START_TEST(a_data_line_in_place_outlives_its_chunk)
{
	/* A whole data line is handed out where it lies in the chunk when
	 * its blank line is in the same chunk; otherwise it must be kept
	 * before the chunk goes: the caller's buffer is reused here. */
	char chunk[64];

	strcpy(chunk, "id: 7\ndata: first\n");
	feedn(R, chunk, strlen(chunk));
	memset(chunk, 'X', sizeof chunk);
	strcpy(chunk, "\ndata: one\ndata: two\n\ndata: three\n");
	feedn(R, chunk, strlen(chunk));
	memset(chunk, 'Y', sizeof chunk);
	strcpy(chunk, "data: four\n\n");
	feedn(R, chunk, strlen(chunk));
	feed(R, "data\n\ndata: max-sized\n\n");
	ck_assert_str_eq(rec_log(R),
	    "event message \"first\" id=\"7\" cut=0\n"
	    "event message \"one\\ntwo\" id=\"7\" cut=0\n"
	    "event message \"three\\nfour\" id=\"7\" cut=0\n"
	    "event message \"\" id=\"7\" cut=0\n"
	    "event message \"max-sized\" id=\"7\" cut=0\n");
}
END_TEST

START_TEST(an_id_and_type_in_place_outlive_their_chunk)
{
	/* An event's id and type are kept where they lie in the chunk
	 * until it ends; the caller's buffer is reused (and freed) here. */
	char *chunk = malloc(64);

	ck_assert_ptr_nonnull(chunk);
	strcpy(chunk, "id: 41\nevent: log\ndata: a\n\nid: 42\nevent: up");
	feedn(R, chunk, strlen(chunk));
	memset(chunk, 'X', 64);
	free(chunk);
	ck_assert_str_eq(last_id(R), "41");
	feed(R, "date\ndata: b\n\n");
	chunk = malloc(64);
	ck_assert_ptr_nonnull(chunk);
	strcpy(chunk, "id: 43\nevent: x\n\n");
	feedn(R, chunk, strlen(chunk));
	memset(chunk, 'Y', 64);
	free(chunk);
	/* A blank line without data committed id 43 and reset the type. */
	feed(R, "data: c\n\n");
	rec_end(R);
	ck_assert_str_eq(rec_log(R), "event log \"a\" id=\"41\" cut=0\n"
	                             "event update \"b\" id=\"42\" cut=0\n"
	                             "event message \"c\" id=\"43\" cut=0\n"
	                             "end id=\"43\" retry=-1\n");
}
END_TEST

START_TEST(a_pending_id_in_place_survives_a_reconnect_from_a_callback)
{
	/* The reconnect restores the id buffer from the last id, which
	 * is still in the chunk being fed. */
	R->action = REC_RECONNECT_ON_EVENT;
	feed(R, "id: 5\ndata: a\n\nid: 6\ndata: b\n\n");
	R->action = REC_RECORD;
	feed(R, "data: c\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"5\" cut=0\n"
	                             "event message \"c\" id=\"5\" cut=0\n");
}
END_TEST

START_TEST(long_lines_past_many_blocks_end_where_they_end)
{
	/* Line ends are looked up 64 bytes at a time: lines that span
	 * several blocks, and line ends right at a block's edges. */
	char line[300];
	size_t n;

	for (n = 60; n < 200; n += 7) {
		struct rec *r = rec_new(0);
		char want[400];

		memset(line, 'a', sizeof line);
		memcpy(line, "data: ", 6);
		memcpy(line + n, "\r\n\ndata:x\r\r", 11);
		feedn(r, line, n + 11);
		snprintf(want, sizeof want,
		    "event message \"%.*s\" id=\"\" cut=0\n"
		    "event message \"x\" id=\"\" cut=0\n",
		    (int)(n - 6), line + 6);
		ck_assert_str_eq(rec_log(r), want);
		rec_free(r);
	}
}
END_TEST

START_TEST(reconnect_from_a_callback_drops_the_rest_of_the_chunk)
{
	R->action = REC_RECONNECT_ON_EVENT;
	feed(R, "id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
	R->action = REC_RECORD;
	feed(R, BOM "data: c\n\n");
	ck_assert_str_eq(rec_log(R), "event message \"a\" id=\"1\" cut=0\n"
	                             "event message \"c\" id=\"1\" cut=0\n");
}
END_TEST

/* --- the fuzz harness --- */

/* Seed inputs the replay test needs at least. */
#define SEEDS_MIN 4

START_TEST(fuzz_seed_corpus_replays_clean)
{
	static unsigned char data[1 << 16];
	char path[4096];
	struct dirent *de;
	DIR *d;
	FILE *f;
	size_t n;
	int seeds = 0, code;

	d = opendir(SSE_CORPUS_DIR);
	ck_assert_msg(d != NULL, "cannot open %s", SSE_CORPUS_DIR);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(
		    path, sizeof path, "%s/%s", SSE_CORPUS_DIR, de->d_name);
		f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "cannot open %s", path);
		n = fread(data, 1, sizeof data, f);
		fclose(f);
		code = fuzz_sse_check(data, n);
		ck_assert_msg(
		    code == 0, "%s: %s", de->d_name, fuzz_sse_error(code));
		seeds++;
	}
	closedir(d);
	ck_assert_int_ge(seeds, SEEDS_MIN);
}
END_TEST

START_TEST(fuzz_check_sees_through_its_header)
{
	/* Cap 8, no reconnect, one split at offset 5: the check parses and
	 * passes; a short input is fine too. */
	static const unsigned char in[] = "\x07\x00\x01\x00\x05"
	                                  "data: 123456789\r\n\r\n";

	ck_assert_int_eq(fuzz_sse_check(in, sizeof in - 1), 0);
	ck_assert_int_eq(fuzz_sse_check(in, 2), 0);
}
END_TEST

static Suite *
sse_suite(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = tcase_create("parser");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lf_ends_lines);
	tcase_add_test(tc, crlf_ends_lines);
	tcase_add_test(tc, cr_alone_ends_lines);
	tcase_add_test(tc, mixed_line_ends_in_one_stream);
	tcase_add_test(tc, crlf_split_across_chunks_is_one_line_end);
	tcase_add_test(tc, cr_at_chunk_end_ends_the_line_at_once);
	tcase_add_test(tc, only_one_lf_is_skipped_after_a_chunk_ending_in_cr);
	tcase_add_test(
	    tc, lf_skip_is_forgotten_when_next_chunk_starts_otherwise);
	tcase_add_test(tc, leading_bom_is_stripped);
	tcase_add_test(tc, bom_split_one_byte_at_a_time_is_stripped);
	tcase_add_test(tc, second_bom_is_not_stripped);
	tcase_add_test(tc, bom_after_the_first_line_is_not_stripped);
	tcase_add_test(tc, partial_bom_is_kept_as_stream_text);
	tcase_add_test(tc, reconnect_allows_a_bom_again);
	tcase_add_test(tc, comment_line_goes_to_on_comment_without_its_colon);
	tcase_add_test(tc, optional_callbacks_may_be_null);
	tcase_add_test(tc, parser_without_on_event_is_refused);
	tcase_add_test(tc, field_without_colon_has_empty_value);
	tcase_add_test(tc, lone_data_line_fires_event_with_empty_data);
	tcase_add_test(tc, exactly_one_space_after_colon_is_removed);
	tcase_add_test(tc, tab_after_colon_is_kept);
	tcase_add_test(tc, space_after_colon_split_across_chunks_is_removed);
	tcase_add_test(tc, field_names_are_case_sensitive);
	tcase_add_test(tc, field_name_with_leading_space_is_unknown);
	tcase_add_test(tc, field_name_with_nul_is_unknown);
	tcase_add_test(tc, unknown_fields_are_ignored);
	tcase_add_test(tc, value_keeps_later_colons);
	tcase_add_test(tc, data_keeps_nul_bytes);
	tcase_add_test(tc, data_lines_are_joined_with_lf);
	tcase_add_test(tc, only_one_trailing_lf_is_removed);
	tcase_add_test(tc, event_field_sets_the_type);
	tcase_add_test(tc, empty_event_field_means_message);
	tcase_add_test(tc, event_type_resets_after_dispatch);
	tcase_add_test(tc, event_without_data_fires_nothing_and_resets_type);
	tcase_add_test(tc, blank_lines_alone_fire_nothing);
	tcase_add_test(tc, blank_line_commits_id_without_firing);
	tcase_add_test(tc, event_carries_its_id);
	tcase_add_test(tc, id_containing_nul_is_ignored);
	tcase_add_test(tc, empty_id_resets_last_id);
	tcase_add_test(tc, last_id_survives_events_without_id);
	tcase_add_test(tc, last_id_survives_reconnect);
	tcase_add_test(tc, set_last_id_seeds_the_stream);
	tcase_add_test(tc, set_last_id_refuses_nul_and_overlong_ids);
	tcase_add_test(tc, retry_with_digits_is_reported);
	tcase_add_test(tc, retry_is_read_in_base_ten);
	tcase_add_test(tc, retry_with_anything_but_digits_is_ignored);
	tcase_add_test(tc, retry_too_large_for_a_long_is_ignored);
	tcase_add_test(
	    tc, unfinished_event_is_dropped_with_its_id_at_reconnect);
	tcase_add_test(tc, unfinished_line_is_dropped_at_reconnect);
	tcase_add_test(tc, any_chunk_split_gives_the_same_callbacks);
	tcase_add_test(tc, data_line_over_the_cap_is_cut_and_counted);
	tcase_add_test(tc, data_exactly_at_the_cap_is_not_cut);
	tcase_add_test(tc, event_data_over_the_cap_is_cut_across_lines);
	tcase_add_test(tc, stream_goes_on_correctly_after_a_cut);
	tcase_add_test(tc, long_comment_is_cut_at_the_field_cap);
	tcase_add_test(tc, long_event_type_is_cut_at_the_field_cap);
	tcase_add_test(tc, id_over_the_field_cap_is_ignored);
	tcase_add_test(tc, retry_over_the_field_cap_is_ignored);
	tcase_add_test(tc, huge_max_event_is_clamped_not_wrapped);
	tcase_add_test(tc, field_cap_is_sse_max_field_under_the_default_cap);
	tcase_add_test(tc, memory_stays_bounded_on_100mb_without_a_newline);
	tcase_add_test(tc, memory_stays_bounded_on_every_kind_of_endless_line);
	tcase_add_test(tc, free_from_a_callback_is_safe);
	tcase_add_test(
	    tc, reconnect_from_a_callback_drops_the_rest_of_the_chunk);
	tcase_add_test(tc, a_data_line_in_place_outlives_its_chunk);
	tcase_add_test(tc, an_id_and_type_in_place_outlive_their_chunk);
	tcase_add_test(
	    tc, a_pending_id_in_place_survives_a_reconnect_from_a_callback);
	tcase_add_test(tc, long_lines_past_many_blocks_end_where_they_end);
	tcase_add_test(tc, fuzz_seed_corpus_replays_clean);
	tcase_add_test(tc, fuzz_check_sees_through_its_header);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
