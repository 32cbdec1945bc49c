/* query.h - what an API request names: its path split into a route, and
 * the numbers of its query string and Last-Event-ID header (server
 * protocol layer). Apart from the handlers so that they can be tested and
 * fuzzed without HTTP (fuzz/fuzz_query.c). */
#ifndef LOGDECK_SERVER_QUERY_H
#define LOGDECK_SERVER_QUERY_H

#include "core/source.h"

/* Longest request path routed (anything longer cannot be a valid one). */
#define QUERY_PATH_MAX 512
/* Largest number a query parameter or Last-Event-ID may hold (18 digits:
 * below 2^63, so no sum of two overflows). */
#define QUERY_NUMBER_MAX 999999999999999999LL

/* What a request is about, once routed:
 * /api/KIND[/ID[/logs|/status|/runs[/RUN]]]. */
struct query_route {
	enum source_kind kind;
	char id[QUERY_PATH_MAX];  /* decoded; "" for the kind's list */
	const char *sub;          /* "logs", "status", "runs" or NULL */
	char run[QUERY_PATH_MAX]; /* .../runs/RUN: RUN decoded, else "" */
};

/* Split path (not decoded) into *r; 0, or -1 when it is no API path (a
 * segment that decodes to nothing, to a NUL or past QUERY_PATH_MAX bytes
 * included). */
int query_route(const char *path, struct query_route *r);
/* Read v, all decimal digits, as a number in [0, QUERY_NUMBER_MAX] into
 * *out, lowered to max when above it; 0, or -1 (*out left alone) when v
 * is anything else. */
int query_number(const char *v, long long max, long long *out);

#endif
