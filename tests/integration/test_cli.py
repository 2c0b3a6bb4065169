"""
test_cli.py: foliod run once from the command line: -V, -h, bad flags, -t on
the fixture (which has broken posts) and on a clean tree, config errors
reported as "file:line: key: ...", flags over the file, -E exporting the
same bytes the daemon serves, a file whose URL is too long skipped alone, a
post too large for a page or the feed costing neither, and static files
whose exported names clash with generated pages left out of the export.
"""

import os
import re
import unittest

from harness import FIXTURE, Foliod, FoliodTestCase

CLEAN_SITE = {
    "posts/2026-05-01-clean.md": "---\ntitle: Clean\ntags: [ok]\n---\n"
                                 "Nothing wrong here.\n",
    "pages/about.md": "---\ntitle: About\n---\nAbout.\n",
    "static/hello.txt": "hello\n",
}

# A config line each and the key its error must name.
BAD_LINES = (
    ("workers = lots", "workers"),
    ("workers = -1", "workers"),
    ("colour = blue", "colour"),
    ("posts_per_page = 0", "posts_per_page"),
    ("posts_per_page = 101", "posts_per_page"),
    ("feed_entries = 0", "feed_entries"),
    ("feed_entries = 1001", "feed_entries"),
    ("listen = 127.0.0.1:99999", "listen"),
    ("listen = nowhere", "listen"),
    ("access_log = loud", "access_log"),
    ("unsafe_html = maybe", "unsafe_html"),
    ("header_timeout = soon", "header_timeout"),
    ("max_connections = 0", "max_connections"),
)


def text(data):
    return data.decode("utf-8", "replace")


def export_site(test, files):
    """foliod -E of a site made of files, which must exit 0: the export's
    directory, the finished run and its stderr."""
    site = Foliod(files=files).prepare()
    test.addCleanup(site.close)
    out = os.path.join(site.tmp, "export")
    done = site.run("-E", out)
    err = text(done.stderr)
    test.assertEqual(done.returncode, 0, err)
    return out, done, err


def warn_lines(err):
    """The warning lines of a run's stderr."""
    return [line for line in err.splitlines() if "warn:" in line]


class CommandLine(unittest.TestCase):

    def setUp(self):
        self.server = Foliod().prepare()
        self.addCleanup(self.server.close)

    def run_foliod(self, *args, server=None, conf=True):
        done = (server or self.server).run(*args, conf=conf)
        return done.returncode, text(done.stdout), text(done.stderr)

    def test_version(self):
        rc, out, _ = self.run_foliod("-V", conf=False)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^foliod \d+\.\d+")

    def test_help(self):
        rc, out, _ = self.run_foliod("-h", conf=False)
        self.assertEqual(rc, 0)
        self.assertIn("usage:", out)

    def test_bad_flags_are_refused(self):
        for args in (("-Z",), ("-t", "extra"), ("-c",)):
            with self.subTest(args=args):
                rc, _, err = self.run_foliod(*args, conf=False)
                self.assertEqual(rc, 1)
                self.assertIn("usage:", err)

    def test_check_reports_each_problem_of_the_fixture(self):
        rc, _, err = self.run_foliod("-t")
        self.assertEqual(rc, 1, err)
        for rel in FIXTURE.BROKEN:
            self.assertRegex(err, re.escape(rel) + r":\d+: ")
        names = "|".join(re.escape(f) for f in FIXTURE.DUPE_FILES)
        self.assertRegex(err, r"(%s):\d+: " % names)
        for post in FIXTURE.POSTS:
            self.assertNotIn(post.slug + ".md:", err)

    def test_check_passes_on_a_clean_tree(self):
        clean = Foliod(files=CLEAN_SITE).prepare()
        self.addCleanup(clean.close)
        rc, _, err = self.run_foliod("-t", server=clean)
        self.assertEqual(rc, 0, err)
        self.assertNotRegex(err, r"warn:")

    def test_flags_override_the_file(self):
        clean = Foliod(files=CLEAN_SITE).prepare()
        self.addCleanup(clean.close)
        rc, _, err = self.run_foliod("-t", "-r", clean.content_dir)
        self.assertEqual(rc, 0, err)
        rc, _, err = self.run_foliod("-t", "-w", "lots")
        self.assertEqual(rc, 1)
        self.assertIn("workers", err)

    def test_bad_config_names_file_line_and_key(self):
        for line, key in BAD_LINES:
            with self.subTest(line=line):
                lines = self.server.write_conf([line])
                rc, out, err = self.run_foliod("-t")
                self.assertEqual(rc, 1, out + err)
                self.assertIn("%s:%d: %s:" % (self.server.conf_path,
                                              len(lines), key), err)

    def test_line_that_is_not_key_value(self):
        lines = self.server.write_conf(["just some words"])
        rc, _, err = self.run_foliod("-t")
        self.assertEqual(rc, 1)
        self.assertIn("%s:%d:" % (self.server.conf_path, len(lines)), err)

    def test_comments_and_blank_lines_are_fine(self):
        self.server.write_conf(["", "# a comment", "; another comment", "  ",
                                "site_title = A title with spaces"])
        rc, _, err = self.run_foliod("-t")
        self.assertNotIn(self.server.conf_path + ":", err)
        self.assertEqual(rc, 1, "the fixture's broken posts make -t fail")

    def test_listen_and_admin_listen_must_differ(self):
        self.server.write_conf(["admin_listen = 127.0.0.1:%d"
                                % self.server.port])
        rc, _, err = self.run_foliod("-t")
        self.assertEqual(rc, 1)
        self.assertIn("listen", err)

    def test_missing_config_file_is_an_error(self):
        rc, _, err = self.run_foliod("-t", "-c", os.path.join(
            self.server.tmp, "missing.conf"), conf=False)
        self.assertEqual(rc, 1)
        self.assertIn("missing.conf", err)

    def test_missing_content_dir_is_an_error(self):
        self.server.overrides["content_dir"] = os.path.join(self.server.tmp,
                                                            "nowhere")
        self.server.write_conf()
        rc, _, err = self.run_foliod("-t")
        self.assertEqual(rc, 1)
        self.assertIn("nowhere", err)


class OneFileTooLong(unittest.TestCase):
    """A static file whose URL is longer than a route may be is skipped with
    one line naming it; the rest of the site builds and exports."""

    LONG = "static/" + "/".join(["a" * 250] * 5) + "/x.txt"

    def test_export_skips_only_that_file(self):
        out, done, err = export_site(self, dict(CLEAN_SITE,
                                                **{self.LONG: "x\n"}))
        self.assertTrue(os.path.isfile(os.path.join(out, "posts",
                                                    "clean.html")), err)
        self.assertTrue(os.path.isfile(os.path.join(out, "hello.txt")))
        lines = warn_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertIn("static/aaaa", lines[0])
        self.assertIn("/x.txt:1: URL longer than 1024 bytes", lines[0])
        self.assertIn("(1 problem)", text(done.stdout))


class FrontMatterDates(unittest.TestCase):
    """A post dated 1970-01-01 shows that date, not its mtime; a '[' never
    closed is reported on its own line, not on the next key's."""

    FILES = dict(CLEAN_SITE, **{
        "posts/epoch.md": "---\ntitle: Epoch\ndate: 1970-01-01\n---\nOld.\n",
        "posts/unclosed.md": "---\ntitle: ok\ntags: [a, b\nsummary: x\n"
                             "---\nBody.\n",
    })

    def test_epoch_and_unclosed_list(self):
        out, done, err = export_site(self, self.FILES)
        with open(os.path.join(out, "posts", "epoch.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn('<time datetime="1970-01-01">', page)
        self.assertIn('content="1970-01-01T00:00:00Z"', page)
        lines = warn_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertIn("posts/unclosed.md:3: YAML: did not find expected "
                      "',' or ']'", lines[0])


class OneHugePost(unittest.TestCase):
    """A post whose page would pass the 32 MB page bound (7 MB of '&' in a
    code block) costs nobody the feed: its entry has its summary only, its
    page says why it has no text, and links to it stay good."""

    HUGE = "---\ntitle: Huge\nsummary: Very long.\n---\n```\n" + \
        ("&" * 99 + "\n") * 70000 + "```\n"

    def test_feed_and_links_survive(self):
        out, done, err = export_site(self, dict(CLEAN_SITE, **{
            "posts/2026-01-02-huge.md": self.HUGE}))
        with open(os.path.join(out, "feed.xml"), encoding="utf-8") as f:
            feed = f.read()
        self.assertEqual(feed.count("<entry>"), 2, err)
        self.assertIn("Nothing wrong here.", feed)
        self.assertIn("<summary>Very long.</summary>", feed)
        self.assertLess(len(feed), 1 << 20)
        with open(os.path.join(out, "posts", "huge.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("too long to be shown here", page)
        self.assertIn("<h1>Huge</h1>", page)
        lines = warn_lines(err)
        self.assertEqual(len(lines), 2, err)
        self.assertRegex(lines[0], r"posts/2026-01-02-huge\.md:1: its page "
                         r"would be larger than 33554432 bytes")
        self.assertRegex(lines[1], r"posts/2026-01-02-huge\.md:1: \d+ bytes "
                         r"of content, more than the 1048576 a feed entry")


class ExportNameClash(unittest.TestCase):
    """Files in static/ that the daemon serves beside a generated page, but
    that the export would write under that page's file name: the generated
    page wins, as it does at its own route, and each file is named once."""

    CLASHES = {
        "static/index.html": "index.html",
        "static/404.html": "404.html",
        "static/tags.html": "tags.html",
        "static/posts/clean.html": "posts/clean.html",
    }

    def test_generated_pages_win(self):
        files = dict(CLEAN_SITE, **{rel: "STATIC\n" for rel in self.CLASHES})
        # A file given ".html" by the export loses to one named so.
        files["static/notes"] = "PLAIN\n"
        files["static/notes.html"] = "NOTES HTML\n"
        out, done, err = export_site(self, files)
        self.assertIn("(5 problems)", text(done.stdout))
        for rel, name in self.CLASHES.items():
            with self.subTest(file=rel):
                with open(os.path.join(out, name), "rb") as f:
                    self.assertTrue(f.read().startswith(b"<!doctype html>"))
                self.assertEqual(len(re.findall(
                    r"warn: %s:1: %s in the export is the (page|site's 404 "
                    r"page)" % (re.escape(rel), re.escape(name)), err)), 1,
                    err)
        with open(os.path.join(out, "notes.html"), "rb") as f:
            self.assertEqual(f.read(), b"NOTES HTML\n")
        self.assertIn("static/notes:1: notes.html in the export is the file "
                      "static/notes.html;", err)


class Export(FoliodTestCase):
    """-E beside a running daemon on the same config: same bytes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out = os.path.join(cls.server.tmp, "export")
        done = cls.server.run("-E", cls.out)
        cls.export_rc, cls.export_err = done.returncode, text(done.stderr)

    def exported(self, rel):
        path = os.path.join(self.out, rel)
        self.assertTrue(os.path.isfile(path), "not exported: %s" % rel)
        with open(path, "rb") as f:
            return f.read()

    def expected_pages(self):
        """Exported file -> route."""
        pages = {"index.html": "/", "feed.xml": "/feed.xml",
                 "sitemap.xml": "/sitemap.xml", "robots.txt": "/robots.txt",
                 "tags.html": "/tags"}
        pages.update({"posts/%s.html" % p.slug: "/posts/" + p.slug
                      for p in FIXTURE.POSTS})
        pages.update({"tags/%s.html" % t: "/tags/" + t
                      for t in FIXTURE.tags()})
        pages.update({"%s.html" % slug: "/" + slug for slug, _ in
                      FIXTURE.PAGES})
        return pages

    def test_export_succeeds(self):
        self.assertEqual(self.export_rc, 0, self.export_err)

    def test_export_holds_the_served_pages(self):
        for rel, route in self.expected_pages().items():
            with self.subTest(file=rel):
                self.assertEqual(self.exported(rel), self.get_ok(route).body)

    def test_export_copies_the_files(self):
        for url, rel in FIXTURE.FILES.items():
            with self.subTest(url=url):
                self.assertEqual(self.exported(url.lstrip("/")),
                                 FIXTURE.read(rel))

    def test_export_has_the_404_page_and_the_css(self):
        self.assertEqual(self.exported("404.html"), self.get("/nope").body)
        css = re.search(r'href="/(assets/style\.[0-9a-f]{16}\.css)"',
                        self.get_ok("/").text).group(1)
        self.assertEqual(self.exported(css), self.get_ok("/" + css).body)

    def test_export_leaves_out_what_is_not_published(self):
        hidden = [p.slug for p in FIXTURE.HIDDEN] + list(
            FIXTURE.BROKEN.values())
        for slug in hidden:
            self.assertFalse(os.path.exists(os.path.join(
                self.out, "posts", slug + ".html")), slug)
        for tag in FIXTURE.HIDDEN_TAGS:
            self.assertFalse(os.path.exists(os.path.join(
                self.out, "tags", tag + ".html")), tag)


if __name__ == "__main__":
    unittest.main()
