/* prompt.c - the prompt's line editor (see prompt.h). */
#include <curses.h> /* KEY_ENTER, KEY_BACKSPACE: the codes, no drawing */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/prompt.h"

/* Start editing. */
void
prompt_reset(struct prompt *p, const char *text, size_t max)
{
	p->max = max < PROMPT_TEXT_MAX ? max : PROMPT_TEXT_MAX;
	snprintf(p->text, p->max + 1, "%s", text);
	p->len = strlen(p->text);
}

/* Edit by one key. */
enum prompt_edit
prompt_key(struct prompt *p, int key)
{
	char enc[MB_LEN_MAX];
	int n;

	if (key == '\r' || key == '\n' || key == (KEY_ENTER | KEYS_FN))
		return PROMPT_ENTER;
	if (key == 0x1b || key == KEYS_CTRL('c') || key == KEYS_CTRL('g'))
		return PROMPT_CANCEL;
	if (key == '\t')
		return PROMPT_TAB;
	if (key == 0x7f || key == 0x08 || key == (KEY_BACKSPACE | KEYS_FN)) {
		/* Back over continuation bytes to the character's start. */
		while (p->len > 0 &&
		       ((unsigned char)p->text[--p->len] & 0xc0) == 0x80)
			;
		p->text[p->len] = '\0';
		return PROMPT_EDITED;
	}
	if (key == KEYS_CTRL('u')) {
		p->len = 0;
		p->text[0] = '\0';
		return PROMPT_EDITED;
	}
	if ((key & KEYS_FN) || key < 0x20 || (key >= 0x7f && key < 0xa0))
		return PROMPT_IGNORED;
	n = wctomb(enc, (wchar_t)key);
	if (n <= 0 || p->len + (size_t)n > p->max)
		return PROMPT_IGNORED;
	memcpy(p->text + p->len, enc, (size_t)n);
	p->len += (size_t)n;
	p->text[p->len] = '\0';
	return PROMPT_EDITED;
}
