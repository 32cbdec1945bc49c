/* fuzz_ingest.c - libFuzzer target for the server's ingest bodies
 * (server/ingest.c on server/jsoncheck.c): the input is one
 * POST body, checked as .../logs and as .../status.
 * Properties beyond no crash or leak: jsoncheck_minify's output is no longer
 * than its input, minifies to itself and reads as the same JSON with
 * core/json.c and cJSON; an accepted batch holds lines that each read as
 * one object (members in braces) with "timestamp" first and "level"
 * second, a "message" string, no member that reads as "id", "timestamp"
 * or "level" besides those two, a timestamp event_parse_time accepts,
 * no number with an exponent past JSONCHECK_NUMBER_RENDER_MAX and a
 * length within INGEST_LINE_MAX; an accepted status has a known status and a
 * name and runId that are the body's strings whole (not cut at a
 * \u0000). A refusal is a 400 or 413 with a reason. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/event.h"
#include "core/json.h"
#include "fuzzutil.h"
#include "server/jsoncheck.h"
#include "server/ingest.h"
#include "server/store.h"

/* The time ingest puts on events without one: 2024-12-07T14:23:45.123Z. */
#define FUZZ_NOW_MS 1733581425123LL

/* Check every number of the cJSON tree v: its exponent (as written) is
 * within what the server lets a number carry. */
static void
fuzz_check_numbers(const char *text, size_t n)
{
	size_t i = 0, j;
	bool in_string = false;

	/* Walk the minified text: outside strings an 'e' or 'E' is an
	 * exponent; its digits must be few. */
	while (i < n) {
		if (in_string) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_string = false;
			i++;
			continue;
		}
		if (text[i] == '"')
			in_string = true;
		else if (text[i] == 'e' || text[i] == 'E') {
			j = i + 1;
			if (j < n && (text[j] == '+' || text[j] == '-'))
				j++;
			while (j < n && text[j] == '0')
				j++;
			if (n - j >= 3 && text[j] >= '0' && text[j] <= '9' &&
			    text[j + 1] >= '0' && text[j + 1] <= '9' &&
			    text[j + 2] >= '0' && text[j + 2] <= '9')
				fuzz_fail("a number with a 3-digit exponent "
				          "passed");
		}
		i++;
	}
}

/* Check one stored line (members without braces). */
static void
fuzz_check_line(const struct store_line *l)
{
	char *obj = malloc(l->len + 3);
	struct json_iter it;
	struct json_value k, v, end;
	cJSON *o, *m;
	int idx = 0, r;

	if (obj == NULL)
		fuzz_fail("out of memory");
	obj[0] = '{';
	memcpy(obj + 1, l->members, l->len);
	memcpy(obj + 1 + l->len, "}", 2);
	if (l->len + 29 > INGEST_LINE_MAX)
		fuzz_fail("a line of %zu bytes passed", l->len);
	if (json_value(obj, obj + l->len + 2, &end) != obj + l->len + 2)
		fuzz_fail("core/json.c does not read a line: %s", obj);
	if (memchr(obj, '\n', l->len + 2) != NULL)
		fuzz_fail("a line holds a newline");
	json_iter_begin(&it, obj, obj + l->len + 2, '{');
	while ((r = json_iter_next(&it, &k, &v)) == 1) {
		bool ts = json_body_eq(k.s, k.sn, k.escaped, "timestamp", 9);
		bool lv = json_body_eq(k.s, k.sn, k.escaped, "level", 5);

		if (json_body_eq(k.s, k.sn, k.escaped, "id", 2))
			fuzz_fail("a line keeps an id member: %s", obj);
		if ((idx == 0) != ts || (idx == 1) != lv)
			fuzz_fail("timestamp and level are not first: %s", obj);
		if (ts && (v.type != JSON_STRING || v.escaped ||
		              event_parse_time(v.s, v.sn) == INT64_MIN))
			fuzz_fail("a timestamp that is no time: %s", obj);
		idx++;
	}
	fuzz_check_numbers(obj, l->len + 2);
	/* cJSON reads it too, with a string message. */
	if ((o = cJSON_ParseWithLength(obj, l->len + 2)) == NULL ||
	    !cJSON_IsObject(o))
		fuzz_fail("cJSON does not read a line: %s", obj);
	m = cJSON_GetObjectItemCaseSensitive(o, "message");
	if (!jsoncheck_has_nul_escape(obj, l->len + 2) && !cJSON_IsString(m))
		fuzz_fail("a line without a message string: %s", obj);
	cJSON_Delete(o);
	free(obj);
}

/* The string member name of the JSON object text (n bytes), unescaped
 * into a new string (caller frees); NULL when absent or no string. The
 * last one wins, as cJSON's GetObjectItem does not: compare only when
 * there is one. */
static char *
fuzz_member(const char *text, size_t n, const char *name, int *count)
{
	struct json_iter it;
	struct json_value k, v;
	char *out = NULL;
	size_t used, len;

	*count = 0;
	if (json_iter_begin(&it, text, text + n, '{') != 0)
		return NULL;
	while (json_iter_next(&it, &k, &v) == 1) {
		if (!json_body_eq(k.s, k.sn, k.escaped, name, strlen(name)))
			continue;
		(*count)++;
		if (v.type != JSON_STRING || out != NULL)
			continue;
		out = malloc(v.sn + 1);
		len = json_unescape(out, v.sn, v.s, v.sn, &used);
		out[len] = '\0';
		if (memchr(out, '\0', len) != NULL)
			out[0] = '\x01'; /* marks a \u0000 */
		if (len != strlen(out))
			out[0] = '\x01';
	}
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *body = malloc(size > 0 ? size : 1), *min, *min2;
	char err[256], name[INGEST_NAME_MAX + 1], run_id[STORE_RUN_ID_MAX + 1];
	struct ingest_batch b;
	struct store_status st;
	struct json_value v;
	long n, n2;
	size_t i;
	int rc, count;
	char *want;

	if (body == NULL || (min = malloc(size + 1)) == NULL ||
	    (min2 = malloc(size + 1)) == NULL)
		fuzz_fail("out of memory");
	memcpy(body, in, size);

	n = jsoncheck_minify(body, size, min, err, sizeof err);
	if (n >= 0) {
		if ((size_t)n > size)
			fuzz_fail("minified past the input");
		n2 = jsoncheck_minify(min, (size_t)n, min2, err, sizeof err);
		if (n2 != n || memcmp(min, min2, (size_t)n) != 0)
			fuzz_fail("minify is not idempotent");
		if (json_value(min, min + n, &v) != min + n)
			fuzz_fail("core/json.c refuses minified text");
		if (memchr(min, '\n', (size_t)n) != NULL)
			fuzz_fail("minified text holds a newline");
	}

	err[0] = '\0';
	rc = ingest_logs(body, size, FUZZ_NOW_MS, &b, err, sizeof err);
	if (rc == 0) {
		if (n < 0)
			fuzz_fail("a batch passed that does not minify");
		if (b.n == 0 && min[0] == '{')
			fuzz_fail("an object gave no event");
		for (i = 0; i < b.n; i++)
			fuzz_check_line(&b.lines[i]);
		ingest_batch_free(&b);
	} else if ((rc != 400 && rc != 413) || err[0] == '\0')
		fuzz_fail("logs refused with %d: %s", rc, err);

	err[0] = '\0';
	rc = ingest_status(
	    body, size, FUZZ_NOW_MS, &st, name, run_id, err, sizeof err);
	if (rc == 0) {
		if (st.status == RUN_UNKNOWN || st.at_ms != FUZZ_NOW_MS)
			fuzz_fail("status %d at %lld", (int)st.status,
			    (long long)st.at_ms);
		want = fuzz_member(min, (size_t)n, "name", &count);
		if (st.name != NULL && count == 1 &&
		    (want == NULL || strcmp(want, st.name) != 0))
			fuzz_fail(
			    "name stored as \"%s\", sent otherwise", st.name);
		free(want);
		want = fuzz_member(min, (size_t)n, "runId", &count);
		if (st.run_id != NULL && count == 1 &&
		    (want == NULL || strcmp(want, st.run_id) != 0))
			fuzz_fail("runId stored as \"%s\", sent otherwise",
			    st.run_id);
		free(want);
	} else if (rc != 400 || err[0] == '\0')
		fuzz_fail("status refused with %d: %s", rc, err);

	free(min2);
	free(min);
	free(body);
	return 0;
}
