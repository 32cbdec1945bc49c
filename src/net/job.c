/* job.c - a command run on pipes the loop watches (see job.h). */
#define _GNU_SOURCE /* pipe2 */
#include "net/job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/loop.h"

extern char **environ;

/* After both pipes closed (for a discarding job, from its start), how
 * often to look whether the command has exited (it may close stdout and
 * go on); doubling up to the cap. The deadline still bounds the wait. */
#define JOB_REAP_FIRST_MS 5
#define JOB_REAP_MAX_MS 200

struct job {
	struct loop *loop;
	pid_t pid;
	bool detached;
	bool discard;  /* output read and dropped; ends at the exit */
	bool term_sent; /* the deadline sent SIGTERM; SIGKILL is next */
	uint64_t grace_ms;
	bool gave_tty; /* the terminal's foreground group is the job's */
	int out_fd, err_fd; /* -1 once closed */
	char *out;          /* max_out + 1 bytes, wiped before free */
	size_t outlen, max_out;
	char err[JOB_MAX_STDERR + 1];
	size_t errlen;
	enum job_end end;
	bool killed; /* end is JOB_TIMED_OUT or JOB_TOO_LONG */
	int status;  /* waitpid's */
	uint64_t reap_ms;
	struct loop_timer deadline;
	struct loop_timer reap;
	job_done_fn done;
	void *arg;
};

/* Stop watching fd and close it. */
static void
job_close_fd(struct job *j, int *fd)
{
	if (*fd < 0)
		return;
	loop_remove_fd(j->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* Send sig to the command and its process group. */
static void
job_kill(struct job *j, int sig)
{
	if (j->pid <= 0)
		return;
	kill(-j->pid, sig);
	kill(j->pid, sig);
}

/* Make group pgid the terminal's foreground group (SIGTTOU ignored for
 * the call: a background group may not do it otherwise). */
static void
job_set_fg(pid_t pgid)
{
	struct sigaction ign, old;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGTTOU, &ign, &old);
	tcsetpgrp(STDIN_FILENO, pgid);
	sigaction(SIGTTOU, &old, NULL);
}

/* Take the terminal back from the job's group. */
static void
job_take_tty(struct job *j)
{
	if (!j->gave_tty)
		return;
	job_set_fg(getpgrp());
	j->gave_tty = false;
}

/* Free what j holds, wiping the output. */
static void
job_free(struct job *j)
{
	job_take_tty(j);
	job_close_fd(j, &j->out_fd);
	job_close_fd(j, &j->err_fd);
	loop_timer_stop(j->loop, &j->deadline);
	loop_timer_stop(j->loop, &j->reap);
	if (j->out != NULL) {
		explicit_bzero(j->out, j->max_out + 1);
		free(j->out);
	}
	free(j);
}

/* The command has been reaped: tell the owner, then free. */
static void
job_finish(struct job *j)
{
	struct job_result r = {.end = j->end,
	    .out = j->out,
	    .outlen = j->outlen,
	    .err = j->err};

	if (!j->killed) {
		if (WIFSIGNALED(j->status)) {
			r.end = JOB_SIGNALLED;
			r.code = WTERMSIG(j->status);
		} else {
			r.end = JOB_EXITED;
			r.code = WEXITSTATUS(j->status);
		}
	}
	j->out[j->outlen] = '\0';
	j->err[j->errlen] = '\0';
	job_take_tty(j);
	j->done(&r, j->arg);
	job_free(j);
}

/* Reap the command if it has exited; else look again soon. */
static void
job_try_reap(struct job *j)
{
	pid_t r;

	while ((r = waitpid(j->pid, &j->status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == j->pid || r < 0) {
		/* r < 0: someone else reaped it (cannot happen here); end. */
		j->pid = 0;
		job_finish(j);
		return;
	}
	loop_timer_in(j->loop, &j->reap, j->reap_ms);
	if (j->reap_ms < JOB_REAP_MAX_MS)
		j->reap_ms *= 2;
}

/* Timer: look again whether the command has exited. */
static void
job_on_reap(void *arg)
{
	job_try_reap(arg);
}

/* Kill the command for reason end and wait for it to go. */
static void
job_abort(struct job *j, enum job_end end)
{
	j->end = end;
	j->killed = true;
	job_kill(j, SIGKILL);
	job_close_fd(j, &j->out_fd);
	job_close_fd(j, &j->err_fd);
	loop_timer_stop(j->loop, &j->deadline);
	j->reap_ms = JOB_REAP_FIRST_MS;
	job_try_reap(j);
}

/* Timer: the deadline passed (SIGTERM first when there is a grace), or
 * the grace after it. */
static void
job_on_deadline(void *arg)
{
	struct job *j = arg;

	if (j->grace_ms > 0 && !j->term_sent) {
		j->term_sent = true;
		j->end = JOB_TIMED_OUT;
		j->killed = true;
		job_kill(j, SIGTERM);
		loop_timer_in(j->loop, &j->deadline, j->grace_ms);
		return;
	}
	job_abort(j, JOB_TIMED_OUT);
}

/* Both pipes are closed: wait for the exit. */
static void
job_pipes_closed(struct job *j)
{
	if (j->out_fd >= 0 || j->err_fd >= 0)
		return;
	j->reap_ms = JOB_REAP_FIRST_MS;
	job_try_reap(j);
}

/* stdout is readable: keep up to max_out bytes (or drop them all). */
static void
job_on_out(int fd, void *arg)
{
	struct job *j = arg;
	char drop[4096];
	ssize_t n;

	(void)fd;
	for (;;) {
		if (j->discard)
			n = read(j->out_fd, drop, sizeof drop);
		else
			n = read(j->out_fd, j->out + j->outlen,
			    j->max_out + 1 - j->outlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			job_close_fd(j, &j->out_fd);
			job_pipes_closed(j);
			return;
		}
		if (j->discard)
			continue;
		j->outlen += (size_t)n;
		if (j->outlen > j->max_out) {
			j->outlen = j->max_out;
			job_abort(j, JOB_TOO_LONG);
			return;
		}
	}
}

/* stderr is readable: keep the first JOB_MAX_STDERR bytes, drop the rest. */
static void
job_on_err(int fd, void *arg)
{
	struct job *j = arg;
	char drop[512];
	ssize_t n;

	(void)fd;
	for (;;) {
		if (j->errlen < JOB_MAX_STDERR)
			n = read(j->err_fd, j->err + j->errlen,
			    JOB_MAX_STDERR - j->errlen);
		else
			n = read(j->err_fd, drop, sizeof drop);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			job_close_fd(j, &j->err_fd);
			job_pipes_closed(j);
			return;
		}
		if (j->errlen < JOB_MAX_STDERR)
			j->errlen += (size_t)n;
	}
}

/* The environment of a command with variables env: the process's, less
 * the names env sets, then env. A new array of borrowed strings; NULL
 * when out of memory. */
static char **
job_envp(const char *const *env)
{
	size_t n = 0, ne = 0, k = 0, i, e;
	char **envp;

	while (environ[n] != NULL)
		n++;
	while (env[ne] != NULL)
		ne++;
	if ((envp = calloc(n + ne + 1, sizeof *envp)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		bool set = false;

		for (e = 0; e < ne && !set; e++) {
			const char *eq = strchr(env[e], '=');
			size_t nl = eq != NULL ? (size_t)(eq - env[e])
			                       : strlen(env[e]);

			set = strncmp(environ[i], env[e], nl) == 0 &&
			      environ[i][nl] == '=';
		}
		if (!set)
			envp[k++] = environ[i];
	}
	for (e = 0; e < ne; e++)
		envp[k++] = (char *)env[e];
	envp[k] = NULL;
	return envp;
}

/* In the child of a job that is not detached: set up its group, the
 * terminal and signals, then exec the shell (with envp when not NULL).
 * Only async-signal-safe calls from fork to exec. */
static void __attribute__((noreturn))
job_child(const struct job_opts *o, bool fg, int out[2], char **envp)
{
	sigset_t none;

	/* A group of its own, so that the deadline kills what it started. */
	setpgid(0, 0);
	if (fg)
		job_set_fg(getpid());
	dup2(out[1], STDOUT_FILENO);
	/* The loop ignores SIGPIPE and may block signals: not the child. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (envp != NULL)
		execve("/bin/sh",
		    (char *const[]){"sh", "-c", (char *)o->command, NULL},
		    envp);
	else
		execl("/bin/sh", "sh", "-c", o->command, (char *)NULL);
	_exit(127);
}

/* Start a detached job: what job_child does, done by posix_spawn (stdin
 * /dev/null, stderr to err[1] or, discarding, to out[1]). No fork: the
 * full-screen view holding hundreds of MB would have its page tables
 * copied and every page made copy-on-write at each start, ~5% of its CPU
 * with a rule command every second (bench/RESULTS.md, row 2b); glibc's
 * posix_spawn shares the memory until the exec. 0 or an errno. */
static int
job_spawn(
    const struct job_opts *o, int out[2], int err[2], char **envp, pid_t *pid)
{
	char *const argv[] = {"sh", "-c", (char *)o->command, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* The loop ignores SIGPIPE and may block signals: not the child. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	if ((rc = posix_spawn_file_actions_addopen(
	         &fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(
	         &fa, o->discard ? out[1] : err[1], STDERR_FILENO)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(
	         &fa, out[1], STDOUT_FILENO)) == 0 &&
	    /* A group of its own, so that the deadline kills what it
	     * started. */
	    (rc = posix_spawnattr_setflags(
	         &at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                  POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &dfl)) == 0)
		rc = posix_spawn(pid, "/bin/sh", &fa, &at, argv,
		    envp != NULL ? envp : environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

struct job *
job_start(struct loop *loop, const struct job_opts *o, job_done_fn done,
    void *arg, char *err, size_t errlen)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	struct job *j = calloc(1, sizeof *j);
	char **envp = NULL;
	bool fg, errpipe = o->detached && !o->discard;
	int rc;

	if (j == NULL || (j->out = malloc(o->max_out + 1)) == NULL) {
		free(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->loop = loop;
	j->detached = o->detached;
	j->discard = o->discard;
	j->grace_ms = o->term_grace_ms;
	j->max_out = o->discard ? 0 : o->max_out;
	j->done = done;
	j->arg = arg;
	j->out_fd = j->err_fd = -1;
	loop_timer_init(&j->deadline, job_on_deadline, j);
	loop_timer_init(&j->reap, job_on_reap, j);
	if (o->env != NULL && (envp = job_envp(o->env)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) != 0 ||
	    (errpipe && pipe2(errp, O_CLOEXEC) != 0)) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	/* Not detached, the command may prompt: when logdeck has the
	 * terminal, the command's group gets it for the run, as a shell
	 * does (Ctrl-C then stops the command, an error that says so). */
	fg = !o->detached && isatty(STDIN_FILENO) &&
	     tcgetpgrp(STDIN_FILENO) == getpgrp();
	fflush(NULL);
	if (o->detached) {
		if ((rc = job_spawn(o, out, errp, envp, &j->pid)) != 0) {
			snprintf(err, errlen, "%s", strerror(rc));
			j->pid = 0;
			goto fail;
		}
	} else if ((j->pid = fork()) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		j->pid = 0;
		goto fail;
	} else if (j->pid == 0)
		job_child(o, fg, out, envp);
	free(envp);
	envp = NULL;
	setpgid(j->pid, j->pid); /* no race with the kill */
	if (fg) {
		job_set_fg(j->pid);
		j->gave_tty = true;
	}
	close(out[1]);
	j->out_fd = out[0];
	fcntl(j->out_fd, F_SETFL, fcntl(j->out_fd, F_GETFL) | O_NONBLOCK);
	if (errpipe) {
		close(errp[1]);
		j->err_fd = errp[0];
		fcntl(j->err_fd, F_SETFL,
		    fcntl(j->err_fd, F_GETFL) | O_NONBLOCK);
	}
	if (loop_add_fd(loop, j->out_fd, job_on_out, j) != 0 ||
	    (j->err_fd >= 0 &&
	        loop_add_fd(loop, j->err_fd, job_on_err, j) != 0)) {
		snprintf(err, errlen, "the loop watches too many fds");
		job_cancel(j);
		return NULL;
	}
	loop_timer_in(loop, &j->deadline, o->timeout_ms);
	if (j->discard) {
		/* It ends at its exit, not at the pipe's end: look for it. */
		j->reap_ms = JOB_REAP_FIRST_MS;
		loop_timer_in(loop, &j->reap, j->reap_ms);
	}
	return j;
fail:
	free(envp);
	if (out[0] >= 0) {
		close(out[0]);
		close(out[1]);
	}
	if (errp[0] >= 0) {
		close(errp[0]);
		close(errp[1]);
	}
	job_free(j);
	return NULL;
}

void
job_cancel(struct job *j)
{
	if (j == NULL)
		return;
	if (j->pid > 0) {
		job_kill(j, SIGKILL);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	job_free(j);
}
