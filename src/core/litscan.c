/* litscan.c - the required literal of a regex (see litscan.h). */
#define _GNU_SOURCE /* memmem */
#include "core/litscan.h"

#include <string.h>

/* ERE characters with a meaning of their own. */
static bool
litscan_special(char c)
{
	return c != '\0' && strchr(".[]()*+?{}|^$\\", c) != NULL;
}

/* The candidate run ends: keep it when it is the longest so far. */
static void
litscan_keep(struct litscan *ls, const char *run, size_t n)
{
	if (n > LITSCAN_MAX)
		n = LITSCAN_MAX;
	if (n > ls->n) {
		memcpy(ls->lit, run, n);
		ls->n = n;
	}
}

void
litscan_init(struct litscan *ls, const char *pattern, bool icase)
{
	char run[LITSCAN_MAX];
	size_t rn = 0, i;
	const char *p = pattern;
	int depth = 0;
	char c;

	memset(ls, 0, sizeof *ls);
	ls->icase = icase;
	while ((c = *p) != '\0') {
		if (c == '|' && depth == 0) {
			ls->n = 0; /* an alternative may do without any of it */
			return;
		}
		if (c == '(' || c == ')') {
			depth += c == '(' ? 1 : -1;
			litscan_keep(ls, run, rn);
			rn = 0;
			p++;
			/* A group followed by a repetition: nothing after it
			 * joins a run across it either, handled by rn = 0. */
			continue;
		}
		if (c == '[') {
			/* Skip a bracket expression: ']' first is literal. */
			litscan_keep(ls, run, rn);
			rn = 0;
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' ||
				                     p[1] == '=')) {
					const char *e = strchr(p + 2, ']');
					p = e != NULL ? e + 1 : p + 1;
				} else
					p++;
			}
			if (*p == ']')
				p++;
			continue;
		}
		if (c == '{') {
			/* An interval: its digits are no literal. */
			const char *e = strchr(p, '}');

			litscan_keep(ls, run, rn);
			rn = 0;
			p = e != NULL ? e + 1 : p + 1;
			continue;
		}
		if (depth > 0) {
			p += c == '\\' && p[1] != '\0' ? 2 : 1;
			continue;
		}
		if (c == '\\') {
			/* An escaped special is that character; other escapes
			 * (\w, \b, back references) end the run. */
			if (!litscan_special(p[1])) {
				litscan_keep(ls, run, rn);
				rn = 0;
				p += p[1] != '\0' ? 2 : 1;
				continue;
			}
			c = p[1];
			p += 2;
		} else if (litscan_special(c)) {
			litscan_keep(ls, run, rn);
			rn = 0;
			p++;
			continue;
		} else
			p++;
		/* c is a literal; what follows decides whether it is
		 * required. */
		if (*p == '*' || *p == '?' || *p == '{') {
			litscan_keep(ls, run, rn);
			rn = 0;
			continue;
		}
		if (rn < sizeof run)
			run[rn++] = c;
		if (*p == '+') {
			litscan_keep(ls, run, rn);
			rn = 0;
		}
	}
	litscan_keep(ls, run, rn);
	if (ls->n < 2) {
		ls->n = 0;
		return;
	}
	if (icase) {
		for (i = 0; i < ls->n; i++) {
			unsigned char u = (unsigned char)ls->lit[i];

			if (u >= 0x80) {
				ls->n = 0;
				return;
			}
			if (u >= 'A' && u <= 'Z')
				ls->lit[i] = (char)(u - 'A' + 'a');
		}
	}
}

/* ASCII lower case. */
static unsigned char
litscan_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

bool
litscan_may_match(const struct litscan *ls, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	const unsigned char *l = (const unsigned char *)ls->lit;
	size_t i, j;

	if (ls->n == 0)
		return true;
	if (p == NULL)
		return true;
	if (n < ls->n)
		return false;
	if (!ls->icase)
		return memmem(p, n, ls->lit, ls->n) != NULL;
	for (i = 0; i < n; i++) {
		if (s[i] >= 0x80)
			return true;
	}
	for (i = 0; i + ls->n <= n; i++) {
		if (litscan_lower(s[i]) != l[0])
			continue;
		for (j = 1; j < ls->n && litscan_lower(s[i + j]) == l[j]; j++)
			;
		if (j == ls->n)
			return true;
	}
	return false;
}
