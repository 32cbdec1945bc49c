/* stall.h - is a running automation quiet? (model layer, no I/O, no
 * clock: the caller passes the time, so tests run on a simulated one).
 * It learns the usual gap between lines of one source from its recent
 * history (the 90th percentile of the last STALL_HISTORY gaps, measured on
 * the lines' own timestamps so that history arriving in one burst still
 * teaches the job's rhythm) and calls the source quiet once it has been
 * silent for STALL_FACTOR times that and at least the floor. Only lines
 * count: a stream's keepalives never reach it. */
#ifndef LOGDECK_STALL_H
#define LOGDECK_STALL_H

#include <stdbool.h>
#include <stdint.h>

/* Recent gaps kept per source. */
#define STALL_HISTORY 64
/* Quiet: silent this many times the usual gap (and past the floor). */
#define STALL_FACTOR 10
/* The floor when the configuration names none (stall_floor). */
#define STALL_FLOOR_DEFAULT_MS (5 * 60 * 1000)

struct stall {
	int64_t floor_ms;
	int64_t last_seen; /* caller's clock at the last line; <0: none */
	int64_t last_ts;   /* the last line's own time, INT64_MIN: none */
	uint32_t gaps[STALL_HISTORY];
	unsigned ngaps, next;
	bool told; /* quiet was reported since the last line */
};

/* Set up s with a floor (ms, > 0). */
void stall_init(struct stall *s, int64_t floor_ms);
/* A line arrived at now (caller's clock, ms) with its own time ts (Unix
 * ms, INT64_MIN when unknown: the arrival time is used). */
void stall_line(struct stall *s, int64_t now, int64_t ts);
/* Forget the silence (a run ended or started): nothing is quiet until
 * the next line. The learned gaps stay. */
void stall_pause(struct stall *s);
/* The usual gap (ms), or -1 before STALL_FACTOR gaps were seen. */
int64_t stall_usual(const struct stall *s);
/* When, on the caller's clock, s turns quiet if no line comes; -1 when it
 * is not watched (no line yet, paused, or already told). */
int64_t stall_due(const struct stall *s);
/* True once per silence, when s is quiet at now: *silent_ms is how long
 * it has been silent. */
bool stall_check(struct stall *s, int64_t now, int64_t *silent_ms);

#endif
