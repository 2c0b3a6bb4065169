/*
 * test_image_png.c: the PNG encoder's choice of filters. For flat art the
 * output is never larger than the same pixels encoded by libpng here either
 * unfiltered or with Paeth at level 6, the diagram at 640 wide meets the
 * size target set against vipsthumbnail, output stays lossless, and bytes
 * already in out are kept. Run from the source root (reads tests/data/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "buf.h"
#include "image.h"
#include "test.h"

#define DATA		"tests/data/images/"
#define OUT_MAX		((size_t)64 << 20)
/* The zlib level image_png.c uses for flat art. */
#define REF_ZLEVEL	6
/* vipsthumbnail (libvips 8.14, VIPS_CONCURRENCY=1, -s 640'x>' to
 * out.png[strip]) makes 4700 bytes of diagram.png at 640 wide; the issue
 * asks for no more than 5% over that. */
#define DIAGRAM_640_MAX	(4700 + 4700 / 20)
/* Synthetic text: rows of short runs in two colours, no two rows alike. */
#define TEXT_W		320
#define TEXT_H		200
#define TEXT_RUN_MAX	12

static char err[IMAGE_ERR_MAX];


static void
count_write(png_structp png, png_bytep d, size_t n)
{
	size_t *total = png_get_io_ptr(png);

	(void)d;
	*total += n;
}

static void
no_flush(png_structp png)
{
	(void)png;
}

/* Bytes libpng makes of p with these filters at REF_ZLEVEL; 0 on error. */
static size_t
ref_size(const struct image_px *p, int filters)
{
	png_structp png;
	png_infop info;
	size_t total = 0, stride = (size_t)p->w * (size_t)p->ch;
	int ct = p->ch == 1 ? PNG_COLOR_TYPE_GRAY : p->ch == 3 ?
	    PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;

	if ((png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL)) == NULL)
		return 0;
	if ((info = png_create_info_struct(png)) == NULL ||
	    setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return 0;
	}
	png_set_write_fn(png, &total, count_write, no_flush);
	png_set_IHDR(png, info, p->w, p->h, 8, ct, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
	png_set_compression_level(png, REF_ZLEVEL);
	png_write_info(png, info);
	for (uint32_t y = 0; y < p->h; y++)
		png_write_row(png, p->px + y * stride);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return total;
}

/* Whether the PNG in d decodes to exactly the pixels of p. */
static bool
same_pixels(const uint8_t *d, size_t len, const struct image_px *p)
{
	png_image im;
	uint8_t *px;
	bool same;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, d, len))
		return false;
	im.format = p->ch == 1 ? PNG_FORMAT_GRAY : p->ch == 3 ?
	    PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
	if (im.width != p->w || im.height != p->h ||
	    (px = malloc(PNG_IMAGE_SIZE(im))) == NULL) {
		png_image_free(&im);
		return false;
	}
	same = png_image_finish_read(&im, NULL, px, 0, NULL) &&
	    memcmp(px, p->px, (size_t)p->w * p->h * (size_t)p->ch) == 0;
	free(px);
	return same;
}

/*
 * Encodes p after a prefix already in out and checks: the prefix kept, the
 * PNG lossless and no larger than either reference. paeth_wins says which
 * reference the fixture is known to favour, so that both outcomes of the
 * encoder's second try are exercised; max, when not 0, bounds the size.
 */
static void
check_encode(const char *name, const struct image_px *p, bool paeth_wins,
    size_t max)
{
	static const char prefix[] = "prefix";
	size_t none = ref_size(p, PNG_FILTER_NONE);
	size_t paeth = ref_size(p, PNG_FILTER_PAETH);
	size_t best = none < paeth ? none : paeth, n;
	struct buf out;
	int rc;

	ok(none > 0 && paeth > 0, "%s: reference encodings", name);
	ok((paeth < none) == paeth_wins, "%s: fixture: unfiltered %zu, "
	    "Paeth %zu", name, none, paeth);
	buf_init(&out, OUT_MAX);
	buf_append(&out, prefix, sizeof(prefix) - 1);
	rc = image_png_encode(p, &out, err, sizeof(err));
	ok(rc == IMAGE_OK, "%s: encode: %d %s", name, rc, err);
	n = out.len - (sizeof(prefix) - 1);
	ok(out.len > sizeof(prefix) - 1 &&
	    memcmp(out.data, prefix, sizeof(prefix) - 1) == 0,
	    "%s: prefix kept", name);
	ok(n <= best, "%s: %zu bytes, over the best reference %zu", name, n,
	    best);
	ok(max == 0 || n <= max, "%s: %zu bytes, over %zu", name, n, max);
	ok(rc == IMAGE_OK && same_pixels((const uint8_t *)out.data +
	    sizeof(prefix) - 1, n, p), "%s: lossless", name);
	buf_free(&out);
}

/* The pixels image_resize() would encode for file at width w. */
static bool
resized(const char *file, uint32_t w, struct image_px *p)
{
	struct image_limits lim;
	struct image_info info;
	uint8_t *d;
	size_t len;
	uint32_t tw, th;
	int rc;

	image_limits_default(&lim);
	memset(p, 0, sizeof(*p));
	if ((d = test_read_file(file, &len)) == NULL)
		return false;
	rc = image_probe(d, len, &lim, &info, err, sizeof(err));
	if (rc == IMAGE_OK) {
		image_target_size(&info, w, &tw, &th);
		rc = image_png_decode(d, len, &lim, tw, th, p, err,
		    sizeof(err));
	}
	free(d);
	return rc == IMAGE_OK;
}

static void
test_files(void)
{
	static const struct {
		const char	*file;
		uint32_t	 w;
		bool		 paeth_wins;
		size_t		 max;
	} t[] = {
		{ DATA "diagram.png", 640, true, DIAGRAM_640_MAX },
		{ DATA "diagram.png", 800, true, 0 },
		{ DATA "diagram.png", 256, true, 0 },
		{ DATA "alpha.png", 300, true, 0 },
		{ DATA "alpha.png", 128, true, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct image_px p;
		char name[128];

		snprintf(name, sizeof(name), "%s@%u", t[i].file, t[i].w);
		ok(resized(t[i].file, t[i].w, &p), "%s: decode: %s", name,
		    err);
		if (p.px != NULL)
			check_encode(name, &p, t[i].paeth_wins, t[i].max);
		image_px_free(&p);
	}
}

/* Through image_resize(), as /_img does it: the same bytes. */
static void
test_resize(void)
{
	struct image_limits lim;
	struct image_result res;
	struct image_px p;
	struct buf out;
	uint8_t *d;
	size_t len;
	int rc;

	image_limits_default(&lim);
	buf_init(&out, OUT_MAX);
	d = test_read_file(DATA "diagram.png", &len);
	ok(d != NULL, "read diagram.png");
	rc = image_resize(d, len, 640, 75, IMAGE_FMT_PNG, &lim, &out, &res,
	    err, sizeof(err));
	ok(rc == IMAGE_OK && res.width == 640 && res.height == 400,
	    "resize diagram.png to 640: %d %s", rc, err);
	ok(out.len > 0 && out.len <= DIAGRAM_640_MAX, "resize: %zu bytes, "
	    "over %d", out.len, DIAGRAM_640_MAX);
	if (resized(DATA "diagram.png", 640, &p))
		ok(same_pixels((const uint8_t *)out.data, out.len, &p),
		    "resize: lossless");
	image_px_free(&p);
	free(d);
	buf_free(&out);
}

/* Flat, yet unfiltered is smaller: no row repeats the one above. */
static void
test_text(void)
{
	static const uint8_t ink[2][3] = { { 0x1e, 0x1e, 0x1e },
	    { 0xd4, 0xd4, 0xd4 } };
	struct image_px p;
	uint32_t seed = 1;

	memset(&p, 0, sizeof(p));
	p.w = TEXT_W;
	p.h = TEXT_H;
	p.ch = 3;
	ok((p.px = malloc((size_t)TEXT_W * TEXT_H * 3)) != NULL, "malloc");
	if (p.px == NULL)
		return;
	for (uint32_t y = 0; y < TEXT_H; y++) {
		uint32_t x = 0, c = y & 1;

		while (x < TEXT_W) {
			uint32_t run;

			seed = seed * 1103515245u + 12345u;
			run = 1 + (seed >> 16) % TEXT_RUN_MAX;
			for (; run > 0 && x < TEXT_W; run--, x++)
				memcpy(p.px + ((size_t)y * TEXT_W + x) * 3,
				    ink[c], 3);
			c ^= 1;
		}
	}
	check_encode("text", &p, false, 0);
	free(p.px);
}

int
main(void)
{
	test_files();
	test_resize();
	test_text();
	return test_done();
}
