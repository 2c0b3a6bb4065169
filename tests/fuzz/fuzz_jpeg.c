/*
 * fuzz_jpeg.c: libFuzzer harness for the JPEG path: any bytes that start
 * like a JPEG go through image_probe() and image_resize() (fuzz_image.h).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || memcmp(data, "\xff\xd8\xff", 3) != 0)
		return 0;
	fuzz_image(data, size, IMAGE_FMT_PNG);
	return 0;
}
