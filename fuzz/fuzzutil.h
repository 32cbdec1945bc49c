/* fuzzutil.h - what every fuzz target shares: the libFuzzer entry point,
 * a failed-property report, and inputs handed to code that reads files.
 * The same target links into a libFuzzer binary (clang, `make fuzz-NAME`)
 * and into a replay test (gcc, fuzz/replay.c, run by `make check`). */
#ifndef LOGDECK_FUZZUTIL_H
#define LOGDECK_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The entry point each fuzz_NAME.c defines: run one input, abort when a
 * property does not hold. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Report a property that does not hold and abort (libFuzzer then saves
 * the input; the replay test fails). */
void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Scratch files one process may use at once. */
#define FUZZ_FILES 2

/* Write data to this process's private scratch file number slot (below
 * FUZZ_FILES; mode 600, so loaders that refuse files others can read take
 * it) and return its path, which stays the same for the whole process.
 * Aborts when it cannot. */
const char *fuzz_file(int slot, const void *data, size_t size);

/* A NUL-terminated copy of data (caller frees); aborts when out of
 * memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Read every byte of p (n bytes), so AddressSanitizer reports a span that
 * reaches past its storage even when nothing else reads it. */
void fuzz_touch(const void *p, size_t n);

#endif
