/* loop.h - the single-threaded epoll loop: fds, signals, timers and the
 * libcurl multi handle (transport layer). */
#ifndef LOGDECK_LOOP_H
#define LOGDECK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

struct loop;

/* Upper bounds of the fds and signals the loop watches, far above what
 * logdeck uses (stdin and the signal pipe; curl's sockets are its own). */
#define LOOP_MAX_FDS 16
#define LOOP_MAX_SIGNALS 16

/* A one-shot timer. The owner embeds it (no allocation) and arms it with
 * loop_timer_in; the loop calls cb once when it is due. */
struct loop_timer {
	uint64_t when; /* loop_now() ms; meaningful while armed */
	bool armed;
	void (*cb)(void *arg);
	void *arg;
	/* The loop's bookkeeping; do not touch. Armed timers form a pairing
	 * heap by (when, seq): child is the first child, next the next
	 * sibling, prev the previous sibling or, for a first child, the
	 * parent. */
	struct loop_timer *child, *next, *prev;
	uint64_t seq;
	bool listed; /* in the heap */
	uint64_t fired_pass;
};

/* Milliseconds on the monotonic clock. */
uint64_t loop_now(void);
/* loop_now() as the current pass of loop_run read it, before the slice
 * of stream data and again before the timers; loop_now() outside a pass.
 * For work done per line (stall detection, rates): one clock read per
 * pass instead of one per line, which showed in the view's profile
 * (bench/RESULTS.md, row 2). At most one slice of stream data old. */
uint64_t loop_pass_now(const struct loop *l);

/* Create a loop with its curl multi handle; NULL on failure. */
struct loop *loop_new(void);
/* Free a loop; transfers still added are removed (not freed). NULL is fine. */
void loop_free(struct loop *l);

/* Call cb from the loop whenever fd is readable (or hung up). */
int loop_add_fd(
    struct loop *l, int fd, void (*cb)(int fd, void *arg), void *arg);
/* Stop watching fd. */
void loop_remove_fd(struct loop *l, int fd);
/* Deliver signal sig to cb from the loop (through a self-pipe), not from
 * the signal handler; 0 or -1. */
int loop_add_signal(
    struct loop *l, int sig, void (*cb)(int sig, void *arg), void *arg);

/* Set up a timer (disarmed). */
void loop_timer_init(struct loop_timer *t, void (*cb)(void *), void *arg);
/* Arm t for loop_now() + ms (re-arming moves it). */
void loop_timer_in(struct loop *l, struct loop_timer *t, uint64_t ms);
/* Disarm t; harmless when it is not armed. Call before freeing its owner. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);

/* Start a transfer on the shared multi handle; done is called from the
 * loop (never from inside a curl callback) when it finishes. */
int loop_add_transfer(struct loop *l, CURL *easy,
    void (*done)(CURL *easy, CURLcode rc, void *arg), void *arg);
/* Take a transfer off the multi handle without calling done. */
void loop_remove_transfer(struct loop *l, CURL *easy);
/* For a write callback of transfer easy that is about to use n bytes:
 * true when this pass's slice of stream data has room (it is charged n),
 * false when it is spent (LOOP_SLICE_BYTES or LOOP_SLICE_US of wall time
 * since the slice began, loop.c): the callback must then return
 * CURL_WRITEFUNC_PAUSE without using the bytes, and the loop resumes the
 * transfer next pass, after input (curl hands the same bytes again). A
 * pass thus parses about LOOP_SLICE_BYTES (loop.c), so input is never
 * held up behind every socket being drained. HTTP/2 transfers are never
 * paused (libcurl 7.88 may stall them after a resume). */
bool loop_slice_take(struct loop *l, CURL *easy, size_t n);

/* Give a pass's slice of stream data away, so that it goes on to
 * before_sleep (say, a redraw answering a key) without parsing: from an
 * fd callback, this pass's; from before_sleep, the next pass's, which
 * then sleeps until its timers even while transfers are paused. The pass
 * after that has a whole slice again. HTTP/2 transfers still deliver what
 * they read (they are never paused). */
void loop_slice_yield(struct loop *l);

/* Run cb once per loop pass, after all input is handled and before the
 * loop sleeps: the place to redraw or flush output. */
void loop_set_before_sleep(struct loop *l, void (*cb)(void *arg), void *arg);

/* What one loop pass did, for an instrument (loop_set_pass_hook): where
 * its time went, in microseconds, and how much stream data it parsed. */
struct loop_pass {
	uint64_t start_us;  /* loop_now_us() when the pass woke up */
	uint32_t sleep_us;  /* in epoll_wait before it */
	uint32_t input_us;  /* the own fds' callbacks (keys, signals) */
	uint32_t curl_us;   /* resumes, curl's timeouts and socket actions:
	                     * the write callbacks parsing stream data */
	uint32_t resume_us; /* of curl_us: resuming the paused transfers */
	uint32_t sockets_us; /* of curl_us: curl's timeouts and ready sockets */
	uint32_t timers_us; /* due timers' callbacks */
	uint32_t after_us;  /* the before_sleep callback */
	size_t bytes;       /* stream bytes granted by loop_slice_take */
	int nready;         /* fds epoll_wait reported */
	size_t paused;      /* transfers left paused for the next pass */
};

/* Microseconds on the monotonic clock. */
uint64_t loop_now_us(void);

/* Call cb at the end of every pass with what the pass did (NULL: stop).
 * The loop reads the clock around its phases only while a hook is set. */
void loop_set_pass_hook(struct loop *l,
    void (*cb)(const struct loop_pass *pass, void *arg), void *arg);

/* Run until loop_stop (which may come before this call); returns the code
 * given to it. */
int loop_run(struct loop *l);
/* Ask loop_run to return code after the current pass. */
void loop_stop(struct loop *l, int code);

#endif
