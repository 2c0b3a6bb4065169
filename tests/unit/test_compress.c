/*
 * test_compress.c: gzip and brotli output decodes (zlib inflate, the brotli
 * decoder) to the input, for empty, small, repetitive, random and
 * multi-chunk inputs; output is appended after what the buffer held; a
 * buffer bound too small for the output is an error. A job on the pool
 * (compress_submit, compress_wait) gives each codec's own bytes, below and
 * above its thread threshold, with any number of threads, jobs waited for
 * in any order, past its queue's size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <zlib.h>

#include "buf.h"
#include "compress.h"
#include "test.h"

#define OUT_MAX		(64u << 20)
#define BIG_LEN		(512u << 10)	/* many deflate output chunks */
/* Jobs in flight at once in test_pool: more than the pool queues. */
#define POOL_JOBS	100
#define POOL_JOB_LEN	6000		/* above its thread threshold */

/* Inflates gzip data; returns the decoded bytes (caller frees) or NULL. */
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
	if (zr != Z_STREAM_END || zs.avail_in != 0) {
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

struct codec {
	const char *name;
	int (*compress)(const void *, size_t, struct buf *);
	unsigned char *(*decode)(const void *, size_t, size_t, size_t *);
};

static const struct codec codecs[] = {
	{ "gzip", compress_gzip, gunzip },
	{ "brotli", compress_brotli, unbrotli },
};

/* Compresses in after a prefix and checks the prefix and the round trip. */
static void
check_round_trip(const struct codec *c, const char *what,
    const unsigned char *in, size_t len, size_t *outlen)
{
	static const char prefix[] = "PREFIX";
	unsigned char *dec;
	struct buf out;
	size_t declen = 0;

	buf_init(&out, OUT_MAX);
	buf_append(&out, prefix, sizeof(prefix) - 1);
	ok(c->compress(in, len, &out) == 0, "%s %s: compress", c->name, what);
	ok(out.len > sizeof(prefix) - 1 &&
	    memcmp(out.data, prefix, sizeof(prefix) - 1) == 0,
	    "%s %s: appended after the prefix", c->name, what);
	*outlen = out.len - (sizeof(prefix) - 1);
	dec = c->decode(out.data + sizeof(prefix) - 1, *outlen, len, &declen);
	ok(dec != NULL && declen == len && (len == 0 ||
	    memcmp(dec, in, len) == 0), "%s %s: decodes to the input (%zu of %zu)",
	    c->name, what, declen, len);
	free(dec);
	buf_free(&out);
}

static void
test_codec(const struct codec *c)
{
	unsigned char *text, *noise, *big;
	size_t n, outlen;
	struct buf a, b;

	check_round_trip(c, "empty", (const unsigned char *)"", 0, &outlen);
	check_round_trip(c, "one byte", (const unsigned char *)"x", 1, &outlen);

	text = malloc(64 << 10);
	for (n = 0; n < (64 << 10); n++)
		text[n] = "<p>The quick brown fox jumps over the lazy dog.</p>\n"
		    [n % 52];
	check_round_trip(c, "text", text, 64 << 10, &outlen);
	ok(outlen < (64 << 10) / 10, "%s: repetitive text shrinks (%zu)",
	    c->name, outlen);

	noise = malloc(4096);
	for (n = 0; n < 4096; n++)
		noise[n] = (unsigned char)xorshift();
	check_round_trip(c, "noise", noise, 4096, &outlen);
	ok(outlen >= 4096, "%s: random bytes do not shrink (%zu)", c->name,
	    outlen);

	big = malloc(BIG_LEN);
	for (n = 0; n < BIG_LEN; n++)
		big[n] = (n / 4096) % 3 == 0 ? (unsigned char)xorshift() :
		    text[n % 1000];
	check_round_trip(c, "big mixed", big, BIG_LEN, &outlen);

	/* Same input, same bytes: ETags of variants stay stable. */
	buf_init(&a, OUT_MAX);
	buf_init(&b, OUT_MAX);
	ok(c->compress(text, 5000, &a) == 0 && c->compress(text, 5000, &b) == 0 &&
	    a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "%s: deterministic", c->name);
	buf_free(&a);
	buf_free(&b);

	/* A bound below the output size is an error, not a short result. */
	buf_init(&a, 16);
	ok(c->compress(noise, 4096, &a) == -1, "%s: bound too small fails",
	    c->name);
	ok(buf_failed(&a), "%s: buffer marked failed", c->name);
	buf_free(&a);

	free(text);
	free(noise);
	free(big);
}

/* One job submitted and waited for, as the index builder does. */
static void
both(const void *in, size_t len, struct buf *gz, int *gz_rc, struct buf *br,
    int *br_rc)
{
	struct compress_job j = { .in = in, .len = len, .gz = gz, .br = br };

	compress_submit(&j);
	compress_wait(&j);
	*gz_rc = j.gz_rc;
	*br_rc = j.br_rc;
}

/* A job against the codecs one at a time, at sizes below and
 * above its thread threshold, and with a bound one codec cannot meet. */
static void
test_both(void)
{
	static const size_t sizes[] = { 0, 300, 4095, 4096, 100000 };
	unsigned char *text = malloc(100000);
	struct buf gz, br, g1, b1;
	int gz_rc, br_rc;

	for (size_t n = 0; n < 100000; n++)
		text[n] = (unsigned char)("<li>item</li>\n"[n % 14] ^
		    (n % 97 == 0 ? xorshift() & 1 : 0));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_init(&gz, OUT_MAX);
		buf_init(&br, OUT_MAX);
		buf_init(&g1, OUT_MAX);
		buf_init(&b1, OUT_MAX);
		both(text, sizes[i], &gz, &gz_rc, &br, &br_rc);
		ok(gz_rc == 0 && br_rc == 0 &&
		    compress_gzip(text, sizes[i], &g1) == 0 &&
		    compress_brotli(text, sizes[i], &b1) == 0 &&
		    gz.len == g1.len && br.len == b1.len &&
		    memcmp(gz.data, g1.data, gz.len) == 0 &&
		    memcmp(br.data, b1.data, br.len) == 0,
		    "both at %zu bytes: the codecs' own output", sizes[i]);
		buf_free(&gz);
		buf_free(&br);
		buf_free(&g1);
		buf_free(&b1);
	}
	/* Noise does not shrink: a bound of its size fails both. */
	for (size_t n = 0; n < 8192; n++)
		text[n] = (unsigned char)xorshift();
	buf_init(&gz, 8192 - 1);
	buf_init(&br, 8192 - 1);
	both(text, 8192, &gz, &gz_rc, &br, &br_rc);
	ok(gz_rc == -1 && br_rc == -1, "both: bound too small fails each");
	buf_free(&gz);
	buf_free(&br);
	/* The pool ends (twice is harmless), and the next job starts it again. */
	compress_release();
	compress_release();
	for (size_t n = 0; n < 8192; n++)
		text[n] = (unsigned char)"<p>again</p>\n"[n % 13];
	buf_init(&gz, OUT_MAX);
	buf_init(&br, OUT_MAX);
	buf_init(&g1, OUT_MAX);
	both(text, 8192, &gz, &gz_rc, &br, &br_rc);
	ok(gz_rc == 0 && br_rc == 0 && compress_gzip(text, 8192, &g1) == 0 &&
	    gz.len == g1.len && memcmp(gz.data, g1.data, gz.len) == 0,
	    "both after a release");
	buf_free(&gz);
	buf_free(&br);
	buf_free(&g1);
	compress_release();
	free(text);
}

/* POOL_JOBS jobs in flight with n threads (0: one per core), waited for
 * last first; each must be what the codecs give alone. */
static void
pool_round(int n, const unsigned char *text)
{
	static struct compress_job jobs[POOL_JOBS];
	static struct buf gz[POOL_JOBS], br[POOL_JOBS];
	struct buf g1, b1;
	size_t bad = 0;

	compress_threads(n);
	for (size_t i = 0; i < POOL_JOBS; i++) {
		buf_init(&gz[i], OUT_MAX);
		buf_init(&br[i], OUT_MAX);
		/* Each job its own slice, some below the threshold. */
		jobs[i] = (struct compress_job){ .in = text + i,
		    .len = POOL_JOB_LEN - (i % 7 == 0 ? POOL_JOB_LEN / 2 : i),
		    .gz = &gz[i], .br = &br[i] };
		compress_submit(&jobs[i]);
	}
	for (size_t k = POOL_JOBS; k-- > 0;) {
		compress_wait(&jobs[k]);
		buf_init(&g1, OUT_MAX);
		buf_init(&b1, OUT_MAX);
		if (jobs[k].gz_rc != 0 || jobs[k].br_rc != 0 ||
		    compress_gzip(jobs[k].in, jobs[k].len, &g1) != 0 ||
		    compress_brotli(jobs[k].in, jobs[k].len, &b1) != 0 ||
		    g1.len != gz[k].len || b1.len != br[k].len ||
		    memcmp(g1.data, gz[k].data, g1.len) != 0 ||
		    memcmp(b1.data, br[k].data, b1.len) != 0)
			bad++;
		buf_free(&g1);
		buf_free(&b1);
		buf_free(&gz[k]);
		buf_free(&br[k]);
	}
	ok(bad == 0, "pool of %d threads: %zu of %d jobs wrong", n, bad,
	    POOL_JOBS);
	compress_release();
}

static void
test_pool(void)
{
	static const int threads[] = { 1, 0, 3 };
	unsigned char *text = malloc(POOL_JOB_LEN + POOL_JOBS);

	for (size_t n = 0; n < POOL_JOB_LEN + POOL_JOBS; n++)
		text[n] = (unsigned char)("<p>pooled words</p>\n"[n % 20] ^
		    (n % 89 == 0 ? xorshift() & 3 : 0));
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++)
		pool_round(threads[i], text);
	/* A job waited for twice: the second wait returns at once. */
	struct buf gz, br;
	struct compress_job j = { .in = text, .len = POOL_JOB_LEN, .gz = &gz,
	    .br = &br };

	buf_init(&gz, OUT_MAX);
	buf_init(&br, OUT_MAX);
	compress_submit(&j);
	compress_wait(&j);
	compress_wait(&j);
	ok(j.gz_rc == 0 && j.br_rc == 0 && gz.len > 0 && br.len > 0,
	    "a job waited for twice");
	buf_free(&gz);
	buf_free(&br);
	compress_threads(0);
	compress_release();
	free(text);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		test_codec(&codecs[i]);
	test_both();
	test_pool();
	return test_done();
}
