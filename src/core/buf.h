/* buf.h - growable byte buffer with a hard size limit (model layer). */
#ifndef LOGDECK_BUF_H
#define LOGDECK_BUF_H

#include <stddef.h>

/* A byte buffer that grows on demand but never past max bytes.
 * p is always NUL-terminated when non-NULL (the NUL is not counted in len),
 * so text can be handed to C string functions; binary content is fine too. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len; appends past it fail */
};

/* Set up an empty buffer that may grow to max bytes (no allocation yet). */
void buf_init(struct buf *b, size_t max);
/* Release the storage; b may be reused after buf_init. */
void buf_free(struct buf *b);
/* Append n bytes; returns 0, or -1 (buffer unchanged) past the limit or on
 * allocation failure. */
int buf_append(struct buf *b, const void *src, size_t n);
/* Append a NUL-terminated string; as buf_append. */
int buf_puts(struct buf *b, const char *s);
/* Append one byte; as buf_append. */
int buf_putc(struct buf *b, char c);
/* Append printf-style text; as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes and return a pointer to them (commit with
 * buf_commit), or NULL past the limit. */
char *buf_reserve(struct buf *b, size_t n);
/* Account for n bytes written into the space buf_reserve returned. */
void buf_commit(struct buf *b, size_t n);
/* Forget the content but keep the storage. */
void buf_clear(struct buf *b);
/* Drop the first n bytes, moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

#endif
