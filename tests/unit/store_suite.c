/* store_suite.c - the behaviour every store implementation must show. */
#include "store_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/store.h"

static store_factory suite_make;

/* What a test saw through store_line_fn and store_note_fn. */
struct seen {
	int64_t ids[64];
	char json[64][256];
	size_t n;
	size_t stop_after; /* 0: never stop */
	struct store_note notes[16];
	int64_t note_run[16];     /* notes[i].run->run, 0 when NULL */
	char note_run_id[16][32]; /* notes[i].run->run_id */
	char note_id[16][32];     /* notes[i].id */
	size_t nnotes;
	struct store *st;
	struct store_sub *unsub; /* unsubscribed from inside the callback */
};

/* store_line_fn recording what is read. */
static int
seen_line(int64_t id, const char *json, size_t len, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 64);
	ck_assert_uint_lt(len, 256);
	s->ids[s->n] = id;
	memcpy(s->json[s->n], json, len);
	s->json[s->n][len] = '\0';
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

/* store_note_fn recording notes (and unsubscribing when asked). */
static void
seen_note(const struct store_note *note, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->nnotes, 16);
	s->note_run[s->nnotes] = note->run != NULL ? note->run->run : 0;
	snprintf(s->note_run_id[s->nnotes], sizeof s->note_run_id[0], "%s",
	    note->run != NULL ? note->run->run_id : "");
	snprintf(s->note_id[s->nnotes], sizeof s->note_id[0], "%s",
	    note->id != NULL ? note->id : "");
	s->notes[s->nnotes] = *note;
	s->notes[s->nnotes++].run = NULL; /* valid only during the call */
	if (s->unsub != NULL) {
		store_unsubscribe(s->st, s->unsub);
		s->unsub = NULL;
	}
}

/* The members every test event starts with: what ingest writes, so each
 * store renders the event back exactly as given. */
#define EV_HEAD "\"timestamp\":\"2024-12-07T14:23:45.123Z\",\"level\":\"INFO\","
/* An event's JSON line as a store renders it. */
#define EV_JSON(id, msg) "{\"id\":" id "," EV_HEAD "\"message\":\"" msg "\"}"

/* Append count events "message":"m<k>" to automations/id. */
static void
append_n(struct store *st, const char *id, int from, int count)
{
	struct store_line lines[64];
	char text[64][128];
	bool created;
	int i;

	ck_assert_int_le(count, 64);
	for (i = 0; i < count; i++) {
		snprintf(text[i], sizeof text[i], EV_HEAD "\"message\":\"m%d\"",
		    from + i);
		lines[i].members = text[i];
		lines[i].len = strlen(text[i]);
	}
	ck_assert_int_eq(store_append(st, SOURCE_AUTOMATION, id, lines,
	                     (size_t)count, 1000, &created),
	    STORE_OK);
}

START_TEST(unknown_source_is_not_found)
{
	struct store *st = suite_make(10);
	struct store_info info;
	struct seen s = {0};
	int64_t after;

	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "nope", &info), STORE_ENOENT);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "nope", 0, 10, seen_line, &s),
	    STORE_ENOENT);
	ck_assert_int_eq(
	    store_tail(st, SOURCE_AUTOMATION, "nope", 3, &after), STORE_ENOENT);
	ck_assert_ptr_null(
	    store_subscribe(st, SOURCE_AUTOMATION, "nope", seen_note, &s));
	store_free(st);
}
END_TEST

START_TEST(append_creates_a_running_source_named_by_its_id)
{
	struct store *st = suite_make(10);
	struct store_line l = {"\"message\":\"x\"", 13};
	struct store_info info;
	bool created = false;

	ck_assert_int_eq(
	    store_append(st, SOURCE_PIPELINE, "p1", &l, 1, 1234, &created),
	    STORE_OK);
	ck_assert(created);
	ck_assert_int_eq(store_get(st, SOURCE_PIPELINE, "p1", &info), STORE_OK);
	ck_assert_str_eq(info.id, "p1");
	ck_assert_str_eq(info.name, "p1");
	ck_assert_int_eq(info.status, RUN_RUNNING);
	ck_assert_int_eq(info.updated_ms, 1234);
	ck_assert_int_eq(info.oldest_id, 1);
	ck_assert_int_eq(info.last_id, 1);
	ck_assert_int_eq(info.evicted_id, 0);
	ck_assert_int_eq(
	    store_append(st, SOURCE_PIPELINE, "p1", &l, 1, 1235, &created),
	    STORE_OK);
	ck_assert(!created);
	store_free(st);
}
END_TEST

START_TEST(append_gives_the_last_id_of_its_batch)
{
	struct store *st = suite_make(10);
	struct store_line l[3] = {{"\"message\":\"x\"", 13},
	    {"\"message\":\"y\"", 13}, {"\"message\":\"z\"", 13}};
	struct store_info info;
	bool created;
	int64_t last = -7;

	ck_assert_int_eq(store_append_last(st, SOURCE_AUTOMATION, "l1", l, 3,
	                     1000, &created, &last),
	    STORE_OK);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "l1", &info), STORE_OK);
	ck_assert_int_eq(last, info.last_id);
	append_n(st, "other", 0, 2);
	ck_assert_int_eq(store_append_last(st, SOURCE_AUTOMATION, "l1", l, 2,
	                     1001, &created, &last),
	    STORE_OK);
	ck_assert_int_eq(
	    store_get(st, SOURCE_AUTOMATION, "l1", &info), STORE_OK);
	ck_assert_int_eq(last, info.last_id);
	/* An empty batch has no last event: *last_id is left alone. */
	last = -7;
	ck_assert_int_eq(store_append_last(st, SOURCE_AUTOMATION, "l1", l, 0,
	                     1002, &created, &last),
	    STORE_OK);
	ck_assert_int_eq(last, -7);
	store_free(st);
}
END_TEST

START_TEST(same_id_in_another_kind_is_another_source)
{
	struct store *st = suite_make(10);
	struct store_info info;

	append_n(st, "same", 0, 2);
	ck_assert_int_eq(
	    store_get(st, SOURCE_ARTIFACT, "same", &info), STORE_ENOENT);
	store_free(st);
}
END_TEST

START_TEST(events_get_consecutive_ids_rendered_into_the_object)
{
	struct store *st = suite_make(10);
	struct seen s = {0};

	append_n(st, "a", 0, 3);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 0, 100, seen_line, &s), 3);
	ck_assert_int_eq(s.ids[0], 1);
	ck_assert_int_eq(s.ids[2], 3);
	ck_assert_str_eq(s.json[0], EV_JSON("1", "m0"));
	ck_assert_str_eq(s.json[2], EV_JSON("3", "m2"));
	store_free(st);
}
END_TEST

START_TEST(read_returns_events_after_an_id_up_to_the_limit)
{
	struct store *st = suite_make(100);
	struct seen s = {0};

	append_n(st, "a", 0, 10);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 3, 4, seen_line, &s), 4);
	ck_assert_int_eq(s.ids[0], 4);
	ck_assert_int_eq(s.ids[3], 7);
	s.n = 0;
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 10, 4, seen_line, &s), 0);
	store_free(st);
}
END_TEST

START_TEST(read_stops_when_the_callback_asks)
{
	struct store *st = suite_make(100);
	struct seen s = {.stop_after = 2};

	append_n(st, "a", 0, 10);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 0, 100, seen_line, &s), 2);
	ck_assert_uint_eq(s.n, 2);
	store_free(st);
}
END_TEST

START_TEST(tail_gives_the_resume_point_of_the_last_n)
{
	struct store *st = suite_make(100);
	int64_t after = -1;

	append_n(st, "a", 0, 10);
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "a", 3, &after), 0);
	ck_assert_int_eq(after, 7);
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "a", 0, &after), 0);
	ck_assert_int_eq(after, 10);
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "a", 50, &after), 0);
	ck_assert_int_eq(after, 0);
	store_free(st);
}
END_TEST

START_TEST(ring_evicts_the_oldest_and_reads_start_at_the_oldest)
{
	struct store *st = suite_make(5);
	struct store_info info;
	struct seen s = {0};
	int64_t after;

	append_n(st, "a", 0, 3);
	append_n(st, "a", 3, 5);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.oldest_id, 4);
	ck_assert_int_eq(info.last_id, 8);
	ck_assert_int_eq(info.evicted_id, 3);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 1, 100, seen_line, &s), 5);
	ck_assert_int_eq(s.ids[0], 4);
	ck_assert_str_eq(s.json[0], EV_JSON("4", "m3"));
	ck_assert_int_eq(store_tail(st, SOURCE_AUTOMATION, "a", 50, &after), 0);
	ck_assert_int_eq(after, 3);
	store_free(st);
}
END_TEST

START_TEST(a_batch_larger_than_the_ring_keeps_its_newest_events)
{
	struct store *st = suite_make(5);
	struct store_info info;
	struct seen s = {0};

	append_n(st, "a", 0, 12);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.oldest_id, 8);
	ck_assert_int_eq(info.last_id, 12);
	ck_assert_int_eq(info.evicted_id, 7);
	ck_assert_int_eq(
	    store_read(st, SOURCE_AUTOMATION, "a", 0, 100, seen_line, &s), 5);
	ck_assert_str_eq(s.json[4], EV_JSON("12", "m11"));
	store_free(st);
}
END_TEST

START_TEST(status_changes_name_and_exit_code)
{
	struct store *st = suite_make(5);
	struct store_status ch = {.status = RUN_FAILED,
	    .name = "Nice name",
	    .has_exit_code = true,
	    .exit_code = 3,
	    .at_ms = 5000};
	struct store_info info;
	bool created = false;

	ck_assert_int_eq(
	    store_set_status(st, SOURCE_ARTIFACT, "b", &ch, &created),
	    STORE_OK);
	ck_assert(created);
	ck_assert_int_eq(store_get(st, SOURCE_ARTIFACT, "b", &info), 0);
	ck_assert_int_eq(info.status, RUN_FAILED);
	ck_assert_str_eq(info.name, "Nice name");
	ck_assert(info.has_exit_code);
	ck_assert_int_eq(info.exit_code, 3);
	ck_assert_int_eq(info.updated_ms, 5000);
	ck_assert_int_eq(info.last_id, 0);
	ck_assert_int_eq(info.oldest_id, 1);
	ch = (struct store_status){.status = RUN_QUEUED, .at_ms = 6000};
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_ARTIFACT, "b", &ch, &created),
	    STORE_OK);
	ck_assert(!created);
	ck_assert_int_eq(store_get(st, SOURCE_ARTIFACT, "b", &info), 0);
	ck_assert_str_eq(info.name, "Nice name");
	ck_assert(!info.has_exit_code);
	store_free(st);
}
END_TEST

/* store_info_fn collecting ids. */
static void
list_one(const struct store_info *info, void *arg)
{
	strcat(arg, info->id);
	strcat(arg, ",");
}

START_TEST(list_gives_a_kind_in_creation_order)
{
	struct store *st = suite_make(5);
	struct store_status ch = {.status = RUN_QUEUED};
	char ids[128] = "";
	bool created;

	append_n(st, "zz", 0, 1);
	append_n(st, "aa", 0, 1);
	store_set_status(st, SOURCE_PIPELINE, "pp", &ch, &created);
	append_n(st, "mm", 0, 1);
	ck_assert_int_eq(store_list(st, SOURCE_AUTOMATION, list_one, ids), 0);
	ck_assert_str_eq(ids, "zz,aa,mm,");
	ids[0] = '\0';
	store_list(st, SOURCE_PIPELINE, list_one, ids);
	ck_assert_str_eq(ids, "pp,");
	store_free(st);
}
END_TEST

START_TEST(subscribers_hear_of_events_and_status_changes)
{
	struct store *st = suite_make(50);
	struct store_status ch = {.status = RUN_COMPLETED,
	    .has_exit_code = true,
	    .exit_code = 0,
	    .at_ms = 77};
	struct store_sub *sub;
	struct seen s = {0};
	bool created;

	append_n(st, "a", 0, 2);
	sub = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s);
	ck_assert_ptr_nonnull(sub);
	append_n(st, "a", 2, 3);
	store_set_status(st, SOURCE_AUTOMATION, "a", &ch, &created);
	ck_assert_uint_eq(s.nnotes, 2);
	ck_assert_int_eq(s.notes[0].type, STORE_NOTE_LOGS);
	ck_assert_int_eq(s.notes[0].last_id, 5);
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_STATUS);
	ck_assert_int_eq(s.notes[1].last_id, 5);
	ck_assert_int_eq(s.notes[1].status, RUN_COMPLETED);
	ck_assert(s.notes[1].has_exit_code);
	ck_assert_int_eq(s.notes[1].at_ms, 77);
	store_unsubscribe(st, sub);
	append_n(st, "a", 5, 1);
	ck_assert_uint_eq(s.nnotes, 2);
	store_free(st);
}
END_TEST

START_TEST(unsubscribing_inside_a_note_is_safe_for_every_subscriber)
{
	struct store *st = suite_make(50);
	struct seen a = {0}, b = {0}, c = {0};
	struct store_sub *sa, *sc;

	append_n(st, "a", 0, 1);
	sa = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &a);
	store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &b);
	sc = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &c);
	/* a drops itself, b drops c (which has not been told yet). */
	a.st = b.st = st;
	a.unsub = sa;
	b.unsub = sc;
	append_n(st, "a", 1, 1);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_uint_eq(b.nnotes, 1);
	ck_assert_uint_eq(c.nnotes, 0);
	append_n(st, "a", 2, 1);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_uint_eq(b.nnotes, 2);
	ck_assert_uint_eq(c.nnotes, 0);
	store_free(st);
}
END_TEST

/* A subscriber that appends one more event to the source it hears of,
 * once, so the store tells its subscribers again from inside a note. */
struct reenter {
	struct store *st;
	int appended;
	size_t heard;
};

/* store_note_fn: append once from inside the note (a nested telling). */
static void
reenter_note(const struct store_note *note, void *arg)
{
	struct reenter *r = arg;

	(void)note;
	r->heard++;
	if (r->appended++ == 0)
		append_n(r->st, "a", 100, 1);
}

START_TEST(a_subscription_removed_in_a_nested_note_is_told_no_more)
{
	struct store *st = suite_make(50);
	struct reenter r = {.st = st};
	struct seen b = {0}, c = {0};
	struct store_sub *sb, *sc;

	append_n(st, "a", 0, 1);
	store_subscribe(st, SOURCE_AUTOMATION, "a", reenter_note, &r);
	sb = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &b);
	sc = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &c);
	/* The outer note reaches r, whose append tells b (which drops
	 * itself) and c (which drops nothing) inside it; the outer note then
	 * goes on to c only: b is gone, and freed only after both end. */
	b.st = st;
	b.unsub = sb;
	append_n(st, "a", 1, 1);
	ck_assert_uint_eq(r.heard, 2);
	ck_assert_uint_eq(b.nnotes, 1);
	ck_assert_uint_eq(c.nnotes, 2);
	append_n(st, "a", 2, 1);
	ck_assert_uint_eq(b.nnotes, 1);
	ck_assert_uint_eq(c.nnotes, 3);
	store_unsubscribe(st, sc);
	store_free(st);
}
END_TEST

START_TEST(a_source_whose_last_subscriber_left_can_be_followed_again)
{
	struct store *st = suite_make(50);
	struct seen a = {0}, b = {0};
	struct store_sub *sa;

	append_n(st, "a", 0, 1);
	sa = store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &a);
	a.st = st;
	a.unsub = sa; /* the only subscriber leaves inside its note */
	append_n(st, "a", 1, 1);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &b));
	append_n(st, "a", 2, 2);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_uint_eq(b.nnotes, 1);
	ck_assert_int_eq(b.notes[0].type, STORE_NOTE_LOGS);
	store_free(st);
}
END_TEST

/* What a test saw through store_run_fn: the runs, their runIds copied. */
struct runs_seen {
	struct store_run runs[8];
	char ids[8][STORE_RUN_ID_MAX + 1];
	size_t n;      /* runs handed over */
	int64_t first; /* the first and last run numbers handed over */
	int64_t last;
};

/* store_run_fn recording runs (the first 8 in full). */
static int
seen_run(const struct store_run *r, void *arg)
{
	struct runs_seen *s = arg;

	if (s->n < 8) {
		s->runs[s->n] = *r;
		snprintf(s->ids[s->n], sizeof s->ids[0], "%s", r->run_id);
		s->runs[s->n].run_id = s->ids[s->n];
	}
	if (s->n == 0)
		s->first = r->run;
	s->last = r->run;
	s->n++;
	return 0;
}

/* Set the status of automations/id at ms, naming the run when run_id. */
static void
set_status(struct store *st, const char *id, enum run_status status, int64_t ms,
    const char *run_id)
{
	struct store_status ch = {
	    .status = status, .at_ms = ms, .run_id = run_id};
	bool created;

	if (status == RUN_FAILED) {
		ch.has_exit_code = true;
		ch.exit_code = 3;
	}
	ck_assert_int_eq(
	    store_set_status(st, SOURCE_AUTOMATION, id, &ch, &created),
	    STORE_OK);
}

/* The runs of automations/id after run after_run into *s (at most 8 kept;
 * filled in place, since each run's runId points into *s). */
static void
runs_of(struct runs_seen *s, struct store *st, const char *id,
    int64_t after_run, size_t limit)
{
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(store_runs(st, SOURCE_AUTOMATION, id, after_run, limit,
	                     seen_run, s),
	    (long)s->n);
}

START_TEST(running_opens_a_run_that_a_terminal_status_ends)
{
	struct store *st = suite_make(50);
	struct store_info info;
	struct runs_seen r;

	set_status(st, "a", RUN_RUNNING, 1000, "a-run-1");
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert(info.has_run);
	ck_assert_int_eq(info.run.run, 1);
	ck_assert_str_eq(info.run.run_id, "a-run-1");
	ck_assert_int_eq(info.run.status, RUN_RUNNING);
	ck_assert_int_eq(info.run.start_after, 0);
	ck_assert_int_eq(info.run.end_after, -1);
	ck_assert_int_eq(info.run.first_id, 0);
	append_n(st, "a", 0, 3);
	set_status(st, "a", RUN_FAILED, 2000, NULL);
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.runs[0].run, 1);
	ck_assert_str_eq(r.runs[0].run_id, "a-run-1");
	ck_assert_int_eq(r.runs[0].status, RUN_FAILED);
	ck_assert(r.runs[0].has_exit_code);
	ck_assert_int_eq(r.runs[0].exit_code, 3);
	ck_assert_int_eq(r.runs[0].started_ms, 1000);
	ck_assert_int_eq(r.runs[0].ended_ms, 2000);
	ck_assert_int_eq(r.runs[0].start_after, 0);
	ck_assert_int_eq(r.runs[0].end_after, 3);
	ck_assert_int_eq(r.runs[0].first_id, 1);
	ck_assert_int_eq(r.runs[0].last_id, 3);
	store_free(st);
}
END_TEST

START_TEST(runs_are_numbered_and_named_by_number_without_a_run_id)
{
	struct store *st = suite_make(50);
	struct store_info info;
	struct runs_seen r;

	append_n(st, "a", 0, 2); /* created running: run 1 */
	set_status(st, "a", RUN_COMPLETED, 100, NULL);
	set_status(st, "a", RUN_QUEUED, 200, NULL);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.run.run, 1);
	set_status(st, "a", RUN_RUNNING, 300, NULL);
	append_n(st, "a", 2, 4);
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.runs[0].run_id, "1");
	ck_assert_int_eq(r.runs[0].first_id, 1);
	ck_assert_int_eq(r.runs[0].last_id, 2);
	ck_assert_int_eq(r.runs[0].status, RUN_COMPLETED);
	ck_assert_int_eq(r.runs[1].run, 2);
	ck_assert_str_eq(r.runs[1].run_id, "2");
	ck_assert_int_eq(r.runs[1].status, RUN_RUNNING);
	ck_assert_int_eq(r.runs[1].started_ms, 300);
	ck_assert_int_eq(r.runs[1].start_after, 2);
	ck_assert_int_eq(r.runs[1].first_id, 3);
	ck_assert_int_eq(r.runs[1].last_id, 6);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.run.run, 2);
	store_free(st);
}
END_TEST

START_TEST(events_after_a_run_ended_belong_to_that_run)
{
	struct store *st = suite_make(50);
	struct runs_seen r;

	set_status(st, "a", RUN_RUNNING, 1, NULL);
	append_n(st, "a", 0, 2);
	set_status(st, "a", RUN_COMPLETED, 2, NULL);
	append_n(st, "a", 2, 3);
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.runs[0].end_after, 2);
	ck_assert_int_eq(r.runs[0].last_id, 5);
	store_free(st);
}
END_TEST

START_TEST(a_job_cancelled_while_queued_is_a_run_that_starts_and_ends_at_once)
{
	struct store *st = suite_make(50);
	struct store_info info;
	struct runs_seen r;

	set_status(st, "a", RUN_QUEUED, 100, NULL);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert(!info.has_run);
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 0);
	set_status(st, "a", RUN_CANCELLED, 500, "a-7");
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.runs[0].run_id, "a-7");
	ck_assert_int_eq(r.runs[0].status, RUN_CANCELLED);
	ck_assert_int_eq(r.runs[0].started_ms, 500);
	ck_assert_int_eq(r.runs[0].ended_ms, 500);
	ck_assert_int_eq(r.runs[0].start_after, 0);
	ck_assert_int_eq(r.runs[0].end_after, 0);
	ck_assert_int_eq(r.runs[0].first_id, 0);
	ck_assert_int_eq(r.runs[0].last_id, 0);
	store_free(st);
}
END_TEST

START_TEST(status_notes_carry_the_run_only_at_a_run_boundary)
{
	struct store *st = suite_make(50);
	struct seen s = {0};
	struct runs_seen r;

	set_status(st, "a", RUN_QUEUED, 1, NULL);
	ck_assert_ptr_nonnull(
	    store_subscribe(st, SOURCE_AUTOMATION, "a", seen_note, &s));
	set_status(st, "a", RUN_RUNNING, 2, "first");
	set_status(st, "a", RUN_RUNNING, 3, "ignored");
	set_status(st, "a", RUN_QUEUED, 4, NULL);
	set_status(st, "a", RUN_RUNNING, 5, NULL); /* the same run goes on */
	set_status(st, "a", RUN_COMPLETED, 6, NULL);
	ck_assert_uint_eq(s.nnotes, 5);
	ck_assert_int_eq(s.note_run[0], 1);
	ck_assert_str_eq(s.note_run_id[0], "first");
	ck_assert_int_eq(s.note_run[1], 0);
	ck_assert_int_eq(s.note_run[2], 0);
	ck_assert_int_eq(s.note_run[3], 0);
	ck_assert_int_eq(s.note_run[4], 1);
	ck_assert_int_eq(s.notes[4].status, RUN_COMPLETED);
	ck_assert_str_eq(s.note_id[4], "a");
	runs_of(&r, st, "a", 0, 100);
	ck_assert_uint_eq(r.n, 1);
	store_free(st);
}
END_TEST

START_TEST(a_store_keeps_the_newest_runs_up_to_its_limit)
{
	struct store *st = suite_make(50);
	struct store_info info;
	struct runs_seen r;
	int i;

	for (i = 0; i < STORE_RUNS_MAX + 6; i++) {
		set_status(st, "a", RUN_RUNNING, i, NULL);
		set_status(st, "a", RUN_COMPLETED, i, NULL);
	}
	runs_of(&r, st, "a", 0, (size_t)-1);
	ck_assert_uint_eq(r.n, STORE_RUNS_MAX);
	ck_assert_int_eq(r.first, 7);
	ck_assert_int_eq(r.last, STORE_RUNS_MAX + 6);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "a", &info), 0);
	ck_assert_int_eq(info.run.run, STORE_RUNS_MAX + 6);
	runs_of(&r, st, "a", STORE_RUNS_MAX + 2, 2);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.first, STORE_RUNS_MAX + 3);
	ck_assert_int_eq(r.last, STORE_RUNS_MAX + 4);
	store_free(st);
}
END_TEST

START_TEST(a_run_is_found_by_number_run_id_current_or_previous)
{
	struct store *st = suite_make(50);
	struct store_run run;
	char idbuf[STORE_RUN_ID_MAX + 1];

	set_status(st, "a", RUN_RUNNING, 1, "nightly-1");
	set_status(st, "a", RUN_FAILED, 2, NULL);
	set_status(st, "a", RUN_RUNNING, 3, "nightly-2");
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "current",
	                     &run, idbuf, sizeof idbuf),
	    STORE_OK);
	ck_assert_int_eq(run.run, 2);
	ck_assert_str_eq(run.run_id, "nightly-2");
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "previous",
	                     &run, idbuf, sizeof idbuf),
	    STORE_OK);
	ck_assert_int_eq(run.run, 1);
	ck_assert_int_eq(run.status, RUN_FAILED);
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "nightly-2",
	                     &run, idbuf, sizeof idbuf),
	    STORE_OK);
	ck_assert_int_eq(run.run, 2);
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "1", &run,
	                     idbuf, sizeof idbuf),
	    STORE_OK);
	ck_assert_str_eq(run.run_id, "nightly-1");
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "3", &run,
	                     idbuf, sizeof idbuf),
	    STORE_ENOENT);
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "a", "nope",
	                     &run, idbuf, sizeof idbuf),
	    STORE_ENOENT);
	ck_assert_int_eq(store_run_find(st, SOURCE_AUTOMATION, "b", "current",
	                     &run, idbuf, sizeof idbuf),
	    STORE_ENOENT);
	store_free(st);
}
END_TEST

/* Append one event of automations/id at time ts. */
static void
append_at(struct store *st, const char *id, const char *ts)
{
	char text[128];
	struct store_line l = {text, 0};
	bool created;

	snprintf(text, sizeof text,
	    "\"timestamp\":\"%s\",\"level\":\"INFO\",\"message\":\"m\"", ts);
	l.len = strlen(text);
	ck_assert_int_eq(
	    store_append(st, SOURCE_AUTOMATION, id, &l, 1, 1000, &created),
	    STORE_OK);
}

START_TEST(since_finds_the_first_event_at_or_after_a_time)
{
	struct store *st = suite_make(50);
	int64_t after = -1;
	/* 2024-12-07T14:23:45.000Z and so on. */
	const int64_t t0 = 1733581425000LL;

	append_at(st, "a", "2024-12-07T14:23:45.000Z");
	append_at(st, "a", "2024-12-07T14:23:46.000Z");
	append_at(st, "a", "2024-12-07T14:23:46.500Z");
	append_at(st, "a", "2024-12-07T14:23:48.000Z");
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "a", 0, &after), 0);
	ck_assert_int_eq(after, 0);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", t0 + 1000, &after), 0);
	ck_assert_int_eq(after, 1);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", t0 + 1001, &after), 0);
	ck_assert_int_eq(after, 2);
	ck_assert_int_eq(
	    store_since(st, SOURCE_AUTOMATION, "a", t0 + 9000, &after), 0);
	ck_assert_int_eq(after, 4);
	ck_assert_int_eq(store_since(st, SOURCE_AUTOMATION, "nope", 0, &after),
	    STORE_ENOENT);
	store_free(st);
}
END_TEST

START_TEST(a_subscription_to_a_kind_hears_every_source_of_it)
{
	struct store *st = suite_make(50);
	struct seen s = {0};
	struct store_sub *sub;
	bool created;
	struct store_status ch = {.status = RUN_QUEUED};
	struct store_info info;

	append_n(st, "old", 0, 1);
	sub = store_subscribe(st, SOURCE_AUTOMATION, NULL, seen_note, &s);
	ck_assert_ptr_nonnull(sub);
	append_n(st, "new", 0, 2); /* created: its run starts, then events */
	append_n(st, "old", 1, 1);
	store_set_status(st, SOURCE_PIPELINE, "other-kind", &ch, &created);
	set_status(st, "old", RUN_COMPLETED, 9, NULL);
	ck_assert_uint_eq(s.nnotes, 4);
	ck_assert_int_eq(s.notes[0].type, STORE_NOTE_STATUS);
	ck_assert_str_eq(s.note_id[0], "new");
	ck_assert_int_eq(s.notes[0].status, RUN_RUNNING);
	ck_assert_int_eq(s.note_run[0], 1);
	/* Ids are the store's (PostgreSQL numbers every source from one
	 * sequence): each note names its source's newest. */
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "new", &info), 0);
	ck_assert_int_eq(s.notes[1].type, STORE_NOTE_LOGS);
	ck_assert_str_eq(s.note_id[1], "new");
	ck_assert_int_eq(s.notes[1].last_id, info.last_id);
	ck_assert_int_eq(store_get(st, SOURCE_AUTOMATION, "old", &info), 0);
	ck_assert_str_eq(s.note_id[2], "old");
	ck_assert_int_eq(s.notes[2].last_id, info.last_id);
	ck_assert_str_eq(s.note_id[3], "old");
	ck_assert_int_eq(s.notes[3].status, RUN_COMPLETED);
	ck_assert_int_eq(s.note_run[3], 1);
	store_unsubscribe(st, sub);
	append_n(st, "old", 2, 1);
	ck_assert_uint_eq(s.nnotes, 4);
	store_free(st);
}
END_TEST

START_TEST(unsubscribing_from_a_kind_inside_a_note_is_safe)
{
	struct store *st = suite_make(50);
	struct seen a = {0}, b = {0}, c = {0};
	struct store_sub *sa, *sc;

	append_n(st, "x", 0, 1);
	sa = store_subscribe(st, SOURCE_AUTOMATION, NULL, seen_note, &a);
	store_subscribe(st, SOURCE_AUTOMATION, NULL, seen_note, &b);
	sc = store_subscribe(st, SOURCE_AUTOMATION, NULL, seen_note, &c);
	ck_assert_ptr_nonnull(sc);
	/* a drops itself, b drops c (which has not been told yet). */
	a.st = b.st = st;
	a.unsub = sa;
	b.unsub = sc;
	append_n(st, "x", 1, 1);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_uint_eq(b.nnotes, 1);
	ck_assert_uint_eq(c.nnotes, 0);
	append_n(st, "x", 2, 1);
	ck_assert_uint_eq(a.nnotes, 1);
	ck_assert_uint_eq(b.nnotes, 2);
	ck_assert_uint_eq(c.nnotes, 0);
	store_free(st);
}
END_TEST

Suite *
store_suite(const char *name, store_factory make)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("store");

	suite_make = make;
	tcase_add_test(tc, unknown_source_is_not_found);
	tcase_add_test(tc, append_creates_a_running_source_named_by_its_id);
	tcase_add_test(tc, append_gives_the_last_id_of_its_batch);
	tcase_add_test(tc, same_id_in_another_kind_is_another_source);
	tcase_add_test(tc, events_get_consecutive_ids_rendered_into_the_object);
	tcase_add_test(tc, read_returns_events_after_an_id_up_to_the_limit);
	tcase_add_test(tc, read_stops_when_the_callback_asks);
	tcase_add_test(tc, tail_gives_the_resume_point_of_the_last_n);
	tcase_add_test(
	    tc, ring_evicts_the_oldest_and_reads_start_at_the_oldest);
	tcase_add_test(
	    tc, a_batch_larger_than_the_ring_keeps_its_newest_events);
	tcase_add_test(tc, status_changes_name_and_exit_code);
	tcase_add_test(tc, list_gives_a_kind_in_creation_order);
	tcase_add_test(tc, subscribers_hear_of_events_and_status_changes);
	tcase_add_test(
	    tc, unsubscribing_inside_a_note_is_safe_for_every_subscriber);
	tcase_add_test(
	    tc, a_subscription_removed_in_a_nested_note_is_told_no_more);
	tcase_add_test(
	    tc, a_source_whose_last_subscriber_left_can_be_followed_again);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
store_runs_suite(const char *name, store_factory make)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("runs");

	suite_make = make;
	/* Over two thousand status changes in the limit case. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, running_opens_a_run_that_a_terminal_status_ends);
	tcase_add_test(
	    tc, runs_are_numbered_and_named_by_number_without_a_run_id);
	tcase_add_test(tc, events_after_a_run_ended_belong_to_that_run);
	tcase_add_test(tc,
	    a_job_cancelled_while_queued_is_a_run_that_starts_and_ends_at_once);
	tcase_add_test(tc, status_notes_carry_the_run_only_at_a_run_boundary);
	tcase_add_test(tc, a_store_keeps_the_newest_runs_up_to_its_limit);
	tcase_add_test(tc, a_run_is_found_by_number_run_id_current_or_previous);
	tcase_add_test(tc, since_finds_the_first_event_at_or_after_a_time);
	tcase_add_test(tc, a_subscription_to_a_kind_hears_every_source_of_it);
	tcase_add_test(tc, unsubscribing_from_a_kind_inside_a_note_is_safe);
	suite_add_tcase(s, tc);
	return s;
}
