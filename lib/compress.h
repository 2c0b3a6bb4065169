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
/*
 * One body to compress both ways on the pool of threads. The caller fills
 * in, len, gz and br, and keeps them (and the job) until compress_wait()
 * returns; gz_rc and br_rc are then what the calls above returned.
 */
struct compress_job {
	const void	*in;
	size_t		 len;
	struct buf	*gz, *br;
	int		 gz_rc, br_rc;
	int		 pending;	/* codecs not yet done: the pool's */
};

/* Threads of the pool from its next start: 0 (the default) is one per
 * core this process may use; at most COMPRESS_THREADS_MAX. They run at a lower
 * priority than the process, so that serving comes first. */
void	compress_threads(int n);
/* Starts j. A small body, or one that finds the queue full, is compressed
 * before this returns. One thread at a time may submit and wait. */
void	compress_submit(struct compress_job *j);
/* Waits for j; with no thread to be had, runs the queued tasks. */
void	compress_wait(struct compress_job *j);
/* Ends the pool's threads once the queue is empty (a build does at its
 * end, after waiting for every job); the next submit starts them again.
 * A process must not fork while they run (the child would have none, and
 * perhaps a held lock). */
void	compress_release(void);

#endif
