/*
 * markdown.c: markdown to HTML with cmark-gfm and its table, strikethrough,
 * autolink and tasklist extensions. Every heading is replaced in the tree by
 * custom nodes that print <hN id="slug">, since cmark has no id attribute
 * and custom nodes render the same in safe and unsafe mode. Also counts the
 * words of the text for the reading time.
 */
#include "markdown.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "buf.h"
#include "hash.h"

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

static const char *const md_extensions[] = {
	"table", "strikethrough", "autolink", "tasklist",
};

/* The ids used so far in a document, and the next suffix for each. */
struct idset {
	struct idslot {
		char	*id;
		unsigned next;		/* next "-N" to try for this base */
	}	*slots;
	size_t	 cap;			/* a power of two */
};

static int
idset_init(struct idset *s, size_t n)
{
	s->cap = MD_LIST_INITIAL;
	while (s->cap < 2 * n + 2)
		s->cap *= 2;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	return s->slots ? 0 : -1;
}

static void
idset_free(struct idset *s)
{
	for (size_t i = 0; s->slots != NULL && i < s->cap; i++)
		free(s->slots[i].id);
	free(s->slots);
	s->slots = NULL;
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

/*
 * Makes base unique in the document ("x", "x-1", "x-2", ...), records it and
 * writes it to out. Returns -1 when out of memory.
 */
static int
idset_take(struct idset *s, const char *base, char *out, size_t outlen)
{
	struct idslot *b = idset_find(s, base), *slot;

	if (b->id == NULL) {
		if ((b->id = strdup(base)) == NULL)
			return -1;
		b->next = 1;
		snprintf(out, outlen, "%s", base);
		return 0;
	}
	for (;;) {
		snprintf(out, outlen, "%s-%u", base, b->next++);
		slot = idset_find(s, out);
		if (slot->id == NULL)
			break;
	}
	if ((slot->id = strdup(out)) == NULL)
		return -1;
	slot->next = 1;
	return 0;
}

/* Length of the UTF-8 sequence at s and its code point, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
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
	    c == 0xfeff || c == 0xfffd;
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

/* Appends what fits of s below the buffer's bound. */
static void
heading_put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > b->max - b->len)
		n = b->max - b->len;
	buf_append(b, s, n);
}

/* The plain text of a heading (its text and code spans), cut at b->max. */
static void
heading_text(cmark_node *h, struct buf *b)
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
	char text[HEADING_TEXT_MAX + 1], base[HEADING_ID_MAX + 1];
	char id[HEADING_UID_MAX], open[HEADING_TAG_MAX], close[sizeof("</h6>")];
	struct buf b;
	cmark_node *blk, *inl, *c;
	int level = cmark_node_get_heading_level(h);
	size_t n;

	buf_init(&b, HEADING_TEXT_MAX);
	heading_text(h, &b);
	n = buf_failed(&b) ? 0 : b.len;
	if (n > 0)
		memcpy(text, b.data, n);
	text[n] = '\0';
	buf_free(&b);
	heading_slug(text, n, base, sizeof(base));
	if (idset_take(ids, base, id, sizeof(id)) == -1)
		return -1;
	snprintf(open, sizeof(open), "<h%d id=\"%s\">", level, id);
	snprintf(close, sizeof(close), "</h%d>", level);
	blk = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	inl = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
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

/* Counts the words starting in s; *in_word carries across text nodes. */
static size_t
count_words(const char *s, bool *in_word)
{
	size_t words = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v')
			*in_word = false;
		else if (!*in_word && (c >= 0x80 || (c >= '0' && c <= '9') ||
		    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))) {
			*in_word = true;
			words++;
		}
	}
	return words;
}

/*
 * Counts words and collects the headings (in document order) into *heads.
 * Returns the number of headings, or -1 when out of memory.
 */
static ptrdiff_t
md_walk(cmark_node *doc, cmark_node ***heads, size_t *words)
{
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *n, **h = NULL, **nh;
	size_t nheads = 0, cap = 0;
	bool in_word = false;

	*words = 0;
	if ((it = cmark_iter_new(doc)) == NULL)
		return -1;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			*words += count_words(cmark_node_get_literal(n),
			    &in_word);
			continue;
		case CMARK_NODE_HEADING:
			if (ev != CMARK_EVENT_ENTER)
				break;
			if (nheads == cap) {
				cap = cap ? cap * 2 : MD_LIST_INITIAL;
				if ((nh = reallocarray(h, cap, sizeof(*h))) ==
				    NULL) {
					free(h);
					cmark_iter_free(it);
					return -1;
				}
				h = nh;
			}
			h[nheads++] = n;
			break;
		default:
			break;
		}
		/* Anything else (a block, a break, a link edge) ends a word
		 * unless it is inline emphasis in the middle of one. */
		if (cmark_node_get_type(n) != CMARK_NODE_EMPH &&
		    cmark_node_get_type(n) != CMARK_NODE_STRONG &&
		    cmark_node_get_type(n) != CMARK_NODE_LINK)
			in_word = false;
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
	free(heads);
}

/*
 * Gives every heading in doc its id. The first *n of *heads are the heading
 * nodes taken out of the tree, for md_free_heads() after rendering; the
 * rest (after a failure) are still in the tree.
 */
static int
md_ids(cmark_node *doc, size_t *words, cmark_node ***heads, size_t *n)
{
	struct idset ids;
	ptrdiff_t nh;
	size_t i;
	int rc = 0;

	*heads = NULL;
	*n = 0;
	if ((nh = md_walk(doc, heads, words)) < 0)
		return -1;
	if (idset_init(&ids, (size_t)nh) == -1)
		return -1;
	for (i = 0; i < (size_t)nh && rc == 0; i++)
		if ((rc = heading_replace((*heads)[i], &ids)) == 0)
			(*n)++;
	idset_free(&ids);
	return rc;
}

int
markdown_render(const char *md, size_t len, bool unsafe_html,
    struct markdown_out *out)
{
	int opts = CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8;
	cmark_parser *p;
	cmark_node *doc = NULL, **heads = NULL;
	char *html = NULL;
	size_t nheads = 0;

	memset(out, 0, sizeof(*out));
	if (unsafe_html)
		opts |= CMARK_OPT_UNSAFE;
	if ((p = cmark_parser_new(opts)) == NULL)
		return -1;
	if (md_attach(p) == 0) {
		cmark_parser_feed(p, md, len);
		doc = cmark_parser_finish(p);
	}
	if (doc != NULL && md_ids(doc, &out->words, &heads, &nheads) == 0)
		html = cmark_render_html(doc, opts,
		    cmark_parser_get_syntax_extensions(p));
	if (doc != NULL)
		cmark_node_free(doc);
	md_free_heads(heads, nheads);
	cmark_parser_free(p);
	if (html == NULL)
		return -1;
	out->html = html;
	out->html_len = strlen(html);
	return 0;
}
