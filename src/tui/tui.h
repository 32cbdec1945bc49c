/* tui.h - the full-screen viewer's entry point (view layer). */
#ifndef LOGDECK_TUI_H
#define LOGDECK_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"

struct client_cfg;
struct conf_key;
struct source;
struct rule_set;

/* What main hands to the full-screen viewer. All pointers are borrowed
 * and stay valid until tui_run returns. */
struct tui_opts {
	const struct client_cfg *client;
	const struct source *watch; /* sources to open at start (may be 0) */
	size_t nwatch;
	long tail;                   /* backfill per stream, -1: all retained */
	const char *since;           /* start there (ISO 8601), or NULL */
	const char *run;             /* --run: the command line's sources show
	                                this run alone, or NULL */
	const char *profile;         /* the configuration profile, or NULL */
	enum level floor;            /* initial level floor */
	bool merged;                 /* start in the merged view */
	bool watch_all;              /* watch each automation once when the
	                                list first shows it running (--all) */
	bool utc;                    /* timestamps in UTC */
	bool color;                  /* false for NO_COLOR or --color=never */
	size_t scrollback_cap;       /* bytes for all streams (256 MiB) */
	const char *theme;           /* theme name or path, NULL: default */
	int timestamps;              /* enum conf_timestamps: 0 absolute,
	                                1 relative, 2 off */
	bool wrap;                   /* start with long lines wrapped */
	bool fold;                   /* log panes start folded */
	int list_width;              /* list pane columns, 0: default */
	const struct conf_key *keys; /* rebindings from the configuration */
	size_t nkeys;
	struct rule_set *rules;      /* rules: and --alert (their suppression
	                                state is updated), or NULL */
	long quiet_after_ms;         /* stall floor (core/stall.h); 0: the
	                                default */
};

/* Run the viewer until the operator quits; returns the process exit status.
 * The terminal is restored on every path out, fatal signals included. */
int tui_run(const struct tui_opts *o);

#endif
