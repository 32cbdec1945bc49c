/* policy.h - what a stream does when a transfer ends: reconnect after a
 * delay, stop with an exit status, renew the token, or go on polling;
 * decided by one pure function over a small struct of facts, with the
 * backoff and Retry-After arithmetic beside it. No curl, no loop: the
 * stream translates what it saw into facts first (transport layer). */
#ifndef LOGDECK_POLICY_H
#define LOGDECK_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"

/* Reconnect delay base when the server sent no retry field. */
#define POLICY_DEFAULT_RETRY_MS 1000
/* Shortest wait before any reconnect, Retry-After included: a server
 * that answers "Retry-After: 0" (or a date in the past) on every attempt
 * must not be asked thousands of times a second. */
#define POLICY_MIN_WAIT_MS 100
/* Longest Retry-After honoured; a larger one is clamped. */
#define POLICY_MAX_RETRY_AFTER_MS (10 * 60 * 1000)
/* Renewals in a row that may fail to be accepted before giving up. */
#define POLICY_MAX_REAUTH 2
/* The backoff ceiling doubles at most this many times. */
#define POLICY_MAX_DOUBLINGS 16

/* Exit statuses of a finished stream in follow mode (an interface:
 * --help and logdeck(1), EXIT STATUS). */
#define POLICY_EXIT_OK 0
#define POLICY_EXIT_RUN_FAILED 1
#define POLICY_EXIT_UNREACHABLE 3

/* How the transfer ended at the transport level. */
enum policy_net {
	POLICY_NET_OK,
	POLICY_NET_FATAL, /* a certificate or URL problem: waiting won't fix */
	POLICY_NET_ERROR, /* refused, reset, timed out, ...: transient */
};

/* What the transfer asked for. */
enum policy_req {
	POLICY_REQ_STREAM,     /* ?stream=true */
	POLICY_REQ_POLL_LOGS,  /* polling fallback: ?after= */
	POLICY_REQ_POLL_STATE, /* polling fallback: the run or the source */
};

/* The facts a decision rests on. */
struct policy_facts {
	enum policy_net net;
	long status; /* HTTP status of the answer, 0: none */
	enum policy_req req;
	bool is_sse;         /* a 200 text/event-stream to a stream request */
	bool is_json;        /* a 200 application/json answer */
	bool terminal;       /* a terminal run status arrived */
	bool too_big;        /* the answer passed the body limit */
	bool token_expired;  /* the server ended the stream: token expired */
	bool renewable;      /* a renewal may still help (see stream.c) */
	bool uses_runs;      /* the stream asks about runs */
	bool no_runs;        /* the server was found to have no runs API */
	bool has_run;        /* the stream names a run (run=) */
	bool body_names_run; /* the 404's error text speaks of the run */
};

enum policy_action {
	POLICY_ENDED,         /* stop: the run ended */
	POLICY_POLL,          /* a polling answer: read it, poll on */
	POLICY_RENEW,         /* renew the token, then reconnect at once */
	POLICY_RETRY,         /* reconnect after the backoff */
	POLICY_RUNS_FALLBACK, /* no runs API: poll the source's status */
	POLICY_GONE,          /* stop: nothing more (204) or not found */
	POLICY_UNAUTHORIZED,  /* stop: the token is refused for good */
	POLICY_FAILED,        /* stop: any other unrecoverable error */
};

/* Why, for the message the stream writes. */
enum policy_why {
	POLICY_WHY_NONE,
	POLICY_WHY_TOO_BIG,      /* the polling answer is too large */
	POLICY_WHY_NOT_JSON,     /* polling: the answer is not JSON */
	POLICY_WHY_TRANSPORT,    /* curl's own words */
	POLICY_WHY_CLOSED,       /* a clean end without a terminal status */
	POLICY_WHY_NO_MORE_LOGS, /* 204 */
	POLICY_WHY_NO_RUN,       /* 404: the run is missing */
	POLICY_WHY_NOT_FOUND,    /* 404: the source is missing */
	POLICY_WHY_UNAUTHORIZED, /* 401, 403 or an expired token */
	POLICY_WHY_BUSY,         /* 429, 5xx, 408 */
	POLICY_WHY_REFUSED,      /* any other status */
};

struct policy_decision {
	enum policy_action action;
	enum policy_why why;
};

/* What to do with a finished transfer. */
struct policy_decision policy_decide(const struct policy_facts *f);

/* When to reconnect. */
struct policy_wait {
	uint64_t delay_ms;   /* from now */
	uint64_t ceiling_ms; /* the backoff ceiling it was drawn under */
};

/* Capped exponential backoff with full jitter from base_ms (the server's
 * retry; <= 0: POLICY_DEFAULT_RETRY_MS) at attempt (0 first), at least
 * POLICY_MIN_WAIT_MS. A Retry-After (retry_after_ms >= 0) is a lower
 * bound only: the ceiling still doubles on every failed attempt, so
 * refusals in a row back off even when each says "now". rnd is any
 * random number; the jitter is rnd modulo the ceiling. */
struct policy_wait policy_backoff(long base_ms, unsigned attempt,
    long cap_ms, long retry_after_ms, uint64_t rnd);
/* A Retry-After of secs seconds (a date already made seconds from now)
 * in ms, clamped to POLICY_MAX_RETRY_AFTER_MS; -1 when negative (not a
 * usable value). */
long policy_retry_after_ms(long long secs);

/* The exit status of a stream stopped by stop (POLICY_ENDED, _GONE,
 * _UNAUTHORIZED or _FAILED) after an answer of http_status, the run in
 * state run with its exit code when it has one; -1 for an action that
 * does not stop. */
int policy_exit_status(enum policy_action stop, long http_status,
    enum run_status run, bool has_exit_code, int exit_code);

#endif
