/* feed.h - live server-sent-event streams: a source's log, run after run,
 * and the live list of a kind's sources (server transport layer, libevent
 * evhttp). */
#ifndef LOGDECK_SERVER_FEED_H
#define LOGDECK_SERVER_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source.h"
#include "store.h" /* struct store_run */

/* Unsent output past which a stream is not fed until it drains: the
 * memory one slow reader may hold (plus one reply chunk). */
#define FEED_OUTBUF_MAX ((size_t)4 << 20)
/* Default of --max-stream-memory: the unsent output of all streams
 * together. No stream is fed while the total is at or past it; at the
 * next heartbeat the streams holding the most unsent output are cut until
 * it is under (their clients resume with Last-Event-ID and lose nothing).
 * Without it, memory was bounded only by max_streams times
 * FEED_OUTBUF_MAX (45 GB at the defaults). */
#define FEED_MEMORY_MAX ((size_t)256 << 20)
/* Run boundaries one stream holds waiting for their place; more are read
 * again from the store's runs as these go out. */
#define FEED_BOUNDS_MAX 16
/* Sources a live list remembers as having new events to tell of; past it
 * the next tell covers every source. */
#define FEED_LIST_PENDING_MAX 1024
/* A live list tells of one source's new events at most this often (ms). */
#define FEED_LIST_EVENTS_MS 1000

struct event_base;
struct evhttp_request;
struct store;
struct feed_mgr;

struct feed_cfg {
	int heartbeat_s;     /* keepalive comment interval */
	long retry_ms;       /* the retry: line */
	int stall_timeout_s; /* drop a stream whose output has not drained */
	int idle_timeout_s;  /* the connection's timeout once a stream ends */
	size_t max_streams;  /* refuse streams past this many (429) */
	size_t max_per_who;  /* ... and past this many of one client (0: no
	                        limit of its own) */
	size_t memory_max;   /* unsent output of all streams (bytes; 0:
	                        FEED_MEMORY_MAX) */
	bool verbose;        /* log stream starts and ends */
};

/* Where a new stream starts and what it follows (doc/api.md, "Where the
 * stream starts" and "Runs on a stream"). */
struct feed_start {
	bool has_last_id; /* a Last-Event-ID header came, or after= */
	int64_t last_id;  /* its value */
	long tail;        /* >= 0: that many events back; -1: from the oldest */
	bool has_since;   /* since=, resolved by store_since: */
	int64_t since_after;  /* ... start after this event */
	bool has_run;         /* run=, resolved by store_run_find: */
	struct store_run run; /* ... that run (run_id is not used) */
	bool all_runs;        /* runs=all: across runs, never ending */
	const char *who;      /* the client (NULL: anonymous), copied */
	int64_t expires_ms;   /* epoch ms its token expires (0: never) */
};

/* Why a stream may not start (feed_mgr_room). */
enum feed_room {
	FEED_ROOM_OK = 0,
	FEED_ROOM_FULL,     /* max_streams reached */
	FEED_ROOM_CLIENT,   /* max_per_who reached for this client */
	FEED_ROOM_DRAINING, /* the server is shutting down */
};

/* Create the manager of all streams; cfg is copied, st must outlive it. */
struct feed_mgr *feed_mgr_new(
    struct event_base *base, struct store *st, const struct feed_cfg *cfg);
/* Cut every stream (their connections are left to evhttp_free) and free
 * the manager; NULL is fine. */
void feed_mgr_free(struct feed_mgr *m);
/* Whether another stream of client who (NULL: anonymous) may start. */
enum feed_room feed_mgr_room(const struct feed_mgr *m, const char *who);
/* End every stream (the replies are finished, so clients resume
 * elsewhere with Last-Event-ID) and start no more; for a shutdown. */
void feed_mgr_drain(struct feed_mgr *m);
/* Answer req with a stream of kind/id (which must exist); from here on the
 * manager owns the reply. Returns 0, or -1 (nothing sent) when out of
 * memory or the source is gone. */
int feed_start(struct feed_mgr *m, struct evhttp_request *req,
    enum source_kind kind, const char *id, const struct feed_start *start);
/* Answer req with the live list of kind's sources; from here on the
 * manager owns the reply. Returns 0, or -1 (nothing sent) when out of
 * memory or the store cannot follow a whole kind. who and expires_ms as
 * in struct feed_start. */
int feed_list_start(struct feed_mgr *m, struct evhttp_request *req,
    enum source_kind kind, const char *who, int64_t expires_ms);

#endif
