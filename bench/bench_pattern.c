/* bench_pattern.c - the cost of shaping messages (core/pattern.c): ns per
 * message over realistic log messages, against a plain strlen + FNV-1a
 * hash of the same bytes measured in the same run as the baseline.
 *
 * Usage: bench_pattern [messages]   (default 1000000; best of 3 runs) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pattern.h"

#define BENCH_RUNS 3

static const char *const bench_templates[] = {
    "Starting automation execution",
    "Processed batch %u of 40 (%u rows)",
    "Fetched page %u from upstream API in %ums",
    "retrying upload of chunk %u (attempt %u)",
    "Wrote %u rows to warehouse.events_daily",
    "Connection pool exhausted, waiting for a free slot",
    "Schema check passed for table \"orders_%u\" (%u)",
    "request 3f9a2b1c-%04x-4e5f-9a8b-%012x failed: HTTP 503",
    "Validation failed: field 'email' is empty in %u records",
    "Checkpoint saved at offset %u",
};

/* Seconds of the monotonic clock. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The baseline: what any look at each message costs (length + hash). */
static uint64_t
bench_fnv(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i, bytes = 0;
	char **msgs, text[PATTERN_TEXT_MAX + 1];
	double best_base = 1e9, best_norm = 1e9, best_hash = 1e9, t0, t;
	unsigned seed = 12345;
	uint64_t sink = 0;
	int r;

	if (n == 0)
		n = 1;
	if ((msgs = malloc(n * sizeof *msgs)) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		char line[256];

		seed = seed * 1103515245u + 12345u;
		snprintf(line, sizeof line, bench_templates[(seed >> 8) % 10],
		    seed >> 12, (seed >> 4) % 5000);
		if ((msgs[i] = strdup(line)) == NULL)
			return 1;
		bytes += strlen(line);
	}
	for (r = 0; r < BENCH_RUNS; r++) {
		t0 = bench_now();
		for (i = 0; i < n; i++)
			sink += bench_fnv(msgs[i]);
		if ((t = bench_now() - t0) < best_base)
			best_base = t;
		t0 = bench_now();
		for (i = 0; i < n; i++)
			sink += pattern_hash(msgs[i], strlen(msgs[i]));
		if ((t = bench_now() - t0) < best_hash)
			best_hash = t;
		t0 = bench_now();
		for (i = 0; i < n; i++)
			sink += pattern_norm(
			    msgs[i], strlen(msgs[i]), text, sizeof text);
		if ((t = bench_now() - t0) < best_norm)
			best_norm = t;
	}
	printf("%zu messages, %.0f bytes each on average, best of %d runs\n",
	    n, (double)bytes / n, BENCH_RUNS);
	printf("%-34s %8.1f ns/message\n", "strlen + FNV-1a (baseline)",
	    best_base * 1e9 / n);
	printf("%-34s %8.1f ns/message  %.2fx baseline\n",
	    "pattern_hash (shape, hash only)", best_hash * 1e9 / n,
	    best_hash / best_base);
	printf("%-34s %8.1f ns/message  %.2fx baseline\n",
	    "pattern_norm (shape text + hash)", best_norm * 1e9 / n,
	    best_norm / best_base);
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	return sink == 42 ? 2 : 0;
}
