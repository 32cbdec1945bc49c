/* query.c - routes and query numbers of API requests (see query.h). */
#include "query.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

/* Decode path segment seg into out (QUERY_PATH_MAX bytes); 0, or -1 when
 * it is empty, holds a NUL or is too long. */
static int
query_segment(const char *seg, char *out)
{
	char *v;
	size_t len;

	if ((v = evhttp_uridecode(seg, 0, &len)) == NULL)
		return -1;
	if (len == 0 || len != strlen(v) || len >= QUERY_PATH_MAX) {
		free(v);
		return -1;
	}
	memcpy(out, v, len + 1);
	free(v);
	return 0;
}

/* Split path into the route. */
int
query_route(const char *path, struct query_route *r)
{
	char buf[QUERY_PATH_MAX], *seg[4], *save = NULL, *s;
	size_t n = 0;
	int kind;

	if (path == NULL || strlen(path) >= sizeof buf ||
	    strncmp(path, "/api/", 5) != 0)
		return -1;
	strcpy(buf, path + 5);
	if (buf[0] == '\0' || buf[strlen(buf) - 1] == '/')
		return -1;
	for (s = strtok_r(buf, "/", &save); s != NULL;
	     s = strtok_r(NULL, "/", &save)) {
		if (n == 4)
			return -1;
		seg[n++] = s;
	}
	if (n == 0 || (kind = store_kind_parse(seg[0])) < 0)
		return -1;
	r->kind = (enum source_kind)kind;
	r->id[0] = '\0';
	r->run[0] = '\0';
	r->sub = NULL;
	if (n >= 2 && query_segment(seg[1], r->id) != 0)
		return -1;
	if (n >= 3) {
		if (strcmp(seg[2], "logs") == 0 && n == 3)
			r->sub = "logs";
		else if (strcmp(seg[2], "status") == 0 && n == 3)
			r->sub = "status";
		else if (strcmp(seg[2], "runs") == 0)
			r->sub = "runs";
		else
			return -1;
	}
	if (n == 4 && query_segment(seg[3], r->run) != 0)
		return -1;
	return 0;
}

/* Read a query number. */
int
query_number(const char *v, long long max, long long *out)
{
	long long n;

	if (util_parse_ll(v, 0, QUERY_NUMBER_MAX, &n) != 0)
		return -1;
	*out = n > max ? max : n;
	return 0;
}
