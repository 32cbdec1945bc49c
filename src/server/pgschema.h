/* pgschema.h - the PostgreSQL schema of logdeck-server as versioned
 * migrations (server model layer). doc/api.md describes the tables for
 * producers that insert rows themselves. */
#ifndef LOGDECK_SERVER_PGSCHEMA_H
#define LOGDECK_SERVER_PGSCHEMA_H

#include <stddef.h>

#include <libpq-fe.h>

/* The NOTIFY channel the schema's triggers send on. Payloads:
 * "L <last id> <KIND>/<ID>" after rows were inserted into logs (one per
 * source and statement, once committed), and "S <last id> <KIND>/<ID>"
 * after a source's status changed. */
#define PGSCHEMA_CHANNEL "logdeck"

/* Bring the database to the newest schema: every migration not yet in
 * schema_migrations is applied once, each in its own transaction, under an
 * advisory lock so that servers starting together do not race. Returns how
 * many were applied, or -1 with a one-line reason in err. */
int pgschema_migrate(PGconn *db, char *err, size_t errlen);
/* The newest schema version this program knows. */
int pgschema_version(void);

#endif
