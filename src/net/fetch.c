/* fetch.c - one JSON GET or POST on the shared multi handle (see fetch.h). */
#define _GNU_SOURCE /* explicit_bzero */
#include "net/fetch.h"
#include "core/buf.h"
#include "net/client.h"
#include "net/loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct fetch {
	struct loop *loop;
	CURL *easy;
	struct curl_slist *hdrs; /* kept alive while easy uses it */
	struct buf body;
	char *post; /* the POST body (owned), or NULL for a GET */
	fetch_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Free what f holds, and f. A POST's body and answer carry secrets
 * (credentials, tokens): they are wiped first. */
static void
fetch_free(struct fetch *f)
{
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->hdrs);
	if (f->post != NULL) {
		explicit_bzero(f->post, strlen(f->post));
		free(f->post);
		if (f->body.p != NULL)
			explicit_bzero(f->body.p, f->body.len);
	}
	buf_free(&f->body);
	free(f);
}

/* curl write callback: keep the body, up to FETCH_MAX_BODY. */
static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;

	return buf_append(&f->body, p, size * n) == 0 ? size * n : 0;
}

/* The transfer ended: tell the caller, then free. */
static void
fetch_ended(CURL *easy, CURLcode rc, void *arg)
{
	struct fetch *f = arg;
	long code = 0;
	char err[CURL_ERROR_SIZE + 64];

	err[0] = '\0';
	if (rc == CURLE_WRITE_ERROR)
		snprintf(err, sizeof err, "answer larger than %d bytes",
		    FETCH_MAX_BODY);
	else if (rc != CURLE_OK)
		snprintf(err, sizeof err, "%s",
		    f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
	else
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (buf_append(&f->body, "", 1) == 0)
		f->body.len--;
	f->done(code, f->body.p ? f->body.p : "", f->body.len,
	    err[0] ? err : NULL, f->arg);
	fetch_free(f);
}

/* Start a GET, or a POST of json (copied) when it is not NULL. */
static struct fetch *
fetch_start(struct loop *loop, const struct client_cfg *cfg, const char *url,
    const char *json, fetch_done_fn done, void *arg)
{
	struct fetch *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->loop = loop;
	f->done = done;
	f->arg = arg;
	buf_init(&f->body, FETCH_MAX_BODY + 1);
	if ((f->easy = curl_easy_init()) == NULL) {
		free(f);
		return NULL;
	}
	if (json != NULL && (f->post = strdup(json)) == NULL) {
		fetch_free(f);
		return NULL;
	}
	client_setup(cfg, f->easy, &f->hdrs, "application/json");
	if (f->post != NULL) {
		f->hdrs = curl_slist_append(
		    f->hdrs, "Content-Type: application/json");
		curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->hdrs);
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, f->post);
		curl_easy_setopt(
		    f->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(f->post));
	}
	curl_easy_setopt(f->easy, CURLOPT_URL, url);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT_S);
	if (loop_add_transfer(loop, f->easy, fetch_ended, f) == -1) {
		fetch_free(f);
		return NULL;
	}
	return f;
}

struct fetch *
fetch_get(struct loop *loop, const struct client_cfg *cfg, const char *url,
    fetch_done_fn done, void *arg)
{
	return fetch_start(loop, cfg, url, NULL, done, arg);
}

struct fetch *
fetch_post(struct loop *loop, const struct client_cfg *cfg, const char *url,
    const char *json, fetch_done_fn done, void *arg)
{
	return fetch_start(loop, cfg, url, json, done, arg);
}

void
fetch_cancel(struct fetch *f)
{
	if (f == NULL)
		return;
	loop_remove_transfer(f->loop, f->easy);
	fetch_free(f);
}
