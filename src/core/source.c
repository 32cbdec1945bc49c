/* source.c - what a log stream is attached to: kind and id. */
#include "core/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *singular, *plural;
} source_kinds[] = {
    [SOURCE_AUTOMATION] = {"automation", "automations"},
    [SOURCE_PIPELINE] = {"pipeline", "pipelines"},
    [SOURCE_ARTIFACT] = {"artifact", "artifacts"},
};

int
source_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof source_kinds / sizeof source_kinds[0]; i++) {
		if (strcmp(s, source_kinds[i].singular) == 0 ||
		    strcmp(s, source_kinds[i].plural) == 0)
			return (int)i;
	}
	return -1;
}

const char *
source_kind_path(enum source_kind k)
{
	return source_kinds[k].plural;
}

int
source_parse(const char *spec, struct source *out, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	const char *id = spec;
	int kind = SOURCE_AUTOMATION;
	const char *p;

	memset(out, 0, sizeof *out);
	if (colon != NULL) {
		char word[32];
		size_t n = (size_t)(colon - spec);

		if (n < sizeof word) {
			memcpy(word, spec, n);
			word[n] = '\0';
			kind = source_kind_parse(word);
		} else {
			kind = -1;
		}
		if (kind < 0) {
			snprintf(err, errlen,
			    "'%.*s' is not a source kind "
			    "(automation, pipeline or artifact)",
			    (int)(n > 40 ? 40 : n), spec);
			return -1;
		}
		id = colon + 1;
	}
	if (*id == '\0') {
		snprintf(err, errlen, "empty source id in '%.80s'", spec);
		return -1;
	}
	if (strlen(id) > SOURCE_MAX_ID) {
		snprintf(err, errlen, "source id longer than %d bytes",
		    SOURCE_MAX_ID);
		return -1;
	}
	for (p = id; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen,
			    "source id contains a control "
			    "character");
			return -1;
		}
	}
	out->kind = (enum source_kind)kind;
	out->id = strdup(id);
	out->name = strdup(id);
	if (out->id == NULL || out->name == NULL) {
		source_clear(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
source_set_name(struct source *s, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL)
		return;
	free(s->name);
	s->name = copy;
}

void
source_copy(struct source *dst, const struct source *src)
{
	dst->kind = src->kind;
	dst->id = strdup(src->id);
	dst->name = strdup(src->name != NULL ? src->name : src->id);
}

void
source_clear(struct source *s)
{
	free(s->id);
	free(s->name);
	s->id = s->name = NULL;
}
