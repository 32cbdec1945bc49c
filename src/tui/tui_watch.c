/* tui_watch.c - folded repeats, quiet automations, rules and new error
 * patterns in the full-screen view (see tui_watch.h). Each source's state
 * lives in a struct tui_wsrc of its own (allocated at its first line or
 * stream, owned by its tui_src), so callbacks may keep pointers to it
 * while the sources array grows. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "newerr.h"
#include "core/fold.h"
#include "core/pattern.h"
#include "core/stall.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"

/* A ring of rising seqs (marked lines of one source). */
struct tui_seqs {
	uint64_t *v; /* TUI_MARKS_MAX slots, NULL until the first mark */
	size_t start, n;
};

/* What newerr hands back for a judged line (its text is this). */
struct tui_judged {
	uint64_t seq;
	uint64_t hash;
	long long run;
};

struct tui_wsrc {
	struct tui *t;
	int i;
	struct source src;  /* a copy newerr borrows (tui.srcs moves) */
	struct fold *fold;  /* NULL until the first line (or no memory) */
	uint64_t fold_hint; /* the entry the folded index asked about last */
	struct stall stall; /* is it quiet? */
	bool quiet;         /* stall said so, no line since */
	struct newerr *ne;  /* the judge of new errors, while watched */
	long long run;      /* the run the stream told last (0: none) */
	struct tui_seqs fired, fresh; /* lines a rule fired on; new ones */
	uint64_t pats[TUI_NEW_PATTERNS_MAX]; /* new patterns of the run */
	unsigned npats;
	bool pats_full;
	unsigned long long fired_unseen; /* firings while not on screen */
};

/* --- marks --- */

/* Add seq to ring q (seqs come rising; an older one is dropped). */
static void
seqs_add(struct tui_seqs *q, uint64_t seq)
{
	if (q->v == NULL &&
	    (q->v = malloc(TUI_MARKS_MAX * sizeof *q->v)) == NULL)
		return;
	if (q->n > 0 &&
	    q->v[(q->start + q->n - 1) % TUI_MARKS_MAX] >= seq)
		return;
	if (q->n == TUI_MARKS_MAX) {
		q->start = (q->start + 1) % TUI_MARKS_MAX;
		q->n--;
	}
	q->v[(q->start + q->n++) % TUI_MARKS_MAX] = seq;
}

/* True when ring q holds seq (binary search). */
static bool
seqs_has(const struct tui_seqs *q, uint64_t seq)
{
	size_t lo = 0, hi = q->n, mid;
	uint64_t v;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		v = q->v[(q->start + mid) % TUI_MARKS_MAX];
		if (v == seq)
			return true;
		if (v < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* --- per source --- */

/* newerr_out: a line of a new pattern (its text is a struct tui_judged). */
static void
watch_ne_line(const char *p, size_t n, void *arg)
{
	struct tui_wsrc *w = arg;
	struct tui_judged j;
	unsigned k;

	/* Without a successful run before, nothing is compared: the view
	 * marks no line rather than every one. */
	if (n != sizeof j || !newerr_has_baseline(w->ne))
		return;
	memcpy(&j, p, sizeof j);
	seqs_add(&w->fresh, j.seq);
	if (j.run == w->run) {
		for (k = 0; k < w->npats && w->pats[k] != j.hash; k++)
			;
		if (k == w->npats) {
			if (w->npats < TUI_NEW_PATTERNS_MAX)
				w->pats[w->npats++] = j.hash;
			else
				w->pats_full = true;
		}
	}
	tui_dirty(w->t);
}

/* newerr_out: notes are follow mode's; the view has none to pass. */
static void
watch_ne_note(const char *p, size_t n, void *arg)
{
	(void)p;
	(void)n;
	(void)arg;
}

/* newerr_out: the judge's own note, on the status bar. */
static void
watch_ne_say(const char *text, void *arg)
{
	struct tui_wsrc *w = arg;
	static const char opt[] = "--new-errors: ";

	if (strncmp(text, opt, sizeof opt - 1) == 0)
		text += sizeof opt - 1;
	if (strstr(text, "no successful run") != NULL) {
		tui_msg(w->t, false,
		    "%s: no successful run before: no error is marked new",
		    tui_src_name(w->t, w->i));
		return;
	}
	tui_msg(w->t, false, "%s: %s", tui_src_name(w->t, w->i), text);
}

/* Source i's watch state, made on first use; NULL when out of memory. */
static struct tui_wsrc *
watch_src(struct tui *t, int i)
{
	struct tui_src *s = &t->srcs[i];
	struct tui_wsrc *w = s->watch;

	if (w != NULL)
		return w;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->t = t;
	w->i = i;
	source_copy(&w->src, &s->src);
	stall_init(&w->stall, t->o->quiet_after_ms);
	s->watch = w;
	return w;
}

/* Free a source's watch state. */
static void
watch_src_free(struct tui_wsrc *w)
{
	if (w == NULL)
		return;
	newerr_free(w->ne);
	fold_free(w->fold);
	free(w->fired.v);
	free(w->fresh.v);
	source_clear(&w->src);
	free(w);
}

/* --- rules --- */

/* alert_note_fn: an action failed. */
static void
watch_alert_note(const char *text, void *arg)
{
	tui_msg(arg, true, "rule %s", text);
}

/* Test the rules against sub on source i; true when one fired. */
static bool
watch_rules(struct tui *t, int i, struct rule_subject *sub)
{
	struct tui_wsrc *w;

	if (t->alert == NULL)
		return false;
	sub->source_id = t->srcs[i].src.id;
	sub->source_name = tui_src_name(t, i);
	if (!alert_event(t->alert, sub, ALERT_ANY))
		return false;
	if ((w = watch_src(t, i)) != NULL && !tui_src_visible(t, i))
		w->fired_unseen++;
	tui_dirty(t);
	return true;
}

/* --- quiet --- */

/* The quiet timer: say which sources went quiet, fire quiet rules. */
static void
watch_on_stall(void *arg)
{
	struct tui *t = arg;
	int64_t now = (int64_t)loop_now(), silent;
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		struct tui_wsrc *w = t->srcs[i].watch;

		if (w == NULL || t->srcs[i].stream == NULL ||
		    !stall_check(&w->stall, now, &silent))
			continue;
		w->quiet = true;
		struct rule_subject sub = {.event = RULE_QUIET,
		    .run = w->run,
		    .quiet_ms = silent};
		watch_rules(t, i, &sub);
		tui_dirty(t);
	}
}

void
tui_watch_open(struct tui *t, int tty_fd)
{
	loop_timer_init(&t->stall_timer, watch_on_stall, t);
	if (t->o->rules != NULL && t->o->rules->n > 0 &&
	    (t->alert = alert_new(t->loop, t->o->rules, tty_fd,
	         watch_alert_note, t)) == NULL)
		tui_msg(t, true, "out of memory: the rules are not at work");
}

void
tui_watch_close(struct tui *t)
{
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		watch_src_free(t->srcs[i].watch);
		t->srcs[i].watch = NULL;
	}
	alert_free(t->alert);
	t->alert = NULL;
	if (t->loop != NULL)
		loop_timer_stop(t->loop, &t->stall_timer);
}

/* --- what the app feeds --- */

void
tui_watch_line(
    struct tui *t, int i, uint64_t seq, const struct log_event *ev)
{
	struct tui_wsrc *w = watch_src(t, i);
	struct sb_key k;
	uint64_t hash;

	if (w == NULL || !sb_key(t->sb, seq, &k))
		return;
	if (w->fold == NULL)
		w->fold = fold_new(TUI_FOLD_ENTRIES);
	if (w->fold != NULL)
		fold_add(w->fold, seq, k.order_ms, ev->level, ev->message.p,
		    ev->message.n, NULL);
	stall_line(&w->stall, (int64_t)loop_pass_now(t->loop), k.order_ms);
	if (w->quiet) {
		w->quiet = false;
		tui_dirty(t);
	}
	if (t->alert != NULL) {
		struct rule_subject sub = {
		    .event = RULE_LINE, .ev = ev, .run = w->run};

		if (watch_rules(t, i, &sub))
			seqs_add(&w->fired, seq);
	}
	if (w->ne != NULL && ev->level >= LEVEL_WARN &&
	    ev->level != LEVEL_OTHER) {
		struct tui_judged j;

		hash = pattern_hash(ev->message.p, ev->message.n);
		memset(&j, 0, sizeof j);
		j.seq = seq;
		j.hash = hash;
		j.run = w->run;
		newerr_line(w->ne, w->run, hash, (const char *)&j, sizeof j);
	}
}

void
tui_watch_mark(struct tui *t, int i, uint64_t seq)
{
	struct tui_wsrc *w = t->srcs[i].watch;

	/* A level no line has: the marker opens an entry of its own, so no
	 * fold spans a run boundary or a gap. */
	if (w != NULL && w->fold != NULL)
		fold_add(w->fold, seq, 0, 0x7f, "", 0, NULL);
}

void
tui_watch_run(struct tui *t, int i, long long run, enum run_status st,
    bool has_exit, int exit_code)
{
	struct tui_wsrc *w = watch_src(t, i);
	struct rule_subject sub = {.run = run,
	    .has_exit_code = has_exit,
	    .exit_code = exit_code};

	if (w == NULL)
		return;
	if (st == RUN_RUNNING) {
		if (run != w->run) {
			w->npats = 0;
			w->pats_full = false;
		}
		w->run = run;
		if (w->ne != NULL)
			newerr_run_started(w->ne, run);
		sub.event = RULE_STARTED;
		watch_rules(t, i, &sub);
		return;
	}
	if (!run_status_terminal(st))
		return;
	w->run = run;
	/* An ended run is not quiet. */
	stall_pause(&w->stall);
	w->quiet = false;
	if (w->ne != NULL)
		newerr_run_ended(w->ne, run,
		    st == RUN_COMPLETED && (!has_exit || exit_code == 0));
	sub.event = st == RUN_COMPLETED && (!has_exit || exit_code == 0)
	                ? RULE_COMPLETED
	                : RULE_FAILED;
	watch_rules(t, i, &sub);
}

void
tui_watch_stream(struct tui *t, int i, bool on)
{
	struct tui_wsrc *w = watch_src(t, i);
	struct newerr_out out = {.line = watch_ne_line,
	    .note = watch_ne_note,
	    .say = watch_ne_say};

	if (w == NULL)
		return;
	if (!on) {
		newerr_free(w->ne);
		w->ne = NULL;
		stall_pause(&w->stall);
		w->quiet = false;
		return;
	}
	if (w->ne != NULL)
		return;
	out.arg = w;
	/* Run after run: fetch the next baseline when a run completes. */
	w->ne = newerr_new(t->loop, t->o->client, &w->src, true, &out);
	if (w->ne != NULL && w->run > 0)
		newerr_run_started(w->ne, w->run);
}

void
tui_watch_seen(struct tui *t, int i)
{
	if (t->srcs[i].watch != NULL)
		t->srcs[i].watch->fired_unseen = 0;
}

/* --- folding --- */

/* lineidx_fold_fn: the fold entry of line seq of source src. */
static int64_t
watch_fold_of(void *arg, uint64_t seq, uint16_t src)
{
	struct tui *t = arg;
	struct tui_wsrc *w;

	if (src >= t->nsrcs || (w = t->srcs[src].watch) == NULL ||
	    w->fold == NULL)
		return -1;
	return fold_find_near(w->fold, seq, &w->fold_hint);
}

/* True when pane i is to be folded now: asked for, and no search typed
 * or active in it (a search sees and shows every line). */
static bool
watch_fold_wanted(const struct tui *t, int i)
{
	const struct tui_pane *p = &t->pane[i];

	if (!p->fold || p->r.s.active)
		return false;
	return !(t->mode == &view_prompt_mode && tui_pane_index(t) == i &&
	         (t->prompt == PROMPT_SEARCH_FWD ||
	             t->prompt == PROMPT_SEARCH_BACK));
}

/* Fold or unfold pane i's index as wanted. */
static void
watch_fold_sync(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];
	bool want = watch_fold_wanted(t, i);

	if (want == (p->r.li.fold != NULL))
		return;
	if (lineidx_set_fold(&p->r.li, t->sb, want ? watch_fold_of : NULL,
	        t) != 0) {
		p->fold = false;
		tui_msg(t, true, "out of memory: the pane is not folded");
	}
	search_restart(&p->r.s);
	tui_dirty(t);
}

void
tui_watch_fold_toggle(struct tui *t, int i)
{
	struct tui_pane *p = &t->pane[i];

	p->fold = !p->fold;
	if (p->fold && p->r.s.active)
		tui_msg(t, false, "folds once the search is cleared");
	watch_fold_sync(t, i);
}

void
tui_watch_search_opens(struct tui *t, int i)
{
	watch_fold_sync(t, i);
	/* The incremental search looks at the index as it is at its first
	 * key: have the unfolded lines in it by then. */
	if (t->pane[i].r.li.fold == NULL)
		lineidx_scan(&t->pane[i].r.li, t->sb, &t->pane[i].r.f,
		    READER_ISEARCH_LINES);
}

void
tui_watch_pass(struct tui *t)
{
	int64_t due, first = -1;
	int i;

	for (i = 0; i < t->npanes; i++)
		watch_fold_sync(t, i);
	for (i = 0; i < t->nsrcs; i++) {
		struct tui_wsrc *w = t->srcs[i].watch;

		if (w == NULL || t->srcs[i].stream == NULL ||
		    (due = stall_due(&w->stall)) < 0)
			continue;
		if (first < 0 || due < first)
			first = due;
	}
	if (first >= 0) {
		uint64_t now = loop_now();

		if (!t->stall_timer.armed ||
		    t->stall_timer.when != (uint64_t)first)
			loop_timer_in(t->loop, &t->stall_timer,
			    (uint64_t)first > now ? (uint64_t)first - now : 0);
	} else if (t->stall_timer.armed)
		loop_timer_stop(t->loop, &t->stall_timer);
}

bool
tui_watch_ticking(const struct tui *t)
{
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		if (t->srcs[i].watch != NULL && t->srcs[i].watch->quiet)
			return true;
	}
	return false;
}

/* --- the views' questions --- */

/* HH:MM:SS of Unix ms ms into out. */
static void
watch_clock(const struct tui *t, int64_t ms, char *out, size_t outlen)
{
	time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (t->o->utc)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	snprintf(out, outlen, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

bool
tui_watch_fold_text(const struct tui *t, int i, const struct sb_line *l,
    char *out, size_t outlen)
{
	const struct tui_pane *p = &t->pane[i];
	const struct tui_wsrc *w;
	const struct fold_entry *e;
	char a[16], b[16], shape[PATTERN_TEXT_MAX + 1], hidden[48];
	const char *nl;
	int64_t k;
	size_t first;

	if (p->r.li.fold == NULL || l->kind != SB_KIND_LOG ||
	    l->src >= t->nsrcs || (w = t->srcs[l->src].watch) == NULL ||
	    w->fold == NULL || (k = fold_find(w->fold, l->seq)) < 0 ||
	    (e = fold_entry(w->fold, (uint64_t)k)) == NULL ||
	    (e->count < 2 && e->hidden == 0))
		return false;
	hidden[0] = '\0';
	if (e->hidden > 0)
		snprintf(hidden, sizeof hidden, "  (+%llu line%s)",
		    (unsigned long long)e->hidden, e->hidden == 1 ? "" : "s");
	/* The stored message is escaped: its line breaks read "\n". */
	nl = memmem(l->msg, l->msg_len, "\\n", 2);
	first = nl != NULL ? (size_t)(nl - l->msg) : l->msg_len;
	if (e->count < 2) {
		snprintf(out, outlen, "%.*s%s", (int)first, l->msg, hidden);
		return true;
	}
	pattern_norm(l->msg, first, shape, sizeof shape);
	watch_clock(t, e->first_ms, a, sizeof a);
	watch_clock(t, e->last_ms, b, sizeof b);
	snprintf(out, outlen, "%s%llu  %s%s%s  %s%s",
	    t->utf8 ? "\u00d7" : "x", (unsigned long long)e->count, a,
	    t->utf8 ? "\u2013" : "-", b, shape, hidden);
	return true;
}

char
tui_watch_sign(const struct tui *t, const struct sb_line *l)
{
	const struct tui_wsrc *w;

	if (l->kind != SB_KIND_LOG || l->src >= t->nsrcs ||
	    (w = t->srcs[l->src].watch) == NULL)
		return 0;
	if (w->fired.n > 0 && seqs_has(&w->fired, l->seq))
		return '!';
	if (w->fresh.n > 0 && seqs_has(&w->fresh, l->seq))
		return '*';
	return 0;
}

void
tui_watch_ago(int64_t ms, char *out, size_t outlen)
{
	long long s = ms / 1000;

	if (s < 60)
		snprintf(out, outlen, "%llds", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(out, outlen, "%lldh", s / 3600);
	else
		snprintf(out, outlen, "%lldd", s / 86400);
}

bool
tui_watch_quiet(const struct tui *t, int i, int64_t *ms)
{
	const struct tui_wsrc *w = t->srcs[i].watch;

	if (w == NULL || !w->quiet || w->stall.last_seen < 0)
		return false;
	*ms = (int64_t)loop_now() - w->stall.last_seen;
	return true;
}

int
tui_watch_list_parts(
    const struct tui *t, int i, char out[][24], char *what, int max)
{
	const struct tui_wsrc *w = t->srcs[i].watch;
	char ago[16];
	int64_t ms;
	int n = 0;

	if (w == NULL)
		return 0;
	if (n < max && tui_watch_quiet(t, i, &ms)) {
		tui_watch_ago(ms, ago, sizeof ago);
		snprintf(out[n], 24, "quiet %s", ago);
		what[n++] = 'q';
	}
	if (n < max && w->fired_unseen > 0) {
		snprintf(out[n], 24, "!%llu", w->fired_unseen);
		what[n++] = '!';
	}
	if (n < max && w->npats > 0) {
		snprintf(out[n], 24, "new %u%s", w->npats,
		    w->pats_full ? "+" : "");
		what[n++] = 'n';
	}
	return n;
}

void
tui_watch_status(const struct tui *t, int i, char *out, size_t outlen)
{
	const struct tui_pane *p = &t->pane[i];
	size_t len;
	char ago[16];
	int64_t ms;
	int k;

	out[0] = '\0';
	if (p->fold)
		snprintf(out, outlen, "%s",
		    p->r.li.fold != NULL ? "folded" : "fold after search");
	for (k = 0; k < t->nsrcs; k++) {
		if (!(p->merged ? filter_has_source(&p->r.f, (uint16_t)k)
		                : p->src == k) ||
		    !tui_watch_quiet(t, k, &ms))
			continue;
		tui_watch_ago(ms, ago, sizeof ago);
		len = strlen(out);
		snprintf(out + len, outlen - len, "%squiet %s: %s",
		    len > 0 ? " | " : "", ago, tui_src_name(t, k));
	}
}

bool
tui_watch_jump_new(struct tui *t, int i, int dir)
{
	struct reader *r = &t->pane[i].r;
	size_t n = lineidx_count(&r->li);
	const struct tui_wsrc *w;
	struct sb_key key;
	uint64_t seq;
	long k;

	if (n == 0)
		return false;
	/* As the level jumps: from the reader's line (the last one while
	 * following), in the pane's order. */
	for (k = (long)reader_cur_index(r) + dir; k >= 0 && k < (long)n;
	     k += dir) {
		seq = lineidx_at(&r->li, (size_t)k);
		if (!sb_key(t->sb, seq, &key) || key.src >= t->nsrcs ||
		    (w = t->srcs[key.src].watch) == NULL || w->fresh.n == 0 ||
		    !seqs_has(&w->fresh, seq))
			continue;
		reader_goto(r, seq);
		return true;
	}
	return false;
}
