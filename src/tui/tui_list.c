/* tui_list.c - the viewer's sources as the server's live lists tell them
 * (one srclist per kind): sources come, are renamed, run after run, and
 * leave when the server no longer has them (a restart); --all watches
 * each one that runs; run boundaries on a watched stream become marker
 * lines that survive every filter. Model and policy only: no drawing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/format.h"
#include "tui/scrollback.h"
#include "net/srclist.h"
#include "net/stream.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"

/* Format epoch ms as local "HH:MM:SS" (UTC with utc) into out. */
static void
tui_clock(char *out, size_t len, int64_t ms, bool utc)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == INT64_MIN || (utc ? gmtime_r(&secs, &tm) == NULL
	                            : localtime_r(&secs, &tm) == NULL)) {
		snprintf(out, len, "--:--:--");
		return;
	}
	strftime(out, len, "%H:%M:%S", &tm);
}

/* Source index of kind/id, or -1. */
static int
tui_src_find(const struct tui *t, enum source_kind kind, const char *id)
{
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		if (t->srcs[i].src.kind == kind &&
		    t->srcs[i].run_sel[0] == '\0' &&
		    strcmp(t->srcs[i].src.id, id) == 0)
			return i;
	}
	return -1;
}

/* Record what is known of source i's newest run; the run before a new
 * one becomes the last outcome when it is the one just before. */
void
tui_src_set_run(struct tui *t, int i, long long run, const char *run_id,
    enum run_status st, bool has_exit, int exit_code, int64_t started_ms,
    int64_t ended_ms)
{
	struct tui_src *s = &t->srcs[i];

	if (run <= 0 || run < s->run_no)
		return;
	if (run != s->run_no) {
		if (s->run_no > 0 && run == s->run_no + 1 &&
		    run_status_terminal(s->run_status)) {
			s->last_outcome = s->run_status;
			s->last_has_exit_code = s->run_has_exit_code;
			s->last_exit_code = s->run_exit_code;
		} else if (run != s->run_no + 1)
			s->last_outcome = RUN_UNKNOWN;
		s->run_no = run;
		s->run_has_exit_code = false;
		s->run_started_ms = INT64_MIN;
		s->run_ended_ms = INT64_MIN;
	}
	if (run_id != NULL)
		snprintf(s->run_id, sizeof s->run_id, "%s", run_id);
	if (st != RUN_UNKNOWN)
		s->run_status = st;
	if (has_exit) {
		s->run_has_exit_code = true;
		s->run_exit_code = exit_code;
	}
	if (started_ms != INT64_MIN)
		s->run_started_ms = started_ms;
	if (ended_ms != INT64_MIN)
		s->run_ended_ms = ended_ms;
	tui_dirty(t);
}

/* A run boundary arrived on source i's stream: remember the run and put
 * a marker line in its log, once per boundary (a resumed stream repeats
 * the boundaries after its resume point). */
void
tui_run_boundary(struct tui *t, int i, const struct status_event *se)
{
	struct tui_src *s = &t->srcs[i];
	bool end = run_status_terminal(se->status);
	long long key = se->run * 2 + (end ? 1 : 0);
	char text[200], when[16], dur[32], code[32], rid[64];
	int64_t at, seq;

	if (se->run <= 0 || key <= s->bound_key)
		return;
	s->bound_key = key;
	snprintf(rid, sizeof rid, "%.*s",
	    (int)(se->run_id.n < sizeof rid ? se->run_id.n : sizeof rid - 1),
	    se->run_id.p ? se->run_id.p : "");
	if (s->run_sel[0] == '\0')
		tui_src_set_run(t, i, se->run, rid, se->status,
		    se->has_exit_code, se->exit_code, se->started_ms,
		    se->ended_ms);
	at = end ? se->ended_ms : se->started_ms;
	if (at == INT64_MIN)
		at = se->ts_ms;
	tui_clock(when, sizeof when, at, t->o->utc);
	if (!end)
		snprintf(text, sizeof text, "── run %lld started %s ──",
		    se->run, when);
	else {
		code[0] = '\0';
		if (se->has_exit_code)
			snprintf(
			    code, sizeof code, " (exit %d)", se->exit_code);
		dur[0] = '\0';
		if (se->started_ms != INT64_MIN && se->ended_ms != INT64_MIN) {
			memcpy(dur, " after ", 7);
			format_duration(dur + 7, sizeof dur - 7,
			    se->ended_ms - se->started_ms);
		}
		snprintf(text, sizeof text, "── run %lld %s%s%s at %s ──",
		    se->run, run_status_name(se->status), code, dur, when);
	}
	if ((seq = sb_append_mark(t->sb, (uint16_t)i, SB_KIND_RUN, at, text,
	         strlen(text))) < 0)
		tui_msg(t, true, "out of memory: a run marker was not stored");
	else
		tui_watch_mark(t, i, (uint64_t)seq);
	tui_watch_run(t, i, se->run, se->status, se->has_exit_code,
	    se->exit_code);
	tui_dirty(t);
}

void
tui_gap(struct tui *t, int i, const char *why)
{
	struct timespec now;
	char text[240];
	int64_t seq;

	snprintf(text, sizeof text, "── %s ──", why);
	clock_gettime(CLOCK_REALTIME, &now);
	if ((seq = sb_append_mark(t->sb, (uint16_t)i, SB_KIND_GAP,
	         (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, text,
	         strlen(text))) < 0)
		tui_msg(t, true, "out of memory: a gap marker was not stored");
	else
		tui_watch_mark(t, i, (uint64_t)seq);
	tui_dirty(t);
}

void
tui_src_forget_ids(struct tui *t, int i, const char *why)
{
	struct tui_src *s = &t->srcs[i];

	s->last_id_held = 0;
	s->bound_key = 0;
	s->run_no = 0;
	s->last_outcome = RUN_UNKNOWN;
	tui_gap(t, i, why);
}

/* Ask for source s to be watched (1), unwatched (-1) or watched anew (2)
 * at the end of the loop pass (0: nothing). */
static void
tui_want_watch(struct tui *t, struct tui_src *s, int v)
{
	s->pending_watch = v;
	if (v != 0)
		t->watch_pending = true;
}

/* srclist: a whole list follows; what it does not name is gone. */
static void
tui_list_begin(void *arg)
{
	struct tui_kind *k = arg;
	struct tui *t = k->t;
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		if (t->srcs[i].src.kind == k->kind)
			t->srcs[i].seen = false;
	}
}

/* srclist: one source as the server has it now. */
static void
tui_list_source(const struct srclist_entry *e, void *arg)
{
	struct tui_kind *k = arg;
	struct tui *t = k->t;
	struct tui_src *s;
	struct source src;
	int i = tui_src_find(t, k->kind, e->id);

	if (i < 0) {
		memset(&src, 0, sizeof src);
		src.kind = k->kind;
		src.id = (char *)e->id;
		src.name = (char *)(e->name && *e->name ? e->name : e->id);
		if ((i = tui_src_add(t, &src)) < 0)
			return;
		/* What ran before the viewer started is not new to --all;
		 * a source that appears later is. */
		t->srcs[i].first_run = k->primed ? 0 : e->run;
	} else if (e->name != NULL && *e->name != '\0' &&
	           strcmp(tui_src_name(t, i), e->name) != 0)
		source_set_name(&t->srcs[i].src, e->name);
	s = &t->srcs[i];
	s->seen = true;
	/* A watched source whose stream gave up on it (a 404 from a server
	 * that had not yet heard of it again) is listed: watch it anew. */
	if (s->stream != NULL && stream_finished(s->stream) &&
	    stream_status(s->stream)->state == STREAM_GONE &&
	    (e->run > 0 || e->last_log_id > 0))
		tui_want_watch(t, s, 2);
	if (s->gone) {
		s->gone = false;
		if (s->pending_watch < 0)
			s->pending_watch = 0;
		tui_dirty(t);
	}
	tui_src_run(t, i, e->status, e->has_exit_code, e->exit_code);
	if (e->run > 0 && e->run < s->run_no) {
		/* The list is the server's word on the newest run: an older
		 * number means it numbers anew (a restart). */
		s->run_no = 0;
		s->last_outcome = RUN_UNKNOWN;
	}
	if (e->run > 0)
		tui_src_set_run(t, i, e->run, e->run_id, e->run_status,
		    e->run_has_exit_code, e->run_exit_code, e->run_started_ms,
		    e->run_ended_ms);
	/* --all: every automation that runs (now, or later, however short
	 * its run) is watched, once; a stream that follows runs stays
	 * watched run after run. */
	if (t->o->watch_all && k->kind == SOURCE_AUTOMATION &&
	    !s->auto_watched &&
	    (e->status == RUN_RUNNING || e->run > s->first_run)) {
		s->auto_watched = true;
		if (s->stream == NULL)
			tui_want_watch(t, s, 1);
	}
	tui_dirty(t);
}

/* srclist: the whole list came; sources it did not name leave the list
 * (the server no longer has them, e.g. after a restart). */
static void
tui_list_end(void *arg)
{
	struct tui_kind *k = arg;
	struct tui *t = k->t;
	int i;

	for (i = 0; i < t->nsrcs; i++) {
		struct tui_src *s = &t->srcs[i];

		if (s->src.kind != k->kind || s->seen || s->gone ||
		    s->run_sel[0] != '\0' || s->from_cmdline)
			continue;
		s->gone = true;
		tui_want_watch(t, s, s->stream != NULL ? -1 : 0);
	}
	k->primed = true;
	tui_list_first_selection(t);
	tui_dirty(t);
}

/* srclist: the list failed (msg) or works again (NULL). */
static void
tui_list_error(const char *msg, void *arg)
{
	struct tui_kind *k = arg;
	struct tui *t = k->t;

	if (msg != NULL)
		tui_msg(t, true, "list of %s", msg);
	else if (strncmp(t->msg, "list of ", 8) == 0) {
		/* Working again: its last complaint is old news. */
		t->msg[0] = '\0';
		tui_dirty(t);
	}
}

static const struct srclist_handlers tui_list_handlers = {
    .on_snapshot_begin = tui_list_begin,
    .on_source = tui_list_source,
    .on_snapshot_end = tui_list_end,
    .on_error = tui_list_error,
};

int
tui_lists_open(struct tui *t)
{
	int k;

	for (k = 0; k < TUI_KINDS; k++) {
		t->kinds[k].t = t;
		t->kinds[k].kind = (enum source_kind)k;
		t->kinds[k].list = srclist_new(t->loop, t->o->client,
		    (enum source_kind)k, &tui_list_handlers, &t->kinds[k]);
		if (t->kinds[k].list == NULL)
			return -1;
	}
	return 0;
}

void
tui_lists_refresh(struct tui *t)
{
	int k;

	for (k = 0; k < TUI_KINDS; k++)
		srclist_refresh(t->kinds[k].list);
}

void
tui_lists_apply(struct tui *t)
{
	int i;

	if (!t->watch_pending)
		return;
	t->watch_pending = false;
	for (i = 0; i < t->nsrcs; i++) {
		if (t->srcs[i].pending_watch == 2) {
			/* The server had forgotten it: what was held is of
			 * another numbering. */
			tui_watch(t, i, false);
			tui_src_forget_ids(t, i,
			    "the server knows this automation again "
			    "(restarted?): watching it anew");
		}
		if (t->srcs[i].pending_watch != 0) {
			tui_watch(t, i, t->srcs[i].pending_watch > 0);
			t->srcs[i].pending_watch = 0;
		}
	}
}

void
tui_lists_close(struct tui *t)
{
	int k;

	for (k = 0; k < TUI_KINDS; k++) {
		srclist_free(t->kinds[k].list);
		t->kinds[k].list = NULL;
	}
}
