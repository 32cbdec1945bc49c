/* tui_testutil.h - building log events for the TUI model tests. */
#ifndef LOGDECK_TUI_TESTUTIL_H
#define LOGDECK_TUI_TESTUTIL_H

#include <string.h>

#include "event.h"

/* An event with message msg at level lv (no id, no timestamp). */
static inline struct log_event
mkev(enum level lv, const char *msg)
{
	struct log_event ev;
	static const char *names[] = {
	    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NOTICE"};

	memset(&ev, 0, sizeof ev);
	ev.id = -1;
	ev.level = lv;
	ev.level_name.p = names[lv];
	ev.level_name.n = strlen(names[lv]);
	ev.message.p = msg;
	ev.message.n = strlen(msg);
	ev.raw = ev.message;
	return ev;
}

#endif
