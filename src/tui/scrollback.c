/* scrollback.c - bounded line store: a FIFO of byte chunks holding the
 * text, and fixed-size index records in blocks, one per line. Evicting
 * drops the whole oldest chunk and the index records that point into it,
 * so there is no malloc per line and no per-line free.
 *
 * A line keeps its event compactly when it can: the record holds id,
 * time, level, source, and task and runId as indexes into a small table
 * of interned strings; the chunk holds the message and, only when the
 * event has them, its other members as sent. The event data is rebuilt
 * from these on demand (sb_get_raw). The records live in fixed blocks,
 * so the index grows by one block at a time and never copies itself (a
 * doubling array copied 40 MB in one append at 1M lines, stalling the
 * view's loop for tens of ms). A line is stored compactly only when
 * the rebuild gives back exactly the bytes received (checked at append,
 * by the same writer that rebuilds); any other event keeps its data
 * whole, as received. */
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
/* Most distinct task and runId strings interned (indexes are uint16_t,
 * 0 meaning none); when the table is full, new ones stay in the event's
 * other members. The table is never evicted: at most SB_INTERN_MAX *
 * (SB_INTERN_LEN + 5) bytes plus its slots, beside the cap. */
#define SB_INTERN_MAX 16383
/* Longest string interned. */
#define SB_INTERN_LEN 255
/* Hash slots of the intern table: a power of two, twice SB_INTERN_MAX. */
#define SB_INTERN_SLOTS 32768
/* The most bytes an event rebuilt by sb_get_raw can take (a chunk of
 * other members, the message, and the head's members). */
#define SB_RAW_MAX (SB_CHUNK_MAX + SB_MSG_MAX + 4096)
/* Index records per block (160 KiB of 40-byte records): the index grows
 * and shrinks a block at a time. A power of two. */
#define SB_BLOCK_RECS 4096
/* The ring of block pointers starts this large and doubles (its copy is
 * a pointer per block: 8 bytes per 4,096 lines). A power of two. */
#define SB_BLOCKS_MIN 16
/* The per-source table of last order times starts this large and doubles
 * up to SB_SOURCES. */
#define SB_SRC_MIN 64

/* sb_rec.flags: ts_ms holds an order time borrowed from an earlier line
 * or the clock, not the line's own (never shown in sb_line.flags). */
#define SB_REC_TS_BORROWED 0x80
/* sb_rec.flags: how the event data is kept (neither: whole, as received,
 * after the level name). */
#define SB_REC_COMPACT 0x40 /* rebuilt from the record; the tail holds
                               the other members after the message */
#define SB_REC_TEXT 0x20    /* the data was the message itself */

_Static_assert(SB_MSG_MAX <= UINT16_MAX, "sb_rec.msg_len is 16 bits");

struct sb_chunk {
	struct sb_chunk *next;
	size_t size; /* bytes of data */
	size_t used;
	char data[];
};

/* One line's index record (40 bytes): where its text lives, what scans
 * need, and the members a compact line rebuilds its event from. */
struct sb_rec {
	char *p; /* msg NUL, then the tail */
	long long id;
	int64_t ts_ms;
	uint32_t tail_len; /* compact: the other members; whole: level name
	                      and raw data; text: 0 */
	uint16_t msg_len;
	uint16_t src;
	uint16_t task; /* compact: interned task, 0 for none */
	uint16_t run;  /* compact: interned runId, 0 for none */
	uint8_t level;
	uint8_t lvname_len; /* whole: the level name's bytes in the tail */
	uint8_t flags;      /* SB_CUT_* and SB_REC_* */
	uint8_t kind;       /* SB_KIND_* */
};

/* Interned strings: text[off[i] .. off[i] + len[i]) is string i (1..n). */
struct sb_intern {
	char *text;
	size_t text_len, text_cap;
	uint32_t *off;
	uint8_t *len;
	size_t n;
	uint16_t *slot; /* SB_INTERN_SLOTS hash slots: an index, 0 empty */
};

struct scrollback {
	size_t cap;
	size_t chunk_size;
	size_t used; /* chunk bytes + records in use */

	struct sb_chunk *oldest; /* FIFO: oldest ... newest */
	struct sb_chunk *newest;
	struct sb_chunk *spare; /* one freed chunk kept for reuse */

	/* The index: the record of seq is in block seq / SB_BLOCK_RECS, at
	 * blk[(seq / SB_BLOCK_RECS) & (blk_cap - 1)]; the blocks blk_lo ..
	 * blk_lo + blk_n - 1 are allocated (those holding seqs first to
	 * first + count - 1, and the block of the next seq once made). */
	struct sb_rec **blk;
	size_t blk_cap; /* a power of two, or 0 */
	uint64_t blk_lo;
	size_t blk_n;
	struct sb_rec *blk_spare; /* one freed block kept for reuse */
	size_t count;
	uint64_t first;
	uint64_t evicted;

	struct buf scratch; /* esc_text output */
	struct sb_intern in;
	/* sb_get_raw's output: a cache behind a pointer, so that reading a
	 * const store may fill it. */
	struct buf *rebuilt;

	/* The last time parsed and written: lines of one second skip the
	 * date arithmetic. */
	struct event_time_memo tmemo;
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
	sb->rebuilt = malloc(sizeof *sb->rebuilt);
	if (sb->rebuilt == NULL) {
		free(sb);
		return NULL;
	}
	buf_init(sb->rebuilt, SB_RAW_MAX);
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
	while (sb->blk_n > 0) {
		free(sb->blk[sb->blk_lo & (sb->blk_cap - 1)]);
		sb->blk_lo++;
		sb->blk_n--;
	}
	free(sb->blk);
	free(sb->blk_spare);
	free(sb->src_ms);
	buf_free(&sb->scratch);
	buf_free(sb->rebuilt);
	free(sb->rebuilt);
	free(sb->in.text);
	free(sb->in.off);
	free(sb->in.len);
	free(sb->in.slot);
	free(sb);
}

/* The index record of seq (which must be retained). */
static struct sb_rec *
sb_rec(const struct scrollback *sb, uint64_t seq)
{
	return &sb->blk[(seq / SB_BLOCK_RECS) & (sb->blk_cap - 1)]
	               [seq % SB_BLOCK_RECS];
}

/* Free the blocks that hold only seqs before first (one is kept spare). */
static void
sb_drop_blocks(struct scrollback *sb)
{
	struct sb_rec **slot;

	while (sb->blk_n > 0 && sb->blk_lo < sb->first / SB_BLOCK_RECS) {
		slot = &sb->blk[sb->blk_lo & (sb->blk_cap - 1)];
		if (sb->blk_spare == NULL)
			sb->blk_spare = *slot;
		else
			free(*slot);
		*slot = NULL;
		sb->blk_lo++;
		sb->blk_n--;
	}
}

/* Drop the oldest chunk and every line stored in it. */
static void
sb_evict_chunk(struct scrollback *sb)
{
	struct sb_chunk *c = sb->oldest;
	struct sb_rec *r;

	while (sb->count > 0) {
		r = sb_rec(sb, sb->first);
		if (r->p < c->data || r->p >= c->data + c->size)
			break;
		sb->count--;
		sb->first++;
		sb->evicted++;
		sb->used -= sizeof *r;
	}
	sb_drop_blocks(sb);
	sb->oldest = c->next;
	if (sb->oldest == NULL)
		sb->newest = NULL;
	sb->used -= c->size;
	if (sb->spare == NULL && c->size == sb->chunk_size)
		sb->spare = c;
	else
		free(c);
}

/* Make sure the block of the next seq (first + count, which eviction
 * does not change) exists: at most one block allocated and, rarely, the
 * ring of block pointers doubled. -1 on allocation failure. */
static int
sb_grow_index(struct scrollback *sb)
{
	uint64_t b = (sb->first + sb->count) / SB_BLOCK_RECS, k;
	struct sb_rec **n, *blk;
	size_t ncap;

	if (sb->blk_n > 0 && b < sb->blk_lo + sb->blk_n)
		return 0;
	if (sb->blk_n == 0)
		sb->blk_lo = b;
	if (sb->blk_n + 1 > sb->blk_cap) {
		ncap = sb->blk_cap ? sb->blk_cap * 2 : SB_BLOCKS_MIN;
		n = calloc(ncap, sizeof *n);
		if (n == NULL)
			return -1;
		for (k = sb->blk_lo; k < sb->blk_lo + sb->blk_n; k++)
			n[k & (ncap - 1)] = sb->blk[k & (sb->blk_cap - 1)];
		free(sb->blk);
		sb->blk = n;
		sb->blk_cap = ncap;
	}
	if ((blk = sb->blk_spare) != NULL)
		sb->blk_spare = NULL;
	else if ((blk = malloc(SB_BLOCK_RECS * sizeof *blk)) == NULL)
		return -1;
	sb->blk[b & (sb->blk_cap - 1)] = blk;
	sb->blk_n++;
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

/* The FNV-1a hash of n bytes of s. */
static uint32_t
sb_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The index of the interned string s (n bytes): found, or added when add
 * is set and the table has room; 0 when there is none. */
static uint16_t
sb_intern(struct sb_intern *in, const char *s, size_t n, bool add)
{
	size_t i, ncap;
	uint16_t k;
	char *t;

	if (n == 0 || n > SB_INTERN_LEN)
		return 0;
	if (in->slot == NULL) {
		if (!add)
			return 0;
		in->slot = calloc(SB_INTERN_SLOTS, sizeof *in->slot);
		in->off = malloc((SB_INTERN_MAX + 1) * sizeof *in->off);
		in->len = malloc(SB_INTERN_MAX + 1);
		if (in->slot == NULL || in->off == NULL || in->len == NULL) {
			free(in->slot);
			free(in->off);
			free(in->len);
			in->slot = NULL;
			in->off = NULL;
			in->len = NULL;
			return 0;
		}
	}
	for (i = sb_hash(s, n) & (SB_INTERN_SLOTS - 1); (k = in->slot[i]) != 0;
	     i = (i + 1) & (SB_INTERN_SLOTS - 1)) {
		if (in->len[k] == n && memcmp(in->text + in->off[k], s, n) == 0)
			return k;
	}
	if (!add || in->n == SB_INTERN_MAX)
		return 0;
	if (in->text_len + n > in->text_cap) {
		ncap = in->text_cap ? in->text_cap * 2 : 4096;
		t = realloc(in->text, ncap);
		if (t == NULL)
			return 0;
		in->text = t;
		in->text_cap = ncap;
	}
	k = (uint16_t)++in->n;
	in->off[k] = (uint32_t)in->text_len;
	in->len[k] = (uint8_t)n;
	memcpy(in->text + in->text_len, s, n);
	in->text_len += n;
	in->slot[i] = k;
	return k;
}

/* True when string s (n bytes) is interned or could be. */
static bool
sb_internable(struct sb_intern *in, const char *s, size_t n)
{
	return n > 0 && n <= SB_INTERN_LEN &&
	       (in->n < SB_INTERN_MAX || sb_intern(in, s, n, false) != 0);
}

/* The members a compact line keeps in its record, for sb_head_emit. */
struct sb_head {
	long long id; /* >= 0 */
	int64_t ts_ms;
	uint8_t level; /* not LEVEL_OTHER */
	const char *msg;
	size_t msg_len;
	const char *task; /* NULL: none */
	size_t task_len;
	const char *run; /* NULL: none */
	size_t run_len;
};

/* Where sb_emit sends bytes: appended to out, or, when out is NULL,
 * compared with the next bytes of cmp (cmp_len in all). ok turns false at
 * the first difference or failed append. */
struct sb_sink {
	struct event_time_memo *tmemo; /* NULL: none */
	struct buf *out;
	const char *cmp;
	size_t cmp_len;
	size_t pos;
	bool ok;
};

/* Send n bytes of s to k. */
static void
sb_emit(struct sb_sink *k, const char *s, size_t n)
{
	if (!k->ok)
		return;
	if (k->out != NULL)
		k->ok = buf_append(k->out, s, n) == 0;
	else
		k->ok = k->cmp_len - k->pos >= n &&
		        memcmp(k->cmp + k->pos, s, n) == 0;
	k->pos += n;
}

/* Send a string member ,"name":"s" (s unescaped: only strings that need
 * no escape compare equal to a received event). */
static void
sb_emit_member(struct sb_sink *k, const char *name, const char *s, size_t n)
{
	sb_emit(k, ",\"", 2);
	sb_emit(k, name, strlen(name));
	sb_emit(k, "\":\"", 3);
	sb_emit(k, s, n);
	sb_emit(k, "\"", 1);
}

/* Send the head of a compact event, as the server writes its members:
 * {"id":N,"timestamp":"T","level":"L","message":"M" then ,"task":"K" and
 * ,"runId":"R" when set. The one writer of that layout: sb_append
 * compares it with the event received, sb_get_raw rebuilds with it. */
static void
sb_head_emit(struct sb_sink *k, const struct sb_head *h)
{
	char num[24], ts[EVENT_TIME_LEN];
	const char *lv = level_name((enum level)h->level);
	unsigned long long v = (unsigned long long)h->id;
	size_t i = sizeof num;

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	sb_emit(k, "{\"id\":", 6);
	sb_emit(k, num + i, sizeof num - i);
	if (!event_format_time_memo(k->tmemo, h->ts_ms, ts))
		k->ok = false;
	sb_emit(k, ",\"timestamp\":\"", 14);
	sb_emit(k, ts, EVENT_TIME_LEN);
	sb_emit(k, "\",\"level\":\"", 11);
	sb_emit(k, lv, strlen(lv));
	sb_emit(k, "\",\"message\":\"", 13);
	sb_emit(k, h->msg, h->msg_len);
	sb_emit(k, "\"", 1);
	if (h->task != NULL)
		sb_emit_member(k, "task", h->task, h->task_len);
	if (h->run != NULL)
		sb_emit_member(k, "runId", h->run, h->run_len);
}

/* True when the level name as given is the canonical one of the level,
 * so the record's level alone gives it back. */
static bool
sb_level_canonical(const struct log_event *ev)
{
	const char *lv = level_name(ev->level);

	return ev->level != LEVEL_OTHER && ev->level_name.n == strlen(lv) &&
	       memcmp(ev->level_name.p, lv, ev->level_name.n) == 0;
}

/* Find how ev (its message escaped in scratch, its record's id and own
 * time in rec) can be kept compactly: rec gets SB_REC_TEXT when the data
 * is the message itself, or SB_REC_COMPACT, its task and run, and *rest
 * the other members, when the data is sb_head_emit's head (trying with
 * and without task and runId, which PostgreSQL may order elsewhere), the
 * rest and '}'. Leaves rec alone and returns false otherwise. */
static bool
sb_compact(struct scrollback *sb, const struct log_event *ev,
    struct sb_rec *rec, struct span *rest)
{
	static const uint8_t tries[] = {3, 1, 2, 0}; /* 1: task, 2: runId */
	const char *raw = ev->raw.p, *msg = sb->scratch.p ? sb->scratch.p : "";
	size_t n = ev->raw.n, msg_len = sb->scratch.len, i;
	bool task_ok, run_ok;
	struct sb_head h;
	struct sb_sink k;
	uint8_t t;

	if (!sb_level_canonical(ev))
		return false;
	if (raw == ev->message.p && n == ev->message.n && n == msg_len &&
	    (n == 0 || memcmp(raw, msg, n) == 0)) {
		rec->flags |= SB_REC_TEXT;
		rest->p = "";
		rest->n = 0;
		return true;
	}
	if (ev->id < 0 || rec->ts_ms == INT64_MIN || n == 0 ||
	    raw[n - 1] != '}')
		return false;
	task_ok = sb_internable(&sb->in, ev->task.p, ev->task.n);
	run_ok = sb_internable(&sb->in, ev->run_id.p, ev->run_id.n);
	h.id = ev->id;
	h.ts_ms = rec->ts_ms;
	h.level = (uint8_t)ev->level;
	h.msg = msg;
	h.msg_len = msg_len;
	for (i = 0; i < sizeof tries; i++) {
		t = tries[i];
		if (((t & 1) && !task_ok) || ((t & 2) && !run_ok))
			continue;
		h.task = t & 1 ? ev->task.p : NULL;
		h.task_len = ev->task.n;
		h.run = t & 2 ? ev->run_id.p : NULL;
		h.run_len = ev->run_id.n;
		k.tmemo = &sb->tmemo;
		k.out = NULL;
		k.cmp = raw;
		k.cmp_len = n - 1;
		k.pos = 0;
		k.ok = true;
		sb_head_emit(&k, &h);
		if (!k.ok)
			continue;
		rec->task = t & 1 ? sb_intern(&sb->in, h.task, h.task_len, true)
		                  : 0;
		rec->run =
		    t & 2 ? sb_intern(&sb->in, h.run, h.run_len, true) : 0;
		if (((t & 1) && rec->task == 0) || ((t & 2) && rec->run == 0)) {
			rec->task = rec->run = 0;
			return false; /* the table could not grow */
		}
		rec->flags |= SB_REC_COMPACT;
		rest->p = raw + k.pos;
		rest->n = n - 1 - k.pos;
		return true;
	}
	return false;
}

/* Store the escaped text in scratch as a new line with the fields of rec
 * (p, msg_len, lvname_len and tail_len are filled in here) and a tail of
 * lv_len bytes of level name then n bytes of data after it. Returns the
 * seq, or -1 on allocation failure (the store is then unchanged). */
static int64_t
sb_store(struct scrollback *sb, struct sb_rec rec, const char *lvname,
    size_t lv_len, const char *data, size_t n)
{
	size_t msg_len = sb->scratch.len;
	struct sb_rec *r;
	char *p;

	if (sb_grow_src(sb, rec.src) == -1 || sb_grow_index(sb) == -1)
		return -1;
	p = sb_reserve(sb, msg_len + 1 + lv_len + n);
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
	if (n > 0)
		memcpy(p + msg_len + 1 + lv_len, data, n);
	r = sb_rec(sb, sb->first + sb->count);
	*r = rec;
	r->p = p;
	r->msg_len = (uint16_t)msg_len;
	r->lvname_len = (uint8_t)lv_len;
	r->tail_len = (uint32_t)(lv_len + n);
	sb->count++;
	sb->used += sizeof *r;
	return (int64_t)(sb->first + sb->count - 1);
}

/* Store the escaped text in scratch as a line that keeps its level name
 * and raw data whole (cut to fit a chunk, and marked so). */
static int64_t
sb_store_whole(struct scrollback *sb, struct sb_rec rec, const char *lvname,
    size_t lv_len, const char *raw, size_t raw_len)
{
	size_t room;

	if (lv_len > SB_LVNAME_MAX)
		lv_len = SB_LVNAME_MAX;
	/* One line never needs more than a chunk: the raw copy gives way. */
	room = sb->chunk_size - sb->scratch.len - 1 - lv_len;
	if (raw_len > room) {
		raw_len = room;
		rec.flags |= SB_CUT_RAW;
	}
	return sb_store(sb, rec, lvname, lv_len, raw, raw_len);
}

/* Append one event's line. */
int64_t
sb_append(struct scrollback *sb, uint16_t src, const struct log_event *ev)
{
	struct sb_rec rec;
	struct span rest;

	memset(&rec, 0, sizeof rec);
	rec.level = ev->level;
	rec.src = src;
	rec.id = ev->id;
	rec.ts_ms = ev->ts_ms; /* parsed once, by event_decode */
	rec.flags = ev->truncated > 0 ? SB_CUT_EVENT : 0;
	rec.kind = SB_KIND_LOG;
	sb_escape(sb, ev->message.p, ev->message.n);
	if (sb_compact(sb, ev, &rec, &rest) &&
	    rest.n <= sb->chunk_size - sb->scratch.len - 1)
		return sb_store(sb, rec, "", 0, rest.p, rest.n);
	rec.flags &= (uint8_t) ~(SB_REC_COMPACT | SB_REC_TEXT);
	rec.task = rec.run = 0;
	return sb_store_whole(
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

/* Fill out with a retained line (raw left empty: see sb_get_raw). */
bool
sb_get(const struct scrollback *sb, uint64_t seq, struct sb_line *out)
{
	const struct sb_rec *r;

	if (seq < sb->first || seq >= sb->first + sb->count)
		return false;
	r = sb_rec(sb, seq);
	out->msg = r->p;
	out->msg_len = r->msg_len;
	if (r->flags & (SB_REC_COMPACT | SB_REC_TEXT)) {
		out->lvname = level_name((enum level)r->level);
		out->lvname_len = (uint8_t)strlen(out->lvname);
	} else {
		out->lvname = r->p + r->msg_len + 1;
		out->lvname_len = r->lvname_len;
	}
	out->raw = "";
	out->raw_len = 0;
	out->level = r->level;
	out->src = r->src;
	out->id = r->id;
	out->ts_ms = r->flags & SB_REC_TS_BORROWED ? INT64_MIN : r->ts_ms;
	out->order_ms = r->ts_ms;
	out->flags = r->flags & (SB_CUT_EVENT | SB_CUT_RAW);
	out->kind = r->kind;
	out->seq = seq;
	return true;
}

/* Fill out with a retained line and its event data, rebuilt when the
 * line is compact. */
bool
sb_get_raw(const struct scrollback *sb, uint64_t seq, struct sb_line *out)
{
	const struct sb_rec *r;
	const struct sb_intern *in = &sb->in;
	struct sb_head h;
	struct sb_sink k;

	if (!sb_get(sb, seq, out))
		return false;
	r = sb_rec(sb, seq);
	if (r->flags & SB_REC_TEXT) {
		out->raw = out->msg;
		out->raw_len = out->msg_len;
		return true;
	}
	if (!(r->flags & SB_REC_COMPACT)) {
		out->raw = r->p + r->msg_len + 1 + r->lvname_len;
		out->raw_len = r->tail_len - r->lvname_len;
		return true;
	}
	h.id = r->id;
	h.ts_ms = r->ts_ms;
	h.level = r->level;
	h.msg = r->p;
	h.msg_len = r->msg_len;
	h.task = r->task ? in->text + in->off[r->task] : NULL;
	h.task_len = r->task ? in->len[r->task] : 0;
	h.run = r->run ? in->text + in->off[r->run] : NULL;
	h.run_len = r->run ? in->len[r->run] : 0;
	buf_clear(sb->rebuilt);
	k.tmemo = NULL; /* a const store: nothing to update */
	k.out = sb->rebuilt;
	k.cmp = NULL;
	k.cmp_len = 0;
	k.pos = 0;
	k.ok = true;
	sb_head_emit(&k, &h);
	sb_emit(&k, r->p + r->msg_len + 1, r->tail_len);
	sb_emit(&k, "}", 1);
	if (!k.ok)
		return false;
	out->raw = sb->rebuilt->p;
	out->raw_len = (uint32_t)sb->rebuilt->len;
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

/* The message only. */
const char *
sb_msg(const struct scrollback *sb, uint64_t seq, uint32_t *len)
{
	const struct sb_rec *r;

	if (seq < sb->first || seq >= sb->first + sb->count)
		return NULL;
	r = sb_rec(sb, seq);
	*len = r->msg_len;
	return r->p;
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
