/*
 * test_srccache.c: the source cache round trip (every field of a doc back
 * as it went in, strings copied), lookups that must miss (another path,
 * any identity field changed, another stamp), and damaged blobs: every
 * truncation and every byte flipped is either refused whole or read within
 * its bounds (ASan watches), never half-trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content.h"
#include "folio_limits.h"
#include "frontmatter.h"
#include "srccache.h"
#include "test.h"

#define STAMP		0x5eedULL
#define BLOB_MAX	(1u << 20)

static char *tags[] = { "alpha", "Beta tag" };

static const struct src_id id_a = {
	.size = 1200, .ino = 77, .mtime_s = 1700000000, .mtime_ns = 5,
	.ctime_s = 1700000001, .ctime_ns = 6,
};
static const struct src_id id_b = { .size = 30, .ino = 78 };

static void
make_blob(struct buf *b)
{
	struct doc a, p;

	memset(&a, 0, sizeof(a));
	a.meta.title = "Hello, world";
	a.meta.summary = "Short";
	a.meta.image = "/images/a.jpg";
	a.meta.date = 1690000000;
	a.meta.date_has_time = true;
	a.meta.has_date = true;
	a.meta.updated = 1695000000;
	a.meta.tags = tags;
	a.meta.ntags = 2;
	a.words = 321;
	a.body_line = 7;
	a.src_hash = 0x0123456789abcdefULL;
	memset(&p, 0, sizeof(p));
	p.meta.draft = true;		/* no strings at all but the path */
	buf_init(b, BLOB_MAX);
	srccache_begin(b, STAMP);
	/* Out of order on purpose: the reader sorts. */
	srccache_add(b, "posts/zeta.md", &id_b, &p, 3);
	srccache_add(b, "posts/a.md", &id_a, &a, 99);
}

static void
test_round_trip(const struct buf *b)
{
	struct srccache c;
	struct doc d;
	size_t off = 0;

	ok(srccache_open(&c, b->data, b->len, STAMP) == 0 && c.n == 2,
	    "two records (%zu)", c.n);
	memset(&d, 0, sizeof(d));
	ok(srccache_get(&c, "posts/a.md", &id_a, &d, &off) == 1, "a found");
	ok(d.meta.title && strcmp(d.meta.title, "Hello, world") == 0 &&
	    d.meta.summary && strcmp(d.meta.summary, "Short") == 0 &&
	    d.meta.image && strcmp(d.meta.image, "/images/a.jpg") == 0,
	    "a's strings");
	ok(d.meta.ntags == 2 && strcmp(d.meta.tags[0], "alpha") == 0 &&
	    strcmp(d.meta.tags[1], "Beta tag") == 0 && d.meta.tags[0] !=
	    tags[0], "a's tags, copied");
	ok(d.meta.date == 1690000000 && d.meta.date_has_time &&
	    d.meta.has_date && d.meta.updated == 1695000000 &&
	    !d.meta.draft, "a's dates");
	ok(d.words == 321 && d.body_line == 7 && off == 99 &&
	    d.src_hash == 0x0123456789abcdefULL, "a's counts and offset");
	meta_free(&d.meta);
	memset(&d, 0, sizeof(d));
	ok(srccache_get(&c, "posts/zeta.md", &id_b, &d, &off) == 1 &&
	    d.meta.draft && d.meta.title == NULL && d.meta.summary == NULL &&
	    d.meta.image == NULL && d.meta.ntags == 0 && off == 3,
	    "zeta: a draft with no strings");
	meta_free(&d.meta);
	srccache_close(&c);
}

static void
test_misses(const struct buf *b)
{
	static const size_t fields[] = {
		offsetof(struct src_id, size), offsetof(struct src_id, ino),
		offsetof(struct src_id, mtime_s),
		offsetof(struct src_id, mtime_ns),
		offsetof(struct src_id, ctime_s),
		offsetof(struct src_id, ctime_ns),
	};
	struct srccache c;
	struct src_id id;
	struct doc d;
	size_t off;

	srccache_open(&c, b->data, b->len, STAMP);
	memset(&d, 0, sizeof(d));
	ok(srccache_get(&c, "posts/b.md", &id_a, &d, &off) == 0,
	    "another path misses");
	ok(srccache_get(&c, "posts/a.m", &id_a, &d, &off) == 0,
	    "a prefix misses");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		id = id_a;
		((unsigned char *)&id)[fields[i]] ^= 1;
		ok(srccache_get(&c, "posts/a.md", &id, &d, &off) == 0,
		    "identity field %zu changed: a miss", i);
	}
	ok(d.meta.title == NULL, "a miss fills nothing");
	srccache_close(&c);
	ok(srccache_open(&c, b->data, b->len, STAMP + 1) == 0 && c.n == 0,
	    "another stamp: an empty cache");
	ok(srccache_get(&c, "posts/a.md", &id_a, &d, &off) == 0,
	    "and every lookup misses");
	srccache_close(&c);
	ok(srccache_open(&c, NULL, 0, STAMP) == 0 && c.n == 0, "no blob");
	srccache_close(&c);
}

/* Opens damaged bytes; whatever is accepted is looked up in full. */
static size_t
try_damaged(const char *data, size_t len)
{
	struct srccache c;
	struct doc d;
	size_t off, n;
	char *copy = malloc(len ? len : 1);

	/* A copy of exactly len bytes: ASan sees any read past it. */
	memcpy(copy, data, len);
	if (srccache_open(&c, copy, len, STAMP) == -1) {
		free(copy);
		return 0;
	}
	n = c.n;
	memset(&d, 0, sizeof(d));
	if (srccache_get(&c, "posts/a.md", &id_a, &d, &off) == 1)
		meta_free(&d.meta);
	if (srccache_get(&c, "posts/zeta.md", &id_b, &d, &off) == 1)
		meta_free(&d.meta);
	srccache_close(&c);
	free(copy);
	return n;
}

static void
test_damage(const struct buf *b)
{
	size_t bad = 0, whole = 0;
	char *copy = malloc(b->len);
	uint32_t len1;

	/* Cut anywhere: all or nothing, except exactly after record one. */
	for (size_t n = 0; n < b->len; n++) {
		size_t got = try_damaged(b->data, n);

		whole += got == 1;
		bad += got > 1;
	}
	ok(bad == 0 && whole == 1, "truncations: %zu at a record boundary, "
	    "%zu half-read", whole, bad);
	/* Every byte flipped: never more records than there are. */
	bad = 0;
	for (size_t i = 0; i < b->len; i++) {
		memcpy(copy, b->data, b->len);
		copy[i] ^= 0x5a;
		bad += try_damaged(copy, b->len) > 2;
	}
	ok(bad == 0, "flipped bytes: %zu reads past the records", bad);
	/* The first record (after the 16-byte stamp) one byte longer: its
	 * strings no longer end where it does, so the blob is refused. */
	memcpy(copy, b->data, b->len);
	memcpy(&len1, copy + 16, sizeof(len1));
	len1 += 1;
	memcpy(copy + 16, &len1, sizeof(len1));
	ok(try_damaged(copy, b->len) == 0, "a record longer than its strings");
	free(copy);
	/* The last record one byte longer, with that byte there: in bounds,
	 * but a byte no string claims. */
	copy = malloc(b->len + 1);
	memcpy(copy, b->data, b->len);
	copy[b->len] = 'x';
	memcpy(&len1, copy + 16, sizeof(len1));	/* the first record's */
	memcpy(&len1, copy + 16 + len1, sizeof(len1));	/* the last's */
	{
		size_t at = 16 + (b->len - 16 - len1);

		len1 += 1;
		memcpy(copy + at, &len1, sizeof(len1));
	}
	ok(try_damaged(copy, b->len + 1) == 0, "a byte after the strings");
	free(copy);
}

static void
test_too_many_tags(void)
{
	char *many[POST_TAGS_MAX + 1];
	struct doc d;
	struct buf b;

	for (size_t i = 0; i <= POST_TAGS_MAX; i++)
		many[i] = "t";
	memset(&d, 0, sizeof(d));
	d.meta.tags = many;
	d.meta.ntags = POST_TAGS_MAX + 1;
	buf_init(&b, BLOB_MAX);
	srccache_begin(&b, STAMP);
	srccache_add(&b, "posts/x.md", &id_a, &d, 0);
	ok(b.len == 16, "a doc with too many tags is not recorded (%zu)",
	    b.len);
	buf_free(&b);
}

int
main(void)
{
	struct buf b;

	make_blob(&b);
	ok(!buf_failed(&b) && b.len > 16, "blob written (%zu bytes)", b.len);
	test_round_trip(&b);
	test_misses(&b);
	test_damage(&b);
	test_too_many_tags();
	buf_free(&b);
	return test_done();
}
