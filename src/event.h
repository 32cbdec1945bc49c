/* event.h - decoding of log-stream event payloads (protocol layer, no I/O). */
#ifndef LOGDECK_EVENT_H
#define LOGDECK_EVENT_H

#include <stdbool.h>
#include <stddef.h>

/* Log levels in rising severity; LEVEL_OTHER is a level we do not know,
 * kept as written and ranked like INFO. */
enum level {
	LEVEL_TRACE,
	LEVEL_DEBUG,
	LEVEL_INFO,
	LEVEL_WARN,
	LEVEL_ERROR,
	LEVEL_FATAL,
	LEVEL_OTHER,
};
#define LEVEL_COUNT 7

/* The state of an automation's run, as the API names it. */
enum run_status {
	RUN_UNKNOWN,
	RUN_QUEUED,
	RUN_RUNNING,
	RUN_COMPLETED,
	RUN_FAILED,
	RUN_CANCELLED,
};

/* A piece of text that is not NUL-terminated and may contain NULs. */
struct span {
	const char *p;
	size_t n;
};

/* One decoded log event. Every span points into the decoder or the input
 * and is valid only until the next event_decode on the same decoder. */
struct log_event {
	long long id;          /* -1 when the event carries none */
	struct span timestamp; /* as sent (ISO 8601), empty when absent */
	enum level level;      /* LEVEL_INFO when absent */
	struct span level_name; /* canonical (WARN for "warning"), or as sent */
	struct span message;   /* unescaped; may hold NULs and bad UTF-8 */
	struct span task;      /* empty when absent */
	struct span run_id;    /* empty when absent */
	struct span raw;       /* the event data exactly as received */
	bool json;             /* raw is a JSON object (extra fields live there) */
	size_t truncated;      /* bytes the transport cut from raw (SSE cap) */
};

/* A run-state change (event: status). */
struct status_event {
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	struct span timestamp;
};

struct event_decoder;

/* Create a decoder; it owns the scratch space its results point into. */
struct event_decoder *event_decoder_new(void);
/* Free a decoder; NULL is fine. */
void event_decoder_free(struct event_decoder *d);
/* Decode the data of one log event. Never fails: data that is not a JSON
 * object becomes the message of an INFO event, bad JSON included. */
void event_decode(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out);
/* Decode every object of a JSON array of log events (the polling API),
 * calling cb for each in order; returns the count, or -1 when data is not
 * a JSON array. */
long event_decode_array(struct event_decoder *d, const char *data,
    size_t len, void (*cb)(const struct log_event *ev, void *arg), void *arg);
/* Decode the data of an "event: status"; 0, or -1 when unusable. */
int event_decode_status(const char *data, size_t len, struct status_event *out);
/* Decode the data of an "event: reset"; returns oldestId, or -1. */
long long event_decode_reset(const char *data, size_t len);

/* Map a level name (any case, WARNING too) to a level. */
enum level level_parse(const char *s, size_t n);
/* The canonical name of a level ("INFO"); "OTHER" for LEVEL_OTHER. */
const char *level_name(enum level l);
/* Map a status name to a run status (RUN_UNKNOWN when unknown). */
enum run_status run_status_parse(const char *s, size_t n);
/* The API name of a run status ("completed"), "unknown" for RUN_UNKNOWN. */
const char *run_status_name(enum run_status s);
/* True for completed, failed and cancelled: the stream ends after them. */
bool run_status_terminal(enum run_status s);

#endif
