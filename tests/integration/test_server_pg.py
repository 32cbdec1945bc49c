#!/usr/bin/env python3
"""test_server_pg.py - logdeck-server on PostgreSQL, over real HTTP.

One throwaway cluster (pgcluster.py) serves the whole file; each test uses
its own source names. Rows inserted with psql stand for any producer that
writes to the logs table directly (doc/api.md).
"""
import json
import os
import signal
import subprocess
import threading
import time

from pgcluster import BINDIR, Cluster
import ldtest
from ldtest import scaled
from serverutil import Server

# The newest migration of src/server/pgschema.c.
SCHEMA_VERSION = 4
# The latency the issue asks for, insert to client receipt: the median of
# the samples (one sample on a loaded machine can take longer; that is
# what bench/ measures, not this test), and a bound no sample may pass.
LIVE_DELAY_MAX = 0.100
LIVE_DELAY_WORST = 2.0


def pg_server(pg, *args):
    return Server("--store", pg.url, *args)


def ids_until(st, last_id, timeout=scaled(5.0)):
    """The log ids a stream sends until last_id (bounded in time)."""
    ids, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        ev = next_typed(st)
        assert ev is not None, "stream ended early after %r" % ids
        if ev.get("event") == "log":
            ids.append(int(ev["id"]))
            if ids[-1] >= last_id:
                return ids
    raise AssertionError("timed out after ids %r" % ids)


def next_typed(st):
    """The next event that has a type (skipping retry and keepalives)."""
    while True:
        ev = st.next_event()
        if ev is None or "event" in ev:
            return ev


def open_log_stream(srv, path, headers=None):
    """A stream of path."""
    st = srv.stream(path, headers=headers)
    assert st.status == 200, st.status
    return st


class Psql:
    """One long-lived psql reading statements from a pipe, so an insert
    costs no process start."""

    def __init__(self, pg):
        self.proc = subprocess.Popen(
            [os.path.join(BINDIR, "psql"), "-X", "-q", "-A", "-t",
             "-v", "ON_ERROR_STOP=1", "-h", pg.sock, "-p", str(pg.port),
             "-U", "postgres", "-d", "logdeck"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, sql):
        self.proc.stdin.write((sql + "\n").encode())
        self.proc.stdin.flush()

    def close(self):
        self.proc.stdin.close()
        assert self.proc.wait(scaled(10)) == 0


def test_rows_inserted_with_psql_reach_a_live_stream_within_100ms(pg):
    with pg_server(pg) as srv:
        srv.post("/api/automations/live/status", {"status": "running"})
        st = open_log_stream(srv, "/api/automations/live/logs")
        assert next_typed(st)["event"] == "status"
        psql = Psql(pg)
        delays = []
        for i in range(10):
            t0 = time.monotonic()
            psql.run("INSERT INTO logs (source, message, task) VALUES "
                     "('automations/live', 'row %d', 'psql');" % i)
            ev = next_typed(st)
            delays.append(time.monotonic() - t0)
            data = json.loads(ev["data"])
            assert data["message"] == "row %d" % i and data["task"] == "psql"
            # Spaced out, so each row is its own notification.
            time.sleep(0.05)
        psql.close()
        st.close()
        delays.sort()
        assert delays[len(delays) // 2] < LIVE_DELAY_MAX, delays
        assert delays[-1] < LIVE_DELAY_WORST, delays
        print("insert-to-client delay: median %.1f ms, max %.1f ms"
              % (delays[5] * 1000, delays[-1] * 1000))


def test_a_client_resumes_after_a_restart_with_nothing_lost_or_doubled(pg):
    with pg_server(pg) as srv:
        srv.post("/api/pipelines/rs/logs",
                 [{"message": "m%d" % i} for i in range(5)])
        # Another source's rows in between: ids of rs get gaps.
        srv.post("/api/pipelines/other/logs", [{"message": "x"}] * 3)
        status, body = srv.post("/api/pipelines/rs/logs",
                                [{"message": "m%d" % i} for i in (5, 6)])
        last = body["lastId"]
        st = open_log_stream(srv, "/api/pipelines/rs/logs")
        seen = ids_until(st, last)
        assert seen == sorted(set(seen)) and len(seen) == 7
        assert seen[-1] - seen[0] > 6, "expected gaps: %r" % seen
        # SIGTERM drains: the stream ends and the server exits 0.
        srv.proc.send_signal(signal.SIGTERM)
        end = time.monotonic() + scaled(3)
        while st.next() is not None:
            assert time.monotonic() < end
        assert srv.stop() == 0
    # Written while no server runs.
    pg.psql("INSERT INTO logs (source, message) SELECT 'pipelines/rs', "
            "'down ' || g FROM generate_series(1, 4) g")
    with pg_server(pg) as srv:
        srv.post("/api/pipelines/rs/logs", {"message": "after"})
        newest = srv.get_json("/api/pipelines/rs")[1]["lastLogId"]
        st = open_log_stream(srv, "/api/pipelines/rs/logs",
                             {"Last-Event-ID": str(seen[-1])})
        rest = ids_until(st, newest)
        st.close()
        polled = [e["id"] for e in srv.get_json(
            "/api/pipelines/rs/logs?limit=100")[1]]
        assert seen + rest == polled, (seen, rest, polled)
        assert len(rest) == 5
        # History reads the database too, gaps and all.
        tail = [e["id"] for e in srv.get_json(
            "/api/pipelines/rs/logs?tail=3")[1]]
        after = [e["id"] for e in srv.get_json(
            "/api/pipelines/rs/logs?after=%d&limit=2" % seen[3])[1]]
        assert tail == polled[-3:] and after == polled[4:6], (tail, after)


def test_two_servers_on_one_database_stream_the_same_rows(pg):
    with pg_server(pg) as a, pg_server(pg) as b:
        a.post("/api/artifacts/shared/status", {"status": "running"})
        sa = open_log_stream(a, "/api/artifacts/shared/logs")
        sb = open_log_stream(b, "/api/artifacts/shared/logs")
        a.post("/api/artifacts/shared/logs", {"message": "via a"})
        b.post("/api/artifacts/shared/logs", [{"message": "via b"}] * 2)
        pg.psql("INSERT INTO logs (source, message) VALUES "
                "('artifacts/shared', 'via psql')")
        last = a.get_json("/api/artifacts/shared")[1]["lastLogId"]
        ids_a, ids_b = ids_until(sa, last), ids_until(sb, last)
        assert ids_a == ids_b and len(ids_a) == 4, (ids_a, ids_b)
        b.post("/api/artifacts/shared/status",
               {"status": "completed", "exitCode": 0})
        for st in (sa, sb):
            ev = next_typed(st)
            assert ev["event"] == "status", ev
            assert json.loads(ev["data"])["status"] == "completed"
            assert next_typed(st) is None
        sa.close()
        sb.close()


def test_a_dropped_notification_connection_loses_no_row(pg):
    with pg_server(pg) as srv:
        srv.post("/api/automations/drop/status", {"status": "running"})
        st = open_log_stream(srv, "/api/automations/drop/logs")
        killed = pg.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'logdeck-server listen'").strip()
        assert killed == "1"
        pg.psql("INSERT INTO logs (source, message) SELECT "
                "'automations/drop', 'r' || g FROM generate_series(1, 20) g")
        last = srv.get_json("/api/automations/drop")[1]["lastLogId"]
        ids = ids_until(st, last)
        assert len(ids) == 20 and ids == sorted(set(ids))
        st.close()
        assert srv.wait_stderr("listening for changes again", scaled(3))


def test_servers_starting_together_migrate_the_schema_once(pg):
    pg.psql("CREATE DATABASE race", db="postgres")
    url = pg.url.replace("/logdeck?", "/race?")
    servers = []

    def start():
        servers.append(Server("--store", url))

    # Started at once, so their migrations race (an advisory lock wins).
    starters = [threading.Thread(target=start) for _ in range(3)]
    try:
        for t in starters:
            t.start()
        for t in starters:
            t.join(30)
        assert len(servers) == 3
        for srv in servers:
            assert srv.post("/api/automations/r/logs",
                            {"message": "x"})[0] in (200, 201)
        rows = pg.psql("SELECT count(*) || ' ' || max(version) FROM "
                       "schema_migrations", db="race").strip()
        assert rows == "%d %d" % (SCHEMA_VERSION, SCHEMA_VERSION), rows
    finally:
        for srv in servers:
            srv.stop()


def test_a_database_outage_gives_503_and_heals_without_a_restart(pg):
    # Its own cluster: this one goes down and comes back.
    with Cluster() as own, pg_server(own) as srv:
        srv.post("/api/automations/out/logs", {"message": "before"})
        st = open_log_stream(srv, "/api/automations/out/logs")
        assert next_typed(st)["event"] == "log"
        # The query connection alone: re-established on the next request.
        own.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE application_name = 'logdeck-server'")
        assert srv.get_json("/api/automations/out")[0] == 200
        own.pause()
        status, h, data = srv.request("GET", "/api/automations/out")
        assert status == 503 and int(h["retry-after"]) > 0, (status, data)
        assert "database" in json.loads(data)["error"]
        status, _, _ = srv.request("POST", "/api/automations/out/logs",
                                   {"message": "lost?"})
        assert status == 503
        own.resume()
        end = time.monotonic() + scaled(10)
        while srv.request("GET", "/api/automations/out")[0] != 200:
            assert time.monotonic() < end, srv.stderr()
            time.sleep(0.1)
        status, body = srv.post("/api/automations/out/logs",
                                {"message": "after"})
        assert status == 200, (status, body)
        ev = next_typed(st)
        while ev["event"] != "log":
            ev = next_typed(st)
        assert json.loads(ev["data"])["message"] == "after"
        st.close()


def test_resuming_before_the_retained_range_gets_a_reset(pg):
    pg.psql("INSERT INTO logs (source, \"timestamp\", message) VALUES "
            "('automations/old', '2001-01-01Z', 'ancient'),"
            "('automations/old', '2001-01-02Z', 'ancient'),"
            "('automations/old', now(), 'recent')")
    first = int(pg.psql("SELECT min(id) FROM logs "
                        "WHERE source = 'automations/old'"))
    with pg_server(pg, "--retain-days", "1") as srv:
        end = time.monotonic() + scaled(5)
        while srv.get_json("/api/automations/old/logs")[1][0]["message"] \
                != "recent":
            assert time.monotonic() < end, "retention did not run"
            time.sleep(0.05)
        st = open_log_stream(srv, "/api/automations/old/logs",
                             {"Last-Event-ID": str(first)})
        ev = next_typed(st)
        assert ev["event"] == "reset", ev
        reset = json.loads(ev["data"])
        assert reset["reason"] == "retention"
        ev = next_typed(st)
        assert ev["event"] == "log" and int(ev["id"]) == reset["oldestId"]
        assert json.loads(ev["data"])["message"] == "recent"
        st.close()


def test_a_dropped_day_gives_a_reset_and_takes_the_runs_it_held(pg):
    """Retention drops whole daily partitions: what they held is recorded,
    so a resume before it gets a reset, and a run whose events all went
    is dropped (never the newest)."""
    pg.psql("SELECT logdeck_logs_partition("
            "(now() AT TIME ZONE 'UTC')::date - 5)")
    pg.psql("INSERT INTO logs (source, \"timestamp\", message) VALUES "
            "('automations/dayold', now() - interval '5 days', 'a'),"
            "('automations/dayold', now() - interval '5 days', 'b')")
    pg.psql("UPDATE sources SET status = 'completed', exit_code = 0,"
            " status_ms = 1000 WHERE source = 'automations/dayold'")
    pg.psql("UPDATE sources SET status = 'running', exit_code = NULL,"
            " status_ms = 2000 WHERE source = 'automations/dayold'")
    pg.psql("INSERT INTO logs (source, message) VALUES "
            "('automations/dayold', 'recent')")
    first = int(pg.psql("SELECT min(id) FROM logs "
                        "WHERE source = 'automations/dayold'"))
    part = pg.psql("SELECT 'logs_p' || to_char((now() AT TIME ZONE 'UTC')"
                   "::date - 5, 'YYYYMMDD')").strip()
    with pg_server(pg, "--retain-days", "2") as srv:
        end = time.monotonic() + scaled(5)
        while len(srv.get_json("/api/automations/dayold/runs")[1]) != 1:
            assert time.monotonic() < end, "retention did not run"
            time.sleep(0.05)
        assert pg.psql("SELECT to_regclass('%s') IS NULL" % part).strip() \
            == "t"
        runs = srv.get_json("/api/automations/dayold/runs")[1]
        assert [r["run"] for r in runs] == [2], runs
        st = open_log_stream(srv, "/api/automations/dayold/logs",
                             {"Last-Event-ID": str(first)})
        ev = next_typed(st)
        assert ev["event"] == "reset", ev
        reset = json.loads(ev["data"])
        assert reset["reason"] == "retention"
        ev = next_typed(st)
        assert ev["event"] == "log" and int(ev["id"]) == reset["oldestId"]
        assert json.loads(ev["data"])["message"] == "recent"
        st.close()


def test_bad_ingest_bodies_are_refused_clearly_and_store_nothing(pg):
    def count():
        return int(pg.psql("SELECT count(*) FROM logs "
                           "WHERE source = 'automations/bad'"))

    with pg_server(pg) as srv:
        srv.post("/api/automations/bad/logs", {"message": "kept"})
        cases = [
            (b'[{"message": "a"}, {"message": ', 400, "malformed JSON"),
            (b'[{"message": "a"}, {"level": "INFO"}]', 400, "message"),
            (b'[{"message": "a"}, {"message": "b", "timestamp": "never"}]',
             400, "timestamp"),
            (b'[{"message": "a"}, 5]', 400, "not a JSON object"),
        ]
        for body, code, words in cases:
            status, _, data = srv.request("POST", "/api/automations/bad/logs",
                                          body)
            assert status == code, (body, status, data)
            assert words in json.loads(data)["error"], data
        assert count() == 1


def typed_until(st, pred, timeout=scaled(5.0)):
    """The typed events a stream sends up to the first one pred accepts,
    as (event, data) pairs (bounded in time)."""
    got, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        ev = next_typed(st)
        assert ev is not None, "stream ended early after %r" % got
        got.append((ev["event"], json.loads(ev["data"])))
        if pred(*got[-1]):
            return got
    raise AssertionError("timed out after %r" % got)


def shape(events):
    """Events as short names: a log by its message, a status by its status
    and run number."""
    return [d["message"] if e == "log" else
            "%s:%s:%s" % (e, d.get("status"), d.get("run"))
            for e, d in events]


def test_a_runs_all_stream_sees_run_boundaries_made_by_sql_in_place(pg):
    with pg_server(pg) as srv:
        srv.post("/api/automations/sqlrun/logs",
                 [{"message": "r1 a"}, {"message": "r1 b"}])
        st = open_log_stream(srv, "/api/automations/sqlrun/logs?runs=all")
        seen = typed_until(st, lambda e, d: d.get("message") == "r1 b")
        assert shape(seen) == ["status:running:1", "r1 a", "r1 b"], seen
        # A producer that writes the database directly, in one session
        # and without waiting for the stream.
        psql = Psql(pg)
        psql.run("UPDATE sources SET status = 'completed', exit_code = 0,"
                 " status_ms = 1733581425000"
                 " WHERE source = 'automations/sqlrun';")
        psql.run("INSERT INTO logs (source, message) VALUES"
                 " ('automations/sqlrun', 'between');")
        psql.run("BEGIN; SET LOCAL logdeck.run_id = 'sql-run-2';"
                 " UPDATE sources SET status = 'running', exit_code = NULL,"
                 " status_ms = 1733581426000"
                 " WHERE source = 'automations/sqlrun'; COMMIT;")
        psql.run("INSERT INTO logs (source, message) VALUES"
                 " ('automations/sqlrun', 'r2 a');")
        psql.close()
        seen = typed_until(st, lambda e, d: d.get("message") == "r2 a")
        assert shape(seen) == ["status:completed:1", "between",
                               "status:running:2", "r2 a"], seen
        ended, started = seen[0][1], seen[2][1]
        assert ended["exitCode"] == 0 and ended["runId"] == "1", ended
        assert ended["endedAt"] == "2024-12-07T14:23:45.000Z", ended
        assert started["runId"] == "sql-run-2", started
        assert started["startedAt"] == "2024-12-07T14:23:46.000Z", started
        assert "endedAt" not in started, started
        # The runs endpoint agrees: the event stored between the runs is
        # run 1's.
        status, runs = srv.get_json("/api/automations/sqlrun/runs")
        assert status == 200, (status, runs)
        assert [(r["run"], r["runId"], r["status"]) for r in runs] == [
            (1, "1", "completed"), (2, "sql-run-2", "running")], runs
        between = int(seen[1][1]["id"])
        assert runs[0]["lastLogId"] == between, runs
        st.close()


def test_the_live_list_hears_of_sources_and_runs_made_by_sql(pg):
    with pg_server(pg) as srv:
        st = open_log_stream(srv, "/api/pipelines?stream=true")
        assert next_typed(st)["event"] == "sources"
        pg.psql("INSERT INTO logs (source, message) VALUES"
                " ('pipelines/listed', 'x')")
        ev = next_typed(st)
        assert ev["event"] == "source", ev
        made = json.loads(ev["data"])
        assert made["id"] == "listed" and made["status"] == "running", made
        assert made["run"]["run"] == 1, made
        pg.psql("UPDATE sources SET status = 'failed', exit_code = 2,"
                " status_ms = 1733581425000"
                " WHERE source = 'pipelines/listed'")
        ended = typed_until(st, lambda e, d: d.get("status") == "failed")
        run = ended[-1][1]["run"]
        assert (run["run"], run["status"], run["exitCode"]) == \
            (1, "failed", 2), ended
        assert run["endedAt"] == "2024-12-07T14:23:45.000Z", run
        st.close()


def test_numbers_that_would_render_huge_are_refused_and_others_kept(pg):
    huge = '{"message": "x", "n": [%s]}' % ",".join(["1e131071"] * 9000)
    ordinary = '{"message": "ok", "a": 1.5e10, "b": -0.25,' \
        ' "c": 12345678901234567890}'
    with pg_server(pg) as srv:
        status, err = srv.post("/api/automations/num/logs", huge)
        assert status == 400 and "64 characters" in err["error"], err
        status, _ = srv.post("/api/automations/num/logs", ordinary)
        assert status == 201
        status, events = srv.get_json("/api/automations/num/logs")
        assert status == 200
        assert [(e["a"], e["b"], e["c"]) for e in events] == \
            [(1.5e10, -0.25, 12345678901234567890)], events


def test_timestamps_outside_years_1_to_9999_are_400_not_503(pg):
    with pg_server(pg) as srv:
        for ts in ("infinity", "-infinity", "10000-01-01T00:00:00Z",
                   "0001-01-01T00:00:00Z BC", "0000-12-31T00:00:00Z",
                   "9999-12-31T23:59:59-01:00"):
            status, err = srv.post("/api/automations/when/logs",
                                   {"message": "x", "timestamp": ts})
            assert status == 400 and "timestamp" in err["error"], (ts, err)
        for ts in ("0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"):
            status, _ = srv.post("/api/automations/when/logs",
                                 {"message": "x", "timestamp": ts})
            assert status in (200, 201), ts
        status, events = srv.get_json("/api/automations/when/logs")
        assert [e["timestamp"] for e in events] == \
            ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"], events


def test_a_read_the_database_cannot_answer_fails_alone_and_not_as_503(pg):
    # What an event of 9,000 copies of 1e131071 made before ingest refused
    # such numbers: PostgreSQL would render over 1 GB of text to read it.
    with pg_server(pg) as srv:
        pg.psql("INSERT INTO logs (source, message, extra) VALUES"
                " ('automations/unreadable', 'x', ('{\"n\": ['"
                " || repeat('1e131071,', 8999) || '1e131071]}')::jsonb)")
        ingest_ok = srv.post("/api/automations/readable/logs",
                             {"message": "fine"})
        assert ingest_ok[0] == 201
        # PostgreSQL renders about 1 GB before it gives up: 5 s here, more
        # on a slow machine, so this one request gets a long deadline.
        status, hdrs, data = srv.request(
            "GET", "/api/automations/unreadable/logs", timeout=120.0)
        assert status == 500 and "retry-after" not in hdrs, (status, data)
        assert b"cannot answer" in data, data
        status, events = srv.get_json("/api/automations/readable/logs")
        assert status == 200 and events[0]["message"] == "fine"
        assert srv.request("GET", "/readyz")[0] == 200


def keyed_post(srv, path, body, key):
    """POST body with Idempotency-Key key; (status, headers, JSON body)."""
    status, hdrs, data = srv.request("POST", path, body,
                                     {"Idempotency-Key": key}, timeout=60)
    return status, hdrs, json.loads(data)


def test_a_retry_through_another_server_is_stored_once(pg):
    path = "/api/automations/idem/logs"
    batch = [{"message": "m%d" % i} for i in range(3)]
    with pg_server(pg) as a, pg_server(pg) as b:
        first = keyed_post(a, path, batch, "retry-1")
        assert first[0] == 201 and first[2]["accepted"] == 3, first
        # The producer got no answer from a and retries on b.
        again = keyed_post(b, path, batch, "retry-1")
        assert again[0] == 201 and again[2] == first[2], (again, first)
        assert again[1].get("idempotent-replayed") == "true", again[1]
        assert keyed_post(b, path, [{"message": "no"}], "retry-1")[0] == 422
        assert pg.psql("SELECT count(*) FROM logs WHERE source ="
                       " 'automations/idem'").strip() == "3"
        # Two servers taking the same key at once: the second one's
        # insert waits on the first's row, fails as a whole when it
        # commits, and answers with its receipt (here a transaction held
        # open in psql plays the first server).
        psql = Psql(pg)
        psql.run("SET application_name = 'race'; BEGIN;"
                 " INSERT INTO ingest_keys VALUES ('automations/idem',"
                 " 'race', %d, %d, %d, 7, 77, false);"
                 % ((int(time.time() * 1000),) + race_fingerprint(batch)))
        ldtest.wait_for(lambda: pg.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
            " 'race' AND state = 'idle in transaction'").strip() == "1",
            60, "the first insert holding the key")
        out = []
        t = threading.Thread(
            target=lambda: out.append(keyed_post(a, path, batch, "race")))
        t.start()
        ldtest.wait_for(lambda: pg.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
            " 'logdeck-server' AND wait_event_type = 'Lock'").strip() == "1",
            60, "the second insert waiting on the key")
        psql.run("COMMIT;")
        t.join(60)
        psql.close()
        assert out and out[0][0] == 200, out
        assert out[0][2] == {"accepted": 7, "lastId": 77}, out
        assert pg.psql("SELECT count(*) FROM logs WHERE source ="
                       " 'automations/idem'").strip() == "3"


def race_fingerprint(batch):
    """The body hash (FNV-1a 32) and length the server computes for the
    JSON body the test client sends for batch."""
    data = json.dumps(batch).encode()
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h, len(data)


def test_idempotency_keys_expire_from_the_database(pg):
    # A key of long ago, as a server that stopped would leave it.
    pg.psql("INSERT INTO ingest_keys VALUES ('automations/old', 'k', 0, 1,"
            " 1, 1, 1, true)")
    path = "/api/automations/old2/logs"
    with pg_server(pg, "--idempotency-window", "1") as srv:
        # The upkeep pass at start deletes it.
        ldtest.wait_for(lambda: pg.psql(
            "SELECT count(*) FROM ingest_keys WHERE source ="
            " 'automations/old'").strip() == "0", 60, "old key deleted")
        first = keyed_post(srv, path, {"message": "x"}, "w")
        assert first[0] == 201, first
        # Past the window the key is forgotten: the batch is stored anew.
        ldtest.wait_for(
            lambda: keyed_post(srv, path, {"message": "x"}, "w")[2]["lastId"]
            != first[2]["lastId"], 30, "key forgotten after the window")


if __name__ == "__main__":
    with Cluster() as pg:
        ldtest.main(globals(), pg)
