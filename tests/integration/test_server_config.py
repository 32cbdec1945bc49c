#!/usr/bin/env python3
"""test_server_config.py - logdeck-server --config FILE: a YAML file of the
long options, read into the same settings as the command line, with
FILE:LINE:COL messages, did-you-mean for unknown keys and a refusal of
secrets others may read (src/server/optfile.c).
"""
import os
import re
import subprocess
import tempfile

import ldtest
from ldtest import LOGDECK_SERVER, SRCDIR
from serverutil import Server

EXAMPLE = os.path.join(SRCDIR, "doc", "logdeck-server.example.yaml")
# optfile.h OPTFILE_MAX
OPTFILE_MAX = 64 * 1024
# Options of --help that are not keys of the file.
NOT_SETTINGS = {"config", "help", "version"}


class ConfigFile:
    """A configuration file in a fresh directory; use as a context
    manager, .path names it."""

    def __init__(self, text, mode=0o600):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "server.yaml")
        with open(self.path, "w") as f:
            f.write(text)
        os.chmod(self.path, mode)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        self.dir.cleanup()


def run(*args):
    """Run logdeck-server to completion (it must exit by itself)."""
    return subprocess.run([LOGDECK_SERVER, *args], capture_output=True,
                          text=True, timeout=ldtest.WAIT_S)


def refused(text, mode=0o600):
    """The one line logdeck-server prints for a file it refuses, with the
    file's path replaced by FILE; fails unless it exits 2 at once."""
    with ConfigFile(text, mode) as path:
        r = run("--config", path, "--listen", "127.0.0.1:0")
        ldtest.eq(r.returncode, 2, "exit status (stderr %r)" % r.stderr)
        ldtest.eq(r.stdout, "", "stdout")
        return r.stderr.replace(path, "FILE")


def help_settings():
    """{name: the word of its value, "" for a flag} of the long options of
    --help that are keys of the file."""
    out = run("--help").stdout
    found = re.findall(r"^  --([a-z][a-z0-9-]*)(?: ([A-Z][A-Z:]*))?", out,
                       re.M)
    ldtest.check(len(found) > 10, "options found in --help: %r" % found)
    return {n: arg for n, arg in found if n not in NOT_SETTINGS}


def setting_names():
    return set(help_settings())


def test_file_sets_values_flags_and_secrets():
    text = ("simulate: 2\nrate: 50\ntoken: file-T0ken\nmax-streams: 1\n"
            "verbose: true\nheartbeat: 1\n")
    with ConfigFile(text) as path, Server("--config", path) as srv:
        auth = {"Authorization": "Bearer file-T0ken"}
        ldtest.eq(srv.get_json("/api/automations")[0], 401, "no token")
        st, body = srv.get_json("/api/automations", auth)
        ldtest.eq(st, 200, "with the file's token")
        ldtest.eq(len(body), 2, "simulated automations")
        first = srv.stream("/api/automations?stream=true", auth)
        ldtest.eq(first.status, 200, "first stream")
        second = srv.stream("/api/automations?stream=true", auth)
        ldtest.eq(second.status, 429, "stream past max-streams: 1")
        first.conn.close()
        second.conn.close()
        ldtest.check(srv.wait_stderr("path=/api/automations", ldtest.WAIT_S),
                     "verbose: true logs requests: %r" % srv.stderr())


def test_command_line_wins_over_the_file():
    # The file's address cannot be bound here: the server only starts
    # because the command line's --listen (from Server) replaces it.
    text = "listen: 203.0.113.1:1\nsimulate: 2\nverbose: false\n"
    with ConfigFile(text) as path, \
            Server("--config", path, "--simulate", "3") as srv:
        st, body = srv.get_json("/api/automations")
        ldtest.eq((st, len(body)), (200, 3), "automations of --simulate 3")
        srv.get_json("/api/automations/sim-1")
        ldtest.check("path=" not in srv.stderr(),
                     "verbose: false logs no request")


def test_empty_file_means_the_defaults():
    with ConfigFile("# nothing set\n") as path, \
            Server("--config", path) as srv:
        ldtest.eq(srv.get_json("/api/automations"), (200, []), "no sources")


def test_unknown_key_is_refused_with_a_suggestion():
    ldtest.eq(refused("simulate: 2\nmax-stream: 5\n"),
              "FILE:2:1: unknown key 'max-stream'; did you mean "
              "'max-streams'?\n", "message")
    ldtest.eq(refused("colour: red\n"),
              "FILE:1:1: unknown key 'colour' (the keys are the long "
              "options of --help)\n", "message without a near key")


def test_bad_value_is_named_by_file_line_and_column():
    ldtest.eq(refused("simulate: 2\n\nheartbeat:   often\n"),
              "FILE:3:14: --heartbeat needs an integer from 1 to 3600, "
              "not 'often'\n", "message")
    ldtest.eq(refused("listen: nowhere\n"),
              "FILE:1:9: --listen needs HOST:PORT, not 'nowhere'\n",
              "message")


def test_malformed_files_are_refused_where_they_break():
    cases = [
        ("simulate: [2\n", "FILE:2:1: YAML syntax"),
        ("- simulate\n", "FILE:1:1: the file must be a mapping"),
        ("ring: 5\nring: 6\n", "FILE:2:1: 'ring' is given twice"),
        ("simulate:\n", "FILE:1:10: 'simulate' needs a value"),
        ("seed: [1, 2]\n", "FILE:1:7: 'seed' needs a value"),
        ("verbose: yes please\n",
         "FILE:1:10: 'verbose' is true or false, not 'yes please'"),
        ("help: true\n", "FILE:1:1: 'help' is not a setting of the file"),
        ("config: other.yaml\n",
         "FILE:1:1: 'config' is not a setting of the file"),
    ]
    for text, want in cases:
        got = refused(text)
        ldtest.check(got.startswith(want) and got.count("\n") == 1,
                     "%r: got %r, want %r..." % (text, got, want))


def test_missing_file_is_a_command_line_error():
    r = run("--config", "/nonexistent/server.yaml")
    ldtest.eq(r.returncode, 2, "exit status")
    ldtest.eq(r.stderr, "/nonexistent/server.yaml: No such file or "
              "directory\n", "message")


def test_secrets_need_a_file_only_its_owner_reads():
    tokens = [n for n, arg in help_settings().items() if arg == "TOKEN"]
    ldtest.check(len(tokens) >= 2, "TOKEN options of --help: %r" % tokens)
    for text in ["%s: s3cret\n" % n for n in tokens] + [
                 "store: postgresql://logs:pw@127.0.0.1/logs\n",
                 "store: host=127.0.0.1 password=pw dbname=logs\n"]:
        got = refused(text, 0o640)
        ldtest.check(got.startswith("FILE:1:1: ") and
                     "mode 0640" in got and "chmod 600 FILE" in got,
                     "%r at mode 640: %r" % (text, got))
    with ConfigFile("token: s3cret\n", 0o600) as path, \
            Server("--config", path) as srv:
        ldtest.eq(srv.get_json("/api/automations")[0], 401, "token in use")
    # Without a secret others may read the file.
    with ConfigFile("store: memory\nsimulate: 1\n"
                    "max-streams-per-token: 5\n", 0o644) as path, \
            Server("--config", path) as srv:
        ldtest.eq(len(srv.get_json("/api/automations")[1]), 1, "sources")


def test_file_size_limit():
    at_limit = "simulate: 1\n"
    at_limit += "#" * (OPTFILE_MAX - len(at_limit) - 1) + "\n"
    ldtest.eq(len(at_limit), OPTFILE_MAX, "file size")
    with ConfigFile(at_limit) as path, Server("--config", path) as srv:
        ldtest.eq(len(srv.get_json("/api/automations")[1]), 1, "sources")
    ldtest.eq(refused(at_limit + "\n"),
              "FILE: larger than %d bytes\n" % OPTFILE_MAX, "message")


def test_every_option_is_a_key_with_no_code_of_its_own():
    # A long option of --help is a key: each accepts its value from the
    # file (checked by --version, which exits once the file is applied).
    values = {"store": "memory", "auth-file": "/dev/null",
              "listen": "127.0.0.1:0", "metrics-listen": "127.0.0.1:0",
              "log-format": "json", "max-stream-memory": "65536",
              "max-store-memory": "1048576"}
    for name, takes_value in sorted(help_settings().items()):
        value = values.get(name, "1" if takes_value else "true")
        with ConfigFile("%s: %s\n" % (name, value)) as path:
            r = run("--config", path, "--version")
            ldtest.eq((r.returncode, r.stderr), (0, ""),
                      "key %s: %s" % (name, value))


def test_example_names_every_key_and_loads():
    with open(EXAMPLE) as f:
        text = f.read()
    keys = re.findall(r"^(?:# )?([a-z][a-z0-9-]*):", text, re.M)
    ldtest.eq(sorted(set(keys)), sorted(setting_names()),
              "keys of the example")
    ldtest.eq(len(keys), len(set(keys)), "each key once")
    with ConfigFile(text, 0o644) as path, Server("--config", path) as srv:
        ldtest.eq(srv.get_json("/api/automations"), (200, []), "sources")
    # Each commented-out setting is valid as written once uncommented.
    for m in re.finditer(r"^# ([a-z][a-z0-9-]*: .*)$", text, re.M):
        with ConfigFile(text + m.group(1) + "\n") as path:
            r = run("--config", path, "--version")
            ldtest.eq((r.returncode, r.stderr), (0, ""), m.group(1))


if __name__ == "__main__":
    ldtest.main(globals())
