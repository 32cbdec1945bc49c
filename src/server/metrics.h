/* metrics.h - the server's counters, gauges and histograms and their
 * Prometheus text exposition, format 0.0.4 (server model layer, no I/O).
 * One registry per process in static storage: updating it never
 * allocates, histograms have fixed buckets, and every call happens on
 * the event loop's thread. doc/api.md ("Health and metrics") lists the
 * families. */
#ifndef LOGDECK_SERVER_METRICS_H
#define LOGDECK_SERVER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source.h" /* enum source_kind */

/* The Content-Type of the exposition. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Highest HTTP status counted by code (each code has its own counter). */
#define METRICS_CODE_MAX 599

/* The counters. */
enum metrics_counter {
	METRICS_EVENTS_INGESTED,      /* events POST .../logs stored */
	METRICS_EVENTS_SERVED_STREAM, /* events sent on streams */
	METRICS_EVENTS_SERVED_POLL,   /* events sent in polling answers */
	METRICS_STREAMS_DROPPED_SLOW, /* streams cut for not reading */
	METRICS_STREAMS_DROPPED_MEMORY, /* cut over --max-stream-memory */
	METRICS_STORE_EVICTED,        /* events the store let go */
	METRICS_LISTEN_RECONNECTS,    /* LISTEN connection re-established */
	METRICS_INGEST_REPLAYED,      /* batches answered from their key */
	METRICS_CONN_REFUSED,         /* refused over --max-connections */
	METRICS_CONN_HEADER_TIMEOUT,  /* cut at --header-timeout */
	METRICS_CONN_BODY_TIMEOUT,    /* cut at --body-timeout */
	METRICS_STORE_EVICTED_MEMORY, /* let go for --max-store-memory */
	METRICS_COUNTER_COUNT
};

/* The histograms. */
enum metrics_hist {
	METRICS_INGEST_BATCH,   /* events per POST .../logs */
	METRICS_INGEST_SECONDS, /* parse and store of one POST .../logs */
	METRICS_NOTIFY_SECONDS, /* own commit to its NOTIFY arriving */
	METRICS_HIST_COUNT
};

struct evbuffer;
struct store_stats;

/* Add n to a counter. */
void metrics_add(enum metrics_counter c, uint64_t n);
/* Count v into a histogram. */
void metrics_observe(enum metrics_hist h, double v);
/* A stream of kind opened (delta 1) or ended (-1); list: a live list. */
void metrics_stream(enum source_kind kind, bool list, int delta);
/* The unsent output of every stream together is now bytes. */
void metrics_stream_buffered(size_t bytes);
/* Count one answer with HTTP status code. */
void metrics_response(int code);
/* Write every family to out. store: what the store holds, or NULL when it
 * cannot tell (its gauges are left out); connections: the client
 * connections open now. Returns 0, or -1 when out of memory. */
int metrics_render(
    struct evbuffer *out, const struct store_stats *store, long connections);

#endif
