/*
 * image.h: the image optimizer's library half. Checks /_img requests
 * against the allowlists, reads an image's size and orientation from its
 * header alone, and resizes JPEG, PNG (and WebP) sources into JPEG, PNG or
 * WebP, all within byte and pixel limits. Also writes the srcset lists the
 * theme puts on <img>. Processes, caching (imgcache.h) and HTTP are the
 * caller's.
 */
#ifndef FOLIO_IMAGE_H
#define FOLIO_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum image_format {
	IMAGE_FMT_NONE = 0,	/* unknown; as an output: same as the source */
	IMAGE_FMT_JPEG,
	IMAGE_FMT_PNG,
	IMAGE_FMT_WEBP,
};

/* "image/jpeg", "image/png", "image/webp"; NULL for IMAGE_FMT_NONE. */
const char *image_format_mime(enum image_format f);
/* "jpg", "png", "webp"; NULL for IMAGE_FMT_NONE. */
const char *image_format_ext(enum image_format f);

/*
 * What a call returns: 0, or why it failed. image_http_status() gives the
 * status to answer with. The library logs nothing: every failure also
 * writes a one-line message (no newline, safe to log or send as a
 * text/plain body) into the caller's err buffer.
 */
enum image_status {
	IMAGE_OK = 0,
	IMAGE_EREQUEST,		/* 400: a bad url, w or q (image_req_parse) */
	IMAGE_ETOOBIG,		/* 413: bytes or pixels over the limits */
	IMAGE_EFORMAT,		/* 415: not a JPEG, PNG or still WebP */
	IMAGE_ECORRUPT,		/* 422: corrupt, truncated or unsupported data */
	IMAGE_ENOMEM,		/* 503: an allocation failed; try later */
	IMAGE_EOUTPUT,		/* 500: the encoder failed or out's bound hit */
};

int	image_http_status(enum image_status s);

/* Size of an err buffer that holds any message in full (libjpeg's own
 * texts are up to 200 bytes). */
#define IMAGE_ERR_MAX	256

/*
 * Limits on a source, each a config key. Pixels are checked from the
 * header before any pixel buffer exists. Peak memory of image_resize() is
 * then at most about 6 bytes per source pixel (a progressive JPEG's
 * coefficients; libjpeg is told so and fails beyond it), 4 per pixel for
 * an interlaced PNG or a WebP source, and a few rows otherwise (sequential
 * JPEG and PNG stream through the resampler), plus the output.
 */
struct image_limits {
	size_t		max_bytes;	/* source file size */
	uint64_t	max_pixels;	/* width * height of the source */
};

/* 50 MB and 50 megapixels: a full-size photo from any current camera
 * passes, a decompression bomb does not. */
#define IMAGE_MAX_BYTES_DEFAULT		((size_t)50 << 20)
#define IMAGE_MAX_PIXELS_DEFAULT	50000000ULL

void	image_limits_default(struct image_limits *lim);

/* What the header says. Dimensions are as stored; display_* are after the
 * EXIF orientation (swapped for orientations 5-8). */
struct image_info {
	enum image_format format;
	uint32_t	width, height;
	uint32_t	display_width, display_height;
	int		orientation;	/* EXIF 1-8; 1 when absent or bad */
	int		components;	/* JPEG: 1, 3 or 4 (CMYK); PNG/WebP:
					 * 1-4 as decoded to 8 bits */
	bool		has_alpha;	/* PNG alpha channel or tRNS; WebP */
	bool		progressive;	/* progressive JPEG, interlaced PNG */
	bool		animated;	/* an animated WebP, which the probe
					 * refuses (IMAGE_EFORMAT): it can
					 * only be served as it is */
};

/*
 * Reads format, size and orientation from the first bytes of data (JPEG
 * markers up to the first scan, PNG chunks up to IDAT, a WebP's chunks up
 * to EXIF, which comes after the image data). Allocates nothing but, for
 * a WebP, libwebpdemux's parser state. Fails with IMAGE_ETOOBIG when len >
 * max_bytes or width * height > max_pixels, IMAGE_EFORMAT for an unknown
 * signature or an animated WebP (info->animated set), IMAGE_ECORRUPT for
 * a bad or truncated header (a WebP whose EXIF chunk is not in data
 * included).
 */
int	image_probe(const void *data, size_t len,
	    const struct image_limits *lim, struct image_info *info,
	    char *err, size_t errlen);

/*
 * The size an output of width want gets: never wider than the displayed
 * source (want 0 or above it gives the source width), height in
 * proportion, rounded, at least 1.
 */
void	image_target_size(const struct image_info *info, uint32_t want,
	    uint32_t *w, uint32_t *h);

/*
 * What /_img makes of a source for a request of width want: the output's
 * size (image_target_size()) and format. WebP when the client takes it
 * (webp) and the output fits WebP's IMAGE_WEBP_DIM_MAX a side, else the
 * source's own format: a tall image at a large width must not fail for
 * every browser that takes WebP when its source format can carry it. Both
 * the worker (from a remembered size) and the imager (from the probe) call
 * this, so they agree on the cache key.
 */
struct image_plan {
	uint32_t	width, height;	/* of the output */
	enum image_format format;	/* of the output */
};

/* WebP's largest side (libwebp's WEBP_MAX_DIMENSION). */
#define IMAGE_WEBP_DIM_MAX	16383

void	image_plan(const struct image_info *info, uint32_t want, bool webp,
	    struct image_plan *p);

/* What image_resize() made. */
struct image_result {
	enum image_format format;	/* of the output */
	uint32_t	width, height;	/* of the output */
	uint32_t	decoded_width;	/* source as decoded (after DCT */
	uint32_t	decoded_height;	/*   scaling), before resampling */
	int		scale_denom;	/* JPEG DCT scaling: 1, 2, 4 or 8 */
	bool		icc_converted;	/* a non-sRGB profile was applied */
};

/*
 * Resizes the image in data[0..len) to the width image_target_size() gives
 * for width, and appends the encoded result to out (whose own bound caps
 * the output: IMAGE_EOUTPUT beyond it). out_format IMAGE_FMT_NONE keeps the
 * source's format. quality is 1-100 (JPEG and lossy WebP; ignored for PNG).
 *
 * The EXIF orientation is applied; all metadata is dropped; a source ICC
 * profile that is not sRGB (an RGB or a CMYK one) is converted to sRGB with
 * Little CMS, and a CMYK JPEG without one is converted naively. A JPEG is
 * decoded at 1/2, 1/4 or 1/8 scale by libjpeg-turbo when that still leaves
 * a factor of two for the Lanczos-3 resample to the exact size.
 *
 * Output: JPEG is progressive with optimised Huffman tables, 4:2:0 (grey
 * stays grey; alpha is laid over white). PNG is 8-bit RGB, RGBA or grey,
 * alpha kept. WebP is lossy, with alpha when the source has it.
 *
 * On failure out holds what it held before (nothing is left appended) and
 * err says why. Corrupt or truncated data fails as soon as the decoder
 * meets it (libjpeg's data warnings count as errors); nothing is printed.
 */
int	image_resize(const void *data, size_t len, uint32_t width, int quality,
	    enum image_format out_format, const struct image_limits *lim,
	    struct buf *out, struct image_result *res, char *err,
	    size_t errlen);

/*
 * image_resize() of a source the caller has probed already: info is
 * image_probe()'s result for these same bytes, so the header is not walked
 * twice (the imager probes first, for the output's size, format and cache
 * key). The orientation is info's. An info that does not fit the data
 * fails, with err starting "info:": IMAGE_EREQUEST for one no probe gives
 * (zero or unpaired sizes) or of another format, IMAGE_ECORRUPT for a
 * stored size other than the decoder reads. The byte and pixel limits hold
 * as for image_resize().
 */
int	image_resize_probed(const void *data, size_t len,
	    const struct image_info *info, uint32_t width, int quality,
	    enum image_format out_format, const struct image_limits *lim,
	    struct buf *out, struct image_result *res, char *err,
	    size_t errlen);

/* --- Requests: /_img?url=<site path>&w=<width>&q=<quality>&v=<version> --- */

/* Allowlists; widths ascending. */
struct image_allow {
	const int	*widths;
	size_t		 nwidths;
	const int	*qualities;
	size_t		 nqualities;
	int		 quality_default;	/* when q is absent; listed */
};

/* Widths 32 ... 3840 (Next.js's deviceSizes and imageSizes but 16) and
 * q 75. */
extern const struct image_allow image_allow_default;

/* Bytes of a url value, NUL included; longer is a 400. */
#define IMAGE_URL_MAX		1024
/* Hex digits of a v (version) value; more is a 400. */
#define IMAGE_VERSION_MAX	32
/* Entries of a width or quality allowlist. */
#define IMAGE_ALLOW_MAX		64

struct image_req {
	char	url[IMAGE_URL_MAX];	/* decoded site path, "/images/a.jpg" */
	int	width;			/* from the width allowlist */
	int	quality;		/* from the quality allowlist */
	char	version[IMAGE_VERSION_MAX + 1];	/* "" when absent */
};

/*
 * Parses and checks an /_img query string (still %-encoded, without '?').
 * url is required and must pass image_url_check(); w is required and must
 * be in the width allowlist; q is optional (quality_default) and must be in
 * the quality allowlist; v is optional, 1-32 hex digits. Other keys are
 * ignored. A key given twice or badly %-encoded is refused. Returns 0, or
 * IMAGE_EREQUEST (400) with err naming the parameter and the rule, e.g.
 * "w: must be one of 32, 48, 64, ...".
 */
int	image_req_parse(const char *query, size_t len,
	    const struct image_allow *allow, struct image_req *req, char *err,
	    size_t errlen);

/*
 * The url rule alone: a site path under /images/ or /posts/<slug>/ (slug
 * [a-z0-9][a-z0-9-]*), naming a .jpg, .jpeg or .png (or .webp) file; no
 * "//", no "." or ".." segment, no backslash, '%' or control byte, not
 * /_img. Returns 0 or IMAGE_EREQUEST with err set.
 */
int	image_url_check(const char *url, char *err, size_t errlen);

/*
 * Parses a config allowlist "32, 48, 64" (commas and/or blanks) of
 * integers in [lo, hi] into out[max], sorted ascending, duplicates
 * dropped. Returns the count (>= 1), or -1 with err set.
 */
int	image_allow_list(const char *s, int lo, int hi, int *out, size_t max,
	    char *err, size_t errlen);

/*
 * The widths to offer for a source src_width pixels wide (as displayed):
 * every allowed width below it, then the smallest allowed width at or above
 * it, whose descriptor is src_width itself (the server never upscales), or
 * the largest allowed width when none is. Writes up to max pairs: the w=
 * value into req[] and the srcset descriptor into desc[]. Returns the count.
 */
size_t	image_srcset_widths(uint32_t src_width, const struct image_allow *allow,
	    int *req, uint32_t *desc, size_t max);

/*
 * Appends "/_img?url=<url %-encoded>&w=<w>&q=<q>[&v=<version>]" to b. Raw:
 * HTML-escape it (buf_html) when writing it into an attribute.
 */
void	image_url(struct buf *b, const char *url, int w, int q,
	    const char *version);

/*
 * Appends a srcset value, "<image_url> 32w, <image_url> 48w, ...", for the
 * widths image_srcset_widths() gives. Raw like image_url(). Returns the
 * number of candidates written.
 */
size_t	image_srcset(struct buf *b, const char *url, uint32_t src_width,
	    const struct image_allow *allow, int q, const char *version);

/* --- Between image.c and the codecs; not for callers. ------------------ */

/* Decoded pixels, in the source's orientation. */
struct image_px {
	uint8_t		*px;		/* h rows of w * ch bytes */
	uint32_t	 w, h;
	int		 ch;		/* 1 grey, 3 RGB, 4 RGBA or CMYK */
	bool		 alpha;		/* ch 4 is RGBA (else CMYK) */
	bool		 cmyk_inverted;	/* Adobe CMYK: 255 is no ink */
	uint8_t		*icc;		/* the source's ICC profile, or NULL */
	size_t		 icc_len;
	uint32_t	 src_w, src_h;	/* the source, as its header says */
	uint32_t	 decoded_w, decoded_h;
	int		 denom;
};

void	image_px_free(struct image_px *p);

/* Writes "fmt" into err and returns status. */
int	image_fail(char *err, size_t errlen, int status, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Decode data scaled to exactly w x h pixels (source orientation) into p,
 * within lim. Return 0 or an image_status with err set. */
int	image_jpeg_decode(const uint8_t *data, size_t len,
	    const struct image_limits *lim, uint32_t w, uint32_t h,
	    struct image_px *p, char *err, size_t errlen);
int	image_png_decode(const uint8_t *data, size_t len,
	    const struct image_limits *lim, uint32_t w, uint32_t h,
	    struct image_px *p, char *err, size_t errlen);
int	image_webp_decode(const uint8_t *data, size_t len,
	    const struct image_limits *lim, uint32_t w, uint32_t h,
	    struct image_px *p, char *err, size_t errlen);

/*
 * A WebP's EXIF chunk, pointing into data (*exif NULL when it has none).
 * Returns -1 when the file says it has one but data ends before it: the
 * chunk comes after the image data, so a probe of the head alone must read
 * the whole file to know the orientation.
 */
int	image_webp_exif(const uint8_t *data, size_t len, const uint8_t **exif,
	    size_t *exif_len);

/* Encode p (grey, RGB or RGBA; no CMYK) and append to out. */
int	image_jpeg_encode(const struct image_px *p, int quality,
	    struct buf *out, char *err, size_t errlen);
int	image_png_encode(const struct image_px *p, struct buf *out, char *err,
	    size_t errlen);
int	image_webp_encode(const struct image_px *p, int quality,
	    struct buf *out, char *err, size_t errlen);

#endif
