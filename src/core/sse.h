/* sse.h - incremental WHATWG event-stream parser (protocol layer, no I/O). */
#ifndef LOGDECK_SSE_H
#define LOGDECK_SSE_H

#include <stdbool.h>
#include <stddef.h>

/* Default cap on one event's data (and on a data line); see sse_new. */
#define SSE_DEFAULT_MAX_EVENT (1024 * 1024)
/* Cap on the value of any other field: id, event, retry and comments
 * (lowered to max_event when that is smaller). A longer event type or
 * comment is cut; a longer id or retry is ignored, since a cut one would
 * be wrong. Lines of unknown fields are skipped without being stored. */
#define SSE_MAX_FIELD 4096
/* What sse_memory never exceeds for a parser made with max_event m. */
#define SSE_MEMORY_MAX(m) ((m) + 5 * (size_t)SSE_MAX_FIELD)

/* One dispatched event. Every pointer is valid only during the callback;
 * copy what you keep. Strings are not NUL-terminated (data may hold NULs). */
struct sse_event {
	const char *type; /* "message" when the event had no event field */
	size_t type_len;
	const char *data; /* data lines joined with \n, last LF removed */
	size_t data_len;
	const char *id; /* the stream's last event id after this event */
	size_t id_len;
	size_t truncated; /* bytes cut from the data because of the cap */
};

/* What the parser reports. on_event is required; the rest may be NULL.
 * A callback may call sse_reconnect (the rest of the chunk being fed is
 * then dropped) or sse_free (the parser goes away when sse_feed returns),
 * but must not call sse_feed. */
struct sse_callbacks {
	void (*on_event)(const struct sse_event *ev, void *arg);
	/* A comment line (": keepalive"); text excludes the leading colon. */
	void (*on_comment)(const char *text, size_t len, void *arg);
	/* A valid retry field, in milliseconds. */
	void (*on_retry)(long ms, void *arg);
};

struct sse_parser;

/* Create a parser; max_event caps an event's data (0: the default). Data
 * past the cap is dropped and counted in sse_event.truncated. cb is
 * copied. NULL when on_event is missing or on allocation failure. */
struct sse_parser *sse_new(
    const struct sse_callbacks *cb, void *arg, size_t max_event);
/* Free a parser; NULL is fine. */
void sse_free(struct sse_parser *p);
/* Feed the next chunk of the stream, split anywhere (even mid UTF-8 or
 * mid CRLF); calls the callbacks for everything completed by it. */
void sse_feed(struct sse_parser *p, const char *buf, size_t len);
/* Start a new connection (also the way to end one): the unfinished event
 * and its id are dropped, the BOM may come again, the last event id is kept
 * (it seeds the new connection). */
void sse_reconnect(struct sse_parser *p);
/* The last event id (empty when none); valid until the next feed, or,
 * asked from a callback, until the sse_feed that made it returns (it may
 * point into that chunk). */
const char *sse_last_id(const struct sse_parser *p, size_t *len);
/* Set the last event id (and the id of the event being received), e.g.
 * from a backfill before the stream opens. Returns 0, or -1 when id holds
 * a NUL or is longer than SSE_MAX_FIELD (or max_event): nothing changed;
 * or -1 on allocation failure: the id is empty. */
int sse_set_last_id(struct sse_parser *p, const char *id, size_t len);
/* The last valid retry value in ms, or -1 when the stream sent none. */
long sse_retry(const struct sse_parser *p);
/* Bytes the parser holds now, itself and its buffers; never more than
 * SSE_MEMORY_MAX(max_event), whatever the input. */
size_t sse_memory(const struct sse_parser *p);

#endif
