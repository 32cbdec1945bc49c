/* source.h - what a log stream is attached to: kind and id (model layer). */
#ifndef LOGDECK_SOURCE_H
#define LOGDECK_SOURCE_H

#include <stddef.h>

/* Longest source id accepted (on the command line or in a config). */
#define SOURCE_MAX_ID 512

enum source_kind {
	SOURCE_AUTOMATION,
	SOURCE_PIPELINE,
	SOURCE_ARTIFACT,
};

struct source {
	enum source_kind kind;
	char *id;   /* owned */
	char *name; /* owned; the display name (the id until resolved) */
};

/* Parse "ID", "automation:ID", "pipeline:ID" or "artifact:ID" (plural kind
 * names too). Returns 0, or -1 with a one-line reason in err. */
int source_parse(
    const char *spec, struct source *out, char *err, size_t errlen);
/* Map "automations"/"automation" (etc.) to a kind; -1 when unknown. */
int source_kind_parse(const char *s);
/* The API path segment of a kind: "automations", "pipelines", "artifacts". */
const char *source_kind_path(enum source_kind k);
/* Replace the display name (copied). */
void source_set_name(struct source *s, const char *name);
/* Copy src into dst (deep). */
void source_copy(struct source *dst, const struct source *src);
/* Free what a source owns (not the struct itself). */
void source_clear(struct source *s);

#endif
