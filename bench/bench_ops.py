#!/usr/bin/env python3
"""bench_ops.py - what the operations endpoints cost, same run, same
machine: the time of one /metrics scrape with 0 and 1000 open streams
(open connections are counted from /proc/self/fd on each scrape), ingest
requests per second without and with --access-log, and the
commit-to-NOTIFY delay and ingest latency histograms of 500 single-event
batches on a throwaway PostgreSQL cluster, as /metrics reports them.

Not a test: it prints figures. Run with `make bench-ops`.
"""
import http.client
import resource
import socket
import statistics
import time

from pgcluster import Cluster
from serverutil import Server

STREAMS = 1000
SCRAPES = 30
INGESTS = 3000
PG_BATCHES = 500


def scrape(port):
    """(median scrape ms, last body) over SCRAPES scrapes."""
    c = http.client.HTTPConnection("127.0.0.1", port)
    times, body = [], b""
    for _ in range(SCRAPES):
        t = time.perf_counter()
        c.request("GET", "/metrics")
        body = c.getresponse().read()
        times.append((time.perf_counter() - t) * 1000)
    c.close()
    return statistics.median(times), body.decode()


def sample(text, name):
    """The value of the unlabelled sample name."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise KeyError(name)


def scrape_with_streams(n):
    with Server("--max-streams", str(n + 100)) as srv:
        srv.post("/api/automations/s/logs", {"message": "m"})
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(b"GET /api/automations/s/logs?stream=true HTTP/1.1"
                      b"\r\nHost: x\r\n\r\n")
            socks.append(s)
        end = time.monotonic() + 30
        while sample(scrape(srv.port)[1], "logdeck_connections_open") < n:
            assert time.monotonic() < end, "streams did not open"
        ms, text = scrape(srv.port)
        print("/metrics with %4d streams open: median %.2f ms "
              "(connections_open %d)"
              % (n, ms, sample(text, "logdeck_connections_open")))
        for s in socks:
            s.close()


def ingest_rate(*args):
    with Server(*args) as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port)
        t = time.perf_counter()
        for _ in range(INGESTS):
            c.request("POST", "/api/automations/bench/logs",
                      body='{"message":"x"}')
            c.getresponse().read()
        rate = INGESTS / (time.perf_counter() - t)
        print("ingest, one event per request, %-14s %6.0f requests/s"
              % (" ".join(args) or "no access log:", rate))


def pg_delays():
    with Cluster() as pg, Server("--store", pg.url) as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port)
        for _ in range(PG_BATCHES):
            c.request("POST", "/api/automations/n/logs",
                      body='{"message":"x"}')
            c.getresponse().read()
        end = time.monotonic() + 10
        while True:
            text = scrape(srv.port)[1]
            n = sample(text, "logdeck_notify_delay_seconds_count")
            if n >= PG_BATCHES or time.monotonic() > end:
                break
        for h in ("logdeck_notify_delay_seconds",
                  "logdeck_ingest_duration_seconds"):
            print("PostgreSQL %s: %d observed, mean %.2f ms"
                  % (h, sample(text, h + "_count"),
                     1000 * sample(text, h + "_sum")
                     / max(1, sample(text, h + "_count"))))
        for line in text.splitlines():
            if line.startswith("logdeck_notify_delay_seconds_bucket"):
                print("  " + line)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (min(hard, max(soft, 4 * STREAMS)), hard))
    for n in (0, STREAMS):
        scrape_with_streams(n)
    ingest_rate()
    ingest_rate("--access-log")
    pg_delays()


if __name__ == "__main__":
    main()
