/* feed.c - live server-sent-event streams. Each stream keeps a cursor (the
 * last event id it sent) and pulls from the store whenever the store says
 * something changed or its connection's output drained, rendering events
 * straight into large reply chunks. A stream whose client reads slowly is
 * simply not fed until its output drains, so it costs the others nothing
 * and loses nothing that the store still holds.
 *
 * A stream that follows runs keeps a small queue of run boundaries, each
 * placed after an event id; events and boundaries go out merged in that
 * order. Boundaries come from the store's notes, but the queue is seeded
 * from (and, when it overflowed, refilled from) the store's runs, which
 * say where every boundary goes: so a client that was not fed for a while
 * still gets each one in place. Boundaries are ordered by (run, start or
 * end), which also drops the ones already queued.
 *
 * The live list of a kind's sources is a stream too (struct flist): the
 * same heartbeat, limits and drain, a snapshot first, then one source
 * object per change. */
#include "feed.h"
#include "access.h"
#include "conn.h"
#include "metrics.h"
#include "render.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* Bytes of events rendered into one reply chunk. */
#define FEED_CHUNK ((size_t)256 << 10)
/* A chunk is closed when less than this is left in it. */
#define FEED_CHUNK_SLACK 1024
/* Framing around one event: "id: " 20 digits "\nevent: log\ndata: " "\n\n". */
#define FEED_FRAME_OVERHEAD 48
/* Bytes libevent may write to a stream's socket per wake-up (its default,
 * 16 KiB, costs a loop pass per 16 KiB on fast streams). */
#define FEED_WRITE_MAX ((size_t)1 << 20)

/* A status event waiting for its place: the one status of a plain
 * stream, or a run boundary. */
struct fstatus {
	int64_t after; /* it goes out once the events up to this id have */
	enum run_status status;
	bool has_exit_code;
	int exit_code;
	int64_t at_ms; /* its "timestamp" */
	int64_t run;   /* the run it names, 0: none */
	bool boundary; /* a run's start or end: startedAt (endedAt) too */
	bool end;      /* the run's end */
	int64_t started_ms;
	int64_t ended_ms;
	char run_id[STORE_RUN_ID_MAX + 1];
};

/* What a stream of a log follows. */
enum feed_mode {
	FEED_PLAIN,    /* one status when caught up; ends at a terminal one */
	FEED_ONE_RUN,  /* run=RUN: its boundaries; ends after its end */
	FEED_ALL_RUNS, /* runs=all: every boundary; never ends on its own */
};

/* The live list of a kind's sources. */
struct flist {
	struct event *timer; /* tells of the pending sources' new events */
	char *pending[FEED_LIST_PENDING_MAX]; /* ids with untold events */
	size_t npending;
	bool pending_all; /* more than fit: tell of every source */
	bool resync;      /* output overflowed: a snapshot once drained */
};

struct feed {
	struct feed_mgr *m;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	enum source_kind kind;
	char *id; /* NULL for a live list */
	struct store_sub *sub;
	char *who;            /* the client, or NULL */
	struct event *expiry; /* ends the stream when its token expires */
	int64_t cursor;       /* the last event id sent */
	enum feed_mode mode;
	bool status_pending;    /* FEED_PLAIN: status is to be sent once */
	struct fstatus status;  /* ... cursor reaches status.after */
	struct fstatus *bounds; /* run modes: FEED_BOUNDS_MAX, a ring */
	size_t bhead;
	size_t blen;
	int64_t bkey;    /* key of the newest boundary queued, -1: none */
	bool overflow;   /* boundaries were dropped: refill from the runs */
	int64_t min_run; /* the runs whose boundaries this stream sends */
	int64_t max_run;
	bool done;          /* FEED_ONE_RUN: its end went out */
	struct flist *list; /* a live list, else NULL */
	int64_t drained_ms; /* monotonic ms when its output was empty */
	struct evbuffer *out; /* its connection's output (counted in
	                       * m->buffered through outcb) */
	struct evbuffer_cb_entry *outcb;
	bool starved; /* not fed for the memory budget: fed at the tick */
	int64_t started_us; /* monotonic us when it was asked for */
	uint64_t bytes;     /* bytes of body sent */
	const char *method; /* for the access log */
	char target[ACCESS_TARGET_MAX + 1];
	char peer[ACCESS_PEER_MAX];
	struct feed *prev;
	struct feed *next;
};

struct feed_mgr {
	struct event_base *base;
	struct store *st;
	struct feed_cfg cfg;
	struct event *tick;
	struct feed *head;
	size_t count;
	bool draining;          /* shutting down: no new streams */
	struct evbuffer *chunk; /* the next reply chunk; moves into a reply */
	char *scratch;          /* FEED_CHUNK bytes to render events into */
	size_t buffered;        /* unsent output of every stream */
};

/* Rendering state while the store hands events to feed_line. */
struct feed_fill {
	struct feed_mgr *m;
	struct feed *f;
	size_t used; /* bytes rendered into m->scratch */
	long events; /* events rendered */
	long bounds; /* boundaries sent */
};

static void feed_pump(struct feed *f);
static void feed_list_pump(struct feed *f);

/* The id a stream follows, for log lines ("*" for a live list). */
static const char *
feed_name(const struct feed *f)
{
	return f->id != NULL ? f->id : "*";
}

/* Free a stream that is not linked (or no longer): its subscription,
 * timers and state, not its request. */
static void
feed_release(struct feed *f)
{
	if (f->sub != NULL)
		store_unsubscribe(f->m->st, f->sub);
	if (f->expiry != NULL)
		event_free(f->expiry);
	if (f->list != NULL) {
		if (f->list->timer != NULL)
			event_free(f->list->timer);
		while (f->list->npending > 0)
			free(f->list->pending[--f->list->npending]);
		free(f->list);
	}
	free(f->bounds);
	free(f->who);
	free(f->id);
	free(f);
}

/* Forget f, which ended as why says (for the access log): unlink and
 * free (not its request). */
static void
feed_forget(struct feed *f, const char *why)
{
	struct feed_mgr *m = f->m;
	struct access_entry e = {.method = f->method,
	    .target = f->target,
	    .peer = f->peer,
	    .status = 200,
	    .bytes = f->bytes,
	    .duration_us = util_mono_us() - f->started_us,
	    .stream = why};

	access_record(&e);
	metrics_stream(f->kind, f->list != NULL, -1);
	if (f->outcb != NULL) {
		/* What is left drains (or is freed) without us. */
		evbuffer_remove_cb_entry(f->out, f->outcb);
		m->buffered -= evbuffer_get_length(f->out);
		metrics_stream_buffered(m->buffered);
	}

	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		m->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	m->count--;
	feed_release(f);
}

/* The client went away (or its connection failed): libevent has detached
 * the unfinished request from the connection it is freeing, and finishing
 * a detached request frees it. */
static void
feed_closed(struct evhttp_connection *evcon, void *arg)
{
	struct feed *f = arg;

	if (f->m->cfg.verbose)
		util_log("stream of %s/%s to %s closed by the client",
		    source_kind_path(f->kind), feed_name(f), f->peer);
	if (evhttp_request_get_connection(f->req) == NULL)
		evhttp_send_reply_end(f->req);
	feed_forget(f, "closed");
}

/* The run ended: finish the chunked reply; the connection goes back to
 * serving requests (with the normal idle timeout). */
static void
feed_finish(struct feed *f, enum run_status why)
{
	conn_set_closecb(f->evcon, NULL, NULL);
	evhttp_connection_set_timeout(f->evcon, f->m->cfg.idle_timeout_s);
	evhttp_send_reply_end(f->req);
	if (f->m->cfg.verbose)
		util_log("stream of %s/%s to %s ended (%s)",
		    source_kind_path(f->kind), feed_name(f), f->peer,
		    run_status_name(why));
	feed_forget(f, "ended");
}

/* The client has not taken its output for too long (memory false), or
 * the streams' output is over the memory budget and this client is
 * behind (memory true): close the connection (which frees the request
 * too). */
static void
feed_drop(struct feed *f, int64_t now, bool memory)
{
	struct evhttp_connection *evcon = f->evcon;

	if (memory)
		util_log("dropped stream of %s/%s to %s: stream output over "
		         "--max-stream-memory (%zu bytes; %zu of them its)",
		    source_kind_path(f->kind), feed_name(f), f->peer,
		    f->m->buffered, evbuffer_get_length(f->out));
	else
		util_log("dropped stream of %s/%s to %s: output not drained "
		         "for %lld s (%zu bytes pending)",
		    source_kind_path(f->kind), feed_name(f), f->peer,
		    (long long)(now - f->drained_ms) / 1000,
		    evbuffer_get_length(f->out));
	conn_set_closecb(evcon, NULL, NULL);
	metrics_add(memory ? METRICS_STREAMS_DROPPED_MEMORY
	                   : METRICS_STREAMS_DROPPED_SLOW,
	    1);
	feed_forget(f, memory ? "dropped_memory" : "dropped_slow");
	evhttp_connection_free(evcon);
}

/* evbuffer callback of a stream's output: keep the total of every
 * stream's unsent output. */
static void
feed_outcb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct feed *f = arg;

	f->m->buffered += info->n_added;
	f->m->buffered -= info->n_deleted;
	metrics_stream_buffered(f->m->buffered);
}

/* Whether f may be fed now under the memory budget; when not, it waits
 * for the tick (feed_tick), which cuts the streams holding the most. */
static bool
feed_budget(struct feed *f)
{
	f->starved = f->m->buffered >= f->m->cfg.memory_max;
	return !f->starved;
}

/* Over the memory budget: cut the streams holding the most unsent output
 * until under it (a scan per cut, only while over). Only the tick calls
 * this, outside any walk over the streams. */
static void
feed_trim(struct feed_mgr *m, int64_t now)
{
	struct feed *f, *worst;

	while (m->buffered >= m->cfg.memory_max) {
		worst = NULL;
		for (f = m->head; f != NULL; f = f->next) {
			if (worst == NULL || evbuffer_get_length(f->out) >
			                         evbuffer_get_length(worst->out))
				worst = f;
		}
		if (worst == NULL || evbuffer_get_length(worst->out) == 0)
			return; /* what is left belongs to ended streams */
		feed_drop(worst, now, true);
	}
}

/* The connection's output is empty again: feed it more. */
static void
feed_drained(struct evhttp_connection *evcon, void *arg)
{
	struct feed *f = arg;

	f->drained_ms = util_mono_ms();
	if (f->list != NULL)
		feed_list_pump(f);
	else
		feed_pump(f);
}

/* Send what m->chunk holds as one reply chunk. */
static void
feed_send(struct feed *f)
{
	f->bytes += evbuffer_get_length(f->m->chunk);
	evhttp_send_reply_chunk_with_cb(f->req, f->m->chunk, feed_drained, f);
}

/* evbuffer cleanup of a scratch buffer handed to a reply. */
static void
feed_scratch_free(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/* Move what was rendered into m->chunk. A large piece is handed over
 * without copying (the manager takes a fresh scratch next time); a small
 * one is copied, so a trickle of live events does not pin a whole scratch
 * buffer per chunk in a slow client's output. */
static void
feed_flush(struct feed_fill *c)
{
	struct feed_mgr *m = c->m;

	if (c->used == 0)
		return;
	if (c->used >= FEED_CHUNK / 2 &&
	    evbuffer_add_reference(
	        m->chunk, m->scratch, c->used, feed_scratch_free, NULL) == 0)
		m->scratch = NULL;
	else
		evbuffer_add(m->chunk, m->scratch, c->used);
	c->used = 0;
}

/* Append a status event to m->chunk: "status", "timestamp", "exitCode",
 * then the run it names ("run", "runId") and, at a boundary, "startedAt"
 * and "endedAt" (doc/api.md, "Runs on a stream"). */
static void
feed_status_event(struct feed *f, const struct fstatus *st)
{
	char when[UTIL_ISO_LEN + 1], *text;
	cJSON *v = cJSON_CreateObject();

	util_iso_time(when, st->at_ms);
	cJSON_AddStringToObject(v, "status", run_status_name(st->status));
	cJSON_AddStringToObject(v, "timestamp", when);
	if (st->has_exit_code)
		cJSON_AddNumberToObject(v, "exitCode", st->exit_code);
	if (st->run > 0) {
		cJSON_AddNumberToObject(v, "run", (double)st->run);
		cJSON_AddStringToObject(v, "runId", st->run_id);
	}
	if (st->boundary) {
		util_iso_time(when, st->started_ms);
		cJSON_AddStringToObject(v, "startedAt", when);
		if (st->end) {
			util_iso_time(when, st->ended_ms);
			cJSON_AddStringToObject(v, "endedAt", when);
		}
	}
	if ((text = cJSON_PrintUnformatted(v)) != NULL) {
		evbuffer_add_printf(
		    f->m->chunk, "event: status\ndata: %s\n\n", text);
		free(text);
	}
	cJSON_Delete(v);
}

/* Fill st as the start (or end) of run r, placed after event after. */
static void
feed_bound_of(struct fstatus *st, const struct store_run *r, bool end)
{
	*st = (struct fstatus){.after = end ? r->end_after : r->start_after,
	    .status = end ? r->status : RUN_RUNNING,
	    .has_exit_code = end && r->has_exit_code,
	    .exit_code = end ? r->exit_code : 0,
	    .at_ms = end ? r->ended_ms : r->started_ms,
	    .run = r->run,
	    .boundary = true,
	    .end = end,
	    .started_ms = r->started_ms,
	    .ended_ms = r->ended_ms};
	snprintf(st->run_id, sizeof st->run_id, "%s", r->run_id);
}

/* Queue the start (or end) of run r unless it is queued or sent already,
 * or is none of f's; past FEED_BOUNDS_MAX note that some were dropped. */
static void
feed_bound_push(struct feed *f, const struct store_run *r, bool end)
{
	int64_t key = r->run * 2 + (end ? 1 : 0);

	if (f->overflow || key <= f->bkey || r->run < f->min_run ||
	    r->run > f->max_run)
		return;
	if (f->blen == FEED_BOUNDS_MAX) {
		f->overflow = true;
		return;
	}
	feed_bound_of(
	    &f->bounds[(f->bhead + f->blen) % FEED_BOUNDS_MAX], r, end);
	f->blen++;
	f->bkey = key;
}

/* Queue both boundaries of run r that have happened. */
static void
feed_bound_run(struct feed *f, const struct store_run *r)
{
	feed_bound_push(f, r, false);
	if (r->status != RUN_RUNNING)
		feed_bound_push(f, r, true);
}

/* store_run_fn: queue a run's boundaries until the queue is full. */
static int
feed_bound_refill_one(const struct store_run *r, void *arg)
{
	struct feed *f = arg;

	feed_bound_run(f, r);
	return f->overflow;
}

/* Read the boundaries dropped for want of room again from the store's
 * runs, from the run of the newest one queued on; true when any came. */
static bool
feed_bound_refill(struct feed *f)
{
	int64_t from = f->bkey >= 0 ? f->bkey / 2 : f->min_run;
	size_t had = f->blen;

	f->overflow = false;
	store_runs(f->m->st, f->kind, f->id, from > 0 ? from - 1 : 0,
	    (size_t)-1, feed_bound_refill_one, f);
	return f->blen > had;
}

/* Send the oldest queued boundary to m->chunk; a run stream is done once
 * its run's end is out. */
static void
feed_bound_send(struct feed *f)
{
	const struct fstatus *b = &f->bounds[f->bhead];

	feed_status_event(f, b);
	if (f->mode == FEED_ONE_RUN && b->end && b->run == f->max_run) {
		f->done = true;
		f->status.status = b->status;
	}
	f->bhead = (f->bhead + 1) % FEED_BOUNDS_MAX;
	f->blen--;
}

/* Send the boundaries whose place has come (after the events up to the
 * cursor), refilling the queue from the store while there is room;
 * returns how many went out. */
static long
feed_bound_ready(struct feed *f)
{
	long sent = 0;

	if (f->bounds == NULL)
		return 0;
	while (!f->done) {
		if (f->blen > 0 && f->bounds[f->bhead].after <= f->cursor) {
			feed_bound_send(f);
			sent++;
		} else if (!f->overflow || f->blen == FEED_BOUNDS_MAX ||
		           !feed_bound_refill(f))
			break;
	}
	return sent;
}

/* store_line_fn: frame one event into the scratch buffer, after the
 * boundaries that come before it. Stops before the event when the queue
 * must be refilled first, or when the run the stream follows has ended. */
static int
feed_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct feed_fill *c = arg;
	struct feed *f = c->f;
	char *p;
	char head[32];
	size_t n;

	while (f->bounds != NULL) {
		if (f->blen > 0 && f->bounds[f->bhead].after < id) {
			/* The flush may hand the scratch buffer over. */
			feed_flush(c);
			feed_bound_send(f);
			c->bounds++;
			if (f->done ||
			    (c->m->scratch == NULL &&
			        (c->m->scratch = malloc(FEED_CHUNK)) == NULL))
				return 1;
		} else if (f->blen == 0 && f->overflow)
			return 1;
		else
			break;
	}
	f->cursor = id;
	c->events++;
	if (c->used + len + FEED_FRAME_OVERHEAD > FEED_CHUNK) {
		/* Too big for the room left: append it apart, end the chunk. */
		feed_flush(c);
		memcpy(head, "id: ", 4);
		n = 4 + util_u64_dec(head + 4, (uint64_t)id);
		evbuffer_add(c->m->chunk, head, n);
		evbuffer_add(c->m->chunk, "\nevent: log\ndata: ", 18);
		evbuffer_add(c->m->chunk, json, len);
		evbuffer_add(c->m->chunk, "\n\n", 2);
		return 1;
	}
	p = c->m->scratch + c->used;
	memcpy(p, "id: ", 4);
	p += 4;
	p += util_u64_dec(p, (uint64_t)id);
	memcpy(p, "\nevent: log\ndata: ", 18);
	p += 18;
	memcpy(p, json, len);
	p += len;
	*p++ = '\n';
	*p++ = '\n';
	c->used = (size_t)(p - c->m->scratch);
	return FEED_CHUNK - c->used < FEED_CHUNK_SLACK;
}

/* Render the events after f's cursor (and the boundaries among them) into
 * m->chunk, up to about one chunk; returns how many events and boundaries
 * went out, or -1. */
static long
feed_fill(struct feed *f)
{
	struct feed_fill c = {.m = f->m, .f = f};
	long n;

	if (c.m->scratch == NULL && (c.m->scratch = malloc(FEED_CHUNK)) == NULL)
		return -1;
	n = store_read_live(
	    c.m->st, f->kind, f->id, f->cursor, (size_t)-1, feed_line, &c);
	feed_flush(&c);
	metrics_add(METRICS_EVENTS_SERVED_STREAM, (uint64_t)c.events);
	return n < 0 ? n : c.events + c.bounds;
}

/* Append a reset event (the resume point is gone) to m->chunk. */
static void
feed_reset_event(struct feed *f, const char *reason, int64_t oldest)
{
	evbuffer_add_printf(f->m->chunk,
	    "event: reset\ndata: {\"reason\":"
	    "\"%s\",\"oldestId\":%lld}\n\n",
	    reason, (long long)oldest);
}

/* Send f what it has not had yet, while its output is under the limit:
 * events with the boundaries among them; then the pending status of a
 * plain stream once the events before it are out. A stream that is over
 * (a terminal status, or the end of the run it follows) is finished. */
static void
feed_pump(struct feed *f)
{
	struct store_info info;
	long n;

	if (!feed_budget(f))
		return;
	while (!f->done && evbuffer_get_length(f->out) < FEED_OUTBUF_MAX &&
	       f->m->buffered < f->m->cfg.memory_max) {
		if (store_get_live(f->m->st, f->kind, f->id, &info) != STORE_OK)
			break;
		if (f->cursor < info.evicted_id) {
			/* Evicted while this client was not reading. */
			feed_reset_event(f, "retention", info.oldest_id);
			f->cursor = info.oldest_id - 1;
		}
		n = feed_bound_ready(f);
		if (!f->done && f->cursor < info.last_id)
			n += feed_fill(f);
		if (evbuffer_get_length(f->m->chunk) > 0)
			feed_send(f);
		if (n <= 0)
			break;
	}
	if (f->done) {
		feed_finish(f, f->status.status);
		return;
	}
	if (f->status_pending && f->cursor >= f->status.after) {
		f->status_pending = false;
		feed_status_event(f, &f->status);
		feed_send(f);
		if (run_status_terminal(f->status.status)) {
			feed_finish(f, f->status.status);
			return;
		}
	}
	if (evbuffer_get_length(f->m->chunk) > 0)
		feed_send(f);
}

/* Make the status of a plain stream from a note (or the source, when
 * note is NULL), naming the run the note names, else the newest. */
static void
feed_plain_status(struct feed *f, const struct store_note *note,
    const struct store_info *info)
{
	const struct store_run *r = NULL;

	f->status = (struct fstatus){.after = note->last_id,
	    .status = note->status,
	    .has_exit_code = note->has_exit_code,
	    .exit_code = note->exit_code,
	    .at_ms = note->at_ms};
	if (note->run != NULL)
		r = note->run;
	else if (info != NULL && info->has_run)
		r = &info->run;
	if (r != NULL) {
		f->status.run = r->run;
		snprintf(
		    f->status.run_id, sizeof f->status.run_id, "%s", r->run_id);
	}
	f->status_pending = true;
}

/* store_note_fn: new events or a status change of f's source. */
static void
feed_note(const struct store_note *note, void *arg)
{
	struct feed *f = arg;
	struct store_info info;

	if (note->type == STORE_NOTE_STATUS && f->mode == FEED_PLAIN) {
		/* A terminal status waiting to be sent ends the stream; nothing
		 * after it matters. A non-terminal one is simply outdated. */
		if (!f->status_pending ||
		    !run_status_terminal(f->status.status))
			feed_plain_status(f, note,
			    note->run == NULL &&
			            store_get_live(f->m->st, f->kind, f->id,
			                &info) == STORE_OK
			        ? &info
			        : NULL);
	} else if (note->type == STORE_NOTE_STATUS && note->run != NULL) {
		/* A boundary; statuses that are none (queued) are not sent. */
		if (note->status == RUN_RUNNING)
			feed_bound_push(f, note->run, false);
		else
			feed_bound_run(f, note->run);
	}
	feed_pump(f);
}

/* f's token expired: say so and end the reply; the client refreshes its
 * token and resumes with Last-Event-ID. */
static void
feed_expired(evutil_socket_t fd, short what, void *arg)
{
	static const char ev[] =
	    "event: error\ndata: {\"reason\":\"token_expired\"}\n\n";
	struct feed *f = arg;

	evbuffer_add(f->m->chunk, ev, sizeof ev - 1);
	feed_send(f);
	conn_set_closecb(f->evcon, NULL, NULL);
	evhttp_connection_set_timeout(f->evcon, f->m->cfg.idle_timeout_s);
	evhttp_send_reply_end(f->req);
	if (f->m->cfg.verbose)
		util_log("stream of %s/%s to %s ended: token expired",
		    source_kind_path(f->kind), feed_name(f), f->peer);
	feed_forget(f, "token_expired");
}

/* The shared heartbeat: cut streams while over the memory budget; a
 * keepalive comment to every stream whose output is empty (and more
 * events for one that waited for the budget), and a drop for those whose
 * output has not drained for too long. */
static void
feed_tick(evutil_socket_t fd, short what, void *arg)
{
	struct feed_mgr *m = arg;
	struct feed *f, *next;
	int64_t now = util_mono_ms();

	feed_trim(m, now);
	for (f = m->head; f != NULL; f = next) {
		next = f->next;
		if (evbuffer_get_length(f->out) == 0) {
			f->drained_ms = now;
			evbuffer_add(m->chunk, ": keepalive\n\n", 13);
			feed_send(f);
			if (f->starved)
				feed_drained(f->evcon, f);
		} else if (now - f->drained_ms >=
		           (int64_t)m->cfg.stall_timeout_s * 1000)
			feed_drop(f, now, false);
	}
}

struct feed_mgr *
feed_mgr_new(
    struct event_base *base, struct store *st, const struct feed_cfg *cfg)
{
	struct feed_mgr *m;
	struct timeval tv = {cfg->heartbeat_s, 0};

	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	m->base = base;
	m->st = st;
	m->cfg = *cfg;
	if (m->cfg.memory_max == 0)
		m->cfg.memory_max = FEED_MEMORY_MAX;
	m->chunk = evbuffer_new();
	m->tick = event_new(base, -1, EV_PERSIST, feed_tick, m);
	if (m->chunk == NULL || m->tick == NULL || event_add(m->tick, &tv)) {
		feed_mgr_free(m);
		return NULL;
	}
	return m;
}

void
feed_mgr_free(struct feed_mgr *m)
{
	if (m == NULL)
		return;
	while (m->head != NULL) {
		conn_set_closecb(m->head->evcon, NULL, NULL);
		feed_forget(m->head, "stopped");
	}
	if (m->tick != NULL)
		event_free(m->tick);
	if (m->chunk != NULL)
		evbuffer_free(m->chunk);
	free(m->scratch);
	free(m);
}

enum feed_room
feed_mgr_room(const struct feed_mgr *m, const char *who)
{
	const struct feed *f;
	size_t mine = 0;

	if (m->draining)
		return FEED_ROOM_DRAINING;
	if (m->count >= m->cfg.max_streams)
		return FEED_ROOM_FULL;
	if (who == NULL || m->cfg.max_per_who == 0)
		return FEED_ROOM_OK;
	for (f = m->head; f != NULL; f = f->next) {
		if (f->who != NULL && strcmp(f->who, who) == 0 &&
		    ++mine >= m->cfg.max_per_who)
			return FEED_ROOM_CLIENT;
	}
	return FEED_ROOM_OK;
}

void
feed_mgr_drain(struct feed_mgr *m)
{
	struct feed *f;

	m->draining = true;
	while ((f = m->head) != NULL) {
		conn_set_closecb(f->evcon, NULL, NULL);
		evhttp_send_reply_end(f->req);
		feed_forget(f, "drained");
	}
}

/* Work out where a new stream starts: set f->cursor, and *reset to the
 * reason a reset event must come first (or NULL). Only a resume point
 * (Last-Event-ID, after=) that is gone gives a reset; the others start at
 * the oldest event held when theirs is gone. A stream of runs starts no
 * earlier than its first run. */
static void
feed_position(struct feed *f, const struct store_info *info,
    const struct feed_start *start, const char **reset)
{
	const struct store_run *run = start->has_run ? &start->run : NULL;

	*reset = NULL;
	f->cursor = info->oldest_id - 1;
	if (start->has_last_id) {
		if (start->last_id < info->evicted_id)
			*reset = "retention";
		else if (start->last_id > info->last_id)
			*reset = "unknown";
		else
			f->cursor = start->last_id;
	} else if (start->tail >= 0 && run != NULL)
		/* Ids of one run are consecutive in memory; with gaps this
		 * gives fewer than tail, never events of another run. */
		f->cursor = run->last_id - start->tail;
	else if (start->tail >= 0)
		store_tail(
		    f->m->st, f->kind, f->id, (size_t)start->tail, &f->cursor);
	else if (start->has_since)
		f->cursor = start->since_after;
	else if (run != NULL)
		f->cursor = run->start_after;
	if (run != NULL && f->cursor < run->start_after)
		f->cursor = run->start_after;
	if (*reset == NULL && f->cursor < info->evicted_id)
		f->cursor = info->evicted_id;
}

/* What feed_bound_seed keeps while the runs go by: the newest run that
 * started before the cursor (the one the event at the cursor belongs to). */
struct feed_seed {
	struct feed *f;
	bool has_before;
	struct store_run before;
	char before_id[STORE_RUN_ID_MAX + 1];
	bool started; /* queueing every run from here on */
};

/* store_run_fn: find the first run to send, then queue every run. */
static int
feed_bound_seed_one(const struct store_run *r, void *arg)
{
	struct feed_seed *s = arg;
	struct feed *f = s->f;
	const struct store_run *b = &s->before;

	if (r->run < f->min_run)
		return 0;
	if (r->run > f->max_run)
		return 1;
	if (!s->started && r->start_after < f->cursor) {
		s->has_before = true;
		s->before = *r;
		snprintf(s->before_id, sizeof s->before_id, "%s", r->run_id);
		s->before.run_id = s->before_id;
		return 0;
	}
	/* r is the first run that starts at or after the cursor. The one
	 * before it comes first when it still has something after the
	 * cursor: its end, or events stored after its end. */
	if (!s->started && s->has_before &&
	    (b->status == RUN_RUNNING || b->end_after >= f->cursor ||
	        r->start_after > f->cursor))
		feed_bound_run(f, b);
	s->started = true;
	feed_bound_run(f, r);
	return f->overflow;
}

/* Queue the boundaries a stream of runs starts with (doc/api.md, "Runs on
 * a stream"): the start of the run the first event sent belongs to (or
 * the newest run, when there is no event to send), its end when it is
 * over, then those of every later run, each in its place. */
static void
feed_bound_seed(struct feed *f)
{
	struct feed_seed s = {.f = f};

	store_runs(f->m->st, f->kind, f->id,
	    f->min_run > 0 ? f->min_run - 1 : 0, (size_t)-1,
	    feed_bound_seed_one, &s);
	if (!s.started && s.has_before)
		feed_bound_run(f, &s.before);
}

/* A new stream of kind/id (NULL: a live list) for client who, not yet
 * linked; NULL when out of memory. */
static struct feed *
feed_new(struct feed_mgr *m, enum source_kind kind, const char *id,
    const char *who, int64_t expires_ms)
{
	struct feed *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->m = m;
	f->kind = kind;
	f->bkey = -1;
	f->started_us = util_mono_us();
	if ((id != NULL && (f->id = strdup(id)) == NULL) ||
	    (who != NULL && (f->who = strdup(who)) == NULL) ||
	    (expires_ms > 0 &&
	        (f->expiry = evtimer_new(m->base, feed_expired, f)) == NULL)) {
		feed_release(f);
		return NULL;
	}
	return f;
}

/* Link f into m's streams and answer req with the stream's head and its
 * retry line (and a reset, when reset is not NULL); the expiry timer runs
 * from here. */
static void
feed_open(struct feed *f, struct evhttp_request *req, int64_t expires_ms,
    const char *reset, int64_t oldest)
{
	struct feed_mgr *m = f->m;
	struct evkeyvalq *hdrs = evhttp_request_get_output_headers(req);
	struct bufferevent *bev;

	f->req = req;
	f->drained_ms = util_mono_ms();
	f->method = access_method(req);
	access_target(req, f->target);
	access_peer(req, f->peer);
	metrics_stream(f->kind, f->list != NULL, 1);
	f->next = m->head;
	if (m->head != NULL)
		m->head->prev = f;
	m->head = f;
	m->count++;

	evhttp_add_header(hdrs, "Content-Type", "text/event-stream");
	evhttp_add_header(hdrs, "Cache-Control", "no-cache");
	evhttp_add_header(hdrs, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	f->evcon = evhttp_request_get_connection(req);
	bev = evhttp_connection_get_bufferevent(f->evcon);
	/* A stream is quiet between heartbeats and never sends requests:
	 * the stall check in feed_tick replaces libevent's timeouts. */
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_set_max_single_write(bev, FEED_WRITE_MAX);
	conn_set_closecb(f->evcon, feed_closed, f);
	f->out = bufferevent_get_output(bev);
	m->buffered += evbuffer_get_length(f->out);
	f->outcb = evbuffer_add_cb(f->out, feed_outcb, f);
	if (m->cfg.verbose)
		util_log("stream of %s/%s to %s starts after id %lld",
		    source_kind_path(f->kind), feed_name(f), f->peer,
		    (long long)f->cursor);

	evbuffer_add_printf(m->chunk, "retry: %ld\n\n", m->cfg.retry_ms);
	if (reset != NULL)
		feed_reset_event(f, reset, oldest);
	feed_send(f);
	if (f->expiry != NULL) {
		int64_t left = expires_ms - util_now_ms();
		struct timeval tv;

		if (left < 0)
			left = 0;
		tv.tv_sec = left / 1000;
		tv.tv_usec = left % 1000 * 1000;
		evtimer_add(f->expiry, &tv);
	}
}

int
feed_start(struct feed_mgr *m, struct evhttp_request *req,
    enum source_kind kind, const char *id, const struct feed_start *start)
{
	struct store_info info;
	struct store_note now;
	struct feed *f;
	const char *reset;
	char run_id[STORE_RUN_ID_MAX + 1];

	if ((f = feed_new(m, kind, id, start->who, start->expires_ms)) == NULL)
		return -1;
	f->mode = start->all_runs  ? FEED_ALL_RUNS
	          : start->has_run ? FEED_ONE_RUN
	                           : FEED_PLAIN;
	f->min_run = start->has_run ? start->run.run : 0;
	f->max_run = f->mode == FEED_ONE_RUN ? start->run.run : INT64_MAX;
	if ((f->mode != FEED_PLAIN && (f->bounds = calloc(FEED_BOUNDS_MAX,
	                                   sizeof *f->bounds)) == NULL) ||
	    store_get(m->st, kind, id, &info) != STORE_OK) {
		feed_release(f);
		return -1;
	}
	/* info's strings last until the next call on the store, and
	 * subscribing is one (PostgreSQL's reads the source again): keep the
	 * run's name, the one string used below; the others are not. */
	if (info.has_run) {
		snprintf(run_id, sizeof run_id, "%s", info.run.run_id);
		info.run.run_id = run_id;
	}
	info.id = info.name = NULL;
	if ((f->sub = store_subscribe(m->st, kind, id, feed_note, f)) == NULL) {
		feed_release(f);
		return -1;
	}
	feed_position(f, &info, start, &reset);
	if (f->mode == FEED_PLAIN) {
		now = (struct store_note){.type = STORE_NOTE_STATUS,
		    .last_id = info.last_id,
		    .status = info.status,
		    .has_exit_code = info.has_exit_code,
		    .exit_code = info.exit_code,
		    .at_ms = info.updated_ms};
		feed_plain_status(f, &now, &info);
	} else
		feed_bound_seed(f);
	feed_open(f, req, start->expires_ms, reset, info.oldest_id);
	feed_pump(f);
	return 0;
}

/* Add one event of a live list to m->chunk: type, and v as its data
 * (freed; nothing is added when v is NULL). */
static void
feed_list_event(struct feed *f, const char *type, cJSON *v)
{
	char *text = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	if (text == NULL)
		return;
	evbuffer_add_printf(f->m->chunk, "event: %s\ndata: %s\n\n", type, text);
	free(text);
}

/* Forget every source with untold events. */
static void
feed_list_clear(struct flist *l)
{
	while (l->npending > 0)
		free(l->pending[--l->npending]);
	l->pending_all = false;
}

/* store_info_fn: add a source object to a JSON array. */
static void
feed_list_one(const struct store_info *info, void *arg)
{
	cJSON_AddItemToArray(arg, render_source(info));
}

/* store_info_fn: add a source event to a live list's output. */
static void
feed_list_each(const struct store_info *info, void *arg)
{
	feed_list_event(arg, "source", render_source(info));
}

/* Send the whole list as one sources event (GET /api/KIND's array). */
static void
feed_list_snapshot(struct feed *f)
{
	cJSON *all = cJSON_CreateArray();

	if (all != NULL &&
	    store_list(f->m->st, f->kind, feed_list_one, all) != STORE_OK) {
		cJSON_Delete(all);
		all = NULL;
	}
	feed_list_clear(f->list);
	feed_list_event(f, "sources", all);
	feed_send(f);
}

/* Whether a live list may be written to now. Past FEED_OUTBUF_MAX of
 * unsent output it is not, and a snapshot makes up for what it missed
 * once its output drains (feed_list_pump). */
static bool
feed_list_room(struct feed *f)
{
	if (f->list->resync)
		return false;
	if (evbuffer_get_length(f->out) < FEED_OUTBUF_MAX && feed_budget(f))
		return true;
	f->list->resync = true;
	feed_list_clear(f->list);
	return false;
}

/* Add source id's object to the live list's output. */
static void
feed_list_source(struct feed *f, const char *id)
{
	struct store_info info;

	if (store_get_live(f->m->st, f->kind, id, &info) == STORE_OK)
		feed_list_event(f, "source", render_source(&info));
}

/* timer: tell of the new events of the sources that had some. */
static void
feed_list_tick(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct flist *l = f->list;
	size_t i;

	if (!feed_list_room(f))
		return;
	if (l->pending_all)
		store_list(f->m->st, f->kind, feed_list_each, f);
	else {
		for (i = 0; i < l->npending; i++)
			feed_list_source(f, l->pending[i]);
	}
	feed_list_clear(l);
	if (evbuffer_get_length(f->m->chunk) > 0)
		feed_send(f);
}

/* Remember that source id has new events to tell of; the timer tells
 * within FEED_LIST_EVENTS_MS. */
static void
feed_list_pend(struct feed *f, const char *id)
{
	struct flist *l = f->list;
	struct timeval tv = {
	    FEED_LIST_EVENTS_MS / 1000, FEED_LIST_EVENTS_MS % 1000 * 1000};
	size_t i;

	for (i = 0; !l->pending_all && i < l->npending; i++) {
		if (strcmp(l->pending[i], id) == 0)
			break;
	}
	if (!l->pending_all && i == l->npending) {
		if (l->npending == FEED_LIST_PENDING_MAX ||
		    (l->pending[l->npending] = strdup(id)) == NULL) {
			feed_list_clear(l);
			l->pending_all = true;
		} else
			l->npending++;
	}
	if (!evtimer_pending(l->timer, NULL))
		evtimer_add(l->timer, &tv);
}

/* Forget that source id has untold events (its object just went out). */
static void
feed_list_unpend(struct flist *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->npending; i++) {
		if (strcmp(l->pending[i], id) == 0) {
			free(l->pending[i]);
			l->pending[i] = l->pending[--l->npending];
			return;
		}
	}
}

/* store_note_fn: a change of a source of the list's kind. A status
 * change (a new source, a run's start or end, a new name) is told at
 * once; new events wait for the timer. */
static void
feed_list_note(const struct store_note *note, void *arg)
{
	struct feed *f = arg;

	if (note->id == NULL) /* a store that does not say which source */
		return;
	if (note->type == STORE_NOTE_LOGS) {
		if (!f->list->resync)
			feed_list_pend(f, note->id);
		return;
	}
	if (!feed_list_room(f))
		return;
	feed_list_unpend(f->list, note->id);
	feed_list_source(f, note->id);
	feed_send(f);
}

/* A live list's output drained: send the snapshot it is owed, if any. */
static void
feed_list_pump(struct feed *f)
{
	if (!f->list->resync)
		return;
	if (!feed_budget(f))
		return; /* the tick tries again */
	if (evbuffer_get_length(f->out) < FEED_OUTBUF_MAX) {
		f->list->resync = false;
		feed_list_snapshot(f);
	}
}

int
feed_list_start(struct feed_mgr *m, struct evhttp_request *req,
    enum source_kind kind, const char *who, int64_t expires_ms)
{
	struct feed *f;

	if ((f = feed_new(m, kind, NULL, who, expires_ms)) == NULL)
		return -1;
	if ((f->list = calloc(1, sizeof *f->list)) == NULL ||
	    (f->list->timer = evtimer_new(m->base, feed_list_tick, f)) ==
	        NULL ||
	    (f->sub = store_subscribe(m->st, kind, NULL, feed_list_note, f)) ==
	        NULL) {
		feed_release(f);
		return -1;
	}
	feed_open(f, req, expires_ms, NULL, 0);
	feed_list_snapshot(f);
	return 0;
}
