/*
 * feed.c: the documents for machines: the Atom 1.0 feed (newest posts with
 * their full HTML, within the bounds feed_atom() states), sitemap.xml and
 * robots.txt. XML must be well-formed whatever the content holds, so text
 * goes through xml_text(), which also drops the bytes XML 1.0 cannot carry.
 */
#include "feed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "folio_limits.h"
#include "log.h"
#include "utf8.h"

/* "2026-03-14T09:30:00Z" plus room. */
#define DATE_RFC3339_MAX 32
/* Used when the context leaves the title out. */
#define DEFAULT_TITLE	"folio"
/* The two code points of the BMP that are not XML 1.0 Chars. */
#define XML_NONCHAR_FFFE	0xfffeu
#define XML_NONCHAR_FFFF	0xffffu
/* What an invalid UTF-8 sequence becomes: U+FFFD. */
#define REPLACEMENT	"\xef\xbf\xbd"
/* The end of the feed, kept room for while entries are added. */
#define FEED_TAIL	"</feed>\n"
/* The summary of an entry cut to its summary when the post has none. */
#define NO_SUMMARY	"This post is too long for the feed; read it on the site."

/* How much of a post its entry carries. */
enum entry_form {
	ENTRY_FULL,		/* its content */
	ENTRY_SUMMARY,		/* its summary and link only */
};

/*
 * Length of the valid UTF-8 sequence of an XML 1.0 Char at s, or 0 if the
 * bytes there are not one (bad UTF-8, a C0 control other than tab, LF and
 * CR, a surrogate, U+FFFE or U+FFFF).
 */
static size_t
xml_char_len(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r' ? 1 : 0;
	if ((len = utf8_decode(s, n, &c)) == 0 || c == XML_NONCHAR_FFFE ||
	    c == XML_NONCHAR_FFFF)
		return 0;
	return len;
}

/* Appends n bytes of s as XML character data (or an attribute value):
 * escaped with buf_html_n, bad bytes replaced by U+FFFD. */
static void
xml_text_n(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, k;

	while (i < n) {
		if ((k = xml_char_len(u + i, n - i)) > 0) {
			i += k;
			continue;
		}
		buf_html_n(b, s + start, i - start);
		buf_puts(b, REPLACEMENT);
		start = ++i;
	}
	buf_html_n(b, s + start, n - start);
}

static void
xml_text(struct buf *b, const char *s)
{
	xml_text_n(b, s, strlen(s));
}

static const char *
or_default(const char *s, const char *def)
{
	return s != NULL && *s != '\0' ? s : def;
}

/* base_url (without trailing slashes) followed by path, escaped. */
static void
put_abs(struct buf *b, const struct render_ctx *r, const char *path)
{
	const char *base = r->base_url != NULL ? r->base_url : "";
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	xml_text_n(b, base, n);
	xml_text(b, path);
}

/* Appends t as "2026-03-14T09:30:00Z" (full) or "2026-03-14". A time
 * gmtime cannot break down (never from front matter) becomes the epoch. */
static void
put_date(struct buf *b, time_t t, bool full)
{
	char s[DATE_RFC3339_MAX];
	struct tm tm;
	time_t epoch = 0;

	if (gmtime_r(&t, &tm) == NULL)
		gmtime_r(&epoch, &tm);
	strftime(s, sizeof(s), full ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm);
	buf_puts(b, s);
}

static void
put_element(struct buf *b, const char *name, const char *text)
{
	buf_printf(b, "<%s>", name);
	xml_text(b, text);
	buf_printf(b, "</%s>\n", name);
}

/* A category per tag of post i: the term is the tag's slug (its URL), the
 * label the name as written. */
static void
put_entry_tags(struct buf *b, const struct site *s, size_t i)
{
	const struct doc *d = &s->posts[i];

	for (size_t k = 0; k < d->ntag_idx; k++) {
		const struct tag *t = &s->tags[d->tag_idx[k]];

		buf_puts(b, "<category term=\"");
		xml_text(b, t->slug);
		buf_puts(b, "\" label=\"");
		xml_text(b, t->name);
		buf_puts(b, "\"/>\n");
	}
}

/* Writes post i's entry in form; returns the bytes of its content as
 * escaped into the feed. */
static size_t
put_entry(struct buf *b, const struct render_ctx *r, size_t i,
    enum entry_form form)
{
	const struct doc *d = &r->site->posts[i];
	time_t updated = d->meta.updated != 0 ? d->meta.updated : d->meta.date;
	size_t start;

	buf_puts(b, "<entry>\n<id>");
	put_abs(b, r, d->url);
	buf_puts(b, "</id>\n");
	put_element(b, "title", d->meta.title);
	buf_puts(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
	put_abs(b, r, d->url);
	buf_puts(b, "\"/>\n<published>");
	put_date(b, d->meta.date, true);
	buf_puts(b, "</published>\n<updated>");
	put_date(b, updated, true);
	buf_puts(b, "</updated>\n");
	if (d->meta.summary != NULL)
		put_element(b, "summary", d->meta.summary);
	else if (form == ENTRY_SUMMARY)
		put_element(b, "summary", NO_SUMMARY);
	put_entry_tags(b, r->site, i);
	if (form == ENTRY_SUMMARY) {
		buf_puts(b, "</entry>\n");
		return 0;
	}
	/* Relative links in the body resolve against the post's URL, as
	 * they do in the browser. */
	buf_puts(b, "<content type=\"html\" xml:base=\"");
	put_abs(b, r, d->url);
	buf_puts(b, "\">");
	start = b->len;
	if (d->html != NULL)
		xml_text_n(b, d->html, d->html_len);
	buf_puts(b, "</content>\n</entry>\n");
	return b->len - start;
}

/* The post's file, for log lines (a hand-made site may have none). */
static const char *
entry_src(const struct doc *d, char shown[LOG_PATH_MAX + 1])
{
	return log_path(d->src != NULL ? d->src : d->url, shown);
}

/*
 * Adds post i's entry to b, within limit bytes: whole when its content is
 * within FEED_CONTENT_MAX and the feed has room for it, else with its
 * summary only, said in one log line (counted in *problems). Returns
 * false, b as it was, when even that does not fit.
 */
static bool
add_entry(struct buf *b, const struct render_ctx *r, size_t i, size_t limit,
    size_t *problems)
{
	const struct doc *d = &r->site->posts[i];
	char shown[LOG_PATH_MAX + 1];
	size_t mark = b->len, content = d->html_len;

	/* Escaping never shrinks HTML: content already too large is not
	 * escaped only to be thrown away. */
	if (content <= FEED_CONTENT_MAX) {
		content = put_entry(b, r, i, ENTRY_FULL);
		if (!buf_failed(b) && b->len <= limit &&
		    content <= FEED_CONTENT_MAX)
			return true;
		buf_truncate(b, mark);
	}
	put_entry(b, r, i, ENTRY_SUMMARY);
	if (buf_failed(b) || b->len > limit) {
		buf_truncate(b, mark);
		return false;
	}
	if (content > FEED_CONTENT_MAX)
		log_warnx("%s:1: %zu bytes of content, more than the %u a feed "
		    "entry takes; its feed entry has the summary only",
		    entry_src(d, shown), content, FEED_CONTENT_MAX);
	else
		log_warnx("%s:1: no room left in the feed (%u bytes); its feed "
		    "entry has the summary only", entry_src(d, shown),
		    PAGE_BYTES_MAX);
	(*problems)++;
	return true;
}

char *
feed_atom(const struct render_ctx *r, size_t entries, size_t *len,
    size_t *problems)
{
	const struct site *s = r->site;
	const char *title = or_default(r->title, DEFAULT_TITLE);
	size_t n = entries < s->nposts ? entries : s->nposts;
	size_t limit = PAGE_BYTES_MAX - (sizeof(FEED_TAIL) - 1), none = 0;
	char shown[LOG_PATH_MAX + 1];
	struct buf b;

	if (problems == NULL)
		problems = &none;

	buf_init(&b, PAGE_BYTES_MAX);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
	xml_text(&b, or_default(r->language, "en"));
	buf_puts(&b, "\">\n<id>");
	put_abs(&b, r, "/feed.xml");
	buf_puts(&b, "</id>\n");
	put_element(&b, "title", title);
	if (r->description != NULL && *r->description != '\0')
		put_element(&b, "subtitle", r->description);
	buf_puts(&b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	put_abs(&b, r, "/feed.xml");
	buf_puts(&b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	put_abs(&b, r, "/");
	/* An empty site has no newest date; the epoch keeps builds of the
	 * same content byte-identical. */
	buf_puts(&b, "\"/>\n<updated>");
	put_date(&b, s->newest, true);
	buf_puts(&b, "</updated>\n<author>\n");
	put_element(&b, "name", or_default(r->author, title));
	buf_puts(&b, "</author>\n<generator>folio</generator>\n");
	for (size_t i = 0; i < n; i++) {
		if (add_entry(&b, r, i, limit, problems))
			continue;
		/* A feed of its newest entries beats no feed at all. */
		log_warnx("%s:1: no room left in the feed (%u bytes); this post "
		    "and %zu older are left out of it",
		    entry_src(&s->posts[i], shown), PAGE_BYTES_MAX, n - i - 1);
		(*problems)++;
		break;
	}
	buf_puts(&b, FEED_TAIL);
	return buf_take(&b, len);
}

static void
put_url(struct buf *b, const struct render_ctx *r, const char *path,
    time_t lastmod)
{
	buf_puts(b, "<url><loc>");
	put_abs(b, r, path);
	buf_puts(b, "</loc>");
	if (lastmod != 0) {
		buf_puts(b, "<lastmod>");
		put_date(b, lastmod, false);
		buf_puts(b, "</lastmod>");
	}
	buf_puts(b, "</url>\n");
}

char *
feed_sitemap(const struct render_ctx *r, size_t *len)
{
	const struct site *s = r->site;
	size_t pages = render_index_pages(r);
	char path[INDEX_PATH_MAX];
	struct buf b;
	int n;

	buf_init(&b, PAGE_BYTES_MAX);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	put_url(&b, r, "/", s->newest);
	for (size_t p = 2; p <= pages; p++) {
		snprintf(path, sizeof(path), "/page/%zu", p);
		put_url(&b, r, path, 0);
	}
	for (size_t i = 0; i < s->nposts; i++) {
		const struct meta *m = &s->posts[i].meta;
		put_url(&b, r, s->posts[i].url,
		    m->updated != 0 ? m->updated : m->date);
	}
	for (size_t i = 0; i < s->npages; i++)
		put_url(&b, r, s->pages[i].url, s->pages[i].meta.updated);
	put_url(&b, r, "/tags", 0);
	for (size_t i = 0; i < s->ntags; i++) {
		n = snprintf(path, sizeof(path), "/tags/%s", s->tags[i].slug);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		put_url(&b, r, path, 0);
	}
	buf_puts(&b, "</urlset>\n");
	return buf_take(&b, len);
}

char *
feed_robots(const struct render_ctx *r, size_t *len)
{
	const char *base = r->base_url != NULL ? r->base_url : "";
	size_t n = strlen(base);
	struct buf b;

	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_init(&b, PAGE_BYTES_MAX);
	buf_puts(&b, "User-agent: *\nAllow: /\nSitemap: ");
	buf_append(&b, base, n);
	buf_puts(&b, "/sitemap.xml\n");
	return buf_take(&b, len);
}
