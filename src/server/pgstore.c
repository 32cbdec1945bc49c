/* pgstore.c - the PostgreSQL store, its SQL half: the store operations,
 * the subscriptions and the cache of followed sources (pglisten.c is the
 * other half: LISTEN, catch-up after a reconnect, retention). Every call is one or two statements on
 * the query connection (the store interface is synchronous; the database is
 * expected to be near). The only state kept here is which sources (and
 * kinds) this process has subscribers for: everything else is read from
 * the database, so any number of servers, and any producer inserting into
 * logs or updating a status directly, share one view; runs are kept by the
 * schema's triggers. Changes arrive as notifications (pgschema.h) on a
 * second connection read from the event loop, each made into one note (and
 * one read of the run at a boundary) for all subscribers; this server's
 * own changes are told to its subscribers at once and their echo is
 * ignored. */
#include "pgstore.h"
#include "pglisten.h"
#include "core/hash.h"
#include "jsoncheck.h"
#include "metrics.h"
#include "pgschema.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

/* Least time between two resets of a broken query connection. */
#define PGSTORE_RESET_GAP_MS 1000
/* Seconds libpq waits for a connection. */
#define PGSTORE_CONNECT_TIMEOUT "5"

/* A subscription: where it is listed (store.c owns the list). */
struct psub {
	struct store_sub base;
	struct psource *src; /* NULL: a subscription to every source of kind */
	enum source_kind kind;
};

/* A run's columns (pgstore_run_cols) for runs r, whose events are those
 * with r.start_after < id <= UPTO. */
#define PGSTORE_RUN_COLS(UPTO)                                                 \
	" r.run, r.run_id, r.status, r.exit_code, r.started_ms, r.ended_ms,"   \
	" r.start_after, r.end_after,"                                         \
	" (SELECT l.id FROM logs l WHERE l.source = r.source"                  \
	"  AND l.id > r.start_after AND l.id <= " UPTO " ORDER BY l.id"        \
	"  LIMIT 1),"                                                          \
	" (SELECT l.id FROM logs l WHERE l.source = r.source"                  \
	"  AND l.id > r.start_after AND l.id <= " UPTO " ORDER BY l.id DESC"   \
	"  LIMIT 1)"
/* Columns of a source, then of its newest run (NULL before the first). */
static const char pgstore_sql_get[] =
    "SELECT s.id, s.name, s.status, s.exit_code, s.updated_ms, s.last_id,"
    " s.evicted_id, (SELECT min(l.id) FROM logs l WHERE l.source = "
    "s.source)," PGSTORE_RUN_COLS(
        "s.last_id") " FROM sources s LEFT JOIN runs r ON r.source = s.source"
                     " AND r.run = s.run";
/* The first column of the run in a get result. */
#define PGSTORE_GET_RUN 8

/* Runs after $2, at most $3: each run's events reach up to the next run's
 * start (doc/api.md: events stored while no run is open belong to the run
 * before). */
static const char pgstore_sql_runs[] = "SELECT" PGSTORE_RUN_COLS(
    "n.upto") " FROM runs r CROSS JOIN LATERAL (SELECT coalesce((SELECT "
              "x.start_after"
              "  FROM runs x WHERE x.source = r.source AND x.run > r.run"
              "  ORDER BY x.run LIMIT 1), 9223372036854775807) AS upto) n"
              " WHERE r.source = $1 AND r.run > $2 ORDER BY r.run LIMIT $3";

/* One run as it was when it ended (its events up to its end). */
static const char pgstore_sql_run[] = "SELECT" PGSTORE_RUN_COLS(
    "r.end_after") " FROM runs r WHERE r.source = $1 AND r.run = $2";

/* Where the events at or after $2 (epoch ms) start. */
static const char pgstore_sql_since[] =
    "SELECT s.last_id, (SELECT min(l.id) FROM logs l WHERE l.source = $1"
    "  AND l.\"timestamp\" >= 'epoch'::timestamptz"
    "  + $2::bigint * interval '1 millisecond')"
    " FROM sources s WHERE s.source = $1";

/* Drop the runs whose events are all gone (no retained event of the
 * source is at or before the end of the run's events), never the newest;
 * $1: one source, or NULL for all. The evicted_id test only spares the
 * look at logs for runs that cannot qualify. */
static const char pgstore_sql_drop_runs[] =
    "DELETE FROM runs d USING ("
    " SELECT r.source, r.run FROM runs r"
    "  JOIN sources s ON s.source = r.source"
    "  JOIN runs n ON n.source = r.source AND n.run = r.run + 1"
    "  WHERE ($1::text IS NULL OR r.source = $1) AND r.run < s.run"
    "  AND r.end_after IS NOT NULL AND n.start_after <= s.evicted_id"
    "  AND NOT EXISTS (SELECT 1 FROM logs l WHERE l.source = r.source"
    "   AND l.id <= n.start_after)"
    "  LIMIT $2) g WHERE d.source = g.source AND d.run = g.run";

static const char pgstore_sql_append[] =
    "WITH pre AS (SELECT count(*) AS n FROM sources WHERE source = $1),"
    " ins AS (INSERT INTO logs (source, \"timestamp\", level, message, task,"
    "  extra)"
    "  SELECT $1, coalesce((e->>'timestamp')::timestamptz,"
    "   to_timestamp($3::bigint / 1000.0)), coalesce(e->>'level', 'INFO'),"
    "   coalesce(e->>'message', ''), e->>'task',"
    "   e - ARRAY['id', 'timestamp', 'level', 'message', 'task']"
    "  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n)"
    "  ORDER BY n RETURNING id)"
    " SELECT (SELECT n FROM pre), (SELECT max(id) FROM ins)";

/* The append with an Idempotency-Key ($4, its body's hash $5 and length
 * $6): the key's row goes in with the events, so a key already there
 * (PRIMARY KEY (source, key), SQLSTATE 23505) undoes the whole statement;
 * the ids are unique per statement, max(id) is the batch's last. */
static const char pgstore_sql_append_once[] =
    "WITH pre AS (SELECT count(*) AS n FROM sources WHERE source = $1),"
    " ins AS (INSERT INTO logs (source, \"timestamp\", level, message, task,"
    "  extra)"
    "  SELECT $1, coalesce((e->>'timestamp')::timestamptz,"
    "   to_timestamp($3::bigint / 1000.0)), coalesce(e->>'level', 'INFO'),"
    "   coalesce(e->>'message', ''), e->>'task',"
    "   e - ARRAY['id', 'timestamp', 'level', 'message', 'task']"
    "  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n)"
    "  ORDER BY n RETURNING id),"
    " k AS (INSERT INTO ingest_keys (source, key, at_ms, body_hash,"
    "  body_len, accepted, last_id, created)"
    "  SELECT $1, $4, $3, $5, $6, (SELECT count(*) FROM ins),"
    "   (SELECT max(id) FROM ins), (SELECT n FROM pre) = 0)"
    " SELECT (SELECT n FROM pre), (SELECT max(id) FROM ins)";

/* The receipt of key $2 on source $1 unless it is older than $3 (epoch
 * ms), which is deleted: a forgotten key must not block its reuse. */
static const char pgstore_sql_idem_find[] =
    "WITH d AS (DELETE FROM ingest_keys WHERE source = $1 AND key = $2"
    "  AND at_ms < $3)"
    " SELECT body_hash, body_len, accepted, last_id, created"
    " FROM ingest_keys WHERE source = $1 AND key = $2 AND at_ms >= $3";

static const char pgstore_sql_trim[] =
    "WITH cut AS (SELECT id FROM logs WHERE source = $1"
    "  ORDER BY id DESC OFFSET $2 LIMIT 1),"
    " d AS (DELETE FROM logs WHERE source = $1"
    "  AND id <= (SELECT id FROM cut) RETURNING id)"
    " UPDATE sources SET evicted_id = greatest(evicted_id,"
    "  (SELECT max(id) FROM d))"
    " WHERE source = $1 AND EXISTS (SELECT 1 FROM d)";

/* The runId ($8) reaches the triggers as the setting logdeck.run_id, and
 * logdeck.status_report says that this is a status report (pgschema.c),
 * both set while the row to insert is made, so before they run. */
static const char pgstore_sql_status[] =
    "WITH pre AS (SELECT count(*) AS n FROM sources WHERE source = $1),"
    " up AS (INSERT INTO sources (source, kind, id, name, status,"
    "  exit_code, status_ms, updated_ms)"
    "  SELECT $1, $2, $3, coalesce($4, $3), $5, $6::integer, $7, $7"
    "  FROM (SELECT set_config('logdeck.run_id', coalesce($8, ''), true),"
    "   set_config('logdeck.status_report', 'on', true)) c"
    "  ON CONFLICT (source) DO UPDATE SET"
    "  name = coalesce($4, sources.name), status = EXCLUDED.status,"
    "  exit_code = EXCLUDED.exit_code, status_ms = EXCLUDED.status_ms,"
    "  updated_ms = EXCLUDED.updated_ms RETURNING last_id, run, run_edge)"
    " SELECT (SELECT n FROM pre), last_id, run, run_edge FROM up";

static const char pgstore_sql_read[] =
    "SELECT id, floor(extract(epoch FROM \"timestamp\") * 1000)::bigint,"
    " to_json(level)::text, to_json(message)::text, to_json(task)::text,"
    " CASE WHEN extra = '{}'::jsonb THEN NULL ELSE extra::text END"
    " FROM logs WHERE source = $1 AND id > $2 AND id <= $4"
    " ORDER BY id LIMIT $3";

static const char pgstore_sql_tail[] =
    "SELECT s.last_id, (SELECT id FROM logs WHERE source = $1"
    "  ORDER BY id DESC OFFSET $2 LIMIT 1),"
    " (SELECT min(id) FROM logs WHERE source = $1)"
    " FROM sources s WHERE s.source = $1";

static void pgstore_refresh(
    struct pgstore *ps, struct psource *s, int64_t last_id);

/* libpq notice processor: the server's notices (a migration's "already
 * exists, skipping") are of no use to an operator. */
static void
pgstore_quiet(void *arg, const char *message)
{
}

/* Log a database failure (its text may quote stored data, so it is made
 * safe first). */
void
pgstore_log_error(const char *what, PGconn *c)
{
	char line[512], safe[512];

	snprintf(line, sizeof line, "%s", PQerrorMessage(c));
	line[strcspn(line, "\n")] = '\0';
	util_log_safe(safe, sizeof safe, line);
	util_log("database: %s: %s", what, safe);
}

/* Open a connection named app; NULL with the reason in err. */
PGconn *
pgstore_connect(const char *url, const char *app, char *err, size_t errlen)
{
	const char *const keys[] = {
	    "dbname", "application_name", "connect_timeout", NULL};
	const char *const vals[] = {url, app, PGSTORE_CONNECT_TIMEOUT, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char line[512];

		snprintf(line, sizeof line, "%s", PQerrorMessage(c));
		line[strcspn(line, "\n")] = '\0';
		util_log_safe(err, errlen, line);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, pgstore_quiet, NULL);
	return c;
}

/* Make sure the query connection is up: reset a broken one, but at most
 * once per PGSTORE_RESET_GAP_MS, so an outage costs each request a quick
 * failure rather than a connect timeout. True when it is up. */
static bool
pgstore_db_up(struct pgstore *ps)
{
	int64_t now;

	if (PQstatus(ps->db) == CONNECTION_OK)
		return true;
	if ((now = util_mono_ms()) < ps->db_retry_ms)
		return false;
	PQreset(ps->db);
	if (PQstatus(ps->db) != CONNECTION_OK) {
		ps->db_retry_ms = now + PGSTORE_RESET_GAP_MS;
		return false;
	}
	util_log("database: query connection re-established");
	return true;
}

/* True when SQLSTATE state (NULL: none) may pass by itself: connection
 * trouble (08), a rolled-back transaction (40), the server short of
 * resources (53), a lock not available (55), an operator's intervention
 * (57) or a system error (58). */
static bool
pgstore_transient(const char *state)
{
	static const char *const classes[] = {
	    "08", "40", "53", "55", "57", "58"};
	size_t i;

	if (state == NULL || strlen(state) != 5)
		return true;
	for (i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if (strncmp(state, classes[i], 2) == 0)
			return true;
	}
	return false;
}

/* The error of a read whose statement failed: STORE_EQUERY when the
 * database refused it for good (its rows cannot be rendered), so that
 * this read fails and not as "try again", else STORE_EUNAVAIL. */
static int
pgstore_read_err(const struct pgstore *ps)
{
	return ps->query_refused ? STORE_EQUERY : STORE_EUNAVAIL;
}

/* Run a statement on the query connection. A statement that may safely
 * run twice (retry) is retried once on a fresh connection when the
 * connection was lost (one that changes data is not: it may have been
 * committed). Returns the result when it succeeded, else NULL, with the
 * class of a refused value ("22" data, "23" constraint, else "") in
 * *sqlstate. */
PGresult *
pgstore_query(struct pgstore *ps, const char *sql, int n,
    const char *const *vals, bool retry, const char **sqlstate)
{
	PGresult *r;
	ExecStatusType s;
	const char *state;
	int attempt;

	if (sqlstate != NULL)
		*sqlstate = "";
	ps->query_refused = false;
	ps->sqlstate[0] = '\0';
	for (attempt = 0; pgstore_db_up(ps); attempt++) {
		r = PQexecParams(ps->db, sql, n, NULL, vals, NULL, NULL, 0);
		s = PQresultStatus(r);
		if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
			return r;
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(ps->sqlstate, sizeof ps->sqlstate, "%s",
		    state != NULL ? state : "");
		if (sqlstate != NULL && state != NULL &&
		    (strncmp(state, "22", 2) == 0 ||
		        strncmp(state, "23", 2) == 0))
			*sqlstate = strncmp(state, "22", 2) == 0 ? "22" : "23";
		pgstore_log_error("statement failed", ps->db);
		ps->query_refused = PQstatus(ps->db) == CONNECTION_OK &&
		                    !pgstore_transient(state);
		PQclear(r);
		if (PQstatus(ps->db) != CONNECTION_BAD || !retry || attempt > 0)
			return NULL;
	}
	return NULL;
}

/* Write "KIND/ID" into key; false when it cannot be a source's key. */
static bool
pgstore_key(char key[PGSTORE_KEY_MAX], enum source_kind kind, const char *id)
{
	int n =
	    snprintf(key, PGSTORE_KEY_MAX, "%s/%s", source_kind_path(kind), id);

	return n > 0 && n < PGSTORE_KEY_MAX;
}

/* The bucket of a key: FNV-1a. */
static size_t
pgstore_hash(const char *key)
{
	return hash_fnv1a_str(HASH_FNV1A_INIT, key) & (PGSTORE_BUCKETS - 1);
}

/* The subscribed source key, or NULL. */
static struct psource *
pgstore_find(struct pgstore *ps, const char *key)
{
	struct psource *s;

	for (s = ps->buckets[pgstore_hash(key)]; s != NULL; s = s->next) {
		if (strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

/* Drop the oldest cached row of s. */
static void
pgstore_cache_drop(struct psource *s)
{
	struct pline *l = &s->ring[s->head];

	s->floor = l->id;
	s->bytes -= l->len;
	free(l->json);
	l->json = NULL;
	s->head = (s->head + 1) % PGSTORE_CACHE_ROWS;
	s->count--;
}

/* Forget everything cached of s and the cache's memory. */
static void
pgstore_cache_free(struct psource *s)
{
	while (s->count > 0)
		pgstore_cache_drop(s);
	free(s->ring);
	s->ring = NULL;
	PQclear(s->info);
	s->info = NULL;
}

/* Add row id (the next after s->top) to the cache of s, dropping the
 * oldest past the limits (a row is at most PGSTORE_LINE_MAX, far below
 * PGSTORE_CACHE_BYTES); out of memory, the cache empties and then covers
 * nothing below the row. */
static void
pgstore_cache_add(struct psource *s, int64_t id, const char *json, size_t len)
{
	struct pline *l;
	char *copy = NULL;

	if (s->ring == NULL)
		s->ring = calloc(PGSTORE_CACHE_ROWS, sizeof *s->ring);
	if (s->ring == NULL || (copy = malloc(len)) == NULL) {
		while (s->count > 0)
			pgstore_cache_drop(s);
		s->floor = s->top = id;
		return;
	}
	while (s->count > 0 && (s->count == PGSTORE_CACHE_ROWS ||
	                           s->bytes + len > PGSTORE_CACHE_BYTES))
		pgstore_cache_drop(s);
	if (s->count == 0)
		s->floor = s->top;
	memcpy(copy, json, len);
	l = &s->ring[(s->head + s->count) % PGSTORE_CACHE_ROWS];
	l->id = id;
	l->json = copy;
	l->len = len;
	s->count++;
	s->bytes += len;
	s->top = id;
}

/* Free s when it has no subscription left, unless its list is busy or a
 * walk over the sources is running (they are swept when it ends). */
void
pgstore_sweep(struct pgstore *ps, struct psource *s)
{
	struct psource **sp;

	if (s->subs.busy > 0 || ps->walking > 0 || s->subs.head != NULL)
		return;
	for (sp = &ps->buckets[pgstore_hash(s->key)]; *sp != s;
	     sp = &(*sp)->next)
		;
	*sp = s->next;
	pgstore_cache_free(s);
	free(s->key);
	free(s);
}

/* Tell every live subscriber of s; they may unsubscribe meanwhile. */
void
pgstore_notify(
    struct pgstore *ps, struct psource *s, const struct store_note *note)
{
	if (note->type == STORE_NOTE_STATUS) {
		s->status = note->status;
		s->has_exit_code = note->has_exit_code;
		s->exit_code = note->exit_code;
		s->status_ms = note->at_ms;
		if (note->run != NULL) {
			s->run = note->run->run;
			s->run_open = note->run->status == RUN_RUNNING;
		}
	}
	pgstore_refresh(ps, s, note->last_id);
	store_subs_tell(&s->subs, note);
	pgstore_sweep(ps, s);
}

/* Tell every live subscriber to every source of kind. */
void
pgstore_notify_kind(
    struct pgstore *ps, enum source_kind kind, const struct store_note *note)
{
	store_subs_tell(&ps->kinds[kind], note);
}

/* Whether anyone here is to be told of changes of key (of kind). */
bool
pgstore_listened(struct pgstore *ps, enum source_kind kind, const char *key)
{
	return !store_subs_empty(&ps->kinds[kind]) ||
	       pgstore_find(ps, key) != NULL;
}

/* Tell the subscribers of key, a source of kind, and those to every
 * source of kind, of a change (note->id names the source). */
void
pgstore_tell(struct pgstore *ps, enum source_kind kind, const char *key,
    const struct store_note *note)
{
	struct psource *s = pgstore_find(ps, key);

	if (s != NULL)
		pgstore_notify(ps, s, note);
	pgstore_notify_kind(ps, kind, note);
}

/* Column c of row i as a number, or dflt when NULL. */
static int64_t
pgstore_int(PGresult *r, int i, int c, int64_t dflt)
{
	return PQgetisnull(r, i, c) ? dflt
	                            : strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* Fill out from the run columns of row i from column c on (as
 * PGSTORE_RUN_COLS); false when they are NULL (no run). */
static bool
pgstore_run_cols(PGresult *r, int i, int c, struct store_run *out)
{
	memset(out, 0, sizeof *out);
	out->end_after = -1;
	if (PQgetisnull(r, i, c))
		return false;
	out->run = pgstore_int(r, i, c, 0);
	out->run_id = PQgetvalue(r, i, c + 1);
	out->status = store_status_parse(
	    PQgetvalue(r, i, c + 2), (size_t)PQgetlength(r, i, c + 2));
	out->has_exit_code = !PQgetisnull(r, i, c + 3);
	out->exit_code = (int)pgstore_int(r, i, c + 3, 0);
	out->started_ms = pgstore_int(r, i, c + 4, 0);
	out->ended_ms = pgstore_int(r, i, c + 5, 0);
	out->start_after = pgstore_int(r, i, c + 6, 0);
	out->end_after = pgstore_int(r, i, c + 7, -1);
	out->first_id = pgstore_int(r, i, c + 8, 0);
	out->last_id = pgstore_int(r, i, c + 9, 0);
	return true;
}

/* The run that a status change of key touched (run and edge as in
 * pgschema.h) into *out, its runId copied to idbuf: as it was when it
 * started for PGSCHEMA_EDGE_START (it may have ended since), else as it
 * ended. False when the change was no boundary or the run is gone. */
bool
pgstore_edge_run(struct pgstore *ps, const char *key, int64_t run, int edge,
    struct store_run *out, char idbuf[STORE_RUN_ID_MAX + 1])
{
	char num[24];
	const char *vals[2] = {key, num};
	PGresult *r;
	bool ok;

	if (edge == PGSCHEMA_EDGE_NONE || run <= 0)
		return false;
	snprintf(num, sizeof num, "%lld", (long long)run);
	if ((r = pgstore_query(ps, pgstore_sql_run, 2, vals, true, NULL)) ==
	    NULL)
		return false;
	if ((ok = PQntuples(r) == 1 && pgstore_run_cols(r, 0, 0, out))) {
		snprintf(idbuf, STORE_RUN_ID_MAX + 1, "%s", out->run_id);
		out->run_id = idbuf;
		if (edge == PGSCHEMA_EDGE_START) {
			out->status = RUN_RUNNING;
			out->has_exit_code = false;
			out->exit_code = 0;
			out->ended_ms = 0;
			out->end_after = -1;
			out->first_id = out->last_id = 0;
		}
	}
	PQclear(r);
	return ok;
}

/* Fill info from row i of a get result (columns as pgstore_sql_get). */
static void
pgstore_info(PGresult *r, int i, enum source_kind kind, struct store_info *out)
{
	out->kind = kind;
	out->id = PQgetvalue(r, i, 0);
	out->name = PQgetvalue(r, i, 1);
	out->status = store_status_parse(
	    PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2));
	out->has_exit_code = !PQgetisnull(r, i, 3);
	out->exit_code = out->has_exit_code ? atoi(PQgetvalue(r, i, 3)) : 0;
	out->updated_ms = strtoll(PQgetvalue(r, i, 4), NULL, 10);
	out->last_id = strtoll(PQgetvalue(r, i, 5), NULL, 10);
	out->evicted_id = strtoll(PQgetvalue(r, i, 6), NULL, 10);
	out->oldest_id = PQgetisnull(r, i, 7)
	                     ? out->last_id + 1
	                     : strtoll(PQgetvalue(r, i, 7), NULL, 10);
	out->has_run = pgstore_run_cols(r, i, PGSTORE_GET_RUN, &out->run);
}

/* store_ops.get: from the database; a followed source keeps the answer
 * for its streams (pgstore_get_live) until something changes. */
static int
pgstore_get(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX], sql[sizeof pgstore_sql_get + 40];
	const char *vals[1] = {key};
	struct psource *s;
	PGresult *r;

	if (!pgstore_key(key, kind, id))
		return STORE_ENOENT;
	snprintf(sql, sizeof sql, "%s WHERE s.source = $1", pgstore_sql_get);
	if ((r = pgstore_query(ps, sql, 1, vals, true, NULL)) == NULL)
		return STORE_EUNAVAIL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return STORE_ENOENT;
	}
	if ((s = pgstore_find(ps, key)) != NULL) {
		/* Not known_last: its streams read no further than they were
		 * told (a run boundary told late would be out of place). */
		PQclear(s->info);
		s->info = r;
	} else {
		PQclear(ps->get);
		ps->get = r;
	}
	pgstore_info(r, 0, kind, out);
	return STORE_OK;
}

/* store_ops.get_live */
static int
pgstore_get_live(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX];
	struct psource *s;

	if (pgstore_key(key, kind, id) && (s = pgstore_find(ps, key)) != NULL &&
	    s->info != NULL) {
		pgstore_info(s->info, 0, kind, out);
		return STORE_OK;
	}
	return pgstore_get(st, kind, id, out);
}

/* store_ops.list */
static int
pgstore_list(
    struct store *st, enum source_kind kind, store_info_fn fn, void *arg)
{
	struct pgstore *ps = (struct pgstore *)st;
	char sql[sizeof pgstore_sql_get + 60];
	const char *vals[1] = {source_kind_path(kind)};
	struct store_info info;
	PGresult *r;
	int i;

	snprintf(sql, sizeof sql, "%s WHERE s.kind = $1 ORDER BY s.seq",
	    pgstore_sql_get);
	if ((r = pgstore_query(ps, sql, 1, vals, true, NULL)) == NULL)
		return STORE_EUNAVAIL;
	for (i = 0; i < PQntuples(r); i++) {
		pgstore_info(r, i, kind, &info);
		fn(&info, arg);
	}
	PQclear(r);
	return STORE_OK;
}

/* Drop up to a batch of runs whose events are all gone, of key (NULL:
 * of every source); returns how many. */
long
pgstore_drop_runs(struct pgstore *ps, const char *key)
{
	char batch[16];
	const char *vals[2] = {key, batch};
	PGresult *r;
	long n;

	snprintf(batch, sizeof batch, "%d", PGSTORE_RETAIN_BATCH);
	if ((r = pgstore_query(
	         ps, pgstore_sql_drop_runs, 2, vals, true, NULL)) == NULL)
		return 0;
	n = atol(PQcmdTuples(r));
	PQclear(r);
	return n;
}

/* Keep at most ps->ring events of key (after this server appended), and
 * the runs that still have events. */
static void
pgstore_trim(struct pgstore *ps, const char *key)
{
	char ring[24];
	const char *vals[2] = {key, ring};
	PGresult *r;

	snprintf(ring, sizeof ring, "%zu", ps->ring);
	if ((r = pgstore_query(ps, pgstore_sql_trim, 2, vals, true, NULL))) {
		if (atol(PQcmdTuples(r)) > 0)
			pgstore_drop_runs(ps, key);
		PQclear(r);
	}
}

/* Read the status of key from the database into note (type STATUS, id
 * the source's) and what its last status change did to the runs into
 * *run and *edge; false when it cannot be read. */
bool
pgstore_fetch_status(struct pgstore *ps, const char *key,
    struct store_note *note, int64_t *run, int *edge)
{
	const char *vals[1] = {key};
	PGresult *r;
	bool ok;

	r = pgstore_query(ps,
	    "SELECT status, exit_code, status_ms, last_id, run, run_edge"
	    " FROM sources WHERE source = $1",
	    1, vals, true, NULL);
	if (r == NULL)
		return false;
	if ((ok = PQntuples(r) == 1)) {
		*note = (struct store_note){.type = STORE_NOTE_STATUS};
		note->id = strchr(key, '/') + 1;
		note->status = store_status_parse(
		    PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
		note->has_exit_code = !PQgetisnull(r, 0, 1);
		note->exit_code = (int)pgstore_int(r, 0, 1, 0);
		note->at_ms = pgstore_int(r, 0, 2, 0);
		note->last_id = pgstore_int(r, 0, 3, 0);
		*run = pgstore_int(r, 0, 4, 0);
		*edge = (int)pgstore_int(r, 0, 5, 0);
	}
	PQclear(r);
	return ok;
}

/* This server created key (of kind): tell those subscribed to every
 * source of kind its status and first run (nobody can be subscribed to
 * the source itself yet). */
static void
pgstore_tell_created(struct pgstore *ps, enum source_kind kind, const char *key)
{
	struct store_note note;
	struct store_run run;
	char idbuf[STORE_RUN_ID_MAX + 1];
	int64_t n;
	int edge;

	if (store_subs_empty(&ps->kinds[kind]) ||
	    !pgstore_fetch_status(ps, key, &note, &n, &edge))
		return;
	if (pgstore_edge_run(ps, key, n, edge, &run, idbuf))
		note.run = &run;
	pgstore_notify_kind(ps, kind, &note);
}

/* An empty batch: create the source when unknown, as any append does. */
static int
pgstore_touch(struct pgstore *ps, enum source_kind kind, const char *id,
    const char *key, int64_t now_ms, bool *created)
{
	char now[24];
	const char *vals[4] = {key, source_kind_path(kind), id, now};
	PGresult *r;

	snprintf(now, sizeof now, "%lld", (long long)now_ms);
	r = pgstore_query(ps,
	    "WITH ins AS (INSERT INTO sources (source, kind, id, name,"
	    " updated_ms) VALUES ($1, $2, $3, $3, $4)"
	    " ON CONFLICT (source) DO NOTHING RETURNING 1)"
	    " SELECT count(*) FROM ins",
	    4, vals, true, NULL);
	if (r == NULL)
		return STORE_EUNAVAIL;
	*created = strcmp(PQgetvalue(r, 0, 0), "1") == 0;
	PQclear(r);
	if (*created)
		pgstore_tell_created(ps, kind, key);
	return STORE_OK;
}

/* Store the batch of n > 0 lines in one statement, so that it is all or
 * nothing: with idem (NULL: none) its key goes in with it. *last_id gets
 * the batch's last id. */
static int
pgstore_insert(struct pgstore *ps, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, bool *created, int64_t *last_id)
{
	struct store_note note = {.type = STORE_NOTE_LOGS, .id = id};
	char key[PGSTORE_KEY_MAX], now[24], hash[16], blen[24], *batch, *p;
	const char *vals[6] = {key, NULL, now, NULL, hash, blen};
	const char *state = "";
	size_t i, size = 3;
	PGresult *r;

	if (!pgstore_key(key, kind, id))
		return STORE_EINVAL;
	for (i = 0; i < n; i++)
		size += lines[i].len + 3;
	if ((batch = malloc(size)) == NULL)
		return STORE_ENOMEM;
	p = batch;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '{';
		memcpy(p, lines[i].members, lines[i].len);
		p += lines[i].len;
		*p++ = '}';
	}
	*p++ = ']';
	*p = '\0';
	vals[1] = batch;
	snprintf(now, sizeof now, "%lld", (long long)now_ms);
	if (idem != NULL) {
		vals[3] = idem->key;
		snprintf(hash, sizeof hash, "%lu", (unsigned long)idem->body_hash);
		snprintf(blen, sizeof blen, "%zu", idem->body_len);
	}
	r = pgstore_query(ps,
	    idem != NULL ? pgstore_sql_append_once : pgstore_sql_append,
	    idem != NULL ? 6 : 3, vals, false, &state);
	free(batch);
	if (r == NULL) {
		if (idem != NULL && strcmp(ps->sqlstate, "23505") == 0)
			return STORE_EKEYREUSE; /* the key is there already */
		return *state != '\0' ? STORE_EINVAL : STORE_EUNAVAIL;
	}
	*created = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
	note.last_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	*last_id = note.last_id;
	PQclear(r);
	ps->echo[ps->echo_next].last_id = note.last_id;
	ps->echo[ps->echo_next].at_us = util_mono_us();
	ps->echo_next = (ps->echo_next + 1) % PGSTORE_ECHO_MAX;
	if (ps->ring > 0)
		pgstore_trim(ps, key);
	if (*created)
		pgstore_tell_created(ps, kind, key);
	pgstore_tell(ps, kind, key, &note);
	return STORE_OK;
}

/* store_ops.append */
static int
pgstore_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created,
    int64_t *last_id)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX];

	*created = false;
	if (n == 0) {
		if (!pgstore_key(key, kind, id))
			return STORE_EINVAL;
		return pgstore_touch(ps, kind, id, key, now_ms, created);
	}
	return pgstore_insert(
	    ps, kind, id, NULL, lines, n, now_ms, created, last_id);
}

/* The receipt of idem's key on kind/id into *out (replayed); STORE_OK,
 * STORE_ENOENT when the key is not there (or forgotten), STORE_EKEYREUSE
 * when it was stored for another body, else STORE_EUNAVAIL. */
static int
pgstore_idem_find(struct pgstore *ps, enum source_kind kind, const char *id,
    const struct store_idem *idem, int64_t now_ms, struct store_receipt *out)
{
	char key[PGSTORE_KEY_MAX], since[24];
	const char *vals[3] = {key, idem->key, since};
	PGresult *r;
	int rc = STORE_ENOENT;

	if (!pgstore_key(key, kind, id))
		return STORE_EINVAL;
	snprintf(since, sizeof since, "%lld",
	    (long long)(now_ms - idem->window_ms));
	if ((r = pgstore_query(ps, pgstore_sql_idem_find, 3, vals, true,
	         NULL)) == NULL)
		return STORE_EUNAVAIL;
	if (PQntuples(r) == 1) {
		if (strtoull(PQgetvalue(r, 0, 0), NULL, 10) != idem->body_hash ||
		    strtoull(PQgetvalue(r, 0, 1), NULL, 10) != idem->body_len)
			rc = STORE_EKEYREUSE;
		else {
			*out = (struct store_receipt){
			    .accepted = (size_t)pgstore_int(r, 0, 2, 0),
			    .last_id = pgstore_int(r, 0, 3, 0),
			    .created = strcmp(PQgetvalue(r, 0, 4), "t") == 0,
			    .replayed = true};
			rc = STORE_OK;
		}
	}
	PQclear(r);
	return rc;
}

/* store_ops.append_once: look the key up first, so that a retry costs
 * one read and stores nothing; a key that another server stores in
 * between makes the insert fail as a whole, and is read then. */
static int
pgstore_append_once(struct store *st, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, struct store_receipt *out)
{
	struct pgstore *ps = (struct pgstore *)st;
	int rc;

	if (n == 0)
		return STORE_EINVAL;
	rc = pgstore_idem_find(ps, kind, id, idem, now_ms, out);
	if (rc != STORE_ENOENT)
		return rc;
	*out = (struct store_receipt){.accepted = n};
	rc = pgstore_insert(ps, kind, id, idem, lines, n, now_ms,
	    &out->created, &out->last_id);
	if (rc != STORE_EKEYREUSE)
		return rc;
	rc = pgstore_idem_find(ps, kind, id, idem, now_ms, out);
	return rc == STORE_ENOENT ? STORE_EUNAVAIL : rc;
}

/* store_ops.set_status */
static int
pgstore_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created)
{
	struct pgstore *ps = (struct pgstore *)st;
	struct store_note note = {.type = STORE_NOTE_STATUS,
	    .id = id,
	    .status = ch->status,
	    .has_exit_code = ch->has_exit_code,
	    .exit_code = ch->has_exit_code ? ch->exit_code : 0,
	    .at_ms = ch->at_ms};
	struct store_run run;
	char key[PGSTORE_KEY_MAX], code[16], at[24];
	char idbuf[STORE_RUN_ID_MAX + 1];
	const char *vals[8] = {key, source_kind_path(kind), id, ch->name,
	    run_status_name(ch->status), ch->has_exit_code ? code : NULL, at,
	    ch->run_id};
	const char *state = "";
	PGresult *r;
	int64_t n;
	int edge;

	*created = false;
	if (!pgstore_key(key, kind, id) ||
	    (vals[7] != NULL && strlen(vals[7]) > STORE_RUN_ID_MAX))
		return STORE_EINVAL;
	snprintf(code, sizeof code, "%d", ch->exit_code);
	snprintf(at, sizeof at, "%lld", (long long)ch->at_ms);
	r = pgstore_query(ps, pgstore_sql_status, 8, vals, true, &state);
	if (r == NULL)
		return *state != '\0' ? STORE_EINVAL : STORE_EUNAVAIL;
	*created = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
	note.last_id = pgstore_int(r, 0, 1, 0);
	n = pgstore_int(r, 0, 2, 0);
	edge = (int)pgstore_int(r, 0, 3, 0);
	PQclear(r);
	/* The run is read once for everyone told, and only when someone
	 * is to be told. */
	if (pgstore_listened(ps, kind, key) &&
	    pgstore_edge_run(ps, key, n, edge, &run, idbuf))
		note.run = &run;
	pgstore_tell(ps, kind, key, &note);
	return STORE_OK;
}

/* Make room for need bytes in the rendering buffer; false past the limit
 * or when out of memory. */
static bool
pgstore_room(struct pgstore *ps, size_t need)
{
	char *p;

	if (need <= ps->line_cap)
		return true;
	if (need > PGSTORE_LINE_MAX || (p = realloc(ps->line, need)) == NULL)
		return false;
	ps->line = p;
	ps->line_cap = need;
	return true;
}

/* Render row i of a read result as the event's JSON line; returns it
 * (valid until the next rendering) with its length in *len. A row too
 * large to send becomes an ERROR event saying so, with the same id and
 * timestamp. */
static const char *
pgstore_render(struct pgstore *ps, PGresult *r, int i, size_t *len)
{
	char when[UTIL_ISO_LEN + 1], err[128], *out;
	size_t need, n = 0, l[6];
	const char *v[6];
	long m;
	int c;

	for (c = 0; c < 6; c++) {
		v[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
		l[c] = v[c] != NULL ? (size_t)PQgetlength(r, i, c) : 0;
	}
	util_iso_time(when, strtoll(v[1], NULL, 10));
	need = PGSTORE_FRAME + l[0] + l[2] + l[3] + l[4] + l[5];
	if (!pgstore_room(ps, need)) {
		*len = (size_t)snprintf(ps->small, sizeof ps->small,
		    "{\"id\":%.20s,\"timestamp\":\"%s\",\"level\":\"ERROR\","
		    "\"message\":\"[event of %zu bytes is over the server's "
		    "limit of %zu]\"}",
		    v[0], when, need, PGSTORE_LINE_MAX);
		return ps->small;
	}
	out = ps->line;
	n = (size_t)snprintf(out, ps->line_cap,
	    "{\"id\":%s,\"timestamp\":\"%s\",\"level\":", v[0], when);
	memcpy(out + n, v[2], l[2]);
	n += l[2];
	memcpy(out + n, ",\"message\":", 11);
	n += 11;
	memcpy(out + n, v[3], l[3]);
	n += l[3];
	if (v[4] != NULL) {
		memcpy(out + n, ",\"task\":", 8);
		n += 8;
		memcpy(out + n, v[4], l[4]);
		n += l[4];
	}
	/* extra is a whole object ({...}) as PostgreSQL prints it: minify
	 * it and keep its members, so the event stays one compact line. */
	if (v[5] != NULL &&
	    (m = jsoncheck_minify(v[5], l[5], out + n + 1, err, sizeof err)) > 2) {
		out[n] = ',';
		memmove(out + n + 1, out + n + 2, (size_t)m - 2);
		n += (size_t)m - 1;
	}
	out[n++] = '}';
	*len = n;
	return out;
}

/* Ask the database for up to limit rows of key with after < id <= upto. */
static PGresult *
pgstore_fetch(struct pgstore *ps, const char *key, int64_t after, int64_t upto,
    size_t limit)
{
	char from[24], lim[24], to[24];
	const char *vals[4] = {key, from, lim, to};

	snprintf(from, sizeof from, "%lld", (long long)after);
	snprintf(lim, sizeof lim, "%zu", limit);
	snprintf(to, sizeof to, "%lld", (long long)upto);
	return pgstore_query(ps, pgstore_sql_read, 4, vals, true, NULL);
}

#ifdef LIBPQ_HAS_PIPELINING /* libpq 14 and later */
/* Drain a pipeline that went wrong up to its sync and leave pipeline
 * mode. A lost connection stays in it until pgstore_db_up resets it
 * (which leaves it); one still up that cannot leave it is reset here. */
static void
pgstore_pipeline_end(struct pgstore *ps)
{
	PGresult *r;
	ExecStatusType st;

	while (PQstatus(ps->db) == CONNECTION_OK &&
	       PQpipelineStatus(ps->db) != PQ_PIPELINE_OFF) {
		if ((r = PQgetResult(ps->db)) == NULL) {
			if (PQexitPipelineMode(ps->db))
				return;
			continue; /* the next statement's results */
		}
		st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_FATAL_ERROR &&
		    PQstatus(ps->db) != CONNECTION_OK)
			break;
	}
	if (PQstatus(ps->db) == CONNECTION_OK &&
	    PQpipelineStatus(ps->db) != PQ_PIPELINE_OFF)
		PQreset(ps->db);
}

/* One result of a pipeline that must have rows; NULL (logged) when the
 * statement failed. */
static PGresult *
pgstore_pipeline_rows(struct pgstore *ps)
{
	PGresult *r = PQgetResult(ps->db), *end;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgstore_log_error("statement failed", ps->db);
		PQclear(r);
		return NULL;
	}
	/* The NULL that ends this statement's results. */
	if ((end = PQgetResult(ps->db)) != NULL) {
		PQclear(end);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* The rows of s after its cache up to its known_last, and in the same
 * round trip (libpq's pipeline mode) its row as a get reads it, into
 * *info (NULL when that could not be had). The rows, or NULL. */
static PGresult *
pgstore_fetch_info(struct pgstore *ps, struct psource *s, PGresult **info)
{
	char from[24], lim[24], to[24], get[sizeof pgstore_sql_get + 40];
	const char *vals[4] = {s->key, from, lim, to};
	PGresult *rows = NULL, *r;

	*info = NULL;
	if (!pgstore_db_up(ps) || !PQenterPipelineMode(ps->db))
		return pgstore_fetch(
		    ps, s->key, s->top, s->known_last, PGSTORE_CACHE_ROWS);
	snprintf(from, sizeof from, "%lld", (long long)s->top);
	snprintf(lim, sizeof lim, "%d", PGSTORE_CACHE_ROWS);
	snprintf(to, sizeof to, "%lld", (long long)s->known_last);
	snprintf(get, sizeof get, "%s WHERE s.source = $1", pgstore_sql_get);
	if (PQsendQueryParams(
	        ps->db, pgstore_sql_read, 4, NULL, vals, NULL, NULL, 0) &&
	    PQsendQueryParams(ps->db, get, 1, NULL, vals, NULL, NULL, 0) &&
	    PQpipelineSync(ps->db) &&
	    (rows = pgstore_pipeline_rows(ps)) != NULL &&
	    (*info = pgstore_pipeline_rows(ps)) != NULL &&
	    (r = PQgetResult(ps->db)) != NULL) {
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC &&
		    PQexitPipelineMode(ps->db)) {
			PQclear(r);
			return rows;
		}
		PQclear(r);
	}
	PQclear(*info);
	*info = NULL;
	pgstore_pipeline_end(ps);
	/* As a lone statement: the way that retries on a fresh connection. */
	if (rows == NULL)
		return pgstore_fetch(
		    ps, s->key, s->top, s->known_last, PGSTORE_CACHE_ROWS);
	return rows;
}
#else
/* The rows of s after its cache up to its known_last (*info NULL: its
 * streams read its row themselves, without pipelining). */
static PGresult *
pgstore_fetch_info(struct pgstore *ps, struct psource *s, PGresult **info)
{
	*info = NULL;
	return pgstore_fetch(
	    ps, s->key, s->top, s->known_last, PGSTORE_CACHE_ROWS);
}
#endif

/* s changed up to last_id: its last get is stale, and the rows after the
 * cache are fetched once, for all its streams, with its row (so its
 * streams, which read both, cost one round trip to the database). When more
 * came than the cache holds, it starts over empty at last_id, and streams
 * further back read from the database. */
static void
pgstore_refresh(struct pgstore *ps, struct psource *s, int64_t last_id)
{
	PGresult *r;
	size_t len;
	int i, n;

	PQclear(s->info);
	s->info = NULL;
	if (last_id > s->known_last)
		s->known_last = last_id;
	if (s->top >= s->known_last)
		return;
	if ((r = pgstore_fetch_info(ps, s, &s->info)) == NULL)
		return;
	n = PQntuples(r);
	if (n == PGSTORE_CACHE_ROWS) {
		while (s->count > 0)
			pgstore_cache_drop(s);
		s->floor = s->top = s->known_last;
	} else {
		for (i = 0; i < n; i++) {
			const char *json = pgstore_render(ps, r, i, &len);

			pgstore_cache_add(s,
			    strtoll(PQgetvalue(r, i, 0), NULL, 10), json, len);
		}
		/* Rows up to known_last that did not come are gone. */
		if (s->top < s->known_last)
			s->top = s->known_last;
	}
	PQclear(r);
}

/* Read from the cache of s when it covers the rows after after; returns
 * how many were passed to fn, or -1 when the database must answer. */
static long
pgstore_read_cache(
    struct psource *s, int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	struct pline *l;
	size_t lo = 0, hi = s->count, mid;
	long done = 0;

	if (s->top < s->known_last || after < s->floor)
		return -1;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->ring[(s->head + mid) % PGSTORE_CACHE_ROWS].id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->count && (size_t)done < limit; lo++) {
		l = &s->ring[(s->head + lo) % PGSTORE_CACHE_ROWS];
		done++;
		if (fn(l->id, l->json, l->len, arg) != 0)
			break;
	}
	return done;
}

/* Read from the database the events of kind/id with after < id <= upto. */
static long
pgstore_read_upto(struct pgstore *ps, enum source_kind kind, const char *id,
    int64_t after, int64_t upto, size_t limit, store_line_fn fn, void *arg)
{
	char key[PGSTORE_KEY_MAX];
	struct store_info info;
	PGresult *r;
	long done = 0;
	int i;

	if (!pgstore_key(key, kind, id))
		return STORE_ENOENT;
	r = pgstore_fetch(ps, key, after, upto,
	    limit < PGSTORE_READ_MAX ? limit : (size_t)PGSTORE_READ_MAX);
	if (r == NULL)
		return pgstore_read_err(ps);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return pgstore_get(&ps->base, kind, id, &info);
	}
	for (i = 0; i < PQntuples(r); i++) {
		size_t len;
		const char *json = pgstore_render(ps, r, i, &len);

		done++;
		if (fn(strtoll(PQgetvalue(r, i, 0), NULL, 10), json, len,
		        arg) != 0)
			break;
	}
	PQclear(r);
	return done;
}

/* store_ops.read: from the database. */
static long
pgstore_read(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	return pgstore_read_upto(
	    (struct pgstore *)st, kind, id, after, INT64_MAX, limit, fn, arg);
}

/* store_ops.read_live: no further than the subscribers were told (rows
 * committed since are told with the boundaries among them), from the
 * cache when it covers the rows wanted. */
static long
pgstore_read_live(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX];
	struct psource *s;
	long done;

	if (!pgstore_key(key, kind, id) || (s = pgstore_find(ps, key)) == NULL)
		return pgstore_read(st, kind, id, after, limit, fn, arg);
	if ((done = pgstore_read_cache(s, after, limit, fn, arg)) >= 0)
		return done;
	return pgstore_read_upto(
	    ps, kind, id, after, s->known_last, limit, fn, arg);
}

/* store_ops.tail */
static int
pgstore_tail(struct store *st, enum source_kind kind, const char *id, size_t n,
    int64_t *after)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX], off[24];
	const char *vals[2] = {key, off};
	PGresult *r;

	if (!pgstore_key(key, kind, id))
		return STORE_ENOENT;
	snprintf(off, sizeof off, "%zu", n);
	if ((r = pgstore_query(ps, pgstore_sql_tail, 2, vals, true, NULL)) ==
	    NULL)
		return pgstore_read_err(ps);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return STORE_ENOENT;
	}
	if (!PQgetisnull(r, 0, 1))
		*after = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	else if (!PQgetisnull(r, 0, 2))
		*after = strtoll(PQgetvalue(r, 0, 2), NULL, 10) - 1;
	else
		*after = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return STORE_OK;
}

/* store_ops.runs: in pages of PGSTORE_RUNS_PAGE, so that a walk over
 * every run (store_run_find by runId) holds one page at a time. */
static long
pgstore_runs(struct store *st, enum source_kind kind, const char *id,
    int64_t after_run, size_t limit, store_run_fn fn, void *arg)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX], from[24], lim[24];
	const char *vals[3] = {key, from, lim};
	struct store_info info;
	struct store_run run;
	PGresult *r;
	long done = 0;
	size_t page;
	int i, n, rc;

	if (!pgstore_key(key, kind, id))
		return STORE_ENOENT;
	while ((size_t)done < limit) {
		page = limit - (size_t)done;
		if (page > PGSTORE_RUNS_PAGE)
			page = PGSTORE_RUNS_PAGE;
		snprintf(from, sizeof from, "%lld", (long long)after_run);
		snprintf(lim, sizeof lim, "%zu", page);
		if ((r = pgstore_query(
		         ps, pgstore_sql_runs, 3, vals, true, NULL)) == NULL)
			return pgstore_read_err(ps);
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			pgstore_run_cols(r, i, 0, &run);
			after_run = run.run;
			done++;
			if (fn(&run, arg) != 0) {
				PQclear(r);
				return done;
			}
		}
		PQclear(r);
		if ((size_t)n < page)
			break;
	}
	if (done == 0 && (rc = pgstore_get(st, kind, id, &info)) != STORE_OK)
		return rc;
	return done;
}

/* store_ops.since */
static int
pgstore_since(struct store *st, enum source_kind kind, const char *id,
    int64_t ms, int64_t *after)
{
	struct pgstore *ps = (struct pgstore *)st;
	char key[PGSTORE_KEY_MAX], at[24];
	const char *vals[2] = {key, at};
	PGresult *r;

	if (!pgstore_key(key, kind, id))
		return STORE_ENOENT;
	snprintf(at, sizeof at, "%lld", (long long)ms);
	if ((r = pgstore_query(ps, pgstore_sql_since, 2, vals, true, NULL)) ==
	    NULL)
		return pgstore_read_err(ps);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return STORE_ENOENT;
	}
	*after = PQgetisnull(r, 0, 1) ? pgstore_int(r, 0, 0, 0)
	                              : pgstore_int(r, 0, 1, 0) - 1;
	PQclear(r);
	return STORE_OK;
}

/* store_ops.subscribe */
static struct store_sub *
pgstore_subscribe(struct store *st, enum source_kind kind, const char *id,
    store_note_fn fn, void *arg)
{
	struct pgstore *ps = (struct pgstore *)st;
	struct store_info info;
	struct psource *s;
	struct psub *sub;
	char key[PGSTORE_KEY_MAX];
	size_t b;

	if (id == NULL) {
		if ((sub = calloc(1, sizeof *sub)) == NULL)
			return NULL;
		sub->kind = kind;
		store_subs_add(&ps->kinds[kind], &sub->base, st, fn, arg);
		return &sub->base;
	}
	if (!pgstore_key(key, kind, id) ||
	    pgstore_get(st, kind, id, &info) != STORE_OK ||
	    (sub = calloc(1, sizeof *sub)) == NULL)
		return NULL;
	if ((s = pgstore_find(ps, key)) == NULL) {
		if ((s = calloc(1, sizeof *s)) == NULL ||
		    (s->key = strdup(key)) == NULL) {
			free(s);
			free(sub);
			return NULL;
		}
		s->status = info.status;
		s->has_exit_code = info.has_exit_code;
		s->exit_code = info.exit_code;
		s->status_ms = -1; /* unknown until told */
		s->run = info.has_run ? info.run.run : 0;
		s->run_open = info.has_run && info.run.status == RUN_RUNNING;
		s->floor = s->top = s->known_last = info.last_id;
		b = pgstore_hash(key);
		s->next = ps->buckets[b];
		ps->buckets[b] = s;
	}
	sub->src = s;
	sub->kind = kind;
	store_subs_add(&s->subs, &sub->base, st, fn, arg);
	return &sub->base;
}

/* store_ops.unsubscribe */
static void
pgstore_unsubscribe(struct store *st, struct store_sub *base)
{
	struct pgstore *ps = (struct pgstore *)st;
	struct psub *sub = (struct psub *)base;
	struct psource *src = sub->src;

	/* store_subs_remove may free sub at once: read it before. */
	if (src == NULL) {
		store_subs_remove(&ps->kinds[sub->kind], base);
		return;
	}
	store_subs_remove(&src->subs, base);
	pgstore_sweep(ps, src);
}

/* store_ops.ready: LISTEN is active and the database answers a trivial
 * statement (a broken query connection is reset at most once per
 * PGSTORE_RESET_GAP_MS, so probing during an outage stays cheap). */
static int
pgstore_ready(struct store *st, char *why, size_t whylen)
{
	struct pgstore *ps = (struct pgstore *)st;
	PGresult *r;
	bool ok;

	if (ps->evbase != NULL && ps->ln == NULL) {
		snprintf(why, whylen, "not listening for database changes");
		return -1;
	}
	if (!pgstore_db_up(ps)) {
		snprintf(why, whylen, "database unreachable");
		return -1;
	}
	r = PQexec(ps->db, "SELECT 1");
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	if (!ok)
		snprintf(why, whylen, "database unreachable");
	return ok ? 0 : -1;
}

/* The logs table (and its partitions, when it has any): the planner's
 * estimate of its rows (reltuples per page times the pages it has now;
 * 0 before its first ANALYZE) and the bytes it takes with its indexes.
 * Catalog reads only. */
static const char pgstore_sql_stats[] =
    "SELECT coalesce(sum(CASE WHEN c.reltuples > 0 AND c.relpages > 0"
    "  THEN c.reltuples / c.relpages * (pg_relation_size(c.oid)"
    "  / current_setting('block_size')::integer) ELSE 0 END), 0)::bigint,"
    " coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint"
    " FROM pg_class c WHERE c.oid = 'logs'::regclass OR c.oid IN"
    " (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'logs'::regclass)";

/* store_ops.stats: the newest cheap estimate, not a count. */
static int
pgstore_stats(struct store *st, struct store_stats *out)
{
	struct pgstore *ps = (struct pgstore *)st;
	PGresult *r = pgstore_query(ps, pgstore_sql_stats, 0, NULL, true, NULL);

	if (r == NULL)
		return STORE_EUNAVAIL;
	out->events = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->bytes = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	out->exact = false;
	PQclear(r);
	return STORE_OK;
}

/* store_ops.free */
static void
pgstore_free(struct store *st)
{
	struct pgstore *ps = (struct pgstore *)st;
	struct psource *s, *next;
	size_t b;

	for (b = 0; b < PGSTORE_BUCKETS; b++) {
		for (s = ps->buckets[b]; s != NULL; s = next) {
			next = s->next;
			store_subs_clear(&s->subs);
			pgstore_cache_free(s);
			free(s->key);
			free(s);
		}
	}
	for (b = 0; b < SOURCE_KIND_COUNT; b++)
		store_subs_clear(&ps->kinds[b]);
	pglisten_stop(ps);
	PQclear(ps->get);
	if (ps->db != NULL)
		PQfinish(ps->db);
	free(ps->line);
	free(ps->url);
	free(ps);
}

static const struct store_ops pgstore_ops = {
    .free = pgstore_free,
    .get = pgstore_get,
    .list = pgstore_list,
    .append = pgstore_append,
    .append_once = pgstore_append_once,
    .set_status = pgstore_set_status,
    .read = pgstore_read,
    .tail = pgstore_tail,
    .subscribe = pgstore_subscribe,
    .unsubscribe = pgstore_unsubscribe,
    .get_live = pgstore_get_live,
    .read_live = pgstore_read_live,
    .runs = pgstore_runs,
    .since = pgstore_since,
    .ready = pgstore_ready,
    .stats = pgstore_stats,
};

struct store *
pgstore_new(struct event_base *base, const struct pgstore_cfg *cfg, char *err,
    size_t errlen)
{
	struct pgstore *ps;
	int applied;

	if ((ps = calloc(1, sizeof *ps)) == NULL ||
	    (ps->url = strdup(cfg->url)) == NULL) {
		free(ps);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->base.ops = &pgstore_ops;
	ps->evbase = base;
	ps->ring = cfg->ring;
	ps->retain_days = cfg->retain_days;
	ps->verbose = cfg->verbose;
	ps->idem_window_ms = cfg->idem_window_ms > 0
	                         ? cfg->idem_window_ms
	                         : (int64_t)STORE_IDEM_WINDOW_S * 1000;
	if ((ps->db = pgstore_connect(
	         ps->url, "logdeck-server", err, errlen)) == NULL)
		goto fail;
	if ((applied = pgschema_migrate(ps->db, err, errlen)) < 0)
		goto fail;
	if (applied > 0)
		util_log("database: applied %d schema migration(s), now at "
		         "version %d",
		    applied, pgschema_version());
	if (base == NULL)
		return &ps->base;
	if (!pglisten_start(ps, err, errlen))
		goto fail;
	return &ps->base;
fail:
	pgstore_free(&ps->base);
	return NULL;
}
