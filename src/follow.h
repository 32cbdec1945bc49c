/* follow.h - the non-interactive modes: stream lines to stdout until every
 * source ends (--follow), or print what is retained and exit. */
#ifndef LOGDECK_FOLLOW_H
#define LOGDECK_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"
#include "core/format.h"
#include "net/policy.h"

struct client_cfg;
struct rule_set;
struct source;
struct resolve_run;

/* Exit statuses of follow mode (documented in --help and logdeck(1));
 * those of a finished stream are the stream policy's. */
#define EXIT_OK POLICY_EXIT_OK
#define EXIT_RUN_FAILED POLICY_EXIT_RUN_FAILED
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE POLICY_EXIT_UNREACHABLE
#define EXIT_UNTIL 4 /* the --until rule fired */
#define EXIT_INTERRUPTED 130

struct follow_opts {
	const struct client_cfg *client;
	const struct source *sources; /* borrowed */
	size_t nsources;
	long tail;          /* lines back to start from, -1: all retained */
	const char *since;  /* start at this ISO 8601 time, or NULL */
	const char *run;    /* follow this run (number, runId, previous) */
	bool until_stopped; /* run after run; never ends on its own */
	/* Each source's newest run at start-up (NULL: unknown). Without
	 * tail, since and run, following starts at the newest run. */
	const struct resolve_run *runs;
	enum level floor; /* lines below are not printed */
	const char *grep; /* extended regex on the message, or NULL */
	bool ignore_case;
	struct format_opts fmt;
	int verbose;
	/* Rules in force (NULL: none); their suppression state changes. */
	struct rule_set *rules;
	int until_rule; /* the rule whose firing ends the follow, or -1 */
	long quiet_after_ms; /* stall floor (core/stall.h); 0: the default */
	/* --new-errors: print only the WARN-and-above lines whose pattern
	 * did not occur in the last successful run (newerr.h). */
	bool new_errors;
};

/* Follow the sources until each followed run ends (or, until_stopped,
 * until interrupted); returns the exit status. */
int follow_run(const struct follow_opts *o);
/* Print the lines the server retains for each source and return. */
int follow_fetch(const struct follow_opts *o);

#endif
