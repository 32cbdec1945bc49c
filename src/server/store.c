/* store.c - the store interface: dispatch to the implementation, and the
 * strict parsing of kind and status names. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
store_free(struct store *st)
{
	if (st != NULL)
		st->ops->free(st);
}

/* A store without the runs op keeps no runs: whatever its get or list
 * left in has_run, the source has had none. */
static void
store_info_runs(const struct store *st, struct store_info *out)
{
	if (st->ops->runs == NULL)
		out->has_run = false;
}

int
store_ready(struct store *st, char *why, size_t whylen)
{
	if (st->ops->ready == NULL)
		return 0;
	return st->ops->ready(st, why, whylen);
}

int
store_stats(struct store *st, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	if (st->ops->stats == NULL)
		return STORE_ENOSYS;
	return st->ops->stats(st, out);
}

int
store_get(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = st->ops->get(st, kind, id, out);
	store_info_runs(st, out);
	return rc;
}

/* A store_list callback and its argument, behind store_list_one. */
struct store_list_ctx {
	struct store *st;
	store_info_fn fn;
	void *arg;
};

/* store_info_fn: pass info on, its runs checked. */
static void
store_list_one(const struct store_info *info, void *arg)
{
	struct store_list_ctx *c = arg;
	struct store_info copy = *info;

	store_info_runs(c->st, &copy);
	c->fn(&copy, c->arg);
}

int
store_list(struct store *st, enum source_kind kind, store_info_fn fn, void *arg)
{
	struct store_list_ctx c = {st, fn, arg};

	return st->ops->list(st, kind, store_list_one, &c);
}

int
store_append(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created)
{
	int64_t last_id;

	return st->ops->append(
	    st, kind, id, lines, n, now_ms, created, &last_id);
}

int
store_append_last(struct store *st, enum source_kind kind, const char *id,
    const struct store_line *lines, size_t n, int64_t now_ms, bool *created,
    int64_t *last_id)
{
	return st->ops->append(
	    st, kind, id, lines, n, now_ms, created, last_id);
}

int
store_append_once(struct store *st, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_line *lines, size_t n,
    int64_t now_ms, struct store_receipt *out)
{
	if (st->ops->append_once == NULL)
		return STORE_ENOSYS;
	return st->ops->append_once(st, kind, id, idem, lines, n, now_ms, out);
}

int
store_set_status(struct store *st, enum source_kind kind, const char *id,
    const struct store_status *ch, bool *created)
{
	return st->ops->set_status(st, kind, id, ch, created);
}

long
store_read(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	return st->ops->read(st, kind, id, after, limit, fn, arg);
}

int
store_tail(struct store *st, enum source_kind kind, const char *id, size_t n,
    int64_t *after)
{
	return st->ops->tail(st, kind, id, n, after);
}

struct store_sub *
store_subscribe(struct store *st, enum source_kind kind, const char *id,
    store_note_fn fn, void *arg)
{
	/* Subscribing to a kind came with runs (doc/api.md, "The live list
	 * of sources"): a store without runs predates it. */
	if (id == NULL && st->ops->runs == NULL)
		return NULL;
	return st->ops->subscribe(st, kind, id, fn, arg);
}

void
store_unsubscribe(struct store *st, struct store_sub *sub)
{
	if (sub != NULL)
		st->ops->unsubscribe(st, sub);
}

int
store_get_live(struct store *st, enum source_kind kind, const char *id,
    struct store_info *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (st->ops->get_live == NULL)
		rc = st->ops->get(st, kind, id, out);
	else
		rc = st->ops->get_live(st, kind, id, out);
	store_info_runs(st, out);
	return rc;
}

long
store_read_live(struct store *st, enum source_kind kind, const char *id,
    int64_t after, size_t limit, store_line_fn fn, void *arg)
{
	if (st->ops->read_live == NULL)
		return st->ops->read(st, kind, id, after, limit, fn, arg);
	return st->ops->read_live(st, kind, id, after, limit, fn, arg);
}

long
store_runs(struct store *st, enum source_kind kind, const char *id,
    int64_t after_run, size_t limit, store_run_fn fn, void *arg)
{
	if (st->ops->runs == NULL)
		return STORE_ENOSYS;
	return st->ops->runs(st, kind, id, after_run, limit, fn, arg);
}

int
store_since(struct store *st, enum source_kind kind, const char *id, int64_t ms,
    int64_t *after)
{
	if (st->ops->since == NULL)
		return STORE_ENOSYS;
	return st->ops->since(st, kind, id, ms, after);
}

/* What store_run_find looks for while the runs go by. */
struct store_find {
	const char *sel;
	struct store_run *out;
	char *idbuf; /* out->run_id is copied here */
	size_t idlen;
	bool found;
};

/* Keep r in f: the run, and its runId copied (r's strings die with the
 * callback). */
static void
store_find_keep(struct store_find *f, const struct store_run *r)
{
	*f->out = *r;
	snprintf(f->idbuf, f->idlen, "%s", r->run_id);
	f->out->run_id = f->idbuf;
	f->found = true;
}

/* store_run_fn: take the first run handed over. */
static int
store_find_first(const struct store_run *r, void *arg)
{
	store_find_keep(arg, r);
	return 1;
}

/* store_run_fn: stop at the run whose runId is the one sought. */
static int
store_find_one(const struct store_run *r, void *arg)
{
	struct store_find *f = arg;

	if (strcmp(r->run_id, f->sel) != 0)
		return 0;
	store_find_keep(f, r);
	return 1;
}

int
store_run_find(struct store *st, enum source_kind kind, const char *id,
    const char *sel, struct store_run *out, char *idbuf, size_t idlen)
{
	struct store_info info;
	struct store_find f = {
	    .sel = sel, .out = out, .idbuf = idbuf, .idlen = idlen};
	char *end;
	long long n;
	long got;
	int rc;

	if ((rc = store_get(st, kind, id, &info)) != STORE_OK)
		return rc;
	if (!info.has_run)
		return STORE_ENOENT;
	if (strcmp(sel, "current") == 0) {
		store_find_keep(&f, &info.run);
		return STORE_OK;
	}
	if (strcmp(sel, "previous") == 0)
		n = info.run.run - 1;
	else if (sel[0] >= '0' && sel[0] <= '9' &&
	         (n = strtoll(sel, &end, 10), *end == '\0'))
		;
	else
		n = -1;
	if (n == 0)
		return STORE_ENOENT;
	if (n > 0) {
		f.sel = NULL;
		got = store_runs(st, kind, id, n - 1, 1, store_find_first, &f);
	} else
		got =
		    store_runs(st, kind, id, 0, (size_t)-1, store_find_one, &f);
	if (got < 0)
		return (int)got;
	if (!f.found || (n > 0 && out->run != n))
		return STORE_ENOENT;
	return STORE_OK;
}

const char *
store_strerror(int err)
{
	switch (err) {
	case STORE_OK:
		return "ok";
	case STORE_ENOENT:
		return "no such source";
	case STORE_EFULL:
		return "the server holds as many sources as it can";
	case STORE_ETOOBIG:
		return "event too large to keep";
	case STORE_EREADONLY:
		return "this source is generated by the server and read-only";
	case STORE_EINVAL:
		return "the database refused a value of the batch";
	case STORE_EUNAVAIL:
		return "the database is unavailable; try again";
	case STORE_ENOSYS:
		return "not supported by this store";
	case STORE_EQUERY:
		return "the database cannot answer this request";
	case STORE_EKEYREUSE:
		return "this Idempotency-Key was used for another body";
	case STORE_EOVERBUDGET:
		return "batch larger than the store's memory budget "
		       "(--max-store-memory)";
	default:
		return "out of memory";
	}
}

enum run_status
store_status_parse(const char *name, size_t n)
{
	size_t i;

	for (i = RUN_QUEUED; i <= RUN_CANCELLED; i++) {
		const char *known = run_status_name((enum run_status)i);

		if (strlen(known) == n && memcmp(known, name, n) == 0)
			return (enum run_status)i;
	}
	return RUN_UNKNOWN;
}

int
store_kind_parse(const char *name)
{
	int k;

	for (k = 0; k < SOURCE_KIND_COUNT; k++) {
		if (strcmp(source_kind_path((enum source_kind)k), name) == 0)
			return k;
	}
	return -1;
}

void
store_subs_add(struct store_subs *l, struct store_sub *sub,
    struct store *owner, store_note_fn fn, void *arg)
{
	struct store_sub **pp;

	sub->owner = owner;
	sub->fn = fn;
	sub->arg = arg;
	sub->dead = false;
	sub->next = NULL;
	/* Append, so subscribers are told in the order they came. */
	for (pp = &l->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = sub;
}

/* Free the dead subscriptions of l, unless it is busy. */
static void
store_subs_sweep(struct store_subs *l)
{
	struct store_sub *sub, **pp;

	if (l->busy > 0)
		return;
	for (pp = &l->head; (sub = *pp) != NULL;) {
		if (sub->dead) {
			*pp = sub->next;
			free(sub);
		} else
			pp = &sub->next;
	}
}

void
store_subs_tell(struct store_subs *l, const struct store_note *note)
{
	struct store_sub *sub;

	/* A subscription added meanwhile sits at the tail and is told of
	 * this note too. Dead ones stay linked until the sweep, so each
	 * next pointer stays valid whatever the callbacks remove. */
	l->busy++;
	for (sub = l->head; sub != NULL; sub = sub->next) {
		if (!sub->dead)
			sub->fn(note, sub->arg);
	}
	l->busy--;
	store_subs_sweep(l);
}

void
store_subs_remove(struct store_subs *l, struct store_sub *sub)
{
	sub->dead = true;
	store_subs_sweep(l);
}

void
store_subs_hold(struct store_subs *l)
{
	l->busy++;
}

void
store_subs_release(struct store_subs *l)
{
	l->busy--;
	store_subs_sweep(l);
}

bool
store_subs_empty(const struct store_subs *l)
{
	const struct store_sub *sub;

	for (sub = l->head; sub != NULL; sub = sub->next) {
		if (!sub->dead)
			return false;
	}
	return true;
}

void
store_subs_clear(struct store_subs *l)
{
	struct store_sub *sub, *next;

	for (sub = l->head; sub != NULL; sub = next) {
		next = sub->next;
		free(sub);
	}
	l->head = NULL;
}
