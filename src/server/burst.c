/* burst.c - benchmark sources computed on demand. Event i of a burst source
 * is rendered from i alone with table look-ups and hand-made integer
 * formatting (no malloc, no printf), so a stream is never limited by the
 * server. */
#include "burst.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Timestamp of event 0: 2024-12-07T14:00:00.000Z; one event per ms after. */
#define BURST_EPOCH_MS 1733580000000LL
/* Length of a burst source id's name: "burst-" then up to 4 digits. */
#define BURST_ID_MAX 24

struct burst_store {
	struct store base;
	struct store *inner;
	unsigned n;
	int64_t count;
	int64_t created_ms;
	struct store_sub idle; /* what subscribers of a burst source get */
	char name[BURST_ID_MAX];
	char run_id[BURST_ID_MAX + 8]; /* "burst-K-run-1" */
};

static const char *const burst_tasks[] = {"extract", "transform", "load"};

/* A cheap integer hash (splitmix64 finaliser). */
static uint64_t
burst_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Append a NUL-terminated string at p; returns the new end. */
static char *
burst_put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* Append v in decimal at p; returns the new end. */
static char *
burst_num(char *p, uint64_t v)
{
	return p + util_u64_dec(p, v);
}

size_t
burst_render(char *out, unsigned src, int64_t i, struct burst_clock *clk)
{
	int64_t ms = BURST_EPOCH_MS + i;
	uint64_t h = burst_mix((uint64_t)i * 1000003u + src);
	unsigned roll = (unsigned)(h % 100), ms3;
	char *p = out;

	if (!clk->valid || clk->secs != ms / 1000) {
		char iso[UTIL_ISO_LEN + 1];

		util_iso_time(iso, ms / 1000 * 1000);
		memcpy(clk->prefix, iso, 20);
		clk->secs = ms / 1000;
		clk->valid = 1;
	}
	p = burst_put(p, "{\"id\":");
	p = burst_num(p, (uint64_t)i);
	p = burst_put(p, ",\"timestamp\":\"");
	memcpy(p, clk->prefix, 20);
	p += 20;
	ms3 = (unsigned)(ms % 1000);
	*p++ = (char)('0' + ms3 / 100);
	*p++ = (char)('0' + ms3 / 10 % 10);
	*p++ = (char)('0' + ms3 % 10);
	if (roll < 80) {
		p = burst_put(p,
		    "Z\",\"level\":\"INFO\",\"message\":\"processed "
		    "record ");
		p = burst_num(p, (uint64_t)i);
		p = burst_put(p, " of batch ");
		p = burst_num(p, (uint64_t)i / 1000);
		p = burst_put(p, " in ");
		p = burst_num(p, 1 + (h >> 8) % 90);
		p = burst_put(p, " ms\"");
	} else if (roll < 92) {
		p = burst_put(p, "Z\",\"level\":\"DEBUG\",\"message\":\"cache "
		                 "lookup for key k-");
		p = burst_num(p, (h >> 8) % 1000000);
		p = burst_put(p, (h >> 40) & 1 ? " hit\"" : " miss\"");
	} else if (roll < 99) {
		p = burst_put(p, "Z\",\"level\":\"WARN\",\"message\":\"slow "
		                 "response from upstream: ");
		p = burst_num(p, 500 + (h >> 8) % 4500);
		p = burst_put(p, " ms, retrying\"");
	} else {
		p = burst_put(
		    p, "Z\",\"level\":\"ERROR\",\"message\":\"record ");
		p = burst_num(p, (uint64_t)i);
		p = burst_put(p, " rejected: amount must not be negative\"");
	}
	p = burst_put(p, ",\"task\":\"");
	p = burst_put(p, burst_tasks[(i / 5000) % 3]);
	p = burst_put(p, "\",\"runId\":\"burst-");
	p = burst_num(p, src);
	p = burst_put(p, "-run-1\"}");
	return (size_t)(p - out);
}

/* The number of the burst source kind/id (1..n), or 0 when it is not one. */
static unsigned
burst_index(const struct burst_store *b, enum source_kind kind, const char *id)
{
	long long v;

	if (kind != SOURCE_AUTOMATION || strncmp(id, "burst-", 6) != 0 ||
	    util_parse_ll(id + 6, 1, b->n, &v) != 0 || id[6] == '0')
		return 0;
	return (unsigned)v;
}

/* Describe the one run of burst source k: every event, completed. */
static void
burst_run(struct burst_store *b, unsigned k, struct store_run *out)
{
	snprintf(b->run_id, sizeof b->run_id, "burst-%u-run-1", k);
	*out = (struct store_run){.run = 1,
	    .run_id = b->run_id,
	    .status = RUN_COMPLETED,
	    .has_exit_code = true,
	    .started_ms = b->created_ms,
	    .ended_ms = b->created_ms,
	    .end_after = b->count,
	    .first_id = b->count > 0 ? 1 : 0,
	    .last_id = b->count};
}

/* Describe burst source k. */
static void
burst_info(struct burst_store *b, unsigned k, struct store_info *out)
{
	snprintf(b->name, sizeof b->name, "burst-%u", k);
	out->kind = SOURCE_AUTOMATION;
	out->id = b->name;
	out->name = b->name;
	out->status = RUN_COMPLETED;
	out->has_exit_code = true;
	out->exit_code = 0;
	out->updated_ms = b->created_ms;
	out->oldest_id = 1;
	out->last_id = b->count;
	out->evicted_id = 0;
	out->has_run = true;
	burst_run(b, k, &out->run);
}

/* store_ops.get */
static int
burst_get(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	struct burst_store *b = (struct burst_store *)st;
	unsigned k = burst_index(b, kind, id);

	if (k == 0)
		return store_get(b->inner, kind, id, out);
	burst_info(b, k, out);
	return STORE_OK;
}

/* store_ops.list: the burst sources first, then inner's. */
static int
burst_list(struct store *st, enum source_kind kind, store_info_fn fn, void *arg)
{
	struct burst_store *b = (struct burst_store *)st;
	struct store_info info;
	unsigned k;

	for (k = 1; kind == SOURCE_AUTOMATION && k <= b->n; k++) {
		burst_info(b, k, &info);
		fn(&info, arg);
	}
	return store_list(b->inner, kind, fn, arg);
}

/* store_ops.append */
static int
burst_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created,
    int64_t *last_id)
{
	struct burst_store *b = (struct burst_store *)st;

	if (burst_index(b, kind, id) != 0)
		return STORE_EREADONLY;
	return store_append_last(
	    b->inner, kind, id, lines, n, now_ms, created, last_id);
}

/* store_ops.append_once */
static int
burst_append_once(struct store *st, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, struct store_receipt *out)
{
	struct burst_store *b = (struct burst_store *)st;

	if (burst_index(b, kind, id) != 0)
		return STORE_EREADONLY;
	return store_append_once(
	    b->inner, kind, id, idem, lines, n, now_ms, out);
}

/* store_ops.set_status */
static int
burst_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created)
{
	struct burst_store *b = (struct burst_store *)st;

	if (burst_index(b, kind, id) != 0)
		return STORE_EREADONLY;
	return store_set_status(b->inner, kind, id, ch, created);
}

/* store_ops.read: render each event as it is asked for. */
static long
burst_read(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	struct burst_store *b = (struct burst_store *)st;
	struct burst_clock clk = {0};
	unsigned k = burst_index(b, kind, id);
	char line[BURST_LINE_MAX];
	int64_t i;
	size_t len;
	long done = 0;

	if (k == 0)
		return store_read(b->inner, kind, id, after, limit, fn, arg);
	for (i = after < 0 ? 1 : after + 1;
	     i <= b->count && (size_t)done < limit; i++) {
		len = burst_render(line, k, i, &clk);
		done++;
		if (fn(i, line, len, arg) != 0)
			break;
	}
	return done;
}

/* store_ops.tail */
static int
burst_tail(struct store *st, enum source_kind kind, const char *id, size_t n,
    int64_t *after)
{
	struct burst_store *b = (struct burst_store *)st;

	if (burst_index(b, kind, id) == 0)
		return store_tail(b->inner, kind, id, n, after);
	*after = (int64_t)n >= b->count ? 0 : b->count - (int64_t)n;
	return STORE_OK;
}

/* store_ops.subscribe: a burst source never changes, so a subscription
 * to a kind (id NULL) is inner's alone. */
static struct store_sub *
burst_subscribe(struct store *st, enum source_kind kind, const char *id,
    store_note_fn fn, void *arg)
{
	struct burst_store *b = (struct burst_store *)st;

	if (id != NULL && burst_index(b, kind, id) != 0)
		return &b->idle;
	return store_subscribe(b->inner, kind, id, fn, arg);
}

/* store_ops.unsubscribe */
static void
burst_unsubscribe(struct store *st, struct store_sub *sub)
{
	struct burst_store *b = (struct burst_store *)st;

	if (sub != &b->idle)
		store_unsubscribe(b->inner, sub);
}

/* store_ops.runs: a burst source has one run. */
static long
burst_runs(struct store *st, enum source_kind kind, const char *id,
    int64_t after_run, size_t limit, store_run_fn fn, void *arg)
{
	struct burst_store *b = (struct burst_store *)st;
	struct store_run r;
	unsigned k = burst_index(b, kind, id);

	if (k == 0)
		return store_runs(
		    b->inner, kind, id, after_run, limit, fn, arg);
	if (after_run >= 1 || limit == 0)
		return 0;
	burst_run(b, k, &r);
	fn(&r, arg);
	return 1;
}

/* store_ops.since: event i of a burst source is i ms after the epoch. */
static int
burst_since(struct store *st, enum source_kind kind, const char *id, int64_t ms,
    int64_t *after)
{
	struct burst_store *b = (struct burst_store *)st;
	int64_t i;

	if (burst_index(b, kind, id) == 0)
		return store_since(b->inner, kind, id, ms, after);
	i = ms - BURST_EPOCH_MS; /* the first event at or after ms */
	*after = i < 1 ? 0 : i - 1 > b->count ? b->count : i - 1;
	return STORE_OK;
}

/* store_ops.free */
static void
burst_free(struct store *st)
{
	struct burst_store *b = (struct burst_store *)st;

	store_free(b->inner);
	free(b);
}

static const struct store_ops burst_ops = {
    .free = burst_free,
    .get = burst_get,
    .list = burst_list,
    .append = burst_append,
    .append_once = burst_append_once,
    .set_status = burst_set_status,
    .read = burst_read,
    .tail = burst_tail,
    .subscribe = burst_subscribe,
    .unsubscribe = burst_unsubscribe,
    .runs = burst_runs,
    .since = burst_since,
};

struct store *
burst_store_new(struct store *inner, unsigned n, int64_t count)
{
	struct burst_store *b;

	if (inner == NULL || n > BURST_SOURCES_MAX ||
	    (b = calloc(1, sizeof *b)) == NULL) {
		store_free(inner);
		return NULL;
	}
	b->base.ops = &burst_ops;
	b->inner = inner;
	b->n = n;
	b->count = count;
	b->created_ms = util_now_ms();
	b->idle.owner = &b->base;
	return &b->base;
}
