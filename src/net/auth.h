/* auth.h - where the bearer token comes from and how it is renewed when
 * the server refuses it (transport layer). */
#ifndef LOGDECK_AUTH_H
#define LOGDECK_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct client_cfg;

/* Longest access token taken from any source: it must fit one HTTP
 * header line (client.c). */
#define AUTH_MAX_TOKEN 4096

/* The token sources, in the order they are tried. Strings are borrowed
 * and must outlive the auth object. */
struct auth_opts {
	const char *token;         /* --token or LOGDECK_TOKEN, used as is */
	const char *token_command; /* a command whose first output line is
	                            * the token; re-run to renew */
	const char *refresh_token; /* LOGDECK_REFRESH_TOKEN */
	const char *client_id;     /* with client_secret: client credentials */
	const char *client_secret; /* LOGDECK_CLIENT_SECRET */
};

struct auth;

/* True for a usable token: 1 to AUTH_MAX_TOKEN bytes, no control
 * characters (a CR or LF would smuggle in a header of its own). */
bool auth_token_ok(const char *v, size_t len);

/* Create the token holder; NULL on allocation failure. */
struct auth *auth_new(const struct auth_opts *o);
/* Wipe and free every token; NULL is fine. */
void auth_free(struct auth *a);
/* The current access token, or NULL when there is none. */
const char *auth_token(const struct auth *a);
/* Counts renewals, so a stream can tell whether the token changed since
 * it connected (then it just reconnects instead of renewing again). */
unsigned auth_generation(const struct auth *a);
/* Get the first token from whatever source was given; 0, or -1 with a
 * message in err (which never holds a token). */
int auth_start(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen);
/* Replace a refused or expired token: the refresh endpoint, then client
 * credentials, then the token command. Blocking but bounded; 0, or -1
 * when nothing can renew it. */
int auth_renew(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen);

#endif
