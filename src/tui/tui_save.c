/* tui_save.c - saving the view of a pane (or every line held) to a
 * file, in the shape follow mode's --output gives (core/format.c's
 * formatters, the source named on every line): .json/.jsonl JSON lines,
 * .csv CSV, anything else text. Marked lines say so: a "marked": true
 * member in JSON lines and, when any line is marked, a first column of
 * "* " (marked) or "  " in text. The file is written in slices from the
 * loop (tui_save_step, once per pass), so a large save never holds up the
 * keys or the streams. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/format.h"
#include "tui/tui_app.h"

/* Largest formatted line a save writes: a stored event is at most
 * EVENT_SCRATCH_MAX bytes (the stream's cap), and a formatter makes at
 * most FORMAT_MAX_GROWTH bytes of each, plus its slack. */
#define TUI_SAVE_LINE_MAX                                                      \
	((size_t)FORMAT_MAX_GROWTH * (EVENT_SCRATCH_MAX + 1024) +              \
	    FORMAT_LINE_SLACK)
/* Lines written between two looks at the clock. */
#define TUI_SAVE_SLICE_LINES 1024

/* A save under way (t->save owns it). */
struct tui_save {
	FILE *f;
	char *path;
	struct formatter *fmt;
	struct event_decoder *d;
	struct buf out;
	enum output_format format;
	bool all; /* every line held, else the view of pane */
	int pane;
	/* The view: the seqs its index held once its scan was done (owned;
	 * at most one per line held, so bounded by the scrollback). */
	uint64_t *seqs;
	size_t nseqs;
	bool snapped;
	size_t next;        /* the view: next index into seqs */
	uint64_t seq;       /* every line: next seq to write */
	uint64_t end;       /* every line: the store's end when it began */
	size_t written;     /* events written */
	size_t lost;        /* lines evicted before their turn came */
	bool failed;        /* a write failed */
	struct marks marks; /* the marks when it began */
};

/* The event of stored line l, for the --output formatters: its raw
 * data decoded again when the store kept all of it, else rebuilt from
 * what the store kept (when is scratch room for the timestamp). */
static void
save_event(struct event_decoder *d, const struct sb_line *l,
    struct log_event *ev, char *when, size_t whenlen)
{
	if (!(l->flags & SB_CUT_RAW)) {
		event_decode(d, l->raw, l->raw_len, ev);
	} else {
		memset(ev, 0, sizeof *ev);
		ev->level = l->level;
		ev->level_name.p = l->lvname;
		ev->level_name.n = l->lvname_len;
		ev->message.p = l->msg;
		ev->message.n = l->msg_len;
		ev->raw = ev->message;
		when[0] = '\0';
		ev->ts_ms = l->ts_ms;
		if (whenlen >= EVENT_TIME_LEN + 1 &&
		    event_format_time(l->ts_ms, when))
			when[EVENT_TIME_LEN] = '\0';
		else
			ev->ts_ms = INT64_MIN;
		ev->timestamp.p = when;
		ev->timestamp.n = strlen(when);
		ev->truncated = 1;
	}
	ev->id = l->id;
	if (l->flags & SB_CUT_EVENT)
		ev->truncated = ev->truncated ? ev->truncated : 1;
}

/* The output shape a save path asks for by its extension: .json and
 * .jsonl JSON lines, .csv CSV, anything else text. */
static enum output_format
save_format(const char *path)
{
	size_t len = strlen(path);

	if ((len > 5 && strcmp(path + len - 5, ".json") == 0) ||
	    (len > 6 && strcmp(path + len - 6, ".jsonl") == 0))
		return OUTPUT_JSON;
	if (len > 4 && strcmp(path + len - 4, ".csv") == 0)
		return OUTPUT_CSV;
	return OUTPUT_TEXT;
}

/* Format stored line seq and write it: 1 for an event, 0 for a marker
 * (written only to text files, where it is a line of its own), -1 when
 * the line is no longer held. */
static int
save_one(struct tui *t, struct tui_save *sv, uint64_t seq)
{
	struct log_event ev;
	struct sb_line l;
	char when[80];
	bool marked = marks_has(&sv->marks, seq);

	if (!sb_get_raw(t->sb, seq, &l))
		return -1;
	/* The mark column of text files. */
	if (sv->format == OUTPUT_TEXT && sv->marks.n > 0 &&
	    fwrite(marked ? "* " : "  ", 1, 2, sv->f) != 2)
		sv->failed = true;
	if (l.kind != SB_KIND_LOG) {
		if (sv->format == OUTPUT_TEXT &&
		    (fwrite(l.msg, 1, l.msg_len, sv->f) != l.msg_len ||
		        fputc('\n', sv->f) == EOF))
			sv->failed = true;
		return 0;
	}
	save_event(sv->d, &l, &ev, when, sizeof when);
	buf_clear(&sv->out);
	if (formatter_event(sv->fmt, &sv->out, tui_src_name(t, l.src), &ev) ==
	        0 &&
	    marked && sv->format == OUTPUT_JSON && sv->out.len >= 2 &&
	    sv->out.p[sv->out.len - 2] == '}') {
		/* The line's object ends "}\n": one more member. */
		sv->out.len -= 2;
		buf_puts(&sv->out, ",\"marked\":true}\n");
	}
	if (sv->out.len == 0 ||
	    fwrite(sv->out.p, 1, sv->out.len, sv->f) != sv->out.len)
		sv->failed = true;
	return 1;
}

/* Free a save (the file closed already or not opened). */
static void
save_free(struct tui_save *sv)
{
	if (sv == NULL)
		return;
	if (sv->f != NULL)
		fclose(sv->f);
	free(sv->path);
	free(sv->seqs);
	buf_free(&sv->out);
	formatter_free(sv->fmt);
	event_decoder_free(sv->d);
	free(sv);
}

/* Close the file and say how it went. */
static void
save_done(struct tui *t, struct tui_save *sv)
{
	static const char *shape[] = {
	    [OUTPUT_TEXT] = "text",
	    [OUTPUT_JSON] = "JSON lines",
	    [OUTPUT_CSV] = "CSV",
	};
	int rc = fclose(sv->f);

	sv->f = NULL;
	if (rc != 0 || sv->failed)
		tui_msg(t, true, "writing %s: %s", sv->path, strerror(errno));
	else if (sv->lost > 0)
		tui_msg(t, true,
		    "wrote %zu lines (%s) to %s; %zu were evicted before "
		    "they were written",
		    sv->written, shape[sv->format], sv->path, sv->lost);
	else
		tui_msg(t, false, "wrote %zu lines (%s) to %s", sv->written,
		    shape[sv->format], sv->path);
}

/* Start a save. */
void
tui_save_start(struct tui *t, const char *path, bool all)
{
	struct format_opts fo = {
	    .format = save_format(path),
	    .utc = t->o->utc,
	    .with_source = true,
	};
	struct tui_save *sv;

	if (t->save != NULL) {
		tui_msg(t, true, "a save to %s is under way", t->save->path);
		return;
	}
	sv = calloc(1, sizeof *sv);
	if (sv == NULL)
		goto nomem;
	buf_init(&sv->out, TUI_SAVE_LINE_MAX);
	sv->format = fo.format;
	sv->all = all;
	sv->pane = tui_pane_index(t);
	sv->seq = sb_first(t->sb);
	sv->end = sb_end(t->sb);
	sv->marks = t->marks;
	if ((sv->path = strdup(path)) == NULL ||
	    (sv->fmt = formatter_new(&fo)) == NULL ||
	    (sv->d = event_decoder_new()) == NULL)
		goto nomem;
	if ((sv->f = fopen(path, "w")) == NULL) {
		tui_msg(t, true, "cannot write %s: %s", path, strerror(errno));
		save_free(sv);
		return;
	}
	/* Only CSV has a header: an empty buffer has no storage to write. */
	if (formatter_begin(sv->fmt, &sv->out) == 0 && sv->out.len > 0 &&
	    fwrite(sv->out.p, 1, sv->out.len, sv->f) != sv->out.len)
		sv->failed = true;
	t->save = sv; /* t owns it until the last slice */
	tui_msg(t, false, "saving to %s...", path);
	return;
nomem:
	tui_msg(t, true, "cannot save: out of memory");
	save_free(sv);
}

/* Take the view's lines once its scan is done (keys typed ahead, a floor
 * then S, can come before the scan): false while it is not. */
static bool
save_snap(struct tui *t, struct tui_save *sv)
{
	const struct lineidx *li = &t->pane[sv->pane].r.li;
	size_t k;

	if (lineidx_pending(li, t->sb))
		return false;
	sv->nseqs = lineidx_count(li);
	sv->seqs = malloc((sv->nseqs ? sv->nseqs : 1) * sizeof *sv->seqs);
	if (sv->seqs == NULL) {
		sv->failed = true;
		sv->nseqs = 0;
		errno = ENOMEM;
	}
	for (k = 0; k < sv->nseqs; k++)
		sv->seqs[k] = lineidx_at(li, k);
	sv->snapped = true;
	return true;
}

/* Write the next slice of the save under way, until deadline
 * (loop_now()); true while lines are left for a later pass. */
bool
tui_save_step(struct tui *t, uint64_t deadline)
{
	struct tui_save *sv = t->save;
	size_t k;
	int r;

	if (sv == NULL)
		return false;
	if (!sv->all && sv->pane >= t->npanes) {
		tui_msg(t, true, "not saved: the pane closed");
		sv->failed = true;
		goto done;
	}
	if (!sv->all && !sv->snapped && !save_snap(t, sv))
		return true; /* tui_work scans the pane meanwhile */
	do {
		for (k = 0; k < TUI_SAVE_SLICE_LINES && !sv->failed; k++) {
			if (sv->all) {
				if (sv->seq < sb_first(t->sb)) {
					sv->lost += sb_first(t->sb) - sv->seq;
					sv->seq = sb_first(t->sb);
				}
				if (sv->seq >= sv->end)
					goto finished;
				r = save_one(t, sv, sv->seq++);
			} else {
				if (sv->next >= sv->nseqs)
					goto finished;
				r = save_one(t, sv, sv->seqs[sv->next++]);
			}
			sv->written += r == 1;
			sv->lost += r == -1;
		}
	} while (!sv->failed && loop_now() < deadline);
	if (!sv->failed)
		return true;
finished:
	save_done(t, sv);
done:
	t->save = NULL;
	save_free(sv);
	return false;
}

/* The viewer ends with a save under way: finish it, as asked. */
void
tui_save_finish(struct tui *t)
{
	struct tui_save *sv = t->save;
	struct reader *r;

	if (sv == NULL)
		return;
	if (!sv->all && sv->pane < t->npanes) {
		r = &t->pane[sv->pane].r;
		while (lineidx_pending(&r->li, t->sb) &&
		       lineidx_scan(&r->li, t->sb, &r->f, 1 << 16) >= 0)
			;
		if (!sv->snapped && !save_snap(t, sv)) {
			/* Out of memory scanning: what was not written is
			 * lost, the file closed. */
			t->save = NULL;
			save_free(sv);
			return;
		}
	}
	while (tui_save_step(t, UINT64_MAX))
		;
}
