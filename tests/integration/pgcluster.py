#!/usr/bin/env python3
"""pgcluster.py - a throwaway PostgreSQL 15 cluster for one test run.

initdb into a temporary directory, start it with its socket in a private
directory and no TCP listener (listen_addresses=''), create a database and
hand out a postgresql:// URL; stop it and remove everything afterwards.
As root the server runs as the postgres user (PostgreSQL refuses root).

As a module:   with Cluster() as pg: ... pg.url ... pg.psql("SQL")
As a wrapper:  pgcluster.py run CMD ARGS...  (CMD sees LOGDECK_PG_URL)
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

BINDIR = os.environ.get("LOGDECK_PG_BINDIR", "/usr/lib/postgresql/15/bin")
START_TIMEOUT = 20.0
DBNAME = "logdeck"


class Cluster:
    """A private PostgreSQL cluster; use as a context manager."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="logdeck-pg-")
        os.chmod(self.root, 0o755)
        self.data = os.path.join(self.root, "data")
        self.sock = os.path.join(self.root, "sock")
        self.log = os.path.join(self.root, "server.log")
        self.port = random.randint(20000, 60000)
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else None
        self.started = False
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _run(self, *cmd, check=True):
        """Run a PostgreSQL program as the cluster's owner."""
        argv = list(cmd)
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)

    def _start(self):
        os.mkdir(self.sock)
        if self.as_root:
            shutil.chown(self.sock, "postgres", "postgres")
            open(self.log, "w").close()
            shutil.chown(self.log, "postgres", "postgres")
            shutil.chown(self.root, "postgres", "postgres")
        self._run(os.path.join(BINDIR, "initdb"), "-D", self.data,
                  "-U", "postgres", "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        opts = ("-c listen_addresses='' -c unix_socket_directories=%s "
                "-c port=%d -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200"
                % (self.sock, self.port))
        self.opts = opts
        self.resume()
        self.psql("CREATE DATABASE %s" % DBNAME, db="postgres")
        self.url = "postgresql:///%s?host=%s&port=%d&user=postgres" % (
            DBNAME, self.sock, self.port)

    def resume(self):
        """Start the server (again)."""
        self._run(os.path.join(BINDIR, "pg_ctl"), "-D", self.data,
                  "-l", self.log, "-o", self.opts, "-w",
                  "-t", str(int(START_TIMEOUT)), "start")
        self.started = True

    def pause(self):
        """Stop the server, keeping its data (as an outage would)."""
        self._run(os.path.join(BINDIR, "pg_ctl"), "-D", self.data,
                  "-m", "fast", "-w", "stop")
        self.started = False

    def psql(self, sql, db=DBNAME):
        """Run SQL with psql; returns its output (unaligned, no headers)."""
        out = subprocess.run(
            [os.path.join(BINDIR, "psql"), "-X", "-q", "-A", "-t",
             "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
             "-U", "postgres", "-d", db, "-c", sql],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=30)
        return out.stdout.decode()

    def stop(self):
        """Stop the server (fast) and remove the directory."""
        if self.started:
            self._run(os.path.join(BINDIR, "pg_ctl"), "-D", self.data,
                      "-m", "immediate", "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if len(argv) < 3 or argv[1] != "run":
        sys.stderr.write("usage: pgcluster.py run CMD [ARGS...]\n")
        return 2
    with Cluster() as pg:
        env = dict(os.environ, LOGDECK_PG_URL=pg.url)
        started = time.monotonic()
        rc = subprocess.call(argv[2:], env=env)
        sys.stderr.write("pgcluster: %s ran %.1f s against %s\n"
                         % (argv[2], time.monotonic() - started, pg.url))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
