/* fuzz_sse.h - the SSE parser's split-invariance check, run by the
 * libFuzzer target and replayed by the unit test. */
#ifndef LOGDECK_FUZZ_SSE_H
#define LOGDECK_FUZZ_SSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse one fuzz input whole, at the chunk splits it names and a byte at a
 * time, and compare. Returns 0, or a nonzero code naming the failed check
 * (see fuzz_sse_error). Input layout: byte 0 picks max_event, byte 1 a
 * reconnect point (0: none), byte 2 the number of splits (mod 16), then
 * two bytes per split offset, then the stream. */
int fuzz_sse_check(const uint8_t *data, size_t size);
/* A one-line description of a fuzz_sse_check code. */
const char *fuzz_sse_error(int code);
/* The libFuzzer entry point: aborts when fuzz_sse_check fails. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
