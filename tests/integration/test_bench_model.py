#!/usr/bin/env python3
"""test_bench_model.py - bench/bench_scrollback at a small size: every
count the viewer's model gives (lines a filter keeps, a search's matches)
equals its baseline's over the same lines. The benchmark's figures are
only worth reading when the model did the work the baseline did: its
"&status=5[0-9][0-9]" row once timed a filter that kept no line (a test
of a member "status" the plain-text events lack) against a regexec loop
that found 10,310, and reported that as a target met."""
import os
import re
import subprocess

import ldtest
from ldtest import LOGDECK, WAIT_S, check

# Lines the benchmark holds here: enough for matches of every pattern
# (a status=503 line every 97, a latency=99x ms every 100) in seconds.
LINES = 20000
BENCH = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(LOGDECK))), "bench", "bench_scrollback")


def test_counts_equal_their_baselines():
    out = subprocess.run([BENCH, str(LINES), "--no-merged"],
                         capture_output=True, text=True,
                         timeout=WAIT_S * 10)
    check(out.returncode == 0,
          "exit %d:\n%s%s" % (out.returncode, out.stdout, out.stderr))
    check("MISMATCH" not in out.stdout, out.stdout)
    pairs = re.findall(r"\((kept|matches) (\d+), (regexec|strstr) (\d+)\)",
                       out.stdout)
    check(len(pairs) == 3, "three counted rows:\n" + out.stdout)
    for what, got, base, want in pairs:
        check(int(got) == int(want) and int(want) > 0,
              "%s %s, %s %s:\n%s" % (what, got, base, want, out.stdout))


if __name__ == "__main__":
    ldtest.main(globals())
