#!/usr/bin/env python3
"""test_openapi.py - doc/openapi.yaml is a valid OpenAPI 3.1 document that
describes every request of doc/api.md, and the answers of the real
logdeck-server (status codes, JSON bodies, the events of its streams) match
the document's response schemas.

The document is validated against the OpenAPI 3.1 schema by
@seriousme/openapi-schema-validator (its validate-api command), which
./quickstart installs from the npm registry into tests/node of the build
tree and names in $LOGDECK_OPENAPI_VALIDATOR; without it the test fails.
Answers are checked with python3-jsonschema (Draft 2020-12, the dialect of
OpenAPI 3.1 schemas), with the document's $refs inlined.
"""
import json
import os
import re
import subprocess
import tempfile

import jsonschema
import yaml

import ldtest
from ldtest import LOGDECK_SERVER, SRCDIR
from pgcluster import Cluster
from serverutil import Server

DOC = os.path.join(SRCDIR, "doc", "openapi.yaml")
API_MD = os.path.join(SRCDIR, "doc", "api.md")
TOKEN = "openapi-static-T0ken"
CLIENT = {"client_id": "ops", "client_secret": "s3cret-ops-Pw"}
# api.h API_AUTH_BODY_MAX
AUTH_BODY_MAX = 4096
METHODS = ("get", "post", "put", "delete", "patch", "head", "options")


def validator():
    """The validate-api command; fails when it is not installed."""
    path = os.environ.get("LOGDECK_OPENAPI_VALIDATOR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(LOGDECK_SERVER))),
        "tests", "node", "node_modules", ".bin", "validate-api")
    ldtest.check(os.access(path, os.X_OK),
                 "no OpenAPI validator at %s: run ./quickstart deps (it runs "
                 "npm install --prefix tests/node "
                 "@seriousme/openapi-schema-validator) or set "
                 "LOGDECK_OPENAPI_VALIDATOR" % path)
    return path


def validate_document(path):
    """(valid, report) of validate-api for the document at path."""
    r = subprocess.run([validator(), path], capture_output=True, text=True,
                       timeout=ldtest.WAIT_S)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        raise ldtest.TestFailure("validate-api said %r %r"
                                 % (r.stdout, r.stderr))
    ldtest.eq(r.returncode == 0, report.get("valid"),
              "exit status %d against the report" % r.returncode)
    return report.get("valid"), report


def load_doc():
    with open(DOC) as f:
        return yaml.safe_load(f)


class Contract:
    """The operations of the document and their response schemas."""

    def __init__(self, doc):
        self.doc = doc

    def inline(self, node, seen=()):
        """node with every "#/..." $ref replaced by what it names."""
        if isinstance(node, list):
            return [self.inline(n, seen) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            ldtest.check(ref.startswith("#/") and ref not in seen,
                         "unsupported or cyclic $ref %r" % ref)
            target = self.doc
            for part in ref[2:].split("/"):
                target = target[part]
            return self.inline(target, seen + (ref,))
        return {k: self.inline(v, seen) for k, v in node.items()}

    def operation(self, method, template):
        ops = self.doc["paths"].get(template)
        ldtest.check(ops is not None and method.lower() in ops,
                     "%s %s is not in the document" % (method, template))
        return self.inline(ops[method.lower()])

    def media(self, method, template, status, ctype):
        """The media type object of an answer; fails when the document
        does not list that status or content type for the operation."""
        resp = self.operation(method, template)["responses"].get(str(status))
        ldtest.check(resp is not None, "%s %s: status %d is not documented"
                     % (method, template, status))
        content = resp.get("content", {})
        ldtest.check(ctype in content, "%s %s %d: no %s answer documented"
                     % (method, template, status, ctype))
        return resp, content[ctype]

    def check_json(self, method, template, status, headers, body):
        """Check one JSON answer against its operation's response."""
        resp, media = self.media(method, template, status,
                                 "application/json")
        ldtest.check(headers.get("content-type", "").startswith(
            "application/json"), "%s %s %d: content type %r" % (
                method, template, status, headers.get("content-type")))
        for name, h in resp.get("headers", {}).items():
            if h.get("required"):
                ldtest.check(name.lower() in headers, "%s %s %d: no %s "
                             "header" % (method, template, status, name))
        check_schema(media["schema"], json.loads(body),
                     "%s %s %d" % (method, template, status))

    def check_text(self, method, template, status, headers):
        """Check a non-JSON answer's status and media type."""
        ctype = headers.get("content-type", "").split(";")[0].strip()
        self.media(method, template, status, ctype)

    def check_event(self, template, ev):
        """Check one event of a stream answer against x-events."""
        _, media = self.media("GET", template, 200, "text/event-stream")
        schema = media["x-events"].get(ev.get("event", "message"))
        ldtest.check(schema is not None, "%s: undocumented event %r"
                     % (template, ev))
        data = json.loads(ev["data"])
        check_schema(schema, data, "%s event %s" % (template, ev["event"]))
        if ev["event"] == "log":
            ldtest.eq(ev.get("id"), str(data["id"]), "id: line of a log")


def check_schema(schema, value, what):
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(
        value), key=lambda e: list(e.path))
    if errors:
        raise ldtest.TestFailure("%s: %s (in %s)" % (
            what, errors[0].message, json.dumps(value)[:300]))


class Client:
    """Requests to a server, each answer checked against the contract."""

    def __init__(self, srv, contract, token=None):
        self.srv = srv
        self.contract = contract
        self.token = token
        self.seen = set()

    def call(self, method, path, template, want, body=None, token=True,
             extra=None):
        """Make a request (with the extra headers), check its answer,
        return the decoded body."""
        headers = {"Content-Type": "application/json"}
        headers.update(extra or {})
        tok = self.token if token is True else token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        st, hdrs, data = self.srv.request(method, path, body, headers)
        ldtest.eq(st, want, "%s %s status (%r)" % (method, path, data[:200]))
        self.contract.check_json(method, template, st, hdrs, data)
        self.seen.add((method, template, st))
        return json.loads(data)

    def stream(self, path, template, want=200, headers=None):
        h = {"Authorization": "Bearer " + self.token} if self.token else {}
        h.update(headers or {})
        es = self.srv.stream(path, h)
        ldtest.eq(es.status, want, "stream %s status" % path)
        if want != 200:
            self.contract.check_json("GET", template, want, es.headers,
                                     es.rest())
            es.close()
        else:
            ldtest.check(es.headers.get("content-type", "").startswith(
                "text/event-stream"), "stream content type")
            self.contract.media("GET", template, 200, "text/event-stream")
        self.seen.add(("GET", template, want))
        return es

    def events(self, es, template, until):
        """Check the events of es up to (and including) the first for which
        until(event) holds; returns them."""
        got = []
        while True:
            ev = es.next_event()
            ldtest.check(ev is not None, "%s ended after %r"
                         % (template, got))
            if "retry" in ev and "event" not in ev:
                continue
            self.contract.check_event(template, ev)
            got.append(ev)
            if until(ev):
                return got


def auth_file():
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    json.dump([CLIENT], f)
    f.close()
    os.chmod(f.name, 0o600)
    return f.name


def test_document_is_valid_openapi_3_1():
    valid, report = validate_document(DOC)
    ldtest.check(valid, "doc/openapi.yaml: %s" % json.dumps(report)[:2000])
    ldtest.eq(load_doc()["openapi"], "3.1.0", "OpenAPI version")


def test_validator_refuses_a_broken_document():
    # The validator can fail: a dangling $ref and a response without a
    # description are refused.
    doc = load_doc()
    doc["paths"]["/api/{kind}/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["$ref"] = "#/components/schemas/Nope"
    del doc["components"]["responses"]["NotFound"]["description"]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "broken.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(doc, f)
        valid, _ = validate_document(path)
    ldtest.check(not valid, "a broken document passed")


def api_md_requests():
    """(METHOD, template) of every request doc/api.md names."""
    with open(API_MD) as f:
        text = f.read()
    found = set()
    for method, path in re.findall(r"`(GET|POST) (/[^ `?]+)", text):
        path = path.replace("KIND", "{kind}").replace("ID", "{id}")
        path = path.replace("RUN", "{run}")
        found.add((method, path))
    return found


def test_every_request_of_api_md_is_described():
    doc = load_doc()
    described = {(m.upper(), p) for p, ops in doc["paths"].items()
                 for m in ops if m in METHODS}
    wanted = api_md_requests()
    ldtest.check(len(wanted) >= 9, "requests found in api.md: %r" % wanted)
    ldtest.eq(sorted(wanted - described), [], "in api.md, not in the document")
    ldtest.eq(sorted({p for _, p in described} - {p for _, p in wanted}), [],
              "in the document, not in api.md")


def test_schema_check_refuses_an_answer_that_breaks_the_contract():
    # The answer checks can fail: a source without an id, an event with
    # a numeric level, an undocumented status and an undocumented event.
    c = Contract(load_doc())
    hdrs = {"content-type": "application/json"}
    bad = [
        lambda: c.check_json("GET", "/api/{kind}/{id}", 200, hdrs,
                             b'{"name":"x","status":"running",'
                             b'"updatedAt":"2024-12-07T14:23:45.123Z",'
                             b'"lastLogId":0}'),
        lambda: c.check_json("GET", "/api/{kind}/{id}/logs", 200, hdrs,
                             b'[{"id":1,"timestamp":"2024-12-07T14:23:45.123'
                             b'Z","level":3,"message":"m"}]'),
        lambda: c.check_json("GET", "/api/{kind}/{id}", 418, hdrs,
                             b'{"error":"teapot"}'),
        lambda: c.check_event("/api/{kind}/{id}/logs",
                              {"event": "gossip", "data": "{}"}),
    ]
    for i, call in enumerate(bad):
        try:
            call()
        except ldtest.TestFailure:
            continue
        raise ldtest.TestFailure("bad answer %d passed" % i)


def test_answers_match_the_document():
    contract = Contract(load_doc())
    creds = auth_file()
    try:
        with Server("--token", TOKEN, "--auth-file", creds,
                    "--max-streams", "2", "--heartbeat", "1") as srv:
            run_requests(Client(srv, contract, TOKEN))
    finally:
        os.unlink(creds)


def run_requests(c):
    K, S, L = "/api/{kind}", "/api/{kind}/{id}", "/api/{kind}/{id}/logs"
    ST, R, R1 = ("/api/{kind}/{id}/status", "/api/{kind}/{id}/runs",
                 "/api/{kind}/{id}/runs/{run}")
    T, RF = "/api/auth/token", "/api/auth/refresh"
    job = "/api/automations/nightly-sync"

    # Authentication.
    c.call("GET", "/api/automations", K, 401, token=None)
    c.call("GET", "/api/automations", K, 401, token="wrong")
    pair = c.call("POST", "/api/auth/token", T, 200, CLIENT, token=None)
    c.call("POST", "/api/auth/token", T, 401,
           dict(CLIENT, client_secret="nope"), token=None)
    c.call("POST", "/api/auth/token", T, 400, "{not json", token=None)
    c.call("POST", "/api/auth/token", T, 413,
           {"client_id": "x" * AUTH_BODY_MAX}, token=None)
    again = c.call("POST", "/api/auth/refresh", RF, 200,
                   {"refresh_token": pair["refresh_token"]}, token=None)
    c.call("POST", "/api/auth/refresh", RF, 401,
           {"refresh_token": pair["refresh_token"]}, token=None)
    c.call("POST", "/api/auth/refresh", RF, 400, [], token=None)
    c.call("GET", "/api/automations", K, 200, token=again["access_token"])

    # Ingest.
    c.call("POST", job + "/status", ST, 201,
           {"status": "running", "name": "Nightly sync", "runId": "ns-1"})
    c.call("POST", job + "/logs", L, 200,
           [ldtest.ev(i, runId="ns-1", rows=i) for i in range(1, 4)])
    c.call("POST", "/api/pipelines/etl-7/logs", L, 201, {"message": "hi"})
    key = {"Idempotency-Key": "batch-0001"}
    first = c.call("POST", job + "/logs", L, 200, {"message": "once"},
                   extra=key)
    ldtest.eq(c.call("POST", job + "/logs", L, 200, {"message": "once"},
                     extra=key), first, "the replayed answer")
    c.call("POST", job + "/logs", L, 422, {"message": "twice"}, extra=key)
    c.call("POST", job + "/logs", L, 400, '[{"message": 1}]')
    c.call("POST", job + "/logs", L, 400, '{"message": "x"')
    c.call("POST", job + "/status", ST, 400, {"status": "sleeping"})
    c.call("POST", job + "/logs", L, 413, {"message": "x" * (300 * 1024)})

    # Sources, logs by polling, runs.
    c.call("GET", "/api/automations", K, 200)
    c.call("GET", "/api/pipelines", K, 200)
    c.call("GET", job, S, 200)
    c.call("GET", "/api/automations/nobody", S, 404)
    c.call("GET", "/api/automations/bad%20id", S, 404)
    c.call("GET", "/api/gadgets/x", S, 404)
    c.call("GET", job + "/logs?after=1&limit=5", L, 200)
    c.call("GET", job + "/logs?tail=2", L, 200)
    c.call("GET", job + "/logs?run=current", L, 200)
    c.call("GET", job + "/logs?since=2024-12-07T14:23:02.000Z", L, 200)
    c.call("GET", job + "/logs?after=many", L, 400)
    c.call("GET", job + "/logs?since=yesterday", L, 400)
    c.call("GET", job + "/logs?run=99", L, 404)
    c.call("GET", "/api/automations/nobody/logs", L, 404)
    c.call("GET", job + "/runs", R, 200)
    c.call("GET", job + "/runs?limit=1", R, 200)
    c.call("GET", job + "/runs?limit=lots", R, 400)
    c.call("GET", "/api/automations/nobody/runs", R, 404)
    c.call("GET", job + "/runs/1", R1, 200)
    c.call("GET", job + "/runs/ns-1", R1, 200)
    c.call("GET", job + "/runs/current", R1, 200)
    c.call("GET", job + "/runs/previous", R1, 404)

    # The live list and a run-following stream, both open at once.
    live = c.stream("/api/automations?stream=true", K)
    first = c.events(live, K, lambda ev: True)
    ldtest.eq(first[0]["event"], "sources", "first event of the live list")
    runs = c.stream(job + "/logs?stream=true&runs=all", L)
    c.events(runs, L, lambda ev: ev["event"] == "status")
    # A third stream is over --max-streams 2.
    c.stream(job + "/logs?stream=true", L, 429)
    c.call("POST", job + "/logs", L, 200, ldtest.ev(4, runId="ns-1"))
    c.call("POST", job + "/status", ST, 200,
           {"status": "failed", "exitCode": 1})
    got = c.events(runs, L, lambda ev: ev["event"] == "status")
    ldtest.eq(json.loads(got[-1]["data"])["endedAt"][:2], "20", "run end")
    c.events(live, K, lambda ev: ev["event"] == "source" and
             json.loads(ev["data"])["status"] == "failed")
    runs.close()
    live.close()

    # A stream that ends on its own (terminal status), and a reset.
    end = c.stream(job + "/logs?stream=true", L, 200,
                   {"Last-Event-ID": "999"})
    got = c.events(end, L, lambda ev: ev["event"] == "status")
    ldtest.eq(got[0]["event"], "reset", "first event after a resume point "
              "the source never had")
    ldtest.eq(end.next_event(), None, "the stream ends after failed")
    end.close()
    c.stream(job + "/logs?stream=true", L, 400, {"Last-Event-ID": "x"})
    c.stream("/api/automations/nobody/logs?stream=true", L, 404)
    c.call("GET", job + "/runs/previous", R1, 404)
    c.call("GET", job + "/runs/1", R1, 200)

    # A method a path does not serve: 405 with Allow and the one error
    # object of the document (info.description), and unknown paths.
    for method, path in (("DELETE", job), ("PUT", job + "/logs"),
                         ("GET", job + "/status")):
        st, hdrs, data = c.srv.request(
            method, path, None, {"Authorization": "Bearer " + TOKEN})
        ldtest.eq(st, 405, "%s %s" % (method, path))
        ldtest.check("allow" in hdrs, "%s %s: no Allow header" % (method, path))
        check_schema(c.contract.inline(
            {"$ref": "#/components/schemas/Error"}), json.loads(data), path)
    st, _, data = c.srv.request("GET", "/nothing/here")
    ldtest.eq(st, 404, "unknown path")
    check_schema(c.contract.inline({"$ref": "#/components/schemas/Error"}),
                 json.loads(data), "unknown path")


def test_expired_token_ends_a_stream_with_a_documented_error():
    contract = Contract(load_doc())
    creds = auth_file()
    try:
        with Server("--auth-file", creds, "--token-ttl", "1") as srv:
            c = Client(srv, contract)
            pair = c.call("POST", "/api/auth/token", "/api/auth/token", 200,
                          CLIENT, token=None)
            c.token = pair["access_token"]
            c.call("POST", "/api/automations/job/status",
                   "/api/{kind}/{id}/status", 201, {"status": "running"})
            es = c.stream("/api/automations/job/logs?stream=true",
                          "/api/{kind}/{id}/logs")
            got = c.events(es, "/api/{kind}/{id}/logs",
                           lambda ev: ev["event"] == "error")
            ldtest.eq(json.loads(got[-1]["data"]),
                      {"reason": "token_expired"}, "error event")
            es.close()
    finally:
        os.unlink(creds)


def test_answers_of_a_server_without_clients_and_of_burst_sources():
    contract = Contract(load_doc())
    with Server("--burst", "10") as srv:
        c = Client(srv, contract)
        c.call("POST", "/api/auth/token", "/api/auth/token", 404, CLIENT)
        c.call("POST", "/api/auth/refresh", "/api/auth/refresh", 404,
               {"refresh_token": "x"})
        c.call("POST", "/api/automations/burst-1/logs",
               "/api/{kind}/{id}/logs", 409, {"message": "no"})
        c.call("POST", "/api/automations/burst-1/status",
               "/api/{kind}/{id}/status", 409, {"status": "failed"})
        c.call("GET", "/api/automations/burst-1/logs?tail=3",
               "/api/{kind}/{id}/logs", 200)


def test_operations_answers_match_the_document():
    contract = Contract(load_doc())
    metrics_token = "metrics-T0ken"
    with Server("--token", TOKEN, "--metrics-token", metrics_token) as srv:
        c = Client(srv, contract)
        c.call("GET", "/healthz", "/healthz", 200)
        c.call("GET", "/readyz", "/readyz", 200)
        c.call("GET", "/metrics", "/metrics", 401)
        c.call("GET", "/metrics", "/metrics", 401, token=TOKEN)
        st, hdrs, _ = srv.request(
            "GET", "/metrics", None,
            {"Authorization": "Bearer " + metrics_token})
        ldtest.eq(st, 200, "metrics with their token")
        contract.check_text("GET", "/metrics", st, hdrs)
    with Server("--metrics-listen", "127.0.0.1:0") as srv:
        Client(srv, contract).call("GET", "/metrics", "/metrics", 404)
    # Not ready: the database is down.
    with Cluster() as own, Server("--store", own.url) as srv:
        c = Client(srv, contract)
        c.call("GET", "/readyz", "/readyz", 200)
        c.call("GET", "/api/automations/pg/runs", "/api/{kind}/{id}/runs",
               404)
        own.pause()
        try:
            c.call("GET", "/readyz", "/readyz", 503)
        finally:
            own.resume()


if __name__ == "__main__":
    ldtest.main(globals())
