/* fuzz_optfile.c - libFuzzer target for logdeck-server --config FILE
 * (server/optfile.c on core/ydoc.c): the input is the YAML file, read
 * against a copy of the server's option table (main.c keeps its own
 * static; the kinds that matter are here: values, flags, secrets and the
 * options that are not settings).
 * Properties beyond no crash or leak: a refused file says why in one
 * "file:line:col: reason" line; an accepted one gives arguments that are
 * each "--name=value" or "--name" for an option of the table (never a
 * skipped one, a flag only as "--name"), each with its location, and that
 * getopt_long parses without complaint. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "server/optfile.h"

/* The server's options (src/server/server.c main_longopts). */
static const struct option fuzz_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"token", required_argument, NULL, 't'},
    {"auth-file", required_argument, NULL, 'A'},
    {"token-ttl", required_argument, NULL, 'T'},
    {"store", required_argument, NULL, 'D'},
    {"max-streams", required_argument, NULL, 'm'},
    {"metrics-token", required_argument, NULL, 'K'},
    {"access-log", no_argument, NULL, 'L'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
static const char *const fuzz_skip[] = {"config", "help", "version", NULL};
static const char *const fuzz_secret[] = {"token", "metrics-token", NULL};

/* The option named by an argument "--name[=value]", or NULL. */
static const struct option *
fuzz_option(const char *arg, bool *has_value)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg) - 2;
	const struct option *o;

	*has_value = eq != NULL;
	for (o = fuzz_opts; o->name != NULL; o++) {
		if (strlen(o->name) == n && strncmp(arg + 2, o->name, n) == 0)
			return o;
	}
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct optfile f = {0};
	const struct option *o;
	const char *path = fuzz_file(0, in, size);
	char err[1400], **argv;
	bool has_value;
	int i, c;

	err[0] = '\0';
	if (optfile_load(&f, path, "logdeck-server", fuzz_opts, fuzz_skip,
	        fuzz_secret, err, sizeof err) != 0) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL ||
		    strncmp(err, path, strlen(path)) != 0)
			fuzz_fail("refused without a located reason: %s", err);
		optfile_free(&f);
		return 0;
	}
	if (f.argc < 1 || strcmp(f.argv[0], "logdeck-server") != 0)
		fuzz_fail("argv[0] is not the program");
	for (i = 1; i < f.argc; i++) {
		if (strncmp(f.argv[i], "--", 2) != 0 ||
		    (o = fuzz_option(f.argv[i], &has_value)) == NULL)
			fuzz_fail("argument %s is no option", f.argv[i]);
		if (o->has_arg == no_argument && has_value)
			fuzz_fail("flag with a value: %s", f.argv[i]);
		if (o->has_arg == required_argument && !has_value)
			fuzz_fail("option without a value: %s", f.argv[i]);
		if (strcmp(o->name, "config") == 0 ||
		    strcmp(o->name, "help") == 0 ||
		    strcmp(o->name, "version") == 0)
			fuzz_fail(
			    "a skipped option came through: %s", f.argv[i]);
		if (f.where[i] == NULL ||
		    strncmp(f.where[i], path, strlen(path)) != 0)
			fuzz_fail("argument %d without a location", i);
	}
	/* getopt_long reads them as the server will. */
	if ((argv = calloc((size_t)f.argc + 1, sizeof *argv)) == NULL)
		fuzz_fail("out of memory");
	memcpy(argv, f.argv, (size_t)f.argc * sizeof *argv);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(f.argc, argv, "", fuzz_opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			fuzz_fail("getopt_long refuses an argument");
	}
	if (optind != f.argc)
		fuzz_fail("getopt_long left %d arguments", f.argc - optind);
	free(argv);
	optfile_free(&f);
	return 0;
}
