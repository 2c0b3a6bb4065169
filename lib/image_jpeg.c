/*
 * image_jpeg.c: JPEG through libjpeg-turbo. Decodes with DCT scaling
 * straight into the streaming resampler, and encodes progressive 4:2:0 with
 * optimised Huffman tables. Every libjpeg error, and every warning that
 * means damaged data, comes back as an error return through a longjmp;
 * libjpeg never prints and never exits.
 */
#include "image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "buf.h"
#include "resample.h"

/* DCT scaling is a block average that adds sharpness and aliasing; scale
 * only while the resample still has at least this factor to go, as
 * vipsthumbnail does, so the Lanczos filter does the last, visible step. */
#define JPEG_SHRINK_HEADROOM	2
/* Bytes of libjpeg working memory per source pixel it may use: a
 * progressive 4:4:4 image keeps 3 components x 2 bytes of coefficients. */
#define JPEG_MEM_PER_PIXEL	6
/* Plus this for tables, markers and row buffers. */
#define JPEG_MEM_SLACK		((size_t)16 << 20)
/* Scans a progressive file may have: encoders write about 10; a file with
 * thousands of tiny scans is a known way to burn CPU (libjpeg-turbo's
 * djpeg -maxscans exists for it). */
#define JPEG_SCANS_MAX		100
/* Harmless warnings (odd markers, stray bytes between segments) tolerated
 * before the file counts as damaged. */
#define JPEG_WARNINGS_MAX	16
/* Bytes collected from libjpeg before each append to the output buf. */
#define JPEG_OUT_CHUNK		16384

struct jerr {
	struct jpeg_error_mgr	 pub;
	jmp_buf			 jb;
	int			 status;
	int			 warnings;
	char			 msg[JMSG_LENGTH_MAX];
};

struct jprog {
	struct jpeg_progress_mgr pub;
	struct jerr		*err;
};

struct jdest {
	struct jpeg_destination_mgr pub;
	struct buf		*out;
	JOCTET			 chunk[JPEG_OUT_CHUNK];
};

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;

	if (c->err->msg_code == JERR_NO_BACKING_STORE)
		e->status = IMAGE_ETOOBIG;
	else if (c->err->msg_code == JERR_OUT_OF_MEMORY)
		e->status = IMAGE_ENOMEM;
	else if (c->err->msg_code == JERR_FILE_WRITE)
		e->status = IMAGE_EOUTPUT;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jb, 1);
}

/* Warnings about the file's dress, not its data. */
static int
jerr_harmless(int code)
{
	return code == JWRN_ADOBE_XFORM || code == JWRN_EXTRANEOUS_DATA ||
	    code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC;
}

static void
jerr_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)c->err;

	if (level >= 0)			/* trace messages */
		return;
	if (jerr_harmless(c->err->msg_code) &&
	    ++e->warnings <= JPEG_WARNINGS_MAX)
		return;
	jerr_exit(c);
}

static void
jerr_silent(j_common_ptr c)
{
	(void)c;
}

static void
jerr_setup(struct jerr *e, int status)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = jerr_exit;
	e->pub.emit_message = jerr_emit;
	e->pub.output_message = jerr_silent;
	e->status = status;
	e->warnings = 0;
	e->msg[0] = '\0';
}

static void
jprog_monitor(j_common_ptr c)
{
	struct jprog *p = (struct jprog *)c->progress;
	j_decompress_ptr d = (j_decompress_ptr)c;

	if (c->is_decompressor && d->input_scan_number > JPEG_SCANS_MAX) {
		snprintf(p->err->msg, sizeof(p->err->msg),
		    "more than %d progressive scans", JPEG_SCANS_MAX);
		longjmp(p->err->jb, 1);
	}
}

/* libjpeg's own memory bound from the pixel limit (its virtual arrays,
 * a progressive file's coefficients, fail beyond it). */
static long
mem_bound(const struct image_limits *lim)
{
	uint64_t max = (uint64_t)LONG_MAX - JPEG_MEM_SLACK;

	if (lim->max_pixels >= max / JPEG_MEM_PER_PIXEL)
		return LONG_MAX;
	return (long)(lim->max_pixels * JPEG_MEM_PER_PIXEL + JPEG_MEM_SLACK);
}

/* The largest of 8, 4, 2 that leaves the headroom, else 1. */
static int
pick_denom(uint32_t sw, uint32_t sh, uint32_t w, uint32_t h)
{
	for (int d = 8; d >= 2; d /= 2) {
		uint64_t dw = (sw + (uint32_t)d - 1) / (uint32_t)d;
		uint64_t dh = (sh + (uint32_t)d - 1) / (uint32_t)d;

		if (dw >= (uint64_t)w * JPEG_SHRINK_HEADROOM &&
		    dh >= (uint64_t)h * JPEG_SHRINK_HEADROOM)
			return d;
	}
	return 1;
}

/* Reads every scanline into the resampler. */
static void
pump(j_decompress_ptr c, struct resample *rs, uint8_t *rows,
    size_t stride)
{
	JSAMPROW ptr[4];
	int nrows = c->rec_outbuf_height < 4 ? c->rec_outbuf_height : 4;

	for (int i = 0; i < nrows; i++)
		ptr[i] = rows + (size_t)i * stride;
	while (c->output_scanline < c->output_height) {
		JDIMENSION n = jpeg_read_scanlines(c, ptr, (JDIMENSION)nrows);

		for (JDIMENSION i = 0; i < n; i++)
			resample_row(rs, ptr[i]);
	}
}

/* What a decode holds, owned by image_jpeg_decode() so that it survives
 * the longjmp in decode_run(). */
struct jrd {
	struct jpeg_decompress_struct c;
	struct jerr		 je;
	struct jprog		 jp;
	struct resample		*rs;
	uint8_t			*rows;
};

/* Output colour space and channels for the file's colour space. */
static void
pick_space(struct jrd *d, struct image_px *p)
{
	j_decompress_ptr c = &d->c;

	if (c->jpeg_color_space == JCS_GRAYSCALE) {
		c->out_color_space = JCS_GRAYSCALE;
		p->ch = 1;
	} else if (c->jpeg_color_space == JCS_CMYK ||
	    c->jpeg_color_space == JCS_YCCK) {
		c->out_color_space = JCS_CMYK;
		p->ch = 4;
		/* Adobe's writers store CMYK inverted, and every reader
		 * assumes so when their marker is there. */
		p->cmyk_inverted = c->saw_Adobe_marker;
	} else {
		c->out_color_space = JCS_RGB;
		p->ch = 3;
	}
}

static int
decode_run(struct jrd *d, const uint8_t *data, size_t len,
    const struct image_limits *lim, uint32_t w, uint32_t h,
    struct image_px *p)
{
	j_decompress_ptr c = &d->c;
	JOCTET *icc = NULL;
	unsigned int icc_len = 0;
	size_t stride;

	if (setjmp(d->je.jb))
		return -1;
	jpeg_create_decompress(c);
	c->mem->max_memory_to_use = mem_bound(lim);
	d->jp.pub.progress_monitor = jprog_monitor;
	d->jp.err = &d->je;
	c->progress = &d->jp.pub;
	jpeg_mem_src(c, data, (unsigned long)len);
	jpeg_save_markers(c, JPEG_APP0 + 2, 0xFFFF);
	if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK) {
		snprintf(d->je.msg, sizeof(d->je.msg), "no image in the file");
		return -1;
	}
	if ((uint64_t)c->image_width * c->image_height > lim->max_pixels) {
		d->je.status = IMAGE_ETOOBIG;
		snprintf(d->je.msg, sizeof(d->je.msg), "%ux%u is over the "
		    "limit of %llu pixels", c->image_width, c->image_height,
		    (unsigned long long)lim->max_pixels);
		return -1;
	}
	p->src_w = c->image_width;
	p->src_h = c->image_height;
	p->denom = pick_denom(c->image_width, c->image_height, w, h);
	c->scale_num = 1;
	c->scale_denom = (unsigned int)p->denom;
	pick_space(d, p);
	jpeg_start_decompress(c);
	p->decoded_w = c->output_width;
	p->decoded_h = c->output_height;
	p->w = w;
	p->h = h;
	stride = (size_t)c->output_width * (size_t)p->ch;
	if ((p->px = malloc((size_t)w * h * (size_t)p->ch)) == NULL ||
	    (d->rows = malloc(stride * 4)) == NULL ||
	    (d->rs = resample_new(c->output_width, c->output_height, w, h,
	    p->ch, false, p->px)) == NULL) {
		d->je.status = IMAGE_ENOMEM;
		snprintf(d->je.msg, sizeof(d->je.msg), "out of memory for "
		    "%ux%u", w, h);
		return -1;
	}
	pump(c, d->rs, d->rows, stride);
	if (jpeg_read_icc_profile(c, &icc, &icc_len)) {
		p->icc = icc;
		p->icc_len = icc_len;
	}
	return 0;
}

int
image_jpeg_decode(const uint8_t *data, size_t len,
    const struct image_limits *lim, uint32_t w, uint32_t h,
    struct image_px *p, char *err, size_t errlen)
{
	struct jrd d;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(p, 0, sizeof(*p));
	jerr_setup(&d.je, IMAGE_ECORRUPT);
	d.c.err = &d.je.pub;
	rc = decode_run(&d, data, len, lim, w, h, p);
	jpeg_destroy_decompress(&d.c);
	resample_free(d.rs);
	free(d.rows);
	if (rc == 0)
		return IMAGE_OK;
	image_px_free(p);
	return image_fail(err, errlen, d.je.status, "jpeg: %s", d.je.msg);
}

static void
jdest_init(j_compress_ptr c)
{
	struct jdest *d = (struct jdest *)c->dest;

	d->pub.next_output_byte = d->chunk;
	d->pub.free_in_buffer = sizeof(d->chunk);
}

static boolean
jdest_empty(j_compress_ptr c)
{
	struct jdest *d = (struct jdest *)c->dest;

	buf_append(d->out, d->chunk, sizeof(d->chunk));
	if (buf_failed(d->out))
		ERREXIT(c, JERR_FILE_WRITE);
	jdest_init(c);
	return TRUE;
}

static void
jdest_term(j_compress_ptr c)
{
	struct jdest *d = (struct jdest *)c->dest;

	buf_append(d->out, d->chunk, sizeof(d->chunk) - d->pub.free_in_buffer);
	if (buf_failed(d->out))
		ERREXIT(c, JERR_FILE_WRITE);
}

/* Kept by image_jpeg_encode() across the longjmp in encode_run(). */
struct jwr {
	struct jpeg_compress_struct c;
	struct jerr		 je;
	struct jdest		 dest;
};

static int
encode_run(struct jwr *e, const struct image_px *p, int quality)
{
	j_compress_ptr c = &e->c;
	size_t stride = (size_t)p->w * (size_t)p->ch;

	if (setjmp(e->je.jb))
		return -1;
	jpeg_create_compress(c);
	e->dest.pub.init_destination = jdest_init;
	e->dest.pub.empty_output_buffer = jdest_empty;
	e->dest.pub.term_destination = jdest_term;
	c->dest = &e->dest.pub;
	c->image_width = p->w;
	c->image_height = p->h;
	c->input_components = p->ch;
	c->in_color_space = p->ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, quality, TRUE);
	c->optimize_coding = TRUE;
	if (p->ch == 3) {		/* 4:2:0 */
		c->comp_info[0].h_samp_factor = 2;
		c->comp_info[0].v_samp_factor = 2;
		for (int i = 1; i < 3; i++)
			c->comp_info[i].h_samp_factor =
			    c->comp_info[i].v_samp_factor = 1;
	}
	jpeg_simple_progression(c);
	jpeg_start_compress(c, TRUE);
	while (c->next_scanline < c->image_height) {
		JSAMPROW row = p->px + c->next_scanline * stride;

		jpeg_write_scanlines(c, &row, 1);
	}
	jpeg_finish_compress(c);
	return 0;
}

int
image_jpeg_encode(const struct image_px *p, int quality, struct buf *out,
    char *err, size_t errlen)
{
	struct jwr *e;
	int rc;

	if (p->ch != 1 && p->ch != 3)
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "jpeg: cannot encode %d channels", p->ch);
	/* On the heap: the output chunk makes it large for a stack. */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "jpeg: out of memory");
	jerr_setup(&e->je, IMAGE_EOUTPUT);
	e->c.err = &e->je.pub;
	e->dest.out = out;
	rc = encode_run(e, p, quality);
	jpeg_destroy_compress(&e->c);
	if (rc == 0) {
		free(e);
		return IMAGE_OK;
	}
	rc = image_fail(err, errlen, e->je.status, "jpeg: %s", e->je.msg);
	free(e);
	return rc;
}
