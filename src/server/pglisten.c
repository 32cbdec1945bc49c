/* pglisten.c - the PostgreSQL store, its half that keeps up with the
 * database (pgstore.c is the SQL half): the LISTEN connection read from
 * the event loop, each notification made into one note for every
 * subscriber here, the catch-up after that connection is re-established
 * (nothing told while it was down is lost), and the upkeep timer
 * (partitions ahead, retention). */
#include "pglisten.h"
#include "metrics.h"
#include "pgschema.h"
#include "pgstore.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

/* Retention of rows outside the daily partitions (pgschema.c, version
 * 3): the few in logs_default are deleted a batch at a time. */
static const char pglisten_sql_retain[] =
    "WITH d AS (DELETE FROM logs_default WHERE id IN (SELECT id FROM"
    "  logs_default WHERE \"timestamp\" < now()"
    "  - make_interval(days => $1::integer) ORDER BY id LIMIT $2)"
    "  RETURNING source, id),"
    " m AS (SELECT source, max(id) AS top FROM d GROUP BY source),"
    " u AS (UPDATE sources s SET evicted_id = greatest(s.evicted_id, m.top)"
    "  FROM m WHERE s.source = m.source)"
    " SELECT count(*) FROM d";

/* Forget up to $2 Idempotency-Keys stored before $1 (epoch ms). */
static const char pglisten_sql_idem_expire[] =
    "WITH o AS (SELECT source, key FROM ingest_keys WHERE at_ms < $1"
    "  ORDER BY at_ms LIMIT $2),"
    " d AS (DELETE FROM ingest_keys k USING o"
    "  WHERE k.source = o.source AND k.key = o.key RETURNING 1)"
    " SELECT count(*) FROM d";

/* The oldest daily partition wholly older than the cutoff, or NULL. */
static const char pglisten_sql_expired[] =
    "SELECT logdeck_logs_expired(now() - make_interval(days => $1::integer))";

/* Parse an "S" payload after "S " (pgschema.h) into note, *run and
 * *edge; returns the key, or NULL when it is malformed. */
static const char *
pglisten_parse_status(
    const char *p, struct store_note *note, int64_t *run, int *edge)
{
	const char *status;
	char *end;

	*note = (struct store_note){.type = STORE_NOTE_STATUS};
	note->last_id = strtoll(p, &end, 10);
	if (*end != ' ')
		return NULL;
	*run = strtoll(end + 1, &end, 10);
	if (*end != ' ')
		return NULL;
	*edge = (int)strtol(end + 1, &end, 10);
	if (*end != ' ')
		return NULL;
	note->at_ms = strtoll(end + 1, &end, 10);
	if (*end != ' ')
		return NULL;
	if (end[1] == '-')
		end += 2;
	else {
		note->has_exit_code = true;
		note->exit_code = (int)strtol(end + 1, &end, 10);
	}
	if (*end != ' ')
		return NULL;
	status = end + 1;
	if ((p = strchr(status, ' ')) == NULL)
		return NULL;
	note->status = store_status_parse(status, (size_t)(p - status));
	return p + 1;
}

/* The NOTIFY of this server's own insert up to last_id came back: count
 * the time since the statement committed (returned) when it is
 * remembered. */
static void
pglisten_echo(struct pgstore *ps, int64_t last_id)
{
	size_t i;

	for (i = 0; i < PGSTORE_ECHO_MAX; i++) {
		if (ps->echo[i].last_id == last_id && last_id > 0) {
			metrics_observe(METRICS_NOTIFY_SECONDS,
			    (double)(util_mono_us() - ps->echo[i].at_us) / 1e6);
			ps->echo[i].last_id = 0;
			return;
		}
	}
}

/* One notification from the database (pgschema.h has the payloads): the
 * note, and for a run boundary the run, are made once for every
 * subscriber here. */
static void
pglisten_note(struct pgstore *ps, const PGnotify *n)
{
	struct store_note note = {.type = STORE_NOTE_LOGS};
	struct store_run run;
	char idbuf[STORE_RUN_ID_MAX + 1], kname[PGSTORE_KEY_MAX];
	const char *p = n->extra, *key, *slash;
	int64_t num = 0;
	int edge = PGSCHEMA_EDGE_NONE, kind;
	char *end;

	/* This server's own changes were told when they were made. */
	if (strlen(p) < 4 || p[1] != ' ')
		return;
	if (n->be_pid == PQbackendPID(ps->db)) {
		if (p[0] == 'L')
			pglisten_echo(ps, strtoll(p + 2, NULL, 10));
		return;
	}
	if (p[0] == 'S')
		key = pglisten_parse_status(p + 2, &note, &num, &edge);
	else {
		note.last_id = strtoll(p + 2, &end, 10);
		key = *end == ' ' ? end + 1 : NULL;
	}
	if (key == NULL || (slash = strchr(key, '/')) == NULL ||
	    (size_t)(slash - key) >= sizeof kname)
		return;
	memcpy(kname, key, (size_t)(slash - key));
	kname[slash - key] = '\0';
	if ((kind = store_kind_parse(kname)) < 0 ||
	    !pgstore_listened(ps, kind, key))
		return;
	note.id = slash + 1;
	if (pgstore_edge_run(ps, key, num, edge, &run, idbuf))
		note.run = &run;
	pgstore_tell(ps, kind, key, &note);
}

/* The notification connection failed: drop it and try again soon. */
static void
pglisten_lost(struct pgstore *ps)
{
	struct timeval tv;

	pgstore_log_error("notification connection lost", ps->ln);
	event_free(ps->ln_ev);
	ps->ln_ev = NULL;
	PQfinish(ps->ln);
	ps->ln = NULL;
	ps->ln_delay_ms = PGSTORE_RECONNECT_MIN_MS;
	tv.tv_sec = ps->ln_delay_ms / 1000;
	tv.tv_usec = ps->ln_delay_ms % 1000 * 1000;
	event_add(ps->ln_retry, &tv);
}

/* The notification connection is readable. */
static void
pglisten_read(evutil_socket_t fd, short what, void *arg)
{
	struct pgstore *ps = arg;
	PGnotify *n;

	if (!PQconsumeInput(ps->ln) || PQstatus(ps->ln) == CONNECTION_BAD) {
		pglisten_lost(ps);
		return;
	}
	while (ps->ln != NULL && (n = PQnotifies(ps->ln)) != NULL) {
		pglisten_note(ps, n);
		PQfreemem(n);
	}
}

/* What pglisten_catch_kind needs while the sources go by. */
struct pglisten_catch {
	struct pgstore *ps;
	enum source_kind kind;
};

/* store_info_fn: tell those subscribed to every source of the kind the
 * source as it is now (a status note without run, for they may have
 * missed any change). */
static void
pglisten_catch_kind(const struct store_info *info, void *arg)
{
	struct pglisten_catch *c = arg;
	struct store_note note = {.type = STORE_NOTE_STATUS,
	    .id = info->id,
	    .last_id = info->last_id,
	    .status = info->status,
	    .has_exit_code = info->has_exit_code,
	    .exit_code = info->exit_code,
	    .at_ms = info->updated_ms};

	pgstore_notify_kind(c->ps, c->kind, &note);
}

/* Catch up s: tell its newest id (streams read on from the last id they
 * sent) and its status when it changed while notifications could not
 * arrive, with its newest run when that changed too (a run that started
 * and ended meanwhile is told once, as it ended). */
static void
pglisten_catch_source(struct pgstore *ps, struct psource *s)
{
	struct store_note logs = {.type = STORE_NOTE_LOGS}, st;
	struct store_run run;
	char idbuf[STORE_RUN_ID_MAX + 1];
	int64_t n;
	int edge;

	if (!pgstore_fetch_status(ps, s->key, &st, &n, &edge))
		return;
	logs.id = st.id;
	logs.last_id = st.last_id;
	pgstore_notify(ps, s, &logs);
	if ((n != s->run || s->run_open) &&
	    pgstore_edge_run(ps, s->key, n, PGSCHEMA_EDGE_END, &run, idbuf) &&
	    (run.run != s->run || (run.status == RUN_RUNNING) != s->run_open))
		st.run = &run;
	if (st.run != NULL || st.status != s->status ||
	    st.has_exit_code != s->has_exit_code ||
	    st.exit_code != s->exit_code ||
	    (s->status_ms >= 0 && st.at_ms != s->status_ms))
		pgstore_notify(ps, s, &st);
}

/* After a reconnect: catch up every subscribed source, and tell those
 * subscribed to a whole kind every source of it. */
static void
pglisten_catch_up(struct pgstore *ps)
{
	struct pglisten_catch c = {.ps = ps};
	struct psource *s, *next;
	size_t b;

	ps->walking++;
	for (b = 0; b < PGSTORE_BUCKETS; b++) {
		for (s = ps->buckets[b]; s != NULL; s = s->next)
			pglisten_catch_source(ps, s);
	}
	for (c.kind = 0; c.kind < SOURCE_KIND_COUNT; c.kind++) {
		if (!store_subs_empty(&ps->kinds[c.kind]))
			store_list(&ps->base, c.kind, pglisten_catch_kind, &c);
	}
	ps->walking--;
	for (b = 0; b < PGSTORE_BUCKETS; b++) {
		for (s = ps->buckets[b]; s != NULL; s = next) {
			next = s->next;
			pgstore_sweep(ps, s);
		}
	}
}

/* Open the notification connection, LISTEN and watch its socket; false
 * with the reason in err. */
static bool
pglisten_open(struct pgstore *ps, char *err, size_t errlen)
{
	PGresult *r;
	bool ok;

	ps->ln = pgstore_connect(ps->url, "logdeck-server listen", err, errlen);
	if (ps->ln == NULL)
		return false;
	r = PQexec(ps->ln, "LISTEN " PGSCHEMA_CHANNEL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
	     (ps->ln_ev = event_new(ps->evbase, PQsocket(ps->ln),
	          EV_READ | EV_PERSIST, pglisten_read, ps)) != NULL &&
	     event_add(ps->ln_ev, NULL) == 0;
	PQclear(r);
	if (ok)
		return true;
	snprintf(err, errlen, "LISTEN failed");
	if (ps->ln_ev != NULL)
		event_free(ps->ln_ev);
	ps->ln_ev = NULL;
	PQfinish(ps->ln);
	ps->ln = NULL;
	return false;
}

/* Timer: reopen the notification connection and catch up; on failure
 * try again later, waiting longer each time. */
static void
pglisten_connect(evutil_socket_t fd, short what, void *arg)
{
	struct pgstore *ps = arg;
	struct timeval tv;
	char err[256];

	if (pglisten_open(ps, err, sizeof err)) {
		metrics_add(METRICS_LISTEN_RECONNECTS, 1);
		util_log("database: listening for changes again");
		pglisten_catch_up(ps);
		return;
	}
	util_log("database: cannot listen (%s); retrying in %d ms", err,
	    ps->ln_delay_ms);
	tv.tv_sec = ps->ln_delay_ms / 1000;
	tv.tv_usec = ps->ln_delay_ms % 1000 * 1000;
	event_add(ps->ln_retry, &tv);
	if ((ps->ln_delay_ms *= 2) > PGSTORE_RECONNECT_MAX_MS)
		ps->ln_delay_ms = PGSTORE_RECONNECT_MAX_MS;
}

/* Drop the oldest expired daily partition, if any (recording the newest
 * id it held of each source as evicted, in the same transaction); returns
 * about how many events went (the planner's count), 0 when none did. */
static long
pglisten_drop_partition(struct pgstore *ps, const char *days, bool *more)
{
	const char *vals[1] = {days};
	PGresult *r;
	char part[64];
	long n = 0;

	*more = false;
	if ((r = pgstore_query(ps, pglisten_sql_expired, 1, vals, true, NULL)) ==
	    NULL)
		return 0;
	if (PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return 0;
	}
	snprintf(part, sizeof part, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	vals[0] = part;
	if ((r = pgstore_query(ps, "SELECT logdeck_logs_drop($1)", 1, vals,
	         false, NULL)) == NULL)
		return 0;
	n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	*more = true;
	if (ps->verbose)
		util_log("retention: dropped partition %s (about %ld events)",
		    part, n);
	return n;
}

/* Delete up to a batch of Idempotency-Keys older than the window; true
 * when there may be more. */
static bool
pglisten_idem_expire(struct pgstore *ps)
{
	char before[24], batch[16];
	const char *vals[2] = {before, batch};
	PGresult *r;
	long n;

	snprintf(before, sizeof before, "%lld",
	    (long long)(util_now_ms() - ps->idem_window_ms));
	snprintf(batch, sizeof batch, "%d", PGSTORE_RETAIN_BATCH);
	if ((r = pgstore_query(
	         ps, pglisten_sql_idem_expire, 2, vals, true, NULL)) == NULL)
		return false;
	n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n >= PGSTORE_RETAIN_BATCH;
}

/* One upkeep pass: make the daily partitions ahead, forget the expired
 * Idempotency-Keys; with --retain-days, drop an expired partition, delete
 * up to a batch of expired events of logs_default and the runs whose
 * events are all gone. Come back at once while there is more, else after
 * the interval. */
static void
pglisten_retain(evutil_socket_t fd, short what, void *arg)
{
	struct pgstore *ps = arg;
	struct timeval tv = {PGSTORE_RETAIN_INTERVAL_S, 0};
	char days[16], batch[16];
	const char *vals[2] = {days, batch};
	PGresult *r;
	long n = 0, runs = 0;
	bool more = false, keys_left;

	snprintf(days, sizeof days, "%d", PGSCHEMA_AHEAD_DAYS);
	if ((r = pgstore_query(ps, "SELECT logdeck_logs_upkeep($1)", 1, vals,
	         false, NULL)) != NULL)
		PQclear(r);
	keys_left = pglisten_idem_expire(ps);
	if (ps->retain_days <= 0) {
		if (keys_left)
			tv.tv_sec = 0;
		event_add(ps->retain_ev, &tv);
		return;
	}
	snprintf(days, sizeof days, "%d", ps->retain_days);
	snprintf(batch, sizeof batch, "%d", PGSTORE_RETAIN_BATCH);
	n = pglisten_drop_partition(ps, days, &more);
	if ((r = pgstore_query(ps, pglisten_sql_retain, 2, vals, true, NULL))) {
		long d = atol(PQgetvalue(r, 0, 0));

		PQclear(r);
		more = more || d >= PGSTORE_RETAIN_BATCH;
		n += d;
	}
	/* Dropped partitions and deleted rows alike are evictions. */
	if (n > 0)
		metrics_add(METRICS_STORE_EVICTED, (uint64_t)n);
	/* A separate statement: it must see the events just deleted gone. */
	runs = pgstore_drop_runs(ps, NULL);
	if (n > 0 || runs > 0 || more) {
		struct psource *s;
		size_t b;

		/* Oldest and evicted ids moved: the cached gets are stale. */
		for (b = 0; b < PGSTORE_BUCKETS; b++) {
			for (s = ps->buckets[b]; s != NULL; s = s->next) {
				PQclear(s->info);
				s->info = NULL;
			}
		}
		if (ps->verbose)
			util_log("retention: deleted %ld events older than "
			         "%d days and %ld runs",
			    n, ps->retain_days, runs);
	}
	if (more || keys_left || runs >= PGSTORE_RETAIN_BATCH)
		tv.tv_sec = 0;
	event_add(ps->retain_ev, &tv);
}

bool
pglisten_start(struct pgstore *ps, char *err, size_t errlen)
{
	ps->ln_delay_ms = PGSTORE_RECONNECT_MIN_MS;
	ps->ln_retry = evtimer_new(ps->evbase, pglisten_connect, ps);
	ps->retain_ev = evtimer_new(ps->evbase, pglisten_retain, ps);
	if (ps->ln_retry == NULL || ps->retain_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!pglisten_open(ps, err, errlen))
		return false;
	event_active(ps->retain_ev, EV_TIMEOUT, 1);
	return true;
}

void
pglisten_stop(struct pgstore *ps)
{
	if (ps->ln_ev != NULL)
		event_free(ps->ln_ev);
	if (ps->ln_retry != NULL)
		event_free(ps->ln_retry);
	if (ps->retain_ev != NULL)
		event_free(ps->retain_ev);
	if (ps->ln != NULL)
		PQfinish(ps->ln);
	ps->ln_ev = ps->ln_retry = ps->retain_ev = NULL;
	ps->ln = NULL;
}
