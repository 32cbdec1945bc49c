/* tui_testutil.h - building log events and timed store lines for the TUI
 * model tests. */
#ifndef LOGDECK_TUI_TESTUTIL_H
#define LOGDECK_TUI_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "tui/scrollback.h"

/* An event with message msg at level lv (no id, no timestamp). */
static inline struct log_event
mkev(enum level lv, const char *msg)
{
	struct log_event ev;
	static const char *names[] = {
	    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NOTICE"};

	memset(&ev, 0, sizeof ev);
	ev.id = -1;
	ev.ts_ms = INT64_MIN;
	ev.level = lv;
	ev.level_name.p = names[lv];
	ev.level_name.n = strlen(names[lv]);
	ev.message.p = msg;
	ev.message.n = strlen(msg);
	ev.raw = ev.message;
	return ev;
}

/* 2024-05-01T12:00:00Z in Unix ms: the time zero of tests by time. */
#define TEST_T0 1714564800000LL

/* An ISO timestamp for TEST_T0 + ms into out. */
static inline const char *
test_iso(char *out, size_t outlen, int64_t ms)
{
	time_t s = (time_t)((TEST_T0 + ms) / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, outlen - n, ".%03dZ", (int)((TEST_T0 + ms) % 1000));
	return out;
}

/* Append a line of level lv from src at TEST_T0 + ms (ms < 0: no
 * timestamp); its seq, or -1. */
static inline int64_t
test_add(struct scrollback *sb, uint16_t src, enum level lv, int64_t ms,
    const char *msg)
{
	struct log_event ev = mkev(lv, msg);
	char ts[40];

	if (ms >= 0) {
		ev.timestamp.p = test_iso(ts, sizeof ts, ms);
		ev.timestamp.n = strlen(ts);
		ev.ts_ms = event_parse_time(ts, ev.timestamp.n);
	}
	return sb_append(sb, src, &ev);
}

#endif
