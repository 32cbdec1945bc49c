"""ldtest - shared helpers for logdeck's integration tests.

Tests start the real logdeck-server on an ephemeral loopback port and run
the real logdeck binary against it. A test file defines functions named
test_* and ends with ldtest.main(globals()).
"""
import atexit
import http.client
import json
import os
import select
import signal
import subprocess
import shutil
import sys
import tempfile
import time
import traceback

LOGDECK = os.environ.get("LOGDECK", "src/logdeck")
LOGDECK_SERVER = os.environ.get("LOGDECK_SERVER", "src/logdeck-server")
SRCDIR = os.environ.get("LOGDECK_SRCDIR", ".")

# Upper bound for anything a test waits for; tests fail, never hang.
WAIT_S = 20

# A sanitized build (./configure --enable-sanitizers) writes every
# AddressSanitizer, LeakSanitizer or UBSan report of every child to a file
# in SANITIZER_DIR (log_path) rather than to the child's stderr, which a
# test may never read: a full-screen view in a tmux pane, a server stopped
# at the end of a test. main() fails the test that left a report and
# prints it. The fatal settings (halt_on_error, exitcode) come from make
# check's environment (Makefile.am); a normal build never writes here.
SANITIZER_DIR = tempfile.mkdtemp(prefix="ldsan-")
atexit.register(shutil.rmtree, SANITIZER_DIR, True)
for _var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    os.environ[_var] = ":".join(
        o for o in (os.environ.get(_var, ""),
                    "log_path=" + os.path.join(SANITIZER_DIR, "report")) if o)


class TestFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what="value"):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


def wait_for(pred, timeout=WAIT_S, what="condition", step=0.02):
    """Poll pred() until it is true; fail after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise TestFailure("timed out waiting for " + what)


class Server:
    """A logdeck-server on 127.0.0.1:0; use as a context manager."""

    def __init__(self, *args):
        self.args = list(args)
        self.proc = None
        self.url = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen(
            [LOGDECK_SERVER, "--listen", "127.0.0.1:0"] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], WAIT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise TestFailure("server did not start: %r %r" % (
                line, self.proc.stderr.read().decode(errors="replace")))
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def request(self, method, path, body=None, headers=None):
        """One HTTP request; returns (status, parsed JSON or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_S)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        data = body if isinstance(body, (bytes, str)) or body is None \
            else json.dumps(body)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw.decode(errors="replace")

    def ingest(self, source, events, kind="automations", token=None):
        hdrs = {"Authorization": "Bearer " + token} if token else {}
        st, body = self.request("POST", "/api/%s/%s/logs" % (kind, source),
                                events, hdrs)
        check(st in (200, 201), "ingest failed: %s %r" % (st, body))
        return body

    def status(self, source, status, kind="automations", token=None, **extra):
        hdrs = {"Authorization": "Bearer " + token} if token else {}
        body = {"status": status}
        body.update(extra)
        st, resp = self.request("POST", "/api/%s/%s/status" % (kind, source),
                                body, hdrs)
        check(st in (200, 201), "status failed: %s %r" % (st, resp))


def ev(n, msg=None, level="INFO", ts=None, **extra):
    """A log event as a producer would send it."""
    e = {"timestamp": ts or "2024-12-07T14:23:%02d.123Z" % (n % 60),
         "level": level, "message": msg if msg is not None else "line %d" % n,
         "task": "data_sync"}
    e.update(extra)
    return e


def logdeck(*args, timeout=WAIT_S, env=None, input=None):
    """Run logdeck to completion; returns CompletedProcess (bytes)."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e["TZ"] = "UTC"
    e.update(env or {})
    return subprocess.run([LOGDECK] + list(args), capture_output=True,
                          timeout=timeout, env=e, input=input)


def spawn(*args, env=None):
    """Start logdeck in the background; returns Popen (bytes pipes)."""
    e = dict(os.environ)
    e["TZ"] = "UTC"
    e.update(env or {})
    return subprocess.Popen([LOGDECK] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=e)


def sanitizer_reports():
    """The sanitizer reports children wrote since the last call (their
    text), removing them so each fails one test only."""
    out = []
    try:
        names = sorted(os.listdir(SANITIZER_DIR))
    except FileNotFoundError:
        # Removed under us (a clean-up of /tmp): make it again.
        os.makedirs(SANITIZER_DIR, exist_ok=True)
        return out
    for name in names:
        path = os.path.join(SANITIZER_DIR, name)
        with open(path, errors="replace") as f:
            out.append("%s:\n%s" % (name, f.read()))
        os.unlink(path)
    return out


def main(ns, *args):
    """Run every test_* function of the calling module, each given args;
    exit 1 on failure, or when a child wrote a sanitizer report."""
    names = [n for n in ns if n.startswith("test_") and callable(ns[n])]
    only = sys.argv[1:]
    unknown = [n for n in only if n not in names]
    if unknown:
        print("no such test: " + " ".join(unknown))
        sys.exit(2)
    failed = 0
    ran = 0
    for name in names:
        if only and name not in only:
            continue
        ran += 1
        t0 = time.monotonic()
        try:
            ns[name](*args)
            reports = sanitizer_reports()
            if reports:
                raise TestFailure("a child's sanitizer report:\n" +
                                  "\n".join(reports))
            print("ok   %s (%.2fs)" % (name, time.monotonic() - t0))
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
            for r in sanitizer_reports():
                print("a child's sanitizer report:\n" + r)
        sys.stdout.flush()
    print("%d passed, %d failed" % (ran - failed, failed))
    sys.exit(1 if failed else 0)
