"""An operator's day in the full-screen view, run after run (tmux 120x40,
the real server on loopback, automations driven by POSTs or simulated):
a watched automation stays watched across runs with its boundaries in
the pane, boundaries survive every floor and filter, watching again
shows nothing twice, --all catches runs shorter than a second, several
streams are live at once, the merged view is in time order, a restarted
server's list replaces the old one, and the runs view opens a past run."""
import os
import re
import socket
import tempfile
import time

import ldtest
from ldtest import Server, check, eq, ev
from chaosproxy import ChaosProxy
from tuitmux import Tmux, log_rows, viewer

RUN = "\u2500\u2500 run "  # "── run "


def ts(sec, ms=0):
    return "2024-12-07T10:00:%02d.%03dZ" % (sec, ms)


def marker_rows(scr):
    """The run boundary rows on screen, in order, trimmed."""
    out = []
    for row in scr.split("\n"):
        i = row.find(RUN)
        if i >= 0:
            out.append(row[i:].split("\u2500\u2500", 2)[1].strip())
    return out


def three_runs(s, job):
    """Runs 1 (completed, exit 0), 2 (failed, exit 1) and 3 (running),
    with two lines each."""
    three_runs_as(s, job, None)


def three_runs_as(s, job, token):
    """three_runs, written with token (None: none)."""
    for n, end, code in ((1, "completed", 0), (2, "failed", 1),
                         (3, None, None)):
        s.status(job, "running", runId="%s-r%d" % (job, n), token=token)
        s.ingest(job, [ev(n * 10 + k, "run %d line %d" % (n, k),
                          ts=ts(n * 10 + k)) for k in (1, 2)], token=token)
        if end:
            s.status(job, end, exitCode=code, token=token)


def test_watched_automation_stays_watched_across_three_runs():
    with Server() as s:
        s.status("nightly", "running", runId="nightly-r1")
        s.ingest("nightly", [ev(1, "run 1 line 1", ts=ts(1))])
        with viewer(s, "nightly") as t:
            t.wait_text("run 1 line 1")
            s.ingest("nightly", [ev(2, "run 1 line 2", ts=ts(2))])
            s.status("nightly", "completed", exitCode=0)
            s.status("nightly", "running", runId="nightly-r2")
            s.ingest("nightly", [ev(3, "run 2 line 1", ts=ts(3))])
            s.status("nightly", "failed", exitCode=1)
            s.status("nightly", "running", runId="nightly-r3")
            s.ingest("nightly", [ev(4, "run 3 line 1", ts=ts(4))])
            scr = t.wait_text("run 3 line 1")
            want = ["run 1 started", "run 1 line 1", "run 1 line 2",
                    "run 1 completed (exit 0)", "run 2 started",
                    "run 2 line 1", "run 2 failed (exit 1)",
                    "run 3 started", "run 3 line 1"]
            pos = [scr.find(w) for w in want]
            check(all(p >= 0 for p in pos) and pos == sorted(pos),
                  "boundaries and lines out of order:\n" + scr)
            check("run 1 completed (exit 0) after" in scr,
                  "the end says how long the run took:\n" + scr)


def test_run_boundaries_survive_every_level_floor_and_filter():
    with Server() as s:
        three_runs(s, "etl")
        with viewer(s, "etl") as t:
            # Watching starts at the current run: run 3 and its start.
            scr = t.wait_text("run 3 line 2")
            check("run 1 line" not in scr and "run 2 line" not in scr,
                  "watching starts at the current run:\n" + scr)
            t.keys("5")
            t.wait_gone("run 3 line 1")
            scr = t.wait_text("run 3 started")
            t.keys("!")
            t.type("run")
            t.keys("Enter")
            scr = t.wait(lambda x: "run 3 started" in x and
                         "level>=ERROR" in x, "the marker under a floor "
                         "and a hide pattern that matches it")


def test_watching_again_shows_nothing_twice():
    with Server() as s:
        s.status("crm", "running", runId="crm-1")
        s.ingest("crm", [ev(k, "crm line %d" % k, ts=ts(k))
                         for k in range(1, 6)])
        with viewer(s) as t:
            t.wait_text("crm")
            t.keys("Space")  # the only automation is selected: watch
            t.wait_text("crm line 5")
            t.keys("Space")  # unwatch
            t.wait_text("not watched")
            s.ingest("crm", [ev(k, "crm line %d" % k, ts=ts(k))
                             for k in range(6, 9)])
            t.keys("Space")  # watch again
            scr = t.wait_text("crm line 8")
            rows = [r for r in log_rows(scr) if "crm line" in r]
            msgs = [re.search(r"crm line \d+", r).group(0) for r in rows]
            eq(msgs, ["crm line %d" % k for k in range(1, 9)],
               "every line once, in order")


def test_all_watches_runs_shorter_than_a_second():
    with Server() as s:
        with viewer(s, extra=("--all", "--merged")) as t:
            t.wait_text("automations")
            for job in ("quick-a", "quick-b", "quick-c"):
                s.status(job, "running", runId=job + "-1")
                s.ingest(job, [ev(1, "%s did its work" % job, ts=ts(1))])
                s.status(job, "completed", exitCode=0)
            scr = t.wait(lambda x: all("%s did its work" % j in x for j in
                                       ("quick-a", "quick-b", "quick-c")),
                         "every short run watched and shown")
            check(scr.count("completed (exit 0)") >= 3,
                  "each run's end is shown:\n" + scr)


def test_several_streams_are_live_at_once():
    with Server() as s:
        jobs = ("alpha", "beta", "gamma")
        for j in jobs:
            s.status(j, "running", runId=j + "-1")
            s.ingest(j, [ev(1, "%s warming up" % j, ts=ts(1))])
        with viewer(s, *jobs, extra=("--merged",)) as t:
            t.wait(lambda x: all(j + " warming up" in x for j in jobs),
                   "every stream's history")
            for j in jobs:
                s.ingest(j, [ev(2, "%s live now" % j, ts=ts(2))])
            t.wait(lambda x: all(j + " live now" in x for j in jobs),
                   "every stream's live line within a second", timeout=1.0)


def test_merged_history_is_in_time_order():
    with Server() as s:
        s.ingest("a", [ev(k, "a at %d" % k, ts=ts(k)) for k in (0, 2, 4)])
        s.ingest("b", [ev(k, "b at %d" % k, ts=ts(k)) for k in (1, 3, 5)])
        with viewer(s, "a", "b", extra=("--merged",)) as t:
            scr = t.wait(lambda x: "a at 4" in x and "b at 5" in x,
                         "both histories")
            s.ingest("a", [ev(9, "a late at 2.5", ts=ts(2, 500))])
            scr = t.wait_text("a late at 2.5")
            got = [re.search(r"[ab] (late )?at [\d.]+", r).group(0)
                   for r in log_rows(scr) if re.search(r"[ab] (late )?at", r)]
            eq(got, ["a at 0", "b at 1", "a at 2", "a late at 2.5", "b at 3",
                     "a at 4", "b at 5"], "merged order")


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def test_restarted_server_replaces_the_list_without_false_gaps():
    port = free_port()
    # A short retry: the viewer reconnects while the port is closed, and
    # each refused attempt doubles its wait from the server's retry.
    s1 = Server("--retry-ms", "200", "--listen", "127.0.0.1:%d" % port).start()
    try:
        s1.status("stays", "running", runId="stays-1")
        s1.ingest("stays", [ev(k, "before restart %d" % k, ts=ts(k))
                            for k in range(1, 4)])
        s1.status("leaves", "running", runId="leaves-1")
        with viewer(s1, extra=("--all",)) as t:
            t.wait(lambda x: "leaves" in x and "before restart 3" in x,
                   "both listed, stays watched")
            s1.stop()
            s2 = Server("--retry-ms", "200",
                        "--listen", "127.0.0.1:%d" % port).start()
            try:
                # The new server has it queued, with no run yet: the
                # watch must wait for its run, not give up on it.
                s2.status("stays", "queued")
                t.wait(lambda x: "\u25cb \u25c9 stays" in x and
                       "leaves" not in x, "stays queued, still watched")
                s2.status("stays", "running", runId="stays-2")
                s2.ingest("stays", [ev(1, "after restart", ts=ts(30))])
                scr = t.wait(lambda x: "after restart" in x and
                             "leaves" not in x,
                             "the new server's list and lines")
                check("were lost" not in scr,
                      "a restart is not a loss:\n" + scr)
                scr = t.wait(lambda x: x.find("numbers its lines anew") <
                             x.find("run 1 started", x.find("restart 3")) <
                             x.find("after restart"),
                             "the restart said, then the new run's start")
            finally:
                s2.stop()
    finally:
        s1.stop()


def test_a_watched_automation_comes_back_after_the_server_forgot_it():
    port = free_port()
    args = ("--retry-ms", "200", "--listen", "127.0.0.1:%d" % port)
    s1 = Server(*args).start()
    try:
        s1.status("ghost", "running", runId="ghost-1")
        s1.ingest("ghost", [ev(1, "ghost before", ts=ts(1))])
        with viewer(s1, "ghost") as t:
            t.wait_text("ghost before")
            s1.stop()
            s2 = Server(*args).start()
            try:
                # The new server has not heard of it: the stream is told
                # 404 and stops...
                t.wait_text("not found (HTTP 404)")
                # ...until a producer brings it back. Its lines are
                # numbered anew (1, 2): the id held before (1) says
                # nothing of them, so "ghost is back" must show.
                s2.ingest("ghost", [ev(2, "ghost is back", ts=ts(2)),
                                    ev(3, "ghost again", ts=ts(3))])
                scr = t.wait_text("ghost again")
                check("ghost is back" in scr, "the first line anew:\n" + scr)
                check("knows this automation again" in scr,
                      "the gap said:\n" + scr)
            finally:
                s2.stop()
    finally:
        s1.stop()


def test_a_runs_answer_past_its_limit_is_named_and_the_view_closes():
    # FETCH_MAX_BODY is 4 MiB; this answer to the runs look-up is larger.
    size = 4 * 1024 * 1024 + 16
    big = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n[" % size
           + b" " * (size - 2) + b"]")
    with Server() as s:
        three_runs(s, "big")
        with ChaosProxy(s.port, by_path=[(b"/runs?", {"canned": big})]) as px:
            with viewer(px, "big") as t:
                t.wait_text("run 3 line 2")
                t.keys("R")
                t.wait_text("runs: answer larger than 4194304 bytes")
                t.wait_gone("runs of big")
                check(any(b"/runs?" in h for h in px.requests),
                      "the runs were asked for")


def test_a_refused_runs_fetch_renews_the_token_and_asks_again():
    # The runs look-up is a transfer like the others: a 401 renews the
    # token on the loop (here token_command runs again) and asks once
    # more, instead of showing "runs: HTTP 401".
    token = "runs-T0ken"
    refused = (b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/"
               b"json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    with Server("--token", token) as s, tempfile.TemporaryDirectory() as d:
        three_runs_as(s, "guarded", token)
        count = os.path.join(d, "count")
        script = os.path.join(d, "token.sh")
        with open(script, "w") as f:
            f.write('echo x >> "%s"; echo %s\n' % (count, token))
        # The runs view asks for RUNS_VIEW_MAX (200) runs; the view's
        # new-error marks ask for runs too, with another limit.
        view_runs = b"/runs?limit=200"
        # The proxy looks at the first request of a connection only:
        # one request per connection, so it sees the view's.
        with ChaosProxy(s.port, by_path=[
                (view_runs, {"canned": refused, "once": True})],
                rewrite=[(b" HTTP/1.1\r\n",
                          b" HTTP/1.1\r\nConnection: close\r\n")]) as px:
            cfg = os.path.join(d, "config.yaml")
            with open(cfg, "w") as f:
                f.write("profile: p\nprofiles:\n  p:\n    server: %s\n"
                        "    token_command: sh %s\n" % (px.url, script))
            os.chmod(cfg, 0o600)
            with Tmux([ldtest.LOGDECK, "--config", cfg, "--utc",
                       "guarded"]) as t:
                t.wait_text("run 3 line 2")
                t.keys("R")
                t.wait(lambda x: "runs of guarded" in x and
                       "failed (exit 1)" in x, "the runs after a renewal")
                check("HTTP 401" not in t.text(), t.text())
                with open(count) as f:
                    eq(len(f.read().split()), 2,
                       "token_command runs: at start and for the renewal")
                eq(sum(view_runs in h for h in px.requests), 2,
                   "runs requests (refused, then asked again)")


def test_the_runs_view_holds_the_newest_runs_up_to_its_limit():
    # RUNS_VIEW_MAX is 200: of 206 runs, #7 to #206 are listed.
    with Server() as s:
        for n in range(1, 206):
            s.status("many", "running", runId="many-%d" % n)
            s.status("many", "completed", exitCode=0)
        s.status("many", "running", runId="many-206")
        s.ingest("many", [ev(1, "the newest run", ts=ts(1))])
        with viewer(s, "many") as t:
            t.wait_text("the newest run")
            t.keys("R")
            t.wait(lambda x: "runs of many" in x and "#206" in x,
                   "the newest run listed")
            t.keys("g")
            scr = t.wait(lambda x: re.search(r"> #7 ", x), "the oldest kept")
            check(not re.search(r"#6 ", scr), "no run past the limit:\n" + scr)


def test_runs_view_lists_runs_and_opens_a_past_one():
    with Server() as s:
        three_runs(s, "report")
        with viewer(s, "report") as t:
            t.wait_text("run 3 line 2")
            t.keys("R")
            # The view's title shows before its fetch answers, and the
            # list pane says "#3" too: wait for the runs themselves.
            wants = ("#1", "completed (exit 0)", "#2", "failed (exit 1)",
                     "#3", "running")
            t.wait(lambda x: "runs of report" in x and
                   all(w in x for w in wants), "the runs view with 3 runs")
            t.keys("k", "k", "Enter")  # from #3 up to #1
            scr = t.wait(lambda x: "report, run 1" in x and
                         "run 1 line 2" in x and "run 1 completed" in x,
                         "run 1 in the pane")
            check("run 3 line" not in scr, "only run 1 is shown:\n" + scr)


ldtest.main(globals())
