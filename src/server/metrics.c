/* metrics.c - the registry: plain static numbers updated in place, and the
 * text exposition written from them on each scrape. A family whose
 * numbers are all zero is still written (with HELP and TYPE), so a
 * dashboard sees it from the start. */
#include "metrics.h"
#include "store.h"

#include <stdio.h>

#include <event2/buffer.h>

/* Most upper bounds of one histogram (+Inf besides). */
#define METRICS_BUCKETS_MAX 16

/* One histogram: its bounds (ascending, count of them) and, per bucket,
 * the observations at or below the bound and above the one before; the
 * last slot holds those above every bound. */
struct metrics_hist_def {
	const char *name;
	const char *help;
	double bounds[METRICS_BUCKETS_MAX];
	int nbounds;
};

static const struct metrics_hist_def metrics_hist_defs[METRICS_HIST_COUNT] = {
    [METRICS_INGEST_BATCH] = {"logdeck_ingest_batch_events",
        "Events per accepted POST .../logs request.",
        {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000}, 13},
    [METRICS_INGEST_SECONDS] = {"logdeck_ingest_duration_seconds",
        "Time to check and store one POST .../logs batch, from its body "
        "read to the store's answer.",
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5},
        14},
    [METRICS_NOTIFY_SECONDS] = {"logdeck_notify_delay_seconds",
        "PostgreSQL: time from this server's commit of a batch to its "
        "NOTIFY arriving on the LISTEN connection.",
        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10},
        14},
};

/* The counts of one histogram. */
struct metrics_hist_val {
	uint64_t buckets[METRICS_BUCKETS_MAX + 1];
	uint64_t count;
	double sum;
};

static uint64_t metrics_counters[METRICS_COUNTER_COUNT];
static struct metrics_hist_val metrics_hists[METRICS_HIST_COUNT];
/* Open streams by kind; [kind][1] are live lists. */
static int64_t metrics_streams[SOURCE_KIND_COUNT][2];
/* Unsent stream output, all streams (feed.c keeps it exact). */
static size_t metrics_buffered;
/* Answers by status code; [0] counts codes out of range. */
static uint64_t metrics_codes[METRICS_CODE_MAX + 1];

void
metrics_add(enum metrics_counter c, uint64_t n)
{
	metrics_counters[c] += n;
}

void
metrics_stream_buffered(size_t bytes)
{
	metrics_buffered = bytes;
}

void
metrics_observe(enum metrics_hist h, double v)
{
	const struct metrics_hist_def *d = &metrics_hist_defs[h];
	struct metrics_hist_val *x = &metrics_hists[h];
	int i;

	for (i = 0; i < d->nbounds && v > d->bounds[i]; i++)
		;
	x->buckets[i]++;
	x->count++;
	x->sum += v;
}

void
metrics_stream(enum source_kind kind, bool list, int delta)
{
	if ((int)kind >= 0 && (int)kind < SOURCE_KIND_COUNT)
		metrics_streams[kind][list ? 1 : 0] += delta;
}

void
metrics_response(int code)
{
	metrics_codes[code >= 100 && code <= METRICS_CODE_MAX ? code : 0]++;
}

/* Write a family's HELP and TYPE lines. */
static void
metrics_head(
    struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(
	    out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Write an unlabelled counter or gauge. */
static void
metrics_one(struct evbuffer *out, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	metrics_head(out, name, type, help);
	evbuffer_add_printf(out, "%s %llu\n", name, v);
}

/* Write one histogram: cumulative buckets, +Inf, sum and count. */
static void
metrics_hist_write(struct evbuffer *out, enum metrics_hist h)
{
	const struct metrics_hist_def *d = &metrics_hist_defs[h];
	const struct metrics_hist_val *x = &metrics_hists[h];
	uint64_t below = 0;
	int i;

	metrics_head(out, d->name, "histogram", d->help);
	for (i = 0; i < d->nbounds; i++) {
		below += x->buckets[i];
		evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n", d->name,
		    d->bounds[i], (unsigned long long)below);
	}
	evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", d->name,
	    (unsigned long long)x->count);
	evbuffer_add_printf(out, "%s_sum %.9g\n%s_count %llu\n", d->name,
	    x->sum, d->name, (unsigned long long)x->count);
}

/* Write the open streams by kind and type. */
static void
metrics_streams_write(struct evbuffer *out)
{
	int k, l;

	metrics_head(out, "logdeck_streams_open", "gauge",
	    "Event streams open now, by kind of source and type (log: one "
	    "source's log, list: the live list of a kind).");
	for (k = 0; k < SOURCE_KIND_COUNT; k++) {
		for (l = 0; l < 2; l++)
			evbuffer_add_printf(out,
			    "logdeck_streams_open{kind=\"%s\",type=\"%s\"} "
			    "%lld\n",
			    source_kind_path((enum source_kind)k),
			    l ? "list" : "log",
			    (long long)metrics_streams[k][l]);
	}
}

/* Write the answers by status code (the codes answered so far). */
static void
metrics_codes_write(struct evbuffer *out)
{
	int c;

	metrics_head(out, "logdeck_http_responses_total", "counter",
	    "HTTP answers by status code (401: refused token, 429: too many "
	    "streams); code 0 counts codes out of range.");
	for (c = 0; c <= METRICS_CODE_MAX; c++) {
		if (metrics_codes[c] > 0)
			evbuffer_add_printf(out,
			    "logdeck_http_responses_total{code=\"%d\"} %llu\n",
			    c, (unsigned long long)metrics_codes[c]);
	}
}

int
metrics_render(
    struct evbuffer *out, const struct store_stats *store, long connections)
{
	const uint64_t *c = metrics_counters;
	int h;

	metrics_streams_write(out);
	metrics_one(out, "logdeck_streams_dropped_slow_total", "counter",
	    "Streams cut because their client did not read for "
	    "--stall-timeout.",
	    c[METRICS_STREAMS_DROPPED_SLOW]);
	metrics_one(out, "logdeck_streams_dropped_memory_total", "counter",
	    "Streams cut because the unsent output of all streams reached "
	    "--max-stream-memory while their client was behind.",
	    c[METRICS_STREAMS_DROPPED_MEMORY]);
	metrics_one(out, "logdeck_stream_buffered_bytes", "gauge",
	    "Unsent output of all streams, held in this process.",
	    (unsigned long long)metrics_buffered);
	metrics_one(out, "logdeck_events_ingested_total", "counter",
	    "Events stored from POST .../logs requests.",
	    c[METRICS_EVENTS_INGESTED]);
	metrics_one(out, "logdeck_ingest_replayed_total", "counter",
	    "POST .../logs retries answered from their Idempotency-Key, "
	    "storing nothing.",
	    c[METRICS_INGEST_REPLAYED]);
	metrics_head(out, "logdeck_events_served_total", "counter",
	    "Events sent to clients, on streams and in polling answers.");
	evbuffer_add_printf(out,
	    "logdeck_events_served_total{via=\"stream\"} %llu\n"
	    "logdeck_events_served_total{via=\"poll\"} %llu\n",
	    (unsigned long long)c[METRICS_EVENTS_SERVED_STREAM],
	    (unsigned long long)c[METRICS_EVENTS_SERVED_POLL]);
	for (h = 0; h < METRICS_HIST_COUNT; h++)
		metrics_hist_write(out, (enum metrics_hist)h);
	if (store != NULL) {
		metrics_one(out, "logdeck_store_events", "gauge",
		    store->exact ? "Events the store holds."
		                 : "Events the store holds: PostgreSQL's "
		                   "estimate (statistics of the logs table).",
		    (unsigned long long)store->events);
		metrics_one(out, "logdeck_store_bytes", "gauge",
		    store->exact ? "Bytes of event text the store holds."
		                 : "Bytes the logs table and its indexes take "
		                   "on disk.",
		    (unsigned long long)store->bytes);
		if (store->memory_max > 0) {
			metrics_one(out, "logdeck_store_memory_bytes", "gauge",
			    "Bytes the in-memory store allocates (events as "
			    "malloc lays them out, rings, sources, runs).",
			    (unsigned long long)store->memory);
			metrics_one(out, "logdeck_store_memory_limit_bytes",
			    "gauge",
			    "The in-memory store's budget, "
			    "--max-store-memory.",
			    (unsigned long long)store->memory_max);
		}
	}
	metrics_one(out, "logdeck_store_evicted_events_total", "counter",
	    "Events the store let go: past --ring or its byte bound in "
	    "memory, by --retain-days with PostgreSQL.",
	    c[METRICS_STORE_EVICTED]);
	metrics_one(out, "logdeck_store_memory_evicted_events_total", "counter",
	    "Events the in-memory store let go, the oldest of all sources, "
	    "to stay within --max-store-memory.",
	    c[METRICS_STORE_EVICTED_MEMORY]);
	metrics_codes_write(out);
	metrics_one(out, "logdeck_connections_open", "gauge",
	    "Client connections open now (both listeners).",
	    (unsigned long long)(connections > 0 ? connections : 0));
	metrics_one(out, "logdeck_connections_refused_total", "counter",
	    "Connections answered 503 and closed because --max-connections "
	    "were open.",
	    c[METRICS_CONN_REFUSED]);
	metrics_one(out, "logdeck_connections_header_timeouts_total",
	    "counter",
	    "Connections cut because a request head was not complete "
	    "--header-timeout after its first byte.",
	    c[METRICS_CONN_HEADER_TIMEOUT]);
	metrics_one(out, "logdeck_connections_body_timeouts_total", "counter",
	    "Connections answered 408 and cut because a request body was not "
	    "complete --body-timeout after its head.",
	    c[METRICS_CONN_BODY_TIMEOUT]);
	metrics_one(out, "logdeck_listen_reconnects_total", "counter",
	    "Times the PostgreSQL LISTEN connection was re-established after "
	    "it was lost.",
	    c[METRICS_LISTEN_RECONNECTS]);
	/* evbuffer_add_printf fails only when out of memory. */
	return evbuffer_get_length(out) > 0 ? 0 : -1;
}
