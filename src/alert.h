/* alert.h - rules put to work in the app: each event is tested against
 * every rule (core/rule.h), and a rule that fires rings the bell, shows a
 * desktop notification through the terminal, runs its command or posts
 * to its webhook (net/hook.h). Follow mode drives it; the full-screen
 * view can too. */
#ifndef LOGDECK_ALERT_H
#define LOGDECK_ALERT_H

#include <stdbool.h>

#include "core/rule.h"

struct loop;
struct alert;

/* Trusted one-line notes (failures of actions), for stderr or a status
 * bar. */
typedef void (*alert_note_fn)(const char *text, void *arg);

/* Rules rules (borrowed, their suppression state is updated) on loop;
 * bell and notification sequences go to tty_fd (-1: nowhere, e.g. when
 * stderr is no terminal). NULL when out of memory. */
struct alert *alert_new(struct loop *loop, struct rule_set *rules,
    int tty_fd, alert_note_fn note, void *arg);
/* Free a; actions still running are stopped. NULL is fine. */
void alert_free(struct alert *a);
/* alert_event's watch: any rule. */
#define ALERT_ANY (-2)
/* Test every rule against sub and act for those that fire now. Returns
 * true when rule number watch fired (ALERT_ANY: when any did; -1: never). */
bool alert_event(struct alert *a, const struct rule_subject *sub, int watch);
/* True when no command or post is queued or running. */
bool alert_idle(const struct alert *a);

#endif
