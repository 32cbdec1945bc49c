/* render.h - the JSON objects of the API that several answers carry: a
 * source and a run (doc/api.md, "Sources" and "Runs"), written in one
 * place for polling, the runs endpoints and the live list alike (server
 * protocol layer, cJSON). */
#ifndef LOGDECK_SERVER_RENDER_H
#define LOGDECK_SERVER_RENDER_H

#include <cjson/cJSON.h>

struct store_info;
struct store_run;

/* A source object, with its newest run as "run"; NULL when out of
 * memory. */
cJSON *render_source(const struct store_info *info);
/* A run object; NULL when out of memory. */
cJSON *render_run(const struct store_run *run);

#endif
