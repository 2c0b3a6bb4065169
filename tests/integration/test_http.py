"""
test_http.py: the HTTP/1.x layer: methods, every refusal status and its
one-line text/plain form, path traversal in every spelling (and symlinks out
of the content tree), keep-alive, pipelining, HTTP/1.0, and the header,
keep-alive and send timeouts. After each bad request the server must still
answer a plain one (as redis's protocol tests do).
"""

import os
import socket
import time
import unittest

from harness import FoliodTestCase, build_request

KNOWN_METHODS = ("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
                 "CONNECT")
UNKNOWN_METHODS = ("BREW", "PROPFIND", "get")
# A TLS ClientHello's first bytes, as sent by a client speaking https.
TLS_HELLO = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(32)

# (what, request bytes, acceptable statuses)
MALFORMED = (
    ("request line over 4096 bytes",
     build_request("/" + "a" * 5000), (414,)),
    ("more than 64 header fields",
     build_request(headers=[("X-Field-%d" % i, "1") for i in range(70)]),
     (431,)),
    ("header block over 8192 bytes",
     build_request(headers=[("X-Big-%d" % i, "b" * 1000) for i in range(10)]),
     (431,)),
    ("HTTP/1.1 without Host", build_request(host=None), (400,)),
    ("two Host fields", build_request(headers=[("Host", "other.example")]),
     (400,)),
    ("a request body",
     build_request(headers=[("Content-Length", "5")], body=b"hello"), (400,)),
    ("a malformed Content-Length",
     build_request(headers=[("Content-Length", "five")]), (400,)),
    ("Transfer-Encoding",
     build_request(headers=[("Transfer-Encoding", "chunked")],
                   body=b"0\r\n\r\n"), (501,)),
    ("HTTP/2.0", build_request(version="HTTP/2.0"), (505,)),
    ("HTTP/3.0", build_request(version="HTTP/3.0"), (505,)),
    ("a bad version token", build_request(version="HTTX/1.1"), (400,)),
    ("no version (HTTP/0.9)", b"GET /\r\n\r\n", (400, 505)),
    ("a bad method token", build_request(method="G(T"), (400,)),
    ("space before a colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", (400,)),
    ("a header line without a colon",
     b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", (400,)),
    ("obsolete line folding",
     b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  more\r\n\r\n", (400,)),
    ("a NUL in a header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
     (400,)),
    ("a control byte in the target",
     b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", (400,)),
    ("a TLS handshake", TLS_HELLO, (400,)),
)

BAD_PATHS = ("/../etc/passwd", "/%2e%2e/x", "/a/%2e%2e/%2e%2e/b", "/a%2fb",
             "/a%2Fb", "/a%00b", "/%zz", "/a%4", "/a%", "/a%01b", "relative",
             "*")

# Targets that name a file outside the content tree; "{outside}" is the
# directory beside it holding secret.txt.
TRAVERSALS = (
    "/../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/static/..%2f..%2fetc/passwd",
    "/images/../../../../etc/passwd",
    "/images/..%2f..%2f..%2f..%2fetc/passwd",
    "/images/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%5c..%5c..%5cetc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/./../etc/passwd",
    "//etc/passwd",
    "/etc/passwd",
    "http://127.0.0.1/../../../etc/passwd",
    "http://127.0.0.1/%2e%2e/%2e%2e/etc/passwd",
    "/../outside/secret.txt",
    "/images/../../outside/secret.txt",
    "/posts/bundle-post/../../../outside/secret.txt",
)
PASSWD_MARK = b"root:x:0:0"
SECRET = b"outside-secret-marker: this file is not part of the site\n"


class Refusals(FoliodTestCase):

    def assert_refused(self, data, statuses):
        """The request gets one of statuses as a one-line text/plain body
        with Connection: close, the server closes, and keeps serving."""
        resp, conn = self.server.raw(data)
        with conn:
            self.assertIn(resp.status, statuses, resp.text)
            self.assertTrue(resp.header("Content-Type", "").startswith(
                "text/plain"), resp.header("Content-Type"))
            self.assertEqual(resp.header("Connection", "").lower(), "close")
            self.assertEqual(int(resp.header("Content-Length")),
                             len(resp.body))
            self.assertTrue(resp.text.endswith("\n"), resp.text)
            self.assertEqual(resp.text.count("\n"), 1, resp.text)
            self.assertEqual(resp.header("Server"), "foliod")
            self.assertTrue(conn.closed_by_peer(), "left open after %d"
                            % resp.status)
            self.assertEqual(conn.buf, b"", "bytes after the response")
        self.assert_serving()
        return resp

    def test_other_known_methods_get_405_with_allow(self):
        for method in KNOWN_METHODS:
            with self.subTest(method=method):
                resp = self.assert_refused(build_request(method=method),
                                           (405,))
                self.assertEqual(resp.header("Allow"), "GET, HEAD")

    def test_a_method_with_a_body_gets_405(self):
        resp = self.assert_refused(build_request(
            method="POST", headers=[("Content-Length", "5")], body=b"hello"),
            (405,))
        self.assertEqual(resp.header("Allow"), "GET, HEAD")

    def test_unknown_methods_get_501(self):
        for method in UNKNOWN_METHODS:
            with self.subTest(method=method):
                self.assert_refused(build_request(method=method), (501,))

    def test_malformed_requests(self):
        for what, data, statuses in MALFORMED:
            with self.subTest(what):
                self.assert_refused(data, statuses)

    def test_bad_paths_get_400(self):
        for target in BAD_PATHS:
            with self.subTest(target=target):
                self.assert_refused(build_request(target), (400,))

    def test_a_refusal_leaves_other_connections_alone(self):
        """A bad request on one connection does not disturb another."""
        with self.server.connect() as good:
            self.assertEqual(good.request("/").status, 200)
            self.assert_refused(build_request(host=None), (400,))
            self.assertEqual(good.request("/about").status, 200)

    def test_empty_content_length_is_fine(self):
        self.get_ok("/", headers=[("Content-Length", "0")])

    def test_http10_needs_no_host(self):
        self.get_ok("/", version="HTTP/1.0", host=None)


class Traversal(FoliodTestCase):
    """The content tree holds symlinks that point out of it."""

    @classmethod
    def prepare_content(cls, server):
        outside = os.path.join(server.tmp, "outside")
        os.mkdir(outside)
        secret = os.path.join(outside, "secret.txt")
        with open(secret, "wb") as f:
            f.write(SECRET)
        with open(os.path.join(outside, "post.md"), "w") as f:
            f.write("---\ntitle: Linked\n---\n%s\n" % SECRET.decode())
        links = {
            "static/secret.txt": secret,
            "static/passwd": "/etc/passwd",
            "images/outside": outside,
            "posts/linked.md": os.path.join(outside, "post.md"),
            "posts/linked-bundle": outside,
        }
        for rel, target in links.items():
            os.symlink(target, os.path.join(server.content_dir, rel))
        server.write_content("static/swap.txt", "swap me\n")
        cls.secret_path = secret

    def assert_nothing_leaks(self, target):
        resp = self.get(target)
        self.assertIn(resp.status, (400, 404), resp)
        self.assertNotIn(PASSWD_MARK, resp.body)
        self.assertNotIn(SECRET.strip(), resp.body)
        return resp

    def test_traversal_targets(self):
        self.assertIn(PASSWD_MARK, open("/etc/passwd", "rb").read())
        for target in TRAVERSALS:
            with self.subTest(target=target):
                self.assert_nothing_leaks(target)
                self.assert_serving()

    def test_symlinks_out_of_the_tree_are_not_served(self):
        for target in ("/secret.txt", "/passwd", "/images/outside/secret.txt",
                       "/posts/linked", "/posts/linked-bundle/secret.txt"):
            with self.subTest(target=target):
                self.assert_nothing_leaks(target)

    def test_file_replaced_by_a_symlink_is_not_followed(self):
        self.assertEqual(self.get_ok("/swap.txt").body, b"swap me\n")
        path = os.path.join(self.server.content_dir, "static", "swap.txt")
        os.unlink(path)
        os.symlink(self.secret_path, path)
        resp = self.get("/swap.txt")
        self.assertNotIn(SECRET.strip(), resp.body)
        self.assertNotEqual(resp.status, 200)


class Connections(FoliodTestCase):

    def test_keep_alive_serves_several_requests(self):
        with self.server.connect() as conn:
            for target, status in (("/", 200), ("/nope", 404),
                                   ("/hello.txt", 200), ("/tags", 200),
                                   ("/posts/quiet-week/", 301), ("/", 200)):
                with self.subTest(target=target):
                    resp = conn.request(target)
                    self.assertEqual(resp.status, status)
                    self.assertNotEqual(resp.header("Connection", "").lower(),
                                        "close")
            self.assertFalse(conn.closed_by_peer(timeout=0.2))

    def test_pipelined_requests_are_answered_in_order(self):
        want = [self.get_ok(t) for t in ("/", "/tags", "/about")]
        with self.server.connect() as conn:
            conn.send(build_request("/") + build_request("/tags", "HEAD") +
                      build_request("/about"))
            got = [conn.read_response("GET"), conn.read_response("HEAD"),
                   conn.read_response("GET")]
            self.assertEqual(conn.request("/hello.txt").status, 200)
        self.assertEqual([r.status for r in got], [200, 200, 200])
        self.assertEqual(got[0].body, want[0].body)
        self.assertEqual(got[1].body, b"")
        self.assertEqual(got[1].header("ETag"), want[1].header("ETag"))
        self.assertEqual(got[2].body, want[2].body)

    def test_pipeline_stops_at_a_bad_request(self):
        with self.server.connect() as conn:
            conn.send(build_request("/") + build_request("/", host=None) +
                      build_request("/about"))
            self.assertEqual(conn.read_response().status, 200)
            self.assertEqual(conn.read_response().status, 400)
            self.assertTrue(conn.closed_by_peer())
            self.assertEqual(conn.buf, b"")

    def test_connection_close_is_honoured(self):
        with self.server.connect() as conn:
            resp = conn.request("/", headers=[("Connection", "close")])
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.header("Connection", "").lower(), "close")
            self.assertTrue(conn.closed_by_peer())

    def test_http10_closes_by_default(self):
        with self.server.connect() as conn:
            resp = conn.request("/", version="HTTP/1.0", host=None)
            self.assertEqual(resp.status, 200)
            self.assertTrue(conn.closed_by_peer())

    def test_http10_keep_alive_when_asked(self):
        with self.server.connect() as conn:
            for _ in range(2):
                resp = conn.request("/", version="HTTP/1.0",
                                    headers=[("Connection", "keep-alive")])
                self.assertEqual(resp.status, 200)
            self.assertFalse(conn.closed_by_peer(timeout=0.2))

    def test_absolute_form_target(self):
        plain = self.get_ok("/about")
        absolute = self.get_ok("%s/about" % self.server.base_url)
        self.assertEqual(absolute.body, plain.body)

    def test_leading_empty_lines_are_skipped(self):
        resp, conn = self.server.raw(b"\r\n" + build_request("/about"))
        conn.close()
        self.assertEqual(resp.status, 200)

    def test_many_connections_at_once(self):
        conns = [self.server.connect() for _ in range(20)]
        try:
            for conn in conns:
                conn.send(build_request("/about"))
            for conn in conns:
                self.assertEqual(conn.read_response().status, 200)
        finally:
            for conn in conns:
                conn.close()


class Timeouts(FoliodTestCase):
    conf = {"header_timeout": 1, "keepalive_timeout": 1, "send_timeout": 1}
    # Seconds we give a 1 s timeout to fire: the bound, not a measurement.
    BOUND = 10
    # A file larger than the socket buffers of both ends can hold, so the
    # server's writes follow the client's reads.
    BIG = "/big.bin"
    BIG_BYTES = 12 << 20
    # The slow reader: this many bytes, then a pause, until all are in.
    # Its download takes several times send_timeout, and it never stalls
    # for one.
    STEP_BYTES = 1 << 20
    STEP_PAUSE = 0.3

    @classmethod
    def prepare_content(cls, server):
        server.write_content("static" + cls.BIG, bytes(range(256)) *
                             (cls.BIG_BYTES // 256))

    def open_big(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(self.BOUND)
        sock.connect(("127.0.0.1", self.server.port))
        sock.sendall(build_request(self.BIG))
        return sock

    def read_all(self, sock, pause=0.0):
        got = 0
        step = 0
        while True:
            data = sock.recv(65536)
            if not data:
                return got
            got += len(data)
            step += len(data)
            if pause and step >= self.STEP_BYTES:
                step = 0
                time.sleep(pause)

    def assert_closed_for_silence(self, conn):
        self.assertTrue(conn.closed_by_peer(timeout=self.BOUND),
                        "still open after %d s" % self.BOUND)
        if conn.buf:
            self.assertTrue(conn.buf.startswith(b"HTTP/1.1 408 "), conn.buf)

    def test_silent_connection_is_closed(self):
        with self.server.connect() as conn:
            self.assert_closed_for_silence(conn)
        self.assert_serving()

    def test_partial_head_is_closed(self):
        with self.server.connect() as conn:
            conn.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.assert_closed_for_silence(conn)
        self.assert_serving()

    def test_idle_keep_alive_is_closed(self):
        with self.server.connect() as conn:
            self.assertEqual(conn.request("/").status, 200)
            self.assertTrue(conn.closed_by_peer(timeout=self.BOUND))
            self.assertEqual(conn.buf, b"")
        self.assert_serving()

    def test_slow_download_is_not_cut(self):
        """send_timeout is for a stall: a client that keeps reading gets
        the whole file, however long it takes."""
        with self.open_big() as sock:
            started = time.monotonic()
            got = self.read_all(sock, pause=self.STEP_PAUSE)
            took = time.monotonic() - started
        head = len(b"HTTP/1.1 200 OK\r\n")
        self.assertGreater(got, self.BIG_BYTES + head, "cut short")
        # Sanity, not a timing assertion: the download did outlast the
        # timeout, or the test proves nothing.
        self.assertGreater(took, 2 * self.conf["send_timeout"])
        self.assert_serving()

    def test_stalled_download_is_cut(self):
        with self.open_big() as sock:
            # The client reads nothing: the server's writes stall.
            time.sleep(3 * self.conf["send_timeout"] + 1)
            got = self.read_all(sock)
        self.assertLess(got, self.BIG_BYTES, "a stalled response was kept")
        self.assert_serving()


if __name__ == "__main__":
    unittest.main()
