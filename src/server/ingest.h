/* ingest.h - turning POSTed bodies into store input (server protocol
 * layer, no I/O). */
#ifndef LOGDECK_SERVER_INGEST_H
#define LOGDECK_SERVER_INGEST_H

#include <stddef.h>
#include <stdint.h>

/* Largest event once stored (its whole JSON line); a larger one is 413. */
#define INGEST_LINE_MAX (256 * 1024)
/* Longest source name a status body may set. */
#define INGEST_NAME_MAX 256

struct store_line;
struct store_status;

/* A checked batch of events, ready for store_append. */
struct ingest_batch {
	char *text;               /* owned; the lines point into it */
	struct store_line *lines; /* owned; n entries */
	size_t n;
};

/* Check a POST .../logs body (one event object or an array of them) and
 * render each event's members: producer members verbatim (minified) in
 * their order, after "timestamp" (now_ms when absent) and "level" ("INFO"
 * when absent); a producer "id" is dropped. All or nothing: returns 0 with
 * *out filled (free with ingest_batch_free), or an HTTP status (400, 413;
 * 500 when out of memory) with a one-line reason in err and nothing to
 * free. */
int ingest_logs(const char *body, size_t len, int64_t now_ms,
    struct ingest_batch *out, char *err, size_t errlen);
/* Free what ingest_logs allocated; a zeroed batch is fine. */
void ingest_batch_free(struct ingest_batch *b);
/* Check a POST .../status body into *out (at_ms = now_ms); a name is copied
 * into name_buf (INGEST_NAME_MAX + 1 bytes) and out->name points to it, a
 * runId into run_id_buf (STORE_RUN_ID_MAX + 1 bytes) for out->run_id.
 * Returns 0, or 400 (500 when out of memory) with a reason in err. */
int ingest_status(const char *body, size_t len, int64_t now_ms,
    struct store_status *out, char *name_buf, char *run_id_buf, char *err,
    size_t errlen);

#endif
