/* auth.c - where the bearer token comes from and how it is renewed when
 * the server refuses it (see auth.h). */
#define _GNU_SOURCE /* explicit_bzero, strndup */
#include "net/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/esc.h"
#include "net/client.h"
#include "net/fetch.h"
#include "net/job.h"
#include "net/loop.h"

struct auth {
	struct auth_opts o;
	enum auth_origin origin;
	char *access;  /* owned; wiped before free */
	char *refresh; /* owned; wiped before free */
	unsigned gen;

	/* The renewal under way (loop != NULL): one at a time, shared by
	 * every waiter. */
	struct loop *loop;
	const struct client_cfg *cfg;
	int step;                  /* enum auth_step: the way being tried */
	struct fetch *fetch;       /* the POST to a token endpoint, or NULL */
	struct job *job;           /* the token command, or NULL */
	struct auth_wait *waiters; /* told when it ends */
	struct auth_wait *told;    /* being told now (auth_on_notify) */
	struct loop_timer notify;
	enum auth_kind kind; /* how it ended (auth_end) */
	bool transient;      /* a way failed for now: err says which */
	long retry_after_ms; /* that way's Retry-After, or -1 */
	char err[320];       /* why a way failed; never holds a token */
};

static void auth_abort(struct auth *a);
static void auth_on_notify(void *arg);

/* Overwrite and free a secret. */
static void
auth_wipe(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

bool
auth_token_ok(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > AUTH_MAX_TOKEN)
		return false;
	for (i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	}
	return true;
}

enum auth_origin
auth_origin(const struct auth_opts *o)
{
	if (o->cli_token != NULL)
		return AUTH_FROM_CLI;
	if (o->env_token != NULL && *o->env_token != '\0')
		return AUTH_FROM_ENV;
	if (o->token != NULL)
		return AUTH_FROM_INLINE;
	if (o->token_command != NULL)
		return AUTH_FROM_COMMAND;
	if (o->token_file != NULL)
		return AUTH_FROM_FILE;
	if (o->token_env != NULL)
		return AUTH_FROM_ENV_NAMED;
	return AUTH_FROM_NONE;
}

const char *
auth_origin_name(enum auth_origin o)
{
	switch (o) {
	case AUTH_FROM_CLI:
		return "--token";
	case AUTH_FROM_ENV:
		return "LOGDECK_TOKEN";
	case AUTH_FROM_INLINE:
		return "the profile's token";
	case AUTH_FROM_COMMAND:
		return "token_command";
	case AUTH_FROM_FILE:
		return "token_file";
	case AUTH_FROM_ENV_NAMED:
		return "token_env";
	case AUTH_FROM_NONE:
		break;
	}
	return "none";
}

int
auth_file_private(int fd, const char *path, const char *what, bool secret,
    char *err, size_t errlen)
{
	const char *holds = secret ? "holds a token" : "runs a token_command";
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen,
		    "%s: %s %s but belongs to another user; "
		    "refusing to use it",
		    path, what, holds);
		return -1;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: %s holds a token but other users "
		    "can read or change it (mode %04o); refusing to use it. "
		    "Run: chmod 600 %s",
		    path, what, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if (!secret && (st.st_mode & 022) != 0) {
		snprintf(err, errlen,
		    "%s: %s runs a token_command but other "
		    "users can change it (mode %04o); refusing to use it. "
		    "Run: chmod go-w %s",
		    path, what, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

struct auth *
auth_new(const struct auth_opts *o)
{
	struct auth *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->o = *o;
	a->origin = auth_origin(o);
	loop_timer_init(&a->notify, auth_on_notify, a);
	if (a->o.command_timeout_ms <= 0)
		a->o.command_timeout_ms = AUTH_COMMAND_TIMEOUT_MS;
	if (o->refresh_token != NULL && *o->refresh_token != '\0' &&
	    (a->refresh = strdup(o->refresh_token)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	auth_abort(a);
	auth_wipe(&a->access);
	auth_wipe(&a->refresh);
	free(a);
}

const char *
auth_token(const struct auth *a)
{
	return a != NULL ? a->access : NULL;
}

unsigned
auth_generation(const struct auth *a)
{
	return a != NULL ? a->gen : 0;
}

/* Install a new access token (taking ownership). */
static void
auth_set(struct auth *a, char *access)
{
	auth_wipe(&a->access);
	a->access = access;
	a->gen++;
}

/* Refuse a token that is too long for a header line or holds control
 * characters (a CR or LF would start a header of its own). what names
 * the source for messages. */
static int
auth_check(const char *v, size_t len, const char *what, char *err,
    size_t errlen)
{
	if (len > AUTH_MAX_TOKEN) {
		snprintf(err, errlen, "%s gave a token longer than %d bytes",
		    what, AUTH_MAX_TOKEN);
		return -1;
	}
	if (!auth_token_ok(v, len)) {
		snprintf(err, errlen, "%s gave a token with control characters",
		    what);
		return -1;
	}
	return 0;
}

/* Keep the first line of raw (n bytes) as the token in *token; reject
 * what cannot be a bearer token. */
static int
auth_first_line(const char *raw, size_t n, char **token, const char *what,
    char *err, size_t errlen)
{
	size_t len = 0;

	while (len < n && raw[len] != '\n')
		len++;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "%s gave an empty token", what);
		return -1;
	}
	if (auth_check(raw, len, what, err, errlen) != 0)
		return -1;
	if ((*token = strndup(raw, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* How the token command is named in messages. */
static void
auth_command_what(const struct auth *a, char *what, size_t len)
{
	snprintf(what, len, "token_command of profile '%s'",
	    a->o.profile != NULL ? a->o.profile : "?");
}

/* Turn a finished token command into a token (in *token) or a message;
 * what it printed on a captured stderr is quoted, escaped. 0 or -1. */
static int
auth_command_result(const struct auth *a, const struct job_result *r,
    char **token, char *err, size_t errlen)
{
	char what[160], said[220] = "", line[160], safe[180];
	size_t n;

	auth_command_what(a, what, sizeof what);
	if (r->err[0] != '\0' && (r->end != JOB_EXITED || r->code != 0)) {
		/* Its own words on why, one line, made terminal-safe. */
		n = strcspn(r->err, "\r\n");
		snprintf(line, sizeof line, "%.*s", (int)n, r->err);
		esc_line(safe, sizeof safe, line);
		snprintf(said, sizeof said, " (it said: \"%s\")", safe);
	}
	switch (r->end) {
	case JOB_TIMED_OUT:
		snprintf(err, errlen,
		    "%s did not finish within %ld s and was killed%s", what,
		    (a->o.command_timeout_ms + 999) / 1000, said);
		return -1;
	case JOB_TOO_LONG:
		snprintf(err, errlen, "%s printed more than %d bytes", what,
		    AUTH_MAX_TOKEN_READ);
		return -1;
	case JOB_SIGNALLED:
		snprintf(err, errlen, "%s was killed by signal %d%s", what,
		    r->code, said);
		return -1;
	case JOB_EXITED:
		break;
	}
	if (r->code != 0) {
		snprintf(err, errlen, "%s failed (exit status %d)%s", what,
		    r->code, said);
		return -1;
	}
	return auth_first_line(r->out, r->outlen, token, what, err, errlen);
}

/* The options of a token command's job; detached when the terminal is
 * not the command's (renewal while the loop runs). */
static struct job_opts
auth_command_opts(const struct auth *a, bool detached)
{
	struct job_opts o = {.command = a->o.token_command,
	    .max_out = AUTH_MAX_TOKEN_READ,
	    .timeout_ms = (uint64_t)a->o.command_timeout_ms,
	    .detached = detached};

	return o;
}

/* What a blocking run of the token command collects. */
struct auth_sync {
	struct auth *a;
	struct loop *loop;
	char **token;
	char *err;
	size_t errlen;
	int rc;
};

/* The command of a blocking run ended. */
static void
auth_sync_done(const struct job_result *r, void *arg)
{
	struct auth_sync *s = arg;

	s->rc = auth_command_result(s->a, r, s->token, s->err, s->errlen);
	loop_stop(s->loop, 0);
}

/* Run the token command on a loop of its own and wait for it (before
 * any other loop runs, or where blocking is the point). */
static int
auth_command_sync(struct auth *a, bool detached, char **token, char *err,
    size_t errlen)
{
	struct job_opts o = auth_command_opts(a, detached);
	struct auth_sync s = {a, loop_new(), token, err, errlen, -1};
	char why[128], what[160];

	*token = NULL;
	if (s.loop == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (job_start(s.loop, &o, auth_sync_done, &s, why, sizeof why) ==
	    NULL) {
		auth_command_what(a, what, sizeof what);
		snprintf(err, errlen, "%s: %s", what, why);
	} else {
		loop_run(s.loop);
	}
	loop_free(s.loop);
	return s.rc;
}

/* Read up to AUTH_MAX_TOKEN_READ bytes from fd into raw; -1 when longer
 * or unreadable. */
static ssize_t
auth_read_all(int fd, char *raw)
{
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, raw + n, AUTH_MAX_TOKEN_READ + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > AUTH_MAX_TOKEN_READ)
			return -1;
	}
	return r < 0 ? -1 : (ssize_t)n;
}

/* Read the token file, refusing one that others can read. */
static int
auth_read_file(struct auth *a, char **token, char *err, size_t errlen)
{
	const char *path = a->o.token_file;
	char raw[AUTH_MAX_TOKEN_READ + 1];
	ssize_t n;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: token_file of profile '%s': %s",
		    path, a->o.profile != NULL ? a->o.profile : "?",
		    strerror(errno));
		return -1;
	}
	if (auth_file_private(fd, path, "token_file", true, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	n = auth_read_all(fd, raw);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen,
		    "%s: token_file is unreadable or longer "
		    "than %d bytes",
		    path, AUTH_MAX_TOKEN_READ);
		return -1;
	}
	r = auth_first_line(raw, (size_t)n, token, path, err, errlen);
	explicit_bzero(raw, sizeof raw);
	return r;
}

int
auth_load(struct auth *a, char *err, size_t errlen)
{
	const char *v = NULL;
	char *token = NULL;

	switch (a->origin) {
	case AUTH_FROM_NONE:
		return 0;
	case AUTH_FROM_CLI:
		v = a->o.cli_token;
		break;
	case AUTH_FROM_ENV:
		v = a->o.env_token;
		break;
	case AUTH_FROM_INLINE:
		v = a->o.token;
		break;
	case AUTH_FROM_COMMAND:
		/* Before curses: the terminal is the command's. */
		if (auth_command_sync(a, false, &token, err, errlen) != 0)
			return -1;
		break;
	case AUTH_FROM_FILE:
		if (auth_read_file(a, &token, err, errlen) != 0)
			return -1;
		break;
	case AUTH_FROM_ENV_NAMED:
		v = getenv(a->o.token_env);
		if (v == NULL || *v == '\0') {
			snprintf(err, errlen,
			    "token_env of profile '%s': the "
			    "environment variable %s is not set",
			    a->o.profile != NULL ? a->o.profile : "?",
			    a->o.token_env);
			return -1;
		}
		break;
	}
	if (token == NULL) {
		if (auth_check(v, strlen(v), auth_origin_name(a->origin), err,
		        errlen) != 0)
			return -1;
		if ((token = strdup(v)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	auth_set(a, token);
	return 0;
}

/* The ways of renewing, tried in this order. */
enum auth_step {
	AUTH_STEP_REFRESH,     /* POST /api/auth/refresh */
	AUTH_STEP_CREDENTIALS, /* POST /api/auth/token */
	AUTH_STEP_COMMAND,     /* token_command again */
	AUTH_STEP_NONE,        /* all tried */
};

static void auth_next(struct auth *a);

/* The renewal ended with a new token (ok), or without one: failed for
 * now when a way failed for now (a->transient), else refused. Tell the
 * waiters from the loop, never from inside auth_renew. */
static void
auth_end(struct auth *a, bool ok)
{
	a->kind = ok             ? AUTH_RENEWED
	          : a->transient ? AUTH_TRANSIENT
	                         : AUTH_REFUSED;
	a->fetch = NULL;
	a->job = NULL;
	loop_timer_in(a->loop, &a->notify, 0);
}

/* Timer: tell every waiter how the renewal went. A waiter's callback may
 * start the next renewal, or cancel other waits: the told list is popped
 * one at a time and a new renewal collects new waiters. */
static void
auth_on_notify(void *arg)
{
	struct auth *a = arg;
	struct auth_wait *w;
	char err[sizeof a->err];
	struct auth_outcome o = {.kind = a->kind,
	    .retry_after_ms =
	        a->kind == AUTH_TRANSIENT ? a->retry_after_ms : -1,
	    .err = a->kind == AUTH_RENEWED ? NULL : err};

	/* Off this loop's list: the next renewal may run on another. */
	loop_timer_stop(a->loop, &a->notify);
	a->told = a->waiters;
	a->waiters = NULL;
	a->loop = NULL;
	snprintf(err, sizeof err, "%s", a->err);
	while ((w = a->told) != NULL) {
		a->told = w->next;
		w->next = NULL;
		w->waiting = false;
		w->done(w, &o);
	}
}

/* A way failed: say why (printf-style), as failed for now (transient)
 * or refused. The first failure for now is the one told (a later
 * refusal by another way must not hide that trying again may help);
 * otherwise the last refusal. */
static void auth_failed(struct auth *a, bool transient, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
auth_failed(struct auth *a, bool transient, const char *fmt, ...)
{
	va_list ap;

	if (a->transient)
		return;
	a->transient = transient;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof a->err, fmt, ap);
	va_end(ap);
}

/* True when a token endpoint's status says "not now" rather than "no":
 * the server is busy, failing or restarting (5xx, 429, 408). */
static bool
auth_status_transient(long status)
{
	return status >= 500 || status == 429 || status == 408;
}

/* A token endpoint answered: take the tokens, or try the next way. No
 * answer, a busy server, or a 200 without a usable access_token (an
 * answer cut short or garbled on the way) fail for now; any other
 * status is a refusal. */
static void
auth_on_answer(
    long status, const char *body, size_t len, const char *err, void *arg)
{
	struct auth *a = arg;
	cJSON *j, *at, *rt;
	char *copy;
	long retry_after = fetch_retry_after_ms(a->fetch);

	a->fetch = NULL;
	if (status != 200) {
		if (status == 0)
			auth_failed(
			    a, true, "%s", err != NULL ? err : "no answer");
		else if (auth_status_transient(status))
			auth_failed(a, true, "HTTP %ld", status);
		else
			auth_failed(a, false,
			    "token renewal refused (HTTP %ld)", status);
		if (status != 0 && auth_status_transient(status) &&
		    retry_after > a->retry_after_ms)
			a->retry_after_ms = retry_after;
		a->step++;
		auth_next(a);
		return;
	}
	j = cJSON_ParseWithLength(body, len);
	at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	rt = cJSON_GetObjectItemCaseSensitive(j, "refresh_token");
	if (cJSON_IsString(at) &&
	    auth_token_ok(at->valuestring, strlen(at->valuestring)) &&
	    (copy = strdup(at->valuestring)) != NULL) {
		auth_set(a, copy);
		if (cJSON_IsString(rt) &&
		    auth_token_ok(rt->valuestring, strlen(rt->valuestring)) &&
		    (copy = strdup(rt->valuestring)) != NULL) {
			auth_wipe(&a->refresh);
			a->refresh = copy;
		}
		/* cJSON's copies of the tokens go with it. */
		if (cJSON_IsString(at))
			explicit_bzero(at->valuestring, strlen(at->valuestring));
		if (cJSON_IsString(rt))
			explicit_bzero(rt->valuestring, strlen(rt->valuestring));
		cJSON_Delete(j);
		auth_end(a, true);
		return;
	}
	if (cJSON_IsString(at))
		explicit_bzero(at->valuestring, strlen(at->valuestring));
	if (cJSON_IsString(rt))
		explicit_bzero(rt->valuestring, strlen(rt->valuestring));
	cJSON_Delete(j);
	auth_failed(a, true, "no usable access_token in the answer");
	a->step++;
	auth_next(a);
}

/* POST {name1: value1, name2: value2} to the auth endpoint path on the
 * loop; 0, or -1 when it could not start. */
static int
auth_post(struct auth *a, const char *path, const char *name1,
    const char *value1, const char *name2, const char *value2)
{
	cJSON *req = cJSON_CreateObject();
	char *body = NULL, *url = NULL;

	if (req != NULL && cJSON_AddStringToObject(req, name1, value1) &&
	    (name2 == NULL || cJSON_AddStringToObject(req, name2, value2)))
		body = cJSON_PrintUnformatted(req);
	url = body != NULL ? client_url(a->cfg, "auth", NULL, path) : NULL;
	if (url != NULL)
		a->fetch = fetch_post(
		    a->loop, a->cfg, url, body, auth_on_answer, a);
	if (body != NULL) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	/* The request object holds copies of the secrets. */
	if (req != NULL) {
		cJSON *it;

		cJSON_ArrayForEach(it, req)
		{
			if (cJSON_IsString(it))
				explicit_bzero(
				    it->valuestring, strlen(it->valuestring));
		}
	}
	cJSON_Delete(req);
	free(url);
	if (a->fetch == NULL) {
		auth_failed(a, false, "token renewal: out of memory");
		return -1;
	}
	return 0;
}

/* The token command of a renewal ended. */
static void
auth_on_command(const struct job_result *r, void *arg)
{
	struct auth *a = arg;
	char *token = NULL, why[sizeof a->err];

	a->job = NULL;
	if (auth_command_result(a, r, &token, why, sizeof why) == 0) {
		auth_set(a, token);
		auth_end(a, true);
		return;
	}
	/* A failing command is its owner's to fix: a refusal. */
	auth_failed(a, false, "%s", why);
	a->step++;
	auth_next(a);
}

/* Start the next way of renewing that applies, or end the renewal. */
static void
auth_next(struct auth *a)
{
	struct job_opts o;
	char why[128], what[160];

	for (; a->step < AUTH_STEP_NONE; a->step++) {
		switch (a->step) {
		case AUTH_STEP_REFRESH:
			if (a->refresh != NULL &&
			    auth_post(a, "/refresh", "refresh_token",
			        a->refresh, NULL, NULL) == 0)
				return;
			break;
		case AUTH_STEP_CREDENTIALS:
			if (a->o.client_id != NULL &&
			    a->o.client_secret != NULL &&
			    auth_post(a, "/token", "client_id", a->o.client_id,
			        "client_secret", a->o.client_secret) == 0)
				return;
			break;
		case AUTH_STEP_COMMAND:
			if (a->origin != AUTH_FROM_COMMAND)
				break;
			/* While the loop runs the terminal is not the
			 * command's: detached. */
			o = auth_command_opts(a, true);
			a->job = job_start(a->loop, &o, auth_on_command, a,
			    why, sizeof why);
			if (a->job != NULL)
				return;
			auth_command_what(a, what, sizeof what);
			auth_failed(a, false, "%s: %s", what, why);
			break;
		case AUTH_STEP_NONE:
			break;
		}
	}
	auth_end(a, false);
}

bool
auth_renewable(const struct auth *a)
{
	return a != NULL &&
	       (a->refresh != NULL || a->origin == AUTH_FROM_COMMAND ||
	           (a->o.client_id != NULL && a->o.client_secret != NULL));
}

void
auth_wait_init(struct auth_wait *w,
    void (*done)(struct auth_wait *w, const struct auth_outcome *o), void *arg)
{
	memset(w, 0, sizeof *w);
	w->done = done;
	w->arg = arg;
}

int
auth_renew(struct auth *a, struct loop *loop, const struct client_cfg *c,
    struct auth_wait *w, char *err, size_t errlen)
{
	if (!auth_renewable(a)) {
		snprintf(err, errlen, "%s", AUTH_CANNOT_RENEW);
		return -1;
	}
	if (w->waiting)
		return 0;
	w->next = a->waiters;
	a->waiters = w;
	w->waiting = true;
	if (a->loop != NULL)
		return 0; /* a renewal runs: wait for it too */
	a->loop = loop;
	a->cfg = c;
	a->step = AUTH_STEP_REFRESH;
	a->transient = false;
	a->retry_after_ms = -1;
	a->err[0] = '\0';
	auth_next(a);
	return 0;
}

/* Drop a renewal nobody waits for any more: the fetch, the command. */
static void
auth_abort(struct auth *a)
{
	if (a->loop == NULL)
		return;
	fetch_cancel(a->fetch);
	job_cancel(a->job);
	a->fetch = NULL;
	a->job = NULL;
	loop_timer_stop(a->loop, &a->notify);
	a->loop = NULL;
}

/* Take w off the list at *pp; true when it was there. */
static bool
auth_unlink(struct auth_wait **pp, struct auth_wait *w)
{
	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			return true;
		}
	}
	return false;
}

void
auth_wait_cancel(struct auth *a, struct auth_wait *w)
{
	if (a == NULL || !w->waiting)
		return;
	w->waiting = false;
	if (!auth_unlink(&a->waiters, w))
		auth_unlink(&a->told, w);
	else if (a->waiters == NULL)
		auth_abort(a);
}

/* What a blocking renewal waits for. */
struct auth_block {
	struct auth_wait w;
	struct loop *loop;
	int rc;
	char *err;
	size_t errlen;
};

/* The blocking renewal ended. */
static void
auth_block_done(struct auth_wait *w, const struct auth_outcome *o)
{
	struct auth_block *b = w->arg;

	b->rc = o->kind == AUTH_RENEWED ? 0 : -1;
	if (o->kind == AUTH_TRANSIENT)
		snprintf(
		    b->err, b->errlen, "token renewal failed (%s)", o->err);
	else if (o->kind == AUTH_REFUSED)
		snprintf(b->err, b->errlen, "%s", o->err);
	loop_stop(b->loop, 0);
}

int
auth_renew_sync(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	struct auth_block b = {.loop = loop_new(), .rc = -1, .err = err,
	    .errlen = errlen};

	if (b.loop == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	auth_wait_init(&b.w, auth_block_done, &b);
	if (auth_renew(a, b.loop, c, &b.w, err, errlen) == 0)
		loop_run(b.loop);
	auth_wait_cancel(a, &b.w);
	loop_free(b.loop);
	return b.rc;
}

int
auth_start(struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	if (a->access != NULL || !auth_renewable(a))
		return 0; /* a token, or none at all: the server may not
		           * want one */
	return auth_renew_sync(a, c, err, errlen);
}
