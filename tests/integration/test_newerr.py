"""New versus seen errors in follow mode (--new-errors) against the real
server: only the WARN-and-above lines whose pattern did not occur in the
automation's last successful run are printed (every such line, not only
the first), with the run boundaries; no successful run means every such
line is new (said once); run after run the baseline moves to the run that
completed last; several sources at once; text, JSON and CSV; the baseline
read stops at NEWERR_BASELINE_MAX lines, said once."""
import csv
import io
import json
import threading
import time

import ldtest
from ldtest import Server, check, eq, ev, logdeck, spawn, wait_for, WAIT_S

# src/newerr.h
NEWERR_BASELINE_MAX = 100000
NEWERR_PATTERNS_MAX = 16384

RUN1 = [ev(1, "starting", level="INFO"),
        ev(2, "timeout after 30s on shard 4", level="ERROR"),
        ev(3, "disk 91% full", level="WARN"),
        ev(4, "loaded 512 rows", level="INFO"),
        ev(5, "checksum mismatch in part 3", level="INFO")]  # INFO: not seen
RUN2 = [ev(6, "starting", level="INFO"),
        ev(7, "timeout after 12s on shard 9", level="ERROR"),     # seen
        ev(8, "checksum mismatch in part 17", level="ERROR"),     # new
        ev(9, "disk 95% full", level="WARN"),                     # seen
        ev(10, "replica 'db-2' lagging", level="WARN"),           # new
        ev(11, "loaded 7 rows", level="INFO"),                    # INFO
        ev(12, "checksum mismatch in part 18", level="ERROR"),    # new again
        ev(13, "shard 9 gave up", level="FATAL")]                 # new
NEW2 = ["checksum mismatch in part 17", "replica 'db-2' lagging",
        "checksum mismatch in part 18", "shard 9 gave up"]


def two_runs(s, source="job", second_ends="failed"):
    """Run 1 completed with exit code 0, then run 2 (ended as said, or
    still running with second_ends None)."""
    s.status(source, "running")
    s.ingest(source, RUN1)
    s.status(source, "completed", exitCode=0)
    s.status(source, "running")
    s.ingest(source, RUN2)
    if second_ends:
        s.status(source, second_ends, exitCode=1)


def messages(out):
    """The messages of text output lines ("[time] LEVEL: message")."""
    return [l.split(": ", 1)[1] for l in out.decode().splitlines()]


def test_the_second_runs_new_patterns_are_flagged_exactly():
    with Server() as s:
        two_runs(s)
        r = logdeck("--server", s.url, "-f", "--new-errors", "job")
        eq(r.returncode, 1, "exit status (run 2 failed); %r" % r.stderr)
        eq(messages(r.stdout), NEW2, "new lines")
        err = r.stderr.decode()
        check("Run 2 started" in err and "Run 2 failed" in err, err)
        check("no successful run" not in err, err)


def test_json_and_csv_carry_the_same_lines():
    with Server() as s:
        two_runs(s)
        r = logdeck("--server", s.url, "-f", "--new-errors", "-o", "json",
                    "job")
        got = [json.loads(l) for l in r.stdout.decode().splitlines()]
        eq([g["message"] for g in got], NEW2, "JSON messages")
        eq({g["source"] for g in got}, {"job"}, "source")
        r = logdeck("--server", s.url, "-f", "--new-errors", "-o", "csv",
                    "job")
        rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
        eq([row["message"] for row in rows], NEW2, "CSV messages")


def test_level_and_grep_still_filter():
    with Server() as s:
        two_runs(s)
        r = logdeck("--server", s.url, "-f", "--new-errors", "-l", "error",
                    "-g", "checksum|gave", "job")
        eq(messages(r.stdout), [NEW2[0], NEW2[2], NEW2[3]], "new errors")


def test_a_failed_or_non_zero_run_is_no_baseline():
    with Server() as s:
        s.status("job", "running")
        s.ingest("job", RUN1)
        s.status("job", "completed", exitCode=3)  # completed, but failed
        s.status("job", "running")
        s.ingest("job", RUN2)
        s.status("job", "completed", exitCode=0)
        r = logdeck("--server", s.url, "-f", "--new-errors", "job")
        eq(r.returncode, 0, "exit status")
        eq(messages(r.stdout), [e["message"] for e in RUN2
                                if e["level"] != "INFO"], "all new")
        eq(r.stderr.decode().count("no successful run before run 2"), 1,
           "said once: %r" % r.stderr)


def test_with_no_successful_run_every_error_is_new_said_once():
    with Server() as s:
        s.status("job", "running")
        s.ingest("job", RUN2)
        s.status("job", "failed", exitCode=1)
        r = logdeck("--server", s.url, "-f", "--new-errors", "job")
        eq(r.returncode, 1, "exit status")
        want = [e["message"] for e in RUN2 if e["level"] != "INFO"]
        eq(messages(r.stdout), want, "every WARN and ERROR line")
        err = r.stderr.decode()
        eq(err.count("--new-errors: no successful run before run 1: every "
                     "ERROR and WARN line counts as new"), 1, err)
        # The note comes after the run's start, before its end.
        check(err.index("Run 1 started") < err.index("no successful run")
              < err.index("Run 1 failed"), err)


class Live:
    """logdeck in the background; stdout and stderr lines collected."""

    def __init__(self, *args):
        self.p = spawn(*args)
        self.out, self.err = [], []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(f, into),
                                         daemon=True)
                        for f, into in ((self.p.stdout, self.out),
                                        (self.p.stderr, self.err))]
        for t in self.threads:
            t.start()

    def _read(self, f, into):
        for line in iter(f.readline, b""):
            with self.lock:
                into.append(line.decode().rstrip("\n"))

    def lines(self, which="out"):
        with self.lock:
            return list(self.out if which == "out" else self.err)

    def wait(self, pred, what):
        return wait_for(lambda: pred(self.lines()), WAIT_S * 2,
                        "%s; out %r err %r" % (what, self.lines(),
                                               self.lines("err")))

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(WAIT_S)
        for t in self.threads:
            t.join(WAIT_S)
        self.p.stdout.close()
        self.p.stderr.close()


def test_run_after_run_the_baseline_is_the_last_successful_run():
    with Server() as s:
        two_runs(s, second_ends=None)  # run 2 is running
        lv = Live("--server", s.url, "-f", "--until-stopped",
                  "--new-errors", "-o", "json", "job")
        try:
            def msgs(out):
                return [json.loads(l)["message"] for l in out]
            lv.wait(lambda o: msgs(o) == NEW2, "run 2's new lines")
            # Live lines of run 2, against run 1.
            s.ingest("job", [ev(20, "disk 97% full", level="WARN"),
                             ev(21, "quota exceeded for 'acme'",
                                level="ERROR")])
            lv.wait(lambda o: msgs(o) == NEW2 + ["quota exceeded for 'acme'"],
                    "a live new line")
            # Run 2 completes: it is run 3's baseline. Its patterns are
            # seen now; run 1's (disk full) too, since run 2 had it.
            s.status("job", "completed", exitCode=0)
            s.status("job", "running")
            s.ingest("job", [
                ev(30, "checksum mismatch in part 99", level="ERROR"),
                ev(31, "timeout after 1s on shard 1", level="ERROR"),
                ev(32, "quota exceeded for 'zeta'", level="ERROR"),
                ev(33, "disk 99% full", level="WARN"),
                ev(34, "certificate expires in 3 days", level="WARN")])
            lv.wait(lambda o: msgs(o)[-1:] ==
                    ["certificate expires in 3 days"], "run 3's new line")
            # The lines before it were judged (and not printed) first.
            eq(msgs(lv.lines())[len(NEW2) + 1:],
               ["certificate expires in 3 days"], "run 3's new lines")
            # Run 3 fails: run 4's baseline is still run 2.
            s.status("job", "failed", exitCode=2)
            s.status("job", "running")
            s.ingest("job", [
                ev(40, "certificate expires in 2 days", level="WARN"),
                ev(41, "quota exceeded for 'x'", level="ERROR"),
                ev(42, "out of memory", level="ERROR")])
            lv.wait(lambda o: msgs(o)[-1:] == ["out of memory"],
                    "run 4's new line")
            eq(msgs(lv.lines())[len(NEW2) + 2:],
               ["certificate expires in 2 days", "out of memory"],
               "run 4 against run 2")
            # stderr is its own pipe, read by its own thread: the notes
            # were written before run 4's lines but may be read after.
            wait_for(lambda: all(("Run %d started" % n) in
                                 lv.lines("err") for n in (3, 4)),
                     WAIT_S * 2, "runs 3 and 4 told on stderr: %r"
                     % lv.lines("err"))
            err = lv.lines("err")
            check(not any("no successful run" in l for l in err), err)
        finally:
            lv.stop()


def test_several_sources_at_once_each_against_its_own_runs():
    with Server() as s:
        two_runs(s, "job")
        # other: one failed run, then the current one: nothing to compare.
        s.status("other", "running")
        s.ingest("other", [ev(1, "disk 91% full", level="WARN")])
        s.status("other", "failed", exitCode=1)
        s.status("other", "running")
        s.ingest("other", [ev(2, "disk 92% full", level="WARN"),
                           ev(3, "all good", level="INFO")])
        s.status("other", "completed", exitCode=0)
        # third: run 1 completed with the checksum pattern, so run 2's
        # checksum line is seen there (but new in job).
        s.status("third", "running")
        s.ingest("third", [ev(1, "checksum mismatch in part 1",
                              level="ERROR")])
        s.status("third", "completed", exitCode=0)
        s.status("third", "running")
        s.ingest("third", [ev(2, "checksum mismatch in part 2",
                              level="ERROR"),
                           ev(3, "disk 91% full", level="WARN")])
        s.status("third", "completed")
        r = logdeck("--server", s.url, "-f", "--new-errors", "-o", "json",
                    "job", "other", "third")
        eq(r.returncode, 1, "exit status (job's run 2 failed)")
        got = [json.loads(l) for l in r.stdout.decode().splitlines()]
        by = {}
        for g in got:
            by.setdefault(g["source"], []).append(g["message"])
        eq(by.get("job"), NEW2, "job")
        eq(by.get("other"), ["disk 92% full"], "other")
        eq(by.get("third"), ["disk 91% full"], "third")
        err = r.stderr.decode()
        eq(err.count("no successful run"), 1, err)
        check("other: --new-errors: no successful run before run 2" in err,
              err)


def test_the_baseline_read_stops_at_its_limit_and_says_so():
    # Run 1 has NEWERR_BASELINE_MAX lines and then one more WARN line:
    # that pattern is past the limit, so run 2's line of it counts as new.
    with Server("--ring", str(NEWERR_BASELINE_MAX * 2)) as s:
        s.status("big", "running")
        batch = 10000
        for start in range(0, NEWERR_BASELINE_MAX, batch):
            s.ingest("big", [ev(i, "row %d" % i, level="WARN")
                             for i in range(start, start + batch)])
        s.ingest("big", [ev(0, "late pattern 1", level="WARN")])
        s.status("big", "completed", exitCode=0)
        s.status("big", "running")
        s.ingest("big", [ev(1, "row 7", level="WARN"),
                         ev(2, "late pattern 2", level="WARN")])
        s.status("big", "completed", exitCode=0)
        r = logdeck("--server", s.url, "-f", "--new-errors", "big",
                    timeout=WAIT_S * 3)
        eq(r.returncode, 0, "exit status; %r" % r.stderr)
        eq(messages(r.stdout), ["late pattern 2"], "new lines")
        eq(r.stderr.decode().count(
            "--new-errors: run 1 has more than %d lines; patterns first "
            "seen after them count as new" % NEWERR_BASELINE_MAX), 1,
            r.stderr)


def letters(i):
    """i in base 26 as letters: a word the normaliser keeps as it is."""
    w = ""
    for _ in range(4):
        w += chr(ord("a") + i % 26)
        i //= 26
    return w


def test_the_baseline_keeps_at_most_its_pattern_limit_and_says_so():
    with Server() as s:
        s.status("wide", "running")
        s.ingest("wide", [ev(i, "failure kind %s" % letters(i),
                             level="ERROR")
                          for i in range(NEWERR_PATTERNS_MAX + 1)])
        s.status("wide", "completed", exitCode=0)
        s.status("wide", "running")
        s.ingest("wide", [ev(1, "failure kind %s" % letters(0),
                             level="ERROR"),
                          ev(2, "failure kind %s" % letters(
                              NEWERR_PATTERNS_MAX - 1), level="ERROR"),
                          ev(3, "failure kind %s" % letters(
                              NEWERR_PATTERNS_MAX), level="ERROR")])
        s.status("wide", "completed", exitCode=0)
        r = logdeck("--server", s.url, "-f", "--new-errors", "wide",
                    timeout=WAIT_S * 3)
        eq(r.returncode, 0, "exit status; %r" % r.stderr)
        eq(messages(r.stdout),
           ["failure kind %s" % letters(NEWERR_PATTERNS_MAX)],
           "only the pattern past the limit")
        eq(r.stderr.decode().count(
            "run 1 has more than %d WARN and ERROR patterns; lines of the "
            "others count as new" % NEWERR_PATTERNS_MAX), 1, r.stderr)


def test_new_errors_needs_follow():
    r = logdeck("--server", "http://127.0.0.1:1", "--new-errors",
                "automations", "logs", "x")
    eq(r.returncode, 2, "exit status")
    check(b"--new-errors: only with --follow" in r.stderr, r.stderr)


if __name__ == "__main__":
    ldtest.main(globals())
