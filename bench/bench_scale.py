#!/usr/bin/env python3
"""bench_scale.py - how far one logdeck-server carries on this machine,
for doc/scaling.md: idle streams held (memory per stream), the fan-out of
one hot source to many clients, and the insert-to-client delay (NOTIFY
with PostgreSQL) while the server ingests at full speed.

Not a test: it prints a table. Run with `make bench-scale`. Client and
server share the machine's cores, so every figure is a lower bound of
what the server alone could do. Reuses bench_pg.py's readers.
"""
import http.client
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import bench_pg  # noqa: E402
from pgcluster import Cluster  # noqa: E402
from serverutil import Server  # noqa: E402

IDLE_STREAMS = (1000, 5000)
FANOUT_CLIENTS = (100, 1000)
FANOUT_RATE = 200        # events/s of the hot source
FANOUT_SECONDS = 5.0
LOAD_BATCH = 100         # events per POST of the background load
TIMED_CLIENTS = 10       # fan-out clients that time each event


def rss_kib(srv):
    with open("/proc/%d/status" % srv.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def idle_streams(srv, n):
    """Open n streams over 100 sources; (KiB per stream, seconds until one
    event per source reached all n)."""
    for k in range(100):
        srv.post("/api/automations/idle%d/status" % k, {"status": "running"})
    before = rss_kib(srv)
    groups = []
    bench_pg.CLIENTS = n // 100
    for k in range(100):
        groups.append(bench_pg.Readers(srv.port,
                                       "/api/automations/idle%d/logs" % k,
                                       timed=False))
    for g in groups:
        g.pump(time.monotonic() + 0.01)
    per = (rss_kib(srv) - before) / n
    t0 = time.monotonic()
    for k in range(100):
        srv.post("/api/automations/idle%d/logs" % k, {"message": "ping"})
    end = t0 + 30
    while sum(g.events for g in groups) < n and time.monotonic() < end:
        for g in groups:
            g.pump(time.monotonic() + 0.001)
    took = time.monotonic() - t0
    got = sum(g.events for g in groups)
    for g in groups:
        g.close()
    return per, took if got >= n else float("nan")


def fanout(srv, clients, path):
    """clients streams on one source fed FANOUT_RATE events/s by another
    thread; (median ms, p99 ms of the timed clients, share delivered)."""
    srv.post(path.rsplit("/logs", 1)[0] + "/status", {"status": "running"})
    readers = bench_pg.Readers(srv.port, path, clients,
                               timed=TIMED_CLIENTS)
    readers.pump(time.monotonic() + 0.5)
    sent = [0]

    def produce():
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        t0 = time.monotonic()
        while time.monotonic() - t0 < FANOUT_SECONDS:
            wait = t0 + sent[0] / FANOUT_RATE - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # pacing the producer, not waiting on it
            conn.request("POST", path, body=json.dumps(
                {"message": "t=%.6f" % time.time()}),
                headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            sent[0] += 1

    t = threading.Thread(target=produce)
    t.start()
    while t.is_alive():
        readers.pump(time.monotonic() + 0.05)
    readers.pump(time.monotonic() + 10, quiet=0.5)
    readers.close()
    d = readers.delays
    return (bench_pg.pct(d, 0.5), bench_pg.pct(d, 0.99),
            readers.events / (sent[0] * clients) * 100)


def delay_at_load(srv, path, insert):
    """bench_pg's timed delay while two producers post batches to other
    sources as fast as the server takes them; (median, p99, load ev/s)."""
    stop = [False]
    counts = [0, 0]
    body = json.dumps([{"message": "load %d" % i} for i in range(LOAD_BATCH)])

    def produce(k):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        while not stop[0]:
            conn.request("POST", "/api/automations/load%d/logs" % k,
                         body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status in (200, 201), r.status
            counts[k] += LOAD_BATCH

    threads = [threading.Thread(target=produce, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    bench_pg.CLIENTS = 10
    d = bench_pg.measure_delay(srv, path, insert)
    elapsed = time.monotonic() - t0
    stop[0] = True
    for t in threads:
        t.join(30)
    return bench_pg.pct(d, 0.5), bench_pg.pct(d, 0.99), sum(counts) / elapsed


def main():
    rows = []
    with Server() as mem:
        for n in IDLE_STREAMS:
            per, took = idle_streams(mem, n)
            rows.append(("memory", "%d idle streams: KiB per stream" % n,
                         per))
            rows.append(("memory", "%d idle streams: 1 event each, all "
                         "delivered (ms)" % n, took * 1000))
        for c in FANOUT_CLIENTS:
            med, p99, share = fanout(mem, c, "/api/automations/hot%d/logs"
                                     % c)
            rows.append(("memory", "hot source, %d clients, %d ev/s: "
                         "delay median / p99 (ms)" % (c, FANOUT_RATE),
                         "%.1f / %.1f" % (med, p99)))
            rows.append(("memory", "hot source, %d clients: delivered (%%)"
                         % c, share))
        path = "/api/automations/loaded/logs"
        mem.post("/api/automations/loaded/status", {"status": "running"})
        med, p99, rate = delay_at_load(mem, path,
                                       bench_pg.post_one(mem, path))
        rows.append(("memory", "POST delay under load: median / p99 (ms)",
                     "%.1f / %.1f" % (med, p99)))
        rows.append(("memory", "... the load meanwhile (events/s)", rate))
    with Cluster() as pg:
        with Server("--store", pg.url) as srv:
            for c in FANOUT_CLIENTS:
                med, p99, share = fanout(srv, c,
                                         "/api/automations/hot%d/logs" % c)
                rows.append(("postgresql", "hot source, %d clients, %d ev/s: "
                             "delay median / p99 (ms)" % (c, FANOUT_RATE),
                             "%.1f / %.1f" % (med, p99)))
                rows.append(("postgresql", "hot source, %d clients: "
                             "delivered (%%)" % c, share))
            path = "/api/automations/loaded/logs"
            srv.post("/api/automations/loaded/status", {"status": "running"})
            ins = bench_pg.psql_one(pg, path)
            med, p99, rate = delay_at_load(srv, path, ins)
            ins.proc.stdin.close()
            ins.proc.wait(10)
            rows.append(("postgresql", "psql INSERT -> NOTIFY -> client "
                         "under load: median / p99 (ms)",
                         "%.1f / %.1f" % (med, p99)))
            rows.append(("postgresql", "... the load meanwhile (events/s)",
                         rate))
    print("logdeck-server scale, clients on the same %d cores"
          % os.cpu_count())
    for store, name, value in rows:
        v = value if isinstance(value, str) else "%.1f" % value
        print("%-11s %-58s %14s" % (store, name, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
