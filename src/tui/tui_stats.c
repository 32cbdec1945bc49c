/* tui_stats.c - the view's pass instrument (tui_stats.h): per pass a few
 * clock reads and a histogram bump, the longest passes kept with what
 * they did, and a summary written at exit to the file LOGDECK_PASS_STATS
 * names. Its cost when off is one test per pass. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "tui/tui_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* The thread's CPU time in us and its involuntary context switches (two
 * system calls: made only while the instrument is on). */
static void
tui_stats_cpu(uint64_t *cpu_us, uint64_t *preempt)
{
	struct timespec ts;
	struct rusage ru;

	*cpu_us = 0;
	*preempt = 0;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		*cpu_us = (uint64_t)ts.tv_sec * 1000000 +
		          (uint64_t)ts.tv_nsec / 1000;
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		*preempt = (uint64_t)ru.ru_nivcsw;
}

bool
tui_stats_init(struct tui_stats *st, uint64_t sb_end)
{
	const char *path = getenv(TUI_STATS_ENV);

	memset(st, 0, sizeof *st);
	if (path == NULL || path[0] == '\0')
		return false;
	st->pass_hist = calloc(TUI_STATS_BUCKETS, sizeof *st->pass_hist);
	st->key_hist = calloc(TUI_STATS_BUCKETS, sizeof *st->key_hist);
	if (st->pass_hist == NULL || st->key_hist == NULL) {
		free(st->pass_hist);
		free(st->key_hist);
		st->pass_hist = st->key_hist = NULL;
		return false;
	}
	st->on = true;
	st->path = path;
	st->t0_us = loop_now_us();
	st->sb_end_seen = sb_end;
	tui_stats_cpu(&st->cpu_seen_us, &st->preempt_seen);
	return true;
}

/* Count a duration of us microseconds in histogram h. */
static void
tui_stats_bump(uint32_t *h, uint64_t us)
{
	uint64_t b = us / TUI_STATS_BUCKET_US;

	h[b < TUI_STATS_BUCKETS ? b : TUI_STATS_BUCKETS - 1]++;
}

void
tui_stats_key(struct tui_stats *st)
{
	if (!st->on)
		return;
	st->cur.key = true;
	if (st->key_at_us == 0)
		st->key_at_us = loop_now_us();
}

void
tui_stats_drawn(struct tui_stats *st, uint32_t draw_us)
{
	uint64_t d;

	if (!st->on)
		return;
	st->cur.draw_us = draw_us;
	st->draws++;
	if (st->busy_first_us != 0)
		st->busy_draws++;
	if (st->key_at_us != 0) {
		d = loop_now_us() - st->key_at_us;
		tui_stats_bump(st->key_hist, d);
		if (d > st->key_max_us)
			st->key_max_us = d;
		st->keys++;
		st->key_at_us = 0;
	}
}

/* A pass's own time: everything but its sleep. */
static uint64_t
tui_stats_busy(const struct tui_pass_rec *r)
{
	return (uint64_t)r->loop.input_us + r->loop.curl_us +
	       r->loop.timers_us + r->loop.after_us;
}

void
tui_stats_pass(struct tui_stats *st, const struct loop_pass *p,
    uint64_t sb_end)
{
	struct tui_pass_rec *r = &st->cur;
	uint64_t us, cpu, preempt;
	int i;

	if (!st->on)
		return;
	tui_stats_cpu(&cpu, &preempt);
	r->cpu_us = (uint32_t)(cpu - st->cpu_seen_us);
	r->preempt = (uint32_t)(preempt - st->preempt_seen);
	st->cpu_seen_us = cpu;
	st->preempt_seen = preempt;
	r->loop = *p;
	r->at_us = p->start_us - st->t0_us;
	r->lines = (uint32_t)(sb_end - st->sb_end_seen);
	st->sb_end_seen = sb_end;
	st->lines += r->lines;
	if (r->lines > 0) {
		if (st->busy_first_us == 0)
			st->busy_first_us = p->start_us;
		st->busy_last_us = p->start_us + tui_stats_busy(r);
	}
	st->passes++;
	us = tui_stats_busy(r);
	tui_stats_bump(st->pass_hist, us);
	if (us > st->pass_max_us)
		st->pass_max_us = us;
	/* Keep the longest, longest first: insert by shifting the shorter
	 * ones down (a few dozen bytes moved, only for a new record). */
	if (st->nlongest < TUI_STATS_LONGEST ||
	    us > tui_stats_busy(&st->longest[st->nlongest - 1])) {
		if (st->nlongest < TUI_STATS_LONGEST)
			st->nlongest++;
		for (i = st->nlongest - 1;
		     i > 0 && tui_stats_busy(&st->longest[i - 1]) < us; i--)
			st->longest[i] = st->longest[i - 1];
		st->longest[i] = *r;
	}
	memset(r, 0, sizeof *r);
}

/* The value below which a fraction q of the n counts of h lie, in us
 * (the upper edge of its bucket). */
static uint64_t
tui_stats_pct(const uint32_t *h, uint64_t n, double q)
{
	uint64_t want = (uint64_t)((double)n * q), seen = 0;
	int b;

	for (b = 0; b < TUI_STATS_BUCKETS; b++) {
		seen += h[b];
		if (seen > want)
			return (uint64_t)(b + 1) * TUI_STATS_BUCKET_US;
	}
	return (uint64_t)TUI_STATS_BUCKETS * TUI_STATS_BUCKET_US;
}

void
tui_stats_finish(struct tui_stats *st)
{
	double secs, busy;
	FILE *f;
	int i;

	if (!st->on)
		return;
	st->on = false;
	f = fopen(st->path, "w");
	if (f == NULL)
		goto out; /* nowhere to say it but the terminal: silent */
	secs = (double)(loop_now_us() - st->t0_us) / 1e6;
	busy = st->busy_last_us > st->busy_first_us
	           ? (double)(st->busy_last_us - st->busy_first_us) / 1e6
	           : 0;
	fprintf(f, "# logdeck view: loop passes (%s)\n", TUI_STATS_ENV);
	fprintf(f, "seconds %.3f\n", secs);
	fprintf(f, "passes %llu\n", (unsigned long long)st->passes);
	fprintf(f, "draws %llu\n", (unsigned long long)st->draws);
	fprintf(f, "fps %.1f\n", secs > 0 ? (double)st->draws / secs : 0);
	fprintf(f, "lines %llu\n", (unsigned long long)st->lines);
	fprintf(f, "busy_seconds %.3f\n", busy);
	fprintf(f, "busy_draws %llu\n", (unsigned long long)st->busy_draws);
	/* Over a shorter span a rate says nothing: 0. */
	fprintf(f, "busy_fps %.1f\n",
	    busy * 1e6 >= TUI_STATS_BUSY_MIN_US ? (double)st->busy_draws / busy
	                                        : 0);
	fprintf(f, "pass_ms p50 %.1f p99 %.1f p999 %.1f max %.1f\n",
	    tui_stats_pct(st->pass_hist, st->passes, 0.5) / 1e3,
	    tui_stats_pct(st->pass_hist, st->passes, 0.99) / 1e3,
	    tui_stats_pct(st->pass_hist, st->passes, 0.999) / 1e3,
	    st->pass_max_us / 1e3);
	fprintf(f, "keys %llu\n", (unsigned long long)st->keys);
	fprintf(f, "key_to_frame_ms p50 %.1f p99 %.1f max %.1f\n",
	    tui_stats_pct(st->key_hist, st->keys, 0.5) / 1e3,
	    tui_stats_pct(st->key_hist, st->keys, 0.99) / 1e3,
	    st->key_max_us / 1e3);
	fprintf(f, "# longest passes, ms (at: s since start; bytes: stream "
	           "data parsed; after = lists + watch + work + draw + rest;\n"
	           "# resume, sockets: of curl, resuming paused transfers, "
	           "curl's timeouts and ready sockets;\n"
	           "# cpu: the thread's CPU time, preempt: involuntary "
	           "context switches, since the pass before)\n");
	fprintf(f, "longest at busy sleep input curl bytes timers after "
	           "lists watch work draw lines key ready paused cpu preempt resume "
	           "sockets\n");
	for (i = 0; i < st->nlongest; i++) {
		const struct tui_pass_rec *r = &st->longest[i];

		fprintf(f,
		    "pass %.3f %.1f %.1f %.1f %.1f %zu %.1f %.1f %.1f %.1f "
		    "%.1f %.1f %u %d %d %zu %.1f %u %.1f %.1f\n",
		    r->at_us / 1e6, tui_stats_busy(r) / 1e3,
		    r->loop.sleep_us / 1e3, r->loop.input_us / 1e3,
		    r->loop.curl_us / 1e3, r->loop.bytes,
		    r->loop.timers_us / 1e3, r->loop.after_us / 1e3,
		    r->lists_us / 1e3, r->watch_us / 1e3, r->work_us / 1e3,
		    r->draw_us / 1e3, r->lines, r->key ? 1 : 0,
		    r->loop.nready, r->loop.paused, r->cpu_us / 1e3,
		    r->preempt, r->loop.resume_us / 1e3,
		    r->loop.sockets_us / 1e3);
	}
	fclose(f);
out:
	free(st->pass_hist);
	free(st->key_hist);
	st->pass_hist = st->key_hist = NULL;
}
