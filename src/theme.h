/* theme.h - colour themes: every UI element's colours and attributes for
 * 256 colours, 8 colours and monochrome (configuration layer).
 *
 * A theme is a YAML file (see logdeck-theme(5)). Lookup of a name: the
 * user's $XDG_CONFIG_HOME/logdeck/themes/NAME.yaml, then the installed
 * LOGDECK_DATADIR/themes/NAME.yaml (the environment variable
 * LOGDECK_DATADIR overrides the built-in directory), then for "default"
 * the copy compiled into the program. */
#ifndef LOGDECK_THEME_H
#define LOGDECK_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <curses.h>

/* Every element a theme colours. Levels and statuses are in the order of
 * enum level and enum run_status (from RUN_QUEUED), so THEME_LEVEL_TRACE +
 * level and THEME_LIST_QUEUED + (status - RUN_QUEUED) index them. */
enum theme_elem {
	THEME_NORMAL,      /* normal: plain text */
	THEME_LEVEL_TRACE, /* level.trace */
	THEME_LEVEL_DEBUG,
	THEME_LEVEL_INFO,
	THEME_LEVEL_WARN,
	THEME_LEVEL_ERROR,
	THEME_LEVEL_FATAL,
	THEME_TAG0, /* tag.0 .. tag.5: source tag palette */
	THEME_TAG1,
	THEME_TAG2,
	THEME_TAG3,
	THEME_TAG4,
	THEME_TAG5,
	THEME_LIST_QUEUED, /* list.queued: automation list rows */
	THEME_LIST_RUNNING,
	THEME_LIST_COMPLETED,
	THEME_LIST_FAILED,
	THEME_LIST_CANCELLED,
	THEME_SELECTION,    /* selection: the current row or line */
	THEME_MATCH,        /* match: search matches */
	THEME_STATUS,       /* status: the status bar */
	THEME_STATUS_MODE,  /* status.mode: FOLLOW / PAUSED */
	THEME_STATUS_KEY,   /* status.key: key hints */
	THEME_STATUS_ALERT, /* status.alert: stalled, reconnecting, errors */
	THEME_BORDER,       /* border: pane frames */
	THEME_BORDER_FOCUS, /* border.focus: the focused pane's frame */
	THEME_TITLE,        /* title: pane titles */
	THEME_DETAIL,       /* detail: the event detail view */
	THEME_DETAIL_KEY,   /* detail.key: field names there */
	THEME_HELP,         /* help: the help overlay */
	THEME_HELP_KEY,     /* help.key: key names there */
	THEME_ELEM_COUNT,
};
#define THEME_TAG_COUNT 6

struct theme;

/* Load a theme by name or path (a path has a '/' or ends in .yaml);
 * NULL means "default". Returns 0 with *out set, or -1 with
 * "file:line:col: reason" in err and *out set to the built-in default so
 * the caller can warn and go on. The caller frees *out with theme_free. */
int theme_load(
    const char *name_or_path, struct theme **out, char *err, size_t errlen);
/* The built-in default theme (never fails short of memory). */
struct theme *theme_builtin(void);
/* Free a theme; NULL is fine. */
void theme_free(struct theme *t);
/* The theme's name (the file name without .yaml) and the file it came
 * from ("built-in" for the compiled-in default). */
const char *theme_name(const struct theme *t);
const char *theme_path(const struct theme *t);
/* The YAML name of an element ("level.warn"). */
const char *theme_elem_name(enum theme_elem e);
/* Set up curses colour pairs 1..THEME_ELEM_COUNT for colors = 256 or 8;
 * 0 means monochrome (no pairs; attributes only). Call after
 * start_color() (when colors > 0); "default" colours use the terminal's
 * own (use_default_colors). Curses colour state is global, and so is the
 * mode this records for theme_attr. */
void theme_apply(const struct theme *t, int colors);
/* The attributes (colour pair included) to draw e with, for the mode of
 * the last theme_apply. */
attr_t theme_attr(const struct theme *t, enum theme_elem e);

/* Print the themes the lookup finds, one "NAME<TAB>PATH" line each,
 * sorted by name, a user theme hiding an installed one of the same name. */
void theme_list(FILE *out);

#endif
