/* resolve.h - turn the sources named on the command line into ids known
 * to the server (transport layer, start-up only). */
#ifndef LOGDECK_RESOLVE_H
#define LOGDECK_RESOLVE_H

#include <stddef.h>

struct client_cfg;
struct source;

enum resolve_result {
	RESOLVE_OK,
	RESOLVE_BAD_SOURCE,  /* unknown or ambiguous name: a usage error */
	RESOLVE_UNREACHABLE, /* transport or authorization failure */
};

/* Look each source up in the server's list of its kind: an id stays, a
 * unique name becomes its id, and the display name is filled in. On
 * failure err holds one line for the operator. */
enum resolve_result resolve_sources(const struct client_cfg *c,
    struct source *srcs, size_t n, char *err, size_t errlen);

#endif
