#!/usr/bin/env python3
"""test_server_auth.py - issued tokens, their expiry on open streams,
stream limits and the draining shutdown of logdeck-server, over real HTTP.

The stream-survives-expiries test is a raw SSE client that refreshes its
token via /api/auth/refresh and resumes with Last-Event-ID, the way a
client is meant to (doc/api.md).
"""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

import ldtest
from ldtest import scaled
from serverutil import Server

CLIENTS = [{"client_id": "ops", "client_secret": "s3cret-ops-Pw"},
           {"client_id": "ci", "client_secret": "s3cret-ci-Pw"}]
PRODUCER = "producer-static-T0ken"
# Token slots per client in the server (tokens.h TOKENS_PER_CLIENT).
TOKENS_PER_CLIENT = 64
CLIENTS_MAX = 1024


def auth_file(text, mode=0o600):
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    os.chmod(f.name, mode)
    return f.name


def auth_server(*args, clients=CLIENTS):
    path = auth_file(json.dumps(clients))
    srv = Server("--auth-file", path, "--token", PRODUCER, "--verbose",
                 *args)
    srv.auth_path = path
    return srv


def bearer(token):
    return {"Authorization": "Bearer " + token}


def get_token(srv, cid="ops", secret="s3cret-ops-Pw"):
    status, body = srv.post("/api/auth/token",
                            {"client_id": cid, "client_secret": secret})
    assert status == 200, (status, body)
    return body


def next_typed(st):
    while True:
        ev = st.next_event()
        if ev is None or "event" in ev:
            return ev


def test_token_endpoint_issues_pairs_and_refresh_rotates():
    with auth_server() as srv:
        status, h, data = srv.request(
            "POST", "/api/auth/token",
            {"client_id": "ops", "client_secret": "wrong"})
        assert status == 401 and "error" in json.loads(data)
        assert srv.post("/api/auth/token", {"client_id": "nobody",
                                            "client_secret": "x"})[0] == 401
        status, _, data = srv.request("POST", "/api/auth/token", b"{nope")
        assert status == 400 and "error" in json.loads(data)
        status, _, data = srv.request("POST", "/api/auth/token",
                                      b'{"client_id":"' + b"a" * 5000 + b'"}')
        assert status == 413
        status, h, data = srv.request("GET", "/api/auth/token")
        assert status == 405 and h["allow"] == "POST"
        grant = get_token(srv)
        assert set(grant) == {"access_token", "token_type", "expires_in",
                              "refresh_token"}
        assert grant["token_type"] == "Bearer"
        assert grant["expires_in"] == 3600
        assert grant["access_token"] != grant["refresh_token"]
        ok = srv.get_json("/api/automations", bearer(grant["access_token"]))
        assert ok[0] == 200
        # A refresh token is no access token, and vice versa.
        assert srv.get_json("/api/automations",
                            bearer(grant["refresh_token"]))[0] == 401
        assert srv.post("/api/auth/refresh", {
            "refresh_token": grant["access_token"]})[0] == 401
        status, again = srv.post("/api/auth/refresh",
                                 {"refresh_token": grant["refresh_token"]})
        assert status == 200 and again["refresh_token"] != \
            grant["refresh_token"]
        # Rotation: a used refresh token is dead; the old access token
        # lives on until it expires.
        assert srv.post("/api/auth/refresh", {
            "refresh_token": grant["refresh_token"]})[0] == 401
        assert srv.get_json("/api/automations",
                            bearer(grant["access_token"]))[0] == 200
        assert srv.get_json("/api/automations",
                            bearer(again["access_token"]))[0] == 200
        assert srv.post("/api/auth/refresh", {})[0] == 400
        log = srv.stderr()
        for secret in ("s3cret", grant["access_token"],
                       grant["refresh_token"], again["access_token"]):
            assert secret not in log, secret
        os.unlink(srv.auth_path)


def test_expired_tokens_get_401_invalid_token():
    with auth_server("--token-ttl", "1", "--refresh-ttl", "2") as srv:
        grant = get_token(srv)
        # Both were minted before the answer came: they expire by then
        # plus their time to live.
        granted = time.monotonic()

        def refused():
            answer = srv.request("GET", "/api/automations",
                                 headers=bearer(grant["access_token"]))
            return answer if answer[0] != 200 else None

        status, h, data = ldtest.wait_for(refused, scaled(5),
                                          "the access token to expire", 0.05)
        assert status == 401
        assert h["www-authenticate"] == 'Bearer error="invalid_token"'
        assert "error" in json.loads(data)
        # The refresh token is spent by a refresh that works, so it is
        # tried once, after its two seconds have passed.
        time.sleep(max(0.0, granted + 2.05 - time.monotonic()))
        assert srv.post("/api/auth/refresh", {
            "refresh_token": grant["refresh_token"]})[0] == 401
        os.unlink(srv.auth_path)


def test_a_client_holds_a_bounded_number_of_live_tokens():
    with auth_server() as srv:
        first = get_token(srv)
        # Each grant takes two slots; this many more replace the oldest.
        for _ in range(TOKENS_PER_CLIENT // 2):
            last = get_token(srv)
        assert srv.get_json("/api/automations",
                            bearer(first["access_token"]))[0] == 401
        assert srv.get_json("/api/automations",
                            bearer(last["access_token"]))[0] == 200
        other = get_token(srv, "ci", "s3cret-ci-Pw")
        assert srv.get_json("/api/automations",
                            bearer(other["access_token"]))[0] == 200
        os.unlink(srv.auth_path)


def test_a_stream_survives_ten_token_expiries_with_every_line_once():
    total_expiries = 10
    with auth_server("--token-ttl", "1") as srv:
        path = "/api/automations/long/logs"
        srv.post(path, {"message": "line 0"}, bearer(PRODUCER))
        stop = threading.Event()
        sent = [1]

        def produce():
            while not stop.is_set():
                srv.post(path, {"message": "line %d" % sent[0]},
                         bearer(PRODUCER))
                sent[0] += 1
                time.sleep(0.02)

        producer = threading.Thread(target=produce)
        producer.start()
        grant = get_token(srv)
        got, expiries, last_id = [], 0, None
        deadline = time.monotonic() + 30
        try:
            while expiries < total_expiries:
                assert time.monotonic() < deadline, (expiries, len(got))
                hdrs = bearer(grant["access_token"])
                if last_id is not None:
                    hdrs["Last-Event-ID"] = last_id
                st = srv.stream(path, headers=hdrs)
                assert st.status == 200, st.status
                while True:
                    ev = next_typed(st)
                    assert ev is not None, "stream cut without a reason"
                    if ev["event"] == "log":
                        got.append(json.loads(ev["data"])["message"])
                        last_id = ev["id"]
                    elif ev["event"] == "error":
                        assert json.loads(ev["data"]) == {
                            "reason": "token_expired"}
                        assert st.next() is None
                        break
                st.close()
                expiries += 1
                status, grant = srv.post(
                    "/api/auth/refresh",
                    {"refresh_token": grant["refresh_token"]})
                assert status == 200, grant
        finally:
            stop.set()
            producer.join()
        # Pick up what came after the last expiry.
        st = srv.stream(path, headers=dict(bearer(grant["access_token"]),
                                           **{"Last-Event-ID": last_id}))
        while len(got) < sent[0]:
            ev = next_typed(st)
            if ev["event"] == "log":
                got.append(json.loads(ev["data"])["message"])
        st.close()
        assert got == ["line %d" % i for i in range(sent[0])], got[-5:]
        assert sent[0] > 100
        os.unlink(srv.auth_path)


def test_streams_past_the_per_client_limit_get_429():
    with auth_server("--max-streams-per-token", "2") as srv:
        srv.post("/api/automations/m/status", {"status": "running"},
                 bearer(PRODUCER))
        ops = get_token(srv)["access_token"]
        again = get_token(srv)["access_token"]
        path = "/api/automations/m/logs?stream=true"
        streams = [srv.stream(path, bearer(ops)),
                   srv.stream(path, bearer(again))]
        assert [s.status for s in streams] == [200, 200]
        # A second token of the same client counts for that client.
        status, h, data = srv.request("GET", path, headers=bearer(ops))
        assert status == 429 and int(h["retry-after"]) > 0
        assert "client" in json.loads(data)["error"]
        ci = get_token(srv, "ci", "s3cret-ci-Pw")["access_token"]
        other = srv.stream(path, bearer(ci))
        assert other.status == 200
        streams[0].close()
        end = time.monotonic() + scaled(3)
        while True:
            st = srv.stream(path, bearer(ops))
            if st.status == 200 or time.monotonic() > end:
                break
            st.close()
            time.sleep(0.05)
        assert st.status == 200
        for s in (st, other, streams[1]):
            s.close()
        os.unlink(srv.auth_path)


def test_auth_files_are_checked_before_the_server_starts():
    binary = os.environ.get("LOGDECK_SERVER", "src/logdeck-server")
    yaml_ok = auth_file("clients:\n  - client_id: y\n    client_secret: z\n")
    readable = auth_file(json.dumps(CLIENTS), 0o640)
    too_many = auth_file(json.dumps(
        [{"client_id": "c%d" % i, "client_secret": "s"}
         for i in range(CLIENTS_MAX + 1)]))
    no_secret = auth_file('[{"client_id": "x"}]')
    # Found by fuzz_auth: the secret counted only up to its NUL, so "pw"
    # alone would have been let in.
    nul_secret = auth_file(
        '[{"client_id": "x", "client_secret": "pw\\u0000tail"}]')
    try:
        for path, words in ((readable, "chmod 600"), (too_many, "1024"),
                            (no_secret, "client_secret"),
                            (nul_secret, "must not hold a NUL"),
                            ("/nonexistent/auth", "No such file")):
            r = subprocess.run([binary, "--auth-file", path,
                                "--listen", "127.0.0.1:0"],
                               capture_output=True, timeout=scaled(5))
            assert r.returncode != 0 and words in r.stderr.decode(), \
                (path, r.stderr)
        with Server("--auth-file", yaml_ok) as srv:
            grant = get_token(srv, "y", "z")
            assert srv.get_json("/api/automations",
                                bearer(grant["access_token"]))[0] == 200
            # Without a token, even the token-less paths stay closed.
            assert srv.get_json("/api/automations")[0] == 401
    finally:
        for p in (yaml_ok, readable, too_many, no_secret, nul_secret):
            os.unlink(p)


def test_sigterm_ends_streams_and_exits_zero():
    with Server() as srv:
        srv.post("/api/automations/d/logs", {"message": "kept"})
        st = srv.stream("/api/automations/d/logs?stream=true")
        assert next_typed(st)["event"] == "log"
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        while st.next() is not None:
            assert time.monotonic() - t0 < scaled(3)
        assert srv.proc.wait(scaled(3)) == 0
        assert srv.stop() == 0
        assert "draining" in srv.stderr()


def rewrite(path, text):
    """Replace the auth file's content in place (its mode stays 600)."""
    with open(path, "w") as f:
        f.write(text)


def test_sighup_admits_a_new_client_and_keeps_open_streams():
    with auth_server() as srv:
        path = "/api/automations/r/logs"
        srv.post(path, {"message": "before"}, bearer(PRODUCER))
        ops = get_token(srv)
        ci = get_token(srv, "ci", "s3cret-ci-Pw")["access_token"]
        st = srv.stream(path + "?stream=true", bearer(ops["access_token"]))
        assert st.status == 200
        assert json.loads(next_typed(st)["data"])["message"] == "before"
        new = {"client_id": "new", "client_secret": "s3cret-new-Pw"}
        assert srv.post("/api/auth/token", new)[0] == 401
        # ci leaves, new arrives, ops moves behind it in the file.
        rewrite(srv.auth_path, json.dumps([new, CLIENTS[0]]))
        srv.proc.send_signal(signal.SIGHUP)
        assert srv.wait_stderr("read %s again" % srv.auth_path, scaled(5)), \
            srv.stderr()
        assert srv.post("/api/auth/token", new)[0] == 200
        assert srv.get_json("/api/automations",
                            bearer(ops["access_token"]))[0] == 200
        assert srv.get_json("/api/automations", bearer(ci))[0] == 401
        status, grant = srv.post("/api/auth/refresh",
                                 {"refresh_token": ops["refresh_token"]})
        assert status == 200, grant
        srv.post(path, {"message": "after"}, bearer(PRODUCER))
        ev = next_typed(st)
        while ev is not None and ev["event"] != "log":
            ev = next_typed(st)
        assert ev is not None, "the stream ended at the reload"
        assert json.loads(ev["data"])["message"] == "after"
        st.close()
        assert srv.proc.poll() is None
    os.unlink(srv.auth_path)


def test_sighup_with_a_broken_auth_file_keeps_the_clients_in_use():
    with auth_server() as srv:
        ops = get_token(srv)["access_token"]
        for text, why in (("clients: [", "line"),
                          ('[{"client_id": "ops"}]', "client_secret"),
                          (json.dumps([CLIENTS[0], CLIENTS[0]]), "repeats")):
            rewrite(srv.auth_path, text)
            before = srv.stderr().count("kept the clients in use")
            srv.proc.send_signal(signal.SIGHUP)
            ldtest.wait_for(lambda: srv.stderr().count(
                "kept the clients in use") > before, 5, "the reload log")
            assert why in srv.stderr().splitlines()[-1], srv.stderr()
            assert srv.get_json("/api/automations", bearer(ops))[0] == 200
            get_token(srv, "ci", "s3cret-ci-Pw")
        os.chmod(srv.auth_path, 0o644)
        rewrite(srv.auth_path, json.dumps(CLIENTS[:1]))
        srv.proc.send_signal(signal.SIGHUP)
        assert srv.wait_stderr("chmod 600", scaled(5)), srv.stderr()
        get_token(srv, "ci", "s3cret-ci-Pw")
    os.unlink(srv.auth_path)


def test_sighup_without_an_auth_file_changes_nothing():
    with Server("--token", PRODUCER) as srv:
        srv.proc.send_signal(signal.SIGHUP)
        assert srv.wait_stderr("no --auth-file", scaled(5)), srv.stderr()
        assert srv.get_json("/api/automations", bearer(PRODUCER))[0] == 200


if __name__ == "__main__":
    ldtest.main(globals())
