/* mstore.c - the in-memory store. Each source keeps its events in a ring of
 * rendered JSON lines ({"id":N,...}); ids are consecutive per source, so the
 * event after any id is found by arithmetic. Its runs are a second, smaller
 * ring (the newest STORE_RUNS_MAX), numbered consecutively the same way.
 *
 * Memory: every allocation the store keeps (sources, names, runs, rings,
 * batches of events) is counted as malloc lays it out (mstore_chunk), and
 * the total is held under one budget (--max-store-memory): the batches
 * are listed store-wide in the order they came, and before a batch is
 * stored the oldest are let go, whichever source they belong to. */
#include "mstore.h"
#include "core/hash.h"
#include "idem.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hash buckets for the source table (a power of two). */
#define MSTORE_BUCKETS 1024
/* First ring allocation; it doubles up to the ring size. */
#define MSTORE_RING_INITIAL 64
/* First run ring allocation; it doubles up to STORE_RUNS_MAX. */
#define MSTORE_RUNS_INITIAL 8
/* Where ingest puts an event's timestamp: first, right after the id. */
#define MSTORE_TS_KEY "\"timestamp\":\""

/* What malloc takes for a request: glibc's chunk, the size plus an 8-byte
 * header rounded up to 16 bytes, at least 32. (An mmap'd chunk, 1 MiB and
 * up with server.c's MAIN_MALLOC_MMAP, is rounded to a page instead: at
 * most 4 KiB, 0.4 %, more than this says.) */
#define MSTORE_CHUNK_HEADER 8
#define MSTORE_CHUNK_ALIGN 16
#define MSTORE_CHUNK_MIN 32

struct msource;

/* The rendered events of one appended batch, in one allocation that the
 * last of them to be evicted frees (so a batch costs one malloc and one
 * free, not one per event). A source's memory is its lines' bytes plus at
 * most the evicted part of its oldest batch. Every live block is in the
 * store's list, oldest first. */
struct mblock {
	size_t live; /* its events still held */
	size_t size; /* bytes allocated (the header included) */
	struct msource *src;
	struct mblock *older, *newer; /* the store's list */
	char text[];
};

/* One held event: its JSON line, in its batch's block. */
struct mline {
	char *json;
	size_t len;
	struct mblock *block;
};

/* A subscription: where it is listed (store.c owns the list). */
struct msub {
	struct store_sub base;
	struct msource *src; /* NULL: every source of kind */
	enum source_kind kind;
};

struct msource {
	enum source_kind kind;
	char *id;
	char *name;
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	int64_t updated_ms;

	struct mline *ring; /* cap slots, count used from head on */
	size_t cap;
	size_t head;
	size_t count;
	size_t bytes;     /* sum of the lines' lengths */
	int64_t first_id; /* id of ring[head] */
	int64_t last_id;

	/* Runs, oldest first from runs_head; run_id strings are owned. */
	struct store_run *runs;
	size_t runs_cap;
	size_t runs_head;
	size_t runs_count;

	struct store_subs subs;

	struct msource *hnext; /* hash chain */
	struct msource *knext; /* this kind's list, in creation order */
};

struct mstore {
	struct store base;
	size_t ring_max;
	size_t nsources;
	size_t events; /* events held, all sources */
	size_t bytes;  /* their bytes (the sum of the sources' bytes) */
	struct msource *buckets[MSTORE_BUCKETS];
	struct msource *kind_head[SOURCE_KIND_COUNT];
	struct msource *kind_tail[SOURCE_KIND_COUNT];
	/* Subscriptions to a whole kind. */
	struct store_subs kind_subs[SOURCE_KIND_COUNT];
	size_t idem_max;       /* Idempotency-Keys remembered at most */
	struct idem_tab *idem; /* made at the first keyed batch */
	size_t mem;            /* bytes allocated and kept (mstore_chunk) */
	size_t mem_max;        /* --max-store-memory */
	struct mblock *oldest, *newest; /* every live block, in arrival order */
};

/* What an allocation of n bytes takes (MSTORE_CHUNK_*). */
static size_t
mstore_chunk(size_t n)
{
	size_t c = (n + MSTORE_CHUNK_HEADER + MSTORE_CHUNK_ALIGN - 1) &
	           ~(size_t)(MSTORE_CHUNK_ALIGN - 1);

	return c < MSTORE_CHUNK_MIN ? MSTORE_CHUNK_MIN : c;
}

/* Count an allocation of n bytes that the store keeps. */
static void
mstore_charge(struct mstore *ms, size_t n)
{
	ms->mem += mstore_chunk(n);
}

/* Count a kept allocation of n bytes as freed. */
static void
mstore_refund(struct mstore *ms, size_t n)
{
	ms->mem -= mstore_chunk(n);
}

/* The bucket of a source: FNV-1a over the kind and the id. */
static size_t
mstore_hash(enum source_kind kind, const char *id)
{
	uint32_t h = hash_fnv1a_str(HASH_FNV1A_INIT ^ (uint32_t)kind, id);

	return h & (MSTORE_BUCKETS - 1);
}

/* The source kind/id, or NULL. */
static struct msource *
mstore_find(struct mstore *ms, enum source_kind kind, const char *id)
{
	struct msource *s;

	for (s = ms->buckets[mstore_hash(kind, id)]; s != NULL; s = s->hnext) {
		if (s->kind == kind && strcmp(s->id, id) == 0)
			return s;
	}
	return NULL;
}

/* The source kind/id, created (running, name = id) when unknown; NULL with
 * *err set when the table is full or memory ran out. */
static struct msource *
mstore_find_or_create(struct mstore *ms, enum source_kind kind, const char *id,
    bool *created, int *err)
{
	struct msource *s;
	size_t b;

	*created = false;
	if ((s = mstore_find(ms, kind, id)) != NULL)
		return s;
	if (ms->nsources >= MSTORE_SOURCES_MAX) {
		*err = STORE_EFULL;
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->id = strdup(id)) == NULL || (s->name = strdup(id)) == NULL) {
		if (s != NULL)
			free(s->id);
		free(s);
		*err = STORE_ENOMEM;
		return NULL;
	}
	mstore_charge(ms, sizeof *s);
	mstore_charge(ms, strlen(id) + 1);
	mstore_charge(ms, strlen(id) + 1);
	s->kind = kind;
	s->status = RUN_RUNNING;
	s->first_id = 1;
	b = mstore_hash(kind, id);
	s->hnext = ms->buckets[b];
	ms->buckets[b] = s;
	if (ms->kind_tail[kind] != NULL)
		ms->kind_tail[kind]->knext = s;
	else
		ms->kind_head[kind] = s;
	ms->kind_tail[kind] = s;
	ms->nsources++;
	*created = true;
	return s;
}

/* The newest run of s, or NULL before the first. */
static struct store_run *
mstore_run_newest(const struct msource *s)
{
	if (s->runs_count == 0)
		return NULL;
	return &s->runs[(s->runs_head + s->runs_count - 1) % s->runs_cap];
}

/* Fill info from a source. */
static void
mstore_info(const struct msource *s, struct store_info *out)
{
	const struct store_run *r = mstore_run_newest(s);

	out->kind = s->kind;
	out->id = s->id;
	out->name = s->name;
	out->status = s->status;
	out->has_exit_code = s->has_exit_code;
	out->exit_code = s->exit_code;
	out->updated_ms = s->updated_ms;
	out->oldest_id = s->count > 0 ? s->first_id : s->last_id + 1;
	out->last_id = s->last_id;
	out->evicted_id = (s->count > 0 ? s->first_id : s->last_id + 1) - 1;
	out->has_run = r != NULL;
	if (r != NULL)
		out->run = *r;
}

/* Tell the subscribers of s, then those of its whole kind. */
static void
mstore_notify(
    struct mstore *ms, struct msource *s, const struct store_note *note)
{
	store_subs_tell(&s->subs, note);
	store_subs_tell(&ms->kind_subs[s->kind], note);
}

/* Make room for one more run in s (the oldest goes at STORE_RUNS_MAX);
 * 0, or -1 when out of memory. */
static int
mstore_run_room(struct mstore *ms, struct msource *s)
{
	struct store_run *runs;
	size_t cap, i;

	if (s->runs_count == STORE_RUNS_MAX) {
		mstore_refund(ms, strlen(s->runs[s->runs_head].run_id) + 1);
		free((char *)s->runs[s->runs_head].run_id);
		s->runs_head = (s->runs_head + 1) % s->runs_cap;
		s->runs_count--;
		return 0;
	}
	if (s->runs_count < s->runs_cap)
		return 0;
	cap = s->runs_cap ? s->runs_cap * 2 : MSTORE_RUNS_INITIAL;
	if (cap > STORE_RUNS_MAX)
		cap = STORE_RUNS_MAX;
	if ((runs = malloc(cap * sizeof *runs)) == NULL)
		return -1;
	for (i = 0; i < s->runs_count; i++)
		runs[i] = s->runs[(s->runs_head + i) % s->runs_cap];
	if (s->runs != NULL)
		mstore_refund(ms, s->runs_cap * sizeof *runs);
	mstore_charge(ms, cap * sizeof *runs);
	free(s->runs);
	s->runs = runs;
	s->runs_cap = cap;
	s->runs_head = 0;
	return 0;
}

/* The runId a new run gets: the producer's, else its number; NULL when
 * out of memory. */
static char *
mstore_run_name(const char *given, int64_t run)
{
	char num[24];

	if (given != NULL)
		return strdup(given);
	snprintf(num, sizeof num, "%" PRId64, run);
	return strdup(num);
}

/* Open a new run of s at at_ms, named run_id (NULL: its number), after
 * the events s holds now; the new run, or NULL when out of memory. */
static struct store_run *
mstore_run_open(
    struct mstore *ms, struct msource *s, const char *run_id, int64_t at_ms)
{
	const struct store_run *prev = mstore_run_newest(s);
	int64_t n = prev != NULL ? prev->run + 1 : 1;
	struct store_run *r;
	char *name;

	if ((name = mstore_run_name(run_id, n)) == NULL)
		return NULL;
	if (mstore_run_room(ms, s) != 0) {
		free(name);
		return NULL;
	}
	mstore_charge(ms, strlen(name) + 1);
	r = &s->runs[(s->runs_head + s->runs_count) % s->runs_cap];
	s->runs_count++;
	*r = (struct store_run){.run = n,
	    .run_id = name,
	    .status = RUN_RUNNING,
	    .started_ms = at_ms,
	    .start_after = s->last_id,
	    .end_after = -1};
	return r;
}

/* Free a block none of whose events is held any more. */
static void
mstore_block_free(struct mstore *ms, struct mblock *b)
{
	if (b->older != NULL)
		b->older->newer = b->newer;
	else
		ms->oldest = b->newer;
	if (b->newer != NULL)
		b->newer->older = b->older;
	else
		ms->newest = b->older;
	mstore_refund(ms, b->size);
	free(b);
}

/* Drop the oldest event of s. */
static void
mstore_evict(struct mstore *ms, struct msource *s)
{
	struct mline *l = &s->ring[s->head];

	ms->events--;
	ms->bytes -= l->len;
	s->bytes -= l->len;
	if (--l->block->live == 0)
		mstore_block_free(ms, l->block);
	l->json = NULL;
	l->block = NULL;
	s->head = (s->head + 1) % s->cap;
	s->count--;
	s->first_id++;
}

/* Make the ring of s exactly cap slots (cap >= s->count; 0 frees it),
 * keeping order; 0, or -1 when out of memory. */
static int
mstore_resize(struct mstore *ms, struct msource *s, size_t cap)
{
	struct mline *ring = NULL;
	size_t i;

	if (cap > 0 && (ring = malloc(cap * sizeof *ring)) == NULL)
		return -1;
	for (i = 0; i < s->count; i++)
		ring[i] = s->ring[(s->head + i) % s->cap];
	if (s->ring != NULL)
		mstore_refund(ms, s->cap * sizeof *ring);
	if (ring != NULL)
		mstore_charge(ms, cap * sizeof *ring);
	free(s->ring);
	s->ring = ring;
	s->cap = cap;
	s->head = 0;
	return 0;
}

/* The slots the ring of s grows to for want events at most ring_max
 * (doubling from MSTORE_RING_INITIAL), or its size when it need not. */
static size_t
mstore_grown(const struct msource *s, size_t want, size_t ring_max)
{
	size_t cap = s->cap ? s->cap : MSTORE_RING_INITIAL;

	if (want > ring_max)
		want = ring_max;
	if (want <= s->cap)
		return s->cap;
	while (cap < want)
		cap *= 2;
	return cap > ring_max ? ring_max : cap;
}

/* Make the ring hold min(want, ring_max) slots, keeping order; 0 or -1. */
static int
mstore_grow(struct mstore *ms, struct msource *s, size_t want, size_t ring_max)
{
	size_t cap = mstore_grown(s, want, ring_max);

	return cap == s->cap ? 0 : mstore_resize(ms, s, cap);
}

/* Let the oldest batch of the whole store go (all its events still held:
 * the oldest of their source), and give back the ring of its source when
 * that is mostly empty now; false when it could not (never: a guard). */
static bool
mstore_evict_oldest(struct mstore *ms)
{
	struct mblock *b = ms->oldest;
	struct msource *s = b->src;
	size_t n = 0;

	/* b is the oldest block of s too, so it holds s's oldest events. */
	while (ms->oldest == b && s->count > 0) {
		mstore_evict(ms, s);
		n++;
	}
	metrics_add(METRICS_STORE_EVICTED, n);
	metrics_add(METRICS_STORE_EVICTED_MEMORY, n);
	if (s->count == 0)
		mstore_resize(ms, s, 0);
	else if (s->count <= s->cap / 4 && s->cap > MSTORE_RING_INITIAL)
		/* Out of memory: the ring stays as it is, still counted. */
		mstore_resize(ms, s,
		    s->count * 2 > MSTORE_RING_INITIAL ? s->count * 2
		                                       : MSTORE_RING_INITIAL);
	return ms->oldest != b;
}

/* Let the oldest batches of the store go until need more bytes fit in
 * the budget, or none is left (sources and runs are kept: with only
 * them over the budget the newest batch is still stored). */
static void
mstore_fit(struct mstore *ms, size_t need)
{
	while (ms->oldest != NULL && ms->mem + need > ms->mem_max)
		if (!mstore_evict_oldest(ms))
			break;
}

/* Bytes of a rendered line besides its members: {"id":<20 digits>,}. */
#define MSTORE_LINE_OVERHEAD 32

/* Render {"id":N,<members>} at p (room for l->len plus
 * MSTORE_LINE_OVERHEAD); returns its length. */
static size_t
mstore_render(char *p, int64_t id, const struct store_line *l)
{
	size_t n = 0;

	memcpy(p, "{\"id\":", 6);
	n = 6 + util_u64_dec(p + 6, (uint64_t)id);
	if (l->len > 0) {
		p[n++] = ',';
		memcpy(p + n, l->members, l->len);
		n += l->len;
	}
	p[n++] = '}';
	return n;
}

/* What a batch of n events of size rendered bytes (an upper bound) takes
 * at least: its block and a ring slot each. */
static size_t
mstore_batch_cost(size_t n, size_t size)
{
	return mstore_chunk(sizeof(struct mblock) + size) +
	       n * sizeof(struct mline);
}

/* store_ops.append: render every line first so a failure stores nothing.
 * A source created here starts its first run with these events, and its
 * kind's subscribers hear of that (a status note) before the events. The
 * oldest batches of the store go first to keep it in its budget; a batch
 * larger than the whole budget is refused (STORE_EOVERBUDGET). */
static int
mstore_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created,
    int64_t *last_id)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s;
	struct mline *fresh = NULL;
	struct mblock *block = NULL;
	struct store_run *run;
	struct store_note note = {.type = STORE_NOTE_LOGS};
	int err = STORE_OK;
	size_t i, tail, size = 0, alloc, grown;
	char *p;

	for (i = 0; i < n; i++) {
		if (lines[i].len + MSTORE_LINE_OVERHEAD >
		    MSTORE_SOURCE_BYTES_MAX)
			return STORE_ETOOBIG;
		size += lines[i].len + MSTORE_LINE_OVERHEAD;
	}
	alloc = sizeof *block + size;
	if (n > 0 && mstore_batch_cost(n, size) > ms->mem_max)
		return STORE_EOVERBUDGET;
	if ((s = mstore_find_or_create(ms, kind, id, created, &err)) == NULL)
		return err;
	if (*created && mstore_run_open(ms, s, NULL, now_ms) == NULL)
		goto nomem;
	/* Room for the block, and for the ring when it grows (the old ring
	 * is freed then, so its slots are counted twice here). */
	if (n > 0) {
		grown = mstore_grown(s, s->count + n, ms->ring_max);
		mstore_fit(ms, mstore_chunk(alloc) +
		                   (grown > s->cap
		                           ? mstore_chunk(grown * sizeof *fresh)
		                           : 0));
	}
	if ((fresh = calloc(n ? n : 1, sizeof *fresh)) == NULL ||
	    (n > 0 && (block = malloc(alloc)) == NULL) ||
	    mstore_grow(ms, s, s->count + n, ms->ring_max) != 0)
		goto nomem;
	for (i = 0, size = 0; i < n; i++) {
		fresh[i].len = mstore_render(
		    block->text + size, s->last_id + 1 + (int64_t)i, &lines[i]);
		size += fresh[i].len;
	}
	if (n > 0) {
		/* Room was made for the longest ids: give back the rest. */
		if ((p = realloc(block, sizeof *block + size)) != NULL) {
			block = (struct mblock *)p;
			alloc = sizeof *block + size;
		}
		block->live = n;
		block->size = alloc;
		block->src = s;
		block->newer = NULL;
		block->older = ms->newest;
		if (ms->newest != NULL)
			ms->newest->newer = block;
		else
			ms->oldest = block;
		ms->newest = block;
		mstore_charge(ms, alloc);
	}
	for (i = 0, size = 0; i < n; i++) {
		fresh[i].json = block->text + size;
		fresh[i].block = block;
		size += fresh[i].len;
	}
	for (i = 0; i < n; i++) {
		while (s->count > 0 &&
		       (s->count == ms->ring_max ||
		           s->bytes + fresh[i].len > MSTORE_SOURCE_BYTES_MAX)) {
			mstore_evict(ms, s);
			metrics_add(METRICS_STORE_EVICTED, 1);
		}
		if (s->count == 0)
			s->first_id = s->last_id + 1;
		tail = (s->head + s->count) % s->cap;
		s->ring[tail] = fresh[i];
		s->count++;
		s->bytes += fresh[i].len;
		ms->events++;
		ms->bytes += fresh[i].len;
		s->last_id++;
	}
	free(fresh);
	/* The events belong to the newest run, open or not (doc/api.md). */
	if ((run = mstore_run_newest(s)) != NULL && n > 0) {
		if (run->first_id == 0)
			run->first_id = s->last_id - (int64_t)n + 1;
		run->last_id = s->last_id;
	}
	s->updated_ms = now_ms;
	if (*created) {
		struct store_note born = {.type = STORE_NOTE_STATUS,
		    .id = s->id,
		    .status = RUN_RUNNING,
		    .at_ms = now_ms,
		    .run = run};

		mstore_notify(ms, s, &born);
	}
	note.id = s->id;
	note.last_id = s->last_id;
	if (n > 0)
		*last_id = s->last_id;
	mstore_notify(ms, s, &note);
	return STORE_OK;
nomem:
	free(block);
	free(fresh);
	return STORE_ENOMEM;
}

/* store_ops.append_once: the key is looked up first, so a retry stores
 * nothing; a batch that fails keeps no key. */
static int
mstore_append_once(struct store *st, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, struct store_receipt *out)
{
	struct mstore *ms = (struct mstore *)st;
	const struct store_receipt *old;
	uint32_t hash;
	size_t len;
	int rc;

	if (ms->idem == NULL && (ms->idem = idem_new(ms->idem_max)) == NULL)
		return STORE_ENOMEM;
	idem_expire(ms->idem, now_ms, idem->window_ms);
	if ((old = idem_find(ms->idem, kind, id, idem->key, &hash, &len))) {
		if (hash != idem->body_hash || len != idem->body_len)
			return STORE_EKEYREUSE;
		*out = *old;
		out->replayed = true;
		return STORE_OK;
	}
	*out = (struct store_receipt){.accepted = n};
	rc = mstore_append(
	    st, kind, id, lines, n, now_ms, &out->created, &out->last_id);
	if (rc != STORE_OK)
		return rc;
	/* Stored: a key that cannot be remembered (out of memory) only
	 * means a retry would store the batch again. */
	idem_add(ms->idem, kind, id, idem, out, now_ms);
	return STORE_OK;
}

/* store_ops.set_status: running opens a run unless one is open (a job
 * put back in the queue and started again goes on with its run); a
 * terminal status ends the open run, or records one that starts and ends
 * at once. */
static int
mstore_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s;
	struct store_run *run = NULL, *newest;
	struct store_note note = {.type = STORE_NOTE_STATUS};
	char *name = NULL;
	bool open;
	int err = STORE_OK;

	if ((s = mstore_find_or_create(ms, kind, id, created, &err)) == NULL)
		return err;
	if (ch->name != NULL && (name = strdup(ch->name)) == NULL)
		return STORE_ENOMEM;
	newest = mstore_run_newest(s);
	open = newest != NULL && newest->status == RUN_RUNNING;
	if (!open &&
	    (ch->status == RUN_RUNNING || run_status_terminal(ch->status))) {
		if ((run = mstore_run_open(ms, s, ch->run_id, ch->at_ms)) ==
		    NULL) {
			free(name);
			return STORE_ENOMEM;
		}
	} else if (run_status_terminal(ch->status))
		run = newest;
	if (run != NULL && run_status_terminal(ch->status)) {
		run->status = ch->status;
		run->has_exit_code = ch->has_exit_code;
		run->exit_code = ch->has_exit_code ? ch->exit_code : 0;
		run->ended_ms = ch->at_ms;
		run->end_after = s->last_id;
	}
	if (name != NULL) {
		mstore_refund(ms, strlen(s->name) + 1);
		mstore_charge(ms, strlen(name) + 1);
		free(s->name);
		s->name = name;
	}
	s->status = ch->status;
	s->has_exit_code = ch->has_exit_code;
	s->exit_code = ch->has_exit_code ? ch->exit_code : 0;
	s->updated_ms = ch->at_ms;
	note.id = s->id;
	note.last_id = s->last_id;
	note.status = s->status;
	note.has_exit_code = s->has_exit_code;
	note.exit_code = s->exit_code;
	note.at_ms = ch->at_ms;
	note.run = run;
	mstore_fit(ms, 0); /* a new source, run or name */
	mstore_notify(ms, s, &note);
	return STORE_OK;
}

/* store_ops.get */
static int
mstore_get(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);

	if (s == NULL)
		return STORE_ENOENT;
	mstore_info(s, out);
	return STORE_OK;
}

/* store_ops.list */
static int
mstore_list(
    struct store *st, enum source_kind kind, store_info_fn fn, void *arg)
{
	struct mstore *ms = (struct mstore *)st;
	struct store_info info;
	struct msource *s;

	for (s = ms->kind_head[kind]; s != NULL; s = s->knext) {
		mstore_info(s, &info);
		fn(&info, arg);
	}
	return STORE_OK;
}

/* store_ops.read */
static long
mstore_read(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);
	struct mline *l;
	size_t i;
	long done = 0;

	if (s == NULL)
		return STORE_ENOENT;
	if (after < s->first_id - 1)
		after = s->first_id - 1;
	for (i = (size_t)(after + 1 - s->first_id);
	     i < s->count && (size_t)done < limit; i++) {
		l = &s->ring[(s->head + i) % s->cap];
		done++;
		if (fn(s->first_id + (int64_t)i, l->json, l->len, arg) != 0)
			break;
	}
	return done;
}

/* store_ops.tail */
static int
mstore_tail(struct store *st, enum source_kind kind, const char *id, size_t n,
    int64_t *after)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);

	if (s == NULL)
		return STORE_ENOENT;
	*after = n >= s->count ? s->first_id - 1 : s->last_id - (int64_t)n;
	return STORE_OK;
}

/* store_ops.subscribe: to one source, or (id NULL) to every source of
 * kind, present and future. */
static struct store_sub *
mstore_subscribe(struct store *st, enum source_kind kind, const char *id,
    store_note_fn fn, void *arg)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s = NULL;
	struct msub *sub;

	if (id != NULL && (s = mstore_find(ms, kind, id)) == NULL)
		return NULL;
	if ((sub = calloc(1, sizeof *sub)) == NULL)
		return NULL;
	sub->src = s;
	sub->kind = kind;
	store_subs_add(s != NULL ? &s->subs : &ms->kind_subs[kind], &sub->base,
	    st, fn, arg);
	return &sub->base;
}

/* store_ops.unsubscribe */
static void
mstore_unsubscribe(struct store *st, struct store_sub *base)
{
	struct mstore *ms = (struct mstore *)st;
	struct msub *sub = (struct msub *)base;

	store_subs_remove(
	    sub->src != NULL ? &sub->src->subs : &ms->kind_subs[sub->kind],
	    base);
}

/* store_ops.runs */
static long
mstore_runs(struct store *st, enum source_kind kind, const char *id,
    int64_t after_run, size_t limit, store_run_fn fn, void *arg)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);
	const struct store_run *r;
	int64_t first;
	size_t i;
	long done = 0;

	if (s == NULL)
		return STORE_ENOENT;
	if (s->runs_count == 0)
		return 0;
	first = s->runs[s->runs_head].run;
	i = after_run < first ? 0 : (size_t)(after_run + 1 - first);
	for (; i < s->runs_count && (size_t)done < limit; i++) {
		r = &s->runs[(s->runs_head + i) % s->runs_cap];
		done++;
		if (fn(r, arg) != 0)
			break;
	}
	return done;
}

/* The time of an event as ingest renders it ({"id":N,"timestamp":"...",
 * ...}), or INT64_MIN when it has none there. */
static int64_t
mstore_event_ms(const struct mline *l)
{
	const char *p = memchr(l->json, ',', l->len), *end = l->json + l->len;
	const char *q;
	size_t k = sizeof MSTORE_TS_KEY - 1;

	if (p == NULL || (size_t)(end - p - 1) < k ||
	    memcmp(p + 1, MSTORE_TS_KEY, k) != 0)
		return INT64_MIN;
	p += 1 + k;
	if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
		return INT64_MIN;
	return event_parse_time(p, (size_t)(q - p));
}

/* store_ops.since: the first retained event at or after ms, by a scan
 * from the oldest (once per stream or polling request). */
static int
mstore_since(struct store *st, enum source_kind kind, const char *id,
    int64_t ms, int64_t *after)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);
	int64_t t;
	size_t i;

	if (s == NULL)
		return STORE_ENOENT;
	for (i = 0; i < s->count; i++) {
		t = mstore_event_ms(&s->ring[(s->head + i) % s->cap]);
		if (t != INT64_MIN && t >= ms) {
			*after = s->first_id + (int64_t)i - 1;
			return STORE_OK;
		}
	}
	*after = s->last_id;
	return STORE_OK;
}

/* store_ops.free */
static void
mstore_free(struct store *st)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s, *next;
	size_t i;
	int k;

	for (k = 0; k < SOURCE_KIND_COUNT; k++) {
		for (s = ms->kind_head[k]; s != NULL; s = next) {
			next = s->knext;
			while (s->count > 0)
				mstore_evict(ms, s);
			store_subs_clear(&s->subs);
			for (i = 0; i < s->runs_count; i++)
				free(
				    (char *)s
				        ->runs[(s->runs_head + i) % s->runs_cap]
				        .run_id);
			free(s->runs);
			free(s->ring);
			free(s->id);
			free(s->name);
			free(s);
		}
		store_subs_clear(&ms->kind_subs[k]);
	}
	idem_free(ms->idem);
	free(ms);
}

/* store_ops.stats: exact, kept up to date by append and evict (the
 * Idempotency-Keys, bounded by --idempotency-keys, are not counted). */
static int
mstore_stats(struct store *st, struct store_stats *out)
{
	struct mstore *ms = (struct mstore *)st;

	out->events = (int64_t)ms->events;
	out->bytes = (int64_t)ms->bytes;
	out->exact = true;
	out->memory = (int64_t)ms->mem;
	out->memory_max = (int64_t)ms->mem_max;
	return STORE_OK;
}

static const struct store_ops mstore_ops = {
    .free = mstore_free,
    .get = mstore_get,
    .list = mstore_list,
    .append = mstore_append,
    .append_once = mstore_append_once,
    .set_status = mstore_set_status,
    .read = mstore_read,
    .tail = mstore_tail,
    .subscribe = mstore_subscribe,
    .unsubscribe = mstore_unsubscribe,
    .runs = mstore_runs,
    .since = mstore_since,
    .stats = mstore_stats,
};

struct store *
mstore_new(size_t ring)
{
	struct mstore *ms;

	if (ring == 0 || (ms = calloc(1, sizeof *ms)) == NULL)
		return NULL;
	ms->base.ops = &mstore_ops;
	ms->ring_max = ring;
	ms->idem_max = IDEM_KEYS_DEFAULT;
	ms->mem_max = MSTORE_MEMORY_DEFAULT;
	ms->mem = mstore_chunk(sizeof *ms);
	return &ms->base;
}

void
mstore_set_memory_max(struct store *st, size_t max)
{
	((struct mstore *)st)->mem_max = max;
}

size_t
mstore_default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	size_t half;

	if (pages <= 0 || size <= 0)
		return MSTORE_MEMORY_DEFAULT;
	half = (size_t)pages / 2 * (size_t)size;
	if (half < MSTORE_MEMORY_MIN)
		half = MSTORE_MEMORY_MIN;
	return half < MSTORE_MEMORY_DEFAULT ? half : MSTORE_MEMORY_DEFAULT;
}

void
mstore_set_idem_keys(struct store *st, size_t max)
{
	((struct mstore *)st)->idem_max = max > 0 ? max : 1;
}
