"""logdeck --follow against a server that issues expiring tokens and
limits streams: renewal without loss, and waiting as told on 429."""
import json
import os
import signal
import tempfile
import threading
import time

import chaosproxy
import ldtest
from ldtest import Server, check, eq, ev, logdeck, spawn

PRODUCER = "producer-static-T0ken"
CLIENT = {"client_id": "ops", "client_secret": "s3cret-ops-Pw"}


def auth_server(*args):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump([CLIENT], f)
    f.close()
    os.chmod(f.name, 0o600)
    return Server("--auth-file", f.name, "--token", PRODUCER, *args)


def messages(out):
    return [l.split(": ", 1)[1] for l in out.decode().splitlines()]


def test_stream_survives_ten_token_expiries_with_every_line_once():
    with auth_server("--token-ttl", "1") as s:
        s.ingest("exp", [ev(0, "m0")], token=PRODUCER)
        env = {"LOGDECK_CLIENT_ID": CLIENT["client_id"],
               "LOGDECK_CLIENT_SECRET": CLIENT["client_secret"]}
        p = spawn("--server", s.url, "-f", "exp", env=env)
        out, err = [], []
        readers = [threading.Thread(target=lambda f, into: into.extend(
            iter(f.readline, b"")), args=a, daemon=True)
            for a in ((p.stdout, out), (p.stderr, err))]
        for r in readers:
            r.start()

        def renewals():
            return b"".join(err).count(b"Re-authenticated")

        # A line every 0.2 s until the client has renewed its one-second
        # token ten times (about twelve seconds; longer under valgrind,
        # where each renewal takes longer).
        n = 1
        end = time.monotonic() + 3 * ldtest.WAIT_S
        while renewals() < 10 and time.monotonic() < end:
            s.ingest("exp", [ev(n, "m%d" % n)], token=PRODUCER)
            n += 1
            time.sleep(0.2)
        s.status("exp", "completed", token=PRODUCER)
        p.wait(ldtest.WAIT_S)
        for r in readers:
            r.join(ldtest.WAIT_S)
        out, err = b"".join(out), b"".join(err)
        eq(p.returncode, 0, "exit status: %r" % err[-800:])
        eq(messages(out), ["m%d" % i for i in range(n)], "every line once")
        check(err.count(b"Re-authenticated") >= 10,
              "renewals: %d" % err.count(b"Re-authenticated"))
        check(b"Connection lost" not in err, err)
        check(CLIENT["client_secret"].encode() not in out + err, "secret")


def _command_profile(d, url, second):
    """A config whose token_command prints a wrong token first, then
    second (read once each) for every later run."""
    script = os.path.join(d, "token.sh")
    with open(script, "w") as f:
        f.write('if [ -f "%s/once" ]; then printf "%%s\\n" "%s"; '
                'else touch "%s/once"; echo wrong-token; fi\n'
                % (d, second, d))
    cfg = os.path.join(d, "config.yaml")
    with open(cfg, "w") as f:
        f.write("profile: p\nprofiles:\n  p:\n    server: %s\n"
                "    token_command: sh %s\n" % (url, script))
    os.chmod(cfg, 0o600)
    return cfg


def test_a_refused_token_is_renewed_by_running_token_command_again():
    with tempfile.TemporaryDirectory() as d, Server("--token", PRODUCER) as s:
        s.ingest("cmd", [ev(1, "after renewal")], token=PRODUCER)
        s.status("cmd", "completed", token=PRODUCER)
        r = logdeck("--config", _command_profile(d, s.url, PRODUCER),
                    "-f", "cmd")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(messages(r.stdout), ["after renewal"], "lines")


def test_a_renewed_token_past_the_limit_is_refused():
    with tempfile.TemporaryDirectory() as d, Server("--token", PRODUCER) as s:
        s.ingest("cmd", [ev(1)], token=PRODUCER)
        r = logdeck("--config", _command_profile(d, s.url, "t" * 5000),
                    "-f", "cmd")
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"unauthorized" in r.stderr, r.stderr)
        check(b"ttttttttt" not in r.stderr, "the token was printed")


def test_refused_credentials_stop_with_exit_3():
    with auth_server() as s:
        r = logdeck("--server", s.url, "-f", "x",
                    env={"LOGDECK_CLIENT_ID": "ops",
                         "LOGDECK_CLIENT_SECRET": "wrong"})
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"refused" in r.stderr, r.stderr)


# A token_command that logs in with the client credentials (tokens of
# --token-ttl) the first time, and on every later run (a renewal) says so
# in DIR/renewing, then sleeps SLOW seconds first.
TOKEN_SCRIPT = """
import json, os, sys, time, urllib.request
url, d, slow = sys.argv[1], sys.argv[2], float(sys.argv[3])
if os.path.exists(os.path.join(d, "once")):
    with open(os.path.join(d, "renewing"), "w") as f:
        f.write(str(os.getpid()))
    sys.stderr.write("renewing slowly\\n")
    time.sleep(slow)
open(os.path.join(d, "once"), "w").close()
req = urllib.request.Request(url + "/api/auth/token", data=json.dumps(
    {"client_id": "ops", "client_secret": "s3cret-ops-Pw"}).encode(),
    headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
"""


def _slow_renewal_profile(d, url, slow, timeout=None):
    """A config whose token_command renews slowly (see TOKEN_SCRIPT)."""
    script = os.path.join(d, "token.py")
    with open(script, "w") as f:
        f.write(TOKEN_SCRIPT)
    cfg = os.path.join(d, "config.yaml")
    with open(cfg, "w") as f:
        f.write("profile: p\nprofiles:\n  p:\n    server: %s\n"
                "    token_command: python3 %s %s %s %s\n"
                % (url, script, url, d, slow))
        if timeout:
            f.write("    token_command_timeout: %d\n" % timeout)
    os.chmod(cfg, 0o600)
    return cfg


def _gone(pid):
    """True when process pid has ended (or is a zombie about to go)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_ctrl_c_is_answered_at_once_while_a_slow_renewal_runs():
    with tempfile.TemporaryDirectory() as d, \
            auth_server("--token-ttl", "2") as s:
        s.ingest("slow", [ev(1, "before expiry")], token=PRODUCER)
        p = spawn("--config", _slow_renewal_profile(d, s.url, 60),
                  "-f", "slow")
        renewing = os.path.join(d, "renewing")
        ldtest.wait_for(lambda: os.path.exists(renewing) and
                        open(renewing).read(), what="the renewal")
        pid = int(open(renewing).read())
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=ldtest.WAIT_S)
        took = time.monotonic() - t0
        eq(p.returncode, 130, "exit status: %r" % err)
        check(took < 2, "Ctrl-C took %.1fs" % took)
        eq(messages(out), ["before expiry"], "lines")
        # The command was killed with its process group, not left behind.
        ldtest.wait_for(lambda: _gone(pid), what="the command to go")
        check(b"renewing slowly" not in err, err)


def test_a_token_command_past_its_deadline_is_killed_with_a_clear_error():
    with tempfile.TemporaryDirectory() as d, \
            auth_server("--token-ttl", "2") as s:
        s.ingest("dl", [ev(1, "before expiry")], token=PRODUCER)
        t0 = time.monotonic()
        r = logdeck("--config", _slow_renewal_profile(d, s.url, 600, 1),
                    "-f", "dl")
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"token_command of profile 'p' did not finish within 1 s "
              b"and was killed" in r.stderr, r.stderr)
        check(b"renewing slowly" in r.stderr, "its stderr is quoted: %r"
              % r.stderr)
        check(time.monotonic() - t0 < ldtest.WAIT_S, "took too long")
        pid = int(open(os.path.join(d, "renewing")).read())
        ldtest.wait_for(lambda: _gone(pid), what="the command to go")
    with tempfile.TemporaryDirectory() as d:
        # At start too: the first run has the same deadline.
        cfg = os.path.join(d, "config.yaml")
        with open(cfg, "w") as f:
            f.write("profiles:\n  default:\n    server: http://127.0.0.1:9"
                    "\n    token_command: sleep 600\n"
                    "    token_command_timeout: 1\n")
        os.chmod(cfg, 0o600)
        r = logdeck("--config", cfg, "-f", "x")
        eq(r.returncode, 2, "exit status: %r" % r.stderr)
        check(b"token_command of profile 'default' did not finish within "
              b"1 s and was killed" in r.stderr, r.stderr)


def _metric(s, sample):
    """The value of one sample of the server's /metrics (its name and
    labels as written there), 0 while it is absent."""
    st, text = s.request("GET", "/metrics")
    eq(st, 200, "metrics")
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0


def test_stream_limit_429_is_waited_out_as_told():
    with Server("--max-streams", "1") as s:
        s.ingest("a", [ev(1, "a1")])
        s.ingest("b", [ev(1, "b1")])
        first = spawn("--server", s.url, "-f", "a")
        ldtest.wait_for(lambda: _metric(
            s, 'logdeck_streams_open{kind="automations",type="log"}') == 1,
            what="the first stream")
        second = spawn("--server", s.url, "-f", "b")
        ldtest.wait_for(lambda: _metric(
            s, 'logdeck_http_responses_total{code="429"}') >= 1,
            what="the second stream refused")
        # The first ends; the second gets the slot on its next try.
        s.status("a", "completed")
        s.status("b", "completed")
        out1, _ = first.communicate(timeout=ldtest.WAIT_S)
        out2, err2 = second.communicate(timeout=ldtest.WAIT_S)
        eq(first.returncode, 0, "first")
        eq(second.returncode, 0, "second: %r" % err2)
        eq(messages(out2), ["b1"], "second's lines")
        check(b"429" in err2 and b"reconnecting in" in err2, err2)


# What the chaos proxy answers a token POST with instead of the server.
CANNED_503 = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
              b"Content-Length: 0\r\nConnection: close\r\n\r\n")
CANNED_401 = (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
              b"Connection: close\r\n\r\n")
CREDENTIALS = {"LOGDECK_CLIENT_ID": CLIENT["client_id"],
               "LOGDECK_CLIENT_SECRET": CLIENT["client_secret"]}


class Stderr:
    """Keeps what a spawned logdeck writes on stderr, read by a thread,
    so a test can wait for a message while it runs."""

    def __init__(self, p):
        self.text = b""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, args=(p,),
                                       daemon=True)
        self.thread.start()

    def _read(self, p):
        for line in p.stderr:
            with self.lock:
                self.text += line

    def has(self, what, after=0):
        with self.lock:
            return self.text.find(what, after) >= 0

    def wait(self, what, after=0):
        ldtest.wait_for(lambda: self.has(what, after), what=repr(what))
        with self.lock:
            return self.text.find(what, after)


def _auth_answer_head_len(s):
    """How many bytes the server's 200 to a token POST has before its
    body, and before its second header line, so that a cut can land
    inside the body or inside the headers."""
    import socket
    body = json.dumps(CLIENT).encode()
    c = socket.create_connection(("127.0.0.1", s.port), timeout=ldtest.WAIT_S)
    c.sendall(b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nConnection: close\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    got = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
    c.close()
    check(got.startswith(b"HTTP/1.1 200"), got[:40])
    return got.index(b"\r\n\r\n") + 4, got.index(b"\r\n") + 2


def _follow_through_failing_renewals(plans, said):
    """A follower whose token (two seconds) expires while every token
    POST gets plans[i] from the chaos proxy instead of the server's
    answer, in order (the refresh, then the client credentials, per
    attempt), then gets through. It must wait and try again, say said,
    and read every line once; returns its stderr."""
    with auth_server("--token-ttl", "2") as s, \
            chaosproxy.ChaosProxy(s.port, close_each=True) as proxy:
        plans = [(p if callable(p) else lambda s, p=p: p) for p in plans]
        plans = [(b"/api/auth/", dict(p(s), once=True)) for p in plans]
        s.ingest("ren", [ev(0, "m0")], token=PRODUCER)
        p = spawn("--server", proxy.url, "-f", "ren", env=CREDENTIALS)
        err = Stderr(p)
        try:
            err.wait(b"Connected to log stream")
            # The start-up token went through; the renewals will not.
            with proxy.lock:
                proxy.by_path.extend(plans)
            n = 1
            deadline = time.monotonic() + ldtest.WAIT_S * 3
            failed = -1
            while time.monotonic() < deadline:
                s.ingest("ren", [ev(n, "m%d" % n)], token=PRODUCER)
                n += 1
                with proxy.lock:
                    spent = not proxy.by_path
                if failed < 0 and err.has(said):
                    failed = err.wait(said)
                if spent and failed >= 0 and \
                        err.has(b"Re-authenticated", failed):
                    break
                time.sleep(0.1)  # the producer's pace, not a wait
            s.ingest("ren", [ev(n, "m%d" % n)], token=PRODUCER)
            n += 1
            s.status("ren", "completed", token=PRODUCER)
            p.wait(timeout=ldtest.WAIT_S * 3)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err.thread.join(ldtest.WAIT_S)
        out = p.stdout.read()
        eq(p.returncode, 0, "exit status: %r" % err.text[-1200:])
        check(err.has(said), err.text)
        eq(messages(out), ["m%d" % i for i in range(n)], "every line once")
        check(b"unauthorized" not in err.text, err.text)
        return err.text


def test_a_renewal_answered_503_waits_and_tries_again():
    # The refresh is refused for good (401), the credentials get a 503:
    # that attempt failed for now; then both 503, then through.
    text = _follow_through_failing_renewals(
        [{"canned": CANNED_401}, {"canned": CANNED_503},
         {"canned": CANNED_503}, {"canned": CANNED_503}],
        b"token renewal failed (HTTP 503), retrying in ")
    check(text.count(b"token renewal failed") >= 2, text)


def test_a_renewal_without_an_answer_is_tried_again():
    # The token endpoint closes without a word (as a server restarting).
    _follow_through_failing_renewals(
        [{"canned": b""}, {"canned": b""}],
        b"token renewal failed (")


def test_a_token_answer_cut_short_is_tried_again():
    # Both token answers end in the middle of their JSON body.
    cut = lambda s: {"cut": _auth_answer_head_len(s)[0] + 20}
    text = _follow_through_failing_renewals(
        [cut, cut], b"token renewal failed (")
    check(b"token renewal failed (transfer closed with " in text, text)


def test_a_token_answer_cut_in_its_headers_is_tried_again():
    # libcurl takes a 200 whose connection closed in the middle of its
    # headers for a complete answer with an empty body (the soak's "no
    # usable access_token"): the fetch must see it as cut.
    # As in the soak: "HTTP/1.1 200 OK\r\nCach", then the end.
    cut = lambda s: {"cut": _auth_answer_head_len(s)[1] + 4}
    text = _follow_through_failing_renewals(
        [cut, cut], b"token renewal failed (the answer was cut short")
    check(b"no usable access_token" not in text, text)


def test_renewals_apart_from_each_other_by_a_503_are_not_in_a_row():
    # The renewed token is refused again only after the server (here
    # the proxy) said something else in between: three times in all,
    # more than POLICY_MAX_REAUTH in a row, but never two in a row.
    n = 0
    with auth_server("--token-ttl", "2") as s, \
            chaosproxy.ChaosProxy(s.port, close_each=True) as proxy:
        s.ingest("apart", [ev(0, "m0")], token=PRODUCER)
        p = spawn("--server", proxy.url, "-f", "apart", env=CREDENTIALS)
        err = Stderr(p)
        try:
            err.wait(b"Connected to log stream")
            with proxy.lock:
                proxy.by_path.extend(
                    [(b"/logs", {"canned": c, "once": True})
                     for c in [CANNED_401, CANNED_503] * 3])
            deadline = time.monotonic() + ldtest.WAIT_S * 3
            while time.monotonic() < deadline:
                n += 1
                s.ingest("apart", [ev(n, "m%d" % n)], token=PRODUCER)
                with proxy.lock:
                    spent = not proxy.by_path
                if spent and err.has(b"Re-authenticated"):
                    break
                time.sleep(0.1)  # the producer's pace, not a wait
            n += 1
            s.ingest("apart", [ev(n, "m%d" % n)], token=PRODUCER)
            s.status("apart", "completed", token=PRODUCER)
            p.wait(timeout=ldtest.WAIT_S * 3)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err.thread.join(ldtest.WAIT_S)
        out = p.stdout.read()
        eq(p.returncode, 0, "exit status: %r" % err.text[-1200:])
        eq(messages(out), ["m%d" % i for i in range(n + 1)],
           "every line once")
        check(err.text.count(b"server busy (HTTP 503)") >= 3, err.text)


def test_a_renewal_refused_during_a_follow_stops_with_exit_3():
    with auth_server("--token-ttl", "2") as s, \
            chaosproxy.ChaosProxy(s.port, close_each=True) as proxy:
        s.ingest("no", [ev(0, "m0")], token=PRODUCER)
        p = spawn("--server", proxy.url, "-f", "no", env=CREDENTIALS)
        err = Stderr(p)
        try:
            err.wait(b"Connected to log stream")
            with proxy.lock:
                proxy.by_path.extend(
                    [(b"/api/auth/", {"canned": CANNED_401, "once": True})
                     for _ in range(6)])
            p.wait(timeout=ldtest.WAIT_S * 3)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err.thread.join(ldtest.WAIT_S)
        eq(p.returncode, 3, "exit status: %r" % err.text)
        check(b"logdeck: unauthorized: token renewal refused (HTTP 401)"
              in err.text, err.text)
        check(b"token renewal failed" not in err.text, err.text)


ldtest.main(globals())
