/* idem.h - the Idempotency-Keys the in-memory store remembers (server
 * model layer): a bounded table of (source, key) -> the receipt of the
 * batch first stored with the key, forgotten oldest first past a count or
 * an age. PostgreSQL keeps its keys in a table instead (pgschema.c). */
#ifndef LOGDECK_SERVER_IDEM_H
#define LOGDECK_SERVER_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Most keys the in-memory store remembers by default (--idempotency-keys):
 * each takes at most about 500 bytes, so 32 MiB at worst. */
#define IDEM_KEYS_DEFAULT 65536
/* Largest --idempotency-keys. */
#define IDEM_KEYS_MAX 10000000

struct idem_tab;

/* An empty table that holds at most max keys (max >= 1); NULL when out of
 * memory. */
struct idem_tab *idem_new(size_t max);
/* Free t and its keys; NULL is fine. */
void idem_free(struct idem_tab *t);
/* Forget the keys stored at or before now_ms - window_ms. */
void idem_expire(struct idem_tab *t, int64_t now_ms, int64_t window_ms);
/* The receipt kept for key on source kind/id, with the body's length and
 * hash it was stored for; NULL when the key is unknown. Valid until the
 * next idem_add or idem_expire. */
const struct store_receipt *idem_find(struct idem_tab *t, enum source_kind kind,
    const char *id, const char *key, uint32_t *body_hash, size_t *body_len);
/* Remember key on kind/id (not there yet) with its body's length and hash
 * and receipt r, stored at now_ms; the oldest key goes when the table is
 * full. 0, or -1 when out of memory. */
int idem_add(struct idem_tab *t, enum source_kind kind, const char *id,
    const struct store_idem *idem, const struct store_receipt *r,
    int64_t now_ms);
/* Keys held now. */
size_t idem_count(const struct idem_tab *t);

#endif
