/* idem.c - the in-memory store's Idempotency-Keys: a hash table for the
 * look-up and a queue in the order the keys came, so the oldest is the one
 * to forget (past the count, or past the age). */
#include "idem.h"
#include "core/hash.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* One remembered key. name is "KIND\nID\nKEY" (neither an id nor a key
 * holds a newline, so no two differ only in where they split). */
struct idem_entry {
	struct idem_entry *hnext; /* hash chain */
	struct idem_entry *qnext; /* the next younger key */
	int64_t at_ms;
	uint32_t body_hash;
	size_t body_len;
	struct store_receipt r;
	char name[];
};

struct idem_tab {
	size_t max;
	size_t count;
	uint32_t seed; /* keys come from clients: chains are not steerable */
	size_t mask;   /* buckets - 1 */
	struct idem_entry **buckets; /* allocated at the first key */
	struct idem_entry *oldest, *youngest;
};

struct idem_tab *
idem_new(size_t max)
{
	struct idem_tab *t;

	if (max == 0 || (t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->max = max;
	if (getrandom(&t->seed, sizeof t->seed, GRND_NONBLOCK) !=
	    sizeof t->seed)
		t->seed = (uint32_t)(uintptr_t)t;
	/* A bucket for every two keys at most: short chains, bounded size. */
	for (t->mask = 1; t->mask < max / 2 && t->mask < ((size_t)1 << 22);)
		t->mask <<= 1;
	t->mask--;
	return t;
}

void
idem_free(struct idem_tab *t)
{
	struct idem_entry *e, *next;

	if (t == NULL)
		return;
	for (e = t->oldest; e != NULL; e = next) {
		next = e->qnext;
		free(e);
	}
	free(t->buckets);
	free(t);
}

/* Write the entry name of kind/id/key into buf (at most size bytes with
 * the NUL); its length, or 0 when it does not fit. */
static size_t
idem_name(char *buf, size_t size, enum source_kind kind, const char *id,
    const char *key)
{
	size_t il = strlen(id), kl = strlen(key);

	if (il + kl + 5 > size)
		return 0;
	buf[0] = (char)('0' + (int)kind);
	buf[1] = '\n';
	memcpy(buf + 2, id, il);
	buf[2 + il] = '\n';
	memcpy(buf + 3 + il, key, kl + 1);
	return il + kl + 3;
}

/* The bucket of an entry name. */
static struct idem_entry **
idem_bucket(struct idem_tab *t, const char *name)
{
	return &t->buckets[hash_fnv1a_str(HASH_FNV1A_INIT ^ t->seed, name) &
	                   t->mask];
}

/* Forget the oldest key. */
static void
idem_drop_oldest(struct idem_tab *t)
{
	struct idem_entry *e = t->oldest, **p;

	for (p = idem_bucket(t, e->name); *p != e; p = &(*p)->hnext)
		;
	*p = e->hnext;
	t->oldest = e->qnext;
	if (t->oldest == NULL)
		t->youngest = NULL;
	t->count--;
	free(e);
}

void
idem_expire(struct idem_tab *t, int64_t now_ms, int64_t window_ms)
{
	while (t->oldest != NULL && t->oldest->at_ms <= now_ms - window_ms)
		idem_drop_oldest(t);
}

/* Longest entry name: kind, id, key and separators. */
#define IDEM_NAME_MAX (STORE_IDEM_KEY_MAX + 1024)

const struct store_receipt *
idem_find(struct idem_tab *t, enum source_kind kind, const char *id,
    const char *key, uint32_t *body_hash, size_t *body_len)
{
	char name[IDEM_NAME_MAX];
	struct idem_entry *e;

	if (t->buckets == NULL ||
	    idem_name(name, sizeof name, kind, id, key) == 0)
		return NULL;
	for (e = *idem_bucket(t, name); e != NULL; e = e->hnext) {
		if (strcmp(e->name, name) == 0) {
			*body_hash = e->body_hash;
			*body_len = e->body_len;
			return &e->r;
		}
	}
	return NULL;
}

int
idem_add(struct idem_tab *t, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_receipt *r,
    int64_t now_ms)
{
	char name[IDEM_NAME_MAX];
	struct idem_entry *e, **b;
	size_t len;

	if ((len = idem_name(name, sizeof name, kind, id, idem->key)) == 0)
		return -1;
	if (t->buckets == NULL &&
	    (t->buckets = calloc(t->mask + 1, sizeof *t->buckets)) == NULL)
		return -1;
	if ((e = malloc(sizeof *e + len + 1)) == NULL)
		return -1;
	while (t->count >= t->max)
		idem_drop_oldest(t);
	memcpy(e->name, name, len + 1);
	e->at_ms = now_ms;
	e->body_hash = idem->body_hash;
	e->body_len = idem->body_len;
	e->r = *r;
	e->r.replayed = false;
	b = idem_bucket(t, name);
	e->hnext = *b;
	*b = e;
	e->qnext = NULL;
	if (t->youngest != NULL)
		t->youngest->qnext = e;
	else
		t->oldest = e;
	t->youngest = e;
	t->count++;
	return 0;
}

size_t
idem_count(const struct idem_tab *t)
{
	return t->count;
}
