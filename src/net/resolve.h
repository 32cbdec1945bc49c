/* resolve.h - turn the sources named on the command line into ids known
 * to the server (transport layer, start-up only). */
#ifndef LOGDECK_RESOLVE_H
#define LOGDECK_RESOLVE_H

#include <stddef.h>

#include "core/event.h"

struct client_cfg;
struct source;

enum resolve_result {
	RESOLVE_OK,
	RESOLVE_BAD_SOURCE,  /* unknown or ambiguous name: a usage error */
	RESOLVE_UNREACHABLE, /* transport or authorization failure */
};

/* What the server's list said of a source's newest run. */
struct resolve_run {
	long long run; /* 0: the source has had no run (or no runs API) */
	enum run_status status;
};

/* Look each source up in the server's list of its kind: an id stays, a
 * unique name becomes its id, and the display name is filled in; runs
 * (NULL, or n entries) receives each one's newest run. On failure err
 * holds one line for the operator. */
enum resolve_result resolve_sources(const struct client_cfg *c,
    struct source *srcs, size_t n, struct resolve_run *runs, char *err,
    size_t errlen);

#endif
