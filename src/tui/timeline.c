/* timeline.c - per-minute counts of a pane's lines (see timeline.h). */
#include <string.h>

#include "core/event.h"
#include "tui/rate.h"
#include "tui/timeline.h"

/* Empty. */
void
timeline_reset(struct timeline *tl)
{
	for (size_t k = 0; k < TIMELINE_MINUTES; k++) {
		tl->m[k].minute = INT64_MIN;
		tl->m[k].lines = tl->m[k].errors = tl->m[k].warns = 0;
	}
	tl->newest = INT64_MIN;
	tl->next = 0;
}

/* The slot of minute min (Euclidean, for minutes before 1970). */
static struct timeline_minute *
timeline_slot(struct timeline *tl, int64_t min)
{
	int64_t k = min % TIMELINE_MINUTES;

	return &tl->m[k < 0 ? k + TIMELINE_MINUTES : k];
}

/* Count one line at order time ms and level lv. */
static void
timeline_count(struct timeline *tl, int64_t ms, uint8_t lv)
{
	int64_t min = ms >= 0 ? ms / 60000 : (ms - 59999) / 60000;
	struct timeline_minute *s;

	if (tl->newest != INT64_MIN && min <= tl->newest - TIMELINE_MINUTES)
		return; /* older than what is kept */
	if (tl->newest == INT64_MIN || min > tl->newest)
		tl->newest = min;
	s = timeline_slot(tl, min);
	if (s->minute != min) {
		s->minute = min;
		s->lines = s->errors = s->warns = 0;
	}
	s->lines++;
	if (lv == LEVEL_ERROR || lv == LEVEL_FATAL)
		s->errors++;
	else if (lv == LEVEL_WARN)
		s->warns++;
}

/* Count what came since the last update. */
bool
timeline_update(
    struct timeline *tl, const struct lineidx *li, const struct scrollback *sb)
{
	size_t n = lineidx_count(li), k, done = 0;
	struct sb_key key;
	uint64_t seq;

	if (tl->next < sb_first(sb))
		tl->next = sb_first(sb);
	/* The index's lines in seq order from tl->next: the last ones. */
	for (k = n - lineidx_count_since(li, tl->next);
	     k < n && done < TIMELINE_SCAN_MAX; k++, done++) {
		seq = lineidx_seq_at(li, k);
		tl->next = seq + 1;
		if (sb_key(sb, seq, &key) && key.kind == SB_KIND_LOG)
			timeline_count(tl, key.order_ms, key.level);
	}
	return done > 0;
}

/* The counts of one minute. */
struct timeline_minute
timeline_at(const struct timeline *tl, int64_t min)
{
	struct timeline_minute none = {min, 0, 0, 0};
	int64_t k = min % TIMELINE_MINUTES;
	const struct timeline_minute *s =
	    &tl->m[k < 0 ? k + TIMELINE_MINUTES : k];

	/* A slot not yet reused can hold a minute older than what is kept. */
	if (tl->newest != INT64_MIN && min <= tl->newest - TIMELINE_MINUTES)
		return none;
	return s->minute == min ? *s : none;
}

/* Where the window ends. */
int64_t
timeline_end(const struct timeline *tl, int64_t now_ms, int cells)
{
	int64_t now = now_ms / 60000;

	if (tl->newest == INT64_MIN)
		return now;
	if (tl->newest > now || tl->newest <= now - cells)
		return tl->newest;
	return now;
}

/* Draw the cells. */
void
timeline_render(const struct timeline *tl, int64_t end, int cells, bool utf8,
    char *out, size_t outlen, uint64_t *errors, uint64_t *warns)
{
	struct timeline_minute c;
	uint32_t v[TIMELINE_MINUTES], max = 0;
	int i;

	*errors = *warns = 0;
	if (cells > TIMELINE_MINUTES)
		cells = TIMELINE_MINUTES;
	for (i = 0; i < cells; i++) {
		c = timeline_at(tl, end - (cells - 1) + i);
		v[i] = c.lines;
		if (c.lines > max)
			max = c.lines;
		*errors += c.errors;
		*warns += c.warns;
	}
	spark_render(v, cells < 0 ? 0 : cells, max, utf8, out, outlen);
}
