#!/usr/bin/env python3
"""test_server_limits.py - logdeck-server's memory limits against hostile
readers, over real HTTP on loopback (doc/api.md, "Streams").

Each test starts its own server; every wait is a condition with a
deadline.
"""
import re
import socket
import time

import ldtest
from serverutil import Server

# --max-stream-memory these tests set (bytes), and what the server may
# hold past it: one reply chunk (feed.c FEED_CHUNK) and the headers.
BUDGET = 1 << 20
SLACK = (256 << 10) + 4096


def metric(srv, name):
    """The value of one metrics family without labels."""
    status, _, data = srv.request("GET", "/metrics")
    assert status == 200, status
    m = re.search(rb"^" + name.encode() + rb" (\d+)$", data, re.M)
    assert m, (name, data[:400])
    return int(m.group(1))


def stalled_stream(port, path):
    """A stream whose client never reads (a tiny receive window)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
              b"Accept: text/event-stream\r\n\r\n")
    return s


def read_all(s, timeout):
    """Everything s receives until the server closes it."""
    s.settimeout(timeout)
    chunks = []
    while True:
        b = s.recv(1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def backlog(srv, path, batches, per_batch, size):
    """Store batches * per_batch events of about size bytes each."""
    pad = "x" * size
    for b in range(batches):
        status, body = srv.post(path, [{"message": "%d %s" % (b, pad)}
                                       for _ in range(per_batch)])
        assert status in (200, 201), (status, body)
    return batches * per_batch


def test_stream_memory_budget_cuts_the_reader_furthest_behind():
    with Server("--heartbeat", "1", "--stall-timeout", "3600",
                "--max-stream-memory", str(BUDGET)) as srv:
        # 12 MB of events: far more than the budget and what the kernel's
        # socket buffers on loopback take.
        count = backlog(srv, "/api/automations/big/logs", 24, 1000, 500)
        stalled = stalled_stream(srv.port,
                                 b"/api/automations/big/logs?stream=true")
        # The stream is fed up to the budget, and the kernel's buffers
        # take what they can; each new event feeds it again, up to the
        # budget (never past it), and the next heartbeat cuts the stream
        # that holds the most.
        held = []
        last_id = [count]

        def cut():
            status, body = srv.post("/api/automations/big/logs",
                                    [{"message": "more"}])
            assert status == 200, (status, body)
            last_id[0] = body["lastId"]
            held.append(metric(srv, "logdeck_stream_buffered_bytes"))
            return metric(srv, "logdeck_streams_dropped_memory_total") >= 1

        ldtest.wait_for(cut, 30, "a stream cut over --max-stream-memory")
        assert max(held) <= BUDGET + SLACK, held
        assert srv.wait_stderr("over --max-stream-memory", 10), srv.stderr()
        # Its client resumes from the last whole event and loses nothing.
        got = read_all(stalled, 30)
        stalled.close()
        ids = [int(x) for x in re.findall(rb"\nid: (\d+)\n", got)]
        last = ids[-1] if ids else 0
        count = last_id[0]
        assert last < count, "the stalled client got everything: not cut"
        st = srv.stream("/api/automations/big/logs?stream=true",
                        headers={"Last-Event-ID": str(last)}, timeout=30)
        want = last + 1
        while want <= count:
            ev = st.next()
            assert ev is not None, "stream ended at %d" % want
            if ev.get("event") == "log":
                ldtest.eq(int(ev["id"]), want, "resumed event id")
                want += 1
        st.close()
        assert metric(srv, "logdeck_stream_buffered_bytes") <= BUDGET + SLACK


if __name__ == "__main__":
    ldtest.main(globals())
