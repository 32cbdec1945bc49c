/* store_suite.h - the behaviour every store implementation must show, as a
 * Check suite run against any store constructor. */
#ifndef LOGDECK_TEST_STORE_SUITE_H
#define LOGDECK_TEST_STORE_SUITE_H

#include <stddef.h>

#include <check.h>

struct store;

/* Makes an empty store keeping at most ring events per source. */
typedef struct store *(*store_factory)(size_t ring);

/* The shared store tests, named name, run against stores from make. */
Suite *store_suite(const char *name, store_factory make);
/* The shared tests of runs, since and subscriptions to a kind (the
 * optional ops of store.h), for a store that implements them. */
Suite *store_runs_suite(const char *name, store_factory make);

#endif
