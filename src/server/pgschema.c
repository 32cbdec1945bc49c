/* pgschema.c - the PostgreSQL schema as versioned migrations. A migration
 * is never edited once released: a change of schema is a new entry at the
 * end of pgschema_migrations, applied once in its own transaction and
 * recorded in schema_migrations. */
#include "pgschema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key of the advisory lock held while migrating ("ldsk" in ASCII). */
#define PGSCHEMA_LOCK_KEY "1818522475"
/* First key of the per-source advisory locks of logs inserts (the second
 * is the hash of the source). */
#define PGSCHEMA_SOURCE_LOCK "1818522476"

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

static const struct pgschema_migration pgschema_migrations[] = {
    {1, "sources, logs, change notification", pgschema_v1},
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
	for (i = 0; i < PGSCHEMA_COUNT; i++) {
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
