/*
 * hash.c: foliod's 64-bit hash, XXH3 from libxxhash (inlined from its
 * header: the hash is called on every source byte of a rebuild, where a
 * call per buffer into a shared library would cost as much as the hash).
 */
#include "hash.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t
hash64_add(uint64_t h, const void *p, size_t len)
{
	return XXH3_64bits_withSeed(p, len, h);
}

uint64_t
hash64(const void *p, size_t len)
{
	return hash64_add(HASH64_INIT, p, len);
}

uint64_t
hash64_str(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	return hash64_add(h, s, strlen(s) + 1);
}

void
hash64_hex(uint64_t h, char out[17])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--) {
		out[i] = hex[h & 0xf];
		h >>= 4;
	}
	out[16] = '\0';
}
