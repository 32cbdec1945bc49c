/* auth.c - where the bearer token comes from and how it is renewed when
 * the server refuses it (see auth.h). */
#define _GNU_SOURCE /* explicit_bzero, strndup */
#include "net/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/esc.h"
#include "net/client.h"
#include "net/job.h"
#include "net/loop.h"

struct auth {
	struct auth_opts o;
	enum auth_origin origin;
	char *access;  /* owned; wiped before free */
	char *refresh; /* owned; wiped before free */
	unsigned gen;
};

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

/* Run the token command again to renew; 0 or -1. */
static int
auth_run_command(struct auth *a, char *err, size_t errlen)
{
	char *token;

	if (auth_command_sync(a, true, &token, err, errlen) != 0)
		return -1;
	auth_set(a, token);
	return 0;
}

/* POST a JSON body to an auth endpoint and take the tokens it returns. */
static int
auth_exchange(struct auth *a, const struct client_cfg *c, const char *path,
    cJSON *req, char *err, size_t errlen)
{
	char *url, *body, *resp = NULL, msg[CURL_ERROR_SIZE] = "";
	size_t len;
	long status;
	cJSON *j, *at, *rt;
	int rc = -1;

	body = cJSON_PrintUnformatted(req);
	url = body ? client_url(c, "auth", NULL, path) : NULL;
	if (url == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	status = client_post_sync(c, url, body, &resp, &len, msg, sizeof msg);
	if (status != 200) {
		if (status == 0)
			snprintf(err, errlen, "token renewal: %s", msg);
		else
			snprintf(err, errlen,
			    "token renewal refused (HTTP %ld)", status);
		goto out;
	}
	j = cJSON_ParseWithLength(resp, len);
	at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	rt = cJSON_GetObjectItemCaseSensitive(j, "refresh_token");
	if (cJSON_IsString(at) &&
	    auth_token_ok(at->valuestring, strlen(at->valuestring))) {
		auth_set(a, strdup(at->valuestring));
		if (cJSON_IsString(rt) &&
		    auth_token_ok(rt->valuestring, strlen(rt->valuestring))) {
			auth_wipe(&a->refresh);
			a->refresh = strdup(rt->valuestring);
		}
		rc = 0;
	} else {
		snprintf(err, errlen,
		    "token renewal: no usable access_token in the "
		    "answer");
	}
	cJSON_Delete(j);
out:
	if (body != NULL) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	if (resp != NULL) {
		explicit_bzero(resp, len);
		free(resp);
	}
	free(url);
	return rc;
}

/* Ask the refresh endpoint for a new access token. */
static int
auth_use_refresh(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	cJSON *req = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(req, "refresh_token", a->refresh);
	rc = auth_exchange(a, c, "/refresh", req, err, errlen);
	cJSON_Delete(req);
	return rc;
}

/* Log in with client credentials. */
static int
auth_use_credentials(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	cJSON *req = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(req, "client_id", a->o.client_id);
	cJSON_AddStringToObject(req, "client_secret", a->o.client_secret);
	rc = auth_exchange(a, c, "/token", req, err, errlen);
	cJSON_Delete(req);
	return rc;
}

int
auth_renew(struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	snprintf(err, errlen,
	    "the server refused the token and nothing can "
	    "renew it (no refresh token, credentials or token_command)");
	if (a->refresh != NULL && auth_use_refresh(a, c, err, errlen) == 0)
		return 0;
	if (a->o.client_id != NULL && a->o.client_secret != NULL &&
	    auth_use_credentials(a, c, err, errlen) == 0)
		return 0;
	if (a->origin == AUTH_FROM_COMMAND &&
	    auth_run_command(a, err, errlen) == 0)
		return 0;
	return -1;
}

int
auth_start(struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	if (a->access != NULL)
		return 0;
	if (a->refresh == NULL && a->origin != AUTH_FROM_COMMAND &&
	    (a->o.client_id == NULL || a->o.client_secret == NULL))
		return 0; /* no token at all: the server may not want one */
	return auth_renew(a, c, err, errlen);
}
