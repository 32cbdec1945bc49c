/* srclist.h - the live list of sources of one kind: the event stream
 * GET /api/KIND?stream=true (doc/api.md, "The live list of sources") on
 * the shared curl multi handle, with reconnect, and polling GET /api/KIND
 * every few seconds against a server without it (transport layer). */
#ifndef LOGDECK_SRCLIST_H
#define LOGDECK_SRCLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "source.h"

struct loop;
struct client_cfg;
struct srclist;

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
