/* newerr.h - new versus seen errors in follow mode (--new-errors), for one
 * source: the patterns (core/pattern.h) of the WARN-and-above lines of the
 * automation's last successful run (the newest run before the one being
 * read that completed, with exit code 0 or none) are fetched on the shared
 * curl multi handle; the lines to judge are held, in order with the run
 * boundaries, until the baseline they need is in; then only the lines
 * whose pattern is not in it are passed on. Every line of a new pattern is
 * passed on, not only its first. Nothing here blocks the loop. */
#ifndef LOGDECK_NEWERR_H
#define LOGDECK_NEWERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct client_cfg;
struct source;
struct newerr;

/* Most lines of the baseline run read (NEWERR_PAGE at a time). Past
 * them the baseline is what was read: said once on stderr, and a pattern
 * that first occurs later in that run counts as new. */
#define NEWERR_BASELINE_MAX 100000
/* Lines asked for per page of the baseline: the API's largest page, few
 * round trips (halved, down to 1, while an answer is larger than
 * FETCH_MAX_BODY). */
#define NEWERR_PAGE 10000
/* Most distinct patterns a baseline keeps (8 bytes each, twice over in the
 * table); past them further patterns of the baseline are not added (said
 * once), so their lines count as new. */
#define NEWERR_PATTERNS_MAX 16384
/* Successful runs remembered (the server lists at most the newest 1024);
 * past it the oldest is forgotten. */
#define NEWERR_RUNS_MAX 1024
/* Lines (and bytes of formatted text) held while a baseline is fetched.
 * Past either the oldest held line is printed unjudged, as if new (said
 * once): a slow server never hides an error, and nothing is lost. */
#define NEWERR_HOLD_LINES 100000
#define NEWERR_HOLD_BYTES (32 * 1024 * 1024)

/* Where judged lines and notes go (the follow mode's output). */
struct newerr_out {
	/* A line to print: formatted text (n bytes, ending in \n). */
	void (*line)(const char *p, size_t n, void *arg);
	/* A note the caller built for stderr (n bytes), passed through in
	 * order with the lines. */
	void (*note)(const char *p, size_t n, void *arg);
	/* A note of newerr's own, one line of trusted text that may quote
	 * the server: the caller names the source, escapes and writes it. */
	void (*say)(const char *text, void *arg);
	void *arg;
};

/* Start judging the lines of src (borrowed, as are cfg and loop; they
 * must outlive it): asks for its runs at once, then for the current
 * run's baseline before any line needs it. prefetch: when a run
 * completes, fetch it as the next run's baseline before that run starts
 * (for run-after-run following). NULL on allocation failure. */
struct newerr *newerr_new(struct loop *loop, const struct client_cfg *cfg,
    const struct source *src, bool prefetch, const struct newerr_out *out);
/* Cancel its fetches and free it; held lines are dropped. NULL is fine. */
void newerr_free(struct newerr *ne);
/* Run run has started (a run boundary of the stream). */
void newerr_run_started(struct newerr *ne, long long run);
/* Run run has ended; ok: it completed with exit code 0 or none, so it is
 * the baseline of the runs after it. */
void newerr_run_ended(struct newerr *ne, long long run, bool ok);
/* Judge a line of run run (0: unknown, taken as the current run) whose
 * message has the pattern hash hash; text (n bytes, copied when held) is
 * what out->line gets if the pattern is new. Give only lines that would be
 * printed: WARN and above, past the caller's filters. */
void newerr_line(struct newerr *ne, long long run, uint64_t hash,
    const char *text, size_t n);
/* Pass a note (n bytes, copied when held) to out->note in order with the
 * lines given before it. */
void newerr_note(struct newerr *ne, const char *text, size_t n);
/* True when the lines are judged against a successful run's patterns
 * now (false while there is none, or before it is read). */
bool newerr_has_baseline(const struct newerr *ne);
/* True when nothing is held (a follow may end). */
bool newerr_idle(const struct newerr *ne);

#endif
