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
from serverutil import Server

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
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
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
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
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
        st = srv.stream("/api/automations/q/logs?stream=true", timeout=4)
        assert "retry" in st.next()
        assert st.next()["event"] == "status"
        t0 = time.monotonic()
        assert st.next() == {"comment": "keepalive"}
        assert time.monotonic() - t0 < 2.5
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
                        timeout=20)
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
        time.sleep(0.5)
        t0 = time.monotonic()
        st = srv.stream("/api/automations/burst-2/logs?stream=true&tail=20000",
                        timeout=10)
        body = st.rest()
        took = time.monotonic() - t0
        assert body.count(b"\nevent: log\n") == 20000
        assert took < 5, "the other stream took %.1f s" % took
        assert srv.wait_stderr("dropped stream of automations/burst-1", 6), \
            srv.stderr()
        stalled.close()


def test_closed_streams_are_noticed_and_freed():
    with Server("--verbose", "--heartbeat", "1") as srv:
        srv.post("/api/automations/c/status", {"status": "running"})
        st = srv.stream("/api/automations/c/logs?stream=true")
        st.next()
        st.close()
        assert srv.wait_stderr("closed by the client", 3), srv.stderr()


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
        end = time.monotonic() + 8
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

    with Server(preexec_fn=few_fds) as srv:
        socks = [socket.create_connection(("127.0.0.1", srv.port))
                 for _ in range(60)]
        time.sleep(0.3)
        cpu = srv.cpu_seconds()
        time.sleep(1.5)
        assert srv.cpu_seconds() - cpu < 0.3, "busy loop on EMFILE"
        assert 1 <= srv.stderr().count("cannot accept connections") <= 4
        for s in socks:
            s.close()
        time.sleep(1.2)
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
        r = subprocess.run([binary, *args], capture_output=True, timeout=5)
        assert r.returncode == 2, (args, r.returncode)
        assert r.stderr.decode().count("\n") == 1, r.stderr
    r = subprocess.run([binary, "--help"], capture_output=True, timeout=5)
    assert r.returncode == 0 and b"--burst" in r.stdout
    r = subprocess.run([binary, "--version"], capture_output=True, timeout=5)
    assert r.returncode == 0 and r.stdout.startswith(b"logdeck-server ")



if __name__ == "__main__":
    ldtest.main(globals())
