/* litscan.c - the required literal of a regex (see litscan.h). */
#define _GNU_SOURCE /* memmem */
#include "core/litscan.h"

#include <stdint.h>
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

/* SWAR: a byte of each lane of a 64-bit word. */
#define LITSCAN_ONES 0x0101010101010101ULL
#define LITSCAN_HIGH 0x8080808080808080ULL

/* The 8 bytes at s as a word (any order: only whole-word tests use it). */
static inline uint64_t
litscan_word(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof w);
	return w;
}

/* True when the n bytes at s hold a byte past ASCII (8 at a time). */
static bool
litscan_non_ascii(const unsigned char *s, size_t n)
{
	uint64_t any = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		any |= litscan_word(s + i);
	if (any & LITSCAN_HIGH)
		return true;
	for (; i < n; i++) {
		if (s[i] >= 0x80)
			return true;
	}
	return false;
}

/* True when the icase literal (lower case, n >= 2) starts at s + i. */
static inline bool
litscan_at(const struct litscan *ls, const unsigned char *s, size_t i)
{
	const unsigned char *l = (const unsigned char *)ls->lit;
	size_t j;

	for (j = 0; j < ls->n && litscan_lower(s[i + j]) == l[j]; j++)
		;
	return j == ls->n;
}

/* High bit set in each byte of t that is zero, and in no other (no
 * carry crosses a byte, so it holds in either byte order). */
static inline uint64_t
litscan_zeros(uint64_t t)
{
	return ~(((t & ~LITSCAN_HIGH) + ~LITSCAN_HIGH) | t | ~LITSCAN_HIGH);
}

/* The icase search, 8 places at a time: a place can start the literal
 * only when its byte and the next, or-ed with 0x20, equal the literal's
 * first two so or-ed (both cases of a letter, and a few bytes the check
 * at the place then rules out); words without such a place are passed
 * over whole. */
static bool
litscan_icase(const struct litscan *ls, const unsigned char *s, size_t n)
{
	unsigned char c0 = (unsigned char)ls->lit[0];
	uint64_t fold = LITSCAN_ONES * 0x20;
	uint64_t want0 = LITSCAN_ONES * (uint64_t)(c0 | 0x20);
	uint64_t want1 =
	    LITSCAN_ONES * (uint64_t)((unsigned char)ls->lit[1] | 0x20);
	size_t last = n - ls->n, i = 0, k;

	/* Places i..i+7, reading bytes i..i+8: within n as the literal
	 * has 2 bytes or more. */
	for (; i + 8 <= last + 1; i += 8) {
		if ((litscan_zeros((litscan_word(s + i) | fold) ^ want0) &
		        litscan_zeros(
		            (litscan_word(s + i + 1) | fold) ^ want1)) == 0)
			continue;
		for (k = i; k < i + 8; k++) {
			if (litscan_lower(s[k]) == c0 && litscan_at(ls, s, k))
				return true;
		}
	}
	for (; i <= last; i++) {
		if (litscan_lower(s[i]) == c0 && litscan_at(ls, s, i))
			return true;
	}
	return false;
}

bool
litscan_may_match(const struct litscan *ls, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	if (ls->n == 0)
		return true;
	if (p == NULL)
		return true;
	if (n < ls->n)
		return false;
	if (!ls->icase)
		return memmem(p, n, ls->lit, ls->n) != NULL;
	if (litscan_non_ascii(s, n))
		return true;
	return litscan_icase(ls, s, n);
}
