#!/usr/bin/env python3
"""test_systemd.py - logdeck-server.service is a valid, sandboxed unit
(checked by the real systemd-analyze), and the server tells systemd what
it does the way the unit's Type says.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile

import ldtest
from ldtest import LOGDECK_SERVER, TestFailure
from serverutil import Server

BUILDDIR = os.path.dirname(os.path.dirname(os.path.abspath(LOGDECK_SERVER)))
UNIT = os.path.join(BUILDDIR, "dist", "logdeck-server.service")

# What the unit must set to sandbox the server (the list).
SANDBOX = {
    "User": "logdeck",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "LockPersonality": "yes",
    "SystemCallFilter": "@system-service",
}


def unit_text():
    with open(UNIT) as f:
        return f.read()


def settings(text):
    """The unit's KEY=VALUE lines as a dict (the last one of a key wins)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def analyze(text, *args):
    """Run systemd-analyze ARGS on text as logdeck-server.service, its
    ExecStart pointed at the binary under test (the unit names the
    installed one); returns (exit status, everything it printed)."""
    exe = settings(text)["ExecStart"].split()[0]
    text = text.replace(exe, os.path.abspath(LOGDECK_SERVER))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "logdeck-server.service")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run(["systemd-analyze", *args, path],
                           capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def verify(text):
    """systemd-analyze verify's complaints about text ("" when none). The
    man page is not installed in the build tree: --man=no."""
    rc, out = analyze(text, "verify", "--man=no")
    return out if rc == 0 else "exit %d: %s" % (rc, out)


def test_unit_passes_systemd_analyze_verify():
    ldtest.eq(verify(unit_text()), "", "systemd-analyze verify")


def test_verify_notices_a_mistake_in_the_unit():
    """The check itself can fail: warnings count, not just the exit."""
    for bad in ("[Service]\nSandbox=yes\n", "[Service]\nType=notyfy\n"):
        if verify(unit_text() + bad) == "":
            raise TestFailure("%r went unnoticed" % bad)


def test_unit_sandboxes_the_server():
    got = settings(unit_text())
    for key, want in SANDBOX.items():
        ldtest.eq(got.get(key), want, key)
    ldtest.check(re.match(r"^\d+[KMG]$", got.get("MemoryMax", "")),
                 "MemoryMax set")
    ldtest.check(got.get("EnvironmentFile", "").endswith(
        "/default/logdeck-server"), "EnvironmentFile")
    ldtest.check("$LOGDECK_SERVER_OPTS" in got["ExecStart"], "ExecStart")
    ldtest.check("-HUP" in got.get("ExecReload", ""), "ExecReload")
    # systemd's own score: exits non-zero above 2.0 ("OK" and better).
    rc, out = analyze(unit_text(), "security", "--offline=yes",
                      "--threshold=20")
    ldtest.eq(rc, 0, "systemd-analyze security exit status:\n" + out)


def notifications(sock):
    """Every datagram waiting on sock, without blocking."""
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_server_tells_systemd_ready_reloading_and_stopping():
    """Type=notify: READY=1 once it listens, RELOADING=1 and READY=1
    around SIGHUP, STOPPING=1 at SIGTERM. Type=exec (built without
    libsystemd): nothing at all."""
    kind = settings(unit_text())["Type"]
    ldtest.check(kind in ("notify", "exec"), "Type is %r" % kind)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        auth = os.path.join(d, "clients.yaml")
        with open(auth, "w") as f:
            f.write("- {client_id: a, client_secret: b}\n")
        os.chmod(auth, 0o600)
        os.environ["NOTIFY_SOCKET"] = path
        try:
            srv = Server("--auth-file", auth)
        finally:
            del os.environ["NOTIFY_SOCKET"]
        try:
            if kind == "notify":
                sock.settimeout(ldtest.WAIT_S)
                ldtest.eq(sock.recv(4096), b"READY=1", "after listening")
                srv.proc.send_signal(signal.SIGHUP)
                ldtest.eq(sock.recv(4096), b"RELOADING=1", "at SIGHUP")
                ldtest.eq(sock.recv(4096), b"READY=1", "after the reload")
                ldtest.check(srv.wait_stderr("read %s again" % auth, 5),
                             "the reload happened")
            ldtest.eq(srv.stop(), 0, "exit status")
            sock.setblocking(False)
            want = ["STOPPING=1"] if kind == "notify" else []
            ldtest.eq(notifications(sock), want, "at SIGTERM")
        finally:
            srv.stop()
            sock.close()


if __name__ == "__main__":
    ldtest.main(globals())
