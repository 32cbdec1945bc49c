/* view.h - the screen states of the viewer, one file each (view layer):
 * the list pane, log panes and status bar. The modes over them (detail,
 * help, filter list, runs, prompt) are struct tui_mode (tui_app.h). */
#ifndef LOGDECK_VIEW_H
#define LOGDECK_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tui;

/* Draw the automation list into t->lay.list. */
void view_list_draw(struct tui *t);
/* The source index shown at list row r (-1 when none), in display order
 * (running first, then the rest, narrowed by the name filter; while held,
 * the order of view_list_hold). Returns the number of rows; order may be
 * NULL to only count. */
int view_list_order(const struct tui *t, int *order, int max);

/* Keep the list's current display order until loop_now() reaches until
 * (sources that appear meanwhile go below the held rows). */
void view_list_hold(struct tui *t, uint64_t until);

/* Draw log pane i into t->lay.pane[i]. */
void view_log_draw(struct tui *t, int i);
/* Format line seq's time per the timestamp mode into out (may be ""). */
void view_log_time(
    const struct tui *t, int64_t ts_ms, char *out, size_t outlen);

/* Draw the two status lines (or the prompt) into t->lay.status. */
void view_status_draw(struct tui *t);

/* Draw the prompt on row y (w columns) of the status bar. */
void view_prompt_draw(struct tui *t, int y, int w);

/* Draw the "terminal too small" message. */
void view_too_small(struct tui *t);

#endif
