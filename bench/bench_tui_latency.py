"""bench_tui_latency - the full-screen view under load, measured.

Runs the real logdeck (merged view of 20 automations, tmux 120x40)
against the reference server while a feeder POSTs RATE events/s in all
(100,000 by default, spread over the 20), and measures how long a
keypress takes to show on screen (L hides/shows the list pane) while the
lines pour in, plus the viewer's CPU under load and when idle. A second
round uses the server's burst mode (as fast as the viewer takes them).
Prints a table; it asserts nothing (numbers depend on the machine).
Run: make bench-tui (or LOGDECK=... LOGDECK_SERVER=... python3 this).
"""
import json
import os
import re
import http.client
import statistics
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import ldtest  # noqa: E402
from ldtest import Server  # noqa: E402
from tuitmux import Tmux  # noqa: E402

STREAMS = 20
RATE = int(os.environ.get("BENCH_RATE", "100000"))  # events/s, all streams
BATCH = 500  # events per POST
BURST = int(os.environ.get("BENCH_BURST", "1000000"))  # events per stream
PRESSES = 30


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def viewer_pid(t):
    pane = int(t._tmux("display-message", "-p", "-t", "t",
                       "#{pane_pid}").strip())
    # The pane runs env, which execs logdeck: same pid.
    return pane


def key_latency(t):
    """ms from send-keys L until the list pane's visibility flips."""
    shown = t.text().startswith("\u250c automations") or \
        t.text().startswith("\u2554 automations")
    t0 = time.monotonic()
    t.keys("L")
    end = t0 + ldtest.WAIT_S
    while time.monotonic() < end:
        s = t.text()
        now = "automations (" in s.split("\n")[0]
        if now != shown:
            return (time.monotonic() - t0) * 1000
    raise RuntimeError("the key never showed")



def tmux_floor(t):
    """ms of one capture-pane round trip (the measurement's own cost)."""
    t0 = time.monotonic()
    for _ in range(10):
        t.text()
    return (time.monotonic() - t0) * 100


class Feeder(threading.Thread):
    """POST batches round-robin over the automations at RATE events/s."""

    def __init__(self, port, ids):
        super().__init__(daemon=True)
        self.port, self.ids, self.stop, self.sent = port, ids, False, 0
        levels = ["DEBUG", "INFO", "INFO", "WARN", "ERROR"]
        self.body = json.dumps([
            {"timestamp": "2024-12-07T14:23:45.123Z", "level": levels[i % 5],
             "message": "GET /api/items/%d status=200 latency=%dms" %
             (i, i % 900)} for i in range(BATCH)]).encode()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        t0, k = time.monotonic(), 0
        while not self.stop:
            due = t0 + self.sent / RATE
            if time.monotonic() < due:
                time.sleep(due - time.monotonic())
            conn.request("POST", "/api/automations/%s/logs" %
                         self.ids[k % len(self.ids)], body=self.body,
                         headers={"Content-Type": "application/json"})
            conn.getresponse().read()
            self.sent += BATCH
            k += 1

    def rate(self, since, sent0):
        return (self.sent - sent0) / (time.monotonic() - since)


def measure(t):
    """Key latencies, CPU share and the viewer's own ev/s, under load."""
    pid = viewer_pid(t)
    c0, w0 = cpu_seconds(pid), time.monotonic()
    lat = sorted(key_latency(t) for _ in range(PRESSES))
    m = re.search(r"([0-9.]+) ev/s", t.text())
    c1, w1 = cpu_seconds(pid), time.monotonic()
    return lat, float(m.group(1)) if m else 0.0, (c1 - c0) / (w1 - w0) * 100


def settle(t, timeout=120):
    """Wait until no more lines arrive (the newest line stays put)."""
    last, since = None, time.monotonic()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rows = t.screen()[1:37]
        if rows != last:
            last, since = rows, time.monotonic()
        elif time.monotonic() - since > 1.5:
            return
        time.sleep(0.2)


def refilter_while_typing(t):
    """Apply a keep regex to everything held; time it and the keys."""
    settle(t)
    m = re.search(r"([0-9,]+) lines, buf", t.text())
    held = int(m.group(1).replace(",", "")) if m else 0
    t.keys("&")
    t.type("record [0-9]+7 of")
    t0 = time.monotonic()
    t.keys("Enter")
    lat = []
    t.wait(lambda x: "filtering" in x.split("\n")[38], "progress", 5)
    while "filtering" in t.text().split("\n")[38] and len(lat) < 5:
        lat.append(key_latency(t))
    t.wait(lambda x: "filtering" not in x.split("\n")[38], "done", 60)
    return held, (time.monotonic() - t0) * 1000, lat


def report(title, lat, shown, cpu, floor):
    print(title)
    print("  %-36s %10.0f" % ("events/s the viewer shows", shown))
    print("  %-36s %10.1f" % ("keypress->screen median ms",
                              statistics.median(lat)))
    print("  %-36s %10.1f" % ("keypress->screen p95 ms",
                              lat[int(len(lat) * 0.95) - 1]))
    print("  %-36s %10.1f" % ("keypress->screen max ms", lat[-1]))
    print("  %-36s %10.1f" % ("capture-pane round trip ms (floor)", floor))
    print("  %-36s %9.0f%%" % ("viewer CPU", cpu))


def main():
    with Server() as s:
        s.ingest("quiet", [ldtest.ev(1, "nothing else comes")])
        with Tmux([ldtest.LOGDECK, "--server", s.url, "quiet"]) as t:
            t.wait_text("nothing else comes")
            floor = tmux_floor(t)
            lat, shown, cpu = measure(t)
        report("no load: one quiet automation", lat, shown, cpu, floor)

    ids = ["load-%02d" % i for i in range(STREAMS)]
    with Server() as s:
        for i in ids:
            s.ingest(i, [ldtest.ev(0, "start")])
            s.status(i, "running")
        with Tmux([ldtest.LOGDECK, "--server", s.url, "--merged"] + ids) as t:
            t.wait_text("FOLLOW")
            floor = tmux_floor(t)
            f = Feeder(s.port, ids)
            f.start()
            time.sleep(9)  # the viewer's ev/s averages the last 7 s
            w0, n0 = time.monotonic(), f.sent
            lat, shown, cpu = measure(t)
            fed = f.rate(w0, n0)
            f.stop = True
            f.join()
        report("steady load: %d streams, %.0f events/s fed (target %d)" %
               (STREAMS, fed, RATE), lat, shown, cpu, floor)

    with Server("--simulate", str(STREAMS), "--burst", str(BURST)) as s:
        with urllib.request.urlopen(s.url + "/api/automations") as r:
            ids = [a["id"] for a in json.load(r)][:STREAMS]

        with Tmux([ldtest.LOGDECK, "--server", s.url, "--merged"] + ids) as t:
            t.wait_text("FOLLOW")
            time.sleep(2)
            lat, shown, cpu = measure(t)
            buf = re.search(r"buf \d+% of \d+M(, [0-9,]+ evicted)?",
                            t.text())
            refilter = refilter_while_typing(t)
        report("burst: %d streams x %d events, as fast as taken" %
               (STREAMS, BURST), lat, shown, cpu, floor)
        print("  %-36s %10s" % ("scrollback", buf.group(0) if buf else "?"))
        print("re-filter of the full scrollback (&regex) after the burst")
        print("  %-36s %10d" % ("lines held", refilter[0]))
        print("  %-36s %10.0f" % ("re-filter ms (progress shown)",
                                  refilter[1]))
        print("  %-36s %10s" % ("keypress->screen ms during it",
                                " ".join("%.0f" % v for v in refilter[2])))

    # Idle: one finished automation, nothing arriving.
    with Server() as s:
        s.ingest("idle", [ldtest.ev(1, "done")])
        s.status("idle", "completed")
        with Tmux([ldtest.LOGDECK, "--server", s.url, "idle"]) as t:
            t.wait_text("done")
            time.sleep(10)  # let the sparkline window pass
            pid = viewer_pid(t)
            c0, w0 = cpu_seconds(pid), time.monotonic()
            time.sleep(10)
            c1, w1 = cpu_seconds(pid), time.monotonic()
    print("idle: one completed automation, 10 s")
    print("  %-36s %9.2f%%" % ("viewer CPU", (c1 - c0) / (w1 - w0) * 100))


if __name__ == "__main__":
    main()
