"""Rules in follow mode against the real server: each action (bell,
notification, command, webhook) fires once per matching event within its
suppression window; hostile log text reaches the command only through its
environment and the webhook only as JSON data; --until ends the follow with
exit status 4."""
import http.server
import json
import os
import pty
import select
import subprocess
import tempfile
import threading
import time

import ldtest
from ldtest import Server, check, eq, ev, logdeck, wait_for, WAIT_S

# Shell metacharacters, substitutions, a newline and escape sequences: any
# of the touch commands running would leave a file behind.
HOSTILE = ("x; touch pwn1 $(touch pwn2) `touch pwn3` | touch pwn4 && "
           "touch pwn5 \"'\n> touch pwn6 \x1b]0;title\x07 \x1b[31mred $HOME")

# A command that appends its LOGDECK_* variables as one JSON line to the
# file named by the environment (the operator's text, not the log's).
RECORD = ("python3 -c 'import os, json; open(os.environ[\"REC\"], \"a\")"
          ".write(json.dumps({k: v for k, v in os.environ.items() "
          "if k.startswith(\"LOGDECK_\")}) + \"\\n\")'")


def records(path):
    """The JSON lines the RECORD command wrote."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def run_in(tmp, *args, env=None):
    """Run logdeck to completion in directory tmp."""
    e = dict(os.environ, TZ="UTC", REC=os.path.join(tmp, "rec"))
    e.update(env or {})
    return subprocess.run([ldtest.LOGDECK] + list(args), cwd=tmp,
                          capture_output=True, timeout=WAIT_S * 3, env=e)


def no_pwn(tmp):
    left = [f for f in os.listdir(tmp) if f.startswith("pwn")]
    eq(left, [], "files made by log text run as commands")


def test_command_gets_hostile_text_only_in_its_environment():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        s.ingest("nightly-sync", [
            ev(1, "starting"),
            ev(2, HOSTILE, level="error"),
            ev(3, "fine"),
            ev(4, HOSTILE + " again", level="error"),
        ])
        s.status("nightly-sync", "completed", exitCode=0)
        r = run_in(tmp, "--server", s.url, "-f", "nightly-sync", "--alert",
                   "level: error, command: %s" % json.dumps(RECORD))
        eq(r.returncode, 0, "exit status; stderr %r" % r.stderr)
        got = records(os.path.join(tmp, "rec"))
        eq(len(got), 2, "firings")
        # Commands run side by side: take them in message order.
        got.sort(key=lambda g: len(g["LOGDECK_MESSAGE"]))
        eq(got[0]["LOGDECK_MESSAGE"], HOSTILE, "message, byte for byte")
        eq(got[1]["LOGDECK_MESSAGE"], HOSTILE + " again", "message")
        eq(got[0]["LOGDECK_LEVEL"], "ERROR", "level")
        eq(got[0]["LOGDECK_SOURCE"], "nightly-sync", "source")
        eq(got[0]["LOGDECK_EVENT"], "line", "event")
        eq(got[0]["LOGDECK_RULE"], "rule 1", "rule name")
        eq(got[0]["LOGDECK_RUN"], "1", "run")
        eq(got[0]["LOGDECK_SUPPRESSED"], "0", "suppressed")
        eq(json.loads(got[0]["LOGDECK_EVENT_JSON"])["message"], HOSTILE,
           "event JSON")
        no_pwn(tmp)


class Hook(http.server.BaseHTTPRequestHandler):
    """Records each POST body; answers 500 while fail_first lasts."""
    bodies = []
    fail_first = 0
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with Hook.lock:
            failing = Hook.fail_first > 0
            if failing:
                Hook.fail_first -= 1
            else:
                Hook.bodies.append((self.path, self.headers["Content-Type"],
                                    body))
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_server():
    Hook.bodies = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_webhook_gets_the_event_as_json_once_per_match_with_retries():
    srv = webhook_server()
    Hook.fail_first = 2  # two 500s: retried, nothing lost or doubled
    try:
        with Server() as s, tempfile.TemporaryDirectory() as tmp:
            s.ingest("crm", [ev(1, "ok"), ev(2, HOSTILE, level="warn"),
                             ev(3, "timeout 3", level="warn")])
            s.status("crm", "failed", exitCode=2)
            url = "http://127.0.0.1:%d/hook" % srv.server_address[1]
            r = run_in(tmp, "--server", s.url, "-f", "crm", "--alert",
                       "level: warn, webhook: %s" % json.dumps(url),
                       "--alert", "name: ended, on: failed, webhook: '%s'"
                       % url)
            eq(r.returncode, 1, "exit status; stderr %r" % r.stderr)
            with Hook.lock:
                got = [json.loads(b) for _, _, b in Hook.bodies]
                types = {t for _, t, _ in Hook.bodies}
            eq(types, {"application/json"}, "content type")
            eq(sorted(g.get("message", "") for g in got if
                      g["event"] == "line"), sorted([HOSTILE, "timeout 3"]),
               "messages as data")
            ends = [g for g in got if g["event"] == "failed"]
            eq(len(ends), 1, "one run-failed post")
            eq((ends[0]["rule"], ends[0]["run"], ends[0]["exitCode"]),
               ("ended", 1, 2), "run event")
            eq(len(got), 3, "posts")
            check(all(p == "/hook" for p, _, _ in Hook.bodies), "path")
            no_pwn(tmp)
    finally:
        srv.shutdown()


def test_suppression_fires_once_per_window_and_reports_the_count():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "rec")
        s.ingest("job", [ev(i, "retry %d" % i, level="warn")
                         for i in range(5)])
        p = subprocess.Popen(
            [ldtest.LOGDECK, "--server", s.url, "-f", "--until-stopped",
             "job", "--alert", "match: retry, every: 1s, command: %s"
             % json.dumps(RECORD)],
            cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, REC=rec))
        try:
            wait_for(lambda: len(records(rec)) == 1, what="first firing")
            sent = 5
            # Matches keep coming until the window has passed and the
            # rule fires again, reporting what it held back.
            def second():
                nonlocal sent
                if len(records(rec)) >= 2:
                    return True
                s.ingest("job", [ev(sent, "retry %d" % sent)])
                sent += 1
                time.sleep(0.1)
                return False
            wait_for(second, timeout=WAIT_S * 3, what="second firing")
            got = records(rec)
            eq(got[0]["LOGDECK_SUPPRESSED"], "0", "first firing")
            # Every match up to the second firing is fired or counted.
            nth = int(got[1]["LOGDECK_MESSAGE"].split()[1])
            eq(int(got[1]["LOGDECK_SUPPRESSED"]) + 2, nth + 1,
               "suppressed count; firings %r" % got)
            check(int(got[1]["LOGDECK_SUPPRESSED"]) >= 4, "held back")
        finally:
            p.terminate()
            p.wait(WAIT_S)


def pty_run(args, cwd=None):
    """Run logdeck with stderr on a terminal; returns (status, stdout,
    terminal bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([ldtest.LOGDECK] + args, stdout=subprocess.PIPE,
                         stderr=slave, cwd=cwd, env=dict(os.environ, TZ="UTC"))
    os.close(slave)
    term = b""
    end = time.monotonic() + WAIT_S * 3
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            term += chunk
        elif p.poll() is not None:
            break
    out = p.stdout.read()
    p.wait(WAIT_S)
    os.close(master)
    return p.returncode, out, term


def test_bell_and_notification_reach_the_terminal_once_each_and_inert():
    with Server() as s:
        s.ingest("job", [ev(1, "ok"), ev(2, HOSTILE, level="error"),
                         ev(3, "ok"), ev(4, "disk full", level="error")])
        s.status("job", "completed", exitCode=0)
        rc, out, term = pty_run(
            ["--server", s.url, "-f", "job",
             "--alert", "name: ring, match: full, bell: true",
             "--alert", "name: pop, level: error, notify: true"])
        eq(rc, 0, "exit status")
        # The notifications: OSC 9 and OSC 777, each closed by ST, with
        # no control byte of the log inside.
        osc9 = []
        rest = term
        while b"\x1b]9;" in rest:
            a = rest.index(b"\x1b]9;")
            b = rest.index(b"\x1b\\", a)
            osc9.append(rest[a + 4:b])
            rest = rest[:a] + rest[b + 2:]
        osc777 = []
        while b"\x1b]777;notify;" in rest:
            a = rest.index(b"\x1b]777;notify;")
            b = rest.index(b"\x1b\\", a)
            osc777.append(rest[a + 13:b])
            rest = rest[:a] + rest[b + 2:]
        eq(len(osc9), 2, "OSC 9 notifications: %r" % term)
        eq(len(osc777), 2, "OSC 777 notifications")
        for body in osc9 + osc777:
            check(not any(c < 0x20 or c == 0x7f for c in body),
                  "control byte in a notification: %r" % body)
        check(b"logdeck: pop" in osc9[0], osc9[0])
        check(b"\\x1b]0,title\\x07" in osc9[0] or b"\\x1b" in osc9[0],
              "escapes shown escaped: %r" % osc9[0])
        # One bell, for the one line with "full"; none from the log.
        eq(rest.count(b"\x07"), 1, "bells: %r" % rest)
        check(b"\x1b]0;" not in term, "the log's own OSC reached the tty")
        check(b"\x07" not in out and b"\x1b]9" not in out,
              "bell or notification in the data on stdout")


def test_until_regex_stops_the_follow_with_status_4():
    with Server() as s:
        s.ingest("job", [ev(1, "one"), ev(2, "disk full on /var"),
                         ev(3, "after")])
        r = logdeck("--server", s.url, "-f", "--until-stopped", "job",
                    "--until", "disk (full|gone)")
        eq(r.returncode, 4, "exit status; stderr %r" % r.stderr)
        out = r.stdout.decode()
        check("disk full on /var" in out, out)
        check("after" not in out, "a line after the stop was printed")
        check(b"rule '--until' fired" in r.stderr, r.stderr)


def test_until_names_a_rule_whose_command_finishes_first():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        s.ingest("job", [ev(1, "one"), ev(2, "boom", level="error")])
        cmd = "sleep 0.3; " + RECORD
        r = run_in(tmp, "--server", s.url, "-f", "--until-stopped", "job",
                   "--alert", "name: boom, match: boom, command: %s"
                   % json.dumps(cmd), "--until", "boom")
        eq(r.returncode, 4, "exit status; stderr %r" % r.stderr)
        eq(len(records(os.path.join(tmp, "rec"))), 1,
           "the command ran to its end before the exit")


def test_run_events_fire_their_rules_with_the_run_in_the_environment():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        s.status("etl", "running")
        s.ingest("etl", [ev(1, "working")])
        p = subprocess.Popen(
            [ldtest.LOGDECK, "--server", s.url, "-f", "--until-stopped",
             "etl", "--alert", "source: 'e*', on: [started, failed], "
             "command: %s" % json.dumps(RECORD),
             "--alert", "source: other, on: failed, command: %s"
             % json.dumps(RECORD)],
            cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, REC=os.path.join(tmp, "rec")))
        try:
            rec = os.path.join(tmp, "rec")
            wait_for(lambda: len(records(rec)) == 1, what="started")
            s.status("etl", "failed", exitCode=3)
            wait_for(lambda: len(records(rec)) == 2, what="failed")
            got = records(rec)
            eq([g["LOGDECK_EVENT"] for g in got], ["started", "failed"],
               "events")
            eq(got[1]["LOGDECK_RUN"], "1", "run")
            eq(got[1]["LOGDECK_EXIT_CODE"], "3", "exit code")
        finally:
            p.terminate()
            p.wait(WAIT_S)


def test_a_command_past_its_deadline_is_stopped_and_told():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        s.ingest("job", [ev(1, "go")])
        s.status("job", "completed", exitCode=0)
        t0 = time.monotonic()
        r = run_in(tmp, "--server", s.url, "-f", "job", "--alert",
                   "match: go, timeout: 1, command: 'sleep 60'")
        eq(r.returncode, 0, "exit status")
        check(time.monotonic() - t0 < 30, "waited for the whole sleep")
        check(b"still running after 1s; stopping it" in r.stderr, r.stderr)


def test_rules_from_the_configuration_test_fields():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "config.yaml")
        with open(conf, "w") as f:
            f.write("rules:\n"
                    "  - name: big\n"
                    "    source: 'night*'\n"
                    "    field: rows>1000\n"
                    "    command: %s\n" % json.dumps(RECORD))
        os.chmod(conf, 0o600)
        s.ingest("nightly", [ev(1, "a", rows=5), ev(2, "b", rows=5000),
                             ev(3, "c", rows="2000"), ev(4, "d")])
        s.status("nightly", "completed", exitCode=0)
        r = run_in(tmp, "--config", conf, "--server", s.url, "-f", "nightly")
        eq(r.returncode, 0, "exit status; stderr %r" % r.stderr)
        # Commands run side by side: their order is not the lines'.
        eq(sorted(g["LOGDECK_MESSAGE"] for g in
                  records(os.path.join(tmp, "rec"))),
           ["b", "c"], "lines with rows > 1000")


def test_bad_rules_are_usage_errors():
    for alert, want in [("match: '('", b"--alert"),
                        ("level: loud, bell: true", b"'level' must be"),
                        ("on: exploded", b"'on' must be"),
                        ("webhook: 'file:///etc/passwd'", b"http://"),
                        ("matc: x", b"did you mean 'match'"),
                        ("on: failed, match: x", b"tests run events")]:
        r = logdeck("--server", "http://127.0.0.1:1", "-f", "x",
                    "--alert", alert)
        eq(r.returncode, 2, "exit status of %r" % alert)
        check(want in r.stderr, "%r: %r" % (alert, r.stderr))
    r = logdeck("--server", "http://127.0.0.1:1", "--until", "x", "y")
    eq(r.returncode, 2, "--until without --follow")


def test_a_source_that_goes_quiet_is_told_once_and_fires_quiet_rules():
    # The server sends keepalives every second: the transport is alive,
    # the job is not, and only lines count.
    with Server("--heartbeat", "1") as s, \
            tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "rec")
        s.status("etl", "running")
        p = subprocess.Popen(
            [ldtest.LOGDECK, "--server", s.url, "-f", "--until-stopped",
             "--heartbeat", "1", "--quiet-after", "2s", "etl",
             "--alert", "on: quiet, command: %s" % json.dumps(RECORD)],
            cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, REC=rec))
        try:
            # A line every 50 ms (by the lines' own times) for a while.
            s.ingest("etl", [ev(i, "step %d" % i,
                                ts="2024-12-07T14:00:%02d.%03dZ"
                                % (i * 50 // 1000, i * 50 % 1000))
                             for i in range(40)])
            t0 = time.monotonic()
            wait_for(lambda: len(records(rec)) == 1, timeout=WAIT_S * 2,
                     what="the quiet rule")
            check(time.monotonic() - t0 >= 1.5, "quiet before the floor")
            got = records(rec)[0]
            eq(got["LOGDECK_EVENT"], "quiet", "event")
            check(int(got["LOGDECK_QUIET_SECONDS"]) >= 2, got)
            # Keepalives go on; the silence is told once.
            time_ok = time.monotonic() + 3
            wait_for(lambda: time.monotonic() > time_ok, what="keepalives")
            eq(len(records(rec)), 1, "one firing per silence")
            # A line ends the silence; the next one is told again.
            s.ingest("etl", [ev(99, "back")])
            wait_for(lambda: len(records(rec)) == 2, timeout=WAIT_S * 2,
                     what="the second silence")
        finally:
            p.terminate()
            _, err = p.communicate(timeout=WAIT_S)
        check(err.count(b"etl: quiet ") == 2, err)
        check(b"(usually a line every 50ms)" in err, err)


if __name__ == "__main__":
    ldtest.main(globals())
