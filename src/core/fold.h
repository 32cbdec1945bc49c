/* fold.h - folded repeats of one source (model layer, no I/O): runs of
 * consecutive lines whose messages have the same shape (core/pattern.h)
 * and level become one entry with a count and the first and last time,
 *
 *   x214  14:02:11-14:05:40  retrying upload of chunk <n> (attempt <n>)
 *
 * and a multi-line message (a stack trace) counts the lines it hides
 * behind its first. The model keeps no text: an entry names its first and
 * last line by the caller's sequence numbers, which is how every original
 * line stays addressable (fold_find) and how the view gets the text to
 * show from its own store. Memory is a ring of entries fixed at creation;
 * the oldest entries are dropped (and counted) when it is full. */
#ifndef LOGDECK_FOLD_H
#define LOGDECK_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most entries one fold may hold (48 bytes each: 48 MiB at most). */
#define FOLD_MAX_ENTRIES (1u << 20)

/* One folded entry. seq are the caller's numbers of its lines (strictly
 * rising across fold_add calls, so the entry's lines are exactly
 * first_seq..last_seq); times are the caller's (ms). */
struct fold_entry {
	uint64_t hash;      /* the shape's hash (pattern_hash), level mixed in */
	uint64_t first_seq; /* the line shown for the entry */
	uint64_t last_seq;
	uint64_t count;  /* lines folded into it, >= 1 */
	uint64_t hidden; /* lines after the first of multi-line messages */
	int64_t first_ms, last_ms;
};

struct fold;

/* A fold holding up to cap entries (0 or more than FOLD_MAX_ENTRIES is
 * taken as FOLD_MAX_ENTRIES); NULL when out of memory. */
struct fold *fold_new(size_t cap);
/* Free f; NULL is fine. */
void fold_free(struct fold *f);
/* Add line seq (greater than every seq added before) at time ms, its
 * level and message (n bytes). Returns the number of the entry it went
 * into (numbers count from 0 and are never reused); *opened tells a new
 * entry from one that grew (may be NULL). */
uint64_t fold_add(struct fold *f, uint64_t seq, int64_t ms, int level,
    const char *msg, size_t n, bool *opened);
/* Entries opened so far (fold_add's numbers are below it). */
uint64_t fold_total(const struct fold *f);
/* The oldest entry number still held, which is also how many entries
 * were dropped to keep within the cap. */
uint64_t fold_oldest(const struct fold *f);
/* Entry number i, valid until the next fold_add; NULL when dropped or
 * not yet added. */
const struct fold_entry *fold_entry(const struct fold *f, uint64_t i);
/* The number of the held entry whose lines first_seq..last_seq hold
 * seq, or -1 when none does (dropped, or never added). */
int64_t fold_find(const struct fold *f, uint64_t seq);
/* As fold_find, looking first at entry *hint and the few after it, and
 * setting *hint to the entry found: a caller asking about its lines in
 * rising seq order (a folded index scanning them as they come) pays O(1)
 * a line instead of a binary search. Any *hint is safe; 0 to start. */
int64_t fold_find_near(const struct fold *f, uint64_t seq, uint64_t *hint);

#endif
