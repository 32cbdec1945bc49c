/* tokens.h - who may use the API: a static token and/or clients from an
 * auth file that trade their secret for short-lived access tokens and
 * longer-lived refresh tokens (server model layer, no I/O but reading the
 * file and /dev/urandom). Tokens are never logged. */
#ifndef LOGDECK_SERVER_TOKENS_H
#define LOGDECK_SERVER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest auth file read. */
#define TOKENS_FILE_MAX (1024 * 1024)
/* Most clients an auth file may list. */
#define TOKENS_CLIENTS_MAX 1024
/* Longest client_id and client_secret. */
#define TOKENS_FIELD_MAX 256
/* Live tokens (access and refresh together) kept per client; issuing one
 * more replaces the client's oldest. */
#define TOKENS_PER_CLIENT 64
/* Length of an issued token: hex digits. */
#define TOKENS_LEN 64

struct tokens;

struct tokens_cfg {
	const char *file;      /* YAML or JSON list of clients, or NULL */
	const char *token;     /* a static, never-expiring token, or NULL */
	int64_t token_ttl_s;   /* lifetime of access tokens */
	int64_t refresh_ttl_s; /* lifetime of refresh tokens */
};

/* What /api/auth/token and /api/auth/refresh answer. */
struct tokens_grant {
	char access[TOKENS_LEN + 1];
	char refresh[TOKENS_LEN + 1];
	int64_t expires_in; /* seconds the access token lives */
};

/* Results of tokens_check, tokens_issue and tokens_refresh. */
enum tokens_result {
	TOKENS_OK = 0,
	TOKENS_MISSING = -1, /* no token given */
	TOKENS_INVALID = -2, /* wrong, expired or revoked token or secret */
	TOKENS_ERROR = -3,   /* no randomness */
};

/* Load the configuration; NULL with a one-line reason in err (a file
 * group or others may read is refused). */
struct tokens *tokens_new(const struct tokens_cfg *cfg, char *err, size_t errlen);
/* Read the auth file at path again and swap its clients in: a client
 * still listed keeps its issued tokens (and takes a changed secret), one
 * no longer listed loses them, a new one can get tokens. On failure
 * (-1, a one-line reason in err) the clients in use stay as they were.
 * Invalidates the names tokens_check handed out. */
int tokens_reload(struct tokens *a, const char *path, char *err, size_t errlen);
/* Free everything; NULL is fine. */
void tokens_free(struct tokens *a);
/* True when requests need a token. */
bool tokens_required(const struct tokens *a);
/* True when clients can ask for tokens (an auth file was given). */
bool tokens_has_clients(const struct tokens *a);
/* Check an access token (n bytes, may be NULL) at now_ms. On TOKENS_OK,
 * *who names the client (valid until tokens_reload or tokens_free) and *expires_ms
 * is when the token expires (0: never). */
int tokens_check(struct tokens *a, const char *token, size_t n, int64_t now_ms,
    const char **who, int64_t *expires_ms);
/* Client credentials: a new access and refresh token. */
int tokens_issue(struct tokens *a, const char *client_id, const char *secret,
    int64_t now_ms, struct tokens_grant *out);
/* Trade a refresh token for a new pair; the old refresh token is revoked
 * (rotation), the old access token lives until it expires. */
int tokens_refresh(struct tokens *a, const char *refresh, int64_t now_ms,
    struct tokens_grant *out);

#endif
