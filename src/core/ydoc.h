/* ydoc.h - a YAML file loaded as a node tree, with messages that name the
 * file, line and column (configuration layer, no curses). */
#ifndef LOGDECK_YDOC_H
#define LOGDECK_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "core/buf.h"

struct ydoc {
	yaml_document_t doc;
	char *path;      /* owned; how messages name the file */
	bool loaded;     /* doc holds a document (free it) */
	struct buf warn; /* warning lines, each ending in \n */
};

/* Read path (at most max bytes) and parse its first YAML document. An empty
 * file is an empty mapping. Returns 0, or -1 with "path:line:col: reason" in
 * err. d is always set up and must be released with ydoc_free. */
int ydoc_load(
    struct ydoc *d, const char *path, size_t max, char *err, size_t errlen);
/* Parse text (an option's value) as ydoc_load parses a file; messages
 * name it name ("--alert:1:5: ..."). */
int ydoc_load_text(struct ydoc *d, const char *name, const char *text,
    char *err, size_t errlen);
/* Release what ydoc_load set up; a zeroed struct is fine. */
void ydoc_free(struct ydoc *d);
/* The root node, or NULL for an empty document. */
yaml_node_t *ydoc_root(struct ydoc *d);
/* A node by index (mapping pairs and sequence items hold indexes). */
yaml_node_t *ydoc_node(struct ydoc *d, int index);
/* The text of a scalar node (NUL-terminated), or NULL for other kinds. */
const char *ydoc_scalar(const yaml_node_t *n);
/* Write "path:line:col: " and the formatted reason into err. Returns -1 so
 * callers can `return ydoc_error(...)`. */
int ydoc_error(const struct ydoc *d, const yaml_node_t *n, char *err,
    size_t errlen, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Add "path:line:col: warning: reason" to the warnings. */
void ydoc_warn(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Warn about an unknown mapping key, suggesting the closest of the known
 * names when one is near (did you mean ...). where says what the mapping
 * is ("profile 'work'"); known is NULL-terminated. */
void ydoc_unknown_key(struct ydoc *d, const yaml_node_t *key, const char *where,
    const char *const *known);
/* The candidate closest to word by edit distance, or NULL when none is
 * close enough to be a likely typo. candidates is NULL-terminated. */
const char *ydoc_suggest(const char *word, const char *const *candidates);

#endif
