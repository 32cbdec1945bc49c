/* api.h - the HTTP API of the log server: routing, auth, JSON answers
 * (server transport layer, libevent evhttp). */
#ifndef LOGDECK_SERVER_API_H
#define LOGDECK_SERVER_API_H

#include <stdbool.h>
#include <stdint.h>

/* Largest request body; libevent answers 413 past it. */
#define API_BODY_MAX (8 * 1024 * 1024)
/* Largest request head (request line and headers). */
#define API_HEADERS_MAX (64 * 1024)
/* Seconds an idle or slow non-stream connection is kept. */
#define API_IDLE_TIMEOUT 60

/* Largest body of /api/auth/token and /api/auth/refresh. */
#define API_AUTH_BODY_MAX 4096
/* Seconds a client refused for too many streams is told to wait. */
#define API_RETRY_AFTER_S 5

struct tokens;
struct event_base;
struct store;
struct feed_mgr;
struct api;

/* Create the API on base; st, feeds and tokens (NULL: no authentication)
 * must outlive it. NULL on failure. */
struct api *api_new(struct event_base *base, struct store *st,
    struct feed_mgr *feeds, struct tokens *tokens);
struct conn_mgr;

/* Count and cap the connections of the listeners made from now on with
 * conns (it must outlive the API; NULL: none). */
void api_set_conns(struct api *a, struct conn_mgr *conns);
/* Stop accepting connections (a shutdown drains what is open). */
void api_stop_accepting(struct api *a);
/* Listen on host:port (port 0: any free one); *bound gets the port.
 * Returns 0, or -1. */
int api_listen(struct api *a, const char *host, int port, int *bound);
/* Serve /metrics (and /healthz, /readyz) on host:port as well, and no
 * longer on the main listener; *bound gets the port. Returns 0, or -1. */
int api_listen_metrics(struct api *a, const char *host, int port, int *bound);
/* Remember an ingest's Idempotency-Key for window_ms (default
 * STORE_IDEM_WINDOW_S seconds). */
void api_set_idem_window(struct api *a, int64_t window_ms);
/* Ask for "Authorization: Bearer token" on /metrics (NULL: nothing);
 * token is copied. Returns 0, or -1 when out of memory. */
int api_set_metrics_token(struct api *a, const char *token);
/* Close every connection and free the API; NULL is fine. Free the feed
 * manager first. */
void api_free(struct api *a);

#endif
