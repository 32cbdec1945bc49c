"""Scenarios an operator watching several automations goes through, in the
full-screen view (tmux 120x40, the real server on loopback, driven by
POSTs): the list keeps names and its cursor, split panes each show their
own automation, resizing keeps the list width, saving keeps the source,
the status line names failures once and lets messages expire, and field
filters narrow a pane and switch off one by one."""
import json
import os
import re

import ldtest
import tuitmux
from ldtest import Server, check, eq, ev
from tuitmux import Tmux, viewer

FRAME_V = "\u2502\u2551"  # vertical frame lines, plain and focused
WATCHED = "\u25c9"


def list_rows(scr):
    """The list pane's rows (inside its frame), stripped."""
    out = []
    for row in scr.split("\n")[1:]:
        if not row or row[0] not in FRAME_V:
            break
        end = min([row.index(c, 1) for c in FRAME_V if c in row[1:]] or
                  [len(row)])
        out.append(row[1:end].rstrip())
    return out


def list_width(scr):
    """Columns of the list pane, frame included."""
    top = scr.split("\n")[0]
    ends = [top.index(c) for c in "\u2510\u2557" if c in top]
    return min(ends) + 1 if ends else 0


def row_of(scr, name):
    """The list row naming name, or None."""
    for r in list_rows(scr):
        if name in r:
            return r
    return None


def named(s, ident, name, status="running"):
    """Create automation ident called name with one line, in status."""
    s.ingest(ident, [ev(1, "hello from " + ident)])
    s.status(ident, status, name=name)


def test_wide_counters_keep_names():
    with Server() as s:
        named(s, "nightly", "Nightly sync")
        named(s, "invoice", "Invoice export")
        s.ingest("nightly", [ev(i, "w", level="WARN") for i in range(312)] +
                 [ev(i, "e", level="ERROR") for i in range(27)])
        s.ingest("invoice", [ev(i, "w", level="WARN") for i in range(60)] +
                 [ev(i, "e", level="ERROR") for i in range(2)])
        with viewer(s, "nightly", "invoice") as t:
            def shown(x):
                a, b = row_of(x, "Nightly sync"), row_of(x, "Invoice export")
                return a and b and "E27" in a and "E2" in b
            scr = t.wait(shown, "both names whole, with their error counts")
            check("W312" in row_of(scr, "Nightly sync"), scr)
            # Narrower: the warnings go before the errors, the names stay.
            t.keys("<", "<")
            scr = t.wait(lambda x: list_width(x) == 22 and
                         row_of(x, "Invoice export") is not None and
                         row_of(x, "Nightly sync") is not None and
                         "E27" in row_of(x, "Nightly sync"),
                         "names whole in a narrow list, errors kept")
            check("W312" not in row_of(scr, "Nightly sync"), scr)


def test_j_space_acts_on_the_aimed_rows_while_the_list_resorts():
    with Server() as s:
        ids = ("aa", "bb", "cc", "dd")
        for ident in ids:
            named(s, ident, "job " + ident)
        # Watched from the start, so a status reaches the view at once.
        with viewer(s, *ids) as t:
            def names(x):
                return [r.split("job ")[1].split()[0] for r in list_rows(x)
                        if "job " in r]
            t.wait(lambda x: names(x) == list(ids) and
                   sum(WATCHED in r for r in list_rows(x)) == 4,
                   "four running, watched")
            t.keys("Tab", "j")  # the list; the cursor on "job bb"
            t.wait(lambda x: re.search("[\u250c\u2554] job bb [\u2500\u2550]",
                                       x), "the pane shows job bb")
            # "job cc", right below the cursor, ends: it would sink under
            # "job dd", but the rows hold while the operator is at work.
            s.status("cc", "completed")
            t.wait(lambda x: names(x) == list(ids) and
                   "\u2713" in row_of(x, "job cc"),
                   "job cc completed, in its row")
            t.keys("j", "Space")  # aimed at the row below: job cc
            scr = t.wait(lambda x: WATCHED not in (row_of(x, "job cc") or
                                                   WATCHED),
                         "job cc unwatched")
            for name in ("job aa", "job bb", "job dd"):
                check(WATCHED in row_of(scr, name),
                      "%s unwatched instead:\n%s" % (name, scr))
            # Once the operator pauses, the list re-sorts; the cursor
            # stays on its automation.
            t.wait(lambda x: names(x) == ["aa", "bb", "dd", "cc"],
                   "the list re-sorted after the hold")
            t.keys("k", "Space")  # from job cc (last) up: job dd
            scr = t.wait(lambda x: WATCHED not in (row_of(x, "job dd") or
                                                   WATCHED),
                         "job dd unwatched")
            check(WATCHED in row_of(scr, "job bb"), scr)


def test_resize_small_and_back_keeps_the_list_width():
    with Server() as s:
        named(s, "rs", "Resized")
        with viewer(s, "rs") as t:
            want = list_width(t.wait_text("hello from rs"))
            t.resize(50, 20)
            t.wait(lambda x: 0 < list_width(x) < want, "a narrower list")
            t.resize(120, 40)
            scr = t.wait(lambda x: len(x.split("\n")[0].rstrip()) == 120,
                         "the full width again")
            scr = t.wait(lambda x: list_width(x) == want,
                         "the list width the operator had (%d)" % want)


def status_lines(scr):
    """The two status lines at the bottom of the 40-row screen (blank
    before the first draw)."""
    rows = scr.split("\n") + [""] * tuitmux.ROWS
    return rows[tuitmux.ROWS - 2:tuitmux.ROWS]


def test_failed_names_once_and_clears_when_it_runs_again():
    with Server() as s:
        named(s, "flaky", "Flaky job")
        named(s, "steady", "Steady job")
        with viewer(s) as t:
            t.wait_text("Steady job")
            s.status("flaky", "failed", exitCode=2)
            t.wait(lambda x: "FAILED: Flaky job" in status_lines(x)[1],
                   "the failure named")
            s.status("flaky", "running")
            t.wait(lambda x: "FAILED" not in status_lines(x)[1],
                   "the failure cleared when it runs again")
            s.status("flaky", "failed", exitCode=3)
            scr = t.wait(lambda x: "FAILED: Flaky job" in status_lines(x)[1],
                         "the failure named again")
            eq(status_lines(scr)[1].count("Flaky job"), 1,
               "times the name is on the status line")


def test_exit_code_shown_is_the_failed_runs():
    with Server() as s:
        named(s, "inv", "Invoice export")
        with viewer(s, "inv") as t:
            t.wait_text("Invoice export: live")
            s.status("inv", "completed", exitCode=0)
            t.wait_text("Invoice export: completed")
            # The next run fails; the list says so, the ended stream
            # does not: the old run's exit 0 is not this failure's.
            s.status("inv", "running")
            s.status("inv", "failed", exitCode=1)
            scr = t.wait(lambda x: "Invoice export: failed" in x,
                         "the failure on the status line")
            check("failed (exit 0)" not in scr, scr)


def test_a_message_expires():
    with Server() as s:
        named(s, "msg", "Quiet")
        with viewer(s, "msg") as t:
            t.wait_text("hello from msg")
            t.keys("n")  # no search yet: a notice says how to start one
            t.wait_text("no search: / or ? starts one")
            t.wait_gone("no search: / or ? starts one")


def test_stream_states_fit_the_status_line():
    with Server() as s:
        ids = ["long-automation-name-%d" % i for i in range(8)]
        for i in ids:
            named(s, i, i)
        with viewer(s, *ids) as t:
            def fitted(x):
                line = status_lines(x)[1].rstrip()
                m = re.search(r"\+(\d+) more$", line)
                return m and line.count(": live") + int(m.group(1)) == 8
            scr = t.wait(fitted, "every state shown live or counted")
            check(len(status_lines(scr)[1].rstrip()) <= 120, scr)


def save_view(t, path):
    """S, the path, Enter; wait for the notice."""
    t.keys("S")
    t.wait_text("save the filtered view")
    t.keys("C-u")
    t.type(path)
    t.keys("Enter")
    t.wait_text("to " + path)


def test_save_merged_as_json_keeps_source():
    d = ldtest.scratch_dir("ldsave-")
    with Server() as s:
        named(s, "sa", "Source A")
        named(s, "sb", "Source B")
        s.ingest("sa", [ev(2, "alpha line", rows=17)])
        s.ingest("sb", [ev(3, "beta line", level="WARN")])
        with viewer(s, "sa", "sb", extra=["--merged"]) as t:
            t.wait(lambda x: "alpha line" in x and "beta line" in x,
                   "both in the merged view")
            path = os.path.join(d, "merged.jsonl")
            save_view(t, path)
            with open(path) as f:
                rows = [json.loads(line) for line in f]
            eq(len(rows), 4, "lines saved")
            by_msg = {r["message"]: r for r in rows}
            eq(by_msg["alpha line"]["source"], "Source A", "source of alpha")
            eq(by_msg["beta line"]["source"], "Source B", "source of beta")
            eq(by_msg["alpha line"]["rows"], 17, "an original member kept")
            eq(by_msg["beta line"]["level"], "WARN", "level")
            path = os.path.join(d, "merged.csv")
            save_view(t, path)
            with open(path) as f:
                lines = f.read().split("\n")
            check(lines[0].startswith("source,"), "CSV header: %r" % lines[0])
            check(any(l.startswith("Source B,") and "beta line" in l
                      for l in lines), "\n".join(lines))
            path = os.path.join(d, "merged.log")
            save_view(t, path)
            with open(path) as f:
                text = f.read()
            check("Source A | " in text and "] WARN: beta line" in text,
                  text)


def pane_texts(scr, col):
    """The text of each stacked log pane (rows between frame tops) right
    of column col."""
    rows = scr.split("\n")
    tops = [i for i, r in enumerate(rows)
            if len(r) > col and r[col] in "\u250c\u2554"]
    out = []
    for k, top in enumerate(tops):
        end = tops[k + 1] if k + 1 < len(tops) else len(rows)
        out.append("\n".join(r[col:] for r in rows[top:end]))
    return out


def choose(t, name):
    """In the focused list, put the cursor on name and press Enter."""
    t.keys("/")
    t.type(name)
    t.keys("Enter")
    t.wait_text("automations /" + name)
    t.keys("g", "Enter", "Escape")
    t.wait_gone("automations /")


def test_three_split_panes_each_show_their_own_automation():
    with Server() as s:
        for k, word in enumerate(("one", "two", "three")):
            named(s, "p" + word, "Pane " + word)
            s.ingest("p" + word, [ev(k, "line of %s" % word)])
        with viewer(s) as t:
            t.wait_text("Pane three")
            t.keys("s", "s")  # three panes; the two new ones start empty
            scr = t.wait(lambda x: x.count("empty pane") == 2,
                         "two empty panes with a hint")
            check("empty: o, then Enter on an automation in the list" in scr,
                  scr)
            col = list_width(scr)
            # The third pane has focus: o, choose, Enter.
            t.keys("o")
            choose(t, "Pane three")
            t.keys("Tab", "o")  # the first pane
            choose(t, "Pane one")
            t.keys("Tab", "Tab", "o")  # the second pane
            choose(t, "Pane two")

            def each_its_own(x):
                p = pane_texts(x, col)
                return (len(p) == 3 and all(
                    ("line of " + w) in p[k] and "Pane " + w in p[k]
                    for k, w in enumerate(("one", "two", "three"))))
            scr = t.wait(each_its_own, "each pane its own automation")
            for k, w in enumerate(("one", "two", "three")):
                others = [o for o in ("one", "two", "three") if o != w]
                for o in others:
                    check("line of " + o not in pane_texts(scr, col)[k],
                          "pane %d shows %s:\n%s" % (k, o, scr))
            # Moving in the list no longer changes a split pane.
            t.keys("Tab", "o", "j", "j")
            t.wait(lambda x: "\u25b8 Pane one" in x, "pane one is the target")
            scr = t.wait(each_its_own, "the panes kept their automations")


def test_field_filters_narrow_the_pane_and_switch_off_one_by_one():
    with Server() as s:
        named(s, "crm", "CRM import")
        named(s, "nightly", "Nightly sync")
        s.ingest("crm", [ev(1, "crm extract", task="extract", rows=500),
                         ev(2, "crm load big", task="load", rows=5000),
                         ev(3, "crm load small", task="load", rows=10)])
        s.ingest("nightly", [ev(4, "nightly scan", level="WARN",
                                task="scan", rows=2000)])
        msgs = ("hello from crm", "hello from nightly", "crm extract",
                "crm load big", "crm load small", "nightly scan")

        def only(*want):
            def pred(x):
                shown = " ".join(tuitmux.log_rows(x))
                return all((m in shown) == (m in want) for m in msgs)
            return pred
        with viewer(s, "crm", "nightly", extra=["--merged"]) as t:
            t.wait(only(*msgs), "every line")
            for key, text in (("&", "source:crm"), ("!", "task:load"),
                              ("&", "rows>1000")):
                t.keys(key)
                t.type(text)
                t.keys("Enter")
            scr = t.wait(only(), "no line passes all three")
            check("&source:crm !task:load &rows>1000 (f lists)" in scr,
                  "the pane header lists the filters:\n" + scr)
            # Each switched off alone in the filter list.
            t.keys("f")
            t.wait_text("1  on   &source:crm")
            t.keys("1")
            t.wait_text("1  off  &source:crm")
            t.keys("Escape")
            t.wait(only("nightly scan"), "the source filter off")
            t.keys("f", "3", "Escape")
            t.wait(only("hello from crm", "hello from nightly",
                        "crm extract", "nightly scan"),
                   "the rows filter off too")
            t.keys("f", "1", "Escape")
            t.wait(only("hello from crm", "crm extract"),
                   "the source filter on again")
            t.keys("f", "2", "1", "Escape")
            t.wait(only(*msgs), "every filter off")
            t.keys("!")
            t.type("rows>lots")
            t.keys("Enter")
            t.wait_text("rows>lots: not a number")


def test_save_writes_an_event_at_the_servers_size_cap_whole():
    # The worst growth a formatter has (a control byte becomes \u0001)
    # on the largest event the server keeps: TUI_SAVE_LINE_MAX holds it.
    d = ldtest.scratch_dir("ldsave-")
    big = "\x01" * (42 * 1024)  # 6 bytes each as JSON: near the cap
    with Server() as s:
        named(s, "big", "Big one")
        s.ingest("big", [ev(2, big)])
        with viewer(s, "big") as t:
            t.wait_text("\\x01\\x01")
            path = os.path.join(d, "big.jsonl")
            save_view(t, path)
            with open(path) as f:
                rows = [json.loads(line) for line in f]
            eq(len(rows), 2, "lines saved")
            eq(rows[1]["message"], big, "the whole message")
            eq(rows[1]["source"], "Big one", "source")


if __name__ == "__main__":
    ldtest.main(globals())
