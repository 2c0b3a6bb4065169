/*
 * index.c: the read side of the page index. index_open() maps the file and
 * checks every offset, length and field once, so that a corrupt or truncated
 * index is refused there and lookups and the code serving their entries can
 * trust what they read without further checks.
 */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio_limits.h"
#include "hash.h"

/* HTTP status codes are three digits; anything else is corruption. */
#define IX_STATUS_MIN	100
#define IX_STATUS_MAX	599
/* Source paths and the content root are copied into PATH_MAX buffers (and
 * printed with "%.*s", an int) by the code serving files. */
#define IX_FSPATH_MAX	(PATH_MAX - 1)
/* Bits of ix_entry.variants that may be set. */
#define IX_VARIANTS_ALL	((1u << IXV_COUNT) - 1)

static int ix_fail(char *, size_t, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Formats "path: reason" into err; returns -1 for the caller to return. */
static int
ix_fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (errlen > 0)
		snprintf(err, errlen, "%s: %s", path, reason);
	return -1;
}

uint32_t
index_hash(const char *path, size_t len)
{
	uint64_t h = hash64(path, len);

	/* Buckets are picked by masking the low bits; fold the high half
	 * in so that all 64 bits count. */
	return (uint32_t)(h ^ (h >> 32));
}

/* off and len lie inside a file of size bytes (overflow-safe). */
static bool
in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool
is_blob(struct ix_blob b, uint64_t size)
{
	return in_file(b.off, b.len, size);
}

static bool
is_hex_etag(const char *etag)
{
	for (size_t i = 0; i < ETAG_CORE_LEN; i++)
		if (!((etag[i] >= '0' && etag[i] <= '9') ||
		    (etag[i] >= 'a' && etag[i] <= 'f')))
			return false;
	return etag[ETAG_CORE_LEN] == '\0';
}

static int
check_header(const struct ix_header *h, uint64_t size, const char *path,
    char *err, size_t errlen)
{
	uint64_t entries_len, buckets_len;

	if (memcmp(h->magic, INDEX_MAGIC, sizeof(h->magic)) != 0)
		return ix_fail(err, errlen, path, "not a page index");
	if (h->version != INDEX_VERSION)
		return ix_fail(err, errlen, path, "index version %u, want %u",
		    h->version, INDEX_VERSION);
	if (h->header_size != sizeof(*h))
		return ix_fail(err, errlen, path, "bad header size %u",
		    h->header_size);
	if (h->file_size != size)
		return ix_fail(err, errlen, path, "truncated: %llu bytes of %llu",
		    (unsigned long long)size, (unsigned long long)h->file_size);
	if (h->nentries > INDEX_ENTRIES_MAX)
		return ix_fail(err, errlen, path, "too many entries (%u)",
		    h->nentries);
	if (h->nbuckets == 0 || (h->nbuckets & (h->nbuckets - 1)) != 0 ||
	    h->nbuckets <= h->nentries)
		return ix_fail(err, errlen, path, "bad bucket count %u",
		    h->nbuckets);
	entries_len = (uint64_t)h->nentries * sizeof(struct ix_entry);
	buckets_len = (uint64_t)h->nbuckets * sizeof(uint32_t);
	if (h->entries_off < sizeof(*h) ||
	    h->entries_off % alignof(struct ix_entry) != 0 ||
	    !in_file(h->entries_off, entries_len, size))
		return ix_fail(err, errlen, path, "entry table out of range");
	if (h->buckets_off < sizeof(*h) ||
	    h->buckets_off % alignof(uint32_t) != 0 ||
	    !in_file(h->buckets_off, buckets_len, size))
		return ix_fail(err, errlen, path, "bucket table out of range");
	if (h->notfound > h->nentries)
		return ix_fail(err, errlen, path, "bad 404 entry %u",
		    h->notfound);
	if (!is_blob(h->root, size) || h->root.len > IX_FSPATH_MAX)
		return ix_fail(err, errlen, path, "bad content root");
	if (!is_blob(h->sources, size))
		return ix_fail(err, errlen, path, "bad source cache");
	return 0;
}

/* The blobs of variant v: present ones in the file, absent ones empty. */
static const char *
check_variant(const struct ix_entry *e, int v, uint64_t size)
{
	bool present = (e->variants & (1u << v)) != 0;

	if (!present) {
		if (e->headers[v].off || e->headers[v].len ||
		    e->body[v].off || e->body[v].len)
			return "blobs of an absent variant";
		return NULL;
	}
	if (!is_blob(e->headers[v], size) || !is_blob(e->body[v], size))
		return "blob out of range";
	if (e->headers[v].len > INDEX_HEADERS_MAX)
		return "header block too long";
	/* A compressed body is never empty; identity page bodies may be. */
	if (v != IXV_IDENTITY && e->body[v].len == 0)
		return "empty compressed body";
	return NULL;
}

static const char *
check_entry(const struct ix_entry *e, const char *map, uint64_t size)
{
	const char *why;

	if (e->kind != IX_PAGE && e->kind != IX_FILE)
		return "bad kind";
	if (e->route >= ROUTE_COUNT)
		return "bad route";
	if (e->status < IX_STATUS_MIN || e->status > IX_STATUS_MAX)
		return "bad status";
	if (!is_blob(e->path, size) || e->path.len > INDEX_PATH_MAX)
		return "bad path";
	/* Routes start with '/'; "" is the 404 page. */
	if (e->path.len > 0 && map[e->path.off] != '/')
		return "path not absolute";
	if (e->hash != index_hash(map + e->path.off, e->path.len))
		return "path hash mismatch";
	if ((e->variants & ~IX_VARIANTS_ALL) != 0 ||
	    (e->variants & (1u << IXV_IDENTITY)) == 0)
		return "bad variants";
	if ((e->flags & ~IXF_DEFERRED) != 0 || ((e->flags & IXF_DEFERRED) &&
	    (e->kind != IX_PAGE || e->variants != 1u << IXV_IDENTITY)))
		return "bad flags";
	for (int v = 0; v < IXV_COUNT; v++)
		if ((why = check_variant(e, v, size)) != NULL)
			return why;
	if (e->etag[ETAG_CORE_LEN] != '\0')
		return "etag not terminated";
	if (e->kind == IX_PAGE) {
		if (!is_hex_etag(e->etag))
			return "bad etag";
		return NULL;
	}
	if (e->variants != (1u << IXV_IDENTITY))
		return "compressed variants of a file";
	if (e->body[IXV_IDENTITY].len == 0 ||
	    e->body[IXV_IDENTITY].len > IX_FSPATH_MAX)
		return "bad source path";
	return NULL;
}

static int
check_tables(const struct index *ix, const char *path, char *err,
    size_t errlen)
{
	const struct ix_header *h = ix->hdr;
	const char *why;

	for (uint32_t i = 0; i < h->nbuckets; i++)
		if (ix->buckets[i] > h->nentries)
			return ix_fail(err, errlen, path, "bucket %u: bad entry %u",
			    i, ix->buckets[i]);
	for (uint32_t i = 0; i < h->nentries; i++)
		if ((why = check_entry(&ix->entries[i], ix->map, ix->size)) != NULL)
			return ix_fail(err, errlen, path, "entry %u: %s", i, why);
	return 0;
}

int
index_open(struct index *ix, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd;

	memset(ix, 0, sizeof(*ix));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ix_fail(err, errlen, path, "%s", strerror(errno));
	if (fstat(fd, &st) == -1) {
		int saved = errno;
		close(fd);
		return ix_fail(err, errlen, path, "%s", strerror(saved));
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct ix_header) ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return ix_fail(err, errlen, path, "not a page index (size %lld)",
		    (long long)st.st_size);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int saved = errno;
		close(fd);
		return ix_fail(err, errlen, path, "mmap: %s", strerror(saved));
	}
	ix->map = map;
	ix->size = (size_t)st.st_size;
	ix->fd = fd;
	ix->hdr = map;
	if (check_header(ix->hdr, ix->size, path, err, errlen) == -1) {
		index_close(ix);
		return -1;
	}
	ix->entries = (const struct ix_entry *)((const char *)map +
	    ix->hdr->entries_off);
	ix->buckets = (const uint32_t *)((const char *)map +
	    ix->hdr->buckets_off);
	if (check_tables(ix, path, err, errlen) == -1) {
		index_close(ix);
		return -1;
	}
	return 0;
}

int
index_peek(const char *path, struct ix_header *h, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ix_fail(err, errlen, path, "%s", strerror(errno));
	if (fstat(fd, &st) == -1 ||
	    (n = pread(fd, h, sizeof(*h), 0)) == -1) {
		e = errno;
		close(fd);
		return ix_fail(err, errlen, path, "%s", strerror(e));
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || n != (ssize_t)sizeof(*h))
		return ix_fail(err, errlen, path, "not a page index (size %lld)",
		    (long long)st.st_size);
	return check_header(h, (uint64_t)st.st_size, path, err, errlen);
}

void
index_close(struct index *ix)
{
	if (ix->map != NULL) {
		munmap(ix->map, ix->size);
		close(ix->fd);
	}
	memset(ix, 0, sizeof(*ix));
}

const struct ix_entry *
index_lookup(const struct index *ix, const char *path, size_t len)
{
	const struct ix_entry *e;
	uint32_t h, mask, i, slot;

	if (ix->map == NULL || len > INDEX_PATH_MAX)
		return NULL;
	h = index_hash(path, len);
	mask = ix->hdr->nbuckets - 1;
	i = h & mask;
	/* A valid table always has an empty bucket; a corrupt one that
	 * passed the checks still cannot make us loop. */
	for (uint32_t n = 0; n < ix->hdr->nbuckets; n++, i = (i + 1) & mask) {
		if ((slot = ix->buckets[i]) == 0)
			return NULL;
		e = &ix->entries[slot - 1];
		if (e->hash == h && e->path.len == len && (len == 0 ||
		    memcmp(index_blob(ix, e->path), path, len) == 0))
			return e;
	}
	return NULL;
}

const struct ix_entry *
index_notfound(const struct index *ix)
{
	if (ix->map == NULL || ix->hdr->notfound == 0)
		return NULL;
	return &ix->entries[ix->hdr->notfound - 1];
}

int
index_path(const char *dir, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/" INDEX_FILE, dir);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
