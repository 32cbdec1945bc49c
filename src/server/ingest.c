/* ingest.c - turning POSTed bodies into store input. */
#include "ingest.h"
#include "core/event.h"
#include "jsoncheck.h"
#include "store.h"
#include "util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Bytes an event may grow by when the defaults are added:
 * "timestamp":"<24>","level":"INFO", with commas. */
#define INGEST_DEFAULTS_MAX 64
/* Bytes the store adds around the members: {"id":<20 digits>,...}. */
#define INGEST_ID_OVERHEAD 29

/* The times an event may carry, years 1 to 9999 (what the API writes as
 * YYYY-MM-DDTHH:MM:SS.mmmZ): 0001-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z in epoch ms. PostgreSQL reads more (infinity,
 * BC, year 10000 and on) that no reader could be given back. */
#define INGEST_TIME_MIN_MS (-62135596800000LL)
#define INGEST_TIME_MAX_MS 253402300799999LL

/* A member of an event object, as spans of the minified text. */
struct ingest_span {
	const char *p;
	size_t n;
};

/* The member names the API gives meaning to. */
enum ingest_key {
	INGEST_KEY_OTHER,
	INGEST_KEY_ID,
	INGEST_KEY_TIMESTAMP,
	INGEST_KEY_LEVEL,
	INGEST_KEY_MESSAGE,
	INGEST_KEY_TASK,
	INGEST_KEY_RUN_ID,
	INGEST_KEY_COUNT
};

/* Their names, by enum ingest_key; those from "timestamp" on must be
 * strings. */
static const char *const ingest_key_names[INGEST_KEY_COUNT] = {
    NULL, "id", "timestamp", "level", "message", "task", "runId"};

/* One member of the event being read: its name's meaning, the value and
 * the whole "name":value text. */
struct ingest_member {
	enum ingest_key key;
	struct ingest_span val;
	struct ingest_span whole;
};

/* What one request's events are read with: the members of the current
 * event (grown as needed, reused from event to event). */
struct ingest_scan {
	struct ingest_member *m;
	size_t n;
	size_t cap;
};

/* The meaning of member name key (quotes included) once its escapes are
 * decoded, so "\u0069d" is "id" as every JSON reader sees it. A name
 * without a backslash is compared as it is. */
static enum ingest_key
ingest_key_of(const char *p, size_t n)
{
	int k;

	/* By length first: most names are none of these. */
	switch (n - 2) {
	case 2:
		k = INGEST_KEY_ID;
		break;
	case 4:
		k = INGEST_KEY_TASK;
		break;
	case 5:
		k = p[1] == 'l' ? INGEST_KEY_LEVEL : INGEST_KEY_RUN_ID;
		break;
	case 7:
		k = INGEST_KEY_MESSAGE;
		break;
	case 9:
		k = INGEST_KEY_TIMESTAMP;
		break;
	default:
		k = INGEST_KEY_OTHER;
	}
	if (k != INGEST_KEY_OTHER &&
	    memcmp(p + 1, ingest_key_names[k], n - 2) == 0)
		return (enum ingest_key)k;
	if (memchr(p + 1, '\\', n - 2) == NULL)
		return INGEST_KEY_OTHER;
	for (k = INGEST_KEY_ID; k < INGEST_KEY_COUNT; k++) {
		if (jsoncheck_string_is(p, n, ingest_key_names[k]))
			return (enum ingest_key)k;
	}
	return INGEST_KEY_OTHER;
}

/* Read the members of the minified object at obj into sc, once; returns
 * the end of the object (past its '}'), or NULL when out of memory. */
static const char *
ingest_members(struct ingest_scan *sc, const char *obj)
{
	const char *p = obj + 1;
	struct ingest_member *m;
	size_t kn;

	sc->n = 0;
	while (*p != '}') {
		if (sc->n == sc->cap) {
			size_t cap = sc->cap ? sc->cap * 2 : 16;

			if ((m = realloc(sc->m, cap * sizeof *m)) == NULL)
				return NULL;
			sc->m = m;
			sc->cap = cap;
		}
		m = &sc->m[sc->n++];
		kn = jsoncheck_value_len(p);
		m->key = ingest_key_of(p, kn);
		m->val.p = p + kn + 1;
		m->val.n = jsoncheck_value_len(m->val.p);
		m->whole.p = p;
		p = m->val.p + m->val.n;
		m->whole.n = (size_t)(p - m->whole.p);
		if (*p == ',')
			p++;
	}
	return p + 1;
}

/* True when the string ts (quotes included) is a time of years 1..9999. */
static bool
ingest_time_ok(struct ingest_span ts)
{
	int64_t ms = event_parse_time(ts.p + 1, ts.n - 2);

	return ms != INT64_MIN && ms >= INGEST_TIME_MIN_MS &&
	       ms <= INGEST_TIME_MAX_MS;
}

/* Append n bytes to the text being built. */
static void
ingest_put(char *text, size_t *len, const char *s, size_t n)
{
	memcpy(text + *len, s, n);
	*len += n;
}

/* Check the members of event number idx (1-based), read into sc, and
 * render them onto text (room for the event's text plus
 * INGEST_DEFAULTS_MAX); 0 or an HTTP status with err set. */
static int
ingest_event(const struct ingest_scan *sc, size_t idx, const char *now,
    char *text, size_t *len, char *err, size_t errlen)
{
	const struct ingest_member *ts = NULL, *level = NULL, *m;
	size_t start = *len, i;
	bool message = false;

	/* The members the API gives meaning to. */
	for (i = 0; i < sc->n; i++) {
		m = &sc->m[i];
		if (m->key >= INGEST_KEY_TIMESTAMP && *m->val.p != '"') {
			snprintf(err, errlen,
			    "event %zu: \"%s\" must "
			    "be a string",
			    idx, ingest_key_names[m->key]);
			return 400;
		}
		if (m->key == INGEST_KEY_TIMESTAMP && ts == NULL)
			ts = m;
		else if (m->key == INGEST_KEY_LEVEL && level == NULL)
			level = m;
		else if (m->key == INGEST_KEY_MESSAGE)
			message = true;
	}
	if (ts != NULL && !ingest_time_ok(ts->val)) {
		snprintf(err, errlen,
		    "event %zu: \"timestamp\" must be an ISO 8601 time "
		    "(YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]) in years 1 to 9999",
		    idx);
		return 400;
	}
	if (!message) {
		snprintf(err, errlen, "event %zu: \"message\" is missing", idx);
		return 400;
	}
	ingest_put(text, len, "\"timestamp\":", 12);
	if (ts != NULL)
		ingest_put(text, len, ts->val.p, ts->val.n);
	else {
		ingest_put(text, len, "\"", 1);
		ingest_put(text, len, now, UTIL_ISO_LEN);
		ingest_put(text, len, "\"", 1);
	}
	ingest_put(text, len, ",\"level\":", 9);
	if (level != NULL)
		ingest_put(text, len, level->val.p, level->val.n);
	else
		ingest_put(text, len, "\"INFO\"", 6);
	/* Every other member, verbatim and in order. */
	for (i = 0; i < sc->n; i++) {
		m = &sc->m[i];
		if (m->key == INGEST_KEY_ID || m->key == INGEST_KEY_TIMESTAMP ||
		    m->key == INGEST_KEY_LEVEL)
			continue;
		ingest_put(text, len, ",", 1);
		ingest_put(text, len, m->whole.p, m->whole.n);
	}
	if (*len - start + INGEST_ID_OVERHEAD > INGEST_LINE_MAX) {
		snprintf(err, errlen,
		    "event %zu is over the %d-byte limit "
		    "for one event",
		    idx, INGEST_LINE_MAX);
		return 413;
	}
	return 0;
}

/* Make room in out for event number n + 1 (text of up to need more
 * bytes): grow the text and the lines; false when out of memory. The
 * lines hold only their lengths until the text stops moving. */
static bool
ingest_room(struct ingest_batch *out, size_t *text_cap, size_t *lines_cap,
    size_t tlen, size_t need)
{
	void *p;
	size_t cap;

	if (tlen + need > *text_cap) {
		cap = *text_cap * 2 > tlen + need ? *text_cap * 2 : tlen + need;
		if ((p = realloc(out->text, cap)) == NULL)
			return false;
		out->text = p;
		*text_cap = cap;
	}
	if (out->n == *lines_cap) {
		cap = *lines_cap ? *lines_cap * 2 : 64;
		if ((p = realloc(out->lines, cap * sizeof *out->lines)) == NULL)
			return false;
		out->lines = p;
		*lines_cap = cap;
	}
	return true;
}

int
ingest_logs(const char *body, size_t len, int64_t now_ms,
    struct ingest_batch *out, char *err, size_t errlen)
{
	char now[UTIL_ISO_LEN + 1], reason[128], *min;
	struct ingest_scan sc = {NULL, 0, 0};
	const char *p, *end;
	size_t i, tlen = 0, start, text_cap, lines_cap = 0;
	long mlen;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if ((min = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if ((mlen = jsoncheck_minify(body, len, min, reason, sizeof reason)) < 0) {
		snprintf(err, errlen, "malformed JSON: %s", reason);
		free(min);
		return 400;
	}
	min[mlen] = '\0';
	if (min[0] != '{' && min[0] != '[') {
		snprintf(err, errlen,
		    "expected a log event object or an "
		    "array of them");
		free(min);
		return 400;
	}
	/* The events are read in one pass, each member once; the text is at
	 * most the body plus the defaults of each event. */
	text_cap = (size_t)mlen + INGEST_DEFAULTS_MAX + 1;
	if ((out->text = malloc(text_cap)) == NULL) {
		rc = 500;
		goto fail;
	}
	util_iso_time(now, now_ms);
	p = min[0] == '{' ? min : min + 1;
	while (min[0] == '{' ? out->n == 0 : *p != ']') {
		if (*p != '{') {
			snprintf(err, errlen, "event %zu is not a JSON object",
			    out->n + 1);
			rc = 400;
			goto fail;
		}
		if ((end = ingest_members(&sc, p)) == NULL ||
		    !ingest_room(out, &text_cap, &lines_cap, tlen,
		        (size_t)(end - p) + INGEST_DEFAULTS_MAX)) {
			rc = 500;
			goto fail;
		}
		start = tlen;
		rc = ingest_event(
		    &sc, out->n + 1, now, out->text, &tlen, err, errlen);
		if (rc != 0)
			goto fail;
		out->lines[out->n++].len = tlen - start;
		p = *end == ',' ? end + 1 : end;
	}
	if (out->lines == NULL &&
	    (out->lines = calloc(1, sizeof *out->lines)) == NULL) {
		rc = 500;
		goto fail;
	}
	for (i = 0, start = 0; i < out->n; i++) {
		out->lines[i].members = out->text + start;
		start += out->lines[i].len;
	}
	free(sc.m);
	free(min);
	return 0;
fail:
	if (rc == 500)
		snprintf(err, errlen, "out of memory");
	ingest_batch_free(out);
	free(sc.m);
	free(min);
	return rc;
}

void
ingest_batch_free(struct ingest_batch *b)
{
	free(b->text);
	free(b->lines);
	memset(b, 0, sizeof *b);
}

int
ingest_status(const char *body, size_t len, int64_t now_ms,
    struct store_status *out, char *name_buf, char *run_id_buf, char *err,
    size_t errlen)
{
	char reason[128], *min;
	cJSON *root = NULL, *it;
	long mlen;
	int rc = 400;

	memset(out, 0, sizeof *out);
	out->at_ms = now_ms;
	if ((min = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if ((mlen = jsoncheck_minify(body, len, min, reason, sizeof reason)) < 0) {
		snprintf(err, errlen, "malformed JSON: %s", reason);
		goto out;
	}
	/* cJSON would cut a name or runId at \u0000 and store the start,
	 * as if that were what the producer sent. */
	if (jsoncheck_has_nul_escape(min, (size_t)mlen)) {
		snprintf(err, errlen, "strings must not contain \\u0000");
		goto out;
	}
	root = cJSON_ParseWithLength(min, (size_t)mlen);
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "expected a JSON object");
		goto out;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(it) ||
	    (out->status = store_status_parse(
	         it->valuestring, strlen(it->valuestring))) == RUN_UNKNOWN) {
		snprintf(err, errlen,
		    "\"status\" must be one of queued, "
		    "running, completed, failed, cancelled");
		goto out;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "name")) != NULL) {
		if (!cJSON_IsString(it) || *it->valuestring == '\0' ||
		    strlen(it->valuestring) > INGEST_NAME_MAX) {
			snprintf(err, errlen,
			    "\"name\" must be a string of 1 "
			    "to %d bytes",
			    INGEST_NAME_MAX);
			goto out;
		}
		strcpy(name_buf, it->valuestring);
		out->name = name_buf;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "exitCode")) != NULL) {
		if (!cJSON_IsNumber(it) ||
		    it->valuedouble != floor(it->valuedouble) ||
		    fabs(it->valuedouble) > 2147483647.0) {
			snprintf(
			    err, errlen, "\"exitCode\" must be an integer");
			goto out;
		}
		out->has_exit_code = true;
		out->exit_code = (int)it->valuedouble;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "runId")) != NULL) {
		if (!cJSON_IsString(it) || *it->valuestring == '\0' ||
		    strlen(it->valuestring) > STORE_RUN_ID_MAX) {
			snprintf(err, errlen,
			    "\"runId\" must be a string of 1 to %d bytes",
			    STORE_RUN_ID_MAX);
			goto out;
		}
		strcpy(run_id_buf, it->valuestring);
		out->run_id = run_id_buf;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	free(min);
	return rc;
}
