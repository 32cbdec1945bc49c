#!/usr/bin/env python3
"""test_packages.py - the Debian packages build, pass lintian, install,
run and purge on this machine, with the real dpkg-buildpackage, lintian,
dpkg and apt-get.

The packages are built out of tree, from the distribution tarball
(LOGDECK_DIST, default: the newest logdeck-*.tar.gz at the top, as
make dist or distcheck leave it) plus this tree's debian/, so the work
tree stays clean. Installing needs root (or sudo). The tests run in order
and share the build; the last one purges what the others installed.

Usage: python3 tests/package/test_packages.py [test_name ...]
"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import ldtest  # noqa: E402
from ldtest import TestFailure  # noqa: E402

PACKAGES = ("logdeck", "logdeck-server")
UNIT = "/lib/systemd/system/logdeck-server.service"
# The build and lintian are the slow parts: ~30 s on two cores.
BUILD_S = 900
SUDO = [] if os.geteuid() == 0 else ["sudo", "-n"]
WORK = tempfile.mkdtemp(prefix="logdeck-pkg.")
state = {}


def run(argv, timeout=120, root=False, env=None, check=True):
    """Run argv to completion (as root when asked); fail with its output
    when it exits non-zero and check is set."""
    argv = (SUDO if root else []) + list(argv)
    r = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout, env=env,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise TestFailure("%s exited %d:\n%s%s" % (
            " ".join(argv), r.returncode, r.stdout[-3000:],
            r.stderr[-3000:]))
    return r


def debs():
    """The .deb of each package, built by the first test."""
    if "debs" not in state:
        raise TestFailure("the packages were not built")
    return state["debs"]


def installed(pkg):
    r = run(["dpkg-query", "-W", "-f=${Status}", pkg], check=False)
    return r.returncode == 0 and r.stdout == "install ok installed"


def test_packages_build_out_of_tree_with_dpkg_buildpackage():
    tarballs = sorted(glob.glob(os.path.join(TOP, "logdeck-*.tar.gz")),
                      key=os.path.getmtime)
    dist = os.environ.get("LOGDECK_DIST") or (tarballs[-1] if tarballs
                                              else None)
    ldtest.check(dist and os.path.exists(dist),
                 "no tarball: run make dist (or set LOGDECK_DIST)")
    with tarfile.open(dist) as t:
        t.extractall(WORK)
    name = os.path.basename(dist)[:-len(".tar.gz")]
    state["version"] = name.split("-", 1)[1]
    src = os.path.join(WORK, name)
    shutil.copytree(os.path.join(TOP, "debian"), os.path.join(src, "debian"))
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=%d"
               % (os.cpu_count() or 1), DEB_BUILD_PROFILES="nocheck")
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                       env=env, capture_output=True, text=True,
                       timeout=BUILD_S, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise TestFailure("dpkg-buildpackage exited %d:\n%s" % (
            r.returncode, (r.stdout + r.stderr)[-4000:]))
    out = {}
    for pkg in PACKAGES:
        found = glob.glob(os.path.join(WORK, "%s_%s_*.deb"
                                       % (pkg, state["version"])))
        ldtest.eq(len(found), 1, "%s .deb files" % pkg)
        out[pkg] = found[0]
    state["debs"] = out
    state["changes"] = glob.glob(os.path.join(WORK, "*.changes"))[0]


def test_lintian_reports_no_errors():
    debs()
    r = run(["lintian", "--info", "--display-info", state["changes"]],
            timeout=BUILD_S, check=False)
    tags = [t for t in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", t)]
    # For the log: what lintian thinks short of an error.
    for t in tags:
        print("  lintian: " + t)
    errors = [t for t in tags if t.startswith("E: ")]
    ldtest.eq(errors, [], "lintian errors")
    ldtest.eq(r.returncode, 0, "lintian exit status:\n" + r.stderr)


def test_packages_install_with_dpkg():
    paths = [debs()[p] for p in PACKAGES]
    r = run(["dpkg", "-i"] + paths, root=True, check=False)
    if r.returncode != 0:
        # Missing dependencies: apt brings them and finishes the install.
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "install", "-f", "-y", "-q",
             "--no-install-recommends"], timeout=600, root=True, env=env)
    for pkg in PACKAGES:
        ldtest.check(installed(pkg), "%s is installed" % pkg)


def test_installed_client_runs_and_finds_its_files():
    debs()
    r = run(["/usr/bin/logdeck", "--version"])
    ldtest.eq(r.stdout.strip(), "logdeck " + state["version"], "--version")
    themes = run(["/usr/bin/logdeck", "--list-themes"],
                 env=dict(os.environ, HOME=WORK,
                          XDG_CONFIG_HOME=WORK)).stdout
    for name in ("default", "light", "solarized-dark", "high-contrast",
                 "mono"):
        ldtest.check(re.search(r"^%s\t/usr/share/logdeck/themes/" % name,
                               themes, re.M),
                     "installed theme %s listed: %r" % (name, themes))
    for path in ("/usr/share/man/man1/logdeck.1.gz",
                 "/usr/share/man/man5/logdeck.yaml.5.gz",
                 "/usr/share/man/man5/logdeck-theme.5.gz",
                 "/usr/share/bash-completion/completions/logdeck",
                 "/usr/share/zsh/vendor-completions/_logdeck",
                 "/usr/share/fish/vendor_completions.d/logdeck.fish",
                 "/usr/share/doc/logdeck/config.example.yaml"):
        ldtest.check(os.path.exists(path), path + " installed")


def test_installed_server_runs_and_notifies_systemd():
    debs()
    r = run(["/usr/bin/logdeck-server", "--help"])
    ldtest.check(r.stdout.startswith("usage: logdeck-server"), r.stdout)
    ldtest.check(os.path.exists("/usr/share/man/man1/logdeck-server.1.gz"),
                 "logdeck-server(1) installed")
    # The packaged server is built with libsystemd: READY=1 once it
    # listens, as the unit's Type=notify expects.
    with open(UNIT) as f:
        ldtest.check(re.search(r"^Type=notify$", f.read(), re.M),
                     "Type=notify")
    path = os.path.join(WORK, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(ldtest.WAIT_S)
    proc = subprocess.Popen(
        ["/usr/bin/logdeck-server", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=dict(os.environ, NOTIFY_SOCKET=path))
    try:
        ldtest.eq(sock.recv(4096), b"READY=1", "notification")
        ldtest.check(proc.stdout.readline().startswith(b"listening on "),
                     "listening")
        proc.send_signal(signal.SIGTERM)
        ldtest.eq(proc.wait(ldtest.WAIT_S), 0, "exit status")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        sock.close()


def test_installed_unit_passes_systemd_analyze_verify():
    debs()
    r = run(["systemd-analyze", "verify", "--man=no", UNIT], check=False)
    ldtest.eq((r.returncode, r.stdout + r.stderr), (0, ""),
              "systemd-analyze verify " + UNIT)


def test_install_creates_the_system_user_and_a_conffile():
    debs()
    r = run(["getent", "passwd", "logdeck"], check=False)
    ldtest.eq(r.returncode, 0, "getent passwd logdeck")
    fields = r.stdout.strip().split(":")
    ldtest.check(int(fields[2]) < 1000, "a system uid: %s" % fields[2])
    ldtest.check(fields[6].endswith("nologin") or fields[6].endswith(
        "false"), "no login shell: %s" % fields[6])
    ldtest.eq(run(["getent", "group", "logdeck"], check=False).returncode,
              0, "getent group logdeck")
    conf = run(["dpkg-query", "-W", "-f=${Conffiles}",
                "logdeck-server"]).stdout
    ldtest.check("/etc/default/logdeck-server" in conf, "conffile: %r"
                 % conf)


def test_purge_removes_the_packages_user_and_files():
    debs()
    run(["dpkg", "--purge"] + list(PACKAGES), root=True)
    for pkg in PACKAGES:
        ldtest.check(not installed(pkg), "%s purged" % pkg)
    for db in ("passwd", "group"):
        ldtest.eq(run(["getent", db, "logdeck"], check=False).returncode,
                  2, "getent %s logdeck after purge" % db)
    for path in ("/usr/bin/logdeck", "/usr/bin/logdeck-server", UNIT,
                 "/etc/default/logdeck-server"):
        ldtest.check(not os.path.exists(path), path + " removed")


if __name__ == "__main__":
    try:
        ldtest.main(globals())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
