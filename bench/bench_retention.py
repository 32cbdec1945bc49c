#!/usr/bin/env python3
"""bench_retention.py - the two ways of PostgreSQL retention on the same
rows, same run, same machine: DELETE in batches of the unpartitioned logs
table (schema version 2, what `--retain-days` did) against dropping whole
daily partitions (schema version 3, what it does now) for the same cutoff.

Not a test: it prints a table. Run with `make bench-retention` (ROWS=N in
the environment for a smaller run). A throwaway cluster (tests/integration/
pgcluster.py, fsync off) gets the real schema from logdeck-server, then
ROWS rows spread evenly over DAYS days and SOURCES sources are loaded with
COPY twice: into `logs` (partitioned) and into `old_logs` (a copy of the
version 2 table with its indexes). Each method then runs as the server
runs it, one committed statement per batch or partition, in a procedure
(so client round trips do not count), and the longest single statement is
reported too: it is how long one pass holds its locks.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from pgcluster import BINDIR, Cluster  # noqa: E402
from serverutil import Server  # noqa: E402

ROWS = int(os.environ.get("ROWS", "10000000"))
DAYS = 20           # the rows span this many days up to now
RETAIN_DAYS = 10    # the cutoff: about half of the rows are older
SOURCES = 100
BATCH = 5000        # PGSTORE_RETAIN_BATCH, rows per DELETE

OLD_INDEXES = (
    "ALTER TABLE old_logs ADD PRIMARY KEY (id)",
    "CREATE INDEX old_logs_source_id ON old_logs (source, id)",
    "CREATE INDEX old_logs_timestamp ON old_logs (\"timestamp\")",
    "CREATE INDEX old_logs_source_timestamp ON old_logs "
    "(source, \"timestamp\")",
)

# The statement of --retain-days before partitions (pgstore.c, schema 2),
# on old_logs, looped as the server loops it: again at once after a full
# batch.
OLD_RETAIN = """
CREATE PROCEDURE bench_old(days int, batch int, INOUT n bigint,
                           INOUT steps int, INOUT longest float8)
LANGUAGE plpgsql AS $$
DECLARE
    d bigint;
    t timestamptz;
BEGIN
    LOOP
        t := clock_timestamp();
        WITH x AS (DELETE FROM old_logs WHERE id IN (SELECT id FROM old_logs
              WHERE "timestamp" < now() - make_interval(days => days)
              ORDER BY id LIMIT batch) RETURNING source, id),
         m AS (SELECT source, max(id) AS top FROM x GROUP BY source),
         u AS (UPDATE sources s SET evicted_id = greatest(s.evicted_id, m.top)
               FROM m WHERE s.source = m.source)
        SELECT count(*) INTO d FROM x;
        COMMIT;
        n := n + d;
        steps := steps + 1;
        longest := greatest(longest,
            extract(epoch FROM clock_timestamp() - t) * 1000);
        EXIT WHEN d < batch;
    END LOOP;
END $$;
"""

# What --retain-days does now (pgstore.c, pgstore_retain): drop each
# expired partition, then delete the stray rows of logs_default.
NEW_RETAIN = """
CREATE PROCEDURE bench_new(days int, batch int, INOUT n bigint,
                           INOUT steps int, INOUT longest float8)
LANGUAGE plpgsql AS $$
DECLARE
    part text;
    t timestamptz;
BEGIN
    LOOP
        part := logdeck_logs_expired(now() - make_interval(days => days));
        EXIT WHEN part IS NULL;
        t := clock_timestamp();
        PERFORM logdeck_logs_drop(part);
        COMMIT;
        steps := steps + 1;
        longest := greatest(longest,
            extract(epoch FROM clock_timestamp() - t) * 1000);
    END LOOP;
END $$;
"""


def psql(pg, sql, stdin=None):
    """Run sql in one psql session (no timeout: the loads take minutes)."""
    out = subprocess.run(
        [os.path.join(BINDIR, "psql"), "-X", "-q", "-A", "-t",
         "-v", "ON_ERROR_STOP=1", "-h", pg.sock, "-p", str(pg.port),
         "-U", "postgres", "-d", "logdeck", "-c", sql],
        check=True, stdout=subprocess.PIPE, stdin=stdin)
    return out.stdout.decode().strip()


def load(pg, table):
    """COPY ROWS rows into table, ids 1..ROWS in time order; seconds."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [os.path.join(BINDIR, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
         "-h", pg.sock, "-p", str(pg.port), "-U", "postgres",
         "-d", "logdeck", "-c",
         # No triggers: ids are given, and the sources rows exist.
         "SET session_replication_role = replica; COPY %s (id, source, "
         "\"timestamp\", level, message, task, extra) FROM STDIN" % table],
        stdin=subprocess.PIPE)
    start = int(time.time()) - DAYS * 86400
    step = DAYS * 86400.0 / ROWS
    stamps = {}
    out = proc.stdin
    chunk = []
    for i in range(1, ROWS + 1):
        t = start + i * step
        sec = int(t)
        stamp = stamps.get(sec)
        if stamp is None:
            stamps.clear()
            stamp = stamps[sec] = time.strftime(
                "%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        chunk.append("%d\tautomations/s%03d\t%s.%03dZ\tINFO\t"
                     "event %d of the retention bench\tload\t{}\n"
                     % (i, i % SOURCES, stamp, int((t - sec) * 1000), i))
        if len(chunk) == 10000:
            out.write("".join(chunk).encode())
            chunk = []
    out.write("".join(chunk).encode())
    out.close()
    if proc.wait() != 0:
        raise SystemExit("COPY into %s failed" % table)
    return time.monotonic() - t0


def timed_call(pg, proc):
    """CALL proc; (rows removed, statements, longest ms, seconds)."""
    t0 = time.monotonic()
    out = psql(pg, "CALL %s(%d, %d, 0, 0, 0)" % (proc, RETAIN_DAYS, BATCH))
    elapsed = time.monotonic() - t0
    n, steps, longest = out.split("|")
    return int(n), int(steps), float(longest), elapsed


def main():
    with Cluster() as pg:
        with Server("--store", pg.url):
            pass  # the schema, migrated to the newest version
        psql(pg, "ALTER SYSTEM SET max_wal_size = '4GB'")
        psql(pg, "SELECT pg_reload_conf()")
        psql(pg, "SELECT logdeck_logs_partition("
             "(now() AT TIME ZONE 'UTC')::date - i) "
             "FROM generate_series(1, %d) i" % (DAYS + 1))
        psql(pg, "INSERT INTO sources (source, kind, id, name) SELECT "
             "'automations/s' || to_char(i, 'FM000'), 'automations', "
             "'s' || to_char(i, 'FM000'), 's' || to_char(i, 'FM000') "
             "FROM generate_series(0, %d) i" % (SOURCES - 1))
        psql(pg, "CREATE TABLE old_logs (LIKE logs INCLUDING DEFAULTS "
             "INCLUDING CONSTRAINTS)")
        t_new_load = load(pg, "logs")
        t_old_load = load(pg, "old_logs")
        t0 = time.monotonic()
        for sql in OLD_INDEXES:
            psql(pg, sql)
        t_old_load += time.monotonic() - t0
        psql(pg, "SELECT setval('logs_id_seq', %d)" % ROWS)
        psql(pg, "VACUUM ANALYZE")
        psql(pg, OLD_RETAIN)
        psql(pg, NEW_RETAIN)
        size_old0 = int(psql(pg, "SELECT pg_total_relation_size('old_logs')"))
        old = timed_call(pg, "bench_old")
        evicted_old = psql(pg, "SELECT max(evicted_id) FROM sources")
        psql(pg, "UPDATE sources SET evicted_id = 0")
        t0 = time.monotonic()
        psql(pg, "VACUUM old_logs")
        vac = time.monotonic() - t0
        size_old1 = int(psql(pg, "SELECT pg_total_relation_size('old_logs')"))
        before = int(psql(pg, "SELECT count(*) FROM logs"))
        new = timed_call(pg, "bench_new")
        after = int(psql(pg, "SELECT count(*) FROM logs"))
        new = (before - after,) + new[1:]
        kept_old = int(psql(pg, "SELECT count(*) FROM old_logs"))
        evicted_new = psql(pg, "SELECT max(evicted_id) FROM sources")

    print("retention of %d days over %d rows spanning %d days, %d sources "
          "(2 cores, fsync off)" % (RETAIN_DAYS, ROWS, DAYS, SOURCES))
    print("load with COPY: %.1f s partitioned, %.1f s unpartitioned "
          "(incl. index build)" % (t_new_load, t_old_load))
    print("%-34s %14s %14s %8s" % ("", "DELETE batches", "DROP partition",
                                   "ratio"))
    rows = [
        ("rows removed", old[0], new[0], "%d"),
        ("statements (batches / partitions)", old[1], new[1], "%d"),
        ("total time (s)", old[3], new[3], "%.2f"),
        ("longest statement (ms)", old[2], new[2], "%.1f"),
        ("time per million rows removed (s)", old[3] / old[0] * 1e6,
         new[3] / new[0] * 1e6, "%.3f"),
    ]
    for name, o, n, fmt in rows:
        ratio = "%8.1f" % (o / n) if n else "%8s" % "-"
        print("%-34s %14s %14s %s" % (name, fmt % o, fmt % n, ratio))
    print("after DELETE: VACUUM old_logs took %.1f s; old_logs stays %d MiB "
          "(was %d MiB) for %d rows; dropped partitions free their files"
          % (vac, size_old1 >> 20, size_old0 >> 20, kept_old))
    print("rows left: %d unpartitioned, %d partitioned (the partition "
          "holding the cutoff stays whole); newest evicted id %s / %s"
          % (kept_old, after, evicted_old, evicted_new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
