/* access.c - the access log. A target is written as the path the client
 * asked for plus only the query parameters below, which carry no secret
 * (a token in the query, or any parameter not listed, is dropped); the
 * path and values stay percent-encoded as they came, and are escaped
 * again for the text form. */
#include "access.h"
#include "metrics.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/http.h>

/* Query parameters an access line keeps (doc/api.md names them all). */
static const char *const access_safe[] = {
    "stream", "after", "tail", "limit", "run", "runs", "since", NULL};

/* The log is on. */
static bool access_on;

void
access_set(bool on)
{
	access_on = on;
}

const char *
access_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

/* Whether the parameter piece "name[=value]" (n bytes) is one to keep. */
static bool
access_keep(const char *piece, size_t n)
{
	size_t name = strcspn(piece, "=&");
	int i;

	if (name > n)
		name = n;
	for (i = 0; access_safe[i] != NULL; i++) {
		if (strlen(access_safe[i]) == name &&
		    memcmp(access_safe[i], piece, name) == 0)
			return true;
	}
	return false;
}

/* Append n bytes of s to out (used bytes of ACCESS_TARGET_MAX), cutting
 * what does not fit. */
static void
access_append(char *out, size_t *used, const char *s, size_t n)
{
	if (n > ACCESS_TARGET_MAX - *used)
		n = ACCESS_TARGET_MAX - *used;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
}

void
access_target(struct evhttp_request *req, char *out)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	size_t used = 0, n;
	char sep = '?';

	out[0] = '\0';
	if (path == NULL || *path == '\0')
		path = "/";
	access_append(out, &used, path, strlen(path));
	for (; q != NULL && *q != '\0'; q += n + (q[n] == '&')) {
		n = strcspn(q, "&");
		if (n == 0 || !access_keep(q, n))
			continue;
		access_append(out, &used, &sep, 1);
		access_append(out, &used, q, n);
		sep = '&';
	}
}

void
access_peer(struct evhttp_request *req, char *out)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(out, ACCESS_PEER_MAX, "%s:%u", addr != NULL ? addr : "?",
	    (unsigned)port);
}

/* Write e as one JSON object. */
static void
access_json(const struct access_entry *e)
{
	char when[UTIL_ISO_LEN + 1], *text;
	cJSON *v = cJSON_CreateObject();

	util_iso_time(when, util_now_ms());
	cJSON_AddStringToObject(v, "time", when);
	cJSON_AddStringToObject(v, "type", "access");
	cJSON_AddStringToObject(v, "client", e->peer);
	cJSON_AddStringToObject(v, "method", e->method);
	cJSON_AddStringToObject(v, "path", e->target);
	cJSON_AddNumberToObject(v, "status", e->status);
	cJSON_AddNumberToObject(v, "bytes", (double)e->bytes);
	cJSON_AddNumberToObject(v, "duration_s", (double)e->duration_us / 1e6);
	if (e->stream != NULL)
		cJSON_AddStringToObject(v, "stream", e->stream);
	if ((text = cJSON_PrintUnformatted(v)) != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
	cJSON_Delete(v);
}

void
access_record(const struct access_entry *e)
{
	char target[4 * ACCESS_TARGET_MAX + 1];

	metrics_response(e->status);
	if (!access_on)
		return;
	if (util_log_json()) {
		access_json(e);
		return;
	}
	util_log_safe(target, sizeof target, e->target);
	util_log("access client=%s method=%s path=%s status=%d bytes=%llu "
	         "duration=%.6f%s%s",
	    e->peer, e->method, target, e->status, (unsigned long long)e->bytes,
	    (double)e->duration_us / 1e6, e->stream != NULL ? " stream=" : "",
	    e->stream != NULL ? e->stream : "");
}
