/* stream.h - live log streams: SSE over the shared curl multi handle with
 * reconnect, Last-Event-ID resume, backoff and stall detection
 * (transport layer). */
#ifndef LOGDECK_STREAM_H
#define LOGDECK_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"

struct loop;
struct client_cfg;
struct source;
struct stream;
struct stream_mgr;

enum stream_state {
	STREAM_CONNECTING,   /* request sent, no answer yet */
	STREAM_LIVE,         /* 200 text/event-stream, events flowing */
	STREAM_POLLING,      /* the server has no streams: polling ?after= */
	STREAM_WAITING,      /* waiting to reconnect (backoff or Retry-After) */
	STREAM_RENEWING,     /* the token was refused: waiting for a new one */
	STREAM_ENDED,        /* the run reached a terminal status */
	STREAM_GONE,         /* 404 or 204: stopped for good */
	STREAM_UNAUTHORIZED, /* 401 or 403: stopped, credentials refused */
	STREAM_FAILED,       /* any other unrecoverable error */
};

/* What a view shows about a stream; read with stream_status. */
struct stream_status {
	enum stream_state state;
	enum run_status run; /* last run status seen (RUN_UNKNOWN at first) */
	bool has_exit_code;
	int exit_code;
	unsigned attempt;  /* reconnects since the last healthy connection */
	uint64_t retry_at; /* loop_now() of the next attempt when WAITING */
	uint64_t ceiling;  /* the backoff ceiling of that wait, in ms */
	uint64_t since;    /* loop_now() when this state began */
	bool stalled;      /* the last drop was for silence (stall) */
	bool renew_retry;  /* WAITING after a token renewal that failed for
	                    * now (error says why), not after a drop */
	long http_status;  /* of the last answer (0: none yet) */
	unsigned long long events; /* log events delivered */
	unsigned long long resets; /* retention gaps reported by the server */
	unsigned reauths;          /* times the token was renewed and resumed */
	char error[256];           /* the last error, one line, or "" */
};

/* Callbacks from the stream manager, always from the loop. Event pointers
 * are valid only during the call; copy what you keep. */
struct stream_handlers {
	void (*on_log)(struct stream *s, const struct log_event *ev, void *arg);
	void (*on_status)(
	    struct stream *s, const struct status_event *st, void *arg);
	/* The stream_state (or its error, attempt, retry time) changed. */
	void (*on_state)(struct stream *s, void *arg);
	/* The server no longer holds the resume point: lines before oldest_id
	 * that were not received are lost (the gap is shown, never silent);
	 * or, renumbered, the server numbers anew (it was restarted) and the
	 * stream goes on from its oldest line. */
	void (*on_reset)(
	    struct stream *s, long long oldest_id, bool renumbered, void *arg);
};

/* Create a manager of streams on loop's multi handle. cfg and h must
 * outlive it. */
struct stream_mgr *stream_mgr_new(struct loop *loop,
    const struct client_cfg *cfg, const struct stream_handlers *h, void *arg);
/* Close every stream and free the manager; NULL is fine. */
void stream_mgr_free(struct stream_mgr *m);
/* Where a stream starts and whether it follows run after run (doc/api.md,
 * "Where the stream starts" and "Runs on a stream"). Zero-initialise, then
 * set tail and after to -1 unless used. The strings are copied. */
struct stream_start {
	long tail;         /* >= 0: that many lines back */
	long long after;   /* >= 0: after this event id (lines already held) */
	const char *since; /* an ISO 8601 time, or NULL */
	const char *run; /* a run: number, runId, current, previous; or NULL */
	bool all_runs;   /* runs=all: a terminal status does not end it */
};

/* Open a stream of src (copied) starting as start says. NULL on
 * allocation failure. */
struct stream *stream_open(struct stream_mgr *m, const struct source *src,
    const struct stream_start *start);
/* Close a stream and free it; safe from inside its own callbacks. */
void stream_close(struct stream *s);
/* The source the stream follows. */
const struct source *stream_source(const struct stream *s);
/* The stream's current status. */
const struct stream_status *stream_status(const struct stream *s);
/* A short name for a state ("live", "reconnecting", ...). */
const char *stream_state_name(enum stream_state st);
/* True when the stream will not deliver anything more. */
bool stream_finished(const struct stream *s);
/* Attach the caller's pointer to a stream. */
void stream_set_data(struct stream *s, void *data);
void *stream_data(const struct stream *s);

#endif
