#!/usr/bin/env python3
"""test_server_limits.py - logdeck-server's memory limits against hostile
readers, over real HTTP on loopback (doc/api.md, "Streams").

Each test starts its own server; every wait is a condition with a
deadline.
"""
import json
import os
import re
import socket
import time

import ldtest
from ldtest import scaled
from serverutil import Server

# --max-stream-memory these tests set (bytes), and what the server may
# hold past it: one reply chunk (feed.c FEED_CHUNK) and the headers.
BUDGET = 1 << 20
SLACK = (256 << 10) + 4096
# How long a socket waits for an answer (longer under valgrind).
SOCK_S = scaled(10)


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

        ldtest.wait_for(cut, scaled(30),
                        "a stream cut over --max-stream-memory")
        assert max(held) <= BUDGET + SLACK, held
        assert srv.wait_stderr("over --max-stream-memory", scaled(10)), \
            srv.stderr()
        # Its client resumes from the last whole event and loses nothing.
        got = read_all(stalled, scaled(30))
        stalled.close()
        ids = [int(x) for x in re.findall(rb"\nid: (\d+)\n", got)]
        last = ids[-1] if ids else 0
        count = last_id[0]
        assert last < count, "the stalled client got everything: not cut"
        st = srv.stream("/api/automations/big/logs?stream=true",
                        headers={"Last-Event-ID": str(last)},
                        timeout=scaled(30))
        want = last + 1
        while want <= count:
            ev = st.next()
            assert ev is not None, "stream ended at %d" % want
            if ev.get("event") == "log":
                ldtest.eq(int(ev["id"]), want, "resumed event id")
                want += 1
        st.close()
        assert metric(srv, "logdeck_stream_buffered_bytes") <= BUDGET + SLACK


def keyed_post(srv, path, body, key):
    """POST body with Idempotency-Key key; (status, headers, JSON body)."""
    status, hdrs, data = srv.request("POST", path, body,
                                     {"Idempotency-Key": key})
    return status, hdrs, json.loads(data)


def test_a_retried_batch_with_its_idempotency_key_is_stored_once():
    with Server() as srv:
        path = "/api/automations/idem/logs"
        batch = [{"message": "m%d" % i} for i in range(3)]
        first = keyed_post(srv, path, batch, "k-1")
        assert first[0] == 201 and first[2] == {"accepted": 3, "lastId": 3}
        assert "idempotent-replayed" not in first[1], first[1]
        again = keyed_post(srv, path, batch, "k-1")
        assert again[0] == first[0] and again[2] == first[2], again
        assert again[1].get("idempotent-replayed") == "true", again[1]
        # Another body under the same key is a client's mistake, not a
        # retry: refused, and nothing stored.
        other = keyed_post(srv, path, [{"message": "other"}], "k-1")
        assert other[0] == 422 and "Idempotency-Key" in other[2]["error"]
        # A key belongs to its source; a new key is a new batch.
        assert keyed_post(srv, "/api/automations/idem2/logs", batch,
                          "k-1")[0] == 201
        assert keyed_post(srv, path, batch, "k-2")[2]["lastId"] == 6
        status, events = srv.get_json(path)
        assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6], events
        assert metric(srv, "logdeck_ingest_replayed_total") == 1
        for bad in ("", "x" * 256, "caf\u00e9"):
            status, _, data = srv.request("POST", path, batch,
                                          {"Idempotency-Key": bad})
            assert status == 400 and b"Idempotency-Key" in data, (bad, data)
        # Two keys in one request: which one counts is in doubt.
        s = socket.create_connection(("127.0.0.1", srv.port),
                                     timeout=SOCK_S)
        s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Idempotency-Key: a\r\nIdempotency-Key: b\r\n"
                  b"Content-Length: 15\r\n\r\n{\"message\":\"x\"}")
        assert s.recv(4096).startswith(b"HTTP/1.1 400"), "two keys"
        s.close()
        status, events = srv.get_json(path)
        assert len(events) == 6, events


def test_idempotency_keys_are_bounded_in_number_and_age():
    with Server("--idempotency-keys", "2", "--idempotency-window", "1") as srv:
        path = "/api/automations/idem-bound/logs"
        body = {"message": "x"}
        for key in ("a", "b", "c"):
            assert keyed_post(srv, path, body, key)[0] in (200, 201)
        # "a" was forgotten for "c": its retry is stored again.
        assert keyed_post(srv, path, body, "b")[2]["lastId"] == 2
        assert keyed_post(srv, path, body, "a")[2]["lastId"] == 4
        # Past the window (1 s) a key is forgotten too: until then every
        # retry is a replay that stores nothing.
        ldtest.wait_for(
            lambda: keyed_post(srv, path, body, "c")[2]["lastId"] == 5,
            30, "key c forgotten after --idempotency-window")


def answer(port, raw, timeout=SOCK_S):
    """Send raw on a new connection; everything it gets until closed
    (b"" when the server reset it before answering)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        return read_all(s, timeout)
    except ConnectionResetError:
        return b""
    finally:
        s.close()


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def test_connection_cap_refuses_with_503_and_frees_as_connections_close():
    cap = 4
    with Server("--max-connections", str(cap)) as srv:
        # cap connections that send nothing yet: every one is served.
        idle = [socket.create_connection(("127.0.0.1", srv.port),
                                         timeout=SOCK_S) for _ in range(cap)]
        # The next one is answered 503 at once and closed, once the
        # server has taken the idle ones (a probe until then is served
        # and closed, which leaves the count as it was).
        got = ldtest.wait_for(
            lambda: (lambda b: b if b.startswith(b"HTTP/1.1 503") else
                     None)(answer(srv.port, HEALTHZ)),
            30, "a connection over --max-connections refused")
        head, _, body = got.partition(b"\r\n\r\n")
        assert b"\r\nRetry-After: 1\r\n" in head, head
        assert b"\r\nContent-Type: application/json\r\n" in head, head
        assert "connections" in json.loads(body)["error"], body
        # The cap's connections are open and served meanwhile (and
        # closed after their answer, which frees their places).
        for s in idle[2:]:
            s.sendall(HEALTHZ)
            assert read_all(s, SOCK_S).startswith(b"HTTP/1.1 200"), \
                "served"
            s.close()
        idle[2:] = [socket.create_connection(("127.0.0.1", srv.port),
                                             timeout=SOCK_S) for _ in range(2)]
        ldtest.wait_for(
            lambda: answer(srv.port, HEALTHZ).startswith(b"HTTP/1.1 503"),
            30, "the cap full again")
        # Connections that close without a request free their places too
        # (evhttp closes them without any request callback).
        for s in idle:
            s.close()
        ldtest.wait_for(
            lambda: answer(srv.port, HEALTHZ).startswith(b"HTTP/1.1 200"),
            30, "the cap freed after its connections closed")
        assert metric(srv, "logdeck_connections_refused_total") >= 2
        # A burst far over the cap: never more than cap are served at
        # once, and the rest are refused, not left waiting.
        burst = [socket.create_connection(("127.0.0.1", srv.port),
                                          timeout=SOCK_S)
                 for _ in range(3 * cap)]
        answers = []
        for s in burst:
            try:
                s.sendall(b"GET /api/automations HTTP/1.1\r\nHost: x\r\n\r\n")
                s.settimeout(SOCK_S)
                answers.append(s.recv(64))
            except ConnectionResetError:
                answers.append(b"reset")
        refused = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
        served = [a for a in answers if a.startswith(b"HTTP/1.1 200")]
        assert len(served) == cap and len(served) + len(refused) == \
            len(burst), answers
        for s in burst:
            s.close()


@ldtest.not_under_valgrind("valgrind keeps descriptors of its own below "
                           "the limit, so the server sees fewer than 40")
def test_default_connection_cap_stays_under_the_descriptor_limit():
    import resource

    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    # 40 descriptors: the default cap is half of them (the limit less
    # conn.h's CONN_FD_RESERVE would leave none), so connections past it
    # are refused with 503 before accept() ever runs out.
    with Server(preexec_fn=few_fds) as srv:
        assert srv.wait_stderr("20 connections at most", 10), srv.stderr()
        socks = [socket.create_connection(("127.0.0.1", srv.port),
                                          timeout=10) for _ in range(25)]
        ldtest.wait_for(
            lambda: answer(srv.port, HEALTHZ).startswith(b"HTTP/1.1 503"),
            30, "a refusal at the default cap")
        assert "cannot accept" not in srv.stderr(), srv.stderr()
        for s in socks:
            s.close()
        ldtest.wait_for(
            lambda: answer(srv.port, HEALTHZ).startswith(b"HTTP/1.1 200"),
            30, "served again")


def trickle_until_cut(s, data, every, on_byte=None):
    """Send data on s one byte every `every` seconds (calling on_byte
    between bytes) until the server closes s; seconds from the first byte
    to the close."""
    t0 = time.monotonic()
    for i in range(len(data)):
        try:
            s.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - t0
        end = time.monotonic() + every
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                if s.recv(4096) == b"":
                    return time.monotonic() - t0
            except socket.timeout:
                pass
            except ConnectionResetError:
                return time.monotonic() - t0
        if on_byte is not None:
            on_byte()
    raise AssertionError("the whole head went through: never cut")


def another_client(srv, served):
    """A call that serves another client of srv on its own connections (a
    health check and an ingest) and counts it in served: the tricklers'
    tests call it all along to show the server goes on."""
    def others():
        assert srv.request("GET", "/healthz")[0] == 200
        status, _ = srv.post("/api/automations/t/logs", [{"message": "m"}])
        assert status in (200, 201), status
        served.append(1)
    return others


def test_header_timeout_cuts_a_trickled_head_and_others_are_served():
    with Server("--header-timeout", "3") as srv:
        served = []
        others = another_client(srv, served)

        s = socket.create_connection(("127.0.0.1", srv.port),
                                     timeout=SOCK_S)
        head = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                b"a" * 200 + b"\r\n\r\n")
        took = trickle_until_cut(s, head, 1.0, others)
        s.close()
        # Cut at the deadline (3 s from the first byte), long before the
        # idle timeout (60 s), which the trickle would keep off for good.
        assert 2.5 <= took <= 40, took
        assert len(served) >= 2, served
        assert metric(srv, "logdeck_connections_header_timeouts_total") == 1


def read_answer(s, timeout):
    """One HTTP answer with a Content-Length from s: (head, body)."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        assert b, "closed before an answer: %r" % data
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    n = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
    while len(body) < n:
        b = s.recv(4096)
        assert b, "closed in an answer"
        body += b
    return head, body


def test_header_timeout_spares_a_slow_body_and_restarts_per_request():
    with Server("--header-timeout", "2") as srv:
        s = socket.create_connection(("127.0.0.1", srv.port),
                                     timeout=SOCK_S)
        body = b'[{"message": "a slowly uploaded body"}]'
        s.sendall(b"POST /api/automations/slow/logs HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        # The body takes far longer than the header deadline but each
        # byte comes well within the idle timeout: it is not cut.
        t0 = time.monotonic()
        for i in range(len(body)):
            s.sendall(body[i:i + 1])
            time.sleep(0.15)
        assert time.monotonic() - t0 > 4
        head, got = read_answer(s, SOCK_S)
        assert head.startswith(b"HTTP/1.1 201"), (head, got)
        assert json.loads(got)["accepted"] == 1, got
        # The next request on the same connection has a deadline of its
        # own, from its first byte.
        took = trickle_until_cut(
            s, b"GET /healthz HTTP/1.1\r\nX-Pad: " + b"b" * 100, 0.5)
        s.close()
        assert 1.5 <= took <= 40, took


def trickle_answer(s, data, every, on_byte=None):
    """Like trickle_until_cut, keeping what s received: (seconds from the
    first byte to the close, the bytes received)."""
    got = []
    t0 = time.monotonic()
    for i in range(len(data)):
        try:
            s.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - t0, b"".join(got)
        end = time.monotonic() + every
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                b = s.recv(4096)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return time.monotonic() - t0, b"".join(got)
            if b == b"":
                return time.monotonic() - t0, b"".join(got)
            got.append(b)
        if on_byte is not None:
            on_byte()
    raise AssertionError("the whole body went through: never cut")


def post_head(path, length):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % length)


def test_body_timeout_answers_408_to_a_trickled_body_and_others_are_served():
    with Server("--body-timeout", "3", "--header-timeout", "2") as srv:
        served = []
        others = another_client(srv, served)

        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        body = b'[{"message": "' + b"t" * 300 + b'"}]'
        s.sendall(post_head(b"/api/automations/trickled/logs", len(body)))
        took, got = trickle_answer(s, body, 0.5, others)
        s.close()
        # Cut at the deadline (3 s from the head's end) although a byte
        # came every 0.5 s, long before the idle timeout (60 s) between
        # bytes would ever cut it; answered 408 in JSON first.
        assert 2.5 <= took <= 40, took
        head, _, text = got.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), got
        assert b"\r\nConnection: close\r\n" in head, head
        assert "--body-timeout" in json.loads(text)["error"], text
        assert len(served) >= 2, served
        assert metric(srv, "logdeck_connections_body_timeouts_total") == 1
        assert metric(srv, "logdeck_connections_header_timeouts_total") == 0
        assert srv.get_json("/api/automations/trickled/logs")[0] == 404
        status, _, data = srv.request("GET", "/metrics")
        assert b'logdeck_http_responses_total{code="408"} 1\n' in data


def test_body_timeout_spares_a_body_within_it_and_restarts_per_request():
    with Server("--body-timeout", "4") as srv:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        body = b'[{"message": "a slowly uploaded body"}]'
        path = b"/api/automations/slow-body/logs"
        # A body slower than the head's deadline would allow, well
        # within its own: stored.
        s.sendall(post_head(path, len(body)))
        t0 = time.monotonic()
        for i in range(0, len(body), 4):
            if i > 0:
                # Pace the upload: nothing comes back before the body.
                s.settimeout(0.1)
                try:
                    raise AssertionError("answered or closed during the "
                                         "body: %r" % s.recv(4096))
                except socket.timeout:
                    pass
            s.sendall(body[i:i + 4])
        assert time.monotonic() - t0 > 0.8
        head, got = read_answer(s, 10)
        assert head.startswith(b"HTTP/1.1 201"), (head, got)
        # The next request on the same connection has a deadline of its
        # own, from its own head's end.
        s.sendall(post_head(path, len(body)))
        took, got = trickle_answer(s, body, 0.5)
        s.close()
        assert 3.5 <= took <= 40, took
        assert got.startswith(b"HTTP/1.1 408 "), got
        status, evs = srv.get_json(path.decode())
        assert status == 200 and len(evs) == 1, evs


def rss_bytes(pid):
    """The resident set of a process."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def sanitized():
    """Whether the server runs under a checker whose allocator says
    nothing of the store in RSS: AddressSanitizer (its quarantine keeps
    freed memory resident) or valgrind (make valgrind: its own heap, with
    redzones and a freed-block queue). The budget gauge is checked all the
    same."""
    if ldtest.VALGRIND_DIR:
        return True
    with open(os.environ.get("LOGDECK_SERVER", "src/logdeck-server"),
              "rb") as f:
        return b"__asan_init" in f.read()


def test_store_memory_budget_evicts_the_oldest_events_store_wide():
    budget = 4 << 20
    with Server("--max-store-memory", str(budget)) as srv:
        assert srv.wait_stderr("in-memory store of %d bytes" % budget, 10)
        base_rss = rss_bytes(srv.proc.pid)
        assert metric(srv, "logdeck_store_memory_limit_bytes") == budget
        # 4 sources, round robin, 48 MiB of events in 50 kB batches:
        # twelve times the budget.
        sources = ["mem-%d" % i for i in range(4)]
        pad = "y" * 1000
        batches = []  # (source, first id, last id), in arrival order
        peak = 0
        for b in range(960):
            src = sources[b % len(sources)]
            status, body = srv.post(
                "/api/automations/%s/logs" % src,
                [{"message": "%s b%d e%d %s" % (src, b, e, pad)}
                 for e in range(50)])
            # Never refused: the oldest events make room.
            assert status in (200, 201), (b, status, body)
            batches.append((src, body["lastId"] - 49, body["lastId"], b))
            if b % 40 == 0:
                peak = max(peak, metric(srv, "logdeck_store_memory_bytes"))
        used = metric(srv, "logdeck_store_memory_bytes")
        held = metric(srv, "logdeck_store_bytes")
        assert max(peak, used) <= budget, (peak, used)
        # Counted as allocated: more than the text, and the budget is
        # used, not left empty by evicting too much.
        assert held < used and used > budget // 2, (held, used)
        assert metric(srv, "logdeck_store_memory_evicted_events_total") > 0
        # Without the budget the process grows by the whole 48 MiB and
        # more; with it, by the budget and the heap's slack.
        grown = rss_bytes(srv.proc.pid) - base_rss
        assert grown < 4 * budget or sanitized(), \
            "RSS grew by %d bytes" % grown
        # What is held is the newest batches of the whole store: each
        # source's oldest retained event starts a batch, and every batch
        # after the first retained one (in arrival order) is held whole.
        oldest = {}
        for src in sources:
            status, evs = srv.get_json(
                "/api/automations/%s/logs?limit=1" % src)
            assert status == 200 and evs, (src, status)
            oldest[src] = evs[0]["id"]
        held_from = [i for i, (src, first, last, _) in enumerate(batches)
                     if first >= oldest[src]]
        k = held_from[0]
        assert held_from == list(range(k, len(batches))), held_from[:10]
        assert k > len(sources), "nothing evicted from the oldest sources"
        for src, first, last, b in batches[k:]:
            assert first >= oldest[src], (src, first, oldest[src])
        # Every held event reads back whole and in order, newest included.
        for src in sources:
            mine = [x for x in batches[k:] if x[0] == src]
            after = oldest[src] - 1
            want = [(i, "%s b%d e%d %s" % (src, b, i - first, pad))
                    for _, first, last, b in mine
                    for i in range(first, last + 1)]
            got = []
            while True:
                status, evs = srv.get_json(
                    "/api/automations/%s/logs?after=%d&limit=10000"
                    % (src, after))
                assert status == 200, status
                if not evs:
                    break
                got += [(e["id"], e["message"]) for e in evs]
                after = evs[-1]["id"]
            assert got == want, (src, len(got), len(want))
        # A reader resuming below what is held gets the retention reset,
        # then every held event up to the newest.
        src = sources[0]
        st = srv.stream("/api/automations/%s/logs?stream=true" % src,
                        headers={"Last-Event-ID": "1"}, timeout=30)
        ev = st.next_event()
        while ev is not None and "event" not in ev:  # the retry line
            ev = st.next_event()
        assert ev is not None and ev["event"] == "reset", ev
        assert json.loads(ev["data"]) == {"reason": "retention",
                                          "oldestId": oldest[src]}, ev
        want = oldest[src]
        newest = [x for x in batches if x[0] == src][-1][2]
        while want <= newest:
            ev = st.next_event()
            assert ev is not None, "stream ended at %d" % want
            if ev.get("event") == "log":
                ldtest.eq(int(ev["id"]), want, "resumed event id")
                want += 1
        st.close()
        # A batch larger than the whole budget is refused, in JSON, and
        # stores nothing; the others go on.
        status, body = srv.post("/api/automations/huge/logs",
                                [{"message": "z" * (200 << 10)}
                                 for _ in range(24)])
        assert status == 413 and "--max-store-memory" in body["error"], \
            (status, body)
        assert srv.get_json("/api/automations/huge/logs")[0] == 404
        status, _ = srv.post("/api/automations/mem-0/logs",
                             [{"message": "after"}])
        assert status == 200, status
        assert metric(srv, "logdeck_store_memory_bytes") <= budget


if __name__ == "__main__":
    ldtest.main(globals())
