/* client.h - how to reach the log server, shared by streams and API calls
 * (transport layer). */
#ifndef LOGDECK_CLIENT_H
#define LOGDECK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct auth;

/* Largest JSON answer taken from the server: a list of automations, or a
 * page of the polling API. */
#define CLIENT_MAX_BODY (64 * 1024 * 1024)

struct client_cfg {
	const char *server;  /* base URL without trailing slash */
	struct auth *auth;   /* the bearer token's source, or NULL */
	const char *ca_file; /* extra CA bundle or NULL */
	bool insecure;       /* skip TLS verification (--insecure) */
	bool http2;        /* --http2: HTTP/2 with prior knowledge on http:// */
	long heartbeat_ms; /* server heartbeat; a stream is stalled at 3x */
	long backoff_cap_ms; /* reconnect delay cap (30 s) */
	size_t max_event;    /* SSE line/event cap in bytes */
	int verbose;         /* debug log to stderr */
};

/* Apply the common options (TLS, proxy from environment, auth header
 * list, user agent) to an easy handle; *hdrs receives a header list the
 * caller must keep alive while the handle uses it and free afterwards. */
void client_setup(const struct client_cfg *c, CURL *easy,
    struct curl_slist **hdrs, const char *accept);
/* True when transfers to the server will be HTTP/2 (https, where ALPN
 * offers it, or --http2), so streams may wait to share a connection. */
bool client_multiplexed(const struct client_cfg *c);
/* Build "server/api/KIND/ID[suffix]" with the id URL-escaped; caller frees. */
char *client_url(const struct client_cfg *c, const char *kind_path,
    const char *id, const char *suffix);
/* Blocking GET for start-up look-ups and the one-shot fetch, never from
 * inside the loop (fetch.h is the loop's); returns the HTTP status (0 on
 * a transport error with err filled) and the body in *body (caller
 * frees). */
long client_get_sync(const struct client_cfg *c, const char *url, char **body,
    size_t *len, char *err, size_t errlen);

/* A Retry-After header value (n bytes at v, seconds or an HTTP date)
 * in ms, clamped as policy_retry_after_ms does; -1 when unusable. */
long client_retry_after_ms(const char *v, size_t n);

#endif
