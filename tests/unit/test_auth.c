/* test_auth.c - unit tests of the token sources: precedence, the token
 * command (first line, failures, limits, deadline), the token file and a
 * named environment variable. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/auth.h"
#include "net/loop.h"

static char tmpdir[64];
static char err[1024];

/* A fresh private directory per test. */
static void
setup(void)
{
	strcpy(tmpdir, "/tmp/ldauth.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("LOGDECK_TEST_TOKEN");
	err[0] = '\0';
}

/* Remove the directory and what the tests put there. */
static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Load the token of o: 0 or -1; *tok is a copy of it or NULL. */
static int
load(const struct auth_opts *o, char **tok)
{
	struct auth *a = auth_new(o);
	int rc;

	ck_assert_ptr_nonnull(a);
	rc = auth_load(a, err, sizeof err);
	*tok = auth_token(a) != NULL ? strdup(auth_token(a)) : NULL;
	auth_free(a);
	return rc;
}

START_TEST(token_precedence_is_cli_env_then_profile)
{
	struct auth_opts o = {.profile = "t",
	    .cli_token = "cli",
	    .env_token = "env",
	    .token = "inline",
	    .token_env = "LOGDECK_TEST_TOKEN"};
	char *tok;

	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_CLI);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "cli");
	free(tok);
	o.cli_token = NULL;
	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_ENV);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "env");
	free(tok);
	/* An empty LOGDECK_TOKEN counts as unset. */
	o.env_token = "";
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "inline");
	free(tok);
	o.token = NULL;
	o.token_command = "echo from-command";
	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_COMMAND);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "from-command");
	free(tok);
	o.token_command = NULL;
	setenv("LOGDECK_TEST_TOKEN", "from-env-named", 1);
	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_ENV_NAMED);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "from-env-named");
	free(tok);
	memset(&o, 0, sizeof o);
	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_NONE);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_ptr_null(tok);
	ck_assert_str_eq(auth_origin_name(AUTH_FROM_COMMAND), "token_command");
}
END_TEST

START_TEST(token_command_gives_its_first_line)
{
	struct auth_opts o = {.profile = "t",
	    .token_command = "printf 'abc\\r\\nsecond\\n'; echo noise >&2"};
	char *tok;

	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "abc");
	free(tok);
}
END_TEST

START_TEST(failing_token_command_is_a_clear_error)
{
	struct auth_opts o = {.profile = "t",
	    .token_command = "echo half-a-secret; exit 3"};
	char *tok;

	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_null(tok);
	ck_assert_str_eq(err, "token_command of profile 't' failed (exit "
	                      "status 3)");
	o.token_command = "true";
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_nonnull(strstr(err, "gave an empty token"));
	o.token_command = "kill -KILL $$";
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_str_eq(err, "token_command of profile 't' was killed by "
	                      "signal 9");
}
END_TEST

START_TEST(token_over_the_limits_is_refused)
{
	struct auth_opts o = {.profile = "t"};
	char *tok;

	o.token_command = "head -c 16385 /dev/zero | tr '\\0' x";
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_nonnull(strstr(err, "printed more than 16384 bytes"));
	o.token_command = "head -c 4097 /dev/zero | tr '\\0' x";
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_nonnull(strstr(err, "gave a token longer than 4096 "
	                                  "bytes"));
	o.token_command = "head -c 4096 /dev/zero | tr '\\0' x; echo; "
	                  "head -c 9000 /dev/zero";
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_int_eq(strlen(tok), 4096);
	free(tok);
	o.token_command = "printf 'a\\033b\\n'";
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_nonnull(strstr(err, "gave a token with control "
	                                  "characters"));
}
END_TEST

START_TEST(a_token_command_past_its_deadline_is_killed)
{
	struct auth_opts o = {.profile = "t",
	    .token_command = "echo almost; sleep 30",
	    .command_timeout_ms = 300};
	uint64_t t0 = loop_now();
	char *tok;

	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_uint_lt(loop_now() - t0, 10000);
	ck_assert_str_eq(err, "token_command of profile 't' did not finish "
	                      "within 1 s and was killed");
}
END_TEST

START_TEST(token_file_others_can_read_is_refused)
{
	char path[256];
	struct auth_opts o = {.profile = "t", .token_file = path};
	char *tok;
	FILE *f;

	snprintf(path, sizeof path, "%s/token", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("t0ken\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(auth_origin(&o), AUTH_FROM_FILE);
	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "token_file holds a token but "
	                "other users can read or change it (mode 0644)"));
	ck_assert_ptr_null(strstr(err, "t0ken\n"));
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(load(&o, &tok), 0);
	ck_assert_str_eq(tok, "t0ken");
	free(tok);
}
END_TEST

START_TEST(unset_token_env_is_a_clear_error)
{
	struct auth_opts o = {.profile = "t",
	    .token_env = "LOGDECK_TEST_TOKEN"};
	char *tok;

	ck_assert_int_eq(load(&o, &tok), -1);
	ck_assert_str_eq(err, "token_env of profile 't': the environment "
	                      "variable LOGDECK_TEST_TOKEN is not set");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, token_precedence_is_cli_env_then_profile);
	tcase_add_test(tc, token_command_gives_its_first_line);
	tcase_add_test(tc, failing_token_command_is_a_clear_error);
	tcase_add_test(tc, token_over_the_limits_is_refused);
	tcase_add_test(tc, a_token_command_past_its_deadline_is_killed);
	tcase_add_test(tc, token_file_others_can_read_is_refused);
	tcase_add_test(tc, unset_token_env_is_a_clear_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
