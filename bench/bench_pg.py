#!/usr/bin/env python3
"""bench_pg.py - logdeck-server on PostgreSQL against the in-memory store,
same run, same machine: the delay from insert to client receipt (median,
p99) and the sustained ingest rate with 100 connected stream clients.

Not a test: it prints a table. Run with `make bench-pg`. The PostgreSQL
server is a throwaway cluster (tests/integration/pgcluster.py) with fsync
off, so the numbers show the server's cost, not the disk's.
"""
import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

from pgcluster import BINDIR, Cluster
from serverutil import Server

CLIENTS = 100
DELAY_EVENTS = 300      # events timed for the delay, one every DELAY_GAP s
DELAY_GAP = 0.01
RATE_SECONDS = 5.0
RATE_BATCH = 100        # events per POST in the rate phase
RATE_PRODUCERS = 2


class Readers:
    """CLIENTS raw SSE connections read in one select loop; each log event
    whose message is "t=<monotonic send time>" is timed on arrival."""

    def __init__(self, port, path, timed=True):
        self.timed = timed
        self.sel = selectors.DefaultSelector()
        self.delays = []
        self.events = 0
        self.socks = []
        for _ in range(CLIENTS):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(("GET %s?stream=true&tail=0 HTTP/1.1\r\nHost: x\r\n"
                       "Accept: text/event-stream\r\n\r\n" % path).encode())
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, [b""])
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
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                now = last = time.monotonic()
                if not self.timed:
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


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def measure_delay(srv, path, insert):
    """insert(message) DELAY_EVENTS times while CLIENTS streams read."""
    readers = Readers(srv.port, path)
    readers.pump(time.monotonic() + 0.5)
    for _ in range(DELAY_EVENTS):
        insert("t=%.6f" % time.monotonic())
        readers.pump(time.monotonic() + DELAY_GAP)
    readers.pump(time.monotonic() + 1.0)
    readers.close()
    return readers.delays


def post_one(srv, path):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)

    def insert(message):
        conn.request("POST", path, body=json.dumps({"message": message}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        assert r.status in (200, 201), r.status
    return insert


def psql_one(pg, path):
    proc = subprocess.Popen(
        [os.path.join(BINDIR, "psql"), "-X", "-q", "-h", pg.sock,
         "-p", str(pg.port), "-U", "postgres", "-d", "logdeck"],
        stdin=subprocess.PIPE)
    source = path.split("/api/")[1].rsplit("/logs", 1)[0]

    def insert(message):
        proc.stdin.write(("INSERT INTO logs (source, message) VALUES "
                          "('%s', '%s');\n" % (source, message)).encode())
        proc.stdin.flush()
    insert.proc = proc
    return insert


def measure_rate(srv, path):
    """Events per second ingested in batches while CLIENTS streams read,
    and the share of them the clients received in time."""
    srv.post(path.rsplit("/logs", 1)[0] + "/status", {"status": "running"})
    readers = Readers(srv.port, path, timed=False)
    readers.pump(time.monotonic() + 0.5)
    body = json.dumps([{"message": "rate %d" % i, "task": "bench"}
                       for i in range(RATE_BATCH)])
    counts = [0] * RATE_PRODUCERS
    stop = time.monotonic() + RATE_SECONDS

    def produce(k):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("POST", path, body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status in (200, 201), r.status
            counts[k] += RATE_BATCH

    threads = [threading.Thread(target=produce, args=(k,))
               for k in range(RATE_PRODUCERS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        readers.pump(time.monotonic() + 0.05)
    elapsed = time.monotonic() - t0
    readers.pump(time.monotonic() + 20.0, quiet=0.5)
    readers.close()
    sent = sum(counts)
    return sent / elapsed, readers.events / (sent * CLIENTS)


def run(srv, path, extra_insert=None):
    out = {"post": measure_delay(srv, path, post_one(srv, path))}
    if extra_insert is not None:
        out["psql"] = measure_delay(srv, path, extra_insert)
    out["rate"], out["delivered"] = measure_rate(
        srv, path.replace("/delay", "/rate"))
    out["cpu"] = srv.cpu_seconds()
    return out


def main():
    with Server() as mem:
        mem.post("/api/automations/delay/status", {"status": "running"})
        base = run(mem, "/api/automations/delay/logs")
    with Cluster() as pg:
        with Server("--store", pg.url) as srv:
            path = "/api/automations/delay/logs"
            srv.post(path.rsplit("/logs", 1)[0] + "/status",
                     {"status": "running"})
            ins = psql_one(pg, path)
            pgres = run(srv, path, ins)
            ins.proc.stdin.close()
            ins.proc.wait(10)

    rows = [
        ("POST -> client delay, median (ms)",
         pct(base["post"], 0.5), pct(pgres["post"], 0.5)),
        ("POST -> client delay, p99 (ms)",
         pct(base["post"], 0.99), pct(pgres["post"], 0.99)),
        ("psql INSERT -> client delay, median (ms)",
         None, pct(pgres["psql"], 0.5)),
        ("psql INSERT -> client delay, p99 (ms)",
         None, pct(pgres["psql"], 0.99)),
        ("ingest rate, batches of %d (events/s)" % RATE_BATCH,
         base["rate"], pgres["rate"]),
        ("events delivered to the %d clients (%%)" % CLIENTS,
         base["delivered"] * 100, pgres["delivered"] * 100),
        ("server CPU for the whole run (s)", base["cpu"], pgres["cpu"]),
    ]
    print("logdeck-server, %d stream clients on one source, %d timed events "
          "each %g ms apart" % (CLIENTS, DELAY_EVENTS, DELAY_GAP * 1000))
    print("%-44s %12s %12s %10s" % ("", "memory", "postgresql", "pg/memory"))
    for name, m, p in rows:
        fm = "%12.2f" % m if m is not None else "%12s" % "-"
        ratio = "%10.2f" % (p / m) if m else "%10s" % "-"
        print("%-44s %s %12.2f %s" % (name, fm, p, ratio))
    print("samples: %d / %d delays (memory / postgresql POST), %d psql"
          % (len(base["post"]), len(pgres["post"]), len(pgres["psql"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
