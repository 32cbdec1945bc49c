/* conn.c - the server's client connections: --max-connections,
 * --header-timeout and --body-timeout over libevent 2.1's evhttp (see
 * conn.h).
 *
 * libevent 2.1.12 has no connection limit, no callback for a new
 * connection and no way to hand it an accepted descriptor, so:
 * - every accepted connection is seen as evhttp asks for its bufferevent
 *   (evhttp_set_bevcb) and counted;
 * - its close is learnt from evhttp_connection_set_closecb, set once per
 *   connection as soon as evhttp has made it (a deferred step in the same
 *   loop turn). The evhttp_connection is found from the bufferevent's
 *   callback argument (bufferevent_getcb): that evhttp passes the
 *   connection there is NOT documented (true of 2.0 to 2.2); the step
 *   checks it (evhttp_connection_get_bufferevent gives the bufferevent
 *   back) and otherwise logs and turns the cap off, and
 *   test_server_limits.py's cap test fails, as nothing is refused;
 * - at the cap, evhttp's listeners are disabled and an event of ours on
 *   the same listening sockets accepts, answers a fixed 503 and closes;
 *   below it again, evhttp's listeners take over;
 * - the request head is watched on the bufferevent's input buffer
 *   (evbuffer_add_cb, run as bytes arrive, before evhttp parses them):
 *   from its first byte a timer runs until the empty line that ends it;
 *   at the deadline the socket is shut down and evhttp closes it;
 * - from that empty line the same timer runs again, for the body, until
 *   evhttp hands over the request read whole (conn_request_read); at the
 *   deadline a fixed 408 is written straight to the socket (evhttp writes
 *   nothing while it reads a body; the 408 only goes when its output is
 *   empty) and the socket is shut down as for a head. Bytes coming in do
 *   not move either deadline. */
#define _GNU_SOURCE /* accept4 */
#include "config.h"

#include "conn.h"
#include "metrics.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

/* Most listeners one manager serves (--listen and --metrics-listen). */
#define CONN_LISTENERS 2
/* Buckets of the connection table (a power of two). */
#define CONN_BUCKETS 4096
/* Most request bytes read (and dropped) from a refused connection before
 * its 503, so that closing it does not reset the answer away. */
#define CONN_REFUSE_DRAIN 16384
/* Pause of the refusing accept after an accept error (out of
 * descriptors), as api.c pauses evhttp's. */
#define CONN_REFUSE_PAUSE_MS 1000

/* The answer of a connection over the cap. */
static const char conn_refusal[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 52\r\n"
    "\r\n"
    "{\"error\": \"too many connections open; retry later\"}\n";
_Static_assert(sizeof "{\"error\": \"too many connections open; retry "
                      "later\"}\n" -
                       1 ==
                   52,
    "Content-Length of conn_refusal");
_Static_assert(CONN_RETRY_AFTER_S == 1, "Retry-After of conn_refusal");

/* The answer of a request whose body did not come in time. */
static const char conn_body_late[] =
    "HTTP/1.1 408 Request Timeout\r\n"
    "Content-Type: application/json\r\n"
    "Connection: close\r\n"
    "Content-Length: 61\r\n"
    "\r\n"
    "{\"error\": \"request body not complete within --body-timeout\"}\n";
_Static_assert(sizeof "{\"error\": \"request body not complete within "
                      "--body-timeout\"}\n" -
                       1 ==
                   61,
    "Content-Length of conn_body_late");

/* Where a connection is in its request. */
enum conn_state {
	CONN_IDLE, /* before a head's first byte */
	CONN_HEAD, /* in a head: the head's deadline runs */
	CONN_BODY  /* head over, until the request is read whole: the body's
	            * deadline runs */
};

/* One connection. Owned by the manager; freed in conn_closed. */
struct conn {
	struct conn_mgr *m;
	struct conn *next;    /* in its table bucket */
	struct conn *pending; /* in m->pending until evhttp made it */
	struct bufferevent *bev;
	struct evhttp_connection *evcon; /* NULL while pending */
	struct evbuffer_cb_entry *watch;
	struct event *deadline;
	enum conn_state state;
	int eols;  /* line ends in a row (CR not counted) */
	bool text; /* the head has a byte other than a line end */
	void (*user_cb)(struct evhttp_connection *, void *);
	void *user_arg;
};

struct conn_mgr {
	struct event_base *base;
	size_t max, open;
	struct timeval header_timeout;
	struct timeval body_timeout;
	struct event *hook;   /* the deferred step of new connections */
	struct conn *pending; /* accepted, not yet hooked */
	struct conn *table[CONN_BUCKETS];
	struct evconnlistener *lev[CONN_LISTENERS];
	struct event *refuse[CONN_LISTENERS];
	int nlev;
	struct event *pause; /* re-adds the refusing accept */
	bool refusing;       /* at the cap: our accept instead of evhttp's */
	bool stopped;
	bool broken; /* libevent changed: counting stopped */
};

/* The one manager, for conn_set_closecb and conn_request_read. */
static struct conn_mgr *conn_active;

size_t
conn_default_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)CONN_DEFAULT_MAX + CONN_FD_RESERVE)
		return CONN_DEFAULT_MAX;
	if (rl.rlim_cur < (rlim_t)CONN_FD_RESERVE * 2)
		return rl.rlim_cur / 2 > 0 ? (size_t)rl.rlim_cur / 2 : 1;
	return (size_t)rl.rlim_cur - CONN_FD_RESERVE;
}

/* The table bucket of evcon. */
static struct conn **
conn_bucket(struct conn_mgr *m, const struct evhttp_connection *evcon)
{
	uintptr_t h = (uintptr_t)evcon;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
	return &m->table[(h >> 20) & (CONN_BUCKETS - 1)];
}

/* The connection of evcon, or NULL. */
static struct conn *
conn_find(struct conn_mgr *m, const struct evhttp_connection *evcon)
{
	struct conn *c;

	for (c = *conn_bucket(m, evcon); c != NULL; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* Use evhttp's listeners (false) or our refusing accept (true). */
static void
conn_refuse(struct conn_mgr *m, bool on)
{
	int i;

	if (m->refusing == on)
		return;
	m->refusing = on;
	if (m->stopped)
		return;
	for (i = 0; i < m->nlev; i++) {
		if (on) {
			evconnlistener_disable(m->lev[i]);
			event_add(m->refuse[i], NULL);
		} else {
			event_del(m->refuse[i]);
			evconnlistener_enable(m->lev[i]);
		}
	}
	if (!on)
		event_del(m->pause);
}

/* One connection fewer. */
static void
conn_gone(struct conn_mgr *m)
{
	if (m->open > 0)
		m->open--;
	if (m->open < m->max)
		conn_refuse(m, false);
}

/* evhttp closes c's connection: tell the holder's callback, forget c. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct conn_mgr *m = c->m;
	struct conn **pp;

	if (c->user_cb != NULL)
		c->user_cb(evcon, c->user_arg);
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	for (pp = conn_bucket(m, evcon); *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->watch);
	event_free(c->deadline);
	free(c);
	conn_gone(m);
}

/* A head's or a body's deadline: cut its connection (evhttp then reads
 * the end and closes it), after a 408 for a body when nothing else is
 * being written. */
static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int sock = bufferevent_getfd(c->bev);
	ssize_t n;

	if (c->state == CONN_HEAD) {
		metrics_add(METRICS_CONN_HEADER_TIMEOUT, 1);
	} else if (c->state == CONN_BODY) {
		metrics_add(METRICS_CONN_BODY_TIMEOUT, 1);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			/* evhttp has nothing queued: the answer goes after
			 * whatever it wrote before (a short answer fits the
			 * socket's buffer; otherwise it is only cut). */
			n = send(sock, conn_body_late, sizeof conn_body_late - 1,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n == (ssize_t)sizeof conn_body_late - 1)
				metrics_response(408);
		}
	} else
		return;
	shutdown(sock, SHUT_RDWR);
}

/* Look for the end of the head (an empty line: two line ends in a row,
 * CR or not, as evhttp reads lines) in n new bytes at p. */
static void
conn_scan(struct conn *c, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && c->state == CONN_HEAD; i++) {
		if (p[i] == '\n') {
			if (c->text && ++c->eols == 2) {
				c->state = CONN_BODY;
				event_add(c->deadline, &c->m->body_timeout);
			}
		} else if (p[i] != '\r') {
			c->eols = 0;
			c->text = true;
		}
	}
}

/* Bytes came into a connection's input: start the head's deadline at its
 * first byte, the body's at the head's end. */
static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v;
	size_t len = evbuffer_get_length(buf), left = info->n_added;

	if (left == 0 || c->state == CONN_BODY)
		return;
	if (left > len)
		left = len;
	if (c->state == CONN_IDLE) {
		c->state = CONN_HEAD;
		c->eols = 0;
		c->text = false;
		event_add(c->deadline, &c->m->header_timeout);
	}
	if (evbuffer_ptr_set(buf, &pos, len - left, EVBUFFER_PTR_SET) != 0)
		return;
	while (left > 0 && c->state == CONN_HEAD &&
	       evbuffer_peek(buf, (ev_ssize_t)left, &pos, &v, 1) > 0) {
		size_t n = v.iov_len < left ? v.iov_len : left;

		conn_scan(c, v.iov_base, n);
		left -= n;
		if (left > 0 &&
		    evbuffer_ptr_set(buf, &pos, n, EVBUFFER_PTR_ADD) != 0)
			break;
	}
}

/* The deferred step: evhttp has made the connections accepted this turn;
 * set the close callback and the head watch on each. */
static void
conn_hook(evutil_socket_t fd, short what, void *arg)
{
	struct conn_mgr *m = arg;
	struct conn *c;

	while ((c = m->pending) != NULL) {
		bufferevent_data_cb readcb = NULL;
		void *cbarg = NULL;
		struct bufferevent *bev = c->bev;
		struct evhttp_connection *evcon;

		m->pending = c->pending;
		bufferevent_getcb(bev, &readcb, NULL, NULL, &cbarg);
		evcon = cbarg;
		if (readcb == NULL || evcon == NULL ||
		    evhttp_connection_get_bufferevent(evcon) != bev) {
			/* Freed already (readcb NULL) or, if not, libevent
			 * no longer passes the connection: stop counting. */
			if (readcb != NULL && !m->broken) {
				m->broken = true;
				m->max = SIZE_MAX;
				util_log("cannot follow connections with this "
				         "libevent: --max-connections, "
				         "--header-timeout and --body-timeout "
				         "are off");
			}
			event_free(c->deadline);
			free(c);
			bufferevent_decref(bev);
			conn_gone(m);
			continue;
		}
		c->evcon = evcon;
		c->next = *conn_bucket(m, evcon);
		*conn_bucket(m, evcon) = c;
		evhttp_connection_set_closecb(evcon, conn_closed, c);
		c->watch =
		    evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c);
		bufferevent_decref(bev);
	}
}

/* evhttp accepted a connection and asks for its bufferevent (the default
 * one evhttp makes itself): count it, and hook it in the deferred step.
 * At the cap, our accept takes over. */
static struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct conn_mgr *m = arg;
	struct bufferevent *bev =
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct conn *c;

	if (bev == NULL || m->broken || (c = calloc(1, sizeof *c)) == NULL)
		return bev;
	if ((c->deadline = evtimer_new(base, conn_timeout, c)) == NULL) {
		free(c);
		return bev;
	}
	c->m = m;
	c->bev = bev;
	c->state = CONN_IDLE;
	/* Keeps bev's memory until the deferred step has looked at it. */
	bufferevent_incref(bev);
	c->pending = m->pending;
	m->pending = c;
	event_active(m->hook, 0, 0);
	if (++m->open >= m->max)
		conn_refuse(m, true);
	return bev;
}

/* Accept again after an accept error's pause, if still refusing. */
static void
conn_pause_end(evutil_socket_t fd, short what, void *arg)
{
	struct conn_mgr *m = arg;
	int i;

	if (m->refusing && !m->stopped)
		for (i = 0; i < m->nlev; i++)
			event_add(m->refuse[i], NULL);
}

/* A listening socket is readable while at the cap: accept, answer 503,
 * close. */
static void
conn_refuse_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct conn_mgr *m = arg;
	char drain[4096];
	size_t got = 0;
	ssize_t n;
	int fd, i;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		struct timeval tv = {CONN_REFUSE_PAUSE_MS / 1000,
		    CONN_REFUSE_PAUSE_MS % 1000 * 1000};

		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return;
		util_log("cannot accept connections (%s); pausing for %d ms",
		    strerror(errno), CONN_REFUSE_PAUSE_MS);
		for (i = 0; i < m->nlev; i++)
			event_del(m->refuse[i]);
		event_add(m->pause, &tv);
		return;
	}
	while (got < CONN_REFUSE_DRAIN &&
	       (n = recv(fd, drain, sizeof drain, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	/* A new socket's send buffer takes the short answer whole. */
	n = send(fd, conn_refusal, sizeof conn_refusal - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)n;
	shutdown(fd, SHUT_WR);
	close(fd);
	metrics_add(METRICS_CONN_REFUSED, 1);
}

struct conn_mgr *
conn_mgr_new(struct event_base *base, size_t max, int header_timeout_s,
    int body_timeout_s)
{
	struct conn_mgr *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->base = base;
	m->max = max > 0 ? max : 1;
	m->header_timeout.tv_sec = header_timeout_s;
	m->body_timeout.tv_sec = body_timeout_s;
	if ((m->hook = event_new(base, -1, 0, conn_hook, m)) == NULL ||
	    (m->pause = evtimer_new(base, conn_pause_end, m)) == NULL) {
		conn_mgr_free(m);
		return NULL;
	}
	conn_active = m;
	return m;
}

int
conn_mgr_attach(
    struct conn_mgr *m, struct evhttp *http, struct evconnlistener *lev)
{
	struct event *ev;

	if (m->nlev >= CONN_LISTENERS)
		return -1;
	ev = event_new(m->base, evconnlistener_get_fd(lev),
	    EV_READ | EV_PERSIST, conn_refuse_cb, m);
	if (ev == NULL)
		return -1;
	m->lev[m->nlev] = lev;
	m->refuse[m->nlev++] = ev;
	evhttp_set_bevcb(http, conn_bevcb, m);
	if (m->refusing && !m->stopped) {
		evconnlistener_disable(lev);
		event_add(ev, NULL);
	}
	return 0;
}

void
conn_mgr_resume(struct conn_mgr *m)
{
	int i;

	if (m->stopped || m->refusing)
		return;
	for (i = 0; i < m->nlev; i++)
		evconnlistener_enable(m->lev[i]);
}

void
conn_mgr_stop(struct conn_mgr *m)
{
	int i;

	m->stopped = true;
	for (i = 0; i < m->nlev; i++) {
		evconnlistener_disable(m->lev[i]);
		event_del(m->refuse[i]);
	}
	event_del(m->pause);
}

size_t
conn_mgr_open(const struct conn_mgr *m)
{
	return m->open;
}

void
conn_mgr_free(struct conn_mgr *m)
{
	struct conn *c;
	int i;

	if (m == NULL)
		return;
	/* Connections evhttp_free left (none, once it has run). */
	for (i = 0; i < CONN_BUCKETS; i++)
		while ((c = m->table[i]) != NULL) {
			m->table[i] = c->next;
			event_free(c->deadline);
			free(c);
		}
	while ((c = m->pending) != NULL) {
		m->pending = c->pending;
		bufferevent_decref(c->bev);
		event_free(c->deadline);
		free(c);
	}
	for (i = 0; i < m->nlev; i++)
		event_free(m->refuse[i]);
	if (m->hook != NULL)
		event_free(m->hook);
	if (m->pause != NULL)
		event_free(m->pause);
	if (conn_active == m)
		conn_active = NULL;
	free(m);
}

void
conn_set_closecb(struct evhttp_connection *evcon,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	struct conn *c =
	    conn_active != NULL ? conn_find(conn_active, evcon) : NULL;

	if (c == NULL) {
		evhttp_connection_set_closecb(evcon, cb, arg);
		return;
	}
	c->user_cb = cb;
	c->user_arg = arg;
}

void
conn_request_read(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct conn *c;

	if (conn_active == NULL || evcon == NULL ||
	    (c = conn_find(conn_active, evcon)) == NULL)
		return;
	c->state = CONN_IDLE;
	event_del(c->deadline);
}
