/*
 * build.c: one index build, from content tree to page index. Decides every
 * route of the site, the headers each is served with, and which of two
 * claims to one path wins: generated routes win over files in static/,
 * except feed.xml, sitemap.xml and robots.txt, which a file may replace.
 */
#include "build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content.h"
#include "feed.h"
#include "hash.h"
#include "index.h"
#include "folio_limits.h"
#include "log.h"
#include "mime.h"
#include "render.h"

#define CSP	"default-src 'self'; img-src 'self' data:; script-src 'none'; " \
		"object-src 'none'; base-uri 'self'; form-action 'self'; "	\
		"frame-ancestors 'none'"
#define SECURITY_HEADERS						\
	"Content-Security-Policy: " CSP "\r\n"				\
	"X-Content-Type-Options: nosniff\r\n"				\
	"Referrer-Policy: strict-origin-when-cross-origin\r\n"

#define TYPE_HTML	"text/html; charset=utf-8"
#define TYPE_CSS	"text/css; charset=utf-8"
#define TYPE_ATOM	"application/atom+xml; charset=utf-8"
#define TYPE_XML	"application/xml; charset=utf-8"
#define TYPE_TEXT	"text/plain; charset=utf-8"
#define CSS_URL_MAX	64	/* "/assets/style.<16 hex>.css" */
#define ROUTE_TEXT_MAX	32	/* "/page/<n>" */

/* Generated routes a file in static/ may replace. */
static const char *const overridable[] = {
	"/feed.xml", "/sitemap.xml", "/robots.txt",
};

struct builder {
	const struct conf	*conf;
	struct site		*site;
	struct render_ctx	 ctx;
	uint64_t		 fingerprint;	/* what every post page depends on */
	struct ixb		*ixb;
	char			 css_url[CSS_URL_MAX];
	char			 page_cache[CONF_TEXT_MAX];	/* Cache-Control of pages */
	char			 page_headers[INDEX_HEADERS_MAX];
	char			**routes;	/* generated paths, sorted */
	size_t			 nroutes;
	size_t			 problems;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_overridable(const char *url)
{
	for (size_t i = 0; i < sizeof(overridable) / sizeof(overridable[0]); i++)
		if (strcmp(url, overridable[i]) == 0)
			return true;
	return false;
}

static bool
is_generated(const struct builder *b, const char *url)
{
	return bsearch(&url, b->routes, b->nroutes, sizeof(char *),
	    cmp_str) != NULL;
}

static int
push_route(struct builder *b, size_t cap, const char *path)
{
	if (b->nroutes == cap || (b->routes[b->nroutes] = strdup(path)) == NULL)
		return -1;
	b->nroutes++;
	return 0;
}

/* Lists every generated path, so static files can be checked against them
 * before anything is written. */
static int
collect_routes(struct builder *b)
{
	const struct site *s = b->ctx.site;
	size_t pages = render_index_pages(&b->ctx);
	size_t cap = 1 + pages + s->nposts + s->npages + 1 + s->ntags + 4;
	char text[ROUTE_TEXT_MAX];
	int rc = 0;

	if ((b->routes = calloc(cap, sizeof(char *))) == NULL)
		return -1;
	rc |= push_route(b, cap, "/");
	for (size_t p = 2; p <= pages; p++) {
		snprintf(text, sizeof(text), "/page/%zu", p);
		rc |= push_route(b, cap, text);
	}
	for (size_t i = 0; i < s->nposts; i++)
		rc |= push_route(b, cap, s->posts[i].url);
	for (size_t i = 0; i < s->npages; i++)
		rc |= push_route(b, cap, s->pages[i].url);
	rc |= push_route(b, cap, "/tags");
	for (size_t i = 0; i < s->ntags; i++) {
		char *t = NULL;
		if (asprintf(&t, "/tags/%s", s->tags[i].slug) == -1)
			return -1;
		rc |= push_route(b, cap, t);
		free(t);
	}
	rc |= push_route(b, cap, b->css_url);
	for (size_t i = 0; i < sizeof(overridable) / sizeof(overridable[0]); i++)
		rc |= push_route(b, cap, overridable[i]);
	qsort(b->routes, b->nroutes, sizeof(char *), cmp_str);
	return rc;
}

static void
free_routes(struct builder *b)
{
	for (size_t i = 0; i < b->nroutes; i++)
		free(b->routes[i]);
	free(b->routes);
}

static void
headers_for(char *out, size_t outlen, const char *type, const char *cache)
{
	snprintf(out, outlen, "Content-Type: %s\r\nCache-Control: %s\r\n"
	    SECURITY_HEADERS, type, cache);
}

/* Adds a rendered body (owned: freed here). A body the theme could not
 * render (too large) is logged and its route left out. */
static void
add_page(struct builder *b, const char *path, int status,
    enum route_kind route, const char *headers, char *body, size_t len,
    const char *what)
{
	if (body == NULL) {
		log_warnx("%s: could not be rendered (larger than %u bytes?);"
		    " left out", what, PAGE_BYTES_MAX);
		b->problems++;
		return;
	}
	(void)ixb_add_page(b->ixb, path, status, route, headers, body, len, true);
	free(body);
}

static void
add_lists(struct builder *b)
{
	const struct site *s = b->ctx.site;
	size_t len, pages = render_index_pages(&b->ctx);
	char path[ROUTE_TEXT_MAX];
	char *body;

	for (size_t p = 1; p <= pages; p++) {
		if (p == 1)
			snprintf(path, sizeof(path), "/");
		else
			snprintf(path, sizeof(path), "/page/%zu", p);
		body = render_index(&b->ctx, p, &len);
		add_page(b, path, 200, ROUTE_HOME, b->page_headers, body, len,
		    path);
	}
	body = render_tags(&b->ctx, &len);
	add_page(b, "/tags", 200, ROUTE_TAG, b->page_headers, body, len, "/tags");
	for (size_t i = 0; i < s->ntags; i++) {
		char *tpath = NULL;
		if (asprintf(&tpath, "/tags/%s", s->tags[i].slug) == -1)
			continue;
		body = render_tag(&b->ctx, i, &len);
		add_page(b, tpath, 200, ROUTE_TAG, b->page_headers, body, len,
		    tpath);
		free(tpath);
	}
}

/*
 * The identity of this foliod binary. Pages it made are reused only by the
 * same binary: a new theme must never be hidden behind old pages.
 */
static uint64_t
binary_identity(void)
{
	struct stat st;
	uint64_t id[4] = { 0, 0, 0, 0 };

	if (stat("/proc/self/exe", &st) == 0) {
		id[0] = (uint64_t)st.st_ino;
		id[1] = (uint64_t)st.st_size;
		id[2] = (uint64_t)st.st_mtim.tv_sec;
		id[3] = (uint64_t)st.st_mtim.tv_nsec;
	}
	return hash64(id, sizeof(id));
}

/* Everything besides its own source that shapes every post page: the
 * binary, the settings, the headers, and the navigation (pages). */
static uint64_t
site_fingerprint(const struct builder *b)
{
	const struct render_ctx *r = &b->ctx;
	uint64_t h = binary_identity();

	h = hash64_str(h, b->page_headers);
	h = hash64_str(h, r->base_url);
	h = hash64_str(h, r->title);
	h = hash64_str(h, r->description);
	h = hash64_str(h, r->author);
	h = hash64_str(h, r->language);
	h = hash64_str(h, r->css_url);
	for (size_t i = 0; i < b->site->npages; i++) {
		h = hash64_str(h, b->site->pages[i].url);
		h = hash64_str(h, b->site->pages[i].meta.title);
	}
	return h;
}

/* What post i's page is made from: its source, its neighbours' links, the
 * names of its tags, and the site. Equal keys, equal pages. */
static uint64_t
post_key(const struct builder *b, size_t i)
{
	const struct site *s = b->site;
	uint64_t h = hash64_add(b->fingerprint, &s->posts[i].src_hash,
	    sizeof(s->posts[i].src_hash));

	h = hash64_str(h, s->posts[i].url);
	for (size_t n = i > 0 ? i - 1 : i; n <= i + 1 && n < s->nposts; n++) {
		h = hash64_str(h, s->posts[n].url);
		h = hash64_str(h, s->posts[n].meta.title);
	}
	for (size_t t = 0; t < s->ntags; t++)
		if (content_tag_has(&s->tags[t], i)) {
			h = hash64_str(h, s->tags[t].slug);
			h = hash64_str(h, s->tags[t].name);
		}
	return h | 1;	/* never 0, which means "no key" */
}

/* Markdown for a doc, when it has to be rendered after all. */
static bool
render_markdown(struct builder *b, struct doc *d)
{
	if (content_render(d, b->conf->unsafe_html) == 0)
		return true;
	log_warnx("%s: out of memory rendering markdown; left out", d->src);
	b->problems++;
	return false;
}

/* Posts whose page would come out the same are copied from the previous
 * index whole, without even their markdown being rendered. */
static void
add_docs(struct builder *b)
{
	struct site *s = b->site;
	size_t len;
	char *body;

	for (size_t i = 0; i < s->nposts; i++) {
		struct doc *d = &s->posts[i];
		uint64_t key = post_key(b, i);
		int copied = ixb_copy_keyed(b->ixb, d->url, key);
		if (copied != 0 || !render_markdown(b, d))
			continue;
		if ((body = render_post(&b->ctx, i, &len)) == NULL) {
			add_page(b, d->url, 200, ROUTE_POST, NULL, NULL, 0, d->src);
			continue;
		}
		(void)ixb_add_page_keyed(b->ixb, d->url, 200, ROUTE_POST,
		    b->page_headers, body, len, true, key);
		free(body);
	}
	for (size_t i = 0; i < s->npages; i++) {
		if (!render_markdown(b, &s->pages[i]))
			continue;
		body = render_page(&b->ctx, i, &len);
		add_page(b, s->pages[i].url, 200, ROUTE_PAGE, b->page_headers,
		    body, len, s->pages[i].src);
	}
}

/* feed.xml, sitemap.xml and robots.txt, unless static/ has its own. */
static void
add_machine_files(struct builder *b)
{
	static const struct {
		const char *path, *type;
		char *(*render)(const struct render_ctx *, size_t *);
	} files[] = {
		{ "/sitemap.xml", TYPE_XML, feed_sitemap },
		{ "/robots.txt", TYPE_TEXT, feed_robots },
	};
	char headers[INDEX_HEADERS_MAX];
	size_t len;
	char *body;

	if (content_asset(b->ctx.site, "/feed.xml") == NULL) {
		size_t n = (size_t)b->conf->feed_entries;
		for (size_t i = 0; i < n && i < b->site->nposts; i++)
			(void)render_markdown(b, &b->site->posts[i]);
		headers_for(headers, sizeof(headers), TYPE_ATOM, b->page_cache);
		body = feed_atom(&b->ctx, (size_t)b->conf->feed_entries, &len);
		add_page(b, "/feed.xml", 200, ROUTE_FEED, headers, body, len,
		    "/feed.xml");
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (content_asset(b->ctx.site, files[i].path) != NULL)
			continue;
		headers_for(headers, sizeof(headers), files[i].type,
		    b->page_cache);
		body = files[i].render(&b->ctx, &len);
		add_page(b, files[i].path, 200, ROUTE_FEED, headers, body, len,
		    files[i].path);
	}
}

static void
add_theme(struct builder *b)
{
	char headers[INDEX_HEADERS_MAX], cache[CONF_TEXT_MAX];
	const char *css;
	size_t len;
	char *body;

	css = render_css(&len);
	snprintf(cache, sizeof(cache), "public, max-age=%d, immutable",
	    IMMUTABLE_MAX_AGE);
	headers_for(headers, sizeof(headers), TYPE_CSS, cache);
	(void)ixb_add_page(b->ixb, b->css_url, 200, ROUTE_ASSET, headers, css,
	    len, true);

	headers_for(headers, sizeof(headers), TYPE_HTML, "no-cache");
	body = render_404(&b->ctx, &len);
	add_page(b, "", 404, ROUTE_NOTFOUND, headers, body, len, "404 page");
}

static void
add_assets(struct builder *b)
{
	const struct site *s = b->ctx.site;
	char headers[INDEX_HEADERS_MAX], cache[CONF_TEXT_MAX];

	snprintf(cache, sizeof(cache), "public, max-age=%d", FILE_MAX_AGE);
	for (size_t i = 0; i < s->nassets; i++) {
		const struct asset *a = &s->assets[i];
		if (!is_overridable(a->url) && is_generated(b, a->url)) {
			log_warnx("%s:1: %s is a route of the site; this file"
			    " is not served", a->src, a->url);
			b->problems++;
			continue;
		}
		headers_for(headers, sizeof(headers), mime_type(a->url), cache);
		(void)ixb_add_file(b->ixb, a->url, ROUTE_STATIC, headers, a->src);
	}
}

static void
setup_ctx(struct builder *b, const struct conf *c, const struct site *s)
{
	size_t len;
	const char *css = render_css(&len);
	char hex[17];

	hash64_hex(hash64(css, len), hex);
	snprintf(b->css_url, sizeof(b->css_url), "/assets/style.%s.css", hex);
	b->ctx = (struct render_ctx){
		.site = s,
		.base_url = c->base_url,
		.title = c->site_title,
		.description = c->site_description,
		.author = c->site_author,
		.language = c->site_language,
		.css_url = b->css_url,
		.per_page = (size_t)c->posts_per_page,
	};
	snprintf(b->page_cache, sizeof(b->page_cache),
	    "public, max-age=%d, s-maxage=%d", c->max_age, c->s_maxage);
	headers_for(b->page_headers, sizeof(b->page_headers), TYPE_HTML,
	    b->page_cache);
}

/* The index being replaced, whose compressed bodies may be reused. A
 * missing or unusable one just means compressing everything. */
static bool
open_previous(const char *dir, const char *name, struct index *prev)
{
	char path[PATH_MAX], err[CONF_ERR_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || access(path, F_OK) == -1)
		return false;
	if (index_open(prev, path, err, sizeof(err)) == -1) {
		log_warnx("previous index not reused: %s", err);
		return false;
	}
	return true;
}

static uint32_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint32_t)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

int
build_site(const struct conf *conf, uint64_t generation, time_t now,
    const char *dir, const char *name, struct build_result *res, char *err,
    size_t errlen)
{
	struct content_opts opts = { .now = now,
	    .unsafe_html = conf->unsafe_html, .defer_markdown = true };
	struct site site;
	struct builder b = { .conf = conf, .site = &site };
	struct index prev;
	bool have_prev = false;
	struct timespec t0;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	if (content_load(&site, conf->content_dir, &opts, err, errlen) == -1)
		return -1;
	setup_ctx(&b, conf, &site);
	if (collect_routes(&b) == -1) {
		snprintf(err, errlen, "out of memory listing routes");
		goto out;
	}
	if ((b.ixb = ixb_open(dir, name, err, errlen)) == NULL)
		goto out;
	have_prev = open_previous(dir, name, &prev);
	if (have_prev)
		ixb_reuse(b.ixb, &prev);
	b.fingerprint = site_fingerprint(&b);
	add_theme(&b);
	add_lists(&b);
	add_docs(&b);
	add_machine_files(&b);
	add_assets(&b);
	res->entries = ixb_count(b.ixb);
	res->reused = ixb_reused(b.ixb);
	res->problems = site.problems + b.problems;
	res->next_publish = site.next_publish;
	res->ms = ms_since(&t0);
	rc = ixb_commit(b.ixb, generation, site.root, site.next_publish,
	    res->ms, err, errlen);
out:
	if (have_prev)
		index_close(&prev);
	free_routes(&b);
	content_free(&site);
	return rc;
}
