/* bench_scrollback.c - the TUI model under a million lines: append,
 * re-filter by level and by pattern, search, and the longest single
 * slice (what one loop pass may cost), each next to a plain baseline
 * measured in the same run; then a merged pane's index and search by time
 * against the same by seq. Prints tables; it asserts no speed, but each
 * operation's count must equal its baseline's: a MISMATCH line and exit
 * status 3 say one does not (tests/integration/test_bench_model.py runs
 * it small in make check). */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/filter.h"
#include "tui/lineidx.h"
#include "tui/scrollback.h"
#include "tui/search.h"

/* Lines appended by default; argv[1] may ask for fewer or more. */
#define BENCH_LINES_DEFAULT 1000000
/* Most lines argv[1] may ask for (the store below is 512 MiB). */
#define BENCH_LINES_MAX 4000000

/* Lines appended in this run. */
static long bench_lines = BENCH_LINES_DEFAULT;
/* Lines per slice, as the viewer scans between two loop passes. */
#define BENCH_SLICE 4096
/* Sources of the merged-pane rows. */
#define BENCH_SOURCES 20
/* How far a source's clock may lag in the jitter row, in ms. */
#define BENCH_JITTER_MS 2000
/* Lines of each half of the history-block row. */
#define BENCH_BLOCK 100000
/* The exit status when a count differs from its baseline's. */
#define BENCH_EXIT_MISMATCH 3

/* Counts that differed from their baselines' so far. */
static int bench_mismatches;

/* Say so when what the model counted is not what the baseline did. */
static void
bench_count(const char *what, size_t got, long want)
{
	if ((long)got == want)
		return;
	printf("MISMATCH %s: %zu, baseline %ld\n", what, got, want);
	bench_mismatches++;
}

/* Monotonic time in ms. */
static double
bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One row of the table. */
static void
bench_row(const char *what, double ms, double base_ms, const char *base)
{
	printf("%-28s %10.1f %9.1f %10.1f %7.2fx  %s\n", what, ms,
	    ms * 1e6 / bench_lines, base_ms, base_ms > 0 ? ms / base_ms : 0,
	    base);
}

/* Build a 1M-line index of sb in order, in slices; the total ms, the
 * longest slice in *slice_ms, and -1 in *sorted when the order is wrong. */
static double
bench_index(struct scrollback *sb, enum lineidx_order order, double *slice_ms,
    int *sorted)
{
	struct lineidx li;
	struct filter f;
	struct sb_line a, b;
	double t0, t1, ms;
	size_t i;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, order);
	*slice_ms = 0;
	t0 = bench_ms();
	while (lineidx_pending(&li, sb)) {
		t1 = bench_ms();
		lineidx_scan(&li, sb, &f, BENCH_SLICE);
		if (bench_ms() - t1 > *slice_ms)
			*slice_ms = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	*sorted = lineidx_count(&li) == sb_end(sb) - sb_first(sb) ? 0 : -1;
	for (i = 1; order == LINEIDX_BY_TIME && i < lineidx_count(&li); i++) {
		sb_get(sb, lineidx_at(&li, i - 1), &a);
		sb_get(sb, lineidx_at(&li, i), &b);
		if (a.order_ms > b.order_ms)
			*sorted = -1;
	}
	lineidx_free(&li);
	filter_free(&f);
	return ms;
}

/* Search sb indexed in order for a word of every line (each line a match,
 * the worst case for keeping matches in order); the ms of the search
 * alone, its longest slice in *slice_ms, and -1 in *ok when a match is
 * missing. */
static double
bench_search(
    struct scrollback *sb, enum lineidx_order order, double *slice_ms, int *ok)
{
	struct lineidx li;
	struct search s;
	struct filter f;
	char err[128];
	double t0, t1, ms;

	filter_init(&f);
	lineidx_init(&li, sb);
	lineidx_set_order(&li, sb, order);
	while (lineidx_pending(&li, sb))
		lineidx_scan(&li, sb, &f, BENCH_SLICE);
	search_init(&s);
	search_start(&s, "rows", false, err, sizeof err);
	*slice_ms = 0;
	t0 = bench_ms();
	while (search_pending(&s, &li)) {
		t1 = bench_ms();
		search_scan(&s, &li, sb, BENCH_SLICE);
		if (bench_ms() - t1 > *slice_ms)
			*slice_ms = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	*ok = search_count(&s) == lineidx_count(&li) ? 0 : -1;
	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	return ms;
}

/* Store n lines whose times come from ms_of(i) (ms after a fixed start),
 * then index them by seq and by time; one row of the merged table. */
static void
bench_merged(const char *what, long n, int64_t (*ms_of)(long))
{
	struct scrollback *sb = sb_new((size_t)512 << 20);
	struct log_event ev;
	double seq_ms, time_ms, seq_slice, time_slice, t0, append_ms;
	double sseq_ms, stime_ms, sseq_slice, stime_slice;
	char ts[32];
	int64_t ms;
	long i;
	int ok_seq, ok_time, ok_sseq, ok_stime;

	memset(&ev, 0, sizeof ev);
	ev.level = LEVEL_INFO;
	ev.level_name.p = "INFO";
	ev.level_name.n = 4;
	ev.message.p = "transform: processed batch 329 (326 rows)";
	ev.message.n = strlen(ev.message.p);
	ev.raw = ev.message;
	ev.timestamp.p = ts;
	t0 = bench_ms();
	for (i = 0; i < n; i++) {
		ms = ms_of(i);
		ev.id = i;
		ev.timestamp.n = (size_t)snprintf(ts, sizeof ts,
		    "2024-12-07T%02d:%02d:%02d.%03dZ", (int)(ms / 3600000 % 24),
		    (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
		    (int)(ms % 1000));
		/* What event_decode does for every event. */
		ev.ts_ms = event_parse_time(ts, ev.timestamp.n);
		sb_append(sb, (uint16_t)(i % BENCH_SOURCES), &ev);
	}
	append_ms = bench_ms() - t0;
	seq_ms = bench_index(sb, LINEIDX_BY_SEQ, &seq_slice, &ok_seq);
	time_ms = bench_index(sb, LINEIDX_BY_TIME, &time_slice, &ok_time);
	sseq_ms = bench_search(sb, LINEIDX_BY_SEQ, &sseq_slice, &ok_sseq);
	stime_ms = bench_search(sb, LINEIDX_BY_TIME, &stime_slice, &ok_stime);
	printf("%-34s %9.1f %9.1f %9.1f %6.2fx %9.2f %9.2f\n", what, append_ms,
	    seq_ms, time_ms, seq_ms > 0 ? time_ms / seq_ms : 0, seq_slice,
	    time_slice);
	printf("%-34s %9s %9.1f %9.1f %6.2fx %9.2f %9.2f%s\n",
	    "  search, every line a match", "", sseq_ms, stime_ms,
	    sseq_ms > 0 ? stime_ms / sseq_ms : 0, sseq_slice, stime_slice,
	    ok_seq || ok_time || ok_sseq || ok_stime ? "  MISMATCH" : "");
	if (ok_seq || ok_time || ok_sseq || ok_stime)
		bench_mismatches++;
	sb_free(sb);
}

/* In order: one ms per line. */
static int64_t
bench_in_order(long i)
{
	return i;
}

/* Each source's clock lags a random 0..BENCH_JITTER_MS behind, so most
 * lines step back in time. */
static int64_t
bench_jitter(long i)
{
	return BENCH_JITTER_MS + i - rand() % BENCH_JITTER_MS;
}

/* BENCH_BLOCK live lines, then a history block of BENCH_BLOCK older ones
 * (source 0's, as if it was added to the merged pane late). */
static int64_t
bench_block(long i)
{
	return i < BENCH_BLOCK ? 3600000 + i : i - BENCH_BLOCK;
}

/* The merged-pane table: the same store indexed by seq and by time. */
static void
bench_merged_table(void)
{
	printf("\n%-34s %9s %9s %9s %7s %9s %9s\n",
	    "merged pane (index, search)", "append ms", "seq ms", "time ms",
	    "ratio", "seq slc", "time slc");
	srand(1);
	bench_merged(
	    "1M lines in order, 20 sources", BENCH_LINES_DEFAULT, bench_in_order);
	bench_merged(
	    "1M lines, 20 sources, 2 s jitter", BENCH_LINES_DEFAULT, bench_jitter);
	bench_merged(
	    "100k history block after 100k", 2 * BENCH_BLOCK, bench_block);
	printf("  (slc: longest %d-line slice in ms; ratio: time ms / seq "
	       "ms)\n",
	    BENCH_SLICE);
}

/* usage: bench_scrollback [LINES [--no-merged]] (bench/run.py passes
 * both: its quick run holds fewer lines and skips the merged table). */
int
main(int argc, char **argv)
{
	static const char *lv[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
	struct scrollback *sb = sb_new((size_t)512 << 20);
	char **msgs;
	unsigned char *levels;
	char *flat, err[128];
	size_t *lens, total = 0, off;
	struct log_event ev;
	struct filter f;
	struct lineidx li;
	struct search s;
	regex_t re;
	double t0, ms, base, slice_max = 0, t1;
	long hits = 0, i, got;
	char buf[160];
	bool merged = !(argc > 2 && strcmp(argv[2], "--no-merged") == 0);

	if (argc > 1)
		bench_lines = strtol(argv[1], NULL, 10);
	if (bench_lines < 1 || bench_lines > BENCH_LINES_MAX) {
		fprintf(stderr, "bench_scrollback: LINES 1..%d\n", BENCH_LINES_MAX);
		return 2;
	}
	msgs = malloc(bench_lines * sizeof *msgs);
	levels = malloc(bench_lines);
	lens = malloc(bench_lines * sizeof *lens);
	if (sb == NULL || msgs == NULL || levels == NULL || lens == NULL)
		return 1;
	for (i = 0; i < bench_lines; i++) {
		snprintf(buf, sizeof buf,
		    "GET /api/items/%ld status=%d "
		    "latency=%ldms worker=%ld request handled",
		    i, i % 97 == 0 ? 503 : 200, i % 1000, i % 16);
		msgs[i] = strdup(buf);
		lens[i] = strlen(buf);
		levels[i] = (unsigned char)(i % 5);
		total += lens[i];
	}
	flat = malloc(total);

	printf("%-28s %10s %9s %10s %8s  %s\n", "operation (all lines)", "ms",
	    "ns/line", "base ms", "ratio", "baseline");

	t0 = bench_ms();
	for (i = 0, off = 0; i < bench_lines; i++) {
		memcpy(flat + off, msgs[i], lens[i]);
		off += lens[i];
	}
	base = bench_ms() - t0;
	memset(&ev, 0, sizeof ev);
	t0 = bench_ms();
	for (i = 0; i < bench_lines; i++) {
		ev.id = i;
		ev.level = levels[i];
		ev.level_name.p = lv[levels[i]];
		ev.level_name.n = strlen(lv[levels[i]]);
		ev.message.p = msgs[i];
		ev.message.n = lens[i];
		ev.raw = ev.message;
		ev.timestamp.p = "2024-12-07T14:23:45.123Z";
		ev.timestamp.n = 24;
		ev.ts_ms = event_parse_time(ev.timestamp.p, 24);
		sb_append(sb, (uint16_t)(i % 20), &ev);
	}
	ms = bench_ms() - t0;
	bench_row("append (escape+copy+index)", ms, base, "memcpy of the text");

	/* Level floor: the cheap path reads only the index. */
	t0 = bench_ms();
	for (i = 0, got = 0; i < bench_lines; i++)
		got += levels[i] >= LEVEL_WARN;
	base = bench_ms() - t0;
	filter_init(&f);
	f.floor = LEVEL_WARN;
	lineidx_init(&li, sb);
	t0 = bench_ms();
	while (lineidx_pending(&li, sb)) {
		t1 = bench_ms();
		lineidx_scan(&li, sb, &f, BENCH_SLICE);
		if (bench_ms() - t1 > slice_max)
			slice_max = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	bench_row("refilter: level >= WARN", ms, base, "byte compare loop");
	bench_count("level >= WARN", lineidx_count(&li), got);
	printf("  longest %d-line slice: %.2f ms\n", BENCH_SLICE, slice_max);

	/* Pattern filter on the message, against one regexec per line.
	 * "message:" says so: "status=5[0-9][0-9]" alone is a test of the
	 * event's member "status" (filter.h), which these plain-text events
	 * do not have, and it kept no line. */
	regcomp(
	    &re, "status=5[0-9][0-9]", REG_EXTENDED | REG_ICASE | REG_NEWLINE);
	t0 = bench_ms();
	for (i = 0; i < bench_lines; i++)
		hits += regexec(&re, msgs[i], 0, NULL, 0) == 0;
	base = bench_ms() - t0;
	if (filter_push(&f, "message:status=5[0-9][0-9]", true, err,
	        sizeof err) == -1) {
		fprintf(stderr, "bench_scrollback: %s\n", err);
		return 1;
	}
	f.floor = LEVEL_TRACE;
	lineidx_rebuild(&li, sb);
	slice_max = 0;
	t0 = bench_ms();
	while (lineidx_pending(&li, sb)) {
		t1 = bench_ms();
		lineidx_scan(&li, sb, &f, BENCH_SLICE);
		if (bench_ms() - t1 > slice_max)
			slice_max = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	bench_row("refilter: &status=5xx", ms, base, "regexec loop");
	printf("  longest %d-line slice: %.2f ms (kept %zu, regexec %ld)\n",
	    BENCH_SLICE, slice_max, lineidx_count(&li), hits);
	bench_count("&status=5xx", lineidx_count(&li), hits);

	/* Search over all lines. */
	filter_clear(&f);
	lineidx_rebuild(&li, sb);
	while (lineidx_pending(&li, sb))
		lineidx_scan(&li, sb, &f, BENCH_SLICE);
	search_init(&s);
	search_start(&s, "latency=99[0-9]ms", false, err, sizeof err);
	regfree(&re);
	regcomp(
	    &re, "latency=99[0-9]ms", REG_EXTENDED | REG_ICASE | REG_NEWLINE);
	hits = 0;
	t0 = bench_ms();
	for (i = 0; i < bench_lines; i++)
		hits += regexec(&re, msgs[i], 0, NULL, 0) == 0;
	base = bench_ms() - t0;
	slice_max = 0;
	t0 = bench_ms();
	while (search_pending(&s, &li)) {
		t1 = bench_ms();
		search_scan(&s, &li, sb, BENCH_SLICE);
		if (bench_ms() - t1 > slice_max)
			slice_max = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	bench_row("search: latency=99x", ms, base, "regexec loop");
	printf("  longest %d-line slice: %.2f ms (matches %zu, regexec %ld)\n",
	    BENCH_SLICE, slice_max, search_count(&s), hits);
	bench_count("search latency=99x", search_count(&s), hits);

	/* Search for a plain substring (no regex operators). */
	search_free(&s);
	search_init(&s);
	search_start(&s, "status=503", false, err, sizeof err);
	hits = 0;
	t0 = bench_ms();
	for (i = 0; i < bench_lines; i++)
		hits += strstr(msgs[i], "status=503") != NULL;
	base = bench_ms() - t0;
	slice_max = 0;
	t0 = bench_ms();
	while (search_pending(&s, &li)) {
		t1 = bench_ms();
		search_scan(&s, &li, sb, BENCH_SLICE);
		if (bench_ms() - t1 > slice_max)
			slice_max = bench_ms() - t1;
	}
	ms = bench_ms() - t0;
	bench_row("search: status=503", ms, base, "strstr loop");
	printf("  longest %d-line slice: %.2f ms (matches %zu, strstr %ld)\n",
	    BENCH_SLICE, slice_max, search_count(&s), hits);
	bench_count("search status=503", search_count(&s), hits);
	printf("store: %zu bytes for %llu lines (%.1f bytes/line, text %.1f)\n",
	    sb_used(sb), (unsigned long long)(sb_end(sb) - sb_first(sb)),
	    (double)sb_used(sb) / (sb_end(sb) - sb_first(sb)),
	    (double)total / bench_lines);

	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	regfree(&re);
	sb_free(sb);
	for (i = 0; i < bench_lines; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	free(levels);
	free(flat);
	if (merged)
		bench_merged_table();
	return bench_mismatches > 0 ? BENCH_EXIT_MISMATCH : 0;
}
