"""serverutil.py - run logdeck-server for a test and talk to it (stdlib only).

Every wait is bounded: a server that does not answer makes the test fail,
never hang.
"""
import fcntl
import http.client
import json
import os
import select
import signal
import subprocess
import tempfile
import time

from ldtest import scaled

# Deadlines for the server's start, its stop and one answer; a slower run
# (make valgrind) multiplies them (ldtest.TIME_SCALE).
START_TIMEOUT = scaled(5.0)
ANSWER_TIMEOUT = scaled(5.0)


class Server:
    """A logdeck-server on a free port; use as a context manager."""

    def __init__(self, *args, preexec_fn=None):
        binary = os.environ.get("LOGDECK_SERVER", "src/logdeck-server")
        # O_APPEND: the server shares this file's offset with stderr()'s
        # seek(0), and without it a line written between the seek and the
        # read lands over the start of the file (a torn access-log line).
        self.err = tempfile.TemporaryFile()
        fcntl.fcntl(self.err.fileno(), fcntl.F_SETFL,
                    fcntl.fcntl(self.err.fileno(), fcntl.F_GETFL)
                    | os.O_APPEND)
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE, stderr=self.err, preexec_fn=preexec_fn)
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline().decode() if ready else ""
        prefix = "listening on http://127.0.0.1:"
        if not line.startswith(prefix):
            self.stop()
            raise AssertionError("server did not start: %r %r"
                                 % (line, self.stderr()))
        self.port = int(line[len(prefix):].strip())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, sig=signal.SIGTERM, timeout=ANSWER_TIMEOUT):
        """Signal the server and return its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server ignored signal %d" % sig)
        self.proc.stdout.close()
        return self.proc.returncode

    def stderr(self):
        """Everything the server wrote to stderr so far."""
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def wait_stderr(self, text, timeout):
        """Wait until stderr contains text; True if it did in time."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.stderr():
                return True
            time.sleep(0.05)
        return text in self.stderr()

    def cpu_seconds(self):
        """User plus system CPU time the server used so far."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def conn(self, timeout=ANSWER_TIMEOUT):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None,
                timeout=ANSWER_TIMEOUT):
        """One request; returns (status, headers dict, body bytes)."""
        c = self.conn(timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, data

    def get_json(self, path, headers=None):
        status, _, data = self.request("GET", path, headers=headers)
        return status, json.loads(data) if data else None

    def post(self, path, body, headers=None):
        status, _, data = self.request("POST", path, body, headers)
        return status, json.loads(data) if data else None

    def stream(self, path, headers=None, timeout=ANSWER_TIMEOUT):
        """Open an event stream; returns an EventStream."""
        c = self.conn(timeout)
        h = {"Accept": "text/event-stream"}
        h.update(headers or {})
        c.request("GET", path, headers=h)
        return EventStream(c, c.getresponse())


class EventStream:
    """The events of one open text/event-stream answer."""

    def __init__(self, conn, resp):
        self.conn = conn
        self.resp = resp
        self.status = resp.status
        self.headers = {k.lower(): v for k, v in resp.getheaders()}

    def next(self):
        """The next event as a dict of fields, a comment as {"comment":
        text}, or None when the stream ended. Raises on timeout."""
        ev = {}
        while True:
            line = self.resp.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if ev:
                    return ev
                continue
            if line.startswith(":"):
                return {"comment": line[1:].strip()}
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "data" and "data" in ev:
                ev["data"] += "\n" + value
            else:
                ev[field] = value

    def next_event(self):
        """Like next, skipping keepalive comments."""
        while True:
            ev = self.next()
            if ev is None or "comment" not in ev:
                return ev

    def rest(self):
        """Everything up to the end of the stream, as bytes."""
        return self.resp.read()

    def close(self):
        self.conn.close()
