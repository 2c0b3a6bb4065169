/*
 * test_image.c: image.c and its codecs. Probing the test images, sizes and
 * formats of resized output at several widths, never upscaling, DCT
 * scaling, EXIF orientation (all eight, by marked corners), alpha kept,
 * colour profiles converted (WebP's too), CMYK, metadata stripped, corrupt, truncated
 * and oversized sources refused quickly and with little memory, a resize
 * from a caller's probe (and an info that is not one refused), and every
 * 400 of the /_img request rules. Run from the source root (it reads
 * tests/data/images/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <lcms2.h>
#include <png.h>
#include <webp/decode.h>
#include <webp/encode.h>
#include <webp/mux_types.h>

#include "buf.h"
#include "image.h"
#include "test.h"

#define DATA		"tests/data/images/"
#define OUT_MAX		((size_t)64 << 20)
/* A refusal, bombs included, must raise the peak RSS by less than this:
 * proof that no pixel buffer was allocated for it. */
#define SMALL_RSS_KB	(16 * 1024)

static char err[IMAGE_ERR_MAX];

/* --- Helpers ------------------------------------------------------------ */



/* A "Key: <n> kB" line of /proc/self/status, in KiB, or -1. */
static long
status_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Peak RSS in KiB since the last reset_peak(), and RSS now. */
static long
peak_kb(void)
{
	return status_kb("VmHWM");
}

static long
rss_kb(void)
{
	return status_kb("VmRSS");
}

/* Resets the kernel's peak RSS to the current RSS (Linux clear_refs). */
static bool
reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	bool done;

	if (f == NULL)
		return false;
	done = fputs("5", f) >= 0;
	return fclose(f) == 0 && done;
}

struct jenc {
	int	quality;
	bool	progressive;
	const uint8_t *exif;
	size_t	exif_len;
	const uint8_t *icc;
	size_t	icc_len;
	const jpeg_scan_info *scans;
	int	nscans;
};

static uint8_t *
jpeg_enc(const uint8_t *px, int w, int h, int ch, const struct jenc *o,
    size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *mem = NULL;
	unsigned long n = 0;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &n);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = ch;
	c.in_color_space = ch == 1 ? JCS_GRAYSCALE : ch == 4 ? JCS_CMYK :
	    JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, o->quality ? o->quality : 90, TRUE);
	if (o->progressive)
		jpeg_simple_progression(&c);
	if (o->scans != NULL) {
		c.scan_info = o->scans;
		c.num_scans = o->nscans;
	}
	jpeg_start_compress(&c, TRUE);
	if (o->exif != NULL)
		jpeg_write_marker(&c, JPEG_APP0 + 1, o->exif,
		    (unsigned int)o->exif_len);
	if (o->icc != NULL)
		jpeg_write_icc_profile(&c, o->icc, (unsigned int)o->icc_len);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline *
		    (size_t)w * (size_t)ch);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*len = n;
	return mem;
}

/* Decodes a JPEG to RGB (or grey); returns pixels, NULL if it fails. */
static uint8_t *
jpeg_dec(const uint8_t *d, size_t len, int *w, int *h, int *ch)
{
	struct jpeg_decompress_struct c;
	struct jpeg_error_mgr e;
	uint8_t *px;

	c.err = jpeg_std_error(&e);
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, d, (unsigned long)len);
	jpeg_read_header(&c, TRUE);
	jpeg_start_decompress(&c);
	*w = (int)c.output_width;
	*h = (int)c.output_height;
	*ch = c.output_components;
	px = malloc((size_t)*w * (size_t)*h * (size_t)*ch);
	while (c.output_scanline < c.output_height) {
		JSAMPROW row = px + (size_t)c.output_scanline * (size_t)*w *
		    (size_t)*ch;

		jpeg_read_scanlines(&c, &row, 1);
	}
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	return px;
}

struct membuf {
	uint8_t	*d;
	size_t	 len;
};

static void
png_mem_write(png_structp p, png_bytep d, size_t n)
{
	struct membuf *m = png_get_io_ptr(p);
	uint8_t *nd = realloc(m->d, m->len + n);

	if (nd == NULL)
		png_error(p, "oom");
	m->d = nd;
	memcpy(m->d + m->len, d, n);
	m->len += n;
}

static uint8_t *
png_enc(const uint8_t *px, int w, int h, int ct, const uint8_t *exif,
    size_t exif_len, const uint8_t *icc, size_t icc_len, size_t *len)
{
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    NULL, NULL);
	png_infop in = png_create_info_struct(p);
	struct membuf m = { NULL, 0 };
	int ch = ct == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : ct == PNG_COLOR_TYPE_RGB ?
	    3 : 1;

	png_set_write_fn(p, &m, png_mem_write, NULL);
	png_set_IHDR(p, in, (png_uint_32)w, (png_uint_32)h, 8, ct,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	if (exif != NULL)
		png_set_eXIf_1(p, in, (png_uint_32)exif_len, (png_bytep)exif);
	if (icc != NULL)
		png_set_iCCP(p, in, "test", 0, icc, (png_uint_32)icc_len);
	png_write_info(p, in);
	for (int y = 0; y < h; y++)
		png_write_row(p, px + (size_t)y * (size_t)w * (size_t)ch);
	png_write_end(p, in);
	png_destroy_write_struct(&p, &in);
	*len = m.len;
	return m.d;
}

/* Appends a RIFF chunk (fourcc, little-endian size, body, pad byte). */
static size_t
riff_chunk(uint8_t *out, const char *fourcc, const uint8_t *body, size_t n)
{
	memcpy(out, fourcc, 4);
	for (int i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(n >> (8 * i));
	memcpy(out + 8, body, n);
	if (n % 2)
		out[8 + n++] = 0;
	return 8 + n;
}

/*
 * A lossless WebP of px (RGB) in the extended format, written by hand as
 * libwebp's mux would: VP8X, ICCP (if icc), the VP8L image, EXIF (if
 * exif). Returns it (free it), NULL if the encoder fails.
 */
static uint8_t *
webp_enc(const uint8_t *px, int w, int h, const uint8_t *exif,
    size_t exif_len, const uint8_t *icc, size_t icc_len, size_t *len)
{
	uint8_t *simple = NULL, *f, vp8x[10] = { 0 };
	size_t n = WebPEncodeLosslessRGB(px, w, h, w * 3, &simple), at = 12;

	if (n < 12 || (f = malloc(n + exif_len + icc_len + 64)) == NULL) {
		WebPFree(simple);
		return NULL;
	}
	vp8x[0] = (uint8_t)((icc ? ICCP_FLAG : 0) | (exif ? EXIF_FLAG : 0));
	for (int i = 0; i < 3; i++) {
		vp8x[4 + i] = (uint8_t)((unsigned)(w - 1) >> (8 * i));
		vp8x[7 + i] = (uint8_t)((unsigned)(h - 1) >> (8 * i));
	}
	at += riff_chunk(f + at, "VP8X", vp8x, sizeof(vp8x));
	if (icc != NULL)
		at += riff_chunk(f + at, "ICCP", icc, icc_len);
	memcpy(f + at, simple + 12, n - 12);	/* the VP8L chunk */
	at += n - 12;
	if (exif != NULL)
		at += riff_chunk(f + at, "EXIF", exif, exif_len);
	WebPFree(simple);
	memcpy(f, "RIFF", 4);
	for (int i = 0; i < 4; i++)
		f[4 + i] = (uint8_t)((at - 8) >> (8 * i));
	memcpy(f + 8, "WEBP", 4);
	*len = at;
	return f;
}

/* Decodes a PNG to RGBA with libpng's simplified API. */
static uint8_t *
png_dec(const uint8_t *d, size_t len, int *w, int *h)
{
	png_image im;
	uint8_t *px;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, d, len))
		return NULL;
	im.format = PNG_FORMAT_RGBA;
	px = malloc(PNG_IMAGE_SIZE(im));
	if (!png_image_finish_read(&im, NULL, px, 0, NULL)) {
		free(px);
		return NULL;
	}
	*w = (int)im.width;
	*h = (int)im.height;
	return px;
}

/* EXIF APP1 body ("Exif\0\0" + big-endian TIFF, IFD0 = Orientation). */
static size_t
exif_make(uint8_t *b, int orientation, bool prefix)
{
	static const uint8_t tiff[] = {
		'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 0,
	};
	size_t n = 0;

	if (prefix) {
		memcpy(b, "Exif\0\0", 6);
		n = 6;
	}
	memcpy(b + n, tiff, sizeof(tiff));
	b[n + 19] = (uint8_t)orientation;
	return n + sizeof(tiff);
}

static int
resize(const uint8_t *d, size_t len, uint32_t w, enum image_format f,
    struct buf *out, struct image_result *r)
{
	struct image_limits lim;

	image_limits_default(&lim);
	buf_init(out, OUT_MAX);
	return image_resize(d, len, w, 75, f, &lim, out, r, err, sizeof(err));
}

/* Marker codes of a JPEG up to its first scan. */
static size_t
jpeg_markers(const uint8_t *d, size_t len, int *m, size_t max,
    const uint8_t **sof)
{
	size_t i = 2, n = 0;

	*sof = NULL;
	while (i + 4 <= len && d[i] == 0xff && n < max) {
		int code = d[i + 1];
		size_t seg = (size_t)d[i + 2] << 8 | d[i + 3];

		m[n++] = code;
		if (code >= 0xc0 && code <= 0xc2)
			*sof = d + i + 4;
		if (code == 0xda)
			break;
		i += 2 + seg;
	}
	return n;
}

/* --- Probe -------------------------------------------------------------- */

static void
test_probe_files(void)
{
	static const struct {
		const char *file;
		int status, format;
		uint32_t w, h, dw, dh;
		int orientation, components;
		bool alpha, progressive;
	} t[] = {
		{ "photo.jpg", 0, IMAGE_FMT_JPEG, 1200, 800, 1200, 800, 1, 3,
		    false, false },
		{ "exif6.jpg", 0, IMAGE_FMT_JPEG, 400, 300, 300, 400, 6, 3,
		    false, false },
		{ "grey-progressive.jpg", 0, IMAGE_FMT_JPEG, 320, 240, 320,
		    240, 1, 1, false, true },
		{ "cmyk.jpg", 0, IMAGE_FMT_JPEG, 200, 150, 200, 150, 1, 4,
		    false, false },
		{ "widegamut.jpg", 0, IMAGE_FMT_JPEG, 200, 150, 200, 150, 1, 3,
		    false, false },
		{ "truncated.jpg", 0, IMAGE_FMT_JPEG, 1200, 800, 1200, 800, 1,
		    3, false, false },
		{ "alpha.png", 0, IMAGE_FMT_PNG, 300, 200, 300, 200, 1, 4, true,
		    false },
		{ "diagram.png", 0, IMAGE_FMT_PNG, 800, 500, 800, 500, 1, 3,
		    false, false },
		{ "bomb.png", IMAGE_ETOOBIG, IMAGE_FMT_PNG, 100000, 100000, 0,
		    0, 1, 0, false, false },
		{ "not-an-image.jpg", IMAGE_EFORMAT, 0, 0, 0, 0, 0, 1, 0,
		    false, false },
	};
	struct image_limits lim;

	image_limits_default(&lim);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct image_info in;
		char path[256];
		size_t len;
		uint8_t *d;
		int rc;

		snprintf(path, sizeof(path), DATA "%s", t[i].file);
		d = test_read_file(path, &len);
		ok(d != NULL, "%s readable", path);
		if (d == NULL)
			continue;
		rc = image_probe(d, len, &lim, &in, err, sizeof(err));
		ok(rc == t[i].status, "%s: probe %d (%s), want %d", t[i].file,
		    rc, rc ? err : "ok", t[i].status);
		ok((int)in.format == t[i].format, "%s: format %d", t[i].file,
		    in.format);
		if (rc == IMAGE_ETOOBIG)
			ok(strstr(err, "100000x100000") != NULL,
			    "%s: message names the size: %s", t[i].file, err);
		if (rc != 0) {
			free(d);
			continue;
		}
		ok(in.width == t[i].w && in.height == t[i].h &&
		    in.display_width == t[i].dw &&
		    in.display_height == t[i].dh, "%s: %ux%u shown %ux%u",
		    t[i].file, in.width, in.height, in.display_width,
		    in.display_height);
		ok(in.orientation == t[i].orientation, "%s: orientation %d",
		    t[i].file, in.orientation);
		ok(in.components == t[i].components, "%s: components %d",
		    t[i].file, in.components);
		ok(in.has_alpha == t[i].alpha && in.progressive ==
		    t[i].progressive, "%s: alpha %d progressive %d", t[i].file,
		    in.has_alpha, in.progressive);
		free(d);
	}
}

/* Every prefix of a file is probed without a crash or a read past it (the
 * ASan build checks) and answers OK only once the frame header is in. */
static void
test_probe_prefixes(void)
{
	static const char *files[] = { DATA "exif6.jpg", DATA "alpha.png",
	    DATA "widegamut.jpg" };
	struct image_limits lim;

	image_limits_default(&lim);
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len, bad = 0, first_ok = 0;
		uint8_t *d = test_read_file(files[f], &len);

		for (size_t n = 0; d != NULL && n <= len && n < 4096; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			struct image_info in;
			int rc;

			memcpy(copy, d, n);
			rc = image_probe(copy, n, &lim, &in, err, sizeof(err));
			if (rc == IMAGE_OK && first_ok == 0)
				first_ok = n;
			if (rc == IMAGE_OK && (in.width == 0 || in.height == 0))
				bad++;
			if (rc != IMAGE_OK && first_ok != 0)
				bad++;	/* OK must stay OK with more bytes */
			free(copy);
		}
		ok(d != NULL && first_ok > 0 && bad == 0,
		    "%s: prefixes probe sanely (first OK at %zu, %zu bad)",
		    files[f], first_ok, bad);
		free(d);
	}
}

static void
test_probe_limits(void)
{
	struct image_limits lim;
	struct image_info in;
	size_t len;
	uint8_t *d = test_read_file(DATA "photo.jpg", &len);

	image_limits_default(&lim);
	lim.max_bytes = len - 1;
	ok(image_probe(d, len, &lim, &in, err, sizeof(err)) == IMAGE_ETOOBIG,
	    "bytes over the limit: %s", err);
	ok(image_http_status(IMAGE_ETOOBIG) == 413, "ETOOBIG is 413");
	image_limits_default(&lim);
	lim.max_pixels = 1200 * 800 - 1;
	ok(image_probe(d, len, &lim, &in, err, sizeof(err)) == IMAGE_ETOOBIG,
	    "pixels over the limit: %s", err);
	lim.max_pixels = 1200 * 800;
	ok(image_probe(d, len, &lim, &in, err, sizeof(err)) == IMAGE_OK,
	    "pixels at the limit pass");
	/* A frame header declaring 60000x60000 in an otherwise good file. */
	for (size_t i = 2; i + 9 < len; i++)
		if (d[i] == 0xff && d[i + 1] == 0xc0) {
			d[i + 5] = d[i + 7] = 0xea;
			d[i + 6] = d[i + 8] = 0x60;
			break;
		}
	image_limits_default(&lim);
	ok(image_probe(d, len, &lim, &in, err, sizeof(err)) == IMAGE_ETOOBIG &&
	    in.width == 60000, "a 60000x60000 JPEG header is refused: %s",
	    err);
	free(d);
	ok(image_http_status(IMAGE_EFORMAT) == 415 &&
	    image_http_status(IMAGE_ECORRUPT) == 422 &&
	    image_http_status(IMAGE_EREQUEST) == 400 &&
	    image_http_status(IMAGE_ENOMEM) == 503 &&
	    image_http_status(IMAGE_EOUTPUT) == 500, "status mapping");
}

/* --- Resize ------------------------------------------------------------- */

/*
 * image_plan(): the output a worker and an imager agree on. WebP only when
 * asked and when the output fits WebP's 16383 pixels a side; a taller one
 * keeps the source's format, at any width.
 */
static void
test_plan(void)
{
	static const struct {
		uint32_t dw, dh;
		int src;
		uint32_t want;
		bool webp;
		uint32_t w, h;
		int format;
	} t[] = {
		{ 1200, 800, IMAGE_FMT_JPEG, 640, true, 640, 427, IMAGE_FMT_WEBP },
		{ 1200, 800, IMAGE_FMT_JPEG, 640, false, 640, 427, IMAGE_FMT_JPEG },
		{ 1200, 800, IMAGE_FMT_JPEG, 3840, true, 1200, 800, IMAGE_FMT_WEBP },
		{ 200, 20000, IMAGE_FMT_PNG, 128, true, 128, 12800, IMAGE_FMT_WEBP },
		{ 200, 20000, IMAGE_FMT_PNG, 200, true, 200, 20000, IMAGE_FMT_PNG },
		{ 200, 20000, IMAGE_FMT_PNG, 3840, true, 200, 20000, IMAGE_FMT_PNG },
		{ 1000, 30000, IMAGE_FMT_JPEG, 640, true, 640, 19200, IMAGE_FMT_JPEG },
		{ 1000, 16383, IMAGE_FMT_JPEG, 1080, true, 1000, 16383, IMAGE_FMT_WEBP },
		{ 1000, 16384, IMAGE_FMT_JPEG, 1080, true, 1000, 16384, IMAGE_FMT_JPEG },
		{ 20000, 100, IMAGE_FMT_PNG, 3840, true, 3840, 19, IMAGE_FMT_WEBP },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct image_info info = {
			.format = (enum image_format)t[i].src,
			.width = t[i].dw, .height = t[i].dh,
			.display_width = t[i].dw, .display_height = t[i].dh,
			.orientation = 1,
		};
		struct image_plan p;

		image_plan(&info, t[i].want, t[i].webp, &p);
		ok(p.width == t[i].w && p.height == t[i].h &&
		    p.format == (enum image_format)t[i].format,
		    "plan %ux%u w=%u webp=%d: %ux%u fmt %d, want %ux%u fmt %d",
		    t[i].dw, t[i].dh, t[i].want, t[i].webp, p.width, p.height,
		    (int)p.format, t[i].w, t[i].h, t[i].format);
	}
}

static void
test_sizes(void)
{
	static const struct {
		const char *file;
		uint32_t want, w, h;
		int format, denom;
	} t[] = {
		{ "photo.jpg", 32, 32, 21, IMAGE_FMT_JPEG, 8 },
		{ "photo.jpg", 128, 128, 85, IMAGE_FMT_JPEG, 4 },
		{ "photo.jpg", 256, 256, 171, IMAGE_FMT_JPEG, 2 },
		{ "photo.jpg", 640, 640, 427, IMAGE_FMT_JPEG, 1 },
		{ "photo.jpg", 1080, 1080, 720, IMAGE_FMT_JPEG, 1 },
		{ "photo.jpg", 3840, 1200, 800, IMAGE_FMT_JPEG, 1 },
		{ "photo.jpg", 640, 640, 427, IMAGE_FMT_WEBP, 1 },
		{ "photo.jpg", 640, 640, 427, IMAGE_FMT_PNG, 1 },
		{ "diagram.png", 64, 64, 40, IMAGE_FMT_PNG, 1 },
		{ "diagram.png", 750, 750, 469, IMAGE_FMT_PNG, 1 },
		{ "diagram.png", 2048, 800, 500, IMAGE_FMT_PNG, 1 },
		{ "diagram.png", 384, 384, 240, IMAGE_FMT_WEBP, 1 },
		{ "diagram.png", 384, 384, 240, IMAGE_FMT_JPEG, 1 },
		{ "grey-progressive.jpg", 96, 96, 72, IMAGE_FMT_JPEG, 1 },
		{ "cmyk.jpg", 48, 48, 36, IMAGE_FMT_JPEG, 2 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct image_result r;
		struct buf out;
		char path[256];
		size_t len;
		uint8_t *d;
		int rc, w = 0, h = 0, ch = 0;

		snprintf(path, sizeof(path), DATA "%s", t[i].file);
		d = test_read_file(path, &len);
		rc = resize(d, len, t[i].want, (enum image_format)t[i].format,
		    &out, &r);
		ok(rc == IMAGE_OK, "%s w=%u: %s", t[i].file, t[i].want,
		    rc ? err : "ok");
		ok(r.width == t[i].w && r.height == t[i].h &&
		    r.format == (enum image_format)t[i].format,
		    "%s w=%u fmt %d: %ux%u, want %ux%u", t[i].file, t[i].want,
		    t[i].format, r.width, r.height, t[i].w, t[i].h);
		ok(r.scale_denom == t[i].denom, "%s w=%u: DCT scale 1/%d, "
		    "want 1/%d", t[i].file, t[i].want, r.scale_denom,
		    t[i].denom);
		if (t[i].format == IMAGE_FMT_JPEG) {
			uint8_t *px = out.len > 3 ? jpeg_dec((uint8_t *)out.data,
			    out.len, &w, &h, &ch) : NULL;

			ok(out.len > 3 && memcmp(out.data, "\xff\xd8\xff", 3) ==
			    0, "%s: JPEG magic", t[i].file);
			ok(px != NULL && w == (int)t[i].w && h == (int)t[i].h,
			    "%s: decodes as %dx%d", t[i].file, w, h);
			free(px);
		} else if (t[i].format == IMAGE_FMT_PNG) {
			uint8_t *px = png_dec((uint8_t *)out.data, out.len, &w,
			    &h);

			ok(out.len > 8 && memcmp(out.data, "\x89PNG", 4) == 0,
			    "%s: PNG magic", t[i].file);
			ok(px != NULL && w == (int)t[i].w && h == (int)t[i].h,
			    "%s: decodes as %dx%d", t[i].file, w, h);
			free(px);
		} else {
			ok(out.len > 12 && memcmp(out.data, "RIFF", 4) == 0 &&
			    memcmp(out.data + 8, "WEBP", 4) == 0,
			    "%s: WebP magic", t[i].file);
			ok(WebPGetInfo((uint8_t *)out.data, out.len, &w, &h) &&
			    w == (int)t[i].w && h == (int)t[i].h,
			    "%s: WebP decodes as %dx%d", t[i].file, w, h);
		}
		buf_free(&out);
		free(d);
	}
}

/* Output JPEG: progressive, 4:2:0, no metadata; grey stays grey. */
static void
test_jpeg_output(void)
{
	struct image_result r;
	struct buf out;
	const uint8_t *sof;
	size_t len, n;
	int m[64];
	bool app = false, sof2 = false;
	uint8_t *d = test_read_file(DATA "widegamut.jpg", &len);

	ok(resize(d, len, 100, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK,
	    "widegamut.jpg resizes");
	n = jpeg_markers((uint8_t *)out.data, out.len, m, 64, &sof);
	for (size_t i = 0; i < n; i++) {
		if (m[i] >= 0xe1 && m[i] <= 0xef)
			app = true;	/* only APP0 (JFIF) may stay */
		if (m[i] == 0xc2)
			sof2 = true;
	}
	ok(!app, "no EXIF, ICC or other APPn segments in the output");
	ok(sof2, "progressive (SOF2)");
	ok(sof != NULL && sof[5] == 3 && sof[7] == 0x22 && sof[10] == 0x11 &&
	    sof[13] == 0x11, "4:2:0 sampling (Y 2x2, Cb 1x1, Cr 1x1)");
	buf_free(&out);
	free(d);
	d = test_read_file(DATA "grey-progressive.jpg", &len);
	ok(resize(d, len, 100, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK,
	    "grey JPEG resizes");
	jpeg_markers((uint8_t *)out.data, out.len, m, 64, &sof);
	ok(sof != NULL && sof[5] == 1, "grey stays one component");
	buf_free(&out);
	free(d);
}

static const uint8_t *
px_at(const uint8_t *px, int w, int ch, int x, int y)
{
	return px + ((size_t)y * (size_t)w + (size_t)x) * (size_t)ch;
}

static bool
near(const uint8_t *p, int r, int g, int b, int tol)
{
	return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol &&
	    abs(p[2] - b) <= tol;
}

/* exif6.jpg: stored 400x300, red block at the stored top-left and blue at
 * the stored bottom-left. Rotated 90 degrees clockwise for display, red is
 * top-right and blue top-left. */
static void
test_exif_file(void)
{
	struct image_result r;
	struct buf out;
	size_t len;
	int w, h, ch;
	uint8_t *px, *d = test_read_file(DATA "exif6.jpg", &len);

	ok(resize(d, len, 150, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK,
	    "exif6.jpg resizes");
	ok(r.width == 150 && r.height == 200, "shown upright: %ux%u",
	    r.width, r.height);
	px = jpeg_dec((uint8_t *)out.data, out.len, &w, &h, &ch);
	ok(px != NULL && w == 150 && h == 200 && ch == 3, "decodes 150x200");
	if (px != NULL) {
		const uint8_t *tr = px_at(px, w, ch, w - 6, 6);
		const uint8_t *tl = px_at(px, w, ch, 6, 6);

		ok(near(tr, 255, 0, 0, 40), "top-right is red (%d,%d,%d)",
		    tr[0], tr[1], tr[2]);
		ok(near(tl, 0, 0, 255, 40), "top-left is blue (%d,%d,%d)",
		    tl[0], tl[1], tl[2]);
	}
	free(px);
	buf_free(&out);
	free(d);
}

/* All eight orientations, exactly, through PNG eXIf: a 8x6 image with a
 * different colour in each 2x2 corner, resized at its own width. Where
 * each stored corner must appear comes from the EXIF 2.3 definitions
 * ("the 0th row is the visual ..., the 0th column the visual ..."). */
static void
test_orientations(void)
{
	enum { TL, TR, BL, BR };
	static const uint8_t colour[4][3] = {
		{ 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 0 },
	};
	/* For orientation o: the stored corner shown at TL, TR, BL, BR. */
	static const int shown[9][4] = {
		[1] = { TL, TR, BL, BR }, [2] = { TR, TL, BR, BL },
		[3] = { BR, BL, TR, TL }, [4] = { BL, BR, TL, TR },
		[5] = { TL, BL, TR, BR }, [6] = { BL, TL, BR, TR },
		[7] = { BR, TR, BL, TL }, [8] = { TR, BR, TL, BL },
	};
	int sw = 8, sh = 6;
	uint8_t src[8 * 6 * 3];

	memset(src, 128, sizeof(src));
	for (int c = 0; c < 4; c++) {
		int x0 = c == TR || c == BR ? sw - 2 : 0;
		int y0 = c == BL || c == BR ? sh - 2 : 0;

		for (int y = y0; y < y0 + 2; y++)
			for (int x = x0; x < x0 + 2; x++)
				memcpy(src + ((size_t)y * sw + x) * 3,
				    colour[c], 3);
	}
	for (int o = 1; o <= 8; o++) {
		uint8_t exif[64];
		size_t elen = exif_make(exif, o, o % 2 == 0), len;
		uint8_t *png = png_enc(src, sw, sh, PNG_COLOR_TYPE_RGB, exif,
		    elen, NULL, 0, &len);
		int dw = o >= 5 ? sh : sw, dh = o >= 5 ? sw : sh, w, h;
		struct image_result r;
		struct buf out;
		uint8_t *px;
		bool good = true;

		ok(resize(png, len, (uint32_t)dw, IMAGE_FMT_PNG, &out, &r) ==
		    IMAGE_OK, "orientation %d resizes: %s", o, err);
		px = png_dec((uint8_t *)out.data, out.len, &w, &h);
		ok(px != NULL && w == dw && h == dh, "orientation %d: %dx%d",
		    o, w, h);
		for (int c = 0; px != NULL && c < 4; c++) {
			int x = c == TR || c == BR ? dw - 1 : 0;
			int y = c == BL || c == BR ? dh - 1 : 0;
			const uint8_t *want = colour[shown[o][c]];

			if (!near(px_at(px, w, 4, x, y), want[0], want[1],
			    want[2], 0))
				good = false;
		}
		ok(px != NULL && good, "orientation %d: corners where EXIF "
		    "says", o);
		free(px);
		buf_free(&out);
		free(png);
	}
}

/* alpha.png: opaque red | green at alpha 128 | clear; 300x200. */
static void
test_alpha(void)
{
	struct image_result r;
	struct buf out;
	size_t len;
	int w, h;
	uint8_t *px, *d = test_read_file(DATA "alpha.png", &len);
	WebPBitstreamFeatures f;

	ok(resize(d, len, 150, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK &&
	    r.format == IMAGE_FMT_PNG, "alpha.png resizes to PNG");
	px = png_dec((uint8_t *)out.data, out.len, &w, &h);
	ok(px != NULL && w == 150 && h == 100, "150x100");
	if (px != NULL) {
		const uint8_t *a = px_at(px, w, 4, 10, 50);
		const uint8_t *b = px_at(px, w, 4, 75, 50);
		const uint8_t *c = px_at(px, w, 4, 140, 50);
		const uint8_t *edge = px_at(px, w, 4, 100, 50);

		ok(near(a, 255, 0, 0, 0) && a[3] == 255, "opaque red kept");
		ok(near(b, 0, 200, 0, 1) && abs(b[3] - 128) <= 1,
		    "half-transparent green kept (%d,%d,%d,%d)", b[0], b[1],
		    b[2], b[3]);
		ok(c[3] == 0, "transparent stays transparent (alpha %d)",
		    c[3]);
		ok(edge[2] <= 2, "no blue bleeds from clear pixels (%d,%d,%d,"
		    "%d)", edge[0], edge[1], edge[2], edge[3]);
	}
	free(px);
	buf_free(&out);
	ok(resize(d, len, 150, IMAGE_FMT_WEBP, &out, &r) == IMAGE_OK,
	    "alpha.png resizes to WebP");
	ok(WebPGetFeatures((uint8_t *)out.data, out.len, &f) ==
	    VP8_STATUS_OK && f.has_alpha && f.width == 150,
	    "the WebP has alpha");
	buf_free(&out);
	ok(resize(d, len, 150, IMAGE_FMT_JPEG, &out, &r) == IMAGE_OK,
	    "alpha.png resizes to JPEG (over white)");
	px = jpeg_dec((uint8_t *)out.data, out.len, &w, &h, &(int){ 0 });
	ok(px != NULL && near(px_at(px, w, 3, 140, 50), 255, 255, 255, 6),
	    "clear pixels become white in JPEG");
	free(px);
	buf_free(&out);
	free(d);
}

/* The profile of a file, as libjpeg reads it. */
static uint8_t *
icc_of(const uint8_t *d, size_t len, unsigned int *n)
{
	struct jpeg_decompress_struct c;
	struct jpeg_error_mgr e;
	JOCTET *icc = NULL;

	c.err = jpeg_std_error(&e);
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, d, (unsigned long)len);
	jpeg_save_markers(&c, JPEG_APP0 + 2, 0xffff);
	jpeg_read_header(&c, TRUE);
	if (!jpeg_read_icc_profile(&c, &icc, n))
		icc = NULL;
	jpeg_destroy_decompress(&c);
	return icc;
}

static void
test_icc(void)
{
	static const uint8_t patch[3] = { 40, 160, 90 };
	struct image_result r;
	struct buf out;
	size_t len;
	unsigned int n = 0;
	uint8_t want[3], *px, *d = test_read_file(DATA "widegamut.jpg", &len);
	uint8_t *icc = icc_of(d, len, &n);
	cmsHPROFILE in = cmsOpenProfileFromMem(icc, n);
	cmsHPROFILE srgb = cmsCreate_sRGBProfile();
	cmsHTRANSFORM t = cmsCreateTransform(in, TYPE_RGB_8, srgb, TYPE_RGB_8,
	    INTENT_RELATIVE_COLORIMETRIC, 0);
	int w, h, ch;

	ok(icc != NULL && t != NULL, "widegamut.jpg carries a profile");
	cmsDoTransform(t, patch, want, 1);
	ok(resize(d, len, 50, IMAGE_FMT_PNG, &out, &r) == IMAGE_OK &&
	    r.icc_converted, "converted to sRGB");
	px = png_dec((uint8_t *)out.data, out.len, &w, &h);
	ok(px != NULL && near(px_at(px, w, 4, 20, 20), want[0], want[1],
	    want[2], 3), "colour is the profile's sRGB (%d,%d,%d), want "
	    "(%d,%d,%d)", px ? px[0] : -1, px ? px[1] : -1, px ? px[2] : -1,
	    want[0], want[1], want[2]);
	ok(px != NULL && !near(px, patch[0], patch[1], patch[2], 10),
	    "and not the raw values");
	free(px);
	buf_free(&out);
	cmsDeleteTransform(t);
	cmsCloseProfile(in);
	free(icc);
	free(d);

	/* An sRGB-tagged file is left alone. */
	{
		uint8_t flat[16 * 16 * 3];
		cmsUInt32Number pl = 0;
		uint8_t *prof;
		struct jenc o = { .quality = 95 };

		cmsSaveProfileToMem(srgb, NULL, &pl);
		prof = malloc(pl);
		cmsSaveProfileToMem(srgb, prof, &pl);
		memset(flat, 100, sizeof(flat));
		o.icc = prof;
		o.icc_len = pl;
		d = jpeg_enc(flat, 16, 16, 3, &o, &len);
		ok(resize(d, len, 16, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK &&
		    !r.icc_converted, "an sRGB profile is not converted");
		buf_free(&out);
		free(d);
		free(prof);
	}
	cmsCloseProfile(srgb);

	/* CMYK (Adobe, inverted, no profile): the four inks. */
	d = test_read_file(DATA "cmyk.jpg", &len);
	ok(resize(d, len, 200, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK,
	    "cmyk.jpg resizes");
	px = jpeg_dec((uint8_t *)out.data, out.len, &w, &h, &ch);
	ok(px != NULL && ch == 3, "CMYK becomes RGB");
	if (px != NULL) {
		ok(near(px_at(px, w, 3, 40, 30), 0, 255, 255, 24), "cyan");
		ok(near(px_at(px, w, 3, 160, 30), 255, 0, 255, 24),
		    "magenta");
		ok(near(px_at(px, w, 3, 40, 120), 255, 255, 0, 24), "yellow");
		ok(near(px_at(px, w, 3, 160, 120), 0, 0, 0, 24), "black");
	}
	free(px);
	buf_free(&out);
	free(d);
}

/*
 * A WebP source is treated as a JPEG or PNG one: its ICCP profile is
 * converted to sRGB and its EXIF orientation applied (libwebp's decoder
 * alone skips both chunks).
 */
static void
test_webp_source(void)
{
	static const uint8_t patch[3] = { 40, 160, 90 };
	uint8_t flat[16 * 16 * 3], stored[8 * 6 * 3], exif[64], want[3];
	uint8_t *px, *icc, *webp, *jpg;
	unsigned int icc_n = 0;
	size_t len, jlen, elen = exif_make(exif, 6, true);
	struct image_limits lim;
	struct image_info in;
	struct image_result r;
	struct buf out;
	int w, h;

	jpg = test_read_file(DATA "widegamut.jpg", &jlen);
	icc = icc_of(jpg, jlen, &icc_n);
	{
		cmsHPROFILE prof = cmsOpenProfileFromMem(icc, icc_n);
		cmsHPROFILE srgb = cmsCreate_sRGBProfile();
		cmsHTRANSFORM t = cmsCreateTransform(prof, TYPE_RGB_8, srgb,
		    TYPE_RGB_8, INTENT_RELATIVE_COLORIMETRIC, 0);

		cmsDoTransform(t, patch, want, 1);
		cmsDeleteTransform(t);
		cmsCloseProfile(srgb);
		cmsCloseProfile(prof);
	}
	for (size_t i = 0; i < sizeof(flat); i += 3)
		memcpy(flat + i, patch, 3);
	webp = webp_enc(flat, 16, 16, NULL, 0, icc, icc_n, &len);
	ok(webp != NULL && resize(webp, len, 16, IMAGE_FMT_PNG, &out, &r) ==
	    IMAGE_OK && r.icc_converted, "a WebP's ICC profile is converted: "
	    "%s", err);
	px = png_dec((uint8_t *)out.data, out.len, &w, &h);
	ok(px != NULL && near(px_at(px, w, 4, 8, 8), want[0], want[1],
	    want[2], 3), "WebP colour is the profile's sRGB (%d,%d,%d), want "
	    "(%d,%d,%d)", px ? px[0] : -1, px ? px[1] : -1, px ? px[2] : -1,
	    want[0], want[1], want[2]);
	free(px);
	buf_free(&out);
	free(webp);

	/* Orientation 6: stored 8x6, red at the stored top-left and blue at
	 * the stored bottom-left; shown 6x8, red top-right, blue top-left. */
	memset(stored, 128, sizeof(stored));
	memcpy(stored, (uint8_t[3]){ 255, 0, 0 }, 3);
	memcpy(stored + 5 * 8 * 3, (uint8_t[3]){ 0, 0, 255 }, 3);
	webp = webp_enc(stored, 8, 6, exif, elen, NULL, 0, &len);
	image_limits_default(&lim);
	ok(webp != NULL && image_probe(webp, len, &lim, &in, err,
	    sizeof(err)) == IMAGE_OK && in.orientation == 6 &&
	    in.display_width == 6 && in.display_height == 8,
	    "a WebP's EXIF orientation is probed: %d, %ux%u", in.orientation,
	    in.display_width, in.display_height);
	ok(webp != NULL && image_probe(webp, len - elen - 8, &lim, &in, err,
	    sizeof(err)) == IMAGE_ECORRUPT, "a WebP head without its EXIF "
	    "chunk is refused, not given orientation 1");
	ok(webp != NULL && resize(webp, len, 6, IMAGE_FMT_PNG, &out, &r) ==
	    IMAGE_OK && r.width == 6 && r.height == 8,
	    "a WebP is shown upright: %ux%u", r.width, r.height);
	px = png_dec((uint8_t *)out.data, out.len, &w, &h);
	ok(px != NULL && near(px_at(px, w, 4, 5, 0), 255, 0, 0, 0) &&
	    near(px_at(px, w, 4, 0, 0), 0, 0, 255, 0),
	    "WebP corners where EXIF says");
	free(px);
	buf_free(&out);
	free(webp);
	free(icc);
	free(jpg);
}

/* PNG output carries IHDR, IDAT and IEND only. */
static void
test_png_stripped(void)
{
	uint8_t src[16 * 8 * 3], exif[64], *png;
	size_t elen = exif_make(exif, 1, false), len, i = 8;
	struct image_result r;
	struct buf out;
	bool clean = true;

	memset(src, 7, sizeof(src));
	png = png_enc(src, 16, 8, PNG_COLOR_TYPE_RGB, exif, elen, NULL, 0,
	    &len);
	ok(resize(png, len, 8, IMAGE_FMT_NONE, &out, &r) == IMAGE_OK,
	    "PNG with eXIf resizes");
	while (i + 8 <= out.len) {
		const char *type = out.data + i + 4;
		size_t clen = (size_t)(uint8_t)out.data[i] << 24 |
		    (size_t)(uint8_t)out.data[i + 1] << 16 |
		    (size_t)(uint8_t)out.data[i + 2] << 8 |
		    (uint8_t)out.data[i + 3];

		if (memcmp(type, "IHDR", 4) != 0 &&
		    memcmp(type, "IDAT", 4) != 0 &&
		    memcmp(type, "IEND", 4) != 0)
			clean = false;
		i += 12 + clen;
	}
	ok(clean && i == out.len, "only IHDR, IDAT, IEND");
	buf_free(&out);
	free(png);
}

/* --- Refusals ----------------------------------------------------------- */

struct refusal {
	const char	*what;
	uint8_t		*data;
	size_t		 len;
	int		 status;
	const char	*needle;	/* in the message */
};

static void
check_refusal(const struct refusal *t)
{
	struct image_limits lim;
	struct image_result r;
	struct buf out;
	long before, peak;
	bool measured;
	int rc;

	image_limits_default(&lim);
	buf_init(&out, OUT_MAX);
	buf_puts(&out, "kept");
	measured = reset_peak();
	before = rss_kb();
	rc = image_resize(t->data, t->len, 640, 75, IMAGE_FMT_NONE, &lim,
	    &out, &r, err, sizeof(err));
	peak = peak_kb();
	ok(rc == t->status, "%s: status %d (%s), want %d", t->what, rc, err,
	    t->status);
	ok(strstr(err, t->needle) != NULL && strchr(err, '\n') == NULL,
	    "%s: one-line message names it: %s", t->what, err);
	ok(!measured || peak - before < SMALL_RSS_KB, "%s: peak RSS grew by "
	    "%ld KiB", t->what, peak - before);
	ok(out.len == 4 && memcmp(out.data, "kept", 4) == 0 && !out.failed,
	    "%s: out left as it was", t->what);
	buf_free(&out);
}

/* A grey progressive JPEG with one scan per AC coefficient and
 * refinement: 127 scans, a valid file past JPEG_SCANS_MAX. */
static uint8_t *
many_scans(size_t *len)
{
	static jpeg_scan_info s[127];
	uint8_t px[64 * 64];
	struct jenc o = { .quality = 90 };
	int n = 0;

	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(i * 7);
	s[n++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 0 };
	for (int k = 1; k <= 63; k++) {
		s[n++] = (jpeg_scan_info){ 1, { 0 }, k, k, 0, 1 };
		s[n++] = (jpeg_scan_info){ 1, { 0 }, k, k, 1, 0 };
	}
	o.scans = s;
	o.nscans = n;
	return jpeg_enc(px, 64, 64, 1, &o, len);
}

static void
test_refusals(void)
{
	struct refusal t[9];
	size_t n = 0, len;
	uint8_t *photo = test_read_file(DATA "photo.jpg", &len);
	size_t plen = len;

	t[n++] = (struct refusal){ "bomb.png", test_read_file(DATA "bomb.png",
	    &len), len, IMAGE_ETOOBIG, "100000x100000" };
	t[n - 1].len = len;
	t[n] = (struct refusal){ "truncated.jpg", test_read_file(DATA
	    "truncated.jpg", &len), 0, IMAGE_ECORRUPT, "jpeg" };
	t[n++].len = len;
	t[n] = (struct refusal){ "not-an-image.jpg", test_read_file(DATA
	    "not-an-image.jpg", &len), 0, IMAGE_EFORMAT, "not a JPEG" };
	t[n++].len = len;
	/* photo.jpg with an EOI planted mid-scan: damaged data. */
	t[n] = (struct refusal){ "EOI mid-scan", malloc(plen), plen,
	    IMAGE_ECORRUPT, "jpeg" };
	memcpy(t[n].data, photo, plen);
	memset(t[n].data + plen / 2, 0, 64);
	t[n].data[plen / 2 + 64] = 0xff;
	t[n].data[plen / 2 + 65] = 0xd9;
	n++;
	/* photo.jpg claiming 7000x7000 (49 MP, within the limit): the data
	 * runs out at once, and little is allocated first. */
	t[n] = (struct refusal){ "7000x7000 header on a small file",
	    malloc(plen), plen, IMAGE_ECORRUPT, "jpeg" };
	memcpy(t[n].data, photo, plen);
	for (size_t i = 2; i + 9 < plen; i++)
		if (t[n].data[i] == 0xff && t[n].data[i + 1] == 0xc0) {
			t[n].data[i + 5] = t[n].data[i + 7] = 0x1b;
			t[n].data[i + 6] = t[n].data[i + 8] = 0x58;
			break;
		}
	n++;
	t[n] = (struct refusal){ "127 progressive scans", NULL, 0,
	    IMAGE_ECORRUPT, "scans" };
	t[n].data = many_scans(&t[n].len);
	n++;
	/* A PNG cut short, and one with a damaged IDAT checksum. */
	t[n] = (struct refusal){ "truncated PNG", test_read_file(DATA
	    "diagram.png", &len), 0, IMAGE_ECORRUPT, "png" };
	t[n++].len = len * 2 / 3;
	t[n] = (struct refusal){ "IDAT CRC", test_read_file(DATA "diagram.png",
	    &len), 0, IMAGE_ECORRUPT, "png" };
	t[n].len = len;
	t[n].data[len - 12 - 2] ^= 0x55;	/* the last IDAT's CRC */
	n++;
	/* Two frames: refused by the probe, before any frame is decoded. */
	t[n] = (struct refusal){ "animated WebP", test_read_file(DATA
	    "animated.webp", &len), 0, IMAGE_EFORMAT, "animated" };
	t[n++].len = len;
	for (size_t i = 0; i < n; i++) {
		check_refusal(&t[i]);
		free(t[i].data);
	}
	free(photo);
}

static void
test_bad_calls(void)
{
	struct image_limits lim;
	struct image_result r;
	struct buf out;
	size_t len;
	uint8_t *d = test_read_file(DATA "photo.jpg", &len);

	image_limits_default(&lim);
	buf_init(&out, 100);
	ok(image_resize(d, len, 640, 75, IMAGE_FMT_NONE, &lim, &out, &r, err,
	    sizeof(err)) == IMAGE_EOUTPUT && out.len == 0 && !out.failed,
	    "output over the buf bound: EOUTPUT, out untouched (%s)", err);
	ok(image_resize(d, len, 640, 0, IMAGE_FMT_NONE, &lim, &out, &r, err,
	    sizeof(err)) == IMAGE_EREQUEST, "quality 0 refused");
	ok(image_resize(d, len, 640, 101, IMAGE_FMT_NONE, &lim, &out, &r, err,
	    sizeof(err)) == IMAGE_EREQUEST, "quality 101 refused");
	buf_free(&out);
	free(d);
}

/*
 * image_resize_probed() with the probe of the same bytes makes what
 * image_resize() makes, for each format.
 */
static void
test_probed_same(void)
{
	static const char *const files[] = { "photo.jpg", "exif6.jpg",
	    "alpha.png", "widegamut-exif6.webp" };
	struct image_limits lim;

	image_limits_default(&lim);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];
		struct image_info in;
		struct image_result r1, r2;
		struct buf o1, o2;
		size_t len;
		uint8_t *d;

		snprintf(path, sizeof(path), DATA "%s", files[i]);
		d = test_read_file(path, &len);
		buf_init(&o1, OUT_MAX);
		buf_init(&o2, OUT_MAX);
		ok(d != NULL && image_probe(d, len, &lim, &in, err,
		    sizeof(err)) == IMAGE_OK && image_resize(d, len, 96, 75,
		    IMAGE_FMT_NONE, &lim, &o1, &r1, err, sizeof(err)) ==
		    IMAGE_OK && image_resize_probed(d, len, &in, 96, 75,
		    IMAGE_FMT_NONE, &lim, &o2, &r2, err, sizeof(err)) ==
		    IMAGE_OK, "%s: resizes with its probe (%s)", files[i], err);
		ok(o1.len > 0 && o1.len == o2.len &&
		    memcmp(o1.data, o2.data, o1.len) == 0 &&
		    memcmp(&r1, &r2, sizeof(r1)) == 0,
		    "%s: the same output as image_resize()", files[i]);
		buf_free(&o1);
		buf_free(&o2);
		free(d);
	}
}

/* image_resize_probed() of d at width 96 with info in, err cleared. */
static int
probed(const uint8_t *d, size_t len, const struct image_info *in,
    const struct image_limits *lim, struct buf *out, struct image_result *r)
{
	buf_init(out, OUT_MAX);
	err[0] = '\0';
	return image_resize_probed(d, len, in, 96, 75, IMAGE_FMT_NONE, lim,
	    out, r, err, sizeof(err));
}

/*
 * An info that is not the probe of the bytes given is refused (400, or 422
 * once the decoder reads another size; out untouched, a message), and the
 * limits hold whatever info says. The orientation is info's: the header is
 * not read again.
 */
static void
test_probed_mismatch(void)
{
	struct image_info in, png_in, grey_in, bad;
	struct image_limits lim, small;
	struct image_result r;
	struct buf out;
	size_t len, plen, glen, elen;
	uint8_t *d = test_read_file(DATA "photo.jpg", &len);
	uint8_t *png = test_read_file(DATA "diagram.png", &plen);
	uint8_t *grey = test_read_file(DATA "grey-progressive.jpg", &glen);
	uint8_t *e6 = test_read_file(DATA "exif6.jpg", &elen);

	image_limits_default(&lim);
	ok(image_probe(d, len, &lim, &in, err, sizeof(err)) == IMAGE_OK &&
	    image_probe(png, plen, &lim, &png_in, err, sizeof(err)) ==
	    IMAGE_OK && image_probe(grey, glen, &lim, &grey_in, err,
	    sizeof(err)) == IMAGE_OK, "fixtures probe");

	ok(probed(d, len, &png_in, &lim, &out, &r) == IMAGE_EREQUEST &&
	    out.len == 0 && strncmp(err, "info:", 5) == 0,
	    "a PNG's probe for JPEG bytes: 400 (%s)", err);
	buf_free(&out);
	ok(probed(d, len, &grey_in, &lim, &out, &r) == IMAGE_ECORRUPT &&
	    out.len == 0 && strncmp(err, "info:", 5) == 0 &&
	    strstr(err, "320x240") != NULL,
	    "another JPEG's probe: 422 (%s)", err);
	buf_free(&out);

	memset(&bad, 0, sizeof(bad));
	ok(probed(d, len, &bad, &lim, &out, &r) == IMAGE_EREQUEST &&
	    out.len == 0, "a zeroed info: 400 (%s)", err);
	buf_free(&out);
	bad = in;
	bad.orientation = 9;
	ok(probed(d, len, &bad, &lim, &out, &r) == IMAGE_EREQUEST,
	    "orientation 9: 400 (%s)", err);
	buf_free(&out);
	bad = in;
	bad.orientation = 6;	/* display size left unswapped */
	ok(probed(d, len, &bad, &lim, &out, &r) == IMAGE_EREQUEST,
	    "orientation 6 with an unswapped display size: 400 (%s)", err);
	buf_free(&out);

	small = lim;
	small.max_pixels = (uint64_t)in.width * in.height - 1;
	ok(probed(d, len, &in, &small, &out, &r) == IMAGE_ETOOBIG &&
	    out.len == 0, "the pixel limit holds (%s)", err);
	buf_free(&out);
	small = lim;
	small.max_bytes = len - 1;
	ok(probed(d, len, &in, &small, &out, &r) == IMAGE_ETOOBIG &&
	    out.len == 0, "the byte limit holds (%s)", err);
	buf_free(&out);

	/* exif6.jpg is stored 400x300 and shown 300x400: told orientation 1,
	 * the resize keeps it as stored. */
	ok(image_probe(e6, elen, &lim, &bad, err, sizeof(err)) == IMAGE_OK &&
	    bad.orientation == 6, "exif6.jpg probes as orientation 6");
	bad.orientation = 1;
	bad.display_width = bad.width;
	bad.display_height = bad.height;
	ok(probed(e6, elen, &bad, &lim, &out, &r) == IMAGE_OK &&
	    r.width == 96 && r.height == 72, "the orientation is info's, "
	    "not read again: %ux%u", r.width, r.height);
	buf_free(&out);
	free(e6);
	free(grey);
	free(png);
	free(d);
}

/* --- Requests ----------------------------------------------------------- */

static void
test_requests(void)
{
	static const struct {
		const char *query;
		const char *url;	/* NULL: a 400 */
		int w, q;
		const char *version, *msg;
	} t[] = {
		{ "url=%2Fimages%2Fa.jpg&w=640&q=75", "/images/a.jpg", 640, 75,
		    "", NULL },
		{ "url=/images/sub/dir/b.PNG&w=32", "/images/sub/dir/b.PNG",
		    32, 75, "", NULL },
		{ "url=/posts/my-post-2/fig.jpeg&w=3840&v=0123abcdef",
		    "/posts/my-post-2/fig.jpeg", 3840, 75, "0123abcdef", NULL },
		{ "w=828&foo=bar&url=/images/a%20b.webp",
		    "/images/a b.webp", 828, 75, "", NULL },
		{ "url=/posts/x/img/a.png&w=48&q=75", "/posts/x/img/a.png", 48,
		    75, "", NULL },
		{ "", NULL, 0, 0, NULL, "url: required" },
		{ "w=640", NULL, 0, 0, NULL, "url: required" },
		{ "url=&w=640", NULL, 0, 0, NULL, "url: must not be empty" },
		{ "url=/images/a.jpg&url=/images/b.jpg&w=640", NULL, 0, 0,
		    NULL, "url: must be given once" },
		{ "url=%zz&w=640", NULL, 0, 0, NULL, "url: must be given once" },
		{ "url=/images/a%00.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must be given once" },
		{ "url=http://example.com/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '//'" },
		{ "url=//example.com/images/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '//'" },
		{ "url=/images//a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '//'" },
		{ "url=images/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must be a site path" },
		{ "url=/images/../secret.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '.' or '..'" },
		{ "url=/images/./a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '.' or '..'" },
		{ "url=/posts/x/..&w=640", NULL, 0, 0, NULL,
		    "url: must not contain '.' or '..'" },
		{ "url=%2F_img%3Furl%3D%2Fimages%2Fa.jpg&w=640", NULL, 0, 0,
		    NULL, "url: must not point at /_img" },
		{ "url=/static/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must be under /images/ or /posts/<slug>/" },
		{ "url=/posts/Bad_Slug/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must be under /images/ or /posts/<slug>/" },
		{ "url=/posts/a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must be under /images/ or /posts/<slug>/" },
		{ "url=/images/&w=640", NULL, 0, 0, NULL,
		    "url: must be under /images/" },
		{ "url=/images/a.gif&w=640", NULL, 0, 0, NULL,
		    "url: must name a .jpg, .jpeg, .png or .webp file" },
		{ "url=/images/.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must name a .jpg" },
		{ "url=/images/x/.png&w=640", NULL, 0, 0, NULL,
		    "url: must name a .jpg" },
		{ "url=/images/a%5C.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain control bytes" },
		{ "url=/images/a%25.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain control bytes" },
		{ "url=/images/a%0a.jpg&w=640", NULL, 0, 0, NULL,
		    "url: must not contain control bytes" },
		{ "url=/images/a.jpg", NULL, 0, 0, NULL, "w: required" },
		{ "url=/images/a.jpg&w=", NULL, 0, 0, NULL, "w: must be one of "
		    "32, 48, 64" },
		{ "url=/images/a.jpg&w=641", NULL, 0, 0, NULL, "w: must be one "
		    "of 32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, "
		    "1200, 1920, 2048, 3840" },
		{ "url=/images/a.jpg&w=0640", NULL, 0, 0, NULL, "w: must be "
		    "one of" },
		{ "url=/images/a.jpg&w=-32", NULL, 0, 0, NULL, "w: must be one "
		    "of" },
		{ "url=/images/a.jpg&w=abc", NULL, 0, 0, NULL, "w: must be one "
		    "of" },
		{ "url=/images/a.jpg&w=99999999999", NULL, 0, 0, NULL, "w: must "
		    "be one of" },
		{ "url=/images/a.jpg&w=640&w=640", NULL, 0, 0, NULL, "w: must "
		    "be one of" },
		{ "url=/images/a.jpg&w=640&q=50", NULL, 0, 0, NULL, "q: must be "
		    "one of 75" },
		{ "url=/images/a.jpg&w=640&q=", NULL, 0, 0, NULL, "q: must be "
		    "one of 75" },
		{ "url=/images/a.jpg&w=640&q=7x", NULL, 0, 0, NULL, "q: must be "
		    "one of 75" },
		{ "url=/images/a.jpg&w=640&v=xyz", NULL, 0, 0, NULL, "v: must "
		    "be 1-32 hex digits" },
		{ "url=/images/a.jpg&w=640&v=", NULL, 0, 0, NULL, "v: must be "
		    "1-32 hex digits" },
		{ "url=/images/a.jpg&w=640&v=0123456789abcdef0123456789abcdef0",
		    NULL, 0, 0, NULL, "v: must be 1-32 hex digits" },
	};
	char longq[IMAGE_URL_MAX + 64];
	struct image_req req;
	int rc;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = image_req_parse(t[i].query, strlen(t[i].query),
		    &image_allow_default, &req, err, sizeof(err));
		if (t[i].url != NULL) {
			ok(rc == IMAGE_OK, "'%s' passes: %s", t[i].query,
			    rc ? err : "");
			ok(strcmp(req.url, t[i].url) == 0 && req.width == t[i].w &&
			    req.quality == t[i].q &&
			    strcmp(req.version, t[i].version) == 0,
			    "'%s': url '%s' w %d q %d v '%s'", t[i].query,
			    req.url, req.width, req.quality, req.version);
			continue;
		}
		ok(rc == IMAGE_EREQUEST && image_http_status(rc) == 400,
		    "'%s' is a 400", t[i].query);
		ok(strncmp(err, t[i].msg, strlen(t[i].msg)) == 0,
		    "'%s': message '%s', want '%s...'", t[i].query, err,
		    t[i].msg);
	}
	snprintf(longq, sizeof(longq), "url=/images/%0*d.jpg&w=640",
	    IMAGE_URL_MAX, 7);
	rc = image_req_parse(longq, strlen(longq), &image_allow_default, &req,
	    err, sizeof(err));
	ok(rc == IMAGE_EREQUEST && strncmp(err, "url: must be given once",
	    23) == 0, "an over-long url is a 400: %s", err);
	ok(image_req_parse(NULL, 0, &image_allow_default, &req, err,
	    sizeof(err)) == IMAGE_EREQUEST, "no query is a 400");
}

static void
test_allow_list(void)
{
	int v[IMAGE_ALLOW_MAX];

	ok(image_allow_list("640, 32 48,48\t3840", 16, 4096, v, IMAGE_ALLOW_MAX,
	    err, sizeof(err)) == 4 && v[0] == 32 && v[1] == 48 &&
	    v[2] == 640 && v[3] == 3840, "sorted, deduplicated");
	ok(image_allow_list("75", 1, 100, v, IMAGE_ALLOW_MAX, err,
	    sizeof(err)) == 1 && v[0] == 75, "one quality");
	ok(image_allow_list("", 1, 100, v, 4, err, sizeof(err)) == -1 &&
	    strstr(err, "no values") != NULL, "empty: %s", err);
	ok(image_allow_list("75, 101", 1, 100, v, 4, err, sizeof(err)) == -1 &&
	    strstr(err, "'101'") != NULL, "out of range: %s", err);
	ok(image_allow_list("7x", 1, 100, v, 4, err, sizeof(err)) == -1,
	    "not a number: %s", err);
	ok(image_allow_list("1 2 3 4 5", 1, 100, v, 4, err, sizeof(err)) ==
	    -1 && strstr(err, "more than 4") != NULL, "too many: %s", err);
}

static void
test_srcset(void)
{
	static const struct {
		uint32_t src;
		size_t n;
		int last_req;
		uint32_t last_desc;
	} t[] = {
		{ 500, 8, 640, 500 },
		{ 640, 8, 640, 640 },
		{ 641, 9, 750, 641 },
		{ 20, 1, 32, 20 },
		{ 5000, 15, 3840, 3840 },
	};
	int req[IMAGE_ALLOW_MAX];
	uint32_t desc[IMAGE_ALLOW_MAX];
	struct buf b;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = image_srcset_widths(t[i].src, &image_allow_default,
		    req, desc, IMAGE_ALLOW_MAX);
		bool mono = true;

		for (size_t k = 1; k < n; k++)
			if (desc[k] <= desc[k - 1] || req[k] <= req[k - 1])
				mono = false;
		ok(n == t[i].n && req[n - 1] == t[i].last_req &&
		    desc[n - 1] == t[i].last_desc && mono && desc[0] ==
		    (t[i].src < 32 ? t[i].src : 32),
		    "src %u: %zu widths ending %d as %uw", t[i].src, n,
		    req[n - 1], desc[n - 1]);
	}
	ok(image_srcset_widths(5000, &image_allow_default, req, desc, 3) == 3,
	    "max respected");
	buf_init(&b, 1 << 16);
	ok(image_srcset(&b, "/images/a b,c.jpg", 100, &image_allow_default, 75,
	    "beef") == 5, "srcset of a 100-wide source has 5 candidates");
	buf_putc(&b, '\0');
	ok(strcmp(b.data, "/_img?url=/images/a%20b%2Cc.jpg&w=32&q=75&v=beef "
	    "32w, /_img?url=/images/a%20b%2Cc.jpg&w=48&q=75&v=beef 48w, "
	    "/_img?url=/images/a%20b%2Cc.jpg&w=64&q=75&v=beef 64w, "
	    "/_img?url=/images/a%20b%2Cc.jpg&w=96&q=75&v=beef 96w, "
	    "/_img?url=/images/a%20b%2Cc.jpg&w=128&q=75&v=beef 100w") == 0,
	    "srcset text: %s", b.data);
	buf_reset(&b);
	image_url(&b, "/posts/x/y&z.png", 640, 75, NULL);
	buf_putc(&b, '\0');
	ok(strcmp(b.data, "/_img?url=/posts/x/y%26z.png&w=640&q=75") == 0,
	    "image_url: %s", b.data);
	/* What image_url writes, image_req_parse reads back. */
	{
		struct image_req r;
		const char *q = strchr(b.data, '?') + 1;

		ok(image_req_parse(q, strlen(q), &image_allow_default, &r, err,
		    sizeof(err)) == IMAGE_OK && strcmp(r.url,
		    "/posts/x/y&z.png") == 0 && r.width == 640,
		    "round trip: %s", r.url);
	}
	buf_free(&b);
	ok(strcmp(image_format_mime(IMAGE_FMT_WEBP), "image/webp") == 0 &&
	    strcmp(image_format_ext(IMAGE_FMT_JPEG), "jpg") == 0 &&
	    image_format_mime(IMAGE_FMT_NONE) == NULL, "format names");
}

int
main(void)
{
	/* First, while the heap is small: the peak-RSS checks. */
	test_refusals();
	test_probe_files();
	test_probe_prefixes();
	test_probe_limits();
	test_sizes();
	test_plan();
	test_jpeg_output();
	test_exif_file();
	test_orientations();
	test_alpha();
	test_icc();
	test_webp_source();
	test_png_stripped();
	test_bad_calls();
	test_probed_same();
	test_probed_mismatch();
	test_requests();
	test_allow_list();
	test_srcset();
	return test_done();
}
