/* newerr.c - new versus seen errors in follow mode (see newerr.h): the
 * runs of one source, the baseline's patterns, and the lines held until
 * the baseline they need is in. */
#include "newerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/pattern.h"
#include "core/source.h"
#include "net/client.h"
#include "net/fetch.h"
#include "net/loop.h"
#include "net/srclist.h"

/* A held line or note, in arrival order. */
struct newerr_item {
	struct newerr_item *next;
	bool note;     /* a note for stderr, else a line to judge */
	long long run; /* the line's run (0: unknown) */
	uint64_t hash; /* the line's pattern */
	size_t n;      /* bytes of text */
	char text[];   /* owned */
};

enum newerr_base {
	BASE_NONE,     /* nothing asked for yet */
	BASE_FETCHING, /* base_run's lines are being read */
	BASE_READY,    /* the patterns of base_run (0: no run) are in */
};

struct newerr {
	struct loop *loop;
	const struct client_cfg *cfg;
	const struct source *src;
	struct newerr_out out;
	bool prefetch;
	struct event_decoder *dec;
	/* Runs newerr_pump from the loop: the callers' calls come from
	 * inside curl's callbacks (the stream's), where curl refuses to start
	 * or stop a transfer (CURLM_RECURSIVE_API_CALL). */
	struct loop_timer pump;

	/* The runs. */
	struct fetch *runs_fetch; /* the list of runs, until it answers */
	bool runs_known;          /* it answered (or failed) */
	long long newest;         /* the newest run heard of */
	long long cur;            /* the run the stream told last (0: none) */
	bool cur_ok;              /* ... and it has ended successfully */
	long long ok[NEWERR_RUNS_MAX]; /* successful runs, ascending */
	size_t nok;

	/* The baseline. */
	enum newerr_base base;
	long long base_run;   /* loaded or loading; 0: no successful run */
	struct fetch *page;   /* the page being read */
	long long base_after; /* the last id read */
	long base_lines;      /* lines read */
	long page_size;       /* lines asked for per page */
	uint64_t *set;        /* open addressing; 0 is an empty slot */
	size_t set_cap, set_n;

	/* Held, oldest first. */
	struct newerr_item *head, *tail;
	size_t held_lines, held_bytes;

	/* Said once. */
	bool told_none, told_max, told_full, told_late;
};

static void newerr_pump(struct newerr *ne);
static void newerr_kick(struct newerr *ne);

/* One note of newerr's own. */
static void newerr_say(struct newerr *ne, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
newerr_say(struct newerr *ne, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ne->out.say(line, ne->out.arg);
}

/* --- the pattern set --- */

/* True when hash h is among the baseline's patterns. */
static bool
set_has(const struct newerr *ne, uint64_t h)
{
	size_t i;

	if (ne->set_cap == 0)
		return false;
	h = h ? h : 1;
	for (i = h & (ne->set_cap - 1); ne->set[i] != 0;
	     i = (i + 1) & (ne->set_cap - 1))
		if (ne->set[i] == h)
			return true;
	return false;
}

/* Put h in the table of cap slots (a power of two, never full). */
static void
set_put(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i;

	for (i = h & (cap - 1); set[i] != 0 && set[i] != h;
	     i = (i + 1) & (cap - 1))
		;
	set[i] = h;
}

/* Add pattern h (the hash 0 shares the slot of 1); the table doubles at
 * half full, up to NEWERR_PATTERNS_MAX patterns. */
static void
set_add(struct newerr *ne, uint64_t h)
{
	h = h ? h : 1;
	if (set_has(ne, h))
		return;
	if (ne->set_n >= NEWERR_PATTERNS_MAX) {
		if (!ne->told_full) {
			ne->told_full = true;
			newerr_say(ne,
			    "run %lld has more than %d WARN and ERROR "
			    "patterns; lines of the others count as new",
			    ne->base_run, NEWERR_PATTERNS_MAX);
		}
		return;
	}
	if ((ne->set_n + 1) * 2 > ne->set_cap) {
		size_t cap = ne->set_cap ? ne->set_cap * 2 : 64, i;
		uint64_t *set = calloc(cap, sizeof *set);

		if (set == NULL)
			return; /* out of memory: the line counts as new */
		for (i = 0; i < ne->set_cap; i++)
			if (ne->set[i] != 0)
				set_put(set, cap, ne->set[i]);
		free(ne->set);
		ne->set = set;
		ne->set_cap = cap;
	}
	set_put(ne->set, ne->set_cap, h);
	ne->set_n++;
}

/* --- the runs --- */

/* Remember that run completed successfully (kept ascending, unique). */
static void
runs_add_ok(struct newerr *ne, long long run)
{
	size_t i = ne->nok;

	while (i > 0 && ne->ok[i - 1] > run)
		i--;
	if (i > 0 && ne->ok[i - 1] == run)
		return;
	if (ne->nok == NEWERR_RUNS_MAX) {
		if (i == 0)
			return; /* older than all kept */
		memmove(ne->ok, ne->ok + 1, (i - 1) * sizeof *ne->ok);
		ne->ok[i - 1] = run;
		return;
	}
	memmove(ne->ok + i + 1, ne->ok + i, (ne->nok - i) * sizeof *ne->ok);
	ne->ok[i] = run;
	ne->nok++;
}

/* The baseline of a line of run (0: unknown): the newest successful run
 * before it; 0 when there is none. */
static long long
runs_baseline(const struct newerr *ne, long long run)
{
	size_t i;

	if (run <= 0)
		run = ne->cur > 0 ? ne->cur : ne->newest;
	if (run <= 0) /* no run at all yet */
		return ne->nok > 0 ? ne->ok[ne->nok - 1] : 0;
	for (i = ne->nok; i > 0; i--)
		if (ne->ok[i - 1] < run)
			return ne->ok[i - 1];
	return 0;
}

/* fetch_done_fn: the list of runs. A failure leaves the successful runs
 * this follow sees end as the only baselines. */
static void
runs_fetched(
    long status, const char *body, size_t len, const char *err, void *arg)
{
	struct newerr *ne = arg;
	struct srclist_run *runs;
	long n, i;

	ne->runs_fetch = NULL;
	ne->runs_known = true;
	if (err != NULL || status != 200) {
		char why[300];

		if (err != NULL)
			snprintf(why, sizeof why, "%s", err);
		else
			snprintf(why, sizeof why, "HTTP %ld", status);
		newerr_say(ne,
		    "--new-errors: cannot read the runs (%s): "
		    "every ERROR and WARN line counts as new",
		    why);
		ne->told_none = true;
		newerr_pump(ne);
		return;
	}
	if ((n = srclist_decode_runs(body, len, &runs)) < 0)
		n = 0; /* not a list: as if it named no run */
	for (i = 0; i < n; i++) {
		if (runs[i].run > ne->newest)
			ne->newest = runs[i].run;
		if (srclist_run_ok(&runs[i]))
			runs_add_ok(ne, runs[i].run);
	}
	free(runs);
	newerr_pump(ne);
}

/* --- the baseline --- */

static void base_next_page(struct newerr *ne);

/* event_decode_array callback: one line of the baseline run. */
static void
base_line(const struct log_event *ev, void *arg)
{
	struct newerr *ne = arg;

	if (ev->id > ne->base_after)
		ne->base_after = ev->id;
	ne->base_lines++;
	if (ev->level >= LEVEL_WARN && ev->level != LEVEL_OTHER)
		set_add(ne, pattern_hash(ev->message.p, ev->message.n));
}

/* The baseline is in (whole, or as far as it could be read). */
static void
base_ready(struct newerr *ne)
{
	ne->base = BASE_READY;
	newerr_pump(ne);
}

/* fetch_done_fn: one page of the baseline run's lines. */
static void
base_page_fetched(
    long status, const char *body, size_t len, const char *err, void *arg)
{
	struct newerr *ne = arg;
	long before = ne->base_lines, got;

	ne->page = NULL;
	if (err != NULL && strstr(err, "larger than") != NULL &&
	    ne->page_size > 1) {
		/* Long lines: ask for fewer at a time. */
		ne->page_size /= 2;
		base_next_page(ne);
		return;
	}
	if (err != NULL || status != 200 ||
	    event_decode_array(ne->dec, body, len, base_line, ne) < 0) {
		char why[300];

		if (err != NULL)
			snprintf(why, sizeof why, "%s", err);
		else if (status != 200)
			snprintf(why, sizeof why, "HTTP %ld", status);
		else
			snprintf(why, sizeof why, "not a JSON array");
		newerr_say(ne,
		    "--new-errors: cannot read run %lld (%s): judging "
		    "against its first %ld lines",
		    ne->base_run, why, ne->base_lines);
		base_ready(ne);
		return;
	}
	got = ne->base_lines - before;
	if (got < ne->page_size || got == 0)
		base_ready(ne); /* the run's last page */
	else if (ne->base_lines >= NEWERR_BASELINE_MAX) {
		if (!ne->told_max) {
			ne->told_max = true;
			newerr_say(ne,
			    "--new-errors: run %lld has more than %d lines; "
			    "patterns first seen after them count as new",
			    ne->base_run, NEWERR_BASELINE_MAX);
		}
		base_ready(ne);
	} else
		base_next_page(ne);
}

/* Ask for the next page of the baseline run's lines. */
static void
base_next_page(struct newerr *ne)
{
	char suffix[128], *url;
	long limit = ne->page_size;

	if (limit > NEWERR_BASELINE_MAX - ne->base_lines)
		limit = NEWERR_BASELINE_MAX - ne->base_lines;
	snprintf(suffix, sizeof suffix, "/logs?run=%lld&after=%lld&limit=%ld",
	    ne->base_run, ne->base_after, limit);
	url = client_url(
	    ne->cfg, source_kind_path(ne->src->kind), ne->src->id, suffix);
	ne->page = url == NULL ? NULL
	                       : fetch_get(ne->loop, ne->cfg, url,
	                             base_page_fetched, ne);
	free(url);
	if (ne->page == NULL) {
		newerr_say(ne, "--new-errors: out of memory reading run %lld",
		    ne->base_run);
		/* Judged against what was read. */
		ne->base = BASE_READY;
		newerr_kick(ne);
	}
}

/* Make run the baseline (0: none), starting its fetch unless it is the
 * one loaded or loading. */
static void
base_want(struct newerr *ne, long long run)
{
	if (ne->base != BASE_NONE && ne->base_run == run)
		return;
	fetch_cancel(ne->page);
	ne->page = NULL;
	free(ne->set);
	ne->set = NULL;
	ne->set_cap = ne->set_n = 0;
	ne->base_run = run;
	ne->base_after = 0;
	ne->base_lines = 0;
	ne->page_size = NEWERR_PAGE;
	ne->told_max = ne->told_full = false;
	if (run == 0) {
		ne->base = BASE_READY;
		return;
	}
	ne->base = BASE_FETCHING;
	base_next_page(ne);
}

/* --- the held lines --- */

/* Pass item it on: a note as it is, a line when its pattern is new (or,
 * unjudged, always). */
static void
item_emit(struct newerr *ne, const struct newerr_item *it, bool judged)
{
	if (it->note)
		ne->out.note(it->text, it->n, ne->out.arg);
	else if (!judged || !set_has(ne, it->hash))
		ne->out.line(it->text, it->n, ne->out.arg);
}

/* Take the oldest held item off the queue (the caller frees it). */
static struct newerr_item *
item_pop(struct newerr *ne)
{
	struct newerr_item *it = ne->head;

	ne->head = it->next;
	if (ne->head == NULL)
		ne->tail = NULL;
	if (!it->note)
		ne->held_lines--;
	ne->held_bytes -= it->n;
	return it;
}

/* Say, once per source, that there is no baseline for run. */
static void
tell_none(struct newerr *ne, long long run)
{
	if (ne->told_none)
		return;
	ne->told_none = true;
	if (run > 0)
		newerr_say(ne,
		    "--new-errors: no successful run before run %lld: every "
		    "ERROR and WARN line counts as new",
		    run);
	else
		newerr_say(ne, "--new-errors: no successful run yet: every "
		               "ERROR and WARN line counts as new");
}

/* Pass on what can be judged now, oldest first; ask for the baseline the
 * oldest held line needs. With nothing held, fetch the baseline of the
 * current run ahead (of the next run, once the current one completed,
 * when asked to). */
static void
newerr_pump(struct newerr *ne)
{
	struct newerr_item *it;
	long long want;

	while ((it = ne->head) != NULL) {
		if (!it->note) {
			if (!ne->runs_known)
				return;
			want = runs_baseline(ne, it->run);
			base_want(ne, want);
			if (ne->base != BASE_READY)
				return;
			if (want == 0)
				tell_none(ne, it->run > 0 ? it->run : ne->cur);
		}
		item_emit(ne, item_pop(ne), true);
		free(it);
	}
	/* Nothing held: read the baseline the next lines will need now,
	 * not when they come (a run's backlog arrives at once). */
	if (ne->runs_known)
		base_want(
		    ne, runs_baseline(
		            ne, ne->prefetch && ne->cur_ok ? ne->cur + 1 : 0));
}

/* Hold text (a note, or a line of run with pattern hash); past the hold
 * limits the oldest held items go out unjudged. */
static void
newerr_hold(struct newerr *ne, bool note, long long run, uint64_t hash,
    const char *text, size_t n)
{
	struct newerr_item *it = malloc(sizeof *it + n);

	if (it == NULL) {
		/* Out of memory: shown unjudged rather than lost. */
		if (note)
			ne->out.note(text, n, ne->out.arg);
		else
			ne->out.line(text, n, ne->out.arg);
		return;
	}
	it->next = NULL;
	it->note = note;
	it->run = run;
	it->hash = hash;
	it->n = n;
	memcpy(it->text, text, n);
	if (ne->tail != NULL)
		ne->tail->next = it;
	else
		ne->head = it;
	ne->tail = it;
	if (!note)
		ne->held_lines++;
	ne->held_bytes += n;
	while (ne->head != NULL && (ne->held_lines > NEWERR_HOLD_LINES ||
	                               ne->held_bytes > NEWERR_HOLD_BYTES)) {
		struct newerr_item *old = item_pop(ne);

		if (!ne->told_late && !old->note) {
			ne->told_late = true;
			newerr_say(ne,
			    "--new-errors: the baseline is late; lines held "
			    "past %d (or %d MiB) are printed unjudged",
			    NEWERR_HOLD_LINES, NEWERR_HOLD_BYTES >> 20);
		}
		item_emit(ne, old, false);
		free(old);
	}
	newerr_kick(ne);
}

/* The pump timer: pass on what can be judged, fetch what is needed. */
static void
newerr_on_pump(void *arg)
{
	newerr_pump(arg);
}

/* Pump from the loop, soon (see pump). */
static void
newerr_kick(struct newerr *ne)
{
	loop_timer_in(ne->loop, &ne->pump, 0);
}

/* --- the interface --- */

struct newerr *
newerr_new(struct loop *loop, const struct client_cfg *cfg,
    const struct source *src, bool prefetch, const struct newerr_out *out)
{
	struct newerr *ne = calloc(1, sizeof *ne);
	char suffix[32], *url;

	if (ne == NULL)
		return NULL;
	ne->loop = loop;
	ne->cfg = cfg;
	ne->src = src;
	ne->out = *out;
	ne->prefetch = prefetch;
	loop_timer_init(&ne->pump, newerr_on_pump, ne);
	if ((ne->dec = event_decoder_new()) == NULL) {
		free(ne);
		return NULL;
	}
	snprintf(suffix, sizeof suffix, "/runs?limit=%d", NEWERR_RUNS_MAX);
	url = client_url(cfg, source_kind_path(src->kind), src->id, suffix);
	ne->runs_fetch =
	    url == NULL ? NULL : fetch_get(loop, cfg, url, runs_fetched, ne);
	free(url);
	if (ne->runs_fetch == NULL) {
		newerr_free(ne);
		return NULL;
	}
	return ne;
}

void
newerr_free(struct newerr *ne)
{
	struct newerr_item *it;

	if (ne == NULL)
		return;
	loop_timer_stop(ne->loop, &ne->pump);
	fetch_cancel(ne->runs_fetch);
	fetch_cancel(ne->page);
	while ((it = ne->head) != NULL) {
		ne->head = it->next;
		free(it);
	}
	free(ne->set);
	event_decoder_free(ne->dec);
	free(ne);
}

void
newerr_run_started(struct newerr *ne, long long run)
{
	if (run > ne->newest)
		ne->newest = run;
	if (run != ne->cur)
		ne->cur_ok = false;
	ne->cur = run;
}

void
newerr_run_ended(struct newerr *ne, long long run, bool ok)
{
	if (run > ne->newest)
		ne->newest = run;
	ne->cur = run;
	ne->cur_ok = ok;
	if (ok)
		runs_add_ok(ne, run);
	newerr_kick(ne);
}

void
newerr_line(
    struct newerr *ne, long long run, uint64_t hash, const char *text, size_t n)
{
	if (ne->head == NULL && ne->runs_known) {
		long long want = runs_baseline(ne, run);

		if (ne->base == BASE_READY && ne->base_run == want) {
			/* The common case: judged at once, nothing copied. */
			if (want == 0)
				tell_none(ne, run > 0 ? run : ne->cur);
			if (!set_has(ne, hash))
				ne->out.line(text, n, ne->out.arg);
			return;
		}
	}
	newerr_hold(ne, false, run, hash, text, n);
}

void
newerr_note(struct newerr *ne, const char *text, size_t n)
{
	if (ne->head == NULL)
		ne->out.note(text, n, ne->out.arg);
	else
		newerr_hold(ne, true, 0, 0, text, n);
}

bool
newerr_has_baseline(const struct newerr *ne)
{
	return ne->base == BASE_READY && ne->base_run > 0;
}

bool
newerr_idle(const struct newerr *ne)
{
	return ne->head == NULL;
}
