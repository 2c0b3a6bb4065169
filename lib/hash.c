/*
 * hash.c: FNV-1a, 64 bits.
 */
#include "hash.h"

#include <string.h>

#define FNV64_PRIME	0x100000001b3ULL

uint64_t
hash64_add(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= FNV64_PRIME;
	}
	return h;
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
