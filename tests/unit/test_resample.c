/*
 * test_resample.c: the Lanczos-3 resampler. Identity and constant images
 * stay exact at every size pair, a linear ramp stays linear, a 1-pixel
 * checkerboard averages to grey (a point sampler would alias), an impulse
 * spreads as the Lanczos-3 kernel, transparent pixels lend no colour, and
 * streaming row by row equals the one-shot call.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resample.h"
#include "test.h"

/* Independent of the code under test: the kernel as the literature gives
 * it, sinc(x) sinc(x / 3) for |x| < 3. */
static double
kernel(double x)
{
	double px = M_PI * x;

	if (fabs(x) < 1e-12)
		return 1;
	if (fabs(x) >= 3)
		return 0;
	return sin(px) / px * sin(px / 3) / (px / 3);
}

static uint8_t *
alloc_img(uint32_t w, uint32_t h, int ch)
{
	uint8_t *p = malloc((size_t)w * h * (size_t)ch);

	if (p != NULL)
		memset(p, 0xa5, (size_t)w * h * (size_t)ch);
	return p;
}

static void
test_identity(void)
{
	static const int chans[] = { 1, 3, 4 };

	for (size_t c = 0; c < 3; c++) {
		int ch = chans[c];
		uint32_t w = 37, h = 23;
		uint8_t *src = alloc_img(w, h, ch), *dst = alloc_img(w, h, ch);

		for (size_t i = 0; i < (size_t)w * h * (size_t)ch; i++)
			src[i] = (uint8_t)(i * 31 + i / 7);
		if (ch == 4)	/* opaque, so premultiplying is exact */
			for (size_t i = 3; i < (size_t)w * h * 4; i += 4)
				src[i] = 255;
		ok(resample_image(src, w, h, (size_t)w * (size_t)ch, dst, w, h,
		    ch, ch == 4) == 0, "identity ch %d runs", ch);
		ok(memcmp(src, dst, (size_t)w * h * (size_t)ch) == 0,
		    "identity ch %d copies exactly", ch);
		free(src);
		free(dst);
	}
}

static void
test_constant(void)
{
	static const struct { uint32_t sw, sh, dw, dh; int ch; } t[] = {
		{ 1000, 10, 1, 1, 3 },
		{ 7, 5, 3, 2, 3 },
		{ 1, 1, 1, 1, 1 },
		{ 3, 2, 10, 7, 4 },		/* enlarging */
		{ 640, 480, 32, 24, 1 },
		{ 2000, 3, 1999, 3, 4 },
		{ 5, 900, 2, 301, 3 },
		{ 129, 97, 64, 48, 4 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int ch = t[i].ch;
		uint8_t *src = alloc_img(t[i].sw, t[i].sh, ch);
		uint8_t *dst = alloc_img(t[i].dw, t[i].dh, ch);
		size_t bad = 0;

		for (size_t k = 0; k < (size_t)t[i].sw * t[i].sh; k++)
			for (int c = 0; c < ch; c++)
				src[k * (size_t)ch + (size_t)c] =
				    (uint8_t)(c == 3 ? 255 : 40 + 50 * c);
		ok(resample_image(src, t[i].sw, t[i].sh, (size_t)t[i].sw *
		    (size_t)ch, dst, t[i].dw, t[i].dh, ch, ch == 4) == 0,
		    "%ux%u -> %ux%u runs", t[i].sw, t[i].sh, t[i].dw, t[i].dh);
		for (size_t k = 0; k < (size_t)t[i].dw * t[i].dh; k++)
			for (int c = 0; c < ch; c++)
				bad += dst[k * (size_t)ch + (size_t)c] !=
				    (c == 3 ? 255 : 40 + 50 * c);
		ok(bad == 0, "%ux%u -> %ux%u ch %d: constant stays constant "
		    "(%zu wrong)", t[i].sw, t[i].sh, t[i].dw, t[i].dh, ch, bad);
		free(src);
		free(dst);
	}
}

/* A horizontal ramp v = x: away from the edges, output pixel i (centre at
 * source coordinate (i + 0.5) * s - 0.5) must hold that value. */
static void
test_ramp(void)
{
	uint32_t sw = 256, dw = 64, h = 4;
	double s = (double)sw / dw;
	uint8_t *src = alloc_img(sw, h, 1), *dst = alloc_img(dw, h, 1);
	int worst = 0;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < sw; x++)
			src[y * sw + x] = (uint8_t)x;
	resample_image(src, sw, h, sw, dst, dw, h, 1, false);
	for (uint32_t i = 4; i < dw - 4; i++) {
		int want = (int)lround((i + 0.5) * s - 0.5);
		int d = abs(dst[i] - want);

		if (d > worst)
			worst = d;
	}
	ok(worst <= 1, "a ramp stays a ramp (worst error %d)", worst);
	free(src);
	free(dst);
}

/* A 1-pixel checkerboard shrunk 4x is mid grey: the filter removes what the
 * output cannot represent instead of aliasing it. */
static void
test_checkerboard(void)
{
	uint32_t sw = 400, sh = 300, dw = 100, dh = 75;
	uint8_t *src = alloc_img(sw, sh, 3), *dst = alloc_img(dw, dh, 3);
	int lo = 255, hi = 0;

	for (uint32_t y = 0; y < sh; y++)
		for (uint32_t x = 0; x < sw; x++)
			memset(src + ((size_t)y * sw + x) * 3,
			    (x + y) % 2 ? 255 : 0, 3);
	resample_image(src, sw, sh, (size_t)sw * 3, dst, dw, dh, 3, false);
	for (size_t i = 0; i < (size_t)dw * dh * 3; i++) {
		if (dst[i] < lo)
			lo = dst[i];
		if (dst[i] > hi)
			hi = dst[i];
	}
	ok(lo >= 120 && hi <= 135, "checkerboard averages to grey (%d-%d)",
	    lo, hi);
	free(src);
	free(dst);
}

/* One bright pixel shrunk 2x spreads as the normalised Lanczos-3 kernel
 * stretched by 2. */
static void
test_impulse(void)
{
	uint32_t sw = 64, dw = 32;
	uint8_t src[64], dst[32];
	double sum = 0;
	int worst = 0;

	memset(src, 0, sizeof(src));
	src[32] = 255;
	resample_image(src, sw, 1, sw, dst, dw, 1, 1, false);
	/* Output i is centred on 2i + 0.5; its taps are x with |x - c| < 6. */
	for (uint32_t i = 10; i < 22; i++) {
		double c = 2.0 * i + 0.5, w = 0;

		sum = 0;
		for (int x = (int)ceil(c - 6); x <= (int)floor(c + 6); x++) {
			double k = kernel((x - c) / 2);

			sum += k;
			if (x == 32)
				w = k;
		}
		int want = (int)lround(fmax(0, fmin(255, 255 * w / sum)));
		int d = abs(dst[i] - want);

		if (d > worst)
			worst = d;
	}
	ok(worst <= 1, "impulse response is Lanczos-3 (worst error %d)",
	    worst);
	ok(dst[16] > 100 && dst[15] < dst[16] && dst[17] < dst[16],
	    "impulse peak at the output over it (%d %d %d)", dst[15], dst[16],
	    dst[17]);
}

/* Opaque red next to fully transparent green: shrinking must not turn the
 * border green-brown, because transparent pixels carry no colour. */
static void
test_premultiplied(void)
{
	uint32_t sw = 40, sh = 4, dw = 10, dh = 1;
	uint8_t *src = alloc_img(sw, sh, 4), *dst = alloc_img(dw, dh, 4);
	bool clean = true, mixed_alpha = false;

	for (uint32_t y = 0; y < sh; y++)
		for (uint32_t x = 0; x < sw; x++) {
			uint8_t *p = src + ((size_t)y * sw + x) * 4;

			if (x < sw / 2) {
				p[0] = 255, p[1] = 0, p[2] = 0, p[3] = 255;
			} else {
				p[0] = 0, p[1] = 255, p[2] = 0, p[3] = 0;
			}
		}
	resample_image(src, sw, sh, (size_t)sw * 4, dst, dw, dh, 4, true);
	for (uint32_t i = 0; i < dw; i++) {
		uint8_t *p = dst + (size_t)i * 4;

		if (p[3] > 0 && p[3] < 255)
			mixed_alpha = true;
		if (p[3] >= 8 && (p[1] > 2 || p[0] < 250))
			clean = false;
	}
	ok(mixed_alpha, "the border has partial alpha");
	ok(clean, "no colour from transparent pixels (border %d,%d,%d,%d)",
	    dst[16], dst[17], dst[18], dst[19]);
	ok(dst[(dw - 1) * 4 + 3] == 0, "the transparent side stays clear");
	ok(dst[3] == 255 && dst[0] == 255, "the opaque side stays red");
	free(src);
	free(dst);
}

static void
test_streaming(void)
{
	uint32_t sw = 300, sh = 211, dw = 97, dh = 68;
	uint8_t *src = alloc_img(sw, sh, 3), *a = alloc_img(dw, dh, 3);
	uint8_t *b = alloc_img(dw, dh, 3);
	struct resample *r;
	bool early = false;
	int refused = 0;

	for (size_t i = 0; i < (size_t)sw * sh * 3; i++)
		src[i] = (uint8_t)((i * 2654435761u) >> 13);
	resample_image(src, sw, sh, (size_t)sw * 3, a, dw, dh, 3, false);
	r = resample_new(sw, sh, dw, dh, 3, false, b);
	ok(r != NULL, "resample_new");
	for (uint32_t y = 0; y < sh; y++) {
		if (resample_done(r))
			early = true;
		refused += resample_row(r, src + (size_t)y * sw * 3) != 0;
	}
	ok(refused == 0, "every row taken (%d refused)", refused);
	ok(!early, "not done before the last row");
	ok(resample_done(r), "done after the last row");
	ok(resample_row(r, src) == -1, "a row too many is refused");
	ok(memcmp(a, b, (size_t)dw * dh * 3) == 0, "streaming = one-shot");
	resample_free(r);
	free(src);
	free(a);
	free(b);
}

static void
test_invalid(void)
{
	uint8_t dst[16];

	ok(resample_new(0, 1, 1, 1, 3, false, dst) == NULL, "zero width");
	ok(resample_new(1, 1, 1, 0, 3, false, dst) == NULL, "zero height");
	ok(resample_new(1, 1, 1, 1, 2, false, dst) == NULL, "2 channels");
	ok(resample_new(1, 1, 1, 1, 3, true, dst) == NULL, "alpha needs 4");
	ok(resample_new(1, 1, 1, 1, 3, false, NULL) == NULL, "no dst");
	ok(resample_new(RESAMPLE_DIM_MAX + 1, 1, 1, 1, 1, false, dst) == NULL,
	    "over RESAMPLE_DIM_MAX");
}

int
main(void)
{
	test_identity();
	test_constant();
	test_ramp();
	test_checkerboard();
	test_impulse();
	test_premultiplied();
	test_streaming();
	test_invalid();
	return test_done();
}
