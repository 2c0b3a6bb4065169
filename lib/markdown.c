/*
 * markdown.c: markdown to HTML with cmark-gfm and its table, strikethrough,
 * autolink and tasklist extensions. Every heading is replaced in the tree by
 * custom nodes that print <hN id="slug">, since cmark has no id attribute
 * and custom nodes render the same in safe and unsafe mode. Local images the
 * caller can resolve are replaced the same way by responsive <img> tags
 * (srcset through /_img, intrinsic size, lazy loading).
 */
#include "markdown.h"

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "buf.h"
#include "folio_limits.h"
#include "hash.h"
#include "mdarena.h"
#include "utf8.h"

/* Bytes of a heading id: enough for a long heading, short enough for a
 * readable URL fragment. */
#define HEADING_ID_MAX		80
/* Bytes of heading text we look at to make its id. */
#define HEADING_TEXT_MAX	1024
/* Bytes of a unique id: the id, a "-N" suffix and a NUL. */
#define HEADING_UID_MAX		(HEADING_ID_MAX + 24)
/* Bytes of "<h6 id=\"...\">" around a unique id. */
#define HEADING_TAG_MAX		(HEADING_UID_MAX + 16)
/* Slots a list or table starts with; both grow from there. */
#define MD_LIST_INITIAL		16
/* Id of a heading whose text gives no usable characters. */
#define HEADING_ID_EMPTY	"section"
/*
 * The sizes of every responsive image: the theme's column (render.c's
 * .wrap: at most 70ch of 17px body text plus 1.25rem padding each side).
 * sizes cannot say "70ch of the body font" (its units follow the initial
 * font), and 70ch is 41-47rem with common system fonts, so: 44rem once the
 * viewport holds that column and its padding, the viewport less the
 * padding below that.
 */
#define IMG_SIZES	"(min-width: 46.5rem) 44rem, calc(100vw - 2.5rem)"
/* Widest w= for src, which only browsers without srcset use: the column
 * (44rem, 704 CSS px) at 1.5x, Next.js's default for the same job. */
#define IMG_SRC_WIDTH_MAX	1080
/* Bytes of one <img> tag: its alt text, and a srcset of up to
 * IMAGE_ALLOW_MAX URLs, are bounded by the page's own bound. */
#define IMG_TAG_MAX		PAGE_BYTES_MAX

static const char *const md_extensions[] = {
	"table", "strikethrough", "autolink", "tasklist",
};

/* The ids used so far in a document, and the next suffix for each. Like
 * the headings' list, it lives in the document's arena (mdarena.h), which
 * gives memory or aborts, and goes with it. */
struct idset {
	struct idslot {
		char	*id;
		unsigned next;		/* next "-N" to try for this base */
	}	*slots;
	size_t	 cap;			/* a power of two */
};

static void
idset_init(struct idset *s, size_t n)
{
	s->cap = MD_LIST_INITIAL;
	while (s->cap < 2 * n + 2)
		s->cap *= 2;
	s->slots = mdarena_mem()->calloc(s->cap, sizeof(*s->slots));
}

static char *
arena_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(mdarena_mem()->calloc(1, n), s, n);
}

/* The slot of id, or the empty slot where it would go. */
static struct idslot *
idset_find(struct idset *s, const char *id)
{
	size_t i = (size_t)hash64(id, strlen(id)) & (s->cap - 1);

	while (s->slots[i].id != NULL && strcmp(s->slots[i].id, id) != 0)
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

/* Makes base unique in the document ("x", "x-1", "x-2", ...), records it
 * and writes it to out. */
static void
idset_take(struct idset *s, const char *base, char *out, size_t outlen)
{
	struct idslot *b = idset_find(s, base), *slot;

	if (b->id == NULL) {
		b->id = arena_strdup(base);
		b->next = 1;
		snprintf(out, outlen, "%s", base);
		return;
	}
	for (;;) {
		snprintf(out, outlen, "%s-%u", base, b->next++);
		slot = idset_find(s, out);
		if (slot->id == NULL)
			break;
	}
	slot->id = arena_strdup(out);
	slot->next = 1;
}

/* Non-ASCII punctuation and spaces that separate words in an id. */
static bool
utf8_is_punct(uint32_t c)
{
	return (c >= 0x80 && c <= 0xbf && c != 0xaa && c != 0xb5 &&
	    c != 0xba) || c == 0xd7 || c == 0xf7 ||
	    (c >= 0x2000 && c <= 0x206f) ||	/* general punctuation */
	    (c >= 0x2e00 && c <= 0x2e7f) ||	/* supplemental punctuation */
	    (c >= 0x3000 && c <= 0x303f) ||	/* CJK punctuation */
	    (c >= 0xfe30 && c <= 0xfe4f) ||	/* CJK compatibility forms */
	    (c >= 0xff01 && c <= 0xff0f) ||	/* fullwidth punctuation */
	    c == 0xfeff || c == UTF8_REPLACEMENT;
}

/*
 * The id of a heading's text: ASCII letters and digits in lower case, other
 * letters as they are, everything else a single '-', none at either end.
 */
static void
heading_slug(const char *text, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, o = 0, len, max = outlen - 1;
	bool dash = false;
	uint32_t cp;

	if (max > HEADING_ID_MAX)
		max = HEADING_ID_MAX;
	while (i < n) {
		if (s[i] < 0x80) {
			len = 1;
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9'))) {
				dash = true;
				i++;
				continue;
			}
		} else if ((len = utf8_decode(s + i, n - i, &cp)) == 0 ||
		    utf8_is_punct(cp)) {
			dash = true;
			i += len ? len : 1;
			continue;
		}
		if (o + (dash && o > 0) + len > max)
			break;
		if (dash && o > 0)
			out[o++] = '-';
		dash = false;
		for (size_t k = 0; k < len; k++) {
			unsigned char c = s[i + k];

			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' :
			    c);
		}
		i += len;
	}
	out[o] = '\0';
	if (o == 0)
		snprintf(out, outlen, "%s", HEADING_ID_EMPTY);
}

/* The plain text of a heading, cut at HEADING_TEXT_MAX bytes. */
struct heading_text {
	char	 s[HEADING_TEXT_MAX + 1];
	size_t	 len;
};

/* Appends what fits of s. */
static void
heading_put(struct heading_text *t, const char *s)
{
	size_t n = strlen(s);

	if (n > HEADING_TEXT_MAX - t->len)
		n = HEADING_TEXT_MAX - t->len;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/* The plain text of a heading: its text and code spans. */
static void
heading_text(cmark_node *h, struct heading_text *b)
{
	cmark_iter *it = cmark_iter_new(h);
	cmark_event_type ev;
	cmark_node *n;

	if (it == NULL)
		return;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			heading_put(b, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			heading_put(b, " ");
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/*
 * Replaces heading h by CUSTOM_BLOCK > CUSTOM_INLINE("<hN id=...>", "</hN>")
 * holding h's inline children.
 */
static int
heading_replace(cmark_node *h, struct idset *ids)
{
	struct heading_text text;
	char base[HEADING_ID_MAX + 1];
	char id[HEADING_UID_MAX], open[HEADING_TAG_MAX], close[sizeof("</h6>")];
	cmark_node *blk, *inl, *c;
	int level = cmark_node_get_heading_level(h);

	text.len = 0;
	text.s[0] = '\0';
	heading_text(h, &text);
	heading_slug(text.s, text.len, base, sizeof(base));
	idset_take(ids, base, id, sizeof(id));
	snprintf(open, sizeof(open), "<h%d id=\"%s\">", level, id);
	snprintf(close, sizeof(close), "</h%d>", level);
	blk = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK,
	    mdarena_mem());
	inl = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_INLINE,
	    mdarena_mem());
	if (blk == NULL || inl == NULL ||
	    !cmark_node_set_on_enter(inl, open) ||
	    !cmark_node_set_on_exit(inl, close) ||
	    !cmark_node_append_child(blk, inl)) {
		cmark_node_free(blk);
		cmark_node_free(inl);
		return -1;
	}
	while ((c = cmark_node_first_child(h)) != NULL)
		if (!cmark_node_append_child(inl, c))
			cmark_node_free(c);
	if (!cmark_node_insert_before(h, blk)) {
		cmark_node_free(blk);
		return -1;
	}
	/* The moved inlines may still point into h's text: h is freed only
	 * after rendering (md_free_heads). */
	cmark_node_unlink(h);
	return 0;
}

/*
 * Collects the headings (in document order) into *heads, in the document's
 * arena (which aborts when memory runs out). Returns the number of
 * headings, or -1 if cmark could not walk the tree.
 */
static ptrdiff_t
md_walk(cmark_node *doc, cmark_node ***heads)
{
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *n, **h = NULL;
	size_t nheads = 0, cap = 0;

	if ((it = cmark_iter_new(doc)) == NULL)
		return -1;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(n) == CMARK_NODE_HEADING) {
			if (nheads == cap) {
				/* Bounded by the source: a heading takes
				 * bytes of it, and sources are at most
				 * CONTENT_FILE_MAX. */
				cap = cap ? cap * 2 : MD_LIST_INITIAL;
				h = mdarena_mem()->realloc(h, cap * sizeof(*h));
			}
			h[nheads++] = n;
		}
	}
	cmark_iter_free(it);
	*heads = h;
	return (ptrdiff_t)nheads;
}

static int
md_attach(cmark_parser *p)
{
	cmark_syntax_extension *ext;

	cmark_gfm_core_extensions_ensure_registered();
	for (size_t i = 0; i < sizeof(md_extensions) / sizeof(md_extensions[0]);
	    i++) {
		if ((ext = cmark_find_syntax_extension(md_extensions[i])) ==
		    NULL || !cmark_parser_attach_syntax_extension(p, ext))
			return -1;
	}
	return 0;
}

/* Frees the headings md_ids() took out of the tree. */
static void
md_free_heads(cmark_node **heads, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cmark_node_free(heads[i]);
}

/*
 * Gives every heading in doc its id. The first *n of *heads are the heading
 * nodes taken out of the tree, for md_free_heads() after rendering; the
 * rest (after a failure) are still in the tree.
 */
static int
md_ids(cmark_node *doc, cmark_node ***heads, size_t *n)
{
	struct idset ids;
	ptrdiff_t nh;
	size_t i;
	int rc = 0;

	*heads = NULL;
	*n = 0;
	if ((nh = md_walk(doc, heads)) < 0)
		return -1;
	idset_init(&ids, (size_t)nh);
	for (i = 0; i < (size_t)nh && rc == 0; i++)
		if ((rc = heading_replace((*heads)[i], &ids)) == 0)
			(*n)++;
	return rc;
}

bool
markdown_url_local(const char *url)
{
	size_t n;

	if (url == NULL || url[0] == '\0')
		return false;
	/* "//host/x", and "\\host" or "/\\host", which browsers read so. */
	if ((url[0] == '/' || url[0] == '\\') &&
	    (url[1] == '/' || url[1] == '\\'))
		return false;
	n = strcspn(url, ":/?#");
	return url[n] != ':';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* Appends url[0..n) to tmp at *o, %-decoded. Returns NULL or why not. */
static const char *
path_decode(const char *url, size_t n, char *tmp, size_t *o, size_t max)
{
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)url[i], hi, lo;

		if (c == '%') {
			if (i + 2 >= n)
				return "a bad %-escape";
			if ((hi = hexval(url[i + 1])) < 0 ||
			    (lo = hexval(url[i + 2])) < 0)
				return "a bad %-escape";
			c = hi << 4 | lo;
			if (c < 0x20 || c == 0x7f || c == '/')
				return "an encoded '/', NUL or control byte";
			i += 2;
		}
		if (*o + 1 >= max)
			return "too long";
		tmp[(*o)++] = (char)c;
	}
	tmp[*o] = '\0';
	return NULL;
}

/* RFC 3986 5.2.4 on an absolute path: "." and ".." segments go; ".." never
 * climbs above the root. */
static const char *
path_dots(const char *in, char *out, size_t outlen)
{
	size_t o = 0, len;
	const char *seg;
	bool last;

	for (const char *p = in; *p == '/'; p = seg + len) {
		seg = p + 1;
		len = strcspn(seg, "/");
		last = seg[len] == '\0';
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.')) {
			if (len == 2)
				while (o > 0 && out[--o] != '/')
					;
			if (last)
				out[o++] = '/';
			continue;
		}
		if (o + 1 + len >= outlen)
			return "too long";
		out[o++] = '/';
		memcpy(out + o, seg, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return NULL;
}

const char *
markdown_image_path(const char *doc_url, const char *url, char *out,
    size_t outlen)
{
	char tmp[IMAGE_URL_MAX];
	const char *slash, *why;
	size_t o = 0, n = strcspn(url, "?#");

	if (outlen == 0)
		return "too long";
	if (url[0] != '/') {
		slash = doc_url != NULL ? strrchr(doc_url, '/') : NULL;
		o = slash != NULL ? (size_t)(slash - doc_url) : 0;
		if (o + 1 >= sizeof(tmp))
			return "too long";
		memcpy(tmp, doc_url, o);
		tmp[o++] = '/';
	}
	if ((why = path_decode(url, n, tmp, &o, sizeof(tmp))) != NULL)
		return why;
	if (tmp[0] != '/')
		return "not a path";
	return path_dots(tmp, out, outlen);
}

/* The line an inline starts on: cmark gives an image the line of its "]",
 * its first child the line of its "![". */
static size_t
node_line(cmark_node *n)
{
	cmark_node *c = cmark_node_first_child(n);
	int line = c != NULL ? cmark_node_get_start_line(c) : 0;

	for (; line <= 0 && n != NULL; n = cmark_node_parent(n))
		line = cmark_node_get_start_line(n);
	return line > 0 ? (size_t)line : 1;
}

/*
 * The images of doc in document order, except those inside another image
 * (they are part of its alt text). Returns their number, or -1 when out of
 * memory.
 */
static ptrdiff_t
md_collect_images(cmark_node *doc, cmark_node ***out)
{
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *n, **v = NULL, **nv;
	size_t nimg = 0, cap = 0, inside = 0;

	*out = NULL;
	if ((it = cmark_iter_new(doc)) == NULL)
		return -1;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (cmark_node_get_type(n) != CMARK_NODE_IMAGE)
			continue;
		if (ev == CMARK_EVENT_EXIT) {
			inside--;
			continue;
		}
		if (inside++ > 0)
			continue;
		if (nimg == cap) {
			cap = cap ? cap * 2 : MD_LIST_INITIAL;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				cmark_iter_free(it);
				return -1;
			}
			v = nv;
		}
		v[nimg++] = n;
	}
	cmark_iter_free(it);
	*out = v;
	return (ptrdiff_t)nimg;
}

/* The alt text of an image as cmark writes it: the text of its
 * descendants, a space for each line break. */
static void
image_alt(cmark_node *img, struct buf *b)
{
	cmark_iter *it = cmark_iter_new(img);
	cmark_event_type ev;
	cmark_node *n;

	if (it == NULL) {
		b->failed = true;
		return;
	}
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || n == img)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
			buf_puts(b, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(b, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/* One /_img URL, HTML-escaped for an attribute. */
static void
put_img_url(struct buf *b, struct buf *tmp, const struct md_image *mi, int w,
    int q)
{
	buf_reset(tmp);
	image_url(tmp, mi->url, w, q, mi->version);
	if (buf_failed(tmp)) {
		b->failed = true;
		return;
	}
	buf_html_n(b, tmp->data, tmp->len);
}

/*
 * <img src srcset sizes width height alt [title] decoding loading>: the
 * widths the allowlist has up to the source's own (image_srcset_widths),
 * src the widest of them not above IMG_SRC_WIDTH_MAX.
 */
static void
image_tag(struct buf *b, cmark_node *img, const struct markdown_images *im,
    const struct md_image *mi, bool first)
{
	const struct image_allow allow = { .widths = im->widths,
	    .nwidths = im->nwidths };
	int req[IMAGE_ALLOW_MAX];
	uint32_t desc[IMAGE_ALLOW_MAX];
	size_t n, src = 0;
	const char *title = cmark_node_get_title(img);
	struct buf tmp;

	n = image_srcset_widths(mi->width, &allow, req, desc, IMAGE_ALLOW_MAX);
	for (size_t i = 1; i < n; i++)
		if (req[i] <= IMG_SRC_WIDTH_MAX)
			src = i;
	buf_init(&tmp, IMG_TAG_MAX);
	buf_puts(b, "<img src=\"");
	put_img_url(b, &tmp, mi, req[src], im->quality);
	buf_puts(b, "\" srcset=\"");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		put_img_url(b, &tmp, mi, req[i], im->quality);
		buf_printf(b, " %uw", desc[i]);
	}
	buf_printf(b, "\" sizes=\"%s\" width=\"%u\" height=\"%u\" alt=\"",
	    IMG_SIZES, mi->width, mi->height);
	buf_reset(&tmp);
	image_alt(img, &tmp);
	if (buf_failed(&tmp))
		b->failed = true;
	else
		buf_html_n(b, tmp.data, tmp.len);
	buf_putc(b, '"');
	if (title != NULL && title[0] != '\0') {
		buf_puts(b, " title=\"");
		buf_html(b, title);
		buf_putc(b, '"');
	}
	buf_puts(b, first ? " decoding=\"async\" fetchpriority=\"high\">" :
	    " decoding=\"async\" loading=\"lazy\">");
	buf_free(&tmp);
}

/*
 * Replaces img by a custom inline printing its responsive tag. An image
 * whose tag would not fit stays as it is. Returns -1 when out of memory.
 */
static int
image_replace(cmark_node *img, const struct markdown_images *im,
    const struct md_image *mi, bool first)
{
	struct buf b;
	cmark_node *inl;
	char *tag;

	buf_init(&b, IMG_TAG_MAX);
	image_tag(&b, img, im, mi, first);
	if ((tag = buf_take(&b, NULL)) == NULL)
		return 0;
	if ((inl = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_INLINE,
	    mdarena_mem())) == NULL ||
	    !cmark_node_set_on_enter(inl, tag) ||
	    !cmark_node_insert_before(img, inl)) {
		cmark_node_free(inl);
		free(tag);
		return -1;
	}
	free(tag);
	cmark_node_free(img);
	return 0;
}

/* Makes every local image im can resolve responsive. The first image of
 * the document is fetched early, every later one lazily. */
static int
md_images(cmark_node *doc, const struct markdown_images *im)
{
	struct md_image mi;
	cmark_node **imgs;
	const char *url;
	ptrdiff_t n;
	int rc = 0;

	if (im == NULL || im->resolve == NULL || im->widths == NULL ||
	    im->nwidths == 0)
		return 0;
	if ((n = md_collect_images(doc, &imgs)) < 0)
		return -1;
	for (size_t i = 0; i < (size_t)n && rc == 0; i++) {
		url = cmark_node_get_url(imgs[i]);
		if (!markdown_url_local(url))
			continue;
		memset(&mi, 0, sizeof(mi));
		if (!im->resolve(im->arg, url, node_line(imgs[i]), &mi) ||
		    mi.width == 0 || mi.height == 0 || mi.url[0] == '\0')
			continue;
		mi.url[sizeof(mi.url) - 1] = '\0';
		mi.version[sizeof(mi.version) - 1] = '\0';
		rc = image_replace(imgs[i], im, &mi, i == 0);
	}
	free(imgs);
	return rc;
}

/* One run of cmark over a document, in markdown_render()'s order. */
struct md_run {
	cmark_parser	*p;
	const char	*md;
	size_t		 len;
	int		 opts;
	cmark_node	*doc;
	char		*html;
};

static void
md_parse(struct md_run *r)
{
	cmark_parser_feed(r->p, r->md, r->len);
	r->doc = cmark_parser_finish(r->p);
}

static void
md_html(struct md_run *r)
{
	r->html = cmark_render_html_with_mem(r->doc, r->opts,
	    cmark_parser_get_syntax_extensions(r->p), mdarena_mem());
}

/*
 * Runs a step of cmark within the arena's MDARENA_MAX: false, with errno
 * EFBIG, when the document would take more (what cmark had built is left
 * in the arena for mdarena_reset()). Nothing outside the arena is held
 * while cmark runs, so the jump out of it leaks nothing.
 */
static bool
md_within_limit(void (*step)(struct md_run *), struct md_run *r)
{
	jmp_buf over;

	if (setjmp(over) != 0) {
		mdarena_catch(NULL);
		errno = EFBIG;
		return false;
	}
	mdarena_catch(&over);
	step(r);
	mdarena_catch(NULL);
	return true;
}

int
markdown_render(const char *md, size_t len, bool unsafe_html,
    const struct markdown_images *images, struct markdown_out *out)
{
	struct md_run r = { .md = md, .len = len,
	    .opts = CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8 };
	cmark_node **heads = NULL;
	size_t nheads = 0;

	memset(out, 0, sizeof(*out));
	if (unsafe_html)
		r.opts |= CMARK_OPT_UNSAFE;
	/* Parsed and rendered in the arena; only the HTML is kept. */
	if ((r.p = cmark_parser_new_with_mem(r.opts, mdarena_mem())) == NULL)
		return -1;
	if ((md_attach(r.p) == 0 && !md_within_limit(md_parse, &r)) ||
	    (r.doc != NULL && md_ids(r.doc, &heads, &nheads) == 0 &&
	    md_images(r.doc, images) == 0 && !md_within_limit(md_html, &r))) {
		/* The parser may be half-built: the arena drops it whole. */
		mdarena_reset();
		return -1;
	}
	if (r.doc != NULL)
		cmark_node_free(r.doc);
	md_free_heads(heads, nheads);
	cmark_parser_free(r.p);
	if (r.html != NULL) {
		out->html_len = strlen(r.html);
		if ((out->html = malloc(out->html_len + 1)) != NULL)
			memcpy(out->html, r.html, out->html_len + 1);
	}
	mdarena_reset();
	if (out->html == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
