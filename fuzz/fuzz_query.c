/* fuzz_query.c - libFuzzer target for what an API request names
 * (server/query.c: the route of its path, the numbers of after=, limit=,
 * tail= and Last-Event-ID; since= through event_parse_time; the query
 * string through libevent's evhttp_parse_query_str, as the server reads
 * it). Input: three lines, the path, the query string and the
 * Last-Event-ID header.
 * Properties beyond no crash or leak: a route has a known kind, an id
 * and a run that hold no NUL and fit QUERY_PATH_MAX, a run only under
 * "runs"; the route of a path rebuilt from a route (its id and run
 * percent-encoded again) is the same route; a number accepted is in
 * [0, max] and is its digits' value; a number refused leaves its output
 * alone. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/event.h"
#include "core/source.h"
#include "fuzzutil.h"
#include "server/query.h"

/* The maxima the handlers give each numeric parameter (api.c). */
static const struct {
	const char *name;
	long long max;
} fuzz_params[] = {
    {"after", QUERY_NUMBER_MAX},
    {"limit", 10000},
    {"tail", 999999999999LL},
};

/* Check one number: in range, its digits' value. */
static void
fuzz_check_number(const char *v, long long max)
{
	long long out = -7, want = 0;
	const char *p;
	bool digits = *v != '\0';

	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			digits = false;
	}
	if (query_number(v, max, &out) != 0) {
		if (out != -7)
			fuzz_fail("a refused number set its output");
		/* Every run of at most 18 digits is a number. */
		if (digits && strlen(v) <= 18)
			fuzz_fail("digits \"%s\" refused", v);
		return;
	}
	if (!digits || out < 0 || out > max)
		fuzz_fail("\"%s\" read as %lld (max %lld)", v, out, max);
	for (p = v; *p != '\0'; p++)
		want = want * 10 + (*p - '0');
	if (out != (want > max ? max : want))
		fuzz_fail("\"%s\" read as %lld", v, out);
}

/* Check a route and that rebuilding its path routes the same. */
static void
fuzz_check_route(const struct query_route *r)
{
	struct query_route again;
	char path[4 * QUERY_PATH_MAX * 3 + 64];
	char *id, *run;

	if (source_kind_path(r->kind) == NULL)
		fuzz_fail("route of kind %d", (int)r->kind);
	if (strlen(r->id) >= QUERY_PATH_MAX || strlen(r->run) >= QUERY_PATH_MAX)
		fuzz_fail("segment past QUERY_PATH_MAX");
	if (r->run[0] != '\0' && (r->sub == NULL || strcmp(r->sub, "runs")))
		fuzz_fail("a run outside runs");
	if (r->sub != NULL && r->id[0] == '\0')
		fuzz_fail("a sub-resource without an id");
	id = evhttp_encode_uri(r->id);
	run = evhttp_encode_uri(r->run);
	if (id == NULL || run == NULL)
		fuzz_fail("out of memory");
	snprintf(path, sizeof path, "/api/%s%s%s%s%s%s%s",
	    source_kind_path(r->kind), r->id[0] ? "/" : "", id,
	    r->sub != NULL ? "/" : "", r->sub != NULL ? r->sub : "",
	    r->run[0] ? "/" : "", run);
	free(id);
	free(run);
	if (strlen(path) >= QUERY_PATH_MAX)
		return; /* encoding made it longer than any route */
	if (query_route(path, &again) != 0)
		fuzz_fail("rebuilt path %s does not route", path);
	if (again.kind != r->kind || strcmp(again.id, r->id) != 0 ||
	    strcmp(again.run, r->run) != 0 ||
	    (again.sub == NULL) != (r->sub == NULL) ||
	    (r->sub != NULL && strcmp(again.sub, r->sub) != 0))
		fuzz_fail("rebuilt path %s routes elsewhere", path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *text = fuzz_strndup(in, size), *query = NULL, *last = NULL;
	struct evkeyvalq q = {0};
	struct evkeyval *kv;
	struct query_route r;
	size_t i;

	if ((query = strchr(text, '\n')) != NULL) {
		*query++ = '\0';
		if ((last = strchr(query, '\n')) != NULL)
			*last++ = '\0';
	}
	if (query_route(text, &r) == 0)
		fuzz_check_route(&r);
	if (last != NULL)
		fuzz_check_number(last, QUERY_NUMBER_MAX);
	if (query != NULL && evhttp_parse_query_str(query, &q) == 0) {
		for (kv = q.tqh_first; kv != NULL; kv = kv->next.tqe_next) {
			for (i = 0;
			     i < sizeof fuzz_params / sizeof *fuzz_params;
			     i++) {
				if (strcmp(kv->key, fuzz_params[i].name) == 0)
					fuzz_check_number(
					    kv->value, fuzz_params[i].max);
			}
			if (strcmp(kv->key, "since") == 0)
				event_parse_time(kv->value, strlen(kv->value));
		}
		evhttp_clear_headers(&q);
	}
	free(text);
	return 0;
}
