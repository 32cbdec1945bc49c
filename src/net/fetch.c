/* fetch.c - one JSON GET on the shared multi handle (see fetch.h). */
#include "net/fetch.h"
#include "core/buf.h"
#include "net/client.h"
#include "net/loop.h"

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

struct fetch {
	struct loop *loop;
	CURL *easy;
	struct curl_slist *hdrs; /* kept alive while easy uses it */
	struct buf body;
	fetch_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Free what f holds, and f. */
static void
fetch_free(struct fetch *f)
{
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->hdrs);
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

struct fetch *
fetch_get(struct loop *loop, const struct client_cfg *cfg, const char *url,
    fetch_done_fn done, void *arg)
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
	client_setup(cfg, f->easy, &f->hdrs, "application/json");
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

void
fetch_cancel(struct fetch *f)
{
	if (f == NULL)
		return;
	loop_remove_transfer(f->loop, f->easy);
	fetch_free(f);
}
