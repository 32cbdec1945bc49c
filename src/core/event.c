/* event.c - decoding of log-stream event payloads.
 *
 * The log event decoder is on the hot path of follow mode, so it does not
 * build a tree: it walks the top-level object once with the json scanner
 * (which validates everything, nested extras included), keeps spans into
 * the input for strings without escapes, and unescapes the others into one
 * scratch area reused across calls (no allocation in steady state). */
#include "core/event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

/* Longest status name we look at (unescaped). */
#define EVENT_STATUS_NAME_MAX 32

struct event_decoder {
	char *scratch; /* unescaped text of the current event's fields */
	size_t cap;
	size_t used;
	bool ready; /* scratch sized for the current event */
	struct event_time_memo tmemo; /* the last event's time, parsed */
};

static const char *const level_names[LEVEL_COUNT] = {
    "TRACE",
    "DEBUG",
    "INFO",
    "WARN",
    "ERROR",
    "FATAL",
    "OTHER",
};

/* The length of each of level_names, for the decoder's hot path (the
 * test decoded_level_names_are_whole_canonical_names checks them). */
static const unsigned char level_name_lens[LEVEL_COUNT] = {5, 5, 4, 4, 5, 5, 5};

static const char *const run_status_names[] = {
    "unknown",
    "queued",
    "running",
    "completed",
    "failed",
    "cancelled",
};

/* Create a decoder with no scratch space yet. */
struct event_decoder *
event_decoder_new(void)
{
	return calloc(1, sizeof(struct event_decoder));
}

/* Free a decoder and its scratch space. */
void
event_decoder_free(struct event_decoder *d)
{
	if (d == NULL)
		return;
	free(d->scratch);
	free(d);
}

/* Map a level name, any case, to a level. */
enum level
level_parse(const char *s, size_t n)
{
	/* Most producers write the canonical name: one compare. */
	if (n == 4 && memcmp(s, "INFO", 4) == 0)
		return LEVEL_INFO;
	if (n == 5 && memcmp(s, "DEBUG", 5) == 0)
		return LEVEL_DEBUG;
	switch (n) {
	case 4:
		if (strncasecmp(s, "INFO", 4) == 0)
			return LEVEL_INFO;
		if (strncasecmp(s, "WARN", 4) == 0)
			return LEVEL_WARN;
		break;
	case 5:
		if (strncasecmp(s, "TRACE", 5) == 0)
			return LEVEL_TRACE;
		if (strncasecmp(s, "DEBUG", 5) == 0)
			return LEVEL_DEBUG;
		if (strncasecmp(s, "ERROR", 5) == 0)
			return LEVEL_ERROR;
		if (strncasecmp(s, "FATAL", 5) == 0)
			return LEVEL_FATAL;
		break;
	case 7:
		if (strncasecmp(s, "WARNING", 7) == 0)
			return LEVEL_WARN;
		break;
	}
	return LEVEL_OTHER;
}

/* The canonical name of a level. */
const char *
level_name(enum level l)
{
	if ((unsigned)l >= LEVEL_COUNT)
		return "OTHER";
	return level_names[l];
}

/* Map a run status name, any case, to a run status. */
enum run_status
run_status_parse(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < sizeof run_status_names / sizeof *run_status_names;
	     i++) {
		if (strlen(run_status_names[i]) == n &&
		    strncasecmp(s, run_status_names[i], n) == 0)
			return (enum run_status)i;
	}
	if (n == 8 && strncasecmp(s, "canceled", 8) == 0)
		return RUN_CANCELLED;
	return RUN_UNKNOWN;
}

/* The API name of a run status. */
const char *
run_status_name(enum run_status s)
{
	if ((unsigned)s >= sizeof run_status_names / sizeof *run_status_names)
		return "unknown";
	return run_status_names[s];
}

/* True when a run status ends the stream. */
bool
run_status_terminal(enum run_status s)
{
	return s == RUN_COMPLETED || s == RUN_FAILED || s == RUN_CANCELLED;
}

/* Set every field of out to its default, raw to the data. */
static void
event_defaults(struct log_event *out, const char *data, size_t len)
{
	static const struct span empty = {"", 0};

	out->id = -1;
	out->timestamp = empty;
	out->ts_ms = INT64_MIN;
	out->level = LEVEL_INFO;
	out->level_name.p = level_names[LEVEL_INFO];
	out->level_name.n = 4;
	out->message = empty;
	out->task = empty;
	out->run_id = empty;
	out->raw.p = data;
	out->raw.n = len;
	out->json = false;
	out->plain = false;
	out->truncated = 0;
}

/* Make the scratch area ready for an event of len bytes; false when it
 * cannot grow. Only called before any span of this event points into it. */
static bool
event_scratch_ready(struct event_decoder *d, size_t len)
{
	size_t want = len < EVENT_SCRATCH_MAX ? len : EVENT_SCRATCH_MAX;
	char *p;

	if (d->cap < want) {
		p = realloc(d->scratch, want);
		if (p == NULL)
			return false;
		d->scratch = p;
		d->cap = want;
	}
	d->ready = true;
	return true;
}

/* The text of a member's value: a string's unescaped body (a span into the
 * input when it has no escapes), or any other value's JSON text. */
static struct span
event_value_text(struct event_decoder *d, const struct json_value *v,
    size_t len, struct log_event *out)
{
	struct span sp;
	size_t used;

	if (v->type != JSON_STRING) {
		sp.p = v->p;
		sp.n = v->n;
		return sp;
	}
	sp.p = v->s;
	sp.n = v->sn;
	if (!v->escaped)
		return sp;
	/* On allocation failure the body is shown with its escapes. */
	if (!d->ready && !event_scratch_ready(d, len))
		return sp;
	sp.p = d->scratch + d->used;
	sp.n = json_unescape(
	    d->scratch + d->used, d->cap - d->used, v->s, v->sn, &used);
	d->used += sp.n;
	out->truncated += v->sn - used;
	return sp;
}

/* The id in a number or numeric string value, or -1. Ids are never
 * negative (doc/api.md): -5 would pass for an event with an id where
 * callers test id >= 0 and sort before every real one where they compare. */
static long long
event_value_id(const struct json_value *v)
{
	long long id;

	if (v->type == JSON_NUMBER && json_int(v->p, v->n, &id) && id >= 0)
		return id;
	if (v->type == JSON_STRING && !v->escaped &&
	    json_int(v->s, v->sn, &id) && id >= 0)
		return id;
	return -1;
}

/* Which known member a key names. */
enum event_key {
	KEY_OTHER,
	KEY_ID,
	KEY_TIMESTAMP,
	KEY_LEVEL,
	KEY_MESSAGE,
	KEY_MSG,
	KEY_TASK,
	KEY_RUN_ID,
};

/* Classify a key by its body; a switch on the length first, since this
 * runs for every member of every event. */
static enum event_key
event_key(const struct json_value *k)
{
	static const struct {
		const char *name;
		size_t n;
		enum event_key key;
	} keys[] = {
	    {"id", 2, KEY_ID},
	    {"timestamp", 9, KEY_TIMESTAMP},
	    {"level", 5, KEY_LEVEL},
	    {"message", 7, KEY_MESSAGE},
	    {"msg", 3, KEY_MSG},
	    {"task", 4, KEY_TASK},
	    {"runId", 5, KEY_RUN_ID},
	};
	const char *s = k->s;
	size_t i;

	if (k->escaped) {
		for (i = 0; i < sizeof keys / sizeof *keys; i++) {
			if (json_body_eq(
			        s, k->sn, true, keys[i].name, keys[i].n))
				return keys[i].key;
		}
		return KEY_OTHER;
	}
	switch (k->sn) {
	case 2:
		return memcmp(s, "id", 2) == 0 ? KEY_ID : KEY_OTHER;
	case 3:
		return memcmp(s, "msg", 3) == 0 ? KEY_MSG : KEY_OTHER;
	case 4:
		return memcmp(s, "task", 4) == 0 ? KEY_TASK : KEY_OTHER;
	case 5:
		if (memcmp(s, "level", 5) == 0)
			return KEY_LEVEL;
		return memcmp(s, "runId", 5) == 0 ? KEY_RUN_ID : KEY_OTHER;
	case 7:
		return memcmp(s, "message", 7) == 0 ? KEY_MESSAGE : KEY_OTHER;
	case 9:
		return memcmp(s, "timestamp", 9) == 0 ? KEY_TIMESTAMP
		                                      : KEY_OTHER;
	}
	return KEY_OTHER;
}

/* True when a backslash followed by 'u' is in the n bytes at s (an
 * escaped backslash before a 'u' counts too: the caller only loses a
 * fast path). */
static bool
event_has_u_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (++p < end && *p == 'u')
			return true;
	}
	return false;
}

/* Whether member k: v of an object, following the byte at prev, keeps
 * the object plain (struct log_event.plain): no whitespace around it, a
 * key without escapes other than "source", a value that is no container
 * and holds no \u escape. */
static bool
event_member_plain(
    const char *prev, const struct json_value *k, const struct json_value *v)
{
	if (k->p != prev + 1 || v->p != k->p + k->n + 1 || k->escaped ||
	    (k->sn == 6 && memcmp(k->s, "source", 6) == 0))
		return false;
	switch (v->type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return false;
	case JSON_STRING:
		return !v->escaped || !event_has_u_escape(v->s, v->sn);
	default:
		return true;
	}
}

/* Skip JSON whitespace, with the usual case (minified text: none at p)
 * decided inline. */
static inline const char *
event_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	return json_skip_ws(p, end);
}

/* True when the key whose opening quote is at p is name (n bytes, no
 * quote or backslash) unescaped: name and the closing quote follow. */
static inline bool
event_key_is(const char *p, const char *end, const char *name, size_t n)
{
	return (size_t)(end - p) > n + 1 && memcmp(p + 1, name, n) == 0 &&
	       p[n + 1] == '"';
}

/* Scan the key whose opening quote is at p and say which member it names:
 * the known names unescaped, nearly every key, are told by their first
 * byte and compared in place; any other key is scanned and classified by
 * event_key. Sets k (the key's text and body) and returns the byte after
 * its closing quote, or NULL when it is no valid string. */
static inline const char *
event_key_scan(
    const char *p, const char *end, struct json_value *k, enum event_key *key)
{
	const char *q;
	size_t n = 0;

	k->p = p;
	k->escaped = false;
	*key = KEY_OTHER;
	switch (p + 1 < end ? p[1] : '\0') {
	case 'i':
		if (event_key_is(p, end, "id", 2)) {
			*key = KEY_ID;
			n = 2;
		}
		break;
	case 't':
		if (event_key_is(p, end, "timestamp", 9)) {
			*key = KEY_TIMESTAMP;
			n = 9;
		} else if (event_key_is(p, end, "task", 4)) {
			*key = KEY_TASK;
			n = 4;
		}
		break;
	case 'l':
		if (event_key_is(p, end, "level", 5)) {
			*key = KEY_LEVEL;
			n = 5;
		}
		break;
	case 'm':
		if (event_key_is(p, end, "message", 7)) {
			*key = KEY_MESSAGE;
			n = 7;
		} else if (event_key_is(p, end, "msg", 3)) {
			*key = KEY_MSG;
			n = 3;
		}
		break;
	case 'r':
		if (event_key_is(p, end, "runId", 5)) {
			*key = KEY_RUN_ID;
			n = 5;
		}
		break;
	}
	if (n > 0)
		q = p + n + 2;
	else if ((q = json_string_end(p, end, &k->escaped)) != NULL) {
		k->s = p + 1;
		k->sn = (size_t)(q - p) - 2;
		*key = event_key(k);
	} else
		return NULL;
	k->s = p + 1;
	k->sn = (size_t)(q - p) - 2;
	k->n = (size_t)(q - p);
	return q;
}

/* Scan the value of a member at p (no whitespace before it) into v:
 * strings, numbers and true, false, null inline, containers (and what is
 * no value) by the json scanner. The byte after it, or NULL. */
static inline const char *
event_value_scan(const char *p, const char *end, struct json_value *v)
{
	const char *q;

	v->p = p;
	v->s = NULL;
	v->sn = 0;
	v->escaped = false;
	switch (p < end ? *p : '\0') {
	case '"':
		v->type = JSON_STRING;
		if ((q = json_string_end(p, end, &v->escaped)) == NULL)
			return NULL;
		v->s = p + 1;
		v->sn = (size_t)(q - p) - 2;
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		v->type = JSON_NUMBER;
		if ((q = json_number_end(p, end)) == NULL)
			return NULL;
		break;
	case 't':
		v->type = JSON_TRUE;
		if ((size_t)(end - p) < 4 || memcmp(p, "true", 4) != 0)
			return NULL;
		q = p + 4;
		break;
	case 'f':
		v->type = JSON_FALSE;
		if ((size_t)(end - p) < 5 || memcmp(p, "false", 5) != 0)
			return NULL;
		q = p + 5;
		break;
	case 'n':
		v->type = JSON_NULL;
		if ((size_t)(end - p) < 4 || memcmp(p, "null", 4) != 0)
			return NULL;
		q = p + 4;
		break;
	default:
		return json_member_value(p, end, v);
	}
	v->n = (size_t)(q - p);
	return q;
}

/* Decode data as one JSON object into out; -1 when it is not one. One
 * pass validates the object (as json_iter_next would, nested values
 * included) and decodes the known members as they come; a member counts
 * once its value is whole, so data cut short keeps the members before the
 * cut (event_decode_cut relies on it). */
static int
event_decode_object(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out)
{
	const char *end = data + len, *p, *q;
	struct json_value k, v;
	struct span msg = {NULL, 0}, lvl;
	enum event_key key;
	bool have_message = false, plain = len > 0 && data[0] == '{';
	const char *prev = data;
	int r = -1;

	p = json_skip_ws(data, end);
	if (p == end || *p != '{')
		return -1;
	p = event_ws(p + 1, end);
	if (p < end && *p == '}') {
		r = 0;
		p++;
	}
	while (r != 0) {
		if (p == end || *p != '"')
			break;
		if ((q = event_key_scan(p, end, &k, &key)) == NULL)
			break;
		p = event_ws(q, end);
		if (p == end || *p != ':')
			break;
		p = event_ws(p + 1, end);
		if ((q = event_value_scan(p, end, &v)) == NULL)
			break;
		if (plain) {
			plain = event_member_plain(prev, &k, &v);
			prev = q;
		}
		switch (key) {
		case KEY_ID:
			out->id = event_value_id(&v);
			break;
		case KEY_TIMESTAMP:
			if (v.type == JSON_NULL)
				break;
			out->timestamp = event_value_text(d, &v, len, out);
			/* Once per event, and per second of times. */
			out->ts_ms = event_parse_time_memo(
			    &d->tmemo, out->timestamp.p, out->timestamp.n);
			break;
		case KEY_LEVEL:
			if (v.type == JSON_NULL)
				break;
			lvl = event_value_text(d, &v, len, out);
			if (lvl.n == 0)
				break;
			out->level = v.type == JSON_STRING
			                 ? level_parse(lvl.p, lvl.n)
			                 : LEVEL_OTHER;
			if (out->level == LEVEL_OTHER)
				out->level_name = lvl;
			else {
				out->level_name.p = level_names[out->level];
				out->level_name.n = level_name_lens[out->level];
			}
			break;
		case KEY_MESSAGE:
			if (v.type == JSON_NULL)
				break;
			out->message = event_value_text(d, &v, len, out);
			have_message = true;
			break;
		case KEY_MSG:
			if (v.type != JSON_NULL)
				msg = event_value_text(d, &v, len, out);
			break;
		case KEY_TASK:
			if (v.type != JSON_NULL)
				out->task = event_value_text(d, &v, len, out);
			break;
		case KEY_RUN_ID:
			if (v.type != JSON_NULL)
				out->run_id = event_value_text(d, &v, len, out);
			break;
		case KEY_OTHER:
			break;
		}
		p = event_ws(q, end);
		if (p < end && *p == ',')
			p = event_ws(p + 1, end);
		else if (p < end && *p == '}') {
			p++;
			r = 0;
		} else
			break;
	}
	/* Before the verdict: a cut event keeps what was decoded. */
	if (!have_message && msg.p != NULL)
		out->message = msg;
	if (r != 0 || json_skip_ws(p, end) != end)
		return -1;
	out->json = true;
	/* At least one member, the closing brace right after the last,
	 * nothing after it. */
	out->plain = plain && p == end && prev != data && prev + 1 == end;
	return 0;
}

/* The bytes of a string body cut by the end of the data (s: just past its
 * opening quote) that form whole items: up to its closing quote if that
 * arrived, else up to the end less an escape cut in its middle. */
static size_t
event_cut_body(const char *s, size_t n)
{
	size_t i = 0, step;

	while (i < n && s[i] != '"') {
		if (s[i] != '\\') {
			i++;
			continue;
		}
		step = i + 1 < n && s[i + 1] == 'u' ? 6 : 2;
		if (n - i < step)
			break;
		i += step;
	}
	return i;
}

/* Decode the members of a cut object that arrived whole, then the kept
 * part of a message (or msg) string cut midway; -1 when data does not
 * start as a JSON object. */
static int
event_decode_cut_object(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out)
{
	const char *end = data + len, *p;
	struct json_iter it;
	struct json_value k, v;
	enum event_key key;
	const char *before;

	if (json_iter_begin(&it, data, end, '{') != 0)
		return -1;
	before = it.p;
	while (json_iter_next(&it, &k, &v) == 1)
		before = it.p;
	/* The object scan fails at the cut, after decoding what precedes.
	 * json stays false: raw is not a whole object to copy extras from. */
	event_decode_object(d, data, len, out);
	/* The member the cut fell in: its key, then a string value. */
	p = json_skip_ws(before, end);
	if (p < end && *p == ',')
		p = json_skip_ws(p + 1, end);
	if ((p = json_value(p, end, &k)) == NULL || k.type != JSON_STRING)
		return 0;
	p = json_skip_ws(p, end);
	if (p >= end || *p != ':')
		return 0;
	p = json_skip_ws(p + 1, end);
	key = event_key(&k);
	if (p >= end || *p != '"' || (key != KEY_MESSAGE && key != KEY_MSG))
		return 0;
	v.type = JSON_STRING;
	v.p = p;
	v.s = p + 1;
	v.sn = event_cut_body(v.s, (size_t)(end - v.s));
	v.n = v.sn + 1;
	v.escaped = memchr(v.s, '\\', v.sn) != NULL;
	out->message = event_value_text(d, &v, len, out);
	return 0;
}

/* Decode an event cut by a cap: keep what arrived whole. */
void
event_decode_cut(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out)
{
	d->used = 0;
	d->ready = false;
	event_defaults(out, data, len);
	if (event_decode_cut_object(d, data, len, out) == 0)
		return;
	event_defaults(out, data, len);
	out->message = out->raw;
}

/* Decode one log event; falls back to a text event. */
void
event_decode(struct event_decoder *d, const char *data, size_t len,
    struct log_event *out)
{
	d->used = 0;
	d->ready = false;
	event_defaults(out, data, len);
	if (event_decode_object(d, data, len, out) == 0)
		return;
	event_defaults(out, data, len);
	out->message = out->raw;
}

/* Decode a validated JSON array of log events. */
long
event_decode_array(struct event_decoder *d, const char *data, size_t len,
    void (*cb)(const struct log_event *ev, void *arg), void *arg)
{
	const char *end = data + len;
	struct json_value all, v;
	struct json_iter it;
	struct log_event ev;
	long count = 0;

	/* Validate the whole array first: nothing is delivered from a
	 * response that turns out to be broken. */
	if (json_value(data, end, &all) == NULL || all.type != JSON_ARRAY ||
	    json_skip_ws(all.p + all.n, end) != end)
		return -1;
	json_iter_begin(&it, all.p, end, '[');
	while (json_iter_next(&it, NULL, &v) == 1) {
		event_decode(d, v.p, v.n, &ev);
		cb(&ev, arg);
		count++;
	}
	return count;
}

/* Start walking data as a JSON object; -1 when it is not one. The members
 * are validated as they are walked; callers check the end themselves. */
static int
event_object_begin(struct json_iter *it, const char *data, size_t len)
{
	struct json_value v;

	if (json_value(data, data + len, &v) == NULL || v.type != JSON_OBJECT ||
	    json_skip_ws(v.p + v.n, data + len) != data + len)
		return -1;
	return json_iter_begin(it, v.p, v.p + v.n, '{');
}

/* Decode a status payload. */
int
event_decode_status(const char *data, size_t len, struct status_event *out)
{
	struct json_iter it;
	struct json_value k, v;
	char name[EVENT_STATUS_NAME_MAX];
	size_t n, used;
	long long code;
	bool have_status = false;

	out->status = RUN_UNKNOWN;
	out->has_exit_code = false;
	out->exit_code = 0;
	out->timestamp.p = "";
	out->timestamp.n = 0;
	out->ts_ms = INT64_MIN;
	out->run = 0;
	out->run_id.p = "";
	out->run_id.n = 0;
	out->started_ms = INT64_MIN;
	out->ended_ms = INT64_MIN;
	if (event_object_begin(&it, data, len) != 0)
		return -1;
	while (json_iter_next(&it, &k, &v) == 1) {
		if (json_body_eq(k.s, k.sn, k.escaped, "status", 6) &&
		    v.type == JSON_STRING) {
			n = json_unescape(name, sizeof name, v.s, v.sn, &used);
			out->status = used == v.sn ? run_status_parse(name, n)
			                           : RUN_UNKNOWN;
			have_status = true;
		} else if (json_body_eq(k.s, k.sn, k.escaped, "exitCode", 8) &&
		           v.type == JSON_NUMBER && json_int(v.p, v.n, &code) &&
		           code >= -2147483647 - 1 && code <= 2147483647) {
			out->has_exit_code = true;
			out->exit_code = (int)code;
		} else if (json_body_eq(k.s, k.sn, k.escaped, "timestamp", 9) &&
		           v.type == JSON_STRING) {
			out->timestamp.p = v.s;
			out->timestamp.n = v.sn;
			out->ts_ms = event_parse_time(v.s, v.sn);
		} else if (json_body_eq(k.s, k.sn, k.escaped, "run", 3) &&
		           v.type == JSON_NUMBER && json_int(v.p, v.n, &code) &&
		           code > 0) {
			out->run = code;
		} else if (json_body_eq(k.s, k.sn, k.escaped, "runId", 5) &&
		           v.type == JSON_STRING) {
			out->run_id.p = v.s;
			out->run_id.n = v.sn;
		} else if (json_body_eq(k.s, k.sn, k.escaped, "startedAt", 9) &&
		           v.type == JSON_STRING) {
			out->started_ms = event_parse_time(v.s, v.sn);
		} else if (json_body_eq(k.s, k.sn, k.escaped, "endedAt", 7) &&
		           v.type == JSON_STRING) {
			out->ended_ms = event_parse_time(v.s, v.sn);
		}
	}
	return have_status ? 0 : -1;
}

/* Decode a reset payload into its oldestId. */
long long
event_decode_reset(const char *data, size_t len)
{
	struct json_iter it;
	struct json_value k, v;
	long long id = -1;

	if (event_object_begin(&it, data, len) != 0)
		return -1;
	while (json_iter_next(&it, &k, &v) == 1) {
		if (json_body_eq(k.s, k.sn, k.escaped, "oldestId", 8))
			id = event_value_id(&v);
	}
	return id < 0 ? -1 : id;
}

bool
event_reset_renumbered(const char *data, size_t len)
{
	struct json_iter it;
	struct json_value k, v;

	if (event_object_begin(&it, data, len) != 0)
		return false;
	while (json_iter_next(&it, &k, &v) == 1) {
		if (json_body_eq(k.s, k.sn, k.escaped, "reason", 6))
			return v.type == JSON_STRING &&
			       json_body_eq(v.s, v.sn, v.escaped, "unknown", 7);
	}
	return false;
}

/* Read exactly w digits at s[*i]; -1 when they are not all digits. */
static int
event_digits(const char *s, size_t n, size_t *i, int w)
{
	int v = 0;

	if (*i + w > n)
		return -1;
	while (w-- > 0) {
		if (s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
event_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Days in month m (1..12) of year y (proleptic Gregorian). */
static int
event_month_days(int y, int m)
{
	static const unsigned char days[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Parse an ISO 8601 timestamp to Unix ms (the one parser of them). A date
 * that does not exist (February 30) or an offset past 23:59 is refused,
 * not carried into the next month or day: the server stores what the
 * producer wrote, and PostgreSQL refuses those too. */
int64_t
event_parse_time(const char *s, size_t n)
{
	return event_parse_time_memo(NULL, s, n);
}

/* event_parse_time with a memo of the last whole-second part. */
int64_t
event_parse_time_memo(struct event_time_memo *m, const char *s, size_t n)
{
	int y, mo, d, h, mi, sec, ms = 0, scale = 100, oh, om, sign;
	size_t i = 0;
	int64_t t;

	if (s == NULL)
		return INT64_MIN;
	if (m != NULL && m->valid && n > EVENT_TIME_HEAD &&
	    memcmp(s, m->head, EVENT_TIME_HEAD) == 0) {
		/* The same second as the last one: parsed already. */
		t = m->secs;
		i = EVENT_TIME_HEAD;
		goto fraction;
	}
	if ((y = event_digits(s, n, &i, 4)) < 0 || i >= n || s[i++] != '-' ||
	    (mo = event_digits(s, n, &i, 2)) < 1 || mo > 12 || i >= n ||
	    s[i++] != '-' || (d = event_digits(s, n, &i, 2)) < 1 ||
	    d > event_month_days(y, mo) || i >= n ||
	    (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return INT64_MIN;
	i++;
	if ((h = event_digits(s, n, &i, 2)) < 0 || h > 23 || i >= n ||
	    s[i++] != ':' || (mi = event_digits(s, n, &i, 2)) < 0 || mi > 59 ||
	    i >= n || s[i++] != ':' || (sec = event_digits(s, n, &i, 2)) < 0 ||
	    sec > 60)
		return INT64_MIN;
	t = ((event_days(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	/* Fixed widths: i is EVENT_TIME_HEAD here. */
	if (m != NULL) {
		memcpy(m->head, s, EVENT_TIME_HEAD);
		m->secs = t;
		m->valid = true;
	}
fraction:
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			ms += (s[i++] - '0') * scale;
			scale /= 10;
		}
	}
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if ((oh = event_digits(s, n, &i, 2)) < 0)
			return INT64_MIN;
		if (i < n && s[i] == ':')
			i++;
		om = i < n ? event_digits(s, n, &i, 2) : 0;
		if (om < 0 || oh > 23 || om > 59)
			return INT64_MIN;
		t -= sign * (oh * 3600 + om * 60);
	} else if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	if (i != n)
		return INT64_MIN;
	return t * 1000 + ms;
}

/* Write the two digits of v (0..99) at d. */
static void
event_put2(char *d, int v)
{
	d[0] = (char)('0' + v / 10);
	d[1] = (char)('0' + v % 10);
}

/* Write Unix ms as an ISO 8601 UTC timestamp with milliseconds (the civil
 * date from days since 1970: H. Hinnant's civil_from_days). */
bool
event_format_time(int64_t ms, char out[EVENT_TIME_LEN])
{
	return event_format_time_memo(NULL, ms, out);
}

/* event_format_time with a memo of the last whole-second part. */
bool
event_format_time_memo(
    struct event_time_memo *mm, int64_t ms, char out[EVENT_TIME_LEN])
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, usecs;
	int m, d, msec;

	/* 0000-01-01 and 10000-01-01 in Unix ms. */
	if (ms < -62167219200000LL || ms >= 253402300800000LL)
		return false;
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	secs = (ms - days * 86400000) / 1000;
	msec = (int)((ms - days * 86400000) % 1000);
	usecs = days * 86400 + secs; /* Unix seconds, rounded down */
	if (mm != NULL && mm->out_valid && mm->out_secs == usecs) {
		memcpy(out, mm->out, EVENT_TIME_HEAD);
		goto fraction;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	event_put2(out, (int)(y / 100));
	event_put2(out + 2, (int)(y % 100));
	out[4] = '-';
	event_put2(out + 5, m);
	out[7] = '-';
	event_put2(out + 8, d);
	out[10] = 'T';
	event_put2(out + 11, (int)(secs / 3600));
	out[13] = ':';
	event_put2(out + 14, (int)(secs / 60 % 60));
	out[16] = ':';
	event_put2(out + 17, (int)(secs % 60));
	if (mm != NULL) {
		memcpy(mm->out, out, EVENT_TIME_HEAD);
		mm->out_secs = usecs;
		mm->out_valid = true;
	}
fraction:
	out[19] = '.';
	out[20] = (char)('0' + msec / 100);
	event_put2(out + 21, msec % 100);
	out[23] = 'Z';
	return true;
}
