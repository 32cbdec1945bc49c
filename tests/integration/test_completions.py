#!/usr/bin/env python3
"""test_completions.py - the zsh and fish completions load in the real
shells and offer every long option that `logdeck --help` lists when the
test runs (the bash completion is compared as text in test_docs).

zsh is driven on a pseudo-terminal: an interactive `zsh -f` runs compinit
with the tree's completions first on $fpath, a Tab after `logdeck --`
completes, and a wrapped compadd records every match offered.
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import ldtest
from ldtest import LOGDECK, SRCDIR, WAIT_S, TestFailure
from test_docs import help_options

COMPDIR = os.path.join(SRCDIR, "completions")
PROMPT = b"ld-ready> "

# Sourced by the interactive zsh: the completion system as a user has it,
# the tree's completions first, and compadd recording what it offers.
ZSH_SETUP = r"""
fpath=($LD_COMPDIR $fpath)
autoload -U compinit && compinit -u -D
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return $?
	fi
	local -a __hits
	builtin compadd -A __hits "$@"
	(( $#__hits )) && print -rl -- $__hits >>$LD_OUT
	builtin compadd "$@"
}
PS1='ld-ready> '
"""


def long_options():
    return {o for o in help_options(LOGDECK) if o.startswith("--")}


def shell_env(home, **extra):
    """A clean environment: own HOME, logdeck on PATH, data from the tree."""
    env = {"HOME": home, "TERM": "dumb", "LANG": "C.UTF-8",
           "LOGDECK_DATADIR": SRCDIR,
           "PATH": os.path.dirname(os.path.abspath(LOGDECK)) + ":" +
           os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(extra)
    return env


def read_until(fd, marker, what):
    """Read the terminal until marker shows; fail after WAIT_S."""
    got, end = b"", time.monotonic() + WAIT_S
    while marker not in got:
        left = end - time.monotonic()
        if left <= 0:
            raise TestFailure("zsh: timed out waiting for %s: %r"
                              % (what, got[-300:]))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                got += os.read(fd, 4096)
            except OSError:
                raise TestFailure("zsh exited: %r" % got[-300:])
    return got


def zsh_offers(line, compdir=COMPDIR):
    """The matches zsh's completion offers after typing line and Tab."""
    with tempfile.TemporaryDirectory() as d:
        setup, out = os.path.join(d, "setup.zsh"), os.path.join(d, "out")
        with open(setup, "w") as f:
            f.write(ZSH_SETUP)
        open(out, "w").close()
        env = shell_env(d, LD_COMPDIR=compdir, LD_OUT=out)
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(shutil.which("zsh"), ["zsh", "-f", "-i"], env)
        try:
            os.write(fd, b"source %s\n" % setup.encode())
            read_until(fd, PROMPT, "the prompt")
            os.write(fd, line.encode() + b"\t")
            # Typed after the Tab, so it runs once completion is over.
            os.write(fd, b"\x15print -r -- __END__ >>$LD_OUT\n")
            read_until(fd, PROMPT, "the completion")
            end = time.monotonic() + WAIT_S
            while True:
                with open(out) as f:
                    words = f.read().split()
                if "__END__" in words:
                    return set(words) - {"__END__"}
                if time.monotonic() > end:
                    raise TestFailure("zsh never finished completing")
                read_until(fd, PROMPT, "the end marker")
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)


def test_zsh_completion_defines_its_function():
    r = subprocess.run(
        ["zsh", "-f", "-c", "fpath=(%s $fpath); autoload -U compinit; "
         "compinit -u -D; print -r -- $_comps[logdeck]; "
         "autoload +X _logdeck && print -r -- ${+functions[_logdeck]}"
         % COMPDIR], capture_output=True, text=True, timeout=WAIT_S,
        env=shell_env(tempfile.gettempdir()))
    ldtest.eq((r.returncode, r.stdout.split(), r.stderr), (0, ["_logdeck",
              "1"], ""), "zsh -f with compinit")


def test_zsh_offers_every_long_option_of_help():
    missing = sorted(long_options() - zsh_offers("logdeck --"))
    ldtest.eq(missing, [], "long options zsh does not offer")


def test_zsh_check_notices_an_option_the_completion_lacks():
    """The check can fail: a copy of _logdeck without --utc."""
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(COMPDIR, "_logdeck")) as f:
            text = f.read()
        with open(os.path.join(d, "_logdeck"), "w") as f:
            f.write(re.sub(r".*'--utc\[.*\n", "", text))
        offered = zsh_offers("logdeck --", d)
    ldtest.check("--follow" in offered and "--utc" not in offered,
                 "the copy offers --follow, not --utc: %s" % sorted(offered))


def test_zsh_completes_option_values():
    ldtest.eq(zsh_offers("logdeck --level "),
              {"trace", "debug", "info", "warn", "error", "fatal"}, "--level")


def fish_complete(line, compdir=COMPDIR):
    """fish's completions of line: {candidate: description}. Only compdir
    is searched for completion files, as a vendor directory would be."""
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run(
            ["fish", "--no-config", "-c",
             "set fish_complete_path %s; complete -C%s" %
             (compdir, subprocess.list2cmdline([line]))],
            capture_output=True, text=True, timeout=WAIT_S,
            env=shell_env(d))
    ldtest.eq((r.returncode, r.stderr), (0, ""), "fish -c")
    out = {}
    for row in r.stdout.splitlines():
        cand, _, desc = row.partition("\t")
        out[cand] = desc
    return out


def test_fish_completion_is_valid_fish():
    r = subprocess.run(["fish", "--no-execute",
                        os.path.join(COMPDIR, "logdeck.fish")],
                       capture_output=True, text=True, timeout=WAIT_S)
    ldtest.eq((r.returncode, r.stderr), (0, ""), "fish --no-execute")


def test_fish_offers_every_long_option_of_help_with_a_description():
    got = fish_complete("logdeck --")
    missing = sorted(long_options() - set(got))
    ldtest.eq(missing, [], "long options fish does not offer")
    bare = sorted(o for o in long_options() if not got[o].strip())
    ldtest.eq(bare, [], "long options without a description")


def test_fish_check_notices_an_option_the_completion_lacks():
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(COMPDIR, "logdeck.fish")) as f:
            text = f.read()
        with open(os.path.join(d, "logdeck.fish"), "w") as f:
            f.write(re.sub(r".* -l utc .*\n", "", text))
        got = fish_complete("logdeck --", d)
    ldtest.check("--follow" in got and "--utc" not in got,
                 "the copy offers --follow, not --utc: %s" % sorted(got))


def test_fish_completes_option_values_and_themes():
    ldtest.eq(set(fish_complete("logdeck --output ")),
              {"text", "json", "csv"}, "--output")
    themes = set(fish_complete("logdeck --theme "))
    for name in ("default", "light", "solarized-dark", "high-contrast",
                 "mono"):
        ldtest.check(name in themes, "--theme offers %s: %s"
                     % (name, sorted(themes)))


if __name__ == "__main__":
    ldtest.main(globals())
