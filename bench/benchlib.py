"""benchlib.py - what the benchmarks share: where the binaries are,
running a client to the end and reading its wall, CPU and peak RSS, a
process's CPU and RSS while it runs, SSE stream readers on raw sockets
with insert-to-client timing, /metrics samples, and the one table
bench/run.py prints (median, min, max, same-run baseline ratio, target).

Stdlib only. bench/run.py, bench/bench_pg.py and bench/bench_tui_latency.py
import it; tests/integration is put on sys.path for serverutil, pgcluster,
ldtest and tuitmux.
"""
import http.client
import json
import os
import selectors
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("LOGDECK_SRCDIR", os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "integration"))
BUILDDIR = os.environ.get("LOGDECK_BUILDDIR", os.path.join(HERE, ".."))
LOGDECK = os.environ.get("LOGDECK", os.path.join(BUILDDIR, "src", "logdeck"))
SERVER = os.environ.get("LOGDECK_SERVER",
                        os.path.join(BUILDDIR, "src", "logdeck-server"))
os.environ.setdefault("LOGDECK", LOGDECK)
os.environ.setdefault("LOGDECK_SERVER", SERVER)


# Linux's SO_TIMESTAMPNS (and its SCM_ control message type), which the
# socket module does not name: the kernel stamps each received packet, so a
# reader learns when bytes reached its socket, not when it got to them.
SO_TIMESTAMPNS = 35


def bench_bin(name):
    """A program of bench/ built by make (in the build tree)."""
    return os.path.join(BUILDDIR, "bench", name)


def stats(values):
    """(median, min, max) of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def pct(values, p):
    """The p-quantile (0..1) of values, times 1000 (seconds -> ms)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def run_to_end(cmd, env=None, stdout=None, timeout=600):
    """Run cmd to its end, stdout to /dev/null (or the file object given);
    (wall s, cpu s, peak RSS MiB, exit code)."""
    with open(os.devnull, "wb") as null:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=stdout or null,
                             stderr=subprocess.DEVNULL, env=env)
        end = t0 + timeout
        hwm = 0
        while True:
            # ru_maxrss would count the forked Python before the exec, so
            # the peak is VmHWM read while it runs.
            hwm = max(hwm, status_kib(p.pid, "VmHWM:"))
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > end:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.002)
        wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, hwm / 1024, p.returncode


def status_kib(pid, field):
    """A kB field of /proc/PID/status (VmRSS:, VmHWM:), 0 when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of a running process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ns(pid):
    """CPU time of every live thread of a process, in ns (schedstat: finer
    than the 10 ms ticks of /proc/PID/stat, so idle figures are not 0)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def rss_bytes(pid):
    """Resident set size of a running process, in bytes."""
    return status_kib(pid, "VmRSS:") * 1024


def wait_until(pred, timeout, what, step=0.05):
    """Poll pred until true; raise after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(step)


def metric(port, name):
    """The unlabelled sample name of the server's /metrics."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise KeyError(name)


def post(port, path, body, conn=None):
    """POST JSON body (bytes, str or object); the HTTP status."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    c.request("POST", path, body=body,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if conn is None:
        c.close()
    return r.status


class Readers:
    """clients raw SSE connections read in one select loop; each log event
    whose message is "t=<send time, time.time()>" is timed on arrival at
    the client's socket (or, untimed, events are only counted). timed is
    True (all), False (none) or how many of the clients, the first ones,
    time their events: counting is a byte search cheap enough for 1,000
    clients, timing decodes each event.

    Arrival is the kernel's receive stamp of the packet (SO_TIMESTAMPNS),
    so the delay is the server's and the network's: one Python loop
    json-decoding each event for 100 clients would add its own tail (it
    did: p99 23 ms where the stamps said 9 ms on the same run)."""

    def __init__(self, port, path, clients, timed=True):
        self.sel = selectors.DefaultSelector()
        self.delays = []
        self.events = 0
        self.socks = []
        ntimed = clients if timed is True else int(timed)
        for k in range(clients):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(("GET %s?stream=true&tail=0 HTTP/1.1\r\nHost: x\r\n"
                       "Accept: text/event-stream\r\n\r\n" % path).encode())
            s.setblocking(False)
            if k < ntimed:
                s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self.sel.register(s, selectors.EVENT_READ, [b"", k < ntimed])
            self.socks.append(s)

    def pump(self, until, quiet=None):
        """Read until the monotonic time until (or, given quiet, until
        nothing came for that long)."""
        last = time.monotonic()
        while True:
            now = time.monotonic()
            left = until - now
            if left <= 0 or (quiet is not None and now - last > quiet):
                return
            for key, _ in self.sel.select(min(left, 0.05)):
                try:
                    data, anc, _, _ = key.fileobj.recvmsg(
                        1 << 20, socket.CMSG_SPACE(16))
                except BlockingIOError:
                    continue
                last = time.monotonic()
                now = time.time()
                for level, kind, stamp in anc:
                    if level == socket.SOL_SOCKET and \
                            kind == SO_TIMESTAMPNS and len(stamp) >= 16:
                        sec, ns = struct.unpack("qq", stamp[:16])
                        now = sec + ns / 1e9
                if not key.data[1]:
                    # Count only: the marker may straddle two reads.
                    buf = key.data[0] + data
                    self.events += buf.count(b"\nevent: log\n")
                    key.data[0] = buf[-11:]
                    continue
                buf = key.data[0] + data
                *frames, key.data[0] = buf.split(b"\n\n")
                for frame in frames:
                    for line in frame.split(b"\n"):
                        if not line.startswith(b"data: {\"id\""):
                            continue
                        self.events += 1
                        msg = json.loads(line[6:])["message"]
                        if msg.startswith("t="):
                            self.delays.append(now - float(msg[2:]))

    def close(self):
        for s in self.socks:
            s.close()


def post_one(port, path):
    """An insert(message) that POSTs one event on a kept connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def insert(message):
        st = post(port, path, {"message": message}, conn)
        assert st in (200, 201), st
    return insert


def measure_delay(port, path, insert, clients, events, gap):
    """insert(message) events times, gap s apart, while clients streams
    read; the delays (s) the readers saw."""
    readers = Readers(port, path, clients)
    readers.pump(time.monotonic() + 0.5)
    for _ in range(events):
        insert("t=%.6f" % time.time())
        readers.pump(time.monotonic() + gap)
    readers.pump(time.monotonic() + 1.0)
    readers.close()
    return readers.delays


class Table:
    """The one table of bench/run.py: a line per measured figure."""

    def __init__(self):
        self.lines = []

    def add(self, row, what, unit, samples, ratio="", target="", met=None,
            fmt="%.3g"):
        """samples: a list of numbers (or a string such as "n/a (...)");
        ratio: the text of the same-run ratios; met: True, False or None."""
        self.lines.append((row, what, unit, samples, ratio, target, met,
                           fmt))
        self.print_line(self.lines[-1])
        sys.stdout.flush()

    @staticmethod
    def num(fmt, v):
        if abs(v) >= 1e6:
            return "%.3gM" % (v / 1e6)
        if abs(v) >= 1e4:
            return "%.0fk" % (v / 1e3)
        return fmt % v

    HEAD = "%-3s %-44s %-9s %9s %9s %9s  %-30s %-28s %s"

    def header(self):
        print(self.HEAD % ("row", "what", "unit", "median", "min", "max",
                           "same-run ratio", "target", ""))

    def print_line(self, line):
        row, what, unit, samples, ratio, target, met, fmt = line
        if isinstance(samples, str):
            med = mn = mx = ""
            ratio = samples
        else:
            med, mn, mx = (self.num(fmt, v) for v in stats(samples))
        status = {True: "MET", False: "MISSED", None: ""}[met]
        print(self.HEAD % (row, what[:44], unit, med, mn, mx, ratio[:30],
                           target[:28], status))

    def markdown(self):
        """The table as Markdown, for bench/RESULTS.md."""
        out = ["| row | what | unit | median | min | max | same-run ratio "
               "| target | |", "|---|---|---|---|---|---|---|---|---|"]
        for row, what, unit, samples, ratio, target, met, fmt in self.lines:
            if isinstance(samples, str):
                med = mn = mx = ""
                ratio = samples
            else:
                med, mn, mx = (self.num(fmt, v) for v in stats(samples))
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                row, what, unit, med, mn, mx, ratio, target,
                {True: "MET", False: "**MISSED**", None: ""}[met]))
        return "\n".join(out)
