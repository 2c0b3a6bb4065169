/*
 * fuzz_webp.c: libFuzzer harness for the WebP path: any bytes that start
 * like a WebP (RIFF....WEBP) go through image_probe(), with its EXIF walk
 * through libwebpdemux, and image_resize() (fuzz_image.h). The source's own
 * format and WebP are the same output here, so the third output alternates
 * between JPEG and PNG with the input's size.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 12 || memcmp(data, "RIFF", 4) != 0 ||
	    memcmp(data + 8, "WEBP", 4) != 0)
		return 0;
	fuzz_image(data, size, size / 9 % 2 ? IMAGE_FMT_PNG : IMAGE_FMT_JPEG);
	return 0;
}
