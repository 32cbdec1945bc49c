/* render.c - the source and run objects of the API. */
#include "render.h"
#include "store.h"
#include "util.h"

/* Add an ISO 8601 time member. */
static void
render_time(cJSON *v, const char *name, int64_t ms)
{
	char when[UTIL_ISO_LEN + 1];

	util_iso_time(when, ms);
	cJSON_AddStringToObject(v, name, when);
}

cJSON *
render_run(const struct store_run *run)
{
	cJSON *v = cJSON_CreateObject();

	if (v == NULL)
		return NULL;
	cJSON_AddNumberToObject(v, "run", (double)run->run);
	cJSON_AddStringToObject(v, "runId", run->run_id);
	cJSON_AddStringToObject(v, "status", run_status_name(run->status));
	if (run->has_exit_code)
		cJSON_AddNumberToObject(v, "exitCode", run->exit_code);
	render_time(v, "startedAt", run->started_ms);
	if (run->status != RUN_RUNNING)
		render_time(v, "endedAt", run->ended_ms);
	cJSON_AddNumberToObject(v, "firstLogId", (double)run->first_id);
	cJSON_AddNumberToObject(v, "lastLogId", (double)run->last_id);
	return v;
}

cJSON *
render_source(const struct store_info *info)
{
	cJSON *v = cJSON_CreateObject(), *run;

	if (v == NULL)
		return NULL;
	cJSON_AddStringToObject(v, "id", info->id);
	cJSON_AddStringToObject(v, "name", info->name);
	cJSON_AddStringToObject(v, "status", run_status_name(info->status));
	render_time(v, "updatedAt", info->updated_ms);
	cJSON_AddNumberToObject(v, "lastLogId", (double)info->last_id);
	if (info->has_exit_code)
		cJSON_AddNumberToObject(v, "exitCode", info->exit_code);
	if (info->has_run) {
		if ((run = render_run(&info->run)) == NULL) {
			cJSON_Delete(v);
			return NULL;
		}
		cJSON_AddItemToObject(v, "run", run);
	}
	return v;
}
