/* view_status.c - the two status lines: follow state, level floor,
 * filters, search position, rates and scrollback use; then each watched
 * stream's state, failures and the last error (or the prompt). */
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "stream.h"
#include "tui_app.h"
#include "view.h"
#include "view_draw.h"

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

/* Describe a stream's state: "live", "reconnecting #3 in 4s", ... */
static void
status_stream(const struct tui_src *s, char *out, size_t outlen)
{
	const struct stream_status *st = stream_status(s->stream);
	uint64_t now = loop_now();

	if (s->run == RUN_FAILED) {
		if (s->has_exit_code)
			snprintf(out, outlen, "failed (exit %d)", s->exit_code);
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
	if (p->follow)
		status_add(line, " FOLLOW");
	else {
		n = lineidx_count(&p->li) - lineidx_lower(&p->li, p->pause_end);
		status_count(n, num, sizeof num);
		snprintf(tmp, sizeof tmp, " PAUSED +%s new", num);
		status_add(line, tmp);
	}
	snprintf(tmp, sizeof tmp, "level>=%s", level_name(p->f.floor));
	status_part(line, tmp);
	if (p->f.npat > 0) {
		filter_describe(&p->f, tmp, sizeof tmp);
		status_part(line, tmp);
	}
	if (p->s.active) {
		cur = view_log_cur_index(t, status_pane(t));
		pos = lineidx_count(&p->li) && !p->follow
		          ? search_pos(&p->s, &p->li, lineidx_at(&p->li, cur))
		          : 0;
		snprintf(tmp, sizeof tmp, "%c%s %zu/%zu",
		    p->s.backward ? '?' : '/', p->s.pat.text, pos,
		    search_count(&p->s));
		status_part(line, tmp);
		/* A count still growing through old lines says how far. */
		n = lineidx_count(&p->li);
		left = search_left(&p->s, &p->li);
		if (left > STATUS_PROGRESS_MIN) {
			snprintf(tmp, sizeof tmp, " (counting %zu%%)",
			    (n - left) * 100 / n);
			status_add(line, tmp);
		}
	}
	pct = lineidx_progress(&p->li, t->sb);
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
}

/* Draw the prompt on the second line. */
static void
status_prompt(struct tui *t, int y, int w)
{
	static const char *labels[] = {
	    "/", "?", "keep: &", "hide: !", "", "list: /"};
	char label[96];
	int lw;

	if (t->prompt == PROMPT_SAVE)
		snprintf(label, sizeof label, "save %s (Tab toggles) to: ",
		    t->save_all ? "ALL lines" : "the filtered view");
	else
		snprintf(label, sizeof label, "%s", labels[t->prompt]);
	lw = draw_width(label, strlen(label));
	draw_text(stdscr, y, 0, w, label, strlen(label), 0, A_BOLD, NULL);
	lw += draw_untrusted(
	    stdscr, y, lw, w - lw - 1, t->ptext, t->plen, A_NORMAL);
	move(y, lw < w ? lw : w - 1);
}

/* Draw the status bar. */
void
view_status_draw(struct tui *t)
{
	struct rect r = t->lay.status;
	char line[STATUS_LINE_MAX], st[128];
	int x = 0, i, used, pass;
	attr_t alert = draw_attr(COL_ALERT);
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
	if (t->mode == TUI_PROMPT) {
		status_prompt(t, r.y + 1, r.w);
		return;
	}
	if (t->failed[0] != '\0') {
		snprintf(line, sizeof line, " FAILED: %s ", t->failed);
		x += draw_untrusted(stdscr, r.y + 1, x, r.w - x, line,
		         strlen(line), alert) +
		     1;
	}
	if (t->msg[0] != '\0' && x < r.w) {
		x += draw_untrusted(stdscr, r.y + 1, x, r.w - x, t->msg,
		         strlen(t->msg),
		         t->msg_error ? draw_attr(COL_ERROR) : A_BOLD) +
		     2;
	}
	/* Streams that need attention first (the line may not hold all):
	 * failed, refused, reconnecting or stalled, then the healthy ones. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->nsrcs && x < r.w; i++) {
			if (t->srcs[i].stream == NULL ||
			    status_healthy(&t->srcs[i]) != (pass == 1))
				continue;
			status_stream(&t->srcs[i], st, sizeof st);
			snprintf(line, sizeof line, "%s: %s",
			    tui_src_name(t, i), st);
			used = draw_untrusted(stdscr, r.y + 1, x, r.w - x, line,
			    strlen(line),
			    pass == 0 ? draw_attr(t->srcs[i].run == RUN_FAILED
			                              ? COL_FAILED
			                              : COL_WARN)
			              : A_NORMAL);
			x += used + 2;
		}
	}
}
