/* recost.c - what a POSIX extended regex costs glibc's regcomp, read
 * from its text before it gets there (recost.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/litscan.h"
#include "core/recost.h"

/* Costs saturate here, far above any budget, so they never overflow. */
#define COST_SAT ((size_t)1 << 40)

/* Add a and b, saturating at COST_SAT. */
static size_t
cost_add(size_t a, size_t b)
{
	return a + b > COST_SAT ? COST_SAT : a + b;
}

/* Multiply a by b, saturating at COST_SAT. */
static size_t
cost_mul(size_t a, size_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a > COST_SAT / b ? COST_SAT : a * b;
}

/* How many copies of a piece the repetition at *s makes glibc's regcomp
 * build ('+' is the piece and then its star: two; {m,n} up to n), with
 * *s moved past it; 1 for '*' and '?', which copy nothing. */
static size_t
recost_copies(const char **s)
{
	const char *c = *s;
	unsigned long m = 0, n;
	char *end;

	if (*c == '+') {
		*s = c + 1;
		return 2;
	}
	if (*c != '{') {
		*s = c + 1;
		return 1;
	}
	m = strtoul(c + 1, &end, 10);
	n = m;
	if (*end == ',')
		n = end[1] == '}' ? m + 1 : strtoul(end + 1, &end, 10);
	*s = strchr(c, '}') != NULL ? strchr(c, '}') + 1 : c + strlen(c);
	if (n < m)
		n = m;
	return n > COST_SAT ? COST_SAT : (n > 0 ? n : 1);
}

/* True when a repetition follows a repetition ("a**", "a+*", "a*{2}",
 * "a*?"; ERE has no lazy ones): POSIX leaves it undefined, and glibc's
 * regcomp took minutes over "r$x**y***+**********+++++" (an anchor and
 * stacked repetitions). A group in between is fine: "(a*)*". */
static bool
recost_stacked(const char *s)
{
	bool rep = false;

	while (*s != '\0') {
		if (*s == '*' || *s == '+' || *s == '?' || *s == '{') {
			if (rep)
				return true;
			if (*s == '{' && strchr(s, '}') != NULL)
				s = strchr(s, '}');
			rep = true;
			s++;
			continue;
		}
		rep = false;
		if (*s == '[')
			s = litscan_bracket_end(s);
		else if (*s == '\\' && s[1] != '\0')
			s += 2;
		else
			s++;
	}
	return false;
}

/* True when s holds a back-reference (\1 to \9 outside a bracket):
 * glibc's regexec backtracks over them, "((a*)*)\2\1\2\1b" took 2.5 s on
 * a line of 80 'a's, and one call cannot be cut into slices of the loop. */
static bool
recost_backref(const char *s)
{
	while (*s != '\0') {
		if (*s == '[')
			s = litscan_bracket_end(s);
		else if (*s == '\\' && s[1] >= '1' && s[1] <= '9')
			return true;
		else if (*s == '\\' && s[1] != '\0')
			s += 2;
		else
			s++;
	}
	return false;
}

/* The nodes glibc's regcomp builds for an extended regex, roughly: every
 * atom counts one, times the copies each repetition around it makes. Its
 * parser copies a piece per repetition, so stacked or nested ones multiply
 * ("a++++" doubles per '+'): 30 of them took 1.5 GB. */
static size_t
recost_cost(const char *s, bool *deep)
{
	/* Per open group: its cost so far and that of its last piece. */
	size_t sum[RECOST_DEPTH_MAX + 1] = {0};
	size_t last[RECOST_DEPTH_MAX + 1] = {0};
	size_t depth = 0, g, k;

	while (*s != '\0') {
		switch (*s) {
		case '(':
			if (depth == RECOST_DEPTH_MAX) {
				*deep = true;
				return COST_SAT;
			}
			depth++;
			sum[depth] = last[depth] = 0;
			s++;
			continue;
		case ')':
			if (depth == 0) {
				/* Unmatched: regcomp refuses it; count an
				 * atom. */
				s++;
				break;
			}
			g = sum[depth--];
			sum[depth] = cost_add(sum[depth], g);
			last[depth] = g;
			s++;
			continue;
		case '|':
			last[depth] = 0;
			s++;
			continue;
		case '*':
		case '+':
		case '?':
		case '{':
			/* Each repetition also wraps the piece in a node of
			 * its own: "a" and 70 '*' stack 70 closures, which
			 * a '+' after them then copies. */
			k = recost_copies(&s);
			sum[depth] = cost_add(sum[depth],
			    cost_add(cost_mul(last[depth], k - 1), 1));
			last[depth] = cost_add(cost_mul(last[depth], k), 1);
			continue;
		case '[':
			s = litscan_bracket_end(s);
			break;
		case '\\':
			s++;
			if (*s != '\0')
				s++;
			break;
		default:
			s++;
			break;
		}
		/* An atom. */
		sum[depth] = cost_add(sum[depth], 1);
		last[depth] = 1;
	}
	while (depth > 0) {
		g = sum[depth--];
		sum[depth] = cost_add(sum[depth], g);
	}
	return sum[0];
}

int
recost_check(const char *text, char *err, size_t errlen)
{
	size_t budget = strlen(text) > RECOST_MAX ? strlen(text) : RECOST_MAX;
	bool deep = false;

	if (recost_backref(text)) {
		snprintf(err, errlen,
		    "back-references (\\1 to \\9) are not taken: one can "
		    "take minutes on a long line");
		return -1;
	}
	if (recost_stacked(text)) {
		snprintf(err, errlen,
		    "a repetition cannot follow another (put the first in a "
		    "group)");
		return -1;
	}
	if (recost_cost(text, &deep) > budget) {
		if (deep)
			snprintf(err, errlen, "groups nested more than %d deep",
			    RECOST_DEPTH_MAX);
		else
			snprintf(err, errlen,
			    "pattern repeats too much (more than %zu copies)",
			    budget);
		return -1;
	}
	return 0;
}
