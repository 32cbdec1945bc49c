"""logdeck --follow against a server that issues expiring tokens and
limits streams: renewal without loss, and waiting as told on 429."""
import json
import os
import tempfile
import threading
import time

import ldtest
from ldtest import Server, check, eq, ev, logdeck, spawn

PRODUCER = "producer-static-T0ken"
CLIENT = {"client_id": "ops", "client_secret": "s3cret-ops-Pw"}


def auth_server(*args):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump([CLIENT], f)
    f.close()
    os.chmod(f.name, 0o600)
    return Server("--auth-file", f.name, "--token", PRODUCER, *args)


def messages(out):
    return [l.split(": ", 1)[1] for l in out.decode().splitlines()]


def test_stream_survives_ten_token_expiries_with_every_line_once():
    n = 60
    with auth_server("--token-ttl", "1") as s:
        s.ingest("exp", [ev(0, "m0")], token=PRODUCER)
        env = {"LOGDECK_CLIENT_ID": CLIENT["client_id"],
               "LOGDECK_CLIENT_SECRET": CLIENT["client_secret"]}
        p = spawn("--server", s.url, "-f", "exp", env=env)

        def produce():
            # Twelve seconds of lines: more than ten one-second tokens.
            for i in range(1, n):
                s.ingest("exp", [ev(i, "m%d" % i)], token=PRODUCER)
                time.sleep(0.2)
            s.status("exp", "completed", token=PRODUCER)

        t = threading.Thread(target=produce)
        t.start()
        out, err = p.communicate(timeout=60)
        t.join()
        eq(p.returncode, 0, "exit status: %r" % err[-800:])
        eq(messages(out), ["m%d" % i for i in range(n)], "every line once")
        check(err.count(b"Re-authenticated") >= 10,
              "renewals: %d" % err.count(b"Re-authenticated"))
        check(b"Connection lost" not in err, err)
        check(CLIENT["client_secret"].encode() not in out + err, "secret")


def _command_profile(d, url, second):
    """A config whose token_command prints a wrong token first, then
    second (read once each) for every later run."""
    script = os.path.join(d, "token.sh")
    with open(script, "w") as f:
        f.write('if [ -f "%s/once" ]; then printf "%%s\\n" "%s"; '
                'else touch "%s/once"; echo wrong-token; fi\n'
                % (d, second, d))
    cfg = os.path.join(d, "config.yaml")
    with open(cfg, "w") as f:
        f.write("profile: p\nprofiles:\n  p:\n    server: %s\n"
                "    token_command: sh %s\n" % (url, script))
    os.chmod(cfg, 0o600)
    return cfg


def test_a_refused_token_is_renewed_by_running_token_command_again():
    with tempfile.TemporaryDirectory() as d, Server("--token", PRODUCER) as s:
        s.ingest("cmd", [ev(1, "after renewal")], token=PRODUCER)
        s.status("cmd", "completed", token=PRODUCER)
        r = logdeck("--config", _command_profile(d, s.url, PRODUCER),
                    "-f", "cmd")
        eq(r.returncode, 0, "exit status: %r" % r.stderr)
        eq(messages(r.stdout), ["after renewal"], "lines")


def test_a_renewed_token_past_the_limit_is_refused():
    with tempfile.TemporaryDirectory() as d, Server("--token", PRODUCER) as s:
        s.ingest("cmd", [ev(1)], token=PRODUCER)
        r = logdeck("--config", _command_profile(d, s.url, "t" * 5000),
                    "-f", "cmd")
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"unauthorized" in r.stderr, r.stderr)
        check(b"ttttttttt" not in r.stderr, "the token was printed")


def test_refused_credentials_stop_with_exit_3():
    with auth_server() as s:
        r = logdeck("--server", s.url, "-f", "x",
                    env={"LOGDECK_CLIENT_ID": "ops",
                         "LOGDECK_CLIENT_SECRET": "wrong"})
        eq(r.returncode, 3, "exit status: %r" % r.stderr)
        check(b"refused" in r.stderr, r.stderr)


def test_stream_limit_429_is_waited_out_as_told():
    with Server("--max-streams", "1") as s:
        s.ingest("a", [ev(1, "a1")])
        s.ingest("b", [ev(1, "b1")])
        first = spawn("--server", s.url, "-f", "a")
        time.sleep(0.5)
        second = spawn("--server", s.url, "-f", "b")
        time.sleep(1.0)
        # The first ends; the second gets the slot on its next try.
        s.status("a", "completed")
        s.status("b", "completed")
        out1, _ = first.communicate(timeout=ldtest.WAIT_S)
        out2, err2 = second.communicate(timeout=ldtest.WAIT_S)
        eq(first.returncode, 0, "first")
        eq(second.returncode, 0, "second: %r" % err2)
        eq(messages(out2), ["b1"], "second's lines")
        check(b"429" in err2 and b"reconnecting in" in err2, err2)


ldtest.main(globals())
