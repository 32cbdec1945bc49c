/* hook.h - the actions of rules that leave the process: a command run
 * as a job (net/job.c: pipes the loop watches, a deadline), and an HTTP POST to a webhook on the
 * shared curl multi handle (transport layer). Nothing here blocks the
 * loop; both are bounded (queue, concurrency, deadline, retries).
 *
 * A command is the operator's text, run as /bin/sh -c COMMAND; what
 * happened (log text included) reaches it only as environment variables,
 * never as part of the command line. A webhook gets the event as a JSON
 * body; log text never goes into its URL. Neither sees the log server's
 * token. */
#ifndef LOGDECK_HOOK_H
#define LOGDECK_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct hook;

/* Commands running at once; more wait in the queue. */
#define HOOK_MAX_RUNNING 4
/* Webhook posts in flight at once; more wait in the queue. */
#define HOOK_MAX_POSTING 4
/* Commands and posts waiting; past it the newest is dropped, counted and
 * told (hook_dropped). */
#define HOOK_QUEUE_MAX 64
/* Environment variables one command gets from its event. */
#define HOOK_MAX_ENV 16
/* Bytes of one variable's value (LOGDECK_MESSAGE): longer is cut. */
#define HOOK_ENV_VALUE_MAX (64 * 1024)
/* Largest webhook body. */
#define HOOK_POST_MAX_BODY (256 * 1024)
/* Attempts of one post (the first and the retries), the wait before the
 * first retry (doubled for each next one), and one attempt's deadline. */
#define HOOK_POST_ATTEMPTS 4
#define HOOK_POST_RETRY_MS 500
#define HOOK_POST_TIMEOUT_S 10
/* After a command's deadline: SIGTERM to its process group, then SIGKILL
 * this much later. */
#define HOOK_KILL_GRACE_MS 1000

/* How things ended, for the owner to tell (text is trusted: the hook
 * escapes nothing of its own; names are the operator's). */
typedef void (*hook_note_fn)(const char *what, void *arg);

/* A hook runner on loop; note (may be NULL) hears failures: a command
 * that exited non-zero or ran past its deadline, a post that failed for
 * good, a full queue. NULL when out of memory. */
struct hook *hook_new(struct loop *loop, hook_note_fn note, void *arg);
/* Stop everything (running commands are killed, posts abandoned) and
 * free; NULL is fine. */
void hook_free(struct hook *h);
/* Queue command (copied) with the variables env[0..nenv) as "NAME" and
 * value pairs (copied; a value is cut at its first NUL and at
 * HOOK_ENV_VALUE_MAX), killed after timeout_s. label names it in notes
 * (copied). 0, or -1 when the queue is full (counted). */
int hook_command(struct hook *h, const char *label, const char *command,
    long timeout_s, const char *const (*env)[2], size_t nenv);
/* Queue a POST of body (copied, JSON) to url (copied), retried on
 * transport errors and 5xx/429. 0, or -1 when the queue is full or the
 * body too large (counted). */
int hook_post(struct hook *h, const char *label, const char *url,
    const char *body, size_t len);
/* True when nothing is queued, running or in flight. */
bool hook_idle(const struct hook *h);
/* Actions dropped because the queue was full. */
uint64_t hook_dropped(const struct hook *h);

#endif
