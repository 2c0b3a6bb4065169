/*
 * image_png.c: PNG through libpng. Decodes any PNG to 8-bit grey, RGB or
 * RGBA and streams its rows into the resampler (an interlaced file needs
 * the whole image first); encodes 8-bit grey, RGB or RGBA. libpng's errors
 * come back through a longjmp; its warnings are dropped.
 */
#include "image.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "buf.h"
#include "resample.h"

/* Width or height libpng itself accepts (its default is 1000000): the
 * pixel limit is the real bound, this only guards its arithmetic. */
#define PNG_DIM_MAX		(1u << 20)
/* Ancillary chunks stored before the rest are dropped (libpng's default
 * is 1000; we keep none we do not need). */
#define PNG_CHUNKS_MAX		64
/* Bytes one chunk may inflate to (iCCP): profiles are tens of KB. */
#define PNG_CHUNK_MALLOC_MAX	((png_alloc_size_t)4 << 20)
/*
 * Output filtering and zlib level. Photographic content wants libpng's
 * adaptive filters, and there level 4 is as small as 6 (within 1%) at
 * under half the time. Flat art (most pixels repeat their left neighbour)
 * goes two ways, so it is encoded unfiltered and then with Paeth, both at
 * level 6, and the smaller kept; the second try gives up once its output
 * passes the first's. Unfiltered wins on text and thin lines (a 1280x800
 * screenshot: 106903 bytes against 141617 with Paeth; a chart: 17688
 * against 20835). Paeth wins on solid blocks: a row that repeats the one
 * above filters to zeros deflate codes in a few bits, where unfiltered it
 * costs a match per 258 bytes (tests/data diagram.png at 640 wide: 1771
 * bytes against 5187, vipsthumbnail 4700; alpha.png: 757 against 1413).
 * Paeth alone is within 1% of all five filters there at 2/3 the time.
 * The two tries cost about twice one (diagram at 640: 5.7 ms, not 2.6).
 */
#define PNG_FLAT_PERCENT	50
#define PNG_ZLEVEL_FLAT		6
#define PNG_ZLEVEL_PHOTO	4
#define PNG_FILTERS_FLAT	PNG_FILTER_NONE
#define PNG_FILTERS_FLAT_ALT	PNG_FILTER_PAETH
#define PNG_FILTERS_PHOTO	PNG_ALL_FILTERS
#define PNG_MSG_MAX		128

/* Chunks we never look at: not parsed, not inflated, not kept. */
static const png_byte ignored_chunks[] =
    "tEXt\0zTXt\0iTXt\0tIME\0pHYs\0sPLT\0hIST\0sBIT\0bKGD\0oFFs\0pCAL\0"
    "sCAL\0gAMA\0cHRM\0sRGB\0";

struct pngctx {
	const uint8_t	*data;
	size_t		 len, pos;
	struct buf	*out;
	int		 status;
	char		 msg[PNG_MSG_MAX];
};

static void
on_error(png_structp png, png_const_charp msg)
{
	struct pngctx *x = png_get_error_ptr(png);

	snprintf(x->msg, sizeof(x->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void
on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
read_mem(png_structp png, png_bytep out, size_t n)
{
	struct pngctx *x = png_get_io_ptr(png);

	if (n > x->len - x->pos)
		png_error(png, "truncated file");
	memcpy(out, x->data + x->pos, n);
	x->pos += n;
}

static void
write_buf(png_structp png, png_bytep p, size_t n)
{
	struct pngctx *x = png_get_io_ptr(png);

	buf_append(x->out, p, n);
	if (buf_failed(x->out)) {
		x->status = IMAGE_EOUTPUT;
		png_error(png, "output over its size bound");
	}
}

/* Asks libpng for 8-bit grey, RGB or RGBA; returns whether alpha. */
static bool
set_transforms(png_structp png, png_infop info)
{
	int ct = png_get_color_type(png, info);
	int depth = png_get_bit_depth(png, info);
	bool alpha = (ct & PNG_COLOR_MASK_ALPHA) ||
	    png_get_valid(png, info, PNG_INFO_tRNS);

	if (ct == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (ct == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(png);
	if (depth == 16)
		png_set_scale_16(png);
	if (alpha && !(ct & PNG_COLOR_MASK_COLOR))
		png_set_gray_to_rgb(png);
	return alpha;
}

/* The whole image, for interlaced files, then one resample. */
static int
read_whole(png_structp png, struct pngctx *x, struct image_px *p,
    uint32_t sw, uint32_t sh, size_t stride, uint8_t **whole,
    png_bytep **rowp)
{
	if ((*whole = malloc(stride * sh)) == NULL ||
	    (*rowp = malloc(sh * sizeof(**rowp))) == NULL) {
		x->status = IMAGE_ENOMEM;
		return -1;
	}
	for (uint32_t y = 0; y < sh; y++)
		(*rowp)[y] = *whole + (size_t)y * stride;
	png_read_image(png, *rowp);
	if (resample_image(*whole, sw, sh, stride, p->px, p->w, p->h, p->ch,
	    p->alpha) == -1) {
		x->status = IMAGE_ENOMEM;
		return -1;
	}
	return 0;
}

static int
read_streamed(png_structp png, struct pngctx *x, struct image_px *p,
    uint32_t sw, uint32_t sh, uint8_t *row, struct resample **rs)
{
	if ((*rs = resample_new(sw, sh, p->w, p->h, p->ch, p->alpha,
	    p->px)) == NULL) {
		x->status = IMAGE_ENOMEM;
		return -1;
	}
	for (uint32_t y = 0; y < sh; y++) {
		png_read_row(png, row, NULL);
		resample_row(*rs, row);
	}
	return 0;
}

static void
keep_icc(png_structp png, png_infop info, struct image_px *p)
{
	png_charp name;
	png_bytep prof;
	png_uint_32 plen;
	int comp;

	if (!png_get_valid(png, info, PNG_INFO_iCCP) ||
	    png_get_iCCP(png, info, &name, &comp, &prof, &plen) == 0 ||
	    plen == 0)
		return;
	if ((p->icc = malloc(plen)) == NULL)
		return;			/* colour is then left as it is */
	memcpy(p->icc, prof, plen);
	p->icc_len = plen;
}

/* What a decode holds, owned by image_png_decode() so that it survives the
 * longjmp in decode_run(). */
struct pngrd {
	png_structp	 png;
	png_infop	 info;
	struct pngctx	 x;
	struct resample	*rs;
	uint8_t		*row, *whole;
	png_bytep	*rowp;
};

static int
decode_run(struct pngrd *d, const struct image_limits *lim, uint32_t w,
    uint32_t h, struct image_px *p)
{
	png_structp png = d->png;
	png_infop info = d->info;
	uint32_t sw, sh;
	size_t stride;
	int passes;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_read_fn(png, &d->x, read_mem);
	png_set_user_limits(png, PNG_DIM_MAX, PNG_DIM_MAX);
	png_set_chunk_cache_max(png, PNG_CHUNKS_MAX);
	png_set_chunk_malloc_max(png, PNG_CHUNK_MALLOC_MAX);
	png_set_benign_errors(png, 1);
	png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks,
	    (int)(sizeof(ignored_chunks) / 5));
	png_read_info(png, info);
	sw = png_get_image_width(png, info);
	sh = png_get_image_height(png, info);
	if ((uint64_t)sw * sh > lim->max_pixels) {
		d->x.status = IMAGE_ETOOBIG;
		snprintf(d->x.msg, sizeof(d->x.msg), "%ux%u is over the limit "
		    "of %llu pixels", sw, sh,
		    (unsigned long long)lim->max_pixels);
		return -1;
	}
	p->alpha = set_transforms(png, info);
	passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	p->ch = png_get_channels(png, info);
	stride = png_get_rowbytes(png, info);
	if ((p->ch != 1 && p->ch != 3 && p->ch != 4) ||
	    stride != (size_t)sw * (size_t)p->ch) {
		snprintf(d->x.msg, sizeof(d->x.msg), "unexpected layout (%d "
		    "channels)", p->ch);
		return -1;
	}
	keep_icc(png, info, p);
	p->w = w;
	p->h = h;
	p->src_w = p->decoded_w = sw;
	p->src_h = p->decoded_h = sh;
	p->denom = 1;
	if ((p->px = malloc((size_t)w * h * (size_t)p->ch)) == NULL ||
	    (d->row = malloc(stride)) == NULL) {
		d->x.status = IMAGE_ENOMEM;
		return -1;
	}
	if (passes > 1)
		return read_whole(png, &d->x, p, sw, sh, stride, &d->whole,
		    &d->rowp);
	return read_streamed(png, &d->x, p, sw, sh, d->row, &d->rs);
}

int
image_png_decode(const uint8_t *data, size_t len,
    const struct image_limits *lim, uint32_t w, uint32_t h,
    struct image_px *p, char *err, size_t errlen)
{
	struct pngrd d;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(p, 0, sizeof(*p));
	d.x.data = data;
	d.x.len = len;
	d.x.status = IMAGE_ECORRUPT;
	if ((d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d.x,
	    on_error, on_warning)) == NULL ||
	    (d.info = png_create_info_struct(d.png)) == NULL) {
		png_destroy_read_struct(&d.png, NULL, NULL);
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "png: out of memory");
	}
	rc = decode_run(&d, lim, w, h, p);
	png_destroy_read_struct(&d.png, &d.info, NULL);
	resample_free(d.rs);
	free(d.row);
	free(d.whole);
	free(d.rowp);
	if (rc == 0)
		return IMAGE_OK;
	image_px_free(p);
	if (d.x.msg[0] == '\0')
		snprintf(d.x.msg, sizeof(d.x.msg), "out of memory");
	return image_fail(err, errlen, d.x.status, "png: %s", d.x.msg);
}

/* Whether most pixels equal their left neighbour. */
static bool
is_flat(const struct image_px *p)
{
	size_t ch = (size_t)p->ch, stride = (size_t)p->w * ch;
	uint64_t same = 0;

	for (uint32_t y = 0; y < p->h; y++) {
		const uint8_t *row = p->px + y * stride;

		for (size_t i = ch; i < stride; i += ch)
			same += memcmp(row + i, row + i - ch, ch) == 0;
	}
	return same * 100 > (uint64_t)p->w * p->h * PNG_FLAT_PERCENT;
}

/* Kept by encode_one() across the longjmp in encode_run(). */
struct pngwr {
	png_structp	 png;
	png_infop	 info;
	struct pngctx	 x;
};

static int
encode_run(struct pngwr *e, const struct image_px *p, int ct, int filters,
    int level)
{
	size_t stride = (size_t)p->w * (size_t)p->ch;

	if (setjmp(png_jmpbuf(e->png)))
		return -1;
	png_set_write_fn(e->png, &e->x, write_buf, NULL);
	png_set_IHDR(e->png, e->info, p->w, p->h, 8, ct, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(e->png, PNG_FILTER_TYPE_BASE, filters);
	png_set_compression_level(e->png, level);
	png_write_info(e->png, e->info);
	for (uint32_t y = 0; y < p->h; y++)
		png_write_row(e->png, p->px + y * stride);
	png_write_end(e->png, NULL);
	return 0;
}

/* Appends one encoding of p with these filters and zlib level to out. */
static int
encode_one(const struct image_px *p, int ct, int filters, int level,
    struct buf *out, char *err, size_t errlen)
{
	struct pngwr e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.x.out = out;
	e.x.status = IMAGE_EOUTPUT;
	if ((e.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e.x,
	    on_error, on_warning)) == NULL ||
	    (e.info = png_create_info_struct(e.png)) == NULL) {
		png_destroy_write_struct(&e.png, NULL);
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "png: out of memory");
	}
	rc = encode_run(&e, p, ct, filters, level);
	png_destroy_write_struct(&e.png, &e.info);
	if (rc == 0)
		return IMAGE_OK;
	return image_fail(err, errlen, e.x.status, "png: %s", e.x.msg);
}

/*
 * Encodes p again with filters into a buffer bounded one byte below what
 * out holds past mark, so the try fails as soon as it is no smaller; if it
 * finishes, it replaces that. Any failure leaves out as it was.
 */
static void
encode_smaller(const struct image_px *p, int ct, int filters, int level,
    struct buf *out, size_t mark)
{
	struct buf alt;
	char err[PNG_MSG_MAX];

	buf_init(&alt, out->len - mark - 1);
	if (encode_one(p, ct, filters, level, &alt, err, sizeof(err)) ==
	    IMAGE_OK) {
		out->len = mark;
		buf_append(out, alt.data, alt.len);
	}
	buf_free(&alt);
}

int
image_png_encode(const struct image_px *p, struct buf *out, char *err,
    size_t errlen)
{
	size_t mark = out->len;
	int ct, rc;

	if (p->ch == 1)
		ct = PNG_COLOR_TYPE_GRAY;
	else if (p->ch == 3)
		ct = PNG_COLOR_TYPE_RGB;
	else if (p->ch == 4 && p->alpha)
		ct = PNG_COLOR_TYPE_RGB_ALPHA;
	else
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "png: cannot encode %d channels", p->ch);
	if (!is_flat(p))
		return encode_one(p, ct, PNG_FILTERS_PHOTO, PNG_ZLEVEL_PHOTO,
		    out, err, errlen);
	if ((rc = encode_one(p, ct, PNG_FILTERS_FLAT, PNG_ZLEVEL_FLAT, out,
	    err, errlen)) != IMAGE_OK)
		return rc;
	encode_smaller(p, ct, PNG_FILTERS_FLAT_ALT, PNG_ZLEVEL_FLAT, out,
	    mark);
	return IMAGE_OK;
}
