/*
 * build.c: one index build, from content tree to page index. Decides every
 * route of the site, the headers each is served with, and which of two
 * claims to one path wins: generated routes win over files in static/,
 * except feed.xml, sitemap.xml and robots.txt, which a file may replace.
 * Also tells markdown what the site's images are (version, size), so posts
 * get responsive <img> tags through /_img.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "buf.h"
#include "compress.h"
#include "content.h"
#include "feed.h"
#include "hash.h"
#include "image.h"
#include "index.h"
#include "folio_limits.h"
#include "log.h"
#include "markdown.h"
#include "mdarena.h"
#include "mime.h"
#include "render.h"
#include "srccache.h"

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
/* Bytes of an image read first to probe its header: a JPEG's EXIF and ICC
 * segments fit in this nearly always; one whose header does not is read
 * whole (up to image_max_bytes). */
#define PROBE_HEAD_BYTES	((size_t)256 << 10)
/* Megapixels, as image_max_pixels counts them. */
#define MEGAPIXEL	1000000ULL
/* The source cache kept in the index: a few hundred bytes per source, so
 * this holds well over 100000 posts; a larger site just reads every source
 * on every build. */
#define SOURCES_BLOB_MAX	((size_t)64 << 20)

/*
 * An image of the site that /_img can resize: its version, taken for every
 * one when the build starts (post keys depend on it), and its size, probed
 * when a page first shows it, so an image many posts use is read once.
 */
struct site_image {
	const char	*url;		/* the asset's: "/images/a.jpg" */
	const char	*src;		/* relative to the content root */
	char		 version[17];	/* file_version(), "" if unreadable */
	bool		 probed;
	bool		 as_is;		/* served only as it is (animated) */
	char		*why;		/* why it cannot be used, or NULL */
	uint32_t	 width, height;	/* as displayed, once probed */
};

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
	size_t			 changed;	/* sources that changed under us */
	unsigned		 flags;		/* build_site()'s */
	int			 rootfd;	/* the content root, or -1 */
	struct site_image	*images;	/* sorted by url */
	size_t			 nimages;
	struct image_limits	 img_lim;
	struct markdown_images	 md_img;	/* resolve NULL: plain <img> */
	const struct doc	*doc;		/* being rendered */
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

/*
 * After an add returned -1: a route the index refused on its own (index.h)
 * is logged as the problem of what it came from (a file when line > 0),
 * and the build goes on without it. A failed index is said once, by
 * ixb_commit().
 */
static void
route_refused(struct builder *b, const char *what, size_t line,
    const char *url)
{
	char at[LOG_PATH_MAX + sizeof(":4294967295")];
	char shown[LOG_PATH_MAX + 1], route[LOG_PATH_MAX + 1];
	int errnum = errno;

	if (ixb_failed(b->ixb))
		return;
	snprintf(at, sizeof(at), "%s", log_path(what, shown));
	if (line > 0)
		snprintf(at + strlen(at), sizeof(at) - strlen(at), ":%zu",
		    line);
	/* A guard: content.c already refuses every source whose URL would
	 * not fit (content_load()). */
	if (errnum == ENAMETOOLONG)
		log_warnx("%s: URL longer than %d bytes; left out", at,
		    INDEX_PATH_MAX);
	else
		log_warnx("%s: %s is already a route of the site; left out",
		    at, log_path(url, route));
	b->problems++;
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
	if (ixb_add_page(b->ixb, path, status, route, headers, body, len,
	    true) == -1)
		route_refused(b, what, 0, path);
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

static int
cmp_image(const void *key, const void *elem)
{
	return strcmp(key, ((const struct site_image *)elem)->url);
}

/* Notes why an image cannot be used (NULL when out of memory: it cannot be
 * used either way). */
static void
image_unusable(struct site_image *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
image_unusable(struct site_image *im, const char *fmt, ...)
{
	va_list ap;

	free(im->why);
	va_start(ap, fmt);
	if (vasprintf(&im->why, fmt, ap) == -1)
		im->why = NULL;
	va_end(ap);
	im->version[0] = '\0';
}

/* Reads up to want bytes of fd from its start into a new buffer. */
static uint8_t *
read_head(int fd, size_t want, size_t *len)
{
	uint8_t *p = malloc(want > 0 ? want : 1);
	ssize_t n;

	*len = 0;
	if (p == NULL)
		return NULL;
	while (*len < want) {
		n = pread(fd, p + *len, want - *len, (off_t)*len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(p);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return p;
}

/* Reads the image's size from its header: the first PROBE_HEAD_BYTES, or
 * the whole file when its header runs beyond them. */
static void
probe_image(struct builder *b, struct site_image *im)
{
	char err[IMAGE_ERR_MAX];
	struct image_info info;
	struct stat st;
	uint8_t *data = NULL;
	size_t len = 0, want;
	int fd, rc = IMAGE_ECORRUPT;

	im->probed = true;
	if ((fd = open_beneath(b->rootfd, im->src)) == -1 ||
	    fstat(fd, &st) == -1) {
		image_unusable(im, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size > b->img_lim.max_bytes) {
		close(fd);
		image_unusable(im, "larger than image_max_bytes (%zu bytes)",
		    b->img_lim.max_bytes);
		return;
	}
	want = (size_t)st.st_size < PROBE_HEAD_BYTES ? (size_t)st.st_size :
	    PROBE_HEAD_BYTES;
	for (;;) {
		free(data);
		if ((data = read_head(fd, want, &len)) == NULL) {
			snprintf(err, sizeof(err), "%s", strerror(errno));
			break;
		}
		rc = image_probe(data, len, &b->img_lim, &info, err,
		    sizeof(err));
		if (rc != IMAGE_ECORRUPT || len < want ||
		    want == (size_t)st.st_size)
			break;
		want = (size_t)st.st_size;
	}
	free(data);
	close(fd);
	if (rc == IMAGE_EFORMAT && info.animated)
		im->as_is = true;
	else if (rc != IMAGE_OK)
		image_unusable(im, "%s", err);
	else if (info.display_width == 0 || info.display_height == 0)
		image_unusable(im, "no size in its header");
	else {
		im->width = info.display_width;
		im->height = info.display_height;
	}
}

/* "posts/x.md:12: image fig.png: why", line counted in the source file. */
static void
image_problem(const struct builder *b, size_t line, const char *url,
    const char *why)
{
	log_warnx("%s:%zu: image %s: %s", b->doc->src, line, url, why);
}

/*
 * What the site has at url, a local image in b->doc on line (of its source
 * file). An image that is not there or cannot be read is logged; a file
 * /_img does not resize (an SVG, a GIF) is left as it is quietly.
 */
static bool
resolve_image(struct builder *b, const char *url, size_t line,
    struct md_image *out)
{
	char path[IMAGE_URL_MAX];
	struct site_image *im;
	const char *why;

	if ((why = markdown_image_path(b->doc->url, url, path,
	    sizeof(path))) != NULL) {
		image_problem(b, line, url, why);
		return false;
	}
	im = bsearch(path, b->images, b->nimages, sizeof(*b->images),
	    cmp_image);
	if (im == NULL) {
		if (content_asset(b->site, path) != NULL)
			log_debug("%s:%zu: image %s: not resized by /_img; "
			    "left as it is", b->doc->src, line, url);
		else if (strcmp(path, url) != 0) {
			char what[IMAGE_URL_MAX + 32];

			snprintf(what, sizeof(what), "%s is not a file of the "
			    "site", path);
			image_problem(b, line, url, what);
		} else
			image_problem(b, line, url, "not a file of the site");
		return false;
	}
	if (!im->probed && im->why == NULL)
		probe_image(b, im);
	if (im->as_is) {
		log_debug("%s:%zu: image %s: animated, not resized by /_img; "
		    "left as it is", b->doc->src, line, url);
		return false;
	}
	if (im->why != NULL || im->version[0] == '\0') {
		image_problem(b, line, url, im->why != NULL ? im->why :
		    "cannot be read");
		return false;
	}
	snprintf(out->url, sizeof(out->url), "%s", im->url);
	memcpy(out->version, im->version, sizeof(im->version));
	out->width = im->width;
	out->height = im->height;
	return true;
}

/* markdown_images.resolve: line is of the markdown body. */
static bool
md_resolve(void *arg, const char *url, size_t line, struct md_image *out)
{
	struct builder *b = arg;
	size_t first = b->doc->body_line > 0 ? b->doc->body_line : 1;

	return resolve_image(b, url, first + line - 1, out);
}

/*
 * Lists every file of the site /_img would resize (its URL passes
 * image_url_check()), each with its version as /_img computes it. A file
 * that cannot be opened is listed as unusable.
 */
static void
setup_images(struct builder *b)
{
	const struct conf *c = b->conf;
	const struct site *s = b->site;
	char err[IMAGE_ERR_MAX];
	struct stat st;
	int fd;

	b->rootfd = -1;
	b->img_lim.max_bytes = (size_t)c->image_max_bytes;
	b->img_lim.max_pixels = (uint64_t)c->image_max_pixels * MEGAPIXEL;
	if (c->image_widths.n < 1 || c->image_qualities.n < 1)
		return;
	if ((b->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		log_warn("%s: images left as they are", s->root);
		return;
	}
	if (s->nassets > 0 &&
	    (b->images = calloc(s->nassets, sizeof(*b->images))) == NULL) {
		log_warnx("out of memory listing images; left as they are");
		return;
	}
	for (size_t i = 0; i < s->nassets; i++) {
		struct site_image *im = &b->images[b->nimages];

		if (image_url_check(s->assets[i].url, err, sizeof(err)) != 0)
			continue;
		im->url = s->assets[i].url;
		im->src = s->assets[i].src;
		b->nimages++;
		if ((fd = open_beneath(b->rootfd, im->src)) == -1 ||
		    fstat(fd, &st) == -1) {
			image_unusable(im, "%s", strerror(errno));
			if (fd != -1)
				close(fd);
			continue;
		}
		close(fd);
		file_version(&st, im->version);
	}
	b->md_img = (struct markdown_images){
		.resolve = md_resolve,
		.arg = b,
		.widths = c->image_widths.v,
		.nwidths = (size_t)c->image_widths.n,
		.quality = c->image_qualities.v[0],
	};
}

static void
free_images(struct builder *b)
{
	for (size_t i = 0; i < b->nimages; i++)
		free(b->images[i].why);
	free(b->images);
	if (b->rootfd != -1)
		close(b->rootfd);
}

/*
 * What every page showing images depends on: each image's URL and version,
 * and the settings that shape the tags. Any image changing re-renders every
 * post (cheap: unchanged pages keep their compressed bodies), since which
 * images a post shows is only known once its markdown is parsed.
 */
static uint64_t
images_fingerprint(const struct builder *b, uint64_t h)
{
	const struct conf *c = b->conf;
	uint64_t lim[2] = { b->img_lim.max_bytes, b->img_lim.max_pixels };

	h = hash64_add(h, lim, sizeof(lim));
	h = hash64_add(h, &b->md_img.quality, sizeof(b->md_img.quality));
	if (b->md_img.resolve != NULL)
		h = hash64_add(h, c->image_widths.v,
		    (size_t)c->image_widths.n * sizeof(c->image_widths.v[0]));
	for (size_t i = 0; i < b->nimages; i++) {
		h = hash64_str(h, b->images[i].url);
		h = hash64_str(h, b->images[i].version);
	}
	return h;
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
	} else {
		/* Unknown: an identity no later build shares, so nothing
		 * made by another binary is ever trusted. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		id[0] = (uint64_t)getpid();
		id[1] = (uint64_t)ts.tv_sec;
		id[2] = (uint64_t)ts.tv_nsec;
	}
	return hash64(id, sizeof(id));
}

/* Everything besides its own source that shapes every post page: the
 * binary, the settings (unsafe_html decides what the markdown becomes),
 * the headers, the navigation (pages), and the images
 * (images_fingerprint). */
static uint64_t
site_fingerprint(const struct builder *b, uint64_t binary)
{
	const struct render_ctx *r = &b->ctx;
	uint8_t unsafe = b->conf->unsafe_html;
	uint64_t h = binary;

	h = hash64_add(h, &unsafe, sizeof(unsafe));
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
	return images_fingerprint(b, h);
}

/*
 * What post i's page shows that its source's bytes do not decide: its
 * date, when the front matter has none and content.c takes it from the
 * file name or the mtime (a renamed or touched post is re-dated with the
 * same bytes). Everything else it shows of itself (the other dates, the
 * word count) is read from those bytes.
 */
static uint64_t
hash_shown(uint64_t h, const struct doc *d)
{
	const uint64_t date = (uint64_t)d->meta.date;

	return hash64_add(h, &date, sizeof(date));
}

/* What post i's page is made from: its source and what it shows besides
 * (hash_shown), its neighbours' links, the names of its tags, and the site
 * (images included). Equal keys, equal pages. */
static uint64_t
post_key(const struct builder *b, size_t i)
{
	const struct site *s = b->site;
	uint64_t h = hash64_add(b->fingerprint, &s->posts[i].src_hash,
	    sizeof(s->posts[i].src_hash));

	h = hash_shown(h, &s->posts[i]);
	h = hash64_str(h, s->posts[i].url);
	for (size_t n = i > 0 ? i - 1 : i; n <= i + 1 && n < s->nposts; n++) {
		h = hash64_str(h, s->posts[n].url);
		h = hash64_str(h, s->posts[n].meta.title);
	}
	for (size_t k = 0; k < s->posts[i].ntag_idx; k++) {
		const struct tag *t = &s->tags[s->posts[i].tag_idx[k]];

		h = hash64_str(h, t->slug);
		h = hash64_str(h, t->name);
	}
	return h | 1;	/* never 0, which means "no key" */
}

/* Markdown for a doc, when it has to be rendered after all; and the size
 * of its cover image, for Open Graph. */
static bool
render_markdown(struct builder *b, struct doc *d)
{
	const struct markdown_images *mi = b->md_img.resolve != NULL ?
	    &b->md_img : NULL;
	struct md_image cover;

	if (d->html != NULL)
		return true;
	if (d->render_failed)
		return false;
	b->doc = d;
	if (mi != NULL && d->meta.image != NULL &&
	    markdown_url_local(d->meta.image) &&
	    resolve_image(b, d->meta.image, 1, &cover)) {
		d->image_width = cover.width;
		d->image_height = cover.height;
	}
	if (content_render(d, b->conf->unsafe_html, mi) == 0)
		return true;
	d->render_failed = true;
	if (errno == ESTALE && !(b->flags & BUILD_LEAVE_CHANGED)) {
		/* The whole build is thrown away (build_site()). */
		log_debug("%s: changed while the site was being built",
		    d->src);
		b->changed++;
	} else if (errno == EFBIG) {
		log_warnx("%s: its markdown would take over %zu MiB to render"
		    " (deeply nested or repeated structure); left out: split or"
		    " simplify it", d->src, MDARENA_MAX >> 20);
		b->problems++;
	} else {
		log_warnx("%s: %s; left out", d->src, errno == ESTALE ?
		    "keeps changing while the site is built" :
		    "out of memory rendering markdown");
		b->problems++;
	}
	return false;
}

/*
 * A post or page whose page would pass PAGE_BYTES_MAX. It is still served,
 * with a notice for its body (RENDER_NOTICE): every list, tag page,
 * neighbour and the sitemap already link to it, and a post's is decided
 * before its markdown is rendered (pages copied whole are not rendered
 * again), so leaving it out would leave those links dead.
 */
static void
too_large(struct builder *b, const char *src)
{
	log_warnx("%s:1: its page would be larger than %u bytes; served "
	    "without its text", src, PAGE_BYTES_MAX);
	b->problems++;
}

/* A post whose page would come out the same is copied from the previous
 * index whole, without even its markdown being rendered. */
static void
add_post(struct builder *b, size_t i)
{
	struct doc *d = &b->site->posts[i];
	uint64_t key = post_key(b, i);
	int copied = ixb_copy_keyed(b->ixb, d->url, key, b->page_headers);
	size_t len;
	char *body;

	if (copied == -1)
		route_refused(b, d->src, 1, d->url);
	if (copied != 0 || !render_markdown(b, d))
		return;
	if ((body = render_post(&b->ctx, i, RENDER_TEXT, &len)) == NULL) {
		too_large(b, d->src);
		body = render_post(&b->ctx, i, RENDER_NOTICE, &len);
	}
	if (body == NULL) {
		add_page(b, d->url, 200, ROUTE_POST, NULL, NULL, 0, d->src);
		return;
	}
	if (ixb_add_page_keyed(b->ixb, d->url, 200, ROUTE_POST,
	    b->page_headers, body, len, true, key) == -1)
		route_refused(b, d->src, 1, d->url);
	free(body);
}

static void
add_docs(struct builder *b)
{
	struct site *s = b->site;
	size_t len;
	char *body;

	for (size_t i = 0; i < s->nposts; i++) {
		if (b->changed > 0)
			return;		/* thrown away anyway: stop now */
		add_post(b, i);
		/* Only the feed's posts need their text again: the rest is let
		 * go now, so a build's memory does not grow with the site. */
		if (i >= (size_t)b->conf->feed_entries)
			content_release(&s->posts[i]);
	}
	for (size_t i = 0; i < s->npages; i++) {
		if (!render_markdown(b, &s->pages[i]))
			continue;
		body = render_page(&b->ctx, i, RENDER_TEXT, &len);
		if (body == NULL) {
			too_large(b, s->pages[i].src);
			body = render_page(&b->ctx, i, RENDER_NOTICE, &len);
		}
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
		body = feed_atom(&b->ctx, (size_t)b->conf->feed_entries, &len,
		    &b->problems);
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
		if (ixb_add_file(b->ixb, a->url, ROUTE_STATIC, headers,
		    a->src) == -1)
			route_refused(b, a->src, 1, a->url);
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
		log_info("previous index not reused: %s", err);
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

/*
 * What the previous build learned of every source (if its index is open
 * and was written by this binary), and rec started for this build's.
 */
static int
sources_begin(struct content_opts *opts, struct srccache *cache,
    struct buf *rec, const struct index *prev, uint64_t stamp)
{
	memset(cache, 0, sizeof(*cache));
	buf_init(rec, SOURCES_BLOB_MAX);
	srccache_begin(rec, stamp);
	opts->record = rec;
	if (prev != NULL && srccache_open(cache, index_blob(prev,
	    prev->hdr->sources), prev->hdr->sources.len, stamp) == -1)
		return -1;
	opts->cache = cache->n > 0 ? cache : NULL;
	return 0;
}

int
build_site(const struct conf *conf, uint64_t generation, time_t now,
    const char *dir, const char *name, unsigned flags,
    struct build_result *res, char *err, size_t errlen)
{
	struct content_opts opts = { .now = now };
	struct site site;
	struct builder b = { .conf = conf, .site = &site, .rootfd = -1,
	    .flags = flags };
	struct srccache cache;
	struct buf rec;
	struct index prev;
	bool have_prev;
	uint64_t binary = binary_identity();
	struct timespec t0;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	memset(&site, 0, sizeof(site));
	have_prev = open_previous(dir, name, &prev);
	if (sources_begin(&opts, &cache, &rec, have_prev ? &prev : NULL,
	    binary) == -1) {
		snprintf(err, errlen, "out of memory reading the source cache");
		goto out;
	}
	if (content_load(&site, conf->content_dir, &opts, err, errlen) == -1)
		goto out;
	setup_ctx(&b, conf, &site);
	setup_images(&b);
	if (collect_routes(&b) == -1) {
		snprintf(err, errlen, "out of memory listing routes");
		goto out;
	}
	if ((b.ixb = ixb_open(dir, name, err, errlen)) == NULL)
		goto out;
	compress_threads(conf->build_threads);
	if (have_prev)
		ixb_reuse(b.ixb, &prev);
	if (flags & BUILD_FAST_START)
		ixb_compress_later(b.ixb);
	/* A cache too large to keep is left out: the next build reads all. */
	if (!buf_failed(&rec))
		ixb_sources(b.ixb, rec.data, rec.len);
	b.fingerprint = site_fingerprint(&b, binary);
	add_theme(&b);
	add_lists(&b);
	add_docs(&b);
	add_machine_files(&b);
	add_assets(&b);
	ixb_flush(b.ixb);
	res->entries = ixb_count(b.ixb);
	res->reused = ixb_reused(b.ixb);
	res->deferred = ixb_deferred(b.ixb);
	res->cached = site.cached;
	res->problems = site.problems + b.problems;
	res->next_publish = site.next_publish;
	res->changed = b.changed;
	res->ms = ms_since(&t0);
	if (b.changed > 0) {
		ixb_abort(b.ixb);
		snprintf(err, errlen, "%zu content file%s changed while the site"
		    " was being built", b.changed, b.changed == 1 ? "" : "s");
		goto out;
	}
	rc = ixb_commit(b.ixb, generation, site.root, site.next_publish,
	    res->ms, err, errlen);
out:
	free_routes(&b);
	free_images(&b);
	content_free(&site);
	srccache_close(&cache);
	buf_free(&rec);
	mdarena_release();
	compress_release();
	if (have_prev)
		index_close(&prev);
	return rc;
}
