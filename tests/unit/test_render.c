/*
 * test_render.c: the built-in theme over a small hand-built site: the head
 * of every page, escaping, pagination, newer/older links, reading time, tag
 * pages, the 404 page, an empty site, tag balance of every page, and the
 * stylesheet's size and features.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folio_limits.h"
#include "render.h"
#include "test.h"

#define BASE	"https://blog.example.org"
#define CSS	"/assets/style.0123456789abcdef.css"
#define XSS	"<script>alert(1)</script>"
#define NPOSTS	5
#define TAG_DEPTH_MAX	64
#define TAG_NAME_MAX	16

static struct doc posts[NPOSTS], pages[1];
static struct tag tags[2];
static size_t tag_c[] = { 0, 1, 4 }, tag_web[] = { 1, 2 };
static char *tags_p0[] = { "C" }, *tags_p1[] = { "C", "Web & HTTP" };
static char *tags_p2[] = { "Web & HTTP" }, *tags_p4[] = { "C" };
static struct site site;

/* One post per row: slug, title, summary, words, date, updated, tags. */
static const struct {
	const char	*slug, *title, *summary;
	size_t		 words;
	int		 day, updated_day;	/* of March 2026; 0: none */
	char		**tags;
	size_t		 ntags;
	size_t		 minutes;		/* expected reading time */
} rows[NPOSTS] = {
	{ "xss", XSS, "Sum & <b>mary</b>", 700, 14, 20, tags_p0, 1, 4 },
	{ "second", "Second post", NULL, 0, 10, 0, tags_p1, 2, 1 },
	{ "third", "Third \"quoted\" post", "Third.", 230, 8, 8, tags_p2, 1, 1 },
	{ "fourth", "Fourth", "Fourth.", 231, 5, 0, NULL, 0, 2 },
	{ "fifth", "Fifth", "Fifth.", 460, 1, 0, tags_p4, 1, 2 },
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
	static char urls[NPOSTS][64], html[NPOSTS][64];

	for (size_t i = 0; i < NPOSTS; i++) {
		struct doc *d = &posts[i];
		snprintf(urls[i], sizeof(urls[i]), "/posts/%s", rows[i].slug);
		snprintf(html[i], sizeof(html[i]), "<p>Body of post %zu</p>\n",
		    i);
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
		d->html = html[i];
		d->html_len = strlen(html[i]);
		d->words = rows[i].words;
	}
	posts[0].meta.image = "/images/cover.jpg";
	pages[0] = (struct doc){ .kind = DOC_PAGE, .slug = "about",
	    .url = "/about", .meta = { .title = "About" },
	    .html = "<p>About me</p>\n", .html_len = 16 };
	tags[0] = (struct tag){ "C", "c", tag_c, 3 };
	tags[1] = (struct tag){ "Web & HTTP", "web-http", tag_web, 2 };
	site = (struct site){ .posts = posts, .nposts = NPOSTS,
	    .pages = pages, .npages = 1, .tags = tags, .ntags = 2,
	    .newest = march(20) };
	content_index_tags(&site);
}

static struct render_ctx
ctx(void)
{
	return (struct render_ctx){
		.site = &site, .base_url = BASE, .title = "Test <Site>",
		.description = "A blog & more", .author = "Ann",
		.language = "en", .css_url = CSS, .per_page = 2,
	};
}

static bool
has(const char *page, const char *s)
{
	return page != NULL && strstr(page, s) != NULL;
}

static size_t
count(const char *page, const char *s)
{
	size_t n = 0;

	for (const char *p = page; p && (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

static bool
is_void(const char *name, size_t n)
{
	static const char *const voids[] = { "area", "base", "br", "col",
	    "embed", "hr", "img", "input", "link", "meta", "source", "track",
	    "wbr" };

	for (size_t i = 0; i < sizeof(voids) / sizeof(voids[0]); i++)
		if (strlen(voids[i]) == n && memcmp(voids[i], name, n) == 0)
			return true;
	return false;
}

/* Tags balance, attributes are quoted to the end of their tag and no raw
 * '<' stands in text. Returns NULL or what is wrong. */
static const char *
check_html(const char *s)
{
	static char why[128];
	char stack[TAG_DEPTH_MAX][TAG_NAME_MAX];
	size_t depth = 0, nl;
	const char *p = s, *q, *n;
	char quote;

	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p, "<!--", 4) == 0) {
			if ((p = strstr(p, "-->")) == NULL)
				return "open comment";
			continue;
		}
		if (p[1] == '!') {
			p = strchr(p, '>');
			if (p == NULL)
				return "open declaration";
			continue;
		}
		n = p + 1 + (p[1] == '/');
		nl = strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789");
		if (nl == 0 || nl >= TAG_NAME_MAX) {
			snprintf(why, sizeof(why), "raw '<' at \"%.20s\"", p);
			return why;
		}
		for (q = n + nl, quote = 0; *q && (quote || *q != '>'); q++) {
			if (quote && *q == quote)
				quote = 0;
			else if (!quote && (*q == '"' || *q == '\''))
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
		} else if (!is_void(n, nl) && q[-1] != '/') {
			if (depth == TAG_DEPTH_MAX)
				return "too deep";
			memcpy(stack[depth], n, nl);
			stack[depth++][nl] = '\0';
		}
		p = q + 1;
	}
	if (depth != 0) {
		snprintf(why, sizeof(why), "<%s> never closed", stack[depth - 1]);
		return why;
	}
	return NULL;
}

/* Every src= of a page is a path on the site. */
static bool
srcs_local(const char *page)
{
	for (const char *p = page; (p = strstr(p, " src=\"")) != NULL; p++)
		if (p[6] != '/' || p[7] == '/')
			return false;
	return true;
}

/* What every HTML page must carry. canonical is a path, or NULL for none. */
static void
check_common(const char *name, const char *page, size_t len,
    const char *canonical)
{
	char want[256];
	const char *why;

	ok(page != NULL, "%s: rendered", name);
	if (page == NULL)
		return;
	ok(strlen(page) == len, "%s: length %zu matches", name, len);
	ok(strncmp(page, "<!doctype html>\n<html lang=\"en\">", 32) == 0,
	    "%s: doctype and lang", name);
	ok(has(page, "<meta charset=\"utf-8\">"), "%s: charset", name);
	ok(has(page, "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"), "%s: viewport", name);
	ok(count(page, "<title>") == 1 && has(page, "Test &lt;Site&gt;</title>"),
	    "%s: one title ending in the site title", name);
	ok(has(page, "<meta name=\"description\" content=\"") &&
	    !has(page, "<meta name=\"description\" content=\"\""),
	    "%s: non-empty description", name);
	if (canonical != NULL) {
		snprintf(want, sizeof(want), "<link rel=\"canonical\" href=\""
		    BASE "%s\">", canonical);
		ok(has(page, want), "%s: canonical %s", name, canonical);
		snprintf(want, sizeof(want), "<meta property=\"og:url\" "
		    "content=\"" BASE "%s\">", canonical);
		ok(has(page, want), "%s: og:url", name);
	} else
		ok(!has(page, "rel=\"canonical\""), "%s: no canonical", name);
	ok(has(page, "<meta property=\"og:site_name\" content=\"Test "
	    "&lt;Site&gt;\">"), "%s: og:site_name", name);
	ok(has(page, "<meta property=\"og:title\" content=\""), "%s: og:title",
	    name);
	ok(has(page, "<meta property=\"og:type\" content=\""), "%s: og:type",
	    name);
	ok(has(page, "<meta property=\"og:description\" content=\""),
	    "%s: og:description", name);
	ok(has(page, "<link rel=\"alternate\" type=\"application/atom+xml\"") &&
	    has(page, "href=\"/feed.xml\""), "%s: feed link", name);
	ok(has(page, "<link rel=\"stylesheet\" href=\"" CSS "\">"),
	    "%s: stylesheet", name);
	ok(!has(page, "<script"), "%s: no <script", name);
	ok(!has(page, " style="), "%s: no style attribute", name);
	ok(!has(page, "<style"), "%s: no style element", name);
	ok(srcs_local(page), "%s: no external resources", name);
	ok(has(page, "<a class=\"site-title\" href=\"/\">Test &lt;Site&gt;</a>"),
	    "%s: site title link", name);
	ok(has(page, "<a href=\"/tags\"") && has(page, "<a href=\"/about\""),
	    "%s: nav has Tags and About", name);
	ok(has(page, "Powered by folio") && has(page, "<main id=\"main\""),
	    "%s: main and footer", name);
	why = check_html(page);
	ok(why == NULL, "%s: well-formed: %s", name, why ? why : "");
}

/* The /posts/ links of a page's post list, in order, joined by spaces. */
static void
listed(const char *page, char *out, size_t outlen)
{
	const char *p = page, *e;
	size_t n = 0;

	out[0] = '\0';
	while (p && (p = strstr(p, "<h2><a href=\"/posts/")) != NULL) {
		p += strlen("<h2><a href=\"/posts/");
		if ((e = strchr(p, '"')) == NULL)
			break;
		n += (size_t)snprintf(out + n, outlen - n, "%s%.*s",
		    n ? " " : "", (int)(e - p), p);
		if (n >= outlen)
			break;
	}
}

/* Number of links in the element that starts with open. */
static size_t
links_in(const char *page, const char *open)
{
	const char *p = page ? strstr(page, open) : NULL, *e;
	size_t n = 0;

	if (p == NULL || (e = strstr(p, "</nav>")) == NULL)
		return 0;
	while ((p = strstr(p, "<a ")) != NULL && p < e) {
		n++;
		p++;
	}
	return n;
}

static void
test_index(void)
{
	struct render_ctx r = ctx();
	static const struct {
		size_t	 page;
		const char *canonical, *posts, *newer, *older;
	} cases[] = {
		{ 1, "/", "xss second", NULL, "/page/2" },
		{ 2, "/page/2", "third fourth", "/", "/page/3" },
		{ 3, "/page/3", "fifth", "/page/2", NULL },
	};
	char want[128], got[256], name[32];
	size_t len;
	char *p;

	ok(render_index_pages(&r) == 3, "5 posts at 2 a page: 3 pages");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "index %zu", cases[i].page);
		p = render_index(&r, cases[i].page, &len);
		check_common(name, p, len, cases[i].canonical);
		listed(p, got, sizeof(got));
		ok(strcmp(got, cases[i].posts) == 0, "%s lists \"%s\", not "
		    "\"%s\"", name, cases[i].posts, got);
		if (cases[i].newer) {
			snprintf(want, sizeof(want), "rel=\"prev\" href=\"%s\">"
			    "&larr; Newer posts</a>", cases[i].newer);
			ok(has(p, want), "%s: newer link to %s", name,
			    cases[i].newer);
		} else
			ok(!has(p, "rel=\"prev\""), "%s: no newer link", name);
		if (cases[i].older) {
			snprintf(want, sizeof(want), "rel=\"next\" href=\"%s\">"
			    "Older posts &rarr;</a>", cases[i].older);
			ok(has(p, want), "%s: older link to %s", name,
			    cases[i].older);
		} else
			ok(!has(p, "rel=\"next\""), "%s: no older link", name);
		snprintf(want, sizeof(want), "Page %zu of 3", cases[i].page);
		ok(has(p, want), "%s: says %s", name, want);
		ok(has(p, "<meta property=\"og:type\" content=\"website\">"),
		    "%s: og:type website", name);
		free(p);
	}
	p = render_index(&r, 1, &len);
	ok(has(p, "<title>Test &lt;Site&gt;</title>"), "index 1: site title only");
	ok(has(p, "<a href=\"/\" aria-current=\"page\">Home</a>"),
	    "index 1: Home is current");
	ok(has(p, "<time datetime=\"2026-03-14\">14 March 2026</time>"),
	    "index 1: post date");
	ok(has(p, "Sum &amp; &lt;b&gt;mary&lt;/b&gt;"), "index 1: summary "
	    "escaped");
	ok(has(p, "<a rel=\"tag\" href=\"/tags/web-http\">Web &amp; HTTP</a>"),
	    "index 1: tag link of post 2");
	ok(!has(p, XSS), "index 1: title not raw");
	free(p);
	ok(render_index(&r, 0, &len) == NULL, "page 0 refused");
	ok(render_index(&r, 4, &len) == NULL, "page 4 of 3 refused");
	r.per_page = 5;
	ok(render_index_pages(&r) == 1, "5 posts at 5 a page: 1 page");
	p = render_index(&r, 1, &len);
	ok(!has(p, "class=\"pagination\""), "one page: no pagination");
	free(p);
	r.per_page = 4;
	ok(render_index_pages(&r) == 2, "5 posts at 4 a page: 2 pages");
}

static void
test_posts(void)
{
	struct render_ctx r = ctx();
	char want[256], name[32];
	size_t len;
	char *p;

	for (size_t i = 0; i < NPOSTS; i++) {
		snprintf(name, sizeof(name), "post %zu", i);
		p = render_post(&r, i, RENDER_TEXT, &len);
		check_common(name, p, len, posts[i].url);
		snprintf(want, sizeof(want), "%zu min read", rows[i].minutes);
		ok(has(p, want), "%s: %zu words: %s", name, rows[i].words, want);
		ok(has(p, posts[i].html), "%s: body", name);
		ok(has(p, "<article class=\"post\">") && has(p, "</article>"),
		    "%s: article", name);
		ok(has(p, "<meta property=\"og:type\" content=\"article\">"),
		    "%s: og:type article", name);
		if (i > 0) {
			snprintf(want, sizeof(want), "<a class=\"newer\" rel=\""
			    "prev\" href=\"%s\">", posts[i - 1].url);
			ok(has(p, want), "%s: newer is post %zu", name, i - 1);
		} else
			ok(!has(p, "class=\"newer\""), "%s: no newer", name);
		if (i + 1 < NPOSTS) {
			snprintf(want, sizeof(want), "<a class=\"older\" rel=\""
			    "next\" href=\"%s\">", posts[i + 1].url);
			ok(has(p, want), "%s: older is post %zu", name, i + 1);
		} else
			ok(!has(p, "class=\"older\""), "%s: no older", name);
		ok(count(p, "rel=\"tag\"") == rows[i].ntags, "%s: %zu tag "
		    "links", name, rows[i].ntags);
		ok(links_in(p, "<nav class=\"post-nav\"") == (size_t)(i > 0) +
		    (size_t)(i + 1 < NPOSTS), "%s: newer/older links and no more",
		    name);
		free(p);
	}

	p = render_post(&r, 0, RENDER_TEXT, &len);
	ok(!has(p, XSS), "post 0: title never raw");
	ok(has(p, "<title>&lt;script&gt;alert(1)&lt;/script&gt; \xe2\x80\x94 "
	    "Test &lt;Site&gt;</title>"), "post 0: title, dash, site title");
	ok(has(p, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
	    "post 0: heading escaped");
	ok(has(p, "<meta name=\"description\" content=\"Sum &amp; &lt;b&gt;"
	    "mary&lt;/b&gt;\">"), "post 0: summary is the description");
	ok(has(p, "<time datetime=\"2026-03-14\">14 March 2026</time>"),
	    "post 0: date");
	ok(has(p, "Updated <time datetime=\"2026-03-20\">20 March 2026</time>"),
	    "post 0: updated");
	ok(has(p, "<meta property=\"og:image\" content=\"" BASE
	    "/images/cover.jpg\">"), "post 0: og:image absolute");
	ok(!has(p, "<img"), "post 0: the image is for Open Graph only");
	ok(has(p, "<meta property=\"article:published_time\" content=\""
	    "2026-03-14T00:00:00Z\">"), "post 0: published_time");
	free(p);

	p = render_post(&r, 1, RENDER_TEXT, &len);
	ok(has(p, "<meta name=\"description\" content=\"A blog &amp; more\">"),
	    "post 1: no summary: site description");
	ok(!has(p, "og:image"), "post 1: no image, no og:image");
	ok(!has(p, "Updated"), "post 1: no update shown");
	free(p);
	p = render_post(&r, 2, RENDER_TEXT, &len);
	ok(!has(p, "Updated"), "post 2: updated the same day: not shown");
	ok(has(p, "<title>Third &quot;quoted&quot; post"), "post 2: quotes "
	    "escaped");
	free(p);

	r.description = "";
	p = render_post(&r, 1, RENDER_TEXT, &len);
	ok(p != NULL && !has(p, "content=\"\""), "no description anywhere: "
	    "a fallback text");
	free(p);
	ok(render_post(&r, NPOSTS, RENDER_TEXT, &len) == NULL,
	    "post out of range refused");

	/* A relative cover resolves like a link on the post's page; a
	 * javascript: one is never used. */
	r = ctx();
	posts[1].meta.image = "second/cover.png";
	p = render_post(&r, 1, RENDER_TEXT, &len);
	ok(has(p, "content=\"" BASE "/posts/second/cover.png\">"),
	    "relative cover: absolute og:image");
	free(p);
	posts[1].meta.image = "javascript:alert(1)";
	p = render_post(&r, 1, RENDER_TEXT, &len);
	ok(!has(p, "javascript:"), "javascript: cover dropped");
	free(p);
	posts[1].meta.image = NULL;
}

static void
test_page_and_tags(void)
{
	struct render_ctx r = ctx();
	char got[256];
	size_t len;
	char *p;

	p = render_page(&r, 0, RENDER_TEXT, &len);
	check_common("page", p, len, "/about");
	ok(has(p, "<title>About \xe2\x80\x94 Test &lt;Site&gt;</title>"),
	    "page: title");
	ok(has(p, "<h1>About</h1>") && has(p, "<p>About me</p>"),
	    "page: heading and body");
	ok(has(p, "<a href=\"/about\" aria-current=\"page\">About</a>"),
	    "page: current in nav");
	ok(!has(p, "min read"), "page: no reading time");
	free(p);
	ok(render_page(&r, 1, RENDER_TEXT, &len) == NULL,
	    "page out of range refused");

	p = render_tags(&r, &len);
	check_common("tags", p, len, "/tags");
	ok(has(p, "<a href=\"/tags/c\">C</a> <span class=\"count\">3 posts"),
	    "tags: c with 3 posts");
	ok(has(p, "<a href=\"/tags/web-http\">Web &amp; HTTP</a> <span "
	    "class=\"count\">2 posts"), "tags: web-http with 2 posts");
	ok(count(p, "<a href=\"/tags/") == 2, "tags: two tag links");
	free(p);

	p = render_tag(&r, 1, &len);
	check_common("tag web-http", p, len, "/tags/web-http");
	listed(p, got, sizeof(got));
	ok(strcmp(got, "second third") == 0, "tag web-http lists its two "
	    "posts: \"%s\"", got);
	ok(has(p, "Posts tagged <q>Web &amp; HTTP</q>"), "tag: heading");
	free(p);
	p = render_tag(&r, 0, &len);
	listed(p, got, sizeof(got));
	ok(strcmp(got, "xss second fifth") == 0, "tag c lists its three "
	    "posts: \"%s\"", got);
	ok(!has(p, XSS), "tag c: title escaped");
	free(p);
	ok(render_tag(&r, 2, &len) == NULL, "tag out of range refused");
}

static void
test_404_and_empty(void)
{
	struct render_ctx r = ctx();
	struct site empty = { 0 };
	size_t len;
	char *p;

	p = render_404(&r, &len);
	check_common("404", p, len, NULL);
	ok(has(p, "<h1>Page not found</h1>"), "404: says so");
	ok(has(p, "<a href=\"/\">Go to the home page</a>"), "404: link home");
	ok(has(p, "<meta name=\"robots\" content=\"noindex\">"), "404: noindex");
	free(p);

	r.site = &empty;
	ok(render_index_pages(&r) == 1, "empty site: one index page");
	p = render_index(&r, 1, &len);
	ok(p != NULL && has(p, "Nothing has been published here yet."),
	    "empty site: says so");
	ok(!has(p, "class=\"pagination\"") && !has(p, "post-list"),
	    "empty site: no list, no pagination");
	ok(p != NULL && check_html(p) == NULL, "empty site: well-formed");
	free(p);
	p = render_tags(&r, &len);
	ok(has(p, "No posts have tags yet."), "empty site: no tags");
	free(p);
	p = render_404(&r, &len);
	ok(p != NULL && !has(p, "Recent posts"), "empty site: 404 has no list");
	free(p);
}

static void
test_css(void)
{
	static const char *const want[] = {
		"system-ui", "70ch", "prefers-color-scheme:dark",
		"overflow-x:auto", "max-width:100%", ":focus-visible",
		"blockquote", "th,td", "input[type=checkbox]", "scroll-margin",
		"pre{",
	};
	size_t len, open = 0, close = 0;
	const char *css = render_css(&len);

	ok(css != NULL && len == strlen(css), "css length matches");
	ok(len < 6 * 1024, "css is %zu bytes, under 6 KiB", len);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(has(css, want[i]), "css has %s", want[i]);
	for (size_t i = 0; i < len; i++) {
		open += css[i] == '{';
		close += css[i] == '}';
	}
	ok(open == close, "css braces balance (%zu, %zu)", open, close);
	ok(!has(css, "@import"), "css imports nothing");
	for (const char *u = css; (u = strstr(u, "url(")) != NULL; u++)
		ok(strncmp(u, "url(\"data:", 10) == 0, "css url() is data: only");
}

/*
 * A post or page whose page would pass PAGE_BYTES_MAX is refused whole;
 * its notice page keeps its head, title, tags and links, without the body.
 */
static void
test_too_large(void)
{
	struct render_ctx r = ctx();
	size_t len, big = PAGE_BYTES_MAX;
	char *html = malloc(big + 1), *p;
	const char *saved = posts[1].html;
	size_t saved_len = posts[1].html_len;

	if (html == NULL)
		return;
	memset(html, 'x', big);
	html[big] = '\0';
	posts[1].html = html;
	posts[1].html_len = big;
	ok(render_post(&r, 1, RENDER_TEXT, &len) == NULL,
	    "too large a post is refused");
	p = render_post(&r, 1, RENDER_NOTICE, &len);
	ok(p != NULL && len < big && !has(p, "xxxxxxxx"),
	    "its notice page leaves the body out");
	ok(has(p, "too long to be shown here"), "and says why");
	ok(has(p, "<h1>Second"), "its title");
	ok(has(p, "rel=\"prev\"") && has(p, "rel=\"next\""), "its neighbours");
	free(p);
	posts[1].html = (char *)saved;
	posts[1].html_len = saved_len;

	pages[0].html = html;
	pages[0].html_len = big;
	ok(render_page(&r, 0, RENDER_TEXT, &len) == NULL,
	    "too large a page is refused");
	p = render_page(&r, 0, RENDER_NOTICE, &len);
	ok(p != NULL && has(p, "too long to be shown here") &&
	    !has(p, "xxxxxxxx"), "its notice page");
	free(p);
	pages[0].html = NULL;
	pages[0].html_len = 0;
	free(html);
}

int
main(void)
{
	setup();
	test_index();
	test_posts();
	test_page_and_tags();
	test_404_and_empty();
	test_css();
	test_too_large();
	return test_done();
}
