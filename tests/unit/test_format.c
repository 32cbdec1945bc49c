/* test_format.c - follow-mode output: text lines, JSON lines and CSV. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/esc.h"
#include "core/event.h"
#include "core/format.h"

/* Central European time with its summer time rule, spelled out so the
 * test does not depend on the tz database being installed. */
#define TZ_BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"

static struct event_decoder *dec;
static struct formatter *fmt;
static struct log_event ev;
static struct buf out;

static void
setup(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	dec = event_decoder_new();
	buf_init(&out, 16 * 1024 * 1024);
	fmt = NULL;
}

static void
teardown(void)
{
	formatter_free(fmt);
	event_decoder_free(dec);
	buf_free(&out);
}

/* Replace the formatter with a new one for these options. */
static void
use(enum output_format f, bool color, bool utc, bool with_source)
{
	struct format_opts o = {f, color, utc, with_source};

	formatter_free(fmt);
	fmt = formatter_new(&o);
	ck_assert_ptr_nonnull(fmt);
}

/* Decode the JSON data s into ev. */
static void
decode(const char *s)
{
	event_decode(dec, s, strlen(s), &ev);
}

/* Format ev afresh with source; returns the output. */
static const char *
line(const char *source)
{
	buf_clear(&out);
	ck_assert_int_eq(formatter_event(fmt, &out, source, &ev), 0);
	return out.p;
}

/* Decode s and format it without a source. */
static const char *
line_of(const char *s)
{
	decode(s);
	return line(NULL);
}

/* The text line for an INFO event "m" with timestamp ts. */
static const char *
ts_line(const char *ts)
{
	char s[256];

	snprintf(s, sizeof s, "{\"timestamp\":\"%s\",\"message\":\"m\"}", ts);
	return line_of(s);
}

/* True when n bytes at s hold no raw control byte, DEL or ESC. */
static bool
no_controls(const char *s, size_t n, bool allow_final_lf)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (allow_final_lf && i == n - 1 && s[i] == '\n')
			continue;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

START_TEST(text_line_has_the_documented_shape)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(
	    line_of("{\"id\":1042,\"timestamp\":\"2024-12-07T14:23:"
	            "45.123Z\",\"level\":\"INFO\",\"message\":\"Starting "
	            "automation "
	            "execution\",\"task\":\"data_sync\",\"runId\":\"r\"}"),
	    "[2024-12-07 14:23:45] INFO: Starting automation execution\n");
}
END_TEST

START_TEST(timestamp_is_shown_in_local_time)
{
	setenv("TZ", TZ_BERLIN, 1);
	tzset();
	use(OUTPUT_TEXT, false, false, false);
	ck_assert_str_eq(ts_line("2024-12-07T14:23:45.123Z"),
	    "[2024-12-07 15:23:45] INFO: m\n");
	ck_assert_str_eq(
	    ts_line("2024-07-01T12:00:00Z"), "[2024-07-01 14:00:00] INFO: m\n");
}
END_TEST

START_TEST(utc_option_shows_utc_whatever_the_zone)
{
	setenv("TZ", TZ_BERLIN, 1);
	tzset();
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(
	    ts_line("2024-07-01T12:00:00Z"), "[2024-07-01 12:00:00] INFO: m\n");
}
END_TEST

START_TEST(timestamp_offsets_are_honoured)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(ts_line("2024-12-07T16:23:45+02:00"),
	    "[2024-12-07 14:23:45] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-07T08:53:45.5-0530"),
	    "[2024-12-07 14:23:45] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-07T15:23:45+01"),
	    "[2024-12-07 14:23:45] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-31T23:30:00-01:00"),
	    "[2025-01-01 00:30:00] INFO: m\n");
	ck_assert_str_eq(
	    ts_line("2024-12-07t14:23:45z"), "[2024-12-07 14:23:45] INFO: m\n");
	/* No zone: taken as UTC. */
	ck_assert_str_eq(
	    ts_line("2024-12-07 14:23:45"), "[2024-12-07 14:23:45] INFO: m\n");
}
END_TEST

START_TEST(fractional_seconds_are_dropped_not_rounded)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(ts_line("2024-12-07T14:23:45.999999Z"),
	    "[2024-12-07 14:23:45] INFO: m\n");
}
END_TEST

START_TEST(unparsable_timestamp_is_shown_escaped_as_sent)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(
	    ts_line("yesterday\\u001b[2J"), "[yesterday\\x1b[2J] INFO: m\n");
	ck_assert_str_eq(ts_line("2023-02-29T00:00:00Z"),
	    "[2023-02-29T00:00:00Z] INFO: m\n");
	ck_assert_str_eq(
	    ts_line("2024-02-29T00:00:00Z"), "[2024-02-29 00:00:00] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-07T24:00:00Z"),
	    "[2024-12-07T24:00:00Z] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-07T14:23:45+2:00"),
	    "[2024-12-07T14:23:45+2:00] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-12-07T14:23:45Zjunk"),
	    "[2024-12-07T14:23:45Zjunk] INFO: m\n");
	ck_assert_str_eq(
	    line_of("{\"timestamp\":1733581425}"), "[1733581425] INFO: \n");
}
END_TEST

START_TEST(absent_timestamp_shows_a_dash)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(line_of("{\"message\":\"m\"}"), "[-] INFO: m\n");
	ck_assert_str_eq(line_of("plain text"), "[-] INFO: plain text\n");
}
END_TEST

START_TEST(time_cache_is_right_across_second_boundaries)
{
	const char *seq[][2] = {
	    {"2024-12-07T14:23:45.900Z", "14:23:45"},
	    {"2024-12-07T14:23:45.950Z", "14:23:45"},
	    {"2024-12-07T14:23:46.100Z", "14:23:46"},
	    {"2024-12-07T14:23:45.500Z", "14:23:45"},
	    {"2024-12-07T14:23:46.000Z", "14:23:46"},
	    {"2024-12-07T16:23:46+02:00", "14:23:46"},
	    {"2024-12-07T14:23:47Z", "14:23:47"},
	    {"2024-12-08T14:23:47Z", "14:23:47"},
	};
	char want[64];
	size_t i;

	use(OUTPUT_TEXT, false, true, false);
	for (i = 0; i < sizeof seq / sizeof *seq; i++) {
		snprintf(want, sizeof want, "[2024-12-0%c %s] INFO: m\n",
		    i == 7 ? '8' : '7', seq[i][1]);
		ck_assert_str_eq(ts_line(seq[i][0]), want);
	}
}
END_TEST

START_TEST(time_cache_follows_a_dst_switch_between_seconds)
{
	setenv("TZ", TZ_BERLIN, 1);
	tzset();
	use(OUTPUT_TEXT, false, false, false);
	ck_assert_str_eq(ts_line("2024-03-31T00:59:59.999Z"),
	    "[2024-03-31 01:59:59] INFO: m\n");
	ck_assert_str_eq(ts_line("2024-03-31T01:00:00.001Z"),
	    "[2024-03-31 03:00:00] INFO: m\n");
	ck_assert_str_eq(
	    ts_line("2024-03-31T00:59:59Z"), "[2024-03-31 01:59:59] INFO: m\n");
}
END_TEST

START_TEST(source_prefix_is_added_and_escaped)
{
	use(OUTPUT_TEXT, false, true, true);
	decode("{\"message\":\"m\"}");
	ck_assert_str_eq(line("nightly-etl"), "nightly-etl | [-] INFO: m\n");
	ck_assert_str_eq(
	    line("bad\x1b[2Jname"), "bad\\x1b[2Jname | [-] INFO: m\n");
	ck_assert_str_eq(line(NULL), "[-] INFO: m\n");
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(line("nightly-etl"), "[-] INFO: m\n");
}
END_TEST

START_TEST(level_is_canonical_or_as_written)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(line_of("{\"level\":\"warning\",\"message\":\"m\"}"),
	    "[-] WARN: m\n");
	ck_assert_str_eq(line_of("{\"level\":\"Notice\",\"message\":\"m\"}"),
	    "[-] Notice: m\n");
	ck_assert_str_eq(line_of("{\"level\":\"\\u001b[31mX\",\"message\":"
	                         "\"m\"}"),
	    "[-] \\x1b[31mX: m\n");
}
END_TEST

START_TEST(attack_message_renders_as_visible_text)
{
	decode("{\"level\":\"error\",\"message\":\"\\u001b]0;pwned\\u0007"
	       "\\u001b[2J\\r[fake] line\"}");
	use(OUTPUT_TEXT, false, true, true);
	ck_assert_str_eq(line("etl"),
	    "etl | [-] ERROR: \\x1b]0;pwned\\x07\\x1b[2J\\r[fake] line\n");
	ck_assert(no_controls(out.p, out.len, true));
}
END_TEST

START_TEST(nul_and_newlines_in_message_stay_on_one_line)
{
	use(OUTPUT_TEXT, false, true, false);
	ck_assert_str_eq(line_of("{\"message\":\"a\\u0000b\\nc\\r\\nd\"}"),
	    "[-] INFO: a\\x00b\\nc\\r\\nd\n");
}
END_TEST

START_TEST(colour_marks_whole_lines_by_level)
{
	const char *cases[][2] = {
	    {"error", "\033[31m[-] ERROR: m\033[0m\n"},
	    {"FATAL", "\033[31m[-] FATAL: m\033[0m\n"},
	    {"warn", "\033[33m[-] WARN: m\033[0m\n"},
	    {"debug", "\033[2m[-] DEBUG: m\033[0m\n"},
	    {"trace", "\033[2m[-] TRACE: m\033[0m\n"},
	    {"info", "[-] INFO: m\n"},
	    {"custom", "[-] custom: m\n"},
	};
	char s[128];
	size_t i;

	use(OUTPUT_TEXT, true, true, false);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(s, sizeof s, "{\"level\":\"%s\",\"message\":\"m\"}",
		    cases[i][0]);
		ck_assert_str_eq(line_of(s), cases[i][1]);
	}
}
END_TEST

START_TEST(colour_off_writes_no_escape_sequences)
{
	use(OUTPUT_TEXT, false, true, true);
	decode("{\"level\":\"error\",\"message\":\"m\"}");
	ck_assert_ptr_null(strchr(line("etl"), '\033'));
	ck_assert_str_eq(out.p, "etl | [-] ERROR: m\n");
}
END_TEST

START_TEST(colour_gives_each_source_a_steady_non_level_colour)
{
	char first[64];
	const char *l;

	use(OUTPUT_TEXT, true, true, true);
	decode("{\"level\":\"error\",\"message\":\"m\"}");
	l = line("etl");
	snprintf(first, sizeof first, "%s", l);
	ck_assert(strncmp(l, "\033[", 2) == 0);
	ck_assert(strncmp(l, "\033[31m", 5) != 0);
	ck_assert(strncmp(l, "\033[33m", 5) != 0);
	ck_assert(strncmp(l, "\033[2m", 4) != 0);
	ck_assert_ptr_nonnull(strstr(l, "etl\033[0m | \033[31m[-] ERROR: m"
	                                "\033[0m\n"));
	ck_assert_str_eq(line("etl"), first);
}
END_TEST

START_TEST(truncated_event_gets_a_visible_marker)
{
	use(OUTPUT_TEXT, true, true, false);
	decode("{\"level\":\"error\",\"message\":\"m\"}");
	ev.truncated = 12345;
	ck_assert_str_eq(line(NULL),
	    "\033[31m[-] ERROR: m [truncated 12345 bytes]\033[0m\n");
}
END_TEST

START_TEST(full_output_leaves_no_partial_line)
{
	enum output_format f;
	struct buf small;
	size_t max;

	decode("{\"id\":1,\"timestamp\":\"2024-12-07T14:23:45Z\",\"message\":"
	       "\"a fairly long message, with \\\"quotes\\\"\"}");
	for (f = OUTPUT_TEXT; f <= OUTPUT_CSV; f++) {
		use(f, true, true, true);
		for (max = 3; max < 40; max++) {
			buf_init(&small, max);
			ck_assert_int_eq(buf_puts(&small, "ab"), 0);
			ck_assert_int_eq(
			    formatter_event(fmt, &small, "etl", &ev), -1);
			ck_assert_uint_eq(small.len, 2);
			ck_assert_str_eq(small.p, "ab");
			buf_free(&small);
		}
	}
}
END_TEST

/* Parse the single JSON line in out (it must end in one LF). */
static cJSON *
json_line(void)
{
	cJSON *o;

	ck_assert_uint_gt(out.len, 1);
	ck_assert_int_eq(out.p[out.len - 1], '\n');
	ck_assert_ptr_null(memchr(out.p, '\n', out.len - 1));
	ck_assert(no_controls(out.p, out.len, true));
	o = cJSON_ParseWithLength(out.p, out.len);
	ck_assert_msg(o != NULL, "not JSON: %s", out.p);
	return o;
}

START_TEST(json_keeps_every_field_and_adds_source)
{
	cJSON *o, *ctx;

	use(OUTPUT_JSON, true, true, true);
	decode("{ \"id\" : 1042, \"timestamp\":\"2024-12-07T14:23:45.123Z\",\n"
	       "\"level\":\"INFO\",\"message\":\"Starting\",\"task\":\"data_"
	       "sync\","
	       "\"runId\":\"r-1\",\"ctx\":{\"a\":[1,{\"b\":\"c\"}],\"d\":null,"
	       "\"e\":true},\"n\":-1.5e3}");
	line("nightly-etl");
	o = json_line();
	ck_assert_str_eq(
	    cJSON_GetObjectItem(o, "source")->valuestring, "nightly-etl");
	ck_assert_int_eq(cJSON_GetObjectItem(o, "id")->valueint, 1042);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "timestamp")->valuestring,
	    "2024-12-07T14:23:45.123Z");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "runId")->valuestring, "r-1");
	ctx = cJSON_GetObjectItem(o, "ctx");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(ctx, "a"), 1), "b")
	        ->valuestring,
	    "c");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(ctx, "d")));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(ctx, "e")));
	ck_assert(cJSON_GetObjectItem(o, "n")->valuedouble == -1500.0);
	cJSON_Delete(o);
	/* Compacted, source first, members in their order. */
	ck_assert_str_eq(out.p,
	    "{\"source\":\"nightly-etl\",\"id\":1042,"
	    "\"timestamp\":\"2024-12-07T14:23:45.123Z\",\"level\":\"INFO\","
	    "\"message\":\"Starting\",\"task\":\"data_sync\",\"runId\":\"r-1\","
	    "\"ctx\":{\"a\":[1,{\"b\":\"c\"}],\"d\":null,\"e\":true},"
	    "\"n\":-1.5e3}\n");
}
END_TEST

START_TEST(json_without_source_re_emits_the_object)
{
	use(OUTPUT_JSON, false, true, true);
	ck_assert_str_eq(line_of("{\"id\":1, \"source\":\"x\"}"),
	    "{\"id\":1,\"source\":\"x\"}\n");
	ck_assert_str_eq(line_of("{}"), "{}\n");
}
END_TEST

START_TEST(json_original_source_member_does_not_shadow_ours)
{
	cJSON *o;

	use(OUTPUT_JSON, false, true, true);
	decode("{\"source\":\"worker-3\",\"message\":\"m\"}");
	line("etl");
	o = json_line();
	ck_assert_str_eq(cJSON_GetObjectItem(o, "source")->valuestring, "etl");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(o, "_source")->valuestring, "worker-3");
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_of_a_text_event_has_the_standard_fields)
{
	use(OUTPUT_JSON, false, true, true);
	decode("plain \"text\"\x1b");
	ck_assert_str_eq(line("etl"),
	    "{\"source\":\"etl\",\"id\":null,"
	    "\"timestamp\":\"\",\"level\":\"INFO\",\"message\":"
	    "\"plain \\\"text\\\"\\u001b\"}\n");
}
END_TEST

START_TEST(json_strings_are_sanitised)
{
	use(OUTPUT_JSON, false, true, false);
	/* Raw controls, invalid UTF-8, C1, bidi, lone surrogate escape; the
	 * valid escapes (pair, NUL, quote) are kept. */
	ck_assert_str_eq(line_of("{\"m\":\"a\tb\x1b"
	                         "c\xff"
	                         "d\xc2\x85"
	                         "e\xe2\x80\xae"
	                         "f\\ud800g\\ud83d\\ude00h\\u0000i\\\"\x7f\","
	                         "\"k\\u001b\x01\":1}"),
	    "{\"m\":\"a\\tb\\u001bc\\ufffdd\\u0085e\\u202ef\\ufffdg"
	    "\\ud83d\\ude00h\\u0000i\\\"\\u007f\",\"k\\u001b\\u0001\":1}\n");
	cJSON_Delete(json_line());
}
END_TEST

START_TEST(json_reports_truncation)
{
	cJSON *o;

	use(OUTPUT_JSON, false, true, true);
	decode("{\"message\":\"cut");
	ev.truncated = 99;
	line("etl");
	o = json_line();
	ck_assert_int_eq(cJSON_GetObjectItem(o, "truncated")->valueint, 99);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "message")->valuestring,
	    "{\"message\":\"cut");
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_output_is_always_valid_and_inert)
{
	static const char bytes[] =
	    "\x00\x01\x1b\x7f\x80\x85\x9b\xc2\xe2\x80"
	    "\xae\xed\xa0\xf0\x9f\x98\xff\"\\/ntu0dDa{}[]:,";
	char data[128], raw[48];
	unsigned seed = 7;
	int round, i, n;

	use(OUTPUT_JSON, false, true, true);
	for (round = 0; round < 5000; round++) {
		for (i = 0; i < (int)sizeof raw; i++) {
			seed = seed * 1103515245u + 12345u;
			raw[i] = bytes[(seed >> 16) % (sizeof bytes - 1)];
		}
		/* Half inside a JSON string (often invalid), half bare. */
		if (round % 2 == 0) {
			n = snprintf(data, sizeof data, "{\"message\":\"");
			memcpy(data + n, raw, sizeof raw);
			n += (int)sizeof raw;
			n += snprintf(
			    data + n, sizeof data - (size_t)n, "\",\"x\":[1]}");
		} else {
			memcpy(data, raw, sizeof raw);
			n = (int)sizeof raw;
		}
		event_decode(dec, data, (size_t)n, &ev);
		line("s\x1b\xff");
		cJSON_Delete(json_line());
	}
}
END_TEST

START_TEST(json_string_helper_escapes_and_quotes)
{
	buf_clear(&out);
	ck_assert_int_eq(format_json_string(&out,
	                     "a\"b\\c\n\x01\x7f\xff"
	                     "\xc2\x9b\xe2\x81\xa6\xc3\xa9/",
	                     17),
	    0);
	ck_assert_str_eq(out.p, "\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffd"
	                        "\\u009b\\u2066\xc3\xa9/\"");
}
END_TEST

/* A strict RFC 4180 reader for one record (ending in LF) at s: fills
 * fields (each malloc'd) and returns their count, or -1 when malformed. */
static int
csv_record(const char *s, char **fields, int max)
{
	int count = 0;
	struct buf f;

	for (;;) {
		buf_init(&f, 1 << 20);
		buf_append(&f, "", 0);
		if (*s == '"') {
			for (s++;; s++) {
				if (*s == '\0')
					return -1;
				if (*s == '"' && s[1] == '"')
					buf_putc(&f, *s++);
				else if (*s == '"')
					break;
				else
					buf_putc(&f, *s);
			}
			s++;
		} else {
			for (; *s != ',' && *s != '\n' && *s != '\0'; s++) {
				if (*s == '"' || *s == '\r')
					return -1;
				buf_putc(&f, *s);
			}
		}
		if (count == max)
			return -1;
		fields[count++] = f.p;
		if (*s == '\n')
			return s[1] == '\0' ? count : -1;
		if (*s != ',')
			return -1;
		s++;
	}
}

/* Free what csv_record returned. */
static void
csv_free(char **fields, int n)
{
	while (n > 0)
		free(fields[--n]);
}

START_TEST(csv_begins_with_the_header_row)
{
	use(OUTPUT_CSV, false, true, true);
	buf_clear(&out);
	ck_assert_int_eq(formatter_begin(fmt, &out), 0);
	ck_assert_str_eq(out.p, "source,id,timestamp,level,task,runId,"
	                        "message\n");
	use(OUTPUT_TEXT, false, true, true);
	buf_clear(&out);
	ck_assert_int_eq(formatter_begin(fmt, &out), 0);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(csv_record_has_the_seven_columns)
{
	use(OUTPUT_CSV, false, true, true);
	decode("{\"id\":1042,\"timestamp\":\"2024-12-07T14:23:45.123Z\","
	       "\"level\":\"warning\",\"message\":\"Starting\",\"task\":"
	       "\"data_sync\",\"runId\":\"r-17\"}");
	ck_assert_str_eq(line("etl"), "etl,1042,2024-12-07T14:23:45.123Z,"
	                              "WARN,data_sync,r-17,Starting\n");
	ck_assert_str_eq(line(NULL), ",1042,2024-12-07T14:23:45.123Z,"
	                             "WARN,data_sync,r-17,Starting\n");
	ck_assert_str_eq(line_of("just text"), ",,,INFO,,,just text\n");
}
END_TEST

START_TEST(csv_quotes_commas_and_doubles_quotes)
{
	use(OUTPUT_CSV, false, true, true);
	decode("{\"task\":\"a,b\",\"message\":\"He said \\\"hi\\\", then "
	       "left\"}");
	ck_assert_str_eq(line("e\"t,l"), "\"e\"\"t,l\",,,INFO,\"a,b\",,"
	                                 "\"He said \"\"hi\"\", then left\"\n");
}
END_TEST

START_TEST(csv_escapes_controls_so_a_record_is_one_line)
{
	use(OUTPUT_CSV, false, true, true);
	decode("{\"message\":\"line1\\nline2\\r\\u001b[2J, \\\"x\\\"\"}");
	ck_assert_str_eq(line("etl"), "etl,,,INFO,,,\"line1\\nline2\\r"
	                              "\\x1b[2J, \"\"x\"\"\"\n");
}
END_TEST

START_TEST(csv_message_carries_the_truncation_marker)
{
	use(OUTPUT_CSV, false, true, true);
	decode("{\"message\":\"m\"}");
	ev.truncated = 7;
	ck_assert_str_eq(line("etl"), "etl,,,INFO,,,m [truncated 7 bytes]\n");
}
END_TEST

START_TEST(csv_fields_a_spreadsheet_would_run_get_an_apostrophe)
{
	use(OUTPUT_CSV, false, true, true);
	ck_assert_str_eq(line_of("=HYPERLINK(\"http://x\",\"y\")"),
	    ",,,INFO,,,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n");
	ck_assert_str_eq(line_of("+1"), ",,,INFO,,,'+1\n");
	ck_assert_str_eq(line_of("-2+3"), ",,,INFO,,,'-2+3\n");
	ck_assert_str_eq(line_of("@SUM(A1)"), ",,,INFO,,,'@SUM(A1)\n");
	/* Tab and CR are escaped first, so they never start a field. */
	ck_assert_str_eq(line_of("\t=1"), ",,,INFO,,,\\t=1\n");
	ck_assert_str_eq(line_of("a=1"), ",,,INFO,,,a=1\n");
	decode("{\"level\":\"=cmd\",\"task\":\"@t\",\"runId\":\"-r\","
	       "\"message\":\"ok\"}");
	ck_assert_str_eq(line("+src"), "'+src,,,'=cmd,'@t,'-r,ok\n");
}
END_TEST

START_TEST(csv_records_parse_back_to_the_escaped_fields)
{
	static const char bytes[] = "ab ,\"\r\n\t\x1b\x00\xff\xc3\xa9\\";
	char msg[24], *fields[8];
	struct buf want;
	unsigned seed = 3;
	int round, i, n;

	use(OUTPUT_CSV, false, true, true);
	buf_init(&want, 1 << 16);
	for (round = 0; round < 3000; round++) {
		for (i = 0; i < (int)sizeof msg; i++) {
			seed = seed * 1103515245u + 12345u;
			msg[i] = bytes[(seed >> 16) % (sizeof bytes - 1)];
		}
		event_decode(dec, msg, sizeof msg, &ev);
		line("s,\"1\"");
		ck_assert(no_controls(out.p, out.len, true));
		n = csv_record(out.p, fields, 8);
		ck_assert_msg(n == 7, "bad record: %s", out.p);
		ck_assert_str_eq(fields[0], "s,\"1\"");
		ck_assert_str_eq(fields[3], "INFO");
		buf_clear(&want);
		ck_assert_int_eq(esc_text(&want, msg, sizeof msg), 0);
		ck_assert_str_eq(fields[6], want.p);
		csv_free(fields, n);
	}
	buf_free(&want);
}
END_TEST

START_TEST(json_copy_of_a_plain_event_is_what_member_by_member_gives)
{
	static const struct {
		const char *data;
		bool plain;
	} cases[] = {
	    {"{\"id\":1,\"timestamp\":\"2024-12-07T14:00:00.001Z\",\"level\":"
	     "\"INFO\",\"message\":\"processed record 1\",\"task\":\"extract\","
	     "\"runId\":\"burst-1-run-1\"}",
	        true},
	    {"{\"id\":2,\"n\":-1.5e3,\"t\":true,\"f\":false,\"z\":null,"
	     "\"m\":\"a \\\"q\\\" \\\\ \\/ \\n\\t\"}",
	        true},
	    {"{\"message\":\"\\u00e9\\ud800\"}", false},
	    {"{\"message\":\"x\\\\u\"}", false},
	    {"{\"source\":\"theirs\",\"message\":\"m\"}", false},
	    {"{\"sour\\u0063e\":\"theirs\",\"message\":\"m\"}", false},
	    {"{\"message\": \"spaced\"}", false},
	    {"{ \"message\":\"m\"}", false},
	    {"{\"message\":\"m\" }", false},
	    {"{\"message\":\"m\"}\n", false},
	    /* Plain to the decoder; the writer checks the bytes. */
	    {"{\"message\":\"caf\xc3\xa9\"}", true},
	    {"{\"message\":\"del\x7f\"}", true},
	    {"{\"message\":\"bidi\xe2\x80\xae\"}", true},
	    {"{\"message\":\"c1\xc2\x9b\"}", true},
	    {"{\"tags\":[1, 2],\"o\":{\"a\" :1}}", false},
	    {"{}", false},
	};
	struct buf slow;
	struct log_event e;
	size_t i;
	int src;

	buf_init(&slow, 1 << 20);
	use(OUTPUT_JSON, false, true, true);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		decode(cases[i].data);
		ck_assert_msg(ev.plain == cases[i].plain, "case %zu", i);
		for (src = 0; src < 2; src++) {
			e = ev;
			e.truncated = src ? 0 : 7;
			buf_clear(&out);
			ck_assert_int_eq(formatter_event(fmt, &out,
			                     src ? "a-src" : NULL, &e),
			    0);
			e.plain = false;
			buf_clear(&slow);
			ck_assert_int_eq(formatter_event(fmt, &slow,
			                     src ? "a-src" : NULL, &e),
			    0);
			ck_assert_str_eq(out.p, slow.p);
		}
	}
	buf_free(&slow);
}
END_TEST

START_TEST(durations_read_as_people_say_them)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
	    {-5, "0ms"},
	    {0, "0ms"},
	    {92, "92ms"},
	    {999, "999ms"},
	    {1000, "1s"},
	    {59999, "59s"},
	    {60000, "1m00s"},
	    {192000, "3m12s"},
	    {3599999, "59m59s"},
	    {3600000, "1h00m"},
	    {7500000, "2h05m"},
	    {86400000, "1d00h"},
	    {273600000, "3d04h"},
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		format_duration(out, sizeof out, cases[i].ms);
		ck_assert_str_eq(out, cases[i].want);
	}
	format_duration(out, 4, 192000); /* cut, still NUL-ended */
	ck_assert_str_eq(out, "3m1");
}
END_TEST

/* format_parse_duration: the one reader of durations people write (rules,
 * --quiet, stall_floor, --since). */
START_TEST(durations_people_write_are_read_by_one_parser)
{
	static const struct {
		const char *s;
		long max, want;
	} cases[] = {
	    {"90", 86400, 90},
	    {"90s", 86400, 90},
	    {"10m", 86400, 600},
	    {"2h", 86400, 7200},
	    {"1d", 86400, 86400},
	    {"0", 86400, 0},
	    {"0s", 86400, 0},
	    {"2d", 86400, -1},      /* above max */
	    {"1441m", 86400, -1},   /* above max */
	    {"1440m", 86400, 86400},
	    {"3650d", 3650L * 86400, 3650L * 86400},
	    {"3651d", 3650L * 86400, -1},
	    {"99999999999999999999", 86400, -1}, /* past long */
	    {"", 86400, -1},
	    {"s", 86400, -1},
	    {"-1", 86400, -1},
	    {"+5", 86400, -1},
	    {" 5", 86400, -1},
	    {"5 m", 86400, -1},
	    {"5ms", 86400, -1},
	    {"5w", 86400, -1},
	    {"5M", 86400, -1},
	    {"1.5h", 86400, -1},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(format_parse_duration(cases[i].s, cases[i].max) ==
		                  cases[i].want,
		    "%s: %ld", cases[i].s,
		    format_parse_duration(cases[i].s, cases[i].max));
	ck_assert_int_eq(format_parse_duration(NULL, 86400), -1);
}
END_TEST

START_TEST(free_accepts_null)
{
	formatter_free(NULL);
	ck_assert_ptr_nonnull(dec);
}
END_TEST

static Suite *
format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_line_has_the_documented_shape);
	tcase_add_test(tc, timestamp_is_shown_in_local_time);
	tcase_add_test(tc, utc_option_shows_utc_whatever_the_zone);
	tcase_add_test(tc, timestamp_offsets_are_honoured);
	tcase_add_test(tc, fractional_seconds_are_dropped_not_rounded);
	tcase_add_test(tc, unparsable_timestamp_is_shown_escaped_as_sent);
	tcase_add_test(tc, absent_timestamp_shows_a_dash);
	tcase_add_test(tc, time_cache_is_right_across_second_boundaries);
	tcase_add_test(tc, time_cache_follows_a_dst_switch_between_seconds);
	tcase_add_test(tc, source_prefix_is_added_and_escaped);
	tcase_add_test(tc, level_is_canonical_or_as_written);
	tcase_add_test(tc, attack_message_renders_as_visible_text);
	tcase_add_test(tc, nul_and_newlines_in_message_stay_on_one_line);
	tcase_add_test(tc, colour_marks_whole_lines_by_level);
	tcase_add_test(tc, colour_off_writes_no_escape_sequences);
	tcase_add_test(tc, colour_gives_each_source_a_steady_non_level_colour);
	tcase_add_test(tc, truncated_event_gets_a_visible_marker);
	tcase_add_test(tc, full_output_leaves_no_partial_line);
	tcase_add_test(tc, json_keeps_every_field_and_adds_source);
	tcase_add_test(tc, json_without_source_re_emits_the_object);
	tcase_add_test(tc, json_original_source_member_does_not_shadow_ours);
	tcase_add_test(tc, json_of_a_text_event_has_the_standard_fields);
	tcase_add_test(tc, json_strings_are_sanitised);
	tcase_add_test(tc, json_reports_truncation);
	tcase_add_test(tc, json_output_is_always_valid_and_inert);
	tcase_add_test(tc, json_string_helper_escapes_and_quotes);
	tcase_add_test(tc, csv_begins_with_the_header_row);
	tcase_add_test(tc, csv_record_has_the_seven_columns);
	tcase_add_test(tc, csv_quotes_commas_and_doubles_quotes);
	tcase_add_test(tc, csv_escapes_controls_so_a_record_is_one_line);
	tcase_add_test(tc, csv_message_carries_the_truncation_marker);
	tcase_add_test(tc, csv_records_parse_back_to_the_escaped_fields);
	tcase_add_test(
	    tc, csv_fields_a_spreadsheet_would_run_get_an_apostrophe);
	tcase_add_test(tc, json_copy_of_a_plain_event_is_what_member_by_member_gives);
	tcase_add_test(tc, durations_read_as_people_say_them);
	tcase_add_test(tc, durations_people_write_are_read_by_one_parser);
	tcase_add_test(tc, free_accepts_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(format_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
