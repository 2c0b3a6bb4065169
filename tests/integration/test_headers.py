"""
test_headers.py: the headers every kind of response carries (pages, the 404
page, the hashed CSS, static files), compressed variants and their ETags,
conditional requests (304, 412, If-Range), HEAD, and byte ranges on
static files.
"""

import email.utils
import gzip
import re
import subprocess
import unittest

from harness import FIXTURE, FoliodTestCase

CSP = ("default-src 'self'; img-src 'self' data:; script-src 'none'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PAGE_CACHE = "public, max-age=0, s-maxage=300"
FILE_CACHE = "public, max-age=3600"
CSS_CACHE = "public, max-age=31536000, immutable"
PAGES = ("/", "/posts/quiet-week", "/posts/bundle-post", "/about", "/tags",
         "/tags/meta")
ETAG_RE = re.compile(r'^"([0-9a-f]{16})"$')
STATIC = "/hello.txt"


def brotli_decode(data):
    """Decodes with the brotli command-line tool."""
    done = subprocess.run(["brotli", "-d", "-c"], input=data,
                          capture_output=True, timeout=30, check=True)
    return done.stdout


def accept(encoding):
    return [("Accept-Encoding", encoding)]


class HeaderChecks(FoliodTestCase):
    """Assertions shared by the header tests."""

    def assert_common(self, resp):
        self.assertEqual(resp.header("Server"), "foliod")
        date = email.utils.parsedate_to_datetime(resp.header("Date"))
        self.assertIsNotNone(date.tzinfo, resp.header("Date"))
        self.assertTrue(resp.header("Date").endswith(" GMT"))
        if resp.status != 304:
            self.assertEqual(int(resp.header("Content-Length")),
                             len(resp.body))

    def assert_security(self, resp):
        for name, value in SECURITY.items():
            self.assertEqual(resp.header(name), value, name)

    def assert_page(self, resp, cache=PAGE_CACHE):
        self.assert_common(resp)
        self.assert_security(resp)
        self.assertEqual(resp.header("Content-Type"),
                         "text/html; charset=utf-8")
        self.assertEqual(resp.header("Cache-Control"), cache)
        self.assertEqual(resp.header("Vary"), "Accept-Encoding")
        self.assertRegex(resp.header("ETag", ""), ETAG_RE)
        self.assertIsNone(resp.header("Content-Encoding"))

    def etag_core(self, resp):
        return ETAG_RE.match(resp.header("ETag")).group(1)


class PageHeaders(HeaderChecks):

    def test_pages_carry_their_headers(self):
        for target in PAGES:
            with self.subTest(target=target):
                self.assert_page(self.get_ok(target))

    def test_etag_follows_the_body(self):
        etags = {self.get_ok(t).header("ETag") for t in PAGES}
        self.assertEqual(len(etags), len(PAGES))
        first = self.get_ok(PAGES[1])
        self.assertEqual(self.get_ok(PAGES[1]).header("ETag"),
                         first.header("ETag"))

    def test_404_page_headers(self):
        resp = self.assert_not_found("/no/such/page")
        self.assert_common(resp)
        self.assert_security(resp)
        self.assertEqual(resp.header("Content-Type"),
                         "text/html; charset=utf-8")
        self.assertEqual(resp.header("Cache-Control"), "no-cache")

    def test_css_linked_from_pages_is_immutable(self):
        html = self.get_ok("/").text
        m = re.search(r'href="(/assets/style\.[0-9a-f]{16}\.css)"', html)
        self.assertIsNotNone(m, "no hashed stylesheet link in /")
        self.assertIn(m.group(1), self.get_ok("/posts/quiet-week").text)
        resp = self.get_ok(m.group(1))
        self.assert_common(resp)
        self.assert_security(resp)
        self.assertTrue(resp.header("Content-Type", "").startswith("text/css"))
        self.assertEqual(resp.header("Cache-Control"), CSS_CACHE)
        self.assertGreater(len(resp.body), 0)

    def test_feed_and_sitemap_types(self):
        for target, kind in (("/feed.xml", "application/atom+xml"),
                             ("/sitemap.xml", "xml"),
                             ("/robots.txt", "text/plain")):
            with self.subTest(target=target):
                resp = self.get_ok(target)
                self.assert_common(resp)
                self.assertIn(kind, resp.header("Content-Type", ""))


class Compression(HeaderChecks):

    def check_variant(self, target, accept_value, encoding, suffix, decode):
        plain = self.get_ok(target)
        resp = self.get_ok(target, headers=accept(accept_value))
        self.assert_common(resp)
        self.assertEqual(resp.header("Content-Encoding"), encoding)
        self.assertEqual(resp.header("Vary"), "Accept-Encoding")
        self.assertEqual(resp.header("ETag"),
                         '"%s-%s"' % (self.etag_core(plain), suffix))
        self.assertEqual(resp.header("Content-Type"),
                         plain.header("Content-Type"))
        self.assertLess(len(resp.body), len(plain.body))
        self.assertEqual(decode(resp.body), plain.body)

    def test_gzip(self):
        for target in PAGES:
            with self.subTest(target=target):
                self.check_variant(target, "gzip", "gzip", "gz",
                                   gzip.decompress)

    def test_brotli(self):
        for target in PAGES:
            with self.subTest(target=target):
                self.check_variant(target, "br", "br", "br", brotli_decode)

    def test_brotli_is_preferred(self):
        for value in ("gzip, br", "br, gzip", "gzip, deflate, br, zstd"):
            with self.subTest(accept=value):
                self.check_variant("/", value, "br", "br", brotli_decode)

    def test_q_zero_refuses_an_encoding(self):
        self.check_variant("/", "br;q=0, gzip", "gzip", "gz",
                           gzip.decompress)

    def test_identity_unless_asked(self):
        for value in (None, "identity", "deflate", "br;q=0"):
            with self.subTest(accept=value):
                resp = self.get_ok("/", headers=accept(value) if value else ())
                self.assert_page(resp)

    def test_feed_and_css_are_compressed_too(self):
        html = self.get_ok("/").text
        css = re.search(r'href="(/assets/style\.[0-9a-f]{16}\.css)"', html)
        for target in ("/feed.xml", css.group(1)):
            with self.subTest(target=target):
                self.check_variant(target, "gzip", "gzip", "gz",
                                   gzip.decompress)


class Conditional(HeaderChecks):

    def assert_not_modified(self, target, etag_value, headers=()):
        """A 304 with no body that leaves the connection usable."""
        with self.server.connect() as conn:
            resp = conn.request(target, headers=[("If-None-Match",
                                                  etag_value)] + list(headers))
            self.assertEqual(resp.status, 304, etag_value)
            self.assert_common(resp)
            self.assertIsNotNone(resp.header("ETag"))
            # The next response on the connection starts where the 304 ends.
            self.assertEqual(conn.request("/about").status, 200)

    def test_matching_etag_gives_304(self):
        for target in PAGES:
            with self.subTest(target=target):
                etag = self.get_ok(target).header("ETag")
                self.assert_not_modified(target, etag)

    def test_weak_and_listed_etags_match(self):
        etag = self.get_ok("/").header("ETag")
        for value in ("W/" + etag, '"0000000000000000", ' + etag,
                      '"0000000000000000",' + etag + ', "x"'):
            with self.subTest(value=value):
                self.assert_not_modified("/", value)

    def test_compressed_etag_matches(self):
        for encoding in ("gzip", "br"):
            with self.subTest(encoding=encoding):
                etag = self.get_ok("/", headers=accept(encoding)).header(
                    "ETag")
                self.assertRegex(etag, r'-(gz|br)"$')
                self.assert_not_modified("/", etag, accept(encoding))

    def test_other_etag_gives_the_page(self):
        for value in ('"0000000000000000"', 'W/"abc"', '""'):
            with self.subTest(value=value):
                resp = self.get_ok("/", headers=[("If-None-Match", value)])
                self.assert_page(resp)

    def test_404_page_never_answers_304(self):
        etag = self.assert_not_found("/nope").header("ETag")
        if etag is not None:
            self.assert_not_found("/nope", headers=[("If-None-Match", etag)])

    def test_static_file_etag_gives_304(self):
        etag = self.get_ok(STATIC).header("ETag")
        self.assert_not_modified(STATIC, etag)

    def test_if_modified_since_on_static_files(self):
        lastmod = self.get_ok(STATIC).header("Last-Modified")
        stamp = email.utils.parsedate_to_datetime(lastmod).timestamp()
        later = email.utils.formatdate(stamp + 3600, usegmt=True)
        earlier = email.utils.formatdate(stamp - 3600, usegmt=True)
        for value in (lastmod, later):
            with self.subTest(value=value):
                resp = self.get(STATIC, headers=[("If-Modified-Since",
                                                  value)])
                self.assertEqual(resp.status, 304)
                self.assertEqual(resp.body, b"")
        for value in (earlier, "not a date"):
            with self.subTest(value=value):
                resp = self.get_ok(STATIC, headers=[("If-Modified-Since",
                                                     value)])
                self.assertGreater(len(resp.body), 0)
        # If-None-Match decides when both are sent (RFC 9110 13.2.2).
        resp = self.get_ok(STATIC, headers=[
            ("If-None-Match", '"0000000000000000"'),
            ("If-Modified-Since", later)])
        self.assertGreater(len(resp.body), 0)

    def test_if_match(self):
        for target in ("/", STATIC):
            etag = self.get_ok(target).header("ETag")
            for value in (etag, "*", '"x", ' + etag):
                with self.subTest(target=target, value=value):
                    self.get_ok(target, headers=[("If-Match", value)])
            for value in ('"0000000000000000"', "W/" + etag):
                with self.subTest(target=target, value=value):
                    with self.server.connect() as conn:
                        resp = conn.request(target,
                                            headers=[("If-Match", value)])
                        self.assertEqual(resp.status, 412)
                        self.assert_common(resp)
                        # Not an error: the connection stays open.
                        self.assertEqual(conn.request("/about").status, 200)

    def test_if_unmodified_since_on_static_files(self):
        lastmod = self.get_ok(STATIC).header("Last-Modified")
        stamp = email.utils.parsedate_to_datetime(lastmod).timestamp()
        earlier = email.utils.formatdate(stamp - 3600, usegmt=True)
        self.get_ok(STATIC, headers=[("If-Unmodified-Since", lastmod)])
        resp = self.get(STATIC, headers=[("If-Unmodified-Since", earlier)])
        self.assertEqual(resp.status, 412)
        # If-Match, when sent, decides instead.
        self.get_ok(STATIC, headers=[("If-Match", "*"),
                                     ("If-Unmodified-Since", earlier)])


class Head(HeaderChecks):

    def test_head_has_the_headers_of_get_and_no_body(self):
        for target in PAGES + (STATIC, "/feed.xml", "/nope"):
            with self.subTest(target=target):
                got = self.get(target)
                with self.server.connect() as conn:
                    head = conn.request(target, method="HEAD")
                    # Framing: the next response follows the HEAD head at once.
                    after = conn.request("/about")
                self.assertEqual(after.status, 200)
                self.assertEqual(head.status, got.status)
                for name in ("Content-Length", "Content-Type", "ETag",
                             "Cache-Control", "Last-Modified"):
                    self.assertEqual(head.header(name), got.header(name), name)

    def test_head_of_compressed_variant(self):
        got = self.get_ok("/", headers=accept("gzip"))
        with self.server.connect() as conn:
            head = conn.request("/", method="HEAD", headers=accept("gzip"))
            self.assertEqual(conn.request("/about").status, 200)
        self.assertEqual(head.header("Content-Encoding"), "gzip")
        self.assertEqual(head.header("Content-Length"),
                         got.header("Content-Length"))


class StaticFiles(HeaderChecks):

    def setUp(self):
        self.data = FIXTURE.read(FIXTURE.FILES[STATIC])
        self.assertGreater(len(self.data), 1024)

    def get_range(self, spec, status):
        resp = self.get(STATIC, headers=[("Range", spec)])
        self.assertEqual(resp.status, status, spec)
        self.assert_common(resp)
        return resp

    def test_static_file_headers(self):
        resp = self.get_ok(STATIC)
        self.assert_common(resp)
        self.assertEqual(resp.body, self.data)
        self.assertTrue(resp.header("Content-Type", "").startswith(
            "text/plain"))
        self.assertRegex(resp.header("ETag", ""), r'^"[^"]+"$')
        self.assertIsNotNone(email.utils.parsedate_to_datetime(
            resp.header("Last-Modified")))
        self.assertEqual(resp.header("Accept-Ranges"), "bytes")
        self.assertEqual(resp.header("Cache-Control"), FILE_CACHE)

    def test_image_type(self):
        resp = self.get_ok("/images/pixel.png")
        self.assertEqual(resp.header("Content-Type"), "image/png")
        self.assertEqual(resp.body[:8], b"\x89PNG\r\n\x1a\n")

    def test_ranges(self):
        size = len(self.data)
        cases = (
            ("bytes=0-99", 0, 99),
            ("bytes=100-199", 100, 199),
            ("bytes=1000-", 1000, size - 1),
            ("bytes=-50", size - 50, size - 1),
            ("bytes=%d-%d" % (size - 10, size + 500), size - 10, size - 1),
            ("bytes=0-0", 0, 0),
        )
        for spec, first, last in cases:
            with self.subTest(range=spec):
                resp = self.get_range(spec, 206)
                self.assertEqual(resp.header("Content-Range"),
                                 "bytes %d-%d/%d" % (first, last, size))
                self.assertEqual(resp.body, self.data[first:last + 1])

    def test_unsatisfiable_range_is_416(self):
        size = len(self.data)
        for spec in ("bytes=%d-" % size, "bytes=%d-%d" % (size + 10,
                                                          size + 20)):
            with self.subTest(range=spec):
                resp = self.get_range(spec, 416)
                self.assertEqual(resp.header("Content-Range"),
                                 "bytes */%d" % size)
                self.assertNotIn(self.data[:100], resp.body)

    def test_several_ranges_get_the_whole_file(self):
        resp = self.get_range("bytes=0-9,20-29", 200)
        self.assertEqual(resp.body, self.data)

    def test_if_range(self):
        got = self.get_ok(STATIC)
        etag, lastmod = got.header("ETag"), got.header("Last-Modified")
        for value in (etag, lastmod):
            with self.subTest(value=value):
                resp = self.get(STATIC, headers=[("Range", "bytes=0-9"),
                                                 ("If-Range", value)])
                self.assertEqual(resp.status, 206)
                self.assertEqual(resp.body, self.data[:10])
        # Another version of the file than the client's: all of it.
        for value in ('"0000000000000000"', "W/" + etag,
                      "Tue, 01 Jan 1980 00:00:00 GMT"):
            with self.subTest(value=value):
                resp = self.get(STATIC, headers=[("Range", "bytes=0-9"),
                                                 ("If-Range", value)])
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.body, self.data)

    def test_range_keeps_the_connection(self):
        with self.server.connect() as conn:
            first = conn.request(STATIC, headers=[("Range", "bytes=0-9")])
            second = conn.request(STATIC, headers=[("Range", "bytes=10-19")])
        self.assertEqual(first.body + second.body, self.data[:20])


class ConfiguredCache(HeaderChecks):
    conf = {"max_age": 60, "s_maxage": 600}

    def test_page_cache_control_comes_from_the_config(self):
        for target in ("/", "/posts/quiet-week", "/tags"):
            with self.subTest(target=target):
                self.assert_page(self.get_ok(target),
                                 cache="public, max-age=60, s-maxage=600")

    def test_404_stays_uncached(self):
        resp = self.assert_not_found("/nope")
        self.assertEqual(resp.header("Cache-Control"), "no-cache")


if __name__ == "__main__":
    unittest.main()
