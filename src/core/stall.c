/* stall.c - quiet automations (see stall.h). */
#include "core/stall.h"

#include <stdlib.h>
#include <string.h>

void
stall_init(struct stall *s, int64_t floor_ms)
{
	memset(s, 0, sizeof *s);
	s->floor_ms = floor_ms > 0 ? floor_ms : STALL_FLOOR_DEFAULT_MS;
	s->last_seen = -1;
	s->last_ts = INT64_MIN;
}

void
stall_line(struct stall *s, int64_t now, int64_t ts)
{
	int64_t gap;

	if (ts == INT64_MIN)
		ts = now;
	if (s->last_ts != INT64_MIN && ts >= s->last_ts) {
		gap = ts - s->last_ts;
		s->gaps[s->next] = gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
		s->next = (s->next + 1) % STALL_HISTORY;
		if (s->ngaps < STALL_HISTORY)
			s->ngaps++;
	}
	s->last_ts = ts;
	s->last_seen = now;
	s->told = false;
}

void
stall_pause(struct stall *s)
{
	s->last_seen = -1;
	s->told = false;
}

/* qsort order of gaps. */
static int
stall_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int64_t
stall_usual(const struct stall *s)
{
	uint32_t sorted[STALL_HISTORY];

	if (s->ngaps < STALL_FACTOR)
		return -1;
	memcpy(sorted, s->gaps, s->ngaps * sizeof *sorted);
	qsort(sorted, s->ngaps, sizeof *sorted, stall_cmp);
	return sorted[(s->ngaps * 9) / 10 - (s->ngaps * 9 % 10 == 0)];
}

int64_t
stall_due(const struct stall *s)
{
	int64_t usual = stall_usual(s), wait = s->floor_ms;

	if (s->last_seen < 0 || s->told)
		return -1;
	if (usual >= 0 && usual * STALL_FACTOR > wait)
		wait = usual * STALL_FACTOR;
	return s->last_seen + wait;
}

bool
stall_check(struct stall *s, int64_t now, int64_t *silent_ms)
{
	int64_t due = stall_due(s);

	if (due < 0 || now < due)
		return false;
	s->told = true;
	*silent_ms = now - s->last_seen;
	return true;
}
