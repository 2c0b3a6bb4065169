/*
 * test_build.c: a whole build from a small content tree: every route is in
 * the index with the headers it is served with, static files lose to
 * generated routes except feed.xml, sitemap.xml and robots.txt, and the
 * export writes the same bytes as plain files.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "export.h"
#include "index.h"
#include "test.h"

static char root[64], run[64], out[64];

static void
put(const char *rel, const char *text)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/'));
	    slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
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
	long n;

	snprintf(path, sizeof(path), "%s/index", run);
	n = export_site(path, out, err, sizeof(err));
	ok(n > 10, "export wrote %ld files: %s", n, n < 0 ? err : "");
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
	ok(build_site(c, 7, time(NULL), run, "index", &res, err,
	    sizeof(err)) == 0, "rebuild: %s", err);
	ok(res.reused + 2 >= res.entries - 4,
	    "an unchanged site reuses nearly every page: %zu of %zu",
	    res.reused, res.entries);
	put("posts/2026-01-02-first.md", "---\ntitle: First\ntags: [alpha]\n"
	    "---\nHello, edited.\n");
	ok(build_site(c, 8, time(NULL), run, "index", &res, err,
	    sizeof(err)) == 0, "rebuild after an edit: %s", err);
	etag_of("/posts/first", second);
	etag_of("/posts/second", other2);
	ok(first[0] && strcmp(first, second) != 0, "the edited post changed");
	ok(other1[0] && strcmp(other1, other2) == 0,
	    "its neighbour is the same page");
	ok(res.reused < res.entries, "the edit was not reused: %zu of %zu",
	    res.reused, res.entries);
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
	if (!mkdtemp(root) || !mkdtemp(run) || !mkdtemp(out))
		return 1;
	make_site();
	conf_defaults(&c);
	snprintf(c.content_dir, sizeof(c.content_dir), "%s", root);
	c.s_maxage = 120;
	ok(build_site(&c, 5, time(NULL), run, "index", &res, err,
	    sizeof(err)) == 0, "build: %s", err);
	ok(res.problems == 2, "broken post and colliding file: %zu problems",
	    res.problems);
	ok(res.entries > 10, "%zu entries", res.entries);
	check_index(&c);
	check_export();
	check_rebuild(&c);

	snprintf(c.content_dir, sizeof(c.content_dir), "%s/missing", root);
	ok(build_site(&c, 6, time(NULL), run, "index", &res, err,
	    sizeof(err)) == -1 && err[0], "a missing root fails: %s", err);
	nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(run, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(out, rm, 16, FTW_DEPTH | FTW_PHYS);
	return test_done();
}
