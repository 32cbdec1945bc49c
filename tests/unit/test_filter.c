/* test_filter.c - level floor, keep/hide patterns and the sliced line
 * index a pane is drawn from. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui_testutil.h"

/* A store with n lines cycling through the five levels and two sources;
 * line i says "msg i <level>". */
static struct scrollback *
mkstore(int n)
{
	struct scrollback *sb = sb_new(64 << 20);
	static const char *lv[] = {"trace", "debug", "info", "warn", "error"};
	char msg[64];
	struct log_event ev;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "msg %d %s", i, lv[i % 5]);
		ev = mkev(i % 5, msg);
		sb_append(sb, i % 2, &ev);
	}
	return sb;
}

/* Scan until caught up, in slices of 7 lines. */
static void
scan_all(struct lineidx *li, struct scrollback *sb, struct filter *f)
{
	int guard = 0;

	while (lineidx_pending(li, sb) && guard++ < 1000000)
		ck_assert_int_ge(lineidx_scan(li, sb, f, 7), 0);
}

/* A stored line of source src whose raw event is the JSON text raw, with
 * message msg and level name lv. */
static struct sb_line
mkline(const char *raw, const char *msg, const char *lv, uint16_t src)
{
	struct sb_line l;

	memset(&l, 0, sizeof l);
	l.raw = raw;
	l.raw_len = (uint32_t)strlen(raw);
	l.msg = msg;
	l.msg_len = (uint32_t)strlen(msg);
	l.lvname = lv;
	l.lvname_len = (uint8_t)strlen(lv);
	l.level = level_parse(lv, strlen(lv));
	l.src = src;
	l.id = -1;
	l.ts_ms = INT64_MIN;
	return l;
}

/* Names of sources 0 and 1 for "source" filters. */
static const char *
test_src_name(const void *arg, uint16_t src)
{
	(void)arg;
	return src == 0 ? "CRM import" : "Nightly sync";
}

/* A filter with one pattern pushed (keep or hide); fails the test when
 * the push fails. */
static void
push1(struct filter *f, const char *text, bool keep)
{
	char err[160];

	filter_init(f);
	f->src_name = test_src_name;
	ck_assert_msg(filter_push(f, text, keep, err, sizeof err) == 0,
	    "%s: %s", text, err);
}

/* True when a filter of just text (keep) passes l. */
static bool
keeps(const char *text, const struct sb_line *l)
{
	struct filter f;
	bool r;

	push1(&f, text, true);
	r = filter_pass(&f, l);
	filter_free(&f);
	return r;
}

START_TEST(field_filters_parse_name_operator_and_value)
{
	struct filter f;

	push1(&f, "rows>=1000", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_GE);
	ck_assert_str_eq(f.fld[0].name, "rows");
	ck_assert(f.fld[0].is_num && f.fld[0].num == 1000);
	filter_free(&f);
	push1(&f, "task:lo+ad", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_MATCH);
	ck_assert_str_eq(f.pat[0].text, "task:lo+ad");
	filter_free(&f);
	push1(&f, "a.b-c_d<-2.5e3", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_LT);
	ck_assert_str_eq(f.fld[0].name, "a.b-c_d");
	ck_assert(f.fld[0].num == -2500);
	filter_free(&f);
	push1(&f, "x:y=1", true); /* the first operator counts */
	ck_assert_int_eq(f.fld[0].op, FILTER_MATCH);
	filter_free(&f);
	/* Not a name first: a plain pattern on the message. */
	push1(&f, "(db|cache): timeout", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_MESSAGE);
	filter_free(&f);
	push1(&f, " task:load", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_MESSAGE);
	filter_free(&f);
}
END_TEST

START_TEST(field_filters_refuse_bad_numbers_names_and_regexes)
{
	struct filter f;
	char err[160], name[FILTER_FIELD_LEN + 8];

	filter_init(&f);
	ck_assert_int_eq(
	    filter_push(&f, "rows>many", true, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	ck_assert_int_eq(filter_push(&f, "rows<", true, err, sizeof err), -1);
	ck_assert_int_eq(
	    filter_push(&f, "rows>1e999", true, err, sizeof err), -1);
	ck_assert_int_eq(
	    filter_push(&f, "rows>nan", true, err, sizeof err), -1);
	ck_assert_int_eq(filter_push(&f, "task:(", true, err, sizeof err), -1);
	/* A name of exactly FILTER_FIELD_LEN bytes is fine, one more is not. */
	memset(name, 'n', FILTER_FIELD_LEN);
	strcpy(name + FILTER_FIELD_LEN, ":x");
	ck_assert_int_eq(filter_push(&f, name, true, err, sizeof err), 0);
	memset(name, 'n', FILTER_FIELD_LEN + 1);
	strcpy(name + FILTER_FIELD_LEN + 1, ":x");
	ck_assert_int_eq(filter_push(&f, name, true, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "field name longer"));
	ck_assert_int_eq(f.npat, 1);
	filter_free(&f);
}
END_TEST

START_TEST(field_filters_match_members_source_and_level)
{
	struct sb_line l = mkline(
	    "{\"level\":\"warn\",\"message\":\"rows loaded\",\"task\":\"load\","
	    "\"rows\":1500,\"batch\":\"17\",\"ok\":true,\"meta\":{\"a\":1},"
	    "\"gone\":null,\"t\\u0061g\":\"x\\ny\"}",
	    "rows loaded", "WARN", 1);

	ck_assert(keeps("source:nightly", &l));
	ck_assert(!keeps("source:crm", &l));
	ck_assert(keeps("source=nightly sync", &l));
	ck_assert(!keeps("source=Nightly", &l));
	ck_assert(keeps("level:warn", &l));
	ck_assert(keeps("level=WARN", &l));
	ck_assert(!keeps("level:error", &l));
	ck_assert(keeps("task:load", &l));
	ck_assert(keeps("task:^lo", &l));
	ck_assert(!keeps("task:LOAD", &l)); /* smart case */
	ck_assert(keeps("rows>1000", &l));
	ck_assert(keeps("rows>=1500", &l));
	ck_assert(keeps("rows<=1500", &l));
	ck_assert(!keeps("rows<1500", &l));
	ck_assert(keeps("rows=1500.0", &l));
	ck_assert(keeps("rows:15", &l)); /* the number's text */
	ck_assert(keeps("batch>9", &l)); /* a numeric string is a number */
	ck_assert(keeps("batch=17", &l));
	ck_assert(keeps("ok=true", &l));
	ck_assert(!keeps("ok>0", &l)); /* true is no number */
	ck_assert(keeps("meta:\"a\"", &l));
	ck_assert(!keeps("gone:", &l)); /* null is absent */
	ck_assert(!keeps("missing:", &l));
	ck_assert(!keeps("missing<5", &l));
	ck_assert(keeps("tag:x", &l)); /* escaped key and value */
	ck_assert(keeps("message:^rows", &l));
	ck_assert(keeps("loaded", &l)); /* plain patterns still work */
}
END_TEST

START_TEST(hide_field_filters_keep_lines_without_the_member)
{
	struct sb_line l = mkline("{\"task\":\"load\"}", "m", "INFO", 0);
	struct sb_line plain = mkline("not json", "not json", "INFO", 0);
	struct filter f;

	push1(&f, "task:load", false);
	ck_assert(!filter_pass(&f, &l));
	ck_assert(filter_pass(&f, &plain));
	filter_free(&f);
}
END_TEST

START_TEST(field_filters_survive_hostile_events)
{
	static const char *raws[] = {
	    "",
	    "{",
	    "}",
	    "[1,2]",
	    "{\"rows\":",
	    "{\"rows\":1e999999}",
	    "{\"rows\":\"\\ud800\"}",
	    "{\"rows\" 1}",
	    "\"rows\":5",
	    "{\"rows\":\"\\u0000\"}",
	    "{\"a\":[[[[[[[[[[]]]]]]]]]]}",
	};
	char *deep, *big;
	size_t k, n = 100000;
	struct sb_line l;

	for (k = 0; k < sizeof raws / sizeof raws[0]; k++) {
		l = mkline(raws[k], "m", "INFO", 0);
		ck_assert(!keeps("rows>0", &l));
		keeps("rows:.", &l);
	}
	/* Nesting past the scanner's depth limit is no object at all. */
	deep = malloc(2 * n + 16);
	strcpy(deep, "{\"a\":");
	memset(deep + 5, '[', n);
	memset(deep + 5 + n, ']', n);
	strcpy(deep + 5 + 2 * n, ",\"rows\":5}");
	l = mkline(deep, "m", "INFO", 0);
	ck_assert(!keeps("rows>0", &l));
	free(deep);
	/* A cut or broken event: members before the damage are still seen,
	 * none after it. */
	l = mkline("{\"rows\":7,\"message\":\"cut her", "m", "INFO", 0);
	ck_assert(keeps("rows=7", &l));
	l = mkline("{\"rows\":1,,\"task\":\"x\"}", "m", "INFO", 0);
	ck_assert(keeps("rows=1", &l));
	ck_assert(!keeps("task:x", &l));
	/* A value past FILTER_VALUE_MAX is matched on its first bytes. */
	big = malloc(FILTER_VALUE_MAX + 64);
	strcpy(big, "{\"v\":\"");
	memset(big + 6, 'a', FILTER_VALUE_MAX + 10);
	strcpy(big + 6 + FILTER_VALUE_MAX + 10, "z\"}");
	l = mkline(big, "m", "INFO", 0);
	ck_assert(keeps("v:^a+$", &l));
	ck_assert(!keeps("v:z", &l));
	free(big);
}
END_TEST

START_TEST(filters_switch_off_and_on_one_at_a_time)
{
	struct sb_line a =
	    mkline("{\"task\":\"load\",\"rows\":5}", "a", "INFO", 0);
	struct sb_line b =
	    mkline("{\"task\":\"scan\",\"rows\":50}", "b", "INFO", 0);
	struct filter f;
	char err[160], d[128];

	push1(&f, "task:load", true);
	ck_assert_int_eq(filter_push(&f, "rows>10", true, err, sizeof err), 0);
	ck_assert(!filter_pass(&f, &a) && !filter_pass(&f, &b));
	ck_assert(!filter_cheap(&f));
	ck_assert_int_eq(filter_toggle(&f, 1), 0);
	ck_assert(filter_pass(&f, &a) && !filter_pass(&f, &b));
	filter_describe(&f, d, sizeof d);
	ck_assert_str_eq(d, "&task:load");
	ck_assert_int_eq(filter_toggle(&f, 0), 0);
	ck_assert(filter_pass(&f, &a) && filter_pass(&f, &b));
	ck_assert(filter_cheap(&f));
	ck_assert_int_eq(filter_toggle(&f, 1), 0);
	ck_assert(!filter_pass(&f, &a) && filter_pass(&f, &b));
	ck_assert_int_eq(filter_toggle(&f, 2), -1);
	ck_assert_int_eq(filter_toggle(&f, -1), -1);
	filter_free(&f);
}
END_TEST

START_TEST(numbers_past_filter_number_len_are_text)
{
	char text[FILTER_NUMBER_LEN + 16], raw[FILTER_NUMBER_LEN + 32];
	struct filter f;
	struct sb_line l;
	char err[160];

	/* A value of exactly FILTER_NUMBER_LEN digits is a number. */
	strcpy(text, "rows>");
	memset(text + 5, '1', FILTER_NUMBER_LEN);
	text[5 + FILTER_NUMBER_LEN] = '\0';
	filter_init(&f);
	ck_assert_int_eq(filter_push(&f, text, true, err, sizeof err), 0);
	/* One digit more is not. */
	strcat(text, "1");
	ck_assert_int_eq(filter_push(&f, text, true, err, sizeof err), -1);
	filter_free(&f);
	/* Nor is a member that long. */
	snprintf(
	    raw, sizeof raw, "{\"rows\":%.*s1}", FILTER_NUMBER_LEN, text + 5);
	l = mkline(raw, "m", "INFO", 0);
	ck_assert(!keeps("rows>1", &l));
	raw[strlen(raw) - 2] = '}';
	raw[strlen(raw) - 1] = '\0';
	l = mkline(raw, "m", "INFO", 0);
	ck_assert(keeps("rows>1", &l));
}
END_TEST

START_TEST(at_most_filter_patterns_max_filters)
{
	struct filter f;
	char err[160];
	int i;

	filter_init(&f);
	for (i = 0; i < FILTER_PATTERNS_MAX; i++)
		ck_assert_int_eq(
		    filter_push(&f, "rows>1", i % 2, err, sizeof err), 0);
	ck_assert_int_eq(filter_push(&f, "rows>1", true, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most"));
	filter_free(&f);
}
END_TEST

START_TEST(level_floor_hides_lower_levels)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	struct sb_line l;
	size_t i;

	filter_init(&f);
	f.floor = LEVEL_WARN;
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 40);
	for (i = 0; i < lineidx_count(&li); i++) {
		ck_assert(sb_get(sb, lineidx_at(&li, i), &l));
		ck_assert_int_ge(l.level, LEVEL_WARN);
	}
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(other_level_ranks_as_info)
{
	struct filter f;

	filter_init(&f);
	f.floor = LEVEL_INFO;
	ck_assert(filter_pass_meta(&f, LEVEL_OTHER, 0));
	f.floor = LEVEL_WARN;
	ck_assert(!filter_pass_meta(&f, LEVEL_OTHER, 0));
	ck_assert(filter_pass_meta(&f, LEVEL_FATAL, 0));
}
END_TEST

START_TEST(keep_and_hide_patterns_stack)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	char err[128];

	filter_init(&f);
	ck_assert_int_eq(
	    filter_push(&f, "error|warn", true, err, sizeof err), 0);
	ck_assert_int_eq(
	    filter_push(&f, "msg 1[0-9] ", false, err, sizeof err), 0);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	/* 40 warn/error lines, minus msg 13, 14, 18, 19. */
	ck_assert_uint_eq(lineidx_count(&li), 36);
	filter_describe(&f, err, sizeof err);
	ck_assert_str_eq(err, "&error|warn !msg 1[0-9] ");
	lineidx_free(&li);
	filter_free(&f);
	sb_free(sb);
}
END_TEST

START_TEST(patterns_use_smart_case)
{
	struct filter_regex p;
	char err[128];

	ck_assert_int_eq(
	    filter_regex_compile(&p, "timeout", err, sizeof err), 0);
	ck_assert(filter_regex_match(&p, "Connection TIMEOUT"));
	filter_regex_free(&p);
	ck_assert_int_eq(
	    filter_regex_compile(&p, "Timeout", err, sizeof err), 0);
	ck_assert(!filter_regex_match(&p, "connection timeout"));
	ck_assert(filter_regex_match(&p, "Timeout after 5s"));
	filter_regex_free(&p);
}
END_TEST

START_TEST(bad_regex_is_refused_with_a_reason)
{
	struct filter f;
	char err[128] = "";

	filter_init(&f);
	ck_assert_int_eq(filter_push(&f, "a(b", true, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad pattern"));
	ck_assert_int_eq(f.npat, 0);
}
END_TEST

START_TEST(pattern_stack_stops_at_its_limit)
{
	struct filter f;
	char err[128] = "";
	int i;

	filter_init(&f);
	for (i = 0; i < FILTER_PATTERNS_MAX; i++)
		ck_assert_int_eq(
		    filter_push(&f, "x", false, err, sizeof err), 0);
	ck_assert_int_eq(filter_push(&f, "x", false, err, sizeof err), -1);
	ck_assert_int_eq(f.npat, FILTER_PATTERNS_MAX);
	filter_free(&f);
}
END_TEST

START_TEST(overlong_pattern_is_refused)
{
	struct filter_regex p;
	char text[FILTER_PATTERN_LEN + 2], err[128];

	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	ck_assert_int_eq(filter_regex_compile(&p, text, err, sizeof err), -1);
}
END_TEST

START_TEST(source_set_selects_streams)
{
	struct scrollback *sb = mkstore(10);
	struct filter f;
	struct lineidx li;

	filter_init(&f);
	f.all_sources = false;
	filter_set_source(&f, 1, true);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 5);
	ck_assert_uint_eq(lineidx_at(&li, 0), 1);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(scan_is_bounded_by_its_budget_and_reports_progress)
{
	struct scrollback *sb = mkstore(1000);
	struct filter f;
	struct lineidx li;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_rebuild(&li, sb);
	ck_assert_int_eq(lineidx_scan(&li, sb, &f, 250), 250);
	ck_assert_int_eq(lineidx_progress(&li, sb), 25);
	ck_assert(lineidx_pending(&li, sb));
	scan_all(&li, sb, &f);
	ck_assert_int_eq(lineidx_progress(&li, sb), 100);
	ck_assert_uint_eq(lineidx_count(&li), 1000);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(rebuild_after_floor_change_finds_the_same_event)
{
	struct scrollback *sb = mkstore(100);
	struct filter f;
	struct lineidx li;
	uint64_t anchor;

	filter_init(&f);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	anchor = lineidx_at(&li, 54); /* msg 54: error */
	f.floor = LEVEL_ERROR;
	lineidx_rebuild(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 20);
	ck_assert_uint_eq(lineidx_at(&li, lineidx_lower(&li, anchor)), anchor);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(lines_arriving_later_are_filtered_too)
{
	struct scrollback *sb = mkstore(10);
	struct filter f;
	struct lineidx li;
	struct log_event ev;
	char err[64];

	filter_init(&f);
	filter_push(&f, "keep", true, err, sizeof err);
	lineidx_init(&li, sb);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 0);
	ev = mkev(LEVEL_INFO, "please keep me");
	sb_append(sb, 0, &ev);
	ev = mkev(LEVEL_INFO, "drop me");
	sb_append(sb, 0, &ev);
	scan_all(&li, sb, &f);
	ck_assert_uint_eq(lineidx_count(&li), 1);
	ck_assert_uint_eq(lineidx_at(&li, 0), 10);
	filter_free(&f);
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

START_TEST(trim_drops_evicted_lines)
{
	struct scrollback *sb = sb_new(64 * 1024);
	struct filter f;
	struct lineidx li;
	struct log_event ev = mkev(LEVEL_INFO,
	    "a line long enough to fill the small store quickly............");
	int i;

	filter_init(&f);
	lineidx_init(&li, sb);
	for (i = 0; i < 5000; i++) {
		sb_append(sb, 0, &ev);
		scan_all(&li, sb, &f);
		lineidx_trim(&li, sb);
	}
	ck_assert_uint_gt(sb_first(sb), 0);
	ck_assert_uint_eq(lineidx_at(&li, 0), sb_first(sb));
	ck_assert_uint_eq(lineidx_count(&li), sb_end(sb) - sb_first(sb));
	lineidx_free(&li);
	sb_free(sb);
}
END_TEST

/* Filter tests. */
/* Found by fuzz_filter: "row" and 150 '+' made glibc's regcomp take 2 GB
 * (each '+' copies the piece before it), typed as a filter or a search;
 * stacked repetitions after an anchor took minutes. The bound is on the
 * copies a pattern stands for: exactly FILTER_REGEX_COST_MAX passes, one
 * more does not; a repetition may not follow a repetition. */
START_TEST(patterns_that_repeat_too_much_are_refused)
{
	struct filter_regex p;
	char err[160], text[FILTER_PATTERN_LEN + 1];

	/* Ten nested '+' pieces: 2^11 - 1 nodes; eight: 511. */
	ck_assert_int_eq(filter_regex_compile(&p, "((((((((((a+)+)+)+)+)+)+)+)+)+",
	                     err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "repeats too much"));
	ck_assert_int_eq(
	    filter_regex_compile(&p, "(((((((a+)+)+)+)+)+)+)+", err, sizeof err), 0);
	filter_regex_free(&p);
	ck_assert_int_eq(
	    filter_regex_compile(&p, "(a{1,100}){1,100}", err, sizeof err), -1);
	/* x{1,N} stands for 1 + (N - 1) copies + its own node. */
	snprintf(text, sizeof text, "x{1,%d}", FILTER_REGEX_COST_MAX - 1);
	ck_assert_int_eq(filter_regex_compile(&p, text, err, sizeof err), 0);
	filter_regex_free(&p);
	snprintf(text, sizeof text, "x{1,%d}", FILTER_REGEX_COST_MAX);
	ck_assert_int_eq(filter_regex_compile(&p, text, err, sizeof err), -1);
	/* Stacked repetitions are refused: "row" and 150 '+' took 2 GB,
	 * "r$x**y***+**********+++++" minutes. A group in between is
	 * fine. */
	memset(text, '+', 150);
	memcpy(text, "row", 3);
	text[150] = '\0';
	ck_assert_int_eq(filter_regex_compile(&p, text, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot follow another"));
	ck_assert_int_eq(
	    filter_regex_compile(&p, "r$x**y***+**********+++++", err, sizeof err),
	    -1);
	ck_assert_int_eq(filter_regex_compile(&p, "a*?", err, sizeof err), -1);
	/* As regcomp reads brackets: only ".]" closes "[.", so "[[.].]a[]"
	 * is one bracket and the '+'s stack on it (fuzz_search: 23 of them
	 * made regcomp take 2.3 GB when "[.]" was taken for the end). */
	ck_assert_int_eq(
	    filter_regex_compile(&p, "[[.].]a[]++", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot follow another"));
	ck_assert_int_eq(
	    filter_regex_compile(&p, "[[:alpha:][=e=]]+", err, sizeof err), 0);
	filter_regex_free(&p);
	ck_assert_int_eq(
	    filter_regex_compile(&p, "(a*)*[*+]+\\*+", err, sizeof err), 0);
	filter_regex_free(&p);
	/* Everyday patterns stay well under it. */
	ck_assert_int_eq(filter_regex_compile(&p,
	                     "[0-9]{1,3}(\\.[0-9]{1,3}){3}", err, sizeof err),
	    0);
	filter_regex_free(&p);
	ck_assert_int_eq(filter_regex_compile(
	                     &p, "(ab|[[:alpha:]]+)+ x*y?", err, sizeof err),
	    0);
	filter_regex_free(&p);
}
END_TEST

/* bench_scrollback's "&status=5[0-9][0-9]" kept no line of its plain-text
 * events: as filter.h says, that text is a test of the member "status"
 * (equal to the text "5[0-9][0-9]"), not a regex on the message; the
 * bench was wrong, and now writes "message:". message:REGEX is the plain
 * pattern REGEX, on the whole message. */
START_TEST(status_equals_is_a_member_test_and_message_colon_the_message)
{
	static char big[FIELD_VALUE_MAX + 64];
	struct sb_line text, json, ok, late;
	struct filter f;

	text = mkline("GET /a status=503 latency=9ms",
	    "GET /a status=503 latency=9ms", "INFO", 0);
	json = mkline(
	    "{\"message\":\"GET /a\",\"status\":503}", "GET /a", "INFO", 0);
	push1(&f, "status=5[0-9][0-9]", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_EQ);
	ck_assert_str_eq(f.fld[0].name, "status");
	ck_assert(!filter_pass(&f, &text)); /* no member "status" */
	ck_assert(!filter_pass(&f, &json)); /* 503 is not that text */
	filter_free(&f);
	push1(&f, "status=503", true);
	ck_assert(filter_pass(&f, &json));
	ck_assert(!filter_pass(&f, &text));
	filter_free(&f);
	push1(&f, "message:status=5[0-9][0-9]", true);
	ck_assert_int_eq(f.fld[0].op, FILTER_MESSAGE);
	ck_assert_str_eq(f.pat[0].text, "message:status=5[0-9][0-9]");
	ck_assert(filter_pass(&f, &text));
	ck_assert(!filter_pass(&f, &json));
	ok = mkline("status=200", "status=200", "INFO", 0);
	ck_assert(!filter_pass(&f, &ok));
	/* The whole message, also past a member's FIELD_VALUE_MAX. */
	memset(big, 'x', sizeof big - 1);
	memcpy(big + sizeof big - 12, "status=504", 10);
	late = mkline(big, big, "INFO", 0);
	ck_assert(filter_pass(&f, &late));
	ck_assert(!filter_reads_event(&f));
	filter_free(&f);
}
END_TEST

/* A pattern's literal decides most lines before regexec (filter.h): the
 * answer must be regexec's on every line, in the C locale and in UTF-8,
 * where ignoring case folds more than ASCII (the Kelvin sign is a k, the
 * long s an s). Patterns plain and not, in both cases; lines of random
 * lengths around the scan's 16-byte steps, with and without non-ASCII. */
START_TEST(the_literal_scan_answers_as_regexec_does)
{
	static const char *pats[] = {"status=503", "STATUS=503", "timeout",
	    "Timeout", "ask", "disk full", "latency=99[0-9]ms", "err(or)? on",
	    "a.c", "\xc3\xa9t\xc3\xa9", "kelvin", "ss", "ab|cd", "x+yz",
	    "x[[.].]ab]yz"}; /* the bracket holds ']', 'a' and 'b' */
	static const char *atoms[] = {"status=503", "STATUS=5O3", "sTaTuS=503",
	    "timeout", "TimeOut", "ask", "ASK", "disk full", "latency=995ms",
	    "error on", "err on", "abc", "a c", "\xc3\xa9t\xc3\xa9",
	    "\xc3\x89T\xc3\x89", "\xe2\x84\xaa" "elvin", "kelvin", "\xc5\xbf",
	    "\xc5\xbfs", " ", "x", "yz", "xxyz", "cd", "zzzzzzzzzzzzzzzz", "x]yz",
	    "xayz"};
	static const char *locales[] = {"C", "C.UTF-8"};
	struct filter_regex p;
	char err[128], line[512];
	unsigned seed = 11;
	size_t pi, k, n, len, a;
	int li;
	bool want;

	for (li = 0; li < 2; li++) {
		if (setlocale(LC_ALL, locales[li]) == NULL)
			continue; /* no C.UTF-8 here: C alone */
		for (pi = 0; pi < sizeof pats / sizeof pats[0]; pi++) {
			ck_assert_int_eq(
			    filter_regex_compile(&p, pats[pi], err, sizeof err), 0);
			for (k = 0; k < 3000; k++) {
				seed = seed * 1103515245 + 12345;
				n = (seed >> 8) % 8;
				len = 0;
				line[0] = '\0';
				while (n-- > 0) {
					seed = seed * 1103515245 + 12345;
					a = (seed >> 8) % (sizeof atoms / sizeof atoms[0]);
					if (len + strlen(atoms[a]) >= sizeof line)
						break;
					memcpy(line + len, atoms[a], strlen(atoms[a]));
					len += strlen(atoms[a]);
					line[len] = '\0';
				}
				want = regexec(&p.re, line, 0, NULL, 0) == 0;
				ck_assert_msg(
				    filter_regex_match_len(&p, line, len) == want,
				    "%s on '%s' (%s): regexec says %d", pats[pi],
				    line, locales[li], want);
				ck_assert(filter_regex_match(&p, line) == want);
			}
			filter_regex_free(&p);
		}
	}
	setlocale(LC_ALL, "C");
}
END_TEST

static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, level_floor_hides_lower_levels);
	tcase_add_test(tc, other_level_ranks_as_info);
	tcase_add_test(tc, keep_and_hide_patterns_stack);
	tcase_add_test(tc, patterns_that_repeat_too_much_are_refused);
	tcase_add_test(tc, patterns_use_smart_case);
	tcase_add_test(
	    tc, status_equals_is_a_member_test_and_message_colon_the_message);
	tcase_add_test(tc, the_literal_scan_answers_as_regexec_does);
	tcase_add_test(tc, bad_regex_is_refused_with_a_reason);
	tcase_add_test(tc, pattern_stack_stops_at_its_limit);
	tcase_add_test(tc, overlong_pattern_is_refused);
	tcase_add_test(tc, source_set_selects_streams);
	tcase_add_test(tc, scan_is_bounded_by_its_budget_and_reports_progress);
	tcase_add_test(tc, rebuild_after_floor_change_finds_the_same_event);
	tcase_add_test(tc, lines_arriving_later_are_filtered_too);
	tcase_add_test(tc, trim_drops_evicted_lines);
	tcase_add_test(tc, field_filters_parse_name_operator_and_value);
	tcase_add_test(tc, field_filters_refuse_bad_numbers_names_and_regexes);
	tcase_add_test(tc, field_filters_match_members_source_and_level);
	tcase_add_test(tc, hide_field_filters_keep_lines_without_the_member);
	tcase_add_test(tc, field_filters_survive_hostile_events);
	tcase_add_test(tc, filters_switch_off_and_on_one_at_a_time);
	tcase_add_test(tc, at_most_filter_patterns_max_filters);
	tcase_add_test(tc, numbers_past_filter_number_len_are_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
