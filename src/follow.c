/* follow.c - the non-interactive modes: stream lines to stdout until every
 * source ends (--follow), or print what is retained and exit. */
#include "follow.h"

#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "newerr.h"
#include "core/pattern.h"
#include "core/recost.h"
#include "core/buf.h"
#include "core/stall.h"
#include "net/client.h"
#include "core/esc.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "core/source.h"
#include "net/stream.h"

/* Output is written when this much is pending, and once per loop pass:
 * one write per batch of events, not per event. */
#define FOLLOW_FLUSH_AT (64 * 1024)
/* Page size of the one-shot fetch. */
#define FOLLOW_FETCH_PAGE 1000
/* Longest query of a fetch: --run (logdeck.c takes at most 128 bytes) and
 * --since (a 24-byte time), escaped to at most three bytes each, and the
 * numbers; the options' own limits keep a fetch below it. */
#define FOLLOW_MAX_QUERY 1024

/* What follow mode keeps per source (stream_data). */
struct follow_src {
	bool runs;     /* the stream follows runs (run= or runs=all) */
	bool told_end; /* the run's end was told as a boundary */
	long long run; /* the run being read, 0: unknown */
	struct follow *f;
	const struct source *src;
	struct stall stall;       /* is it quiet? */
	struct loop_timer quiet;  /* armed at the stall's due time */
	struct newerr *ne;        /* --new-errors: the judge, else NULL */
};

struct follow {
	const struct follow_opts *o;
	struct follow_src *srcs; /* one per source */
	struct loop *loop;
	struct stream_mgr *mgr;
	struct formatter *fmt;
	struct buf out;
	regex_t re;
	bool have_re;
	size_t open;           /* streams not yet finished */
	int worst;             /* the exit status so far */
	bool write_failed;     /* stdout is gone (EPIPE): stop quietly */
	unsigned reauths_seen; /* renewals already told about */
	struct buf note;       /* scratch for stderr lines */
	struct buf line;       /* scratch for a line --new-errors judges */
	struct alert *alert;   /* the rules at work, or NULL */
	bool until_hit;        /* the --until rule fired: stop */
	bool finished;         /* every stream has ended */
};

/* Write everything pending to stdout; false once stdout is gone. */
static bool
follow_flush(struct follow *f)
{
	size_t off = 0;
	ssize_t n;

	while (off < f->out.len && !f->write_failed) {
		n = write(STDOUT_FILENO, f->out.p + off, f->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->write_failed = true;
			break;
		}
		off += (size_t)n;
	}
	buf_clear(&f->out);
	return !f->write_failed;
}

/* Write a note line (n bytes, built by follow_vnote) to stderr. */
static void
follow_note_write(struct follow *f, const char *p, size_t n)
{
	/* Keep stdout and stderr in order on a shared terminal. */
	follow_flush(f);
	fwrite(p, 1, n, stderr);
	fflush(stderr);
}

/* One line about a source on stderr; text is trusted, the name is not.
 * Given a judge (--new-errors), the line goes out in order with the lines
 * it holds. */
static void
follow_vnote(struct follow *f, const struct source *src, struct newerr *ne,
    const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof line, fmt, ap);
	buf_clear(&f->note);
	if (src != NULL && f->o->nsources > 1) {
		esc_text(&f->note, src->name, strlen(src->name));
		buf_puts(&f->note, ": ");
	}
	/* Notes quote the server (errors, statuses): one escaping rule. */
	esc_text(&f->note, line, strlen(line));
	buf_putc(&f->note, '\n');
	if (ne != NULL)
		newerr_note(ne, f->note.p, f->note.len);
	else
		follow_note_write(f, f->note.p, f->note.len);
}

/* One line about a source on stderr, at once. */
static void follow_note(struct follow *f, const struct source *src,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
follow_note(struct follow *f, const struct source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	follow_vnote(f, src, NULL, fmt, ap);
	va_end(ap);
}

/* A run boundary on stderr: in order with the lines --new-errors holds. */
static void follow_boundary(struct follow *f, const struct follow_src *fs,
    const struct source *src, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
follow_boundary(struct follow *f, const struct follow_src *fs,
    const struct source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	follow_vnote(f, src, fs != NULL ? fs->ne : NULL, fmt, ap);
	va_end(ap);
}

/* True when the event passes --level and --grep. */
static bool
follow_wanted(struct follow *f, const struct log_event *ev)
{
	enum level l = ev->level == LEVEL_OTHER ? LEVEL_INFO : ev->level;
	regmatch_t m;

	if (l < f->o->floor)
		return false;
	if (!f->have_re)
		return true;
	/* REG_STARTEND: the message is not NUL-terminated and may hold NULs. */
	m.rm_so = 0;
	m.rm_eo = (regoff_t)ev->message.n;
	return regexec(&f->re, ev->message.p ? ev->message.p : "", 1, &m,
	           REG_STARTEND) == 0;
}

/* Format one event into the pending output; with --new-errors (fs's
 * judge), only a line of a new pattern, once the judge knows. fs may be
 * NULL (the one-shot fetch). */
static void
follow_print(struct follow *f, const struct follow_src *fs,
    const struct source *src, const struct log_event *ev)
{
	/* Text names the source only when there are several; JSON and CSV
	 * always carry it, so their consumers need not guess. */
	const char *name =
	    f->o->fmt.with_source || f->o->fmt.format != OUTPUT_TEXT ? src->name
	                                                             : NULL;

	if (!follow_wanted(f, ev))
		return;
	if (fs != NULL && fs->ne != NULL) {
		/* --new-errors: WARN and above, judged by their pattern. */
		if (ev->level < LEVEL_WARN || ev->level == LEVEL_OTHER)
			return;
		buf_clear(&f->line);
		if (formatter_event(f->fmt, &f->line, name, ev) == 0)
			newerr_line(fs->ne, fs->run,
			    pattern_hash(ev->message.p, ev->message.n),
			    f->line.p, f->line.len);
		return;
	}
	if (formatter_event(f->fmt, &f->out, name, ev) != 0) {
		follow_flush(f);
		formatter_event(f->fmt, &f->out, name, ev);
	}
	if (f->out.len >= FOLLOW_FLUSH_AT)
		follow_flush(f);
}

/* Test the rules against what happened on source src; the --until rule
 * firing ends the follow once its actions are done. */
static void
follow_rules(struct follow *f, const struct source *src,
    struct rule_subject *sub)
{
	if (f->alert == NULL)
		return;
	sub->source_id = src->id;
	sub->source_name = src->name;
	if (alert_event(f->alert, sub, f->o->until_rule) && !f->until_hit) {
		f->until_hit = true;
		follow_note(f, src, "Stopping: rule '%s' fired (--until)",
		    f->o->rules->r[f->o->until_rule].name);
	}
}

/* The quiet timer: say it once, and fire the quiet rules; or, when lines
 * came meanwhile, wait for the new due time. */
static void
follow_on_quiet(void *arg)
{
	struct follow_src *fs = arg;
	struct follow *f = fs->f;
	int64_t now = (int64_t)loop_now(), silent, usual, due;
	char took[32], gap[32];

	if (stall_check(&fs->stall, now, &silent)) {
		struct rule_subject sub = {.event = RULE_QUIET,
		    .run = fs->run,
		    .quiet_ms = silent};

		format_duration(took, sizeof took, silent);
		if ((usual = stall_usual(&fs->stall)) >= 0) {
			format_duration(gap, sizeof gap, usual);
			follow_note(f, NULL,
			    "%s: quiet %s (usually a line every %s)",
			    fs->src->name, took, gap);
		} else
			follow_note(
			    f, NULL, "%s: quiet %s", fs->src->name, took);
		follow_rules(f, fs->src, &sub);
	} else if ((due = stall_due(&fs->stall)) >= 0)
		loop_timer_in(f->loop, &fs->quiet,
		    due > now ? (uint64_t)(due - now) : 0);
}

/* A line arrived: the source is not quiet; watch for the next silence. */
static void
follow_stall_line(struct follow_src *fs, const struct log_event *ev)
{
	int64_t now = (int64_t)loop_pass_now(fs->f->loop), due;

	stall_line(&fs->stall, now, ev->ts_ms);
	/* One timer per source, moved only when it fires: no work per line
	 * beyond recording the gap. */
	if (!fs->quiet.armed && (due = stall_due(&fs->stall)) >= 0)
		loop_timer_in(fs->f->loop, &fs->quiet,
		    due > now ? (uint64_t)(due - now) : 0);
}

/* Stream callback: a log line. */
static void
follow_on_log(struct stream *s, const struct log_event *ev, void *arg)
{
	struct follow *f = arg;
	struct follow_src *fs = stream_data(s);
	struct rule_subject sub = {.event = RULE_LINE, .ev = ev};

	if (f->until_hit)
		return; /* the follow has ended; lines after are not its */
	follow_print(f, fs, stream_source(s), ev);
	if (fs != NULL)
		follow_stall_line(fs, ev);
	sub.run = fs != NULL ? fs->run : 0;
	follow_rules(f, stream_source(s), &sub);
}

/* The rules' view of a run that ended: failed unless it completed with
 * exit code 0 (or none). */
static void
follow_rules_end(struct follow *f, const struct source *src,
    enum run_status status, long long run, bool has_code, int code)
{
	struct rule_subject sub = {.run = run,
	    .has_exit_code = has_code,
	    .exit_code = code};

	sub.event = status == RUN_COMPLETED && (!has_code || code == 0)
	                ? RULE_COMPLETED
	                : RULE_FAILED;
	follow_rules(f, src, &sub);
}

/* Stream callback: a run status. A run boundary is told on stderr, in
 * order with the lines ("Run 7 started", "Run 7 failed (exit code 1)
 * after 3m12s"); the stream tells each boundary once. */
static void
follow_on_status(struct stream *s, const struct status_event *st, void *arg)
{
	struct follow *f = arg;
	struct follow_src *fs = stream_data(s);
	char code[32] = "", took[48] = "";

	if (st->run <= 0 || fs == NULL)
		return; /* no run boundary: the end is told when it ends */
	fs->run = st->run;
	if (st->status == RUN_RUNNING && fs->ne != NULL && fs->runs)
		newerr_run_started(fs->ne, st->run);
	if (st->status == RUN_RUNNING) {
		/* Without runs, "running" is the state when caught up, not
		 * where the run started. */
		fs->told_end = false;
		if (fs->runs) {
			struct rule_subject sub = {
			    .event = RULE_STARTED, .run = st->run};

			follow_boundary(f, fs, stream_source(s),
			    "Run %lld started", st->run);
			follow_rules(f, stream_source(s), &sub);
		}
		return;
	}
	if (!run_status_terminal(st->status))
		return;
	if (st->has_exit_code)
		snprintf(code, sizeof code, " (exit code %d)", st->exit_code);
	if (st->started_ms != INT64_MIN && st->ended_ms != INT64_MIN &&
	    st->ended_ms >= st->started_ms) {
		memcpy(took, " after ", 7);
		format_duration(
		    took + 7, sizeof took - 7, st->ended_ms - st->started_ms);
	}
	fs->told_end = true;
	/* An ended run is not quiet. */
	stall_pause(&fs->stall);
	loop_timer_stop(f->loop, &fs->quiet);
	follow_boundary(f, fs, stream_source(s), "Run %lld %s%s%s", st->run,
	    run_status_name(st->status), code, took);
	/* Completed with exit code 0 (or none): the next run's baseline. */
	if (fs->ne != NULL)
		newerr_run_ended(fs->ne, st->run,
		    st->status == RUN_COMPLETED &&
		        (!st->has_exit_code || st->exit_code == 0));
	follow_rules_end(f, stream_source(s), st->status, st->run,
	    st->has_exit_code, st->exit_code);
}

/* Stream callback: the server lost the resume point. */
static void
follow_on_reset(struct stream *s, long long oldest, bool renumbered, void *arg)
{
	if (renumbered)
		follow_note(arg, stream_source(s),
		    "The server numbers its lines anew (restarted?); "
		    "going on from its oldest line");
	else
		follow_note(arg, stream_source(s),
		    "Gap: lines before id %lld are no "
		    "longer on the server; some lines were lost",
		    oldest);
}

/* Fold one finished stream into the exit status. */
static void
follow_settle(struct follow *f, const struct stream *s)
{
	const struct stream_status *st = stream_status(s);
	enum policy_action stop;
	int code;

	switch (st->state) {
	case STREAM_ENDED:
		stop = POLICY_ENDED;
		break;
	case STREAM_GONE:
		stop = POLICY_GONE;
		break;
	case STREAM_UNAUTHORIZED:
		stop = POLICY_UNAUTHORIZED;
		break;
	case STREAM_FAILED:
		stop = POLICY_FAILED;
		break;
	default:
		return;
	}
	code = policy_exit_status(stop, st->http_status, st->run,
	    st->has_exit_code, st->exit_code);
	if (code > f->worst)
		f->worst = code;
	if (stream_data(s) != NULL) {
		struct follow_src *fs = stream_data(s);

		loop_timer_stop(f->loop, &fs->quiet);
	}
	/* Stopped before the loop sleeps, once the rules' actions are
	 * done (follow_before_sleep). */
	if (--f->open == 0)
		f->finished = true;
}

/* Stream callback: connection state changed; tell the operator. */
static void
follow_on_state(struct stream *s, void *arg)
{
	struct follow *f = arg;
	const struct stream_status *st = stream_status(s);
	const struct source *src = stream_source(s);
	const struct follow_src *fs;
	uint64_t now = loop_now(), secs;

	switch (st->state) {
	case STREAM_CONNECTING:
	case STREAM_RENEWING:
		/* A renewal is told when it worked ("Re-authenticated") or
		 * failed (the stream stops, saying why). */
		break;
	case STREAM_LIVE:
		if (st->reauths > f->reauths_seen) {
			/* One short note per renewal; the lines go on. */
			f->reauths_seen = st->reauths;
			follow_note(f, src, "Re-authenticated, resuming...");
		} else {
			follow_note(f, src, "Connected to log stream...");
		}
		break;
	case STREAM_POLLING:
		follow_note(f, src,
		    "Connected (the server has no streams: "
		    "polling every second)...");
		break;
	case STREAM_WAITING:
		secs =
		    st->retry_at > now ? (st->retry_at - now + 999) / 1000 : 0;
		if (st->renew_retry)
			/* The token expired while the token endpoint was away
			 * or busy: said once per attempt, like a reconnect. */
			follow_note(f, src, "%s, retrying in %llus...",
			    st->error, (unsigned long long)secs);
		else if (f->o->verbose)
			/* The backoff made visible: tests read the ceilings,
			 * which jitter does not blur. */
			follow_note(f, src,
			    "Connection lost, reconnecting in %llus... "
			    "(%s) [attempt %u, wait %llu ms, ceiling %llu ms]",
			    (unsigned long long)secs, st->error, st->attempt,
			    (unsigned long long)(st->retry_at > now
			                             ? st->retry_at - now
			                             : 0),
			    (unsigned long long)st->ceiling);
		else
			follow_note(f, src,
			    "Connection lost, reconnecting in %llus... "
			    "(%s)",
			    (unsigned long long)secs, st->error);
		break;
	case STREAM_ENDED:
		/* Unless a run boundary told it already, with the number. */
		fs = stream_data(s);
		if ((fs == NULL || !fs->told_end) && st->has_exit_code)
			follow_boundary(f, fs, src, "Run %s (exit code %d)",
			    run_status_name(st->run), st->exit_code);
		else if (fs == NULL || !fs->told_end)
			follow_boundary(
			    f, fs, src, "Run %s", run_status_name(st->run));
		if (fs == NULL || !fs->told_end)
			follow_rules_end(f, src, st->run, fs ? fs->run : 0,
			    st->has_exit_code, st->exit_code);
		follow_settle(f, s);
		break;
	case STREAM_GONE:
	case STREAM_UNAUTHORIZED:
	case STREAM_FAILED:
		follow_note(f, src, "logdeck: %s", st->error);
		follow_settle(f, s);
		break;
	}
}

/* True when no --new-errors judge holds a line: the follow may end. */
static bool
follow_newerr_idle(const struct follow *f)
{
	size_t i;

	for (i = 0; f->srcs != NULL && i < f->o->nsources; i++)
		if (f->srcs[i].ne != NULL && !newerr_idle(f->srcs[i].ne))
			return false;
	return true;
}

/* Before the loop sleeps: write what the pass produced (and what the
 * --new-errors judges passed on meanwhile). */
static void
follow_before_sleep(void *arg)
{
	struct follow *f = arg;

	if (!follow_flush(f))
		loop_stop(f->loop, f->worst);
	else if ((f->until_hit || f->finished) &&
	         (f->alert == NULL || alert_idle(f->alert)) &&
	         follow_newerr_idle(f))
		loop_stop(f->loop, f->until_hit ? EXIT_UNTIL : f->worst);
}

/* A rule's action failed (a command's status, a webhook, a full queue). */
static void
follow_on_alert_note(const char *text, void *arg)
{
	follow_note(arg, NULL, "logdeck: rule %s", text);
}

/* SIGINT or SIGTERM: stop after flushing. */
static void
follow_on_signal(int sig, void *arg)
{
	struct follow *f = arg;

	f->worst = sig == SIGINT ? EXIT_INTERRUPTED : 128 + sig;
	loop_stop(f->loop, f->worst);
}

/* newerr_out: a judged line to the pending output. */
static void
follow_ne_line(const char *p, size_t n, void *arg)
{
	struct follow_src *fs = arg;
	struct follow *f = fs->f;

	if (buf_append(&f->out, p, n) != 0) {
		follow_flush(f);
		buf_append(&f->out, p, n);
	}
	if (f->out.len >= FOLLOW_FLUSH_AT)
		follow_flush(f);
}

/* newerr_out: a held run boundary, built by follow_vnote. */
static void
follow_ne_note(const char *p, size_t n, void *arg)
{
	struct follow_src *fs = arg;

	follow_note_write(fs->f, p, n);
}

/* newerr_out: the judge's own note about the source. */
static void
follow_ne_say(const char *text, void *arg)
{
	struct follow_src *fs = arg;

	follow_note(fs->f, fs->src, "%s", text);
}

static const struct stream_handlers follow_handlers = {
    .on_log = follow_on_log,
    .on_status = follow_on_status,
    .on_state = follow_on_state,
    .on_reset = follow_on_reset,
};

/* The cap of the pending output: a full batch plus the longest line one
 * event can make, so that no event is ever too long to print. An event
 * is at most max_event bytes on a stream, and a source name or an event
 * of the polling API at most CLIENT_MAX_BODY. A cap, not an allocation. */
static size_t
follow_max_pending(const struct follow_opts *o)
{
	size_t event = o->client->max_event > CLIENT_MAX_BODY
	                   ? o->client->max_event
	                   : CLIENT_MAX_BODY;

	return FOLLOW_FLUSH_AT + FORMAT_MAX_GROWTH * 2 * event +
	       FORMAT_LINE_SLACK;
}

/* Set up what both modes share; 0, or an exit status. */
static int
follow_init(struct follow *f, const struct follow_opts *o)
{
	int rc;

	memset(f, 0, sizeof *f);
	f->o = o;
	buf_init(&f->out, follow_max_pending(o));
	buf_init(&f->note, 4096);
	buf_init(&f->line, follow_max_pending(o));
	if (o->grep != NULL) {
		char why[128];

		if (recost_check(o->grep, why, sizeof why) != 0) {
			fprintf(stderr, "logdeck: --grep: %s\n", why);
			return EXIT_USAGE;
		}
		rc = regcomp(&f->re, o->grep,
		    REG_EXTENDED | REG_NOSUB |
		        (o->ignore_case ? REG_ICASE : 0));
		if (rc != 0) {
			char msg[256];

			regerror(rc, &f->re, msg, sizeof msg);
			fprintf(stderr, "logdeck: --grep: %s\n", msg);
			return EXIT_USAGE;
		}
		f->have_re = true;
	}
	if ((f->fmt = formatter_new(&o->fmt)) == NULL) {
		fprintf(stderr, "logdeck: out of memory\n");
		return EXIT_UNREACHABLE;
	}
	formatter_begin(f->fmt, &f->out);
	return 0;
}

/* Release what follow_init set up. */
static void
follow_fini(struct follow *f)
{
	if (f->have_re)
		regfree(&f->re);
	formatter_free(f->fmt);
	buf_free(&f->out);
	buf_free(&f->note);
	buf_free(&f->line);
}

int
follow_run(const struct follow_opts *o)
{
	struct follow f;
	size_t i;
	int rc;

	if ((rc = follow_init(&f, o)) != 0) {
		follow_fini(&f);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	f.loop = loop_new();
	f.mgr = f.loop ? stream_mgr_new(f.loop, o->client, &follow_handlers, &f)
	               : NULL;
	if (f.mgr == NULL ||
	    loop_add_signal(f.loop, SIGINT, follow_on_signal, &f) != 0 ||
	    loop_add_signal(f.loop, SIGTERM, follow_on_signal, &f) != 0) {
		fprintf(stderr, "logdeck: cannot set up the event loop\n");
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	loop_set_before_sleep(f.loop, follow_before_sleep, &f);
	/* Bell and notifications go to the terminal on stderr, never into
	 * the data on stdout. */
	if (o->rules != NULL && o->rules->n > 0 &&
	    (f.alert = alert_new(f.loop, o->rules,
	         isatty(STDERR_FILENO) ? STDERR_FILENO : -1,
	         follow_on_alert_note, &f)) == NULL) {
		fprintf(stderr, "logdeck: cannot set up the rules\n");
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	if ((f.srcs = calloc(o->nsources, sizeof *f.srcs)) == NULL) {
		fprintf(stderr, "logdeck: out of memory\n");
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	for (i = 0; i < o->nsources; i++) {
		struct stream_start start = {.tail = o->tail,
		    .after = -1,
		    .since = o->since,
		    .run = o->run,
		    .all_runs = o->until_stopped};
		struct stream *s;

		/* By default the newest run: the one running, else the last
		 * one, from its first line (not every retained run). */
		if (start.run == NULL && start.tail < 0 &&
		    start.since == NULL && o->runs != NULL &&
		    o->runs[i].run > 0)
			start.run = "current";
		f.srcs[i].runs = start.run != NULL || start.all_runs;
		f.srcs[i].f = &f;
		f.srcs[i].src = &o->sources[i];
		stall_init(&f.srcs[i].stall, o->quiet_after_ms);
		loop_timer_init(&f.srcs[i].quiet, follow_on_quiet, &f.srcs[i]);
		if (o->new_errors) {
			struct newerr_out no = {.line = follow_ne_line,
			    .note = follow_ne_note,
			    .say = follow_ne_say,
			    .arg = &f.srcs[i]};

			/* Run after run: each successful run is fetched as
			 * it ends, ready for the next one. */
			if ((f.srcs[i].ne = newerr_new(f.loop, o->client,
			         &o->sources[i], o->until_stopped, &no)) ==
			    NULL) {
				fprintf(stderr, "logdeck: out of memory\n");
				rc = EXIT_UNREACHABLE;
				goto out;
			}
		}
		/* Counted first: a stream can finish inside stream_open. */
		f.open++;
		if ((s = stream_open(f.mgr, &o->sources[i], &start)) == NULL) {
			fprintf(stderr, "logdeck: out of memory\n");
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		stream_set_data(s, &f.srcs[i]);
	}
	rc = loop_run(f.loop);
	follow_flush(&f);
out:
	for (i = 0; f.srcs != NULL && i < o->nsources; i++) {
		loop_timer_stop(f.loop, &f.srcs[i].quiet);
		newerr_free(f.srcs[i].ne);
	}
	alert_free(f.alert);
	stream_mgr_free(f.mgr);
	loop_free(f.loop);
	free(f.srcs);
	follow_fini(&f);
	return rc;
}

/* Collects one page of the polling API into the output. */
struct follow_page {
	struct follow *f;
	const struct source *src;
	long long last_id;
	long count;
};

/* Callback of event_decode_array for the one-shot fetch. */
static void
follow_page_event(const struct log_event *ev, void *arg)
{
	struct follow_page *pg = arg;

	if (ev->id > pg->last_id)
		pg->last_id = ev->id;
	pg->count++;
	follow_print(pg->f, NULL, pg->src, ev);
}

/* Append "&name=value", value URL-escaped. */
static void
follow_query_arg(struct buf *q, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);

	if (esc != NULL)
		buf_printf(q, "&%s=%s", name, esc);
	curl_free(esc);
}

/* The path and query of the fetch's next page into q: --tail on the
 * first, then pages after the last id; --since and --run filter each. */
static void
follow_fetch_query(
    const struct follow_opts *o, bool first, long long last_id, struct buf *q)
{
	buf_clear(q);
	if (first && o->tail >= 0)
		buf_printf(q, "/logs?tail=%ld", o->tail);
	else
		buf_printf(
		    q, "/logs?after=%lld&limit=%d", last_id, FOLLOW_FETCH_PAGE);
	if (o->since != NULL)
		follow_query_arg(q, "since", o->since);
	if (o->run != NULL)
		follow_query_arg(q, "run", o->run);
}

int
follow_fetch(const struct follow_opts *o)
{
	struct follow f;
	struct event_decoder *dec;
	char *url, *body, err[CURL_ERROR_SIZE];
	struct buf suffix;
	size_t i, len;
	long status;
	int rc;

	if ((rc = follow_init(&f, o)) != 0) {
		follow_fini(&f);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	dec = event_decoder_new();
	buf_init(&suffix, FOLLOW_MAX_QUERY);
	for (i = 0; i < o->nsources && rc == 0; i++) {
		struct follow_page pg = {&f, &o->sources[i], 0, 0};
		bool first = true;

		do {
			follow_fetch_query(o, first, pg.last_id, &suffix);
			url = suffix.p == NULL
			          ? NULL
			          : client_url(o->client,
			                source_kind_path(o->sources[i].kind),
			                o->sources[i].id, suffix.p);
			status = client_get_sync(
			    o->client, url, &body, &len, err, sizeof err);
			free(url);
			if (status != 200) {
				if (status == 0)
					follow_note(
					    &f, NULL, "logdeck: %s", err);
				else
					fprintf(stderr,
					    "logdeck: %s: HTTP %ld\n",
					    o->sources[i].id, status);
				rc = EXIT_UNREACHABLE;
			} else {
				pg.count = 0;
				if (event_decode_array(dec, body, len,
				        follow_page_event, &pg) < 0) {
					fprintf(stderr,
					    "logdeck: the server's "
					    "answer is not a JSON array\n");
					rc = EXIT_UNREACHABLE;
				}
			}
			free(body);
			if (first && o->tail >= 0)
				break;
			first = false;
		} while (rc == 0 && pg.count >= FOLLOW_FETCH_PAGE &&
		         follow_flush(&f));
	}
	follow_flush(&f);
	buf_free(&suffix);
	event_decoder_free(dec);
	follow_fini(&f);
	return rc;
}
