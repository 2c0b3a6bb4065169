/*
 * compress.c: the gzip and brotli encoders of compress.h, used once per
 * build for every compressible body. gzip is streamed through a small chunk
 * buffer; brotli is one call into a buffer of its worst-case size.
 */
#include "compress.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "folio_limits.h"

/* Output taken from deflate per step: large enough that a page takes a few
 * steps, small enough to live on the stack. */
#define GZIP_CHUNK		16384
/* windowBits: 15 is zlib's largest window (32 KiB); +16 asks for a gzip
 * header and trailer instead of a zlib one. */
#define GZIP_WINDOW_BITS	(15 + 16)
/* memLevel 9 is zlib's maximum: more memory for the match state, slightly
 * better ratio, which is what a one-off compression wants. */
#define GZIP_MEM_LEVEL		9
/* Bodies from this size get their gzip made on a thread of its own: a
 * thread costs tens of microseconds, compressing 4 KiB about a hundred. */
#define COMPRESS_THREAD_MIN	4096

struct gzip_job {
	const void	*in;
	size_t		 len;
	struct buf	*out;
	int		 rc;
};

int
compress_gzip(const void *in, size_t len, struct buf *out)
{
	unsigned char chunk[GZIP_CHUNK];
	const unsigned char *p = in;
	z_stream zs = { 0 };
	size_t left = len;
	int flush, zr;

	if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS,
	    GZIP_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* avail_in is a uInt: feed very large inputs in slices. */
	do {
		uInt take = left > UINT32_MAX ? UINT32_MAX : (uInt)left;

		zs.next_in = (Bytef *)(uintptr_t)p;
		zs.avail_in = take;
		if (take > 0) {
			p += take;
			left -= take;
		}
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zr = deflate(&zs, flush);
			if (zr == Z_STREAM_ERROR) {
				deflateEnd(&zs);
				return -1;
			}
			buf_append(out, chunk, sizeof(chunk) - zs.avail_out);
			if (buf_failed(out)) {
				deflateEnd(&zs);
				return -1;
			}
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&zs);
	return zr == Z_STREAM_END ? 0 : -1;
}

int
compress_brotli(const void *in, size_t len, struct buf *out)
{
	size_t max, n;
	uint8_t *tmp;
	int rc = -1;

	if ((max = BrotliEncoderMaxCompressedSize(len)) == 0)
		return -1;
	if ((tmp = malloc(max)) == NULL)
		return -1;
	n = max;
	if (BrotliEncoderCompress(BROTLI_QUALITY, BROTLI_DEFAULT_WINDOW,
	    BROTLI_MODE_TEXT, len, in, &n, tmp) == BROTLI_TRUE) {
		buf_append(out, tmp, n);
		rc = buf_failed(out) ? -1 : 0;
	}
	free(tmp);
	return rc;
}

static void *
gzip_thread(void *arg)
{
	struct gzip_job *j = arg;

	j->rc = compress_gzip(j->in, j->len, j->out);
	return NULL;
}

void
compress_both(const void *in, size_t len, struct buf *gz, int *gz_rc,
    struct buf *br, int *br_rc)
{
	struct gzip_job j = { in, len, gz, -1 };
	pthread_t t;
	bool threaded;

	/* Without a thread (too small, or none to be had): one after the
	 * other, the same result. */
	threaded = len >= COMPRESS_THREAD_MIN &&
	    pthread_create(&t, NULL, gzip_thread, &j) == 0;
	if (!threaded)
		j.rc = compress_gzip(in, len, gz);
	*br_rc = compress_brotli(in, len, br);
	if (threaded)
		pthread_join(t, NULL);
	*gz_rc = j.rc;
}
