/*
 * fuzz_png.c: libFuzzer harness for the PNG path: any bytes that start
 * like a PNG go through image_probe() and image_resize() (fuzz_image.h).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
		return 0;
	fuzz_image(data, size, IMAGE_FMT_JPEG);
	return 0;
}
