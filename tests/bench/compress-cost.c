/*
 * compress-cost.c: times gzip (zlib) and brotli alone over the bodies of an
 * exported site, the way lib/compress.c calls them, so the benchmark can say
 * how much of a build is compression and what another level would cost.
 * Reads file names from stdin, one a line; prints one line of key=value.
 *
 *   compress-cost gzip LEVEL [MEMLEVEL] < list
 *   compress-cost brotli QUALITY [LGWIN] < list     (LGWIN 0: fit the body)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <brotli/encode.h>
#include <zlib.h>

/* As lib/folio_limits.h and lib/compress.c: bodies under COMPRESS_MIN_BYTES
 * are stored as they are; gzip uses a 32 KiB window with a gzip header. */
#define COMPRESS_MIN_BYTES	256
#define GZIP_WINDOW_BITS	(15 + 16)
#define GZIP_MEM_LEVEL		9
/* Smallest and largest brotli window (log2 bytes) when fitting the body. */
#define LGWIN_MIN		10
#define LGWIN_MAX		24
/* Longest file name read from stdin. */
#define NAME_MAX_LEN		4096
/* Largest body read: as PAGE_BYTES_MAX. */
#define BODY_MAX		(32u << 20)

struct totals {
	size_t	files, in, out;
	double	seconds;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *p;
	long n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    (size_t)n > BODY_MAX || fseek(f, 0, SEEK_SET) == -1 ||
	    (p = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

static int
gzip_len(const unsigned char *in, size_t len, int level, int memlevel,
    size_t *out)
{
	uLong cap = compressBound((uLong)len) + 64;	/* + gzip header */
	unsigned char *dst;
	z_stream zs = { 0 };
	int rc;

	if ((dst = malloc(cap)) == NULL)
		return -1;
	if (deflateInit2(&zs, level, Z_DEFLATED, GZIP_WINDOW_BITS, memlevel,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(dst);
		return -1;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = dst;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	*out = zs.total_out;
	deflateEnd(&zs);
	free(dst);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int
brotli_len(const unsigned char *in, size_t len, int quality, int lgwin,
    size_t *out)
{
	size_t cap = BrotliEncoderMaxCompressedSize(len);
	unsigned char *dst;
	int rc;

	if (lgwin == 0)
		for (lgwin = LGWIN_MIN; lgwin < LGWIN_MAX &&
		    ((size_t)1 << lgwin) < len; lgwin++)
			;
	if (cap == 0 || (dst = malloc(cap)) == NULL)
		return -1;
	*out = cap;
	rc = BrotliEncoderCompress(quality, lgwin, BROTLI_MODE_TEXT, len, in,
	    out, dst) == BROTLI_TRUE ? 0 : -1;
	free(dst);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: compress-cost gzip LEVEL [MEMLEVEL] < list\n"
	    "       compress-cost brotli QUALITY [LGWIN] < list\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char name[NAME_MAX_LEN];
	struct totals t = { 0 };
	int brotli, param, extra;

	if (argc < 3 || argc > 4)
		return usage();
	if (strcmp(argv[1], "brotli") == 0)
		brotli = 1;
	else if (strcmp(argv[1], "gzip") == 0)
		brotli = 0;
	else
		return usage();
	param = atoi(argv[2]);
	extra = argc == 4 ? atoi(argv[3]) : brotli ? BROTLI_DEFAULT_WINDOW :
	    GZIP_MEM_LEVEL;
	while (fgets(name, sizeof(name), stdin) != NULL) {
		unsigned char *body;
		size_t len, out;
		double t0;
		int rc;

		name[strcspn(name, "\n")] = '\0';
		if ((body = slurp(name, &len)) == NULL) {
			fprintf(stderr, "compress-cost: %s: %s\n", name,
			    strerror(errno ? errno : EFBIG));
			return 1;
		}
		if (len < COMPRESS_MIN_BYTES) {
			free(body);
			continue;
		}
		t0 = now();
		rc = brotli ? brotli_len(body, len, param, extra, &out) :
		    gzip_len(body, len, param, extra, &out);
		t.seconds += now() - t0;
		free(body);
		if (rc == -1) {
			fprintf(stderr, "compress-cost: %s: failed\n", name);
			return 1;
		}
		t.files++;
		t.in += len;
		t.out += out;
	}
	printf("codec=%s level=%d extra=%d files=%zu in=%zu out=%zu "
	    "seconds=%.4f\n", argv[1], param, extra, t.files, t.in, t.out,
	    t.seconds);
	return 0;
}
