/* test_job.c - unit tests of commands run on pipes the loop watches: the
 * output, the exit status, the deadline, the output bound, stdin and
 * stderr of a detached job, and that the loop runs while a job does; the
 * options of rule commands (net/hook.c): variables, output dropped, an end
 * at the exit, SIGTERM then SIGKILL at the deadline. */
#include <check.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/job.h"
#include "net/loop.h"

/* What a finished job said, copied out of its callback. */
struct ended {
	struct loop *loop;
	bool done;
	struct job_result r;
	char out[64];
	char err[JOB_MAX_STDERR + 1];
	size_t outlen;
	int ticks; /* timer passes seen while the job ran */
};

static void
on_done(const struct job_result *r, void *arg)
{
	struct ended *e = arg;

	e->done = true;
	e->r = *r;
	e->outlen = r->outlen;
	snprintf(e->out, sizeof e->out, "%s", r->out);
	snprintf(e->err, sizeof e->err, "%s", r->err);
	loop_stop(e->loop, 0);
}

/* A 20 ms ticker: proof that the loop goes on while the job runs. */
static struct loop_timer tick;
static void
on_tick(void *arg)
{
	struct ended *e = arg;

	e->ticks++;
	loop_timer_in(e->loop, &tick, 20);
}

/* Run the job o to its end; the result is in *e. */
static void
run_opts(const struct job_opts *o, struct ended *e)
{
	char err[128];

	memset(e, 0, sizeof *e);
	e->loop = loop_new();
	ck_assert_ptr_nonnull(e->loop);
	loop_timer_init(&tick, on_tick, e);
	loop_timer_in(e->loop, &tick, 20);
	ck_assert_ptr_nonnull(
	    job_start(e->loop, o, on_done, e, err, sizeof err));
	ck_assert(!e->done); /* never from inside job_start */
	loop_run(e->loop);
	loop_timer_stop(e->loop, &tick);
	loop_free(e->loop);
	ck_assert(e->done);
}

/* Run command to its end; the result is in *e. */
static void
run(const char *command, size_t max_out, uint64_t timeout_ms, bool detached,
    struct ended *e)
{
	struct job_opts o = {.command = command,
	    .max_out = max_out,
	    .timeout_ms = timeout_ms,
	    .detached = detached};

	run_opts(&o, e);
}

/* Run command as a rule's command runs (hook.c): detached, discarding,
 * with variables env and a grace of grace_ms after the deadline. */
static void
run_discard(const char *command, const char *const *env,
    uint64_t timeout_ms, uint64_t grace_ms, struct ended *e)
{
	struct job_opts o = {.command = command,
	    .timeout_ms = timeout_ms,
	    .detached = true,
	    .env = env,
	    .discard = true,
	    .term_grace_ms = grace_ms};

	run_opts(&o, e);
}

START_TEST(output_and_exit_status_arrive)
{
	struct ended e;

	run("printf 'tok\\nmore'; exit 3", 100, 10000, true, &e);
	ck_assert_int_eq(e.r.end, JOB_EXITED);
	ck_assert_int_eq(e.r.code, 3);
	ck_assert_str_eq(e.out, "tok\nmore");
	run("kill -TERM $$", 100, 10000, true, &e);
	ck_assert_int_eq(e.r.end, JOB_SIGNALLED);
	ck_assert_int_eq(e.r.code, SIGTERM);
}
END_TEST

START_TEST(the_deadline_kills_the_whole_group_and_the_loop_goes_on)
{
	struct ended e;
	uint64_t t0 = loop_now();

	/* The shell waits on a child: both must go, or the pipe stays open
	 * and the wait goes on. */
	run("sleep 30 & wait", 100, 300, true, &e);
	ck_assert_int_eq(e.r.end, JOB_TIMED_OUT);
	ck_assert_uint_ge(loop_now() - t0, 300);
	ck_assert_uint_lt(loop_now() - t0, 10000);
	ck_assert_int_ge(e.ticks, 5);
	/* A command that closes stdout and lingers is waited for, up to
	 * the deadline. */
	run("exec >&-; sleep 30", 100, 300, true, &e);
	ck_assert_int_eq(e.r.end, JOB_TIMED_OUT);
}
END_TEST

START_TEST(output_past_the_bound_kills_the_job)
{
	struct ended e;

	run("yes", 64, 10000, true, &e);
	ck_assert_int_eq(e.r.end, JOB_TOO_LONG);
	ck_assert_uint_eq(e.outlen, 64);
}
END_TEST

START_TEST(a_detached_job_reads_dev_null_and_its_stderr_is_kept)
{
	struct ended e;

	/* cat would wait for the terminal if stdin were inherited. */
	run("cat; echo 'why it failed' >&2; head -c 5000 /dev/zero >&2; "
	    "exit 1",
	    100, 10000, true, &e);
	ck_assert_int_eq(e.r.end, JOB_EXITED);
	ck_assert_int_eq(e.r.code, 1);
	ck_assert_str_eq(e.out, "");
	ck_assert_str_eq(e.err, "why it failed\n");
}
END_TEST

START_TEST(a_cancelled_job_is_killed_without_a_callback)
{
	struct job_opts o = {.command = "sleep 30",
	    .max_out = 10,
	    .timeout_ms = 60000,
	    .detached = true};
	struct loop *l = loop_new();
	struct ended e = {.loop = l};
	char err[64];
	struct job *j = job_start(l, &o, on_done, &e, err, sizeof err);
	uint64_t t0 = loop_now();

	ck_assert_ptr_nonnull(j);
	job_cancel(j);
	ck_assert_uint_lt(loop_now() - t0, 5000);
	ck_assert(!e.done);
	loop_free(l);
}
END_TEST

START_TEST(variables_reach_the_command_and_replace_the_processes)
{
	const char *env[] = {"JOBTEST_A=one two", "HOME=/nowhere", NULL};
	char path[] = "/tmp/test_job_XXXXXX", cmd[256], got[128] = "";
	struct ended e;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("JOBTEST_KEPT", "kept", 1);
	snprintf(cmd, sizeof cmd,
	    "printf '%%s|%%s|%%s|%%s' \"$JOBTEST_A\" \"$HOME\" "
	    "\"$JOBTEST_KEPT\" \"$(env | grep -c '^HOME=')\" > %s",
	    path);
	run_discard(cmd, env, 10000, 0, &e);
	ck_assert_int_eq(e.r.end, JOB_EXITED);
	ck_assert_int_eq(e.r.code, 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(got, sizeof got, f));
	fclose(f);
	unlink(path);
	ck_assert_str_eq(got, "one two|/nowhere|kept|1");
}
END_TEST

START_TEST(dropped_output_never_blocks_and_the_exit_ends_the_job)
{
	struct ended e;
	uint64_t t0;

	/* Far more than a pipe holds, on both streams: read and dropped. */
	run_discard("head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2;"
	            " exit 2",
	    NULL, 10000, 0, &e);
	ck_assert_int_eq(e.r.end, JOB_EXITED);
	ck_assert_int_eq(e.r.code, 2);
	ck_assert_uint_eq(e.outlen, 0);
	/* What it leaves in the background holds the pipe: the job still
	 * ends at the shell's exit, not at the deadline. */
	t0 = loop_now();
	run_discard("sleep 5 & exit 0", NULL, 20000, 0, &e);
	ck_assert_int_eq(e.r.end, JOB_EXITED);
	ck_assert_uint_lt(loop_now() - t0, 10000);
}
END_TEST

START_TEST(a_grace_sends_sigterm_first_then_sigkill)
{
	char path[] = "/tmp/test_job_XXXXXX", cmd[256];
	struct ended e;
	uint64_t t0;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	/* It hears SIGTERM (its trap writes the file) and ends. */
	snprintf(cmd, sizeof cmd,
	    "trap 'echo term > %s; exit 0' TERM; sleep 30 & wait", path);
	t0 = loop_now();
	run_discard(cmd, NULL, 300, 20000, &e);
	ck_assert_int_eq(e.r.end, JOB_TIMED_OUT);
	ck_assert_uint_lt(loop_now() - t0, 15000); /* not the grace */
	{
		char got[16] = "";
		FILE *f = fopen(path, "r");

		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(got, sizeof got, f));
		fclose(f);
		ck_assert_str_eq(got, "term\n");
	}
	unlink(path);
	/* It ignores SIGTERM: SIGKILL after the grace. */
	t0 = loop_now();
	run_discard("trap '' TERM; while :; do sleep 0.05; done", NULL, 300,
	    500, &e);
	ck_assert_int_eq(e.r.end, JOB_TIMED_OUT);
	ck_assert_uint_ge(loop_now() - t0, 800);
	ck_assert_uint_lt(loop_now() - t0, 15000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("job");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, output_and_exit_status_arrive);
	tcase_add_test(tc, the_deadline_kills_the_whole_group_and_the_loop_goes_on);
	tcase_add_test(tc, output_past_the_bound_kills_the_job);
	tcase_add_test(tc, a_detached_job_reads_dev_null_and_its_stderr_is_kept);
	tcase_add_test(tc, a_cancelled_job_is_killed_without_a_callback);
	tcase_add_test(tc, variables_reach_the_command_and_replace_the_processes);
	tcase_add_test(tc, dropped_output_never_blocks_and_the_exit_ends_the_job);
	tcase_add_test(tc, a_grace_sends_sigterm_first_then_sigkill);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
