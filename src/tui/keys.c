/* keys.c - the key table, the action names and the key names: the one
 * owner of each, read by the dispatcher, the help and the configuration. */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/esc.h"
#include "tui/keys.h"

#define FN(k) ((k) | KEYS_FN)
/* Longest key name a rebinding keeps for the help. */
#define KEYS_NAME_MAX 15

/* The configuration names of the actions, in enum order (logdeck.yaml(5)
 * lists the same names; test_config checks it). The unnamed actions come
 * last, so [ACT_MOUSE] is the NULL that ends keys_action_names(). */
static const char *const keys_names_of[ACT_COUNT] = {
    [ACT_QUIT] = "quit",
    [ACT_HELP] = "help",
    [ACT_FOCUS_NEXT] = "focus-next",
    [ACT_FOCUS_PREV] = "focus-prev",
    [ACT_FOCUS_LIST] = "choose",
    [ACT_DOWN] = "down",
    [ACT_UP] = "up",
    [ACT_PAGE_DOWN] = "page-down",
    [ACT_PAGE_UP] = "page-up",
    [ACT_HALF_DOWN] = "half-down",
    [ACT_HALF_UP] = "half-up",
    [ACT_TOP] = "top",
    [ACT_BOTTOM] = "bottom",
    [ACT_PAUSE] = "pause",
    [ACT_FOLLOW] = "follow",
    [ACT_LEFT] = "left",
    [ACT_RIGHT] = "right",
    [ACT_WRAP] = "wrap",
    [ACT_TIMESTAMPS] = "timestamps",
    [ACT_FLOOR_TRACE] = "floor-trace",
    [ACT_FLOOR_DEBUG] = "floor-debug",
    [ACT_FLOOR_INFO] = "floor-info",
    [ACT_FLOOR_WARN] = "floor-warn",
    [ACT_FLOOR_ERROR] = "floor-error",
    [ACT_NEXT_ERROR] = "next-error",
    [ACT_PREV_ERROR] = "prev-error",
    [ACT_NEXT_WARN] = "next-warn",
    [ACT_SEARCH_FWD] = "search-forward",
    [ACT_SEARCH_BACK] = "search-backward",
    [ACT_MATCH_NEXT] = "next-match",
    [ACT_MATCH_PREV] = "prev-match",
    [ACT_FILTER_KEEP] = "filter-keep",
    [ACT_FILTER_HIDE] = "filter-hide",
    [ACT_FILTER_CLEAR] = "filter-clear",
    [ACT_FILTER_LIST] = "filter-list",
    [ACT_SAVE] = "save",
    [ACT_MERGED] = "merged",
    [ACT_SPLIT] = "split",
    [ACT_SPLIT_DIR] = "split-direction",
    [ACT_DETAIL] = "detail",
    [ACT_WATCH] = "watch",
    [ACT_SHOW] = "show",
    [ACT_WATCH_ALL] = "watch-all",
    [ACT_REFRESH] = "refresh",
    [ACT_LIST_TOGGLE] = "list-toggle",
    [ACT_LIST_WIDER] = "list-wider",
    [ACT_LIST_NARROWER] = "list-narrower",
    [ACT_LIST_FILTER] = "list-filter",
    [ACT_CLOSE] = "close",
    [ACT_SUSPEND] = "suspend",
    [ACT_REDRAW] = "redraw",
    [ACT_RUNS] = "runs",
    [ACT_KIND] = "kind",
    [ACT_FOLD] = "fold",
    [ACT_NEXT_NEW] = "next-new-error",
    [ACT_PREV_NEW] = "prev-new-error",
    [ACT_MARK] = "mark",
    [ACT_NEXT_MARK] = "next-mark",
    [ACT_PREV_MARK] = "prev-mark",
    [ACT_MARKS] = "marks",
    [ACT_GOTO_TIME] = "goto-time",
    [ACT_CONTEXT] = "context",
};

/* The configuration's rebindings. */
static struct {
	int key;
	enum action action;
	char name[KEYS_NAME_MAX + 1];
} keys_bound[KEYS_BIND_MAX];
static size_t keys_nbound;

/* Every key the viewer knows, in the order the help lists them. A binding
 * with help NULL joins the line of the binding before it. */
static const struct key_binding keys[] = {
    {FN(KEY_F(1)), KEYS_ANY, ACT_HELP, "F1",
        "this help (? too in the list pane)"},
    {'?', KEYS_LIST, ACT_HELP, "?", NULL},
    {'q', KEYS_ANY, ACT_QUIT, "q", "quit"},
    {KEYS_CTRL('c'), KEYS_ANY, ACT_QUIT, "C-c", NULL},
    {KEYS_CTRL('z'), KEYS_ANY, ACT_SUSPEND, "C-z", "suspend"},
    {KEYS_CTRL('l'), KEYS_ANY, ACT_REDRAW, "C-l", "redraw the screen"},
    {'\t', KEYS_ANY, ACT_FOCUS_NEXT, "Tab", "focus the next pane"},
    {FN(KEY_BTAB), KEYS_ANY, ACT_FOCUS_PREV, "S-Tab",
        "focus the previous pane"},
    {'o', KEYS_LOG, ACT_FOCUS_LIST, "o",
        "choose what this pane shows in the list"},
    {'j', KEYS_ANY, ACT_DOWN, "j", "down one line"},
    {FN(KEY_DOWN), KEYS_ANY, ACT_DOWN, "Down", NULL},
    {'k', KEYS_ANY, ACT_UP, "k", "up one line (pauses)"},
    {FN(KEY_UP), KEYS_ANY, ACT_UP, "Up", NULL},
    {FN(KEY_NPAGE), KEYS_ANY, ACT_PAGE_DOWN, "PgDn", "down one page"},
    {FN(KEY_PPAGE), KEYS_ANY, ACT_PAGE_UP, "PgUp", "up one page"},
    {KEYS_CTRL('d'), KEYS_ANY, ACT_HALF_DOWN, "C-d", "down half a page"},
    {KEYS_CTRL('u'), KEYS_ANY, ACT_HALF_UP, "C-u", "up half a page"},
    {'g', KEYS_ANY, ACT_TOP, "g", "first line"},
    {FN(KEY_HOME), KEYS_ANY, ACT_TOP, "Home", NULL},
    {'G', KEYS_ANY, ACT_BOTTOM, "G", "last line"},
    {' ', KEYS_LOG, ACT_PAUSE, "Space", "pause / resume following"},
    {'F', KEYS_LOG, ACT_FOLLOW, "F", "follow the newest line"},
    {FN(KEY_END), KEYS_ANY, ACT_FOLLOW, "End", NULL},
    {'h', KEYS_LOG, ACT_LEFT, "h", "scroll left (wrapping off)"},
    {FN(KEY_LEFT), KEYS_LOG, ACT_LEFT, "Left", NULL},
    {'l', KEYS_LOG, ACT_RIGHT, "l", "scroll right (wrapping off)"},
    {FN(KEY_RIGHT), KEYS_LOG, ACT_RIGHT, "Right", NULL},
    {'w', KEYS_ANY, ACT_WRAP, "w", "toggle line wrapping"},
    {'t', KEYS_ANY, ACT_TIMESTAMPS, "t", "timestamps: absolute, relative, off"},
    {'1', KEYS_ANY, ACT_FLOOR_TRACE, "1", "level floor TRACE"},
    {'2', KEYS_ANY, ACT_FLOOR_DEBUG, "2", "level floor DEBUG"},
    {'3', KEYS_ANY, ACT_FLOOR_INFO, "3", "level floor INFO"},
    {'4', KEYS_ANY, ACT_FLOOR_WARN, "4", "level floor WARN"},
    {'5', KEYS_ANY, ACT_FLOOR_ERROR, "5", "level floor ERROR"},
    {'e', KEYS_LOG, ACT_NEXT_ERROR, "e", "next ERROR line"},
    {'E', KEYS_LOG, ACT_PREV_ERROR, "E", "previous ERROR line"},
    {'W', KEYS_LOG, ACT_NEXT_WARN, "W", "next WARN line"},
    {'/', KEYS_LOG, ACT_SEARCH_FWD, "/", "search forward (regex)"},
    {'?', KEYS_LOG, ACT_SEARCH_BACK, "?", "search backward (log pane)"},
    {'n', KEYS_LOG, ACT_MATCH_NEXT, "n", "next match"},
    {'N', KEYS_LOG, ACT_MATCH_PREV, "N", "previous match"},
    {'&', KEYS_LOG, ACT_FILTER_KEEP, "&",
        "keep only lines matching (field:re rows>9)"},
    {'!', KEYS_LOG, ACT_FILTER_HIDE, "!", "hide lines matching"},
    {'f', KEYS_LOG, ACT_FILTER_LIST, "f",
        "list filters; 1-8 switch one off/on"},
    {'c', KEYS_LOG, ACT_FILTER_CLEAR, "c", "clear filters and search"},
    {'S', KEYS_ANY, ACT_SAVE, "S", "save the view (text, .jsonl, .csv)"},
    {'M', KEYS_ANY, ACT_MERGED, "M", "merged view of watched sources"},
    {'m', KEYS_LIST, ACT_MERGED, "m", NULL},
    {'s', KEYS_ANY, ACT_SPLIT, "s", "split the log area (1-4 panes)"},
    {'|', KEYS_ANY, ACT_SPLIT_DIR, "|", "stack panes or put them side by side"},
    {'\r', KEYS_LOG, ACT_DETAIL, "Enter", "show the whole event"},
    {FN(KEY_ENTER), KEYS_LOG, ACT_DETAIL, "Enter", NULL},
    {'\n', KEYS_LOG, ACT_DETAIL, "Enter", NULL},
    {' ', KEYS_LIST, ACT_WATCH, "Space", "watch / unwatch (list pane)"},
    {'\r', KEYS_LIST, ACT_SHOW, "Enter",
        "show in the pane last focused, watched (list)"},
    {'\n', KEYS_LIST, ACT_SHOW, "Enter", NULL},
    {FN(KEY_ENTER), KEYS_LIST, ACT_SHOW, "Enter", NULL},
    {'o', KEYS_LIST, ACT_SHOW, "o", NULL},
    {'a', KEYS_ANY, ACT_WATCH_ALL, "a", "watch every running automation"},
    {'r', KEYS_ANY, ACT_REFRESH, "r", "refresh the automation list"},
    {'R', KEYS_ANY, ACT_RUNS, "R", "runs of the automation: open a past run"},
    {'K', KEYS_ANY, ACT_KIND, "K",
        "list automations, pipelines or artifacts"},
    {'/', KEYS_LIST, ACT_LIST_FILTER, "/", "filter the list by name"},
    {'L', KEYS_ANY, ACT_LIST_TOGGLE, "L", "hide / show the list pane"},
    {'>', KEYS_ANY, ACT_LIST_WIDER, ">", "widen the list pane"},
    {'<', KEYS_ANY, ACT_LIST_NARROWER, "<", "narrow the list pane"},
    {'z', KEYS_LOG, ACT_FOLD, "z",
        "fold repeated lines of a source (x214 first-last shape)"},
    {'u', KEYS_LOG, ACT_NEXT_NEW, "u",
        "next ERROR/WARN new since the last good run (*)"},
    {'U', KEYS_LOG, ACT_PREV_NEW, "U", "previous new ERROR/WARN line"},
    {'m', KEYS_LOG, ACT_MARK, "m", "mark / unmark the line"},
    {']', KEYS_LOG, ACT_NEXT_MARK, "]", "next marked line"},
    {'[', KEYS_LOG, ACT_PREV_MARK, "[", "previous marked line"},
    {'\'', KEYS_LOG, ACT_MARKS, "'", "list the marks; Enter goes to one"},
    {'T', KEYS_LOG, ACT_GOTO_TIME, "T",
        "go to a time (14:02, -5m, run start)"},
    {'C', KEYS_LOG, ACT_CONTEXT, "C",
        "the line in its unfiltered context, and back"},
    {0x1b, KEYS_ANY, ACT_CLOSE, "Esc", "close / cancel"},
    {FN(KEY_MOUSE), KEYS_ANY, ACT_MOUSE, "Wheel", "scroll"},
};

#define KEYS_COUNT (sizeof keys / sizeof keys[0])

/* The pane kinds an action's default bindings apply in. */
static unsigned
keys_where(enum action a)
{
	unsigned where = 0;
	size_t i;

	for (i = 0; i < KEYS_COUNT; i++) {
		if (keys[i].action == a)
			where |= keys[i].where;
	}
	return where;
}

/* True when the configuration rebound action. */
static bool
keys_rebound(enum action a)
{
	size_t i;

	for (i = 0; i < keys_nbound; i++) {
		if (keys_bound[i].action == a)
			return true;
	}
	return false;
}

/* The rebinding of key in where, or ACT_NONE. */
static enum action
keys_bound_action(int key, unsigned where)
{
	size_t i;

	for (i = 0; i < keys_nbound; i++) {
		if (keys_bound[i].key == key &&
		    (keys_where(keys_bound[i].action) & where))
			return keys_bound[i].action;
	}
	return ACT_NONE;
}

/* An action's configuration name. */
const char *
keys_action_name(enum action a)
{
	if ((unsigned)a >= ACT_COUNT)
		return NULL;
	return keys_names_of[a];
}

/* The action of a configuration name. */
enum action
keys_action_by_name(const char *name)
{
	int a;

	for (a = ACT_NONE + 1; a < ACT_MOUSE; a++) {
		if (strcmp(keys_names_of[a], name) == 0)
			return (enum action)a;
	}
	return ACT_NONE;
}

/* The names, NULL-terminated: the table from its first named action. */
const char *const *
keys_action_names(void)
{
	return keys_names_of + ACT_NONE + 1;
}

/* Add a rebinding. */
int
keys_bind(const char *action, int key, const char *name)
{
	enum action a = keys_action_by_name(action);

	if (keys_nbound == KEYS_BIND_MAX || a == ACT_NONE)
		return -1;
	keys_bound[keys_nbound].key = key;
	keys_bound[keys_nbound].action = a;
	snprintf(keys_bound[keys_nbound].name,
	    sizeof keys_bound[keys_nbound].name, "%s", name);
	keys_nbound++;
	return 0;
}

/* Drop the rebindings. */
void
keys_unbind_all(void)
{
	keys_nbound = 0;
}

/* Append name to the space-separated list out unless it is in it. */
static void
keys_add_name(char *out, size_t outlen, const char *name)
{
	size_t len = strlen(out), n = strlen(name);
	const char *p = out;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == out || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return;
		p++;
	}
	snprintf(out + len, outlen - len, "%s%s", len ? " " : "", name);
}

/* The names of the keys of an action. */
void
keys_names(enum action a, unsigned where, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (keys_rebound(a)) {
		for (i = 0; i < keys_nbound; i++) {
			if (keys_bound[i].action == a)
				keys_add_name(out, outlen, keys_bound[i].name);
		}
		return;
	}
	for (i = 0; i < KEYS_COUNT; i++) {
		if (keys[i].action == a && (keys[i].where & where) &&
		    keys_lookup(keys[i].key, keys[i].where) == a)
			keys_add_name(out, outlen, keys[i].name);
	}
}

/* Find key's action for a pane kind: rebindings first, then the
 * defaults of actions that were not rebound. */
enum action
keys_lookup(int key, unsigned where)
{
	enum action a = keys_bound_action(key, where);
	size_t i;

	if (a != ACT_NONE)
		return a;
	for (i = 0; i < KEYS_COUNT; i++) {
		if (keys[i].key == key && (keys[i].where & where) &&
		    !keys_rebound(keys[i].action))
			return keys[i].action;
	}
	return ACT_NONE;
}

/* The table for the help overlay. */
const struct key_binding *
keys_table(size_t *n)
{
	*n = KEYS_COUNT;
	return keys;
}

/* Named keys and their codes, for keys_parse_name. */
static const struct {
	const char *name;
	int code;
} keys_named[] = {
    {"Space", ' '},
    {"Tab", '\t'},
    {"S-Tab", FN(KEY_BTAB)},
    {"Enter", '\r'},
    {"Esc", 0x1b},
    {"Backspace", FN(KEY_BACKSPACE)},
    {"Delete", FN(KEY_DC)},
    {"Insert", FN(KEY_IC)},
    {"Up", FN(KEY_UP)},
    {"Down", FN(KEY_DOWN)},
    {"Left", FN(KEY_LEFT)},
    {"Right", FN(KEY_RIGHT)},
    {"PgUp", FN(KEY_PPAGE)},
    {"PgDn", FN(KEY_NPAGE)},
    {"Home", FN(KEY_HOME)},
    {"End", FN(KEY_END)},
};

/* Decode one UTF-8 character that is the whole of s; -1 otherwise. */
static int
keys_utf8_char(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t len;

	if (u[0] == '\0')
		return -1;
	if (u[0] < 0x80)
		return u[1] == '\0' && u[0] > 0x20 && u[0] != 0x7f ? u[0] : -1;
	len = esc_utf8_next(s, strlen(s), &cp);
	if (len == 0 || s[len] != '\0' || cp < 0xa0)
		return -1;
	return (int)cp;
}

/* Parse a key name. */
int
keys_parse_name(const char *name)
{
	size_t i;
	char *end;
	long f;

	if (strlen(name) > KEYS_PARSE_MAX)
		return -1;
	for (i = 0; i < sizeof keys_named / sizeof keys_named[0]; i++) {
		if (strcasecmp(name, keys_named[i].name) == 0)
			return keys_named[i].code;
	}
	if ((strncasecmp(name, "C-", 2) == 0 && strlen(name) == 3) ||
	    (strncasecmp(name, "Ctrl-", 5) == 0 && strlen(name) == 6)) {
		char ch = (char)tolower((unsigned char)name[strlen(name) - 1]);

		if (ch >= 'a' && ch <= 'z')
			return ch & 0x1f;
		return -1;
	}
	if ((name[0] == 'F' || name[0] == 'f') &&
	    isdigit((unsigned char)name[1])) {
		f = strtol(name + 1, &end, 10);
		if (*end == '\0' && f >= 1 && f <= 12)
			return FN(KEY_F((int)f));
		return -1;
	}
	return keys_utf8_char(name);
}
