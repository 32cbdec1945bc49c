/* keys.h - the one table mapping keys to named actions (input layer). The
 * dispatcher, the help overlay and the configuration's keys: section all
 * read it, so they cannot disagree: this module owns the action names and
 * both directions of key names (parsing "C-x" and showing it). */
#ifndef LOGDECK_KEYS_H
#define LOGDECK_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Key codes: characters are their code point; curses function keys
 * (KEY_UP, KEY_F(1), ...) are or-ed with KEYS_FN. */
#define KEYS_FN 0x1000000
#define KEYS_CTRL(c) ((c)&0x1f)

enum action {
	ACT_NONE,
	ACT_QUIT,
	ACT_HELP,
	ACT_FOCUS_NEXT,
	ACT_FOCUS_PREV,
	ACT_FOCUS_LIST,
	ACT_DOWN,
	ACT_UP,
	ACT_PAGE_DOWN,
	ACT_PAGE_UP,
	ACT_HALF_DOWN,
	ACT_HALF_UP,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_PAUSE,
	ACT_FOLLOW,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_WRAP,
	ACT_TIMESTAMPS,
	ACT_FLOOR_TRACE,
	ACT_FLOOR_DEBUG,
	ACT_FLOOR_INFO,
	ACT_FLOOR_WARN,
	ACT_FLOOR_ERROR,
	ACT_NEXT_ERROR,
	ACT_PREV_ERROR,
	ACT_NEXT_WARN,
	ACT_SEARCH_FWD,
	ACT_SEARCH_BACK,
	ACT_MATCH_NEXT,
	ACT_MATCH_PREV,
	ACT_FILTER_KEEP,
	ACT_FILTER_HIDE,
	ACT_FILTER_CLEAR,
	ACT_FILTER_LIST,
	ACT_SAVE,
	ACT_MERGED,
	ACT_SPLIT,
	ACT_SPLIT_DIR,
	ACT_DETAIL,
	ACT_WATCH,
	ACT_SHOW,
	ACT_WATCH_ALL,
	ACT_REFRESH,
	ACT_LIST_TOGGLE,
	ACT_LIST_WIDER,
	ACT_LIST_NARROWER,
	ACT_LIST_FILTER,
	ACT_CLOSE,
	ACT_SUSPEND,
	ACT_REDRAW,
	ACT_RUNS,
	ACT_KIND,
	ACT_FOLD,
	ACT_NEXT_NEW,
	ACT_PREV_NEW,
	ACT_MARK,      /* mark / unmark the current line */
	ACT_NEXT_MARK, /* the next marked line */
	ACT_PREV_MARK, /* the previous marked line */
	ACT_MARKS,     /* the list of marks */
	ACT_GOTO_TIME, /* the go-to-time prompt */
	ACT_CONTEXT,   /* a filtered line in its full context, and back */
	/* Actions without a name (no configuration can rebind them) come
	 * after the named ones. */
	ACT_MOUSE,
	ACT_COUNT /* not an action: how many there are */
};

/* Where a binding applies: the focused pane's kind. */
#define KEYS_LIST 0x1 /* the automation list pane */
#define KEYS_LOG 0x2  /* a log pane */
#define KEYS_ANY (KEYS_LIST | KEYS_LOG)

struct key_binding {
	int key;
	unsigned where;
	enum action action;
	const char *name; /* how the help shows the key */
	const char *help; /* what it does; NULL: same line as the previous */
};

/* Most rebindings a configuration may make. */
#define KEYS_BIND_MAX 128

/* The configuration name of an action ("page-down"); NULL for ACT_NONE
 * and the mouse. */
const char *keys_action_name(enum action a);
/* The action named name, or ACT_NONE when no action has that name. */
enum action keys_action_by_name(const char *name);
/* Every action name a configuration may rebind, in enum order,
 * NULL-terminated (static storage). */
const char *const *keys_action_names(void);
/* Parse a key name ("q", "Space", "C-x", "F5", "PgDn", "é", ...) into a
 * key code (function keys or-ed with KEYS_FN); -1 when it names no key.
 * Names are at most KEYS_PARSE_MAX bytes. */
int keys_parse_name(const char *name);
#define KEYS_PARSE_MAX 16
/* Bind key (shown in the help as name, copied) to the action named
 * action, as the configuration's keys: do: the keys bound to an action
 * replace its default keys and win over another action's default binding
 * of the same key. Returns 0, or -1 for an unknown action or past
 * KEYS_BIND_MAX. */
int keys_bind(const char *action, int key, const char *name);
/* Forget every rebinding. */
void keys_unbind_all(void);
/* The names of the keys that trigger action in the pane kinds where,
 * space-separated, into out. */
void keys_names(enum action a, unsigned where, char *out, size_t outlen);

/* The action of key in the pane kind where (ACT_NONE when unbound). */
enum action keys_lookup(int key, unsigned where);
/* The whole table, in help order; *n receives its length. */
const struct key_binding *keys_table(size_t *n);

#endif
