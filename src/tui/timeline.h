/* timeline.h - lines per minute of one pane, with its ERROR and WARN
 * counts, for the one-line timeline in the pane's header (model layer).
 * It counts the lines the pane's index holds as they come (in seq order,
 * O(1) each, at most TIMELINE_SCAN_MAX per update), so drawing it costs
 * only its cells, never a walk over the lines. */
#ifndef LOGDECK_TIMELINE_H
#define LOGDECK_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/lineidx.h"
#include "tui/scrollback.h"

/* Minutes kept (the widest timeline drawn): older minutes are dropped as
 * newer ones come. 16 bytes each, per pane. */
#define TIMELINE_MINUTES 240
/* Lines counted by one update (a refilter of a large store is counted
 * over several seconds rather than in one loop pass). */
#define TIMELINE_SCAN_MAX 262144

struct timeline_minute {
	int64_t minute; /* Unix minute (order time / 60000); INT64_MIN: none */
	uint32_t lines, errors, warns;
};

struct timeline {
	struct timeline_minute m[TIMELINE_MINUTES]; /* by minute % N */
	int64_t newest; /* newest minute counted, INT64_MIN: none yet */
	uint64_t next;  /* next store seq to count */
};

/* Set up an empty timeline that counts from the store's first line (the
 * pane's index changed: call it again). */
void timeline_reset(struct timeline *tl);
/* Count the lines li holds from tl->next on (markers are not counted),
 * at most TIMELINE_SCAN_MAX; true when something was counted. */
bool timeline_update(
    struct timeline *tl, const struct lineidx *li, const struct scrollback *sb);
/* The counts of minute min (zero when not kept). */
struct timeline_minute timeline_at(const struct timeline *tl, int64_t min);
/* The minute a timeline of cells cells drawn at now_ms ends at: the
 * current minute, or the newest minute counted when that is older than
 * the window (a past run's pane) or newer (clocks ahead). */
int64_t timeline_end(const struct timeline *tl, int64_t now_ms, int cells);
/* Draw cells cells ending at minute end, oldest first, each a block
 * scaled to the window's busiest minute (" " for none; ASCII when
 * !utf8), into out; the window's ERROR (and FATAL) and WARN counts into
 * *errors and *warns. */
void timeline_render(const struct timeline *tl, int64_t end, int cells,
    bool utf8, char *out, size_t outlen, uint64_t *errors, uint64_t *warns);

#endif
