/* sim.h - simulated automations, pipelines and artifacts that write
 * realistic logs and change status over time (server producer). */
#ifndef LOGDECK_SERVER_SIM_H
#define LOGDECK_SERVER_SIM_H

#include <stdint.h>

/* Highest --rate (events per second per simulated source). */
#define SIM_RATE_MAX 100000.0

struct event_base;
struct store;
struct sim;

/* Start n simulated automations (plus two pipelines and an artifact) that
 * write about rate events per second each into st, on base's timers; the
 * content and the order of runs and outcomes follow from seed alone.
 * NULL on failure. */
struct sim *sim_new(struct event_base *base, struct store *st, unsigned n,
    double rate, uint64_t seed);
/* Stop and free; NULL is fine. */
void sim_free(struct sim *s);

#endif
