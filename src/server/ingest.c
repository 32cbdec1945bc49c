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

/* True when the member name key (quotes included) is name once its
 * escapes are decoded, so "\u0069d" is "id" as every JSON reader sees it. */
static bool
ingest_key_is(struct ingest_span key, const char *name)
{
	return jsoncheck_string_is(key.p, key.n, name);
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

/* Render the members of event number idx (1-based), the minified object at
 * obj, onto text; 0 or an HTTP status with err set. */
static int
ingest_event(const char *obj, size_t idx, const char *now, char *text,
    size_t *len, char *err, size_t errlen)
{
	static const char *const strings[] = {
	    "timestamp", "level", "message", "task", "runId"};
	struct ingest_span key, val, ts = {NULL, 0}, level = {NULL, 0};
	const char *p = obj + 1, *rest;
	size_t start = *len, i, rest_len;
	bool message = false;

	/* First pass: find and check the members the API gives meaning to. */
	while (*p != '}') {
		key.p = p;
		key.n = jsoncheck_value_len(p);
		val.p = p + key.n + 1;
		val.n = jsoncheck_value_len(val.p);
		p = val.p + val.n;
		if (*p == ',')
			p++;
		for (i = 0; i < sizeof strings / sizeof strings[0]; i++) {
			if (ingest_key_is(key, strings[i]) && *val.p != '"') {
				snprintf(err, errlen,
				    "event %zu: \"%s\" must "
				    "be a string",
				    idx, strings[i]);
				return 400;
			}
		}
		if (ingest_key_is(key, "timestamp") && ts.p == NULL)
			ts = val;
		else if (ingest_key_is(key, "level") && level.p == NULL)
			level = val;
		else if (ingest_key_is(key, "message"))
			message = true;
	}
	if (ts.p != NULL && !ingest_time_ok(ts)) {
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
	if (ts.p != NULL)
		ingest_put(text, len, ts.p, ts.n);
	else {
		ingest_put(text, len, "\"", 1);
		ingest_put(text, len, now, UTIL_ISO_LEN);
		ingest_put(text, len, "\"", 1);
	}
	ingest_put(text, len, ",\"level\":", 9);
	if (level.p != NULL)
		ingest_put(text, len, level.p, level.n);
	else
		ingest_put(text, len, "\"INFO\"", 6);
	/* Second pass: every other member, verbatim and in order. */
	for (p = obj + 1; *p != '}';) {
		rest = p;
		key.p = p;
		key.n = jsoncheck_value_len(p);
		val.p = p + key.n + 1;
		val.n = jsoncheck_value_len(val.p);
		p = val.p + val.n;
		rest_len = (size_t)(p - rest);
		if (*p == ',')
			p++;
		if (ingest_key_is(key, "id") ||
		    ingest_key_is(key, "timestamp") ||
		    ingest_key_is(key, "level"))
			continue;
		ingest_put(text, len, ",", 1);
		ingest_put(text, len, rest, rest_len);
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

int
ingest_logs(const char *body, size_t len, int64_t now_ms,
    struct ingest_batch *out, char *err, size_t errlen)
{
	char now[UTIL_ISO_LEN + 1], reason[128], *min;
	const char *p;
	size_t n = 0, i, tlen = 0, start;
	long mlen;
	int rc;

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
	/* Count the events and check that each is an object. */
	if (min[0] == '{')
		n = 1;
	else {
		for (p = min + 1; *p != ']'; n++) {
			if (*p != '{') {
				snprintf(err, errlen,
				    "event %zu is not a "
				    "JSON object",
				    n + 1);
				free(min);
				return 400;
			}
			p += jsoncheck_value_len(p);
			if (*p == ',')
				p++;
		}
	}
	out->text = malloc((size_t)mlen + n * INGEST_DEFAULTS_MAX + 1);
	out->lines = calloc(n ? n : 1, sizeof *out->lines);
	if (out->text == NULL || out->lines == NULL) {
		ingest_batch_free(out);
		free(min);
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	util_iso_time(now, now_ms);
	p = min[0] == '{' ? min : min + 1;
	for (i = 0; i < n; i++) {
		start = tlen;
		rc = ingest_event(p, i + 1, now, out->text, &tlen, err, errlen);
		if (rc != 0) {
			ingest_batch_free(out);
			free(min);
			return rc;
		}
		out->lines[i].members = out->text + start;
		out->lines[i].len = tlen - start;
		p += jsoncheck_value_len(p);
		if (*p == ',')
			p++;
	}
	out->n = n;
	free(min);
	return 0;
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
