/* alert.c - rules put to work (see alert.h). */
#include "alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/buf.h"
#include "net/hook.h"
#include "net/loop.h"

/* Largest terminal sequence written for one firing. */
#define ALERT_TTY_MAX 4096
/* Terminal bytes of firings held to be written once per loop pass; past
 * it they are written at once. */
#define ALERT_TTY_PENDING_MAX (64 * 1024)

struct alert {
	struct loop *loop;
	struct rule_set *rules;
	struct hook *hook;
	int tty_fd;
	struct buf json; /* the event as JSON (webhook body, env) */
	struct buf text; /* the terminal's bytes, the summary */
	/* The terminal's bytes of the firings of this pass, written by the
	 * flush timer: a burst of lines ringing the bell makes one write,
	 * not one each (~3% of the view's CPU in bench row 2b). */
	struct buf tty;
	struct loop_timer flush;
	/* The rules a line of each level, and each run event, may match
	 * (rule_may_match; bit i: rule i): a line meets only those. */
	uint64_t line_rules[LEVEL_COUNT];
	uint64_t event_rules[RULE_EVENT_COUNT];
};

_Static_assert(RULE_MAX <= 64, "one bit per rule in a uint64_t");

static void alert_on_flush(void *arg);

/* Index the rules by what they may match (the set is fixed from here:
 * configuration and --alert are read before). */
static void
alert_index(struct alert *a)
{
	int i, l;
	enum rule_event e;

	for (i = 0; i < a->rules->n; i++) {
		const struct rule *r = &a->rules->r[i];

		for (l = 0; l < LEVEL_COUNT; l++) {
			if (rule_may_match(r, RULE_LINE, (enum level)l))
				a->line_rules[l] |= 1ULL << i;
		}
		for (e = RULE_STARTED; e < RULE_EVENT_COUNT; e++) {
			if (rule_may_match(r, e, LEVEL_INFO))
				a->event_rules[e] |= 1ULL << i;
		}
	}
}

struct alert *
alert_new(struct loop *loop, struct rule_set *rules, int tty_fd,
    alert_note_fn note, void *arg)
{
	struct alert *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->loop = loop;
	a->rules = rules;
	a->tty_fd = tty_fd;
	buf_init(&a->json, HOOK_POST_MAX_BODY);
	buf_init(&a->text, ALERT_TTY_MAX);
	buf_init(&a->tty, ALERT_TTY_PENDING_MAX);
	loop_timer_init(&a->flush, alert_on_flush, a);
	alert_index(a);
	if ((a->hook = hook_new(loop, note, arg)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	alert_on_flush(a);
	loop_timer_stop(a->loop, &a->flush);
	hook_free(a->hook);
	buf_free(&a->json);
	buf_free(&a->text);
	buf_free(&a->tty);
	free(a);
}

/* The flush timer (and alert_free): write the held terminal bytes. */
static void
alert_on_flush(void *arg)
{
	struct alert *a = arg;
	size_t off = 0;
	ssize_t n;

	while (a->tty_fd >= 0 && off < a->tty.len) {
		n = write(a->tty_fd, a->tty.p + off, a->tty.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_clear(&a->tty);
}

/* Hold this firing's terminal bytes for the flush timer, which runs in
 * this loop pass (or the next, when the firing came from a timer). */
static void
alert_tty(struct alert *a)
{
	if (a->tty_fd >= 0 && a->text.len > 0) {
		if (a->tty.len + a->text.len > ALERT_TTY_PENDING_MAX)
			alert_on_flush(a);
		buf_append(&a->tty, a->text.p, a->text.len);
		if (!a->flush.armed)
			loop_timer_in(a->loop, &a->flush, 0);
	}
	buf_clear(&a->text);
}

/* Wall-clock ms: suppression windows are the operator's seconds. */
static int64_t
alert_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Run r's command with the event in the environment (never in the
 * command line). */
static void
alert_command(struct alert *a, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed)
{
	const struct log_event *ev = sub->ev;
	char run[32], code[16], quiet[32], supp[32];
	const char *env[HOOK_MAX_ENV][2];
	size_t n = 0;
	char *msg = NULL, *ts = NULL;

#define ALERT_ENV(k, v)                                                        \
	do {                                                                   \
		env[n][0] = (k);                                               \
		env[n][1] = (v);                                               \
		n++;                                                           \
	} while (0)
	ALERT_ENV("LOGDECK_RULE", r->name);
	ALERT_ENV("LOGDECK_EVENT", rule_event_name(sub->event));
	ALERT_ENV("LOGDECK_SOURCE", sub->source_id ? sub->source_id : "");
	ALERT_ENV("LOGDECK_SOURCE_NAME",
	    sub->source_name ? sub->source_name : "");
	snprintf(run, sizeof run, "%lld", sub->run > 0 ? sub->run : 0);
	ALERT_ENV("LOGDECK_RUN", sub->run > 0 ? run : "");
	snprintf(supp, sizeof supp, "%" PRIu64, suppressed);
	ALERT_ENV("LOGDECK_SUPPRESSED", supp);
	if (ev != NULL) {
		/* The message as it is (a NUL byte ends it): data, not a
		 * command. */
		msg = strndup(ev->message.p ? ev->message.p : "",
		    ev->message.n > HOOK_ENV_VALUE_MAX ? HOOK_ENV_VALUE_MAX
		                                       : ev->message.n);
		ts = strndup(ev->timestamp.p ? ev->timestamp.p : "",
		    ev->timestamp.n);
		ALERT_ENV("LOGDECK_LEVEL", level_name(ev->level));
		ALERT_ENV("LOGDECK_MESSAGE", msg ? msg : "");
		ALERT_ENV("LOGDECK_TIMESTAMP", ts ? ts : "");
	}
	if (sub->has_exit_code) {
		snprintf(code, sizeof code, "%d", sub->exit_code);
		ALERT_ENV("LOGDECK_EXIT_CODE", code);
	}
	if (sub->event == RULE_QUIET) {
		snprintf(quiet, sizeof quiet, "%lld",
		    (long long)(sub->quiet_ms / 1000));
		ALERT_ENV("LOGDECK_QUIET_SECONDS", quiet);
	}
	if (a->json.len > 0)
		ALERT_ENV("LOGDECK_EVENT_JSON", a->json.p);
#undef ALERT_ENV
	hook_command(a->hook, r->name, r->command, r->timeout_s, env, n);
	free(msg);
	free(ts);
}

/* Do the actions of rule r for sub. */
static void
alert_act(struct alert *a, const struct rule *r,
    const struct rule_subject *sub, uint64_t suppressed)
{
	buf_clear(&a->json);
	if ((r->actions & (RULE_COMMAND | RULE_WEBHOOK)) != 0 &&
	    rule_json(&a->json, r, sub, suppressed) != 0)
		buf_clear(&a->json); /* past HOOK_POST_MAX_BODY: no body */
	if (r->actions & RULE_BELL)
		buf_putc(&a->text, '\a');
	if (r->actions & RULE_NOTIFY)
		rule_osc(&a->text, r, sub, suppressed);
	alert_tty(a);
	if (r->actions & RULE_COMMAND)
		alert_command(a, r, sub, suppressed);
	if ((r->actions & RULE_WEBHOOK) && a->json.len > 0)
		hook_post(a->hook, r->name, r->webhook, a->json.p, a->json.len);
}

bool
alert_event(struct alert *a, const struct rule_subject *sub, int watch)
{
	bool hit = false;
	uint64_t suppressed;
	int64_t now = -1;
	uint64_t may;
	int i;

	if (sub->event == RULE_LINE)
		may = sub->ev == NULL ? 0
		      : (unsigned)sub->ev->level < LEVEL_COUNT
		          ? a->line_rules[sub->ev->level]
		          : ~0ULL;
	else
		may = (unsigned)sub->event < RULE_EVENT_COUNT
		          ? a->event_rules[sub->event]
		          : ~0ULL;
	/* In rule order, as the firings were before the index. */
	for (; may != 0; may &= may - 1) {
		struct rule *r;

		if ((i = __builtin_ctzll(may)) >= a->rules->n)
			break;
		r = &a->rules->r[i];
		if (!rule_match(r, sub))
			continue;
		if (now < 0)
			now = alert_now_ms();
		if (!rule_fire(r, now, &suppressed))
			continue;
		alert_act(a, r, sub, suppressed);
		if (i == watch || watch == ALERT_ANY)
			hit = true;
	}
	return hit;
}

bool
alert_idle(const struct alert *a)
{
	return hook_idle(a->hook);
}
