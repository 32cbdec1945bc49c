/* mstore.h - the in-memory store: a bounded ring of pre-rendered events per
 * source (server model layer). */
#ifndef LOGDECK_SERVER_MSTORE_H
#define LOGDECK_SERVER_MSTORE_H

#include <stddef.h>

/* Most sources one in-memory store holds (all kinds together). */
#define MSTORE_SOURCES_MAX 4096
/* Most bytes of event text kept per source, whatever the ring size. */
#define MSTORE_SOURCE_BYTES_MAX ((size_t)64 << 20)

struct store;

/* Create an empty store keeping at most ring events per source (ring >= 1);
 * free it with store_free. NULL on allocation failure. */
struct store *mstore_new(size_t ring);
/* Remember at most max Idempotency-Keys (default IDEM_KEYS_DEFAULT, idem.h);
 * set before the first keyed batch. st must come from mstore_new. */
void mstore_set_idem_keys(struct store *st, size_t max);

#endif
