"""
test_routes.py: every route of the fixture site and what it holds: the index
(newest first, two posts a page), posts, bundle files, pages, tags, the feed,
the sitemap, robots.txt, static files and images, the 404 page; drafts,
future, broken and duplicate posts kept out of all of them.
"""

import re
import unittest
import xml.etree.ElementTree as ET

from harness import FIXTURE, FoliodTestCase, post_links, tag_links

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PER_PAGE = 2
# More index pages than the fixture could ever need: a loop bound.
PAGES_MAX = 20


class SiteRoutes(FoliodTestCase):
    conf = {"posts_per_page": PER_PAGE}

    # Helpers.

    def index_pages(self):
        """The index pages in order, / then /page/2 ... until a 404."""
        pages = [("/", self.get_ok("/"))]
        for n in range(2, PAGES_MAX):
            resp = self.get("/page/%d" % n)
            if resp.status == 404:
                return pages
            self.assertEqual(resp.status, 200, "/page/%d" % n)
            pages.append(("/page/%d" % n, resp))
        self.fail("more than %d index pages" % PAGES_MAX)

    def listed_posts(self):
        """Slugs on the index pages, in order; "dupe" may be among them."""
        slugs = []
        for _, resp in self.index_pages():
            slugs += post_links(resp.text)
        return slugs

    def public_bodies(self):
        """Every generated listing: index pages, tags, feed, sitemap."""
        bodies = {path: resp.text for path, resp in self.index_pages()}
        for path in ["/tags", "/feed.xml", "/sitemap.xml"] + [
                "/tags/" + t for t in FIXTURE.tags()]:
            bodies[path] = self.get_ok(path).text
        return bodies

    def feed(self):
        resp = self.get_ok("/feed.xml")
        return ET.fromstring(resp.body)

    def expected_slugs(self):
        return [p.slug for p in FIXTURE.POSTS]

    # The index.

    def test_index_lists_published_posts_newest_first(self):
        slugs = self.listed_posts()
        without_dupe = [s for s in slugs if s != FIXTURE.DUPE_SLUG]
        self.assertEqual(without_dupe, self.expected_slugs())
        if FIXTURE.DUPE_SLUG in slugs:
            # Both dupe files are older than every other post.
            self.assertEqual(slugs[-1], FIXTURE.DUPE_SLUG)

    def test_index_pages_hold_posts_per_page(self):
        pages = self.index_pages()
        counts = [len(post_links(resp.text)) for _, resp in pages]
        total = sum(counts)
        self.assertGreaterEqual(total, len(FIXTURE.POSTS))
        self.assertEqual(len(pages), -(-total // PER_PAGE), counts)
        self.assertTrue(all(c == PER_PAGE for c in counts[:-1]), counts)
        self.assertTrue(1 <= counts[-1] <= PER_PAGE, counts)

    def test_index_pages_are_distinct(self):
        pages = self.index_pages()
        firsts = [post_links(resp.text)[0] for _, resp in pages]
        self.assertEqual(len(set(firsts)), len(pages))

    def test_pages_outside_the_range_are_404(self):
        last = len(self.index_pages())
        for target in ("/page/%d" % (last + 1), "/page/0", "/page/-1",
                       "/page/two", "/page/"):
            with self.subTest(target=target):
                self.assertNotEqual(self.get(target).status, 200)
        self.assert_not_found("/page/%d" % (last + 1))

    # Posts, bundles, pages.

    def test_every_published_post_is_served(self):
        for post in FIXTURE.POSTS:
            with self.subTest(post=post.slug):
                resp = self.get_ok("/posts/" + post.slug)
                self.assertTrue(resp.header("Content-Type", "").startswith(
                    "text/html"))
                self.assertIn(post.title, resp.text)
                self.assertIn(FIXTURE.marker(post.slug), resp.text)

    def test_files_are_served_as_they_are(self):
        for url, rel in FIXTURE.FILES.items():
            with self.subTest(url=url):
                self.assertEqual(self.get_ok(url).body, FIXTURE.read(rel))

    def test_bundle_sibling_is_linked_from_its_post(self):
        resp = self.get_ok("/posts/bundle-post")
        self.assertIn("/posts/bundle-post/notes.txt", resp.text)

    def test_bundle_index_file_is_not_a_route(self):
        self.assert_not_found("/posts/bundle-post/index.md")

    def test_pages_are_served(self):
        for slug, title in FIXTURE.PAGES:
            with self.subTest(page=slug):
                resp = self.get_ok("/" + slug)
                self.assertIn(title, resp.text)
                self.assertIn(FIXTURE.marker(slug), resp.text)

    def test_pages_are_not_posts(self):
        for slug, _ in FIXTURE.PAGES:
            self.assertNotIn(slug, self.listed_posts())
            self.assert_not_found("/posts/" + slug)

    def test_trailing_slash_redirects_to_the_post(self):
        resp = self.get("/posts/quiet-week/")
        self.assertEqual(resp.status, 301)
        self.assertTrue(resp.header("Location", "").endswith(
            "/posts/quiet-week"), resp.header("Location"))

    def test_query_string_is_ignored(self):
        for target in ("/posts/quiet-week", "/tags", "/hello.txt"):
            with self.subTest(target=target):
                plain = self.get_ok(target)
                queried = self.get_ok(target + "?utm_source=test&x=%2F")
                self.assertEqual(queried.body, plain.body)

    # Tags.

    def test_tag_list_links_every_published_tag(self):
        html = self.get_ok("/tags").text
        self.assertEqual(sorted(tag_links(html)), sorted(FIXTURE.tags()))

    def test_tag_pages_list_their_posts_newest_first(self):
        for tag, slugs in FIXTURE.tags().items():
            with self.subTest(tag=tag):
                html = self.get_ok("/tags/" + tag).text
                self.assertEqual(post_links(html), slugs)

    def test_mixed_case_tag_gets_a_lower_case_slug(self):
        html = self.get_ok("/tags/gitops").text
        self.assertIn("GitOps", html)

    def test_unknown_tag_is_404(self):
        self.assert_not_found("/tags/no-such-tag")

    # Feed, sitemap, robots.txt.

    def test_feed_is_atom_with_published_posts_newest_first(self):
        resp = self.get_ok("/feed.xml")
        self.assertTrue(resp.header("Content-Type", "").startswith(
            "application/atom+xml"), resp.header("Content-Type"))
        feed = ET.fromstring(resp.body)
        self.assertEqual(feed.tag, ATOM + "feed")
        for child in ("id", "title", "updated"):
            self.assertIsNotNone(feed.find(ATOM + child), child)
        titles = [e.findtext(ATOM + "title") for e in
                  feed.findall(ATOM + "entry")]
        titles = [t for t in titles if t not in FIXTURE.DUPE_TITLES]
        self.assertEqual(titles, [p.title for p in FIXTURE.POSTS])

    def test_feed_entries_link_to_absolute_post_urls(self):
        links = []
        for entry in self.feed().findall(ATOM + "entry"):
            links += [link.get("href") for link in entry.findall(ATOM + "link")
                      if link.get("rel", "alternate") == "alternate"]
        for post in FIXTURE.POSTS:
            self.assertIn(self.server.base_url + "/posts/" + post.slug, links)

    def test_feed_entry_dates(self):
        entries = {e.findtext(ATOM + "title"): e
                   for e in self.feed().findall(ATOM + "entry")}
        for post in FIXTURE.POSTS:
            with self.subTest(post=post.slug):
                entry = entries[post.title]
                updated = entry.findtext(ATOM + "updated") or ""
                self.assertTrue(updated.startswith(post.updated or post.date),
                                (updated, post.updated or post.date))
                published = entry.findtext(ATOM + "published")
                if published is not None:
                    self.assertTrue(published.startswith(post.date),
                                    (published, post.date))

    def test_sitemap_lists_every_public_url(self):
        resp = self.get_ok("/sitemap.xml")
        self.assertIn("xml", resp.header("Content-Type", ""))
        root = ET.fromstring(resp.body)
        self.assertEqual(root.tag, SITEMAP + "urlset")
        locs = {u.findtext(SITEMAP + "loc") for u in root.findall(
            SITEMAP + "url")}
        base = self.server.base_url
        want = {base + "/posts/" + p.slug for p in FIXTURE.POSTS}
        want |= {base + "/" + slug for slug, _ in FIXTURE.PAGES}
        self.assertTrue(base + "/" in locs or base in locs, locs)
        self.assertLessEqual(want, locs)
        hidden = {base + "/posts/" + p.slug for p in FIXTURE.HIDDEN}
        hidden |= {base + "/posts/" + s for s in FIXTURE.BROKEN.values()}
        self.assertFalse(hidden & locs)

    def test_robots_txt_is_generated(self):
        resp = self.get_ok("/robots.txt")
        self.assertTrue(resp.header("Content-Type", "").startswith(
            "text/plain"))
        self.assertIn("user-agent", resp.text.lower())

    # What must be nowhere.

    def test_drafts_and_future_posts_are_nowhere(self):
        bodies = self.public_bodies()
        for post in FIXTURE.HIDDEN:
            with self.subTest(post=post.slug):
                self.assert_not_found("/posts/" + post.slug)
                for path, body in bodies.items():
                    self.assertNotIn("/posts/" + post.slug, body, path)
                    self.assertNotIn(post.title, body, path)
                    self.assertNotIn(FIXTURE.marker(post.slug), body, path)
        for tag in FIXTURE.HIDDEN_TAGS:
            self.assert_not_found("/tags/" + tag)

    def test_broken_posts_are_skipped_and_logged(self):
        log = self.server.log()
        bodies = self.public_bodies()
        for rel, slug in FIXTURE.BROKEN.items():
            with self.subTest(file=rel):
                self.assertRegex(log, re.escape(rel) + r":\d+: ")
                self.assert_not_found("/posts/" + slug)
                for path, body in bodies.items():
                    self.assertNotIn(FIXTURE.marker(slug), body, path)

    def test_duplicate_slug_is_refused_and_logged(self):
        log = self.server.log()
        names = "|".join(re.escape(f) for f in FIXTURE.DUPE_FILES)
        self.assertRegex(log, r"(%s):\d+: " % names)
        resp = self.get("/posts/" + FIXTURE.DUPE_SLUG)
        self.assertIn(resp.status, (200, 404))
        served = [t for t in FIXTURE.DUPE_TITLES if t in resp.text]
        self.assertLessEqual(len(served), 1, "both dupes in one page")

    # Not found.

    def test_unknown_routes_get_the_404_page(self):
        for target in ("/nope", "/posts/nope", "/posts/quiet-week/nope.txt",
                       "/tags/meta/extra", "/images/nope.png", "/nope.txt",
                       "/assets/style.0000000000000000.css",
                       "/static/hello.txt", "/pages/about", "/posts"):
            with self.subTest(target=target):
                resp = self.assert_not_found(target)
                self.assertTrue(resp.header("Content-Type", "").startswith(
                    "text/html"), resp.header("Content-Type"))
                self.assertIn("<html", resp.text.lower())


# A small tree written by the test: static/ replaces robots.txt, and a file
# that collides with a generated route is refused.
SMALL_ROBOTS = "User-agent: *\nDisallow: /private/\n"


class SmallSite(FoliodTestCase):
    files = {
        "posts/only.md": "---\ntitle: Only post\ndate: 2026-05-01\n"
                         "tags: [solo]\n---\nmarker-only\n",
        "static/robots.txt": SMALL_ROBOTS,
        "static/tags": "a file that collides with the /tags route\n",
    }

    def test_static_robots_txt_replaces_the_generated_one(self):
        self.assertEqual(self.get_ok("/robots.txt").text, SMALL_ROBOTS)

    def test_generated_route_wins_over_a_static_file(self):
        resp = self.get_ok("/tags")
        self.assertIn("/tags/solo", resp.text)
        self.assertRegex(self.server.log(), r"static/tags:\d+: ")

    def test_single_post_site(self):
        self.assertEqual(post_links(self.get_ok("/").text), ["only"])
        self.assert_not_found("/page/2")


class EmptySite(FoliodTestCase):
    files = {"pages/about.md": "---\ntitle: About\n---\nmarker-about\n"}

    def test_empty_site_serves_lists_and_an_empty_feed(self):
        self.assertEqual(post_links(self.get_ok("/").text), [])
        self.get_ok("/tags")
        self.get_ok("/about")
        feed = ET.fromstring(self.get_ok("/feed.xml").body)
        self.assertEqual(feed.findall(ATOM + "entry"), [])
        ET.fromstring(self.get_ok("/sitemap.xml").body)


if __name__ == "__main__":
    unittest.main()
