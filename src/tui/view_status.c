/* view_status.c - the two status lines: follow state, level floor,
 * filters, search position, rates and scrollback use; then each watched
 * stream's state, failures and the last notice (or the prompt). */
#include <stdio.h>
#include <string.h>

#include "net/loop.h"
#include "net/stream.h"
#include "tui/tui_app.h"
#include "tui/tui_watch.h"
#include "tui/view.h"
#include "tui/view_draw.h"

/* Most bytes of one status line. */
#define STATUS_LINE_MAX 1024
/* Lines left to count before the status bar shows a search's progress
 * (fewer are done within the pass). */
#define STATUS_PROGRESS_MIN 4096

/* Format n with thousands separators. */
static void
status_count(unsigned long long n, char *out, size_t outlen)
{
	char tmp[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(tmp, sizeof tmp, "%llu", n);
	for (i = 0; i < len && o + 2 < outlen; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
}

/* Append text to line, cutting it at STATUS_LINE_MAX. */
static void
status_add(char *line, const char *text)
{
	size_t len = strlen(line), n = strlen(text);

	if (len + n >= STATUS_LINE_MAX)
		n = STATUS_LINE_MAX - 1 - len;
	memcpy(line + len, text, n);
	line[len + n] = '\0';
}

/* Append " | " and text. */
static void
status_part(char *line, const char *text)
{
	status_add(line, " | ");
	status_add(line, text);
}

/* The exit code of the run the state describes: the list's newest run
 * when it ended as the state says, else the one the state came with. */
static bool
status_exit_code(const struct tui_src *s, int *code)
{
	if (s->run_no > 0 && s->run_status == s->run && s->run_has_exit_code) {
		*code = s->run_exit_code;
		return true;
	}
	if (s->has_exit_code) {
		*code = s->exit_code;
		return true;
	}
	return false;
}

/* Describe a stream's state: "live", "reconnecting #3 in 4s", ... */
static void
status_stream(const struct tui_src *s, char *out, size_t outlen)
{
	const struct stream_status *st = stream_status(s->stream);
	uint64_t now = loop_now();

	int code;

	if (s->run == RUN_FAILED) {
		if (status_exit_code(s, &code))
			snprintf(out, outlen, "failed (exit %d)", code);
		else
			snprintf(out, outlen, "failed");
		return;
	}
	switch (st->state) {
	case STREAM_WAITING:
		if (st->stalled)
			snprintf(out, outlen,
			    "stalled since %llus, retry #%u in %llus",
			    (unsigned long long)((now - st->since) / 1000),
			    st->attempt,
			    (unsigned long long)(st->retry_at > now
			                             ? (st->retry_at - now +
			                                   999) /
			                                   1000
			                             : 0));
		else
			snprintf(out, outlen, "reconnecting #%u in %llus",
			    st->attempt,
			    (unsigned long long)(st->retry_at > now
			                             ? (st->retry_at - now +
			                                   999) /
			                                   1000
			                             : 0));
		break;
	case STREAM_ENDED:
		snprintf(out, outlen, "%s", run_status_name(s->run));
		break;
	case STREAM_LIVE:
	case STREAM_POLLING:
		/* Watched run after run: between runs, say how the last one
		 * went; while one runs, that the stream is live. */
		if (s->run != RUN_RUNNING && s->run != RUN_UNKNOWN) {
			if (status_exit_code(s, &code))
				snprintf(out, outlen, "%s (exit %d)",
				    run_status_name(s->run), code);
			else
				snprintf(out, outlen, "%s",
				    run_status_name(s->run));
			break;
		}
		snprintf(out, outlen, "%s", stream_state_name(st->state));
		break;
	default:
		snprintf(out, outlen, "%s", stream_state_name(st->state));
	}
}

/* True when a stream is fine: live, polling, connecting or ended well. */
static bool
status_healthy(const struct tui_src *s)
{
	const struct stream_status *st = stream_status(s->stream);

	if (s->run == RUN_FAILED)
		return false;
	switch (st->state) {
	case STREAM_WAITING:
	case STREAM_GONE:
	case STREAM_UNAUTHORIZED:
	case STREAM_FAILED:
		return false;
	default:
		return true;
	}
}

/* The pane the status bar describes. */
static int
status_pane(const struct tui *t)
{
	return t->focus >= 0 ? t->focus : t->target;
}

/* First status line. */
static void
status_line1(struct tui *t, char *line)
{
	struct tui_pane *p = &t->pane[status_pane(t)];
	char num[32], tmp[FILTER_PATTERN_LEN * FILTER_PATTERNS_MAX + 64];
	size_t n, pos, cur, left;
	int pct;

	line[0] = '\0';
	if (p->r.follow)
		status_add(line, " FOLLOW");
	else {
		n = lineidx_count_since(&p->r.li, p->r.pause_end);
		status_count(n, num, sizeof num);
		snprintf(tmp, sizeof tmp, " PAUSED +%s new", num);
		status_add(line, tmp);
	}
	snprintf(tmp, sizeof tmp, "level>=%s", level_name(p->r.f.floor));
	status_part(line, tmp);
	if (p->r.f.npat > 0) {
		filter_describe(&p->r.f, tmp, sizeof tmp);
		status_part(line, tmp);
	}
	if (p->r.s.active) {
		cur = reader_cur_index(&p->r);
		pos = lineidx_count(&p->r.li) && !p->r.follow
		          ? search_pos(
		                &p->r.s, &p->r.li, lineidx_at(&p->r.li, cur))
		          : 0;
		snprintf(tmp, sizeof tmp, "%c%s %zu/%zu",
		    p->r.s.backward ? '?' : '/', p->r.s.pat.text, pos,
		    search_count(&p->r.s));
		status_part(line, tmp);
		/* A count still growing through old lines says how far. */
		n = lineidx_count(&p->r.li);
		left = search_left(&p->r.s, &p->r.li);
		if (left > STATUS_PROGRESS_MIN) {
			snprintf(tmp, sizeof tmp, " (counting %zu%%)",
			    (n - left) * 100 / n);
			status_add(line, tmp);
		}
	}
	pct = lineidx_progress(&p->r.li, t->sb);
	if (pct < 100) {
		snprintf(tmp, sizeof tmp, "filtering %d%%", pct);
		status_part(line, tmp);
	}
	snprintf(
	    tmp, sizeof tmp, "%.1f ev/s", rate_per_sec(&t->total, loop_now()));
	status_part(line, tmp);
	status_count(sb_end(t->sb) - sb_first(t->sb), num, sizeof num);
	snprintf(tmp, sizeof tmp, "%s lines, buf %zu%% of %zuM", num,
	    sb_used(t->sb) * 100 / sb_cap(t->sb), sb_cap(t->sb) >> 20);
	status_part(line, tmp);
	if (sb_evicted(t->sb) > 0) {
		status_count(sb_evicted(t->sb), num, sizeof num);
		snprintf(tmp, sizeof tmp, ", %s evicted", num);
		status_add(line, tmp);
	}
	status_part(line, t->wrap ? "wrap" : "nowrap");
	/* Folded, and the pane's quiet automations. */
	tui_watch_status(t, status_pane(t), tmp, sizeof tmp);
	if (tmp[0] != '\0')
		status_part(line, tmp);
}

/* Columns " +N more" takes. */
static int
status_more_width(int n)
{
	char more[32];

	return snprintf(more, sizeof more, " +%d more", n);
}

/* Draw item (untrusted text) at *x on row y when it fits in w columns
 * with room left for " +N more" about the left items after it; true
 * when drawn. sep is the separator before it (none at first). */
static bool
status_item(int y, int *x, int w, const char *sep, const char *item, int left,
    attr_t attr)
{
	int need = (int)strlen(sep) + draw_untrusted_width(item, strlen(item)) +
	           (left > 0 ? status_more_width(left) : 0);

	if (*x + need > w)
		return false;
	*x += draw_untrusted(stdscr, y, *x, w - *x, sep, strlen(sep), attr);
	*x += draw_untrusted(stdscr, y, *x, w - *x, item, strlen(item), attr);
	return true;
}

/* Draw " +N more" at *x when n items did not fit. */
static void
status_more(int y, int *x, int w, int n, attr_t attr)
{
	char more[32];

	if (n <= 0 || *x >= w)
		return;
	snprintf(more, sizeof more, " +%d more", n);
	*x += draw_untrusted(stdscr, y, *x, w - *x, more, strlen(more), attr);
}

/* Name each failed automation once (from the list's state, so one that
 * runs again leaves it); returns the column after it. */
static int
status_failed(struct tui *t, int y, int w)
{
	attr_t alert = draw_attr(COL_ALERT);
	int i, n = 0, shown = 0, x = 0;

	for (i = 0; i < t->nsrcs; i++)
		n += t->srcs[i].run == RUN_FAILED;
	if (n == 0)
		return 0;
	x += draw_untrusted(stdscr, y, x, w, " FAILED: ", 9, alert);
	for (i = 0; i < t->nsrcs; i++) {
		if (t->srcs[i].run != RUN_FAILED)
			continue;
		if (!status_item(y, &x, w, shown ? ", " : "",
		        tui_src_name(t, i), n - shown - 1, alert))
			break;
		shown++;
	}
	status_more(y, &x, w, n - shown, alert);
	if (x < w)
		x += draw_untrusted(stdscr, y, x, w - x, " ", 1, alert);
	return x + 1;
}

/* Each watched stream's state from column x: those that need attention
 * first (failed, refused, reconnecting or stalled), then the healthy
 * ones, as many as fit, then "+N more". */
static void
status_streams(struct tui *t, int y, int x, int w)
{
	char line[STATUS_LINE_MAX], st[128], ago[16];
	int i, pass, n = 0, shown = 0;
	int64_t quiet;
	attr_t a;

	for (i = 0; i < t->nsrcs; i++)
		n += t->srcs[i].stream != NULL;
	for (pass = 0; pass < 2 && shown < n; pass++) {
		for (i = 0; i < t->nsrcs; i++) {
			if (t->srcs[i].stream == NULL ||
			    (status_healthy(&t->srcs[i]) &&
			        !tui_watch_quiet(t, i, &quiet)) != (pass == 1))
				continue;
			status_stream(&t->srcs[i], st, sizeof st);
			snprintf(line, sizeof line, "%s: %s",
			    tui_src_name(t, i), st);
			if (tui_watch_quiet(t, i, &quiet)) {
				tui_watch_ago(quiet, ago, sizeof ago);
				snprintf(line + strlen(line),
				    sizeof line - strlen(line), ", quiet %s",
				    ago);
			}
			a = pass == 1 ? A_NORMAL
			              : draw_attr(t->srcs[i].run == RUN_FAILED
			                              ? COL_FAILED
			                              : COL_WARN);
			if (!status_item(y, &x, w, shown ? "  " : "", line,
			        n - shown - 1, a))
				goto full;
			shown++;
		}
	}
full:
	status_more(y, &x, w, n - shown, A_NORMAL);
}

/* Draw the status bar. */
void
view_status_draw(struct tui *t)
{
	struct rect r = t->lay.status;
	char line[STATUS_LINE_MAX];
	int x;
	const char *mode;

	status_line1(t, line);
	draw_blank(stdscr, r.y, 0, r.w, draw_attr(COL_STATUS));
	draw_untrusted(
	    stdscr, r.y, 0, r.w, line, strlen(line), draw_attr(COL_STATUS));
	/* FOLLOW or PAUSED +N new stands out in the theme's mode colour. */
	mode = strstr(line, " |");
	if (mode != NULL)
		draw_untrusted(stdscr, r.y, 0, r.w, line, (size_t)(mode - line),
		    draw_attr(COL_MODE));
	if (t->mode == &view_prompt_mode) {
		view_prompt_draw(t, r.y + 1, r.w);
		return;
	}
	x = status_failed(t, r.y + 1, r.w);
	if (t->msg[0] != '\0' && x < r.w && loop_now() < t->msg_until) {
		x += draw_untrusted(stdscr, r.y + 1, x, r.w - x, t->msg,
		         strlen(t->msg),
		         t->msg_error ? draw_attr(COL_ERROR) : A_BOLD) +
		     2;
	}
	status_streams(t, r.y + 1, x, r.w);
}
