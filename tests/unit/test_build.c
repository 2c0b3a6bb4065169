/*
 * test_build.c: a whole build from a small content tree: every route is in
 * the index with the headers it is served with, static files lose to
 * generated routes except feed.xml, sitemap.xml and robots.txt, and the
 * export writes the same bytes as plain files (a generated page over a
 * static file of the same exported name). A fast first build, the
 * compressing one after it and an incremental build (unchanged routes
 * copied, unchanged sources taken from the source cache) each give what a
 * cold build gives, byte for byte, and a post re-dated without a byte of
 * it changing gets a new page. Posts with real images get
 * responsive <img> tags carrying each file's version, and a changed image
 * changes the page.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "build.h"
#include "export.h"
#include "index.h"
#include "test.h"

/* The test images (tests run from the top of the tree). */
#define IMG_DATA	"tests/data/images/"
/* Seconds past now at which files written now count as settled for the
 * source cache (content.c's SRC_SETTLE_SEC is less). */
#define SETTLED_AHEAD	10
/* Bytes of build log kept for checking. */
#define LOG_MAX		16384

static char root[64], run[64], out[64], iroot[64], irun[64];

/* Writes text (or, with from, a copy of that file) at rel under base. */
static void
put_at(const char *base, const char *rel, const char *text, const char *from)
{
	char path[512], *slash, chunk[4096];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (slash = path + strlen(base) + 1; (slash = strchr(slash, '/'));
	    slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w"), *in = from ? fopen(from, "r") : NULL;
	if (f != NULL && text != NULL)
		fputs(text, f);
	while (in != NULL && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, f);
	if (in != NULL)
		fclose(in);
	if (f != NULL)
		fclose(f);
}

static void
put(const char *rel, const char *text)
{
	put_at(root, rel, text, NULL);
}

static int
rm(const char *p, const struct stat *st, int t, struct FTW *f)
{
	(void)st; (void)t; (void)f;
	return remove(p);
}

static bool
headers_have(const struct index *ix, const struct ix_entry *e, const char *s)
{
	char h[4096];

	snprintf(h, sizeof(h), "%.*s", (int)e->headers[IXV_IDENTITY].len,
	    index_blob(ix, e->headers[IXV_IDENTITY]));
	return strstr(h, s) != NULL;
}

static const struct ix_entry *
find(const struct index *ix, const char *path)
{
	return index_lookup(ix, path, strlen(path));
}

static void
make_site(void)
{
	put("posts/2026-01-02-first.md", "---\ntitle: First\ntags: [alpha]\n---\nHello.\n");
	put("posts/second.md", "---\ntitle: Second\ndate: 2026-02-01\n"
	    "tags: [alpha, beta]\n---\nWorld.\n");
	put("posts/broken.md", "---\ntitle: [unclosed\n---\nx\n");
	put("pages/about.md", "---\ntitle: About\n---\nAbout us.\n");
	put("static/robots.txt", "User-agent: *\nDisallow: /private\n");
	put("static/tags", "a file that collides with /tags\n");
	put("static/hello.txt", "hello\n");
	/* Served by the daemon at their own URLs, but exported as the same
	 * files as / and /posts/first: the generated pages win there. */
	put("static/index.html", "STATIC INDEX\n");
	put("static/posts/first.html", "STATIC POST\n");
	put("images/a.png", "not really a png\n");
}

static void
check_index(const struct conf *c)
{
	char path[512], err[256];
	struct index ix;
	const struct ix_entry *e;

	snprintf(path, sizeof(path), "%s/index", run);
	ok(index_open(&ix, path, err, sizeof(err)) == 0, "open: %s", err);
	if (ix.map == NULL)
		return;
	static const char *pages[] = { "/", "/posts/first", "/posts/second",
	    "/about", "/tags", "/tags/alpha", "/tags/beta", "/feed.xml",
	    "/sitemap.xml" };
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		e = find(&ix, pages[i]);
		ok(e != NULL && e->kind == IX_PAGE && e->status == 200,
		    "page %s", pages[i]);
	}
	ok(find(&ix, "/posts/broken") == NULL, "a broken post is left out");
	e = find(&ix, "/posts/first");
	ok(e && headers_have(&ix, e, "Content-Security-Policy: default-src"),
	    "pages carry the CSP");
	ok(e && headers_have(&ix, e, "Cache-Control: public, max-age=0, s-maxage=120"),
	    "page Cache-Control from the config (s_maxage %d)", c->s_maxage);
	ok(e && e->route == ROUTE_POST, "route kind of a post");
	e = find(&ix, "/robots.txt");
	ok(e && e->kind == IX_FILE, "static/robots.txt replaces the generated one");
	e = find(&ix, "/tags");
	ok(e && e->kind == IX_PAGE, "static/tags does not replace /tags");
	e = find(&ix, "/hello.txt");
	ok(e && e->kind == IX_FILE && headers_have(&ix, e,
	    "Content-Type: text/plain"), "static file with its type");
	e = find(&ix, "/images/a.png");
	ok(e && e->kind == IX_FILE && headers_have(&ix, e, "image/png"),
	    "image served as it is");
	e = index_notfound(&ix);
	ok(e && e->status == 404 && headers_have(&ix, e, "no-cache"),
	    "404 page, not cached");
	bool css = false;
	for (uint32_t i = 0; i < ix.hdr->nentries; i++) {
		e = &ix.entries[i];
		if (e->route == ROUTE_ASSET && strncmp(index_blob(&ix, e->path),
		    "/assets/style.", 14) == 0 && headers_have(&ix, e, "immutable"))
			css = true;
	}
	ok(css, "hashed stylesheet with immutable caching");
	index_close(&ix);
}

static void
check_export(void)
{
	char path[512], err[256];
	struct stat st;
	size_t problems = 0;
	long n;

	snprintf(path, sizeof(path), "%s/index", run);
	n = export_site(path, out, &problems, err, sizeof(err));
	ok(n > 10, "export wrote %ld files: %s", n, n < 0 ? err : "");
	ok(problems == 2, "two static files left out: %zu", problems);
	static const char *generated[] = { "index.html", "posts/first.html" };
	for (size_t i = 0; i < 2; i++) {
		char head[32] = "";

		snprintf(path, sizeof(path), "%s/%s", out, generated[i]);
		FILE *g = fopen(path, "r");
		if (g != NULL) {
			(void)!fgets(head, sizeof(head), g);
			fclose(g);
		}
		ok(strcmp(head, "<!doctype html>\n") == 0,
		    "%s is the generated page: %s", generated[i], head);
	}
	static const char *files[] = { "index.html", "posts/first.html",
	    "about.html", "tags/alpha.html", "feed.xml", "404.html",
	    "robots.txt", "hello.txt", "images/a.png" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", out, files[i]);
		ok(stat(path, &st) == 0 && st.st_size > 0, "exported %s",
		    files[i]);
	}
	snprintf(path, sizeof(path), "%s/robots.txt", out);
	FILE *f = fopen(path, "r");
	char line[128] = "";
	if (f) {
		(void)!fgets(line, sizeof(line), f);
		(void)!fgets(line, sizeof(line), f);
		fclose(f);
	}
	ok(strcmp(line, "Disallow: /private\n") == 0, "copied bytes: %s", line);
}

/* The ETag of a route in run/index, "" if absent. */
static void
etag_of(const char *route, char tag[ETAG_CORE_LEN + 1])
{
	char path[512], err[256];
	struct index ix;
	const struct ix_entry *e;

	tag[0] = '\0';
	snprintf(path, sizeof(path), "%s/index", run);
	if (index_open(&ix, path, err, sizeof(err)) == -1)
		return;
	if ((e = find(&ix, route)) != NULL)
		memcpy(tag, e->etag, ETAG_CORE_LEN + 1);
	index_close(&ix);
}

/* A rebuild reuses what did not change, and only that. */
static void
check_rebuild(struct conf *c)
{
	char first[17], second[17], other1[17], other2[17], err[256];
	struct build_result res;

	etag_of("/posts/first", first);
	etag_of("/posts/second", other1);
	ok(build_site(c, 7, time(NULL), run, "index", 0, &res, err,
	    sizeof(err)) == 0, "rebuild: %s", err);
	ok(res.reused + 2 >= res.entries - 4,
	    "an unchanged site reuses nearly every page: %zu of %zu",
	    res.reused, res.entries);
	put("posts/2026-01-02-first.md", "---\ntitle: First\ntags: [alpha]\n"
	    "---\nHello, edited.\n");
	ok(build_site(c, 8, time(NULL), run, "index", 0, &res, err,
	    sizeof(err)) == 0, "rebuild after an edit: %s", err);
	etag_of("/posts/first", second);
	etag_of("/posts/second", other2);
	ok(first[0] && strcmp(first, second) != 0, "the edited post changed");
	ok(other1[0] && strcmp(other1, other2) == 0,
	    "its neighbour is the same page");
	ok(res.reused < res.entries, "the edit was not reused: %zu of %zu",
	    res.reused, res.entries);
}

/* The body of route in dir/index (malloc'd), or NULL. */
static char *
body_in(const char *dir, const char *route)
{
	char path[512], err[256], *body = NULL;
	struct index ix;
	const struct ix_entry *e;

	snprintf(path, sizeof(path), "%s/index", dir);
	if (index_open(&ix, path, err, sizeof(err)) == -1)
		return NULL;
	if ((e = find(&ix, route)) != NULL && e->kind == IX_PAGE)
		body = strndup(index_blob(&ix, e->body[IXV_IDENTITY]),
		    e->body[IXV_IDENTITY].len);
	index_close(&ix);
	return body;
}

/* Rebuilds run/index and tells whether route's page holds want. */
static bool
rebuilt_shows(struct conf *c, const char *route, const char *want)
{
	struct build_result res;
	char err[256], *body;
	bool has;

	if (build_site(c, 9, time(NULL), run, "index", 0, &res, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "build: %s\n", err);
		return false;
	}
	body = body_in(run, route);
	has = body != NULL && strstr(body, want) != NULL;
	free(body);
	return has;
}

static void
set_mtime(const char *rel, time_t t)
{
	char path[512];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	utimensat(AT_FDCWD, path, ts, 0);
}

/*
 * What a post's page shows but its bytes do not say is part of its key: a
 * post re-dated by its file name, or (undated) by its mtime, gets a new
 * page, and so does every post when unsafe_html changes.
 */
static void
check_redate(struct conf *c)
{
	char from[512], to[512];
	/* 2025-06-01 and 2025-07-04, 12:00 UTC. */
	const time_t june = 1748779200, july = 1751630400;

	snprintf(from, sizeof(from), "%s/posts/2026-01-02-first.md", root);
	snprintf(to, sizeof(to), "%s/posts/2025-12-25-first.md", root);
	ok(rebuilt_shows(c, "/posts/first", "datetime=\"2026-01-02\""),
	    "dated by its file name");
	ok(rename(from, to) == 0 && rebuilt_shows(c, "/posts/first",
	    "datetime=\"2025-12-25\""), "renamed to another date: re-dated");
	ok(rename(to, from) == 0 && rebuilt_shows(c, "/posts/first",
	    "datetime=\"2026-01-02\""), "and back");

	put("posts/plain.md", "---\ntitle: Plain\n---\nNo date.\n");
	set_mtime("posts/plain.md", june);
	ok(rebuilt_shows(c, "/posts/plain", "datetime=\"2025-06-01\""),
	    "undated: dated by its mtime");
	set_mtime("posts/plain.md", july);
	ok(rebuilt_shows(c, "/posts/plain", "datetime=\"2025-07-04\""),
	    "touched: re-dated");

	put("posts/raw.md", "---\ntitle: Raw\ndate: 2025-01-01\n---\n"
	    "<b>raw</b>\n");
	ok(!rebuilt_shows(c, "/posts/raw", "<b>raw</b>"), "raw HTML left out");
	c->unsafe_html = true;
	ok(rebuilt_shows(c, "/posts/raw", "<b>raw</b>"),
	    "unsafe_html turned on: passed through");
	c->unsafe_html = false;
	ok(!rebuilt_shows(c, "/posts/raw", "<b>raw</b>"), "and off again");
	snprintf(to, sizeof(to), "%s/posts/plain.md", root);
	unlink(to);
	snprintf(to, sizeof(to), "%s/posts/raw.md", root);
	unlink(to);
}

/* --- A fast first build, then the compressing one ----------------------- */

static bool
same_blob(const struct index *a, struct ix_blob x, const struct index *b,
    struct ix_blob y)
{
	return x.len == y.len && memcmp(index_blob(a, x), index_blob(b, y),
	    x.len) == 0;
}

/* Whether the indexes in run dirs da and db answer every route with the
 * same bytes; why names the first difference. */
static bool
same_index(const char *da, const char *db, char *why, size_t whylen)
{
	char pa[512], pb[512];
	struct index a, b;
	bool same = true;

	snprintf(why, whylen, "cannot open");
	snprintf(pa, sizeof(pa), "%s/index", da);
	snprintf(pb, sizeof(pb), "%s/index", db);
	if (index_open(&a, pa, why, whylen) == -1)
		return false;
	if (index_open(&b, pb, why, whylen) == -1) {
		index_close(&a);
		return false;
	}
	if (a.hdr->nentries != b.hdr->nentries) {
		snprintf(why, whylen, "%u routes, %u", a.hdr->nentries,
		    b.hdr->nentries);
		same = false;
	}
	for (uint32_t i = 0; same && i < a.hdr->nentries; i++) {
		const struct ix_entry *e = &a.entries[i], *f;
		const char *path = index_blob(&a, e->path);

		f = index_lookup(&b, path, e->path.len);
		same = f != NULL && e->kind == f->kind &&
		    e->status == f->status && e->variants == f->variants &&
		    e->flags == f->flags;
		for (int v = 0; same && v < IXV_COUNT; v++)
			same = !(e->variants & (1u << v)) ||
			    (same_blob(&a, e->headers[v], &b, f->headers[v]) &&
			    same_blob(&a, e->body[v], &b, f->body[v]));
		if (!same)
			snprintf(why, whylen, "route \"%s\" differs", path);
	}
	index_close(&a);
	index_close(&b);
	return same;
}

/* The flagged entries of the index in dir: their number, -1 if one of
 * them has compressed variants or the header counts otherwise. */
static long
deferred_in(const char *dir)
{
	char path[512], err[256];
	struct index ix;
	long n = 0;

	snprintf(path, sizeof(path), "%s/index", dir);
	if (index_open(&ix, path, err, sizeof(err)) == -1)
		return -1;
	for (uint32_t i = 0; i < ix.hdr->nentries && n >= 0; i++) {
		const struct ix_entry *e = &ix.entries[i];

		if (!(e->flags & IXF_DEFERRED))
			continue;
		n = e->variants == 1u << IXV_IDENTITY ? n + 1 : -1;
	}
	if (n != (long)ix.hdr->deferred)
		n = -1;
	index_close(&ix);
	return n;
}

/*
 * BUILD_FAST_START leaves the pages uncompressed; the next build fills
 * them in, and the result is byte for byte a cold full build's. So is an
 * incremental rebuild's (unchanged routes copied from the old file).
 */
static void
check_fast_start(struct conf *c)
{
	char fast[64] = "/tmp/test_build_fast.XXXXXX", why[256], err[256];
	char cold[64] = "/tmp/test_build_cold.XXXXXX", path[128];
	struct build_result res;
	/* Ahead, so that the files written just now count as settled for
	 * the source cache. */
	time_t now = time(NULL) + SETTLED_AHEAD;

	if (!mkdtemp(fast) || !mkdtemp(cold)) {
		ok(false, "temp dirs");
		return;
	}
	ok(build_site(c, 1, now, fast, "index", BUILD_FAST_START, &res, err,
	    sizeof(err)) == 0, "fast build: %s", err);
	ok(res.deferred > 0 && res.deferred < res.entries,
	    "pages left to compress: %zu of %zu", res.deferred, res.entries);
	ok(deferred_in(fast) == (long)res.deferred,
	    "the index flags exactly those, identity only: %ld",
	    deferred_in(fast));
	ok(build_site(c, 2, now, fast, "index", 0, &res, err,
	    sizeof(err)) == 0 && res.deferred == 0,
	    "the next build compresses them all: %zu left", res.deferred);
	ok(deferred_in(fast) == 0, "none flagged after it");
	ok(build_site(c, 1, now, cold, "index", 0, &res, err, sizeof(err)) ==
	    0, "cold build: %s", err);
	ok(same_index(fast, cold, why, sizeof(why)),
	    "fast then full equals one full build: %s", why);

	put("posts/second.md", "---\ntitle: Second\ndate: 2026-02-01\n"
	    "tags: [alpha, beta]\n---\nWorld, edited.\n");
	ok(build_site(c, 3, now, fast, "index", 0, &res, err,
	    sizeof(err)) == 0 && res.reused > 0, "incremental: %s", err);
	/* first.md and about.md; not the edited post, nor the broken one. */
	ok(res.cached == 2, "unchanged sources not read: %zu", res.cached);
	snprintf(path, sizeof(path), "%s/index", cold);
	unlink(path);
	ok(build_site(c, 2, now, cold, "index", 0, &res, err, sizeof(err)) ==
	    0, "cold build after the edit: %s", err);
	ok(same_index(fast, cold, why, sizeof(why)),
	    "an incremental build equals a cold one: %s", why);

	/* A start over an index left by an earlier run: what is copied whole
	 * keeps its variants, what is rendered waits for the next build. */
	put("posts/second.md", "---\ntitle: Second\ndate: 2026-02-01\n"
	    "tags: [alpha, beta]\n---\nWorld, edited again.\n");
	ok(build_site(c, 4, now, fast, "index", BUILD_FAST_START, &res, err,
	    sizeof(err)) == 0 && res.reused > 0 && res.deferred > 0 &&
	    res.deferred <= res.entries - res.reused,
	    "a start with an old index: %zu reused, %zu left to compress",
	    res.reused, res.deferred);
	ok(build_site(c, 5, now, fast, "index", 0, &res, err, sizeof(err)) ==
	    0 && res.deferred == 0 && deferred_in(fast) == 0,
	    "and the next build compresses them: %zu left", res.deferred);
	unlink(path);
	ok(build_site(c, 5, now, cold, "index", 0, &res, err, sizeof(err)) ==
	    0, "cold build after the second edit: %s", err);
	ok(same_index(fast, cold, why, sizeof(why)),
	    "a fast start over an old index, then a full build, equals a cold "
	    "one: %s", why);
	nftw(fast, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(cold, rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- Images ------------------------------------------------------------ */

/* Line numbers below count from the top of this file: the body starts on
 * line 5. */
static const char pics_md[] =
    "---\n"
    "title: Pictures\n"
    "image: /images/photo.jpg\n"
    "---\n"
    "Intro.\n"						/* 5 */
    "\n"
    "![Photo & <friends>](/images/photo.jpg \"Shot\")\n"	/* 7 */
    "\n"
    "![Figure](pics/fig.png)\n"				/* 9 */
    "\n"
    "![Rotated](../images/rot.jpg)\n"			/* 11 */
    "\n"
    "![Gone](/images/nope.png)\n"			/* 13 */
    "\n"
    "![Bomb](/images/bomb.png)\n"			/* 15 */
    "\n"
    "![Fake](/images/fake.jpg)\n"			/* 17 */
    "\n"
    "![Remote](https://example.com/r.png)\n"		/* 19 */
    "\n"
    "![Logo](/images/logo.svg)\n"			/* 21 */
    "\n"
    "![Sibling](fig.png)\n"				/* 23 */
    "\n"
    "![Anim](/images/anim.webp)\n";			/* 25 */

static void
make_image_site(void)
{
	put_at(iroot, "images/photo.jpg", NULL, IMG_DATA "photo.jpg");
	put_at(iroot, "images/rot.jpg", NULL, IMG_DATA "exif6.jpg");
	put_at(iroot, "images/bomb.png", NULL, IMG_DATA "bomb.png");
	put_at(iroot, "images/fake.jpg", NULL, IMG_DATA "not-an-image.jpg");
	put_at(iroot, "images/anim.webp", NULL, IMG_DATA "animated.webp");
	put_at(iroot, "images/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\"/>\n", NULL);
	put_at(iroot, "posts/pics/fig.png", NULL, IMG_DATA "alpha.png");
	put_at(iroot, "posts/pics/index.md", pics_md, NULL);
	put_at(iroot, "posts/plain.md", "---\ntitle: Plain\ndate: 2020-01-01\n"
	    "---\nNo pictures.\n", NULL);
	put_at(iroot, "pages/about.md", "---\ntitle: About\nimage: "
	    "//cdn.example/c.jpg\n---\n![Me](../images/rot.jpg)\n", NULL);
}

/* The v= /_img wants for a file under iroot. */
static void
version_of(const char *rel, char v[17])
{
	char path[512];
	struct stat st;

	v[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", iroot, rel);
	if (stat(path, &st) == 0)
		file_version(&st, v);
}

/* Builds the image site, with the log captured into log[LOG_MAX + 1]. */
static int
build_images(struct conf *c, uint64_t gen, struct build_result *res,
    char *log)
{
	char path[512], err[256];
	int fd, saved, rc;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/log.XXXXXX", irun);
	if ((fd = mkstemp(path)) == -1)
		return -1;
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	rc = build_site(c, gen, time(NULL), irun, "index", 0, res, err,
	    sizeof(err));
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, log, LOG_MAX);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	if (rc == -1)
		fprintf(stderr, "build: %s\n", err);
	return rc;
}

/* The body and ETag of a page of the image site (body malloc'd). */
static char *
page_of(const char *route, char etag[ETAG_CORE_LEN + 1])
{
	char path[512], err[256], *body = NULL;
	struct index ix;
	const struct ix_entry *e;

	etag[0] = '\0';
	snprintf(path, sizeof(path), "%s/index", irun);
	if (index_open(&ix, path, err, sizeof(err)) == -1)
		return NULL;
	if ((e = find(&ix, route)) != NULL && e->kind == IX_PAGE) {
		body = strndup(index_blob(&ix, e->body[IXV_IDENTITY]),
		    e->body[IXV_IDENTITY].len);
		memcpy(etag, e->etag, ETAG_CORE_LEN + 1);
	}
	index_close(&ix);
	return body;
}

static int
count(const char *s, const char *sub)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, sub)) != NULL; p++)
		n++;
	return n;
}

static void
check_image_page(const char *html)
{
	char vphoto[17], vfig[17], vrot[17], want[512];

	version_of("images/photo.jpg", vphoto);
	version_of("posts/pics/fig.png", vfig);
	version_of("images/rot.jpg", vrot);
	snprintf(want, sizeof(want), "<img src=\"/_img?url=/images/photo.jpg"
	    "&amp;w=1080&amp;q=75&amp;v=%s\" srcset=\"/_img?url=/images/"
	    "photo.jpg&amp;w=32&amp;q=75&amp;v=%s 32w, ", vphoto, vphoto);
	ok(strstr(html, want) != NULL, "photo src and srcset: %s", want);
	snprintf(want, sizeof(want), "/_img?url=/images/photo.jpg&amp;w=1200"
	    "&amp;q=75&amp;v=%s 1200w\" sizes=\"(min-width: 46.5rem) 44rem, "
	    "calc(100vw - 2.5rem)\" width=\"1200\" height=\"800\" "
	    "alt=\"Photo &amp; &lt;friends&gt;\" title=\"Shot\" "
	    "decoding=\"async\" fetchpriority=\"high\">", vphoto);
	ok(strstr(html, want) != NULL, "photo srcset ends at its width: %s",
	    want);
	ok(strstr(html, "/images/photo.jpg&amp;w=1920") == NULL,
	    "no width above the photo's");
	snprintf(want, sizeof(want), "<img src=\"/_img?url=/posts/pics/fig.png"
	    "&amp;w=384&amp;q=75&amp;v=%s\"", vfig);
	ok(strstr(html, want) != NULL, "bundle image: %s", want);
	snprintf(want, sizeof(want), "/_img?url=/posts/pics/fig.png&amp;w=384"
	    "&amp;q=75&amp;v=%s 300w\" sizes=\"(min-width: 46.5rem) 44rem, "
	    "calc(100vw - 2.5rem)\" width=\"300\" height=\"200\" "
	    "alt=\"Figure\" decoding=\"async\" loading=\"lazy\">", vfig);
	ok(strstr(html, want) != NULL, "bundle image size, lazy: %s", want);
	snprintf(want, sizeof(want), "/_img?url=/images/rot.jpg&amp;w=384"
	    "&amp;q=75&amp;v=%s 300w\" sizes=\"(min-width: 46.5rem) 44rem, "
	    "calc(100vw - 2.5rem)\" width=\"300\" height=\"400\" "
	    "alt=\"Rotated\"", vrot);
	ok(strstr(html, want) != NULL, "EXIF-rotated size: %s", want);
	ok(strstr(html, "<img src=\"/images/nope.png\" alt=\"Gone\" />"),
	    "missing image plain");
	ok(strstr(html, "<img src=\"/images/bomb.png\" alt=\"Bomb\" />"),
	    "too many pixels: plain");
	ok(strstr(html, "<img src=\"/images/fake.jpg\" alt=\"Fake\" />"),
	    "not an image: plain");
	ok(strstr(html, "<img src=\"https://example.com/r.png\" alt=\"Remote\""
	    " />"), "remote image untouched");
	ok(strstr(html, "<img src=\"/images/logo.svg\" alt=\"Logo\" />"),
	    "SVG left as it is");
	ok(strstr(html, "<img src=\"/images/anim.webp\" alt=\"Anim\" />"),
	    "animated WebP left as it is");
	ok(strstr(html, "<img src=\"fig.png\" alt=\"Sibling\" />"),
	    "relative to /posts/, fig.png is not the bundle's");
	ok(count(html, "srcset=") == 3 && count(html, "fetchpriority") == 1 &&
	    count(html, "loading=\"lazy\"") == 2, "3 responsive, 1 eager");
	ok(strstr(html, "<meta property=\"og:image\" content=\"http://"
	    "127.0.0.1:8080/images/photo.jpg\">\n<meta property=\"og:image:width\" "
	    "content=\"1200\">\n<meta property=\"og:image:height\" "
	    "content=\"800\">\n<meta name=\"twitter:card\" "
	    "content=\"summary_large_image\">") != NULL,
	    "og:image absolute, with its size");
}

static void
check_image_log(const char *log)
{
	static const char *const lines[] = {
		"posts/pics/index.md:13: image /images/nope.png: not a file "
		    "of the site\n",
		"posts/pics/index.md:15: image /images/bomb.png: ",
		"posts/pics/index.md:17: image /images/fake.jpg: ",
		"posts/pics/index.md:23: image fig.png: /posts/fig.png is not "
		    "a file of the site\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ok(count(log, lines[i]) == 1, "logged once: %s in\n%s",
		    lines[i], log);
	ok(count(log, ": image ") == 4, "nothing else logged:\n%s", log);
	ok(strstr(log, "example.com") == NULL && strstr(log, "logo.svg") ==
	    NULL && strstr(log, "anim.webp") == NULL && strstr(log,
	    "photo.jpg") == NULL, "remote, SVG, animated and good images not "
	    "logged");
}

static void
check_images(void)
{
	struct conf c;
	struct build_result res;
	char *log, *html, *plain, tag1[17], tag2[17], ptag1[17], ptag2[17];
	char vold[17], vnew[17], want[128];
	char path[512];
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

	if ((log = malloc(LOG_MAX + 1)) == NULL)
		return;
	make_image_site();
	conf_defaults(&c);
	snprintf(c.content_dir, sizeof(c.content_dir), "%s", iroot);
	ok(build_images(&c, 1, &res, log) == 0, "image site built");
	ok(res.problems == 0, "bad images are not skipped files: %zu",
	    res.problems);
	html = page_of("/posts/pics", tag1);
	plain = page_of("/posts/plain", ptag1);
	ok(html != NULL && plain != NULL, "image pages");
	if (html != NULL)
		check_image_page(html);
	check_image_log(log);
	free(html);
	free(plain);
	html = page_of("/about", tag2);
	ok(html != NULL && strstr(html, "<meta property=\"og:image\" content="
	    "\"http://cdn.example/c.jpg\">\n<meta name=\"twitter:card\"") &&
	    strstr(html, "/_img?url=/images/rot.jpg&amp;w=384") != NULL,
	    "a page: network-path cover, relative image");
	free(html);

	/* Unchanged: the same page (copied whole; the feed may still render
	 * the markdown, and log its images, once). */
	ok(build_images(&c, 2, &res, log) == 0, "rebuilt");
	free(page_of("/posts/pics", tag2));
	ok(tag1[0] && strcmp(tag1, tag2) == 0, "unchanged page the same");
	ok(count(log, "image /images/nope.png") <= 1, "at most once:\n%s",
	    log);

	/* A changed image: a new v, so a new page; the other post is the
	 * same page. */
	version_of("images/photo.jpg", vold);
	snprintf(path, sizeof(path), "%s/images/photo.jpg", iroot);
	ok(utimensat(AT_FDCWD, path, ts, 0) == 0, "touch the photo");
	version_of("images/photo.jpg", vnew);
	ok(build_images(&c, 3, &res, log) == 0, "rebuilt after the change");
	html = page_of("/posts/pics", tag2);
	free(page_of("/posts/plain", ptag2));
	snprintf(want, sizeof(want), "v=%s 1200w", vnew);
	ok(strcmp(vold, vnew) != 0 && html != NULL && strstr(html, want) &&
	    !strstr(html, vold), "the page names the new version %s", vnew);
	ok(strcmp(tag1, tag2) != 0, "and changed: %s -> %s", tag1, tag2);
	ok(ptag1[0] && strcmp(ptag1, ptag2) == 0,
	    "a post without images is the same page");
	free(html);

	/* Other widths in the config: the srcset follows. */
	c.image_widths.n = 2;
	c.image_widths.v[0] = 100;
	c.image_widths.v[1] = 500;
	ok(build_images(&c, 4, &res, log) == 0, "rebuilt with widths 100 500");
	html = page_of("/posts/pics", tag2);
	snprintf(want, sizeof(want), "/_img?url=/images/photo.jpg&amp;w=500"
	    "&amp;q=75&amp;v=%s 500w\" sizes", vnew);
	ok(html != NULL && strstr(html, want) && count(html, " 100w, ") == 3,
	    "srcset from the configured widths");
	free(html);
	free(log);
}

int
main(void)
{
	struct conf c;
	struct build_result res;
	char err[256];

	snprintf(root, sizeof(root), "/tmp/test_build.XXXXXX");
	snprintf(run, sizeof(run), "/tmp/test_build_run.XXXXXX");
	snprintf(out, sizeof(out), "/tmp/test_build_out.XXXXXX");
	snprintf(iroot, sizeof(iroot), "/tmp/test_build_img.XXXXXX");
	snprintf(irun, sizeof(irun), "/tmp/test_build_irun.XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(run) || !mkdtemp(out) ||
	    !mkdtemp(iroot) || !mkdtemp(irun))
		return 1;
	make_site();
	conf_defaults(&c);
	snprintf(c.content_dir, sizeof(c.content_dir), "%s", root);
	c.s_maxage = 120;
	ok(build_site(&c, 5, time(NULL), run, "index", 0, &res, err,
	    sizeof(err)) == 0, "build: %s", err);
	ok(res.problems == 2, "broken post and colliding file: %zu problems",
	    res.problems);
	ok(res.entries > 10, "%zu entries", res.entries);
	check_index(&c);
	check_export();
	check_rebuild(&c);
	check_redate(&c);
	check_fast_start(&c);

	snprintf(c.content_dir, sizeof(c.content_dir), "%s/missing", root);
	ok(build_site(&c, 6, time(NULL), run, "index", 0, &res, err,
	    sizeof(err)) == -1 && err[0], "a missing root fails: %s", err);
	nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(run, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(out, rm, 16, FTW_DEPTH | FTW_PHYS);
	check_images();
	nftw(iroot, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(irun, rm, 16, FTW_DEPTH | FTW_PHYS);
	return test_done();
}
