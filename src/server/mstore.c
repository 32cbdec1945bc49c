/* mstore.c - the in-memory store. Each source keeps its events in a ring of
 * rendered JSON lines ({"id":N,...}); ids are consecutive per source, so the
 * event after any id is found by arithmetic. */
#include "mstore.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Hash buckets for the source table (a power of two). */
#define MSTORE_BUCKETS 1024
/* First ring allocation; it doubles up to the ring size. */
#define MSTORE_RING_INITIAL 64

struct mline {
	char *json;
	size_t len;
};

struct msource;

struct msub {
	struct store_sub base;
	struct msource *src;
	store_note_fn fn;
	void *arg;
	bool dead; /* unsubscribed while notifying; freed afterwards */
	struct msub *next;
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

	struct msub *subs;
	int notifying; /* depth of notify calls running on this source */

	struct msource *hnext; /* hash chain */
	struct msource *knext; /* this kind's list, in creation order */
};

struct mstore {
	struct store base;
	size_t ring_max;
	size_t nsources;
	struct msource *buckets[MSTORE_BUCKETS];
	struct msource *kind_head[SOURCE_KIND_COUNT];
	struct msource *kind_tail[SOURCE_KIND_COUNT];
};

/* The bucket of a source: FNV-1a over the kind and the id. */
static size_t
mstore_hash(enum source_kind kind, const char *id)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
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

/* Fill info from a source. */
static void
mstore_info(const struct msource *s, struct store_info *out)
{
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
}

/* Tell every live subscriber of s; they may unsubscribe meanwhile. */
static void
mstore_notify(struct msource *s, const struct store_note *note)
{
	struct msub *sub, **pp;

	s->notifying++;
	for (sub = s->subs; sub != NULL; sub = sub->next) {
		if (!sub->dead)
			sub->fn(note, sub->arg);
	}
	if (--s->notifying > 0)
		return;
	for (pp = &s->subs; (sub = *pp) != NULL;) {
		if (sub->dead) {
			*pp = sub->next;
			free(sub);
		} else
			pp = &sub->next;
	}
}

/* Drop the oldest event of s. */
static void
mstore_evict(struct msource *s)
{
	struct mline *l = &s->ring[s->head];

	s->bytes -= l->len;
	free(l->json);
	l->json = NULL;
	s->head = (s->head + 1) % s->cap;
	s->count--;
	s->first_id++;
}

/* Make the ring hold min(want, ring_max) slots, keeping order; 0 or -1. */
static int
mstore_grow(struct msource *s, size_t want, size_t ring_max)
{
	struct mline *ring;
	size_t cap = s->cap ? s->cap : MSTORE_RING_INITIAL, i;

	if (want > ring_max)
		want = ring_max;
	if (want <= s->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (cap > ring_max)
		cap = ring_max;
	if ((ring = malloc(cap * sizeof *ring)) == NULL)
		return -1;
	for (i = 0; i < s->count; i++)
		ring[i] = s->ring[(s->head + i) % s->cap];
	free(s->ring);
	s->ring = ring;
	s->cap = cap;
	s->head = 0;
	return 0;
}

/* Render {"id":N,<members>} into a new allocation; NULL when out of memory. */
static char *
mstore_render(int64_t id, const struct store_line *l, size_t *len)
{
	char *p;
	size_t n = 0;

	if ((p = malloc(l->len + 32)) == NULL)
		return NULL;
	memcpy(p, "{\"id\":", 6);
	n = 6 + util_u64_dec(p + 6, (uint64_t)id);
	if (l->len > 0) {
		p[n++] = ',';
		memcpy(p + n, l->members, l->len);
		n += l->len;
	}
	p[n++] = '}';
	*len = n;
	return p;
}

/* store_ops.append: render every line first so a failure stores nothing. */
static int
mstore_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s;
	struct mline *fresh;
	struct store_note note = {.type = STORE_NOTE_LOGS};
	int err = STORE_OK;
	size_t i, tail;

	for (i = 0; i < n; i++) {
		if (lines[i].len + 32 > MSTORE_SOURCE_BYTES_MAX)
			return STORE_ETOOBIG;
	}
	if ((s = mstore_find_or_create(ms, kind, id, created, &err)) == NULL)
		return err;
	if ((fresh = calloc(n ? n : 1, sizeof *fresh)) == NULL ||
	    mstore_grow(s, s->count + n, ms->ring_max) != 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		fresh[i].json = mstore_render(
		    s->last_id + 1 + (int64_t)i, &lines[i], &fresh[i].len);
		if (fresh[i].json == NULL)
			goto nomem;
	}
	for (i = 0; i < n; i++) {
		while (s->count > 0 &&
		       (s->count == ms->ring_max ||
		           s->bytes + fresh[i].len > MSTORE_SOURCE_BYTES_MAX))
			mstore_evict(s);
		if (s->count == 0)
			s->first_id = s->last_id + 1;
		tail = (s->head + s->count) % s->cap;
		s->ring[tail] = fresh[i];
		s->count++;
		s->bytes += fresh[i].len;
		s->last_id++;
	}
	free(fresh);
	s->updated_ms = now_ms;
	note.last_id = s->last_id;
	mstore_notify(s, &note);
	return STORE_OK;
nomem:
	for (i = 0; fresh != NULL && i < n; i++)
		free(fresh[i].json);
	free(fresh);
	return STORE_ENOMEM;
}

/* store_ops.set_status */
static int
mstore_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s;
	struct store_note note = {.type = STORE_NOTE_STATUS};
	char *name;
	int err = STORE_OK;

	if ((s = mstore_find_or_create(ms, kind, id, created, &err)) == NULL)
		return err;
	if (ch->name != NULL) {
		if ((name = strdup(ch->name)) == NULL)
			return STORE_ENOMEM;
		free(s->name);
		s->name = name;
	}
	s->status = ch->status;
	s->has_exit_code = ch->has_exit_code;
	s->exit_code = ch->has_exit_code ? ch->exit_code : 0;
	s->updated_ms = ch->at_ms;
	note.last_id = s->last_id;
	note.status = s->status;
	note.has_exit_code = s->has_exit_code;
	note.exit_code = s->exit_code;
	note.at_ms = ch->at_ms;
	mstore_notify(s, &note);
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

/* store_ops.subscribe */
static struct store_sub *
mstore_subscribe(struct store *st, enum source_kind kind, const char *id,
    store_note_fn fn, void *arg)
{
	struct msource *s = mstore_find((struct mstore *)st, kind, id);
	struct msub *sub, **pp;

	if (s == NULL || (sub = calloc(1, sizeof *sub)) == NULL)
		return NULL;
	sub->base.owner = st;
	sub->src = s;
	sub->fn = fn;
	sub->arg = arg;
	/* Append, so subscribers are told in the order they came. */
	for (pp = &s->subs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = sub;
	return &sub->base;
}

/* store_ops.unsubscribe */
static void
mstore_unsubscribe(struct store *st, struct store_sub *base)
{
	struct msub *sub = (struct msub *)base, **pp;

	if (sub->src->notifying > 0) {
		sub->dead = true;
		return;
	}
	for (pp = &sub->src->subs; *pp != sub; pp = &(*pp)->next)
		;
	*pp = sub->next;
	free(sub);
}

/* store_ops.free */
static void
mstore_free(struct store *st)
{
	struct mstore *ms = (struct mstore *)st;
	struct msource *s, *next;
	struct msub *sub, *snext;
	int k;

	for (k = 0; k < SOURCE_KIND_COUNT; k++) {
		for (s = ms->kind_head[k]; s != NULL; s = next) {
			next = s->knext;
			while (s->count > 0)
				mstore_evict(s);
			for (sub = s->subs; sub != NULL; sub = snext) {
				snext = sub->next;
				free(sub);
			}
			free(s->ring);
			free(s->id);
			free(s->name);
			free(s);
		}
	}
	free(ms);
}

static const struct store_ops mstore_ops = {
    .free = mstore_free,
    .get = mstore_get,
    .list = mstore_list,
    .append = mstore_append,
    .set_status = mstore_set_status,
    .read = mstore_read,
    .tail = mstore_tail,
    .subscribe = mstore_subscribe,
    .unsubscribe = mstore_unsubscribe,
};

struct store *
mstore_new(size_t ring)
{
	struct mstore *ms;

	if (ring == 0 || (ms = calloc(1, sizeof *ms)) == NULL)
		return NULL;
	ms->base.ops = &mstore_ops;
	ms->ring_max = ring;
	return &ms->base;
}
