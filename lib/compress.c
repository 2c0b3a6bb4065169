/*
 * compress.c: the gzip and brotli encoders of compress.h, used once per
 * build for every compressible body. gzip is streamed through a small chunk
 * buffer; brotli is one call into a buffer of its worst-case size. Also the
 * helper thread that makes a body's gzip while its brotli is made.
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
/* Bodies from this size get their gzip made on the helper thread: handing
 * a job over costs a few microseconds, compressing 4 KiB about a hundred. */
#define COMPRESS_THREAD_MIN	4096

struct gzip_job {
	const void	*in;
	size_t		 len;
	struct buf	*out;
	int		 rc;
};

/*
 * The one helper thread of the process, started by the first
 * compress_both() and kept until compress_release(): a thread made for
 * each page was a twentieth of a build's time. It takes one job at a
 * time; the caller waits for it after doing the brotli half.
 */
static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	bool		 running;
	bool		 stop;
	struct gzip_job	*job;		/* handed over, not yet done */
} helper = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
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
helper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&helper.mu);
	for (;;) {
		while (helper.job == NULL && !helper.stop)
			pthread_cond_wait(&helper.cv, &helper.mu);
		if (helper.job == NULL)
			break;
		struct gzip_job *j = helper.job;

		pthread_mutex_unlock(&helper.mu);
		j->rc = compress_gzip(j->in, j->len, j->out);
		pthread_mutex_lock(&helper.mu);
		helper.job = NULL;
		pthread_cond_broadcast(&helper.cv);
	}
	pthread_mutex_unlock(&helper.mu);
	return NULL;
}

/* Hands j to the helper (started if need be); false if there is none. */
static bool
helper_start(struct gzip_job *j)
{
	bool ok;

	pthread_mutex_lock(&helper.mu);
	if (!helper.running) {
		helper.stop = false;
		helper.running = pthread_create(&helper.thread, NULL,
		    helper_main, NULL) == 0;
	}
	ok = helper.running;
	if (ok) {
		helper.job = j;
		pthread_cond_broadcast(&helper.cv);
	}
	pthread_mutex_unlock(&helper.mu);
	return ok;
}

static void
helper_wait(void)
{
	pthread_mutex_lock(&helper.mu);
	while (helper.job != NULL)
		pthread_cond_wait(&helper.cv, &helper.mu);
	pthread_mutex_unlock(&helper.mu);
}

void
compress_both(const void *in, size_t len, struct buf *gz, int *gz_rc,
    struct buf *br, int *br_rc)
{
	struct gzip_job j = { in, len, gz, -1 };
	bool threaded;

	/* Without the helper (too small, or no thread to be had): one after
	 * the other, the same result. */
	threaded = len >= COMPRESS_THREAD_MIN && helper_start(&j);
	if (!threaded)
		j.rc = compress_gzip(in, len, gz);
	*br_rc = compress_brotli(in, len, br);
	if (threaded)
		helper_wait();
	*gz_rc = j.rc;
}

void
compress_release(void)
{
	pthread_mutex_lock(&helper.mu);
	if (!helper.running) {
		pthread_mutex_unlock(&helper.mu);
		return;
	}
	helper.stop = true;
	pthread_cond_broadcast(&helper.cv);
	pthread_mutex_unlock(&helper.mu);
	pthread_join(helper.thread, NULL);
	pthread_mutex_lock(&helper.mu);
	helper.running = false;
	pthread_mutex_unlock(&helper.mu);
}
