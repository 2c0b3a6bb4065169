/*
 * index_write.c: the build side of the page index. Blobs stream through a
 * small write buffer into a temp file beside the index as routes are added,
 * but for the pages being compressed on compress.c's pool (at most
 * INDEX_JOBS_MAX), whose blobs go out together when their variants are
 * done. Only those, the entry table, the route paths and the bucket table
 * stay in memory until ixb_commit() appends them, writes the header and
 * renames into place.
 * The paths go out back to back, next to the tables: a reader checking
 * every entry (index_open()) then touches a few pages, not the whole file.
 */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "folio_limits.h"
#include "hash.h"

/* Bytes gathered before one write(2): large enough that syscalls are few,
 * small enough to be nothing next to the bodies being written. */
#define IXB_WBUF_SIZE		(64u << 10)
/* Blobs start on this boundary (the entry table needs 8 too). */
#define IXB_ALIGN		8
/* First size of the path table; it doubles to stay at most half full,
 * which is also what the file's bucket table needs. */
#define IXB_SLOTS_INITIAL	16
/* First size of the entry array; it doubles as routes are added. */
#define IXB_ENTS_INITIAL	64
/* Room for one reason; paths are bounded by INDEX_PATH_MAX but only the
 * start of one is needed to find the route. */
#define IXB_ERR_MAX		512
/* Printed instead of "" in messages about the 404 page. */
#define IXB_NOTFOUND_NAME	"(404 page)"
#define IXB_FILE_MODE		0644
/* Status codes are three digits. */
#define IXB_STATUS_MIN		100
#define IXB_STATUS_MAX		599
/* Source paths and the root are copied into PATH_MAX buffers when served. */
#define IXB_FSPATH_MAX		(PATH_MAX - 1)
/* Bytes of padding the span of one entry's blobs in a previous index may
 * hold besides them (each blob is aligned); a larger span is not one
 * entry's, and is not copied whole. */
#define IXB_SPAN_SLACK		(IXV_COUNT * 2 * IXB_ALIGN)
/* All the route paths together: at most every entry at the longest path. */
#define IXB_PATHS_MAX		((size_t)INDEX_ENTRIES_MAX * (INDEX_PATH_MAX + 1))

struct ixb_ent {
	struct ix_entry	 e;	/* as written, offsets into the file */
	size_t		 poff;	/* its path in b->paths */
};

/*
 * A page whose compressed variants are being made on the pool
 * (compress.h). Its blobs are all written when they are done (job_finish),
 * identity first, so that one entry's blobs stay side by side in the file
 * and a later build can copy them in one piece.
 */
struct ixb_job {
	size_t			 ent;	/* in b->ents */
	const struct ix_entry	*pe;	/* identity copied from prev, or NULL */
	char			*common;	/* the route's header lines */
	void			*body;	/* own copy, or NULL with pe */
	struct buf		 gz, br;
	struct compress_job	 cj;
};

struct ixb {
	int		 fd;
	char		 tmp[PATH_MAX];
	char		 dst[PATH_MAX];
	char		 dir[PATH_MAX];
	uint64_t	 off;		/* file offset of the next byte */
	size_t		 wlen;		/* bytes waiting in wbuf */
	struct ixb_ent	*ents;
	size_t		 nents, capents;
	struct buf	 paths;		/* every route path, back to back */
	uint32_t	*slots;		/* entry index + 1, 0 = empty */
	uint32_t	 nslots;	/* power of two, >= 2 * nents */
	uint32_t	 notfound;
	const struct index *prev;	/* compressed bodies to reuse, or NULL */
	bool		 later;		/* ixb_compress_later() */
	const void	*sources;	/* ixb_sources() */
	size_t		 sources_len;
	size_t		 deferred;	/* entries flagged IXF_DEFERRED */
	struct {			/* bytes of prev still to be copied */
		uint64_t src, len, dst;
	}		 pend;
	size_t		 reused;
	struct ixb_job	 jobs[INDEX_JOBS_MAX];	/* a ring, oldest at jhead */
	size_t		 jhead, jcount, jbytes;
	bool		 failed;
	char		 err[IXB_ERR_MAX];
	char		 wbuf[IXB_WBUF_SIZE];
};

static void ixb_fail(struct ixb *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Keeps the first error; every later step becomes a no-op. */
static void
ixb_fail(struct ixb *b, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return;
	b->failed = true;
	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
}

static const char *
route_name(const char *path)
{
	return path[0] == '\0' ? IXB_NOTFOUND_NAME : path;
}

/* --- Writing the file -------------------------------------------------- */

static int
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t r;

	while (n > 0) {
		if ((r = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	const char *s = p;
	ssize_t r;

	while (n > 0) {
		if ((r = pwrite(fd, s, n, off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

static void
w_flush(struct ixb *b)
{
	if (b->failed || b->wlen == 0)
		return;
	if (write_all(b->fd, b->wbuf, b->wlen) == -1)
		ixb_fail(b, "%s: write: %s", b->tmp, strerror(errno));
	b->wlen = 0;
}

static void c_issue(struct ixb *);

static void
w_write(struct ixb *b, const void *p, size_t n)
{
	if (b->failed || n == 0)
		return;
	c_issue(b);
	b->off += n;
	if (n >= sizeof(b->wbuf)) {
		w_flush(b);
		if (!b->failed && write_all(b->fd, p, n) == -1)
			ixb_fail(b, "%s: write: %s", b->tmp, strerror(errno));
		return;
	}
	if (b->wlen + n > sizeof(b->wbuf))
		w_flush(b);
	memcpy(b->wbuf + b->wlen, p, n);
	b->wlen += n;
}

static void
w_pad(struct ixb *b)
{
	static const char zeros[IXB_ALIGN];

	if (b->off % IXB_ALIGN != 0)
		w_write(b, zeros, IXB_ALIGN - b->off % IXB_ALIGN);
}

/* Writes one blob, aligned and followed by a NUL (not counted in its
 * length) so that string blobs read as C strings in a debugger. */
static struct ix_blob
w_blob(struct ixb *b, const void *p, size_t n)
{
	struct ix_blob blob;

	w_pad(b);
	blob.off = b->off;
	blob.len = n;
	w_write(b, p, n);
	w_write(b, "", 1);
	return blob;
}

/* --- Copying from the previous index ------------------------------------ */

/*
 * Unchanged routes are copied from the previous index by the kernel
 * (copy_file_range(2): the old file's pages are neither mapped nor copied
 * through user space), in runs as long as the entries allow: the blobs of
 * consecutive reused routes lie back to back in both files. A run waits
 * in b->pend until something else is written.
 */
static void
c_issue(struct ixb *b)
{
	loff_t src = (loff_t)b->pend.src;
	uint64_t left = b->pend.len;
	ssize_t n;

	b->pend.len = 0;
	while (left > 0) {
		n = copy_file_range(b->prev->fd, &src, b->fd, NULL, left, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (uint64_t)n;
	}
	/* A file system that cannot: write the rest from the mapping. */
	if (left > 0 && write_all(b->fd, (const char *)b->prev->map + src,
	    left) == -1)
		ixb_fail(b, "%s: write: %s", b->tmp, strerror(errno));
}

/* The span of the previous file holding pe's blobs of the variants from
 * `from` on; false if they do not lie close together. */
static bool
c_span(const struct ixb *b, const struct ix_entry *pe, int from,
    uint64_t *start, uint64_t *end)
{
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;

	for (int v = from; v < IXV_COUNT; v++) {
		const struct ix_blob *bl[2] = { &pe->headers[v], &pe->body[v] };

		if (!(pe->variants & (1u << v)))
			continue;
		for (int k = 0; k < 2; k++) {
			if (bl[k]->off < lo)
				lo = bl[k]->off;
			if (bl[k]->off + bl[k]->len + 1 > hi)
				hi = bl[k]->off + bl[k]->len + 1;	/* its NUL */
			sum += bl[k]->len + 1;
		}
	}
	*start = lo;
	*end = hi;
	return hi > lo && lo % IXB_ALIGN == 0 && hi <= b->prev->size &&
	    hi - lo <= sum + IXB_SPAN_SLACK;
}

/* Takes [start, end) of the previous file into the pending run. */
static void
c_queue(struct ixb *b, uint64_t start, uint64_t end)
{
	uint64_t run_end = b->pend.src + b->pend.len;

	if (b->pend.len > 0 && start >= run_end &&
	    start - run_end < IXB_ALIGN) {
		b->pend.len += end - run_end;
		b->off += end - run_end;
		return;
	}
	c_issue(b);
	/* The run keeps its place modulo the alignment of its blobs. */
	w_pad(b);
	w_flush(b);
	b->pend.src = start;
	b->pend.len = end - start;
	b->pend.dst = b->off;
	b->off += end - start;
}

static struct ix_blob
c_moved(const struct ixb *b, struct ix_blob bl)
{
	bl.off = bl.off - b->pend.src + b->pend.dst;
	return bl;
}

/* Gives e the blobs of pe's variants from `from` on, copied. */
static void
c_copy(struct ixb *b, struct ix_entry *e, const struct ix_entry *pe,
    int from)
{
	uint64_t start, end;
	bool whole;

	if (b->failed)
		return;
	whole = c_span(b, pe, from, &start, &end);
	if (whole)
		c_queue(b, start, end);
	for (int v = from; v < IXV_COUNT; v++) {
		if (!(pe->variants & (1u << v)))
			continue;
		if (whole) {
			e->headers[v] = c_moved(b, pe->headers[v]);
			e->body[v] = c_moved(b, pe->body[v]);
		} else {
			e->headers[v] = w_blob(b, index_blob(b->prev,
			    pe->headers[v]), pe->headers[v].len);
			e->body[v] = w_blob(b, index_blob(b->prev,
			    pe->body[v]), pe->body[v].len);
		}
		e->variants |= 1u << v;
	}
}

/* --- The path table ---------------------------------------------------- */

static const char *
ent_path(const struct ixb *b, const struct ixb_ent *x)
{
	return b->paths.data + x->poff;
}

/* The slot holding path, or the empty slot where it would go. */
static uint32_t
slot_find(const struct ixb *b, const char *path, size_t len, uint32_t h)
{
	uint32_t mask = b->nslots - 1, i = h & mask, s;
	const struct ixb_ent *x;

	for (; (s = b->slots[i]) != 0; i = (i + 1) & mask) {
		x = &b->ents[s - 1];
		if (x->e.hash == h && x->e.path.len == len && (len == 0 ||
		    memcmp(ent_path(b, x), path, len) == 0))
			break;
	}
	return i;
}

/* Doubles the table, keeping it at most half full. */
static int
slots_grow(struct ixb *b)
{
	uint32_t n = b->nslots * 2, mask = n - 1, i;
	uint32_t *s;

	if ((s = calloc(n, sizeof(*s))) == NULL)
		return -1;
	for (size_t k = 0; k < b->nents; k++) {
		for (i = b->ents[k].e.hash & mask; s[i] != 0; i = (i + 1) & mask)
			;
		s[i] = (uint32_t)k + 1;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = n;
	return 0;
}

/*
 * Checks what every entry needs and makes room for one more. A path too
 * long or already taken refuses only this route (errno ENAMETOOLONG or
 * EEXIST, b left good): it comes from a content file, and one file must
 * not stop the whole site from being published. Anything else is the
 * builder's bug or the system's failure, and fails the index.
 */
static int
ent_prepare(struct ixb *b, const char *path, const char *headers,
    uint32_t *slot)
{
	size_t len = strlen(path), hlen = strlen(headers);
	struct ixb_ent *p;
	size_t cap;

	if (len > INDEX_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (len > 0 && path[0] != '/') {
		ixb_fail(b, "%s: route does not start with /", path);
		return -1;
	}
	if (hlen > 0 && (hlen < 2 || strcmp(headers + hlen - 2, "\r\n") != 0)) {
		ixb_fail(b, "%s: header lines must end in CRLF",
		    route_name(path));
		return -1;
	}
	if (b->nents >= INDEX_ENTRIES_MAX) {
		ixb_fail(b, "more than %d routes", INDEX_ENTRIES_MAX);
		return -1;
	}
	if (2 * (b->nents + 1) > b->nslots && slots_grow(b) == -1) {
		ixb_fail(b, "out of memory");
		return -1;
	}
	*slot = slot_find(b, path, len, index_hash(path, len));
	if (b->slots[*slot] != 0) {
		errno = EEXIST;
		return -1;
	}
	if (b->nents == b->capents) {
		cap = b->capents ? b->capents * 2 : IXB_ENTS_INITIAL;
		if ((p = reallocarray(b->ents, cap, sizeof(*p))) == NULL) {
			ixb_fail(b, "out of memory");
			return -1;
		}
		b->ents = p;
		b->capents = cap;
	}
	return 0;
}

/* Fills the path of a new entry and takes it into the tables. */
static int
ent_commit(struct ixb *b, struct ixb_ent *x, const char *path, uint32_t slot)
{
	size_t len = strlen(path);

	/* With its NUL, so that even "" gives the table some bytes. */
	x->poff = b->paths.len;
	buf_append(&b->paths, path, len + 1);
	if (buf_failed(&b->paths)) {
		ixb_fail(b, "out of memory");
		return -1;
	}
	x->e.path.len = len;	/* .off once the paths are written */
	x->e.hash = index_hash(path, len);
	if (b->failed)
		return -1;
	b->ents[b->nents++] = *x;
	b->slots[slot] = (uint32_t)b->nents;
	if (len == 0)
		b->notfound = (uint32_t)b->nents;
	return 0;
}

/* --- Adding routes ----------------------------------------------------- */

static const char *const variant_suffix[IXV_COUNT] = { "", "-gz", "-br" };
static const char *const variant_encoding[IXV_COUNT] = { NULL, "gzip", "br" };

/* Formats the header block of one variant into block (INDEX_HEADERS_MAX
 * + 1 bytes); returns its length, or -1 if it does not fit. */
static int
format_headers(char *block, const char *common, size_t len, const char *etag,
    int v, bool compressible)
{
	int n;

	n = snprintf(block, INDEX_HEADERS_MAX + 1,
	    "%sContent-Length: %zu\r\nETag: \"%s%s\"\r\n%s%s%s%s", common, len,
	    etag, variant_suffix[v],
	    compressible ? "Vary: Accept-Encoding\r\n" : "",
	    variant_encoding[v] ? "Content-Encoding: " : "",
	    variant_encoding[v] ? variant_encoding[v] : "",
	    variant_encoding[v] ? "\r\n" : "");
	return n < 0 || n > INDEX_HEADERS_MAX ? -1 : n;
}

/* Writes the header block of one variant. */
static struct ix_blob
page_headers(struct ixb *b, const char *path, const char *common,
    size_t len, const char *etag, int v, bool compressible)
{
	char block[INDEX_HEADERS_MAX + 1];
	struct ix_blob none = { 0, 0 };
	int n = format_headers(block, common, len, etag, v, compressible);

	if (n == -1) {
		ixb_fail(b, "%s: header block longer than %d bytes",
		    route_name(path), INDEX_HEADERS_MAX);
		return none;
	}
	return w_blob(b, block, (size_t)n);
}

/*
 * The previous index's entry for this route, if it served exactly this
 * body with exactly these headers: then its compressed variants are the
 * ones we would make, and compressing again (the slow part of a build) is
 * skipped.
 */
static const struct ix_entry *
reusable(const struct ixb *b, const char *path, const char *common,
    const struct ix_entry *e, const void *body, size_t len,
    bool compressible)
{
	char block[INDEX_HEADERS_MAX + 1];
	const struct ix_entry *pe;
	int n;

	/* A deferred entry has no variants to give. */
	if (b->prev == NULL ||
	    (pe = index_lookup(b->prev, path, strlen(path))) == NULL ||
	    pe->kind != IX_PAGE || (pe->flags & IXF_DEFERRED) ||
	    strcmp(pe->etag, e->etag) != 0 ||
	    pe->body[IXV_IDENTITY].len != len ||
	    memcmp(index_blob(b->prev, pe->body[IXV_IDENTITY]), body, len) != 0)
		return NULL;
	n = format_headers(block, common, len, e->etag, IXV_IDENTITY,
	    compressible);
	if (n == -1 || pe->headers[IXV_IDENTITY].len != (size_t)n ||
	    memcmp(index_blob(b->prev, pe->headers[IXV_IDENTITY]), block,
	    (size_t)n) != 0)
		return NULL;
	return pe;
}

/*
 * Adds variant v if its encoding is strictly smaller than the identity
 * body. One that fails to compress is left out like one that does not
 * shrink: the identity body is always a correct answer.
 */
static void
page_variant(struct ixb *b, struct ix_entry *e, const char *path,
    const char *common, size_t len, int v, const struct buf *z, int rc)
{
	if (rc == 0 && z->len > 0 && z->len < len) {
		e->headers[v] = page_headers(b, path, common, z->len, e->etag,
		    v, true);
		e->body[v] = w_blob(b, z->data, z->len);
		e->variants |= 1u << v;
	}
}

/* --- Compressing on the pool ------------------------------------------ */

static void
job_free(struct ixb_job *j)
{
	free(j->common);
	free(j->body);
	buf_free(&j->gz);
	buf_free(&j->br);
}

/* Waits for the oldest job and writes its entry's blobs. */
static void
job_finish(struct ixb *b)
{
	struct ixb_job *j = &b->jobs[b->jhead];
	struct ix_entry *e = &b->ents[j->ent].e;
	const char *path = ent_path(b, &b->ents[j->ent]);
	size_t len = j->cj.len;

	compress_wait(&j->cj);
	if (j->pe != NULL) {
		c_copy(b, e, j->pe, IXV_IDENTITY);
	} else {
		e->headers[IXV_IDENTITY] = page_headers(b, path, j->common, len,
		    e->etag, IXV_IDENTITY, true);
		e->body[IXV_IDENTITY] = w_blob(b, j->body, len);
	}
	page_variant(b, e, path, j->common, len, IXV_GZIP, &j->gz,
	    j->cj.gz_rc);
	page_variant(b, e, path, j->common, len, IXV_BROTLI, &j->br,
	    j->cj.br_rc);
	job_free(j);
	b->jhead = (b->jhead + 1) % INDEX_JOBS_MAX;
	b->jcount--;
	b->jbytes -= len;
}

/*
 * Starts compressing the body of the entry just committed (b->ents' last),
 * whose identity blobs are written with the rest when it is done: from
 * body (copied), or from pe, the previous index's entry (mapped for the
 * whole build).
 */
static int
job_start(struct ixb *b, const char *common, const void *body, size_t len,
    const struct ix_entry *pe)
{
	struct ixb_job *j;

	while (b->jcount > 0 && (b->jcount == INDEX_JOBS_MAX ||
	    b->jbytes + len > INDEX_JOBS_BYTES))
		job_finish(b);
	j = &b->jobs[(b->jhead + b->jcount) % INDEX_JOBS_MAX];
	memset(j, 0, sizeof(*j));
	j->ent = b->nents - 1;
	j->pe = pe;
	if ((j->common = strdup(common)) == NULL ||
	    (pe == NULL && (j->body = malloc(len)) == NULL)) {
		job_free(j);
		ixb_fail(b, "out of memory");
		return -1;
	}
	if (j->body != NULL)
		memcpy(j->body, body, len);
	/* The bound makes a result as large as the body fail early. */
	buf_init(&j->gz, len - 1);
	buf_init(&j->br, len - 1);
	j->cj = (struct compress_job){ .in = j->body ? j->body : body,
	    .len = len, .gz = &j->gz, .br = &j->br };
	b->jcount++;
	b->jbytes += len;
	compress_submit(&j->cj);
	return 0;
}

/* Every job still in flight is waited for, even after an error: the pool
 * may be reading its body. */
void
ixb_flush(struct ixb *b)
{
	while (b != NULL && b->jcount > 0)
		job_finish(b);
}

/* Flags an entry for a later build to compress (ixb_compress_later). */
static void
defer(struct ixb *b, struct ix_entry *e)
{
	e->flags |= IXF_DEFERRED;
	b->deferred++;
}

int
ixb_add_page(struct ixb *b, const char *path, int status,
    enum route_kind route, const char *headers, const void *body,
    size_t len, bool compressible)
{
	return ixb_add_page_keyed(b, path, status, route, headers, body, len,
	    compressible, 0);
}

int
ixb_copy_keyed(struct ixb *b, const char *path, uint64_t key,
    const char *headers)
{
	const struct ix_entry *pe;
	struct ixb_ent x;
	uint32_t slot;

	if (b == NULL || b->failed)
		return -1;
	if (key == 0 || b->prev == NULL ||
	    (pe = index_lookup(b->prev, path, strlen(path))) == NULL ||
	    pe->kind != IX_PAGE || pe->key != key)
		return 0;
	if (ent_prepare(b, path, "", &slot) == -1)
		return -1;
	memset(&x, 0, sizeof(x));
	x.e.kind = IX_PAGE;
	x.e.status = pe->status;
	x.e.route = pe->route;
	x.e.key = key;
	memcpy(x.e.etag, pe->etag, sizeof(x.e.etag));
	b->reused++;
	if (!(pe->flags & IXF_DEFERRED) || b->later) {
		c_copy(b, &x.e, pe, IXV_IDENTITY);
		if (pe->flags & IXF_DEFERRED)
			defer(b, &x.e);
		return ent_commit(b, &x, path, slot) == -1 ? -1 : 1;
	}
	/* Its compression was put off: now, identity copied when done. */
	if (ent_commit(b, &x, path, slot) == -1 ||
	    job_start(b, headers, index_blob(b->prev, pe->body[IXV_IDENTITY]),
	    pe->body[IXV_IDENTITY].len, pe) == -1)
		return -1;
	return 1;
}

int
ixb_add_page_keyed(struct ixb *b, const char *path, int status,
    enum route_kind route, const char *headers, const void *body,
    size_t len, bool compressible, uint64_t key)
{
	const struct ix_entry *pe;
	struct ixb_ent x;
	uint32_t slot;

	if (b == NULL || b->failed)
		return -1;
	if (status < IXB_STATUS_MIN || status > IXB_STATUS_MAX ||
	    (unsigned)route >= ROUTE_COUNT) {
		ixb_fail(b, "%s: bad status %d or route %d", route_name(path),
		    status, (int)route);
		return -1;
	}
	if (ent_prepare(b, path, headers, &slot) == -1)
		return -1;
	memset(&x, 0, sizeof(x));
	x.e.kind = IX_PAGE;
	x.e.status = (uint16_t)status;
	x.e.route = (uint8_t)route;
	x.e.variants = 1u << IXV_IDENTITY;
	x.e.key = key;
	hash64_hex(hash64(body, len), x.e.etag);
	pe = reusable(b, path, headers, &x.e, body, len, compressible);
	if (pe == NULL && compressible && len >= COMPRESS_MIN_BYTES &&
	    !b->later) {
		/* Identity and variants are written when they are made. */
		if (ent_commit(b, &x, path, slot) == -1)
			return -1;
		return job_start(b, headers, body, len, NULL);
	}
	x.e.headers[IXV_IDENTITY] = page_headers(b, path, headers, len,
	    x.e.etag, IXV_IDENTITY, compressible);
	x.e.body[IXV_IDENTITY] = w_blob(b, body, len);
	if (pe != NULL) {
		c_copy(b, &x.e, pe, IXV_GZIP);
		b->reused++;
	} else if (compressible && len >= COMPRESS_MIN_BYTES) {
		defer(b, &x.e);
	}
	return ent_commit(b, &x, path, slot);
}

void
ixb_reuse(struct ixb *b, const struct index *prev)
{
	if (b != NULL)
		b->prev = prev;
}

size_t
ixb_reused(const struct ixb *b)
{
	return b ? b->reused : 0;
}

void
ixb_sources(struct ixb *b, const void *data, size_t len)
{
	if (b != NULL) {
		b->sources = data;
		b->sources_len = len;
	}
}

void
ixb_compress_later(struct ixb *b)
{
	if (b != NULL)
		b->later = true;
}

size_t
ixb_deferred(const struct ixb *b)
{
	return b ? b->deferred : 0;
}

int
ixb_add_file(struct ixb *b, const char *path, enum route_kind route,
    const char *headers, const char *src)
{
	size_t srclen = strlen(src), hlen = strlen(headers);
	struct ixb_ent x;
	uint32_t slot;

	if (b == NULL || b->failed)
		return -1;
	if (path[0] == '\0' || (unsigned)route >= ROUTE_COUNT) {
		ixb_fail(b, "%s: bad route for a file", route_name(path));
		return -1;
	}
	if (srclen == 0 || srclen > IXB_FSPATH_MAX || src[0] == '/') {
		ixb_fail(b, "%s: bad source path", path);
		return -1;
	}
	if (hlen > INDEX_HEADERS_MAX) {
		ixb_fail(b, "%s: header block longer than %d bytes", path,
		    INDEX_HEADERS_MAX);
		return -1;
	}
	if (ent_prepare(b, path, headers, &slot) == -1)
		return -1;
	memset(&x, 0, sizeof(x));
	x.e.kind = IX_FILE;
	x.e.status = 200;
	x.e.route = (uint8_t)route;
	x.e.variants = 1u << IXV_IDENTITY;
	x.e.headers[IXV_IDENTITY] = w_blob(b, headers, hlen);
	x.e.body[IXV_IDENTITY] = w_blob(b, src, srclen);
	return ent_commit(b, &x, path, slot);
}

bool
ixb_failed(const struct ixb *b)
{
	return b == NULL || b->failed;
}

size_t
ixb_count(const struct ixb *b)
{
	return b ? b->nents : 0;
}

/* --- Opening and finishing ---------------------------------------------- */

struct ixb *
ixb_open(const char *dir, const char *name, char *err, size_t errlen)
{
	static const struct ix_header zero;
	struct ixb *b;
	int n1, n2, n3;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n1 = snprintf(b->dir, sizeof(b->dir), "%s", dir);
	n2 = snprintf(b->dst, sizeof(b->dst), "%s/%s", dir, name);
	n3 = snprintf(b->tmp, sizeof(b->tmp), "%s/.%s.tmp.%ld", dir, name,
	    (long)getpid());
	if (n1 < 0 || n2 < 0 || n3 < 0 || (size_t)n1 >= sizeof(b->dir) ||
	    (size_t)n2 >= sizeof(b->dst) || (size_t)n3 >= sizeof(b->tmp)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		free(b);
		return NULL;
	}
	b->fd = open(b->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    IXB_FILE_MODE);
	if (b->fd == -1) {
		snprintf(err, errlen, "%s: %s", b->tmp, strerror(errno));
		free(b);
		return NULL;
	}
	buf_init(&b->paths, IXB_PATHS_MAX);
	b->nslots = IXB_SLOTS_INITIAL;
	if ((b->slots = calloc(b->nslots, sizeof(*b->slots))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ixb_abort(b);
		return NULL;
	}
	/* The header is written last, over these zeros. */
	w_write(b, &zero, sizeof(zero));
	return b;
}

/* Appends the tables and writes the header at the front. */
static void
write_tables(struct ixb *b, uint64_t generation, const char *root,
    time_t next_publish, uint32_t build_ms)
{
	struct ix_header h;
	uint64_t paths_off;

	c_issue(b);		/* a run still waiting goes before the tables */
	memset(&h, 0, sizeof(h));
	if (strlen(root) > IXB_FSPATH_MAX) {
		ixb_fail(b, "%s: content root path too long", root);
		return;
	}
	h.root = w_blob(b, root, strlen(root));
	h.sources = w_blob(b, b->sources, b->sources_len);
	w_pad(b);
	paths_off = b->off;
	w_write(b, b->paths.data, b->paths.len);
	for (size_t i = 0; i < b->nents; i++)
		b->ents[i].e.path.off = paths_off + b->ents[i].poff;
	w_pad(b);
	h.entries_off = b->off;
	for (size_t i = 0; i < b->nents; i++)
		w_write(b, &b->ents[i].e, sizeof(b->ents[i].e));
	w_pad(b);
	h.buckets_off = b->off;
	w_write(b, b->slots, (size_t)b->nslots * sizeof(*b->slots));
	w_flush(b);
	if (b->failed)
		return;
	memcpy(h.magic, INDEX_MAGIC, sizeof(h.magic));
	h.version = INDEX_VERSION;
	h.header_size = sizeof(h);
	h.file_size = b->off;
	h.generation = generation;
	h.built_at = (int64_t)time(NULL);
	h.next_publish = (int64_t)next_publish;
	h.build_ms = build_ms;
	h.nentries = (uint32_t)b->nents;
	h.nbuckets = b->nslots;
	h.notfound = b->notfound;
	h.deferred = (uint32_t)b->deferred;
	if (pwrite_all(b->fd, &h, sizeof(h), 0) == -1)
		ixb_fail(b, "%s: write: %s", b->tmp, strerror(errno));
}

/* Makes the file durable, then its name. */
static void
publish(struct ixb *b)
{
	int fd, rc;

	if (fsync(b->fd) == -1) {
		ixb_fail(b, "%s: fsync: %s", b->tmp, strerror(errno));
		return;
	}
	rc = close(b->fd);
	b->fd = -1;
	if (rc == -1) {
		ixb_fail(b, "%s: close: %s", b->tmp, strerror(errno));
		return;
	}
	if (rename(b->tmp, b->dst) == -1) {
		ixb_fail(b, "rename %s to %s: %s", b->tmp, b->dst,
		    strerror(errno));
		return;
	}
	b->tmp[0] = '\0';	/* nothing left to remove */
	if ((fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		ixb_fail(b, "%s: %s", b->dir, strerror(errno));
		return;
	}
	if (fsync(fd) == -1)
		ixb_fail(b, "%s: fsync: %s", b->dir, strerror(errno));
	close(fd);
}

int
ixb_commit(struct ixb *b, uint64_t generation, const char *root,
    time_t next_publish, uint32_t build_ms, char *err, size_t errlen)
{
	if (b == NULL) {
		snprintf(err, errlen, "no index being built");
		return -1;
	}
	ixb_flush(b);
	if (!b->failed)
		write_tables(b, generation, root ? root : "", next_publish,
		    build_ms);
	if (!b->failed)
		publish(b);
	if (b->failed) {
		snprintf(err, errlen, "%s", b->err);
		ixb_abort(b);
		return -1;
	}
	ixb_abort(b);
	return 0;
}

void
ixb_abort(struct ixb *b)
{
	if (b == NULL)
		return;
	b->failed = true;	/* the jobs are waited for, not written */
	ixb_flush(b);
	if (b->fd != -1) {
		close(b->fd);
		b->fd = -1;
	}
	if (b->tmp[0] != '\0')
		(void)unlink(b->tmp);
	free(b->ents);
	free(b->slots);
	buf_free(&b->paths);
	free(b);
}
