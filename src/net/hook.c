/* hook.c - commands and webhook posts of rules (see hook.h). */
#define _GNU_SOURCE /* pipe2, asprintf */
#include "net/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/loop.h"

extern char **environ;

enum hook_kind { HOOK_CMD, HOOK_POST };
enum hook_state { HOOK_QUEUED, HOOK_ACTIVE, HOOK_RETRY };

struct hook_job {
	struct hook *h;
	enum hook_kind kind;
	enum hook_state state;
	char *label;
	struct hook_job *next;
	struct loop_timer timer; /* command deadline, or post retry */
	/* HOOK_CMD */
	char *command;
	long timeout_s;
	char *env[HOOK_MAX_ENV]; /* "NAME=value" */
	size_t nenv;
	pid_t pid;
	int fd;         /* the read end of its stdout and stderr, or -1 */
	bool term_sent; /* past the deadline: SIGTERM went, SIGKILL next */
	/* HOOK_POST */
	char *url;
	char *body;
	size_t len;
	int attempt;
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
};

struct hook {
	struct loop *loop;
	hook_note_fn note;
	void *arg;
	struct hook_job *jobs; /* in queue order */
	size_t queued, running, posting;
	uint64_t dropped;
	/* Starts queued work from the loop: hook_post and hook_command are
	 * called from inside stream callbacks, which run inside curl's, and
	 * curl refuses a new transfer there (CURLM_RECURSIVE_API_CALL). */
	struct loop_timer pump;
};

static void hook_pump(struct hook *h);

/* Tell the owner, printf-style. */
static void hook_notef(struct hook *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
hook_notef(struct hook *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (h->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	h->note(line, h->arg);
}

/* Unlink job from h and free it (its transfer, fd and timer released). */
static void
hook_job_free(struct hook_job *j)
{
	struct hook *h = j->h;
	struct hook_job **pp;
	size_t i;

	for (pp = &h->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (j->state == HOOK_QUEUED)
		h->queued--;
	else if (j->kind == HOOK_CMD)
		h->running--;
	else
		h->posting--;
	loop_timer_stop(h->loop, &j->timer);
	if (j->fd >= 0) {
		loop_remove_fd(h->loop, j->fd);
		close(j->fd);
	}
	if (j->easy != NULL) {
		loop_remove_transfer(h->loop, j->easy);
		curl_easy_cleanup(j->easy);
	}
	curl_slist_free_all(j->hdrs);
	for (i = 0; i < j->nenv; i++)
		free(j->env[i]);
	free(j->label);
	free(j->command);
	free(j->url);
	free(j->body);
	free(j);
}

/* A new job of kind at the end of the queue, or NULL (counted) when the
 * queue is full. */
static struct hook_job *
hook_job_new(struct hook *h, enum hook_kind kind, const char *label)
{
	struct hook_job *j, **pp;

	if (h->queued >= HOOK_QUEUE_MAX ||
	    (j = calloc(1, sizeof *j)) == NULL) {
		h->dropped++;
		hook_notef(h, "%s: too many actions waiting; dropped one",
		    label);
		return NULL;
	}
	j->h = h;
	j->kind = kind;
	j->fd = -1;
	j->label = strdup(label);
	for (pp = &h->jobs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;
	h->queued++;
	return j;
}

/* The command's output: read and drop (it must not block on a full
 * pipe); at its end, stop watching. */
static void
hook_on_output(int fd, void *arg)
{
	struct hook_job *j = arg;
	char tmp[4096];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_remove_fd(j->h->loop, fd);
		close(fd);
		j->fd = -1;
	}
}

/* Past the deadline: SIGTERM the command's process group, then SIGKILL. */
static void
hook_on_deadline(void *arg)
{
	struct hook_job *j = arg;

	if (!j->term_sent) {
		j->term_sent = true;
		kill(-j->pid, SIGTERM);
		hook_notef(j->h, "%s: command still running after %lds; "
		                 "stopping it",
		    j->label, j->timeout_s);
		loop_timer_in(j->h->loop, &j->timer, HOOK_KILL_GRACE_MS);
	} else
		kill(-j->pid, SIGKILL);
}

/* SIGCHLD: reap our commands that ended (only by their pids, so other
 * children of the process are left to their owners). */
static void
hook_on_sigchld(int sig, void *arg)
{
	struct hook *h = arg;
	struct hook_job *j, *next;
	int st;

	for (j = h->jobs; j != NULL; j = next) {
		next = j->next;
		if (j->kind != HOOK_CMD || j->state != HOOK_ACTIVE ||
		    waitpid(j->pid, &st, WNOHANG) != j->pid)
			continue;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			hook_notef(h, "%s: command exited with status %d",
			    j->label, WEXITSTATUS(st));
		else if (WIFSIGNALED(st) && !j->term_sent)
			hook_notef(h, "%s: command killed by signal %d",
			    j->label, WTERMSIG(st));
		/* A child it left behind may hold the pipe: stop reading. */
		hook_job_free(j);
	}
	hook_pump(h);
}

/* The environment of a command: the process's, less the names the event
 * sets, then the event's. A new array of borrowed strings. */
static char **
hook_envp(const struct hook_job *j)
{
	size_t n = 0, k = 0, i, e;
	char **envp;

	while (environ[n] != NULL)
		n++;
	if ((envp = calloc(n + j->nenv + 1, sizeof *envp)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		bool ours = false;

		for (e = 0; e < j->nenv && !ours; e++) {
			size_t nl = (size_t)(strchr(j->env[e], '=') - j->env[e]);

			ours = strncmp(environ[i], j->env[e], nl + 1) == 0;
		}
		if (!ours)
			envp[k++] = environ[i];
	}
	for (e = 0; e < j->nenv; e++)
		envp[k++] = j->env[e];
	envp[k] = NULL;
	return envp;
}

/* Start a queued command: fork, exec /bin/sh -c COMMAND with the event in
 * the environment and its output on a pipe the loop watches. */
static void
hook_start_command(struct hook_job *j)
{
	struct hook *h = j->h;
	char **envp = hook_envp(j);
	int p[2], null;
	pid_t pid;

	if (envp == NULL || pipe2(p, O_CLOEXEC) != 0) {
		hook_notef(h, "%s: cannot run the command: %s", j->label,
		    strerror(errno));
		free(envp);
		hook_job_free(j);
		return;
	}
	if ((pid = fork()) == 0) {
		/* Only async-signal-safe calls from here to exec. */
		setpgid(0, 0);
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		execve("/bin/sh",
		    (char *const[]){"sh", "-c", j->command, NULL}, envp);
		_exit(127);
	}
	free(envp);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		hook_notef(h, "%s: cannot run the command: %s", j->label,
		    strerror(errno));
		hook_job_free(j);
		return;
	}
	/* Also here: the child may not have run setpgid yet when we kill. */
	setpgid(pid, pid);
	j->pid = pid;
	j->state = HOOK_ACTIVE;
	h->queued--;
	h->running++;
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	if (loop_add_fd(h->loop, p[0], hook_on_output, j) == 0)
		j->fd = p[0];
	else
		close(p[0]); /* it gets EPIPE writing: output is dropped */
	loop_timer_init(&j->timer, hook_on_deadline, j);
	loop_timer_in(h->loop, &j->timer, (uint64_t)j->timeout_s * 1000);
}

/* curl write callback: the answer is not needed. */
static size_t
hook_discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void hook_post_attempt(struct hook_job *j);

/* A post's retry timer. */
static void
hook_on_retry(void *arg)
{
	hook_post_attempt(arg);
}

/* An attempt ended: done, retry later, or give up. */
static void
hook_post_done(CURL *easy, CURLcode rc, void *arg)
{
	struct hook_job *j = arg;
	struct hook *h = j->h;
	long code = 0;
	char why[CURL_ERROR_SIZE + 32];

	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(easy);
	j->easy = NULL;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		hook_job_free(j);
		hook_pump(h);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(why, sizeof why, "%s",
		    j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
	else
		snprintf(why, sizeof why, "HTTP %ld", code);
	if ((rc != CURLE_OK || code >= 500 || code == 429) &&
	    j->attempt < HOOK_POST_ATTEMPTS) {
		j->state = HOOK_RETRY;
		loop_timer_in(h->loop, &j->timer,
		    (uint64_t)HOOK_POST_RETRY_MS << (j->attempt - 1));
		return;
	}
	hook_notef(h, "%s: webhook failed after %d attempt%s (%s)", j->label,
	    j->attempt, j->attempt == 1 ? "" : "s", why);
	hook_job_free(j);
	hook_pump(h);
}

/* Send one attempt of a post. The easy handle is set up here, not with
 * client_setup: the log server's token and TLS settings are not the
 * webhook's business. */
static void
hook_post_attempt(struct hook_job *j)
{
	struct hook *h = j->h;

	j->attempt++;
	j->state = HOOK_ACTIVE;
	j->errbuf[0] = '\0';
	if ((j->easy = curl_easy_init()) == NULL)
		goto fail;
	curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
	curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)j->len);
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, hook_discard);
	curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT, (long)HOOK_POST_TIMEOUT_S);
	curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->easy, CURLOPT_USERAGENT, "logdeck");
	if (loop_add_transfer(h->loop, j->easy, hook_post_done, j) == 0)
		return;
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
fail:
	hook_notef(h, "%s: webhook failed (cannot start a transfer)",
	    j->label);
	hook_job_free(j);
}

/* Start what the limits allow, in queue order. */
static void
hook_pump(struct hook *h)
{
	struct hook_job *j, *next;

	for (j = h->jobs; j != NULL; j = next) {
		next = j->next;
		if (j->state != HOOK_QUEUED)
			continue;
		if (j->kind == HOOK_CMD && h->running < HOOK_MAX_RUNNING)
			hook_start_command(j);
		else if (j->kind == HOOK_POST &&
		         h->posting < HOOK_MAX_POSTING) {
			h->queued--;
			h->posting++;
			loop_timer_init(&j->timer, hook_on_retry, j);
			hook_post_attempt(j);
		}
	}
}

/* The pump timer: start what waits. */
static void
hook_on_pump(void *arg)
{
	hook_pump(arg);
}

struct hook *
hook_new(struct loop *loop, hook_note_fn note, void *arg)
{
	struct hook *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	h->loop = loop;
	h->note = note;
	h->arg = arg;
	loop_timer_init(&h->pump, hook_on_pump, h);
	if (loop_add_signal(loop, SIGCHLD, hook_on_sigchld, h) != 0) {
		free(h);
		return NULL;
	}
	return h;
}

void
hook_free(struct hook *h)
{
	if (h == NULL)
		return;
	while (h->jobs != NULL) {
		struct hook_job *j = h->jobs;

		if (j->kind == HOOK_CMD && j->state == HOOK_ACTIVE) {
			kill(-j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0);
		}
		hook_job_free(j);
	}
	loop_timer_stop(h->loop, &h->pump);
	free(h);
}

int
hook_command(struct hook *h, const char *label, const char *command,
    long timeout_s, const char *const (*env)[2], size_t nenv)
{
	struct hook_job *j = hook_job_new(h, HOOK_CMD, label);
	size_t i, n;

	if (j == NULL)
		return -1;
	j->command = strdup(command);
	j->timeout_s = timeout_s;
	for (i = 0; i < nenv && i < HOOK_MAX_ENV; i++) {
		n = strnlen(env[i][1], HOOK_ENV_VALUE_MAX);
		if (asprintf(&j->env[i], "%s=%.*s", env[i][0], (int)n,
		        env[i][1]) < 0) {
			j->env[i] = NULL;
			break;
		}
		j->nenv++;
	}
	if (j->label == NULL || j->command == NULL || j->nenv != nenv) {
		hook_job_free(j);
		return -1;
	}
	loop_timer_in(h->loop, &h->pump, 0);
	return 0;
}

int
hook_post(struct hook *h, const char *label, const char *url,
    const char *body, size_t len)
{
	struct hook_job *j;

	if (len > HOOK_POST_MAX_BODY) {
		h->dropped++;
		hook_notef(h, "%s: event larger than %d bytes; not posted",
		    label, HOOK_POST_MAX_BODY);
		return -1;
	}
	if ((j = hook_job_new(h, HOOK_POST, label)) == NULL)
		return -1;
	j->url = strdup(url);
	j->body = malloc(len + 1);
	j->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (j->label == NULL || j->url == NULL || j->body == NULL ||
	    j->hdrs == NULL) {
		hook_job_free(j);
		return -1;
	}
	memcpy(j->body, body, len);
	j->body[len] = '\0';
	j->len = len;
	loop_timer_in(h->loop, &h->pump, 0);
	return 0;
}

bool
hook_idle(const struct hook *h)
{
	return h->jobs == NULL;
}

uint64_t
hook_dropped(const struct hook *h)
{
	return h->dropped;
}
