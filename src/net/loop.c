/* loop.c - the single-threaded epoll loop: fds, signals, timers and the
 * libcurl multi handle, driven by curl_multi_socket_action so that a pass
 * costs what is ready, not every socket held (1,000 idle streams with
 * heartbeats wake the loop ~1,000 times a second). */
#include "net/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* Longest sleep when nothing is due: only a safety net, every real wake-up
 * comes from an fd, a timer or curl's own deadline. */
#define LOOP_MAX_SLEEP_MS 60000
/* Bytes of stream data one pass hands to write callbacks (loop_slice_take)
 * before the rest waits for the next pass, which reads input first: a
 * keypress waits for at most about one slice of parsing, not for every
 * socket to be drained. */
#define LOOP_SLICE_BYTES (256 * 1024)
/* ... and the wall time it may spend parsing: on a loaded machine the
 * bytes of a slice can take ten times their CPU time (the process is
 * preempted between them), and a key waits for the whole slice. A write
 * callback hands at most 16 KiB, so a pass overshoots by one of those. */
#define LOOP_SLICE_US 8000
/* Ready fds one epoll_wait returns; the rest stay ready (level-triggered)
 * and come in the next pass. */
#define LOOP_EPOLL_EVENTS 256
/* epoll data of the loop's own fds: the fd with this bit set; curl's
 * sockets carry the bare fd. */
#define LOOP_OWN_FD (1ULL << 32)

struct loop_fd {
	int fd;
	void (*cb)(int, void *);
	void *arg;
	bool always; /* epoll refuses it (a regular file): always ready */
};

struct loop_sig {
	int sig;
	void (*cb)(int, void *);
	void *arg;
	struct sigaction old;
};

struct loop_xfer {
	CURL *easy;
	void (*done)(CURL *, CURLcode, void *);
	void *arg;
	bool paused;     /* its write callback paused it: resume next pass */
	CURLcode failed; /* resuming it failed with this: finish it */
};

struct loop {
	CURLM *multi;
	int epfd;
	bool curl_due;      /* curl asked for a timeout action */
	uint64_t curl_when; /* ... at this loop_now() */
	struct loop_fd fds[LOOP_MAX_FDS];
	int nfds;
	struct loop_sig sigs[LOOP_MAX_SIGNALS];
	int nsigs;
	struct loop_xfer *xfers;
	size_t nxfers, capxfers;
	struct loop_timer *timers; /* root of the heap of armed timers */
	uint64_t timer_seq;        /* arming order, the heap's tie-break */
	uint64_t pass;
	bool in_pass;      /* loop_run is between two waits */
	uint64_t pass_now; /* loop_pass_now: loop_now() as this pass read it */
	size_t slice_used; /* bytes loop_slice_take granted this pass */
	uint64_t slice_start_us; /* loop_now_us() when this slice began */
	bool slice_spent;   /* by bytes, time or loop_slice_yield */
	bool slice_yielded; /* loop_slice_yield: this pass parses nothing */
	size_t npaused;    /* transfers with paused set */
	void (*before_sleep)(void *);
	void *before_sleep_arg;
	void (*pass_hook)(const struct loop_pass *, void *);
	void *pass_hook_arg;
	bool stopped;
	int code;
};

/* The self-pipe: the only thing signal handlers touch. One per process,
 * because signal handlers cannot find a loop any other way. */
static int loop_sigpipe[2] = {-1, -1};

uint64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
loop_pass_now(const struct loop *l)
{
	return l->in_pass ? l->pass_now : loop_now();
}

uint64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* CURLMOPT_SOCKETFUNCTION: watch socket s as curl asks. */
static int
loop_on_curl_socket(
    CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct loop *l = userp;
	struct epoll_event ev;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		/* It may be closed already: epoll then forgot it itself. */
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
	            (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t)(unsigned)s;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, s, &ev) != 0 &&
	    (errno != ENOENT || epoll_ctl(l->epfd, EPOLL_CTL_ADD, s, &ev) != 0))
		return -1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants a timeout action in ms (-1: none). */
static int
loop_on_curl_timer(CURLM *multi, long ms, void *userp)
{
	struct loop *l = userp;

	(void)multi;
	l->curl_due = ms >= 0;
	l->curl_when = loop_now() + (ms > 0 ? (uint64_t)ms : 0);
	return 0;
}

/* Read curl's next deadline after a round of socket actions. The timer
 * callback reports only changes of its earliest expiry: a timeout action
 * run a little early (our clock is in ms) finds nothing due, and curl,
 * seeing the same expiry as the one it reported, stays silent, so a
 * deadline the loop dropped would be lost until other traffic (a paused
 * transfer then waited ~10 s). */
static void
loop_curl_deadline(struct loop *l)
{
	long ms;

	if (curl_multi_timeout(l->multi, &ms) != CURLM_OK)
		return;
	l->curl_due = ms >= 0;
	l->curl_when = loop_now() + (ms > 0 ? (uint64_t)ms : 0);
}

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->multi = curl_multi_init();
	if (l->multi == NULL) {
		close(l->epfd);
		free(l);
		return NULL;
	}
	curl_multi_setopt(
	    l->multi, CURLMOPT_SOCKETFUNCTION, loop_on_curl_socket);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, loop_on_curl_timer);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	return l;
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nxfers; i++)
		curl_multi_remove_handle(l->multi, l->xfers[i].easy);
	free(l->xfers);
	for (i = 0; i < (size_t)l->nsigs; i++)
		sigaction(l->sigs[i].sig, &l->sigs[i].old, NULL);
	if (l->nsigs > 0 && loop_sigpipe[0] != -1) {
		close(loop_sigpipe[0]);
		close(loop_sigpipe[1]);
		loop_sigpipe[0] = loop_sigpipe[1] = -1;
	}
	curl_multi_cleanup(l->multi);
	close(l->epfd);
	free(l);
}

int
loop_add_fd(struct loop *l, int fd, void (*cb)(int, void *), void *arg)
{
	struct epoll_event ev;

	if (l->nfds == LOOP_MAX_FDS)
		return -1;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = LOOP_OWN_FD | (uint64_t)(unsigned)fd;
	l->fds[l->nfds].always = false;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		/* A regular file (stdin redirected) or no open fd: poll()
		 * reported those at once (readable, or POLLNVAL), so the
		 * loop calls them ready at every pass too. */
		if (errno != EPERM && errno != EBADF)
			return -1;
		l->fds[l->nfds].always = true;
	}
	l->fds[l->nfds].fd = fd;
	l->fds[l->nfds].cb = cb;
	l->fds[l->nfds].arg = arg;
	l->nfds++;
	return 0;
}

void
loop_remove_fd(struct loop *l, int fd)
{
	int i;

	for (i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == fd) {
			if (!l->fds[i].always)
				epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->fds[i] = l->fds[--l->nfds];
			return;
		}
	}
}

/* The handler: one byte into the self-pipe, errno preserved. */
static void
loop_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(loop_sigpipe[1], &c, 1) < 0) {
		/* The pipe is full: signals are already pending. */
	}
	errno = saved;
}

/* Read the self-pipe and hand each signal to its callback. */
static void
loop_read_signals(int fd, void *arg)
{
	struct loop *l = arg;
	unsigned char c[64];
	ssize_t n, i;
	int j;

	while ((n = read(fd, c, sizeof c)) > 0) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < l->nsigs; j++) {
				if (l->sigs[j].sig == c[i])
					l->sigs[j].cb(c[i], l->sigs[j].arg);
			}
		}
	}
}

int
loop_add_signal(struct loop *l, int sig, void (*cb)(int, void *), void *arg)
{
	struct sigaction sa;
	int i;

	if (l->nsigs == LOOP_MAX_SIGNALS)
		return -1;
	if (loop_sigpipe[0] == -1) {
		if (pipe(loop_sigpipe) != 0)
			return -1;
		for (i = 0; i < 2; i++) {
			fcntl(loop_sigpipe[i], F_SETFL,
			    fcntl(loop_sigpipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(loop_sigpipe[i], F_SETFD, FD_CLOEXEC);
		}
		if (loop_add_fd(l, loop_sigpipe[0], loop_read_signals, l) != 0)
			return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	l->sigs[l->nsigs].sig = sig;
	l->sigs[l->nsigs].cb = cb;
	l->sigs[l->nsigs].arg = arg;
	if (sigaction(sig, &sa, &l->sigs[l->nsigs].old) != 0)
		return -1;
	l->nsigs++;
	return 0;
}

void
loop_timer_init(struct loop_timer *t, void (*cb)(void *), void *arg)
{
	memset(t, 0, sizeof *t);
	t->cb = cb;
	t->arg = arg;
}

/* Whether timer a is due before b: by time, then by arming order. */
static bool
loop_timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

/* Meld two heaps (roots with no siblings); the new root. */
static struct loop_timer *
loop_heap_meld(struct loop_timer *a, struct loop_timer *b)
{
	struct loop_timer *t;

	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	if (loop_timer_before(b, a)) {
		t = a;
		a = b;
		b = t;
	}
	b->prev = a;
	b->next = a->child;
	if (a->child != NULL)
		a->child->prev = b;
	a->child = b;
	return a;
}

/* Meld a list of sibling heaps into one, in two passes (pairs left to
 * right, then the pairs right to left): O(log n) amortised. */
static struct loop_timer *
loop_heap_pairs(struct loop_timer *first)
{
	struct loop_timer *stack = NULL, *a, *b, *rest, *root = NULL;

	while (first != NULL) {
		a = first;
		b = a->next;
		rest = b != NULL ? b->next : NULL;
		a->next = a->prev = NULL;
		if (b != NULL)
			b->next = b->prev = NULL;
		a = loop_heap_meld(a, b);
		a->next = stack;
		stack = a;
		first = rest;
	}
	while (stack != NULL) {
		a = stack;
		stack = a->next;
		a->next = NULL;
		root = loop_heap_meld(root, a);
	}
	return root;
}

/* Take timer t (in the heap) out of it. */
static void
loop_heap_remove(struct loop *l, struct loop_timer *t)
{
	struct loop_timer *sub = loop_heap_pairs(t->child);

	if (t == l->timers)
		l->timers = sub;
	else {
		if (t->prev->child == t)
			t->prev->child = t->next;
		else
			t->prev->next = t->next;
		if (t->next != NULL)
			t->next->prev = t->prev;
		l->timers = loop_heap_meld(l->timers, sub);
	}
	t->child = t->next = t->prev = NULL;
	t->listed = false;
}

void
loop_timer_in(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	if (t->listed)
		loop_heap_remove(l, t);
	t->when = loop_now() + ms;
	t->armed = true;
	t->seq = l->timer_seq++;
	t->child = t->next = t->prev = NULL;
	l->timers = loop_heap_meld(l->timers, t);
	t->listed = true;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	t->armed = false;
	if (t->listed)
		loop_heap_remove(l, t);
}

/* Fire every due timer once, earliest first. A callback may arm, stop or
 * free any timer (after stopping it): the heap's root is read afresh
 * after each. fired_pass keeps a timer re-armed for "now" from firing
 * twice in one pass; it sorts after every timer due before it, so the
 * pass ends there. O(log n) per timer fired, nothing per timer held. */
static void
loop_run_timers(struct loop *l, uint64_t now)
{
	struct loop_timer *t;

	while ((t = l->timers) != NULL && t->when <= now &&
	       t->fired_pass != l->pass) {
		loop_heap_remove(l, t);
		t->armed = false;
		t->fired_pass = l->pass;
		t->cb(t->arg);
	}
}

/* Milliseconds until the earliest armed timer or curl's deadline,
 * capped. */
static int
loop_next_timeout(struct loop *l, uint64_t now)
{
	struct loop_timer *t;
	uint64_t best = LOOP_MAX_SLEEP_MS;

	if (l->curl_due) {
		if (l->curl_when <= now)
			return 0;
		if (l->curl_when - now < best)
			best = l->curl_when - now;
	}
	if ((t = l->timers) != NULL) {
		if (t->when <= now)
			return 0;
		if (t->when - now < best)
			best = t->when - now;
	}
	return (int)best;
}

int
loop_add_transfer(struct loop *l, CURL *easy,
    void (*done)(CURL *, CURLcode, void *), void *arg)
{
	struct loop_xfer *x;

	if (l->nxfers == l->capxfers) {
		size_t cap = l->capxfers ? l->capxfers * 2 : 16;

		x = realloc(l->xfers, cap * sizeof *x);
		if (x == NULL)
			return -1;
		l->xfers = x;
		l->capxfers = cap;
	}
	if (curl_multi_add_handle(l->multi, easy) != CURLM_OK)
		return -1;
	x = &l->xfers[l->nxfers++];
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	x->paused = false;
	x->failed = CURLE_OK;
	return 0;
}

/* Grant n bytes of this pass's slice to a write callback of easy, or mark
 * easy paused once the slice is spent. */
bool
loop_slice_take(struct loop *l, CURL *easy, size_t n)
{
	long version = 0;
	size_t i;

	if (!l->slice_spent && l->slice_used < LOOP_SLICE_BYTES &&
	    (l->slice_used == 0 ||
	        loop_now_us() - l->slice_start_us < LOOP_SLICE_US)) {
		l->slice_used += n;
		return true;
	}
	l->slice_spent = true; /* the rest of the pass waits */
	/* libcurl 7.88 may stall an HTTP/2 stream after pause and resume
	 * (NOTES-streaming.md): those are never paused. */
	if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) !=
	        CURLE_OK ||
	    version >= CURL_HTTP_VERSION_2_0)
		return true;
	for (i = 0; i < l->nxfers; i++) {
		if (l->xfers[i].easy == easy) {
			if (!l->xfers[i].paused) {
				l->xfers[i].paused = true;
				l->npaused++;
			}
			return false;
		}
	}
	return true; /* not one of ours: nothing would resume it */
}

void
loop_slice_yield(struct loop *l)
{
	l->slice_yielded = true;
	l->slice_spent = true;
}

static void loop_drop_xfer(struct loop *l, size_t i);

/* Start a new slice and resume the transfers the last one paused (not in
 * a pass that gave its slice away: loop_run skips this then); curl
 * may hand them their held data at once, from inside curl_easy_pause. */
static void
loop_resume_transfers(struct loop *l)
{
	size_t i;
	CURLcode rc;
	bool failed = false;

	l->slice_used = 0;
	l->slice_spent = false;
	l->slice_start_us = loop_now_us();
	for (i = 0; i < l->nxfers && l->npaused > 0; i++) {
		if (!l->xfers[i].paused)
			continue;
		l->xfers[i].paused = false;
		l->npaused--;
		/* Curl hands the held data to the write callback from in
		 * here; when that fails (a stream closing returns 0) curl
		 * returns the error without scheduling the transfer again,
		 * and with socket actions nothing would visit it until its
		 * connect timeout (10 s): it is finished below instead. */
		rc = curl_easy_pause(l->xfers[i].easy, CURLPAUSE_CONT);
		if (rc != CURLE_OK) {
			l->xfers[i].failed = rc;
			failed = true;
		}
	}
	/* done may add or remove transfers: search again after each. */
again:
	for (i = 0; failed && i < l->nxfers; i++) {
		if (l->xfers[i].failed != CURLE_OK) {
			struct loop_xfer x = l->xfers[i];

			loop_drop_xfer(l, i);
			x.done(x.easy, x.failed, x.arg);
			goto again;
		}
	}
}

/* Forget the transfer at index i (swap-remove). */
static void
loop_drop_xfer(struct loop *l, size_t i)
{
	if (l->xfers[i].paused)
		l->npaused--;
	curl_multi_remove_handle(l->multi, l->xfers[i].easy);
	l->xfers[i] = l->xfers[--l->nxfers];
}

void
loop_remove_transfer(struct loop *l, CURL *easy)
{
	size_t i;

	for (i = 0; i < l->nxfers; i++) {
		if (l->xfers[i].easy == easy) {
			loop_drop_xfer(l, i);
			return;
		}
	}
}

/* Hand finished transfers to their owners, after taking them off the
 * multi handle so that done may re-add or free the easy handle. */
static void
loop_reap_transfers(struct loop *l)
{
	CURLMsg *msg;
	int left;
	size_t i;

	while ((msg = curl_multi_info_read(l->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (i = 0; i < l->nxfers; i++) {
			if (l->xfers[i].easy == msg->easy_handle) {
				struct loop_xfer x = l->xfers[i];
				CURLcode rc = msg->data.result;

				loop_drop_xfer(l, i);
				x.done(x.easy, rc, x.arg);
				break;
			}
		}
	}
}

void
loop_set_before_sleep(struct loop *l, void (*cb)(void *), void *arg)
{
	l->before_sleep = cb;
	l->before_sleep_arg = arg;
}

/* Call the callback of own fd fd, if it is still watched (callbacks may
 * remove fds). */
static void
loop_fd_ready(struct loop *l, int fd)
{
	int j;

	for (j = 0; j < l->nfds; j++) {
		if (l->fds[j].fd == fd) {
			l->fds[j].cb(fd, l->fds[j].arg);
			return;
		}
	}
}

void
loop_set_pass_hook(struct loop *l,
    void (*cb)(const struct loop_pass *, void *), void *arg)
{
	l->pass_hook = cb;
	l->pass_hook_arg = arg;
}

/* With a pass hook: the microseconds since *mark (then moved to now),
 * saturated; without one, 0 and no clock read. */
static uint32_t
loop_lap(const struct loop *l, uint64_t *mark)
{
	uint64_t now, d;

	if (l->pass_hook == NULL)
		return 0;
	now = loop_now_us();
	d = now - *mark;
	*mark = now;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

int
loop_run(struct loop *l)
{
	struct loop_pass ps;
	uint64_t mark = 0;
	bool yielded;
	struct epoll_event evs[LOOP_EPOLL_EVENTS];
	int always[LOOP_MAX_FDS];
	int i, n, nalways, running, timeout, flags;

	/* A loop_stop before loop_run (say, every stream already failed
	 * while being opened) makes it return at once. */
	while (!l->stopped) {
		l->pass++;
		for (i = nalways = 0; i < l->nfds; i++) {
			if (l->fds[i].always)
				always[nalways++] = l->fds[i].fd;
		}
		/* Paused transfers hold data: only look for input, unless
		 * this pass gave its slice away (it then sleeps until its
		 * timers, as if nothing were held). */
		timeout = (l->npaused > 0 && !l->slice_yielded) || nalways > 0
		              ? 0
		              : loop_next_timeout(l, loop_now());
		if (l->pass_hook != NULL)
			mark = loop_now_us();
		n = epoll_wait(l->epfd, evs, LOOP_EPOLL_EVENTS, timeout);
		if (n < 0) {
			if (errno != EINTR)
				return -1;
			n = 0;
		}
		memset(&ps, 0, sizeof ps);
		ps.sleep_us = loop_lap(l, &mark);
		ps.start_us = mark;
		ps.nready = n;
		/* Input first. */
		for (i = 0; i < nalways; i++)
			loop_fd_ready(l, always[i]);
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 & LOOP_OWN_FD)
				loop_fd_ready(
				    l, (int)(evs[i].data.u64 & ~LOOP_OWN_FD));
		}
		ps.input_us = loop_lap(l, &mark);
		yielded = l->slice_yielded;
		/* Then one slice of stream data: first what the last slice
		 * paused (resuming sets curl's deadline to now) and curl's
		 * due timeouts, then the sockets that are ready. */
		l->pass_now = loop_now();
		l->in_pass = true;
		if (!l->slice_yielded)
			loop_resume_transfers(l);
		ps.resume_us = loop_lap(l, &mark);
		if (l->curl_due && l->curl_when <= l->pass_now) {
			l->curl_due = false;
			curl_multi_socket_action(
			    l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		for (i = 0; i < n; i++) {
			/* A pass that gave its slice away leaves the sockets
			 * ready (level-triggered) for the next one. */
			if ((evs[i].data.u64 & LOOP_OWN_FD) || l->slice_yielded)
				continue;
			/* As curl maps poll(): an error or hang-up is read
			 * (and written) to find out what it was. */
			flags = 0;
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_IN;
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_OUT;
			curl_multi_socket_action(l->multi,
			    (curl_socket_t)evs[i].data.u64, flags, &running);
		}
		l->slice_yielded = false;
		ps.sockets_us = loop_lap(l, &mark);
		loop_curl_deadline(l);
		loop_reap_transfers(l);
		ps.curl_us = ps.resume_us + ps.sockets_us + loop_lap(l, &mark);
		ps.bytes = yielded ? 0 : l->slice_used;
		l->pass_now = loop_now();
		loop_run_timers(l, l->pass_now);
		ps.timers_us = loop_lap(l, &mark);
		if (l->before_sleep != NULL)
			l->before_sleep(l->before_sleep_arg);
		l->in_pass = false;
		if (l->pass_hook != NULL) {
			ps.after_us = loop_lap(l, &mark);
			ps.paused = l->npaused;
			l->pass_hook(&ps, l->pass_hook_arg);
		}
	}
	return l->code;
}

void
loop_stop(struct loop *l, int code)
{
	l->stopped = true;
	l->code = code;
}
