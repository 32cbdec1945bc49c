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
import subprocess
import sys
import threading
import time

import benchlib
from benchlib import Readers, pct
from pgcluster import BINDIR, Cluster
from serverutil import Server

CLIENTS = 100
DELAY_EVENTS = 300      # events timed for the delay, one every DELAY_GAP s
DELAY_GAP = 0.01
RATE_SECONDS = 5.0
RATE_BATCH = 100        # events per POST in the rate phase
RATE_PRODUCERS = 2


def measure_delay(srv, path, insert):
    """insert(message) DELAY_EVENTS times while CLIENTS streams read."""
    return benchlib.measure_delay(srv.port, path, insert, CLIENTS,
                                  DELAY_EVENTS, DELAY_GAP)


def post_one(srv, path):
    return benchlib.post_one(srv.port, path)


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
    readers = Readers(srv.port, path, CLIENTS, timed=False)
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
