/* mstore.h - the in-memory store: a bounded ring of pre-rendered events per
 * source (server model layer). */
#ifndef LOGDECK_SERVER_MSTORE_H
#define LOGDECK_SERVER_MSTORE_H

#include <stddef.h>

/* Most sources one in-memory store holds (all kinds together). */
#define MSTORE_SOURCES_MAX 4096
/* Most bytes of event text kept per source, whatever the ring size. */
#define MSTORE_SOURCE_BYTES_MAX ((size_t)64 << 20)
/* Default --max-store-memory: every byte the store allocates, all sources
 * together (events as malloc lays them out, rings, sources, runs); the
 * oldest events of the whole store go past it. 1 GiB holds about four
 * million events of 250 bytes (an event costs its line and about 30
 * bytes); it is lowered to half the physical memory on a smaller machine
 * (mstore_default_memory). logdeck-server(1) says why. */
#define MSTORE_MEMORY_DEFAULT ((size_t)1 << 30)
/* Smallest --max-store-memory (and default): 1 MiB. */
#define MSTORE_MEMORY_MIN ((size_t)1 << 20)
/* Largest --max-store-memory: 1 TiB. */
#define MSTORE_MEMORY_MAX ((size_t)1 << 40)

struct store;

/* Create an empty store keeping at most ring events per source (ring >= 1);
 * free it with store_free. NULL on allocation failure. */
struct store *mstore_new(size_t ring);
/* Remember at most max Idempotency-Keys (default IDEM_KEYS_DEFAULT, idem.h);
 * set before the first keyed batch. st must come from mstore_new. */
void mstore_set_idem_keys(struct store *st, size_t max);
/* Keep everything the store allocates under max bytes (default
 * MSTORE_MEMORY_DEFAULT): the oldest events of the whole store go first,
 * and a batch larger than max is refused (STORE_EOVERBUDGET). */
void mstore_set_memory_max(struct store *st, size_t max);
/* The default budget: MSTORE_MEMORY_DEFAULT, or half the physical memory
 * when that is less (at least MSTORE_MEMORY_MIN). */
size_t mstore_default_memory(void);

#endif
