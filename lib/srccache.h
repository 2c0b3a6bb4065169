/*
 * srccache.h: what a build learned from each markdown source, kept in the
 * page index for the next build: the file's identity (size, mtime, ctime,
 * inode) and what reading it gave (front matter, word count, hash, where
 * the body starts). A source whose identity is unchanged is then stat'ed,
 * not read and parsed again; its body is read only if its page has to be
 * rendered (content_render()).
 */
#ifndef FOLIO_SRCCACHE_H
#define FOLIO_SRCCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct buf;
struct doc;

/* A file's identity: any write, rename over or metadata change moves it. */
struct src_id {
	uint64_t	size, ino;
	int64_t		mtime_s, mtime_ns, ctime_s, ctime_ns;
};

void	srccache_id(const struct stat *st, struct src_id *id);

/* Starts the blob for the next build; stamp names the program that parsed
 * it (a different stamp ignores the blob: parsing rules may differ). */
void	srccache_begin(struct buf *out, uint64_t stamp);
/* Appends what loading rel gave: d's front matter, words, src_hash and
 * body_line, and body_off, where its markdown starts. */
void	srccache_add(struct buf *out, const char *rel, const struct src_id *id,
	    const struct doc *d, size_t body_off);

/* A blob being read: every record checked once, then looked up by path. */
struct srccache {
	const char	*data;
	uint32_t	*offs;		/* record offsets, sorted by path */
	size_t		 n;
};

/* Checks blob (the previous index's, which must stay mapped) and indexes
 * it. An unusable blob (corrupt, another stamp) gives an empty cache.
 * Returns -1 only when out of memory. */
int	srccache_open(struct srccache *c, const void *blob, size_t len,
	    uint64_t stamp);
void	srccache_close(struct srccache *c);
/*
 * If rel was loaded before with identity id, fills d's meta, words,
 * src_hash and body_line (the strings newly allocated) and *body_off, and
 * returns 1; 0 if not; -1 when out of memory.
 */
int	srccache_get(const struct srccache *c, const char *rel,
	    const struct src_id *id, struct doc *d, size_t *body_off);

#endif
