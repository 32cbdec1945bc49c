/* pgschema.h - the PostgreSQL schema of logdeck-server as versioned
 * migrations (server model layer). doc/api.md describes the tables for
 * producers that insert rows themselves. */
#ifndef LOGDECK_SERVER_PGSCHEMA_H
#define LOGDECK_SERVER_PGSCHEMA_H

#include <stddef.h>

#include <libpq-fe.h>

/* The NOTIFY channel the schema's triggers send on. Payloads:
 * "L <last id> <KIND>/<ID>" after rows were inserted into logs (one per
 * source and statement, once committed), and
 * "S <last id> <run> <edge> <status ms> <exit code or -> <status> <KIND>/<ID>"
 * after a source was created or its status changed: run is the newest
 * run's number (0 before the first), edge one of PGSCHEMA_EDGE_*. */
#define PGSCHEMA_CHANNEL "logdeck"

/* What a status change did to the source's runs (column sources.run_edge
 * and the edge of an "S" notification). */
#define PGSCHEMA_EDGE_NONE 0  /* no run boundary */
#define PGSCHEMA_EDGE_START 1 /* it opened run <run> */
#define PGSCHEMA_EDGE_END 2   /* it closed run <run> */
#define PGSCHEMA_EDGE_BOTH 3  /* it recorded run <run>, over at once */

/* Daily partitions of logs made ahead of today (UTC), besides today's
 * (logdeck_logs_upkeep; a row of a day without one lands in logs_default). */
#define PGSCHEMA_AHEAD_DAYS 3
/* Oldest day the migration to partitions gives a partition of its own;
 * older rows go to logs_default (retention deletes them from there). */
#define PGSCHEMA_BACK_DAYS 400

/* Bring the database to the newest schema: every migration not yet in
 * schema_migrations is applied once, each in its own transaction, under an
 * advisory lock so that servers starting together do not race. Returns how
 * many were applied, or -1 with a one-line reason in err. */
int pgschema_migrate(PGconn *db, char *err, size_t errlen);
/* pgschema_migrate up to version target only (the tests of a migration
 * start from the version before it). */
int pgschema_migrate_to(PGconn *db, int target, char *err, size_t errlen);
/* The newest schema version this program knows. */
int pgschema_version(void);

#endif
