/* rule.h - rules that watch for the operator (model layer, no I/O): what
 * a rule matches (an automation glob, a level floor, a regex on the
 * message, a member test such as rows>1000, or a run event), which
 * actions it asks for, and how its repeats are suppressed. Doing the
 * actions is the app's (the terminal) and net/hook.c's (command, webhook).
 *
 * A rule is built key by key from text (rule_set), the same keys for the
 * configuration's `rules:` and for `--alert` (logdeck.yaml(5)). */
#ifndef LOGDECK_RULE_H
#define LOGDECK_RULE_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/litscan.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/field.h"

/* Most rules in force (configuration and --alert together). */
#define RULE_MAX 64
/* Longest rule name, source glob, regex, command or webhook URL. */
#define RULE_TEXT_MAX 1024
/* Longest suppression window and command deadline, in seconds. */
#define RULE_EVERY_MAX_S 86400
#define RULE_TIMEOUT_MAX_S 3600
/* A command's deadline when the rule names none, in seconds. */
#define RULE_TIMEOUT_DEFAULT_S 10
/* Bytes of the message a desktop notification shows. */
#define RULE_NOTIFY_TEXT_MAX 200

/* What happened: a line, or a run event. */
enum rule_event {
	RULE_LINE,
	RULE_STARTED,
	RULE_COMPLETED,
	RULE_FAILED, /* failed, cancelled, or completed with exit code != 0 */
	RULE_QUIET,  /* a running automation went silent (core/stall.h) */
	RULE_EVENT_COUNT
};

/* Actions, or-ed. */
enum {
	RULE_BELL = 1,
	RULE_NOTIFY = 2, /* OSC 9 and OSC 777 */
	RULE_COMMAND = 4,
	RULE_WEBHOOK = 8,
};

struct rule {
	char *name;
	char *source; /* glob on the id or the name; NULL: every source */
	enum level floor;
	bool has_floor;
	char *match; /* regex on the message (smart case), or NULL */
	regex_t match_re;
	struct litscan match_lit; /* match's required literal (fast reject) */
	char *field; /* member test as written, or NULL */
	enum field_op field_op;
	char field_name[FIELD_NAME_LEN + 1];
	bool field_is_num;
	double field_num;
	char *field_text; /* the value as written (FIELD_EQ) */
	bool field_icase;
	regex_t field_re; /* FIELD_MATCH */
	unsigned on;      /* run events (1 << enum rule_event); 0: lines */
	unsigned actions;
	char *command; /* the operator's, run with /bin/sh -c */
	char *webhook; /* http:// or https:// URL */
	long every_s;  /* at most one firing per every_s seconds */
	long timeout_s;
	/* Suppression state. */
	bool fired;
	int64_t last_ms;
	uint64_t suppressed; /* matches since the last firing, not fired */
};

/* What a rule is tested against. Spans are borrowed for the call. */
struct rule_subject {
	enum rule_event event;
	const char *source_id;
	const char *source_name;
	const struct log_event *ev; /* RULE_LINE: the line; else NULL */
	long long run;              /* 0: unknown */
	int exit_code;
	bool has_exit_code;
	int64_t quiet_ms; /* RULE_QUIET: how long it has been silent */
};

struct rule_set {
	struct rule r[RULE_MAX];
	int n;
};

/* Set up an empty set. */
void rule_set_init(struct rule_set *s);
/* Free every rule of s (the set stays usable, empty). */
void rule_set_free(struct rule_set *s);
/* Start a new rule named name (NULL: "rule N"); its index, or -1 with a
 * reason when RULE_MAX rules are in force. */
int rule_add(struct rule_set *s, const char *name, char *err, size_t errlen);
/* Set key of rule i from its text value: name, source, level, match,
 * field, on, bell, notify, command, webhook, every, timeout
 * (logdeck.yaml(5)). 0, 1 for an unknown key, or -1 with a reason. */
int rule_set_key(struct rule_set *s, int i, const char *key,
    const char *value, char *err, size_t errlen);
/* Check rule i once all its keys are set (it must do something or be
 * named for --until); 0 or -1 with a reason. */
int rule_check(struct rule_set *s, int i, char *err, size_t errlen);
/* The keys rule_set_key knows, NULL-terminated (for did-you-mean). */
const char *const *rule_keys(void);
/* The rule named name, or -1. */
int rule_find(const struct rule_set *s, const char *name);

/* True when rule r matches what happened. */
bool rule_match(const struct rule *r, const struct rule_subject *sub);
/* True when r may match event e (a line: at level l) on its cheap keys
 * alone, the event kind and the level floor; rule_match implies it. For
 * indexing the rules by what happened (alert.c). */
bool rule_may_match(const struct rule *r, enum rule_event e, enum level l);
/* A match at now_ms: true when the rule fires now (then *suppressed is
 * how many matches were suppressed since its last firing, and the count
 * starts again), false when it is inside its window (counted). */
bool rule_fire(struct rule *r, int64_t now_ms, uint64_t *suppressed);

/* The event as the webhook's JSON object into out: rule, event, source,
 * sourceName, run, level, message, timestamp, exitCode, quietMs,
 * suppressed; the line's own JSON as "line". 0, or -1 when out is full. */
int rule_json(struct buf *out, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed);
/* One short line saying what happened ("nightly-sync: ERROR: disk full",
 * "nightly-sync: run 7 failed"), escaped to be terminal-safe, into out. */
int rule_summary(struct buf *out, const struct rule_subject *sub);
/* The desktop notification for a firing: OSC 9 and OSC 777 sequences
 * with the rule's name and the summary, escaped and cut to
 * RULE_NOTIFY_TEXT_MAX, into out. */
int rule_osc(struct buf *out, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed);
/* The name of a run event ("failed"); "line" for RULE_LINE. */
const char *rule_event_name(enum rule_event e);

#endif
