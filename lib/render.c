/*
 * render.c: the built-in theme. Every HTML page is the same frame (head with
 * title, description, canonical URL and Open Graph; site header and nav;
 * footer) around one main part. This file owns that frame, the parts of each
 * kind of page, and the stylesheet they share.
 */
#include "render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "folio_limits.h"

/* "2026-03-14" plus room; "14 September 2026" plus room. */
#define DATE_ISO_MAX	16
#define DATE_TEXT_MAX	32
/* "2026-03-14T09:30:00Z" plus room. */
#define DATE_RFC3339_MAX 32
/* Recent posts offered on the 404 page as somewhere to go instead. */
#define NOTFOUND_RECENT	5
/* "Posts tagged <name>": a tag name is at most META_TEXT_MAX bytes. */
#define TAG_TITLE_MAX	(META_TEXT_MAX + 32)
/* Used when the context leaves these out. */
#define DEFAULT_TITLE	"folio"
#define DEFAULT_LANG	"en"

/* The body of a post or page whose page would pass PAGE_BYTES_MAX. */
#define TOO_LARGE_NOTICE "<p class=\"notice\">This text is too long to be " \
			"shown here.</p>\n"

#define EM_DASH		"\xe2\x80\x94"
#define MIDDOT		"<span class=\"sep\" aria-hidden=\"true\">\xc2\xb7</span>"

/* What the head of one page says about it. */
struct head {
	const char	*title;		/* NULL: the site title alone */
	const char	*desc;		/* NULL: the site description */
	const char	*fallback;	/* description when neither exists */
	const char	*path;		/* canonical path; NULL: none (404) */
	const char	*current;	/* nav href to mark aria-current */
	const struct doc *doc;		/* the post or page shown, or NULL */
};

static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

static const char *
or_default(const char *s, const char *def)
{
	return s != NULL && *s != '\0' ? s : def;
}

static const char *
site_title(const struct render_ctx *r)
{
	return or_default(r->title, DEFAULT_TITLE);
}

/* The base URL without trailing slashes, escaped for an attribute. */
static void
put_base(struct buf *b, const struct render_ctx *r)
{
	const char *base = r->base_url != NULL ? r->base_url : "";
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_html_n(b, base, n);
}

static void
put_abs(struct buf *b, const struct render_ctx *r, const char *path)
{
	put_base(b, r);
	buf_html(b, path);
}

/* True for "http://..." and "https://...": used as they are. */
static bool
is_absolute_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* True if a front-matter image may be used as a site URL: a path, absolute
 * or relative, never a scheme such as javascript: or data:. */
static bool
is_site_path(const char *s)
{
	size_t n = strcspn(s, ":/?#");

	return *s != '\0' && s[n] != ':';
}

/* The image as an absolute URL: a relative one resolves against the
 * directory of the document's URL, as a browser would resolve it. */
static void
put_image_abs(struct buf *b, const struct render_ctx *r, const struct doc *d)
{
	const char *img = d->meta.image, *slash;

	if (is_absolute_url(img)) {
		buf_html(b, img);
		return;
	}
	/* "//host/x" takes the scheme of the base URL. */
	if (img[0] == '/' && img[1] == '/') {
		slash = r->base_url != NULL ? strstr(r->base_url, "://") : NULL;
		if (slash != NULL)
			buf_html_n(b, r->base_url, (size_t)(slash -
			    r->base_url) + 1);
		else
			buf_puts(b, "https:");
		buf_html(b, img);
		return;
	}
	put_base(b, r);
	if (img[0] != '/') {
		slash = strrchr(d->url, '/');
		buf_html_n(b, d->url, slash ? (size_t)(slash - d->url) + 1 : 0);
		if (slash == NULL)
			buf_putc(b, '/');
	}
	buf_html(b, img);
}

static bool
fmt_tm(time_t t, struct tm *tm)
{
	return gmtime_r(&t, tm) != NULL;
}

static void
put_time(struct buf *b, time_t t)
{
	char iso[DATE_ISO_MAX], text[DATE_TEXT_MAX];
	struct tm tm;

	if (!fmt_tm(t, &tm))
		return;
	strftime(iso, sizeof(iso), "%Y-%m-%d", &tm);
	snprintf(text, sizeof(text), "%d %s %d", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900);
	buf_printf(b, "<time datetime=\"%s\">%s</time>", iso, text);
}

static void
put_rfc3339_meta(struct buf *b, const char *property, time_t t)
{
	char s[DATE_RFC3339_MAX];
	struct tm tm;

	if (!fmt_tm(t, &tm))
		return;
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(b, "<meta property=\"%s\" content=\"%s\">\n", property, s);
}

static bool
same_day(time_t a, time_t b)
{
	struct tm ta, tb;

	if (!fmt_tm(a, &ta) || !fmt_tm(b, &tb))
		return false;
	return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

static size_t
reading_minutes(size_t words)
{
	size_t m = words / READING_WPM + (words % READING_WPM != 0);

	return m > 0 ? m : 1;
}

static void
put_meta(struct buf *b, const char *attr, const char *name, const char *value)
{
	buf_printf(b, "<meta %s=\"%s\" content=\"", attr, name);
	buf_html(b, value);
	buf_puts(b, "\">\n");
}

static void
put_og(struct buf *b, const struct render_ctx *r, const struct head *h,
    const char *desc)
{
	const struct doc *d = h->doc;
	bool article = d != NULL && d->kind == DOC_POST;

	put_meta(b, "property", "og:site_name", site_title(r));
	put_meta(b, "property", "og:title", or_default(h->title, site_title(r)));
	buf_printf(b, "<meta property=\"og:type\" content=\"%s\">\n",
	    article ? "article" : "website");
	if (h->path != NULL) {
		buf_puts(b, "<meta property=\"og:url\" content=\"");
		put_abs(b, r, h->path);
		buf_puts(b, "\">\n");
	}
	put_meta(b, "property", "og:description", desc);
	if (d != NULL && d->meta.image != NULL &&
	    (is_absolute_url(d->meta.image) || is_site_path(d->meta.image))) {
		buf_puts(b, "<meta property=\"og:image\" content=\"");
		put_image_abs(b, r, d);
		buf_puts(b, "\">\n");
		if (d->image_width > 0 && d->image_height > 0)
			buf_printf(b, "<meta property=\"og:image:width\" "
			    "content=\"%u\">\n<meta property=\"og:image:"
			    "height\" content=\"%u\">\n", d->image_width,
			    d->image_height);
		/* Twitter takes the image from og:image; this asks for it
		 * large. */
		buf_puts(b, "<meta name=\"twitter:card\" "
		    "content=\"summary_large_image\">\n");
	}
	if (!article)
		return;
	if (d->meta.has_date)
		put_rfc3339_meta(b, "article:published_time", d->meta.date);
	if (d->meta.updated != 0)
		put_rfc3339_meta(b, "article:modified_time", d->meta.updated);
	for (size_t i = 0; i < d->meta.ntags; i++)
		put_meta(b, "property", "article:tag", d->meta.tags[i]);
}

static void
put_nav_item(struct buf *b, const char *href, const char *label,
    const char *current)
{
	buf_puts(b, "<li><a href=\"");
	buf_html(b, href);
	buf_putc(b, '"');
	if (current != NULL && strcmp(current, href) == 0)
		buf_puts(b, " aria-current=\"page\"");
	buf_putc(b, '>');
	buf_html(b, label);
	buf_puts(b, "</a></li>\n");
}

static void
put_header(struct buf *b, const struct render_ctx *r, const char *current)
{
	const struct site *s = r->site;

	buf_puts(b, "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
	    "<header class=\"site-header\">\n<div class=\"wrap\">\n"
	    "<a class=\"site-title\" href=\"/\">");
	buf_html(b, site_title(r));
	buf_puts(b, "</a>\n<nav aria-label=\"Site\">\n<ul>\n");
	put_nav_item(b, "/", "Home", current);
	put_nav_item(b, "/tags", "Tags", current);
	for (size_t i = 0; i < s->npages; i++)
		put_nav_item(b, s->pages[i].url, s->pages[i].meta.title,
		    current);
	buf_puts(b, "</ul>\n</nav>\n</div>\n</header>\n"
	    "<main id=\"main\" class=\"wrap\">\n");
}

/* Opens a page: everything up to the start of <main>'s contents. */
static void
put_open(struct buf *b, const struct render_ctx *r, const struct head *h)
{
	const char *desc = or_default(h->desc,
	    or_default(r->description, h->fallback));

	buf_puts(b, "<!doctype html>\n<html lang=\"");
	buf_html(b, or_default(r->language, DEFAULT_LANG));
	buf_puts(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
	if (h->title != NULL) {
		buf_html(b, h->title);
		buf_puts(b, " " EM_DASH " ");
	}
	buf_html(b, site_title(r));
	buf_puts(b, "</title>\n");
	put_meta(b, "name", "description", desc);
	if (h->path != NULL) {
		buf_puts(b, "<link rel=\"canonical\" href=\"");
		put_abs(b, r, h->path);
		buf_puts(b, "\">\n");
	} else
		buf_puts(b, "<meta name=\"robots\" content=\"noindex\">\n");
	put_og(b, r, h, desc);
	buf_puts(b, "<meta name=\"generator\" content=\"folio\">\n"
	    "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
	buf_html(b, site_title(r));
	buf_puts(b, "\" href=\"/feed.xml\">\n<link rel=\"stylesheet\" href=\"");
	buf_html(b, or_default(r->css_url, "/style.css"));
	buf_puts(b, "\">\n</head>\n<body>\n");
	put_header(b, r, h->current);
}

static void
put_close(struct buf *b)
{
	buf_puts(b, "</main>\n<footer class=\"site-footer\">\n"
	    "<div class=\"wrap\">\n<p><a href=\"/feed.xml\">Atom feed</a> "
	    MIDDOT " Powered by folio</p>\n</div>\n</footer>\n"
	    "</body>\n</html>\n");
}

/* The tags of post i, as links, in the site's tag order. */
static void
put_post_tags(struct buf *b, const struct render_ctx *r, size_t i)
{
	const struct site *s = r->site;
	const struct doc *d = &s->posts[i];

	if (d->ntag_idx == 0)
		return;
	buf_puts(b, "<ul class=\"tags\" aria-label=\"Tags\">\n");
	for (size_t k = 0; k < d->ntag_idx; k++) {
		const struct tag *t = &s->tags[d->tag_idx[k]];

		buf_puts(b, "<li><a rel=\"tag\" href=\"/tags/");
		buf_html(b, t->slug);
		buf_puts(b, "\">");
		buf_html(b, t->name);
		buf_puts(b, "</a></li>\n");
	}
	buf_puts(b, "</ul>\n");
}

/* Date, last update and reading time of a post, on one line. */
static void
put_post_meta(struct buf *b, const struct doc *d, bool updated)
{
	buf_puts(b, "<p class=\"meta\">");
	if (d->meta.has_date) {
		put_time(b, d->meta.date);
		buf_puts(b, " " MIDDOT " ");
	}
	if (updated && d->meta.updated != 0 &&
	    !same_day(d->meta.updated, d->meta.date)) {
		buf_puts(b, "Updated ");
		put_time(b, d->meta.updated);
		buf_puts(b, " " MIDDOT " ");
	}
	buf_printf(b, "%zu min read</p>\n", reading_minutes(d->words));
}

static void
put_post_item(struct buf *b, const struct render_ctx *r, size_t i)
{
	const struct doc *d = &r->site->posts[i];

	buf_puts(b, "<li>\n<article>\n<h2><a href=\"");
	buf_html(b, d->url);
	buf_puts(b, "\">");
	buf_html(b, d->meta.title);
	buf_puts(b, "</a></h2>\n");
	put_post_meta(b, d, false);
	if (d->meta.summary != NULL) {
		buf_puts(b, "<p class=\"summary\">");
		buf_html(b, d->meta.summary);
		buf_puts(b, "</p>\n");
	}
	put_post_tags(b, r, i);
	buf_puts(b, "</article>\n</li>\n");
}

static size_t
per_page(const struct render_ctx *r)
{
	return r->per_page > 0 ? r->per_page : POSTS_PER_PAGE_DEFAULT;
}

size_t
render_index_pages(const struct render_ctx *r)
{
	size_t n = r->site->nposts, pp = per_page(r);
	size_t pages = n / pp + (n % pp != 0);

	return pages > 0 ? pages : 1;
}

static void
put_pagination(struct buf *b, size_t page, size_t pages)
{
	if (pages < 2)
		return;
	buf_puts(b, "<nav class=\"pagination\" aria-label=\"Pagination\">\n");
	if (page == 2)
		buf_puts(b, "<a class=\"newer\" rel=\"prev\" href=\"/\">");
	else if (page > 2)
		buf_printf(b, "<a class=\"newer\" rel=\"prev\" "
		    "href=\"/page/%zu\">", page - 1);
	if (page > 1)
		buf_puts(b, "&larr; Newer posts</a>\n");
	buf_printf(b, "<span class=\"pages\">Page %zu of %zu</span>\n", page,
	    pages);
	if (page < pages)
		buf_printf(b, "<a class=\"older\" rel=\"next\" href=\"/page/%zu\">"
		    "Older posts &rarr;</a>\n", page + 1);
	buf_puts(b, "</nav>\n");
}

static void
put_empty(struct buf *b)
{
	buf_puts(b, "<div class=\"empty\">\n<p>Nothing has been published "
	    "here yet.</p>\n<p>Check back soon, or follow the "
	    "<a href=\"/feed.xml\">Atom feed</a> to hear about the first "
	    "post.</p>\n</div>\n");
}

char *
render_index(const struct render_ctx *r, size_t page, size_t *len)
{
	const struct site *s = r->site;
	size_t pages = render_index_pages(r), pp = per_page(r);
	size_t first, last;
	char path[DATE_TEXT_MAX], title[DATE_TEXT_MAX];
	struct head h = { .path = "/", .current = "/" };
	struct buf b;

	if (page < 1 || page > pages)
		return NULL;
	first = (page - 1) * pp;
	last = s->nposts - first < pp ? s->nposts : first + pp;
	if (page > 1) {
		snprintf(path, sizeof(path), "/page/%zu", page);
		snprintf(title, sizeof(title), "Page %zu", page);
		h.path = path;
		h.title = title;
		h.current = NULL;
	}
	h.fallback = "The latest posts.";
	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	if (page == 1) {
		buf_puts(&b, "<h1 class=\"sr-only\">Latest posts</h1>\n");
		if (r->description != NULL && *r->description != '\0') {
			buf_puts(&b, "<p class=\"lede\">");
			buf_html(&b, r->description);
			buf_puts(&b, "</p>\n");
		}
	} else
		buf_printf(&b, "<h1 class=\"list-title\">Older posts, page %zu"
		    " of %zu</h1>\n", page, pages);
	if (s->nposts == 0)
		put_empty(&b);
	else {
		buf_puts(&b, "<ul class=\"post-list\">\n");
		for (size_t i = first; i < last; i++)
			put_post_item(&b, r, i);
		buf_puts(&b, "</ul>\n");
	}
	put_pagination(&b, page, pages);
	put_close(&b);
	return buf_take(&b, len);
}

static void
put_neighbour(struct buf *b, const struct doc *d, const char *cls,
    const char *rel, const char *label)
{
	buf_printf(b, "<a class=\"%s\" rel=\"%s\" href=\"", cls, rel);
	buf_html(b, d->url);
	buf_printf(b, "\"><span class=\"label\">%s</span> ", label);
	buf_html(b, d->meta.title);
	buf_puts(b, "</a>\n");
}

static void
put_post_nav(struct buf *b, const struct site *s, size_t i)
{
	if (s->nposts < 2)
		return;
	buf_puts(b, "<nav class=\"post-nav\" aria-label=\"More posts\">\n");
	if (i > 0)
		put_neighbour(b, &s->posts[i - 1], "newer", "prev",
		    "&larr; Newer");
	if (i + 1 < s->nposts)
		put_neighbour(b, &s->posts[i + 1], "older", "next",
		    "Older &rarr;");
	buf_puts(b, "</nav>\n");
}

/* The head of the page of d, a post or page. */
static struct head
doc_head(const struct doc *d, const char *fallback)
{
	return (struct head){ .title = d->meta.title, .desc = d->meta.summary,
	    .fallback = fallback, .path = d->url, .doc = d };
}

/* The body of d's page: its text, or the notice in its place. */
static void
put_body(struct buf *b, const struct doc *d, enum render_body body)
{
	buf_puts(b, "<div class=\"content\">\n");
	if (body == RENDER_NOTICE)
		buf_puts(b, TOO_LARGE_NOTICE);
	else if (d->html != NULL)
		buf_append(b, d->html, d->html_len);
	buf_puts(b, "</div>\n");
}

char *
render_post(const struct render_ctx *r, size_t i, enum render_body body,
    size_t *len)
{
	const struct site *s = r->site;
	const struct doc *d;
	struct head h;
	struct buf b;

	if (i >= s->nposts)
		return NULL;
	d = &s->posts[i];
	h = doc_head(d, "A post.");
	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	buf_puts(&b, "<article class=\"post\">\n<header class=\"post-header\">"
	    "\n<h1>");
	buf_html(&b, d->meta.title);
	buf_puts(&b, "</h1>\n");
	put_post_meta(&b, d, true);
	put_post_tags(&b, r, i);
	buf_puts(&b, "</header>\n");
	put_body(&b, d, body);
	buf_puts(&b, "</article>\n");
	put_post_nav(&b, s, i);
	put_close(&b);
	return buf_take(&b, len);
}

char *
render_page(const struct render_ctx *r, size_t i, enum render_body body,
    size_t *len)
{
	const struct site *s = r->site;
	const struct doc *d;
	struct head h;
	struct buf b;

	if (i >= s->npages)
		return NULL;
	d = &s->pages[i];
	h = doc_head(d, "A page.");
	h.current = d->url;
	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	buf_puts(&b, "<article class=\"page\">\n<h1>");
	buf_html(&b, d->meta.title);
	buf_puts(&b, "</h1>\n");
	put_body(&b, d, body);
	buf_puts(&b, "</article>\n");
	put_close(&b);
	return buf_take(&b, len);
}

static void
put_count(struct buf *b, size_t n)
{
	buf_printf(b, "<span class=\"count\">%zu %s</span>", n,
	    n == 1 ? "post" : "posts");
}

char *
render_tags(const struct render_ctx *r, size_t *len)
{
	const struct site *s = r->site;
	struct head h = {
		.title = "Tags",
		.fallback = "Every tag, with its posts.",
		.path = "/tags",
		.current = "/tags",
	};
	struct buf b;

	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	buf_puts(&b, "<h1>Tags</h1>\n");
	if (s->ntags == 0)
		buf_puts(&b, "<p class=\"empty\">No posts have tags yet.</p>\n");
	else
		buf_puts(&b, "<ul class=\"tag-list\">\n");
	for (size_t i = 0; i < s->ntags; i++) {
		buf_puts(&b, "<li><a href=\"/tags/");
		buf_html(&b, s->tags[i].slug);
		buf_puts(&b, "\">");
		buf_html(&b, s->tags[i].name);
		buf_puts(&b, "</a> ");
		put_count(&b, s->tags[i].nposts);
		buf_puts(&b, "</li>\n");
	}
	if (s->ntags > 0)
		buf_puts(&b, "</ul>\n");
	put_close(&b);
	return buf_take(&b, len);
}

char *
render_tag(const struct render_ctx *r, size_t i, size_t *len)
{
	const struct site *s = r->site;
	const struct tag *t;
	char path[INDEX_PATH_MAX], title[TAG_TITLE_MAX];
	struct head h = { .fallback = "Posts with this tag." };
	struct buf b;
	int n;

	if (i >= s->ntags)
		return NULL;
	t = &s->tags[i];
	n = snprintf(path, sizeof(path), "/tags/%s", t->slug);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	/* A name too long for the title (never, within META_TEXT_MAX) is
	 * shown alone rather than cut in the middle of a character. */
	n = snprintf(title, sizeof(title), "Posts tagged %s", t->name);
	h.title = n < 0 || (size_t)n >= sizeof(title) ? t->name : title;
	h.path = path;
	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	buf_puts(&b, "<header class=\"list-header\">\n<h1>Posts tagged "
	    "<q>");
	buf_html(&b, t->name);
	buf_puts(&b, "</q></h1>\n<p class=\"meta\">");
	put_count(&b, t->nposts);
	buf_puts(&b, " " MIDDOT " <a href=\"/tags\">All tags</a></p>\n"
	    "</header>\n<ul class=\"post-list\">\n");
	for (size_t k = 0; k < t->nposts; k++)
		if (t->posts[k] < s->nposts)
			put_post_item(&b, r, t->posts[k]);
	buf_puts(&b, "</ul>\n");
	put_close(&b);
	return buf_take(&b, len);
}

char *
render_404(const struct render_ctx *r, size_t *len)
{
	const struct site *s = r->site;
	size_t n = s->nposts < NOTFOUND_RECENT ? s->nposts : NOTFOUND_RECENT;
	struct head h = {
		.title = "Page not found",
		.desc = "There is no page at this address.",
	};
	struct buf b;

	buf_init(&b, PAGE_BYTES_MAX);
	put_open(&b, r, &h);
	buf_puts(&b, "<div class=\"notfound\">\n<h1>Page not found</h1>\n"
	    "<p>Sorry, there is nothing at this address. The page may have "
	    "moved, or the link may have a typo in it.</p>\n"
	    "<p><a href=\"/\">Go to the home page</a> or browse "
	    "<a href=\"/tags\">posts by tag</a>.</p>\n");
	if (n > 0)
		buf_puts(&b, "<h2>Recent posts</h2>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, "<li><a href=\"");
		buf_html(&b, s->posts[i].url);
		buf_puts(&b, "\">");
		buf_html(&b, s->posts[i].meta.title);
		buf_puts(&b, "</a></li>\n");
	}
	if (n > 0)
		buf_puts(&b, "</ul>\n");
	buf_puts(&b, "</div>\n");
	put_close(&b);
	return buf_take(&b, len);
}

/*
 * The stylesheet. Colours are custom properties so dark mode only swaps
 * them; every text/background pair passes WCAG AA (4.5:1) in both schemes.
 */
static const char css[] =
":root{color-scheme:light dark;--bg:#fff;--fg:#1f2329;--muted:#596170;"
"--accent:#0b57c4;--check:#0b57c4;--rule:#dfe3e8;--soft:#f3f5f7;"
"--code:#f3f4f6;"
"--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"
"\"Liberation Mono\",monospace}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e3e6ea;"
"--muted:#9ea7b3;--accent:#80b3ff;--check:#2f6fde;--rule:#2e333a;"
"--soft:#1e2126;--code:#1e2227}}\n"
"*,*::before,*::after{box-sizing:border-box}\n"
"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
"body{margin:0;background:var(--bg);color:var(--fg);"
"font:1.0625rem/1.65 system-ui,-apple-system,\"Segoe UI\",Roboto,"
"\"Helvetica Neue\",Arial,\"Noto Sans\",sans-serif;overflow-wrap:break-word}\n"
".wrap{max-width:calc(70ch + 2.5rem);margin:0 auto;padding-left:1.25rem;"
"padding-right:1.25rem}\n"
"a{color:var(--accent);text-decoration-thickness:1px;"
"text-underline-offset:.15em}\n"
"a:hover{text-decoration-thickness:2px}\n"
":focus-visible{outline:3px solid var(--accent);outline-offset:2px;"
"border-radius:2px}\n"
".skip{position:absolute;left:-100vw;top:.5rem;padding:.5rem 1rem;"
"background:var(--bg)}\n"
".skip:focus{left:.5rem;z-index:1}\n"
".sr-only{position:absolute;width:1px;height:1px;overflow:hidden;"
"clip:rect(0 0 0 0);white-space:nowrap}\n"
".site-header{border-bottom:1px solid var(--rule)}\n"
".site-header .wrap{display:flex;flex-wrap:wrap;align-items:baseline;"
"justify-content:space-between;gap:.5rem 1.5rem;padding-top:1.25rem;"
"padding-bottom:1.25rem}\n"
".site-title{font-size:1.2rem;font-weight:700;color:var(--fg);"
"text-decoration:none}\n"
".site-header ul{list-style:none;margin:0;padding:0;display:flex;"
"flex-wrap:wrap;gap:.25rem 1.25rem}\n"
".site-header nav a{color:var(--muted);text-decoration:none}\n"
".site-header nav a:hover,.site-header nav a[aria-current]{color:var(--fg);"
"text-decoration:underline}\n"
"main{padding-top:2.5rem;padding-bottom:3rem}\n"
"h1,h2,h3,h4,h5,h6{line-height:1.25;margin:2em 0 .5em}\n"
"h1{font-size:2rem;margin-top:0;letter-spacing:-.01em}\n"
"h2{font-size:1.45rem}h3{font-size:1.2rem}h4,h5,h6{font-size:1rem}\n"
"[id]{scroll-margin-top:1rem}\n"
"p,ul,ol,dl,pre,table,blockquote{margin:0 0 1.25rem}\n"
".content li+li{margin-top:.25rem}\n"
"img,video{max-width:100%;height:auto}\n"
"hr{border:0;border-top:1px solid var(--rule);margin:2.5rem 0}\n"
"code,kbd,samp,pre{font-family:var(--mono);font-size:.875em}\n"
":not(pre)>code{background:var(--code);padding:.1em .35em;"
"border-radius:4px}\n"
"pre{background:var(--code);border:1px solid var(--rule);border-radius:6px;"
"padding:.9rem 1rem;overflow-x:auto;line-height:1.5;tab-size:4}\n"
"pre code{font-size:inherit}\n"
"blockquote{margin-left:0;margin-right:0;padding:.1rem 0 .1rem 1rem;"
"border-left:4px solid var(--rule);color:var(--muted)}\n"
"blockquote>:last-child{margin-bottom:0}\n"
"table{display:block;max-width:100%;overflow-x:auto;"
"border-collapse:collapse;font-size:.95rem}\n"
"th,td{border:1px solid var(--rule);padding:.4rem .75rem;"
"vertical-align:top}\n"
"th{background:var(--soft)}th:not([align]){text-align:left}\n"
"li:has(>input[type=checkbox]){list-style:none}\n"
"ul:has(>li>input[type=checkbox]){padding-left:1.25rem}\n"
"input[type=checkbox]{-webkit-appearance:none;appearance:none;width:1em;"
"height:1em;margin:0 .45em 0 0;vertical-align:-.125em;border:2px solid "
"var(--muted);border-radius:3px;background:var(--bg) center/80% no-repeat}\n"
"input[type=checkbox]:checked{border-color:var(--check);"
"background-color:var(--check);background-image:url(\"data:image/svg+xml,"
"%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Cpath "
"d='M1 4.2l2 2L7 1.8' fill='none' stroke='%23fff' stroke-width='1.6'/%3E"
"%3C/svg%3E\")}\n"
"mark{background:#fde68a;color:#1f2329}\n"
".meta{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}\n"
".sep{margin:0 .3em}\n"
".lede{font-size:1.15rem;color:var(--muted);margin-bottom:2rem}\n"
".post-list{list-style:none;margin:0;padding:0}\n"
".post-list>li{padding:1.5rem 0;border-bottom:1px solid "
"var(--rule)}\n"
".post-list>li:first-child{padding-top:0}\n"
".post-list>li:last-child{border-bottom:0}\n"
".post-list h2{font-size:1.35rem;margin:0 0 .3rem}\n"
".post-list h2 a{color:var(--fg);text-decoration:none}\n"
".post-list h2 a:hover{color:var(--accent);text-decoration:underline}\n"
".summary{margin:.5rem 0}\n"
".tags{list-style:none;padding:0;margin:.75rem 0 0;display:flex;"
"flex-wrap:wrap;gap:.4rem}\n"
".tags a{display:inline-block;font-size:.8rem;line-height:1.6;"
"padding:0 .6rem;border:1px solid var(--rule);border-radius:1rem;"
"background:var(--soft);color:var(--muted);text-decoration:none}\n"
".tags a:hover{color:var(--fg);border-color:var(--muted)}\n"
".post-header{margin-bottom:2rem}\n"
".content>:first-child{margin-top:0}\n"
".tag-list{list-style:none;padding:0;columns:2 14rem;column-gap:2rem}\n"
".tag-list li{padding:.2rem 0;break-inside:avoid}\n"
".tag-list .count{color:var(--muted);font-size:.9rem;margin-left:.35em}\n"
".list-header{margin-bottom:1.5rem}\n"
".post-header h1,.list-header h1{margin-bottom:.4rem}\n"
".list-title{font-size:1.5rem}\n"
".pagination,.post-nav{display:flex;flex-wrap:wrap;"
"justify-content:space-between;align-items:baseline;gap:1rem;"
"margin-top:2.5rem;padding-top:1.5rem;border-top:1px solid var(--rule)}\n"
".pagination .pages{color:var(--muted);font-size:.9rem}\n"
".older{margin-left:auto;text-align:right}\n"
".post-nav a{flex:1 1 14rem;text-decoration:none}\n"
".post-nav a:hover{text-decoration:underline}\n"
".post-nav .label{display:block;font-size:.8rem;color:var(--muted);"
"text-transform:uppercase;letter-spacing:.05em}\n"
".empty,.notfound{padding:2rem 0}\n"
".site-footer{border-top:1px solid var(--rule);color:var(--muted)}\n"
".site-footer .wrap{padding-top:1.5rem;padding-bottom:2rem}\n"
".site-footer p{margin:0;font-size:.9rem}\n"
"@media (max-width:30rem){body{font-size:1rem}h1{font-size:1.6rem}"
"main{padding-top:1.75rem}}\n"
"@media print{.skip,.site-header nav,.pagination,.post-nav,.site-footer"
"{display:none}a{color:inherit}}\n";

const char *
render_css(size_t *len)
{
	if (len != NULL)
		*len = sizeof(css) - 1;
	return css;
}
