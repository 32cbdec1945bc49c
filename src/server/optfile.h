/* optfile.h - logdeck-server --config FILE: a YAML mapping of long options
 * turned into "--name=value" arguments for the command-line parser, so that
 * every option of the getopt table is a key with no code of its own
 * (configuration layer). */
#ifndef LOGDECK_SERVER_OPTFILE_H
#define LOGDECK_SERVER_OPTFILE_H

#include <getopt.h>
#include <stddef.h>

/* Largest configuration file read. */
#define OPTFILE_MAX (64 * 1024)

/* The arguments a file stands for. argv[0] is the program name, argv[1..argc)
 * are "--name=value" (or "--name" for a flag set to true), and where[i] is
 * "FILE:LINE:COL: " of the value argv[i] came from, for messages. All owned;
 * argv stays valid until optfile_free, so options may point into it. */
struct optfile {
	int argc;
	char **argv;
	char **where;
};

/* Read path as a mapping of long option names (from opts, except those named
 * in skip, a NULL-terminated list of options that are not settings) to
 * values. secret (NULL-terminated) names the options whose values are
 * secrets. Scalars become "--name=value"; for options without an argument the
 * value is true (the flag) or false (nothing). Refuses unknown keys (with a
 * did-you-mean suggestion), repeated keys, values that are not scalars, and a
 * file that group or others may read when it holds a secret (an option of
 * secret, or any value that is a database URL with a password). Returns 0, or
 * -1 with "FILE:LINE:COL: reason" in err. f is always set up; release it with
 * optfile_free. */
int optfile_load(struct optfile *f, const char *path, const char *prog,
    const struct option *opts, const char *const *skip,
    const char *const *secret, char *err, size_t errlen);
/* Release what optfile_load set up; a zeroed struct is fine. */
void optfile_free(struct optfile *f);

#endif
