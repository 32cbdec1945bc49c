/* test_core.c - unit tests of the bounded buffer, source names, the
 * decoder of source objects, the poll loop's timers and signals. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/hash.h"
#include "net/client.h"
#include "net/loop.h"
#include "core/source.h"
#include "net/srclist.h"

START_TEST(hash_is_fnv1a_whole_or_in_pieces)
{
	/* The published FNV-1a 32-bit test vectors. */
	ck_assert_uint_eq(hash_fnv1a_str(HASH_FNV1A_INIT, ""), 0x811c9dc5u);
	ck_assert_uint_eq(hash_fnv1a_str(HASH_FNV1A_INIT, "a"), 0xe40c292cu);
	ck_assert_uint_eq(
	    hash_fnv1a_str(HASH_FNV1A_INIT, "foobar"), 0xbf9cf968u);
	ck_assert_uint_eq(
	    hash_fnv1a(hash_fnv1a(HASH_FNV1A_INIT, "foo", 3), "bar", 3),
	    0xbf9cf968u);
}
END_TEST

START_TEST(hash_words64_reads_every_byte_and_the_length)
{
	/* Every length across two words and a tail: one byte changed at any
	 * place, or a NUL added, changes the hash; the same bytes at another
	 * address hash the same (no alignment or padding read). */
	char a[40], b[41];
	size_t n, i;

	memset(a, 'q', sizeof a);
	for (n = 0; n <= 24; n++) {
		memcpy(b + 1, a, n);
		ck_assert(hash_words64(a, n) == hash_words64(b + 1, n));
		for (i = 0; i < n; i++) {
			b[1 + i] = 'r';
			ck_assert(hash_words64(a, n) != hash_words64(b + 1, n));
			b[1 + i] = 'q';
		}
		a[n] = '\0';
		ck_assert(hash_words64(a, n) != hash_words64(a, n + 1));
		a[n] = 'q';
	}
}
END_TEST

START_TEST(buf_refuses_to_grow_past_its_limit)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0);
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(b.p, "0123456789");
	ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
	buf_consume(&b, 4);
	ck_assert_str_eq(b.p, "456789");
	ck_assert_int_eq(buf_printf(&b, "%s", "abcd"), 0);
	ck_assert_str_eq(b.p, "456789abcd");
	buf_free(&b);
}
END_TEST

START_TEST(source_objects_decode_with_their_newest_run)
{
	cJSON *o = cJSON_Parse(
	    "{\"id\":\"nightly-sync\",\"name\":\"Nightly sync\","
	    "\"status\":\"failed\",\"exitCode\":1,\"lastLogId\":1200,"
	    "\"updatedAt\":\"2024-12-07T14:05:23Z\",\"run\":{\"run\":7,"
	    "\"runId\":\"nightly-sync-run-7\",\"status\":\"failed\","
	    "\"exitCode\":1,\"startedAt\":\"2024-12-07T14:02:11Z\","
	    "\"endedAt\":\"2024-12-07T14:05:23Z\"}}");
	struct srclist_entry e;
	char num[32];

	ck_assert_int_eq(srclist_decode(o, SOURCE_PIPELINE, &e, num, 32), 0);
	ck_assert_int_eq(e.kind, SOURCE_PIPELINE);
	ck_assert_str_eq(e.id, "nightly-sync");
	ck_assert_str_eq(e.name, "Nightly sync");
	ck_assert_int_eq(e.status, RUN_FAILED);
	ck_assert(e.has_exit_code && e.exit_code == 1);
	ck_assert_int_eq(e.last_log_id, 1200);
	ck_assert_int_eq(e.run, 7);
	ck_assert_str_eq(e.run_id, "nightly-sync-run-7");
	ck_assert_int_eq(e.run_status, RUN_FAILED);
	ck_assert(e.run_has_exit_code && e.run_exit_code == 1);
	ck_assert_int_eq(e.run_ended_ms - e.run_started_ms, 192000);
	ck_assert_int_eq(e.updated_ms, e.run_ended_ms);
	cJSON_Delete(o);
}
END_TEST

START_TEST(source_objects_may_have_numeric_ids_but_need_one)
{
	cJSON *o = cJSON_Parse("{\"id\":42,\"status\":\"queued\"}");
	struct srclist_entry e;
	char num[32];

	ck_assert_int_eq(srclist_decode(o, SOURCE_AUTOMATION, &e, num, 32), 0);
	ck_assert_str_eq(e.id, "42");
	ck_assert_str_eq(e.name, "42");
	ck_assert_int_eq(e.run, 0);
	ck_assert(e.run_started_ms == INT64_MIN && e.updated_ms == INT64_MIN);
	ck_assert(!e.has_exit_code);
	cJSON_Delete(o);
	o = cJSON_Parse("[{\"name\":\"x\"},{\"id\":\"\"},{\"id\":-1},"
	                "{\"id\":true}]");
	for (int i = 0; i < cJSON_GetArraySize(o); i++)
		ck_assert_int_eq(srclist_decode(cJSON_GetArrayItem(o, i),
		                     SOURCE_AUTOMATION, &e, num, 32),
		    -1);
	cJSON_Delete(o);
}
END_TEST

/* The one decoder of run objects (the runs view, --new-errors, a
 * source's newest run): what it takes, what it skips, what counts as a
 * run that ended well. */
START_TEST(run_objects_decode_in_one_place)
{
	const char *body =
	    "[{\"run\":1,\"runId\":\"r-1\",\"status\":\"completed\","
	    "\"exitCode\":0,\"startedAt\":\"2024-12-07T14:00:00Z\","
	    "\"endedAt\":\"2024-12-07T14:01:30.5Z\",\"firstLogId\":10,"
	    "\"lastLogId\":20},"
	    "{\"run\":2,\"status\":\"completed\",\"exitCode\":3},"
	    "{\"run\":3,\"status\":\"Completed\"},"
	    "{\"run\":4,\"status\":\"failed\",\"exitCode\":0.5},"
	    "{\"run\":0},{\"run\":\"5\"},{\"run\":1e17},{},7,"
	    "{\"run\":6,\"status\":\"running\",\"endedAt\":null}]";
	struct srclist_run *r;
	char big[400];

	ck_assert_int_eq(srclist_decode_runs(body, strlen(body), &r), 5);
	ck_assert_int_eq(r[0].run, 1);
	ck_assert_str_eq(r[0].run_id, "r-1");
	ck_assert_int_eq(r[0].status, RUN_COMPLETED);
	ck_assert(r[0].has_exit_code && r[0].exit_code == 0);
	ck_assert_int_eq(r[0].ended_ms - r[0].started_ms, 90500);
	ck_assert(r[0].first_id == 10 && r[0].last_id == 20);
	ck_assert(srclist_run_ok(&r[0]));
	ck_assert(!srclist_run_ok(&r[1])); /* exit 3 */
	ck_assert(srclist_run_ok(&r[2]));  /* no exit code */
	ck_assert(!r[3].has_exit_code);    /* 0.5 is no exit code */
	ck_assert(!srclist_run_ok(&r[3]));
	ck_assert_int_eq(r[4].run, 6);
	ck_assert_str_eq(r[4].run_id, "");
	ck_assert(r[4].ended_ms == INT64_MIN && r[4].first_id == 0);
	ck_assert(!srclist_run_ok(&r[4]));
	free(r);
	ck_assert_int_eq(srclist_decode_runs("[]", 2, &r), 0);
	ck_assert_ptr_nonnull(r);
	free(r);
	ck_assert_int_eq(srclist_decode_runs("{\"run\":1}", 9, &r), -1);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(srclist_decode_runs("[", 1, &r), -1);
	/* A runId past SRCLIST_RUN_ID_MAX is cut, not overflowed. */
	memset(big, 'x', sizeof big);
	memcpy(big, "[{\"run\":1,\"runId\":\"", 19);
	memcpy(big + sizeof big - 4, "\"}]", 3);
	ck_assert_int_eq(srclist_decode_runs(big, sizeof big - 1, &r), 1);
	ck_assert_uint_eq(strlen(r[0].run_id), SRCLIST_RUN_ID_MAX);
	free(r);
}
END_TEST

START_TEST(streams_wait_to_share_a_connection_only_over_http2)
{
	struct client_cfg c = {.server = "http://127.0.0.1:8080"};

	ck_assert(!client_multiplexed(&c));
	c.http2 = true;
	ck_assert(client_multiplexed(&c));
	c.http2 = false;
	c.server = "https://logs.example.com";
	ck_assert(client_multiplexed(&c));
}
END_TEST

START_TEST(buf_keeps_binary_content_and_a_terminating_nul)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.p, "a\0b", 4), 0);
	buf_free(&b);
}
END_TEST

START_TEST(source_kinds_and_ids_parse)
{
	struct source s;
	char err[256];

	ck_assert_int_eq(source_parse("nightly-sync", &s, err, sizeof err), 0);
	ck_assert_int_eq(s.kind, SOURCE_AUTOMATION);
	ck_assert_str_eq(s.id, "nightly-sync");
	source_clear(&s);
	ck_assert_int_eq(source_parse("pipeline:p-1", &s, err, sizeof err), 0);
	ck_assert_int_eq(s.kind, SOURCE_PIPELINE);
	ck_assert_str_eq(s.id, "p-1");
	source_clear(&s);
	ck_assert_int_eq(source_parse("artifacts:a", &s, err, sizeof err), 0);
	ck_assert_int_eq(s.kind, SOURCE_ARTIFACT);
	ck_assert_str_eq(source_kind_path(s.kind), "artifacts");
	source_clear(&s);
}
END_TEST

START_TEST(bad_sources_are_refused_with_a_reason)
{
	struct source s;
	char err[256];

	ck_assert_int_eq(source_parse("widget:x", &s, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "widget"));
	ck_assert_int_eq(source_parse("automation:", &s, err, sizeof err), -1);
	ck_assert_int_eq(source_parse("", &s, err, sizeof err), -1);
	ck_assert_int_eq(source_parse("a\x1b[2Jb", &s, err, sizeof err), -1);
}
END_TEST

START_TEST(source_ids_past_the_limit_are_refused)
{
	char spec[SOURCE_MAX_ID + 2], err[256];
	struct source s;

	memset(spec, 'a', SOURCE_MAX_ID);
	spec[SOURCE_MAX_ID] = '\0';
	ck_assert_int_eq(source_parse(spec, &s, err, sizeof err), 0);
	source_clear(&s);
	spec[SOURCE_MAX_ID] = 'a';
	spec[SOURCE_MAX_ID + 1] = '\0';
	ck_assert_int_eq(source_parse(spec, &s, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
}
END_TEST

/* Does nothing: for registrations that must never fire. */
static void
never_fd(int fd, void *arg)
{
}

/* Does nothing: for registrations that must never fire. */
static void
never_sig(int sig, void *arg)
{
}

START_TEST(the_loop_refuses_fds_and_signals_past_its_limits)
{
	struct loop *l = loop_new();
	int i, n;

	/* The first signal also takes one fd: the self-pipe. */
	for (i = 0; i < LOOP_MAX_SIGNALS; i++)
		ck_assert_int_eq(
		    loop_add_signal(l, SIGRTMIN + i, never_sig, NULL), 0);
	ck_assert_int_eq(loop_add_signal(l, SIGRTMIN + i, never_sig, NULL), -1);
	for (n = 1; n < LOOP_MAX_FDS; n++)
		ck_assert_int_eq(loop_add_fd(l, 100 + n, never_fd, NULL), 0);
	ck_assert_int_eq(loop_add_fd(l, 100 + n, never_fd, NULL), -1);
	loop_free(l);
}
END_TEST

static int fired[8];
static int nfired;
static struct loop *tl;
static struct loop_timer timers[3];

/* Record which timer fired, in order. */
static void
record(void *arg)
{
	fired[nfired++] = (int)(long)arg;
	if (nfired == 3)
		loop_stop(tl, 7);
}

START_TEST(timers_fire_in_deadline_order_and_stop_the_loop)
{
	tl = loop_new();
	nfired = 0;
	loop_timer_init(&timers[0], record, (void *)0L);
	loop_timer_init(&timers[1], record, (void *)1L);
	loop_timer_init(&timers[2], record, (void *)2L);
	loop_timer_in(tl, &timers[0], 60);
	loop_timer_in(tl, &timers[1], 20);
	loop_timer_in(tl, &timers[2], 40);
	ck_assert_int_eq(loop_run(tl), 7);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 2);
	ck_assert_int_eq(fired[2], 0);
	loop_free(tl);
}
END_TEST

/* Stops another timer, then the loop a little later. */
static void
stop_other(void *arg)
{
	loop_timer_stop(tl, &timers[1]);
	loop_timer_in(tl, &timers[2], 100);
}

START_TEST(a_timer_stopped_from_a_callback_never_fires)
{
	tl = loop_new();
	nfired = 0;
	loop_timer_init(&timers[0], stop_other, NULL);
	loop_timer_init(&timers[1], record, (void *)1L);
	loop_timer_init(&timers[2], record, (void *)2L);
	loop_timer_in(tl, &timers[0], 10);
	loop_timer_in(tl, &timers[1], 50);
	nfired = 2; /* the next record() stops the loop */
	loop_run(tl);
	ck_assert_int_eq(fired[2], 2);
	loop_free(tl);
}
END_TEST

/* Timers of the many-timers test. */
#define MANY_TIMERS 3000

static struct loop_timer many[MANY_TIMERS];
static uint64_t many_when[MANY_TIMERS];
static int many_fired[MANY_TIMERS], many_left, many_bad_order;
static uint64_t many_last;

/* Record one of many: each fires once, never before an earlier one; the
 * callbacks of some stop a later timer or re-arm another. */
static void
many_fire(void *arg)
{
	long i = (long)arg;

	if (many_when[i] < many_last)
		many_bad_order++;
	many_last = many_when[i];
	many_fired[i]++;
	if (i % 7 == 0 && i + 1 < MANY_TIMERS && many[i + 1].armed) {
		loop_timer_stop(tl, &many[i + 1]);
		many_left--;
	}
	if (--many_left == 0)
		loop_stop(tl, 0);
}

START_TEST(many_timers_fire_once_each_in_deadline_order)
{
	long i;

	tl = loop_new();
	srand(3);
	many_left = MANY_TIMERS;
	many_last = 0;
	many_bad_order = 0;
	for (i = 0; i < MANY_TIMERS; i++) {
		many_fired[i] = 0;
		loop_timer_init(&many[i], many_fire, (void *)i);
		loop_timer_in(tl, &many[i], (uint64_t)(rand() % 40));
	}
	/* Move a third of them, stop a tenth. */
	for (i = 0; i < MANY_TIMERS; i += 3)
		loop_timer_in(tl, &many[i], (uint64_t)(rand() % 60));
	for (i = 5; i < MANY_TIMERS; i += 10) {
		loop_timer_stop(tl, &many[i]);
		many_left--;
	}
	for (i = 0; i < MANY_TIMERS; i++)
		many_when[i] = many[i].when;
	ck_assert_int_eq(loop_run(tl), 0);
	ck_assert_int_eq(many_bad_order, 0);
	for (i = 0; i < MANY_TIMERS; i++) {
		if (i % 10 == 5)
			ck_assert_int_eq(many_fired[i], 0);
		else if (many_fired[i] > 1)
			ck_assert_int_eq(many_fired[i], 1);
	}
	loop_free(tl);
}
END_TEST

static int rearms;

/* Re-arms itself for "now": must fire once per pass, not spin. */
static void
rearm_now(void *arg)
{
	if (++rearms < 5)
		loop_timer_in(tl, &timers[0], 0);
	else
		loop_stop(tl, 0);
}

START_TEST(a_timer_rearmed_for_now_fires_once_per_pass)
{
	tl = loop_new();
	rearms = 0;
	loop_timer_init(&timers[0], rearm_now, NULL);
	loop_timer_in(tl, &timers[0], 0);
	loop_run(tl);
	ck_assert_int_eq(rearms, 5);
	loop_free(tl);
}
END_TEST

static int got_signal;

/* Signal callback, run from the loop rather than the handler. */
static void
on_usr1(int sig, void *arg)
{
	got_signal = sig;
	loop_stop(tl, 3);
}

START_TEST(signals_arrive_through_the_loop)
{
	tl = loop_new();
	got_signal = 0;
	ck_assert_int_eq(loop_add_signal(tl, SIGUSR1, on_usr1, NULL), 0);
	raise(SIGUSR1);
	ck_assert_int_eq(got_signal, 0); /* not from inside the handler */
	ck_assert_int_eq(loop_run(tl), 3);
	ck_assert_int_eq(got_signal, SIGUSR1);
	loop_free(tl);
}
END_TEST

START_TEST(a_stop_before_run_returns_at_once)
{
	uint64_t t0;

	tl = loop_new();
	loop_stop(tl, 5);
	t0 = loop_now();
	ck_assert_int_eq(loop_run(tl), 5);
	ck_assert_uint_lt(loop_now() - t0, 1000);
	loop_free(tl);
}
END_TEST

static int pipe_reads;

/* fd callback: drain and count. */
static void
on_pipe(int fd, void *arg)
{
	char c;

	if (read(fd, &c, 1) == 1)
		pipe_reads++;
	loop_stop(tl, 0);
}

START_TEST(readable_fds_wake_the_loop)
{
	int p[2];
	uint64_t t0;

	ck_assert_int_eq(pipe(p), 0);
	tl = loop_new();
	pipe_reads = 0;
	loop_add_fd(tl, p[0], on_pipe, NULL);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	t0 = loop_now();
	loop_run(tl);
	ck_assert_int_eq(pipe_reads, 1);
	ck_assert_uint_lt(loop_now() - t0, 1000);
	loop_free(tl);
	close(p[0]);
	close(p[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, hash_is_fnv1a_whole_or_in_pieces);
	tcase_add_test(tc, hash_words64_reads_every_byte_and_the_length);
	tcase_add_test(tc, buf_refuses_to_grow_past_its_limit);
	tcase_add_test(tc, buf_keeps_binary_content_and_a_terminating_nul);
	tcase_add_test(tc, source_kinds_and_ids_parse);
	tcase_add_test(tc, bad_sources_are_refused_with_a_reason);
	tcase_add_test(tc, timers_fire_in_deadline_order_and_stop_the_loop);
	tcase_add_test(tc, a_timer_stopped_from_a_callback_never_fires);
	tcase_add_test(tc, a_timer_rearmed_for_now_fires_once_per_pass);
	tcase_add_test(tc, signals_arrive_through_the_loop);
	tcase_add_test(tc, readable_fds_wake_the_loop);
	tcase_add_test(tc, a_stop_before_run_returns_at_once);
	tcase_add_test(tc, source_objects_decode_with_their_newest_run);
	tcase_add_test(tc, source_objects_may_have_numeric_ids_but_need_one);
	tcase_add_test(tc, run_objects_decode_in_one_place);
	tcase_add_test(tc, streams_wait_to_share_a_connection_only_over_http2);
	tcase_add_test(tc, source_ids_past_the_limit_are_refused);
	tcase_add_test(tc, the_loop_refuses_fds_and_signals_past_its_limits);
	tcase_add_test(tc, many_timers_fire_once_each_in_deadline_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
