/* test_server_metrics.c - the metrics registry and its Prometheus text:
 * bucket edges, the status-code bound, HELP and TYPE on every family; and
 * the log lines beside them (util_log's bound and JSON form). Check forks
 * per test, so each starts from an empty registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>

#include "server/metrics.h"
#include "server/store.h"
#include "server/util.h"

/* The exposition as a NUL-terminated string (static, reused). */
static const char *
render(const struct store_stats *st)
{
	static char text[65536];
	struct evbuffer *b = evbuffer_new();
	size_t n;

	ck_assert_int_eq(metrics_render(b, st, 2), 0);
	n = evbuffer_get_length(b);
	ck_assert_uint_lt(n, sizeof text);
	evbuffer_remove(b, text, n);
	text[n] = '\0';
	evbuffer_free(b);
	return text;
}

/* Whether the exposition has line (a whole line). */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	}
	return 0;
}

START_TEST(a_value_on_a_bound_counts_in_that_bucket)
{
	const char *t;

	metrics_observe(METRICS_INGEST_BATCH, 5);
	metrics_observe(METRICS_INGEST_BATCH, 5.5);
	metrics_observe(METRICS_INGEST_BATCH, 20000);
	t = render(NULL);
	ck_assert(
	    has_line(t, "logdeck_ingest_batch_events_bucket{le=\"2\"} 0"));
	ck_assert(
	    has_line(t, "logdeck_ingest_batch_events_bucket{le=\"5\"} 1"));
	ck_assert(
	    has_line(t, "logdeck_ingest_batch_events_bucket{le=\"10\"} 2"));
	ck_assert(
	    has_line(t, "logdeck_ingest_batch_events_bucket{le=\"10000\"} 2"));
	ck_assert(
	    has_line(t, "logdeck_ingest_batch_events_bucket{le=\"+Inf\"} 3"));
	ck_assert(has_line(t, "logdeck_ingest_batch_events_sum 20010.5"));
	ck_assert(has_line(t, "logdeck_ingest_batch_events_count 3"));
}
END_TEST

START_TEST(codes_past_the_bound_count_as_code_0)
{
	const char *t;

	metrics_response(METRICS_CODE_MAX);
	metrics_response(METRICS_CODE_MAX + 1);
	metrics_response(99);
	metrics_response(429);
	t = render(NULL);
	ck_assert(has_line(t, "logdeck_http_responses_total{code=\"599\"} 1"));
	ck_assert(has_line(t, "logdeck_http_responses_total{code=\"0\"} 2"));
	ck_assert(has_line(t, "logdeck_http_responses_total{code=\"429\"} 1"));
	ck_assert(strstr(t, "code=\"401\"") == NULL);
}
END_TEST

START_TEST(streams_are_counted_by_kind_and_type)
{
	const char *t;

	metrics_stream(SOURCE_PIPELINE, true, 1);
	metrics_stream(SOURCE_AUTOMATION, false, 1);
	metrics_stream(SOURCE_AUTOMATION, false, 1);
	metrics_stream(SOURCE_AUTOMATION, false, -1);
	t = render(NULL);
	ck_assert(has_line(t, "logdeck_streams_open{kind=\"pipelines\","
	                      "type=\"list\"} 1"));
	ck_assert(has_line(t, "logdeck_streams_open{kind=\"automations\","
	                      "type=\"log\"} 1"));
	ck_assert(has_line(t, "logdeck_connections_open 2"));
}
END_TEST

START_TEST(store_gauges_appear_only_when_the_store_can_tell)
{
	struct store_stats st = {.events = 12, .bytes = 3400, .exact = true};
	const char *t;

	ck_assert(strstr(render(NULL), "logdeck_store_events") == NULL);
	t = render(&st);
	ck_assert(has_line(t, "logdeck_store_events 12"));
	ck_assert(has_line(t, "logdeck_store_bytes 3400"));
	/* The budget's gauges: the in-memory store only. */
	ck_assert(strstr(t, "logdeck_store_memory_bytes") == NULL);
	st.memory = 5000;
	st.memory_max = 1 << 20;
	t = render(&st);
	ck_assert(has_line(t, "logdeck_store_memory_bytes 5000"));
	ck_assert(has_line(t, "logdeck_store_memory_limit_bytes 1048576"));
}
END_TEST

START_TEST(every_family_has_help_then_type)
{
	struct store_stats st = {.memory = 1, .memory_max = 2};
	const char *t = render(&st), *p;
	char name[128], help[160];
	int families = 0;

	for (p = t; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		ck_assert_int_eq(sscanf(p, "# TYPE %127s", name), 1);
		snprintf(help, sizeof help, "# HELP %s ", name);
		ck_assert_msg(strstr(t, help) != NULL && strstr(t, help) < p,
		    "no HELP before TYPE of %s", name);
		ck_assert(strncmp(name, "logdeck_", 8) == 0);
		families++;
	}
	ck_assert_int_eq(families, 22);
}
END_TEST

/* Run util_log("%s", msg) with stderr in a file; the first line written
 * (static, newline dropped). */
static const char *
logged(const char *msg)
{
	static char line[2 * UTIL_LOG_MAX];
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(f), fileno(stderr)), -1);
	util_log("%s", msg);
	fflush(stderr);
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	line[strcspn(line, "\n")] = '\0';
	fclose(f);
	return line;
}

START_TEST(a_log_line_is_cut_at_its_limit)
{
	static char msg[3 * UTIL_LOG_MAX];
	const char *line, *text;

	memset(msg, 'x', sizeof msg - 1);
	line = logged(msg);
	text = strstr(line, "logdeck-server: ");
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text + 16), UTIL_LOG_MAX - 1);
}
END_TEST

START_TEST(a_json_log_line_is_one_object)
{
	const char *line;

	util_log_set_json(true);
	line = logged("say \"hi\"\n");
	ck_assert_msg(strncmp(line, "{\"time\":\"", 9) == 0, "%s", line);
	ck_assert_msg(
	    strstr(line, ",\"message\":\"say \\\"hi\\\"\\n\"}") != NULL, "%s",
	    line);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("server metrics");
	TCase *tc = tcase_create("registry"), *tl = tcase_create("log lines");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, a_value_on_a_bound_counts_in_that_bucket);
	tcase_add_test(tc, codes_past_the_bound_count_as_code_0);
	tcase_add_test(tc, streams_are_counted_by_kind_and_type);
	tcase_add_test(tc, store_gauges_appear_only_when_the_store_can_tell);
	tcase_add_test(tc, every_family_has_help_then_type);
	tcase_add_test(tl, a_log_line_is_cut_at_its_limit);
	tcase_add_test(tl, a_json_log_line_is_one_object);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tl);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
