/* scrollback.h - the viewer's bounded line store: every line of every
 * stream in arrival order, in a ring of byte chunks with a small index
 * record per line (model layer, no curses, no curl). */
#ifndef LOGDECK_SCROLLBACK_H
#define LOGDECK_SCROLLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* Lines are numbered by a sequence that only grows: seq N is the N-th line
 * ever appended. Evicted lines keep their numbers; sb_first tells where
 * the retained range starts.
 *
 * Every line also gets an order time when it is stored (order_ms), so a
 * merged pane can sort by time: the line's own timestamp; without a usable
 * one, the order time of the previous line from the same source; for a
 * source's first line, the wall clock at arrival. It never changes once
 * stored, so every rebuild of an index sorts the same way. */

/* One retained line. The text fields point into the store and are valid
 * until the next sb_append (which may evict) or sb_free; raw only when
 * sb_get_raw filled it, and then until the next sb_get_raw too. */
struct sb_line {
	const char *msg; /* terminal-safe message (esc_text), NUL-ended */
	uint32_t msg_len;
	const char *raw; /* the event data exactly as received (sb_get_raw;
	                    sb_get leaves it empty) */
	uint32_t raw_len;
	const char *lvname; /* level as written (OTHER keeps its name) */
	uint8_t lvname_len;
	uint8_t level;    /* enum level */
	uint16_t src;     /* caller's source index */
	long long id;     /* event id, -1 when none */
	int64_t ts_ms;    /* Unix time in ms, INT64_MIN when unknown */
	int64_t order_ms; /* the time the line sorts at (never INT64_MIN) */
	uint8_t flags;    /* SB_CUT_* */
	uint8_t kind;     /* SB_KIND_* */
	uint64_t seq;     /* the line's seq */
};

/* sb_line.kind: a log line, or a marker the view inserted. A marker has
 * level INFO, an empty level name, no raw event and id -1. */
#define SB_KIND_LOG 0
#define SB_KIND_RUN 1 /* a run boundary ("-- run 7 started 14:02:11 --") */
#define SB_KIND_GAP 2 /* lines before some id are no longer held */

/* What scans and sorting need of one line, without its text. */
struct sb_key {
	int64_t order_ms; /* as sb_line.order_ms */
	uint16_t src;
	uint8_t level;
	uint8_t kind;
};

/* sb_line.flags: what of the event was not kept. */
#define SB_CUT_EVENT 0x1 /* the transport cut the event (size cap) */
#define SB_CUT_RAW 0x2   /* the store kept only part of the raw event */

/* Source indexes are a uint16_t: every one of them can be stored. */
#define SB_SOURCES 65536

struct scrollback;

/* Create a store that keeps at most cap bytes (chunks plus index);
 * NULL on allocation failure. */
struct scrollback *sb_new(size_t cap);
/* Free the store; NULL is fine. */
void sb_free(struct scrollback *sb);
/* Copy what the viewer keeps of ev (from source src) into the store,
 * evicting the oldest lines when the cap is reached. Returns the new
 * line's seq, or -1 on allocation failure. */
int64_t sb_append(
    struct scrollback *sb, uint16_t src, const struct log_event *ev);
/* Store a marker line of kind SB_KIND_RUN or SB_KIND_GAP for source src,
 * at time ts_ms (INT64_MIN: ordered like a line without a timestamp).
 * text (len bytes) is escaped like a message, so text that is already
 * terminal-safe is stored unchanged. Same cost and eviction as sb_append.
 * Returns the marker's seq; -1 for another kind or allocation failure. */
int64_t sb_append_mark(struct scrollback *sb, uint16_t src, uint8_t kind,
    int64_t ts_ms, const char *text, size_t len);
/* The first retained seq (== sb_end when empty). */
uint64_t sb_first(const struct scrollback *sb);
/* One past the newest seq. */
uint64_t sb_end(const struct scrollback *sb);
/* Fill *out with line seq, all but the event data (raw is left empty);
 * false when it is evicted or not yet written. */
bool sb_get(const struct scrollback *sb, uint64_t seq, struct sb_line *out);
/* As sb_get, and also point raw at the event data exactly as received:
 * into the store, or, for a line kept compactly, rebuilt into a buffer
 * the store owns (so valid only until the next sb_get_raw). false also
 * when the rebuild fails (allocation). */
bool sb_get_raw(
    const struct scrollback *sb, uint64_t seq, struct sb_line *out);
/* Level and source of line seq without the text (fast path for scans). */
bool sb_meta(
    const struct scrollback *sb, uint64_t seq, uint8_t *level, uint16_t *src);
/* The message of line seq (terminal-safe, NUL-ended, *len bytes, valid
 * as sb_line.msg is), or NULL when it is evicted or not yet written: what
 * a search reads of each line, without filling a whole sb_line. O(1). */
const char *sb_msg(const struct scrollback *sb, uint64_t seq, uint32_t *len);
/* Fill *out with what scans need of line seq (O(1), no text); false when
 * it is evicted or not yet written. */
bool sb_key(const struct scrollback *sb, uint64_t seq, struct sb_key *out);
/* Bytes in use (chunks plus index) and the cap. The order time of each
 * source's last line is kept apart (at most SB_SOURCES * 8 bytes), and so
 * are the interned task and runId strings of compact lines (scrollback.c,
 * SB_INTERN_MAX, under 5 MiB). */
size_t sb_used(const struct scrollback *sb);
size_t sb_cap(const struct scrollback *sb);
/* Lines evicted so far to stay under the cap. */
uint64_t sb_evicted(const struct scrollback *sb);

#endif
