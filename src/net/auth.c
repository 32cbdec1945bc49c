/* auth.c - where the bearer token comes from and how it is renewed when
 * the server refuses it. */
#include "net/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "net/client.h"

struct auth {
	struct auth_opts o;
	char *access;  /* owned; wiped before free */
	char *refresh; /* owned; wiped before free */
	unsigned gen;
};

/* Overwrite and free a secret. */
static void
auth_wipe(char **p)
{
	if (*p != NULL) {
		memset(*p, 0, strlen(*p));
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

struct auth *
auth_new(const struct auth_opts *o)
{
	struct auth *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->o = *o;
	if (o->token != NULL && *o->token != '\0')
		a->access = strdup(o->token);
	if (o->refresh_token != NULL && *o->refresh_token != '\0')
		a->refresh = strdup(o->refresh_token);
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

/* Run the token command; its first line is the token. 0 or -1. */
static int
auth_run_command(struct auth *a, char *err, size_t errlen)
{
	char line[AUTH_MAX_TOKEN + 2];
	FILE *p;
	size_t n;
	int status;

	fflush(NULL);
	if ((p = popen(a->o.token_command, "r")) == NULL) {
		snprintf(err, errlen, "token_command: cannot run it");
		return -1;
	}
	if (fgets(line, sizeof line, p) == NULL)
		line[0] = '\0';
	/* Drain the rest so the command never blocks on a full pipe. */
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		memset(line, 0, sizeof line);
		snprintf(err, errlen, "token_command failed (exit status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (!auth_token_ok(line, n)) {
		memset(line, 0, sizeof line);
		snprintf(err, errlen, "token_command printed no usable token");
		return -1;
	}
	auth_set(a, strdup(line));
	memset(line, 0, sizeof line);
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
		memset(body, 0, strlen(body));
		free(body);
	}
	if (resp != NULL) {
		memset(resp, 0, len);
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
	if (a->o.token_command != NULL && auth_run_command(a, err, errlen) == 0)
		return 0;
	return -1;
}

int
auth_start(struct auth *a, const struct client_cfg *c, char *err, size_t errlen)
{
	if (a->access != NULL)
		return 0;
	if (a->refresh == NULL && a->o.token_command == NULL &&
	    (a->o.client_id == NULL || a->o.client_secret == NULL))
		return 0; /* no token at all: the server may not want one */
	return auth_renew(a, c, err, errlen);
}
