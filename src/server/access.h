/* access.h - the access log: one line on stderr per answered request and
 * per finished stream, text or JSON (--log-format), never a token: the
 * query string keeps only the parameters named in access.c, headers are
 * never written (server transport layer). Every record is counted in the
 * metrics by status code, whether the log is on or not. */
#ifndef LOGDECK_SERVER_ACCESS_H
#define LOGDECK_SERVER_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest target (path and kept parameters) written; longer ones are
 * cut. */
#define ACCESS_TARGET_MAX 512
/* Longest client address "ADDR:PORT". */
#define ACCESS_PEER_MAX 80

struct evhttp_request;

/* One finished exchange. */
struct access_entry {
	const char *method; /* "GET", ... */
	const char *target; /* from access_target */
	const char *peer;   /* from access_peer */
	int status;
	uint64_t bytes;      /* body bytes sent */
	int64_t duration_us; /* from handling the request to the answer (a
	                        stream: to its end) */
	const char *stream;  /* a stream: how it ended; NULL: a request */
};

/* Write access lines (the log is off until this is called with true). */
void access_set(bool on);
/* The request's method name. */
const char *access_method(struct evhttp_request *req);
/* The request's path with only the known-safe query parameters kept,
 * into out (ACCESS_TARGET_MAX + 1 bytes). */
void access_target(struct evhttp_request *req, char *out);
/* The client's "ADDR:PORT" into out (ACCESS_PEER_MAX bytes). */
void access_peer(struct evhttp_request *req, char *out);
/* Count e's status in the metrics and, when the log is on, write it. */
void access_record(const struct access_entry *e);

#endif
