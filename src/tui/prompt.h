/* prompt.h - the line editor of the status-bar prompt (input layer, no
 * drawing): the text typed so far up to a limit, Backspace by whole UTF-8
 * characters, C-u to clear; it says what each key did and leaves acting
 * on the text to the prompt's owner (view_prompt.c). */
#ifndef LOGDECK_PROMPT_H
#define LOGDECK_PROMPT_H

#include <stddef.h>

#include "tui/filter.h"

/* Longest text a prompt holds: the longest pattern a filter or search
 * takes. */
#define PROMPT_TEXT_MAX FILTER_PATTERN_LEN

struct prompt {
	char text[PROMPT_TEXT_MAX + 1]; /* NUL-terminated */
	size_t len;
	size_t max; /* bytes this prompt takes, at most PROMPT_TEXT_MAX */
};

/* What a key did at the prompt. */
enum prompt_edit {
	PROMPT_IGNORED, /* not for the line (or past its limit) */
	PROMPT_EDITED,  /* the text changed */
	PROMPT_ENTER,   /* Enter: act on the text */
	PROMPT_CANCEL,  /* Esc, C-c, C-g: give up */
	PROMPT_TAB,     /* Tab: the owner may give it a meaning */
};

/* Start editing text (copied, cut to max bytes) with room for max bytes
 * (at most PROMPT_TEXT_MAX). */
void prompt_reset(struct prompt *p, const char *text, size_t max);
/* Edit by one key (a code point, or a curses key or-ed with KEYS_FN);
 * characters are encoded in the locale's encoding. */
enum prompt_edit prompt_key(struct prompt *p, int key);

#endif
