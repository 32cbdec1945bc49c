/* srclist.h - the live list of sources of one kind: the event stream
 * GET /api/KIND?stream=true (doc/api.md, "The live list of sources") on
 * the shared curl multi handle, with reconnect, and polling GET /api/KIND
 * every few seconds against a server without it (transport layer). */
#ifndef LOGDECK_SRCLIST_H
#define LOGDECK_SRCLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/source.h"

/* Largest list taken whole: a "sources" snapshot or a polled answer
 * (bytes). Past it the list is refused with a message, never cut. */
#define SRCLIST_MAX_BODY (16 * 1024 * 1024)
/* Most sources one list delivers; past it the rest are dropped and the
 * owner is told (on_error). */
#define SRCLIST_MAX_SOURCES 10000

struct loop;
struct client_cfg;
struct srclist;
struct cJSON;

/* One source as the server describes it. Strings are valid only during
 * the callback; copy what you keep. */
struct srclist_entry {
	enum source_kind kind;
	const char *id;
	const char *name;
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	long long last_log_id;
	int64_t updated_ms; /* INT64_MIN when absent */
	/* The newest run (run 0 when the source has had none). */
	long long run;
	const char *run_id;
	enum run_status run_status;
	bool run_has_exit_code;
	int run_exit_code;
	int64_t run_started_ms; /* INT64_MIN when absent */
	int64_t run_ended_ms;   /* INT64_MIN while open or absent */
};

struct srclist_handlers {
	/* A whole list follows (a new connection, or a poll): sources not
	 * named before snapshot_end are gone. */
	void (*on_snapshot_begin)(void *arg);
	void (*on_source)(const struct srclist_entry *e, void *arg);
	void (*on_snapshot_end)(void *arg);
	/* Something went wrong (one line, terminal-safe); NULL msg: it is
	 * working again. */
	void (*on_error)(const char *msg, void *arg);
};

/* Longest runId a decoded run keeps (the API's limit); longer is cut. */
#define SRCLIST_RUN_ID_MAX 128
/* Largest run number taken (beyond, a double no longer counts exactly). */
#define SRCLIST_RUN_MAX 9000000000000000LL

/* One run as the server describes it: an item of GET /api/KIND/ID/runs,
 * or the "run" member of a source (doc/api.md, "Runs on a stream"). */
struct srclist_run {
	long long run;                       /* 1 to SRCLIST_RUN_MAX */
	char run_id[SRCLIST_RUN_ID_MAX + 1]; /* "" when absent */
	enum run_status status;              /* RUN_UNKNOWN when absent */
	bool has_exit_code;                  /* an int exitCode came */
	int exit_code;
	int64_t started_ms; /* INT64_MIN when absent */
	int64_t ended_ms;   /* INT64_MIN while open or absent */
	long long first_id, last_id; /* its log ids; 0 when absent */
};

/* Decode one run object into r: the one decoder of them (the runs view,
 * --new-errors, a source's newest run). 0, or -1 when o is no run (no
 * run number in range). */
int srclist_decode_run(const struct cJSON *o, struct srclist_run *r);
/* Decode a JSON array of run objects (len bytes of body), skipping items
 * that are no run: their count, with *out a new array (the caller frees
 * it; at least one slot even when the count is 0), or -1 when body is
 * not a JSON array or memory ran out. */
long srclist_decode_runs(
    const char *body, size_t len, struct srclist_run **out);
/* True when run r ended well: completed, with exit code 0 or none. */
bool srclist_run_ok(const struct srclist_run *r);

/* Decode one source object of the API (GET /api/KIND, GET /api/KIND/ID,
 * the live list) into e: the one decoder of them. An id may be a string
 * or a number (written into num, numlen bytes; 32 are enough). e's
 * strings point into item or num. 0, or -1 when the id is unusable. */
int srclist_decode(const struct cJSON *item, enum source_kind kind,
    struct srclist_entry *e, char *num, size_t numlen);

/* Start following the sources of kind. cfg and h must outlive it. NULL
 * on allocation failure. */
struct srclist *srclist_new(struct loop *loop, const struct client_cfg *cfg,
    enum source_kind kind, const struct srclist_handlers *h, void *arg);
/* Fetch the whole list again now (the `r` key). */
void srclist_refresh(struct srclist *l);
/* True while the server streams the list (false: polling). */
bool srclist_live(const struct srclist *l);
/* Stop and free; NULL is fine. */
void srclist_free(struct srclist *l);

#endif
