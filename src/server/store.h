/* store.h - where sources and their log events live (server model layer).
 * The HTTP layer, the simulator and the tests talk to this interface only,
 * so a PostgreSQL store (libpq, LISTEN/NOTIFY) can sit next to the in-memory
 * one without touching them. Single-threaded: every call and every callback
 * happens on the event loop's thread. */
#ifndef LOGDECK_SERVER_STORE_H
#define LOGDECK_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"  /* enum run_status */
#include "core/source.h" /* enum source_kind */

#define SOURCE_KIND_COUNT 3

/* Results of the store calls (0 or one of these negative values). */
enum store_err {
	STORE_OK = 0,
	STORE_ENOENT = -1,    /* no such source */
	STORE_EFULL = -2,     /* the store holds as many sources as it can */
	STORE_ETOOBIG = -3,   /* one event is larger than the store keeps */
	STORE_ENOMEM = -4,    /* out of memory (or the database refused) */
	STORE_EREADONLY = -5, /* the source is generated, not written */
	STORE_EINVAL = -6,    /* the database refused a value (a timestamp) */
	STORE_EUNAVAIL = -7,  /* the database cannot be reached just now */
	STORE_ENOSYS = -8,    /* this store does not implement the call */
	STORE_EQUERY = -9, /* the database cannot answer this request (its data
	                    * makes the statement fail): retrying won't help */
	STORE_EKEYREUSE = -10, /* an Idempotency-Key came back with another
	                        * body */
	STORE_EOVERBUDGET = -11, /* a batch larger than the memory budget */
};

/* Most runs a store keeps per source in memory (the oldest go first). */
#define STORE_RUNS_MAX 1024
/* Longest runId a producer may give (bytes). */
#define STORE_RUN_ID_MAX 128

/* One run of a source (doc/api.md, "Runs"). Strings are valid until the
 * next call on the store; copy what you keep. */
struct store_run {
	int64_t run;            /* 1, 2, ... per source */
	const char *run_id;     /* the producer's name, else the number */
	enum run_status status; /* RUN_RUNNING while open, else how it ended */
	bool has_exit_code;
	int exit_code;
	int64_t started_ms;
	int64_t ended_ms;    /* 0 while open */
	int64_t start_after; /* the source's last event id when it started */
	int64_t end_after; /* its last event id when it ended; -1 while open */
	int64_t first_id;  /* the run's first event id, 0 while none */
	int64_t last_id;   /* the run's last event id, 0 while none */
};

/* A source as the API shows it. The strings are valid until the next call
 * on the store; copy what you keep. */
struct store_info {
	enum source_kind kind;
	const char *id;
	const char *name;
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	int64_t updated_ms; /* epoch ms of the last status change or event */
	int64_t oldest_id;  /* oldest retained event; last_id + 1 when none */
	int64_t last_id;    /* newest event; 0 before the first */
	/* Newest event no longer held (evicted or expired), 0 when none. Ids
	 * may have gaps (PostgreSQL numbers all sources from one sequence), so
	 * a reader that has seen cursor lost events exactly when cursor <
	 * evicted_id; oldest_id - 1 is no substitute. */
	int64_t evicted_id;
	bool has_run;         /* the source has had a run: */
	struct store_run run; /* the newest one */
};

/* One event to append: the members of its JSON object, comma-separated,
 * without braces and without "id" (the store assigns the id and writes
 * {"id":N,<members>} once, so readers never re-serialise). */
struct store_line {
	const char *members;
	size_t len;
};

/* Longest Idempotency-Key of a batch (bytes, printable ASCII). */
#define STORE_IDEM_KEY_MAX 255
/* How long a key is remembered by default (seconds): a retry later than
 * this is stored again (--idempotency-window). */
#define STORE_IDEM_WINDOW_S 86400

/* The Idempotency-Key of a batch (doc/api.md, "Ingest"). A key belongs to
 * its source: the same key on another source is another key. */
struct store_idem {
	const char *key;    /* 1 to STORE_IDEM_KEY_MAX printable ASCII bytes */
	uint32_t body_hash; /* of the request body: a retry must send the */
	size_t body_len;    /* same body, else STORE_EKEYREUSE */
	int64_t window_ms;  /* a key stored longer ago than this is forgotten */
};

/* What a keyed batch stored: the first time, or again for a retry. */
struct store_receipt {
	size_t accepted;  /* events of the batch */
	int64_t last_id;  /* the batch's newest event id */
	bool created;     /* the batch created the source */
	bool replayed;    /* a retry: this was stored before, nothing now */
};

/* A status change. */
struct store_status {
	enum run_status status;
	const char *name; /* new display name, or NULL to keep it */
	bool has_exit_code;
	int exit_code;
	int64_t at_ms;      /* epoch ms of the change */
	const char *run_id; /* names the run a RUNNING status starts, or NULL */
};

/* What a subscriber is told, right after the change is stored. */
enum store_note_type {
	STORE_NOTE_LOGS,   /* new events up to last_id */
	STORE_NOTE_STATUS, /* the status changed after event last_id */
};

struct store_note {
	enum store_note_type type;
	const char *id; /* the source's id (for a subscription to a kind) */
	int64_t last_id;
	enum run_status status; /* STATUS only, and the fields below */
	bool has_exit_code;
	int exit_code;
	int64_t at_ms;
	/* STATUS only: the run this change started or ended, NULL when it is
	 * no run boundary (queued, or running again while running). */
	const struct store_run *run;
};

/* How much a store holds (store_stats), for the metrics. */
struct store_stats {
	int64_t events; /* events held */
	int64_t bytes;  /* bytes they take */
	bool exact;     /* false: the database's newest estimate */
	int64_t memory;     /* in memory: bytes allocated (0: not told) */
	int64_t memory_max; /* its budget, --max-store-memory */
};

/* Called for each event read, oldest first: json is the whole event object
 * (len bytes, not NUL-terminated, valid only during the call). Return 0 to
 * go on, nonzero to stop after this event. */
typedef int (*store_line_fn)(
    int64_t id, const char *json, size_t len, void *arg);
/* Called for each run, oldest first; r is valid only during the call.
 * Return 0 to go on, nonzero to stop. */
typedef int (*store_run_fn)(const struct store_run *r, void *arg);
/* Called for each source listed; info is valid only during the call. */
typedef void (*store_info_fn)(const struct store_info *info, void *arg);
/* Called on a change of a subscribed source. It may read the store and
 * unsubscribe any subscription, its own included. */
typedef void (*store_note_fn)(const struct store_note *note, void *arg);

struct store;

/* A subscription; implementations embed it as the first member of their
 * own record, allocated with malloc (a store_subs list frees it). */
struct store_sub {
	struct store *owner;
	store_note_fn fn;
	void *arg;
	bool dead; /* removed while its list was busy; freed when it is not */
	struct store_sub *next;
};

/* The subscriptions to one source (or one kind), told in the order they
 * came. Removal is deferred while the list is busy (being told, or held
 * by a walk): the subscription is marked dead, skipped, and freed when the
 * outermost telling or hold ends, so a callback may remove any
 * subscription, its own included (deferred deletion written once, as
 * redis's ae.c does). The list owns its subscriptions. */
struct store_subs {
	struct store_sub *head;
	int busy; /* tellings and holds running */
};

/* Append sub (zeroed, the first member of a malloc'ed record; the list
 * owns it from now on) to l, to call fn(note, arg) on every note. */
void store_subs_add(struct store_subs *l, struct store_sub *sub,
    struct store *owner, store_note_fn fn, void *arg);
/* Tell every live subscription of l of note, in order. */
void store_subs_tell(struct store_subs *l, const struct store_note *note);
/* Remove sub from l: freed now, or when l is no longer busy. */
void store_subs_remove(struct store_subs *l, struct store_sub *sub);
/* Keep the removed subscriptions of l allocated until the release (for a
 * walk that tells l among others); holds nest. */
void store_subs_hold(struct store_subs *l);
void store_subs_release(struct store_subs *l);
/* Whether l has no live subscription (dead ones awaiting their free do
 * not count). */
bool store_subs_empty(const struct store_subs *l);
/* Free every subscription of l, live or dead (the store is going). */
void store_subs_clear(struct store_subs *l);

/* What a store implementation provides. */
struct store_ops {
	void (*free)(struct store *st);
	int (*get)(struct store *st, enum source_kind kind, const char *id,
	    struct store_info *out);
	int (*list)(struct store *st, enum source_kind kind, store_info_fn fn,
	    void *arg);
	/* *last_id: the batch's last id (n > 0; untouched when n is 0). */
	int (*append)(struct store *st, enum source_kind kind, const char *id,
	    const struct store_line *lines, size_t n, int64_t now_ms,
	    bool *created, int64_t *last_id);
	/* Optional (NULL: STORE_ENOSYS): append, once per key. */
	int (*append_once)(struct store *st, enum source_kind kind,
	    const char *id, const struct store_idem *idem,
	    const struct store_line *lines, size_t n, int64_t now_ms,
	    struct store_receipt *out);
	int (*set_status)(struct store *st, enum source_kind kind,
	    const char *id, const struct store_status *ch, bool *created);
	long (*read)(struct store *st, enum source_kind kind, const char *id,
	    int64_t after, size_t limit, store_line_fn fn, void *arg);
	int (*tail)(struct store *st, enum source_kind kind, const char *id,
	    size_t n, int64_t *after);
	struct store_sub *(*subscribe)(struct store *st, enum source_kind kind,
	    const char *id, store_note_fn fn, void *arg);
	void (*unsubscribe)(struct store *st, struct store_sub *sub);
	/* Optional: get and read for a subscriber, which may be answered
	 * from what the store derived from the changes it told (NULL: the
	 * same as get and read). */
	int (*get_live)(struct store *st, enum source_kind kind, const char *id,
	    struct store_info *out);
	long (*read_live)(struct store *st, enum source_kind kind,
	    const char *id, int64_t after, size_t limit, store_line_fn fn,
	    void *arg);
	/* Optional (NULL: STORE_ENOSYS): runs, a time start point. */
	long (*runs)(struct store *st, enum source_kind kind, const char *id,
	    int64_t after_run, size_t limit, store_run_fn fn, void *arg);
	int (*since)(struct store *st, enum source_kind kind, const char *id,
	    int64_t ms, int64_t *after);
	/* Optional (NULL: always ready; STORE_ENOSYS): readiness, size. */
	int (*ready)(struct store *st, char *why, size_t whylen);
	int (*stats)(struct store *st, struct store_stats *out);
};

/* Implementations embed this as their first member. */
struct store {
	const struct store_ops *ops;
};

/* Free a store and everything in it; NULL is fine. */
void store_free(struct store *st);
/* Look a source up; STORE_OK or STORE_ENOENT. */
int store_get(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out);
/* Call fn for every source of kind, oldest first. */
int store_list(
    struct store *st, enum source_kind kind, store_info_fn fn, void *arg);
/* Append n events as one batch (all or nothing), creating the source
 * (status running, name = id) when unknown; *created tells which. Events
 * get the next ids; the oldest are evicted past the store's bounds. */
int store_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created);
/* store_append that also gives the id of the batch's last event in
 * *last_id when n > 0 (so the answer to a POST needs no read back; when n
 * is 0, *last_id is left as it is). */
int store_append_last(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created,
    int64_t *last_id);
/* store_append of a non-empty batch that a producer may send again: the
 * first batch with idem's key on this source within idem->window_ms is
 * stored and its receipt kept; a later one with the same key and body
 * stores nothing and gets that receipt (out->replayed), one with another
 * body STORE_EKEYREUSE. Stores without keys: STORE_ENOSYS. */
int store_append_once(struct store *st, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, struct store_receipt *out);
/* Change a source's status (and name), creating it when unknown. */
int store_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created);
/* Read up to limit events with id > after, oldest first; returns how many
 * were passed to fn, or a negative store_err. */
long store_read(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg);
/* Set *after so that reading after it yields the last n events. */
int store_tail(struct store *st, enum source_kind kind, const char *id,
    size_t n, int64_t *after);
/* Be told of every change of a source until unsubscribed; NULL when the
 * source is unknown or memory ran out. id NULL subscribes to every source
 * of kind, present and future (note->id says which). */
struct store_sub *store_subscribe(struct store *st, enum source_kind kind,
    const char *id, store_note_fn fn, void *arg);
/* End a subscription (also from inside its own callback). */
void store_unsubscribe(struct store *st, struct store_sub *sub);
/* store_get and store_read for a subscriber of kind/id, which wants what
 * it was told of and no more: the answer may lag the database by the
 * changes not yet told (PostgreSQL answers these from memory, so a change
 * costs one query however many streams follow the source). Anything that
 * must see the database as it is now (a new stream's start, polling) uses
 * store_get and store_read. */
int store_get_live(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out);
long store_read_live(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg);

/* Call fn for the runs of a source with run > after_run, oldest first, at
 * most limit; returns how many, or a negative store_err. */
long store_runs(struct store *st, enum source_kind kind, const char *id,
    int64_t after_run, size_t limit, store_run_fn fn, void *arg);
/* Find run sel of a source (a run number, a runId, "current" or
 * "previous") and copy it to *out, its runId into idbuf (idlen bytes,
 * STORE_RUN_ID_MAX + 1 is enough); STORE_OK, STORE_ENOENT (no such source
 * or run) or another store_err. */
int store_run_find(struct store *st, enum source_kind kind, const char *id,
    const char *sel, struct store_run *out, char *idbuf, size_t idlen);
/* Set *after so that reading after it yields the events whose timestamp
 * is at or after ms (all retained events when ms is before them all). */
int store_since(struct store *st, enum source_kind kind, const char *id,
    int64_t ms, int64_t *after);

/* Whether the store can serve requests now (PostgreSQL: the database
 * answers and LISTEN is active); 0, or -1 with a short reason in why. */
int store_ready(struct store *st, char *why, size_t whylen);
/* How much the store holds into *out; STORE_OK, or STORE_ENOSYS when the
 * store cannot tell (or STORE_EUNAVAIL). */
int store_stats(struct store *st, struct store_stats *out);

/* A short text for a store_err. */
const char *store_strerror(int err);
/* The status called exactly name (n bytes), or RUN_UNKNOWN. Stricter than
 * the client's run_status_parse: producers must spell it as the API does.
 * Names come from run_status_name (event.h). */
enum run_status store_status_parse(const char *name, size_t n);
/* The kind whose path segment (source_kind_path) is exactly name, or -1. */
int store_kind_parse(const char *name);

#endif
