/*
 * srccache.c: the source cache of srccache.h. The blob is a stamp and one
 * record per source: a fixed header, then the path, the front matter's
 * strings and the tags, each NUL-terminated. Records are read through
 * memcpy (no alignment assumed) and every one is checked before any is
 * used, so a damaged blob is ignored whole, never half-trusted.
 */
#include "srccache.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content.h"
#include "folio_limits.h"
#include "frontmatter.h"

/* The blob's first 8 bytes: its format (the 1 is its version). */
/* 2: SC_HAS_DATE; a record of 1 would read as undated. */
#define SC_MAGIC	"FOLIOSC2"

/* Which optional strings follow the path, and the booleans. */
#define SC_TITLE	0x01u
#define SC_SUMMARY	0x02u
#define SC_IMAGE	0x04u
#define SC_DRAFT	0x08u
#define SC_DATE_TIME	0x10u
#define SC_HAS_DATE	0x20u

struct sc_head {
	char		magic[8];
	uint64_t	stamp;
};

struct sc_rec {
	uint32_t	len;		/* the whole record, strings included */
	uint16_t	ntags;
	uint16_t	flags;
	struct src_id	id;
	int64_t		date, updated;
	uint64_t	src_hash, words, body_line, body_off;
};

void
srccache_id(const struct stat *st, struct src_id *id)
{
	memset(id, 0, sizeof(*id));
	id->size = (uint64_t)st->st_size;
	id->ino = (uint64_t)st->st_ino;
	id->mtime_s = (int64_t)st->st_mtim.tv_sec;
	id->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	id->ctime_s = (int64_t)st->st_ctim.tv_sec;
	id->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

/* --- Writing ------------------------------------------------------------ */

void
srccache_begin(struct buf *out, uint64_t stamp)
{
	struct sc_head h;

	memcpy(h.magic, SC_MAGIC, sizeof(h.magic));
	h.stamp = stamp;
	buf_append(out, &h, sizeof(h));
}

static size_t
str_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static void
put_str(struct buf *out, const char *s)
{
	if (s != NULL)
		buf_append(out, s, strlen(s) + 1);
}

void
srccache_add(struct buf *out, const char *rel, const struct src_id *id,
    const struct doc *d, size_t body_off)
{
	const struct meta *m = &d->meta;
	struct sc_rec r;
	size_t len = sizeof(r) + strlen(rel) + 1 + str_size(m->title) +
	    str_size(m->summary) + str_size(m->image);

	/* Not kept (the loader never makes either): the next build reads
	 * the file, which is always correct. */
	if (m->ntags > POST_TAGS_MAX)
		return;
	for (size_t i = 0; i < m->ntags; i++)
		len += strlen(m->tags[i]) + 1;
	if (len > UINT32_MAX)
		return;
	memset(&r, 0, sizeof(r));
	r.len = (uint32_t)len;
	r.ntags = (uint16_t)m->ntags;
	r.flags = (m->title ? SC_TITLE : 0) | (m->summary ? SC_SUMMARY : 0) |
	    (m->image ? SC_IMAGE : 0) | (m->draft ? SC_DRAFT : 0) |
	    (m->date_has_time ? SC_DATE_TIME : 0) |
	    (m->has_date ? SC_HAS_DATE : 0);
	r.id = *id;
	r.date = (int64_t)m->date;
	r.updated = (int64_t)m->updated;
	r.src_hash = d->src_hash;
	r.words = d->words;
	r.body_line = d->body_line;
	r.body_off = body_off;
	buf_append(out, &r, sizeof(r));
	put_str(out, rel);
	put_str(out, m->title);
	put_str(out, m->summary);
	put_str(out, m->image);
	for (size_t i = 0; i < m->ntags; i++)
		put_str(out, m->tags[i]);
}

/* --- Reading ------------------------------------------------------------ */

static size_t
strings_of(const struct sc_rec *r)
{
	return 1 + !!(r->flags & SC_TITLE) + !!(r->flags & SC_SUMMARY) +
	    !!(r->flags & SC_IMAGE) + r->ntags;
}

/* True if the record at off lies in the blob and holds exactly the
 * strings its header promises. */
static bool
rec_ok(const char *data, size_t len, size_t off, struct sc_rec *r)
{
	const char *p, *end, *nul;

	if (len - off < sizeof(*r))
		return false;
	memcpy(r, data + off, sizeof(*r));
	if (r->len < sizeof(*r) || r->len > len - off ||
	    r->ntags > POST_TAGS_MAX)
		return false;
	p = data + off + sizeof(*r);
	end = data + off + r->len;
	for (size_t i = strings_of(r); i > 0; i--) {
		if (p == end || (nul = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL)
			return false;
		p = nul + 1;
	}
	return p == end;
}

static const char *
rec_path(const struct srccache *c, uint32_t off)
{
	return c->data + off + sizeof(struct sc_rec);
}

static int
cmp_path(const void *a, const void *b, void *arg)
{
	const struct srccache *c = arg;

	return strcmp(rec_path(c, *(const uint32_t *)a),
	    rec_path(c, *(const uint32_t *)b));
}

int
srccache_open(struct srccache *c, const void *blob, size_t len,
    uint64_t stamp)
{
	struct sc_head h;
	struct sc_rec r;
	size_t off, n = 0;

	memset(c, 0, sizeof(*c));
	if (blob == NULL || len < sizeof(h) || len > UINT32_MAX)
		return 0;
	memcpy(&h, blob, sizeof(h));
	if (memcmp(h.magic, SC_MAGIC, sizeof(h.magic)) != 0 ||
	    h.stamp != stamp)
		return 0;
	for (off = sizeof(h); off < len; off += r.len, n++)
		if (!rec_ok(blob, len, off, &r))
			return 0;
	if (n == 0)
		return 0;
	if ((c->offs = calloc(n, sizeof(*c->offs))) == NULL)
		return -1;
	c->data = blob;
	for (off = sizeof(h); off < len; off += r.len) {
		memcpy(&r, c->data + off, sizeof(r));
		c->offs[c->n++] = (uint32_t)off;
	}
	qsort_r(c->offs, c->n, sizeof(*c->offs), cmp_path, c);
	return 0;
}

void
srccache_close(struct srccache *c)
{
	free(c->offs);
	memset(c, 0, sizeof(*c));
}

static bool
same_id(const struct src_id *a, const struct src_id *b)
{
	return a->size == b->size && a->ino == b->ino &&
	    a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	    a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

/* The record of rel, or -1. */
static ptrdiff_t
find(const struct srccache *c, const char *rel)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(rel, rec_path(c, c->offs[mid]));

		if (d == 0)
			return (ptrdiff_t)mid;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Copies the next string at *p if flag is set; false when out of memory. */
static bool
take_str(const char **p, bool present, char **out)
{
	if (!present)
		return true;
	*out = strdup(*p);
	*p += strlen(*p) + 1;
	return *out != NULL;
}

int
srccache_get(const struct srccache *c, const char *rel,
    const struct src_id *id, struct doc *d, size_t *body_off)
{
	struct meta *m = &d->meta;
	struct sc_rec r;
	const char *p;
	ptrdiff_t i;

	if (c == NULL || (i = find(c, rel)) < 0)
		return 0;
	memcpy(&r, c->data + c->offs[i], sizeof(r));
	if (!same_id(&r.id, id))
		return 0;
	p = rec_path(c, c->offs[i]);
	p += strlen(p) + 1;
	memset(m, 0, sizeof(*m));
	if (!take_str(&p, r.flags & SC_TITLE, &m->title) ||
	    !take_str(&p, r.flags & SC_SUMMARY, &m->summary) ||
	    !take_str(&p, r.flags & SC_IMAGE, &m->image) ||
	    (r.ntags > 0 && (m->tags = calloc(r.ntags, sizeof(*m->tags))) ==
	    NULL))
		goto oom;
	for (; m->ntags < r.ntags; m->ntags++)
		if (!take_str(&p, true, &m->tags[m->ntags]))
			goto oom;
	m->date = (time_t)r.date;
	m->updated = (time_t)r.updated;
	m->draft = (r.flags & SC_DRAFT) != 0;
	m->date_has_time = (r.flags & SC_DATE_TIME) != 0;
	m->has_date = (r.flags & SC_HAS_DATE) != 0;
	d->src_hash = r.src_hash;
	d->words = (size_t)r.words;
	d->body_line = (size_t)r.body_line;
	*body_off = (size_t)r.body_off;
	return 1;
oom:
	meta_free(m);
	return -1;
}
