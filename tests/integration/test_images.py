"""
test_images.py: the image optimizer, /_img?url=&w=&q=&v=. Output size and
format (JPEG, PNG, WebP by Accept) read from the encoded headers; never an
upscale; EXIF orientation; PNG alpha; every 400 and the 404/413/415/422
refusals; cache HIT/MISS, ETag and 304, HEAD, Cache-Control for versioned
and unversioned URLs; single flight under 20 concurrent requests; the cache
bound under a flood of distinct URLs; a changed source; pages answering
while resizes run; a cache_dir that cannot be used; the imagers' socket
(owner only, the asker's uid checked, sources only under content_dir).

The sources are tests/data/images/ (see FIXTURE_IMAGES) plus a few made
here with zlib, copied into images/ and into the bundle posts/bundle-post/.
Python 3 standard library only; no test asserts on timings.
"""

import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest
import zlib

from harness import (TESTS_DIR, IO_TIMEOUT, EVENT_TIMEOUT, Foliod,
                     FoliodTestCase, session_members, tail, wait_until)

IMAGES_DIR = os.path.join(TESTS_DIR, "data", "images")
# tests/data/images: name -> (width, height) as stored.
FIXTURE_IMAGES = {
    "photo.jpg": (1200, 800),
    "exif6.jpg": (400, 300),        # EXIF orientation 6: shown 300x400
    "grey-progressive.jpg": (320, 240),
    "cmyk.jpg": (200, 150),
    "widegamut.jpg": (200, 150),
    "alpha.png": (300, 200),        # RGBA with transparent pixels
    "diagram.png": (800, 500),
    # Lossless, EXIF orientation 6 and widegamut.jpg's Adobe RGB profile,
    # in the extended format (VP8X, ICCP, VP8L, EXIF): shown 300x400.
    "widegamut-exif6.webp": (400, 300),
}
BUNDLE = "posts/bundle-post"
# The default width allowlist (lib/conf.c IMAGE_WIDTHS_DEFAULT).
WIDTHS = (32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920,
          2048, 3840)
# Seconds one /_img request may take: a cold resize of the big made-up
# source under ASan, well inside the daemon's own wait (IMAGE_WAIT_SEC 60).
RESIZE_TIMEOUT = 60.0
# Seconds foliod may take to refuse a config it cannot use.
REFUSE_TIMEOUT = 30.0
# Concurrent requests for one cold image (the issue asks for 20).
SINGLE_FLIGHT_CLIENTS = 20
# Size of the made-up big source: big enough that a resize takes a while,
# so concurrent requests really overlap it.
BIG_SIZE = (3000, 2000)
# Made-up sources of random pixels (they do not compress): the flood's
# big outputs, and one just over image_max_bytes = 1M.
NOISE_SIZE = (600, 400)
# A long screenshot: at its own width the output is over WebP's 16383
# pixels a side (libwebp's WEBP_MAX_DIMENSION), at 128 it is not.
TALL_SIZE = (256, 20000)
WEBP_DIM_MAX = 16383
OVERSIZE_SIZE = (800, 640)
ONE_MIB = 1 << 20
WEBP_ACCEPT = [("Accept", "image/avif,image/webp,image/apng,*/*;q=0.8")]
PLAIN_ACCEPT = [("Accept", "*/*")]
ETAG_RE = re.compile(r'^"([0-9a-f]{16})"$')
IMMUTABLE = "public, max-age=31536000, immutable"
IMAGE_MAX_AGE = 1234
# shutdown_timeout when a stop must wait for queued resizes: room for
# them all under ASan, below the harness's STOP_TIMEOUT.
STOP_SHUTDOWN_TIMEOUT = 15


# --- Reading image headers ---------------------------------------------------

class Image:
    """What an encoded image's headers say."""

    def __init__(self, fmt, width, height, **info):
        self.format = fmt           # "jpeg", "png", "webp"
        self.width = width
        self.height = height
        self.info = info

    def __repr__(self):
        return "<%s %dx%d %r>" % (self.format, self.width, self.height,
                                  self.info)


# JPEG start-of-frame markers (SOF0-SOF15 but DHT, JPG and DAC).
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field.
_STANDALONE = set(range(0xD0, 0xDA)) | {0x01}


def parse_jpeg(data):
    """JPEG: size, components, progressive, and the APPn segments."""
    if data[:2] != b"\xff\xd8":
        raise AssertionError("not a JPEG: %r" % data[:8])
    pos, apps, frame = 2, [], None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise AssertionError("JPEG: no marker at %d" % pos)
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        (seglen,) = struct.unpack(">H", data[pos + 2:pos + 4])
        seg = data[pos + 4:pos + 2 + seglen]
        if 0xE0 <= marker <= 0xEF:
            apps.append((marker, seg[:14]))
        if marker in _SOF:
            height, width = struct.unpack(">HH", seg[1:5])
            frame = (marker, width, height, seg[5])
        if marker == 0xDA:
            break
        pos += 2 + seglen
    if frame is None:
        raise AssertionError("JPEG: no frame header")
    marker, width, height, comps = frame
    return Image("jpeg", width, height, components=comps,
                 progressive=marker in (0xC2, 0xC6, 0xCA, 0xCE),
                 exif=any(m == 0xE1 and s.startswith(b"Exif\0") for m, s in
                          apps),
                 icc=any(m == 0xE2 and s.startswith(b"ICC_PROFILE") for m, s
                         in apps))


def png_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("not a PNG: %r" % data[:8])
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def parse_png(data):
    """PNG: IHDR, and whether any pixel is not fully opaque (8-bit RGBA,
    non-interlaced; None when that cannot be told here)."""
    chunks = list(png_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR":
        raise AssertionError("PNG: IHDR is not the first chunk")
    width, height, depth, ctype, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1])
    translucent = None
    if ctype == 6 and depth == 8 and interlace == 0:
        raw = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
        rows = png_unfilter(raw, width, height, 4)
        translucent = any(row[i] != 255 for row in rows
                          for i in range(3, len(row), 4))
    return Image("png", width, height, color_type=ctype, depth=depth,
                 interlace=interlace, translucent=translucent,
                 trns=any(k == b"tRNS" for k, _ in chunks))


def png_unfilter(raw, width, height, bpp):
    """Undoes PNG's per-row filters; returns the rows."""
    stride = width * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
            elif ftype != 0:
                raise AssertionError("PNG: filter type %d" % ftype)
        rows.append(line)
        prev = line
    return rows


def parse_webp(data):
    """WebP: size, lossy or lossless, alpha."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AssertionError("not a WebP: %r" % data[:12])
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[pos:pos + 8])
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 8 + length + (length & 1)
    kinds = [k for k, _ in chunks]
    first, body = chunks[0]
    if first == b"VP8X":
        flags = body[0]
        width = 1 + int.from_bytes(body[4:7], "little")
        height = 1 + int.from_bytes(body[7:10], "little")
        alpha = bool(flags & 0x10)
        lossless = b"VP8L" in kinds
        if alpha and not lossless and b"ALPH" not in kinds:
            raise AssertionError("WebP: VP8X says alpha but no ALPH chunk")
    elif first == b"VP8 ":
        if body[3:6] != b"\x9d\x01\x2a":
            raise AssertionError("WebP: bad VP8 start code")
        w, h = struct.unpack("<HH", body[6:10])
        width, height, alpha, lossless = w & 0x3FFF, h & 0x3FFF, False, False
    elif first == b"VP8L":
        if body[0] != 0x2F:
            raise AssertionError("WebP: bad VP8L signature")
        bits = int.from_bytes(body[1:5], "little")
        width = 1 + (bits & 0x3FFF)
        height = 1 + ((bits >> 14) & 0x3FFF)
        alpha, lossless = bool((bits >> 28) & 1), True
    else:
        raise AssertionError("WebP: first chunk %r" % first)
    return Image("webp", width, height, alpha=alpha, lossless=lossless,
                 chunks=kinds)


def parse_image(data):
    if data[:2] == b"\xff\xd8":
        return parse_jpeg(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return parse_png(data)
    if data[:4] == b"RIFF":
        return parse_webp(data)
    raise AssertionError("not an image: %r" % data[:16])


# --- Making sources ----------------------------------------------------------

def make_png(width, height, rows, color_type=2):
    """A PNG of the given rows (filter bytes added here)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


_made = {}


def big_png():
    """BIG_SIZE RGB, diagonal stripes: decodes to many megabytes."""
    if "big" not in _made:
        width, height = BIG_SIZE
        base = bytes(range(256)) * ((3 * width) // 256 + 5)
        rows = [base[(3 * y) % 768:(3 * y) % 768 + 3 * width]
                for y in range(height)]
        _made["big"] = make_png(width, height, rows)
    return _made["big"]


def tall_png():
    """TALL_SIZE grey, a gradient down the page."""
    width, height = TALL_SIZE
    return make_png(width, height, [bytes([y % 256]) * width
                                    for y in range(height)], color_type=0)


def noise_png(size, seed):
    """Random RGB pixels: a PNG about as large as its pixels."""
    width, height = size
    rnd = random.Random(seed)
    return make_png(width, height, [rnd.randbytes(3 * width)
                                    for _ in range(height)])


def fixture_image(name):
    with open(os.path.join(IMAGES_DIR, name), "rb") as f:
        return f.read()


def copy_fixture_images(server):
    """Every tests/data/images file into images/, and a few into the
    bundle."""
    for name in os.listdir(IMAGES_DIR):
        if not name.startswith("."):
            server.write_content("images/" + name, fixture_image(name))
    for name in ("photo.jpg", "alpha.png", "exif6.jpg"):
        server.write_content("%s/%s" % (BUNDLE, name), fixture_image(name))


# --- URLs --------------------------------------------------------------------

# A post showing the images whose versions the tests need: the rendered
# page carries each one's v=, the version /_img checks (lib/beneath.c
# file_version()), so the tests read it where a browser gets it.
VERSIONS_POST = "posts/versions.md"
VERSIONS_URL = "/posts/versions"
VERSIONED = ("images/photo.jpg", BUNDLE + "/photo.jpg", "images/alpha.png",
             "images/swap.jpg", "images/swap2.jpg")


def versions_post():
    return ("---\ntitle: Versions\ndate: 2024-01-01\n---\n" +
            "".join("![%s](/%s)\n\n" % (rel, rel) for rel in VERSIONED))


def img(url, w, q=None, v=None):
    target = "/_img?url=%s&w=%s" % (url, w)
    if q is not None:
        target += "&q=%s" % q
    if v is not None:
        target += "&v=%s" % v
    return target


def expected_size(display, want):
    """lib/image.c image_target_size(): never wider than the source, height
    in proportion, rounded, at least 1."""
    sw, sh = display
    if want >= sw:
        return sw, sh
    return want, max(1, (2 * sh * want + sw) // (2 * sw))


class ImageTestCase(FoliodTestCase):
    """Helpers shared by the /_img tests."""

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)

    def fetch(self, target, accept=PLAIN_ACCEPT, method="GET", headers=()):
        return self.server.get(target, method=method,
                               headers=list(accept) + list(headers),
                               timeout=RESIZE_TIMEOUT)

    def fetch_ok(self, target, accept=PLAIN_ACCEPT, **kw):
        resp = self.fetch(target, accept, **kw)
        self.assertEqual(resp.status, 200, "%s: %r %s" % (
            target, resp, resp.text[:200] if resp.status != 200 else ""))
        return resp

    def assert_image_headers(self, resp, mime):
        self.assertEqual(resp.header("Content-Type"), mime)
        self.assertEqual(int(resp.header("Content-Length")), len(resp.body))
        self.assertRegex(resp.header("ETag", ""), ETAG_RE)
        self.assertEqual(resp.header("Vary"), "Accept")
        self.assertEqual(resp.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(resp.header("Content-Security-Policy"), "sandbox")
        self.assertIn(resp.header("X-Cache"), ("HIT", "MISS"))

    def assert_refused(self, target, status, accept=PLAIN_ACCEPT):
        """A one-line text/plain error "<status> <reason>: <why>"."""
        resp = self.fetch(target, accept)
        self.assertEqual(resp.status, status, "%s: %r %s" % (
            target, resp, resp.text[:200]))
        self.assertTrue(resp.header("Content-Type", "").startswith(
            "text/plain"), resp.header("Content-Type"))
        self.assertRegex(resp.text, r"^%d [^\n]*\n$" % status)
        self.assertIsNone(resp.header("X-Cache"))
        return resp

    def resizes(self):
        return self.server.metric("folio_image_resize_seconds_count")

    def content_path(self, rel):
        return self.server.content_path(rel)


# --- Output size and format --------------------------------------------------

class Formats(ImageTestCase):
    conf = {"image_workers": 2, "image_max_age": IMAGE_MAX_AGE}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        server.write_content("images/tall.png", tall_png())

    def check(self, url, display, want, accept, fmt):
        resp = self.fetch_ok(img(url, want), accept)
        self.assert_image_headers(resp, "image/" + fmt)
        out = parse_image(resp.body)
        self.assertEqual(out.format, fmt)
        self.assertEqual((out.width, out.height),
                         expected_size(display, want), "%s w=%d" % (url, want))
        return out

    def test_jpeg_sources_at_several_widths(self):
        for url in ("/images/photo.jpg", "/%s/photo.jpg" % BUNDLE):
            for want in WIDTHS:
                with self.subTest(url=url, w=want):
                    out = self.check(url, FIXTURE_IMAGES["photo.jpg"], want,
                                     PLAIN_ACCEPT, "jpeg")
                    self.assertEqual(out.info["components"], 3)
                    self.assertTrue(out.info["progressive"])
                    out = self.check(url, FIXTURE_IMAGES["photo.jpg"], want,
                                     WEBP_ACCEPT, "webp")
                    self.assertFalse(out.info["alpha"])
                    self.assertFalse(out.info["lossless"])

    def test_png_sources_at_several_widths(self):
        for name, want in (("diagram.png", 128), ("diagram.png", 640),
                           ("diagram.png", 828), ("alpha.png", 64),
                           ("alpha.png", 256), ("alpha.png", 384)):
            with self.subTest(name=name, w=want):
                self.check("/images/" + name, FIXTURE_IMAGES[name], want,
                           PLAIN_ACCEPT, "png")
                self.check("/images/" + name, FIXTURE_IMAGES[name], want,
                           WEBP_ACCEPT, "webp")

    def test_other_jpeg_kinds(self):
        """Grey stays grey; CMYK and a wide-gamut profile come out as
        3-component sRGB JPEGs without the profile."""
        for name, comps in (("grey-progressive.jpg", 1), ("cmyk.jpg", 3),
                            ("widegamut.jpg", 3)):
            with self.subTest(name=name):
                out = self.check("/images/" + name, FIXTURE_IMAGES[name], 128,
                                 PLAIN_ACCEPT, "jpeg")
                self.assertEqual(out.info["components"], comps)
                self.assertFalse(out.info["icc"], "ICC profile kept")
                self.check("/images/" + name, FIXTURE_IMAGES[name], 128,
                           WEBP_ACCEPT, "webp")

    def test_never_upscaled(self):
        for name in ("photo.jpg", "alpha.png", "diagram.png"):
            for want in (1920, 3840):
                with self.subTest(name=name, w=want):
                    resp = self.fetch_ok(img("/images/" + name, want))
                    out = parse_image(resp.body)
                    self.assertEqual((out.width, out.height),
                                     FIXTURE_IMAGES[name])

    def test_exif_rotation_is_applied_and_dropped(self):
        stored = FIXTURE_IMAGES["exif6.jpg"]
        shown = (stored[1], stored[0])
        for url in ("/images/exif6.jpg", "/%s/exif6.jpg" % BUNDLE):
            for want in (256, 3840):
                with self.subTest(url=url, w=want):
                    out = self.check(url, shown, want, PLAIN_ACCEPT, "jpeg")
                    # Kept, the tag would make browsers turn it once more.
                    self.assertFalse(out.info["exif"], "EXIF kept")
                    self.check(url, shown, want, WEBP_ACCEPT, "webp")

    def test_webp_source_is_rotated_and_its_profile_used(self):
        """A WebP source is treated as a JPEG one: its EXIF orientation is
        applied (libwebp's decoder alone skips the chunk) and neither the
        tag nor the profile is kept in the output."""
        name = "widegamut-exif6.webp"
        self.assertEqual(parse_webp(fixture_image(name)).info["chunks"],
                         [b"VP8X", b"ICCP", b"VP8L", b"EXIF"])
        stored = FIXTURE_IMAGES[name]
        shown = (stored[1], stored[0])
        for want in (256, 3840):
            for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
                with self.subTest(w=want, accept=accept):
                    out = self.check("/images/" + name, shown, want, accept,
                                     "webp")
                    self.assertNotIn(b"EXIF", out.info["chunks"])
                    self.assertNotIn(b"ICCP", out.info["chunks"])

    def test_png_alpha_survives(self):
        src = parse_png(fixture_image("alpha.png"))
        self.assertTrue(src.info["translucent"], "fixture has no alpha")
        for url in ("/images/alpha.png", "/%s/alpha.png" % BUNDLE):
            with self.subTest(url=url):
                out = self.check(url, FIXTURE_IMAGES["alpha.png"], 128,
                                 PLAIN_ACCEPT, "png")
                self.assertEqual(out.info["color_type"], 6)
                if out.info["translucent"] is not None:
                    self.assertTrue(out.info["translucent"],
                                    "every pixel came out opaque")
                out = self.check(url, FIXTURE_IMAGES["alpha.png"], 128,
                                 WEBP_ACCEPT, "webp")
                self.assertTrue(out.info["alpha"], out)

    def test_accept_picks_webp_only_when_named(self):
        for accept, mime in (([("Accept", "image/webp")], "image/webp"),
                             (WEBP_ACCEPT, "image/webp"),
                             ([("Accept", "*/*")], "image/jpeg"),
                             ([("Accept", "image/*")], "image/jpeg"),
                             ([("Accept", "image/webp;q=0, */*")],
                              "image/jpeg"),
                             ([("Accept", "Image/WebP")], "image/webp"),
                             ([], "image/jpeg")):
            with self.subTest(accept=accept):
                resp = self.fetch_ok(img("/images/photo.jpg", 96), accept)
                self.assert_image_headers(resp, mime)
                self.assertEqual(parse_image(resp.body).format,
                                 mime.split("/")[1])

    def test_too_tall_for_webp_keeps_the_source_format(self):
        """A client that takes WebP gets the PNG (the same entry, ETag and
        bytes as any other client), not a 500, when the output would be over
        WebP's bound; at a width where it fits, WebP."""
        url = "/images/tall.png"
        for want in (TALL_SIZE[0], 3840):
            with self.subTest(w=want):
                self.assertGreater(expected_size(TALL_SIZE, want)[1],
                                   WEBP_DIM_MAX)
                plain = self.check(url, TALL_SIZE, want, PLAIN_ACCEPT, "png")
                first = self.fetch_ok(img(url, want), WEBP_ACCEPT)
                again = self.fetch_ok(img(url, want), WEBP_ACCEPT)
                for resp in (first, again):
                    self.assert_image_headers(resp, "image/png")
                    self.assertEqual(parse_image(resp.body).format, "png")
                self.assertEqual(again.header("X-Cache"), "HIT")
                self.assertEqual(again.body, first.body)
                plain_resp = self.fetch_ok(img(url, want))
                self.assertEqual(first.header("ETag"),
                                 plain_resp.header("ETag"))
                self.assertEqual(first.body, plain_resp.body)
                self.assertEqual(plain.format, "png")
        out = self.check(url, TALL_SIZE, 128, WEBP_ACCEPT, "webp")
        self.assertLessEqual(out.height, WEBP_DIM_MAX)

    def test_formats_have_their_own_etags(self):
        jpeg = self.fetch_ok(img("/images/photo.jpg", 48))
        webp = self.fetch_ok(img("/images/photo.jpg", 48), WEBP_ACCEPT)
        self.assertNotEqual(jpeg.header("ETag"), webp.header("ETag"))
        self.assertNotEqual(jpeg.body, webp.body)

    def test_q_defaults_to_the_first_allowed(self):
        a = self.fetch_ok(img("/images/diagram.png", 96, q=75))
        b = self.fetch_ok(img("/images/diagram.png", 96))
        self.assertEqual(a.header("ETag"), b.header("ETag"))
        self.assertEqual(a.body, b.body)


# --- Requests refused --------------------------------------------------------

PHOTO = "/images/photo.jpg"
# (query after "/_img?", the parameter the message must name)
BAD_REQUESTS = (
    ("w=640", "url"),
    ("url=&w=640", "url"),
    ("url=%s" % PHOTO, "w"),
    ("url=%s&w=" % PHOTO, "w"),
    ("url=%s&w=641" % PHOTO, "w"),
    ("url=%s&w=0640" % PHOTO, "w"),
    ("url=%s&w=abc" % PHOTO, "w"),
    ("url=%s&w=-640" % PHOTO, "w"),
    ("url=%s&w=99999999999999999999" % PHOTO, "w"),
    ("url=%s&w=640&q=80" % PHOTO, "q"),
    ("url=%s&w=640&q=" % PHOTO, "q"),
    ("url=%s&w=640&q=high" % PHOTO, "q"),
    ("url=http://example.com/images/photo.jpg&w=640", "url"),
    ("url=http%3A%2F%2Fexample.com%2Fimages%2Fphoto.jpg&w=640", "url"),
    ("url=https:/images/photo.jpg&w=640", "url"),
    ("url=//example.com/images/photo.jpg&w=640", "url"),
    ("url=/images//photo.jpg&w=640", "url"),
    ("url=/images/../posts/bundle-post/photo.jpg&w=640", "url"),
    ("url=/images/%2e%2e/images/photo.jpg&w=640", "url"),
    ("url=/images/./photo.jpg&w=640", "url"),
    ("url=/images/..&w=640", "url"),
    ("url=/_img&w=640", "url"),
    ("url=/_img%3Furl%3D%2Fimages%2Fphoto.jpg%26w%3D640&w=640", "url"),
    ("url=/_img/images/photo.jpg&w=640", "url"),
    ("url=/hello.txt&w=640", "url"),
    ("url=/photo.jpg&w=640", "url"),
    ("url=/static/photo.jpg&w=640", "url"),
    ("url=/assets/photo.jpg&w=640", "url"),
    ("url=/posts/photo.jpg&w=640", "url"),
    ("url=/posts/Bundle_Post/photo.jpg&w=640", "url"),
    ("url=/posts/bundle-post/notes.txt&w=640", "url"),
    ("url=/images/&w=640", "url"),
    ("url=images/photo.jpg&w=640", "url"),
    ("url=/images/photo.jpg%00.png&w=640", "url"),
    ("url=/images%5Cphoto.jpg&w=640", "url"),
    ("url=/images/photo.jpg%zz&w=640", "url"),
    ("url=/images/photo%25.jpg&w=640", "url"),
    ("url=/images/%s.jpg&w=640" % ("a" * 1100), "url"),
    ("url=%s&w=640&v=xyz" % PHOTO, "v"),
    ("url=%s&w=640&v=" % PHOTO, "v"),
    ("url=%s&w=640&v=%s" % (PHOTO, "a" * 33), "v"),
    ("url=%s&w=640&v=0123-4567" % PHOTO, "v"),
    ("url=%s&url=%s&w=640" % (PHOTO, PHOTO), "url"),
    ("url=%s&w=640&w=640" % PHOTO, "w"),
    ("url=%s&w=640&q=75&q=75" % PHOTO, "q"),
    ("url=%s&w=640&v=aa&v=aa" % PHOTO, "v"),
)


class Refusals(ImageTestCase):
    conf = {"image_workers": 1}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        server.write_content("images/mend.jpg", fixture_image(
            "truncated.jpg"))

    def test_every_bad_request_is_a_400_naming_the_parameter(self):
        for query, param in BAD_REQUESTS:
            with self.subTest(query=query[:80]):
                resp = self.assert_refused("/_img?" + query, 400)
                self.assertRegex(resp.text, r"^400 Bad Request: %s: \S"
                                 % re.escape(param))

    def test_no_query_at_all(self):
        resp = self.assert_refused("/_img", 400)
        self.assertRegex(resp.text, r"^400 Bad Request: url: \S")

    def test_bad_requests_make_nothing(self):
        before = self.resizes()
        for query, _ in BAD_REQUESTS[:10]:
            self.assert_refused("/_img?" + query, 400)
        self.assertEqual(self.resizes(), before)

    def test_missing_source_is_404(self):
        for url in ("/images/nope.jpg", "/images/sub/nope.png",
                    "/%s/nope.jpg" % BUNDLE, "/posts/no-such-post/photo.jpg",
                    "/posts/secret-draft/photo.jpg"):
            with self.subTest(url=url):
                resp = self.assert_refused(img(url, 640), 404)
                self.assertRegex(resp.text, r"^404 Not Found: url: \S")

    def test_broken_sources_are_refused_and_the_server_goes_on(self):
        for name, status in (("truncated.jpg", 422), ("bomb.png", 413),
                             ("not-an-image.jpg", 415)):
            for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
                with self.subTest(name=name, accept=accept):
                    failures = self.server.metric(
                        "folio_image_resize_failures_total")
                    self.assert_refused(img("/images/" + name, 640), status,
                                        accept)
                    self.assertGreater(self.server.metric(
                        "folio_image_resize_failures_total"), failures)
                    # Nothing was cached: refused again, not served.
                    self.assert_refused(img("/images/" + name, 640), status,
                                        accept)
                    self.assert_serving()
                    self.fetch_ok(img(PHOTO, 64), accept)
        # A failed resize leaves nothing behind: no entry, temp or lock.
        self.assertEqual([n for n in os.listdir(self.server.cache_dir)
                          if n.startswith(".tmp") or n.endswith(".lock")],
                         [])

    def test_a_failed_resize_is_not_tried_on_every_request(self):
        """A source that fails late (truncated) is decoded once: the
        same refusal comes back without a resize; mended, it works."""
        url = img("/images/mend.jpg", 750)
        failures = self.server.metric("folio_image_resize_failures_total")
        texts = {self.assert_refused(url, 422).text for _ in range(4)}
        self.assertEqual(len(texts), 1, texts)
        self.assertEqual(self.server.metric(
            "folio_image_resize_failures_total") - failures, 1)
        self.server.write_content("images/mend.jpg", fixture_image(
            "photo.jpg"))
        self.assertEqual(parse_image(self.fetch_ok(url).body).width, 750)

    def test_refusals_carry_a_real_reason_phrase(self):
        for name in ("truncated.jpg", "bomb.png", "not-an-image.jpg"):
            with self.subTest(name=name):
                resp = self.fetch(img("/images/" + name, 640))
                self.assertNotEqual(resp.reason, "Unknown", resp.head)
                self.assertFalse(resp.text.split(":")[0].endswith("Unknown"),
                                 resp.text)


class AbandonedRequests(ImageTestCase):
    # One imager, the default: a queue of abandoned questions would hold up
    # every other image.
    conf = {"image_workers": 1}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        server.write_content("images/big.png", big_png())

    def making(self):
        return [n for n in os.listdir(self.server.cache_dir)
                if n.endswith(".lock")]

    def test_a_question_whose_client_left_is_not_resized(self):
        before = self.resizes()
        done = []
        blocker = threading.Thread(target=lambda: done.append(self.fetch(
            img("/images/big.png", 1920), WEBP_ACCEPT)))
        blocker.start()
        try:
            wait_until(self.making, EVENT_TIMEOUT, "the big resize to start")
            # Queued behind it, each client hangs up at once.
            for w in (64, 96, 128, 256, 384):
                conn = self.server.connect()
                conn.send(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" %
                           img(PHOTO, w)).encode())
                conn.close()
        finally:
            blocker.join(RESIZE_TIMEOUT + IO_TIMEOUT)
        self.assertEqual([r.status for r in done], [200])
        # Asked after them all, so answered after the imager took each.
        self.fetch_ok(img(PHOTO, 48))
        self.assertEqual(self.resizes() - before, 2)
        self.assert_serving()


# --- The imagers' socket ----------------------------------------------------

# struct img_request (daemon/foliod.h): src[PATH_MAX], width, quality,
# format; and the head of struct img_reply: status.
IMG_REQUEST = struct.Struct("=4096siii")
IMG_REPLY_STATUS = struct.Struct("=i")
# A uid foliod does not run as ("nobody").
OTHER_UID = 65534


def ask_imager(sock_path, src, width=128):
    """Sends one question as a worker would; returns (reply bytes, the
    descriptor passed or None). b"" when the imager hung up unanswered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(RESIZE_TIMEOUT)
        s.connect(sock_path)
        try:
            s.send(IMG_REQUEST.pack(src.encode(), width, 75, 0))
            data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(4))
        except (BrokenPipeError, ConnectionResetError):
            return b"", None
        fds = [struct.unpack("=i", d[:4])[0] for lvl, kind, d in anc
               if lvl == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS]
        for fd in fds[1:]:
            os.close(fd)
        return data, (fds[0] if fds else None)


class ImagerSocket(ImageTestCase):
    """Only foliod's own processes can ask an imager, and an asker cannot
    choose what directory it reads (review finding 7)."""
    conf = {"image_workers": 1}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        # Outside the content root: what a stray asker must not reach.
        outside = os.path.join(server.tmp, "outside")
        os.makedirs(outside, exist_ok=True)
        with open(os.path.join(outside, "secret.jpg"), "wb") as f:
            f.write(fixture_image("photo.jpg"))

    def sock(self):
        return os.path.join(self.server.run_dir, "imager.sock")

    def ask_as(self, uid, src):
        """Asks from a child running as uid (forked, not exec'd: the test's
        interpreter may be unreadable to uid). Returns 0 when the imager
        hung up unanswered, 3 when it answered, 4 when the child failed."""
        pid = os.fork()
        if pid == 0:
            code = 4
            try:
                # From within run_dir: the test's temp dirs above it are
                # not open to uid.
                os.chdir(self.server.run_dir)
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                data, fd = ask_imager(os.path.basename(self.sock()), src)
                code = 3 if data or fd is not None else 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def test_the_socket_is_for_its_owner_only(self):
        st = os.stat(self.sock())
        self.assertEqual(st.st_mode & 0o777, 0o600, oct(st.st_mode))
        self.assertEqual(st.st_uid, os.geteuid())

    def test_a_clean_source_is_made(self):
        data, fd = ask_imager(self.sock(), "images/photo.jpg")
        self.assertIsNotNone(fd, data[:64])
        try:
            self.assertEqual(IMG_REPLY_STATUS.unpack_from(data)[0], 0)
            out = parse_image(os.pread(fd, 1 << 20, 0))
            self.assertEqual((out.width, out.height),
                             expected_size(FIXTURE_IMAGES["photo.jpg"], 128))
        finally:
            os.close(fd)

    def test_a_source_that_is_not_a_clean_relative_path_is_refused(self):
        secret = os.path.join(self.server.tmp, "outside", "secret.jpg")
        for src in ("../outside/secret.jpg", secret,
                    "images/../../outside/secret.jpg", "images//photo.jpg",
                    "./images/photo.jpg", ""):
            with self.subTest(src=src):
                data, fd = ask_imager(self.sock(), src)
                self.assertIsNone(fd, "an image was made from %r" % src)
                self.assertEqual(IMG_REPLY_STATUS.unpack_from(data)[0], 400)
                self.assertIn(b"src: not a clean relative path", data)
        self.assert_serving()

    @unittest.skipUnless(os.geteuid() == 0, "needs root to change uid")
    def test_an_asker_of_another_user_is_not_answered(self):
        # Even through a socket loosened by hand (or a run_dir shared with
        # other users): the imager checks who asks.
        mode = os.stat(self.sock()).st_mode & 0o777
        os.chmod(self.sock(), 0o666)
        mark = self.server.log_mark()
        try:
            answered = self.ask_as(OTHER_UID, "images/photo.jpg")
        finally:
            os.chmod(self.sock(), mode)
        self.assertEqual(answered, 0, "answered another user (%d)" % answered)
        self.assertIn("not foliod's user", self.server.log_since(mark))
        self.fetch_ok(img("/images/photo.jpg", 96))


class StopWithResizesQueued(unittest.TestCase):
    """SIGTERM while /_img questions wait in the queue of the one imager:
    the imager answers them all before it stops, so each client gets its
    image, and foliod exits 0 within shutdown_timeout."""

    # Cold resizes of the big source, one running and the rest queued.
    WIDTHS = (1920, 1200, 1080, 828)

    def test_queued_resizes_are_answered_on_sigterm(self):
        def prepare(server):
            copy_fixture_images(server)
            server.write_content("images/big.png", big_png())
        statuses = {}

        def fetch(width):
            try:
                statuses[width] = server.get(
                    img("/images/big.png", width), headers=PLAIN_ACCEPT,
                    timeout=RESIZE_TIMEOUT).status
            except (OSError, AssertionError) as e:
                statuses[width] = repr(e)
        with Foliod(prepare=prepare, conf={
                "image_workers": 1,
                "shutdown_timeout": STOP_SHUTDOWN_TIMEOUT}) as server:
            threads = [threading.Thread(target=fetch, args=(w,))
                       for w in self.WIDTHS]
            for t in threads:
                t.start()
            # Every request is in (the /metrics one counts too).
            wait_until(lambda: server.metric("folio_connections_active") >
                       len(threads), EVENT_TIMEOUT, "the requests to be in")
            server.stop()
            for t in threads:
                t.join(RESIZE_TIMEOUT)
        self.assertEqual(statuses, {w: 200 for w in self.WIDTHS})


# --- Cache, validators, HEAD, Cache-Control ----------------------------------

class Caching(ImageTestCase):
    conf = {"image_workers": 2, "image_max_age": IMAGE_MAX_AGE}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        for name in ("swap.jpg", "swap2.jpg"):
            server.write_content("images/" + name, fixture_image("photo.jpg"))
        server.write_content("images/narrow.png", fixture_image("diagram.png"))
        server.write_content(VERSIONS_POST, versions_post())

    def html_version(self, rel):
        """The v= of rel's first /_img URL on the versions post."""
        page = self.server.get(VERSIONS_URL).text
        m = re.search(r'/_img\?url=/%s&(?:amp;)?w=\d+&(?:amp;)?q=\d+'
                      r'&(?:amp;)?v=([0-9a-f]{16})"?' % re.escape(rel), page)
        self.assertIsNotNone(m, "no versioned /_img URL for %s" % rel)
        return m.group(1)

    def test_second_request_is_a_hit_with_the_same_bytes(self):
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            with self.subTest(accept=accept):
                target = img("/images/diagram.png", 384)
                first = self.fetch_ok(target, accept)
                self.assertEqual(first.header("X-Cache"), "MISS")
                resizes = self.resizes()
                second = self.fetch_ok(target, accept)
                self.assertEqual(second.header("X-Cache"), "HIT")
                self.assertEqual(second.body, first.body)
                self.assertEqual(second.header("ETag"), first.header("ETag"))
                self.assertEqual(self.resizes(), resizes)

    def test_hits_are_counted(self):
        target = img("/images/grey-progressive.jpg", 64)
        self.fetch_ok(target)
        hits = self.server.metric("folio_image_cache_hits_total")
        misses = self.server.metric("folio_image_cache_misses_total")
        self.fetch_ok(target)
        self.assertEqual(self.server.metric("folio_image_cache_hits_total"),
                         hits + 1)
        self.assertEqual(self.server.metric(
            "folio_image_cache_misses_total"), misses)
        self.assertGreater(self.server.metric("folio_image_cache_entries"), 0)
        self.assertGreater(self.server.metric("folio_image_cache_bytes"), 0)

    def test_widths_have_their_own_entries(self):
        a = self.fetch_ok(img("/images/photo.jpg", 128))
        b = self.fetch_ok(img("/images/photo.jpg", 256))
        self.assertNotEqual(a.header("ETag"), b.header("ETag"))
        self.assertNotEqual(a.body, b.body)

    def test_widths_over_the_source_share_one_entry(self):
        """Every width at or above the source's makes the same image: one
        resize, one cache entry, one ETag, for each format."""
        url = "/images/narrow.png"
        over = [w for w in WIDTHS if w >= FIXTURE_IMAGES["diagram.png"][0]]
        self.assertGreater(len(over), 2)
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            with self.subTest(accept=accept):
                before = self.resizes()
                entries = self.server.metric("folio_image_cache_entries")
                resps = [self.fetch_ok(img(url, w), accept) for w in over]
                self.assertEqual(len({r.header("ETag") for r in resps}), 1)
                self.assertEqual(len({r.body for r in resps}), 1)
                self.assertEqual([r.header("X-Cache") for r in resps],
                                 ["MISS"] + ["HIT"] * (len(over) - 1))
                self.assertEqual(self.resizes() - before, 1)
                self.assertEqual(self.server.metric(
                    "folio_image_cache_entries") - entries, 1)

    def test_304_on_a_matching_etag(self):
        target = img("/images/photo.jpg", 384)
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            with self.subTest(accept=accept):
                etag = self.fetch_ok(target, accept).header("ETag")
                for value in (etag, 'W/%s' % etag, '"0000000000000000", %s'
                              % etag, "*"):
                    resp = self.fetch(target, accept,
                                      headers=[("If-None-Match", value)])
                    self.assertEqual(resp.status, 304, value)
                    self.assertEqual(resp.body, b"")
                    self.assertEqual(resp.header("ETag"), etag)
                    self.assertEqual(resp.header("Vary"), "Accept")
                resp = self.fetch(target, accept, headers=[
                    ("If-None-Match", '"0000000000000000"')])
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.header("ETag"), etag)

    def test_the_webp_etag_does_not_match_the_jpeg(self):
        target = img("/images/photo.jpg", 750)
        etag = self.fetch_ok(target, WEBP_ACCEPT).header("ETag")
        resp = self.fetch(target, PLAIN_ACCEPT,
                          headers=[("If-None-Match", etag)])
        self.assertEqual(resp.status, 200)
        self.assertEqual(parse_image(resp.body).format, "jpeg")

    def test_head_has_no_body(self):
        target = img("/images/alpha.png", 256)
        for accept, mime in ((PLAIN_ACCEPT, "image/png"),
                             (WEBP_ACCEPT, "image/webp")):
            with self.subTest(mime=mime):
                # A cold HEAD, then the GET it predicts, then a warm HEAD.
                cold = self.fetch(target, accept, method="HEAD")
                get = self.fetch_ok(target, accept)
                warm = self.fetch(target, accept, method="HEAD")
                for head in (cold, warm):
                    self.assertEqual(head.status, 200)
                    self.assertEqual(head.body, b"")
                    self.assertEqual(head.header("Content-Type"), mime)
                    self.assertEqual(int(head.header("Content-Length")),
                                     len(get.body))
                    self.assertEqual(head.header("ETag"), get.header("ETag"))
                # Nothing followed the head on the connection.
                with self.server.connect(timeout=RESIZE_TIMEOUT) as conn:
                    conn.request(target, "HEAD", accept)
                    self.assertEqual(conn.buf, b"")
                    self.assertEqual(conn.request("/").status, 200)

    def test_versioned_url_is_immutable(self):
        for rel in ("images/photo.jpg", BUNDLE + "/photo.jpg",
                    "images/alpha.png"):
            with self.subTest(rel=rel):
                v = self.html_version(rel)
                resp = self.fetch_ok(img("/" + rel, 256, v=v))
                self.assertEqual(resp.header("Cache-Control"), IMMUTABLE)
                resp = self.fetch_ok(img("/" + rel, 256, v=v), WEBP_ACCEPT)
                self.assertEqual(resp.header("Cache-Control"), IMMUTABLE)

    def test_unversioned_url_gets_image_max_age(self):
        unversioned = "public, max-age=%d" % IMAGE_MAX_AGE
        v = self.html_version("images/photo.jpg")
        wrong = "%016x" % (int(v, 16) ^ 1)
        for target in (img(PHOTO, 256), img(PHOTO, 256, v=wrong),
                       img(PHOTO, 256, v=v.upper()), img(PHOTO, 256, v=v[:8])):
            with self.subTest(target=target):
                resp = self.fetch_ok(target)
                self.assertEqual(resp.header("Cache-Control"), unversioned)
        # v does not change the image, only how long it may be kept.
        a = self.fetch_ok(img(PHOTO, 256, v=v))
        b = self.fetch_ok(img(PHOTO, 256))
        self.assertEqual(a.body, b.body)
        self.assertEqual(a.header("ETag"), b.header("ETag"))

    def changed_source_check(self, rel, replace):
        url = "/" + rel
        old_v = self.html_version(rel)
        before = {}
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            before[accept[0][1]] = self.fetch_ok(img(url, 640), accept)
            self.assertEqual(self.fetch_ok(img(url, 640), accept).header(
                "X-Cache"), "HIT")
        replace(rel, fixture_image("grey-progressive.jpg"))
        # The post is built again with the image's new version.
        new_v = wait_until(lambda: self.html_version(rel) != old_v and
                           self.html_version(rel), EVENT_TIMEOUT,
                           "a new v= for %s" % rel)
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            with self.subTest(accept=accept):
                old = before[accept[0][1]]
                resp = self.fetch_ok(img(url, 640), accept)
                self.assertEqual(resp.header("X-Cache"), "MISS")
                self.assertNotEqual(resp.header("ETag"), old.header("ETag"))
                self.assertNotEqual(resp.body, old.body)
                out = parse_image(resp.body)
                self.assertEqual((out.width, out.height),
                                 FIXTURE_IMAGES["grey-progressive.jpg"])
                # The old version no longer earns "immutable".
                resp = self.fetch_ok(img(url, 640, v=old_v), accept)
                self.assertEqual(resp.header("Cache-Control"),
                                 "public, max-age=%d" % IMAGE_MAX_AGE)
                resp = self.fetch_ok(img(url, 640, v=new_v), accept)
                self.assertEqual(resp.header("Cache-Control"), IMMUTABLE)

    def test_a_source_overwritten_in_place_gives_a_new_result(self):
        self.changed_source_check("images/swap.jpg",
                                  self.server.write_content)

    def test_a_source_renamed_over_gives_a_new_result(self):
        self.changed_source_check("images/swap2.jpg",
                                  self.server.write_content_atomic)


# --- Single flight and pages beside resizes ----------------------------------

class Concurrency(ImageTestCase):
    # More imagers than one, so the single flight is across processes.
    conf = {"image_workers": 3}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        # One copy for the single-flight tests, one for the page test, so
        # that neither warms the other's cache entries.
        server.write_content("images/big.png", big_png())
        server.write_content("images/busy.png", big_png())

    def parallel(self, targets, accept=PLAIN_ACCEPT):
        """GETs all targets at once, one thread each; returns the
        responses (or the exceptions) in order."""
        results = [None] * len(targets)
        barrier = threading.Barrier(len(targets))

        def run(i):
            try:
                barrier.wait(IO_TIMEOUT)
                results[i] = self.fetch(targets[i], accept)
            except Exception as e:      # reported by the caller
                results[i] = e
        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(len(targets))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(RESIZE_TIMEOUT + IO_TIMEOUT)
        self.assertFalse(any(t.is_alive() for t in threads), "stuck clients")
        return results

    def single_flight_check(self, url, accept):
        before = self.resizes()
        failures = self.server.metric("folio_image_resize_failures_total")
        results = self.parallel([url] * SINGLE_FLIGHT_CLIENTS, accept)
        for r in results:
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.status, 200, "%r %s" % (r, r.text[:200]))
        bodies = {r.body for r in results}
        self.assertEqual(len(bodies), 1, "the clients got different images")
        self.assertEqual(len({r.header("ETag") for r in results}), 1)
        self.assertEqual(self.resizes() - before, 1)
        self.assertEqual(self.server.metric(
            "folio_image_resize_failures_total"), failures)
        self.assertEqual(sum(r.header("X-Cache") == "MISS" for r in results),
                         1)
        out = parse_image(bodies.pop())
        self.assertEqual((out.width, out.height),
                         expected_size(BIG_SIZE, 1920))

    def test_twenty_concurrent_requests_do_one_resize(self):
        self.single_flight_check(img("/images/big.png", 1920), PLAIN_ACCEPT)

    def test_twenty_concurrent_webp_requests_do_one_resize(self):
        self.single_flight_check(img("/images/big.png", 1920), WEBP_ACCEPT)

    def test_pages_keep_answering_while_resizes_run(self):
        widths = (256, 640, 1080, 1920)
        done = threading.Event()
        statuses = []

        def resize_all(accept):
            for w in widths:
                statuses.append(self.fetch(img("/images/busy.png", w),
                                           accept).status)
        workers = [threading.Thread(target=resize_all, args=(a,))
                   for a in (PLAIN_ACCEPT, WEBP_ACCEPT)]

        def wait_all():
            for t in workers:
                t.join()
            done.set()
        for t in workers:
            t.start()
        waiter = threading.Thread(target=wait_all)
        waiter.start()
        during = 0
        try:
            while not done.is_set():
                for target in ("/", "/posts/bundle-post", "/tags"):
                    resp = self.get(target)
                    self.assertEqual(resp.status, 200, target)
                    if not done.is_set():
                        during += 1
        finally:
            waiter.join(len(widths) * 2 * RESIZE_TIMEOUT)
        self.assertEqual(statuses, [200] * (2 * len(widths)))
        self.assertGreater(during, 0, "no page was served during resizes")
        self.assert_serving()


# --- The cache bound ---------------------------------------------------------

FLOOD_QUALITIES = (50, 75, 90)
FLOOD_CLIENTS = 4


class CacheBound(ImageTestCase):
    conf = {"cache_max_bytes": "1M", "image_max_bytes": "1M",
            "image_qualities": " ".join(map(str, FLOOD_QUALITIES)),
            "image_workers": 2}

    @classmethod
    def prepare_content(cls, server):
        copy_fixture_images(server)
        for i in range(2):
            server.write_content("images/noise%d.png" % i,
                                 noise_png(NOISE_SIZE, i))
        server.write_content("images/oversize.png",
                             noise_png(OVERSIZE_SIZE, 9))

    def cache_files_bytes(self):
        """Allocated bytes of the entries in cache_dir (what tmpfs
        charges), and stray temp files."""
        total, temps = 0, []
        for name in os.listdir(self.server.cache_dir):
            path = os.path.join(self.server.cache_dir, name)
            if re.fullmatch(r"[0-9a-f]{32}", name):
                try:
                    total += os.stat(path).st_blocks * 512
                except FileNotFoundError:
                    pass
            elif name.startswith(".tmp"):
                temps.append(name)
        return total, temps

    def flood_targets(self):
        targets = []
        for name in ("noise0.png", "noise1.png", "photo.jpg", "diagram.png"):
            for w in (256, 384, 640, 750, 1080, 1200):
                for q in FLOOD_QUALITIES:
                    for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
                        targets.append((img("/images/" + name, w, q), accept))
        random.Random(7).shuffle(targets)
        return targets

    def test_a_flood_of_distinct_urls_stays_under_the_bound(self):
        targets = self.flood_targets()
        evictions = self.server.metric("folio_image_cache_evictions_total")
        statuses, peaks, lock = [], [], threading.Lock()

        def run(part):
            for target, accept in part:
                status = self.fetch(target, accept).status
                with lock:
                    statuses.append((status, target))
        threads = [threading.Thread(target=run, args=(targets[i::
                   FLOOD_CLIENTS],)) for i in range(FLOOD_CLIENTS)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peaks.append(self.server.metric("folio_image_cache_bytes"))
            time.sleep(0.1)
        for t in threads:
            t.join()
        bad = [s for s in statuses if s[0] != 200]
        self.assertEqual(bad, [])
        self.assertEqual(len(statuses), len(targets))
        peaks.append(self.server.metric("folio_image_cache_bytes"))
        self.assertLessEqual(max(peaks), ONE_MIB, peaks)
        self.assertGreater(self.server.metric(
            "folio_image_cache_evictions_total"), evictions)
        on_disk, temps = self.cache_files_bytes()
        self.assertLessEqual(on_disk, ONE_MIB)
        self.assertEqual(temps, [])
        self.assertGreater(self.server.metric("folio_image_cache_entries"), 0)
        # An evicted image is made again.
        for target, accept in targets[:3]:
            self.fetch_ok(target, accept)
        self.assert_serving()

    def test_qualities_are_applied(self):
        for accept in (PLAIN_ACCEPT, WEBP_ACCEPT):
            with self.subTest(accept=accept):
                low = self.fetch_ok(img(PHOTO, 640, 50), accept)
                high = self.fetch_ok(img(PHOTO, 640, 90), accept)
                self.assertLess(len(low.body), len(high.body))
                self.assertNotEqual(low.header("ETag"), high.header("ETag"))

    def test_the_lowest_quality_is_the_default(self):
        """The allowlist must be ascending, so its first entry, the
        default, is the lowest."""
        a = self.fetch_ok(img(PHOTO, 128, FLOOD_QUALITIES[0]))
        b = self.fetch_ok(img(PHOTO, 128))
        self.assertEqual(a.body, b.body)

    def test_source_over_image_max_bytes_is_413(self):
        self.assertGreater(os.path.getsize(
            self.content_path("images/oversize.png")), ONE_MIB)
        self.assert_refused(img("/images/oversize.png", 256), 413)
        self.assert_serving()


# --- A cache_dir that cannot be used -----------------------------------------

class UnusableCacheDir(unittest.TestCase):
    # cache_dir values foliod cannot use (even as root): a path it cannot
    # create, directories it cannot write, a regular file.
    UNUSABLE = ("/proc/foliod-test-cache/images", "/proc", "/proc/sys",
                "{tmp}/foliod.conf")

    def test_refused_at_start_naming_cache_dir(self):
        for value in self.UNUSABLE:
            with self.subTest(cache_dir=value):
                self.check_refused(value)

    def check_refused(self, value):
        server = Foliod(conf={"cache_dir": value})
        try:
            server.prepare()
            proc = subprocess.Popen(
                server.command(), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                cwd=server.tmp, start_new_session=True)
            try:
                _, err = proc.communicate(timeout=REFUSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                server._kill(proc)
                self.fail("foliod started with cache_dir = %s" % value)
            err = err.decode("utf-8", "replace")
            self.assertEqual(proc.returncode, 1, tail(err))
            # "cache_dir <path>: why", path being the configured one or
            # the ancestor of it that could not be made.
            path = value.replace("{tmp}", server.tmp)
            named = re.findall(r"cache_dir (/[^\s:]*)", err)
            self.assertTrue(named, tail(err))
            self.assertTrue(all(path == n or path.startswith(n + "/")
                                for n in named), tail(err))
            for mark in ("runtime error:", "AddressSanitizer",
                         "LeakSanitizer"):
                self.assertNotIn(mark, err)
            wait_until(lambda: not session_members(proc.pid), IO_TIMEOUT,
                       "every process of the refused foliod to exit")
        finally:
            server.close(check=False)


if __name__ == "__main__":
    unittest.main()
