/* bench_format.c - follow-mode throughput: decode + format of realistic
 * log events (~150 bytes of JSON each) into a buffer, against a cJSON
 * parse-only loop over the same data as the baseline.
 *
 * Usage: bench_format [events]   (default 1000000; best of 3 runs each) */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/format.h"

/* Output is flushed (dropped) whenever it reaches this, as a write would. */
#define BENCH_FLUSH (64 * 1024)
#define BENCH_RUNS 3

struct corpus {
	char *data;  /* all events, back to back */
	size_t *off; /* start of event i; off[n] is the end */
	size_t n;
};

static const char *const bench_messages[] = {
    "Starting automation execution",
    "Processed batch 17 of 40 (2500 rows)",
    "Fetched page 3 from upstream API in 182 ms",
    "Retrying request after HTTP 503 (attempt 2/5)",
    "Wrote 12873 rows to warehouse.events_daily",
    "Connection pool exhausted, waiting for a free slot",
    "Schema check passed for table \\\"orders\\\"",
    "Query plan:\\n  Seq Scan on orders\\n  Filter: (status = 'open')",
    "Validation failed: field \\\"email\\\" is empty in 3 records",
    "Checkpoint saved at offset 99231",
};

/* Fill c with n events; timestamps advance 1 ms per event. */
static void
bench_corpus(struct corpus *c, size_t n)
{
	static const char *const levels[] = {"INFO", "INFO", "INFO", "INFO",
	    "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
	size_t cap = n * 200, len = 0, i;
	long long ms;
	unsigned seed = 12345;
	int w;

	c->data = malloc(cap);
	c->off = malloc((n + 1) * sizeof *c->off);
	if (c->data == NULL || c->off == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		ms = 45123 + (long long)i;
		c->off[i] = len;
		w = snprintf(c->data + len, cap - len,
		    "{\"id\":%zu,\"timestamp\":\"2024-12-07T14:%02lld:%02lld."
		    "%03lldZ\",\"level\":\"%s\",\"message\":\"%s\","
		    "\"task\":\"data_sync\",\"runId\":\"run-7f3a9c2e\"}",
		    1000 + i, (23 + ms / 60000) % 60, ms / 1000 % 60, ms % 1000,
		    levels[(seed >> 16) % 10],
		    bench_messages[(seed >> 8) % 10]);
		len += (size_t)w;
	}
	c->off[n] = len;
	c->n = n;
}

/* Seconds of the monotonic clock. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass of decode (+ format unless f is NULL); returns seconds. */
static double
bench_logdeck(const struct corpus *c, struct formatter *f, const char *source)
{
	struct event_decoder *d = event_decoder_new();
	struct log_event ev;
	struct buf out;
	size_t i, total = 0;
	double t0 = bench_now(), t;

	buf_init(&out, 4 * BENCH_FLUSH);
	for (i = 0; i < c->n; i++) {
		event_decode(
		    d, c->data + c->off[i], c->off[i + 1] - c->off[i], &ev);
		if (f == NULL) {
			total += ev.message.n;
			continue;
		}
		if (formatter_event(f, &out, source, &ev) != 0)
			abort();
		if (out.len >= BENCH_FLUSH) {
			total += out.len;
			buf_clear(&out);
		}
	}
	t = bench_now() - t0;
	total += out.len;
	if (total == 0)
		abort();
	buf_free(&out);
	event_decoder_free(d);
	return t;
}

/* One pass of cJSON parse + delete over the same events; seconds. */
static double
bench_cjson(const struct corpus *c)
{
	cJSON *o;
	size_t i, total = 0;
	double t0 = bench_now(), t;

	for (i = 0; i < c->n; i++) {
		o = cJSON_ParseWithLength(
		    c->data + c->off[i], c->off[i + 1] - c->off[i]);
		if (o == NULL)
			abort();
		total += o->child != NULL;
		cJSON_Delete(o);
	}
	t = bench_now() - t0;
	if (total != c->n)
		abort();
	return t;
}

/* The best (shortest) of BENCH_RUNS passes of a logdeck loop. */
static double
bench_best(
    const struct corpus *c, const struct format_opts *o, const char *source)
{
	struct formatter *f;
	double best = 1e9, t;
	int r;

	for (r = 0; r < BENCH_RUNS; r++) {
		f = o != NULL ? formatter_new(o) : NULL;
		t = bench_logdeck(c, f, source);
		formatter_free(f);
		if (t < best)
			best = t;
	}
	return best;
}

int
main(int argc, char **argv)
{
	struct corpus c;
	struct format_opts text = {OUTPUT_TEXT, false, false, false};
	struct format_opts rich = {OUTPUT_TEXT, true, false, true};
	struct format_opts json = {OUTPUT_JSON, false, false, true};
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	double base = 1e9, t;
	int r;

	if (n == 0)
		n = 1;
	setenv("TZ", "Europe/Berlin", 0);
	tzset();
	bench_corpus(&c, n);
	printf("%zu events, %.0f bytes each on average, best of %d runs\n", n,
	    (double)c.off[n] / n, BENCH_RUNS);
	for (r = 0; r < BENCH_RUNS; r++) {
		t = bench_cjson(&c);
		if (t < base)
			base = t;
	}
	printf(
	    "%-34s %10.0f events/s\n", "cJSON parse only (baseline)", n / base);
	t = bench_best(&c, NULL, NULL);
	printf("%-34s %10.0f events/s  %.2fx baseline\n", "decode only", n / t,
	    base / t);
	t = bench_best(&c, &text, NULL);
	printf("%-34s %10.0f events/s  %.2fx baseline\n",
	    "decode + text (follow mode)", n / t, base / t);
	t = bench_best(&c, &rich, "nightly-etl");
	printf("%-34s %10.0f events/s  %.2fx baseline\n",
	    "decode + text, source, colour", n / t, base / t);
	t = bench_best(&c, &json, "nightly-etl");
	printf("%-34s %10.0f events/s  %.2fx baseline\n", "decode + json",
	    n / t, base / t);
	free(c.data);
	free(c.off);
	return 0;
}
