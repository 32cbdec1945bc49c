"""logdeck --follow against the real reference server."""
import csv
import io
import json
import re
import os
import signal
import subprocess
import tempfile
import threading
import time

import ldtest
from ldtest import Server, check, eq, ev, logdeck, scaled, spawn
from chaosproxy import ChaosProxy


def lines(b):
    return b.decode().splitlines()


def test_follow_prints_the_documented_text_shape():
    with Server() as s:
        s.ingest("nightly-sync", [
            ev(1, "Starting automation execution",
               ts="2024-12-07T14:23:45.123Z"),
            ev(2, "Disk almost full", level="warning",
               ts="2024-12-07T14:23:46.000Z"),
        ])
        s.status("nightly-sync", "completed", exitCode=0)
        r = logdeck("--server", s.url, "--follow", "nightly-sync", "--utc")
        eq(r.returncode, 0, "exit status")
        eq(lines(r.stdout), [
            "[2024-12-07 14:23:45] INFO: Starting automation execution",
            "[2024-12-07 14:23:46] WARN: Disk almost full",
        ], "stdout")
        check(b"Connected to log stream..." in r.stderr, r.stderr)
        check(b"Connected" not in r.stdout, "status text leaked to stdout")


def test_local_time_is_the_default():
    with Server() as s:
        s.ingest("tz", [ev(1, "x", ts="2024-12-07T14:23:45Z")])
        s.status("tz", "completed")
        r = logdeck("--server", s.url, "-f", "tz",
                    env={"TZ": "Asia/Kolkata"})
        eq(lines(r.stdout), ["[2024-12-07 19:53:45] INFO: x"], "stdout")


def test_several_sources_are_prefixed_with_their_names():
    with Server() as s:
        s.ingest("alpha", [ev(1, "from alpha")])
        s.ingest("beta", [ev(2, "from beta")])
        s.status("alpha", "completed")
        s.status("beta", "completed")
        r = logdeck("--server", s.url, "-f", "--utc", "alpha",
                    "automation:beta")
        eq(r.returncode, 0, "exit status")
        got = sorted(lines(r.stdout))
        eq(got, ["alpha | [2024-12-07 14:23:01] INFO: from alpha",
                 "beta | [2024-12-07 14:23:02] INFO: from beta"], "stdout")


def test_json_output_keeps_every_field_and_adds_source():
    with Server() as s:
        s.ingest("j", [ev(1, "hello", rows=42, nested={"a": [1, 2]})])
        s.status("j", "completed")
        r = logdeck("--server", s.url, "-f", "-o", "json", "j")
        eq(r.returncode, 0, "exit status")
        objs = [json.loads(l) for l in lines(r.stdout)]
        eq(len(objs), 1, "events")
        o = objs[0]
        eq(o["message"], "hello", "message")
        eq(o["rows"], 42, "extra field")
        eq(o["nested"], {"a": [1, 2]}, "nested extra field")
        eq(o["source"], "j", "source")
        check(isinstance(o["id"], int), "id kept")


def test_csv_output_has_a_header_and_rfc4180_quoting():
    with Server() as s:
        s.ingest("c", [ev(1, 'said "hi", then left'), ev(2, "plain")])
        s.status("c", "completed")
        r = logdeck("--server", s.url, "-f", "-o", "csv", "c")
        eq(r.returncode, 0, "exit status")
        rows = list(csv.reader(io.StringIO(r.stdout.decode(), newline="")))
        eq(rows[0], ["source", "id", "timestamp", "level", "task", "runId",
                     "message"], "header")
        eq([row[6] for row in rows[1:]], ['said "hi", then left', "plain"],
           "messages")
        check(b'"said ""hi"", then left"' in r.stdout, "quoting")


def test_csv_fields_a_spreadsheet_would_run_as_formulas_are_guarded():
    bad = ['=HYPERLINK("http://evil","x")', "+1+1", "-2", "@SUM(A1)"]
    with Server() as s:
        s.ingest("c", [ev(i, m, task="=cmd|' /C calc'!A0")
                       for i, m in enumerate(bad)] + [ev(9, "a-b")])
        s.status("c", "completed")
        r = logdeck("--server", s.url, "-f", "-o", "csv", "c")
        eq(r.returncode, 0, "exit status")
        rows = list(csv.reader(io.StringIO(r.stdout.decode(), newline="")))
        eq([row[6] for row in rows[1:]], ["'" + m for m in bad] + ["a-b"],
           "messages")
        eq({row[4] for row in rows[1:-1]}, {"'=cmd|' /C calc'!A0"}, "tasks")


def test_failed_run_exits_1_and_completed_exits_0():
    with Server() as s:
        s.ingest("bad", [ev(1, "boom", level="ERROR")])
        s.status("bad", "failed", exitCode=1)
        r = logdeck("--server", s.url, "-f", "bad")
        eq(r.returncode, 1, "failed run")
        s.ingest("gone", [ev(1)])
        s.status("gone", "cancelled")
        r = logdeck("--server", s.url, "-f", "gone")
        eq(r.returncode, 1, "cancelled run")


def test_follow_streams_live_lines_then_exits_on_terminal_status():
    with Server() as s:
        s.ingest("live", [ev(0, "before")])
        f = Live("--server", s.url, "-f", "live")
        f.wait_line("before")
        for i in range(1, 51):
            s.ingest("live", [ev(i, "live %d" % i)])
        s.status("live", "completed")
        eq(f.finish(), 0, "exit status")
        msgs = [l.split(": ", 1)[1] for l in f.lines()]
        eq(msgs, ["before"] + ["live %d" % i for i in range(1, 51)], "lines")


def test_a_line_on_a_quiet_stream_reaches_stdout_at_once():
    # Output is batched per loop pass, never held for more input: each
    # line of a slow stream is written while the stream then stays quiet
    # (the server's heartbeat is 30 s away). Locally a line takes a few
    # ms from ingest to stdout; the bound is far above that but far below
    # any wait for more data.
    with Server() as s:
        s.ingest("q", [ev(0, "first")])
        f = Live("--server", s.url, "-f", "q")
        f.wait_line("first")
        took = []
        for i in range(1, 6):
            t0 = time.monotonic()
            s.ingest("q", [ev(i, "slow %d" % i)])
            took.append(f.wait_line("slow %d" % i) - t0)
        check(max(took) < scaled(2.0),
              "a line waited for more input: %r" % took)
        s.status("q", "completed")
        eq(f.finish(), 0, "exit status")


def test_a_sliced_burst_ends_as_soon_as_its_run_does():
    # The loop hands a pass at most one slice of stream data and pauses
    # the transfer past it. When the run's end arrived in the data held
    # by a paused transfer, resuming it failed inside curl_easy_pause and
    # nothing ran the transfer again until curl's 10 s connect timeout:
    # about one run in ten took 10 s. Each run takes well under a second
    # here; the bound only has to tell it from that wait. Under valgrind
    # two runs check the same paths for memory errors at a tenth of the
    # cost (a run takes half a minute there).
    with Server("--burst", "300000", "--simulate", "1") as s:
        for _ in range(2 if ldtest.VALGRIND_DIR else 10):
            t0 = time.monotonic()
            r = logdeck("--server", s.url, "-f", "-o", "json", "burst-1",
                        timeout=scaled(60))
            took = time.monotonic() - t0
            eq(r.returncode, 0, "exit status: %r" % r.stderr[-300:])
            eq(r.stdout.count(b"\n"), 300000, "lines")
            check(took < scaled(8), "the burst took %.1f s" % took)


def test_tail_backfills_then_streams_without_gap_or_duplicate():
    with Server() as s:
        s.ingest("t", [ev(i, "m%d" % i) for i in range(1, 101)])
        f = Live("--server", s.url, "-f", "--tail", "10", "t")
        f.wait_line("m100")
        s.ingest("t", [ev(i, "m%d" % i) for i in range(101, 151)])
        s.status("t", "completed")
        f.finish()
        msgs = [l.split(": ", 1)[1] for l in f.lines()]
        eq(msgs, ["m%d" % i for i in range(91, 151)], "lines")


def test_level_and_grep_filter_lines():
    with Server() as s:
        s.ingest("f", [ev(1, "dbg", level="DEBUG"), ev(2, "info one"),
                       ev(3, "warn one", level="WARN"),
                       ev(4, "err two", level="ERROR")])
        s.status("f", "completed")
        r = logdeck("--server", s.url, "-f", "--level", "warn", "f")
        eq([l.split(": ", 1)[1] for l in lines(r.stdout)],
           ["warn one", "err two"], "level floor")
        r = logdeck("--server", s.url, "-f", "--grep", "one$", "f")
        eq([l.split(": ", 1)[1] for l in lines(r.stdout)],
           ["info one", "warn one"], "grep")
        # A regex regcomp would take gigabytes or minutes over
        # (core/recost.h) is a usage error that says why.
        for bad, why in (("row+++", b"cannot follow another"),
                         ("((a{1,40}){1,40})", b"repeats too much")):
            r = logdeck("--server", s.url, "-f", "--grep", bad, "f")
            eq(r.returncode, 2, "--grep %s: %r" % (bad, r.stderr))
            check(b"--grep: " in r.stderr and why in r.stderr, r.stderr)


def test_escape_sequences_in_messages_are_shown_not_executed():
    attack = "\x1b]0;pwned\x07\x1b[2J\r[fake] line\nsecond\x00tail\u202e"
    with Server() as s:
        s.ingest("x", [ev(1, attack)])
        s.status("x", "completed")
        for fmt in ("text", "csv", "json"):
            r = logdeck("--server", s.url, "-f", "-o", fmt, "x",
                        "--color", "always")
            out = r.stdout
            body = out.replace(b"\x1b[0m", b"").replace(b"\x1b[31m", b"")
            check(b"\x1b]" not in out and b"\x1b[2J" not in out,
                  "%s: raw escape in %r" % (fmt, out))
            check(b"\x07" not in out and b"\r" not in out and
                  b"\x00" not in out, "%s: raw control in %r" % (fmt, out))
            check("\u202e".encode() not in out, fmt + ": raw bidi override")
            if fmt == "text":
                eq(body.count(b"\n"), 1, "one line")
                check(b"\\x1b]0;pwned" in body, body)
                check(b"tail" in body, "text after NUL kept: %r" % body)


def test_unknown_source_and_bad_flags_exit_2_with_one_line():
    with Server() as s:
        s.ingest("exists", [ev(1)])
        r = logdeck("--server", s.url, "-f", "no-such-automation")
        eq(r.returncode, 2, "unknown source")
        eq(len(lines(r.stderr)), 1, "one line: %r" % r.stderr)
        r = logdeck("--server", s.url, "-f", "--output", "yaml", "exists")
        eq(r.returncode, 2, "bad --output")
        check(b"--output" in r.stderr, r.stderr)
        r = logdeck("--bogus")
        eq(r.returncode, 2, "unknown flag")
        r = logdeck("--server", s.url, "-f", "widget:x")
        eq(r.returncode, 2, "bad kind")


def test_name_resolves_to_id():
    with Server() as s:
        s.status("a-1234", "running", name="payroll")
        s.ingest("a-1234", [ev(1, "paid")])
        s.status("a-1234", "completed")
        r = logdeck("--server", s.url, "-f", "payroll")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq([l.split(": ", 1)[1] for l in lines(r.stdout)], ["paid"], "lines")


def test_unauthorized_exits_3_and_never_prints_the_token():
    with Server("--token", "s3cret-token") as s:
        r = logdeck("--server", s.url, "-f", "x", "--token", "wrong-token")
        eq(r.returncode, 3, "exit status")
        check(b"unauthorized" in r.stderr.lower(), r.stderr)
        check(b"wrong-token" not in r.stderr + r.stdout, "token leaked")
        s.ingest("x", [ev(1, "ok")], token="s3cret-token")
        s.status("x", "completed", token="s3cret-token")
        r = logdeck("--server", s.url, "-f", "x",
                    env={"LOGDECK_TOKEN": "s3cret-token"})
        eq(r.returncode, 0, "with the token: %r" % r.stderr)


@ldtest.not_under_valgrind("/proc/PID/cmdline is valgrind's own copy of "
                           "the arguments, which logdeck cannot blank")
def test_the_token_is_not_visible_in_the_process_list_or_traces():
    with Server("--token", "s3cret-token") as s:
        s.ingest("x", [ev(1, "ok")], token="s3cret-token")
        p = spawn("--server", s.url, "-f", "x", "-vv",
                  "--token", "s3cret-token")
        # Once connected, main has long blanked its arguments.
        seen = b""
        while b"Connected" not in seen:
            line = p.stderr.readline()
            check(line, "stderr ended before connecting: %r" % seen)
            seen += line
        cmdline = open("/proc/%d/cmdline" % p.pid, "rb").read()
        check(b"s3cret" not in cmdline, "token in cmdline: %r" % cmdline)
        s.status("x", "completed", token="s3cret-token")
        # Not communicate(): it would skip what readline() buffered.
        err = seen + p.stderr.read()
        out = p.stdout.read()
        p.wait(ldtest.WAIT_S)
        eq(p.returncode, 0, "exit status: %r" % err[-500:])
        check(b"Authorization: [masked]" in err, "trace shows the header")
        check(b"s3cret" not in out + err, "token in the output")


def test_unreachable_server_exits_3():
    r = logdeck("--server", "http://127.0.0.1:1", "-f", "x")
    eq(r.returncode, 3, "exit status")
    check(b"cannot reach" in r.stderr, r.stderr)


def test_ctrl_c_exits_130_with_output_flushed():
    with Server() as s:
        s.ingest("int", [ev(i, "m%d" % i) for i in range(20)])
        f = Live("--server", s.url, "-f", "int")
        f.wait_line("m19")
        eq(f.stop(), 130, "exit status")
        eq(len(f.lines()), 20, "lines flushed")


class Live:
    """A logdeck --follow in the background whose stdout and stderr lines
    are collected as they come, each with the time it arrived."""

    def __init__(self, *args):
        self.p = spawn(*args)
        self.out, self.err = [], []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._read, args=(self.p.stdout, self.out),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.p.stderr, self.err),
                             daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self, f, into):
        for line in iter(f.readline, b""):
            with self.lock:
                into.append((time.monotonic(), line.decode().rstrip("\n")))

    def lines(self, which="out"):
        with self.lock:
            return [l for _, l in (self.out if which == "out" else self.err)]

    def when(self, text, which="out"):
        """The arrival time of the first line containing text, or None."""
        with self.lock:
            for t, l in (self.out if which == "out" else self.err):
                if text in l:
                    return t
        return None

    def wait_line(self, text, which="out", timeout=ldtest.WAIT_S):
        return ldtest.wait_for(lambda: self.when(text, which), timeout,
                               "%r on std%s; have %r" % (
                                   text, which, self.lines(which)))

    def finish(self, timeout=ldtest.WAIT_S):
        self.p.wait(timeout)
        for t in self.threads:
            t.join(timeout)
        self.p.stdout.close()
        self.p.stderr.close()
        return self.p.returncode

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        return self.finish()


def socket_inodes(pid):
    """The inodes of the sockets process pid has open."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def established(port, pid, remote=False):
    """How many TCP connections process pid has established on port, from
    the kernel's table: on the listening side (the local address's port),
    or with remote on the connecting side (the remote address's port).
    Only pid's own sockets count: the table is the whole machine's, and a
    test running beside this one may hold connections on the same port
    number at another address."""
    col = 2 if remote else 1
    mine = socket_inodes(pid)
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if int(f[col].rsplit(":", 1)[1], 16) == port and \
                    f[3] == "01" and f[9] in mine:
                n += 1
    return n


def server_streams(s):
    """How many connections the Server s has established."""
    return established(s.port, s.proc.pid)


def test_several_sources_stream_at_once_over_http1():
    # libcurl 7.88 with PIPEWAIT on plain http:// served these one after
    # another: invoice-export connected only when nightly-sync ended.
    names = ["nightly-sync", "invoice-export", "crm-import"]
    with Server() as s:
        for n in names:
            s.ingest(n, [ev(0, n + " before")])
        f = Live("--server", s.url, "-f", "--tail", "1", *names)
        try:
            for n in names:
                f.wait_line(n + " before")
            ldtest.wait_for(lambda: server_streams(s) >= 3, scaled(5),
                            "three streams on the server (have %d)"
                            % server_streams(s))
            for n in names:
                t0 = time.monotonic()
                s.ingest(n, [ev(1, n + " live")])
                took = f.wait_line(n + " live", timeout=scaled(5)) - t0
                check(took < scaled(1.0),
                      "%s: first live line after %.2fs" % (n, took))
            eq(server_streams(s), 3, "concurrent streams")
            for n in names:
                s.status(n, "completed", exitCode=0)
            eq(f.finish(), 0, "exit status: %r" % f.lines("err"))
        finally:
            f.stop()


def test_several_sources_stream_at_once_over_https_without_http2():
    # PIPEWAIT stays on for https: ALPN tells at the handshake that this
    # server speaks only HTTP/1.1, so no stream waits for another.
    import subprocess
    import tempfile
    names = ["a", "b", "c"]
    with tempfile.TemporaryDirectory() as d, Server() as s:
        cert, key = d + "/cert.pem", d + "/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        for n in names:
            s.ingest(n, [ev(0, n + " before")])
        with ChaosProxy(s.port, tls=(cert, key)) as px:
            f = Live("--server", px.url, "--cacert", cert, "-f", "--tail",
                     "1", *names)
            try:
                for n in names:
                    f.wait_line(n + " before", timeout=scaled(5))
                for n in names:
                    t0 = time.monotonic()
                    s.ingest(n, [ev(1, n + " live")])
                    took = f.wait_line(n + " live",
                                       timeout=scaled(5)) - t0
                    check(took < scaled(1.0),
                          "%s: first live line after %.2fs" % (n, took))
            finally:
                f.stop()


def test_streams_over_http2_share_connections():
    # 250 streams through nghttpx (TLS, h2 to logdeck; it allows 100
    # streams per connection) ride 3 connections, not one each past the
    # first 100 (libcurl 7.88 opened 150 for these), and every one is
    # live.
    import socket
    import subprocess
    import tempfile
    names = ["h%03d" % i for i in range(250)]
    with tempfile.TemporaryDirectory() as d, \
            Server("--max-streams", "1000") as s:
        cert, key = d + "/cert.pem", d + "/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        for n in names:
            s.ingest(n, [ev(0, n + " before")])
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        port = ls.getsockname()[1]
        ls.close()
        proxy = subprocess.Popen(
            ["nghttpx", "-f127.0.0.1,%d" % port, "-b127.0.0.1,%d" % s.port,
             "--workers=1", "--backend-connections-per-host=600",
             "--backend-read-timeout=1h", "--frontend-read-timeout=1h",
             "--no-ocsp", "--errorlog-file=/dev/null",
             "--accesslog-file=/dev/null", key, cert],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ldtest.wait_for(lambda: socket.socket().connect_ex(
                ("127.0.0.1", port)) == 0, what="nghttpx to listen")
            f = Live("--server", "https://127.0.0.1:%d" % port, "--cacert",
                     cert, "-f", "--tail", "1", *names)
            try:
                for n in names:
                    f.wait_line(n + " before")
                conns = established(port, f.p.pid, remote=True)
                check(1 <= conns <= 4, "%d connections for %d streams"
                      % (conns, len(names)))
                for n in (names[0], names[150], names[-1]):
                    s.ingest(n, [ev(1, n + " live")])
                    f.wait_line(n + " live")
            finally:
                f.stop()
        finally:
            proxy.terminate()
            proxy.wait()


def _first_bytes(*args):
    """Run logdeck against a listener that keeps the first bytes it is
    sent and hangs up; returns them."""
    import socket
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(ldtest.WAIT_S)
    got = []

    def accept():
        c, _ = ls.accept()
        c.settimeout(ldtest.WAIT_S)
        data = b""
        while len(data) < 24:
            more = c.recv(24 - len(data))
            if not more:
                break
            data += more
        got.append(data)
        c.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    logdeck("--server", "http://127.0.0.1:%d" % ls.getsockname()[1],
            *args)
    t.join(ldtest.WAIT_S)
    ls.close()
    return got[0] if got else b""


def test_http2_speaks_prior_knowledge_on_plain_http():
    eq(_first_bytes("-f", "--http2", "x"), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
       "HTTP/2 connection preface")
    check(_first_bytes("-f", "x").startswith(b"GET /api/"),
          "HTTP/1.1 without --http2")


def _messages(out):
    return [l.split(": ", 1)[1] for l in lines(out)]


def test_resume_after_cuts_loses_and_doubles_nothing():
    n = 300
    with Server("--retry-ms", "50") as s:
        s.ingest("cut", [ev(i, "m%04d" % i) for i in range(n)])
        s.status("cut", "completed")
        # Cut the first four connections at awkward byte offsets: inside
        # the headers, mid-field, mid-line and mid-UTF-8 of later events.
        # Connection 0 is the start-up look-up of the name.
        plans = [{}, {"cut": 100}, {"cut": 777}, {"cut": 5000},
                 {"cut": 12345}]
        with ChaosProxy(s.port, plans) as px:
            r = logdeck("--server", px.url, "-f", "cut")
            eq(r.returncode, 0, "exit status: %r" % r.stderr)
            eq(_messages(r.stdout), ["m%04d" % i for i in range(n)], "lines")
            check(px.connections >= 6, "connections: %d" % px.connections)
            resumes = [h for h in px.requests if b"Last-Event-ID" in h]
            check(len(resumes) >= 3, "resumed with Last-Event-ID")
            check(b"Connection lost, reconnecting in" in r.stderr, r.stderr)


@ldtest.not_under_valgrind("it measures each reconnect wait to 0.25 s, "
                           "finer than memcheck's pace keeps")
def test_backoff_grows_from_the_server_retry_and_resets_when_healthy():
    # The server says retry: 50. Connections that deliver lines are cut
    # (healthy: the next wait starts over), the others are cut before a
    # byte (each wait's ceiling doubles). Waits are random below their
    # ceilings (full jitter) with a 100 ms floor. The ceilings themselves
    # are not random: -v prints each one, so a missing reset fails every
    # time, whatever the jitter drew.
    n = 20
    with Server("--retry-ms", "50") as s:
        s.ingest("bo", [ev(i, "m%02d" % i) for i in range(n)])
        s.status("bo", "completed")
        healthy, dead = {"cut": 600}, {"cut": 0}
        plans = [{}, healthy, dead, dead, dead, healthy, dead]
        with ChaosProxy(s.port, plans) as px:
            r = logdeck("--server", px.url, "-f", "-v", "bo")
            at = px.accepted_at
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(_messages(r.stdout), ["m%02d" % i for i in range(n)], "lines")
        gaps = [b - a for a, b in zip(at[1:], at[2:])]
        eq(len(gaps), 6, "reconnects")
        ceilings = [50, 100, 200, 400, 50, 100]
        told = [int(m) for m in
                re.findall(rb"reconnecting in .*ceiling (\d+) ms\]",
                           r.stderr)]
        eq(told, ceilings, "backoff ceilings")
        for k, (gap, c) in enumerate(zip(gaps, ceilings)):
            check(0.09 <= gap <= (c + 100) / 1000.0 + 0.25,
                  "wait %d: %.3fs, ceiling %d ms + 100 ms floor; all: %r"
                  % (k, gap, c, gaps))
        check(sum(gaps) < sum((c + 100) / 1000.0 for c in ceilings),
              "every wait at its ceiling: %r" % gaps)


def test_byte_at_a_time_stream_parses_like_a_whole_one():
    with Server() as s:
        s.ingest("slow", [ev(i, "ünïcödé %d ✓" % i) for i in range(15)])
        s.status("slow", "completed")
        whole = logdeck("--server", s.url, "-f", "slow")
        with ChaosProxy(s.port, chunk=1, delay=0.0005) as px:
            split = logdeck("--server", px.url, "-f", "slow")
        eq(split.returncode, 0, "exit status")
        eq(split.stdout, whole.stdout, "output")
        eq(len(lines(whole.stdout)), 15, "lines")


def test_stalled_stream_is_dropped_and_resumed():
    with Server("--retry-ms", "50") as s:
        s.ingest("st", [ev(i, "m%d" % i) for i in range(5)])
        with ChaosProxy(s.port, [{}, {"stall": 600}]) as px:
            f = Live("--server", px.url, "-f", "--heartbeat", "1", "st")
            f.wait_line("stalled", "err")
            s.status("st", "completed")
            eq(f.finish(), 0, "exit status: %r" % f.lines("err"))
            eq([l.split(": ", 1)[1] for l in f.lines()],
               ["m%d" % i for i in range(5)], "lines")


def test_lines_lost_to_retention_are_reported_as_a_gap():
    with Server("--ring", "10", "--retry-ms", "50") as s:
        s.ingest("gap", [ev(i, "m%d" % i) for i in range(3)])
        with ChaosProxy(s.port, [{}, {"stall": 500}]) as px:
            f = Live("--server", px.url, "-f", "--heartbeat", "1", "gap")
            # Once the stream answered, it gets stuck at 500 bytes; while
            # it is, the ring moves on.
            f.wait_line("Connected", "err")
            s.ingest("gap", [ev(i, "m%d" % i) for i in range(3, 40)])
            s.status("gap", "completed")
            eq(f.finish(), 0, "exit status: %r" % f.lines("err"))
        err = "\n".join(f.lines("err")).encode()
        msgs = [l.split(": ", 1)[1] for l in f.lines()]
        eq(msgs[-10:], ["m%d" % i for i in range(30, 40)], "retained tail")
        check(len(msgs) < 40, "lines the server no longer had: %r" % msgs)
        check(b"Gap:" in err, err)


def test_retry_after_is_honoured_on_503():
    busy = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    with Server() as s:
        s.ingest("busy", [ev(1, "finally")])
        s.status("busy", "completed")
        with ChaosProxy(s.port, [{}, {"canned": busy}]) as px:
            t0 = time.monotonic()
            r = logdeck("--server", px.url, "-f", "busy")
            took = time.monotonic() - t0
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(_messages(r.stdout), ["finally"], "lines")
        check(took >= 1.9, "waited %.2fs, Retry-After said 2s" % took)
        check(b"reconnecting in 2s" in r.stderr, r.stderr)


def _refusals_in(window_s, refusal):
    """Run logdeck against a server that refuses every stream with the
    canned answer refusal; returns (connections to the stream within
    window_s seconds of the first refusal, stderr lines by then)."""
    with Server() as s:
        s.ingest("busy", [ev(1)])
        with ChaosProxy(s.port, [{}] + [{"canned": refusal}] * 100000) as px, \
                tempfile.TemporaryFile() as err:
            e = dict(os.environ, TZ="UTC")
            p = subprocess.Popen([ldtest.LOGDECK, "--server", px.url, "-f",
                                  "busy"], stdout=subprocess.DEVNULL,
                                 stderr=err, env=e)
            try:
                ldtest.wait_for(lambda: px.connections >= 2,
                                what="the first stream request")
                t0 = px.accepted_at[1]
                # The window is wall time; waiting for the process to end
                # (it never does by itself) is how it passes.
                try:
                    p.wait(t0 + window_s - time.monotonic())
                except subprocess.TimeoutExpired:
                    pass
                with px.lock:
                    n = sum(1 for t in px.accepted_at[1:]
                            if t < t0 + window_s)
            finally:
                p.send_signal(signal.SIGINT)
                p.wait(ldtest.WAIT_S)
            err.seek(0)
            return n, err.read().splitlines()


def test_retry_after_zero_or_past_is_floored_and_backs_off():
    # STREAM_MIN_WAIT_MS and the doubling ceiling (1 s, 2 s, 4 s...) hold
    # even when every refusal says "come back now".
    for status, when in ((b"503 Service Unavailable", b"0"),
                         (b"429 Too Many Requests",
                          b"Wed, 21 Oct 2015 07:28:00 GMT")):
        busy = (b"HTTP/1.1 " + status + b"\r\nRetry-After: " + when +
                b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        n, err = _refusals_in(3.0, busy)
        check(1 <= n < 15, "%s, Retry-After %s: %d connections in 3 s"
              % (status, when, n))
        check(len(err) < 20, "%d stderr lines: %r" % (len(err), err[:5]))


def test_a_server_without_streams_is_polled_every_second():
    # The proxy turns stream requests into plain polling requests, as an
    # older server that ignores ?stream=true would answer them.
    nostream = [(b"stream=true", b"stream=no"),
                (b"Accept: text/event-stream", b"Accept: */*")]
    with Server() as s:
        s.ingest("old", [ev(i, "m%d" % i) for i in range(5)])
        with ChaosProxy(s.port, rewrite=nostream) as px:
            f = Live("--server", px.url, "-f", "old")
            f.wait_line("m4")
            s.ingest("old", [ev(i, "m%d" % i) for i in range(5, 10)])
            f.wait_line("m9")
            s.ingest("old", [ev(10, "m10")])
            s.status("old", "failed", exitCode=2)
            eq(f.finish(), 1, "exit status of a failed run: %r"
               % f.lines("err"))
        err = "\n".join(f.lines("err")).encode()
        eq([l.split(": ", 1)[1] for l in f.lines()],
           ["m%d" % i for i in range(11)], "lines")
        check(b"polling" in err, err)
        check(any(b"after=" in h for h in px.requests), "polled ?after=")


def test_http_proxy_from_the_environment_is_used():
    with Server() as s:
        s.ingest("viaproxy", [ev(1, "proxied")])
        s.status("viaproxy", "completed")
        with ChaosProxy(s.port) as px:
            r = logdeck("--server", s.url, "-f", "viaproxy",
                        env={"http_proxy": px.url, "no_proxy": "",
                             "NO_PROXY": ""})
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(_messages(r.stdout), ["proxied"], "lines")
        check(any(h.startswith(b"GET " + s.url.encode())
                  for h in px.requests), "absolute-form requests: %r"
              % px.requests)


def test_tls_is_verified_unless_insecure():
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d, Server() as s:
        cert, key = d + "/cert.pem", d + "/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        s.ingest("tls", [ev(1, "secure")])
        s.status("tls", "completed")
        with ChaosProxy(s.port, tls=(cert, key)) as px:
            r = logdeck("--server", px.url, "-f", "tls")
            eq(r.returncode, 3, "self-signed refused: %r" % r.stderr)
            check(b"certificate" in r.stderr, r.stderr)
            r = logdeck("--server", px.url, "-f", "tls", "--cacert", cert)
            eq(r.returncode, 0, "trusted with --cacert: %r" % r.stderr)
            eq(_messages(r.stdout), ["secure"], "lines")
            r = logdeck("--server", px.url, "-f", "tls", "--insecure")
            eq(r.returncode, 0, "--insecure: %r" % r.stderr)
            check(b"verification is off" in r.stderr, r.stderr)


def test_204_stops_cleanly_and_404_is_an_error():
    stop = (b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    with Server() as s:
        s.ingest("stopme", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": stop}]) as px:
            r = logdeck("--server", px.url, "-f", "stopme")
        eq(r.returncode, 0, "204: %r" % r.stderr)
        check(b"no more logs" in r.stderr, r.stderr)
        check(len(px.requests) == 2, "no reconnect after 204")
        # The source disappears between the look-up and the stream.
        gone = (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json"
                b"\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
                b'{"error":"not found"}')
        with ChaosProxy(s.port, [{}, {"canned": gone}]) as px:
            r = logdeck("--server", px.url, "-f", "stopme")
        eq(r.returncode, 3, "404: %r" % r.stderr)
        check(b"not found" in r.stderr, r.stderr)
        check(len(px.requests) == 2, "no reconnect after 404")


def test_tokens_past_the_limit_or_with_control_characters_are_refused():
    # AUTH_MAX_TOKEN is 4096; a CR or LF would start a header of its own.
    base = ("--server", "http://127.0.0.1:1", "-f", "x")
    r = logdeck(*base, "--token", "t" * 4097)
    eq(r.returncode, 2, "long token: %r" % r.stderr)
    check(b"longer than 4096 bytes" in r.stderr, r.stderr)
    r = logdeck(*base, env={"LOGDECK_TOKEN": "abc\r\nX-Evil: 1"})
    eq(r.returncode, 2, "CRLF token: %r" % r.stderr)
    check(b"control characters" in r.stderr, r.stderr)
    r = logdeck(*base, "--token", "t" * 4096)
    eq(r.returncode, 3, "a 4096-byte token is used: %r" % r.stderr)


def test_more_than_4096_sources_is_a_usage_error():
    # MAIN_MAX_SOURCES in src/logdeck.c.
    srcs = ["s%d" % i for i in range(4097)]
    r = logdeck("--server", "http://127.0.0.1:1", "-f", *srcs)
    eq(r.returncode, 2, "exit status")
    check(b"more than 4096 sources" in r.stderr, r.stderr)


def test_follow_streams_more_than_256_sources_at_once():
    # The limit was 256; 300 streams over HTTP/1.1 are 300 sockets, each
    # with its backlog and then a live line.
    names = ["many-%d" % i for i in range(300)]
    with Server() as s:
        for n in names:
            s.ingest(n, [ev(0, n + " before")])
        f = Live("--server", s.url, "-f", "--tail", "1", *names)
        try:
            for n in names:
                f.wait_line(n + " before", timeout=scaled(60))
            ldtest.wait_for(lambda: server_streams(s) >= 300, scaled(60),
                            "300 streams on the server (have %d)"
                            % server_streams(s))
            s.ingest(names[-1], [ev(1, "last one live")])
            f.wait_line("last one live", timeout=scaled(30))
            for n in names:
                s.status(n, "completed", exitCode=0)
            eq(f.finish(), 0, "exit status: %r" % f.lines("err")[-3:])
        finally:
            f.stop()


def test_retry_after_past_ten_minutes_is_clamped():
    busy = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 99999\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    with Server() as s:
        s.ingest("later", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": busy}]) as px:
            p = spawn("--server", px.url, "-f", "later")
            seen = b""
            while b"reconnecting in" not in seen:
                line = p.stderr.readline()
                check(line, "stderr ended: %r" % seen)
                seen += line
            p.send_signal(signal.SIGINT)
            p.wait(ldtest.WAIT_S)
        check(b"reconnecting in 600s" in seen, seen)
        eq(p.returncode, 130, "exit status")


def _json_answer(size):
    """An HTTP answer whose JSON array body is size bytes."""
    body = b"[" + b" " * (size - 2) + b"]"
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % size
            + body)


def test_answers_past_the_body_limit_fail_clearly():
    # CLIENT_MAX_BODY is 64 MiB, for the start-up look-up and for a page of
    # the polling API.
    big = _json_answer(64 * 1024 * 1024 + 16)
    with Server() as s:
        s.ingest("big", [ev(1)])
        with ChaosProxy(s.port, [{"canned": big}]) as px:
            r = logdeck("--server", px.url, "-f", "big")
        eq(r.returncode, 3, "look-up: %r" % r.stderr)
        check(b"larger than 67108864 bytes" in r.stderr, r.stderr)
        nostream = [(b"stream=true", b"stream=no")]
        with ChaosProxy(s.port, [{}, {"canned": big}],
                        rewrite=nostream) as px:
            r = logdeck("--server", px.url, "-f", "big")
        eq(r.returncode, 3, "polling: %r" % r.stderr)
        check(b"larger than 67108864 bytes" in r.stderr, r.stderr)
        eq(len(px.requests), 2, "the same page is not asked for again")


def test_error_bodies_past_their_limit_are_not_quoted():
    # STREAM_MAX_ERROR_BODY keeps 4096 bytes of an error answer.
    body = b'{"error":"' + b"x" * 5000 + b'"}'
    refused = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json"
               b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
               % len(body) + body)
    with Server() as s:
        s.ingest("e", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": refused}]) as px:
            r = logdeck("--server", px.url, "-f", "e")
    eq(r.returncode, 3, "exit status")
    check(b"HTTP 400: refused by the server" in r.stderr, r.stderr[-300:])
    check(b"xxxxxxxxxx" not in r.stderr, "the body was quoted")


# U+0085 (NEL), U+009B (CSI), U+202E (right-to-left override) and a byte
# that is not UTF-8: what a hostile server could put in its error texts.
_HOSTILE = "<\u0085\u009b\u202e".encode() + b"\xff>"


def _check_escaped(err):
    for raw in (b"\xc2\x85", b"\xc2\x9b", b"\xe2\x80\xae", b"\xff"):
        check(raw not in err, "raw %r reached stderr: %r" % (raw, err))
    check(b"<\\u0085\\u009b\\u202e\xef\xbf\xbd>" in err,
          "escaped text: %r" % err)


def _answer(status, body, ctype=b"application/json"):
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype +
            b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body) + body)


def test_server_error_text_and_names_reach_stderr_escaped():
    refused = _answer(b"400 Bad Request", b'{"error":"' + _HOSTILE + b'"}')
    listing = _answer(b"200 OK", b'[{"id":"e1","name":"' + _HOSTILE + b'"}]')
    gone = _answer(b"404 Not Found", b'{"error":"not found"}')
    with Server() as s:
        s.ingest("e", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": refused}]) as px:
            r = logdeck("--server", px.url, "-f", "e")
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        _check_escaped(r.stderr)
        with ChaosProxy(s.port, [{"canned": listing},
                                 {"canned": gone}]) as px:
            r = logdeck("--server", px.url, "-f", "e1")
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"not found" in r.stderr, r.stderr)
        _check_escaped(r.stderr)


def test_an_event_past_max_event_keeps_its_id_time_level_and_says_cut():
    # --max-event 1024 (its lowest): the server sends id, timestamp and
    # level first, then the message that the cap cuts.
    long_msg = "x" * 1500 + "\u00e9"
    with Server() as s:
        s.ingest("big", [ev(1, "short"), ev(2, long_msg, level="WARN"),
                         ev(3, "after")])
        s.status("big", "completed")
        r = logdeck("--server", s.url, "-f", "big", "-o", "json",
                    "--max-event", "1024")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        out = [json.loads(l) for l in lines(r.stdout)]
        eq([o["id"] for o in out], [1, 2, 3], "ids")
        cut = out[1]
        eq(cut["timestamp"], "2024-12-07T14:23:02.123Z", "timestamp")
        eq(cut["level"], "WARN", "level")
        check(cut["truncated"] > 0, "not marked cut: %r" % cut)
        check(long_msg.startswith(cut["message"]) and
              len(cut["message"]) > 900, "message: %r" % cut["message"])
        r = logdeck("--server", s.url, "-f", "big", "--max-event", "1024")
        text = lines(r.stdout)[1]
        check(text.startswith("[2024-12-07 14:23:02] WARN: xxx"), text)
        check(text.endswith(" bytes]") and "[truncated " in text, text)
    # The cut falls before the JSON id: the SSE id field gives it.
    stream = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              b"Connection: close\r\n\r\nid: 41\nevent: log\ndata: "
              b'{"message":"' + b"y" * 2000 + b'","id":41}\n\n'
              b'event: status\ndata: {"status":"completed"}\n\n')
    with Server() as s:
        s.ingest("sse", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": stream}]) as px:
            r = logdeck("--server", px.url, "-f", "sse", "-o", "json",
                        "--max-event", "1024")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        out = json.loads(lines(r.stdout)[0])
        eq(out["id"], 41, "id from the SSE field")
        check(out["message"].startswith("yyy"), out)


def test_an_event_escaping_past_64_mib_is_printed_whole():
    # Each ESC byte becomes \u001b (6 bytes) in JSON: 11.2 MB of them make
    # a 67 MB line, more than any fixed 64 MiB output cap would take.
    n = 11200000
    stream = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              b"Connection: close\r\n\r\nretry: 1000\n\nid: 1\n"
              b"event: log\ndata: " + b"\x1b" * n + b"\n\nevent: status\n"
              b'data: {"status":"completed"}\n\n')
    with Server() as s:
        s.ingest("huge", [ev(1)])
        with ChaosProxy(s.port, [{}, {"canned": stream}]) as px:
            r = logdeck("--server", px.url, "-f", "huge", "-o", "json",
                        "--max-event", "12000000",
                        timeout=scaled(60))
    eq(r.returncode, 0, "exit status: %r" % r.stderr[-300:])
    out = lines(r.stdout)
    eq(len(out), 1, "lines")
    eq(json.loads(out[0])["message"], "\x1b" * n, "the whole message")


def test_automations_logs_fetch_shape_prints_and_exits():
    with Server() as s:
        s.ingest("fetchme", [ev(i, "m%d" % i) for i in range(5)])
        r = logdeck("--server", s.url, "automations", "logs", "fetchme")
        eq(r.returncode, 0, "exit status")
        eq(_messages(r.stdout), ["m%d" % i for i in range(5)], "lines")
        s.status("fetchme", "completed")
        r = logdeck("--server", s.url, "automations", "logs", "fetchme",
                    "--follow", "--tail", "2")
        eq(_messages(r.stdout), ["m3", "m4"], "follow shape")


def run_once(s, src, msgs, status="completed", exit_code=0, run_id=None):
    """Drive one whole run of src by POSTs: running, its lines, the end."""
    extra = {"runId": run_id} if run_id else {}
    s.status(src, "running", **extra)
    s.ingest(src, [ev(i, m) for i, m in enumerate(msgs)])
    if exit_code is None:
        s.status(src, status)
    else:
        s.status(src, status, exitCode=exit_code)


def test_completed_with_a_non_zero_exit_code_exits_1():
    with Server() as s:
        s.ingest("backup-verify", [ev(1, "verifying")])
        s.status("backup-verify", "completed", exitCode=4)
        r = logdeck("--server", s.url, "-f", "backup-verify")
        eq(r.returncode, 1, "exit status: %r" % r.stderr)
        check(b"(exit code 4)" in r.stderr, r.stderr)
        s.ingest("fine", [ev(1, "ok")])
        s.status("fine", "completed", exitCode=0)
        eq(logdeck("--server", s.url, "-f", "fine").returncode, 0,
           "exit code 0")


def test_default_follow_prints_only_the_current_run():
    # It printed all 12 retained runs before the live one.
    with Server() as s:
        for n in range(1, 12):
            run_once(s, "backup-verify", ["run %d line %d" % (n, k)
                                          for k in range(2)])
        s.status("backup-verify", "running")
        s.ingest("backup-verify", [ev(0, "run 12 line 0")])
        f = Live("--server", s.url, "-f", "backup-verify")
        try:
            f.wait_line("run 12 line 0")
            s.ingest("backup-verify", [ev(1, "run 12 line 1")])
            f.wait_line("run 12 line 1")
            s.status("backup-verify", "completed", exitCode=0)
            eq(f.finish(), 0, "exit status: %r" % f.lines("err"))
        finally:
            f.stop()
        eq([l.split(": ", 1)[1] for l in f.lines()],
           ["run 12 line 0", "run 12 line 1"], "stdout")
        err = f.lines("err")
        check("Run 12 started" in err, err)
        check(any(l.startswith("Run 12 completed (exit code 0) after ")
                  for l in err), err)
        check(not any("Run" in l for l in f.lines()), "boundaries on stdout")


def test_default_follow_of_a_finished_source_prints_its_last_run():
    with Server() as s:
        run_once(s, "nightly", ["first run"], "failed", 1)
        run_once(s, "nightly", ["second run"], "failed", 3)
        r = logdeck("--server", s.url, "-f", "nightly")
        eq(r.returncode, 1, "the last run's outcome: %r" % r.stderr)
        eq(_messages(r.stdout), ["second run"], "stdout")
        check(b"Run 2 failed (exit code 3) after " in r.stderr, r.stderr)


def test_a_cut_while_the_next_run_starts_still_ends_with_the_run_followed():
    # The stream is cut after its first line; the reconnect is refused
    # once (Retry-After: 1), and meanwhile run 1 ends and run 2 starts.
    # The resumed stream must read run 1 to its end, not "the current
    # run", which is now run 2.
    busy = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 17\r\n"
            b"Connection: close\r\n\r\n{\"error\":\"busy\"}")
    with Server("--retry-ms", "50") as s:
        s.status("pin", "running", runId="pin-1")
        s.ingest("pin", [ev(1, "run 1 line 1")])
        # Connection 0 is the look-up; 1 the stream (463 bytes up to the
        # end of the first event), cut inside the second; 2 the refused
        # reconnect.
        with ChaosProxy(s.port, [{}, {"cut": 520}, {"canned": busy}]) as px:
            p = spawn("--server", px.url, "-f", "pin")
            ldtest.wait_for(lambda: px.connections >= 2, what="the stream")
            s.ingest("pin", [ev(2, "run 1 line 2")])
            ldtest.wait_for(lambda: px.connections >= 3, what="the refusal")
            s.status("pin", "completed", exitCode=0)
            s.status("pin", "running", runId="pin-2")
            s.ingest("pin", [ev(3, "run 2 line 1")])
            try:
                out, err = p.communicate(timeout=ldtest.WAIT_S)
            finally:
                if p.poll() is None:
                    p.kill()
        eq(p.returncode, 0, "exit status: %r" % err)
        eq(_messages(out), ["run 1 line 1", "run 1 line 2"], "lines")
        resumed = [h for h in px.requests if b"Last-Event-ID" in h]
        check(resumed and b"run=1" in resumed[-1].split(b"\r\n")[0],
              "the resume names run 1: %r" % resumed)


def test_run_previous_and_run_by_number_or_id():
    with Server() as s:
        run_once(s, "job", ["one a", "one b"], "failed", 2, "job-run-1")
        run_once(s, "job", ["two"], "completed", 0, "job-run-2")
        r = logdeck("--server", s.url, "-f", "--run", "previous", "job")
        eq(r.returncode, 1, "run 1 failed: %r" % r.stderr)
        eq(_messages(r.stdout), ["one a", "one b"], "run 1's lines")
        check(b"Run 1 failed (exit code 2)" in r.stderr, r.stderr)
        r = logdeck("--server", s.url, "-f", "--run", "2", "job")
        eq((r.returncode, _messages(r.stdout)), (0, ["two"]), "run 2")
        r = logdeck("--server", s.url, "-f", "--run", "job-run-1", "job")
        eq(_messages(r.stdout), ["one a", "one b"], "by runId")
        r = logdeck("--server", s.url, "-f", "--run", "9", "job")
        eq(r.returncode, 3, "no such run: %r" % r.stderr)
        check(b"has no run '9'" in r.stderr, r.stderr)


def test_since_starts_at_a_time_or_a_duration_back():
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)

    def iso(hours_back):
        t = now - datetime.timedelta(hours=hours_back)
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with Server() as s:
        s.ingest("since", [ev(0, "3h ago", ts=iso(3)),
                           ev(1, "1h ago", ts=iso(1)),
                           ev(2, "now", ts=iso(0))])
        s.status("since", "completed", exitCode=0)
        r = logdeck("--server", s.url, "-f", "--since", "2h", "since")
        eq((r.returncode, _messages(r.stdout)), (0, ["1h ago", "now"]),
           "--since 2h: %r" % r.stderr)
        r = logdeck("--server", s.url, "-f", "--since", "90m", "since")
        eq(_messages(r.stdout), ["1h ago", "now"], "--since 90m")
        r = logdeck("--server", s.url, "-f", "--since", iso(0.5), "since")
        eq(_messages(r.stdout), ["now"], "--since ISO 8601")
        r = logdeck("--server", s.url, "automations", "logs", "since",
                    "--since", "4h")
        eq(_messages(r.stdout), ["3h ago", "1h ago", "now"], "fetch")


def test_until_stopped_follows_run_after_run():
    with Server() as s:
        s.status("loop", "queued")
        f = Live("--server", s.url, "-f", "--until-stopped", "loop")
        try:
            f.wait_line("Connected", "err")
            outcomes = [("completed", 0), ("failed", 5), ("completed", 0)]
            for n, (status, code) in enumerate(outcomes, 1):
                run_once(s, "loop", ["run %d line %d" % (n, k)
                                     for k in range(3)], status, code)
                f.wait_line("Run %d %s" % (n, status), "err")
            check(f.p.poll() is None, "still following after three runs")
            s.status("loop", "running")
            f.wait_line("Run 4 started", "err")
            check(f.p.poll() is None, "still following")
        finally:
            rc = f.stop()
        eq(rc, 130, "stopped by Ctrl-C")
        eq([l.split(": ", 1)[1] for l in f.lines()],
           ["run %d line %d" % (n, k) for n in (1, 2, 3) for k in range(3)],
           "every line once, in order")
        got = [l for l in f.lines("err") if l.startswith("Run ")]
        eq([" ".join(l.split()[:3]) for l in got],
           ["Run 1 started", "Run 1 completed", "Run 2 started",
            "Run 2 failed", "Run 3 started", "Run 3 completed",
            "Run 4 started"], "boundaries in order")
        check("(exit code 5)" in got[3], got[3])


def test_several_sources_end_when_every_run_has_ended():
    with Server() as s:
        s.status("a", "running")
        s.status("b", "running")
        f = Live("--server", s.url, "-f", "a", "b")
        try:
            f.wait_line("a: Run 1 started", "err")
            f.wait_line("b: Run 1 started", "err")
            s.ingest("a", [ev(1, "from a")])
            s.status("a", "failed", exitCode=1)
            f.wait_line("a: Run 1 failed", "err")
            check(f.p.poll() is None, "b's run is not over yet")
            s.ingest("b", [ev(1, "from b")])
            s.status("b", "completed", exitCode=0)
            eq(f.finish(), 1, "a failed")
        finally:
            f.stop()
        eq(sorted(l.split(" | ")[0] for l in f.lines()), ["a", "b"],
           "lines prefixed by their source")


def test_run_and_since_past_their_limits_are_usage_errors():
    # MAIN_MAX_RUN (128 bytes, the API's runId) and MAIN_MAX_SINCE_S
    # (3650 days) in src/logdeck.c.
    with Server() as s:
        s.ingest("lim", [ev(1)])
        s.status("lim", "completed", exitCode=0)
        r = logdeck("--server", s.url, "-f", "--run", "r" * 129, "lim")
        eq(r.returncode, 2, "--run of 129 bytes")
        check(b"--run" in r.stderr, r.stderr)
        r = logdeck("--server", s.url, "-f", "--run", "r" * 128, "lim")
        eq(r.returncode, 3, "--run of 128 bytes is asked for: %r" % r.stderr)
        r = logdeck("--server", s.url, "-f", "--since", "3651d", "lim")
        eq(r.returncode, 2, "--since 3651d")
        r = logdeck("--server", s.url, "-f", "--since", "3650d", "lim")
        eq(r.returncode, 0, "--since 3650d: %r" % r.stderr)
        for bad in ("yesterday", "10x", "2024-12-07", "-5m", "m", "90"):
            r = logdeck("--server", s.url, "-f", "--since", bad, "lim")
            eq(r.returncode, 2, "--since %s" % bad)
        r = logdeck("--server", s.url, "--until-stopped", "automations",
                    "logs", "lim")
        eq(r.returncode, 2, "--until-stopped without --follow")


def test_a_numeric_id_in_the_list_resolves():
    # The list's one decoder takes numeric ids (srclist_decode).
    body = b'[{"id":42,"name":"payroll","status":"completed"}]'
    canned = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n"
              % len(body) + body)
    with Server() as s:
        s.ingest("42", [ev(1, "paid")])
        s.status("42", "completed", exitCode=0)
        with ChaosProxy(s.port, [{"canned": canned}]) as px:
            r = logdeck("--server", px.url, "-f", "payroll")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(_messages(r.stdout), ["paid"], "lines of source 42")


def test_polling_follows_the_current_run_and_a_previous_one():
    nostream = [(b"stream=true", b"stream=no"),
                (b"Accept: text/event-stream", b"Accept: */*")]
    with Server() as s:
        run_once(s, "old", ["one"], "failed", 2)
        s.status("old", "running")
        s.ingest("old", [ev(0, "two a")])
        with ChaosProxy(s.port, rewrite=nostream) as px:
            f = Live("--server", px.url, "-f", "old")
            try:
                f.wait_line("polling", "err")
                f.wait_line("two a")
                s.ingest("old", [ev(1, "two b")])
                f.wait_line("two b")
                s.status("old", "completed", exitCode=0)
                eq(f.finish(), 0, "exit status: %r" % f.lines("err"))
            finally:
                f.stop()
            eq([l.split(": ", 1)[1] for l in f.lines()], ["two a", "two b"],
               "the current run's lines")
            check(any(l.startswith("Run 2 completed (exit code 0)")
                      for l in f.lines("err")), f.lines("err"))
            r = logdeck("--server", px.url, "-f", "--run", "previous", "old")
            eq(r.returncode, 1, "run 1 failed: %r" % r.stderr)
            eq(_messages(r.stdout), ["one"], "run 1's lines")
            check(any(b"run=previous" in h for h in px.requests),
                  "polled with run=")


ldtest.main(globals())
