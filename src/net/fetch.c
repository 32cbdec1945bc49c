/* fetch.c - one JSON GET or POST on the shared multi handle (see fetch.h). */
#define _GNU_SOURCE /* explicit_bzero */
#include "net/fetch.h"
#include "net/auth.h"
#include "core/buf.h"
#include "net/client.h"
#include "net/loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct fetch {
	struct loop *loop;
	const struct client_cfg *cfg; /* borrowed; outlives the fetch */
	char *url;                    /* owned, for the retry */
	unsigned auth_gen;            /* auth_generation() at the request */
	bool renewed;                 /* the one retry under a new token */
	long refused;                 /* 401/403 kept while renewal runs */
	struct auth_wait wait;
	CURL *easy;
	struct curl_slist *hdrs; /* kept alive while easy uses it */
	struct buf body;
	long retry_after_ms; /* the answer's Retry-After, or -1 */
	bool head_done;      /* the final answer's header block ended */
	char *post;          /* the POST body (owned), or NULL for a GET */
	fetch_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Free what f holds, and f. A POST's body and answer carry secrets
 * (credentials, tokens): they are wiped first. */
static void
fetch_free(struct fetch *f)
{
	if (f->cfg != NULL && f->cfg->auth != NULL)
		auth_wait_cancel(f->cfg->auth, &f->wait);
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->hdrs);
	free(f->url);
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

/* curl header callback: a new response (after 1xx) forgets the last
 * Retry-After and starts a header block; keep the final answer's, and
 * note where its header block ends (the empty line). */
static size_t
fetch_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		f->retry_after_ms = -1;
		f->head_done = false;
	} else if ((len == 2 && p[0] == '\r' && p[1] == '\n') ||
	           (len == 1 && p[0] == '\n')) {
		f->head_done = true;
	} else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
		f->retry_after_ms = client_retry_after_ms(p + 12, len - 12);
	return len;
}

static int fetch_send(struct fetch *f);

/* Tell the caller how the fetch ended (status code, err or NULL), then
 * free it. */
static void
fetch_finish(struct fetch *f, long code, const char *err)
{
	if (buf_append(&f->body, "", 1) == 0)
		f->body.len--;
	f->done(code, f->body.p ? f->body.p : "", f->body.len, err, f->arg);
	fetch_free(f);
}

/* Ask again, under the token renewed since the refusal. */
static void
fetch_retry(struct fetch *f)
{
	buf_clear(&f->body);
	f->errbuf[0] = '\0';
	f->retry_after_ms = -1;
	f->head_done = false;
	if (fetch_send(f) != 0)
		fetch_finish(f, 0, "cannot start the transfer again");
}

/* The renewal a refused GET waited for ended: ask again with the new
 * token; after a renewal that failed for now (the token endpoint did
 * not answer, was busy, cut its answer), no answer came (status 0, the
 * caller tries again later as after any network error); after a
 * definitive refusal, hand the refusal over as it came. */
static void
fetch_on_renewed(struct auth_wait *w, const struct auth_outcome *o)
{
	struct fetch *f = w->arg;
	char err[CURL_ERROR_SIZE + 64];

	switch (o->kind) {
	case AUTH_RENEWED:
		fetch_retry(f);
		break;
	case AUTH_TRANSIENT:
		snprintf(err, sizeof err, "token renewal failed (%s)", o->err);
		buf_clear(&f->body);
		fetch_finish(f, 0, err);
		break;
	case AUTH_REFUSED:
		fetch_finish(f, f->refused, NULL);
		break;
	}
}

/* A GET was refused (401, 403): renew the token on the loop as every
 * other transfer does (net/auth.c) and ask once more. True when that is
 * under way; false when nothing can renew it (or it was tried). A POST
 * is not retried: token renewal itself posts. */
static bool
fetch_reauth(struct fetch *f, long code)
{
	struct auth *a = f->cfg->auth;
	char err[256];

	if (a == NULL || f->post != NULL || f->renewed)
		return false;
	f->renewed = true;
	f->refused = code;
	if (auth_generation(a) != f->auth_gen) {
		/* Renewed while this one was in flight: just ask again. */
		fetch_retry(f);
		return true;
	}
	return auth_renew(a, f->loop, f->cfg, &f->wait, err, sizeof err) == 0;
}

/* The transfer ended: tell the caller, then free (after a refusal,
 * renew the token and ask once more first). */
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
	else if (!f->head_done)
		/* libcurl 7.88 ends a transfer whose connection closed in
		 * the middle of the header block without an error, as a
		 * complete answer with an empty body: it is a cut one. */
		snprintf(err, sizeof err,
		    "the answer was cut short (in its headers)");
	else
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if ((code == 401 || code == 403) && fetch_reauth(f, code))
		return;
	fetch_finish(f, code, err[0] ? err : NULL);
}

/* Set the request up on f->easy (the token as it is now) and hand it to
 * the loop; 0 or -1. */
static int
fetch_send(struct fetch *f)
{
	curl_easy_reset(f->easy);
	curl_slist_free_all(f->hdrs);
	f->hdrs = NULL;
	if (f->cfg->auth != NULL)
		f->auth_gen = auth_generation(f->cfg->auth);
	client_setup(f->cfg, f->easy, &f->hdrs, "application/json");
	if (f->post != NULL) {
		f->hdrs = curl_slist_append(
		    f->hdrs, "Content-Type: application/json");
		curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->hdrs);
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, f->post);
		curl_easy_setopt(
		    f->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(f->post));
	}
	curl_easy_setopt(f->easy, CURLOPT_URL, f->url);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(f->easy, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT_S);
	return loop_add_transfer(f->loop, f->easy, fetch_ended, f) == -1 ? -1
	                                                                 : 0;
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
	f->retry_after_ms = -1;
	if ((f->easy = curl_easy_init()) == NULL) {
		free(f);
		return NULL;
	}
	f->cfg = cfg;
	auth_wait_init(&f->wait, fetch_on_renewed, f);
	if ((f->url = strdup(url)) == NULL ||
	    (json != NULL && (f->post = strdup(json)) == NULL)) {
		fetch_free(f);
		return NULL;
	}
	if (fetch_send(f) != 0) {
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

long
fetch_retry_after_ms(const struct fetch *f)
{
	return f->retry_after_ms;
}

void
fetch_cancel(struct fetch *f)
{
	if (f == NULL)
		return;
	loop_remove_transfer(f->loop, f->easy);
	fetch_free(f);
}
