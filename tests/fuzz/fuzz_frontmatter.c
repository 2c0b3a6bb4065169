/*
 * fuzz_frontmatter.c: libFuzzer harness for frontmatter_parse(): any bytes
 * must give either a filled meta with a body offset inside the input, or an
 * error with a line inside the input and a reason, and never leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontmatter.h"
#include "folio_limits.h"

/* Big enough for any reason frontmatter_parse writes. */
#define FUZZ_ERR_MAX	256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meta m;
	char err[FUZZ_ERR_MAX];
	size_t off, line, eline, lines = 1;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	err[0] = '\0';
	if (frontmatter_parse((const char *)data, size, &m, &off, &line, &eline,
	    err, sizeof(err)) == 0) {
		if (off > size || line < 2 || line > lines + 1 ||
		    m.title == NULL || m.title[0] == '\0' ||
		    m.ntags > POST_TAGS_MAX)
			abort();
		for (size_t i = 0; i < m.ntags; i++)
			if (strlen(m.tags[i]) > META_TEXT_MAX)
				abort();
	} else if (eline < 1 || eline > lines || err[0] == '\0' ||
	    m.title != NULL || m.tags != NULL)
		abort();
	meta_free(&m);
	return 0;
}
