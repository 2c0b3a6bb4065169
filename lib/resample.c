/*
 * resample.c: the streaming separable Lanczos-3 resampler of resample.h.
 * Each source row is filtered horizontally as it arrives into a small ring
 * of rows; an output row is filtered vertically from that ring as soon as
 * its last source row is in.
 */
#include "resample.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lobes of the Lanczos window: 3 is what vips, sharp and Pillow use, the
 * usual trade between sharpness and ringing. */
#define LANCZOS_A	3
/* Weights smaller than this at either end of a kernel are dropped: they
 * change no 8-bit output, and dropping them makes an unscaled axis a copy. */
#define WEIGHT_EPSILON	1e-6
/* Alpha (0..255, premultiplied sums) below which a pixel counts as fully
 * transparent: its colour is then undefined and written as 0. */
#define ALPHA_EPSILON	(1.0f / 512)

/* One axis: for each output index, the first source index and the weights. */
struct axis {
	uint32_t	*start;
	uint32_t	*count;
	float		*w;		/* n rows of taps weights */
	uint32_t	 taps;		/* stride of w, >= every count */
};

/* Four floats: one RGB(A) pixel, or four grey ones. GCC and clang turn
 * arithmetic on it into SSE (or NEON) instructions at any -O level. */
typedef float v4f __attribute__((vector_size(16)));

struct resample {
	uint32_t	 sw, sh, dw, dh;
	int		 ch;
	bool		 alpha;
	int		 lanes;		/* floats per pixel: 1 (grey) or 4 */
	struct axis	 x, y;
	uint32_t	 ring_n;	/* horizontally filtered rows kept */
	size_t		 row_v4;	/* v4f per filtered row */
	v4f		*ring;		/* ring_n rows of row_v4 */
	v4f		*srcf;		/* one source row, premultiplied */
	const v4f	**taps;		/* ring rows of the output row */
	uint8_t		*dst;
	uint32_t	 in_rows, out_rows;
};

static double
lanczos(double x)
{
	double px;

	if (x < 0)
		x = -x;
	if (x < 1e-9)
		return 1.0;
	if (x >= LANCZOS_A)
		return 0.0;
	px = M_PI * x;
	return LANCZOS_A * sin(px) * sin(px / LANCZOS_A) / (px * px);
}

static void
axis_free(struct axis *a)
{
	free(a->start);
	free(a->count);
	free(a->w);
	memset(a, 0, sizeof(*a));
}

/*
 * Weights for n outputs from s inputs. Pixel centres sit at i + 0.5 on both
 * axes, so the two images cover the same extent. Taps outside the source
 * take the edge pixel (edge extension); each kernel is normalised to 1.
 */
static int
axis_make(struct axis *a, uint32_t s, uint32_t n)
{
	double scale = (double)s / n, fscale = scale > 1 ? scale : 1;
	double support = LANCZOS_A * fscale;
	double *tmp;

	memset(a, 0, sizeof(*a));
	a->taps = (uint32_t)ceil(2 * support) + 2;
	if (a->taps > s)
		a->taps = s;
	a->start = calloc(n, sizeof(*a->start));
	a->count = calloc(n, sizeof(*a->count));
	a->w = calloc((size_t)n * a->taps, sizeof(*a->w));
	tmp = calloc(a->taps, sizeof(*tmp));
	if (a->start == NULL || a->count == NULL || a->w == NULL ||
	    tmp == NULL) {
		free(tmp);
		axis_free(a);
		errno = ENOMEM;
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		double center = (i + 0.5) * scale - 0.5, sum = 0;
		long lo = (long)ceil(center - support);
		long hi = (long)floor(center + support);
		long first = lo < 0 ? 0 : lo;
		long last = hi > (long)s - 1 ? (long)s - 1 : hi;
		uint32_t b = 0, e;
		float *w = a->w + (size_t)i * a->taps;

		if (last < first)		/* a 1-pixel source far off */
			first = last = center < 0 ? 0 : (long)s - 1;
		e = (uint32_t)(last - first + 1);
		memset(tmp, 0, a->taps * sizeof(*tmp));
		for (long j = lo; j <= hi; j++) {
			long k = j < first ? first : j > last ? last : j;
			double v = lanczos((j - center) / fscale);

			tmp[k - first] += v;
			sum += v;
		}
		if (fabs(sum) < 1e-12) {	/* cannot happen: centre tap */
			tmp[0] = sum = 1;
		}
		while (e > 1 && fabs(tmp[e - 1] / sum) < WEIGHT_EPSILON)
			e--;
		while (b + 1 < e && fabs(tmp[b] / sum) < WEIGHT_EPSILON)
			b++;
		a->start[i] = (uint32_t)first + b;
		a->count[i] = e - b;
		for (uint32_t k = b; k < e; k++)
			w[k - b] = (float)(tmp[k] / sum);
	}
	free(tmp);
	return 0;
}

/* Zeroed, 16-byte aligned room for n vectors. */
static v4f *
v4f_alloc(size_t n)
{
	v4f *v;

	if (n == 0 || n > SIZE_MAX / sizeof(v4f))
		return NULL;
	if ((v = aligned_alloc(sizeof(v4f), n * sizeof(v4f))) != NULL)
		memset(v, 0, n * sizeof(v4f));
	return v;
}

struct resample *
resample_new(uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, int ch,
    bool alpha, uint8_t *dst)
{
	struct resample *r;

	if (sw == 0 || sh == 0 || dw == 0 || dh == 0 ||
	    sw > RESAMPLE_DIM_MAX || sh > RESAMPLE_DIM_MAX ||
	    dw > RESAMPLE_DIM_MAX || dh > RESAMPLE_DIM_MAX ||
	    (ch != 1 && ch != 3 && ch != 4) || (alpha && ch != 4) ||
	    dst == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->sw = sw;
	r->sh = sh;
	r->dw = dw;
	r->dh = dh;
	r->ch = ch;
	r->alpha = alpha;
	r->dst = dst;
	if (axis_make(&r->x, sw, dw) == -1 || axis_make(&r->y, sh, dh) == -1)
		goto fail;
	/* Row i is written once every row up to its own end, and up to the
	 * ends of the rows before it, is in: keep enough rows for that. */
	for (uint32_t i = 0, emit = 0; i < dh; i++) {
		if (r->y.start[i] + r->y.count[i] > emit)
			emit = r->y.start[i] + r->y.count[i];
		if (emit - r->y.start[i] > r->ring_n)
			r->ring_n = emit - r->y.start[i];
	}
	r->lanes = ch == 1 ? 1 : 4;
	r->row_v4 = ((size_t)dw * (size_t)r->lanes + 3) / 4;
	r->ring = v4f_alloc(r->ring_n * r->row_v4);
	r->srcf = v4f_alloc(((size_t)sw * (size_t)r->lanes + 3) / 4);
	r->taps = calloc(r->ring_n, sizeof(*r->taps));
	if (r->ring == NULL || r->srcf == NULL || r->taps == NULL)
		goto fail;
	return r;
fail:
	resample_free(r);
	errno = ENOMEM;
	return NULL;
}

void
resample_free(struct resample *r)
{
	if (r == NULL)
		return;
	axis_free(&r->x);
	axis_free(&r->y);
	free(r->ring);
	free(r->srcf);
	free(r->taps);
	free(r);
}

bool
resample_done(const struct resample *r)
{
	return r->out_rows == r->dh;
}

/* Bytes to floats, one pixel per vector for colour (RGB padded with 0);
 * with alpha, colour is multiplied by alpha / 255. */
static void
row_to_float(const struct resample *r, const uint8_t *src, v4f *out)
{
	float *f = (float *)out;

	switch (r->ch) {
	case 1:
		for (uint32_t i = 0; i < r->sw; i++)
			f[i] = src[i];
		break;
	case 3:
		for (uint32_t i = 0; i < r->sw; i++, src += 3)
			out[i] = (v4f){ src[0], src[1], src[2], 0 };
		break;
	default:
		if (!r->alpha) {
			for (uint32_t i = 0; i < r->sw; i++, src += 4)
				out[i] = (v4f){ src[0], src[1], src[2],
				    src[3] };
			break;
		}
		for (uint32_t i = 0; i < r->sw; i++, src += 4) {
			float a = src[3] * (1.0f / 255);

			out[i] = (v4f){ src[0] * a, src[1] * a, src[2] * a,
			    src[3] };
		}
		break;
	}
}

/* The horizontal pass. */
static void
hpass(const struct resample *r, const v4f *in, v4f *out)
{
	const struct axis *a = &r->x;

	if (r->lanes == 1) {
		const float *fin = (const float *)in;
		float *fout = (float *)out;

		for (uint32_t i = 0; i < r->dw; i++) {
			const float *w = a->w + (size_t)i * a->taps;
			const float *p = fin + a->start[i];
			float s = 0;

			for (uint32_t k = 0; k < a->count[i]; k++)
				s += w[k] * p[k];
			fout[i] = s;
		}
		return;
	}
	for (uint32_t i = 0; i < r->dw; i++) {
		const float *w = a->w + (size_t)i * a->taps;
		const v4f *p = in + a->start[i];
		v4f s = { 0, 0, 0, 0 };

		for (uint32_t k = 0; k < a->count[i]; k++)
			s += w[k] * p[k];
		out[i] = s;
	}
}

static uint8_t
to_u8(float v)
{
	v += 0.5f;
	if (!(v > 0))		/* also NaN */
		return 0;
	if (v >= 255)
		return 255;
	return (uint8_t)v;
}

/* One output pixel (a vector of sums) to bytes, undoing premultiplication. */
static void
store_px(const struct resample *r, v4f s, uint8_t *d)
{
	float a, k;

	if (r->ch == 3) {
		d[0] = to_u8(s[0]);
		d[1] = to_u8(s[1]);
		d[2] = to_u8(s[2]);
		return;
	}
	if (!r->alpha) {
		for (int c = 0; c < 4; c++)
			d[c] = to_u8(s[c]);
		return;
	}
	if ((a = s[3]) < ALPHA_EPSILON) {
		d[0] = d[1] = d[2] = d[3] = 0;
		return;
	}
	k = 255.0f / a;
	d[0] = to_u8(s[0] * k);
	d[1] = to_u8(s[1] * k);
	d[2] = to_u8(s[2] * k);
	d[3] = to_u8(a);
}

/* Output row y from the ring: every source row it needs is in. Sums each
 * vector over the taps in registers, then stores it once. */
static void
vpass(struct resample *r, uint32_t y)
{
	const struct axis *a = &r->y;
	const float *w = a->w + (size_t)y * a->taps;
	uint32_t n = a->count[y];
	uint8_t *d = r->dst + (size_t)y * r->dw * (size_t)r->ch;

	for (uint32_t k = 0; k < n; k++)
		r->taps[k] = r->ring +
		    (size_t)((a->start[y] + k) % r->ring_n) * r->row_v4;
	for (size_t i = 0; i < r->row_v4; i++) {
		v4f s = { 0, 0, 0, 0 };

		for (uint32_t k = 0; k < n; k++)
			s += w[k] * r->taps[k][i];
		if (r->lanes == 1) {
			for (int c = 0; c < 4 && 4 * i + (size_t)c < r->dw;
			    c++)
				d[4 * i + (size_t)c] = to_u8(s[c]);
		} else
			store_px(r, s, d + i * (size_t)r->ch);
	}
}

int
resample_row(struct resample *r, const uint8_t *src)
{
	v4f *slot;

	if (r->in_rows >= r->sh)
		return -1;
	slot = r->ring + (size_t)(r->in_rows % r->ring_n) * r->row_v4;
	row_to_float(r, src, r->srcf);
	hpass(r, r->srcf, slot);
	r->in_rows++;
	while (r->out_rows < r->dh && r->y.start[r->out_rows] +
	    r->y.count[r->out_rows] <= r->in_rows) {
		vpass(r, r->out_rows);
		r->out_rows++;
	}
	return 0;
}

int
resample_image(const uint8_t *src, uint32_t sw, uint32_t sh,
    size_t src_stride, uint8_t *dst, uint32_t dw, uint32_t dh, int ch,
    bool alpha)
{
	struct resample *r;

	if ((r = resample_new(sw, sh, dw, dh, ch, alpha, dst)) == NULL)
		return -1;
	for (uint32_t y = 0; y < sh; y++)
		resample_row(r, src + (size_t)y * src_stride);
	resample_free(r);
	return 0;
}
