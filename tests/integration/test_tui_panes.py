"""Panes, the list and the terminal in the full-screen view (tmux 120x40,
real server): split and focus, help from the key table, watching from the
list, the list filter, eviction, colours, wrapping, suspend."""
import os
import re

import ldtest
from ldtest import Server, check, eq, ev
from tuitmux import Tmux, viewer

DOUBLE_TOP = "\u2554"  # the focused pane's frame corner


def log_col(scr):
    """The column where the log panes start (right of the list)."""
    top = scr.split("\n")[0]
    return min(top.index(c) for c in "\u2510\u2557" if c in top) + 1


def frame_tops(scr, col):
    """Rows whose column col starts a frame (focused or not)."""
    return [i for i, r in enumerate(scr.split("\n"))
            if len(r) > col and r[col] in "\u250c\u2554"]


def test_split_and_tab_move_the_focus_frame():
    with Server() as s:
        s.ingest("one", [ev(1, "line of one")])
        s.ingest("two", [ev(1, "line of two")])
        with viewer(s, "one", "two") as t:
            col = log_col(t.wait_text("line of one"))
            t.keys("s")
            # Screens are read while the viewer may be mid-update: every
            # wait names the whole state it expects.
            def lower_focused(x):
                tops = frame_tops(x, col)
                return (len(tops) == 2 and x.count(DOUBLE_TOP) == 1 and
                        x.split("\n")[tops[1]][col] == DOUBLE_TOP)
            scr = t.wait(lower_focused, "two panes, the new lower focused")
            lower = frame_tops(scr, col)[1]
            t.keys("Tab")  # pane 1 -> the list
            t.wait(lambda x: x.startswith(DOUBLE_TOP) and
                   x.count(DOUBLE_TOP) == 1, "only the list focused")
            t.keys("Tab")  # the list -> pane 0
            t.wait(lambda x: x.split("\n")[0][col] == DOUBLE_TOP and
                   x.count(DOUBLE_TOP) == 1, "only the upper pane focused")
            # The list fills the last focused log pane: pane 1 gets "two".
            t.keys("Tab", "Tab", "j", "Enter")
            scr = t.wait(lambda x: "line of two" in x, "pane 1 shows two")
            upper = "\n".join(scr.split("\n")[:lower])
            check("line of one" in upper, "pane 0 kept its source:\n" + scr)
            t.keys("|")
            t.wait(lambda x: len(re.findall("[\u2557\u2510]",
                                            x.split("\n")[0])) == 3,
                   "side by side")
            t.keys("s", "s", "s")
            t.wait(lambda x: len(re.findall("[\u2557\u2510]",
                                            x.split("\n")[0])) == 2,
                   "back to one pane")


def test_help_lists_the_key_table():
    with Server() as s:
        s.ingest("h", [ev(1, "x")])
        with viewer(s, "h") as t:
            t.wait_text("x")
            t.keys("F1")
            # Wait for the whole table: a capture can catch the help
            # half drawn (its title first).
            wants = ("F1", "level floor ERROR", "search backward",
                     "keep only lines matching", "split the log area",
                     "watch every running automation", "scroll")
            t.wait(lambda x: "keys (Esc closes" in x and
                   all(w in x for w in wants), "the whole key table")
            t.keys("Escape")
            t.wait_gone("keys (Esc closes")
            t.keys("Tab", "?")  # in the list pane ? is help too
            t.wait_text("keys (Esc closes")
            t.keys("q")
            t.wait_gone("keys (Esc closes")


def test_space_in_the_list_watches_and_a_watches_all_running():
    with Server() as s:
        for n, st in (("run1", "running"), ("run2", "running"),
                      ("done", "completed")):
            s.ingest(n, [ev(1, "hello " + n)])
            s.status(n, st)
        with viewer(s) as t:
            t.wait(lambda x: "run1" in x and "run2" in x and "done" in x,
                   "the list")
            # The first row is selected and shown, and says how to watch.
            scr = t.wait_text("(not watched")
            check("\u25c9" not in scr, "nothing watched yet")
            t.keys("Space")
            scr = t.wait(lambda x: x.count("\u25c9") == 1, "one watched")
            t.keys("Space")
            t.wait(lambda x: x.count("\u25c9") == 0, "unwatched")
            t.keys("a")
            scr = t.wait(lambda x: x.count("\u25c9") == 2, "running watched")
            row = [r for r in scr.split("\n") if "done" in r][0]
            check("\u25c9" not in row, "completed one watched: %r" % row)
            t.keys("M")
            t.wait(lambda x: "hello run1" in x and "hello run2" in x,
                   "merged lines of both")


def test_pipelines_and_artifacts_named_on_the_command_line():
    with Server() as s:
        s.ingest("nightly", [ev(1, "pipeline step one")], kind="pipelines")
        s.ingest("report", [ev(1, "artifact built")], kind="artifacts")
        with viewer(s, "pipeline:nightly", "artifact:report") as t:
            scr = t.wait_text("pipeline step one")
            check("nightly" in scr and "report" in scr, scr)
            t.keys("M")
            t.wait(lambda x: "pipeline step one" in x and
                   "artifact built" in x, "both in the merged view")


def test_list_filter_narrows_the_list():
    with Server() as s:
        for n in ("billing-daily", "billing-hourly", "search-index"):
            s.ingest(n, [ev(1, "x")])
        with viewer(s) as t:
            t.wait_text("search-index")
            t.keys("/")
            t.type("bill")
            scr = t.wait_gone("search-index")
            check("billing-daily" in scr and "billing-hourly" in scr, scr)
            t.keys("Enter")
            t.wait_text("automations /bill")
            t.keys("Escape")
            t.wait_text("search-index")


def test_more_automations_than_the_list_holds_are_refused_loudly():
    # FILTER_SOURCES_MAX is 1024 sources (the store's src numbers).
    with Server() as s:
        for i in range(1030):
            s.status("auto-%04d" % i, "queued")
        with viewer(s) as t:
            t.wait_text("more than 1024 automations")
            t.wait_text("automations (1024)")


def test_scrollback_cap_evicts_and_says_so():
    with Server() as s:
        big = "x" * 400
        for k in range(8):
            s.ingest("cap", [ev(i, "%d-%d %s" % (k, i, big))
                             for i in range(500)])
        with viewer(s, "cap", extra=("--scrollback", "1")) as t:
            t.wait_text("7-499")
            scr = t.wait(lambda x: re.search(r"[0-9,]+ evicted", x),
                         "evicted count")
            check(re.search(r"buf \d+% of 1M", scr), scr)


def test_no_color_is_monochrome():
    with Server() as s:
        s.ingest("nc", [ev(1, "bad thing", level="ERROR")])
        with viewer(s, "nc", env={"NO_COLOR": "1"}) as t:
            t.wait_text("bad thing")
            scr = "\n".join(t.screen(colors=True))
            check(not re.search(r"\x1b\[[0-9;]*(3[0-7]|4[0-7]|[34]8;5;\d+)m",
                                scr), "colour codes with NO_COLOR")
            check("\x1b[1m" in scr or "\x1b[4m" in scr, "no emphasis at all")


def test_eight_colour_terminal_gets_eight_colours():
    with Server() as s:
        s.ingest("c8", [ev(1, "warned", level="WARN")])
        with viewer(s, "c8", env={"TERM": "screen"}) as t:
            t.wait_text("warned")
            scr = "\n".join(t.screen(colors=True))
            check(re.search(r"\x1b\[(?:[0-9;]*;)?3[1-7][;m]", scr),
                  "no basic colour at all")
            check(not re.search(r"[34]8;5;\d+", scr), "256-colour codes")


def test_wrap_and_timestamp_modes():
    with Server() as s:
        long = "start " + "word " * 40 + "finish"
        s.ingest("w", [ev(1, long, ts="2024-12-07T14:23:45.678Z")])
        with viewer(s, "w") as t:
            scr = t.wait_text("14:23:45.678")
            check("finish" not in scr, "not wrapped by default")
            t.keys("w")
            t.wait_text("finish")
            t.keys("t")
            scr = t.wait(lambda x: "14:23:45.678" not in x and
                         re.search(r"\d+d\d\dh INFO", x), "relative time")
            t.keys("t")
            scr = t.wait(lambda x: re.search(r"\u2551INFO  start", x),
                         "no time column")


def test_configuration_sets_keys_view_defaults_and_theme():
    xdg = ldtest.scratch_dir("ldcfg-")
    os.makedirs(os.path.join(xdg, "logdeck"))
    path = os.path.join(xdg, "logdeck", "config.yaml")
    with open(path, "w") as f:
        f.write("view:\n  timestamps: off\n  list_width: 24\n"
                "keys:\n  pause: p\ntheme: mono\n")
    os.chmod(path, 0o600)
    with Server() as s:
        s.ingest("cf", [ev(1, "configured", level="ERROR",
                           ts="2024-12-07T14:23:45.678Z")])
        with viewer(s, "cf", env={"XDG_CONFIG_HOME": xdg, "HOME": xdg,
                                  "LOGDECK_DATADIR": ldtest.SRCDIR}) as t:
            scr = t.wait_text("configured")
            check("14:23:45" not in scr, "timestamps are off")
            eq(log_col_of(scr), 24, "list width")
            colored = "\n".join(t.screen(colors=True))
            check(not re.search(r"\x1b\[[0-9;]*(3[0-7]|[34]8;5;\d+)m",
                                colored), "mono theme has no colours")
            # Keys are handled in order: once F1's key table is up, Space
            # has been handled, and the status bar under the table says
            # whether it paused.
            t.keys("Space", "F1")
            scr = t.wait(lambda x: "keys (Esc closes" in x and
                         re.search(r"\bp\s+pause / resume following", x),
                         "the key table with p for pause")
            check(re.search(r"^ FOLLOW \|", scr, re.M),
                  "Space no longer pauses:\n" + scr)
            t.keys("Escape")
            t.wait_gone("keys (Esc closes")
            t.keys("p")
            t.wait_text("PAUSED")


def log_col_of(scr):
    top = scr.split("\n")[0]
    return min(top.index(c) for c in "\u2510\u2557" if c in top) + 1


def test_ctrl_z_suspends_and_fg_restores():
    with Server() as s:
        s.ingest("z", [ev(1, "suspend me")])
        with Tmux("exec bash --norc --noprofile -i", shell=True,
                  env={"PS1": "$ "}) as t:
            t.wait_text("$")
            t.type("%s --server %s z" % (ldtest.LOGDECK, s.url))
            t.keys("Enter")
            t.wait_text("suspend me")
            t.keys("C-z")
            scr = t.wait(lambda x: "Stopped" in x, "job stopped")
            check("suspend me" not in scr, "screen not restored")
            t.type("fg")
            t.keys("Enter")
            t.wait_text("suspend me")
            t.keys("q")
            t.wait_gone("suspend me")


ldtest.main(globals())
