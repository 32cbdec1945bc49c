#!/usr/bin/env python3
"""soak.py - make soak: logdeck and logdeck-server under everything at once
for SOAK_TIME seconds (default 5400, the 90-minute run; CI runs 180), then
proof that nothing was lost, doubled or leaked.

What runs (all real: binaries, PostgreSQL, tmux, loopback):
  - logdeck-server on a throwaway PostgreSQL cluster (pgcluster.py), with
    expiring tokens (--token-ttl), restarted (SIGTERM, start again on the
    same port) every RESTART_EVERY_S;
  - a producer posting SOURCES live automations, BATCH events per source
    every TICK_S (some lines long, some with escape sequences);
  - three logdeck --follow -o json of every source: one direct, one
    through chaosproxy.py (every stream request gets cut, stalled or
    answered 503 at random, token POSTs cut or answered 503), one whose stdout is read slowly (it stops
    reading for SLOW_STALL_S at a time, past the server's stall timeout);
  - the full-screen view (--all --merged) in tmux at a fixed size, resized
    and made to unwatch and watch a source every TUI_EVERY_S.
Every SAMPLE_EVERY_S it prints the RSS and open descriptors of every
process (the series). At the end the producer completes every run and
the check is: each follower exits 0 by itself having printed every event
exactly once and in order, the view shows each source's last lines in
order with none doubled and quits with status 0, the server stops with
status 0, and no process grew past its bound (RSS_GROWTH_MAX_KIB,
FD_GROWTH_MAX) after the warm-up. Ends with "N passed, N failed".

Environment: SOAK_TIME (seconds), SOAK_SEED (default 1), SOAK_DIR (keep
the logs there; default a temporary directory, removed when all passed),
LOGDECK, LOGDECK_SERVER, PYTHONPATH as make check sets them.
"""
import datetime
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import chaosproxy
import ldtest
import pgcluster
import tuitmux

SOAK_TIME = int(os.environ.get("SOAK_TIME", "5400"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
SOURCES = 4          # live automations soak-0 .. soak-3
TICK_S = 0.25        # the producer posts every source once a tick ...
BATCH = 5            # ... this many events each (80 events/s in all)
LONG_LINE = 6000     # bytes of the occasional long line
RESTART_EVERY_S = 60
TUI_EVERY_S = 15
SAMPLE_EVERY_S = 10
SLOW_STALL_S = 25    # the slow reader stops reading this long ...
SLOW_READ_S = 20     # ... then reads this long, and again
SLOW_RCVBUF = 4096   # the slow stream reader's receive buffer
TOKEN_TTL_S = 60     # the clients' tokens expire this often
HEARTBEAT_S = 2      # server heartbeat; clients drop a stream silent 3x
STALL_TIMEOUT_S = 10  # the server drops a stream not drained this long
SCROLLBACK_MIB = 8   # the view's --scrollback (its lines' memory bound)
# The warm-up: samples up to here set each process's baseline.
WARMUP_S = max(30, min(300, SOAK_TIME // 6))
# How far a process may grow past the largest figure of its warm-up.
RSS_GROWTH_MAX_KIB = {
    "server": 32 * 1024,
    "follow": 16 * 1024,
    "follow-chaos": 16 * 1024,
    "follow-slow": 16 * 1024,
    # The view keeps up to --scrollback of lines, filled after warm-up.
    "view": SCROLLBACK_MIB * 1024 + 24 * 1024,
}
FD_GROWTH_MAX = 8
END_TIMEOUT_S = 180  # the end: followers finish, the view shows all
PRODUCER = "soak-producer-T0ken"
CLIENT = {"client_id": "soak", "client_secret": "soak-s3cret"}
ROW_RE = re.compile(r"soak-(\d) (\d{7})")

DIR = os.environ.get("SOAK_DIR") or tempfile.mkdtemp(prefix="ldsoak-")
os.makedirs(DIR, exist_ok=True)
T0 = time.monotonic()


def say(msg):
    print("[%6.0fs] %s" % (time.monotonic() - T0, msg), flush=True)


def free_port():
    """A loopback port nobody listens on now (the server keeps it across
    restarts; libevent binds with SO_REUSEADDR)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class SoakServer:
    """logdeck-server on a fixed port, restartable."""

    def __init__(self, pg):
        auth = os.path.join(DIR, "clients.json")
        with open(auth, "w") as f:
            json.dump([CLIENT], f)
        os.chmod(auth, 0o600)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.args = [ldtest.LOGDECK_SERVER, "--listen",
                     "127.0.0.1:%d" % self.port, "--store", pg.url,
                     "--auth-file", auth, "--token", PRODUCER,
                     "--token-ttl", str(TOKEN_TTL_S),
                     "--heartbeat", str(HEARTBEAT_S), "--retry-ms", "300",
                     "--stall-timeout", str(STALL_TIMEOUT_S)]
        self.log = open(os.path.join(DIR, "server.log"), "ab")
        self.proc = None
        self.starts = 0
        self.bad_exits = []
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else b""
        if not line.startswith(b"listening on"):
            raise ldtest.TestFailure("server did not start: %r" % line)
        self.starts += 1

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc.stdout.close()
        if rc != 0:
            self.bad_exits.append(rc)
        return rc

    def restart(self):
        self.stop()
        self.start()

    def post(self, path, body):
        """POST with the producer's token; (status, body)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request("POST", path, body=json.dumps(body), headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer " + PRODUCER})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()


class Producer(threading.Thread):
    """Posts BATCH events to every source each TICK_S. The server restarts
    only between posts (self.lock), so no batch is ever in doubt: each is
    acknowledged exactly once."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.lock = threading.Lock()
        self.rng = random.Random(SEED)
        self.seq = [0] * SOURCES  # next seq of each source
        self.stopping = threading.Event()
        self.error = None

    def message(self, k, seq):
        r = self.rng.random()
        pad = "x" * self.rng.randint(0, 120)
        if r < 0.01:
            pad = "long " + "y" * LONG_LINE
        elif r < 0.05:
            # Hostile text: escapes, C1 and a bidi override.
            pad += " \x1b[2J\x1b]0;title\x07 \u009b31m \u202e tail"
        return "soak-%d %07d %s" % (k, seq, pad)

    def batch(self, k):
        now = datetime.datetime.now(datetime.timezone.utc)
        ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
            now.microsecond // 1000)
        out = []
        for _ in range(BATCH):
            out.append({"timestamp": ts, "level": self.rng.choice(
                ("INFO", "WARN", "ERROR")), "message":
                self.message(k, self.seq[k]), "task": "soak"})
            self.seq[k] += 1
        return out

    def run(self):
        try:
            nxt = time.monotonic()
            while not self.stopping.is_set():
                with self.lock:
                    for k in range(SOURCES):
                        st, body = self.server.post(
                            "/api/automations/soak-%d/logs" % k,
                            self.batch(k))
                        if st not in (200, 201):
                            raise RuntimeError("ingest: %d %r" % (st, body))
                nxt += TICK_S
                self.stopping.wait(max(0, nxt - time.monotonic()))
        except Exception as e:  # reported by the check at the end
            self.error = repr(e)


class Follower:
    """logdeck --follow -o json of every source; a thread keeps its
    stdout, slowly when slow is set (until fast())."""

    def __init__(self, name, url, slow=False):
        self.name = name
        self.slow = slow
        self.hurry = threading.Event()
        self.lines = []
        self.err = open(os.path.join(DIR, name + ".err"), "wb")
        env = dict(os.environ, TZ="UTC",
                   LOGDECK_CLIENT_ID=CLIENT["client_id"],
                   LOGDECK_CLIENT_SECRET=CLIENT["client_secret"])
        self.proc = subprocess.Popen(
            [ldtest.LOGDECK, "--server", url, "--heartbeat",
             str(HEARTBEAT_S), "-f", "-o", "json"] +
            ["soak-%d" % k for k in range(SOURCES)],
            stdout=subprocess.PIPE, stderr=self.err, env=env)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        out = self.proc.stdout
        if self.slow:
            # Read for SLOW_READ_S, then nothing for SLOW_STALL_S; the
            # pipe fills, logdeck stops reading, the server drops it.
            while not self.hurry.is_set():
                end = time.monotonic() + SLOW_READ_S
                while time.monotonic() < end and not self.hurry.is_set():
                    line = out.readline()
                    if not line:
                        return
                    self.lines.append(line)
                self.hurry.wait(SLOW_STALL_S)
        for line in out:
            self.lines.append(line)

    def fast(self):
        self.hurry.set()


class SlowStream(threading.Thread):
    """A reader of soak-0's event stream that takes its time: a small
    receive window (SO_RCVBUF SLOW_RCVBUF), SLOW_READ_S of reading, then
    SLOW_STALL_S of none, past the server's --stall-timeout, so the server
    drops it; it comes back with Last-Event-ID and a token of its own
    (POST /api/auth/token). Keeps the seqs it got, and counts the drops."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.seqs = []
        self.drops = 0  # ends after a stall
        self.ends = 0   # other ends: restarts, expired tokens
        self.last_id = None
        self.token = None
        self.want = None  # set at the end: read until this seq, fast
        self.error = None

    def _token(self):
        c = http.client.HTTPConnection("127.0.0.1", self.server.port,
                                       timeout=30)
        try:
            c.request("POST", "/api/auth/token", body=json.dumps(CLIENT),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            body = r.read()
            return json.loads(body)["access_token"] if r.status == 200 \
                else None
        finally:
            c.close()

    def _open(self):
        """The stream's response, or None (server away, token refused)."""
        if self.token is None:
            self.token = self._token()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
        sock.settimeout(60)
        sock.connect(("127.0.0.1", self.server.port))
        c = http.client.HTTPConnection("127.0.0.1", self.server.port)
        c.sock = sock
        h = {"Accept": "text/event-stream",
             "Authorization": "Bearer %s" % self.token}
        if self.last_id is not None:
            h["Last-Event-ID"] = self.last_id
        c.request("GET", "/api/automations/soak-0/logs", headers=h)
        r = c.getresponse()
        if r.status != 200:
            if r.status == 401:
                self.token = None
            c.close()
            return None
        return c, r

    def done(self):
        return self.want is not None and self.seqs and \
            self.seqs[-1] >= self.want - 1

    def run(self):
        try:
            while not self.done():
                try:
                    opened = self._open()
                except OSError:
                    opened = None
                if opened is None:
                    time.sleep(0.5)
                    continue
                self._read(*opened)
        except Exception as e:  # reported by the check at the end
            self.error = repr(e)

    def _read(self, c, r):
        ev_id, data = None, None
        phase_end = time.monotonic() + SLOW_READ_S
        stalled = False
        try:
            while not self.done():
                if self.want is None and time.monotonic() > phase_end:
                    time.sleep(SLOW_STALL_S)
                    phase_end = time.monotonic() + SLOW_READ_S
                    stalled = True
                line = r.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line.startswith("id:"):
                    ev_id = line[3:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif line == "" and data is not None:
                    try:
                        m = ROW_RE.match(json.loads(data).get("message", ""))
                    except (ValueError, AttributeError):
                        m = None
                    if m and ev_id is not None:
                        self.seqs.append(int(m.group(2)))
                        self.last_id = ev_id
                    ev_id, data = None, None
        except (OSError, http.client.HTTPException):
            pass
        finally:
            c.close()
        if not self.done():
            # Ended by the server: after a stall, for not reading (a
            # restart or an expired token may end it then too, rarely).
            if stalled:
                self.drops += 1
            else:
                self.ends += 1


def sample(pid):
    """(RSS KiB, open descriptors) of pid, or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        return rss, len(os.listdir("/proc/%d/fd" % pid))
    except (OSError, AttributeError):
        return None


class ChaosPlans:
    """chaosproxy's by_path: every stream request (.../logs) gets a fresh
    random plan: cut after some bytes, stall, or a canned 503; every
    token POST (/api/auth/) but the first (the start-up one, which must
    get through) gets one too: cut in its headers or its body, or a
    canned 503, which the follower must wait out and renew again. The
    proxy walks by_path for each request and stops at the first match,
    so the line after a yield runs only for a request that did not
    match. The proxy closes after every answer (close_each), so a plan
    applies to the one request it was drawn for, never to a later one
    riding the same kept-alive connection."""

    def __init__(self, rng):
        self.rng = rng
        self.counts = {"cut": 0, "stall": 0, "503": 0, "clean": 0,
                       "auth-cut": 0, "auth-503": 0, "auth-clean": 0}
        self.auth_seen = 0

    def _auth_plan(self):
        self.auth_seen += 1
        r = self.rng.random()
        if self.auth_seen == 1 or r >= 0.3:
            return {}, "auth-clean"
        if r < 0.2:
            # The answer is about 200 bytes of headers, 200 of body.
            return {"cut": self.rng.randint(1, 380)}, "auth-cut"
        return {"canned": b"HTTP/1.1 503 Service Unavailable\r\n"
                b"Retry-After: 1\r\nContent-Length: 0\r\n"
                b"Connection: close\r\n\r\n"}, "auth-503"

    def __iter__(self):
        r = self.rng.random()
        if r < 0.6:
            plan, kind = {"cut": self.rng.randint(300, 40000)}, "cut"
        elif r < 0.7:
            plan, kind = {"stall": self.rng.randint(300, 40000)}, "stall"
        elif r < 0.8:
            plan, kind = {"canned": b"HTTP/1.1 503 Service Unavailable\r\n"
                          b"Retry-After: 1\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\n\r\n"}, "503"
        else:
            plan, kind = {}, "clean"
        self.counts[kind] += 1
        yield (b"/logs", plan)
        self.counts[kind] -= 1
        plan, kind = self._auth_plan()
        self.counts[kind] += 1
        yield (b"/api/auth/", plan)
        self.counts[kind] -= 1
        self.auth_seen -= 1


def check_follower(f, last):
    """Every event of every source once, in order, and exit status 0."""
    ldtest.eq(f.proc.returncode, 0, "%s exit status" % f.name)
    got = [[] for _ in range(SOURCES)]
    for line in f.lines:
        m = ROW_RE.match(json.loads(line)["message"])
        got[int(m.group(1))].append(int(m.group(2)))
    for k in range(SOURCES):
        if got[k] != list(range(last[k])):
            seen = set()
            dup = [s for s in got[k] if s in seen or seen.add(s)]
            missing = sorted(set(range(last[k])) - set(got[k]))
            raise ldtest.TestFailure(
                "%s soak-%d: %d lines for %d events; doubled %r; "
                "missing %r" % (f.name, k, len(got[k]), last[k], dup[:10],
                                missing[:10]))


def check_view_rows(text, last):
    """The view's log rows: each source's in order, none doubled or
    skipped, and its last event there."""
    rows = {}
    for m in ROW_RE.finditer(text):
        rows.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    for k in range(SOURCES):
        seqs = rows.get(k, [])
        ldtest.check(seqs and seqs[-1] == last[k] - 1,
                     "view: soak-%d ends at %r, want %d" %
                     (k, seqs[-1:], last[k] - 1))
        ldtest.eq(seqs, list(range(seqs[0], seqs[0] + len(seqs))),
                  "view: soak-%d rows" % k)


def check_bounds(series):
    """After the warm-up no process grew past its bound."""
    bad = []
    for role, pts in sorted(series.items()):
        warm = [p for p in pts if p[0] <= WARMUP_S]
        late = [p for p in pts if p[0] > WARMUP_S]
        if not warm or not late:
            bad.append("%s: no samples on both sides of the warm-up" % role)
            continue
        base_rss = max(p[1] for p in warm)
        base_fd = max(p[2] for p in warm)
        top_rss = max(p[1] for p in late)
        top_fd = max(p[2] for p in late)
        say("%-13s RSS %6d KiB after warm-up, %6d at the end, peak %6d "
            "(bound %d); fds %d, %d, peak %d (bound %d)" % (
                role, late[0][1], late[-1][1], top_rss,
                base_rss + RSS_GROWTH_MAX_KIB[role], late[0][2],
                late[-1][2], top_fd, base_fd + FD_GROWTH_MAX))
        if top_rss > base_rss + RSS_GROWTH_MAX_KIB[role]:
            bad.append("%s RSS grew to %d KiB, past %d + %d" % (
                role, top_rss, base_rss, RSS_GROWTH_MAX_KIB[role]))
        if top_fd > base_fd + FD_GROWTH_MAX:
            bad.append("%s fds grew to %d, past %d + %d" % (
                role, top_fd, base_fd, FD_GROWTH_MAX))
    ldtest.check(not bad, "; ".join(bad))


def main():
    say("soak: %d s, seed %d, warm-up %d s, logs in %s"
        % (SOAK_TIME, SEED, WARMUP_S, DIR))
    rng = random.Random(SEED + 1)
    results = []
    series = {r: [] for r in RSS_GROWTH_MAX_KIB}
    with pgcluster.Cluster() as pg:
        server = SoakServer(pg)
        producer = Producer(server)
        for k in range(SOURCES):
            st, body = server.post("/api/automations/soak-%d/status" % k,
                                   {"status": "running"})
            ldtest.check(st in (200, 201), "status: %d %r" % (st, body))
            server.post("/api/automations/soak-%d/logs" % k,
                        producer.batch(k))
        plans = ChaosPlans(rng)
        proxy = chaosproxy.ChaosProxy(server.port, close_each=True)
        proxy.by_path = plans  # walked afresh for each request
        followers = [Follower("follow", server.url),
                     Follower("follow-chaos", proxy.url),
                     Follower("follow-slow", server.url, slow=True)]
        # The view writes its own exit status: tmux's pane_dead_status
        # is sometimes empty after a resize, although the process exited
        # 0 (seen with strace), so it cannot be trusted.
        view_status = os.path.join(DIR, "view.status")
        view = tuitmux.Tmux(
            ["sh", "-c", '"$0" "$@"; echo $? >"%s"' % view_status,
             ldtest.LOGDECK, "--server", server.url, "--utc",
             "--heartbeat", str(HEARTBEAT_S), "--all", "--merged",
             "--scrollback", str(SCROLLBACK_MIB)],
            env={"LOGDECK_CLIENT_ID": CLIENT["client_id"],
                 "LOGDECK_CLIENT_SECRET": CLIENT["client_secret"]})
        sh_pid = int(view._tmux("display-message", "-p", "-t", "t",
                                "#{pane_pid}"))

        def view_child():
            """The view itself: the pane's sh's one child."""
            try:
                with open("/proc/%d/task/%d/children" % (sh_pid, sh_pid)) as f:
                    kids = f.read().split()
            except OSError:
                return None
            return int(kids[0]) if kids else None
        view_pid = ldtest.wait_for(view_child, 30, "the view to start")
        view.wait(lambda s: s.count("\u25c9") == SOURCES,
                  "the view to watch every source", 60)
        slow = SlowStream(server)
        slow.start()
        producer.start()
        start = time.monotonic()
        say("running: the series counts seconds from here")

        sizes = [(100, 30), (160, 50), (120, 40), (80, 24), (120, 40)]
        step = 0
        end = start + SOAK_TIME
        next_restart = time.monotonic() + RESTART_EVERY_S
        next_tui = time.monotonic() + TUI_EVERY_S
        next_sample = time.monotonic()
        while time.monotonic() < end and producer.error is None:
            now = time.monotonic()
            if now >= next_sample:
                t = now - start
                procs = {"server": server.proc.pid, "view": view_pid}
                procs.update((f.name, f.proc.pid) for f in followers)
                row = []
                for role, pid in procs.items():
                    s = sample(pid)
                    if s is not None:
                        series[role].append((t, s[0], s[1]))
                        row.append("%s %d KiB %d fd" % (role, s[0], s[1]))
                    else:
                        row.append("%s gone" % role)
                say("; ".join(row) + "; events %d" % sum(producer.seq))
                next_sample += SAMPLE_EVERY_S
            if now >= next_restart:
                with producer.lock:
                    server.restart()
                say("server restarted (%d starts)" % server.starts)
                next_restart += RESTART_EVERY_S
            if now >= next_tui:
                action = step % 4
                if action < 2:
                    cols, rows = sizes[step // 4 % len(sizes)]
                    view.resize(cols if action == 0 else 120,
                                rows if action == 0 else 40)
                elif action == 2:
                    view.keys("Space")  # unwatch the selected source
                    view.wait(lambda s: s.count("\u25c9") == SOURCES - 1,
                              "one source unwatched", 60)
                else:
                    view.keys("Space")  # and watch it again
                    view.wait(lambda s: s.count("\u25c9") == SOURCES,
                              "every source watched again", 60)
                step += 1
                next_tui += TUI_EVERY_S
            time.sleep(max(0.01, min(next_sample, next_restart, next_tui,
                                     end) - time.monotonic()))

        if step % 4 == 3:
            # The last action unwatched a source: watch it again, so the
            # view's end shows every source.
            view.keys("Space")
            view.wait(lambda s: s.count("\u25c9") == SOURCES,
                      "every source watched again", 60)
        say("stopping the producer; completing every run")
        producer.stopping.set()
        producer.join(120)
        last = list(producer.seq)
        for k in range(SOURCES):
            server.post("/api/automations/soak-%d/status" % k,
                        {"status": "completed", "exitCode": 0})
        for f in followers:
            f.fast()
        slow.want = last[0]

        def check(name, fn):
            try:
                fn()
                print("ok   %s" % name, flush=True)
                results.append(True)
            except Exception as e:
                print("FAIL %s: %s" % (name, e), flush=True)
                results.append(False)

        check("producer_posted_without_error",
              lambda: ldtest.check(producer.error is None, producer.error))
        for f in followers:
            def finish(f=f):
                try:
                    f.proc.wait(END_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    f.proc.kill()
                    f.proc.wait()
                f.thread.join(30)
                check_follower(f, last)
            check("%s_printed_every_event_once_and_exited_0" % f.name,
                  finish)
        def slow_stream():
            slow.join(END_TIMEOUT_S)
            ldtest.check(slow.error is None, slow.error)
            ldtest.check(slow.seqs, "the slow reader got nothing")
            ldtest.eq(slow.seqs, list(range(slow.seqs[0], last[0])),
                      "the slow reader's seqs (from %d)" % slow.seqs[0])
            say("slow stream reader: %d events from seq %d, dropped for "
                "not reading %d times, %d other ends" % (
                    len(slow.seqs), slow.seqs[0], slow.drops, slow.ends))
        check("slow_stream_reader_resumes_with_every_event_once",
              slow_stream)
        check("view_shows_every_source_to_its_end_in_order",
              lambda: check_view_rows(view.wait(
                  lambda s: all("soak-%d %07d" % (k, last[k] - 1) in s
                                for k in range(SOURCES)),
                  "every source's last line", END_TIMEOUT_S), last))

        def quit_view():
            view.keys("q")
            ldtest.wait_for(view.dead, 60, "the view to quit")
            with open(view_status) as f:
                ldtest.eq(f.read().strip(), "0", "the view's exit status")
        check("view_quits_with_status_0", quit_view)
        view.close()
        proxy.close()
        check("server_stops_with_status_0_every_time",
              lambda: (server.stop(), ldtest.eq(
                  server.bad_exits, [], "server exit statuses"))[1])
        check("rss_and_fds_stay_within_their_bounds",
              lambda: check_bounds(series))
        check("no_sanitizer_report", lambda: ldtest.check(
            not ldtest.sanitizer_reports(), "a sanitizer report"))
    say("events %d; server starts %d; chaos on requests: %s; "
        "token lifetime %d s" % (sum(last), server.starts,
                                 ", ".join("%s %d" % kv for kv in
                                           sorted(plans.counts.items())),
                                 TOKEN_TTL_S))
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    if failed == 0 and not os.environ.get("SOAK_DIR"):
        shutil.rmtree(DIR, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
