/*
 * image.c: the image optimizer's front half. Reads headers (format, size,
 * EXIF orientation) without decoding, runs a resize through the codec
 * files (decode scaled, colour-manage to sRGB, orient, encode), and checks
 * /_img requests and writes srcset lists for the theme.
 */
#include "image.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lcms2.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "buf.h"
#include "path.h"

/* Entries of an IFD we read before giving up on finding the orientation:
 * IFD0 of a camera file has about 10-20. */
#define EXIF_ENTRIES_MAX	256
/* Digits of a w or q value: widths stop at 5 digits; more is refused. */
#define REQ_NUM_DIGITS_MAX	5
/* A PNG dimension may not exceed 2^31 - 1 (the PNG specification). */
#define PNG_DIM_LIMIT		0x7fffffffu
#define PNG_SIG_LEN		8
#define PNG_IHDR_LEN		13

static const int default_widths[] = {
	32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920,
	2048, 3840,
};
static const int default_qualities[] = { 75 };

const struct image_allow image_allow_default = {
	.widths = default_widths,
	.nwidths = sizeof(default_widths) / sizeof(default_widths[0]),
	.qualities = default_qualities,
	.nqualities = sizeof(default_qualities) / sizeof(default_qualities[0]),
	.quality_default = 75,
};

const char *
image_format_mime(enum image_format f)
{
	switch (f) {
	case IMAGE_FMT_JPEG:
		return "image/jpeg";
	case IMAGE_FMT_PNG:
		return "image/png";
	case IMAGE_FMT_WEBP:
		return "image/webp";
	default:
		return NULL;
	}
}

const char *
image_format_ext(enum image_format f)
{
	switch (f) {
	case IMAGE_FMT_JPEG:
		return "jpg";
	case IMAGE_FMT_PNG:
		return "png";
	case IMAGE_FMT_WEBP:
		return "webp";
	default:
		return NULL;
	}
}

int
image_http_status(enum image_status s)
{
	switch (s) {
	case IMAGE_OK:
		return 200;
	case IMAGE_EREQUEST:
		return 400;
	case IMAGE_ETOOBIG:
		return 413;
	case IMAGE_EFORMAT:
		return 415;
	case IMAGE_ECORRUPT:
		return 422;
	case IMAGE_ENOMEM:
		return 503;
	default:
		return 500;
	}
}

void
image_limits_default(struct image_limits *lim)
{
	lim->max_bytes = IMAGE_MAX_BYTES_DEFAULT;
	lim->max_pixels = IMAGE_MAX_PIXELS_DEFAULT;
}

int
image_fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return status;
}

void
image_px_free(struct image_px *p)
{
	free(p->px);
	free(p->icc);
	p->px = NULL;
	p->icc = NULL;
	p->icc_len = 0;
}

/* --- Headers ------------------------------------------------------------ */

static uint32_t
rd16(const uint8_t *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 :
	    (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
rd32(const uint8_t *p, bool le)
{
	return le ? rd16(p, true) | rd16(p + 2, true) << 16 :
	    rd16(p, false) << 16 | rd16(p + 2, false);
}

/* Orientation (tag 0x0112 of IFD0) from a TIFF header and what follows;
 * 1 when absent or malformed. */
static int
exif_orientation(const uint8_t *t, size_t len)
{
	size_t ifd, n;
	bool le;

	if (len < 8)
		return 1;
	if (t[0] == 'I' && t[1] == 'I')
		le = true;
	else if (t[0] == 'M' && t[1] == 'M')
		le = false;
	else
		return 1;
	if (rd16(t + 2, le) != 42)
		return 1;
	ifd = rd32(t + 4, le);
	if (ifd < 8 || ifd > len - 2)
		return 1;
	n = rd16(t + ifd, le);
	for (size_t i = 0; i < n && i < EXIF_ENTRIES_MAX; i++) {
		size_t e = ifd + 2 + 12 * i;
		uint32_t v;

		if (e + 12 > len)
			return 1;
		if (rd16(t + e, le) != 0x0112)
			continue;
		if (rd16(t + e + 2, le) != 3 || rd32(t + e + 4, le) != 1)
			return 1;	/* not one SHORT */
		v = rd16(t + e + 8, le);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}

/* The orientation in a PNG eXIf or WebP EXIF chunk: a TIFF header, though
 * some writers keep JPEG's "Exif\0\0" prefix. */
static int
exif_chunk_orientation(const uint8_t *body, size_t len)
{
	if (len >= 6 && memcmp(body, "Exif\0\0", 6) == 0)
		return exif_orientation(body + 6, len - 6);
	return exif_orientation(body, len);
}

static int
check_pixels(const struct image_info *info, const struct image_limits *lim,
    char *err, size_t errlen)
{
	if ((uint64_t)info->width * info->height > lim->max_pixels)
		return image_fail(err, errlen, IMAGE_ETOOBIG,
		    "%ux%u is over the limit of %llu pixels", info->width,
		    info->height, (unsigned long long)lim->max_pixels);
	return IMAGE_OK;
}

static bool
jpeg_is_sof(int m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
	    m != 0xcc;
}

/* A frame header (SOFn segment body). */
static int
jpeg_sof(const uint8_t *s, size_t n, int m, struct image_info *info,
    char *err, size_t errlen)
{
	if (n < 6)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "jpeg: short frame header");
	info->height = rd16(s + 1, false);
	info->width = rd16(s + 3, false);
	info->components = s[5];
	info->progressive = m == 0xc2 || m == 0xc6 || m == 0xca ||
	    m == 0xce;
	if (info->width == 0 || info->height == 0)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "jpeg: zero width or height");
	if (info->components != 1 && info->components != 3 &&
	    info->components != 4)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "jpeg: %d colour components", info->components);
	return IMAGE_OK;
}

/* Walks the marker segments up to the first scan. */
static int
jpeg_probe(const uint8_t *d, size_t len, const struct image_limits *lim,
    struct image_info *info, char *err, size_t errlen)
{
	bool sof = false, exif = false;
	size_t i = 2;
	int rc;

	while (i < len) {
		size_t seglen;
		int m;

		/* Stray bytes before a marker: libjpeg skips them (with a
		 * warning it tolerates), so do we. */
		while (i < len && d[i] != 0xff)
			i++;
		while (i < len && d[i] == 0xff)
			i++;
		if (i >= len)
			break;
		m = d[i++];
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;
		if (m == 0xd9 || m == 0x00)
			return image_fail(err, errlen, IMAGE_ECORRUPT,
			    "jpeg: no image before marker 0x%02x", m);
		if (len - i < 2)
			break;
		seglen = rd16(d + i, false);
		if (seglen < 2)
			return image_fail(err, errlen, IMAGE_ECORRUPT,
			    "jpeg: bad segment length at byte %zu", i);
		if (m == 0xda) {
			if (!sof)
				return image_fail(err, errlen, IMAGE_ECORRUPT,
				    "jpeg: scan before the frame header");
			return IMAGE_OK;
		}
		if (seglen > len - i)
			break;
		if (m == 0xe1 && !exif && seglen >= 8 + 6 &&
		    memcmp(d + i + 2, "Exif\0\0", 6) == 0) {
			exif = true;
			info->orientation = exif_orientation(d + i + 8,
			    seglen - 8);
		}
		if (jpeg_is_sof(m) && !sof) {
			sof = true;
			if ((rc = jpeg_sof(d + i + 2, seglen - 2, m, info, err,
			    errlen)) != IMAGE_OK ||
			    (rc = check_pixels(info, lim, err, errlen)) !=
			    IMAGE_OK)
				return rc;
		}
		i += seglen;
	}
	/* The data ends before a scan: a header is enough for a probe. */
	if (!sof)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "jpeg: truncated before the frame header");
	return IMAGE_OK;
}

static bool
png_ihdr_ok(int depth, int ct)
{
	switch (ct) {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
		    depth == 16;
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case 2:
	case 4:
	case 6:
		return depth == 8 || depth == 16;
	default:
		return false;
	}
}

/* Reads the chunks after IHDR up to IDAT for tRNS and eXIf. */
static void
png_scan_chunks(const uint8_t *d, size_t len, size_t i,
    struct image_info *info, bool *trns)
{
	while (len - i >= 12) {
		size_t clen = rd32(d + i, false);
		const uint8_t *type = d + i + 4, *body = d + i + 8;

		if (clen > len - i - 12 || memcmp(type, "IDAT", 4) == 0)
			return;
		if (memcmp(type, "tRNS", 4) == 0)
			*trns = true;
		else if (memcmp(type, "eXIf", 4) == 0)
			info->orientation = exif_chunk_orientation(body, clen);
		i += 12 + clen;
	}
}

static int
png_probe(const uint8_t *d, size_t len, const struct image_limits *lim,
    struct image_info *info, char *err, size_t errlen)
{
	const uint8_t *h = d + PNG_SIG_LEN + 8;
	bool trns = false;
	int depth, ct, rc;

	if (len < PNG_SIG_LEN + 8 + PNG_IHDR_LEN + 4)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "png: truncated header");
	if (rd32(d + PNG_SIG_LEN, false) != PNG_IHDR_LEN ||
	    memcmp(d + PNG_SIG_LEN + 4, "IHDR", 4) != 0)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "png: first chunk is not IHDR");
	info->width = rd32(h, false);
	info->height = rd32(h + 4, false);
	depth = h[8];
	ct = h[9];
	if (info->width == 0 || info->height == 0 ||
	    info->width > PNG_DIM_LIMIT || info->height > PNG_DIM_LIMIT)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "png: bad width or height");
	if (!png_ihdr_ok(depth, ct) || h[10] != 0 || h[11] != 0 || h[12] > 1)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "png: bad IHDR (depth %d, colour type %d)", depth, ct);
	if ((rc = check_pixels(info, lim, err, errlen)) != IMAGE_OK)
		return rc;
	info->progressive = h[12] == 1;
	png_scan_chunks(d, len, PNG_SIG_LEN + 12 + PNG_IHDR_LEN, info, &trns);
	info->has_alpha = (ct & 4) || trns;
	if (info->has_alpha)
		info->components = 4;
	else
		info->components = ct == 0 ? 1 : 3;
	return IMAGE_OK;
}

static int
webp_probe(const uint8_t *d, size_t len, const struct image_limits *lim,
    struct image_info *info, char *err, size_t errlen)
{
	WebPBitstreamFeatures f;
	const uint8_t *exif;
	size_t exif_len;

	if (WebPGetFeatures(d, len, &f) != VP8_STATUS_OK || f.width <= 0 ||
	    f.height <= 0)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "webp: bad header");
	if (f.has_animation) {
		info->animated = true;
		return image_fail(err, errlen, IMAGE_EFORMAT,
		    "webp: animated, and only still images are resized;"
		    " link the file itself");
	}
	info->width = (uint32_t)f.width;
	info->height = (uint32_t)f.height;
	info->has_alpha = f.has_alpha;
	info->components = f.has_alpha ? 4 : 3;
	if (image_webp_exif(d, len, &exif, &exif_len) == -1)
		return image_fail(err, errlen, IMAGE_ECORRUPT,
		    "webp: truncated before its EXIF chunk");
	if (exif != NULL)
		info->orientation = exif_chunk_orientation(exif, exif_len);
	return check_pixels(info, lim, err, errlen);
}

/* The format data's signature names; IMAGE_FMT_NONE for none. */
static enum image_format
sniff(const uint8_t *d, size_t len)
{
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return IMAGE_FMT_JPEG;
	if (len >= PNG_SIG_LEN &&
	    memcmp(d, "\x89PNG\r\n\x1a\n", PNG_SIG_LEN) == 0)
		return IMAGE_FMT_PNG;
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 &&
	    memcmp(d + 8, "WEBP", 4) == 0)
		return IMAGE_FMT_WEBP;
	return IMAGE_FMT_NONE;
}

static int
check_bytes(size_t len, const struct image_limits *lim, char *err,
    size_t errlen)
{
	if (len > lim->max_bytes)
		return image_fail(err, errlen, IMAGE_ETOOBIG,
		    "source is %zu bytes, over the limit of %zu", len,
		    lim->max_bytes);
	return IMAGE_OK;
}

int
image_probe(const void *data, size_t len, const struct image_limits *lim,
    struct image_info *info, char *err, size_t errlen)
{
	const uint8_t *d = data;
	int rc;

	memset(info, 0, sizeof(*info));
	info->orientation = 1;
	if ((rc = check_bytes(len, lim, err, errlen)) != IMAGE_OK)
		return rc;
	switch ((info->format = sniff(d, len))) {
	case IMAGE_FMT_JPEG:
		rc = jpeg_probe(d, len, lim, info, err, errlen);
		break;
	case IMAGE_FMT_PNG:
		rc = png_probe(d, len, lim, info, err, errlen);
		break;
	case IMAGE_FMT_WEBP:
		rc = webp_probe(d, len, lim, info, err, errlen);
		break;
	default:
		return image_fail(err, errlen, IMAGE_EFORMAT,
		    "not a JPEG, PNG or WebP image");
	}
	if (rc != IMAGE_OK)
		return rc;
	if (info->orientation >= 5) {
		info->display_width = info->height;
		info->display_height = info->width;
	} else {
		info->display_width = info->width;
		info->display_height = info->height;
	}
	return IMAGE_OK;
}

void
image_target_size(const struct image_info *info, uint32_t want,
    uint32_t *w, uint32_t *h)
{
	uint32_t dw = info->display_width, dh = info->display_height;
	uint32_t tw = want == 0 || want > dw ? dw : want;
	uint64_t th;

	if (dw == 0) {
		*w = *h = 0;
		return;
	}
	th = ((uint64_t)dh * tw * 2 + dw) / ((uint64_t)dw * 2);
	*w = tw;
	*h = th == 0 ? 1 : (uint32_t)th;
}

_Static_assert(IMAGE_WEBP_DIM_MAX == WEBP_MAX_DIMENSION,
    "IMAGE_WEBP_DIM_MAX is libwebp's bound");

void
image_plan(const struct image_info *info, uint32_t want, bool webp,
    struct image_plan *p)
{
	image_target_size(info, want, &p->width, &p->height);
	p->format = info->format;
	if (webp && p->width <= IMAGE_WEBP_DIM_MAX &&
	    p->height <= IMAGE_WEBP_DIM_MAX)
		p->format = IMAGE_FMT_WEBP;
}

/* --- Colour ------------------------------------------------------------- */

static void
icc_quiet(cmsContext ctx, cmsUInt32Number code, const char *text)
{
	(void)ctx;
	(void)code;
	(void)text;
}

/* A profile that says it is sRGB is taken at its word. */
static bool
icc_is_srgb(cmsHPROFILE prof)
{
	char desc[256];

	if (cmsGetProfileInfoASCII(prof, cmsInfoDescription, "en", "US", desc,
	    sizeof(desc)) == 0)
		return false;
	return strstr(desc, "sRGB") != NULL;
}

/* CMYK to RGB with no profile: ink multiplies (what browsers do). */
static void
cmyk_naive(const uint8_t *s, uint8_t *d, size_t n, bool inverted)
{
	for (size_t i = 0; i < n; i++, s += 4, d += 3) {
		unsigned c = s[0], m = s[1], y = s[2], k = s[3];

		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		d[0] = (uint8_t)((c * k + 127) / 255);
		d[1] = (uint8_t)((m * k + 127) / 255);
		d[2] = (uint8_t)((y * k + 127) / 255);
	}
}

/* Runs t over every row of p into dst (which may be p->px). */
static void
icc_run(cmsHTRANSFORM t, const struct image_px *p, uint8_t *dst, int dch)
{
	size_t sst = (size_t)p->w * (size_t)p->ch;
	size_t dst_stride = (size_t)p->w * (size_t)dch;

	for (uint32_t y = 0; y < p->h; y++)
		cmsDoTransform(t, p->px + y * sst, dst + y * dst_stride, p->w);
}

/* A transform from the source profile to sRGB, or NULL to leave colour
 * as it is (no profile, an unreadable or sRGB one, a space we skip). */
static cmsHTRANSFORM
icc_transform(cmsContext ctx, const struct image_px *p)
{
	cmsHPROFILE in, srgb;
	cmsHTRANSFORM t = NULL;
	cmsUInt32Number fin, fout, flags = 0;
	cmsColorSpaceSignature cs;
	bool cmyk = p->ch == 4 && !p->alpha;

	if ((in = cmsOpenProfileFromMemTHR(ctx, p->icc,
	    (cmsUInt32Number)p->icc_len)) == NULL)
		return NULL;
	cs = cmsGetColorSpace(in);
	if (cmyk && cs == cmsSigCmykData) {
		fin = p->cmyk_inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8;
		fout = TYPE_RGB_8;
		flags = cmsFLAGS_BLACKPOINTCOMPENSATION;
	} else if (!cmyk && p->ch >= 3 && cs == cmsSigRgbData &&
	    !icc_is_srgb(in)) {
		fin = fout = p->alpha ? TYPE_RGBA_8 : TYPE_RGB_8;
		if (p->alpha)
			flags = cmsFLAGS_COPY_ALPHA;
	} else {
		cmsCloseProfile(in);
		return NULL;
	}
	if ((srgb = cmsCreate_sRGBProfileTHR(ctx)) != NULL) {
		t = cmsCreateTransformTHR(ctx, in, fin, srgb, fout,
		    INTENT_RELATIVE_COLORIMETRIC, flags);
		cmsCloseProfile(srgb);
	}
	cmsCloseProfile(in);
	return t;
}

/*
 * Leaves p in sRGB (grey stays grey, untouched): converts through the ICC
 * profile when it is not sRGB, and CMYK to RGB in any case.
 */
static int
colour_to_srgb(struct image_px *p, bool *converted, char *err,
    size_t errlen)
{
	bool cmyk = p->ch == 4 && !p->alpha;
	cmsHTRANSFORM t = NULL;
	cmsContext ctx = NULL;
	uint8_t *rgb = NULL;

	*converted = false;
	if (p->icc != NULL && p->ch != 1) {
		if ((ctx = cmsCreateContext(NULL, NULL)) == NULL)
			return image_fail(err, errlen, IMAGE_ENOMEM,
			    "icc: out of memory");
		cmsSetLogErrorHandlerTHR(ctx, icc_quiet);
		t = icc_transform(ctx, p);
	}
	if (cmyk && (rgb = malloc((size_t)p->w * p->h * 3)) == NULL) {
		if (t != NULL)
			cmsDeleteTransform(t);
		cmsDeleteContext(ctx);
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "icc: out of memory");
	}
	if (t != NULL) {
		icc_run(t, p, cmyk ? rgb : p->px, cmyk ? 3 : p->ch);
		cmsDeleteTransform(t);
		*converted = true;
	} else if (cmyk)
		cmyk_naive(p->px, rgb, (size_t)p->w * p->h, p->cmyk_inverted);
	if (ctx != NULL)
		cmsDeleteContext(ctx);
	if (cmyk) {
		free(p->px);
		p->px = rgb;
		p->ch = 3;
	}
	return IMAGE_OK;
}

/* --- Geometry and output ------------------------------------------------ */

/* Source pixel (x, y) shown at display (dx, dy) for EXIF orientation o on
 * a w x h stored image. */
static void
orient_src(int o, uint32_t w, uint32_t h, uint32_t dx, uint32_t dy,
    uint32_t *x, uint32_t *y)
{
	switch (o) {
	case 2:
		*x = w - 1 - dx, *y = dy;
		break;
	case 3:
		*x = w - 1 - dx, *y = h - 1 - dy;
		break;
	case 4:
		*x = dx, *y = h - 1 - dy;
		break;
	case 5:
		*x = dy, *y = dx;
		break;
	case 6:
		*x = dy, *y = h - 1 - dx;
		break;
	case 7:
		*x = w - 1 - dy, *y = h - 1 - dx;
		break;
	case 8:
		*x = w - 1 - dy, *y = dx;
		break;
	default:
		*x = dx, *y = dy;
		break;
	}
}

/* Applies orientation o to p (to its small, resized pixels). */
static int
orient(struct image_px *p, int o, char *err, size_t errlen)
{
	uint32_t dw = o >= 5 ? p->h : p->w, dh = o >= 5 ? p->w : p->h;
	size_t ch = (size_t)p->ch;
	uint8_t *d;

	if (o <= 1 || o > 8)
		return IMAGE_OK;
	if ((d = malloc((size_t)dw * dh * ch)) == NULL)
		return image_fail(err, errlen, IMAGE_ENOMEM,
		    "orient: out of memory");
	for (uint32_t dy = 0; dy < dh; dy++)
		for (uint32_t dx = 0; dx < dw; dx++) {
			uint32_t x, y;

			orient_src(o, p->w, p->h, dx, dy, &x, &y);
			memcpy(d + ((size_t)dy * dw + dx) * ch,
			    p->px + ((size_t)y * p->w + x) * ch, ch);
		}
	free(p->px);
	p->px = d;
	p->w = dw;
	p->h = dh;
	return IMAGE_OK;
}

/* RGBA over white, in place, for JPEG (which has no alpha). */
static void
flatten(struct image_px *p)
{
	size_t n = (size_t)p->w * p->h;
	uint8_t *s = p->px, *d = p->px;

	for (size_t i = 0; i < n; i++, s += 4, d += 3) {
		unsigned a = s[3], bg = 255 * (255 - a);

		d[0] = (uint8_t)((s[0] * a + bg + 127) / 255);
		d[1] = (uint8_t)((s[1] * a + bg + 127) / 255);
		d[2] = (uint8_t)((s[2] * a + bg + 127) / 255);
	}
	p->ch = 3;
	p->alpha = false;
}

static int
decode(const struct image_info *info, const uint8_t *d, size_t len,
    const struct image_limits *lim, uint32_t w, uint32_t h,
    struct image_px *p, char *err, size_t errlen)
{
	switch (info->format) {
	case IMAGE_FMT_JPEG:
		return image_jpeg_decode(d, len, lim, w, h, p, err, errlen);
	case IMAGE_FMT_PNG:
		return image_png_decode(d, len, lim, w, h, p, err, errlen);
	default:
		return image_webp_decode(d, len, lim, w, h, p, err, errlen);
	}
}

static int
encode(enum image_format f, struct image_px *p, int quality,
    struct buf *out, char *err, size_t errlen)
{
	switch (f) {
	case IMAGE_FMT_JPEG:
		if (p->alpha)
			flatten(p);
		return image_jpeg_encode(p, quality, out, err, errlen);
	case IMAGE_FMT_PNG:
		return image_png_encode(p, out, err, errlen);
	case IMAGE_FMT_WEBP:
		return image_webp_encode(p, quality, out, err, errlen);
	default:
		return image_fail(err, errlen, IMAGE_EOUTPUT,
		    "no such output format %d", (int)f);
	}
}

static int
check_quality(int quality, char *err, size_t errlen)
{
	if (quality < 1 || quality > 100)
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "q: must be 1-100");
	return IMAGE_OK;
}

/*
 * What image_resize_probed() checks of a caller's info before it decodes:
 * the format the data's signature names, the size within the limits, an
 * orientation and a displayed size that go together. The stored size is
 * compared with the decoder's reading of the header afterwards: the two
 * header readers agree on any file a decoder takes, so only another file's
 * info differs there.
 */
static int
check_info(const uint8_t *d, size_t len, const struct image_info *info,
    const struct image_limits *lim, char *err, size_t errlen)
{
	bool swap = info->orientation >= 5;
	int rc;

	if ((rc = check_bytes(len, lim, err, errlen)) != IMAGE_OK)
		return rc;
	if (info->format == IMAGE_FMT_NONE || info->format != sniff(d, len))
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "info: not the probe of these bytes (another format)");
	if (info->width == 0 || info->height == 0 || info->orientation < 1 ||
	    info->orientation > 8 ||
	    info->display_width != (swap ? info->height : info->width) ||
	    info->display_height != (swap ? info->width : info->height))
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "info: not a probe's result (size or orientation)");
	return check_pixels(info, lim, err, errlen);
}

int
image_resize(const void *data, size_t len, uint32_t width, int quality,
    enum image_format out_format, const struct image_limits *lim,
    struct buf *out, struct image_result *res, char *err, size_t errlen)
{
	struct image_info info;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = check_quality(quality, err, errlen)) != IMAGE_OK)
		return rc;
	if ((rc = image_probe(data, len, lim, &info, err, errlen)) != IMAGE_OK)
		return rc;
	return image_resize_probed(data, len, &info, width, quality,
	    out_format, lim, out, res, err, errlen);
}

int
image_resize_probed(const void *data, size_t len,
    const struct image_info *info, uint32_t width, int quality,
    enum image_format out_format, const struct image_limits *lim,
    struct buf *out, struct image_result *res, char *err, size_t errlen)
{
	struct image_px px;
	size_t mark = out->len;
	bool mark_failed = out->failed;
	uint32_t tw, th;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = check_quality(quality, err, errlen)) != IMAGE_OK)
		return rc;
	if ((rc = check_info(data, len, info, lim, err, errlen)) != IMAGE_OK)
		return rc;
	image_target_size(info, width, &tw, &th);
	if (info->orientation >= 5)
		rc = decode(info, data, len, lim, th, tw, &px, err, errlen);
	else
		rc = decode(info, data, len, lim, tw, th, &px, err, errlen);
	if (rc != IMAGE_OK)
		return rc;
	if (px.src_w != info->width || px.src_h != info->height) {
		image_px_free(&px);
		return image_fail(err, errlen, IMAGE_ECORRUPT, "info: not the "
		    "probe of these bytes (%ux%u, the decoder reads %ux%u)",
		    info->width, info->height, px.src_w, px.src_h);
	}
	res->decoded_width = px.decoded_w;
	res->decoded_height = px.decoded_h;
	res->scale_denom = px.denom;
	if (out_format == IMAGE_FMT_NONE)
		out_format = info->format;
	if ((rc = colour_to_srgb(&px, &res->icc_converted, err, errlen)) ==
	    IMAGE_OK &&
	    (rc = orient(&px, info->orientation, err, errlen)) == IMAGE_OK)
		rc = encode(out_format, &px, quality, out, err, errlen);
	if (rc == IMAGE_OK) {
		res->format = out_format;
		res->width = px.w;
		res->height = px.h;
	} else {
		out->len = mark;
		out->failed = mark_failed;
	}
	image_px_free(&px);
	return rc;
}

/* --- Requests ----------------------------------------------------------- */

static bool
is_slug(const char *s, size_t n)
{
	if (n == 0 || !(islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static bool
has_dot_segment(const char *url)
{
	for (const char *p = url; (p = strchr(p, '/')) != NULL; ) {
		const char *s = ++p;
		size_t n = strcspn(s, "/");

		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return true;
	}
	return false;
}

static bool
has_image_ext(const char *url)
{
	static const char *const exts[] = { ".jpg", ".jpeg", ".png", ".webp" };
	size_t n = strlen(url);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && strcasecmp(url + n - e, exts[i]) == 0 &&
		    url[n - e - 1] != '/')
			return true;
	}
	return false;
}

/* Under /images/, or a file in a post bundle, /posts/<slug>/... */
static bool
in_site_dir(const char *url)
{
	const char *slug, *slash;

	if (strncmp(url, "/images/", 8) == 0)
		return url[8] != '\0';
	if (strncmp(url, "/posts/", 7) != 0)
		return false;
	slug = url + 7;
	if ((slash = strchr(slug, '/')) == NULL)
		return false;
	return is_slug(slug, (size_t)(slash - slug)) && slash[1] != '\0';
}

int
image_url_check(const char *url, char *err, size_t errlen)
{
	if (url[0] == '\0')
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must not be empty");
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\' ||
		    *p == '%')
			return image_fail(err, errlen, IMAGE_EREQUEST,
			    "url: must not contain control bytes, '\\' or "
			    "'%%'");
	if (strstr(url, "//") != NULL)
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must not contain '//' (no scheme, no host)");
	if (url[0] != '/')
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must be a site path starting with '/'");
	if (has_dot_segment(url))
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must not contain '.' or '..' segments");
	if (strncmp(url, "/_img", 5) == 0)
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must not point at /_img");
	if (!in_site_dir(url))
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must be under /images/ or /posts/<slug>/");
	if (!has_image_ext(url))
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must name a .jpg, .jpeg, .png or .webp file");
	return IMAGE_OK;
}

/* A plain decimal number of at most REQ_NUM_DIGITS_MAX digits, or -1. */
static int
parse_num(const char *s)
{
	size_t n = strlen(s);
	int v = 0;

	if (n == 0 || n > REQ_NUM_DIGITS_MAX || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool
in_list(int v, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* "name: must be one of 32, 48, ..." */
static int
fail_list(char *err, size_t errlen, const char *name, const int *list,
    size_t n)
{
	size_t off;
	int r;

	if (err == NULL || errlen == 0)
		return IMAGE_EREQUEST;
	r = snprintf(err, errlen, "%s: must be one of", name);
	off = r > 0 ? (size_t)r : 0;
	for (size_t i = 0; i < n && off < errlen; i++) {
		r = snprintf(err + off, errlen - off, "%s %d", i ? "," : "",
		    list[i]);
		off += r > 0 ? (size_t)r : 0;
	}
	return IMAGE_EREQUEST;
}

/* One numeric parameter against its allowlist; def < 0: required. */
static int
req_num(const char *query, size_t len, const char *name, const int *list,
    size_t n, int def, int *out, char *err, size_t errlen)
{
	char v[REQ_NUM_DIGITS_MAX + 2];
	int r = query_get(query, len, name, v, sizeof(v));

	if (r == -1 && def >= 0) {
		*out = def;
		return IMAGE_OK;
	}
	if (r == -1)
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "%s: required", name);
	if (r < 0 || (*out = parse_num(v)) < 0 || !in_list(*out, list, n))
		return fail_list(err, errlen, name, list, n);
	return IMAGE_OK;
}

static int
req_version(const char *query, size_t len, struct image_req *req,
    char *err, size_t errlen)
{
	int r = query_get(query, len, "v", req->version,
	    sizeof(req->version));

	if (r == -1) {
		req->version[0] = '\0';
		return IMAGE_OK;
	}
	if (r <= 0)
		goto bad;
	for (int i = 0; i < r; i++)
		if (!isxdigit((unsigned char)req->version[i]))
			goto bad;
	return IMAGE_OK;
bad:
	req->version[0] = '\0';
	return image_fail(err, errlen, IMAGE_EREQUEST,
	    "v: must be 1-%d hex digits", IMAGE_VERSION_MAX);
}

int
image_req_parse(const char *query, size_t len,
    const struct image_allow *allow, struct image_req *req, char *err,
    size_t errlen)
{
	int r, rc;

	memset(req, 0, sizeof(*req));
	if (query == NULL)
		len = 0;
	r = query_get(query, len, "url", req->url, sizeof(req->url));
	if (r == -1)
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: required");
	if (r < 0) {
		req->url[0] = '\0';
		return image_fail(err, errlen, IMAGE_EREQUEST,
		    "url: must be given once, %%-encoded, under %d bytes",
		    IMAGE_URL_MAX);
	}
	if ((rc = image_url_check(req->url, err, errlen)) != IMAGE_OK ||
	    (rc = req_num(query, len, "w", allow->widths, allow->nwidths, -1,
	    &req->width, err, errlen)) != IMAGE_OK ||
	    (rc = req_num(query, len, "q", allow->qualities,
	    allow->nqualities, allow->quality_default, &req->quality, err,
	    errlen)) != IMAGE_OK)
		return rc;
	return req_version(query, len, req, err, errlen);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int
image_allow_list(const char *s, int lo, int hi, int *out, size_t max,
    char *err, size_t errlen)
{
	size_t n = 0, k = 0;

	while (*s != '\0') {
		char tok[REQ_NUM_DIGITS_MAX + 2];
		size_t tl = strcspn(s, ", \t");
		int v;

		if (tl == 0) {
			s++;
			continue;
		}
		v = -1;
		if (tl < sizeof(tok)) {
			memcpy(tok, s, tl);
			tok[tl] = '\0';
			v = parse_num(tok);
		}
		if (v < lo || v > hi)
			return image_fail(err, errlen, -1, "'%.*s' is not a "
			    "number from %d to %d", (int)(tl > 16 ? 16 : tl),
			    s, lo, hi);
		if (n == max)
			return image_fail(err, errlen, -1, "more than %zu "
			    "values", max);
		out[n++] = v;
		s += tl;
	}
	if (n == 0)
		return image_fail(err, errlen, -1, "no values");
	qsort(out, n, sizeof(*out), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || out[k - 1] != out[i])
			out[k++] = out[i];
	return (int)k;
}

size_t
image_srcset_widths(uint32_t src_width, const struct image_allow *allow,
    int *req, uint32_t *desc, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < allow->nwidths && n < max; i++) {
		uint32_t w = (uint32_t)allow->widths[i];

		req[n] = allow->widths[i];
		desc[n++] = w < src_width ? w : src_width;
		if (w >= src_width)
			break;
	}
	return n;
}

/* Keeps RFC 3986 unreserved bytes and '/'; %-encodes the rest. */
static void
put_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~' || c == '/') {
			buf_putc(b, (char)c);
			continue;
		}
		buf_putc(b, '%');
		buf_putc(b, hex[c >> 4]);
		buf_putc(b, hex[c & 0xf]);
	}
}

void
image_url(struct buf *b, const char *url, int w, int q, const char *version)
{
	buf_puts(b, "/_img?url=");
	put_encoded(b, url);
	buf_printf(b, "&w=%d&q=%d", w, q);
	if (version != NULL && version[0] != '\0') {
		buf_puts(b, "&v=");
		put_encoded(b, version);
	}
}

size_t
image_srcset(struct buf *b, const char *url, uint32_t src_width,
    const struct image_allow *allow, int q, const char *version)
{
	int req[IMAGE_ALLOW_MAX];
	uint32_t desc[IMAGE_ALLOW_MAX];
	size_t n = image_srcset_widths(src_width, allow, req, desc,
	    IMAGE_ALLOW_MAX);

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		image_url(b, url, req[i], q, version);
		buf_printf(b, " %uw", desc[i]);
	}
	return n;
}
