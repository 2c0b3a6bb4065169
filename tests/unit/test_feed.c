/*
 * test_feed.c: the Atom feed, sitemap.xml and robots.txt over a small
 * hand-built site: feed head, entry count and order, escaping (including
 * bytes XML cannot carry), tag balance, exactly the expected sitemap URLs,
 * and xmllint's verdict when it is installed; and the feed's bounds (a
 * large entry cut to its summary, a full feed cut short, never dropped).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "test.h"

#define BASE	"https://blog.example.org"
#define XSS	"<script>alert(1)</script>"
#define NPOSTS	5
#define TAG_DEPTH_MAX	32
#define TAG_NAME_MAX	16
#define XMLLINT	"/usr/bin/xmllint"

static struct doc posts[NPOSTS], pages[1];
static struct tag tags[2];
static size_t tag_c[] = { 0, 1, 4 }, tag_web[] = { 1, 2 };
static char *tags_p0[] = { "C" }, *tags_p1[] = { "C", "Web & HTTP" };
static char *tags_p2[] = { "Web & HTTP" }, *tags_p4[] = { "C" };
static struct site site;

static const struct {
	const char	*slug, *title, *summary, *html;
	int		 day, updated_day;	/* of March 2026; 0: none */
	char		**tags;
	size_t		 ntags;
} rows[NPOSTS] = {
	{ "xss", XSS, "Sum & <b>mary</b>", "<p>A &amp; B <em>x</em></p>\n",
	    14, 20, tags_p0, 1 },
	{ "second", "Second\x01 \xff post", NULL, "<p>Two</p>\n", 10, 0,
	    tags_p1, 2 },
	{ "third", "Third", "Third.", "<p><img src=\"third/a.png\"></p>\n",
	    8, 0, tags_p2, 1 },
	{ "fourth", "Fourth", "Fourth.", "<p>Four</p>\n", 5, 0, NULL, 0 },
	{ "fifth", "Fifth", "Fifth.", "<p>Five</p>\n", 1, 0, tags_p4, 1 },
};

static time_t
march(int day)
{
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 2, .tm_mday = day };

	return timegm(&tm);
}

static void
setup(void)
{
	static char urls[NPOSTS][64];

	for (size_t i = 0; i < NPOSTS; i++) {
		struct doc *d = &posts[i];
		snprintf(urls[i], sizeof(urls[i]), "/posts/%s", rows[i].slug);
		d->kind = DOC_POST;
		d->slug = (char *)rows[i].slug;
		d->url = urls[i];
		d->meta.title = (char *)rows[i].title;
		d->meta.summary = (char *)rows[i].summary;
		d->meta.date = march(rows[i].day);
		d->meta.has_date = true;
		d->meta.updated = rows[i].updated_day ?
		    march(rows[i].updated_day) : 0;
		d->meta.tags = rows[i].tags;
		d->meta.ntags = rows[i].ntags;
		d->html = (char *)rows[i].html;
		d->html_len = strlen(rows[i].html);
	}
	pages[0] = (struct doc){ .kind = DOC_PAGE, .slug = "about",
	    .url = "/about", .meta = { .title = "About" } };
	tags[0] = (struct tag){ "C", "c", tag_c, 3 };
	tags[1] = (struct tag){ "Web & HTTP", "web-http", tag_web, 2 };
	site = (struct site){ .posts = posts, .nposts = NPOSTS,
	    .pages = pages, .npages = 1, .tags = tags, .ntags = 2,
	    .newest = march(20) + 9 * 3600 + 30 * 60 };
	content_index_tags(&site);
}

static struct render_ctx
ctx(void)
{
	return (struct render_ctx){
		.site = &site, .base_url = BASE, .title = "Test <Site>",
		.description = "A blog & more", .author = "Ann & Bob",
		.language = "en", .css_url = "/style.css", .per_page = 2,
	};
}

static bool
has(const char *doc, const char *s)
{
	return doc != NULL && strstr(doc, s) != NULL;
}

static size_t
count(const char *doc, const char *s)
{
	size_t n = 0;

	for (const char *p = doc; p && (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* Elements balance, attributes are quoted, no raw '<' or control byte
 * stands in text. Returns NULL or what is wrong. */
static const char *
check_xml(const char *s)
{
	static char why[128];
	char stack[TAG_DEPTH_MAX][TAG_NAME_MAX];
	size_t depth = 0, nl;
	const char *p, *q, *n;
	char quote;

	if (strncmp(s, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", 39) != 0)
		return "no XML declaration";
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			return "control byte";
	p = s + 39;
	while ((p = strchr(p, '<')) != NULL) {
		n = p + 1 + (p[1] == '/');
		nl = strspn(n, "abcdefghijklmnopqrstuvwxyz");
		if (nl == 0 || nl >= TAG_NAME_MAX) {
			snprintf(why, sizeof(why), "raw '<' at \"%.20s\"", p);
			return why;
		}
		for (q = n + nl, quote = 0; *q && (quote || *q != '>'); q++) {
			if (quote && *q == quote)
				quote = 0;
			else if (!quote && *q == '"')
				quote = *q;
			else if (!quote && *q == '<')
				return "'<' inside a tag";
		}
		if (*q == '\0')
			return "tag not closed";
		if (p[1] == '/') {
			if (depth == 0 || strlen(stack[depth - 1]) != nl ||
			    memcmp(stack[depth - 1], n, nl) != 0) {
				snprintf(why, sizeof(why), "</%.*s> closes <%s>",
				    (int)nl, n, depth ? stack[depth - 1] : "");
				return why;
			}
			depth--;
		} else if (q[-1] != '/') {
			if (depth == TAG_DEPTH_MAX)
				return "too deep";
			memcpy(stack[depth], n, nl);
			stack[depth++][nl] = '\0';
		}
		p = q + 1;
	}
	return depth == 0 ? NULL : "element never closed";
}

/* xmllint's opinion, when it is installed: 1 well-formed, 0 not, -1 no
 * xmllint here. */
static int
xmllint(const char *doc, size_t len)
{
	char path[] = "/tmp/test_feed.XXXXXX", cmd[128];
	FILE *f;
	int fd, rc;

	if (access(XMLLINT, X_OK) != 0)
		return -1;
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return 0;
	fwrite(doc, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), XMLLINT " --noout %s", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static void
check_wellformed(const char *name, const char *doc, size_t len)
{
	const char *why;
	int lint;

	ok(doc != NULL && strlen(doc) == len, "%s: length matches", name);
	if (doc == NULL)
		return;
	why = check_xml(doc);
	ok(why == NULL, "%s: balanced: %s", name, why ? why : "");
	if ((lint = xmllint(doc, len)) != -1)
		ok(lint == 1, "%s: xmllint accepts it", name);
}

static void
test_atom_head(void)
{
	struct render_ctx r = ctx();
	size_t len;
	char *f;

	f = feed_atom(&r, 3, &len, NULL);
	check_wellformed("feed", f, len);
	ok(has(f, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"),
	    "feed: Atom namespace");
	ok(has(f, "<id>" BASE "/feed.xml</id>"), "feed: id");
	ok(has(f, "<link rel=\"self\" type=\"application/atom+xml\" href=\""
	    BASE "/feed.xml\"/>"), "feed: rel=self");
	ok(has(f, "<link rel=\"alternate\" type=\"text/html\" href=\"" BASE
	    "/\"/>"), "feed: rel=alternate");
	ok(has(f, "<title>Test &lt;Site&gt;</title>"), "feed: title escaped");
	ok(has(f, "<subtitle>A blog &amp; more</subtitle>"), "feed: subtitle");
	ok(has(f, "<updated>2026-03-20T09:30:00Z</updated>\n<author>"),
	    "feed: updated is site->newest");
	ok(has(f, "<author>\n<name>Ann &amp; Bob</name>\n</author>"),
	    "feed: author");
	free(f);

	r.author = "";
	r.description = NULL;
	r.base_url = BASE "/";
	f = feed_atom(&r, 3, &len, NULL);
	check_wellformed("feed, no author", f, len);
	ok(has(f, "<name>Test &lt;Site&gt;</name>"), "no author: site title");
	ok(!has(f, "<subtitle>"), "no description: no subtitle");
	ok(!has(f, BASE "//"), "trailing slash of base_url dropped");
	free(f);
}

static void
test_atom_entries(void)
{
	struct render_ctx r = ctx();
	static const size_t asks[] = { 0, 1, 3, 5, 20 };
	size_t len, want, summaries;
	char *f;

	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		f = feed_atom(&r, asks[i], &len, NULL);
		want = asks[i] < NPOSTS ? asks[i] : NPOSTS;
		summaries = 0;
		for (size_t k = 0; k < want; k++)
			summaries += rows[k].summary != NULL;
		ok(count(f, "<entry>") == want && count(f, "</entry>") == want,
		    "feed of %zu: %zu entries", asks[i], want);
		ok(count(f, "<content type=\"html\"") == want,
		    "feed of %zu: %zu contents", asks[i], want);
		ok(count(f, "<summary>") == summaries, "feed of %zu: %zu "
		    "summaries", asks[i], summaries);
		if (want > 0)
			ok(has(f, "<id>" BASE "/posts/xss</id>"),
			    "feed of %zu: newest first", asks[i]);
		if (want < NPOSTS)
			ok(!has(f, "/posts/fifth"), "feed of %zu: oldest left "
			    "out", asks[i]);
		check_wellformed("feed entries", f, len);
		free(f);
	}

	f = feed_atom(&r, NPOSTS, &len, NULL);
	ok(!has(f, XSS), "entry: title never raw");
	ok(has(f, "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"),
	    "entry: title escaped");
	ok(has(f, "<link rel=\"alternate\" type=\"text/html\" href=\"" BASE
	    "/posts/xss\"/>"), "entry: link");
	ok(has(f, "<published>2026-03-14T00:00:00Z</published>\n"
	    "<updated>2026-03-20T00:00:00Z</updated>"), "entry: published "
	    "and updated");
	ok(has(f, "<published>2026-03-10T00:00:00Z</published>\n"
	    "<updated>2026-03-10T00:00:00Z</updated>"), "entry without "
	    "update: updated is the date");
	ok(has(f, "<summary>Sum &amp; &lt;b&gt;mary&lt;/b&gt;</summary>"),
	    "entry: summary escaped");
	ok(has(f, "<category term=\"web-http\" label=\"Web &amp; HTTP\"/>"),
	    "entry: category");
	ok(count(f, "<category ") == 1 + 2 + 1 + 0 + 1, "one category per "
	    "tag");
	ok(has(f, "<content type=\"html\" xml:base=\"" BASE "/posts/xss\">"
	    "&lt;p&gt;A &amp;amp; B &lt;em&gt;x&lt;/em&gt;&lt;/p&gt;\n"
	    "</content>"), "entry: content is the escaped html");
	ok(has(f, "<title>Second\xef\xbf\xbd \xef\xbf\xbd post</title>"),
	    "control byte and bad UTF-8 become U+FFFD");
	free(f);
}

/* The <loc> values of a sitemap; returns how many, or SIZE_MAX. */
static size_t
locs(const char *doc, char out[][64], size_t max)
{
	const char *p = doc, *e;
	size_t n = 0;

	while (p && (p = strstr(p, "<loc>")) != NULL) {
		p += 5;
		if ((e = strstr(p, "</loc>")) == NULL || n == max)
			return (size_t)-1;
		snprintf(out[n++], 64, "%.*s", (int)(e - p), p);
	}
	return n;
}

static void
test_sitemap(void)
{
	static const char *const want[] = {
		BASE "/", BASE "/page/2", BASE "/page/3",
		BASE "/posts/xss", BASE "/posts/second", BASE "/posts/third",
		BASE "/posts/fourth", BASE "/posts/fifth", BASE "/about",
		BASE "/tags", BASE "/tags/c", BASE "/tags/web-http",
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct render_ctx r = ctx();
	char got[32][64];
	size_t len, n, seen;
	char *m;

	m = feed_sitemap(&r, &len);
	check_wellformed("sitemap", m, len);
	ok(has(m, "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/"
	    "0.9\">"), "sitemap: namespace");
	n = locs(m, got, 32);
	ok(n == nwant, "sitemap: %zu URLs, want %zu", n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		seen = 0;
		for (size_t k = 0; k < n && n != (size_t)-1; k++)
			seen += strcmp(got[k], want[i]) == 0;
		ok(seen == 1, "sitemap: %s once (%zu)", want[i], seen);
	}
	ok(has(m, "<loc>" BASE "/posts/xss</loc><lastmod>2026-03-20"
	    "</lastmod>"), "sitemap: lastmod is the update");
	ok(has(m, "<loc>" BASE "/posts/fifth</loc><lastmod>2026-03-01"
	    "</lastmod>"), "sitemap: lastmod is the date");
	free(m);

	r.per_page = 10;
	m = feed_sitemap(&r, &len);
	ok(!has(m, "/page/"), "sitemap: one index page, no /page/N");
	free(m);
}

static void
test_robots(void)
{
	struct render_ctx r = ctx();
	const char *want = "User-agent: *\nAllow: /\nSitemap: " BASE
	    "/sitemap.xml\n";
	size_t len;
	char *t;

	t = feed_robots(&r, &len);
	ok(t != NULL && strcmp(t, want) == 0 && len == strlen(want),
	    "robots.txt: \"%s\"", t ? t : "(null)");
	free(t);
	r.base_url = BASE "/";
	t = feed_robots(&r, &len);
	ok(t != NULL && strcmp(t, want) == 0, "robots.txt: base with slash");
	free(t);
}

static void
test_empty(void)
{
	struct site empty = { 0 };
	struct render_ctx r = ctx();
	size_t len;
	char *f;

	r.site = &empty;
	f = feed_atom(&r, 20, &len, NULL);
	check_wellformed("empty feed", f, len);
	ok(count(f, "<entry>") == 0, "empty feed: no entries");
	ok(has(f, "<updated>1970-01-01T00:00:00Z</updated>"), "empty feed: "
	    "an updated element still");
	free(f);
	f = feed_sitemap(&r, &len);
	check_wellformed("empty sitemap", f, len);
	ok(count(f, "<url>") == 2, "empty sitemap: / and /tags");
	free(f);
}

/* A string of n copies of c (malloc'd). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memset(s, c, n);
		s[n] = '\0';
	}
	return s;
}

/* One post among small ones whose content, escaped, passes
 * FEED_CONTENT_MAX: its entry has its summary only (a stock one when it
 * has none), and the feed keeps the rest in full. */
static void
test_large_entry(void)
{
	struct render_ctx r = ctx();
	size_t len, problems = 0, n = FEED_CONTENT_MAX / 2;
	char *amps = repeat('&', n), *f;

	if (amps == NULL)
		return;
	/* Within FEED_CONTENT_MAX as HTML, five times that escaped. */
	posts[1].html = amps;
	posts[1].html_len = n;
	f = feed_atom(&r, NPOSTS, &len, &problems);
	check_wellformed("large entry", f, len);
	ok(f != NULL && count(f, "<entry>") == NPOSTS, "every entry is there");
	ok(count(f, "<content ") == NPOSTS - 1, "all but one in full");
	ok(!has(f, "&amp;&amp;&amp;"), "not the large one's content");
	ok(has(f, "<summary>This post is too long for the feed; read it on "
	    "the site.</summary>"), "a stock summary for a post without one");
	ok(problems == 1, "one problem: %zu", problems);
	free(f);
	posts[1].html = (char *)rows[1].html;
	posts[1].html_len = strlen(rows[1].html);
	free(amps);
}

/*
 * Posts of nearly FEED_CONTENT_MAX each, more than PAGE_BYTES_MAX of them
 * together: once the feed is full, entries have their summary only; once
 * not even that fits, the feed ends there. It is never dropped.
 */
static void
test_full_feed(void)
{
	enum { MANY = 64 };
	static struct doc many[MANY];
	static char urls[MANY][32];
	struct site big = site;
	struct render_ctx r = ctx();
	size_t len, problems = 0, full, entries;
	char *html = repeat('x', FEED_CONTENT_MAX - 1024);
	char *summary = repeat('y', FEED_CONTENT_MAX);
	char *f;

	if (html == NULL || summary == NULL)
		goto out;
	for (size_t i = 0; i < MANY; i++) {
		snprintf(urls[i], sizeof(urls[i]), "/posts/p%zu", i);
		many[i] = (struct doc){ .kind = DOC_POST, .url = urls[i],
		    .meta = { .title = "P", .summary = "S",
		    .date = march(1) }, .html = html,
		    .html_len = FEED_CONTENT_MAX - 1024 };
	}
	big.posts = many;
	big.nposts = MANY;
	r.site = &big;
	f = feed_atom(&r, MANY, &len, &problems);
	check_wellformed("full feed", f, len);
	full = count(f, "<content ");
	ok(f != NULL && len <= PAGE_BYTES_MAX, "within a page: %zu", len);
	ok(full > MANY / 4 && full < MANY, "%zu entries in full", full);
	ok(count(f, "<entry>") == MANY, "the rest with their summaries");
	ok(problems == MANY - full, "one problem each: %zu", problems);
	free(f);

	/* Summaries of a whole FEED_CONTENT_MAX: the feed ends early. */
	for (size_t i = 0; i < MANY; i++)
		many[i].meta.summary = summary;
	problems = 0;
	f = feed_atom(&r, MANY, &len, &problems);
	check_wellformed("ended feed", f, len);
	entries = count(f, "<entry>");
	ok(f != NULL && entries > 0 && entries < MANY && len <= PAGE_BYTES_MAX,
	    "the newest %zu entries", entries);
	ok(f != NULL && strcmp(f + len - 8, "</feed>\n") == 0, "closed");
	ok(problems > 0, "said: %zu", problems);
	free(f);
out:
	free(html);
	free(summary);
}

int
main(void)
{
	setup();
	test_atom_head();
	test_atom_entries();
	test_sitemap();
	test_robots();
	test_empty();
	test_large_entry();
	test_full_feed();
	return test_done();
}
