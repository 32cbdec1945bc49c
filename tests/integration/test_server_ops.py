#!/usr/bin/env python3
"""test_server_ops.py - logdeck-server run like a service: /healthz,
/readyz (with a PostgreSQL outage), /metrics read with Prometheus's own
parser, --metrics-listen and --metrics-token, and the access log in text
and JSON, which never holds a token.

Debian's python3-prometheus-client (quickstart installs it) parses the
exposition, so the format is checked by the scraper's rules, not ours.
"""
import http.client
import json
import re
import socket
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # A python3 ahead of Debian's on PATH (pyenv) does not see
    # /usr/lib/python3/dist-packages; the package is pure Python.
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

from pgcluster import Cluster
import ldtest
from ldtest import scaled
from serverutil import Server

TOKEN = "api-T0ken-must-not-leak"
METRICS_TOKEN = "metrics-T0ken-must-not-leak"
NAME = re.compile(r"^logdeck_[a-z][a-z0-9_]*$")


def get(port, path, headers=None, method="GET"):
    """One request to 127.0.0.1:port; (status, headers, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=scaled(5))
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, data


def scrape(port, headers=None):
    """The exposition at port as {family name: family}, after checking
    its Content-Type, HELP and TYPE lines and naming conventions."""
    status, hdrs, data = get(port, "/metrics", headers)
    assert status == 200, (status, data)
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4"), hdrs
    text = data.decode()
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    assert fams, text
    for name, fam in fams.items():
        assert fam.type in ("counter", "gauge", "histogram"), (name, fam.type)
        assert NAME.match(name), name
        assert fam.documentation, name
        shown = name + "_total" if fam.type == "counter" else name
        assert "# HELP %s " % shown in text, shown
        assert "# TYPE %s %s" % (shown, fam.type) in text, shown
        if fam.type == "counter":
            assert all(s.name.endswith("_total") for s in fam.samples), name
        if "duration" in name or "delay" in name:
            assert name.endswith("_seconds"), name
    return fams


def value(fams, name, sample=None, **labels):
    """One sample's value (sample defaults to the family's name, or
    NAME_total for a counter)."""
    fam = fams[name]
    want = sample or (name + "_total" if fam.type == "counter" else name)
    for s in fam.samples:
        if s.name == want and all(s.labels.get(k) == v
                                  for k, v in labels.items()):
            return s.value
    raise AssertionError("no sample %s %r in %r" % (want, labels,
                                                    fam.samples))


def next_typed(st):
    """The next event that has a type (skipping retry and keepalives)."""
    while True:
        ev = st.next_event()
        if ev is None or "event" in ev:
            return ev


def auth(token=TOKEN):
    return {"Authorization": "Bearer " + token}


def test_health_answers_without_a_token_even_when_the_api_needs_one():
    for args in ((), ("--token", TOKEN)):
        with Server(*args) as srv:
            for path in ("/healthz", "/readyz"):
                status, hdrs, data = srv.request("GET", path)
                assert status == 200, (args, path, status, data)
                assert json.loads(data) == {"status": "ok"}, data
                assert hdrs["content-type"] == "application/json", hdrs
                status, _, data = srv.request("HEAD", path)
                assert status == 200 and data == b"", (path, status, data)
            status, hdrs, _ = srv.request("POST", "/healthz")
            assert status == 405 and "GET" in hdrs["allow"], status
            if args:
                # The API itself still asks for the token.
                assert srv.request("GET", "/api/automations")[0] == 401


def test_readyz_is_503_while_postgresql_is_down_and_200_once_it_is_back():
    with Cluster() as own, Server("--store", own.url) as srv:
        assert srv.request("GET", "/readyz")[0] == 200
        own.pause()
        status, _, data = srv.request("GET", "/readyz")
        assert status == 503, (status, data)
        body = json.loads(data)
        assert body["status"] == "not ready" and body["reason"], body
        assert set(body) == {"status", "reason"}, body
        assert srv.request("GET", "/healthz")[0] == 200
        own.resume()
        ldtest.wait_for(lambda: srv.request("GET", "/readyz")[0] == 200,
                        timeout=scaled(15), what="ready again")
        fams = scrape(srv.port)
        assert value(fams, "logdeck_listen_reconnects") >= 1
        # Own batches come back as NOTIFY: the delay is measured.
        before = value(fams, "logdeck_notify_delay_seconds",
                       "logdeck_notify_delay_seconds_count")
        for i in range(3):
            status, _ = srv.post("/api/automations/pgops/logs",
                                 [ldtest.ev(i), ldtest.ev(i + 1)])
            assert status in (200, 201), status
        ldtest.wait_for(
            lambda: value(scrape(srv.port), "logdeck_notify_delay_seconds",
                          "logdeck_notify_delay_seconds_count")
            >= before + 3, what="three notify delays counted")
        fams = scrape(srv.port)
        assert value(fams, "logdeck_events_ingested") == 6
        assert value(fams, "logdeck_store_bytes") > 0
        assert "logdeck_store_events" in fams


def test_metrics_move_with_the_traffic():
    with Server("--token", TOKEN, "--max-streams", "3") as srv:
        fams = scrape(srv.port)
        assert value(fams, "logdeck_events_ingested") == 0
        batch = [ldtest.ev(i) for i in range(7)]
        status, _ = srv.post("/api/automations/m1/logs", batch, auth())
        assert status == 201, status
        status, _ = srv.post("/api/pipelines/m2/logs", batch[:2], auth())
        assert status == 201, status
        fams = scrape(srv.port)
        assert value(fams, "logdeck_events_ingested") == 9
        assert value(fams, "logdeck_ingest_batch_events",
                     "logdeck_ingest_batch_events_count") == 2
        assert value(fams, "logdeck_ingest_batch_events",
                     "logdeck_ingest_batch_events_sum") == 9
        assert value(fams, "logdeck_ingest_batch_events",
                     "logdeck_ingest_batch_events_bucket", le="5") == 1
        assert value(fams, "logdeck_ingest_duration_seconds",
                     "logdeck_ingest_duration_seconds_count") == 2
        assert value(fams, "logdeck_store_events") == 9

        streams = [srv.stream("/api/automations/m1/logs", auth()),
                   srv.stream("/api/automations/m1/logs", auth()),
                   srv.stream("/api/pipelines?stream=true", auth())]
        assert all(st.status == 200 for st in streams)
        for st in streams[:2]:
            for _ in range(7):
                assert next_typed(st)["event"] == "log"
        fams = scrape(srv.port)
        assert value(fams, "logdeck_streams_open", kind="automations",
                     type="log") == 2
        assert value(fams, "logdeck_streams_open", kind="pipelines",
                     type="list") == 1
        assert sum(s.value for s in fams["logdeck_streams_open"].samples) \
            == 3
        assert value(fams, "logdeck_events_served", via="stream") == 14
        assert value(fams, "logdeck_connections_open") >= 3

        # The fourth stream is one too many; a wrong token is refused.
        status, _, _ = srv.request("GET", "/api/automations/m1/logs",
                                   headers=dict(auth(), Accept=
                                                "text/event-stream"))
        assert status == 429, status
        assert srv.request("GET", "/api/automations", headers=auth("no"))[0] \
            == 401
        assert srv.request("GET", "/api/automations")[0] == 401
        status, _, _ = srv.request("GET", "/api/automations/m1/logs?tail=3",
                                   headers=auth())
        assert status == 200
        fams = scrape(srv.port)
        assert value(fams, "logdeck_http_responses", code="429") == 1
        assert value(fams, "logdeck_http_responses", code="401") == 2
        assert value(fams, "logdeck_events_served", via="poll") == 3

        for st in streams:
            st.close()
        ldtest.wait_for(lambda: sum(
            s.value for s in scrape(srv.port)["logdeck_streams_open"].samples)
            == 0, what="streams closed")
        ldtest.wait_for(lambda: value(scrape(srv.port),
                                      "logdeck_connections_open") <= 1,
                        what="connections closed")


def test_a_client_dropped_as_too_slow_is_counted_and_logged():
    with Server("--burst", "1000000", "--heartbeat", "1",
                "--stall-timeout", "1", "--access-log") as srv:
        stalled = socket.create_connection(("127.0.0.1", srv.port))
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"GET /api/automations/burst-1/logs?stream=true "
                        b"HTTP/1.1\r\nHost: x\r\n\r\n")
        ldtest.wait_for(lambda: value(scrape(srv.port),
                                      "logdeck_streams_dropped_slow") == 1,
                        timeout=scaled(10), what="the drop counted")
        fams = scrape(srv.port)
        assert value(fams, "logdeck_streams_open", kind="automations",
                     type="log") == 0
        assert value(fams, "logdeck_events_served", via="stream") > 0
        line = [ln for ln in access_lines(srv) if "stream=" in ln]
        assert len(line) == 1 and "stream=dropped_slow" in line[0], line
        stalled.close()


def test_metrics_listen_serves_them_apart_behind_their_own_token():
    with Server("--token", TOKEN, "--metrics-listen", "127.0.0.1:0",
                "--metrics-token", METRICS_TOKEN) as srv:
        line = srv.proc.stdout.readline().decode()
        prefix = "metrics on http://127.0.0.1:"
        assert line.startswith(prefix), line
        mport = int(line[len(prefix):])
        assert mport != srv.port
        # Not on the main address any more, with or without a token.
        assert srv.request("GET", "/metrics")[0] == 404
        assert srv.request("GET", "/metrics", headers=auth())[0] == 404
        # Its own token only: the API's does not open it.
        assert get(mport, "/metrics")[0] == 401
        assert get(mport, "/metrics", auth())[0] == 401
        fams = scrape(mport, auth(METRICS_TOKEN))
        assert value(fams, "logdeck_http_responses", code="401") == 2
        # Health on both; nothing else on the metrics address.
        assert get(mport, "/healthz")[0] == 200
        assert get(mport, "/readyz")[0] == 200
        assert get(mport, "/api/automations", auth())[0] == 404
        assert srv.request("GET", "/readyz")[0] == 200
        assert METRICS_TOKEN not in srv.stderr()


def access_lines(srv):
    return [ln for ln in srv.stderr().splitlines() if " access " in ln]


def test_access_log_has_requests_streams_and_no_token():
    secret_q = "query-S3cret-must-not-leak"
    with Server("--access-log", "--token", TOKEN) as srv:
        status, _ = srv.post("/api/automations/a1/logs", [ldtest.ev(1)],
                             auth())
        assert status == 201
        status, _, _ = srv.request(
            "GET", "/api/automations/a1/logs?tail=1&access_token=%s&x=%s"
            % (secret_q, secret_q), headers=auth("wrong-" + TOKEN))
        assert status == 401
        st = srv.stream("/api/automations/a1/logs?stream=true&token=%s"
                        % secret_q, auth())
        assert next_typed(st)["event"] == "log"
        st.close()
        ldtest.wait_for(lambda: any("stream=closed" in ln
                                    for ln in access_lines(srv)),
                        what="the stream's line")
        lines = access_lines(srv)
        post = [ln for ln in lines if "method=POST" in ln]
        assert len(post) == 1, lines
        assert re.search(r"client=127\.0\.0\.1:\d+ method=POST "
                         r"path=/api/automations/a1/logs status=201 "
                         r"bytes=\d+ duration=\d+\.\d{6}$", post[0]), post
        refused = [ln for ln in lines if "status=401" in ln]
        assert len(refused) == 1, lines
        assert "path=/api/automations/a1/logs?tail=1 " in refused[0], refused
        stream = [ln for ln in lines if "stream=closed" in ln][0]
        assert "path=/api/automations/a1/logs?stream=true " in stream, stream
        assert int(re.search(r"bytes=(\d+)", stream).group(1)) > 0, stream
        log = srv.stderr()
        assert TOKEN not in log and secret_q not in log, log


def test_an_access_line_cuts_the_path_at_its_limit():
    """ACCESS_TARGET_MAX (access.h): a longer path and kept query are
    cut, so one line stays bounded."""
    limit = 512
    with Server("--access-log") as srv:
        path = "/api/automations/cut/logs?since=" + "A" * 1000 + "&tail=1"
        assert srv.request("GET", path)[0] == 404
        ldtest.wait_for(lambda: access_lines(srv), what="the line")
        logged = re.search(r" path=(\S+) ", access_lines(srv)[0]).group(1)
        assert logged == path[:limit], logged


def test_access_log_as_json_is_one_object_per_line():
    with Server("--access-log", "--log-format", "json") as srv:
        status, _ = srv.post("/api/automations/j1/logs", [ldtest.ev(1)])
        assert status == 201
        assert srv.request("GET", "/healthz")[0] == 200
        st = srv.stream("/api/automations/j1/logs")
        assert next_typed(st)["event"] == "log"
        st.close()
        ldtest.wait_for(lambda: '"stream":"closed"' in srv.stderr(),
                        what="the stream's line")
        objs = [json.loads(ln) for ln in srv.stderr().splitlines()]
        assert all("time" in o for o in objs), objs
        access = [o for o in objs if o.get("type") == "access"]
        assert len(access) == 3, objs
        post, health, stream = access
        assert post["method"] == "POST" and post["status"] == 201, post
        assert post["path"] == "/api/automations/j1/logs", post
        assert post["client"].startswith("127.0.0.1:"), post
        assert isinstance(post["duration_s"], (int, float)), post
        assert health["path"] == "/healthz" and health["bytes"] == 15, health
        assert stream["stream"] == "closed" and stream["bytes"] > 0, stream
        # The other lines (the start) are objects too.
        assert any("started" in o.get("message", "") for o in objs), objs


def test_access_log_is_off_by_default():
    with Server() as srv:
        assert srv.request("GET", "/healthz")[0] == 200
        assert srv.request("GET", "/api/automations")[0] == 200
        fams = scrape(srv.port)
        assert value(fams, "logdeck_http_responses", code="200") == 2
        assert access_lines(srv) == [], srv.stderr()


if __name__ == "__main__":
    ldtest.main(globals())
