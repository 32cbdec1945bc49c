"""The live list of sources (src/net/srclist.c) against the real server,
through tests/ldwatch, a driver that prints what a viewer is told."""
import json
import os
import subprocess
import threading
import time

import ldtest
from ldtest import Server, check, eq
from chaosproxy import ChaosProxy

LDWATCH = os.environ.get("LDWATCH", os.path.join(
    os.path.dirname(ldtest.LOGDECK), "..", "tests", "ldwatch"))

# src/net/stream.c
STREAM_MAX_QUERY = 4096
# src/net/srclist.h
SRCLIST_MAX_BODY = 16 * 1024 * 1024
SRCLIST_MAX_SOURCES = 10000


class Watch:
    """ldwatch list URL KIND in the background, its lines collected."""

    def __init__(self, url, kind="automations", heartbeat=None):
        args = [LDWATCH, "list", url, kind]
        if heartbeat:
            args.append(str(heartbeat))
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.lines = []  # (time.monotonic(), text)
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in iter(self.p.stdout.readline, b""):
            with self.lock:
                self.lines.append((time.monotonic(),
                                   line.decode().rstrip("\n")))

    def texts(self):
        with self.lock:
            return [l for _, l in self.lines]

    def snapshots(self):
        """The complete lists seen so far: (end time, end line, {id: line})."""
        out, cur = [], None
        with self.lock:
            for t, l in self.lines:
                if l == "begin":
                    cur = {}
                elif l.startswith("source ") and cur is not None:
                    cur[l.split()[1]] = l
                elif l.startswith("end ") and cur is not None:
                    out.append((t, l, cur))
                    cur = None
        return out

    def wait(self, pred, what, timeout=ldtest.WAIT_S):
        return ldtest.wait_for(lambda: pred(self), timeout,
                               "%s; have %r" % (what, self.texts()[-12:]))

    def refresh(self):
        self.p.stdin.write(b"refresh\n")
        self.p.stdin.flush()

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(ldtest.WAIT_S)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.t.join(ldtest.WAIT_S)
        self.p.stdout.close()
        self.p.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _array_answer(body):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
            + body)


def test_a_server_answering_with_an_array_is_polled_every_3s():
    # The proxy plays an older server, which ignores ?stream=true.
    old = [(b"stream=true", b"stream=no"),
           (b"Accept: text/event-stream", b"Accept: */*")]
    with Server() as s:
        s.ingest("first", [ldtest.ev(1)])
        with ChaosProxy(s.port, rewrite=old) as px, Watch(px.url) as w:
            w.wait(lambda w: len(w.snapshots()) >= 1, "a first list")
            t0, end, first = w.snapshots()[0]
            eq(end, "end polling", "a server without the live list")
            eq(sorted(first), ["first"], "sources")
            s.ingest("second", [ldtest.ev(1)])
            w.wait(lambda w: any("second" in snap
                                 for _, _, snap in w.snapshots()),
                   "the new source in a later poll")
            t1 = w.snapshots()[1][0]
            check(2.5 <= t1 - t0 <= 4.5, "polled after %.2fs" % (t1 - t0))


def test_a_400_to_the_stream_request_falls_back_to_polling():
    bad = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
           b"Content-Length: 26\r\nConnection: close\r\n\r\n"
           b'{"error":"bad parameter"}\n')
    with Server() as s:
        s.ingest("only", [ldtest.ev(1)])
        with ChaosProxy(s.port, [{"canned": bad}]) as px, Watch(px.url) as w:
            w.wait(lambda w: w.snapshots(), "a list")
            eq(sorted(w.snapshots()[0][2]), ["only"], "sources")
            eq(w.snapshots()[0][1], "end polling", "polling")
            check(b"stream=true" in px.requests[0], px.requests[0])
            check(b"stream=true" not in px.requests[1], px.requests[1])


def test_refresh_fetches_the_list_at_once():
    with Server() as s:
        s.ingest("a", [ldtest.ev(1)])
        with Watch(s.url) as w:
            w.wait(lambda w: w.snapshots(), "a first list")
            s.ingest("b", [ldtest.ev(1)])
            t0 = time.monotonic()
            w.refresh()
            w.wait(lambda w: any("b" in snap for _, _, snap in
                                 w.snapshots()), "the list again", 2)
            check(time.monotonic() - t0 < 2, "refreshed at once")


def test_numeric_ids_and_the_newest_run_are_decoded():
    body = json.dumps([
        {"id": 42, "name": "Payroll", "status": "failed", "exitCode": 3,
         "run": {"run": 7, "runId": "payroll-7", "status": "failed",
                 "exitCode": 3, "startedAt": "2024-12-07T14:02:11Z",
                 "endedAt": "2024-12-07T14:05:23Z"}},
        {"name": "no id"},
        {"id": "plain", "status": "queued"}]).encode()
    with Server() as s:
        with ChaosProxy(s.port, [{"canned": _array_answer(body)}]) as px, \
                Watch(px.url) as w:
            w.wait(lambda w: w.snapshots(), "a list")
            snap = w.snapshots()[0][2]
            eq(sorted(snap), ["42", "plain"], "sources with an id")
            check("name=Payroll status=failed exit=3 run=7 runId=payroll-7 "
                  "runStatus=failed" in snap["42"], snap["42"])
            check("status=queued exit=-1 run=0" in snap["plain"],
                  snap["plain"])


def test_more_sources_than_the_limit_are_cut_and_said():
    body = json.dumps([{"id": "s%d" % i, "status": "queued"}
                       for i in range(SRCLIST_MAX_SOURCES + 5)]).encode()
    with Server() as s:
        with ChaosProxy(s.port, [{"canned": _array_answer(body)}]) as px, \
                Watch(px.url) as w:
            w.wait(lambda w: w.snapshots(), "a list")
            eq(len(w.snapshots()[0][2]), SRCLIST_MAX_SOURCES, "sources")
            check(any(l.startswith("error ") and "more than %d sources"
                      % SRCLIST_MAX_SOURCES in l for l in w.texts()),
                  w.texts()[-3:])


def test_a_list_past_the_body_limit_is_refused_whole():
    item = {"id": "x" * 1000, "status": "queued"}
    n = SRCLIST_MAX_BODY // 1020 + 10
    body = ("[" + ",".join(json.dumps(dict(item, id="%07d" % i + "x" * 990))
                           for i in range(n)) + "]").encode()
    check(len(body) > SRCLIST_MAX_BODY, "the answer passes the limit")
    with Server() as s:
        s.ingest("small", [ldtest.ev(1)])
        with ChaosProxy(s.port, [{"canned": _array_answer(body)}]) as px, \
                Watch(px.url) as w:
            w.wait(lambda w: any("larger than %d bytes" % SRCLIST_MAX_BODY
                                 in l for l in w.texts()), "the error")
            # Nothing of the refused answer; the next poll is whole.
            w.wait(lambda w: w.snapshots(), "the next list", 10)
            eq(sorted(w.snapshots()[0][2]), ["small"], "sources")


def test_the_live_list_tells_each_change_at_once():
    with Server() as s:
        s.status("nightly", "running")
        with Watch(s.url) as w:
            w.wait(lambda w: w.snapshots(), "the snapshot")
            eq(w.snapshots()[0][1], "end live", "the live list")
            eq(sorted(w.snapshots()[0][2]), ["nightly"], "sources")
            n = len(w.texts())
            t0 = time.monotonic()
            s.status("nightly", "completed", exitCode=0)
            w.wait(lambda w: any("source nightly " in l and
                                 "status=completed" in l
                                 for l in w.texts()[n:]),
                   "the status change")
            s.ingest("created", [ldtest.ev(1)])
            w.wait(lambda w: any(l.startswith("source created ")
                                 for l in w.texts()[n:]), "a new source")
            check(time.monotonic() - t0 < 1.5, "told at once")
            eq(len(w.snapshots()), 1, "no polling")


def test_a_cut_live_list_reconnects_and_takes_the_new_list_whole():
    other = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
             b"Connection: close\r\n\r\nevent: sources\r\n"
             b'data: [{"id":"other","status":"queued"}]\r\n\r\n')
    with Server("--retry-ms", "50") as s:
        s.status("mine", "running")
        with ChaosProxy(s.port, [{"canned": other}]) as px, \
                Watch(px.url) as w:
            w.wait(lambda w: len(w.snapshots()) >= 2, "two lists")
            first, second = w.snapshots()[0][2], w.snapshots()[1][2]
            eq(sorted(first), ["other"], "the first server's list")
            eq(sorted(second), ["mine"], "the second list, whole")
            texts = w.texts()
            check(any(l.startswith("error ") and "reconnecting" in l
                      for l in texts), texts)
            check("ok" in texts, "working again: %r" % texts)


def test_a_silent_live_list_is_dropped_and_resumed():
    with Server("--retry-ms", "50", "--heartbeat", "30") as s:
        s.status("quiet", "running")
        # The first stream stops after its snapshot and stays open.
        with ChaosProxy(s.port, [{"stall": 300}]) as px, \
                Watch(px.url, heartbeat=1) as w:
            w.wait(lambda w: any("went silent" in l for l in w.texts()),
                   "the stall", 10)
            w.wait(lambda w: any(snap for _, _, snap in w.snapshots()),
                   "a list after the reconnect")
            check(px.connections >= 2, "reconnected")


def test_a_stream_request_past_its_limit_fails_clearly():
    # --run is capped far below it; a viewer could pass any selector.
    with Server() as s:
        s.ingest("q", [ldtest.ev(1, "fits")])
        s.status("q", "completed", exitCode=0)
        for run, want in (("r" * (STREAM_MAX_QUERY // 3 - 40), None),
                          ("r" * STREAM_MAX_QUERY, "longer than %d bytes"
                           % STREAM_MAX_QUERY)):
            r = subprocess.run([LDWATCH, "stream", s.url, "q", run],
                               capture_output=True, timeout=ldtest.WAIT_S)
            out = r.stdout.decode()
            if want:
                check("state failed" in out and want in out, out)
            else:
                check("longer than" not in out, out[-300:])


ldtest.main(globals())
