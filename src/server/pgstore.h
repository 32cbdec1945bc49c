/* pgstore.h - the PostgreSQL store (server model layer, libpq). Sources
 * and events live in the database only, so several servers can share one
 * database; changes reach subscribers through LISTEN/NOTIFY on a second
 * connection whose socket sits in the server's event loop. */
#ifndef LOGDECK_SERVER_PGSTORE_H
#define LOGDECK_SERVER_PGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most events one read asks the database for. */
#define PGSTORE_READ_MAX 10000
/* Largest event sent as stored; a larger row (a producer may insert
 * anything) is sent as a short ERROR event saying so. */
#define PGSTORE_LINE_MAX ((size_t)1 << 20)
/* Recent rows kept, rendered, per subscribed source: every stream of it
 * reads them from there, so a new row costs one query however many
 * clients follow the source. */
#define PGSTORE_CACHE_ROWS 4096
#define PGSTORE_CACHE_BYTES ((size_t)8 << 20)
/* Most runs one query asks the database for (a walk over more pages). */
#define PGSTORE_RUNS_PAGE 256
/* Rows one retention pass deletes one by one (events of logs_default, the
 * stray days outside the daily partitions, and runs), so a sweep never
 * blocks for long; whole expired days are dropped a partition a pass. */
#define PGSTORE_RETAIN_BATCH 5000

struct event_base;
struct store;

struct pgstore_cfg {
	const char *url; /* libpq connection string or postgresql:// URL */
	size_t ring;     /* > 0: keep at most this many events per source
	                    (enforced when this server appends) */
	int retain_days; /* > 0: delete events older than this many days */
	bool verbose;    /* log reconnects and retention passes */
	int64_t idem_window_ms; /* delete Idempotency-Keys older than this
	                           (0: STORE_IDEM_WINDOW_S) */
};

/* Connect (twice: queries and notifications), migrate the schema and
 * start listening on base (NULL: no live notifications from other
 * writers). Free with store_free. NULL with a one-line reason in err. */
struct store *pgstore_new(struct event_base *base,
    const struct pgstore_cfg *cfg, char *err, size_t errlen);

#endif
