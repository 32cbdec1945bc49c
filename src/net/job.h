/* job.h - a command run on pipes the loop watches, with a deadline and
 * bounded output, never blocking the loop (as tmux's job.c) (transport
 * layer: it serves token_command and the commands of rules, hook.c). */
#ifndef LOGDECK_JOB_H
#define LOGDECK_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct job;

/* Most bytes of standard error kept when it is captured; the rest is
 * read and dropped, so the command never blocks on a full pipe. */
#define JOB_MAX_STDERR 1024

/* How to run the command. */
struct job_opts {
	const char *command; /* run with /bin/sh -c COMMAND (copied) */
	size_t max_out;      /* most stdout bytes; past it the job is killed */
	uint64_t timeout_ms; /* deadline from the start; then it is killed */
	/* The command always runs in a process group of its own, which
	 * the deadline kills whole. detached: the terminal belongs to
	 * someone else (curses, or a loop that must not wait on a prompt):
	 * stdin is /dev/null and stderr is captured instead of written over
	 * the screen. false: it inherits stdin and stderr and, when logdeck
	 * has the terminal, its group gets the terminal for the run, so it
	 * may prompt. */
	bool detached;
	/* Variables for the command, "NAME=value" each, NULL ended (read
	 * during job_start only): they replace the process's variables of
	 * the same names. NULL: the process's environment as it is. */
	const char *const *env;
	/* The output is nobody's: stdout and stderr go to one pipe that is
	 * read and dropped (max_out is not used), and the job ends when the
	 * command exits, even if something it left in the background still
	 * holds the pipe (that keeps running; its output is not read). */
	bool discard;
	/* 0: the deadline SIGKILLs the process group. Else the deadline
	 * sends SIGTERM to the group and SIGKILL follows this much later,
	 * if the command has not ended by then. */
	uint64_t term_grace_ms;
};

/* How a job ended. */
enum job_end {
	JOB_EXITED,    /* code is its exit status */
	JOB_SIGNALLED, /* code is the signal that ended it */
	JOB_TIMED_OUT, /* the deadline passed: it was killed */
	JOB_TOO_LONG,  /* more than max_out bytes on stdout: killed */
};

/* What done receives. out and err (NUL ended) are valid only during the
 * call; out is wiped after it (it may hold a secret). */
struct job_result {
	enum job_end end;
	int code;
	const char *out;
	size_t outlen;
	const char *err; /* captured stderr, at most JOB_MAX_STDERR, or "" */
};

typedef void (*job_done_fn)(const struct job_result *r, void *arg);

/* Start the command; done is called once from the loop when it has ended
 * and been reaped (never from inside job_start), then the job is freed.
 * NULL with a message in err when it cannot start. */
struct job *job_start(struct loop *loop, const struct job_opts *o,
    job_done_fn done, void *arg, char *err, size_t errlen);
/* Kill a job that has not ended and free it; done is not called. The
 * kill is SIGKILL, so the reaping wait is the kernel's, not the
 * command's. NULL is fine. */
void job_cancel(struct job *j);

#endif
