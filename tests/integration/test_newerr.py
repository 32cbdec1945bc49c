"""New versus seen errors in follow mode (--new-errors) against the real
server: only the WARN-and-above lines whose pattern did not occur in the
automation's last successful run are printed (every such line, not only
the first), with the run boundaries; no successful run means every such
line is new (said once); run after run the baseline moves to the run that
completed last; several sources at once; text, JSON and CSV; the baseline
read stops at NEWERR_BASELINE_MAX lines, said once; while the baseline is
late, lines past NEWERR_HOLD_LINES or NEWERR_HOLD_BYTES held go out
unjudged, said once, nothing lost."""
import csv
import io
import json
import os
import re
import threading
import time

import ldtest
from chaosproxy import ChaosProxy
from ldtest import Server, check, eq, ev, logdeck, spawn, wait_for, WAIT_S

# src/newerr.h
NEWERR_BASELINE_MAX = 100000
NEWERR_PATTERNS_MAX = 16384


def newerr_define(name):
    """The value of the #define name in src/newerr.h (an integer
    expression of literals, * + - << and parentheses), so that the tests
    follow the code."""
    with open(os.path.join(ldtest.SRCDIR, "src", "newerr.h")) as f:
        m = re.search(r"(?m)^#define %s\s+(.+?)\s*$" % name, f.read())
    check(m, "src/newerr.h defines %s" % name)
    expr = m.group(1)
    check(re.fullmatch(r"[0-9\s()*+<-]+", expr),
          "%s is a plain number: %r" % (name, expr))
    return eval(expr, {"__builtins__": {}})  # digits and operators only


NEWERR_HOLD_LINES = newerr_define("NEWERR_HOLD_LINES")
NEWERR_HOLD_BYTES = newerr_define("NEWERR_HOLD_BYTES")

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


# The late-baseline tests: the first EVICTED lines of run 2 are pushed out
# of the hold (the limit plus EVICTED lines come while the baseline is
# held at a proxy) and go out unjudged; the rest wait for the baseline.
EVICTED = 10


def chunk(i, pad=""):
    """Message i of run 2: every fourth ("new chunk <n>") is a pattern the
    baseline lacks, the others ("old chunk <n>") one it has. Lines
    EVICTED - 1 and EVICTED are old: printed only unjudged, so one line
    more or less pushed out shows."""
    return "%s chunk %06d%s" % ("new" if i % 4 == 3 else "old", i, pad)


def ingest_all(s, source, msgs, level="WARN"):
    """Ingest msgs in batches of at most about 4 MiB (the body cap is 8)."""
    per = max(1, (4 << 20) // (len(msgs[0]) + 200)) if msgs else 1
    for start in range(0, len(msgs), per):
        s.ingest(source, [ev(i, m, level=level) for i, m in
                          enumerate(msgs[start:start + per], start)])


def wait_lines(lv, n, what):
    """Wait until lv printed n lines (the failure tells how many it did,
    not what: there may be 100000)."""
    try:
        wait_for(lambda: len(lv.lines()) >= n, WAIT_S * 2, what)
    except ldtest.TestFailure as e:
        raise ldtest.TestFailure("%s: %d of %d lines; err %r" % (
            e, len(lv.lines()), n, lv.lines("err")))


def check_late_baseline(s, msgs, pad=""):
    """Run 1 of job completed (exit 0) with the pattern "old chunk <n>";
    run 2 has msgs. The baseline request is held at a proxy until the
    first EVICTED of them went out unjudged (all of run 2 has come by
    then); once it is let through, the held rest is judged, then a live
    line too. Returns the printed lines (text)."""
    s.status("job", "running")
    s.ingest("job", [ev(0, chunk(0, pad), level="WARN")])
    s.status("job", "completed", exitCode=0)
    s.status("job", "running")
    ingest_all(s, "job", msgs)
    check(chunk(EVICTED - 1).startswith("old") and
          chunk(EVICTED).startswith("old"), "the lines at the limit")
    gate = threading.Event()
    late = ("--new-errors: the baseline is late; lines held past %d (or %d "
            "MiB) are printed unjudged" % (NEWERR_HOLD_LINES,
                                          NEWERR_HOLD_BYTES >> 20))
    # The baseline (run 1's lines) waits at the gate. The proxy looks at
    # the first request of a connection only: one request per connection,
    # so the baseline's is not sent on the runs look-up's.
    with ChaosProxy(s.port, by_path=[(b"/logs?run=1&", {"gate": gate,
                                                       "once": True})],
                    rewrite=[(b" HTTP/1.1\r\n",
                              b" HTTP/1.1\r\nConnection: close\r\n")]) as px:
        lv = Live("--server", px.url, "-f", "--new-errors", "job")
        try:
            # The fetch gives up after FETCH_TIMEOUT_S (10 s) at the gate:
            # all of run 2 must come before (0.3 s here, sanitized too).
            wait_for(lambda: late in lv.lines("err"), WAIT_S * 2,
                     "the note; err %r" % lv.lines("err"))
            wait_lines(lv, EVICTED, "the unjudged lines")
            wait_for(lambda: any(b"/logs?run=1&" in h
                                 for h in px.requests),
                     WAIT_S * 2, "the baseline request at the gate")
            check(not any("cannot read" in l for l in lv.lines("err")),
                  "the baseline fetch gave up before the lines came: %r"
                  % lv.lines("err"))
            gate.set()
            judged = [m for m in msgs[EVICTED:] if m.startswith("new")]
            wait_lines(lv, EVICTED + len(judged), "the held lines, judged")
            # Judging goes on for live lines.
            s.ingest("job", [ev(1, chunk(4, pad), level="WARN"),
                             ev(2, chunk(7, pad), level="ERROR")])
            s.status("job", "completed", exitCode=0)
            wait_for(lambda: lv.p.poll() is not None, WAIT_S * 2,
                     "the follow to end with run 2")
        finally:
            gate.set()
            lv.stop()
        out, err = lv.lines(), lv.lines("err")
        eq(lv.p.returncode, 0, "exit status; %r" % err)
        got = [l.split(": ", 1)[1] for l in out]
        want = msgs[:EVICTED] + judged + [chunk(7, pad)]
        if got != want:
            # Messages cut short: the lines may be 64 KiB long.
            first = next((i for i, (a, b) in enumerate(zip(got, want))
                          if a != b), min(len(got), len(want)))
            raise ldtest.TestFailure(
                "printed %d lines, want %d; first difference at line %d: "
                "got %r, want %r" % (len(got), len(want), first,
                                     [m[:40] for m in got[first:first + 1]],
                                     [m[:40] for m in want[first:first + 1]]))
        eq(err.count(late), 1, "the note, once: %r" % err)
        check(not any("cannot read" in l or "no successful run" in l
                      for l in err), err)
        eq(sum(b"/logs?run=1&" in h for h in px.requests), 1,
           "baseline requests")
        return out


def test_lines_held_past_the_line_limit_go_out_unjudged_and_none_is_lost():
    # NEWERR_HOLD_LINES + EVICTED lines of a few bytes each: far below
    # NEWERR_HOLD_BYTES, so the line limit is the one reached.
    n = NEWERR_HOLD_LINES + EVICTED
    msgs = [chunk(i) for i in range(n)]
    check(n * 100 < NEWERR_HOLD_BYTES, "the bytes limit is out of reach")
    with Server("--ring", str(n + 100)) as s:
        check_late_baseline(s, msgs)


def test_lines_held_past_the_byte_limit_go_out_unjudged_and_none_is_lost():
    # Lines printed as exactly 64 KiB: NEWERR_HOLD_BYTES of them are held
    # (a 32 MiB hold: 512 lines, far below NEWERR_HOLD_LINES); EVICTED
    # more push as many out. (Held notes count too, but none is held: the
    # stream tells "Run 2 started" before the run's first line.)
    size = 64 * 1024
    held = NEWERR_HOLD_BYTES // size
    check(0 < held and held + EVICTED < NEWERR_HOLD_LINES,
          "the bytes limit comes first")
    with Server() as s:
        # The text line's head ("[time] LEVEL: "), the same for every
        # WARN line of these timestamps.
        s.ingest("probe", [ev(0, "x", level="WARN")])
        r = logdeck("--server", s.url, "automations", "logs", "probe")
        eq(r.returncode, 0, "the probe; %r" % r.stderr)
        head = len(r.stdout.rstrip(b"\n")) - 1
        pad = " " + "z" * (size - head - len(chunk(0)) - 2)
        msgs = [chunk(i, pad) for i in range(held + EVICTED)]
        out = check_late_baseline(s, msgs, pad)
        # (The last, live line is an ERROR line: a byte longer.)
        eq({len(l.encode()) + 1 for l in out[:-1]}, {size},
           "printed line sizes")


def test_new_errors_needs_follow():
    r = logdeck("--server", "http://127.0.0.1:1", "--new-errors",
                "automations", "logs", "x")
    eq(r.returncode, 2, "exit status")
    check(b"--new-errors: only with --follow" in r.stderr, r.stderr)


if __name__ == "__main__":
    ldtest.main(globals())
