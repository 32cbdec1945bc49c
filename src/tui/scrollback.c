/* scrollback.c - bounded line store: a FIFO of byte chunks holding the
 * text, and a ring of fixed-size index records, one per line. Evicting
 * drops the whole oldest chunk and the index records that point into it,
 * so there is no malloc per line and no per-line free. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/esc.h"
#include "tui/scrollback.h"

/* Largest chunk of text storage; smaller caps use cap / SB_CHUNKS_MIN. */
#define SB_CHUNK_MAX (1024 * 1024)
/* Smallest chunk, so tiny caps still hold a few lines per chunk. */
#define SB_CHUNK_MIN 4096
/* A cap is split into at least this many chunks, so eviction drops at
 * most a small fraction of the scrollback at once. */
#define SB_CHUNKS_MIN 8
/* The smallest cap accepted; smaller requests are raised to it. */
#define SB_CAP_MIN (64 * 1024)
/* Longest terminal-safe message kept (longer ones are cut, marked). */
#define SB_MSG_MAX (16 * 1024)
/* Longest level name kept. */
#define SB_LVNAME_MAX 15
/* Index records are allocated in steps of at least this many. */
#define SB_INDEX_MIN 1024
/* The per-source table of last order times starts this large and doubles
 * up to SB_SOURCES. */
#define SB_SRC_MIN 64

/* sb_rec.flags: ts_ms holds an order time borrowed from an earlier line
 * or the clock, not the line's own (never shown in sb_line.flags). */
#define SB_REC_TS_BORROWED 0x80

struct sb_chunk {
	struct sb_chunk *next;
	size_t size; /* bytes of data */
	size_t used;
	char data[];
};

/* One line's index record: where its text lives and what scans need. */
struct sb_rec {
	char *p; /* msg NUL, then level name, then raw */
	uint32_t msg_len;
	uint32_t raw_len;
	long long id;
	int64_t ts_ms;
	uint16_t src;
	uint8_t level;
	uint8_t lvname_len;
	uint8_t flags; /* SB_CUT_* and SB_REC_*, in what was padding */
	uint8_t kind;  /* SB_KIND_*, in what was padding */
};

struct scrollback {
	size_t cap;
	size_t chunk_size;
	size_t used; /* chunk bytes + records in use */

	struct sb_chunk *oldest; /* FIFO: oldest ... newest */
	struct sb_chunk *newest;
	struct sb_chunk *spare; /* one freed chunk kept for reuse */

	struct sb_rec *ring; /* capacity is a power of two */
	size_t ring_cap;
	size_t head; /* ring index of seq first */
	size_t count;
	uint64_t first;
	uint64_t evicted;

	struct buf scratch; /* esc_text output */

	int64_t *src_ms; /* order time of each source's last line */
	size_t nsrc;     /* entries of src_ms (INT64_MIN: none yet) */
};

/* Create a store capped at cap bytes. */
struct scrollback *
sb_new(size_t cap)
{
	struct scrollback *sb;

	if (cap < SB_CAP_MIN)
		cap = SB_CAP_MIN;
	sb = calloc(1, sizeof *sb);
	if (sb == NULL)
		return NULL;
	sb->cap = cap;
	sb->chunk_size = cap / SB_CHUNKS_MIN;
	if (sb->chunk_size > SB_CHUNK_MAX)
		sb->chunk_size = SB_CHUNK_MAX;
	if (sb->chunk_size < SB_CHUNK_MIN)
		sb->chunk_size = SB_CHUNK_MIN;
	buf_init(&sb->scratch, SB_MSG_MAX);
	return sb;
}

/* Free the store and everything in it. */
void
sb_free(struct scrollback *sb)
{
	struct sb_chunk *c, *next;

	if (sb == NULL)
		return;
	for (c = sb->oldest; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(sb->spare);
	free(sb->ring);
	free(sb->src_ms);
	buf_free(&sb->scratch);
	free(sb);
}

/* The index record of seq (which must be retained). */
static struct sb_rec *
sb_rec(const struct scrollback *sb, uint64_t seq)
{
	return &sb->ring[(sb->head + (seq - sb->first)) & (sb->ring_cap - 1)];
}

/* Drop the oldest chunk and every line stored in it. */
static void
sb_evict_chunk(struct scrollback *sb)
{
	struct sb_chunk *c = sb->oldest;
	struct sb_rec *r;

	while (sb->count > 0) {
		r = &sb->ring[sb->head];
		if (r->p < c->data || r->p >= c->data + c->size)
			break;
		sb->head = (sb->head + 1) & (sb->ring_cap - 1);
		sb->count--;
		sb->first++;
		sb->evicted++;
		sb->used -= sizeof *r;
	}
	sb->oldest = c->next;
	if (sb->oldest == NULL)
		sb->newest = NULL;
	sb->used -= c->size;
	if (sb->spare == NULL && c->size == sb->chunk_size)
		sb->spare = c;
	else
		free(c);
}

/* Make room for one more index record, growing the ring; -1 on failure. */
static int
sb_grow_ring(struct scrollback *sb)
{
	struct sb_rec *n;
	size_t ncap, i;

	if (sb->count < sb->ring_cap)
		return 0;
	ncap = sb->ring_cap ? sb->ring_cap * 2 : SB_INDEX_MIN;
	n = malloc(ncap * sizeof *n);
	if (n == NULL)
		return -1;
	for (i = 0; i < sb->count; i++)
		n[i] = sb->ring[(sb->head + i) & (sb->ring_cap - 1)];
	free(sb->ring);
	sb->ring = n;
	sb->ring_cap = ncap;
	sb->head = 0;
	return 0;
}

/* Return space for n bytes of line data, evicting old chunks to stay
 * under the cap; NULL on allocation failure. */
static char *
sb_reserve(struct scrollback *sb, size_t n)
{
	struct sb_chunk *c = sb->newest;
	size_t size;
	char *p;

	if (c != NULL && c->size - c->used >= n) {
		while (sb->used + sizeof(struct sb_rec) > sb->cap &&
		       sb->oldest != c)
			sb_evict_chunk(sb);
		/* Many tiny lines: the index alone can outgrow the cap, so
		 * the current chunk goes too and a fresh one starts. */
		if (sb->used + sizeof(struct sb_rec) <= sb->cap) {
			p = c->data + c->used;
			c->used += n;
			return p;
		}
	}
	size = n > sb->chunk_size ? n : sb->chunk_size;
	while (sb->oldest != NULL &&
	       sb->used + size + sizeof(struct sb_rec) > sb->cap)
		sb_evict_chunk(sb);
	if (size == sb->chunk_size && sb->spare != NULL) {
		c = sb->spare;
		sb->spare = NULL;
	} else if ((c = malloc(sizeof *c + size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = n;
	if (sb->newest != NULL)
		sb->newest->next = c;
	else
		sb->oldest = c;
	sb->newest = c;
	sb->used += size;
	return c->data;
}

/* Wall clock in Unix ms: the order time of a source's first line when it
 * has no timestamp of its own. */
static int64_t
sb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Make src a valid index of src_ms; -1 on allocation failure. */
static int
sb_grow_src(struct scrollback *sb, uint16_t src)
{
	int64_t *n;
	size_t ncap, i;

	if (src < sb->nsrc)
		return 0;
	for (ncap = sb->nsrc ? sb->nsrc : SB_SRC_MIN; ncap <= src; ncap *= 2)
		;
	if (ncap > SB_SOURCES)
		ncap = SB_SOURCES;
	n = realloc(sb->src_ms, ncap * sizeof *n);
	if (n == NULL)
		return -1;
	for (i = sb->nsrc; i < ncap; i++)
		n[i] = INT64_MIN;
	sb->src_ms = n;
	sb->nsrc = ncap;
	return 0;
}

/* Escape n bytes of s into the scratch buffer, cutting what does not fit
 * at a character boundary and ending it with an ellipsis. */
static void
sb_escape(struct scrollback *sb, const char *s, size_t n)
{
	buf_clear(&sb->scratch);
	if (esc_text(&sb->scratch, s, n) == 0)
		return;
	/* Cut at a character boundary the renderer can show. */
	while (
	    sb->scratch.len > 0 &&
	    ((unsigned char)sb->scratch.p[sb->scratch.len - 1] & 0xc0) == 0x80)
		sb->scratch.len--;
	if (sb->scratch.len > 0)
		sb->scratch.len--;
	if (sb->scratch.len + 3 > SB_MSG_MAX)
		sb->scratch.len = SB_MSG_MAX - 3;
	memcpy(sb->scratch.p + sb->scratch.len, "\xe2\x80\xa6", 3);
	sb->scratch.len += 3;
}

/* Store the escaped text in scratch as a new line with the fields of r
 * (p, msg_len, lvname_len and raw_len are filled in here) and the given
 * level name and raw bytes. Returns the seq, or -1 on allocation
 * failure (the store is then unchanged). */
static int64_t
sb_store(struct scrollback *sb, struct sb_rec rec, const char *lvname,
    size_t lv_len, const char *raw, size_t raw_len)
{
	size_t msg_len = sb->scratch.len, room;
	struct sb_rec *r;
	char *p;

	if (lv_len > SB_LVNAME_MAX)
		lv_len = SB_LVNAME_MAX;
	/* One line never needs more than a chunk: the raw copy gives way. */
	room = sb->chunk_size - msg_len - 1 - lv_len;
	if (raw_len > room) {
		raw_len = room;
		rec.flags |= SB_CUT_RAW;
	}
	if (sb_grow_src(sb, rec.src) == -1 || sb_grow_ring(sb) == -1)
		return -1;
	p = sb_reserve(sb, msg_len + 1 + lv_len + raw_len);
	if (p == NULL)
		return -1;
	/* The order time: the line's own, else its source's last one, else
	 * the clock (the line sorts where it arrived). */
	if (rec.ts_ms == INT64_MIN) {
		rec.flags |= SB_REC_TS_BORROWED;
		rec.ts_ms = sb->src_ms[rec.src] != INT64_MIN
		                ? sb->src_ms[rec.src]
		                : sb_now_ms();
	}
	sb->src_ms[rec.src] = rec.ts_ms;
	/* An empty message leaves the scratch buffer unallocated: memcpy
	 * must not be handed its NULL even for 0 bytes. */
	if (msg_len > 0)
		memcpy(p, sb->scratch.p, msg_len);
	p[msg_len] = '\0';
	if (lv_len > 0)
		memcpy(p + msg_len + 1, lvname, lv_len);
	if (raw_len > 0)
		memcpy(p + msg_len + 1 + lv_len, raw, raw_len);
	r = &sb->ring[(sb->head + sb->count) & (sb->ring_cap - 1)];
	*r = rec;
	r->p = p;
	r->msg_len = msg_len;
	r->raw_len = raw_len;
	r->lvname_len = lv_len;
	sb->count++;
	sb->used += sizeof *r;
	return (int64_t)(sb->first + sb->count - 1);
}

/* Append one event's line. */
int64_t
sb_append(struct scrollback *sb, uint16_t src, const struct log_event *ev)
{
	struct sb_rec rec;

	memset(&rec, 0, sizeof rec);
	rec.level = ev->level;
	rec.src = src;
	rec.id = ev->id;
	rec.ts_ms = sb_parse_time(ev->timestamp.p, ev->timestamp.n);
	rec.flags = ev->truncated > 0 ? SB_CUT_EVENT : 0;
	rec.kind = SB_KIND_LOG;
	sb_escape(sb, ev->message.p, ev->message.n);
	return sb_store(
	    sb, rec, ev->level_name.p, ev->level_name.n, ev->raw.p, ev->raw.n);
}

/* Append a marker line. */
int64_t
sb_append_mark(struct scrollback *sb, uint16_t src, uint8_t kind, int64_t ts_ms,
    const char *text, size_t len)
{
	struct sb_rec rec;

	if (kind != SB_KIND_RUN && kind != SB_KIND_GAP)
		return -1;
	memset(&rec, 0, sizeof rec);
	rec.level = LEVEL_INFO;
	rec.src = src;
	rec.id = -1;
	rec.ts_ms = ts_ms;
	rec.kind = kind;
	sb_escape(sb, text, len);
	return sb_store(sb, rec, "", 0, "", 0);
}

/* First retained seq. */
uint64_t
sb_first(const struct scrollback *sb)
{
	return sb->first;
}

/* One past the newest seq. */
uint64_t
sb_end(const struct scrollback *sb)
{
	return sb->first + sb->count;
}

/* Fill out with a retained line. */
bool
sb_get(const struct scrollback *sb, uint64_t seq, struct sb_line *out)
{
	const struct sb_rec *r;

	if (seq < sb->first || seq >= sb->first + sb->count)
		return false;
	r = sb_rec(sb, seq);
	out->msg = r->p;
	out->msg_len = r->msg_len;
	out->lvname = r->p + r->msg_len + 1;
	out->lvname_len = r->lvname_len;
	out->raw = out->lvname + r->lvname_len;
	out->raw_len = r->raw_len;
	out->level = r->level;
	out->src = r->src;
	out->id = r->id;
	out->ts_ms = r->flags & SB_REC_TS_BORROWED ? INT64_MIN : r->ts_ms;
	out->order_ms = r->ts_ms;
	out->flags = r->flags & (SB_CUT_EVENT | SB_CUT_RAW);
	out->kind = r->kind;
	return true;
}

/* Level and source only. */
bool
sb_meta(
    const struct scrollback *sb, uint64_t seq, uint8_t *level, uint16_t *src)
{
	const struct sb_rec *r;

	if (seq < sb->first || seq >= sb->first + sb->count)
		return false;
	r = sb_rec(sb, seq);
	*level = r->level;
	*src = r->src;
	return true;
}

/* Order time, source, level and kind only. */
bool
sb_key(const struct scrollback *sb, uint64_t seq, struct sb_key *out)
{
	const struct sb_rec *r;

	if (seq < sb->first || seq >= sb->first + sb->count)
		return false;
	r = sb_rec(sb, seq);
	out->order_ms = r->ts_ms;
	out->src = r->src;
	out->level = r->level;
	out->kind = r->kind;
	return true;
}

/* Bytes in use. */
size_t
sb_used(const struct scrollback *sb)
{
	return sb->used;
}

/* The cap in bytes. */
size_t
sb_cap(const struct scrollback *sb)
{
	return sb->cap;
}

/* Lines evicted. */
uint64_t
sb_evicted(const struct scrollback *sb)
{
	return sb->evicted;
}

/* Parse an ISO 8601 timestamp to Unix ms: event.c owns the parser. */
int64_t
sb_parse_time(const char *s, size_t n)
{
	return event_parse_time(s, n);
}
