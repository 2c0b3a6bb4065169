/*
 * image_webp.c: WebP through libwebp. Encodes lossy WebP (with lossless
 * alpha when the image has alpha) for clients that accept it; decodes a
 * WebP source whole (libwebp has no scaled decode worth the name) before
 * resampling. A WebP source's ICCP and EXIF chunks are found with
 * libwebpdemux (libwebp's own decoder skips them): the profile goes the
 * way a JPEG's or PNG's does (converted to sRGB in image.c), and the EXIF
 * orientation is read by image_probe().
 */
#include "image.h"

#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include "buf.h"
#include "resample.h"

/*
 * The chunk fourcc of data, pointing into data (the demuxer copies
 * nothing). *state is the demuxer's: WEBP_DEMUX_DONE when all of data was
 * parsed, earlier when it ends inside the file (a header probe).
 */
static int
webp_chunk(const uint8_t *data, size_t len, const char *fourcc,
    const uint8_t **chunk, size_t *chunk_len, uint32_t *flags,
    WebPDemuxState *state)
{
	WebPData in = { data, len };
	WebPChunkIterator it;
	WebPDemuxer *dmux;
	int found;

	*chunk = NULL;
	*chunk_len = 0;
	if ((dmux = WebPDemuxPartial(&in, state)) == NULL)
		return -1;
	*flags = WebPDemuxGetI(dmux, WEBP_FF_FORMAT_FLAGS);
	if ((found = WebPDemuxGetChunk(dmux, fourcc, 1, &it)) != 0) {
		*chunk = it.chunk.bytes;
		*chunk_len = it.chunk.size;
		WebPDemuxReleaseChunkIterator(&it);
	}
	WebPDemuxDelete(dmux);
	return found ? 0 : -1;
}

int
image_webp_exif(const uint8_t *data, size_t len, const uint8_t **exif,
    size_t *exif_len)
{
	WebPDemuxState state = WEBP_DEMUX_PARSE_ERROR;
	uint32_t flags = 0;

	if (webp_chunk(data, len, "EXIF", exif, exif_len, &flags, &state) == 0)
		return 0;
	/* The EXIF chunk follows the image data, so a header alone cannot
	 * have it: say so rather than give the wrong orientation. */
	if ((flags & EXIF_FLAG) && state != WEBP_DEMUX_DONE &&
	    state != WEBP_DEMUX_PARSE_ERROR)
		return -1;
	return 0;
}

/* Copies the source's ICC profile into p->icc, if it has one. */
static int
webp_keep_icc(const uint8_t *data, size_t len, struct image_px *p)
{
	WebPDemuxState state;
	const uint8_t *icc;
	uint32_t flags = 0;
	size_t n;

	if (webp_chunk(data, len, "ICCP", &icc, &n, &flags, &state) == -1 ||
	    n == 0)
		return 0;
	if ((p->icc = malloc(n)) == NULL)
		return -1;
	memcpy(p->icc, icc, n);
	p->icc_len = n;
	return 0;
}

int
image_webp_decode(const uint8_t *data, size_t len,
    const struct image_limits *lim, uint32_t w, uint32_t h,
    struct image_px *p, char *err, size_t errlen)
{
	WebPBitstreamFeatures f;
	uint8_t *whole, *ok;
	size_t stride, size;

	memset(p, 0, sizeof(*p));
	if (WebPGetFeatures(data, len, &f) != VP8_STATUS_OK ||
	    f.width <= 0 || f.height <= 0)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "webp: bad header");
	if ((uint64_t)f.width * (uint64_t)f.height > lim->max_pixels)
		return image_fail(err, errlen, IMAGE_ETOOBIG,
		    "webp: %dx%d is over the limit of %llu pixels", f.width,
		    f.height, (unsigned long long)lim->max_pixels);
	p->ch = f.has_alpha ? 4 : 3;
	p->alpha = f.has_alpha;
	p->src_w = p->decoded_w = (uint32_t)f.width;
	p->src_h = p->decoded_h = (uint32_t)f.height;
	p->denom = 1;
	p->w = w;
	p->h = h;
	stride = (size_t)f.width * (size_t)p->ch;
	size = stride * (size_t)f.height;
	if ((whole = malloc(size)) == NULL ||
	    (p->px = malloc((size_t)w * h * (size_t)p->ch)) == NULL ||
	    webp_keep_icc(data, len, p) == -1) {
		free(whole);
		image_px_free(p);
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "webp: out of memory");
	}
	if (f.has_alpha)
		ok = WebPDecodeRGBAInto(data, len, whole, size, (int)stride);
	else
		ok = WebPDecodeRGBInto(data, len, whole, size, (int)stride);
	if (ok == NULL) {
		free(whole);
		image_px_free(p);
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "webp: corrupt or truncated data");
	}
	if (resample_image(whole, p->decoded_w, p->decoded_h, stride, p->px,
	    w, h, p->ch, p->alpha) == -1) {
		free(whole);
		image_px_free(p);
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "webp: out of memory");
	}
	free(whole);
	return IMAGE_OK;
}

/* Grey to RGB: WebP has no grey mode. */
static uint8_t *
grey_to_rgb(const struct image_px *p)
{
	size_t n = (size_t)p->w * p->h;
	uint8_t *rgb;

	if ((rgb = malloc(n * 3)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = p->px[i];
	return rgb;
}

int
image_webp_encode(const struct image_px *p, int quality, struct buf *out,
    char *err, size_t errlen)
{
	uint8_t *enc = NULL, *rgb = NULL;
	size_t n;

	if (p->w > WEBP_MAX_DIMENSION || p->h > WEBP_MAX_DIMENSION)
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "webp: %ux%u is over WebP's %d pixels a side", p->w, p->h,
		    WEBP_MAX_DIMENSION);
	if (p->ch == 4 && p->alpha)
		n = WebPEncodeRGBA(p->px, (int)p->w, (int)p->h,
		    (int)p->w * 4, (float)quality, &enc);
	else if (p->ch == 3)
		n = WebPEncodeRGB(p->px, (int)p->w, (int)p->h, (int)p->w * 3,
		    (float)quality, &enc);
	else if (p->ch == 1) {
		if ((rgb = grey_to_rgb(p)) == NULL)
			return image_fail(err, errlen, IMAGE_ENOMEM,
			    "webp: out of memory");
		n = WebPEncodeRGB(rgb, (int)p->w, (int)p->h, (int)p->w * 3,
		    (float)quality, &enc);
		free(rgb);
	} else
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "webp: cannot encode %d channels", p->ch);
	if (n == 0 || enc == NULL) {
		WebPFree(enc);
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "webp: the encoder failed");
	}
	buf_append(out, enc, n);
	WebPFree(enc);
	if (buf_failed(out))
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "webp: output over its size bound");
	return IMAGE_OK;
}
