"""What the full-screen view watches for, with several live sources against
the real server (tmux 120x40): folded repeats (z) that stay live and
unfold for a search, quiet automations in the list and the status bar with
their quiet rule firing, rules that ring the bell, run their command and
mark their line and automation, and ERROR/WARN lines of patterns new since
the automation's last successful run (marked, counted in the list, u/U
jump to them)."""
import json
import os
import re
import tempfile

import ldtest
from ldtest import Server, check, ev, wait_for
from tuitmux import viewer

# A command that appends its LOGDECK_* variables as one JSON line to the
# file named by $REC (the operator's text, not the log's).
RECORD = ("python3 -c 'import os, json; open(os.environ[\"REC\"], \"a\")"
          ".write(json.dumps({k: v for k, v in os.environ.items() "
          "if k.startswith(\"LOGDECK_\")}) + \"\\n\")'")


def ts(sec):
    return "2024-12-07T14:%02d:%02d.000Z" % (sec // 60, sec % 60)


def records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def list_row(scr, name):
    """The list pane's row of automation name (left of the first pane)."""
    for row in scr.split("\n"):
        cells = re.split("[\u2502\u2551]", row)
        if len(cells) >= 3 and re.search(r"\b%s\b" % re.escape(name),
                                         cells[1]):
            return cells[1]
    return ""


def test_folded_repeats_live_search_unfolds():
    with Server() as s:
        for job in ("uploader", "mailer"):
            s.status(job, "running", runId=job + "-1")
        s.ingest("uploader", [
            ev(k, "retrying upload of chunk %d (attempt %d)" % (k, k % 3 + 1),
               level="WARN", ts=ts(k)) for k in range(1, 41)])
        s.ingest("mailer", [ev(k, "sent mail %d to user %d" % (k, k * 7),
                               ts=ts(k)) for k in range(1, 21)])
        with viewer(s, "uploader", "mailer", extra=("--merged",)) as t:
            t.wait(lambda x: "chunk 40" in x and "sent mail 20" in x,
                   "both sources' lines")
            t.keys("L")  # the whole width for the pane
            t.keys("z")
            scr = t.wait(lambda x: "\u00d740  14:00:01\u201314:00:40  "
                         "retrying upload of chunk <n> (attempt <n>)" in x
                         and "\u00d720  14:00:01\u201314:00:20  sent mail "
                         "<n> to user <n>" in x and "folded" in x,
                         "one fold row per source")
            check("chunk 17 " not in scr, "folded lines hidden:\n" + scr)
            # Live: the fold grows; a multi-line message folds to its
            # first line with a count of the hidden ones.
            s.ingest("uploader", [
                ev(k, "retrying upload of chunk %d (attempt 1)" % k,
                   level="WARN", ts=ts(k)) for k in range(41, 61)])
            t.wait_text("\u00d760  14:00:01\u201314:01:00  retrying")
            s.ingest("mailer", [ev(21, "Traceback (most recent call):\n"
                                   "  at send()\n  at main()",
                                   level="ERROR", ts=ts(61))])
            t.wait_text("Traceback (most recent call):  (+2 lines)")
            # A search sees every line: the pane unfolds while it is on.
            t.keys("/")
            t.type("chunk 17 ")
            t.keys("Enter")
            scr = t.wait(lambda x: "retrying upload of chunk 17 (attempt 3)"
                         in x and "fold after search" in x,
                         "the hit inside the fold, unfolded")
            t.keys("c")
            t.wait(lambda x: "\u00d760  14:00:01" in x and "chunk 17 " not
                   in x, "folded again once the search is cleared")
            t.keys("z")
            t.keys("F")  # the search left the pane paused at its hit
            t.wait(lambda x: "chunk 60 (attempt 1)" in x and
                   "\u00d760" not in x, "z unfolds")


def test_view_fold_in_the_configuration_starts_panes_folded():
    """view: fold: true folds the log panes from the start (the merged
    view too), and z still unfolds them."""
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "config.yaml")
        with open(conf, "w") as f:
            f.write("view:\n  fold: true\n")
        s.status("uploader", "running", runId="uploader-1")
        s.ingest("uploader", [
            ev(k, "retrying upload of chunk %d (attempt %d)" % (k, k % 3 + 1),
               level="WARN", ts=ts(k)) for k in range(1, 31)])
        with viewer(s, "uploader", extra=("--config", conf)) as t:
            t.wait(lambda x: "\u00d730  14:00:01\u201314:00:30  "
                   "retrying upload of chunk <n> (attempt <n>)" in x and
                   "folded" in x, "the pane folded from the start")
            t.keys("M")
            t.wait(lambda x: "merged: 1 watched" in x and "\u00d730" in x,
                   "the merged pane folded too")
            t.keys("z")
            t.wait(lambda x: "chunk 30 (attempt 1)" in x and
                   "\u00d730" not in x, "z unfolds")


def test_quiet_automation_is_flagged_and_its_rule_fires():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "rec")
        for job in ("sleepy", "chatty"):
            s.status(job, "running", runId=job + "-1")
            s.ingest(job, [ev(k, "%s line %d" % (job, k), ts=ts(k))
                           for k in range(1, 4)])
        with viewer(s, "sleepy", "chatty", env={"REC": rec},
                    extra=("--quiet-after", "2s", "--alert",
                           "source: sleepy, on: quiet, command: " +
                           json.dumps(RECORD))) as t:
            t.wait_text("sleepy line 3")
            scr = t.wait(lambda x: re.search(r"quiet \d+s",
                                             list_row(x, "sleepy")),
                         "sleepy quiet in the list")
            # The pane shows sleepy: the status bar says it too.
            t.wait(lambda x: re.search(r"quiet \d+s: sleepy", x),
                   "quiet in the status bar")
            wait_for(lambda: any(r.get("LOGDECK_EVENT") == "quiet" and
                                 r.get("LOGDECK_SOURCE") == "sleepy"
                                 for r in records(rec)),
                     what="the quiet rule's command")
            check(all(r["LOGDECK_SOURCE"] == "sleepy" for r in
                      records(rec)), "only sleepy's rule fired: %r" %
                  records(rec))
            # A line ends the silence.
            s.ingest("sleepy", [ev(4, "sleepy line 4", ts=ts(4))])
            t.wait(lambda x: "sleepy line 4" in x and
                   not re.search(r"quiet", list_row(x, "sleepy")),
                   "no longer quiet")


def test_rules_fire_in_the_view_and_mark_line_and_automation():
    with Server() as s, tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "rec")
        bell = os.path.join(tmp, "bell")
        for job in ("alpha", "beta"):
            s.status(job, "running", runId=job + "-1")
            s.ingest(job, [ev(1, "%s starting" % job, ts=ts(1))])
        hostile = "disk full; touch pwn $(touch pwn2) \x1b]0;x\x07"
        with viewer(s, "alpha", "beta", env={"REC": rec},
                    extra=("--alert", "match: disk full, bell: true, "
                           "command: " + json.dumps(RECORD))) as t:
            t._tmux("set-option", "-g", "monitor-bell", "on")
            t._tmux("set-option", "-g", "bell-action", "any")
            t._tmux("set-hook", "-g", "alert-bell",
                    "run-shell 'touch %s'" % bell)
            t.wait(lambda x: "alpha starting" in x, "alpha's pane")
            s.ingest("beta", [ev(2, hostile, level="ERROR", ts=ts(2)),
                              ev(3, "beta goes on", ts=ts(3))])
            wait_for(lambda: len(records(rec)) == 1,
                     what="the rule's command")
            r = records(rec)[0]
            check(r["LOGDECK_SOURCE"] == "beta" and
                  r["LOGDECK_MESSAGE"] == hostile,
                  "the event reached the command as data: %r" % r)
            check(not os.path.exists(os.path.join(tmp, "pwn")),
                  "log text ran as a command")
            wait_for(lambda: os.path.exists(bell), what="the bell")
            # beta is not on screen: its list row counts the firing.
            t.wait(lambda x: "!1" in list_row(x, "beta"),
                   "the firing counted on beta's row")
            t.keys("Tab")  # the list
            t.keys("j")    # beta, shown in the pane
            scr = t.wait(lambda x: "beta goes on" in x and
                         re.search(r"ERROR!disk full", x),
                         "the fired line's gutter sign")
            t.wait(lambda x: "!1" not in list_row(x, "beta"),
                   "seen once shown")


def test_new_error_patterns_are_marked_counted_and_jumped_to():
    with Server() as s:
        # etl run 1 completed (exit 0): its ERROR and WARN patterns are
        # the baseline of run 2.
        s.status("etl", "running", runId="etl-1")
        s.ingest("etl", [
            ev(1, "timeout talking to db 1 after 30 tries", level="ERROR",
               ts=ts(1)),
            ev(2, "slow query took 331 ms", level="WARN", ts=ts(2)),
            ev(3, "run one done", ts=ts(3))])
        s.status("etl", "completed", exitCode=0)
        s.status("etl", "running", runId="etl-2")
        s.ingest("etl", [
            ev(4, "timeout talking to db 2 after 12 tries", level="ERROR",
               ts=ts(4)),
            ev(5, "disk full on volume 7", level="ERROR", ts=ts(5)),
            ev(6, "slow query took 12 ms", level="WARN", ts=ts(6)),
            ev(7, "retry budget exhausted", level="WARN", ts=ts(7)),
            ev(8, "disk full on volume 9", level="ERROR", ts=ts(8))])
        # api has no successful run: nothing to compare with, no mark.
        s.status("api", "running", runId="api-1")
        s.ingest("api", [ev(1, "api failed to bind", level="ERROR",
                            ts=ts(1))])
        with viewer(s, "etl", "api") as t:
            scr = t.wait(lambda x: "new 2" in list_row(x, "etl") and
                         "E1" in list_row(x, "api"),
                         "new patterns counted per automation")
            check("new" not in list_row(scr, "api"),
                  "no baseline, nothing new:\n" + scr)
            scr = t.wait(lambda x: "ERROR*disk full on volume 7" in x and
                         "WARN *retry budget exhausted" in x and
                         "ERROR*disk full on volume 9" in x,
                         "new lines marked")
            check("ERROR*timeout" not in scr and "WARN *slow" not in scr
                  and "ERROR timeout talking to db 2" in scr,
                  "seen patterns are not marked:\n" + scr)
            # Live: a new pattern arriving now is judged too.
            s.ingest("etl", [ev(9, "checksum mismatch in part 3",
                                level="ERROR", ts=ts(9))])
            t.wait(lambda x: "ERROR*checksum mismatch" in x and
                   "new 3" in list_row(x, "etl"), "a live new pattern")
            # u from the top: the first new line; Enter shows its event.
            t.keys("g")
            t.keys("u")
            t.keys("Enter")
            t.wait(lambda x: "disk full on volume 7" in x and
                   "\"id\": 5" in x.replace("\"id\":5", "\"id\": 5"),
                   "the detail of the first new line")
            t.keys("Escape")
            t.keys("u")
            t.keys("Enter")
            t.wait(lambda x: "\"id\": 7" in x.replace("\"id\":7",
                                                      "\"id\": 7"),
                   "the second new line")
            t.keys("Escape")
            t.keys("U")
            t.keys("Enter")
            t.wait(lambda x: "\"id\": 5" in x.replace("\"id\":5",
                                                      "\"id\": 5"),
                   "U goes back")


if __name__ == "__main__":
    ldtest.main(globals())
