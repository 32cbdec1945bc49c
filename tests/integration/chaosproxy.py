"""chaosproxy - a scripted TCP proxy for tests: it forwards a client to the
real server and can cut, stall, split or replace what comes back.

Per connection (counted from 0) a plan may say:
  cut=N      close both sides after N bytes went to the client
  stall=N    after N bytes, forward nothing more but keep the socket open
  canned=B   do not connect upstream; answer the request with bytes B
  gate=E     hold the request (read, not yet sent upstream) until the
             threading.Event E is set: an answer as late as the test wants
by_path=[(needle, plan), ...] gives a request whose first line holds the
bytes needle that plan instead (the first match), whichever connection
it comes on; a plan with once=True is used for one request only. A plan
is decided by a connection's first request and counts every byte the
connection carries back: with keep-alive, a later request (a token POST
after a stream's 401) would ride the first one's plan. close_each=True
asks the server to close after every answer (Connection: close on each
request head) so that every request comes on a connection, and gets a
plan, of its own. Globally, rewrite=[(old, new), ...] edits every
request head before it goes upstream (e.g. to play a server without
streams), and chunk=K sends at most K bytes per send() with TCP_NODELAY
and delay=S seconds between sends, so the client sees tiny reads.
"""
import re
import socket
import ssl
import threading
import time

import ldtest


class ChaosProxy:
    def __init__(self, upstream_port, plans=None, chunk=None, delay=0.0,
                 rewrite=(), tls=None, by_path=(), close_each=False):
        self.upstream_port = upstream_port
        self.close_each = close_each
        self.by_path = list(by_path)
        self.rewrite = list(rewrite)
        self.plans = plans or []
        self.chunk = chunk
        self.delay = delay
        self.connections = 0
        self.accepted_at = []  # time.monotonic() of each connection
        self.requests = []  # the raw request heads, in order
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.tls = None
        if tls:
            # tls=(certfile, keyfile): clients speak HTTPS to the proxy.
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(*tls)
            self.url = "https://127.0.0.1:%d" % self.port
        self.closing = False
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def close(self):
        """Stop accepting, then free the listening socket. The accept
        thread must be gone before the close: it calls accept() on the
        socket's fd number, which the next test's socket may get once it
        is closed (a proxy that had closed once took a connection meant
        for the next test's proxy and answered it with its own plan).
        shutdown() wakes a blocked accept() and fails the next one."""
        self.closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.acceptor.join(ldtest.WAIT_S)
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self):
        while not self.closing:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                n = self.connections
                self.connections += 1
                self.accepted_at.append(time.monotonic())
            plan = self.plans[n] if n < len(self.plans) else {}
            t = threading.Thread(target=self._serve, args=(c, plan),
                                 daemon=True)
            t.start()

    def _note(self, data):
        """Record request heads and apply the rewrites."""
        if data[:4] in (b"GET ", b"POST", b"HEAD"):
            with self.lock:
                self.requests.append(data)
        for old, new in self.rewrite:
            data = data.replace(old, new)
        return data

    def _read_head(self, c):
        data = b""
        while b"\r\n\r\n" not in data:
            got = c.recv(65536)
            if not got:
                break
            data += got
        if self.close_each and b"\r\n\r\n" in data:
            head, rest = data.split(b"\r\n\r\n", 1)
            head = re.sub(rb"(?im)^connection:[^\r\n]*\r\n?", b"",
                          head + b"\r\n").rstrip(b"\r\n")
            data = head + b"\r\nConnection: close\r\n\r\n" + rest
        return self._note(data)

    def _upstream(self, c, u):
        """Client to server: later requests on a kept-alive connection."""
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                u.sendall(self._note(data))
        except OSError:
            pass

    def _send(self, c, data):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self.chunk:
            c.sendall(data)
            return
        for i in range(0, len(data), self.chunk):
            c.sendall(data[i:i + self.chunk])
            if self.delay:
                time.sleep(self.delay)

    def _serve(self, c, plan):
        try:
            if self.tls:
                c = self.tls.wrap_socket(c, server_side=True)
            head = self._read_head(c)
            first = head.split(b"\r\n", 1)[0]
            with self.lock:
                for k, (needle, p) in enumerate(self.by_path):
                    if needle in first:
                        plan = p
                        if p.get("once"):
                            del self.by_path[k]
                        break
            if "gate" in plan:
                # Late on purpose: nothing goes upstream until the test
                # sets the event (it must, also when it fails).
                plan["gate"].wait()
            if "canned" in plan:
                self._send(c, plan["canned"])
                c.shutdown(socket.SHUT_RDWR)
                c.close()
                return
            u = socket.create_connection(("127.0.0.1", self.upstream_port))
            u.sendall(head)
            threading.Thread(target=self._upstream, args=(c, u),
                             daemon=True).start()
            sent = 0
            limit = plan.get("cut", plan.get("stall"))
            while True:
                data = u.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    self._send(c, data[:limit - sent])
                    sent = limit
                    break
                self._send(c, data)
                sent += len(data)
            if "stall" in plan:
                # Keep the socket open and silent until the client leaves.
                c.settimeout(60)
                try:
                    while c.recv(65536):
                        pass
                except OSError:
                    pass
            u.close()
            c.shutdown(socket.SHUT_RDWR)
            c.close()
        except OSError:
            try:
                c.close()
            except OSError:
                pass
