/* bench_scrollback.c - the TUI model under a million lines: append,
 * re-filter by level and by pattern, search, and the longest single
 * slice (what one loop pass may cost), each next to a plain baseline
 * measured in the same run. Prints a table; it asserts nothing. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "lineidx.h"
#include "scrollback.h"
#include "search.h"

/* Lines appended. */
#define BENCH_LINES 1000000
/* Lines per slice, as the viewer scans between two loop passes. */
#define BENCH_SLICE 4096

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
	    ms * 1e6 / BENCH_LINES, base_ms, base_ms > 0 ? ms / base_ms : 0,
	    base);
}

int
main(void)
{
	static const char *lv[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
	struct scrollback *sb = sb_new((size_t)512 << 20);
	char **msgs = malloc(BENCH_LINES * sizeof *msgs);
	unsigned char *levels = malloc(BENCH_LINES);
	char *flat, err[128];
	size_t *lens = malloc(BENCH_LINES * sizeof *lens), total = 0, off;
	struct log_event ev;
	struct filter f;
	struct lineidx li;
	struct search s;
	regex_t re;
	double t0, ms, base, slice_max = 0, t1;
	long hits = 0, i, got;
	char buf[160];

	if (sb == NULL || msgs == NULL || levels == NULL || lens == NULL)
		return 1;
	for (i = 0; i < BENCH_LINES; i++) {
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

	printf("%-28s %10s %9s %10s %8s  %s\n", "operation (1M lines)", "ms",
	    "ns/line", "base ms", "ratio", "baseline");

	t0 = bench_ms();
	for (i = 0, off = 0; i < BENCH_LINES; i++) {
		memcpy(flat + off, msgs[i], lens[i]);
		off += lens[i];
	}
	base = bench_ms() - t0;
	memset(&ev, 0, sizeof ev);
	t0 = bench_ms();
	for (i = 0; i < BENCH_LINES; i++) {
		ev.id = i;
		ev.level = levels[i];
		ev.level_name.p = lv[levels[i]];
		ev.level_name.n = strlen(lv[levels[i]]);
		ev.message.p = msgs[i];
		ev.message.n = lens[i];
		ev.raw = ev.message;
		ev.timestamp.p = "2024-12-07T14:23:45.123Z";
		ev.timestamp.n = 24;
		sb_append(sb, (uint16_t)(i % 20), &ev);
	}
	ms = bench_ms() - t0;
	bench_row("append (escape+copy+index)", ms, base, "memcpy of the text");

	/* Level floor: the cheap path reads only the index. */
	t0 = bench_ms();
	for (i = 0, got = 0; i < BENCH_LINES; i++)
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
	if ((long)lineidx_count(&li) != got)
		printf("MISMATCH %zu != %ld\n", lineidx_count(&li), got);
	printf("  longest %d-line slice: %.2f ms\n", BENCH_SLICE, slice_max);

	/* Pattern filter: one regexec per line. */
	regcomp(
	    &re, "status=5[0-9][0-9]", REG_EXTENDED | REG_ICASE | REG_NEWLINE);
	t0 = bench_ms();
	for (i = 0; i < BENCH_LINES; i++)
		hits += regexec(&re, msgs[i], 0, NULL, 0) == 0;
	base = bench_ms() - t0;
	filter_push(&f, "status=5[0-9][0-9]", true, err, sizeof err);
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
	for (i = 0; i < BENCH_LINES; i++)
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
	printf("store: %zu bytes for %llu lines (%.1f bytes/line, text %.1f)\n",
	    sb_used(sb), (unsigned long long)(sb_end(sb) - sb_first(sb)),
	    (double)sb_used(sb) / (sb_end(sb) - sb_first(sb)),
	    (double)total / BENCH_LINES);

	search_free(&s);
	lineidx_free(&li);
	filter_free(&f);
	regfree(&re);
	sb_free(sb);
	for (i = 0; i < BENCH_LINES; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	free(levels);
	free(flat);
	return 0;
}
