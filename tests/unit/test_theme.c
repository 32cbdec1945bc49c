/* test_theme.c - themes: every shipped theme is complete, inheritance,
 * user themes first, bad themes fall back with a located error. */
#define _GNU_SOURCE
#include <check.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "theme.h"

static const char *const shipped[] = {
    "default", "light", "solarized-dark", "high-contrast", "mono"};

static char tmpdir[64];
static char err[1024];
static SCREEN *screen;
static FILE *term_out, *term_in;

/* A fresh home without user themes; the source tree is the data dir. */
static void
setup(void)
{
	const char *src = getenv("LOGDECK_SRCDIR");

	strcpy(tmpdir, "/tmp/ldtheme.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("LOGDECK_DATADIR", src != NULL ? src : ".", 1);
	err[0] = '\0';
}

/* Remove the temporary home. */
static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write a user theme file tmpdir/logdeck/themes/NAME.yaml. */
static void
put_theme(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/logdeck", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/logdeck/themes", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/logdeck/themes/%s.yaml", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A curses screen on /dev/null, so pairs can be set and read back. */
static void
term_start(void)
{
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	screen = newterm("xterm-256color", term_out, term_in);
	ck_assert_ptr_nonnull(screen);
	ck_assert_int_eq(start_color(), OK);
}

/* End the curses screen. */
static void
term_stop(void)
{
	endwin();
	delscreen(screen);
	fclose(term_out);
	fclose(term_in);
}

/* What an element looks like in one mode: pair colours and attributes. */
struct look {
	short fg, bg;
	attr_t attr;
};

/* Read back every element of t in mode colors (256, 8 or 0). */
static void
looks(const struct theme *t, int colors, struct look *out)
{
	int e;

	theme_apply(t, colors);
	for (e = 0; e < THEME_ELEM_COUNT; e++) {
		out[e].attr = theme_attr(t, (enum theme_elem)e);
		out[e].fg = out[e].bg = -2;
		if (colors > 0)
			pair_content((short)(e + 1), &out[e].fg, &out[e].bg);
	}
}

START_TEST(every_shipped_theme_loads_with_every_element_defined)
{
	struct theme *t;
	struct look l[THEME_ELEM_COUNT];
	size_t i;
	int e;

	term_start();
	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		ck_assert_msg(theme_load(shipped[i], &t, err, sizeof err) == 0,
		    "%s: %s", shipped[i], err);
		ck_assert_str_eq(theme_name(t), shipped[i]);
		ck_assert_ptr_nonnull(strstr(theme_path(t), "/themes/"));
		looks(t, 8, l);
		for (e = 0; e < THEME_ELEM_COUNT; e++) {
			ck_assert_int_le(l[e].fg, 7);
			ck_assert_int_le(l[e].bg, 7);
			ck_assert(l[e].attr & A_COLOR);
		}
		looks(t, 256, l);
		looks(t, 0, l);
		for (e = 0; e < THEME_ELEM_COUNT; e++)
			ck_assert((l[e].attr & A_COLOR) == 0);
		theme_free(t);
	}
	term_stop();
}
END_TEST

START_TEST(default_theme_file_matches_the_builtin_copy)
{
	struct theme *file, *builtin = theme_builtin();
	struct look a[THEME_ELEM_COUNT], b[THEME_ELEM_COUNT];
	static const int modes[] = {256, 8, 0};
	size_t m;
	int e;

	ck_assert_int_eq(theme_load("default", &file, err, sizeof err), 0);
	ck_assert_str_ne(theme_path(file), "built-in");
	term_start();
	for (m = 0; m < 3; m++) {
		looks(file, modes[m], a);
		looks(builtin, modes[m], b);
		for (e = 0; e < THEME_ELEM_COUNT; e++) {
			ck_assert_msg(a[e].fg == b[e].fg &&
			                  a[e].bg == b[e].bg &&
			                  a[e].attr == b[e].attr,
			    "%s differs with %d colours",
			    theme_elem_name((enum theme_elem)e), modes[m]);
		}
	}
	term_stop();
	theme_free(file);
	theme_free(builtin);
}
END_TEST

START_TEST(mono_mode_uses_the_mono_attributes)
{
	struct theme *t = theme_builtin();

	theme_apply(t, 0);
	ck_assert_int_eq(theme_attr(t, THEME_SELECTION), A_REVERSE);
	ck_assert_int_eq(
	    theme_attr(t, THEME_LEVEL_ERROR), A_BOLD | A_UNDERLINE);
	ck_assert_int_eq(theme_attr(t, THEME_LEVEL_INFO), A_NORMAL);
	theme_free(t);
}
END_TEST

START_TEST(default_is_builtin_when_nothing_is_installed)
{
	struct theme *t;

	setenv("LOGDECK_DATADIR", "/nonexistent", 1);
	ck_assert_int_eq(theme_load(NULL, &t, err, sizeof err), 0);
	ck_assert_str_eq(theme_path(t), "built-in");
	theme_free(t);
}
END_TEST

START_TEST(user_theme_overrides_the_installed_one_and_may_inherit_it)
{
	struct theme *t, *inst;
	struct look a[THEME_ELEM_COUNT], b[THEME_ELEM_COUNT];
	char path[256];
	int e;

	put_theme("light",
	    "inherits: light\nelements:\n"
	    "  match: {fg: 16, bg: 201, fg8: black, bg8: magenta}\n");
	ck_assert_msg(theme_load("light", &t, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_nonnull(strstr(theme_path(t), tmpdir));
	snprintf(path, sizeof path, "%s/themes/light.yaml",
	    getenv("LOGDECK_DATADIR"));
	ck_assert_int_eq(theme_load(path, &inst, err, sizeof err), 0);
	term_start();
	looks(t, 256, a);
	looks(inst, 256, b);
	for (e = 0; e < THEME_ELEM_COUNT; e++) {
		if (e == THEME_MATCH) {
			ck_assert_int_eq(a[e].bg, 201);
			ck_assert_int_ne(b[e].bg, 201);
		} else {
			ck_assert_int_eq(a[e].fg, b[e].fg);
			ck_assert_int_eq(a[e].bg, b[e].bg);
			ck_assert_int_eq(a[e].attr, b[e].attr);
		}
	}
	term_stop();
	theme_free(t);
	theme_free(inst);
}
END_TEST

START_TEST(theme_by_path_inherits_by_name)
{
	struct theme *t;
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/mine.yaml", tmpdir);
	f = fopen(path, "w");
	fputs(
	    "inherits: solarized-dark\nelements:\n  border: {attr: bold}\n", f);
	fclose(f);
	ck_assert_msg(theme_load(path, &t, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(theme_name(t), "mine");
	ck_assert_str_eq(theme_path(t), path);
	theme_apply(t, 0);
	ck_assert_int_eq(theme_attr(t, THEME_BORDER), A_BOLD);
	ck_assert_int_eq(theme_attr(t, THEME_SELECTION), A_REVERSE);
	theme_free(t);
}
END_TEST

START_TEST(bad_colour_gives_file_line_error_and_the_default)
{
	struct theme *t;

	put_theme("bad", "inherits: default\nelements:\n"
	                 "  level.warn: {fg: purple}\n");
	ck_assert_int_eq(theme_load("bad", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/themes/bad.yaml:3:20: level.warn: "
	                                  "'fg' must be a colour"));
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(theme_name(t), "default");
	ck_assert_str_eq(theme_path(t), "built-in");
	theme_free(t);
}
END_TEST

START_TEST(base_theme_missing_an_element_is_an_error)
{
	struct theme *t;

	put_theme("partial", "elements:\n  normal: {}\n");
	ck_assert_int_eq(theme_load("partial", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "partial.yaml:2:3: element "
	                                  "'level.trace' is not defined"));
	theme_free(t);
}
END_TEST

START_TEST(unknown_element_gets_a_suggestion)
{
	struct theme *t;

	put_theme("typo", "inherits: default\nelements:\n"
	                  "  levle.warn: {fg: red}\n");
	ck_assert_int_eq(theme_load("typo", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "typo.yaml:3:3: unknown element "
	                "'levle.warn'; did you mean 'level.warn'?"));
	theme_free(t);
}
END_TEST

START_TEST(colour_above_seven_needs_an_8_colour_fallback)
{
	struct theme *t;

	put_theme("nofb", "inherits: default\nelements:\n"
	                  "  title: {fg: 208}\n");
	ck_assert_int_eq(theme_load("nofb", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "nofb.yaml:3:10: title: 'fg8' is "
	                "needed: fg 208 has no 8-colour equivalent"));
	theme_free(t);
}
END_TEST

START_TEST(inheritance_loop_is_an_error)
{
	struct theme *t;

	put_theme("a", "inherits: b\n");
	put_theme("b", "inherits: a\n");
	ck_assert_int_eq(theme_load("a", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "b.yaml:1:11: no theme 'a' to "
	                                  "inherit from"));
	theme_free(t);
}
END_TEST

START_TEST(inheritance_deeper_than_the_limit_is_an_error)
{
	struct theme *t;
	char name[8], text[64];
	int i;

	/* d0 inherits d1 ... d7 inherits d8, d8 inherits default. */
	for (i = 0; i < 9; i++) {
		snprintf(name, sizeof name, "d%d", i);
		if (i < 8)
			snprintf(text, sizeof text, "inherits: d%d\n", i + 1);
		else
			snprintf(text, sizeof text, "inherits: default\n");
		put_theme(name, text);
	}
	ck_assert_int_eq(theme_load("d0", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "d7.yaml:1:11: themes inherit more "
	                                  "than 8 deep"));
	theme_free(t);
	ck_assert_msg(theme_load("d2", &t, err, sizeof err) == 0, "%s", err);
	theme_free(t);
}
END_TEST

START_TEST(theme_file_larger_than_the_limit_is_refused)
{
	struct theme *t;
	char *big = malloc(256 * 1024 + 2);

	memset(big, '#', 256 * 1024 + 1);
	big[256 * 1024 + 1] = '\0';
	put_theme("big", big);
	ck_assert_int_eq(theme_load("big", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than 262144 bytes"));
	theme_free(t);
	free(big);
}
END_TEST

START_TEST(unknown_theme_name_is_an_error)
{
	struct theme *t;

	ck_assert_int_eq(theme_load("nosuch", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "no theme 'nosuch' (logdeck --list-themes shows "
	                      "the installed ones)");
	ck_assert_str_eq(theme_path(t), "built-in");
	theme_free(t);
}
END_TEST

START_TEST(list_shows_user_themes_over_installed_ones)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char want[256];

	put_theme("light", "inherits: light\n");
	put_theme("zebra", "inherits: mono\n");
	theme_list(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "default\t"));
	ck_assert_ptr_nonnull(strstr(text, "high-contrast\t"));
	ck_assert_ptr_nonnull(strstr(text, "mono\t"));
	ck_assert_ptr_nonnull(strstr(text, "solarized-dark\t"));
	snprintf(
	    want, sizeof want, "light\t%s/logdeck/themes/light.yaml\n", tmpdir);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_null(strstr(strstr(text, want) + 1, "\nlight\t"));
	ck_assert_ptr_nonnull(strstr(text, "\nzebra\t"));
	ck_assert(strstr(text, "default\t") < strstr(text, "light\t"));
	free(text);
}
END_TEST

START_TEST(theme_list_stops_at_its_limit)
{
	char *text = NULL, name[16];
	size_t len = 0, lines = 0, i;
	FILE *f;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "t%03zu", i);
		put_theme(name, "inherits: mono\n");
	}
	f = open_memstream(&text, &len);
	theme_list(f);
	fclose(f);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* 256 found, plus the built-in default when it was not among them. */
	ck_assert_uint_eq(lines, 257);
	ck_assert_ptr_nonnull(strstr(text, "default\tbuilt-in\n"));
	free(text);
}
END_TEST

START_TEST(theme_name_longer_than_the_limit_is_refused)
{
	struct theme *t;
	char name[80];

	memset(name, 'x', 65);
	name[65] = '\0';
	ck_assert_int_eq(theme_load(name, &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "a theme name is letters, digits"));
	theme_free(t);
	name[64] = '\0';
	ck_assert_int_eq(theme_load(name, &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no theme 'xxxx"));
	theme_free(t);
}
END_TEST

static Suite *
theme_suite(void)
{
	Suite *s = suite_create("theme");
	TCase *tc = tcase_create("theme");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, every_shipped_theme_loads_with_every_element_defined);
	tcase_add_test(tc, default_theme_file_matches_the_builtin_copy);
	tcase_add_test(tc, mono_mode_uses_the_mono_attributes);
	tcase_add_test(tc, default_is_builtin_when_nothing_is_installed);
	tcase_add_test(
	    tc, user_theme_overrides_the_installed_one_and_may_inherit_it);
	tcase_add_test(tc, theme_by_path_inherits_by_name);
	tcase_add_test(tc, bad_colour_gives_file_line_error_and_the_default);
	tcase_add_test(tc, base_theme_missing_an_element_is_an_error);
	tcase_add_test(tc, unknown_element_gets_a_suggestion);
	tcase_add_test(tc, colour_above_seven_needs_an_8_colour_fallback);
	tcase_add_test(tc, inheritance_loop_is_an_error);
	tcase_add_test(tc, inheritance_deeper_than_the_limit_is_an_error);
	tcase_add_test(tc, theme_file_larger_than_the_limit_is_refused);
	tcase_add_test(tc, unknown_theme_name_is_an_error);
	tcase_add_test(tc, list_shows_user_themes_over_installed_ones);
	tcase_add_test(tc, theme_list_stops_at_its_limit);
	tcase_add_test(tc, theme_name_longer_than_the_limit_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(theme_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
