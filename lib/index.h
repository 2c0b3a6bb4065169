/*
 * index.h: the page index, one file holding every route of the site
 * rendered ahead of time. The build side writes it with ixb_* (index_write.c)
 * to a temp file that is renamed into place; workers map it read-only with
 * index_open() (index.c), which checks every offset once so that lookups
 * need no further checks, and answer from the mapping without copying.
 *
 * Layout (native byte order; the file never leaves the machine that built it):
 *   struct ix_header at 0
 *   blobs: paths, header blocks, bodies, source paths (8-byte aligned)
 *   struct ix_entry[nentries]
 *   uint32_t buckets[nbuckets]: entry index + 1, 0 = empty; linear probing
 */
#ifndef FOLIO_INDEX_H
#define FOLIO_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define INDEX_MAGIC	"FOLIOIX\0"
#define INDEX_VERSION	3
#define INDEX_FILE	"index"		/* name of the current index in run_dir */
#define ETAG_CORE_LEN	16		/* hex digits of the body hash */

/* ix_entry.flags: a compressible page whose compressed variants a later
 * build is to add (the first build of a start serves identity bodies
 * sooner; see ixb_compress_later()). */
#define IXF_DEFERRED	0x1u

enum ix_kind {
	IX_PAGE = 1,	/* status, headers and body all in the index */
	IX_FILE = 2,	/* a file under the content root, sent with sendfile */
};

enum ix_variant {
	IXV_IDENTITY,
	IXV_GZIP,
	IXV_BROTLI,
	IXV_COUNT,
};

/* What a route is, for metrics. */
enum route_kind {
	ROUTE_HOME,		/* / and /page/N */
	ROUTE_POST,
	ROUTE_PAGE,
	ROUTE_TAG,		/* /tags and /tags/<tag> */
	ROUTE_FEED,		/* feed.xml, sitemap.xml, robots.txt */
	ROUTE_ASSET,		/* the theme's hashed CSS */
	ROUTE_STATIC,		/* files from static/, images/, bundles */
	ROUTE_NOTFOUND,
	ROUTE_REDIRECT,
	ROUTE_IMAGE,		/* /_img */
	ROUTE_ADMIN,
	ROUTE_BAD,		/* requests refused before routing */
	ROUTE_COUNT,
};

struct ix_blob {
	uint64_t	off;
	uint64_t	len;
};

struct ix_header {
	char		magic[8];
	uint32_t	version;
	uint32_t	header_size;	/* sizeof(struct ix_header) */
	uint64_t	file_size;
	uint64_t	generation;
	int64_t		built_at;	/* unix time */
	int64_t		next_publish;	/* a post becomes due then; 0 = none */
	uint32_t	build_ms;
	uint32_t	nentries;
	uint32_t	nbuckets;	/* power of two, at least 2 * nentries */
	uint32_t	notfound;	/* entry index + 1 of the 404 page, 0 = none */
	uint32_t	deferred;	/* entries flagged IXF_DEFERRED */
	uint32_t	pad;
	uint64_t	entries_off;
	uint64_t	buckets_off;
	struct ix_blob	root;		/* absolute content root, for IX_FILE */
	struct ix_blob	sources;	/* the build's source cache (srccache.h) */
};

struct ix_entry {
	struct ix_blob	path;		/* the route, "/posts/hello" */
	uint32_t	hash;		/* index_hash(path) */
	uint16_t	status;		/* 200, or 404 for the not-found page */
	uint8_t		kind;		/* enum ix_kind */
	uint8_t		route;		/* enum route_kind */
	uint32_t	variants;	/* bit i set: variant i present (identity always) */
	uint32_t	flags;		/* IXF_* */
	/*
	 * IX_PAGE: headers[v] is the complete header block after the status
	 * line, each line ending in CRLF, without Date and Connection and
	 * without the final empty line; body[v] the body.
	 * IX_FILE: headers[IXV_IDENTITY] holds the fixed headers (type,
	 * cache, security); Content-Length, ETag, Last-Modified and ranges
	 * are added when serving. body[IXV_IDENTITY] is the source path
	 * relative to the root.
	 */
	struct ix_blob	headers[IXV_COUNT];
	struct ix_blob	body[IXV_COUNT];
	char		etag[ETAG_CORE_LEN + 1];	/* IX_PAGE: hex hash of the identity body */
	char		pad2[7];
	uint64_t	key;		/* what the route was made from; 0 = unknown */
};

/* A mapped index. */
struct index {
	void			*map;
	size_t			 size;
	int			 fd;	/* open while mapped: a build copies from it */
	const struct ix_header	*hdr;
	const struct ix_entry	*entries;
	const uint32_t		*buckets;
};

uint32_t index_hash(const char *path, size_t len);

/* Writes "dir/index" into out; -1 if it does not fit. */
int	index_path(const char *dir, char *out, size_t outlen);

/* Maps and checks the file. On error returns -1 with the reason in err. */
int	index_open(struct index *ix, const char *path, char *err, size_t errlen);
void	index_close(struct index *ix);
/* Reads and checks only the header of the index at path (the master's
 * view: workers run the full index_open() before serving from it). */
int	index_peek(const char *path, struct ix_header *h, char *err,
	    size_t errlen);
const struct ix_entry *index_lookup(const struct index *ix, const char *path,
	    size_t len);
/* The 404 page, or NULL if the index has none. */
const struct ix_entry *index_notfound(const struct index *ix);

static inline const char *
index_blob(const struct index *ix, struct ix_blob b)
{
	return (const char *)ix->map + b.off;
}

/* --- Writing (index_write.c) ------------------------------------------ */

struct ixb;

/*
 * Starts a new index at dir/name, written to a temp file beside it. Bodies
 * are written as they are added, so memory stays bounded by the number of
 * entries, not their size.
 */
struct ixb *ixb_open(const char *dir, const char *name, char *err,
	    size_t errlen);
/*
 * Adds a rendered route. headers holds the lines common to every variant
 * (Content-Type, Cache-Control, security headers), each ending in CRLF; the
 * builder adds Content-Length, ETag, and, when compressible, gzip and brotli
 * variants (kept only if smaller) with Content-Encoding and Vary. The path ""
 * is the site's 404 page. Returns -1 on error: when ixb_failed() says so,
 * one kept for ixb_commit; else only this route is refused, with errno
 * ENAMETOOLONG (longer than INDEX_PATH_MAX) or EEXIST (already added), and
 * the rest of the index is unharmed. The ixb_add_* and ixb_copy_keyed
 * functions all fail in these two ways.
 */
int	ixb_add_page(struct ixb *b, const char *path, int status,
	    enum route_kind route, const char *headers, const void *body,
	    size_t len, bool compressible);
/*
 * As ixb_add_page, remembering key, a hash of everything the body was made
 * from, so a later build can take the route whole with ixb_copy_keyed()
 * instead of making it again.
 */
int	ixb_add_page_keyed(struct ixb *b, const char *path, int status,
	    enum route_kind route, const char *headers, const void *body,
	    size_t len, bool compressible, uint64_t key);
/*
 * If the previous index (ixb_reuse) holds path made from key (not 0),
 * copies the route whole and returns 1; returns 0 if it does not, -1 on
 * error. headers are the route's common lines (as ixb_add_page's), with
 * which a route left uncompressed (IXF_DEFERRED) gets its variants now.
 */
int	ixb_copy_keyed(struct ixb *b, const char *path, uint64_t key,
	    const char *headers);
/*
 * Leaves compressible pages that no previous index has compressed without
 * their variants, flagged IXF_DEFERRED: the index is ready in a fraction
 * of the time, and the next build (one that does not call this) adds
 * them, compressing only those.
 */
void	ixb_compress_later(struct ixb *b);
/* Entries left flagged IXF_DEFERRED so far. */
size_t	ixb_deferred(const struct ixb *b);
/* Adds a file served as it is from the content root (src is relative). */
int	ixb_add_file(struct ixb *b, const char *path, enum route_kind route,
	    const char *headers, const char *src);
/*
 * Lets the builder take compressed variants from prev (a mapped earlier
 * index) for routes whose body and headers are byte for byte the same, so
 * a rebuild compresses only what changed. prev must stay mapped until
 * ixb_commit() or ixb_abort().
 */
void	ixb_reuse(struct ixb *b, const struct index *prev);
/* Keeps data (len bytes, valid until ixb_commit()) as the index's source
 * cache blob, for the next build. */
void	ixb_sources(struct ixb *b, const void *data, size_t len);
/* Routes whose variants were reused so far. */
size_t	ixb_reused(const struct ixb *b);
/* Waits for the pages still being compressed and writes them (ixb_commit
 * does too): after it, the counts above are final. */
void	ixb_flush(struct ixb *b);
/* True once the index has failed (the error is kept for ixb_commit): an
 * add that returned -1 with it false refused only its own route. */
bool	ixb_failed(const struct ixb *b);
/* Number of entries added so far. */
size_t	ixb_count(const struct ixb *b);
/*
 * Writes the tables and header, fsyncs, renames into place and fsyncs the
 * directory; frees b either way. Returns -1 with the reason in err (the first
 * error of any add, or of the commit itself); the temp file is removed then.
 */
int	ixb_commit(struct ixb *b, uint64_t generation, const char *root,
	    time_t next_publish, uint32_t build_ms, char *err, size_t errlen);
/* Drops an unfinished index and its temp file. */
void	ixb_abort(struct ixb *b);

#endif
