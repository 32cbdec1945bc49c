/* tui_stats.h - the view's pass instrument: when LOGDECK_PASS_STATS names
 * a file, the view records what each loop pass cost (loop.h's breakdown
 * plus its own: scans, rules, redraw, lines taken in), keeps the longest
 * passes and histograms of pass time and key-to-frame time, and writes a
 * summary to that file at exit. Never to the terminal. */
#ifndef LOGDECK_TUI_STATS_H
#define LOGDECK_TUI_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "net/loop.h"

/* The environment variable naming the summary file. */
#define TUI_STATS_ENV "LOGDECK_PASS_STATS"
/* Longest passes kept, with their breakdown. */
#define TUI_STATS_LONGEST 16
/* Histogram buckets: TUI_STATS_BUCKET_US wide each, the last one holds
 * everything longer (so 0.1 ms resolution up to 400 ms). */
#define TUI_STATS_BUCKET_US 100
#define TUI_STATS_BUCKETS 4000
/* Shortest span of passes taking in lines over which a frame rate while
 * busy is given. */
#define TUI_STATS_BUSY_MIN_US 1000000

/* One pass: the loop's breakdown and the view's share of its after_us. */
struct tui_pass_rec {
	struct loop_pass loop;
	uint64_t at_us;     /* since the view started */
	uint32_t lists_us;  /* tui_lists_apply */
	uint32_t watch_us;  /* tui_watch_pass (rules, stall) */
	uint32_t work_us;   /* tui_work + tui_save_step (sliced scans) */
	uint32_t draw_us;   /* tui_draw, 0 when the pass did not draw */
	uint32_t cpu_us;    /* CPU the thread used since the last pass */
	uint32_t preempt;   /* involuntary context switches meanwhile */
	uint32_t lines;     /* lines the scrollback took in */
	bool key;           /* the pass read a key */
};

/* The instrument's state (in struct tui; all zero: off). */
struct tui_stats {
	bool on;
	const char *path;       /* from the environment */
	uint64_t t0_us;
	uint64_t passes, draws, keys, lines;
	uint64_t busy_first_us; /* first and last pass that took in lines */
	uint64_t busy_last_us;
	uint64_t busy_draws;    /* draws between them */
	uint64_t sb_end_seen;   /* sb_end() at the last pass's end */
	uint64_t key_at_us;     /* oldest key not yet drawn, 0: none */
	uint64_t cpu_seen_us;   /* thread CPU time at the last pass's end */
	uint64_t preempt_seen;  /* involuntary switches then */
	struct tui_pass_rec cur; /* the pass under way */
	struct tui_pass_rec longest[TUI_STATS_LONGEST];
	int nlongest;
	uint32_t *pass_hist;    /* TUI_STATS_BUCKETS, owned */
	uint32_t *key_hist;     /* TUI_STATS_BUCKETS, owned */
	uint64_t pass_max_us, key_max_us;
};

/* Switch the instrument on when the environment asks; false when off or
 * out of memory (the view then runs without it). */
bool tui_stats_init(struct tui_stats *st, uint64_t sb_end);
/* A key was read (the clock of key-to-frame starts at the first one). */
void tui_stats_key(struct tui_stats *st);
/* A frame was drawn, taking draw_us. */
void tui_stats_drawn(struct tui_stats *st, uint32_t draw_us);
/* Record the pass the loop reports, sb_end being the scrollback's end
 * now (called from the view's loop pass hook). */
void tui_stats_pass(struct tui_stats *st, const struct loop_pass *p,
    uint64_t sb_end);
/* Write the summary to the file and free the histograms. */
void tui_stats_finish(struct tui_stats *st);

#endif
