/* test_config.c - the configuration file: profiles, precedence, located
 * errors, did-you-mean warnings, secrets kept private and masked. */
#define _GNU_SOURCE
#include <check.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/auth.h"
#include "net/client.h"
#include "conf.h"
#include "tui/keys.h"

static char tmpdir[64];
static char err[1024];

/* A fresh private directory per test, used as XDG_CONFIG_HOME too. */
static void
setup(void)
{
	strcpy(tmpdir, "/tmp/ldconf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("HOME", tmpdir, 1);
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

/* Write text to tmpdir/name with mode; returns the path (static). */
static const char *
put(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* Load text as a config file; returns conf or NULL with err set. */
static struct conf *
load(const char *text, mode_t mode)
{
	struct conf *c = NULL;

	if (conf_load(put("config.yaml", text, mode), &c, err, sizeof err) != 0)
		return NULL;
	return c;
}

START_TEST(missing_default_file_gives_builtin_defaults)
{
	struct conf *c = NULL;

	ck_assert_int_eq(conf_load(NULL, &c, err, sizeof err), 0);
	ck_assert_ptr_null(c->path);
	ck_assert_int_eq(c->nprofiles, 0);
	ck_assert_int_eq(c->view.floor, LEVEL_TRACE);
	ck_assert_int_eq(c->view.scrollback_mib, 256);
	ck_assert_str_eq(c->warnings, "");
	conf_free(c);
}
END_TEST

START_TEST(default_path_follows_xdg_config_home)
{
	char *p = conf_default_path(), want[128];

	snprintf(want, sizeof want, "%s/logdeck/config.yaml", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
	p = conf_default_path();
	snprintf(want, sizeof want, "%s/.config/logdeck/config.yaml", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);
}
END_TEST

START_TEST(default_file_is_read_when_present)
{
	struct conf *c = NULL;
	char dir[128];

	snprintf(dir, sizeof dir, "%s/logdeck", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	put("logdeck/config.yaml", "theme: light\n", 0600);
	ck_assert_int_eq(conf_load(NULL, &c, err, sizeof err), 0);
	ck_assert_str_eq(c->theme, "light");
	conf_free(c);
}
END_TEST

START_TEST(named_config_file_must_exist)
{
	struct conf *c = NULL;

	ck_assert_int_eq(
	    conf_load("/nonexistent/logdeck.yaml", &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "/nonexistent/logdeck.yaml: No such"));
}
END_TEST

static const char profiles_yaml[] = "profile: work\n"
                                    "profiles:\n"
                                    "  default:\n"
                                    "    server: http://localhost:8080\n"
                                    "  work:\n"
                                    "    server: https://logs.example.com\n"
                                    "    heartbeat: 15\n"
                                    "    reconnect_cap: 60\n"
                                    "    max_event: 65536\n"
                                    "    insecure: yes\n"
                                    "    cacert: ~/ca.pem\n"
                                    "    token_file: secrets/token\n"
                                    "    watch: [nightly-sync, pipeline:42]\n"
                                    "watch: [top-level]\n";

START_TEST(file_profile_is_chosen_and_applied_over_builtin_defaults)
{
	struct conf *c = load(profiles_yaml, 0600);
	struct client_cfg cl = {.server = "http://builtin",
	    .heartbeat_ms = 30000,
	    .backoff_cap_ms = 30000,
	    .max_event = 1 << 20};
	const struct conf_profile *p;
	const char *const *w;
	char want[128];
	size_t n;
	bool found;

	ck_assert_msg(c != NULL, "%s", err);
	p = conf_profile(c, NULL, &found, err, sizeof err);
	ck_assert(found);
	ck_assert_str_eq(p->name, "work");
	conf_apply_client(p, &cl);
	ck_assert_str_eq(cl.server, "https://logs.example.com");
	ck_assert_int_eq(cl.heartbeat_ms, 15000);
	ck_assert_int_eq(cl.backoff_cap_ms, 60000);
	ck_assert_int_eq(cl.max_event, 65536);
	ck_assert(cl.insecure);
	snprintf(want, sizeof want, "%s/ca.pem", tmpdir);
	ck_assert_str_eq(cl.ca_file, want);
	/* A relative path is relative to the configuration file. */
	snprintf(want, sizeof want, "%s/secrets/token", tmpdir);
	ck_assert_str_eq(p->token_file, want);
	w = conf_watch(c, p, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(w[1], "pipeline:42");
	conf_free(c);
}
END_TEST

START_TEST(profile_option_overrides_the_file_default)
{
	struct conf *c = load(profiles_yaml, 0600);
	struct client_cfg cl = {
	    .server = "http://builtin", .heartbeat_ms = 30000};
	const struct conf_profile *p;
	const char *const *w;
	size_t n;
	bool found;

	ck_assert_msg(c != NULL, "%s", err);
	p = conf_profile(c, "default", &found, err, sizeof err);
	ck_assert_str_eq(p->name, "default");
	conf_apply_client(p, &cl);
	ck_assert_str_eq(cl.server, "http://localhost:8080");
	/* Unset in the profile: the built-in default stays. */
	ck_assert_int_eq(cl.heartbeat_ms, 30000);
	w = conf_watch(c, p, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(w[0], "top-level");
	conf_free(c);
}
END_TEST

START_TEST(profile_named_default_is_used_without_a_choice)
{
	struct conf *c = load("profiles:\n  default: {server: http://d}\n"
	                      "  other: {server: http://o}\n",
	    0600);
	const struct conf_profile *p;
	bool found;

	ck_assert_msg(c != NULL, "%s", err);
	p = conf_profile(c, NULL, &found, err, sizeof err);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->server, "http://d");
	conf_free(c);
}
END_TEST

START_TEST(unknown_profile_is_an_error_with_a_suggestion)
{
	struct conf *c = load(profiles_yaml, 0600);
	bool found;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_null(conf_profile(c, "wrok", &found, err, sizeof err));
	ck_assert(!found);
	ck_assert_ptr_nonnull(strstr(err, "no profile 'wrok'"));
	ck_assert_ptr_nonnull(strstr(err, "did you mean 'work'?"));
	conf_free(c);
}
END_TEST

START_TEST(file_default_profile_must_exist)
{
	ck_assert_ptr_null(load("profile: prod\nprofiles:\n  prd: {}\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, "config.yaml:1:10: 'profile': no "
	                                  "profile 'prod'"));
	ck_assert_ptr_nonnull(strstr(err, "did you mean 'prd'?"));
}
END_TEST

START_TEST(bad_number_names_file_line_and_column)
{
	ck_assert_ptr_null(load("profiles:\n  work:\n    server: http://x\n"
	                        "    heartbeat: soon\n",
	    0600));
	ck_assert_ptr_nonnull(
	    strstr(err, "/config.yaml:4:16: 'heartbeat' "
	                "must be a number of seconds (1-86400)"));
}
END_TEST

START_TEST(yaml_syntax_error_names_line_and_column)
{
	ck_assert_ptr_null(load("view:\n  wrap: [true\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, "/config.yaml:3:1: YAML syntax:"));
}
END_TEST

/* Found by fuzz_optfile: a quoted "\0" put a NUL in a value and every
 * reader of the document (configuration, themes, the server's --config)
 * took only the part before it, a token included. */
/* Found by fuzz_conf: a profile name with a newline and tabs (a plain
 * scalar over an empty line) came back raw inside the message, which
 * then ran over several lines of the terminal. */
START_TEST(a_message_quoting_the_file_stays_one_safe_line)
{
	ck_assert_ptr_null(load("profile: \"local\\n\\t\\x1b[2J\"\n", 0600));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_ptr_null(strchr(err, '\t'));
	ck_assert_ptr_null(strchr(err, '\x1b'));
	ck_assert_ptr_nonnull(strstr(err, "local\\n\\t\\x1b[2J"));
}
END_TEST

START_TEST(a_value_holding_a_nul_is_an_error)
{
	ck_assert_ptr_null(
	    load("profiles:\n  w:\n    token: \"pw\\0tail\"\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, "config.yaml:3:12: a value must not "
	                                  "hold a NUL"));
	ck_assert_ptr_null(load("theme: \"x\\u0000y\"\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, "must not hold a NUL"));
}
END_TEST

START_TEST(wrong_kind_of_value_is_an_error)
{
	ck_assert_ptr_null(load("view: 3\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, "config.yaml:1:7: 'view' must be a "
	                                  "mapping"));
	ck_assert_ptr_null(load("view:\n  wrap: maybe\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, ":2:9: 'wrap' must be true or "
	                                  "false"));
	ck_assert_ptr_null(load("view:\n  list_width: 5\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, ":2:15: 'list_width' must be a "
	                                  "number of columns (10-200)"));
}
END_TEST

START_TEST(misspelt_word_value_gets_a_suggestion)
{
	ck_assert_ptr_null(load("view:\n  level: wran\n", 0600));
	ck_assert_ptr_nonnull(strstr(err,
	    ":2:10: 'level' must be trace, "
	    "debug, info, warn, error or fatal; did you mean 'warn'?"));
}
END_TEST

START_TEST(unknown_key_is_a_warning_with_did_you_mean)
{
	struct conf *c = load("profiles:\n  work:\n    heartbaet: 5\n"
	                      "    colour: blue\nthem: light\n",
	    0600);

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(c->warnings,
	    "config.yaml:3:5: warning: "
	    "unknown key 'heartbaet' in profile 'work' (ignored); did you "
	    "mean 'heartbeat'?\n"));
	ck_assert_ptr_nonnull(
	    strstr(c->warnings, ":4:5: warning: unknown key "
	                        "'colour' in profile 'work' (ignored)\n"));
	ck_assert_ptr_nonnull(strstr(c->warnings,
	    ":5:1: warning: unknown key "
	    "'them' in the configuration (ignored); did you mean 'theme'?"));
	conf_free(c);
}
END_TEST

START_TEST(view_defaults_are_read)
{
	struct conf *c = load("view:\n  level: WARN\n  timestamps: relative\n"
	                      "  wrap: on\n  merged: true\n  list_width: 40\n"
	                      "  scrollback: 64\n",
	    0600);

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->view.floor, LEVEL_WARN);
	ck_assert_int_eq(c->view.timestamps, CONF_TS_RELATIVE);
	ck_assert(c->view.wrap);
	ck_assert(c->view.merged);
	ck_assert_int_eq(c->view.list_width, 40);
	ck_assert_int_eq(c->view.scrollback_mib, 64);
	conf_free(c);
}
END_TEST

START_TEST(keys_rebind_actions_by_name)
{
	struct conf *c = load("keys:\n  quit: Q\n  pause: [p, F5]\n"
	                      "  search-forward: C-f\n  pasue: x\n",
	    0600);

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->nkeys, 4);
	ck_assert_str_eq(c->keys[0].action, "quit");
	ck_assert_int_eq(c->keys[0].code, 'Q');
	ck_assert_str_eq(c->keys[2].key, "F5");
	ck_assert_int_eq(c->keys[2].code, KEYS_FN | KEY_F(5));
	ck_assert_int_eq(c->keys[3].code, 6);
	ck_assert_ptr_nonnull(strstr(c->warnings,
	    ":5:3: warning: unknown key "
	    "'pasue' in 'keys' (action names) (ignored); did you mean "
	    "'pause'?"));
	conf_free(c);
}
END_TEST

START_TEST(bad_key_name_is_an_error)
{
	ck_assert_ptr_null(load("keys:\n  quit: Ctrl+Q\n", 0600));
	ck_assert_ptr_nonnull(strstr(err, ":2:9: 'quit' must be a key name"));
}
END_TEST

START_TEST(inline_token_in_a_file_others_can_read_is_refused)
{
	ck_assert_ptr_null(load("profiles:\n  w:\n    token: s3cret\n", 0644));
	ck_assert_ptr_nonnull(strstr(err,
	    "config.yaml: the configuration "
	    "file holds a token but other users can read or change it "
	    "(mode 0644)"));
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, "s3cret"));
}
END_TEST

START_TEST(token_command_in_a_file_others_can_change_is_refused)
{
	struct conf *c;

	ck_assert_ptr_null(
	    load("profiles:\n  w:\n    token_command: pass x\n", 0664));
	ck_assert_ptr_nonnull(strstr(err,
	    "config.yaml: the configuration "
	    "file runs a token_command but other users can change it (mode "
	    "0664)"));
	ck_assert_ptr_nonnull(strstr(err, "chmod go-w"));
	c = load("profiles:\n  w:\n    token_command: pass x\n", 0644);
	ck_assert_msg(c != NULL, "%s", err);
	conf_free(c);
}
END_TEST

START_TEST(world_readable_file_without_token_is_fine)
{
	struct conf *c = load("theme: mono\n", 0644);

	ck_assert_msg(c != NULL, "%s", err);
	conf_free(c);
}
END_TEST

/* Print the effective configuration of c into a string (caller frees). */
static char *
print_to_string(struct conf *c, const char *profile, const char *token,
    enum auth_origin o)
{
	struct auth_opts ao = {.cli_token = token};
	struct client_cfg cl = {.server = "https://logs.example.com",
	    .auth = auth_new(&ao),
	    .heartbeat_ms = 30000,
	    .backoff_cap_ms = 30000,
	    .max_event = 1 << 20};
	const char *watch[] = {"nightly-sync"};
	struct conf_effective e = {.conf = c,
	    .profile = profile,
	    .client = &cl,
	    .token_origin = o,
	    .view = &c->view,
	    .theme = "light",
	    .watch = watch,
	    .nwatch = 1};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_print(f, &e);
	fclose(f);
	auth_free(cl.auth);
	return text;
}

START_TEST(print_config_masks_the_token)
{
	struct conf *c =
	    load("profiles:\n  w:\n    token: s3cret-inline\n", 0600);
	char *text;

	ck_assert_msg(c != NULL, "%s", err);
	text = print_to_string(c, "w", "s3cret-inline", AUTH_FROM_INLINE);
	ck_assert_ptr_null(strstr(text, "s3cret"));
	ck_assert_ptr_nonnull(strstr(text, "# token: ******** (from the "
	                                   "profile's token)\n"));
	ck_assert_ptr_nonnull(strstr(text, "    server: \"https://logs."
	                                   "example.com\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "theme: \"light\"\n"));
	free(text);
	conf_free(c);
}
END_TEST

START_TEST(printed_config_loads_back_without_warnings)
{
	struct conf *c = load(profiles_yaml, 0600), *again;
	char *text;

	ck_assert_msg(c != NULL, "%s", err);
	c->view.floor = LEVEL_ERROR;
	text = print_to_string(c, "work", NULL, AUTH_FROM_FILE);
	again = load(text, 0600);
	ck_assert_msg(again != NULL, "%s\n%s", err, text);
	ck_assert_str_eq(again->warnings, "");
	ck_assert_str_eq(again->default_profile, "work");
	ck_assert_int_eq(again->view.floor, LEVEL_ERROR);
	ck_assert_str_eq(again->theme, "light");
	ck_assert_int_eq(again->nprofiles, 1);
	ck_assert_str_eq(again->profiles[0].server, "https://logs.example.com");
	free(text);
	conf_free(again);
	conf_free(c);
}
END_TEST

START_TEST(more_profiles_than_the_limit_is_an_error)
{
	char text[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text + n, sizeof text - n, "profiles:\n");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(
		    text + n, sizeof text - n, "  p%d: {}\n", i);
	ck_assert_ptr_null(load(text, 0600));
	ck_assert_ptr_nonnull(strstr(err, ":66:3: more than 64 profiles"));
}
END_TEST

START_TEST(longer_watch_list_than_the_limit_is_an_error)
{
	char text[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text + n, sizeof text - n, "watch:\n");
	for (i = 0; i < 257; i++)
		n +=
		    (size_t)snprintf(text + n, sizeof text - n, "  - a%d\n", i);
	ck_assert_ptr_null(load(text, 0600));
	ck_assert_ptr_nonnull(strstr(err, ":2:3: 'watch' names more than 256 "
	                                  "sources"));
}
END_TEST

START_TEST(more_key_bindings_than_the_limit_is_an_error)
{
	char text[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text + n, sizeof text - n, "keys:\n  quit: [");
	for (i = 0; i < 129; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%sF%d",
		    i ? ", " : "", i % 12 + 1);
	snprintf(text + n, sizeof text - n, "]\n");
	ck_assert_ptr_null(load(text, 0600));
	ck_assert_ptr_nonnull(strstr(err, "more than 128 key bindings"));
}
END_TEST

START_TEST(file_larger_than_the_limit_is_refused)
{
	char *big = malloc(1024 * 1024 + 2);

	memset(big, '#', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	ck_assert_ptr_null(load(big, 0600));
	ck_assert_ptr_nonnull(strstr(err, "larger than 1048576 bytes"));
	free(big);
}
END_TEST

START_TEST(string_longer_than_the_limit_is_refused)
{
	char *text = malloc(5000);

	strcpy(text, "theme: ");
	memset(text + 7, 'x', 4097);
	text[7 + 4097] = '\0';
	ck_assert_ptr_null(load(text, 0600));
	ck_assert_ptr_nonnull(strstr(err, ":1:8: 'theme' is longer than 4096 "
	                                  "bytes"));
	free(text);
}
END_TEST

START_TEST(too_many_warnings_are_bounded)
{
	char *text = malloc(400 * 1024);
	struct conf *c;
	size_t n = 0;
	int i;

	for (i = 0; i < 20000; i++)
		n += (size_t)sprintf(text + n, "unknown%d: 1\n", i);
	c = load(text, 0600);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_le(strlen(c->warnings), 16384);
	ck_assert_ptr_nonnull(strstr(c->warnings, "unknown key 'unknown0'"));
	conf_free(c);
	free(text);
}
END_TEST

START_TEST(man_page_names_every_rebindable_action)
{
	const char *src = getenv("LOGDECK_SRCDIR");
	const char *const *a = keys_action_names();
	char path[512], line[256], listed[4096] = " ";
	bool in_list = false;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/man/logdeck.yaml.5",
	    src != NULL ? src : ".");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "Action names:", 13) == 0)
			in_list = true;
		else if (strncmp(line, ".BR ", 4) != 0)
			in_list = false; /* the list is one run of .BR lines */
		else if (in_list) {
			char *w = line + 4, *o = listed + strlen(listed);

			for (; *w != ' ' && *w != '\n'; w++) {
				if (*w != '\\')
					*o++ = *w;
			}
			strcpy(o, " ");
			n++;
		}
	}
	fclose(f);
	for (; *a != NULL; a++) {
		char word[64];

		snprintf(word, sizeof word, " %s ", *a);
		ck_assert_msg(
		    strstr(listed, word) != NULL, "%s is not in %s", *a, path);
		n--;
	}
	ck_assert_uint_eq(n, 0);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_default_file_gives_builtin_defaults);
	tcase_add_test(tc, default_path_follows_xdg_config_home);
	tcase_add_test(tc, default_file_is_read_when_present);
	tcase_add_test(tc, named_config_file_must_exist);
	tcase_add_test(
	    tc, file_profile_is_chosen_and_applied_over_builtin_defaults);
	tcase_add_test(tc, profile_option_overrides_the_file_default);
	tcase_add_test(tc, profile_named_default_is_used_without_a_choice);
	tcase_add_test(tc, unknown_profile_is_an_error_with_a_suggestion);
	tcase_add_test(tc, file_default_profile_must_exist);
	tcase_add_test(tc, bad_number_names_file_line_and_column);
	tcase_add_test(tc, yaml_syntax_error_names_line_and_column);
	tcase_add_test(tc, a_value_holding_a_nul_is_an_error);
	tcase_add_test(tc, a_message_quoting_the_file_stays_one_safe_line);
	tcase_add_test(tc, wrong_kind_of_value_is_an_error);
	tcase_add_test(tc, misspelt_word_value_gets_a_suggestion);
	tcase_add_test(tc, unknown_key_is_a_warning_with_did_you_mean);
	tcase_add_test(tc, view_defaults_are_read);
	tcase_add_test(tc, keys_rebind_actions_by_name);
	tcase_add_test(tc, bad_key_name_is_an_error);
	tcase_add_test(tc, inline_token_in_a_file_others_can_read_is_refused);
	tcase_add_test(
	    tc, token_command_in_a_file_others_can_change_is_refused);
	tcase_add_test(tc, world_readable_file_without_token_is_fine);
	tcase_add_test(tc, print_config_masks_the_token);
	tcase_add_test(tc, printed_config_loads_back_without_warnings);
	tcase_add_test(tc, more_profiles_than_the_limit_is_an_error);
	tcase_add_test(tc, longer_watch_list_than_the_limit_is_an_error);
	tcase_add_test(tc, more_key_bindings_than_the_limit_is_an_error);
	tcase_add_test(tc, file_larger_than_the_limit_is_refused);
	tcase_add_test(tc, string_longer_than_the_limit_is_refused);
	tcase_add_test(tc, too_many_warnings_are_bounded);
	tcase_add_test(tc, man_page_names_every_rebindable_action);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
