/* resolve.c - turn the sources named on the command line into ids known
 * to the server. */
#include "net/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "net/auth.h"
#include "net/client.h"
#include "core/source.h"
#include "net/srclist.h"

/* Fetch and parse GET /api/KIND; NULL with err set on failure. */
static cJSON *
resolve_fetch(const struct client_cfg *c, enum source_kind kind,
    enum resolve_result *why, char *err, size_t errlen)
{
	char *url, *body = NULL, msg[CURL_ERROR_SIZE] = "";
	size_t len;
	long status;
	cJSON *list;

	if ((url = client_url(c, source_kind_path(kind), NULL, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		*why = RESOLVE_UNREACHABLE;
		return NULL;
	}
	status = client_get_sync(c, url, &body, &len, msg, sizeof msg);
	if ((status == 401 || status == 403) && c->auth != NULL &&
	    auth_renew_sync(c->auth, c, msg, sizeof msg) == 0) {
		/* The token had expired: renewed, ask once more. */
		free(body);
		status = client_get_sync(c, url, &body, &len, msg, sizeof msg);
	}
	*why = RESOLVE_UNREACHABLE;
	if (status == 0) {
		snprintf(err, errlen, "cannot reach %s: %s", c->server, msg);
	} else if (status == 401 || status == 403) {
		snprintf(err, errlen,
		    "unauthorized (HTTP %ld): the server "
		    "refused the token (see --token or LOGDECK_TOKEN)",
		    status);
	} else if (status != 200) {
		snprintf(err, errlen, "GET %s: HTTP %ld", url, status);
	} else if ((list = cJSON_ParseWithLength(body, len)) == NULL ||
	           !cJSON_IsArray(list)) {
		cJSON_Delete(list);
		snprintf(
		    err, errlen, "GET %s: the answer is not a JSON array", url);
	} else {
		*why = RESOLVE_OK;
		free(url);
		free(body);
		return list;
	}
	free(url);
	free(body);
	return NULL;
}

/* Find src in list by id, else by unique name (the first entry of a
 * name is named); 0, or -1 with err. */
static int
resolve_one(cJSON *list, struct source *src, struct resolve_run *run, char *err,
    size_t errlen)
{
	struct srclist_entry e, found = {0};
	char num[32], found_num[32];
	cJSON *item;
	int named = 0;

	cJSON_ArrayForEach(item, list)
	{
		if (srclist_decode(item, src->kind, &e, num, sizeof num) != 0)
			continue;
		if (strcmp(e.id, src->id) == 0) {
			found = e;
			named = 1;
			break;
		}
		if (strcmp(e.name, src->id) == 0 && named++ == 0) {
			/* num is reused by the loop: keep these digits. */
			found = e;
			snprintf(found_num, sizeof found_num, "%s", num);
			if (e.id == num)
				found.id = found_num;
			if (e.name == num)
				found.name = found_num;
		}
	}
	if (named == 0) {
		snprintf(err, errlen,
		    "no %s with id or name '%.200s' on the "
		    "server",
		    source_kind_path(src->kind), src->id);
		return -1;
	}
	if (named > 1) {
		snprintf(err, errlen, "%d %s are named '%.200s': give the id",
		    named, source_kind_path(src->kind), src->id);
		return -1;
	}
	if (run != NULL) {
		run->run = found.run;
		run->status = found.run_status;
	}
	if (strcmp(found.id, src->id) != 0) {
		free(src->id);
		src->id = strdup(found.id);
	}
	if (strcmp(found.name, found.id) != 0)
		source_set_name(src, found.name);
	return src->id != NULL ? 0 : -1;
}

enum resolve_result
resolve_sources(const struct client_cfg *c, struct source *srcs, size_t n,
    struct resolve_run *runs, char *err, size_t errlen)
{
	cJSON *lists[3] = {NULL, NULL, NULL};
	enum resolve_result why = RESOLVE_OK;
	size_t i;

	for (i = 0; i < n && why == RESOLVE_OK; i++) {
		enum source_kind k = srcs[i].kind;

		if (lists[k] == NULL &&
		    (lists[k] = resolve_fetch(c, k, &why, err, errlen)) == NULL)
			break;
		if (resolve_one(lists[k], &srcs[i], runs ? &runs[i] : NULL, err,
		        errlen) != 0)
			why = RESOLVE_BAD_SOURCE;
	}
	for (i = 0; i < 3; i++)
		cJSON_Delete(lists[i]);
	return why;
}
