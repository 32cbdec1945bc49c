/* test_pgstore.c - the PostgreSQL store: the shared store suite plus what
 * only a database store has (gaps in ids, rows from other writers,
 * notifications, reconnects, migrations, retention). It needs a database:
 * LOGDECK_PG_URL, or else it runs itself under tests/integration/
 * pgcluster.py, which starts a throwaway cluster for the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "server/pgstore.h"
#include "server/store.h"
#include "server/util.h"
#include "store_suite.h"

/* Longest a test waits for a notification to arrive. */
#define TEST_WAIT_MS 5000

static const char *test_url;
static struct event_base *test_base;

/* libpq notice processor: DROP ... CASCADE notices are expected. */
static void
test_quiet(void *arg, const char *message)
{
}

/* A plain connection to the test database (another writer). */
static PGconn *
test_conn(void)
{
	PGconn *c = PQconnectdb(test_url);

	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, test_quiet, NULL);
	return c;
}

/* Run sql on c and return the first value of the first row ("" when
 * none) in out. */
static void
test_sql(PGconn *c, const char *sql, char *out, size_t outlen)
{
	PGresult *r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
	                  PQresultStatus(r) == PGRES_TUPLES_OK,
	    "%s: %s", sql, PQerrorMessage(c));
	if (out != NULL)
		snprintf(out, outlen, "%s",
		    PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
}

/* Empty the database (schema and all), so each store starts afresh with
 * ids from 1. */
static void
test_reset(void)
{
	PGconn *c = test_conn();

	test_sql(
	    c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", NULL, 0);
	PQfinish(c);
}

/* A PostgreSQL store on a fresh database. */
static struct store *
test_store(size_t ring, int retain_days)
{
	struct pgstore_cfg cfg = {
	    .url = test_url, .ring = ring, .retain_days = retain_days};
	struct store *st;
	char err[256];

	if (test_base == NULL)
		test_base = event_base_new();
	st = pgstore_new(test_base, &cfg, err, sizeof err);
	ck_assert_msg(st != NULL, "pgstore_new: %s", err);
	return st;
}

/* store_factory for the shared suite. */
static struct store *
make_pgstore(size_t ring)
{
	test_reset();
	return test_store(ring, 0);
}

/* What a test saw. */
struct seen {
	int64_t ids[16];
	char json[16][512];
	size_t n;
	struct store_note notes[16];
	size_t nnotes;
};

/* store_line_fn recording what is read. */
static int
seen_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 16);
	s->ids[s->n] = id;
	snprintf(s->json[s->n], sizeof s->json[s->n], "%.*s", (int)len, json);
	s->n++;
	return 0;
}

/* store_note_fn recording notes. */
static void
seen_note(const struct store_note *note, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->nnotes, 16);
	s->notes[s->nnotes++] = *note;
}

/* Run the event loop until s has count notes or TEST_WAIT_MS pass. */
static void
wait_notes(struct seen *s, size_t count)
{
	int64_t end = util_mono_ms() + TEST_WAIT_MS;
	struct timeval tv = {0, 20000};

	while (s->nnotes < count && util_mono_ms() < end) {
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
	}
	ck_assert_uint_ge(s->nnotes, count);
}

/* Append one event with the given members to automations/id. */
static int
append1(struct store *st, const char *id, const char *members)
{
	struct store_line l = {members, strlen(members)};
	bool created;

	return store_append(st, SOURCE_AUTOMATION, id, &l, 1, 1000, &created);
}

START_TEST(ids_of_a_source_have_gaps_and_reads_follow_them)
{
	struct store *st = make_pgstore(100);
	struct store_info info;
	struct seen s = {0};
	int64_t after;
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(append1(st, "a", "\"message\":\"a\""), 0);
		ck_assert_int_eq(append1(st, "b", "\"message\":\"b\""), 0);
	}
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.oldest_id, 1);
	ck_assert_int_eq(info.last_id, 5);
	ck_assert_int_eq(info.evicted_id, 0);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 1, 10, seen_line, &s), 2);
	ck_assert_int_eq(s.ids[0], 3);
	ck_assert_int_eq(s.ids[1], 5);
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "b", 2, &after), 0);
	ck_assert_int_eq(after, 2);
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "b", 9, &after), 0);
	ck_assert_int_eq(after, 1);
	store_free(st);
}
END_TEST

START_TEST(producer_members_come_back_as_values_after_the_columns)
{
	struct store *st = make_pgstore(100);
	struct seen s = {0};

	ck_assert_int_eq(append1(st, "a",
	                     "\"timestamp\":\"2024-12-07T14:23:45.123Z\","
	                     "\"level\":\"WARN\",\"rows\":512,\"message\":"
	                     "\"say \\\"hi\\\"\\n\",\"task\":\"t\","
	                     "\"nested\":{\"k\":[1,2]}"),
	    0);
	store_read(st, SOURCE_AUTOMATION, "a", 0, 10, seen_line, &s);
	ck_assert_str_eq(s.json[0],
	    "{\"id\":1,\"timestamp\":\"2024-12-07T14:23:45.123Z\","
	    "\"level\":\"WARN\",\"message\":\"say \\\"hi\\\"\\n\","
	    "\"task\":\"t\",\"rows\":512,\"nested\":{\"k\":[1,2]}}");
	store_free(st);
}
END_TEST

START_TEST(a_batch_with_a_bad_timestamp_stores_nothing)
{
	struct store *st = make_pgstore(100);
	struct store_line l[2] = {{"\"message\":\"ok\"", 14},
	    {"\"timestamp\":\"not a time\",\"message\":\"x\"", 38}};
	struct store_info info;
	bool created;

	ck_assert_int_eq(append1(st, "a", "\"message\":\"first\""), 0);
	ck_assert_int_eq(
	    store_append(st, SOURCE_AUTOMATION, "a", l, 2, 1000, &created),
	    STORE_EINVAL);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.last_id, 1);
	store_free(st);
}
END_TEST

START_TEST(rows_another_writer_inserts_reach_subscribers_by_notify)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct seen s = {0}, r = {0};
	char id[32];

	ck_assert_int_eq(append1(st, "a", "\"message\":\"mine\""), 0);
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s));
	test_sql(c,
	    "INSERT INTO logs (source, message, extra) VALUES "
	    "('automations/a', 'theirs', '{\"runId\": \"r9\"}'), "
	    "('automations/other', 'elsewhere', '{}') RETURNING id",
	    id, sizeof id);
	wait_notes(&s, 1);
	ck_assert_int_eq(s.notes[0].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[0].last_id, 2);
	store_read(st, SOURCE_AUTOMATION, "a", 1, 10, seen_line, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_ptr_nonnull(strstr(r.json[0], "\"message\":\"theirs\""));
	ck_assert_ptr_nonnull(strstr(r.json[0], "\"runId\":\"r9\"}"));
	test_sql(c,
	    "UPDATE sources SET status = 'completed', exit_code = 0,"
	    " status_ms = 42 WHERE source = 'automations/a'",
	    NULL, 0);
	wait_notes(&s, 2);
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_STATUS);
	ck_assert_int_eq(s.notes[1].status, RUN_COMPLETED);
	ck_assert_int_eq(s.notes[1].at_ms, 42);
	ck_assert_int_eq(s.notes[1].last_id, 2);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(own_changes_are_told_once_not_again_by_their_echo)
{
	struct store *st = make_pgstore(100);
	struct seen s = {0};
	struct timeval tv = {0, 300000};

	ck_assert_int_eq(append1(st, "a", "\"message\":\"one\""), 0);
	store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s);
	ck_assert_int_eq(append1(st, "a", "\"message\":\"two\""), 0);
	ck_assert_uint_eq(s.nnotes, 1);
	event_base_loopexit(test_base, &tv);
	event_base_dispatch(test_base);
	ck_assert_uint_eq(s.nnotes, 1);
	store_free(st);
}
END_TEST

START_TEST(a_lost_notification_connection_reconnects_and_catches_up)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct seen s = {0};
	char n[32];

	ck_assert_int_eq(append1(st, "a", "\"message\":\"one\""), 0);
	store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s);
	test_sql(c,
	    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
	    " WHERE application_name = 'logdeck-server listen'",
	    n, sizeof n);
	ck_assert_str_eq(n, "1");
	/* Written while nobody listens: only the catch-up can tell it. */
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES ('automations/a', 'x')",
	    NULL, 0);
	wait_notes(&s, 1);
	ck_assert_int_eq(s.notes[0].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[0].last_id, 2);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(migrations_are_applied_once_and_recorded)
{
	struct store *st = make_pgstore(100), *again;
	PGconn *c = test_conn();
	char n[32];

	again = test_store(100, 0);
	test_sql(c,
	    "SELECT count(*) || ':' || max(version) FROM "
	    "schema_migrations",
	    n, sizeof n);
	ck_assert_str_eq(n, "1:1");
	test_sql(c,
	    "INSERT INTO schema_migrations (version, name) VALUES "
	    "(999, 'from the future')",
	    NULL, 0);
	store_free(again);
	{
		struct pgstore_cfg cfg = {.url = test_url};
		char err[256];

		ck_assert_ptr_null(pgstore_new(NULL, &cfg, err, sizeof err));
		ck_assert_ptr_nonnull(strstr(err, "newer"));
	}
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(a_row_over_the_line_limit_is_sent_as_a_short_error_event)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct seen s = {0};
	char sql[160];

	snprintf(sql, sizeof sql,
	    "INSERT INTO logs (source, message) VALUES ('automations/big', "
	    "repeat('x', %zu))",
	    PGSTORE_LINE_MAX + 1);
	test_sql(c, sql, NULL, 0);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "big", 0, 10, seen_line, &s), 1);
	ck_assert_ptr_nonnull(strstr(s.json[0], "\"level\":\"ERROR\""));
	ck_assert_ptr_nonnull(strstr(s.json[0], "over the server's limit"));
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(retention_deletes_old_events_and_records_what_it_took)
{
	struct store *st = make_pgstore(100), *kept;
	PGconn *c = test_conn();
	struct store_info info;
	struct timeval tv = {0, 200000};

	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES "
	    "('automations/a', '2001-01-01Z', 'old'),"
	    "('automations/a', '2001-01-02Z', 'old'),"
	    "('automations/a', now(), 'new')",
	    NULL, 0);
	store_free(st);
	kept = test_store(0, 1);
	event_base_loopexit(test_base, &tv);
	event_base_dispatch(test_base);
	ck_assert_int_eq(store_get(kept, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.evicted_id, 2);
	ck_assert_int_eq(info.oldest_id, 3);
	ck_assert_int_eq(info.last_id, 3);
	PQfinish(c);
	store_free(kept);
}
END_TEST

/* store_line_fn checking that ids only grow and counting them. */
static int
count_line(int64_t id, const char *json, size_t len, void *arg)
{
	int64_t *seen = arg;

	ck_assert_int_gt(id, seen[1]);
	seen[1] = id;
	seen[0]++;
	return 0;
}

/* Read every event of automations/a after after as a stream does
 * (store_read_live: from the cache where it covers them), in
 * database-sized reads, checking order; returns how many. */
static int64_t
read_all(struct store *st, int64_t after)
{
	int64_t seen[2] = {0, after};
	long n;

	do {
		n = store_read_live(st, SOURCE_AUTOMATION, "a", seen[1],
		    PGSTORE_READ_MAX, count_line, seen);
		ck_assert_int_ge(n, 0);
	} while (n > 0);
	return seen[0];
}

START_TEST(reads_are_whole_past_the_cache_row_and_byte_limits)
{
	struct store *st = make_pgstore(0);
	PGconn *c = test_conn();
	struct seen s = {0};
	char sql[256];

	ck_assert_int_eq(append1(st, "a", "\"message\":\"first\""), 0);
	store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s);
	snprintf(sql, sizeof sql,
	    "INSERT INTO logs (source, message) SELECT 'automations/a', "
	    "'r' || g FROM generate_series(1, %d) g",
	    PGSTORE_CACHE_ROWS + 10);
	test_sql(c, sql, NULL, 0);
	wait_notes(&s, 1);
	ck_assert_int_eq(read_all(st, 0), PGSTORE_CACHE_ROWS + 11);
	ck_assert_int_eq(read_all(st, PGSTORE_CACHE_ROWS + 6), 5);
	/* Rows near the line limit: the cache holds only a few of them. */
	snprintf(sql, sizeof sql,
	    "INSERT INTO logs (source, message) SELECT 'automations/a', "
	    "repeat('y', %zu) FROM generate_series(1, %zu)",
	    PGSTORE_LINE_MAX - 200, PGSTORE_CACHE_BYTES / PGSTORE_LINE_MAX + 3);
	test_sql(c, sql, NULL, 0);
	wait_notes(&s, 2);
	ck_assert_int_eq(read_all(st, PGSTORE_CACHE_ROWS + 11),
	    (int64_t)(PGSTORE_CACHE_BYTES / PGSTORE_LINE_MAX + 3));
	ck_assert_int_eq(read_all(st, 0),
	    PGSTORE_CACHE_ROWS + 11 +
	        (int64_t)(PGSTORE_CACHE_BYTES / PGSTORE_LINE_MAX + 3));
	PQfinish(c);
	store_free(st);
}
END_TEST

int
main(int argc, char **argv)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	char script[4096];
	const char *srcdir = getenv("LOGDECK_SRCDIR");
	int failed;

	if ((test_url = getenv("LOGDECK_PG_URL")) == NULL) {
		/* No database given: run under a throwaway cluster. */
		snprintf(script, sizeof script,
		    "%s/tests/integration/pgcluster.py",
		    srcdir != NULL ? srcdir : ".");
		execlp(
		    "python3", "python3", script, "run", argv[0], (char *)NULL);
		perror("test_pgstore: cannot run pgcluster.py");
		return EXIT_FAILURE;
	}
	sr = srunner_create(store_suite("pgstore", make_pgstore));
	s = suite_create("pgstore only");
	tc = tcase_create("database");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ids_of_a_source_have_gaps_and_reads_follow_them);
	tcase_add_test(
	    tc, producer_members_come_back_as_values_after_the_columns);
	tcase_add_test(tc, a_batch_with_a_bad_timestamp_stores_nothing);
	tcase_add_test(
	    tc, rows_another_writer_inserts_reach_subscribers_by_notify);
	tcase_add_test(tc, own_changes_are_told_once_not_again_by_their_echo);
	tcase_add_test(
	    tc, a_lost_notification_connection_reconnects_and_catches_up);
	tcase_add_test(tc, migrations_are_applied_once_and_recorded);
	tcase_add_test(
	    tc, a_row_over_the_line_limit_is_sent_as_a_short_error_event);
	tcase_add_test(
	    tc, retention_deletes_old_events_and_records_what_it_took);
	tcase_add_test(tc, reads_are_whole_past_the_cache_row_and_byte_limits);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
