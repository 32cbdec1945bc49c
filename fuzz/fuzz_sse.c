/* fuzz_sse.c - libFuzzer target for the SSE parser: whatever the input and
 * however it is split into chunks, the parser must report the same
 * callbacks and stay within its memory bound. */
#include "fuzz_sse.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sse.h"

/* Most split points one input can name. */
#define FUZZ_MAX_SPLITS 15
/* Bytes of input before the stream: max, reconnect, split count. */
#define FUZZ_HEADER 3

enum {
	FUZZ_OK,
	FUZZ_NEW,      /* sse_new (or a chunk's copy) failed */
	FUZZ_MEMORY,   /* sse_memory went past SSE_MEMORY_MAX */
	FUZZ_EVENT,    /* an event broke an invariant */
	FUZZ_SPLIT,    /* splits changed the callbacks */
	FUZZ_BYTEWISE, /* feeding a byte at a time changed the callbacks */
};

/* What one parse produced: a hash of every callback in order. */
struct fuzz_run {
	struct sse_parser *p;
	size_t max;
	uint64_t hash;
	unsigned long calls;
	int error;
};

/* Fold n bytes into the FNV-1a hash. */
static void
fuzz_hash(struct fuzz_run *r, const void *s, size_t n)
{
	const unsigned char *b = s;
	size_t i;

	for (i = 0; i < n; i++) {
		r->hash ^= b[i];
		r->hash *= 0x100000001b3ULL;
	}
}

/* Fold a length and the bytes it counts into the hash. */
static void
fuzz_hash_str(struct fuzz_run *r, const char *s, size_t n)
{
	fuzz_hash(r, &n, sizeof n);
	fuzz_hash(r, s, n);
}

/* Record an event and check what every event must satisfy. */
static void
fuzz_on_event(const struct sse_event *ev, void *arg)
{
	struct fuzz_run *r = arg;
	const char *id;
	size_t id_len;

	fuzz_hash(r, "E", 1);
	fuzz_hash_str(r, ev->type, ev->type_len);
	fuzz_hash_str(r, ev->data, ev->data_len);
	fuzz_hash_str(r, ev->id, ev->id_len);
	fuzz_hash(r, &ev->truncated, sizeof ev->truncated);
	r->calls++;
	id = sse_last_id(r->p, &id_len);
	if (ev->data_len > r->max || ev->type_len == 0 ||
	    ev->type_len > SSE_MAX_FIELD || ev->id_len > SSE_MAX_FIELD ||
	    memchr(ev->id, '\0', ev->id_len) != NULL || id_len != ev->id_len ||
	    memcmp(id, ev->id, id_len) != 0)
		r->error = FUZZ_EVENT;
}

/* Record a comment. */
static void
fuzz_on_comment(const char *text, size_t len, void *arg)
{
	struct fuzz_run *r = arg;

	fuzz_hash(r, "C", 1);
	fuzz_hash_str(r, text, len);
	r->calls++;
}

/* Record a retry. */
static void
fuzz_on_retry(long ms, void *arg)
{
	struct fuzz_run *r = arg;

	fuzz_hash(r, "R", 1);
	fuzz_hash(r, &ms, sizeof ms);
	r->calls++;
	if (ms < 0)
		r->error = FUZZ_EVENT;
}

static const struct sse_callbacks fuzz_callbacks = {
    fuzz_on_event, fuzz_on_comment, fuzz_on_retry};

/* Feed one chunk and check the memory bound. The chunk is a copy of its
 * own, overwritten and freed once fed: the parser keeps pointers into a
 * chunk only while it is fed (in-place data, id and type), and a use
 * after that reads other bytes (and is an ASan report). */
static void
fuzz_feed(struct fuzz_run *r, const uint8_t *s, size_t n)
{
	char *chunk = malloc(n > 0 ? n : 1);

	if (chunk == NULL) {
		r->error = FUZZ_NEW;
		return;
	}
	memcpy(chunk, s, n);
	sse_feed(r->p, chunk, n);
	memset(chunk, 'X', n);
	free(chunk);
	if (sse_memory(r->p) > SSE_MEMORY_MAX(r->max) && r->error == FUZZ_OK)
		r->error = FUZZ_MEMORY;
}

/* Parse stream in chunks ending at the sorted offsets cuts (a byte at a
 * time when cuts is NULL), reconnecting at offset rc when rc <= len; end
 * the stream and fold the final state into the hash. */
static void
fuzz_parse(struct fuzz_run *r, size_t max, const uint8_t *stream, size_t len,
    size_t rc, const size_t *cuts, size_t ncuts)
{
	size_t pos = 0, next, i = 0;
	const char *id;
	size_t id_len;
	long retry;

	memset(r, 0, sizeof *r);
	r->max = max;
	r->hash = 0xcbf29ce484222325ULL;
	r->p = sse_new(&fuzz_callbacks, r, max);
	if (r->p == NULL) {
		r->error = FUZZ_NEW;
		return;
	}
	while (pos < len) {
		if (cuts == NULL)
			next = pos + 1;
		else {
			while (i < ncuts && cuts[i] <= pos)
				i++;
			next = i < ncuts ? cuts[i] : len;
		}
		if (pos < rc && rc < next)
			next = rc;
		if (pos == rc)
			sse_reconnect(r->p);
		fuzz_feed(r, stream + pos, next - pos);
		pos = next;
	}
	sse_reconnect(r->p);
	id = sse_last_id(r->p, &id_len);
	fuzz_hash_str(r, id, id_len);
	retry = sse_retry(r->p);
	fuzz_hash(r, &retry, sizeof retry);
	sse_free(r->p);
	r->p = NULL;
}

/* Order split offsets for qsort. */
static int
fuzz_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int
fuzz_sse_check(const uint8_t *data, size_t size)
{
	struct fuzz_run whole, split, bytewise;
	size_t cuts[FUZZ_MAX_SPLITS], ncuts, max, rc, len, i;
	const uint8_t *stream;

	if (size < FUZZ_HEADER)
		return FUZZ_OK;
	/* Small caps make truncation common; larger ones reach the field
	 * cap. */
	max = data[0] & 0x80 ? ((size_t)(data[0] & 0x7f) + 1) * 64
	                     : (size_t)data[0] + 1;
	ncuts = data[2] % (FUZZ_MAX_SPLITS + 1);
	if (size < FUZZ_HEADER + 2 * ncuts)
		return FUZZ_OK;
	stream = data + FUZZ_HEADER + 2 * ncuts;
	len = size - FUZZ_HEADER - 2 * ncuts;
	rc = data[1] != 0 ? data[1] * len / 256 : (size_t)-1;
	for (i = 0; i < ncuts; i++)
		cuts[i] = ((size_t)data[FUZZ_HEADER + 2 * i] << 8 |
		              data[FUZZ_HEADER + 2 * i + 1]) %
		          (len + 1);
	qsort(cuts, ncuts, sizeof cuts[0], fuzz_cmp);

	/* No cuts: the stream in one chunk (or two, around rc). */
	fuzz_parse(&whole, max, stream, len, rc, cuts, 0);
	if (whole.error != FUZZ_OK)
		return whole.error;
	fuzz_parse(&split, max, stream, len, rc, cuts, ncuts);
	if (split.error != FUZZ_OK)
		return split.error;
	if (split.hash != whole.hash || split.calls != whole.calls)
		return FUZZ_SPLIT;
	fuzz_parse(&bytewise, max, stream, len, rc, NULL, 0);
	if (bytewise.error != FUZZ_OK)
		return bytewise.error;
	if (bytewise.hash != whole.hash || bytewise.calls != whole.calls)
		return FUZZ_BYTEWISE;
	return FUZZ_OK;
}

const char *
fuzz_sse_error(int code)
{
	switch (code) {
	case FUZZ_OK:
		return "ok";
	case FUZZ_NEW:
		return "sse_new failed";
	case FUZZ_MEMORY:
		return "parser memory went past SSE_MEMORY_MAX";
	case FUZZ_EVENT:
		return "a callback broke an invariant";
	case FUZZ_SPLIT:
		return "chunk splits changed the callbacks";
	case FUZZ_BYTEWISE:
		return "feeding a byte at a time changed the callbacks";
	}
	return "unknown";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int code = fuzz_sse_check(data, size);

	if (code != FUZZ_OK) {
		fprintf(stderr, "fuzz_sse: %s\n", fuzz_sse_error(code));
		abort();
	}
	return 0;
}
