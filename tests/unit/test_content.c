/*
 * test_content.c: content_load() on content trees built in a mkdtemp(3)
 * directory: publishing rules (drafts, future posts, dates from file names
 * and mtimes), every kind of skipped file with its one log line, bundles,
 * static files and images, symlinks out of the root, tags, and limits
 * (among them URLs too long for the index).
 * With a source cache: unchanged files are not read, their bodies are read
 * when rendered (even after the file changed), and changed files are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "content.h"
#include "folio_limits.h"
#include "srccache.h"
#include "test.h"

#define ERR_MAX		256
#define LOG_MAX		(1u << 20)
/* Seconds past now at which a file written now counts as settled for the
 * source cache (content.c's SRC_SETTLE_SEC is less). */
#define SETTLED_AHEAD	10
/* Seconds past now a load is done at, so that undated posts (dated by
 * their file's mtime, just now) are published. */
#define PUBLISHED_AHEAD	60
/* Offsets test_utf8_offsets() puts a sequence at: past two 8-byte words. */
#define UTF8_OFFSETS_MAX	17
/* A tag name of 30 three-byte characters: its log lines quote 26 of them
 * (78 bytes), the most that fit content.c's 80. */
#define LONG_TAG_CHARS		30
#define LONG_TAG_QUOTED		78
#define LONG_TAG_MAX		128

static char tmp_base[PATH_MAX];

/* The sanitizers' runtime, when linked in: their reports must not vanish
 * into the log file load() captures stderr into. */
void	__sanitizer_set_report_fd(void *fd) __attribute__((weak));

/* out = a "/" b; a path that does not fit ends the test run. */
static void
join(char *out, size_t outlen, const char *a, const char *b)
{
	int r = snprintf(out, outlen, "%s/%s", a, b);

	if (r < 0 || (size_t)r >= outlen) {
		fprintf(stderr, "path too long: %s/%s\n", a, b);
		exit(1);
	}
}

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

/* mkdir -p of the directory part of path. */
static void
mkparents(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			fprintf(stderr, "mkdir %s: %s\n", p, strerror(errno));
		*s = '/';
	}
}

static void
put_n(const char *root, const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	join(path, sizeof(path), root, rel);
	mkparents(path);
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return;
	}
	fwrite(data, 1, len, f);
	fclose(f);
}

static void
put(const char *root, const char *rel, const char *data)
{
	put_n(root, rel, data, strlen(data));
}

static int
unlink_rel(const char *root, const char *rel)
{
	char path[PATH_MAX];

	join(path, sizeof(path), root, rel);
	return unlink(path);
}

static void
link_to(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	join(path, sizeof(path), root, rel);
	mkparents(path);
	if (symlink(target, path) == -1)
		fprintf(stderr, "symlink %s: %s\n", path, strerror(errno));
}

static void
set_mtime(const char *root, const char *rel, time_t t)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	join(path, sizeof(path), root, rel);
	utimensat(AT_FDCWD, path, ts, 0);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
new_tree(char *out, size_t outlen, const char *name)
{
	join(out, outlen, tmp_base, name);
	if (mkdir(out, 0755) == -1)
		fprintf(stderr, "mkdir %s: %s\n", out, strerror(errno));
}

/* Runs content_load with stderr captured into *log (caller frees). */
static int
load(struct site *s, const char *root, time_t now, char **log, char *err)
{
	struct content_opts opts = { .now = now };
	char path[PATH_MAX];
	int fd, saved, rc;
	ssize_t n;

	join(path, sizeof(path), tmp_base, "log.XXXXXX");
	fd = mkstemp(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	rc = content_load(s, root, &opts, err, ERR_MAX);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	*log = calloc(1, LOG_MAX + 1);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, *log, LOG_MAX);
	(void)n;
	close(fd);
	unlink(path);
	return rc;
}

/* Number of log lines holding s. */
static int
log_count(const char *log, const char *s)
{
	int n = 0;

	for (const char *p = log; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

static int
log_lines(const char *log)
{
	return log_count(log, "\n");
}

static struct doc *
find_doc(struct doc *docs, size_t n, const char *slug)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(docs[i].slug, slug) == 0)
			return &docs[i];
	return NULL;
}

static const struct tag *
find_tag(const struct site *s, const char *slug)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (strcmp(s->tags[i].slug, slug) == 0)
			return &s->tags[i];
	return NULL;
}

/* Every line the log must hold, each exactly once. */
static const char *const main_problems[] = {
	"posts/broken.md:3: YAML: ",
	"posts/notitle.md:1: title is missing",
	"posts/badtitle.md:3: title: expected a string, not a list",
	"posts/baddate.md:4: date: \"2026-02-30\" is not a date "
	    "(YYYY-MM-DD or RFC 3339)",
	"posts/badutf.md:4: invalid UTF-8",
	"posts/Bad_Name.md:1: \"Bad_Name\" is not a valid slug",
	"posts/2026-13-01-x.md:1: \"2026-13-01\" in the file name is not a "
	    "date",
	"posts/hello/index.md:1: slug \"hello\" is already used by "
	    "posts/hello.md",
	"posts/orphan/pic.png:1: not in a post bundle (no "
	    "posts/orphan/index.md)",
	"posts/notes.txt:1: not a post",
	"pages/tags.md:1: page slug \"tags\" is reserved",
	"pages/sub/x.md:1: not a page",
	"static/bad\\name.txt:1: file name has control characters",
	"static/ctl?.txt:1: file name has control characters",
	"posts/esc.md:1: symlink points outside the content root",
	"images/outside:1: symlink points outside the content root",
	"static/loop:1: symlink loop",
	"posts/dangling.md:1: broken symlink",
	"posts/big.md:1: larger than 8388608 bytes",
	"posts/nofm.md:1: no front matter",
	"posts/nodate.md:1: tag \"!!!\" has no letter",
};

static void
build_main(const char *r, const char *outside)
{
	char big[PATH_MAX];
	int fd;

	put(r, "posts/hello.md", "---\ntitle: Hello\ndate: 2026-03-14\n"
	    "updated: 2026-04-01T12:00:00Z\ntags: [Go, \"Web Dev\"]\n"
	    "summary: First.\n---\n# Intro\n\nHello world.\n");
	put(r, "posts/2026-01-02-dated.md", "---\ntitle: Dated\n"
	    "tags:\n  - go\n  - web_dev\n---\nBody.\n");
	put(r, "posts/nodate.md", "---\ntitle: No date\ntags: [\"!!!\"]\n---\n"
	    "x\n");
	set_mtime(r, "posts/nodate.md", utc(2025, 6, 1, 8, 0, 0));
	put(r, "posts/draft.md", "---\ntitle: Draft\ndraft: true\n---\n");
	put(r, "posts/future.md", "---\ntitle: Future\ndate: 2027-01-01\n---\n");
	put(r, "posts/future2.md", "---\ntitle: Soon\n"
	    "date: 2026-12-01T12:00:00+02:00\n---\n");
	put(r, "posts/futuredraft.md", "---\ntitle: FD\ndate: 2026-07-01\n"
	    "draft: yes\n---\n");
	put(r, "posts/broken.md", "---\ntitle: Broken\n  date: x\n---\n");
	put(r, "posts/notitle.md", "---\ndate: 2026-01-01\n---\nbody\n");
	put(r, "posts/badtitle.md", "---\ndate: 2026-01-01\ntitle: [a]\n---\n");
	put(r, "posts/baddate.md", "---\r\ntitle: T\r\n\r\ndate: 2026-02-30\r\n"
	    "---\r\n");
	put(r, "posts/badutf.md", "---\ntitle: T\n---\nbad \xc3\x28 here\n");
	put(r, "posts/nofm.md", "# Just markdown\n");
	put(r, "posts/Bad_Name.md", "---\ntitle: T\n---\n");
	put(r, "posts/2026-13-01-x.md", "---\ntitle: T\n---\n");
	put(r, "posts/bundle/index.md", "---\ntitle: Bundle\ndate: 2026-02-01\n"
	    "---\n![fig](fig.png)\n");
	put(r, "posts/bundle/fig.png", "PNG");
	put(r, "posts/bundle/sub/data.csv", "a,b\n");
	put(r, "posts/bundle/fig.png~", "old");
	put(r, "posts/hello/index.md", "---\ntitle: Hello again\n"
	    "date: 2026-01-01\n---\n");
	put(r, "posts/hello/pic.png", "PNG");
	put(r, "posts/drafted/index.md", "---\ntitle: D\ndraft: true\n---\n");
	put(r, "posts/drafted/x.png", "PNG");
	put(r, "posts/orphan/pic.png", "PNG");
	put(r, "posts/notes.txt", "notes");
	/* Files every editor and VCS leaves around: never logged. */
	put(r, "posts/.hidden.md", "---\ntitle: H\n---\n");
	put(r, "posts/hello.md~", "backup");
	put(r, "posts/.hello.md.swp", "swap");
	put(r, "posts/x.swx", "swap");
	put(r, "posts/4913", "");
	put(r, "posts/y.tmp", "");
	put(r, "posts/.#lock.md", "");
	put(r, "posts/#auto.md#", "");
	put(r, ".git/config", "[core]\n");
	put(r, "README.md", "# readme\n");
	put(r, "templates/base.html", "<html>");
	put(r, "pages/about.md", "---\ntitle: About\n---\nAbout me.\n");
	put(r, "pages/tags.md", "---\ntitle: Tags\n---\n");
	put(r, "pages/sub/x.md", "---\ntitle: X\n---\n");
	put(r, "images/a.jpg", "JPG");
	put(r, "images/sub/b.png", "PNG");
	put(r, "static/favicon.ico", "ICO");
	put(r, "static/css/site.css", "body{}");
	put(r, "static/.well-known/security.txt", "Contact: x\n");
	put(r, "static/.DS_Store", "junk");
	put(r, "static/bad\\name.txt", "x");
	put(r, "static/ctl\001.txt", "x");
	/* Symlinks: out of the root, inside it, a loop, a dangling one. */
	put(outside, "secret.md", "---\ntitle: Secret\n---\n");
	join(big, sizeof(big), outside, "secret.md");
	link_to(r, "posts/esc.md", big);
	link_to(r, "images/outside", outside);
	put(r, "src/linked.md", "---\ntitle: Linked\ndate: 2024-01-01\n"
	    "tags: [Go, GO, go]\n---\n");
	link_to(r, "posts/linked.md", "../src/linked.md");
	link_to(r, "static/loop", "..");
	link_to(r, "posts/dangling.md", "nowhere.md");
	/* A file one byte over CONTENT_FILE_MAX (sparse). */
	join(big, sizeof(big), r, "posts/big.md");
	if ((fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		if (ftruncate(fd, CONTENT_FILE_MAX + 1) == -1)
			perror("ftruncate");
		close(fd);
	}
}

static void
test_main(void)
{
	char root[PATH_MAX], outside[PATH_MAX], err[ERR_MAX] = "", *log;
	static const char *const order[] = { "hello", "bundle", "dated",
	    "nodate", "linked" };
	static const char *const urls[] = { "/.well-known/security.txt",
	    "/css/site.css", "/favicon.ico", "/images/a.jpg",
	    "/images/sub/b.png", "/posts/bundle/fig.png",
	    "/posts/bundle/sub/data.csv" };
	static const char *const quiet[] = { "draft", "future", "hidden",
	    "swp", "swx", "4913", "tmp", "lock", "auto", ".git", "README",
	    "templates", "drafted", "hello/pic.png", "fig.png~", "DS_Store",
	    "about" };
	struct site s;
	struct doc *d;
	const struct tag *t;
	const struct asset *a;
	size_t nproblems = sizeof(main_problems) / sizeof(main_problems[0]);
	int rc;

	new_tree(root, sizeof(root), "main");
	new_tree(outside, sizeof(outside), "outside");
	build_main(root, outside);
	rc = load(&s, root, utc(2026, 6, 1, 0, 0, 0), &log, err);
	ok(rc == 0, "main: rc %d: %s", rc, err);
	if (getenv("TEST_CONTENT_LOG") != NULL)
		fputs(log, stderr);

	/* Posts: published ones only, newest first. */
	ok(s.nposts == 5, "main: %zu posts", s.nposts);
	for (size_t i = 0; i < 5 && i < s.nposts; i++)
		ok(strcmp(s.posts[i].slug, order[i]) == 0, "post %zu is %s, "
		    "want %s", i, s.posts[i].slug, order[i]);
	if ((d = find_doc(s.posts, s.nposts, "hello")) != NULL) {
		ok(d->markdown == NULL && d->html == NULL && d->body_unread,
		    "hello: the body is left for content_render()");
		ok(content_render(d, false, NULL) == 0,
		    "hello renders");
		ok(strcmp(d->url, "/posts/hello") == 0, "hello url %s", d->url);
		ok(strcmp(d->src, "posts/hello.md") == 0, "hello src");
		ok(d->kind == DOC_POST && d->bundle_dir == NULL, "hello kind");
		ok(d->meta.date == utc(2026, 3, 14, 0, 0, 0), "hello date");
		ok(strcmp(d->meta.summary, "First.") == 0, "hello summary");
		ok(d->body_line == 8, "hello body line %zu", d->body_line);
		ok(d->markdown_len == strlen(d->markdown) &&
		    strcmp(d->markdown, "# Intro\n\nHello world.\n") == 0,
		    "hello markdown '%s'", d->markdown);
		ok(d->html != NULL && strstr(d->html,
		    "<h1 id=\"intro\">Intro</h1>") != NULL &&
		    d->html_len == strlen(d->html), "hello html %s", d->html);
		ok(d->words == 3, "hello words %zu", d->words);
	} else
		ok(0, "hello missing");
	d = find_doc(s.posts, s.nposts, "dated");
	ok(d && d->meta.date == utc(2026, 1, 2, 0, 0, 0) &&
	    strcmp(d->url, "/posts/dated") == 0, "date from the file name");
	d = find_doc(s.posts, s.nposts, "nodate");
	ok(d && d->meta.date == utc(2025, 6, 1, 8, 0, 0), "date from mtime");
	d = find_doc(s.posts, s.nposts, "bundle");
	ok(d && strcmp(d->bundle_dir, "posts/bundle") == 0 &&
	    strcmp(d->src, "posts/bundle/index.md") == 0 &&
	    strcmp(d->url, "/posts/bundle") == 0, "bundle post");
	d = find_doc(s.posts, s.nposts, "linked");
	ok(d && strcmp(d->src, "posts/linked.md") == 0,
	    "symlink inside the root followed");
	ok(find_doc(s.posts, s.nposts, "secret") == NULL &&
	    find_doc(s.posts, s.nposts, "esc") == NULL, "no escaped post");
	ok(s.next_publish == utc(2026, 12, 1, 10, 0, 0), "next_publish %lld",
	    (long long)s.next_publish);
	ok(s.newest == utc(2026, 4, 1, 12, 0, 0), "newest %lld",
	    (long long)s.newest);

	/* Pages. */
	ok(s.npages == 1 && content_render(&s.pages[0], false, NULL) == 0 &&
	    strcmp(s.pages[0].slug, "about") == 0 &&
	    strcmp(s.pages[0].url, "/about") == 0 &&
	    s.pages[0].kind == DOC_PAGE && s.pages[0].html != NULL &&
	    strstr(s.pages[0].html, "About me.") != NULL, "pages");

	/* Tags: merged by slug, posts newest first, sorted by slug. */
	ok(s.ntags == 2, "%zu tags", s.ntags);
	for (size_t i = 1; i < s.ntags; i++)
		ok(strcmp(s.tags[i - 1].slug, s.tags[i].slug) < 0,
		    "tags sorted");
	if ((t = find_tag(&s, "go")) != NULL) {
		ok(t->nposts == 3, "go: %zu posts", t->nposts);
		ok(t->nposts == 3 && strcmp(s.posts[t->posts[0]].slug,
		    "hello") == 0 && strcmp(s.posts[t->posts[1]].slug,
		    "dated") == 0 && strcmp(s.posts[t->posts[2]].slug,
		    "linked") == 0, "go: newest first, once per post");
		ok(strcmp(t->name, "Go") == 0, "go: name '%s'", t->name);
	} else
		ok(0, "tag go missing");
	if ((t = find_tag(&s, "web-dev")) != NULL)
		ok(t->nposts == 2 && t->posts[0] == 0 && t->posts[1] == 2 &&
		    strcmp(t->name, "web_dev") == 0, "web-dev merged: '%s'",
		    t->name);
	else
		ok(0, "tag web-dev missing");

	/* Assets: sorted by URL and found by content_asset. */
	ok(s.nassets == sizeof(urls) / sizeof(urls[0]), "%zu assets",
	    s.nassets);
	for (size_t i = 0; i < s.nassets && i < sizeof(urls) / sizeof(urls[0]);
	    i++)
		ok(strcmp(s.assets[i].url, urls[i]) == 0, "asset %zu %s want %s",
		    i, s.assets[i].url, urls[i]);
	a = content_asset(&s, "/posts/bundle/sub/data.csv");
	ok(a && strcmp(a->src, "posts/bundle/sub/data.csv") == 0,
	    "bundle asset src");
	a = content_asset(&s, "/favicon.ico");
	ok(a && strcmp(a->src, "static/favicon.ico") == 0, "static src");
	ok(content_asset(&s, "/images/a.jpg") != NULL, "image");
	ok(content_asset(&s, "/posts/hello/pic.png") == NULL &&
	    content_asset(&s, "/posts/drafted/x.png") == NULL &&
	    content_asset(&s, "/posts/orphan/pic.png") == NULL,
	    "no assets of unpublished bundles");
	ok(content_asset(&s, "/images/outside/secret.md") == NULL,
	    "no asset through an escaping symlink");
	ok(content_asset(&s, "/nope") == NULL, "missing asset");

	/* Problems: each logged once, and only those. */
	for (size_t i = 0; i < nproblems; i++)
		ok(log_count(log, main_problems[i]) == 1, "log once: %s",
		    main_problems[i]);
	ok(s.problems == nproblems, "problems %zu want %zu", s.problems,
	    nproblems);
	ok(log_lines(log) == (int)nproblems, "log lines %d:\n%s",
	    log_lines(log), log);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		ok(log_count(log, quiet[i]) == 0, "'%s' not logged", quiet[i]);
	free(log);
	content_free(&s);
	ok(s.posts == NULL && s.nposts == 0 && s.assets == NULL,
	    "content_free clears");
	content_free(&s);
}

/* Duplicate pages, an asset URL given twice, a tree nested too deep. */
static void
test_duplicates(void)
{
	char root[PATH_MAX], deep[PATH_MAX], err[ERR_MAX] = "", *log;
	struct doc *d;
	const struct asset *a;
	struct site s;
	size_t n;
	int rc;

	new_tree(root, sizeof(root), "dups");
	put(root, "pages/now.md", "---\ntitle: Now\n---\n");
	put(root, "pages/uses.md", "---\ntitle: Uses\ndraft: true\n---\n");
	put(root, "posts/2026-01-01-same.md", "---\ntitle: A\n---\n");
	put(root, "posts/same.md", "---\ntitle: B\n---\n");
	put(root, "posts/same/index.md", "---\ntitle: C\n---\n");
	put(root, "posts/other.md", "---\ntitle: D\ndraft: true\n---\n");
	put(root, "posts/other/index.md", "---\ntitle: E\n---\n");
	put(root, "images/a.jpg", "1");
	put(root, "static/images/a.jpg", "2");
	put(root, "posts/2025-12-24-trip/index.md", "---\ntitle: Trip\n---\n");
	put(root, "posts/2025-12-24-trip/photo.jpg", "JPG");
	n = (size_t)snprintf(deep, sizeof(deep), "static");
	for (int i = 0; i < CONTENT_DEPTH_MAX; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/d%d", i);
	snprintf(deep + n, sizeof(deep) - n, "/f.txt");
	put(root, deep, "deep");
	/* These posts are dated by their mtime: now. */
	rc = load(&s, root, time(NULL) + PUBLISHED_AHEAD, &log, err);
	ok(rc == 0, "dups: rc %d %s", rc, err);
	d = find_doc(s.posts, s.nposts, "trip");
	ok(d && d->meta.date == utc(2025, 12, 24, 0, 0, 0) &&
	    strcmp(d->bundle_dir, "posts/2025-12-24-trip") == 0 &&
	    strcmp(d->url, "/posts/trip") == 0, "dated bundle");
	a = content_asset(&s, "/posts/trip/photo.jpg");
	ok(a && strcmp(a->src, "posts/2025-12-24-trip/photo.jpg") == 0,
	    "dated bundle asset");
	ok(s.nposts == 3 && find_doc(s.posts, s.nposts, "same") &&
	    strcmp(find_doc(s.posts, s.nposts, "same")->src,
	    "posts/2026-01-01-same.md") == 0, "first of a slug kept");
	ok(find_doc(s.posts, s.nposts, "other") &&
	    strcmp(find_doc(s.posts, s.nposts, "other")->src,
	    "posts/other/index.md") == 0, "a draft does not take a slug");
	ok(log_count(log, "posts/same.md:1: slug \"same\" is already used by "
	    "posts/2026-01-01-same.md") == 1, "dup 1 logged");
	ok(log_count(log, "posts/same/index.md:1: slug \"same\" is already "
	    "used by posts/2026-01-01-same.md") == 1, "dup 2 logged");
	ok(s.npages == 1 && strcmp(s.pages[0].slug, "now") == 0, "pages");
	a = content_asset(&s, "/images/a.jpg");
	ok(s.nassets == 2 && a && strcmp(a->src, "images/a.jpg") == 0,
	    "first asset of a URL kept");
	ok(log_count(log, "static/images/a.jpg:1: /images/a.jpg is already "
	    "served from images/a.jpg") == 1, "asset dup logged");
	ok(log_count(log, "nested deeper than 16 levels") == 1,
	    "deep tree logged");
	ok(s.problems == 4, "dups problems %zu:\n%s", s.problems, log);
	ok(s.ntags == 0 && s.tags == NULL, "no tags");
	ok(s.next_publish == 0, "no next_publish");
	free(log);
	content_free(&s);
}

/* n times the character c, into out. */
static void
long_tag(char *out, size_t outlen, const char *c, size_t n)
{
	size_t len = strlen(c), o = 0;

	for (size_t i = 0; i < n && o + len < outlen; i++, o += len)
		memcpy(out + o, c, len);
	out[o] = '\0';
}

/*
 * Tag slugs: Latin letters with accents in ASCII; a tag without a slug is
 * a problem; two spellings of one slug are said once, as a problem, and
 * listed under the oldest post's spelling.
 */
static void
test_tags(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "", *log, name[LONG_TAG_MAX],
	    post[LONG_TAG_MAX + 64];
	static const struct {
		const char *slug, *name;
		size_t nposts;
	} want[] = {
		{ "aero", "\xc3\x86r\xc3\xb8", 1 },	/* Ærø */
		{ "c", "C", 3 },
		{ "cafe", "Caf\xc3\xa9", 2 },		/* Café, CAFÉ */
		{ "naive", "na\xc3\xafve", 1 },		/* naïve */
		{ "strasse-lodz", "Stra\xc3\x9f" "e \xc5\x81\xc3\xb3" "d\xc5\xba",
		    1 },				/* Straße Łódź */
		{ "web-dev", "Web Dev", 2 },
	};
	const struct tag *t;
	struct site s;
	int rc;

	new_tree(root, sizeof(root), "tags");
	put(root, "posts/2026-01-01-a.md", "---\ntitle: A\ntags: [\"Caf\xc3\xa9\", "
	    "\"\xc3\x86r\xc3\xb8\", \"\xe6\x97\xa5\xe6\x9c\xac\", C, "
	    "\"na\xc3\xafve\", Web Dev]\n---\n");
	put(root, "posts/2026-01-02-b.md", "---\ntitle: B\ntags: [\"C++\", "
	    "web_dev, \"CAF\xc3\x89\", \"Stra\xc3\x9f" "e \xc5\x81\xc3\xb3" "d\xc5\xba\"]\n"
	    "---\n");
	put(root, "posts/2026-01-03-c.md", "---\ntitle: C\ntags: [c, \"C#\"]\n"
	    "---\n");
	long_tag(name, sizeof(name), "\xe6\x97\xa5", LONG_TAG_CHARS);
	snprintf(post, sizeof(post), "---\ntitle: D\ntags: [\"%s\"]\n---\n",
	    name);
	put(root, "posts/2026-01-04-d.md", post);
	rc = load(&s, root, utc(2026, 6, 1, 0, 0, 0), &log, err);
	ok(rc == 0 && s.nposts == 4, "tags: rc %d, %zu posts %s", rc,
	    s.nposts, err);
	ok(s.ntags == sizeof(want) / sizeof(want[0]), "tags: %zu tags",
	    s.ntags);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = find_tag(&s, want[i].slug);
		ok(t && strcmp(t->name, want[i].name) == 0 &&
		    t->nposts == want[i].nposts, "tag %s: '%s', %zu posts",
		    want[i].slug, t ? t->name : "(none)", t ? t->nposts : 0);
	}
	ok(log_count(log, "posts/2026-01-01-a.md:1: tag \"\xe6\x97\xa5\xe6\x9c\xac\" "
	    "has no letter") == 1, "a tag without a slug is named");
	ok(log_count(log, "posts/2026-01-03-c.md:1: tag \"C#\" has the URL "
	    "/tags/c of tag \"C\" (posts/2026-01-01-a.md); both are listed "
	    "as \"C\"") == 1, "two spellings of /tags/c said once");
	/* A long name is quoted up to TAG_QUOTE_MAX (80) bytes, cut back
	 * to the start of the character that would pass it. */
	name[LONG_TAG_QUOTED] = '\0';
	snprintf(post, sizeof(post), "posts/2026-01-04-d.md:1: tag \"%s\" has "
	    "no letter", name);
	ok(log_count(log, post) == 1, "a long name is cut between characters");
	ok(s.problems == 3 && log_lines(log) == 3, "tags: %zu problems:\n%s",
	    s.problems, log);
	free(log);
	content_free(&s);
}

/* rel, then levels directories of len times c each, then name. */
static void
long_path(char *out, size_t outlen, const char *rel, char c, int levels,
    size_t len, const char *name)
{
	size_t n = (size_t)snprintf(out, outlen, "%s", rel);

	for (int l = 0; l < levels && n + len + 2 < outlen; l++) {
		out[n++] = '/';
		memset(out + n, c, len);
		n += len;
	}
	snprintf(out + n, outlen - n, "/%s", name);
}

/*
 * A file whose URL is longer than the index takes is skipped with one line
 * naming it (its start and its file name, not cut off), and so is a tag
 * too long for its page's route; the rest of the site loads.
 */
static void
test_long_urls(void)
{
	char root[PATH_MAX], rel[PATH_MAX], err[ERR_MAX] = "", *log, *tags;
	const char *line;
	size_t n;
	struct site s;
	int rc;

	new_tree(root, sizeof(root), "longurls");
	long_path(rel, sizeof(rel), "static", 'a', 5, 250, "x.txt");
	put(root, rel, "x");
	long_path(rel, sizeof(rel), "posts/bun", 'b', 5, 250, "y.txt");
	put(root, rel, "y");
	put(root, "posts/bun/index.md", "---\ntitle: Bun\n---\n");
	put(root, "static/ok.txt", "ok");
	n = TAG_SLUG_MAX + 1 + 64;
	tags = malloc(n);
	snprintf(tags, n, "---\ntitle: OK\ntags: [fine, %0*d]\n---\n",
	    TAG_SLUG_MAX + 1, 7);
	put(root, "posts/ok.md", tags);
	free(tags);
	rc = load(&s, root, time(NULL) + PUBLISHED_AHEAD, &log, err);
	ok(rc == 0, "long URLs: rc %d %s", rc, err);
	ok(s.nassets == 1 && content_asset(&s, "/ok.txt") != NULL,
	    "the other file is served");
	ok(s.nposts == 2 && s.ntags == 1 && strcmp(s.tags[0].slug, "fine") == 0,
	    "posts and the other tag are kept");
	ok(s.problems == 3 && log_lines(log) == 3, "one line each:\n%s", log);
	line = strstr(log, "/x.txt:1: URL longer than 1024 bytes; not served");
	ok(line != NULL, "static file named:\n%s", log);
	ok(strstr(log, "static/aaaa") != NULL, "with its start");
	ok(strstr(log, "/y.txt:1: URL longer than 1024 bytes") != NULL &&
	    strstr(log, "posts/bun/bbbb") != NULL, "bundle file named");
	ok(log_count(log, "posts/ok.md:1: a tag of 1018 bytes is longer than "
	    "1017 bytes as a URL; dropped") == 1, "long tag named");
	free(log);
	content_free(&s);
}

/*
 * Symlinks fanning out (each level links twice to the next, the last holds
 * many files): the file count limit stops the walk with an error.
 */
static void
test_too_many(void)
{
	char root[PATH_MAX], rel[64], target[64], err[ERR_MAX] = "", *log;
	enum { LEVELS = 8, FILES = 1000 };
	struct site s;
	int rc;

	new_tree(root, sizeof(root), "many");
	for (int l = 0; l < LEVELS; l++)
		for (int k = 0; k < 2; k++) {
			snprintf(rel, sizeof(rel), "static/l%d/x%d", l, k);
			snprintf(target, sizeof(target), "../l%d", l + 1);
			link_to(root, rel, target);
		}
	for (int i = 0; i < FILES; i++) {
		snprintf(rel, sizeof(rel), "static/l%d/f%d", LEVELS, i);
		put(root, rel, "");
	}
	put(root, "posts/ok.md", "---\ntitle: OK\n---\n");
	rc = load(&s, root, utc(2026, 6, 1, 0, 0, 0), &log, err);
	ok(rc == -1 && strstr(err, "more than 200000 files") != NULL,
	    "too many files: rc %d %s", rc, err);
	ok(s.posts == NULL && s.nposts == 0 && s.assets == NULL &&
	    s.nassets == 0, "failed load leaves an empty site");
	content_free(&s);
	free(log);
}

static void
test_bad_root(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "", *log;
	struct site s;

	join(root, sizeof(root), tmp_base, "missing");
	ok(load(&s, root, 0, &log, err) == -1 && strstr(err, "missing") &&
	    strstr(err, "No such file"), "missing root: %s", err);
	content_free(&s);
	free(log);
	put(tmp_base, "plainfile", "x");
	join(root, sizeof(root), tmp_base, "plainfile");
	ok(load(&s, root, 0, &log, err) == -1 && strstr(err,
	    "not a directory"), "file root: %s", err);
	content_free(&s);
	free(log);
	/* An empty tree is a valid, empty site. */
	new_tree(root, sizeof(root), "empty");
	ok(load(&s, root, 0, &log, err) == 0 && s.nposts == 0 &&
	    s.npages == 0 && s.nassets == 0 && s.problems == 0 &&
	    content_asset(&s, "/x") == NULL, "empty tree");
	content_free(&s);
	free(log);
}

/* UTF-8 is checked a word at a time over ASCII: a bad or good sequence at
 * every offset across two words, each in its own file, is judged the same. */
static void
test_utf8_offsets(void)
{
	static const struct {
		const char *seq;
		bool good;
	} seqs[] = {
		{ "\xc3\xa9", true }, { "\xe2\x82\xac", true },
		{ "\xf0\x9f\x98\x80", true }, { "\xc3\x28", false },
		{ "\xff", false }, { "\xed\xa0\x80", false },
		{ "\xe2\x82", false },
	};
	char root[PATH_MAX], err[ERR_MAX] = "", rel[64], body[96], *log;
	size_t want_bad = 0, want_posts = 0;
	struct site s;

	new_tree(root, sizeof(root), "utf8");
	for (size_t q = 0; q < sizeof(seqs) / sizeof(seqs[0]); q++)
		for (size_t off = 0; off <= UTF8_OFFSETS_MAX; off++) {
			snprintf(rel, sizeof(rel), "posts/u-%zu-%zu.md", q, off);
			snprintf(body, sizeof(body), "---\ntitle: T\n---\n"
			    "%.*s%s tail\n", (int)off, "abcdefghijklmnopqrstu",
			    seqs[q].seq);
			put(root, rel, body);
			want_bad += !seqs[q].good;
			want_posts += seqs[q].good;
		}
	ok(load(&s, root, time(NULL) + PUBLISHED_AHEAD, &log, err) == 0 &&
	    s.problems == want_bad &&
	    s.nposts == want_posts && (size_t)log_count(log, "invalid UTF-8")
	    == want_bad, "UTF-8 at every offset: %zu posts, %zu problems",
	    s.nposts, s.problems);
	content_free(&s);
	free(log);
}

static void
test_slugs(void)
{
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{ "hello-world", true }, { "a", true }, { "2026", true },
		{ "0-a-", true }, { "", false }, { "-a", false },
		{ "Hello", false }, { "a_b", false }, { "a.b", false },
		{ "a b", false }, { "é", false }, { "a/b", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ok(content_slug_ok(t[i].s, strlen(t[i].s)) == t[i].ok,
		    "slug '%s'", t[i].s);
	ok(!content_slug_ok("ab", 0), "slug of length 0");
	ok(content_slug_ok("ab!", 2), "slug length bound");
}

/* content_load at now with a source cache from rec (NULL: none),
 * recording into next (started with stamp 1). */
static int
load_at(time_t now, struct site *s, const char *root, const struct buf *rec,
    struct buf *next, char *err)
{
	struct content_opts opts = { .now = now,
	    .record = next };
	struct srccache c;
	int rc;

	buf_init(next, LOG_MAX);
	srccache_begin(next, 1);
	memset(&c, 0, sizeof(c));
	if (rec != NULL && srccache_open(&c, rec->data, rec->len, 1) == 0)
		opts.cache = &c;
	rc = content_load(s, root, &opts, err, ERR_MAX);
	srccache_close(&c);
	return rc;
}

/* load_at() far enough ahead that the files just written count as
 * settled (SRC_SETTLE_SEC). */
static int
load_cached(struct site *s, const char *root, const struct buf *rec,
    struct buf *next, char *err)
{
	return load_at(time(NULL) + SETTLED_AHEAD, s, root, rec, next, err);
}

/* The dates content_load() gave the posts of tree "epoch". */
static void
check_epoch(const struct site *s, const char *how)
{
	const struct doc *d;

	ok(s->nposts == 3, "epoch %s: %zu posts", how, s->nposts);
	d = find_doc(s->posts, s->nposts, "epoch");
	ok(d && d->meta.has_date && d->meta.date == 0,
	    "epoch %s: 1970-01-01 is a date (%lld)", how,
	    d ? (long long)d->meta.date : -1LL);
	d = find_doc(s->posts, s->nposts, "named");
	ok(d && d->meta.has_date && d->meta.date == 0,
	    "epoch %s: 1970-01-01T00:00:00Z wins over the file name", how);
	d = find_doc(s->posts, s->nposts, "undated");
	ok(d && d->meta.has_date && d->meta.date == utc(2025, 6, 1, 8, 0, 0),
	    "epoch %s: no date is the mtime", how);
}

/* A post dated 1970-01-01 is not undated: not when read, not from the
 * source cache. */
static void
test_epoch(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "";
	struct buf rec, rec2;
	struct site s;

	new_tree(root, sizeof(root), "epoch");
	put(root, "posts/epoch.md", "---\ntitle: E\ndate: 1970-01-01\n---\n");
	put(root, "posts/2025-01-01-named.md", "---\ntitle: N\n"
	    "date: 1970-01-01T00:00:00Z\n---\n");
	put(root, "posts/undated.md", "---\ntitle: U\n---\n");
	set_mtime(root, "posts/epoch.md", utc(2025, 6, 1, 8, 0, 0));
	set_mtime(root, "posts/2025-01-01-named.md", utc(2025, 6, 1, 8, 0, 0));
	set_mtime(root, "posts/undated.md", utc(2025, 6, 1, 8, 0, 0));
	ok(load_cached(&s, root, NULL, &rec, err) == 0, "epoch: %s", err);
	check_epoch(&s, "read");
	content_free(&s);
	ok(load_cached(&s, root, &rec, &rec2, err) == 0 && s.cached == 3,
	    "epoch cached: %zu %s", s.cached, err);
	check_epoch(&s, "cached");
	content_free(&s);
	buf_free(&rec);
	buf_free(&rec2);
}

/* An undated post whose file is stamped a second ahead of the build's now
 * (Linux may stamp files with a finer clock than time() reads) is
 * published, dated now, not held back as a future post. An mtime further
 * ahead, and a front matter date ahead, are still held. */
static void
test_mtime_ahead(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "", *log = NULL;
	time_t now = utc(2025, 6, 1, 8, 0, 0);
	const struct doc *d;
	struct site s;

	new_tree(root, sizeof(root), "ahead");
	put(root, "posts/undated.md", "---\ntitle: U\n---\n");
	put(root, "posts/skewed.md", "---\ntitle: S\n---\n");
	put(root, "posts/later.md", "---\ntitle: L\ndate: 2025-06-01T08:00:01Z"
	    "\n---\n");
	set_mtime(root, "posts/undated.md", now + 1);
	set_mtime(root, "posts/skewed.md", now + 3600);
	ok(load(&s, root, now, &log, err) == 0, "ahead: %s", err);
	d = find_doc(s.posts, s.nposts, "undated");
	ok(s.nposts == 1 && d != NULL && d->meta.date == now,
	    "an mtime a second ahead is published, dated now: %zu posts",
	    s.nposts);
	ok(s.next_publish == now + 1, "the front matter date is still held");
	content_free(&s);
	free(log);
}

/* Files changed just now are read, not kept: a same-size write in the
 * same clock tick would not change their identity. */
static void
test_unsettled(const char *root)
{
	char err[ERR_MAX] = "";
	struct buf rec;
	struct site s;

	put(root, "pages/p.md", "---\ntitle: Fresh\n---\nJust written.\n");
	ok(load_at(time(NULL), &s, root, NULL, &rec, err) == 0 &&
	    s.npages == 1, "load: %s", err);
	/* Every file of the tree was written in the last seconds. */
	ok(rec.len == 16 && memmem(rec.data, rec.len, "pages/p.md", 10) ==
	    NULL, "files written just now are not recorded (%zu bytes)",
	    rec.len);
	content_free(&s);
	buf_free(&rec);
}

/* A source changed between its load and its render: ESTALE, so the build
 * starts over rather than file a page from other bytes under the key of
 * the loaded ones. Changed back before the render, it is the same file. */
static void
test_changed_before_render(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "", *log;
	static const char a[] = "---\ntitle: A\n---\nFirst text.\n";
	struct site s;

	new_tree(root, sizeof(root), "changing");
	put(root, "posts/a.md", a);
	put(root, "posts/b.md", "---\ntitle: B\n---\nB text.\n");
	put(root, "pages/p.md", "---\ntitle: P\n---\nP text.\n");
	ok(load(&s, root, time(NULL) + PUBLISHED_AHEAD, &log, err) == 0 &&
	    s.nposts == 2 && s.npages == 1, "load: %s", err);
	free(log);
	put(root, "posts/a.md", "---\ntitle: A\n---\nSecond text!\n");
	struct doc *d = find_doc(s.posts, s.nposts, "a");
	errno = 0;
	ok(d != NULL && content_render(d, false, NULL) == -1 &&
	    errno == ESTALE, "edited: ESTALE (%s)", strerror(errno));
	put(root, "posts/a.md", a);
	d = find_doc(s.posts, s.nposts, "b");
	ok(d != NULL && content_render(d, false, NULL) == 0 &&
	    strstr(d->html, "B text.") != NULL, "an unchanged file renders");
	ok(unlink_rel(root, "posts/b.md") == 0, "remove b");
	d = find_doc(s.posts, s.nposts, "b");
	ok(d != NULL && d->html != NULL, "b was rendered before it went");
	ok(unlink_rel(root, "pages/p.md") == 0, "remove p");
	errno = 0;
	ok(content_render(&s.pages[0], false, NULL) == -1 && errno == ESTALE,
	    "deleted: ESTALE (%s)", strerror(errno));
	content_free(&s);

	/* A to B and back to A before the render: the loaded bytes. */
	ok(load(&s, root, time(NULL) + PUBLISHED_AHEAD, &log, err) == 0 &&
	    s.nposts == 1, "load again: %s", err);
	free(log);
	put(root, "posts/a.md", "---\ntitle: A\n---\nOther text.\n");
	put(root, "posts/a.md", a);
	ok(content_render(&s.posts[0], false, NULL) == 0 &&
	    strstr(s.posts[0].html, "First text.") != NULL,
	    "changed and changed back: renders");
	content_free(&s);
}

static void
test_cached(void)
{
	char root[PATH_MAX], err[ERR_MAX] = "";
	struct buf rec, rec2, rec3, tmp;
	struct site s;
	struct doc *d;

	new_tree(root, sizeof(root), "cached");
	put(root, "posts/2026-01-01-a.md", "---\ntitle: A\ntags: [x, y]\n"
	    "summary: Sum\n---\nAlpha body.\n");
	put(root, "posts/b.md", "---\ntitle: B\ndraft: true\n---\nB.\n");
	put(root, "pages/p.md", "---\ntitle: P\n---\nPage body.\n");
	/* Read for the front matter; the body is read again when rendered,
	 * so a build does not hold every source at once. */
	ok(load_cached(&s, root, NULL, &rec, err) == 0 && s.cached == 0 &&
	    s.nposts == 1 && s.posts[0].markdown == NULL &&
	    s.posts[0].body_unread && s.posts[0].words == 2,
	    "first load: %s", err);
	content_free(&s);

	ok(load_cached(&s, root, &rec, &rec2, err) == 0, "cached load: %s",
	    err);
	ok(s.cached == 3, "every source from the cache, drafts too: %zu",
	    s.cached);
	d = &s.posts[0];
	ok(s.nposts == 1 && s.npages == 1 && d->markdown == NULL &&
	    d->body_unread, "nothing read");
	ok(strcmp(d->meta.title, "A") == 0 && d->meta.ntags == 2 &&
	    strcmp(d->meta.summary, "Sum") == 0 && d->words > 0 &&
	    d->meta.date != 0, "front matter from the cache");
	ok(content_render(d, false, NULL) == 0 && d->html != NULL &&
	    strstr(d->html, "Alpha body.") != NULL &&
	    strstr(d->html, "title") == NULL, "body read when rendered: %s",
	    d->html ? d->html : "(none)");
	/* Changed after the load: not the bytes loaded, so ESTALE (the
	 * build starts over), never a body that belies its front matter. */
	put(root, "pages/p.md", "---\ntitle: P\nsummary: longer now\n---\n"
	    "New page body.\n");
	d = &s.pages[0];
	errno = 0;
	ok(content_render(d, false, NULL) == -1 && errno == ESTALE &&
	    d->html == NULL, "a changed file: ESTALE (%s)", strerror(errno));
	content_free(&s);
	/* Caught half-written (truncated, not yet written): left out. */
	ok(load_cached(&s, root, &rec, &tmp, err) == 0 && s.cached == 2,
	    "cached again but for the page (%zu)", s.cached);
	buf_free(&tmp);
	put(root, "posts/2026-01-01-a.md", "");
	errno = 0;
	ok(content_render(&s.posts[0], false, NULL) == -1 && errno == ESTALE,
	    "an emptied file: ESTALE (%s)", strerror(errno));
	put(root, "pages/p.md", "---\ntitle: P\n---\nBad \xff byte.\n");
	errno = 0;
	ok(content_render(&s.pages[0], false, NULL) == -1 && errno == ESTALE,
	    "a file no longer UTF-8: ESTALE (%s)", strerror(errno));
	put(root, "pages/p.md", "---\ntitle: P\nsummary: longer now\n---\n"
	    "New page body.\n");
	put(root, "posts/2026-01-01-a.md", "---\ntitle: A\ntags: [x, y]\n"
	    "summary: Sum\n---\nAlpha body.\n");
	content_free(&s);

	/* Both a.md (written again) and p.md changed: only b.md is not
	 * read. */
	ok(load_cached(&s, root, &rec2, &rec3, err) == 0 && s.cached == 1 &&
	    s.npages == 1 &&
	    strcmp(s.pages[0].meta.summary, "longer now") == 0,
	    "changed files are read again (%zu cached)", s.cached);
	content_free(&s);
	buf_free(&rec2);
	buf_free(&rec3);

	/* The same length, the front matter a byte shorter and the body a
	 * byte longer: never a cut body. */
	put(root, "pages/p.md", "---\ntitle: Px\n---\nPage body.\n");
	ok(load_cached(&s, root, NULL, &rec2, err) == 0, "load: %s", err);
	content_free(&s);
	ok(load_cached(&s, root, &rec2, &rec3, err) == 0 && s.npages == 1 &&
	    s.pages[0].body_unread, "the page from the cache");
	put(root, "pages/p.md", "---\ntitle: P\n---\nPage bodyy.\n");
	d = &s.pages[0];
	errno = 0;
	ok(content_render(d, false, NULL) == -1 && errno == ESTALE,
	    "same size, body moved: ESTALE (%s)", strerror(errno));
	content_free(&s);
	buf_free(&rec2);
	buf_free(&rec3);
	buf_free(&rec);
	test_unsettled(root);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_content.XXXXXX", real[PATH_MAX];

	if (__sanitizer_set_report_fd != NULL)
		__sanitizer_set_report_fd((void *)(intptr_t)dup(STDERR_FILENO));
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (realpath(tmpl, real) == NULL) {
		perror("realpath");
		return 1;
	}
	memcpy(tmp_base, real, sizeof(real));
	test_slugs();
	test_main();
	test_duplicates();
	test_tags();
	test_too_many();
	test_long_urls();
	test_bad_root();
	test_utf8_offsets();
	test_changed_before_render();
	test_cached();
	test_epoch();
	test_mtime_ahead();
	rm_tree(tmp_base);
	return test_done();
}
