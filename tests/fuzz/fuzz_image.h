/*
 * fuzz_image.h: what the JPEG, PNG and WebP harnesses share: image_probe()
 * and image_resize_probed() (image_resize() when the probe fails) on the
 * input, and the invariants every result keeps: either the output is a
 * well-formed image no wider than asked and no larger than the source, or
 * the call fails with a one-line message and out left as it was; the
 * resize never refuses the input's own probe as another file's ("info:",
 * which would mean image_probe() and a decoder read the header apart); and
 * nothing crashes, leaks or prints.
 */
#ifndef FOLIO_FUZZ_IMAGE_H
#define FOLIO_FUZZ_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "image.h"

/* Small limits keep each run fast; the code paths are the same. */
#define FUZZ_MAX_BYTES		((size_t)1 << 20)
#define FUZZ_MAX_PIXELS		(1ULL << 20)
#define FUZZ_OUT_MAX		((size_t)8 << 20)

static void
fuzz_image_check(const uint8_t *data, size_t size, uint32_t width,
    enum image_format f)
{
	static const struct image_limits lim = { FUZZ_MAX_BYTES,
	    FUZZ_MAX_PIXELS };
	struct image_info info;
	struct image_result r;
	char err[IMAGE_ERR_MAX] = "";
	struct buf out;
	bool probed;
	int rc;

	probed = image_probe(data, size, &lim, &info, err, sizeof(err)) ==
	    IMAGE_OK;
	if (probed && (info.width == 0 || info.height == 0 ||
	    (uint64_t)info.width * info.height > lim.max_pixels ||
	    info.orientation < 1 || info.orientation > 8))
		abort();
	buf_init(&out, FUZZ_OUT_MAX);
	/* As the imager does: a source whose header passed is resized with
	 * its probe; image_resize() probes again and fails. */
	if (probed)
		rc = image_resize_probed(data, size, &info, width, 75, f, &lim,
		    &out, &r, err, sizeof(err));
	else
		rc = image_resize(data, size, width, 75, f, &lim, &out, &r,
		    err, sizeof(err));
	if (rc == IMAGE_OK) {
		if (out.len < 4 || r.width == 0 || r.height == 0 ||
		    r.width > width || r.width > info.display_width ||
		    (uint64_t)r.width * r.height > lim.max_pixels + width)
			abort();
		if (r.format == IMAGE_FMT_JPEG &&
		    memcmp(out.data, "\xff\xd8\xff", 3) != 0)
			abort();
		if (r.format == IMAGE_FMT_PNG && memcmp(out.data, "\x89PNG", 4))
			abort();
		if (r.format == IMAGE_FMT_WEBP && memcmp(out.data, "RIFF", 4))
			abort();
	} else if (err[0] == '\0' || strchr(err, '\n') != NULL ||
	    out.len != 0 || image_http_status(rc) < 400 ||
	    (probed && strncmp(err, "info:", 5) == 0))
		abort();
	buf_free(&out);
}

/* Runs the check at a width and output format picked from the input. */
static void
fuzz_image(const uint8_t *data, size_t size, enum image_format other)
{
	static const uint32_t widths[] = { 32, 96, 640 };
	const enum image_format formats[] = { IMAGE_FMT_NONE, IMAGE_FMT_WEBP,
	    other };

	fuzz_image_check(data, size, widths[size % 3], formats[size / 3 % 3]);
}

#endif
