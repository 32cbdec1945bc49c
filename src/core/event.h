/* event.h - decoding of log-stream event payloads (protocol layer, no I/O). */
#ifndef LOGDECK_EVENT_H
#define LOGDECK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most bytes of unescaped field text a decoder keeps for one event (its
 * scratch area never grows past this). Unescaping never lengthens text, so
 * events up to this size (the SSE layer's cap) always fit; past it, field
 * text is cut and the cut input bytes are counted in truncated. */
#define EVENT_SCRATCH_MAX (1024 * 1024)

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
 * and is valid only until the next event_decode on the same decoder.
 * truncated: event_decode sets the input bytes EVENT_SCRATCH_MAX made it
 * drop (0 for events up to that size); the transport adds what it cut. */
struct log_event {
	long long id;           /* -1 when the event carries none */
	struct span timestamp;  /* as sent (ISO 8601), empty when absent */
	/* timestamp in Unix ms, parsed once by event_decode (the one
	 * parser, event_parse_time): INT64_MIN when absent or unparsable.
	 * Whoever builds an event by hand sets it too. */
	int64_t ts_ms;
	enum level level;       /* LEVEL_INFO when absent */
	struct span level_name; /* canonical (WARN for "warning"), or as sent */
	struct span message;    /* unescaped; may hold NULs and bad UTF-8 */
	struct span task;       /* empty when absent */
	struct span run_id;     /* empty when absent */
	struct span raw;        /* the event data exactly as received */
	bool json;              /* raw is a JSON object (extras live there) */
	/* raw is a JSON object without whitespace whose keys have no
	 * escapes and whose members are no objects, arrays, \u escapes or
	 * "source": when it is also all printable ASCII (not checked here),
	 * written member by member with strings sanitised it comes out
	 * unchanged (format's fast path for JSON output). */
	bool plain;
	size_t truncated; /* bytes cut by the transport or decoder caps */
};

/* A run-state change (event: status). */
struct status_event {
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	struct span timestamp; /* into the data, JSON escapes left as sent */
	int64_t ts_ms;         /* timestamp in Unix ms; INT64_MIN: none */
	/* Run boundaries (doc/api.md, "Runs on a stream"): the run this
	 * status starts or ends; run 0 and empty spans when absent. */
	long long run;
	struct span run_id;
	int64_t started_ms; /* INT64_MIN when absent */
	int64_t ended_ms;   /* INT64_MIN when absent */
};

struct event_decoder;

/* Create a decoder; it owns the scratch space its results point into. */
struct event_decoder *event_decoder_new(void);
/* Free a decoder; NULL is fine. */
void event_decoder_free(struct event_decoder *d);
/* Decode the data of one log event. Never fails: data that is not a JSON
 * object becomes the message of an INFO event, bad JSON included.
 * Members: id (a number or numeric string >= 0, else -1), timestamp,
 * level (case insensitive, WARNING is WARN; empty means INFO), message
 * (else msg), task, runId. A string value is unescaped (\u0000 kept as a NUL
 * byte, lone surrogates as U+FFFD); any other value is kept as its JSON text;
 * null counts as absent. With duplicate keys the last one wins. */
void event_decode(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out);
/* Decode the data of a log event cut by a size cap (data is its first len
 * bytes). A JSON object keeps the members that arrived whole (id,
 * timestamp, level... when they come first) and, when the cut fell inside
 * a message (or msg) string, the whole characters of it before the cut;
 * other data becomes a text event, as in event_decode. The caller sets
 * truncated. */
void event_decode_cut(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out);
/* Decode every element of a JSON array of log events (the polling API),
 * calling cb for each in order (an element that is not an object becomes a
 * text event, as in event_decode); returns the count, or -1 (no callback
 * made) when data is not a valid JSON array. */
long event_decode_array(struct event_decoder *d, const char *data, size_t len,
    void (*cb)(const struct log_event *ev, void *arg), void *arg);
/* Decode the data of an "event: status" (or a run object); 0, or -1 when
 * it is not a JSON object with a string "status" (an unknown name gives
 * RUN_UNKNOWN). run is a positive integer, runId a string (its span is the
 * body as sent), startedAt and endedAt ISO 8601 times; others count as
 * absent. */
int event_decode_status(const char *data, size_t len, struct status_event *out);
/* Decode the data of an "event: reset"; returns oldestId (a number or
 * numeric string >= 0), or -1. */
long long event_decode_reset(const char *data, size_t len);
/* True when a reset says the server numbers anew (reason "unknown": it
 * has nothing as new as the resume point, e.g. it was restarted with an
 * empty store), not that it dropped lines (reason "retention"). */
bool event_reset_renumbered(const char *data, size_t len);

/* Parse an ISO 8601 timestamp ("2024-05-01T12:00:00.123Z", offsets,
 * fraction of any length) to Unix ms; INT64_MIN when unusable. */
int64_t event_parse_time(const char *s, size_t n);
/* Length of the part of an ISO timestamp up to its seconds
 * ("2024-05-01T12:00:00"). */
#define EVENT_TIME_HEAD 19
/* The last timestamp a caller parsed, up to its seconds, and what that
 * part came to: lines of one second then parse only their fraction and
 * zone. Zero it to start. */
struct event_time_memo {
	char head[EVENT_TIME_HEAD];
	int64_t secs; /* Unix seconds of head, before any offset */
	bool valid;
	/* The same for event_format_time_memo's output. */
	char out[EVENT_TIME_HEAD];
	int64_t out_secs;
	bool out_valid;
};
/* event_parse_time, reusing and updating m (NULL: none). */
int64_t event_parse_time_memo(
    struct event_time_memo *m, const char *s, size_t n);
/* Length of the timestamps event_format_time writes. */
#define EVENT_TIME_LEN 24
/* Write Unix ms as "2024-05-01T12:00:00.123Z" (EVENT_TIME_LEN bytes, no
 * NUL) to out, the inverse of event_parse_time for that shape; false
 * (nothing written) outside the years 0000 to 9999. */
bool event_format_time(int64_t ms, char out[EVENT_TIME_LEN]);
/* event_format_time, reusing and updating m's last output (NULL: none):
 * times of one second only write their milliseconds. */
bool event_format_time_memo(
    struct event_time_memo *m, int64_t ms, char out[EVENT_TIME_LEN]);

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
