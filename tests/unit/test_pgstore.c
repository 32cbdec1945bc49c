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

#include "server/pgschema.h"
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
	/* The run of each note (note->run lives only during the call). */
	struct store_run runs[16];
	char run_ids[16][STORE_RUN_ID_MAX + 1];
	char note_ids[16][64]; /* note->id, likewise */
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
	s->notes[s->nnotes] = *note;
	snprintf(s->note_ids[s->nnotes], sizeof s->note_ids[0], "%s",
	    note->id != NULL ? note->id : "(null)");
	s->notes[s->nnotes].id = s->note_ids[s->nnotes];
	if (note->run != NULL) {
		s->runs[s->nnotes] = *note->run;
		snprintf(s->run_ids[s->nnotes], sizeof s->run_ids[0], "%s",
		    note->run->run_id);
		s->runs[s->nnotes].run_id = s->run_ids[s->nnotes];
		s->notes[s->nnotes].run = &s->runs[s->nnotes];
	}
	s->nnotes++;
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

/* store_note_fn of a stream: what a stream does when told, read the
 * source's row and the events after the cursor, as the streams do. */
struct streamer {
	struct store *st;
	struct seen seen;
	int64_t cursor;
	int64_t last_id; /* of the row read when last told */
};

static void
streamer_note(const struct store_note *note, void *arg)
{
	struct streamer *t = arg;
	struct store_info info;

	seen_note(note, &t->seen);
	ck_assert_int_eq(
	    store_get_live(t->st, SOURCE_AUTOMATION, "a", &info), STORE_OK);
	t->last_id = info.last_id;
	store_read_live(
	    t->st, SOURCE_AUTOMATION, "a", t->cursor, 10, seen_line, &t->seen);
	if (t->seen.n > 0)
		t->cursor = t->seen.ids[t->seen.n - 1];
}

/* Run the event loop until t has read count events or TEST_WAIT_MS
 * pass. */
static void
wait_rows(struct streamer *t, size_t count)
{
	int64_t end = util_mono_ms() + TEST_WAIT_MS;
	struct timeval tv = {0, 20000};

	while (t->seen.n < count && util_mono_ms() < end) {
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
	}
	ck_assert_uint_ge(t->seen.n, count);
}

START_TEST(streams_are_fed_when_the_query_connection_was_lost_meanwhile)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct streamer t = {.st = st};
	char n[32];

	ck_assert_int_eq(append1(st, "a", "\"message\":\"one\""), 0);
	t.cursor = 1;
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", streamer_note, &t));
	/* Told of another writer's row, the store reads the new rows and
	 * the source's row in one round trip. (Notifications come in commit
	 * order: the echoes of this server's own append are past too.) */
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/a', 'two')",
	    NULL, 0);
	wait_rows(&t, 1);
	ck_assert_ptr_nonnull(strstr(t.seen.json[0], "\"message\":\"two\""));
	ck_assert_int_eq(t.last_id, 2);
	/* Here the connection it would use is gone: it reconnects and reads
	 * them one by one. */
	test_sql(c,
	    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
	    " WHERE application_name = 'logdeck-server'",
	    n, sizeof n);
	ck_assert_str_eq(n, "1");
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/a', 'three')",
	    NULL, 0);
	wait_rows(&t, 2);
	ck_assert_ptr_nonnull(strstr(t.seen.json[1], "\"message\":\"three\""));
	ck_assert_int_eq(t.last_id, 3);
	/* And on the fresh connection, both in one round trip again. */
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/a', 'four')",
	    NULL, 0);
	wait_rows(&t, 3);
	ck_assert_ptr_nonnull(strstr(t.seen.json[2], "\"message\":\"four\""));
	ck_assert_int_eq(t.last_id, 4);
	/* This server's own append is told at once. */
	ck_assert_int_eq(append1(st, "a", "\"message\":\"five\""), 0);
	ck_assert_uint_eq(t.seen.n, 4);
	ck_assert_ptr_nonnull(strstr(t.seen.json[3], "\"message\":\"five\""));
	ck_assert_int_eq(t.last_id, 5);
	ck_assert_uint_eq(t.seen.n, 4);
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
	char n[32], want[32];

	again = test_store(100, 0);
	test_sql(c,
	    "SELECT count(*) || ':' || max(version) FROM "
	    "schema_migrations",
	    n, sizeof n);
	snprintf(
	    want, sizeof want, "%d:%d", pgschema_version(), pgschema_version());
	ck_assert_str_eq(n, want);
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

/* Check that note i of s is a status note with the given run boundary. */
static void
check_boundary(const struct seen *s, size_t i, enum run_status status,
    int64_t run, const char *run_id, int64_t start_after, int64_t end_after)
{
	const struct store_run *r = s->notes[i].run;

	ck_assert_int_eq(s->notes[i].type, STORE_NOTE_STATUS);
	ck_assert_int_eq(s->notes[i].status, status);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->run, run);
	ck_assert_str_eq(r->run_id, run_id);
	ck_assert_int_eq(r->status, status);
	ck_assert_int_eq(r->start_after, start_after);
	ck_assert_int_eq(r->end_after, end_after);
}

/* What a store_run_fn saw: copies of the runs. */
struct runs_seen {
	struct store_run runs[8];
	char ids[8][STORE_RUN_ID_MAX + 1];
	int64_t count; /* all runs handed over, also past the 8 kept */
	int64_t last;  /* the last run number handed over */
	bool ordered;  /* each run was the one after the one before */
};

/* store_run_fn recording runs. */
static int
runs_fn(const struct store_run *r, void *arg)
{
	struct runs_seen *rs = arg;

	if (rs->count > 0 && r->run != rs->last + 1)
		rs->ordered = false;
	if (rs->count < 8) {
		rs->runs[rs->count] = *r;
		snprintf(
		    rs->ids[rs->count], sizeof rs->ids[0], "%s", r->run_id);
		rs->runs[rs->count].run_id = rs->ids[rs->count];
	}
	rs->last = r->run;
	rs->count++;
	return 0;
}

/* All runs of automations/id into *rs (which holds their runIds, so it
 * is filled in place rather than returned). */
static void
all_runs(struct store *st, const char *id, struct runs_seen *rs)
{
	*rs = (struct runs_seen){.ordered = true};
	ck_assert_int_ge(
	    store_runs(st, SOURCE_AUTOMATION, id, 0, (size_t)-1, runs_fn, rs),
	    0);
}

START_TEST(a_psql_update_to_running_then_failed_opens_and_closes_a_run)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct store_info info;
	struct runs_seen rs;
	struct seen s = {0};

	/* Run 1 starts with the source's first event (id 1). */
	ck_assert_int_eq(append1(st, "a", "\"message\":\"one\""), 0);
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s));
	/* All of it before the store reads a notification: each note must
	 * tell its own change, not the state at the time it is read. */
	test_sql(c,
	    "UPDATE sources SET status = 'completed', exit_code = 0,"
	    " status_ms = 2000 WHERE source = 'automations/a'",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/a', 'late')", /* id 2, still run 1's */
	    NULL, 0);
	test_sql(c,
	    "BEGIN; SET LOCAL logdeck.run_id = 'nightly-2';"
	    " UPDATE sources SET status = 'running', exit_code = NULL,"
	    " status_ms = 3000 WHERE source = 'automations/a'; COMMIT",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/b', 'elsewhere')", /* id 3 */
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('automations/a', 'two')", /* id 4 */
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'failed', exit_code = 3,"
	    " status_ms = 4000 WHERE source = 'automations/a'",
	    NULL, 0);
	wait_notes(&s, 5);
	ck_assert_uint_eq(s.nnotes, 5);
	check_boundary(&s, 0, RUN_COMPLETED, 1, "1", 0, 1);
	ck_assert_int_eq(s.notes[0].at_ms, 2000);
	ck_assert_int_eq(s.notes[0].last_id, 1);
	ck_assert_str_eq(s.notes[0].id, "a");
	ck_assert_int_eq(s.runs[0].first_id, 1);
	ck_assert_int_eq(s.runs[0].last_id, 1);
	ck_assert_int_eq(s.runs[0].ended_ms, 2000);
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[1].last_id, 2);
	check_boundary(&s, 2, RUN_RUNNING, 2, "nightly-2", 2, -1);
	ck_assert_int_eq(s.notes[2].last_id, 2);
	ck_assert_int_eq(s.runs[2].started_ms, 3000);
	ck_assert(!s.runs[2].has_exit_code);
	ck_assert_int_eq(s.notes[3].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[3].last_id, 4);
	check_boundary(&s, 4, RUN_FAILED, 2, "nightly-2", 2, 4);
	ck_assert(s.runs[4].has_exit_code);
	ck_assert_int_eq(s.runs[4].exit_code, 3);
	ck_assert_int_eq(s.runs[4].started_ms, 3000);
	ck_assert_int_eq(s.runs[4].ended_ms, 4000);
	ck_assert_int_eq(s.runs[4].first_id, 4);
	ck_assert_int_eq(s.runs[4].last_id, 4);
	/* Read back: the event stored between the runs is run 1's. */
	all_runs(st, "a", &rs);
	ck_assert_int_eq(rs.count, 2);
	ck_assert_int_eq(rs.runs[0].first_id, 1);
	ck_assert_int_eq(rs.runs[0].last_id, 2);
	ck_assert_int_eq(rs.runs[1].first_id, 4);
	ck_assert_int_eq(rs.runs[1].last_id, 4);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert(info.has_run);
	ck_assert_int_eq(info.run.run, 2);
	ck_assert_str_eq(info.run.run_id, "nightly-2");
	ck_assert_int_eq(info.run.status, RUN_FAILED);
	ck_assert_int_eq(info.run.last_id, 4);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(migrating_from_version_1_keeps_the_events_and_adds_runs)
{
	struct store *st;
	PGconn *c;
	struct store_info info;
	struct seen s = {0};
	struct store_status ch = {.status = RUN_RUNNING, .at_ms = 9000};
	char err[256], n[32];
	bool created;

	test_reset();
	c = test_conn();
	ck_assert_int_eq(pgschema_migrate_to(c, 1, err, sizeof err), 1);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES ('automations/run', "
	    "'a'),"
	    " ('automations/done', 'b'), ('automations/run', 'c')",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'completed', exit_code = 0,"
	    " status_ms = 5000 WHERE source = 'automations/done'",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO sources (source, kind, id, name, status) VALUES"
	    " ('automations/wait', 'automations', 'wait', 'wait', 'queued')",
	    NULL, 0);
	st = test_store(100, 0);
	test_sql(c, "SELECT max(version) FROM schema_migrations", n, sizeof n);
	ck_assert_int_eq(atoi(n), pgschema_version());
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "run", &info), 0);
	ck_assert(info.has_run);
	ck_assert_int_eq(info.run.run, 1);
	ck_assert_int_eq(info.run.status, RUN_RUNNING);
	ck_assert_int_eq(info.run.start_after, 0);
	ck_assert_int_eq(info.run.end_after, -1);
	ck_assert_int_eq(info.run.first_id, 1);
	ck_assert_int_eq(info.run.last_id, 3);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "done", &info), 0);
	ck_assert(info.has_run);
	ck_assert_int_eq(info.run.status, RUN_COMPLETED);
	ck_assert(info.run.has_exit_code);
	ck_assert_int_eq(info.run.exit_code, 0);
	ck_assert_int_eq(info.run.ended_ms, 5000);
	ck_assert_int_eq(info.run.end_after, 2);
	ck_assert_int_eq(info.run.first_id, 2);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "wait", &info), 0);
	ck_assert(!info.has_run);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "run", 0, 10, seen_line, &s), 2);
	/* The triggers carry on from the migrated run. */
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "done", &ch, &created), 0);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "done", &info), 0);
	ck_assert_int_eq(info.run.run, 2);
	ck_assert_int_eq(info.run.start_after, 2);
	PQfinish(c);
	store_free(st);
}
END_TEST

/* The table (partition) holding row id of logs, "" when none. */
static void
partition_of(PGconn *c, int id, char *out, size_t outlen)
{
	char sql[128];

	snprintf(sql, sizeof sql,
	    "SELECT tableoid::regclass::text FROM logs WHERE id = %d", id);
	test_sql(c, sql, out, outlen);
}

/* The name of the daily partition of today (UTC) plus days. */
static void
day_partition(PGconn *c, int days, char *out, size_t outlen)
{
	char sql[128];

	snprintf(sql, sizeof sql,
	    "SELECT 'logs_p' || to_char((now() AT TIME ZONE 'UTC')::date"
	    " + %d, 'YYYYMMDD')",
	    days);
	test_sql(c, sql, out, outlen);
}

START_TEST(migrating_a_populated_version_2_database_partitions_logs_by_day)
{
	struct store *st;
	PGconn *c;
	struct store_info info;
	char err[256], n[64], part[64];

	test_reset();
	c = test_conn();
	ck_assert_int_eq(pgschema_migrate_to(c, 2, err, sizeof err), 2);
	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    " ('automations/a', now(), 'today'),"
	    " ('automations/a', '1900-01-01Z', 'long ago'),"
	    " ('automations/b', '9999-12-31Z', 'far ahead'),"
	    " ('automations/a', now() - interval '3 days', 'days ago')",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'completed', exit_code = 0,"
	    " status_ms = 5000 WHERE source = 'automations/b'",
	    NULL, 0);
	st = test_store(100, 0);
	test_sql(c, "SELECT max(version) FROM schema_migrations", n, sizeof n);
	ck_assert_int_eq(atoi(n), pgschema_version());
	test_sql(c, "SELECT relkind FROM pg_class WHERE relname = 'logs'", n,
	    sizeof n);
	ck_assert_str_eq(n, "p");
	/* Every row kept its id, in the partition of its day or, far from
	 * today, in the default one. */
	test_sql(c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM logs", n,
	    sizeof n);
	ck_assert_str_eq(n, "1,2,3,4");
	partition_of(c, 1, n, sizeof n);
	day_partition(c, 0, part, sizeof part);
	ck_assert_str_eq(n, part);
	partition_of(c, 4, n, sizeof n);
	test_sql(c,
	    "SELECT 'logs_p' || to_char((now() - interval '3 days')"
	    " AT TIME ZONE 'UTC', 'YYYYMMDD')",
	    part, sizeof part);
	ck_assert_str_eq(n, part);
	partition_of(c, 2, n, sizeof n);
	ck_assert_str_eq(n, "logs_default");
	partition_of(c, 3, n, sizeof n);
	ck_assert_str_eq(n, "logs_default");
	test_sql(c,
	    "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM "
	    "pg_indexes"
	    " WHERE tablename = 'logs'",
	    n, sizeof n);
	ck_assert_str_eq(
	    n, "logs_pkey,logs_source_id,logs_source_timestamp,logs_timestamp");
	/* The sequence and both triggers carry on: the store's append and a
	 * producer's insert (its id replaced) number on from 4. */
	ck_assert_int_eq(append1(st, "a", "\"message\":\"five\""), 0);
	test_sql(c,
	    "INSERT INTO logs (id, source, message) VALUES"
	    " (1, 'automations/a', 'six')",
	    NULL, 0);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.last_id, 6);
	ck_assert_int_eq(info.oldest_id, 1);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "b", &info), 0);
	ck_assert(info.has_run);
	ck_assert_int_eq(info.run.status, RUN_COMPLETED);
	ck_assert_int_eq(info.run.first_id, 3);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(rows_of_any_day_are_stored_and_move_into_their_day_when_it_comes)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct seen s = {0};
	char n[64], part[64], sql[128];

	/* Today's partition and PGSCHEMA_AHEAD_DAYS more were made, no
	 * further. */
	day_partition(c, PGSCHEMA_AHEAD_DAYS, part, sizeof part);
	snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL", part);
	test_sql(c, sql, n, sizeof n);
	ck_assert_str_eq(n, "t");
	day_partition(c, PGSCHEMA_AHEAD_DAYS + 1, part, sizeof part);
	snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NULL", part);
	test_sql(c, sql, n, sizeof n);
	ck_assert_str_eq(n, "t");
	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    " ('automations/a', '0001-01-01Z', 'year one'),"
	    " ('automations/a', now() + interval '10 days', 'ahead'),"
	    " ('automations/a', '294275-01-01Z', 'near the end of time')",
	    NULL, 0);
	partition_of(c, 2, n, sizeof n);
	ck_assert_str_eq(n, "logs_default");
	/* The day comes: its partition takes the row along, id and all. */
	test_sql(c,
	    "SELECT logdeck_logs_partition("
	    "((now() + interval '10 days') AT TIME ZONE 'UTC')::date)",
	    n, sizeof n);
	ck_assert_str_eq(n, "t");
	day_partition(c, 10, part, sizeof part);
	partition_of(c, 2, n, sizeof n);
	ck_assert_str_eq(n, part);
	test_sql(c, "SELECT count(*) FROM logs_default", n, sizeof n);
	ck_assert_str_eq(n, "2");
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 0, 10, seen_line, &s), 3);
	ck_assert_int_eq(s.ids[1], 2);
	PQfinish(c);
	store_free(st);
}
END_TEST

/* Run the loop until sql on c answers want, for at most TEST_WAIT_MS. */
static void
wait_sql(PGconn *c, const char *sql, const char *want)
{
	int64_t end = util_mono_ms() + TEST_WAIT_MS;
	struct timeval tv = {0, 20000};
	char got[64];

	for (;;) {
		test_sql(c, sql, got, sizeof got);
		if (strcmp(got, want) == 0 || util_mono_ms() >= end)
			break;
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
	}
	ck_assert_str_eq(got, want);
}

START_TEST(retention_drops_whole_expired_days_and_records_what_they_held)
{
	struct store *st = make_pgstore(100), *kept;
	PGconn *c = test_conn();
	struct store_info info;
	char n[64], part[64], sql[128];

	test_sql(c,
	    "SELECT logdeck_logs_partition((now() AT TIME ZONE 'UTC')::date"
	    " - i) FROM generate_series(2, 5) i",
	    NULL, 0);
	/* Ids: 1, 2 five days ago; 3 four days ago; 4 long ago (in
	 * logs_default); 5 at the start of the day that holds the cutoff
	 * (older than the cutoff, in a partition that is not wholly so); 6
	 * now; 7 far ahead. */
	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    " ('automations/a', now() - interval '5 days', 'one'),"
	    " ('automations/b', now() - interval '5 days', 'two'),"
	    " ('automations/a', now() - interval '4 days', 'three'),"
	    " ('automations/a', '2001-01-01Z', 'four'),"
	    " ('automations/a', date_trunc('day', (now() - interval '2 days')"
	    "   AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'five'),"
	    " ('automations/a', now(), 'six'),"
	    " ('automations/c', '2999-01-01Z', 'seven')",
	    NULL, 0);
	store_free(st);
	kept = test_store(0, 2);
	wait_sql(c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM logs",
	    "5,6,7");
	day_partition(c, -5, part, sizeof part);
	snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NULL", part);
	test_sql(c, sql, n, sizeof n);
	ck_assert_str_eq(n, "t");
	day_partition(c, -2, part, sizeof part);
	partition_of(c, 5, n, sizeof n);
	ck_assert_str_eq(n, part);
	/* What went is recorded: a resume before id 4 of a gets a reset. */
	ck_assert_int_eq(store_get(kept, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.evicted_id, 4);
	ck_assert_int_eq(info.oldest_id, 5);
	ck_assert_int_eq(info.last_id, 6);
	ck_assert_int_eq(store_get(kept, SOURCE_AUTOMATION, "b", &info), 0);
	ck_assert_int_eq(info.evicted_id, 2);
	ck_assert_int_eq(info.oldest_id, 3);
	ck_assert_int_eq(store_get(kept, SOURCE_AUTOMATION, "c", &info), 0);
	ck_assert_int_eq(info.evicted_id, 0);
	ck_assert_int_eq(info.oldest_id, 7);
	PQfinish(c);
	store_free(kept);
}
END_TEST

START_TEST(a_partition_drop_gives_up_rather_than_hold_up_a_reader)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn(), *reader = test_conn();
	PGresult *r;
	char n[64], part[64], sql[128];
	int64_t t0;

	test_sql(c,
	    "SELECT logdeck_logs_partition((now() AT TIME ZONE 'UTC')::date"
	    " - 5)",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    " ('automations/a', now() - interval '5 days', 'old')",
	    NULL, 0);
	day_partition(c, -5, part, sizeof part);
	/* A long reader holds logs: the drop waits PGSCHEMA_LOCK_WAIT_MS
	 * (500 ms) for it at most, then gives up with nothing changed. */
	test_sql(reader, "BEGIN; SELECT count(*) FROM logs", NULL, 0);
	snprintf(sql, sizeof sql, "SELECT logdeck_logs_drop('%s')", part);
	t0 = util_mono_ms();
	r = PQexec(c, sql);
	ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
	ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "55P03");
	PQclear(r);
	ck_assert_int_ge(util_mono_ms() - t0, 400);
	ck_assert_int_lt(util_mono_ms() - t0, 3000);
	snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL", part);
	test_sql(c, sql, n, sizeof n);
	ck_assert_str_eq(n, "t");
	test_sql(c,
	    "SELECT evicted_id FROM sources WHERE source = 'automations/a'", n,
	    sizeof n);
	ck_assert_str_eq(n, "0");
	/* Once the reader is done, the next pass drops it. */
	test_sql(reader, "COMMIT", NULL, 0);
	snprintf(sql, sizeof sql, "SELECT logdeck_logs_drop('%s')", part);
	test_sql(c, sql, NULL, 0);
	test_sql(c,
	    "SELECT evicted_id FROM sources WHERE source = 'automations/a'", n,
	    sizeof n);
	ck_assert_str_eq(n, "1");
	PQfinish(reader);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(runs_are_read_whole_past_the_runs_page_limit)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct store_run found;
	struct runs_seen rs = {.ordered = true};
	char sql[512], idbuf[STORE_RUN_ID_MAX + 1];

	ck_assert_int_eq(append1(st, "many", "\"message\":\"x\""), 0);
	snprintf(sql, sizeof sql,
	    "DO $$ BEGIN FOR i IN 1..%d LOOP"
	    " UPDATE sources SET status = 'completed', status_ms = i"
	    "  WHERE source = 'automations/many';"
	    " IF i = %d THEN PERFORM set_config('logdeck.run_id', 'the-last',"
	    "  true); END IF;"
	    " UPDATE sources SET status = 'running', status_ms = i"
	    "  WHERE source = 'automations/many';"
	    " END LOOP; END $$",
	    PGSTORE_RUNS_PAGE + 2, PGSTORE_RUNS_PAGE + 2);
	test_sql(c, sql, NULL, 0);
	all_runs(st, "many", &rs);
	ck_assert_int_eq(rs.count, PGSTORE_RUNS_PAGE + 3);
	ck_assert(rs.ordered);
	ck_assert_int_eq(rs.runs[0].run, 1);
	ck_assert_int_eq(rs.last, PGSTORE_RUNS_PAGE + 3);
	/* A runId is looked for over every page. */
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "many",
	                     "the-last", &found, idbuf, sizeof idbuf),
	    STORE_OK);
	ck_assert_int_eq(found.run, PGSTORE_RUNS_PAGE + 3);
	ck_assert_int_eq(found.status, RUN_RUNNING);
	rs = (struct runs_seen){.ordered = true};
	ck_assert_int_eq(store_runs(st, SOURCE_AUTOMATION, "many",
	                     PGSTORE_RUNS_PAGE - 1, 3, runs_fn, &rs),
	    3);
	ck_assert_int_eq(rs.runs[0].run, PGSTORE_RUNS_PAGE);
	ck_assert(rs.ordered);
	ck_assert_int_eq(
	    store_runs(st, SOURCE_AUTOMATION, "nope", 0, 3, runs_fn, &rs),
	    STORE_ENOENT);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(a_run_id_of_up_to_store_run_id_max_bytes_is_kept)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct store_status ch = {.status = RUN_RUNNING, .at_ms = 1};
	struct store_info info;
	char name[STORE_RUN_ID_MAX + 2], sql[512];
	PGresult *r;
	bool created;

	memset(name, 'r', STORE_RUN_ID_MAX);
	name[STORE_RUN_ID_MAX] = '\0';
	ch.run_id = name;
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "max", &ch, &created), 0);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "max", &info), 0);
	ck_assert_str_eq(info.run.run_id, name);
	strcat(name, "r");
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "over", &ch, &created),
	    STORE_EINVAL);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "over", &info), STORE_ENOENT);
	/* The database holds direct SQL to the same limit. */
	snprintf(sql, sizeof sql,
	    "BEGIN; SET LOCAL logdeck.run_id = '%s';"
	    " INSERT INTO logs (source, message) VALUES"
	    " ('automations/sql', 'x'); COMMIT",
	    name);
	r = PQexec(c, sql);
	ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
	ck_assert_ptr_nonnull(strstr(PQerrorMessage(c), "run_id_length"));
	PQclear(r);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(a_kind_subscriber_is_told_of_new_sources_and_their_changes)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct store_status ch = {.status = RUN_QUEUED, .at_ms = 7};
	struct seen s = {0};
	bool created;

	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, NULL, seen_note, &s));
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES"
	    " ('pipelines/other', 'not told'), ('automations/new', 'x')",
	    NULL, 0);
	wait_notes(&s, 2);
	check_boundary(&s, 0, RUN_RUNNING, 1, "1", 0, -1);
	ck_assert_str_eq(s.notes[0].id, "new");
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_LOGS);
	ck_assert_str_eq(s.notes[1].id, "new");
	ck_assert_int_eq(s.notes[1].last_id, 2);
	/* This server's own changes: a queued source is no run boundary. */
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "mine", &ch, &created), 0);
	ck_assert_uint_eq(s.nnotes, 3);
	ck_assert_str_eq(s.notes[2].id, "mine");
	ck_assert_int_eq(s.notes[2].status, RUN_QUEUED);
	ck_assert_ptr_null(s.notes[2].run);
	ck_assert_int_eq(append1(st, "made", "\"message\":\"y\""), 0);
	ck_assert_uint_eq(s.nnotes, 5);
	check_boundary(&s, 3, RUN_RUNNING, 1, "1", 0, -1);
	ck_assert_str_eq(s.notes[3].id, "made");
	ck_assert_int_eq(s.notes[4].type, STORE_NOTE_LOGS);
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(since_starts_at_the_first_event_at_or_after_the_time)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	int64_t after;

	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    " ('automations/a', '2001-01-01T00:00:00.000Z', 'm1'),"
	    " ('automations/b', '2001-01-01T00:00:01.000Z', 'b'),"
	    " ('automations/a', '2001-01-01T00:00:01.500Z', 'm3'),"
	    " ('automations/a', '2001-01-01T00:00:02.000Z', 'm4')",
	    NULL, 0);
	/* 978307200000 ms is 2001-01-01T00:00:00Z. */
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", 978307201000, &after), 0);
	ck_assert_int_eq(after, 2);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", 978307201500, &after), 0);
	ck_assert_int_eq(after, 2);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", 978307201501, &after), 0);
	ck_assert_int_eq(after, 3);
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "a", 0, &after), 0);
	ck_assert_int_eq(after, 0);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", 978307299000, &after), 0);
	ck_assert_int_eq(after, 4);
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "nope", 0, &after),
	    STORE_ENOENT);
	PQfinish(c);
	store_free(st);
}
END_TEST

/* How many runs automations/id has. */
static int64_t
count_runs(struct store *st, const char *id)
{
	struct runs_seen rs;

	all_runs(st, id, &rs);
	return rs.count;
}

START_TEST(retention_deletes_the_runs_whose_events_are_all_gone)
{
	struct store *st = make_pgstore(100), *kept;
	PGconn *c = test_conn();
	struct runs_seen rs;
	int64_t end;
	struct timeval tv = {0, 20000};

	test_sql(c,
	    "INSERT INTO logs (source, \"timestamp\", message) VALUES "
	    "('automations/a', '2001-01-01Z', 'old'),"
	    "('automations/a', '2001-01-02Z', 'old')",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'completed', status_ms = 1"
	    " WHERE source = 'automations/a'",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'running', status_ms = 2"
	    " WHERE source = 'automations/a'",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES ('automations/a', "
	    "'new')",
	    NULL, 0);
	ck_assert_int_eq(count_runs(st, "a"), 2);
	store_free(st);
	kept = test_store(0, 1);
	end = util_mono_ms() + TEST_WAIT_MS;
	while (count_runs(kept, "a") != 1 && util_mono_ms() < end) {
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
	}
	all_runs(kept, "a", &rs);
	ck_assert_int_eq(rs.count, 1);
	ck_assert_int_eq(rs.runs[0].run, 2);
	ck_assert_int_eq(rs.runs[0].first_id, 3);
	PQfinish(c);
	store_free(kept);
}
END_TEST

START_TEST(the_ring_drops_the_runs_whose_events_it_evicted)
{
	struct store *st = make_pgstore(2);
	struct store_status done = {.status = RUN_COMPLETED, .at_ms = 1};
	struct store_status again = {.status = RUN_RUNNING, .at_ms = 2};
	struct runs_seen rs;
	bool created;

	ck_assert_int_eq(append1(st, "a", "\"message\":\"run 1\""), 0);
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "a", &done, &created), 0);
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "a", &again, &created), 0);
	ck_assert_int_eq(append1(st, "a", "\"message\":\"run 2\""), 0);
	ck_assert_int_eq(count_runs(st, "a"), 2);
	/* The third event evicts run 1's only one. */
	ck_assert_int_eq(append1(st, "a", "\"message\":\"run 2\""), 0);
	all_runs(st, "a", &rs);
	ck_assert_int_eq(rs.count, 1);
	ck_assert_int_eq(rs.runs[0].run, 2);
	store_free(st);
}
END_TEST

START_TEST(a_run_that_started_while_nobody_listened_is_told_by_the_catch_up)
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
	/* Running again as it was when subscribed: only the run tells. */
	test_sql(c,
	    "UPDATE sources SET status = 'completed' WHERE"
	    " source = 'automations/a'",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status = 'running' WHERE"
	    " source = 'automations/a'",
	    NULL, 0);
	wait_notes(&s, 2);
	ck_assert_int_eq(s.notes[0].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_STATUS);
	ck_assert_int_eq(s.notes[1].status, RUN_RUNNING);
	ck_assert_ptr_nonnull(s.notes[1].run);
	ck_assert_int_eq(s.runs[1].run, 2);
	ck_assert_int_eq(s.runs[1].status, RUN_RUNNING);
	ck_assert_str_eq(s.notes[1].id, "a");
	PQfinish(c);
	store_free(st);
}
END_TEST

START_TEST(retention_drops_runs_a_batch_at_a_time_until_all_are_gone)
{
	struct store *st = make_pgstore(100), *kept;
	PGconn *c = test_conn();
	char sql[640], n[32];
	int64_t end;
	struct timeval tv = {0, 20000};
	/* Sources of an old event and runs of none: more runs to drop
	 * than one pass takes. */
	const int per = PGSTORE_RETAIN_BATCH / 5 + 1;

	snprintf(sql, sizeof sql,
	    "DO $$ BEGIN FOR s IN 1..6 LOOP"
	    " INSERT INTO logs (source, \"timestamp\", message) VALUES"
	    "  ('automations/s' || s, '2001-01-01Z', 'old');"
	    " FOR i IN 1..%d LOOP"
	    "  UPDATE sources SET status = 'completed'"
	    "   WHERE source = 'automations/s' || s;"
	    "  UPDATE sources SET status = 'running'"
	    "   WHERE source = 'automations/s' || s;"
	    " END LOOP; END LOOP; END $$",
	    per);
	test_sql(c, sql, NULL, 0);
	test_sql(c, "SELECT count(*) FROM runs", n, sizeof n);
	ck_assert_int_gt(atoi(n), PGSTORE_RETAIN_BATCH + 6);
	store_free(st);
	kept = test_store(0, 1);
	end = util_mono_ms() + TEST_WAIT_MS;
	do {
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
		test_sql(c, "SELECT count(*) FROM runs", n, sizeof n);
	} while (atoi(n) != 6 && util_mono_ms() < end);
	/* Each source keeps its newest run. */
	ck_assert_str_eq(n, "6");
	PQfinish(c);
	store_free(kept);
}
END_TEST

START_TEST(each_terminal_report_while_no_run_is_open_is_a_run_of_its_own)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct store_status ch = {.status = RUN_CANCELLED, .at_ms = 5};
	struct seen s = {0};
	bool created;

	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "a", &ch, &created), 0);
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s));
	/* The same report again, in the same millisecond. */
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, "a", &ch, &created), 0);
	ck_assert_int_eq(count_runs(st, "a"), 2);
	check_boundary(&s, 0, RUN_CANCELLED, 2, "2", 0, 0);
	/* Direct SQL: a rename is no report, a new time is. */
	test_sql(c,
	    "UPDATE sources SET name = 'A' WHERE source = 'automations/a'",
	    NULL, 0);
	test_sql(c,
	    "UPDATE sources SET status_ms = 6 WHERE source = 'automations/a'",
	    NULL, 0);
	wait_notes(&s, 3);
	ck_assert_ptr_null(s.notes[1].run);
	check_boundary(&s, 2, RUN_CANCELLED, 3, "3", 0, 0);
	ck_assert_int_eq(count_runs(st, "a"), 3);
	PQfinish(c);
	store_free(st);
}
END_TEST

/* What a subscriber that reads on each note saw: per note, the newest id
 * it was told of and the newest id store_read_live gave it. */
struct reader {
	struct store *st;
	int64_t told[4];
	int64_t read[4];
	int64_t cursor;
	size_t n;
};

/* store_line_fn moving a reader's cursor. */
static int
reader_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct reader *r = arg;

	r->cursor = id;
	return 0;
}

/* store_note_fn reading on from the cursor, as a stream does. */
static void
reader_note(const struct store_note *note, void *arg)
{
	struct reader *r = arg;

	ck_assert_uint_lt(r->n, 4);
	store_read_live(
	    r->st, SOURCE_AUTOMATION, "a", r->cursor, 100, reader_line, r);
	r->told[r->n] = note->last_id;
	r->read[r->n] = r->cursor;
	r->n++;
}

START_TEST(a_subscriber_reads_no_further_than_it_was_told)
{
	struct store *st = make_pgstore(100);
	PGconn *c = test_conn();
	struct reader r = {.st = st};
	struct timeval tv = {0, 20000};
	int64_t end;

	ck_assert_int_eq(append1(st, "a", "\"message\":\"one\""), 0);
	r.cursor = 1;
	store_subscribe(st, SOURCE_AUTOMATION, "a", reader_note, &r);
	/* Both committed before the store hears of the first: what it
	 * tells of the first must not show the second (a boundary told
	 * between them would come too late). */
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES ('automations/a', 'x')",
	    NULL, 0);
	test_sql(c,
	    "INSERT INTO logs (source, message) VALUES ('automations/a', 'y')",
	    NULL, 0);
	end = util_mono_ms() + TEST_WAIT_MS;
	while (r.n < 2 && util_mono_ms() < end) {
		event_base_loopexit(test_base, &tv);
		event_base_dispatch(test_base);
	}
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.told[0], 2);
	ck_assert_int_eq(r.read[0], 2);
	ck_assert_int_eq(r.told[1], 3);
	ck_assert_int_eq(r.read[1], 3);
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
	srunner_add_suite(sr, store_runs_suite("pgstore runs", make_pgstore));
	s = suite_create("pgstore only");
	tc = tcase_create("database");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ids_of_a_source_have_gaps_and_reads_follow_them);
	tcase_add_test(
	    tc, producer_members_come_back_as_values_after_the_columns);
	tcase_add_test(tc, a_batch_with_a_bad_timestamp_stores_nothing);
	tcase_add_test(
	    tc, rows_another_writer_inserts_reach_subscribers_by_notify);
	tcase_add_test(
	    tc, streams_are_fed_when_the_query_connection_was_lost_meanwhile);
	tcase_add_test(tc, own_changes_are_told_once_not_again_by_their_echo);
	tcase_add_test(
	    tc, a_lost_notification_connection_reconnects_and_catches_up);
	tcase_add_test(tc, migrations_are_applied_once_and_recorded);
	tcase_add_test(
	    tc, a_row_over_the_line_limit_is_sent_as_a_short_error_event);
	tcase_add_test(
	    tc, retention_deletes_old_events_and_records_what_it_took);
	tcase_add_test(tc, reads_are_whole_past_the_cache_row_and_byte_limits);
	tcase_add_test(
	    tc, a_psql_update_to_running_then_failed_opens_and_closes_a_run);
	tcase_add_test(
	    tc, migrating_from_version_1_keeps_the_events_and_adds_runs);
	tcase_add_test(tc,
	    migrating_a_populated_version_2_database_partitions_logs_by_day);
	tcase_add_test(tc,
	    rows_of_any_day_are_stored_and_move_into_their_day_when_it_comes);
	tcase_add_test(
	    tc, retention_drops_whole_expired_days_and_records_what_they_held);
	tcase_add_test(
	    tc, a_partition_drop_gives_up_rather_than_hold_up_a_reader);
	tcase_add_test(tc, runs_are_read_whole_past_the_runs_page_limit);
	tcase_add_test(tc, a_run_id_of_up_to_store_run_id_max_bytes_is_kept);
	tcase_add_test(
	    tc, a_kind_subscriber_is_told_of_new_sources_and_their_changes);
	tcase_add_test(
	    tc, since_starts_at_the_first_event_at_or_after_the_time);
	tcase_add_test(
	    tc, retention_deletes_the_runs_whose_events_are_all_gone);
	tcase_add_test(
	    tc, retention_drops_runs_a_batch_at_a_time_until_all_are_gone);
	tcase_add_test(tc, the_ring_drops_the_runs_whose_events_it_evicted);
	tcase_add_test(tc, a_subscriber_reads_no_further_than_it_was_told);
	tcase_add_test(
	    tc, each_terminal_report_while_no_run_is_open_is_a_run_of_its_own);
	tcase_add_test(tc,
	    a_run_that_started_while_nobody_listened_is_told_by_the_catch_up);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
