/* pgschema.c - the PostgreSQL schema as versioned migrations. A migration
 * is never edited once released: a change of schema is a new entry at the
 * end of pgschema_migrations, applied once in its own transaction and
 * recorded in schema_migrations. */
#include "pgschema.h"
#include "store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key of the advisory lock held while migrating ("ldsk" in ASCII). */
#define PGSCHEMA_LOCK_KEY "1818522475"
/* First key of the per-source advisory locks of logs inserts (the second
 * is the hash of the source). */
#define PGSCHEMA_SOURCE_LOCK "1818522476"
/* Numbers the SQL text uses (pgschema.h, store.h), as SQL text. */
#define PGSCHEMA_S(x) PGSCHEMA_S2(x)
#define PGSCHEMA_S2(x) #x
#define PGSCHEMA_START_SQL PGSCHEMA_S(PGSCHEMA_EDGE_START)
#define PGSCHEMA_END_SQL PGSCHEMA_S(PGSCHEMA_EDGE_END)
#define PGSCHEMA_BOTH_SQL PGSCHEMA_S(PGSCHEMA_EDGE_BOTH)
#define PGSCHEMA_RUN_ID_MAX_SQL PGSCHEMA_S(STORE_RUN_ID_MAX)
#define PGSCHEMA_RUNS_MAX_SQL PGSCHEMA_S(STORE_RUNS_MAX)
#define PGSCHEMA_AHEAD_DAYS_SQL PGSCHEMA_S(PGSCHEMA_AHEAD_DAYS)
#define PGSCHEMA_BACK_DAYS_SQL PGSCHEMA_S(PGSCHEMA_BACK_DAYS)
/* Longest wait for a table lock of partition upkeep or retention (ms): it
 * holds up the inserts and reads queued behind it, so it gives up rather
 * than wait on a long reader, and tries again on the next pass. */
#define PGSCHEMA_LOCK_WAIT_MS "500"

struct pgschema_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Version 1. A source's row is created by the first log row or status
 * change that names it. The BEFORE trigger of logs takes a transaction
 * lock on the source (an advisory lock on its hash) and only then draws
 * the id, so the ids of one source become visible in increasing order
 * even with concurrent writers: a reader that has seen id N never later
 * finds a new row of that source below N. The statement trigger keeps
 * sources up to date and sends one notification per source. */
static const char pgschema_v1[] =
    "CREATE TABLE sources (\n"
    "    source     text PRIMARY KEY,\n"
    "    kind       text NOT NULL CHECK (kind IN\n"
    "                   ('automations', 'pipelines', 'artifacts')),\n"
    "    id         text NOT NULL,\n"
    "    seq        bigserial NOT NULL,\n"
    "    name       text NOT NULL,\n"
    "    status     text NOT NULL DEFAULT 'running' CHECK (status IN\n"
    "                   ('queued', 'running', 'completed', 'failed',\n"
    "                    'cancelled')),\n"
    "    exit_code  integer,\n"
    "    status_ms  bigint NOT NULL DEFAULT 0,\n"
    "    updated_ms bigint NOT NULL DEFAULT 0,\n"
    "    last_id    bigint NOT NULL DEFAULT 0,\n"
    "    evicted_id bigint NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX sources_kind_seq ON sources (kind, seq);\n"
    "CREATE TABLE logs (\n"
    "    id          bigserial PRIMARY KEY,\n"
    "    source      text NOT NULL CONSTRAINT source_is_kind_slash_id\n"
    "        CHECK (source ~\n"
    "        '^(automations|pipelines|artifacts)/[A-Za-z0-9._~:@-]{1,128}$'),\n"
    "    \"timestamp\" timestamptz NOT NULL DEFAULT now(),\n"
    "    level       text NOT NULL DEFAULT 'INFO',\n"
    "    message     text NOT NULL,\n"
    "    task        text,\n"
    "    extra       jsonb NOT NULL DEFAULT '{}'\n"
    "        CONSTRAINT extra_is_an_object\n"
    "        CHECK (jsonb_typeof(extra) = 'object')\n"
    ");\n"
    "ALTER TABLE logs ALTER COLUMN id DROP DEFAULT;\n"
    "CREATE INDEX logs_source_id ON logs (source, id);\n"
    "CREATE INDEX logs_timestamp ON logs (\"timestamp\");\n"
    "CREATE FUNCTION logdeck_logs_before() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    PERFORM pg_advisory_xact_lock(" PGSCHEMA_SOURCE_LOCK ",\n"
    "        hashtext(NEW.source));\n"
    "    NEW.id := nextval('logs_id_seq');\n"
    "    RETURN NEW;\n"
    "END $$;\n"
    "CREATE FUNCTION logdeck_logs_after() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "DECLARE\n"
    "    r record;\n"
    "BEGIN\n"
    "    FOR r IN SELECT source, split_part(source, '/', 1) AS kind,\n"
    "             max(id) AS top,\n"
    "             floor(extract(epoch FROM max(\"timestamp\")) * 1000)\n"
    "                 ::bigint AS ms\n"
    "             FROM new_rows GROUP BY source LOOP\n"
    "        INSERT INTO sources (source, kind, id, name, last_id,\n"
    "                             updated_ms)\n"
    "        VALUES (r.source, r.kind, substr(r.source, length(r.kind) + 2),\n"
    "                substr(r.source, length(r.kind) + 2), r.top, r.ms)\n"
    "        ON CONFLICT (source) DO UPDATE SET\n"
    "            last_id = greatest(sources.last_id, EXCLUDED.last_id),\n"
    "            updated_ms = greatest(sources.updated_ms,\n"
    "                                  EXCLUDED.updated_ms);\n"
    "        PERFORM pg_notify('" PGSCHEMA_CHANNEL "',\n"
    "            'L ' || r.top || ' ' || r.source);\n"
    "    END LOOP;\n"
    "    RETURN NULL;\n"
    "END $$;\n"
    "CREATE TRIGGER logs_before BEFORE INSERT ON logs\n"
    "    FOR EACH ROW EXECUTE FUNCTION logdeck_logs_before();\n"
    "CREATE TRIGGER logs_after AFTER INSERT ON logs\n"
    "    REFERENCING NEW TABLE AS new_rows\n"
    "    FOR EACH STATEMENT EXECUTE FUNCTION logdeck_logs_after();\n"
    "CREATE FUNCTION logdeck_sources_status() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    PERFORM pg_notify('" PGSCHEMA_CHANNEL "',\n"
    "        'S ' || NEW.last_id || ' ' || NEW.source);\n"
    "    RETURN NULL;\n"
    "END $$;\n"
    "CREATE TRIGGER sources_status AFTER UPDATE ON sources FOR EACH ROW\n"
    "    WHEN (OLD.status IS DISTINCT FROM NEW.status\n"
    "       OR OLD.exit_code IS DISTINCT FROM NEW.exit_code\n"
    "       OR OLD.status_ms IS DISTINCT FROM NEW.status_ms\n"
    "       OR OLD.name IS DISTINCT FROM NEW.name)\n"
    "    EXECUTE FUNCTION logdeck_sources_status();\n";

/* Version 2: runs (doc/api.md, "Runs"). Triggers on sources keep them, so
 * a status that any writer sets (a direct UPDATE too) opens and closes
 * runs. The BEFORE trigger decides what a status change does to the runs
 * and records it on the row (run: the newest run's number; run_edge: what
 * the last status change did, PGSCHEMA_EDGE_*), so that the statement
 * that made the change reads it back in RETURNING and the notification
 * carries it; it writes the runs row itself except for a new source, whose
 * row exists only after the insert (a BEFORE INSERT trigger also runs for
 * an upsert that ends up updating). runId comes from the transaction-local
 * setting logdeck.run_id, else the run's number. A status change is one
 * that moves status or status_ms, or any that the setting
 * logdeck.status_report says is a report (the store's own, so that a
 * terminal status reported twice in one millisecond records two runs, as
 * in every store). A source keeps its
 * newest STORE_RUNS_MAX runs, as every store does. Existing sources get
 * one run reflecting their status (none while queued). */
static const char pgschema_v2[] =
    "ALTER TABLE sources ADD COLUMN run bigint NOT NULL DEFAULT 0,\n"
    "    ADD COLUMN run_edge smallint NOT NULL DEFAULT 0;\n"
    "CREATE TABLE runs (\n"
    "    source      text NOT NULL,\n"
    "    run         bigint NOT NULL,\n"
    "    run_id      text NOT NULL CONSTRAINT run_id_length\n"
    "        CHECK (octet_length(run_id) BETWEEN 1 AND " PGSCHEMA_RUN_ID_MAX_SQL
    "),\n"
    "    status      text NOT NULL,\n"
    "    exit_code   integer,\n"
    "    started_ms  bigint NOT NULL,\n"
    "    ended_ms    bigint,\n"
    "    start_after bigint NOT NULL,\n"
    "    end_after   bigint,\n"
    "    PRIMARY KEY (source, run)\n"
    ");\n"
    "INSERT INTO runs (source, run, run_id, status, exit_code, started_ms,\n"
    "                  ended_ms, start_after, end_after)\n"
    "    SELECT s.source, 1, '1', s.status,\n"
    "        CASE WHEN s.status = 'running' THEN NULL ELSE s.exit_code END,\n"
    "        coalesce((SELECT floor(extract(epoch FROM l.\"timestamp\")\n"
    "                  * 1000)::bigint FROM logs l WHERE l.source = s.source\n"
    "                  ORDER BY l.id LIMIT 1), s.status_ms),\n"
    "        CASE WHEN s.status = 'running' THEN NULL ELSE s.status_ms END,\n"
    "        0,\n"
    "        CASE WHEN s.status = 'running' THEN NULL ELSE s.last_id END\n"
    "    FROM sources s WHERE s.status <> 'queued';\n"
    "UPDATE sources SET run = 1 WHERE status <> 'queued';\n"
    "CREATE INDEX logs_source_timestamp ON logs (source, \"timestamp\");\n"
    "CREATE FUNCTION logdeck_sources_runs() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "DECLARE\n"
    "    is_open boolean := false;\n"
    "    rid text := nullif(current_setting('logdeck.run_id', true), '');\n"
    "    reported boolean := coalesce(\n"
    "        current_setting('logdeck.status_report', true) = 'on', false);\n"
    "BEGIN\n"
    "    IF TG_OP = 'UPDATE' THEN\n"
    "        NEW.run := OLD.run;\n"
    "        IF NOT reported\n"
    "           AND NEW.status IS NOT DISTINCT FROM OLD.status\n"
    "           AND NEW.exit_code IS NOT DISTINCT FROM OLD.exit_code\n"
    "           AND NEW.status_ms IS NOT DISTINCT FROM OLD.status_ms\n"
    "           AND NEW.name IS NOT DISTINCT FROM OLD.name THEN\n"
    "            NEW.run_edge := OLD.run_edge;\n"
    "            RETURN NEW;\n"
    "        END IF;\n"
    "        NEW.run_edge := 0;\n"
    "        IF NOT reported\n"
    "           AND NEW.status IS NOT DISTINCT FROM OLD.status\n"
    "           AND NEW.status_ms IS NOT DISTINCT FROM OLD.status_ms THEN\n"
    "            RETURN NEW;\n"
    "        END IF;\n"
    "        SELECT r.end_after IS NULL INTO is_open FROM runs r\n"
    "            WHERE r.source = NEW.source AND r.run = NEW.run;\n"
    "        is_open := coalesce(is_open, false);\n"
    "    ELSE\n"
    "        NEW.run := 0;\n"
    "        NEW.run_edge := 0;\n"
    "        IF NEW.status_ms = 0 THEN\n"
    "            NEW.status_ms := NEW.updated_ms;\n"
    "        END IF;\n"
    "    END IF;\n"
    "    IF NEW.status = 'running' AND NOT is_open THEN\n"
    "        NEW.run := NEW.run + 1;\n"
    "        NEW.run_edge := " PGSCHEMA_START_SQL ";\n"
    "    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN\n"
    "        IF is_open THEN\n"
    "            NEW.run_edge := " PGSCHEMA_END_SQL ";\n"
    "            UPDATE runs SET status = NEW.status,\n"
    "                exit_code = NEW.exit_code, ended_ms = NEW.status_ms,\n"
    "                end_after = NEW.last_id\n"
    "                WHERE source = NEW.source AND run = NEW.run;\n"
    "        ELSE\n"
    "            NEW.run := NEW.run + 1;\n"
    "            NEW.run_edge := " PGSCHEMA_BOTH_SQL ";\n"
    "        END IF;\n"
    "    END IF;\n"
    "    IF TG_OP = 'UPDATE' AND NEW.run_edge IN (" PGSCHEMA_START_SQL
    ", " PGSCHEMA_BOTH_SQL ") THEN\n"
    "        PERFORM logdeck_run_open(NEW, rid, NEW.last_id);\n"
    "    END IF;\n"
    "    RETURN NEW;\n"
    "END $$;\n"
    "CREATE FUNCTION logdeck_run_open(s sources, rid text,\n"
    "                                 start_at bigint) RETURNS void\n"
    "LANGUAGE sql AS $$\n"
    "    INSERT INTO runs (source, run, run_id, status, exit_code,\n"
    "                      started_ms, ended_ms, start_after, end_after)\n"
    "    SELECT s.source, s.run, coalesce(rid, s.run::text), s.status,\n"
    "        e.exit_code, s.status_ms, e.ended_ms, start_at, e.end_after\n"
    "    FROM (SELECT CASE WHEN s.status = 'running' THEN NULL\n"
    "                 ELSE s.exit_code END AS exit_code,\n"
    "                 CASE WHEN s.status = 'running' THEN NULL\n"
    "                 ELSE s.status_ms END AS ended_ms,\n"
    "                 CASE WHEN s.status = 'running' THEN NULL\n"
    "                 ELSE s.last_id END AS end_after) e;\n"
    "    DELETE FROM runs WHERE source = s.source\n"
    "        AND run <= s.run - " PGSCHEMA_RUNS_MAX_SQL ";\n"
    "$$;\n"
    "CREATE FUNCTION logdeck_sources_created() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    IF NEW.run_edge IN (" PGSCHEMA_START_SQL ", " PGSCHEMA_BOTH_SQL
    ") THEN\n"
    "        PERFORM logdeck_run_open(NEW,\n"
    "            nullif(current_setting('logdeck.run_id', true), ''), 0);\n"
    "    END IF;\n"
    "    PERFORM logdeck_sources_notify(NEW);\n"
    "    RETURN NULL;\n"
    "END $$;\n"
    "CREATE FUNCTION logdeck_sources_notify(s sources) RETURNS void\n"
    "LANGUAGE sql AS $$\n"
    "    SELECT pg_notify('" PGSCHEMA_CHANNEL "', 'S ' || s.last_id || ' ' ||\n"
    "        s.run || ' ' || s.run_edge || ' ' || s.status_ms || ' ' ||\n"
    "        coalesce(s.exit_code::text, '-') || ' ' || s.status || ' ' ||\n"
    "        s.source)\n"
    "$$;\n"
    "CREATE OR REPLACE FUNCTION logdeck_sources_status() RETURNS trigger\n"
    "LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    PERFORM logdeck_sources_notify(NEW);\n"
    "    RETURN NULL;\n"
    "END $$;\n"
    "DROP TRIGGER sources_status ON sources;\n"
    "CREATE TRIGGER sources_status AFTER UPDATE ON sources FOR EACH ROW\n"
    "    WHEN (OLD.status IS DISTINCT FROM NEW.status\n"
    "       OR OLD.exit_code IS DISTINCT FROM NEW.exit_code\n"
    "       OR OLD.status_ms IS DISTINCT FROM NEW.status_ms\n"
    "       OR OLD.name IS DISTINCT FROM NEW.name\n"
    "       OR OLD.run IS DISTINCT FROM NEW.run\n"
    "       OR OLD.run_edge IS DISTINCT FROM NEW.run_edge)\n"
    "    EXECUTE FUNCTION logdeck_sources_status();\n"
    "CREATE TRIGGER sources_runs BEFORE INSERT OR UPDATE ON sources\n"
    "    FOR EACH ROW EXECUTE FUNCTION logdeck_sources_runs();\n"
    "CREATE TRIGGER sources_created AFTER INSERT ON sources FOR EACH ROW\n"
    "    EXECUTE FUNCTION logdeck_sources_created();\n";

/* Version 3: logs partitioned by day of "timestamp" (UTC), so that
 * retention drops whole days instead of deleting rows (doc/scaling.md).
 * Daily partitions logs_pYYYYMMDD are made PGSCHEMA_AHEAD_DAYS ahead by
 * logdeck_logs_upkeep, which the server calls at start and with every
 * retention pass; a row of any other day (a producer may send a time
 * years away) lands in logs_default, so an insert never fails for want of
 * a partition. When the day of such a row comes into the window, its rows
 * move out of logs_default into the new partition. The primary key holds
 * the partition key as PostgreSQL requires; ids stay unique because the
 * BEFORE trigger draws every one from logs_id_seq. The existing rows are
 * moved with their ids, and the sequence goes on from where it was. */
static const char pgschema_v3[] =
    "CREATE FUNCTION logdeck_logs_partition(day date) RETURNS boolean\n"
    "LANGUAGE plpgsql AS $$\n"
    "DECLARE\n"
    "    part text := 'logs_p' || to_char(day, 'YYYYMMDD');\n"
    "    lo timestamptz := day::timestamp AT TIME ZONE 'UTC';\n"
    "    hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';\n"
    "BEGIN\n"
    "    IF to_regclass(part) IS NOT NULL THEN\n"
    "        RETURN false;\n"
    "    END IF;\n"
    "    IF NOT EXISTS (SELECT 1 FROM logs_default\n"
    "                   WHERE \"timestamp\" >= lo AND \"timestamp\" < hi) "
    "THEN\n"
    "        EXECUTE format('CREATE TABLE %I PARTITION OF logs\n"
    "            FOR VALUES FROM (%L) TO (%L)', part, lo, hi);\n"
    "        RETURN true;\n"
    "    END IF;\n"
    "    EXECUTE format('CREATE TABLE %I (LIKE logs INCLUDING DEFAULTS\n"
    "        INCLUDING CONSTRAINTS)', part);\n"
    "    EXECUTE format('WITH m AS (DELETE FROM logs_default\n"
    "        WHERE \"timestamp\" >= $1 AND \"timestamp\" < $2 RETURNING *)\n"
    "        INSERT INTO %I SELECT * FROM m', part) USING lo, hi;\n"
    "    EXECUTE format('ALTER TABLE logs ATTACH PARTITION %I\n"
    "        FOR VALUES FROM (%L) TO (%L)', part, lo, hi);\n"
    "    RETURN true;\n"
    "END $$;\n"
    "CREATE FUNCTION logdeck_logs_upkeep(ahead integer) RETURNS integer\n"
    "LANGUAGE plpgsql AS $$\n"
    "DECLARE\n"
    "    today date := (now() AT TIME ZONE 'UTC')::date;\n"
    "    made integer := 0;\n"
    "BEGIN\n"
    "    PERFORM set_config('lock_timeout', '" PGSCHEMA_LOCK_WAIT_MS
    "', true);\n"
    "    PERFORM pg_advisory_xact_lock(" PGSCHEMA_LOCK_KEY ");\n"
    "    FOR i IN 0..ahead LOOP\n"
    "        IF logdeck_logs_partition(today + i) THEN\n"
    "            made := made + 1;\n"
    "        END IF;\n"
    "    END LOOP;\n"
    "    RETURN made;\n"
    "END $$;\n"
    "CREATE FUNCTION logdeck_logs_expired(cutoff timestamptz) RETURNS text\n"
    "LANGUAGE sql AS $$\n"
    "    SELECT c.relname::text FROM pg_inherits i\n"
    "        JOIN pg_class c ON c.oid = i.inhrelid\n"
    "    WHERE i.inhparent = 'logs'::regclass\n"
    "        AND c.relname ~ '^logs_p[0-9]{8}$'\n"
    "        AND (to_date(substr(c.relname, 7), 'YYYYMMDD') + 1)::timestamp\n"
    "            AT TIME ZONE 'UTC' <= cutoff\n"
    "    ORDER BY c.relname LIMIT 1\n"
    "$$;\n"
    "CREATE FUNCTION logdeck_logs_drop(part text) RETURNS bigint\n"
    "LANGUAGE plpgsql AS $$\n"
    "DECLARE\n"
    "    n bigint;\n"
    "BEGIN\n"
    "    PERFORM set_config('lock_timeout', '" PGSCHEMA_LOCK_WAIT_MS
    "', true);\n"
    "    PERFORM pg_advisory_xact_lock(" PGSCHEMA_LOCK_KEY ");\n"
    "    IF to_regclass(part) IS NULL THEN\n"
    "        RETURN 0;\n"
    "    END IF;\n"
    "    EXECUTE format('LOCK TABLE %I IN EXCLUSIVE MODE', part);\n"
    "    SELECT greatest(c.reltuples, 0)::bigint INTO n FROM pg_class c\n"
    "        WHERE c.oid = to_regclass(part);\n"
    "    EXECUTE format('WITH RECURSIVE s(source) AS (\n"
    "        (SELECT source FROM %1$I ORDER BY source LIMIT 1)\n"
    "        UNION ALL SELECT (SELECT p.source FROM %1$I p\n"
    "            WHERE p.source > s.source ORDER BY p.source LIMIT 1)\n"
    "        FROM s WHERE s.source IS NOT NULL)\n"
    "        UPDATE sources o SET evicted_id = greatest(o.evicted_id, m.top)\n"
    "        FROM (SELECT s.source, (SELECT max(p.id) FROM %1$I p\n"
    "              WHERE p.source = s.source) AS top\n"
    "              FROM s WHERE s.source IS NOT NULL) m\n"
    "        WHERE o.source = m.source', part);\n"
    "    EXECUTE format('DROP TABLE %I', part);\n"
    "    RETURN n;\n"
    "END $$;\n"
    "ALTER TABLE logs RENAME TO logs_unpartitioned;\n"
    "ALTER SEQUENCE logs_id_seq OWNED BY NONE;\n"
    "CREATE TABLE logs (\n"
    "    id          bigint NOT NULL,\n"
    "    source      text NOT NULL CONSTRAINT source_is_kind_slash_id\n"
    "        CHECK (source ~\n"
    "        '^(automations|pipelines|artifacts)/[A-Za-z0-9._~:@-]{1,128}$'),\n"
    "    \"timestamp\" timestamptz NOT NULL DEFAULT now(),\n"
    "    level       text NOT NULL DEFAULT 'INFO',\n"
    "    message     text NOT NULL,\n"
    "    task        text,\n"
    "    extra       jsonb NOT NULL DEFAULT '{}'\n"
    "        CONSTRAINT extra_is_an_object\n"
    "        CHECK (jsonb_typeof(extra) = 'object')\n"
    ") PARTITION BY RANGE (\"timestamp\");\n"
    "CREATE TABLE logs_default PARTITION OF logs DEFAULT;\n"
    "SELECT logdeck_logs_partition(d::date)\n"
    "    FROM (SELECT min(\"timestamp\") AS lo, max(\"timestamp\") AS hi\n"
    "          FROM logs_unpartitioned) b,\n"
    "    generate_series(date_trunc('day', greatest(b.lo,\n"
    "        now() - interval '" PGSCHEMA_BACK_DAYS_SQL " days')\n"
    "        AT TIME ZONE 'UTC'), least(b.hi, now()) AT TIME ZONE 'UTC',\n"
    "        interval '1 day') AS d\n"
    "    WHERE b.lo IS NOT NULL;\n"
    "SELECT logdeck_logs_upkeep(" PGSCHEMA_AHEAD_DAYS_SQL ");\n"
    "INSERT INTO logs SELECT id, source, \"timestamp\", level, message, task,\n"
    "    extra FROM logs_unpartitioned;\n"
    "DROP TABLE logs_unpartitioned;\n"
    "ALTER SEQUENCE logs_id_seq OWNED BY logs.id;\n"
    "ALTER TABLE logs ADD PRIMARY KEY (id, \"timestamp\");\n"
    "CREATE INDEX logs_source_id ON logs (source, id);\n"
    "CREATE INDEX logs_timestamp ON logs (\"timestamp\");\n"
    "CREATE INDEX logs_source_timestamp ON logs (source, \"timestamp\");\n"
    "CREATE TRIGGER logs_before BEFORE INSERT ON logs\n"
    "    FOR EACH ROW EXECUTE FUNCTION logdeck_logs_before();\n"
    "CREATE TRIGGER logs_after AFTER INSERT ON logs\n"
    "    REFERENCING NEW TABLE AS new_rows\n"
    "    FOR EACH STATEMENT EXECUTE FUNCTION logdeck_logs_after();\n";

/* Version 4. The Idempotency-Keys of ingested batches (doc/api.md,
 * "Ingest"): the receipt of the batch first stored with a key on a source,
 * inserted by the statement that stores the batch, so that the primary key
 * makes a retry through any server sharing the database fail as a whole
 * and read the receipt instead. Rows older than --idempotency-window are
 * deleted by the upkeep pass (at_ms is the epoch ms of the insert). */
static const char pgschema_v4[] =
    "CREATE TABLE ingest_keys (\n"
    "    source    text NOT NULL,\n"
    "    key       text NOT NULL,\n"
    "    at_ms     bigint NOT NULL,\n"
    "    body_hash bigint NOT NULL,\n"
    "    body_len  bigint NOT NULL,\n"
    "    accepted  integer NOT NULL,\n"
    "    last_id   bigint NOT NULL,\n"
    "    created   boolean NOT NULL,\n"
    "    PRIMARY KEY (source, key)\n"
    ");\n"
    "CREATE INDEX ingest_keys_at_ms ON ingest_keys (at_ms);\n";

static const struct pgschema_migration pgschema_migrations[] = {
    {1, "sources, logs, change notification", pgschema_v1},
    {2, "runs", pgschema_v2},
    {3, "logs partitioned by day", pgschema_v3},
    {4, "idempotency keys", pgschema_v4},
};

#define PGSCHEMA_COUNT                                                         \
	(sizeof pgschema_migrations / sizeof pgschema_migrations[0])

int
pgschema_version(void)
{
	return pgschema_migrations[PGSCHEMA_COUNT - 1].version;
}

/* Run sql (no parameters); true when it succeeded, else the reason is in
 * err and the transaction, if any, is rolled back. */
static bool
pgschema_exec(PGconn *db, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType s = PQresultStatus(r);
	bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;

	if (!ok) {
		snprintf(err, errlen, "%s", PQerrorMessage(db));
		err[strcspn(err, "\n")] = '\0';
		PQclear(PQexec(db, "ROLLBACK"));
	}
	PQclear(r);
	return ok;
}

/* The newest version recorded, or -1 with err set. */
static int
pgschema_current(PGconn *db, char *err, size_t errlen)
{
	PGresult *r = PQexec(
	    db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	else {
		snprintf(err, errlen, "%s", PQerrorMessage(db));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(r);
	return v;
}

int
pgschema_migrate(PGconn *db, char *err, size_t errlen)
{
	return pgschema_migrate_to(db, pgschema_version(), err, errlen);
}

int
pgschema_migrate_to(PGconn *db, int target, char *err, size_t errlen)
{
	char record[256];
	size_t i;
	int applied = 0, cur;

	if (!pgschema_exec(db,
	        "BEGIN; SELECT pg_advisory_xact_lock(" PGSCHEMA_LOCK_KEY ");"
	        "CREATE TABLE IF NOT EXISTS schema_migrations ("
	        " version integer PRIMARY KEY, name text NOT NULL,"
	        " applied_at timestamptz NOT NULL DEFAULT now()); COMMIT",
	        err, errlen))
		return -1;
	for (i = 0;
	     i < PGSCHEMA_COUNT && pgschema_migrations[i].version <= target;
	     i++) {
		const struct pgschema_migration *m = &pgschema_migrations[i];

		if (!pgschema_exec(db,
		        "BEGIN; SELECT pg_advisory_xact_lock(" PGSCHEMA_LOCK_KEY
		        ")",
		        err, errlen))
			return -1;
		if ((cur = pgschema_current(db, err, errlen)) < 0) {
			PQclear(PQexec(db, "ROLLBACK"));
			return -1;
		}
		if (cur > pgschema_version()) {
			snprintf(err, errlen,
			    "the database schema (version %d) is newer than "
			    "this server knows (%d)",
			    cur, pgschema_version());
			PQclear(PQexec(db, "ROLLBACK"));
			return -1;
		}
		if (cur >= m->version) {
			if (!pgschema_exec(db, "COMMIT", err, errlen))
				return -1;
			continue;
		}
		snprintf(record, sizeof record,
		    "INSERT INTO schema_migrations (version, name) "
		    "VALUES (%d, '%s'); COMMIT",
		    m->version, m->name);
		if (!pgschema_exec(db, m->sql, err, errlen) ||
		    !pgschema_exec(db, record, err, errlen))
			return -1;
		applied++;
	}
	return applied;
}
