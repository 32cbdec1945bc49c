/* fuzz_event.c - libFuzzer target for event decoding (core/event.c): the
 * input is one event's data, decoded as a log event (whole, cut at three
 * points, as an array), a status, a reset and a timestamp.
 * Properties beyond no crash: every span of a decoded event points into
 * the input, the decoder's scratch or a constant name and is never longer
 * than the input; decoding is repeatable; a cut decode never reports more
 * message than the bytes it was given; level and status are in range; a
 * parsed time is the same whatever bytes follow a NUL in the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "fuzzutil.h"

/* Check what every decoded log event of len input bytes must satisfy. */
static void
fuzz_check_event(const struct log_event *ev, const char *data, size_t len)
{
	const struct span *sp[] = {&ev->timestamp, &ev->level_name,
	    &ev->message, &ev->task, &ev->run_id};
	size_t i;

	if ((int)ev->level < 0 || ev->level >= LEVEL_COUNT)
		fuzz_fail("level %d out of range", (int)ev->level);
	if (ev->id < -1)
		fuzz_fail("id %lld below -1", ev->id);
	if (ev->raw.p != data || ev->raw.n != len)
		fuzz_fail("raw is not the input");
	for (i = 0; i < sizeof sp / sizeof sp[0]; i++) {
		if (sp[i]->n > len && sp[i] != &ev->level_name)
			fuzz_fail("span %zu longer than the input", i);
		if (sp[i]->n > 0 && sp[i]->p == NULL)
			fuzz_fail("span %zu is NULL", i);
		fuzz_touch(sp[i]->p, sp[i]->n);
	}
	if (ev->level != LEVEL_OTHER &&
	    (ev->level_name.n != strlen(level_name(ev->level)) ||
	        memcmp(ev->level_name.p, level_name(ev->level),
	            ev->level_name.n) != 0))
		fuzz_fail("level name is not the canonical one");
}

/* Counts events of an array and checks each. */
struct fuzz_array {
	long n;
};

/* event_decode_array callback. */
static void
fuzz_on_element(const struct log_event *ev, void *arg)
{
	struct fuzz_array *a = arg;

	fuzz_check_event(ev, ev->raw.p, ev->raw.n);
	a->n++;
}

/* Check one decoded status. */
static void
fuzz_check_status(const struct status_event *st, const char *data, size_t len)
{
	if ((int)st->status < RUN_UNKNOWN || st->status > RUN_CANCELLED)
		fuzz_fail("status %d out of range", (int)st->status);
	if (st->timestamp.n > len || st->run_id.n > len)
		fuzz_fail("status span longer than the input");
	if (st->run < 0)
		fuzz_fail("run %lld negative", st->run);
	(void)data;
}

/* A time event_parse_time accepts names a real instant: written in UTC
 * (no offset) with seconds below 60, it must read back as the same
 * calendar fields, so "2024-02-31" is refused, not taken as March 2. */
static void
fuzz_check_time(const char *s, size_t n)
{
	int64_t t = event_parse_time(s, n);
	struct tm tm;
	time_t sec;
	char want[20], got[80];

	if (t == INT64_MIN || n < 19)
		return;
	if (memchr(s + 19, '+', n - 19) != NULL ||
	    memchr(s + 19, '-', n - 19) != NULL || memcmp(s + 17, "60", 2) == 0)
		return;
	sec = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
	if (gmtime_r(&sec, &tm) == NULL)
		fuzz_fail("time %lld out of gmtime's range", (long long)t);
	memcpy(want, s, 19);
	want[10] = 'T';
	want[19] = '\0';
	snprintf(got, sizeof got, "%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	if (strcmp(want, got) != 0)
		fuzz_fail("time %s read as %s", want, got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct event_decoder *d = event_decoder_new();
	struct log_event ev, again;
	struct status_event st;
	struct fuzz_array arr = {0};
	const char *data;
	char *copy;
	size_t cuts[3], i;
	long n;

	if (d == NULL)
		fuzz_fail("event_decoder_new failed");
	/* An exact-size copy: a read past the end is an ASan report. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		fuzz_fail("out of memory");
	memcpy(copy, in, size);
	data = copy;

	event_decode(d, data, size, &ev);
	fuzz_check_event(&ev, data, size);
	event_decode(d, data, size, &again);
	if (again.id != ev.id || again.level != ev.level ||
	    again.json != ev.json || again.message.n != ev.message.n ||
	    again.truncated != ev.truncated)
		fuzz_fail("decoding twice differs");
	if (!ev.json && (ev.message.p != data || ev.message.n != size))
		fuzz_fail("a text event's message is not its data");

	cuts[0] = size / 2;
	cuts[1] = size > 0 ? size - 1 : 0;
	cuts[2] = size > 0 ? (size_t)in[0] * size / 256 : 0;
	for (i = 0; i < 3; i++) {
		event_decode_cut(d, data, cuts[i], &ev);
		fuzz_check_event(&ev, data, cuts[i]);
		/* Only a cut that fell just after a whole object keeps
		 * json (raw is then that object). */
		if (ev.json) {
			event_decode(d, data, cuts[i], &again);
			if (!again.json)
				fuzz_fail("a cut event claims to be an object");
		}
	}

	n = event_decode_array(d, data, size, fuzz_on_element, &arr);
	if (n != (n < 0 ? -1 : arr.n) || (n < 0 && arr.n != 0))
		fuzz_fail("array count %ld, %ld callbacks", n, arr.n);

	if (event_decode_status(data, size, &st) == 0)
		fuzz_check_status(&st, data, size);
	if (event_decode_reset(data, size) < -1)
		fuzz_fail("reset id below -1");
	event_reset_renumbered(data, size);

	fuzz_check_time(data, size);
	level_parse(data, size);
	run_status_parse(data, size);

	free(copy);
	event_decoder_free(d);
	return 0;
}
