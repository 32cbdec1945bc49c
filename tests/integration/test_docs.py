"""test_docs - the documentation stays true to the programs.

The option lists of `logdeck --help` and `logdeck-server --help` must equal
the OPTIONS sections of their man pages, the bash, zsh and fish completions
must offer every long option, and the KEYS table must name only actions the configuration knows.
SECURITY.md names only limits, options and tests that exist.
"""
import os
import re
import subprocess

import ldtest
from ldtest import LOGDECK, LOGDECK_SERVER, SRCDIR, TestFailure

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)")


def help_options(binary):
    """Options named at the start of --help's option lines."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=10)
    if out.returncode != 0:
        raise TestFailure("%s --help exited %d" % (binary, out.returncode))
    opts = set()
    for line in out.stdout.splitlines():
        if not line.lstrip().startswith("-"):
            continue
        spec = re.split(r"\s{2,}", line.strip())[0]
        opts.update(OPTION.findall(spec))
    if not opts:
        raise TestFailure("no options found in %s --help" % binary)
    return opts


def man_options(page):
    """Options in the tags (.TP lines) of the man page's OPTIONS section;
    page is relative to the source tree."""
    with open(os.path.join(SRCDIR, page)) as f:
        lines = f.read().splitlines()
    opts, in_options, tag_next = set(), False, False
    for line in lines:
        if line.startswith(".SH"):
            in_options = line.split(None, 1)[1].strip('"') == "OPTIONS"
            continue
        if not in_options:
            continue
        if line.startswith(".TP"):
            tag_next = True
            continue
        if tag_next:
            text = re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-")
            opts.update(OPTION.findall(text))
            tag_next = False
    if not opts:
        raise TestFailure("no options found in %s" % page)
    return opts


def same_options(binary, page):
    got, want = man_options(page), help_options(binary)
    if got != want:
        raise TestFailure(
            "%s and %s --help differ: only in the man page: %s; only "
            "in --help: %s" % (page, os.path.basename(binary),
                               sorted(got - want) or "-",
                               sorted(want - got) or "-"))


def test_logdeck_man_page_lists_exactly_the_help_options():
    same_options(LOGDECK, "man/logdeck.1")


if os.environ.get("LOGDECK_HAVE_SERVER", "yes") == "yes":
    # Built with --disable-server there is no server to compare it with.
    def test_server_man_page_lists_exactly_the_help_options():
        same_options(LOGDECK_SERVER, "man/logdeck-server.1")


def test_man_page_comparison_notices_a_missing_option():
    """The comparison itself can fail: drop one option and it must."""
    opts = man_options("man/logdeck.1")
    opts.discard("--print-config")
    if opts == help_options(LOGDECK):
        raise TestFailure("a missing option went unnoticed")


def completion_options(name):
    """The long options completions/NAME names: "--opt" in the bash and
    zsh ones, "-l opt" in the fish one."""
    with open(os.path.join(SRCDIR, "completions", name)) as f:
        text = f.read()
    if name.endswith(".fish"):
        return {"--" + o for o in re.findall(r"\s-l\s+([\w-]+)", text)}
    return set(re.findall(r"(?<![\w-])(--[A-Za-z0-9][\w-]*)", text))


def test_completions_offer_every_long_option():
    """At run time: --help may gain options, the completions must follow
    (tests/integration/test_completions.py asks the shells themselves)."""
    want = {o for o in help_options(LOGDECK) if o.startswith("--")}
    for name in ("logdeck", "_logdeck", "logdeck.fish"):
        missing = sorted(want - completion_options(name))
        if missing:
            raise TestFailure("completions/%s lacks %s" % (name, missing))


def security_names():
    """The limits (`NAME_MAX`), options (`--name`) and tests
    (`test_name`) SECURITY.md names in backquotes."""
    with open(os.path.join(SRCDIR, "SECURITY.md")) as f:
        text = f.read()
    quoted = re.findall(r"`([^`]+)`", text)
    limits = {q for q in quoted if re.fullmatch(r"[A-Z][A-Z0-9_]+", q)}
    options = {q for q in quoted if re.fullmatch(r"--[a-z][\w-]*", q)}
    tests = {q for q in quoted if re.fullmatch(r"test_\w+", q)}
    return limits, options, tests


def tree_text(*dirs):
    """Every C or Python file under the given folders of the source tree,
    as one string."""
    out = []
    for d in dirs:
        for root, _, files in os.walk(os.path.join(SRCDIR, d)):
            for name in files:
                if name.endswith((".c", ".h", ".py")):
                    with open(os.path.join(root, name), errors="replace") as f:
                        out.append(f.read())
    return "\n".join(out)


def test_security_md_names_only_limits_options_and_tests_that_exist():
    limits, options, tests = security_names()
    ldtest.check(limits and options and tests, "nothing found in SECURITY.md")
    src = tree_text("src")
    missing = sorted(n for n in limits
                     if not re.search(r"#define %s\b" % n, src))
    ldtest.eq(missing, [], "limits SECURITY.md names that are not defined")
    known = help_options(LOGDECK)
    if os.environ.get("LOGDECK_HAVE_SERVER", "yes") == "yes":
        known |= help_options(LOGDECK_SERVER)
        ldtest.eq(sorted(options - known), [],
                  "options SECURITY.md names that no --help lists")
    defined = set(re.findall(r"(?m)^def (test_\w+)", tree_text("tests")))
    ldtest.eq(sorted(tests - defined), [],
              "tests SECURITY.md names that do not exist")


def test_readme_config_example_loads_without_warnings():
    import tempfile
    with open(os.path.join(SRCDIR, "README.md")) as f:
        m = re.search(r"```yaml\n(.*?)```", f.read(), re.S)
    ldtest.check(m, "README has a yaml example")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.yaml")
        with open(path, "w") as f:
            f.write(m.group(1))
        os.chmod(path, 0o600)
        r = subprocess.run([LOGDECK, "--config", path, "--print-config"],
                           capture_output=True,
                           env=dict(os.environ, LOGDECK_DATADIR=SRCDIR))
    ldtest.eq(r.returncode, 0, "exit status")
    ldtest.eq(r.stderr, b"", "warnings")


def test_man_keys_table_names_only_known_actions():
    """Every action in logdeck(1)'s KEYS table can be rebound by that name
    in logdeck.yaml(5)."""
    with open(os.path.join(SRCDIR, "man", "logdeck.1")) as f:
        page = f.read()
    table = page[page.index(".SH KEYS"):page.index(".SH FOLLOW MODE")]
    table = table[table.index("_\n") + 2:table.index(".TE")]
    with open(os.path.join(SRCDIR, "man", "logdeck.yaml.5")) as f:
        conf = f.read()
    actions = conf[conf.index("Action names:"):conf.index(".SH LIMITS")]
    known = set(re.findall(r"^\.BR ([a-z\\-]+)", actions, re.M))
    rows = [r.split(";") for r in table.strip().splitlines()]
    names = {r[2] for r in rows if len(r) == 3 and r[2]}
    if len(names) < 40:
        raise TestFailure("KEYS table too short: %d actions" % len(names))
    unknown = sorted(names - known)
    if unknown:
        raise TestFailure("KEYS names unknown actions: %s" % unknown)


if __name__ == "__main__":
    ldtest.main(globals())
