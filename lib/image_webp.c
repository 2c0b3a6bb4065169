/*
 * image_webp.c: WebP through libwebp. Encodes lossy WebP (with lossless
 * alpha when the image has alpha) for clients that accept it; decodes a
 * WebP source whole (libwebp has no scaled decode worth the name) before
 * resampling. A WebP source's own EXIF and ICC chunks are not read.
 */
#include "image.h"

#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/encode.h>

#include "buf.h"
#include "resample.h"

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
	p->decoded_w = (uint32_t)f.width;
	p->decoded_h = (uint32_t)f.height;
	p->denom = 1;
	p->w = w;
	p->h = h;
	stride = (size_t)f.width * (size_t)p->ch;
	size = stride * (size_t)f.height;
	if ((whole = malloc(size)) == NULL ||
	    (p->px = malloc((size_t)w * h * (size_t)p->ch)) == NULL) {
		free(whole);
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
