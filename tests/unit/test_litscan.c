/* test_litscan.c - the required literal of a regex: which literal a
 * pattern yields, and that a line the regex matches is never rejected. */
#include <check.h>
#include <regex.h>
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
	    {"q{2}uu", "uu"},
	    {"a", ""}, /* too short to be worth it */
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

/* The property that matters: every line the regex matches passes the
 * literal check, over patterns and lines of many shapes. */
START_TEST(a_line_the_regex_matches_is_never_rejected)
{
	static const char *pats[] = {"ab+c", "a(bc)*d", "x?yz", "err(or)? [0-9]+",
	    "^start", "end$", "a.c", "[xy]+zz", "q(u|v)ick", "slow query on",
	    "(a|b)cd", "ab{1,3}c", "a\\+b", "RETRY|fail", "Fail"};
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

	tcase_add_test(tc, patterns_yield_their_longest_required_run);
	tcase_add_test(tc, ignoring_case_lowers_the_literal_and_spares_unicode);
	tcase_add_test(tc, a_line_the_regex_matches_is_never_rejected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
