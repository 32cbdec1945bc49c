/* feed.h - live server-sent-event streams of a source's log (server
 * transport layer, libevent evhttp). */
#ifndef LOGDECK_SERVER_FEED_H
#define LOGDECK_SERVER_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Unsent output past which a stream is not fed until it drains. */
#define FEED_OUTBUF_MAX ((size_t)4 << 20)

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
	bool verbose;        /* log stream starts and ends */
};

/* Where a new stream starts. */
struct feed_start {
	bool has_last_id; /* a Last-Event-ID header came */
	int64_t last_id;  /* its value */
	long tail;        /* >= 0: that many events back; -1: from the oldest */
	const char *who;  /* the client (NULL: anonymous), copied */
	int64_t expires_ms; /* epoch ms its token expires (0: never) */
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

#endif
