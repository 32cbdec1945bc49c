#!/usr/bin/env python3
"""bench_follow - follow mode throughput next to curl on the same stream.

The reference server bursts COUNT events per automation as fast as a
client takes them; each row is one client reading one whole burst to
/dev/null. The ratio column compares with `curl -sN` in the same run, so
the figure means something on a noisy machine.

usage: bench_follow.py [COUNT] [REPEAT]   (default 1000000 events, 3 runs)
"""
import os
import select
import statistics
import subprocess
import sys
import time

BUILD = os.environ.get("LOGDECK_BUILDDIR", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src"))
SERVER = os.environ.get("LOGDECK_SERVER", os.path.join(BUILD, "logdeck-server"))
LOGDECK = os.environ.get("LOGDECK", os.path.join(BUILD, "logdeck"))


def start_server(count):
    p = subprocess.Popen([SERVER, "--listen", "127.0.0.1:0", "--burst",
                          str(count), "--simulate", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([p.stdout], [], [], 10)
    line = p.stdout.readline().decode() if ready else ""
    if not line.startswith("listening on "):
        sys.exit("bench: server did not start")
    return p, line.split()[-1]


def measure(cmd):
    """Run cmd with stdout to /dev/null; (wall s, cpu s, rc)."""
    with open(os.devnull, "wb") as null:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    return wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    srv, url = start_server(count)
    stream = url + "/api/automations/burst-1/logs?stream=true"
    clients = [
        ("curl -sN", ["curl", "-sN", "-H", "Accept: text/event-stream",
                      stream]),
        ("logdeck -f -o text", [LOGDECK, "--server", url, "--follow",
                                "--output", "text", "burst-1"]),
        ("logdeck -f -o json", [LOGDECK, "--server", url, "--follow",
                                "--output", "json", "burst-1"]),
    ]
    rows = []
    try:
        for name, cmd in clients:
            walls, cpus = [], []
            for _ in range(repeat):
                wall, cpu, rc = measure(cmd)
                if rc not in (0,):
                    sys.exit("bench: %s exited %d" % (name, rc))
                walls.append(wall)
                cpus.append(cpu)
            rows.append((name, statistics.median(walls),
                         statistics.median(cpus)))
    finally:
        srv.terminate()
        srv.wait()
    base = count / rows[0][1]
    print("%d events per run, median of %d runs" % (count, repeat))
    print("%-20s %10s %12s %10s %12s" % ("client", "wall s", "events/s",
                                         "cpu s", "vs curl"))
    for name, wall, cpu in rows:
        rate = count / wall
        print("%-20s %10.3f %12.0f %10.3f %11.2fx" % (name, wall, rate, cpu,
                                                      rate / base))


main()
