/* hook.c - commands and webhook posts of rules (see hook.h). The
 * commands run through net/job.c, the one owner of a child on the loop:
 * this file queues them, bounds how many run and tells how they ended. */
#define _GNU_SOURCE /* asprintf */
#include "net/hook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net/job.h"
#include "net/loop.h"

enum hook_kind { HOOK_CMD, HOOK_POST };
enum hook_state { HOOK_QUEUED, HOOK_ACTIVE, HOOK_RETRY };

struct hook_job {
	struct hook *h;
	enum hook_kind kind;
	enum hook_state state;
	char *label;
	struct hook_job *next;
	struct loop_timer timer; /* post retry */
	/* HOOK_CMD */
	char *command;
	long timeout_s;
	char *env[HOOK_MAX_ENV + 1]; /* "NAME=value", NULL ended */
	size_t nenv;
	struct job *job; /* while it runs; the job frees itself at its end */
	/* HOOK_POST */
	char *url;
	char *body;
	size_t len;
	int attempt;
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
};

struct hook {
	struct loop *loop;
	hook_note_fn note;
	void *arg;
	struct hook_job *jobs; /* in queue order */
	size_t queued, running, posting;
	uint64_t dropped;
	/* Starts queued work from the loop: hook_post and hook_command are
	 * called from inside stream callbacks, which run inside curl's, and
	 * curl refuses a new transfer there (CURLM_RECURSIVE_API_CALL). */
	struct loop_timer pump;
};

static void hook_pump(struct hook *h);

/* Tell the owner, printf-style. */
static void hook_notef(struct hook *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
hook_notef(struct hook *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (h->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	h->note(line, h->arg);
}

/* Unlink job from h and free it (its transfer, child and timer
 * released: a command still running is killed). */
static void
hook_job_free(struct hook_job *j)
{
	struct hook *h = j->h;
	struct hook_job **pp;
	size_t i;

	for (pp = &h->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (j->state == HOOK_QUEUED)
		h->queued--;
	else if (j->kind == HOOK_CMD)
		h->running--;
	else
		h->posting--;
	loop_timer_stop(h->loop, &j->timer);
	job_cancel(j->job);
	if (j->easy != NULL) {
		loop_remove_transfer(h->loop, j->easy);
		curl_easy_cleanup(j->easy);
	}
	curl_slist_free_all(j->hdrs);
	for (i = 0; i < j->nenv; i++)
		free(j->env[i]);
	free(j->label);
	free(j->command);
	free(j->url);
	free(j->body);
	free(j);
}

/* A new job of kind at the end of the queue, or NULL (counted) when the
 * queue is full. */
static struct hook_job *
hook_job_new(struct hook *h, enum hook_kind kind, const char *label)
{
	struct hook_job *j, **pp;

	if (h->queued >= HOOK_QUEUE_MAX ||
	    (j = calloc(1, sizeof *j)) == NULL) {
		h->dropped++;
		hook_notef(h, "%s: too many actions waiting; dropped one",
		    label);
		return NULL;
	}
	j->h = h;
	j->kind = kind;
	j->label = strdup(label);
	for (pp = &h->jobs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;
	h->queued++;
	return j;
}

/* A command ended (job.c reaped it; the job frees itself after this):
 * tell how, unless it went well, and start what waits. */
static void
hook_on_command_done(const struct job_result *r, void *arg)
{
	struct hook_job *j = arg;
	struct hook *h = j->h;

	j->job = NULL;
	if (r->end == JOB_EXITED && r->code != 0)
		hook_notef(h, "%s: command exited with status %d", j->label,
		    r->code);
	else if (r->end == JOB_SIGNALLED)
		hook_notef(h, "%s: command killed by signal %d", j->label,
		    r->code);
	else if (r->end == JOB_TIMED_OUT)
		hook_notef(h, "%s: command still running after %lds; "
		              "stopping it",
		    j->label, j->timeout_s);
	hook_job_free(j);
	hook_pump(h);
}

/* Start a queued command: /bin/sh -c COMMAND with the event in the
 * environment, stdin /dev/null, its output read and dropped, SIGTERM at
 * the deadline and SIGKILL HOOK_KILL_GRACE_MS later. */
static void
hook_start_command(struct hook_job *j)
{
	struct hook *h = j->h;
	struct job_opts o = {.command = j->command,
	    .timeout_ms = (uint64_t)j->timeout_s * 1000,
	    .detached = true,
	    .env = (const char *const *)j->env,
	    .discard = true,
	    .term_grace_ms = HOOK_KILL_GRACE_MS};
	char why[128];

	j->state = HOOK_ACTIVE;
	h->queued--;
	h->running++;
	if ((j->job = job_start(h->loop, &o, hook_on_command_done, j, why,
	         sizeof why)) == NULL) {
		hook_notef(h, "%s: cannot run the command: %s", j->label, why);
		hook_job_free(j);
	}
}

/* curl write callback: the answer is not needed. */
static size_t
hook_discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void hook_post_attempt(struct hook_job *j);

/* A post's retry timer. */
static void
hook_on_retry(void *arg)
{
	hook_post_attempt(arg);
}

/* An attempt ended: done, retry later, or give up. */
static void
hook_post_done(CURL *easy, CURLcode rc, void *arg)
{
	struct hook_job *j = arg;
	struct hook *h = j->h;
	long code = 0;
	char why[CURL_ERROR_SIZE + 32];

	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(easy);
	j->easy = NULL;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		hook_job_free(j);
		hook_pump(h);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(why, sizeof why, "%s",
		    j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
	else
		snprintf(why, sizeof why, "HTTP %ld", code);
	if ((rc != CURLE_OK || code >= 500 || code == 429) &&
	    j->attempt < HOOK_POST_ATTEMPTS) {
		j->state = HOOK_RETRY;
		loop_timer_in(h->loop, &j->timer,
		    (uint64_t)HOOK_POST_RETRY_MS << (j->attempt - 1));
		return;
	}
	hook_notef(h, "%s: webhook failed after %d attempt%s (%s)", j->label,
	    j->attempt, j->attempt == 1 ? "" : "s", why);
	hook_job_free(j);
	hook_pump(h);
}

/* Send one attempt of a post. The easy handle is set up here, not with
 * client_setup: the log server's token and TLS settings are not the
 * webhook's business. */
static void
hook_post_attempt(struct hook_job *j)
{
	struct hook *h = j->h;

	j->attempt++;
	j->state = HOOK_ACTIVE;
	j->errbuf[0] = '\0';
	if ((j->easy = curl_easy_init()) == NULL)
		goto fail;
	curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
	curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)j->len);
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, hook_discard);
	curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT, (long)HOOK_POST_TIMEOUT_S);
	curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->easy, CURLOPT_USERAGENT, "logdeck");
	if (loop_add_transfer(h->loop, j->easy, hook_post_done, j) == 0)
		return;
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
fail:
	hook_notef(h, "%s: webhook failed (cannot start a transfer)",
	    j->label);
	hook_job_free(j);
}

/* Start what the limits allow, in queue order. */
static void
hook_pump(struct hook *h)
{
	struct hook_job *j, *next;

	for (j = h->jobs; j != NULL; j = next) {
		next = j->next;
		if (j->state != HOOK_QUEUED)
			continue;
		if (j->kind == HOOK_CMD && h->running < HOOK_MAX_RUNNING)
			hook_start_command(j);
		else if (j->kind == HOOK_POST &&
		         h->posting < HOOK_MAX_POSTING) {
			h->queued--;
			h->posting++;
			loop_timer_init(&j->timer, hook_on_retry, j);
			hook_post_attempt(j);
		}
	}
}

/* The pump timer: start what waits. */
static void
hook_on_pump(void *arg)
{
	hook_pump(arg);
}

struct hook *
hook_new(struct loop *loop, hook_note_fn note, void *arg)
{
	struct hook *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	h->loop = loop;
	h->note = note;
	h->arg = arg;
	loop_timer_init(&h->pump, hook_on_pump, h);
	return h;
}

void
hook_free(struct hook *h)
{
	if (h == NULL)
		return;
	while (h->jobs != NULL)
		hook_job_free(h->jobs); /* kills a running command */
	loop_timer_stop(h->loop, &h->pump);
	free(h);
}

int
hook_command(struct hook *h, const char *label, const char *command,
    long timeout_s, const char *const (*env)[2], size_t nenv)
{
	struct hook_job *j = hook_job_new(h, HOOK_CMD, label);
	size_t i, n;

	if (j == NULL)
		return -1;
	j->command = strdup(command);
	j->timeout_s = timeout_s;
	for (i = 0; i < nenv && i < HOOK_MAX_ENV; i++) {
		n = strnlen(env[i][1], HOOK_ENV_VALUE_MAX);
		if (asprintf(&j->env[i], "%s=%.*s", env[i][0], (int)n,
		        env[i][1]) < 0) {
			j->env[i] = NULL;
			break;
		}
		j->nenv++;
	}
	if (j->label == NULL || j->command == NULL || j->nenv != nenv) {
		hook_job_free(j);
		return -1;
	}
	loop_timer_in(h->loop, &h->pump, 0);
	return 0;
}

int
hook_post(struct hook *h, const char *label, const char *url,
    const char *body, size_t len)
{
	struct hook_job *j;

	if (len > HOOK_POST_MAX_BODY) {
		h->dropped++;
		hook_notef(h, "%s: event larger than %d bytes; not posted",
		    label, HOOK_POST_MAX_BODY);
		return -1;
	}
	if ((j = hook_job_new(h, HOOK_POST, label)) == NULL)
		return -1;
	j->url = strdup(url);
	j->body = malloc(len + 1);
	j->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (j->label == NULL || j->url == NULL || j->body == NULL ||
	    j->hdrs == NULL) {
		hook_job_free(j);
		return -1;
	}
	memcpy(j->body, body, len);
	j->body[len] = '\0';
	j->len = len;
	loop_timer_in(h->loop, &h->pump, 0);
	return 0;
}

bool
hook_idle(const struct hook *h)
{
	return h->jobs == NULL;
}

uint64_t
hook_dropped(const struct hook *h)
{
	return h->dropped;
}
