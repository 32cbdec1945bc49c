/* optfile.c - a YAML file of long options, read as command-line arguments. */
#include "optfile.h"

#include "core/ydoc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longest "FILE:LINE:COL: " prefix kept for a message. */
#define OPTFILE_WHERE_MAX 1100

/* True when name is in the NULL-terminated list. */
static bool
optfile_listed(const char *name, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* The option of opts called name that is a setting, or NULL. */
static const struct option *
optfile_find(
    const struct option *opts, const char *const *skip, const char *name)
{
	for (; opts->name != NULL; opts++)
		if (strcmp(opts->name, name) == 0 &&
		    !optfile_listed(name, skip))
			return opts;
	return NULL;
}

/* True when the value of option name is a secret others must not read: an
 * option listed in secret, or any value that is a database URL carrying a
 * password (postgresql://user:pw@host, or a password= parameter). */
static bool
optfile_secret(const char *name, const char *value, const char *const *secret)
{
	const char *auth, *at;

	if (optfile_listed(name, secret))
		return true;
	if (strstr(value, "password=") != NULL)
		return true;
	if ((auth = strstr(value, "://")) == NULL)
		return false;
	auth += 3;
	at = strchr(auth, '@');
	return at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL;
}

/* Append "--name[=value]" with its location to f (room is reserved). */
static int
optfile_push(struct optfile *f, struct ydoc *d, const yaml_node_t *at,
    const char *name, const char *value, char *err, size_t errlen)
{
	size_t len = strlen(name) + 3 + (value != NULL ? strlen(value) + 1 : 0);
	char *arg = malloc(len), *where = malloc(OPTFILE_WHERE_MAX);

	if (arg == NULL || where == NULL) {
		free(arg);
		free(where);
		return ydoc_error(d, at, err, errlen, "out of memory");
	}
	if (value != NULL)
		snprintf(arg, len, "--%s=%s", name, value);
	else
		snprintf(arg, len, "--%s", name);
	ydoc_error(d, at, where, OPTFILE_WHERE_MAX, "%s", "");
	f->argv[f->argc] = arg;
	f->where[f->argc] = where;
	f->argc++;
	return 0;
}

/* Refuse a file holding a secret that group or others may read. */
static int
optfile_private(struct ydoc *d, const yaml_node_t *at, const char *path,
    const char *name, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return ydoc_error(d, NULL, err, errlen, "%s", strerror(errno));
	if ((st.st_mode & 077) == 0)
		return 0;
	return ydoc_error(d, at, err, errlen,
	    "%s holds a secret but other users can read or change this "
	    "file (mode %04o); refusing to use it. Run: chmod 600 %s",
	    name, (unsigned)(st.st_mode & 07777), path);
}

/* Refuse the key of pair p when an earlier pair of root has it too. */
static int
optfile_repeated(struct ydoc *d, const yaml_node_t *root,
    const yaml_node_pair_t *p, char *err, size_t errlen)
{
	const yaml_node_pair_t *q;
	yaml_node_t *key = ydoc_node(d, p->key);
	const char *k = ydoc_scalar(key), *o;

	for (q = root->data.mapping.pairs.start; k != NULL && q < p; q++)
		if ((o = ydoc_scalar(ydoc_node(d, q->key))) != NULL &&
		    strcmp(o, k) == 0)
			return ydoc_error(
			    d, key, err, errlen, "'%s' is given twice", k);
	return 0;
}

/* Turn one "key: value" pair into an argument of f. */
static int
optfile_pair(struct optfile *f, struct ydoc *d, const char *path,
    const yaml_node_t *key, const yaml_node_t *val, const char **names,
    const struct option *opts, const char *const *skip,
    const char *const *secret, char *err, size_t errlen)
{
	const char *k = ydoc_scalar(key), *v = ydoc_scalar(val), *s;
	const struct option *o;

	if (k == NULL)
		return ydoc_error(
		    d, key, err, errlen, "a key must be the name of an option");
	if ((o = optfile_find(opts, skip, k)) == NULL) {
		s = ydoc_suggest(k, (const char *const *)names);
		if (optfile_listed(k, skip))
			return ydoc_error(d, key, err, errlen,
			    "'%s' is not a setting of the file", k);
		if (s != NULL)
			return ydoc_error(d, key, err, errlen,
			    "unknown key '%s'; did you mean '%s'?", k, s);
		return ydoc_error(d, key, err, errlen,
		    "unknown key '%s' (the keys are the long options of "
		    "--help)",
		    k);
	}
	if (v == NULL || (val->data.scalar.length == 0 &&
	                     val->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
		return ydoc_error(d, val, err, errlen,
		    "'%s' needs a value (a string, number or boolean)", k);
	if (strlen(v) != val->data.scalar.length)
		return ydoc_error(
		    d, val, err, errlen, "the value of '%s' holds a NUL", k);
	if (optfile_secret(k, v, secret) &&
	    optfile_private(d, key, path, k, err, errlen) != 0)
		return -1;
	if (o->has_arg == no_argument) {
		if (strcmp(v, "true") == 0)
			return optfile_push(f, d, val, k, NULL, err, errlen);
		if (strcmp(v, "false") == 0)
			return 0;
		return ydoc_error(d, val, err, errlen,
		    "'%s' is true or false, not '%s'", k, v);
	}
	return optfile_push(f, d, val, k, v, err, errlen);
}

/* Load path into f. */
int
optfile_load(struct optfile *f, const char *path, const char *prog,
    const struct option *opts, const char *const *skip,
    const char *const *secret, char *err, size_t errlen)
{
	struct ydoc d;
	yaml_node_t *root;
	yaml_node_pair_t *p;
	const char **names = NULL;
	size_t nopts = 0, i, k = 0;
	int rc = -1;

	memset(f, 0, sizeof *f);
	while (opts[nopts].name != NULL)
		nopts++;
	/* Each option is given at most once: the table bounds the arguments. */
	f->argv = calloc(nopts + 2, sizeof *f->argv);
	f->where = calloc(nopts + 2, sizeof *f->where);
	names = calloc(nopts + 1, sizeof *names);
	if (f->argv == NULL || f->where == NULL || names == NULL ||
	    (f->argv[0] = strdup(prog)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(names);
		return -1;
	}
	f->argc = 1;
	for (i = 0; i < nopts; i++)
		if (!optfile_listed(opts[i].name, skip))
			names[k++] = opts[i].name;
	if (ydoc_load(&d, path, OPTFILE_MAX, err, errlen) != 0)
		goto out;
	root = ydoc_root(&d);
	if (root != NULL && root->type == YAML_SCALAR_NODE &&
	    root->data.scalar.length == 0)
		root = NULL;
	if (root != NULL && root->type != YAML_MAPPING_NODE) {
		ydoc_error(&d, root, err, errlen,
		    "the file must be a mapping of option names to values");
		goto out;
	}
	for (p = root != NULL ? root->data.mapping.pairs.start : NULL;
	     root != NULL && p < root->data.mapping.pairs.top; p++) {
		if (optfile_repeated(&d, root, p, err, errlen) != 0 ||
		    optfile_pair(f, &d, path, ydoc_node(&d, p->key),
		        ydoc_node(&d, p->value), names, opts, skip, secret, err,
		        errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	ydoc_free(&d);
	free(names);
	return rc;
}

/* Free the arguments and their locations. */
void
optfile_free(struct optfile *f)
{
	int i;

	for (i = 0; f->argv != NULL && i < f->argc; i++) {
		free(f->argv[i]);
		if (f->where != NULL)
			free(f->where[i]);
	}
	free(f->argv);
	free(f->where);
	memset(f, 0, sizeof *f);
}
