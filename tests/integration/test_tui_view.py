"""The full-screen view in tmux (120x40) against the real server: what
the operator sees of automations, streams and hostile text."""
import os
import re
import signal
import subprocess
import tempfile
import unicodedata

import ldtest
from ldtest import Server, check, ev
from chaosproxy import ChaosProxy
from tuitmux import Tmux, log_rows, viewer

# Red text, or a red background when the row is selected (any theme's
# reds: the 8 basic and bright ones, and the 256-colour cube's).
RED = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:31|91|41|101|"
                 r"[34]8;5;(?:1|9|52|88|124|160|196))[;m]")


def columns(text):
    """Terminal columns of text: wide characters 2, combining marks 0."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def test_watched_automations_show_their_status_glyphs():
    with Server() as s:
        for name, st in (("alpha", "running"), ("beta", "completed"),
                         ("gamma", "failed"), ("delta", "queued")):
            s.ingest(name, [ev(1, "hello from " + name)])
            s.status(name, st, **({"exitCode": 3} if st == "failed" else {}))
        with viewer(s, "alpha", "beta", "gamma") as t:
            scr = t.wait(lambda x: "\u25b6 \u25c9 alpha" in x and
                         "\u2713 \u25c9 beta" in x and
                         "\u2717 \u25c9 gamma" in x and
                         "\u25cb   delta" in x, "four glyphs")
            rows = scr.split("\n")
            names = [r for r in rows if re.search(
                "alpha|beta|gamma|delta", r.split("\u2502")[1]
                if "\u2502" in r else "")]
            # Running first, then queued, then failed, then the rest.
            # Read the list's column only: the pane beside it shows
            # the watched lines (and run markers) on the same rows.
            order = [n for r in names for n in ("alpha", "delta", "gamma",
                                                 "beta")
                     if n in r.split("\u2502")[1]]
            check(order[:4] == ["alpha", "delta", "gamma", "beta"],
                  "list order %r" % order)


def test_all_watches_every_running_automation_at_start():
    with Server() as s:
        s.ingest("alpha", [ev(1, "hello from alpha")])
        s.ingest("beta", [ev(1, "hello from beta")])
        s.status("beta", "completed")
        with viewer(s, extra=["--all", "--merged"]) as t:
            scr = t.wait(lambda x: "hello from alpha" in x and
                         "\u25b6 \u25c9 alpha" in x, "alpha watched")
            check("hello from beta" not in scr, "a finished one was watched")


def test_demo_shows_simulated_automations_merged():
    # What ./quickstart demo runs: simulated automations, all watched.
    with Server("--simulate", "6", "--rate", "20", "--seed", "7") as s:
        with viewer(s, extra=["--all", "--merged"]) as t:
            scr = t.wait(lambda x: len(log_rows(x)) >= 10 and
                         "merged" in x, "lines of several automations")
            tags = set()
            for row in log_rows(scr):
                tags.add(row[13:].split()[1])
            check(len(tags) >= 2, "one source only: %r" % tags)


def test_failing_automation_is_impossible_to_miss():
    with Server() as s:
        s.ingest("etl", [ev(1, "working")])
        s.status("etl", "running")
        with viewer(s, "etl") as t:
            t.wait_text("working")
            s.ingest("etl", [ev(2, "boom", level="ERROR")])
            s.status("etl", "failed", exitCode=2)
            t.wait_text("FAILED: etl")
            t.wait_text("failed (exit 2)")
            colored = t.screen(colors=True)
            row = [r for r in colored if "\u2717" in r and "etl" in r]
            check(row, "no failed row:\n" + "\n".join(colored))
            check(RED.search(row[0]), "failed row is not red: %r" % row[0])


def test_merged_view_tags_lines_with_their_source():
    with Server() as s:
        s.ingest("web", [ev(1, "from web one")])
        s.ingest("db", [ev(2, "from db two")])
        with viewer(s, "web", "db") as t:
            t.wait_text("from web one")
            t.keys("M")
            scr = t.wait(lambda x: "from db two" in x and "from web one"
                         in x, "both sources merged")
            check("merged: 2 watched" in scr, scr)
            rows = log_rows(scr)
            check(any(re.search(r"INFO\s+web\s+from web one", r)
                      for r in rows), "web tag: %r" % rows)
            check(any(re.search(r"INFO\s+db\s+from db two", r)
                      for r in rows), "db tag: %r" % rows)
            t.keys("M")
            t.wait_gone("from db two")


def test_pass_statistics_go_to_their_file_at_exit_not_the_screen():
    """LOGDECK_PASS_STATS: at exit the view writes what its loop passes
    cost (frames, the longest passes, key-to-frame) to that file only."""
    with Server() as s, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "passes.txt")
        s.ingest("web", [ev(i, "pass line %d" % i) for i in range(200)])
        with viewer(s, "web", env={"LOGDECK_PASS_STATS": path}) as t:
            t.wait_text("pass line 199")
            for _ in range(3):
                t.keys("L")
                t.wait(lambda x: True, "a frame")
            scr = t.text()
            check("passes" not in scr and "fps" not in scr, scr)
            t.keys("q")
            ldtest.wait_for(lambda: t.dead(), what="the view to quit")
            ldtest.wait_for(lambda: os.path.exists(path) and
                            "longest" in open(path).read(),
                            what="the summary")
        stats = {}
        longest = []
        for line in open(path):
            w = line.split()
            if w and w[0] == "pass":
                longest.append(w)
            elif len(w) == 2:
                stats[w[0]] = float(w[1])
        check(stats.get("passes", 0) > 0 and stats.get("draws", 0) > 0,
              stats)
        check(stats.get("lines", 0) >= 200, stats)  # and markers
        check(stats.get("keys", 0) >= 1 and "fps" in stats, stats)
        check(0 < len(longest) <= 16, longest)
        # Longest first; each row's busy time is its columns' sum.
        busy = [float(w[2]) for w in longest]
        check(busy == sorted(busy, reverse=True), busy)


def test_stream_states_show_reconnects_and_errors():
    with Server("--retry-ms", "2500") as s:
        s.ingest("flaky", [ev(i, "flaky %d %s" % (i, "x" * 60))
                           for i in range(40)])
        # Connection 0 is the start-up look-up; 1 and 2 are the stream and
        # the automation list (in either order). A cut after 1500 bytes
        # leaves the short list answer whole and breaks the stream.
        with ChaosProxy(s.port, [{}, {"cut": 1500}, {"cut": 1500}]) as px:
            with viewer(px, "flaky") as t:
                t.wait(lambda x: re.search(
                    r"flaky: reconnecting #1 in [1-3]s", x), "countdown")
                t.wait(lambda x: "flaky: live" in x and "flaky 39" in x,
                       "live again with every line")


def test_lines_lost_to_retention_show_as_a_gap_line():
    with Server("--ring", "10", "--retry-ms", "50") as s:
        s.ingest("gap", [ev(i, "m%d" % i) for i in range(3)])
        # The stream (connection 1 or 2; the short list answer is not
        # hurt) stalls after 500 bytes while the server's ring moves on.
        with ChaosProxy(s.port, [{}, {"stall": 500}, {"stall": 500}]) as px:
            with viewer(px, "gap", extra=("--heartbeat", "1")) as t:
                t.wait_text("m2")
                s.ingest("gap", [ev(i, "m%d" % i) for i in range(3, 40)])
                t.wait_text("were lost: the server no longer holds")
                t.wait_text("m39")
                check("m20" not in t.text(), "a line the ring dropped")
                # The gap keeps its time and stays under any level floor.
                t.keys("5")
                scr = t.wait(lambda x: "m39" not in x and
                             "level>=ERROR" in x, "floor ERROR")
                gap = [r for r in scr.split("\n") if "were lost" in r]
                check(gap and not re.search(r"--:--:--", gap[0]),
                      "the gap line, with its time:\n" + scr)


def test_refused_token_is_the_last_error():
    # The three lists (automations, pipelines, artifacts) are fetched at
    # once and all are refused; which refusal lands last depends on the
    # order their sockets become ready, so any of them may be the one
    # shown.
    with Server("--token", "right") as s:
        with viewer(s, env={"LOGDECK_TOKEN": "wrong"}) as t:
            t.wait(lambda scr: any(
                "list of %s: unauthorized HTTP 401" % k in scr
                for k in ("automations", "pipelines", "artifacts")),
                "a list's 401 on the status line")


def test_keys_are_answered_while_a_slow_token_command_renews():
    """The list's token is refused; token_command takes 5 s to renew it
    and the view answers keys meanwhile, its stderr off the screen."""
    token = "right-T0ken"
    with Server("--token", token) as s, \
            tempfile.TemporaryDirectory() as d:
        s.ingest("alpha-job", [ev(1, "a")], token=token)
        script = os.path.join(d, "token.sh")
        with open(script, "w") as f:
            f.write('if [ -f "{d}/once" ]; then touch "{d}/renewing"; '
                    'echo "renewal noise on stderr" >&2; sleep 5; '
                    'touch "{d}/renewed"; echo {t}; '
                    'else touch "{d}/once"; echo wrong-token; fi\n'
                    .format(d=d, t=token))
        cfg = os.path.join(d, "config.yaml")
        with open(cfg, "w") as f:
            f.write("profile: p\nprofiles:\n  p:\n    server: %s\n"
                    "    token_command: sh %s\n" % (s.url, script))
        os.chmod(cfg, 0o600)
        with Tmux([ldtest.LOGDECK, "--config", cfg, "--utc"]) as t:
            ldtest.wait_for(
                lambda: os.path.exists(os.path.join(d, "renewing")),
                what="the renewal to start")
            t.keys("F1")
            scr = t.wait_text("keys (Esc closes")
            check(not os.path.exists(os.path.join(d, "renewed")),
                  "help came only after the renewal")
            t.keys("Escape")
            t.wait_gone("keys (Esc closes")
            check(not os.path.exists(os.path.join(d, "renewed")),
                  "Esc was answered only after the renewal")
            scr = t.wait_text("alpha-job")
            check("renewal noise" not in scr + t.text(),
                  "the command's stderr reached the screen:\n" + scr)


def test_an_automation_list_past_its_limit_is_named_not_read():
    # SRCLIST_MAX_BODY is 16 MiB; the first list answer is larger.
    size = 16 * 1024 * 1024 + 16
    big = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n[" % size
           + b" " * (size - 2) + b"]")
    with Server() as s:
        with ChaosProxy(s.port, [{"canned": big}]) as px:
            with viewer(px) as t:
                t.wait_text("the list is larger than 16777216 bytes")


def test_detail_view_shows_the_whole_event():
    with Server() as s:
        s.ingest("job", [ev(1, "short"), ev(2, "the one to inspect",
                                            level="WARN", user="ada",
                                            rows=42)])
        with viewer(s, "job") as t:
            t.wait_text("the one to inspect")
            t.keys("Space", "Enter")
            scr = t.wait_text("event (Esc closes")
            check(re.search(r'"user":\s+"ada"', scr), scr)
            check("short" not in scr, "the log shows through:\n" + scr)
            check('"rows":' in scr and "42" in scr, scr)
            check("level:   WARN" in scr, scr)
            t.keys("Escape")
            t.wait_gone("event (Esc closes")
            t.wait_text("PAUSED")


def test_detail_view_says_when_an_event_was_cut():
    with Server() as s:
        s.ingest("big", [ev(1, "huge " + "y" * 3000)])
        with viewer(s, "big", extra=("--max-event", "1024")) as t:
            # Cut, it keeps its time, level and the start of its message.
            t.wait_text("14:23:01.123 INFO  huge yyy")
            t.keys("Space", "Enter")
            t.wait_text("longer than the size cap (--max-event) and was cut")


def test_escape_sequences_in_messages_are_rendered_harmlessly():
    evil = ("A\x1b[2J\x1b]0;pwned\x07B\x1b[31mred\x9b1mC\u202eD\x00E"
            "\ud83d\ude00wide\u0301")
    with Server() as s:
        s.ingest("evil", [ev(1, "safe before"), ev(2, evil)])
        with viewer(s, "evil") as t:
            scr = t.wait_text("safe before")
            t.keys("L")  # hide the list: the whole line fits
            scr = t.wait(lambda x: "pwned" in x and "automations" not in x,
                         "the evil line")
            check("\\x1b[2J" in scr or "\\e[2J" in scr, scr)
            check("safe before" in scr, "screen was cleared:\n" + scr)
            check(t.title() != "pwned", "title changed: %r" % t.title())
            check("\\u202e" in scr, "bidi override not escaped:\n" + scr)
            line = [r for r in log_rows(scr) if "pwned" in r][0]
            check("E" in line and "wide" in line, line)
            # The frame on the right still lines up (wide emoji counted).
            rows = [r for r in scr.split("\n") if "pwned" in r]
            check(rows[0].rstrip().endswith("\u2551"),
                  "row overflowed its pane: %r" % rows[0])
            check(columns(rows[0].rstrip()) == 120,
                  "row misaligned: %d %r" % (columns(rows[0]), rows[0]))


def test_resize_relayouts_and_tiny_terminal_says_so():
    with Server() as s:
        s.ingest("r", [ev(i, "resize line %d" % i) for i in range(5)])
        with viewer(s, "r") as t:
            t.wait_text("resize line 4")
            t.resize(80, 20)
            # tmux keeps the old bottom rows on a shrink: wait for the
            # frame drawn at the new width, not just a status bar.
            scr = t.wait(lambda x: x.split("\n")[0].endswith("\u2557") and
                         len(x.split("\n")[0]) == 80 and
                         "FOLLOW" in x.split("\n")[18], "80x20 layout")
            check("resize line 4" in scr, scr)
            t.resize(30, 6)
            t.wait_text("terminal too small")
            t.resize(120, 40)
            t.wait(lambda x: "FOLLOW" in x.split("\n")[38] and
                   len(x.split("\n")[0]) == 120, "back to 120x40")


def test_quit_restores_the_terminal():
    with Server() as s:
        s.ingest("q", [ev(1, "quit me")])
        cmd = ("printf 'before-viewer\\n'; %s --server %s q; "
               "echo \"exit=$?\"; stty -a | tr ' ' '\\n' | grep -x "
               "-e icanon -e echo -e -icanon -e -echo; echo stty-done; "
               "sleep 30" % (ldtest.LOGDECK, s.url))
        with Tmux(cmd, shell=True) as t:
            t.wait_text("quit me")
            t.keys("q")
            scr = t.wait_text("stty-done")
            check("exit=0" in scr, scr)
            check("before-viewer" in scr, scr)
            check("quit me" not in scr, "viewer left on screen:\n" + scr)
            check("\nicanon" in scr and "\necho" in scr, scr)
            check("-icanon" not in scr and "-echo" not in scr, scr)


def run_in_shell(server, source):
    """The viewer run from a shell that reports its exit and tty mode."""
    cmd = ("%s --server %s %s; echo \"exit=$?\"; stty -a | tr ' ' '\\n' "
           "| grep -x -e icanon -e -icanon; echo stty-done; sleep 30" %
           (ldtest.LOGDECK, server.url, source))
    return Tmux(cmd, shell=True)


def test_ctrl_c_quits_cleanly():
    with Server() as s:
        s.ingest("c", [ev(1, "interrupt me")])
        with run_in_shell(s, "c") as t:
            t.wait_text("interrupt me")
            t.keys("C-c")
            scr = t.wait_text("stty-done")
            check("exit=0" in scr and "\nicanon" in scr, scr)


def signal_viewer_in_shell(sig, source, text):
    """Run the viewer under a shell, send it sig, return the shell's
    report (exit status and stty) once the viewer is gone."""
    with Server() as s:
        s.ingest(source, [ev(1, text)])
        with run_in_shell(s, source) as t:
            t.wait_text(text)
            pid = t._tmux("display-message", "-p", "-t", "t",
                          "#{pane_pid}").strip()
            out = subprocess.run(["pgrep", "-P", pid], capture_output=True)
            kids = out.stdout.split()
            check(kids, "no viewer process under the shell")
            os.kill(int(kids[-1]), sig)
            return t.wait_text("stty-done")


def test_sigterm_restores_the_terminal():
    scr = signal_viewer_in_shell(signal.SIGTERM, "term", "terminate me")
    check("exit=143" in scr and "\nicanon" in scr, scr)
    check("terminate me" not in scr, scr)


def test_fatal_signal_restores_the_terminal():
    scr = signal_viewer_in_shell(signal.SIGSEGV, "segv", "crash me")
    check("exit=139" in scr and "\nicanon" in scr, scr)
    check("crash me" not in scr, scr)


ldtest.main(globals())
