"""The folders are the libraries (doc/architecture.md): each may include
only the folders below it. This reads every #include of the tree and
fails on one that crosses a layer the wrong way, so the rule holds
without anyone having to remember it."""

import glob
import os
import re
import tempfile

import ldtest
from ldtest import SRCDIR, TestFailure

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)

# Project folders and system headers a folder may not include.
CORE_FORBIDS = {"net/", "tui/", "server/", "curl/", "curses.h",
                "ncurses.h", "cjson/", "event2/", "libpq-fe.h"}
NET_FORBIDS = {"tui/", "server/", "curses.h", "ncurses.h", "event2/",
               "libpq-fe.h"}
# The viewer's model: no drawing, no network.
TUI_MODEL = ("scrollback", "lineidx", "filter", "search", "layout", "rate",
             "keys", "marks", "jump", "timeline")
TUI_MODEL_FORBIDS = {"net/", "server/", "curl/", "cjson/"}
# The server links core only.
SERVER_FORBIDS = {"net/", "tui/", "curl/", "curses.h", "ncurses.h"}
# Files of src/ itself (the program) that folders may not include: only
# the views take themes and the configuration's types.
APP_HEADERS = {"follow.h", "main.h"}


def includes(path):
    with open(path, encoding="utf-8") as f:
        return [(kind, name) for kind, name in INCLUDE.findall(f.read())]


def crossings(pattern, forbids, root=SRCDIR):
    bad = []
    for path in sorted(glob.glob(os.path.join(root, pattern))):
        for kind, name in includes(path):
            if (kind == '"' and name in APP_HEADERS) or any(
                    name == f or (f.endswith("/") and name.startswith(f))
                    for f in forbids):
                bad.append("%s includes %s" % (
                    os.path.relpath(path, root), name))
    return bad


def expect_none(bad, what="layer crossed"):
    if bad:
        raise TestFailure(what + ": " + "; ".join(bad))


def test_core_includes_no_network_terminal_or_server():
    expect_none(crossings("src/core/*.[ch]", CORE_FORBIDS))


def test_net_includes_no_curses_no_viewer_no_server():
    expect_none(crossings("src/net/*.[ch]", NET_FORBIDS))


def test_the_viewer_model_knows_no_network():
    bad = []
    for m in TUI_MODEL:
        for ext in ("c", "h"):
            bad += crossings("src/tui/%s.%s" % (m, ext), TUI_MODEL_FORBIDS)
    expect_none(bad)


def test_the_server_links_core_only():
    expect_none(crossings("src/server/*.[ch]", SERVER_FORBIDS))


def test_project_includes_name_their_folder():
    """A project header is named with its folder ("core/buf.h"), or is a
    neighbour in src/server/ or src/ itself: no bare name that could mean
    two files."""
    folders = {}
    for d in ("core", "net", "tui"):
        for h in glob.glob(os.path.join(SRCDIR, "src", d, "*.h")):
            folders[os.path.basename(h)] = d
    bad = []
    for path in sorted(glob.glob(os.path.join(SRCDIR, "src", "*", "*.[ch]"))
                       + glob.glob(os.path.join(SRCDIR, "src", "*.[ch]"))):
        here = os.path.basename(os.path.dirname(path))
        for kind, name in includes(path):
            if kind == '"' and "/" not in name and name in folders \
                    and here in ("core", "net", "tui", "src"):
                bad.append("%s includes \"%s\" (say \"%s/%s\")" % (
                    os.path.relpath(path, SRCDIR), name, folders[name], name))
    expect_none(bad, "include without its folder")


def test_no_two_files_share_a_name():
    seen, bad = {}, []
    for path in glob.glob(os.path.join(SRCDIR, "src", "**", "*.[ch]"),
                          recursive=True):
        base = os.path.basename(path)
        rel = os.path.relpath(path, SRCDIR)
        if base in seen:
            bad.append("%s and %s" % (seen[base], rel))
        seen[base] = rel
    if bad:
        raise TestFailure("files share a name: " + "; ".join(sorted(bad)))


STRUCT = re.compile(r"^struct\s+(\w+)\s*\{", re.M)


def test_no_two_structs_share_a_name():
    """The client and the server are one tree: a struct defined twice (a
    client's and a server's struct auth) is two things with one name."""
    seen, bad = {}, []
    for path in sorted(glob.glob(os.path.join(SRCDIR, "src", "**", "*.[ch]"),
                                 recursive=True)):
        rel = os.path.relpath(path, SRCDIR)
        with open(path, encoding="utf-8") as f:
            for name in STRUCT.findall(f.read()):
                if name in seen and seen[name] != rel:
                    bad.append("struct %s in %s and %s" % (name, seen[name], rel))
                seen.setdefault(name, rel)
    expect_none(bad, "structs share a name")


def am_variable(path, name):
    """The file names a make variable of an .am fragment lists (its
    continuation lines joined, += included)."""
    with open(os.path.join(SRCDIR, path), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    words = []
    for m in re.finditer(r"^%s\s*\+?=(.*)$" % re.escape(name), text, re.M):
        words += m.group(1).split()
    return set(words)


def test_the_fuzzers_link_the_whole_core():
    """fuzz.am builds its targets from the core's sources, not the
    library (they need clang's instrumentation): a core module added
    later and missing there breaks `make fuzz` while `make check`, which
    links the library, still passes (litscan.c did)."""
    core = {w for w in am_variable("src/core/core.am",
                                   "src_core_libldcore_a_SOURCES")
            if w.endswith(".c")}
    fuzz = am_variable("fuzz/fuzz.am", "FUZZ_CORE")
    if not core:
        raise TestFailure("read no sources from src/core/core.am")
    expect_none(sorted(core - fuzz), "core modules missing from FUZZ_CORE")


def test_the_check_notices_a_crossing():
    """The checker itself can fail: in a scratch tree, a core file that
    includes curl and the viewer, and one that includes follow.h, are
    each caught; a clean one is not."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "src", "core"))
        files = {"bad.c": '#include <curl/curl.h>\n#include "tui/scrollback.h"\n',
                 "app.c": '#include "follow.h"\n',
                 "good.c": '#include <string.h>\n#include "core/buf.h"\n'}
        for name, text in files.items():
            with open(os.path.join(root, "src", "core", name), "w") as f:
                f.write(text)
        bad = crossings("src/core/*.c", CORE_FORBIDS, root)
        want = ["src/core/app.c includes follow.h",
                "src/core/bad.c includes curl/curl.h",
                "src/core/bad.c includes tui/scrollback.h"]
        if bad != want:
            raise TestFailure("the layer check found %r, not %r" % (bad, want))


if __name__ == "__main__":
    ldtest.main(globals())
