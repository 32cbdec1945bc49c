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
	s->notes[s->nnotes++] = *note;
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

Suite *
store_suite(const char *name, store_factory make)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("store");

	suite_make = make;
	tcase_add_test(tc, unknown_source_is_not_found);
	tcase_add_test(tc, append_creates_a_running_source_named_by_its_id);
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
	suite_add_tcase(s, tc);
	return s;
}
