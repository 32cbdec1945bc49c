/* sse.h - incremental WHATWG event-stream parser (protocol layer, no I/O). */
#ifndef LOGDECK_SSE_H
#define LOGDECK_SSE_H

#include <stdbool.h>
#include <stddef.h>

/* Default cap on one line and on one event's data; see sse_new. */
#define SSE_DEFAULT_MAX_EVENT (1024 * 1024)

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

/* What the parser reports. on_event is required; the rest may be NULL. */
struct sse_callbacks {
	void (*on_event)(const struct sse_event *ev, void *arg);
	/* A comment line (": keepalive"); text excludes the leading colon. */
	void (*on_comment)(const char *text, size_t len, void *arg);
	/* A valid retry field, in milliseconds. */
	void (*on_retry)(long ms, void *arg);
};

struct sse_parser;

/* Create a parser; max_event caps a line and an event's data (0: default).
 * Input past the cap is dropped and counted in sse_event.truncated. */
struct sse_parser *sse_new(const struct sse_callbacks *cb, void *arg,
    size_t max_event);
/* Free a parser; NULL is fine. */
void sse_free(struct sse_parser *p);
/* Feed the next chunk of the stream, split anywhere (even mid UTF-8 or
 * mid CRLF); calls the callbacks for everything completed by it. */
void sse_feed(struct sse_parser *p, const char *buf, size_t len);
/* Start a new connection: the unfinished event is dropped, the BOM may come
 * again, the last event id is kept (it seeds the new connection). */
void sse_reconnect(struct sse_parser *p);
/* The last event id (empty when none); valid until the next feed. */
const char *sse_last_id(const struct sse_parser *p, size_t *len);
/* Set the last event id, e.g. from a backfill before the stream opens. */
void sse_set_last_id(struct sse_parser *p, const char *id, size_t len);
/* The last valid retry value in ms, or -1 when the stream sent none. */
long sse_retry(const struct sse_parser *p);

#endif
