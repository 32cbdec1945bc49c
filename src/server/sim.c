/* sim.c - simulated sources. Each one is a small state machine on its own
 * timer: queued -> running (writing events) -> completed / failed /
 * cancelled -> idle -> queued again with a new run. */
#include "sim.h"
#include "store.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

/* Most events one timer tick writes (the tick period shrinks with the rate
 * down to SIM_PERIOD_MIN_MS, then batches grow up to this). */
#define SIM_BATCH_MAX 1024
/* Room for one event's members. */
#define SIM_LINE_MAX 512
/* Shortest timer period. */
#define SIM_PERIOD_MIN_MS 10
/* Most simulated automations. */
#define SIM_SOURCES_MAX 1000

enum sim_state {
	SIM_QUEUED,
	SIM_RUNNING,
	SIM_IDLE,
};

struct sim_kind_def {
	const char *id;
	const char *name;
	const char *tasks[3];
};

struct sim_source {
	struct sim *sim;
	enum source_kind kind;
	const struct sim_kind_def *def;
	char id[48];
	char name[64];
	char run_id[80];
	struct event *timer;
	uint64_t rng;
	enum sim_state state;
	int64_t wait_ms;         /* queued / idle: time left */
	long run_len;            /* running: events this run writes */
	long emitted;            /* running: events written so far */
	enum run_status outcome; /* how this run ends */
	unsigned run;
	double carry; /* fraction of an event owed */
	unsigned index;
};

struct sim {
	struct event_base *base;
	struct store *st;
	double rate;
	int period_ms;
	struct sim_source *src; /* cap entries, n of them set up */
	size_t cap;
	size_t n;
	char *text; /* SIM_BATCH_MAX * SIM_LINE_MAX bytes of members */
	struct store_line *lines;
};

static const struct sim_kind_def sim_automations[] = {
    {"nightly-sync", "Nightly sync", {"extract", "transform", "load"}},
    {"invoice-export", "Invoice export",
        {"fetch_invoices", "render_pdf", "upload"}},
    {"crm-import", "CRM import", {"download", "dedupe", "upsert"}},
    {"report-builder", "Report builder", {"query", "aggregate", "publish"}},
    {"backup-verify", "Backup verify",
        {"snapshot", "checksum", "restore_test"}},
    {"user-cleanup", "User cleanup", {"scan", "archive", "delete"}},
    {"metrics-rollup", "Metrics rollup", {"collect", "rollup", "compact"}},
    {"email-digest", "Email digest", {"select", "render", "send"}},
};

static const struct sim_kind_def sim_pipelines[] = {
    {"deploy-web", "Deploy web", {"build", "test", "deploy"}},
    {"etl-warehouse", "ETL warehouse", {"extract", "transform", "load"}},
};

static const struct sim_kind_def sim_artifact = {
    "release-bundle", "Release bundle", {"compile", "package", "sign"}};

static const char *const sim_tables[] = {
    "orders", "customers", "invoices", "events", "sessions"};
static const char *const sim_failures[] = {
    "constraint violation on column amount",
    "upstream returned HTTP 503",
    "disk quota exceeded on /var/lib/jobs",
    "timeout after 300 s waiting for lock",
};

/* The next pseudo-random number of a source (xorshift64*). */
static uint64_t
sim_rand(struct sim_source *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

/* A number in [lo, hi]. */
static long
sim_range(struct sim_source *s, long lo, long hi)
{
	return lo + (long)(sim_rand(s) % (uint64_t)(hi - lo + 1));
}

/* Write one event's members into the next batch slot. */
static void sim_line(struct sim_source *s, size_t slot, const char *level,
    const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
sim_line(struct sim_source *s, size_t slot, const char *level,
    const char *extra, const char *fmt, ...)
{
	char *p = s->sim->text + slot * SIM_LINE_MAX, when[UTIL_ISO_LEN + 1];
	char msg[256];
	const char *task = s->def->tasks[s->emitted * 3 / (s->run_len + 1) % 3];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	util_iso_time(when, util_now_ms());
	n = snprintf(p, SIM_LINE_MAX,
	    "\"timestamp\":\"%s\",\"level\":\"%s\","
	    "\"message\":\"%s\",\"task\":\"%s\",\"runId\":\"%s\"%s%s",
	    when, level, msg, task, s->run_id, extra[0] ? "," : "", extra);
	s->sim->lines[slot].members = p;
	s->sim->lines[slot].len =
	    n < SIM_LINE_MAX ? (size_t)n : SIM_LINE_MAX - 1;
}

/* Write one ordinary event of a running source into batch slot. */
static void
sim_event(struct sim_source *s, size_t slot)
{
	unsigned roll = (unsigned)(sim_rand(s) % 100);
	long a = sim_range(s, 1, 5000), b = sim_range(s, 20, 900);
	const char *task = s->def->tasks[s->emitted * 3 / (s->run_len + 1) % 3];
	char extra[96];

	if (roll < 80) {
		switch (sim_rand(s) % 4) {
		case 0:
			snprintf(extra, sizeof extra, "\"rows\":%ld", b);
			sim_line(s, slot, "INFO", extra,
			    "%s: processed batch "
			    "%ld (%ld rows)",
			    task, a, b);
			break;
		case 1:
			snprintf(extra, sizeof extra, "\"durationMs\":%ld", b);
			sim_line(s, slot, "INFO", extra,
			    "%s: step finished in "
			    "%ld ms",
			    task, b);
			break;
		case 2:
			sim_line(s, slot, "INFO", "",
			    "%s: wrote %ld records "
			    "to %s",
			    task, a, sim_tables[a % 5]);
			break;
		default:
			sim_line(s, slot, "INFO", "",
			    "%s: checkpoint saved at "
			    "offset %ld",
			    task, a * 1000 + b);
		}
	} else if (roll < 92)
		sim_line(s, slot, "DEBUG", "",
		    "%s: fetched page %ld (cursor "
		    "c-%06lx)",
		    task, a % 200, (unsigned long)sim_rand(s) & 0xffffff);
	else if (roll < 99)
		sim_line(s, slot, "WARN", "",
		    "%s: slow query on %s took %ld "
		    "ms, retrying (attempt %ld of 5)",
		    task, sim_tables[b % 5], a + 1000, 1 + b % 4);
	else
		sim_line(s, slot, "ERROR", "",
		    "%s: connection reset by peer, "
		    "will retry",
		    task);
	s->emitted++;
}

/* Store the first n prepared events of the batch. */
static void
sim_flush(struct sim_source *s, size_t n)
{
	bool created;

	if (n > 0)
		store_append(s->sim->st, s->kind, s->id, s->sim->lines, n,
		    util_now_ms(), &created);
}

/* Change the source's status; running starts a run named s->run_id, the
 * runId its events carry. */
static void
sim_status(struct sim_source *s, enum run_status st, bool has_exit, int code)
{
	struct store_status ch = {.status = st,
	    .has_exit_code = has_exit,
	    .exit_code = code,
	    .at_ms = util_now_ms(),
	    .run_id = st == RUN_RUNNING ? s->run_id : NULL};
	bool created;

	store_set_status(s->sim->st, s->kind, s->id, &ch, &created);
}

/* Pick how the next run goes: the first runs follow a pattern, so that a
 * few sources show every outcome within the first minute. */
static void
sim_plan_run(struct sim_source *s)
{
	static const enum run_status first[] = {RUN_COMPLETED, RUN_FAILED,
	    RUN_UNKNOWN, RUN_COMPLETED, RUN_CANCELLED, RUN_FAILED};
	unsigned roll = (unsigned)(sim_rand(s) % 100);
	enum run_status o;

	if (s->run == 1)
		o = first[s->index % 6];
	else
		o = roll < 65   ? RUN_COMPLETED
		    : roll < 85 ? RUN_FAILED
		    : roll < 90 ? RUN_CANCELLED
		                : RUN_UNKNOWN;
	if (o == RUN_UNKNOWN) {
		/* A long-running run; it completes in the end. */
		s->outcome = RUN_COMPLETED;
		s->run_len = sim_range(s, 1500, 3000);
	} else {
		s->outcome = o;
		s->run_len = s->run == 1 && s->index < 2
		                 ? sim_range(s, 40, 100)
		                 : sim_range(s, 60, 200);
	}
}

/* queued -> running */
static void
sim_start_run(struct sim_source *s)
{
	s->run++;
	snprintf(s->run_id, sizeof s->run_id, "%s-run-%u", s->id, s->run);
	sim_plan_run(s);
	s->emitted = 0;
	s->carry = 0;
	s->state = SIM_RUNNING;
	sim_status(s, RUN_RUNNING, false, 0);
	sim_line(s, 0, "INFO", "", "starting run %u of %s (trigger: %s)",
	    s->run, s->name, s->run % 3 ? "schedule" : "manual");
	sim_flush(s, 1);
}

/* running -> completed / failed / cancelled -> idle */
static void
sim_end_run(struct sim_source *s)
{
	if (s->outcome == RUN_FAILED) {
		sim_line(s, 0, "ERROR", "", "%s failed: %s",
		    s->def->tasks[sim_rand(s) % 3],
		    sim_failures[sim_rand(s) % 4]);
		sim_flush(s, 1);
		sim_status(s, RUN_FAILED, true, 1);
	} else if (s->outcome == RUN_CANCELLED) {
		sim_line(s, 0, "WARN", "", "run cancelled by operator");
		sim_flush(s, 1);
		sim_status(s, RUN_CANCELLED, false, 0);
	} else {
		sim_line(s, 0, "INFO", "", "run %u finished: %ld events",
		    s->run, s->emitted);
		sim_flush(s, 1);
		sim_status(s, RUN_COMPLETED, true, 0);
	}
	s->state = SIM_IDLE;
	s->wait_ms = sim_range(s, 5000, 15000);
}

/* One timer tick of a source. */
static void
sim_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim_source *s = arg;
	size_t k, i;

	switch (s->state) {
	case SIM_QUEUED:
		if ((s->wait_ms -= s->sim->period_ms) <= 0)
			sim_start_run(s);
		break;
	case SIM_IDLE:
		if ((s->wait_ms -= s->sim->period_ms) <= 0) {
			s->state = SIM_QUEUED;
			s->wait_ms = sim_range(s, 2000, 6000);
			sim_status(s, RUN_QUEUED, false, 0);
		}
		break;
	case SIM_RUNNING:
		s->carry += s->sim->rate * s->sim->period_ms / 1000.0;
		k = (size_t)s->carry;
		s->carry -= (double)k;
		if (k > SIM_BATCH_MAX)
			k = SIM_BATCH_MAX;
		if (k > (size_t)(s->run_len - s->emitted))
			k = (size_t)(s->run_len - s->emitted);
		for (i = 0; i < k; i++)
			sim_event(s, i);
		sim_flush(s, k);
		if (s->emitted >= s->run_len)
			sim_end_run(s);
		break;
	}
}

/* Set up source number index of the given definition; 0 or -1. */
static int
sim_add(struct sim *sim, enum source_kind kind, const struct sim_kind_def *def,
    unsigned copy, unsigned index, uint64_t seed)
{
	struct sim_source *s = &sim->src[sim->n];
	struct timeval tv = {
	    sim->period_ms / 1000, (sim->period_ms % 1000) * 1000};
	struct store_status ch = {.status = RUN_QUEUED, .name = s->name};
	bool created;

	s->sim = sim;
	s->kind = kind;
	s->def = def;
	s->index = index;
	if (copy == 0) {
		snprintf(s->id, sizeof s->id, "%s", def->id);
		snprintf(s->name, sizeof s->name, "%s", def->name);
	} else {
		snprintf(s->id, sizeof s->id, "%s-%u", def->id, copy + 1);
		snprintf(s->name, sizeof s->name, "%s %u", def->name, copy + 1);
	}
	s->rng = seed * 0x9e3779b97f4a7c15ULL + index * 0xbf58476d1ce4e5b9ULL +
	         (uint64_t)kind + 1;
	(void)sim_rand(s);
	s->state = SIM_QUEUED;
	s->wait_ms = index < 2 ? 0 : sim_range(s, 1000, 8000);
	ch.at_ms = util_now_ms();
	if (store_set_status(sim->st, kind, s->id, &ch, &created) != STORE_OK)
		return -1;
	if ((s->timer = event_new(sim->base, -1, EV_PERSIST, sim_tick, s)) ==
	        NULL ||
	    event_add(s->timer, &tv) != 0)
		return -1;
	sim->n++;
	return 0;
}

struct sim *
sim_new(struct event_base *base, struct store *st, unsigned n, double rate,
    uint64_t seed)
{
	const size_t ndef = sizeof sim_automations / sizeof sim_automations[0];
	struct sim *sim;
	unsigned i;
	int rc = 0;

	if (n > SIM_SOURCES_MAX || rate <= 0 || rate > SIM_RATE_MAX ||
	    (sim = calloc(1, sizeof *sim)) == NULL)
		return NULL;
	sim->base = base;
	sim->st = st;
	sim->rate = rate;
	sim->period_ms = (int)(1000.0 / rate);
	if (sim->period_ms < SIM_PERIOD_MIN_MS)
		sim->period_ms = SIM_PERIOD_MIN_MS;
	if (sim->period_ms > 1000)
		sim->period_ms = 1000;
	sim->cap = n + 3;
	sim->src = calloc(sim->cap, sizeof *sim->src);
	sim->text = malloc((size_t)SIM_BATCH_MAX * SIM_LINE_MAX);
	sim->lines = calloc(SIM_BATCH_MAX, sizeof *sim->lines);
	if (sim->src == NULL || sim->text == NULL || sim->lines == NULL) {
		sim_free(sim);
		return NULL;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = sim_add(sim, SOURCE_AUTOMATION, &sim_automations[i % ndef],
		    i / ndef, i, seed);
	for (i = 0; i < 2 && rc == 0; i++)
		rc = sim_add(
		    sim, SOURCE_PIPELINE, &sim_pipelines[i], 0, n + i, seed);
	if (rc == 0)
		rc = sim_add(
		    sim, SOURCE_ARTIFACT, &sim_artifact, 0, n + 2, seed);
	if (rc != 0) {
		sim_free(sim);
		return NULL;
	}
	return sim;
}

void
sim_free(struct sim *sim)
{
	size_t i;

	if (sim == NULL)
		return;
	for (i = 0; sim->src != NULL && i < sim->cap; i++) {
		if (sim->src[i].timer != NULL)
			event_free(sim->src[i].timer);
	}
	free(sim->src);
	free(sim->text);
	free(sim->lines);
	free(sim);
}
