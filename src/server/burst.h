/* burst.h - benchmark sources whose events are computed from their id,
 * never stored (server model layer). */
#ifndef LOGDECK_SERVER_BURST_H
#define LOGDECK_SERVER_BURST_H

#include <stddef.h>
#include <stdint.h>

/* Room one rendered burst event needs (they are about 160 bytes). */
#define BURST_LINE_MAX 512
/* Most burst sources one server offers. */
#define BURST_SOURCES_MAX 1000

struct store;

/* Timestamp cache for burst_render; zero it before first use. */
struct burst_clock {
	int64_t secs;
	char prefix[21]; /* "2024-12-07T14:23:45." */
	int valid;
};

/* Wrap inner (ownership passes to the result): automations burst-1 ...
 * burst-n are added, each completed with count events; every other source
 * is inner's. NULL on failure (inner is then freed). */
struct store *burst_store_new(struct store *inner, unsigned n, int64_t count);
/* Write event i (1-based) of burst source src as one JSON line into out
 * (BURST_LINE_MAX bytes); returns its length. A pure function of src and
 * i; clk only caches the timestamp text. */
size_t burst_render(
    char *out, unsigned src, int64_t i, struct burst_clock *clk);

#endif
