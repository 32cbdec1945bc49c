/* litscan.c - the required literal of a regex (see litscan.h). */
#define _GNU_SOURCE /* memmem */
#include "core/litscan.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

const char *
litscan_bracket_end(const char *s)
{
	const char *e;
	char delim;

	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s != '\0' && *s != ']') {
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			delim = s[1];
			for (e = s + 2; *e != '\0'; e++)
				if (e[0] == delim && e[1] == ']')
					break;
			if (*e == '\0')
				return e;
			s = e + 2;
			continue;
		}
		s++;
	}
	return *s == ']' ? s + 1 : s;
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
			/* glibc takes an unmatched ')' for itself: depth stays
			 * 0, or a '|' after it would not count as top-level
			 * ("ab)cd|" matches every line; fuzz_filter). */
			if (c == '(')
				depth++;
			else if (depth > 0)
				depth--;
			litscan_keep(ls, run, rn);
			rn = 0;
			p++;
			/* A group followed by a repetition: nothing after it
			 * joins a run across it either, handled by rn = 0. */
			continue;
		}
		if (c == '[') {
			litscan_keep(ls, run, rn);
			rn = 0;
			p = litscan_bracket_end(p);
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
	/* A whole literal: every byte an ordinary ASCII one, all kept. */
	ls->whole = strlen(pattern) == ls->n;
	for (i = 0; ls->whole && pattern[i] != '\0'; i++) {
		if ((unsigned char)pattern[i] >= 0x80 ||
		    litscan_special(pattern[i]))
			ls->whole = false;
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

/* True when the literal starts at s (ls->n bytes readable there). */
static bool
litscan_at(const struct litscan *ls, const unsigned char *s)
{
	const unsigned char *l = (const unsigned char *)ls->lit;
	size_t j;

	if (!ls->icase)
		return memcmp(s, l, ls->n) == 0;
	for (j = 0; j < ls->n; j++) {
		if (litscan_lower(s[j]) != l[j])
			return false;
	}
	return true;
}

/* What litscan_scan found. */
#define LITSCAN_NONE 0 /* neither the literal nor (icase) a non-ASCII byte */
#define LITSCAN_HIGH 1 /* icase: a non-ASCII byte, and no literal seen */
#define LITSCAN_LIT 2  /* the literal */

/* Look for the literal in the n >= ls->n bytes at s and, with icase, for
 * a non-ASCII byte. Once such a byte is seen the answer is the regex
 * engine's, unless the pattern is whole: then the literal found still
 * decides, so the scan goes on. */
static int
litscan_scan(const struct litscan *ls, const unsigned char *s, size_t n)
{
	const unsigned char *l = (const unsigned char *)ls->lit;
	size_t m = ls->n, i;
	bool icase = ls->icase, high = false;

#if defined(__SSE2__)
	if (n >= m - 1 + 16) {
		/* Candidates are where the first and the last byte of the
		 * literal both fit (a letter's two cases folded by setting
		 * bit 0x20), each then checked in full; 16 starts a step,
		 * the last step moved back to end with the text. */
		unsigned char f = l[0], e = l[m - 1];
		const __m128i vf = _mm_set1_epi8((char)f);
		const __m128i ve = _mm_set1_epi8((char)e);
		const __m128i ff =
		    _mm_set1_epi8(icase && f >= 'a' && f <= 'z' ? 0x20 : 0);
		const __m128i ef =
		    _mm_set1_epi8(icase && e >= 'a' && e <= 'z' ? 0x20 : 0);
		size_t last = n - (m - 1) - 16, skip, j;
		__m128i a, b;
		unsigned mask;

		for (i = 0;; i += 16) {
			skip = 0;
			if (i > last) {
				skip = i - last; /* starts already tried */
				i = last;
			}
			a = _mm_loadu_si128((const __m128i *)(s + i));
			b = _mm_loadu_si128((const __m128i *)(s + i + m - 1));
			if (icase && _mm_movemask_epi8(a) != 0) {
				if (!ls->whole)
					return LITSCAN_HIGH;
				high = true;
			}
			mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			           _mm_cmpeq_epi8(_mm_or_si128(a, ff), vf),
			           _mm_cmpeq_epi8(_mm_or_si128(b, ef), ve))) &
			       (0xffffu << skip);
			while (mask != 0) {
				j = (size_t)__builtin_ctz(mask);
				mask &= mask - 1;
				if (litscan_at(ls, s + i + j))
					return LITSCAN_LIT;
			}
			if (i == last)
				break;
		}
		/* The loads of a covered bytes 0 .. last + 15: the m - 1
		 * after them are looked at for high bytes 16 at a time, the
		 * last load ending with the text. */
		for (i = last + 16; icase && !high && i < n; i += 16) {
			j = i + 16 <= n ? i : n - 16;
			high = _mm_movemask_epi8(_mm_loadu_si128(
			           (const __m128i *)(s + j))) != 0;
		}
		return high ? LITSCAN_HIGH : LITSCAN_NONE;
	}
#endif
	/* Short text (any text without SSE2): a byte at a time. */
	for (i = 0; icase && i < n; i++) {
		if (s[i] >= 0x80) {
			if (!ls->whole)
				return LITSCAN_HIGH;
			high = true;
			break;
		}
	}
	for (i = 0; i + m <= n; i++) {
		if ((icase ? litscan_lower(s[i]) : s[i]) == l[0] &&
		    litscan_at(ls, s + i))
			return LITSCAN_LIT;
	}
	return high ? LITSCAN_HIGH : LITSCAN_NONE;
}

enum litscan_verdict
litscan_test(const struct litscan *ls, const char *p, size_t n)
{
	if (ls->n == 0 || p == NULL)
		return LITSCAN_MAYBE;
	/* A non-ASCII character is longer than the ASCII letter it may fold
	 * to: text shorter than the literal cannot hold it in any case. */
	if (n < ls->n)
		return LITSCAN_NO;
	switch (litscan_scan(ls, (const unsigned char *)p, n)) {
	case LITSCAN_NONE:
		return LITSCAN_NO;
	case LITSCAN_LIT:
		return ls->whole ? LITSCAN_YES : LITSCAN_MAYBE;
	default:
		return LITSCAN_MAYBE;
	}
}

bool
litscan_may_match(const struct litscan *ls, const char *p, size_t n)
{
	return litscan_test(ls, p, n) != LITSCAN_NO;
}
