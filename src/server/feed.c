/* feed.c - live server-sent-event streams. Each stream keeps a cursor (the
 * last event id it sent) and pulls from the store whenever the store says
 * something changed or its connection's output drained, rendering events
 * straight into large reply chunks. A stream whose client reads slowly is
 * simply not fed until its output drains, so it costs the others nothing
 * and loses nothing that the store still holds. */
#include "feed.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct feed {
	struct feed_mgr *m;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	enum source_kind kind;
	char *id;
	struct store_sub *sub;
	char *who;                /* the client, or NULL */
	struct event *expiry;     /* ends the stream when its token expires */
	int64_t cursor;           /* the last event id sent */
	bool status_pending;      /* status is to be sent once cursor reaches */
	struct store_note status; /* ... status.last_id */
	int64_t drained_ms;       /* monotonic ms when its output was empty */
	char peer[80];
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
};

/* Rendering state while the store hands events to feed_line. */
struct feed_fill {
	struct feed_mgr *m;
	struct feed *f;
	size_t used; /* bytes rendered into m->scratch */
};

static void feed_pump(struct feed *f);

/* The unsent output of f's connection. */
static struct evbuffer *
feed_output(struct feed *f)
{
	return bufferevent_get_output(
	    evhttp_connection_get_bufferevent(f->evcon));
}

/* Forget f: unsubscribe, unlink and free (not its request). */
static void
feed_forget(struct feed *f)
{
	struct feed_mgr *m = f->m;

	store_unsubscribe(m->st, f->sub);
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		m->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	m->count--;
	if (f->expiry != NULL)
		event_free(f->expiry);
	free(f->who);
	free(f->id);
	free(f);
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
		    source_kind_path(f->kind), f->id, f->peer);
	if (evhttp_request_get_connection(f->req) == NULL)
		evhttp_send_reply_end(f->req);
	feed_forget(f);
}

/* The run ended: finish the chunked reply; the connection goes back to
 * serving requests (with the normal idle timeout). */
static void
feed_finish(struct feed *f)
{
	evhttp_connection_set_closecb(f->evcon, NULL, NULL);
	evhttp_connection_set_timeout(f->evcon, f->m->cfg.idle_timeout_s);
	evhttp_send_reply_end(f->req);
	if (f->m->cfg.verbose)
		util_log("stream of %s/%s to %s ended (%s)",
		    source_kind_path(f->kind), f->id, f->peer,
		    run_status_name(f->status.status));
	feed_forget(f);
}

/* The client has not taken its output for too long: close the connection
 * (which frees the request too). */
static void
feed_drop(struct feed *f, int64_t now)
{
	struct evhttp_connection *evcon = f->evcon;

	util_log("dropped stream of %s/%s to %s: output not drained for "
	         "%lld s (%zu bytes pending)",
	    source_kind_path(f->kind), f->id, f->peer,
	    (long long)(now - f->drained_ms) / 1000,
	    evbuffer_get_length(feed_output(f)));
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	feed_forget(f);
	evhttp_connection_free(evcon);
}

/* The connection's output is empty again: feed it more. */
static void
feed_drained(struct evhttp_connection *evcon, void *arg)
{
	struct feed *f = arg;

	f->drained_ms = util_mono_ms();
	feed_pump(f);
}

/* Send what m->chunk holds as one reply chunk. */
static void
feed_send(struct feed *f)
{
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

/* store_line_fn: frame one event into the scratch buffer. */
static int
feed_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct feed_fill *c = arg;
	char *p = c->m->scratch + c->used;
	char head[32];
	size_t n;

	c->f->cursor = id;
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

/* Render the events after f's cursor into m->chunk, up to about one chunk;
 * returns how many, or -1. */
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
	return n;
}

/* Append the status event of note to m->chunk. */
static void
feed_status_event(struct feed *f, const struct store_note *note)
{
	char when[UTIL_ISO_LEN + 1];

	util_iso_time(when, note->at_ms);
	evbuffer_add_printf(f->m->chunk,
	    "event: status\ndata: {\"status\":"
	    "\"%s\",\"timestamp\":\"%s\"",
	    run_status_name(note->status), when);
	if (note->has_exit_code)
		evbuffer_add_printf(
		    f->m->chunk, ",\"exitCode\":%d", note->exit_code);
	evbuffer_add(f->m->chunk, "}\n\n", 3);
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

/* Send f what it has not had yet, while its output is under the limit;
 * then the pending status once the events before it are out. */
static void
feed_pump(struct feed *f)
{
	struct store_info info;

	while (evbuffer_get_length(feed_output(f)) < FEED_OUTBUF_MAX) {
		if (store_get_live(f->m->st, f->kind, f->id, &info) != STORE_OK)
			break;
		if (f->cursor < info.evicted_id) {
			/* Evicted while this client was not reading. */
			feed_reset_event(f, "retention", info.oldest_id);
			f->cursor = info.oldest_id - 1;
		}
		if (f->cursor >= info.last_id || feed_fill(f) <= 0)
			break;
		feed_send(f);
	}
	if (f->status_pending && f->cursor >= f->status.last_id) {
		f->status_pending = false;
		feed_status_event(f, &f->status);
		feed_send(f);
		if (run_status_terminal(f->status.status)) {
			feed_finish(f);
			return;
		}
	}
	if (evbuffer_get_length(f->m->chunk) > 0)
		feed_send(f);
}

/* store_note_fn: new events or a status change of f's source. */
static void
feed_note(const struct store_note *note, void *arg)
{
	struct feed *f = arg;

	if (note->type == STORE_NOTE_STATUS) {
		/* A terminal status waiting to be sent ends the stream; nothing
		 * after it matters. A non-terminal one is simply outdated. */
		if (!f->status_pending ||
		    !run_status_terminal(f->status.status)) {
			f->status = *note;
			f->status_pending = true;
		}
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
	evhttp_connection_set_closecb(f->evcon, NULL, NULL);
	evhttp_connection_set_timeout(f->evcon, f->m->cfg.idle_timeout_s);
	evhttp_send_reply_end(f->req);
	if (f->m->cfg.verbose)
		util_log("stream of %s/%s to %s ended: token expired",
		    source_kind_path(f->kind), f->id, f->peer);
	feed_forget(f);
}

/* The shared heartbeat: a keepalive comment to every stream whose output is
 * empty, and a drop for those whose output has not drained for too long. */
static void
feed_tick(evutil_socket_t fd, short what, void *arg)
{
	struct feed_mgr *m = arg;
	struct feed *f, *next;
	int64_t now = util_mono_ms();

	for (f = m->head; f != NULL; f = next) {
		next = f->next;
		if (evbuffer_get_length(feed_output(f)) == 0) {
			f->drained_ms = now;
			evbuffer_add(m->chunk, ": keepalive\n\n", 13);
			feed_send(f);
		} else if (now - f->drained_ms >=
		           (int64_t)m->cfg.stall_timeout_s * 1000)
			feed_drop(f, now);
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
		evhttp_connection_set_closecb(m->head->evcon, NULL, NULL);
		feed_forget(m->head);
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
		evhttp_connection_set_closecb(f->evcon, NULL, NULL);
		evhttp_send_reply_end(f->req);
		feed_forget(f);
	}
}

/* Work out where a new stream starts: set f->cursor, and *reset to the
 * reason a reset event must come first (or NULL). */
static void
feed_position(struct feed *f, const struct store_info *info,
    const struct feed_start *start, const char **reset)
{
	*reset = NULL;
	f->cursor = info->oldest_id - 1;
	if (start->has_last_id) {
		if (start->last_id < info->evicted_id)
			*reset = "retention";
		else if (start->last_id > info->last_id)
			*reset = "unknown";
		else
			f->cursor = start->last_id;
	} else if (start->tail >= 0)
		store_tail(
		    f->m->st, f->kind, f->id, (size_t)start->tail, &f->cursor);
}

int
feed_start(struct feed_mgr *m, struct evhttp_request *req,
    enum source_kind kind, const char *id, const struct feed_start *start)
{
	struct evkeyvalq *hdrs = evhttp_request_get_output_headers(req);
	struct store_info info;
	struct bufferevent *bev;
	struct feed *f;
	const char *reset;
	char *addr = NULL;
	ev_uint16_t port = 0;

	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->id = strdup(id)) == NULL ||
	    (start->who != NULL && (f->who = strdup(start->who)) == NULL) ||
	    (start->expires_ms > 0 &&
	        (f->expiry = evtimer_new(m->base, feed_expired, f)) == NULL) ||
	    store_get(m->st, kind, id, &info) != STORE_OK ||
	    (f->sub = store_subscribe(m->st, kind, id, feed_note, f)) == NULL) {
		if (f != NULL) {
			if (f->expiry != NULL)
				event_free(f->expiry);
			free(f->who);
			free(f->id);
		}
		free(f);
		return -1;
	}
	f->m = m;
	f->req = req;
	f->kind = kind;
	feed_position(f, &info, start, &reset);
	f->status_pending = true;
	f->status = (struct store_note){.type = STORE_NOTE_STATUS,
	    .last_id = info.last_id,
	    .status = info.status,
	    .has_exit_code = info.has_exit_code,
	    .exit_code = info.exit_code,
	    .at_ms = info.updated_ms};
	f->drained_ms = util_mono_ms();
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
	evhttp_connection_set_closecb(f->evcon, feed_closed, f);
	evhttp_connection_get_peer(f->evcon, &addr, &port);
	snprintf(f->peer, sizeof f->peer, "%s:%u", addr ? addr : "?", port);
	if (m->cfg.verbose)
		util_log("stream of %s/%s to %s starts after id %lld",
		    source_kind_path(kind), f->id, f->peer,
		    (long long)f->cursor);

	evbuffer_add_printf(m->chunk, "retry: %ld\n\n", m->cfg.retry_ms);
	if (reset != NULL)
		feed_reset_event(f, reset, info.oldest_id);
	feed_send(f);
	if (f->expiry != NULL) {
		int64_t left = start->expires_ms - util_now_ms();
		struct timeval tv;

		if (left < 0)
			left = 0;
		tv.tv_sec = left / 1000;
		tv.tv_usec = left % 1000 * 1000;
		evtimer_add(f->expiry, &tv);
	}
	feed_pump(f);
	return 0;
}
