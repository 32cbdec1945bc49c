/* fuzz_keys.c - libFuzzer target for key names (keys.c's keys_parse_name,
 * as a configuration's keys: mapping writes them) and the key table they
 * rebind (tui/keys.c). Input: lines "ACTION KEYNAME", bound in order.
 * Properties beyond no crash: a name parses to -1 or a code the table can
 * hold (a character, a Ctrl letter or a function key); parsing is case
 * blind for named keys; a bound key looks up as its action in the panes
 * the action works in, until another rebinding takes the key; the help
 * names it; past KEYS_BIND_MAX binding fails; unbinding restores the
 * default table. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzzutil.h"
#include "tui/keys.h"

/* Bytes of the help's key names for one action. */
#define FUZZ_NAMES_LEN 512

/* The action a configuration name stands for, or ACT_NONE. */
static enum action
fuzz_action(const char *name)
{
	const char *n;
	int a;

	for (a = 1; a <= ACT_KIND; a++) {
		n = keys_action_name((enum action)a);
		if (n != NULL && strcmp(n, name) == 0)
			return (enum action)a;
	}
	return ACT_NONE;
}

/* True when s is ASCII only. */
static bool
fuzz_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

/* The default lookups of every key code a test touches, to compare after
 * keys_unbind_all. */
static void
fuzz_defaults(const int *codes, size_t n, enum action *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = keys_lookup(codes[i], KEYS_LIST);
		out[2 * i + 1] = keys_lookup(codes[i], KEYS_LOG);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *text = fuzz_strndup(in, size), *line, *next, *name, *upper;
	char names[FUZZ_NAMES_LEN];
	int codes[KEYS_BIND_MAX + 1], code, nbound = 0;
	enum action before[2 * (KEYS_BIND_MAX + 1)],
	    after[2 * (KEYS_BIND_MAX + 1)];
	enum action a;
	size_t ncodes = 0, i;

	keys_unbind_all();
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		name = strchr(line, ' ');
		if (name == NULL)
			name = line;
		else
			*name++ = '\0';
		code = keys_parse_name(name);
		if (code < -1 || code == 0)
			fuzz_fail("key code %d", code);
		if (code > 0 && (code & ~KEYS_FN) > 0x10ffff)
			fuzz_fail("key code %d past Unicode", code);
		/* Named keys are case blind: the upper-case spelling of a
		 * name longer than one character parses the same. */
		if (strlen(name) > 1 && strncmp(name, "C-", 2) != 0 &&
		    strncasecmp(name, "Ctrl-", 5) != 0 && name[0] != 'F' &&
		    name[0] != 'f') {
			upper = strdup(name);
			for (i = 0; upper[i] != '\0'; i++)
				if (upper[i] >= 'a' && upper[i] <= 'z')
					upper[i] -= 'a' - 'A';
			if (strlen(upper) == strlen(name) && fuzz_ascii(name) &&
			    keys_parse_name(upper) != code)
				fuzz_fail("%s and %s differ", name, upper);
			free(upper);
		}
		if (code < 0)
			continue;
		if (ncodes == 0) {
			codes[ncodes++] = code;
			fuzz_defaults(codes, 1, before);
		}
		a = fuzz_action(line);
		if (keys_bind(line, code, name) != 0) {
			if (a != ACT_NONE && nbound < KEYS_BIND_MAX)
				fuzz_fail(
				    "binding %s to %s refused", name, line);
			continue;
		}
		if (a == ACT_NONE || nbound == KEYS_BIND_MAX)
			fuzz_fail("bound %s to %s", name, line);
		nbound++;
		/* The first rebinding of a key wins in a pane. */
		if (keys_lookup(code, KEYS_ANY) == ACT_NONE)
			fuzz_fail(
			    "%s bound to %s looks up as nothing", name, line);
		keys_names(a, KEYS_ANY, names, sizeof names);
		if (memchr(names, '\0', sizeof names) == NULL)
			fuzz_fail("key names without a NUL");
	}
	if (ncodes > 0) {
		keys_unbind_all();
		fuzz_defaults(codes, ncodes, after);
		if (memcmp(before, after, 2 * ncodes * sizeof before[0]) != 0)
			fuzz_fail("unbinding does not restore the defaults");
	}
	keys_unbind_all();
	free(text);
	return 0;
}
