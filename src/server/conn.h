/* conn.h - the server's client connections: a cap on how many are open at
 * once (--max-connections), a deadline on each request head
 * (--header-timeout) and one on each request body (--body-timeout), on
 * top of libevent 2.1's evhttp, which has none of them.
 * One manager per process, on the event loop's thread. doc/api.md,
 * "Common rules", says what a client sees. */
#ifndef LOGDECK_SERVER_CONN_H
#define LOGDECK_SERVER_CONN_H

#include <stddef.h>

/* Descriptors kept out of the default cap for everything that is not a
 * client connection: listeners, the database connections, stdio, logs. */
#define CONN_FD_RESERVE 128
/* Largest default cap, whatever the descriptor limit allows. */
#define CONN_DEFAULT_MAX 65536
/* Largest --max-connections. */
#define CONN_MAX 1000000
/* Default --header-timeout (s): time from a request head's first byte to
 * its end (the empty line). */
#define CONN_HEADER_TIMEOUT_S 10
/* Default --body-timeout (s): time from a request head's end to its body
 * read whole, however its bytes trickle in. A whole API_BODY_MAX (8 MiB)
 * body comes in 67 s over 1 Mbit/s: 120 s leaves room for links down to
 * about 560 kbit/s, and a trickling client holds its connection 2 min. */
#define CONN_BODY_TIMEOUT_S 120
/* Retry-After (s) of the 503 a connection over the cap gets. */
#define CONN_RETRY_AFTER_S 1

struct event_base;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct evconnlistener;
struct conn_mgr;

/* The default cap: the descriptor limit (RLIMIT_NOFILE, as raised) less
 * CONN_FD_RESERVE, at most CONN_DEFAULT_MAX; half the limit when it is
 * under twice the reserve. */
size_t conn_default_max(void);

/* A manager of at most max connections whose request heads must be
 * complete header_timeout_s after their first byte, and their bodies
 * body_timeout_s after the head's end (else 408 and closed); NULL when
 * out of memory. The caller owns it (conn_mgr_free, after evhttp_free). */
struct conn_mgr *conn_mgr_new(struct event_base *base, size_t max,
    int header_timeout_s, int body_timeout_s);
/* Follow the connections http accepts on lev (evhttp_set_bevcb); over the
 * cap lev is set aside and a connection is answered 503 and closed.
 * Returns 0, or -1 when out of memory. At most two listeners. */
int conn_mgr_attach(
    struct conn_mgr *m, struct evhttp *http, struct evconnlistener *lev);
/* Accept again on the listeners after an accept error's pause (unless
 * over the cap or stopped). */
void conn_mgr_resume(struct conn_mgr *m);
/* Accept no more connections (shutdown). */
void conn_mgr_stop(struct conn_mgr *m);
/* Client connections open now. */
size_t conn_mgr_open(const struct conn_mgr *m);
void conn_mgr_free(struct conn_mgr *m);

/* evhttp_connection_set_closecb for code that holds a connection: the
 * manager keeps its own close callback on every connection and calls cb
 * (arg) from it; cb NULL forgets it. Without a manager, or for a
 * connection it does not follow, this is evhttp_connection_set_closecb. */
void conn_set_closecb(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg);
/* A request of req's connection was read whole (the evhttp request
 * callback): its head is over, the next one's deadline starts at its
 * first byte. */
void conn_request_read(struct evhttp_request *req);

#endif
