"""Marks, going to a time, context and the timeline in the full-screen
view (tmux 120x40, the real server on loopback, several live sources at
once): m marks lines that stay marked through filters and into saves,
] [ and the marks list go to them, evicted lines lose their marks; T
goes to a time (14:02, -5m, an ISO time, run start, run end) and says
what is wrong with a bad one; C shows a filtered line among all lines and
goes back; the header's timeline counts lines, ERROR and WARN per
minute, live."""
import json
import os
import re
import time

from ldtest import Server, check, eq, ev
from tuitmux import viewer
import ldtest

MARK = "\u25c6"      # the gutter glyph of a marked line
CONTEXT = "\u25b6"   # the gutter glyph of the line context opened on


def iso(ms):
    """Unix ms as an ISO 8601 UTC timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03dZ" % (ms % 1000)


def settled(t, pred, what):
    """Wait for pred on the same screen twice in a row: a screen caught
    halfway through its drawing does not count."""
    last = [None]

    def ok(x):
        same = pred(x) and x == last[0]
        last[0] = x
        return same
    return t.wait(ok, what)


def current(t):
    """The message of the reader's line, read from the detail view."""
    t.keys("Enter")
    scr = settled(t, lambda x: "message:" in x, "the detail view")
    rows = scr.split("\n")
    at = [i for i, r in enumerate(rows) if "message:" in r][0]
    msg = rows[at + 1].strip().strip("\u2551\u2502").strip()
    t.keys("Escape")
    t.wait_gone("event (Esc closes")
    return msg


def row_of(scr, text):
    rows = [r for r in scr.split("\n") if text in r]
    check(rows, "no row with %r:\n%s" % (text, scr))
    return rows[0]


def search(t, text):
    t.keys("/")
    t.type(text)
    t.keys("Enter")


def two_sources(s):
    """alpha and beta, 40 lines each a second apart, interleaved."""
    s.ingest("alpha", [ev(i, "alpha %02d" % i,
                          ts="2024-12-07T10:00:%02d.100Z" % i)
                       for i in range(40)])
    s.ingest("beta", [ev(i, "beta %02d" % i,
                         ts="2024-12-07T10:00:%02d.200Z" % i)
                      for i in range(40)])


def test_marks_stay_through_filters_and_go_to_saves():
    with Server() as s:
        two_sources(s)
        with viewer(s, "alpha", "beta") as t:
            t.wait_text("alpha 39")
            t.keys("M")  # merged: both live sources in one pane
            t.wait(lambda x: "beta 39" in x and "alpha 39" in x, "merged")
            t.keys("Space")
            search(t, "alpha 17")
            t.keys("m")
            t.wait_text("marked (1 marks)")
            search(t, "beta 05")
            t.keys("m")
            scr = t.wait_text("marked (2 marks)")
            check(MARK in row_of(scr, "alpha 17"), row_of(scr, "alpha 17"))
            check(MARK in row_of(scr, "beta 05"), row_of(scr, "beta 05"))
            check("| 2 marks" in scr, scr)
            # Lines keep coming on both streams.
            s.ingest("alpha", [ev(1, "alpha live", ts="2024-12-07T10:01:"
                                  "00.000Z")])
            s.ingest("beta", [ev(1, "beta live", ts="2024-12-07T10:01:"
                                 "00.500Z")])
            t.wait_text("+2 new")
            # Hidden by a filter, then shown again: still marked.
            t.keys("!")
            t.type("alpha 1")
            t.keys("Enter")
            scr = t.wait(lambda x: "alpha 17" not in x and "| 1 mark" in x,
                         "the marked line filtered out")
            t.keys("c")
            t.keys("g")
            search(t, "alpha 17")
            scr = t.wait(lambda x: "| 2 marks" in x and "alpha 17" in x,
                         "shown again")
            check(MARK in row_of(scr, "alpha 17"), row_of(scr, "alpha 17"))
            # ] and [ go from mark to mark in the pane's (time) order.
            t.keys("g", "]")
            eq(current(t), "beta 05", "first mark")
            t.keys("]")
            eq(current(t), "alpha 17", "next mark")
            t.keys("]")
            t.wait_text("marks wrapped around to the first")
            eq(current(t), "beta 05", "wrapped")
            t.keys("[")
            t.wait_text("marks wrapped around to the last")
            eq(current(t), "alpha 17", "wrapped back")
            # The list of marks: both, Enter goes to the one chosen.
            t.keys("G", "'")
            scr = t.wait_text("marks: 2 (Enter")
            box = [r for r in scr.split("\n") if "alpha 17" in r or
                   "beta 05" in r]
            check(len(box) >= 2, scr)
            t.keys("g", "Enter")
            t.wait_gone("marks: 2 (Enter")
            eq(current(t), "alpha 17", "the first mark stored")
            # Saved views carry the marks.
            d = ldtest.scratch_dir("ldmarks-")
            jpath = os.path.join(d, "view.jsonl")
            t.keys("S", "C-u")
            t.type(jpath)
            t.keys("Enter")
            t.wait_text("(JSON lines) to")
            with open(jpath) as f:
                lines = [json.loads(x) for x in f]
            eq(sorted(x["message"] for x in lines if x.get("marked")),
               ["alpha 17", "beta 05"], "marked in JSON")
            eq(len(lines), 82, "every line of the view")
            tpath = os.path.join(d, "view.log")
            t.keys("S", "C-u")
            t.type(tpath)
            t.keys("Enter")
            t.wait_text("(text) to " + tpath)
            with open(tpath) as f:
                text = f.read().splitlines()
            marked = [x for x in text if x.startswith("* ")]
            eq(len(marked), 2, "marked text lines:\n" + "\n".join(text))
            check(marked[0].endswith("beta 05") and
                  marked[1].endswith("alpha 17"), marked)
            check(all(x.startswith("  ") for x in text
                      if not x.startswith("* ")), text[:3])
            # m on a marked line unmarks it.
            t.keys("m")
            t.wait_text("unmarked (1 marks)")


def test_marks_of_evicted_lines_go():
    with Server() as s:
        big = "x" * 400
        s.ingest("cap", [ev(i, "first %d %s" % (i, big)) for i in range(50)])
        with viewer(s, "cap", extra=("--scrollback", "1")) as t:
            t.wait_text("first 49")
            t.keys("g", "m")
            t.wait_text("marked (1 marks)")
            t.keys("F")
            for k in range(8):
                s.ingest("cap", [ev(i, "%d-%d %s" % (k, i, big))
                                 for i in range(500)])
            t.wait_text("7-499")
            t.wait(lambda x: re.search(r"[0-9,]+ evicted", x), "evictions")
            t.keys("'")
            t.wait_text("marks: 0 (Enter")
            t.wait_text("no marks: m marks a line")


def goto(t, text):
    t.keys("T")
    t.wait_text("go to time (")
    t._tmux("send-keys", "-t", "t", "-l", "--", text)  # "-5m" is no flag
    t.keys("Enter")


def goto_seen(t, text, want):
    """Go to time text and wait until the message row says want anew:
    after an earlier go-to the row may still say the same words (with
    another time), and a wait for the words alone returns before the
    view has moved."""
    before = status_row(t.text())
    goto(t, text)
    t.wait(lambda x: want in status_row(x) and status_row(x) != before,
           "%r after going to %s" % (want, text))


def ago(at_ms):
    """A relative time ("-4m22s") that names at_ms now: the test's lines
    are stamped from its start, and a fixed "-5m" would land elsewhere
    once the test has run a while on a slow machine."""
    sec = max(1, round((time.time() * 1000 - at_ms) / 1000))
    return "-%dm%ds" % divmod(sec, 60) if sec >= 60 else "-%ds" % sec


def now_iso():
    return iso(int(time.time() * 1000))


def status_row(scr):
    return scr.split("\n")[39]


def test_go_to_a_time_in_one_pane_and_merged():
    with Server() as s:
        t0 = int(time.time() * 1000)
        # web every minute at :30 before t0, db at :45; newest last.
        web = [t0 - k * 60000 - 30000 for k in range(60)]
        s.ingest("web", [ev(k, "web %d" % k, ts=iso(web[k]))
                         for k in reversed(range(60))])
        s.ingest("db", [ev(k, "db %d" % k, ts=iso(t0 - k * 60000 - 15000))
                        for k in reversed(range(60))])
        with viewer(s, "web", "db") as t:
            t.wait_text("web 0 ")
            # Between web 5 (t0 - 5m30s) and web 4 (t0 - 4m30s).
            goto_seen(t, ago(t0 - 300000), "the first line at or after")
            eq(current(t), "web 4", "-5m")
            s.ingest("web", [ev(1, "web live one", ts=now_iso())])
            s.ingest("db", [ev(1, "db live one", ts=now_iso())])
            # Between web 1 (t0 - 90s) and web 0 (t0 - 30s).
            goto_seen(t, ago(t0 - 60000), "the first line at or after")
            eq(current(t), "web 0", "-90s")
            hhmm = time.strftime("%H:%M", time.gmtime(web[20] // 1000))
            goto_seen(t, hhmm, hhmm + ":00")
            eq(current(t), "web 20", hhmm)
            hms = time.strftime("%H:%M:%S", time.gmtime(web[40] // 1000))
            goto_seen(t, hms, hms)
            eq(current(t), "web 40", hms)
            goto_seen(t, iso(web[50]), time.strftime("%H:%M:%S",
                                                 time.gmtime(web[50] // 1000)))
            eq(current(t), "web 50", "ISO")
            # Bad input: said, and the reader stays.
            goto(t, "banana")
            scr = t.wait_text("not a time: type 14:02")
            check("banana" not in status_row(scr), status_row(scr))
            eq(current(t), "web 50", "after a bad time")
            goto(t, "-5q")
            t.wait_text("a relative time is a number")
            goto(t, "now")
            t.wait_text("no line at or after")
            eq(current(t), "web 50", "after a time past the last line")
            # Merged, in time order: web 4 (t0-4m30s) before db 4.
            t.keys("M")
            t.wait_text("merged: 2 watched")
            t.keys("G")
            t.wait(lambda x: "db live one" in x and "web live one" in x,
                   "merged, live lines last")
            # Between db 5 (t0 - 5m15s) and web 4 (t0 - 4m30s).
            goto_seen(t, ago(t0 - 292000), "the first line at or after")
            eq(current(t), "web 4", "-5m merged")
            # Between web 4 (t0 - 4m30s) and db 4 (t0 - 4m15s).
            goto_seen(t, ago(t0 - 262000), "the first line at or after")
            eq(current(t), "db 4", "-4m20s merged")


def test_go_to_the_start_and_end_of_a_run():
    with Server() as s:
        s.status("job", "running", runId="job-1")
        s.ingest("job", [ev(k, "r1 %s" % c, ts=now_iso())
                         for k, c in enumerate("abcde")])
        s.ingest("other", [ev(1, "other first", ts=now_iso())])
        with viewer(s, "job", "other") as t:
            t.wait_text("r1 e")
            t.keys("M")
            t.wait_text("other first")
            # Live: run 1 ends, run 2 starts, other goes on.
            s.status("job", "completed", exitCode=0)
            s.status("job", "running", runId="job-2")
            s.ingest("job", [ev(10 + k, "r2 %s" % c, ts=now_iso())
                             for k, c in enumerate("abc")])
            s.ingest("other", [ev(2, "other second", ts=now_iso())])
            t.wait(lambda x: "r2 c" in x and "other second" in x and
                   "run 2 started" in x, "run 2 live")
            t.keys("Space")
            search(t, "r1 c")
            t.wait_text("PAUSED")
            eq(current(t), "r1 c", "on run 1")
            goto(t, "run end")
            t.wait(lambda x: current(t).startswith(
                "\u2500\u2500 run 1 completed"), "run 1's end")
            goto(t, "run start")
            t.wait(lambda x: current(t).startswith(
                "\u2500\u2500 run 1 started"), "run 1's start")
            search(t, "r2 b")
            t.wait(lambda x: current(t) == "r2 b", "on run 2")
            goto(t, "run end")
            t.wait_text("the run has not ended: its last line held")
            eq(current(t), "r2 c", "run 2's last line")
            goto(t, "run start")
            t.wait(lambda x: current(t).startswith(
                "\u2500\u2500 run 2 started"), "run 2's start")
            goto(t, "run middle")
            t.wait_text("not a time")


def row_index(scr, text):
    rows = scr.split("\n")
    at = [i for i, r in enumerate(rows) if text in r]
    check(at, "no row with %r:\n%s" % (text, scr))
    return at[0]


def test_context_shows_a_filtered_line_among_all_and_goes_back():
    with Server() as s:
        s.ingest("app", [ev(k, ("needle %d" if k % 10 == 0 else "step %d") % k,
                            level="WARN" if k % 10 == 0 else "INFO")
                         for k in range(60)])
        s.ingest("side", [ev(1, "side one")])
        with viewer(s, "app", "side") as t:
            t.wait_text("needle 50")
            t.keys("C")
            t.wait_text("nothing is filtered here")
            t.keys("&")
            t.type("needle")
            t.keys("Enter")
            t.wait(lambda x: "step 49" not in x and "&needle" in x,
                   "only the needles")
            t.keys("Space")
            search(t, "needle 30")
            eq(current(t), "needle 30", "on the needle")
            scr = settled(t, lambda x: "PAUSED" in x and "needle 30" in x,
                          "the needle on screen")
            y = row_index(scr, "needle 30")
            t.keys("C")
            scr = t.wait(lambda x: "CONTEXT: every line (C or Esc" in x and
                         "step 29" in x and "step 31" in x, "context")
            check(CONTEXT in row_of(scr, "needle 30"),
                  row_of(scr, "needle 30"))
            check("&needle" not in scr.split("\n")[0], scr.split("\n")[0])
            # Lines keep coming while in context.
            s.ingest("app", [ev(60, "step live")])
            s.ingest("side", [ev(2, "side two")])
            t.wait_text("+1 new")
            eq(current(t), "needle 30", "in context")
            t.keys("C")
            scr = settled(t, lambda x: "CONTEXT" not in x and "step 29" not in
                          x and "&needle" in x, "back to the needles")
            eq(row_index(scr, "needle 30"), y, "the same row")
            eq(current(t), "needle 30", "the same line")
            # A level floor is a filter too; Esc goes back as well.
            t.keys("c", "4")
            t.wait(lambda x: "level>=WARN" in x and "step 29" not in x,
                   "WARN floor")
            search(t, "needle 20")
            t.wait(lambda x: current(t) == "needle 20", "on needle 20")
            t.keys("C")
            t.wait(lambda x: "CONTEXT" in x and "step 19" in x, "context")
            t.keys("Escape")
            t.wait(lambda x: "CONTEXT" not in x and "step 19" not in x and
                   "level>=WARN" in x, "back to the floor")
            eq(current(t), "needle 20", "the same line")


def header(scr):
    return scr.split("\n")[0]


def test_timeline_counts_lines_per_minute_live():
    with Server() as s:
        t0 = int(time.time() * 1000)
        m0 = t0 // 60000 * 60000  # the current minute
        # Minute -3: 4 lines, one ERROR; -2: 8 lines, two WARN; -1: none;
        # the current one: 2.
        lines = [(m0 - 180000 + k, "ERROR" if k == 0 else "INFO")
                 for k in range(4)]
        lines += [(m0 - 120000 + k, "WARN" if k < 2 else "INFO")
                  for k in range(8)]
        lines += [(m0 + k, "INFO") for k in range(2)]
        s.ingest("tl", [ev(i, "tl %d" % i, level=lv, ts=iso(ms))
                        for i, (ms, lv) in enumerate(lines)])
        s.ingest("tl2", [ev(i, "tl2 %d" % i, level="WARN",
                            ts=iso(m0 - 60000 + i)) for i in range(5)])
        with viewer(s, "tl", "tl2") as t:
            scr = t.wait(lambda x: " 8/min E1 W2 " in header(x),
                         "the timeline of tl")
            check("\u2584\u2588 \u2582" in header(scr), header(scr))
            # Merged: tl2's five WARN lines fill minute -1.
            t.keys("M")
            scr = t.wait(lambda x: " 8/min E1 W7 " in header(x),
                         "the timeline of both")
            check("\u2584\u2588\u2585\u2582" in header(scr), header(scr))
            # Live lines count within a second or so.
            s.ingest("tl2", [ev(9, "tl2 live", level="ERROR", ts=now_iso())
                             for _ in range(3)])
            t.wait(lambda x: " E4 W7 " in header(x), "live errors counted")
            # A new filter counts again: an ERROR floor.
            t.keys("5")
            t.wait(lambda x: re.search(r" \d/min E4 W0 ", header(x)),
                   "only ERROR lines")


if __name__ == "__main__":
    ldtest.main(globals())
