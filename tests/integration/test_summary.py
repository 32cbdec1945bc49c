"""test_summary - tests/summary.sh, the closing lines of every test run.

CI shows the end of what ./quickstart test printed. The summary must count
every failure on its closing line and name why each failing program
failed just above it, also when the program is a step that ran a whole
suite of its own (the sanitized pass) and printed a summary itself.
"""
import os
import subprocess
import tempfile

import ldtest
from ldtest import SRCDIR, TestFailure, check, eq

SUMMARY = os.path.join(SRCDIR, "tests", "summary.sh")


def write(d, name, result, log):
    path = os.path.join(d, "tests", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".trs", "w") as f:
        f.write(":test-result: %s\n" % result)
    with open(path + ".log", "w") as f:
        f.write(log)


def summary(d):
    out = subprocess.run(["sh", SUMMARY, "0", d], capture_output=True,
                         text=True, timeout=30)
    return out.returncode, out.stdout


SCREEN = "".join("| a screen line %d |\n" % i for i in range(80))
LDTEST_LOG = ("ok   test_a (0.10s)\nFAIL test_b\nTraceback (most recent "
              "call last):\n  File \"t.py\", line 3\n"
              "ldtest.TestFailure: timed out waiting for the runs\n" +
              SCREEN + "1 passed, 1 failed\n")
CHECK_LOG = ("tests/unit/test_x.c:12:F:core:test_c:0: Assertion 'n == 2' "
             "failed\n50%: Checks: 2, Failures: 1, Errors: 0\n")


def test_each_failure_is_named_above_the_closing_line():
    with tempfile.TemporaryDirectory() as d:
        write(d, "integration/test_one", "FAIL", LDTEST_LOG)
        write(d, "unit/test_two", "FAIL", CHECK_LOG)
        write(d, "unit/test_ok", "PASS", "100%: Checks: 5, Failures: 0, "
              "Errors: 0\n")
        rc, out = summary(d)
        eq(rc, 1, "exit status with failures")
        lines = out.splitlines()
        eq(lines[-1], "7 passed, 2 failed", "the closing line")
        tail = "\n".join(lines[-7:])
        for want in ("---- what failed ----", "tests/integration/test_one",
                     "  FAIL test_b", "TestFailure: timed out waiting",
                     "tests/unit/test_two", ":F:core:test_c:"):
            check(want in tail, "%r above the closing line:\n%s"
                  % (want, tail))


def test_a_nested_suites_failures_come_through_once():
    with tempfile.TemporaryDirectory() as inner, \
            tempfile.TemporaryDirectory() as outer:
        write(inner, "integration/test_one", "FAIL", LDTEST_LOG)
        write(inner, "unit/test_ok", "PASS", "1 passed, 0 failed\n")
        _, nested = summary(inner)
        # The step's log: its build lines, then the nested summary.
        write(outer, "steps/sanitized", "FAIL", "building\n" + nested)
        rc, out = summary(outer)
        eq(rc, 1, "exit status")
        lines = out.splitlines()
        eq(lines[-1], "2 passed, 1 failed", "the nested count")
        # The last block is the outer one (the step's log, quoted above
        # it, holds the nested one).
        start = len(lines) - 1 - lines[::-1].index("---- what failed ----")
        block = lines[start:]
        eq(block[1:-1], ["tests/steps/sanitized",
                         "  tests/integration/test_one",
                         "    FAIL test_b",
                         "    ldtest.TestFailure: timed out waiting for "
                         "the runs"], "the block")


def test_all_passing_prints_no_block():
    with tempfile.TemporaryDirectory() as d:
        write(d, "unit/test_ok", "PASS", "3 passed, 0 failed\n")
        rc, out = summary(d)
        eq(rc, 0, "exit status")
        check("what failed" not in out, out)
        eq(out.splitlines()[-1], "3 passed, 0 failed", "the closing line")


if __name__ == "__main__":
    ldtest.main(globals())
