"""tuitmux - drive the real logdeck full-screen view inside tmux.

A Tmux runs one command in a detached session of its own server (private
socket, no user config) at a fixed size, sends keys with send-keys and
reads the screen with capture-pane (-e keeps colours). Every wait is
bounded by ldtest.WAIT_S.
"""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

import ldtest
from ldtest import TestFailure

TMUX = os.environ.get("TMUX_BIN", "tmux")
COLS, ROWS = 120, 40
# Longest wait for a screen to settle once a wait's condition holds.
SETTLE_S = 0.5


class Tmux:
    """One command in a private tmux server; use as a context manager."""

    def __init__(self, argv, env=None, cols=COLS, rows=ROWS, shell=False):
        self.dir = tempfile.mkdtemp(prefix="ldtui-")
        self.sock = os.path.join(self.dir, "sock")
        e = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC",
             "TERM": "tmux-256color"}
        e.update(env or {})
        envs = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in e.items())
        if shell:
            cmd = "env %s sh -c %s" % (envs, shlex.quote(argv))
        else:
            cmd = "env %s %s" % (envs, " ".join(shlex.quote(a) for a in argv))
        self.env = dict(os.environ)
        self.env.pop("TMUX", None)
        self.env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        # One command list: the options hold before the command starts,
        # so a command that exits at once still leaves its pane to read.
        self._tmux("-f", "/dev/null", "start-server", ";",
                   "set-option", "-g", "remain-on-exit", "on", ";",
                   "set-option", "-g", "default-terminal", "tmux-256color",
                   ";", "new-session", "-d", "-s", "t",
                   "-x", str(cols), "-y", str(rows), cmd)

    def _tmux(self, *args):
        r = subprocess.run([TMUX, "-u", "-S", self.sock] + list(args),
                           capture_output=True, env=self.env,
                           timeout=ldtest.WAIT_S)
        if r.returncode != 0:
            raise TestFailure("tmux %s: %s" % (args[0], r.stderr.decode()))
        return r.stdout.decode("utf-8", errors="replace")

    def keys(self, *keys):
        """send-keys with tmux key names ("Enter", "C-c", "Space")."""
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        """Type text literally."""
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self, colors=False):
        """The visible screen as a list of lines."""
        args = ["capture-pane", "-p", "-t", "t"]
        if colors:
            args.append("-e")
        return self._tmux(*args).split("\n")[:ROWS * 2]

    def text(self):
        return "\n".join(self.screen())

    def wait(self, pred, what, timeout=ldtest.WAIT_S):
        """Wait until pred(screen text) holds on a settled screen; fail
        with the screen. A capture can catch a redraw half done (an
        overlay's title before its rows), so once pred holds the screen
        is read again until two reads agree (at most SETTLE_S: live
        panes never stop changing), and pred must still hold."""
        end = time.monotonic() + timeout
        last = ""
        while time.monotonic() < end:
            last = self.text()
            if pred(last):
                settle = min(end, time.monotonic() + SETTLE_S)
                while True:
                    time.sleep(0.03)
                    again = self.text()
                    if again == last or time.monotonic() >= settle:
                        if pred(again):
                            return again
                        break
                    last = again
                continue
            time.sleep(0.05)
        raise TestFailure("timed out waiting for %s; screen:\n%s" %
                          (what, last))

    def wait_text(self, needle, timeout=ldtest.WAIT_S):
        return self.wait(lambda s: needle in s, repr(needle), timeout)

    def wait_gone(self, needle, timeout=ldtest.WAIT_S):
        return self.wait(lambda s: needle not in s, "no " + repr(needle),
                         timeout)

    def resize(self, cols, rows):
        self._tmux("resize-window", "-t", "t", "-x", str(cols),
                   "-y", str(rows))

    def dead(self):
        return self._tmux("display-message", "-p", "-t", "t",
                          "#{pane_dead}").strip() == "1"

    def title(self):
        return self._tmux("display-message", "-p", "-t", "t",
                          "#{pane_title}").strip()

    def close(self):
        """Kill the tmux server (the pane's command gets SIGHUP) and wait
        until that command has ended, so what it does on its way out (a
        sanitizer's leak report) belongs to this test."""
        try:
            try:
                pid = int(self._tmux("display-message", "-p", "-t", "t",
                                     "#{pane_pid}"))
            except (TestFailure, ValueError):
                pid = None
            subprocess.run([TMUX, "-S", self.sock, "kill-server"],
                           capture_output=True, env=self.env, timeout=10)
            if pid is not None:
                ldtest.wait_for(lambda: not _running(pid),
                                what="the command in tmux to end")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _running(pid):
    """Whether process pid still runs (a zombie has ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def viewer(server, *sources, env=None, extra=()):
    """logdeck's full-screen view of sources on server, in tmux."""
    return Tmux([ldtest.LOGDECK, "--server", server.url, "--utc"] +
                list(extra) + list(sources), env=env)


def log_rows(screen_text):
    """The rows of the screen that hold log lines (time stamp first), not
    the markers the viewer inserts (run boundaries, gaps: "── ...")."""
    out = []
    for row in screen_text.split("\n"):
        for c in re.split("[\u2502\u2551]", row):
            c = c.strip()
            if len(c) > 12 and c[2] == ":" and c[5] == ":" and \
                    c[8] == "." and "\u2500\u2500 " not in c:
                out.append(c)
    return out
