/*
 * compress.h: the precompressed variants of index entries: gzip (zlib) and
 * brotli, at the levels folio_limits.h gives and explains.
 */
#ifndef FOLIO_COMPRESS_H
#define FOLIO_COMPRESS_H

#include <stddef.h>

#include "buf.h"

/* Each appends the compressed form of in to out; returns 0 or -1. */
int	compress_gzip(const void *in, size_t len, struct buf *out);
int	compress_brotli(const void *in, size_t len, struct buf *out);
/* Both at once: gzip on a helper thread while brotli runs on this one
 * (each codec is single-threaded; a build has a core for each). Sets
 * *gz_rc and *br_rc as the calls above would return. One thread at a time
 * may call it. */
void	compress_both(const void *in, size_t len, struct buf *gz, int *gz_rc,
	    struct buf *br, int *br_rc);
/* Ends the helper thread (a build does at its end); the next
 * compress_both() starts another. A process must not fork while the
 * helper runs (the child would have no helper, and a held lock). */
void	compress_release(void);

#endif
