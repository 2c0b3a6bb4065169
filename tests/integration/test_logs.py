"""
test_logs.py: the access log: JSON lines (each a valid JSON object with the
status and the target), the combined format, stdout, off by default, the
trusted proxy header as client address (only when it holds one), responses
cut short, and USR1 reopening the file.
"""

import json
import os
import re
import signal
import socket
import struct
import unittest

from harness import EVENT_TIMEOUT, FoliodTestCase, build_request, wait_until

PROXY_HEADER = "CF-Connecting-IP"
PROXIED_CLIENT = "203.0.113.7"


def names_target(entry, target):
    """True if a field of the entry is the target, or a request line
    holding it."""
    return any(isinstance(v, str) and (v == target or " %s " % target in v)
               for v in entry.values())


class AccessLogCase(FoliodTestCase):
    """Helpers for reading the access log file."""

    def log_path(self):
        return os.path.join(self.server.tmp, "access.log")

    def lines(self, path=None):
        try:
            with open(path or self.log_path(), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        text = data.decode("utf-8")     # fails the test on invalid UTF-8
        self.assertTrue(text == "" or text.endswith("\n"), text[-200:])
        return text.splitlines()

    def wait_line(self, predicate, what, path=None):
        return wait_until(lambda: next((line for line in self.lines(path)
                                        if predicate(line)), None),
                          EVENT_TIMEOUT, what)


class JsonAccessLog(AccessLogCase):
    conf = {"access_log": "json", "access_log_file": "{tmp}/access.log",
            "trust_proxy_header": PROXY_HEADER}
    # More than the socket buffers hold, so a client can leave mid-body.
    BIG = "/big.bin"
    BIG_BYTES = 16 << 20

    @classmethod
    def prepare_content(cls, server):
        server.write_content("static" + cls.BIG, bytes(cls.BIG_BYTES))

    def entries(self, path=None):
        out = []
        for line in self.lines(path):
            entry = json.loads(line)
            self.assertIsInstance(entry, dict, line)
            out.append(entry)
        return out

    def wait_entry(self, target, path=None):
        """The first entry naming target (the test's unique target)."""
        def find():
            return next((e for e in self.entries(path)
                         if names_target(e, target)), None)
        return wait_until(find, EVENT_TIMEOUT, "an access log entry for %s"
                          % target)

    def test_lines_are_json_with_status_and_target(self):
        cases = (("/about?json=1", "GET", (), 200),
                 ("/nope?json=2", "GET", (), 404),
                 ("/hello.txt?json=3", "HEAD", (), 200),
                 ("/hello.txt?json=4", "GET", [("Range", "bytes=0-9")], 206),
                 ("/about?json=5", "POST", (), 405))
        for target, method, headers, status in cases:
            self.assertEqual(self.get(target, method=method,
                                      headers=headers).status, status)
        for target, _, _, status in cases:
            with self.subTest(target=target):
                entry = self.wait_entry(target)
                self.assertEqual(int(entry["status"]), status, entry)
        self.entries()      # every line is JSON

    def test_refused_requests_are_logged(self):
        resp, conn = self.server.raw(build_request("/about?json=refused",
                                                   host=None))
        conn.close()
        self.assertEqual(resp.status, 400)
        entry = self.wait_entry("/about?json=refused")
        self.assertEqual(int(entry["status"]), 400, entry)

    def test_trusted_proxy_header_gives_the_client(self):
        # Host names the site, so only a client field can hold an address.
        self.get_ok("/tags?proxied=1", host="blog.example",
                    headers=[(PROXY_HEADER, PROXIED_CLIENT)])
        self.get_ok("/tags?direct=1", host="blog.example")
        proxied = self.wait_entry("/tags?proxied=1")
        direct = self.wait_entry("/tags?direct=1")
        self.assertIn(PROXIED_CLIENT, proxied.values())
        self.assertNotIn("127.0.0.1", proxied.values())
        self.assertIn("127.0.0.1", direct.values())

    def test_proxy_header_must_be_an_address(self):
        forged = ('1.2.3.4 - - [01/Jan/2000:00:00:00 +0000] "GET /admin'
                  ' HTTP/1.1" 200 0')
        for n, value in enumerate((forged, "localhost", "")):
            with self.subTest(value=value):
                target = "/tags?forged=%d" % n
                self.get_ok(target, headers=[(PROXY_HEADER, value)])
                entry = self.wait_entry(target)
                self.assertIn("127.0.0.1", entry.values())
                self.assertFalse(any(isinstance(v, str) and "1.2.3.4" in v
                                     for v in entry.values()), entry)

    def test_a_response_cut_short_is_logged(self):
        """A client leaving in the middle of a body is logged with the
        status and the bytes that went out."""
        target = self.BIG + "?cut=1"
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(build_request(target))
        self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 200 "))
        # A reset, not a FIN: the server's next write fails at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()
        entry = self.wait_entry(target)
        self.assertEqual(int(entry["status"]), 200, entry)
        self.assertLess(int(entry["bytes"]), self.BIG_BYTES, entry)
        self.assert_serving()

    def test_odd_bytes_keep_lines_valid_json(self):
        self.get_ok("/about?odd=1", headers=[
            ("User-Agent", 'agent "quoted" \\ back \xe9\xff'),
            ("Referer", "http://example.org/\xe9")])
        entry = self.wait_entry("/about?odd=1")
        self.assertEqual(int(entry["status"]), 200)

    def test_usr1_reopens_the_file(self):
        self.get_ok("/about?before-usr1=1")
        self.wait_entry("/about?before-usr1=1")
        moved = self.log_path() + ".1"
        os.rename(self.log_path(), moved)
        self.server.signal(signal.SIGUSR1)
        # Until both workers have reopened, a line may still go to the old
        # file; keep asking until one reaches the new one.
        attempt = [0]

        def logged_in_new_file():
            attempt[0] += 1
            target = "/about?after-usr1=%d" % attempt[0]
            self.get_ok(target)
            return any(names_target(e, target) for e in self.entries())
        wait_until(logged_in_new_file, EVENT_TIMEOUT, "a line in the reopened"
                   " access log")
        self.assertTrue(any(names_target(e, "/about?before-usr1=1")
                            for e in self.entries(moved)))


class CombinedAccessLog(AccessLogCase):
    conf = {"access_log": "combined", "access_log_file": "{tmp}/access.log"}
    LINE_RE = re.compile(
        r'^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} '
        r'[+-]\d{4}\] "GET /about\?combined=1 HTTP/1\.1" 200 (\d+) '
        r'"http://ref\.example/" "test-agent/1\.0"$')

    def test_combined_format(self):
        body = self.get_ok("/about?combined=1", headers=[
            ("Referer", "http://ref.example/"),
            ("User-Agent", "test-agent/1.0")]).body
        line = self.wait_line(lambda l: "combined=1" in l, "the combined line")
        m = self.LINE_RE.match(line)
        self.assertIsNotNone(m, line)
        self.assertEqual(int(m.group(1)), len(body))


class StdoutAccessLog(AccessLogCase):
    conf = {"access_log": "json"}

    def test_default_file_is_stdout(self):
        self.get_ok("/about?stdout=1")
        line = wait_until(lambda: next((l for l in
                                        self.server.stdout().splitlines()
                                        if "stdout=1" in l), None),
                          EVENT_TIMEOUT, "an access log line on stdout")
        self.assertIsInstance(json.loads(line), dict)


class AccessLogOff(AccessLogCase):

    def test_off_by_default(self):
        for _ in range(3):
            self.get_ok("/about")
        self.assertEqual(self.server.stdout(), "")
        self.assertEqual(self.lines(), [])


if __name__ == "__main__":
    unittest.main()
