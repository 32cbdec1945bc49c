"""Reading in the full-screen view (tmux 120x40, real server): pause and
resume while lines arrive, the level floor keeping the reader's place,
incremental search, keep/hide filters, save."""
import json
import os
import re

import ldtest
from ldtest import Server, check, eq, ev
from tuitmux import log_rows, viewer

LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]


def status_line(scr):
    return scr.split("\n")[38]


def test_pause_counts_new_lines_and_holds_the_screen():
    with Server() as s:
        s.ingest("p", [ev(i, "early %d" % i) for i in range(50)])
        with viewer(s, "p") as t:
            t.wait_text("early 49")
            t.wait_text("FOLLOW")
            t.keys("Space")
            before = log_rows(t.wait_text("PAUSED +0 new"))
            s.ingest("p", [ev(i, "late %d" % i) for i in range(1234)])
            scr = t.wait_text("PAUSED +1,234 new")
            eq(log_rows(scr), before, "log rows while paused")
            t.keys("F")
            scr = t.wait_text("late 1233")
            check("FOLLOW" in status_line(scr), status_line(scr))


def test_scrolling_up_pauses_and_end_resumes():
    with Server() as s:
        s.ingest("k", [ev(i, "row %d" % i) for i in range(100)])
        with viewer(s, "k") as t:
            t.wait_text("row 99")
            t.keys("k", "k")
            scr = t.wait_text("PAUSED")
            check("row 99" in scr, scr)
            t.keys("g")
            scr = t.wait_text("row 0 ")
            s.ingest("k", [ev(1, "row new")])
            t.wait_text("+1 new")
            t.keys("End")
            t.wait_text("row new")
            t.wait_text("FOLLOW")


def wheel(t, up, col=60, row=10):
    """A mouse wheel event as the terminal sends it (X10 encoding)."""
    t.type("\x1b[M" + ("`" if up else "a") + chr(33 + col) + chr(33 + row))


def test_mouse_wheel_scrolls_the_log():
    with Server() as s:
        s.ingest("wh", [ev(i, "row %d" % i) for i in range(100)])
        with viewer(s, "wh") as t:
            t.wait_text("row 99")
            wheel(t, up=True)
            t.wait_text("PAUSED")
            wheel(t, up=True)
            wheel(t, up=False)
            t.keys("Enter")  # the detail view shows the current line
            scr = t.wait_text("event (Esc closes")
            rows = scr.split("\n")
            at = [i for i, r in enumerate(rows) if "message:" in r][0]
            check("row 96" in rows[at + 1], rows[at + 1])
            t.keys("Escape")


def test_paging_and_sideways_scrolling():
    with Server() as s:
        s.ingest("pg", [ev(i, "row %d" % i) for i in range(200)] +
                 [ev(1, "START" + "abcdefghij" * 20 + "END")])
        with viewer(s, "pg") as t:
            t.wait_text("START")
            t.keys("l")
            scr = t.wait(lambda x: "START" not in x and "defghij" in x,
                         "scrolled right by 8")
            check(re.search(r"INFO  defghijabc", scr), scr)
            t.keys("h")
            t.wait_text("STARTabc")
            t.keys("PPage")
            t.wait_text("PAUSED")
            t.keys("C-u", "C-d", "PPage", "NPage", "g")
            scr = t.wait(lambda x: re.search(r"INFO  row 0\s", x), "top")
            # 3 x 17 lines: the view scrolls (the run's start marker is
            # the first line, so row 50 is the 52nd).
            t.keys("C-d", "C-d", "C-d")
            t.wait(lambda x: not re.search(r"INFO  row 0\s", x) and
                   re.search(r"INFO  row 50\s", x), "half pages down")


def test_level_floor_keeps_the_same_event_in_place():
    with Server() as s:
        s.ingest("lv", [ev(i, "event %03d %s" % (i, LEVELS[i % 5]),
                           level=LEVELS[i % 5]) for i in range(200)])
        with viewer(s, "lv") as t:
            t.wait_text("event 199")
            t.keys("1")  # TRACE floor: everything
            t.wait_text("level>=TRACE")
            t.keys("Space")
            t.wait_text("PAUSED")
            for _ in range(6):
                t.keys("E")  # previous ERROR lines
            scr = t.wait_text("event 169 ERROR")
            rows = scr.split("\n")
            y = [i for i, r in enumerate(rows) if "event 169 ERROR" in r][0]
            t.keys("5")
            # The same event on the same row, and only ERROR lines around.
            t.wait(lambda x: "level>=ERROR" in x and
                   "event 169 ERROR" in x.split("\n")[y] and
                   all("ERROR" in r for r in log_rows(x)) and
                   len(log_rows(x)) > 5, "ERROR floor, same row")
            t.keys("3")
            t.wait(lambda x: "level>=INFO" in x and
                   "event 169 ERROR" in x.split("\n")[y] and
                   any("INFO" in r for r in log_rows(x)), "INFO floor, same row")


def test_incremental_search_highlights_and_moves_between_matches():
    with Server() as s:
        s.ingest("srch", [ev(i, ("needle %d here" % i) if i % 25 == 7
                             else "hay %d" % i) for i in range(200)])
        with viewer(s, "srch") as t:
            t.wait_text("hay 199")
            t.keys("/")
            t.type("need")
            # From the newest line a forward search wraps to the first.
            scr = t.wait(lambda x: "/need 1/8" in x, "first match, count 8")
            check("needle 7 here" in scr, scr)
            colored = "\n".join(t.screen(colors=True))
            # "need" right after a background colour (the theme's match).
            check(re.search(r"\x1b\[(?:[0-9;]*;)?(?:4[0-7]|48;5;\d+)m"
                            r"(?:\x1b\[[0-9;]*m)*need", colored),
                  "no highlight: %r" % colored)
            t.keys("Enter")
            t.keys("g", "n")
            t.wait(lambda x: "/need 1/8" in x, "first match")
            t.keys("n", "n")
            scr = t.wait(lambda x: "/need 3/8" in x, "third match")
            t.keys("N")
            t.wait(lambda x: "/need 2/8" in x, "back to the second")
            t.keys("G", "n")
            t.wait(lambda x: "/need 1/8" in x and "wrapped around" in x,
                   "n past the last match wraps")
            # Search keeps context: the other lines stay visible.
            check("hay" in t.text(), "search hid lines")
            s.ingest("srch", [ev(1, "one more needle")])
            t.wait(lambda x: "/8" not in x and "/9" in x, "count grows")


def test_highlights_stop_at_their_limit_per_line():
    # DRAW_HL_MAX is 32: a line with 40 matches shows the first 32 marked.
    hl = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:4[0-7]|48;5;\d+)m"
                    r"(?:\x1b\[[0-9;]*m)*zq")
    with Server() as s:
        s.ingest("hl", [ev(1, " ".join(["zq"] * 40))])
        with viewer(s, "hl") as t:
            t.wait_text("zq zq")
            t.keys("w", "/")
            t.type("zq")
            t.wait(lambda x: "/zq 1/1" in x, "one matching line")
            rows = [r for r in t.screen() if "zq zq" in r]
            eq(sum(r.count("zq") for r in rows), 40, "every match on screen")
            colored = "\n".join(t.screen(colors=True))
            eq(len(hl.findall(colored)), 32, "highlighted matches")


def test_prompt_input_stops_at_its_limit():
    # TUI_PROMPT_MAX is 256 bytes: of 300 typed, 256 backspaces leave none.
    with Server() as s:
        s.ingest("lim", [ev(i, "needle %d" % i) for i in range(3)])
        with viewer(s, "lim") as t:
            t.wait_text("needle 2")
            t.keys("/")
            t.type("x" * 300)
            t.keys(*["BSpace"] * 256)
            t.type("needle")
            t.keys("Enter")
            t.wait(lambda x: re.search(r"/needle \d/3", x), "needle found")


def test_keep_and_hide_filters_stack_and_clear():
    with Server() as s:
        s.ingest("f", [ev(i, "%s item %d" % (["apple", "banana", "cherry"]
                                              [i % 3], i)) for i in range(60)])
        with viewer(s, "f") as t:
            t.wait_text("item 59")
            t.keys("&")
            t.type("apple|banana")
            t.keys("Enter")
            # Wait for the filter to show and lines to be back on screen:
            # an empty pane mid-redraw also has no cherries.
            t.wait(lambda x: "&apple|banana" in status_line(x) and
                   log_rows(x) and
                   "cherry" not in "\n".join(log_rows(x)), "cherries gone")
            t.keys("!")
            t.type("banana")
            t.keys("Enter")
            scr = t.wait(lambda x: all("apple" in r for r in log_rows(x)) and
                         log_rows(x), "only apples")
            s.ingest("f", [ev(1, "banana late"), ev(2, "apple late"),
                           ev(3, "cherry late")])
            scr = t.wait_text("apple late")
            check("banana late" not in scr and "cherry late" not in scr, scr)
            t.keys("c")
            t.wait_text("cherry late")


def test_save_writes_the_filtered_view():
    with Server() as s:
        s.ingest("sv", [ev(i, "save %d" % i, level=LEVELS[i % 5])
                        for i in range(20)])
        d = ldtest.scratch_dir("ldsave-")
        path = os.path.join(d, "out.jsonl")
        with viewer(s, "sv") as t:
            t.wait_text("save 19")
            t.keys("4", "S", "C-u")
            t.type(path)
            t.keys("Enter")
            t.wait_text("wrote 8 lines (JSON lines)")
            # Tab in the save prompt switches to every line, as text.
            text = os.path.join(d, "all.log")
            t.keys("S", "Tab", "C-u")
            t.type(text)
            t.keys("Enter")
            t.wait_text("wrote 20 lines (text)")
        with open(path) as f:
            got = [json.loads(l)["message"] for l in f]
        eq(got[:2], ["save 3", "save 4"], "saved lines")
        eq(len(got), 8, "saved count")
        with open(text) as f:
            lines = f.read().splitlines()
        # The run's start is a line of the text file, not an event.
        eq(len(lines), 21, "all lines and the run's start")
        check(lines[0].startswith("\u2500\u2500 run 1 started"), lines[0])
        eq(lines[1], "sv | [2024-12-07 14:23:00] TRACE: save 0", "text")


def test_large_save_is_written_in_slices_with_every_line_once():
    """A save of many slices (tui_save.c writes from the loop, a slice
    at a time) holds every line of the view exactly once, in order."""
    n = 30000
    with Server() as s:
        for b in range(0, n, 5000):
            s.ingest("big", [ev(i, "big %d" % i) for i in range(b, b + 5000)])
        d = ldtest.scratch_dir("ldsave-")
        path = os.path.join(d, "big.jsonl")
        with viewer(s, "big") as t:
            t.wait_text("big %d" % (n - 1))
            t.keys("S", "C-u")
            t.type(path)
            t.keys("Enter")
            # Generous: CI machines are slower (it takes well under 1 s).
            t.wait_text("wrote %d lines (JSON lines)" % n, timeout=120)
            # The viewer still answers keys afterwards.
            t.keys("g")
            t.wait_text("PAUSED")
        with open(path) as f:
            got = [json.loads(l)["message"] for l in f]
        eq(len(got), n, "saved count")
        eq(got, ["big %d" % i for i in range(n)], "every line once, in order")


ldtest.main(globals())
