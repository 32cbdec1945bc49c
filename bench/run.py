#!/usr/bin/env python3
"""run.py - `make bench`: every row of issue 11 in one table.

Starts its own servers on loopback (and a throwaway PostgreSQL cluster),
runs each figure several times and prints one line per figure: median,
min and max, the ratio to the baseline measured in the same run, the
target and whether the median meets it (MET / MISSED). It never fails on
a missed target; a baseline that is not installed prints "n/a (...)".

With --with-rules-and-folding, rows 2 and 3 are measured again beside
themselves (rows 2b, 3b, interleaved with the plain runs) with the view
folded (the `z` key) and three rules of a configuration file testing
every line (issue 12: ingest and memory no worse with them on).

Rows: 1 follow throughput; 2 full-screen ingest under 20 bursts; 3 memory
per held event (and lnav); 4 level floor, substring and regex over the
held events (and grep); 5 idle streams; 6 opening 1,000 streams (and
HTTP/2 through nghttpx); 7 server ingest (and COPY), fan-out and
insert-to-client delay.

usage: run.py [--quick] [--rows 1,3,...] [--runs N] [--markdown FILE]
              [--with-rules-and-folding]
"""
import argparse
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import benchlib
from benchlib import LOGDECK, Table, run_to_end, stats, wait_until

from serverutil import Server  # noqa: E402 (benchlib set the path)

HERE = benchlib.HERE
# Where the npm eventsource client is installed (build tree, never in git).
NPM_DIR = os.path.join(benchlib.BUILDDIR, "bench", "npm")
# Seconds to wait for a viewer or server to reach a state before giving up.
DEADLINE = 300
# The /metrics sample of automations' open log streams.
LOG_STREAMS = 'logdeck_streams_open{kind="automations",type="log"}'


# The rules of rows 2b/3b (logdeck.yaml(5) RULES): a regex with a bell
# (ERROR lines, 1% of the burst), a regex that never fires (every line
# still pays its test) and a level floor whose command is `true`, held to
# one firing a second by every:.
RULES_YAML = """rules:
  - name: rejected
    match: "rejected: amount must not"
    bell: true
  - name: timeouts
    match: "timed? ?out after [0-9]+ s"
    bell: true
  - name: warnings
    level: warn
    command: "true"
    every: 1s
"""


def rules_config(tmp):
    """Write the configuration of rows 2b/3b (mode 0600: a file with a rule
    command must not be writable by others); return its path."""
    path = os.path.join(tmp, "rules.yaml")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(RULES_YAML)
    return path


class Variant:
    """How the full-screen view of rows 2/3 is started: plain, or with the
    rules configuration and folding on (rows 2b/3b)."""

    def __init__(self, config=None):
        self.config = config
        self.fold = config is not None

    def args(self):
        """Extra logdeck arguments (before the sources)."""
        return ["--config", self.config] if self.config else []

    def start(self, t):
        """After the first frame: fold the log pane (z) and wait until the
        status bar says so."""
        if self.fold:
            t.keys("z")
            wait_until(lambda: "folded" in t.text(), DEADLINE,
                       "the view to say folded", step=0.05)


class Config:
    """Sizes of one run: full (make bench) or quick (make bench-quick)."""

    def __init__(self, quick, runs):
        self.quick = quick
        self.runs = runs or (3 if quick else 5)
        self.follow_events = 200000 if quick else 1000000
        self.held_events = 200000 if quick else 1000000
        self.idle_streams = (100,) if quick else (100, 1000)
        self.idle_seconds = 2 if quick else 10
        self.fullscreen_events = 50000 if quick else 100000  # per stream
        self.ingest_seconds = 1 if quick else 5
        self.copy_rows = 50000 if quick else 500000
        self.variant = None  # Variant of rows 2b/3b, or None


def fmt_ratio(parts):
    """"0.32x curl, 1.7x C" from [(value, name)]."""
    return ", ".join("%.2fx %s" % (v, n) for v, n in parts if v is not None)


# ---------------------------------------------------------------- npm / tools

def eventsource_dir():
    """The directory holding node_modules/eventsource, installing it with
    npm when missing; None when node or npm cannot provide it."""
    if shutil.which("node") is None:
        return None
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "eventsource")):
        return NPM_DIR
    if shutil.which("npm") is None:
        return None
    os.makedirs(NPM_DIR, exist_ok=True)
    r = subprocess.run(["npm", "install", "--prefix", NPM_DIR, "--no-audit",
                        "--no-fund", "--silent", "eventsource"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=300)
    ok = os.path.isdir(os.path.join(NPM_DIR, "node_modules", "eventsource"))
    return NPM_DIR if r.returncode == 0 and ok else None


# ---------------------------------------------------------------- row 1

def row_follow(cfg, table):
    """Follow throughput of one burst stream: each reader reads the whole
    burst to /dev/null; readers take turns within each run."""
    n = cfg.follow_events
    es = eventsource_dir()
    with Server("--burst", str(n), "--simulate", "1") as srv:
        url = "http://127.0.0.1:%d" % srv.port
        stream = url + "/api/automations/burst-1/logs?stream=true"
        readers = [
            ("curl -sN", ["curl", "-sN", "-H",
                          "Accept: text/event-stream", stream]),
            ("libcurl+cJSON reader", [benchlib.bench_bin("baseline_reader"),
                                      stream]),
            ("npm eventsource", ["node", os.path.join(HERE, "es_reader.mjs"),
                                 es or "", stream] if es else None),
        ] + [("logdeck -f -o " + o, [LOGDECK, "--server", url, "--follow",
                                     "--output", o, "burst-1"])
             for o in ("text", "json", "csv")]
        res = {name: {"rate": [], "cpu": [], "rss": []}
               for name, _ in readers}
        for name, cmd in readers:  # warm up (page cache, server)
            if cmd:
                run_to_end(cmd)
        for _ in range(cfg.runs):
            for name, cmd in readers:
                if cmd is None:
                    continue
                wall, cpu, rss, rc = run_to_end(cmd)
                if rc != 0:
                    raise RuntimeError("%s exited %d" % (name, rc))
                res[name]["rate"].append(n / wall)
                res[name]["cpu"].append(cpu)
                res[name]["rss"].append(rss)

    def med(name, key="rate"):
        v = res[name][key]
        return stats(v)[0] if v else None

    for name, _ in readers:
        if not res[name]["rate"]:
            table.add("1", name + " events/s", "ev/s",
                      "n/a (npm unavailable)")
            continue
        ratios, target, met = [], "", None
        rate = med(name)
        if name.startswith("logdeck"):
            vs_curl = rate / med("curl -sN")
            vs_c = rate / med("libcurl+cJSON reader")
            vs_es = rate / med("npm eventsource") if res[
                "npm eventsource"]["rate"] else None
            ratios = [(vs_curl, "curl"), (vs_c, "C"), (vs_es, "es")]
            floor = 0.6 if name.endswith("text") else 0.4
            target = ">=%.1fx curl, >=10x es" % floor
            met = vs_curl >= floor and (vs_es is None or vs_es >= 10)
        table.add("1", name + " (%dk events)" % (n // 1000), "ev/s",
                  res[name]["rate"], fmt_ratio(ratios), target, met)
        table.add("1", "  CPU", "s", res[name]["cpu"], fmt="%.2f")
        table.add("1", "  peak RSS", "MiB", res[name]["rss"], fmt="%.1f")


# ---------------------------------------------------------------- row 3

def held_lines(t):
    """Lines the full-screen view's status bar says it holds."""
    m = re.search(r"([0-9,]+) lines, buf", t.text())
    return int(m.group(1).replace(",", "")) if m else -1


def view_rss(n, scrollback_mib, variant=None):
    """RSS (bytes) of the full-screen view holding burst-1's n events."""
    from tuitmux import Tmux
    variant = variant or Variant()
    with Server("--burst", str(n), "--simulate", "1") as srv:
        url = "http://127.0.0.1:%d" % srv.port
        with Tmux([LOGDECK, "--server", url, "--scrollback",
                   str(scrollback_mib)] + variant.args() + ["burst-1"]) as t:
            if variant.fold:
                wait_until(lambda: held_lines(t) >= 0, DEADLINE,
                           "the view's first frame", step=0.01)
                variant.start(t)
            wait_until(lambda: held_lines(t) >= n, DEADLINE,
                       "the view to hold %d lines" % n, step=0.2)
            pid = int(t._tmux("display-message", "-p", "-t", "t",
                              "#{pane_pid}").strip())
            time.sleep(0.5)
            return benchlib.rss_bytes(pid)


def burst_text(n, tmp):
    """Write burst-1's n events as logdeck -f -o text prints them; return
    (path, mean message bytes) (the messages from -o json)."""
    with Server("--burst", str(n), "--simulate", "1") as srv:
        url = "http://127.0.0.1:%d" % srv.port
        path = os.path.join(tmp, "burst.txt")
        with open(path, "wb") as f:
            run_to_end([LOGDECK, "--server", url, "-f", "--color", "never",
                        "burst-1"], stdout=f)
        total = count = 0
        p = subprocess.Popen([LOGDECK, "--server", url, "-f", "-o", "json",
                              "burst-1"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        for line in p.stdout:
            total += len(json.loads(line)["message"].encode())
            count += 1
        p.wait()
    return path, total / max(1, count)


def row_memory(cfg, table, tmp):
    """RSS per event held by the full-screen view after n events, less
    the same view holding 1; lnav on the same lines the same way. With
    cfg.variant, the same again with rules and folding (row 3b), run for
    run beside the plain view."""
    n = cfg.held_events
    mib = 4096
    per, per_b = [], []
    for _ in range(max(1, cfg.runs // 2)):
        per.append((view_rss(n, mib) - view_rss(1, mib)) / (n - 1))
        if cfg.variant:
            v = cfg.variant
            per_b.append((view_rss(n, mib, v) - view_rss(1, mib, v))
                         / (n - 1))
    text, mean_msg = burst_text(n, tmp)
    lnav = []
    if shutil.which("lnav"):
        one = os.path.join(tmp, "one.txt")
        with open(text, "rb") as f, open(one, "wb") as g:
            g.write(f.readline())
        env = dict(os.environ, HOME=tmp)
        for _ in range(max(1, cfg.runs // 2)):
            big = run_to_end(["lnav", "-n", text], env=env)[2]
            small = run_to_end(["lnav", "-n", one], env=env)[2]
            lnav.append((big - small) * 1024 * 1024 / (n - 1))
    med = stats(per)[0]
    ratios = [(med / stats(lnav)[0], "lnav")] if lnav else []
    table.add("3", "view RSS per held event (%dk events)" % (n // 1000),
              "B/event", per, fmt_ratio(ratios) or "lnav n/a",
              "<=100 B, <=msg+60 (%.0f)" % (mean_msg + 60),
              med <= min(100, mean_msg + 60), fmt="%.0f")
    if per_b:
        mb = stats(per_b)[0]
        table.add("3b", "  rules+folding on: RSS per held event", "B/event", per_b,
                  "%.2fx row 3" % (mb / med), "no worse than row 3",
                  mb <= med * 1.05, fmt="%.0f")
    table.add("3", "  mean message size", "B", [mean_msg], fmt="%.1f")
    if lnav:
        table.add("3", "  lnav RSS per line, same lines", "B/line", lnav,
                  fmt="%.0f")
    else:
        table.add("3", "  lnav RSS per line", "B/line",
                  "n/a (lnav not installed)")


# ---------------------------------------------------------------- row 4

def scrollback_figures(lines, quick):
    """bench_scrollback's ms per operation: {name: ms}."""
    out = subprocess.run([benchlib.bench_bin("bench_scrollback"), str(lines),
                          "--no-merged"], capture_output=True, text=True,
                         check=True, timeout=DEADLINE).stdout
    figs = {}
    for line in out.splitlines():
        m = re.match(r"(\S.*?)\s{2,}([0-9.]+)\s+[0-9.]+\s+[0-9.]+\s", line)
        if m:
            figs[m.group(1)] = float(m.group(2))
    return figs


def grep_ms(args, path):
    """Wall ms of grep args over path (C locale). Its output goes to a
    file: GNU grep writing to /dev/null stops at the first match."""
    env = dict(os.environ, LC_ALL="C")
    with tempfile.TemporaryFile() as out:
        return run_to_end(["grep"] + args + [path], env=env,
                          stdout=out)[0] * 1000


def row_filter(cfg, table, tmp):
    """Level floor, substring and regex over the held lines (the TUI
    model in bench_scrollback), beside grep on the same messages."""
    n = cfg.held_events
    path = os.path.join(tmp, "messages.txt")
    with open(path, "w") as f:  # the messages bench_scrollback holds
        for i in range(n):
            f.write("GET /api/items/%d status=%d latency=%dms worker=%d "
                    "request handled\n" % (i, 503 if i % 97 == 0 else 200,
                                           i % 1000, i % 16))
    rows = {"level": [], "sub": [], "re": [], "refilt": [],
            "g_sub": [], "g_re": [], "g_refilt": []}
    for _ in range(cfg.runs):
        f = scrollback_figures(n, cfg.quick)
        rows["level"].append(f["refilter: level >= WARN"])
        rows["sub"].append(f["search: status=503"])
        rows["re"].append(f["search: latency=99x"])
        rows["refilt"].append(f["refilter: &status=5xx"])
        rows["g_sub"].append(grep_ms(["-c", "status=503"], path))
        rows["g_re"].append(grep_ms(["-cE", "latency=99[0-9]ms"], path))
        rows["g_refilt"].append(grep_ms(["-cE", "status=5[0-9][0-9]"], path))
    k = "%dk" % (n // 1000)
    lv = stats(rows["level"])[0]
    table.add("4", "level floor >= WARN over %s held" % k, "ms",
              rows["level"], "", "<=50 ms", lv <= 50, fmt="%.1f")
    for key, gkey, what, gname, tgt in (
            ("sub", "g_sub", "search substring status=503", "grep -c",
             None),
            ("re", "g_re", "search regex latency=99[0-9]ms", "grep -cE",
             1.5),
            ("refilt", "g_refilt", "filter regex &status=5[0-9][0-9]",
             "grep -cE", 1.5)):
        r = stats(rows[key])[0] / stats(rows[gkey])[0]
        table.add("4", "%s over %s" % (what, k), "ms", rows[key],
                  "%.2fx %s" % (r, gname),
                  "<=%.1fx %s" % (tgt, gname) if tgt else "",
                  r <= tgt if tgt else None, fmt="%.1f")
        table.add("4", "  %s, same text" % gname, "ms", rows[gkey],
                  fmt="%.1f")


# ---------------------------------------------------------------- rows 5, 6

def make_sources(port, count):
    """count running automations idle-0..; each with one event."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    names = ["idle-%d" % i for i in range(count)]
    for name in names:
        benchlib.post(port, "/api/automations/%s/logs" % name,
                      [{"message": "started"}], conn)
        benchlib.post(port, "/api/automations/%s/status" % name,
                      {"status": "running"}, conn)
    conn.close()
    return names


def idle_cpu(pid, seconds):
    """CPU ms per second of pid over seconds."""
    c0, w0 = benchlib.cpu_ns(pid), time.monotonic()
    time.sleep(seconds)
    return (benchlib.cpu_ns(pid) - c0) / 1e6 / (time.monotonic() - w0)


# Most SOURCE arguments logdeck takes (MAIN_MAX_SOURCES in src/logdeck.c);
# beyond it the full-screen view watches them with --all and follow mode
# cannot take them in one process.
LOGDECK_MAX_ARGS = 4096


class Client:
    """One client holding streams: logdeck follow (a process), logdeck
    full-screen (in tmux) or npm eventsource (node); pid and close()."""

    def __init__(self, kind, url, names, extra=(), es=None):
        self.tmux = self.proc = None
        if kind == "view":
            from tuitmux import Tmux
            who = names if len(names) <= LOGDECK_MAX_ARGS else ["--all"]
            self.tmux = Tmux([LOGDECK, "--server", url, "--heartbeat", "1"]
                             + list(extra) + who)
            self.pid = int(self.tmux._tmux("display-message", "-p", "-t",
                                           "t", "#{pane_pid}").strip())
            return
        if kind == "follow":
            argv = [LOGDECK, "--server", url, "--heartbeat", "1"] + list(
                extra) + ["--follow"] + names
        else:
            argv = ["node", os.path.join(HERE, "es_reader.mjs"), es] + [
                url + "/api/automations/%s/logs?stream=true" % n
                for n in names]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid

    def close(self):
        if self.tmux:
            self.tmux.close()
        else:
            self.proc.terminate()
            self.proc.wait()


def open_streams(port, count, spawn):
    """spawn() a Client of count streams; (it, seconds until the server
    counts them all open), then wait for the server to count them."""
    base = benchlib.metric(port, LOG_STREAMS)
    t0 = time.monotonic()
    client = spawn()
    try:
        wait_until(lambda: benchlib.metric(port, LOG_STREAMS)
                   >= base + count, 60, "%d streams" % count)
    except Exception:
        client.close()
        raise
    return client, time.monotonic() - t0


def closed(port):
    """Wait until the server holds no log stream."""
    wait_until(lambda: benchlib.metric(port, LOG_STREAMS) == 0, 60,
               "streams to close")


def row_idle(cfg, table):
    """Idle CPU of follow and full-screen with 100 / 1000 keepalive-only
    streams (1 s heartbeat), npm eventsource beside; the time to open
    them (row 6)."""
    es = eventsource_dir()
    for count in cfg.idle_streams:
        res = {"follow": [], "view": [], "es": []}
        opened = {"follow": [], "view": []}
        with Server("--heartbeat", "1", "--max-streams",
                    str(4 * count + 100)) as srv:
            url = "http://127.0.0.1:%d" % srv.port
            names = make_sources(srv.port, count)
            kinds = ["view"] + (["es"] if es else [])
            if count <= LOGDECK_MAX_ARGS:
                kinds.insert(0, "follow")
            for _ in range(max(1, cfg.runs // 2)):
                for kind in kinds:
                    c, secs = open_streams(srv.port, count, lambda: Client(
                        kind, url, names, es=es))
                    if kind in opened:
                        opened[kind].append(secs)
                    try:
                        time.sleep(1 if cfg.quick else 2)
                        res[kind].append(idle_cpu(c.pid, cfg.idle_seconds))
                    finally:
                        c.close()
                    closed(srv.port)
        es_med = stats(res["es"])[0] if res["es"] else None
        for kind, what in (("follow", "follow"), ("view", "full-screen")):
            v = res[kind]
            line = "idle %s, %d streams, 1 s heartbeat" % (what, count)
            if not v:
                table.add("5", line, "ms CPU/s",
                          "n/a (logdeck -f takes <=%d sources)"
                          % LOGDECK_MAX_ARGS)
                continue
            med = stats(v)[0]
            table.add("5", line, "ms CPU/s", v,
                      "%.2fx es" % (med / es_med) if es_med else "",
                      "<10 ms/s (1% core)" if count >= 1000 else "",
                      med < 10 if count >= 1000 else None, fmt="%.2f")
        table.add("5", "  npm eventsource, %d streams" % count, "ms CPU/s",
                  res["es"] if res["es"] else "n/a (npm unavailable)",
                  fmt="%.2f")
        for kind, what in (("follow", "follow"), ("view", "full-screen%s" % (
                " --all" if count > LOGDECK_MAX_ARGS else ""))):
            if not opened[kind]:
                continue
            med = stats(opened[kind])[0]
            table.add("6", "open %d streams, %s, HTTP/1.1" % (count, what),
                      "s", opened[kind], "",
                      "<=3 s" if count >= 1000 else "",
                      med <= 3 if count >= 1000 else None, fmt="%.2f")


def socket_count(pid):
    """Sockets a process holds open."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                "socket:")
        except OSError:
            pass
    return n


def free_port():
    """A free loopback TCP port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def row_h2(cfg, table, tmp):
    """1000 (quick: 100) streams through nghttpx (TLS, h2 to the client,
    HTTP/1.1 to the server): time to open them, connections used."""
    count = cfg.idle_streams[-1]
    kind = "follow" if count <= LOGDECK_MAX_ARGS else "view"
    what = "open %d streams, %s, via nghttpx (TLS h2)" % (
        count, "follow" if kind == "follow" else "full-screen --all")
    if shutil.which("nghttpx") is None:
        table.add("6", what, "s", "n/a (nghttpx not installed)")
        return
    key, crt = os.path.join(tmp, "key.pem"), os.path.join(tmp, "crt.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with Server("--heartbeat", "1", "--max-streams",
                str(4 * count + 100)) as srv:
        names = make_sources(srv.port, count)
        port = free_port()
        proxy = subprocess.Popen(
            ["nghttpx", "-f127.0.0.1,%d" % port,
             "-b127.0.0.1,%d" % srv.port, "--workers=1",
             "--backend-connections-per-host=%d" % (2 * count + 10),
             "--backend-read-timeout=1h", "--frontend-read-timeout=1h",
             "--no-ocsp", "--errorlog-file=/dev/null",
             "--accesslog-file=/dev/null", key, crt],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: socket.socket().connect_ex(
                ("127.0.0.1", port)) == 0, 30, "nghttpx")
            opened, conns = [], []
            for _ in range(max(1, cfg.runs // 2)):
                c, secs = open_streams(srv.port, count, lambda: Client(
                    kind, "https://localhost:%d" % port, names,
                    extra=("--cacert", crt)))
                opened.append(secs)
                conns.append(socket_count(c.pid))
                c.close()
                closed(srv.port)
        finally:
            proxy.terminate()
            proxy.wait()
    med = stats(opened)[0]
    table.add("6", what, "s", opened, "", "<=3 s" if count >= 1000 else "",
              med <= 3 if count >= 1000 else None, fmt="%.2f")
    table.add("6", "  connections (sockets) they use", "sockets", conns,
              "", "", None, fmt="%.0f")


# ---------------------------------------------------------------- row 7

def ingest_body(batch, start=0):
    """A POST body of batch events with ~40-byte messages."""
    return json.dumps([{"timestamp": "2024-12-07T14:23:45.%03dZ" % (i % 1000),
                        "level": "INFO", "task": "load",
                        "message": "processed record %d of batch 7 in 12 ms"
                        % (start + i)} for i in range(batch)]).encode()


def ingest_rate(port, seconds, producers=2, batch=1000):
    """Events/s accepted by POSTs of batch events from producers
    connections for seconds."""
    body = ingest_body(batch)
    counts = [0] * producers
    stop = time.monotonic() + seconds

    def produce(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            st = benchlib.post(port, "/api/automations/ingest-%d/logs" % k,
                               body, conn)
            assert st in (200, 201), st
            counts[k] += batch

    threads = [threading.Thread(target=produce, args=(k,))
               for k in range(producers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def copy_rate(pg, rows, tmp):
    """Rows/s of psql \\copy into a copy of logs (its indexes and checks,
    no triggers), rows like the POSTed ones."""
    path = os.path.join(tmp, "copy.csv")
    with open(path, "w") as f:
        for i in range(rows):
            f.write("%d,automations/copy,2024-12-07T14:23:45.%03dZ,INFO,"
                    "processed record %d of batch 7 in 12 ms,load\n"
                    % (i + 1, i % 1000, i))
    pg.psql("DROP TABLE IF EXISTS copy_bench; CREATE TABLE copy_bench "
            "(LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING INDEXES)")
    from pgcluster import BINDIR
    t0 = time.monotonic()
    subprocess.run([os.path.join(BINDIR, "psql"), "-X", "-q", "-h", pg.sock,
                    "-p", str(pg.port), "-U", "postgres", "-d", "logdeck",
                    "-c", "\\copy copy_bench (id, source, \"timestamp\", "
                    "level, message, task) FROM '%s' CSV" % path],
                   check=True, timeout=DEADLINE)
    return rows / (time.monotonic() - t0)


def fanout(port, clients, seconds, rate):
    """One hot source POSTed at rate events/s (batches of 100) while
    clients streams read it; (% delivered, server events/s fanned out)."""
    path = "/api/automations/hot-%d/logs" % clients
    benchlib.post(port, path.rsplit("/logs", 1)[0] + "/status",
                  {"status": "running"})
    readers = benchlib.Readers(port, path, clients, timed=False)
    readers.pump(time.monotonic() + 1.0)
    batch, sent = 100, 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = ingest_body(batch)
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        due = t0 + sent / rate
        readers.pump(max(due, time.monotonic() + 0.001))
        benchlib.post(port, path, body, conn)
        sent += batch
    readers.pump(time.monotonic() + 60, quiet=1.0)
    elapsed = time.monotonic() - t0
    readers.close()
    return readers.events * 100 / (sent * clients), readers.events / elapsed


def row_server(cfg, table, tmp):
    """Ingest into memory and PostgreSQL (COPY beside), fan-out to 100 and
    1000 clients, insert-to-client delay with 100 clients."""
    mem, pgr, cp, d_mem, d_pg = [], [], [], [], []
    fans = {}
    with Server("--max-streams", "5000", "--ring", "100000") as srv:
        for _ in range(cfg.runs):
            mem.append(ingest_rate(srv.port, cfg.ingest_seconds))
        path = "/api/automations/delay/logs"
        benchlib.post(srv.port, "/api/automations/delay/status",
                      {"status": "running"})
        d_mem = benchlib.measure_delay(srv.port, path,
                                       benchlib.post_one(srv.port, path),
                                       100, 100 if cfg.quick else 300, 0.01)
        for clients in (100, 1000):
            if cfg.quick and clients > 100:
                continue
            fans[clients] = [fanout(srv.port, clients, cfg.ingest_seconds,
                                    20000 // (clients // 100))
                             for _ in range(max(1, cfg.runs // 2))]
    table.add("7", "ingest, memory store, POST x1000", "ev/s", mem, "",
              ">=500k ev/s", stats(mem)[0] >= 500000)
    from pgcluster import Cluster
    try:
        with Cluster() as pg, Server("--store", pg.url) as srv:
            for _ in range(cfg.runs):
                pgr.append(ingest_rate(srv.port, cfg.ingest_seconds))
                cp.append(copy_rate(pg, cfg.copy_rows, tmp))
            path = "/api/automations/delay/logs"
            benchlib.post(srv.port, "/api/automations/delay/status",
                          {"status": "running"})
            d_pg = benchlib.measure_delay(srv.port, path,
                                          benchlib.post_one(srv.port, path),
                                          100, 100 if cfg.quick else 300,
                                          0.01)
        r = stats(pgr)[0] / stats(cp)[0]
        table.add("7", "ingest, PostgreSQL, POST x1000", "ev/s", pgr,
                  "%.2fx COPY" % r, ">=0.7x COPY", r >= 0.7)
        table.add("7", "  psql \\copy, indexed, no triggers", "rows/s", cp)
    except Exception as e:  # no PostgreSQL binaries: say so, go on
        table.add("7", "ingest, PostgreSQL", "ev/s", "n/a (%s)" % str(e)[:40])
    for clients, v in sorted(fans.items()):
        table.add("7", "fan-out 1 source to %d clients, delivered"
                  % clients, "%", [x[0] for x in v], "",
                  "100% (none dropped)", stats([x[0] for x in v])[0] >= 100,
                  fmt="%.1f")
        table.add("7", "  events/s delivered in all", "ev/s",
                  [x[1] for x in v])
    for what, d in (("memory", d_mem), ("PostgreSQL", d_pg)):
        if not d:
            continue
        p99 = benchlib.pct(d, 0.99)
        table.add("7", "insert->client p99, 100 clients, %s" % what, "ms",
                  [p99], "median %.2f ms" % benchlib.pct(d, 0.5),
                  "<=10 ms", p99 <= 10, fmt="%.2f")


# ---------------------------------------------------------------- row 2

def read_pass_stats(path):
    """The view's LOGDECK_PASS_STATS summary: {name: value} of its
    one-number lines, plus "longest": the rows of its longest passes as
    dicts (names from its "longest" header)."""
    out, cols = {"longest": []}, []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if not w or w[0].startswith("#"):
                    continue
                if w[0] == "longest":
                    cols = w[1:]
                elif w[0] == "pass":
                    out["longest"].append(dict(zip(cols, map(float, w[1:]))))
                elif len(w) == 2:
                    out[w[0]] = float(w[1])
                else:  # "pass_ms p50 1.0 p99 2.0 ..."
                    out[w[0]] = dict(zip(w[1::2], map(float, w[2::2])))
    except OSError:
        pass
    return out


def fullscreen_run(n, streams, variant, lat, censored, passes=None):
    """One run of row 2: the view over `streams` bursts of n; append each
    keypress latency (ms) to lat and the view's pass summary (its
    LOGDECK_PASS_STATS file, read_pass_stats) to passes; return the
    events/s absorbed and the view's CPU seconds until it held them all
    (the steadier figure on a shared machine: the rate moves with what
    else runs, the CPU the view spent much less)."""
    import bench_tui_latency as btl
    from tuitmux import Tmux
    stats = tempfile.NamedTemporaryFile(prefix="ldpass-", delete=False)
    stats.close()
    with Server("--simulate", str(streams), "--burst", str(n)) as srv:
        url = "http://127.0.0.1:%d" % srv.port
        ids = ["burst-%d" % (i + 1) for i in range(streams)]
        t0 = time.monotonic()
        with Tmux([LOGDECK, "--server", url, "--merged",
                   "--scrollback", "4096"] + variant.args() + ids,
                  env={"LOGDECK_PASS_STATS": stats.name}) as t:
            # A key sent before the first frame is measured against
            # a blank screen and never "flips": wait for the status.
            wait_until(lambda: held_lines(t) >= 0, DEADLINE,
                       "the view's first frame", step=0.01)
            variant.start(t)
            pid = btl.viewer_pid(t)
            while held_lines(t) < n * streams:
                if time.monotonic() - t0 > DEADLINE:
                    raise RuntimeError("view did not take the burst")
                try:
                    lat.append(btl.key_latency(t))
                except Exception:  # not shown within ldtest.WAIT_S
                    lat.append(btl.ldtest.WAIT_S * 1000)
                    censored[0] += 1
            rate = n * streams / (time.monotonic() - t0)
            cpu = btl.cpu_seconds(pid)
    # Leaving Tmux waited for the view to end: the summary is written.
    if passes is not None:
        passes.append(read_pass_stats(stats.name))
    keep = os.environ.get("BENCH_KEEP_PASS_STATS")
    if keep:
        shutil.copy(stats.name, os.path.join(
            keep, "pass-%d.txt" % int(time.time() * 1000)))
    os.unlink(stats.name)
    return rate, cpu


def row_fullscreen(cfg, table):
    """20 burst streams into the merged full-screen view: events/s it
    absorbs (all held / time) and keypress-to-screen latency meanwhile.
    With cfg.variant, the same again with rules and folding (row 2b), run
    for run beside the plain view."""
    import bench_tui_latency as btl
    n, streams = cfg.fullscreen_events, 20
    plain = ([], [], [0], [])
    other = ([], [], [0], [])
    passes = []
    for _ in range(max(1, cfg.runs // 2)):
        rate, cpu = fullscreen_run(n, streams, Variant(), plain[1],
                                   plain[2], passes)
        plain[0].append(rate)
        plain[3].append(cpu)
        if cfg.variant:
            rate, cpu = fullscreen_run(n, streams, cfg.variant, other[1],
                                       other[2])
            other[0].append(rate)
            other[3].append(cpu)
    rates, lat, censored, cpus = plain
    lat.sort()
    table.add("2", "full-screen, 20 bursts of %dk, absorbed" % (n // 1000),
              "ev/s", rates, "", ">=1M ev/s", stats(rates)[0] >= 1e6)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    table.add("2", "  keypress->screen p99 (%d keys, %d >%d s)" % (
        len(lat), censored[0], btl.ldtest.WAIT_S), "ms",
              [p99], "median %.0f ms" % stats(lat)[0], "<=50 ms",
              p99 <= 50, fmt="%.0f")
    table.add("2", "  the view's CPU to take them all", "s", cpus, "", "",
              None, fmt="%.2f")
    if cfg.variant:
        rb, lb, cb, cpub = other
        c0, c1 = stats(cpus)[0], stats(cpub)[0]
        table.add("2b", "  rules+folding on: the view's CPU", "s", cpub,
                  "%.2fx row 2" % (c1 / c0), "no worse than row 2",
                  c1 <= c0 * 1.05, fmt="%.2f")
        lb.sort()
        r0, r1 = stats(rates)[0], stats(rb)[0]
        table.add("2b", "  rules+folding on: absorbed", "ev/s", rb,
                  "%.2fx row 2" % (r1 / r0), "no worse than row 2",
                  r1 >= r0 * 0.95)
        p99b = lb[min(len(lb) - 1, int(len(lb) * 0.99))]
        table.add("2b", "  rules+folding on: key p99 (%d keys, %d >%d s)"
                  % (len(lb), cb[0], btl.ldtest.WAIT_S), "ms", [p99b],
                  "median %.0f ms; %.2fx row 2" % (stats(lb)[0], p99b / p99),
                  "<=50 ms", p99b <= 50, fmt="%.0f")
    # The view's own count (LOGDECK_PASS_STATS): frames drawn while the
    # bursts came in, and its slowest pass and key-to-frame time.
    fps = [p["busy_fps"] for p in passes if "busy_fps" in p]
    if fps:
        table.add("2", "  frames per second, taking the bursts", "fps",
                  fps, "", "", None, fmt="%.1f")
        worst = [p["pass_ms"]["max"] for p in passes if "pass_ms" in p]
        p99 = [p["pass_ms"]["p99"] for p in passes if "pass_ms" in p]
        table.add("2", "  the view's longest loop pass",
                  "ms", worst, "p99 of passes %.1f ms" % stats(p99)[0], "", None,
                  fmt="%.1f")
        k99 = [p["key_to_frame_ms"]["p99"] for p in passes
               if p.get("keys")]
        if k99:
            table.add("2", "  in the view: key read->frame drawn, p99",
                      "ms", k99, "", "", None, fmt="%.1f")
    else:
        table.add("2", "  frames per second", "fps",
                  "n/a (no LOGDECK_PASS_STATS summary)")


# ---------------------------------------------------------------- main

def machine():
    """nproc, CPU model, kernel."""
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d cores, %s, Linux %s" % (os.cpu_count(), model,
                                        os.uname().release)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rows", default="1,3,4,5,6,7,2")
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--markdown", help="also write the table here")
    ap.add_argument("--with-rules-and-folding", action="store_true",
                    help="rows 2b/3b: rows 2 and 3 again with three rules "
                    "and the view folded, beside the plain runs")
    args = ap.parse_args()
    cfg = Config(args.quick, args.runs)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)),
                                                hard))
    table = Table()
    started = time.monotonic()
    print("logdeck bench (%s, %d runs per figure) on %s, %s" % (
        "quick" if cfg.quick else "full", cfg.runs, machine(),
        time.strftime("%Y-%m-%d %H:%M")))
    table.header()
    tmp = tempfile.mkdtemp(prefix="logdeck-bench-")
    cfg.variant = (Variant(rules_config(tmp))
                   if args.with_rules_and_folding else None)
    rows = {"1": lambda: row_follow(cfg, table),
            "3": lambda: row_memory(cfg, table, tmp),
            "4": lambda: row_filter(cfg, table, tmp),
            "5": lambda: row_idle(cfg, table),
            "6": lambda: row_h2(cfg, table, tmp),
            "7": lambda: row_server(cfg, table, tmp),
            "2": lambda: row_fullscreen(cfg, table)}
    try:
        for r in args.rows.split(","):
            try:
                rows[r]()
            except Exception as e:  # a broken row never hides the others
                table.add(r, "row %s failed" % r, "", "n/a (%s: %s)" % (
                    type(e).__name__, str(e)[:60]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%.0f s in all; ratios are medians over medians of this run"
          % (time.monotonic() - started))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table.markdown() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
