/* srclist.c - the live list of sources of one kind: GET /api/KIND as an
 * event stream (a "sources" snapshot, then one "source" per change) on the
 * shared multi handle, reconnecting with backoff; polling GET /api/KIND
 * against a server without it. Also the one decoder of source objects. */
#include "net/srclist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "net/auth.h"
#include "core/buf.h"
#include "net/client.h"
#include "core/esc.h"
#include "net/loop.h"
#include "core/sse.h"

/* Polling interval against a server without the live list. */
#define SRCLIST_POLL_MS 3000
/* Reconnect delay base when the server sent no retry field. */
#define SRCLIST_DEFAULT_RETRY_MS 1000
/* Shortest wait before a reconnect, so that no answer can make a busy
 * loop (the list takes no Retry-After: its backoff alone decides). */
#define SRCLIST_MIN_WAIT_MS 100
/* A list stream is stalled after this many heartbeats of silence. */
#define SRCLIST_STALL_FACTOR 3
/* Longest request of the polling fallback. */
#define SRCLIST_POLL_TIMEOUT_S 30
/* How much of an error answer is kept for the message. */
#define SRCLIST_MAX_ERROR_BODY 4096

struct srclist {
	struct loop *loop;
	const struct client_cfg *cfg;
	enum source_kind kind;
	const struct srclist_handlers *h;
	void *arg;

	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	bool in_multi;
	bool polling; /* the server has no live list: GET every few seconds */
	bool live;    /* the current answer is the event stream */

	struct sse_parser *sse;
	struct buf body; /* a JSON (or error) answer */
	long http_status;
	bool answered; /* the first body byte was examined */
	bool too_big;  /* the answer passed SRCLIST_MAX_BODY */
	bool healthy;  /* this connection delivered a list */
	bool failing;  /* an error was told and not yet cleared */
	unsigned attempt;
	unsigned auth_gen; /* auth_generation() when the request began */
	struct auth_wait auth_wait; /* waiting for a token renewal */
	unsigned rnd;
	uint64_t last_byte;

	struct loop_timer timer; /* next attempt, next poll, or the free */
	struct loop_timer stall;
	/* Nonzero while srclist code is on the stack: freeing and
	 * restarting then wait for the timer. */
	int depth;
	bool closing;
	bool restart; /* srclist_refresh came from inside a callback */
};

static void srclist_connect(struct srclist *l);
static void srclist_destroy(struct srclist *l);

/* The string of a member, or NULL. */
static const char *
srclist_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The ISO 8601 time of a member in Unix ms, or INT64_MIN. */
static int64_t
srclist_time(const cJSON *o, const char *name)
{
	const char *s = srclist_str(o, name);

	return s != NULL ? event_parse_time(s, strlen(s)) : INT64_MIN;
}

/* The exit code of a member; false when absent or not an int. */
static bool
srclist_exit_code(const cJSON *o, int *code)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "exitCode");

	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble)
		return false;
	*code = (int)v->valuedouble;
	return true;
}

/* The status of a member (RUN_UNKNOWN when absent). */
static enum run_status
srclist_status(const cJSON *o)
{
	const char *s = srclist_str(o, "status");

	return s != NULL ? run_status_parse(s, strlen(s)) : RUN_UNKNOWN;
}

int
srclist_decode_run(const struct cJSON *o, struct srclist_run *r)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(o, "run");
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(o, "firstLogId");
	const cJSON *last = cJSON_GetObjectItemCaseSensitive(o, "lastLogId");
	const char *rid;

	if (!cJSON_IsObject(o) || !cJSON_IsNumber(run) ||
	    run->valuedouble < 1 || run->valuedouble > SRCLIST_RUN_MAX)
		return -1;
	memset(r, 0, sizeof *r);
	r->run = (long long)run->valuedouble;
	if ((rid = srclist_str(o, "runId")) != NULL)
		snprintf(r->run_id, sizeof r->run_id, "%s", rid);
	r->status = srclist_status(o);
	r->has_exit_code = srclist_exit_code(o, &r->exit_code);
	r->started_ms = srclist_time(o, "startedAt");
	r->ended_ms = srclist_time(o, "endedAt");
	r->first_id =
	    cJSON_IsNumber(first) ? (long long)first->valuedouble : 0;
	r->last_id = cJSON_IsNumber(last) ? (long long)last->valuedouble : 0;
	return 0;
}

long
srclist_decode_runs(const char *body, size_t len, struct srclist_run **out)
{
	cJSON *list = cJSON_ParseWithLength(body, len), *o;
	long n = 0;

	*out = NULL;
	if (!cJSON_IsArray(list) ||
	    (*out = calloc((size_t)cJSON_GetArraySize(list) + 1,
	         sizeof **out)) == NULL) {
		cJSON_Delete(list);
		return -1;
	}
	cJSON_ArrayForEach(o, list)
	{
		if (srclist_decode_run(o, &(*out)[n]) == 0)
			n++;
	}
	cJSON_Delete(list);
	return n;
}

bool
srclist_run_ok(const struct srclist_run *r)
{
	return r->status == RUN_COMPLETED &&
	       (!r->has_exit_code || r->exit_code == 0);
}

int
srclist_decode(const struct cJSON *item, enum source_kind kind,
    struct srclist_entry *e, char *num, size_t numlen)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
	const cJSON *v, *run;
	struct srclist_run r;

	memset(e, 0, sizeof *e);
	e->kind = kind;
	/* Some servers number their sources: the id is then its digits. */
	if (cJSON_IsString(id) && *id->valuestring != '\0')
		e->id = id->valuestring;
	else if (cJSON_IsNumber(id) && id->valuedouble >= 0 &&
	         id->valuedouble < 1e18 &&
	         snprintf(num, numlen, "%.0f", id->valuedouble) < (int)numlen)
		e->id = num;
	else
		return -1;
	e->name = srclist_str(item, "name");
	if (e->name == NULL || *e->name == '\0')
		e->name = e->id;
	e->status = srclist_status(item);
	e->has_exit_code = srclist_exit_code(item, &e->exit_code);
	v = cJSON_GetObjectItemCaseSensitive(item, "lastLogId");
	e->last_log_id = cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
	e->updated_ms = srclist_time(item, "updatedAt");
	e->run_started_ms = INT64_MIN;
	e->run_ended_ms = INT64_MIN;
	run = cJSON_GetObjectItemCaseSensitive(item, "run");
	if (srclist_decode_run(run, &r) == 0) {
		e->run = r.run;
		e->run_id = srclist_str(run, "runId"); /* whole, borrowed */
		e->run_status = r.status;
		e->run_has_exit_code = r.has_exit_code;
		e->run_exit_code = r.exit_code;
		e->run_started_ms = r.started_ms;
		e->run_ended_ms = r.ended_ms;
	}
	return 0;
}

/* Tell the owner something went wrong (printf-style, made one line). */
static void srclist_fail(struct srclist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
srclist_fail(struct srclist *l, const char *fmt, ...)
{
	char raw[256], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* It may quote the server: escape C0, C1 and bidi controls. */
	esc_line(msg, sizeof msg, raw);
	l->failing = true;
	if (l->h->on_error != NULL)
		l->h->on_error(msg, l->arg);
}

/* Tell the owner the list works again, once. */
static void
srclist_ok(struct srclist *l)
{
	if (!l->failing)
		return;
	l->failing = false;
	if (l->h->on_error != NULL)
		l->h->on_error(NULL, l->arg);
}

/* Deliver one source object; false when it has no usable id. */
static bool
srclist_deliver(struct srclist *l, const cJSON *item)
{
	struct srclist_entry e;
	char num[32];

	if (srclist_decode(item, l->kind, &e, num, sizeof num) != 0)
		return false;
	if (l->h->on_source != NULL)
		l->h->on_source(&e, l->arg);
	return true;
}

/* Deliver a whole list (JSON text); 0, 1 when it was cut at
 * SRCLIST_MAX_SOURCES (and said so), -1 when it is not a JSON array. */
static int
srclist_snapshot(struct srclist *l, const char *data, size_t len)
{
	cJSON *list = cJSON_ParseWithLength(data, len), *item;
	size_t n = 0;
	int rc = 0;

	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		return -1;
	}
	if (l->h->on_snapshot_begin != NULL)
		l->h->on_snapshot_begin(l->arg);
	cJSON_ArrayForEach(item, list)
	{
		if (l->closing)
			break;
		if (n == SRCLIST_MAX_SOURCES) {
			srclist_fail(l,
			    "%s: more than %d sources; the rest are not "
			    "shown",
			    source_kind_path(l->kind), SRCLIST_MAX_SOURCES);
			rc = 1;
			break;
		}
		if (srclist_deliver(l, item))
			n++;
	}
	cJSON_Delete(list);
	if (!l->closing && l->h->on_snapshot_end != NULL)
		l->h->on_snapshot_end(l->arg);
	return rc;
}

/* The SSE parser dispatched an event of the list stream. */
static void
srclist_on_sse_event(const struct sse_event *ev, void *arg)
{
	struct srclist *l = arg;
	cJSON *o;
	int rc;

	if (l->closing)
		return;
	if (ev->truncated > 0) {
		srclist_fail(l,
		    "%s: an update larger than %d bytes was dropped",
		    source_kind_path(l->kind), SRCLIST_MAX_BODY);
		return;
	}
	if (ev->type_len == 7 && memcmp(ev->type, "sources", 7) == 0) {
		rc = srclist_snapshot(l, ev->data, ev->data_len);
		l->healthy = rc >= 0;
		if (rc == 0)
			srclist_ok(l);
	} else if (ev->type_len == 6 && memcmp(ev->type, "source", 6) == 0) {
		o = cJSON_ParseWithLength(ev->data, ev->data_len);
		if (cJSON_IsObject(o))
			srclist_deliver(l, o);
		cJSON_Delete(o);
	}
}

static const struct sse_callbacks srclist_sse_cb = {
    .on_event = srclist_on_sse_event,
};

/* A random number in [0, n): jitter only spreads clients apart. */
static uint64_t
srclist_random(struct srclist *l, uint64_t n)
{
	l->rnd ^= l->rnd << 13;
	l->rnd ^= l->rnd >> 17;
	l->rnd ^= l->rnd << 5;
	return n ? l->rnd % n : 0;
}

/* Wait before the next attempt: the poll interval while polling, else
 * capped exponential backoff with full jitter from the server's retry. */
static void
srclist_schedule(struct srclist *l)
{
	long base = sse_retry(l->sse);
	uint64_t ceiling, delay;

	loop_timer_stop(l->loop, &l->stall);
	if (l->healthy)
		l->attempt = 0;
	if (l->polling) {
		delay = SRCLIST_POLL_MS;
	} else {
		if (base <= 0)
			base = SRCLIST_DEFAULT_RETRY_MS;
		ceiling = (uint64_t)base << (l->attempt < 16 ? l->attempt : 16);
		if (ceiling > (uint64_t)l->cfg->backoff_cap_ms)
			ceiling = (uint64_t)l->cfg->backoff_cap_ms;
		delay = srclist_random(l, ceiling) + SRCLIST_MIN_WAIT_MS;
	}
	l->attempt++;
	if (l->restart)
		delay = 0; /* srclist_refresh came during this pass */
	loop_timer_in(l->loop, &l->timer, delay);
}

/* The first body byte: the event stream, or a JSON (or error) answer. */
static void
srclist_on_answer(struct srclist *l)
{
	char *ct = NULL;

	l->answered = true;
	curl_easy_getinfo(l->easy, CURLINFO_CONTENT_TYPE, &ct);
	l->live = !l->polling && l->http_status == 200 && ct != NULL &&
	          strncasecmp(ct, "text/event-stream", 17) == 0;
	if (l->live)
		sse_reconnect(l->sse);
	buf_free(&l->body);
	buf_init(&l->body,
	    l->http_status == 200 ? SRCLIST_MAX_BODY : SRCLIST_MAX_ERROR_BODY);
}

/* Header callback: the status line of the final answer. */
static size_t
srclist_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct srclist *l = arg;
	size_t len = size * n;

	l->last_byte = loop_now();
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);

		l->http_status = sp ? strtol(sp + 1, NULL, 10) : 0;
	}
	return len;
}

/* Write callback: feed the SSE parser, or keep the (bounded) body. */
static size_t
srclist_on_write(char *p, size_t size, size_t n, void *arg)
{
	struct srclist *l = arg;
	size_t len = size * n;

	l->last_byte = loop_now();
	if (!l->answered)
		srclist_on_answer(l);
	if (l->closing)
		return 0;
	if (l->live) {
		l->depth++;
		sse_feed(l->sse, p, len);
		l->depth--;
		return l->closing || l->restart ? 0 : len;
	}
	if (buf_append(&l->body, p, len) != 0) {
		if (l->http_status != 200)
			return len; /* the start of an error body is enough */
		l->too_big = true;
		return 0;
	}
	return len;
}

/* The stall timer: no byte for three heartbeats means a dead link. */
static void
srclist_on_stall(void *arg)
{
	struct srclist *l = arg;
	uint64_t stall = (uint64_t)l->cfg->heartbeat_ms * SRCLIST_STALL_FACTOR;
	uint64_t now = loop_now();

	if (!l->in_multi || !l->live)
		return;
	if (now - l->last_byte < stall) {
		loop_timer_in(l->loop, &l->stall, stall - (now - l->last_byte));
		return;
	}
	loop_remove_transfer(l->loop, l->easy);
	l->in_multi = false;
	l->depth++;
	srclist_fail(l, "%s: the live list went silent; reconnecting",
	    source_kind_path(l->kind));
	l->healthy = false;
	srclist_schedule(l);
	l->depth--;
}

/* The timer: the next attempt or poll, a deferred refresh, or the
 * deferred free. */
static void
srclist_on_timer(void *arg)
{
	struct srclist *l = arg;

	if (l->closing) {
		srclist_destroy(l);
		return;
	}
	if (l->restart && l->in_multi) {
		loop_remove_transfer(l->loop, l->easy);
		l->in_multi = false;
	}
	l->restart = false;
	l->depth++;
	srclist_connect(l);
	l->depth--;
}

/* The server refused the token: renew it unless someone already did
 * since the request began (then ask again at once); the renewal runs on
 * the loop and srclist_on_renewed goes on. true when either started. */
static bool
srclist_reauth(struct srclist *l)
{
	struct auth *a = l->cfg->auth;
	char err[256];

	if (a == NULL)
		return false;
	if (auth_generation(a) != l->auth_gen) {
		srclist_connect(l);
		return true;
	}
	return auth_renew(a, l->loop, l->cfg, &l->auth_wait, err,
	           sizeof err) == 0;
}

/* The renewal the list waited for ended: ask again under the new token,
 * or say why not and try again later (the list never stops: a refusal
 * and a failure for now differ only in what it says). */
static void
srclist_on_renewed(struct auth_wait *w, const struct auth_outcome *o)
{
	struct srclist *l = w->arg;

	if (l->closing) {
		srclist_destroy(l);
		return;
	}
	l->depth++;
	if (o->kind == AUTH_RENEWED) {
		srclist_connect(l);
	} else if (o->kind == AUTH_TRANSIENT) {
		srclist_fail(l, "%s: token renewal failed (%s)",
		    source_kind_path(l->kind), o->err);
		srclist_schedule(l);
	} else {
		srclist_fail(l, "%s: unauthorized HTTP %ld",
		    source_kind_path(l->kind), l->http_status);
		srclist_schedule(l);
	}
	l->depth--;
	if (l->closing && !l->in_multi)
		srclist_destroy(l);
}

/* A transfer ended: a snapshot to deliver, a reconnect, or polling. */
static void
srclist_on_done(CURL *easy, CURLcode code, void *arg)
{
	struct srclist *l = arg;
	const char *kp = source_kind_path(l->kind);
	long status = l->http_status;
	const char *body = l->body.p != NULL ? l->body.p : "";
	int rc;

	(void)easy;
	l->in_multi = false;
	loop_timer_stop(l->loop, &l->stall);
	if (l->closing) {
		srclist_destroy(l);
		return;
	}
	l->depth++;
	if (l->restart) {
		/* srclist_refresh from a callback aborted this transfer. */
		loop_timer_in(l->loop, &l->timer, 0);
	} else if (l->live) {
		/* The list stream never ends on its own: resume it. */
		srclist_fail(l, "%s: the live list was cut (%s); reconnecting",
		    kp, *l->errbuf ? l->errbuf : "closed by the server");
		srclist_schedule(l);
	} else if (l->too_big) {
		srclist_fail(l, "%s: the list is larger than %d bytes", kp,
		    SRCLIST_MAX_BODY);
		srclist_schedule(l);
	} else if (code != CURLE_OK || status == 0) {
		srclist_fail(l, "%s: %s", kp,
		    *l->errbuf ? l->errbuf : curl_easy_strerror(code));
		srclist_schedule(l);
	} else if ((status == 401 || status == 403) && srclist_reauth(l)) {
		/* Renewed: asking again under the new token. */
	} else if (status == 400 && !l->polling) {
		/* A server without the live list: poll it instead. */
		l->polling = true;
		srclist_connect(l);
	} else if (status == 200) {
		/* A JSON answer to the stream request: no live list here. */
		l->polling = true;
		rc = srclist_snapshot(l, body, l->body.len);
		if (rc < 0)
			srclist_fail(l, "%s: the list is not a JSON array", kp);
		l->healthy = rc >= 0;
		if (rc == 0)
			srclist_ok(l);
		srclist_schedule(l);
	} else {
		srclist_fail(l, "%s: %sHTTP %ld", kp,
		    status == 401 || status == 403 ? "unauthorized " : "",
		    status);
		srclist_schedule(l);
	}
	l->depth--;
	if (l->closing && !l->in_multi)
		srclist_destroy(l);
}

/* Start the next request: the stream, or a poll. */
static void
srclist_connect(struct srclist *l)
{
	const char *kp = source_kind_path(l->kind);
	char *url;

	if (l->in_multi || l->closing)
		return;
	url = client_url(l->cfg, kp, NULL, l->polling ? NULL : "?stream=true");
	if (url == NULL) {
		srclist_fail(l, "%s: out of memory", kp);
		srclist_schedule(l);
		return;
	}
	curl_easy_reset(l->easy);
	curl_slist_free_all(l->hdrs);
	client_setup(l->cfg, l->easy, &l->hdrs,
	    l->polling ? "application/json" : "text/event-stream");
	curl_easy_setopt(l->easy, CURLOPT_URL, url);
	free(url);
	/* The list stream never ends: no total timeout, the stall timer
	 * finds a dead link. A poll is a short request. */
	curl_easy_setopt(l->easy, CURLOPT_TIMEOUT,
	    l->polling ? (long)SRCLIST_POLL_TIMEOUT_S : 0L);
	curl_easy_setopt(
	    l->easy, CURLOPT_PIPEWAIT, client_multiplexed(l->cfg) ? 1L : 0L);
	curl_easy_setopt(l->easy, CURLOPT_PRIVATE, l);
	curl_easy_setopt(l->easy, CURLOPT_ERRORBUFFER, l->errbuf);
	curl_easy_setopt(l->easy, CURLOPT_WRITEFUNCTION, srclist_on_write);
	curl_easy_setopt(l->easy, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(l->easy, CURLOPT_HEADERFUNCTION, srclist_on_header);
	curl_easy_setopt(l->easy, CURLOPT_HEADERDATA, l);
	l->errbuf[0] = '\0';
	l->http_status = 0;
	l->answered = false;
	l->live = false;
	l->too_big = false;
	l->healthy = false;
	l->auth_gen = auth_generation(l->cfg->auth);
	buf_clear(&l->body);
	if (loop_add_transfer(l->loop, l->easy, srclist_on_done, l) != 0) {
		srclist_fail(l, "%s: cannot start the transfer", kp);
		srclist_schedule(l);
		return;
	}
	l->in_multi = true;
	l->last_byte = loop_now();
	if (!l->polling && l->cfg->heartbeat_ms > 0)
		loop_timer_in(l->loop, &l->stall,
		    (uint64_t)l->cfg->heartbeat_ms * SRCLIST_STALL_FACTOR);
}

struct srclist *
srclist_new(struct loop *loop, const struct client_cfg *cfg,
    enum source_kind kind, const struct srclist_handlers *h, void *arg)
{
	struct srclist *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->loop = loop;
	l->cfg = cfg;
	l->kind = kind;
	l->h = h;
	l->arg = arg;
	l->rnd = (unsigned)loop_now() | 1u;
	l->easy = curl_easy_init();
	/* A snapshot is one event: it may be as large as a polled list. */
	l->sse = sse_new(&srclist_sse_cb, l, SRCLIST_MAX_BODY);
	if (l->easy == NULL || l->sse == NULL) {
		curl_easy_cleanup(l->easy);
		sse_free(l->sse);
		free(l);
		return NULL;
	}
	buf_init(&l->body, SRCLIST_MAX_ERROR_BODY);
	auth_wait_init(&l->auth_wait, srclist_on_renewed, l);
	loop_timer_init(&l->timer, srclist_on_timer, l);
	loop_timer_init(&l->stall, srclist_on_stall, l);
	l->depth++;
	srclist_connect(l);
	l->depth--;
	return l;
}

void
srclist_refresh(struct srclist *l)
{
	if (l == NULL || l->closing)
		return;
	if (l->depth > 0) {
		/* Inside a callback the transfer cannot be removed: the
		 * write callback aborts it, the timer starts over. */
		l->restart = true;
		loop_timer_in(l->loop, &l->timer, 0);
		return;
	}
	if (l->in_multi) {
		loop_remove_transfer(l->loop, l->easy);
		l->in_multi = false;
	}
	loop_timer_stop(l->loop, &l->timer);
	loop_timer_stop(l->loop, &l->stall);
	l->attempt = 0;
	srclist_connect(l);
}

bool
srclist_live(const struct srclist *l)
{
	return l != NULL && !l->polling;
}

/* Take the list off the loop and free it. */
static void
srclist_destroy(struct srclist *l)
{
	if (l->in_multi)
		loop_remove_transfer(l->loop, l->easy);
	auth_wait_cancel(l->cfg->auth, &l->auth_wait);
	loop_timer_stop(l->loop, &l->timer);
	loop_timer_stop(l->loop, &l->stall);
	curl_easy_cleanup(l->easy);
	curl_slist_free_all(l->hdrs);
	sse_free(l->sse);
	buf_free(&l->body);
	free(l);
}

void
srclist_free(struct srclist *l)
{
	if (l == NULL || l->closing)
		return;
	if (l->depth == 0) {
		srclist_destroy(l);
		return;
	}
	/* From inside a callback: go quiet now, free from the timer (or
	 * from the transfer's end, whichever comes first). */
	l->closing = true;
	loop_timer_stop(l->loop, &l->stall);
	loop_timer_in(l->loop, &l->timer, 0);
}
