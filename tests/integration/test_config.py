"""test_config - the real logdeck reading configurations and themes.

Every test gets its own XDG_CONFIG_HOME and HOME, so no user's files count;
themes come from the source tree (LOGDECK_DATADIR).
"""
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time

import ldtest
from ldtest import LOGDECK, SRCDIR, check

SECRET = "s3cret-Tok3n"
# Nothing listens here: a run that gets this far fails to connect.
DEAD_SERVER = "http://127.0.0.1:9"


class Home:
    """A private home with a config directory; use as a context manager."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="ldcfg.")
        self.xdg = os.path.join(self.dir, "xdg")
        os.makedirs(os.path.join(self.xdg, "logdeck", "themes"))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)

    def write(self, rel, text, mode=0o600):
        path = os.path.join(self.dir, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def config(self, text, mode=0o600):
        return self.write("xdg/logdeck/config.yaml", text, mode)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if k not in ("LOGDECK_URL", "LOGDECK_TOKEN", "NO_COLOR")}
        env.update(HOME=self.dir, XDG_CONFIG_HOME=self.xdg,
                   LOGDECK_DATADIR=SRCDIR)
        env.update(extra)
        return env

    def run(self, *args, **extra):
        return subprocess.run([LOGDECK] + list(args), capture_output=True,
                              text=True, timeout=20, env=self.env(**extra))


PROFILES = """\
profile: work
profiles:
  work:
    server: https://logs.example.com
    heartbeat: 15
    token: %s
  local:
    server: http://127.0.0.1:8080
    reconnect_cap: 5
view:
  level: warn
watch: [nightly-sync, pipeline:42]
theme: light
""" % SECRET


def test_print_config_shows_the_profile_and_masks_the_token():
    with Home() as h:
        h.config(PROFILES)
        r = h.run("--print-config")
        check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr))
        check(SECRET not in r.stdout + r.stderr, "token printed")
        check("# token: ******** (from the profile's token)" in r.stdout,
              r.stdout)
        for want in ('profile: "work"', 'server: "https://logs.example.com"',
                     "heartbeat: 15", "level: warn", '- "pipeline:42"',
                     'theme: "light"'):
            check(want in r.stdout, "%r not in:\n%s" % (want, r.stdout))


def test_options_beat_environment_beats_profile_beats_defaults():
    with Home() as h:
        h.config(PROFILES)
        r = h.run("--print-config", "--profile", "local")
        check('server: "http://127.0.0.1:8080"' in r.stdout, r.stdout)
        check("reconnect_cap: 5" in r.stdout, r.stdout)
        check("heartbeat: 30" in r.stdout, "built-in default:\n" + r.stdout)
        r = h.run("--print-config", "--profile", "local",
                  LOGDECK_URL="http://env.example:1")
        check('server: "http://env.example:1"' in r.stdout, r.stdout)
        r = h.run("--print-config", "--profile", "local", "--server",
                  "http://cli.example:2", "--heartbeat", "7", "-l", "error",
                  LOGDECK_URL="http://env.example:1", LOGDECK_TOKEN="e")
        check('server: "http://cli.example:2"' in r.stdout, r.stdout)
        check("heartbeat: 7" in r.stdout, r.stdout)
        check("level: error" in r.stdout, r.stdout)
        check("# token: ******** (from LOGDECK_TOKEN)" in r.stdout, r.stdout)


def test_printed_config_is_a_valid_config():
    with Home() as h:
        h.config(PROFILES)
        printed = h.run("--print-config").stdout
        path = h.write("again.yaml", printed)
        r = h.run("--config", path, "--print-config")
        check(r.returncode == 0 and r.stderr == "", r.stderr)
        strip = [l for l in r.stdout.splitlines()
                 if not l.lstrip().startswith("#")]
        want = [l for l in printed.splitlines()
                if not l.lstrip().startswith("#")]
        # The token line is a comment, so the copy has no token.
        check(strip == want, "%s\n---\n%s" % (printed, r.stdout))


def test_broken_config_exits_2_naming_file_line_and_column():
    with Home() as h:
        path = h.config("profiles:\n  work:\n    server: http://x\n"
                        "    heartbeat: soon\n")
        r = h.run("--follow", "nightly-sync")
        check(r.returncode == 2, "exit %d" % r.returncode)
        want = "logdeck: %s:4:16: 'heartbeat' must be a number of seconds" \
            % path
        check(r.stderr.startswith(want), r.stderr)
        check(r.stdout == "", r.stdout)


def test_broken_config_never_starts_curses():
    """On a terminal, the full-screen view is not entered at all: no
    alternate screen, no keypad mode, just the message and status 2."""
    with Home() as h:
        h.config("view:\n  wrap: [true\n")
        pid, fd = pty.fork()
        if pid == 0:
            env = h.env(TERM="xterm-256color")
            os.execve(LOGDECK, [LOGDECK], env)
        out = b""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 2,
              "status %r" % status)
        check(b"\x1b[?1049h" not in out and b"\x1b[?1h" not in out,
              "curses started: %r" % out)
        check(b"config.yaml:3:1: YAML syntax:" in out, out)


def test_unknown_key_is_a_warning_with_a_suggestion():
    with Home() as h:
        path = h.config("them: light\nprofiles:\n  w:\n    heartbaet: 5\n")
        r = h.run("--print-config")
        check(r.returncode == 0, r.stderr)
        check("%s:1:1: warning: unknown key 'them' in the configuration "
              "(ignored); did you mean 'theme'?" % path in r.stderr,
              r.stderr)
        check("%s:4:5: warning: unknown key 'heartbaet' in profile 'w' "
              "(ignored); did you mean 'heartbeat'?" % path in r.stderr,
              r.stderr)


def test_unknown_profile_exits_2_with_a_suggestion():
    with Home() as h:
        h.config(PROFILES)
        r = h.run("--profile", "wrok", "--print-config")
        check(r.returncode == 2, "exit %d" % r.returncode)
        check("did you mean 'work'?" in r.stderr, r.stderr)


def test_missing_named_config_exits_2():
    with Home() as h:
        r = h.run("--config", os.path.join(h.dir, "none.yaml"),
                  "--print-config")
        check(r.returncode == 2, "exit %d" % r.returncode)
        check("none.yaml: No such file" in r.stderr, r.stderr)


def test_token_file_others_can_read_is_refused():
    with Home() as h:
        tok = h.write("token", SECRET + "\n", 0o644)
        h.config("profiles:\n  default:\n    server: %s\n"
                 "    token_file: %s\n" % (DEAD_SERVER, tok))
        r = h.run("--follow", "nightly-sync")
        check(r.returncode == 2, "exit %d: %s" % (r.returncode, r.stderr))
        check("token_file holds a token but other users can read or change "
              "it (mode 0644)" in r.stderr, r.stderr)
        check("chmod 600" in r.stderr and SECRET not in r.stderr, r.stderr)


def test_config_holding_a_token_others_can_read_is_refused():
    with Home() as h:
        h.config(PROFILES, 0o640)
        r = h.run("--print-config")
        check(r.returncode == 2, "exit %d" % r.returncode)
        check("the configuration file holds a token but other users can "
              "read or change it (mode 0640)" in r.stderr, r.stderr)
        check(SECRET not in r.stderr + r.stdout, "token shown")


def test_failing_token_command_is_a_clear_error_without_the_token():
    with Home() as h:
        h.config("profiles:\n  default:\n    server: %s\n"
                 "    token_command: echo %s; echo oops >&2; exit 4\n"
                 % (DEAD_SERVER, SECRET))
        r = h.run("--follow", "nightly-sync")
        check(r.returncode == 2, "exit %d" % r.returncode)
        check("token_command of profile 'default' failed (exit status 4)"
              in r.stderr, r.stderr)
        check("oops" in r.stderr, "command stderr not passed: " + r.stderr)
        check(SECRET not in r.stderr + r.stdout, "token shown")


def test_insecure_profile_warns_on_every_start():
    with Home() as h:
        h.config("profiles:\n  default:\n    server: %s\n"
                 "    insecure: true\n" % DEAD_SERVER)
        for _ in range(2):
            r = h.run("--follow", "nightly-sync")
            check("warning: TLS certificate verification is off (insecure: "
                  "true in the profile)" in r.stderr, r.stderr)


def test_list_themes_shows_shipped_and_user_themes():
    with Home() as h:
        h.write("xdg/logdeck/themes/light.yaml", "inherits: light\n")
        h.write("xdg/logdeck/themes/mine.yaml", "inherits: mono\n")
        r = h.run("--list-themes")
        check(r.returncode == 0, r.stderr)
        names = dict(l.split("\t") for l in r.stdout.splitlines())
        for t in ("default", "light", "solarized-dark", "high-contrast",
                  "mono", "mine"):
            check(t in names, "%s missing: %r" % (t, r.stdout))
        check(names["light"].startswith(h.xdg), "user light not first")
        check(names["mono"].startswith(os.path.join(SRCDIR, "themes")),
              names["mono"])


def test_bad_theme_warns_with_file_line_and_uses_the_default():
    with Home() as h:
        path = h.write("bad.yaml", "inherits: default\nelements:\n"
                       "  level.warn: {fg: purple}\n")
        r = h.run("--theme", path, "--print-config")
        check(r.returncode == 0, "exit %d" % r.returncode)
        check("%s:3:20: level.warn: 'fg' must be a colour" % path
              in r.stderr, r.stderr)
        check("using the default theme" in r.stderr, r.stderr)
        check('theme: "default"' in r.stdout, r.stdout)


def test_every_shipped_theme_is_accepted_by_name():
    with Home() as h:
        for t in ("default", "light", "solarized-dark", "high-contrast",
                  "mono"):
            r = h.run("--theme", t, "--print-config")
            check(r.returncode == 0 and r.stderr == "", t + ": " + r.stderr)
            check('theme: "%s"' % t in r.stdout, r.stdout)


def test_list_profiles_follows_config_option():
    with Home() as h:
        path = h.write("other.yaml", "profiles:\n  a: {}\n  b: {}\n")
        r = h.run("--config", path, "--list-profiles")
        check(r.returncode == 0 and r.stdout == "a\nb\n", repr(r.stdout))


def complete(h, *words):
    """What the bash completion offers for the last of words."""
    script = os.path.join(SRCDIR, "completions", "logdeck")
    prog = ('source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
            '_logdeck; printf "%s\\n" "${COMPREPLY[@]}"')
    env = h.env(PATH=os.path.dirname(os.path.abspath(LOGDECK)) + ":" +
                os.environ.get("PATH", "/usr/bin:/bin"))
    r = subprocess.run(["bash", "-c", prog, script, "logdeck"] +
                       list(words), capture_output=True, text=True,
                       timeout=20, env=env, cwd=h.dir)
    check(r.returncode == 0 and r.stderr == "", r.stderr)
    return r.stdout.split()


def test_bash_completion_offers_options_profiles_and_themes():
    with Home() as h:
        h.config(PROFILES)
        other = h.write("other.yaml", "profiles:\n  alpha: {}\n")
        check(complete(h, "--print-c") == ["--print-config"], "options")
        check(complete(h, "--profile", "") == ["work", "local"],
              "profiles: %r" % complete(h, "--profile", ""))
        check(complete(h, "--config", other, "--profile", "") == ["alpha"],
              "profiles of --config")
        check(complete(h, "--config=" + other, "--profile=a") ==
              ["--profile=alpha"], "--opt=value form")
        check(complete(h, "--theme", "solar") == ["solarized-dark"],
              "themes: %r" % complete(h, "--theme", "solar"))
        check(complete(h, "--level", "=", "w") == ["warn"], "levels")


def test_help_works_even_with_a_broken_config():
    with Home() as h:
        h.config("view: [\n")
        r = h.run("--help")
        check(r.returncode == 0 and "--print-config" in r.stdout, r.stderr)


def serve_one_completed_run(srv, token):
    """Give automation a1 three lines and a completed run."""
    srv.ingest("a1", [ldtest.ev(n) for n in range(3)], token=token)
    srv.status("a1", "completed", token=token, exit_code=0)


def test_token_command_and_token_file_reach_the_server():
    with Home() as h, ldtest.Server("--token", SECRET) as srv:
        serve_one_completed_run(srv, SECRET)
        tok = h.write("token", SECRET + "\n", 0o600)
        h.config("profiles:\n  cmd:\n    server: %s\n"
                 "    token_command: echo %s\n"
                 "  file:\n    server: %s\n    token_file: %s\n"
                 "  none:\n    server: %s\n"
                 % (srv.url, SECRET, srv.url, tok, srv.url))
        for profile in ("cmd", "file"):
            r = h.run("--profile", profile, "automations", "logs", "a1")
            check(r.returncode == 0, "%s: exit %d: %s" % (
                profile, r.returncode, r.stderr))
            check(r.stdout.count("INFO: line") == 3, r.stdout)
        r = h.run("--profile", "none", "automations", "logs", "a1")
        check(r.returncode == 3, "no token: exit %d" % r.returncode)
        check(SECRET not in r.stderr, "token shown")


if __name__ == "__main__":
    ldtest.main(globals())
