#!/usr/bin/env python3
"""test_server_api.py - logdeck-server against doc/api.md, over real HTTP.

Each test starts its own server on a free port (LOGDECK_SERVER), so they
are independent; the whole file runs in well under a minute.
"""
import json
import re
import resource
import signal
import socket
import subprocess
import time
import os

import ldtest
from ldtest import scaled
from serverutil import EventStream, Server

STATUSES = {"queued", "running", "completed", "failed", "cancelled"}


def ingest(srv, path, messages):
    status, body = srv.post(path, [{"message": m} for m in messages])
    assert status in (200, 201), (status, body)
    return body


def test_lists_and_gets_sources_and_answers_404_and_405():
    with Server("--simulate", "2", "--seed", "7") as srv:
        status, autos = srv.get_json("/api/automations")
        assert status == 200
        assert [a["id"] for a in autos] == ["nightly-sync", "invoice-export"]
        for a in autos:
            assert set(a) >= {"id", "name", "status", "updatedAt"}, a
            assert a["status"] in STATUSES
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                                a["updatedAt"])
        assert len(srv.get_json("/api/pipelines")[1]) == 2
        assert len(srv.get_json("/api/artifacts")[1]) == 1
        status, one = srv.get_json("/api/automations/invoice-export")
        assert status == 200 and one["name"] == "Invoice export"
        for path in ("/api/automations/nope", "/api/automations/nope/logs",
                     "/api/widgets", "/api/automations/x/y/z", "/elsewhere",
                     "/api/automations/nightly-sync/other"):
            status, body = srv.get_json(path)
            assert status == 404 and "error" in body, (path, status, body)
        status, hdrs, body = srv.request("DELETE", "/api/automations")
        assert status == 405 and "GET" in hdrs["allow"]
        assert "error" in json.loads(body)
        status, hdrs, _ = srv.request("PUT", "/api/automations/x/logs")
        assert status == 405 and "POST" in hdrs["allow"]
        status, hdrs, _ = srv.request("GET", "/api/automations/x/status")
        assert status == 405 and hdrs["allow"] == "POST"


def test_ingest_stores_single_and_array_events_verbatim():
    with Server() as srv:
        status, body = srv.post("/api/automations/job/logs",
                                {"message": "one", "level": "WARN"})
        assert (status, body) == (201, {"accepted": 1, "lastId": 1})
        raw = ('[{"message": "two", "big": 12345678901234567890},'
               ' {"message": "three", "task": "load", "id": 99,'
               ' "timestamp": "2024-01-01T00:00:00.000Z"}]')
        status, body = srv.post("/api/automations/job/logs", raw)
        assert (status, body) == (200, {"accepted": 2, "lastId": 3})
        status, _, data = srv.request("GET", "/api/automations/job/logs")
        assert status == 200
        assert b'"big":12345678901234567890' in data
        events = json.loads(data)
        assert [e["id"] for e in events] == [1, 2, 3]
        assert events[0]["level"] == "WARN"
        assert events[1]["level"] == "INFO" and events[1]["timestamp"]
        assert events[2]["task"] == "load"
        assert events[2]["timestamp"] == "2024-01-01T00:00:00.000Z"
        status, src = srv.get_json("/api/automations/job")
        assert (src["status"], src["name"], src["lastLogId"]) == \
            ("running", "job", 3)


def test_malformed_or_invalid_ingest_is_400_and_stores_nothing():
    with Server() as srv:
        ingest(srv, "/api/pipelines/p/logs", ["keep"])
        for body, want in (('{"message": "x",}', "byte"),
                           ('[{"message": "ok"}, {"nomessage": 1}]',
                            "event 2"),
                           ('{"message": "x", "level": 3}', "level"),
                           ('"text"', "object")):
            status, err = srv.post("/api/pipelines/p/logs", body)
            assert status == 400 and want in err["error"], (body, err)
        status, events = srv.get_json("/api/pipelines/p/logs")
        assert [e["message"] for e in events] == ["keep"]
        status, err = srv.post("/api/pipelines/bad%20id/logs",
                               {"message": "x"})
        assert status == 400 and "id" in err["error"]


def test_a_body_over_the_cap_is_413():
    with Server() as srv:
        s = socket.create_connection(("127.0.0.1", srv.port),
                                     timeout=scaled(5))
        s.sendall(b"POST /api/automations/a/logs HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % (8 * 1024 * 1024 + 1))
        reply = s.recv(4096)
        s.close()
        assert reply.startswith(b"HTTP/1.1 413"), reply
        big = [{"message": "x" * 1000}] * 1000
        status, body = srv.post("/api/automations/a/logs", big)
        assert status == 201 and body["accepted"] == 1000


def test_ids_and_request_heads_have_limits():
    with Server() as srv:
        ok = "/api/automations/%s/logs" % ("a" * 128)
        assert srv.post(ok, {"message": "x"})[0] == 201
        status, err = srv.post("/api/automations/%s/logs" % ("a" * 129),
                               {"message": "x"})
        assert status == 400 and "id" in err["error"]
        s = socket.create_connection(("127.0.0.1", srv.port),
                                     timeout=scaled(5))
        s.sendall(b"GET /api/automations HTTP/1.1\r\nHost: x\r\n"
                  b"X-Big: " + b"a" * (64 * 1024) + b"\r\n\r\n")
        reply = s.recv(4096)
        s.close()
        assert reply.startswith(b"HTTP/1.1 400"), reply
        big = {"X-Big": "a" * 60000}
        assert srv.request("GET", "/api/automations", headers=big)[0] == 200


def test_status_ingest_changes_status_name_and_exit_code():
    with Server() as srv:
        status, body = srv.post("/api/artifacts/build/status",
                                {"status": "failed", "name": "Build",
                                 "exitCode": 2})
        assert (status, body) == (201, {"accepted": 1, "lastId": 0})
        status, src = srv.get_json("/api/artifacts/build")
        assert (src["status"], src["name"], src["exitCode"]) == \
            ("failed", "Build", 2)
        status, err = srv.post("/api/artifacts/build/status",
                               {"status": "done"})
        assert status == 400 and "status" in err["error"]


def test_polling_honours_after_limit_and_tail():
    with Server() as srv:
        ingest(srv, "/api/automations/p/logs", ["m%d" % i for i in range(30)])
        base = "/api/automations/p/logs"
        ids = [e["id"] for e in srv.get_json(base + "?after=10&limit=5")[1]]
        assert ids == [11, 12, 13, 14, 15]
        ids = [e["id"] for e in srv.get_json(base + "?tail=3")[1]]
        assert ids == [28, 29, 30]
        ids = [e["id"] for e in srv.get_json(base + "?after=10&limit=99999")[1]]
        assert ids == list(range(11, 31))
        assert srv.get_json(base + "?after=30")[1] == []
        status, err = srv.get_json(base + "?after=abc")
        assert status == 400 and "after" in err["error"]


def test_stream_sends_retry_events_status_and_ends_on_terminal_status():
    with Server("--retry-ms", "1500") as srv:
        ingest(srv, "/api/automations/s/logs", ["a", "b", "c"])
        st = srv.stream("/api/automations/s/logs?stream=true")
        assert st.status == 200
        assert st.headers["content-type"] == "text/event-stream"
        assert st.headers["cache-control"] == "no-cache"
        assert st.next() == {"retry": "1500"}
        for i, msg in enumerate(["a", "b", "c"], 1):
            ev = st.next_event()
            assert ev["event"] == "log" and ev["id"] == str(i)
            data = json.loads(ev["data"])
            assert (data["id"], data["message"]) == (i, msg)
        ev = st.next_event()
        assert ev["event"] == "status"
        assert json.loads(ev["data"])["status"] == "running"
        ingest(srv, "/api/automations/s/logs", ["d"])
        ev = st.next_event()
        assert ev["id"] == "4" and json.loads(ev["data"])["message"] == "d"
        srv.post("/api/automations/s/status",
                 {"status": "completed", "exitCode": 0})
        ev = st.next_event()
        data = json.loads(ev["data"])
        assert ev["event"] == "status"
        assert (data["status"], data["exitCode"]) == ("completed", 0)
        assert data["timestamp"].endswith("Z")
        assert st.next() is None, "stream must end after a terminal status"
        st.close()


def test_stream_of_a_finished_run_sends_the_rest_then_status_and_ends():
    with Server() as srv:
        ingest(srv, "/api/automations/f/logs", ["a", "b", "c", "d"])
        srv.post("/api/automations/f/status", {"status": "failed",
                                               "exitCode": 1})
        st = srv.stream("/api/automations/f/logs?stream=true&tail=2")
        assert "retry" in st.next()
        assert [st.next_event()["id"] for _ in range(2)] == ["3", "4"]
        ev = st.next_event()
        assert ev["event"] == "status"
        assert json.loads(ev["data"]) ["status"] == "failed"
        assert st.next() is None
        status, _, body = srv.request(
            "GET", "/api/automations/none/logs?stream=true",
            headers={"Accept": "text/event-stream"})
        assert status == 404 and "error" in json.loads(body)


def test_resume_with_last_event_id_sends_only_newer_events():
    with Server() as srv:
        ingest(srv, "/api/automations/r/logs", ["a", "b", "c", "d", "e"])
        st = srv.stream("/api/automations/r/logs?stream=true",
                        {"Last-Event-ID": "3"})
        assert "retry" in st.next()
        assert [st.next_event()["id"] for _ in range(2)] == ["4", "5"]
        assert st.next_event()["event"] == "status"
        st.close()
        status, _, _ = srv.request("GET", "/api/automations/r/logs",
                                   headers={"Accept": "text/event-stream",
                                            "Last-Event-ID": "x"})
        assert status == 400


def test_resume_before_the_ring_sends_a_reset_first():
    with Server("--ring", "5") as srv:
        ingest(srv, "/api/automations/e/logs", ["m%d" % i for i in range(12)])
        st = srv.stream("/api/automations/e/logs?stream=true",
                        {"Last-Event-ID": "2"})
        assert "retry" in st.next()
        ev = st.next_event()
        assert ev["event"] == "reset"
        assert json.loads(ev["data"]) == {"reason": "retention",
                                          "oldestId": 8}
        assert [st.next_event()["id"] for _ in range(5)] == \
            ["8", "9", "10", "11", "12"]
        st.close()
        st = srv.stream("/api/automations/e/logs?stream=true",
                        {"Last-Event-ID": "7"})
        st.next()
        assert st.next_event()["id"] == "8", "7 is still a resume point"
        st.close()
        st = srv.stream("/api/automations/e/logs?stream=true",
                        {"Last-Event-ID": "500"})
        st.next()
        assert json.loads(st.next_event()["data"])["reason"] == "unknown"
        st.close()


def test_quiet_streams_get_keepalive_comments():
    with Server("--heartbeat", "1") as srv:
        srv.post("/api/automations/q/status", {"status": "running"})
        st = srv.stream("/api/automations/q/logs?stream=true",
                        timeout=scaled(4))
        assert "retry" in st.next()
        assert st.next()["event"] == "status"
        t0 = time.monotonic()
        assert st.next() == {"comment": "keepalive"}
        assert time.monotonic() - t0 < scaled(2.5)
        st.close()


def test_token_is_required_when_set_and_never_logged():
    with Server("--token", "s3cret-Tok", "--verbose") as srv:
        # RFC 6750: the error is named only when a bearer token came.
        bad = 'Bearer error="invalid_token"'
        for hdrs, challenge in (({}, "Bearer"),
                                ({"Authorization": "Bearer wrong"}, bad),
                                ({"Authorization": "Bearer s3cret-To"}, bad),
                                ({"Authorization": "Basic s3cret-Tok"},
                                 "Bearer")):
            status, h, body = srv.request("GET", "/api/automations",
                                          headers=hdrs)
            assert status == 401 and h["www-authenticate"] == challenge
            assert "error" in json.loads(body)
        good = {"Authorization": "Bearer s3cret-Tok"}
        assert srv.request("GET", "/api/automations", headers=good)[0] == 200
        status, _, _ = srv.request("GET", "/api/automations/x/logs",
                                   headers={"Accept": "text/event-stream"})
        assert status == 401
        status, _ = srv.post("/api/automations/x/logs", {"message": "m"},
                             headers=good)
        assert status == 201
        assert "s3cret" not in srv.stderr()


def test_burst_stream_delivers_exactly_count_events_then_completed():
    count = 200000
    with Server("--burst", str(count)) as srv:
        st = srv.stream("/api/automations/burst-1/logs?stream=true",
                        timeout=scaled(20))
        t0 = time.monotonic()
        body = st.rest()
        took = time.monotonic() - t0
        ids = [int(i) for i in re.findall(rb"^id: (\d+)$", body, re.M)]
        assert ids == list(range(1, count + 1))
        assert body.count(b"\nevent: log\n") == count
        tail = body[body.rindex(b"event: "):]
        assert tail.startswith(b"event: status\ndata: ")
        assert json.loads(tail.split(b"data: ")[1])["status"] == "completed"
        print("  burst: %d events in %.2f s through Python" % (count, took))
        events = srv.get_json(
            "/api/automations/burst-1/logs?after=%d" % (count - 2))[1]
        assert [e["id"] for e in events] == [count - 1, count]
        status, err = srv.post("/api/automations/burst-1/logs",
                               {"message": "x"})
        assert status == 409


def test_a_stalled_client_neither_delays_others_nor_stays_forever():
    with Server("--burst", "1000000", "--simulate", "2", "--heartbeat", "1",
                "--stall-timeout", "2") as srv:
        stalled = socket.create_connection(("127.0.0.1", srv.port))
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"GET /api/automations/burst-1/logs?stream=true "
                        b"HTTP/1.1\r\nHost: x\r\n"
                        b"Accept: text/event-stream\r\n\r\n")
        # The server is streaming to it before the other stream starts.
        stalled.settimeout(scaled(5))
        assert stalled.recv(1, socket.MSG_PEEK) == b"H"
        t0 = time.monotonic()
        st = srv.stream("/api/automations/burst-2/logs?stream=true&tail=20000",
                        timeout=scaled(10))
        body = st.rest()
        took = time.monotonic() - t0
        assert body.count(b"\nevent: log\n") == 20000
        assert took < scaled(5), "the other stream took %.1f s" % took
        assert srv.wait_stderr("dropped stream of automations/burst-1",
                               scaled(6)), srv.stderr()
        stalled.close()


def test_closed_streams_are_noticed_and_freed():
    with Server("--verbose", "--heartbeat", "1") as srv:
        srv.post("/api/automations/c/status", {"status": "running"})
        st = srv.stream("/api/automations/c/logs?stream=true")
        st.next()
        st.close()
        assert srv.wait_stderr("closed by the client", scaled(3)), srv.stderr()


def test_streams_past_the_limit_get_429_with_retry_after():
    with Server("--max-streams", "1") as srv:
        srv.post("/api/automations/m/status", {"status": "running"})
        st = srv.stream("/api/automations/m/logs?stream=true")
        assert st.status == 200
        status, h, body = srv.request("GET", "/api/automations/m/logs",
                                      headers={"Accept": "text/event-stream"})
        assert status == 429 and int(h["retry-after"]) > 0
        st.close()


def test_simulation_changes_status_and_follows_the_seed():
    def messages(srv):
        events = srv.get_json("/api/automations/nightly-sync/logs?limit=15")[1]
        return [e["message"] for e in events]

    with Server("--simulate", "3", "--rate", "200", "--seed", "42") as a, \
            Server("--simulate", "3", "--rate", "200", "--seed", "42") as b:
        end = time.monotonic() + scaled(8)
        seen = {}
        while time.monotonic() < end and len(seen) < 2:
            for src in a.get_json("/api/automations")[1]:
                if src["status"] in ("completed", "failed"):
                    seen[src["status"]] = src
            time.sleep(0.1)
        assert set(seen) == {"completed", "failed"}, seen
        assert seen["failed"]["exitCode"] == 1
        assert seen["completed"]["exitCode"] == 0
        levels = {e["level"] for e in a.get_json(
            "/api/automations/nightly-sync/logs?limit=10000")[1]}
        assert "INFO" in levels and len(levels) >= 2, levels
        assert len(messages(a)) == 15 and messages(a) == messages(b)


def test_running_out_of_descriptors_pauses_accepting_without_spinning():
    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    # A --max-connections above the descriptor limit: the default cap
    # (the limit less a reserve) would refuse them before accept fails.
    with Server("--max-connections", "1000", preexec_fn=few_fds) as srv:
        socks = [socket.create_connection(("127.0.0.1", srv.port))
                 for _ in range(60)]
        assert srv.wait_stderr("cannot accept connections", scaled(5)), \
            srv.stderr()
        # The CPU it uses over a second and a half: a measurement
        # window, not a wait.
        cpu = srv.cpu_seconds()
        time.sleep(1.5)
        assert srv.cpu_seconds() - cpu < 0.3, "busy loop on EMFILE"
        assert 1 <= srv.stderr().count("cannot accept connections") <= 4
        for s in socks:
            s.close()
        # Once the pause is over it accepts again: a new connection waits
        # in the backlog until then and is answered.
        assert srv.get_json("/api/automations") == (200, [])


def test_signals_stop_the_server_with_exit_0():
    for sig in (signal.SIGTERM, signal.SIGINT):
        srv = Server("--simulate", "1")
        st = srv.stream("/api/automations/nightly-sync/logs?stream=true")
        st.next()
        assert srv.stop(sig) == 0
        st.close()


def test_bad_flags_exit_2_with_one_line():
    binary = os.environ.get("LOGDECK_SERVER", "src/logdeck-server")
    for args in (["--bogus"], ["--ring", "0"], ["--listen", "nope"],
                 ["--rate", "x"], ["--heartbeat"], ["extra"]):
        r = subprocess.run([binary, *args],
                           capture_output=True, timeout=scaled(5))
        assert r.returncode == 2, (args, r.returncode)
        assert r.stderr.decode().count("\n") == 1, r.stderr
    r = subprocess.run([binary, "--help"],
                       capture_output=True, timeout=scaled(5))
    assert r.returncode == 0 and b"--burst" in r.stdout
    r = subprocess.run([binary, "--version"],
                       capture_output=True, timeout=scaled(5))
    assert r.returncode == 0 and r.stdout.startswith(b"logdeck-server ")



def post_status(srv, source, status, **extra):
    body = {"status": status}
    body.update(extra)
    code, resp = srv.post("/api/automations/%s/status" % source, body)
    assert code in (200, 201), (code, resp)


def item(ev):
    """An event of a stream, short: ("log", id), ("status", status, run),
    ("reset", reason)."""
    assert ev is not None, "the stream ended"
    data = json.loads(ev["data"])
    if ev["event"] == "log":
        return ("log", int(ev["id"]))
    if ev["event"] == "status":
        return ("status", data["status"], data.get("run"))
    return (ev["event"], data.get("reason"))


def items(st, n):
    return [item(st.next_event()) for _ in range(n)]


def three_runs(srv, src="r"):
    """Runs 1 (events 1-2, completed) and 2 (3-4, failed) are over; run 3
    is open with event 5."""
    path = "/api/automations/%s/logs" % src
    post_status(srv, src, "running", runId=src + "-1")
    ingest(srv, path, ["a", "b"])
    post_status(srv, src, "completed", exitCode=0)
    post_status(srv, src, "queued")
    post_status(srv, src, "running", runId=src + "-2")
    ingest(srv, path, ["c", "d"])
    post_status(srv, src, "failed", exitCode=1)
    post_status(srv, src, "running", runId=src + "-3")
    ingest(srv, path, ["e"])


RUNS_1_TO_3 = [("status", "running", 1), ("log", 1), ("log", 2),
               ("status", "completed", 1), ("status", "running", 2),
               ("log", 3), ("log", 4), ("status", "failed", 2),
               ("status", "running", 3), ("log", 5)]


def test_runs_all_streams_boundaries_and_events_in_order_across_runs():
    with Server() as srv:
        post_status(srv, "r", "running", runId="r-1")
        ingest(srv, "/api/automations/r/logs", ["a", "b"])
        st = srv.stream("/api/automations/r/logs?stream=true&runs=all")
        assert "retry" in st.next()
        assert items(st, 3) == [("status", "running", 1), ("log", 1),
                                ("log", 2)]
        post_status(srv, "r", "completed", exitCode=0)
        post_status(srv, "r", "queued")   # no boundary: not sent
        post_status(srv, "r", "running", runId="r-2")
        ingest(srv, "/api/automations/r/logs", ["c"])
        post_status(srv, "r", "failed", exitCode=1)
        post_status(srv, "r", "cancelled")  # a run that starts and ends
        post_status(srv, "r", "running")
        ingest(srv, "/api/automations/r/logs", ["d"])
        evs = [st.next_event() for _ in range(8)]
        assert [item(e) for e in evs] == [
            ("status", "completed", 1),
            ("status", "running", 2), ("log", 3), ("status", "failed", 2),
            ("status", "running", 3), ("status", "cancelled", 3),
            ("status", "running", 4), ("log", 4)]
        end = json.loads(evs[3]["data"])
        assert list(end) == ["status", "timestamp", "exitCode", "run",
                             "runId", "startedAt", "endedAt"], end
        assert (end["exitCode"], end["runId"]) == (1, "r-2")
        assert end["timestamp"] == end["endedAt"]
        start = json.loads(evs[1]["data"])
        assert list(start) == ["status", "timestamp", "run", "runId",
                               "startedAt"], start
        assert start["timestamp"] == start["startedAt"] == end["startedAt"]
        assert json.loads(evs[6]["data"])["runId"] == "4"
        st.close()
        # The same history, streamed from the start at once.
        st = srv.stream("/api/automations/r/logs?stream=true&runs=all")
        st.next()
        assert items(st, 11) == [
            ("status", "running", 1), ("log", 1), ("log", 2),
            ("status", "completed", 1), ("status", "running", 2),
            ("log", 3), ("status", "failed", 2), ("status", "running", 3),
            ("status", "cancelled", 3), ("status", "running", 4),
            ("log", 4)]
        st.close()


def test_a_stream_of_a_finished_run_is_sent_whole_then_finished():
    with Server() as srv:
        three_runs(srv)
        for sel in ("previous", "2", "r-2"):
            st = srv.stream("/api/automations/r/logs?stream=true&run=" + sel)
            st.next()
            assert items(st, 4) == RUNS_1_TO_3[4:8], sel
            assert st.next() is None, "the stream must end after its run"
            st.close()
        status, _, body = srv.request(
            "GET", "/api/automations/r/logs?stream=true&run=9",
            headers={"Accept": "text/event-stream"})
        assert status == 404 and "run" in json.loads(body)["error"]


def test_a_stream_of_the_current_run_is_live_and_ends_with_it():
    with Server() as srv:
        three_runs(srv)
        st = srv.stream("/api/automations/r/logs?stream=true&run=current")
        st.next()
        assert items(st, 2) == RUNS_1_TO_3[8:10]
        ingest(srv, "/api/automations/r/logs", ["f"])
        assert items(st, 1) == [("log", 6)]
        post_status(srv, "r", "completed", exitCode=0)
        assert items(st, 1) == [("status", "completed", 3)]
        assert st.next() is None, "the stream must end with its run"
        st.close()
        # run= with runs=all starts at that run and goes on.
        st = srv.stream(
            "/api/automations/r/logs?stream=true&run=2&runs=all")
        st.next()
        assert items(st, 8) == RUNS_1_TO_3[4:10] + [
            ("log", 6), ("status", "completed", 3)]
        post_status(srv, "r", "running")
        assert items(st, 1) == [("status", "running", 4)]
        st.close()


def test_the_current_run_of_a_source_that_has_not_run_is_its_next():
    with Server() as srv:
        post_status(srv, "q", "queued")
        st = srv.stream("/api/automations/q/logs?stream=true&run=current")
        st.next()
        post_status(srv, "q", "running", runId="q-1")
        ingest(srv, "/api/automations/q/logs", ["first"])
        post_status(srv, "q", "completed", exitCode=0)
        # As a stream without run=: the status when caught up (queued),
        # then the run that comes, to its end.
        got = [item(st.next_event()) for _ in range(4)]
        assert got == [("status", "queued", None), ("status", "running", 1),
                       ("log", 1), ("status", "completed", 1)], got
        assert st.next() is None, "the stream ends with that run"
        st.close()


def test_resuming_mid_run_sends_the_later_boundaries_again():
    with Server() as srv:
        three_runs(srv)
        cases = {
            "3": [("status", "running", 2), ("log", 4),
                  ("status", "failed", 2), ("status", "running", 3),
                  ("log", 5)],
            # Event 2 is the last of run 1: its end comes again.
            "2": [("status", "running", 1), ("status", "completed", 1),
                  ("status", "running", 2), ("log", 3)],
            # Caught up: the newest run's start says where it is.
            "5": [("status", "running", 3)],
        }
        for last, want in cases.items():
            st = srv.stream("/api/automations/r/logs?stream=true&runs=all",
                            {"Last-Event-ID": last})
            st.next()
            assert items(st, len(want)) == want, last
            st.close()
        # after=N is a resume point too; run 2's end comes with its start.
        st = srv.stream("/api/automations/r/logs?stream=true&runs=all"
                        "&after=4")
        st.next()
        assert items(st, 4) == [("status", "running", 2)] + \
            RUNS_1_TO_3[7:10]
        st.close()


def test_runs_are_listed_oldest_first_and_found_one_by_one():
    with Server() as srv:
        three_runs(srv)
        status, runs = srv.get_json("/api/automations/r/runs")
        assert status == 200
        assert [(r["run"], r["runId"], r["status"]) for r in runs] == [
            (1, "r-1", "completed"), (2, "r-2", "failed"),
            (3, "r-3", "running")]
        assert list(runs[1]) == ["run", "runId", "status", "exitCode",
                                 "startedAt", "endedAt", "firstLogId",
                                 "lastLogId"], runs[1]
        assert (runs[1]["firstLogId"], runs[1]["lastLogId"]) == (3, 4)
        assert "endedAt" not in runs[2] and "exitCode" not in runs[2]
        limited = srv.get_json("/api/automations/r/runs?limit=2")[1]
        assert [r["run"] for r in limited] == [2, 3]
        assert srv.get_json("/api/automations/r/runs?limit=0")[1] == []
        for sel, want in (("1", 1), ("r-2", 2), ("current", 3),
                          ("previous", 2)):
            status, run = srv.get_json("/api/automations/r/runs/" + sel)
            assert (status, run["run"]) == (200, want), sel
        _, src = srv.get_json("/api/automations/r")
        assert src["run"] == runs[2], src
        assert srv.get_json("/api/automations")[1][0]["run"] == runs[2]
        for path in ("/api/automations/r/runs/4", "/api/automations/r/runs/x",
                     "/api/automations/nope/runs",
                     "/api/automations/nope/runs/1",
                     "/api/automations/r/runs/1/more"):
            status, err = srv.get_json(path)
            assert status == 404 and "error" in err, (path, status, err)
        status, err = srv.get_json("/api/automations/r/runs?limit=x")
        assert status == 400 and "limit" in err["error"]
        status, hdrs, _ = srv.request("POST", "/api/automations/r/runs")
        assert status == 405 and hdrs["allow"] == "GET, HEAD"
        # A source that has had no run yet.
        post_status(srv, "q", "queued")
        assert srv.get_json("/api/automations/q/runs") == (200, [])
        assert "run" not in srv.get_json("/api/automations/q")[1]


def test_runs_listing_is_capped_at_the_store_limit():
    with Server() as srv:
        for i in range(1030):
            post_status(srv, "many", "cancelled")
        runs = srv.get_json("/api/automations/many/runs?limit=99999")[1]
        assert len(runs) == 1024
        assert (runs[0]["run"], runs[-1]["run"]) == (7, 1030)
        assert len(srv.get_json("/api/automations/many/runs")[1]) == 100
        assert srv.get_json("/api/automations/many/runs/6")[0] == 404


def test_polling_answers_one_run_or_from_a_time():
    with Server() as srv:
        three_runs(srv)
        base = "/api/automations/r/logs"
        ids = lambda q: [e["id"] for e in srv.get_json(base + q)[1]]
        assert ids("?run=previous") == [3, 4]
        assert ids("?run=r-1") == [1, 2]
        assert ids("?run=current") == [5]
        assert ids("?run=2&tail=1") == [4]
        assert ids("?run=2&after=3") == [4]
        assert ids("?run=2&limit=1") == [3]
        status, err = srv.get_json(base + "?run=7")
        assert status == 404 and "run" in err["error"]
        ingest(srv, "/api/automations/t/logs", [])
        srv.post("/api/automations/t/logs", [
            {"message": "m%d" % i,
             "timestamp": "2024-12-07T14:23:%02d.000Z" % (40 + i)}
            for i in range(5)])
        tbase = "/api/automations/t/logs"
        got = srv.get_json(tbase + "?since=2024-12-07T14:23:42Z")[1]
        assert [e["message"] for e in got] == ["m2", "m3", "m4"]
        got = srv.get_json(tbase + "?since=2024-12-07T15:23:42.5%2B01:00")[1]
        assert [e["message"] for e in got] == ["m3", "m4"]
        assert srv.get_json(tbase + "?since=2030-01-01T00:00:00Z")[1] == []
        for bad in ("yesterday", "2024-13-07T00:00:00Z", ""):
            status, err = srv.get_json(tbase + "?since=" + bad)
            assert status == 400 and "since" in err["error"], (bad, err)
        st = srv.stream(tbase + "?stream=true&since=2024-12-07T14:23:43Z")
        st.next()
        assert items(st, 3) == [("log", 4), ("log", 5),
                                ("status", "running", 1)]
        st.close()


def test_bad_run_parameters_and_run_ids_are_refused():
    with Server() as srv:
        three_runs(srv)
        for q, code, word in (("runs=some", 400, "runs"),
                              ("run=99", 404, "run"),
                              ("since=soon", 400, "since"),
                              ("after=-1", 400, "after")):
            status, _, body = srv.request(
                "GET", "/api/automations/r/logs?stream=true&" + q,
                headers={"Accept": "text/event-stream"})
            assert status == code and word in json.loads(body)["error"], \
                (q, status, body)
        status, err = srv.post("/api/automations/r/status",
                               {"status": "running", "runId": "x" * 129})
        assert status == 400 and "runId" in err["error"]
        status, err = srv.post("/api/automations/r/status",
                               {"status": "running", "runId": 5})
        assert status == 400 and "runId" in err["error"]
        status, _ = srv.post("/api/automations/r/status",
                             {"status": "completed", "runId": "y" * 128})
        assert status == 200
        assert srv.get_json("/api/automations/r/runs")[1][-1]["runId"] == \
            "r-3", "runId only names a run that starts"


def test_the_live_list_sends_a_snapshot_then_each_change_at_once():
    with Server("--heartbeat", "1") as srv:
        three_runs(srv)
        st = srv.stream("/api/automations?stream=true", timeout=scaled(5))
        assert st.status == 200
        assert st.headers["content-type"] == "text/event-stream"
        assert st.next() == {"retry": "2000"}
        ev = st.next_event()
        assert ev["event"] == "sources"
        assert json.loads(ev["data"]) == srv.get_json("/api/automations")[1]
        t0 = time.monotonic()
        post_status(srv, "r", "completed", exitCode=0, name="Renamed")
        ev = st.next_event()
        took = time.monotonic() - t0
        assert took < scaled(1.0), "source event after %.2f s" % took
        src = json.loads(ev["data"])
        assert ev["event"] == "source"
        assert (src["id"], src["name"], src["status"]) == \
            ("r", "Renamed", "completed")
        assert src["run"]["status"] == "completed"
        ingest(srv, "/api/automations/fresh/logs", ["x"])
        src = json.loads(st.next_event()["data"])
        assert (src["id"], src["status"], src["run"]["run"]) == \
            ("fresh", "running", 1)
        srv.post("/api/pipelines/other-kind/status", {"status": "queued"})
        post_status(srv, "q", "queued")
        assert json.loads(st.next_event()["data"])["id"] == "q", \
            "sources of another kind are not on this list"
        assert st.next() == {"comment": "keepalive"}
        st.close()


def test_the_live_list_tells_of_new_events_at_most_once_a_second():
    with Server() as srv:
        post_status(srv, "busy", "running")
        st = srv.stream("/api/automations?stream=true", timeout=scaled(5))
        st.next()
        assert st.next_event()["event"] == "sources"
        t0 = time.monotonic()
        for _ in range(100):
            ingest(srv, "/api/automations/busy/logs",
                   ["m"] * 100)
        took = time.monotonic() - t0
        seen = []
        while not seen or seen[-1]["lastLogId"] < 10000:
            ev = st.next_event()
            assert ev["event"] == "source", ev
            seen.append(json.loads(ev["data"]))
        assert len(seen) <= 2 + took, \
            "%d source events for 10,000 events in %.1f s" % (len(seen), took)
        st.close()


def test_the_live_list_counts_as_a_stream_and_ends_at_shutdown():
    srv = Server("--max-streams", "1")
    try:
        post_status(srv, "x", "running")
        st = srv.stream("/api/automations?stream=true")
        assert st.status == 200
        status, hdrs, _ = srv.request(
            "GET", "/api/automations/x/logs?stream=true")
        assert status == 429 and int(hdrs["retry-after"]) > 0
        status, _, _ = srv.request("GET", "/api/automations?stream=true")
        assert status == 429
        assert st.next() == {"retry": "2000"}
        srv.proc.send_signal(signal.SIGTERM)
        # The chunked reply is finished cleanly (IncompleteRead if cut).
        rest = st.rest()
        assert rest.startswith(b"event: sources\n"), rest
        assert srv.proc.wait(scaled(5)) == 0
    finally:
        srv.stop()


@ldtest.not_under_valgrind("1,100 ingests must land within the list's "
                           "one-second window, too fast for memcheck")
def test_the_live_list_tells_of_every_source_when_too_many_have_news():
    many = 1100  # more than FEED_LIST_PENDING_MAX (1024) within a second
    with Server() as srv:
        for i in range(many):
            post_status(srv, "s%d" % i, "queued")
        post_status(srv, "quiet", "queued")
        st = srv.stream("/api/automations?stream=true", timeout=scaled(10))
        st.next()
        assert len(json.loads(st.next_event()["data"])) == many + 1
        # One event to each source, pipelined on one connection so that
        # they all land within the list's one-second window.
        body = b'{"message":"x"}'
        reqs = b"".join(
            b"POST /api/automations/s%d/logs HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (i, len(body), body)
            for i in range(many))
        sock = socket.create_connection(("127.0.0.1", srv.port),
                                        timeout=scaled(10))
        sock.sendall(reqs)
        answers = b""
        while answers.count(b"HTTP/1.1 200") < many:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the pipelined connection"
            answers += chunk
        sock.close()
        told = {}
        while len(told) < many + 1:
            src = json.loads(st.next_event()["data"])
            told[src["id"]] = src["lastLogId"]
        assert told["quiet"] == 0, "past the limit every source is told"
        assert all(told["s%d" % i] == 1 for i in range(many))
        st.close()


def test_a_live_list_that_does_not_read_gets_a_snapshot_not_a_backlog():
    changes = 16000  # about 10 MB of source objects: past 4 MiB unsent
    with Server() as srv:
        post_status(srv, "s", "running")
        c = srv.conn(scaled(10))
        c.sock = socket.socket()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
        c.sock.settimeout(scaled(10))
        c.sock.connect(("127.0.0.1", srv.port))
        c.request("GET", "/api/automations?stream=true")
        bodies = [json.dumps({"status": "running",
                              "name": "n%05d" % i + "." * 250}).encode()
                  for i in range(changes - 1)]
        bodies.append(b'{"status":"completed","name":"final"}')
        sock = socket.create_connection(("127.0.0.1", srv.port),
                                        timeout=scaled(10))
        sock.sendall(b"".join(
            b"POST /api/automations/s/status HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(b), b) for b in bodies))
        answers = b""
        while answers.count(b"HTTP/1.1 200") < changes:
            chunk = sock.recv(1 << 20)
            assert chunk, "the server closed the pipelined connection"
            answers += chunk
        sock.close()
        st = EventStream(c, c.getresponse())
        st.next()
        kinds = []
        while True:
            ev = st.next_event()
            kinds.append(ev["event"])
            data = json.loads(ev["data"])
            last = data[0] if ev["event"] == "sources" else data
            if last["name"] == "final":
                break
        assert kinds.count("sources") == 2, kinds[:3] + kinds[-3:]
        assert kinds[-1] == "sources" and last["status"] == "completed"
        assert kinds.count("source") < changes - 1
        st.close()


def test_a_slow_client_gets_every_boundary_in_place():
    runs, size = 80, 200 * 1000
    with Server() as srv:
        post_status(srv, "slow", "queued")
        c = srv.conn(scaled(10))
        # A small receive buffer (set before connecting, and no smaller
        # than a loopback segment, or the window stalls the transfer).
        c.sock = socket.socket()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
        c.sock.settimeout(scaled(10))
        c.sock.connect(("127.0.0.1", srv.port))
        c.request("GET", "/api/automations/slow/logs?stream=true&runs=all")
        # Not read: far more than the 4 MiB a stream is fed past plus
        # what the sockets hold, with more boundaries than a stream holds.
        for i in range(runs):
            post_status(srv, "slow", "running")
            status, _ = srv.post("/api/automations/slow/logs",
                                 {"message": "x" * size})
            assert status == 200
            post_status(srv, "slow", "completed" if i % 2 else "failed",
                        exitCode=i % 2)
        st = EventStream(c, c.getresponse())
        st.next()
        want = []
        for i in range(runs):
            want += [("status", "running", i + 1), ("log", i + 1),
                     ("status", "completed" if i % 2 else "failed", i + 1)]
        got = items(st, len(want))
        assert got == want, [(g, w) for g, w in zip(got, want) if g != w][:3]
        st.close()


def test_simulated_runs_and_their_events_share_a_run_id():
    with Server("--simulate", "2", "--rate", "500", "--seed", "3") as srv:
        def ended():
            runs = srv.get_json("/api/automations/nightly-sync/runs")[1]
            return [r for r in runs if r["status"] != "running"]
        run = ldtest.wait_for(ended, what="a simulated run to end")[0]
        assert run["runId"] == "nightly-sync-run-1"
        events = srv.get_json(
            "/api/automations/nightly-sync/logs?run=1&limit=10000")[1]
        assert len(events) == run["lastLogId"] - run["firstLogId"] + 1
        assert {e["runId"] for e in events} == {run["runId"]}


def test_numbers_that_would_render_huge_are_refused_and_others_kept():
    huge = '{"message": "x", "n": [%s]}' % ",".join(["1e131071"] * 9000)
    ordinary = '{"message": "ok", "a": 1.5e10, "b": -0.25,' \
        ' "c": 12345678901234567890}'
    with Server() as srv:
        status, err = srv.post("/api/automations/num/logs", huge)
        assert status == 400 and "64 characters" in err["error"], err
        status, _ = srv.post("/api/automations/num/logs", ordinary)
        assert status == 201
        status, _, data = srv.request("GET", "/api/automations/num/logs")
        assert status == 200
        assert b'"a":1.5e10,"b":-0.25,"c":12345678901234567890' in data


def test_escaped_member_names_get_the_rules_of_their_decoded_names():
    with Server() as srv:
        status, _ = srv.post("/api/automations/esc/logs",
                             '{"\\u0069d": 999999, "message": "a"}')
        assert status == 201
        ingest(srv, "/api/automations/esc/logs", ["b"])
        status, events = srv.get_json("/api/automations/esc/logs")
        assert [e["id"] for e in events] == [1, 2], events
        status, err = srv.post("/api/automations/esc/logs",
                               '{"message": "a", "mess\\u0061ge": 5}')
        assert status == 400 and "message" in err["error"], err


def test_timestamps_outside_years_1_to_9999_are_400():
    with Server() as srv:
        for ts in ("infinity", "10000-01-01T00:00:00Z", "yesterday",
                   "0000-12-31T00:00:00Z"):
            status, err = srv.post("/api/automations/when/logs",
                                   {"message": "x", "timestamp": ts})
            assert status == 400 and "years 1 to 9999" in err["error"], \
                (ts, err)
        status, _ = srv.post("/api/automations/when/logs",
                             {"message": "x",
                              "timestamp": "9999-12-31T23:59:59.999Z"})
        assert status == 201


def test_dot_source_ids_are_refused_on_ingest_and_unknown_on_reads():
    with Server() as srv:
        for seg in (".", "..", "%2E", "%2e%2E"):
            for sub in ("logs", "status"):
                status, err = srv.post("/api/automations/%s/%s" % (seg, sub),
                                       {"message": "x", "status": "running"})
                assert status == 400 and "id" in err["error"], (seg, err)
            for path in ("/api/automations/%s", "/api/automations/%s/logs",
                         "/api/automations/%s/runs"):
                status, _, _ = srv.request("GET", path % seg)
                assert status == 404, (path, seg, status)
        ingest(srv, "/api/automations/.../logs", ["three dots are fine"])
        ingest(srv, "/api/automations/.a/logs", ["so is a leading dot"])


def test_a_client_secret_is_compared_whole_past_an_escaped_nul():
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write('[{"client_id": "ops", "client_secret": "s3cret"}]')
        f.flush()
        os.chmod(f.name, 0o600)
        with Server("--auth-file", f.name) as srv:
            status, _, data = srv.request(
                "POST", "/api/auth/token",
                b'{"client_id": "ops", "client_secret": "s3cret\\u0000x"}')
            assert status == 400 and b"u0000" in data, (status, data)
            status, _ = srv.post("/api/auth/token", {
                "client_id": "ops", "client_secret": "s3cret"})
            assert status == 200


def raw_exchange(port, data):
    """Send data on a fresh connection and read until the server closes
    it (bounded by the socket timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=scaled(5))
    s.sendall(data)
    got = b""
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            got += part
    except socket.timeout:
        got += b"<timeout>"
    s.close()
    return got


def test_conflicting_or_signed_content_lengths_get_400_and_close():
    body = b'{"message":"x"}'
    smuggled = b"GET /api/automations/cl HTTP/1.1\r\nHost: x\r\n\r\n"
    with Server() as srv:
        for lengths in ((b"15", b"0"), (b"0", b"15"), (b"+15",), (b"-0",),
                        (b"0x0f",)):
            head = b"POST /api/automations/cl/logs HTTP/1.1\r\nHost: x\r\n"
            for n in lengths:
                head += b"Content-Length: " + n + b"\r\n"
            reply = raw_exchange(srv.port, head + b"\r\n" + body + smuggled)
            assert reply.startswith(b"HTTP/1.1 400"), (lengths, reply)
            assert b"Content-Length" in reply and b"<timeout>" not in reply
            assert reply.count(b"HTTP/1.1") == 1, (lengths, reply)
        assert srv.get_json("/api/automations/cl")[0] == 404
        same = (b"POST /api/automations/cl/logs HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 15\r\ncontent-length: 15\r\n"
                b"Connection: close\r\n\r\n" + body)
        assert raw_exchange(srv.port, same).startswith(b"HTTP/1.1 201")


if __name__ == "__main__":
    ldtest.main(globals())
