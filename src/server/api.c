/* api.c - the HTTP API: one generic evhttp callback routes
 * /api/KIND[/ID[/logs|/status|/runs[/RUN]]] to the handlers below, and
 * /healthz, /readyz and /metrics (outside /api/, no API token) to the
 * operations handlers, also served on a listener of their own with
 * --metrics-listen. */
#include "api.h"
#include "core/hash.h"
#include "access.h"
#include "conn.h"
#include "tokens.h"
#include "feed.h"
#include "ingest.h"
#include "jsoncheck.h"
#include "metrics.h"
#include "query.h"
#include "render.h"
#include "store.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>

/* How long accepting pauses when the process is out of descriptors. */
#define API_ACCEPT_PAUSE_MS 1000
/* Most events one polling answer carries, and its default. */
#define API_POLL_MAX 10000
#define API_POLL_DEFAULT 1000
/* Runs one GET .../runs answers by default (at most STORE_RUNS_MAX). */
#define API_RUNS_DEFAULT 100

struct api {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *resume; /* re-enables accepting after a pause */
	struct store *st;
	struct feed_mgr *feeds;
	struct tokens *tokens;
	int64_t t0_us;        /* when the request being handled came */
	struct evhttp *mhttp; /* the --metrics-listen listener, or NULL */
	struct evconnlistener *mlistener;
	char *metrics_token; /* needed for /metrics, or NULL */
	int64_t idem_window_ms; /* how long an Idempotency-Key is kept */
	int ports[2];        /* local ports of the listeners (0: none) */
	struct conn_mgr *conns; /* caps the connections, or NULL */
	bool stopping;       /* no longer accepting: not ready */
};

/* Who made a request, once authenticated. */
struct api_who {
	const char *name;   /* the client; NULL without authentication */
	int64_t expires_ms; /* its token's expiry (0: never) */
};

/* Record one answered request (bytes of body) in the access log and the
 * metrics. */
static void
api_log(struct api *a, struct evhttp_request *req, int code, size_t bytes)
{
	char target[ACCESS_TARGET_MAX + 1], peer[ACCESS_PEER_MAX];
	struct access_entry e = {.method = access_method(req),
	    .target = target,
	    .peer = peer,
	    .status = code,
	    .bytes = bytes,
	    .duration_us = util_mono_us() - a->t0_us};

	access_target(req, target);
	access_peer(req, peer);
	access_record(&e);
}

/* The reason phrase of the codes this API answers with. */
static const char *
api_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 507:
		return "Insufficient Storage";
	default:
		return "Internal Server Error";
	}
}

/* Send body (moved out of it) as an answer of Content-Type type. */
static void
api_send_type(struct api *a, struct evhttp_request *req, int code,
    struct evbuffer *body, const char *type)
{
	size_t bytes = evbuffer_get_length(body);

	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, code, api_reason(code), body);
	api_log(a, req, code,
	    evhttp_request_get_command(req) == EVHTTP_REQ_HEAD ? 0 : bytes);
}

/* Send body (moved out of it) as a JSON answer. */
static void
api_send(
    struct api *a, struct evhttp_request *req, int code, struct evbuffer *body)
{
	api_send_type(a, req, code, body, "application/json");
}

/* Send a cJSON value as the answer (freeing it). */
static void
api_send_json(struct api *a, struct evhttp_request *req, int code, cJSON *v)
{
	struct evbuffer *body = evbuffer_new();
	char *text = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	if (body == NULL || text == NULL) {
		free(text);
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	free(text);
	api_send(a, req, code, body);
	evbuffer_free(body);
}

/* Answer {"error": "..."} with code. */
static void api_error(struct api *a, struct evhttp_request *req, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
api_error(
    struct api *a, struct evhttp_request *req, int code, const char *fmt, ...)
{
	char msg[512];
	cJSON *v = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(v, "error", msg);
	api_send_json(a, req, code, v);
}

/* Answer 405 naming the methods the path serves. */
static void
api_not_allowed(struct api *a, struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Allow", allow);
	api_error(a, req, 405, "method not allowed here; use %s", allow);
}

/* Check the request's bearer token (when one is needed) into *who;
 * TOKENS_OK, or TOKENS_MISSING / TOKENS_INVALID. */
static int
api_authorized(struct api *a, struct evhttp_request *req, struct api_who *who)
{
	const char *h;

	who->name = NULL;
	who->expires_ms = 0;
	if (!tokens_required(a->tokens))
		return TOKENS_OK;
	h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return TOKENS_MISSING;
	h += 7;
	return tokens_check(
	    a->tokens, h, strlen(h), util_now_ms(), &who->name, &who->expires_ms);
}

/* The JSON body of an /api/auth request as a cJSON object, or NULL after
 * answering 400 (or 413). */
static cJSON *
api_auth_body(struct api *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body;
	cJSON *v;

	if (len > API_AUTH_BODY_MAX) {
		api_error(a, req, 413, "body over %d bytes", API_AUTH_BODY_MAX);
		return NULL;
	}
	body = (const char *)evbuffer_pullup(in, -1);
	/* cJSON would cut a secret at \u0000 and compare only its start. */
	if (body != NULL && jsoncheck_has_nul_escape(body, len)) {
		api_error(a, req, 400, "strings must not contain \\u0000");
		return NULL;
	}
	v = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		api_error(a, req, 400, "expected a JSON object");
		return NULL;
	}
	return v;
}

/* The string member name of v, or NULL. */
static const char *
api_auth_member(cJSON *v, const char *name)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(v, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* POST /api/auth/token and /api/auth/refresh: a new token pair. */
static void
api_auth(struct api *a, struct evhttp_request *req, bool refresh)
{
	struct tokens_grant g;
	const char *id, *secret, *rt;
	cJSON *body, *v;
	int rc;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		api_not_allowed(a, req, "POST");
		return;
	}
	if (!tokens_has_clients(a->tokens)) {
		api_error(a, req, 404, "this server issues no tokens");
		return;
	}
	if ((body = api_auth_body(a, req)) == NULL)
		return;
	if (refresh) {
		if ((rt = api_auth_member(body, "refresh_token")) == NULL) {
			cJSON_Delete(body);
			api_error(a, req, 400,
			    "\"refresh_token\" (string) is "
			    "missing");
			return;
		}
		rc = tokens_refresh(a->tokens, rt, util_now_ms(), &g);
	} else {
		id = api_auth_member(body, "client_id");
		secret = api_auth_member(body, "client_secret");
		if (id == NULL || secret == NULL) {
			cJSON_Delete(body);
			api_error(a, req, 400,
			    "\"client_id\" and "
			    "\"client_secret\" (strings) are "
			    "required");
			return;
		}
		rc = tokens_issue(a->tokens, id, secret, util_now_ms(), &g);
	}
	cJSON_Delete(body);
	if (rc == TOKENS_INVALID) {
		api_error(a, req, 401,
		    refresh ? "invalid or expired refresh token"
		            : "wrong client_id or client_secret");
		return;
	}
	if (rc != TOKENS_OK) {
		api_error(a, req, 500, "cannot issue a token");
		return;
	}
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "access_token", g.access);
	cJSON_AddStringToObject(v, "token_type", "Bearer");
	cJSON_AddNumberToObject(v, "expires_in", (double)g.expires_in);
	cJSON_AddStringToObject(v, "refresh_token", g.refresh);
	explicit_bzero(&g, sizeof g);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	api_send_json(a, req, 200, v);
}

/* store_info_fn: add a source to a JSON array. */
static void
api_list_one(const struct store_info *info, void *arg)
{
	cJSON_AddItemToArray(arg, render_source(info));
}

/* Read a numeric query parameter in [0, max] into *out (left alone when
 * absent); 0, or -1 after answering 400. */
static int
api_param(struct api *a, struct evhttp_request *req, struct evkeyvalq *q,
    const char *name, long long max, long long *out)
{
	const char *v = evhttp_find_header(q, name);

	if (v == NULL)
		return 0;
	if (query_number(v, max, out) != 0) {
		api_error(
		    a, req, 400, "%s must be a non-negative integer", name);
		return -1;
	}
	return 0;
}

/* True when the client asks for an event stream. */
static bool
api_wants_stream(struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *v = evhttp_find_header(q, "stream");
	const char *accept =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");

	if (v != NULL)
		return strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
	return accept != NULL && strstr(accept, "text/event-stream") != NULL;
}

/* Map a store error to an answer. */
static void
api_store_error(struct api *a, struct evhttp_request *req, int err)
{
	int code = err == STORE_EFULL         ? 507
	           : err == STORE_EREADONLY   ? 409
	           : err == STORE_ETOOBIG     ? 413
	           : err == STORE_EOVERBUDGET ? 413
	           : err == STORE_ENOENT      ? 404
	           : err == STORE_EINVAL      ? 400
	           : err == STORE_EUNAVAIL    ? 503
	           : err == STORE_ENOSYS      ? 501
	           : err == STORE_EQUERY      ? 500
	                                      : 500;

	if (code == 503)
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Retry-After", "1");
	api_error(a, req, code, "%s", store_strerror(err));
}

/* Whether another stream of who may start; 0, or -1 after answering 429
 * (503 while shutting down) with Retry-After. */
static int
api_stream_room(
    struct api *a, struct evhttp_request *req, const struct api_who *who)
{
	enum feed_room room = feed_mgr_room(a->feeds, who->name);
	char wait[16];

	if (room == FEED_ROOM_OK)
		return 0;
	snprintf(wait, sizeof wait, "%d", API_RETRY_AFTER_S);
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Retry-After", wait);
	if (room == FEED_ROOM_DRAINING)
		api_error(a, req, 503, "shutting down");
	else
		api_error(a, req, 429,
		    room == FEED_ROOM_CLIENT
		        ? "too many streams for this client"
		        : "too many streams");
	return -1;
}

/* store_run_fn that takes nothing (store_runs as a probe). */
static int
api_run_none(const struct store_run *run, void *arg)
{
	return 1;
}

/* Whether the store keeps runs of the source; 0, or -1 after answering
 * (404 for an unknown source, 501 for a store without runs). */
static int
api_runs_kept(
    struct api *a, struct evhttp_request *req, const struct query_route *r)
{
	long rc = store_runs(a->st, r->kind, r->id, 0, 0, api_run_none, NULL);

	if (rc < 0) {
		api_store_error(a, req, (int)rc);
		return -1;
	}
	return 0;
}

/* Find run sel of the route's source into *run (its runId copied into
 * idbuf, STORE_RUN_ID_MAX + 1 bytes); 0, or -1 after answering (404 for
 * no such run). */
static int
api_run_find(struct api *a, struct evhttp_request *req,
    const struct query_route *r, const char *sel, struct store_run *run,
    char *idbuf)
{
	int rc;

	if (api_runs_kept(a, req, r) != 0)
		return -1;
	rc = store_run_find(
	    a->st, r->kind, r->id, sel, run, idbuf, STORE_RUN_ID_MAX + 1);
	if (rc == STORE_ENOENT) {
		api_error(a, req, 404, "no such run");
		return -1;
	}
	if (rc != STORE_OK) {
		api_store_error(a, req, rc);
		return -1;
	}
	return 0;
}

/* The run=RUN parameter into *run (*has says whether it came); 0, or -1
 * after answering. */
static int
api_run_param(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q, struct store_run *run,
    char *idbuf, bool *has)
{
	const char *v = evhttp_find_header(q, "run");
	struct store_info info;

	*has = false;
	if (v == NULL)
		return 0;
	/* The current run of a source that has not run yet is the one it
	 * will run: read from the start, as without run=. */
	if (strcmp(v, "current") == 0 &&
	    store_get(a->st, r->kind, r->id, &info) == STORE_OK &&
	    !info.has_run)
		return 0;
	if (api_run_find(a, req, r, v, run, idbuf) != 0)
		return -1;
	*has = true;
	return 0;
}

/* The since=TIME parameter as a start point into *after (*has says
 * whether it came); 0, or -1 after answering (400 for a bad time). */
static int
api_since_param(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q, int64_t *after, bool *has)
{
	const char *v = evhttp_find_header(q, "since");
	int64_t ms;
	int rc;

	*has = false;
	if (v == NULL)
		return 0;
	if ((ms = event_parse_time(v, strlen(v))) == INT64_MIN) {
		api_error(a, req, 400,
		    "since must be an ISO 8601 time "
		    "(2024-12-07T14:23:45.123Z)");
		return -1;
	}
	if ((rc = store_since(a->st, r->kind, r->id, ms, after)) != STORE_OK) {
		api_store_error(a, req, rc);
		return -1;
	}
	*has = true;
	return 0;
}

/* Open a stream of the route's source as the query asks (doc/api.md,
 * "Where the stream starts"); start holds run= and since= already. */
static void
api_stream_logs(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q, const struct api_who *who,
    struct feed_start *start)
{
	const char *runs = evhttp_find_header(q, "runs");
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Last-Event-ID");
	long long tail = -1, v;

	if (runs != NULL && strcmp(runs, "all") != 0) {
		api_error(a, req, 400, "runs must be all");
		return;
	}
	start->all_runs = runs != NULL;
	if (start->all_runs && api_runs_kept(a, req, r) != 0)
		return;
	if (api_param(a, req, q, "tail", 999999999999LL, &tail) != 0)
		return;
	if (h != NULL) {
		if (query_number(h, QUERY_NUMBER_MAX, &v)) {
			api_error(a, req, 400,
			    "Last-Event-ID must be a non-negative integer");
			return;
		}
		start->has_last_id = true;
		start->last_id = v;
	} else if (evhttp_find_header(q, "after") != NULL) {
		if (api_param(a, req, q, "after", QUERY_NUMBER_MAX, &v))
			return;
		start->has_last_id = true;
		start->last_id = v;
	}
	start->tail = (long)tail;
	start->who = who->name;
	start->expires_ms = who->expires_ms;
	if (api_stream_room(a, req, who) != 0)
		return;
	if (feed_start(a->feeds, req, r->kind, r->id, start) != 0)
		api_error(a, req, 500, "cannot start a stream");
}

/* A polling answer being built. */
struct api_poll {
	struct evbuffer *body;
	int64_t upto; /* no event after this id (run=) */
};

/* store_line_fn: add an event to a JSON array answer being built. */
static int
api_poll_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct api_poll *p = arg;

	if (id > p->upto)
		return 1;
	if (evbuffer_get_length(p->body) > 1)
		evbuffer_add(p->body, ",", 1);
	evbuffer_add(p->body, json, len);
	return 0;
}

/* GET .../logs: a polling answer or a stream. */
static void
api_get_logs(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q, const struct api_who *who)
{
	struct feed_start start = {.tail = -1};
	struct api_poll poll = {.upto = INT64_MAX};
	struct store_info info;
	char run_id[STORE_RUN_ID_MAX + 1];
	long long after = 0, limit = API_POLL_DEFAULT, tail = -1;
	int64_t from;
	long n;
	int rc;

	if ((rc = store_get(a->st, r->kind, r->id, &info)) != STORE_OK) {
		api_store_error(a, req, rc);
		return;
	}
	if (api_run_param(a, req, r, q, &start.run, run_id, &start.has_run) ||
	    api_since_param(a, req, r, q, &start.since_after, &start.has_since))
		return;
	if (api_wants_stream(req, q) &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		api_stream_logs(a, req, r, q, who, &start);
		return;
	}
	if (api_param(a, req, q, "after", QUERY_NUMBER_MAX, &after) ||
	    api_param(a, req, q, "limit", API_POLL_MAX, &limit) ||
	    api_param(a, req, q, "tail", API_POLL_MAX, &tail))
		return;
	if (start.has_since && start.since_after > after)
		after = start.since_after;
	if (start.has_run) {
		if (after < start.run.start_after)
			after = start.run.start_after;
		poll.upto = start.run.last_id;
	}
	if (tail >= 0) {
		if (start.has_run)
			from = start.run.last_id - tail; /* see feed_position */
		else if ((rc = store_tail(a->st, r->kind, r->id, (size_t)tail,
		              &from)) != STORE_OK) {
			api_store_error(a, req, rc);
			return;
		}
		if (from > after || !start.has_run)
			after = from;
		limit = tail;
	}
	if ((poll.body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(poll.body, "[", 1);
	n = store_read(
	    a->st, r->kind, r->id, after, (size_t)limit, api_poll_line, &poll);
	evbuffer_add(poll.body, "]", 1);
	if (n < 0)
		api_store_error(a, req, (int)n);
	else {
		metrics_add(METRICS_EVENTS_SERVED_POLL, (uint64_t)n);
		api_send(a, req, 200, poll.body);
	}
	evbuffer_free(poll.body);
}

/* store_run_fn: add a run object to a JSON array. */
static int
api_runs_one(const struct store_run *run, void *arg)
{
	cJSON_AddItemToArray(arg, render_run(run));
	return 0;
}

/* GET .../runs (the newest limit runs, oldest first) and .../runs/RUN. */
static void
api_get_runs(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q)
{
	struct store_info info;
	struct store_run run;
	char run_id[STORE_RUN_ID_MAX + 1];
	long long limit = API_RUNS_DEFAULT;
	cJSON *list;
	long n;
	int rc;

	if (r->run[0] != '\0') {
		if (api_run_find(a, req, r, r->run, &run, run_id) == 0)
			api_send_json(a, req, 200, render_run(&run));
		return;
	}
	if (api_param(a, req, q, "limit", STORE_RUNS_MAX, &limit) != 0 ||
	    api_runs_kept(a, req, r) != 0)
		return;
	if ((rc = store_get(a->st, r->kind, r->id, &info)) != STORE_OK) {
		api_store_error(a, req, rc);
		return;
	}
	list = cJSON_CreateArray();
	if (info.has_run && limit > 0) {
		n = store_runs(a->st, r->kind, r->id,
		    info.run.run > limit ? info.run.run - limit : 0,
		    (size_t)limit, api_runs_one, list);
		if (n < 0) {
			cJSON_Delete(list);
			api_store_error(a, req, (int)n);
			return;
		}
	}
	api_send_json(a, req, 200, list);
}

/* GET /api/KIND: the sources of a kind, as an array or as the live list
 * (doc/api.md, "The live list of sources"). A store that cannot follow a
 * whole kind answers the array, which clients poll instead. */
static void
api_get_list(struct api *a, struct evhttp_request *req,
    const struct query_route *r, struct evkeyvalq *q, const struct api_who *who)
{
	cJSON *list;
	int rc;

	if (api_wants_stream(req, q) &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		if (api_stream_room(a, req, who) != 0 ||
		    feed_list_start(a->feeds, req, r->kind, who->name,
		        who->expires_ms) == 0)
			return;
	}
	list = cJSON_CreateArray();
	if ((rc = store_list(a->st, r->kind, api_list_one, list)) != STORE_OK) {
		cJSON_Delete(list);
		api_store_error(a, req, rc);
	} else
		api_send_json(a, req, 200, list);
}

/* Answer an accepted ingest: {"accepted":n,"lastId":m}; last_id is the
 * batch's last id, or -1 to read the source's back. */
static void
api_accepted(struct api *a, struct evhttp_request *req,
    const struct query_route *r, size_t n, bool created, int64_t last_id)
{
	struct store_info info;
	cJSON *v = cJSON_CreateObject();

	/* The batch is stored: say so even if its last id cannot be read
	 * back (a retry would store it twice). */
	cJSON_AddNumberToObject(v, "accepted", (double)n);
	if (last_id < 0 && store_get(a->st, r->kind, r->id, &info) == STORE_OK)
		last_id = info.last_id;
	if (last_id >= 0)
		cJSON_AddNumberToObject(v, "lastId", (double)last_id);
	api_send_json(a, req, created ? 201 : 200, v);
}

/* The body of an ingest request as one contiguous span ("" when empty),
 * or NULL after answering 400 when the source id cannot be created. */
static const char *
api_ingest_body(struct api *a, struct evhttp_request *req,
    const struct query_route *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *body;

	if (!util_valid_id(r->id, strlen(r->id))) {
		api_error(a, req, 400, "invalid source id");
		return NULL;
	}
	*len = evbuffer_get_length(in);
	body = (const char *)evbuffer_pullup(in, -1);
	return body != NULL ? body : "";
}

/* True when all n bytes of s are printable ASCII (space to tilde). */
static bool
api_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* The request's Idempotency-Key into *key (NULL when it has none); 0, or
 * -1 after answering 400 for one that is empty, too long, not printable
 * ASCII, or given twice. */
static int
api_idem_key(struct api *a, struct evhttp_request *req, const char **key)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const struct evkeyval *kv;
	size_t len;

	*key = NULL;
	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Idempotency-Key") != 0)
			continue;
		len = strlen(kv->value);
		if (*key != NULL || len == 0 || len > STORE_IDEM_KEY_MAX ||
		    !api_printable(kv->value, len)) {
			api_error(a, req, 400,
			    "Idempotency-Key must be one header of 1 to %d "
			    "printable ASCII characters",
			    STORE_IDEM_KEY_MAX);
			return -1;
		}
		*key = kv->value;
	}
	return 0;
}

/* Answer a keyed batch from its receipt, the same whether it was stored
 * now or before (a replay also says so in Idempotent-Replayed). */
static void
api_receipt(struct api *a, struct evhttp_request *req,
    const struct store_receipt *rc)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddNumberToObject(v, "accepted", (double)rc->accepted);
	cJSON_AddNumberToObject(v, "lastId", (double)rc->last_id);
	if (rc->replayed)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Idempotent-Replayed", "true");
	api_send_json(a, req, rc->created ? 201 : 200, v);
}

/* POST .../logs */
static void
api_post_logs(
    struct api *a, struct evhttp_request *req, const struct query_route *r)
{
	struct ingest_batch batch;
	struct store_receipt receipt;
	struct store_idem idem = {.window_ms = a->idem_window_ms};
	const char *body;
	char err[256];
	size_t len;
	bool created = false;
	int64_t last_id = -1; /* read back when the batch is empty */
	int rc;

	if ((body = api_ingest_body(a, req, r, &len)) == NULL ||
	    api_idem_key(a, req, &idem.key) != 0)
		return;
	rc = ingest_logs(body, len, util_now_ms(), &batch, err, sizeof err);
	if (rc != 0) {
		api_error(a, req, rc, "%s", err);
		return;
	}
	/* An empty batch stores no event: it needs no key. */
	if (idem.key != NULL && batch.n > 0) {
		idem.body_hash = hash_fnv1a(HASH_FNV1A_INIT, body, len);
		idem.body_len = len;
		rc = store_append_once(a->st, r->kind, r->id, &idem,
		    batch.lines, batch.n, util_now_ms(), &receipt);
	} else
		rc = store_append_last(a->st, r->kind, r->id, batch.lines,
		    batch.n, util_now_ms(), &created, &last_id);
	if (rc == STORE_EKEYREUSE)
		api_error(a, req, 422, "%s", store_strerror(rc));
	else if (rc != STORE_OK)
		api_store_error(a, req, rc);
	else if (idem.key != NULL && batch.n > 0 && receipt.replayed) {
		metrics_add(METRICS_INGEST_REPLAYED, 1);
		api_receipt(a, req, &receipt);
	} else {
		metrics_add(METRICS_EVENTS_INGESTED, batch.n);
		metrics_observe(METRICS_INGEST_BATCH, (double)batch.n);
		metrics_observe(METRICS_INGEST_SECONDS,
		    (double)(util_mono_us() - a->t0_us) / 1e6);
		if (idem.key != NULL && batch.n > 0)
			api_receipt(a, req, &receipt);
		else
			api_accepted(a, req, r, batch.n, created, last_id);
	}
	ingest_batch_free(&batch);
}

/* POST .../status */
static void
api_post_status(
    struct api *a, struct evhttp_request *req, const struct query_route *r)
{
	struct store_status ch;
	const char *body;
	char err[256], name[INGEST_NAME_MAX + 1], run_id[STORE_RUN_ID_MAX + 1];
	size_t len;
	bool created = false;
	int rc;

	if ((body = api_ingest_body(a, req, r, &len)) == NULL)
		return;
	rc = ingest_status(
	    body, len, util_now_ms(), &ch, name, run_id, err, sizeof err);
	if (rc != 0) {
		api_error(a, req, rc, "%s", err);
		return;
	}
	rc = store_set_status(a->st, r->kind, r->id, &ch, &created);
	if (rc != STORE_OK)
		api_store_error(a, req, rc);
	else
		api_accepted(a, req, r, 1, created, -1);
}

/* Answer {"status":"ok"} (why NULL) or {"status":"not ready",
 * "reason":why} with code. */
static void
api_status(struct api *a, struct evhttp_request *req, int code, const char *why)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "status", why == NULL ? "ok" : "not ready");
	if (why != NULL)
		cJSON_AddStringToObject(v, "reason", why);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	api_send_json(a, req, code, v);
}

/* The client connections open now: the sockets of this process whose
 * local port is a listener's and that have a peer (the listening sockets
 * have none). Read from /proc once per scrape, so nothing is counted per
 * connection; -1 when /proc cannot be read. */
static long
api_connections(const struct api *a)
{
	DIR *d = opendir("/proc/self/fd");
	struct sockaddr_storage ss;
	struct dirent *e;
	socklen_t sl;
	long n = 0;
	int fd, port;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    (fd = atoi(e->d_name)) == dirfd(d))
			continue;
		sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		port = ss.ss_family == AF_INET6
		           ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
		           : ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if (port == 0 || (port != a->ports[0] && port != a->ports[1]))
			continue;
		sl = sizeof ss;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* GET /metrics: the exposition, behind --metrics-token when given. */
static void
api_metrics(struct api *a, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	struct store_stats ss;
	struct evbuffer *body;

	if (a->metrics_token != NULL &&
	    (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 ||
	        !util_secret_equal(h + 7, strlen(h + 7), a->metrics_token,
	            strlen(a->metrics_token)))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
		api_error(a, req, 401, "the metrics token is required");
		return;
	}
	if ((body = evbuffer_new()) == NULL ||
	    metrics_render(body,
	        store_stats(a->st, &ss) == STORE_OK ? &ss : NULL,
	        api_connections(a)) != 0) {
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	api_send_type(a, req, 200, body, METRICS_CONTENT_TYPE);
	evbuffer_free(body);
}

/* Serve /healthz, /readyz and (when metrics) /metrics; false when path is
 * none of them. No API token is asked for; doc/api.md, "Health and
 * metrics". */
static bool
api_ops(
    struct api *a, struct evhttp_request *req, const char *path, bool metrics)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char why[128];

	if (path == NULL ||
	    (strcmp(path, "/healthz") != 0 && strcmp(path, "/readyz") != 0 &&
	        (!metrics || strcmp(path, "/metrics") != 0)))
		return false;
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
		api_not_allowed(a, req, "GET, HEAD");
	else if (strcmp(path, "/healthz") == 0)
		api_status(a, req, 200, NULL);
	else if (strcmp(path, "/metrics") == 0)
		api_metrics(a, req);
	else if (a->stopping)
		api_status(a, req, 503, "shutting down");
	else if (store_ready(a->st, why, sizeof why) != 0)
		api_status(a, req, 503, why);
	else
		api_status(a, req, 200, NULL);
	return true;
}

/* True when the request's Content-Length headers frame it in doubt:
 * one that is not plain digits ("+15"), or two that differ. libevent
 * takes the first and reads strtoll's idea of it; a proxy in front may
 * take another, and the rest of the body would be read as a request
 * (RFC 9112 6.3: answer 400 and close). */
static bool
api_bad_length(struct evhttp_request *req)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const struct evkeyval *kv;
	const char *first = NULL;

	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		if (kv->value[0] == '\0' ||
		    kv->value[strspn(kv->value, "0123456789")] != '\0')
			return true;
		if (first != NULL && strcmp(first, kv->value) != 0)
			return true;
		first = kv->value;
	}
	return false;
}

/* Answer 400 and close the connection when the request's framing is in
 * doubt (api_bad_length); true when it did. */
static bool
api_refuse_framing(struct api *a, struct evhttp_request *req)
{
	if (!api_bad_length(req))
		return false;
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Connection", "close");
	api_error(a, req, 400, "conflicting or malformed Content-Length");
	return true;
}

/* The callback of the --metrics-listen listener: the operations paths
 * only. */
static void
api_handle_ops(struct evhttp_request *req, void *arg)
{
	struct api *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);

	conn_request_read(req);
	a->t0_us = util_mono_us();
	if (api_refuse_framing(a, req))
		return;
	if (!api_ops(
	        a, req, uri != NULL ? evhttp_uri_get_path(uri) : NULL, true))
		api_error(a, req, 404, "no such path");
}

/* The one evhttp callback: authenticate, route, dispatch. */
static void
api_handle(struct evhttp_request *req, void *arg)
{
	struct api *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	struct evkeyvalq q = {0};
	struct store_info info;
	struct query_route r;
	struct api_who who;
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	int rc;

	conn_request_read(req);
	a->t0_us = util_mono_us();
	if (api_refuse_framing(a, req) ||
	    api_ops(a, req, path, a->mhttp == NULL))
		return;
	if (path == NULL || strncmp(path, "/api/", 5) != 0) {
		api_error(a, req, 404, "no such path");
		return;
	}
	if (strcmp(path, "/api/auth/token") == 0 ||
	    strcmp(path, "/api/auth/refresh") == 0) {
		api_auth(a, req, path[10] == 'r');
		return;
	}
	if ((rc = api_authorized(a, req, &who)) != TOKENS_OK) {
		/* RFC 6750: name the error only when a token was given. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate",
		    rc == TOKENS_MISSING ? "Bearer"
		                       : "Bearer error=\"invalid_token\"");
		api_error(a, req, 401,
		    rc == TOKENS_MISSING ? "a bearer token is required"
		                       : "invalid or expired token");
		return;
	}
	if (query_route(path, &r) != 0) {
		api_error(a, req, 404, "no such path");
		return;
	}
	/* No source can have such an id (ingest refuses it with 400), not
	 * even one a producer inserted into PostgreSQL itself. */
	if (r.id[0] != '\0' && cmd != EVHTTP_REQ_POST &&
	    !util_valid_id(r.id, strlen(r.id))) {
		api_error(a, req, 404, "no such source");
		return;
	}
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		api_error(a, req, 400, "malformed query string");
		return;
	}
	if (r.id[0] == '\0') {
		if (!get)
			api_not_allowed(a, req, "GET, HEAD");
		else
			api_get_list(a, req, &r, &q, &who);
	} else if (r.sub == NULL) {
		if (!get)
			api_not_allowed(a, req, "GET, HEAD");
		else if ((rc = store_get(a->st, r.kind, r.id, &info)) !=
		         STORE_OK)
			api_store_error(a, req, rc);
		else
			api_send_json(a, req, 200, render_source(&info));
	} else if (strcmp(r.sub, "logs") == 0) {
		if (get)
			api_get_logs(a, req, &r, &q, &who);
		else if (cmd == EVHTTP_REQ_POST)
			api_post_logs(a, req, &r);
		else
			api_not_allowed(a, req, "GET, HEAD, POST");
	} else if (strcmp(r.sub, "runs") == 0) {
		if (get)
			api_get_runs(a, req, &r, &q);
		else
			api_not_allowed(a, req, "GET, HEAD");
	} else {
		if (cmd == EVHTTP_REQ_POST)
			api_post_status(a, req, &r);
		else
			api_not_allowed(a, req, "POST");
	}
	evhttp_clear_headers(&q);
}

/* The API whose listener reports errors. libevent hands the listener's
 * error callback evhttp's own pointer, so the API is found here; a process
 * serves one API. */
static struct api *api_listening;

/* Accept again after a pause. */
static void
api_resume(evutil_socket_t fd, short what, void *arg)
{
	struct api *a = arg;

	if (a->conns != NULL) {
		conn_mgr_resume(a->conns);
		return;
	}
	evconnlistener_enable(a->listener);
	if (a->mlistener != NULL)
		evconnlistener_enable(a->mlistener);
}

/* accept() failed for a reason that does not go away by retrying at once
 * (out of descriptors): without this libevent would retry in a busy loop.
 * Pause accepting; the pending connections wait in the backlog. */
static void
api_accept_error(struct evconnlistener *lev, void *arg)
{
	struct api *a = api_listening;
	struct timeval tv = {
	    API_ACCEPT_PAUSE_MS / 1000, API_ACCEPT_PAUSE_MS % 1000 * 1000};

	util_log("cannot accept connections (%s); pausing for %d ms",
	    strerror(errno), API_ACCEPT_PAUSE_MS);
	evconnlistener_disable(lev);
	event_add(a->resume, &tv);
}

void
api_stop_accepting(struct api *a)
{
	a->stopping = true;
	if (a->conns != NULL)
		conn_mgr_stop(a->conns);
	if (a->listener != NULL)
		evconnlistener_disable(a->listener);
	if (a->mlistener != NULL)
		evconnlistener_disable(a->mlistener);
	event_del(a->resume);
}

/* The limits and methods every listener of the API has. */
static void
api_http_setup(struct evhttp *http)
{
	evhttp_set_max_body_size(http, API_BODY_MAX);
	evhttp_set_max_headers_size(http, API_HEADERS_MAX);
	evhttp_set_timeout(http, API_IDLE_TIMEOUT);
	/* Every method reaches a callback, which answers 405 in JSON. */
	evhttp_set_allowed_methods(
	    http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	              EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	              EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
}

struct api *
api_new(struct event_base *base, struct store *st, struct feed_mgr *feeds,
    struct tokens *tokens)
{
	struct api *a;

	if ((a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	a->base = base;
	a->st = st;
	a->feeds = feeds;
	a->tokens = tokens;
	a->idem_window_ms = (int64_t)STORE_IDEM_WINDOW_S * 1000;
	if ((a->http = evhttp_new(base)) == NULL ||
	    (a->resume = evtimer_new(base, api_resume, a)) == NULL) {
		api_free(a);
		return NULL;
	}
	api_http_setup(a->http);
	evhttp_set_gencb(a->http, api_handle, a);
	return a;
}

/* Bind http to host:port; its listener into *lev, the port into *bound.
 * Returns 0, or -1. */
static int
api_bind(struct api *a, struct evhttp *http, const char *host, int port,
    struct evconnlistener **lev, int *bound)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	bs = evhttp_bind_socket_with_handle(http, host, (ev_uint16_t)port);
	if (bs == NULL)
		return -1;
	*lev = evhttp_bound_socket_get_listener(bs);
	api_listening = a;
	evconnlistener_set_error_cb(*lev, api_accept_error);
	if (a->conns != NULL && conn_mgr_attach(a->conns, http, *lev) != 0)
		return -1;
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	        &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		*bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int
api_listen(struct api *a, const char *host, int port, int *bound)
{
	if (api_bind(a, a->http, host, port, &a->listener, bound) != 0)
		return -1;
	a->ports[0] = *bound;
	return 0;
}

int
api_listen_metrics(struct api *a, const char *host, int port, int *bound)
{
	if ((a->mhttp = evhttp_new(a->base)) == NULL)
		return -1;
	api_http_setup(a->mhttp);
	evhttp_set_gencb(a->mhttp, api_handle_ops, a);
	if (api_bind(a, a->mhttp, host, port, &a->mlistener, bound) != 0)
		return -1;
	a->ports[1] = *bound;
	return 0;
}

void
api_set_conns(struct api *a, struct conn_mgr *conns)
{
	a->conns = conns;
}

void
api_set_idem_window(struct api *a, int64_t window_ms)
{
	a->idem_window_ms = window_ms;
}

int
api_set_metrics_token(struct api *a, const char *token)
{
	free(a->metrics_token);
	a->metrics_token = token != NULL ? strdup(token) : NULL;
	return token != NULL && a->metrics_token == NULL ? -1 : 0;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	/* evhttp_free frees the listeners before the connections, whose
	 * close must not enable a listener again. */
	if (a->conns != NULL)
		conn_mgr_stop(a->conns);
	if (a->http != NULL)
		evhttp_free(a->http);
	if (a->mhttp != NULL)
		evhttp_free(a->mhttp);
	free(a->metrics_token);
	if (a->resume != NULL)
		event_free(a->resume);
	if (api_listening == a)
		api_listening = NULL;
	free(a);
}
