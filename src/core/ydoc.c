/* ydoc.c - YAML files as node trees, with file:line:col messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ydoc.h"
#include "core/esc.h"

/* Longest message (location and reason) before it is made one safe line;
 * longer ones are cut. */
#define YDOC_MESSAGE_MAX 4096

/* Warnings kept per file; later ones are dropped. */
#define YDOC_MAX_WARN 16384
/* Words longer than this are never matched for a suggestion. */
#define YDOC_SUGGEST_MAX 64

/* Set up d for path with nothing loaded yet. */
static void
ydoc_init(struct ydoc *d, const char *path)
{
	memset(d, 0, sizeof *d);
	d->path = strdup(path);
	buf_init(&d->warn, YDOC_MAX_WARN);
}

/* Read at most max bytes of path into a new string (*out, caller frees). */
static int
ydoc_read(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *f;
	char *p;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		fclose(f);
		return -1;
	}
	if ((p = malloc(max + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return -1;
	}
	n = fread(p, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		/* The file grew after fstat. */
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		free(p);
		return -1;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

/* Refuse a document with a scalar that holds a NUL ("a\0b" or
 * "\u0000" in a quoted scalar): its users read scalars as C strings, so a
 * token or secret would silently end at the NUL. 0, or -1 with err set. */
static int
ydoc_check_nul(struct ydoc *d, char *err, size_t errlen)
{
	yaml_node_t *n;

	for (n = d->doc.nodes.start; n < d->doc.nodes.top; n++) {
		if (n->type == YAML_SCALAR_NODE &&
		    strlen((const char *)n->data.scalar.value) !=
		        n->data.scalar.length)
			return ydoc_error(d, n, err, errlen,
			    "a value must not hold a NUL character");
	}
	return 0;
}

/* Parse len bytes of YAML text into d (set up for its name). */
static int
ydoc_parse(struct ydoc *d, const char *path, const char *text, size_t len,
    char *err, size_t errlen)
{
	yaml_parser_t parser;
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, &d->doc);
	if (!ok) {
		snprintf(err, errlen, "%s:%zu:%zu: YAML syntax: %s%s%s", path,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "unreadable",
		    parser.context != NULL ? " " : "",
		    parser.context != NULL ? parser.context : "");
	} else
		d->loaded = true;
	yaml_parser_delete(&parser);
	if (ok && ydoc_check_nul(d, err, errlen) != 0)
		return -1;
	return ok ? 0 : -1;
}

/* Load and parse one YAML file. */
int
ydoc_load(
    struct ydoc *d, const char *path, size_t max, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r;

	ydoc_init(d, path);
	if (ydoc_read(path, max, &text, &len, err, errlen) != 0)
		return -1;
	r = ydoc_parse(d, path, text, len, err, errlen);
	free(text);
	return r;
}

/* Parse YAML text given on the command line. */
int
ydoc_load_text(struct ydoc *d, const char *name, const char *text, char *err,
    size_t errlen)
{
	ydoc_init(d, name);
	return ydoc_parse(d, name, text, strlen(text), err, errlen);
}

/* Free the document, path and warnings. */
void
ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
	free(d->path);
	d->path = NULL;
	buf_free(&d->warn);
}

/* The root node of the document. */
yaml_node_t *
ydoc_root(struct ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

/* A node by its index in the document. */
yaml_node_t *
ydoc_node(struct ydoc *d, int index)
{
	return yaml_document_get_node(&d->doc, index);
}

/* The text of a scalar. */
const char *
ydoc_scalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* Format a located message with a prefix into out. */
static void
ydoc_vformat(const struct ydoc *d, const yaml_node_t *n, char *out,
    size_t outlen, const char *tag, const char *fmt, va_list ap)
{
	char msg[YDOC_MESSAGE_MAX];
	int k;

	if (n != NULL)
		k = snprintf(msg, sizeof msg, "%s:%zu:%zu: %s", d->path,
		    n->start_mark.line + 1, n->start_mark.column + 1, tag);
	else
		k = snprintf(msg, sizeof msg, "%s: %s", d->path, tag);
	if (k >= 0 && (size_t)k < sizeof msg)
		vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
	/* Values quoted in the reason come from the file: a name with a
	 * newline or an escape sequence must not break the one line or
	 * reach the terminal raw. */
	esc_line(out, outlen, msg);
}

/* Write a located error into err. */
int
ydoc_error(const struct ydoc *d, const yaml_node_t *n, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ydoc_vformat(d, n, err, errlen, "", fmt, ap);
	va_end(ap);
	return -1;
}

/* Add a located warning line. */
void
ydoc_warn(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	ydoc_vformat(d, n, line, sizeof line - 1, "warning: ", fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	/* Past the limit the warning is dropped: the first ones matter. */
	buf_puts(&d->warn, line);
}

/* Warn about an unknown key with a suggestion when one is near. */
void
ydoc_unknown_key(struct ydoc *d, const yaml_node_t *key, const char *where,
    const char *const *known)
{
	const char *k = ydoc_scalar(key), *s;

	if (k == NULL) {
		ydoc_warn(d, key, "a key in %s must be a name; ignored", where);
		return;
	}
	s = known != NULL ? ydoc_suggest(k, known) : NULL;
	if (s != NULL)
		ydoc_warn(d, key,
		    "unknown key '%s' in %s (ignored); did you "
		    "mean '%s'?",
		    k, where, s);
	else
		ydoc_warn(d, key, "unknown key '%s' in %s (ignored)", k, where);
}

/* Optimal string alignment distance (edits and swaps of neighbours). */
static size_t
ydoc_distance(const char *a, const char *b)
{
	size_t d[YDOC_SUGGEST_MAX + 1][YDOC_SUGGEST_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, v;

	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The nearest candidate within a typo's distance. */
const char *
ydoc_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t len = strlen(word), limit, dist, bestd = (size_t)-1;

	if (len > YDOC_SUGGEST_MAX)
		return NULL;
	limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	for (; *candidates != NULL; candidates++) {
		if (strlen(*candidates) > YDOC_SUGGEST_MAX)
			continue;
		dist = ydoc_distance(word, *candidates);
		if (dist <= limit && dist < bestd) {
			best = *candidates;
			bestd = dist;
		}
	}
	return best;
}
