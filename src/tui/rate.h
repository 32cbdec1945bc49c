/* rate.h - events per second over the last few seconds, for the
 * sparklines and the status bar (model layer). */
#ifndef LOGDECK_RATE_H
#define LOGDECK_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds of history kept (one sparkline cell each). */
#define RATE_SECONDS 8

struct rate {
	uint32_t bucket[RATE_SECONDS]; /* counts per second, ring */
	uint64_t sec;                  /* the second bucket[sec % N] holds */
};

/* Count n events at time now_ms (loop_now()). */
void rate_add(struct rate *r, uint64_t now_ms, uint32_t n);
/* Events per second over the last complete seconds at now_ms. */
double rate_per_sec(const struct rate *r, uint64_t now_ms);
/* Write a sparkline of RATE_SECONDS cells (oldest first), scaled to its
 * own maximum, as UTF-8 block elements (or ASCII when !utf8) into out. */
void rate_spark(
    const struct rate *r, uint64_t now_ms, int utf8, char *out, size_t outlen);
/* The sparkline glyphs of both rate_spark and the pane timeline: n cells
 * of v (oldest first) scaled to max, NUL-terminated within outlen. */
void spark_render(const uint32_t *v, int n, uint32_t max, bool utf8,
    char *out, size_t outlen);

#endif
