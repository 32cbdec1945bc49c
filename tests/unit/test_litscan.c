/* test_litscan.c - the required literal of a regex: which literal a
 * pattern yields, and that a line the regex matches is never rejected. */
#include <check.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/litscan.h"

START_TEST(patterns_yield_their_longest_required_run)
{
	static const struct {
		const char *re, *lit;
	} rows[] = {
	    {"rejected: amount must not", "rejected: amount must not"},
	    {"timeout after [0-9]+s on shard", "timeout after "},
	    {"[0-9]+s on shard", "s on shard"},
	    {"ab(cd)*efgh", "efgh"},
	    {"a(b|c)dd", "dd"},
	    {"foo|barbaz", ""},  /* alternation: nothing is required */
	    {"colou?r", "colo"}, /* u is optional */
	    {"x*yz", "yz"},
	    {"dis+k full", "k full"},
	    {"^ERROR: (disk|net)", "ERROR: "},
	    {"a\\.b\\.c", "a.b.c"},
	    {"\\bword\\b", "word"},
	    {"[abc]def[g-i]", "def"},
	    {"[]x]yz", "yz"},
	    /* "[." is closed by ".]" alone: the bracket holds ']', 'a', 'b' */
	    {"x[[.].]ab]yz", "yz"},
	    {"[[:alpha:]]xyz", "xyz"},
	    {"[[=e=]f]gh", "gh"},
	    {"[[.ab", ""}, /* never closed: regcomp refuses it */
	    {"q{2}uu", "uu"},
	    {"a", ""}, /* too short to be worth it */
	    {"ab)cd|", ""}, /* an unmatched ')' is a character: still top level */
	    {"ab)cdef", "cdef"},
	};
	struct litscan ls;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		litscan_init(&ls, rows[i].re, false);
		ck_assert_msg(ls.n == strlen(rows[i].lit) &&
		                  memcmp(ls.lit, rows[i].lit, ls.n) == 0,
		    "%s gave '%.*s', want '%s'", rows[i].re, (int)ls.n, ls.lit,
		    rows[i].lit);
	}
}
END_TEST

START_TEST(ignoring_case_lowers_the_literal_and_spares_unicode)
{
	struct litscan ls;

	litscan_init(&ls, "Disk Full", true);
	ck_assert_int_eq(ls.n, 9);
	ck_assert(memcmp(ls.lit, "disk full", 9) == 0);
	ck_assert(litscan_may_match(&ls, "the DISK FULL now", 17));
	ck_assert(!litscan_may_match(&ls, "the disk is fine", 16));
	/* Text with a non-ASCII byte is left to the regex engine. */
	ck_assert(litscan_may_match(&ls, "dis\xe2\x84\xaa full", 11));
	litscan_init(&ls, "caf\xc3\xa9 au lait", true);
	ck_assert_int_eq(ls.n, 0);
	ck_assert(!litscan_may_match(&(struct litscan){.n = 3, .lit = "abc"},
	    "ab", 2));
}
END_TEST

/* Which literals are whole: a plain ASCII pattern, nothing else. */
START_TEST(only_a_plain_ascii_pattern_is_whole)
{
	static const struct {
		const char *re;
		bool whole;
	} rows[] = {
	    {"status=503", true}, {"disk full", true},
	    {"status=5[0-9][0-9]", false},
	    {"a\\.b", false}, /* an escape: left to the regex */
	    {"colou?r", false}, {"^start", false}, {"end$", false},
	    {"caf\xc3\xa9", false}, /* non-ASCII */
	    {"a", false},           /* too short for a literal at all */
	};
	struct litscan ls;
	size_t i;
	char lit[LITSCAN_MAX + 2];

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		litscan_init(&ls, rows[i].re, false);
		ck_assert_msg(ls.whole == rows[i].whole, "%s", rows[i].re);
	}
	/* Longer than LITSCAN_MAX: a prefix is kept, so it is not whole. */
	memset(lit, 'x', sizeof lit - 1);
	lit[sizeof lit - 1] = '\0';
	litscan_init(&ls, lit, false);
	ck_assert_int_eq(ls.n, LITSCAN_MAX);
	ck_assert(!ls.whole);
}
END_TEST

/* The verdict litscan_test must give, found the slow way. */
static enum litscan_verdict
ref_verdict(const struct litscan *ls, const char *p, size_t n)
{
	bool found = false, high = false;
	size_t i, j;

	if (ls->n == 0)
		return LITSCAN_MAYBE;
	if (n < ls->n) /* no case folding makes ASCII text shorter */
		return LITSCAN_NO;
	for (i = 0; i < n; i++)
		high |= (unsigned char)p[i] >= 0x80;
	for (i = 0; !found && i + ls->n <= n; i++) {
		for (j = 0; j < ls->n; j++) {
			unsigned char c = (unsigned char)p[i + j];

			if (ls->icase && c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c != (unsigned char)ls->lit[j])
				break;
		}
		found = j == ls->n;
	}
	if (found)
		return ls->whole ? LITSCAN_YES : LITSCAN_MAYBE;
	return ls->icase && high ? LITSCAN_MAYBE : LITSCAN_NO;
}

/* Check litscan_test on n bytes of 'z' holding the literal at offset at
 * (the first letter upper-cased with icase) and a non-ASCII byte at hi
 * (none when hi >= n). */
static void
sweep_one(const struct litscan *ls, size_t n, size_t at, size_t hi)
{
	char text[128];

	memset(text, 'z', n);
	if (at + ls->n <= n)
		memcpy(text + at, ls->lit, ls->n);
	if (ls->icase && at < n)
		text[at] = (char)(text[at] & ~0x20);
	if (hi < n)
		text[hi] = (char)0xc3;
	ck_assert_msg(litscan_test(ls, text, n) == ref_verdict(ls, text, n),
	    "lit %zu n %zu at %zu hi %zu icase %d whole %d", ls->n, n, at, hi,
	    ls->icase, ls->whole);
}

/* The 16-byte steps have edges: literals of lengths around them from 2
 * to LITSCAN_MAX, at every offset of texts of every length to 100 bytes,
 * with no non-ASCII byte or one at either end, on the literal or just
 * after it, in both cases, give the verdict of a byte-at-a-time scan; so
 * does a text without the literal and one non-ASCII byte anywhere. */
START_TEST(the_scan_agrees_with_a_byte_at_a_time_one_at_every_offset)
{
	static const size_t lens[] = {2, 3, 5, 15, 16, 17, 31, 33, LITSCAN_MAX};
	char pat[LITSCAN_MAX + 1];
	struct litscan ls;
	size_t l, m, n, at, i;
	int v;

	for (l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		m = lens[l];
		for (v = 0; v < 4; v++) {
			/* v & 1: icase; v & 2: "abc+", whose literal "ab"
			 * is not the whole pattern. */
			for (i = 0; i < m; i++)
				pat[i] = (char)('a' + i % 7);
			pat[m] = '\0';
			if (v & 2)
				pat[m - 1] = '+';
			litscan_init(&ls, pat, v & 1);
			ck_assert(ls.whole == !(v & 2));
			for (n = 0; n <= 100; n++) {
				for (at = 0; at <= n; at++) {
					sweep_one(&ls, n, at, n);
					sweep_one(&ls, n, at, 0);
					sweep_one(&ls, n, at, n - 1);
					sweep_one(&ls, n, at, at);
					sweep_one(&ls, n, at, at + ls.n);
					/* No literal, a high byte here. */
					sweep_one(&ls, n, n, at);
				}
			}
		}
	}
}
END_TEST

/* The property that matters: every line the regex matches passes the
 * literal check, over patterns and lines of many shapes. */
START_TEST(a_line_the_regex_matches_is_never_rejected)
{
	static const char *pats[] = {"ab+c", "a(bc)*d", "x?yz", "err(or)? [0-9]+",
	    "^start", "end$", "a.c", "[xy]+zz", "q(u|v)ick", "slow query on",
	    "(a|b)cd", "ab{1,3}c", "a\\+b", "RETRY|fail", "Fail", "xy)zz|",
	    "q)uick"};
	static const char alpha[] = "abcdxyzqu+ 09ERORSTslwFi";
	char line[16];
	struct litscan ls;
	regex_t re;
	size_t p, k, i;
	unsigned seed = 7;
	int icase;

	for (p = 0; p < sizeof pats / sizeof pats[0]; p++) {
		for (icase = 0; icase < 2; icase++) {
			ck_assert_int_eq(regcomp(&re, pats[p],
			                     REG_EXTENDED | REG_NOSUB |
			                         (icase ? REG_ICASE : 0)),
			    0);
			litscan_init(&ls, pats[p], icase);
			for (k = 0; k < 20000; k++) {
				size_t n = 1 + (seed = seed * 1103515245 + 12345) % 12;

				for (i = 0; i < n; i++) {
					seed = seed * 1103515245 + 12345;
					line[i] = alpha[(seed >> 8) % (sizeof alpha - 1)];
				}
				line[n] = '\0';
				if (regexec(&re, line, 0, NULL, 0) == 0)
					ck_assert_msg(litscan_may_match(&ls, line, n),
					    "%s rejected '%s'", pats[p], line);
			}
			regfree(&re);
		}
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("litscan");
	TCase *tc = tcase_create("litscan");
	SRunner *sr;
	int failed;

	/* The sweep and the property take a second under ASan on a loaded
	 * machine: far from 4 s, but CI is slower. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, patterns_yield_their_longest_required_run);
	tcase_add_test(tc, ignoring_case_lowers_the_literal_and_spares_unicode);
	tcase_add_test(tc, a_line_the_regex_matches_is_never_rejected);
	tcase_add_test(tc, only_a_plain_ascii_pattern_is_whole);
	tcase_add_test(
	    tc, the_scan_agrees_with_a_byte_at_a_time_one_at_every_offset);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
