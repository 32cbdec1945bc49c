/* auth.h - where the bearer token comes from and how it is renewed when
 * the server refuses it: every token source (--token, LOGDECK_TOKEN, a
 * profile's token, token_command, token_file, token_env) and every way of
 * renewing (refresh token, client credentials, the command again) lives
 * here (transport layer). */
#ifndef LOGDECK_AUTH_H
#define LOGDECK_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct client_cfg;
struct loop;

/* Longest access token taken from any source: it must fit one HTTP
 * header line (client.c). */
#define AUTH_MAX_TOKEN 4096
/* Most bytes read from a token command or token file (the token itself,
 * its first line, is limited to AUTH_MAX_TOKEN). */
#define AUTH_MAX_TOKEN_READ 16384
/* How long token_command may run before it is killed and that is an
 * error, unless the profile's token_command_timeout says otherwise. */
#define AUTH_COMMAND_TIMEOUT_MS 30000

/* Why a refused token stays refused when no source can renew it. */
#define AUTH_CANNOT_RENEW \
	"the server refused the token and nothing can renew it (no " \
	"refresh token, credentials or token_command)"

/* Where the first token comes from (for --print-config and messages). */
enum auth_origin {
	AUTH_FROM_NONE,
	AUTH_FROM_CLI,    /* --token */
	AUTH_FROM_ENV,    /* LOGDECK_TOKEN */
	AUTH_FROM_INLINE, /* the profile's token: */
	/* The ones below are read only when needed. */
	AUTH_FROM_COMMAND,
	AUTH_FROM_FILE,
	AUTH_FROM_ENV_NAMED, /* the profile's token_env */
};

/* The token sources; the first set of cli_token, env_token, token,
 * token_command, token_file, token_env gives the token. Strings are
 * borrowed and must outlive the auth object. */
struct auth_opts {
	const char *cli_token;     /* --token */
	const char *env_token;     /* LOGDECK_TOKEN's value ("" is unset) */
	const char *profile;       /* the profile's name, for messages */
	const char *token;         /* the profile's token: */
	const char *token_command; /* run with /bin/sh -c; its first output
	                            * line is the token; re-run to renew */
	const char *token_file;    /* first line; refused unless private */
	const char *token_env;     /* name of an environment variable */
	long command_timeout_ms;   /* 0: AUTH_COMMAND_TIMEOUT_MS */
	const char *refresh_token; /* LOGDECK_REFRESH_TOKEN */
	const char *client_id;     /* with client_secret: client credentials */
	const char *client_secret; /* LOGDECK_CLIENT_SECRET */
};

struct auth;

/* True for a usable token: 1 to AUTH_MAX_TOKEN bytes, no control
 * characters (a CR or LF would smuggle in a header of its own). */
bool auth_token_ok(const char *v, size_t len);

/* Which source gives the token, without running or reading it. */
enum auth_origin auth_origin(const struct auth_opts *o);
/* How an origin is named ("token_command", "LOGDECK_TOKEN", ...). */
const char *auth_origin_name(enum auth_origin o);

/* Refuse a file that someone else owns, or that others can read when it
 * holds a secret (secret) or change when it names a command to run, the
 * way ssh treats keys and its config. what names the file ("token_file",
 * "the configuration file"). 0, or -1 with a message saying how to fix
 * it. */
int auth_file_private(int fd, const char *path, const char *what,
    bool secret, char *err, size_t errlen);

/* Create the token holder (the options are copied, their strings
 * borrowed); NULL on allocation failure. */
struct auth *auth_new(const struct auth_opts *o);
/* Wipe and free every token; NULL is fine. */
void auth_free(struct auth *a);
/* Take the first token from its source: a value, the file, or the
 * command, which runs here with the terminal's stdin and stderr (it may
 * prompt) and must end within its deadline. Before any loop runs. 0, or
 * -1 with a message in err that never holds the token (a failing
 * command, a token file others can read, ...): a configuration error. */
int auth_load(struct auth *a, char *err, size_t errlen);
/* The current access token, or NULL when there is none. */
const char *auth_token(const struct auth *a);
/* Counts renewals, so a stream can tell whether the token changed since
 * it connected (then it just reconnects instead of renewing again). */
unsigned auth_generation(const struct auth *a);
/* How a renewal ended. auth.c alone decides the kind; the streams, the
 * list and fetches act on it. */
enum auth_kind {
	AUTH_RENEWED, /* a new token */
	/* Failed for now: no answer (refused, reset, timed out), HTTP 5xx,
	 * 429 or 408, or an answer cut short or unreadable. Try again after
	 * the usual backoff: a restarting server or a network blip must not
	 * end a follow. */
	AUTH_TRANSIENT,
	/* Refused for good: the token endpoint answered with another status
	 * (400, 401, 403, ...), the token command failed, or nothing can
	 * renew. */
	AUTH_REFUSED,
};

/* What a waiter hears when the renewal ends; valid during the call. */
struct auth_outcome {
	enum auth_kind kind;
	/* AUTH_TRANSIENT: the token endpoint's Retry-After in ms (a floor
	 * for the next attempt), or -1. */
	long retry_after_ms;
	/* Why it failed (not AUTH_RENEWED); never holds a token. */
	const char *err;
};

/* A wait for a renewal, embedded in its owner (no allocation): done is
 * called once from the loop with the outcome. */
struct auth_wait {
	void (*done)(struct auth_wait *w, const struct auth_outcome *o);
	void *arg;
	/* auth's bookkeeping; do not touch. */
	struct auth_wait *next;
	bool waiting;
};

/* Set up a wait (not waiting). */
void auth_wait_init(struct auth_wait *w,
    void (*done)(struct auth_wait *w, const struct auth_outcome *o), void *arg);
/* True when something can renew a refused token: a refresh token, client
 * credentials or a token_command. */
bool auth_renewable(const struct auth *a);
/* Replace a refused or expired token without blocking the loop: the
 * refresh endpoint, then client credentials, then the token command
 * (detached: stdin /dev/null, stderr kept for the message), each a
 * transfer or a job on loop, until one gives a token. The outcome is
 * AUTH_TRANSIENT when no way gave one and at least one failed for now
 * (its message is the one told), AUTH_REFUSED when every way was refused.
 * One renewal runs at a time: a second caller waits for the same one.
 * Returns 0 (w->done will be called from the
 * loop, never from inside this call), or -1 with err when nothing can
 * renew it. */
int auth_renew(struct auth *a, struct loop *loop, const struct client_cfg *c,
    struct auth_wait *w, char *err, size_t errlen);
/* Stop waiting (done is not called); harmless when not waiting. When the
 * last waiter leaves, the renewal is abandoned (its command killed).
 * Call before freeing the owner or the loop. */
void auth_wait_cancel(struct auth *a, struct auth_wait *w);
/* auth_renew on a loop of its own, waiting for the end: for start-up,
 * before any other loop runs. 0 or -1 with err (either kind of
 * failure). */
int auth_renew_sync(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen);
/* Get the first token from a renewal source when no token was given
 * (blocking, at start-up); 0, or -1 with a message in err (which never
 * holds a token). */
int auth_start(
    struct auth *a, const struct client_cfg *c, char *err, size_t errlen);

#endif
