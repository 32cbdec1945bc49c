/* recost.h - whether glibc's regcomp can compile a POSIX extended regex
 * in bounded memory and time. Its parser copies a piece per repetition,
 * so stacked or nested repetitions multiply ("a" and 30 '+' took 1.5 GB;
 * "r$x**y***+**********+++++" minutes), and it recurses per group. Every
 * regex logdeck compiles from what a person typed (a filter or search in
 * the view, a rule in the configuration, --grep) is checked here first.
 * Core layer: no I/O. */
#ifndef LOGDECK_RECOST_H
#define LOGDECK_RECOST_H

#include <stddef.h>

/* Most pieces a pattern may stand for once its repetitions are counted
 * out, each repetition a node too ("a{1,100}" is 101, "(ab)+" 5), or its
 * length in bytes when that is more (a long literal is one piece a byte,
 * and costs regcomp nothing special): the memory of regcomp grows with
 * the square of the copies; "(a|b){1,2000}" takes 130 MB, this bound
 * ~35 MB. */
#define RECOST_MAX 1000
/* Deepest nesting of groups: regcomp recurses once per group. */
#define RECOST_DEPTH_MAX 100

/* 0 when text may go to regcomp (REG_EXTENDED); -1 when it may not, with
 * the reason in err (errlen bytes, NUL-ended): a back-reference (regexec
 * backtracks over them: seconds to minutes a line), a repetition that
 * follows another (POSIX leaves it undefined; a group in between is
 * fine: "(a*)*"), more pieces than RECOST_MAX (or than its length), or groups
 * deeper than RECOST_DEPTH_MAX. Brackets are read as regcomp reads them
 * (litscan_bracket_end). */
int recost_check(const char *text, char *err, size_t errlen);

#endif
