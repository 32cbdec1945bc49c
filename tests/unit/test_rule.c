/* test_rule.c - rules: keys, matching, suppression and the texts the
 * actions carry (JSON body, notification sequences). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/rule.h"

static struct rule_set set;
static char err[256];

/* Add a rule from key/value pairs (NULL-ended); its index. */
static int
mk(const char *const *kv)
{
	int i = rule_add(&set, NULL, err, sizeof err);

	ck_assert_int_ge(i, 0);
	for (; kv[0] != NULL; kv += 2)
		ck_assert_msg(rule_set_key(&set, i, kv[0], kv[1], err,
		                  sizeof err) == 0,
		    "%s: %s", kv[0], err);
	ck_assert_int_eq(rule_check(&set, i, err, sizeof err), 0);
	return i;
}

/* A line event on source id with level and message. */
static struct rule_subject
line(struct log_event *ev, const char *id, enum level l, const char *msg,
    const char *raw)
{
	struct rule_subject s = {.event = RULE_LINE, .source_id = id,
	    .source_name = id, .ev = ev};

	memset(ev, 0, sizeof *ev);
	ev->level = l;
	ev->level_name.p = level_name(l);
	ev->level_name.n = strlen(level_name(l));
	ev->message.p = msg;
	ev->message.n = strlen(msg);
	ev->raw.p = raw ? raw : "";
	ev->raw.n = raw ? strlen(raw) : 0;
	ev->json = raw != NULL;
	ev->id = 7;
	return s;
}

static void
setup(void)
{
	rule_set_init(&set);
}

static void
teardown(void)
{
	rule_set_free(&set);
}

START_TEST(a_rule_tests_source_glob_level_regex_and_field_together)
{
	int i = mk((const char *const[]){"source", "nightly-*", "level",
	    "warn", "match", "time.?out", "field", "rows>1000", NULL});
	struct log_event ev;
	struct rule_subject s;

	s = line(&ev, "nightly-sync", LEVEL_ERROR, "Timeout on db",
	    "{\"rows\":5000}");
	ck_assert(rule_match(&set.r[i], &s));
	s = line(&ev, "crm", LEVEL_ERROR, "Timeout on db", "{\"rows\":5000}");
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "nightly-sync", LEVEL_INFO, "Timeout", "{\"rows\":5000}");
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "nightly-sync", LEVEL_ERROR, "fine", "{\"rows\":5000}");
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "nightly-sync", LEVEL_ERROR, "timeout", "{\"rows\":9}");
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "nightly-sync", LEVEL_ERROR, "timeout", NULL);
	ck_assert(!rule_match(&set.r[i], &s));
	/* A capital letter makes the regex case-sensitive. */
	i = mk((const char *const[]){"match", "Disk", NULL});
	s = line(&ev, "x", LEVEL_INFO, "disk full", NULL);
	ck_assert(!rule_match(&set.r[i], &s));
}
END_TEST

START_TEST(the_cheap_keys_index_never_leave_out_a_match)
{
	/* A rule of each kind; every event and level: where rule_match
	 * says yes, rule_may_match (what alert.c indexes by) says yes too,
	 * and it says no to the levels below a floor and to other kinds. */
	int floor =
	    mk((const char *const[]){"level", "warn", "match", "x", NULL});
	int any = mk((const char *const[]){"match", "x", NULL});
	int run = mk((const char *const[]){"on", "failed", NULL});
	struct rule_subject s;
	struct log_event ev;
	enum rule_event e;
	int i, l;

	for (i = 0; i < set.n; i++) {
		for (l = 0; l < LEVEL_COUNT; l++) {
			s = line(&ev, "a", (enum level)l, "x", NULL);
			if (rule_match(&set.r[i], &s))
				ck_assert(rule_may_match(
				    &set.r[i], RULE_LINE, (enum level)l));
		}
		for (e = RULE_STARTED; e < RULE_EVENT_COUNT; e++) {
			s = (struct rule_subject){.event = e, .source_id = "a"};
			if (rule_match(&set.r[i], &s))
				ck_assert(
				    rule_may_match(&set.r[i], e, LEVEL_INFO));
		}
	}
	ck_assert(!rule_may_match(&set.r[floor], RULE_LINE, LEVEL_INFO));
	ck_assert(!rule_may_match(&set.r[floor], RULE_LINE, LEVEL_OTHER));
	ck_assert(rule_may_match(&set.r[floor], RULE_LINE, LEVEL_WARN));
	ck_assert(rule_may_match(&set.r[any], RULE_LINE, LEVEL_OTHER));
	ck_assert(!rule_may_match(&set.r[any], RULE_FAILED, LEVEL_INFO));
	ck_assert(!rule_may_match(&set.r[run], RULE_LINE, LEVEL_FATAL));
	ck_assert(rule_may_match(&set.r[run], RULE_FAILED, LEVEL_INFO));
	ck_assert(!rule_may_match(&set.r[run], RULE_QUIET, LEVEL_INFO));
}
END_TEST

START_TEST(a_whole_literal_rule_matches_as_its_regex_does)
{
	/* "match: rejected: amount" is a whole literal: the literal scan
	 * decides without regexec (litscan_test says YES). It must agree
	 * with the regex: case folded (no capital), anywhere in the line,
	 * beside non-ASCII bytes, and the source glob still applies. */
	int i = mk((const char *const[]){
	    "source", "pay-*", "match", "rejected: amount", NULL});
	int cs = mk((const char *const[]){"match", "Rejected: amount", NULL});
	struct log_event ev;
	struct rule_subject s;

	s = line(&ev, "pay-eu", LEVEL_INFO, "order 7 rejected: amount < 0",
	    NULL);
	ck_assert(rule_match(&set.r[i], &s));
	ck_assert(!rule_match(&set.r[cs], &s));
	s = line(&ev, "pay-eu", LEVEL_INFO, "\xc3\xa9 REJECTED: Amount", NULL);
	ck_assert(rule_match(&set.r[i], &s));
	ck_assert(!rule_match(&set.r[cs], &s));
	s = line(&ev, "pay-eu", LEVEL_INFO, "x Rejected: amount", NULL);
	ck_assert(rule_match(&set.r[cs], &s));
	s = line(&ev, "pay-eu", LEVEL_INFO, "rejected: amoun", NULL);
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "crm", LEVEL_INFO, "rejected: amount", NULL);
	ck_assert(!rule_match(&set.r[i], &s));
	/* A NUL inside the message is text: the literal after it counts. */
	s = line(&ev, "pay-eu", LEVEL_INFO, "a", NULL);
	ev.message.p = "a\0rejected: amount";
	ev.message.n = 19;
	ck_assert(rule_match(&set.r[i], &s));
}
END_TEST

START_TEST(run_event_rules_match_only_their_events)
{
	int i = mk((const char *const[]){"on", "failed", "on", "quiet", NULL});
	struct rule_subject s = {.event = RULE_FAILED, .source_id = "a"};
	struct log_event ev;

	ck_assert(rule_match(&set.r[i], &s));
	s.event = RULE_QUIET;
	ck_assert(rule_match(&set.r[i], &s));
	s.event = RULE_COMPLETED;
	ck_assert(!rule_match(&set.r[i], &s));
	s = line(&ev, "a", LEVEL_FATAL, "x", NULL);
	ck_assert(!rule_match(&set.r[i], &s));
	/* A line rule never matches a run event. */
	i = mk((const char *const[]){"level", "trace", NULL});
	s.event = RULE_FAILED;
	s.ev = NULL;
	ck_assert(!rule_match(&set.r[i], &s));
}
END_TEST

START_TEST(suppression_fires_once_per_window_and_counts_the_rest)
{
	int i = mk((const char *const[]){"every", "10s", "bell", "true", NULL});
	struct rule *r = &set.r[i];
	uint64_t n = 99;

	ck_assert(rule_fire(r, 1000, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert(!rule_fire(r, 2000, &n));
	ck_assert(!rule_fire(r, 10999, &n));
	ck_assert(!rule_fire(r, 5000, &n));
	ck_assert(rule_fire(r, 11000, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert(!rule_fire(r, 11001, &n));
	ck_assert(rule_fire(r, 30000, &n));
	ck_assert_uint_eq(n, 1);
	/* every 0: every match fires. */
	i = mk((const char *const[]){"bell", "true", NULL});
	ck_assert(rule_fire(&set.r[i], 1, &n));
	ck_assert(rule_fire(&set.r[i], 1, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(bad_keys_and_values_are_refused_with_a_reason)
{
	int i = rule_add(&set, NULL, err, sizeof err);

	ck_assert_int_eq(rule_set_key(&set, i, "colour", "x", err, sizeof err),
	    1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "match", "(", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "level", "loud", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "field", "rows>many", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "webhook", "ftp://x", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "every", "2w", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "every", "25h", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "timeout", "0", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "name", "rule 1", err, sizeof err), -1);
	ck_assert_int_eq(
	    rule_set_key(&set, i, "every", "2h", err, sizeof err), 0);
	ck_assert_int_eq(set.r[i].every_s, 7200);
	/* RULE_MAX is enforced. */
	while (set.n < RULE_MAX)
		ck_assert_int_ge(rule_add(&set, NULL, err, sizeof err), 0);
	ck_assert_int_eq(rule_add(&set, NULL, err, sizeof err), -1);
	/* RULE_TEXT_MAX too. */
	{
		char big[RULE_TEXT_MAX + 2];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		ck_assert_int_eq(
		    rule_set_key(&set, 0, "match", big, err, sizeof err), -1);
		big[RULE_TEXT_MAX] = '\0';
		ck_assert_int_eq(
		    rule_set_key(&set, 0, "match", big, err, sizeof err), 0);
	}
	/* A regex regcomp would take gigabytes or minutes over
	 * (core/recost.h) is refused with its reason, not compiled. */
	ck_assert_int_eq(
	    rule_set_key(&set, 0, "match", "row+++", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot follow another"));
	ck_assert_int_eq(rule_set_key(&set, 0, "match", "((a{1,40}){1,40})",
	                     err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "repeats too much"));
}
END_TEST

START_TEST(hostile_text_stays_data_in_json_and_inert_in_notifications)
{
	static const char hostile[] =
	    "x\"; $(rm -rf /) `id`\n\x1b]0;title\x07\x1b[31m;\xff end";
	int i = mk((const char *const[]){"name", "errs", "notify", "true",
	    NULL});
	struct log_event ev;
	struct rule_subject s = line(&ev, "job", LEVEL_ERROR, hostile, NULL);
	struct buf b;
	cJSON *o;
	size_t k;

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(rule_json(&b, &set.r[i], &s, 4), 0);
	o = cJSON_Parse(b.p);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "rule")->valuestring, "errs");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(o, "event")->valuestring, "line");
	ck_assert_int_eq(cJSON_GetObjectItem(o, "suppressed")->valueint, 4);
	/* The message is the same text up to the invalid byte (U+FFFD). */
	ck_assert_msg(strncmp(cJSON_GetObjectItem(o, "message")->valuestring,
	              hostile, 37) == 0, "%s", b.p);
	cJSON_Delete(o);
	buf_clear(&b);
	ck_assert_int_eq(rule_osc(&b, &set.r[i], &s, 4), 0);
	/* Two sequences, each closed by ST; nothing else is a control. */
	ck_assert(strncmp(b.p, "\033]9;logdeck: errs: job: ERROR: x", 32) == 0);
	ck_assert_ptr_nonnull(strstr(b.p, "(+4 suppressed)"));
	ck_assert_ptr_nonnull(strstr(b.p, "\033\\\033]777;notify;logdeck: errs;"));
	for (k = 0; k < b.len; k++) {
		unsigned char c = (unsigned char)b.p[k];

		if (c == 033) {
			ck_assert(b.p[k + 1] == ']' || b.p[k + 1] == '\\');
			continue;
		}
		ck_assert_msg(c >= 0x20 && c != 0x7f, "control at %zu", k);
	}
	buf_free(&b);
}
END_TEST

static Suite *
rule_suite(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, a_rule_tests_source_glob_level_regex_and_field_together);
	tcase_add_test(tc, the_cheap_keys_index_never_leave_out_a_match);
	tcase_add_test(tc, a_whole_literal_rule_matches_as_its_regex_does);
	tcase_add_test(tc, run_event_rules_match_only_their_events);
	tcase_add_test(tc, suppression_fires_once_per_window_and_counts_the_rest);
	tcase_add_test(tc, bad_keys_and_values_are_refused_with_a_reason);
	tcase_add_test(
	    tc, hostile_text_stays_data_in_json_and_inert_in_notifications);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rule_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
