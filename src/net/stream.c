/* stream.c - live log streams: SSE over the shared curl multi handle with
 * reconnect, Last-Event-ID resume, backoff and stall detection. */
#include "net/stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "net/auth.h"
#include "core/buf.h"
#include "net/client.h"
#include "core/esc.h"
#include "core/json.h"
#include "net/loop.h"
#include "net/policy.h"
#include "core/source.h"
#include "core/sse.h"

/* A stream is stalled after this many heartbeat intervals of silence. */
#define STREAM_STALL_FACTOR 3
/* Polling fallback: interval between ?after= requests. */
#define STREAM_POLL_MS 1000
/* Polling fallback: events asked for per request. */
#define STREAM_POLL_LIMIT 1000
/* How much of an error response body is kept for the message. */
#define STREAM_MAX_ERROR_BODY 4096
/* Longest path and query a request builds past the source's URL: room
 * for a run selector and a since= time of several hundred bytes each,
 * escaped; a longer request fails the stream with a message. */
#define STREAM_MAX_QUERY 4096

/* Over HTTP/2 (client_multiplexed) requests start in waves: one alone
 * first, which finds a connection with room or opens one, then up to
 * STREAM_WAVE - 1 more once it has its answer, and they share that
 * connection. libcurl 7.88 makes a transfer wait for a connection still
 * being opened (CURLOPT_PIPEWAIT) only while it does not know yet that
 * the server multiplexes; once it knows, every transfer started while the
 * known connections are full opens one of its own (1,000 streams through
 * nghttpx, which allows 100 per connection, used 903 sockets). 100 is
 * libcurl's own cap of streams per connection
 * (CURLMOPT_MAX_CONCURRENT_STREAMS) and the usual server setting. */
#define STREAM_WAVE 100
/* Longest wait for a wave's answers before the next one starts anyway:
 * a server that takes the request and never answers must not hold every
 * other stream back. */
#define STREAM_WAVE_WAIT_MS 2000

/* What the current transfer is fetching. */
enum stream_req {
	REQ_STREAM,     /* ?stream=true, SSE expected */
	REQ_POLL_LOGS,  /* polling fallback: ?after= */
	REQ_POLL_STATE, /* polling fallback: the run or the source object */
};

struct stream {
	struct stream_mgr *m;
	struct stream *prev, *next;
	struct source src;
	long tail;
	char *since;   /* owned; ISO 8601, or NULL */
	char *run;     /* owned; the run selector, or NULL */
	bool all_runs; /* runs=all: run after run, never ended by a status */
	bool pinned;   /* run= was made the number of the run it read */
	bool no_runs;  /* polling: the server has no runs endpoint */
	/* The newest run boundary delivered: run * 2, plus 1 once it ended
	 * (0: none). A resumed stream repeats boundaries; each is told once. */
	long long boundary;
	void *data;

	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	bool in_multi;
	enum stream_req req;

	struct sse_parser *sse;
	long long last_id; /* highest log id seen (polling fallback) */
	bool have_last_id;

	long http_status;
	bool answered; /* the first body byte was examined */
	bool is_sse;
	bool is_json;          /* a JSON answer: the polling API */
	bool too_big;          /* that answer passed CLIENT_MAX_BODY */
	long retry_after_ms;   /* from the Retry-After header, or -1 */
	struct buf body;       /* JSON or error body of non-SSE answers */
	bool healthy;          /* this connection delivered something */
	bool terminal;         /* a terminal status arrived */
	bool token_expired;    /* the server ended the stream: token expired */
	unsigned auth_gen;     /* auth_generation() when this request began */
	unsigned reauth_tries; /* renewals in a row, each token refused */
	struct auth_wait auth_wait; /* waiting for a renewal (RENEWING) */
	bool renew_failed;     /* this answer's renewal failed: decide anew */
	CURLcode rc;           /* how the last transfer ended */
	bool closing;          /* stream_close was deferred; freed soon */
	bool queued;           /* waiting for its wave (m->queue) */
	bool opening;          /* started in a wave, not answered yet */
	bool scout;            /* the wave's first, alone */
	struct stream *qnext;  /* next in m->queue */

	uint64_t last_byte;
	struct loop_timer retry_timer;
	struct loop_timer stall_timer;
	struct stream_status st;
};

struct stream_mgr {
	struct loop *loop;
	const struct client_cfg *cfg;
	const struct stream_handlers *h;
	void *arg;
	struct stream *streams;
	struct event_decoder *dec;
	unsigned rnd;
	/* Nonzero while any stream code runs on the stack (curl callbacks,
	 * timers, transfer ends): stream_close then defers the free. */
	int depth;
	/* The waves of HTTP/2 requests (STREAM_WAVE): requests waiting, in
	 * order; how many more may start now; how many started and not
	 * answered; the deadline of the wave under way. */
	struct stream *queue, *queue_tail;
	int budget;
	int opening;
	bool scout_next; /* the next request started is a wave's scout */
	struct loop_timer wave_timer;
	/* Starts the requests a settled one made room for, out of the curl
	 * callback that settled it (libcurl refuses a new transfer there). */
	struct loop_timer admit_timer;
	bool freeing; /* stream_mgr_free: start nothing more */
};

static void stream_connect(struct stream *s);
static void stream_settle(struct stream *s);
static void stream_destroy(struct stream *s);

const char *
stream_state_name(enum stream_state st)
{
	switch (st) {
	case STREAM_CONNECTING:
		return "connecting";
	case STREAM_LIVE:
		return "live";
	case STREAM_POLLING:
		return "polling";
	case STREAM_WAITING:
		return "reconnecting";
	case STREAM_RENEWING:
		return "renewing token";
	case STREAM_ENDED:
		return "ended";
	case STREAM_GONE:
		return "gone";
	case STREAM_UNAUTHORIZED:
		return "unauthorized";
	case STREAM_FAILED:
		return "failed";
	}
	return "?";
}

/* Enter a state and tell the owner. */
static void
stream_set_state(struct stream *s, enum stream_state st)
{
	if (s->st.state != st)
		s->st.since = loop_now();
	s->st.state = st;
	if (st == STREAM_LIVE || st == STREAM_POLLING)
		s->st.error[0] = '\0';
	if (s->m->h->on_state != NULL) {
		s->m->h->on_state(s, s->m->arg);
	}
}

/* Remember a one-line error (printf-style). */
static void stream_error(struct stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
stream_error(struct stream *s, const char *fmt, ...)
{
	va_list ap;
	char raw[sizeof s->st.error];

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* It quotes the server (error bodies, names): escape C0, C1, bidi. */
	esc_line(s->st.error, sizeof s->st.error, raw);
}

/* True when the stream asks about runs (run= or runs=all). */
static bool
stream_uses_runs(const struct stream *s)
{
	return s->run != NULL || s->all_runs;
}

/* A random number in [0, n) from a small xorshift generator: jitter only
 * needs to spread clients apart, not to be unpredictable. */
static uint64_t
stream_random(struct stream_mgr *m, uint64_t n)
{
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 17;
	m->rnd ^= m->rnd << 5;
	return n ? m->rnd % n : 0;
}

/* Schedule the next attempt after the backoff (policy_backoff); renewal
 * says it follows a token renewal that failed for now, not a drop. */
static void
stream_schedule_retry(struct stream *s, bool renewal)
{
	struct policy_wait w;

	s->st.renew_retry = renewal;
	if (s->healthy)
		s->st.attempt = 0;
	w = policy_backoff(sse_retry(s->sse), s->st.attempt,
	    s->m->cfg->backoff_cap_ms, s->retry_after_ms,
	    stream_random(s->m, UINT64_MAX));
	s->st.attempt++;
	s->st.ceiling = w.ceiling_ms;
	s->st.retry_at = loop_now() + w.delay_ms;
	loop_timer_stop(s->m->loop, &s->stall_timer);
	loop_timer_in(s->m->loop, &s->retry_timer, w.delay_ms);
	stream_set_state(s, STREAM_WAITING);
}

/* End the stream for good in state st. */
static void
stream_finish(struct stream *s, enum stream_state st)
{
	loop_timer_stop(s->m->loop, &s->stall_timer);
	loop_timer_stop(s->m->loop, &s->retry_timer);
	stream_set_state(s, st);
}

/* Deliver one decoded log event to the owner. */
static void
stream_deliver_log(const struct log_event *ev, void *arg)
{
	struct stream *s = arg;

	if (s->closing)
		return;
	if (ev->id >= 0) {
		/* The polling fallback resends what it has seen; skip it. */
		if (s->have_last_id && ev->id <= s->last_id &&
		    s->req == REQ_POLL_LOGS)
			return;
		s->last_id = ev->id;
		s->have_last_id = true;
	}
	s->healthy = true;
	s->st.events++;
	s->m->h->on_log(s, ev, s->m->arg);
}

/* A run named relative to now ("current", "previous") becomes the number
 * of the run the stream turned out to read, so that a reconnect after a
 * new run began still reads that one (and ends with it). */
static void
stream_pin_run(struct stream *s, long long run)
{
	char num[24], *copy;

	if (s->run == NULL || s->pinned || s->all_runs)
		return;
	s->pinned = true;
	if (strcmp(s->run, "current") != 0 && strcmp(s->run, "previous") != 0)
		return;
	snprintf(num, sizeof num, "%lld", run);
	if ((copy = strdup(num)) == NULL)
		return;
	free(s->run);
	s->run = copy;
}

/* Deliver a status change; a terminal one ends the stream unless it
 * follows run after run. A run boundary already delivered is dropped. */
static void
stream_deliver_status(struct stream *s, const struct status_event *st)
{
	long long b;

	if (st->run > 0 &&
	    (st->status == RUN_RUNNING || run_status_terminal(st->status))) {
		b = st->run * 2 + (st->status == RUN_RUNNING ? 0 : 1);
		if (b <= s->boundary)
			return;
		s->boundary = b;
		stream_pin_run(s, st->run);
	}
	s->st.run = st->status;
	s->st.has_exit_code = st->has_exit_code;
	s->st.exit_code = st->exit_code;
	if (run_status_terminal(st->status) && !s->all_runs)
		s->terminal = true;
	s->healthy = true;
	if (s->m->h->on_status != NULL) {
		s->m->h->on_status(s, st, s->m->arg);
	}
}

/* Decode an event cut by --max-event: what arrived whole is kept, and the
 * id comes from the SSE id field when the cut came before the JSON one. */
static void
stream_decode_cut(
    struct stream *s, const struct sse_event *ev, struct log_event *le)
{
	long long id;

	event_decode_cut(s->m->dec, ev->data, ev->data_len, le);
	if (le->id < 0 && ev->id_len > 0 && json_int(ev->id, ev->id_len, &id))
		le->id = id;
}

/* The SSE parser dispatched an event. */
static void
stream_on_sse_event(const struct sse_event *ev, void *arg)
{
	struct stream *s = arg;
	struct log_event le;
	struct status_event st;
	long long oldest;

	if (s->closing || s->terminal)
		return;
	if ((ev->type_len == 3 && memcmp(ev->type, "log", 3) == 0) ||
	    (ev->type_len == 7 && memcmp(ev->type, "message", 7) == 0)) {
		if (ev->truncated > 0)
			stream_decode_cut(s, ev, &le);
		else
			event_decode(s->m->dec, ev->data, ev->data_len, &le);
		le.truncated += ev->truncated;
		stream_deliver_log(&le, s);
	} else if (ev->type_len == 6 && memcmp(ev->type, "status", 6) == 0) {
		if (event_decode_status(ev->data, ev->data_len, &st) == 0)
			stream_deliver_status(s, &st);
	} else if (ev->type_len == 5 && memcmp(ev->type, "reset", 5) == 0) {
		bool renumbered =
		    event_reset_renumbered(ev->data, ev->data_len);

		oldest = event_decode_reset(ev->data, ev->data_len);
		s->st.resets++;
		/* A server that numbers anew numbers its runs anew too. */
		if (renumbered)
			s->boundary = 0;
		if (s->m->h->on_reset != NULL)
			s->m->h->on_reset(s, oldest, renumbered, s->m->arg);
	} else if (ev->type_len == 5 && memcmp(ev->type, "error", 5) == 0) {
		cJSON *j = cJSON_ParseWithLength(ev->data, ev->data_len);
		cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "reason");

		if (cJSON_IsString(r) &&
		    strcmp(r->valuestring, "token_expired") == 0)
			s->token_expired = true;
		else
			stream_error(s, "server error: %.*s",
			    (int)(ev->data_len > 200 ? 200 : ev->data_len),
			    ev->data);
		cJSON_Delete(j);
	}
}

/* The "error" text of a JSON error body, or fallback. */
static const char *
stream_body_error(struct stream *s, const char *fallback)
{
	static char msg[160];
	cJSON *j, *e;

	if (s->body.len == 0)
		return fallback;
	j = cJSON_ParseWithLength(s->body.p, s->body.len);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e))
		snprintf(msg, sizeof msg, "%s", e->valuestring);
	else
		snprintf(msg, sizeof msg, "%s", fallback);
	cJSON_Delete(j);
	return msg;
}

/* Header callback: the status of the final response and Retry-After. */
static size_t
stream_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n;

	s->last_byte = loop_now();
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 1xx or a redirect) starts over. */
		const char *sp = memchr(p, ' ', len);

		s->http_status = sp ? strtol(sp + 1, NULL, 10) : 0;
		s->retry_after_ms = -1;
		/* The connection is up and known: the wave may go on. */
		stream_settle(s);
	} else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		s->retry_after_ms = client_retry_after_ms(p + 12, len - 12);
	}
	return len;
}

/* First body byte of a response: decide what kind of answer it is. */
static void
stream_on_answer(struct stream *s)
{
	char *ct = NULL;

	s->answered = true;
	curl_easy_getinfo(s->easy, CURLINFO_CONTENT_TYPE, &ct);
	s->is_sse = s->http_status == 200 && s->req == REQ_STREAM &&
	            ct != NULL && strncasecmp(ct, "text/event-stream", 17) == 0;
	s->is_json = s->http_status == 200 && ct != NULL &&
	             strncasecmp(ct, "application/json", 16) == 0;
	if (s->is_sse) {
		sse_reconnect(s->sse);
		stream_set_state(s, STREAM_LIVE);
		return;
	}
	buf_free(&s->body);
	buf_init(&s->body,
	    s->http_status == 200 ? CLIENT_MAX_BODY : STREAM_MAX_ERROR_BODY);
}

/* Write callback: feed the SSE parser, or keep the (bounded) body. */
static size_t
stream_on_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n;

	s->last_byte = loop_now();
	if (!s->answered)
		stream_on_answer(s);
	if (s->closing)
		return 0;
	if (s->is_sse) {
		/* One slice per loop pass: the rest waits, input goes first. */
		if (!loop_slice_take(s->m->loop, s->easy, len))
			return CURL_WRITEFUNC_PAUSE;
		s->m->depth++;
		sse_feed(s->sse, p, len);
		s->m->depth--;
		/* Returning short aborts the transfer: after a terminal status
		 * there is nothing more to read, after stream_close nobody to
		 * read it for. */
		return s->closing || s->terminal ? 0 : len;
	}
	if (buf_append(&s->body, p, len) != 0 && s->http_status == 200) {
		s->too_big = true;
		return 0;
	}
	return len;
}

/* Keepalive comments need no callback: every byte, theirs included,
 * already counts as proof of life in the write callback. */
static const struct sse_callbacks stream_sse_cb = {
    .on_event = stream_on_sse_event,
};

/* The stall timer: no byte for too long means a dead link. */
static void
stream_on_stall_timer(void *arg)
{
	struct stream *s = arg;
	uint64_t stall =
	    (uint64_t)s->m->cfg->heartbeat_ms * STREAM_STALL_FACTOR;
	uint64_t now = loop_now();

	if (!s->in_multi || s->closing)
		return;
	if (now - s->last_byte < stall) {
		loop_timer_in(
		    s->m->loop, &s->stall_timer, stall - (now - s->last_byte));
		return;
	}
	loop_remove_transfer(s->m->loop, s->easy);
	s->in_multi = false;
	s->st.stalled = true;
	stream_error(s, "stalled: no data for %llus",
	    (unsigned long long)(stall / 1000));
	s->retry_after_ms = -1;
	s->healthy = false;
	s->m->depth++;
	stream_schedule_retry(s, false);
	s->m->depth--;
}

/* The retry timer: time for the next attempt (or the next poll). */
static void
stream_on_retry_timer(void *arg)
{
	struct stream *s = arg;

	if (s->closing) {
		stream_destroy(s);
		return;
	}
	s->m->depth++;
	stream_connect(s);
	s->m->depth--;
}

static void stream_decide(struct stream *s);

/* The token was refused or expired (policy_decide said renew): renew it
 * unless another stream already did (then reconnect at once) and wait
 * in STREAM_RENEWING for the renewal, which runs on the loop. */
static void
stream_reauth(struct stream *s)
{
	struct auth *a = s->m->cfg->auth;
	char err[256];

	s->reauth_tries++;
	if (auth_generation(a) != s->auth_gen) {
		s->st.reauths++;
		s->st.attempt = 0;
		/* No wait: the transfer has ended (we are in its done
		 * callback), so the next one can start now. */
		stream_connect(s);
		return;
	}
	if (auth_renew(a, s->m->loop, s->m->cfg, &s->auth_wait, err,
	        sizeof err) != 0) {
		stream_error(s, "unauthorized: %s", err);
		s->renew_failed = true;
		stream_decide(s);
		return;
	}
	loop_timer_stop(s->m->loop, &s->stall_timer);
	stream_set_state(s, STREAM_RENEWING);
}

/* The renewal the stream waited for ended: reconnect under the new
 * token; after a failure for now (the token endpoint away, busy, or its
 * answer cut), wait the usual backoff (at least its Retry-After) and
 * try again; after a refusal, decide again knowing it cannot be
 * renewed. */
static void
stream_on_renewed(struct auth_wait *w, const struct auth_outcome *o)
{
	struct stream *s = w->arg;

	if (s->closing) {
		stream_destroy(s);
		return;
	}
	s->m->depth++;
	switch (o->kind) {
	case AUTH_RENEWED:
		s->st.reauths++;
		s->st.attempt = 0;
		stream_connect(s);
		break;
	case AUTH_TRANSIENT:
		/* No token came to be refused: this one does not count
		 * towards POLICY_MAX_REAUTH. The next attempt reconnects
		 * (the old token may still do after a restart) and renews
		 * again when refused. */
		if (s->reauth_tries > 0)
			s->reauth_tries--;
		stream_error(s, "token renewal failed (%s)", o->err);
		s->retry_after_ms = o->retry_after_ms;
		stream_schedule_retry(s, true);
		break;
	case AUTH_REFUSED:
		stream_error(s, "unauthorized: %s", o->err);
		s->renew_failed = true;
		stream_decide(s);
		break;
	}
	s->m->depth--;
	if (s->closing)
		stream_destroy(s);
}

/* Polling fallback: a logs page or the source object arrived. */
static void
stream_poll_done(struct stream *s)
{
	struct status_event st;
	long count;

	if (s->req == REQ_STREAM)
		s->req = REQ_POLL_LOGS; /* a JSON answer to a stream request */
	if (s->req == REQ_POLL_LOGS) {
		count =
		    event_decode_array(s->m->dec, s->body.p ? s->body.p : "",
		        s->body.len, stream_deliver_log, s);
		if (count < 0) {
			stream_error(s, "polling: the server answered with "
			                "something other than a JSON array");
			stream_finish(s, STREAM_FAILED);
			return;
		}
		if (s->st.state != STREAM_POLLING)
			stream_set_state(s, STREAM_POLLING);
		/* A full page means more is waiting: ask again at once. */
		s->req =
		    count >= STREAM_POLL_LIMIT ? REQ_POLL_LOGS : REQ_POLL_STATE;
		if (count >= STREAM_POLL_LIMIT) {
			stream_connect(s);
			return;
		}
		/* After a terminal status, one last page was read: done. */
		if (s->terminal) {
			stream_finish(s, STREAM_ENDED);
			return;
		}
		stream_connect(s);
		return;
	}
	/* REQ_POLL_STATE: the run object (or, without runs, the source
	 * object) carries the run status; a run's boundaries are told once. */
	memset(&st, 0, sizeof st);
	if (event_decode_status(s->body.p ? s->body.p : "", s->body.len, &st) ==
	        0 &&
	    (st.status != s->st.run || st.run > 0))
		stream_deliver_status(s, &st);
	s->req = REQ_POLL_LOGS;
	if (s->terminal) {
		/* Read the last lines written before the status changed. */
		stream_connect(s);
		return;
	}
	s->st.retry_at = loop_now() + STREAM_POLL_MS;
	loop_timer_in(s->m->loop, &s->retry_timer, STREAM_POLL_MS);
}

/* How the transfer ended, as the policy sees it. */
static enum policy_net
stream_net(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return POLICY_NET_OK;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return POLICY_NET_FATAL; /* waiting will not fix these */
	default:
		return POLICY_NET_ERROR;
	}
}

/* True when renewing may still help: there is a token holder, this
 * answer's renewal has not failed, the renewals in a row are under
 * POLICY_MAX_REAUTH, and either someone renewed since the request began
 * or something can renew. */
static bool
stream_renewable(const struct stream *s)
{
	const struct auth *a = s->m->cfg->auth;

	return a != NULL && !s->renew_failed &&
	       s->reauth_tries < POLICY_MAX_REAUTH &&
	       (auth_generation(a) != s->auth_gen || auth_renewable(a));
}

/* Decide what follows a finished transfer (again after a renewal
 * failed) and do it: the decision is policy_decide's; this writes the
 * message and carries it out. */
static void
stream_decide(struct stream *s)
{
	long status = s->http_status;
	const char *kind = source_kind_path(s->src.kind);
	const char *curl = *s->errbuf ? s->errbuf : curl_easy_strerror(s->rc);
	struct policy_facts f = {.net = stream_net(s->rc),
	    .status = status,
	    .req = s->req == REQ_STREAM      ? POLICY_REQ_STREAM
	           : s->req == REQ_POLL_LOGS ? POLICY_REQ_POLL_LOGS
	                                     : POLICY_REQ_POLL_STATE,
	    .is_sse = s->is_sse,
	    .is_json = s->is_json,
	    .terminal = s->terminal,
	    .too_big = s->too_big,
	    .token_expired = s->token_expired,
	    .renewable = stream_renewable(s),
	    .uses_runs = stream_uses_runs(s),
	    .no_runs = s->no_runs,
	    .has_run = s->run != NULL};
	struct policy_decision d;

	if (status == 404 && s->run != NULL)
		f.body_names_run =
		    strstr(stream_body_error(s, ""), "run") != NULL;
	d = policy_decide(&f);
	switch (d.why) {
	case POLICY_WHY_NONE:
		break;
	case POLICY_WHY_TOO_BIG:
		stream_error(s,
		    "polling: the server's answer is larger than %d "
		    "bytes",
		    CLIENT_MAX_BODY);
		break;
	case POLICY_WHY_NOT_JSON:
		stream_error(s, "polling: the server did not answer with JSON");
		break;
	case POLICY_WHY_TRANSPORT:
		stream_error(s, "%s", curl);
		break;
	case POLICY_WHY_CLOSED:
		stream_error(s, "the server closed the stream");
		break;
	case POLICY_WHY_NO_MORE_LOGS:
		stream_error(s, "the server has no more logs for this source");
		break;
	case POLICY_WHY_NO_RUN:
		/* The server says which is missing: the run, not the source. */
		stream_error(s, "%s '%s' has no run '%s' (HTTP 404)", kind,
		    s->src.name, s->run);
		break;
	case POLICY_WHY_NOT_FOUND:
		stream_error(
		    s, "%s '%s' not found (HTTP 404)", kind, s->src.name);
		break;
	case POLICY_WHY_UNAUTHORIZED:
		if (d.action != POLICY_UNAUTHORIZED ||
		    strncmp(s->st.error, "unauthorized", 12) == 0)
			break; /* a renewal's failure already said why */
		if (s->m->cfg->auth != NULL && !s->renew_failed &&
		    s->reauth_tries < POLICY_MAX_REAUTH)
			stream_error(s, "unauthorized: %s", AUTH_CANNOT_RENEW);
		else
			stream_error(s, "unauthorized (HTTP %ld): %s", status,
			    stream_body_error(
			        s, "the server refused the token"));
		break;
	case POLICY_WHY_BUSY:
		stream_error(s, "server busy (HTTP %ld)", status);
		break;
	case POLICY_WHY_REFUSED:
		stream_error(s, "HTTP %ld: %s", status,
		    stream_body_error(s, "refused by the server"));
		break;
	}
	switch (d.action) {
	case POLICY_ENDED:
		stream_finish(s, STREAM_ENDED);
		break;
	case POLICY_POLL:
		stream_poll_done(s);
		break;
	case POLICY_RENEW:
		/* Resumes with Last-Event-ID under the new token. */
		stream_reauth(s);
		break;
	case POLICY_RETRY:
		stream_schedule_retry(s, false);
		break;
	case POLICY_RUNS_FALLBACK:
		/* A server without runs: poll the source's status instead. */
		s->no_runs = true;
		stream_connect(s);
		break;
	case POLICY_GONE:
		stream_finish(s, STREAM_GONE);
		break;
	case POLICY_UNAUTHORIZED:
		stream_finish(s, STREAM_UNAUTHORIZED);
		break;
	case POLICY_FAILED:
		stream_finish(s, STREAM_FAILED);
		break;
	}
}

/* A transfer ended: decide what comes next. */
static void
stream_on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct stream *s = arg;

	(void)easy;
	s->in_multi = false;
	stream_settle(s);
	s->rc = rc;
	s->renew_failed = false;
	s->st.http_status = s->http_status;
	loop_timer_stop(s->m->loop, &s->stall_timer);
	if (s->closing) {
		stream_destroy(s);
		return;
	}
	s->m->depth++;
	/* Renewals in a row count only while each renewed token is refused
	 * again: an answer that accepted it, or said nothing about it (a
	 * 503, a cut, no answer at all: a restart, a proxy), starts them
	 * over, or chaos between renewals would use them up. */
	if ((s->http_status == 200 && (s->healthy || s->is_sse)) ||
	    (s->http_status != 401 && s->http_status != 403 &&
	        !s->token_expired))
		s->reauth_tries = 0;
	stream_decide(s);
	s->m->depth--;
	if (s->closing)
		stream_destroy(s);
}

/* Append "&name=value" with value URL-escaped; -1 when it does not fit. */
static int
stream_query_arg(struct buf *q, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	int rc;

	if (esc == NULL)
		return -1;
	rc = buf_printf(q, "&%s=%s", name, esc);
	curl_free(esc);
	return rc;
}

/* The path and query of the next request into q (bounded by
 * STREAM_MAX_QUERY); -1 when it does not fit. Where the stream starts:
 * doc/api.md, "Where the stream starts". A reconnect resumes with
 * Last-Event-ID, which the server puts before every other start point;
 * run= and runs=all still say which runs it streams. */
static int
stream_query(struct stream *s, struct buf *q)
{
	size_t idlen;
	int rc = 0;

	if (s->req == REQ_STREAM) {
		sse_last_id(s->sse, &idlen);
		rc |= buf_puts(q, "/logs?stream=true");
		if (idlen == 0 && s->tail >= 0)
			rc |= buf_printf(q, "&tail=%ld", s->tail);
		else if (idlen == 0 && s->since != NULL)
			rc |= stream_query_arg(q, "since", s->since);
		/* Run after run, a resume point says it all: the run the
		 * stream began with may be gone from a restarted server. */
		if (s->run != NULL && !(s->all_runs && idlen > 0))
			rc |= stream_query_arg(q, "run", s->run);
		if (s->all_runs)
			rc |= buf_puts(q, "&runs=all");
	} else if (s->req == REQ_POLL_LOGS) {
		/* The polling API knows after, tail, since and run, not
		 * runs=all: the state poll below tells the boundaries. */
		if (s->have_last_id)
			rc |= buf_printf(q, "/logs?after=%lld&limit=%d",
			    s->last_id, STREAM_POLL_LIMIT);
		else if (s->tail >= 0)
			rc |= buf_printf(q, "/logs?tail=%ld", s->tail);
		else
			rc |= buf_printf(
			    q, "/logs?after=0&limit=%d", STREAM_POLL_LIMIT);
		if (!s->have_last_id && s->tail < 0 && s->since != NULL)
			rc |= stream_query_arg(q, "since", s->since);
		if (s->run != NULL)
			rc |= stream_query_arg(q, "run", s->run);
	} else if (stream_uses_runs(s) && !s->no_runs) {
		char *esc = curl_easy_escape(NULL,
		    s->run != NULL && !s->all_runs ? s->run : "current", 0);

		if (esc == NULL)
			return -1;
		rc |= buf_printf(q, "/runs/%s", esc);
		curl_free(esc);
	}
	return rc == 0 ? 0 : -1;
}

/* Start the next request of the stream now. */
static void
stream_request(struct stream *s)
{
	const struct client_cfg *cfg = s->m->cfg;
	char line[1100];
	const char *accept = "application/json";
	const char *id;
	size_t idlen;
	struct buf q;
	char *url;

	if (s->in_multi || s->closing)
		return;
	if (s->req == REQ_STREAM)
		accept = "text/event-stream";
	buf_init(&q, STREAM_MAX_QUERY);
	if (stream_query(s, &q) != 0) {
		buf_free(&q);
		stream_error(
		    s, "the request is longer than %d bytes", STREAM_MAX_QUERY);
		stream_finish(s, STREAM_FAILED);
		return;
	}
	url = client_url(cfg, source_kind_path(s->src.kind), s->src.id,
	    q.p != NULL ? q.p : "");
	buf_free(&q);
	if (url == NULL) {
		stream_error(s, "out of memory");
		stream_finish(s, STREAM_FAILED);
		return;
	}
	curl_slist_free_all(s->hdrs);
	client_setup(cfg, s->easy, &s->hdrs, accept);
	if (s->req == REQ_STREAM) {
		s->hdrs = curl_slist_append(s->hdrs, "Cache-Control: no-cache");
		id = sse_last_id(s->sse, &idlen);
		if (idlen > 0 && idlen < 1000) {
			snprintf(line, sizeof line, "Last-Event-ID: %.*s",
			    (int)idlen, id);
			s->hdrs = curl_slist_append(s->hdrs, line);
		}
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hdrs);
		/* Streams never end on their own: no total timeout. */
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, 0L);
		/* Over HTTP/2, streams opened together share one connection.
		 * Never on HTTP/1.1: libcurl 7.88 then queues each stream
		 * behind the previous one, which never ends. */
		curl_easy_setopt(s->easy, CURLOPT_PIPEWAIT,
		    client_multiplexed(cfg) ? 1L : 0L);
	} else {
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, 30L);
	}
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, stream_on_write);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, stream_on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	s->errbuf[0] = '\0';
	s->http_status = 0;
	s->answered = false;
	s->is_sse = false;
	s->is_json = false;
	s->too_big = false;
	s->retry_after_ms = -1;
	s->healthy = false;
	s->st.stalled = false; /* only the stall timer sets it, per attempt */
	s->token_expired = false;
	s->auth_gen = auth_generation(cfg->auth);
	buf_clear(&s->body);
	if (loop_add_transfer(s->m->loop, s->easy, stream_on_done, s) != 0) {
		stream_error(s, "cannot start the transfer");
		stream_finish(s, STREAM_FAILED);
		return;
	}
	s->in_multi = true;
	s->last_byte = loop_now();
	if (cfg->heartbeat_ms > 0)
		loop_timer_in(s->m->loop, &s->stall_timer,
		    (uint64_t)cfg->heartbeat_ms * STREAM_STALL_FACTOR);
	if (s->req == REQ_STREAM && s->st.state != STREAM_CONNECTING)
		stream_set_state(s, STREAM_CONNECTING);
}

/* Take the first request of the queue. */
static struct stream *
stream_dequeue(struct stream_mgr *m)
{
	struct stream *s = m->queue;

	m->queue = s->qnext;
	if (m->queue == NULL)
		m->queue_tail = NULL;
	s->qnext = NULL;
	s->queued = false;
	return s;
}

/* Take stream s out of the queue, wherever it is. */
static void
stream_unqueue(struct stream *s)
{
	struct stream_mgr *m = s->m;
	struct stream **pp, *prev = NULL;

	for (pp = &m->queue; *pp != NULL; prev = *pp, pp = &(*pp)->qnext) {
		if (*pp == s) {
			*pp = s->qnext;
			if (m->queue_tail == s)
				m->queue_tail = prev;
			s->qnext = NULL;
			s->queued = false;
			return;
		}
	}
}

/* Start queued requests while the wave has room (STREAM_WAVE). */
static void
stream_admit(struct stream_mgr *m)
{
	struct stream *s;

	if (m->freeing)
		return;
	m->depth++;
	while (m->budget > 0 && m->queue != NULL) {
		s = stream_dequeue(m);
		m->budget--;
		s->scout = m->scout_next;
		m->scout_next = false;
		s->opening = true;
		if (m->opening++ == 0)
			loop_timer_in(
			    m->loop, &m->wave_timer, STREAM_WAVE_WAIT_MS);
		stream_request(s);
		if (!s->in_multi)
			stream_settle(s); /* it failed at once */
	}
	m->depth--;
}

/* Timer: start what stream_settle made room for. */
static void
stream_on_admit_timer(void *arg)
{
	stream_admit(arg);
}

/* Request s answered, ended or went away: one fewer the wave waits for.
 * The scout's answer lets the rest of its wave start; the end of a wave
 * lets the next scout. They start from a timer: this may run inside a
 * curl callback. */
static void
stream_settle(struct stream *s)
{
	struct stream_mgr *m = s->m;

	if (!s->opening)
		return;
	s->opening = false;
	m->opening--;
	if (s->scout) {
		/* Its connection is known now: the rest of the wave. */
		s->scout = false;
		m->budget = STREAM_WAVE - 1;
	} else if (m->opening == 0) {
		/* The wave is over: the next starts with a scout. */
		m->budget = 1;
		m->scout_next = true;
	}
	if (m->opening == 0)
		loop_timer_stop(m->loop, &m->wave_timer);
	if (m->queue != NULL && m->budget > 0 && !m->freeing)
		loop_timer_in(m->loop, &m->admit_timer, 0);
}

/* The wave took too long to be answered: let the next one start. */
static void
stream_on_wave_timer(void *arg)
{
	struct stream_mgr *m = arg;

	m->budget = STREAM_WAVE;
	m->scout_next = false;
	if (m->opening > 0)
		loop_timer_in(m->loop, &m->wave_timer, STREAM_WAVE_WAIT_MS);
	stream_admit(m);
}

/* Start the next request of the stream: at once over HTTP/1.1 (a
 * connection each), in its wave over HTTP/2. */
static void
stream_connect(struct stream *s)
{
	struct stream_mgr *m = s->m;

	if (s->in_multi || s->closing || s->queued)
		return;
	if (!client_multiplexed(m->cfg)) {
		stream_request(s);
		return;
	}
	s->queued = true;
	if (m->queue_tail != NULL)
		m->queue_tail->qnext = s;
	else
		m->queue = s;
	m->queue_tail = s;
	stream_admit(m);
}

struct stream_mgr *
stream_mgr_new(struct loop *loop, const struct client_cfg *cfg,
    const struct stream_handlers *h, void *arg)
{
	struct stream_mgr *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->cfg = cfg;
	m->h = h;
	m->arg = arg;
	m->rnd = (unsigned)loop_now() | 1u;
	m->budget = 1;
	m->scout_next = true;
	loop_timer_init(&m->wave_timer, stream_on_wave_timer, m);
	loop_timer_init(&m->admit_timer, stream_on_admit_timer, m);
	if ((m->dec = event_decoder_new()) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
stream_mgr_free(struct stream_mgr *m)
{
	if (m == NULL)
		return;
	m->freeing = true;
	while (m->streams != NULL)
		stream_destroy(m->streams);
	loop_timer_stop(m->loop, &m->wave_timer);
	loop_timer_stop(m->loop, &m->admit_timer);
	event_decoder_free(m->dec);
	free(m);
}

struct stream *
stream_open(struct stream_mgr *m, const struct source *src,
    const struct stream_start *start)
{
	struct stream *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->m = m;
	source_copy(&s->src, src);
	s->tail = start->tail;
	s->all_runs = start->all_runs;
	s->since = start->since != NULL ? strdup(start->since) : NULL;
	s->run = start->run != NULL ? strdup(start->run) : NULL;
	s->easy = curl_easy_init();
	s->sse = sse_new(&stream_sse_cb, s, m->cfg->max_event);
	if (start->after >= 0 && s->sse != NULL) {
		/* Lines up to after are held: start as a resume would. */
		char id[32];

		snprintf(id, sizeof id, "%lld", start->after);
		sse_set_last_id(s->sse, id, strlen(id));
		s->last_id = start->after;
		s->have_last_id = true;
	}
	if (s->src.id == NULL || s->easy == NULL || s->sse == NULL ||
	    (start->since != NULL && s->since == NULL) ||
	    (start->run != NULL && s->run == NULL)) {
		free(s->since);
		free(s->run);
		source_clear(&s->src);
		curl_easy_cleanup(s->easy);
		sse_free(s->sse);
		free(s);
		return NULL;
	}
	buf_init(&s->body, STREAM_MAX_ERROR_BODY);
	loop_timer_init(&s->retry_timer, stream_on_retry_timer, s);
	auth_wait_init(&s->auth_wait, stream_on_renewed, s);
	loop_timer_init(&s->stall_timer, stream_on_stall_timer, s);
	s->st.state = STREAM_CONNECTING;
	s->st.since = loop_now();
	s->req = REQ_STREAM;
	s->next = m->streams;
	if (m->streams != NULL)
		m->streams->prev = s;
	m->streams = s;
	m->depth++;
	stream_connect(s);
	m->depth--;
	return s;
}

/* Take the stream off every list and free it. */
static void
stream_destroy(struct stream *s)
{
	struct stream_mgr *m = s->m;

	if (s->in_multi)
		loop_remove_transfer(m->loop, s->easy);
	s->in_multi = false;
	if (s->queued)
		stream_unqueue(s);
	stream_settle(s);
	auth_wait_cancel(m->cfg->auth, &s->auth_wait);
	loop_timer_stop(m->loop, &s->retry_timer);
	loop_timer_stop(m->loop, &s->stall_timer);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		m->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->hdrs);
	sse_free(s->sse);
	buf_free(&s->body);
	source_clear(&s->src);
	free(s->since);
	free(s->run);
	free(s);
}

void
stream_close(struct stream *s)
{
	if (s == NULL || s->closing)
		return;
	if (s->m->depth == 0) {
		stream_destroy(s);
		return;
	}
	/* Called from inside stream code (maybe inside a curl callback, where
	 * the handle must not be removed): go quiet now, free from a timer.
	 * A running transfer is aborted by the write callback or finishes;
	 * whichever comes first frees the stream. */
	s->closing = true;
	loop_timer_stop(s->m->loop, &s->stall_timer);
	loop_timer_in(s->m->loop, &s->retry_timer, 0);
}

const struct source *
stream_source(const struct stream *s)
{
	return &s->src;
}

const struct stream_status *
stream_status(const struct stream *s)
{
	return &s->st;
}

bool
stream_finished(const struct stream *s)
{
	return s->st.state >= STREAM_ENDED;
}

void
stream_set_data(struct stream *s, void *data)
{
	s->data = data;
}

void *
stream_data(const struct stream *s)
{
	return s->data;
}
