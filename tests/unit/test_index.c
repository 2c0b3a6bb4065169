/*
 * test_index.c: the page index written by ixb_* and read by index_open():
 * a round trip of pages, files and the 404 page with every header, body and
 * variant checked; builder errors, and routes refused alone (too long, taken);
 * and corrupt files (every cut point, every
 * byte flipped, targeted bad fields) refused or kept in bounds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/decode.h>
#include <zlib.h>

#include "folio_limits.h"
#include "hash.h"
#include "index.h"
#include "test.h"

#define COMMON		"Content-Type: text/html; charset=utf-8\r\n"	\
			"Cache-Control: no-cache\r\n"
#define FILE_HEADERS	"Content-Type: image/png\r\n"			\
			"Cache-Control: public, max-age=3600\r\n"
#define ROOT		"/srv/content"
#define ROUND_TRIP_N	400
#define LARGE_N		20000
/* Pages added before an abort: more than are kept in flight. */
#define ABORT_PAGES	(8 * INDEX_JOBS_MAX)
/* Added to some text bodies: past compress.c's thread threshold. */
#define TEXT_BIG_EXTRA	6000
#define HEADERS_BUF	(INDEX_HEADERS_MAX + 1)

enum body_kind { B_TEXT, B_SHORT, B_NOISE, B_PLAIN, B_EMPTY, B_FILE };

struct spec {
	char		*path;
	enum body_kind	 body_kind;
	int		 status;
	enum route_kind	 route;
	bool		 compressible;
	unsigned char	*body;		/* B_FILE: the source path */
	size_t		 len;
};

static char dir[] = "/tmp/folio-ix-XXXXXX";
static char ixpath[PATH_MAX], scratch[PATH_MAX];
static int scratch_fd = -1;	/* a memfd behind scratch, if there is one */

/* --- Helpers ------------------------------------------------------------ */

static size_t
dir_count(void)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return SIZE_MAX;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void
dir_clean(void)
{
	struct dirent *d;
	char p[PATH_MAX];
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		unlink(p);
	}
	closedir(dp);
}

static unsigned char *
read_all(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return NULL;
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL || read(fd, p, (size_t)st.st_size) != st.st_size) {
		free(p);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static int
write_all(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = 0;

	if (fd == -1)
		return -1;
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		rc = -1;
	close(fd);
	return rc;
}

/* Damaged copies go to memory when /proc allows opening a memfd by name:
 * thousands of truncating rewrites of a disk file are slow. */
static void
scratch_init(void)
{
	int fd;

	snprintf(scratch, sizeof(scratch), "%s.scratch", dir);
	if ((scratch_fd = memfd_create("folio-ix-test", MFD_CLOEXEC)) == -1)
		return;
	snprintf(scratch, sizeof(scratch), "/proc/self/fd/%d", scratch_fd);
	if ((fd = open(scratch, O_RDONLY)) == -1) {
		close(scratch_fd);
		scratch_fd = -1;
		snprintf(scratch, sizeof(scratch), "%s.scratch", dir);
		return;
	}
	close(fd);
}

static int
scratch_write(const void *p, size_t len)
{
	if (scratch_fd == -1)
		return write_all(scratch, p, len);
	if (ftruncate(scratch_fd, 0) == -1 ||
	    ftruncate(scratch_fd, (off_t)len) == -1)
		return -1;
	return len == 0 || pwrite(scratch_fd, p, len, 0) == (ssize_t)len ?
	    0 : -1;
}

static bool
blob_ok(const struct index *ix, struct ix_blob b)
{
	return b.off <= ix->size && b.len <= ix->size - b.off;
}

static bool
blob_eq(const struct index *ix, struct ix_blob b, const void *p, size_t len)
{
	return blob_ok(ix, b) && b.len == len &&
	    (len == 0 || memcmp(index_blob(ix, b), p, len) == 0);
}

static bool
entry_in_table(const struct index *ix, const struct ix_entry *e)
{
	return e >= ix->entries && e < ix->entries + ix->hdr->nentries;
}

/* Reads every byte of every blob of e; false if one is out of bounds. */
static bool
touch_entry(const struct index *ix, const struct ix_entry *e,
    unsigned *sum)
{
	if (!blob_ok(ix, e->path))
		return false;
	for (uint64_t k = 0; k < e->path.len; k++)
		*sum += (unsigned char)index_blob(ix, e->path)[k];
	for (int v = 0; v < IXV_COUNT; v++) {
		if (!(e->variants & (1u << v)))
			continue;
		if (!blob_ok(ix, e->headers[v]) || !blob_ok(ix, e->body[v]))
			return false;
		for (uint64_t k = 0; k < e->headers[v].len; k++)
			*sum += (unsigned char)index_blob(ix, e->headers[v])[k];
		for (uint64_t k = 0; k < e->body[v].len; k++)
			*sum += (unsigned char)index_blob(ix, e->body[v])[k];
	}
	return true;
}

static unsigned char *
gunzip(const void *in, size_t len, size_t want, size_t *outlen)
{
	unsigned char *out = malloc(want + 1);
	z_stream zs = { 0 };
	int zr;

	if (out == NULL || inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)want + 1;
	zr = inflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static unsigned char *
unbrotli(const void *in, size_t len, size_t want, size_t *outlen)
{
	unsigned char *out = malloc(want + 1);

	*outlen = want + 1;
	if (out == NULL || BrotliDecoderDecompress(len, in, outlen, out) !=
	    BROTLI_DECODER_RESULT_SUCCESS) {
		free(out);
		return NULL;
	}
	return out;
}

/* --- Building from specs ------------------------------------------------- */

static void
make_body(struct spec *s, enum body_kind k, size_t i)
{
	static const char text[] = "<p>Posts about homelabs, kubernetes and "
	    "the joy of small daemons written in C.</p>\n";
	size_t n;

	s->body_kind = k;
	s->compressible = k != B_PLAIN && k != B_FILE;
	switch (k) {
	case B_TEXT:
	case B_PLAIN:
		n = COMPRESS_MIN_BYTES + 50 * (i % 40);
		/* Some large enough for the build's compressing threads. */
		if (i % 4 == 0)
			n += TEXT_BIG_EXTRA;
		s->body = malloc(n);
		for (size_t j = 0; j < n; j++)
			s->body[j] = (unsigned char)text[(j + i) % (sizeof(text) - 1)];
		break;
	case B_SHORT:
		s->body = malloc(64);
		n = (size_t)snprintf((char *)s->body, 64, "<p>short %zu</p>", i);
		break;
	case B_NOISE:
		n = COMPRESS_MIN_BYTES + i % 300;
		s->body = malloc(n);
		for (size_t j = 0; j < n; j++)
			s->body[j] = (unsigned char)xorshift();
		break;
	case B_EMPTY:
		n = 0;
		s->body = malloc(1);
		break;
	case B_FILE:
	default:
		s->body = malloc(64);
		n = (size_t)snprintf((char *)s->body, 64, "images/f%zu.png", i);
		break;
	}
	s->len = n;
}

static void
spec_free(struct spec *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].path);
		free(s[i].body);
	}
	free(s);
}

/* Pages of every body kind, files, and the 404 page at the end. */
static struct spec *
make_specs(size_t n)
{
	struct spec *s = calloc(n, sizeof(*s));
	static const enum body_kind kinds[] = {
		B_TEXT, B_SHORT, B_NOISE, B_PLAIN, B_EMPTY, B_FILE,
	};

	for (size_t i = 0; i < n; i++) {
		enum body_kind k = kinds[i % (sizeof(kinds) / sizeof(kinds[0]))];

		if (i == n - 1)
			k = B_TEXT;
		make_body(&s[i], k, i);
		s[i].status = 200;
		s[i].route = k == B_FILE ? ROUTE_STATIC : (enum route_kind)
		    (i % ROUTE_STATIC);
		if (i == 0)
			s[i].path = strdup("/");
		else if (i == n - 1) {
			s[i].path = strdup("");
			s[i].status = 404;
			s[i].route = ROUTE_NOTFOUND;
		} else if (k == B_FILE)
			(void)!asprintf(&s[i].path, "/images/f%zu.png", i);
		else
			(void)!asprintf(&s[i].path, "/posts/p%zu", i);
	}
	return s;
}

static int
build(const struct spec *s, size_t n, uint64_t gen, char *err, size_t errlen)
{
	struct ixb *b = ixb_open(dir, INDEX_FILE, err, errlen);
	int bad = 0;

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc = s[i].body_kind == B_FILE ?
		    ixb_add_file(b, s[i].path, s[i].route, FILE_HEADERS,
		    (const char *)s[i].body) :
		    ixb_add_page(b, s[i].path, s[i].status, s[i].route, COMMON,
		    s[i].body, s[i].len, s[i].compressible);
		bad += rc != 0;
		if (ixb_count(b) != i + 1)
			bad++;
	}
	ok(bad == 0, "build: every add succeeds and counts");
	return ixb_commit(b, gen, ROOT, 1234, 7, err, errlen);
}

/* --- Checking entries ----------------------------------------------------- */

static void
expect_headers(char *out, size_t outlen, size_t len, const char *etag,
    int v, bool compressible)
{
	static const char *const suffix[] = { "", "-gz", "-br" };
	static const char *const enc[] = { "", "Content-Encoding: gzip\r\n",
	    "Content-Encoding: br\r\n" };

	snprintf(out, outlen, COMMON "Content-Length: %zu\r\nETag: \"%s%s\"\r\n"
	    "%s%s", len, etag, suffix[v],
	    compressible ? "Vary: Accept-Encoding\r\n" : "", enc[v]);
}

static bool
check_variant(const struct index *ix, const struct ix_entry *e,
    const struct spec *s, int v, const char *etag)
{
	char want[HEADERS_BUF];
	unsigned char *dec;
	size_t declen = 0;
	bool good;

	if (!blob_ok(ix, e->body[v]) || e->body[v].len >= s->len)
		return false;
	dec = (v == IXV_GZIP ? gunzip : unbrotli)(index_blob(ix, e->body[v]),
	    e->body[v].len, s->len, &declen);
	good = dec != NULL && declen == s->len &&
	    memcmp(dec, s->body, s->len) == 0;
	free(dec);
	expect_headers(want, sizeof(want), e->body[v].len, etag, v, true);
	return good && blob_eq(ix, e->headers[v], want, strlen(want));
}

static void
check_page(const struct index *ix, const struct ix_entry *e,
    const struct spec *s)
{
	char etag[ETAG_CORE_LEN + 1], want[HEADERS_BUF];
	uint32_t both = (1u << IXV_GZIP) | (1u << IXV_BROTLI);

	hash64_hex(hash64(s->body, s->len), etag);
	ok(e->kind == IX_PAGE && e->status == s->status && e->route == s->route,
	    "%s: kind %d status %d route %d", s->path, e->kind, e->status,
	    e->route);
	ok(strcmp(e->etag, etag) == 0, "%s: etag %s, want %s", s->path,
	    e->etag, etag);
	ok(blob_eq(ix, e->body[IXV_IDENTITY], s->body, s->len),
	    "%s: identity body", s->path);
	expect_headers(want, sizeof(want), s->len, etag, IXV_IDENTITY,
	    s->compressible);
	ok(blob_eq(ix, e->headers[IXV_IDENTITY], want, strlen(want)),
	    "%s: identity headers %.*s", s->path,
	    (int)e->headers[IXV_IDENTITY].len,
	    index_blob(ix, e->headers[IXV_IDENTITY]));
	if (s->body_kind == B_TEXT) {
		ok((e->variants & both) == both, "%s: text has gzip and br",
		    s->path);
		ok(check_variant(ix, e, s, IXV_GZIP, etag), "%s: gzip variant",
		    s->path);
		ok(check_variant(ix, e, s, IXV_BROTLI, etag), "%s: br variant",
		    s->path);
	} else {
		ok(e->variants == 1u << IXV_IDENTITY, "%s: identity only (%u)",
		    s->path, e->variants);
		ok(e->body[IXV_GZIP].len == 0 && e->headers[IXV_BROTLI].len == 0,
		    "%s: no variant blobs", s->path);
	}
}

static void
check_file(const struct index *ix, const struct ix_entry *e,
    const struct spec *s)
{
	ok(e->kind == IX_FILE && e->status == 200 && e->route == ROUTE_STATIC &&
	    e->variants == 1u << IXV_IDENTITY, "%s: file entry", s->path);
	ok(blob_eq(ix, e->body[IXV_IDENTITY], s->body, s->len),
	    "%s: source path", s->path);
	ok(blob_eq(ix, e->headers[IXV_IDENTITY], FILE_HEADERS,
	    strlen(FILE_HEADERS)), "%s: headers as given", s->path);
}

static void
check_specs(const struct index *ix, const struct spec *s, size_t n)
{
	const struct ix_entry *e;

	for (size_t i = 0; i < n; i++) {
		e = index_lookup(ix, s[i].path, strlen(s[i].path));
		ok(e != NULL && entry_in_table(ix, e), "%s: found", s[i].path);
		if (e == NULL)
			continue;
		ok(blob_eq(ix, e->path, s[i].path, strlen(s[i].path)),
		    "%s: path blob", s[i].path);
		if (s[i].body_kind == B_FILE)
			check_file(ix, e, &s[i]);
		else
			check_page(ix, e, &s[i]);
	}
}

/* --- Tests ----------------------------------------------------------------- */

static void
test_round_trip(void)
{
	struct spec *s = make_specs(ROUND_TRIP_N);
	static const char *const misses[] = {
		"/posts/p", "/posts/p1x", "/posts/p10/", "/POSTS/p1", "/images",
		"/nope", "//",
	};
	const struct ix_entry *e;
	struct index ix;
	char err[256] = "";
	time_t t0 = time(NULL);

	ok(build(s, ROUND_TRIP_N, 42, err, sizeof(err)) == 0, "commit: %s", err);
	ok(dir_count() == 1, "commit leaves only the index (%zu files)",
	    dir_count());
	ok(index_open(&ix, ixpath, err, sizeof(err)) == 0, "open: %s", err);
	if (ix.map == NULL)
		goto out;
	ok(ix.hdr->nentries == ROUND_TRIP_N, "nentries %u", ix.hdr->nentries);
	ok(ix.hdr->generation == 42 && ix.hdr->next_publish == 1234 &&
	    ix.hdr->build_ms == 7, "header fields");
	ok(ix.hdr->built_at >= t0 && ix.hdr->built_at <= time(NULL) + 1,
	    "built_at is now");
	ok(blob_eq(&ix, ix.hdr->root, ROOT, strlen(ROOT)), "content root");
	ok(ix.hdr->nbuckets >= 2 * ix.hdr->nentries &&
	    (ix.hdr->nbuckets & (ix.hdr->nbuckets - 1)) == 0, "bucket count %u",
	    ix.hdr->nbuckets);
	check_specs(&ix, s, ROUND_TRIP_N);
	e = index_notfound(&ix);
	ok(e != NULL && e->status == 404 && e->path.len == 0 &&
	    e == index_lookup(&ix, "", 0), "404 page");
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
		ok(index_lookup(&ix, misses[i], strlen(misses[i])) == NULL,
		    "%s: not found", misses[i]);
	/* The length decides, not a NUL: "/posts/p1" is a prefix of p10. */
	e = index_lookup(&ix, "/posts/p10", 9);
	ok(e != NULL && e->path.len == 9, "lookup by length");
	index_close(&ix);
	ok(ix.map == NULL && index_lookup(&ix, "/", 1) == NULL &&
	    index_notfound(&ix) == NULL, "closed index answers nothing");
out:
	spec_free(s, ROUND_TRIP_N);
	dir_clean();
}

/* An index open in a worker keeps its contents when a new one replaces it. */
static void
test_replace(void)
{
	struct spec *a = make_specs(12), *b = make_specs(12);
	struct index old, cur;
	char err[256] = "";

	b[0].body[0] ^= 1;
	ok(build(a, 12, 1, err, sizeof(err)) == 0, "first: %s", err);
	ok(index_open(&old, ixpath, err, sizeof(err)) == 0, "open first: %s",
	    err);
	ok(build(b, 12, 2, err, sizeof(err)) == 0, "second: %s", err);
	ok(index_open(&cur, ixpath, err, sizeof(err)) == 0, "open second: %s",
	    err);
	if (old.map != NULL && cur.map != NULL) {
		ok(old.hdr->generation == 1 && cur.hdr->generation == 2,
		    "generations");
		check_specs(&old, a, 12);
		check_specs(&cur, b, 12);
	}
	index_close(&old);
	index_close(&cur);
	ok(dir_count() == 1, "one index file");
	spec_free(a, 12);
	spec_free(b, 12);
	dir_clean();
}

static void
test_large(void)
{
	struct ixb *b;
	struct index ix;
	char err[256] = "", path[64];
	size_t bad = 0, found = 0;
	const struct ix_entry *e;

	if ((b = ixb_open(dir, INDEX_FILE, err, sizeof(err))) == NULL) {
		ok(0, "open: %s", err);
		return;
	}
	for (size_t i = 0; i < LARGE_N; i++) {
		int n = snprintf(path, sizeof(path), "/posts/%zu", i * 7919);
		bad += ixb_add_page(b, path, 200, ROUTE_POST, COMMON, path,
		    (size_t)n, false) != 0;
	}
	ok(bad == 0 && ixb_count(b) == LARGE_N, "large: all added");
	ok(ixb_commit(b, 3, ROOT, 0, 0, err, sizeof(err)) == 0, "commit: %s",
	    err);
	ok(index_open(&ix, ixpath, err, sizeof(err)) == 0, "open: %s", err);
	if (ix.map == NULL)
		return;
	ok(ix.hdr->nbuckets >= 2 * LARGE_N, "buckets %u", ix.hdr->nbuckets);
	for (size_t i = 0; i < LARGE_N; i++) {
		int n = snprintf(path, sizeof(path), "/posts/%zu", i * 7919);
		e = index_lookup(&ix, path, (size_t)n);
		found += e != NULL && blob_eq(&ix, e->body[IXV_IDENTITY], path,
		    (size_t)n);
		n = snprintf(path, sizeof(path), "/posts/%zu", i * 7919 + 1);
		bad += index_lookup(&ix, path, (size_t)n) != NULL;
	}
	ok(found == LARGE_N, "large: %zu of %d found", found, LARGE_N);
	ok(bad == 0, "large: %zu false hits", bad);
	ok(index_notfound(&ix) == NULL, "no 404 page added");
	index_close(&ix);
	dir_clean();
}

static void
test_empty(void)
{
	struct ixb *b = ixb_open(dir, INDEX_FILE, NULL, 0);
	struct index ix;
	char err[256] = "";

	ok(b != NULL && ixb_count(b) == 0, "empty: open");
	ok(ixb_commit(b, 9, ROOT, 0, 0, err, sizeof(err)) == 0, "commit: %s",
	    err);
	ok(index_open(&ix, ixpath, err, sizeof(err)) == 0, "open: %s", err);
	ok(ix.map != NULL && ix.hdr->nentries == 0 &&
	    index_lookup(&ix, "/", 1) == NULL && index_notfound(&ix) == NULL,
	    "empty index answers nothing");
	index_close(&ix);
	dir_clean();
}

/* Each bad add fails, fails the commit, and leaves no file behind. */
static void
test_add_errors(void)
{
	static char longpath[INDEX_PATH_MAX + 2];
	static const struct {
		const char *what, *path, *headers, *src;
		int status, route;
		const char *errpart;
	} cases[] = {
		{ "relative route", "posts/x", COMMON, NULL, 200, ROUTE_POST, "/" },
		{ "status 0", "/x", COMMON, NULL, 0, ROUTE_POST, "status" },
		{ "status 600", "/x", COMMON, NULL, 600, ROUTE_POST, "status" },
		{ "bad route", "/x", COMMON, NULL, 200, ROUTE_COUNT, "route" },
		{ "no CRLF", "/x", "X-A: b", NULL, 200, ROUTE_POST, "CRLF" },
		{ "bare LF", "/x", "X-A: b\n", NULL, 200, ROUTE_POST, "CRLF" },
		{ "file 404", "", FILE_HEADERS, "a.png", 200, ROUTE_STATIC, "" },
		{ "absolute src", "/a.png", FILE_HEADERS, "/etc/passwd", 200,
		    ROUTE_STATIC, "source" },
		{ "empty src", "/a.png", FILE_HEADERS, "", 200, ROUTE_STATIC,
		    "source" },
	};
	char err[256];
	struct ixb *b;
	int rc;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if ((b = ixb_open(dir, INDEX_FILE, err, sizeof(err))) == NULL) {
			ok(0, "%s: open: %s", cases[i].what, err);
			continue;
		}
		ok(ixb_add_page(b, "/fine", 200, ROUTE_PAGE, COMMON, "x", 1,
		    true) == 0, "%s: a good add first", cases[i].what);
		if (cases[i].src != NULL)
			rc = ixb_add_file(b, cases[i].path,
			    (enum route_kind)cases[i].route, cases[i].headers,
			    cases[i].src);
		else
			rc = ixb_add_page(b, cases[i].path, cases[i].status,
			    (enum route_kind)cases[i].route, cases[i].headers,
			    "body", 4, true);
		ok(rc == -1, "%s: add fails", cases[i].what);
		ok(ixb_add_page(b, "/later", 200, ROUTE_PAGE, COMMON, "x", 1,
		    true) == -1, "%s: later adds fail too", cases[i].what);
		ok(ixb_commit(b, 1, ROOT, 0, 0, err, sizeof(err)) == -1 &&
		    err[0] != '\0' && strstr(err, cases[i].errpart) != NULL,
		    "%s: commit fails: %s", cases[i].what, err);
		ok(dir_count() == 0, "%s: no file left", cases[i].what);
	}
	/* The longest route allowed is fine. */
	longpath[INDEX_PATH_MAX] = '\0';
	b = ixb_open(dir, INDEX_FILE, err, sizeof(err));
	ok(b != NULL && ixb_add_page(b, longpath, 200, ROUTE_PAGE, COMMON, "x",
	    1, false) == 0 && ixb_commit(b, 1, ROOT, 0, 0, err,
	    sizeof(err)) == 0, "longest route: %s", err);
	dir_clean();
}

/*
 * A route too long or already added is refused alone (errno says which):
 * it comes from one content file, and the rest of the index is committed.
 */
static void
test_refused_routes(void)
{
	static char longpath[INDEX_PATH_MAX + 2];
	char err[256] = "";
	struct ixb *b = ixb_open(dir, INDEX_FILE, err, sizeof(err));
	struct index ix;
	int rc;

	ok(b != NULL, "open: %s", err);
	if (b == NULL)
		return;
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	ok(ixb_add_page(b, "/a", 200, ROUTE_PAGE, COMMON, "1", 1, true) == 0 &&
	    ixb_add_page(b, "", 404, ROUTE_NOTFOUND, COMMON, "nf", 2, true) == 0,
	    "first adds");
	errno = 0;
	rc = ixb_add_file(b, longpath, ROUTE_STATIC, FILE_HEADERS, "a.txt");
	ok(rc == -1 && errno == ENAMETOOLONG && !ixb_failed(b),
	    "long file route refused alone: rc %d errno %d", rc, errno);
	errno = 0;
	rc = ixb_add_page(b, longpath, 200, ROUTE_POST, COMMON, "x", 1, true);
	ok(rc == -1 && errno == ENAMETOOLONG && !ixb_failed(b),
	    "long page route refused alone");
	errno = 0;
	rc = ixb_add_file(b, "/a", ROUTE_STATIC, FILE_HEADERS, "a");
	ok(rc == -1 && errno == EEXIST && !ixb_failed(b),
	    "same route as a file refused alone");
	errno = 0;
	rc = ixb_add_page(b, "", 404, ROUTE_NOTFOUND, COMMON, "b", 1, true);
	ok(rc == -1 && errno == EEXIST && !ixb_failed(b),
	    "second 404 page refused alone");
	errno = 0;
	rc = ixb_copy_keyed(b, longpath, 7, COMMON);
	ok(rc == 0, "nothing to copy without a previous index: %d", rc);
	ok(ixb_add_page(b, "/b", 200, ROUTE_PAGE, COMMON, "2", 1, true) == 0,
	    "later adds still work");
	ok(ixb_count(b) == 3, "count: %zu", ixb_count(b));
	ok(ixb_commit(b, 1, ROOT, 0, 0, err, sizeof(err)) == 0, "commit: %s",
	    err);
	if (index_open(&ix, ixpath, err, sizeof(err)) == -1) {
		ok(0, "open: %s", err);
		dir_clean();
		return;
	}
	ok(index_lookup(&ix, "/a", 2) != NULL &&
	    index_lookup(&ix, "/b", 2) != NULL && index_notfound(&ix) != NULL,
	    "the rest is served");
	index_close(&ix);
	dir_clean();
}

static void
test_abort_and_open_errors(void)
{
	char err[256] = "", tmp[PATH_MAX];
	struct index ix;
	struct ixb *b;

	b = ixb_open(dir, INDEX_FILE, err, sizeof(err));
	ok(b != NULL && dir_count() == 1, "the temp file exists while building");
	ok(ixb_add_page(b, "/a", 200, ROUTE_PAGE, COMMON, "1", 1, true) == 0,
	    "add");
	ixb_abort(b);
	ixb_abort(NULL);
	ok(dir_count() == 0, "abort removes the temp file");

	/* Pages still being compressed are waited for and freed (ASan
	 * would name a leak or a thread writing freed memory). */
	b = ixb_open(dir, INDEX_FILE, err, sizeof(err));
	struct spec *s = make_specs(ABORT_PAGES);
	size_t added = 0;

	for (size_t i = 0; b != NULL && i < ABORT_PAGES; i++)
		if (s[i].body_kind == B_TEXT)
			added += ixb_add_page(b, s[i].path, s[i].status,
			    s[i].route, COMMON, s[i].body, s[i].len, true) == 0;
	ok(added > INDEX_JOBS_MAX, "%zu pages sent to be compressed", added);
	ixb_abort(b);
	ok(dir_count() == 0, "abort with pages in flight removes the temp file");
	spec_free(s, ABORT_PAGES);
	ok(ixb_commit(NULL, 1, ROOT, 0, 0, err, sizeof(err)) == -1,
	    "commit of nothing fails");

	/* The temp name is taken exclusively. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, INDEX_FILE,
	    (long)getpid());
	ok(write_all(tmp, "x", 1) == 0, "make a stale temp file");
	ok(ixb_open(dir, INDEX_FILE, err, sizeof(err)) == NULL &&
	    strstr(err, "exists") != NULL, "stale temp refused: %s", err);
	unlink(tmp);
	ok(ixb_open("/nonexistent/dir", INDEX_FILE, err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/dir") != NULL, "bad dir: %s", err);

	ok(index_open(&ix, ixpath, err, sizeof(err)) == -1 && ix.map == NULL &&
	    strstr(err, ixpath) != NULL && strstr(err, "No such file"),
	    "missing index: %s", err);
	ok(index_open(&ix, dir, err, sizeof(err)) == -1, "a directory: %s", err);
	ok(write_all(ixpath, "", 0) == 0 &&
	    index_open(&ix, ixpath, err, sizeof(err)) == -1, "empty file: %s",
	    err);
	char junk[512];
	memset(junk, 'j', sizeof(junk));
	ok(write_all(ixpath, junk, sizeof(junk)) == 0 &&
	    index_open(&ix, ixpath, err, sizeof(err)) == -1 &&
	    strstr(err, "not a page index") != NULL, "junk: %s", err);
	index_close(&ix);
	dir_clean();
}

/* --- Corrupt files ---------------------------------------------------------- */

static const char *const small_paths[] = {
	"/", "/a", "/noise", "/img.png", "", "/empty",
};

/* A small index with every kind of entry; returns its bytes. */
static unsigned char *
small_index(size_t *len)
{
	struct spec s[6];
	char err[256] = "";

	memset(s, 0, sizeof(s));
	make_body(&s[0], B_TEXT, 3);
	make_body(&s[1], B_SHORT, 1);
	make_body(&s[2], B_NOISE, 2);
	make_body(&s[3], B_FILE, 3);
	make_body(&s[4], B_SHORT, 4);
	make_body(&s[5], B_EMPTY, 5);
	for (size_t i = 0; i < 6; i++) {
		s[i].path = (char *)small_paths[i];
		s[i].status = i == 4 ? 404 : 200;
		s[i].route = i == 3 ? ROUTE_STATIC : ROUTE_PAGE;
	}
	ok(build(s, 6, 5, err, sizeof(err)) == 0, "small index: %s", err);
	for (size_t i = 0; i < 6; i++)
		free(s[i].body);
	return read_all(ixpath, len);
}

/* Opens the bytes as an index; if accepted, everything must be in bounds.
 * Returns 1 if accepted, 0 if refused, -1 on a bounds violation. */
static int
probe(const unsigned char *data, size_t len)
{
	static const char *const extra[] = { "/b", "/posts/x", "/img.pn" };
	const struct ix_entry *e;
	struct index ix;
	char err[256];
	unsigned sum = 0;
	int rc = 1;

	if (scratch_write(data, len) == -1)
		return -1;
	err[0] = '\0';
	if (index_open(&ix, scratch, err, sizeof(err)) == -1)
		return ix.map == NULL && err[0] != '\0' ? 0 : -1;
	for (uint32_t i = 0; i < ix.hdr->nentries; i++)
		if (!touch_entry(&ix, &ix.entries[i], &sum))
			rc = -1;
	for (size_t i = 0; i < sizeof(small_paths) / sizeof(small_paths[0]); i++)
		if ((e = index_lookup(&ix, small_paths[i],
		    strlen(small_paths[i]))) != NULL &&
		    (!entry_in_table(&ix, e) || !touch_entry(&ix, e, &sum)))
			rc = -1;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if ((e = index_lookup(&ix, extra[i], strlen(extra[i]))) != NULL &&
		    !entry_in_table(&ix, e))
			rc = -1;
	if ((e = index_notfound(&ix)) != NULL && !entry_in_table(&ix, e))
		rc = -1;
	if (!blob_ok(&ix, ix.hdr->root))
		rc = -1;
	index_close(&ix);
	return rc;
}

static void
test_truncated(const unsigned char *data, size_t len)
{
	unsigned char *longer = malloc(len + 1);
	size_t accepted = 0, violations = 0;
	int r;

	for (size_t cut = 0; cut < len; cut++) {
		r = probe(data, cut);
		accepted += r == 1;
		violations += r == -1;
	}
	ok(accepted == 0 && violations == 0,
	    "every cut point refused (%zu accepted, %zu bad of %zu)",
	    accepted, violations, len);
	memcpy(longer, data, len);
	longer[len] = 0;
	ok(probe(longer, len + 1) == 0, "a longer file is refused");
	ok(probe(data, len) == 1, "the whole file is accepted");
	free(longer);
}

static void
test_flipped(const unsigned char *data, size_t len)
{
	static const unsigned char masks[] = { 0xff, 0x01, 0x80, 0x10 };
	unsigned char *copy = malloc(len);
	size_t accepted = 0, refused = 0, violations = 0, magic = 0;
	int r;

	for (size_t m = 0; m < sizeof(masks); m++)
		for (size_t i = 0; i < len; i++) {
			memcpy(copy, data, len);
			copy[i] ^= masks[m];
			r = probe(copy, len);
			accepted += r == 1;
			refused += r == 0;
			violations += r == -1;
			if (i < 8 && r != 0)
				magic++;
		}
	ok(violations == 0, "flipped bytes: %zu out of bounds", violations);
	ok(magic == 0, "a changed magic is always refused");
	/* Blob bytes may change freely; table and header bytes mostly not. */
	ok(refused > len && accepted > 0, "flipped: %zu refused, %zu accepted",
	    refused, accepted);
	free(copy);
}

/* Offsets into a mapped copy of the small index, for targeted damage. */
struct damage {
	struct ix_header	*h;
	struct ix_entry		*e;		/* the entries table */
	uint32_t		*buckets;
	size_t			 text, shortp, file, nf;	/* entry indexes */
};

typedef void (*mutate_fn)(struct damage *);

#define MUT(name, body)	static void name(struct damage *d) { body; }
MUT(m_magic, d->h->magic[0] = 'X')
MUT(m_version, d->h->version = INDEX_VERSION + 1)
MUT(m_header_size, d->h->header_size = 8)
MUT(m_file_size, d->h->file_size += 1)
MUT(m_nentries_max, d->h->nentries = INDEX_ENTRIES_MAX + 1)
MUT(m_nentries_up, d->h->nentries += 1)
MUT(m_nbuckets_odd, d->h->nbuckets = 3)
MUT(m_nbuckets_small, d->h->nbuckets = 4)
MUT(m_nbuckets_zero, d->h->nbuckets = 0)
MUT(m_nbuckets_big, d->h->nbuckets *= 2)
MUT(m_entries_misaligned, d->h->entries_off += 4)
MUT(m_entries_end, d->h->entries_off = d->h->file_size)
MUT(m_entries_header, d->h->entries_off = 0)
MUT(m_buckets_end, d->h->buckets_off = d->h->file_size - 2)
MUT(m_buckets_wrap, d->h->buckets_off = UINT64_MAX - 3)
MUT(m_notfound, d->h->notfound = d->h->nentries + 1)
MUT(m_root_off, d->h->root.off = d->h->file_size + 1)
MUT(m_root_wrap, d->h->root.off = 16; d->h->root.len = UINT64_MAX - 8)
MUT(m_root_long, d->h->root.off = 0; d->h->root.len = PATH_MAX)
MUT(m_bucket_value, d->buckets[0] = d->h->nentries + 1)
MUT(m_kind, d->e[d->text].kind = 3)
MUT(m_kind_zero, d->e[d->text].kind = 0)
MUT(m_route, d->e[d->text].route = ROUTE_COUNT)
MUT(m_status, d->e[d->text].status = 1000)
MUT(m_status_zero, d->e[d->text].status = 0)
MUT(m_path_len, d->e[d->text].path.len = d->h->file_size)
MUT(m_path_wrap, d->e[d->text].path.off = UINT64_MAX)
MUT(m_hash, d->e[d->text].hash ^= 1)
MUT(m_variant_bit, d->e[d->text].variants |= 1u << IXV_COUNT)
MUT(m_no_identity, d->e[d->text].variants &= ~1u)
MUT(m_absent_blob, d->e[d->shortp].headers[IXV_GZIP].len = 1)
MUT(m_absent_off, d->e[d->shortp].body[IXV_BROTLI].off = 8)
MUT(m_missing_gzip, d->e[d->text].variants &= ~(1u << IXV_GZIP))
MUT(m_empty_gzip, d->e[d->text].body[IXV_GZIP].len = 0)
MUT(m_body_wrap, d->e[d->text].body[IXV_IDENTITY].off = UINT64_MAX - 1;
    d->e[d->text].body[IXV_IDENTITY].len = 2)
MUT(m_br_len, d->e[d->text].body[IXV_BROTLI].len = d->h->file_size)
MUT(m_headers_long, d->e[d->text].headers[IXV_IDENTITY].off = 0;
    d->e[d->text].headers[IXV_IDENTITY].len = INDEX_HEADERS_MAX + 1)
MUT(m_etag_hex, d->e[d->text].etag[3] = 'G')
MUT(m_etag_upper, d->e[d->text].etag[0] = 'A')
MUT(m_etag_nul, d->e[d->text].etag[ETAG_CORE_LEN] = 'a')
MUT(m_file_gzip, d->e[d->file].variants |= 1u << IXV_GZIP;
    d->e[d->file].body[IXV_GZIP] = d->e[d->file].body[IXV_IDENTITY];
    d->e[d->file].headers[IXV_GZIP] = d->e[d->file].headers[IXV_IDENTITY])
MUT(m_file_src_empty, d->e[d->file].body[IXV_IDENTITY].len = 0)
MUT(m_file_src_long, d->e[d->file].body[IXV_IDENTITY].off = 0;
    d->e[d->file].body[IXV_IDENTITY].len = PATH_MAX)
MUT(m_file_etag_nul, d->e[d->file].etag[ETAG_CORE_LEN] = '1')
/* A path that hashes right but is not a route. */
MUT(m_path_relative, d->e[d->text].path = d->e[d->text].headers[0];
    d->e[d->text].hash = index_hash((const char *)d->h +
    d->e[d->text].path.off, d->e[d->text].path.len))
MUT(m_path_long, d->e[d->text].path.off = 0;
    d->e[d->text].path.len = INDEX_PATH_MAX + 1)
MUT(m_flag_unknown, d->e[d->text].flags = 2)
/* Deferred compression, yet compressed variants, or a file. */
MUT(m_flag_compressed, d->e[d->text].flags = IXF_DEFERRED)
MUT(m_flag_file, d->e[d->file].flags = IXF_DEFERRED)

static void
test_damaged(const unsigned char *data, size_t len)
{
	static const struct {
		const char *name;
		mutate_fn fn;
	} muts[] = {
#define M(f) { #f, f }
		M(m_magic), M(m_version), M(m_header_size), M(m_file_size),
		M(m_nentries_max), M(m_nentries_up), M(m_nbuckets_odd),
		M(m_nbuckets_small), M(m_nbuckets_zero), M(m_nbuckets_big),
		M(m_entries_misaligned), M(m_entries_end), M(m_entries_header),
		M(m_buckets_end), M(m_buckets_wrap), M(m_notfound),
		M(m_root_off), M(m_root_wrap), M(m_root_long),
		M(m_bucket_value), M(m_kind), M(m_kind_zero), M(m_route),
		M(m_status), M(m_status_zero), M(m_path_len), M(m_path_wrap),
		M(m_hash), M(m_variant_bit), M(m_no_identity),
		M(m_absent_blob), M(m_absent_off), M(m_missing_gzip),
		M(m_empty_gzip), M(m_body_wrap), M(m_br_len),
		M(m_headers_long), M(m_etag_hex), M(m_etag_upper),
		M(m_etag_nul), M(m_file_gzip), M(m_file_src_empty),
		M(m_file_src_long), M(m_file_etag_nul), M(m_path_relative),
		M(m_path_long), M(m_flag_unknown), M(m_flag_compressed),
		M(m_flag_file),
#undef M
	};
	struct index ix;
	struct damage d;
	unsigned char *copy;
	char err[256] = "";

	/* Find the entries by route in the intact index. */
	ok(index_open(&ix, ixpath, err, sizeof(err)) == 0, "open: %s", err);
	if (ix.map == NULL)
		return;
	memset(&d, 0, sizeof(d));
	d.text = (size_t)(index_lookup(&ix, "/", 1) - ix.entries);
	d.shortp = (size_t)(index_lookup(&ix, "/a", 2) - ix.entries);
	d.file = (size_t)(index_lookup(&ix, "/img.png", 8) - ix.entries);
	d.nf = (size_t)(index_notfound(&ix) - ix.entries);
	ok(ix.entries[d.text].variants == 7 && ix.entries[d.file].kind ==
	    IX_FILE, "small index has the entries the damage needs");
	index_close(&ix);

	copy = malloc(len);
	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		memcpy(copy, data, len);
		d.h = (struct ix_header *)copy;
		d.e = (struct ix_entry *)(copy + d.h->entries_off);
		d.buckets = (uint32_t *)(copy + d.h->buckets_off);
		muts[i].fn(&d);
		ok(scratch_write(copy, len) == 0 &&
		    index_open(&ix, scratch, err, sizeof(err)) == -1 &&
		    ix.map == NULL, "%s refused: %s", muts[i].name, err);
		index_close(&ix);
	}
	free(copy);
}

static void
test_corrupt(void)
{
	unsigned char *data;
	size_t len = 0;

	if ((data = small_index(&len)) == NULL) {
		ok(0, "read the small index");
		return;
	}
	test_truncated(data, len);
	test_flipped(data, len);
	test_damaged(data, len);
	free(data);
	if (scratch_fd == -1)
		unlink(scratch);
	dir_clean();
}

/*
 * The committed fuzz seeds keep up with the format: each seed-* opens (so
 * the fuzzer starts past the header), each bad-* is refused. Run from the
 * source root.
 */
static void
test_fuzz_seeds(void)
{
	static const char corpus[] = "tests/fuzz/corpus/index";
	char path[512], err[256];
	struct index ix;
	struct dirent *de;
	size_t seeds = 0;
	DIR *d = opendir(corpus);

	ok(d != NULL, "%s: %s", corpus, strerror(errno));
	while (d != NULL && (de = readdir(d)) != NULL) {
		bool seed = strncmp(de->d_name, "seed-", 5) == 0;

		if (!seed && strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);
		err[0] = '\0';
		ok((index_open(&ix, path, err, sizeof(err)) == 0) == seed,
		    "%s %s: %s", de->d_name, seed ? "opens" : "is refused",
		    err[0] ? err : "opened");
		index_close(&ix);
		seeds += seed;
	}
	if (d != NULL)
		closedir(d);
	ok(seeds >= 5, "%zu valid seeds", seeds);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ixpath, sizeof(ixpath), "%s/%s", dir, INDEX_FILE);
	scratch_init();
	test_round_trip();
	test_replace();
	test_large();
	test_empty();
	test_add_errors();
	test_refused_routes();
	test_abort_and_open_errors();
	test_corrupt();
	test_fuzz_seeds();
	dir_clean();
	rmdir(dir);
	if (scratch_fd != -1)
		close(scratch_fd);
	return test_done();
}
