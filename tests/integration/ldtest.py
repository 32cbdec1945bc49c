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
import shlex
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

# A slower run multiplies every deadline by LDTEST_TIME_SCALE (make
# valgrind sets it: the binaries run 20-50x slower under memcheck). Tests
# scale each of their own waits with scaled(); 1 by default.
TIME_SCALE = float(os.environ.get("LDTEST_TIME_SCALE") or 1)


def scaled(seconds):
    """seconds, times the run's deadline multiplier (TIME_SCALE)."""
    return seconds * TIME_SCALE


# Upper bound for anything a test waits for; tests fail, never hang.
WAIT_S = scaled(20)


def scratch_dir(prefix):
    """A new directory for a test's files, removed when the test file's
    process exits (a failing test leaves none behind either)."""
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d


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

# make valgrind (tests/valgrind.sh) names a directory in LOGDECK_VALGRIND:
# then every logdeck and logdeck-server a test starts (through LOGDECK and
# LOGDECK_SERVER, which serverutil reads too) runs under valgrind's
# memcheck, and each process writes its report to VALGRIND_DIR/vg-PID.log.
# main() fails the test after which a finished report holds an error or a
# definite or indirect leak, and moves every finished report to checked/
# or bad/. A report without its closing summary belongs to a process still
# running, or one killed with SIGKILL, which valgrind cannot check: those
# are left for tests/valgrind.sh to count. Children of ours (sh -c for a
# rule's command, a token command) run natively: --child-silent-after-fork
# keeps the forked child's lines before its exec out of the reports.
# tests/valgrind.supp holds the suppressions (third-party noise only).
VALGRIND_DIR = os.environ.get("LOGDECK_VALGRIND")
VALGRIND_ARGS = [
    "valgrind", "--error-exitcode=97", "--leak-check=full",
    "--errors-for-leak-kinds=definite,indirect",
    "--show-leak-kinds=definite,indirect", "--track-fds=no",
    "--child-silent-after-fork=yes", "--num-callers=30",
    "--suppressions=" + os.path.join(os.path.abspath(SRCDIR), "tests",
                                     "valgrind.supp")]


def _valgrind_wrap(binary, name):
    """A script in VALGRIND_DIR/bin that runs binary under memcheck with
    the same arguments; returns its path. exec keeps the pid, so a test
    that signals the process it started signals valgrind, which passes
    the signal on."""
    bindir = os.path.join(VALGRIND_DIR, "bin")
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, name)
    args = VALGRIND_ARGS + ["--log-file=" + os.path.join(VALGRIND_DIR,
                                                         "vg-%p.log")]
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec %s -- %s \"$@\"\n" % (
            " ".join(shlex.quote(a) for a in args),
            shlex.quote(os.path.abspath(binary))))
    os.chmod(path, 0o755)
    return path


if VALGRIND_DIR:
    VALGRIND_DIR = os.path.abspath(VALGRIND_DIR)
    for _sub in ("checked", "bad"):
        os.makedirs(os.path.join(VALGRIND_DIR, _sub), exist_ok=True)
    LOGDECK = os.environ["LOGDECK"] = _valgrind_wrap(LOGDECK, "logdeck")
    LOGDECK_SERVER = os.environ["LOGDECK_SERVER"] = _valgrind_wrap(
        LOGDECK_SERVER, "logdeck-server")


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


def not_under_valgrind(why):
    """Decorator: a test that cannot hold under valgrind (it reads what
    memcheck changes, or measures time finer than memcheck keeps) is
    left out of a valgrind run, and main() says so with why."""
    def mark(fn):
        fn.not_under_valgrind = why
        return fn
    return mark


def valgrind_reports():
    """The finished valgrind reports that hold an error or a definite or
    indirect leak (their text); every finished report is moved out of
    VALGRIND_DIR (to checked/ or bad/) so each is read once."""
    out = []
    if not VALGRIND_DIR:
        return out
    for name in sorted(os.listdir(VALGRIND_DIR)):
        path = os.path.join(VALGRIND_DIR, name)
        if not (name.startswith("vg-") and name.endswith(".log")):
            continue
        with open(path, errors="replace") as f:
            text = f.read()
        summary = [l for l in text.splitlines() if "ERROR SUMMARY:" in l]
        if not summary:
            continue
        bad = not summary[-1].split("ERROR SUMMARY:")[1].strip() \
            .startswith("0 errors")
        if bad:
            out.append("%s:\n%s" % (name, text))
        os.rename(path, os.path.join(VALGRIND_DIR, "bad" if bad else "checked",
                                     name))
    return out


def main(ns, *args):
    """Run every test_* function of the calling module, each given args;
    exit 1 on failure, or when a child wrote a sanitizer report or (under
    make valgrind) a valgrind report with an error or a leak."""
    names = [n for n in ns if n.startswith("test_") and callable(ns[n])]
    only = sys.argv[1:]
    unknown = [n for n in only if n not in names]
    if unknown:
        print("no such test: " + " ".join(unknown))
        sys.exit(2)
    # LDTEST_SHARD=K/N (tests/valgrind.sh): only the K-th of every N
    # tests, so that N processes can share one file's tests.
    k, n = map(int, (os.environ.get("LDTEST_SHARD") or "1/1").split("/"))
    failed = 0
    ran = 0
    for i, name in enumerate(names):
        if (only and name not in only) or i % n != k - 1:
            continue
        why = getattr(ns[name], "not_under_valgrind", None)
        if VALGRIND_DIR and why:
            print("skip %s (under valgrind: %s)" % (name, why))
            continue
        ran += 1
        t0 = time.monotonic()
        try:
            ns[name](*args)
            reports = sanitizer_reports()
            if reports:
                raise TestFailure("a child's sanitizer report:\n" +
                                  "\n".join(reports))
            reports = valgrind_reports()
            if reports:
                raise TestFailure("a child's valgrind report:\n" +
                                  "\n".join(reports))
            print("ok   %s (%.2fs)" % (name, time.monotonic() - t0))
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
            for r in sanitizer_reports():
                print("a child's sanitizer report:\n" + r)
            for r in valgrind_reports():
                print("a child's valgrind report:\n" + r)
        sys.stdout.flush()
    # A process that ended after the last test's check (a report is
    # written as the process exits) fails the run as one more check.
    late = valgrind_reports()
    if late:
        ran += 1
        failed += 1
        print("FAIL a child's valgrind report after the last test:\n" +
              "\n".join(late))
    print("%d passed, %d failed" % (ran - failed, failed))
    sys.exit(1 if failed else 0)
