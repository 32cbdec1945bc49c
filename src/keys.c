/* keys.c - the key table. */
#include <curses.h>

#include "keys.h"

#define FN(k) ((k) | KEYS_FN)

/* Every key the viewer knows, in the order the help lists them. A binding
 * with help NULL joins the line of the binding before it. */
static const struct key_binding keys[] = {
	{ '?', KEYS_LIST, ACT_HELP, "?", "this help (in the list pane)" },
	{ FN(KEY_F(1)), KEYS_ANY, ACT_HELP, "F1", "this help" },
	{ 'q', KEYS_ANY, ACT_QUIT, "q", "quit" },
	{ KEYS_CTRL('c'), KEYS_ANY, ACT_QUIT, "C-c", NULL },
	{ KEYS_CTRL('z'), KEYS_ANY, ACT_SUSPEND, "C-z", "suspend" },
	{ KEYS_CTRL('l'), KEYS_ANY, ACT_REDRAW, "C-l", "redraw the screen" },
	{ '\t', KEYS_ANY, ACT_FOCUS_NEXT, "Tab", "focus the next pane" },
	{ FN(KEY_BTAB), KEYS_ANY, ACT_FOCUS_PREV, "S-Tab",
	    "focus the previous pane" },
	{ 'j', KEYS_ANY, ACT_DOWN, "j", "down one line" },
	{ FN(KEY_DOWN), KEYS_ANY, ACT_DOWN, "Down", NULL },
	{ 'k', KEYS_ANY, ACT_UP, "k", "up one line (pauses)" },
	{ FN(KEY_UP), KEYS_ANY, ACT_UP, "Up", NULL },
	{ FN(KEY_NPAGE), KEYS_ANY, ACT_PAGE_DOWN, "PgDn", "down one page" },
	{ FN(KEY_PPAGE), KEYS_ANY, ACT_PAGE_UP, "PgUp", "up one page" },
	{ KEYS_CTRL('d'), KEYS_ANY, ACT_HALF_DOWN, "C-d", "down half a page" },
	{ KEYS_CTRL('u'), KEYS_ANY, ACT_HALF_UP, "C-u", "up half a page" },
	{ 'g', KEYS_ANY, ACT_TOP, "g", "first line" },
	{ FN(KEY_HOME), KEYS_ANY, ACT_TOP, "Home", NULL },
	{ 'G', KEYS_ANY, ACT_BOTTOM, "G", "last line" },
	{ ' ', KEYS_LOG, ACT_PAUSE, "Space", "pause / resume following" },
	{ 'F', KEYS_LOG, ACT_FOLLOW, "F", "follow the newest line" },
	{ FN(KEY_END), KEYS_ANY, ACT_FOLLOW, "End", NULL },
	{ 'h', KEYS_LOG, ACT_LEFT, "h", "scroll left (wrapping off)" },
	{ FN(KEY_LEFT), KEYS_LOG, ACT_LEFT, "Left", NULL },
	{ 'l', KEYS_LOG, ACT_RIGHT, "l", "scroll right (wrapping off)" },
	{ FN(KEY_RIGHT), KEYS_LOG, ACT_RIGHT, "Right", NULL },
	{ 'w', KEYS_ANY, ACT_WRAP, "w", "toggle line wrapping" },
	{ 't', KEYS_ANY, ACT_TIMESTAMPS, "t",
	    "timestamps: absolute, relative, off" },
	{ '1', KEYS_ANY, ACT_FLOOR_TRACE, "1", "level floor TRACE" },
	{ '2', KEYS_ANY, ACT_FLOOR_DEBUG, "2", "level floor DEBUG" },
	{ '3', KEYS_ANY, ACT_FLOOR_INFO, "3", "level floor INFO" },
	{ '4', KEYS_ANY, ACT_FLOOR_WARN, "4", "level floor WARN" },
	{ '5', KEYS_ANY, ACT_FLOOR_ERROR, "5", "level floor ERROR" },
	{ 'e', KEYS_LOG, ACT_NEXT_ERROR, "e", "next ERROR line" },
	{ 'E', KEYS_LOG, ACT_PREV_ERROR, "E", "previous ERROR line" },
	{ 'W', KEYS_LOG, ACT_NEXT_WARN, "W", "next WARN line" },
	{ '/', KEYS_LOG, ACT_SEARCH_FWD, "/", "search forward (regex)" },
	{ '?', KEYS_LOG, ACT_SEARCH_BACK, "?", "search backward (log pane)" },
	{ 'n', KEYS_LOG, ACT_MATCH_NEXT, "n", "next match" },
	{ 'N', KEYS_LOG, ACT_MATCH_PREV, "N", "previous match" },
	{ '&', KEYS_LOG, ACT_FILTER_KEEP, "&", "keep only lines matching" },
	{ '!', KEYS_LOG, ACT_FILTER_HIDE, "!", "hide lines matching" },
	{ 'c', KEYS_LOG, ACT_FILTER_CLEAR, "c", "clear filters and search" },
	{ 'S', KEYS_ANY, ACT_SAVE, "S", "save the view (text or .jsonl)" },
	{ 'm', KEYS_ANY, ACT_MERGED, "m", "merged view of watched sources" },
	{ 's', KEYS_ANY, ACT_SPLIT, "s", "split the log area (1-4 panes)" },
	{ '|', KEYS_ANY, ACT_SPLIT_DIR, "|",
	    "stack panes or put them side by side" },
	{ '\r', KEYS_LOG, ACT_DETAIL, "Enter", "show the whole event" },
	{ FN(KEY_ENTER), KEYS_LOG, ACT_DETAIL, "Enter", NULL },
	{ '\n', KEYS_LOG, ACT_DETAIL, "Enter", NULL },
	{ ' ', KEYS_LIST, ACT_WATCH, "Space", "watch / unwatch (list pane)" },
	{ '\r', KEYS_LIST, ACT_WATCH, "Enter", NULL },
	{ '\n', KEYS_LIST, ACT_WATCH, "Enter", NULL },
	{ FN(KEY_ENTER), KEYS_LIST, ACT_WATCH, "Enter", NULL },
	{ 'a', KEYS_ANY, ACT_WATCH_ALL, "a", "watch every running automation" },
	{ 'r', KEYS_ANY, ACT_REFRESH, "r", "refresh the automation list" },
	{ '/', KEYS_LIST, ACT_LIST_FILTER, "/", "filter the list by name" },
	{ 'L', KEYS_ANY, ACT_LIST_TOGGLE, "L", "hide / show the list pane" },
	{ '>', KEYS_ANY, ACT_LIST_WIDER, ">", "widen the list pane" },
	{ '<', KEYS_ANY, ACT_LIST_NARROWER, "<", "narrow the list pane" },
	{ 0x1b, KEYS_ANY, ACT_CLOSE, "Esc", "close / cancel" },
	{ FN(KEY_MOUSE), KEYS_ANY, ACT_MOUSE, "Wheel", "scroll" },
};

/* Find key's action for a pane kind. */
enum action
keys_lookup(int key, unsigned where)
{
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].key == key && (keys[i].where & where))
			return keys[i].action;
	}
	return ACT_NONE;
}

/* The table for the help overlay. */
const struct key_binding *
keys_table(size_t *n)
{
	*n = sizeof keys / sizeof keys[0];
	return keys;
}
