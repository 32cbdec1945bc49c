/* pglisten.h - the two halves of the PostgreSQL store and what they
 * share (server model layer, libpq; private to pgstore.c and pglisten.c:
 * everything else uses pgstore.h). pgstore.c is the SQL half (the store
 * operations, the subscriptions, the cache of followed sources);
 * pglisten.c keeps up with the database (LISTEN, catch-up, retention). */
#ifndef LOGDECK_SERVER_PGLISTEN_H
#define LOGDECK_SERVER_PGLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "pgstore.h"
#include "store.h"

struct event;
struct event_base;

/* Hash buckets of the subscribed sources (a power of two). */
#define PGSTORE_BUCKETS 256
/* Longest "KIND/ID" key (the longest kind, '/', the longest id). */
#define PGSTORE_KEY_MAX 160
/* Reconnect delays of the notification connection. */
#define PGSTORE_RECONNECT_MIN_MS 100
#define PGSTORE_RECONNECT_MAX_MS 5000
/* Seconds between upkeep passes (partitions ahead, retention). */
#define PGSTORE_RETAIN_INTERVAL_S 60
/* Bytes of a rendered event besides its values: {"id":,"timestamp":"<24>",
 * "level":,"message":,"task":,} and a NUL (about 80, rounded up). */
#define PGSTORE_FRAME 128
/* This server's latest appends remembered until their NOTIFY comes back
 * (the commit-to-notify delay in the metrics); older ones are forgotten. */
#define PGSTORE_ECHO_MAX 64

struct psource;

/* One cached row: its id and its rendered JSON line. */
struct pline {
	int64_t id;
	char *json;
	size_t len;
};

/* A source this process has subscribers for, with the status they were
 * last told (to tell a change apart from a repeat after a reconnect) and
 * a cache derived from the database: the source's rows with
 * floor < id <= top, valid while top >= known_last, and its last get. */
struct psource {
	char *key; /* "KIND/ID" */
	struct store_subs subs;
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	int64_t status_ms;
	int64_t run;        /* the newest run they were told of (0: none) */
	bool run_open;      /* ... and whether it was open */
	struct pline *ring; /* PGSTORE_CACHE_ROWS slots once used */
	size_t head;
	size_t count;
	size_t bytes;
	int64_t floor;
	int64_t top;
	int64_t known_last; /* newest id its subscribers were told of */
	PGresult *info;     /* the last get, until a change makes it stale */
	struct psource *next;
};

struct pgstore {
	struct store base;
	struct event_base *evbase;
	char *url;
	size_t ring;
	int retain_days;
	bool verbose;
	PGconn *db; /* queries */
	/* The last statement failed on a live connection for a reason that
	 * a retry would meet again (pgstore_query, pgstore_read_err). */
	bool query_refused;
	char sqlstate[6]; /* SQLSTATE of the last failed statement, or "" */
	int64_t idem_window_ms; /* Idempotency-Keys are deleted past this */
	int64_t db_retry_ms; /* no reset of a broken db before (monotonic) */
	PGconn *ln;          /* LISTEN; NULL while reconnecting */
	struct event *ln_ev;
	struct event *ln_retry;
	int ln_delay_ms;
	struct event *retain_ev;
	int walking;   /* catch-up walks over the sources running */
	PGresult *get; /* backs the strings of the last store_get */
	char *line;    /* rendering buffer, at most PGSTORE_LINE_MAX bytes */
	size_t line_cap;
	char small[2 * PGSTORE_FRAME]; /* the line of a too-large row */
	struct psource *buckets[PGSTORE_BUCKETS];
	/* The subscribers to every source of one kind. */
	struct store_subs kinds[SOURCE_KIND_COUNT];
	struct {
		int64_t last_id; /* an append's newest id, 0: free */
		int64_t at_us;   /* monotonic us its statement returned */
	} echo[PGSTORE_ECHO_MAX];
	size_t echo_next;
};

/* pglisten.c: open the LISTEN connection and start the upkeep timer on
 * ps->evbase; false with the reason in err. */
bool pglisten_start(struct pgstore *ps, char *err, size_t errlen);
/* pglisten.c: close the LISTEN connection and stop the timers (also when
 * never started). */
void pglisten_stop(struct pgstore *ps);

/* pgstore.c, for pglisten.c: */
/* Log a database failure of connection c, made safe. */
void pgstore_log_error(const char *what, PGconn *c);
/* Open a connection named app; NULL with the reason in err. */
PGconn *pgstore_connect(
    const char *url, const char *app, char *err, size_t errlen);
/* Run a statement on the query connection (retry: once more after a
 * reset when it is safe to repeat); NULL on failure, with the SQLSTATE in
 * *sqlstate when asked. The caller PQclears the result. */
PGresult *pgstore_query(struct pgstore *ps, const char *sql, int n,
    const char *const *vals, bool retry, const char **sqlstate);
/* Whether anyone here is to be told of changes of key (of kind). */
bool pgstore_listened(struct pgstore *ps, enum source_kind kind,
    const char *key);
/* The run that a status change of key touched into *out (its runId in
 * idbuf); false when the change is no run boundary or the read failed. */
bool pgstore_edge_run(struct pgstore *ps, const char *key, int64_t run,
    int edge, struct store_run *out, char idbuf[STORE_RUN_ID_MAX + 1]);
/* Tell the subscribers of key and those of its whole kind of note. */
void pgstore_tell(struct pgstore *ps, enum source_kind kind, const char *key,
    const struct store_note *note);
/* Read the status of key into note, its newest run and edge; false when
 * the read failed. */
bool pgstore_fetch_status(struct pgstore *ps, const char *key,
    struct store_note *note, int64_t *run, int *edge);
/* Tell the subscribers of s (and remember what they were told). */
void pgstore_notify(
    struct pgstore *ps, struct psource *s, const struct store_note *note);
/* Tell the subscribers to every source of kind. */
void pgstore_notify_kind(
    struct pgstore *ps, enum source_kind kind, const struct store_note *note);
/* Free s when nobody follows it any more and nothing walks the sources. */
void pgstore_sweep(struct pgstore *ps, struct psource *s);
/* Drop up to a batch of runs whose events are all gone, of key (NULL:
 * every source); how many went. */
long pgstore_drop_runs(struct pgstore *ps, const char *key);

#endif
