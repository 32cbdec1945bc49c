/* fuzz_theme.c - libFuzzer target for theme files (theme.c on
 * core/ydoc.c): the input is a theme's YAML; "inherits:" finds the
 * installed themes of the source tree (LOGDECK_DATADIR is set to it and
 * XDG_CONFIG_HOME to a directory that does not exist, so no user theme
 * takes part).
 * Properties beyond no crash or leak: a refused theme says why in one
 * line and still hands back the built-in default, as the caller relies on;
 * an accepted one has a name and every element's monochrome attributes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "theme.h"

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static bool env;
	struct theme *t = NULL;
	const char *path;
	char err[1024];
	int e, rc;

	if (!env) {
		setenv("LOGDECK_DATADIR", FUZZ_SRCDIR, 1);
		setenv("XDG_CONFIG_HOME", "/nonexistent/logdeck-fuzz", 1);
		env = true;
	}
	path = fuzz_file(0, in, size);
	err[0] = '\0';
	rc = theme_load(path, &t, err, sizeof err);
	if (t == NULL)
		fuzz_fail("no theme handed back (rc %d)", rc);
	if (rc != 0 && (err[0] == '\0' || strchr(err, '\n') != NULL ||
	                   strcmp(theme_path(t), "built-in") != 0))
		fuzz_fail("refused without a reason or the default: %s", err);
	if (theme_name(t) == NULL || theme_path(t) == NULL)
		fuzz_fail("a theme without a name");
	/* Monochrome: attributes only, no curses colour state needed. */
	theme_apply(t, 0);
	for (e = 0; e < THEME_ELEM_COUNT; e++)
		theme_attr(t, (enum theme_elem)e);
	theme_free(t);
	return 0;
}
